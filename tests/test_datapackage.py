"""datapackage.json: generated from the codebook, never stale, and valid for frictionless."""

from __future__ import annotations

import csv
import json

import pytest
from conftest import RAW

from analysis.data import datapackage


def test_committed_datapackage_is_not_stale():
    committed = (RAW / "datapackage.json").read_text(encoding="utf-8")
    assert committed == datapackage.to_json(RAW), (
        "data/raw/datapackage.json is stale: run `python -m analysis datapackage --write`"
    )


def test_allowed_values_come_from_the_codebook():
    package = json.loads(datapackage.to_json(RAW))
    accounts = next(r for r in package["resources"] if r["name"] == "accounts")
    platform = next(f for f in accounts["schema"]["fields"] if f["name"] == "platform")
    assert platform["constraints"]["enum"][:2] == ["twitter", "facebook"]
    assert {"fields": "country", "reference": {"resource": "countries", "fields": "iso3"}} in (
        accounts["schema"]["foreignKeys"]
    )


@pytest.fixture(scope="module")
def frictionless():
    """frictionless, imported by the tests that use it: not a third of a second in every
    worker's collection."""
    return pytest.importorskip("frictionless")


def test_frictionless_accepts_the_package(frictionless):
    report = frictionless.validate(str(RAW / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_frictionless_catches_a_bad_value(raw_copy, frictionless):
    path = raw_copy / "accounts.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    rows[1][rows[0].index("followers")] = "-5"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    report = frictionless.validate(str(raw_copy / "datapackage.json"))
    assert not report.valid
    errors = report.flatten(["fieldName", "type"])
    assert ["followers", "constraint-error"] in errors
