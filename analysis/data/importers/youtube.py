"""YouTube videos from YouTube Data API v3 ``videos.list`` responses.

The file holds what ``GET https://www.googleapis.com/youtube/v3/videos?part=snippet,statistics``
returns: ``{"kind": "youtube#videoListResponse", "items": [...]}``. A JSON array
of such responses, or JSON Lines with one response a line (paged requests
saved as they come), are read too.

Fields used (``youtube#video`` resource): ``id``, ``snippet.publishedAt``,
``snippet.channelId``, ``snippet.channelTitle``, ``snippet.title``,
``snippet.description``, ``statistics.viewCount``, ``statistics.likeCount``,
``statistics.commentCount``. The API writes counts as decimal strings and
leaves ``likeCount`` out when the channel hides likes and ``commentCount`` out
when comments are off: those stay missing, not zero.

Decisions
---------
* A video is an original post of its channel: the API records no replies or
  reposts, so videos are coded ``broadcast`` or, when the title or description
  names ``@handles``, ``mention``.
* ``replies`` is ``commentCount``; ``shares`` is missing (the Data API gives no
  share count); ``likes`` is ``likeCount``; ``views`` is ``viewCount``.
* ``account`` is the channel title (the resource carries no handle).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from . import ExportFormatError, count_value, parse_utc, posts_frame
from .youtube_channels import responses

__all__ = ["read"]

#: A YouTube handle named in a text: @ and 3 to 30 letters, digits, ``_``, ``.`` or ``-``.
MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9_.\-]{3,30})")


def read(path: str | Path, country: str, role: str, platform: str = "youtube") -> pd.DataFrame:
    """Read saved ``videos.list`` responses into the posts table.

    Parameters
    ----------
    path
        A ``.json`` file (one response, or an array of responses) or a
        ``.jsonl`` file (one response a line).
    country, role
        The country and institution role the channel belongs to.
    platform
        Stored in the ``platform`` column.

    Raises
    ------
    ExportFormatError
        The file is not JSON, a response has no ``items`` list, or a video lacks
        ``id`` or ``snippet.publishedAt`` / ``snippet.channelId``, or a count is
        not a whole number; the message names the response and item and field.
    """
    path = Path(path)
    cols: dict[str, list] = {
        k: []
        for k in (
            "account_id",
            "account",
            "post_id",
            "mentions",
            "replies",
            "likes",
            "views",
            "text",
        )
    }
    times: list[object] = []
    where_list: list[str] = []
    seen: set[str] = set()
    for where, video in _videos(path):
        if not isinstance(video, dict):
            raise ExportFormatError(path, where, None, "a video must be a JSON object")
        kind = video.get("kind", "youtube#video")
        if kind != "youtube#video":
            raise ExportFormatError(
                path,
                where,
                "kind",
                f"{kind!r} is not a youtube#video (is this a search.list response?)",
            )
        video_id = video.get("id")
        if not isinstance(video_id, str) or not video_id:
            raise ExportFormatError(path, where, "id", "missing or not a string")
        snippet = video.get("snippet")
        if not isinstance(snippet, dict):
            raise ExportFormatError(path, where, "snippet", "missing (request part=snippet)")
        channel = snippet.get("channelId")
        if not isinstance(channel, str) or not channel:
            raise ExportFormatError(path, where, "snippet.channelId", "missing")
        stats = video.get("statistics") or {}
        if not isinstance(stats, dict):
            raise ExportFormatError(path, where, "statistics", "must be an object")
        title = snippet.get("title") or ""
        description = snippet.get("description") or ""
        if not isinstance(title, str) or not isinstance(description, str):
            raise ExportFormatError(
                path, where, "snippet.title", "title and description must be strings"
            )
        if video_id in seen:
            continue
        seen.add(video_id)
        text = f"{title}\n{description}".strip()
        times.append(snippet.get("publishedAt"))
        where_list.append(where)
        cols["account_id"].append(channel)
        cols["account"].append(snippet.get("channelTitle"))
        cols["post_id"].append(video_id)
        cols["mentions"].append(sorted({m.lower() for m in MENTION.findall(text)}))
        cols["replies"].append(
            count_value(stats.get("commentCount"), path, where, "statistics.commentCount")
        )
        cols["likes"].append(
            count_value(stats.get("likeCount"), path, where, "statistics.likeCount")
        )
        cols["views"].append(
            count_value(stats.get("viewCount"), path, where, "statistics.viewCount")
        )
        cols["text"].append(text)
    n = len(times)
    created = (
        list(parse_utc(times, where_list, path, "snippet.publishedAt", naive_tz=None)) if n else []
    )
    return posts_frame(
        {
            "country": [country] * n,
            "role": [role] * n,
            "platform": [platform] * n,
            "created_at": created,
            **cols,
        }
    )


def _videos(path: Path):
    """Every video of the ``videos.list`` responses in `path`, with where it is."""
    for where, response in responses(path, ("youtube#videoListResponse",), "videos.list"):
        for i, video in enumerate(response["items"]):
            yield f"{where}, items[{i}]", video
