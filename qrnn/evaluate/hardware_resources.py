"""What evaluating a task's whole test set on an IBM device would cost, per protocol.

For the quantum-RNN settings of a study (the variant of the `hardware` section) and the
task's test set (N sequences of T steps), the protocol circuits are transpiled for the
backend with random angles (depth, gate counts and durations do not depend on them):

- repreparation: per sequence and readout basis, T circuits (steps 1..t, t = 1..T), so
  N * R * T circuits executing N * R * T(T+1)/2 steps; the circuit of t steps is assumed
  to last d_1 + (d_T - d_1)(t - 1)/(T - 1), exact at both ends (every step is the same
  circuit, so the duration grows linearly up to the transpiler's choices);
- midcircuit: per sequence and basis one circuit of T steps with an ancilla readout after each.

QPU time = circuits' shots x (circuit duration + repetition delay), summed; it leaves out
the per-job and compilation overheads of a real service.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qrnn import atomic
from qrnn.config import run_config
from qrnn.data import read_test_set
from qrnn.evaluate.hardware import circuit_resources, load_backend, transpiled
from qrnn.hardware_circuits import midcircuit_circuit, repreparation_circuit
from qrnn.models.qrnn import QuantumRNN
from qrnn.noise_config import HardwareSettings

COLUMNS = [
    "task", "protocol", "backend", "n_qubits", "steps", "test_sequences", "bases", "circuits", "executed_steps",
    "shots_per_circuit", "total_shots", "depth", "two_qubit_gates", "duration_us", "duration_over_t2", "qpu_hours",
]


def protocol_resources(circuit, steps: int, sequences: int, bases: int, backend, settings: HardwareSettings) -> list[dict[str, Any]]:
    """One row per protocol for ``sequences`` test sequences of ``steps`` steps."""
    shots, delay = settings.resource_shots, settings.repetition_delay_us * 1e-6
    first = circuit_resources(transpiled(repreparation_circuit(circuit, 1, "z"), backend, settings), backend)
    full = circuit_resources(transpiled(repreparation_circuit(circuit, steps, "z"), backend, settings), backend)
    durations = [first["duration_us"] + (full["duration_us"] - first["duration_us"]) * (t - 1) / max(steps - 1, 1) for t in range(1, steps + 1)]
    repreparation_seconds = sequences * bases * shots * sum(d * 1e-6 + delay for d in durations)
    mid = circuit_resources(transpiled(midcircuit_circuit(circuit, steps, "z"), backend, settings), backend)
    mid_seconds = sequences * bases * shots * (mid["duration_us"] * 1e-6 + delay)
    common = {"backend": backend.name, "n_qubits": circuit.n_qubits, "steps": steps, "test_sequences": sequences, "bases": bases, "shots_per_circuit": shots}
    return [
        {**common, "protocol": "repreparation", "circuits": sequences * bases * steps, "executed_steps": sequences * bases * steps * (steps + 1) // 2,
         "total_shots": sequences * bases * steps * shots, **_shape(full), "qpu_hours": repreparation_seconds / 3600},
        {**common, "protocol": "midcircuit", "circuits": sequences * bases, "executed_steps": sequences * bases * steps,
         "total_shots": sequences * bases * shots, **_shape(mid), "qpu_hours": mid_seconds / 3600},
    ]


def _shape(resources: dict[str, Any]) -> dict[str, Any]:
    return {key: resources[key] for key in ("depth", "two_qubit_gates", "duration_us", "duration_over_t2")}


def resource_table(document: dict[str, Any], task: str, data_dir: str | Path, settings: HardwareSettings) -> list[dict[str, Any]]:
    """Rows of the resource table of ``task`` under the study ``document`` (validated)."""
    run = run_config(document, task, "qrnn", 0, settings.variant)
    tensors, _ = read_test_set(task, data_dir)
    sequences, steps = tensors["inputs"].shape[:2]
    core = QuantumRNN(1, run.model_settings)
    backend = load_backend(settings.backend)
    rows = protocol_resources(core.circuit, steps, sequences, len(run.model_settings.readouts), backend, settings)
    return [{"task": task, **row} for row in rows]


def markdown(rows: list[dict[str, Any]]) -> str:
    def cell(value):
        return f"{value:.3g}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(cell(row[c]) for c in COLUMNS) + " |" for row in rows]
    note = (
        "\nCircuits, shots, depth and two-qubit gates (of the longest circuit) to evaluate the whole test set; "
        "QPU hours = shots x (circuit duration + repetition delay), without job overheads.\n"
    )
    return "\n".join(lines) + "\n" + note


def write_resource_table(document: dict[str, Any], tasks: list[str], data_dirs: list[str | Path], settings: HardwareSettings, out_csv, out_md) -> list[dict[str, Any]]:
    rows = [row for task, data in zip(tasks, data_dirs, strict=True) for row in resource_table(document, task, data, settings)]
    atomic.write_csv(out_csv, rows, COLUMNS)
    atomic.write_text(out_md, markdown(rows))
    return rows
