"""A trained quantum RNN core run under noise: the model's own controller reads noisy readouts.

``NoisyQuantumRNN`` wraps a trained ``QuantumRNN`` (same controller, same angles, same
readout order) and replaces the exact, non-collapsing readouts of the paper by what a
device would deliver. Every test sequence runs on ``trajectories`` state-vector copies
that share the sequence's controller, i.e. one angle stream per sequence as on hardware:

- ``measurement: none`` (the paper's non-collapsing limit): the readout is Tr(rho P),
  estimated as the mean over the trajectories (exact when there is no gate noise); with
  ``shots`` > 0 it is then replaced by the mean of ``shots`` sampled +-1 outcomes,
  binomial with p = (1 + <P>)/2. This is what re-preparation (rerun the circuit up to step
  t, measure) gives on hardware.
- ``measurement: projective`` / ``weak``: the trajectories are the registers that are
  measured; register j of a sequence measures every qubit in the basis
  readouts[j mod len(readouts)] after each step, with the ancilla-coupled readout of
  qrnn/noise/trajectories.py (strength pi/2 = projective) and collapses. The readout of
  (P, k) is the mean of m / sin(strength) over the registers that measured P: an unbiased
  estimate from trajectories / len(readouts) shots, fed back with the back-action kept.
- ``channel`` / ``strength``: gate noise after every layer (NoisyStep).
- ``readout_error``: each +-1 outcome is flipped with this probability (symmetric
  assignment error); without shots the expectation shrinks by (1 - 2 readout_error).

On the C kernels a step with no channel is one kernel call, which with ``measurement:
none`` also reads the readouts (as the clean evaluation runs); with a channel each unitary
part between channels is one call (NoisyStep). The random draws are the same, in the same
order, on every path (tests/evaluate/test_noisy_core_kernels.py).
"""

from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass

import torch
from torch import nn

from qrnn.models.qrnn import QuantumRNN
from qrnn.noise.trajectories import CHANNELS, NoisyStep, measure_with, measurement_operators
from qrnn.quantum.readout import pauli_expectations, selected_expectations
from qrnn.quantum.statevector import zero_state

MEASUREMENTS = ("none", "projective", "weak")


@dataclass(frozen=True)
class NoiseCondition:
    """One point of a noise sweep; the defaults are the paper's ideal limit."""

    shots: int = 0  # 0: exact expectations
    measurement: str = "none"
    measurement_strength: float = math.pi / 2
    channel: str = "none"
    strength: float = 0.0
    readout_error: float = 0.0
    trajectories: int = 1

    def __post_init__(self):
        if self.measurement not in MEASUREMENTS:
            raise ValueError(f"unknown measurement {self.measurement!r} (known: {', '.join(MEASUREMENTS)})")
        if self.channel not in CHANNELS:
            raise ValueError(f"unknown channel {self.channel!r} (known: {', '.join(CHANNELS)})")
        if self.shots < 0 or self.trajectories < 1:
            raise ValueError(f"shots must be >= 0 and trajectories >= 1, got {self.shots} and {self.trajectories}")
        if not 0.0 <= self.readout_error <= 0.5:
            raise ValueError(f"readout_error must lie in [0, 0.5], got {self.readout_error}")
        if self.measurement != "none" and self.shots:
            raise ValueError("with a collapsing measurement the registers (trajectories) are the shots; set shots: 0")

    @property
    def strength_of_measurement(self) -> float:
        return math.pi / 2 if self.measurement == "projective" else self.measurement_strength

    def as_row(self) -> dict:
        return asdict(self)


# torch.binomial draws no random number at p = 0 or 1 and at least one otherwise, and the
# rounding of a step puts an eigenstate's p at exactly 1 on one engine path and at 1 - 1e-16
# on another: every later draw of the stream would shift. A p this close to 0 or 1 is taken
# as exactly 0 or 1 (a bias below 1e-12 per outcome), so that the C kernels and the PyTorch
# path draw the same numbers.
SNAPPED_PROBABILITY = 1e-12


def sample_shots(expectations: torch.Tensor, shots: int, generator: torch.Generator) -> torch.Tensor:
    """Mean of ``shots`` sampled +-1 outcomes per entry, each +1 with probability (1 + <P>)/2
    (within SNAPPED_PROBABILITY of 0 or 1: exactly that)."""
    probability = ((1 + expectations.double()) / 2).clamp(0, 1)
    probability = torch.where(probability < SNAPPED_PROBABILITY, 0.0, torch.where(probability > 1 - SNAPPED_PROBABILITY, 1.0, probability))
    ones = torch.binomial(torch.full_like(probability, float(shots)), probability, generator=generator)
    return (2 * ones / shots - 1).to(expectations.dtype)


def readout_estimate(expectations: torch.Tensor, shots: int, readout_error: float, generator: torch.Generator) -> torch.Tensor:
    """What a non-collapsing readout reports: each +-1 outcome flipped with probability
    ``readout_error`` turns <P> into (1 - 2 readout_error) <P>; with ``shots`` > 0 that is
    then estimated from sampled outcomes, otherwise returned exactly."""
    expectations = expectations * (1 - 2 * readout_error)
    return sample_shots(expectations, shots, generator) if shots else expectations


class NoisyQuantumRNN(nn.Module):
    """``core`` (a trained QuantumRNN) under ``condition``; forward as QuantumRNN.forward.

    ``record_angles``: keep each step's (encoding, variational) angles in ``self.angles``
    (for the Qiskit export of what the model ran).
    """

    def __init__(self, core: QuantumRNN, condition: NoiseCondition, generator: torch.Generator, record_angles: bool = False):
        super().__init__()
        self.core = core
        self.condition = condition
        self.generator = generator
        self.output_size = core.output_size
        self.noisy_step = NoisyStep(core.circuit, condition.channel, condition.strength)
        self.paulis = core.paulis
        self.record_angles = record_angles
        self.angles: list[tuple] = []
        if condition.measurement != "none" and condition.trajectories < len(self.paulis):
            raise ValueError(f"a measured readout needs at least one register per Pauli: trajectories >= {len(self.paulis)}")

    def _measured_readouts(self, state: torch.Tensor, batch: int) -> tuple[torch.Tensor, torch.Tensor]:
        n, registers = self.core.n_qubits, self.condition.trajectories
        strength = self.condition.strength_of_measurement
        basis = torch.arange(registers).repeat(batch) % len(self.paulis)  # register j measures paulis[j mod R]
        pairs = [measurement_operators(p, strength, torch.complex128) for p in self.paulis]
        plus, minus = torch.stack([p for p, _ in pairs])[basis], torch.stack([m for _, m in pairs])[basis]
        outcomes = []
        for k in range(n):
            state, outcome = measure_with(state, k, plus, minus, self.generator)
            outcomes.append(outcome)
        outcomes = self._flip(torch.stack(outcomes, dim=1)).reshape(batch, registers, n)
        estimates = []
        for index in range(len(self.paulis)):
            chosen = (basis[:registers] == index).double().reshape(1, registers, 1)
            estimates.append((outcomes * chosen).sum(1) / chosen.sum(1) / math.sin(strength))
        return state, torch.cat(estimates, dim=1)

    def _flip(self, outcomes: torch.Tensor) -> torch.Tensor:
        if self.condition.readout_error == 0:
            return outcomes
        flips = torch.rand(outcomes.shape, generator=self.generator, dtype=torch.float64) < self.condition.readout_error
        return torch.where(flips, -outcomes, outcomes)

    def _measure(self, state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The core's ``measure``: what a device reports, and the state the readout leaves."""
        if self.condition.measurement != "none":
            return self._measured_readouts(state, state.shape[0] // self.condition.trajectories)
        return self._estimate((state, pauli_expectations(state, self.paulis)))

    def _estimate(self, advanced: tuple[torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """The non-collapsing readout from every trajectory's expectations of ``self.paulis``
        (batch * trajectories, n_readouts): their mean per sequence, through ``readout_estimate``."""
        state, expectations = advanced
        batch = state.shape[0] // self.condition.trajectories
        expectations = expectations.double().reshape(batch, self.condition.trajectories, -1).mean(dim=1)
        return state, readout_estimate(expectations, self.condition.shots, self.condition.readout_error, self.generator)

    def _trajectory_angles(self, state: torch.Tensor, encoding: torch.Tensor | None, variational: torch.Tensor | None):
        """The step's angles for every trajectory of each sequence (recorded first, with ``record_angles``)."""
        if self.record_angles:
            self.angles.append(tuple(None if a is None else a.detach() for a in (encoding, variational)))
        copies = self.condition.trajectories
        batch = state.shape[0] // copies
        return _repeat(encoding, copies, batch), _repeat(variational, copies, batch)

    def _advance(self, state: torch.Tensor, encoding: torch.Tensor | None, variational: torch.Tensor | None) -> torch.Tensor:
        """The step on every trajectory of each sequence, with gate noise (the core's ``advance``)."""
        return self.noisy_step(state, *self._trajectory_angles(state, encoding, variational), self.generator)

    def _advance_with_readouts(self, state: torch.Tensor, encoding: torch.Tensor | None, variational: torch.Tensor | None):
        """``_advance`` where the step is the noiseless one on the C kernels: (every trajectory's
        new state, its expectations of ``self.paulis``) from one kernel call; ``_estimate`` is its measure."""
        state, values = self.noisy_step.with_readouts(state, *self._trajectory_angles(state, encoding, variational))
        return state, selected_expectations(values, self.paulis, None, state.dtype)

    def forward(self, inputs: torch.Tensor, initial_state=None) -> torch.Tensor:
        """Readouts (batch, T, R*n) as QuantumRNN.forward; the final carried state is kept in
        ``self.final_state`` for forward_with_state (the forward hooks see the readouts only)."""
        if initial_state is None:
            batch = inputs.shape[0]
            state = zero_state(batch * self.condition.trajectories, self.core.n_qubits, torch.complex128, inputs.device)
            initial_state = (state, self.core.initial_readouts(batch, inputs.device).to(inputs.dtype))
        self.angles = []
        # A non-collapsing readout of a step without gate noise reads the step's own kernel
        # call (no random draw moves: the step draws none, the readout draws its shots after);
        # that call has no backward, so not where a gradient is wanted.
        state = initial_state[0]
        fused = self.condition.measurement == "none" and self.noisy_step.fuses(state) and not self.core.differentiable(inputs, state)
        advance, measure = (self._advance_with_readouts, self._estimate) if fused else (self._advance, self._measure)
        outputs, self.final_state = self.core.unroll(inputs, initial_state, advance=advance, measure=measure)
        return outputs

    def forward_with_state(self, inputs: torch.Tensor, initial_state=None):
        """The interface SequenceModel calls. The carried state is (every trajectory's state
        vector (batch * trajectories, 2**n), the noisy readouts of the last step): a continued
        stream (language model windows) keeps its trajectories and their back-action."""
        outputs = self(inputs, initial_state)  # through __call__, so forward hooks (readout recorders) fire
        return outputs, self.final_state


def _repeat(angles: torch.Tensor | None, copies: int, batch: int) -> torch.Tensor | None:
    """Per-sequence angles repeated for the sequence's trajectories; static/frozen angles
    (one row for every sequence) broadcast, unless the batch is one sequence."""
    if angles is None or copies == 1 or angles.shape[0] != batch:
        return angles
    return angles.repeat_interleave(copies, dim=0)


def noisy_model(model: nn.Module, condition: NoiseCondition, generator: torch.Generator, record_angles: bool = False) -> nn.Module:
    """A copy of ``model`` whose every QuantumRNN core runs under ``condition``; heads,
    embeddings and controllers are the trained ones. Works for any model holding its
    quantum cores as sub-modules (one, or an encoder and a decoder)."""
    noisy = copy.deepcopy(model)
    targets = [(name, module) for name, module in noisy.named_modules() if isinstance(module, QuantumRNN)]
    if not targets:
        raise ValueError("the model has no quantum RNN core to run under noise")
    for name, module in targets:
        wrapper = NoisyQuantumRNN(module, condition, generator, record_angles)
        if not name:
            return wrapper
        parent_name, _, attribute = name.rpartition(".")
        setattr(noisy.get_submodule(parent_name) if parent_name else noisy, attribute, wrapper)
    return noisy
