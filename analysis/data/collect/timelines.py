"""What the Bluesky and Mastodon collectors share: paging a timeline within bounds, and its export.

An account's posts come back a page at a time, each page naming the next (a
Bluesky ``cursor``, a Mastodon ``max_id``). :func:`walk` follows them through the
snapshot store, so a replay asks for the same pages in the same order, and stops
at the end of the timeline, at a page that names no next one, at a next page it
has already read (a cursor that repeats itself), or after ``max_pages`` (a
cursor that never ends), saying which. :func:`export` turns the pages into one
export under ``data/raw/posts/`` (a page a line) and its ``exports.csv`` row.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.base.errors import CompendiumError, ExportFormatError
from analysis.data.provenance import collectable

from .merge import Proposal
from .snapshots import Snapshot, SnapshotStore

__all__ = ["Walk", "export", "json_body", "walk"]


@dataclass(frozen=True)
class Walk:
    """The pages of a timeline, and why the walk stopped early (``None``: at its end)."""

    pages: tuple[Snapshot, ...]
    stopped: str | None = None


def json_body(snap: Snapshot) -> object:
    """A snapshot's JSON; an error body (``{"error": …}``) is never taken for data.

    Raises
    ------
    ExportFormatError
        The body is not JSON.
    CompendiumError
        The service answered with an error.
    """
    try:
        doc = json.loads(snap.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ExportFormatError(snap.path, "file", None, f"not valid JSON ({exc})") from None
    if isinstance(doc, dict) and "error" in doc:
        raise CompendiumError(f"the service answered with an error ({doc['error']!r})", snap.path)
    return doc


def walk(
    store: SnapshotStore,
    name: Callable[[int], str],
    url: str,
    params: Mapping[str, str],
    following: Callable[[object], Mapping[str, str] | None],
    max_pages: int,
    read: list[Path],
) -> Walk:
    """Read a paged timeline: page 1 with `params`, then each page's `following` parameters.

    Parameters
    ----------
    store
        The snapshot store (online it fetches and saves; offline it replays).
    name
        The snapshot's file name for page ``n`` (1-based).
    url, params
        The request of the first page.
    following
        From a page's JSON, the parameters that ask for the next page (added to
        `params`), or None at the end of the timeline.
    max_pages
        The most pages read; a timeline longer than that is cut, and ``stopped`` says so.
    read
        Every snapshot read is appended here (the collection's list).
    """
    pages: list[Snapshot] = []
    asked: set[tuple] = set()
    extra: Mapping[str, str] = {}
    for number in range(1, max_pages + 1):
        snap = store.get(name(number), url, {**params, **extra})
        read.append(snap.path)
        pages.append(snap)
        nxt = following(json_body(snap))
        if not nxt:
            return Walk(tuple(pages))
        key = tuple(sorted(nxt.items()))
        if key in asked or dict(nxt) == dict(extra):
            return Walk(tuple(pages), f"after page {number} the service named a page already read")
        asked.add(key)
        extra = nxt
    return Walk(tuple(pages), f"stopped after {max_pages} pages; older posts were not read")


def export(
    exports: pd.DataFrame,
    file: str,
    pages: tuple[Snapshot, ...],
    fields: Mapping[str, str],
    citation: Callable[[str], str],
) -> tuple[Proposal | None, str]:
    """The ``exports.csv`` row of a timeline's export and the export's text (a page a line).

    The row is None when ``exports.csv`` already lists `file` with a source that is not
    a collector's: a user's export is never replaced. `citation` makes the source from
    the latest retrieval day.
    """
    listed = exports.loc[exports["file"] == file, "source"]
    if not all(collectable(s) for s in listed):
        return None, ""
    text = "".join(
        json.dumps(json.loads(p.body), ensure_ascii=False, separators=(",", ":")) + "\n"
        for p in pages
    )
    retrieved = max(p.date for p in pages)
    return Proposal("exports", {"file": file}, (dict(fields),), citation(retrieved)), text
