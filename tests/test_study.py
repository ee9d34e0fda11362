"""The study: its run list, and the per-job config documents the workflow hands to `qrnn`."""

from __future__ import annotations

import copy

import pytest
import yaml

from qrnn.config import deep_merge, validate
from qrnn.errors import ConfigError
from qrnn.study.resolve import run_config
from qrnn.study.runs import data_document, reference_metrics, run_document, study_runs, write_study_description

STUDY = {
    "study": {
        "models": ["qrnn", "lstm"],
        "seeds": [3, 1],
        "variants": {"default": {}, "encoding_only": {"applies_to": ["qrnn", "rnn"], "overrides": {"qrnn": {"variational": "none"}}}},
    }
}


def test_runs_pair_each_variant_only_with_the_models_it_applies_to():
    assert study_runs(validate(STUDY)) == [
        ("copying", "qrnn", "default", 3),
        ("copying", "qrnn", "default", 1),
        ("copying", "qrnn", "encoding_only", 3),
        ("copying", "qrnn", "encoding_only", 1),
        ("copying", "lstm", "default", 3),
        ("copying", "lstm", "default", 1),
    ]


def test_a_bad_variant_fails_the_whole_study_up_front():
    broken = deep_merge(STUDY, {"study": {"variants": {"encoding_only": {"overrides": {"qrnn": {"n_qbits": 2}}}}}})
    with pytest.raises(ConfigError, match=r"unknown key study.variants.encoding_only.overrides.qrnn.n_qbits"):
        study_runs(validate(broken))


@pytest.mark.parametrize("model,variant", [("qrnn", "default"), ("qrnn", "encoding_only"), ("lstm", "default")])
def test_run_document_resolves_to_the_same_run(model, variant):
    document = validate(STUDY)
    small = validate(run_document(document, "copying", model, variant))
    for seed in (0, 5):
        assert run_config(small, "copying", model, seed, variant) == run_config(document, "copying", model, seed, variant)


def test_run_document_changes_only_with_what_the_run_depends_on():
    base = validate(STUDY)
    before = run_document(base, "copying", "qrnn", "encoding_only")
    unrelated = [
        {"study": {"seeds": [0, 1, 2, 3]}},
        {"study": {"test_sequences": 5}},
        {"tasks": {"copying": {"test_seed": 7}}},
        {"models": {"lstm": {"hidden_size": 3}}},
        {"study": {"variants": {"encoding_only": {"applies_to": ["qrnn", "lstm"]}}}},
        {"resources": {"train": {"cpus": 4}}},
    ]
    for change in unrelated:
        assert run_document(validate(deep_merge(STUDY, change)), "copying", "qrnn", "encoding_only") == before, change
    related = [
        {"training": {"max_steps": 5}},
        {"tasks": {"copying": {"blank_length": 3}}},
        {"models": {"qrnn": {"n_qubits": 3}}},
        {"study": {"variants": {"encoding_only": {"overrides": {"qrnn": {"n_layers": 2}}}}}},
    ]
    for change in related:
        assert run_document(validate(deep_merge(STUDY, change)), "copying", "qrnn", "encoding_only") != before, change


def test_data_document_holds_what_the_test_set_depends_on():
    document = validate(STUDY)
    assert data_document(document, "copying") == {
        "tasks": {"copying": {"blank_length": 10, "n_symbols": 8, "copy_length": 10, "test_seed": 4321}},
        "study": {"test_sequences": 1000},
    }
    assert validate(data_document(document, "copying"))["tasks"] == document["tasks"]


def test_reference_is_the_memoryless_cross_entropy():
    document = validate({"tasks": {"copying": {"blank_length": 4, "copy_length": 3, "n_symbols": 4}}})
    assert reference_metrics(document, "copying")["memoryless_cross_entropy"] == pytest.approx(3 * 1.3862943611198906 / 10)


def test_study_description_is_the_resolved_config_again(tmp_path):
    document = validate(STUDY)
    write_study_description(copy.deepcopy(document), tmp_path / "study.yaml")
    text = (tmp_path / "study.yaml").read_text()
    assert "# 6 training runs; git revision " in text
    assert validate(yaml.safe_load(text)) == document


TASK_TRAINING = {
    "study": {"tasks": ["copying", "mnist"], "models": ["lstm"]},
    "training": {"max_steps": 300, "patience": 4, "learning_rate": 0.002},
    "tasks": {"mnist": {"training": {"max_steps": 50, "patience": 2}}},
    "ablations": {"tasks": ["copying", "mnist"], "variants": ["full"], "max_steps": 7},
}


def test_a_task_overrides_training_keys_and_a_block_max_steps_wins_over_it():
    document = validate(TASK_TRAINING)
    copying, mnist = (run_config(document, task, "lstm", 0).training for task in ("copying", "mnist"))
    assert (copying.max_steps, copying.patience, copying.learning_rate) == (300, 4, 0.002)
    assert (mnist.max_steps, mnist.patience, mnist.learning_rate) == (50, 2, 0.002)
    ablation = run_config(document, "mnist", "qrnn", 0, "full").training
    assert (ablation.max_steps, ablation.patience) == (7, 2)  # the block's max_steps, the task's other keys


@pytest.mark.parametrize("model,variant", [("lstm", "default"), ("qrnn", "full")])
def test_run_document_carries_the_task_training_keys_resolved(model, variant):
    document = validate(TASK_TRAINING)
    small = validate(run_document(document, "mnist", model, variant))
    assert "training" not in small["tasks"]["mnist"]  # resolved into the training section
    assert run_config(small, "mnist", model, 3, variant) == run_config(document, "mnist", model, 3, variant)
    other_task = deep_merge(TASK_TRAINING, {"tasks": {"copying": {"training": {"patience": 9}}}})
    assert run_document(validate(other_task), "mnist", model, variant) == run_document(document, "mnist", model, variant)
