"""A panel of any number of countries: who is where, with what audience, since when.

The pair study compares two countries institution by institution; the panel lines up
every country with data on the same descriptive measures, for the report that
``make panel COUNTRIES="MEX CHL ..."`` builds (``notebooks/panel.ipynb``):

- :func:`presence_matrix`: each institution's website and accounts, platform by platform;
- :func:`audiences`: followers per institution on the core platforms, where given;
- :func:`adoption`: when each country first opened an account on each core platform;
- :func:`ranking`: the countries ordered by presence and adoption;
- :func:`measured_levels`: the interaction level of each account whose own posts the data
  hold (exports, or Bluesky and Mastodon collected).

Every value is a census of what data/raw holds: the panel describes, it tests nothing.
Missing values stay missing: an account without a figure is not a zero, so audiences are
shown institution by institution and never ranked or summed; an undated account could be
the oldest, so the adoption order holds among the dated accounts.
:mod:`analysis.report.panel` puts the results in words.

>>> from analysis.data import load
>>> r = ranking(load.panel(["MEX", "CHL"]))
>>> r["rank_presence"].tolist(), r["rank_adoption"].tolist()
([2, 1], [1, 1])
"""

from __future__ import annotations

import pandas as pd

from analysis.core import coding
from analysis.core.compare import could_precede
from analysis.core.platforms import platforms_by_institution
from analysis.data import codebook, dates, exports
from analysis.data.load import Panel

__all__ = [
    "adoption",
    "audiences",
    "columns",
    "measured_levels",
    "panel_values",
    "presence_matrix",
    "ranking",
]


def columns(panel: Panel) -> list[str]:
    """``website``, the core platforms, then any other platform a country of the panel uses."""
    core = codebook.core_platforms(panel.data_dir)
    used = set(panel.accounts["platform"])
    others = [p for p in codebook.categories("platforms", panel.data_dir) if p not in core]
    return ["website", *core, *[p for p in others if p in used]]


def presence_matrix(panel: Panel) -> pd.DataFrame:
    """One row per institution and column (website, platforms): present, absent or not known.

    ``state`` is true (a website, an account), false (checked and absent) or missing
    (not given for a website; an account row still to check).
    """
    roles = codebook.categories("roles", panel.data_dir)
    sites = panel.institutions.set_index(["country", "role"])["website"]
    acc = panel.accounts
    used = set(zip(acc["country"], acc["role"], acc["platform"], strict=True))
    rows = panel.accounts_all
    todo = set(
        zip(
            rows.loc[rows["present"].isna(), "country"],
            rows.loc[rows["present"].isna(), "role"],
            rows.loc[rows["present"].isna(), "platform"],
            strict=True,
        )
    )
    out = []
    for country in panel.codes:
        for role in roles:
            if (country, role) not in sites.index:
                continue
            for column in columns(panel):
                if column == "website":
                    state = sites.at[(country, role)]
                elif (country, role, column) in used:
                    state = True
                else:
                    state = pd.NA if (country, role, column) in todo else False
                out.append({"country": country, "role": role, "column": column, "state": state})
    frame = pd.DataFrame(out, columns=["country", "role", "column", "state"])
    return frame.astype({"country": "string", "role": "string", "column": "string"}).assign(
        state=frame["state"].astype("boolean")
    )


def audiences(panel: Panel) -> pd.DataFrame:
    """Followers per institution on each core platform: summed over the accounts that give one.

    ``accounts`` counts the institution's accounts there, ``given`` those with a
    figure; ``followers`` is missing when none gives one. ``qualifier`` is the
    source's (``more_than``...) when one account alone gives the figure.
    """
    core = codebook.core_platforms(panel.data_dir)
    acc = panel.accounts[panel.accounts["platform"].isin(core)]
    order = {
        "country": {c: i for i, c in enumerate(panel.codes)},
        "role": {r: i for i, r in enumerate(codebook.categories("roles", panel.data_dir))},
        "platform": {p: i for i, p in enumerate(core)},
    }
    keys = sorted(
        acc[["country", "role", "platform"]].drop_duplicates().itertuples(index=False),
        key=lambda k: (order["country"][k[0]], order["role"][k[1]], order["platform"][k[2]]),
    )
    groups = acc.groupby(["country", "role", "platform"])
    out = []
    for country, role, platform in keys:
        g = groups.get_group((country, role, platform))
        given = g[g["followers"].notna()]
        out.append(
            {
                "country": country,
                "role": role,
                "platform": platform,
                "accounts": len(g),
                "given": len(given),
                "followers": int(given["followers"].sum()) if len(given) else pd.NA,
                "qualifier": (
                    given["followers_qualifier"].iloc[0]
                    if len(given) == 1 and "followers_qualifier" in given
                    else pd.NA
                ),
                "as_of": given["as_of"].dropna().max() if len(given) else pd.NA,
            }
        )
    frame = pd.DataFrame(
        out,
        columns=[
            "country",
            "role",
            "platform",
            "accounts",
            "given",
            "followers",
            "qualifier",
            "as_of",
        ],
    )
    return frame.astype(
        {
            "country": "string",
            "role": "string",
            "platform": "string",
            "accounts": "Int64",
            "given": "Int64",
            "followers": "Int64",
            "qualifier": "string",
            "as_of": "string",
        }
    )


def _ranks(values: list, earlier=None) -> list:
    """Competition ranks (1, 2, 2, 4), best first; ties share a rank; missing get none.

    `earlier(x, y)` says whether x certainly comes before y; by default, larger first.
    """
    before = earlier or (lambda x, y: x > y)
    known = [v for v in values if v is not None and not pd.isna(v)]
    return [
        pd.NA if v is None or pd.isna(v) else 1 + sum(1 for w in known if before(w, v))
        for v in values
    ]


def adoption(panel: Panel) -> pd.DataFrame:
    """When each country first opened an account on each core platform, and in what order.

    ``first`` is the earliest opening date of the country's accounts there (a partial
    date: ``2009``, ``2009-Q4``, ``2011/2011-04``; missing without an account or without
    a date); ``rank`` is 1 for the earliest country; two countries whose dates overlap
    share a rank (neither is certainly first); ``undated`` accounts of the country there
    could be older, so the order holds among the dated accounts.
    """
    core = codebook.core_platforms(panel.data_dir)
    out = []
    for platform in core:
        firsts, counts, undated = [], [], []
        for country in panel.codes:
            acc = panel.accounts[
                (panel.accounts["country"] == country) & (panel.accounts["platform"] == platform)
            ]
            counts.append(len(acc))
            undated.append(int(acc["created"].isna().sum()))
            firsts.append(dates.earliest(acc["created"]) if len(acc) else None)
        ranks = _ranks(firsts, lambda x, y: x.before(y))
        for country, n, u, first, rank in zip(
            panel.codes, counts, undated, firsts, ranks, strict=True
        ):
            out.append(
                {
                    "platform": platform,
                    "country": country,
                    "accounts": n,
                    "undated": u,
                    "first": first.text if first else pd.NA,
                    "rank": rank,
                }
            )
    return pd.DataFrame(out).astype(
        {
            "platform": "string",
            "country": "string",
            "accounts": "Int64",
            "undated": "Int64",
            "first": "string",
            "rank": "Int64",
        }
    )


def ranking(panel: Panel) -> pd.DataFrame:
    """The countries on presence and adoption, each with its rank (1 = most, or earliest).

    ``presence_index``: the mean, over the country's institutions, of the share of the
    checked core platforms each is on (:func:`analysis.core.platforms.platforms_by_institution`),
    with ``core_checked`` of ``core_cells`` institution-platform cells checked; a country
    with less than the codebook's ``rank_min_checked`` of them checked is not ``ranked``
    on presence nor on adoption; ``first_account``: the earliest opening date of its core
    accounts that are dated (overlapping dates share a rank; ``undated`` core accounts
    could be older, so the adoption rank holds among the dated ones). Audiences are not
    ranked: the sources give figures for some accounts only, and a sum over some accounts,
    or over institutions of different kinds, would rank the sources, not the audiences
    (:func:`audiences` shows them institution by institution).
    """
    core = set(codebook.core_platforms(panel.data_dir))
    least = float(codebook.load_codebook(panel.data_dir).get("rank_min_checked", 0))
    by_inst = platforms_by_institution(panel)
    launches = codebook.launches(panel.data_dir)
    out = []
    for country in panel.codes:
        inst = panel.institutions[panel.institutions["country"] == country]
        acc = panel.accounts[panel.accounts["country"] == country]
        on_core = acc[acc["platform"].isin(core)]
        mine = by_inst[by_inst["country"] == country]
        cells = len(mine) * len(core)
        checked = int(mine["core_checked"].sum())
        index = mine["presence_index"].dropna()
        first = dates.earliest(on_core["created"])
        out.append(
            {
                "country": country,
                "institutions": len(inst),
                "with_website": int(inst["website"].fillna(False).sum()),
                "websites_checked": int(inst["website"].notna().sum()),
                "accounts": len(acc),
                "presence_index": round(float(index.mean()), 6) if len(index) else pd.NA,
                "core_checked": checked,
                "core_cells": cells,
                "ranked": bool(cells) and checked / cells >= least,
                "first_account": first.text if first else pd.NA,
                # undated core accounts that could be older than the first (not before launch)
                "undated": could_precede(on_core, first, launches),
            }
        )
    frame = pd.DataFrame(out)
    # a country with too little checked gets its index, with how much is checked, and no rank
    frame["rank_presence"] = _ranks(
        [v if ok else pd.NA for v, ok in zip(frame["presence_index"], frame["ranked"], strict=True)]
    )
    # nor on adoption: with most of its accounts unchecked, its first one is not its first
    firsts = [
        dates.parse_or_none(v) if ok else None
        for v, ok in zip(frame["first_account"], frame["ranked"], strict=True)
    ]
    frame["rank_adoption"] = _ranks(firsts, lambda x, y: x.before(y))
    return frame.astype(
        {
            "country": "string",
            "presence_index": "Float64",
            "first_account": "string",
            "rank_presence": "Int64",
            "rank_adoption": "Int64",
        }
    )


def measured_levels(panel: Panel) -> pd.DataFrame:
    """The measured interaction level of every account of the panel whose replies its posts
    record (:func:`analysis.core.coding.account_levels`), in the panel's order.

    The posts are those of ``exports.csv`` (an export a user keeps, or what ``collect bluesky``
    and ``collect mastodon`` wrote), coded with the panel's own accounts as the governments'
    (an answer to one is ``internal``). An account with fewer posts than a level needs is kept,
    its level missing. Without posts the table is empty.
    """
    posts = exports.posts(panel.codes, panel.data_dir)
    book = codebook.load_codebook(panel.data_dir)
    coded = coding.code_posts(posts, codebook=book, government=panel.accounts)
    measured = exports.measured_accounts(panel.codes, panel.data_dir)
    levels = coding.account_levels(coded, book, measured=measured)
    levels = levels[levels["reply_share"].notna()]
    order = {c: i for i, c in enumerate(panel.codes)}
    return levels.sort_values("country", key=lambda s: s.map(order), kind="stable").reset_index(
        drop=True
    )


def panel_values(ranked: pd.DataFrame, panel: Panel) -> dict:
    """What the report's sentences quote: the countries, and how many accounts are undated."""
    return {
        "panel_countries": list(panel.codes),
        "panel_undated": int(ranked["undated"].sum()),
        "panel_min_posts": int(codebook.load_codebook(panel.data_dir).get("level_min_posts", 1)),
        "panel_rank_min_checked": float(
            codebook.load_codebook(panel.data_dir).get("rank_min_checked", 0)
        ),
        "panel_unranked": [str(r.country) for r in ranked.itertuples() if not r.ranked],
    }
