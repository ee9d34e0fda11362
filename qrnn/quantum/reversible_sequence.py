"""The whole reversible recurrence as one autograd node (C kernels path).

``ReversibleStep`` (reversible.py) is one autograd node per time step, with the
controller's layers as further nodes of the ordinary graph. At small n a training step
is dominated by that per-node bookkeeping and by the small tensor operations around each
kernel call, not by arithmetic (n = 6, B = 64, T = 30: about 4 ms of a 14 ms step).
``ReversibleSequence`` runs all T steps in its forward under no_grad: the controller
through a ControllerTape (qrnn/models/controller.py), the circuit and readouts through
the C kernels (one call per step), the states kept within STORED_STATES_BUDGET and as
checkpoints by the same ``StateHolder``. Its backward walks the steps in reverse with
the kernels' backward (one call per step, the readouts' backward folded in) and the
tape's written-out controller backward, and takes the controller's weight gradients at
the end in one product per layer over all steps.

Buffers are laid out once per sequence: the controller's inputs [x_t; z_{t-1}] of all
steps in one (T + 1, B, F) tensor, into whose z part each step's readouts are written
(no concatenation per step), and their gradients likewise; the kernels' angle gradients
are gathered into the controller's output layout by one index (``SequenceParts.columns``)
instead of being split into the circuit's angles and joined again. The kernel calls are
bound at the first step (bound_step.BoundStep, from its controller output): each later call
passes the state and the controller output, whose angles it reads at the bound offsets,
and skips the checks, casts and look-ups of an unbound call (at n = 8, B = 64 about 12 us
of its 85; a training step makes two per time step). The kernels write each step's
expectations and angle gradients into buffers reused by every step.

The model decides when this path applies (qrnn/models/qrnn.py: the C kernels compute the
state, a tape can run the controller, nobody observes the steps).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass

import torch

from qrnn.quantum.readout import PAULIS, expectations_gradient, selected_expectations
from qrnn.quantum.reversible import StateHolder


class Tape(abc.ABC):
    """A controller run by hand over one sequence (qrnn/models/controller.py's ControllerTape)."""

    parameters: list[torch.Tensor]  # the controller's parameters, in parameter_gradients' order

    @abc.abstractmethod
    def step(self, features: torch.Tensor) -> torch.Tensor:
        """The controller's output for the next step's features, keeping what ``backward`` needs."""

    @abc.abstractmethod
    def backward(self, t: int, grad: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
        """dL/d step t's features from dL/d its output (last step first), into ``out`` if given."""

    @abc.abstractmethod
    def parameter_gradients(self) -> list[torch.Tensor]:
        """dL/d ``parameters``, summed over the steps run backward."""


@dataclass
class SequenceParts:
    """What ``ReversibleSequence`` needs of the model for one sequence."""

    holder: StateHolder  # the step, readouts and angle splitting, and the stored states
    tape: Tape
    feedback: bool  # whether the controller reads [x_t; z_{t-1}] (else x_t alone)
    # For each controller output, its position in the kernels' flattened (L, n, rotations)
    # angle gradients; and the first rotation of the model's own variational angles there
    # (static or frozen; None without them).
    columns: torch.Tensor
    own_from: int | None


class ReversibleSequence(torch.autograd.Function):
    """(parts, inputs (B, T, F), z_0, psi_0, own variational angles or None, *controller parameters)
    -> (readouts z_1..z_T (B, T, R) in the inputs' dtype, psi_T)."""

    @staticmethod
    def forward(ctx, parts: SequenceParts, inputs, readouts, state, own_variational, *parameters):
        holder, tape = parts.holder, parts.tape
        batch, steps, width = inputs.shape
        if parts.feedback:  # row t: [x_t; z_{t-1}]; row T holds z_T only
            features = inputs.new_empty(steps + 1, batch, width + readouts.shape[1])
            features[:steps, :, :width] = inputs.transpose(0, 1)
            features[0, :, width:] = readouts
            slots = features[1:, :, width:]
        else:
            features = inputs.transpose(0, 1).contiguous()
            slots = inputs.new_empty(steps, batch, readouts.shape[1])
        # Row views made once (unbind is one operation; indexing would be one per step).
        rows, slot_rows = features.unbind(0), slots.unbind(0)
        angles, bound = [], None
        for t in range(steps):
            controller_output = tape.step(rows[t])
            if t == 0:
                bound = holder.bind(state, controller_output, own_variational)
                # The readouts as they are stored, up to a cast: then read into one buffer reused by every step.
                direct = bound is not None and _direct_readouts(holder.paulis, state.dtype, slots.dtype)
                expectations = torch.empty(batch, slots.shape[2], dtype=torch.float64) if direct else None
            if bound is None:
                state, values = holder.advance(state, *holder.split(controller_output, own_variational))
            else:  # the kernels' call with its arguments worked out once, and the readouts copied in one operation
                state_out, phases, values = bound.forward(state, controller_output, values=expectations)
                holder.keep(state, state_out, phases)
                state = state_out
                if not direct:
                    values = selected_expectations(values, holder.paulis, None, state.dtype)
            slot_rows[t].copy_(values)
            angles.append(controller_output)
        ctx.parts, ctx.angles, ctx.width, ctx.features_width, ctx.bound = parts, angles, width, features.shape[2], bound
        ctx.save_for_backward(own_variational)
        ctx.set_materialize_grads(False)
        return slots.transpose(0, 1).contiguous(), state

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_outputs, grad_state):
        if ctx.parts is None:  # its states and activations were let go after the first backward
            raise RuntimeError("reversible backward ran out of order (or twice): this sequence's backward has already run")
        parts, angles, width, bound = ctx.parts, ctx.angles, ctx.width, ctx.bound
        holder, tape = parts.holder, parts.tape
        (own_variational,) = ctx.saved_tensors
        steps, batch, n_qubits = len(angles), angles[0].shape[0], holder.state.shape[1].bit_length() - 1
        full = tuple(holder.paulis) == PAULIS
        readout_width = len(holder.paulis) * n_qubits
        # dL/d every step's expectations, (T, B, 3, n) float64 as the kernels take them; the
        # readouts' feedback through the controller is added step by step.
        if grad_outputs is None:
            grad_outputs = angles[0].new_zeros(batch, steps, readout_width)
        if full:
            grad_expectations = torch.empty(steps, batch, 3, n_qubits, dtype=torch.float64)
            grad_expectations.view(steps, batch, -1).copy_(grad_outputs.transpose(0, 1))
            # Flat rows: the feedback is added to them, and the kernels read them by address as (B, 3, n).
            grad_rows = grad_expectations.view(steps, batch, -1).unbind(0)
        else:
            grad_expectations = expectations_gradient(
                grad_outputs.transpose(0, 1).reshape(steps * batch, -1), holder.paulis, n_qubits).view(steps, batch, 3, n_qubits)
            grad_rows = grad_expectations.unbind(0)
        if bound is not None and grad_state is not None:  # the kernels read it as it is: dense, in the state's dtype
            grad_state = grad_state.to(holder.state.dtype).resolve_conj().resolve_neg().contiguous()
        grad_features = angles[0].new_empty(steps, batch, ctx.features_width)
        feature_rows = grad_features.unbind(0)
        feedback_rows = grad_features[:, :, width:].unbind(0) if parts.feedback else None
        rotations = len(holder.step.kernel_rotations)
        # Buffers reused by every step: the kernels' angle gradients, and their cast to the controller's dtype.
        grad_angle_buffer = None if bound is None else torch.empty(bound.grad_angles_shape, dtype=torch.float64)
        cast_buffer = None
        grad_own = feedback = None
        for t in range(steps - 1, -1, -1):
            grad_readouts = grad_rows[t]
            if feedback is not None:
                if full:
                    grad_readouts.add_(feedback)
                else:
                    grad_readouts = grad_readouts + expectations_gradient(feedback, holder.paulis, n_qubits)
            previous, phases = holder.checkpoints.pop(t, None), holder.phases.pop(t, None)
            if previous is None:  # not stored: the inverse step and the backward in one call
                previous, grad_state, grad_angles = holder.step.inverse(
                    holder.state, *holder.split(angles[t], own_variational), False, (grad_state, grad_readouts))
            elif bound is not None:  # a stored state comes with its phases (StateHolder.keep)
                grad_state, grad_angles = bound.backward(holder.state, grad_state, grad_readouts, phases, grad_angle_buffer)
            else:
                grad_state, grad_angles = holder.step.kernel_backward(holder.state, grad_state, grad_readouts, phases)
            holder.state, holder.position = previous, t
            if parts.own_from is not None and ctx.needs_input_grad[4]:
                own = grad_angles.view(batch, -1, rotations)[..., parts.own_from :]  # of (B, L * n, rotations)
                grad_own = own.clone() if grad_own is None else grad_own.add_(own)
            # Cast, then gather: PyTorch's index_select is twice as fast on float32 as on float64.
            grad_angles = grad_angles.view(batch, -1)
            if grad_angles.dtype != angles[t].dtype:
                if cast_buffer is None:
                    cast_buffer = torch.empty(grad_angles.shape, dtype=angles[t].dtype)
                grad_angles = cast_buffer.copy_(grad_angles)
            grad_controller = grad_angles.index_select(1, parts.columns)
            tape.backward(t, grad_controller, out=feature_rows[t])
            if parts.feedback:
                feedback = feedback_rows[t]
        grad_inputs = grad_features[:, :, :width].transpose(0, 1).contiguous() if ctx.needs_input_grad[1] else None
        if grad_own is not None:
            grad_own = grad_own.view(batch, *own_variational.shape[1:])
            if own_variational.shape[0] != batch:  # one set of angles broadcast over the batch
                grad_own = grad_own.sum(0, keepdim=True)
            grad_own = grad_own.to(own_variational.dtype)
        ctx.angles = ctx.parts = ctx.bound = None  # the stored states and activations go with them
        return (None, grad_inputs, feedback if ctx.needs_input_grad[2] else None, grad_state if ctx.needs_input_grad[3] else None,
                grad_own, *tape.parameter_gradients())


def _direct_readouts(paulis: tuple[str, ...], state_dtype: torch.dtype, readout_dtype: torch.dtype) -> bool:
    """Whether the kernels' (batch, 3, n) float64 expectations, flattened, are the readouts as
    they are to be stored, up to one cast: every Pauli in the kernels' order, and no rounding to
    the state's float32 precision on the way that a float64 readout would miss."""
    return tuple(paulis) == PAULIS and (readout_dtype == torch.float32 or state_dtype == torch.complex128)
