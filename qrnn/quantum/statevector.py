"""Batched state vectors and fused single-qubit layers.

Qubit order (the convention of TorchQuantum, and the reverse of Qiskit's): a state is a
complex tensor of shape (batch, 2**n) whose basis index is b = sum_k bit_k * 2**(n-1-k),
so qubit 0 is the most significant bit. Viewed as (batch, 2, 2, ..., 2), axis 1 + k is
qubit k. Qiskit's qubit 0 is the least significant bit: qubit k here is Qiskit's qubit
n-1-k, and a Pauli P on qubit k here is the Qiskit label "I"*k + P + "I"*(n-1-k) read
left to right (Qiskit labels list the highest qubit first).

A layer of single-qubit gates (one 2x2 per qubit per batch element) is applied in a few
batched matrix products instead of one kernel per gate: the gates of a group of g
adjacent qubits are first multiplied into their Kronecker product (a 2**g x 2**g matrix
per batch element, cheap to build), and the state is then updated one group at a time.
Gates may come in higher precision than the state (EngineStep builds them in complex128:
they are tiny, and it halves the rounding error of complex64 runs); each block is cast
to the state's dtype just before it touches the state.
"""

from __future__ import annotations

import torch

# Qubits fused into one Kronecker block. 2**4 = 16 keeps the extra arithmetic per
# amplitude small while cutting the number of passes over the state fourfold
# (see benchmarks/simulators.py).
GROUP_SIZE = 4


def zero_state(batch: int, n_qubits: int, dtype: torch.dtype = torch.complex64, device=None) -> torch.Tensor:
    """Return |0...0> for each of ``batch`` elements, shape (batch, 2**n_qubits)."""
    state = torch.zeros(batch, 2**n_qubits, dtype=dtype, device=device)
    state[:, 0] = 1
    return state


def _kronecker(gates: torch.Tensor) -> torch.Tensor:
    """Kronecker product over axis -3 of gates (..., g, 2, 2) -> (..., 2**g, 2**g), first qubit most significant."""
    product = gates[..., 0, :, :]
    for index in range(1, gates.shape[-3]):
        right = gates[..., index, :, :]
        size = product.shape[-1] * 2
        product = (product[..., :, None, :, None] * right[..., None, :, None, :]).reshape(
            *product.shape[:-2], size, size
        )
    return product


def _groups(n_qubits: int, group_size: int) -> list[tuple[int, int]]:
    """Split qubits 0..n-1 into (start, size) blocks of at most ``group_size``."""
    return [(start, min(group_size, n_qubits - start)) for start in range(0, n_qubits, group_size)]


def apply_single_qubit_layer(state: torch.Tensor, gates: torch.Tensor, group_size: int = GROUP_SIZE) -> torch.Tensor:
    """Apply gate ``gates[b, k]`` to qubit k of ``state[b]`` for all b, k.

    state: (batch, 2**n); gates: (batch, n, 2, 2). Returns a new state tensor.

    Each group of qubits is brought to the front, multiplied by its Kronecker block and
    moved to the back in a single batched matmul (the transposes are free stride changes),
    so after all groups the qubit order is the original one again.
    """
    batch, dimension = state.shape
    n_qubits = gates.shape[1]
    if dimension != 2**n_qubits:
        raise ValueError(f"state has {dimension} amplitudes but gates act on {n_qubits} qubits")
    return _Layer.apply(state, *_blocks(gates, group_size, state.dtype))


class _Layer(torch.autograd.Function):
    """(state, block_1, ..., block_G) -> the state with each block applied to its group.

    Autograd's own gradient of these products copied the state twice per group (bmm
    materialises a conjugated operand, and the transposed gradient had to be reshaped);
    here the backward pass carries conj(gradient) instead, for which every product takes
    plain or transposed operands: with C = A W (A = state slice, W = block^T),
        dA = dC W^H  ->  conj(dA)^T = block^T conj(dC)^T,    dW = A^H dC = conj(A^T conj(dC)),
    so a layer's backward costs two conjugating passes (in and out) instead of 2 * G copies.
    """

    @staticmethod
    def forward(ctx, state, *blocks):
        batch, dimension = state.shape
        # Keep each group's input only for a backward pass: holding them otherwise keeps
        # G + 1 states alive instead of 2 (fresh memory, page faults: measured 2x slower at n = 14).
        keep = any(ctx.needs_input_grad)
        inputs = []
        for block in blocks:
            size = block.shape[-1]
            if keep:
                inputs.append(state)
            leading = state.view(batch, size, dimension // size)
            # (rest, 2**size) <- (rest, 2**size) @ block^T, i.e. block applied to the leading
            # qubits and moved to the back; bmm takes the transposed operands as they are
            # (BLAS transpose flags), matmul would first copy the transposed state.
            state = torch.bmm(leading.mT, block.mT).view(batch, dimension)
        ctx.save_for_backward(*inputs, *blocks)
        ctx.n_blocks = len(blocks)
        return state

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad):
        saved = ctx.saved_tensors
        inputs, blocks = saved[: ctx.n_blocks], saved[ctx.n_blocks :]
        batch, dimension = grad.shape
        conj_grad = grad.conj().resolve_conj()
        block_grads = [None] * ctx.n_blocks
        for index in reversed(range(ctx.n_blocks)):
            block = blocks[index]
            size = block.shape[-1]
            outgoing = conj_grad.view(batch, dimension // size, size)  # conj(dC)
            if ctx.needs_input_grad[1 + index]:
                leading = inputs[index].view(batch, size, dimension // size)  # A^T
                block_grads[index] = torch.bmm(leading, outgoing).conj().mT.resolve_conj()
            conj_grad = torch.bmm(block.mT, outgoing.mT).view(batch, dimension)
        state_grad = conj_grad.conj().resolve_conj() if ctx.needs_input_grad[0] else None
        return (state_grad, *block_grads)


def _blocks(gates: torch.Tensor, group_size: int, dtype: torch.dtype) -> list[torch.Tensor]:
    """The Kronecker block of each group, in group order. The full-size groups are built
    together (one product per qubit of a group, whatever n) and cast to the state's dtype
    in one go."""
    batch, n_qubits = gates.shape[:2]
    full = n_qubits // group_size
    blocks = []
    if full:
        grouped = gates[:, : full * group_size].reshape(batch, full, group_size, 2, 2)
        blocks += list(_kronecker(grouped).to(dtype).unbind(1))
    if n_qubits % group_size:
        blocks.append(_kronecker(gates[:, full * group_size :]).to(dtype))
    return blocks
