"""Every table of data/raw validated together, and the data of a pair or a panel.

:func:`load_all` reads each file with :func:`analysis.data.read.read_table`, then
checks what only the tables together can show (foreign keys, exports that stay in
``posts/``, an account's dates between its platform's launch and its country's
snapshot, rows that contradict themselves) and what the folder itself holds (file
names make can handle, ``posts/`` and ``snapshots/`` real folders inside it), and
raises one :class:`~analysis.base.errors.DataError` listing every problem of every
file, so a figure is never drawn from bad data. :func:`study` keeps
a pair's rows (:class:`Study`), :func:`panel` those of several countries (:class:`Panel`).

>>> s = study("MEX", "CHL")
>>> s.accounts.groupby("country").size().to_dict()
{'CHL': 25, 'MEX': 17}
"""

from __future__ import annotations

import datetime
import hashlib
import os
import re
from collections import OrderedDict
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.base.errors import DataError, Problem, UnknownCountryError, UsageError, shown
from analysis.base.paths import DATA_DIR
from analysis.data import countries, dates
from analysis.data.codebook import launches as codebook_launches
from analysis.data.codebook import table_schemas
from analysis.data.countries import default_pair
from analysis.data.exports import EXPORTS_DIR, check_exports
from analysis.data.read import limits, read_table, value_source

__all__ = [
    "FOLDERS",
    "SAFE_NAME",
    "Panel",
    "Study",
    "check_country",
    "check_pair",
    "countries_with_data",
    "load_all",
    "panel",
    "study",
]


def _as_text(df: pd.DataFrame, columns: list[str]) -> list[tuple[str, ...]]:
    """The rows of `columns` as tuples of text (one conversion a column, not a cell)."""
    return list(zip(*(df[c].astype(str).tolist() for c in columns), strict=True))


def _check_foreign_keys(tables: dict[str, pd.DataFrame], data_dir: Path) -> list[Problem]:
    """Every key a table names (codebook ``foreign_keys``) is a row of the table it names."""
    problems = []
    for name, spec in table_schemas(data_dir).items():
        for cols, target in (spec.get("foreign_keys") or {}).items():
            ref_table, ref_cols = target.split(".")
            cols_l, ref_l = cols.split(","), ref_cols.split("+")
            df, ref = tables[name], tables[ref_table]
            known = set(_as_text(ref, ref_l))
            for i, key in zip(df.index, _as_text(df, cols_l), strict=True):
                if key not in known:
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


#: A name make can put in a rule (every file of data/raw is a prerequisite of the paper):
#: letters, digits and ``. _ - @``; ``/`` between folders.
SAFE_NAME = re.compile(r"[A-Za-z0-9._@-]+(?:/[A-Za-z0-9._@-]+)*")
#: Folders of a data directory that must be real folders inside it, never links.
FOLDERS = (EXPORTS_DIR, "snapshots")


def _check_folder(data_dir: Path) -> list[Problem]:
    """File names make can handle, and posts/ and snapshots/ real folders inside data_dir.

    As make sees them (``find data/raw -type f -not -name '.*'``): every regular file
    not named with a leading dot, at any depth; links are not followed.
    """
    problems = []
    for name in FOLDERS:
        folder = data_dir / name
        if folder.is_symlink():
            problems.append(
                Problem(
                    folder,
                    None,
                    None,
                    f"is a link: {name}/ must be a real folder inside the data directory "
                    "(a link would let it lead anywhere)",
                )
            )
        elif folder.exists() and not folder.is_dir():
            problems.append(Problem(folder, None, None, f"{name}/ must be a folder"))
    for root, dirs, names in os.walk(data_dir):
        dirs.sort()
        for name in sorted(names):
            path = Path(root) / name
            if name.startswith(".") or path.is_symlink() or not path.is_file():
                continue
            rel = path.relative_to(data_dir).as_posix()
            if not SAFE_NAME.fullmatch(rel):
                bad = sorted({c for c in rel if not SAFE_NAME.fullmatch(c) and c != "/"})
                problems.append(
                    Problem(
                        data_dir / shown(rel)[1:-1],
                        None,
                        None,
                        "a file name make cannot handle (it holds "
                        + ", ".join(shown(c) for c in bad)
                        + "): rename it with letters, digits and . _ - @ only",
                    )
                )
    return problems


def _check_accounts(tables: dict[str, pd.DataFrame], data_dir: Path) -> list[Problem]:
    """Rows that contradict themselves, and dates outside what the account's history allows.

    * an account checked absent (``present`` false) has no figures and no dates;
    * ``as_of`` (the figures' date) is not certainly before ``created``;
    * ``created`` and ``as_of`` are not certainly before the platform opened (codebook
      ``launches``), nor certainly after the observation they come from: the latest day
      the value's source names (:func:`analysis.data.read.value_source`: a collector's
      ``retrieved 2026-11-30``, a hand entry's date), else the country's ``snapshot``
      (the date of its published data); and never after today.
    """
    accounts = tables["accounts"]
    path = data_dir / "accounts.csv"
    launches = codebook_launches(data_dir)
    today = dates.parse(datetime.date.today().isoformat())
    countries_ = tables["countries"]
    snapshots = {
        iso: min(dates.parse(s), today, key=lambda d: d.end) if isinstance(s, str) else today
        for iso, s in zip(
            countries_["iso3"], countries_["snapshot"].astype(object).fillna(0), strict=True
        )
    }
    figures = ["followers", "posts", "views", "created", "as_of"]
    problems = []
    most = limits(data_dir)["accounts_per_country"]
    rank = accounts.groupby("country", sort=False).cumcount()
    for line, country in accounts.loc[rank == most, "country"].items():
        problems.append(
            Problem(
                path,
                line,
                "country",
                f"{country} has more than {most:,} accounts, the most a country may have "
                "(codebook.yml, limits.accounts_per_country: each is drawn and listed)",
            )
        )
    for line, row in accounts.iterrows():
        if not pd.isna(row["present"]) and not bool(row["present"]):
            filled = [c for c in figures if not pd.isna(row[c])]
            if filled:
                problems.append(
                    Problem(
                        path,
                        line,
                        filled[0],
                        f"the account is checked absent (present false) but has "
                        f"{', '.join(filled)}: an account that does not exist has no figures",
                    )
                )
        created = dates.parse_or_none(row["created"])
        as_of = dates.parse_or_none(row["as_of"])
        if created is not None and as_of is not None and as_of.before(created):
            problems.append(
                Problem(
                    path,
                    line,
                    "as_of",
                    f"the figures are dated {as_of} but the account opened in {created}: "
                    "as_of is before created",
                )
            )
        launch = launches.get(str(row["platform"]))
        for column, when in (("created", created), ("as_of", as_of)):
            if when is None:
                continue
            observed, by = _observed(
                value_source(row, column), snapshots.get(str(row["country"]), today), today
            )
            if launch is not None and when.before(launch):
                problems.append(
                    Problem(
                        path,
                        line,
                        column,
                        f"{when} is before {row['platform']} opened ({launch}: codebook.yml, "
                        "launches)",
                    )
                )
            elif observed.before(when):
                problems.append(
                    Problem(path, line, column, f"{when} is after the data were observed ({by})")
                )
    return problems


#: A day named in a source (``retrieved 2026-11-30``).
_DAY = re.compile(r"(?<![0-9])([0-9]{4}-[0-9]{2}-[0-9]{2})(?![0-9])")


def _observed(source, snapshot, today) -> tuple:
    """When a row's values were observed: the latest day its source names, else the
    country's snapshot; never after today. Returns the date and where it comes from."""
    named = []
    for text in _DAY.findall("" if pd.isna(source) else str(source)):
        try:
            named.append(dates.parse(text))
        except ValueError:
            continue
    if named:
        day = max(named, key=lambda d: d.start)
        return (
            (day, f"{day}, the day its source names")
            if not today.before(day)
            else (
                today,
                f"{today}, today",
            )
        )
    if snapshot is today:
        return today, f"{today}, today"
    return snapshot, f"{snapshot}: countries.csv, snapshot"


#: The last validated tables of each data directory, with the fingerprint of its files.
_VALIDATED: dict[Path, tuple[tuple, dict[str, pd.DataFrame]]] = {}


def _fingerprint(data_dir: Path) -> tuple[tuple, tuple]:
    """The files of `data_dir` by name and hashed contents, and the names and sizes of the
    entries of its posts/ (folders at the top by name and size).

    Contents, not modification times: two edits within a clock tick must not look alike.
    """
    files, others = [], []
    for folder in (data_dir, data_dir / EXPORTS_DIR):
        try:
            with os.scandir(folder) as it:
                for entry in it:
                    if folder == data_dir and entry.is_file():
                        digest = hashlib.blake2b(Path(entry.path).read_bytes()).hexdigest()
                        files.append((entry.name, digest))
                    else:
                        others.append((folder == data_dir, entry.name, entry.stat().st_size))
        except FileNotFoundError:
            continue
    return tuple(sorted(files)), tuple(sorted(others))


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
    tables = _load_all(data_dir, stamp[0])
    _VALIDATED[key] = (stamp, {name: df.copy() for name, df in tables.items()})
    return tables


#: Tables whose files, read and checked against each other, were valid: by the names and
#: contents of a directory's files and today's date (a date may not be after today). Another
#: directory with the same files (a test's copy of data/raw) is not checked again; what
#: depends on the directory itself (its folders, the exports in posts/) always is.
_CHECKED: OrderedDict[tuple, dict[str, pd.DataFrame]] = OrderedDict()
_CHECKED_KEPT = 16


def _load_all(data_dir: Path, files: tuple) -> dict[str, pd.DataFrame]:
    contents = (files, datetime.date.today())
    checked = contents in _CHECKED
    tables, problems = {}, []
    if checked:
        _CHECKED.move_to_end(contents)
        tables = {name: df.copy() for name, df in _CHECKED[contents].items()}
    else:
        for name in table_schemas(data_dir):
            try:
                tables[name] = read_table(name, data_dir)
            except DataError as exc:
                problems += exc.problems
    problems += _check_folder(data_dir)
    if not problems:
        if not checked:
            problems = _check_foreign_keys(tables, data_dir) + _check_accounts(tables, data_dir)
            if not problems:
                _CHECKED[contents] = {name: df.copy() for name, df in tables.items()}
                if len(_CHECKED) > _CHECKED_KEPT:
                    _CHECKED.popitem(last=False)
        problems += check_exports(tables["exports"], data_dir)
    if problems:
        raise DataError(problems)
    return tables


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
    key = "country" if "country" in df.columns else "iso3" if "iso3" in df.columns else None
    if key is not None:  # the rows of pair[0] first, each country's in file order
        code = df[key].fillna("").to_numpy(dtype=object)
        rank = np.select([code == pair[0], code == pair[1]], [0, 1], -1)
        df = df.take(np.argsort(rank, kind="stable"))
    return df.reset_index(drop=True)


def check_country(iso: str, data_dir: str | Path | None = None) -> str:
    """The code `iso` (any case) of a country that has rows in `data_dir`; else one line
    saying how to add it and which countries have data."""
    code = countries.iso3(iso)
    have = countries_with_data(data_dir)
    if code not in have:
        raise UnknownCountryError(
            f"{code} has no rows in {Path(data_dir or DATA_DIR)}: run make country ISO={code} "
            f"first (countries with data: {', '.join(have)})",
            country=code,
            available=tuple(have),
        )
    return code


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


def study(a: str | None = None, b: str | None = None, data_dir: str | Path | None = None) -> Study:
    """Load and validate data/raw and return the data of the pair (`a`, `b`); with neither
    given, of the project's default pair (:func:`analysis.data.countries.default_pair`).

    Raises
    ------
    UnknownCountryError
        When `a` or `b` has no data; the message lists the countries that have.
    DataError
        When any file of data/raw is invalid.
    """
    if a is None and b is None:
        a, b = default_pair()
    data_dir = Path(data_dir or DATA_DIR)
    check_pair(a, b, data_dir)
    tables = load_all(data_dir)
    # An account row is an observation "this institution is on this platform" only
    # when `present` is true; rows still to fill or checked absent stay in accounts_all.
    tables["accounts_all"] = tables["accounts"]
    tables["accounts"] = tables["accounts"][tables["accounts"]["present"].fillna(False)]
    return Study.from_tables(a, b, {k: _pair_rows(v, (a, b)) for k, v in tables.items()}, data_dir)


@dataclass(frozen=True)
class Panel:
    """The data of several countries, in the order given.

    As in :class:`Study`, ``countries`` is the countries table; ``codes``
    are the panel's ISO codes in order (a study's ``pair``).
    """

    codes: tuple[str, ...]
    countries: pd.DataFrame = field(repr=False)
    institutions: pd.DataFrame = field(repr=False)
    accounts: pd.DataFrame = field(repr=False)
    accounts_all: pd.DataFrame = field(repr=False)
    data_dir: Path = field(repr=False, default=DATA_DIR)

    def country_name(self, iso3: str, lang: str = "en") -> str:
        """The country's name in `lang` from countries.csv."""
        return str(self.countries.set_index("iso3").at[iso3, f"name_{lang}"])


def panel(countries=None, data_dir: str | Path | None = None) -> Panel:
    """Load and validate data/raw and keep the rows of `countries` (two or more; None: the
    two of the default pair, :func:`analysis.data.countries.default_pair`).

    Raises
    ------
    UsageError
        When fewer than two countries are given, or one is given twice.
    UnknownCountryError
        When a country has no data; the message lists the countries that have.
    """
    if countries is None:
        countries = default_pair()
    codes = tuple(str(c).strip().upper() for c in countries)
    if len(codes) < 2:
        raise UsageError(f"a panel needs two countries or more; got {', '.join(codes) or 'none'}")
    if len(set(codes)) < len(codes):
        raise UsageError(f"a country is given twice: {', '.join(codes)}")
    data_dir = Path(data_dir or DATA_DIR)
    for c in codes:
        check_pair(c, codes[0] if c != codes[0] else codes[1], data_dir)
    tables = load_all(data_dir)
    order = {c: i for i, c in enumerate(codes)}

    def mine(df: pd.DataFrame, key: str = "country") -> pd.DataFrame:
        kept = df[df[key].isin(codes)]
        return kept.iloc[np.argsort(kept[key].map(order).to_numpy(), kind="stable")].reset_index(
            drop=True
        )

    accounts_all = mine(tables["accounts"])
    return Panel(
        codes=codes,
        countries=mine(tables["countries"], "iso3"),
        institutions=mine(tables["institutions"]),
        accounts=accounts_all[accounts_all["present"].fillna(False)].reset_index(drop=True),
        accounts_all=accounts_all,
        data_dir=data_dir,
    )
