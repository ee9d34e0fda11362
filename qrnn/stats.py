"""Summary statistics over seeds: mean, sample standard deviation, t confidence interval."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from scipy import stats


def mean_and_confidence_interval(values: Sequence[float], confidence: float = 0.95) -> dict[str, float]:
    """Mean, standard deviation (ddof=1) and the Student-t confidence interval of the mean.

    With one value the standard deviation and the interval are undefined: NaN.
    """
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        raise ValueError("no values to summarise")
    mean = float(data.mean())
    if data.size == 1:
        return {"n": 1, "mean": mean, "std": math.nan, "ci_low": math.nan, "ci_high": math.nan}
    std = float(data.std(ddof=1))
    half_width = float(stats.t.ppf(0.5 + confidence / 2, df=data.size - 1)) * std / math.sqrt(data.size)
    return {"n": int(data.size), "mean": mean, "std": std, "ci_low": mean - half_width, "ci_high": mean + half_width}
