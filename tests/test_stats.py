"""Mean, standard deviation and t confidence interval over seeds, against hand-computed values."""

import math

import pytest

from qrnn.stats import mean_and_confidence_interval

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
