"""The study's comparisons of two countries, as tidy frames of codes and numbers.

Every function returns the same layout (:data:`COLUMNS`), one row per comparison,
with no sentence in it: what is compared, its scope, the two values, the effect
and the test are *codes* that ``paper/text/labels.yml`` words in each language
(as :mod:`analysis.replication` does for verdicts). The statistics themselves come
from :mod:`analysis.stats`.

``dimension``, ``measure``
    What is compared (``presence``, ``platforms_per_institution``).
``role``, ``platform``, ``subgroup``
    The scope, as codebook keys; empty when the row covers everything.
    ``subgroup`` holds any other key: a feature (``website``), a topic, a method.
``value_a``, ``value_b``, ``qualifier_a``, ``qualifier_b``
    The measure for each country, and the source's qualifier of a figure
    (``more_than``, ``almost``) where it has one.
``difference``, ``ratio``
    Always ``value_a - value_b`` and ``value_a / value_b``: *a relative to b*.
``estimate``, ``effect``, ``unit``, ``ci_low``, ``ci_high``, ``interval``, ``coverage``
    The effect (a code such as ``cliffs_delta``), its estimate and unit, and its
    interval with the interval's kind (``newcombe``, ``order_statistic``,
    ``bootstrap_percentile``, ``precision_range``...) and coverage.
``test``, ``statistic``, ``p_value``, ``p_min``, ``reason``
    The test (a code), its statistic and p-value, and the smallest p-value it
    could give with these units. A row without a test says why in ``reason``
    (:mod:`analysis.stats`' codes, or ``one_per_country``).
``n``, ``n_missing``
    Units that entered the comparison, and units left out because the source gives
    no value (missing values are counted, never read as zero).

:func:`all_comparisons` runs everything and adjusts p-values within each
dimension (:func:`adjust`).

>>> from analysis import load, compare
>>> s = load.study("MEX", "CHL")
>>> row = compare.website(s).iloc[0]
>>> float(row.value_a), float(row.value_b), row.test
(6.0, 8.0, 'mcnemar_exact')
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from analysis import codebook, dates, stats
from analysis.load import Study

#: The fixed columns of every comparison table, in order.
COLUMNS = [
    "dimension",
    "measure",
    "role",
    "platform",
    "subgroup",
    "country_a",
    "country_b",
    "value_a",
    "value_b",
    "qualifier_a",
    "qualifier_b",
    "difference",
    "ratio",
    "estimate",
    "effect",
    "unit",
    "ci_low",
    "ci_high",
    "interval",
    "coverage",
    "test",
    "statistic",
    "p_value",
    "p_min",
    "reason",
    "n",
    "n_missing",
]
#: Columns :func:`adjust` adds after :data:`COLUMNS`.
ADJUSTED_COLUMNS = [*COLUMNS, "family", "family_size", "p_adjusted", "adjustment"]
#: The code columns (empty string where a row has none).
CODE_COLUMNS = [
    "dimension",
    "measure",
    "role",
    "platform",
    "subgroup",
    "country_a",
    "country_b",
    "qualifier_a",
    "qualifier_b",
    "effect",
    "unit",
    "interval",
    "test",
    "reason",
]
_NUMERIC = [c for c in COLUMNS if c not in CODE_COLUMNS and c not in ("n", "n_missing")]
_METRICS = ("followers", "posts", "views")


# --------------------------------------------------------------------------- layout
def _finite(x) -> bool:
    try:
        return x is not None and not pd.isna(x) and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def _row(dimension: str, measure: str, a: str, b: str, **values) -> dict:
    unknown = set(values) - set(COLUMNS)
    if unknown:
        raise KeyError(f"not comparison columns: {sorted(unknown)}")
    row = dict.fromkeys(COLUMNS, np.nan)
    row.update(dict.fromkeys(CODE_COLUMNS, ""))
    row.update(dimension=dimension, measure=measure, country_a=a, country_b=b)
    row.update(n=pd.NA, n_missing=0)
    row.update(values)
    va, vb = row["value_a"], row["value_b"]
    if "difference" not in values:
        row["difference"] = va - vb if _finite(va) and _finite(vb) else np.nan
    if "ratio" not in values:
        row["ratio"] = va / vb if _finite(va) and _finite(vb) and vb != 0 else np.nan
    if not row["effect"] and not _finite(row["estimate"]):
        row["unit"] = ""
    return row


def _frame(rows: Iterable[dict]) -> pd.DataFrame:
    """The rows as a DataFrame in the fixed layout with fixed dtypes."""
    df = pd.DataFrame(list(rows), columns=COLUMNS)
    for col in _NUMERIC:
        df[col] = pd.to_numeric(df[col]).astype("float64")
    for col in ("n", "n_missing"):
        df[col] = df[col].astype("Int64")
    for col in CODE_COLUMNS:
        df[col] = df[col].fillna("").astype("string")
    return df.reset_index(drop=True)


def _sign_fields(st: stats.SignTest, unit: str, coverage_floor: float = 0.0) -> dict:
    """The fields of a sign test: median difference, its interval, and the test if any."""
    usable = _finite(st.coverage) and st.coverage >= coverage_floor
    tested = _finite(st.p_value)
    return dict(
        estimate=st.median,
        unit=unit,
        ci_low=st.ci_low if usable else np.nan,
        ci_high=st.ci_high if usable else np.nan,
        interval="order_statistic" if usable and _finite(st.ci_low) else "",
        coverage=st.coverage if usable else np.nan,
        test=st.test if tested else "",
        statistic=float(st.n_pos) if tested else np.nan,
        p_value=st.p_value,
        p_min=st.p_min,
        reason=st.reason,
        n=st.n,
    )


def _mcnemar_row(dimension: str, measure: str, a: str, b: str, wide: pd.DataFrame, **scope) -> dict:
    """Paired yes/no values of matched units: counts, Newcombe's difference, exact McNemar."""
    if wide.empty:
        return _row(dimension, measure, a, b, n=0, reason="no_data", **scope)
    m = stats.mcnemar_exact(wide[a].astype(bool).to_numpy(), wide[b].astype(bool).to_numpy())
    return _row(
        dimension,
        measure,
        a,
        b,
        value_a=float(m.count_a),
        value_b=float(m.count_b),
        estimate=m.difference,
        effect="paired_proportion_difference",
        ci_low=m.ci_low,
        ci_high=m.ci_high,
        interval="newcombe",
        coverage=stats.CONFIDENCE,
        test=m.test if _finite(m.p_value) else "",
        statistic=m.statistic,
        p_value=m.p_value,
        p_min=m.p_min,
        reason=m.reason,
        n=m.n,
        **scope,
    )


def _rank_row(dimension: str, measure: str, a, b, xa, xb, **extra) -> dict:
    """Two samples of values: the medians, Cliff's delta, and a Mann-Whitney test if informative."""
    rc = stats.rank_comparison(xa, xb)
    tested = _finite(rc.p_value)
    return _row(
        dimension,
        measure,
        a,
        b,
        value_a=float(np.median(xa)) if len(xa) else np.nan,
        value_b=float(np.median(xb)) if len(xb) else np.nan,
        estimate=rc.delta,
        effect="cliffs_delta" if _finite(rc.delta) else "",
        ci_low=rc.ci_low,
        ci_high=rc.ci_high,
        interval="bootstrap_percentile" if tested else "",
        coverage=stats.CONFIDENCE if tested else np.nan,
        test=rc.test,
        statistic=rc.statistic,
        p_value=rc.p_value,
        p_min=rc.p_min,
        reason=rc.reason,
        n=len(xa) + len(xb),
        **extra,
    )


def _set_row(dimension, measure, a, b, set_a, set_b, unit, n, **extra) -> dict:
    """Two sets (platforms, topics): their sizes and their Jaccard similarity, no test."""
    return _row(
        dimension,
        measure,
        a,
        b,
        value_a=float(len(set_a)),
        value_b=float(len(set_b)),
        estimate=stats.jaccard(set_a, set_b),
        effect="jaccard",
        unit=unit,
        n=n,
        reason="one_per_country" if set_a or set_b else "no_data",
        **extra,
    )


def _table_row(dimension, measure, a, b, table, **extra) -> dict:
    """A country × category table: counts per country, Cramér's V, and its test."""
    tt = stats.table_test(table)
    counts = np.asarray(table).sum(axis=1)
    return _row(
        dimension,
        measure,
        a,
        b,
        value_a=float(counts[0]),
        value_b=float(counts[1]),
        difference=np.nan,
        ratio=np.nan,
        estimate=tt.v,
        effect="cramers_v" if _finite(tt.v) else "",
        test=tt.test,
        statistic=tt.statistic,
        p_value=tt.p_value,
        reason=tt.reason,
        n=tt.n,
        **extra,
    )


# ------------------------------------------------------------------------ presence
def presence_by_institution(study: Study) -> pd.DataFrame:
    """Platforms in use per institution: a descriptive table, one row per institution.

    Columns: country, role, name, platforms (all platforms, core and other),
    core_platforms, presence_index (share of the codebook's core platforms in
    use), platform_list. An institution without accounts has 0 platforms.
    """
    core = set(codebook.core_platforms(study.data_dir))
    order = {p: i for i, p in enumerate(codebook.categories("platforms", study.data_dir))}
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
                "core_platforms": len(plats & core),
                "presence_index": len(plats & core) / len(core),
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


def presence(study: Study) -> pd.DataFrame:
    """Platforms per institution, presence index, shared platforms, features, per platform.

    Institutions are matched by role (the five rows of Tabla 1): counts are
    compared pairwise with the exact sign test, platform sets with Jaccard
    similarity, and the use of each platform and each feature (website, blog,
    participation) with the exact McNemar test across the matched roles.
    """
    a, b = study.a, study.b
    inst = presence_by_institution(study)
    rows = []
    for col, unit in (("platforms", "platforms"), ("presence_index", "core_share")):
        wide = _paired_by_role(inst, col, a, b)
        both = wide.dropna()
        st = stats.sign_test(both[a], both[b])
        fields = _sign_fields(st, unit)
        fields["n_missing"] = int(len(wide) - len(both))
        rows.append(
            _row(
                "presence",
                "platforms_per_institution" if col == "platforms" else col,
                a,
                b,
                value_a=float(wide[a].mean()),
                value_b=float(wide[b].mean()),
                effect="median_paired_difference",
                **fields,
            )
        )
    core = set(codebook.core_platforms(study.data_dir))
    acc = study.accounts
    sets = {c: set(acc.loc[acc["country"] == c, "platform"].dropna()) for c in (a, b)}
    rows.append(
        _row(
            "presence",
            "core_platforms_in_use",
            a,
            b,
            value_a=float(len(sets[a] & core)),
            value_b=float(len(sets[b] & core)),
            n=2,
            reason="one_per_country",
        )
    )
    rows.append(_set_row("presence", "platform_jaccard", a, b, sets[a], sets[b], "platforms", 2))
    lists = inst.assign(s=inst["platform_list"].map(lambda t: set(t.split(", ")) - {""}))
    for role, pair in _paired_by_role(lists, "s", a, b).iterrows():
        sa, sb = pair[a], pair[b]
        if isinstance(sa, set) and isinstance(sb, set):
            rows.append(
                _set_row("presence", "platform_jaccard", a, b, sa, sb, "platforms", 2, role=role)
            )
    order = codebook.categories("platforms", study.data_dir)
    for platform in [p for p in order if p in sets[a] | sets[b]]:
        flags = lists.assign(has=lists["s"].map(lambda s, p=platform: p in s))
        wide = _paired_by_role(flags, "has", a, b).dropna()
        rows.append(_mcnemar_row("presence", "institutions_using", a, b, wide, platform=platform))
    for feature in ("website", "blog", "participation"):
        wide = _paired_by_role(study.institutions[["country", "role", feature]], feature, a, b)
        both = wide.dropna()
        row = _mcnemar_row("presence", "institutions_with", a, b, both, subgroup=feature)
        row["n_missing"] = int(len(wide) - len(both))
        rows.append(row)
    return _frame(rows)


# ------------------------------------------------------------------------ adoption
def _gap_row(a: str, b: str, dates_a: pd.Series, dates_b: pd.Series, **scope) -> dict:
    """First account of each country in `scope`: the dates and the gap with its range."""
    fa, fb = dates.earliest(dates_a), dates.earliest(dates_b)
    common = dict(
        value_a=fa.mid_year if fa else np.nan,
        value_b=fb.mid_year if fb else np.nan,
        n=int(dates_a.notna().sum() + dates_b.notna().sum()),
        n_missing=int(dates_a.isna().sum() + dates_b.isna().sum()),
        **scope,
    )
    if fa is None or fb is None:
        return _row("presence", "first_adoption", a, b, reason="no_data", **common)
    gap = dates.month_gap(fa, fb)
    if fa.first_month == fa.last_month and fb.first_month == fb.last_month:
        estimate = float(fa.first_month - fb.first_month)
    else:  # compared at year precision (a date gives only the year)
        estimate = 12.0 * (fa.start.year - fb.start.year)
    return _row(
        "presence",
        "first_adoption",
        a,
        b,
        estimate=estimate,
        effect="adoption_gap",
        unit="months",
        ci_low=float(gap.low),
        ci_high=float(gap.high),
        interval="precision_range",
        reason="one_per_country",
        **common,
    )


def adoption(study: Study) -> pd.DataFrame:
    """When each country took up each platform, and the gap in months (a - b; positive: a later).

    Dates are :class:`analysis.dates.PartialDate`: ``ci_low``/``ci_high`` hold the
    range of gaps the dates' precision allows (not a confidence interval);
    ``value_a``/``value_b`` are decimal years at the mid-point of each first date.
    Rows: each platform either country uses, each role (first account on any
    platform), the country's first account, and a sign test over platforms.
    """
    a, b = study.a, study.b
    acc = study.accounts
    rows, gaps = [], []
    used = [
        p for p in codebook.categories("platforms", study.data_dir) if p in set(acc["platform"])
    ]
    by_country = {c: acc["country"] == c for c in (a, b)}
    for platform in used:
        sel = acc["platform"] == platform
        row = _gap_row(
            a,
            b,
            acc.loc[sel & by_country[a], "created"],
            acc.loc[sel & by_country[b], "created"],
            platform=platform,
        )
        rows.append(row)
        if _finite(row["estimate"]):
            gaps.append(row["estimate"])
    for role in codebook.categories("roles", study.data_dir):
        sel = acc["role"] == role
        if sel.any():
            rows.append(
                _gap_row(
                    a,
                    b,
                    acc.loc[sel & by_country[a], "created"],
                    acc.loc[sel & by_country[b], "created"],
                    role=role,
                )
            )
    rows.append(
        _gap_row(a, b, acc.loc[by_country[a], "created"], acc.loc[by_country[b], "created"])
    )
    if gaps:
        st = stats.sign_test(gaps, np.zeros(len(gaps)))
        fields = _sign_fields(st, "months", coverage_floor=0.9)
        fields["n_missing"] = len(used) - st.n
        rows.append(
            _row(
                "presence",
                "adoption_gap_over_platforms",
                a,
                b,
                value_a=float(st.n_pos),
                value_b=float(st.n_neg),
                effect="median_adoption_gap",
                **fields,
            )
        )
    return _frame(rows)


# ------------------------------------------------------------------------- website
def website(study: Study) -> pd.DataFrame:
    """Criteria of Tabla 2 met by each foreign ministry's website (paired by criterion).

    The ten criteria are assessed on both sites, so the counts are compared with
    the exact McNemar test and the difference of proportions gets Newcombe's
    paired interval. A criterion not assessed for a country is counted in n_missing.
    """
    a, b = study.a, study.b
    wide = study.website_criteria.pivot(index="criterion", columns="country", values="present")
    for c in (a, b):
        if c not in wide:
            wide[c] = pd.NA
    wide = wide[[a, b]]
    both = wide.dropna()
    row = _mcnemar_row("website", "criteria_met", a, b, both)
    row["n_missing"] = int(len(wide) - len(both))
    return _frame([row])


# ------------------------------------------------------------------------ audience
def _common_qualifier(values: pd.DataFrame, metric: str) -> str:
    """The qualifier every given figure shares (``more_than``...), or '' when none or mixed."""
    quals = set(values.loc[values[metric].notna(), f"{metric}_qualifier"].fillna(""))
    return quals.pop() if len(quals) == 1 else ""


def audience(study: Study) -> pd.DataFrame:
    """Followers, posts and views: per platform (accounts pooled) and per matched institution.

    Per platform: the median over the accounts that have a figure, and Cliff's
    delta, with the Mann-Whitney test only where it can inform. Per institution
    and platform: the sum of the figures given, with the qualifier they share.
    Missing figures stay missing and are counted in ``n_missing``.
    """
    a, b = study.a, study.b
    acc = study.accounts
    order = codebook.categories("platforms", study.data_dir)
    rows = []
    for metric in _METRICS:
        for platform in [p for p in order if p in set(acc["platform"])]:
            sel = acc[acc["platform"] == platform]
            if metric != "followers" and sel[metric].notna().sum() == 0:
                continue
            xa = sel.loc[sel["country"] == a, metric]
            xb = sel.loc[sel["country"] == b, metric]
            rows.append(
                _rank_row(
                    "audience",
                    metric,
                    a,
                    b,
                    xa.dropna().astype(float).to_numpy(),
                    xb.dropna().astype(float).to_numpy(),
                    platform=platform,
                    n_missing=int(xa.isna().sum() + xb.isna().sum()),
                )
            )
        given = acc[acc[metric].notna()]
        for (role, platform), _ in given.groupby(["role", "platform"], sort=False):
            sel = acc[(acc["role"] == role) & (acc["platform"] == platform)]
            side = {c: sel[sel["country"] == c] for c in (a, b)}
            values = {
                c: float(x[metric].dropna().sum()) if x[metric].notna().any() else np.nan
                for c, x in side.items()
            }
            rows.append(
                _row(
                    "audience",
                    metric,
                    a,
                    b,
                    role=role,
                    platform=platform,
                    value_a=values[a],
                    value_b=values[b],
                    qualifier_a=_common_qualifier(side[a], metric),
                    qualifier_b=_common_qualifier(side[b], metric),
                    n=int(sel[metric].notna().sum()),
                    n_missing=int(sel[metric].isna().sum()),
                    reason="one_per_country",
                )
            )
    return _frame(rows)


# -------------------------------------------------------------------------- agenda
def agenda(study: Study) -> pd.DataFrame:
    """Topics of each country's accounts: shares of (account, topic) codes.

    The unit is a code (an account on a platform, a topic), not a post. Overall:
    :func:`analysis.stats.table_test` and Cramér's V. Per topic: the two shares,
    their difference with Newcombe's interval for independent proportions
    (statsmodels), and Fisher's exact test.
    """
    from scipy.stats import fisher_exact
    from statsmodels.stats.proportion import confint_proportions_2indep

    a, b = study.a, study.b
    ag = study.agenda
    topics = [t for t in codebook.categories("topics", study.data_dir) if t in set(ag["topic"])]
    counts = ag.groupby(["country", "topic"]).size().unstack(fill_value=0)
    counts = counts.reindex(index=[a, b], columns=topics, fill_value=0)
    na, nb = int(counts.loc[a].sum()), int(counts.loc[b].sum())
    sets = {c: set(counts.columns[counts.loc[c] > 0]) for c in (a, b)}
    rows = [
        _set_row("agenda", "topics_covered", a, b, sets[a], sets[b], "topics", na + nb),
        _table_row("agenda", "topic_distribution", a, b, counts.to_numpy()),
    ]
    for topic in topics:
        ka, kb = int(counts.at[a, topic]), int(counts.at[b, topic])
        fields = dict(
            value_a=ka / na if na else np.nan, value_b=kb / nb if nb else np.nan, n=na + nb
        )
        if na and nb:
            low, high = confint_proportions_2indep(ka, na, kb, nb, method="newcomb", compare="diff")
            res = fisher_exact([[ka, na - ka], [kb, nb - kb]])
            fields.update(
                estimate=ka / na - kb / nb,
                effect="share_difference",
                ci_low=float(low),
                ci_high=float(high),
                interval="newcombe",
                coverage=stats.CONFIDENCE,
                test="fisher_exact",
                statistic=float(res.statistic),
                p_value=float(res.pvalue),
            )
        else:
            fields["reason"] = "no_data"
        rows.append(_row("agenda", "topic_share", a, b, subgroup=topic, **fields))
    return _frame(rows)


# --------------------------------------------------------------------- interaction
def _level_rows(measure: str, a: str, b: str, la, lb, n_levels: int, **scope) -> list[dict]:
    """Ordinal comparison (Cliff's delta, Mann-Whitney) and distribution (Cramér's V) of levels."""
    la = np.asarray(pd.Series(la).dropna(), dtype=float)
    lb = np.asarray(pd.Series(lb).dropna(), dtype=float)
    table = np.array([[int((x == k).sum()) for k in range(n_levels)] for x in (la, lb)])
    return [
        _rank_row("interaction", measure, a, b, la, lb, **scope),
        _table_row("interaction", f"{measure}_distribution", a, b, table, **scope),
    ]


def interaction(study: Study, coded_posts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Interaction levels per country, judged (interaction.csv) and, when given, from coded posts.

    Levels are ordinal (codebook ``account_levels``; post levels 0-3), so each source
    gets an ordinal comparison and a distribution comparison. With posts, the count
    models of :func:`engagement_model` are appended.
    """
    a, b = study.a, study.b
    book = codebook.load_codebook(study.data_dir)
    code = {lv: i for i, lv in enumerate(book["account_levels"])}
    inter = study.interaction
    rows = []
    for method in ("judged", "measured"):
        sel = inter[inter["method"] == method]
        if not sel.empty:
            lv = sel["level"].map(code)
            rows += _level_rows(
                "account_level",
                a,
                b,
                lv[sel["country"] == a],
                lv[sel["country"] == b],
                len(code),
                subgroup=method,
            )
    if coded_posts is None or not len(coded_posts):
        return _frame(rows)
    posts = coded_posts[coded_posts["country"].isin([a, b])]
    n_levels = max(v["level"] for v in book["post_kinds"].values()) + 1
    lv = pd.to_numeric(posts["level"], errors="coerce")
    rows += _level_rows(
        "post_level", a, b, lv[posts["country"] == a], lv[posts["country"] == b], n_levels
    )
    return pd.concat([_frame(rows), engagement_model(posts, a, b)], ignore_index=True)


def engagement_model(coded_posts: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """Replies and engagement per post, a relative to b, as rate ratios (Poisson GLM).

    Outcomes: ``replies`` and ``engagement`` (replies + shares + likes; missing when
    any part is missing). One row per outcome across the platforms both countries
    use (platform as a covariate), then, when there are several, one per platform.
    Errors are clustered by account from 10 accounts (:func:`stats.poisson_rate_ratio`).
    """
    posts = coded_posts[coded_posts["country"].isin([a, b])].copy()
    parts = ["replies", "shares", "likes"]
    for col in parts:
        posts[col] = pd.to_numeric(posts[col], errors="coerce").astype("Float64")
    posts["engagement"] = posts[parts].sum(axis=1, skipna=False)
    shared = sorted(
        set(posts.loc[posts["country"] == a, "platform"])
        & set(posts.loc[posts["country"] == b, "platform"])
    )
    rows = []
    for outcome in ("replies", "engagement"):
        rows.append(_poisson_row(posts[posts["platform"].isin(shared)], outcome, a, b))
        for platform in shared if len(shared) > 1 else []:
            rows.append(_poisson_row(posts[posts["platform"] == platform], outcome, a, b, platform))
    if not shared:
        rows.append(
            _row("interaction", "engagement", a, b, n=len(posts), reason="no_shared_platform")
        )
    return _frame(rows)


def _poisson_row(posts: pd.DataFrame, outcome: str, a: str, b: str, platform: str = "") -> dict:
    d = posts[posts[outcome].notna()]
    y = d[outcome].astype(float).to_numpy()
    is_a = (d["country"] == a).to_numpy()
    platforms = sorted(d["platform"].unique())
    covariates = None
    if len(platforms) > 1:  # platform as a covariate: one indicator per platform but the first
        covariates = np.column_stack([(d["platform"] == p).to_numpy() for p in platforms[1:]])
    clusters = d["account_id"].to_numpy() if "account_id" in d else None
    rr = stats.poisson_rate_ratio(y, is_a, covariates, clusters)
    effect = ("rate_ratio_adjusted" if rr.adjusted else "rate_ratio") if rr.test else ""
    return _row(
        "interaction",
        f"{outcome}_per_post",
        a,
        b,
        platform=platform,
        value_a=float(y[is_a].mean()) if is_a.any() else np.nan,
        value_b=float(y[~is_a].mean()) if (~is_a).any() else np.nan,
        estimate=rr.estimate,
        effect=effect,
        ci_low=rr.ci_low,
        ci_high=rr.ci_high,
        interval="wald" if rr.test else "",
        coverage=stats.CONFIDENCE if rr.test else np.nan,
        test=rr.test,
        statistic=rr.statistic,
        p_value=rr.p_value,
        reason=rr.reason,
        n=len(d),
        n_missing=int(posts[outcome].isna().sum()),
    )


# ------------------------------------------------------------- multiple comparisons
def adjust(
    results: pd.DataFrame, method: str = "holm", family: str | None = "dimension"
) -> pd.DataFrame:
    """Adjust p-values within each family of comparisons (:func:`analysis.stats.adjust`).

    Parameters
    ----------
    results : DataFrame
        In the :data:`COLUMNS` layout.
    method : {"holm", "bh"}
        Holm (family-wise error, the default: few tests, each may be quoted alone)
        or Benjamini-Hochberg (false discovery rate).
    family : str or None
        Column whose values define the families; None for one family.

    Returns
    -------
    DataFrame
        The results with ``family``, ``family_size`` (tests in the family),
        ``p_adjusted`` (NaN where there is no p) and ``adjustment`` (the method) added.
    """
    if method not in stats.ADJUSTMENTS:
        raise ValueError(f"method must be one of {sorted(stats.ADJUSTMENTS)}, not {method!r}")
    out = results.copy()
    out["family"] = out[family].astype("string") if family else "all"
    out["family_size"] = pd.array([pd.NA] * len(out), dtype="Int64")
    out["p_adjusted"] = np.nan
    out["adjustment"] = ""
    for _, grp in out.groupby("family", sort=False):
        has_p = grp.index[grp["p_value"].notna()]
        if len(has_p):
            out.loc[has_p, "p_adjusted"] = stats.adjust(out.loc[has_p, "p_value"], method)
            out.loc[has_p, "family_size"] = len(has_p)
            out.loc[has_p, "adjustment"] = method
    out["adjustment"] = out["adjustment"].astype("string")
    out["family"] = out["family"].astype("string")
    return out[ADJUSTED_COLUMNS]


def all_comparisons(
    study: Study, coded_posts: pd.DataFrame | None = None, method: str = "holm"
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


def emitted_keys(results: pd.DataFrame) -> dict[str, set[str]]:
    """Every code a comparison frame uses, by column: what labels.yml must word."""
    return {col: set(results[col].dropna()) - {""} for col in CODE_COLUMNS if col in results}


__all__ = [
    "ADJUSTED_COLUMNS",
    "CODE_COLUMNS",
    "COLUMNS",
    "adjust",
    "adoption",
    "agenda",
    "all_comparisons",
    "audience",
    "emitted_keys",
    "engagement_model",
    "interaction",
    "presence",
    "presence_by_institution",
    "website",
]
