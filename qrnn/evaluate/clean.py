"""Clean evaluation: a finished run's metrics on its task's fixed test set, without noise.

"Clean" as opposed to the noisy and hardware-backend evaluations: the model runs exactly
as it was trained (state vector, expectation values read without collapse).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from qrnn.errors import QrnnError
from qrnn.evaluate import TEST_BATCH_SIZE
from qrnn.evaluate.finished_run import load_finished_run
from qrnn.io import atomic
from qrnn.io.provenance import config_hash, library_versions
from qrnn.models.factory import parameter_counts
from qrnn.training.loop import resolve_device


@torch.no_grad()
def test_metrics(model, task, inputs: torch.Tensor, targets: torch.Tensor, batch_size: int, device: torch.device) -> dict[str, float]:
    """Means over all test sequences of a batch/loss/metrics task (copying memory). Every
    sequence has the same length, so each batch's per-step means are weighted by its number
    of sequences."""
    model.eval()
    totals: dict[str, float] = {}
    for start in range(0, len(inputs), batch_size):
        batch_inputs, batch_targets = inputs[start : start + batch_size], targets[start : start + batch_size]
        metrics = task.metrics(model(batch_inputs.to(device)), batch_targets.to(device))
        for name, value in metrics.items():
            totals[name] = totals.get(name, 0.0) + value * len(batch_inputs)
    return {name: total / len(inputs) for name, total in totals.items()}


def _scored(run, data_dir: str | Path, batch_size: int, torch_device: torch.device) -> dict[str, Any]:
    """The task's test-set result; refuses processed data other than the run trained on."""
    check_run_data(run, data_dir)
    return run.task.evaluate_test(run.model.to(torch_device), data_dir, torch_device, batch_size)


def check_run_data(run, data_dir: str | Path) -> None:
    """Refuse processed data in ``data_dir`` other than the data the finished ``run`` trained on."""
    if run.data_sha256 is not None:
        manifest = Path(data_dir) / "manifest.json"
        try:
            found = json.loads(manifest.read_text())["sha256"]
        except (OSError, json.JSONDecodeError, KeyError):
            raise QrnnError(f"missing or unreadable {manifest}; write the data with `qrnn prepare-data`") from None
        if found != run.data_sha256:
            raise QrnnError(
                f"the data in {data_dir} (sha256 {found[:12]}...) is not the data run {run.folder} trained on "
                f"(sha256 {run.data_sha256[:12]}...); retrain the run or point --data at its data"
            )


def evaluate_run(run_dir: str | Path, data_dir: str | Path, device: str = "cpu", batch_size: int = TEST_BATCH_SIZE) -> dict[str, Any]:
    """Score the finished run in ``run_dir`` on the test set in ``data_dir``."""
    return evaluation_and_tables(run_dir, data_dir, device, batch_size)[0]


def evaluation_and_tables(run_dir, data_dir, device: str = "cpu", batch_size: int = TEST_BATCH_SIZE) -> tuple[dict[str, Any], dict[str, list]]:
    """The evaluation, and the task's extra tables {file name: rows} (translation: attention weights)."""
    if batch_size < 1:
        raise QrnnError(f"batch size must be at least 1, got {batch_size}")
    run = load_finished_run(run_dir)
    torch_device = resolve_device(device)
    result = _scored(run, data_dir, batch_size, torch_device)
    evaluation = {
        "task": run.config.task,
        "model": run.config.model,
        "variant": run.config.variant,
        "seed": run.config.seed,
        "weights_step": run.best_step,  # the run's best held-out evaluation (metrics.json best_step)
        "metrics": result["metrics"],
        "main_metric": list(run.task.main_metric),
        "reference": run.task.reference_metrics(),
        "units": run.task.units,
        "n_test_sequences": result["n_test"],
        "data_sha256": result["data_sha256"],
        "config_hash": config_hash(run.config_dict),
        "trainable_parameters": parameter_counts(run.model),
        "device": str(torch_device),
        "versions": library_versions(),
    }
    if "examples" in result:
        evaluation["examples"] = result["examples"]
    return evaluation, result.get("tables", {})


def write_evaluation(run_dir: str | Path, data_dir: str | Path, out: str | Path, device: str = "cpu", batch_size: int = TEST_BATCH_SIZE) -> dict[str, Any]:
    """Write the evaluation JSON to ``out``; a task's extra tables (translation: attention.csv)
    go next to it, before it, so the JSON's presence means they are complete."""
    evaluation, tables = evaluation_and_tables(run_dir, data_dir, device, batch_size)
    for name, rows in tables.items():
        if rows:
            atomic.write_csv(Path(out).parent / name, rows, list(rows[0]))
    atomic.write_json(out, evaluation)
    return evaluation
