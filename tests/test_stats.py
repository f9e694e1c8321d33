"""Tests of analysis.core.stats: every statistic checked against an independent computation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from analysis.core import stats


def test_cliffs_delta_by_hand_and_against_mann_whitney():
    assert stats.cliffs_delta([1, 2, 3], [2]) == 0.0
    assert stats.cliffs_delta([5, 6], [1, 2, 3]) == 1.0
    assert stats.cliffs_delta([1, 1], [1, 2]) == pytest.approx(-0.5)
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 5, 17), rng.integers(1, 6, 11)  # many ties
    u = sps.mannwhitneyu(x, y).statistic
    assert stats.cliffs_delta(x, y) == pytest.approx(2 * u / (x.size * y.size) - 1)
    assert math.isnan(stats.cliffs_delta([], [1]))


def test_jaccard():
    assert stats.jaccard({"a", "b"}, {"b", "c"}) == pytest.approx(1 / 3)
    assert stats.jaccard({"a"}, {"a"}) == 1.0
    assert math.isnan(stats.jaccard(set(), set()))


def test_wilson_interval_matches_statsmodels():
    for count, nobs in [(0, 10), (6, 10), (10, 10), (3, 37)]:
        low, high = proportion_confint(count, nobs, method="wilson")
        assert stats.wilson_interval(count, nobs) == pytest.approx((low, high))


def _v_corrected_by_hand(t) -> float:
    """Bergsma (2013), eq. 5-6, written out."""
    t = np.asarray(t, dtype=float)
    n, (r, k) = t.sum(), t.shape
    phi2 = sps.chi2_contingency(t, correction=False).statistic / n
    phi2c = max(0.0, phi2 - (k - 1) * (r - 1) / (n - 1))
    rc, kc = r - (r - 1) ** 2 / (n - 1), k - (k - 1) ** 2 / (n - 1)
    return math.sqrt(phi2c / min(kc - 1, rc - 1))


def test_table_test_two_by_two_is_fisher_and_cramers_v_by_hand():
    t = np.array([[8, 2], [1, 5]])
    res = stats.table_test(t)
    assert res.p_value == pytest.approx(sps.fisher_exact(t).pvalue)
    assert res.test == "fisher_exact"
    assert res.v == pytest.approx(_v_corrected_by_hand(t))
    assert res.v < sps.contingency.association(t)  # the correction removes chance


def test_corrected_v_is_zero_at_chance_level():
    rng = np.random.default_rng(1)
    sparse = rng.multinomial(39, [1 / 24] * 24).reshape(2, 12)  # 39 codes in 24 cells
    assert sps.contingency.association(sparse) > 0.2  # the plain V looks like association
    assert stats.cramers_v_corrected(sparse) == pytest.approx(_v_corrected_by_hand(sparse))
    assert stats.cramers_v_corrected([[5, 5], [5, 5]]) == 0.0


def test_table_test_asymptotic_only_with_enough_expected_counts():
    big = np.array([[30, 20, 25], [20, 30, 25]])
    res = stats.table_test(big)
    ref = sps.chi2_contingency(big, correction=False)
    assert res.test == "chi_square"
    assert res.p_value == pytest.approx(ref.pvalue)
    assert res.v == pytest.approx(_v_corrected_by_hand(big))
    sparse = np.array([[3, 0, 1, 2], [0, 4, 1, 0]])
    one, two = stats.table_test(sparse), stats.table_test(sparse)
    assert one.test == "chi_square_monte_carlo" and one.small_expected > 0
    assert one.p_value == two.p_value  # fixed seed
    assert one.statistic == pytest.approx(sps.chi2_contingency(sparse, correction=False).statistic)


def test_table_test_without_variation_has_no_p_value():
    res = stats.table_test(np.array([[3, 0], [5, 0]]))
    assert math.isnan(res.p_value) and res.reason == "no_variation"


def test_rank_comparison_exact_when_informative_and_silent_when_not():
    x, y = [10, 12, 15, 20, 22], [1, 3, 4, 11, 2]
    rc = stats.rank_comparison(x, y)
    assert rc.p_value == pytest.approx(sps.mannwhitneyu(x, y, method="exact").pvalue)
    assert rc.delta == pytest.approx(2 * rc.statistic / 25 - 1)
    assert rc.ci_low <= rc.delta <= rc.ci_high
    small = stats.rank_comparison([1, 2, 3], [4])
    assert math.isnan(small.p_value) and small.reason == "too_few" and small.p_min == 0.5
    assert stats.min_rank_test_p(3, 1) == 0.5
    flat = stats.rank_comparison([2, 2, 2, 2], [2, 2, 2, 2])
    assert math.isnan(flat.p_value) and flat.reason == "no_variation"


def test_adjust_p_values_are_statsmodels_to_the_bit(multipletests):
    """Holm is computed here (statsmodels' collects garbage on every call): it must give
    multipletests' numbers exactly, with ties, ones, zeros and NaN among the p-values."""
    rng = np.random.default_rng(7)
    for size in [1, 2, 3, 5, 8, 13, 40] * 20:
        p = rng.choice([0.0, 0.001, 0.01, 0.03, 0.049, 0.2, 0.5, 1.0, np.nan], size)
        distinct = rng.random(size) < 0.5
        p[distinct] = rng.random(distinct.sum())  # distinct values beside the ties
        has = ~np.isnan(p)
        for method, theirs in (("holm", "holm"), ("bh", "fdr_bh")):
            ours = stats.adjust_p_values(p, method)
            assert np.isnan(ours).tolist() == (~has).tolist()
            if has.any():
                assert ours[has].tolist() == multipletests(p[has], method=theirs)[1].tolist()


def test_adjust_holm_and_bh_leave_nan_alone(multipletests):
    p = [0.01, 0.04, np.nan, 0.03]
    assert stats.adjust_p_values(p)[[0, 1, 3]] == pytest.approx(
        multipletests([0.01, 0.04, 0.03], method="holm")[1]
    )
    assert math.isnan(stats.adjust_p_values(p)[2])
    assert stats.adjust_p_values(p, "bh")[[0, 1, 3]] == pytest.approx(
        multipletests([0.01, 0.04, 0.03], method="fdr_bh")[1]
    )
    with pytest.raises(ValueError):
        stats.adjust_p_values(p, "bonferonni")


def test_results_are_frozen():
    rc = stats.rank_comparison([1, 2, 3], [4])
    with pytest.raises(AttributeError):
        rc.p_value = 0.0


def test_smallest_p_of_matched_pairs():
    assert [stats.min_sign_test_p(n) for n in (1, 5, 10)] == [1.0, 0.0625, 2 / 1024]
