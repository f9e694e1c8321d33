"""A referee's second reading (issue 21): counts the paper derives, held to the article.

The article's data are a copy of data/raw's MEX and CHL rows (conftest.copy_article), so a
student's added country changes nothing here.
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import copy_article

from analysis.core import compare
from analysis.data import codebook, dates, load


@pytest.fixture(scope="module")
def adoption(tmp_path_factory) -> pd.DataFrame:
    data = copy_article(tmp_path_factory.mktemp("article") / "raw")
    return compare.adoption(load.study("MEX", "CHL", data))


def test_an_account_cannot_predate_its_platform():
    launches = codebook.launches()
    undated = pd.DataFrame({"platform": ["instagram", "twitter"], "created": [pd.NA, pd.NA]})
    # Instagram opened in 2010-10: an undated Instagram account is not older than 2009
    assert compare.could_precede(undated, dates.parse("2009"), launches) == 1
    assert compare.could_precede(undated, dates.parse("2012"), launches) == 2
    assert compare.could_precede(undated, None, launches) == 2


def _row(adoption, **scope) -> pd.Series:
    sel = pd.Series(True, index=adoption.index)
    for column in ("role", "platform"):
        sel &= adoption[column].fillna("") == scope.get(column, "")
    return adoption[sel & (adoption["measure"] == scope.get("measure", "first_adoption"))].iloc[0]


def test_the_undated_accounts_that_could_change_a_first_account(adoption):
    assert _row(adoption)["n_missing"] == 20  # of any institution (26 counted every undated one)
    assert _row(adoption, role="foreign_ministry")["n_missing"] == 3  # not 4


def test_the_accounts_that_could_overturn_the_platforms_the_dates_decide(adoption):
    over = _row(adoption, measure="adoption_gap_over_platforms")
    # Chile later on Facebook and YouTube: four undated Chilean Facebook accounts and two
    # undated Chilean YouTube channels could be older than Mexico's first there
    assert (over["value_a"], over["value_b"], over["n"]) == (0, 2, 3)
    assert over["n_missing"] == 6


def test_a_total_is_read_beside_its_rate_per_month(tmp_path):
    from analysis.report import values

    s = load.study("MEX", "CHL", copy_article(tmp_path / "raw"))
    posts = [
        a
        for a in values.comparison_values(s, compare.all_comparisons(s))["audiences"]
        if a["metric"] == "posts"
    ][0]
    # 35,000 against 21,000 posts in total, but @SRE_mx opened in 2009 and @Minrel_Chile in
    # 2014: 315-318 a month against 356-362, the order reversed
    assert posts["total_more"] == "a" and posts["rate_more"] == "b"
    assert (round(posts["rate_a"]["low"]), round(posts["rate_a"]["high"])) == (315, 318)
    assert (round(posts["rate_b"]["low"]), round(posts["rate_b"]["high"])) == (356, 362)
