"""The article's contested readings: named alternatives to the values data/raw holds.

Where the article allows two readings, or the transcription chose one, data/raw holds
the primary reading and ``readings.csv`` names each alternative, row by row: the table,
the row (country, and role, platform, handle and kind where given: an empty one matches
any), the column, the value under the alternative, and the article's words for each
reading. A reading of a statement itself (how the article's words are read, not what the
data hold) changes its row of ``claims.csv``, named by ``claim_id``: its check and params
under that reading; its ``country`` is one of the statement's ``countries``.
:func:`apply` writes a copy of a data directory under one or more alternatives, which
the loader then validates like any other: the build and the robustness table
(:mod:`analysis.core.robustness`) read that copy, never a changed data/raw.

>>> sorted(names())[:2]
['amexcid_blog', 'apuntes_not_academy']
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import yaml

from analysis.base import yaml_io
from analysis.base.errors import DataError, Problem, UsageError
from analysis.base.files import (
    MARKER,
    check_output,
    has_marker,
    mark,
    replace_dir,
    temporary_dir,
)
from analysis.base.paths import DATA_DIR
from analysis.data.load import load_all
from analysis.data.read import handle_key

__all__ = ["KEYS", "applied", "apply", "names", "write"]

#: The columns that pick a row out of its table (empty: any).
KEYS = ("country", "role", "platform", "handle", "kind", "claim_id")


def names(data_dir: str | Path | None = None) -> list[str]:
    """The named alternative readings of `data_dir`, in the order of readings.csv."""
    rows = load_all(Path(data_dir or DATA_DIR))["readings"]
    return list(dict.fromkeys(rows["reading"].dropna().astype(str)))


def _matches(row: dict[str, str], change: dict) -> bool:
    for key in KEYS:
        want = change.get(key)
        if want is None or want == "":
            continue
        have = row.get(key, "")
        if key == "country" and "country" not in row and "countries" in row:
            # a statement of claims.csv names its countries, space-separated
            if str(want) not in row["countries"].split():
                return False
            continue
        if key == "handle":
            want, have = handle_key(want), handle_key(have)
        if have.strip() != str(want):
            return False
    return True


def _apply_to_codebook(data_dir: Path, path: Path, part: pd.DataFrame) -> None:
    """A reading of a codebook entry: a platform's field (``core``: whether the presence
    index counts it), as in "LinkedIn as its own platform or among the others"."""
    book = yaml_io.safe_load(path.read_text(encoding="utf-8"))
    for line, change in part.iterrows():
        platform, column = str(change["platform"]), str(change["column"])
        entry = book.get("platforms", {}).get(platform)
        if entry is None or column not in entry:
            raise DataError(
                Problem(
                    data_dir / "readings.csv",
                    int(line),
                    "column",
                    f"matches no field of codebook.yml: platforms.{platform}.{column}",
                )
            )
        entry[column] = yaml_io.safe_load(str(change["value"]))
    path.write_text(yaml.safe_dump(book, sort_keys=False, allow_unicode=True), encoding="utf-8")


def apply(data_dir: str | Path | None, chosen: Iterable[str], dest: str | Path) -> Path:
    """Copy `data_dir` to `dest` (a new folder) with the alternatives `chosen` applied.

    Returns `dest`, validated by :func:`analysis.data.load.load_all`.

    Raises
    ------
    UsageError
        For a reading readings.csv does not name, or a `dest` that exists.
    DataError
        For a line of readings.csv that matches no row, or a copy that does not validate.
    """
    data_dir, dest = Path(data_dir or DATA_DIR), Path(dest)
    chosen = list(dict.fromkeys(chosen))
    known = names(data_dir)
    unknown = [r for r in chosen if r not in known]
    if unknown:
        raise UsageError(
            f"no reading {unknown[0]!r} in {data_dir / 'readings.csv'} "
            f"(readings: {', '.join(known) or 'none'})"
        )
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise UsageError(f"{dest}: exists; a reading is written to a new or empty folder")
    changes = load_all(data_dir)["readings"]
    changes = changes[changes["reading"].isin(chosen)]
    shutil.copytree(data_dir, dest, symlinks=True, dirs_exist_ok=True)
    for table, part in changes.groupby("table", sort=False):
        if table == "codebook":
            _apply_to_codebook(data_dir, dest / "codebook.yml", part)
            continue
        path = dest / f"{table}.csv"
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            header, rows = list(reader.fieldnames or []), list(reader)
        for line, change in part.iterrows():
            change = {
                k: (None if pd.isna(v) or str(v) == "" else str(v)) for k, v in change.items()
            }
            matched = [r for r in rows if _matches(r, change)]
            if not matched:  # a typo in a key: say so rather than change nothing
                raise DataError(
                    Problem(
                        data_dir / "readings.csv", int(line), None, f"matches no row of {path.name}"
                    )
                )
            # a reading of every row (a key column of the table left empty) changes the
            # rows that hold a value
            open_keys = [k for k in KEYS[1:] if k in header and not change.get(k)]
            column = str(change["column"])
            hits = [r for r in matched if r.get(column, "").strip()] if open_keys else matched
            for r in hits:
                r[column] = "" if change.get("value") is None else str(change["value"])
        buf = io.StringIO()
        writer = csv.DictWriter(buf, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        path.write_text(buf.getvalue(), encoding="utf-8")
    # the copy's own readings are the ones not applied: its robustness runs over those
    listed = dest / "readings.csv"
    with listed.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header, rows = list(reader.fieldnames or []), list(reader)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(r for r in rows if r.get("reading") not in chosen)
    listed.write_text(buf.getvalue(), encoding="utf-8")
    load_all(dest)
    return dest


def applied(data_dir: str | Path | None = None) -> list[str]:
    """The alternative readings a data directory was written under (:func:`write`), or []."""
    path = Path(data_dir or DATA_DIR) / MARKER
    if not has_marker(Path(data_dir or DATA_DIR)):
        return []
    try:
        about = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if about.get("written_by") != __name__:
        return []
    return [str(r) for r in about.get("readings", [])]


def write(data_dir: str | Path | None, chosen: Iterable[str], out: str | Path) -> Path:
    """:func:`apply` into `out` by the output rule: a new folder, or one this tool wrote
    (its marker), never data/raw or what holds it; swapped in whole once it validates.

    This is what ``make paper READING=<name>`` builds from (``build/readings/<name>/raw``).
    """
    data_dir, out = Path(data_dir or DATA_DIR), Path(out)
    chosen = list(chosen)
    check_output(out, kind="dir", ours=has_marker, inputs=[data_dir], data_dirs=[data_dir])
    with temporary_dir(out) as tmp:
        apply(data_dir, chosen, tmp)
        mark(tmp, __name__, readings=chosen)
        replace_dir(tmp, out)
    return out
