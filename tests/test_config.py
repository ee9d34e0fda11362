"""Config: the study section, variants (merge, validation, errors) and reading from stdin."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
import yaml

from qrnn.config import RunConfig, load_config, validate
from qrnn.errors import ConfigError
from qrnn.study.resolve import run_config

ENCODING_ONLY = {"applies_to": ["qrnn"], "overrides": {"qrnn": {"variational": "none", "controller": {"width": 8}}}}


def study(**variants) -> dict:
    return validate({"study": {"variants": {"default": {}, **variants}}})


def test_study_defaults():
    document = validate({})
    assert document["study"] == {
        "tasks": ["copying"],
        "models": ["qrnn", "rnn", "lstm", "scornn"],
        "seeds": [0, 1, 2],
        "variants": {"default": {"applies_to": ["qrnn", "rnn", "lstm", "scornn"], "overrides": {}}},
        "test_sequences": 1000,
    }
    assert document["tasks"]["copying"]["test_seed"] == 4321 != document["training"]["eval_seed"]


def test_a_variant_is_deep_merged_into_its_model_and_recorded():
    document = study(encoding_only=ENCODING_ONLY)
    run = run_config(document, "copying", "qrnn", 0, "encoding_only")
    assert run.variant == "encoding_only" and run.to_dict()["variant"] == "encoding_only"
    assert run.model_settings.variational == "none"
    assert run.model_settings.controller.width == 8
    assert run.model_settings.controller.depth == document["models"]["qrnn"]["controller"]["depth"]  # untouched sibling
    default = run_config(document, "copying", "qrnn", 0)
    assert default.variant == "default" and default.model_settings.variational == "controller"


def test_run_config_round_trips_through_its_dict():
    run = run_config(study(encoding_only=ENCODING_ONLY), "copying", "qrnn", 4, "encoding_only")
    assert RunConfig.from_dict(json.loads(json.dumps(run.to_dict()))) == run


def test_unknown_variant_is_named():
    with pytest.raises(ConfigError, match=r"unknown variant 'encodng_only' \(study.variants defines: default, encoding_only\)"):
        run_config(study(encoding_only=ENCODING_ONLY), "copying", "qrnn", 0, "encodng_only")


def test_variant_that_does_not_apply_to_the_model_is_refused():
    with pytest.raises(ConfigError, match=r"variant 'encoding_only' does not apply to model 'lstm' \(study.variants.encoding_only.applies_to: qrnn\)"):
        run_config(study(encoding_only=ENCODING_ONLY), "copying", "lstm", 0, "encoding_only")


@pytest.mark.parametrize(
    "overrides,expected",
    [
        ({"qrnn": {"n_qbits": 4}}, "unknown key study.variants.bad.overrides.qrnn.n_qbits"),
        ({"qrnn": {"controller": {"widht": 4}}}, "unknown key study.variants.bad.overrides.qrnn.controller.widht"),
        ({"qrnn": {"n_qubits": 99}}, "study.variants.bad.overrides.qrnn.n_qubits: 99 is greater than the maximum of 14"),
        ({"rnn": {"hidden_size": 4}}, "study.variants.bad.overrides.rnn: overrides a model the variant does not apply to"),
    ],
)
def test_bad_overrides_name_the_dotted_path(overrides, expected):
    """Checked once, when the document is validated: before any run is resolved."""
    with pytest.raises(ConfigError) as error:
        study(bad={"applies_to": ["qrnn"], "overrides": overrides})
    assert expected in str(error.value)


@pytest.mark.parametrize(
    "overrides,expected",
    [
        ({"max_step": 4}, "unknown key tasks.sentiment.training.max_step (allowed here: batch_size, eval_batches"),
        ({"patience": -1}, "tasks.sentiment.training.patience: -1 is less than the minimum of 0"),
        ({"min_delta": "small"}, "tasks.sentiment.training.min_delta: 'small' is not of type 'number'"),
    ],
)
def test_bad_task_training_keys_name_the_dotted_path(overrides, expected):
    """A task's training keys are those of the training section, checked as it is."""
    with pytest.raises(ConfigError) as error:
        validate({"tasks": {"sentiment": {"training": overrides}}})
    assert expected in str(error.value)



@pytest.mark.parametrize(
    "raw,expected",
    [
        ({"study": {"variants": {"Encoding-Only": {}}}}, "study.variants: 'Encoding-Only' does not match"),
        ({"study": {"variants": {"x": {"overrides": {"gru": {}}}}}}, "unknown key study.variants.x.overrides.gru"),
        ({"study": {"models": ["qrnn", "gru"]}}, "study.models.1: 'gru' is not one of"),
        ({"study": {"seeds": [-1]}}, "study.seeds.0: -1 is less than the minimum of 0"),
        ({"resources": {"train": {"gpu": 1}}}, "unknown key resources.train.gpu"),
    ],
)
def test_bad_study_keys_are_named(raw, expected):
    with pytest.raises(ConfigError) as error:
        validate(raw)
    assert expected in str(error.value)


def test_config_can_come_from_standard_input(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(yaml.safe_dump({"training": {"max_steps": 7}})))
    assert load_config("-")["training"]["max_steps"] == 7
    monkeypatch.setattr(sys, "stdin", io.StringIO("training:\n  stpes: 7\n"))
    with pytest.raises(ConfigError, match=r"<stdin>: unknown key training.stpes"):
        load_config("-")


def test_train_command_takes_a_variant(tmp_path):
    document = {
        "training": {"max_steps": 4, "eval_every": 2, "batch_size": 4, "eval_batches": 1},
        "tasks": {"copying": {"blank_length": 2, "copy_length": 2, "n_symbols": 3}},
        "study": {"variants": {"wide": {"applies_to": ["rnn"], "overrides": {"rnn": {"hidden_size": 9}}}}},
    }
    command = [sys.executable, "-m", "qrnn", "train", "--config", "-", "--task", "copying", "--model", "rnn", "--seed", "0"]
    result = subprocess.run([*command, "--variant", "wide", "--out", str(tmp_path / "run"), "--quiet"], input=json.dumps(document), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    written = json.loads((tmp_path / "run" / "config.json").read_text())
    assert written["variant"] == "wide" and written["model_settings"]["hidden_size"] == 9
    refused = subprocess.run([*command, "--out", str(tmp_path / "other")], input=json.dumps(document), capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and refused.stderr.strip() == "qrnn: error: unknown variant 'default' (study.variants defines: wide)"


@pytest.mark.parametrize(
    "text,expected",
    [
        (b"training:\n  max_steps: 3\nstudy: {}\ntraining:\n  max_steps: 4\n", r"bad.yaml: line 4: key 'training' given twice \(first at line 1\)"),
        (b"training:\n  eval_every: 2\n  eval_every: 3\n", r"bad.yaml: line 3: key 'eval_every' given twice"),
        (b"# r\xe9sum\xe9\ntraining: {}\n", r"bad.yaml: line 1: not UTF-8 text \(byte 0xe9"),
        (b"training: {learning_rate: .nan}\n", r"bad.yaml: training.learning_rate: must be a finite number"),
        (b"training: {learning_rate: .inf}\n", r"bad.yaml: training.learning_rate: must be a finite number"),
        (b"training: {learning_rate: 1.0e+38}\n", r"bad.yaml: training.learning_rate: 1e\+38 is greater than the maximum of 10"),
        (b"training: {gradient_clip: -.inf}\n", r"bad.yaml: training.gradient_clip: must be a finite number"),
        (b"noise: {strengths: [0.1, .nan]}\n", r"bad.yaml: noise.strengths.1: must be a finite number"),
    ],
)
def test_files_that_yaml_would_misread_are_refused_by_file_and_line(tmp_path, text, expected):
    path = tmp_path / "bad.yaml"
    path.write_bytes(text)
    with pytest.raises(ConfigError, match=expected):
        load_config(path)
