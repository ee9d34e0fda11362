"""Clean evaluation of a finished run on the fixed test set."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
import torch
from torch.nn import functional

from qrnn.config import validate
from qrnn.data.prepare import prepare_test_set
from qrnn.errors import QrnnError
from qrnn.evaluate.clean import evaluate_run, write_evaluation
from qrnn.io.provenance import config_hash
from qrnn.models.factory import build_model
from qrnn.study.resolve import run_config
from qrnn.tasks.copying_task import CopyingTask
from qrnn.training.loop import train

DOCUMENT = validate(
    {
        "training": {"max_steps": 20, "eval_every": 10, "batch_size": 8, "eval_batches": 1},
        "tasks": {"copying": {"blank_length": 3, "copy_length": 3, "n_symbols": 4}},
        "models": {"qrnn": {"n_qubits": 3, "embedding_dim": 4, "controller": {"width": 8}}, "rnn": {"hidden_size": 8, "embedding_dim": 4}},
        "study": {"test_sequences": 90},
    }
)


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished quantum-RNN run and the test set of its task."""
    root = tmp_path_factory.mktemp("finished")
    train(run_config(DOCUMENT, "copying", "qrnn", 2), root / "run", progress=False)
    prepare_test_set(DOCUMENT, "copying", root / "data")
    return root


def test_metrics_are_those_of_the_checkpointed_best_model_on_the_whole_test_set(finished):
    evaluation = evaluate_run(finished / "run", finished / "data", batch_size=7)  # 90 = 12 x 7 + 6: an uneven last batch
    run = run_config(DOCUMENT, "copying", "qrnn", 2)
    task = CopyingTask(run.task_settings)
    model = build_model("qrnn", run.model_settings, task.vocab_size, task.n_outputs, task.per_step)
    model.load_state_dict(torch.load(finished / "run" / "checkpoint.pt", weights_only=True)["best_model"])
    model.eval()
    tensors = torch.load(finished / "data" / "test.pt")
    with torch.no_grad():
        logits = model(tensors["inputs"])
    loss = functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), tensors["targets"].reshape(-1)).item()
    accuracy = (logits[:, -3:].argmax(-1) == tensors["targets"][:, -3:]).float().mean().item()
    assert evaluation["metrics"]["loss"] == pytest.approx(loss, rel=1e-5)
    assert evaluation["metrics"]["copy_accuracy"] == pytest.approx(accuracy, abs=1e-6)
    assert evaluation["reference"] == task.reference_metrics()
    manifest = json.loads((finished / "data" / "manifest.json").read_text())
    assert evaluation["data_sha256"] == manifest["sha256"] and evaluation["n_test_sequences"] == 90
    assert evaluation["config_hash"] == config_hash(run.to_dict())
    assert (evaluation["model"], evaluation["variant"], evaluation["seed"]) == ("qrnn", "default", 2)
    assert evaluation["units"]["loss"] == "nats"


def test_the_batch_size_does_not_change_the_metrics(finished):
    whole = evaluate_run(finished / "run", finished / "data", batch_size=1000)["metrics"]
    batched = evaluate_run(finished / "run", finished / "data", batch_size=13)["metrics"]
    assert batched == pytest.approx(whole, rel=1e-5)


def test_an_unfinished_run_is_refused(tmp_path, monkeypatch):
    original_loss, calls = CopyingTask.loss, {"n": 0}

    def loss_killed_at_step_15(self, logits, targets):  # the process dies after the step-10 checkpoint
        if torch.is_grad_enabled():
            calls["n"] += 1
            if calls["n"] == 15:
                raise KeyboardInterrupt
        return original_loss(self, logits, targets)

    monkeypatch.setattr(CopyingTask, "loss", loss_killed_at_step_15)
    with pytest.raises(KeyboardInterrupt):
        train(run_config(DOCUMENT, "copying", "rnn", 0), tmp_path / "run", progress=False)
    prepare_test_set(DOCUMENT, "copying", tmp_path / "data")
    with pytest.raises(QrnnError, match=rf"run {tmp_path / 'run'} is unfinished: its checkpoint is at step 10 of at most 20"):
        evaluate_run(tmp_path / "run", tmp_path / "data")


HELD_OUT_METRICS = CopyingTask.evaluate_held_out  # the real one, before any test patches it


def scripted_held_out_loss(values: list[float]):
    """CopyingTask.evaluate_held_out with its loss replaced by ``values``, one per evaluation."""
    calls = {"n": 0}

    def evaluate_held_out(self, model, held_out, device):
        metrics = HELD_OUT_METRICS(self, model, held_out, device)
        calls["n"] += 1
        return {**metrics, "loss": values[calls["n"] - 1]}

    return evaluate_held_out


def test_the_evaluated_weights_are_those_of_the_best_held_out_evaluation(tmp_path, monkeypatch):
    """A run whose held-out loss is best at step 10 and worse after is scored as a run that
    stopped at step 10 (same seed, so the same first 10 steps), not with its last weights."""
    prepare_test_set(DOCUMENT, "copying", tmp_path / "data")
    monkeypatch.setattr(CopyingTask, "evaluate_held_out", scripted_held_out_loss([1.0, 2.0]))
    metrics = train(run_config(DOCUMENT, "copying", "rnn", 0), tmp_path / "best_early", progress=False)
    assert (metrics["best_step"], metrics["steps"], metrics["stop_reason"]) == (10, 20, "max_steps")
    monkeypatch.setattr(CopyingTask, "evaluate_held_out", scripted_held_out_loss([1.0]))
    shorter = validate({**DOCUMENT, "training": {**DOCUMENT["training"], "max_steps": 10}})
    train(run_config(shorter, "copying", "rnn", 0), tmp_path / "ten_steps", progress=False)
    monkeypatch.undo()  # the test set is scored with the real metrics

    evaluation = evaluate_run(tmp_path / "best_early", tmp_path / "data")
    assert evaluation["weights_step"] == 10
    assert evaluation["metrics"] == evaluate_run(tmp_path / "ten_steps", tmp_path / "data")["metrics"]
    last = torch.load(tmp_path / "best_early" / "checkpoint.pt", weights_only=True)
    last["best_model"] = last["model"]  # the same run, scored with its step-20 weights
    torch.save(last, tmp_path / "best_early" / "checkpoint.pt")
    assert evaluate_run(tmp_path / "best_early", tmp_path / "data")["metrics"]["loss"] != evaluation["metrics"]["loss"]


def test_a_test_set_of_other_task_settings_is_refused(finished, tmp_path):
    other = validate({**DOCUMENT, "tasks": {"copying": {**DOCUMENT["tasks"]["copying"], "blank_length": 4}}})
    prepare_test_set(other, "copying", tmp_path / "data")
    with pytest.raises(QrnnError, match=r"made with other task settings .* task_settings.blank_length: 4 -> 3"):
        evaluate_run(finished / "run", tmp_path / "data")


def test_missing_files_are_named(finished, tmp_path):
    shutil.copytree(finished / "run", tmp_path / "run")
    (tmp_path / "run" / "checkpoint.pt").unlink()
    with pytest.raises(QrnnError, match=rf"missing run file {tmp_path / 'run' / 'checkpoint.pt'}"):
        evaluate_run(tmp_path / "run", finished / "data")
    with pytest.raises(QrnnError, match=rf"missing run file {tmp_path / 'nothing' / 'config.json'}"):
        evaluate_run(tmp_path / "nothing", finished / "data")
    with pytest.raises(QrnnError, match=rf"missing test-set file {tmp_path / 'manifest.json'}"):
        evaluate_run(finished / "run", tmp_path)


def test_evaluate_command_writes_the_file_or_one_line_error(finished, tmp_path):
    command = [sys.executable, "-m", "qrnn", "evaluate", "--data", str(finished / "data"), "--out", str(tmp_path / "evaluation.json")]
    result = subprocess.run([*command, "--run", str(finished / "run")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "evaluation.json").read_text())["metrics"] == write_evaluation(finished / "run", finished / "data", tmp_path / "again.json")["metrics"]
    failed = subprocess.run([*command, "--run", str(tmp_path / "absent")], capture_output=True, text=True, timeout=120)
    assert failed.returncode == 1
    assert failed.stderr.strip().splitlines() == [f"qrnn: error: missing run file {tmp_path / 'absent' / 'config.json'}; train the run first with `qrnn train --out {tmp_path / 'absent'}`"]
