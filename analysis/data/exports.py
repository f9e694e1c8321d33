"""The platform exports of data/raw/posts/, listed in exports.csv, read as one posts table.

An export stays exactly as the platform wrote it; ``exports.csv`` says whose account
it is (country, role) and in which format (:data:`analysis.data.importers.FORMATS`).
Nothing outside ``posts/`` is ever read: a path is resolved (``..`` and links followed)
before it is checked.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.base.errors import DataError, Problem
from analysis.base.paths import DATA_DIR
from analysis.data.codebook import load_codebook
from analysis.data.importers import empty_posts, reader
from analysis.data.read import read_table

__all__ = ["EXPORTS_DIR", "check_exports", "export_path", "measured_accounts", "posts"]


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
    analysis.base.errors.ExportFormatError
        When a record of an export is malformed (names the file, record and field).
    """
    data_dir = Path(data_dir or DATA_DIR)
    exports = read_table("exports", data_dir)
    problems = check_exports(exports, data_dir)
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
_FORMAT_PLATFORM = {
    "twitter_v2": "twitter",
    "youtube": "youtube",
    "youtube_comments": "youtube",
    "bluesky_feed": "bluesky",
    "mastodon_statuses": "mastodon",
}


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


def check_exports(exports: pd.DataFrame, data_dir: Path) -> list[Problem]:
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
