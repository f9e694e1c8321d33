"""Channels, videos and comment threads from the YouTube Data API v3.

``python -m analysis collect youtube ARG`` reads the country's YouTube accounts
in ``accounts.csv`` (a handle that is a channel id ``UC…``, as Wikidata's P2397
gives, or an ``@handle``), and for each channel requests, with the API key of
the environment variable :data:`KEY_ENV`:

1. ``channels.list`` (snippet, statistics, contentDetails): when it opened,
   subscribers, views, videos, and its uploads playlist;
2. ``playlistItems.list`` on the uploads playlist, then ``videos.list`` for the
   latest `max_videos` videos (snippet, statistics);
3. ``commentThreads.list`` with ``allThreadsRelatedToChannelId`` (snippet,
   replies), at most `max_thread_pages` pages of 100 threads, and
   ``comments.list`` for the threads whose replies the page does not all hold.

Every response is kept byte for byte under ``data/raw/snapshots/youtube/``
(the key is sent, never saved: it is not in the snapshot, the manifest, a
message or a row). From the snapshots it writes:

* the account's ``created`` (the day the channel opened), ``followers``,
  ``posts`` (videos), ``views`` and ``as_of`` (the retrieval day), with the
  source ``YouTube Data API channels.list UC…, retrieved YYYY-MM-DD``;
* two exports under ``data/raw/posts/`` listed in ``exports.csv``: the videos
  (format ``youtube``, read by :mod:`analysis.data.importers.youtube`) and the
  comment threads (format ``youtube_comments``, read by
  :mod:`analysis.data.importers.youtube_comments`), each one API response a line;
  with both, the channel's interaction level is measured.

With ``offline=True`` the snapshots are replayed in the same order and no key is needed.
Everything that can be checked is checked before the first request (the data directory
validates, every handle is a channel id or a handle, the key and the contact are there),
and the exports are written only once the merged tables and the exports themselves
validate (:func:`analysis.data.collect.merge.apply`), so a refusal leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pandas as pd

from analysis.base.errors import CompendiumError, ExportFormatError, UsageError
from analysis.base.paths import DATA_DIR
from analysis.data.importers import MAX_JSON_DEPTH, json_value, youtube_channels
from analysis.data.load import check_country, load_all
from analysis.data.provenance import collectable

from .http import user_agent
from .merge import Collection, Proposal, apply
from .snapshots import Snapshot, SnapshotStore

__all__ = ["API", "CHANNEL_ID", "KEY_ENV", "collect"]

#: The API's address.
API = "https://www.googleapis.com/youtube/v3/"
#: The environment variable that holds the API key.
KEY_ENV = "YOUTUBE_API_KEY"
#: A channel id; checked before it is used in a request or a file name.
CHANNEL_ID = re.compile(r"^UC[A-Za-z0-9_-]{22}$")
_HANDLE = re.compile(r"^@?([A-Za-z0-9][A-Za-z0-9._-]{2,99})$")
_PLAYLIST = re.compile(r"^[A-Za-z0-9_-]{2,64}$")
_THREAD = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_VIDEO = re.compile(r"^[A-Za-z0-9_-]{11}$")
_KEY = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


def collect(
    iso: str,
    data_dir: str | Path | None = None,
    *,
    offline: bool = False,
    api_key: str | None = None,
    max_videos: int = 100,
    max_thread_pages: int = 5,
    max_reply_pages: int = 1,
    client=None,
    now=None,
) -> Collection:
    """Collect the YouTube channels of `iso`'s accounts; write their figures and exports.

    Parameters
    ----------
    iso
        The country (ISO 3166-1 alpha-3).
    data_dir
        The data directory (default data/raw).
    offline
        Replay the saved snapshots only.
    api_key
        The API key (default: the environment variable :data:`KEY_ENV`); online only.
    max_videos, max_thread_pages, max_reply_pages
        How far back to read: the latest videos, pages of 100 comment threads,
        and pages of 100 replies per thread.
    client, now
        The HTTP client and the clock (seams for tests).

    Raises
    ------
    analysis.base.errors.UsageError
        For a malformed code, a country without data or without a YouTube
        account to look up, or (online) no API key.
    analysis.data.collect.http.NetworkError
        Online, when the API cannot be reached or refuses (the quota, a bad key).
    """
    data_dir = Path(data_dir or DATA_DIR)
    check_country(iso, data_dir)
    tables = load_all(data_dir)  # a refusal must come before the first request, not after
    secret = None
    if not offline:
        key = (api_key or os.environ.get(KEY_ENV, "")).strip()
        if not key:
            raise UsageError(
                f"set {KEY_ENV} to a YouTube Data API key, or replay the saved snapshots "
                "with --offline"
            )
        if not _KEY.match(key):
            raise UsageError(f"{KEY_ENV} does not look like an API key")
        secret = {"key": key}
    accounts = tables["accounts"]
    mine = accounts[
        (accounts["country"] == iso)
        & (accounts["platform"] == "youtube")
        & accounts["handle"].notna()
        & (accounts["present"].fillna(True))
    ]
    if mine.empty:
        raise UsageError(
            f"no YouTube account of {iso} in accounts.csv has a channel id or handle: "
            f"run collect wikidata {iso} first, or enter it by hand"
        )
    store = SnapshotStore(data_dir, "youtube", offline=offline, client=client, now=now)
    if not offline and client is None:
        user_agent()  # no contact: say so now, not after the first request
    exports = tables["exports"]
    proposals: list[Proposal] = []
    files: dict[str, str] = {}
    read: list[Path] = []
    missing: list[str] = []
    channels = [  # each handle checked before any request
        (role, str(handle), _Channel(store, secret, str(handle), read))
        for role, handle in zip(mine["role"], mine["handle"], strict=True)
    ]
    for role, handle, channel in channels:
        found = channel.lookup()
        if found is None:
            missing.append(f"channels.list {channel.asked}: no such channel")
            continue
        proposals.append(_account(iso, str(role), str(handle), found, channel.first))
        videos = channel.videos(found.get("uploads"), max_videos)
        threads = channel.threads(max_thread_pages, max_reply_pages)
        for kind, fmt, method, pages in (
            ("videos", "youtube", "videos.list", videos),
            ("comments", "youtube_comments", "commentThreads.list", threads),
        ):
            if not pages:
                continue
            name = f"posts/{iso.lower()}-{role}-youtube-{channel.id}-{kind}.jsonl"
            if not _ours(exports, name):
                missing.append(f"{name}: exports.csv lists it with another source; not replaced")
                continue
            files[name] = "".join(_one_line(p) for p in pages)
            retrieved = max(p.date for p in pages)
            proposals.append(
                Proposal(
                    "exports",
                    {"file": name},
                    ({"format": fmt, "country": iso, "role": str(role), "platform": "youtube"},),
                    f"YouTube Data API {method} {channel.id}, retrieved {retrieved}",
                )
            )
    report = apply(data_dir, proposals, files)  # the exports, once everything validates
    return Collection(report, tuple(read), tuple(missing))


class _Channel:
    """The requests for one channel, in a fixed order so that a replay follows them."""

    def __init__(self, store: SnapshotStore, secret, handle: str, read: list[Path]):
        self.store, self.secret, self.read = store, secret, read
        if CHANNEL_ID.match(handle):
            self.params = {"id": handle}
            self.asked = f"id={handle}"
            self.name = f"channels/{handle}.json"
        elif _HANDLE.match(handle):
            bare = _HANDLE.match(handle).group(1)
            self.params = {"forHandle": f"@{bare}"}
            self.asked = f"forHandle=@{bare}"
            self.name = f"channels/@{bare}.json"
        else:
            raise UsageError(f"{handle!r} is neither a YouTube channel id (UC…) nor a handle")
        self.id = ""
        self.first: Snapshot | None = None

    def get(self, name: str, method: str, params: dict[str, str]) -> Snapshot:
        snap = self.store.get(name, API + method, params, secret=self.secret)
        self.read.append(snap.path)
        return snap

    def lookup(self) -> dict | None:
        params = {"part": "snippet,statistics,contentDetails", **self.params}
        snap = self.first = self.get(self.name, "channels", params)
        frame = youtube_channels.read(snap.path)
        if "id" in self.params:
            frame = frame[frame["channel_id"] == self.params["id"]]
        if len(frame) != 1:
            return None
        row = {k: (None if pd.isna(v) else v) for k, v in frame.iloc[0].items()}
        if not CHANNEL_ID.match(str(row["channel_id"])):
            raise ExportFormatError(snap.path, "response, items[0]", "id", "not a channel id")
        self.id = str(row["channel_id"])
        return row

    def pages(self, stem: str, method: str, params: dict[str, str], limit: int) -> list[Snapshot]:
        """Up to `limit` pages of a paged request, following ``nextPageToken``."""
        out, token = [], None
        for page in range(1, limit + 1):
            asked = {**params, **({"pageToken": token} if token else {})}
            snap = self.get(f"{self.id}/{stem}-p{page:03d}.json", method, asked)
            out.append(snap)
            token = _field(snap, "nextPageToken")
            if not isinstance(token, str) or not token:
                break
        return out

    def videos(self, uploads: str | None, limit: int) -> list[Snapshot]:
        if not uploads or limit <= 0:
            return []
        if not _PLAYLIST.match(uploads):
            raise ExportFormatError(self.first.path, "response", "uploads", "not a playlist id")
        ids: list[str] = []
        listing = self.pages(
            "playlistItems",
            "playlistItems",
            {"part": "contentDetails,snippet", "playlistId": uploads, "maxResults": "50"},
            max(1, -(-limit // 50)),
        )
        for snap in listing:
            for item in _field(snap, "items") or []:
                video = (item.get("contentDetails") or {}).get("videoId") or (
                    (item.get("snippet") or {}).get("resourceId") or {}
                ).get("videoId")
                if isinstance(video, str) and _VIDEO.match(video) and video not in ids:
                    ids.append(video)
        ids = ids[:limit]
        return [
            self.get(
                f"{self.id}/videos-p{i // 50 + 1:03d}.json",
                "videos",
                {"part": "snippet,statistics", "id": ",".join(ids[i : i + 50])},
            )
            for i in range(0, len(ids), 50)
        ]

    def threads(self, limit: int, reply_pages: int) -> list[Snapshot]:
        if limit <= 0:
            return []
        pages = self.pages(
            "commentThreads",
            "commentThreads",
            {
                "part": "snippet,replies",
                "allThreadsRelatedToChannelId": self.id,
                "maxResults": "100",
                "order": "time",
                "textFormat": "plainText",
            },
            limit,
        )
        replies: list[Snapshot] = []
        for snap in list(pages):
            for thread in _field(snap, "items") or []:
                listed = len(((thread.get("replies") or {}).get("comments")) or [])
                total = (thread.get("snippet") or {}).get("totalReplyCount") or 0
                tid = thread.get("id")
                if isinstance(total, int) and total > listed and isinstance(tid, str):
                    if not _THREAD.match(tid):
                        raise ExportFormatError(snap.path, "items", "id", "not a thread id")
                    replies += self.pages(
                        f"comments-{tid}",
                        "comments",
                        {
                            "part": "snippet",
                            "parentId": tid,
                            "maxResults": "100",
                            "textFormat": "plainText",
                        },
                        reply_pages,
                    )
        return pages + replies


def _account(iso: str, role: str, handle: str, found: dict, snap: Snapshot) -> Proposal:
    figures = {
        "followers": found["followers"],
        "posts": found["posts"],
        "views": found["views"],
    }
    block = {k: str(int(v)) for k, v in figures.items() if v is not None}
    blocks: list[dict[str, str]] = [{"present": "true"}, {"created": str(found["created"])}]
    if block:
        blocks.append({**block, "as_of": snap.date})
    return Proposal(
        "accounts",
        {"country": iso, "role": role, "platform": "youtube", "handle": handle},
        tuple(blocks),
        f"YouTube Data API channels.list {found['channel_id']}, retrieved {snap.date}",
    )


def _field(snap: Snapshot, name: str):
    doc = json_value(snap.body, snap.path, "file", max_depth=MAX_JSON_DEPTH)
    if not isinstance(doc, dict):
        raise ExportFormatError(snap.path, "file", None, "not an API response")
    if "error" in doc:
        raise CompendiumError("the API answered with an error, not data", snap.path)
    return doc.get(name)


def _one_line(snap: Snapshot) -> str:
    """A snapshot as one line of JSON Lines (same content; the snapshot keeps the bytes)."""
    doc = json_value(snap.body, snap.path, "file", max_depth=MAX_JSON_DEPTH)
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"


def _ours(exports, name: str) -> bool:
    """True when `name` is not yet an export, or is one a collector wrote."""
    return all(collectable(s) for s in exports.loc[exports["file"] == name, "source"])
