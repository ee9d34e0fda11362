"""Did the runs behind a comparison converge?

A run has converged when its training stopped on a validation plateau (metrics.json
``stop_reason`` "plateau"). A run stopped by ``max_steps`` or by a non-finite loss, or one
whose metrics.json does not say why it stopped (written before stopping rules existed), has
not been shown to reach its best; a comparison that includes such a run cannot say which
model is better, whatever its p-value, so the tables call it inconclusive.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from qrnn.errors import QrnnError

PLATEAU = "plateau"
STOP_REASONS = (PLATEAU, "max_steps", "non_finite")  # what training writes (qrnn.training)
NOT_RECORDED = "not recorded"  # metrics.json has no stop_reason
INCONCLUSIVE = "inconclusive: not converged"


def stop_reason(metrics: dict[str, Any], source: str | Path) -> str:
    """The run's stop reason from its metrics.json (``source`` names the file in errors);
    NOT_RECORDED when the field is missing."""
    reason = metrics.get("stop_reason", NOT_RECORDED)
    if reason != NOT_RECORDED and reason not in STOP_REASONS:
        raise QrnnError(f"{source}: stop_reason is {reason!r}, not one of {', '.join(STOP_REASONS)}")
    return reason


def converged(reasons: Iterable[str]) -> int:
    """How many of the runs stopped on a plateau."""
    return sum(reason == PLATEAU for reason in reasons)


def not_converged(*groups: list[str]) -> str:
    """"" when every run of every group stopped on a plateau; else what stopped the others,
    e.g. "2 of 6 runs stopped before a plateau: by stop reason max_steps 1, not recorded 1"."""
    reasons = [reason for group in groups for reason in group]
    others = [reason for reason in reasons if reason != PLATEAU]
    if not others:
        return ""
    counts = ", ".join(f"{reason} {others.count(reason)}" for reason in dict.fromkeys(sorted(others)))
    return f"{len(others)} of {len(reasons)} runs stopped before a plateau: by stop reason {counts}"


def convergence_columns(group: list[str], reference: list[str]) -> dict[str, Any]:
    """The columns a comparison row carries: converged runs of its group and of the reference
    group, and ``not_converged`` ("" or the count by stop reason, see not_converged)."""
    return {"n_converged": converged(group), "reference_n_converged": converged(reference), "not_converged": not_converged(group, reference)}


def inconclusive(detail: str) -> str:
    """The outcome of a comparison whose runs did not all converge."""
    return f"{INCONCLUSIVE} ({detail})"
