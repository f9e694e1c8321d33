"""The codebook: every category of the study, its labels, and the schema of data/raw.

One file, data/raw/codebook.yml, is the single place where categories live; the
loader validates against it, the coder reads its kinds and thresholds, the tables
and figures take their English and Spanish labels from it.
"""

from __future__ import annotations

import hashlib
import os
import stat
from functools import lru_cache
from pathlib import Path

import yaml

from analysis.base import yaml_io
from analysis.base.errors import DataError, Problem, UsageError
from analysis.base.paths import DATA_DIR
from analysis.data import dates

LANGUAGES = ("en", "es")
#: The sections every codebook has (the loader, the coder and the labels read them).
SECTIONS = ("roles", "platforms", "website_criteria", "topics", "account_levels", "tables")


@lru_cache(maxsize=8)
def _parse(text: bytes) -> dict:
    """A codebook's sections, parsed once per content (the copies robustness writes under
    each reading share the codebook of data/raw). A problem is a ``(line, message)``
    ValueError, which :func:`_read` names with the file."""
    try:
        book = yaml_io.safe_load(text.decode("utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ValueError(line, f"not valid YAML ({problem})") from None
    except UnicodeDecodeError:
        raise ValueError(None, "not UTF-8") from None
    if not isinstance(book, dict):
        raise ValueError(None, "not a codebook (a YAML mapping of sections)")
    missing = [s for s in SECTIONS if not isinstance(book.get(s), dict)]
    if missing:
        raise ValueError(None, f"missing sections: {', '.join(missing)}")
    return book


@lru_cache(maxsize=8)
def _read(path: str, mtime_ns: int) -> tuple[dict, str]:
    with open(path, "rb") as fh:
        text = fh.read()
    try:
        return _parse(text), hashlib.blake2b(text).hexdigest()
    except ValueError as exc:
        line, problem = exc.args
        raise DataError(Problem(path, line, None, problem)) from None


def _stat(data_dir: str | Path | None) -> tuple[str, int]:
    """The codebook's absolute path and modification time (one system call: the codebook
    is asked for on every label, thousands of times a build)."""
    path = Path(data_dir or DATA_DIR) / "codebook.yml"
    try:
        st = path.stat()
    except OSError:
        st = None
    if st is None or not stat.S_ISREG(st.st_mode):
        raise DataError(
            Problem(path, None, None, "no codebook (every data directory needs codebook.yml)")
        )
    return os.path.abspath(path), st.st_mtime_ns


def digest(data_dir: str | Path | None = None) -> str:
    """A hash of `data_dir`'s codebook.yml: what a cache of anything read against it keys on."""
    return _read(*_stat(data_dir))[1]


def load_codebook(data_dir: str | Path | None = None) -> dict:
    """Return the parsed codebook.yml of `data_dir` (default: the project's data/raw).

    The result is cached per path and modification time, and parsed once per content;
    treat it as read-only.

    Raises
    ------
    analysis.base.errors.DataError
        When the file is missing, is not YAML (with its line) or lacks a section.
    """
    return _read(*_stat(data_dir))[0]


def categories(name: str, data_dir: str | Path | None = None) -> list[str]:
    """The allowed values of a codebook list (``roles``, ``platforms``...), in codebook order."""
    book = load_codebook(data_dir)
    if name not in book or not isinstance(book[name], dict):
        raise KeyError(f"codebook has no list named {name!r}")
    return list(book[name])


def label(name: str, key: str, lang: str = "en", data_dir: str | Path | None = None) -> str:
    """The label of category `key` of list `name` in `lang` (``en`` or ``es``).

    >>> label("roles", "foreign_ministry", "es")
    'Secretaría/Ministerio de Relaciones Exteriores'
    """
    if lang not in LANGUAGES:
        raise UsageError(f"language must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    entry = load_codebook(data_dir)[name].get(key)
    if entry is None:
        raise KeyError(f"{key!r} is not in the codebook list {name!r}")
    return entry[lang]


def labels(name: str, lang: str = "en", data_dir: str | Path | None = None) -> dict[str, str]:
    """All labels of a codebook list as a ``{key: label}`` dict, in codebook order."""
    return {k: label(name, k, lang, data_dir) for k in categories(name, data_dir)}


def core_platforms(data_dir: str | Path | None = None) -> list[str]:
    """The platforms the presence index counts (``core: true`` in the codebook)."""
    book = load_codebook(data_dir)
    return [k for k, v in book["platforms"].items() if v.get("core")]


def launches(data_dir: str | Path | None = None) -> dict:
    """When each platform opened (``launches``, with its source): no account is older.

    >>> str(launches()["instagram"])
    '2010-10'
    """
    return {
        platform: dates.parse(str(entry["date"]))
        for platform, entry in (load_codebook(data_dir).get("launches") or {}).items()
    }


def table_schemas(data_dir: str | Path | None = None) -> dict[str, dict]:
    """The data contract: one schema (fields, primary key, foreign keys) per file of data/raw."""
    return load_codebook(data_dir)["tables"]


#: The tables whose values the completeness reports count (make check-data, the paper).
COMPLETENESS_TABLES: tuple[str, ...] = ("countries", "institutions", "accounts", "website_criteria")


def value_fields(name: str, data_dir: str | Path | None = None) -> tuple[str, list[str]]:
    """The country column of table `name` and its value columns, for completeness reports.

    Keys, notes (``note``, ``*_note``), qualifiers (``*_qualifier``), ``source``,
    ``sources`` and the ``wikidata`` item (where to collect from, not an observation)
    are not values: a row is complete when every value column is filled.

    >>> key, fields = value_fields("accounts")
    >>> key, fields[:3]
    ('country', ['present', 'language', 'created'])
    """
    schema = table_schemas(data_dir)[name]
    key = "iso3" if name == "countries" else "country"
    skip = set(schema["primary_key"]) | {"source", "sources", "note", "iso3", "country", "wikidata"}
    fields = [
        f for f in schema["fields"] if f not in skip and not f.endswith(("_qualifier", "_note"))
    ]
    return key, fields


def figure_bounds(value, qualifier=None, data_dir: str | Path | None = None) -> tuple[float, float]:
    """The range a figure of data/raw stands for, by the codebook's rule for its qualifier.

    An unqualified figure is itself; "more than" makes it a lower bound, "almost" an
    upper bound (``qualifiers[*].bound``). Missing gives ``(nan, nan)``.

    >>> figure_bounds(720000, "more_than"), figure_bounds(2000000, "almost")
    ((720000.0, inf), (0.0, 2000000.0))
    """
    import pandas as pd  # lazy: start-up time

    if value is None or pd.isna(value):
        return (float("nan"), float("nan"))
    x = float(value)
    if qualifier is None or pd.isna(qualifier) or qualifier == "":
        return (x, x)
    bound = load_codebook(data_dir)["qualifiers"][qualifier].get("bound")
    if bound == "lower":
        return (x, float("inf"))
    if bound == "upper":
        return (0.0, x)
    return (x, x)
