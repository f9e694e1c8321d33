"""Mastodon accounts and their public statuses, from each account's own server.

``python -m analysis collect mastodon ARG`` reads the country's Mastodon accounts in
``accounts.csv``, each an address ``@user@server`` (or ``user@server``, as
Wikidata's P4033 gives it), and asks the account's server, without a token:

1. ``GET https://<server>/api/v1/accounts/lookup?acct=<user>``: the account's id,
   ``created_at`` (the day it opened), ``followers_count`` and ``statuses_count``.
   An account the server does not know (404) or has removed (410), or one it marks
   ``suspended``, is listed as not found, and the others are collected;
2. ``GET https://<server>/api/v1/accounts/<id>/statuses?limit=40`` and the pages
   before each page's oldest status (``max_id``), at most `max_pages` pages: what
   the public sees, its statuses, replies and boosts (``public`` and ``unlisted``;
   ``private`` and ``direct`` ones never reach a request without a token).

Every response is kept byte for byte under ``data/raw/snapshots/mastodon/`` with the
manifest, and ``offline=True`` replays them; an account not found when it was
collected has no snapshot, and the replay lists it as not found again. From them it
writes the account's ``present``, ``created``, ``followers``, ``posts`` and
``as_of`` (source ``Mastodon API accounts/lookup user@server, retrieved
YYYY-MM-DD``), and the statuses as an export (format ``mastodon_statuses``, read by
:mod:`analysis.data.importers.mastodon_statuses`; a page a line) listed in
``exports.csv``: with it the account's interaction level is measured.

Why the project's HTTP client and not ``Mastodon.py``: two public GET requests need
no app registration, the snapshots must keep the bytes as received (Mastodon.py
hands back parsed dicts with converted dates), and one client keeps one set of
rules (User-Agent, retries, ``--offline``) for every collector.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from analysis.base.errors import ExportFormatError, NetworkError, UsageError
from analysis.base.files import write_atomic
from analysis.base.paths import DATA_DIR
from analysis.data.load import check_country
from analysis.data.read import read_table

from .merge import Collection, Proposal, apply
from .snapshots import SnapshotStore
from .timelines import export, json_body, walk

__all__ = ["ADDRESS", "address", "collect"]

#: An account's address: a user name and its server (a domain name).
ADDRESS = re.compile(
    r"^@?(?P<user>[A-Za-z0-9_][A-Za-z0-9_.-]{0,63})@"
    r"(?P<server>(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9])$"
)
_ACCOUNT_ID = re.compile(r"^[A-Za-z0-9]{1,64}$")
_GONE = (404, 410)  # the server does not know the account, or removed it


def address(handle: str) -> tuple[str, str]:
    """``(user, server)`` of an address of ``accounts.csv``.

    >>> address("@SRE_mx@Mastodon.Social")
    ('SRE_mx', 'mastodon.social')

    Raises
    ------
    UsageError
        For anything else (a URL, a bare user name), before it reaches a request.
    """
    user, _, server = handle.strip().removeprefix("@").rpartition("@")
    match = ADDRESS.match(f"{user}@{server.lower()}")
    if match is None:
        raise UsageError(f"{handle!r} is not a Mastodon address (@user@server)")
    return match["user"], match["server"]


def collect(
    iso: str,
    data_dir: str | Path | None = None,
    *,
    offline: bool = False,
    max_pages: int = 50,
    server_url: Callable[[str], str] | None = None,
    client=None,
    now=None,
) -> Collection:
    """Collect the Mastodon accounts of `iso`: their figures, and their statuses as exports.

    Parameters
    ----------
    iso
        The country (ISO 3166-1 alpha-3).
    data_dir
        The data directory (default data/raw).
    offline
        Replay the saved snapshots only.
    max_pages
        How far back to read each account: at most this many pages of 40 statuses.
    server_url
        The base address of a server (default ``https://<server>``; a seam for tests).
    client, now
        The HTTP client and the clock (seams for tests).

    Raises
    ------
    analysis.base.errors.UsageError
        For a malformed code, a country without data or without a Mastodon account
        to look up, or a handle that is not an address.
    analysis.data.collect.http.NetworkError
        Online, when a server cannot be reached or refuses (other than not knowing
        the account).
    """
    data_dir = Path(data_dir or DATA_DIR)
    check_country(iso, data_dir)
    if max_pages < 1:
        raise UsageError("max_pages must be at least 1")
    base = server_url or (lambda server: f"https://{server}")
    accounts = read_table("accounts", data_dir)
    mine = accounts[
        (accounts["country"] == iso)
        & (accounts["platform"] == "mastodon")
        & accounts["handle"].notna()
        & accounts["present"].fillna(True)
    ]
    if mine.empty:
        raise UsageError(
            f"no Mastodon account of {iso} in accounts.csv has an address: run collect "
            f"wikidata {iso} first (P4033), or enter it by hand (@user@server)"
        )
    wanted = [
        (str(role), str(handle), *address(str(handle)))
        for role, handle in zip(mine["role"], mine["handle"], strict=True)
    ]
    store = SnapshotStore(data_dir, "mastodon", offline=offline, client=client, now=now)
    exports = read_table("exports", data_dir)
    proposals: list[Proposal] = []
    files: dict[str, str] = {}
    read: list[Path] = []
    missing: list[str] = []
    for role, handle, user, server in wanted:
        who = f"{user}@{server}"
        name = f"{server}/{user}.json"
        if offline and not (store.root / name).is_file():
            missing.append(f"accounts/lookup {who}: not found when it was collected (no snapshot)")
            continue
        try:
            snap = store.get(name, base(server) + "/api/v1/accounts/lookup", {"acct": user})
        except NetworkError as exc:
            if exc.status not in _GONE:
                raise
            missing.append(f"accounts/lookup {who}: no such account (HTTP {exc.status})")
            continue
        read.append(snap.path)
        found = json_body(snap)
        if not isinstance(found, dict) or not _ACCOUNT_ID.match(str(found.get("id", ""))):
            raise ExportFormatError(snap.path, "file", "id", "not a Mastodon Account")
        if found.get("suspended"):
            missing.append(f"accounts/lookup {who}: the server has suspended the account")
            continue
        account_id = str(found["id"])
        proposals.append(_account(iso, role, handle, who, found, snap.date))
        timeline = walk(
            store,
            lambda n, server=server, aid=account_id: f"{server}/{aid}/statuses-p{n:03d}.json",
            f"{base(server)}/api/v1/accounts/{account_id}/statuses",
            {"limit": "40"},
            _older,
            max_pages,
            read,
        )
        if timeline.stopped:
            missing.append(f"accounts/{account_id}/statuses {who}: {timeline.stopped}")
        file = f"posts/{iso.lower()}-{role}-mastodon-{who}.jsonl"
        row, text = export(
            exports,
            file,
            timeline.pages,
            {"format": "mastodon_statuses", "country": iso, "role": role, "platform": "mastodon"},
            lambda day, who=who, aid=account_id: (
                f"Mastodon API accounts/{aid}/statuses {who}, retrieved {day}"
            ),
        )
        if row is None:
            missing.append(f"{file}: exports.csv lists it with another source; not replaced")
            continue
        files[file] = text
        proposals.append(row)
    for file, text in files.items():  # before exports.csv names them
        write_atomic(data_dir / file, text)
    return Collection(apply(data_dir, proposals), tuple(read), tuple(missing))


def _older(doc: object) -> dict[str, str] | None:
    """The next page's parameters: statuses older than this page's oldest, or None at the end."""
    if not isinstance(doc, list) or not doc:
        return None
    last = doc[-1].get("id") if isinstance(doc[-1], dict) else None
    return {"max_id": str(last)} if isinstance(last, (str, int)) and str(last) else None


def _account(iso: str, role: str, handle: str, who: str, found: dict, day: str) -> Proposal:
    blocks: list[dict[str, str]] = [{"present": "true"}]
    created = found.get("created_at")
    if isinstance(created, str):
        try:
            opened = datetime.fromisoformat(created.replace("Z", "+00:00"))
        except ValueError:
            opened = None
        if opened is not None and opened.tzinfo is not None:
            blocks.append({"created": opened.astimezone(UTC).strftime("%Y-%m-%d")})
    figures = {
        column: found.get(key)
        for column, key in (("followers", "followers_count"), ("posts", "statuses_count"))
    }
    block = {
        k: str(v)
        for k, v in figures.items()
        if isinstance(v, int) and not isinstance(v, bool) and v >= 0
    }
    if block:
        blocks.append({**block, "as_of": day})
    return Proposal(
        "accounts",
        {"country": iso, "role": role, "platform": "mastodon", "handle": handle},
        tuple(blocks),
        f"Mastodon API accounts/lookup {who}, retrieved {day}",
    )
