"""The replication check: the article's statements against the data."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from analysis import load, replication


@pytest.fixture(scope="module")
def study():
    return load.study("MEX", "CHL")


@pytest.fixture(scope="module")
def result(study):
    return replication.check(study).set_index("claim_id")


def test_every_claim_is_checked(study, result):
    assert len(result) == len(study.claims) == 29
    assert set(result["verdict"]) <= set(replication.VERDICTS)


def test_the_disagreements_found_in_the_article(result):
    # Each is a real inconsistency of the article (see data/raw/README.md):
    disagree = set(result.index[result["verdict"] == "disagree"])
    assert disagree == {
        "none_has_blog",  # "ninguna tiene blog" vs "el blog de la Agencia" (Amexcid)
        "two_or_more_accounts",  # the Instituto Matías Romero has Twitter only
        "minrel_youtube_2014",  # "hasta 2014 ... un canal en YouTube" vs "agosto de 2017"
    }


def test_what_the_data_cannot_decide(result):
    undetermined = set(result.index[result["verdict"] == "undetermined"])
    assert undetermined == {
        "sre_facebook_most_followers",  # Twitter 870 000 vs Facebook "más de" 720 000: a bound
        "sre_oldest_channels",  # ten Mexican accounts have no opening date
        "imr_last_to_join",  # the government's and ProMéxico's accounts have no date
    }
    assert "lower bound" in result.at["sre_facebook_most_followers", "evidence"]


def test_evidence_in_spanish(study):
    es = replication.check(study, "es").set_index("claim_id")
    assert (
        es.at["mex_six_criteria", "evidence"]
        == "6 de 10 criterios cumplidos en website_criteria.csv"
    )
    assert "más de 720\u00a0000" in es.at["sre_facebook_most_followers", "evidence"]
    assert es.at["mex_embassies_all_but_three", "evidence"] == "80 embajadas, 77 con página web"


def test_most_followers_decides_only_outside_the_bounds(study):
    check = replication.CHECKS["most_followers_on"]
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
    check = replication.CHECKS["created_matches"]
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
    check = replication.CHECKS["criteria_met"]
    assert check(changed, ["MEX"], country="MEX", expected="6")[0] == "disagree"
    assert check(changed, ["MEX"], country="MEX", expected="7")[0] == "agree"


def test_unknown_check_is_named(study):
    claims = study.claims.copy()
    claims.loc[0, "check"] = "no_such_check"
    with pytest.raises(KeyError, match="no_such_check"):
        replication.check(_with(study, "claims", claims))


def test_claims_follow_the_pair():
    # every claim is about Mexico and/or Chile; a pair without them has none to check
    assert len(load.study("CHL", "MEX").claims) == 29


def test_parse_params():
    assert replication.parse_params("a=1; b = x,y") == {"a": "1", "b": "x,y"}
    assert replication.parse_params(None) == {}
