"""The engine against TorchQuantum, the paper's simulator (complex64, gate by gate)."""

import pytest
import torch

from qrnn.quantum.circuit import EngineStep
from qrnn.quantum.readout import pauli_expectations
from qrnn.quantum.statevector import zero_state
from qrnn.quantum.torchquantum_backend import TorchQuantumStep, torchquantum_expectations
from tests.quantum.test_engine_vs_qiskit import random_circuit

TORCHQUANTUM_TOLERANCE = 1e-5  # TorchQuantum computes in complex64


def run(step_class, steps, n_qubits):
    state = zero_state(2, n_qubits, torch.complex64)
    for circuit, encoding, variational in steps:
        state = step_class(circuit)(
            state,
            None if encoding is None else torch.tensor(encoding, dtype=torch.float32),
            None if variational is None else torch.tensor(variational, dtype=torch.float32),
        )
    return state


@pytest.mark.parametrize("n_qubits", range(1, 11))
def test_engine_equals_torchquantum(n_qubits):
    steps = random_circuit(n_qubits, seed=7 * n_qubits)
    ours = run(EngineStep, steps, n_qubits)
    theirs = run(TorchQuantumStep, steps, n_qubits)
    torch.testing.assert_close(ours, theirs, atol=TORCHQUANTUM_TOLERANCE, rtol=0)
    torch.testing.assert_close(
        pauli_expectations(ours), torchquantum_expectations(theirs), atol=TORCHQUANTUM_TOLERANCE, rtol=0
    )


def test_torchquantum_expectations_leave_state_unchanged():
    state = run(EngineStep, random_circuit(4, seed=3), 4)
    before = state.clone()
    torchquantum_expectations(state)
    assert torch.equal(state, before)
