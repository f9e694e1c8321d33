"""Tables: Tabla 1 and Tabla 2 reproduced cell for cell, the followers tables, formatting."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from analysis.core.stats import CONFIDENCE
from analysis.data import exports, load
from analysis.data.codebook import load_codebook
from analysis.report import tables
from analysis.report.text import fmt_percent

NBSP = "\u00a0"

# Tabla 1 of Benayas (2021), typed from the article: (website MEX, website CHL,
# social MEX, social CHL) per row, in the table's order. Each social cell is a SET,
# since the article orders abbreviations freely (SRE: "tw, fb, ig, fk, yt").
ARTICLE_TABLA1 = [
    ("X", "X", "tw, fb", "tw, fb, ig, yt, o (Telegram)"),
    ("X", "X", "tw, fb, ig, fk, yt", "tw, fb, ig, yt, fk"),
    ("X", "X", "tw, fb, ig, yt, o (Periscope)", "tw, fb, yt, fk, o (LinkedIn)"),
    ("X", "X", "tw, fb, yt, fk", "tw, fb, yt, fk"),
    ("X", "X*", "tw", "tw, fb, yt, fk"),
]
# Differences between the article's cells and ours: none. LinkedIn, which the article's
# legend abbreviates "li", is written "o (LinkedIn)" as its cell has it (codebook `cell`).
ARTICLE_TO_OURS: dict[str, str] = {}

# Tabla 2, typed from the article: (Contenidos, México, Chile).
ARTICLE_TABLA2 = [
    ("Red diplomática y consular en el mundo", "X", "X"),
    ("Cuerpo diplomático y oo. ii. en el país", "X", "X"),
    ("Información sobre servicios consulares", "X", "X"),
    ("Enlaces a páginas relacionadas", "X", "X"),
    ("Enlaces a redes sociales del Ministerio", "X", "X"),
    ("Atlas rr. ss. en el mundo", "-", "-"),
    ("Atención ciudadana", "X", "X"),
    ("Carta de compromiso en atención ciudadana", "-", "X"),
    ("Encuesta de satisfacción de usuarios", "-", "X"),
    ("Blog", "-", "-"),
]


@pytest.fixture(scope="module")
def study(article_data):
    return load.study("MEX", "CHL", article_data)


@pytest.fixture(scope="module")
def swapped(article_data):
    return load.study("CHL", "MEX", article_data)


def _cell_set(cell: str) -> set[str]:
    return {ARTICLE_TO_OURS.get(p, p) for p in cell.split(", ")}


def test_tabla1_reproduces_the_article_cell_for_cell(study):
    t1 = tables.tabla1(study, "es")
    assert t1.columns.tolist() == [
        "Institución",
        "Página web (México)",
        "Página web (Chile)",
        "Redes sociales (México)",
        "Redes sociales (Chile)",
    ]
    assert len(t1) == len(ARTICLE_TABLA1)
    for (_, row), (web_a, web_b, soc_a, soc_b) in zip(t1.iterrows(), ARTICLE_TABLA1, strict=True):
        assert row.iloc[1] == ARTICLE_TO_OURS.get(web_a, web_a)
        assert row.iloc[2] == ARTICLE_TO_OURS.get(web_b, web_b)
        assert _cell_set(row.iloc[3]) == _cell_set(soc_a), row.iloc[0]
        assert _cell_set(row.iloc[4]) == _cell_set(soc_b), row.iloc[0]


def test_tabla1_documented_differences_are_where_we_say(study):
    t1 = tables.tabla1(study, "en")
    assert t1.iloc[2, 4] == "tw, fb, yt, fk, o (LinkedIn)"  # as the article's cell writes
    assert t1.iloc[4, 2] == "X*"  # the article's footnote mark, from website_note
    legend, footnote = tables.tabla1_notes(study, "en")
    assert legend.startswith("Social networks: tw (Twitter), fb (Facebook)")
    assert legend.endswith("li (LinkedIn), o (others).")
    assert footnote.startswith("X* (Chile): “en la web Apuntes Internacionales")


def test_tabla1_cells_follow_codebook_order(study):
    t1 = tables.tabla1(study, "en")
    assert t1.iloc[1, 3] == "tw, fb, ig, yt, fk"  # the article: "tw, fb, ig, fk, yt"
    assert t1.iloc[0, 4] == "tw, fb, ig, yt, o (Telegram)"
    assert t1.iloc[0, 0] == "Government"


def test_tabla1_swapped_pair_swaps_columns(study, swapped):
    t1, t1s = tables.tabla1(study, "en"), tables.tabla1(swapped, "en")
    assert t1s.columns[1] == "Website (Chile)"
    assert t1s.iloc[:, 3].tolist() == t1.iloc[:, 4].tolist()
    assert t1s.iloc[:, 4].tolist() == t1.iloc[:, 3].tolist()


def test_tabla1_says_not_checked_and_blank_for_missing(raw_copy):
    path = raw_copy / "accounts.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    chl_gov = (df["country"] == "CHL") & (df["role"] == "government")
    df.loc[chl_gov & (df["platform"] == "telegram"), "present"] = ""
    df.loc[chl_gov & (df["platform"] == "youtube"), "present"] = "false"
    df.to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    inst = raw_copy / "institutions.csv"
    idf = pd.read_csv(inst, dtype=str, keep_default_na=False)
    idf.loc[(idf["country"] == "MEX") & (idf["role"] == "government"), "website"] = ""
    idf.to_csv(inst, index=False, lineterminator="\n")
    t1 = tables.tabla1(load.study("MEX", "CHL", raw_copy), "en")
    assert t1.iloc[0, 4] == "tw, fb, ig; not checked: o (Telegram)"
    assert t1.iloc[0, 1] == ""


def test_platform_cell_without_platforms_is_a_dash():
    assert tables.platform_cell([]) == "-"
    assert tables.platform_cell([], "en", not_checked=["twitter"]) == "not checked: tw"


def test_tabla2_reproduces_the_article_cell_for_cell(study):
    t2 = tables.tabla2(study, "es")
    assert t2.columns.tolist() == ["Contenidos", "México", "Chile"]
    body = [tuple(r) for r in t2.iloc[:-1].itertuples(index=False)]
    assert body == ARTICLE_TABLA2
    assert t2.iloc[-1].tolist() == ["Criterios cumplidos", "6", "8"]


def test_tabla2_english_and_swapped(swapped):
    t2 = tables.tabla2(swapped, "en")
    assert t2.columns.tolist() == ["Content", "Chile", "Mexico"]
    assert t2.iloc[-1].tolist() == ["Criteria met", "8", "6"]


def test_tabla2_counts_missing_apart(raw_copy):
    path = raw_copy / "website_criteria.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[(df["country"] == "MEX") & (df["criterion"] == "blog"), "present"] = ""
    df.to_csv(path, index=False, lineterminator="\n")
    t2 = tables.tabla2(load.study("MEX", "CHL", raw_copy), "en")
    assert t2.iloc[9, 1] == ""
    assert t2.iloc[-1, 1] == "6 (1 not given)"


def test_followers_table(study):
    tw = tables.followers_table(study, "twitter", "en").set_index("Institution")
    assert tw.loc["Foreign ministry", "Mexico"] == "870,000"
    assert tw.loc["Foreign ministry", "Chile"] == "59,000 (1 of 2 accounts)"
    assert tw.loc["Government", "Chile"] == "not given"
    fb = tables.followers_table(study, "facebook", "es").set_index("Institución")
    ministry = "Secretaría/Ministerio de Relaciones Exteriores"
    assert fb.loc[ministry, "México"] == f"más de 720{NBSP}000"
    assert fb.loc["Academia diplomática", "México"] == "sin cuenta"
    assert fb.loc[ministry, "Chile"] == "no disponible"
    views = tables.followers_table(study, "youtube", "en", metric="views")
    assert views.iloc[1].tolist() == ["Foreign ministry", "almost 2,000,000", "more than 670,000"]


def test_metric_by_institution_keeps_missing_as_missing(study):
    long = tables.metric_by_institution(study, "youtube", "followers")
    assert len(long) == 10
    assert long["value"].isna().all()
    with pytest.raises(ValueError):
        tables.metric_by_institution(study, "youtube", "likes")


def test_accounts_table(study):
    acc = tables.accounts_table(study, "es")
    assert len(acc) == len(study.accounts)
    sre = acc[acc["Cuenta"] == "@SRE_mx"].iloc[0]
    assert (sre["Apertura"], sre["Seguidores"], sre["Publicaciones"]) == (
        "diciembre de 2009",  # a date in words, at the precision the source gives
        f"870{NBSP}000",
        f"35{NBSP}000",
    )
    assert acc.iloc[0]["País"] == "México"


def test_interaction_table_judged_and_measured(study):
    measured = pd.DataFrame(
        {
            "country": ["CHL"],
            "role": ["foreign_ministry"],
            "platform": ["twitter"],
            "account_id": ["1"],
            "account": ["@Minrel_Chile"],
            "level": ["moderate"],
            "reply_share": [0.12],
            "method": ["measured"],
            "evidence": ["posts"],
            "source": ["export"],
        }
    )
    t = tables.interaction_table(study, measured, "en")
    # one judgement of both countries ("en ambos casos") is one row, not two
    assert t["Method"].tolist() == ["judged", "measured"]
    assert t.iloc[0]["Country"] == "Mexico and Chile"
    share = f"Share of replies [{fmt_percent(CONFIDENCE, 'en')} Wilson interval]"
    assert t.iloc[1][share] == "12.0%"
    assert t.iloc[0]["Institution"] == "all profiles consulted"


def test_to_markdown_escapes_and_blanks():
    df = pd.DataFrame(
        {"a": ["x|y", None, "@SRE_mx", "X*", "[1]", "<b>\nhi</b>"], "n": [1, 2, 3, 4, 5, 6]}
    )
    lines = tables.to_markdown(df).splitlines()
    assert lines[:2] == ["| a | n |", "| --- | ---: |"]  # numbers right-aligned
    assert lines[2:] == [
        "| x\\|y | 1 |",
        "|  | 2 |",
        "| \\@SRE\\_mx | 3 |",
        "| X\\* | 4 |",
        "| \\[1\\] | 5 |",
        "| \\<b\\> hi\\<\\/b\\> | 6 |",
    ]


def test_to_csv_is_deterministic(tmp_path, study):
    df = tables.tabla1(study, "es")
    p1 = tables.to_csv(df, tmp_path / "a" / "t.csv")
    p2 = tables.to_csv(tables.tabla1(study, "es"), tmp_path / "b" / "t.csv")
    assert p1.read_bytes() == p2.read_bytes()
    assert b"\r\n" not in p1.read_bytes()
    back = pd.read_csv(p1, dtype=str, keep_default_na=False)
    assert back.equals(df.astype(str))


def test_interaction_table_measured_rows_in_spanish(fixture_data):
    from analysis.core import coding
    from analysis.data import load

    s = load.study("ARG", "URY", fixture_data)
    coded = coding.code_posts(exports.posts(s.pair, fixture_data))
    # seven posts are fewer than a level needs: the table says so
    few = tables.interaction_table(s, coding.account_levels(coded), "es")
    minimum = load_codebook(fixture_data)["level_min_posts"]
    assert few[few["Método"] == "medido"].iloc[0]["Evidencia"] == (
        f"7 publicaciones: menos de las {minimum} que exige un nivel, así que no hay nivel; "
        "solo proporción y tasas"
    )
    book = {**load_codebook(fixture_data), "level_min_posts": 1}
    measured = coding.account_levels(coded, book)
    t = tables.interaction_table(s, measured, "es")
    row = t[t["Método"] == "medido"].iloc[0]
    assert row["Evidencia"] == "3 de 7 publicaciones responden al público (2 en diálogos)"
    share = f"Proporción de respuestas [intervalo de Wilson del {fmt_percent(CONFIDENCE, 'es')}]"
    assert row[share] == (
        "42,9\u00a0% [15,8\u00a0%; 75,0\u00a0%]"  # 3 of 7 posts: a sample of the timeline
    )
    assert (
        row["Respuestas / compartidos / me gusta recibidos por publicación"] == "1,5 / 1,3 / 10,5"
    )
    assert (
        t[t["Método"] == "juzgado"]["Respuestas / compartidos / me gusta recibidos por publicación"]
        == ""
    ).all()
