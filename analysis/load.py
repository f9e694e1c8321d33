"""Read data/raw, validate it against the codebook, and hand out a typed :class:`Study`.

Every file of data/raw is checked against its schema in ``codebook.yml``
(``tables:``): the shape of every record, columns, required cells, allowed values,
types, primary keys and foreign keys. A problem is reported with the file, the
line and the column (:class:`analysis.errors.DataError`), and nothing is returned
or written, so a figure can never be drawn from bad data.

>>> from analysis import load
>>> s = load.study("MEX", "CHL")
>>> s.accounts.groupby("country").size().to_dict()
{'CHL': 25, 'MEX': 17}
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field, fields
from pathlib import Path

import pandas as pd

from analysis import dates
from analysis.codebook import load_codebook, table_schemas
from analysis.errors import DataError, Problem, UnknownCountryError, UsageError
from analysis.paths import DATA_DIR

__all__ = [
    "DataError",
    "REQUIRED_TABLES",
    "Study",
    "UnknownCountryError",
    "check_pair",
    "countries_with_data",
    "load_all",
    "measured_accounts",
    "posts",
    "read_table",
    "study",
    "write_processed",
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


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            Problem(
                path, line, None, f"not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
            )
        ) from None
    return text.removeprefix("\ufeff")


def _records(path: Path, text: str) -> tuple[list[str], list[list[str]], list[int], list[Problem]]:
    """The header, the records and the line each record starts on, and shape problems.

    Read with the csv module so a quoted field may hold line breaks and every
    record still gets the line an editor shows it on.
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
        start = reader.line_num + 1
    return header, records, lines, problems


def _is_date(text: str) -> bool:
    try:
        dates.parse(text)
    except ValueError:
        return False
    return True


def _check_cells(path: Path, df: pd.DataFrame, spec: dict, book: dict) -> list[Problem]:
    """Check every cell against its field spec; return the problems found.

    The frame's index holds each record's line in the file.
    """
    problems = []

    def bad(mask_values: pd.Series, col: str, message) -> None:
        problems.extend(Problem(path, i, col, message(v)) for i, v in mask_values.items())

    for col, fs in spec["fields"].items():
        values = df[col]
        empty = values == ""
        if fs.get("required"):
            bad(values[empty], col, lambda v: "empty, but required")
        present = values[~empty]
        bad(
            present[present.str.contains(_CONTROL)],
            col,
            lambda v: f"holds a control character (U+{ord(_CONTROL.search(v)[0]):04X})",
        )
        if "enum" in fs:
            allowed = fs["enum"] if isinstance(fs["enum"], list) else list(book[fs["enum"]])
            bad(
                present[~present.isin(allowed)],
                col,
                lambda v, allowed=allowed: f"unknown value {v!r} (allowed: {', '.join(allowed)})",
            )
        if "pattern" in fs:
            bad(
                present[~present.str.fullmatch(fs["pattern"])],
                col,
                lambda v, fs=fs: f"{v!r} does not match {fs['pattern']}",
            )
        kind = fs.get("type", "string")
        if kind == "integer":
            is_count = present.str.fullmatch(_COUNT)
            bad(
                present[~is_count],
                col,
                lambda v: f"{v!r} is not a count (a whole number, 0 or more)",
            )
            too_big = present[is_count].map(lambda v: int(v) > MAX_COUNT)
            bad(
                present[is_count][too_big],
                col,
                lambda v: f"{v!r} is too large for a count (at most {MAX_COUNT:.0e})",
            )
        elif kind == "number":
            bad(present[~present.str.fullmatch(_NUMBER)], col, lambda v: f"{v!r} is not a number")
        elif kind == "boolean":
            bad(
                present[~present.isin(list(_BOOLEAN))],
                col,
                lambda v: f"{v!r} is not a boolean (true or false)",
            )
        elif kind == "date":
            bad(
                present[~present.map(_is_date)],
                col,
                lambda v: f"{v!r} is not a date (YYYY, YYYY-MM, YYYY-MM-DD, YYYY-Qn, or A/B)",
            )
    return problems


def _check_key(path: Path, df: pd.DataFrame, key: list[str]) -> list[Problem]:
    dup = df.duplicated(key, keep=False)
    problems = []
    for _, group in df[dup].groupby(key, sort=False):
        first, *others = group.index
        for i in others:
            value = ", ".join(f"{k}={df.at[i, k]!r}" for k in key)
            problems.append(
                Problem(path, i, None, f"duplicate key ({value}) already on line {first}")
            )
    return problems


def _check_countries(path: Path, df: pd.DataFrame) -> list[Problem]:
    """Country codes must be real ISO 3166-1 alpha-3 codes (pycountry's list)."""
    import pycountry

    codes = df["iso3"]
    codes = codes[codes.str.fullmatch(r"[A-Z]{3}")]
    unknown = codes[codes.map(lambda c: pycountry.countries.get(alpha_3=c) is None)]
    return [
        Problem(path, i, "iso3", f"{c!r} is not an ISO 3166-1 alpha-3 code")
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
        empty = pd.DataFrame({c: pd.Series(dtype=str) for c in columns})
        return _typed(empty.rename_axis("line"), spec)
    if not path.is_file():
        raise DataError(Problem(path, None, None, "not a file"))
    header, records, lines, problems = _records(path, _read_text(path))
    header = [h.strip() for h in header]
    missing = [c for c in columns if c not in header]
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
    # Only blanks are trimmed: str.strip() would also eat control characters (U+000B,
    # U+001C-U+001F, U+0085) that must be reported, not silently dropped.
    df = df[columns].apply(lambda s: s.str.strip(_BLANKS))
    problems = _check_cells(path, df, spec, book)
    if name == "countries":
        problems += _check_countries(path, df)
    if spec.get("primary_key"):
        problems += _check_key(path, df, spec["primary_key"])
    if problems:
        raise DataError(problems)
    return _typed(df, spec)


def _check_foreign_keys(tables: dict[str, pd.DataFrame], data_dir: Path) -> list[Problem]:
    problems = []
    for name, spec in table_schemas(data_dir).items():
        for cols, target in (spec.get("foreign_keys") or {}).items():
            ref_table, ref_cols = target.split(".")
            cols_l, ref_l = cols.split(","), ref_cols.split("+")
            df, ref = tables[name], tables[ref_table]
            known = set(map(tuple, ref[ref_l].astype(str).itertuples(index=False)))
            keys = df[cols_l].astype(str)
            for i, key in zip(df.index, keys.itertuples(index=False), strict=True):
                if tuple(key) not in known:
                    shown = ", ".join(f"{c}={v!r}" for c, v in zip(cols_l, key, strict=True))
                    problems.append(
                        Problem(
                            data_dir / f"{name}.csv",
                            i,
                            cols_l[-1],
                            f"{shown} is not in {ref_table}.csv",
                        )
                    )
    return problems


#: The last validated tables of each data directory, with the fingerprint of its files.
_VALIDATED: dict[Path, tuple[tuple, dict[str, pd.DataFrame]]] = {}


def _fingerprint(data_dir: Path) -> tuple:
    """The contents of the files of `data_dir` (hashed) and the names in its posts/.

    Contents, not modification times: two edits within a clock tick must not look alike.
    """
    import hashlib

    entries = []
    for folder in (data_dir, data_dir / EXPORTS_DIR):
        try:
            with os.scandir(folder) as it:
                for entry in it:
                    if folder == data_dir and entry.is_file():
                        digest = hashlib.blake2b(Path(entry.path).read_bytes()).hexdigest()
                    else:
                        digest = entry.stat().st_size
                    entries.append((folder.name, entry.name, digest))
        except FileNotFoundError:
            continue
    return tuple(sorted(entries))


def load_all(data_dir: str | Path | None = None) -> dict[str, pd.DataFrame]:
    """Read and validate every table of the data contract, foreign keys included.

    Problems of all files are collected before raising, so one run lists them all.
    A directory whose files have not changed since they were last validated in this
    process is not read again (a copy of the tables is returned).
    """
    data_dir = Path(data_dir or DATA_DIR)
    key, stamp = data_dir.resolve(), _fingerprint(data_dir)
    cached = _VALIDATED.get(key)
    if cached is not None and cached[0] == stamp:
        return {name: df.copy() for name, df in cached[1].items()}
    tables = _load_all(data_dir)
    _VALIDATED[key] = (stamp, {name: df.copy() for name, df in tables.items()})
    return tables


def _load_all(data_dir: Path) -> dict[str, pd.DataFrame]:
    tables, problems = {}, []
    for name in table_schemas(data_dir):
        try:
            tables[name] = read_table(name, data_dir)
        except DataError as exc:
            problems += exc.problems
    if not problems:
        problems = _check_foreign_keys(tables, data_dir) + _check_claims(tables, data_dir)
        problems += _check_exports(tables["exports"], data_dir)
    if problems:
        raise DataError(problems)
    return tables


def _check_claims(tables: dict[str, pd.DataFrame], data_dir: Path) -> list[Problem]:
    """Every claim names a check of analysis.replication with params that fit it, so a bad
    claim fails in ``make validate``, not late in a notebook."""
    from analysis.replication import params_problem

    path = data_dir / "claims.csv"
    claims = tables.get("claims")
    if claims is None:
        return []
    out = []
    for line, row in claims.iterrows():
        problem = params_problem(row["check"], None if pd.isna(row["params"]) else row["params"])
        if problem:
            column = "check" if problem.startswith("unknown check") else "params"
            out.append(Problem(path, line, column, problem))
    return out


def countries_with_data(data_dir: str | Path | None = None) -> list[str]:
    """ISO codes of the countries that data/raw has (countries.csv), sorted."""
    return sorted(read_table("countries", data_dir)["iso3"].dropna().tolist())


@dataclass(frozen=True)
class Study:
    """The data of one pair of countries, ``a`` compared with ``b``.

    Every table holds the rows of the two countries only, in pair order (``claims``:
    the statements whose countries the pair has). ``accounts`` holds the accounts
    that exist (``present`` true); ``accounts_all`` also the rows not yet checked or
    checked absent.
    """

    a: str
    b: str
    countries: pd.DataFrame = field(repr=False)
    institutions: pd.DataFrame = field(repr=False)
    accounts: pd.DataFrame = field(repr=False)
    accounts_all: pd.DataFrame = field(repr=False)
    website_criteria: pd.DataFrame = field(repr=False)
    agenda: pd.DataFrame = field(repr=False)
    interaction: pd.DataFrame = field(repr=False)
    representations: pd.DataFrame = field(repr=False)
    sample_sites: pd.DataFrame = field(repr=False)
    sample_platforms: pd.DataFrame = field(repr=False)
    rankings: pd.DataFrame = field(repr=False)
    claims: pd.DataFrame = field(repr=False)
    exports: pd.DataFrame = field(repr=False)
    hand_codes: pd.DataFrame = field(repr=False)
    data_dir: Path = field(repr=False, default=DATA_DIR)

    @classmethod
    def table_names(cls) -> list[str]:
        """The tables a study holds, in field order."""
        return [f.name for f in fields(cls) if f.type == "pd.DataFrame"]

    @classmethod
    def from_tables(
        cls, a: str, b: str, tables: dict[str, pd.DataFrame], data_dir: str | Path = DATA_DIR
    ) -> Study:
        """A study from already-validated tables (one per :meth:`table_names`)."""
        missing = [t for t in cls.table_names() if t not in tables]
        if missing:
            raise KeyError(f"a study needs the tables {missing}")
        own = {t: tables[t] for t in cls.table_names()}
        return cls(a=a, b=b, data_dir=Path(data_dir), **own)

    @property
    def pair(self) -> tuple[str, str]:
        return (self.a, self.b)

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by name."""
        return {t: getattr(self, t) for t in self.table_names()}

    def country_name(self, iso3: str, lang: str = "en") -> str:
        """The country's name in `lang` from countries.csv."""
        row = self.countries.set_index("iso3").loc[iso3]
        return str(row[f"name_{lang}"])


def _pair_rows(df: pd.DataFrame, pair: tuple[str, str]) -> pd.DataFrame:
    if "country" in df.columns:
        df = df[df["country"].isin(pair)]
    elif "countries" in df.columns:  # statements about several countries: the pair has them all
        df = df[df["countries"].str.split().map(lambda cs: set(cs) <= set(pair))]
    elif "iso3" in df.columns:
        df = df[df["iso3"].isin(pair)]
    order = {c: i for i, c in enumerate(pair)}
    key = "country" if "country" in df.columns else "iso3" if "iso3" in df.columns else None
    if key is not None:
        df = df.sort_values(key, key=lambda s: s.map(order).fillna(-1), kind="stable")
    return df.reset_index(drop=True)


def check_pair(a: str, b: str, data_dir: str | Path | None = None) -> None:
    """Fail fast when a country of the pair has no data, listing those that have.

    Only countries.csv is read, so a wrong pair fails in well under a second.
    """
    if a == b:
        raise UsageError(f"a pair needs two different countries, got {a!r} twice")
    have = countries_with_data(data_dir)
    for iso in (a, b):
        if iso not in have:
            raise UnknownCountryError(
                f"no data for country {iso!r} in {Path(data_dir or DATA_DIR)}; "
                f"countries with data: {', '.join(have)}",
                country=iso,
                available=tuple(have),
            )


def study(a: str, b: str, data_dir: str | Path | None = None) -> Study:
    """Load and validate data/raw and return the data of the pair (`a`, `b`).

    Raises
    ------
    UnknownCountryError
        When `a` or `b` has no data; the message lists the countries that have.
    DataError
        When any file of data/raw is invalid.
    """
    data_dir = Path(data_dir or DATA_DIR)
    check_pair(a, b, data_dir)
    tables = load_all(data_dir)
    # An account row is an observation "this institution is on this platform" only
    # when `present` is true; rows still to fill or checked absent stay in accounts_all.
    tables["accounts_all"] = tables["accounts"]
    tables["accounts"] = tables["accounts"][tables["accounts"]["present"].fillna(False)]
    return Study.from_tables(a, b, {k: _pair_rows(v, (a, b)) for k, v in tables.items()}, data_dir)


def write_processed(out_dir: str | Path, data_dir: str | Path | None = None) -> list[Path]:
    """Validate data/raw and write every table to `out_dir` as CSV and Parquet.

    Writes into a temporary directory beside `out_dir` and swaps it in at the
    end, so a failure leaves the previous output untouched and nothing half-written.
    The CSV files neutralise spreadsheet formulas (:func:`analysis.files.csv_text`); the
    Parquet files keep every value exactly.
    """
    from analysis.files import pending

    tables = load_all(data_dir)
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    with pending(tmp):
        _write_tables(tables, tmp, out_dir)
    return sorted(out_dir.iterdir())


def _write_tables(tables: dict[str, pd.DataFrame], tmp: Path, out_dir: Path) -> None:
    from analysis.files import csv_text, replace_dir, umask, write_atomic

    try:
        for name, df in tables.items():
            write_atomic(tmp / f"{name}.csv", csv_text(df))
            df.to_parquet(tmp / f"{name}.parquet", index=False)
            os.chmod(tmp / f"{name}.parquet", 0o666 & ~umask())
        replace_dir(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def posts(
    countries: tuple[str, ...] | list[str], data_dir: str | Path | None = None
) -> pd.DataFrame:
    """The exported posts of the given countries' accounts, read with their importers.

    ``exports.csv`` lists each export kept under ``data/raw/posts/`` with its format
    and the account's country and role; the export itself stays exactly as the
    platform wrote it. Countries without exports give an empty posts table.

    Raises
    ------
    DataError
        When exports.csv names a file that is not there, or one outside posts/.
    analysis.errors.ExportFormatError
        When a record of an export is malformed (names the file, record and field).
    """
    from analysis.importers import empty_posts, reader

    data_dir = Path(data_dir or DATA_DIR)
    exports = read_table("exports", data_dir)
    problems = _check_exports(exports, data_dir)
    if problems:
        raise DataError(problems)
    exports = exports[exports["country"].isin(list(countries))]
    frames = []
    for _, row in exports.iterrows():
        kwargs = {} if pd.isna(row["platform"]) else {"platform": row["platform"]}
        frames.append(
            reader(row["format"])(
                export_path(row["file"], data_dir),
                country=row["country"],
                role=row["role"],
                **kwargs,
            )
        )
    if not frames:
        return empty_posts()
    return pd.concat(frames, ignore_index=True)


#: Where the exports live, under a data directory; nothing outside it is ever read.
EXPORTS_DIR = "posts"


#: The platform an export format implies, where exports.csv leaves ``platform`` empty
#: (a Meta CSV can be Facebook or Instagram: its rows must say).
_FORMAT_PLATFORM = {"twitter_v2": "twitter", "youtube": "youtube", "youtube_comments": "youtube"}


def measured_accounts(
    countries: tuple[str, ...] | list[str], data_dir: str | Path | None = None
) -> list[tuple[str, str, str]]:
    """``(country, role, platform)`` of the accounts whose exports record their own replies
    on a platform not in ``levels_measured_on``.

    An account qualifies when ``exports.csv`` lists, for it, a format of the codebook's
    ``levels_measured_with`` together with every format that one needs beside it (YouTube:
    the comment threads with the videos).
    """
    data_dir = Path(data_dir or DATA_DIR)
    needs = load_codebook(data_dir).get("levels_measured_with") or {}
    exports = read_table("exports", data_dir)
    exports = exports[exports["country"].isin(list(countries))]
    out = []
    implied = exports["format"].map(_FORMAT_PLATFORM)
    keys = exports.assign(platform=exports["platform"].fillna(implied).fillna(""))
    for key, part in keys.groupby(["country", "role", "platform"], sort=True):
        formats = set(part["format"])
        if any(f in formats and set(needs[f]) <= formats for f in needs):
            out.append(tuple(map(str, key)))
    return out


def export_path(file: str, data_dir: str | Path | None = None) -> Path:
    """The export `file` of exports.csv as a path that is certainly inside ``data_dir/posts``.

    The path is resolved (``..`` and symbolic links followed) before it is checked, so
    neither can lead out of the folder.

    Raises
    ------
    ValueError
        When the resolved path leaves ``posts/``.
    """
    root = (Path(data_dir or DATA_DIR) / EXPORTS_DIR).resolve()
    path = (Path(data_dir or DATA_DIR) / file).resolve()
    if not path.is_relative_to(root):
        raise ValueError(f"{file!r} leads outside {root} (an export must stay under posts/)")
    return path


def _check_exports(exports: pd.DataFrame, data_dir: Path) -> list[Problem]:
    """Every export named in exports.csv is a file inside posts/ (no ``..``, no link out)."""
    where = data_dir / "exports.csv"
    out = []
    for line, file in exports["file"].items():
        try:
            path = export_path(file, data_dir)
        except ValueError as exc:
            out.append(Problem(where, line, "file", str(exc)))
            continue
        if not path.is_file():
            out.append(Problem(where, line, "file", f"{file!r} is not a file under posts/"))
    return out
