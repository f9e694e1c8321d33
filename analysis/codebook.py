"""The codebook: every category of the study, its labels, and the schema of data/raw.

One file, data/raw/codebook.yml, is the single place where categories live; the
loader validates against it, the coder reads its kinds and thresholds, the tables
and figures take their English and Spanish labels from it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = REPO_ROOT / "data" / "raw"
LANGUAGES = ("en", "es")


@lru_cache(maxsize=8)
def _read(path: str) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def load_codebook(data_dir: str | Path | None = None) -> dict:
    """Return the parsed codebook.yml of `data_dir` (default: the project's data/raw).

    The result is cached per path; treat it as read-only.
    """
    path = Path(data_dir or DEFAULT_DATA_DIR) / "codebook.yml"
    if not path.exists():
        raise FileNotFoundError(f"{path}: no codebook (every data directory needs codebook.yml)")
    return _read(str(path.resolve()))


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
        raise ValueError(f"language must be one of {LANGUAGES}, not {lang!r}")
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


def table_schemas(data_dir: str | Path | None = None) -> dict[str, dict]:
    """The data contract: one schema (fields, primary key, foreign keys) per file of data/raw."""
    return load_codebook(data_dir)["tables"]
