"""Add a new country to data/raw, and report how complete each country's data are.

A student adapting the study to a new country starts with ``make country ISO=ARG``:
the rows to fill are added with every value empty (the five institutions, an
account row per codebook platform, the ten website criteria), and the collection
protocol of data/raw/README.md is printed as a checklist. This is the one command
that writes data/raw, and only when asked to.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
from pathlib import Path

from analysis.base.errors import DataError, Problem, UsageError, shown
from analysis.base.files import write_atomic
from analysis.base.paths import DATA_DIR
from analysis.data import countries
from analysis.data.codebook import categories, table_schemas
from analysis.data.load import countries_with_data, load_all


def empty_rows(
    iso: str, name_en: str, name_es: str, data_dir: Path, names_source: str = ""
) -> dict[str, list[dict]]:
    """The rows a new country needs, by table, with every value left empty."""
    roles = categories("roles", data_dir)
    return {
        "countries": [
            {"iso3": iso, "name_en": name_en, "name_es": name_es, "source": names_source}
        ],
        "institutions": [{"country": iso, "role": r} for r in roles],
        "accounts": [
            {"country": iso, "role": r, "platform": p}
            for r in roles
            for p in categories("platforms", data_dir)
        ],
        "website_criteria": [
            {"country": iso, "criterion": c} for c in categories("website_criteria", data_dir)
        ],
    }


def _append(path: Path, fields: list[str], rows: list[dict]) -> None:
    text = path.read_text(encoding="utf-8")
    # the file's own columns, in its order: a column the codebook lets it omit stays omitted
    header = next(csv.reader(io.StringIO(text)), None)
    if header:
        fields = [h.strip().removeprefix("\ufeff") for h in header]
    buf = io.StringIO()
    if text and not text.endswith("\n"):
        buf.write("\n")
    writer = csv.DictWriter(buf, fields, lineterminator="\n", restval="")
    writer.writerows(rows)
    write_atomic(path, text + buf.getvalue())  # keeps the file's own permissions


def add_country(
    iso: str,
    data_dir: str | Path | None = None,
    name_en: str | None = None,
    name_es: str | None = None,
) -> dict[Path, int]:
    """Add the empty rows of a new country to `data_dir`; return rows added per file.

    Refuses a code that is not ISO 3166-1 alpha-3 or that already has data, and
    refuses to touch data that do not validate, so nothing is half-added.
    """
    data_dir = Path(data_dir or DATA_DIR)
    iso = (iso or "").strip()
    default_en, default_es = countries.names(iso)
    if iso in countries_with_data(data_dir):
        raise UsageError(f"{iso} already has data in {data_dir}/countries.csv")
    load_all(data_dir)  # valid before we add to it
    names = {"--name-en": name_en or default_en, "--name-es": name_es or default_es}
    for option, name in names.items():  # what validate would refuse is never written
        odd = next((c for c in name if unicodedata.category(c)[0] in "CZ" and c != " "), None)
        if odd is not None or not name.strip():
            what = f"U+{ord(odd):04X}" if odd is not None else "nothing"
            raise UsageError(
                f"{option} {shown(name)} holds {what}: a name is printable text on one line"
            )
    schemas = table_schemas(data_dir)
    added = {}
    # the names are values too: where they come from is said, like any other value
    names_source = (
        "ISO 3166-1 names (pycountry)"
        if not (name_en or name_es)
        else f"names given to python -m analysis country, {datetime.date.today().isoformat()}"
    )
    for table, rows in empty_rows(
        iso,
        unicodedata.normalize("NFC", names["--name-en"].strip()),
        unicodedata.normalize("NFC", names["--name-es"].strip()),
        data_dir,
        names_source,
    ).items():
        path = data_dir / f"{table}.csv"
        _append(path, list(schemas[table]["fields"]), rows)
        added[path] = len(rows)
    return added


def protocol_checklist(data_dir: str | Path | None = None) -> str:
    """The collection protocol of data/raw/README.md as a checklist to tick."""
    readme = Path(data_dir or DATA_DIR) / "README.md"
    text = readme.read_text(encoding="utf-8")
    match = re.search(r"^## Collection protocol.*?\n(.*?)(?=^## |\Z)", text, flags=re.S | re.M)
    if not match:
        raise DataError(Problem(readme, None, None, "has no '## Collection protocol' section"))
    lines = ["Collection protocol (data/raw/README.md):"]
    for line in match.group(1).splitlines():
        step = re.match(r"^\s*\d+\.\s+(.*)", line)
        if step:
            lines.append(f"  [ ] {step.group(1)}")
        elif line.startswith("   ") and len(lines) > 1 and line.strip():
            lines[-1] += " " + line.strip()
    return "\n".join(lines)
