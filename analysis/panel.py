"""A panel of any number of countries: who is where, with what audience, since when.

The pair study compares two countries institution by institution; the panel lines up
every country with data on the same descriptive measures, for the report that
``make panel COUNTRIES="MEX CHL ..."`` builds (``notebooks/panel.ipynb``):

- :func:`presence_matrix`: each institution's website and accounts, platform by platform;
- :func:`audiences`: followers per institution on the core platforms, where given;
- :func:`adoption`: when each country first opened an account on each core platform;
- :func:`ranking`: the countries ordered by presence and adoption.

Every value is a census of what data/raw holds: the panel describes, it tests nothing.
Missing values stay missing: an account without a figure is not a zero, so audiences are
shown institution by institution and never ranked or summed; an undated account could be
the oldest, so the adoption order holds among the dated accounts.
The ``*_table`` functions and :func:`presence_figure` put the results in words.

>>> r = ranking(load_panel(["MEX", "CHL"]))
>>> r["rank_presence"].tolist(), r["rank_adoption"].tolist()
([2, 1], [1, 1])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import codebook, dates
from analysis.errors import UsageError
from analysis.paths import DATA_DIR

__all__ = [
    "Panel",
    "adoption",
    "adoption_table",
    "audience_table",
    "audiences",
    "load_panel",
    "panel_names",
    "panel_values",
    "presence_figure",
    "presence_matrix",
    "presence_table",
    "ranking",
    "ranking_table",
]


@dataclass(frozen=True)
class Panel:
    """The data of several countries, in the order given.

    As in :class:`analysis.load.Study`, ``countries`` is the countries table; ``codes``
    are the panel's ISO codes in order (a study's ``pair``).
    """

    codes: tuple[str, ...]
    countries: pd.DataFrame = field(repr=False)
    institutions: pd.DataFrame = field(repr=False)
    accounts: pd.DataFrame = field(repr=False)
    accounts_all: pd.DataFrame = field(repr=False)
    data_dir: Path = field(repr=False, default=DATA_DIR)

    def country_name(self, iso3: str, lang: str = "en") -> str:
        """The country's name in `lang` from countries.csv."""
        return str(self.countries.set_index("iso3").at[iso3, f"name_{lang}"])


def load_panel(countries, data_dir: str | Path | None = None) -> Panel:
    """Load and validate data/raw and keep the rows of `countries` (two or more).

    Raises
    ------
    UsageError
        When fewer than two countries are given, or one is given twice.
    UnknownCountryError
        When a country has no data; the message lists the countries that have.
    """
    from analysis.load import check_pair, load_all

    codes = tuple(str(c).strip().upper() for c in countries)
    if len(codes) < 2:
        raise UsageError(f"a panel needs two countries or more; got {', '.join(codes) or 'none'}")
    if len(set(codes)) < len(codes):
        raise UsageError(f"a country is given twice: {', '.join(codes)}")
    data_dir = Path(data_dir or DATA_DIR)
    for c in codes:
        check_pair(c, codes[0] if c != codes[0] else codes[1], data_dir)
    tables = load_all(data_dir)
    order = {c: i for i, c in enumerate(codes)}

    def mine(df: pd.DataFrame, key: str = "country") -> pd.DataFrame:
        kept = df[df[key].isin(codes)]
        return kept.iloc[np.argsort(kept[key].map(order).to_numpy(), kind="stable")].reset_index(
            drop=True
        )

    accounts_all = mine(tables["accounts"])
    return Panel(
        codes=codes,
        countries=mine(tables["countries"], "iso3"),
        institutions=mine(tables["institutions"]),
        accounts=accounts_all[accounts_all["present"].fillna(False)].reset_index(drop=True),
        accounts_all=accounts_all,
        data_dir=data_dir,
    )


def _columns(panel: Panel) -> list[str]:
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
            for column in _columns(panel):
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
    core platforms each is on; ``first_account``: the earliest opening date of its core
    accounts that are dated (overlapping dates share a rank; ``undated`` core accounts
    could be older, so the adoption rank holds among the dated ones). Audiences are not
    ranked: the sources give figures for some accounts only, and a sum over some accounts,
    or over institutions of different kinds, would rank the sources, not the audiences
    (:func:`audiences` shows them institution by institution).
    """
    core = set(codebook.core_platforms(panel.data_dir))
    out = []
    for country in panel.codes:
        inst = panel.institutions[panel.institutions["country"] == country]
        acc = panel.accounts[panel.accounts["country"] == country]
        on_core = acc[acc["platform"].isin(core)]
        per_inst = on_core.drop_duplicates(["role", "platform"]).groupby("role").size()
        shares = [per_inst.get(r, 0) / len(core) for r in inst["role"]]
        first = dates.earliest(on_core["created"])
        out.append(
            {
                "country": country,
                "institutions": len(inst),
                "with_website": int(inst["website"].fillna(False).sum()),
                "accounts": len(acc),
                "presence_index": round(float(np.mean(shares)), 6) if shares else pd.NA,
                "first_account": first.text if first else pd.NA,
                "undated": int(on_core["created"].isna().sum()),
            }
        )
    frame = pd.DataFrame(out)
    frame["rank_presence"] = _ranks(frame["presence_index"].tolist())
    firsts = [dates.parse_or_none(v) for v in frame["first_account"]]
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


def panel_values(ranked: pd.DataFrame, panel: Panel) -> dict:
    """What the report's sentences quote: the countries, and how many accounts are undated."""
    return {
        "panel_countries": list(panel.codes),
        "panel_undated": int(ranked["undated"].sum()),
    }


# --------------------------------------------------------------------------- in words


def panel_names(panel: Panel, lang: str = "en") -> dict:
    """The countries' names in `lang`, in the panel's order, and as a phrase (A, B and C)."""
    from analysis.text import words

    names = [panel.country_name(c, lang) for c in panel.codes]
    phrase = ", ".join(names[:-1]) + f" {words('panel', lang)['and']} " + names[-1]
    return {"panel_names": names, "panel_names_text": phrase}


def _column_labels(panel: Panel, lang: str) -> dict[str, str]:
    from analysis.text import words

    book = codebook.load_codebook(panel.data_dir)["platforms"]
    core = codebook.core_platforms(panel.data_dir)
    return {
        c: words("tables", lang)["website"]
        if c == "website"
        else (book[c][lang] if c in core else f"o: {book[c][lang]}")
        for c in _columns(panel)
    }


def presence_table(matrix: pd.DataFrame, panel: Panel, lang: str = "en") -> pd.DataFrame:
    """:func:`presence_matrix` as a table: one row per institution, X / - / blank per column."""
    from analysis.text import mark, words

    t = words("panel", lang)
    roles = codebook.labels("roles", lang, panel.data_dir)
    labels = _column_labels(panel, lang)
    wide = matrix.pivot_table(
        index=["country", "role"], columns="column", values="state", aggfunc="first", sort=False
    )
    rows = []
    for (country, role), row in wide.iterrows():
        out = {t["country"]: panel.country_name(country, lang), t["institution"]: roles[role]}
        out.update({labels[c]: mark(row.get(c)) for c in labels})
        rows.append(out)
    return pd.DataFrame(rows)


def audience_table(aud: pd.DataFrame, panel: Panel, lang: str = "en") -> pd.DataFrame:
    """:func:`audiences` as a table: followers per institution and core platform, in words."""
    from analysis.text import fmt_quantity, words

    t = words("panel", lang)
    roles = codebook.labels("roles", lang, panel.data_dir)
    platforms = codebook.labels("platforms", lang, panel.data_dir)
    rows = []
    for r in aud.itertuples(index=False):
        shown = fmt_quantity(r.followers, r.qualifier, lang)
        if 0 < r.given < r.accounts:
            shown += " " + t["given_of"].format(given=r.given, n=r.accounts)
        rows.append(
            {
                t["country"]: panel.country_name(r.country, lang),
                t["institution"]: roles[r.role],
                t["platform"]: platforms[r.platform],
                t["followers"]: shown,
                t["as_of"]: "" if pd.isna(r.as_of) else r.as_of,
            }
        )
    return pd.DataFrame(rows)


def adoption_table(adopted: pd.DataFrame, panel: Panel, lang: str = "en") -> pd.DataFrame:
    """:func:`adoption` as a table: one row per country, the first account on each platform."""
    from analysis.text import MARK_NO, fmt_date, words

    t = words("panel", lang)
    platforms = codebook.labels("platforms", lang, panel.data_dir)
    rows = []
    for country in panel.codes:
        row = {t["country"]: panel.country_name(country, lang)}
        mine = adopted[adopted["country"] == country]
        for r in mine.itertuples(index=False):
            if r.accounts == 0:
                row[platforms[r.platform]] = MARK_NO
            elif pd.isna(r.first):
                row[platforms[r.platform]] = t["not_given"]
            else:
                cell = f"{fmt_date(dates.parse(r.first), lang)} ({r.rank})"
                if r.undated:
                    cell += "; " + t["undated"].format(n=r.undated)
                row[platforms[r.platform]] = cell
        rows.append(row)
    return pd.DataFrame(rows)


def ranking_table(ranked: pd.DataFrame, panel: Panel, lang: str = "en") -> pd.DataFrame:
    """:func:`ranking` as a table: the measures with their ranks in brackets."""
    from analysis.text import fmt_date, fmt_number, fmt_percent, words

    t = words("panel", lang)

    def ranked_cell(text: str, rank) -> str:
        return text if pd.isna(rank) else f"{text} ({rank})"

    rows = []
    for r in ranked.itertuples(index=False):
        first = t["not_given"]
        if not pd.isna(r.first_account):
            first = ranked_cell(fmt_date(dates.parse(r.first_account), lang), r.rank_adoption)
        if r.undated:
            first += "; " + t["undated"].format(n=r.undated)
        rows.append(
            {
                t["country"]: panel.country_name(r.country, lang),
                t["websites"]: f"{r.with_website}/{r.institutions}",
                t["accounts"]: fmt_number(r.accounts, lang),
                t["presence_index"]: ranked_cell(
                    fmt_percent(r.presence_index, lang), r.rank_presence
                ),
                t["first_account"]: first,
            }
        )
    return pd.DataFrame(rows)


def presence_figure(matrix: pd.DataFrame, panel: Panel, lang: str = "en"):
    """:func:`presence_matrix` as a tile chart: a row per institution, countries one below the
    other, a column per website and platform."""
    from analysis import figures

    return figures.panel_presence(matrix, panel, _column_labels(panel, lang), lang)
