"""When a run stops, and which of its held-out evaluations was the best.

After every held-out evaluation the task's validation metric is compared with the best so
far: an improvement by more than ``min_delta`` (in the metric's own units) makes it the
new best; ``patience`` evaluations in a row without one stop the run on a plateau
(patience 0 never does). The run also stops at ``max_steps``, or when its training loss
is no longer finite. Everything here is plain data, so it goes into the checkpoint and a
resumed run decides exactly as an uninterrupted one would.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from qrnn.config import TrainingConfig
from qrnn.errors import QrnnError

STOP_REASONS = ("plateau", "max_steps", "non_finite")


@dataclass
class Stopping:
    """The stopping rule's state: the best evaluation so far and how long ago it was."""

    metric: str  # held-out metric watched (history column eval_<metric>)
    direction: str  # "lower" or "higher" is better
    best_step: int | None = None
    best_value: float | None = None
    evaluations_without_improvement: int = 0
    stop_reason: str | None = None  # one of STOP_REASONS once the run has stopped

    def improves(self, value: float, min_delta: float) -> bool:
        """Whether ``value`` beats the best so far by more than ``min_delta`` (a NaN never does)."""
        if self.best_value is None:
            return not math.isnan(value)
        if self.direction == "lower":
            return value < self.best_value - min_delta
        return value > self.best_value + min_delta

    def record(self, step: int, metrics: dict[str, float], training: TrainingConfig) -> bool:
        """Take the held-out evaluation at ``step`` into account; True if it is the new best.
        Sets ``stop_reason`` when the run should stop after this evaluation."""
        if self.metric not in metrics:
            raise QrnnError(f"the held-out evaluation has no {self.metric!r} to stop on (it has: {', '.join(metrics)})")
        value = metrics[self.metric]
        better = self.improves(value, training.min_delta)
        if better:
            self.best_step, self.best_value, self.evaluations_without_improvement = step, value, 0
        else:
            self.evaluations_without_improvement += 1
        if training.patience > 0 and self.evaluations_without_improvement >= training.patience:
            self.stop_reason = "plateau"  # also when this evaluation is at max_steps: the curve did flatten
        elif step >= training.max_steps:
            self.stop_reason = "max_steps"
        return better

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Stopping:
        return cls(**data)
