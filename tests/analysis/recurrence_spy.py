"""Counts the steps that an analysis observes through QuantumRNN.unroll, the model's public recurrence."""

from __future__ import annotations

import pytest

from qrnn.models.qrnn import QuantumRNN


def observed_steps(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The step index t of every ``on_state`` call made through QuantumRNN.unroll from now on.

    An analysis that ran its own loop (or wrapped the model's private step) instead of the
    public recurrence would leave the list empty."""
    steps: list[int] = []
    unroll = QuantumRNN.unroll

    def counting(self, inputs, initial_state=None, advance=None, measure=None, on_state=None):
        def observed(t, state, readouts):
            steps.append(t)
            on_state(t, state, readouts)

        return unroll(self, inputs, initial_state, advance, measure, None if on_state is None else observed)

    monkeypatch.setattr(QuantumRNN, "unroll", counting)
    return steps
