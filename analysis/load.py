"""Read data/raw, validate it against the codebook, and hand out tidy DataFrames.

Every file of data/raw is checked against its schema in ``codebook.yml``
(``tables:``): columns, required cells, allowed values, types, primary keys and
foreign keys. A problem is reported with the file, the line and the column, and
nothing is returned or written, so a figure can never be drawn from bad data.

>>> from analysis import load
>>> s = load.study("MEX", "CHL")
>>> s.accounts.groupby("country").size().to_dict()
{'CHL': 25, 'MEX': 17}
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.codebook import DEFAULT_DATA_DIR, load_codebook, table_schemas

#: Files every data directory must have; the others may be absent (read as empty).
REQUIRED_TABLES = ("countries", "institutions", "accounts", "website_criteria")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_COUNT = re.compile(r"^\d+$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_BOOLEAN = {"true": True, "false": False}
MAX_REPORTED = 25


class DataError(ValueError):
    """Invalid data in data/raw. ``problems`` lists one message per bad cell."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = problems[:MAX_REPORTED]
        more = len(problems) - len(shown)
        text = "\n".join(f"  - {p}" for p in shown)
        if more:
            text += f"\n  ... and {more} more"
        super().__init__(f"invalid data ({len(problems)} problem(s)):\n{text}")


class UnknownCountryError(LookupError):
    """A country was asked for that has no data."""


def _where(path: Path, row: int, column: str | None = None) -> str:
    # Data row i (0-based) sits on line i + 2 of the file: line 1 is the header.
    loc = f"{path}: line {row + 2}"
    return f"{loc}, column '{column}'" if column else loc


def _is_date(text: str) -> bool:
    m = _DATE.match(text)
    if not m:
        return False
    year, month, day = m.groups()
    try:
        pd.Timestamp(year=int(year), month=int(month or 1), day=int(day or 1))
    except ValueError:
        return False
    return True


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            [f"{path}: line {line}: not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})"]
        ) from None
    return text.removeprefix("\ufeff")


def _check_cells(path: Path, df: pd.DataFrame, spec: dict, book: dict) -> list[str]:
    """Check every cell against its field spec; return the problems found."""
    problems = []
    for col, fs in spec["fields"].items():
        values = df[col]
        empty = values == ""
        if fs.get("required"):
            problems += [_where(path, i, col) + ": empty, but required" for i in df.index[empty]]
        present = values[~empty]
        if "enum" in fs:
            allowed = fs["enum"] if isinstance(fs["enum"], list) else list(book[fs["enum"]])
            bad = present[~present.isin(allowed)]
            problems += [
                _where(path, i, col) + f": unknown value {v!r} (allowed: {', '.join(allowed)})"
                for i, v in bad.items()
            ]
        if "pattern" in fs:
            bad = present[~present.str.fullmatch(fs["pattern"])]
            problems += [
                _where(path, i, col) + f": {v!r} does not match {fs['pattern']}"
                for i, v in bad.items()
            ]
        kind = fs.get("type", "string")
        if kind == "integer":
            bad = present[~present.str.fullmatch(_COUNT)]
            problems += [
                _where(path, i, col) + f": {v!r} is not a count (a whole number, 0 or more)"
                for i, v in bad.items()
            ]
        elif kind == "number":
            bad = present[~present.str.fullmatch(_NUMBER)]
            problems += [_where(path, i, col) + f": {v!r} is not a number" for i, v in bad.items()]
        elif kind == "boolean":
            bad = present[~present.isin(list(_BOOLEAN))]
            problems += [
                _where(path, i, col) + f": {v!r} is not a boolean (true or false)"
                for i, v in bad.items()
            ]
        elif kind == "date":
            bad = present[~present.map(_is_date)]
            problems += [
                _where(path, i, col) + f": {v!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"
                for i, v in bad.items()
            ]
    return problems


def _check_key(path: Path, df: pd.DataFrame, key: list[str]) -> list[str]:
    dup = df.duplicated(key, keep=False)
    problems = []
    for _, group in df[dup].groupby(key, sort=False):
        first, *others = group.index
        for i in others:
            value = ", ".join(f"{k}={df.at[i, k]!r}" for k in key)
            problems.append(
                _where(path, i) + f": duplicate key ({value}) already on line {first + 2}"
            )
    return problems


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

    Foreign keys are checked by :func:`load_all`, which sees every table at once.

    Raises
    ------
    DataError
        Naming the file, the line and the column of every problem found.
    """
    data_dir = Path(data_dir or DEFAULT_DATA_DIR)
    book = load_codebook(data_dir)
    spec = table_schemas(data_dir)[name]
    columns = list(spec["fields"])
    path = data_dir / f"{name}.csv"
    if not path.exists():
        if name in REQUIRED_TABLES:
            raise DataError([f"{path}: missing (every data directory needs {name}.csv)"])
        return _typed(pd.DataFrame({c: pd.Series(dtype=str) for c in columns}), spec)
    from io import StringIO

    text = _read_text(path)
    try:
        df = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False, na_filter=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError([f"{path}: not a readable CSV ({exc})"]) from None
    missing = [c for c in columns if c not in df.columns]
    extra = [c for c in df.columns if c not in columns]
    problems = [f"{path}: line 1: missing column '{c}'" for c in missing]
    problems += [
        f"{path}: line 1: unknown column '{c}' (expected: {', '.join(columns)})" for c in extra
    ]
    if problems:
        raise DataError(problems)
    df = df[columns].apply(lambda s: s.str.strip())
    problems = _check_cells(path, df, spec, book)
    if spec.get("primary_key"):
        problems += _check_key(path, df, spec["primary_key"])
    if problems:
        raise DataError(problems)
    return _typed(df, spec)


def _check_foreign_keys(tables: dict[str, pd.DataFrame], data_dir: Path) -> list[str]:
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
                        _where(data_dir / f"{name}.csv", i, cols_l[-1])
                        + f": {shown} is not in {ref_table}.csv"
                    )
    return problems


def load_all(data_dir: str | Path | None = None) -> dict[str, pd.DataFrame]:
    """Read and validate every table of the data contract, foreign keys included.

    Problems of all files are collected before raising, so one run lists them all.
    """
    data_dir = Path(data_dir or DEFAULT_DATA_DIR)
    tables, problems = {}, []
    for name in table_schemas(data_dir):
        try:
            tables[name] = read_table(name, data_dir)
        except DataError as exc:
            problems += exc.problems
    if not problems:
        problems = _check_foreign_keys(tables, data_dir)
    if problems:
        raise DataError(problems)
    return tables


def countries_with_data(data_dir: str | Path | None = None) -> list[str]:
    """ISO codes of the countries that data/raw has (countries.csv), sorted."""
    return sorted(read_table("countries", data_dir)["iso3"].dropna().tolist())


@dataclass(frozen=True)
class Study:
    """The data of one pair of countries, ``a`` compared with ``b``.

    Every table holds the rows of the two countries only (``claims``: the
    statements whose countries the pair has). ``accounts`` holds the accounts
    that exist (``present`` true); ``accounts_all`` also the rows not yet checked
    or checked absent. The pair's order is the order of tables and figures.
    """

    a: str
    b: str
    tables: dict[str, pd.DataFrame] = field(repr=False)
    data_dir: Path = field(repr=False, default=DEFAULT_DATA_DIR)

    @property
    def pair(self) -> tuple[str, str]:
        return (self.a, self.b)

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    def country_name(self, iso3: str, lang: str = "en") -> str:
        """The country's name in `lang` from countries.csv."""
        row = self.tables["countries"].set_index("iso3").loc[iso3]
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
    have = countries_with_data(data_dir)
    for iso in (a, b):
        if iso not in have:
            raise UnknownCountryError(
                f"no data for country {iso!r} in {Path(data_dir or DEFAULT_DATA_DIR)}; "
                f"countries with data: {', '.join(have)}"
            )
    if a == b:
        raise ValueError(f"a pair needs two different countries, got {a!r} twice")


def study(a: str, b: str, data_dir: str | Path | None = None) -> Study:
    """Load and validate data/raw and return the data of the pair (`a`, `b`).

    Raises
    ------
    UnknownCountryError
        When `a` or `b` has no data; the message lists the countries that have.
    DataError
        When any file of data/raw is invalid.
    """
    data_dir = Path(data_dir or DEFAULT_DATA_DIR)
    check_pair(a, b, data_dir)
    tables = load_all(data_dir)
    # An account row is an observation "this institution is on this platform" only
    # when `present` is true; rows still to fill or checked absent stay in accounts_all.
    tables["accounts_all"] = tables["accounts"]
    tables["accounts"] = tables["accounts"][tables["accounts"]["present"].fillna(False)]
    return Study(a, b, {k: _pair_rows(v, (a, b)) for k, v in tables.items()}, data_dir)


def write_processed(out_dir: str | Path, data_dir: str | Path | None = None) -> list[Path]:
    """Validate data/raw and write every table to `out_dir` as CSV and Parquet.

    Writes into a temporary directory beside `out_dir` and swaps it in at the
    end, so a failure leaves the previous output untouched and nothing half-written.
    """
    tables = load_all(data_dir)
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        for name, df in tables.items():
            df.to_csv(tmp / f"{name}.csv", index=False, lineterminator="\n")
            df.to_parquet(tmp / f"{name}.parquet", index=False)
        old = out_dir.with_name(f".{out_dir.name}-old")
        if out_dir.exists():
            os.replace(out_dir, old)
        os.replace(tmp, out_dir)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return sorted(out_dir.iterdir())


def date_period(text: str | None) -> pd.Period | None:
    """A partial ISO date of data/raw as the period it stands for.

    The article dates accounts as precisely as it can ("2011", "abril de 2011",
    "20 de marzo de 2017"); a period keeps that precision instead of inventing a day.

    >>> date_period("2011-04")
    Period('2011-04', 'M')
    """
    if text is None or pd.isna(text):
        return None
    freq = {4: "Y", 7: "M", 10: "D"}[len(text)]
    return pd.Period(text, freq=freq)


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
        When exports.csv names a file that is not there.
    analysis.importers.ExportFormatError
        When a record of an export is malformed (names the file, record and field).
    """
    from analysis.importers import empty_posts, reader

    data_dir = Path(data_dir or DEFAULT_DATA_DIR)
    exports = read_table("exports", data_dir)
    exports = exports[exports["country"].isin(list(countries))]
    frames = []
    for i, row in exports.iterrows():
        path = data_dir / row["file"]
        if not path.exists():
            raise DataError(
                [_where(data_dir / "exports.csv", i, "file") + f": {path} does not exist"]
            )
        kwargs = {} if pd.isna(row["platform"]) else {"platform": row["platform"]}
        frames.append(
            reader(row["format"])(path, country=row["country"], role=row["role"], **kwargs)
        )
    if not frames:
        return empty_posts()
    return pd.concat(frames, ignore_index=True)
