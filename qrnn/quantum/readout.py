"""Pauli expectation values <X_k>, <Y_k>, <Z_k>, computed from the amplitudes without changing the state.

This is the paper's "mid-circuit readout" in its non-collapsing limit: the values are
exact expectations, the state carries on untouched. For qubit k, with a0 and a1 the
amplitudes whose bit k is 0 and 1 (all other bits equal):
    <Z_k> = sum |a0|^2 - |a1|^2,  <X_k> = 2 Re sum conj(a0) a1,  <Y_k> = 2 Im sum conj(a0) a1.

All three come from the reduced density matrices of blocks of READOUT_GROUP adjacent
qubits: rho_G = M M^H with M the state viewed as (2**size, rest), one batched matrix
product per block (2**size multiply-adds per amplitude, in a few passes over the state),
after which every <P_k> of the block is a linear function of rho_G (one small product
with a fixed table for all blocks). This replaced a loop over qubits (an elementwise
product of the two halves, then sums, per qubit, plus a probability pass for Z) that
cost 1.3-2x as much forward and 1.5-2x forward+backward at n = 8..12 (B = 32, complex64,
one CPU thread; about even at n = 14, where the blocks' 16 multiply-adds per amplitude
start to count).
On CPUs the C kernels (qrnn/quantum/native) compute the same values as per-qubit reduced
density matrices, 2 multiply-adds per amplitude per qubit in one pass over each state,
and are used whenever they are built; this PyTorch path is their reference and runs on
GPUs. The backward pass is written out: for a real loss L,
    dL/dpsi = 2 sum_k (g^X_k X_k + g^Y_k Y_k + g^Z_k Z_k) psi
(PyTorch's convention for complex inputs); the terms of one block form one 2**size x
2**size matrix per batch element, applied with one batched product per block and
accumulated in place.
"""

from __future__ import annotations

from functools import lru_cache

import torch

from qrnn.quantum.native import kernels
from qrnn.quantum.native.functions import Expectations, needs_grad

PAULIS = ("x", "y", "z")


# Qubits per reduced density matrix. 2**4 x 2**4 blocks: measured fastest of 2, 3, 4
# (benchmarks/bandwidth_floor.py prints the readout's share of a step).
READOUT_GROUP = 4


def _readout_groups(n_qubits: int, group_size: int = READOUT_GROUP) -> list[tuple[int, int]]:
    """(start, size) blocks of at most READOUT_GROUP qubits, the short block first.

    Every block but the last then has at least as many qubits below it as in it, so its
    per-slice density matrices are no larger than the state; the last block sits at the
    bottom of the index and is read with the batch-only form (see ``_GroupForms``).
    """
    first = n_qubits % group_size or min(group_size, n_qubits)
    groups = [(0, first)]
    while groups[-1][0] + groups[-1][1] < n_qubits:
        groups.append((groups[-1][0] + groups[-1][1], group_size))
    return groups


def _views(state: torch.Tensor, start: int, size: int) -> torch.Tensor:
    """The state as a batch of matrices whose rows are the block's basis states.

    A block with qubits below it: (batch * 2**start, 2**size, 2**below), rows = block bits.
    The bottom block: (batch, 2**start, 2**size), columns = block bits.
    """
    below = state.shape[1].bit_length() - 1 - start - size
    if below:
        return state.view(state.shape[0] * 2**start, 2**size, 2**below)
    return state.view(state.shape[0], 2**start, 2**size)


def _density_matrices(state: torch.Tensor, groups) -> torch.Tensor:
    """Reduced density matrices rho_G[i, j] = sum_rest psi[i, rest] conj(psi[j, rest]) of
    every block, flattened and concatenated: (batch, sum 4**size), complex128.

    One batched matrix product per block, accumulated over at most 2**(n - size) terms
    in the state's precision (error ~1e-7 in complex64, below the state's own rounding);
    the partial sums over the slices above the block are added in double precision.
    """
    batch = state.shape[0]
    n_qubits = state.shape[1].bit_length() - 1
    # bmm copies a conjugated operand; conjugating the state once serves every block.
    conjugate = state.conj().resolve_conj()
    blocks = []
    for start, size in groups:
        matrices, conjugates = _views(state, start, size), _views(conjugate, start, size)
        if start + size < n_qubits:  # rows = block bits: rho = M conj(M)^T, summed over the slices above
            rho = torch.bmm(matrices, conjugates.mT).view(batch, 2**start, 4**size).sum(1, dtype=torch.complex128)
        else:  # columns = block bits: rho = M^T conj(M)
            rho = torch.bmm(matrices.mT, conjugates).reshape(batch, 4**size).to(torch.complex128)
        blocks.append(rho)
    return torch.cat(blocks, dim=1)


_PAULI_MATRICES = {"x": [[0, 1], [1, 0]], "y": [[0, -1j], [1j, 0]], "z": [[1, 0], [0, -1]]}


@lru_cache(maxsize=32)
def _pauli_table_cpu(n_qubits: int, group_size: int) -> torch.Tensor:
    """Matrix (sum 4**size, 3 * n): column (P, k) holds P_k restricted to k's block,
    transposed and flattened, so that <P_k> = sum_ij rho[i, j] (P_k)[j, i] is one
    product of the flattened density matrices with this table."""
    groups = _readout_groups(n_qubits, group_size)
    table = torch.zeros(sum(4**size for _, size in groups), 3, n_qubits, dtype=torch.complex128)
    offset = 0
    for start, size in groups:
        for local in range(size):
            for index, pauli in enumerate(PAULIS):
                operator = torch.kron(
                    torch.kron(torch.eye(2**local), torch.tensor(_PAULI_MATRICES[pauli], dtype=torch.complex128)),
                    torch.eye(2 ** (size - 1 - local)),
                )
                table[offset : offset + 4**size, index, start + local] = operator.T.reshape(-1)
        offset += 4**size
    return table.reshape(-1, 3 * n_qubits)


@lru_cache(maxsize=64)
def _pauli_table(n_qubits: int, group_size: int, device: str) -> torch.Tensor:
    return _pauli_table_cpu(n_qubits, group_size).to(device)


class _Expectations(torch.autograd.Function):
    """state (batch, 2**n) -> (batch, 3, n) float64: <X_k>, <Y_k>, <Z_k> of every qubit."""

    @staticmethod
    def forward(ctx, state):
        ctx.save_for_backward(state)
        n_qubits = state.shape[1].bit_length() - 1
        rho = _density_matrices(state, _readout_groups(n_qubits, READOUT_GROUP))
        return (rho @ _pauli_table(n_qubits, READOUT_GROUP, str(state.device))).real.view(state.shape[0], 3, n_qubits)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad):
        # For a real loss L (PyTorch's convention for complex inputs):
        #     dL/dpsi = 2 sum_k (g^X_k X_k + g^Y_k Y_k + g^Z_k Z_k) psi = sum_G O_G psi,
        # O_G = 2 sum_{k in G} (...) a 2**size x 2**size Hermitian block per batch element,
        # applied like a layer's Kronecker block and summed over the blocks in place.
        (state,) = ctx.saved_tensors
        batch = state.shape[0]
        n_qubits = state.shape[1].bit_length() - 1
        groups = _readout_groups(n_qubits, READOUT_GROUP)
        # O_G[i, j] = sum g (P_k)[i, j] = table[(j, i)] . g: flattened and transposed.
        operators = (2 * grad.reshape(batch, -1).to(torch.complex128)) @ _pauli_table(n_qubits, READOUT_GROUP, str(state.device)).T
        result = None
        offset = 0
        for start, size in groups:
            operator = operators[:, offset : offset + 4**size].view(batch, 2**size, 2**size).mT.to(state.dtype)
            offset += 4**size
            source = _views(state, start, size)
            if start + size < n_qubits:  # rows = block bits: O @ M, O repeated over the slices above
                operator = operator[:, None].expand(-1, 2**start, -1, -1).reshape(-1, 2**size, 2**size)
                left, right = operator, source
            else:  # columns = block bits: M @ O^T
                left, right = source, operator.mT
            if result is None:
                result = torch.bmm(left, right).view(batch, -1)
            else:
                _views(result, start, size).baddbmm_(left, right)
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
    if kernels.usable(state):
        # Without a gradient to take (evaluation, no_grad) no autograd node: the kernel alone.
        values = Expectations.apply(state) if needs_grad(state) else kernels.expectations(state)  # (batch, 3, n)
    else:
        values = _Expectations.apply(state.contiguous())
    return selected_expectations(values, paulis, qubits, state.dtype)


def selected_expectations(values: torch.Tensor, paulis: tuple[str, ...], qubits: tuple[int, ...] | None,
                          state_dtype: torch.dtype) -> torch.Tensor:
    """``pauli_expectations``' output from all of them, ``values`` (batch, 3, n) float64: the
    wanted Paulis and qubits, flattened pauli-major, in the state's real precision."""
    if tuple(paulis) != PAULIS:
        values = values[:, [PAULIS.index(p) for p in paulis]]
    if qubits is not None and tuple(qubits) != tuple(range(values.shape[2])):
        values = values[:, :, list(qubits)]
    real_dtype = torch.float64 if state_dtype == torch.complex128 else torch.float32
    return values.reshape(values.shape[0], -1).to(real_dtype)


def expectations_gradient(grad: torch.Tensor, paulis: tuple[str, ...], n_qubits: int) -> torch.Tensor:
    """dL/d all the expectations (batch, 3, n) float64 from dL/d ``pauli_expectations(state,
    paulis)`` (all qubits), (batch, len(paulis) * n): what the kernels' backward takes."""
    grad = grad.reshape(grad.shape[0], len(paulis), n_qubits).to(torch.float64)
    if tuple(paulis) != PAULIS:
        full = grad.new_zeros(grad.shape[0], len(PAULIS), n_qubits)
        full[:, [PAULIS.index(p) for p in paulis]] = grad
        grad = full
    return grad


def pauli_expectations_backward(state: torch.Tensor, grad: torch.Tensor, paulis: tuple[str, ...] = PAULIS) -> torch.Tensor:
    """dL/d state of ``pauli_expectations(state, paulis)`` (all qubits) given dL/d its output
    (batch, len(paulis) * n), straight from the C kernels (``kernels.usable(state)``), without
    an autograd graph."""
    return kernels.expectations_backward(state, expectations_gradient(grad, paulis, state.shape[1].bit_length() - 1))
