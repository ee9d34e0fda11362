"""Hardware protocols on a fake IBM backend, offline, with a tiny trained quantum RNN."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch
from qiskit_aer.primitives import SamplerV2

from qrnn.config import validate
from qrnn.data.prepare import prepare_test_set
from qrnn.errors import QrnnError
from qrnn.evaluate.finished_run import load_finished_run
from qrnn.noise import hardware
from qrnn.noise.circuits import midcircuit_circuit
from qrnn.noise.hardware import evaluate_hardware, load_backend
from qrnn.noise.noisy_core import NoiseCondition, noisy_model
from qrnn.noise.resources import write_resource_table
from qrnn.noise.settings import hardware_settings
from qrnn.noise.trajectories import NoisyStep, measure_qubit
from qrnn.quantum.qiskit_export import flat_step_values
from qrnn.quantum.statevector import zero_state
from qrnn.study.resolve import run_config
from qrnn.training.loop import train

DOCUMENT = validate(
    {
        "training": {"max_steps": 10, "eval_every": 10, "batch_size": 8, "eval_batches": 1},
        "tasks": {"copying": {"blank_length": 1, "copy_length": 2, "n_symbols": 3}},
        "models": {"qrnn": {"n_qubits": 2, "embedding_dim": 4, "controller": {"width": 8}}},
        "study": {"test_sequences": 5},
        "hardware": {"backend": "FakeManilaV2", "test_sequences": 2, "shots": 200},
    }
)
SETTINGS = hardware_settings(DOCUMENT)


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    root = tmp_path_factory.mktemp("hardware")
    train(run_config(DOCUMENT, "copying", "qrnn", 0), root / "run", progress=False)
    prepare_test_set(DOCUMENT, "copying", root / "data")
    return root


def test_fake_backend_evaluation_runs_both_protocols(finished):
    result = evaluate_hardware(finished / "run", finished / "data", SETTINGS, progress=False)
    steps = 5  # 2 symbols, 1 blank, delimiter, 1 blank
    repreparation, midcircuit = result["protocols"]["repreparation"], result["protocols"]["midcircuit"]
    assert repreparation["circuits_run"] == 2 * 3 * steps  # sequences x bases x steps (circuits of 1..T steps)
    assert midcircuit["circuits_run"] == 2 * 3
    assert set(result["ideal_metrics"]) == set(repreparation["metrics"]) == {"loss", "copy_accuracy"}
    assert len(result["per_step"]) == 2 * steps
    # device noise: the readouts differ from the ideal ones, more so with mid-circuit readout (collapse, long circuit)
    assert 0 < repreparation["mean_readout_error"] < midcircuit["mean_readout_error"]
    longest = midcircuit["longest_circuit"]
    assert longest["two_qubit_gates"] >= steps * 2 * 2 and longest["duration_us"] > 0 and longest["median_t2_us"] > 0


def test_repreparation_on_a_noiseless_sampler_reproduces_the_ideal_readouts(finished, monkeypatch):
    monkeypatch.setattr(hardware, "make_sampler", lambda backend, seed: SamplerV2(seed=seed))
    settings = dataclasses.replace(SETTINGS, shots=20000, protocols=("repreparation",))
    result = evaluate_hardware(finished / "run", finished / "data", settings, progress=False)
    # shot noise alone: mean |error| about sqrt(2 / pi) / sqrt(shots) = 0.006 (plus what it does to the controller)
    assert result["protocols"]["repreparation"]["mean_readout_error"] < 0.02


def test_midcircuit_circuit_matches_projective_trajectories_without_noise(finished):
    """Ancilla readout + reset on a noiseless sampler = the engine's projective-measurement trajectories."""
    run = load_finished_run(finished / "run")
    recorder = noisy_model(run.model.double(), NoiseCondition(), torch.Generator(), record_angles=True)
    with torch.no_grad():
        recorder(torch.tensor([[1, 2, 0, 4, 0]]))
    core = recorder.core
    circuit, angles = core.core.circuit, core.angles
    values = np.concatenate([flat_step_values(circuit, e, v) for e, v in angles], axis=1)
    shots = 4000
    for pauli in "xz":
        qc = midcircuit_circuit(circuit, len(angles), pauli)
        data = SamplerV2(seed=3).run([(qc, values, shots)]).result()[0].data
        device = np.array([1 - 2 * getattr(data, f"t{t}").to_bool_array(order="little")[0, :, :2].mean(0) for t in range(len(angles))])
        state, generator = zero_state(shots, 2, torch.complex128), torch.Generator().manual_seed(4)
        engine = []
        for encoding, variational in angles:
            state = NoisyStep(circuit)(state, encoding.expand(shots, -1), variational, generator)
            outcomes = []
            for k in range(2):
                state, outcome = measure_qubit(state, k, pauli, math.pi / 2, generator)
                outcomes.append(outcome)
            engine.append(torch.stack(outcomes, 1).mean(0).numpy())
        error = np.sqrt(2 * (1 - np.square(device)) / shots) + 1e-9
        assert np.all(np.abs(device - np.array(engine)) <= 4 * error), (pauli, device, engine)


def test_resource_table_counts_circuits_and_shots(finished, tmp_path):
    rows = write_resource_table(DOCUMENT, ["copying"], [finished / "data"], SETTINGS, tmp_path / "r.csv", tmp_path / "r.md")
    repreparation, midcircuit = rows
    assert repreparation["circuits"] == 5 * 3 * 5 and repreparation["executed_steps"] == 5 * 3 * 15
    assert midcircuit["circuits"] == 5 * 3 and midcircuit["total_shots"] == 5 * 3 * SETTINGS.resource_shots
    assert repreparation["qpu_hours"] > midcircuit["qpu_hours"] > 0
    assert "| copying | repreparation |" in (tmp_path / "r.md").read_text()


def test_backends_are_named_clearly(monkeypatch):
    with pytest.raises(QrnnError, match="unknown fake backend 'FakeNowhere'"):
        load_backend("FakeNowhere")
    monkeypatch.delenv("QISKIT_IBM_TOKEN", raising=False)
    with pytest.raises(QrnnError, match="QISKIT_IBM_TOKEN"):
        load_backend("ibm_brisbane")


def test_cli_writes_the_hardware_readout_error_figure(tmp_path):
    from qrnn.cli.main import main
    from qrnn.io import atomic

    rows = [{"protocol": p, "step": t, "readout_error": 0.1 * t + (p == "midcircuit")} for p in ("repreparation", "midcircuit") for t in range(4)]
    atomic.write_csv(tmp_path / "0_steps.csv", rows, ["protocol", "step", "readout_error"])
    assert main(["figures", "hardware-readout-error", "--steps", str(tmp_path / "0_steps.csv"), "--backend", "FakeManilaV2", "--out-png", str(tmp_path / "h.png"), "--out-pdf", str(tmp_path / "h.pdf")]) == 0
    assert (tmp_path / "h.png").read_bytes()[:4] == b"\x89PNG"
