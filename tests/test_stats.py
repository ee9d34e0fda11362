"""Mean, standard deviation and t confidence interval over seeds, against hand-computed values."""

import math

import pytest

from qrnn.tables.statistics import mean_and_confidence_interval

# Two-sided 95% quantiles of Student's t from a printed table: t(0.975; df).
T_975 = {1: 12.706205, 3: 3.182446}


def test_four_values():
    # mean 2.5; sample variance ((1.5^2 + 0.5^2) * 2) / 3 = 5/3; half-width t * s / sqrt(4)
    summary = mean_and_confidence_interval([1.0, 2.0, 3.0, 4.0])
    half_width = T_975[3] * math.sqrt(5 / 3) / 2
    assert summary["n"] == 4 and summary["mean"] == 2.5
    assert summary["std"] == pytest.approx(math.sqrt(5 / 3))
    assert summary["ci_low"] == pytest.approx(2.5 - half_width, abs=1e-6)
    assert summary["ci_high"] == pytest.approx(2.5 + half_width, abs=1e-6)


def test_two_values_use_one_degree_of_freedom():
    summary = mean_and_confidence_interval([0.5, 0.7])  # s = 0.1 * sqrt(2), s / sqrt(2) = 0.1
    assert summary["ci_low"] == pytest.approx(0.6 - T_975[1] * 0.1, abs=1e-6)
    assert summary["ci_high"] == pytest.approx(0.6 + T_975[1] * 0.1, abs=1e-6)


def test_one_value_has_no_spread():
    summary = mean_and_confidence_interval([0.3])
    assert summary["mean"] == 0.3 and summary["n"] == 1
    assert all(math.isnan(summary[key]) for key in ("std", "ci_low", "ci_high"))


def test_identical_values_give_a_zero_width_interval():
    assert mean_and_confidence_interval([2.0, 2.0, 2.0]) == {"n": 3, "mean": 2.0, "std": 0.0, "ci_low": 2.0, "ci_high": 2.0}


def test_no_values_is_an_error():
    with pytest.raises(ValueError, match="no values"):
        mean_and_confidence_interval([])


# --- two-group comparisons -------------------------------------------------------------

import numpy as np  # noqa: E402
from scipy import stats as scipy_stats  # noqa: E402
from statsmodels.stats.multitest import multipletests  # noqa: E402

from qrnn.tables.statistics import (  # noqa: E402
    BOOTSTRAP_BCA,
    BOOTSTRAP_MIN_SEEDS,
    BOOTSTRAP_RESAMPLES,
    STUDENT_T,
    bootstrap_interval,
    cliffs_delta,
    compare_groups,
    hedges_g,
    holm,
    interval_method,
    interval_note,
    seeds_for_power,
    summarise,
)

A = [0.41, 0.38, 0.45, 0.40]
B = [0.52, 0.47, 0.55, 0.50]


def test_cliffs_delta_by_hand():
    # a = 1, 2, 3 against b = 2, 3, 4: pairs a > b: 1 (3 > 2), a < b: 6, ties 2 -> (1 - 6) / 9
    assert cliffs_delta([1, 2, 3], [2, 3, 4]) == pytest.approx(-5 / 9)
    assert cliffs_delta([5, 6], [1, 2, 3]) == 1.0
    assert cliffs_delta([1, 2], [1, 2]) == 0.0


def test_cliffs_delta_is_the_rescaled_mann_whitney_u():
    u = scipy_stats.mannwhitneyu(A, B).statistic
    assert cliffs_delta(A, B) == pytest.approx(2 * u / (len(A) * len(B)) - 1)


def test_hedges_g_by_hand():
    # means 2 and 4, both variances 1: d = -2; df = 4: J = Gamma(2) / (sqrt(2) Gamma(3/2)) = 1 / (sqrt(2) * sqrt(pi) / 2)
    correction = 1 / (math.sqrt(2) * math.sqrt(math.pi) / 2)
    assert hedges_g([1, 2, 3], [3, 4, 5]) == pytest.approx(-2 * correction)
    assert correction == pytest.approx(1 - 3 / (4 * 6 - 9), abs=3e-3)  # Hedges' usual approximation


def test_compare_groups_wraps_scipy_for_the_tests():
    result = compare_groups(A, B)
    welch = scipy_stats.ttest_ind(A, B, equal_var=False)
    assert result["welch_t"] == pytest.approx(welch.statistic) and result["p_welch"] == pytest.approx(welch.pvalue)
    assert result["p_mann_whitney"] == pytest.approx(scipy_stats.mannwhitneyu(A, B, alternative="two-sided").pvalue)
    assert result["mean_a"] == pytest.approx(np.mean(A)) and result["std_b"] == pytest.approx(np.std(B, ddof=1))
    assert result["difference"] == pytest.approx(np.mean(A) - np.mean(B))
    assert math.isnan(result["p_paired_t"]) and math.isnan(result["p_wilcoxon"])


def test_paired_tests_match_scipy():
    result = compare_groups(A, B, paired=True)
    assert result["p_paired_t"] == pytest.approx(scipy_stats.ttest_rel(A, B).pvalue)
    assert result["p_wilcoxon"] == pytest.approx(scipy_stats.wilcoxon(A, B).pvalue)
    with pytest.raises(ValueError, match="paired groups need as many values"):
        compare_groups(A, B[:3], paired=True)


TWELVE_A = [0.41, 0.38, 0.45, 0.40, 0.43, 0.39, 0.47, 0.42, 0.36, 0.44, 0.40, 0.41]
TWELVE_B = [0.52, 0.47, 0.55, 0.50, 0.49, 0.53, 0.51, 0.48, 0.56, 0.50, 0.54, 0.46]


def test_the_interval_method_follows_the_seed_count():
    assert [interval_method(n) for n in (2, 3, BOOTSTRAP_MIN_SEEDS - 1)] == [STUDENT_T] * 3
    assert interval_method(BOOTSTRAP_MIN_SEEDS) == interval_method(12) == BOOTSTRAP_BCA
    assert interval_method(12, 3) == STUDENT_T  # a difference takes the smaller group's count


def test_at_three_seeds_the_interval_is_students_t_and_reaches_past_the_seeds():
    values = [0.30, 0.32, 0.31]
    summary = summarise(values, seed=5)
    expected = scipy_stats.t.interval(0.95, df=2, loc=np.mean(values), scale=scipy_stats.sem(values))
    assert summary["interval_method"] == STUDENT_T
    assert (summary["ci_low"], summary["ci_high"]) == pytest.approx(expected)
    assert summary["ci_low"] < min(values) - 0.01 and summary["ci_high"] > max(values) + 0.01  # not the min and max
    bootstrap = bootstrap_interval((np.array(values),), np.mean, seed=5)  # what the tables used to print
    assert bootstrap[0] >= min(values) and bootstrap[1] <= max(values)


def test_at_three_seeds_the_difference_interval_is_welchs_or_the_paired_t():
    a, b = [0.60, 0.62, 0.61], [0.30, 0.35, 0.29]
    result = compare_groups(a, b)
    welch = scipy_stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert result["interval_method"] == STUDENT_T
    assert (result["ci_low_difference"], result["ci_high_difference"]) == pytest.approx((welch.low, welch.high))
    paired = compare_groups(a, b, paired=True)
    expected = scipy_stats.ttest_rel(a, b).confidence_interval(0.95)
    assert (paired["ci_low_difference"], paired["ci_high_difference"]) == pytest.approx((expected.low, expected.high))


def test_from_ten_seeds_the_interval_is_scipys_bootstrap_and_seeded():
    expected = scipy_stats.bootstrap((np.array(TWELVE_A),), np.mean, n_resamples=BOOTSTRAP_RESAMPLES, method="BCa", rng=np.random.default_rng(5))
    summary = summarise(TWELVE_A, seed=5)
    assert summary["interval_method"] == BOOTSTRAP_BCA
    assert summary["ci_low"] == pytest.approx(expected.confidence_interval.low)
    assert summary["ci_high"] == pytest.approx(expected.confidence_interval.high)
    assert summarise(TWELVE_A, seed=5) == summary
    result = compare_groups(TWELVE_A, TWELVE_B, seed=3)
    assert result["interval_method"] == BOOTSTRAP_BCA
    difference = scipy_stats.bootstrap(
        (np.array(TWELVE_A), np.array(TWELVE_B)), lambda x, y, axis=-1: x.mean(axis=axis) - y.mean(axis=axis),
        n_resamples=BOOTSTRAP_RESAMPLES, method="BCa", rng=np.random.default_rng(5),
    ).confidence_interval
    assert result["ci_low_difference"] < result["difference"] < result["ci_high_difference"] < 0
    assert result["ci_low_difference"] == pytest.approx(difference.low, abs=0.005) and result["ci_high_difference"] == pytest.approx(difference.high, abs=0.005)


def test_the_interval_note_names_the_method_of_every_row():
    assert "Student-t (scipy.stats.t) in every row (fewer than 10 seeds)" in interval_note({"qrnn": STUDENT_T, "lstm": STUDENT_T})
    mixed = interval_note({"qrnn": BOOTSTRAP_BCA, "lstm": STUDENT_T}, differences=True)
    assert "bootstrap (BCa" in mixed and "for qrnn" in mixed and "Student-t (scipy.stats.t) for lstm" in mixed and "Welch" in mixed


def test_holm_matches_statsmodels_and_a_hand_example():
    p = [0.01, 0.04, 0.03, 0.2]
    assert holm(p) == pytest.approx(list(multipletests(p, method="holm")[1]))
    # sorted 0.01, 0.03, 0.04, 0.2 times 4, 3, 2, 1 -> 0.04, 0.09, 0.08 -> monotone 0.09, 0.2
    assert holm(p) == pytest.approx([0.04, 0.09, 0.09, 0.2])
    assert holm([]) == []
    adjusted = holm([0.01, math.nan, 0.04])  # an undefined test is not part of the family
    assert adjusted[0] == pytest.approx(0.02) and math.isnan(adjusted[1]) and adjusted[2] == pytest.approx(0.04)


def test_seeds_for_power_reproduces_cohens_table():
    # d = 0.5 (a medium effect): 64 per group for 80% power at alpha 0.05 (Cohen 1988, table 2.4.1)
    assert seeds_for_power([-1, 0, 1], [-0.5, 0.5, 1.5]) == pytest.approx(63.77, abs=0.05)
    assert seeds_for_power([0, 1, 2], [0, 1, 2]) == math.inf
    assert math.isnan(seeds_for_power([1.0], [2.0]))
    assert seeds_for_power([0.0, 0.01, 0.02], [5.0, 5.01, 5.02]) == 2.0  # a huge effect: the minimum of a t-test


@pytest.mark.parametrize("a,b", [([0.3], [0.5]), ([0.3, 0.3, 0.3], [0.5, 0.5, 0.5]), ([0.4, 0.5], [0.4, 0.5])])
def test_degenerate_groups_give_nan_not_a_crash(a, b):
    result = compare_groups(a, b, paired=len(a) == len(b))
    assert result["difference"] == pytest.approx(np.mean(a) - np.mean(b))
    if len(a) == 1:
        assert all(math.isnan(result[key]) for key in ("std_a", "ci_low_a", "p_welch", "hedges_g", "p_paired_t"))
    elif np.ptp(a) == 0:  # constant groups: no variance, a zero-width interval, no t-test
        assert math.isnan(result["p_welch"]) and math.isnan(result["hedges_g"])
        assert result["ci_low_a"] == result["ci_high_a"] == 0.3
    else:  # identical groups
        assert result["p_welch"] == pytest.approx(1.0) and result["hedges_g"] == 0.0 and result["cliffs_delta"] == 0.0
        assert math.isnan(result["p_paired_t"])  # every difference zero: t = 0/0
        assert not result["p_wilcoxon"] < 1.0  # scipy's wilcoxon gives 1 here (NaN in older versions)


def test_non_finite_values_are_refused():
    with pytest.raises(ValueError, match="non-finite"):
        compare_groups([0.1, math.nan], [0.2, 0.3])
