"""One CSV file of data/raw, read and checked cell by cell against its schema.

The schema of every file is in ``codebook.yml`` (``tables:``): columns, required
cells, allowed values, patterns, types and the primary key. A problem is reported
with the file, the line (as an editor counts it, quoted line breaks included) and the
column (:class:`analysis.base.errors.DataError`); a table comes back typed only when
every cell passed. Checks across tables (foreign keys) are :mod:`analysis.data.load`'s.

Text is compared as a reader sees it: every file is normalised to Unicode NFC when it
is read (``España`` typed with a combining accent is the same key as the precomposed
one), a handle is compared without case and without its leading ``@`` (``@SRE_mx`` and
``@sre_MX`` are one account), and a cell may not hold an invisible character that
could make two equal-looking values differ or reorder what a reader sees: control
characters, and format characters such as the zero-width space (U+200B), bidi controls
(U+202A-U+202E, U+2066-U+2069) or a byte-order mark inside the text (U+FEFF), each
named by its code point. Values that should be codes are shown with every non-ASCII
character escaped, so a look-alike letter is visible in the message. A file larger
than the codebook's ``limits`` (rows, bytes) is refused before it is parsed further.

>>> df = read_table("countries")
>>> df.loc[df["iso3"] == "MEX", "name_es"].tolist()
['México']
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections import OrderedDict
from pathlib import Path

import pandas as pd

from analysis.base.errors import DataError, Problem, shown
from analysis.base.paths import DATA_DIR
from analysis.data import countries, dates
from analysis.data.codebook import digest, load_codebook, table_schemas, value_fields

__all__ = [
    "LIMITS",
    "MAX_COUNT",
    "REQUIRED_TABLES",
    "handle_key",
    "limits",
    "read_table",
    "value_source",
    "value_sources",
]

#: Files every data directory must have; the others may be absent (read as empty).
REQUIRED_TABLES = ("countries", "institutions", "accounts", "website_criteria")
_COUNT = re.compile(r"[0-9]+")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
#: The largest count a cell may hold: beyond any audience, and inside a 64-bit integer.
MAX_COUNT = 10**15
_BOOLEAN = {"true": True, "false": False}
# C0 and C1 control characters other than tab and line breaks: never data, often an
# encoding accident, and a way to smuggle terminal or markup tricks into the paper.
_BLANKS = " \t\r\n"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Unicode categories no cell may hold: format characters (zero-width, bidi controls, a BOM
# inside the text), line and paragraph separators.
_INVISIBLE = ("Cf", "Zl", "Zp")
#: The bounds of a table when the codebook's ``limits`` does not set them.
LIMITS = {
    "rows_per_table": 20_000,
    "bytes_per_table": 32 * 2**20,
    "accounts_per_country": 1_000,
    "posts_per_build": 1_000_000,
}


def limits(data_dir: str | Path | None = None) -> dict[str, int]:
    """The size limits of a data directory: codebook ``limits``, else :data:`LIMITS`."""
    given = load_codebook(data_dir).get("limits") or {}
    return {k: int(given.get(k, v)) for k, v in LIMITS.items()}


def handle_key(handle) -> str:
    """A handle as it is compared: without case and without a leading ``@``.

    >>> handle_key("@SRE_mx") == handle_key("sre_MX")
    True
    """
    return str(handle).strip().lstrip("@").casefold()


def _invisible(text: str) -> str | None:
    """The first character of `text` that no cell may hold, described; else None."""
    for ch in text:
        if unicodedata.category(ch) in _INVISIBLE:
            name = unicodedata.name(ch, "unnamed")
            return f"U+{ord(ch):04X} {name}"
    return None


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, refused by its size before a byte is read when it is too large."""
    size = path.stat().st_size
    if size > max_bytes:
        raise DataError(
            Problem(
                path,
                None,
                None,
                f"{size:,} bytes, more than a table may hold ({max_bytes:,}: codebook.yml, "
                "limits.bytes_per_table)",
            )
        )
    return path.read_bytes()


def _decode(path: Path, raw: bytes) -> str:
    """UTF-8 without a leading BOM, in NFC (one key however an editor composed accents)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            Problem(
                path, line, None, f"not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
            )
        ) from None
    return unicodedata.normalize("NFC", text.removeprefix("\ufeff"))


def _records(
    path: Path, text: str, max_rows: int
) -> tuple[list[str], list[list[str]], list[int], list[Problem]]:
    """The header, the records and the line each record starts on, and shape problems.

    Read with the csv module so a quoted field may hold line breaks and every
    record still gets the line an editor shows it on. Reading stops past `max_rows`.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems: list[Problem] = []
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise DataError(Problem(path, 1, None, f"not a readable CSV ({exc})")) from None
    if not header:
        raise DataError(Problem(path, 1, None, "empty (no header line)"))
    records, lines = [], []
    start = reader.line_num + 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise DataError(Problem(path, start, None, f"not a readable CSV ({exc})")) from None
        if record and any(cell.strip(_BLANKS) for cell in record):
            if len(record) != len(header):
                problems.append(
                    Problem(
                        path,
                        start,
                        None,
                        f"{len(record)} fields, but the header has {len(header)} "
                        "(a missing or extra comma, or an unquoted comma in a value)",
                    )
                )
            else:
                records.append(record)
                lines.append(start)
                if len(records) > max_rows:
                    raise DataError(
                        Problem(
                            path,
                            start,
                            None,
                            f"more than {max_rows:,} rows, the most a table may hold "
                            "(codebook.yml, limits.rows_per_table)",
                        )
                    )
        start = reader.line_num + 1
    return header, records, lines, problems


def _is_date(text: str) -> bool:
    try:
        dates.parse(text)
    except ValueError:
        return False
    return True


def _why_not_date(text: str) -> str:
    try:
        dates.parse(text)
    except ValueError as exc:
        return str(exc).split(": ", 1)[-1] if ": " in str(exc) else str(exc)
    return "?"


def _check_cells(path: Path, df: pd.DataFrame, spec: dict, book: dict) -> list[Problem]:
    """Check every cell against its field spec; return the problems found, column by
    column, each check's in line order.

    The frame's index holds each record's line in the file; its cells are text. The cells
    are checked as Python strings, a column at a time (for tables of data/raw's size,
    far faster than a pandas operation per check).
    """
    problems = []
    lines = df.index.tolist()

    def bad(found: list[tuple[int, str]], col: str, message) -> None:
        problems.extend(Problem(path, i, col, message(v)) for i, v in found)

    for col, fs in spec["fields"].items():
        cells = list(zip(lines, df[col].tolist(), strict=True))
        if fs.get("required"):
            bad([(i, v) for i, v in cells if v == ""], col, lambda v: "empty, but required")
        present = [(i, v) for i, v in cells if v != ""]
        control = [(i, v) for i, v in present if _CONTROL.search(v)]
        bad(
            control,
            col,
            lambda v: f"holds a control character (U+{ord(_CONTROL.search(v)[0]):04X})",
        )
        controlled = {i for i, _ in control}
        unusual = [(i, v) for i, v in present if i not in controlled and not v.isprintable()]
        found = [(i, w) for i, w in ((i, _invisible(v)) for i, v in unusual) if w is not None]
        bad(
            found,
            col,
            lambda v: f"holds an invisible character ({v}); remove it, or type what it hides",
        )
        if "enum" in fs:
            allowed = fs["enum"] if isinstance(fs["enum"], list) else list(book[fs["enum"]])
            known = set(allowed)
            bad(
                [(i, v) for i, v in present if v not in known],
                col,
                lambda v, allowed=allowed: (
                    f"unknown value {shown(v, code=True)} (allowed: {', '.join(allowed)})"
                ),
            )
        if "pattern" in fs:
            pattern = re.compile(fs["pattern"])
            bad(
                [(i, v) for i, v in present if not pattern.fullmatch(v)],
                col,
                lambda v, fs=fs: f"{shown(v, code=True)} does not match {fs['pattern']}",
            )
        kind = fs.get("type", "string")
        if kind == "integer":
            counts = [(i, v) for i, v in present if _COUNT.fullmatch(v)]
            counted = {i for i, _ in counts}
            bad(
                [(i, v) for i, v in present if i not in counted],
                col,
                lambda v: f"{shown(v, code=True)} is not a count (a whole number, 0 or more)",
            )
            bad(
                [(i, v) for i, v in counts if int(v) > MAX_COUNT],
                col,
                lambda v: f"{v!r} is too large for a count (at most {MAX_COUNT:.0e})",
            )
        elif kind == "number":
            bad(
                [(i, v) for i, v in present if not _NUMBER.fullmatch(v)],
                col,
                lambda v: f"{shown(v, code=True)} is not a number",
            )
        elif kind == "boolean":
            bad(
                [(i, v) for i, v in present if v not in _BOOLEAN],
                col,
                lambda v: f"{shown(v, code=True)} is not a boolean (true or false)",
            )
        elif kind == "date":
            bad(
                [(i, v) for i, v in present if not _is_date(v)],
                col,
                lambda v: f"{shown(v, code=True)} is not a date: {_why_not_date(v)}",
            )
    return problems


# One entry of a ``sources`` cell: the columns, a colon, the citation.
_VALUE_SOURCE = re.compile(r"([a-z][a-z0-9_]*(?:\s*,\s*[a-z][a-z0-9_]*)*)\s*:\s*(\S.*)", re.DOTALL)


def value_sources(cell) -> dict[str, str]:
    """The per-value sources of a ``sources`` cell: column to citation.

    A row's ``source`` backs every value of the row; ``sources`` names the values that
    come from elsewhere, so a follower count typed by hand into a row Wikidata filled
    keeps its own attribution (and a collector never takes it for its own). Entries are
    ``column[, column]: citation``, separated by `` | ``.

    >>> value_sources("followers, as_of: hand entry, A. Pérez, 2026-12-01 | posts: Benayas 2021")
    ... # doctest: +NORMALIZE_WHITESPACE
    {'followers': 'hand entry, A. Pérez, 2026-12-01',
     'as_of': 'hand entry, A. Pérez, 2026-12-01', 'posts': 'Benayas 2021'}
    >>> value_sources("")
    {}

    Raises
    ------
    ValueError
        For an entry that is not ``column: citation``, or a column named twice.
    """
    if cell is None or (not isinstance(cell, str) and pd.isna(cell)) or not str(cell).strip():
        return {}
    out: dict[str, str] = {}
    for entry in str(cell).split("|"):
        m = _VALUE_SOURCE.fullmatch(entry.strip())
        if not m:
            raise ValueError(
                f"{shown(entry.strip())} is not 'column[, column]: citation' "
                "(entries are separated by ' | ')"
            )
        for column in (c.strip() for c in m[1].split(",")):
            if column in out:
                raise ValueError(f"names '{column}' twice")
            out[column] = m[2].strip()
    return out


def value_source(row, column: str) -> str:
    """The citation behind one value of a row: its ``sources`` entry, else the row's ``source``.

    >>> value_source({"source": "Wikidata Q1, P2002, retrieved 2026-11-30",
    ...               "sources": "followers: hand entry, A. Pérez, 2026-12-01"}, "followers")
    'hand entry, A. Pérez, 2026-12-01'
    """
    own = value_sources(row.get("sources")).get(column)
    if own:
        return own
    source = row.get("source")
    return "" if source is None or pd.isna(source) else str(source)


def _check_value_sources(path: Path, df: pd.DataFrame, values: list[str]) -> list[Problem]:
    """Each ``sources`` entry names a value column of the table that holds a value."""
    problems = []
    for line, cell in df["sources"][df["sources"] != ""].items():
        try:
            named = value_sources(cell)
        except ValueError as exc:
            problems.append(Problem(path, line, "sources", str(exc)))
            continue
        for column in named:
            if column not in values:
                problems.append(
                    Problem(
                        path,
                        line,
                        "sources",
                        f"'{column}' is not a value column of this table "
                        f"(value columns: {', '.join(values)})",
                    )
                )
            elif df.at[line, column] == "":
                problems.append(
                    Problem(
                        path,
                        line,
                        "sources",
                        f"gives a source for '{column}', which is empty: an unknown value "
                        "has no source (fill the value or remove its entry)",
                    )
                )
    return problems


def _check_key(path: Path, df: pd.DataFrame, key: list[str]) -> list[Problem]:
    """Rows whose key repeats an earlier row's; handles compared by :func:`handle_key`."""
    compared = df[key].copy()
    for col in key:
        if col == "handle":
            compared[col] = compared[col].map(handle_key)
    dup = compared.duplicated(keep=False)
    problems = []
    for _, group in compared[dup].groupby(key, sort=False):
        first, *others = group.index
        for i in others:
            value = ", ".join(f"{k}={shown(df.at[i, k])}" for k in key)
            same = (
                f" ({shown(df.at[first, 'handle'])}: handles are compared without case and @)"
                if "handle" in key and df.at[first, "handle"] != df.at[i, "handle"]
                else ""
            )
            problems.append(
                Problem(path, i, None, f"duplicate key ({value}) already on line {first}{same}")
            )
    return problems


def _check_countries(path: Path, df: pd.DataFrame) -> list[Problem]:
    """Country codes must be ISO 3166-1 alpha-3 codes that ISO assigns (pycountry's list)."""
    codes = df["iso3"]
    codes = codes[codes.str.fullmatch(countries.PATTERN.pattern)]
    unknown = codes[~codes.map(countries.is_assigned)]
    return [
        Problem(path, i, "iso3", f"{shown(c, code=True)} is not an ISO 3166-1 alpha-3 code")
        for i, c in unknown.items()
    ]


def _typed(df: pd.DataFrame, spec: dict) -> pd.DataFrame:
    """Convert validated strings to typed columns; an empty cell becomes missing (NA)."""
    out = df.replace("", pd.NA)
    for col, fs in spec["fields"].items():
        kind = fs.get("type", "string")
        if kind == "integer":
            out[col] = pd.to_numeric(out[col]).astype("Int64")
        elif kind == "number":
            out[col] = pd.to_numeric(out[col]).astype("Float64")
        elif kind == "boolean":
            out[col] = out[col].map(_BOOLEAN, na_action="ignore").astype("boolean")
        else:
            out[col] = out[col].astype("string")
    return out


#: Tables read and found valid, by name, content and codebook: a copy of data/raw (a test's,
#: or a reading's in robustness) is not parsed and checked again. Only valid tables are
#: kept (a problem names its own file), and only the most recent few.
_READ: OrderedDict[tuple[str, str, str], pd.DataFrame] = OrderedDict()
_READ_KEPT = 64


def _keep(key: tuple[str, str, str], table: pd.DataFrame) -> None:
    _READ[key] = table
    if len(_READ) > _READ_KEPT:
        _READ.popitem(last=False)


def read_table(name: str, data_dir: str | Path | None = None) -> pd.DataFrame:
    """Read one file of data/raw, check it against its schema, and return it typed.

    The index is the line each row starts on in the file. Foreign keys are checked
    by :func:`load_all`, which sees every table at once.

    Raises
    ------
    DataError
        Naming the file, the line and the column of every problem found.
    """
    data_dir = Path(data_dir or DATA_DIR)
    book = load_codebook(data_dir)
    spec = table_schemas(data_dir)[name]
    columns = list(spec["fields"])
    path = data_dir / f"{name}.csv"
    if not path.exists():
        if name in REQUIRED_TABLES:
            raise DataError(
                Problem(path, None, None, f"missing (every data directory needs {name}.csv)")
            )
        key = (name, "", digest(data_dir))
        if key not in _READ:
            empty = pd.DataFrame({c: pd.Series(dtype=str) for c in columns})
            _keep(key, _typed(empty.rename_axis("line"), spec))
        return _READ[key].copy()
    if not path.is_file():
        raise DataError(Problem(path, None, None, "not a file"))
    bounds = limits(data_dir)
    raw = _read_bytes(path, bounds["bytes_per_table"])
    key = (name, hashlib.blake2b(raw).hexdigest(), digest(data_dir))
    if key in _READ:
        _READ.move_to_end(key)
        return _READ[key].copy()
    text = _decode(path, raw)
    header, records, lines, problems = _records(path, text, bounds["rows_per_table"])
    header = [h.strip() for h in header]
    optional = {c for c, fs in spec["fields"].items() if fs.get("column") == "optional"}
    missing = [c for c in columns if c not in header and c not in optional]
    extra = [c for c in header if c not in columns]
    problems = (
        [Problem(path, 1, None, f"missing column '{c}'") for c in missing]
        + [
            Problem(path, 1, None, f"unknown column '{c}' (expected: {', '.join(columns)})")
            for c in extra
        ]
        + problems
    )
    if len(set(header)) < len(header):
        problems.append(Problem(path, 1, None, "a column name appears twice"))
    if problems:
        raise DataError(problems)
    df = pd.DataFrame(records, columns=header, index=pd.Index(lines, name="line"), dtype=str)
    for c in optional - set(header):
        df[c] = ""
    # Only blanks are trimmed: str.strip() would also eat control characters (U+000B,
    # U+001C-U+001F, U+0085) that must be reported, not silently dropped.
    df = df[columns].apply(lambda s: s.str.strip(_BLANKS))
    problems = _check_cells(path, df, spec, book)
    if "sources" in df:
        problems += _check_value_sources(path, df, value_fields(name, data_dir)[1])
    if name == "countries":
        problems += _check_countries(path, df)
    if spec.get("primary_key"):
        problems += _check_key(path, df, spec["primary_key"])
    if problems:
        raise DataError(problems)
    _keep(key, _typed(df, spec))
    return _READ[key].copy()
