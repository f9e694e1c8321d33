"""Where each value of data/raw comes from: the article, Wikidata, a platform's API, or a person.

Every row of data/raw carries ``source``. This module reads that text back into
a kind of source, so the completeness report can say, per country, how many
values each kind of source gives, and so the collectors
(:mod:`analysis.data.collect`) know which rows they may touch: a row that cites a
publication or a person's observation is never changed by a machine.

A ``source`` holds one or more citations separated by ``;``. Each is one of:

``article``
    an author-year citation, as the article's rows have it
    (``Benayas 2021, Tabla 1``; ``Twiplomacy (2017)``); what follows it without
    an author of its own (``sec. Elementos comparativos``) is the same citation;
``wikidata``
    what ``python -m analysis collect wikidata`` writes:
    ``Wikidata Q…, P…, retrieved YYYY-MM-DD``;
``youtube``
    what ``python -m analysis collect youtube`` writes:
    ``YouTube Data API channels.list UC…, retrieved YYYY-MM-DD``;
``bluesky``, ``mastodon``
    what ``python -m analysis collect bluesky`` and ``… collect mastodon`` write:
    ``Bluesky AppView app.bsky.actor.getProfiles did:…, retrieved YYYY-MM-DD``,
    ``Mastodon API accounts/lookup user@server, retrieved YYYY-MM-DD``;
``hand``
    anything else a person wrote (``observed on x.com/…, 2026-11-30``).

An empty ``source`` is ``none``. A value whose source differs from its row's has its
own, in the row's ``sources`` cell (``followers, as_of: hand entry, …``;
:func:`analysis.data.read.value_sources`): :func:`analysis.data.read.value_source`
gives the citation behind each value, and every count of this module counts values by it.

>>> source_kinds("Benayas 2021, Tabla 1; sec. Elementos comparativos")
('article',)
>>> source_kinds("Wikidata Q4115189, P2397, retrieved 2026-11-30; "
...              "YouTube Data API channels.list UC0000000000000000000001, retrieved 2026-11-30")
('wikidata', 'youtube')
>>> source_label("")
'none'
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from analysis.base.paths import DATA_DIR
from analysis.data.codebook import COMPLETENESS_TABLES, value_fields
from analysis.data.load import load_all
from analysis.data.read import value_source, value_sources

__all__ = [
    "COLLECTED",
    "completeness",
    "completeness_report",
    "SOURCE_KINDS",
    "collectable",
    "completeness_by_source",
    "origins",
    "source_kinds",
    "source_label",
    "split_citations",
    "value_source_labels",
]

#: The kinds of source, in the order a label lists them.
SOURCE_KINDS: tuple[str, ...] = ("article", "wikidata", "youtube", "bluesky", "mastodon", "hand")
#: The kinds a collector writes; rows citing only these may be completed by a collector.
COLLECTED: frozenset[str] = frozenset({"wikidata", "youtube", "bluesky", "mastodon"})

_WIKIDATA = re.compile(r"^Wikidata Q[1-9][0-9]*\b")
_YOUTUBE = re.compile(r"^YouTube Data API\b")
_BLUESKY = re.compile(r"^Bluesky AppView\b")
_MASTODON = re.compile(r"^Mastodon API\b")
# An author (a capitalised word, then words, "et al.", "y"/"and"/"&" between names) and
# a year, bare or in brackets: "Benayas 2021", "Bjola & Jiang (2015)", "Twiplomacy (2017)".
_AUTHOR_YEAR = re.compile(
    r"^\w[\w'’.\-]*(?:\s+(?:et al\.|y|and|&|[\w'’.\-]+))*?\s+\(?(?:1[5-9]|20)[0-9]{2}[a-z]?\)?"
    r"(?=$|[\s,.;:])"
)
# What continues a citation without naming an author: a section, page, table or note.
_LOCATOR = re.compile(
    r"^(?:sec\.|secc?\.|p\.|pp\.|§|tabla|table|figura|figure|fig\.|note|nota|fn\.|cuadro)",
    re.IGNORECASE,
)


def split_citations(source: object) -> list[tuple[str, str]]:
    """The citations of a ``source`` cell as ``(kind, text)`` pairs, in order.

    A locator that follows a citation (``sec. …``, ``p. 12``, ``Tabla 1``) is
    joined to it. Missing or empty sources give an empty list.

    >>> split_citations("Benayas 2021, Tabla 1; sec. Elementos comparativos; seen 2026-01-05")
    [('article', 'Benayas 2021, Tabla 1; sec. Elementos comparativos'), ('hand', 'seen 2026-01-05')]
    """
    if source is None or (not isinstance(source, str) and pd.isna(source)):
        return []
    out: list[tuple[str, str]] = []
    for part in (p.strip() for p in str(source).split(";")):
        if not part:
            continue
        if _WIKIDATA.match(part):
            kind = "wikidata"
        elif _YOUTUBE.match(part):
            kind = "youtube"
        elif _BLUESKY.match(part):
            kind = "bluesky"
        elif _MASTODON.match(part):
            kind = "mastodon"
        elif part[:1].isupper() and _AUTHOR_YEAR.match(part):
            kind = "article"
        elif out and _LOCATOR.match(part):
            kind, text = out.pop()
            part = f"{text}; {part}"
        else:
            kind = "hand"
        out.append((kind, part))
    return out


def collectable(source: object) -> bool:
    """True for a row a collector may complete: no source, or only collectors' citations.

    >>> collectable(""), collectable("Wikidata Q1, P856, retrieved 2026-11-30")
    (True, True)
    >>> collectable("Benayas 2021, Tabla 1; Wikidata Q1, P856, retrieved 2026-11-30")
    False
    """
    return all(kind in COLLECTED for kind, _ in split_citations(source))


def value_source_labels(df: pd.DataFrame, column: str) -> pd.Series:
    """The :func:`source_label` of every value of `column` (its own source, else the row's)."""
    rows = [source_label(s) for s in df["source"].tolist()]
    if "sources" in df:
        own = [value_sources(cell).get(column) for cell in df["sources"].tolist()]
        rows = [source_label(o) if o else r for o, r in zip(own, rows, strict=True)]
    return pd.Series(rows, index=df.index, dtype=object)


def source_kinds(source: object) -> tuple[str, ...]:
    """The kinds of source a ``source`` cell cites, each once, in :data:`SOURCE_KINDS` order."""
    found = {kind for kind, _ in split_citations(source)}
    return tuple(k for k in SOURCE_KINDS if k in found)


def source_label(source: object) -> str:
    """One code for a row's sources: a kind, kinds joined by ``+``, or ``none``."""
    return "+".join(source_kinds(source)) or "none"


def completeness_by_source(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Per country, table and source: rows, values filled and values missing.

    The values counted are those of :func:`completeness` (key
    columns, notes, qualifiers and ``source`` are not values). A value is counted
    under the :func:`source_label` of its own source (:func:`value_source`): a
    follower count typed by hand into a row Wikidata filled counts as ``hand``, the
    row's other values as ``wikidata``; a row completed by two collectors counts
    under ``wikidata+youtube``. ``rows`` counts each row once, under its ``source``.

    Returns
    -------
    pandas.DataFrame
        Columns ``country``, ``table``, ``source`` (a code), ``rows``, ``filled``,
        ``missing``; sorted by country, table and the order of :data:`SOURCE_KINDS`.

    Examples
    --------
    >>> by = completeness_by_source()
    >>> mex = by[(by["country"] == "MEX") & (by["table"] == "accounts")]
    >>> mex[["source", "rows"]].to_dict("records")
    [{'source': 'article', 'rows': 17}]
    """
    data_dir = Path(data_dir or DATA_DIR)
    tables = load_all(data_dir)
    frames = []
    for name in COMPLETENESS_TABLES:
        df = tables[name]
        key, fields = value_fields(name, data_dir)
        country = df[key].astype(str).to_numpy()
        row_label = df["source"].map(source_label).to_numpy(dtype=object)
        frames.append(
            pd.DataFrame(
                {"country": country, "table": name, "source": row_label, "rows": 1}
                | {"filled": 0, "missing": df[fields].isna().sum(axis=1).to_numpy()}
            )
        )
        for column in fields:
            filled = df[column].notna().to_numpy()
            labels = value_source_labels(df, column).to_numpy(dtype=object)
            frames.append(
                pd.DataFrame(
                    {
                        "country": country[filled],
                        "table": name,
                        "source": labels[filled],
                        "rows": 0,
                        "filled": 1,
                        "missing": 0,
                    }
                )
            )
    long = pd.concat(frames, ignore_index=True)
    out = long.groupby(["country", "table", "source"], sort=False, as_index=False)[
        ["rows", "filled", "missing"]
    ].sum()
    tables_order = {t: i for i, t in enumerate(COMPLETENESS_TABLES)}
    out["_table"] = out["table"].map(tables_order).fillna(len(tables_order))
    out["_source"] = out["source"].map(_source_rank)
    out = out.sort_values(["country", "_table", "_source"], kind="stable")
    out = out.drop(columns=["_table", "_source"]).reset_index(drop=True)
    return out.astype({"rows": "int64", "filled": "int64", "missing": "int64"})


def _source_rank(label: str) -> str:
    """Sort key of a source label: single kinds in their order, then combinations, then none."""
    if label == "none":
        return "9"
    kinds = label.split("+")
    return f"{len(kinds)}" + "".join(str(SOURCE_KINDS.index(k)) for k in kinds)


def completeness(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Per country and table: values filled, values missing, rows without a source.

    Key columns, notes (``note``, ``*_note``) and qualifiers are not values.
    Account rows not yet checked (``present`` empty) count as missing.
    """
    data_dir = Path(data_dir or DATA_DIR)
    tables = load_all(data_dir)
    rows = []
    for name in COMPLETENESS_TABLES:
        df = tables[name]
        key, fields = value_fields(name, data_dir)
        for iso, part in df.groupby(key):
            values = part[fields]
            empty_cols = [c for c in fields if values[c].isna().any()]
            rows.append(
                {
                    "country": iso,
                    "table": name,
                    "rows": len(part),
                    "filled": int(values.notna().sum().sum()),
                    "missing": int(values.isna().sum().sum()),
                    "missing_in": ", ".join(empty_cols),
                    "without_source": int(part["source"].isna().sum()),
                }
            )
    return pd.DataFrame(rows)


def completeness_report(data_dir: str | Path | None = None) -> str:
    """The completeness table as text, one block per country, for ``make check-data``."""
    table = completeness(data_dir)
    by_source = completeness_by_source(data_dir)
    out = []
    for iso, part in table.groupby("country", sort=True):
        filled, missing = int(part["filled"].sum()), int(part["missing"].sum())
        share = filled / (filled + missing) if filled + missing else 0
        out.append(
            f"{iso}: {filled} values filled, {missing} missing ({share:.0%} complete); "
            f"{int(part['without_source'].sum())} rows without a source"
        )
        mine = by_source[by_source["country"] == iso]
        mine = mine.groupby("source", sort=False)["filled"].sum()
        out.append("  values by source: " + ", ".join(f"{s} {n}" for s, n in mine.items() if n))
        for r in part.itertuples():
            line = f"  {r.table:<17} {r.rows:>3} rows  {r.filled:>4} filled  {r.missing:>4} missing"
            if r.without_source:
                line += f"  {r.without_source} without source"
            if r.missing_in:
                line += f"  (missing in: {r.missing_in})"
            out.append(line)
    return "\n".join(out)


#: A day a citation names (``retrieved 2026-11-30``, a hand entry's date).
_DAY = re.compile(r"(?<![0-9])(?:19|20)[0-9]{2}-[01][0-9]-[0-3][0-9](?![0-9])")
#: The item a collector's citation names: a Wikidata QID, a channel, a DID, an address.
_ITEM = {
    "wikidata": re.compile(r"^Wikidata (Q[1-9][0-9]*)"),
    "youtube": re.compile(r"channels\.list (\S+?),"),
    "bluesky": re.compile(r"getProfiles? (\S+?),"),
    "mastodon": re.compile(r"lookup (\S+?),"),
}


def origins(tables: dict[str, pd.DataFrame], country: str, data_dir=None) -> dict:
    """Where one country's values come from, kind by kind: what a paper may say of them.

    Every value of the completeness tables counts under its own source
    (:func:`analysis.data.read.value_source`), as in :func:`completeness_by_source`;
    agenda and interaction rows (codes read from a source) are counted apart. No
    words: :mod:`analysis.report.values` words them.

    Returns
    -------
    dict
        ``kinds`` (the kinds found, in :data:`SOURCE_KINDS` order), and per kind
        ``values`` (how many values), ``coded`` (agenda and interaction rows),
        ``citations`` (the distinct citations, in order),
        ``publications`` (``article``: author and year, e.g. ``Benayas 2021``),
        ``items`` (a collector's items: QIDs, channels, accounts) and ``days`` (the
        first and last day the citations name, or None); ``unsourced`` (values without
        any source), ``exports`` (export files listed for the country, by platform)
        and ``claims`` (statements of a publication held against its data).

    Examples
    --------
    >>> o = origins(load_all(), "MEX")
    >>> o["kinds"], o["article"]["publications"], o["unsourced"]
    (['article'], ['Benayas 2021'], 0)
    """
    found: dict[str, list[str]] = {}
    coded: dict[str, int] = {}  # agenda and interaction rows, by kind
    unsourced = 0
    for name in (*COMPLETENESS_TABLES, "agenda", "interaction"):
        df = tables.get(name)
        if df is None or df.empty:
            continue
        key = "iso3" if name == "countries" else "country"
        mine = df[df[key].astype(str) == country]
        if name in COMPLETENESS_TABLES:
            fields = value_fields(name, data_dir)[1]
            cited = [
                value_source(row, column)
                for row in mine.to_dict("records")
                for column in fields
                if not pd.isna(row[column])
            ]
        else:
            cited = [str(s) if not pd.isna(s) else "" for s in mine["source"].tolist()]
        for source in cited:
            citations = split_citations(source)
            unsourced += not citations
            for kind, text in citations:
                found.setdefault(kind, []).append(text)
                if name not in COMPLETENESS_TABLES:
                    coded[kind] = coded.get(kind, 0) + 1
    out: dict = {"kinds": [k for k in SOURCE_KINDS if k in found], "unsourced": unsourced}
    for kind in out["kinds"]:
        texts = found[kind]
        days = sorted({d for t in texts for d in _DAY.findall(t)})
        items = _ITEM.get(kind)
        out[kind] = {
            "values": len(texts) - coded.get(kind, 0),
            "coded": coded.get(kind, 0),
            "citations": list(dict.fromkeys(texts)),
            "publications": list(
                dict.fromkeys(_AUTHOR_YEAR.match(t)[0] for t in texts if _AUTHOR_YEAR.match(t))
            )
            if kind == "article"
            else [],
            "items": list(dict.fromkeys(m[1] for t in texts if (m := items.search(t))))
            if items
            else [],
            "days": (days[0], days[-1]) if days else None,
        }
    exports_ = tables.get("exports")
    mine = exports_[exports_["country"] == country] if exports_ is not None else None
    out["exports"] = (
        {}
        if mine is None or mine.empty
        else {
            str(p): int(n)
            for p, n in mine["platform"].fillna("").astype(str).value_counts().sort_index().items()
        }
    )
    claims = tables.get("claims")
    out["claims"] = (
        0
        if claims is None or claims.empty
        else int(claims["countries"].astype(str).str.split().map(lambda c: country in c).sum())
    )
    return out
