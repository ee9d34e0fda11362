"""The ablation presets and the `ablations` block: names, overrides, runs, per-job documents."""

from __future__ import annotations

import pytest

from qrnn.config import deep_merge, load_schema, validate
from qrnn.errors import ConfigError
from qrnn.study.ablations import PRESETS, ablation_variant
from qrnn.study.resolve import run_config
from qrnn.study.runs import run_document, study_runs

BLOCK = {"ablations": {"enabled": True, "variants": ["full", "no_feedback"], "seeds": [4], "max_steps": 7}}
ONLY_LSTM = {"study": {"models": ["lstm"], "seeds": [0]}}


def test_the_schema_lists_exactly_the_presets():
    listed = load_schema()["properties"]["ablations"]["properties"]["variants"]
    assert listed["items"]["enum"] == list(PRESETS) == listed["default"]


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_resolves_to_valid_qrnn_settings(name):
    document = validate({})
    run = run_config(document, "copying", "qrnn", 0, name)
    base = run_config(document, "copying", "qrnn", 0)
    changed = {key for key in vars(base.model_settings) if getattr(base.model_settings, key) != getattr(run.model_settings, key)}
    assert changed == set(PRESETS[name].overrides)  # each preset changes exactly what it says
    assert ablation_variant(name)["applies_to"] == ["qrnn"]


def test_the_block_adds_qrnn_runs_with_its_own_seeds_and_steps():
    document = validate(deep_merge(ONLY_LSTM, BLOCK))
    runs = study_runs(document)
    assert runs == [("copying", "lstm", "default", 0), ("copying", "qrnn", "full", 4), ("copying", "qrnn", "no_feedback", 4)]
    assert run_config(document, "copying", "qrnn", 4, "no_feedback").training.max_steps == 7
    assert run_config(document, "copying", "lstm", 0).training.max_steps == 1000
    assert study_runs(validate(ONLY_LSTM)) == runs[:1]  # disabled by default


def test_run_document_of_an_ablation_run_resolves_to_the_same_run():
    document = validate(deep_merge(ONLY_LSTM, BLOCK))
    small = validate(run_document(document, "copying", "qrnn", "no_feedback"))
    assert run_config(small, "copying", "qrnn", 4, "no_feedback") == run_config(document, "copying", "qrnn", 4, "no_feedback")
    assert small["study"]["variants"]["no_feedback"]["overrides"] == {"qrnn": {"readout_feedback": False}}


def test_a_study_variant_may_share_a_preset_name_only_with_the_same_meaning():
    same = {"study": {"variants": {"default": {}, "no_feedback": {"applies_to": ["qrnn"], "overrides": {"qrnn": {"readout_feedback": False}}}}}}
    document = validate(deep_merge(deep_merge(ONLY_LSTM, BLOCK), deep_merge(same, {"ablations": {"max_steps": None}})))
    assert study_runs(document).count(("copying", "qrnn", "no_feedback", 4)) == 1
    other = deep_merge(same, {"study": {"variants": {"no_feedback": {"overrides": {"qrnn": {"n_layers": 2}}}}}})
    with pytest.raises(ConfigError, match=r"study.variants.no_feedback: the ablations block defines it too, with other settings"):
        study_runs(validate(deep_merge(deep_merge(ONLY_LSTM, BLOCK), other)))


def test_unknown_names_and_tasks_are_refused():
    with pytest.raises(ConfigError, match=r"ablations.variants.0"):
        validate({"ablations": {"variants": ["no_such_thing"]}})
    with pytest.raises(ConfigError, match=r"ablations.tasks: unknown task 'no_task'"):
        study_runs(validate({"ablations": {"enabled": True, "tasks": ["no_task"]}}))
    with pytest.raises(ConfigError, match=r"unknown ablation 'nope'"):
        ablation_variant("nope")
