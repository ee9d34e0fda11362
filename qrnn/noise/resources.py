"""What evaluating a task's whole test set on an IBM device would cost, per protocol.

For the quantum-RNN settings of a study (the variant of the `hardware` section) and the
task's test set as its clean evaluation reads it, the protocol circuits are transpiled for
the backend with random angles (depth, gate counts and durations do not depend on them).
The test set is a list of sequence lengths (``sequence_lengths``), summed over its actual lengths:

- copying: the N sequences of T steps of its fixed test set;
- mnist / pmnist: the first max_test_examples images, each 28 (row) or 784 (pixel) steps;
- sentiment: the first max_test_examples reviews, each its own length in tokens (the
  padding the batched simulation runs past the end is not needed on a device);
- language model: the first max_test_tokens tokens of the test stream, read as the clean
  evaluation reads it (min(250, (tokens - 1) // 2) parallel streams, the state carried
  through each stream: one sequence per stream, as long as the stream); the valid stream,
  which the evaluation also scores, is left out;
- translation: the encoder (the quantum core) once per test sentence of the first
  max_test_examples, as long as its source sentence (the decoder is classical; the
  evaluation's loss, greedy and beam passes could share one device run of the encoder).

Per sequence of L steps and readout basis:

- repreparation: L circuits (steps 1..t, t = 1..L), executing L(L+1)/2 steps;
- midcircuit: one circuit of L steps with an ancilla readout after each.

The circuit of t steps is assumed to last d_1 + (d_max - d_1)(t - 1)/(max - 1), exact at
both ends (every step is the same circuit, so the duration grows linearly up to the
transpiler's choices); depth and two-qubit gates are those of the longest circuit.
QPU time = circuits' shots x (circuit duration + repetition delay), summed; it leaves out
the per-job and compilation overheads of a real service.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from qrnn.data.prepare import read_test_set
from qrnn.data.processed_files import load_processed
from qrnn.evaluate import TEST_BATCH_SIZE
from qrnn.io import atomic
from qrnn.models.qrnn import QuantumRNN
from qrnn.noise.circuits import midcircuit_circuit, repreparation_circuit
from qrnn.noise.hardware import circuit_resources, load_backend, transpiled
from qrnn.noise.settings import HardwareSettings
from qrnn.study.resolve import run_config
from qrnn.tasks.classification import ClassificationTask
from qrnn.tasks.data_task import DataTask
from qrnn.tasks.language_model import parallel_streams
from qrnn.tasks.registry import build_task
from qrnn.tasks.translation import TranslationTask

COLUMNS = [
    "task", "protocol", "backend", "n_qubits", "steps", "mean_steps", "test_sequences", "bases", "circuits", "executed_steps",
    "shots_per_circuit", "total_shots", "depth", "two_qubit_gates", "duration_us", "duration_over_t2", "qpu_hours",
]


def _durations(kind, circuit, longest: int, backend, settings: HardwareSettings) -> tuple[dict[str, Any], Any]:
    """(resources of the longest circuit, duration in us of the circuit of t steps)."""
    first = circuit_resources(transpiled(kind(circuit, 1, "z"), backend, settings), backend)
    full = circuit_resources(transpiled(kind(circuit, longest, "z"), backend, settings), backend)
    return full, lambda t: first["duration_us"] + (full["duration_us"] - first["duration_us"]) * (t - 1) / max(longest - 1, 1)


def length_resources(circuit, lengths: Counter, bases: int, backend, settings: HardwareSettings) -> list[dict[str, Any]]:
    """One row per protocol for test sequences of the given lengths {steps: sequences}."""
    shots, delay = settings.resource_shots, settings.repetition_delay_us * 1e-6
    longest, sequences = max(lengths), sum(lengths.values())
    full, repreparation_duration = _durations(repreparation_circuit, circuit, longest, backend, settings)
    mid, mid_duration = _durations(midcircuit_circuit, circuit, longest, backend, settings)
    repreparation_seconds = bases * shots * sum(n * sum(repreparation_duration(t) * 1e-6 + delay for t in range(1, length + 1)) for length, n in lengths.items())
    mid_seconds = bases * shots * sum(n * (mid_duration(length) * 1e-6 + delay) for length, n in lengths.items())
    steps = sum(length * n for length, n in lengths.items())
    common = {"backend": backend.name, "n_qubits": circuit.n_qubits, "steps": longest, "mean_steps": steps / sequences,
              "test_sequences": sequences, "bases": bases, "shots_per_circuit": shots}
    return [
        {**common, "protocol": "repreparation", "circuits": bases * steps,
         "executed_steps": bases * sum(n * length * (length + 1) // 2 for length, n in lengths.items()),
         "total_shots": bases * steps * shots, **_shape(full), "qpu_hours": repreparation_seconds / 3600},
        {**common, "protocol": "midcircuit", "circuits": sequences * bases, "executed_steps": bases * steps,
         "total_shots": sequences * bases * shots, **_shape(mid), "qpu_hours": mid_seconds / 3600},
    ]


def protocol_resources(circuit, steps: int, sequences: int, bases: int, backend, settings: HardwareSettings) -> list[dict[str, Any]]:
    """One row per protocol for ``sequences`` test sequences of ``steps`` steps."""
    return length_resources(circuit, Counter({steps: sequences}), bases, backend, settings)


def _shape(resources: dict[str, Any]) -> dict[str, Any]:
    return {key: resources[key] for key in ("depth", "two_qubit_gates", "duration_us", "duration_over_t2")}


def sequence_lengths(run, data_dir: str | Path) -> Counter:
    """{steps: sequences} of the quantum core's passes over the test set the clean evaluation scores."""
    if run.task == "copying":
        tensors, _ = read_test_set(run.task, data_dir)
        sequences, steps = tensors["inputs"].shape[:2]
        return Counter({int(steps): int(sequences)})
    task = build_task(run, data_dir)
    test = load_processed(data_dir)[0]["test"]
    if isinstance(task, ClassificationTask):
        inputs, labels, lengths = task.examples(test)
        count = DataTask.capped(len(labels), task.config.max_test_examples)
        return Counter([int(inputs.shape[1])] * count if lengths is None else [int(n) for n in lengths[:count]])
    if isinstance(task, TranslationTask):
        count = DataTask.capped(len(test["source"]), task.config.max_test_examples)
        return Counter(int(n) for n in test["source_lengths"][:count])
    tokens = test["tokens"][: DataTask.capped(len(test["tokens"]), task.config.max_test_tokens)]
    streams = parallel_streams(tokens, max(1, min(TEST_BATCH_SIZE, (len(tokens) - 1) // 2)))
    return Counter({int(streams.shape[1]) - 1: int(streams.shape[0])})  # the last token of a stream is only a target


def resource_table(document: dict[str, Any], task: str, data_dir: str | Path, settings: HardwareSettings) -> list[dict[str, Any]]:
    """Rows of the resource table of ``task`` under the study ``document`` (validated)."""
    run = run_config(document, task, "qrnn", 0, settings.variant)
    core = QuantumRNN(1, run.model_settings)
    backend = load_backend(settings.backend)
    rows = length_resources(core.circuit, sequence_lengths(run, data_dir), len(run.model_settings.readouts), backend, settings)
    return [{"task": task, **row} for row in rows]


def markdown(rows: list[dict[str, Any]]) -> str:
    def cell(value):
        return f"{value:.3g}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(cell(row[c]) for c in COLUMNS) + " |" for row in rows]
    note = (
        "\nCircuits, shots, depth and two-qubit gates (of the longest circuit) to evaluate the test set the clean "
        "evaluation scores (steps: the longest sequence; mean_steps: the mean of the actual sequence lengths); "
        "QPU hours = shots x (circuit duration + repetition delay), without job overheads.\n"
    )
    return "\n".join(lines) + "\n" + note


def write_resource_table(document: dict[str, Any], tasks: list[str], data_dirs: list[str | Path], settings: HardwareSettings, out_csv, out_md) -> list[dict[str, Any]]:
    rows = [row for task, data in zip(tasks, data_dirs, strict=True) for row in resource_table(document, task, data, settings)]
    atomic.write_csv(out_csv, rows, COLUMNS)
    atomic.write_text(out_md, markdown(rows))
    return rows
