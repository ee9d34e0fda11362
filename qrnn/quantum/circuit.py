"""The circuit of one recurrent step: an RY encoding layer, then L variational blocks.

U(theta_t) = prod_l [E . R_l(theta_l)] . RY(theta_enc), where R_l applies the configured
rotations (e.g. RX, RY, RZ) to every qubit and E is the entangler. The same description
drives the fused engine here, the TorchQuantum reference backend and the Qiskit export,
so all three run the same circuit. On CPUs the engine runs a step with the C kernels of
qrnn/quantum/native (one call for all layers and entanglers) when they are built; the
PyTorch layers of statevector.py are the fallback, the GPU path and the tests' reference.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from qrnn.quantum.entanglers import Entangler
from qrnn.quantum.gates import compose_rotations, rotation_matrices
from qrnn.quantum.native import bound_step, kernels
from qrnn.quantum.native.functions import (
    EntanglerTables,
    angle_signature,
    apply_inverse_step,
    apply_step,
    needs_grad,
    split_angle_gradients,
)
from qrnn.quantum.statevector import apply_single_qubit_layer

# Gate matrices are built in double precision whatever the state's precision: they are
# (batch, n, 2, 2) tensors, so this costs nothing measurable and removes the rounding of
# cos/sin and of the gate products from complex64 runs.
GATE_DTYPE = torch.complex128


@dataclass(frozen=True)
class StepCircuit:
    """Shape of one step's circuit.

    ``has_encoding``: an RY layer whose angles (batch, n) come first.
    ``n_layers``: variational blocks, each with angles (n, len(rotations)) per batch element;
    0 means no variational block at all (and therefore no entangler).
    """

    n_qubits: int
    n_layers: int
    rotations: tuple[str, ...]
    entangler: str
    has_encoding: bool

    @property
    def has_angles(self) -> bool:
        """Whether a step has any gate to run (an encoding layer or a variational block): a
        circuit without either is the identity, which the C kernels do not serve."""
        return self.has_encoding or self.n_layers > 0

    @property
    def n_variational_angles(self) -> int:
        return self.n_layers * self.n_qubits * len(self.rotations)

    def check_angles(self, encoding: torch.Tensor | None, variational: torch.Tensor | None) -> None:
        if self.has_encoding != (encoding is not None):
            raise ValueError("encoding angles must be given exactly when the circuit has an encoding layer")
        if (self.n_layers > 0) != (variational is not None):
            raise ValueError("variational angles must be given exactly when the circuit has variational blocks")
        if variational is not None and tuple(variational.shape[-3:]) != (self.n_layers, self.n_qubits, len(self.rotations)):
            raise ValueError(
                f"variational angles have shape {tuple(variational.shape)}, expected (..., "
                f"{self.n_layers}, {self.n_qubits}, {len(self.rotations)})"
            )


class EngineStep:
    """Applies a StepCircuit with the fused state-vector engine."""

    def __init__(self, circuit: StepCircuit):
        self.circuit = circuit
        self.entangler = Entangler(circuit.entangler, circuit.n_qubits)
        # The C kernels' rotations per gate: the encoding RY first (in layer 0; RY(0) = I after).
        if circuit.n_layers == 0:
            self.kernel_rotations = ("ry",)
        else:
            self.kernel_rotations = ("ry", *circuit.rotations) if circuit.has_encoding else tuple(circuit.rotations)

    def _layer_gates(self, batch: int, encoding: torch.Tensor | None, variational: torch.Tensor | None) -> list[torch.Tensor]:
        """The (batch, n, 2, 2) rotation layer of each block, the encoding fused into the first.

        With no variational block the list holds the encoding layer alone (and no entangler
        follows it).
        """
        self.circuit.check_angles(encoding, variational)
        if self.circuit.n_layers == 0:
            return [] if encoding is None else [rotation_matrices("ry", encoding, GATE_DTYPE)]
        layers = []
        for layer in range(self.circuit.n_layers):
            kinds, angles = self.circuit.rotations, variational[:, layer]
            if layer == 0 and encoding is not None:
                # The encoding RY is the first rotation of the first block: one set of
                # gate-building operations instead of two and a product (they cost
                # per-op overhead, not arithmetic).
                kinds = ("ry", *kinds)
                angles = torch.cat([encoding[..., None], angles.expand(batch, -1, -1)], dim=-1)
            layers.append(compose_rotations(kinds, angles, GATE_DTYPE).expand(batch, -1, -1, -1))
        return layers

    def __call__(self, state: torch.Tensor, encoding: torch.Tensor | None, variational: torch.Tensor | None) -> torch.Tensor:
        """state (batch, 2**n); encoding (batch, n) or None; variational (batch or 1, L, n, R) or None."""
        self.circuit.check_angles(encoding, variational)
        if encoding is None and variational is None:
            return state
        if kernels.usable(state):
            return apply_step(state, encoding, variational, self.kernel_rotations, self._kernel_tables(state))
        for gates in self._layer_gates(state.shape[0], encoding, variational):
            state = apply_single_qubit_layer(state, gates)
            if self.circuit.n_layers > 0:
                state = self.entangler(state)
        return state

    def inverse(self, state: torch.Tensor, encoding: torch.Tensor | None, variational: torch.Tensor | None,
                keep_phases: bool = False, gradients: tuple | None = None):
        """U(angles)^dagger state: undo the step (entangler first, then the rotation layers
        conjugate-transposed, last block first). With ``keep_phases`` (C kernels only, see
        ``kernels_backward``): (U^dagger state, the angles' phases that ``backward_from_output`` takes).
        With ``gradients`` = (dL/d state, dL/d its expectations (batch, 3, n) float64), either
        None (C kernels only): (U^dagger state, dL/d U^dagger state, dL/d angles as
        ``kernel_backward`` gives them), the step's backward from the same call."""
        self.circuit.check_angles(encoding, variational)
        if gradients is not None:
            grad_state, grad_angles, previous = self.kernel_backward(state, *gradients, angles=(encoding, variational))
            return previous, grad_state, grad_angles
        if keep_phases:
            return kernels.step(state, encoding, variational, self.kernel_rotations, self._kernel_tables(state).inverse_index,
                                self._kernel_tables(state).sign, inverse=True, keep_phases=True)
        if encoding is None and variational is None:
            return state
        if kernels.usable(state) and not needs_grad(state, encoding, variational):
            return apply_inverse_step(state, encoding, variational, self.kernel_rotations, self._kernel_tables(state))
        for gates in reversed(self._layer_gates(state.shape[0], encoding, variational)):
            if self.circuit.n_layers > 0:
                state = self.entangler.inverse(state)
            state = apply_single_qubit_layer(state, gates.mH)
        return state

    def kernels_backward(self, state: torch.Tensor, encoding: torch.Tensor | None, variational: torch.Tensor | None) -> bool:
        """Whether ``inverse(..., keep_phases=True)``, ``phases`` and ``backward_from_output``
        serve this step: the C kernels compute it and it has angles."""
        return kernels.usable(state) and (encoding is not None or variational is not None)

    def phases(self, state: torch.Tensor, encoding: torch.Tensor | None, variational: torch.Tensor | None, readouts: bool = False):
        """(U state, the angles' phases) of the C kernels' forward step; with ``readouts`` also
        U state's Pauli expectations (batch, 3, n) float64 from the same call."""
        tables = self._kernel_tables(state)
        return kernels.step(state, encoding, variational, self.kernel_rotations, tables.index, tables.sign, inverse=False,
                            keep_phases=True, readouts=readouts)

    def with_readouts(self, state: torch.Tensor, encoding: torch.Tensor | None, variational: torch.Tensor | None):
        """(U state, its Pauli expectations (batch, 3, n) float64) from one C kernel call and
        no phases kept: the no-grad step (evaluation), where ``__call__`` and a readout would
        be two calls and two passes over the states. C kernels and angles only (``kernels_backward``)."""
        tables = self._kernel_tables(state)
        out, _, values = kernels.step(state, encoding, variational, self.kernel_rotations, tables.index, tables.sign, inverse=False,
                                      readouts=True)
        return out, values

    def backward_from_output(self, out: torch.Tensor, grad_out: torch.Tensor | None, phases: torch.Tensor, encoding, variational,
                             wanted: tuple[bool, bool, bool], grad_readouts: torch.Tensor | None = None):
        """(dL/d state in, dL/d encoding, dL/d variational) of the step whose output is ``out``,
        each None unless ``wanted``, straight from the C kernels (no autograd graph). With
        ``grad_readouts`` (batch, 3, n), dL/d ``out``'s Pauli expectations, their backward is
        added to ``grad_out`` (None: no other gradient) in the same call."""
        grad_state, grad_angles = self.kernel_backward(out, grad_out, grad_readouts, phases)
        grad_encoding, grad_variational = split_angle_gradients(grad_angles, *angle_signature(encoding, variational), *wanted[:2])
        return (grad_state if wanted[2] else None), grad_encoding, grad_variational

    def kernel_backward(self, out: torch.Tensor, grad_out: torch.Tensor | None, grad_readouts: torch.Tensor | None = None,
                        phases: torch.Tensor | None = None, angles: tuple | None = None):
        """``backward_from_output``'s kernel call: (dL/d state in, dL/d angles (batch, L, n,
        len(kernel_rotations)) float64, the encoding's in rotation 0 of layer 0), from the
        kept ``phases``, or from ``angles`` = (encoding, variational): then the step's input
        U^dagger out comes third (``inverse`` with gradients)."""
        tables = self._kernel_tables(out)
        return kernels.step_backward(out, grad_out, phases, self.kernel_rotations, tables.inverse_index, tables.sign, grad_readouts,
                                     angles)

    def bind(self, state: torch.Tensor, source: torch.Tensor | None, encoding: torch.Tensor | None,
             variational: torch.Tensor | None) -> bound_step.BoundStep | None:
        """This step's kernel calls for a sequence of steps like this one, with their checks and
        constant arguments worked out once (bound_step.BoundStep): the angles are views of each
        call's ``source`` (the controller's output) as ``encoding`` and ``variational`` are of
        this one, or with ``source`` None tensors of their layouts given to each call. None
        where the C kernels do not serve the step (``kernels_backward``) or would need the
        angles copied."""
        if not self.kernels_backward(state, encoding, variational):
            return None
        tables = self._kernel_tables(state)
        return bound_step.bind(state, source, encoding, variational, self.kernel_rotations, tables.index, tables.inverse_index, tables.sign)

    def _kernel_tables(self, state: torch.Tensor) -> EntanglerTables:
        """The entangler after every layer, or none when the step is the encoding layer alone."""
        if self.circuit.n_layers == 0:
            return EntanglerTables()
        return self.entangler.kernel_tables(state.device, kernels.REAL[state.dtype])
