"""Noisy evaluation of a trained quantum-RNN run on its task's test set.

Each point of a sweep runs the trained model with ``noisy_model`` (qrnn/noise/noisy_core.py:
the model's own embedding, controller and head; the controller is fed the noisy readouts,
as on hardware) and scores it the task's way: copying memory with ``metrics`` on the first
test_sequences of its fixed token test set, a real-data task with its own ``evaluate_test``
(accuracy, perplexity, BLEU) capped as qrnn/evaluate/capped.py says (the language model:
test_sequences windows of tokens, the state and its trajectories carried across windows;
translation: the encoder core is noisy in the loss, greedy and beam passes). Sweeps:

- ``ideal``: exact expectations, no noise (equals `qrnn evaluate` up to precision);
- ``shots``: each readout the mean of that many sampled +-1 outcomes (no collapse);
- one sweep per gate-noise ``channel`` over ``strengths`` (trajectories, exact readout);
- ``measurement``: the ancilla-coupled readout with collapse over ``measurement_strengths``
  (pi/2 = projective), each readout estimated from measurement_registers / len(readouts)
  shots; value 0 is the non-collapsing readout with the same shots, the paper's limit;
- ``readout_error``: symmetric assignment error at readout_error_shots shots (value 0: none).

Besides the task metrics every row has ``readout_deviation``: the mean absolute
difference between the noisy and the ideal readouts over every readout the evaluation
computed: test sequences, steps, readouts and every call of the core (for a collapsing readout the ideal run's readouts are only the paper's limit).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from qrnn.config import differences
from qrnn.data.prepare import read_test_set
from qrnn.errors import QrnnError
from qrnn.evaluate.capped import capped_task, flat, is_real_data, one_encoder_run_per_sentence, trained_precision
from qrnn.evaluate.clean import check_run_data, test_metrics
from qrnn.evaluate.finished_run import load_finished_run
from qrnn.io import atomic
from qrnn.io.provenance import config_hash, library_versions
from qrnn.noise.noisy_core import NoiseCondition, NoisyQuantumRNN, noisy_model
from qrnn.noise.settings import NoiseSettings

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


def _recorded(noisy: torch.nn.Module) -> tuple[list[torch.Tensor], int]:
    """Hook every noisy core of ``noisy`` so that its readouts land in the returned list; and its qubits."""
    captured: list[torch.Tensor] = []
    cores = [module for module in noisy.modules() if isinstance(module, NoisyQuantumRNN)]
    for module in cores:
        module.register_forward_hook(lambda _module, _inputs, output: captured.append(output.detach()))
    return captured, cores[0].core.n_qubits


@torch.no_grad()
def score_condition(model, score, condition: NoiseCondition, ideal_readouts: torch.Tensor | None, seed: int) -> dict[str, Any]:
    """``score(noisy model, batch size)`` -> metrics of ``model`` under ``condition`` (seeded),
    with the readout deviation over every readout the scoring evaluated."""
    generator = torch.Generator().manual_seed(seed)
    noisy = noisy_model(model, condition, generator)
    captured, n_qubits = _recorded(noisy)
    metrics = score(noisy, _batch_size(condition, n_qubits))
    readouts = flat(captured)
    deviation = 0.0 if ideal_readouts is None else (readouts - ideal_readouts).abs().mean().item()
    return {"metrics": metrics, "readouts": readouts, "readout_deviation": deviation}


@torch.no_grad()
def evaluate_condition(model, task, inputs, targets, condition: NoiseCondition, ideal_readouts: torch.Tensor | None, seed: int) -> dict[str, Any]:
    """Task metrics and readout deviation of ``model`` under ``condition`` (seeded) on a fixed token test set (copying)."""
    return score_condition(model, lambda noisy, batch: test_metrics(noisy, task, inputs, targets, batch, torch.device("cpu")), condition, ideal_readouts, seed)


def _fixed_test_set(run, data_dir, count: int):
    """(score, number of sequences, data hash) of copying's fixed token test set."""
    tensors, manifest = read_test_set(run.config.task, data_dir)
    expected = {"task": run.config.task, "task_settings": dataclasses.asdict(run.config.task_settings)}
    changed = differences({key: manifest.get(key) for key in expected}, expected)
    if changed:
        raise QrnnError(f"the test set in {data_dir} was made with other task settings than run {run.folder}: {'; '.join(changed)}")
    count = min(count, len(tensors["inputs"]))
    inputs, targets = tensors["inputs"][:count], tensors["targets"][:count]
    return lambda noisy, batch: test_metrics(noisy, run.task, inputs, targets, batch, torch.device("cpu")), count, manifest["sha256"]


def _task_test_set(run, data_dir, count: int):
    """(score, number of examples or LM tokens, data hash) of a real-data task's own evaluate_test,
    capped as qrnn/evaluate/capped.py says."""
    check_run_data(run, data_dir)
    task, streams = capped_task(run.task, count)
    found: dict[str, Any] = {}

    def score(noisy, batch: int) -> dict[str, float]:
        # the LM's streams change the metric: fixed; elsewhere the batch is memory only
        result = task.evaluate_test(one_encoder_run_per_sentence(noisy), data_dir, torch.device("cpu"), streams or batch)
        found.update(n_test=result["n_test"], sha=result["data_sha256"])
        return result["metrics"]

    return score, found


def evaluate_noise(run_dir: str | Path, data_dir: str | Path, settings: NoiseSettings, progress: bool = True) -> dict[str, Any]:
    """Run every sweep point of ``settings`` on the finished quantum-RNN run in ``run_dir``."""
    run = load_finished_run(run_dir)
    if run.config.model != "qrnn":
        raise QrnnError(f"run {run.folder} is a {run.config.model} run; noisy evaluation needs a quantum RNN (qrnn)")
    if is_real_data(run.task):
        score, found = _task_test_set(run, data_dir, settings.test_sequences)
    else:
        score, count, sha = _fixed_test_set(run, data_dir, settings.test_sequences)
        found = {"n_test": count, "sha": sha}
    model = trained_precision(run)
    n_paulis = len(run.config.model_settings.readouts)
    points = sweep_conditions(settings, n_paulis)
    rows, ideal = [], None
    for index, (sweep, value, condition) in enumerate(tqdm(points, desc="noise sweep", disable=not progress)):
        result = score_condition(model, score, condition, ideal, settings.seed + index)
        if sweep == "ideal":
            ideal = result["readouts"]
        rows.append({"sweep": sweep, "value": value, **condition.as_row(), "readout_deviation": result["readout_deviation"], **result["metrics"]})
    return {
        "task": run.config.task,
        "model": run.config.model,
        "variant": run.config.variant,
        "seed": run.config.seed,
        "n_test_sequences": found["n_test"],  # examples; the language model: tokens of the test stream
        "metric_names": list(rows[0]) [len(CONDITION_COLUMNS) + 3 :],
        "units": run.task.units,
        "reference": run.task.reference_metrics(),
        "rows": rows,
        "settings": dataclasses.asdict(settings),
        "data_sha256": found["sha"],
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
