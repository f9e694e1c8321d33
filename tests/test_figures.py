"""Figures: every builder for both pair orders and languages, honest gaps, determinism."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import assert_nothing_cut_or_overlaid
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.text import Text

from analysis.data import dates, load
from analysis.report import figures, plotting

BUILDERS = [
    "figura1_twitter_followers",
    "figura2_facebook_followers",
    "figura3_youtube_followers",
    "adoption_timeline",
    "agenda_figure",
    "interaction_figure",
]


@pytest.fixture(scope="module")
def studies(article_data):
    return {
        ("MEX", "CHL"): load.study("MEX", "CHL", article_data),
        ("CHL", "MEX"): load.study("CHL", "MEX", article_data),
    }


@pytest.fixture(scope="module")
def study(studies):
    return studies[("MEX", "CHL")]


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def _bars(ax) -> dict[str, int]:
    return {c.get_label(): len(c) for c in ax.containers}


# each order in one language, each language in one order: both orders and both languages
# for every builder, in half the drawings of every combination
@pytest.mark.parametrize(("pair", "lang"), [(("MEX", "CHL"), "en"), (("CHL", "MEX"), "es")])
@pytest.mark.parametrize("builder", BUILDERS)
def test_every_builder_runs_for_both_orders_and_languages(studies, builder, pair, lang):
    s = studies[pair]
    fig = getattr(figures, builder)(s, lang)
    assert isinstance(fig, Figure)
    texts = " ".join(_texts(fig))
    for iso in pair:  # the legend names both countries, in the figure's language
        assert s.country_name(iso, lang) in texts
    assert ("Fuente" if lang == "es" else "Source") in texts
    fig.canvas.draw()  # layout runs without error
    assert_nothing_cut_or_overlaid(fig)


def test_texts_have_the_same_keys_in_both_languages():
    assert set(plotting.figure_words("en")) == set(plotting.figure_words("es"))


def test_missing_followers_draw_no_bar(study):
    ax = figures.figura1_twitter_followers(study, "en").axes[0]
    assert _bars(ax) == {"MEX": 3, "CHL": 1}
    gids = {p.get_gid() for c in ax.containers for p in c}
    assert gids == {
        "MEX:foreign_ministry",
        "MEX:cooperation_agency",
        "MEX:diplomatic_academy",
        "CHL:foreign_ministry",
    }
    marks = {t.get_gid(): t.get_text() for t in ax.texts if t.get_gid()}
    assert marks["CHL:government:missing"] == "not given"
    fb = figures.figura2_facebook_followers(study, "es").axes[0]
    assert _bars(fb) == {"MEX": 2, "CHL": 0}
    marks = {t.get_gid(): t.get_text() for t in fb.texts if t.get_gid()}
    assert marks["MEX:diplomatic_academy:missing"] == "sin cuenta"
    assert marks["CHL:foreign_ministry:missing"] == "no disponible"


def test_qualifiers_are_marked(study):
    ax = figures.figura2_facebook_followers(study, "en").axes[0]
    labels = [t.get_text() for t in ax.texts]
    assert ">\u202f720,000" in labels and ">\u202f32,000" in labels


def test_youtube_draws_only_the_views_the_text_gives(study):
    fig = figures.figura3_youtube_followers(study, "en")
    (views,) = fig.axes  # no subscribers are given: no empty panel for them
    assert views.get_xlabel() == "Video views"
    assert _bars(views) == {"MEX": 1, "CHL": 1}
    assert "\u2248\u202f2,000,000" in [t.get_text() for t in views.texts]


def test_a_bound_is_drawn_at_its_number_with_an_arrow_towards_its_value(study):
    """One convention for both bounds: the bar ends at the number the text gives, and an
    arrow points right for "more than" (at least) and left for "almost" (at most)."""
    views = figures.figura3_youtube_followers(study, "en").axes[0]
    bars = {p.get_gid(): p.get_width() for c in views.containers for p in c}
    assert bars == {"MEX:foreign_ministry": 2_000_000, "CHL:foreign_ministry": 670_000}
    arrows = {t.get_gid(): t for t in views.texts if t.get_gid() and t.arrow_patch}
    assert set(arrows) == {"MEX:foreign_ministry:upper", "CHL:foreign_ministry:lower"}
    for gid, arrow in arrows.items():
        start, end = arrow.xyann[0], arrow.xy[0]
        assert start == bars[gid.rsplit(":", 1)[0]]
        assert (end > start) == gid.endswith("lower")
    twitter = figures.figura1_twitter_followers(study, "en")  # exact figures: no arrow
    assert not [t for t in twitter.axes[0].texts if t.arrow_patch]
    assert "arrow" not in " ".join(_texts(twitter))


def test_a_platform_is_drawn_only_where_both_countries_have_a_number(study):
    # the article gives Facebook followers for Mexico only: a figure would compare nothing
    assert figures.followers_compared(study, "twitter")
    assert figures.followers_compared(study, "youtube")
    assert not figures.followers_compared(study, "facebook")


def test_country_colours_follow_the_pair_order(studies):
    for pair in (("MEX", "CHL"), ("CHL", "MEX")):
        ax = figures.figura1_twitter_followers(studies[pair], "en").axes[0]
        for container in ax.containers:
            colour = plotting.COUNTRY_COLOURS[pair.index(container.get_label())]
            assert {to_hex(p.get_facecolor()) for p in container} <= {colour.lower()}


def test_spanish_axis_numbers(study):
    ax = figures.figura1_twitter_followers(study, "es").axes[0]
    assert ax.xaxis.get_major_formatter()(400000, 0) == "400\u00a0000"
    ag = figures.agenda_figure(study, "es").axes[0]
    assert ag.xaxis.get_major_formatter()(4, 0) == "4"  # a count of accounts


def test_timeline_draws_dates_at_their_precision(study):
    fig = figures.adoption_timeline(study, "en")
    ax = fig.axes[0]
    spans = [p.get_gid() for p in ax.patches if (p.get_gid() or "").endswith((":year", ":quarter"))]
    # a date with two readings is two marks, one per reading, never the span between them
    readings = [p.get_gid() for p in ax.patches if ":range:" in (p.get_gid() or "")]
    dated = study.accounts.dropna(subset=["created"])
    precision = dated["created"].map(lambda d: dates.parse(d).precision)
    assert len(spans) == precision.isin(["year", "quarter"]).sum() == 4
    assert len(readings) == 2 * precision.eq("range").sum() == 2
    dots = [ln for ln in ax.lines if (ln.get_gid() or "").endswith((":month", ":day"))]
    assert len(dots) == precision.isin(["month", "day"]).sum()
    note = " ".join(_texts(fig))
    assert "Date not given" in note and "Telegram" in note
    # the date the article gives twice is drawn with both readings
    assert {"CHL:foreign_ministry:youtube:range:0", "CHL:foreign_ministry:youtube:range:1"} == set(
        readings
    )
    assert "2014 or August 2017? (the source gives both)" in note


def test_agenda_counts_the_accounts_the_article_describes(study):
    fig = figures.agenda_figure(study, "en")
    ax = fig.axes[0]
    described = study.agenda.drop_duplicates(["country", "role", "platform"])
    for container in ax.containers:
        n = int((described["country"] == container.get_label()).sum())
        assert all(0 <= p.get_width() <= n for p in container)
    texts = " ".join(_texts(fig))
    assert "(7 accounts described)" in texts and "3 of 7" in texts


def test_interaction_says_judged_or_measured(study):
    judged = figures.interaction_figure(study, "en")
    title = " ".join(_texts(judged))
    assert "(judged)" in title and "measured)" not in title
    measured = pd.DataFrame(
        {
            "country": ["MEX", "CHL"],
            "role": ["foreign_ministry", "foreign_ministry"],
            "platform": ["twitter", "twitter"],
            "account_id": ["1", "2"],
            "level": ["low", "moderate"],
            "reply_share": [0.03, 0.12],
        }
    )
    fig = figures.interaction_figure(study, "es", measured=measured)
    assert "(juzgada, medida)" in " ".join(_texts(fig))
    dots = [ln for ln in fig.axes[0].lines if (ln.get_gid() or "").endswith(":measured")]
    assert len(dots) == 2


def test_save_figure_is_byte_identical(tmp_path, study):
    first = plotting.save_figure(
        figures.figura1_twitter_followers(study, "es"), tmp_path / "a", "f"
    )
    again = plotting.save_figure(
        figures.figura1_twitter_followers(study, "es"), tmp_path / "b", "f"
    )
    assert [p.name for p in first] == ["f.png", "f.svg"]
    for p, q in zip(first, again, strict=True):
        assert p.read_bytes() == q.read_bytes()
    svg = first[1].read_text(encoding="utf-8")
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg


@pytest.mark.slow
def test_importing_figures_leaves_pyplot_alone():
    code = "import sys, analysis.report.figures; print('matplotlib.pyplot' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_interaction_figure_marks_accounts_without_a_level(study):
    from analysis.core import coding
    from analysis.data.importers import meta_csv

    path = Path(__file__).parent / "fixtures" / "importers" / "crowdtangle_facebook.csv"
    posts = meta_csv.read(path, country="MEX", role="foreign_ministry")
    measured = coding.account_levels(coding.code_posts(posts))
    fig = figures.interaction_figure(study, "en", measured=measured)
    assert "no level (the export records no replies)" in _texts(fig)
    assert not [ln for ln in fig.axes[0].lines if (ln.get_gid() or "").endswith(":measured")]
