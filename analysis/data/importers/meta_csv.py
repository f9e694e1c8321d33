"""Facebook and Instagram posts from CrowdTangle or Meta Content Library CSV exports.

Three layouts are recognised by their header, with the column names the tools
write:

``crowdtangle-facebook``
    CrowdTangle "Historical data" export of Pages (or Groups): ``Page Name``
    (``Group Name``), ``User Name``, ``Facebook Id``, ``Post Created``
    (``YYYY-MM-DD HH:MM:SS ZONE``), ``Type``, ``Likes``, ``Comments``,
    ``Shares``, ``Post Views``, ``URL``, ``Message``, ``Link``, ...
``crowdtangle-instagram``
    CrowdTangle export of Instagram accounts: ``Account``, ``User Name``,
    ``Post Created``, ``Type``, ``Likes``, ``Comments``, ``Views``, ``URL``,
    ``Title``, ``Description`` (the caption), ...
``meta-content-library``
    Meta Content Library CSV download, fields named as the API's data
    dictionary with dotted expanded fields: ``id``, ``creation_time``,
    ``text``, ``post_owner.id``, ``post_owner.username``, ``shared_post_id``,
    ``statistics.like_count``, ``statistics.comment_count``,
    ``statistics.share_count``, ``statistics.views``. The file does not say
    whether the posts are Facebook or Instagram posts: pass ``platform``.

Decisions
---------
* ``likes`` is the like reaction alone (``Likes`` / ``statistics.like_count``),
  as on the other platforms; the other reactions are not applause of the same
  kind.
* A post is a share (``kind_ref='retweeted'``, or ``'quoted'`` when the account
  added its own words) when the Meta Content Library gives a
  ``shared_post_id``, or, for CrowdTangle, when its ``Link`` is a facebook.com
  post of another page (CrowdTangle flags no shares; the link is what it keeps).
* Facebook exports carry no handles of the Pages a post tags, so Facebook
  mentions are empty; Instagram captions name accounts as ``@username``, which
  are read as mentions.
* CrowdTangle writes times in the dashboard's zone with an abbreviation. UTC,
  GMT and the unambiguous US/European abbreviations are converted; for any
  other zone pass ``tz`` (an IANA name such as ``"America/Mexico_City"``).
* Neither tool records replies of a Page to comments, so no post from these
  exports is a reply: the coder sees original posts, mentions and shares.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd

from . import MAX_COUNT, ExportFormatError, parse_utc, posts_frame

__all__ = ["read", "detect_layout", "LAYOUTS"]

#: Columns that identify each layout (a subset of what the tool writes).
LAYOUTS: dict[str, frozenset[str]] = {
    "crowdtangle-facebook": frozenset(
        {
            "User Name",
            "Facebook Id",
            "Post Created",
            "Likes",
            "Comments",
            "Shares",
            "URL",
            "Message",
        }
    ),
    "crowdtangle-instagram": frozenset(
        {"Account", "User Name", "Post Created", "Likes", "Comments", "URL", "Description"}
    ),
    "meta-content-library": frozenset({"id", "creation_time", "text", "post_owner.id"}),
}

# Abbreviations CrowdTangle writes that name one offset only.
_ZONES = {
    "UTC": "+00:00", "GMT": "+00:00", "Z": "+00:00",
    "EST": "-05:00", "EDT": "-04:00", "PST": "-08:00", "PDT": "-07:00",
    "MST": "-07:00", "MDT": "-06:00", "CET": "+01:00", "CEST": "+02:00",
}  # fmt: skip
_MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9_.]{1,30})")
_FB_POST_LINK = re.compile(
    r"^https?://(?:www\.|m\.|web\.)?facebook\.com/([^/?#]+)/(?:posts|videos|photos)/", re.I
)


def detect_layout(columns) -> str:
    """Name the layout of a header (see :data:`LAYOUTS`), or raise ``ValueError``."""
    cols = set(columns)
    for name, needed in LAYOUTS.items():
        if needed <= cols:
            return name
    closest = min(LAYOUTS, key=lambda k: len(LAYOUTS[k] - cols))
    raise ValueError(
        "not a CrowdTangle or Meta Content Library export; "
        f"as {closest}, it lacks {sorted(LAYOUTS[closest] - cols)}"
    )


def read(
    path: str | Path, country: str, role: str, platform: str | None = None, tz: str | None = None
) -> pd.DataFrame:
    """Read a CrowdTangle or Meta Content Library CSV into the posts table.

    Parameters
    ----------
    path
        The CSV file (UTF-8, with or without a byte-order mark).
    country, role
        The country and institution role the accounts belong to.
    platform
        ``"facebook"`` or ``"instagram"``. CrowdTangle layouts imply it (a
        different value is an error); a Meta Content Library file needs it.
    tz
        IANA zone of CrowdTangle's ``Post Created`` when its abbreviation is
        not one this reader knows (e.g. ``CST``, which names several zones).

    Raises
    ------
    ExportFormatError
        The header is not one of the layouts, or a row lacks an id or time, or
        a count is not a whole number; the message names the row (data rows
        counted from 1 after the header) and the column.
    """
    path = Path(path)
    raw = pd.read_csv(
        path, dtype=str, keep_default_na=False, encoding="utf-8-sig", quoting=csv.QUOTE_MINIMAL
    )
    try:
        layout = detect_layout(raw.columns)
    except ValueError as err:
        raise ExportFormatError(path, "header", None, str(err)) from None
    implied = {"crowdtangle-facebook": "facebook", "crowdtangle-instagram": "instagram"}.get(layout)
    if implied and platform not in (None, implied):
        raise ExportFormatError(
            path, "header", "platform", f"a {layout} export holds {implied} posts, not {platform}"
        )
    platform = platform or implied
    if platform not in ("facebook", "instagram"):
        raise ExportFormatError(
            path,
            "header",
            "platform",
            "a Meta Content Library file needs platform='facebook' or 'instagram'",
        )
    # data rows counted from 1 after the header (a text with line breaks spans several lines)
    where = [f"row {i + 1}" for i in range(len(raw))]
    raw = raw.apply(
        lambda s: s.str.strip() if s.name not in ("Message", "Description", "text", "Title") else s
    )

    if layout == "meta-content-library":
        cols = _meta_content_library(raw, path, where)
    else:
        cols = _crowdtangle(raw, path, where, layout, tz)
    n = len(raw)
    if platform == "instagram":
        cols["mentions"] = [
            sorted(set(m.lower() for m in found)) for found in cols["text"].str.findall(_MENTION)
        ]
    else:
        cols["mentions"] = [[] for _ in range(n)]
    return posts_frame(
        {"country": [country] * n, "role": [role] * n, "platform": [platform] * n, **cols}
    )


def _required(raw: pd.DataFrame, column: str, path: Path, where: list[str]) -> pd.Series:
    values = raw[column]
    empty = values == ""
    if empty.any():
        i = int(empty.to_numpy().nonzero()[0][0])
        raise ExportFormatError(path, where[i], column, "empty; every post needs it")
    return values


def _counts(raw: pd.DataFrame, column: str, path: Path, where: list[str]) -> pd.Series:
    """A count column as Int64; empty and 'N/A' cells are missing, thousands separators allowed."""
    if column not in raw.columns:
        return pd.Series(pd.NA, index=raw.index, dtype="Int64")
    text = raw[column].str.replace(",", "", regex=False).str.strip()
    missing = text.isin(["", "N/A", "NA", "null"])
    bad = ~missing & ~text.str.fullmatch(r"\d+(?:\.0+)?")
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise ExportFormatError(path, where[i], column, f"{raw[column].iloc[i]!r} is not a count")
    out = pd.to_numeric(text.where(~missing), errors="coerce")
    huge = out > MAX_COUNT
    if huge.any():
        i = int(huge.to_numpy().nonzero()[0][0])
        raise ExportFormatError(
            path,
            where[i],
            column,
            f"{raw[column].iloc[i]!r} is too large for a count (at most {MAX_COUNT:.0e})",
        )
    return out.round().astype("Int64")


def _crowdtangle(
    raw: pd.DataFrame, path: Path, where: list[str], layout: str, tz: str | None
) -> dict:
    url = _required(raw, "URL", path, where)
    post_id = url.str.rstrip("/").str.rsplit("/", n=1).str[-1]
    created = _required(raw, "Post Created", path, where)
    parts = created.str.extract(r"^(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?)\s*(\S*)$")
    bad = parts[0].isna()
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise ExportFormatError(
            path, where[i], "Post Created", f"{created.iloc[i]!r} is not 'YYYY-MM-DD HH:MM:SS ZONE'"
        )
    zone = parts[1].str.upper()
    offset = zone.map(_ZONES)
    numeric = zone.str.fullmatch(r"[+-]\d{2}:?\d{2}")
    offset = offset.where(~numeric.fillna(False), zone)
    if tz is not None:
        local = pd.to_datetime(parts[0], format="ISO8601").dt.tz_localize(
            tz, ambiguous="NaT", nonexistent="NaT"
        )
        created_at = local.dt.tz_convert("UTC")
        if created_at.isna().any():
            i = int(created_at.isna().to_numpy().nonzero()[0][0])
            raise ExportFormatError(
                path,
                where[i],
                "Post Created",
                f"{created.iloc[i]!r} does not exist or is ambiguous in {tz}",
            )
    else:
        unknown = offset.isna()
        if unknown.any():
            i = int(unknown.to_numpy().nonzero()[0][0])
            raise ExportFormatError(
                path,
                where[i],
                "Post Created",
                f"time zone {parts[1].iloc[i]!r} is unknown or ambiguous; pass tz='Area/City'",
            )
        created_at = parse_utc(parts[0].str.replace(" ", "T") + offset, where, path, "Post Created")
    if layout == "crowdtangle-facebook":
        account_id = _required(raw, "Facebook Id", path, where)
        text = raw["Message"]
        views = _counts(raw, "Post Views", path, where)
        shares = _counts(raw, "Shares", path, where)
        link = raw["Link"] if "Link" in raw.columns else pd.Series("", index=raw.index)
        other = link.str.extract(_FB_POST_LINK)[0].str.lower()
        own = raw["User Name"].str.lower()
        shared = other.notna() & (other != own) & (other != account_id)
        kind_ref = pd.Series(pd.NA, index=raw.index, dtype="string")
        kind_ref[shared] = "retweeted"
        kind_ref[shared & (text.str.strip() != "")] = "quoted"
    else:
        account_id = raw["User Name"].str.lower()
        text = (raw.get("Title", "").fillna("") + "\n" + raw["Description"]).str.strip()
        views = _counts(raw, "Views", path, where)
        shares = pd.Series(pd.NA, index=raw.index, dtype="Int64")  # Instagram has no shares
        kind_ref = pd.Series(pd.NA, index=raw.index, dtype="string")
    return {
        "account_id": account_id,
        "account": raw["User Name"].where(raw["User Name"] != ""),
        "post_id": post_id,
        "created_at": created_at,
        "kind_ref": kind_ref,
        "replies": _counts(raw, "Comments", path, where),
        "shares": shares,
        "likes": _counts(raw, "Likes", path, where),
        "views": views,
        "text": text,
    }


def _meta_content_library(raw: pd.DataFrame, path: Path, where: list[str]) -> dict:
    shared = (
        raw["shared_post_id"] if "shared_post_id" in raw.columns else pd.Series("", index=raw.index)
    )
    text = raw["text"]
    kind_ref = pd.Series(pd.NA, index=raw.index, dtype="string")
    kind_ref[shared != ""] = "retweeted"
    kind_ref[(shared != "") & (text.str.strip() != "")] = "quoted"
    account = (
        raw["post_owner.username"]
        if "post_owner.username" in raw.columns
        else raw.get("post_owner.name")
    )
    return {
        "account_id": _required(raw, "post_owner.id", path, where),
        "account": None if account is None else account.where(account != ""),
        "post_id": _required(raw, "id", path, where),
        "created_at": parse_utc(raw["creation_time"], where, path, "creation_time"),
        "kind_ref": kind_ref,
        "replies": _counts(raw, "statistics.comment_count", path, where),
        "shares": _counts(raw, "statistics.share_count", path, where),
        "likes": _counts(raw, "statistics.like_count", path, where),
        "views": _counts(raw, "statistics.views", path, where),
        "text": text,
    }
