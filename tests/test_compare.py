"""Tests of analysis.compare: every statistic checked against an independent computation."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from analysis import compare, load
from analysis import stats as st


@pytest.fixture(scope="module")
def study():
    return load.study("MEX", "CHL")


def _relabel(study, new: str):
    """A study comparing country a with an exact copy of itself under the code `new`."""
    tables = {}
    for name, df in study.tables.items():
        if "country" in df.columns:
            rows = df[df["country"] == study.a]
            copy = rows.copy()
            copy["country"] = new
            df = pd.concat([rows, copy], ignore_index=True)
        elif "iso3" in df.columns:
            rows = df[df["iso3"] == study.a]
            copy = rows.copy()
            copy["iso3"] = new
            df = pd.concat([rows, copy], ignore_index=True)
        tables[name] = df
    return load.Study.from_tables(study.a, new, tables, study.data_dir)


def _one(df: pd.DataFrame, measure: str, **scope) -> pd.Series:
    """The one row of `measure` whose role, platform and subgroup are `scope` ('' otherwise)."""
    sel = df["measure"] == measure
    for col in ("role", "platform", "subgroup"):
        sel &= df[col] == scope.get(col, "")
    rows = df[sel]
    assert len(rows) == 1, f"{measure} {scope}: {len(rows)} rows"
    return rows.iloc[0]


def _posts(spec: dict[str, list[tuple[str, str, int, int, int, int]]]) -> pd.DataFrame:
    """Coded posts from {country: [(platform, account, level, replies, shares, likes), ...]}."""
    rows = []
    for country, posts in spec.items():
        for i, (platform, account, level, replies, shares, likes) in enumerate(posts):
            kind = ["broadcast", "share", "reply", "dialogue"][level]
            rows.append(
                dict(
                    country=country,
                    role="foreign_ministry",
                    platform=platform,
                    account_id=account,
                    post_id=f"{country}{i}",
                    kind=kind,
                    level=level,
                    replies=replies,
                    shares=shares,
                    likes=likes,
                )
            )
    df = pd.DataFrame(rows)
    for col in ("replies", "shares", "likes"):
        df[col] = df[col].astype("Int64")
    return df


# ------------------------------------------------------------- Mexico and Chile
def test_layout_of_every_function(study):
    for df in (
        compare.presence(study),
        compare.adoption(study),
        compare.website(study),
        compare.audience(study),
        compare.agenda(study),
        compare.interaction(study),
    ):
        assert list(df.columns) == compare.COLUMNS
        assert (df["country_a"] == "MEX").all() and (df["country_b"] == "CHL").all()
        no_p = df["p_value"].isna()
        assert (df.loc[no_p, "test"] == "").all()


def test_headline_website_criteria_6_vs_8(study):
    row = _one(compare.website(study), "criteria_met")
    assert (row.value_a, row.value_b, row.difference, row.n) == (6, 8, -2, 10)
    assert row.estimate == pytest.approx(-0.2)
    assert row.p_value == pytest.approx(stats.binomtest(0, 2, 0.5).pvalue)  # 0 only MEX, 2 only CHL
    assert row.ci_low < -0.2 < row.ci_high


def test_headline_presence(study):
    inst = compare.presence_by_institution(study)
    imr = inst[(inst["country"] == "MEX") & (inst["role"] == "diplomatic_academy")].iloc[0]
    assert (imr.platform_list, imr.platforms) == ("twitter", 1)
    res = compare.presence(study)
    tw = _one(res, "institutions_using", platform="twitter")
    assert (tw.value_a, tw.value_b) == (5, 5)
    assert math.isnan(tw.p_value) and tw.test == ""
    idx = _one(res, "presence_index")
    core = {
        "MEX": [2, 5, 4, 4, 1],
        "CHL": [4, 5, 5, 4, 4],
    }  # core platforms per institution, by hand
    assert idx.value_a == pytest.approx(sum(core["MEX"]) / 30)
    assert idx.value_b == pytest.approx(sum(core["CHL"]) / 30)
    assert idx.p_value == pytest.approx(stats.binomtest(0, 3, 0.5).pvalue)  # 3 CHL higher, 2 ties
    assert _one(res, "platform_jaccard", role="foreign_ministry").estimate == 1.0
    assert _one(res, "platform_jaccard", role="diplomatic_academy").estimate == pytest.approx(1 / 4)
    assert idx.p_min == 0.0625


def test_headline_adoption(study):
    res = compare.adoption(study)
    fm = _one(res, "first_adoption", role="foreign_ministry")  # SRE 2009-12 vs Minrel 2014-04
    assert (fm.estimate, fm.ci_low, fm.ci_high) == (-52, -52, -52)
    tw = _one(res, "first_adoption", platform="twitter")  # 2009-12 vs 2009 (ProChile)
    assert (tw.estimate, tw.ci_low, tw.ci_high) == (0, 0, 11)
    assert tw.interval == "precision_range"
    assert _one(res, "first_adoption", role="diplomatic_academy").estimate > 0  # IMR came last
    ig = _one(res, "first_adoption", platform="instagram")  # no dated account on either side
    assert math.isnan(ig.estimate) and ig.n == 0 and ig.n_missing == 4 and ig.reason == "no_data"


def test_audience_missing_counted_never_zero(study):
    res = compare.audience(study)
    tw = _one(res, "followers", platform="twitter")
    assert (tw.n, tw.n_missing) == (4, 8)
    assert tw.value_a == 22000 and tw.value_b == 59000  # median of 870k, 14k, 22k; CHL only Minrel
    assert math.isnan(tw.p_value) and tw.reason == "too_few"
    ig = _one(res, "followers", platform="instagram")  # all followers missing
    assert math.isnan(ig.value_a) and math.isnan(ig.value_b) and ig.n == 0 and ig.n_missing == 4
    fb = _one(res, "followers", role="foreign_ministry", platform="facebook")
    assert math.isnan(fb.value_b) and fb.qualifier_a == "more_than"
    fm = _one(res, "followers", role="foreign_ministry", platform="twitter")
    assert fm.ratio == pytest.approx(870000 / 59000) and fm.n_missing == 1  # @ChileMFA
    li = _one(res, "followers", platform="linkedin")  # MEX has no LinkedIn account
    assert li.reason == "no_data"


def test_agenda_counts_and_cramers_v(study):
    res = compare.agenda(study)
    counts = (
        study.agenda.groupby(["country", "topic"]).size().unstack(fill_value=0).loc[["MEX", "CHL"]]
    )
    dist = _one(res, "topic_distribution")
    chi2 = stats.chi2_contingency(counts.to_numpy(), correction=False).statistic
    assert dist.estimate == pytest.approx(math.sqrt(chi2 / counts.to_numpy().sum()))
    assert (dist.value_a, dist.value_b) == tuple(counts.sum(axis=1))
    assert dist.test == "chi_square_monte_carlo"
    cons = _one(res, "topic_share", subgroup="consular")
    ka, kb = counts.at["MEX", "consular"], counts.at["CHL", "consular"]
    na, nb = counts.sum(axis=1)
    assert cons.value_a == pytest.approx(ka / na) and cons.value_b == pytest.approx(kb / nb)
    assert cons.p_value == pytest.approx(stats.fisher_exact([[ka, na - ka], [kb, nb - kb]]).pvalue)


def test_interaction_without_variation_has_no_p_value(study):
    res = compare.interaction(study)
    assert len(res) == 2
    assert res["p_value"].isna().all()
    assert (res["reason"] == "no_variation").all()
    assert (res["subgroup"] == "judged").all()


def test_all_comparisons_without_warnings_and_deterministic(study):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        one = compare.all_comparisons(study)
    two = compare.all_comparisons(study)
    pd.testing.assert_frame_equal(one, two)
    assert list(one.columns) == compare.ADJUSTED_COLUMNS
    assert set(one["dimension"]) == {"presence", "website", "audience", "agenda", "interaction"}
    # Holm within the agenda family, recomputed here.
    ag = one[(one["dimension"] == "agenda") & one["p_value"].notna()]
    assert ag["p_adjusted"].to_numpy() == pytest.approx(
        multipletests(ag["p_value"], method="holm")[1]
    )
    assert one.loc[one["p_value"].isna(), "p_adjusted"].isna().all()


# ------------------------------------------------------------------- edge cases
def test_identical_countries_give_no_p_values_where_nothing_varies(study):
    twin = _relabel(study, "XXX")
    pres = compare.presence(twin)
    assert (
        pres.loc[pres["measure"].isin(["presence_index", "platforms_per_institution"]), "p_value"]
        .isna()
        .all()
    )
    assert pres.loc[pres["measure"].str.startswith("institutions_"), "p_value"].isna().all()
    assert (
        pres.loc[pres["measure"].str.startswith("platform_jaccard"), "estimate"].dropna() == 1
    ).all()
    web = _one(compare.website(twin), "criteria_met")
    assert (web.value_a, web.value_b, web.estimate) == (6, 6, 0) and math.isnan(web.p_value)
    adop = compare.adoption(twin)
    assert (adop["estimate"].dropna() == 0).all()
    aud = compare.audience(twin)
    assert (aud["difference"].dropna() == 0).all() and aud["p_value"].isna().all()
    ag = _one(compare.agenda(twin), "topic_distribution")
    assert ag.estimate == pytest.approx(0) and ag.p_value == pytest.approx(1)


def test_audience_rank_test_with_enough_accounts_and_ties(study):
    acc = study.accounts.iloc[:0].copy()
    rows = []
    for country, values in (("MEX", [100, 200, 200, 300, 400]), ("CHL", [50, 60, 200, 70, 80])):
        for i, v in enumerate(values):
            rows.append(
                {
                    "country": country,
                    "role": "foreign_ministry",
                    "platform": "twitter",
                    "handle": f"@{country}{i}",
                    "followers": v,
                }
            )
    acc = pd.concat([acc, pd.DataFrame(rows)], ignore_index=True)
    acc["followers"] = acc["followers"].astype("Int64")
    s = load.Study.from_tables("MEX", "CHL", {**study.tables, "accounts": acc}, study.data_dir)
    row = _one(compare.audience(s), "followers", platform="twitter")
    x, y = [100, 200, 200, 300, 400], [50, 60, 200, 70, 80]
    assert row.estimate == pytest.approx(2 * stats.mannwhitneyu(x, y).statistic / 25 - 1)
    # 5 + 5 values: 252 arrangements, so the permutation p is exact; ties included.
    ref = stats.permutation_test(
        (x, y),
        lambda a, b: stats.mannwhitneyu(a, b).statistic,
        n_resamples=np.inf,
        alternative="two-sided",
        permutation_type="independent",
    ).pvalue
    assert row.p_value == pytest.approx(ref)
    assert row.value_a == 200 and row.value_b == 70


def test_engagement_model_rate_ratio_and_robust_errors_by_hand():
    spec = {
        "AAA": [
            ("twitter", "a1", 0, 3, 1, 2),
            ("twitter", "a1", 2, 5, 0, 1),
            ("twitter", "a2", 0, 1, 2, 0),
            ("twitter", "a2", 3, 7, 1, 4),
        ],
        "BBB": [
            ("twitter", "b1", 0, 1, 0, 0),
            ("twitter", "b1", 0, 0, 1, 1),
            ("twitter", "b2", 1, 2, 0, 3),
            ("twitter", "b2", 0, 1, 0, 0),
            ("twitter", "b2", 0, 0, 0, 1),
        ],
    }
    res = compare.engagement_model(_posts(spec), "AAA", "BBB")
    row = _one(res, "replies_per_post")
    ya, yb = np.array([3, 5, 1, 7.0]), np.array([1, 0, 2, 1, 0.0])
    assert row.estimate == pytest.approx(ya.mean() / yb.mean())  # Poisson MLE, one binary covariate
    # Sandwich variance of log RR, with the HC1 factor n / (n - k).
    n = ya.size + yb.size
    var = (
        (
            ((ya - ya.mean()) ** 2).sum() / ya.sum() ** 2
            + ((yb - yb.mean()) ** 2).sum() / yb.sum() ** 2
        )
        * n
        / (n - 2)
    )
    z = stats.norm.ppf(0.975)
    rr = ya.mean() / yb.mean()
    assert row.ci_low == pytest.approx(rr * math.exp(-z * math.sqrt(var)), rel=1e-6)
    assert row.ci_high == pytest.approx(rr * math.exp(z * math.sqrt(var)), rel=1e-6)
    assert row.p_value == pytest.approx(2 * stats.norm.sf(math.log(rr) / math.sqrt(var)), rel=1e-6)
    eng = _one(res, "engagement_per_post")
    assert eng.value_a == pytest.approx((6 + 6 + 3 + 12) / 4)


def test_engagement_model_no_replies_in_one_country_and_missing_values():
    spec = {
        "AAA": [("twitter", "a1", 0, 0, 1, 2), ("twitter", "a1", 0, 0, 0, 1)],
        "BBB": [("twitter", "b1", 0, 2, 0, 0), ("twitter", "b1", 0, 1, 1, 1)],
    }
    posts = _posts(spec)
    posts.loc[3, "likes"] = pd.NA
    res = compare.engagement_model(posts, "AAA", "BBB")
    rep = _one(res, "replies_per_post")
    assert math.isnan(rep.p_value) and math.isnan(rep.estimate) and rep.reason == "zero_count"
    eng = _one(res, "engagement_per_post")
    assert (eng.n, eng.n_missing) == (3, 1)
    none = compare.engagement_model(
        _posts({"AAA": [("twitter", "a", 0, 0, 0, 0)], "BBB": [("twitter", "b", 0, 0, 0, 0)]}),
        "AAA",
        "BBB",
    )
    assert none["p_value"].isna().all()
    assert _one(none, "replies_per_post").reason == "no_variation"


def test_interaction_with_coded_posts(study):
    rng = np.random.default_rng(3)
    spec = {
        "MEX": [
            ("twitter", f"m{i % 3}", int(rng.integers(0, 2)), int(rng.poisson(1)), 1, 2)
            for i in range(12)
        ],
        "CHL": [
            ("twitter", f"c{i % 3}", int(rng.integers(1, 4)), int(rng.poisson(3)), 0, 4)
            for i in range(12)
        ],
    }
    posts = _posts(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = compare.interaction(study, posts)
    lv = _one(res, "post_level")
    assert lv.estimate == pytest.approx(st.cliffs_delta(posts.level[:12], posts.level[12:]))
    assert lv.p_value < 0.05 and lv.test == "mann_whitney_permutation"
    assert _one(res, "post_level_distribution").estimate > 0
    assert _one(res, "replies_per_post").estimate < 1
    allres = compare.all_comparisons(study, posts)
    inter = allres[(allres["dimension"] == "interaction") & allres["p_value"].notna()]
    assert inter["p_adjusted"].to_numpy() == pytest.approx(
        multipletests(inter["p_value"], method="holm")[1]
    )


def test_adjust_families_and_methods():
    df = compare._frame(
        [
            compare._row("x", f"m{i}", "A", "B", p_value=p)
            for i, p in enumerate([0.01, 0.04, np.nan, 0.03])
        ]
        + [compare._row("y", "m9", "A", "B", p_value=0.04)]
    )
    holm = compare.adjust(df)
    assert holm["p_adjusted"].iloc[[0, 1, 3]].to_numpy() == pytest.approx(
        multipletests([0.01, 0.04, 0.03], method="holm")[1]
    )
    assert math.isnan(holm["p_adjusted"].iloc[2])
    assert holm["p_adjusted"].iloc[4] == pytest.approx(0.04)  # alone in its family
    bh = compare.adjust(df, method="bh", family=None)
    assert bh["p_adjusted"].dropna().to_numpy() == pytest.approx(
        multipletests([0.01, 0.04, 0.03, 0.04], method="fdr_bh")[1]
    )
    with pytest.raises(ValueError):
        compare.adjust(df, method="bonferonni")


def test_engagement_model_per_platform_rows_only_with_several_platforms():
    spec = {
        "AAA": [
            ("twitter", "a1", 0, 2, 0, 0),
            ("twitter", "a1", 0, 4, 0, 0),
            ("facebook", "a2", 0, 1, 0, 0),
            ("facebook", "a2", 0, 1, 0, 0),
        ],
        "BBB": [
            ("twitter", "b1", 0, 1, 0, 0),
            ("twitter", "b1", 0, 1, 0, 0),
            ("facebook", "b2", 0, 2, 0, 0),
            ("facebook", "b2", 0, 0, 0, 0),
        ],
    }
    res = compare.engagement_model(_posts(spec), "AAA", "BBB")
    assert _one(res, "replies_per_post", platform="twitter").estimate == pytest.approx(3 / 1)
    assert _one(res, "replies_per_post", platform="facebook").estimate == pytest.approx(1 / 1)
    overall = _one(res, "replies_per_post")
    assert overall.effect == "rate_ratio_adjusted"
    # With platform in the model the country effect lies between the two platforms' ratios.
    assert 1 < overall.estimate < 3
    one_platform = compare.engagement_model(
        _posts({k: v[:2] for k, v in spec.items()}), "AAA", "BBB"
    )
    assert (one_platform["platform"] == "").all()
