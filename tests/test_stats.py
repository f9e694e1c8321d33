"""Tests of analysis.stats: every statistic checked against an independent computation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from analysis import stats


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


def test_paired_interval_matches_published_example():
    # Fagerland, Lydersen & Laake (2017), ch. 8, Cavo et al. (2012):
    # Newcombe square-and-add: -0.0621 (95% CI -0.1186 to -0.0046).
    d, low, high = stats.paired_proportion_interval([[59, 6], [16, 80]])
    assert (round(d, 4), round(low, 4), round(high, 4)) == (-0.0621, -0.1186, -0.0046)


def test_sign_test_against_binomtest_and_order_statistics():
    x = [3, 5, 4, 4, 1, 7, 2, 9, 6, 8]
    y = [1, 5, 2, 6, 0, 3, 2, 1, 1, 2]
    st = stats.sign_test(x, y)
    d = np.sort(np.subtract(x, y))
    assert (st.n_pos, st.n_neg, st.n_zero) == (7, 1, 2)
    assert st.p_value == pytest.approx(sps.binomtest(7, 8, 0.5).pvalue)
    # n = 10: [d(2), d(9)] covers 1 - 2 * 11/1024; [d(3), d(8)] would cover only 89%.
    assert (st.ci_low, st.ci_high) == (d[1], d[8])
    assert st.coverage == pytest.approx(1 - 2 * 11 / 1024)
    assert st.median == np.median(d)
    assert st.p_min == pytest.approx(2 / 2**10)  # 10 pairs, whatever the ties
    five = stats.sign_test([1, 2, 3, 4, 5], [0, 0, 0, 0, 0])
    assert five.coverage == pytest.approx(1 - 2 / 32)
    assert (five.ci_low, five.ci_high) == (1.0, 5.0)
    assert five.p_min == 0.0625 and five.p_value == pytest.approx(0.0625)


def test_sign_test_all_ties_has_no_p_value():
    st = stats.sign_test([1, 2, 3], [1, 2, 3])
    assert math.isnan(st.p_value) and st.reason == "no_variation"
    assert stats.sign_test([], []).reason == "no_data"


def test_mcnemar_against_binomtest_and_no_discordant_pairs():
    a = [True, True, False, False, True, False, False, False]
    b = [True, False, True, True, True, True, False, True]
    m = stats.mcnemar_exact(a, b)
    assert m.table == ((2, 1), (4, 1))
    assert m.p_value == pytest.approx(sps.binomtest(1, 5, 0.5).pvalue)
    assert m.difference == pytest.approx((3 - 6) / 8)
    assert m.p_min == pytest.approx(2 / 2**8)
    same = stats.mcnemar_exact(a, a)
    assert math.isnan(same.p_value) and same.reason == "no_discordant"


def test_table_test_two_by_two_is_fisher_and_cramers_v_by_hand():
    t = np.array([[8, 2], [1, 5]])
    res = stats.table_test(t)
    assert res.p_value == pytest.approx(sps.fisher_exact(t).pvalue)
    assert res.test == "fisher_exact"
    chi2 = sps.chi2_contingency(t, correction=False).statistic
    assert res.v == pytest.approx(math.sqrt(chi2 / t.sum()))


def test_table_test_asymptotic_only_with_enough_expected_counts():
    big = np.array([[30, 20, 25], [20, 30, 25]])
    res = stats.table_test(big)
    ref = sps.chi2_contingency(big, correction=False)
    assert res.test == "chi_square"
    assert res.p_value == pytest.approx(ref.pvalue)
    assert res.v == pytest.approx(math.sqrt(ref.statistic / big.sum()))
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


def test_adjust_holm_and_bh_leave_nan_alone():
    p = [0.01, 0.04, np.nan, 0.03]
    assert stats.adjust(p)[[0, 1, 3]] == pytest.approx(
        multipletests([0.01, 0.04, 0.03], method="holm")[1]
    )
    assert math.isnan(stats.adjust(p)[2])
    assert stats.adjust(p, "bh")[[0, 1, 3]] == pytest.approx(
        multipletests([0.01, 0.04, 0.03], method="fdr_bh")[1]
    )
    with pytest.raises(ValueError):
        stats.adjust(p, "bonferonni")


def test_results_are_frozen():
    st = stats.sign_test([1, 2], [0, 0])
    with pytest.raises(AttributeError):
        st.p_value = 0.0
