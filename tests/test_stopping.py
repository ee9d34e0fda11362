"""The stopping rule: best evaluation, min_delta, patience, max_steps."""

from __future__ import annotations

import math

import pytest

from qrnn.config import TrainingConfig, build_settings, validate
from qrnn.errors import QrnnError
from qrnn.training.stopping import Stopping


def settings(**training) -> TrainingConfig:
    return build_settings(TrainingConfig, validate({"training": training})["training"])


def replay(stopping: Stopping, values: list[float], training: TrainingConfig, every: int = 10) -> list[bool]:
    """Feed one held-out value per evaluation until the rule stops; which were new bests."""
    bests = []
    for index, value in enumerate(values, start=1):
        bests.append(stopping.record(index * every, {stopping.metric: value, "other": 0.0}, training))
        if stopping.stop_reason:
            break
    return bests


def test_patience_counts_evaluations_without_an_improvement_beyond_min_delta():
    stopping = Stopping("loss", "lower")
    bests = replay(stopping, [1.0, 0.8, 0.76, 0.79, 0.755, 0.5], settings(max_steps=1000, patience=3, min_delta=0.05))
    # 0.76 and 0.755 beat 0.8 by less than 0.05: 0.755 is the third evaluation without improvement
    assert bests == [True, True, False, False, False]
    assert (stopping.stop_reason, stopping.best_step, stopping.best_value) == ("plateau", 20, 0.8)


def test_higher_is_better_for_accuracy_and_an_improvement_resets_the_count():
    stopping = Stopping("accuracy", "higher")
    assert replay(stopping, [0.5, 0.4, 0.6, 0.6, 0.6], settings(max_steps=1000, patience=2)) == [True, False, True, False, False]
    assert (stopping.stop_reason, stopping.best_step) == ("plateau", 30)


def test_patience_zero_never_stops_early_and_max_steps_ends_the_run():
    stopping = Stopping("loss", "lower")
    replay(stopping, [1.0] + [2.0] * 20, settings(max_steps=100, patience=0))
    assert (stopping.stop_reason, stopping.best_step, stopping.evaluations_without_improvement) == ("max_steps", 10, 9)


def test_a_plateau_reached_at_max_steps_counts_as_a_plateau():
    stopping = Stopping("loss", "lower")
    replay(stopping, [1.0, 2.0, 2.0], settings(max_steps=30, patience=2))
    assert stopping.stop_reason == "plateau"


def test_nan_is_never_the_best():
    stopping = Stopping("loss", "lower")
    assert replay(stopping, [math.nan, 3.0, math.nan, 2.0], settings(max_steps=1000, patience=5)) == [False, True, False, True]
    assert stopping.best_step == 40


def test_the_state_round_trips_through_plain_data():
    stopping = Stopping("loss", "lower")
    replay(stopping, [1.0, 2.0], settings(max_steps=1000, patience=5))
    assert Stopping.from_dict(stopping.to_dict()) == stopping


def test_a_metric_the_evaluation_lacks_is_named():
    with pytest.raises(QrnnError, match=r"held-out evaluation has no 'bleu' to stop on \(it has: loss\)"):
        Stopping("bleu", "higher").record(10, {"loss": 1.0}, settings())
