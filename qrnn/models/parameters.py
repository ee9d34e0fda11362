"""Counting trainable parameters, and finding the hidden size that matches a count.

Comparisons at matched parameter counts are the fair ones: a baseline with a larger
hidden state can win by size alone.
"""

from __future__ import annotations

from typing import Callable

from torch import nn

MATCH_TOLERANCE = 0.05  # relative; the foundation issue asks for a match within 5%


def count_trainable_parameters(model: nn.Module) -> int:
    """Number of scalar parameters that an optimizer updates (requires_grad)."""
    return sum(parameter.numel() for parameter in model.parameters() if parameter.requires_grad)


def matched_hidden_size(
    count: Callable[[int], int], target: int, tolerance: float = MATCH_TOLERANCE, largest: int = 1 << 14
) -> int:
    """The hidden size h in 1..largest for which ``count(h)`` is closest to ``target``.

    ``count(h)`` is the trainable-parameter count of the model at hidden size h; it grows
    monotonically with h, so a bisection needs O(log largest) counts. Raises ValueError
    when even the closest size misses ``target`` by more than ``tolerance`` (relative).
    """
    low, high = 1, largest
    while low < high:  # the smallest hidden size whose count reaches the target
        middle = (low + high) // 2
        if count(middle) < target:
            low = middle + 1
        else:
            high = middle
    best = min({max(1, low - 1), low}, key=lambda hidden: abs(count(hidden) - target))
    error = abs(count(best) - target) / target
    if error > tolerance:
        raise ValueError(
            f"no hidden size matches {target} trainable parameters within {tolerance:.0%} "
            f"(closest: hidden_size={best} with {count(best)}, off by {error:.1%})"
        )
    return best
