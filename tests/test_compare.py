"""Tests of analysis.core.compare: every statistic checked against an independent computation."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.core import compare
from analysis.core import stats as st
from analysis.data import codebook, load


@pytest.fixture(scope="module")
def study(article_data):
    return load.study("MEX", "CHL", article_data)


@pytest.fixture(scope="module")
def swapped(article_data):
    return load.study("CHL", "MEX", article_data)


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


CENSUS = ("presence", "website", "audience", "agenda")


def test_a_census_gets_no_test_and_no_confidence_interval(study):
    """Five institutions, ten criteria, the dates, the article's topics: described exactly."""
    res = compare.all_comparisons(study)
    census = res[res["dimension"].isin(CENSUS)]
    assert (census["test"] == "").all() and census["p_value"].isna().all()
    assert census["reason"].isin(["census", "no_data"]).all()
    kinds = set(census["interval"]) - {""}
    assert kinds <= {"precision_range", "bounds"}  # ranges the data allow, never a CI


def test_headline_website_criteria_6_vs_8(study):
    row = _one(compare.website(study), "criteria_met")
    assert (row.value_a, row.value_b, row.difference, row.n) == (6, 8, -2, 10)
    assert row.reason == "census" and math.isnan(row.p_value)


def test_headline_presence(study):
    inst = compare.platforms_by_institution(study)
    imr = inst[(inst["country"] == "MEX") & (inst["role"] == "diplomatic_academy")].iloc[0]
    assert (imr.platform_list, imr.platforms) == ("twitter", 1)
    res = compare.presence(study)
    tw = _one(res, "institutions_using", platform="twitter")
    assert (tw.value_a, tw.value_b, tw.difference) == (5, 5, 0)
    idx = _one(res, "presence_index")
    # the mean share of the codebook's core platforms (its list, not typed here) per institution
    core = codebook.core_platforms()
    acc = study.accounts[study.accounts["platform"].isin(core)]
    for country, value in (("MEX", idx.value_a), ("CHL", idx.value_b)):
        on = acc[acc["country"] == country].drop_duplicates(["role", "platform"])
        n = study.institutions["country"].eq(country).sum()
        assert value == pytest.approx(len(on) / (n * len(core)))
    assert _one(res, "platform_jaccard", role="foreign_ministry").estimate == 1.0
    assert _one(res, "platform_jaccard", role="diplomatic_academy").estimate == pytest.approx(1 / 4)
    # the roles in Tabla 1's order
    roles = res.loc[(res["measure"] == "platform_jaccard") & (res["role"] != ""), "role"]
    assert roles.tolist() == [
        "government",
        "foreign_ministry",
        "trade_promotion",
        "cooperation_agency",
        "diplomatic_academy",
    ]


def test_what_five_matched_institutions_could_say():
    """The smallest p of five matched pairs is 0.0625 before any adjustment: none can pass."""
    assert st.min_sign_test_p(5) == 0.0625
    assert min(1.0, 12 * st.min_sign_test_p(5)) == 0.75  # Holm over 12 such tests


def test_every_gap_estimate_lies_inside_its_range(study, swapped):
    for s in (study, swapped):
        gaps = compare.adoption(s)
        gaps = gaps[gaps["effect"] == "adoption_gap"]
        assert len(gaps) >= 6
        for r in gaps.itertuples():
            assert r.ci_low <= r.estimate <= r.ci_high, r
            if r.ci_low < r.ci_high:  # never on the edge of a range it is inside
                assert r.ci_low < r.estimate < r.ci_high, r


def test_headline_adoption(study):
    res = compare.adoption(study)
    fm = _one(res, "first_adoption", role="foreign_ministry")  # SRE 2009-12 vs Minrel 2014-01..04
    assert (fm.estimate, fm.ci_low, fm.ci_high) == (-50.5, -52, -49)
    yt = _one(res, "first_adoption", platform="youtube")  # 2009-12 vs 2011: mid-points
    assert (yt.estimate, yt.ci_low, yt.ci_high) == (-18.5, -24, -13)
    tw = _one(res, "first_adoption", platform="twitter")  # 2009-12 vs ProChile 2009-Q4
    assert (tw.estimate, tw.ci_low, tw.ci_high) == (1, 0, 2)
    assert tw.interval == "precision_range"
    da = _one(res, "first_adoption", role="diplomatic_academy")  # IMR 2014-01 vs Academy 2011
    assert (da.estimate, da.ci_low, da.ci_high) == (30.5, 25, 36)
    ig = _one(res, "first_adoption", platform="instagram")  # no dated account on either side
    assert math.isnan(ig.estimate) and ig.n == 0 and ig.n_missing == 4 and ig.reason == "no_data"
    over = _one(res, "adoption_gap_over_platforms")  # CHL certainly later on fb and yt
    assert (over.value_a, over.value_b, over.n) == (0, 2, 3) and over.test == ""


def test_audiences_are_matched_role_by_role_never_pooled(study):
    res = compare.audience(study)
    assert (res["role"] != "").all() and (res["platform"] != "").all()
    fm = _one(res, "followers", role="foreign_ministry", platform="twitter")
    assert (fm.value_a, fm.value_b) == (870000, 59000)
    assert fm.estimate == pytest.approx(870000 / 59000) and fm.effect == "ratio"
    assert fm.n_missing == 1  # @ChileMFA gives no figure
    posts = _one(res, "posts", role="foreign_ministry", platform="twitter")
    assert posts.estimate == pytest.approx(35000 / 21000)
    assert res["effect"].isin(["ratio", ""]).all()  # no Cliff's delta over one or two values


def test_a_figure_given_as_a_bound_gives_a_range_not_a_ratio(study):
    views = _one(compare.audience(study), "views", role="foreign_ministry", platform="youtube")
    # "casi dos millones" (at most 2,000,000) against "más de 670 000" (at least 670,000)
    assert (views.qualifier_a, views.qualifier_b) == ("almost", "more_than")
    assert math.isnan(views.estimate) and math.isnan(views.difference)
    assert (views.ci_low, views.interval) == (0, "bounds")
    assert views.ci_high == pytest.approx(2_000_000 / 670_000)
    fb = _one(compare.audience(study), "followers", role="foreign_ministry", platform="facebook")
    assert fb.qualifier_a == "more_than" and math.isnan(fb.value_b) and fb.reason == "no_data"


def test_the_agenda_is_described_not_tested(study):
    res = compare.agenda(study)
    assert (res["test"] == "").all() and (res["effect"].isin(["jaccard", ""])).all()
    cons = _one(res, "accounts_with_topic", subgroup="consular")
    assert (cons.value_a, cons.value_b) == (3, 1)  # SRE twitter, facebook, youtube; Minrel fb
    counts = (
        study.agenda.groupby(["country", "topic"]).size().unstack(fill_value=0).loc[["MEX", "CHL"]]
    )
    # the statistic the referee found below its chance level is indeed zero once corrected
    assert st.cramers_v_corrected(counts.to_numpy()) == 0.0
    assert stats.contingency.association(counts.to_numpy()) == pytest.approx(0.37, abs=0.01)


def test_a_judged_level_is_not_compared(study):
    res = compare.interaction(study)
    assert res.empty


def test_all_comparisons_without_warnings_and_deterministic(study):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        one = compare.all_comparisons(study)
    two = compare.all_comparisons(study)
    pd.testing.assert_frame_equal(one, two)
    assert list(one.columns) == compare.ADJUSTED_COLUMNS
    assert set(one["dimension"]) == {"presence", "website", "audience", "agenda"}


# ------------------------------------------------------------------- edge cases
def test_identical_countries_differ_in_nothing(study):
    twin = _relabel(study, "XXX")
    pres = compare.presence(twin)
    assert (pres["difference"].dropna() == 0).all()
    assert (pres.loc[pres["measure"] == "platform_jaccard", "estimate"].dropna() == 1).all()
    web = _one(compare.website(twin), "criteria_met")
    assert (web.value_a, web.value_b, web.difference) == (6, 6, 0)
    adop = compare.adoption(twin)
    assert (adop["estimate"].dropna() == 0).all()
    aud = compare.audience(twin)
    assert (aud["difference"].dropna() == 0).all() and (aud["estimate"].dropna() == 1).all()


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


def test_interaction_with_coded_posts(study, multipletests):
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


def test_adjust_families_and_methods(multipletests):
    df = compare._frame(
        [
            compare._row("x", f"m{i}", "A", "B", p_value=p)
            for i, p in enumerate([0.01, 0.04, np.nan, 0.03])
        ]
        + [compare._row("y", "m9", "A", "B", p_value=0.04)]
    )
    holm = compare.adjust_by_family(df)
    assert holm["p_adjusted"].iloc[[0, 1, 3]].to_numpy() == pytest.approx(
        multipletests([0.01, 0.04, 0.03], method="holm")[1]
    )
    assert math.isnan(holm["p_adjusted"].iloc[2])
    assert holm["p_adjusted"].iloc[4] == pytest.approx(0.04)  # alone in its family
    bh = compare.adjust_by_family(df, method="bh", family=None)
    assert bh["p_adjusted"].dropna().to_numpy() == pytest.approx(
        multipletests([0.01, 0.04, 0.03, 0.04], method="fdr_bh")[1]
    )
    with pytest.raises(ValueError):
        compare.adjust_by_family(df, method="bonferonni")


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
