"""The whole reversible recurrence as one autograd node (C kernels path).

``ReversibleStep`` (reversible.py) is one autograd node per time step, with the
controller's layers as further nodes of the ordinary graph. At small n a training step
is dominated by that per-node bookkeeping, not by arithmetic (n = 6, B = 64, T = 30:
about 4 ms of a 14 ms step were Python and autograd overhead). ``ReversibleSequence``
runs all T steps in its forward under no_grad: the controller through a ControllerTape
(qrnn/models/controller.py), the circuit and readouts through the C kernels, the states
kept within STORED_STATES_BUDGET and as checkpoints by the same ``StateHolder``. Its
backward walks the steps in reverse with the kernels' backward (as ReversibleStep does on
the C path) and the tape's written-out controller backward, and takes the controller's
weight gradients at the end in one product per layer over all steps.

The per-step functions of the model come in a ``SequenceParts``; the model decides when
this path applies (qrnn/models/qrnn.py: the C kernels compute the state, the controller
is one a tape can run, nobody observes the steps).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from qrnn.quantum.reversible import StateHolder, kernels_step_backward


@dataclass
class SequenceParts:
    """What ``ReversibleSequence`` needs of the model for one sequence."""

    holder: StateHolder  # the step, readouts, splitting and joining of the angles, the stored states
    tape: "object"  # a ControllerTape: step(features), backward(t, grad), parameter_gradients(), parameters
    feedback: bool  # whether the controller reads [x_t; z_{t-1}] (else x_t alone)


class ReversibleSequence(torch.autograd.Function):
    """(parts, inputs (B, T, F), z_0, psi_0, own variational angles or None, *controller parameters)
    -> (readouts z_1..z_T (B, T, R) in the inputs' dtype, psi_T)."""

    @staticmethod
    def forward(ctx, parts: SequenceParts, inputs, readouts, state, own_variational, *parameters):
        holder, tape = parts.holder, parts.tape
        outputs = torch.empty(inputs.shape[0], inputs.shape[1], readouts.shape[1], dtype=inputs.dtype)
        angles = []
        for t in range(inputs.shape[1]):
            features = torch.cat([inputs[:, t], readouts], dim=1) if parts.feedback else inputs[:, t]
            controller_output = tape.step(features)
            state, values = holder.advance(state, *holder.split(controller_output, own_variational))
            readouts = outputs[:, t]
            readouts.copy_(values)
            angles.append(controller_output)
        ctx.parts, ctx.angles, ctx.steps, ctx.input_width = parts, angles, inputs.shape[1], inputs.shape[2]
        ctx.save_for_backward(own_variational)
        return outputs, state

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_outputs, grad_state):
        if ctx.parts is None:  # its states and activations were let go after the first backward
            raise RuntimeError("reversible backward ran out of order (or twice): this sequence's backward has already run")
        holder, tape = ctx.parts.holder, ctx.parts.tape
        (own_variational,) = ctx.saved_tensors
        want_inputs, want_readouts, want_state, want_own = ctx.needs_input_grad[1:5]
        grad_inputs = grad_outputs.new_zeros(grad_outputs.shape[0], ctx.steps, ctx.input_width) if want_inputs else None
        grad_own = feedback = None
        for t in range(ctx.steps - 1, -1, -1):
            grad_readouts = grad_outputs[:, t] if feedback is None else grad_outputs[:, t] + feedback
            encoding, variational = holder.split(ctx.angles[t], own_variational)
            wanted = (encoding is not None, variational is not None, t > 0 or want_state)
            grads = kernels_step_backward(holder, holder.checkpoints.pop(t, None), holder.phases.pop(t, None), encoding,
                                          variational, grad_state, grad_readouts, wanted)
            grad_state, holder.state, holder.position = grads[2], grads[3], t
            grad_controller, grad_variational = holder.join_gradients(grads[0], grads[1])
            if want_own and grad_variational is not None:
                grad_own = grad_variational if grad_own is None else grad_own + grad_variational
            grad_features = tape.backward(t, grad_controller)
            if ctx.parts.feedback:
                feedback = grad_features[:, ctx.input_width :]
                grad_features = grad_features[:, : ctx.input_width]
            if grad_inputs is not None:
                grad_inputs[:, t] = grad_features
        ctx.angles = ctx.parts = None  # the stored states and activations go with them
        return (None, grad_inputs, feedback if want_readouts else None, grad_state if want_state else None, grad_own,
                *tape.parameter_gradients())
