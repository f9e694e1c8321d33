"""Any pair, truly (issue 18): every value keeps its own source, and the paper says so.

The data are copies of the fixture pair (tests/fixtures/pair: Argentina and Uruguay, made
up for the tests), never the live data/raw.
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from analysis.base.errors import DataError, UsageError
from analysis.data import provenance, read
from analysis.data.collect import merge
from analysis.data.collect.merge import Proposal

FIXTURE = Path(__file__).parent / "fixtures" / "pair"
CODEBOOK = Path(__file__).parents[1] / "data" / "raw" / "codebook.yml"
WIKIDATA = "Wikidata Q2, P2002, P8687, retrieved 2026-11-30"
HAND = "hand entry, A. Pérez, 2026-12-01, from the ministry's profile page"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    target = tmp_path / "raw"
    shutil.copytree(FIXTURE, target)
    shutil.copy(CODEBOOK, target / "codebook.yml")
    return target


def _set_accounts(data: Path, rows: list[dict[str, str]]) -> None:
    """Rewrite accounts.csv with a ``sources`` column and `rows` appended."""
    path = data / "accounts.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        old = list(csv.DictReader(fh))
    header = [*old[0].keys(), "sources"]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header, restval="", lineterminator="\n")
        writer.writeheader()
        writer.writerows(old + rows)


def _ury_twitter(**values: str) -> dict[str, str]:
    row = {"country": "URY", "role": "trade_promotion", "platform": "twitter", "present": "true"}
    return row | {"handle": "@promo_u", "source": WIKIDATA} | values


def _proposal(followers: str) -> Proposal:
    key = {"country": "URY", "role": "trade_promotion", "platform": "twitter", "handle": "promo_u"}
    block = {"followers": followers, "as_of": "2026-11-30"}
    return Proposal("accounts", key, (block,), WIKIDATA)


def test_a_hand_value_in_a_collected_row_keeps_its_source(data):
    _set_accounts(
        data, [_ury_twitter(followers="2500", as_of="2026-12", sources=f"followers, as_of: {HAND}")]
    )
    report = merge.apply(data, [_proposal("3100")])
    assert set(report["action"]) == {"conflict"}  # never updated by the collector
    acc = read.read_table("accounts", data)
    row = acc[acc["handle"] == "@promo_u"].iloc[0]
    assert (row["followers"], row["source"]) == (2500, WIKIDATA)
    assert read.value_source(row, "followers") == HAND
    assert read.value_source(row, "handle") == WIKIDATA
    by = provenance.completeness_by_source(data)
    ury = by[(by["country"] == "URY") & (by["table"] == "accounts")].set_index("source")
    # the row is Wikidata's (one row, its one other value: present); followers and as_of
    # count as the person's
    assert (ury.loc["wikidata", "rows"], ury.loc["wikidata", "filled"]) == (1, 1)
    labels = provenance.value_source_labels(acc, "followers")
    assert labels[acc["handle"] == "@promo_u"].tolist() == ["hand"]


def test_a_collected_value_without_an_entry_is_refreshed(data):
    _set_accounts(data, [_ury_twitter(followers="2500", as_of="2026-10-01")])
    report = merge.apply(data, [_proposal("3100")])
    assert set(report["action"]) == {"updated"}
    acc = read.read_table("accounts", data)
    assert acc.loc[acc["handle"] == "@promo_u", "followers"].tolist() == [3100]


def test_values_typed_without_a_source_are_never_credited_to_a_collector(data):
    _set_accounts(data, [_ury_twitter(followers="2500", as_of="2024-04", source="")])
    before = (data / "accounts.csv").read_bytes()
    report = merge.apply(data, [_proposal("3100")])
    assert set(report["action"]) == {"conflict"}
    assert (data / "accounts.csv").read_bytes() == before


@pytest.mark.parametrize(
    ("sources", "message"),
    [
        (f"followers {HAND}", r"is not 'column\[, column\]: citation'"),
        (f"likes: {HAND}", "'likes' is not a value column of this table"),
        (f"views: {HAND}", "gives a source for 'views', which is empty"),
        (f"followers: {HAND} | followers: {WIKIDATA}", "names 'followers' twice"),
    ],
)
def test_a_bad_sources_cell_is_named(data, sources, message):
    _set_accounts(data, [_ury_twitter(followers="2500", as_of="2026-12", sources=sources)])
    with pytest.raises(DataError, match=message) as info:
        read.read_table("accounts", data)
    problem = info.value.problems[0]
    assert (problem.path.name, problem.column) == ("accounts.csv", "sources")


def test_a_file_may_omit_the_sources_column(data):
    header = (data / "accounts.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "sources" not in header.split(",")
    assert read.read_table("accounts", data)["sources"].isna().all()


# ------------------------------------------------------------- a paper from two sources


def _edit(path: Path, match: dict[str, str], values: dict[str, str]) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    header = list(rows[0])
    header += [c for c in values if c not in header]
    hits = [r for r in rows if all(r.get(k) == v for k, v in match.items())]
    assert len(hits) == 1, (path.name, match)
    hits[0].update(values)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header, restval="", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _peru(data: Path) -> None:
    """Peru added by ``country``, then partly filled: Wikidata and a person, one value of each
    in one row (the follower count typed into the row Wikidata filled)."""
    from analysis.data.scaffold import add_country

    add_country("PER", data, name_en="Peru", name_es="Perú")
    fm = {"country": "PER", "role": "foreign_ministry"}
    _edit(data / "institutions.csv", fm, {"name": "Cancillería", "website": "true"})
    _edit(data / "institutions.csv", fm, {"source": "Wikidata Q2, P856, retrieved 2026-11-30"})
    gov = {"country": "PER", "role": "government"}
    _edit(data / "institutions.csv", gov, {"website": "true", "source": HAND})
    _edit(
        data / "accounts.csv",
        {**fm, "platform": "twitter"},
        {
            "present": "true",
            "handle": "@CancilleriaPeru",
            "created": "2010-06",
            "followers": "2500",
            "as_of": "2026-12-01",
            "source": "Wikidata Q2, P2002, retrieved 2026-11-30",
            "sources": f"followers, as_of: {HAND}",
        },
    )


@pytest.fixture(scope="session")
def two_source_papers(tmp_path_factory) -> dict[str, str]:
    """The PER-MEX papers (both languages): Mexico from the article, Peru from two sources."""
    from conftest import copy_article

    from analysis.build import paper

    base = tmp_path_factory.mktemp("two-sources")
    data = copy_article(base / "raw")
    _peru(data)
    paper.build("PER-MEX", ("en", "es"), data_dir=data, root=base / "build")
    return {
        lang: (base / "build" / "PER-MEX" / lang / "paper.md").read_text(encoding="utf-8")
        for lang in ("en", "es")
    }


def _plain(markdown: str) -> str:
    return markdown.replace("\\", "")


def _sentences(markdown: str, name: str) -> list[str]:
    text = _plain(markdown)
    parts = re.split(r"\. |; ", text.replace("\n", " "))  # sentences and their clauses
    return [s for s in parts if name in s]


@pytest.mark.slow
def test_a_new_comparison_says_so_and_credits_each_country_its_own_sources(two_source_papers):
    en = _plain(two_source_papers["en"])
    assert "A new comparison on the design of Benayas (2021)" in en
    assert "reproducible rerun" not in en.split("# Introduction")[0]  # title, subtitle, abstract
    assert "Peru: 4 values from Wikidata (1 Wikidata item, retrieved 30 November 2026)" in en
    # the names typed to `country` are a person's values too, and say so
    assert re.search(
        r"entered by hand \(“names given to python -m analysis country, [0-9-]{10}”; “"
        + re.escape(HAND)
        + "”\\)",
        en,
    )
    assert "Mexico: 67 values from Benayas (2021)" in en
    # no sentence about Peru credits it the article, a publication or a transcription
    for sentence in _sentences(two_source_papers["en"], "Peru"):
        for wrong in ("the article gives", "transcribed", "published data", "from Benayas"):
            assert wrong not in sentence, sentence
    # the statements checked are the article's about Mexico only
    assert "countable statements of Benayas (2021) about Mexico against the data" in en
    assert "# Replication check" in en


@pytest.mark.slow
def test_unchecked_values_are_unknown_in_the_prose(two_source_papers):
    en = _plain(two_source_papers["en"])
    assert "In Peru, of the 5 institutions, 2 of 2 checked have a website" in en
    assert "the site of Peru has none checked yet" in en
    assert "Mexico has about 348 times as many" in en  # never "0.0 times"
    es = _plain(two_source_papers["es"])
    assert "En Perú, de las 5 instituciones, 2 de 2 comprobadas tienen página web" in es
    assert "México tiene unas 348 veces más" in es
    for text in (en, es):
        for leak in ("<NA>", " nan", "0.0 times", "0,0 veces"):
            assert leak not in text, leak
        assert not re.search(r"\bNone\b(?! or almost none)", text)


@pytest.mark.slow
def test_a_pair_without_claims_has_no_replication_section(tmp_path):
    from conftest import copy_article

    from analysis.build import paper

    data = copy_article(tmp_path / "raw")
    _peru(data)
    from analysis.data.scaffold import add_country

    add_country("ECU", data, name_en="Ecuador", name_es="Ecuador")
    paper.build("PER-ECU", ("en",), data_dir=data, root=tmp_path / "build")
    en = _plain((tmp_path / "build" / "PER-ECU" / "en" / "paper.md").read_text(encoding="utf-8"))
    assert "# Replication check" not in en and "Benayas (2021) about" not in en
    assert "Ecuador: 2 values entered by hand (“names given to python -m analysis country" in en


def test_the_authors_are_set_once_in_paper_yml(tmp_path):
    from analysis.build import assemble

    assert assemble.load_settings(tmp_path) == {"authors": []}  # signed by the compendium
    (tmp_path / "paper.yml").write_text("pair: MEX-CHL\nauthors: [A. Pérez, B. Soto]\n")
    assert assemble.load_settings(tmp_path) == {"authors": ["A. Pérez", "B. Soto"]}
    (tmp_path / "paper.yml").write_text("authors: A. Pérez\n")
    with pytest.raises(UsageError, match="authors: a list of names"):
        assemble.load_settings(tmp_path)


def test_the_panel_ranks_only_what_is_checked(tmp_path):
    from conftest import copy_article

    from analysis.core import panel as core_panel
    from analysis.data import codebook, load

    data = copy_article(tmp_path / "raw")
    _peru(data)
    ranked = core_panel.ranking(load.panel(["MEX", "CHL", "PER"], data)).set_index("country")
    least = codebook.load_codebook(data)["rank_min_checked"]
    per = ranked.loc["PER"]
    assert per["core_checked"] / per["core_cells"] < least
    assert not per["ranked"] and pd.isna(per["rank_presence"]) and pd.isna(per["rank_adoption"])
    assert (
        per["presence_index"] == 1.0
    )  # its one checked core platform is in use: known, not ranked
    assert sorted(ranked.loc[["MEX", "CHL"], "rank_presence"]) == [1, 2]
    assert ranked.loc["PER", "websites_checked"] == 2
