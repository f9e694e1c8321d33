"""Figure builders: one function per figure of a pair's paper, each returning a Figure.

Every figure is readable without the text around it: a title, axis labels, a
legend with the country names, codebook labels in the figure's language, and a
source line. Where the source gives no number, nothing is drawn and a mark says so.
The house style (colours, sizes, the footnote strip, saving) is
:mod:`analysis.report.plotting`'s.

>>> from analysis.data import load
>>> fig = figura1_twitter_followers(load.study("MEX", "CHL"), "es")
>>> fig.axes[0].get_xlabel()
'Seguidores'
"""

from __future__ import annotations

import datetime as dt

import matplotlib as mpl
import pandas as pd
from matplotlib.colors import to_hex
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator

from analysis.data import codebook, dates
from analysis.data.load import Study
from analysis.report import tables
from analysis.report.plotting import (
    GREY,
    INK,
    LIGHT,
    QUALIFIER_MARKS,
    country_colours,
    country_handles,
    draw_plot,
    figure_words,
    new_figure,
    number_axis,
    role_labels,
    source_line,
    styled,
    wrap,
)
from analysis.report.text import fmt_date, fmt_number, fmt_percent

# --------------------------------------------------------------------------- Figuras 1-3


def _metric_panel(ax, study: Study, platform: str, metric: str, lang: str, word: str) -> bool:
    """Grouped horizontal bars of `metric` per institution; returns whether any number exists.

    Bars exist only for given figures. An account without a figure gets a grey
    "not given" mark at zero, an institution without an account "no account".
    Each country's bars form one container labelled with its ISO code.
    """
    t = figure_words(lang)
    long = tables.metric_by_institution(study, platform, metric)
    platform_label = codebook.label("platforms", platform, lang, study.data_dir)
    if long["value"].notna().sum() == 0:
        ax.set_axis_off()
        ax.text(
            0.5,
            0.5,
            t["no_numbers"].format(metric=word, platform=platform_label),
            transform=ax.transAxes,
            ha="center",
            va="center",
            color=INK,
            style="italic",
            bbox={"facecolor": "white", "edgecolor": GREY, "boxstyle": "round,pad=0.6"},
        )
        return False
    roles = role_labels(study, lang)
    pos = {r: i for i, r in enumerate(roles)}
    vmax = float(long["value"].max())
    drawn = long[long["value"].notna()].assign(value=lambda d: d["value"].astype(float))
    bars, offsets = _dodged_bars(ax, drawn, "value", "role", list(roles), study)
    reach = vmax * 0.08  # the length of a bound's arrow
    for c in study.pair:
        off = offsets[c]
        rows = long[long["country"] == c]
        given = rows[rows["value"].notna()]
        by_line = {round(bar.get_y() + bar.get_height() / 2 - off): bar for bar in bars[c]}
        for _, r in given.iterrows():
            by_line[pos[r["role"]]].set_gid(f"{c}:{r['role']}")
            text = QUALIFIER_MARKS.get(r["qualifier"], "") if not pd.isna(r["qualifier"]) else ""
            text += fmt_number(r["value"], lang)
            if r["given"] < r["accounts"]:
                text += f" ({t['accounts_of'].format(given=r['given'], n=r['accounts'])})"
            end, side = float(r["value"]), _bound_side(r["value"], r["qualifier"], study.data_dir)
            if side is not None:
                _bound_arrow(ax, end, pos[r["role"]] + off, side, reach, f"{c}:{r['role']}:{side}")
            ax.annotate(
                text,
                (end + (reach if side == "lower" else 0), pos[r["role"]] + off),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize=7,
                color=INK,
            )
        for _, r in rows[rows["value"].isna()].iterrows():
            if r["accounts"] == 0:
                mark = t["no_account"] if r["checked"] else t["not_checked"]
            else:
                mark = t["not_given"]
            ax.annotate(
                mark,
                (0, pos[r["role"]] + off),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize=6.5,
                color=GREY,
                style="italic",
                gid=f"{c}:{r['role']}:missing",
            )
    ax.set_yticks(range(len(roles)), list(roles.values()))
    ax.set_ylim(len(roles) - 0.45, -0.55)
    ax.set_xlim(0, vmax * 1.45)
    ax.xaxis.set_major_locator(MaxNLocator(4, integer=True))
    number_axis(ax.xaxis, lang)
    ax.set_xlabel(word[0].upper() + word[1:])
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", color=LIGHT, linewidth=0.6)
    ax.set_axisbelow(True)
    return True


METRICS = ("followers", "views")


def _given(study: Study, platform: str, metric: str) -> pd.DataFrame:
    """The institutions whose `metric` on `platform` the source gives, tidy."""
    long = tables.metric_by_institution(study, platform, metric)
    return long[long["value"].notna()]


def followers_compared(study: Study, platform: str) -> bool:
    """Whether a figure of `platform` compares the pair: each country has a number on it.

    A figure with one country's bars compares nothing: it repeats rows of the
    comparisons table as a picture, so the notebooks draw it only when this is true.
    """
    return len(tables.countries_given(study, platform)) == len(study.pair)


def _bound_side(value, qualifier, data_dir) -> str | None:
    """ "lower" for a figure that is at least its number, "upper" for at most, else None
    (by the qualifiers of the study's own codebook)."""
    if pd.isna(qualifier):
        return None
    low, high = codebook.figure_bounds(value, str(qualifier), data_dir)
    if low == high:  # a qualifier that bounds nothing
        return None
    return "lower" if low == float(value) else "upper"


def _bound_arrow(ax, end: float, y: float, side: str, reach: float, gid: str) -> None:
    """An arrow from the end of a bar that is a bound, towards where the value lies.

    One convention for every bound (codebook.yml, ``qualifiers``): the bar ends at the
    number the source gives; "more than" points right (at least this), "almost" left
    (at most this). Bars alone would show the widest gap two bounds allow.
    """
    ax.annotate(
        "",
        xy=(end + (reach if side == "lower" else -reach), y),
        xytext=(end, y),
        arrowprops={"arrowstyle": "-|>", "color": INK, "lw": 0.8, "shrinkA": 0, "shrinkB": 0},
        gid=gid,
    )


@styled
def followers_figure(study: Study, platform: str, lang: str = "en") -> Figure:
    """Followers (subscribers on YouTube) and video views per institution on `platform`.

    One panel per metric the source gives a number of, each on its own axis (for YouTube
    the article gives views, not subscribers, and the two must not share an axis); a
    metric no source gives is left out, not drawn as an empty panel.
    """
    t = figure_words(lang)
    platform_label = codebook.label("platforms", platform, lang, study.data_dir)
    first = t["subscribers_word"] if platform == "youtube" else t["followers_word"]
    words = {"followers": first, "views": t["views_word"]}
    acc = study.accounts[study.accounts["platform"] == platform]
    given = {m: _given(study, platform, m) for m in METRICS}
    shown = [m for m in METRICS if len(given[m])] or ["followers"]
    qualified = any(given[m]["qualifier"].notna().any() for m in shown)
    note = source_line(study, lang, acc) + ("\n" + t["qualifier_note"] if qualified else "")
    fig, main = new_figure(2.3 * len(shown) + 0.9, note)
    axes = main.subplots(len(shown), 1, squeeze=False)[:, 0]
    metric = f" {t['and']} ".join(words[m] for m in shown)
    main.suptitle(
        t["followers_title"].format(platform=platform_label, metric=metric), x=0.01, ha="left"
    )
    for ax, m in zip(axes, shown, strict=True):
        _metric_panel(ax, study, platform, m, lang, words[m])
        if len(shown) > 1:
            ax.set_title(words[m][0].upper() + words[m][1:], loc="left")
    main.legend(
        handles=country_handles(study, lang), loc="outside lower center", ncols=2, frameon=False
    )
    return fig


def figura1_twitter_followers(study: Study, lang: str = "en") -> Figure:
    """Figura 1: Twitter followers per institution (see :func:`followers_figure`)."""
    return followers_figure(study, "twitter", lang)


def figura2_facebook_followers(study: Study, lang: str = "en") -> Figure:
    """Figura 2: Facebook followers per institution (see :func:`followers_figure`)."""
    return followers_figure(study, "facebook", lang)


def figura3_youtube_followers(study: Study, lang: str = "en") -> Figure:
    """Figura 3: YouTube subscribers and video views per institution, where given."""
    return followers_figure(study, "youtube", lang)


# --------------------------------------------------------------------------- timeline


def _date_span(text: str) -> tuple[dt.date, dt.date, str]:
    """A date of data/raw as the half-open span of days it stands for, and its precision."""
    d = dates.parse(text)
    return d.start, d.end + dt.timedelta(days=1), d.precision


def _readings_text(study, dated: pd.DataFrame, lang: str) -> str:
    """'Chile, Foreign ministry, YouTube: 2014 or August 2017? (the source gives both)'
    for each date the source gives two ways (the footnote strip breaks the lines)."""
    roles = codebook.labels("roles", lang, study.data_dir)
    platforms = codebook.labels("platforms", lang, study.data_dir)
    t = figure_words(lang)
    parts = []
    for _, r in dated.iterrows():
        if _date_span(r["created"])[2] != "range":
            continue
        first, last = str(r["created"]).split("/")
        handle = f" {r['handle']}" if not pd.isna(r["handle"]) else ""
        account = f"{study.country_name(r['country'], lang)}, {roles[r['role']]}, "
        account += f"{platforms[r['platform']]}{handle}"
        readings = t["readings"].format(first=fmt_date(first, lang), last=fmt_date(last, lang))
        parts.append(f"{account}: {readings}")
    return ". ".join(parts) + "." if parts else ""


def _undated_text(study, acc: pd.DataFrame, lang: str) -> str:
    """'Date not given: Mexico: Government (Twitter, Facebook); ...'"""
    roles = codebook.labels("roles", lang, study.data_dir)
    platforms = codebook.labels("platforms", lang, study.data_dir)
    parts = []
    for c in study.pair:
        rows = acc[acc["country"] == c]
        if rows.empty:
            continue
        groups = [
            f"{roles[r]} ({', '.join(dict.fromkeys(platforms[p] for p in g['platform']))})"
            for r, g in rows.groupby("role", sort=False)
        ]
        parts.append(f"{study.country_name(c, lang)}: " + "; ".join(groups))
    if not parts:
        return ""
    return f"{figure_words(lang)['undated']}. " + ". ".join(parts) + "."


@styled
def adoption_timeline(study: Study, lang: str = "en") -> Figure:
    """When each account was opened, at the precision the source gives.

    A month or day is a dot; a year or a quarter is a bar across it, so no false
    precision is drawn; a date the source gives twice, differently, is two hatched marks
    joined by a dotted line, both readings written under the axes. Accounts without a
    date are listed there too.
    """
    t = figure_words(lang)
    order = tables.platforms_used(study)[["country", "role", "platform"]].reset_index()
    acc = study.accounts.merge(order, on=["country", "role", "platform"])
    acc = acc.sort_values("index", kind="stable").reset_index(drop=True)
    dated, undated = acc[acc["created"].notna()], acc[acc["created"].isna()]
    roles = codebook.labels("roles", lang, study.data_dir)
    platforms = codebook.labels("platforms", lang, study.data_dir)
    colours = country_colours(study)
    # under the axes: the dates read two ways (written beside their marks, they would run
    # over the account's name), the accounts without a date, the sources; the dashed line
    # marks the date of the sources' figures, so the source line need not
    note = "\n".join(
        part
        for part in (
            _readings_text(study, dated, lang),
            _undated_text(study, undated, lang),
            source_line(study, lang, acc, dated=False),
        )
        if part
    )
    n_rows = len(dated) + len(dated.drop_duplicates(["country", "role"])) + 2
    fig, main = new_figure(0.16 * n_rows + 1.2, note)
    ax = main.subplots()
    labels, y, spans, ranges = [], 0, [], False
    for c in study.pair:
        rows = dated[dated["country"] == c]
        if rows.empty:
            continue
        labels.append((y, study.country_name(c, lang), True))
        y += 1
        previous_role = None
        for _, r in rows.iterrows():
            if r["role"] != previous_role:
                # The institution heads its accounts inside the plot, so the tick
                # labels stay short and the time axis keeps its width.
                ax.text(
                    0.005,
                    y,
                    roles[r["role"]],
                    transform=ax.get_yaxis_transform(),
                    va="center",
                    ha="left",
                    fontsize=7,
                    style="italic",
                    color=INK,
                )
                previous_role, y = r["role"], y + 1
            start, end, precision = _date_span(r["created"])
            spans.append((start, end))
            handle = f" {r['handle']}" if not pd.isna(r["handle"]) else ""
            labels.append((y, f"{platforms[r['platform']]}{handle}", False))
            gid = f"{c}:{r['role']}:{r['platform']}:{precision}"
            if precision == "range":  # two readings of the source, both kept: two marks
                ranges = True
                first, last = str(r["created"]).split("/")
                marks = [_date_span(first)[:2], _date_span(last)[:2]]
                for k, (m_start, m_end) in enumerate(marks):
                    ax.barh(
                        y,
                        max(mpl.dates.date2num(m_end) - mpl.dates.date2num(m_start), 20),
                        left=mpl.dates.date2num(m_start),
                        height=0.5,
                        color=mpl.colors.to_rgba(colours[c], 0.12),
                        edgecolor=colours[c],
                        linewidth=0.8,
                        hatch="////",
                        gid=f"{gid}:{k}",
                    )
                # a dotted line between them: one or the other, never the span between
                ax.plot(
                    [mpl.dates.date2num(marks[0][1]), mpl.dates.date2num(marks[1][0])],
                    [y, y],
                    linestyle=":",
                    linewidth=0.8,
                    color=colours[c],
                    gid=f"{gid}:or",
                )
            elif precision not in ("day", "month"):  # a year or a quarter: its span
                ax.barh(
                    y,
                    mpl.dates.date2num(end) - mpl.dates.date2num(start),
                    left=mpl.dates.date2num(start),
                    height=0.5,
                    # the fill is light; the edge stays opaque
                    color=mpl.colors.to_rgba(colours[c], 0.35),
                    edgecolor=colours[c],
                    linewidth=0.8,
                    gid=gid,
                )
            else:
                mid = start + (end - start) / 2
                ax.plot([mid], [y], "o", color=colours[c], markersize=4.5, gid=gid)
            y += 1
    if spans:
        first = min(s for s, _ in spans).year
        last = max(e for _, e in spans).year
        snap = study.countries["snapshot"].dropna()
        if len(snap):
            snap_start = _date_span(snap.max())[0]
            last = max(last, snap_start.year + 1)
            ax.axvline(mpl.dates.date2num(snap_start), color=GREY, linestyle="--", linewidth=0.8)
            ax.annotate(
                f"{t['snapshot_line']} {snap.max()}",
                (mpl.dates.date2num(snap_start), -0.6),
                xytext=(-3, 0),
                textcoords="offset points",
                ha="right",
                va="center",
                fontsize=6.5,
                color=GREY,
            )
        ax.set_xlim(
            mpl.dates.date2num(dt.date(first - 1, 7, 1)), mpl.dates.date2num(dt.date(last, 7, 1))
        )
        # A label every year crowds a 16 cm figure past eight years; ticks stay yearly.
        ax.xaxis.set_major_locator(mpl.dates.YearLocator(2 if last - first > 8 else 1))
        ax.xaxis.set_minor_locator(mpl.dates.YearLocator())
        ax.xaxis.set_major_formatter(mpl.dates.DateFormatter("%Y"))
    ax.set_ylim(max(y, 1) - 0.5, -1)
    ax.set_yticks([p for p, _, _ in labels], [s for _, s, _ in labels])
    for tick, (_, _, header) in zip(ax.get_yticklabels(), labels, strict=True):
        if header:
            tick.set_fontweight("bold")
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", which="both", color=LIGHT, linewidth=0.6)
    ax.set_axisbelow(True)
    ax.set_xlabel(t["year"])
    main.suptitle(t["timeline_title"], x=0.01, ha="left")
    handles = country_handles(study, lang) + [
        Line2D([], [], marker="o", color=INK, linestyle="", markersize=4.5, label=t["precise"]),
        Patch(facecolor=mpl.colors.to_rgba(GREY, 0.35), edgecolor=GREY, label=t["year_only"]),
    ]
    if ranges:
        handles.append(
            Patch(
                facecolor=mpl.colors.to_rgba(GREY, 0.12),
                hatch="////",
                edgecolor=GREY,
                label=t["two_readings"],
            )
        )
    # two columns: three would be wider than the figure in Spanish
    main.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)
    return fig


# --------------------------------------------------------------------------- agenda


def _dodged_bars(ax, data: pd.DataFrame, x: str, y: str, order: list[str], study: Study):
    """Horizontal bars of `x` per category `y` (in `order`, top to bottom), the two countries
    side by side (seaborn.objects: ``Bar`` moved by ``Dodge``), in their colours; no legend.

    Each country's bars form one container labelled with its ISO code, as matplotlib's
    ``barh`` would label them. Returns the containers by country, and the offset of each
    country's bars from its category's line (for marks where a country has no bar).
    """
    import seaborn.objects as so  # lazy: start-up time (seaborn imports pyplot)

    colours = country_colours(study)
    plot = (
        so.Plot(data, x=x, y=y, color="country")
        .add(so.Bar(width=0.8, alpha=1, edgewidth=0), so.Dodge(gap=0.05), legend=False)
        .scale(y=so.Nominal(order=order), color=so.Nominal(colours, order=list(study.pair)))
    )
    draw_plot(plot, ax)
    by_colour = {to_hex(col): c for c, col in colours.items()}
    bars: dict[str, list] = {c: [] for c in study.pair}
    for container in list(ax.containers):
        for bar in container:
            bars[by_colour[to_hex(bar.get_facecolor())]].append(bar)
        ax.containers.remove(container)
    found = {}
    for c, patches in bars.items():
        patches.sort(key=lambda bar: bar.get_y())
        found[c] = BarContainer(patches, orientation="horizontal", label=c)
        ax.add_container(found[c])
    ax.set_ylabel("")
    n = len(study.pair)
    offsets = {c: -0.4 + 0.8 * (i + 0.5) / n for i, c in enumerate(study.pair)}
    return found, offsets


@styled
def agenda_figure(study: Study, lang: str = "en") -> Figure:
    """For each topic, how many of a country's described accounts the article credits with it.

    The article describes what some accounts publish (7 of Mexico's, 6 of Chile's);
    each bar counts those accounts for which it mentions the topic, labelled "k of n".
    Only topics mentioned for at least one country are shown, in codebook order. The
    codes are one reading of the author's prose, not a count of posts. The bars are
    seaborn's (objects interface: ``Bar`` dodged by country).
    """
    t = figure_words(lang)
    ag = study.agenda
    topics = {
        k: v
        for k, v in codebook.labels("topics", lang, study.data_dir).items()
        if k in set(ag["topic"])
    }
    fig, main = new_figure(0.32 * max(len(topics), 1) + 1.1, source_line(study, lang, ag))
    ax = main.subplots()
    described, rows = {}, []
    for c in study.pair:
        mine = ag[ag["country"] == c]
        described[c] = len(mine.drop_duplicates(["role", "platform"]))
        counts = (
            mine.drop_duplicates(["role", "platform", "topic"])["topic"]
            .value_counts()
            .reindex(list(topics))
            .fillna(0)
            .astype(int)
        )
        rows.append(
            pd.DataFrame({"topic": list(topics), "accounts": counts.to_numpy(), "country": c})
        )
    data = pd.concat(rows, ignore_index=True)
    if len(topics):
        bars, offsets = _dodged_bars(ax, data, "accounts", "topic", list(topics), study)
        pos = {k: i for i, k in enumerate(topics)}
        for c, container in bars.items():
            for bar in container:
                bar.set_gid(f"{c}:{bar.get_y():.2f}")
        for r in data.itertuples():  # every count, a zero too (a zero has no bar)
            ax.annotate(
                t["k_of_n"].format(k=r.accounts, n=described[r.country]),
                (r.accounts, pos[r.topic] + offsets[r.country]),
                xytext=(2, 0),
                textcoords="offset points",
                va="center",
                fontsize=6.5,
                color=INK,
            )
    handles = [
        Patch(
            facecolor=colour,
            label=t["n"].format(country=study.country_name(c, lang), n=described[c]),
        )
        for c, colour in country_colours(study).items()
    ]
    vmax = max([1, *described.values()])
    ax.set_yticks(range(len(topics)), [wrap(v, 34) for v in topics.values()])
    ax.set_ylim(max(len(topics), 1) - 0.45, -0.55)
    ax.set_xlim(0, vmax * 1.15)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    number_axis(ax.xaxis, lang)
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", color=LIGHT, linewidth=0.6)
    ax.set_axisbelow(True)
    ax.set_xlabel(t["share"])
    main.suptitle(t["agenda_title"], x=0.01, ha="left")
    main.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)
    return fig


# --------------------------------------------------------------------------- interaction


@styled
def interaction_figure(
    study: Study, lang: str = "en", measured: pd.DataFrame | None = None
) -> Figure:
    """Interaction level of each account, judged or measured, on the codebook's ordered levels.

    A level is a category, so the levels are columns, not a scale of shares. A judged
    level (interaction.csv: the source's words, one judgement for several countries
    drawn once) is a hatched box in its column; a measured level (`measured`: the
    output of :func:`analysis.core.coding.account_levels`) is a dot in its column, labelled
    with the share of posts that answer the public. An export that records no replies
    gives no level, and says so.
    """
    t = figure_words(lang)
    levels = codebook.labels("account_levels", lang, study.data_dir)
    column = {k: i for i, k in enumerate(levels)}
    roles = codebook.labels("roles", lang, study.data_dir)
    platforms = codebook.labels("platforms", lang, study.data_dir)
    rows = tables.interaction_levels(study, measured)
    note = source_line(study, lang, rows)
    fig, main = new_figure(0.32 * (len(rows) + 1) + 1.3, note)
    ax = main.subplots()
    for i in range(len(levels)):
        ax.axvspan(i - 0.5, i + 0.5, color=LIGHT if i % 2 == 0 else "white", zorder=0)
    colours = country_colours(study)
    labels = []
    for y, (_, r) in enumerate(rows.iterrows()):
        who = tables.interaction_who(r, lang, roles, platforms)
        labels.append(f"{tables.countries_name(study, r['countries'], lang)}: {who}")
        joint = len(r["countries"]) > 1
        colour = GREY if joint else colours[r["country"]]
        gid = f"{'+'.join(r['countries'])}:{r['method']}"
        if pd.isna(r["level"]):  # the export records no replies: no level to draw
            ax.annotate(t["no_level"], (-0.45, y), va="center", fontsize=6.5, color=GREY, gid=gid)
            continue
        x = column[r["level"]]
        if r["method"] == "measured":
            ax.plot([x], [y], "o", color=colour, markersize=6, gid=gid)
            ax.annotate(
                fmt_percent(r["reply_share"], lang, 1),
                (x, y),
                xytext=(6, 0),
                textcoords="offset points",
                va="center",
                fontsize=6.5,
                color=INK,
            )
        else:
            ax.add_patch(
                Rectangle(
                    (x - 0.4, y - 0.3),
                    0.8,
                    0.6,
                    facecolor=colour,
                    alpha=0.45,
                    edgecolor=colour,
                    hatch="///",
                    gid=gid,
                )
            )
    ax.set_xlim(-0.5, len(levels) - 0.5)
    ax.set_xticks(range(len(levels)), [wrap(v, 16) for v in levels.values()])
    ax.xaxis.tick_top()
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_yticks(range(len(rows)), [wrap(s, 44) for s in labels])
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    methods = [t[m] for m in ("judged", "measured") if (rows["method"] == m).any()]
    main.suptitle(t["interaction_title"].format(methods=", ".join(methods)), x=0.01, ha="left")
    kinds = {
        "judged": Patch(
            facecolor=GREY, alpha=0.45, hatch="///", edgecolor=GREY, label=t["judged_legend"]
        ),
        "measured": Line2D(
            [], [], marker="o", color=GREY, linestyle="", label=t["measured_legend"]
        ),
    }
    joint = rows["countries"].map(len) > 1
    countries_drawn = set(rows.loc[~joint, "country"])
    handles = [
        h
        for h in country_handles(study, lang)
        if h.get_label() in {study.country_name(c, lang) for c in countries_drawn}
    ]
    if joint.any():
        handles.append(Patch(facecolor=GREY, label=t["joint"]))
    handles += [h for m, h in kinds.items() if (rows["method"] == m).any()]
    main.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)
    return fig


__all__ = [
    "adoption_timeline",
    "agenda_figure",
    "figura1_twitter_followers",
    "figura2_facebook_followers",
    "figura3_youtube_followers",
    "followers_compared",
    "followers_figure",
    "interaction_figure",
]
