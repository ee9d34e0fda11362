"""Training runs: files, determinism, resume after SIGKILL, refusal of foreign checkpoints, NaN handling."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml

from qrnn.config import load_config
from qrnn.errors import NonFiniteLossError
from qrnn.study.resolve import run_config
from qrnn.tasks.copying_task import CopyingTask
from qrnn.training.loop import train
from tests.interrupt import sigkill_after_evaluations

SMALL = {
    "training": {"max_steps": 30, "eval_every": 10, "batch_size": 8, "eval_batches": 2},
    "tasks": {"copying": {"blank_length": 3, "copy_length": 3, "n_symbols": 4}},
    "models": {
        "qrnn": {"n_qubits": 3, "embedding_dim": 4, "controller": {"width": 8, "dropout": 0.1}},
        "rnn": {"hidden_size": 8, "embedding_dim": 4},
        "lstm": {"hidden_size": 8, "embedding_dim": 4},
        "scornn": {"hidden_size": 8, "embedding_dim": 4, "n_negative": 4},
    },
}
TIMING_KEYS = {"wall_time_s"}


def write_config(folder: Path, document: dict) -> Path:
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def without_timings(metrics: dict) -> dict:
    return {key: value for key, value in metrics.items() if key not in TIMING_KEYS}


def history_without_timings(folder: Path) -> list[dict]:
    with (folder / "history.csv").open() as handle:
        return [{k: v for k, v in row.items() if k not in TIMING_KEYS} for row in csv.DictReader(handle)]


def json_rows(folder: Path) -> list[dict]:
    """history.csv with numbers as numbers."""
    with (folder / "history.csv").open() as handle:
        return [{key: int(value) if key == "step" else float(value) for key, value in row.items()} for row in csv.DictReader(handle)]


def run_cli(*arguments: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qrnn", *arguments], capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("model", ["qrnn", "rnn", "lstm", "scornn"])
def test_run_folder_contents_and_same_seed_same_numbers(tmp_path, model):
    path = write_config(tmp_path, SMALL)
    run = run_config(load_config(path), "copying", model, seed=3)
    first = train(run, tmp_path / "a", progress=False)
    second = train(run, tmp_path / "b", progress=False)
    assert without_timings(first) == without_timings(second)
    assert history_without_timings(tmp_path / "a") == history_without_timings(tmp_path / "b")
    folder = tmp_path / "a"
    assert {p.name for p in folder.iterdir()} == {"config.json", "history.csv", "metrics.json", "checkpoint.pt", "train.log"}
    assert json.loads((folder / "config.json").read_text()) == run.to_dict()
    assert json.loads((folder / "metrics.json").read_text()) == first
    assert [int(row["step"]) for row in history_without_timings(folder)] == [10, 20, 30]
    assert first["stop_reason"] == "max_steps" and first["validation_metric"] == ["loss", "lower"]
    rows = {row["step"]: row for row in json_rows(folder)}
    assert first["best"] == {key.removeprefix("eval_"): value for key, value in rows[first["best_step"]].items() if key.startswith("eval_")}
    assert first["best"]["loss"] == min(row["eval_loss"] for row in rows.values())
    counts = first["trainable_parameters"]
    assert counts["total"] == counts["classical"] + counts["quantum"] > 0
    assert first["reference"]["memoryless_cross_entropy"] == pytest.approx(3 * torch.log(torch.tensor(4.0)).item() / 9)
    assert set(first) >= {"versions", "git_revision", "device", "config_hash", "wall_time_s"}


def test_different_seeds_give_different_numbers(tmp_path):
    document = load_config(write_config(tmp_path, SMALL))
    first = train(run_config(document, "copying", "rnn", 0), tmp_path / "a", progress=False)
    second = train(run_config(document, "copying", "rnn", 1), tmp_path / "b", progress=False)
    assert first["final"] != second["final"]


def test_sigkill_then_rerun_resumes_to_the_uninterrupted_result(tmp_path):
    """Also the stopping rule's state: a min_delta no later evaluation can beat makes step 20
    the best and stops the run on a plateau 15 evaluations later, at step 320."""
    training = {"max_steps": 400, "eval_every": 20, "batch_size": 8, "eval_batches": 2, "patience": 15, "min_delta": 100.0}
    document = {**SMALL, "training": training}
    path = write_config(tmp_path, document)
    arguments = ["train", "--config", str(path), "--task", "copying", "--model", "qrnn", "--seed", "5", "--quiet"]
    killed = tmp_path / "killed"
    sigkill_after_evaluations([*arguments, "--out", str(killed)], killed, evaluations=2)  # mid-training, after the second checkpoint
    assert not (killed / "metrics.json").exists(), "the run finished before it could be killed; make it longer"
    steps_done = torch.load(killed / "checkpoint.pt", weights_only=False)["step"]
    assert 20 <= steps_done < 400

    resumed = run_cli(*arguments, "--out", str(killed))
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming from" in (killed / "train.log").read_text()
    uninterrupted = run_cli(*arguments, "--out", str(tmp_path / "whole"))
    assert uninterrupted.returncode == 0, uninterrupted.stderr
    killed_metrics = json.loads((killed / "metrics.json").read_text())
    whole_metrics = json.loads((tmp_path / "whole" / "metrics.json").read_text())
    assert without_timings(killed_metrics) == without_timings(whole_metrics)
    assert (whole_metrics["stop_reason"], whole_metrics["best_step"], whole_metrics["steps"]) == ("plateau", 20, 320)
    assert history_without_timings(killed) == history_without_timings(tmp_path / "whole")
    killed_checkpoint, whole_checkpoint = (torch.load(folder / "checkpoint.pt", weights_only=True) for folder in (killed, tmp_path / "whole"))
    assert killed_checkpoint["stopping"] == whole_checkpoint["stopping"]
    for weights in ("model", "best_model"):
        assert all(torch.equal(killed_checkpoint[weights][name], whole_checkpoint[weights][name]) for name in whole_checkpoint[weights])
    assert any(not torch.equal(whole_checkpoint["model"][name], whole_checkpoint["best_model"][name]) for name in whole_checkpoint["model"])


def test_a_stopped_run_rerun_rewrites_its_files_without_training(tmp_path):
    """The workflow deletes a rerun job's declared files; the checkpoint of a stopped run
    (here on a plateau) gives them back as they were."""
    document = {**SMALL, "training": {**SMALL["training"], "max_steps": 100, "patience": 2, "min_delta": 100.0}}
    run = run_config(load_config(write_config(tmp_path, document)), "copying", "rnn", 0)
    first = train(run, tmp_path / "run", progress=False)
    assert (first["stop_reason"], first["best_step"], first["steps"]) == ("plateau", 10, 30)
    history = history_without_timings(tmp_path / "run")
    for name in ("metrics.json", "history.csv"):
        (tmp_path / "run" / name).unlink()
    again = train(run, tmp_path / "run", progress=False)
    assert again == first and history_without_timings(tmp_path / "run") == history
    assert (tmp_path / "run" / "train.log").read_text().count("stopped at step 30 (plateau)") == 1


def test_checkpoint_from_another_config_is_refused(tmp_path):
    path = write_config(tmp_path, SMALL)
    arguments = ["train", "--task", "copying", "--model", "rnn", "--seed", "0", "--out", str(tmp_path / "run"), "--quiet"]
    assert run_cli(*arguments[:1], "--config", str(path), *arguments[1:]).returncode == 0
    changed = {**SMALL, "training": {**SMALL["training"], "learning_rate": 0.01}}
    result = run_cli(*arguments[:1], "--config", str(write_config(tmp_path, changed)), *arguments[1:])
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "training.learning_rate: 0.001 -> 0.01" in result.stderr


@pytest.mark.parametrize(
    "arguments,expected",
    [
        (["--task", "sorting", "--model", "rnn"], "unknown task 'sorting'"),
        (["--task", "copying", "--model", "gru"], "unknown model 'gru'"),
        (["--task", "copying", "--model", "rnn", "--device", "tpu"], "unknown device 'tpu'"),
    ],
)
def test_bad_arguments_give_one_line_errors(tmp_path, arguments, expected):
    path = write_config(tmp_path, SMALL)
    result = run_cli("train", "--config", str(path), "--seed", "0", "--out", str(tmp_path / "run"), *arguments)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"qrnn: error: {result.stderr.strip().removeprefix('qrnn: error: ')}"]
    assert expected in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "text,expected",
    [
        ("models:\n  qrnn:\n    n_qbits: 4\n", "unknown key models.qrnn.n_qbits"),
        ("training:\n  max_steps: many\n", "training.max_steps: 'many' is not of type 'integer'"),
        ("training: [1, 2\n", "not valid YAML"),
        ("models:\n  scornn:\n    hidden_size: 4\n    n_negative: 9\n", "models.scornn"),
    ],
)
def test_bad_config_files_give_one_line_errors_naming_the_key(tmp_path, text, expected):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    model = "scornn" if "scornn" in text else "qrnn"
    result = run_cli("train", "--config", str(path), "--task", "copying", "--model", model, "--seed", "0", "--out", str(tmp_path / "run"))
    assert result.returncode == 1, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert expected in result.stderr
    assert not (tmp_path / "run" / "checkpoint.pt").exists()


def test_missing_config_file_is_named(tmp_path):
    result = run_cli("train", "--config", str(tmp_path / "nope.yaml"), "--task", "copying", "--model", "rnn", "--seed", "0", "--out", str(tmp_path / "r"))
    assert result.returncode == 1 and f"cannot read config file {tmp_path / 'nope.yaml'}" in result.stderr


def loss_that_breaks_at(step: int):
    """CopyingTask.loss, NaN at training step ``step`` (held-out evaluations are not counted)."""
    original_loss, calls = CopyingTask.loss, {"n": 0}

    def loss(self, logits, targets):
        value = original_loss(self, logits, targets)
        if not torch.is_grad_enabled():
            return value
        calls["n"] += 1
        return value * float("nan") if calls["n"] == step else value

    return loss


def test_non_finite_loss_finishes_the_run_with_its_best_weights(tmp_path, monkeypatch):
    run = run_config(load_config(write_config(tmp_path, SMALL)), "copying", "rnn", 0)
    monkeypatch.setattr(CopyingTask, "loss", loss_that_breaks_at(15))
    metrics = train(run, tmp_path / "run", progress=False)
    assert (metrics["stop_reason"], metrics["steps"], metrics["best_step"]) == ("non_finite", 14, 10)
    assert [row["step"] for row in json_rows(tmp_path / "run")] == [10]
    checkpoint = torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=True)
    assert checkpoint["step"] == 14 and checkpoint["stopping"]["stop_reason"] == "non_finite"
    log = (tmp_path / "run" / "train.log").read_text()
    assert "non-finite loss (nan) at step 15: training stops here (stop reason non_finite)" in log
    assert "weights of its best held-out evaluation, at step 10" in log


def test_non_finite_loss_before_the_first_evaluation_fails_the_run(tmp_path, monkeypatch):
    run = run_config(load_config(write_config(tmp_path, SMALL)), "copying", "rnn", 0)
    monkeypatch.setattr(CopyingTask, "loss", loss_that_breaks_at(5))
    with pytest.raises(NonFiniteLossError, match=r"non-finite loss \(nan\) at step 5, before the first held-out evaluation"):
        train(run, tmp_path / "run", progress=False)
    assert not (tmp_path / "run" / "metrics.json").exists()


def test_help_on_every_command():
    for arguments in (["--help"], ["train", "--help"]):
        result = run_cli(*arguments)
        assert result.returncode == 0 and "usage: qrnn" in result.stdout
