"""The replication check: the article's statements against the data."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from analysis.core import checks, replication
from analysis.data import load
from analysis.report import evidence


@pytest.fixture(scope="module")
def study(article_data):
    return load.study("MEX", "CHL", article_data)


@pytest.fixture(scope="module")
def result(study):
    return evidence.check(study).set_index("claim_id")


def test_every_claim_is_checked(study, result):
    assert len(result) == len(study.claims) >= 130
    assert set(result["verdict"]) <= set(checks.VERDICTS)
    assert set(result["basis"]) <= set(replication.BASES)


def test_the_disagreements_found_in_the_article(result):
    # Each is the article disagreeing with itself (data/raw/README.md quotes both places):
    disagree = set(result.index[result["verdict"] == "disagree"])
    assert disagree == {
        # the data follow "ninguna tiene blog" (the systematic statement, the primary
        # reading); the passing mention "el blog de la Agencia" (Amexcid) disagrees
        "amexcid_has_blog",
        "two_or_more_accounts",  # the Instituto Matías Romero has Twitter only
    }
    assert result.at["none_has_blog", "verdict"] == "agree"
    assert result.at["amexcid_has_blog", "basis"] == "same_sentence"


def test_the_embassies_are_a_generic_plural_read_as_en_su_gran_mayoria(result):
    # "las embajadas tienen su propia página web" read as the embassies in general (the
    # primary reading; the universal one is readings.csv's embassies_every_one), held to the
    # same threshold as "en su gran mayoría tienen página web": 77 of 80 agree with both
    for claim in ("mex_embassies_web_and_social", "mex_reps_mostly_website"):
        assert result.at[claim, "verdict"] == "agree", claim
        assert "this package's reading" in result.at[claim, "evidence"], claim
    assert "77 of 80" in result.at["mex_embassies_web_and_social", "evidence"]
    assert result.at["mex_embassies_all_but_three", "verdict"] == "agree"


def test_the_packages_own_readings_say_so(study, result):
    """A statement that names no measure of its own is checked by this package's reading of
    it (claims.csv operationalisation), and its evidence says so, in both languages."""
    claims = study.claims.set_index("claim_id")["operationalisation"].fillna("")
    ours = set(claims.index[claims == "package"])
    assert {"sre_more_active_than_minrel", "mex_embassies_web_and_social"} <= ours
    assert set(claims) <= {"", *replication.OPERATIONALISATIONS}
    es = evidence.check(study, "es").set_index("claim_id")
    for claim in result.index:
        said = "this package's reading" in result.at[claim, "evidence"]
        assert said == (claim in ours), claim
        assert ("lectura propia de este paquete" in es.at[claim, "evidence"]) == said, claim
    assert "posts a month" in result.at["sre_more_active_than_minrel", "evidence"]


def test_the_dates_used_inside_other_statements_are_statements_of_their_own(result):
    # ProChile late 2009, the academy's YouTube in 2011, the IMR in January 2014 (to the
    # month), the SRE's channel in December 2009: each checked against accounts.csv's created
    for claim, recorded in (
        ("prochile_twitter_late_2009", "Q4 2009"),
        ("academy_youtube_2011", "2011"),
        ("imr_twitter_jan_2014", "January 2014"),
        ("sre_youtube_dec_2009", "December 2009"),
    ):
        assert result.at[claim, "check"] == "created_matches", claim
        assert result.at[claim, "verdict"] == "agree", claim
        assert result.at[claim, "evidence"].endswith(f"the data have {recorded}"), claim


def test_statements_the_data_do_not_hold_are_recorded_and_undecided(result):
    # policies, events, the contents of sites, the posts' media and retweets: recorded with
    # the article's words, never decided (check not_in_data, basis none)
    for claim in (
        "mex_programa_no_digital_pd",
        "chl_no_dpd_policy",
        "chl_modernisation_no_reference",
        "chl_modernisation_public_diplomacy",
        "imr_retweets",
        "minrel_media_publications",
        "sre_facebook_photos_infographics_video",
        "amexcid_facebook_photos_few_videos",
        "amexcid_youtube_short",
        "amexcid_youtube_infrequent",
        "sre_youtube_resumen_semanal",
    ):
        assert result.at[claim, "check"] == "not_in_data", claim
        assert (result.at[claim, "basis"], result.at[claim, "verdict"]) == ("none", "undetermined")
        assert result.at[claim, "evidence"].startswith("not in the data: "), claim


def test_what_the_data_cannot_decide(result):
    undetermined = result[result["verdict"] == "undetermined"]
    assert {
        "sre_facebook_most_followers",  # Twitter 870 000 vs Facebook "más de" 720 000: a bound
        "sre_oldest_channels",  # ten Mexican accounts have no opening date
        "imr_last_to_join",  # the government's and ProMéxico's accounts have no date
        "minrel_youtube_2014",  # the article also gives "agosto de 2017": both readings kept
        "minrel_youtube_aug_2017",
        "chl_fm_later",  # two accounts of Minrel have no date and could be older
        "sre_more_active_than_minrel",  # @Minrel_Chile's 21 000 posts are undated
    } <= set(undetermined.index)
    assert "lower bound" in result.at["sre_facebook_most_followers", "evidence"]
    assert "another reading" in result.at["minrel_youtube_2014", "evidence"]
    # a statement whose data the article does not give is undecided, and says what is missing
    none = result[result["basis"] == "none"]
    assert len(none) >= 10 and (none["verdict"] == "undetermined").all()


def test_chile_came_later_for_its_ministry_on_each_platform_both_date(result):
    for claim in ("chl_fm_later_twitter", "chl_fm_later_youtube"):
        assert result.at[claim, "verdict"] == "agree", claim
    # the article says it of the foreign ministry ("en lo que se refiere a su Cancillería"),
    # so no claim tests it country-wide (ProChile, late 2009, is no later than the SRE)
    assert "chl_later_country_wide" not in result.index


def test_summary_counts_by_basis(result):
    summary = replication.summary(result.reset_index())
    assert summary["total"] == len(result)
    assert sum(summary[v] for v in checks.VERDICTS) == summary["total"]
    by = summary["by_basis"]
    assert sum(sum(b.values()) for b in by.values()) == summary["total"]
    assert by["external"] == {"agree": 0, "disagree": 0, "undetermined": 0}
    assert by["same_sentence"]["agree"] > 60  # most agreements only check the transcription


def test_evidence_in_spanish(study):
    es = evidence.check(study, "es").set_index("claim_id")
    assert es.at["mex_six_criteria", "evidence"] == "6 de 10 criterios cumplidos"
    assert "más de 720\u00a0000" in es.at["sre_facebook_most_followers", "evidence"]
    assert es.at["mex_embassies_all_but_three", "evidence"] == "80 embajadas, 77 con página web"


def test_most_followers_decides_only_outside_the_bounds(study):
    check = checks.CHECKS["most_followers_on"]
    args = dict(countries=["MEX"], country="MEX", role="foreign_ministry")
    assert check(study, platform="twitter", **args)[0] == "undetermined"  # FB could exceed
    acc = study.accounts.copy()
    fb = (
        (acc["country"] == "MEX")
        & (acc["role"] == "foreign_ministry")
        & (acc["platform"] == "facebook")
    )
    acc.loc[fb, "followers_qualifier"] = pd.NA  # an exact 720 000
    exact = _with(study, "accounts", acc)
    assert check(exact, platform="twitter", **args)[0] == "agree"
    assert check(exact, platform="facebook", **args)[0] == "disagree"


def test_headline_agreements(result):
    for claim in (
        "mex_six_criteria",
        "chl_eight_criteria",
        "all_have_website",
        "twitter_everywhere",
    ):
        assert result.at[claim, "verdict"] == "agree", claim
    assert "6 of 10" in result.at["mex_six_criteria", "evidence"]


def _with(study, table, df):
    return dataclasses.replace(study, **{table: df})


def test_created_matches_respects_precision(study):
    check = checks.CHECKS["created_matches"]
    args = dict(countries=["MEX"], country="MEX", role="foreign_ministry", platform="twitter")
    assert check(study, stated="2009", **args)[0] == "agree"  # year contains 2009-12
    assert check(study, stated="2009-11", **args)[0] == "disagree"
    acc = study.accounts.copy()
    acc.loc[(acc["handle"] == "@SRE_mx"), "created"] = pd.NA
    assert check(_with(study, "accounts", acc), stated="2009", **args)[0] == "undetermined"


def test_criteria_met_changes_with_the_data(study):
    crit = study.website_criteria.copy()
    crit.loc[(crit["country"] == "MEX") & (crit["criterion"] == "blog"), "present"] = True
    changed = _with(study, "website_criteria", crit)
    check = checks.CHECKS["criteria_met"]
    assert check(changed, ["MEX"], country="MEX", expected="6")[0] == "disagree"
    assert check(changed, ["MEX"], country="MEX", expected="7")[0] == "agree"


def test_unknown_check_is_named(study):
    claims = study.claims.copy()
    claims.loc[0, "check"] = "no_such_check"
    with pytest.raises(KeyError, match="no_such_check"):
        evidence.check(_with(study, "claims", claims))


def test_claims_follow_the_pair(study, article_data):
    # every claim is about Mexico and/or Chile: the swapped pair checks the same ones
    assert len(load.study("CHL", "MEX", article_data).claims) == len(study.claims)


def test_one_rule_for_bounds_comes_from_the_codebook(raw_copy):
    """ "más de" is a lower bound because the codebook says so, in compare and here alike."""
    from analysis.core import compare

    study = load.study("MEX", "CHL", raw_copy)
    args = dict(countries=["MEX"], country="MEX", role="foreign_ministry", platform="facebook")
    check = checks.CHECKS["most_followers_on"]
    assert check(study, **args)[0] == "undetermined"
    book = raw_copy / "codebook.yml"
    book.write_text(
        book.read_text(encoding="utf-8").replace("bound: lower", "bound: none"), "utf-8"
    )
    exact = load.study("MEX", "CHL", raw_copy)
    assert check(exact, **args)[0] == "disagree"  # 720 000 taken at face value < 870 000
    views = compare.audience(exact)
    views = views[views["measure"] == "views"].iloc[0]
    assert views.ci_low == 0 and views.ci_high == pytest.approx(2e6 / 670e3)


def test_created_matches_reads_two_readings_as_undecided(study):
    check = checks.CHECKS["created_matches"]
    args = dict(countries=["CHL"], country="CHL", role="foreign_ministry", platform="youtube")
    verdict, key, _ = check(study, stated="2014", **args)
    assert (verdict, key) == ("undetermined", "created_readings")
    assert check(study, stated="2012", **args)[0] == "disagree"  # no reading allows 2012


def test_parse_params():
    assert replication.parse_params("a=1; b = x,y") == {"a": "1", "b": "x,y"}
    assert replication.parse_params(None) == {}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_evidence_speaks_the_papers_words_not_codes(study, lang):
    """No code of the data (diplomatic_academy, bilateral_multilateral, a file name) and, in
    Spanish, no English platform code reaches the evidence the paper prints."""
    import re

    said = " | ".join(evidence.check(study, lang)["evidence"])
    assert not re.findall(r"(?<![@\w])[a-z]+_[a-z_]+\b", said)
    assert ".csv" not in said
    assert not re.findall(r"\b(?:twitter|facebook|youtube|instagram)\b", said)


@pytest.mark.slow
def test_the_evidence_is_the_same_whatever_the_hash_seed(article_data):
    """A set's order follows Python's hash seed; the printed evidence must not."""
    import os
    import subprocess
    import sys

    code = (
        "from analysis.data import load; from analysis.report import evidence;"
        f"print('|'.join(evidence.check(load.study('MEX', 'CHL', {str(article_data)!r}))"
        "['evidence']))"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "3", "4")
    }
    assert len(runs) == 1


def test_all_sampled_on_any_is_decided_by_the_counts_only(study):
    check = checks.CHECKS["all_sampled_on_any"]
    args = dict(countries=["MEX"], country="MEX")
    assert check(study, kind="embassy", **args)[0] == "agree"  # Twitter: 6 of 6
    # the consulates' counts are not given (only Weibo, 1 of 4): undecided
    assert check(study, kind="consulate", **args)[:2] == ("undetermined", "sampled_any_unknown")
    sp = study.sample_platforms.copy()
    emb = (sp["kind"] == "embassy") & (sp["platform"] == "twitter")
    sp.loc[emb, "sites_with"] = 5  # no platform holds all six: which site is where is unknown
    assert check(_with(study, "sample_platforms", sp), kind="embassy", **args)[0] == "undetermined"
    sp.loc[sp["kind"] == "embassy", "sites_with"] = 1  # 5 profiles for 6 sites: one on none
    assert check(_with(study, "sample_platforms", sp), kind="embassy", **args)[0] == "disagree"


def test_criteria_present_reads_each_criterion(study):
    check = checks.CHECKS["criteria_present"]
    args = dict(countries=["MEX"], country="MEX")
    assert check(study, criteria="diplomatic_network,foreign_corps", **args)[0] == "agree"
    assert check(study, criteria="diplomatic_network,blog", **args)[0] == "disagree"
    crit = study.website_criteria.copy()
    crit.loc[(crit["country"] == "MEX") & (crit["criterion"] == "foreign_corps"), "present"] = pd.NA
    unknown = _with(study, "website_criteria", crit)
    assert check(unknown, criteria="diplomatic_network,foreign_corps", **args)[0] == "undetermined"


def test_share_with_website_of_one_kind(study):
    check = checks.CHECKS["representations_share_with_website"]
    args = dict(countries=["MEX"], country="MEX")
    assert check(study, kind="embassy", min_share="0.9", **args)[0] == "agree"  # 77 / 80
    assert check(study, kind="embassy", min_share="0.97", **args)[0] == "disagree"
    # five missions whose websites the article does not count: anything from none to all
    verdict, key, values = check(study, kind="multilateral_mission", min_share="0.5", **args)
    assert (verdict, key, values["low"], values["high"]) == (
        "undetermined",
        "reps_share_kind_range",
        0.0,
        1.0,
    )
    assert check(study, kind="no_such_kind", min_share="0.5", **args)[:2] == (
        "undetermined",
        "reps_none",
    )
