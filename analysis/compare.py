"""Comparison statistics for a pair of countries, as tidy DataFrames.

The article compares Mexico and Chile in words only. Every function here returns
the same layout (:data:`COLUMNS`), one row per comparison, so notebooks and the
paper render any of them directly:

``dimension``, ``measure``
    What is compared. A subgroup (a platform, a role, a topic) is written in
    brackets: ``followers[twitter]``, ``platform_jaccard[foreign_ministry]``.
``value_a``, ``value_b``
    The measure for each country (a count, a mean, a share, a median).
``difference``, ``ratio``
    Always ``value_a - value_b`` and ``value_a / value_b``: *a relative to b*.
``effect_size``, ``effect_name``, ``ci_low``, ``ci_high``
    The effect size, named, and its interval (95 % unless ``note`` says other).
    Effect sizes are oriented the same way (a relative to b).
``test``, ``statistic``, ``p_value``
    Empty / NaN when there is no test, and *always* NaN when the compared
    values do not vary or the test cannot reach p < 0.05 whatever the data:
    ``note`` says why.
``n``, ``n_missing``
    Units that entered the comparison and units left out because the source
    gives no value (missing values are counted, never read as zero).

Five institutions a country is a small sample, so paired comparisons use exact
tests, contingency tables exact or Monte Carlo tests with a fixed seed, and
intervals come before p-values. :func:`all_comparisons` runs everything and
adjusts p-values within each dimension (:func:`adjust`).

>>> from analysis import load, compare
>>> s = load.study("MEX", "CHL")
>>> compare.website(s).loc[0, ["value_a", "value_b"]].tolist()
[6.0, 8.0]
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from analysis import codebook

#: The fixed columns of every comparison table, in order.
COLUMNS = [
    "dimension",
    "measure",
    "country_a",
    "country_b",
    "value_a",
    "value_b",
    "difference",
    "ratio",
    "effect_size",
    "effect_name",
    "ci_low",
    "ci_high",
    "test",
    "statistic",
    "p_value",
    "n",
    "n_missing",
    "note",
]
#: Columns :func:`adjust` adds after :data:`COLUMNS`.
ADJUSTED_COLUMNS = [*COLUMNS, "family", "p_adjusted", "adjustment"]
_NUMERIC = [
    "value_a",
    "value_b",
    "difference",
    "ratio",
    "effect_size",
    "ci_low",
    "ci_high",
    "statistic",
    "p_value",
]
_TEXT = ["dimension", "measure", "country_a", "country_b", "effect_name", "test", "note"]

#: Seed of every resampling (Monte Carlo, permutation, bootstrap): results are reproducible.
SEED = 20210133
#: Resamples of every Monte Carlo / permutation test and bootstrap interval.
N_RESAMPLES = 9999
N_BOOTSTRAP = 2000
CONFIDENCE = 0.95
_ALPHA = 1 - CONFIDENCE
#: Below this sample size per country a rank test uses an exact permutation p.
_PERMUTATION_BELOW = 30
_METRICS = ("followers", "posts", "views")


# --------------------------------------------------------------------------- layout
def _row(dimension: str, measure: str, a: str, b: str, **values) -> dict:
    unknown = set(values) - set(COLUMNS)
    if unknown:
        raise KeyError(f"not result columns: {sorted(unknown)}")
    row = dict.fromkeys(COLUMNS, np.nan)
    row.update(dimension=dimension, measure=measure, country_a=a, country_b=b)
    row.update({"effect_name": "", "test": "", "note": "", "n": pd.NA, "n_missing": 0})
    row.update(values)
    va, vb = row["value_a"], row["value_b"]
    if "difference" not in values:
        row["difference"] = va - vb if _finite(va) and _finite(vb) else np.nan
    if "ratio" not in values:
        row["ratio"] = va / vb if _finite(va) and _finite(vb) and vb != 0 else np.nan
    return row


def _frame(rows: Iterable[dict]) -> pd.DataFrame:
    """The rows as a DataFrame in the fixed layout with fixed dtypes."""
    df = pd.DataFrame(list(rows), columns=COLUMNS)
    for col in _NUMERIC:
        df[col] = pd.to_numeric(df[col]).astype("float64")
    for col in ("n", "n_missing"):
        df[col] = df[col].astype("Int64")
    for col in _TEXT:
        df[col] = df[col].fillna("").astype("string")
    return df.reset_index(drop=True)


def _finite(x) -> bool:
    try:
        return x is not None and not pd.isna(x) and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


# --------------------------------------------------------------- building blocks
def cliffs_delta(x: Sequence[float], y: Sequence[float]) -> float:
    """Cliff's delta, P(x > y) - P(x < y), over all pairs (ties count zero).

    Distribution-free and bounded in [-1, 1], it says how far two small samples
    overlap without assuming a scale. Equals ``2 U / (n_x n_y) - 1`` with U the
    Mann-Whitney statistic of `x`.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.size == 0 or y.size == 0:
        return np.nan
    return float(np.sign(x[:, None] - y[None, :]).mean())


def jaccard(x: Iterable, y: Iterable) -> float:
    """Jaccard similarity |x ∩ y| / |x ∪ y| of two sets; NaN when both are empty."""
    x, y = set(x), set(y)
    union = x | y
    return len(x & y) / len(union) if union else np.nan


def _rank_row(dimension, measure, a, b, xa, xb, rc, note, **extra) -> dict:
    """A rank comparison: the medians, Cliff's delta with its interval, and the test if any."""
    return _row(
        dimension,
        measure,
        a,
        b,
        value_a=float(xa.median()) if len(xa) else np.nan,
        value_b=float(xb.median()) if len(xb) else np.nan,
        effect_size=rc["delta"],
        effect_name="Cliff's delta (a vs b)" if _finite(rc["delta"]) else "",
        ci_low=rc["ci"][0],
        ci_high=rc["ci"][1],
        test=rc["test"],
        statistic=rc["statistic"],
        p_value=rc["p_value"],
        n=len(xa) + len(xb),
        note=note,
        **extra,
    )


def _set_row(dimension, measure, a, b, set_a, set_b, what, n, note) -> dict:
    """A comparison of two sets (platforms, topics): their sizes and their Jaccard similarity."""
    return _row(
        dimension,
        measure,
        a,
        b,
        value_a=float(len(set_a)),
        value_b=float(len(set_b)),
        effect_size=jaccard(set_a, set_b),
        effect_name=f"Jaccard similarity of {what} sets",
        n=n,
        note=note,
    )


def wilson_interval(count: int, nobs: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval of a proportion (good coverage at small n, never outside [0, 1])."""
    if nobs == 0:
        return (np.nan, np.nan)
    z = stats.norm.ppf(1 - (1 - confidence) / 2)
    p = count / nobs
    centre = (p + z * z / (2 * nobs)) / (1 + z * z / nobs)
    half = z * math.sqrt(p * (1 - p) / nobs + z * z / (4 * nobs * nobs)) / (1 + z * z / nobs)
    return (max(0.0, centre - half), min(1.0, centre + half))


def paired_proportion_interval(
    table: Sequence[Sequence[int]], confidence: float = CONFIDENCE
) -> tuple[float, float, float]:
    """Difference of two paired proportions with Newcombe's (1998) square-and-add interval.

    ``table = [[both, first_only], [second_only, neither]]``; the difference is
    ``p_first - p_second``. Newcombe's method 10 combines the two Wilson
    intervals with the (continuity-corrected) correlation of the pairs; unlike
    the Wald interval it behaves at 10 pairs and at proportions near 0 or 1.
    statsmodels has no paired interval, so it is written out here.

    Returns
    -------
    (difference, low, high)
    """
    (e, f), (g, h) = np.asarray(table, dtype=float)
    n = e + f + g + h
    if n == 0:
        return (np.nan, np.nan, np.nan)
    p1, p2 = (e + f) / n, (e + g) / n
    l1, u1 = wilson_interval(e + f, int(n), confidence)
    l2, u2 = wilson_interval(e + g, int(n), confidence)
    margins = (e + f) * (g + h) * (e + g) * (f + h)
    phi = 0.0
    if margins > 0:
        cross = e * h - f * g
        if cross > n / 2:
            phi = (cross - n / 2) / math.sqrt(margins)
        elif cross < 0:
            phi = cross / math.sqrt(margins)
    d = p1 - p2
    low = d - math.sqrt(max(0.0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2))
    high = d + math.sqrt(
        max(0.0, (p2 - l2) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1) + (u1 - p1) ** 2)
    )
    return (d, max(-1.0, low), min(1.0, high))


def sign_test(x: Sequence[float], y: Sequence[float]) -> dict:
    """Exact sign test of paired values, with a distribution-free interval of the median difference.

    Chosen over the exact Wilcoxon signed-rank test because the paired values
    here are small counts (platforms, criteria): zero and tied differences are
    the rule, and the exact Wilcoxon distribution assumes neither. The sign
    test is exact whatever the ties; zero differences are dropped from it and
    counted. The interval of the median difference is the order-statistic
    interval with coverage of at least 95 %; below 6 pairs no such interval
    exists and the widest one, [min, max], is given with its coverage.

    Returns
    -------
    dict
        ``n``, ``n_pos``, ``n_neg``, ``n_zero``, ``median``, ``ci`` (low, high),
        ``coverage``, ``p_value`` (NaN when every pair is tied), ``note``.
    """
    d = np.asarray(x, dtype=float) - np.asarray(y, dtype=float)
    d = np.sort(d[~np.isnan(d)])
    n = d.size
    pos, neg = int((d > 0).sum()), int((d < 0).sum())
    out = {"n": n, "n_pos": pos, "n_neg": neg, "n_zero": n - pos - neg}
    out.update(median=float(np.median(d)) if n else np.nan, ci=(np.nan, np.nan), coverage=np.nan)
    notes = [f"{pos} pairs a > b, {neg} a < b, {n - pos - neg} tied"]
    if n >= 2:
        coverage = [1 - 2 * stats.binom.cdf(k - 1, n, 0.5) for k in range(1, n // 2 + 1)]
        ok = [k for k, c in enumerate(coverage, start=1) if c >= CONFIDENCE]
        k = max(ok) if ok else 1
        out["ci"], out["coverage"] = (float(d[k - 1]), float(d[n - k])), float(coverage[k - 1])
        if not ok:
            notes.append(
                f"interval [min, max] of the paired differences covers {coverage[0]:.1%} "
                f"(no 95% distribution-free interval exists for {n} pairs)"
            )
    if pos + neg == 0:
        out["p_value"] = np.nan
        notes.append("no variation: every pair is tied, no test")
    else:
        out["p_value"] = float(stats.binomtest(pos, pos + neg, 0.5).pvalue)
        if out["n_zero"]:
            notes.append(f"the sign test drops the {out['n_zero']} tied pair(s)")
    out["note"] = "; ".join(notes)
    return out


def mcnemar_exact(x: Sequence[bool], y: Sequence[bool]) -> dict:
    """Exact McNemar test of paired yes/no values, with the paired difference of proportions.

    Returns
    -------
    dict
        ``table`` ([[both, a only], [b only, neither]]), ``n``, ``count_a``,
        ``count_b``, ``difference``, ``ci``, ``statistic``, ``p_value`` (NaN
        when there is no discordant pair: nothing to test), ``note``.
    """
    from statsmodels.stats.contingency_tables import mcnemar

    x = np.asarray(x, dtype=bool)
    y = np.asarray(y, dtype=bool)
    table = [[int((x & y).sum()), int((x & ~y).sum())], [int((~x & y).sum()), int((~x & ~y).sum())]]
    d, low, high = paired_proportion_interval(table)
    out = {
        "table": table,
        "n": int(x.size),
        "count_a": int(x.sum()),
        "count_b": int(y.sum()),
        "difference": d,
        "ci": (low, high),
    }
    discordant = table[0][1] + table[1][0]
    if discordant == 0:
        out.update(statistic=np.nan, p_value=np.nan)
        out["note"] = "no discordant pair: a and b agree on every unit, no test"
    else:
        res = mcnemar(table, exact=True)
        out.update(statistic=float(res.statistic), p_value=float(res.pvalue))
        out["note"] = (
            f"{table[0][1]} units only in a, {table[1][0]} only in b; "
            "interval: Newcombe square-and-add for paired proportions"
        )
    return out


def min_rank_test_p(n_a: int, n_b: int) -> float:
    """Smallest two-sided p-value an exact rank test of samples of these sizes can give."""
    if n_a == 0 or n_b == 0:
        return 1.0
    return min(1.0, 2 / math.comb(n_a + n_b, n_a))


def rank_comparison(x: Sequence[float], y: Sequence[float]) -> dict:
    """Cliff's delta with a bootstrap interval and a Mann-Whitney test, where informative.

    The test is run only when it could reach p < 0.05 (see :func:`min_rank_test_p`)
    and the values vary. Below 30 values a country the p-value is an exact (or,
    for many arrangements, Monte Carlo) permutation p that handles ties, with a
    fixed seed; above, the tie-corrected normal approximation.

    Returns
    -------
    dict
        ``delta``, ``ci``, ``statistic`` (U of x), ``p_value``, ``test``, ``note``.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    out = {"delta": cliffs_delta(x, y), "ci": (np.nan, np.nan), "statistic": np.nan}
    out.update(p_value=np.nan, test="", note="")
    if x.size == 0 or y.size == 0:
        out["note"] = "a country has no values: nothing to compare"
        return out
    if np.unique(np.concatenate([x, y])).size == 1:
        out["note"] = "no variation: all values are equal, no test"
        return out
    floor = min_rank_test_p(x.size, y.size)
    if floor >= _ALPHA:
        out["note"] = (
            f"too few values ({x.size} vs {y.size}) for a rank test: the smallest "
            f"p-value it could give is {floor:.2f}; no test"
        )
        return out
    if min(x.size, y.size) < _PERMUTATION_BELOW:
        method = stats.PermutationMethod(n_resamples=N_RESAMPLES, rng=np.random.default_rng(SEED))
        out["test"] = "Mann-Whitney U, permutation p"
    else:
        method = "asymptotic"
        out["test"] = "Mann-Whitney U, normal approximation with tie correction"
    res = stats.mannwhitneyu(x, y, method=method)
    out.update(statistic=float(res.statistic), p_value=float(res.pvalue))
    boot = stats.bootstrap(
        (x, y),
        cliffs_delta,
        n_resamples=N_BOOTSTRAP,
        method="percentile",
        vectorized=False,
        rng=np.random.default_rng(SEED),
    )
    out["ci"] = (float(boot.confidence_interval.low), float(boot.confidence_interval.high))
    out["note"] = "interval of Cliff's delta: percentile bootstrap"
    return out


def table_test(table: pd.DataFrame | np.ndarray) -> dict:
    """Test of independence for a country × category table, with Cramér's V.

    All-zero rows and columns are dropped first. A 2×2 table gets Fisher's exact
    test. A larger table gets Pearson's chi-square, with the asymptotic p only
    when every expected count is at least 5; otherwise the p-value is a Monte
    Carlo p over tables with the observed margins (fixed seed), since the
    asymptotic p would mislead. No test when a single category remains.

    Returns
    -------
    dict
        ``v`` (Cramér's V), ``statistic``, ``p_value``, ``test``, ``note``, ``n``.
    """
    t = np.asarray(table, dtype=float)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0] if t.size else t
    out = {"v": np.nan, "statistic": np.nan, "p_value": np.nan, "test": "", "note": ""}
    out["n"] = int(t.sum())
    if t.ndim != 2 or t.shape[0] < 2 or t.shape[1] < 2:
        out["note"] = "no variation: a single category (or a single country) has data, no test"
        return out
    t = t.astype(int)
    out["v"] = float(stats.contingency.association(t, method="cramer"))
    if t.shape == (2, 2):
        res = stats.fisher_exact(t)
        out.update(statistic=float(res.statistic), p_value=float(res.pvalue))
        out["test"] = "Fisher exact (odds ratio)"
        return out
    expected = stats.contingency.expected_freq(t)
    small = int((expected < 5).sum())
    if small == 0:
        res = stats.chi2_contingency(t, correction=False)
        out["test"] = "Pearson chi-square"
    else:
        method = stats.MonteCarloMethod(n_resamples=N_RESAMPLES, rng=np.random.default_rng(SEED))
        res = stats.chi2_contingency(t, correction=False, method=method)
        out["test"] = "Pearson chi-square, Monte Carlo p"
        out["note"] = (
            f"{small} of {expected.size} expected counts below 5: the asymptotic p would "
            f"mislead; p from {N_RESAMPLES} tables with the observed margins (seed {SEED})"
        )
    out.update(statistic=float(res.statistic), p_value=float(res.pvalue))
    return out


# ------------------------------------------------------------------------ presence
def _platform_order(data_dir) -> list[str]:
    return codebook.categories("platforms", data_dir)


def presence_by_institution(study) -> pd.DataFrame:
    """Platforms in use per institution: a descriptive table, one row per institution.

    Columns: country, role, name, platforms (all platforms, core and other),
    core_platforms, presence_index (share of the codebook's core platforms in
    use), platform_list. An institution without accounts has 0 platforms.
    """
    core = codebook.core_platforms(study.data_dir)
    order = {p: i for i, p in enumerate(_platform_order(study.data_dir))}
    roles = {r: i for i, r in enumerate(codebook.categories("roles", study.data_dir))}
    used: dict[tuple, set] = {}
    for acc in study.accounts[["country", "role", "platform"]].dropna().itertuples(index=False):
        used.setdefault((acc.country, acc.role), set()).add(acc.platform)
    rows = []
    for inst in study.institutions.itertuples(index=False):
        plats = used.get((inst.country, inst.role), set())
        rows.append(
            {
                "country": inst.country,
                "role": inst.role,
                "name": inst.name,
                "platforms": len(plats),
                "core_platforms": len(plats & set(core)),
                "presence_index": len(plats & set(core)) / len(core),
                "platform_list": ", ".join(sorted(plats, key=order.get)),
            }
        )
    df = pd.DataFrame(rows)
    df["_c"] = df["country"].map({study.a: 0, study.b: 1})
    df["_r"] = df["role"].map(roles)
    return df.sort_values(["_c", "_r"]).drop(columns=["_c", "_r"]).reset_index(drop=True)


def _paired_by_role(table: pd.DataFrame, column: str, a: str, b: str) -> pd.DataFrame:
    wide = table.pivot(index="role", columns="country", values=column)
    for c in (a, b):
        if c not in wide:
            wide[c] = np.nan
    return wide[[a, b]]


def presence(study) -> pd.DataFrame:
    """Compare presence: platforms per institution, presence index, shared platforms.

    Institutions are matched by role (the five rows of Tabla 1), so the two
    means are compared pairwise with the exact sign test (:func:`sign_test`).
    Platform sets are compared with Jaccard similarity, per matched institution
    and per country; institutional features (website, blog, participation) and
    the use of each platform with the exact McNemar test across the matched roles.
    """
    a, b = study.a, study.b
    inst = presence_by_institution(study)
    rows = []
    for col, measure, unit in (
        ("platforms", "platforms_per_institution", "platforms"),
        ("presence_index", "presence_index", "share of core platforms"),
    ):
        wide = _paired_by_role(inst, col, a, b)
        both = wide.dropna()
        st = sign_test(both[a], both[b])
        rows.append(
            _row(
                "presence",
                measure,
                a,
                b,
                value_a=float(wide[a].mean()),
                value_b=float(wide[b].mean()),
                effect_size=st["median"],
                effect_name=f"median paired difference, a - b ({unit})",
                ci_low=st["ci"][0],
                ci_high=st["ci"][1],
                test="exact sign test (institutions matched by role)"
                if _finite(st["p_value"])
                else "",
                statistic=float(st["n_pos"]) if _finite(st["p_value"]) else np.nan,
                p_value=st["p_value"],
                n=st["n"],
                n_missing=int(len(wide) - len(both)),
                note=_join("values are means over institutions", st["note"]),
            )
        )
    core = set(codebook.core_platforms(study.data_dir))
    sets = {
        c: set(study.accounts.loc[study.accounts["country"] == c, "platform"].dropna())
        for c in (a, b)
    }
    rows.append(
        _row(
            "presence",
            "core_platforms_in_use",
            a,
            b,
            value_a=float(len(sets[a] & core)),
            value_b=float(len(sets[b] & core)),
            n=2,
            note=f"core platforms used by at least one institution, of {len(core)}; "
            "one number per country, no test",
        )
    )
    rows.append(
        _set_row(
            "presence",
            "platform_jaccard",
            a,
            b,
            sets[a],
            sets[b],
            "platform",
            n=2,
            note=_join(
                "values: platforms used by the country",
                f"shared: {', '.join(sorted(sets[a] & sets[b])) or 'none'}",
            ),
        )
    )
    lists = inst.assign(s=inst["platform_list"].map(lambda t: set(t.split(", ")) - {""}))
    wide_sets = _paired_by_role(lists, "s", a, b)
    for role, pair in wide_sets.iterrows():
        sa, sb = pair[a], pair[b]
        if not isinstance(sa, set) or not isinstance(sb, set):
            continue
        note = "neither institution uses any platform" if not (sa or sb) else ""
        rows.append(
            _set_row("presence", f"platform_jaccard[{role}]", a, b, sa, sb, "platform", 2, note)
        )
    # Use of each platform, institution by institution.
    order = _platform_order(study.data_dir)
    for platform in [p for p in order if p in sets[a] | sets[b]]:
        flags = lists.assign(has=lists["s"].map(lambda s, p=platform: p in s))
        wide = _paired_by_role(flags, "has", a, b).dropna()
        rows.append(_mcnemar_row("presence", f"institutions_using[{platform}]", a, b, wide))
    # Website, blog, participation (Tabla 1).
    for feature in ("website", "blog", "participation"):
        table = study.institutions[["country", "role", feature]]
        wide = _paired_by_role(table, feature, a, b)
        both = wide.dropna()
        row = _mcnemar_row("presence", f"institutions_with[{feature}]", a, b, both)
        row["n_missing"] = int(len(wide) - len(both))
        rows.append(row)
    return _frame(rows)


def _mcnemar_row(dimension: str, measure: str, a: str, b: str, wide: pd.DataFrame) -> dict:
    if wide.empty:
        return _row(dimension, measure, a, b, n=0, note="no unit assessed for both countries")
    m = mcnemar_exact(wide[a].astype(bool).to_numpy(), wide[b].astype(bool).to_numpy())
    return _row(
        dimension,
        measure,
        a,
        b,
        value_a=float(m["count_a"]),
        value_b=float(m["count_b"]),
        effect_size=m["difference"],
        effect_name="difference in paired proportions, a - b",
        ci_low=m["ci"][0],
        ci_high=m["ci"][1],
        test="exact McNemar" if _finite(m["p_value"]) else "",
        statistic=m["statistic"],
        p_value=m["p_value"],
        n=m["n"],
        note=_join(f"counts of {m['n']} matched units", m["note"]),
    )


# ------------------------------------------------------------------------ adoption
def month_bounds(date) -> tuple[float, float, str]:
    """First and last month a partial date can mean, as months since year 0.

    ``'2014'`` spans January to December 2014 (year precision); ``'2014-04'``
    and ``'2014-04-17'`` are the single month April 2014 (month precision: days
    are not used). Missing dates give NaN and precision ``''``.
    """
    if date is None or pd.isna(date) or str(date) == "":
        return (np.nan, np.nan, "")
    parts = str(date).split("-")
    year = int(parts[0])
    if len(parts) == 1:
        return (year * 12.0, year * 12.0 + 11, "year")
    month = year * 12.0 + int(parts[1]) - 1
    return (month, month, "month")


def earliest_date(dates: Iterable) -> dict:
    """Earliest of several partial dates: bounds, precision, and the date as text."""
    bounds = [month_bounds(d) for d in dates]
    bounds = [bd for bd in bounds if bd[2]]
    if not bounds:
        return {"lo": np.nan, "hi": np.nan, "precision": "", "text": ""}
    lo = min(bd[0] for bd in bounds)
    hi = min(bd[1] for bd in bounds)
    year = int(lo // 12)
    if lo == hi:
        return {"lo": lo, "hi": hi, "precision": "month", "text": f"{year}-{int(lo % 12) + 1:02d}"}
    return {"lo": lo, "hi": hi, "precision": "year", "text": f"{year}"}


def first_adoption(study) -> pd.DataFrame:
    """First account each country opened on each platform: a descriptive table.

    Columns: country, platform, first (the date at the precision the sources
    allow), precision ('month' or 'year'), earliest_month, latest_month (the
    bounds, months since year 0), accounts, undated. The earliest of several
    partial dates is bounded by the earliest first month and the earliest last
    month, so '2011' and '2011-04' give 'somewhere in 2011, by April'.
    """
    rows = []
    acc = study.accounts
    for (country, platform), grp in acc.groupby(["country", "platform"], sort=False):
        f = earliest_date(grp["created"])
        rows.append(
            {
                "country": country,
                "platform": platform,
                "first": f["text"] or pd.NA,
                "precision": f["precision"] or pd.NA,
                "earliest_month": f["lo"],
                "latest_month": f["hi"],
                "accounts": len(grp),
                "undated": int(grp["created"].isna().sum()),
            }
        )
    return pd.DataFrame(rows)


def _gap_row(
    measure: str, a: str, b: str, dates_a: pd.Series, dates_b: pd.Series, what: str
) -> dict:
    fa, fb = earliest_date(dates_a), earliest_date(dates_b)
    n = int(dates_a.notna().sum() + dates_b.notna().sum())
    missing = int(dates_a.isna().sum() + dates_b.isna().sum())
    common = dict(value_a=_mid_year(fa), value_b=_mid_year(fb), n=n, n_missing=missing)
    if not fa["precision"] or not fb["precision"]:
        who = [c for c, f in ((a, fa), (b, fb)) if not f["precision"]]
        note = f"no dated account for {' and '.join(who)} ({what})"
        return _row("presence", measure, a, b, note=note, **common)
    low, high = fa["lo"] - fb["hi"], fa["hi"] - fb["lo"]
    if fa["precision"] == fb["precision"] == "month":
        gap = fa["lo"] - fb["lo"]
        how = "both dates to the month"
    else:
        gap = 12.0 * (fa["lo"] // 12 - fb["lo"] // 12)
        how = "compared at year precision (a date gives only the year)"
    return _row(
        "presence",
        measure,
        a,
        b,
        effect_size=gap,
        effect_name="adoption gap in months, a - b (positive: a later)",
        ci_low=low,
        ci_high=high,
        **common,
        note=_join(
            f"first {what}: {a} {fa['text']}, {b} {fb['text']}",
            how,
            "ci_low/ci_high: the range of gaps the dates' precision allows, "
            "not a confidence interval",
            "values: decimal year, mid-point of the month or year given",
        ),
    )


def _mid_year(f: dict) -> float:
    if not f["precision"]:
        return np.nan
    return (f["lo"] + f["hi"] + 1) / 2 / 12


def adoption(study) -> pd.DataFrame:
    """When each country took up each platform, and the gap in months.

    Convention for partial dates (the article gives 'YYYY', 'YYYY-MM' or a day):
    a date is the span of months it can mean ('2014' = Jan-Dec 2014). The gap is
    computed at the precision both dates give: in months when both give the
    month, in whole years (×12) otherwise, and ``ci_low``/``ci_high`` hold the
    full range of gaps the precision allows (not a confidence interval).
    ``value_a``/``value_b`` are decimal years at the mid-point of the span.
    Rows: each platform either country uses, each role (first account on any
    platform), the country's first account, and a sign test over platforms.
    """
    a, b = study.a, study.b
    acc = study.accounts
    rows = []
    order = _platform_order(study.data_dir)
    used = [p for p in order if p in set(acc["platform"].dropna())]
    gaps = []
    for platform in used:
        sel = acc["platform"] == platform
        row = _gap_row(
            f"first_adoption[{platform}]",
            a,
            b,
            acc.loc[sel & (acc["country"] == a), "created"],
            acc.loc[sel & (acc["country"] == b), "created"],
            f"{platform} account",
        )
        rows.append(row)
        if _finite(row["effect_size"]):
            gaps.append(row["effect_size"])
    for role in codebook.categories("roles", study.data_dir):
        sel = acc["role"] == role
        if not sel.any():
            continue
        rows.append(
            _gap_row(
                f"first_adoption[{role}]",
                a,
                b,
                acc.loc[sel & (acc["country"] == a), "created"],
                acc.loc[sel & (acc["country"] == b), "created"],
                f"account of the {role}",
            )
        )
    rows.append(
        _gap_row(
            "first_adoption",
            a,
            b,
            acc.loc[acc["country"] == a, "created"],
            acc.loc[acc["country"] == b, "created"],
            "account of any institution",
        )
    )
    st = sign_test(gaps, np.zeros(len(gaps))) if gaps else None
    if st is not None:
        usable = _finite(st["coverage"]) and st["coverage"] >= 0.9
        rows.append(
            _row(
                "presence",
                "adoption_gap_over_platforms",
                a,
                b,
                value_a=float(st["n_pos"]),
                value_b=float(st["n_neg"]),
                effect_size=st["median"],
                effect_name="median adoption gap in months over platforms, a - b",
                ci_low=st["ci"][0] if usable else np.nan,
                ci_high=st["ci"][1] if usable else np.nan,
                test="exact sign test (platforms dated in both)" if _finite(st["p_value"]) else "",
                statistic=float(st["n_pos"]) if _finite(st["p_value"]) else np.nan,
                p_value=st["p_value"],
                n=st["n"],
                n_missing=len(used) - st["n"],
                note=_join(
                    "values: platforms where a came later, platforms where b came later",
                    "; ".join(
                        part
                        for part in st["note"].replace("pair(s)", "platform(s)").split("; ")
                        if usable or not part.startswith("interval")
                    ).replace("pairs", "platforms"),
                    "" if usable else "no interval: too few platforms for a useful coverage",
                ),
            )
        )
    return _frame(rows)


# ------------------------------------------------------------------------- website
def website(study) -> pd.DataFrame:
    """Criteria of Tabla 2 met by each foreign ministry's website.

    The ten criteria are assessed on both sites, so they are paired: the counts
    are compared with the exact McNemar test and the difference of proportions
    gets Newcombe's paired interval (:func:`paired_proportion_interval`).
    A criterion not assessed for a country is left out and counted in n_missing.
    """
    a, b = study.a, study.b
    crit = study.website_criteria
    wide = crit.pivot(index="criterion", columns="country", values="present")
    for c in (a, b):
        if c not in wide:
            wide[c] = pd.NA
    wide = wide[[a, b]]
    both = wide.dropna()
    row = _mcnemar_row("website", "criteria_met", a, b, both)
    row["n_missing"] = int(len(wide) - len(both))
    row["note"] = _join(row["note"], f"criteria assessed for both: {len(both)}")
    return _frame([row])


# ------------------------------------------------------------------------ audience
def _qualified(df: pd.DataFrame, metric: str) -> str:
    q = df.loc[df[metric].notna(), f"{metric}_qualifier"].dropna()
    if q.empty:
        return ""
    words = {"more_than": "more than", "almost": "almost"}
    return ", ".join(f"{words.get(v, v)} (x{n})" for v, n in q.value_counts().items())


def audience(study) -> pd.DataFrame:
    """Followers, posts and views: per platform (accounts pooled) and per matched institution.

    Per platform: the median over the accounts that have a figure, the ratio
    between countries, and Cliff's delta; the Mann-Whitney test only where
    there are enough accounts to make it informative (:func:`rank_comparison`).
    Per institution and platform: the sum of the figures given, with a note when
    an account of the institution has no figure. Missing figures stay missing
    and are counted in ``n_missing``; qualified figures ('more than', 'almost')
    are used as given and named in ``note``.
    """
    a, b = study.a, study.b
    acc = study.accounts
    order = _platform_order(study.data_dir)
    rows = []
    for metric in _METRICS:
        for platform in [p for p in order if p in set(acc["platform"])]:
            sel = acc[acc["platform"] == platform]
            if metric != "followers" and sel[metric].notna().sum() == 0:
                continue
            xa = sel.loc[sel["country"] == a, metric]
            xb = sel.loc[sel["country"] == b, metric]
            va, vb = xa.dropna().astype(float), xb.dropna().astype(float)
            rc = rank_comparison(va, vb)
            absent = [c for c, x in ((a, xa), (b, xb)) if x.empty]
            notes = [
                f"median over accounts with a figure "
                f"({len(va)} of {len(xa)} vs {len(vb)} of {len(xb)})"
            ]
            if absent:
                notes.append(f"no {platform} account: {', '.join(absent)}")
            if len(va) + len(vb) == 0:
                notes.append("no figures given by the source")
            qa, qb = (
                _qualified(sel[sel["country"] == a], metric),
                _qualified(sel[sel["country"] == b], metric),
            )
            if qa or qb:
                notes.append(f"qualified figures: {a} {qa or '-'}; {b} {qb or '-'}")
            rows.append(
                _rank_row(
                    "audience",
                    f"{metric}[{platform}]",
                    a,
                    b,
                    va,
                    vb,
                    rc,
                    n_missing=int(xa.isna().sum() + xb.isna().sum()),
                    note=_join(*notes, rc["note"] if len(va) and len(vb) else ""),
                )
            )
        # Matched institutions.
        given = acc[acc[metric].notna()]
        for (role, platform), _ in given.groupby(["role", "platform"], sort=False):
            sel = acc[(acc["role"] == role) & (acc["platform"] == platform)]
            vals, notes, missing = {}, [], 0
            for c in (a, b):
                x = sel.loc[sel["country"] == c, metric]
                missing += int(x.isna().sum())
                if x.empty:
                    vals[c] = np.nan
                    notes.append(f"{c} has no {platform} account")
                elif x.isna().all():
                    vals[c] = np.nan
                    notes.append(f"{c}: no figure given")
                else:
                    vals[c] = float(x.dropna().sum())
                    if x.isna().any():
                        notes.append(
                            f"{c}: sum of {x.notna().sum()} of {len(x)} accounts "
                            "(others have no figure)"
                        )
            q = _qualified(sel, metric)
            rows.append(
                _row(
                    "audience",
                    f"{metric}[{platform}, {role}]",
                    a,
                    b,
                    value_a=vals[a],
                    value_b=vals[b],
                    n=int(sel[metric].notna().sum()),
                    n_missing=missing,
                    note=_join(
                        *notes, f"qualified: {q}" if q else "", "one institution a country, no test"
                    ),
                )
            )
    return _frame(rows)


# -------------------------------------------------------------------------- agenda
def agenda(study) -> pd.DataFrame:
    """Topics of each country's accounts: shares of (account, topic) codes.

    The article names topics per account, not counts of posts, so the unit is a
    code (an account on a platform, a topic). An account gives several codes, so
    the codes are not independent: the tests describe the codes, not a sample
    of posts. Overall: :func:`table_test` and Cramér's V. Per topic: the two
    shares, their difference with Newcombe's interval for independent
    proportions (statsmodels), and Fisher's exact test.
    """
    from statsmodels.stats.proportion import confint_proportions_2indep

    a, b = study.a, study.b
    ag = study.agenda
    topics = [t for t in codebook.categories("topics", study.data_dir) if t in set(ag["topic"])]
    counts = ag.groupby(["country", "topic"]).size().unstack(fill_value=0)
    counts = counts.reindex(index=[a, b], columns=topics, fill_value=0)
    na, nb = int(counts.loc[a].sum()), int(counts.loc[b].sum())
    unit = "unit: (account, platform, topic) codes from the source, not posts"
    rows = []
    tt = table_test(counts.to_numpy())
    sets = {c: set(counts.columns[counts.loc[c] > 0]) for c in (a, b)}
    rows.append(
        _set_row(
            "agenda",
            "topics_covered",
            a,
            b,
            sets[a],
            sets[b],
            "topic",
            n=na + nb,
            note="topics with at least one code; one set per country, no test",
        )
    )
    rows.append(
        _row(
            "agenda",
            "topic_distribution",
            a,
            b,
            value_a=float(na),
            value_b=float(nb),
            difference=np.nan,
            ratio=np.nan,
            effect_size=tt["v"],
            effect_name="Cramér's V" if _finite(tt["v"]) else "",
            test=tt["test"],
            statistic=tt["statistic"],
            p_value=tt["p_value"],
            n=na + nb,
            note=_join("values: codes per country", tt["note"], unit),
        )
    )
    for topic in topics:
        ka, kb = int(counts.at[a, topic]), int(counts.at[b, topic])
        sa = ka / na if na else np.nan
        sb = kb / nb if nb else np.nan
        if na and nb:
            low, high = confint_proportions_2indep(ka, na, kb, nb, method="newcomb", compare="diff")
            res = stats.fisher_exact([[ka, na - ka], [kb, nb - kb]])
            p, stat, test = float(res.pvalue), float(res.statistic), "Fisher exact (odds ratio)"
            note = unit
        else:
            low = high = p = stat = np.nan
            test, note = "", "a country has no codes: no test"
        rows.append(
            _row(
                "agenda",
                f"topic_share[{topic}]",
                a,
                b,
                value_a=sa,
                value_b=sb,
                effect_size=sa - sb if na and nb else np.nan,
                effect_name="difference in shares, a - b" if na and nb else "",
                ci_low=float(low),
                ci_high=float(high),
                test=test,
                statistic=stat,
                p_value=p,
                n=na + nb,
                note=_join(f"codes: {ka} of {na} vs {kb} of {nb}", note),
            )
        )
    return _frame(rows)


# --------------------------------------------------------------------- interaction
def _level_rows(
    measure: str, a: str, b: str, la: pd.Series, lb: pd.Series, names: Sequence[str], what: str
) -> list[dict]:
    """Ordinal comparison (Cliff's delta, Mann-Whitney) and distribution (Cramér's V) of levels."""
    la, lb = la.dropna().astype(float), lb.dropna().astype(float)
    dist = {
        c: ", ".join(f"{names[int(k)]} {int(v)}" for k, v in x.value_counts().sort_index().items())
        or "none"
        for c, x in ((a, la), (b, lb))
    }
    described = f"{what}: {a} [{dist[a]}]; {b} [{dist[b]}]"
    rc = rank_comparison(la, lb)
    ordinal = _rank_row(
        "interaction",
        measure,
        a,
        b,
        la,
        lb,
        rc,
        note=_join(f"values: median level (0 = {names[0]})", described, rc["note"]),
    )
    table = np.array([[int((x == k).sum()) for k in range(len(names))] for x in (la, lb)])
    tt = table_test(table)
    distribution = _row(
        "interaction",
        f"{measure}_distribution",
        a,
        b,
        value_a=float(len(la)),
        value_b=float(len(lb)),
        difference=np.nan,
        ratio=np.nan,
        effect_size=tt["v"],
        effect_name="Cramér's V" if _finite(tt["v"]) else "",
        test=tt["test"],
        statistic=tt["statistic"],
        p_value=tt["p_value"],
        n=len(la) + len(lb),
        note=_join("values: observations per country", described, tt["note"]),
    )
    return [ordinal, distribution]


def interaction(study, coded_posts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Interaction levels per country, judged (interaction.csv) and, when given, from coded posts.

    Levels are ordinal (codebook ``account_levels``: none < low < moderate <
    high; post levels 0-3), so each source gets an ordinal comparison (Cliff's
    delta, Mann-Whitney where informative) and a distribution comparison
    (Cramér's V). With no variation (as in the article: 'none' for both) the
    distributions are reported and no p-value. With posts, the count models of
    :func:`engagement_model` are appended.
    """
    a, b = study.a, study.b
    levels = list(codebook.load_codebook(study.data_dir)["account_levels"])
    code = {lv: i for i, lv in enumerate(levels)}
    inter = study.interaction
    rows = []
    for method in ("judged", "measured"):
        sel = inter[inter["method"] == method]
        if sel.empty:
            continue
        lv = sel["level"].map(code)
        rows += _level_rows(
            f"account_level[{method}]",
            a,
            b,
            lv[sel["country"] == a],
            lv[sel["country"] == b],
            levels,
            f"{method} accounts or groups of accounts",
        )
    if coded_posts is not None and len(coded_posts):
        posts = coded_posts[coded_posts["country"].isin([a, b])]
        kinds = codebook.load_codebook(study.data_dir)["post_kinds"]
        post_levels = [
            " or ".join(k for k, v in kinds.items() if v["level"] == lv)
            for lv in range(max(v["level"] for v in kinds.values()) + 1)
        ]
        lv = pd.to_numeric(posts["level"], errors="coerce")
        rows += _level_rows(
            "post_level",
            a,
            b,
            lv[posts["country"] == a],
            lv[posts["country"] == b],
            post_levels,
            "coded posts by level",
        )
        for r in rows[-2:]:
            r["note"] = _join(r["note"], "posts of one account are not independent")
        out = _frame(rows)
        return pd.concat([out, engagement_model(posts, a, b)], ignore_index=True)
    return _frame(rows)


def engagement_model(coded_posts: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """Replies and engagement per post, a relative to b, as rate ratios from a Poisson model.

    A Poisson GLM with a log link estimates the rate ratio of counts per post
    consistently even when the counts are overdispersed, as engagement counts
    are, provided the errors are robust (sandwich); a negative binomial model
    would add a dispersion parameter that few posts cannot pin down and that
    often fails to converge. Errors are clustered by account when there are at
    least 10 accounts (posts of one account are not independent), HC1 otherwise.
    Outcomes: ``replies`` and ``engagement`` (replies + shares + likes; missing
    when any part is missing). One row per outcome across platforms (platform as
    a covariate, platforms both countries use), then, when there are several
    such platforms, one row per platform.
    """
    rows = []
    posts = coded_posts[coded_posts["country"].isin([a, b])].copy()
    parts = ["replies", "shares", "likes"]
    for col in parts:
        posts[col] = pd.to_numeric(posts[col], errors="coerce").astype("Float64")
    posts["engagement"] = posts[parts].sum(axis=1, skipna=False)
    shared = sorted(
        set(posts.loc[posts["country"] == a, "platform"])
        & set(posts.loc[posts["country"] == b, "platform"])
    )
    for outcome in ("replies", "engagement"):
        rows.append(
            _poisson_row(
                posts[posts["platform"].isin(shared)], outcome, a, b, "all shared platforms"
            )
        )
        for platform in shared if len(shared) > 1 else []:
            rows.append(_poisson_row(posts[posts["platform"] == platform], outcome, a, b, platform))
    if not shared:
        rows.append(
            _row(
                "interaction",
                "engagement",
                a,
                b,
                n=len(posts),
                note="no platform with posts of both countries",
            )
        )
    return _frame(rows)


def _poisson_row(posts: pd.DataFrame, outcome: str, a: str, b: str, scope: str) -> dict:
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    measure = f"{outcome}_per_post" + (f"[{scope}]" if scope != "all shared platforms" else "")
    missing = int(posts[outcome].isna().sum())
    d = posts[posts[outcome].notna()]
    ya = d.loc[d["country"] == a, outcome].astype(float)
    yb = d.loc[d["country"] == b, outcome].astype(float)
    base = dict(
        value_a=float(ya.mean()) if len(ya) else np.nan,
        value_b=float(yb.mean()) if len(yb) else np.nan,
        n=len(d),
        n_missing=missing,
    )
    note = f"values: mean {outcome} per post ({len(ya)} vs {len(yb)} posts; {scope})"
    if len(ya) == 0 or len(yb) == 0:
        return _row(
            "interaction",
            measure,
            a,
            b,
            **base,
            note=_join(note, "a country has no posts with a figure"),
        )
    if ya.sum() == 0 or yb.sum() == 0:
        why = (
            "no variation: no post of either country has any"
            if ya.sum() + yb.sum() == 0
            else (
                f"{a if ya.sum() == 0 else b} has no {outcome} at all: "
                "the rate ratio is 0 or infinite, not estimated"
            )
        )
        return _row("interaction", measure, a, b, **base, note=_join(note, why))
    x = pd.DataFrame({"is_a": (d["country"] == a).astype(float)})
    platforms = sorted(d["platform"].unique())
    for p in platforms[1:]:
        x[f"platform_{p}"] = (d["platform"] == p).astype(float).to_numpy()
    x = sm.add_constant(x, has_constant="add")
    groups = pd.factorize(d["account_id"])[0] if "account_id" in d else None
    clustered = groups is not None and len(set(groups)) >= 10
    # statsmodels' GLM "HC1" equals HC0 (no n / (n - k) factor), so HC1 is applied here.
    kw = (
        {"cov_type": "cluster", "cov_kwds": {"groups": groups}}
        if clustered
        else {"cov_type": "HC0"}
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = sm.GLM(
            d[outcome].astype(float).to_numpy(), x.to_numpy(), family=sm.families.Poisson()
        ).fit(**kw)
    trouble = [
        w
        for w in caught
        if issubclass(w.category, (ConvergenceWarning, PerfectSeparationWarning, RuntimeWarning))
    ]
    beta, se = float(fit.params[1]), float(fit.bse[1])
    if not clustered:
        se *= math.sqrt(len(d) / (len(d) - x.shape[1]))
    z = stats.norm.ppf(1 - _ALPHA / 2)
    return _row(
        "interaction",
        measure,
        a,
        b,
        **base,
        effect_size=math.exp(beta),
        effect_name="rate ratio per post, a / b"
        + (" (adjusted for platform)" if len(platforms) > 1 else ""),
        ci_low=math.exp(beta - z * se),
        ci_high=math.exp(beta + z * se),
        test="Poisson GLM, Wald z, "
        + ("errors clustered by account" if clustered else "robust errors (HC1: HC0 x n/(n - k))"),
        statistic=beta / se,
        p_value=float(2 * stats.norm.sf(abs(beta / se))),
        note=_join(
            note,
            "" if clustered else "fewer than 10 accounts: errors not clustered by account",
            f"fit warned: {trouble[0].message}" if trouble else "",
        ),
    )


# ------------------------------------------------------------- multiple comparisons
def adjust(
    results: pd.DataFrame, method: str = "holm", family: str | None = "dimension"
) -> pd.DataFrame:
    """Adjust p-values within each family of comparisons (statsmodels ``multipletests``).

    Parameters
    ----------
    results : DataFrame
        In the :data:`COLUMNS` layout.
    method : {"holm", "bh"}
        Holm (family-wise error, the default: few tests, each may be quoted
        alone) or Benjamini-Hochberg (false discovery rate).
    family : str or None
        Column whose values define the families; None for one family.

    Returns
    -------
    DataFrame
        The results with ``family``, ``p_adjusted`` (NaN where there is no p)
        and ``adjustment`` added.
    """
    from statsmodels.stats.multitest import multipletests

    names = {"holm": "holm", "bh": "fdr_bh", "fdr_bh": "fdr_bh"}
    if method not in names:
        raise ValueError(f"method must be one of {sorted(names)}, not {method!r}")
    out = results.copy()
    out["family"] = out[family].astype("string") if family else "all"
    out["p_adjusted"] = np.nan
    out["adjustment"] = ""
    for _, grp in out.groupby("family", sort=False):
        has_p = grp.index[grp["p_value"].notna()]
        if len(has_p) == 0:
            continue
        _, adjusted, _, _ = multipletests(
            out.loc[has_p, "p_value"].to_numpy(), method=names[method]
        )
        out.loc[has_p, "p_adjusted"] = adjusted
        out.loc[has_p, "adjustment"] = f"{method} over {len(has_p)} test(s)"
    out["adjustment"] = out["adjustment"].astype("string")
    out["family"] = out["family"].astype("string")
    return out[ADJUSTED_COLUMNS]


def all_comparisons(
    study, coded_posts: pd.DataFrame | None = None, method: str = "holm"
) -> pd.DataFrame:
    """Every comparison of the pair, p-values adjusted within each dimension.

    >>> from analysis import load
    >>> res = all_comparisons(load.study("MEX", "CHL"))
    >>> sorted(res["dimension"].unique())
    ['agenda', 'audience', 'interaction', 'presence', 'website']
    """
    parts = [
        presence(study),
        adoption(study),
        website(study),
        audience(study),
        agenda(study),
        interaction(study, coded_posts),
    ]
    return adjust(pd.concat(parts, ignore_index=True), method=method)
