"""Seconds per training step and per held-out forward of one built model, measured at the
full batch size where a step is cheap, and extrapolated from two smaller batch sizes where
it is not.

A step costs about a + b x B: a per-step overhead plus arithmetic in proportion to the
batch size B. Where one full-batch step would take longer than ``expensive_seconds``
(the large states: 12 or 14 qubits over 784 pixels), that cost is arithmetic, so the line
through two small batches (B/16 and B/8) predicts it; measuring it would take minutes per
model. `benchmarks/estimate_extrapolation.py` compares the two on one mid-size model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

import torch

EXPENSIVE_SECONDS = 2.0  # a projected full-batch step above this is extrapolated, not measured
PROBE_DIVISORS = (16, 8)  # the two small batch sizes: B/16 and B/8


@dataclass(frozen=True)
class StepTiming:
    seconds_per_step: float
    seconds_per_forward: float
    batch_sizes: tuple[int, ...]  # where it was measured: (B,) or the two probes
    extrapolated: bool


def linear_fit(points: list[tuple[int, float]]) -> tuple[float, float]:
    """Least-squares (intercept a, slope b) of seconds = a + b x batch size through at least
    two distinct batch sizes."""
    sizes = {size for size, _ in points}
    if len(sizes) < 2:
        raise ValueError(f"a line needs two distinct batch sizes, got {sorted(sizes)}")
    mean_size = sum(size for size, _ in points) / len(points)
    mean_time = sum(seconds for _, seconds in points) / len(points)
    spread = sum((size - mean_size) ** 2 for size, _ in points)
    slope = sum((size - mean_size) * (seconds - mean_time) for size, seconds in points) / spread
    return mean_time - slope * mean_size, slope


def extrapolate(points: list[tuple[int, float]], batch_size: int) -> float:
    """The fitted line at ``batch_size``, never below the slowest measured point: a larger
    batch does not cost less (a negative slope is timing noise)."""
    intercept, slope = linear_fit(points)
    return max(intercept + slope * batch_size, max(seconds for _, seconds in points))


def probe_batch_sizes(batch_size: int) -> tuple[int, int]:
    small, larger = (max(1, batch_size // divisor) for divisor in PROBE_DIVISORS)
    return small, max(larger, small + 1)


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


class StepTimer:
    """Times ``task``'s training step (forward, backward, optimizers) and its forward
    without gradients on ``model``; every call draws a fresh batch from its own seed."""

    def __init__(self, task: Any, model: torch.nn.Module, optimizers: list[torch.optim.Optimizer],
                 clock: Callable[[], float] = time.perf_counter):
        self.task, self.model, self.optimizers, self.clock = task, model, optimizers, clock
        self.calls = 0

    def once(self, batch_size: int) -> tuple[float, float]:
        """(seconds of one training step, seconds of one forward without gradients)."""
        self.calls += 1
        device = torch.device("cpu")
        started = self.clock()
        loss = self.task.training_loss(self.model, batch_size, torch.Generator().manual_seed(self.calls), device)
        for optimizer in self.optimizers:
            optimizer.zero_grad(set_to_none=True)
        loss.backward()
        for optimizer in self.optimizers:
            optimizer.step()
        middle = self.clock()
        with torch.no_grad():
            self.task.training_loss(self.model, batch_size, torch.Generator().manual_seed(self.calls), device)
        return middle - started, self.clock() - middle

    def medians(self, batch_size: int, steps: int, first: tuple[float, float] | None = None) -> tuple[float, float]:
        measured = [first] if first is not None else []
        measured += [self.once(batch_size) for _ in range(steps - len(measured))]
        return median([step for step, _ in measured]), median([forward for _, forward in measured])

    def time(self, batch_size: int, steps: int, expensive_seconds: float = EXPENSIVE_SECONDS) -> StepTiming:
        """Medians of ``steps`` steps after one warm-up step (allocators, caches) at the full
        batch size, or, where the two probe batches project a full-batch step above
        ``expensive_seconds``, the line through their medians (one step each where even the
        larger probe is that expensive)."""
        small, larger = probe_batch_sizes(batch_size)
        if larger >= batch_size:  # batches too small to probe below: measure directly
            return self.measured(batch_size, steps)
        self.once(small)  # warm-up
        probes = {small: self.once(small), larger: self.once(larger)}
        if extrapolate([(size, step) for size, (step, _) in probes.items()], batch_size) <= expensive_seconds:
            return self.measured(batch_size, steps)
        return self.extrapolated(batch_size, 1 if probes[larger][0] > expensive_seconds else steps, probes)

    def measured(self, batch_size: int, steps: int) -> StepTiming:
        """Medians of ``steps`` steps at ``batch_size`` after a warm-up step."""
        self.once(batch_size)
        step, forward = self.medians(batch_size, steps)
        return StepTiming(step, forward, (batch_size,), False)

    def extrapolated(self, batch_size: int, steps: int, probes: dict[int, tuple[float, float]] | None = None) -> StepTiming:
        """The line through the medians of ``steps`` steps at each probe batch size, at
        ``batch_size``; ``probes``: a step already timed at each (after a warm-up)."""
        if probes is None:
            self.once(probe_batch_sizes(batch_size)[0])  # warm-up
            probes = {size: None for size in probe_batch_sizes(batch_size)}
        medians = {size: self.medians(size, steps, first) for size, first in probes.items()}
        return StepTiming(
            extrapolate([(size, step) for size, (step, _) in medians.items()], batch_size),
            extrapolate([(size, forward) for size, (_, forward) in medians.items()], batch_size),
            tuple(medians),
            True,
        )
