"""Write collected rows into data/raw without ever overwriting another source's value.

A collector describes what it found as :class:`Proposal` objects: the row's
key, the values in *blocks*, and the citation of the source. :func:`apply`
merges them into the tables of a data directory by these rules:

* A value is judged by its own source: its entry in the row's ``sources``
  (:func:`analysis.data.read.value_sources`), else the row's ``source``. A value
  with an entry of its own that is not this collector's is never updated (a
  follower count typed by hand into a row Wikidata filled stays the person's), and
  a row whose values have no source at all is not touched (``skipped`` or
  ``conflict``): writing the collector's citation into ``source`` would credit it
  with what a person typed.
* A row that cites a publication or a person (:mod:`analysis.data.provenance`:
  ``article``, ``hand``) is never changed. Where the collector found something
  else, the difference is reported (``conflict`` where the cell holds another
  value, ``skipped`` where it is empty: a machine does not complete a row a
  person vouches for, nor mix a 2026 figure into the article's 2019 row).
* In a row with no source, or only collectors' citations, empty cells are
  filled (``filled``); a cell holding another value is replaced only when every
  citation of the row is this collector's (``updated``: a later collection
  refreshes its own figures), else reported (``conflict``).
* A block is written whole or not at all: ``followers`` is never written
  without its ``as_of``. Cells held back because another cell of their block
  could not be written are reported as ``held``.
* A row that matches nothing is appended (``added``). For ``accounts``, the
  handle is compared without case and leading ``@``, and a row of the same
  institution and platform with an empty handle is the row to complete.
* The source of a row a collector wrote names the collector's citation;
  an earlier citation of the same collector for the same item is replaced.

Everything is checked with :func:`analysis.data.load.load_all` on a scratch copy
before any file is replaced, each file atomically; records not changed keep
their bytes, so a collection's diff shows only what it changed. New exports a
collector found (``files``) are checked on the same copy, read by their importers,
and written only when all of it holds, before the tables that name them.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.base.errors import DataError, ExportFormatError, Problem, UsageError
from analysis.base.files import write_atomic
from analysis.data import exports
from analysis.data.codebook import table_schemas, value_fields
from analysis.data.load import load_all
from analysis.data.provenance import collectable, split_citations
from analysis.data.read import value_sources

__all__ = ["ACTIONS", "REPORT_COLUMNS", "Collection", "Proposal", "apply"]

#: What happened to a proposed value (the ``action`` column of the report).
ACTIONS: tuple[str, ...] = ("added", "filled", "updated", "conflict", "skipped", "held")
#: The report's columns.
REPORT_COLUMNS: tuple[str, ...] = (
    "file",
    "key",
    "column",
    "old",
    "old_source",
    "new",
    "new_source",
    "action",
)
#: Key columns compared loosely, and rows that may be completed, per table.
_LOOSE_KEY = {"accounts": "handle"}


@dataclass(frozen=True)
class Proposal:
    """Values a collector found for one row of a table.

    Parameters
    ----------
    table
        A table of the data contract (``accounts``, ``institutions``, ``exports``).
    key
        The row's primary key, column to value.
    blocks
        Groups of column to value, each written whole or not at all.
    source
        The citation that backs every value of the proposal.
    """

    table: str
    key: Mapping[str, str]
    blocks: tuple[Mapping[str, str], ...]
    source: str


@dataclass(frozen=True)
class Collection:
    """What a collection did.

    ``report`` is the merge report of :func:`apply`; ``snapshots`` the files read
    or saved; ``missing`` the requests that found nothing (e.g. a channel handle
    the API does not know), for the command to list.
    """

    report: pd.DataFrame
    snapshots: tuple[Path, ...]
    missing: tuple[str, ...] = ()


@dataclass
class _Table:
    """A CSV file as chunks of raw text; rows changed or appended are re-written."""

    path: Path
    header: list[str]
    chunks: list[tuple[str, dict[str, str] | None]]
    changed: set[int] = field(default_factory=set)

    @classmethod
    def read(cls, path: Path) -> _Table:
        text = path.read_text(encoding="utf-8")
        lines = list(io.StringIO(text, newline=""))
        reader = csv.reader(iter(lines), strict=True)
        chunks: list[tuple[str, dict[str, str] | None]] = []
        header: list[str] | None = None
        start = 0
        for record in reader:
            raw = "".join(lines[start : reader.line_num])
            start = reader.line_num
            if header is None:
                header = [h.strip().removeprefix("\ufeff") for h in record]
                chunks.append((raw, None))
            elif record and any(c.strip() for c in record):
                chunks.append((raw, dict(zip(header, record, strict=True))))
            else:
                chunks.append((raw, None))
        if "".join(lines[start:]):
            chunks.append(("".join(lines[start:]), None))
        if header is None:
            raise DataError(Problem(path, 1, None, "empty (no header line)"))
        return cls(path, header, chunks)

    def rows(self) -> Iterable[tuple[int, dict[str, str]]]:
        return ((i, row) for i, (_, row) in enumerate(self.chunks) if row is not None)

    def append(self, row: dict[str, str]) -> None:
        self.chunks.append(("", {c: row.get(c, "") for c in self.header}))
        self.changed.add(len(self.chunks) - 1)

    def text(self) -> str:
        parts: list[str] = []
        for i, (raw, row) in enumerate(self.chunks):
            if i in self.changed and row is not None:
                if parts and not parts[-1].endswith(("\n", "\r")):
                    parts.append("\n")
                buf = io.StringIO()
                csv.writer(buf, lineterminator="\n").writerow([row.get(c, "") for c in self.header])
                parts.append(buf.getvalue())
            elif raw:
                parts.append(raw)
        return "".join(parts)


def apply(
    data_dir: str | Path, proposals: Iterable[Proposal], files: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Merge `proposals` into the tables of `data_dir`; return what happened to each value.

    Parameters
    ----------
    data_dir
        A data directory that validates (:func:`analysis.data.load.load_all`).
    proposals
        What the collectors found.
    files
        New exports to write under ``posts/`` (path under `data_dir`: text), which the
        proposals list in exports.csv: written only once the merged tables and the
        exports themselves validate.

    Returns
    -------
    pandas.DataFrame
        One row per proposed value that was written or could not be: columns
        :data:`REPORT_COLUMNS`; ``action`` is one of :data:`ACTIONS`; ``key`` is
        the row's key joined by ``/``. Values equal to what the table holds are
        left out.

    Raises
    ------
    analysis.base.errors.DataError
        When the data directory does not validate before, or would not validate
        after, the merge (nothing is written then).
    """
    data_dir = Path(data_dir)
    load_all(data_dir)
    schemas = table_schemas(data_dir)
    tables: dict[str, _Table] = {}
    report: list[dict[str, str]] = []
    for proposal in proposals:
        if proposal.table not in schemas:
            raise UsageError(f"not a table of the data contract: {proposal.table!r}")
        if ";" in proposal.source:
            raise UsageError(f"a collector's citation cannot hold ';': {proposal.source!r}")
        if proposal.table not in tables:
            path = data_dir / f"{proposal.table}.csv"
            if not path.exists():
                fields = list(schemas[proposal.table]["fields"])
                tables[proposal.table] = _Table(path, fields, [(",".join(fields) + "\n", None)])
            else:
                tables[proposal.table] = _Table.read(path)
        key_cols = list(schemas[proposal.table]["primary_key"])
        report += _merge(tables[proposal.table], proposal, key_cols)
    changed = {name: t for name, t in tables.items() if t.changed}
    if changed or files:
        _commit(data_dir, changed, dict(files or {}))
    return pd.DataFrame(report, columns=list(REPORT_COLUMNS)).astype("string")


def _norm(column: str, value: str) -> str:
    value = (value or "").strip()
    if column == "handle":
        return value.lstrip("@").casefold()
    if column in ("present", "website", "blog", "participation"):
        return value.lower()
    return value


def _find(table: _Table, key: Mapping[str, str], loose: str | None) -> tuple[str, int | None]:
    """``("row", i)`` to merge into, ``("foreign", i)`` to report against, or ``("new", None)``."""
    rows = list(table.rows())
    for i, row in rows:
        if all(_norm(c, row.get(c, "")) == _norm(c, v) for c, v in key.items()):
            return "row", i
    if loose is None:
        return "new", None
    peers = [
        (i, row)
        for i, row in rows
        if all(row.get(c, "").strip() == v for c, v in key.items() if c != loose)
    ]
    for i, row in peers:
        if not collectable(row.get("source", "")):
            return "foreign", i
    for i, row in peers:
        if not row.get(loose, "").strip():
            return "row", i
    return "new", None


def _merge(table: _Table, proposal: Proposal, key_cols: list[str]) -> list[dict[str, str]]:
    name = table.path.name
    key = {c: proposal.key.get(c, "") for c in key_cols}
    where, i = _find(table, key, _LOOSE_KEY.get(table.path.stem))
    if where == "new":
        row = dict(key)
        for block in proposal.blocks:
            row.update(block)
        row["source"] = proposal.source
        table.append(row)
        shown = "/".join(key.values())
        return [
            _entry(name, shown, c, "", "", v, proposal.source, "added")
            for block in proposal.blocks
            for c, v in block.items()
            if v != ""
        ]
    row = table.chunks[i][1]
    assert row is not None
    old_source = row.get("source", "").strip()
    shown = "/".join(row.get(c, "").strip() for c in key_cols)
    kinds = {kind for kind, _ in split_citations(old_source)}
    own = {kind for kind, _ in split_citations(proposal.source)}
    entries_of = _value_sources(table, i)
    # Values a person typed without a source are nobody's: writing the row's source
    # would credit them to this collector, so such a row is left for its author.
    unattributed = not old_source and any(
        row.get(c, "").strip() and c not in entries_of
        for c in value_fields(table.path.stem, table.path.parent)[1]
    )
    writable = where == "row" and collectable(old_source) and not unattributed
    # the row's key itself (e.g. an empty handle being completed) is a block of its own
    blocks = [{c: v for c, v in key.items() if _norm(c, row.get(c, "")) != _norm(c, v)}]
    blocks += [dict(b) for b in proposal.blocks]
    entries, writes = [], {}
    for block in blocks:
        actions = {}
        for column, new in block.items():
            old = row.get(column, "").strip()
            if _norm(column, old) == _norm(column, new) or new == "":
                continue
            mine = (
                {k for k, _ in split_citations(entries_of[column])}
                if column in entries_of
                else kinds
            )
            if not writable or (column in entries_of and not mine <= own):
                # a value with a source of its own that is not this collector's is never updated
                actions[column] = "conflict" if old else "skipped"
            elif not old:
                actions[column] = "filled"
            elif mine and mine <= own:
                actions[column] = "updated"
            else:
                actions[column] = "conflict"
        blocked = any(a in ("conflict", "skipped") for a in actions.values())
        for column, action in actions.items():
            if blocked and action in ("filled", "updated"):
                action = "held"
            if action in ("filled", "updated"):
                writes[column] = block[column]
            entries.append(
                _entry(
                    name,
                    shown,
                    column,
                    row.get(column, "").strip(),
                    old_source,
                    block[column],
                    proposal.source,
                    action,
                )
            )
    if writes:
        row.update(writes)
        row["source"] = _cite(old_source, proposal.source)
        table.changed.add(i)
    return entries


def _value_sources(table: _Table, i: int) -> dict[str, str]:
    """The ``sources`` entries of row `i` (validated by the loader before any merge)."""
    row = table.chunks[i][1] or {}
    return value_sources(row.get("sources", ""))


def _cite(old: str, new: str) -> str:
    """`old` with `new` appended, dropping an earlier citation of the same item."""
    item = new.split(",")[0].strip()
    kept = [text for _, text in split_citations(old) if text.split(",")[0].strip() != item]
    return "; ".join([*kept, new])


def _entry(file, key, column, old, old_source, new, new_source, action) -> dict[str, str]:
    values = (file, key, column, old, old_source, new, new_source, action)
    return dict(zip(REPORT_COLUMNS, values, strict=True))


def _commit(data_dir: Path, tables: dict[str, _Table], files: dict[str, str]) -> None:
    """Validate the new tables and exports on a scratch copy, then write each atomically."""
    texts = {name: t.text() for name, t in tables.items()}
    with tempfile.TemporaryDirectory(prefix="collect-") as tmp:
        scratch = Path(tmp)
        for path in data_dir.iterdir():
            if path.is_file() and path.suffix in (".csv", ".yml"):
                shutil.copy2(path, scratch / path.name)
        for name, text in texts.items():
            (scratch / f"{name}.csv").write_text(text, encoding="utf-8", newline="")
        exports.stage(data_dir, scratch, files)  # posts/ as it will be
        try:
            listed = load_all(scratch)["exports"]
            if files:  # the new exports, read by their importers, are the accounts they say
                exports.posts(
                    sorted(set(listed.loc[listed["file"].isin(files), "country"])), scratch
                )
        except ExportFormatError as exc:
            raise ExportFormatError(
                data_dir / Path(exc.path).relative_to(scratch),
                exc.record,
                exc.field,
                f"{exc.problem} (in a collected export; nothing was written)",
            ) from None
        except DataError as exc:
            problems = [
                Problem(
                    data_dir / Path(str(p.path)).name if p.path else None,
                    p.line,
                    p.column,
                    f"{p.message} (after merging the collected rows; nothing was written)",
                )
                for p in exc.problems
            ]
            raise DataError(problems) from None
    for name, text in files.items():  # before exports.csv names them
        write_atomic(data_dir / name, text)
    for name, text in texts.items():
        path = tables[name].path
        fd, tmp_path = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
            os.replace(tmp_path, path)
        except BaseException:
            Path(tmp_path).unlink(missing_ok=True)
            raise
