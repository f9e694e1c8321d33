"""A Mastodon account's public statuses, from ``GET /api/v1/accounts/:id/statuses`` pages.

The file holds what a Mastodon server returns for an account's statuses: a JSON
array of ``Status`` entities (one page), an array of such pages, or JSON Lines
(one page a line, as :mod:`analysis.data.collect.mastodon` saves them). Fields
are those of the documented entities (docs.joinmastodon.org, ``Status``,
``Account``, ``Status::Mention``, ``Quote``).

Rows (the posts schema, :data:`analysis.data.importers.POSTS_COLUMNS`) are the
**account's own public statuses**:

* ``public`` and ``unlisted`` statuses only (both open to anyone; an unlisted one
  is only left out of public timelines); ``private`` and ``direct`` ones, which
  the public cannot see, are never counted (a request without a token never
  receives them);
* a boost (``reblog``) is a share by the status's ``account``: ``kind_ref``
  ``'retweeted'``, its own id and time, the boosted words as its text, its counts
  missing (the original's); the boosted status is context, never a row;
* a quote (``quote`` holding a quoted status, Mastodon 4.5) has ``kind_ref``
  ``'quoted'``;
* a reply answers ``in_reply_to_id`` of ``in_reply_to_account_id``; the answered
  account's address (``in_reply_to_account``, ``user@server``) comes from the
  status's ``mentions`` (a reply names whom it answers) or, for an answer to
  itself, the account's own;
* the API gives no thread id: ``conversation_id`` is the earliest status reached
  by following ``in_reply_to_id`` through the account's own statuses of the file,
  so two answers to one status, or an answer to one's own answer, share a
  conversation (a ``dialogue`` may be missed where the public's status between two
  answers is not the account's; the reply share, which sets the level, is not
  affected);
* ``content`` is HTML: its text is read with :mod:`html.parser` (paragraphs and
  line breaks kept as new lines, entities decoded, the ``quote-inline`` fallback
  of a quote left out), after the ``spoiler_text`` where there is one;
* ``account`` is the full address ``username@server`` (the server from the
  account's ``url``); ``mentions`` are the mentioned accounts' ids;
  ``replies`` is ``replies_count``, ``shares`` ``reblogs_count`` plus
  ``quotes_count`` where given, ``likes`` ``favourites_count``; ``views`` is
  missing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from . import ExportFormatError, count_value, parse_utc, posts_frame

__all__ = ["PUBLIC", "address", "html_text", "pages", "read"]

#: The visibilities anyone can see, the only ones counted.
PUBLIC = ("public", "unlisted")
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
_BREAKS = {"br": "\n", "p": "\n\n", "div": "\n", "li": "\n", "blockquote": "\n\n"}


class _Text(HTMLParser):
    """The text of a status's HTML: character references decoded, tags dropped."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden: list[str] = []  # open tags whose content is not the post's text

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if self.hidden or "quote-inline" in classes:
            if tag not in ("br", "img", "hr"):
                self.hidden.append(tag)
            return
        if tag in _BREAKS and tag != "br" and self.parts:
            self.parts.append(_BREAKS[tag])
        elif tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if self.hidden:
            if tag in self.hidden:
                while self.hidden and self.hidden.pop() != tag:
                    pass
            return

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def html_text(html: str) -> str:
    """The words of a status's HTML ``content``, as a reader sees them.

    >>> html_text('<p>Hola <a href="https://x.example/@a" class="mention">@<span>a</span></a>'
    ...           '&amp; all</p><p>Line<br>two</p>')
    'Hola @a& all\\n\\nLine\\ntwo'
    >>> html_text('<p class="quote-inline">RE: <a href="https://x.example/1">link</a></p><p>yes</p>')
    'yes'
    """
    parser = _Text()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    lines = [line.strip() for line in text.split("\n")]
    return "\n".join(lines).strip()


def pages(path: str | Path) -> Iterator[tuple[str, list]]:
    """``(where, statuses)`` for every page of the file, in order.

    Raises
    ------
    ExportFormatError
        The file (or a line) is not JSON, or a page is not an array of statuses.
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
        if not isinstance(doc, list):
            problem = "not a page of statuses (a JSON array of Status)"
            if isinstance(doc, dict) and "error" in doc:
                problem = f"the server answered with an error, not statuses ({doc['error']!r})"
            raise ExportFormatError(path, where, None, problem)
        if doc and all(isinstance(page, list) for page in doc):  # an array of pages
            for i, page in enumerate(doc):
                yield f"{where}[{i}]", page
        else:
            yield where, doc


def read(path: str | Path, country: str, role: str, platform: str = "mastodon"):
    """Read saved statuses pages into the posts table: the account's own public statuses.

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
        A status lacks ``id``, ``created_at``, ``visibility`` or ``account.id``, a
        time has no zone, or a count is not a whole number; the message names the
        page, the status and the field.

    Examples
    --------
    >>> from analysis.base.paths import REPO_ROOT
    >>> fixture = REPO_ROOT / "tests/fixtures/mastodon/mastodonpy-statuses-p001.json"
    >>> read(fixture, "XMA", "foreign_ministry")["text"].tolist()[:2]
    ['Toot number 5!', 'Toot number 6!']
    """
    path = Path(path)
    statuses: list[tuple[str, dict]] = []
    seen: set[str] = set()
    for at, page in pages(path):
        for i, status in enumerate(page):
            where = f"{at}[{i}]"
            if not isinstance(status, dict):
                raise ExportFormatError(path, where, None, "a status must be a JSON object")
            sid = _id(status.get("id"), path, where, "id")
            if sid in seen:
                continue
            seen.add(sid)
            visibility = status.get("visibility")
            if not isinstance(visibility, str):
                raise ExportFormatError(path, where, "visibility", "missing")
            if visibility in PUBLIC:
                statuses.append((where, status))
    parents = {
        str(s["id"]): str(s["in_reply_to_id"]) for _, s in statuses if s.get("in_reply_to_id")
    }
    cols: dict[str, list] = {k: [] for k in _COLUMNS}
    times, where_list = [], []
    for where, status in statuses:
        row = _row(status, path, where, parents)
        times.append(status.get("created_at"))
        where_list.append(where)
        for k in _COLUMNS:
            cols[k].append(row[k])
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


def _id(value: object, path: Path, where: str, field: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)) or str(value).strip() == "":
        raise ExportFormatError(path, where, field, "missing or not an id")
    return str(value)


def address(account: dict) -> str | None:
    """An account's full address ``username@server``, the server taken from its ``url``.

    >>> address({"acct": "sre", "username": "sre", "url": "https://mastodon.social/@sre"})
    'sre@mastodon.social'
    >>> address({"acct": "minrel@gob.example", "url": "https://gob.example/@minrel"})
    'minrel@gob.example'
    """
    acct = account.get("acct")
    if not isinstance(acct, str) or not acct:
        return None
    if "@" in acct:
        return acct
    url = account.get("url")
    host = urlsplit(url).netloc if isinstance(url, str) else ""
    return f"{acct}@{host}" if host else acct


def _conversation(sid: str, parents: dict[str, str]) -> str:
    """The earliest status reached through in_reply_to_id among the file's statuses."""
    seen = {sid}
    while sid in parents and parents[sid] not in seen:
        sid = parents[sid]
        seen.add(sid)
    return sid


def _row(status: dict, path: Path, where: str, parents: dict[str, str]) -> dict:
    sid = _id(status.get("id"), path, where, "id")
    account = status.get("account")
    if not isinstance(account, dict):
        raise ExportFormatError(path, where, "account", "missing (who posted it)")
    account_id = _id(account.get("id"), path, where, "account.id")
    if not isinstance(status.get("created_at"), str):
        raise ExportFormatError(path, where, "created_at", "missing: when it was posted")
    reblog = status.get("reblog")
    shown = reblog if isinstance(reblog, dict) else status
    text = html_text(shown.get("content") or "")
    spoiler = shown.get("spoiler_text")
    if isinstance(spoiler, str) and spoiler.strip():
        text = f"{spoiler.strip()}\n\n{text}".strip()
    row = dict.fromkeys(_COLUMNS)
    row.update(account_id=account_id, account=address(account), post_id=sid, text=text)
    if isinstance(reblog, dict):
        row.update(kind_ref="retweeted", mentions=[])
        return row
    mentions = status.get("mentions") or []
    if not isinstance(mentions, list):
        raise ExportFormatError(path, where, "mentions", "must be a list")
    named = {str(m.get("id")): m for m in mentions if isinstance(m, dict) and m.get("id")}
    parent = status.get("in_reply_to_id")
    answered = status.get("in_reply_to_account_id")
    if parent is not None:
        parent = _id(parent, path, where, "in_reply_to_id")
        answered = _id(answered, path, where, "in_reply_to_account_id") if answered else None
        who = account if answered == account_id else named.get(answered or "")
        row.update(
            in_reply_to=parent,
            in_reply_to_account_id=answered,
            in_reply_to_account=address(who) if who else None,
            conversation_id=_conversation(sid, parents),
        )
    quote = status.get("quote")
    quoted = isinstance(quote, dict) and (
        isinstance(quote.get("quoted_status"), dict) or quote.get("quoted_status_id")
    )
    counts = {
        key: count_value(status.get(key), path, where, key)
        for key in ("replies_count", "reblogs_count", "quotes_count", "favourites_count")
    }
    boosts, quotes = counts["reblogs_count"], counts["quotes_count"]
    row.update(
        kind_ref="quoted" if quoted else ("replied_to" if parent is not None else None),
        mentions=list(named),
        replies=counts["replies_count"],
        shares=None if boosts is None and quotes is None else (boosts or 0) + (quotes or 0),
        likes=counts["favourites_count"],
    )
    return row
