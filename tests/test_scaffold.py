"""A new country in minutes: scaffold, fill, check completeness, build its paper."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
import untrusted_cases
from conftest import FIXTURE_PAIR, NO_DATA, copy_article

from analysis.base.errors import UsageError
from analysis.build import paper
from analysis.data import load, provenance, scaffold
from analysis.data.codebook import categories

#: Five institutions, an account row on every codebook platform.
ACCOUNT_ROWS = 5 * len(categories("platforms"))


def test_scaffold_adds_empty_rows_that_validate(raw_copy):
    added = scaffold.add_country("ARG", raw_copy)
    assert {p.name: n for p, n in added.items()} == {
        "countries.csv": 1,
        "institutions.csv": 5,
        "accounts.csv": ACCOUNT_ROWS,
        "website_criteria.csv": 10,
    }
    tables = load.load_all(raw_copy)  # still valid
    arg = tables["accounts"][tables["accounts"]["country"] == "ARG"]
    assert arg.drop(columns=["country", "role", "platform"]).isna().all(axis=None)
    assert tables["countries"].set_index("iso3").at["ARG", "name_es"] == "Argentina"
    # the scaffolded accounts are not yet checked, so no presence is invented
    assert load.study("ARG", "MEX", raw_copy).accounts.query("country == 'ARG'").empty


@pytest.mark.parametrize(
    ("iso", "message"),
    [
        (NO_DATA, "not an ISO 3166-1 alpha-3 code"),  # user-assigned, no country's
        ("ar", "three letters"),
        ("MEX", "already has data"),
    ],
)
def test_scaffold_refuses(raw_copy, iso, message):
    before = {p.name: p.read_bytes() for p in raw_copy.iterdir() if p.is_file()}
    with pytest.raises(UsageError, match=message):
        scaffold.add_country(iso, raw_copy)
    assert {p.name: p.read_bytes() for p in raw_copy.iterdir() if p.is_file()} == before


def test_cli_refuses_with_a_clear_error(raw_copy):
    code, _, err = untrusted_cases.cli("--data-dir", str(raw_copy), "country", NO_DATA)
    assert code == 2 and f"'{NO_DATA}' is not an ISO 3166-1 alpha-3 code" in err


def test_countries_a_student_adds_leave_the_article_data_as_they_are(raw_copy, tmp_path):
    """The suite's copy of the article's data (conftest.copy_article) is the same, byte for
    byte, whatever countries data/raw holds besides Mexico and Chile, filled or not."""
    before = copy_article(tmp_path / "before", raw_copy)
    for iso in ("PER", "ARG"):
        scaffold.add_country(iso, raw_copy)
    path = raw_copy / "accounts.csv"  # a value typed by hand into one row, as a student would
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    fields = next(csv.reader(lines[:1]))
    at = next(i for i, line in enumerate(lines) if line.startswith("PER,foreign_ministry,twitter,"))
    typed = dict.fromkeys(fields, "") | {
        "country": "PER",
        "role": "foreign_ministry",
        "platform": "twitter",
        "present": "true",
        "handle": "@CancilleriaPeru",
        "followers": "2500",
        "as_of": "2026-12",
        "source": "hand entry, A. Pérez, 2026-12-01, from the ministry's profile page",
    }
    row = io.StringIO()
    csv.writer(row, lineterminator="\n").writerow(typed.values())
    lines[at] = row.getvalue()
    path.write_text("".join(lines), encoding="utf-8")
    load.load_all(raw_copy)  # valid: a student's data as they may be
    assert load.countries_with_data(raw_copy) == ["ARG", "CHL", "MEX", "PER"]
    after = copy_article(tmp_path / "after", raw_copy)
    files = sorted(p.name for p in before.iterdir())
    assert files == sorted(p.name for p in after.iterdir())
    for name in files:
        assert (after / name).read_bytes() == (before / name).read_bytes(), name


def test_protocol_checklist_lists_the_readme_steps():
    checklist = scaffold.protocol_checklist()
    assert checklist.count("[ ]") == 7 and "snapshot" in checklist


def test_completeness_counts_missing_and_sources(raw_copy):
    scaffold.add_country("ARG", raw_copy)
    report = provenance.completeness(raw_copy).set_index(["country", "table"])
    assert report.at[("ARG", "accounts"), "filled"] == 0
    assert report.at[("ARG", "accounts"), "without_source"] == ACCOUNT_ROWS
    assert report.at[("MEX", "website_criteria"), "missing"] == 0
    text = provenance.completeness_report(raw_copy)
    assert "ARG: 2 values filled" in text  # the two names pycountry gives


def _fill_from_fixture(raw, iso: str) -> None:
    """Replace the scaffolded rows of `iso` by the fixture pair's values, as a student would."""
    for table in ("countries", "institutions", "accounts", "website_criteria", "agenda"):
        key = "iso3" if table == "countries" else "country"
        ours = pd.read_csv(raw / f"{table}.csv", dtype=str, keep_default_na=False)
        theirs = pd.read_csv(FIXTURE_PAIR / f"{table}.csv", dtype=str, keep_default_na=False)
        merged = pd.concat([ours[ours[key] != iso], theirs[theirs[key] == iso]])
        merged.to_csv(raw / f"{table}.csv", index=False, lineterminator="\n")


@pytest.mark.slow
def test_scaffolded_country_builds_its_paper_against_mexico(raw_copy, tmp_path):
    scaffold.add_country("ARG", raw_copy)
    _fill_from_fixture(raw_copy, "ARG")
    paths = paper.build("ARG-MEX", "en", data_dir=raw_copy, root=tmp_path)
    assert paths["pdf"].stat().st_size > 10_000
    html = paths["html"].read_text(encoding="utf-8")
    assert "Argentina" in html and "Mexico" in html
