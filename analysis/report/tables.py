"""Tables of the study: Tabla 1, Tabla 2, the numbers behind Figuras 1-3, as Markdown and CSV.

Builders take a :class:`analysis.data.load.Study` and a language (``en`` or ``es``)
and return display DataFrames whose cells are already formatted text, so a
notebook, the Markdown of the paper (:func:`to_markdown`) and the CSV (:func:`to_csv`) all
show the same thing.
Labels come from the codebook and the words from :mod:`analysis.report.text`.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import pandas as pd

from analysis.base.files import csv_text, write_atomic
from analysis.core import coding
from analysis.core.checks import VERDICTS
from analysis.core.replication import BASES, parse_params
from analysis.core.stats import CONFIDENCE, wilson_interval
from analysis.data import codebook, dates
from analysis.data.load import Study
from analysis.report import evidence
from analysis.report.text import (
    MARK_NO,
    check_lang,
    effect_label,
    escape_markdown,
    fmt_date,
    fmt_number,
    fmt_p,
    fmt_percent,
    fmt_quantity,
    fmt_stat,
    mark,
    measure_label,
    test_label,
    words,
)


def platforms_used(study: Study) -> pd.DataFrame:
    """Which platforms each institution uses: one row per country x role x platform used.

    The tidy basis of Tabla 1 and of the panel's presence figure. Columns: country,
    role, platform, accounts (how many accounts on the platform), in pair order,
    then codebook order of roles and platforms.
    """
    roles = codebook.categories("roles", study.data_dir)
    platforms = codebook.categories("platforms", study.data_dir)
    acc = study.accounts
    counts = acc.groupby(["country", "role", "platform"]).size().rename("accounts").reset_index()
    order = {
        "country": {c: i for i, c in enumerate(study.pair)},
        "role": {r: i for i, r in enumerate(roles)},
        "platform": {p: i for i, p in enumerate(platforms)},
    }
    counts = counts.sort_values(["country", "role", "platform"], key=lambda s: s.map(order[s.name]))
    counts["accounts"] = counts["accounts"].astype("int64")
    return counts.reset_index(drop=True)


def unchecked(study: Study) -> set[tuple[str, str, str]]:
    """(country, role, platform) rows of accounts.csv not yet checked (``present`` empty).

    ``study.accounts`` holds only accounts that exist; a platform still to check
    must read "not checked", never "no".
    """
    acc = getattr(study, "accounts_all", None)
    if acc is None or "present" not in acc.columns:
        return set()
    rows = acc[acc["present"].isna()]
    return set(zip(rows["country"], rows["role"], rows["platform"], strict=True))


def _abbreviations(platforms, lang: str, data_dir=None) -> list[str]:
    book = codebook.load_codebook(data_dir)["platforms"]
    order = codebook.categories("platforms", data_dir)
    cells = {p: book[p].get("cell", book[p]["abbr"]) for p in set(platforms)}
    return [
        cells[p] if cells[p] != "o" else f"o ({book[p][lang]})"
        for p in sorted(cells, key=order.index)
    ]


def platform_cell(platforms, lang: str = "en", data_dir=None, not_checked=()) -> str:
    """Tabla 1's social-network cell: abbreviations in codebook order, others as ``o (Name)``.

    A cell writes what the article's cells write: LinkedIn as ``o (LinkedIn)``, as
    Tabla 1 does, although its legend lists ``li`` (the codebook's ``cell`` and ``abbr``).
    No platform gives ``-``; platforms still to check are named after a
    semicolon (``tw, fb; not checked: yt``).

    >>> platform_cell(["youtube", "twitter", "telegram"])
    'tw, yt, o (Telegram)'
    """
    check_lang(lang)
    parts = ", ".join(_abbreviations(platforms, lang, data_dir))
    todo = [p for p in not_checked if p not in set(platforms)]
    if todo:
        shown = ", ".join(_abbreviations(todo, lang, data_dir))
        note = f"{words('tables', lang)['not_checked']}: {shown}"
        return f"{parts}; {note}" if parts else note
    return parts or MARK_NO


def tabla1(study: Study, lang: str = "en") -> pd.DataFrame:
    """Tabla 1: website and social networks of each institution, for both countries.

    One row per role in codebook order. Website cells are ``X`` / ``-`` / blank
    (not given), with ``*`` (``**``...) where institutions.csv has a
    ``website_note``: the footnotes, with the legend of the abbreviations, come
    from :func:`tabla1_notes`. Social-network cells follow :func:`platform_cell`.

    >>> from analysis.data import load
    >>> tabla1(load.study("MEX", "CHL")).iloc[0, -1]
    'tw, fb, ig, yt, o (Telegram)'
    """
    check_lang(lang)
    t = words("tables", lang)
    a, b = study.pair
    names = {c: study.country_name(c, lang) for c in study.pair}
    inst = study.institutions.set_index(["country", "role"])
    used = platforms_used(study).groupby(["country", "role"])["platform"].agg(list)
    todo = unchecked(study)
    marks = _footnote_marks(study)
    rows = []
    for role, role_label in codebook.labels("roles", lang, study.data_dir).items():
        row = {t["institution"]: role_label}
        for c in (a, b):
            site = inst.at[(c, role), "website"] if (c, role) in inst.index else None
            row[f"{t['website']} ({names[c]})"] = mark(site) + marks.get((c, role), "")
        for c in (a, b):
            row[f"{t['social']} ({names[c]})"] = platform_cell(
                used.get((c, role), []),
                lang,
                study.data_dir,
                [p for (c2, r2, p) in sorted(todo) if (c2, r2) == (c, role)],
            )
        rows.append(row)
    return pd.DataFrame(rows)


def _footnote_marks(study: Study) -> dict[tuple[str, str], str]:
    """``*``, ``**``... for the institutions with a website note, in Tabla 1's order."""
    inst = study.institutions
    noted = inst[inst["website_note"].notna()] if "website_note" in inst else inst.iloc[:0]
    roles = codebook.categories("roles", study.data_dir)
    order = sorted(
        zip(noted["country"], noted["role"], strict=True),
        key=lambda cr: (roles.index(cr[1]), study.pair.index(cr[0])),
    )
    return {cr: "*" * (i + 1) for i, cr in enumerate(order)}


def tabla1_notes(study: Study, lang: str = "en") -> list[str]:
    """The lines under Tabla 1: the legend of the abbreviations, then each footnote.

    The legend is the codebook's (as the article's: ``tw (Twitter)`` ... ``o (others)``);
    a footnote quotes the source's words from institutions.csv's ``website_note``.
    """
    check_lang(lang)
    book = codebook.load_codebook(study.data_dir)
    core = [f"{v['abbr']} ({v[lang]})" for v in book["platforms"].values() if v["abbr"] != "o"]
    t = words("tables", lang)
    legend = f"{t['social']}: {', '.join(core)}, o ({t['others']})."
    inst = study.institutions.set_index(["country", "role"])
    notes = [
        f"X{mark} ({study.country_name(c, lang)}): {inst.at[(c, r), 'website_note']}"
        for (c, r), mark in _footnote_marks(study).items()
    ]
    return [legend, *notes]


def tabla2(study: Study, lang: str = "en") -> pd.DataFrame:
    """Tabla 2: the ten website criteria of the foreign ministries, with a total row.

    Cells are ``X`` / ``-`` / blank (not given). The last row counts the
    criteria met (6 for Mexico, 8 for Chile in the article); criteria not given
    are counted apart, e.g. ``6 (1 not given)``.
    """
    check_lang(lang)
    t = words("tables", lang)
    crit = study.website_criteria.set_index(["country", "criterion"])["present"]
    labels = codebook.labels("website_criteria", lang, study.data_dir)
    out = pd.DataFrame({t["content"]: list(labels.values())})
    totals = {t["content"]: t["criteria_met"]}
    for c in study.pair:
        values = [crit.get((c, k), pd.NA) for k in labels]
        out[study.country_name(c, lang)] = [mark(v) for v in values]
        met = sum(1 for v in values if not pd.isna(v) and bool(v))
        missing = sum(1 for v in values if pd.isna(v))
        totals[study.country_name(c, lang)] = str(met) + (
            f" ({missing} {t['not_given']})" if missing else ""
        )
    return pd.concat([out, pd.DataFrame([totals])], ignore_index=True)


def metric_by_institution(study: Study, platform: str, metric: str = "followers") -> pd.DataFrame:
    """A platform's followers (or posts, views) per institution and country, tidy.

    One row per country x role (pair order, codebook order), also for
    institutions without an account on the platform, so a figure can say "no
    account" rather than leave a silent gap.

    Columns: country, role, accounts (on the platform), given (accounts whose
    figure the source gives), value (sum of the given figures, NA when none),
    qualifier (kept when every given figure shares it), handles, checked
    (False when the platform is still to check for the institution).
    """
    if metric not in ("followers", "posts", "views"):
        raise ValueError(f"metric must be followers, posts or views, not {metric!r}")
    acc = study.accounts[study.accounts["platform"] == platform]
    todo = unchecked(study)
    # the platform's accounts by institution, in file order (a selection per institution
    # would cost a pandas operation each)
    by_institution: dict[tuple, list[tuple]] = {}
    columns = ["country", "role", "handle", metric, f"{metric}_qualifier"]
    for row in acc[columns].astype(object).itertuples(index=False):
        by_institution.setdefault((row[0], row[1]), []).append(row[2:])
    rows = []
    for c in study.pair:
        for role in codebook.categories("roles", study.data_dir):
            own = by_institution.get((c, role), [])
            given = [(v, q) for _, v, q in own if not pd.isna(v)]
            quals = {"" if pd.isna(q) else q for _, q in given}
            rows.append(
                {
                    "country": c,
                    "role": role,
                    "accounts": len(own),
                    "given": len(given),
                    "value": sum(v for v, _ in given) if given else pd.NA,
                    "qualifier": (quals.pop() or pd.NA) if len(quals) == 1 else pd.NA,
                    "handles": "; ".join(h for h, _, _ in own if not pd.isna(h)),
                    "checked": (c, role, platform) not in todo,
                }
            )
    out = pd.DataFrame(rows)
    out["value"] = out["value"].astype("Int64")
    out["qualifier"] = out["qualifier"].astype("string")
    return out


def countries_given(study: Study, platform: str) -> list[str]:
    """The countries of the pair (in pair order) whose source gives an audience figure,
    followers or video views, of some institution's account on `platform`."""
    acc = study.accounts[study.accounts["platform"] == platform]
    given = acc[acc["followers"].notna() | acc["views"].notna()]
    return [c for c in study.pair if c in set(given["country"])]


def _metric_text(row, lang: str) -> str:
    t = words("tables", lang)
    if row["accounts"] == 0:
        return t["no_account"] if row["checked"] else t["not_checked"]
    text = fmt_quantity(row["value"], row["qualifier"], lang)
    if 0 < row["given"] < row["accounts"]:
        text += f" ({t['accounts_of'].format(given=row['given'], n=row['accounts'])})"
    return text


def followers_table(
    study: Study, platform: str, lang: str = "en", metric: str = "followers"
) -> pd.DataFrame:
    """The numbers behind Figuras 1-3: institution x country, as the article words them.

    Cells read ``more than 720,000``, ``not given`` (account without a figure)
    or ``no account``; when only some of an institution's accounts have a
    figure, it says so (``59,000 (1 of 2 accounts)``).
    """
    check_lang(lang)
    long = metric_by_institution(study, platform, metric)
    long["text"] = [_metric_text(r, lang) for _, r in long.iterrows()]
    wide = long.pivot(index="role", columns="country", values="text")
    roles = codebook.labels("roles", lang, study.data_dir)
    out = pd.DataFrame({words("tables", lang)["institution"]: list(roles.values())})
    for c in study.pair:
        out[study.country_name(c, lang)] = wide.loc[list(roles), c].tolist()
    return out


def accounts_table(study: Study, lang: str = "en") -> pd.DataFrame:
    """Every account of the pair, for the appendix: who, where, opened, and its figures.

    Dates stay at the precision the source gives (``2009``, ``2009-12``, ``Q4 2009``);
    missing figures are blank.
    """
    check_lang(lang)
    t = words("tables", lang)
    roles = codebook.labels("roles", lang, study.data_dir)
    platforms = codebook.labels("platforms", lang, study.data_dir)
    acc = study.accounts
    order = platforms_used(study)[["country", "role", "platform"]].reset_index()
    acc = acc.merge(order, on=["country", "role", "platform"]).sort_values("index", kind="stable")
    out = pd.DataFrame(
        {
            t["country"]: [study.country_name(c, lang) for c in acc["country"]],
            t["institution"]: acc["role"].map(roles).tolist(),
            t["platform"]: acc["platform"].map(platforms).tolist(),
            t["handle"]: acc["handle"].fillna("").tolist(),
            t["created"]: [fmt_date(d, lang) for d in acc["created"]],
        }
    )
    for metric in ("followers", "posts", "views"):
        out[t[metric]] = [
            fmt_quantity(v, q, lang, missing="")
            for v, q in zip(acc[metric], acc[f"{metric}_qualifier"], strict=True)
        ]
    out[t["as_of"]] = acc["as_of"].fillna("").tolist()
    return out.reset_index(drop=True)


def interaction_levels(study: Study, measured: pd.DataFrame | None = None) -> pd.DataFrame:
    """Judged levels (interaction.csv) and measured ones (coded posts) in one tidy table.

    Judged rows come through :func:`analysis.core.coding.judged_levels`, so both kinds
    share the layout of :func:`analysis.core.coding.account_levels`; rows are in pair
    order, judged before measured within a country. ``countries`` names every country
    a row stands for: a judgement made of several countries at once (interaction.csv
    ``judgement``) is one row, not one per country.
    """
    book = codebook.load_codebook(study.data_dir)
    judged = coding.judged_levels(study.interaction, book)
    # one judgement that covers several countries ("en ambos casos") is one row
    judged["countries"] = judged["country"].map(lambda c: (c,))
    ids = study.interaction["judgement"].reset_index(drop=True)
    joint = ids.notna() & ids.duplicated(keep=False)
    for _, group in judged[joint].groupby(ids[joint], sort=False):
        judged.at[group.index[0], "countries"] = tuple(group["country"])
        judged = judged.drop(index=group.index[1:])
    frames = [judged]
    if measured is not None and len(measured):
        extra = measured[measured["country"].isin(study.pair)].copy()
        method = extra["method"] if "method" in extra.columns else pd.Series(pd.NA, extra.index)
        extra["method"] = method.fillna("measured")
        extra["countries"] = extra["country"].map(lambda c: (c,))
        frames.append(extra)
    rows = pd.concat(frames, ignore_index=True)
    rows["level"] = rows["level"].astype("string")
    order = {c: i for i, c in enumerate(study.pair)}
    rows = rows.sort_values("country", key=lambda s: s.map(order), kind="stable")
    return rows.reset_index(drop=True)


def interaction_who(row, lang: str, roles: dict, platforms: dict) -> str:
    """'Foreign ministry · Twitter @SRE_mx', or 'all profiles consulted' for a country-wide row."""
    who = words("tables", lang)["all_profiles"] if pd.isna(row["role"]) else roles[row["role"]]
    if not pd.isna(row["platform"]):
        who += f" \u00b7 {platforms[row['platform']]}"
    account = row.get("account")
    if account is None or pd.isna(account):
        account = row.get("account_id")
    if account is not None and not pd.isna(account):
        who += f" {account}"
    return who


#: The rates of analysis.core.coding.account_levels: replies, shares and likes received per post.
RATE_COLUMNS = ["conversation_rate", "amplification_rate", "applause_rate"]


def interaction_table(study: Study, measured: pd.DataFrame | None = None, lang: str = "en"):
    """Interaction level of each account (or country), saying whether judged or measured.

    Judged rows quote the source's words as evidence and have no share of
    replies; measured rows give the share that set their level.
    """
    check_lang(lang)
    t = dict(words("tables", lang))
    t["reply_share"] = t["reply_share"].format(confidence=fmt_percent(CONFIDENCE, lang))
    rows = interaction_levels(study, measured)
    roles = codebook.labels("roles", lang, study.data_dir)
    platforms = codebook.labels("platforms", lang, study.data_dir)
    levels = codebook.labels("account_levels", lang, study.data_dir)
    table = pd.DataFrame(
        {
            t["country"]: [countries_name(study, cs, lang) for cs in rows["countries"]],
            t["institution"]: [
                interaction_who(r, lang, roles, platforms) for _, r in rows.iterrows()
            ],
            t["method"]: [t[m] for m in rows["method"]],
            t["level"]: [levels[k] if pd.notna(k) else "" for k in rows["level"]],
            t["reply_share"]: [_share_text(r, lang) for _, r in rows.iterrows()],
            t["rates"]: [
                " / ".join(fmt_number(x, lang, 1) if pd.notna(x) else "–" for x in r)
                if pd.notna(r).any()
                else ""
                for r in rows.reindex(columns=RATE_COLUMNS).to_numpy(dtype=float)
            ],
            t["evidence"]: [
                _interaction_evidence(r, lang, study.data_dir) for _, r in rows.iterrows()
            ],
        }
    )
    # without measured rows the share and the rates are empty: leave the columns out
    empty = [c for c in (t["reply_share"], t["rates"]) if (table[c] == "").all()]
    return table.drop(columns=empty)


def countries_name(study: Study, countries, lang: str) -> str:
    """'Mexico', or 'Mexico and Chile' for a row that stands for several countries."""
    names = [study.country_name(c, lang) for c in countries]
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} {words('figures', lang)['and']} {names[-1]}"


def _share_text(row, lang: str) -> str:
    """A measured share of replies with its Wilson (1927) 95 % interval: the posts are a
    sample of the account's timeline."""
    share = row.get("reply_share")
    if share is None or pd.isna(share):
        return ""
    if pd.isna(row.get("posts")):  # a level recorded with its share, but not its counts
        return fmt_percent(share, lang, 1)
    replies = int(row["n_reply"] + row["n_dialogue"])
    low, high = wilson_interval(replies, int(row["posts"]))
    return (
        f"{fmt_percent(share, lang, 1)} [{fmt_percent(low, lang, 1)}; {fmt_percent(high, lang, 1)}]"
    )


def _interaction_evidence(row, lang: str, data_dir=None) -> str:
    """The source's words for a judged level; the counts behind a measured one, in `lang`."""
    t = words("tables", lang)
    if row.get("method") == "measured" and pd.isna(row.get("reply_share")):
        return t["replies_not_recorded"]
    if row.get("method") == "measured" and pd.notna(row.get("posts")):
        if pd.isna(row.get("level")):  # fewer posts than a level needs (codebook)
            minimum = codebook.load_codebook(data_dir).get("level_min_posts", 1)
            return t["too_few_posts"].format(posts=int(row["posts"]), minimum=minimum)
        said = t["measured_evidence"].format(
            replies=int(row["n_reply"] + row["n_dialogue"]),
            posts=int(row["posts"]),
            dialogue=int(row["n_dialogue"]),
        )
        internal = row.get("n_internal")
        if internal is not None and pd.notna(internal) and internal > 0:
            said += t["internal_evidence"].format(internal=int(internal))
        return said
    return "" if pd.isna(row.get("evidence")) else str(row["evidence"])


def _first_dates(study: Study) -> dict[tuple[str, str, str], dates.PartialDate]:
    """The first opening date per (country, role, platform) scope, as compare dates it.

    Keys are ``(country, role, platform)`` with ``""`` for an open scope: the same
    scopes as compare's ``first_adoption`` rows, from the same
    :func:`analysis.data.dates.earliest`, so the table shows the dates behind its numbers.
    """
    out = {}
    acc = study.accounts
    for country in study.pair:
        own = acc[acc["country"] == country]
        for key in ("platform", "role", None):
            groups = own.groupby(key) if key else [(None, own)]
            for name, part in groups:
                first = dates.earliest(part["created"])
                if first is not None:
                    scope = (name if key == "role" else "", name if key == "platform" else "")
                    out[(country, *scope)] = first
    return out


def _accounts_with_figures(study: Study) -> dict[tuple[str, str, str, str], tuple[int, int]]:
    """(country, role, platform, metric) -> (accounts with a figure, accounts)."""
    acc = study.accounts
    out = {}
    for (c, r, p), part in acc.groupby(["country", "role", "platform"]):
        for metric in ("followers", "posts", "views"):
            out[(c, r, p, metric)] = (int(part[metric].notna().sum()), len(part))
    return out


def _effect_text(row, lang: str) -> str:
    """An effect with its range: ``-18.5 [-24; -13] (adoption gap ...)``; ratios go elsewhere."""
    if not row["effect"] or row["effect"] == "ratio" or pd.isna(row["estimate"]):
        return ""
    # a gap in months is read at the months' precision: one decimal at most (-18.5)
    fmt = _one_decimal if row["effect"] == "adoption_gap" else fmt_stat
    text = fmt(row["estimate"], lang)
    if not (pd.isna(row["ci_low"]) or pd.isna(row["ci_high"])):
        text += f" [{fmt(row['ci_low'], lang)}; {fmt(row['ci_high'], lang)}]"
    text += f" ({effect_label(row['effect'], row['unit'], lang)})"
    if row["measure"] == "first_adoption" and row.get("n_missing", 0) > 0:
        # an undated account could be the first: the gap holds among the dated ones
        text += "; " + words("tables", lang)["undated_accounts"].format(n=int(row["n_missing"]))
    return text


def _one_decimal(x, lang: str) -> str:
    """A ratio or a gap as the prose gives it: whole numbers as they are, else one decimal."""
    return fmt_number(x, lang, 0 if float(x).is_integer() else 1)


def _contrast_text(row, lang: str) -> str:
    """a relative to b: a ratio (exact ``14.7×``, or the range bounds allow), else a - b.

    A ratio has one decimal, as in the prose: one rounding for one number."""
    times = "\u00d7"
    if row["effect"] == "ratio":
        if not pd.isna(row["estimate"]):
            return _one_decimal(row["estimate"], lang) + times
        # a bound rounds outwards, so that what is printed stays true of the range
        low, high = row["ci_low"], row["ci_high"]
        if low > 0:
            low = math.floor(low * 10) / 10
        if math.isfinite(high):
            high = math.ceil(high * 10) / 10
        if low > 0 and math.isfinite(high):
            return f"{_one_decimal(low, lang)}–{_one_decimal(high, lang)}{times}"
        if low > 0:
            return f"≥\u202f{_one_decimal(low, lang)}{times}"
        return f"≤\u202f{_one_decimal(high, lang)}{times}" if math.isfinite(high) else ""
    if pd.isna(row["difference"]):
        return ""
    sign = "+" if row["difference"] > 0 else ""
    return sign + fmt_stat(row["difference"], lang)


def comparisons_table(
    comparisons: pd.DataFrame, lang: str = "en", study: Study | None = None
) -> pd.DataFrame:
    """The comparisons of :func:`analysis.core.compare.all_comparisons`, worded for the paper.

    Rows where neither country has a value are left out (they stay in the CSV); the
    dimension is written once per group. A qualified figure keeps its words ("more
    than 720,000"); the contrast is ``a - b``, or ``a / b`` for audiences (a range when
    a figure is a bound); an effect comes with its range (``[low; high]``: a semicolon,
    since Spanish decimals use the comma). The test columns (raw p, p adjusted within
    the dimension, the smallest p the test could give) appear only when a row has a
    test. With the `study`, first adoptions show the dates as the source gives them,
    and audiences how many of an institution's accounts have a figure.
    """
    check_lang(lang)
    t = words("tables", lang)
    comparisons = comparisons[comparisons["value_a"].notna() | comparisons["value_b"].notna()]
    comparisons = comparisons.reset_index(drop=True)
    first = comparisons.iloc[0] if len(comparisons) else {"country_a": "a", "country_b": "b"}
    dims = codebook.labels("dimensions", lang)
    dims.update({"website": t["website"], "audience": t["audience"]})
    dim_col = [dims.get(d, d) for d in comparisons["dimension"]]
    dim_col = [d if i == 0 or d != dim_col[i - 1] else "" for i, d in enumerate(dim_col)]
    first_dates = _first_dates(study) if study is not None else {}
    figures_given = _accounts_with_figures(study) if study is not None else {}

    def value(row, side: str) -> str:
        x, country = row[f"value_{side}"], row[f"country_{side}"]
        if row["measure"] == "first_adoption":
            key = (country, row["role"], row["platform"])
            return fmt_date(first_dates[key], lang) if key in first_dates else ""
        if row["dimension"] == "audience":
            given, n = figures_given.get(
                (country, row["role"], row["platform"], row["measure"]), (0, 0)
            )
            if pd.isna(x):
                return t["no_account"] if n == 0 else t["not_given"]
            text = fmt_quantity(x, row[f"qualifier_{side}"], lang)
            if given < n:
                text += f" ({t['accounts_of'].format(given=given, n=n)})"
            return text
        return fmt_stat(x, lang)

    rows = [r for _, r in comparisons.iterrows()]
    table = {
        t["dimension"]: dim_col,
        t["measure"]: [measure_label(r, lang) for r in rows],
        **{str(first[f"country_{side}"]): [value(r, side) for r in rows] for side in "ab"},
        t["contrast"]: [_contrast_text(r, lang) for r in rows],
        t["effect"]: [_effect_text(r, lang) for r in rows],
    }
    if (comparisons["test"] != "").any():
        p_adj = comparisons["p_adjusted"] if "p_adjusted" in comparisons else comparisons["p_value"]
        table[t["test"]] = [test_label(r["test"], r["measure"], lang) for r in rows]
        table[t["p"]] = [fmt_p(x, lang) for x in comparisons["p_value"]]
        table[t["p_adjusted"]] = [fmt_p(x, lang) for x in p_adj]
        table[t["p_min"]] = [fmt_p(r["p_min"], lang) if r["test"] else "" for r in rows]
    out = pd.DataFrame(table)
    empty = [c for c in (t["contrast"], t["effect"]) if (out[c] == "").all()]
    return out.drop(columns=empty)


def replication_table(check: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The replication check with the verdict and the evidence in `lang`.

    `check` is :func:`analysis.core.replication.verdicts` (worded here) or already worded
    (:func:`analysis.report.evidence.check`). The article's statements stay in its own
    words (Spanish) in both languages; the basis says whether a verdict checks the
    transcription (same sentence), the article's consistency (another place), or an
    outside source. A reader finds a statement by its words: the claim ids stay in
    ``claims.csv`` and in the results (``replication.csv``), in the same order.
    """
    check_lang(lang)
    if "evidence" not in check.columns:
        check = evidence.worded(check, lang)
    t = words("tables", lang)
    return pd.DataFrame(
        {
            t["statement"]: check["statement"].tolist(),
            t["basis"]: [t[f"basis_{b}"] for b in check["basis"]],
            t["verdict"]: [t.get(v, v) for v in check["verdict"]],
            t["evidence"]: check["evidence"].fillna("").tolist(),
        }
    )


def replication_open(check: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The statements the data contradict or cannot decide: the part of the check to read."""
    return replication_table(check[check["verdict"] != "agree"].reset_index(drop=True), lang)


def replication_summary(check: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Verdicts by basis: how many statements agree, disagree or stay undecided, and on what.

    `check` is :func:`analysis.core.replication.verdicts` (or the worded check).
    """
    check_lang(lang)
    t = words("tables", lang)
    counts = check.groupby(["basis", "verdict"]).size()
    rows = []
    for basis in BASES:
        row = {t["basis"]: t[f"basis_{basis}"]}
        row.update({t[v]: int(counts.get((basis, v), 0)) for v in VERDICTS})
        row[t["total"]] = sum(row[t[v]] for v in VERDICTS)
        rows.append(row)
    total = {t["basis"]: t["total"]}
    total.update({k: sum(r[k] for r in rows) for k in rows[0] if k != t["basis"]})
    return pd.DataFrame([*rows, total])


def robustness_table(robust: pd.DataFrame, study: Study, lang: str = "en") -> pd.DataFrame:
    """The conclusions that flip under a reading of the article (:func:`analysis.core.
    robustness.robustness`): each with its conclusion as built and, per reading that
    changes it, the conclusion under that reading. What holds is counted in the prose."""
    check_lang(lang)
    t = words("robustness", lang)
    verdict_words = words("tables", lang)
    names = {"a": study.country_name(study.a, lang), "b": study.country_name(study.b, lang)}
    reading_names = t["readings"]
    claims = study.claims
    statements = (
        dict(zip(claims["claim_id"], claims["statement"], strict=True))
        if {"claim_id", "statement"} <= set(claims.columns)
        else {}
    )

    def said(row, code: str) -> str:
        if row["kind"] == "statement":
            return verdict_words.get(code, code)
        later = row["measure"] in ("first_adoption",)
        key = {"a": "later" if later else "more", "b": "later" if later else "more"}.get(code)
        if key:
            return t[key].format(country=names[code])
        return t.get(code or "none", code)

    # one sentence tested for several platforms is told apart by the platform it is held to
    platforms = {}
    if {"claim_id", "params"} <= set(claims.columns):
        for cid, params in zip(claims["claim_id"], claims["params"], strict=True):
            platform = parse_params(params).get("platform")
            if platform:
                platforms[cid] = codebook.label("platforms", platform, lang, study.data_dir)
    shown = robust.loc[~robust["holds"] & (robust["kind"] == "statement"), "claim_id"]
    times = Counter(map(statements.get, shown))

    rows = []
    for _, r in robust[~robust["holds"]].iterrows():
        if r["kind"] == "statement":
            # the statement in the article's words; its id stays in the CSV
            statement = statements.get(r["claim_id"], r["claim_id"])
            what = f"{t['statement']}: “{statement}”"
            if times[statement] > 1 and r["claim_id"] in platforms:
                what += f" ({platforms[r['claim_id']]})"
        else:
            what = measure_label(r, lang)
        under = [
            f"{reading_names.get(n, n)}: {said(r, r[n])}" for n in str(r["flips_under"]).split()
        ]
        rows.append(
            {
                t["conclusion"]: what,
                t["primary"]: said(r, r["primary"]),
                t["flips"]: "; ".join(under),
            }
        )
    return pd.DataFrame(rows, columns=[t["conclusion"], t["primary"], t["flips"]])


def to_markdown(df: pd.DataFrame) -> str:
    """A pipe table (pandoc/GitHub markdown) of `df`, index left out.

    Written here rather than through ``DataFrame.to_markdown`` so the project
    needs no ``tabulate``; every cell is literal text (:func:`escape_markdown`),
    missing cells are blank, numeric columns are right-aligned.
    """
    header = [escape_markdown(c) for c in df.columns]
    body = [[escape_markdown(v) for v in row] for row in df.itertuples(index=False)]
    align = [
        "---:"
        if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
        else "---"
        for c in df.columns
    ]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(lines) + "\n"


def to_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write `df` as CSV (:func:`analysis.base.files.csv_text`: formulas neutralised), atomically.

    The same DataFrame always gives the same bytes, so builds can be compared.
    """
    return write_atomic(path, csv_text(df))
