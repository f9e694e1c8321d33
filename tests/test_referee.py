"""A referee's second reading (issue 21): counts the paper derives, held to the article.

The article's data are a copy of data/raw's MEX and CHL rows (conftest.copy_article), so a
student's added country changes nothing here.
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import copy_article

from analysis.base.errors import DataError
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


# ------------------------------------------------------------ the contested readings (9)


def test_a_reading_changes_its_cells_in_a_copy_and_nothing_else(tmp_path):
    from analysis.data import readings

    data = copy_article(tmp_path / "raw")
    before = {p.name: p.read_bytes() for p in data.glob("*.csv")}
    copy = readings.apply(data, ["amexcid_blog"], tmp_path / "copy")
    assert {p.name: p.read_bytes() for p in data.glob("*.csv")} == before  # the source intact
    inst = load.load_all(copy)["institutions"].set_index(["country", "role"])
    assert bool(inst.loc[("MEX", "cooperation_agency"), "blog"]) is True
    assert (inst["blog"].fillna(False).sum()) == 1  # the one cell, no other
    # the copy's own readings are the others: its robustness runs over those
    assert "amexcid_blog" not in readings.names(copy)
    changed = [n for n in before if n != "readings.csv" and (copy / n).read_bytes() != before[n]]
    assert changed == ["institutions.csv"]


def test_a_reading_of_every_row_changes_only_rows_that_hold_a_value(tmp_path):
    from analysis.data import readings

    data = copy_article(tmp_path / "raw")
    acc = load.load_all(readings.apply(data, ["bounds_as_values"], tmp_path / "c"))["accounts"]
    assert acc[["followers_qualifier", "posts_qualifier", "views_qualifier"]].isna().all().all()
    assert len(acc) == len(load.load_all(data)["accounts"])


def test_linkedin_among_the_others_is_a_reading_of_the_codebook(tmp_path):
    """Tabla 1's legend gives LinkedIn "li", its cell "o (LinkedIn)": the reading moves
    LinkedIn out of the core platforms in the copy's codebook, and only there."""
    from analysis.data import readings

    data = copy_article(tmp_path / "raw")
    before = (data / "codebook.yml").read_bytes()
    copy = readings.apply(data, ["linkedin_among_others"], tmp_path / "copy")
    assert (data / "codebook.yml").read_bytes() == before
    assert codebook.load_codebook(copy)["platforms"]["linkedin"]["core"] is False
    assert codebook.load_codebook(data)["platforms"]["linkedin"]["core"] is True
    # a field the codebook does not have is one clear line, naming the row of readings.csv
    rows = (
        (data / "readings.csv")
        .read_text(encoding="utf-8")
        .replace("linkedin,,,,core,false", "linkedin,,,,kore,false")
    )
    (data / "readings.csv").write_text(rows, encoding="utf-8")
    with pytest.raises(DataError, match=r"readings.csv.*matches no field of codebook.yml"):
        readings.apply(data, ["linkedin_among_others"], tmp_path / "copy2")


@pytest.mark.slow
def test_linkedin_among_the_others_changes_the_core_platforms_in_use(article_robustness):
    r = article_robustness
    flipped = r[r["flips_under"].str.contains("linkedin_among_others")]
    assert "core_platforms_in_use" in set(flipped["measure"])


def test_a_reading_that_matches_nothing_or_is_unknown_is_one_clear_line(tmp_path):
    from analysis.base.errors import DataError, UsageError
    from analysis.data import readings

    data = copy_article(tmp_path / "raw")
    with pytest.raises(UsageError, match="no reading 'nope'"):
        readings.apply(data, ["nope"], tmp_path / "a")
    text = (data / "readings.csv").read_text(encoding="utf-8")
    (data / "readings.csv").write_text(
        text.replace(
            "amexcid_blog,institutions,MEX,cooperation_agency",
            "amexcid_blog,institutions,MEX,embassy",
            1,
        ),
        encoding="utf-8",
    )
    with pytest.raises(DataError, match="matches no row of institutions.csv"):
        readings.apply(data, ["amexcid_blog"], tmp_path / "b")
    with pytest.raises(UsageError, match="never written by code"):
        readings.write(data, ["bounds_as_values"], data / "copy")


@pytest.mark.slow
def test_the_robustness_table_names_what_flips_and_under_which_reading(
    article_data, article_robustness
):
    from analysis.core import robustness

    s = load.study("MEX", "CHL", article_data)
    plan = robustness.scenarios(s.data_dir, s.pair)
    # two readings give Minrel's channel two dates: taken one at a time, the first in the
    # combination of all
    assert "minrel_youtube_aug_2017" not in plan[robustness.ALL]
    assert "minrel_youtube_2014" in plan[robustness.ALL]
    r = article_robustness.set_index("claim_id")
    assert r.at["amexcid_has_blog", "primary"] == "disagree"
    assert r.at["amexcid_has_blog", "amexcid_blog"] == "agree"
    assert set(r.at["amexcid_has_blog", "flips_under"].split()) == {"amexcid_blog", robustness.ALL}
    # the two YouTube dates cannot both be true: each reading decides both statements
    assert (
        r.at["minrel_youtube_2014", "minrel_youtube_2014"],
        r.at["minrel_youtube_2014", "minrel_youtube_aug_2017"],
    ) == ("agree", "disagree")
    assert r.at["interaction_almost_none", "interaction_low"] == "disagree"
    held = r[r["holds"]]
    assert len(held) > len(r) / 2 and (held["flips_under"] == "").all()
    # every row of the table is a different conclusion: one sentence held to two platforms
    # (the consulates on Twitter and on Facebook) names its platform
    from analysis.report import tables

    shown = tables.robustness_table(article_robustness, s, "en").iloc[:, 0]
    assert shown.is_unique
    assert any(x.endswith("Shanghái” (Twitter)") for x in shown)


def test_a_reading_of_a_statement_changes_its_check_and_its_countries_must_match(tmp_path):
    """ "Las embajadas" read as every embassy: the reading changes the statement's own row of
    claims.csv (its check and params), not the data; the row is named by claim_id, and its
    country must be one of the statement's countries."""
    from analysis.base.errors import DataError
    from analysis.core import replication
    from analysis.data import readings

    data = copy_article(tmp_path / "raw")
    before = {p.name: p.read_bytes() for p in data.glob("*.csv")}
    copy = readings.apply(data, ["embassies_every_one"], tmp_path / "copy")
    claims = load.load_all(copy)["claims"].set_index("claim_id")
    row = claims.loc["mex_embassies_web_and_social"]
    assert (row["check"], row["params"]) == (
        "representations_without_website",
        "country=MEX; kind=embassy; expected=0",
    )
    assert pd.isna(row["operationalisation"])  # read as every embassy, the measure is the article's
    assert replication.claims_problems(copy) == []  # the check and params fit each other
    changed = [n for n in before if n != "readings.csv" and (copy / n).read_bytes() != before[n]]
    assert changed == ["claims.csv"]
    text = (data / "readings.csv").read_text(encoding="utf-8")
    (data / "readings.csv").write_text(
        text.replace("embassies_every_one,claims,MEX,", "embassies_every_one,claims,CHL,"),
        encoding="utf-8",
    )
    with pytest.raises(DataError, match="matches no row of claims.csv"):
        readings.apply(data, ["embassies_every_one"], tmp_path / "other")


def test_every_reading_leaves_claims_that_can_run(tmp_path):
    from analysis.core import replication
    from analysis.data import readings

    data = copy_article(tmp_path / "raw")
    for name in readings.names(data):
        copy = readings.apply(data, [name], tmp_path / name)
        assert replication.claims_problems(copy) == [], name


@pytest.mark.slow
def test_the_generic_plurals_flip_only_under_their_universal_readings(article_robustness):
    from analysis.core import robustness

    r = article_robustness.set_index("claim_id")
    both = {"embassies_every_one", robustness.ALL}
    # "las embajadas tienen su propia página web": most (77 of 80) agrees; every one does not
    row = r.loc["mex_embassies_web_and_social"]
    assert (row["primary"], row["embassies_every_one"]) == ("agree", "disagree")
    assert set(row["flips_under"].split()) == both
    # "... y perfiles en redes sociales": the six examined agree; of every embassy, no data
    row = r.loc["mex_embassies_social"]
    assert (row["primary"], row["embassies_every_one"]) == ("agree", "undetermined")
    # the consulates: their counts not given (primary), or all four on each platform
    for claim in ("consulates_twitter", "consulates_facebook"):
        row = r.loc[claim]
        assert (row["primary"], row["consulates_every_one"]) == ("undetermined", "agree"), claim
        assert set(row["flips_under"].split()) == {"consulates_every_one", robustness.ALL}
    assert r.loc["consulate_shanghai_weibo", "holds"]
    assert r.loc["mex_embassies_all_but_three", "holds"]  # 77 of 80 under every reading


@pytest.mark.slow
def test_the_paper_says_which_conclusions_survive_every_reading(mex_chl_paper):
    md = (mex_chl_paper["out"] / "paper.md").read_text(encoding="utf-8").replace("\\", "")
    assert "# The article's contested readings" in md
    assert "hold under every reading" in md and "make paper READING=<name>" in md
    assert "Amexcid has a blog (the passing mention): agrees" in md  # its row of the table
    assert "Built under an alternative reading" not in md  # the primary reading


@pytest.mark.slow
def test_make_paper_reading_builds_under_the_alternative(tmp_path):
    from analysis.build import paper
    from analysis.data import readings

    data = readings.write(copy_article(tmp_path / "raw"), ["amexcid_blog"], tmp_path / "alt")
    paper.build("MEX-CHL", ("en",), data_dir=data, root=tmp_path / "build")
    md = (tmp_path / "build" / "MEX-CHL" / "en" / "paper.md").read_text(encoding="utf-8")
    md = md.replace("\\", "")
    assert "Built under an alternative reading" in md
    assert "Amexcid has a blog (the passing mention)" in md.split("# Introduction")[0]


def test_the_robustness_table_starts_from_the_papers_own_comparisons(fixture_data):
    from analysis.core import coding, robustness
    from analysis.data import exports

    s = load.study("URY", "ARG", fixture_data)
    coded = coding.code_posts(exports.posts(s.pair, fixture_data), government=s.accounts)
    with_posts = robustness.robustness(s, coded)
    comp = compare.all_comparisons(s, coded_posts=coded)
    measured = set(comp.loc[comp["dimension"] == "interaction", "measure"])
    # the rows measured from exported posts are among the conclusions held to the readings
    assert measured and measured <= set(with_posts["measure"])
    assert with_posts["holds"].all()  # the fixture pair names no reading
