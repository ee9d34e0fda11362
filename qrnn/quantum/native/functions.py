"""Autograd functions over the C kernels: a step's layers and the Pauli readouts.

Both save only what the PyTorch path saves at most (the step keeps its output, the
readout its input): the step's backward rebuilds the states inside the step from its
output with the adjoint gates, which is exact up to rounding because every gate of the
engine is unitary (rotations, and CNOT/CZ entanglers).

Gradients follow PyTorch's convention for complex tensors (for a real loss L, the
gradient of z is dL/dRe z + i dL/dIm z):
    y = (G_k on qubit k) u   =>   dL/dG_k = C_k G_k,  C_k[a][c] = sum g_y[a..] conj(y[c..])
    <P_k> = <psi|P_k|psi>   =>   dL/dpsi = 2 sum_k (g^X_k X_k + g^Y_k Y_k + g^Z_k Z_k) psi
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from qrnn.quantum.native import kernels


@dataclass(frozen=True)
class EntanglerTables:
    """An entangler as the kernels take it: a permutation (new[i] = old[index[i]]) with its
    inverse, or a diagonal of signs; all None for no entangler."""

    index: torch.Tensor | None = None
    inverse_index: torch.Tensor | None = None
    sign: torch.Tensor | None = None


class Layers(torch.autograd.Function):
    """(state, gates (batch, L, n, 2, 2), tables) -> the state after each layer's gates and the entangler."""

    @staticmethod
    def forward(ctx, state, gates, tables: EntanglerTables):
        out = kernels.layers(state, gates, tables.index, tables.sign, inverse=False)
        ctx.tables = tables
        ctx.save_for_backward(out, gates)
        return out

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad):
        out, gates = ctx.saved_tensors
        tables = ctx.tables
        grad_state, correlations = kernels.layers_backward(out, grad, gates, tables.inverse_index, tables.sign)
        grad_gates = (correlations @ gates.to(torch.complex128)).to(gates.dtype) if ctx.needs_input_grad[1] else None
        return (grad_state if ctx.needs_input_grad[0] else None), grad_gates, None


def apply_layers(state: torch.Tensor, gates: torch.Tensor, tables: EntanglerTables) -> torch.Tensor:
    return Layers.apply(state, gates, tables)


def apply_inverse_layers(state: torch.Tensor, gates: torch.Tensor, tables: EntanglerTables) -> torch.Tensor:
    """U^dagger state for the U of ``apply_layers(., gates, tables)``; no gradient."""
    adjoint = gates.flip(1).mH.to(state.dtype)
    return kernels.layers(state, adjoint, tables.inverse_index, tables.sign, inverse=True)


class Rotations(torch.autograd.Function):
    """(angles (..., R), kinds) -> R_R ... R_1 as (..., 2, 2) complex128 (the gate of each qubit)."""

    @staticmethod
    def forward(ctx, angles, kinds: tuple[str, ...]):
        ctx.kinds = kinds
        ctx.angle_dtype = angles.dtype
        ctx.save_for_backward(angles)
        return kernels.rotations(angles, kinds)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad):
        (angles,) = ctx.saved_tensors
        grad_angles = kernels.rotations_backward(angles, grad, ctx.kinds)
        return (grad_angles if ctx.angle_dtype == torch.float64 else grad_angles.to(ctx.angle_dtype)), None


def compose_rotations(kinds: tuple[str, ...], angles: torch.Tensor) -> torch.Tensor:
    return Rotations.apply(angles, tuple(kinds))


class Expectations(torch.autograd.Function):
    """state (batch, 2**n) -> (batch, 3, n) float64: <X_k>, <Y_k>, <Z_k> of every qubit."""

    @staticmethod
    def forward(ctx, state):
        ctx.save_for_backward(state)
        return kernels.expectations(state)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad):
        (state,) = ctx.saved_tensors
        return kernels.expectations_backward(state, grad)
