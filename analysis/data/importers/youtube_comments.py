"""A YouTube channel's answers to its public, from ``commentThreads.list`` responses.

The file holds what
``GET https://www.googleapis.com/youtube/v3/commentThreads?part=snippet,replies&allThreadsRelatedToChannelId=…``
returns: ``{"kind": "youtube#commentThreadListResponse", "items": [...]}``, one
response, a JSON array of them, or JSON Lines (one response a line, as paged
requests are saved). A thread lists at most a few of its replies; the rest come
from ``comments.list?parentId=<thread>`` (``youtube#commentListResponse``),
which may be saved in the same file after the threads they belong to.

The ``videos.list`` export (:mod:`analysis.data.importers.youtube`) holds what a
channel broadcasts; this one holds how it talks back. Together they let the
account's interaction level be *measured* (:func:`analysis.core.coding.account_levels`)
rather than judged.

Rows (the posts schema, :data:`analysis.data.importers.POSTS_COLUMNS`) are the
**channel's own comments** only; the public's comments are not the account's
posts:

* the channel is the thread's ``snippet.channelId``; its comments are those whose
  ``authorChannelId.value`` equals it;
* a reply of the channel is coded by :func:`analysis.core.coding.code_posts` like a
  reply on X: ``in_reply_to`` is the thread's top-level comment (YouTube threads
  are flat), ``conversation_id`` the thread, and ``in_reply_to_account_id`` the
  author of the latest earlier comment in the thread that is not the channel's:
  the person the channel is answering. A channel that answers twice or more in
  one thread is in a ``dialogue`` (codebook ``dialogue_min_replies``); where no
  one else spoke before, the reply continues the channel's own thread;
* a top-level comment of the channel (say, pinned under its video) is an
  original post (``broadcast``, or ``mention`` where it names ``@someone``);
* ``likes`` is ``likeCount``; ``replies``, ``shares`` and ``views`` are missing.
  The replies a video received are already counted by ``videos.list``
  (``statistics.commentCount``), so the public's comments are not counted again.

Fields used (``youtube#commentThread``): ``id``, ``snippet.channelId``,
``snippet.videoId``, ``snippet.topLevelComment``, ``replies.comments``; for each
``youtube#comment``: ``id``, ``snippet.authorChannelId.value``,
``snippet.authorDisplayName``, ``snippet.textOriginal`` (else
``snippet.textDisplay``), ``snippet.likeCount``, ``snippet.publishedAt``,
``snippet.parentId``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import ExportFormatError, count_value, parse_utc, posts_frame
from .youtube import MENTION
from .youtube_channels import responses

__all__ = ["read"]

#: A channel that answered no one has no post in its comment threads: that is a measured
#: ``none``, not an empty export (an empty file is still refused, by :func:`responses`).
MAY_HOLD_NO_POST = True

_THREADS = "youtube#commentThreadListResponse"
_COMMENTS = "youtube#commentListResponse"


@dataclass
class _Comment:
    id: str
    author: str | None
    name: str | None
    text: str
    likes: int | None
    published: str
    where: str
    prefix: str
    top: bool
    time: pd.Timestamp | None = None


@dataclass
class _Thread:
    id: str
    channel: str
    comments: dict[str, _Comment] = field(default_factory=dict)


def read(path: str | Path, country: str, role: str, platform: str = "youtube") -> pd.DataFrame:
    """Read saved ``commentThreads.list`` (and ``comments.list``) responses: the channel's comments.

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
        The file is not JSON, a response is neither kind, a thread lacks
        ``snippet.channelId`` (request threads with ``allThreadsRelatedToChannelId``)
        or its top-level comment, a comment lacks ``id`` or ``snippet.publishedAt``,
        a ``comments.list`` reply names a thread the file does not hold, or a count
        is not a whole number; the message names the record and the field.

    Examples
    --------
    >>> from analysis.base.paths import REPO_ROOT
    >>> from analysis.core.coding import code_posts
    >>> fixture = REPO_ROOT / "tests/fixtures/youtube/constructed_comment_threads.json"
    >>> code_posts(read(fixture, "MEX", "foreign_ministry"))["kind"].astype(str).tolist()
    ['broadcast', 'reply', 'dialogue', 'dialogue', 'broadcast', 'reply']
    """
    path = Path(path)
    threads: dict[str, _Thread] = {}
    orphans: list[tuple[_Comment, str]] = []
    for where, response in responses(path, (_THREADS, _COMMENTS), "commentThreads.list"):
        for i, item in enumerate(response["items"]):
            at = f"{where}, items[{i}]"
            if not isinstance(item, dict):
                raise ExportFormatError(path, at, None, "an item must be a JSON object")
            kind = item.get("kind") or (
                "youtube#comment" if response.get("kind") == _COMMENTS else "youtube#commentThread"
            )
            if kind == "youtube#commentThread":
                thread = _thread(item, path, at)
                known = threads.setdefault(thread.id, thread)
                for cid, comment in thread.comments.items():
                    known.comments.setdefault(cid, comment)
            elif kind == "youtube#comment":
                comment = _comment(item, path, at, "", top=False)
                parent = (item.get("snippet") or {}).get("parentId")
                if not isinstance(parent, str) or not parent:
                    raise ExportFormatError(
                        path, at, "snippet.parentId", "missing (a reply names its thread)"
                    )
                orphans.append((comment, parent))
            else:
                raise ExportFormatError(path, at, "kind", f"{kind!r} is not a comment or thread")
    for comment, parent in orphans:
        if parent not in threads:
            raise ExportFormatError(
                path,
                comment.where,
                "snippet.parentId",
                f"{parent!r} is not a thread of this file (save its commentThreads page too)",
            )
        threads[parent].comments.setdefault(comment.id, comment)
    return _posts(path, threads, country, role, platform)


def _thread(item: dict, path: Path, at: str) -> _Thread:
    thread_id = item.get("id")
    if not isinstance(thread_id, str) or not thread_id:
        raise ExportFormatError(path, at, "id", "missing or not a string")
    snippet = item.get("snippet")
    if not isinstance(snippet, dict):
        raise ExportFormatError(path, at, "snippet", "missing (request part=snippet)")
    channel = snippet.get("channelId")
    if not isinstance(channel, str) or not channel:
        raise ExportFormatError(
            path,
            at,
            "snippet.channelId",
            "missing: whose public this is (request threads with allThreadsRelatedToChannelId)",
        )
    thread = _Thread(thread_id, channel)
    top = _comment(snippet.get("topLevelComment"), path, at, "snippet.topLevelComment", top=True)
    thread.comments[top.id] = top
    replies = item.get("replies") or {}
    listed = replies.get("comments", []) if isinstance(replies, dict) else None
    if not isinstance(listed, list):
        raise ExportFormatError(path, at, "replies.comments", "must be a list")
    for j, reply in enumerate(listed):
        comment = _comment(reply, path, at, f"replies.comments[{j}]", top=False)
        thread.comments.setdefault(comment.id, comment)
    return thread


def _comment(item: object, path: Path, at: str, prefix: str, *, top: bool) -> _Comment:
    dot = f"{prefix}." if prefix else ""
    if not isinstance(item, dict):
        raise ExportFormatError(path, at, prefix or None, "a comment must be a JSON object")
    comment_id = item.get("id")
    if not isinstance(comment_id, str) or not comment_id:
        raise ExportFormatError(path, at, f"{dot}id", "missing or not a string")
    snippet = item.get("snippet")
    if not isinstance(snippet, dict):
        raise ExportFormatError(path, at, f"{dot}snippet", "missing (request part=snippet)")
    author = snippet.get("authorChannelId")
    if author is not None:
        author = author.get("value") if isinstance(author, dict) else None
        if not isinstance(author, str) or not author:
            raise ExportFormatError(
                path, at, f"{dot}snippet.authorChannelId.value", "must be a channel id"
            )
    name = snippet.get("authorDisplayName")
    text = snippet.get("textOriginal")
    if text is None:
        text = snippet.get("textDisplay", "")
    for field_name, value in (("authorDisplayName", name), ("textOriginal", text)):
        if value is not None and not isinstance(value, str):
            raise ExportFormatError(path, at, f"{dot}snippet.{field_name}", "must be a string")
    published = snippet.get("publishedAt")
    if not isinstance(published, str) or not published.strip():
        raise ExportFormatError(path, at, f"{dot}snippet.publishedAt", "missing: when it was said")
    likes = count_value(snippet.get("likeCount"), path, at, f"{dot}snippet.likeCount")
    return _Comment(comment_id, author, name, text or "", likes, published, at, dot, top)


def _posts(
    path: Path, threads: dict[str, _Thread], country: str, role: str, platform: str
) -> pd.DataFrame:
    comments = [c for t in threads.values() for c in t.comments.values()]
    if comments:
        times = parse_utc(
            [c.published for c in comments],
            [c.where for c in comments],
            path,
            "snippet.publishedAt",
            naive_tz=None,
        )
        for comment, time in zip(comments, times, strict=True):
            comment.time = time
    cols: dict[str, list] = {
        k: []
        for k in (
            "account_id",
            "account",
            "post_id",
            "created_at",
            "conversation_id",
            "in_reply_to",
            "in_reply_to_account_id",
            "kind_ref",
            "mentions",
            "likes",
            "text",
        )
    }
    for thread in threads.values():
        ordered = sorted(thread.comments.values(), key=lambda c: (not c.top, c.time, c.id))
        top_id = next((c.id for c in ordered if c.top), thread.id)
        last_other: str | None = None  # the latest member of the public who spoke
        for comment in ordered:
            if comment.author != thread.channel:
                last_other = comment.author or last_other
                continue
            reply = not comment.top
            cols["account_id"].append(thread.channel)
            cols["account"].append(comment.name)
            cols["post_id"].append(comment.id)
            cols["created_at"].append(comment.time)
            cols["conversation_id"].append(thread.id)
            cols["in_reply_to"].append(top_id if reply else None)
            cols["in_reply_to_account_id"].append((last_other or thread.channel) if reply else None)
            cols["kind_ref"].append("replied_to" if reply else None)
            cols["mentions"].append(sorted({m.lower() for m in MENTION.findall(comment.text)}))
            cols["likes"].append(comment.likes)
            cols["text"].append(comment.text)
    n = len(cols["post_id"])
    return posts_frame(
        {"country": [country] * n, "role": [role] * n, "platform": [platform] * n, **cols}
    )
