"""The panel of several countries: a census of presence, audiences and adoption, ranked."""

from __future__ import annotations

import subprocess

import pandas as pd
import pytest
from conftest import NO_DATA, REPO, assert_nothing_cut_or_overlaid

from analysis.base.errors import UnknownCountryError, UsageError
from analysis.core import panel
from analysis.data import load
from analysis.report import panel as panel_words
from analysis.report import plotting


@pytest.fixture(scope="module")
def mex_chl(article_data):
    return load.panel(["MEX", "CHL"], article_data)


def test_countries_keep_their_order_and_are_checked(mex_chl, article_data):
    assert mex_chl.codes == ("MEX", "CHL")
    assert load.panel(["chl", "mex"], article_data).codes == ("CHL", "MEX")
    with pytest.raises(UsageError, match="two countries or more"):
        load.panel(["MEX"], article_data)
    with pytest.raises(UsageError, match="given twice"):
        load.panel(["MEX", "CHL", "MEX"], article_data)
    with pytest.raises(UnknownCountryError, match="CHL, MEX"):
        load.panel(["MEX", NO_DATA], article_data)


def test_presence_matrix_reads_the_data(mex_chl):
    m = panel.presence_matrix(mex_chl).set_index(["country", "role", "column"])["state"]
    assert m[("MEX", "foreign_ministry", "website")]
    assert m[("MEX", "foreign_ministry", "twitter")] and m[("CHL", "government", "telegram")]
    assert not m[("MEX", "government", "instagram")]  # checked and absent
    # every institution has a website and a cell for each column; no cell twice
    assert m.index.is_unique and len(m) == 10 * len(set(m.index.get_level_values("column")))


def test_audiences_sum_only_the_figures_given(mex_chl):
    aud = panel.audiences(mex_chl).set_index(["country", "role", "platform"])
    fm_tw = aud.loc[("MEX", "foreign_ministry", "twitter")]
    assert (fm_tw["followers"], fm_tw["given"], fm_tw["accounts"]) == (870000, 1, 1)
    assert aud.loc[("MEX", "foreign_ministry", "facebook"), "qualifier"] == "more_than"
    missing = aud.loc[("MEX", "government", "twitter")]
    assert pd.isna(missing["followers"]) and missing["given"] == 0  # not a zero


def test_adoption_orders_only_what_cannot_overlap(mex_chl):
    adopted = panel.adoption(mex_chl).set_index(["platform", "country"])
    # 2009-12 and 2009-Q4 overlap: neither is certainly first
    assert adopted.loc[("twitter", "MEX"), "rank"] == adopted.loc[("twitter", "CHL"), "rank"] == 1
    assert adopted.loc[("facebook", "MEX"), "rank"] == 1  # 2011, by 2011-09
    assert adopted.loc[("facebook", "CHL"), "rank"] == 2  # 2017-03-20
    assert pd.isna(adopted.loc[("linkedin", "MEX"), "rank"])  # no account


def test_ranks_share_ties_and_skip_missing():
    assert panel._ranks([3, 1, 3, None]) == [1, 3, 1, pd.NA]
    assert panel._ranks([pd.NA, 2]) == [pd.NA, 1]


def test_ranking_holds_presence_and_adoption_and_says_what_is_undated(mex_chl):
    ranked = panel.ranking(mex_chl).set_index("country")
    assert ranked.loc["CHL", "rank_presence"] == 1 and ranked.loc["MEX", "rank_presence"] == 2
    # 2009-12 and 2009-Q4 overlap: a shared first place, among the dated accounts
    assert ranked["rank_adoption"].tolist() == [1, 1]
    assert (ranked["undated"] > 0).all()
    assert "followers" not in ranked  # audiences are shown, never summed or ranked
    assert panel.panel_values(panel.ranking(mex_chl), mex_chl)["panel_undated"] > 0
    names = panel_words.panel_names(mex_chl, "es")["panel_names_text"]
    assert names == "México y Chile"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_tables_and_figure_in_both_languages(mex_chl, lang, tmp_path):

    matrix = panel.presence_matrix(mex_chl)
    shown = panel_words.presence_table(matrix, mex_chl, lang)
    assert shown.iloc[0, 0] == ("Mexico" if lang == "en" else "México")
    assert set(shown.iloc[:, 2:].stack()) <= {"X", "-", ""}
    table = panel_words.ranking_table(panel.ranking(mex_chl), mex_chl, lang)
    assert "(1)" in table.iloc[1, 3]  # Chile first on the presence index
    adoption = panel_words.adoption_table(panel.adoption(mex_chl), mex_chl, lang)
    assert adoption.iloc[0, -1] == "-"  # Mexico has no LinkedIn account
    fig = panel_words.presence_figure(matrix, mex_chl, lang)
    fig.canvas.draw()
    assert_nothing_cut_or_overlaid(fig)
    paths = plotting.save_figure(fig, tmp_path, "panel")
    assert all(p.stat().st_size > 1000 for p in paths)


def test_make_panel_checks_countries_before_anything_runs():
    bad = subprocess.run(
        ["make", "-n", "panel", "COUNTRIES=MEX;touch x CHL"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert bad.returncode != 0 and "COUNTRIES must be" in bad.stderr
    good = subprocess.run(
        ["make", "-n", "-B", "panel", "COUNTRIES=mex chl arg"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert "panel --countries 'MEX' 'CHL' 'ARG'" in good.stdout
