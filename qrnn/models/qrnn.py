"""The hybrid quantum-classical RNN of Xu (arXiv 2510.25557).

Per step t: angles_t = controller([x_t; z_{t-1}]); |psi_t> = U(angles_t) |psi_{t-1}>;
z_t = Pauli readouts of |psi_t> (exact expectations: the paper's non-collapsing limit).
The state vector is the only recurrent memory apart from z_{t-1} itself; the circuit is
unitary, so the state's norm is preserved by construction.

``QuantumRNN.unroll`` is the one place this recurrence is written: the noisy core, the
device runs and the analyses pass it their own step, readout or observer instead of
repeating the loop.

Ablation switches (config ``models.qrnn``): ``encoding`` (controller | none),
``variational`` (controller | static | frozen | none), ``readout_feedback``,
``controller.kind`` (mlp | linear), ``entangler``, ``readouts``. ``gradient: reversible``
backpropagates without storing the states (qrnn/quantum/reversible.py; on the C kernels
the whole sequence is one autograd node, qrnn/quantum/reversible_sequence.py).
"""

from __future__ import annotations

import math
from typing import Any, Callable

import torch
from torch import nn

from qrnn.config import QRNNConfig
from qrnn.errors import ConfigError
from qrnn.models.base import RecurrentCore
from qrnn.models.controller import ControllerTape, build_controller
from qrnn.quantum.circuit import EngineStep, StepCircuit
from qrnn.quantum.native import bound_step, kernels
from qrnn.quantum.readout import pauli_expectations, selected_expectations
from qrnn.quantum.reversible import ReversibleStep, StateHolder
from qrnn.quantum.reversible_sequence import ReversibleSequence, SequenceParts
from qrnn.quantum.statevector import zero_state

COMPLEX_DTYPES = {"complex64": torch.complex64, "complex128": torch.complex128}

# The hooks of QuantumRNN.unroll. The state is whatever ``advance`` carries: the state
# vector by default, a batch of trajectories under noise, the angle history on a device.
Advance = Callable[[Any, torch.Tensor | None, torch.Tensor | None], Any]  # (state, encoding, variational) -> state
Measure = Callable[[Any], tuple[Any, torch.Tensor]]  # state -> (state after the readout, readouts)
Observe = Callable[[int, Any, torch.Tensor], None]  # (t, state, readouts z_t)


def check_qrnn_config(config: QRNNConfig) -> None:
    """Reject settings under which the input cannot reach the circuit, or that no backend supports."""
    if config.encoding == "none" and config.variational != "controller":
        raise ConfigError(
            f"models.qrnn: with encoding: none the input reaches the circuit only through "
            f"controller-driven variational angles, but variational is {config.variational!r}"
        )
    if config.backend == "torchquantum" and config.dtype != "complex64":
        raise ConfigError("models.qrnn: backend torchquantum computes in complex64; set dtype: complex64")
    if config.backend == "torchquantum" and config.gradient == "reversible":
        raise ConfigError(
            "models.qrnn: gradient reversible needs the inverse step of backend engine; "
            "with backend torchquantum set gradient: autograd"
        )


class QuantumRNN(RecurrentCore):
    """Quantum recurrent core: input (batch, time, input_size) -> readouts z_1..z_T (batch, time, n_readouts)."""

    def __init__(self, input_size: int, config: QRNNConfig):
        super().__init__()
        check_qrnn_config(config)
        self.config = config
        self.n_qubits = config.n_qubits
        self.dtype = COMPLEX_DTYPES[config.dtype]
        n_layers = 0 if config.variational == "none" else config.n_layers
        self.circuit = StepCircuit(
            config.n_qubits, n_layers, tuple(config.rotations), config.entangler, has_encoding=config.encoding == "controller"
        )
        self.paulis = tuple(config.readouts)
        self.output_size = len(self.paulis) * config.n_qubits
        self.n_encoding_angles = config.n_qubits if self.circuit.has_encoding else 0
        self.n_controlled_variational = self.circuit.n_variational_angles if config.variational == "controller" else 0
        controller_inputs = input_size + (self.output_size if config.readout_feedback else 0)
        self.controller = build_controller(
            controller_inputs, self.n_encoding_angles + self.n_controlled_variational, config.controller
        )
        shape = (1, n_layers, config.n_qubits, len(config.rotations))
        if config.variational == "static":
            self.static_angles = nn.Parameter(torch.empty(shape).uniform_(-math.pi, math.pi))
        elif config.variational == "frozen":  # a fixed random circuit: a quantum reservoir
            self.register_buffer("frozen_angles", torch.empty(shape).uniform_(-math.pi, math.pi))
        self._step, self._readout = self._backend()
        self._gradient_layout: tuple[torch.Tensor, int | None] | None = None

    def _backend(self):
        """The step and readout functions of the configured simulator."""
        if self.config.backend == "torchquantum":
            from qrnn.quantum.torchquantum_backend import TorchQuantumStep, torchquantum_expectations

            return TorchQuantumStep(self.circuit), torchquantum_expectations
        return EngineStep(self.circuit), pauli_expectations

    def initial_readouts(self, batch: int, device) -> torch.Tensor:
        """z_0: readouts of |0...0>, i.e. <X> = <Y> = 0 and <Z> = 1 on every qubit."""
        values = {"x": 0.0, "y": 0.0, "z": 1.0}
        row = torch.tensor([values[p] for p in self.config.readouts for _ in range(self.n_qubits)], device=device)
        return row.expand(batch, -1)

    @property
    def reversible(self) -> bool:
        return self.config.gradient == "reversible"

    def circuit_angles(self, controller_output: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        """(encoding (batch, n) or None, variational (batch or 1, L, n, R) or None) of one step
        from the controller's output; static and frozen variational angles are the model's own."""
        return self._split_angles(controller_output, self._own_variational())

    def _own_variational(self) -> torch.Tensor | None:
        """The variational angles that are the model's own (static, frozen), else None."""
        if self.config.variational == "static":
            return self.static_angles
        if self.config.variational == "frozen":
            return self.frozen_angles
        return None

    def _split_angles(self, controller_output: torch.Tensor, own_variational: torch.Tensor | None):
        encoding = controller_output[:, : self.n_encoding_angles] if self.circuit.has_encoding else None
        if self.config.variational == "controller":
            batch = controller_output.shape[0]
            variational = controller_output[:, self.n_encoding_angles :].reshape(
                batch, self.circuit.n_layers, self.n_qubits, len(self.config.rotations)
            )
        else:
            variational = own_variational
        return encoding, variational

    def _join_angle_gradients(self, grad_encoding: torch.Tensor | None, grad_variational: torch.Tensor | None):
        """(dL/d controller output, dL/d own variational angles or None) from the gradients of
        ``_split_angles``'s two outputs (either None where not wanted): its backward."""
        if self.config.variational != "controller":
            return grad_encoding, grad_variational
        flat = None if grad_variational is None else grad_variational.reshape(grad_variational.shape[0], -1)
        if grad_encoding is None or flat is None:
            return (grad_encoding if flat is None else flat), None
        return torch.cat([grad_encoding, flat], dim=1), None

    def advance(self, state: torch.Tensor, encoding: torch.Tensor | None, variational: torch.Tensor | None) -> torch.Tensor:
        """|psi_t> = U(encoding, variational) |psi_{t-1}> on the configured simulator: the default ``advance``."""
        return self._step(state, encoding, variational)

    def measure(self, state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(the state, unchanged: the paper's non-collapsing readout; its exact Pauli
        expectations (batch, n_readouts)): the default ``measure``."""
        return state, self._readout(state, self.paulis)

    def unroll(
        self,
        inputs: torch.Tensor,
        initial_state: tuple[Any, torch.Tensor] | None = None,
        advance: Advance | None = None,
        measure: Measure | None = None,
        on_state: Observe | None = None,
    ) -> tuple[torch.Tensor, tuple[Any, torch.Tensor]]:
        """The recurrence: (readouts z_1..z_T (batch, T, n_readouts), final (state, z_T)).

        Per step t the controller reads [x_t; z_{t-1}] and emits the circuit angles; then
        ``state = advance(state, encoding, variational)`` and ``state, z_t = measure(state)``.
        Both default to the model's own ``advance`` and ``measure``; a caller substitutes what
        runs the circuit elsewhere (noisy trajectories, a device) and then chooses the state
        it carries: ``initial_state`` (state, z_0) is required unless the state is the
        model's state vector, which starts at |0...0>. ``on_state(t, state, z_t)`` sees
        every step (t from 0); z_t is the very tensor the next step reads, so a gradient
        taken with respect to it is the total derivative.

        With neither ``advance`` nor ``measure`` given, a gradient wanted and ``gradient:
        reversible``, the steps run as ReversibleStep (no state kept for the backward pass),
        or, where the C kernels compute the state, a ControllerTape can run the controller
        and no ``on_state`` watches, as one ReversibleSequence (same values, one autograd
        node for all T steps); with either hook given, under plain autograd
        (``advance=self.advance`` is the autograd reference).
        """
        batch = inputs.shape[0]
        if initial_state is None:
            state = zero_state(batch, self.n_qubits, self.dtype, inputs.device)
            readouts = self.initial_readouts(batch, inputs.device).to(inputs.dtype)
        else:
            state, readouts = initial_state
        # Reversible steps only pay off when there is a backward pass to run.
        fused = advance is None and measure is None and self.reversible and torch.is_grad_enabled()
        holder = (
            StateHolder(self._step, self._readout, self.paulis, self._split_angles, self._join_angle_gradients,
                        kernel_readouts=self.config.backend == "engine")
            if fused else None
        )
        if holder is not None and on_state is None and inputs.shape[1] > 0 and self._sequence_serves(holder, state):
            parts = SequenceParts(holder, ControllerTape(self.controller), self.config.readout_feedback, *self._angle_gradient_layout())
            outputs, state = ReversibleSequence.apply(parts, inputs, readouts, state, self._own_variational(), *parts.tape.parameters)
            return outputs, (state, outputs[:, -1])
        if self._fused_evaluation(advance, measure, inputs, state):
            advance, measure = self._bound_advance_with_readouts(), self._measure_kept
        advance, measure = advance or self.advance, measure or self.measure
        outputs = []
        for t in range(inputs.shape[1]):
            features = torch.cat([inputs[:, t], readouts], dim=1) if self.config.readout_feedback else inputs[:, t]
            controller_output = self.controller(features)
            if holder is not None:
                state, readouts = ReversibleStep.apply(holder, controller_output, self._own_variational(), state)
            else:
                state, readouts = measure(advance(state, *self.circuit_angles(controller_output)))
            readouts = readouts.to(inputs.dtype)
            outputs.append(readouts)
            if on_state is not None:
                on_state(t, state, readouts)
        return torch.stack(outputs, dim=1), (state, readouts)

    def _fused_evaluation(self, advance: Advance | None, measure: Measure | None, inputs: torch.Tensor, state) -> bool:
        """Whether a step and its readouts run as one C kernel call with no phases kept: no
        hook given, nothing to differentiate (evaluation, no_grad), the model's own engine step on the C kernels."""
        if advance is not None or measure is not None or not isinstance(self._step, EngineStep) or self.differentiable(inputs, state):
            return False
        return self.circuit.has_angles and kernels.usable(state)

    def differentiable(self, inputs: torch.Tensor, state: torch.Tensor) -> bool:
        """Whether autograd would record a recurrence on ``inputs`` from ``state``: a fused
        evaluation step (one kernel call for the step and its readouts) has no backward."""
        return torch.is_grad_enabled() and (inputs.requires_grad or state.requires_grad or any(p.requires_grad for p in self.parameters()))

    def _advance_with_readouts(self, state: torch.Tensor, encoding: torch.Tensor | None, variational: torch.Tensor | None):
        """``advance`` of the fused evaluation: (the new state, its readouts) from one kernel call."""
        state, values = self._step.with_readouts(state, encoding, variational)
        return state, selected_expectations(values, self.paulis, None, state.dtype)

    def _bound_advance_with_readouts(self) -> Advance:
        """``_advance_with_readouts`` for the steps of one sequence, its kernel call's checks
        and constant arguments worked out at the first step (EngineStep.bind), where the
        angles allow it: about 12 us of Python fewer per step."""
        bound: list[bound_step.BoundStep | None] = []

        def advance(state: torch.Tensor, encoding: torch.Tensor | None, variational: torch.Tensor | None):
            if not bound:
                bound.append(self._step.bind(state, None, encoding, variational))
            if bound[0] is None:
                return self._advance_with_readouts(state, encoding, variational)
            state, _, values = bound[0].forward(state, None, encoding, variational, keep_phases=False)
            return state, selected_expectations(values, self.paulis, None, state.dtype)

        return advance

    @staticmethod
    def _measure_kept(advanced: tuple[torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """``measure`` of the fused evaluation: the readouts ``_advance_with_readouts`` already read."""
        return advanced

    def _sequence_serves(self, holder: StateHolder, state: torch.Tensor) -> bool:
        """Whether the whole sequence runs as one ReversibleSequence: the C kernels compute
        the state (and its backward) and a ControllerTape can run the controller."""
        return holder.kernel_readouts and self.circuit.has_angles and kernels.usable(state) and ControllerTape.supports(self.controller)

    def _angle_gradient_layout(self) -> tuple[torch.Tensor, int | None]:
        """(for each controller output, its position in the C kernels' flattened angle
        gradients (L, n, kernel rotations: the encoding RY first, in layer 0), the first
        kernel rotation of the model's own variational angles or None): see SequenceParts."""
        if self._gradient_layout is None:
            n, first, count = self.n_qubits, int(self.circuit.has_encoding), len(self._step.kernel_rotations)
            columns = [q * count for q in range(n)] if first else []
            if self.config.variational == "controller":
                columns += [(layer * n + q) * count + first + r
                            for layer in range(self.circuit.n_layers) for q in range(n) for r in range(len(self.config.rotations))]
            own_from = first if self._own_variational() is not None else None
            self._gradient_layout = (torch.tensor(columns, dtype=torch.long), own_from)
        return self._gradient_layout

    def forward_with_state(self, inputs: torch.Tensor, initial_state=None):
        """State: (state vector (batch, 2**n) complex, readouts z_T (batch, n_readouts))."""
        return self.unroll(inputs, initial_state)

    def quantum_parameters(self) -> list[nn.Parameter]:
        """Trainable circuit angles that are parameters themselves (static variational only)."""
        return [self.static_angles] if self.config.variational == "static" else []
