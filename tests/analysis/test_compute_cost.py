"""Compute cost rows: an LSTM matched to each quantum RNN's parameter count, memory counted exactly."""

from __future__ import annotations

import csv

import pytest
import torch

from qrnn.analysis.compute_cost import MIB, _saved_bytes, write_compute_cost
from qrnn.config import validate
from qrnn.errors import QrnnError

DOCUMENT = validate({"tasks": {"copying": {"blank_length": 2, "copy_length": 2, "n_symbols": 3}}, "models": {"qrnn": {"n_qubits": 3, "embedding_dim": 4, "controller": {"width": 8}}, "lstm": {"hidden_size": 4, "embedding_dim": 4}}})


def test_rows_per_qubit_count_with_a_parameter_matched_lstm(tmp_path):
    rows = write_compute_cost(DOCUMENT, "copying", [2, 3], tmp_path / "cost.csv", batch_size=2, sequence_length=4, repeats=1)
    with (tmp_path / "cost.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == 4
    assert [(row["model"], row["n_qubits"]) for row in rows] == [("qrnn", 2), ("lstm", 2), ("qrnn", 3), ("lstm", 3)]
    for quantum, lstm in zip(rows[::2], rows[1::2]):
        assert abs(lstm["trainable_parameters"] - quantum["trainable_parameters"]) / quantum["trainable_parameters"] < 0.1
        assert quantum["state_size"] == 2 ** quantum["n_qubits"]
    assert all(row["time_per_step_ms"] > 0 and row["saved_memory_per_step_mib"] > 0 for row in rows)
    assert torch.get_num_threads() >= 1


def test_saved_bytes_counts_what_autograd_keeps():
    weight = torch.randn(8, 8, requires_grad=True)
    inputs = torch.randn(4, 8)

    class Square(torch.nn.Module):
        def forward(self, x):
            return (x @ weight).tanh()

    saved, loss = _saved_bytes(Square(), inputs)
    loss.backward()
    # matmul keeps x (for the weight's gradient; x needs none, so the weight is not kept),
    # tanh keeps its output, and the square its input: that same output, counted once.
    assert saved == inputs.nbytes + 4 * 8 * 4
    assert MIB == 1 << 20


def test_bad_qubit_counts_are_refused(tmp_path):
    with pytest.raises(QrnnError, match="qubit counts must be positive"):
        write_compute_cost(DOCUMENT, "copying", [0], tmp_path / "cost.csv")
