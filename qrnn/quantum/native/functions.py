"""Autograd functions over the C kernels: a circuit step and the Pauli readouts.

Both save no more than the PyTorch path (the step keeps its output and the angles'
phases, the readout its input): the step's backward rebuilds the states inside the step
from its output with the adjoint gates, which is exact up to rounding because every gate
of the engine is unitary (rotations, and CNOT/CZ entanglers).

Gradients follow PyTorch's convention for complex tensors (for a real loss L, the
gradient of z is dL/dRe z + i dL/dIm z):
    y = (G_k on qubit k) u   =>   dL/dG_k = C_k G_k,  C_k[a][c] = sum g_y[a..] conj(y[c..])
    <P_k> = <psi|P_k|psi>   =>   dL/dpsi = 2 sum_k (g^X_k X_k + g^Y_k Y_k + g^Z_k Z_k) psi
and the angles' gradients follow from dL/dG (qrnn/quantum/native/rotations.c).
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


class Step(torch.autograd.Function):
    """(state, angles (batch, L, n, R), kinds, tables) -> the state after one circuit step:
    per layer, each qubit's rotations ``kinds`` at its angles, then the entangler."""

    @staticmethod
    def forward(ctx, state, angles, kinds: tuple[str, ...], tables: EntanglerTables):
        phases = kernels.half_angle_phases(angles)
        out = kernels.step(state, phases, kinds, tables.index, tables.sign, inverse=False)
        ctx.kinds, ctx.tables, ctx.angle_dtype = kinds, tables, angles.dtype
        ctx.save_for_backward(out, phases)
        return out

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad):
        out, phases = ctx.saved_tensors
        grad_state, grad_angles = kernels.step_backward(out, grad, phases, ctx.kinds, ctx.tables.inverse_index, ctx.tables.sign)
        return (grad_state if ctx.needs_input_grad[0] else None), grad_angles.to(ctx.angle_dtype), None, None


def apply_step(state: torch.Tensor, angles: torch.Tensor, kinds: tuple[str, ...], tables: EntanglerTables) -> torch.Tensor:
    return Step.apply(state, angles, kinds, tables)


def apply_inverse_step(state: torch.Tensor, angles: torch.Tensor, kinds: tuple[str, ...], tables: EntanglerTables) -> torch.Tensor:
    """U^dagger state for the U of ``apply_step(., angles, kinds, tables)``; no gradient."""
    phases = kernels.half_angle_phases(angles.detach())
    return kernels.step(state, phases, kinds, tables.inverse_index, tables.sign, inverse=True)


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
