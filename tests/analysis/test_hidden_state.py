"""Entanglement entropy on textbook states; hidden-state rows of a finished run agree with its own forward pass."""

from __future__ import annotations

import csv
import math

import pytest
import torch

from qrnn.analysis.hidden_state import entanglement_entropy, hidden_state_rows, recorded_states, write_hidden_state_dynamics
from qrnn.config import validate
from qrnn.data.prepare import prepare_test_set
from qrnn.errors import QrnnError
from qrnn.evaluate.finished_run import load_finished_run
from qrnn.study.resolve import run_config
from qrnn.training.loop import train
from tests.analysis.recurrence_spy import observed_steps

DOCUMENT = validate(
    {
        "training": {"max_steps": 4, "eval_every": 2, "batch_size": 4, "eval_batches": 1},
        "tasks": {"copying": {"blank_length": 2, "copy_length": 2, "n_symbols": 3}},
        "models": {"qrnn": {"n_qubits": 4, "embedding_dim": 4, "readouts": ["z", "x"], "controller": {"width": 8}}, "rnn": {"hidden_size": 4, "embedding_dim": 4}},
        "study": {"test_sequences": 10},
    }
)


def state(amplitudes: dict[str, float]) -> torch.Tensor:
    """A normalised state from {bitstring (qubit 0 first): amplitude}."""
    n = len(next(iter(amplitudes)))
    vector = torch.zeros(1, 2**n, dtype=torch.complex128)
    for bits, amplitude in amplitudes.items():
        vector[0, int(bits, 2)] = amplitude
    return vector / vector.norm()


@pytest.mark.parametrize(
    "amplitudes,n_left,bits",
    [
        ({"0000": 1}, 2, 0.0),  # product state
        ({"00": 1, "11": 1}, 1, 1.0),  # Bell pair
        ({"0000": 1, "1111": 1}, 2, 1.0),  # GHZ: one bit across any cut
        ({"0000": 1, "0101": 1, "1010": 1, "1111": 1}, 2, 2.0),  # Bell pairs (0,2) and (1,3) both cross the cut
        ({"0000": 1, "0101": 1, "1010": 1, "1111": 1}, 1, 1.0),
        ({"0011": 1, "1100": 1}, 1, 1.0),  # (|0> |011> + |1> |100>): qubit 0 maximally mixed
    ],
)
def test_entanglement_entropy_of_textbook_states(amplitudes, n_left, bits):
    assert entanglement_entropy(state(amplitudes), n_left).item() == pytest.approx(bits, abs=1e-9)


def test_unequal_schmidt_weights():
    p = 0.2  # sqrt(p)|00> + sqrt(1-p)|11>: binary entropy of p
    vector = state({"00": math.sqrt(p), "11": math.sqrt(1 - p)})
    assert entanglement_entropy(vector).item() == pytest.approx(-p * math.log2(p) - (1 - p) * math.log2(1 - p))
    with pytest.raises(ValueError, match="both sides"):
        entanglement_entropy(vector, 2)


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    root = tmp_path_factory.mktemp("dynamics")
    train(run_config(DOCUMENT, "copying", "qrnn", 0), root / "qrnn", progress=False)
    train(run_config(DOCUMENT, "copying", "rnn", 0), root / "rnn", progress=False)
    prepare_test_set(DOCUMENT, "copying", root / "data")
    return root


def test_rows_hold_the_models_own_readouts(finished):
    rows = write_hidden_state_dynamics(finished / "qrnn", finished / "data", finished / "dynamics.csv", n_sequences=2)
    with (finished / "dynamics.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == len(rows) == 2 * 6 * 4  # sequences x steps (2 + 2 * 2) x qubits
    run = load_finished_run(finished / "qrnn")
    tokens = torch.load(finished / "data" / "test.pt")["inputs"][:2]
    with torch.no_grad():
        readouts = run.model.core(run.model.embedding(tokens))  # (2, 6, 8): z of 4 qubits, then x
    for row in rows:
        s, t, q = row["sequence"], row["step"] - 1, row["qubit"]
        assert row["z"] == pytest.approx(readouts[s, t, q].item(), abs=1e-5)
        assert row["x"] == pytest.approx(readouts[s, t, 4 + q].item(), abs=1e-5)
        assert row["x"] ** 2 + row["y"] ** 2 + row["z"] ** 2 <= 1 + 1e-5  # a qubit of a pure state: inside the Bloch ball
        assert -1e-9 <= row["entanglement_entropy_bits"] <= 2 + 1e-9
        assert row["token"] == int(tokens[s, t])
    assert any(row["entanglement_entropy_bits"] > 1e-3 for row in rows)  # the entangling ring does entangle


def test_states_come_from_the_models_public_recurrence(finished, monkeypatch):
    steps = observed_steps(monkeypatch)
    rows = hidden_state_rows(finished / "qrnn", finished / "data", n_sequences=2)
    assert steps == list(range(6)) and {row["step"] for row in rows} == set(range(1, 7))
    run = load_finished_run(finished / "qrnn")
    inputs = run.model.embed(torch.load(finished / "data" / "test.pt")["inputs"][:2])
    with torch.no_grad():
        states = recorded_states(run.model.core, inputs)
        _, (final_state, _) = run.model.core.unroll(inputs)
    assert len(states) == 6 and torch.equal(states[-1], final_state)


def test_a_classical_run_is_refused(finished):
    with pytest.raises(QrnnError, match="need a quantum RNN"):
        write_hidden_state_dynamics(finished / "rnn", finished / "data", finished / "x.csv")
    assert not (finished / "x.csv").exists()
    rnn = load_finished_run(finished / "rnn").model
    with pytest.raises(QrnnError, match="no state vector"):
        recorded_states(rnn.core, torch.zeros(1, 2, 4))
