"""Generic tests, intervals and effect sizes for small samples, as small result types.

Nothing here knows the study: each function takes numbers and returns a frozen
result with its estimate, interval and test in one place (after statsmodels'
result classes), never a bare float the caller must interpret and never a
sentence. Where a result has no test, ``reason`` says why with a code:

``no_data``
    a side has no value;
``no_variation``
    every value (or every pair) is the same;
``too_few``
    the test could not reach p < 0.05 whatever the data (``p_min`` is the
    smallest p it can give);
``zero_count``
    one side has no event at all, so a rate ratio is 0 or infinite;
``chance_level``
    an association measure at its chance level (bias-corrected Cramér's V of 0).

The study's comparisons (:mod:`analysis.core.compare`) turn these into rows; the paper's
words for every code live in ``paper/text/labels.yml``.

>>> min_sign_test_p(5)  # five matched pairs can never reach p < 0.05
0.0625
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "ALPHA",
    "CONFIDENCE",
    "N_BOOTSTRAP",
    "N_RESAMPLES",
    "SEED",
    "RankComparison",
    "RateRatio",
    "TableTest",
    "adjust_p_values",
    "finite",
    "cliffs_delta",
    "cramers_v_corrected",
    "jaccard",
    "min_rank_test_p",
    "min_sign_test_p",
    "poisson_rate_ratio",
    "rank_comparison",
    "table_test",
    "wilson_interval",
]

#: Seed of every resampling (Monte Carlo, permutation, bootstrap): results are reproducible.
SEED = 20210133
#: Resamples of every Monte Carlo / permutation test, and of every bootstrap interval.
N_RESAMPLES = 9999
N_BOOTSTRAP = 2000
CONFIDENCE = 0.95
ALPHA = 1 - CONFIDENCE
#: Below this sample size per side a rank test uses a permutation p.
PERMUTATION_BELOW = 30

_NAN = float("nan")


def finite(x) -> bool:
    """Whether `x` is a finite number (None, NaN, pandas' NA, infinities and text are not).

    >>> finite(2), finite(float("nan")), finite(None), finite("x")
    (True, False, False, False)
    """
    try:
        return x is not None and x is not pd.NA and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


# ----------------------------------------------------------------- effect sizes
def cliffs_delta(x: Sequence[float], y: Sequence[float]) -> float:
    """Cliff's delta, P(x > y) - P(x < y), over all pairs (ties count zero).

    Distribution-free and bounded in [-1, 1], it says how far two samples overlap
    without assuming a scale. Equals ``2 U / (n_x n_y) - 1`` with U the
    Mann-Whitney statistic of `x`.

    >>> cliffs_delta([5, 6], [1, 2, 3])
    1.0
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.size == 0 or y.size == 0:
        return _NAN
    return float(np.sign(x[:, None] - y[None, :]).mean())


def jaccard(x: Iterable, y: Iterable) -> float:
    """Jaccard similarity |x ∩ y| / |x ∪ y| of two sets; NaN when both are empty."""
    x, y = set(x), set(y)
    union = x | y
    return len(x & y) / len(union) if union else _NAN


# -------------------------------------------------------------------- intervals
def wilson_interval(count: int, nobs: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval of a proportion (good coverage at small n, never outside [0, 1])."""
    from scipy import stats  # lazy: start-up time

    if nobs == 0:
        return (_NAN, _NAN)
    z = stats.norm.ppf(1 - (1 - confidence) / 2)
    p = count / nobs
    centre = (p + z * z / (2 * nobs)) / (1 + z * z / nobs)
    half = z * math.sqrt(p * (1 - p) / nobs + z * z / (4 * nobs * nobs)) / (1 + z * z / nobs)
    return (max(0.0, centre - half), min(1.0, centre + half))


# ---------------------------------------------------------------- what a test can say
def min_sign_test_p(n: int) -> float:
    """Smallest two-sided p an exact sign (or McNemar) test of `n` pairs can give: 2 / 2**n."""
    return min(1.0, 2 * 0.5**n) if n > 0 else 1.0


# ------------------------------------------------------------ two-sample ranks
def min_rank_test_p(n_a: int, n_b: int) -> float:
    """Smallest two-sided p an exact rank test of samples of these sizes can give."""
    if n_a == 0 or n_b == 0:
        return 1.0
    return min(1.0, 2 / math.comb(n_a + n_b, n_a))


@dataclass(frozen=True)
class RankComparison:
    """Cliff's delta with its bootstrap interval, and a Mann-Whitney test where informative."""

    delta: float
    ci_low: float
    ci_high: float
    statistic: float
    p_value: float
    p_min: float
    test: str
    reason: str


def rank_comparison(x: Sequence[float], y: Sequence[float]) -> RankComparison:
    """Cliff's delta and, where it could reach p < 0.05 and values vary, a Mann-Whitney test.

    Below 30 values a side the p-value is an exact (or, for many arrangements, Monte
    Carlo) permutation p that handles ties, with a fixed seed; above, the
    tie-corrected normal approximation. The interval of delta is a percentile
    bootstrap, given only with the test.
    """
    from scipy import stats  # lazy: start-up time

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    delta = cliffs_delta(x, y)
    p_min = min_rank_test_p(x.size, y.size)
    empty = dict(ci_low=_NAN, ci_high=_NAN, statistic=_NAN, p_value=_NAN, p_min=p_min, test="")
    if x.size == 0 or y.size == 0:
        return RankComparison(delta=delta, reason="no_data", **empty)
    if np.unique(np.concatenate([x, y])).size == 1:
        return RankComparison(delta=delta, reason="no_variation", **empty)
    if p_min >= ALPHA:
        return RankComparison(delta=delta, reason="too_few", **empty)
    if min(x.size, y.size) < PERMUTATION_BELOW:
        method = stats.PermutationMethod(n_resamples=N_RESAMPLES, rng=np.random.default_rng(SEED))
        test = "mann_whitney_permutation"
    else:
        method, test = "asymptotic", "mann_whitney_asymptotic"
    res = stats.mannwhitneyu(x, y, method=method)
    boot = stats.bootstrap(
        (x, y),
        cliffs_delta,
        n_resamples=N_BOOTSTRAP,
        method="percentile",
        vectorized=False,
        rng=np.random.default_rng(SEED),
    )
    return RankComparison(
        delta=delta,
        ci_low=float(boot.confidence_interval.low),
        ci_high=float(boot.confidence_interval.high),
        statistic=float(res.statistic),
        p_value=float(res.pvalue),
        p_min=p_min,
        test=test,
        reason="",
    )


# --------------------------------------------------------- contingency tables
def cramers_v_corrected(table) -> float:
    """Cramér's V with Bergsma's (2013) bias correction: 0 when the table is at chance level.

    The plain V of a sparse table is far above zero even for independent rows (its
    expectation under independence grows with the number of cells per observation);
    the corrected V removes that expectation, so it can be read as association.

    >>> cramers_v_corrected([[10, 0], [0, 10]]), cramers_v_corrected([[5, 5], [5, 5]])
    (1.0, 0.0)
    """
    from scipy import stats  # lazy: start-up time

    t = np.asarray(table, dtype=float)
    n = t.sum()
    r, k = t.shape
    if n < 2 or r < 2 or k < 2:
        return _NAN
    chi2 = stats.chi2_contingency(t, correction=False).statistic
    phi2 = max(0.0, chi2 / n - (k - 1) * (r - 1) / (n - 1))
    r_corr = r - (r - 1) ** 2 / (n - 1)
    k_corr = k - (k - 1) ** 2 / (n - 1)
    denominator = min(k_corr - 1, r_corr - 1)
    return float(math.sqrt(phi2 / denominator)) if denominator > 0 else _NAN


@dataclass(frozen=True)
class TableTest:
    """A test of independence of a groups × categories table, with Cramér's V (bias-corrected).

    ``small_expected`` counts expected cells below 5 (which send the p-value to a
    Monte Carlo test with ``resamples`` tables).
    """

    v: float
    statistic: float
    p_value: float
    test: str
    reason: str
    n: int
    small_expected: int
    resamples: int


def table_test(table) -> TableTest:
    """Fisher's exact test for 2×2, else Pearson's chi-square (Monte Carlo p when sparse).

    All-zero rows and columns are dropped first; no test when a single row or
    column remains. The Monte Carlo p is over tables with the observed margins
    (fixed seed): the asymptotic p would mislead when expected counts are small.
    """
    from scipy import stats  # lazy: start-up time

    t = np.asarray(table, dtype=float)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0] if t.size else t
    n = int(t.sum())
    if t.ndim != 2 or t.shape[0] < 2 or t.shape[1] < 2:
        return TableTest(_NAN, _NAN, _NAN, "", "no_variation", n, 0, 0)
    t = t.astype(int)
    v = cramers_v_corrected(t)
    if t.shape == (2, 2):
        res = stats.fisher_exact(t)
        return TableTest(v, float(res.statistic), float(res.pvalue), "fisher_exact", "", n, 0, 0)
    small = int((stats.contingency.expected_freq(t) < 5).sum())
    if small == 0:
        res = stats.chi2_contingency(t, correction=False)
        test, resamples = "chi_square", 0
    else:
        method = stats.MonteCarloMethod(n_resamples=N_RESAMPLES, rng=np.random.default_rng(SEED))
        res = stats.chi2_contingency(t, correction=False, method=method)
        test, resamples = "chi_square_monte_carlo", N_RESAMPLES
    return TableTest(v, float(res.statistic), float(res.pvalue), test, "", n, small, resamples)


# ------------------------------------------------------------------ count models
@dataclass(frozen=True)
class RateRatio:
    """A rate ratio from a Poisson GLM with robust errors: group 1 relative to group 0.

    ``test`` is ``poisson_glm_clustered`` (errors clustered, ``clusters`` of them)
    or ``poisson_glm_robust`` (HC1); ``adjusted`` says whether covariates entered;
    ``warning`` keeps the fitting library's own message, if it warned.
    """

    estimate: float
    ci_low: float
    ci_high: float
    statistic: float
    p_value: float
    test: str
    adjusted: bool
    clusters: int
    reason: str
    warning: str = ""


def poisson_rate_ratio(
    counts: Sequence[float],
    group: Sequence[bool],
    covariates: np.ndarray | None = None,
    clusters: Sequence | None = None,
    min_clusters: int = 10,
) -> RateRatio:
    """Rate ratio of `counts` per unit in `group` against the rest (statsmodels GLM).

    A Poisson GLM with a log link estimates the rate ratio consistently even when
    the counts are overdispersed, provided the errors are robust (sandwich); a
    negative binomial model would add a dispersion parameter that few units
    cannot pin down. Errors are clustered when there are at least `min_clusters`
    clusters, HC1 otherwise (statsmodels' GLM "HC1" equals HC0, so the n / (n - k)
    factor is applied here).
    """
    # lazy: start-up time (statsmodels takes a second to import)
    import statsmodels.api as sm
    from scipy import stats
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    y = np.asarray(counts, dtype=float)
    g = np.asarray(group, dtype=bool)
    nan = dict(estimate=_NAN, ci_low=_NAN, ci_high=_NAN, statistic=_NAN, p_value=_NAN, test="")
    if g.all() or not g.any():
        return RateRatio(**nan, adjusted=False, clusters=0, reason="no_data")
    if y[g].sum() == 0 or y[~g].sum() == 0:
        reason = "no_variation" if y.sum() == 0 else "zero_count"
        return RateRatio(**nan, adjusted=False, clusters=0, reason=reason)
    x = g.astype(float)[:, None]
    adjusted = covariates is not None and np.asarray(covariates).size > 0
    if adjusted:
        x = np.column_stack([x, np.asarray(covariates, dtype=float)])
    x = sm.add_constant(x, has_constant="add")
    if len(y) <= x.shape[1] or g.sum() < 2 or (~g).sum() < 2:
        # no residual degrees of freedom (or one unit a side): nothing to estimate an error from
        return RateRatio(**nan, adjusted=bool(adjusted), clusters=0, reason="too_few")
    groups = None if clusters is None else np.unique(np.asarray(clusters), return_inverse=True)[1]
    n_clusters = 0 if groups is None else int(groups.max()) + 1
    clustered = n_clusters >= min_clusters
    kw = (
        {"cov_type": "cluster", "cov_kwds": {"groups": groups}}
        if clustered
        else {"cov_type": "HC0"}
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = sm.GLM(y, x, family=sm.families.Poisson()).fit(**kw)
    trouble = [
        w
        for w in caught
        if issubclass(w.category, (ConvergenceWarning, PerfectSeparationWarning, RuntimeWarning))
    ]
    beta, se = float(fit.params[1]), float(fit.bse[1])
    if not clustered:
        se *= math.sqrt(len(y) / (len(y) - x.shape[1]))
    z = stats.norm.ppf(1 - ALPHA / 2)
    return RateRatio(
        estimate=math.exp(beta),
        ci_low=math.exp(beta - z * se),
        ci_high=math.exp(beta + z * se),
        statistic=beta / se,
        p_value=float(2 * stats.norm.sf(abs(beta / se))),
        test="poisson_glm_clustered" if clustered else "poisson_glm_robust",
        adjusted=bool(adjusted),
        clusters=n_clusters,
        reason="",
        warning=str(trouble[0].message) if trouble else "",
    )


# ------------------------------------------------------------ multiple testing
#: Adjustment methods: Holm (family-wise error) and Benjamini-Hochberg (false discovery rate).
ADJUSTMENTS = ("holm", "bh")


def adjust_p_values(p_values: Sequence[float], method: str = "holm") -> np.ndarray:
    """Adjusted p-values, Holm's or Benjamini-Hochberg's; NaN stays NaN and is not counted.

    Benjamini-Hochberg is statsmodels' ``fdrcorrection``. Holm is its step-down formula,
    with the arithmetic of statsmodels' ``multipletests(method="holm")`` (the tests
    check the two agree) because that function runs a full ``gc.collect()`` on every
    call: a tenth of a second in a process holding many objects, for three numbers.

    >>> adjust_p_values([0.01, 0.04, float("nan")]).round(2).tolist()
    [0.02, 0.04, nan]
    """
    if method not in ADJUSTMENTS:
        raise ValueError(f"method must be one of {sorted(ADJUSTMENTS)}, not {method!r}")
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    has = ~np.isnan(p)
    if not has.any():
        return out
    if method == "bh":
        from statsmodels.stats.multitest import fdrcorrection  # lazy: start-up time

        out[has] = fdrcorrection(p[has])[1]
        return out
    order = np.argsort(p[has])
    ranked = p[has][order] * np.arange(len(order), 0, -1)  # p_(i) times (m - i + 1)
    adjusted = np.minimum(np.maximum.accumulate(ranked), 1.0)
    held = np.empty_like(adjusted)
    held[order] = adjusted
    out[has] = held
    return out
