"""Bluesky accounts and their author feeds, from the AT Protocol's public AppView.

``python -m analysis collect bluesky ARG`` reads the country's Bluesky accounts in
``accounts.csv`` (a handle such as ``cancilleria.gob.ar``, ``@…``, or a DID
``did:plc:…``, as Wikidata's P12361 gives the handle) and asks the public AppView
(:data:`APPVIEW`, no account or key needed):

1. ``app.bsky.actor.getProfiles`` (25 accounts a request): each account's DID,
   ``createdAt`` (when it opened), ``followersCount`` and ``postsCount``. An account
   the AppView does not return (deleted, deactivated or taken down) is listed as
   not found, and the others are collected;
2. ``app.bsky.feed.getAuthorFeed`` (``filter=posts_with_replies``, 100 posts a page,
   following ``cursor``, at most `max_pages` pages): the account's posts, its replies
   with their parents, and its reposts with their ``reason``.

Every response is kept byte for byte under ``data/raw/snapshots/bluesky/`` with
the manifest (:mod:`~analysis.data.collect.snapshots`), and ``offline=True`` replays
them. From them it writes the account's ``present``, ``created``, ``followers``,
``posts`` and ``as_of`` (source ``Bluesky AppView app.bsky.actor.getProfiles <did>,
retrieved YYYY-MM-DD``), and the feed as an export (format ``bluesky_feed``, read by
:mod:`analysis.data.importers.bluesky_feed`; a page a line) listed in
``exports.csv``: with it the account's interaction level is measured.

Why the project's HTTP client and not the ``atproto`` SDK: two public queries need
no session, the snapshots must keep the bytes as received (the SDK hands back
parsed models), and one client keeps one set of rules (User-Agent, retries,
``--offline``) for every collector; the SDK would add pydantic, httpx and
cryptography for two GET requests.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from analysis.base.errors import ExportFormatError, UsageError
from analysis.base.files import write_atomic
from analysis.base.paths import DATA_DIR
from analysis.data.load import check_country
from analysis.data.read import read_table

from .merge import Collection, Proposal, apply
from .snapshots import SnapshotStore
from .timelines import export, json_body, walk

__all__ = ["APPVIEW", "DID", "HANDLE", "actor", "collect"]

#: The public AppView's XRPC address (no authentication).
APPVIEW = "https://public.api.bsky.app/xrpc/"
#: A handle (a domain name); checked before it reaches a request.
HANDLE = re.compile(
    r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$"
)
#: A DID of the two methods Bluesky uses.
DID = re.compile(r"^did:(?:plc:[a-z2-7]{24}|web:[a-z0-9.-]{1,253})$")
_BATCH = 25  # getProfiles takes at most 25 actors


def collect(
    iso: str,
    data_dir: str | Path | None = None,
    *,
    offline: bool = False,
    max_pages: int = 30,
    page_size: int = 100,
    appview: str = APPVIEW,
    client=None,
    now=None,
) -> Collection:
    """Collect the Bluesky accounts of `iso`: their figures, and their feeds as exports.

    Parameters
    ----------
    iso
        The country (ISO 3166-1 alpha-3).
    data_dir
        The data directory (default data/raw).
    offline
        Replay the saved snapshots only.
    max_pages, page_size
        How far back to read each feed: at most `max_pages` pages of `page_size` posts.
    appview
        The AppView's XRPC address (a seam for tests).
    client, now
        The HTTP client and the clock (seams for tests).

    Raises
    ------
    analysis.base.errors.UsageError
        For a malformed code, a country without data or without a Bluesky account
        to look up, or a handle that is neither a handle nor a DID.
    analysis.data.collect.http.NetworkError
        Online, when the AppView cannot be reached or refuses.
    """
    data_dir = Path(data_dir or DATA_DIR)
    check_country(iso, data_dir)
    if max_pages < 1 or not 1 <= page_size <= 100:
        raise UsageError("max_pages must be at least 1 and page_size between 1 and 100")
    accounts = read_table("accounts", data_dir)
    mine = accounts[
        (accounts["country"] == iso)
        & (accounts["platform"] == "bluesky")
        & accounts["handle"].notna()
        & accounts["present"].fillna(True)
    ]
    if mine.empty:
        raise UsageError(
            f"no Bluesky account of {iso} in accounts.csv has a handle: run collect "
            f"wikidata {iso} first (P12361), or enter it by hand"
        )
    wanted = [
        (str(role), str(handle), actor(str(handle)))
        for role, handle in zip(mine["role"], mine["handle"], strict=True)
    ]
    store = SnapshotStore(data_dir, "bluesky", offline=offline, client=client, now=now)
    read: list[Path] = []
    profiles = _profiles(store, appview, iso, [a for _, _, a in wanted], read)
    exports = read_table("exports", data_dir)
    proposals: list[Proposal] = []
    files: dict[str, str] = {}
    missing: list[str] = []
    for role, handle, asked in wanted:
        found = profiles.get(asked)
        if found is None:
            missing.append(
                f"app.bsky.actor.getProfiles {asked}: no such account "
                "(deleted, deactivated or taken down)"
            )
            continue
        profile, snap = found
        did = profile["did"]
        proposals.append(_account(iso, role, handle, profile, snap.date))
        stem = did.replace(":", "_")
        feed = walk(
            store,
            lambda n, stem=stem: f"{stem}/feed-p{n:03d}.json",
            appview + "app.bsky.feed.getAuthorFeed",
            {"actor": did, "limit": str(page_size), "filter": "posts_with_replies"},
            _cursor,
            max_pages,
            read,
        )
        if feed.stopped:
            missing.append(f"app.bsky.feed.getAuthorFeed {did}: {feed.stopped}")
        name = f"posts/{iso.lower()}-{role}-bluesky-{stem}.jsonl"
        row, text = export(
            exports,
            name,
            feed.pages,
            {"format": "bluesky_feed", "country": iso, "role": role, "platform": "bluesky"},
            lambda day, did=did: (
                f"Bluesky AppView app.bsky.feed.getAuthorFeed {did}, retrieved {day}"
            ),
        )
        if row is None:
            missing.append(f"{name}: exports.csv lists it with another source; not replaced")
            continue
        files[name] = text
        proposals.append(row)
    for name, text in files.items():  # before exports.csv names them
        write_atomic(data_dir / name, text)
    return Collection(apply(data_dir, proposals), tuple(read), tuple(missing))


def actor(handle: str) -> str:
    """The actor a handle of ``accounts.csv`` asks for: a lower-case handle or a DID.

    >>> actor("@Cancilleria.gob.ar"), actor("did:plc:wpe35pganb6d4pg4ekmfy6u5")
    ('cancilleria.gob.ar', 'did:plc:wpe35pganb6d4pg4ekmfy6u5')

    Raises
    ------
    UsageError
        For anything else (a URL, a name with spaces), before it reaches a request.
    """
    text = handle.strip().removeprefix("@")
    if DID.match(text):
        return text
    if HANDLE.match(text.lower()) and len(text) <= 253:
        return text.lower()
    raise UsageError(f"{handle!r} is neither a Bluesky handle (name.bsky.social) nor a DID")


def _profiles(store, appview: str, iso: str, actors: list[str], read: list[Path]) -> dict:
    """Each asked actor's profile and the snapshot it came from (by handle and by DID)."""
    out: dict[str, tuple[dict, object]] = {}
    unique = list(dict.fromkeys(actors))
    for i in range(0, len(unique), _BATCH):
        batch = unique[i : i + _BATCH]
        url = appview + "app.bsky.actor.getProfiles?" + urlencode([("actors", a) for a in batch])
        snap = store.get(f"profiles/{iso.lower()}-{i // _BATCH + 1:03d}.json", url)
        read.append(snap.path)
        doc = json_body(snap)
        listed = doc.get("profiles") if isinstance(doc, dict) else None
        if not isinstance(listed, list):
            raise ExportFormatError(snap.path, "file", "profiles", "not a getProfiles answer")
        for j, profile in enumerate(listed):
            did = profile.get("did") if isinstance(profile, dict) else None
            if not isinstance(did, str) or not DID.match(did):
                raise ExportFormatError(snap.path, f"profiles[{j}]", "did", "not a DID")
            handle = profile.get("handle")
            out[did] = (profile, snap)
            if isinstance(handle, str):
                out[handle.lower()] = (profile, snap)
    return out


def _cursor(doc: object) -> dict[str, str] | None:
    """The next page's parameters: the page's ``cursor``, unless the page is the last."""
    if not isinstance(doc, dict) or not doc.get("feed"):
        return None
    cursor = doc.get("cursor")
    return {"cursor": cursor} if isinstance(cursor, str) and cursor else None


def _account(iso: str, role: str, handle: str, profile: dict, day: str) -> Proposal:
    blocks: list[dict[str, str]] = [{"present": "true"}]
    created = profile.get("createdAt")
    if isinstance(created, str):
        try:
            opened = datetime.fromisoformat(created.replace("Z", "+00:00"))
        except ValueError:
            opened = None
        if opened is not None and opened.tzinfo is not None:
            blocks.append({"created": opened.astimezone(UTC).strftime("%Y-%m-%d")})
    figures = {
        column: profile.get(key)
        for column, key in (("followers", "followersCount"), ("posts", "postsCount"))
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
        {"country": iso, "role": role, "platform": "bluesky", "handle": handle},
        tuple(blocks),
        f"Bluesky AppView app.bsky.actor.getProfiles {profile['did']}, retrieved {day}",
    )
