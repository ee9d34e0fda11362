"""Reversible (adjoint) backpropagation through the recurrent circuit steps.

Plain autograd through T steps keeps every intermediate state (T x B x 2**n amplitudes,
several copies per step). A step is unitary, so the state before it can be recomputed
from the state after it: psi_{t-1} = U(angles_t)^dagger psi_t. ``ReversibleStep`` is an
autograd Function whose forward saves only the step's angles and a reference to a shared
``StateHolder``; no state tensor is saved, so each is freed once the next step has used
it. After the forward pass the holder holds psi_T. Autograd then runs the steps'
backwards in reverse order (each step's state input is the previous step's output, so
step t-1 waits for the gradient from step t); step t takes psi_t from the holder,
recomputes psi_{t-1}, re-runs the step locally with autograd from psi_{t-1} and pulls
the gradients of the angles and of psi_{t-1} through it, and leaves psi_{t-1} in the
holder. The controller stays in the ordinary autograd graph: its activations are small.

On the C path (qrnn/quantum/native) the backward skips that local re-run: the inverse
step also returns the angles' phases, and the step's backward kernel (with the readouts'
backward folded in) takes psi_t and the gradients directly (no autograd graph inside the
backward). A training step at small n is dominated by such per-step calls, not by
arithmetic, so the C path also keeps the forward states (with their phases) while they
fit STORED_STATES_BUDGET: a short sequence of small states then needs no inverse step at
all, while a long one stores that many bytes at most and walks back as described. There
the model runs the whole sequence as one ReversibleSequence (reversible_sequence.py) on
this same holder; ReversibleStep serves the PyTorch path (the GPU) and runs whose steps
are observed.

Drift. Every recomputed state inherits the rounding of the forward and the inverse
steps, and the error grows with the number of steps undone (roughly a random walk over
the steps' roundings). Measured with benchmarks/reversible_drift.py (n = 10, B = 4, the
default circuit, no checkpoints), largest ||recomputed psi - forward psi|| (states of
norm 1) after k inverse steps, C kernels (PyTorch path in brackets):
    k            10               64               100              784
    complex64    6.9e-7 (6.0e-7)  2.1e-6 (1.5e-6)  3.1e-6 (1.9e-6)  9.5e-6 (5.5e-6)
    complex128   5.1e-15 (4.8e-15) 1.1e-14 (9.4e-15) 1.3e-14 (1.3e-14) 4.5e-14 (4.2e-14)
To keep it independent of T, the holder also keeps an exact copy of the state every
CHECKPOINT_INTERVAL = 64 steps and the backward restarts from it, so no recomputed state
is more than 63 inverse steps from an exact one: the error stays at or below the 64-step
values (2.1e-6, i.e. the few-ulp level of float32 amplitudes summed over 2**n of them;
complex128 would not need it). The copies cost ceil(T / 64) states: at T = 784, n = 10,
B = 32, complex64 that is 13 x 256 KiB = 3.3 MiB.
"""

from __future__ import annotations

from typing import Callable

import torch

from qrnn.quantum.readout import expectations_gradient, selected_expectations

# Steps between exact state copies; see "Drift" above (64 inverse steps drift by 2.1e-6
# in complex64 and 1.1e-14 in complex128, while T / 64 copies stay negligible).
CHECKPOINT_INTERVAL = 64
# Bytes of forward states (and their angles' phases) the C path keeps besides the
# checkpoints: a short sequence of small states is then walked back without a single
# inverse step (one C call per step fewer, and no drift), while a long or large one keeps
# this much at most, so memory stays flat in T. 8 MiB holds every state of T = 30 at
# n <= 8, B = 64 (complex64), and 32 of the 784 states of n = 10, B = 32.
STORED_STATES_BUDGET = 8 * 2**20

Step = Callable[[torch.Tensor, "torch.Tensor | None", "torch.Tensor | None"], torch.Tensor]
# (controller output, the model's own variational angles or None) -> (encoding, variational) of a step
Split = Callable[[torch.Tensor, "torch.Tensor | None"], tuple["torch.Tensor | None", "torch.Tensor | None"]]
# (dL/d encoding or None, dL/d variational or None) -> (dL/d controller output, dL/d own variational angles or None)
JoinGradients = Callable[["torch.Tensor | None", "torch.Tensor | None"], tuple[torch.Tensor, "torch.Tensor | None"]]


class StateHolder:
    """The one state of a reversible sequence: psi_t during the forward pass, then walked back."""

    def __init__(self, step: Step, readout: Callable, paulis: tuple[str, ...], split: Split, join_gradients: JoinGradients,
                 checkpoint_interval: int | None = None, kernel_readouts: bool = False):
        # kernel_readouts: the readouts are the engine's Pauli expectations (readout.py), which
        # the C kernels compute, and differentiate, inside the step's own calls.
        self.step, self.readout, self.paulis, self.kernel_readouts = step, readout, paulis, kernel_readouts
        self.split, self.join_gradients = split, join_gradients
        self.checkpoint_interval = checkpoint_interval or CHECKPOINT_INTERVAL
        self.state: torch.Tensor | None = None
        self.position = 0  # index t of the state held (psi_t)
        self.checkpoints: dict[int, torch.Tensor] = {}
        self.phases: dict[int, torch.Tensor] = {}  # the kernels' phases of step t + 1's angles, beside a stored psi_t
        self.budget = STORED_STATES_BUDGET

    def saved_bytes(self) -> int:
        """Bytes of state kept for the backward pass (the held state, the checkpoints and stored phases)."""
        tensors = [*self.checkpoints.values(), *self.phases.values()] + ([self.state] if self.state is not None else [])
        return sum(t.numel() * t.element_size() for t in tensors)

    def kernels_serve(self, state: torch.Tensor, encoding, variational) -> bool:
        """Whether this step's forward and backward run straight on the C kernels."""
        return self.kernel_readouts and self.step.kernels_backward(state, encoding, variational)

    def advance(self, state_in: torch.Tensor, encoding, variational) -> tuple[torch.Tensor, torch.Tensor]:
        """(psi_t, its readouts) from psi_{t-1}, keeping psi_{t-1} as a checkpoint every
        ``checkpoint_interval`` steps, and (C path) with its phases while the stored states
        fit ``budget``. On the C path the step and the readouts are one kernel call."""
        kernels = self.kernels_serve(state_in, encoding, variational)
        if kernels:
            state_out, phases, values = self.step.phases(state_in, encoding, variational, readouts=True)
            readouts = selected_expectations(values, self.paulis, None, state_out.dtype)
        else:
            state_out, phases = self.step(state_in, encoding, variational), None
            readouts = self.readout(state_out, self.paulis)
        self.keep(state_in, state_out, phases)
        return state_out, readouts

    def bind(self, state: torch.Tensor, controller_output: torch.Tensor, own_variational: torch.Tensor | None):
        """The step's kernel calls bound once for a sequence whose controller outputs are laid
        out like ``controller_output`` (EngineStep.bind), or None where they cannot be."""
        if not self.kernel_readouts:
            return None
        return self.step.bind(state, controller_output, *self.split(controller_output, own_variational))

    def keep(self, state_in: torch.Tensor, state_out: torch.Tensor, phases: torch.Tensor | None) -> None:
        """Move on to psi_t = ``state_out``, keeping psi_{t-1} = ``state_in`` as ``advance``
        says; ``phases`` are the C kernels' phases of the step (None off the C path)."""
        position = self.position
        state_bytes = state_in.numel() * state_in.element_size()
        if position % self.checkpoint_interval == 0:
            self.checkpoints[position] = state_in.detach().clone()
        elif phases is not None and self.budget >= state_bytes + phases.numel() * phases.element_size():
            self.checkpoints[position] = state_in.detach() if state_in.requires_grad else state_in
            self.budget -= state_bytes + phases.numel() * phases.element_size()
        if phases is not None and position in self.checkpoints:
            self.phases[position] = phases
        self.position = position + 1
        self.state = state_out.detach()  # never the tensor an autograd Function returns, which autograd marks as its output


class ReversibleStep(torch.autograd.Function):
    """(controller output, own variational angles or None, psi_{t-1}) -> (psi_t, readouts_t)
    without saving any state. The step takes the controller's output whole and splits it
    into the circuit's angles itself (``holder.split``): the slices would otherwise be
    autograd nodes of their own, each costing more per step than its arithmetic."""

    @staticmethod
    def forward(ctx, holder: StateHolder, controller_output, own_variational, state_in):
        encoding, variational = holder.split(controller_output, own_variational)
        state_out, readouts = holder.advance(state_in, encoding, variational)
        ctx.holder, ctx.position = holder, holder.position
        ctx.save_for_backward(controller_output, own_variational)
        return state_out, readouts

    @staticmethod
    def backward(ctx, grad_state_out, grad_readouts):
        holder = ctx.holder
        if holder.position != ctx.position:
            raise RuntimeError(
                "reversible backward ran out of order (or twice): the held state is psi_"
                f"{holder.position}, this step needs psi_{ctx.position}"
            )
        controller_output, own_variational = ctx.saved_tensors
        wanted = ctx.needs_input_grad[1:]
        previous = holder.checkpoints.pop(ctx.position - 1, None)
        encoding, variational = holder.split(controller_output, own_variational)
        if holder.kernels_serve(holder.state, encoding, variational):
            phases = holder.phases.pop(ctx.position - 1, None)
            angles_wanted = (wanted[0] and encoding is not None, variational is not None and (wanted[0] or wanted[1]), wanted[2])
            grads = _kernels_backward(holder, previous, phases, encoding, variational, grad_state_out, grad_readouts, angles_wanted)
            holder.state, holder.position = grads[3], ctx.position - 1
            grad_controller, grad_own = holder.join_gradients(grads[0], grads[1])
            return None, (grad_controller if wanted[0] else None), (grad_own if wanted[1] else None), grads[2]
        if previous is None:
            previous = holder.step.inverse(holder.state, encoding, variational)
        wanted = [index for index, needed in enumerate(wanted) if needed]
        grads: list[torch.Tensor | None] = [None, None, None]
        with torch.enable_grad():
            inputs = [
                None if tensor is None else tensor.detach().requires_grad_(index in wanted)
                for index, tensor in enumerate((controller_output, own_variational, previous))
            ]
            state_out = holder.step(inputs[2], *holder.split(inputs[0], inputs[1]))
            readouts = holder.readout(state_out, holder.paulis)
            if wanted:
                found = torch.autograd.grad(
                    (state_out, readouts), [inputs[index] for index in wanted], (grad_state_out, grad_readouts), allow_unused=True
                )
                for index, grad in zip(wanted, found):
                    grads[index] = grad
        holder.state, holder.position = previous, ctx.position - 1
        return (None, *grads)


def _kernels_backward(holder: StateHolder, previous, phases, encoding, variational, grad_state_out, grad_readouts, wanted) -> list:
    """[dL/d encoding, dL/d variational, dL/d psi_{t-1}, psi_{t-1}] of a step on the C path,
    straight from the kernels: the stored psi_{t-1} and phases, or the inverse step (which
    also yields the phases); then the readouts' and the step's backward from psi_t in one
    call. At most two kernel calls and no autograd graph, where re-running the step under
    autograd costs a forward step, a readout and the graph's overhead on top."""
    if previous is None:
        previous, phases = holder.step.inverse(holder.state, encoding, variational, True)
    elif phases is None:
        _, phases = holder.step.phases(previous, encoding, variational)
    grad_expectations = expectations_gradient(grad_readouts, holder.paulis, holder.state.shape[1].bit_length() - 1)
    grad_state, grad_encoding, grad_variational = holder.step.backward_from_output(
        holder.state, grad_state_out, phases, encoding, variational, wanted, grad_expectations
    )
    return [grad_encoding, grad_variational, grad_state, previous]

