"""Trajectory noise and readout estimators against Qiskit Aer's density matrices and exact statistics."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from qiskit import QuantumCircuit
from qiskit.quantum_info import DensityMatrix
from qiskit_aer import AerSimulator
from qiskit_aer.noise import amplitude_damping_error, depolarizing_error, phase_damping_error
from scipy.stats import chi2

from qrnn.noise.noisy_core import NoiseCondition, sample_shots
from qrnn.noise.trajectories import NoisyStep, measure_qubit
from qrnn.quantum.circuit import EngineStep, StepCircuit
from qrnn.quantum.qiskit_export import append_step, pauli_observables
from qrnn.quantum.readout import pauli_expectations
from qrnn.quantum.statevector import zero_state

AER_ERRORS = {"depolarizing": lambda p: depolarizing_error(p, 1), "amplitude_damping": amplitude_damping_error, "phase_damping": phase_damping_error}


def _random_angles(circuit: StepCircuit, steps: int, seed: int):
    generator = torch.Generator().manual_seed(seed)
    angles = []
    for _ in range(steps):
        encoding = torch.rand(1, circuit.n_qubits, generator=generator, dtype=torch.float64) * 2 * math.pi
        variational = torch.rand(1, circuit.n_layers, circuit.n_qubits, len(circuit.rotations), generator=generator, dtype=torch.float64) * 2 * math.pi
        angles.append((encoding, variational))
    return angles


def _aer_readouts(circuit: StepCircuit, angles, channel: str, strength: float) -> np.ndarray:
    """Tr(rho_t P) after every step from Aer's density-matrix method, noise after every layer."""
    error = AER_ERRORS[channel](strength)
    qc = QuantumCircuit(circuit.n_qubits)

    def noise(qc, qubits):
        for q in qubits:
            qc.append(error, [q])

    for t, (encoding, variational) in enumerate(angles):
        append_step(qc, circuit, encoding[0].tolist(), variational[0].tolist(), after_layer=noise)
        qc.save_density_matrix(label=f"rho{t}")
    data = AerSimulator(method="density_matrix").run(qc).result().data()
    observables = pauli_observables(circuit.n_qubits, ("x", "y", "z"))
    return np.array([[DensityMatrix(data[f"rho{t}"]).expectation_value(o).real for o in observables] for t in range(len(angles))])


@pytest.mark.parametrize("channel", ["depolarizing", "amplitude_damping", "phase_damping"])
def test_trajectories_agree_with_aer_density_matrix_within_three_standard_errors(channel):
    circuit = StepCircuit(3, 2, ("rx", "ry", "rz"), "cnot_ring", has_encoding=True)
    angles = _random_angles(circuit, steps=2, seed=1)
    strength = 0.15
    expected = _aer_readouts(circuit, angles, channel, strength)
    trajectories = 3000
    step = NoisyStep(circuit, channel, strength)
    generator = torch.Generator().manual_seed(7)
    state = zero_state(trajectories, 3, torch.complex128)
    scores = []
    for t, (encoding, variational) in enumerate(angles):
        state = step(state, encoding.expand(trajectories, -1), variational, generator)
        values = pauli_expectations(state, ("x", "y", "z")).numpy()
        mean, error = values.mean(0), values.std(0, ddof=1) / math.sqrt(trajectories)
        assert np.all(np.abs(mean - expected[t]) <= 3 * error + 1e-9), (t, mean - expected[t], error)
        scores.append((mean - expected[t]) / error)
    # and jointly: the squared z-scores of all 2 x 9 readouts are chi-square distributed (18 dof)
    assert np.square(scores).sum() < chi2.ppf(0.999, df=np.size(scores))
    # the noise did something: the noisy readouts are not the ideal ones
    ideal = zero_state(1, 3, torch.complex128)
    for encoding, variational in angles:
        ideal = EngineStep(circuit)(ideal, encoding, variational)
    assert np.abs(pauli_expectations(ideal).numpy()[0] - expected[-1]).max() > 0.05


def test_noiseless_layered_step_equals_the_engine_step():
    circuit = StepCircuit(4, 2, ("rz", "rx"), "cz_ring", has_encoding=True)
    (encoding, variational), = _random_angles(circuit, 1, seed=3)
    state = zero_state(1, 4, torch.complex128)
    noisy = NoisyStep(circuit)(state, encoding, variational, torch.Generator())
    assert torch.allclose(noisy, EngineStep(circuit)(state, encoding, variational), atol=1e-12)


def test_shot_estimator_is_unbiased_with_binomial_variance():
    expectations = torch.tensor([[-0.9, -0.3, 0.0, 0.4, 0.95]], dtype=torch.float64).expand(20000, -1)
    shots = 50
    estimates = sample_shots(expectations, shots, torch.Generator().manual_seed(0))
    mean, variance = estimates.mean(0), estimates.var(0)
    exact = expectations[0]
    expected_variance = (1 - exact**2) / shots
    assert torch.all((mean - exact).abs() <= 3 * (expected_variance / len(estimates)).sqrt() + 1e-12)
    # sample variance of n = 20000 draws: relative standard error about sqrt(2 / n) = 1%
    assert torch.allclose(variance, expected_variance, rtol=0.05)
    assert set(torch.unique(estimates * shots).round().tolist()) <= set(range(-shots, shots + 1, 2))


@pytest.mark.parametrize("strength", [math.pi / 2, 0.4])
def test_ancilla_readout_is_unbiased_and_projective_readout_collapses(strength):
    circuit = StepCircuit(2, 1, ("rx", "ry"), "cnot_chain", has_encoding=True)
    (encoding, variational), = _random_angles(circuit, 1, seed=5)
    rows = 20000
    state = EngineStep(circuit)(zero_state(rows, 2, torch.complex128), encoding.expand(rows, -1), variational)
    exact = pauli_expectations(state[:1], ("x",))[0, 1].item()
    after, outcome = measure_qubit(state, 1, "x", strength, torch.Generator().manual_seed(2))
    estimate = outcome / math.sin(strength)
    assert abs(estimate.mean().item() - exact) <= 3 * estimate.std().item() / math.sqrt(rows)
    post = pauli_expectations(after, ("x",))[:, 1]
    if strength == math.pi / 2:  # collapse: the post-measurement state is the eigenstate of the outcome
        assert torch.allclose(post, outcome, atol=1e-9)
    else:  # weak: the state is only nudged towards the outcome, and the average keeps <X>
        assert (post - outcome).abs().max() > 0.1
    assert abs(post.mean().item() - exact) <= 3 * post.std().item() / math.sqrt(rows)


def test_condition_rejects_shots_with_collapsing_measurement():
    with pytest.raises(ValueError, match="registers"):
        NoiseCondition(shots=100, measurement="projective", trajectories=6)


def test_readout_error_agrees_with_aer_assignment_error():
    from qiskit_aer.noise import NoiseModel, ReadoutError

    from qrnn.noise.noisy_core import readout_estimate

    error, shots, angle = 0.08, 20000, 1.1
    model = NoiseModel()
    model.add_all_qubit_readout_error(ReadoutError([[1 - error, error], [error, 1 - error]]))
    qc = QuantumCircuit(1, 1)
    qc.ry(angle, 0)
    qc.measure(0, 0)
    counts = AerSimulator(noise_model=model, seed_simulator=1).run(qc, shots=shots).result().get_counts()
    aer = (counts.get("0", 0) - counts.get("1", 0)) / shots
    exact = torch.tensor([[math.cos(angle)]], dtype=torch.float64)
    ours = readout_estimate(exact, shots, error, torch.Generator().manual_seed(0)).item()
    standard_error = math.sqrt((1 - aer**2) / shots)
    assert abs(aer - (1 - 2 * error) * math.cos(angle)) <= 3 * standard_error
    assert abs(ours - aer) <= 3 * math.sqrt(2) * standard_error
    assert readout_estimate(exact, 0, error, torch.Generator()).item() == pytest.approx((1 - 2 * error) * math.cos(angle))
