"""The panel report in words: its tables and its figure, in each language.

:mod:`analysis.core.panel` computes the panel's measures as codes and numbers; the
functions here word them for ``paper/panel.md.j2`` (``make panel``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from analysis.core import panel as panel_core
from analysis.data import codebook, dates
from analysis.data.load import Panel
from analysis.report.plotting import (
    COUNTRY_COLOURS,
    GREY,
    INK,
    LIGHT,
    cited,
    figure_words,
    new_figure,
    styled,
    tile,
    wrap,
)
from analysis.report.text import (
    MARK_NO,
    fmt_date,
    fmt_number,
    fmt_percent,
    fmt_quantity,
    mark,
    words,
)

__all__ = [
    "adoption_table",
    "audience_table",
    "interaction_table",
    "panel_names",
    "panel_presence",
    "presence_figure",
    "presence_table",
    "ranking_table",
]


def panel_names(panel: Panel, lang: str = "en") -> dict:
    """The countries' names in `lang`, in the panel's order, and as a phrase (A, B and C)."""

    names = [panel.country_name(c, lang) for c in panel.codes]
    phrase = ", ".join(names[:-1]) + f" {words('panel', lang)['and']} " + names[-1]
    return {"panel_names": names, "panel_names_text": phrase}


def _column_labels(panel: Panel, lang: str) -> dict[str, str]:

    book = codebook.load_codebook(panel.data_dir)["platforms"]
    core = codebook.core_platforms(panel.data_dir)
    return {
        c: words("tables", lang)["website"]
        if c == "website"
        else (book[c][lang] if c in core else f"o: {book[c][lang]}")
        for c in panel_core.columns(panel)
    }


def presence_table(matrix: pd.DataFrame, panel: Panel, lang: str = "en") -> pd.DataFrame:
    """:func:`presence_matrix` as a table: one row per institution, X / - / blank per column."""

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


def interaction_table(levels: pd.DataFrame, panel: Panel, lang: str = "en") -> pd.DataFrame:
    """:func:`analysis.core.panel.measured_levels` in words: per account, its platform, its
    posts and their dates, its share of replies to the public and its level."""

    t = words("panel", lang)
    roles = codebook.labels("roles", lang, panel.data_dir)
    platforms = codebook.labels("platforms", lang, panel.data_dir)
    names = codebook.labels("account_levels", lang, panel.data_dir)
    rows = []
    for r in levels.itertuples(index=False):
        first, last = (
            fmt_date(pd.Timestamp(d).strftime("%Y-%m-%d"), lang)
            for d in (r.first_post, r.last_post)
        )
        rows.append(
            {
                t["country"]: panel.country_name(r.country, lang),
                t["institution"]: roles[r.role],
                t["platform"]: platforms[r.platform],
                t["account"]: "" if pd.isna(r.account) else str(r.account),
                t["posts"]: t["posts_dated"].format(
                    n=fmt_number(r.posts, lang), first=first, last=last
                ),
                t["reply_share"]: fmt_percent(r.reply_share, lang, 1),
                t["level"]: names[r.level] if pd.notna(r.level) else t["too_few"],
            }
        )
    return pd.DataFrame(rows)


def adoption_table(adopted: pd.DataFrame, panel: Panel, lang: str = "en") -> pd.DataFrame:
    """:func:`adoption` as a table: one row per country, the first account on each platform."""

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

    t = words("panel", lang)

    def ranked_cell(text: str, rank) -> str:
        return text if pd.isna(rank) else f"{text} ({rank})"

    rows = []
    for r in ranked.itertuples(index=False):
        first = t["not_given"]
        if not pd.isna(r.first_account) and not r.ranked:
            counts = {"checked": r.core_checked, "cells": r.core_cells}
            date = fmt_date(dates.parse(r.first_account), lang)
            first = f"{date} ({t['not_ranked'].format(**counts)})"
        elif not pd.isna(r.first_account):
            first = ranked_cell(fmt_date(dates.parse(r.first_account), lang), r.rank_adoption)
        if r.undated:
            first += "; " + t["undated"].format(n=r.undated)
        rows.append(
            {
                t["country"]: panel.country_name(r.country, lang),
                t["websites"]: f"{r.with_website}/{r.institutions}"
                if r.websites_checked == r.institutions
                else t["websites_checked"].format(
                    with_=r.with_website, checked=r.websites_checked, n=r.institutions
                ),
                t["accounts"]: fmt_number(r.accounts, lang),
                t["presence_index"]: _presence_cell(r, t, lang),
                t["first_account"]: first,
            }
        )
    return pd.DataFrame(rows)


def _presence_cell(r, t: dict, lang: str) -> str:
    """The presence index with its rank, or with how much is checked when it has none."""
    counts = {"checked": r.core_checked, "cells": r.core_cells}
    if pd.isna(r.presence_index):
        return t["not_ranked"].format(**counts)
    index = fmt_percent(r.presence_index, lang)
    if not r.ranked:
        return f"{index} ({t['not_ranked'].format(**counts)})"
    if r.core_checked < r.core_cells:
        return f"{index} ({r.rank_presence}; {t['checked_of'].format(**counts)})"
    return f"{index} ({r.rank_presence})"


def presence_figure(matrix: pd.DataFrame, panel: Panel, lang: str = "en"):
    """:func:`presence_matrix` as a tile chart: a row per institution, countries one below the
    other, a column per website and platform."""

    return panel_presence(matrix, panel, _column_labels(panel, lang), lang)


#: Okabe-Ito colours beyond the pair's two, for a panel of more countries.
PANEL_COLOURS = (*COUNTRY_COLOURS, "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", INK)


@styled
def panel_presence(matrix: pd.DataFrame, panel, column_labels: dict, lang: str = "en") -> Figure:
    """A panel's presence (:func:`analysis.core.panel.presence_matrix`) as a tile chart.

    One row per institution, the countries one below the other (a colour each, repeated
    after eight), one column per website and platform ("o:" marks the other platforms).
    """
    t = figure_words(lang)
    roles = codebook.labels("roles", lang, panel.data_dir)
    colours = {c: PANEL_COLOURS[i % len(PANEL_COLOURS)] for i, c in enumerate(panel.codes)}
    rows = list(dict.fromkeys(zip(matrix["country"], matrix["role"], strict=True)))
    state = {(r.country, r.role, r.column): r.state for r in matrix.itertuples(index=False)}
    columns = list(column_labels)
    snapshots = panel.countries.set_index("iso3")["snapshot"]
    snapshot = ", ".join(f"{c} {snapshots.get(c, '-')}" for c in panel.codes)
    note = t["source"].format(sources=cited(panel.institutions, panel.accounts), snapshot=snapshot)
    fig, main = new_figure(0.3 * len(rows) + 1.6, note)
    ax = main.subplots()
    for i, (country, role) in enumerate(rows):
        for j, column in enumerate(columns):
            tile(
                ax,
                j + 0.05,
                i + 0.08,
                0.9,
                0.84,
                state.get((country, role, column)),
                colours[country],
                gid=f"{country}:{role}:{column}",
            )
    for i in range(1, len(rows)):
        if rows[i][0] != rows[i - 1][0]:
            ax.axhline(i, color=INK, linewidth=0.6)
    ax.axvline(1, color=INK, linewidth=0.6)
    ax.set_xlim(0, len(columns))
    ax.set_ylim(len(rows), 0)
    ax.set_xticks(
        np.arange(len(columns)) + 0.5, list(column_labels.values()), rotation=35, ha="left"
    )
    ax.xaxis.tick_top()
    labels = [f"{country} · {wrap(roles[role], 30)}" for country, role in rows]
    ax.set_yticks(np.arange(len(rows)) + 0.5, labels)
    ax.tick_params(length=0)
    for side in ("left", "bottom", "top", "right"):
        ax.spines[side].set_visible(False)
    main.suptitle(t["panel_presence_title"], x=0.01, ha="left")
    handles = [
        Patch(facecolor=col, label=t["yes"].format(country=panel.country_name(c, lang)))
        for c, col in colours.items()
    ] + [
        Patch(facecolor=LIGHT, label=t["no"]),
        Patch(facecolor="white", hatch="////", edgecolor=GREY, label=t["not_given"]),
    ]
    main.legend(handles=handles, loc="outside lower center", ncols=4, frameon=False)
    return fig
