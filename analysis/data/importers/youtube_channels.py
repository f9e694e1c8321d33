"""YouTube channels from YouTube Data API v3 ``channels.list`` responses.

The file holds what ``GET https://www.googleapis.com/youtube/v3/channels?part=snippet,statistics``
returns: ``{"kind": "youtube#channelListResponse", "items": [...]}``; a JSON
array of such responses, or JSON Lines with one response a line, are read too.

A channel is not a post: this reader gives one row per channel, the figures
``accounts.csv`` holds for an account (``created``, ``followers``, ``posts``,
``views``), which :mod:`analysis.data.collect.youtube` writes with their source, and
which Figura 3 (the YouTube audience) draws.

Fields used (``youtube#channel`` resource): ``id``, ``snippet.title``,
``snippet.customUrl`` (the ``@handle``), ``snippet.publishedAt`` (the day the
channel opened), ``statistics.subscriberCount``, ``statistics.hiddenSubscriberCount``,
``statistics.viewCount``, ``statistics.videoCount``, and
``contentDetails.relatedPlaylists.uploads`` (the playlist of its videos).

Decisions
---------
* ``created`` is the day of ``publishedAt`` (UTC), a date of day precision.
* A channel that hides its subscribers (``hiddenSubscriberCount`` true) has
  ``followers`` missing: the API then reports a rounded or zero count that is
  not the audience.
* Counts the response leaves out stay missing, never zero.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from . import ExportFormatError, count_value, json_value, parse_utc

__all__ = ["COLUMNS", "read", "responses"]

#: The columns of :func:`read`, in order.
COLUMNS: tuple[str, ...] = (
    "channel_id",
    "title",
    "handle",
    "created",
    "followers",
    "posts",
    "views",
    "uploads",
)


def read(path: str | Path) -> pd.DataFrame:
    """Read saved ``channels.list`` responses: one row per channel.

    Parameters
    ----------
    path
        A ``.json`` file (one response, or an array of responses) or a
        ``.jsonl`` file (one response a line).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`: ``created`` is ``YYYY-MM-DD``; ``followers``,
        ``posts`` (videos) and ``views`` are nullable integers; ``uploads`` is the
        uploads playlist where the response has ``contentDetails``. Sorted by
        ``channel_id``; a channel given twice is kept once (the last).

    Raises
    ------
    ExportFormatError
        The file is not JSON, a response is not a ``channels.list`` response, or
        a channel lacks ``id`` or ``snippet.publishedAt``, or a count is not a
        whole number; the message names the record and the field.

    Examples
    --------
    >>> from analysis.base.paths import REPO_ROOT
    >>> fixture = REPO_ROOT / "tests/fixtures/youtube/channel_info_single.json"
    >>> read(fixture)[["channel_id", "created", "followers"]]
                     channel_id     created  followers
    0  UC_x5XG1OV2P6uZZ5FSM9Ttw  2007-08-23    1927873
    """
    path = Path(path)
    rows: dict[str, dict] = {}
    where_of: dict[str, str] = {}
    for where, response in responses(path, ("youtube#channelListResponse",), "channels.list"):
        for i, channel in enumerate(response["items"]):
            at = f"{where}, items[{i}]"
            if not isinstance(channel, dict):
                raise ExportFormatError(path, at, None, "a channel must be a JSON object")
            if channel.get("kind", "youtube#channel") != "youtube#channel":
                raise ExportFormatError(
                    path, at, "kind", f"{channel.get('kind')!r} is not a channel"
                )
            channel_id = channel.get("id")
            if not isinstance(channel_id, str) or not channel_id:
                raise ExportFormatError(path, at, "id", "missing or not a string")
            snippet = channel.get("snippet")
            if not isinstance(snippet, dict):
                raise ExportFormatError(path, at, "snippet", "missing (request part=snippet)")
            stats = channel.get("statistics") or {}
            if not isinstance(stats, dict):
                raise ExportFormatError(path, at, "statistics", "must be an object")
            hidden = stats.get("hiddenSubscriberCount", False)
            if not isinstance(hidden, bool):
                raise ExportFormatError(
                    path, at, "statistics.hiddenSubscriberCount", "must be true or false"
                )
            details = channel.get("contentDetails") or {}
            uploads = (details.get("relatedPlaylists") or {}).get("uploads") or None
            if not snippet.get("publishedAt"):
                raise ExportFormatError(path, at, "snippet.publishedAt", "missing: when it opened")
            handle = snippet.get("customUrl") or None
            for name, value in (("snippet.title", snippet.get("title")), ("handle", handle)):
                if value is not None and not isinstance(value, str):
                    raise ExportFormatError(path, at, name, "must be a string")
            followers = count_value(
                stats.get("subscriberCount"), path, at, "statistics.subscriberCount"
            )
            rows[channel_id] = {
                "channel_id": channel_id,
                "title": snippet.get("title"),
                "handle": handle,
                "created": snippet.get("publishedAt"),
                "followers": None if hidden else followers,
                "posts": count_value(stats.get("videoCount"), path, at, "statistics.videoCount"),
                "views": count_value(stats.get("viewCount"), path, at, "statistics.viewCount"),
                "uploads": uploads if isinstance(uploads, str) else None,
            }
            where_of[channel_id] = at
    ids = sorted(rows)
    created = (
        parse_utc(
            [rows[c]["created"] for c in ids],
            [where_of[c] for c in ids],
            path,
            "snippet.publishedAt",
            naive_tz=None,
        )
        if ids
        else pd.Series([], dtype="datetime64[us, UTC]")
    )
    frame = pd.DataFrame({c: [rows[i][c] for i in ids] for c in COLUMNS}, columns=list(COLUMNS))
    frame["created"] = pd.array(list(created.dt.strftime("%Y-%m-%d")), dtype="string")
    for col in ("channel_id", "title", "handle", "uploads"):
        frame[col] = frame[col].astype("string")
    for col in ("followers", "posts", "views"):
        frame[col] = pd.array(frame[col].tolist(), dtype="Int64")
    return frame


def responses(path: Path, kinds: tuple[str, ...], method: str) -> Iterator[tuple[str, dict]]:
    """The API responses a file holds, each with where it is (``response``, ``line 3``).

    A file is one response, a JSON array of responses, or JSON Lines (one
    response a line, as paged requests are saved). Each response must be an
    object with an ``items`` list and, where it says its ``kind``, one of `kinds`.

    Raises
    ------
    ExportFormatError
        Naming the line or response and the field; `method` names the API method
        the file should come from.
    """
    text = path.read_text(encoding="utf-8")
    try:
        doc = json_value(text, path, "file")
    except ExportFormatError as exc:
        if not exc.problem.startswith("not valid JSON"):
            raise
        doc = None  # JSON Lines: one response a line
    if doc is None:
        found = []
        for lineno, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            found.append((f"line {lineno}", json_value(line, path, f"line {lineno}")))
    elif isinstance(doc, dict):
        found = [("response", doc)]
    elif isinstance(doc, list):
        found = [(f"response[{i}]", r) for i, r in enumerate(doc)]
    else:
        raise ExportFormatError(path, "file", None, f"must hold a {method} response or a list")
    if not found:
        raise ExportFormatError(path, "file", None, f"holds no {method} response (an empty file)")
    for where, response in found:
        if not isinstance(response, dict):
            raise ExportFormatError(path, where, None, "a response must be a JSON object")
        kind = response.get("kind")
        if kind is not None and kind not in kinds:
            raise ExportFormatError(path, where, "kind", f"{kind!r} is not a {method} response")
        if not isinstance(response.get("items"), list):
            raise ExportFormatError(
                path, where, "items", f"missing or not a list (is this a {method} response?)"
            )
        yield where, response
