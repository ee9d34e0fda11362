"""Pauli expectation values <X_k>, <Y_k>, <Z_k>, computed from the amplitudes without changing the state.

This is the paper's "mid-circuit readout" in its non-collapsing limit: the values are
exact expectations, the state carries on untouched. For qubit k, with a0 and a1 the
amplitudes whose bit k is 0 and 1 (all other bits equal):
    <Z_k> = sum |a0|^2 - |a1|^2,  <X_k> = 2 Re sum conj(a0) a1,  <Y_k> = 2 Im sum conj(a0) a1.

Z of all qubits is one matrix product of the probabilities with a (2**n, n) sign table.
X and Y need the overlap sum conj(a0) a1 of each qubit: n strided passes over the state,
the cheapest form there is (n * 2**(n-1) products). Two loop-free forms were measured
slower on CPU (B = 32, n = 12): a gather laying out every qubit's halves side by side
(n state-sized copies through a slow gather), and a basis change H (x) n / (H S^dagger) (x) n
followed by a Z readout (eight times the arithmetic). What made the old per-qubit loop
slow was its backward pass (autograd zero-filled a state-sized gradient per half and per
qubit), so the gradient is written out here: for a real loss L,
    dL/dpsi = 2 sum_k (g^X_k X_k + g^Y_k Y_k + g^Z_k Z_k) psi
(PyTorch's convention for complex inputs), accumulated in place, two strided
multiply-adds per qubit.
"""

from __future__ import annotations

from functools import lru_cache

import torch

PAULIS = ("x", "y", "z")


@lru_cache(maxsize=32)
def _z_signs_cpu(n_qubits: int, dtype: torch.dtype) -> torch.Tensor:
    indices = torch.arange(2**n_qubits)
    bits = torch.stack([(indices >> (n_qubits - 1 - k)) & 1 for k in range(n_qubits)], dim=1)
    return (1 - 2 * bits).to(dtype)


@lru_cache(maxsize=64)
def _z_signs_on(n_qubits: int, dtype: torch.dtype, device: str) -> torch.Tensor:
    return _z_signs_cpu(n_qubits, dtype).to(device)


def z_signs(n_qubits: int, dtype: torch.dtype, device) -> torch.Tensor:
    """Matrix (2**n, n) whose entry [b, k] is the eigenvalue of Z_k on basis state b."""
    return _z_signs_on(n_qubits, dtype, str(device))


def _halves(state: torch.Tensor, n_qubits: int, k: int) -> torch.Tensor:
    """View (batch, 2**k, 2, 2**(n-1-k)): index 2 is bit k."""
    return state.view(state.shape[0], 2**k, 2, 2 ** (n_qubits - 1 - k))


class _Expectations(torch.autograd.Function):
    """state (batch, 2**n) -> (batch, 3, n) float64: <X_k>, <Y_k>, <Z_k> of every qubit."""

    @staticmethod
    def forward(ctx, state):
        ctx.save_for_backward(state)
        n_qubits = state.shape[1].bit_length() - 1
        # Long sums run in double precision: in float32 the rounding of a sum of 2**n
        # terms reaches ~1e-6 at n = 10, the size of a complex64 simulation's own error.
        # The overlaps are first summed in blocks of 64 in the state's precision, so only
        # 1/64 of the terms are converted.
        probabilities = state.real.square() + state.imag.square()
        z = probabilities.double() @ z_signs(n_qubits, torch.float64, state.device)
        overlap = torch.empty(state.shape[0], n_qubits, dtype=torch.complex128, device=state.device)
        block = min(64, state.shape[1] // 2)
        for k in range(n_qubits):
            halves = _halves(state, n_qubits, k)
            products = (halves[:, :, 0].conj() * halves[:, :, 1]).view(state.shape[0], -1, block)
            overlap[:, k] = products.sum(-1).sum(-1, dtype=torch.complex128)
        return torch.stack([2 * overlap.real, 2 * overlap.imag, z], dim=1)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad):
        (state,) = ctx.saved_tensors
        n_qubits = state.shape[1].bit_length() - 1
        real = torch.float64 if state.dtype == torch.complex128 else torch.float32
        grad = 2 * grad.to(real)
        # Z: diagonal, all qubits in one product; X and Y swap the halves of qubit k:
        # (X psi)_0 = psi_1, (X psi)_1 = psi_0, (Y psi)_0 = -i psi_1, (Y psi)_1 = i psi_0.
        result = (grad[:, 2] @ z_signs(n_qubits, real, state.device).T) * state
        lower = torch.complex(grad[:, 0], -grad[:, 1])[:, :, None, None]  # gX - i gY, (batch, n, 1, 1)
        for k in range(n_qubits):
            source, target = _halves(state, n_qubits, k), _halves(result, n_qubits, k)
            target[:, :, 0].addcmul_(lower[:, k], source[:, :, 1])
            target[:, :, 1].addcmul_(lower[:, k].conj(), source[:, :, 0])
        return result


def pauli_expectations(
    state: torch.Tensor,
    paulis: tuple[str, ...] = PAULIS,
    qubits: tuple[int, ...] | None = None,
) -> torch.Tensor:
    """Expectation values of single-qubit Paulis.

    state: (batch, 2**n). Returns a real tensor (batch, len(paulis) * len(qubits)) ordered
    pauli-major: [P0 on qubits..., P1 on qubits..., ...] with ``paulis`` in the given order.
    """
    batch, dimension = state.shape
    n_qubits = dimension.bit_length() - 1
    unknown = [p for p in paulis if p not in PAULIS]
    if unknown:
        raise ValueError(f"unknown Pauli {unknown[0]!r} (known: x, y, z)")
    if qubits is not None and any(not 0 <= k < n_qubits for k in qubits):
        raise ValueError(f"qubits {tuple(qubits)} out of range for {n_qubits} qubits")
    values = _Expectations.apply(state.contiguous())  # (batch, 3, n)
    if tuple(paulis) != PAULIS:
        values = values[:, [PAULIS.index(p) for p in paulis]]
    if qubits is not None and tuple(qubits) != tuple(range(n_qubits)):
        values = values[:, :, list(qubits)]
    real_dtype = torch.float64 if state.dtype == torch.complex128 else torch.float32
    return values.reshape(batch, -1).to(real_dtype)
