"""Hidden-state dynamics of a trained quantum RNN: per-qubit Bloch vectors and the
entanglement entropy of the state vector across a half/half cut, step by step.

The model's core runs its own recurrence on a few embedded test sequences; the state after
every step reaches an observer of that recurrence, so what is recorded is exactly what
the trained model computes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from qrnn.data.prepare import read_test_set
from qrnn.errors import QrnnError
from qrnn.evaluate.finished_run import load_finished_run
from qrnn.io import atomic
from qrnn.models.qrnn import QuantumRNN
from qrnn.quantum.readout import pauli_expectations


def entanglement_entropy(state: torch.Tensor, n_left: int | None = None) -> torch.Tensor:
    """Von Neumann entropy (bits) of the first ``n_left`` qubits (default n // 2) of pure
    states (batch, 2**n): the Schmidt coefficients are the singular values of the state
    reshaped to (2**n_left, 2**(n - n_left)), qubit 0 being the most significant bit."""
    batch, dimension = state.shape
    n_qubits = dimension.bit_length() - 1
    n_left = n_qubits // 2 if n_left is None else n_left
    if not 0 < n_left < n_qubits:
        raise ValueError(f"a cut needs qubits on both sides: n_left={n_left} of {n_qubits} qubits")
    singular = torch.linalg.svdvals(state.to(torch.complex128).reshape(batch, 2**n_left, 2 ** (n_qubits - n_left)))
    probabilities = singular.square()
    probabilities = probabilities / probabilities.sum(dim=1, keepdim=True)
    terms = torch.where(probabilities > 1e-15, -probabilities * torch.log2(probabilities.clamp_min(1e-300)), torch.zeros_like(probabilities))
    return terms.sum(dim=1)


def recorded_states(core: QuantumRNN, inputs: torch.Tensor) -> list[torch.Tensor]:
    """The state vector after every step of the core's own recurrence on ``inputs``."""
    if not isinstance(core, QuantumRNN):
        raise QrnnError(f"{type(core).__name__} is not a quantum RNN core: it has no state vector to record")
    states: list[torch.Tensor] = []
    core.unroll(inputs, on_state=lambda _t, state, _readouts: states.append(state.detach().clone()))
    return states


@torch.no_grad()
def hidden_state_rows(run_dir: str | Path, data_dir: str | Path, n_sequences: int = 3) -> list[dict[str, Any]]:
    """One row per (sequence, step, qubit): input token, <X>, <Y>, <Z> of that qubit, and
    the half/half entanglement entropy (bits) of the whole state at that step."""
    if n_sequences < 1:
        raise QrnnError(f"n_sequences must be at least 1, got {n_sequences}")
    run = load_finished_run(run_dir)
    if run.config.model != "qrnn":
        raise QrnnError(f"run {run.folder} is a {run.config.model} run; hidden-state dynamics need a quantum RNN (model qrnn)")
    tensors, _ = read_test_set(run.config.task, data_dir)
    tokens = tensors["inputs"][:n_sequences]
    states = recorded_states(run.model.core, run.model.embed(tokens))
    n_qubits = run.model.core.n_qubits
    rows = []
    for step, state in enumerate(states):
        bloch = pauli_expectations(state, ("x", "y", "z")).double().reshape(len(tokens), 3, n_qubits)
        entropy = entanglement_entropy(state) if n_qubits > 1 else torch.zeros(len(tokens))
        for sequence in range(len(tokens)):
            for qubit in range(n_qubits):
                rows.append({
                    "sequence": sequence, "step": step + 1, "token": int(tokens[sequence, step]), "qubit": qubit,
                    "x": float(bloch[sequence, 0, qubit]), "y": float(bloch[sequence, 1, qubit]), "z": float(bloch[sequence, 2, qubit]),
                    "entanglement_entropy_bits": float(entropy[sequence]),
                })
    return rows


def write_hidden_state_dynamics(run_dir: str | Path, data_dir: str | Path, out_csv: str | Path, n_sequences: int = 3) -> list[dict[str, Any]]:
    rows = hidden_state_rows(run_dir, data_dir, n_sequences)
    atomic.write_csv(out_csv, rows, list(rows[0]))
    return rows
