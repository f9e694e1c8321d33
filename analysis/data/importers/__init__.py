"""Readers for platform exports, into one posts table.

Every importer returns the same DataFrame, so the coder
(:func:`analysis.core.coding.code_posts`) never needs to know where a post came
from. The columns are defined once here (:data:`POSTS_COLUMNS`); the importers
fill what their format has and leave the rest missing, never guessed.

Columns
-------
country, role, platform
    Given by the caller: an export does not say which institution of which
    country holds the account.
account_id, account
    The author's platform id and handle (``account`` is the handle as the
    platform spells it; comparisons lower-case it).
post_id, created_at, conversation_id
    ``created_at`` is a UTC timestamp. ``conversation_id`` groups the posts of a
    thread where the platform has threads (X/Twitter).
in_reply_to, in_reply_to_account_id, in_reply_to_account
    The post and account a reply answers, where the post is a reply: the
    account's platform id, and its handle where the export names it (how the
    coder recognises an answer to an account of the same government, whose
    handles ``accounts.csv`` lists).
kind_ref
    The raw reference the platform records: ``'retweeted'``, ``'quoted'``,
    ``'replied_to'`` or missing. When a post carries several, the one the
    codebook decides first wins (retweeted, then quoted, then replied_to).
mentions
    A list of the accounts the post names: the account id where the export
    gives it, otherwise the lower-case username. Never missing: an empty list.
replies, shares, likes, views
    Counts received (nullable ``Int64``): missing where the export does not
    give them, which is not the same as zero; never negative, never above
    :data:`MAX_COUNT`.
text
    The post's own words.

Example
-------
>>> from analysis.data.importers import reader
>>> read = reader("twitter_v2")  # analysis.data.importers.twitter_v2.read, made safe to call
>>> read.__wrapped__.__module__
'analysis.data.importers.twitter_v2'

``read(path, country, role)`` returns the posts table of an export.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from functools import wraps
from importlib import import_module
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.base.errors import ExportFormatError, UsageError
from analysis.data.read import MAX_COUNT

__all__ = [
    "COUNT_COLUMNS",
    "KIND_REFS",
    "MAX_COUNT",
    "MAX_JSON_DEPTH",
    "POSTS_COLUMNS",
    "REPEAT_KEY",
    "ExportFormatError",
    "FORMATS",
    "count_value",
    "drop_repeated",
    "empty_posts",
    "json_value",
    "parse_utc",
    "posts_frame",
    "reader",
    "sort_posts",
]

#: What makes two rows one post: repeated, it is coded once (:func:`drop_repeated`).
REPEAT_KEY: tuple[str, ...] = ("platform", "post_id", "account_id")
#: How deeply a JSON document from an API may nest (an API response nests a dozen levels).
MAX_JSON_DEPTH = 64
#: The digits an integer of a JSON document may have (a count or an id fits in 20).
_MAX_DIGITS = 40

#: The posts schema, in order: the columns every importer returns (this module's docstring).
POSTS_COLUMNS: tuple[str, ...] = (
    "country",
    "role",
    "platform",
    "account_id",
    "account",
    "post_id",
    "created_at",
    "conversation_id",
    "in_reply_to",
    "in_reply_to_account_id",
    "in_reply_to_account",
    "kind_ref",
    "mentions",
    "replies",
    "shares",
    "likes",
    "views",
    "text",
)

#: Counts received by a post; nullable integers.
COUNT_COLUMNS: tuple[str, ...] = ("replies", "shares", "likes", "views")

#: The raw references a post may carry, in the order the codebook decides them.
KIND_REFS: tuple[str, ...] = ("retweeted", "quoted", "replied_to")

_STRING_COLUMNS = tuple(
    c for c in POSTS_COLUMNS if c not in COUNT_COLUMNS and c not in ("created_at", "mentions")
)


def empty_posts() -> pd.DataFrame:
    """An empty posts table with the schema's columns and dtypes."""
    return posts_frame({c: [] for c in POSTS_COLUMNS})


def posts_frame(columns: Mapping[str, Sequence]) -> pd.DataFrame:
    """Build a posts table from column lists, with the schema's dtypes and order.

    Missing columns are filled with missing values (``mentions`` with empty
    lists). Rows are sorted by ``created_at`` then ``post_id`` so that the same
    export always gives the same table.

    Parameters
    ----------
    columns
        Column name to list of values; all lists of equal length. Timestamps may
        be strings (ISO 8601) or datetimes; they are converted to UTC.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`POSTS_COLUMNS`, index 0..n-1.
    """
    unknown = set(columns) - set(POSTS_COLUMNS)
    if unknown:
        raise ValueError(f"not columns of the posts schema: {sorted(unknown)}")
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1:
        raise ValueError("posts columns have different lengths")
    n = lengths.pop() if lengths else 0
    out: dict[str, object] = {}
    for name in POSTS_COLUMNS:
        values = columns.get(name)
        if name in COUNT_COLUMNS:
            out[name] = pd.array([None] * n if values is None else list(values), dtype="Int64")
        elif name == "created_at":
            out[name] = pd.to_datetime(
                pd.Series([None] * n if values is None else list(values), dtype=object),
                utc=True,
                format="ISO8601",
            ).dt.as_unit("us")
        elif name == "mentions":
            if values is None:
                out[name] = [[] for _ in range(n)]
            else:
                out[name] = [list(v) if v is not None else [] for v in values]
        else:
            out[name] = pd.array([None] * n if values is None else list(values), dtype="string")
    frame = pd.DataFrame(out, columns=list(POSTS_COLUMNS))
    frame["mentions"] = frame["mentions"].astype(object)
    return sort_posts(frame)


def sort_posts(frame: pd.DataFrame) -> pd.DataFrame:
    """Sort posts by ``created_at`` then ``post_id`` (stable) and reset the index."""
    if frame.empty:
        return frame.reset_index(drop=True)
    return frame.sort_values(
        ["created_at", "post_id"], kind="stable", na_position="last"
    ).reset_index(drop=True)


def parse_utc(
    values: Sequence[object],
    locators: Sequence[str],
    path: str | Path,
    field: str,
    *,
    naive_tz: str | None = "UTC",
) -> pd.Series:
    """Parse timestamps to UTC in one vectorised pass; name the first bad record.

    Parameters
    ----------
    values
        Raw timestamps (ISO 8601 strings, or missing).
    locators
        Where each value's record is (``"line 3"``), for the error message.
    path, field
        The file and the field, for the error message.
    naive_tz
        The zone of timestamps that carry no offset; ``None`` makes them an error.
    """
    raw = pd.Series(list(values), dtype=object)
    missing = raw.isna() | (raw.astype(str).str.strip() == "")
    if missing.any():
        i = int(np.flatnonzero(missing.to_numpy())[0])
        raise ExportFormatError(path, locators[i], field, "missing; every post needs its time")
    text = raw.astype(str).str.strip()
    has_offset = text.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True)
    parsed = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us, UTC]")
    if has_offset.any():
        parsed[has_offset] = pd.to_datetime(
            text[has_offset], utc=True, format="ISO8601", errors="coerce"
        )
    naive = ~has_offset
    if naive.any():
        if naive_tz is None:
            i = int(np.flatnonzero(naive.to_numpy())[0])
            raise ExportFormatError(path, locators[i], field, f"{text[i]!r} has no time zone")
        local = pd.to_datetime(text[naive], format="ISO8601", errors="coerce")
        parsed[naive] = local.dt.tz_localize(naive_tz).dt.tz_convert("UTC")
    bad = parsed.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise ExportFormatError(path, locators[i], field, f"{text[i]!r} is not an ISO 8601 time")
    return parsed.dt.as_unit("us")


def count_value(value: object, path: str | Path, where: str, field: str) -> int | None:
    """A count as an int (``None`` if absent); reject negatives, fractions and text.

    The YouTube Data API writes counts as decimal strings; those are accepted.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ExportFormatError(path, where, field, f"{value!r} is not a count")
    if isinstance(value, int):
        n = value
    elif isinstance(value, str) and value.strip().isdigit():
        n = int(value.strip())
    elif isinstance(value, float) and value.is_integer():
        n = int(value)
    else:
        raise ExportFormatError(path, where, field, f"{value!r} is not a count")
    if n < 0:
        raise ExportFormatError(path, where, field, f"{value!r} is negative; a count never is")
    if n > MAX_COUNT:
        raise ExportFormatError(
            path, where, field, f"{value!r} is too large for a count (at most {MAX_COUNT:.0e})"
        )
    return n


class _NotFinite(ValueError):
    """A number JSON should not hold: NaN, an infinity, or one too long to be a count or id."""


def _no_constant(name: str):
    raise _NotFinite(f"{name} is not a number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(f"{text[:40]} is beyond any finite number")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_DIGITS:
        raise _NotFinite(f"{text[:20]}... has more than {_MAX_DIGITS} digits")
    return int(text)


def json_value(
    text: str | bytes, path: str | Path, where: str, *, max_depth: int | None = None
) -> object:
    """A JSON document, parsed with every number finite and bounded, and its depth bounded.

    ``NaN``, ``Infinity``, a float beyond the finite (``1e400``) and an integer of
    more than 40 digits are refused, and so is nesting deeper than `max_depth` (checked
    after parsing; without it, as deep as Python's recursion allows), each as one
    :class:`ExportFormatError` naming `path` and `where` (``"line 3"``, ``"response"``).

    >>> json_value('{"a": [1, 2.5]}', "x.json", "line 1")
    {'a': [1, 2.5]}
    >>> json_value('{"a": NaN}', "x.json", "line 1")
    Traceback (most recent call last):
    ...
    analysis.base.errors.ExportFormatError: x.json, line 1: NaN is not a number
    """
    try:
        value = json.loads(
            text,
            parse_constant=_no_constant,
            parse_float=_finite_float,
            parse_int=_bounded_int,
        )
    except RecursionError:
        raise ExportFormatError(path, where, None, "nested too deeply to be read") from None
    except _NotFinite as exc:
        raise ExportFormatError(path, where, None, str(exc)) from None
    except json.JSONDecodeError as exc:
        raise ExportFormatError(path, where, None, f"not valid JSON ({exc.msg})") from None
    except UnicodeDecodeError:
        raise ExportFormatError(path, where, None, "not UTF-8 text") from None
    if max_depth is not None and _depth(value, max_depth) > max_depth:
        raise ExportFormatError(
            path, where, None, f"nested deeper than {max_depth} levels (not an API response)"
        )
    return value


def _depth(value: object, limit: int) -> int:
    """How deeply `value` nests (stopping once past `limit`), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if not isinstance(item, (dict, list)):
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def drop_repeated(posts: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Each post once: the first row of each platform, post id and author, in table order.

    An export given twice, or two exports that overlap, repeat posts; coded twice they
    would double counts and turn one reply into a dialogue. (A post id that comes with
    another author is another record, and is kept: so the rule is the same whether the
    posts are coded together or account by account.) Returns the posts kept (index
    reset) and how many rows were left out.

    >>> p = posts_frame({"platform": ["x", "x", "y"], "post_id": ["1", "1", "1"],
    ...                  "account_id": ["a", "a", "a"], "created_at": ["2019-01-01T00:00Z"] * 3})
    >>> kept, dropped = drop_repeated(p)
    >>> len(kept), dropped
    (2, 1)
    """
    if posts.empty:
        return posts, 0
    key = [posts[c].astype("string").fillna("") if c in posts.columns else "" for c in REPEAT_KEY]
    repeated = pd.DataFrame(dict(zip(REPEAT_KEY, key, strict=True))).duplicated().to_numpy()
    if not repeated.any():
        return posts, 0
    return posts[~repeated].reset_index(drop=True), int(repeated.sum())


#: The export formats, each read by the module of the same name (exports.csv ``format``).
FORMATS: tuple[str, ...] = (
    "twitter_v2",
    "meta_csv",
    "youtube",
    "youtube_comments",
    "bluesky_feed",
    "mastodon_statuses",
)


def reader(fmt: str):
    """The ``read(path, country, role, ...)`` function of an export format, made safe to call.

    Imported on demand, so asking for one format does not load the others. Whatever the
    format, the returned function refuses a path that is not a file, turns a file that is
    not UTF-8 or not readable as its format into an :class:`ExportFormatError` naming the
    file (and the line, where it can), and refuses an export that holds no post (unless
    the format says an empty result is data, ``MAY_HOLD_NO_POST``: comment threads in
    which the channel answered no one).
    """
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r} (known: {', '.join(FORMATS)})")
    module = import_module(f"{__name__}.{fmt}")
    read = module.read
    may_hold_no_post = getattr(module, "MAY_HOLD_NO_POST", False)

    @wraps(read)
    def safe_read(path, *args, **kwargs) -> pd.DataFrame:
        path = Path(path)
        if not path.exists():
            raise ExportFormatError(path, "file", None, "does not exist")
        if not path.is_file():
            raise ExportFormatError(path, "file", None, "is not a file (a directory?)")
        try:
            posts = read(path, *args, **kwargs)
        except UnicodeDecodeError:
            line = _first_bad_line(path)
            raise ExportFormatError(path, f"line {line}", None, "not UTF-8 text") from None
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            problem = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreadable"
            problem = f"not a readable {fmt} export ({problem})"
            raise ExportFormatError(path, "file", None, problem) from None
        if posts.empty and not may_hold_no_post:
            raise ExportFormatError(path, "file", None, f"holds no post (an empty {fmt} export)")
        return posts

    return safe_read


def _first_bad_line(path: Path) -> int:
    """The first line of `path` that is not UTF-8 (1-based)."""
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 1
