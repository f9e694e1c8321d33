"""Tests of analysis.data.provenance: the kind of source each row cites; completeness by source."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import ARTICLE

from analysis.data.load import countries_with_data
from analysis.data.provenance import (
    SOURCE_KINDS,
    collectable,
    completeness_by_source,
    source_kinds,
    source_label,
    split_citations,
)

WD = "Wikidata Q4115189, P2002, P8687, retrieved 2026-11-30"
YT = "YouTube Data API channels.list UC0000000000000000000001, retrieved 2026-11-30"


@pytest.mark.parametrize(
    ("source", "kinds"),
    [
        ("Benayas 2021, Tabla 1", ("article",)),
        ("Benayas 2021, Tabla 1 (note X*); sec. Diplomacia pública digital en Chile", ("article",)),
        (
            "Benayas 2021, sec. Diplomacia pública digital en Chile, citing Twiplomacy (2017)",
            ("article",),
        ),
        ("Bjola & Jiang (2015), p. 3", ("article",)),
        ("Burson-Marsteller 2016; Tabla 2", ("article",)),
        (WD, ("wikidata",)),
        (YT, ("youtube",)),
        (f"{WD}; {YT}", ("wikidata", "youtube")),
        (f"{YT}; {WD}", ("wikidata", "youtube")),  # listed in SOURCE_KINDS order
        ("observed on https://x.com/cancilleria, 2026-11-30", ("hand",)),
        ("test fixture", ("hand",)),
        ("checked 2024 by hand", ("hand",)),  # a year is not a publication without an author
        ("Benayas 2021, Tabla 1; seen on the ministry's site 2026-01-05", ("article", "hand")),
        ("", ()),
        (None, ()),
        (pd.NA, ()),
        (" ; ", ()),
    ],
)
def test_source_kinds(source, kinds):
    assert source_kinds(source) == kinds
    assert source_label(source) == ("+".join(kinds) or "none")


def test_locators_stay_with_their_citation():
    assert split_citations("Benayas 2021, Tabla 1; sec. Elementos comparativos; p. 12") == [
        ("article", "Benayas 2021, Tabla 1; sec. Elementos comparativos; p. 12")
    ]
    # a locator with nothing before it is a person's words
    assert split_citations("sec. 3") == [("hand", "sec. 3")]
    assert [k for k, _ in split_citations(f"{WD}; Tabla 1")] == ["wikidata"]


def test_only_collected_rows_are_collectable():
    assert collectable("") and collectable(None) and collectable(WD) and collectable(f"{WD}; {YT}")
    assert not collectable("Benayas 2021, Tabla 1")
    assert not collectable(f"{WD}; observed by hand 2026-11-30")


def test_every_row_of_data_raw_has_a_known_kind():
    """data/raw itself, whichever countries a student has added to the article's two."""
    by = completeness_by_source()
    assert set(by["country"]) == set(countries_with_data()) >= set(ARTICLE)
    article = by[by["country"].isin(ARTICLE)]
    assert set(article["source"]) == {"article"}  # the article's study, nothing collected
    assert set(by["source"]) <= {*SOURCE_KINDS, "none"}
    assert (by[["rows", "filled", "missing"]] >= 0).all().all()


def _data(tmp_path: Path, article: Path) -> Path:
    data = tmp_path / "raw"
    data.mkdir()
    for name in ("codebook.yml", "countries.csv", "institutions.csv", "website_criteria.csv"):
        shutil.copy(article / name, data / name)
    header = (article / "accounts.csv").read_text(encoding="utf-8").splitlines()[0]
    rows = [
        "MEX,foreign_ministry,twitter,true,@SRE_mx,,2009-12,870000,,35000,,,,2019-02,"
        '"Benayas 2021, Tabla 1",',
        f'MEX,foreign_ministry,instagram,true,sre_mx,,,,,,,,,,"{WD}",',
        "MEX,foreign_ministry,youtube,true,UC0000000000000000000001,,2009-12-01,300,,40,,900,,"
        f'2026-11-30,"{WD}; {YT}",',
        "MEX,foreign_ministry,flickr,true,sre,,,,,,,,,,observed on flickr.com 2026-11-30,",
        "CHL,foreign_ministry,flickr,,,,,,,,,,,,,",
    ]
    (data / "accounts.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return data


def test_completeness_by_source_counts_each_rows_values_once(tmp_path, article_data):
    by = completeness_by_source(_data(tmp_path, article_data))
    acc = by[by["table"] == "accounts"].set_index(["country", "source"])[
        ["rows", "filled", "missing"]
    ]
    assert list(acc.index) == [
        ("CHL", "none"),
        ("MEX", "article"),
        ("MEX", "wikidata"),
        ("MEX", "hand"),
        ("MEX", "wikidata+youtube"),
    ]
    # present, language, created, followers, posts, views, as_of: 7 values a row (the
    # handle is part of the key)
    assert acc.loc[("MEX", "article")].tolist() == [1, 5, 2]
    assert acc.loc[("MEX", "wikidata")].tolist() == [1, 1, 6]
    assert acc.loc[("MEX", "wikidata+youtube")].tolist() == [1, 6, 1]
    assert acc.loc[("CHL", "none")].tolist() == [1, 0, 7]
    assert by.columns.tolist() == ["country", "table", "source", "rows", "filled", "missing"]
    # every value of every table is counted once, whatever its source
    totals = by.groupby(["country", "table"])[["filled", "missing"]].sum().sum(axis=1)
    assert totals.loc[("MEX", "accounts")] == 4 * 7
