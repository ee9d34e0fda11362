"""Statistics over seeds: summaries, two-group comparisons, multiple-testing correction, power.

Everything here takes plain per-seed values (one number per finished run) and wraps
scipy.stats and statsmodels; nothing reads files. Undefined quantities (a standard
deviation of one value, a t-test between two constant groups) come back as NaN rather
than raising, so that a table with a single-seed row can still be written.
"""

from __future__ import annotations

import math
import warnings
from typing import Sequence

import numpy as np
from scipy import special, stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import TTestIndPower

ALPHA = 0.05  # the significance level of every test in the tables

BOOTSTRAP_RESAMPLES = 9999
BOOTSTRAP_METHOD = "BCa"  # bias-corrected and accelerated: scipy's default and the better-covering one

# A bootstrap interval resamples the observed values, so at a handful of seeds it cannot reach
# past the smallest and largest of them (at 3 seeds the BCa "95%" interval is about the min and
# max): it undercovers badly. Below this many seeds the tables use the t interval instead,
# which is exact for normal data and widens with the t quantile as the seeds get fewer.
BOOTSTRAP_MIN_SEEDS = 10
STUDENT_T, BOOTSTRAP_BCA = "student_t", "bootstrap_bca"
INTERVAL_METHODS = {
    STUDENT_T: "Student-t (scipy.stats.t)",
    BOOTSTRAP_BCA: f"bootstrap (BCa, scipy.stats.bootstrap, {BOOTSTRAP_RESAMPLES} resamples)",
}
DIFFERENCE_INTERVALS = {
    STUDENT_T: "Welch's t interval, or the paired t interval when the seeds pair",
    BOOTSTRAP_BCA: "the BCa bootstrap of the difference (paired when the seeds pair)",
}


def interval_method(*seed_counts: int) -> str:
    """The confidence-interval method the tables use for groups of these many seeds: Student-t
    when the smallest has fewer than BOOTSTRAP_MIN_SEEDS, else the BCa bootstrap."""
    if not seed_counts:
        raise ValueError("interval_method needs at least one seed count")
    return STUDENT_T if min(seed_counts) < BOOTSTRAP_MIN_SEEDS else BOOTSTRAP_BCA


def interval_note(methods: dict[str, str], confidence: float = 0.95, differences: bool = False) -> str:
    """The sentence a table's header gives on its intervals: which method its rows use
    ({row label: method}); with ``differences``, also how the difference of means gets its own."""
    by_method: dict[str, list[str]] = {}
    for label, method in methods.items():
        by_method.setdefault(method, []).append(label)
    if len(by_method) == 1:
        method = next(iter(by_method))
        reason = f"fewer than {BOOTSTRAP_MIN_SEEDS} seeds" if method == STUDENT_T else f"at least {BOOTSTRAP_MIN_SEEDS} seeds"
        text = f"{confidence:.0%} CI of the mean over seeds: {INTERVAL_METHODS[method]} in every row ({reason})."
        if differences:
            text += f" Difference of means: {DIFFERENCE_INTERVALS[method]}."
        return text
    parts = "; ".join(f"{INTERVAL_METHODS[method]} for {', '.join(labels)}" for method, labels in by_method.items())
    text = (
        f"{confidence:.0%} CI of the mean over seeds, by seed count (column interval_method): Student-t below "
        f"{BOOTSTRAP_MIN_SEEDS} seeds, bootstrap from {BOOTSTRAP_MIN_SEEDS} on, so {parts}."
    )
    if differences:
        text += f" Difference of means: {DIFFERENCE_INTERVALS[STUDENT_T]} where either group has fewer seeds, else {DIFFERENCE_INTERVALS[BOOTSTRAP_BCA]}."
    return text


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


def _array(values: Sequence[float], name: str) -> np.ndarray:
    data = np.asarray(values, dtype=float).ravel()
    if data.size == 0:
        raise ValueError(f"group {name} has no values")
    if not np.all(np.isfinite(data)):
        raise ValueError(f"group {name} holds a non-finite value: {data.tolist()}")
    return data


def bootstrap_interval(samples: tuple[np.ndarray, ...], statistic, paired: bool = False, confidence: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """scipy.stats.bootstrap interval of ``statistic(*samples, axis=-1)`` (vectorised); NaN when any sample has
    fewer than two values; a zero-width interval when every resample gives the same value."""
    if any(sample.size < 2 for sample in samples):
        return math.nan, math.nan
    if all(np.ptp(sample) == 0 for sample in samples):
        value = float(statistic(*samples, axis=-1))
        return value, value
    with warnings.catch_warnings():
        # BCa on tiny samples warns about (near-)degenerate resamples; the interval is then NaN.
        warnings.simplefilter("ignore")
        result = stats.bootstrap(
            samples, statistic, paired=paired, vectorized=True, n_resamples=BOOTSTRAP_RESAMPLES,
            confidence_level=confidence, method=BOOTSTRAP_METHOD, rng=np.random.default_rng(seed),
        )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def _difference_of_means(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(x, axis=axis) - np.mean(y, axis=axis)


def summarise(values: Sequence[float], confidence: float = 0.95, seed: int = 0) -> dict[str, float | str]:
    """n, mean, std (ddof=1), the confidence interval of the mean of one group and its
    ``interval_method``: Student-t below BOOTSTRAP_MIN_SEEDS values, else the BCa bootstrap."""
    data = _array(values, "values")
    method = interval_method(data.size)
    if method == STUDENT_T:
        return {**mean_and_confidence_interval(data, confidence), "interval_method": method}
    low, high = bootstrap_interval((data,), np.mean, confidence=confidence, seed=seed)
    std = float(data.std(ddof=1))
    return {"n": int(data.size), "mean": float(data.mean()), "std": std, "ci_low": low, "ci_high": high, "interval_method": method}


def t_interval_of_difference(a: np.ndarray, b: np.ndarray, paired: bool, confidence: float = 0.95) -> tuple[float, float]:
    """Interval of mean(a) - mean(b): the paired t interval of the per-pair differences, else
    Welch's (unequal variances, Welch-Satterthwaite degrees of freedom). NaN when a group has
    fewer than two values; zero width at the difference when there is no spread at all."""
    if paired:
        summary = mean_and_confidence_interval(a - b, confidence)
        return summary["ci_low"], summary["ci_high"]
    if a.size < 2 or b.size < 2:
        return math.nan, math.nan
    variance_a, variance_b = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    difference = float(a.mean() - b.mean())
    if variance_a + variance_b == 0:
        return difference, difference
    degrees = (variance_a + variance_b) ** 2 / (variance_a**2 / (a.size - 1) + variance_b**2 / (b.size - 1))
    half_width = float(stats.t.ppf(0.5 + confidence / 2, df=degrees)) * math.sqrt(variance_a + variance_b)
    return difference - half_width, difference + half_width


def pooled_std(a: np.ndarray, b: np.ndarray) -> float:
    degrees = a.size + b.size - 2
    if degrees < 1:
        return math.nan
    return math.sqrt(((a.size - 1) * a.var(ddof=1 if a.size > 1 else 0) + (b.size - 1) * b.var(ddof=1 if b.size > 1 else 0)) / degrees)


def cohens_d(a: Sequence[float], b: Sequence[float]) -> float:
    """(mean a - mean b) / pooled standard deviation; NaN when that is zero or undefined."""
    a, b = _array(a, "a"), _array(b, "b")
    spread = pooled_std(a, b)
    if not spread > 0:
        return math.nan
    return float((a.mean() - b.mean()) / spread)


def hedges_g(a: Sequence[float], b: Sequence[float]) -> float:
    """Cohen's d times the exact small-sample correction of Hedges (1981),
    J(df) = Gamma(df/2) / (sqrt(df/2) Gamma((df-1)/2)), df = n_a + n_b - 2 (NaN for df < 2)."""
    a, b = _array(a, "a"), _array(b, "b")
    degrees = a.size + b.size - 2
    if degrees < 2:
        return math.nan
    correction = math.exp(special.gammaln(degrees / 2) - special.gammaln((degrees - 1) / 2)) / math.sqrt(degrees / 2)
    return cohens_d(a, b) * correction


def cliffs_delta(a: Sequence[float], b: Sequence[float]) -> float:
    """P(a > b) - P(a < b) over all pairs (Cliff 1993): -1..1, 0 for identical groups."""
    a, b = _array(a, "a"), _array(b, "b")
    signs = np.sign(a[:, None] - b[None, :])
    return float(signs.sum() / signs.size)


def _p_value(test, *samples, **options) -> float:
    """p-value of a scipy test; NaN where the test is undefined (constant data, too few values)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            p = float(test(*samples, **options).pvalue)
        except ValueError:  # e.g. wilcoxon with every difference zero
            return math.nan
    return p


def compare_groups(a: Sequence[float], b: Sequence[float], paired: bool = False, seed: int = 0, confidence: float = 0.95) -> dict[str, float]:
    """Compare the per-seed values of group a with those of group b.

    Returns the summary of each group (``mean_a``, ``std_a``, ``ci_low_a``, ...), the
    difference of means a - b with its CI (``interval_method``: Student-t, i.e. Welch or paired
    t, below BOOTSTRAP_MIN_SEEDS seeds in the smaller group, else BCa bootstrap), Welch's t-test and the
    Mann-Whitney U test (two-sided), Hedges' g and Cliff's delta (positive: a larger),
    Cohen's d, and with ``paired`` (value i of a and of b come from the same seed) the
    paired t-test and the Wilcoxon signed-rank test; NaN where a quantity is undefined.
    """
    a, b = _array(a, "a"), _array(b, "b")
    if paired and a.size != b.size:
        raise ValueError(f"paired groups need as many values each, got {a.size} and {b.size}")
    result: dict[str, float] = {}
    for name, data, offset in (("a", a, 0), ("b", b, 1)):
        summary = summarise(data, confidence, seed + offset)
        result.update({f"{key}_{name}": value for key, value in summary.items()})
    result["difference"] = float(a.mean() - b.mean())
    result["interval_method"] = interval_method(a.size, b.size)
    if result["interval_method"] == STUDENT_T:
        result["ci_low_difference"], result["ci_high_difference"] = t_interval_of_difference(a, b, paired, confidence)
    elif paired:
        differences = a - b
        result["ci_low_difference"], result["ci_high_difference"] = bootstrap_interval((differences,), np.mean, confidence=confidence, seed=seed + 2)
    else:
        result["ci_low_difference"], result["ci_high_difference"] = bootstrap_interval(
            (a, b), _difference_of_means, confidence=confidence, seed=seed + 2
        )
    result["welch_t"] = math.nan
    result["p_welch"] = math.nan
    if a.size > 1 and b.size > 1 and (np.ptp(a) > 0 or np.ptp(b) > 0):
        welch = stats.ttest_ind(a, b, equal_var=False)
        result["welch_t"], result["p_welch"] = float(welch.statistic), float(welch.pvalue)
    result["p_mann_whitney"] = _p_value(stats.mannwhitneyu, a, b, alternative="two-sided")
    result["hedges_g"] = hedges_g(a, b)
    result["cohens_d"] = cohens_d(a, b)
    result["cliffs_delta"] = cliffs_delta(a, b)
    result["p_paired_t"] = math.nan
    result["p_wilcoxon"] = math.nan
    if paired and a.size > 1:
        if np.ptp(a - b) > 0:
            result["p_paired_t"] = float(stats.ttest_rel(a, b).pvalue)
        result["p_wilcoxon"] = _p_value(stats.wilcoxon, a, b)
    return result


def holm(p_values: Sequence[float], alpha: float = 0.05) -> list[float]:
    """Holm-Bonferroni adjusted p-values (statsmodels), in the given order. NaN entries
    (undefined tests) stay NaN and do not count towards the family size."""
    values = np.asarray(p_values, dtype=float)
    adjusted = np.full(values.shape, math.nan)
    defined = ~np.isnan(values)
    if defined.any():
        adjusted[defined] = multipletests(values[defined], alpha=alpha, method="holm")[1]
    return adjusted.tolist()


def seeds_for_power(a: Sequence[float], b: Sequence[float], power: float = 0.8, alpha: float = 0.05) -> float:
    """Seeds per group for a two-sided two-sample t-test to reach ``power`` at ``alpha``, if
    the true effect were the observed Cohen's d (statsmodels TTestIndPower, equal groups).

    NaN when the effect is undefined (fewer than 3 values in all, zero pooled variance);
    infinity when the observed means are equal. At least 2: a t-test needs two per group.
    """
    effect = abs(cohens_d(a, b))
    if math.isnan(effect):
        return math.nan
    if effect == 0:
        return math.inf
    analysis = TTestIndPower()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        at_two = analysis.power(effect_size=effect, nobs1=2, alpha=alpha, ratio=1.0)
    # Two seeds already suffice (the root finder fails there); NaN: the noncentral t
    # underflows, which happens only for effects far beyond any power target.
    if not at_two < power:
        return 2.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            n = float(analysis.solve_power(effect_size=effect, power=power, alpha=alpha, ratio=1.0, alternative="two-sided"))
        except (ValueError, RuntimeError):
            return math.nan
    return n if math.isfinite(n) else math.nan
