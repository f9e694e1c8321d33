"""The platform exports of data/raw/posts/, listed in exports.csv, read as one posts table.

An export stays exactly as the platform wrote it; ``exports.csv`` says whose account
it is (country, role) and in which format (:data:`analysis.data.importers.FORMATS`).
What the build reads is checked to be what exports.csv says it is:

* **Confined.** Nothing outside ``posts/`` is ever read: ``posts/`` must be a real folder
  inside the data directory (a link would move the folder itself), and a path is
  resolved (``..`` and links followed) before it is checked.
* **One account.** An export holds the posts of one account, the one accounts.csv names
  for its country, role and platform: posts of many authors, or of an author whose handle
  (or, on YouTube, channel id) is not that account's, are refused with one line naming
  both (:func:`posts`).
* **Counted once.** The same file listed twice, and posts repeated across exports (the same
  platform, post id and author), are read once, with a note (``posts.attrs["notes"]``),
  never doubling counts or turning one reply into a dialogue.
* **Bounded.** A pair's exports hold at most ``limits.posts_per_build`` posts (codebook).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from analysis.base.errors import DataError, Problem, shown
from analysis.base.paths import DATA_DIR
from analysis.data.codebook import load_codebook
from analysis.data.importers import drop_repeated, empty_posts, reader
from analysis.data.read import handle_key, limits, read_table

__all__ = [
    "EXPORTS_DIR",
    "check_exports",
    "export_path",
    "measured_accounts",
    "posts",
    "posts_root",
    "stage",
]

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
#: Authors shown in a message before "and N more".
_SHOWN_AUTHORS = 3


def posts(
    countries: tuple[str, ...] | list[str], data_dir: str | Path | None = None
) -> pd.DataFrame:
    """The exported posts of the given countries' accounts, read with their importers.

    ``exports.csv`` lists each export kept under ``data/raw/posts/`` with its format
    and the account's country and role; the export itself stays exactly as the
    platform wrote it. Countries without exports give an empty posts table. Each file
    is read once however often it is listed, and each post counted once however many
    exports hold it; what was left out is said in ``attrs["notes"]``.

    Raises
    ------
    DataError
        When exports.csv names a file that is not there, or one outside posts/; when an
        export holds posts of many authors or of another account than accounts.csv
        names; when the exports hold more posts than a build reads.
    analysis.base.errors.ExportFormatError
        When a record of an export is malformed (names the file, record and field).
    """
    data_dir = Path(data_dir or DATA_DIR)
    exports = read_table("exports", data_dir)
    problems = check_exports(exports, data_dir)
    if problems:
        raise DataError(problems)
    exports = exports[exports["country"].isin(list(countries))]
    accounts = read_table("accounts", data_dir)
    where = data_dir / "exports.csv"
    most = limits(data_dir)["posts_per_build"]
    frames, notes, read, total = [], [], {}, 0
    for line, row in exports.iterrows():
        path = export_path(row["file"], data_dir)
        if path in read:
            notes.append(
                f"{row['file']} (exports.csv line {line}) is the file of line {read[path]}: "
                "read once"
            )
            continue
        read[path] = line
        platform = row["platform"] if not pd.isna(row["platform"]) else None
        kwargs = {} if platform is None else {"platform": platform}
        found = reader(row["format"])(path, country=row["country"], role=row["role"], **kwargs)
        platform = platform or _FORMAT_PLATFORM.get(row["format"])
        problem = _authors(found, row, platform, accounts)
        if problem:
            raise DataError(Problem(where, line, "file", problem))
        total += len(found)
        if total > most:
            raise DataError(
                Problem(
                    where,
                    line,
                    "file",
                    f"the exports of {', '.join(countries)} hold more than {most:,} posts up "
                    "to this one, the most a build reads (codebook.yml, limits.posts_per_build); "
                    "code larger archives with python -m analysis code ... --out DIR",
                )
            )
        frames.append(found)
    if not frames:
        out = empty_posts()
    else:
        out, repeated = drop_repeated(pd.concat(frames, ignore_index=True))
        if repeated:
            notes.append(
                f"{repeated} posts appear in more than one export (same platform, post id and "
                "author): each is counted once"
            )
    out.attrs["notes"] = notes
    return out


def _authors(found: pd.DataFrame, row: pd.Series, platform: str | None, accounts) -> str | None:
    """Why the posts of one export are not the account exports.csv says, or None."""
    ids = found["account_id"].astype("string")
    names = found["account"].astype("string")
    authors = pd.DataFrame({"id": ids, "name": names}).dropna(subset=["id"]).drop_duplicates("id")
    mine = accounts[
        (accounts["country"] == row["country"])
        & (accounts["role"] == row["role"])
        & (accounts["platform"] == platform)
        & accounts["handle"].notna()
    ]
    handles = [str(h) for h in mine["handle"]]
    named = (
        f"accounts.csv names {', '.join(shown(h) for h in handles)} for {row['country']} "
        f"{row['role']} on {platform}"
        if handles
        else f"accounts.csv names no handle for {row['country']} {row['role']} on {platform}"
    )
    if len(authors) > 1:
        labels = [
            shown(n if not pd.isna(n) else i)
            for i, n in zip(authors["id"], authors["name"], strict=True)
        ]
        more = len(labels) - _SHOWN_AUTHORS
        listed = ", ".join(labels[:_SHOWN_AUTHORS]) + (f" and {more} more" if more > 0 else "")
        return (
            f"{row['file']} holds posts of {len(labels)} authors ({listed}), but an export "
            f"holds one account's posts: {named}"
        )
    if authors.empty or not handles:
        return None
    author_id, author_name = authors["id"].iloc[0], authors["name"].iloc[0]
    if platform == "youtube":  # the API names a channel by its id, never by its @handle
        said, comparable = handle_key(author_id), [h for h in handles if h.startswith("UC")]
        who = author_id
    else:  # an export that does not spell its author's handle cannot be compared
        said, comparable = handle_key(author_name), handles if not pd.isna(author_name) else []
        who = author_name
    if not comparable or said in {handle_key(h) for h in comparable}:
        return None
    line = int(mine.index[0])
    return f"{row['file']} holds posts of {shown(who)}, but {named} (accounts.csv line {line})"


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


def posts_root(data_dir: str | Path | None = None) -> Path:
    """``posts/`` of a data directory, resolved; a link there is refused, not followed.

    Raises
    ------
    ValueError
        When ``posts/`` is a link (it would move the folder, and everything in it, anywhere).
    """
    root = Path(data_dir or DATA_DIR).resolve() / EXPORTS_DIR
    if root.is_symlink():
        raise ValueError(f"{root} is a link; posts/ must be a real folder inside the data folder")
    return root


def export_path(file: str, data_dir: str | Path | None = None) -> Path:
    """The export `file` of exports.csv as a path that is certainly inside ``data_dir/posts``.

    The path is resolved (``..`` and symbolic links followed) before it is checked, so
    neither can lead out of the folder; ``posts/`` itself must not be a link.

    Raises
    ------
    ValueError
        When the resolved path leaves ``posts/``, or ``posts/`` is a link.
    """
    root = posts_root(data_dir)
    path = (Path(data_dir or DATA_DIR).resolve() / file).resolve()
    if not path.is_relative_to(root):
        raise ValueError(f"{file!r} leads outside {root} (an export must stay under posts/)")
    return path


def check_exports(exports: pd.DataFrame, data_dir: Path) -> list[Problem]:
    """Every export named in exports.csv is a file inside posts/ (no ``..``, no link out),
    and a file listed twice is listed for the same account and format both times."""
    where = data_dir / "exports.csv"
    out = []
    first: dict[Path, tuple[int, tuple]] = {}
    for line, row in exports.iterrows():
        file = row["file"]
        try:
            path = export_path(file, data_dir)
        except ValueError as exc:
            out.append(Problem(where, line, "file", str(exc)))
            continue
        if not path.is_file():
            out.append(Problem(where, line, "file", f"{file!r} is not a file under posts/"))
            continue
        said = tuple(str(row[c]) for c in ("format", "country", "role", "platform"))
        if path in first and first[path][1] != said:
            out.append(
                Problem(
                    where,
                    line,
                    "file",
                    f"{file!r} is the file of line {first[path][0]}, listed there for another "
                    "account or format: an export is one account's",
                )
            )
        first.setdefault(path, (line, said))
    return out


def stage(data_dir: Path, scratch: Path, files: dict[str, str]) -> None:
    """Lay out ``scratch/posts`` as ``data_dir/posts`` will be once `files` are written.

    For checking a change on a scratch copy of the tables before anything is written:
    the exports already there are linked (hard links; copies across file systems), so
    they lie inside ``scratch/posts`` as they do inside ``data_dir/posts``, and the new
    files (path under the data directory: text) are written beside them.
    """
    source = posts_root(data_dir)
    target = scratch / EXPORTS_DIR
    target.mkdir()
    if source.is_dir():
        for root, _, names in os.walk(source):
            folder = target / Path(root).relative_to(source)
            folder.mkdir(parents=True, exist_ok=True)
            for name in names:
                path = Path(root) / name
                if path.is_symlink() or not path.is_file():
                    continue  # what a link points to is checked where it lies
                try:
                    os.link(path, folder / name)
                except OSError:
                    import shutil  # lazy: only across file systems

                    shutil.copy2(path, folder / name)
    for name, text in files.items():
        path = scratch / name
        if not path.resolve().is_relative_to(target.resolve()):
            raise ValueError(f"{name!r} is not a file under posts/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)  # a link to the old export: never written through
        path.write_text(text, encoding="utf-8")
