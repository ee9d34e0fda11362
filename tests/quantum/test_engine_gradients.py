"""The engine's hand-written backward passes (fused layer, readouts) against autograd
through a plain one-qubit-at-a-time implementation."""

import pytest
import torch

from qrnn.quantum.readout import pauli_expectations
from qrnn.quantum.statevector import apply_single_qubit_layer


def reference_layer(state: torch.Tensor, gates: torch.Tensor) -> torch.Tensor:
    batch, n_qubits = gates.shape[:2]
    for k in range(n_qubits):
        view = state.reshape(batch, 2**k, 2, -1)
        state = torch.einsum("bij,bljr->blir", gates[:, k].to(state.dtype), view).reshape(batch, -1)
    return state


def reference_readouts(state: torch.Tensor) -> torch.Tensor:
    batch, dimension = state.shape
    n_qubits = dimension.bit_length() - 1
    x, y, z = [], [], []
    for k in range(n_qubits):
        view = state.reshape(batch, 2**k, 2, -1)
        overlap = (view[:, :, 0].conj() * view[:, :, 1]).sum((1, 2))
        x.append(2 * overlap.real)
        y.append(2 * overlap.imag)
        z.append((view[:, :, 0].abs().square() - view[:, :, 1].abs().square()).sum((1, 2)))
    return torch.stack(x + y + z, dim=1)


# n = 9: three layer groups (4, 4, 1) and three readout blocks (1, 4, 4), one of them in the middle.
@pytest.mark.parametrize("n_qubits", [3, 9])
def test_layer_and_readout_gradients_equal_autograd_of_a_plain_implementation(n_qubits):
    generator = torch.Generator().manual_seed(n_qubits)
    batch = 3
    state = torch.randn(batch, 2**n_qubits, dtype=torch.complex128, generator=generator)
    state = state / state.norm(dim=1, keepdim=True)
    gates = torch.randn(batch, n_qubits, 2, 2, dtype=torch.complex128, generator=generator)  # not unitary: any block
    weights = torch.randn(batch, 3 * n_qubits, dtype=torch.float64, generator=generator)
    results = []
    for layer, readouts in ((apply_single_qubit_layer, pauli_expectations), (reference_layer, reference_readouts)):
        inputs = (state.clone().requires_grad_(), gates.clone().requires_grad_())
        values = readouts(layer(*inputs))
        results.append((values, *torch.autograd.grad((weights * values).sum(), inputs)))
    for ours, theirs in zip(*results):
        torch.testing.assert_close(ours, theirs, rtol=1e-10, atol=1e-12)
