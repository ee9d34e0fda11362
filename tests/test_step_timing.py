"""The step timer's batch-size extrapolation: the line's arithmetic, and which path a model takes."""

import pytest
import torch

from qrnn.study.step_timing import StepTimer, extrapolate, linear_fit, probe_batch_sizes


def test_the_line_through_two_batch_sizes_predicts_the_full_batch():
    intercept, slope = linear_fit([(8, 1.0), (16, 1.8)])
    assert (intercept, slope) == pytest.approx((0.2, 0.1))
    assert extrapolate([(8, 1.0), (16, 1.8)], 128) == pytest.approx(0.2 + 0.1 * 128)


def test_least_squares_over_more_points_and_a_noisy_negative_slope_is_clamped():
    assert linear_fit([(1, 1.0), (2, 2.0), (3, 3.0), (4, 4.0)]) == pytest.approx((0.0, 1.0))
    assert extrapolate([(8, 2.0), (16, 1.9)], 128) == pytest.approx(2.0)  # a larger batch never costs less


def test_a_line_needs_two_batch_sizes():
    with pytest.raises(ValueError, match="two distinct batch sizes"):
        linear_fit([(8, 1.0), (8, 1.2)])


def test_probe_batch_sizes_are_a_sixteenth_and_an_eighth():
    assert probe_batch_sizes(128) == (8, 16)
    assert probe_batch_sizes(20) == (1, 2)


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class LinearCostTask:
    """A task whose training step costs intercept + slope x batch on a fake clock (forwards a
    quarter of that), so the timer's choices can be checked exactly."""

    def __init__(self, clock, intercept, slope):
        self.clock, self.intercept, self.slope, self.batches = clock, intercept, slope, []

    def training_loss(self, model, batch_size, generator, device):
        self.batches.append(batch_size)
        cost = self.intercept + self.slope * batch_size
        self.clock.now += cost if torch.is_grad_enabled() else cost / 4
        return model.weight.sum() * batch_size


def timed(intercept, slope, batch_size=128, steps=3):
    clock = FakeClock()
    task = LinearCostTask(clock, intercept, slope)
    model = torch.nn.Linear(2, 1)
    timing = StepTimer(task, model, [torch.optim.SGD(model.parameters(), lr=0.1)], clock=clock).time(batch_size, steps)
    return timing, task.batches


def test_a_cheap_model_is_measured_at_its_full_batch():
    timing, batches = timed(intercept=0.01, slope=0.001)  # 0.138 s at 128
    assert not timing.extrapolated and timing.batch_sizes == (128,)
    assert timing.seconds_per_step == pytest.approx(0.138) and timing.seconds_per_forward == pytest.approx(0.138 / 4)
    assert batches.count(128) == 2 * (3 + 1)  # three timed steps after a warm-up, each with its forward


def test_an_expensive_model_is_extrapolated_from_two_small_batches_without_a_full_batch_step():
    timing, batches = timed(intercept=0.05, slope=0.1)  # 12.85 s at 128: over the 2 s threshold
    assert timing.extrapolated and timing.batch_sizes == (8, 16)
    assert timing.seconds_per_step == pytest.approx(0.05 + 0.1 * 128)
    assert timing.seconds_per_forward == pytest.approx((0.05 + 0.1 * 128) / 4)
    assert 128 not in batches and batches.count(16) == 2 * 3  # three steps at each probe (the probe step counts)


def test_when_even_the_larger_probe_is_expensive_each_probe_takes_one_step():
    timing, batches = timed(intercept=0.0, slope=0.2)  # 3.2 s at batch 16
    assert timing.extrapolated and timing.seconds_per_step == pytest.approx(0.2 * 128)
    assert batches == [8, 8, 8, 8, 16, 16]  # warm-up and one probe step at 8, one at 16, each with its forward


def test_a_forced_extrapolation_warms_up_then_times_each_probe():
    clock = FakeClock()
    task = LinearCostTask(clock, 0.01, 0.001)
    model = torch.nn.Linear(2, 1)
    timing = StepTimer(task, model, [torch.optim.SGD(model.parameters(), lr=0.1)], clock=clock).extrapolated(128, 2)
    assert timing.extrapolated and timing.batch_sizes == (8, 16) and timing.seconds_per_step == pytest.approx(0.01 + 0.001 * 128)
    assert task.batches == [8, 8] + [8] * 4 + [16] * 4  # warm-up, then two steps at each probe, each with its forward
