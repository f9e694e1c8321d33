"""CITATION.cff is valid CFF 1.2.0, and the README's "How to cite" agrees with it."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml
from conftest import REPO

SCHEMA = REPO / "tests" / "schemas" / "citation-file-format-1.2.0.schema.json"


@pytest.fixture(scope="module")
def citation() -> dict:
    # CFF is YAML; dates and versions must stay strings/numbers as written
    return yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))


def test_citation_cff_is_valid(citation):
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()).validate(citation)


def test_an_invalid_citation_is_refused(citation):
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    broken = {**citation, "cff-version": "9.9"}
    del broken["authors"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema).validate(broken)


def test_the_original_article_is_referenced(citation):
    (ref,) = [r for r in citation["references"] if r["type"] == "article"]
    assert ref["authors"][0]["family-names"] == "Benayas" and ref["year"] == 2021


def test_readme_cites_the_same(citation):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "CITATION.cff" in readme
    assert "Benayas, G. (2021). La diplomacia pública digital en México y Chile" in readme
    assert citation["title"] in readme
