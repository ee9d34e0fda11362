"""Which attention figures and noise tables a study asks for (shared by the workflow and job_count)."""

import copy

from qrnn.config import validate
from qrnn.noise.settings import noise_tasks
from qrnn.study.targets import attention_models, noise_table_tasks


def study(**changes):
    document = copy.deepcopy(validate({}))
    document["study"]["tasks"] = changes.get("tasks", ["copying", "translation"])
    document["study"]["models"] = changes.get("models", ["qrnn", "lstm"])
    document["noise"]["enabled"] = changes.get("noise", True)
    document["tasks"]["translation"]["attention_examples"] = changes.get("attention_examples", 4)
    return validate(document)


def test_one_attention_figure_per_model_when_translation_writes_attention_weights():
    assert attention_models(study()) == ["qrnn", "lstm"]
    assert attention_models(study(attention_examples=0)) == []
    assert attention_models(study(tasks=["copying"])) == []


def test_noise_tables_follow_the_noise_section():
    document = study()
    assert "copying" in noise_table_tasks(document) and noise_table_tasks(document) == noise_tasks(document)
    assert noise_table_tasks(study(noise=False)) == []
