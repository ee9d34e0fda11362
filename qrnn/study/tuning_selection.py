"""Choosing a (task, model)'s learning rate from its tuning runs (qrnn.study.tuning) by the
held-out (validation) value of the task's main metric.

Each candidate's value is its best held-out evaluation: metrics.json ``best`` when the run
records one (training to a plateau keeps the best-validation weights), else the best row of
history.csv. A candidate that diverged (stop reason ``non_finite``, or no finite value) loses.
A tie goes to the smaller learning rate: the study runs train on other seeds, and of two
rates that did equally well on one seed the smaller is the less likely to diverge on another.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qrnn.config import differences
from qrnn.errors import QrnnError
from qrnn.io import atomic
from qrnn.io.result_files import read_history, read_result_json
from qrnn.tasks.registry import TASK_CLASSES

CONFIG_READ = {"task": str, "model": str, "variant": str, "seed": int, "training": dict}
METRICS_READ = {"steps": int}
FALLBACK_METRIC = ("loss", "lower")  # for a task whose held-out evaluation lacks its main metric (translation's BLEU is test-only)


@dataclass(frozen=True)
class Candidate:
    """One tuning run, as read from its folder."""

    folder: Path
    config: dict[str, Any]  # config.json
    value: float  # best held-out value of the metric; NaN when there is none
    best_step: int | None
    steps: int  # optimizer steps trained
    stop_reason: str | None  # metrics.json stop_reason, when the run records one

    @property
    def learning_rate(self) -> float:
        return float(self.config["training"]["learning_rate"])

    @property
    def max_steps(self) -> int:
        return int(self.config["training"]["max_steps"])

    @property
    def diverged(self) -> bool:
        return self.stop_reason == "non_finite" or not math.isfinite(self.value)


def validation_metric(task: str, history_columns: list[str]) -> tuple[str, str]:
    """(metric, "lower" | "higher"): the task's main metric when its held-out evaluation records it, else the held-out loss."""
    metric, direction = TASK_CLASSES[task].main_metric
    return (metric, direction) if f"eval_{metric}" in history_columns else FALLBACK_METRIC


def _better(direction: str, value: float, than: float) -> bool:
    return value < than if direction == "lower" else value > than


def read_candidate(folder: str | Path, task: str) -> tuple[Candidate, tuple[str, str]]:
    """The candidate in ``folder`` and the validation metric it was scored by."""
    folder = Path(folder)
    config = read_result_json(folder / "config.json", CONFIG_READ)
    metrics = read_result_json(folder / "metrics.json", METRICS_READ)
    history = read_history(folder / "history.csv")
    metric, direction = validation_metric(task, list(history[0]))
    best = metrics.get("best")
    if isinstance(best, dict) and isinstance(best.get(metric), (int, float)):
        value, best_step = float(best[metric]), metrics.get("best_step")
    else:
        value, best_step = math.nan, None
        for row in history:
            row_value = float(row[f"eval_{metric}"])
            if math.isfinite(row_value) and (best_step is None or _better(direction, row_value, value)):
                value, best_step = row_value, int(row["step"])
    return Candidate(folder, config, value, best_step, metrics["steps"], metrics.get("stop_reason")), (metric, direction)


def _check_comparable(task: str, model: str, candidates: list[Candidate]) -> None:
    """The candidates are runs of ``task``/``model`` that differ in their learning rate only (an equal budget)."""
    first = candidates[0]
    for candidate in candidates:
        if (candidate.config["task"], candidate.config["model"]) != (task, model):
            raise QrnnError(f"{candidate.folder / 'config.json'} is a run of {candidate.config['task']}/{candidate.config['model']}, not {task}/{model}")
        other = {**candidate.config, "training": {**candidate.config["training"], "learning_rate": first.learning_rate}}
        changed = differences(first.config, other)
        if changed:
            raise QrnnError(f"{candidate.folder} and {first.folder} differ in more than the learning rate: {'; '.join(changed)}")
    rates = [candidate.learning_rate for candidate in candidates]
    if len(set(rates)) < len(rates):
        raise QrnnError(f"two tuning runs of {task}/{model} have the same learning rate ({sorted(rates)})")


def select_learning_rate(task: str, model: str, folders: list[str | Path]) -> dict[str, Any]:
    """The choice record of ``task``/``model`` from its tuning runs (see the module docstring)."""
    if not folders:
        raise QrnnError(f"no tuning runs of {task}/{model} given")
    read = [read_candidate(folder, task) for folder in folders]
    candidates = sorted((candidate for candidate, _ in read), key=lambda candidate: candidate.learning_rate)
    _check_comparable(task, model, candidates)
    metrics = {scored_by for _, scored_by in read}
    if len(metrics) > 1:
        raise QrnnError(f"the tuning runs of {task}/{model} record different held-out metrics ({sorted(metrics)})")
    metric, direction = metrics.pop()
    chosen = None
    for candidate in candidates:  # ascending learning rate: a later one must be strictly better to win
        if not candidate.diverged and (chosen is None or _better(direction, candidate.value, chosen.value)):
            chosen = candidate
    if chosen is None:
        raise QrnnError(f"every tuning run of {task}/{model} diverged or has no finite held-out {metric} ({', '.join(str(c.folder) for c in candidates)})")
    return {
        "task": task,
        "model": model,
        "variant": chosen.config["variant"],
        "seed": chosen.config["seed"],
        "metric": metric,
        "better": direction,
        "learning_rate": chosen.learning_rate,
        "learning_rates": [candidate.learning_rate for candidate in candidates],
        "validation": chosen.value,
        "candidates": [
            {
                "learning_rate": candidate.learning_rate,
                "validation": candidate.value if math.isfinite(candidate.value) else None,
                "best_step": candidate.best_step,
                "steps": candidate.steps,
                "stop_reason": candidate.stop_reason,
                "diverged": candidate.diverged,
                "folder": str(candidate.folder),
            }
            for candidate in candidates
        ],
        "budget": {"candidates": len(candidates), "max_steps": chosen.max_steps, "steps": len(candidates) * chosen.max_steps},
    }


def write_choice(task: str, model: str, folders: list[str | Path], out: str | Path) -> dict[str, Any]:
    """Select and write the choice file atomically; returns the record."""
    record = select_learning_rate(task, model, folders)
    atomic.write_json(out, record)
    return record
