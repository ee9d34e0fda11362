"""Autograd functions over the C kernels: a circuit step and the Pauli readouts.

Both save no more than the PyTorch path (the step keeps its output and the angles'
phases, the readout its input): the step's backward rebuilds the states inside the step
from its output with the adjoint gates, which is exact up to rounding because every gate
of the engine is unitary (rotations, and CNOT/CZ entanglers).

Gradients follow PyTorch's convention for complex tensors (for a real loss L, the
gradient of z is dL/dRe z + i dL/dIm z):
    y = (G_k on qubit k) u   =>   dL/dG_k = C_k G_k,  C_k[a][c] = sum g_y[a..] conj(y[c..])
    <P_k> = <psi|P_k|psi>   =>   dL/dpsi = 2 sum_k (g^X_k X_k + g^Y_k Y_k + g^Z_k Z_k) psi
and the angles' gradients follow from the correlations C_k (qrnn/quantum/native/rotations.c).
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


def angle_signature(encoding: torch.Tensor | None, variational: torch.Tensor | None) -> tuple:
    """(encoding dtype, variational dtype, variational batch), None for absent angles:
    what ``split_angle_gradients`` needs to know of the angles."""
    return (None if encoding is None else encoding.dtype, None if variational is None else variational.dtype,
            None if variational is None else variational.shape[0])


def split_angle_gradients(grad_angles: torch.Tensor, encoding_dtype, variational_dtype, variational_batch: int,
                          want_encoding: bool, want_variational: bool):
    """(dL/d encoding, dL/d variational) from the kernels' (batch, L, n, len(kinds)) float64
    angle gradients, each None unless wanted; the dtypes are None for absent angles, and
    ``variational_batch`` 1 for one set of variational angles broadcast over the batch."""
    grad_encoding = grad_variational = None
    summed = variational_dtype is not None and variational_batch != grad_angles.shape[0]
    if {encoding_dtype, variational_dtype} - {None} == {torch.float32} and not summed:
        # One cast for both (the same values): each tensor operation costs more than its arithmetic here.
        grad_angles = grad_angles.to(torch.float32)
    if want_encoding:
        grad_encoding = grad_angles[:, 0, :, 0].to(encoding_dtype)
    if want_variational:
        grad_variational = grad_angles[..., int(encoding_dtype is not None):]
        if summed:  # one set of angles broadcast over the batch
            grad_variational = grad_variational.sum(0, keepdim=True)
        grad_variational = grad_variational.to(variational_dtype)
    return grad_encoding, grad_variational


class Step(torch.autograd.Function):
    """(state, encoding, variational, kinds, tables) -> the state after one circuit step:
    per layer, each qubit's rotations ``kinds`` at its angles, then the entangler (angles
    as in ``kernels.step``)."""

    @staticmethod
    def forward(ctx, state, encoding, variational, kinds: tuple[str, ...], tables: EntanglerTables):
        out, phases = kernels.step(state, encoding, variational, kinds, tables.index, tables.sign, inverse=False, keep_phases=True)
        ctx.kinds, ctx.tables = kinds, tables
        ctx.angles = angle_signature(encoding, variational)
        ctx.save_for_backward(out, phases)
        return out

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad):
        out, phases = ctx.saved_tensors
        grad_state, grad_angles = kernels.step_backward(out, grad, phases, ctx.kinds, ctx.tables.inverse_index, ctx.tables.sign)
        grad_encoding, grad_variational = split_angle_gradients(grad_angles, *ctx.angles, *ctx.needs_input_grad[1:3])
        return (grad_state if ctx.needs_input_grad[0] else None), grad_encoding, grad_variational, None, None


def needs_grad(*tensors: torch.Tensor | None) -> bool:
    """Whether autograd would record an operation on these tensors."""
    return torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in tensors)


def apply_step(state, encoding, variational, kinds: tuple[str, ...], tables: EntanglerTables) -> torch.Tensor:
    if needs_grad(state, encoding, variational):
        return Step.apply(state, encoding, variational, kinds, tables)
    # Nothing to differentiate (evaluation, no_grad): no autograd node, no phases kept.
    return kernels.step(state, encoding, variational, kinds, tables.index, tables.sign, inverse=False)[0]


def apply_inverse_step(state, encoding, variational, kinds: tuple[str, ...], tables: EntanglerTables) -> torch.Tensor:
    """U^dagger state for the U of ``apply_step(., encoding, variational, kinds, tables)``; no gradient."""
    return kernels.step(state, encoding, variational, kinds, tables.inverse_index, tables.sign, inverse=True)[0]


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
