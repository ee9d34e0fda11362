"""Clean evaluation: a finished run's metrics on its task's fixed test set, without noise.

"Clean" as opposed to the noisy and hardware-backend evaluations: the model runs exactly
as it was trained (state vector, expectation values read without collapse).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import torch

from qrnn import atomic
from qrnn.config import differences
from qrnn.data import read_test_set
from qrnn.errors import QrnnError
from qrnn.evaluate import TEST_BATCH_SIZE
from qrnn.evaluate.finished_run import load_finished_run
from qrnn.models.factory import parameter_counts
from qrnn.provenance import config_hash, library_versions
from qrnn.train import resolve_device

@torch.no_grad()
def test_metrics(model, task, inputs: torch.Tensor, targets: torch.Tensor, batch_size: int, device: torch.device) -> dict[str, float]:
    """Means over all test sequences. Every sequence has the same length, so each batch's
    per-step means are weighted by its number of sequences."""
    model.eval()
    totals: dict[str, float] = {}
    for start in range(0, len(inputs), batch_size):
        batch_inputs, batch_targets = inputs[start : start + batch_size], targets[start : start + batch_size]
        metrics = task.metrics(model(batch_inputs.to(device)), batch_targets.to(device))
        for name, value in metrics.items():
            totals[name] = totals.get(name, 0.0) + value * len(batch_inputs)
    return {name: total / len(inputs) for name, total in totals.items()}


def evaluate_run(run_dir: str | Path, data_dir: str | Path, device: str = "cpu", batch_size: int = TEST_BATCH_SIZE) -> dict[str, Any]:
    """Score the finished run in ``run_dir`` on the test set in ``data_dir``."""
    if batch_size < 1:
        raise QrnnError(f"batch size must be at least 1, got {batch_size}")
    run = load_finished_run(run_dir)
    tensors, manifest = read_test_set(run.config.task, data_dir)
    expected = {"task": run.config.task, "task_settings": dataclasses.asdict(run.config.task_settings)}
    changed = differences({key: manifest.get(key) for key in expected}, expected)
    if changed:
        raise QrnnError(
            f"the test set in {data_dir} was made with other task settings than run {run.folder} "
            f"(test set -> run): {'; '.join(changed)}"
        )
    torch_device = resolve_device(device)
    model = run.model.to(torch_device)
    metrics = test_metrics(model, run.task, tensors["inputs"], tensors["targets"], batch_size, torch_device)
    return {
        "task": run.config.task,
        "model": run.config.model,
        "variant": run.config.variant,
        "seed": run.config.seed,
        "metrics": metrics,
        "reference": run.task.reference_metrics(),
        "units": run.task.units,
        "n_test_sequences": manifest["n_sequences"],
        "data_sha256": manifest["sha256"],
        "config_hash": config_hash(run.config_dict),
        "trainable_parameters": parameter_counts(model),
        "device": str(torch_device),
        "versions": library_versions(),
    }


def write_evaluation(run_dir: str | Path, data_dir: str | Path, out: str | Path, device: str = "cpu", batch_size: int = TEST_BATCH_SIZE) -> dict[str, Any]:
    evaluation = evaluate_run(run_dir, data_dir, device, batch_size)
    atomic.write_json(out, evaluation)
    return evaluation
