"""Per-task model settings (tasks.<task>.models) and baseline sizes given as `matched` / `half`."""

from __future__ import annotations

import pytest

from qrnn.config import validate
from qrnn.errors import ConfigError
from qrnn.models.factory import build_model, parameter_counts, recurrent_parameter_count
from qrnn.study.resolve import run_config
from qrnn.study.runs import run_document
from qrnn.tasks.registry import build_task

MATCHED = {
    "rnn": {"hidden_size": "matched"},
    "lstm": {"hidden_size": "matched"},
    "scornn": {"hidden_size": "matched", "n_negative": "half"},
}
PER_TASK = {
    "models": MATCHED,
    "tasks": {"mnist": {"models": {"qrnn": {"n_qubits": 4, "controller": {"width": 24}}, "lstm": {"embedding_dim": 8}}}},
}


def settings(document, task, model, variant="default"):
    return run_config(document, task, model, 0, variant).model_settings


def test_a_task_override_applies_to_that_task_only():
    document = validate(PER_TASK)
    assert (settings(document, "mnist", "qrnn").n_qubits, settings(document, "mnist", "qrnn").controller.width) == (4, 24)
    assert settings(document, "mnist", "lstm").embedding_dim == 8
    for task in ("copying", "pmnist", "sentiment"):
        assert (settings(document, task, "qrnn").n_qubits, settings(document, task, "lstm").embedding_dim) == (6, 16), task
    assert settings(document, "mnist", "qrnn").n_layers == 1  # keys the task does not name come from models


def test_matched_sizes_follow_the_task_and_match_the_recurrent_part():
    document = validate(PER_TASK)
    hidden = {task: settings(document, task, "lstm").hidden_size for task in ("copying", "mnist")}
    assert hidden["mnist"] < hidden["copying"]  # mnist's quantum RNN is smaller: 4 qubits, 24 units
    for task in ("copying", "mnist"):
        target = recurrent_parameter_count("qrnn", settings(document, task, "qrnn"))
        for model in ("rnn", "lstm", "scornn"):
            run = run_config(document, task, model, 0)
            built = build_task(run)
            counts = parameter_counts(build_model(model, run.model_settings, built.vocab_size, built.n_outputs, built.per_step, getattr(built, "input_size", None)))
            assert counts["recurrent"] == recurrent_parameter_count(model, run.model_settings) < counts["total"]
            assert abs(counts["recurrent"] - target) <= 0.05 * target, (task, model, counts, target)
    scornn = settings(document, "copying", "scornn")
    assert scornn.n_negative == scornn.hidden_size // 2


def test_the_quantum_rnn_recurrent_count_is_its_controller_and_circuit_angles():
    quantum = settings(validate({"models": {"qrnn": {"variational": "static"}}}), "copying", "qrnn")
    built = build_model("qrnn", quantum, vocab_size=10, n_outputs=9, per_step=True)
    counts = parameter_counts(built)
    controller = sum(p.numel() for p in built.core.controller.parameters())
    assert counts["recurrent"] == controller + counts["quantum"] and counts["quantum"] > 0
    assert counts["total"] == counts["recurrent"] + sum(p.numel() for p in [*built.embedding.parameters(), *built.head.parameters()])


def test_a_variant_wins_over_the_task_settings():
    variant = {"applies_to": ["qrnn", "lstm"], "overrides": {"qrnn": {"n_qubits": 3}, "lstm": {"embedding_dim": 12}}}
    document = validate({**PER_TASK, "study": {"variants": {"default": {}, "small": variant}}})
    quantum = settings(document, "mnist", "qrnn", "small")
    assert quantum.n_qubits == 3  # not the task's 4
    assert quantum.controller.width == 24  # what the variant leaves is the task's
    lstm = settings(document, "mnist", "lstm", "small")
    assert lstm.embedding_dim == 12
    # matched follows the variant's quantum RNN (3 qubits), not the task's (4)
    target = recurrent_parameter_count("qrnn", quantum)
    assert abs(recurrent_parameter_count("lstm", lstm) - target) <= 0.05 * target
    assert target < recurrent_parameter_count("qrnn", settings(document, "mnist", "qrnn"))
    assert settings(document, "copying", "lstm", "small").embedding_dim == 12  # a variant applies on every task


def test_an_ablation_preset_goes_over_the_task_settings():
    document = validate(PER_TASK)
    ablated = settings(document, "mnist", "qrnn", "linear_controller")
    assert (ablated.controller.kind, ablated.n_qubits) == ("linear", 4)


@pytest.mark.parametrize(
    "raw,message",
    [
        ({"tasks": {"mnist": {"models": {"qrnn": {"n_qbits": 4}}}}}, r"^<config>: unknown key tasks\.mnist\.models\.qrnn\.n_qbits \(allowed here: "),
        ({"tasks": {"copying": {"models": {"gru": {}}}}}, r"^<config>: unknown key tasks\.copying\.models\.gru \(allowed here: lstm, qrnn, rnn, scornn\)"),
        ({"tasks": {"pmnist": {"models": {"lstm": {"hidden_size": 0}}}}}, r"^<config>: tasks\.pmnist\.models\.lstm\.hidden_size: 0 is not valid"),
        ({"models": {"rnn": {"hidden_size": "match"}}}, r"^<config>: models\.rnn\.hidden_size: 'match' is not valid"),
        ({"tasks": {"sentiment": {"models": {"qrnn": {"controller": {"widht": 3}}}}}}, r"unknown key tasks\.sentiment\.models\.qrnn\.controller\.widht"),
    ],
)
def test_a_bad_task_model_key_is_refused_naming_its_path(raw, message):
    with pytest.raises(ConfigError, match=message):
        validate(raw)


def test_matched_without_a_match_is_a_config_error_naming_task_and_model():
    tiny = {"tasks": {"sentiment": {"models": {"qrnn": {"n_qubits": 1, "embedding_dim": 1, "controller": {"kind": "linear"}}}}},
            "models": {"lstm": {"hidden_size": "matched", "embedding_dim": 64}}}
    document = validate(tiny)
    assert settings(document, "copying", "lstm").hidden_size > 1  # the default quantum RNN is large enough
    with pytest.raises(ConfigError, match=r"^task sentiment: models\.lstm\.hidden_size: matched: no hidden size matches \d+ trainable parameters within 5%"):
        run_config(document, "sentiment", "lstm", 0)


def test_a_fixed_n_negative_larger_than_the_matched_size_is_refused():
    document = validate({"models": {"scornn": {"hidden_size": "matched", "n_negative": 500}}})
    with pytest.raises(ConfigError, match=r"^task copying: models\.scornn\.n_negative: 500 is more than the matched hidden size \d+"):
        run_config(document, "copying", "scornn", 0)


def test_integer_sizes_still_work_and_are_not_matched():
    document = validate({"models": {"rnn": {"hidden_size": 7}, "scornn": {"hidden_size": 10, "n_negative": "half"}}})
    assert settings(document, "copying", "rnn").hidden_size == 7
    assert (settings(document, "copying", "scornn").hidden_size, settings(document, "copying", "scornn").n_negative) == (10, 5)


def test_the_job_document_holds_the_resolved_sizes_and_no_other_model():
    document = validate(PER_TASK)
    small = run_document(document, "mnist", "lstm", "default")
    assert "models" not in small and set(small["tasks"]["mnist"]["models"]) == {"lstm"}
    assert small["tasks"]["mnist"]["models"]["lstm"]["hidden_size"] == settings(document, "mnist", "lstm").hidden_size
    assert run_config(validate(small), "mnist", "lstm", 3) == run_config(document, "mnist", "lstm", 3)
    # only what the run depends on: the quantum RNN's dtype does not change the matched size
    dtype = validate({**PER_TASK, "tasks": {"mnist": {"models": {**PER_TASK["tasks"]["mnist"]["models"], "qrnn": {"n_qubits": 4, "controller": {"width": 24}, "dtype": "complex128"}}}}})
    assert run_document(dtype, "mnist", "lstm", "default") == small
    wider = validate({**PER_TASK, "tasks": {"mnist": {"models": {"qrnn": {"n_qubits": 4, "controller": {"width": 48}}}}}})
    assert run_document(wider, "mnist", "lstm", "default") != small
