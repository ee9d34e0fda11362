"""Noisy evaluation of a trained quantum-RNN run on its task's fixed test set.

Each point of a sweep runs the trained model with ``noisy_model`` (qrnn/evaluate/noisy_core.py:
the model's own embedding, controller and head; the controller is fed the noisy readouts,
as on hardware) and scores it with the task's ``metrics``, so any task works. Sweeps:

- ``ideal``: exact expectations, no noise (equals `qrnn evaluate` up to precision);
- ``shots``: each readout the mean of that many sampled +-1 outcomes (no collapse);
- one sweep per gate-noise ``channel`` over ``strengths`` (trajectories, exact readout);
- ``measurement``: the ancilla-coupled readout with collapse over ``measurement_strengths``
  (pi/2 = projective), each readout estimated from measurement_registers / len(readouts)
  shots; value 0 is the non-collapsing readout with the same shots, the paper's limit;
- ``readout_error``: symmetric assignment error at readout_error_shots shots (value 0: none).

Besides the task metrics every row has ``readout_deviation``: the mean absolute
difference between the noisy and the ideal readouts over test sequences, steps and
readouts (for a collapsing readout the ideal run's readouts are only the paper's limit).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from qrnn import atomic
from qrnn.config import differences
from qrnn.data import read_test_set
from qrnn.errors import QrnnError
from qrnn.evaluate.clean import test_metrics
from qrnn.evaluate.finished_run import load_finished_run
from qrnn.evaluate.noisy_core import NoiseCondition, NoisyQuantumRNN, noisy_model
from qrnn.noise_config import NoiseSettings
from qrnn.provenance import config_hash, library_versions

CONDITION_COLUMNS = [field.name for field in dataclasses.fields(NoiseCondition)]


def sweep_conditions(settings: NoiseSettings, n_paulis: int) -> list[tuple[str, float, NoiseCondition]]:
    """(sweep, x value, condition) for every point the settings ask for, ideal first."""
    points: list[tuple[str, float, NoiseCondition]] = [("ideal", 0.0, NoiseCondition())]
    points += [("shots", float(shots), NoiseCondition(shots=shots)) for shots in settings.shots]
    for channel in settings.channels:
        points += [(channel, strength, NoiseCondition(channel=channel, strength=strength, trajectories=settings.trajectories)) for strength in settings.strengths]
    if settings.measurement_strengths:
        per_basis = max(1, settings.measurement_registers // n_paulis)
        points.append(("measurement", 0.0, NoiseCondition(shots=per_basis)))
        for strength in settings.measurement_strengths:
            kind = "projective" if math.isclose(strength, math.pi / 2) else "weak"
            points.append(("measurement", strength, NoiseCondition(measurement=kind, measurement_strength=strength, trajectories=per_basis * n_paulis)))
    if settings.readout_errors:
        shots = settings.readout_error_shots
        points.append(("readout_error", 0.0, NoiseCondition(shots=shots)))
        points += [("readout_error", error, NoiseCondition(shots=shots, readout_error=error)) for error in settings.readout_errors]
    return points


# Amplitudes held per forward pass (32 MiB of complex128): large batches amortise the
# per-operation overhead of the many small trajectory operations.
AMPLITUDES_PER_PASS = 2**21


def _batch_size(condition: NoiseCondition, n_qubits: int) -> int:
    """Sequences per forward pass, so that all their trajectories' states fit AMPLITUDES_PER_PASS."""
    return max(1, AMPLITUDES_PER_PASS // 2**n_qubits // condition.trajectories)


@torch.no_grad()
def evaluate_condition(model, task, inputs, targets, condition: NoiseCondition, ideal_readouts: torch.Tensor | None, seed: int) -> dict[str, Any]:
    """Task metrics and readout deviation of ``model`` under ``condition`` (seeded)."""
    generator = torch.Generator().manual_seed(seed)
    noisy = noisy_model(model, condition, generator)
    captured: list[torch.Tensor] = []
    for module in noisy.modules():
        if isinstance(module, NoisyQuantumRNN):
            module.register_forward_hook(lambda _module, _inputs, output: captured.append(output.detach()))
    n_qubits = next(m for m in noisy.modules() if isinstance(m, NoisyQuantumRNN)).core.n_qubits
    metrics = test_metrics(noisy, task, inputs, targets, _batch_size(condition, n_qubits), torch.device("cpu"))
    readouts = torch.cat(captured).double()
    deviation = 0.0 if ideal_readouts is None else (readouts - ideal_readouts).abs().mean().item()
    return {"metrics": metrics, "readouts": readouts, "readout_deviation": deviation}


def evaluate_noise(run_dir: str | Path, data_dir: str | Path, settings: NoiseSettings, progress: bool = True) -> dict[str, Any]:
    """Run every sweep point of ``settings`` on the finished quantum-RNN run in ``run_dir``."""
    run = load_finished_run(run_dir)
    if run.config.model != "qrnn":
        raise QrnnError(f"run {run.folder} is a {run.config.model} run; noisy evaluation needs a quantum RNN (qrnn)")
    tensors, manifest = read_test_set(run.config.task, data_dir)
    expected = {"task": run.config.task, "task_settings": dataclasses.asdict(run.config.task_settings)}
    changed = differences({key: manifest.get(key) for key in expected}, expected)
    if changed:
        raise QrnnError(f"the test set in {data_dir} was made with other task settings than run {run.folder}: {'; '.join(changed)}")
    count = min(settings.test_sequences, len(tensors["inputs"]))
    inputs, targets = tensors["inputs"][:count], tensors["targets"][:count]
    model = run.model.double()
    n_paulis = len(run.config.model_settings.readouts)
    points = sweep_conditions(settings, n_paulis)
    rows, ideal = [], None
    for index, (sweep, value, condition) in enumerate(tqdm(points, desc="noise sweep", disable=not progress)):
        result = evaluate_condition(model, run.task, inputs, targets, condition, ideal, settings.seed + index)
        if sweep == "ideal":
            ideal = result["readouts"]
        rows.append({"sweep": sweep, "value": value, **condition.as_row(), "readout_deviation": result["readout_deviation"], **result["metrics"]})
    return {
        "task": run.config.task,
        "model": run.config.model,
        "variant": run.config.variant,
        "seed": run.config.seed,
        "n_test_sequences": count,
        "metric_names": list(rows[0]) [len(CONDITION_COLUMNS) + 3 :],
        "units": run.task.units,
        "reference": run.task.reference_metrics(),
        "rows": rows,
        "settings": dataclasses.asdict(settings),
        "data_sha256": manifest["sha256"],
        "config_hash": config_hash(run.config_dict),
        "versions": library_versions(),
    }


def write_noise_evaluation(run_dir, data_dir, settings: NoiseSettings, out_csv, out_json, progress: bool = True) -> dict[str, Any]:
    """Evaluate and write the sweep as a long CSV (one row per point) and a JSON with provenance."""
    result = evaluate_noise(run_dir, data_dir, settings, progress)
    fieldnames = ["sweep", "value", *CONDITION_COLUMNS, "readout_deviation", *result["metric_names"]]
    atomic.write_csv(out_csv, result["rows"], fieldnames)
    atomic.write_json(out_json, result)
    return result
