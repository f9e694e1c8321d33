"""The study's comparisons of two countries, as tidy frames of codes and numbers.

Every function returns the same layout (:data:`COLUMNS`), one row per comparison,
with no sentence in it: what is compared, its scope, the two values, the effect
and the test are *codes* that ``paper/text/labels.yml`` words in each language
(as :mod:`analysis.core.replication` does for verdicts). The statistics themselves come
from :mod:`analysis.core.stats`.

What the data can say decides what a row holds. The five institutions of a country,
the ten website criteria, the accounts' opening dates and the topics the article
describes are *all there is* (a census, not a sample): those rows describe them
exactly (``reason`` ``census``), with no test and no interval. Tests are run on
samples only (posts exported from the accounts), and only where they could reach
p < 0.05; their p-values are adjusted within each dimension (:func:`adjust_by_family`).

``dimension``, ``measure``
    What is compared (``presence``, ``platforms_per_institution``).
``role``, ``platform``, ``subgroup``
    The scope, as codebook keys; empty when the row covers everything.
    ``subgroup`` holds any other key: a feature (``website``), a topic, a method.
``value_a``, ``value_b``, ``qualifier_a``, ``qualifier_b``
    The measure for each country, and the source's qualifier of a figure
    (``more_than``, ``almost``: a bound, :func:`analysis.data.codebook.figure_bounds`).
``difference``, ``ratio``
    ``value_a - value_b`` and ``value_a / value_b`` where both are exact: *a relative to b*.
``estimate``, ``effect``, ``unit``, ``ci_low``, ``ci_high``, ``interval``, ``coverage``
    The effect (a code such as ``adoption_gap``), its estimate and unit, and its
    range with the range's kind: a confidence interval (``bootstrap_percentile``,
    ``wald``) or what the data allow (``precision_range`` of two partial dates,
    ``bounds`` of qualified figures). An estimate always lies inside its range; a
    range without an estimate (``bounds``) is all the data say.
``test``, ``statistic``, ``p_value``, ``p_min``, ``reason``
    The test (a code), its statistic and p-value, and the smallest p-value it could
    give with these units. A row without a test says why in ``reason``: ``census``,
    or one of :mod:`analysis.core.stats`' codes (``too_few``, ``no_variation``...).
``n``, ``n_missing``
    Units that entered the comparison, and units left out because the source gives
    no value (missing values are counted, never read as zero).

>>> from analysis.core import compare
>>> from analysis.data import load
>>> row = compare.website(load.study("MEX", "CHL")).iloc[0]
>>> float(row.value_a), float(row.value_b), row.reason
(6.0, 8.0, 'census')
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from analysis.core import stats
from analysis.core.platforms import platforms_by_institution, unchecked_platforms
from analysis.data import codebook, dates
from analysis.data.load import Study

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
#: Columns :func:`adjust_by_family` adds after :data:`COLUMNS`.
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
_CODES = frozenset(CODE_COLUMNS)
_METRICS = ("followers", "posts", "views")


# --------------------------------------------------------------------------- layout
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
        row["difference"] = va - vb if stats.finite(va) and stats.finite(vb) else np.nan
    if "ratio" not in values:
        row["ratio"] = va / vb if stats.finite(va) and stats.finite(vb) and vb != 0 else np.nan
    if not row["effect"] and not stats.finite(row["estimate"]):
        row["unit"] = ""
    return row


def _frame(rows: Iterable[dict]) -> pd.DataFrame:
    """The rows as a DataFrame in the fixed layout with fixed dtypes.

    Built column by column from Python values (a comparison table has tens of rows: a
    pandas conversion per column would cost more than the rows).
    """
    rows = list(rows)
    columns = {}
    for col in COLUMNS:
        values = [r.get(col) for r in rows]
        if col in ("n", "n_missing"):
            columns[col] = pd.array([_missing_as(v, pd.NA) for v in values], dtype="Int64")
        elif col in _CODES:
            columns[col] = pd.array([str(_missing_as(v, "")) for v in values], dtype="string")
        else:
            columns[col] = np.array([_missing_as(v, np.nan) for v in values], dtype="float64")
    return pd.DataFrame(columns, columns=COLUMNS)


def _missing_as(value, missing):
    """`value`, or `missing` where it is None, NaN or pandas' NA."""
    if (
        value is None
        or value is pd.NA
        or (isinstance(value, (float, np.floating)) and np.isnan(value))
    ):
        return missing
    return value


def _rank_row(dimension: str, measure: str, a, b, xa, xb, **extra) -> dict:
    """Two samples of values: the medians, and Cliff's delta with a test where they can inform.

    A delta over a handful of values says nothing: it is given only where a test could
    reach p < 0.05 (:func:`analysis.core.stats.rank_comparison`), so the medians stand alone
    otherwise.
    """
    rc = stats.rank_comparison(xa, xb)
    tested = stats.finite(rc.p_value)
    return _row(
        dimension,
        measure,
        a,
        b,
        value_a=float(np.median(xa)) if len(xa) else np.nan,
        value_b=float(np.median(xb)) if len(xb) else np.nan,
        estimate=rc.delta if tested else np.nan,
        effect="cliffs_delta" if tested else "",
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
    """Two sets (platforms, topics): their sizes and their Jaccard similarity, described."""
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
        reason="census" if set_a or set_b else "no_data",
        **extra,
    )


def _table_row(dimension, measure, a, b, table, **extra) -> dict:
    """A country × category table: counts per country, Cramér's V (bias-corrected), its test."""
    tt = stats.table_test(table)
    counts = np.asarray(table).sum(axis=1)
    shown = stats.finite(tt.v) and tt.v > 0  # at its chance level, V says nothing
    return _row(
        dimension,
        measure,
        a,
        b,
        value_a=float(counts[0]),
        value_b=float(counts[1]),
        difference=np.nan,
        ratio=np.nan,
        estimate=tt.v if shown else np.nan,
        effect="cramers_v" if shown else "",
        test=tt.test,
        statistic=tt.statistic,
        p_value=tt.p_value,
        reason=tt.reason or ("" if shown else "chance_level"),
        n=tt.n,
        **extra,
    )


def _census_row(dimension, measure, a, b, value_a, value_b, n, **extra) -> dict:
    """A count or a mean over every unit there is (a census): described exactly, no test."""
    has = stats.finite(value_a) or stats.finite(value_b)
    return _row(
        dimension,
        measure,
        a,
        b,
        value_a=float(value_a) if stats.finite(value_a) else np.nan,
        value_b=float(value_b) if stats.finite(value_b) else np.nan,
        n=n,
        reason="census" if has else "no_data",
        **extra,
    )


# ------------------------------------------------------------------------ presence
def _by_role(table: pd.DataFrame, column: str, a: str, b: str, roles: list[str]) -> pd.DataFrame:
    """`column` per role (codebook order) and country, the institutions matched by role."""
    wide = table.pivot(index="role", columns="country", values=column)
    for c in (a, b):
        if c not in wide:
            wide[c] = np.nan
    return wide.reindex([r for r in roles if r in wide.index])[[a, b]]


def presence(study: Study) -> pd.DataFrame:
    """Platforms, shared platforms and features of the matched institutions, described.

    The five institutions of each country (the rows of Tabla 1) are all there are:
    a census, not a sample, so every row is an exact description and none carries a
    test or an interval. (Were they a sample, five matched pairs could not reach
    p < 0.05: the smallest two-sided p of a sign or McNemar test is
    :func:`analysis.core.stats.min_sign_test_p` (5) = 0.0625.)
    """
    a, b = study.a, study.b
    roles = codebook.categories("roles", study.data_dir)
    inst = platforms_by_institution(study)
    rows = []
    for col in ("platforms", "presence_index"):
        wide = _by_role(inst, col, a, b, roles)
        measure = "platforms_per_institution" if col == "platforms" else col
        row = _census_row(
            "presence", measure, a, b, wide[a].mean(), wide[b].mean(), int(wide.notna().sum().sum())
        )
        row["n_missing"] = int(wide.isna().sum().sum())
        rows.append(row)
    core = set(codebook.core_platforms(study.data_dir))
    acc = study.accounts
    sets = {c: set(acc.loc[acc["country"] == c, "platform"].dropna()) for c in (a, b)}
    rows.append(
        _census_row(
            "presence",
            "core_platforms_in_use",
            a,
            b,
            len(sets[a] & core),
            len(sets[b] & core),
            2,
        )
    )
    rows.append(_set_row("presence", "platform_jaccard", a, b, sets[a], sets[b], "platforms", 2))
    lists = inst.assign(s=inst["platform_list"].map(lambda t: set(t.split(", ")) - {""}))
    for role, pair in _by_role(lists, "s", a, b, roles).iterrows():
        sa, sb = pair[a], pair[b]
        if isinstance(sa, set) and isinstance(sb, set):
            rows.append(
                _set_row("presence", "platform_jaccard", a, b, sa, sb, "platforms", 2, role=role)
            )
    order = codebook.categories("platforms", study.data_dir)
    todo = unchecked_platforms(study)
    for platform in [p for p in order if p in sets[a] | sets[b]]:
        flags = lists.assign(
            has=[
                pd.NA
                if platform in todo.get((c, r), set()) and platform not in s
                else platform in s
                for c, r, s in zip(lists["country"], lists["role"], lists["s"], strict=True)
            ]
        )
        wide = _by_role(flags, "has", a, b, roles).astype("boolean")
        rows.append(_checked_count_row("institutions_using", a, b, wide, platform=platform))
    for feature in ("website", "blog", "participation"):
        wide = _by_role(study.institutions, feature, a, b, roles).astype("boolean")
        rows.append(_checked_count_row("institutions_with", a, b, wide, subgroup=feature))
    return _frame(rows)


def _checked_count_row(measure: str, a: str, b: str, wide: pd.DataFrame, **scope) -> dict:
    """Institutions with a yes, per country, over the checked cells of `wide` (role x
    country, true/false/unknown): ``n`` the checked, ``n_missing`` the unknown."""
    row = _census_row(
        "presence",
        measure,
        a,
        b,
        wide[a].sum() if wide[a].notna().any() else np.nan,
        wide[b].sum() if wide[b].notna().any() else np.nan,
        int(wide.notna().sum().sum()),
        **scope,
    )
    row["n_missing"] = int(wide.isna().sum().sum())
    return row


# ------------------------------------------------------------------------ adoption
def could_precede(accounts: pd.DataFrame, than, launches: dict) -> int:
    """How many undated `accounts` could be older than the date `than`.

    An account cannot predate its platform (the codebook's ``launches``): an undated
    Instagram account cannot be older than a 2009 one. With no date to beat (`than`
    None) every undated account counts.
    """
    undated = accounts.loc[accounts["created"].isna(), "platform"]
    if than is None:
        return len(undated)
    return int(sum(not (p in launches and than.before(launches[p])) for p in undated))


def _gap_row(a: str, b: str, acc_a: pd.DataFrame, acc_b: pd.DataFrame, launches, **scope):
    """First account of each country in `scope`: the dates, and the gap with its range.

    The estimate is the gap between the two dates' mid-points; ``ci_low``/``ci_high``
    are every gap the dates' precision allows (:func:`analysis.data.dates.month_gap`), so
    the estimate always lies inside them. ``n_missing`` counts the undated accounts that
    could be older than their country's first dated one (:func:`could_precede`).
    """
    dates_a, dates_b = acc_a["created"], acc_b["created"]
    fa, fb = dates.earliest(dates_a), dates.earliest(dates_b)
    common = dict(
        value_a=fa.mid_year if fa else np.nan,
        value_b=fb.mid_year if fb else np.nan,
        difference=np.nan,  # the gap in months is the effect; decimal years are for sorting
        ratio=np.nan,
        n=int(dates_a.notna().sum() + dates_b.notna().sum()),
        n_missing=could_precede(acc_a, fa, launches) + could_precede(acc_b, fb, launches),
        **scope,
    )
    if fa is None or fb is None:
        return _row("presence", "first_adoption", a, b, reason="no_data", **common)
    gap = dates.month_gap(fa, fb)
    return _row(
        "presence",
        "first_adoption",
        a,
        b,
        estimate=gap.estimate,
        effect="adoption_gap",
        unit="months",
        ci_low=float(gap.low),
        ci_high=float(gap.high),
        interval="precision_range" if not gap.exact else "",
        reason="census",
        **common,
    )


def adoption(study: Study) -> pd.DataFrame:
    """When each country took up each platform, and the gap in months (a - b; positive: a later).

    Rows: each platform either country uses, each role (its first account on any
    platform), the country's first account, and a count over platforms of where the
    dates decide which country came later (a gap whose whole range lies on one side
    of zero). Dates are :class:`analysis.data.dates.PartialDate`. ``n_missing`` counts the
    undated accounts that could change a row: for a first account, those that could be
    older than it (an account cannot predate its platform: codebook ``launches``); over
    platforms, those of the later country on a platform the dates decide.
    """
    a, b = study.a, study.b
    acc = study.accounts
    rows = []
    used = [
        p for p in codebook.categories("platforms", study.data_dir) if p in set(acc["platform"])
    ]
    by_country = {c: acc["country"] == c for c in (a, b)}

    launches = codebook.launches(study.data_dir)

    def gap(sel: pd.Series, **scope) -> dict:
        return _gap_row(a, b, acc[sel & by_country[a]], acc[sel & by_country[b]], launches, **scope)

    platform_rows = [gap(acc["platform"] == p, platform=p) for p in used]
    rows += platform_rows
    for role in codebook.categories("roles", study.data_dir):
        if (acc["role"] == role).any():
            rows.append(gap(acc["role"] == role, role=role))
    rows.append(gap(pd.Series(True, index=acc.index)))
    dated = [r for r in platform_rows if stats.finite(r["estimate"])]
    if dated:
        later_a = sum(r["ci_low"] > 0 for r in dated)
        later_b = sum(r["ci_high"] < 0 for r in dated)
        # what could overturn a decided platform: an undated account of the country the
        # dates put later, which could be older than the other country's first
        overturn = 0
        for r in dated:
            if r["ci_low"] > 0 or r["ci_high"] < 0:
                later, other = (a, b) if r["ci_low"] > 0 else (b, a)
                on = acc["platform"] == r["platform"]
                first = dates.earliest(acc.loc[on & by_country[other], "created"])
                overturn += could_precede(acc[on & by_country[later]], first, launches)
        rows.append(
            _row(
                "presence",
                "adoption_gap_over_platforms",
                a,
                b,
                value_a=float(later_a),
                value_b=float(later_b),
                n=len(dated),
                n_missing=overturn,
                reason="census",
            )
        )
    return _frame(rows)


# ------------------------------------------------------------------------- website
def website(study: Study) -> pd.DataFrame:
    """Criteria of Tabla 2 met by each foreign ministry's website: the two sites, described.

    The ten criteria checked on the two sites are the whole of what the study
    assesses, so the counts are a description, with no test. A criterion not
    assessed for a country is counted in ``n_missing``.
    """
    a, b = study.a, study.b
    wide = study.website_criteria.pivot(index="criterion", columns="country", values="present")
    for c in (a, b):
        if c not in wide:
            wide[c] = pd.NA
    wide = wide[[a, b]].astype("boolean")
    row = _census_row(
        "website",
        "criteria_met",
        a,
        b,
        wide[a].sum() if wide[a].notna().any() else np.nan,
        wide[b].sum() if wide[b].notna().any() else np.nan,
        int(wide.notna().all(axis=1).sum()),
    )
    row["n_missing"] = int(wide.isna().any(axis=1).sum())
    return _frame([row])


# ------------------------------------------------------------------------ audience
def _common_qualifier(values: pd.DataFrame, metric: str) -> str:
    """The qualifier every given figure shares (``more_than``...), or '' when none or mixed."""
    quals = set(values.loc[values[metric].notna(), f"{metric}_qualifier"].fillna(""))
    return quals.pop() if len(quals) == 1 else ""


def _ratio_range(lo_a: float, hi_a: float, lo_b: float, hi_b: float) -> tuple[float, float]:
    """Every ratio a / b that two bounded figures allow."""
    low = lo_a / hi_b if hi_b > 0 and math.isfinite(hi_b) else 0.0
    high = hi_a / lo_b if lo_b > 0 else math.inf
    return (low, high)


def audience(study: Study) -> pd.DataFrame:
    """Followers, posts and views of the matched institutions, role by role, and their ratio.

    Accounts of different institutions are never pooled: the institutions are matched
    by role (the rows of Tabla 1), as the article compares them. A value is the sum of
    the figures the source gives for the institution's accounts on the platform
    (``n``: accounts with a figure, ``n_missing``: without). A qualified figure is a
    bound (:func:`analysis.data.codebook.figure_bounds`): the ratio is then the range the
    bounds allow (``ci_low``/``ci_high``, interval ``bounds``), with no point estimate.
    """
    a, b = study.a, study.b
    acc = study.accounts
    roles = codebook.categories("roles", study.data_dir)
    order = codebook.categories("platforms", study.data_dir)
    rows = []
    for metric in _METRICS:
        given = acc[acc[metric].notna()]
        pairs = {(r, p) for r, p in zip(given["role"], given["platform"], strict=True)}
        for role, platform in sorted(
            pairs, key=lambda rp: (roles.index(rp[0]), order.index(rp[1]))
        ):
            sel = acc[(acc["role"] == role) & (acc["platform"] == platform)]
            side = {c: sel[sel["country"] == c] for c in (a, b)}
            value, qual, bounds = {}, {}, {}
            for c, x in side.items():
                value[c] = float(x[metric].dropna().sum()) if x[metric].notna().any() else np.nan
                qual[c] = _common_qualifier(x, metric)
                bounds[c] = codebook.figure_bounds(value[c], qual[c] or None, study.data_dir)
            both = stats.finite(value[a]) and stats.finite(value[b])
            exact = both and not qual[a] and not qual[b]
            fields = {}
            if both and not exact:
                low, high = _ratio_range(*bounds[a], *bounds[b])
                fields = dict(
                    ratio=np.nan, effect="ratio", ci_low=low, ci_high=high, interval="bounds"
                )
            elif exact and value[b] > 0:
                fields = dict(estimate=value[a] / value[b], effect="ratio")
            rows.append(
                _row(
                    "audience",
                    metric,
                    a,
                    b,
                    role=role,
                    platform=platform,
                    value_a=value[a],
                    value_b=value[b],
                    qualifier_a=qual[a],
                    qualifier_b=qual[b],
                    difference=value[a] - value[b] if exact else np.nan,
                    n=int(sel[metric].notna().sum()),
                    n_missing=int(sel[metric].isna().sum()),
                    reason="census" if both else "no_data",
                    **fields,
                )
            )
    return _frame(rows)


# -------------------------------------------------------------------------- agenda
def agenda(study: Study) -> pd.DataFrame:
    """The topics the article mentions for each country's accounts, described.

    The codes come from one reading of the author's prose (agenda.csv), clustered in
    the few accounts the article describes: they describe what the article says, not
    a sample of posts, so there is no test and no association measure. The unit is an
    account (an institution on a platform): per topic, how many of the described
    accounts of each country the article credits with it.
    """
    a, b = study.a, study.b
    ag = study.agenda
    accounts = ag.drop_duplicates(["country", "role", "platform"])
    described = {c: int((accounts["country"] == c).sum()) for c in (a, b)}
    topics = [t for t in codebook.categories("topics", study.data_dir) if t in set(ag["topic"])]
    sets = {c: set(ag.loc[ag["country"] == c, "topic"]) for c in (a, b)}
    n = described[a] + described[b]
    rows = [_set_row("agenda", "topics_covered", a, b, sets[a], sets[b], "topics", n)]
    for topic in topics:
        with_topic = ag[ag["topic"] == topic].drop_duplicates(["country", "role", "platform"])
        counts = with_topic["country"].value_counts()
        rows.append(
            _census_row(
                "agenda",
                "accounts_with_topic",
                a,
                b,
                counts.get(a, 0) if described[a] else np.nan,
                counts.get(b, 0) if described[b] else np.nan,
                n,
                subgroup=topic,
            )
        )
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
    """Interaction compared where it was measured: levels recorded as measured, and coded posts.

    A judged level (interaction.csv, ``method`` judged) is a category read from the
    author's words, often one judgement for both countries ("en ambos casos"): it is
    shown as such (tables, figure) and never compared statistically here. Measured
    account levels are ordinal and get an ordinal and a distribution comparison; coded
    posts add their levels and the count models of :func:`engagement_model`.
    """
    a, b = study.a, study.b
    book = codebook.load_codebook(study.data_dir)
    code = {lv: i for i, lv in enumerate(book["account_levels"])}
    inter = study.interaction
    measured = inter[inter["method"] == "measured"]
    rows = []
    if not measured.empty:
        lv = measured["level"].map(code)
        rows += _level_rows(
            "account_level",
            a,
            b,
            lv[measured["country"] == a],
            lv[measured["country"] == b],
            len(code),
            subgroup="measured",
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
def adjust_by_family(
    results: pd.DataFrame, method: str = "holm", family: str | None = "dimension"
) -> pd.DataFrame:
    """Adjust p-values within each family of comparisons (:func:`stats.adjust_p_values`).

    Parameters
    ----------
    results : DataFrame
        In the `COLUMNS` layout.
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
            out.loc[has_p, "p_adjusted"] = stats.adjust_p_values(out.loc[has_p, "p_value"], method)
            out.loc[has_p, "family_size"] = len(has_p)
            out.loc[has_p, "adjustment"] = method
    out["adjustment"] = out["adjustment"].astype("string")
    out["family"] = out["family"].astype("string")
    return out[ADJUSTED_COLUMNS]


def all_comparisons(
    study: Study, coded_posts: pd.DataFrame | None = None, method: str = "holm"
) -> pd.DataFrame:
    """Every comparison of the pair, p-values adjusted within each dimension.

    >>> from analysis.data import load
    >>> res = all_comparisons(load.study("MEX", "CHL"))
    >>> sorted(res["dimension"].unique())  # no interaction row: a judged level is not compared
    ['agenda', 'audience', 'presence', 'website']
    """
    parts = [
        presence(study),
        adoption(study),
        website(study),
        audience(study),
        agenda(study),
        interaction(study, coded_posts),
    ]
    return adjust_by_family(pd.concat(parts, ignore_index=True), method=method)


def emitted_keys(results: pd.DataFrame) -> dict[str, set[str]]:
    """Every code a comparison frame uses, by column: what labels.yml must word."""
    return {col: set(results[col].dropna()) - {""} for col in CODE_COLUMNS if col in results}


__all__ = [
    "ADJUSTED_COLUMNS",
    "CODE_COLUMNS",
    "COLUMNS",
    "adjust_by_family",
    "adoption",
    "agenda",
    "all_comparisons",
    "audience",
    "could_precede",
    "emitted_keys",
    "engagement_model",
    "interaction",
    "presence",
    "platforms_by_institution",
    "website",
]
