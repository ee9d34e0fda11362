"""The exported Qiskit circuit runs exactly what the engine runs, step by step, for a trained model."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from qiskit import QuantumCircuit
from qiskit.quantum_info import Statevector

from qrnn.config import validate
from qrnn.models.factory import build_model
from qrnn.noise.noisy_core import NoiseCondition, noisy_model
from qrnn.quantum.qiskit_export import append_step, flat_step_values, parametrised_steps, pauli_observables, sequence_circuit, step_angles
from qrnn.study.resolve import run_config
from qrnn.tasks.copying_task import CopyingTask

SWITCHES = [
    {"entangler": "cnot_ring"},
    {"entangler": "cnot_chain"},
    {"entangler": "cz_ring"},
    {"entangler": "none"},
    {"encoding": "none"},
    {"variational": "static"},
    {"variational": "frozen"},
    {"variational": "none"},
    {"readouts": ["z"]},
    {"readouts": ["y", "x"]},
    {"readout_feedback": False},
    {"n_layers": 2, "rotations": ["rz", "rx"]},
]


def _model(switches: dict, seed: int = 0):
    document = validate(
        {
            "tasks": {"copying": {"blank_length": 2, "copy_length": 2, "n_symbols": 3}},
            "models": {"qrnn": {"n_qubits": 3, "embedding_dim": 4, "controller": {"width": 8}, "dtype": "complex128", **switches}},
        }
    )
    run = run_config(document, "copying", "qrnn", seed)
    task = CopyingTask(run.task_settings)
    torch.manual_seed(seed)
    model = build_model("qrnn", run.model_settings, task.vocab_size, task.n_outputs, task.per_step).double()
    return _trained(model, task), task


def _trained(model, task, steps: int = 3):
    """A few Adam steps on copying batches: the export is checked on a trained model, whose
    angles the optimizer has moved away from their initialisation."""
    before = [p.detach().clone() for p in model.core.parameters()]
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    generator = torch.Generator().manual_seed(7)
    for _ in range(steps):
        inputs, targets = task.batch(4, generator)
        optimizer.zero_grad()
        task.loss(model(inputs), targets).backward()
        optimizer.step()
    assert all(not torch.equal(b, p) for b, p in zip(before, model.core.parameters()) if p.requires_grad)  # the core's angles moved
    return model.eval()


@pytest.mark.parametrize("switches", SWITCHES, ids=lambda s: "-".join(f"{k}={v}" for k, v in s.items()))
def test_exported_statevector_readouts_equal_the_engine_at_every_step(switches):
    model, task = _model(switches)
    inputs, _ = task.batch(2, torch.Generator().manual_seed(1))
    embedded = model.embedding(inputs)
    with torch.no_grad():
        engine = model.core(embedded)
        recorder = noisy_model(model, NoiseCondition(), torch.Generator(), record_angles=True)
        recorded = recorder.core(embedded)
    assert torch.allclose(recorded, engine, atol=1e-10)  # the noiseless wrapper is the model
    circuit = model.core.circuit
    observables = pauli_observables(circuit.n_qubits, model.core.config.readouts)
    for row in range(2):
        qc = QuantumCircuit(circuit.n_qubits)
        for t, (encoding, variational) in enumerate(recorder.core.angles):
            enc, var = step_angles(circuit, None if encoding is None else encoding[row], None if variational is None else variational[min(row, variational.shape[0] - 1)])
            append_step(qc, circuit, enc, var)
            state = Statevector(qc)
            readouts = np.array([state.expectation_value(o).real for o in observables])
            np.testing.assert_allclose(readouts, engine[row, t].numpy(), atol=1e-6)


def test_parametrised_circuit_bound_to_the_angles_is_the_numeric_circuit():
    model, task = _model({"n_layers": 2})
    inputs, _ = task.batch(1, torch.Generator().manual_seed(2))
    with torch.no_grad():
        recorder = noisy_model(model, NoiseCondition(), torch.Generator(), record_angles=True)
        recorder(inputs)
    circuit = model.core.circuit
    angles = recorder.core.angles
    numeric = sequence_circuit(circuit, [step_angles(circuit, e[0], v[0]) for e, v in angles])
    symbolic, vector = parametrised_steps(circuit, len(angles))
    values = np.concatenate([flat_step_values(circuit, e, v)[0] for e, v in angles])
    bound = sequence_circuit(circuit, symbolic).assign_parameters(dict(zip(vector, values)))
    assert Statevector(bound).equiv(Statevector(numeric))


def test_qubit_order_engine_qubit_zero_is_qiskit_qubit_n_minus_one():
    model, _ = _model({"variational": "none"})
    circuit = model.core.circuit
    qc = QuantumCircuit(3)
    append_step(qc, circuit, [np.pi, 0.0, 0.0], None)  # RY(pi) on engine qubit 0 only
    assert Statevector(qc).probabilities_dict(decimals=10) == pytest.approx({"100": 1.0})
    z = [Statevector(qc).expectation_value(o).real for o in pauli_observables(3, ("z",))]
    np.testing.assert_allclose(z, [-1, 1, 1], atol=1e-12)
