"""A Bluesky account's author feed, from ``app.bsky.feed.getAuthorFeed`` pages.

The file holds what the AT Protocol's public AppView returns for
``GET /xrpc/app.bsky.feed.getAuthorFeed?actor=…&filter=posts_with_replies``:
``{"feed": [FeedViewPost, …], "cursor": "…"}``, one page, a JSON array of pages,
or JSON Lines (one page a line, as :mod:`analysis.data.collect.bluesky` saves
them). Fields are those of the lexicons ``app.bsky.feed.getAuthorFeed`` and
``app.bsky.feed.defs`` (``feedViewPost``, ``postView``, ``replyRef``,
``reasonRepost``, ``notFoundPost``, ``blockedPost``).

Rows (the posts schema, :data:`analysis.data.importers.POSTS_COLUMNS`) are the
**account's own posts** only; the public's posts a feed shows are context:

* an item without ``reason`` is a post of its ``post.author``;
* a repost (``reason`` ``#reasonRepost``) is a share by ``reason.by``:
  ``kind_ref`` ``'retweeted'``, its time the repost's (``reason.indexedAt``), its
  id the repost record's (``reason.uri``, or ``<post uri>#repost-by-<did>`` where
  the AppView does not give it), its text the reposted words (as X's retweets
  carry them), its counts missing (they are the original's);
* a pinned post (``#reasonPin``) is the post itself, kept once;
* the reposted post, a reply's ``parent`` and ``root``, and a quoted post are
  context, never rows;
* a reply (``record.reply``) answers ``record.reply.parent``: ``in_reply_to`` is
  its ``at://`` URI, ``in_reply_to_account_id`` the DID that URI names (known
  even when the parent was deleted, ``#notFoundPost``), ``in_reply_to_account``
  the parent's handle where the feed shows it, and ``conversation_id`` the
  thread's root URI;
* a quote (``record.embed`` ``app.bsky.embed.record`` or ``recordWithMedia``
  of a post) has ``kind_ref`` ``'quoted'``: a share, whatever else it carries;
* ``mentions`` are the DIDs of the ``#mention`` facets; ``replies`` is
  ``replyCount``, ``shares`` ``repostCount + quoteCount``, ``likes``
  ``likeCount``; ``views`` is missing (the AppView does not count them).

The time of a post is ``record.createdAt`` (the author's), with a zone; a post
that appears twice (overlapping pages, a pinned post) is kept once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from . import ExportFormatError, count_value, parse_utc, posts_frame

__all__ = ["did_of", "pages", "read"]

_REPOST = "app.bsky.feed.defs#reasonRepost"
_PIN = "app.bsky.feed.defs#reasonPin"
_QUOTES = ("app.bsky.embed.record", "app.bsky.embed.recordWithMedia")
_MENTION = "app.bsky.richtext.facet#mention"
#: The repository (DID) an ``at://`` URI names.
_AT_URI = re.compile(r"^at://(did:[a-z]+:[A-Za-z0-9._:%-]+)/")
_COLUMNS = (
    "account_id",
    "account",
    "post_id",
    "conversation_id",
    "in_reply_to",
    "in_reply_to_account_id",
    "in_reply_to_account",
    "kind_ref",
    "mentions",
    "replies",
    "shares",
    "likes",
    "text",
)


def did_of(uri: object) -> str | None:
    """The DID of the repository an ``at://`` URI names, or None.

    >>> did_of("at://did:plc:wpe35pganb6d4pg4ekmfy6u5/app.bsky.feed.post/3lhjnkjle5s2o")
    'did:plc:wpe35pganb6d4pg4ekmfy6u5'
    """
    match = _AT_URI.match(uri) if isinstance(uri, str) else None
    return match.group(1) if match else None


def pages(path: str | Path) -> Iterator[tuple[str, dict]]:
    """``(where, page)`` for every ``getAuthorFeed`` page of the file, in order.

    Raises
    ------
    ExportFormatError
        The file (or a line) is not JSON, or a page is not an object with a ``feed`` list.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        docs = [("file", json.loads(text))]
    except json.JSONDecodeError:
        docs = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                docs.append((f"line {number}", json.loads(line)))
            except json.JSONDecodeError as err:
                where = f"line {number}"
                raise ExportFormatError(path, where, None, f"not valid JSON ({err.msg})") from None
    for where, doc in docs:
        listed = doc if isinstance(doc, list) else [doc]
        for i, page in enumerate(listed):
            at = f"{where}[{i}]" if isinstance(doc, list) else where
            if not isinstance(page, dict) or not isinstance(page.get("feed"), list):
                raise ExportFormatError(
                    path, at, "feed", "not a getAuthorFeed page (an object with a feed list)"
                )
            yield at, page


def read(path: str | Path, country: str, role: str, platform: str = "bluesky"):
    """Read saved ``getAuthorFeed`` pages into the posts table: the account's own posts.

    Parameters
    ----------
    path
        A ``.json`` file (a page, or an array of pages) or ``.jsonl`` (a page a line).
    country, role
        The country (ISO 3166-1 alpha-3) and institution role the account belongs to.
    platform
        Stored in the ``platform`` column.

    Raises
    ------
    ExportFormatError
        A page or item lacks what the lexicon requires (``post.uri``,
        ``post.author.did``, ``post.record.createdAt``, a repost's ``reason.by.did``
        and ``reason.indexedAt``), a time has no zone, or a count is not a whole
        number; the message names the page, the item and the field.

    Examples
    --------
    >>> from analysis.base.paths import REPO_ROOT
    >>> from analysis.core.coding import code_posts
    >>> fixture = REPO_ROOT / "tests/fixtures/bluesky/bskyr-getAuthorFeed-chriskenny.json"
    >>> posts = read(fixture, "XBS", "foreign_ministry")
    >>> code_posts(posts)["kind"].value_counts().to_dict()  # doctest: +NORMALIZE_WHITESPACE
    {'dialogue': 15, 'share': 14, 'broadcast': 10, 'reply': 8, 'mention': 3,
     'internal': 0}
    """
    path = Path(path)
    cols: dict[str, list] = {k: [] for k in _COLUMNS}
    times: list[object] = []
    where_list: list[str] = []
    seen: set[str] = set()
    for at, page in pages(path):
        for i, item in enumerate(page["feed"]):
            where = f"{at}, feed[{i}]"
            row, time = _row(item, path, where)
            if row["post_id"] in seen:
                continue
            seen.add(row["post_id"])
            times.append(time)
            where_list.append(where)
            for k in _COLUMNS:
                cols[k].append(row[k])
    n = len(times)
    created = parse_utc(times, where_list, path, "createdAt", naive_tz=None) if n else []
    return posts_frame(
        {
            "country": [country] * n,
            "role": [role] * n,
            "platform": [platform] * n,
            "created_at": list(created),
            **cols,
        }
    )


def _text(value: object, path: Path, where: str, field: str, *, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ExportFormatError(path, where, field, "missing or not a string")
    return value


def _row(item: object, path: Path, where: str) -> tuple[dict, object]:
    if not isinstance(item, dict) or not isinstance(item.get("post"), dict):
        raise ExportFormatError(path, where, "post", "a feed item needs its post (a postView)")
    post = item["post"]
    uri = _text(post.get("uri"), path, where, "post.uri", required=True)
    author = post.get("author") if isinstance(post.get("author"), dict) else {}
    record = post.get("record")
    if not isinstance(record, dict):
        raise ExportFormatError(path, where, "post.record", "missing (the post's own record)")
    text = record.get("text", "")
    if not isinstance(text, str):
        raise ExportFormatError(path, where, "post.record.text", "must be a string")
    reason = item.get("reason") if isinstance(item.get("reason"), dict) else {}
    if reason.get("$type") == _REPOST:
        by = reason.get("by") if isinstance(reason.get("by"), dict) else {}
        did = _text(by.get("did"), path, where, "reason.by.did", required=True)
        time = _text(reason.get("indexedAt"), path, where, "reason.indexedAt", required=True)
        repost = reason.get("uri")
        row = dict.fromkeys(_COLUMNS)
        row.update(
            account_id=did,
            account=by.get("handle") if isinstance(by.get("handle"), str) else None,
            post_id=repost if isinstance(repost, str) and repost else f"{uri}#repost-by-{did}",
            kind_ref="retweeted",
            mentions=[],
            text=text,
        )
        return row, time
    did = _text(author.get("did"), path, where, "post.author.did", required=True)
    time = _text(record.get("createdAt"), path, where, "post.record.createdAt", required=True)
    reply = record.get("reply") if isinstance(record.get("reply"), dict) else None
    parent_uri = root_uri = parent_handle = None
    if reply is not None:
        parent_uri = _text(
            (reply.get("parent") or {}).get("uri"),
            path,
            where,
            "record.reply.parent.uri",
            required=True,
        )
        root_uri = (reply.get("root") or {}).get("uri")
        shown = (
            (item.get("reply") or {}).get("parent") if isinstance(item.get("reply"), dict) else None
        )
        shown_author = shown.get("author") if isinstance(shown, dict) else None
        if isinstance(shown_author, dict) and isinstance(shown_author.get("handle"), str):
            parent_handle = shown_author["handle"]
    counts = {
        key: count_value(post.get(key), path, where, f"post.{key}")
        for key in ("replyCount", "repostCount", "quoteCount", "likeCount")
    }
    reposts, quotes = counts["repostCount"], counts["quoteCount"]
    row = {
        "account_id": did,
        "account": author.get("handle") if isinstance(author.get("handle"), str) else None,
        "post_id": uri,
        "conversation_id": root_uri if isinstance(root_uri, str) and root_uri else None,
        "in_reply_to": parent_uri,
        "in_reply_to_account_id": did_of(parent_uri),
        "in_reply_to_account": parent_handle,
        "kind_ref": "quoted" if _quotes_a_post(record) else ("replied_to" if reply else None),
        "mentions": _mentions(record, path, where),
        "replies": counts["replyCount"],
        "shares": None if reposts is None and quotes is None else (reposts or 0) + (quotes or 0),
        "likes": counts["likeCount"],
        "text": text,
    }
    return row, time


def _quotes_a_post(record: dict) -> bool:
    """True when the record embeds another post (a quote), not a feed, list or link."""
    embed = record.get("embed")
    if not isinstance(embed, dict) or embed.get("$type") not in _QUOTES:
        return False
    ref = embed.get("record")
    if isinstance(ref, dict) and embed.get("$type") == _QUOTES[1]:
        ref = ref.get("record")  # recordWithMedia: {record: {record: strongRef}, media}
    uri = ref.get("uri") if isinstance(ref, dict) else None
    return isinstance(uri, str) and "/app.bsky.feed.post/" in uri


def _mentions(record: dict, path: Path, where: str) -> list[str]:
    facets = record.get("facets") or []
    if not isinstance(facets, list):
        raise ExportFormatError(path, where, "post.record.facets", "must be a list")
    out = []
    for facet in facets:
        features = facet.get("features") if isinstance(facet, dict) else None
        for feature in features if isinstance(features, list) else []:
            if isinstance(feature, dict) and feature.get("$type") == _MENTION:
                did = feature.get("did")
                if isinstance(did, str) and did and did not in out:
                    out.append(did)
    return out
