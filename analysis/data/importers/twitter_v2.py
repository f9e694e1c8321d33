"""X/Twitter API v2 tweets, as twarc2 writes them, into the posts table.

Two line forms are read, and may be mixed in one file:

* the page form: one API response a line, ``{"data": [...], "includes":
  {"users": [...], ...}, "meta": ..., "errors": ...}`` (what ``twarc2 search``
  or ``twarc2 timeline`` write);
* the flattened form: one tweet object a line, with ``author`` expanded (what
  ``twarc2 flatten`` writes, or any tool that writes one tweet a line).

Each tweet is coded by its own ``author_id``: a file may mix many authors. The
tweets in ``includes.tweets`` are context (the tweets referenced), not posts of
the export, and are not imported.

Fields used (X API v2 tweet object): ``id``, ``author_id``, ``created_at``,
``text``, ``conversation_id``, ``in_reply_to_user_id``, ``referenced_tweets``
(``type`` one of ``retweeted``, ``quoted``, ``replied_to``), ``entities.mentions``
(``username``, and ``id`` when the request expanded it; otherwise looked up by username in the
page's ``includes.users``, and kept as the lower-case username where absent), ``public_metrics``
(``reply_count``, ``retweet_count``, ``quote_count``, ``like_count``, and
``impression_count`` where present). The answered account's username comes from
``includes.users`` (or the flattened ``in_reply_to_user``) where the export has it.

Decisions
---------
* ``shares`` is ``retweet_count + quote_count``: both put the post before
  another account's followers.
* A retweet carries the *original* tweet's counts in v2 (its own likes are
  always 0), so its counts are left missing rather than credited to the
  account that retweeted.
* A tweet that appears twice (overlapping pages) is kept once: the first.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from . import (
    KIND_REFS,
    POSTS_COLUMNS,
    ExportFormatError,
    count_value,
    json_value,
    parse_utc,
    posts_frame,
)

__all__ = ["read", "iter_tweets"]


def read(path: str | Path, country: str, role: str, platform: str = "twitter"):
    """Read a twarc2 JSON Lines export into the posts table.

    Parameters
    ----------
    path
        The ``.jsonl`` file.
    country, role
        The country (ISO 3166-1 alpha-3) and institution role the account
        belongs to; the export does not say.
    platform
        Stored in the ``platform`` column.

    Returns
    -------
    pandas.DataFrame
        The posts schema (:data:`analysis.data.importers.POSTS_COLUMNS`), sorted by
        ``created_at`` then ``post_id``.

    Raises
    ------
    ExportFormatError
        A line is not JSON, or a tweet lacks a field the coding needs, or a
        field has the wrong type; the message names the line, the tweet's index
        in ``data`` and the field.
    """
    path = Path(path)
    # every column of the posts schema but those the caller gives and the time
    skip = {"country", "role", "platform", "created_at"}
    cols: dict[str, list] = {k: [] for k in POSTS_COLUMNS if k not in skip}
    times: list[object] = []
    where_list: list[str] = []
    seen: set[str] = set()
    for where, tweet, usernames in iter_tweets(path):
        row = _row(tweet, usernames, path, where)
        if row["post_id"] in seen:
            continue
        seen.add(row["post_id"])
        times.append(row.pop("created_at"))
        where_list.append(where)
        for k, v in row.items():
            cols[k].append(v)
    n = len(times)
    created = parse_utc(times, where_list, path, "created_at", naive_tz=None) if n else []
    return posts_frame(
        {
            "country": [country] * n,
            "role": [role] * n,
            "platform": [platform] * n,
            "created_at": list(created),
            **cols,
        }
    )


def iter_tweets(path: str | Path) -> Iterator[tuple[str, dict, dict[str, str]]]:
    """Yield ``(where, tweet, usernames)`` for every tweet of the file.

    ``where`` locates the tweet for error messages (``"line 3"`` or
    ``"line 3, data[14]"``); ``usernames`` maps user ids to usernames from the
    page's ``includes.users`` (empty for the flattened form).
    """
    path = Path(path)
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            where = f"line {lineno}"
            obj = json_value(line, path, where)
            if not isinstance(obj, dict):
                raise ExportFormatError(
                    path, where, None, "a line must be a JSON object (a tweet or a page)"
                )
            if "data" in obj:
                data = obj["data"]
                if isinstance(data, dict):
                    data = [data]
                if not isinstance(data, list):
                    raise ExportFormatError(path, where, "data", "must be a list of tweets")
                usernames = _usernames(obj.get("includes"), path, where)
                for i, tweet in enumerate(data):
                    yield f"{where}, data[{i}]", tweet, usernames
            elif "id" in obj and ("text" in obj or "author_id" in obj):
                yield where, obj, _Users()
            elif "errors" in obj or "meta" in obj:
                continue  # a page with no results (only errors or an empty meta)
            else:
                raise ExportFormatError(
                    path, where, None, "neither a tweet (id, text) nor a page of tweets (data)"
                )


class _Users(dict):
    """User id -> username of a page, with the reverse map (lower-case username -> id)."""

    def __init__(self, pairs=()):
        super().__init__(pairs)
        self.by_name = {name.lower(): uid for uid, name in self.items()}


def _usernames(includes: object, path: Path, where: str) -> _Users:
    if includes is None:
        return _Users()
    if not isinstance(includes, dict):
        raise ExportFormatError(path, where, "includes", "must be an object")
    users = includes.get("users") or []
    if not isinstance(users, list):
        raise ExportFormatError(path, where, "includes.users", "must be a list of users")
    out = {}
    for j, user in enumerate(users):
        if not isinstance(user, dict) or "id" not in user or "username" not in user:
            raise ExportFormatError(
                path, where, f"includes.users[{j}]", "a user needs id and username"
            )
        out[str(user["id"])] = str(user["username"])
    return _Users(out)


def _id(tweet: dict, key: str, path: Path, where: str, *, required: bool) -> str | None:
    value = tweet.get(key)
    if value is None:
        if required:
            raise ExportFormatError(path, where, key, "missing")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)) or str(value).strip() == "":
        raise ExportFormatError(path, where, key, f"{value!r} is not an id")
    return str(value)


def _row(tweet: object, usernames: _Users, path: Path, where: str) -> dict:
    if not isinstance(tweet, dict):
        raise ExportFormatError(path, where, None, "a tweet must be a JSON object")
    post_id = _id(tweet, "id", path, where, required=True)
    author_id = _id(tweet, "author_id", path, where, required=True)
    text = tweet.get("text")
    if not isinstance(text, str):
        raise ExportFormatError(
            path, where, "text", "missing" if text is None else "must be a string"
        )

    ids_by_name = usernames.by_name
    author = tweet.get("author")
    account = usernames.get(author_id)
    if account is None and isinstance(author, dict) and author.get("username"):
        account = str(author["username"])

    refs = tweet.get("referenced_tweets") or []
    if not isinstance(refs, list):
        raise ExportFormatError(path, where, "referenced_tweets", "must be a list")
    by_type: dict[str, str] = {}
    for j, ref in enumerate(refs):
        field = f"referenced_tweets[{j}]"
        if not isinstance(ref, dict):
            raise ExportFormatError(path, where, field, "must be an object")
        kind = ref.get("type")
        if kind not in KIND_REFS:
            raise ExportFormatError(
                path, where, f"{field}.type", f"{kind!r} is not one of {', '.join(KIND_REFS)}"
            )
        by_type.setdefault(kind, _id(ref, "id", path, f"{where}, {field}", required=True))
    kind_ref = next((k for k in KIND_REFS if k in by_type), None)

    entities = tweet.get("entities") or {}
    if not isinstance(entities, dict):
        raise ExportFormatError(path, where, "entities", "must be an object")
    raw_mentions = entities.get("mentions") or []
    if not isinstance(raw_mentions, list):
        raise ExportFormatError(path, where, "entities.mentions", "must be a list")
    mentions: list[str] = []
    for j, m in enumerate(raw_mentions):
        field = f"entities.mentions[{j}]"
        if not isinstance(m, dict):
            raise ExportFormatError(path, where, field, "must be an object")
        if m.get("id") is not None:
            mentions.append(str(m["id"]))
        elif isinstance(m.get("username"), str) and m["username"]:
            name = m["username"].lower()
            mentions.append(ids_by_name.get(name, name))
        else:
            raise ExportFormatError(path, where, f"{field}.username", "missing (and no id)")

    answered = _id(tweet, "in_reply_to_user_id", path, where, required=False)
    if answered and answered not in usernames:  # the flattened form expands the answered user
        other = tweet.get("in_reply_to_user")
        if isinstance(other, dict) and isinstance(other.get("username"), str):
            usernames = _Users({**usernames, answered: other["username"]})
    metrics = tweet.get("public_metrics")
    if metrics is None:
        metrics = {}
    if not isinstance(metrics, dict):
        raise ExportFormatError(path, where, "public_metrics", "must be an object")
    counts = {
        key: count_value(metrics.get(key), path, where, f"public_metrics.{key}")
        for key in ("reply_count", "retweet_count", "quote_count", "like_count", "impression_count")
    }
    if kind_ref == "retweeted":
        replies = shares = likes = views = None  # v2 gives the original tweet's counts
    else:
        replies, likes, views = (
            counts["reply_count"],
            counts["like_count"],
            counts["impression_count"],
        )
        rt, qt = counts["retweet_count"], counts["quote_count"]
        shares = None if rt is None and qt is None else (rt or 0) + (qt or 0)

    return {
        "account_id": author_id,
        "account": account,
        "post_id": post_id,
        "created_at": tweet.get("created_at"),
        "conversation_id": _id(tweet, "conversation_id", path, where, required=False),
        "in_reply_to": by_type.get("replied_to"),
        "in_reply_to_account_id": answered,
        "in_reply_to_account": usernames.get(answered) if answered else None,
        "kind_ref": kind_ref,
        "mentions": mentions,
        "replies": replies,
        "shares": shares,
        "likes": likes,
        "views": views,
        "text": text,
    }
