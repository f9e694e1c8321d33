"""Institutions' websites, blogs, accounts and audiences from Wikidata.

``python -m analysis collect wikidata ARG`` reads the QID of each institution
(``institutions.csv``, column ``wikidata``), fetches its entity
(``https://www.wikidata.org/wiki/Special:EntityData/<QID>.json``), keeps the
response unchanged as ``data/raw/snapshots/wikidata/<QID>.json``, and writes
what it states into the country's rows, each with the source
``Wikidata <QID>, <properties>, retrieved <YYYY-MM-DD>``
(:mod:`analysis.data.collect.merge` decides what may be written). With
``offline=True`` only the saved snapshots are read.

What is read
------------
======== =========================== ==================================
property  meaning                     written as
======== =========================== ==================================
P856      official website            ``institutions.website`` = true
P1581     official blog               ``institutions.blog`` = true
P2002     X/Twitter username          an ``accounts`` row, ``twitter``
P2013     Facebook username           ``facebook``
P2003     Instagram username          ``instagram``
P2397     YouTube channel ID          ``youtube`` (the handle is the ``UC…`` id)
P3267     Flickr user ID              ``flickr``
P4264     LinkedIn company ID         ``linkedin``
P3789     Telegram username           ``telegram``
P12361    Bluesky handle              ``bluesky`` (``name.bsky.social``)
P4033     Mastodon address            ``mastodon`` (``user@server``)
P8687     social media followers      ``followers`` and ``as_of`` of its account
======== =========================== ==================================

Decisions
---------
* Only a statement's *best rank* counts (preferred where there are any, else
  normal; never deprecated), and an account with an end time (P582) is closed.
* A P8687 count belongs to the account its qualifiers name: the username or
  channel property of its platform (e.g. P2002), a Twitter user ID (P6552,
  matched through the P6552 qualifier of a P2002 statement), or ``applies to
  part`` (P518) naming the platform, when the institution has one account
  there. A count without a point in time (P585, at least a year's precision)
  or that names no account of the entity is not used; of the others, the latest
  by its point in time is (``as_of`` at the precision Wikidata gives).
* Absence is not evidence: a property Wikidata lacks leaves the cell as it is
  (never ``false``); a handle is written as Wikidata spells it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from analysis.base.errors import ExportFormatError, UsageError
from analysis.base.paths import DATA_DIR
from analysis.data import dates
from analysis.data.importers import MAX_COUNT, MAX_JSON_DEPTH, json_value
from analysis.data.load import check_country, load_all

from .http import user_agent
from .merge import Collection, Proposal, apply
from .snapshots import SnapshotStore

__all__ = [
    "ACCOUNT_PROPERTIES",
    "ENTITY_URL",
    "INSTITUTION_PROPERTIES",
    "QID",
    "accounts",
    "collect",
    "entity",
    "proposals",
]

#: Where an entity's JSON is fetched from.
ENTITY_URL = "https://www.wikidata.org/wiki/Special:EntityData/{qid}.json"
#: A Wikidata item identifier (Q and at most 12 digits: items number in the hundreds of
#: millions); checked before it is used in a URL or a file name.
QID = re.compile(r"^Q[1-9][0-9]{0,11}$")
#: Account properties and the codebook platform each names.
ACCOUNT_PROPERTIES: dict[str, str] = {
    "P2002": "twitter",
    "P2013": "facebook",
    "P2003": "instagram",
    "P2397": "youtube",
    "P3267": "flickr",
    "P4264": "linkedin",
    "P3789": "telegram",
    "P12361": "bluesky",
    "P4033": "mastodon",
}
#: Institution properties and the ``institutions.csv`` column each sets to true.
INSTITUTION_PROPERTIES: dict[str, str] = {"P856": "website", "P1581": "blog"}
FOLLOWERS = "P8687"
POINT_IN_TIME = "P585"
END_TIME = "P582"
TWITTER_ID = "P6552"
APPLIES_TO_PART = "P518"
#: The platforms' own items, for P518 qualifiers.
PLATFORM_ITEMS: dict[str, str] = {
    "Q918": "twitter",
    "Q355": "facebook",
    "Q209330": "instagram",
    "Q866": "youtube",
}
_PRECISION = {9: 4, 10: 7, 11: 10}  # Wikidata time precision -> characters of YYYY-MM-DD
_PRECISION_ORDER = {"day": 0, "month": 1, "year": 3}  # finer first, among counts of one start
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def entity(body: bytes, qid: str, path: str | Path) -> dict:
    """The entity of a ``Special:EntityData`` response (a redirect gives its target).

    Raises
    ------
    analysis.base.errors.ExportFormatError
        When the body is not JSON or holds no entity; names the file and field.
    """
    doc = json_value(body, path, "file", max_depth=MAX_JSON_DEPTH)
    entities = doc.get("entities") if isinstance(doc, dict) else None
    if not isinstance(entities, dict) or not entities:
        raise ExportFormatError(path, "file", "entities", "missing (is this Special:EntityData?)")
    found = entities.get(qid)
    if found is None and len(entities) == 1:  # the QID was merged into another item
        found = next(iter(entities.values()))
    if not isinstance(found, dict) or not QID.match(str(found.get("id", ""))):
        raise ExportFormatError(path, f"entities.{qid}", "id", "not an item of Wikidata")
    if not isinstance(found.get("claims", {}), dict):
        raise ExportFormatError(path, f"entities.{qid}", "claims", "must be an object")
    return found


def accounts(item: Mapping, path: str | Path = "entity") -> pd.DataFrame:
    """The accounts an entity states, with their latest follower count where one is usable.

    Returns
    -------
    pandas.DataFrame
        One row per account: ``platform``, ``handle``, ``property``, ``followers``
        (nullable integer) and ``as_of`` (a date of data/raw or missing), in the
        order of :data:`ACCOUNT_PROPERTIES`.

    Examples
    --------
    >>> from analysis.base.paths import REPO_ROOT
    >>> path = REPO_ROOT / "tests/fixtures/wikidata/Q43404.json"
    >>> found = accounts(entity(path.read_bytes(), "Q43404", path))
    >>> found[["platform", "handle"]].values.tolist()
    [['twitter', 'discovery'], ['facebook', 'Discovery'], ['instagram', 'discovery']]
    """
    qid = str(item.get("id"))
    claims = item.get("claims") or {}
    found: list[dict] = []
    twitter_ids: dict[str, str] = {}
    for prop, platform in ACCOUNT_PROPERTIES.items():
        for i, statement in _best(claims, prop, path, qid):
            handle = _string(statement.get("mainsnak"), path, f"entities.{qid}.claims.{prop}[{i}]")
            if handle is None or _qualifiers(statement, END_TIME):
                continue
            if prop == "P2002":
                for number in _qualifier_strings(statement, TWITTER_ID):
                    twitter_ids[number] = handle
            if not any(a["platform"] == platform and _same(a["handle"], handle) for a in found):
                found.append({"platform": platform, "handle": handle, "property": prop})
    counts: dict[int, tuple] = {}
    for i, statement in _best(claims, FOLLOWERS, path, qid, all_ranks=True):
        where = f"entities.{qid}.claims.{FOLLOWERS}[{i}]"
        amount = _amount(statement.get("mainsnak"), path, where)
        when = _point_in_time(statement)
        target = _target(statement, found, twitter_ids)
        if amount is None or when is None or target is None:
            continue
        rank = 1 if statement.get("rank") == "preferred" else 0
        order = (when[1].start, -_PRECISION_ORDER[when[1].precision], rank)
        if target not in counts or order > counts[target][0]:
            counts[target] = (order, amount, when[0])
    frame = pd.DataFrame(found, columns=["platform", "handle", "property"])
    frame["followers"] = pd.array(
        [counts[i][1] if i in counts else None for i in range(len(found))], dtype="Int64"
    )
    frame["as_of"] = pd.array(
        [counts[i][2] if i in counts else None for i in range(len(found))], dtype="string"
    )
    return frame.astype({"platform": "string", "handle": "string", "property": "string"})


def proposals(
    item: Mapping, country: str, role: str, retrieved: str, path: str | Path = "entity"
) -> list[Proposal]:
    """The rows an entity gives for institution `role` of `country`, with their citations.

    `retrieved` is the day the entity was fetched (``YYYY-MM-DD``); `path` names
    the snapshot in error messages.
    """
    qid = str(item["id"])
    out: list[Proposal] = []
    claims = item.get("claims") or {}
    found = {
        column: prop
        for prop, column in INSTITUTION_PROPERTIES.items()
        if any(
            _string(s.get("mainsnak"), path, f"entities.{qid}.claims.{prop}[{i}]")
            for i, s in _best(claims, prop, path, qid)
        )
    }
    if found:
        cited = ", ".join(found.values())
        out.append(
            Proposal(
                "institutions",
                {"country": country, "role": role},
                tuple({column: "true"} for column in found),
                f"Wikidata {qid}, {cited}, retrieved {retrieved}",
            )
        )
    for row in accounts(item, path).itertuples(index=False):
        blocks: list[dict[str, str]] = [{"present": "true"}]
        props = [row.property]
        if not pd.isna(row.followers):
            blocks.append({"followers": str(int(row.followers)), "as_of": str(row.as_of)})
            props.append(FOLLOWERS)
        out.append(
            Proposal(
                "accounts",
                {"country": country, "role": role, "platform": row.platform, "handle": row.handle},
                tuple(blocks),
                f"Wikidata {qid}, {', '.join(props)}, retrieved {retrieved}",
            )
        )
    return out


def collect(
    iso: str,
    data_dir: str | Path | None = None,
    *,
    offline: bool = False,
    client=None,
    now=None,
) -> Collection:
    """Collect the Wikidata entities of `iso`'s institutions and merge what they state.

    Parameters
    ----------
    iso
        The country (ISO 3166-1 alpha-3) whose institutions have a ``wikidata`` QID.
    data_dir
        The data directory (default data/raw).
    offline
        Read the saved snapshots only.
    client, now
        The HTTP client and the clock (seams for tests).

    Returns
    -------
    Collection
        The merge report (:func:`analysis.data.collect.merge.apply`) and the snapshots read.

    Raises
    ------
    analysis.base.errors.UsageError
        For a malformed code, a country without data, or no institution with a QID.
    analysis.data.collect.http.NetworkError
        Online, when Wikidata cannot be reached (the message suggests ``--offline``).
    """
    data_dir = Path(data_dir or DATA_DIR)
    check_country(iso, data_dir)
    # everything is checked before the first request: the data, the items, the contact
    institutions = load_all(data_dir)["institutions"]
    mine = institutions[(institutions["country"] == iso) & institutions["wikidata"].notna()]
    if mine.empty:
        raise UsageError(
            f"no institution of {iso} has a Wikidata item: fill the wikidata column of "
            f"{data_dir / 'institutions.csv'} (e.g. Q1234) first"
        )
    for qid in mine["wikidata"]:
        if not QID.match(str(qid)):
            raise UsageError(
                f"{str(qid)[:20]!r} is not a Wikidata item id (Q followed by at most 12 digits)"
            )
    store = SnapshotStore(data_dir, "wikidata", offline=offline, client=client, now=now)
    if not offline and client is None:
        user_agent()  # no contact: say so now, not after the first request
    found: list[Proposal] = []
    paths = []
    for role, qid in zip(mine["role"], mine["wikidata"], strict=True):
        snap = store.get(f"{qid}.json", ENTITY_URL.format(qid=qid))
        paths.append(snap.path)
        item = entity(snap.body, qid, snap.path)
        found += proposals(item, iso, str(role), snap.date, snap.path)
    return Collection(apply(data_dir, found), tuple(paths))


def _best(claims: Mapping, prop: str, path, qid: str, *, all_ranks: bool = False):
    """``(index, statement)`` of a property's best-ranked statements (or all but deprecated)."""
    statements = claims.get(prop) or []
    if not isinstance(statements, list):
        raise ExportFormatError(path, f"entities.{qid}.claims", prop, "must be a list")
    usable = [
        (i, s)
        for i, s in enumerate(statements)
        if isinstance(s, dict) and s.get("rank", "normal") in ("preferred", "normal")
    ]
    if all_ranks:
        return usable
    preferred = [(i, s) for i, s in usable if s.get("rank") == "preferred"]
    return preferred or usable


def _value(snak: object):
    if not isinstance(snak, dict) or snak.get("snaktype", "value") != "value":
        return None
    datavalue = snak.get("datavalue")
    return datavalue.get("value") if isinstance(datavalue, dict) else None


def _string(snak: object, path, where: str) -> str | None:
    value = _value(snak)
    if value is None:
        return None
    if not isinstance(value, str) or _CONTROL.search(value) or len(value) > 500:
        raise ExportFormatError(path, where, "mainsnak.datavalue.value", "not a plain string")
    return value.strip() or None


def _amount(snak: object, path, where: str) -> int | None:
    value = _value(snak)
    if value is None:
        return None
    amount = value.get("amount") if isinstance(value, dict) else None
    if not isinstance(amount, str):
        raise ExportFormatError(path, where, "mainsnak.datavalue.value.amount", "not a quantity")
    field = "mainsnak.datavalue.value.amount"
    try:
        number = Decimal(amount) if len(amount) <= 40 else Decimal("NaN")
    except InvalidOperation:
        raise ExportFormatError(path, where, field, f"{amount!r} is not a number") from None
    if not number.is_finite():
        raise ExportFormatError(path, where, field, f"{amount[:40]!r} is not a finite number")
    if number > MAX_COUNT:
        raise ExportFormatError(
            path, where, field, f"{amount!r} is too large for a count (at most {MAX_COUNT:.0e})"
        )
    if number < 0 or number != number.to_integral_value():
        return None
    return int(number)


def _qualifiers(statement: Mapping, prop: str) -> list:
    qualifiers = statement.get("qualifiers") or {}
    found = qualifiers.get(prop) if isinstance(qualifiers, dict) else None
    return [q for q in found or [] if _value(q) is not None]


def _qualifier_strings(statement: Mapping, prop: str) -> list[str]:
    return [v.strip() for v in map(_value, _qualifiers(statement, prop)) if isinstance(v, str)]


def _point_in_time(statement: Mapping) -> tuple[str, dates.PartialDate] | None:
    """The latest P585 of a statement as a date of data/raw, at Wikidata's precision."""
    best = None
    for snak in _qualifiers(statement, POINT_IN_TIME):
        value = _value(snak)
        if not isinstance(value, dict) or not isinstance(value.get("time"), str):
            continue
        size = _PRECISION.get(value.get("precision"))
        match = re.match(r"^\+([0-9]{4}-[0-9]{2}-[0-9]{2})T", value["time"])
        if size is None or match is None:
            continue
        text = match.group(1)[:size]
        parsed = dates.parse_or_none(text)
        if parsed is not None and (best is None or parsed.start > best[1].start):
            best = (text, parsed)
    return best


def _target(statement: Mapping, found: list[dict], twitter_ids: dict[str, str]) -> int | None:
    """The index in `found` of the account a P8687 statement counts, or None."""
    for prop, platform in ACCOUNT_PROPERTIES.items():
        for handle in _qualifier_strings(statement, prop):
            for i, account in enumerate(found):
                if account["platform"] == platform and _same(account["handle"], handle):
                    return i
            return None  # names an account the entity does not list (an old one)
    for number in _qualifier_strings(statement, TWITTER_ID):
        handle = twitter_ids.get(number)
        for i, account in enumerate(found):
            if handle and account["platform"] == "twitter" and _same(account["handle"], handle):
                return i
        return None
    for snak in _qualifiers(statement, APPLIES_TO_PART):
        value = _value(snak)
        platform = PLATFORM_ITEMS.get(value.get("id")) if isinstance(value, dict) else None
        on_platform = [i for i, a in enumerate(found) if a["platform"] == platform]
        if platform and len(on_platform) == 1:
            return on_platform[0]
    return None


def _same(a: str, b: str) -> bool:
    return a.lstrip("@").casefold() == b.lstrip("@").casefold()
