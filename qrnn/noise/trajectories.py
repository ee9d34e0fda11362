"""Monte-Carlo quantum trajectories on the state-vector engine: gate noise and mid-circuit measurement.

A channel E(rho) = sum_i K_i rho K_i^dagger is unravelled into pure-state trajectories: at
each application one Kraus operator K_i is drawn with probability ||K_i psi||^2 and the
state becomes K_i psi / ||K_i psi||. The mean of a trajectory observable over many
trajectories is Tr(rho P) of the density-matrix simulation (checked against Qiskit Aer in
tests/evaluate/test_noise_trajectories.py).

Granularity of gate noise (``NoisyStep``): the channel acts on every qubit after each
layer of the step circuit, i.e. after the RY encoding layer and after each variational
block (rotations followed by its entangler). The Qiskit export puts the same layers
between barriers (qrnn/quantum/qiskit_export.py).

Channels follow Qiskit Aer's definitions (qiskit_aer.noise): ``depolarizing`` with
parameter p is rho -> (1 - p) rho + p I/2 (a Pauli X, Y or Z each with probability p/4),
``amplitude_damping`` with gamma, ``phase_damping`` with lambda.

Measurement (``measure_qubit``): the ancilla-coupled readout of a Pauli P with strength
theta in (0, pi/2]. An ancilla in |0> is rotated by RY(pi/2 + theta) if P = +1 and
RY(pi/2 - theta) if P = -1 (a controlled rotation), then measured: outcome m = +1 (ancilla
|1>) has E[m] = sin(theta) <P>, so m / sin(theta) estimates <P> without bias. Kraus
operators on the measured qubit: M_+ = sin(pi/4 + theta/2) Pi_+ + sin(pi/4 - theta/2) Pi_-,
M_- = cos(pi/4 + theta/2) Pi_+ + cos(pi/4 - theta/2) Pi_-, with Pi_+- the eigenprojectors
of P. theta = pi/2 is the projective measurement (full collapse); theta -> 0 is the
paper's non-collapsing limit (no back-action, but also no information per shot).
"""

from __future__ import annotations

import math
from dataclasses import replace

import torch

from qrnn.quantum.circuit import EngineStep
from qrnn.quantum.native import kernels

CHANNELS = ("none", "depolarizing", "amplitude_damping", "phase_damping")

PAULI_MATRICES = {
    "x": ((0, 1), (1, 0)),
    "y": ((0, -1j), (1j, 0)),
    "z": ((1, 0), (0, -1)),
}


def pauli_matrix(pauli: str, dtype: torch.dtype, device=None) -> torch.Tensor:
    return torch.tensor(PAULI_MATRICES[pauli], dtype=dtype, device=device)


def kraus_operators(channel: str, strength: float) -> list[torch.Tensor]:
    """Kraus operators (2x2, complex128) of a single-qubit channel, as in qiskit_aer.noise."""
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"noise strength must lie in [0, 1], got {strength}")
    if channel == "depolarizing":
        identity = torch.eye(2, dtype=torch.complex128) * math.sqrt(1 - 3 * strength / 4)
        return [identity] + [pauli_matrix(p, torch.complex128) * math.sqrt(strength / 4) for p in "xyz"]
    if channel == "amplitude_damping":
        return [
            torch.tensor([[1, 0], [0, math.sqrt(1 - strength)]], dtype=torch.complex128),
            torch.tensor([[0, math.sqrt(strength)], [0, 0]], dtype=torch.complex128),
        ]
    if channel == "phase_damping":
        return [
            torch.tensor([[1, 0], [0, math.sqrt(1 - strength)]], dtype=torch.complex128),
            torch.tensor([[0, 0], [0, math.sqrt(strength)]], dtype=torch.complex128),
        ]
    raise ValueError(f"unknown channel {channel!r} (known: {', '.join(CHANNELS)})")


def _halves(state: torch.Tensor, qubit: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The amplitudes with bit ``qubit`` = 0 and = 1, each (batch, 2**qubit, 2**(n-1-qubit))."""
    batch, dimension = state.shape
    n_qubits = dimension.bit_length() - 1
    view = state.reshape(batch, 2**qubit, 2, 2 ** (n_qubits - 1 - qubit))
    return view[:, :, 0], view[:, :, 1]


def apply_on_qubit(state: torch.Tensor, qubit: int, matrix: torch.Tensor) -> torch.Tensor:
    """Apply ``matrix`` (2, 2) or (batch, 2, 2) to one qubit of ``state`` (batch, 2**n); qubit 0 is the most significant bit."""
    zero, one = _halves(state, qubit)
    m = matrix.to(state.dtype).reshape(-1, 2, 2)[:, :, :, None, None]
    new = torch.stack([m[:, 0, 0] * zero + m[:, 0, 1] * one, m[:, 1, 0] * zero + m[:, 1, 1] * one], dim=2)
    return new.reshape(state.shape)


def reduced_density_matrix(state: torch.Tensor, qubit: int) -> torch.Tensor:
    """The (batch, 2, 2) density matrix of one qubit of each (normalised) row, in complex128."""
    zero, one = _halves(state, qubit)
    off = (zero * one.conj()).sum(dim=(1, 2), dtype=torch.complex128)
    p0 = (zero.real.square() + zero.imag.square()).sum(dim=(1, 2), dtype=torch.float64)
    p1 = (one.real.square() + one.imag.square()).sum(dim=(1, 2), dtype=torch.float64)
    return torch.stack([torch.complex(p0, torch.zeros_like(p0)), off, off.conj(), torch.complex(p1, torch.zeros_like(p1))], dim=1).reshape(-1, 2, 2)


def _probabilities(operators: torch.Tensor, rho: torch.Tensor) -> torch.Tensor:
    """||K psi||^2 = Tr(K^dagger K rho) for operators (K, 2, 2) or (K, batch, 2, 2): (batch, K)."""
    effects = operators.mH @ operators
    if effects.dim() == 3:
        effects = effects[:, None]
    return (effects * rho.transpose(-2, -1)[None]).sum(dim=(-2, -1)).real.T


def _normalised(state: torch.Tensor) -> torch.Tensor:
    norms = (state.real.square() + state.imag.square()).sum(dim=1).sqrt()
    return state / norms.unsqueeze(1).to(state.dtype)


def apply_channel_trajectory(state: torch.Tensor, qubit: int, kraus: list[torch.Tensor], generator: torch.Generator) -> torch.Tensor:
    """One stochastic application of a channel to ``qubit`` of every trajectory (batch row):
    Kraus operator i is drawn with probability ||K_i psi||^2 (from the qubit's reduced
    density matrix), applied, and the state renormalised."""
    operators = torch.stack(kraus)
    probabilities = _probabilities(operators, reduced_density_matrix(state, qubit))
    choice = torch.multinomial(probabilities.clamp_min(0), 1, generator=generator).squeeze(1)
    return _normalised(apply_on_qubit(state, qubit, operators[choice]))


def measurement_operators(pauli: str, strength: float, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """Kraus operators (M_plus, M_minus) of the ancilla-coupled readout of ``pauli`` (module docstring)."""
    if not 0.0 < strength <= math.pi / 2 + 1e-12:
        raise ValueError(f"measurement strength must lie in (0, pi/2], got {strength}")
    eye = torch.eye(2, dtype=torch.complex128)
    matrix = pauli_matrix(pauli, torch.complex128)
    plus, minus = (eye + matrix) / 2, (eye - matrix) / 2
    a, b = math.pi / 4 + strength / 2, math.pi / 4 - strength / 2
    return (math.sin(a) * plus + math.sin(b) * minus).to(dtype), (math.cos(a) * plus + math.cos(b) * minus).to(dtype)


def measure_with(state: torch.Tensor, qubit: int, plus: torch.Tensor, minus: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Two-outcome measurement with Kraus operators ``plus`` and ``minus`` ((2, 2) or one
    pair per row (batch, 2, 2)) on ``qubit``: (post-measurement state, outcome +-1 per row)."""
    probability_plus = _probabilities(plus[None], reduced_density_matrix(state, qubit))[:, 0].clamp(0, 1)
    outcome_plus = torch.rand(state.shape[0], generator=generator, dtype=torch.float64) < probability_plus
    plus = plus.expand(state.shape[0], 2, 2) if plus.dim() == 2 else plus
    minus = minus.expand(state.shape[0], 2, 2) if minus.dim() == 2 else minus
    chosen = torch.where(outcome_plus[:, None, None], plus, minus)
    return _normalised(apply_on_qubit(state, qubit, chosen)), outcome_plus.double() * 2 - 1


def measure_qubit(
    state: torch.Tensor, qubit: int, pauli: str, strength: float, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Ancilla-coupled readout of ``pauli`` on ``qubit`` for every row: (post-measurement state, outcome +-1)."""
    plus, minus = measurement_operators(pauli, strength, torch.complex128)
    return measure_with(state, qubit, plus, minus, generator)


class NoisyStep:
    """One recurrent step, layer by layer, with a noise channel on every qubit after each layer.

    Without noise it equals qrnn.quantum.circuit.EngineStep on the same StepCircuit. The
    unitary parts between channels (the encoding layer; each variational block with its
    entangler) run as EngineSteps of their own, so on the C kernels each is one call. A
    step with no channel is exactly the noiseless step: on the C kernels it runs as the
    whole EngineStep (one call, the encoding fused into the first block), and
    ``with_readouts`` also reads its Pauli expectations in that call. On the PyTorch path
    it stays layer by layer, as it always ran, so its numbers there do not change.
    No random number is drawn outside ``_noise``: the draws, and their order, are the same
    on every path.
    """

    def __init__(self, circuit, channel: str = "none", strength: float = 0.0):
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r} (known: {', '.join(CHANNELS)})")
        self.circuit = circuit
        self.kraus = kraus_operators(channel, strength) if channel != "none" and strength > 0 else None
        self.step = EngineStep(circuit)
        self.encoding_layer = EngineStep(replace(circuit, n_layers=0)) if circuit.has_encoding else None
        self.block = EngineStep(replace(circuit, n_layers=1, has_encoding=False)) if circuit.n_layers else None

    def fuses(self, state: torch.Tensor) -> bool:
        """Whether the step on ``state`` is one C kernel call: no channel acts inside it, the
        kernels compute the state, and the circuit has angles (``with_readouts`` serves it)."""
        return self.kraus is None and self.circuit.has_angles and kernels.usable(state)

    def _noise(self, state: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        if self.kraus is None:
            return state
        for qubit in range(self.circuit.n_qubits):
            state = apply_channel_trajectory(state, qubit, self.kraus, generator)
        return state

    def __call__(self, state, encoding, variational, generator: torch.Generator) -> torch.Tensor:
        self.circuit.check_angles(encoding, variational)
        if self.fuses(state):
            return self.step(state, encoding, variational)
        if encoding is not None:
            state = self._noise(self.encoding_layer(state, encoding, None), generator)
        for layer in range(self.circuit.n_layers):
            state = self._noise(self.block(state, None, variational[:, layer : layer + 1]), generator)
        return state

    def with_readouts(self, state, encoding, variational) -> tuple[torch.Tensor, torch.Tensor]:
        """(the noiseless step's state, its Pauli expectations (batch, 3, n) float64) from one
        C kernel call: only where ``fuses(state)``."""
        return self.step.with_readouts(state, encoding, variational)
