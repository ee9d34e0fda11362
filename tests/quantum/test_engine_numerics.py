"""Gradients against finite differences, and norm preservation over long sequences."""

import numpy as np
import pytest
import torch

from qrnn.quantum.circuit import EngineStep, StepCircuit
from qrnn.quantum.readout import pauli_expectations
from qrnn.quantum.statevector import zero_state


def readout_loss(circuits, weights, angles: torch.Tensor) -> torch.Tensor:
    """A scalar function of all angles: weighted readouts after a few steps."""
    n_qubits = circuits[0].n_qubits
    state = zero_state(1, n_qubits, torch.complex128)
    offset, total = 0, 0.0
    for step, circuit in enumerate(circuits):
        encoding = None
        if circuit.has_encoding:
            encoding = angles[offset : offset + n_qubits].reshape(1, n_qubits)
            offset += n_qubits
        size = circuit.n_variational_angles
        variational = angles[offset : offset + size].reshape(1, circuit.n_layers, n_qubits, len(circuit.rotations))
        offset += size
        state = EngineStep(circuit)(state, encoding, variational)
        total = total + (weights[step] * pauli_expectations(state)).sum()
    return total


@pytest.mark.parametrize("n_qubits,entangler", [(1, "none"), (3, "cnot_ring"), (4, "cz_ring"), (5, "cnot_chain")])
def test_gradients_equal_central_finite_differences(n_qubits, entangler):
    rng = np.random.default_rng(n_qubits)
    circuits = [
        StepCircuit(n_qubits, 2, ("rx", "ry", "rz"), entangler, has_encoding=True),
        StepCircuit(n_qubits, 1, ("rz", "rx"), entangler, has_encoding=True),
    ]
    n_angles = sum(c.n_variational_angles + n_qubits for c in circuits)
    weights = torch.tensor(rng.normal(size=(2, 3 * n_qubits)))
    angles = torch.tensor(rng.uniform(-np.pi, np.pi, n_angles), requires_grad=True)
    (gradient,) = torch.autograd.grad(readout_loss(circuits, weights, angles), angles)

    step = 1e-5  # central differences: truncation ~ step**2, rounding ~ 1e-16 / step
    finite = torch.zeros(n_angles, dtype=torch.float64)
    with torch.no_grad():
        for index in range(n_angles):
            shift = torch.zeros(n_angles, dtype=torch.float64)
            shift[index] = step
            finite[index] = (readout_loss(circuits, weights, angles + shift) - readout_loss(circuits, weights, angles - shift)) / (2 * step)
    relative = (gradient - finite).norm() / finite.norm()
    assert relative < 1e-6, f"relative gradient error {relative:.2e}"


@pytest.mark.parametrize("dtype,bound", [(torch.complex64, 1e-4), (torch.complex128, 1e-12)], ids=["complex64", "complex128"])
def test_norm_is_preserved_over_1000_random_steps(dtype, bound):
    n_qubits = 6
    generator = torch.Generator().manual_seed(0)
    real = torch.float64 if dtype == torch.complex128 else torch.float32
    state = zero_state(4, n_qubits, dtype)
    steps = [EngineStep(StepCircuit(n_qubits, 2, ("rx", "ry", "rz"), kind, True)) for kind in ("cnot_ring", "cz_ring", "cnot_chain")]
    with torch.no_grad():
        for index in range(1000):
            encoding = torch.rand(4, n_qubits, generator=generator, dtype=real) * 2 * np.pi
            variational = torch.rand(4, 2, n_qubits, 3, generator=generator, dtype=real) * 2 * np.pi
            state = steps[index % 3](state, encoding, variational)
    drift = (state.abs().square().sum(dim=1) - 1).abs().max().item()
    assert drift < bound, f"norm drift {drift:.2e} after 1000 steps"
