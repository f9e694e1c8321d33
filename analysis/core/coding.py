"""Interaction and agenda coding of posts, account levels, and intercoder reliability.

The article judges interaction "casi inexistente" by eye. This module makes the
judgement a measurement that anyone can rerun on an export of an account's
posts:

* :func:`code_posts` gives every post a *kind* (``broadcast``, ``share``,
  ``mention``, ``internal``, ``reply``, ``dialogue``), its ordinal *level*, and
  its agenda *topics* by a bilingual dictionary that hand codes override; an
  answer to an account of the same country's government is ``internal``
  (coordination), not a reply to the public;
* :func:`account_levels` turns the kinds into one level per account (``none``,
  ``low``, ``moderate``, ``high``) from the share of posts that answer the
  public, once the account has the codebook's minimum of posts, beside the
  conversation, amplification and applause rates;
* :func:`judged_levels` puts the article's judged levels (``interaction.csv``)
  in the same layout, so a table can show measured and judged levels side by
  side and say which is which;

Every rule, label and threshold comes from ``data/raw/codebook.yml``
(documented in ``data/raw/CODEBOOK.md``); nothing here is tuned to the data.
The coding is vectorised (no Python loop per post): a million posts code in a
few seconds (``benchmarks/bench_coding.py``). An archive that does not fit in
memory is coded a few accounts at a time, with the same result, by
:mod:`analysis.core.archive` (``parent_authors`` and :func:`unresolved_parents` are
its hooks).
"""

from __future__ import annotations

import os
import re
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.core.government import answers_government
from analysis.data.codebook import load_codebook

__all__ = [
    "KINDS",
    "account_levels",
    "code_posts",
    "judged_levels",
    "topic_matrix",
    "topic_table",
    "unresolved_parents",
]

#: Post kinds in the order the codebook decides them.
KINDS: tuple[str, ...] = ("share", "internal", "dialogue", "reply", "mention", "broadcast")

_TOPIC_SEP = "|"
# Word characters of English and Spanish (lower case). Unicode classes such as \pL
# make RE2's automaton fifteen times slower; these letters are all the two languages use.
_WORD = "a-z0-9_áéíóúüñàèìòùâêîôûäëïöç"
_ACCENTS = {
    "a": "aáàâä",
    "e": "eéèêë",
    "i": "iíìîï",
    "o": "oóòôö",
    "u": "uúùûü",
    "n": "nñ",
    "c": "cç",
}
_CHUNK = 250_000


# --------------------------------------------------------------------------- posts


def code_posts(
    posts: pd.DataFrame,
    hand_codes: pd.DataFrame | None = None,
    codebook: dict | None = None,
    *,
    parent_authors: pd.DataFrame | None = None,
    government: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Add ``kind``, ``level``, ``topics`` and ``topics_source`` to a posts table.

    Kinds are decided in the codebook's order, for each post by its own author
    (``account_id``):

    1. ``share``: ``kind_ref`` is ``retweeted`` or ``quoted``, whatever else the
       post carries;
    2. ``internal``: a reply to another account that is one of the same
       country's government (`government`): coordination, not the public;
    3. ``reply`` / ``dialogue``: a reply to a post of *another* account, the
       public; all the account's replies in a conversation where it answered the
       public ``dialogue_min_replies`` times or more are ``dialogue``;
    4. a reply to the account's own post continues its thread and is coded as
       an original post (steps 5-6);
    5. ``mention``: an original post that names another account (naming itself
       does not count);
    6. ``broadcast``: any other post.

    A reply is a post with ``kind_ref == 'replied_to'`` or an ``in_reply_to`` or
    ``in_reply_to_account_id``. When the answered account is missing it is
    looked up from the answered post if that post is in the table; if it is
    still unknown (the parent was deleted) the reply counts as an answer to
    another account, since a thread of one's own is seldom left without its
    parent. A reply with no ``conversation_id`` forms a conversation alone.

    Parameters
    ----------
    posts
        The posts schema (:data:`analysis.data.importers.POSTS_COLUMNS`); at least
        ``account_id`` and ``post_id``; other missing columns count as empty.
    hand_codes
        Optional topic codes by hand, long: ``post_id``, ``topic`` (and
        ``platform`` where ids could repeat across platforms). A post with hand
        codes takes exactly those topics (a row with an empty topic means "no
        topic"); the dictionary codes the others.
    codebook
        A parsed codebook; default :func:`analysis.data.codebook.load_codebook`.
    parent_authors
        Optional authors of answered posts: ``platform``, ``post_id``,
        ``account_id``. When given, a reply whose answered account is missing
        is looked up here instead of in ``posts``. This is how a table that
        holds only some accounts of an archive (:mod:`analysis.core.archive`) is
        coded as if the whole archive were in memory: the answered post may
        belong to an account coded elsewhere. The first row with an author
        wins, as in the table lookup.
    government
        The accounts of the posts' countries (``accounts.csv``: ``country``,
        ``platform``, ``handle``): a reply whose answered account
        (``in_reply_to_account``, its handle, or ``in_reply_to_account_id``)
        is a handle of the post's country on the post's platform is
        ``internal``. Handles are compared as
        :func:`analysis.core.government.account_key` writes them
        (NFC, lower case, without a leading ``@``). Without it no post is
        ``internal``: the country's handles are not known.

    Returns
    -------
    pandas.DataFrame
        A copy of ``posts`` with ``kind`` (categorical, codebook order),
        ``level`` (int8, the kind's ordinal level), ``topics`` (the topic keys
        in codebook order joined by ``'|'``; ``''`` for none) and
        ``topics_source`` (``'dictionary'`` or ``'hand'``).

    Examples
    --------
    >>> from analysis.data.importers import posts_frame
    >>> p = posts_frame({"account_id": ["1", "1"], "post_id": ["a", "b"],
    ...                  "created_at": ["2019-01-01T00:00Z", "2019-01-02T00:00Z"],
    ...                  "kind_ref": [None, "retweeted"], "mentions": [["2"], []],
    ...                  "text": ["Reunión bilateral con @2", "RT"]})
    >>> coded = code_posts(p)
    >>> coded["kind"].tolist(), coded["topics"].tolist()
    (['mention', 'share'], ['bilateral_multilateral', ''])
    """
    book = codebook or load_codebook()
    for col in ("account_id", "post_id"):
        if col not in posts.columns:
            raise ValueError(
                f"posts need a {col!r} column (the schema of analysis.data.importers.POSTS_COLUMNS)"
            )
    if parent_authors is not None and not {"account_id", "post_id"} <= set(parent_authors):
        raise ValueError("parent_authors need the columns post_id and account_id")
    # Memory Arrow's allocator holds but no longer uses (a Parquet reader leaves hundreds
    # of MB) goes back to the system before the coder allocates its own.
    pa.default_memory_pool().release_unused()
    # copy-on-write: the columns added below never touch `posts`, and none is copied
    out = posts.reset_index(drop=True)
    n = len(out)
    kinds_book = book["post_kinds"]
    order = sorted(kinds_book, key=lambda k: (kinds_book[k]["level"], list(kinds_book).index(k)))

    author = _arrow(out, "account_id")
    parent_author = _arrow(out, "in_reply_to_account_id")
    is_share, is_reply, need = _replies(out, parent_author)

    # the answered account: given, or looked up from the answered post
    if need.any():
        platform = _str(out, "platform").fillna("")
        owners = out if parent_authors is None else parent_authors
        key = _str(owners, "platform").fillna("") + "\x1f" + owners["post_id"].astype("string")
        owner = (
            pd.Series(_str(owners, "account_id").to_numpy(), index=key.to_numpy())
            .groupby(level=0)
            .first()
        )
        wanted = (platform[need] + "\x1f" + _str(out, "in_reply_to")[need]).to_numpy()
        filled = _str(out, "in_reply_to_account_id").to_numpy(dtype=object, na_value=None)
        filled[need] = owner.reindex(wanted).to_numpy(dtype=object, na_value=None)
        parent_author = pa.array(filled, type=pa.large_string(), from_pandas=True)
    self_reply = is_reply & _np(pc.equal(parent_author, author))
    answers_other = is_reply & ~self_reply
    rows = pa.array(np.flatnonzero(answers_other))
    internal = np.zeros(n, dtype=bool)
    internal[answers_other] = answers_government(
        _arrow(out, "country").take(rows),
        _arrow(out, "platform").take(rows),
        (_arrow(out, "in_reply_to_account").take(rows), parent_author.take(rows)),
        government,
    )
    answers_other &= ~internal  # from here on, an answer to another account is the public

    # dialogue: answers to others, grouped by the account's conversation
    dialogue = np.zeros(n, dtype=bool)
    if answers_other.any():
        mask = pa.array(answers_other)
        sep = pa.scalar("", type=pa.large_string())
        alone = pc.binary_join_element_wise(  # a reply without a conversation is alone
            pa.scalar("\x00", type=pa.large_string()), _arrow(out, "post_id").filter(mask), sep
        )
        conv = pc.coalesce(_arrow(out, "conversation_id").filter(mask), alone)
        sub = pd.DataFrame(
            {
                "p": pd.Series(_arrow(out, "platform").filter(mask), dtype="string").fillna(""),
                "a": pd.Series(author.filter(mask), dtype="string"),
                "c": pd.Series(conv, dtype="string"),
            }
        )
        size = (
            sub.groupby(["p", "a", "c"], dropna=False, sort=False)["c"].transform("size").to_numpy()
        )
        dialogue[answers_other] = size >= int(book["dialogue_min_replies"])

    original = ~is_share & ~answers_other & ~internal
    names_other = _names_other(out, author, original)

    position = {k: i for i, k in enumerate(order)}
    codes = np.select(
        [is_share, internal, answers_other & dialogue, answers_other, names_other],
        [
            position["share"],
            position["internal"],
            position["dialogue"],
            position["reply"],
            position["mention"],
        ],
        default=position["broadcast"],
    )
    out["kind"] = pd.Categorical.from_codes(codes, categories=order)
    out["level"] = np.array([kinds_book[k]["level"] for k in order], dtype=np.int8)[codes]
    topics, source = _topics(out, hand_codes, book)
    out["topics"] = topics
    out["topics_source"] = source
    return out


def _replies(
    out: pd.DataFrame, parent_author: pa.Array
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shares, replies, and the replies whose answered account must be looked up."""
    kind_ref = _arrow(out, "kind_ref")
    parent = _arrow(out, "in_reply_to")
    is_share = _np(
        pc.is_in(kind_ref, value_set=pa.array(["retweeted", "quoted"], type=pa.large_string()))
    )
    is_reply = (
        _np(pc.equal(kind_ref, "replied_to"))
        | _np(pc.is_valid(parent))
        | _np(pc.is_valid(parent_author))
    )
    is_reply &= ~is_share
    need = is_reply & _np(pc.is_null(parent_author)) & _np(pc.is_valid(parent))
    return is_share, is_reply, need


def unresolved_parents(posts: pd.DataFrame) -> pd.DataFrame:
    """The answered posts whose author :func:`code_posts` has to look up.

    These are the replies that name the post they answer (``in_reply_to``) but
    not its account. The partitioned coder (:mod:`analysis.core.archive`) collects
    them first, so that it can find their authors in one pass over an archive
    without indexing every post of it.

    Returns
    -------
    pandas.DataFrame
        ``platform`` (missing as ``''``, as the lookup compares it) and
        ``post_id`` (the answered post), one row per such reply, in table order,
        indexed by the reply's position in ``posts``.

    Examples
    --------
    >>> from analysis.data.importers import posts_frame
    >>> p = posts_frame({"account_id": ["1", "2"], "post_id": ["a", "b"],
    ...                  "created_at": ["2019-01-01T00:00Z", "2019-01-02T00:00Z"],
    ...                  "kind_ref": [None, "replied_to"], "in_reply_to": [None, "a"]})
    >>> unresolved_parents(p)
      platform post_id
    1                a
    """
    out = posts.reset_index(drop=True)
    _, _, need = _replies(out, _arrow(out, "in_reply_to_account_id"))
    return pd.DataFrame(
        {
            "platform": _str(out, "platform").fillna("")[need].to_numpy(),
            "post_id": _str(out, "in_reply_to")[need].to_numpy(),
        },
        index=np.flatnonzero(need),
        dtype="string",
    )


def _arrow(frame: pd.DataFrame, col: str) -> pa.Array:
    """A column as Arrow large strings (chunks kept, no copy); '' and missing columns are null."""
    if col not in frame.columns:
        return pa.nulls(len(frame), type=pa.large_string())
    series = frame[col]
    if not isinstance(series.dtype, pd.StringDtype):
        series = series.astype("string")
    arr = pa.array(series.array)
    if arr.type != pa.large_string():
        arr = arr.cast(pa.large_string())
    empty = pc.equal(arr, "")
    if not pc.any(empty).as_py():
        return arr  # the usual case: no copy of the characters
    return pc.if_else(empty, pa.scalar(None, type=pa.large_string()), arr)


def _text(frame: pd.DataFrame) -> pa.Array:
    """The ``text`` column as Arrow strings without copying the characters (null as '')."""
    if "text" not in frame.columns:
        return pa.array([""] * len(frame), type=pa.string())
    series = frame["text"]
    if not isinstance(series.dtype, pd.StringDtype):
        series = series.astype("string")
    arr = pa.array(series.array)  # a ChunkedArray for pyarrow-backed strings: no copy
    return pc.fill_null(arr, "") if arr.null_count else arr


def _np(mask: pa.Array) -> np.ndarray:
    """An Arrow boolean array (or chunked array) as numpy, null as False."""
    filled = pc.fill_null(mask, False)
    if isinstance(filled, pa.ChunkedArray):
        filled = filled.combine_chunks()
    return filled.to_numpy(zero_copy_only=False)


def _str(frame: pd.DataFrame, col: str) -> pd.Series:
    """A column as a nullable string Series ('' and missing columns are missing)."""
    if col not in frame.columns:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    s = frame[col].astype("string")
    empty = s == ""
    return s.mask(empty) if empty.any() else s


def _names_other(out: pd.DataFrame, author: pa.Array, rows: np.ndarray) -> np.ndarray:
    """True for `rows` whose ``mentions`` hold an account other than the author (id or handle)."""
    n = len(out)
    if "mentions" not in out.columns or n == 0:
        return np.zeros(n, dtype=bool)
    named, pos = _mentions_flat(out["mentions"])
    keep = rows[pos]  # only the posts asked about are compared
    named, pos = named.filter(pa.array(keep)), pos[keep]
    if len(pos) == 0:
        return np.zeros(n, dtype=bool)
    take = pa.array(pos)
    named = pc.utf8_lower(named)
    own_id = pc.utf8_lower(pc.fill_null(author.take(take), "\x00"))
    own_handle = pc.utf8_ltrim(
        pc.utf8_lower(pc.fill_null(_arrow(out, "account").take(take), "\x00")), "@"
    )
    other = _np(
        pc.and_(
            pc.and_(pc.not_equal(named, own_id), pc.not_equal(named, own_handle)),
            pc.not_equal(named, ""),
        )
    )
    return np.bincount(pos[other], minlength=n) > 0


def _mentions_flat(mentions: pd.Series) -> tuple[pa.Array, np.ndarray]:
    """Every account named, as Arrow large strings, and the row of the post that names it.

    Lists (as the importers give), arrays (as Parquet gives back) or Arrow lists are read
    into one Arrow list array, without a Python object per name; missing lists and missing
    names are left out. Anything else (e.g. numbers) goes the slower way of ``explode``.
    """
    lists = None
    if isinstance(mentions.dtype, pd.ArrowDtype) and pa.types.is_list(mentions.dtype.pyarrow_dtype):
        lists = pa.array(mentions.array)
    else:
        try:
            lists = pa.array(
                mentions.to_numpy(dtype=object), type=pa.list_(pa.large_string()), from_pandas=True
            )
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
            lists = None
    if lists is not None:
        if isinstance(lists, pa.ChunkedArray):
            lists = lists.combine_chunks()
        names = pc.list_flatten(lists)
        pos = pc.list_parent_indices(lists).to_numpy()
        if names.type != pa.large_string():
            names = names.cast(pa.large_string())
        valid = _np(pc.is_valid(names))
        return names.filter(pa.array(valid)), pos[valid]
    flat = mentions.reset_index(drop=True).explode()
    flat = flat[flat.notna()]
    names = pa.array(flat.astype("string").array)
    if isinstance(names, pa.ChunkedArray):
        names = names.combine_chunks()
    return names.cast(pa.large_string()), flat.index.to_numpy(dtype=np.int64)


# --------------------------------------------------------------------------- topics


def _normalise(word: str) -> str:
    """Lower-case, accent-free form of a keyword (how the codebook's keywords are compared)."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def _keyword_pattern(keyword: str) -> str:
    """RE2 pattern of one keyword: accent-insensitive, whole words, ``*`` = any ending."""
    prefix = keyword.endswith("*")
    words = _normalise(keyword.rstrip("*")).split()
    parts = []
    for word in words:
        parts.append(
            "".join(f"[{_ACCENTS[ch]}]" if ch in _ACCENTS else re.escape(ch) for ch in word)
        )
    body = r"\s+".join(parts)
    return body + (f"[{_WORD}]*" if prefix else "")


@lru_cache(maxsize=16)
def _topic_patterns(items: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[tuple[str, str], ...]:
    out = []
    for topic, keywords in items:
        alternatives = "|".join(
            sorted({_keyword_pattern(k) for k in keywords}, key=len, reverse=True)
        )
        out.append((topic, f"(?:^|[^{_WORD}])(?:{alternatives})(?:$|[^{_WORD}])"))
    return tuple(out)


def topic_patterns(codebook: dict | None = None) -> dict[str, str]:
    """The RE2 pattern the dictionary uses for each topic (for inspection and tests)."""
    book = codebook or load_codebook()
    return dict(_topic_patterns(_topic_items(book)))


def _topic_items(book: dict) -> tuple[tuple[str, tuple[str, ...]], ...]:
    items = []
    for topic, entry in book["topics"].items():
        kws = entry.get("keywords") or {}
        items.append((topic, tuple(k for lang in sorted(kws) for k in kws[lang])))
    return tuple(items)


def topic_matrix(texts, codebook: dict | None = None) -> pd.DataFrame:
    """Dictionary topics of texts as a boolean table (one column per topic, codebook order).

    Texts are lower-cased; keywords match whole words, accent-insensitively (a
    keyword written with or without accents matches both spellings), with ``*``
    at the end of a keyword matching any ending. The work runs on Arrow
    strings, in chunks spread over the machine's cores.
    """
    book = codebook or load_codebook()
    values, names = _topic_values(texts, book)
    return pd.DataFrame(values, columns=names, copy=False)


def _topic_values(texts, book: dict) -> tuple[np.ndarray, list[str]]:
    """The boolean matrix of :func:`topic_matrix` (writable, not copied) and its topics."""
    patterns = _topic_patterns(_topic_items(book))
    if isinstance(texts, (pa.Array, pa.ChunkedArray)):
        arr = texts
    else:
        arr = pa.array(pd.Series(texts, dtype="string").fillna("").array)
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.string())
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    n = len(arr)
    result = np.zeros((n, len(patterns)), dtype=bool)
    tasks, offset = [], 0  # (first row, slice of at most _CHUNK texts), without copying
    for chunk in chunks:
        for start in range(0, len(chunk), _CHUNK):
            tasks.append((offset + start, chunk.slice(start, _CHUNK)))
        offset += len(chunk)

    def run(task: tuple[int, pa.Array]) -> None:
        first, piece = task
        lower = pc.utf8_lower(pc.fill_null(piece, ""))
        for j, (_, pattern) in enumerate(patterns):
            hit = pc.match_substring_regex(lower, pattern)
            result[first : first + len(lower), j] = hit.to_numpy(zero_copy_only=False)

    workers = max(1, min(len(tasks), os.cpu_count() or 1))
    if workers == 1:
        for task in tasks:
            run(task)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(run, tasks))
    return result, [t for t, _ in patterns]


def _topics(
    out: pd.DataFrame, hand_codes: pd.DataFrame | None, book: dict
) -> tuple[pd.Series, pd.Series]:
    values, names = _topic_values(_text(out), book)
    source = np.zeros(len(out), dtype=np.int8)  # 0 dictionary, 1 hand
    if hand_codes is not None and len(hand_codes):
        missing = {"post_id", "topic"} - set(hand_codes.columns)
        if missing:
            raise ValueError(
                f"hand_codes need columns post_id and topic; missing {sorted(missing)}"
            )
        topic = hand_codes["topic"].astype("string").str.strip()
        unknown = set(topic.dropna()) - set(names) - {""}
        if unknown:
            raise ValueError(f"hand-coded topics not in the codebook: {sorted(unknown)}")
        by = (
            ["platform", "post_id"]
            if "platform" in hand_codes.columns and "platform" in out.columns
            else ["post_id"]
        )
        keys = (
            out[by]
            .astype("string")
            .reset_index()
            .merge(
                hand_codes[by].astype("string").assign(topic=topic).drop_duplicates(),
                on=by,
                how="inner",
            )
        )
        rows = keys["index"].to_numpy()
        values[np.unique(rows)] = False
        source[np.unique(rows)] = 1
        coded = keys["topic"].notna() & (keys["topic"] != "")
        values[rows[coded.to_numpy()], pd.Index(names).get_indexer(keys["topic"][coded])] = True
    return _join_topics(values, names), pd.Categorical.from_codes(
        source, categories=["dictionary", "hand"]
    )


def _join_topics(values: np.ndarray, names: list[str]) -> pd.Series:
    """'|'-join the true columns of each row without a loop over rows.

    Each row's topics are packed into one integer; only the distinct
    combinations (a few hundred at most in practice) are joined in Python.
    """
    n, k = values.shape
    if n == 0:
        return pd.Series(pd.Categorical([], categories=[""]))
    packed = np.zeros(n, dtype=np.int64)  # column by column: no n-by-k integer copy
    for j in range(k):
        packed[values[:, j]] |= np.int64(1) << j
    uniq, inverse = np.unique(packed, return_inverse=True)
    labels = [_TOPIC_SEP.join(names[j] for j in range(k) if (u >> j) & 1) for u in uniq.tolist()]
    return pd.Series(pd.Categorical.from_codes(inverse.reshape(-1), categories=labels))


def topic_table(
    coded: pd.DataFrame,
    keys: tuple[str, ...] = ("country", "role", "platform", "account_id", "post_id"),
) -> pd.DataFrame:
    """One row per (post, topic) from a coded table: the long form for counting topics.

    Posts without a topic do not appear.
    """
    cols = [k for k in keys if k in coded.columns]
    long = coded[cols + ["topics", "topics_source"]].copy()
    long["topic"] = long.pop("topics").str.split(_TOPIC_SEP)
    long = long.explode("topic")
    long = long[long["topic"].notna() & (long["topic"] != "")]
    return long.reset_index(drop=True)


# --------------------------------------------------------------------------- accounts

ACCOUNT_KEYS: tuple[str, ...] = ("country", "role", "platform", "account_id")


def _level_of(share: np.ndarray, book: dict) -> pd.Categorical:
    levels = book["account_levels"]
    names = sorted(levels, key=lambda k: levels[k]["min_share"])
    bounds = np.array([levels[k]["min_share"] for k in names], dtype=float)
    # inclusive lower bounds; a hair of tolerance so 2/100 is 0.02 whatever the rounding
    idx = np.searchsorted(bounds, np.asarray(share, dtype=float) + 1e-12, side="right") - 1
    codes = np.where(np.isnan(share), -1, np.clip(idx, 0, len(names) - 1))
    return pd.Categorical.from_codes(codes, categories=names, ordered=True)


def account_levels(
    coded: pd.DataFrame,
    codebook: dict | None = None,
    source: str = "posts export",
    measured=(),
) -> pd.DataFrame:
    """One row per account: counts per kind, the share of replies, the level and the rates.

    The account is ``(country, role, platform, account_id)``. The level comes
    from ``reply_share`` = (``reply`` + ``dialogue``) / posts with the
    codebook's ``account_levels``: each ``min_share`` is an inclusive lower
    bound; ``internal`` answers (inside the government) are posts, not replies.
    An account with fewer posts than the codebook's ``level_min_posts`` keeps
    its share but gets no level (its evidence says why). The rates are per
    post, over the posts whose count is known (a missing count is not a zero;
    ``*_missing`` says how many were missing):
    ``conversation_rate`` (replies received), ``amplification_rate`` (shares),
    ``applause_rate`` (likes).

    Parameters
    ----------
    coded
        The output of :func:`code_posts`.
    source
        Written in the ``source`` column (e.g. the export's file name).
    measured
        ``(country, role, platform)`` of accounts whose exports record their replies on
        a platform not in the codebook's ``levels_measured_on`` (a YouTube channel's
        comment threads beside its videos: :func:`analysis.data.exports.measured_accounts`).

    Returns
    -------
    pandas.DataFrame
        Columns: the account keys, ``account``, ``posts``, ``first_post``,
        ``last_post``, ``n_<kind>`` for every kind, ``reply_share``, ``level``
        (ordered categorical), the three rates and their ``*_missing`` counts,
        ``method`` (``'measured'``), ``evidence`` and ``source``. Sorted by the
        account keys.
    """
    book = codebook or load_codebook()
    if "kind" not in coded.columns:
        raise ValueError("account_levels needs coded posts: run code_posts first")
    # the columns are gathered in dicts and made into a frame once: each column set on a
    # DataFrame would copy and check it (most of the time, on a partition of an archive)
    columns = {k: _str(coded, k) for k in ACCOUNT_KEYS}
    columns["account"] = _str(coded, "account")
    columns["created_at"] = (
        coded["created_at"]
        if "created_at" in coded.columns
        else pd.Series(pd.NaT, index=coded.index, dtype="datetime64[ns]")
    )
    kinds = list(book["post_kinds"])
    kind = coded["kind"]
    for k in kinds:  # booleans: one byte a post; their sums are int64 counts
        columns[f"n_{k}"] = (kind == k).to_numpy(dtype=bool, na_value=False)
    metrics = {
        "replies": "conversation_rate",
        "shares": "amplification_rate",
        "likes": "applause_rate",
    }
    for col in metrics:
        values = (
            pd.to_numeric(coded[col], errors="coerce")
            if col in coded.columns
            else pd.Series(np.nan, index=coded.index)
        )
        columns[f"{col}_sum"] = values.fillna(0).to_numpy(dtype=float)
        columns[f"{col}_known"] = values.notna().to_numpy(dtype=bool)
    frame = pd.DataFrame(columns, index=coded.index)
    summed = [f"n_{k}" for k in kinds] + [f"{c}_{s}" for c in metrics for s in ("sum", "known")]
    # one grouping, each reduction over all its columns at once (a dict of aggregations
    # would run one per column)
    by = frame.groupby(list(ACCOUNT_KEYS), dropna=False, sort=True)
    when = by["created_at"]
    g = pd.concat(
        [
            by["account"].first(),
            when.min().rename("first_post"),
            when.max().rename("last_post"),
            when.size().rename("posts").astype(np.int64),
            by[summed].sum(),
        ],
        axis=1,
    ).reset_index()
    out = {c: g[c] for c in [*ACCOUNT_KEYS, "account", "posts", "first_post", "last_post"]}
    out.update({f"n_{k}": g[f"n_{k}"] for k in kinds})
    posts = g["posts"].to_numpy(dtype=float)
    answers = g["n_reply"] + g["n_dialogue"]
    share = answers.to_numpy(dtype=float) / posts
    # Only some platforms' exports record the account's own replies (codebook:
    # levels_measured_on); elsewhere a share of 0 would be an artefact, so no level.
    on_platform = g["platform"].isin(book.get("levels_measured_on", list(book["platforms"])))
    wanted = {tuple(m) for m in measured}  # one row per account here: a loop is cheap
    keys = zip(g["country"], g["role"], g["platform"], strict=True)
    observable = on_platform.to_numpy() | np.array([k in wanted for k in keys], dtype=bool)
    share[~observable] = np.nan
    out["reply_share"] = share
    # a level needs the codebook's minimum of the account's own posts (its share is kept)
    least = int(book.get("level_min_posts", 1))
    enough = posts >= least
    out["level"] = _level_of(np.where(enough, share, np.nan), book)
    missing = {}  # the three rates come first among the columns, then what each missed
    for col, rate in metrics.items():
        known = g[f"{col}_known"].to_numpy(dtype=float)
        total = g[f"{col}_sum"].to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[rate] = np.where(known > 0, total / np.where(known > 0, known, 1), np.nan)
        missing[f"{col}_missing"] = (posts - known).astype(np.int64)
    out.update(missing)
    out["method"] = "measured"
    evidence = (
        answers.astype(str)
        + " of "
        + g["posts"].astype(str)
        + " posts answer the public ("
        + g["n_dialogue"].astype(str)
        + " in dialogues)"
    )
    inside = g["n_internal"] > 0
    evidence[inside] += (
        "; " + g.loc[inside, "n_internal"].astype(str) + " answer accounts of their own government"
    )
    few = observable & ~enough
    evidence[few] = (
        g.loc[few, "posts"].astype(str) + f" posts, fewer than the {least} a level needs"
    )
    evidence[~observable] = "the export does not record the account's replies"
    out["evidence"] = evidence
    out["source"] = source
    return pd.DataFrame(out, index=g.index)


def judged_levels(interaction: pd.DataFrame, codebook: dict | None = None) -> pd.DataFrame:
    """The hand-judged levels of ``interaction.csv`` in the layout of :func:`account_levels`.

    For the article's accounts there are no posts, only the author's words
    ("casi inexistente"); ``interaction.csv`` maps them to a level with the
    evidence quoted. These rows keep that level and say ``method='judged'``
    (or the row's own ``method``); counts, shares and rates are missing because
    nothing was counted. Empty ``role`` / ``platform`` mean the judgement covers
    all the country's profiles.
    """
    book = codebook or load_codebook()
    levels = book["account_levels"]
    names = sorted(levels, key=lambda k: levels[k]["min_share"])
    unknown = set(interaction["level"].dropna()) - set(names)
    if unknown:
        raise ValueError(f"interaction levels not in the codebook: {sorted(unknown)}")
    kinds = list(book["post_kinds"])
    n = len(interaction)
    out = pd.DataFrame({k: _str(interaction, k).to_numpy() for k in ACCOUNT_KEYS}, index=range(n))
    out["account"] = (
        _str(interaction, "handle").to_numpy() if "handle" in interaction.columns else pd.NA
    )
    out["posts"] = pd.array([pd.NA] * n, dtype="Int64")
    out["first_post"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[us, UTC]")
    out["last_post"] = out["first_post"]
    for k in kinds:
        out[f"n_{k}"] = pd.array([pd.NA] * n, dtype="Int64")
    out["reply_share"] = np.nan
    out["level"] = pd.Categorical(interaction["level"].to_numpy(), categories=names, ordered=True)
    for rate in ("conversation_rate", "amplification_rate", "applause_rate"):
        out[rate] = np.nan
    for col in ("replies_missing", "shares_missing", "likes_missing"):
        out[col] = pd.array([pd.NA] * n, dtype="Int64")
    method = (
        _str(interaction, "method").fillna("judged").to_numpy()
        if "method" in interaction.columns
        else "judged"
    )
    out["method"] = method
    out["evidence"] = _str(interaction, "evidence").to_numpy()
    out["source"] = _str(interaction, "source").to_numpy()
    return out
