"""Any pair, truly (issue 18): every value keeps its own source, and the paper says so.

The data are copies of the fixture pair (tests/fixtures/pair: Argentina and Uruguay, made
up for the tests), never the live data/raw.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from analysis.base.errors import DataError
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
