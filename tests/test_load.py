"""The loader: the data reproduce the article's tables, and bad input is refused clearly."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from conftest import NO_DATA

from analysis.base.paths import DATA_DIR
from analysis.data import load, processed
from analysis.data.codebook import categories, load_codebook

# Tabla 1 of Benayas (2021), transcribed from the article: website, then the
# platform abbreviations of the "Redes sociales" column (order within a cell is
# the article's; compared as sets). "o (X)" means another platform, named.
TABLA_1 = {
    ("MEX", "government"): ("X", {"tw", "fb"}),
    ("CHL", "government"): ("X", {"tw", "fb", "ig", "yt", "o (Telegram)"}),
    ("MEX", "foreign_ministry"): ("X", {"tw", "fb", "ig", "fk", "yt"}),
    ("CHL", "foreign_ministry"): ("X", {"tw", "fb", "ig", "yt", "fk"}),
    ("MEX", "trade_promotion"): ("X", {"tw", "fb", "ig", "yt", "o (Periscope)"}),
    ("CHL", "trade_promotion"): ("X", {"tw", "fb", "yt", "fk", "o (LinkedIn)"}),
    ("MEX", "cooperation_agency"): ("X", {"tw", "fb", "yt", "fk"}),
    ("CHL", "cooperation_agency"): ("X", {"tw", "fb", "yt", "fk"}),
    ("MEX", "diplomatic_academy"): ("X", {"tw"}),
    ("CHL", "diplomatic_academy"): ("X*", {"tw", "fb", "yt", "fk"}),
}

# Tabla 2: the ten criteria in the article's order, México then Chile.
TABLA_2 = [
    ("diplomatic_network", "X", "X"),
    ("foreign_corps", "X", "X"),
    ("consular_services", "X", "X"),
    ("related_links", "X", "X"),
    ("social_links", "X", "X"),
    ("social_atlas", "-", "-"),
    ("citizen_service", "X", "X"),
    ("service_charter", "-", "X"),
    ("satisfaction_survey", "-", "X"),
    ("blog", "-", "-"),
]


@pytest.fixture(scope="module")
def study(article_data):
    return load.study("MEX", "CHL", article_data)


def _article_cell(platform: str) -> str:
    # Tabla 1 writes LinkedIn among the "others" although its legend has "li".
    if platform == "linkedin":
        return "o (LinkedIn)"
    entry = load_codebook()["platforms"][platform]
    return f"o ({entry['en']})" if entry["abbr"] == "o" else entry["abbr"]


def test_tabla1_cell_for_cell(study):
    inst = study.institutions.set_index(["country", "role"])
    for (country, role), (website, platforms) in TABLA_1.items():
        has_site = bool(inst.loc[(country, role), "website"])
        note = inst.loc[(country, role), "note"]
        star = "*" if isinstance(note, str) and "X*" in note else ""
        assert ("X" if has_site else "-") + star == website, (country, role)
        got = study.accounts.query("country == @country and role == @role")["platform"]
        assert {_article_cell(p) for p in got} == platforms, (country, role)


def test_tabla2_cell_for_cell(study):
    crit = study.website_criteria.pivot(index="criterion", columns="country", values="present")
    assert categories("website_criteria") == [c for c, _, _ in TABLA_2]
    for criterion, mex, chl in TABLA_2:
        assert ("X" if crit.at[criterion, "MEX"] else "-") == mex, criterion
        assert ("X" if crit.at[criterion, "CHL"] else "-") == chl, criterion
    assert crit.sum().to_dict() == {"CHL": 8, "MEX": 6}


def test_every_row_has_a_source(study):
    for name, df in study.tables.items():
        if "source" in df.columns:
            assert df["source"].notna().all(), name


def test_published_figures(study):
    acc = study.accounts.set_index(["country", "platform", "handle"])
    sre = acc.loc[("MEX", "twitter", "@SRE_mx")]
    assert (sre["followers"], sre["posts"], sre["created"], sre["as_of"]) == (
        870000,
        35000,
        "2009-12",
        "2019-02",
    )
    assert acc.loc[("CHL", "twitter", "@Minrel_Chile"), "followers"] == 59000
    fb = study.accounts.query(
        "country == 'MEX' and role == 'foreign_ministry' and platform == 'facebook'"
    )
    assert fb["followers"].item() == 720000 and fb["followers_qualifier"].item() == "more_than"


def test_missing_values_stay_missing(study):
    gov = study.accounts.query("role == 'government'")
    assert gov["followers"].isna().all()
    assert str(study.accounts["followers"].dtype) == "Int64"


def test_pair_order_and_rows(article_data):
    s = load.study("CHL", "MEX", article_data)
    assert s.accounts["country"].iloc[0] == "CHL"
    assert set(s.institutions["country"]) == {"CHL", "MEX"}


# --- bad input --------------------------------------------------------------------------


def _edit(path: Path, row: int, column: str, value: str) -> None:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
        fieldnames = list(rows[0])
    rows[row][column] = value
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


@pytest.mark.parametrize(
    ("table", "row", "column", "value", "message"),
    [
        ("accounts", 2, "country", NO_DATA, "is not in countries.csv"),
        ("accounts", 2, "role", "embassy", "unknown value 'embassy'"),
        ("accounts", 2, "platform", "myspace", "unknown value 'myspace'"),
        ("website_criteria", 3, "criterion", "podcast", "unknown value 'podcast'"),
        ("accounts", 2, "followers", "-5", "is not a count"),
        ("accounts", 2, "followers", "many", "is not a count"),
        ("accounts", 2, "posts", "12.5", "is not a count"),
        ("accounts", 2, "created", "2009-13", "is not a date"),
        ("accounts", 2, "created", "last year", "is not a date"),
        ("institutions", 1, "website", "yes", "is not a boolean"),
        ("accounts", 1, "role", "", "empty, but required"),
        ("countries", 0, "iso3", "mex", "does not match"),
    ],
)
def test_bad_cell_names_file_line_and_column(raw_copy, table, row, column, value, message):
    path = raw_copy / f"{table}.csv"
    _edit(path, row, column, value)
    with pytest.raises(load.DataError) as err:
        load.load_all(raw_copy)
    text = str(err.value)
    assert message in text
    assert f"{path}: line {row + 2}, column '{column}'" in text or (
        # a bad country code in countries.csv also breaks every foreign key
        table == "countries" and f"line {row + 2}, column 'iso3'" in text
    )


def test_missing_column(raw_copy):
    path = raw_copy / "institutions.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns="website")
    df.to_csv(path, index=False)
    with pytest.raises(load.DataError, match=r"institutions.csv: line 1: missing column 'website'"):
        load.load_all(raw_copy)


def test_duplicate_key(raw_copy):
    path = raw_copy / "website_criteria.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines + [lines[1]]), encoding="utf-8")
    last = len(lines) + 1  # the copy of line 2, appended
    with pytest.raises(load.DataError, match=rf"line {last}: duplicate key .* already on line 2"):
        load.load_all(raw_copy)


def test_not_utf8(raw_copy):
    path = raw_copy / "institutions.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252", errors="replace"))
    with pytest.raises(load.DataError, match=r"institutions.csv: line 2: not UTF-8"):
        load.load_all(raw_copy)


def test_missing_required_file(raw_copy):
    (raw_copy / "accounts.csv").unlink()
    with pytest.raises(load.DataError, match=r"accounts.csv: missing"):
        load.load_all(raw_copy)


def test_unknown_country_lists_those_with_data(article_data):
    with pytest.raises(
        load.UnknownCountryError, match=rf"'{NO_DATA}'.*countries with data: CHL, MEX"
    ):
        load.study(NO_DATA, "MEX", article_data)


def test_all_problems_are_reported_at_once(raw_copy):
    _edit(raw_copy / "accounts.csv", 0, "followers", "x")
    _edit(raw_copy / "institutions.csv", 0, "blog", "maybe")
    with pytest.raises(load.DataError) as err:
        load.load_all(raw_copy)
    assert len(err.value.problems) == 2


def test_write_processed_is_atomic_and_deterministic(raw_copy, tmp_path):
    out = tmp_path / "processed"
    first = {p.name: p.read_bytes() for p in processed.write_processed(out, raw_copy)}
    second = {p.name: p.read_bytes() for p in processed.write_processed(out, raw_copy)}
    assert first == second and "accounts.parquet" in first
    _edit(raw_copy / "accounts.csv", 0, "followers", "-1")
    with pytest.raises(load.DataError):
        processed.write_processed(out, raw_copy)
    kept = {p.name: p.read_bytes() for p in out.iterdir() if not p.name.startswith(".")}
    assert kept == first  # old output intact
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_data_raw_is_not_written(tmp_path):
    before = {p: p.stat().st_mtime_ns for p in DATA_DIR.rglob("*")}
    processed.write_processed(tmp_path / "out")
    assert {p: p.stat().st_mtime_ns for p in DATA_DIR.rglob("*")} == before
