"""data/raw as a Frictionless Data Package, generated from the codebook.

Each schema fact (fields, types, units, allowed values, keys) is written once, in
``codebook.yml``; ``datapackage.json`` is derived from it by :func:`build` and
committed beside the data so that any Frictionless tool can read and validate
them. A test fails when the committed file is stale:
``python -m analysis datapackage --write`` regenerates it.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from analysis.base.paths import DATA_DIR
from analysis.data.codebook import load_codebook, table_schemas
from analysis.data.dates import PATTERN as _DATE_PATTERN

_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean"}

PACKAGE = {
    "name": "digital-public-diplomacy-mex-chl",
    "title": "Digital public diplomacy in Mexico and Chile: the data of Benayas (2021)",
    "description": (
        "The observations of Benayas (2021), La diplomacia pública digital en México y Chile "
        "(Desafíos 33-1), transcribed row by row with their source: institutions, accounts, "
        "website criteria, agenda, interaction and the article's countable statements. "
        "An empty cell is a value the source does not give. Snapshot: February 2019."
    ),
    "version": "1.0.0",
    "licenses": [
        {
            "name": "CC-BY-4.0",
            "title": "Creative Commons Attribution 4.0",
            "path": "https://creativecommons.org/licenses/by/4.0/",
        }
    ],
    "sources": [
        {
            "title": "Benayas, G. (2021). La diplomacia pública digital en México y Chile. "
            "Desafíos, 33(1).",
        }
    ],
    "contributors": [{"title": "The digital public diplomacy compendium", "role": "author"}],
}


def _field(name: str, spec: dict, book: dict) -> dict:
    kind = spec.get("type", "string")
    field = {
        "name": name,
        "type": _TYPES.get(kind, "string"),
        "description": spec.get("description", ""),
    }
    constraints = {}
    if spec.get("required"):
        constraints["required"] = True
    if "enum" in spec:
        constraints["enum"] = (
            spec["enum"] if isinstance(spec["enum"], list) else list(book[spec["enum"]])
        )
    if "pattern" in spec:
        constraints["pattern"] = spec["pattern"].strip("^$")
    if kind == "integer":
        constraints["minimum"] = 0
    if kind == "date":  # partial ISO dates ("2009", "2009-Q4"): no Table Schema type fits
        constraints["pattern"] = _DATE_PATTERN.strip("^$")
        field["format"] = "default"
        field["description"] += (
            " (ISO 8601 date as precise as the source: YYYY, YYYY-Qn, YYYY-MM, YYYY-MM-DD,"
            " or A/B for an interval between two readings)"
        )
    if kind == "boolean":
        field["trueValues"], field["falseValues"] = ["true"], ["false"]
    if "unit" in spec:
        field["unit"] = spec["unit"]
    if constraints:
        field["constraints"] = constraints
    return field


def _foreign_keys(spec: dict) -> list[dict]:
    keys = []
    for cols, target in (spec.get("foreign_keys") or {}).items():
        resource, ref = target.split(".")
        fields, ref_fields = cols.split(","), ref.split("+")
        keys.append(
            {
                "fields": fields if len(fields) > 1 else fields[0],
                "reference": {
                    "resource": resource,
                    "fields": ref_fields if len(ref_fields) > 1 else ref_fields[0],
                },
            }
        )
    return keys


def build(data_dir: str | Path | None = None) -> dict:
    """The data package of `data_dir`: one resource per file of the contract that exists.

    A primary key is declared only where all its fields are required: Table
    Schema treats key fields as required, while here an empty ``handle`` or
    ``role`` is a legitimate "not given" (the loader still checks uniqueness).
    """
    data_dir = Path(data_dir or DATA_DIR)
    book = load_codebook(data_dir)
    resources = []
    for name, spec in table_schemas(data_dir).items():
        if not (data_dir / f"{name}.csv").exists():
            continue
        with open(data_dir / f"{name}.csv", encoding="utf-8-sig", newline="") as fh:
            header = {h.strip() for h in next(csv.reader(fh), [])}
        # a column the codebook lets a file omit is described only where the file has it
        fields = {
            f: fs
            for f, fs in spec["fields"].items()
            if fs.get("column") != "optional" or f in header
        }
        schema = {
            "fields": [_field(f, fs, book) for f, fs in fields.items()],
            "missingValues": [""],
        }
        key = spec.get("primary_key") or []
        if key and all(spec["fields"][k].get("required") for k in key):
            schema["primaryKey"] = key
        if spec.get("foreign_keys"):
            schema["foreignKeys"] = _foreign_keys(spec)
        resources.append(
            {
                "name": name,
                "path": f"{name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "description": spec.get("description", ""),
                "schema": schema,
            }
        )
    return {**PACKAGE, "profile": "tabular-data-package", "resources": resources}


def to_json(data_dir: str | Path | None = None) -> str:
    """``datapackage.json`` as text: stable key order, two-space indent, UTF-8."""
    return json.dumps(build(data_dir), indent=2, ensure_ascii=False) + "\n"
