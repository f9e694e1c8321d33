"""Tables of the study: Tabla 1, Tabla 2, the numbers behind Figuras 1-3, and renderers.

Builders take a :class:`analysis.load.Study` and a language (``en`` or ``es``)
and return display DataFrames whose cells are already formatted text, so a
notebook, the markdown renderer and the CSV writer all show the same thing.
Labels come from the codebook; the few table words live in :data:`TEXTS`.

Number formatting (:func:`fmt_number`) is shared by the figures and the paper:

>>> fmt_number(870000, "en"), fmt_number(870000, "es"), fmt_number(4200, "es")
('870,000', '870\\xa0000', '4200')
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import yaml

from analysis import codebook

#: Thousands separator per language. Spanish uses a NO-BREAK SPACE (U+00A0), the
#: article's "870 000" without letting a line break split the number.
THOUSANDS_SEP = {"en": ",", "es": "\u00a0"}
#: Decimal separator per language.
DECIMAL_SEP = {"en": ".", "es": ","}

#: The words of tables and figures live in paper/text/labels.yml (no sentence in code).
LABELS_FILE = codebook.REPO_ROOT / "paper" / "text" / "labels.yml"
LABELS = yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8"))

#: The words of the tables, per language; the figures extend this dict.
TEXTS = LABELS["tables"]

MARK_YES, MARK_NO = "X", "-"


def _check_lang(lang: str) -> None:
    if lang not in codebook.LANGUAGES:
        raise ValueError(f"language must be one of {codebook.LANGUAGES}, not {lang!r}")


def fmt_number(x, lang: str = "en", decimals: int | None = None) -> str:
    """Format a number the way each language writes it; missing gives ``""``.

    English: ``870,000`` and ``0.6``. Spanish (RAE, and the article): a no-break
    space groups thousands (``870 000``), four-digit numbers stay ungrouped
    (``4200``), and the decimal mark is a comma (``0,6``).

    Parameters
    ----------
    x : number or NA
    lang : {"en", "es"}
    decimals : int, optional
        Fixed decimals; by default whole numbers get none and others the
        shortest form up to six decimals.

    >>> fmt_number(0.6, "es"), fmt_number(1234.5, "es"), fmt_number(2.5, "en", 2)
    ('0,6', '1234,5', '2.50')
    """
    _check_lang(lang)
    if x is None or pd.isna(x):
        return ""
    x = float(x)
    if decimals is None:
        text = f"{abs(x):,.0f}" if x.is_integer() else f"{abs(x):,.6f}".rstrip("0").rstrip(".")
    else:
        text = f"{abs(x):,.{decimals}f}"
    whole, _, frac = text.partition(".")
    if lang == "es" and len(whole.replace(",", "")) <= 4:
        whole = whole.replace(",", "")
    whole = whole.replace(",", THOUSANDS_SEP[lang])
    sign = "-" if x < 0 and any(c not in "0.," for c in text) else ""
    return sign + whole + (DECIMAL_SEP[lang] + frac if frac else "")


def fmt_percent(share, lang: str = "en", decimals: int = 0) -> str:
    """A share (0-1) as a percentage: ``25%`` in English, ``25 %`` in Spanish (RAE)."""
    if share is None or pd.isna(share):
        return ""
    number = fmt_number(round(float(share) * 100, decimals), lang, decimals)
    return number + ("\u00a0%" if lang == "es" else "%")


def fmt_quantity(value, qualifier=None, lang: str = "en", missing: str | None = None) -> str:
    """A figure with the article's qualifier: ``more than 720,000`` / ``más de 720 000``.

    A missing value gives `missing` (default: "not given" in `lang`), never a guess.
    """
    _check_lang(lang)
    if value is None or pd.isna(value):
        return TEXTS[lang]["not_given"] if missing is None else missing
    text = fmt_number(value, lang)
    if qualifier is not None and not pd.isna(qualifier):
        text = f"{codebook.label('qualifiers', qualifier, lang)} {text}"
    return text


def _cell_mark(value) -> str:
    """True/False/NA as the article marks them: X, - and blank for not given."""
    if value is None or pd.isna(value):
        return ""
    return MARK_YES if bool(value) else MARK_NO


def presence(study) -> pd.DataFrame:
    """Which platforms each institution uses: one row per country x role x platform used.

    The tidy basis of Tabla 1 and of the presence heatmap. Columns: country,
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


def unchecked(study) -> set[tuple[str, str, str]]:
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
    return [
        book[p]["abbr"] if book[p]["abbr"] != "o" else f"o ({book[p][lang]})"
        for p in sorted(set(platforms), key=order.index)
    ]


def platform_cell(platforms, lang: str = "en", data_dir=None, not_checked=()) -> str:
    """Tabla 1's social-network cell: abbreviations in codebook order, others as ``o (Name)``.

    The codebook gives LinkedIn its own abbreviation ``li`` (as Tabla 1's legend
    does), so it renders as ``li`` where the article's cell writes ``o (LinkedIn)``.
    No platform gives ``-``; platforms still to check are named after a
    semicolon (``tw, fb; not checked: yt``).

    >>> platform_cell(["youtube", "twitter", "telegram"])
    'tw, yt, o (Telegram)'
    """
    _check_lang(lang)
    parts = ", ".join(_abbreviations(platforms, lang, data_dir))
    todo = [p for p in not_checked if p not in set(platforms)]
    if todo:
        note = f"{TEXTS[lang]['not_checked']}: {', '.join(_abbreviations(todo, lang, data_dir))}"
        return f"{parts}; {note}" if parts else note
    return parts or MARK_NO


def tabla1(study, lang: str = "en") -> pd.DataFrame:
    """Tabla 1: website and social networks of each institution, for both countries.

    One row per role in codebook order. Website cells are ``X`` / ``-`` / blank
    (not given), with ``*`` (``**``...) where institutions.csv has a
    ``website_note``: the footnotes, with the legend of the abbreviations, come
    from :func:`tabla1_notes`. Social-network cells follow :func:`platform_cell`.

    >>> from analysis import load
    >>> tabla1(load.study("MEX", "CHL")).iloc[0, -1]
    'tw, fb, ig, yt, o (Telegram)'
    """
    _check_lang(lang)
    t = TEXTS[lang]
    a, b = study.pair
    names = {c: study.country_name(c, lang) for c in study.pair}
    inst = study.institutions.set_index(["country", "role"])
    used = presence(study).groupby(["country", "role"])["platform"].agg(list)
    todo = unchecked(study)
    marks = _footnote_marks(study)
    rows = []
    for role, role_label in codebook.labels("roles", lang, study.data_dir).items():
        row = {t["institution"]: role_label}
        for c in (a, b):
            site = inst.at[(c, role), "website"] if (c, role) in inst.index else None
            row[f"{t['website']} ({names[c]})"] = _cell_mark(site) + marks.get((c, role), "")
        for c in (a, b):
            row[f"{t['social']} ({names[c]})"] = platform_cell(
                used.get((c, role), []),
                lang,
                study.data_dir,
                [p for (c2, r2, p) in sorted(todo) if (c2, r2) == (c, role)],
            )
        rows.append(row)
    return pd.DataFrame(rows)


def _footnote_marks(study) -> dict[tuple[str, str], str]:
    """``*``, ``**``... for the institutions with a website note, in Tabla 1's order."""
    inst = study.institutions
    noted = inst[inst["website_note"].notna()] if "website_note" in inst else inst.iloc[:0]
    roles = codebook.categories("roles", study.data_dir)
    order = sorted(
        zip(noted["country"], noted["role"], strict=True),
        key=lambda cr: (roles.index(cr[1]), study.pair.index(cr[0])),
    )
    return {cr: "*" * (i + 1) for i, cr in enumerate(order)}


def tabla1_notes(study, lang: str = "en") -> list[str]:
    """The lines under Tabla 1: the legend of the abbreviations, then each footnote.

    The legend is the codebook's (as the article's: ``tw (Twitter)`` ... ``o (others)``);
    a footnote quotes the source's words from institutions.csv's ``website_note``.
    """
    _check_lang(lang)
    book = codebook.load_codebook(study.data_dir)
    core = [f"{v['abbr']} ({v[lang]})" for v in book["platforms"].values() if v["abbr"] != "o"]
    legend = f"{TEXTS[lang]['social']}: {', '.join(core)}, o ({TEXTS[lang]['others']})."
    inst = study.institutions.set_index(["country", "role"])
    notes = [
        f"X{mark} ({study.country_name(c, lang)}): {inst.at[(c, r), 'website_note']}"
        for (c, r), mark in _footnote_marks(study).items()
    ]
    return [legend, *notes]


def tabla2(study, lang: str = "en") -> pd.DataFrame:
    """Tabla 2: the ten website criteria of the foreign ministries, with a total row.

    Cells are ``X`` / ``-`` / blank (not given). The last row counts the
    criteria met (6 for Mexico, 8 for Chile in the article); criteria not given
    are counted apart, e.g. ``6 (1 not given)``.
    """
    _check_lang(lang)
    t = TEXTS[lang]
    crit = study.website_criteria.set_index(["country", "criterion"])["present"]
    labels = codebook.labels("website_criteria", lang, study.data_dir)
    out = pd.DataFrame({t["content"]: list(labels.values())})
    totals = {t["content"]: t["criteria_met"]}
    for c in study.pair:
        values = [crit.get((c, k), pd.NA) for k in labels]
        out[study.country_name(c, lang)] = [_cell_mark(v) for v in values]
        met = sum(1 for v in values if not pd.isna(v) and bool(v))
        missing = sum(1 for v in values if pd.isna(v))
        totals[study.country_name(c, lang)] = str(met) + (
            f" ({missing} {t['not_given']})" if missing else ""
        )
    return pd.concat([out, pd.DataFrame([totals])], ignore_index=True)


def metric_by_institution(study, platform: str, metric: str = "followers") -> pd.DataFrame:
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
    rows = []
    for c in study.pair:
        for role in codebook.categories("roles", study.data_dir):
            own = acc[(acc["country"] == c) & (acc["role"] == role)]
            given = own[own[metric].notna()]
            quals = set(given[f"{metric}_qualifier"].fillna(""))
            rows.append(
                {
                    "country": c,
                    "role": role,
                    "accounts": len(own),
                    "given": len(given),
                    "value": given[metric].sum() if len(given) else pd.NA,
                    "qualifier": (quals.pop() or pd.NA) if len(quals) == 1 else pd.NA,
                    "handles": "; ".join(own["handle"].dropna()),
                    "checked": (c, role, platform) not in todo,
                }
            )
    out = pd.DataFrame(rows)
    out["value"] = out["value"].astype("Int64")
    out["qualifier"] = out["qualifier"].astype("string")
    return out


def _metric_text(row, lang: str) -> str:
    t = TEXTS[lang]
    if row["accounts"] == 0:
        return t["no_account"] if row["checked"] else t["not_checked"]
    text = fmt_quantity(row["value"], row["qualifier"], lang)
    if 0 < row["given"] < row["accounts"]:
        text += f" ({t['accounts_of'].format(given=row['given'], n=row['accounts'])})"
    return text


def followers_table(
    study, platform: str, lang: str = "en", metric: str = "followers"
) -> pd.DataFrame:
    """The numbers behind Figuras 1-3: institution x country, as the article words them.

    Cells read ``more than 720,000``, ``not given`` (account without a figure)
    or ``no account``; when only some of an institution's accounts have a
    figure, it says so (``59,000 (1 of 2 accounts)``).
    """
    _check_lang(lang)
    long = metric_by_institution(study, platform, metric)
    long["text"] = [_metric_text(r, lang) for _, r in long.iterrows()]
    wide = long.pivot(index="role", columns="country", values="text")
    roles = codebook.labels("roles", lang, study.data_dir)
    out = pd.DataFrame({TEXTS[lang]["institution"]: list(roles.values())})
    for c in study.pair:
        out[study.country_name(c, lang)] = wide.loc[list(roles), c].tolist()
    return out


def accounts_table(study, lang: str = "en") -> pd.DataFrame:
    """Every account of the pair, for the appendix: who, where, opened, and its figures.

    Dates stay at the precision the source gives (``2009``, ``2009-12``);
    missing figures are blank.
    """
    _check_lang(lang)
    t = TEXTS[lang]
    roles = codebook.labels("roles", lang, study.data_dir)
    platforms = codebook.labels("platforms", lang, study.data_dir)
    acc = study.accounts
    order = presence(study)[["country", "role", "platform"]].reset_index()
    acc = acc.merge(order, on=["country", "role", "platform"]).sort_values("index", kind="stable")
    out = pd.DataFrame(
        {
            t["country"]: [study.country_name(c, lang) for c in acc["country"]],
            t["institution"]: acc["role"].map(roles).tolist(),
            t["platform"]: acc["platform"].map(platforms).tolist(),
            t["handle"]: acc["handle"].fillna("").tolist(),
            t["created"]: acc["created"].fillna("").tolist(),
        }
    )
    for metric in ("followers", "posts", "views"):
        out[t[metric]] = [
            fmt_quantity(v, q, lang, missing="")
            for v, q in zip(acc[metric], acc[f"{metric}_qualifier"], strict=True)
        ]
    out[t["as_of"]] = acc["as_of"].fillna("").tolist()
    return out.reset_index(drop=True)


def interaction_levels(study, measured: pd.DataFrame | None = None) -> pd.DataFrame:
    """Judged levels (interaction.csv) and measured ones (coded posts) in one tidy table.

    Judged rows come through :func:`analysis.coding.judged_levels`, so both kinds
    share the layout of :func:`analysis.coding.account_levels`; rows are in pair
    order, judged before measured within a country.
    """
    from analysis import coding

    book = codebook.load_codebook(study.data_dir)
    frames = [coding.judged_levels(study.interaction, book)]
    if measured is not None and len(measured):
        extra = measured[measured["country"].isin(study.pair)].copy()
        method = extra["method"] if "method" in extra.columns else pd.Series(pd.NA, extra.index)
        extra["method"] = method.fillna("measured")
        frames.append(extra)
    rows = pd.concat(frames, ignore_index=True)
    rows["level"] = rows["level"].astype("string")
    order = {c: i for i, c in enumerate(study.pair)}
    rows = rows.sort_values("country", key=lambda s: s.map(order), kind="stable")
    return rows.reset_index(drop=True)


def interaction_who(row, lang: str, roles: dict, platforms: dict) -> str:
    """'Foreign ministry · Twitter @SRE_mx', or 'all profiles consulted' for a country-wide row."""
    who = TEXTS[lang]["all_profiles"] if pd.isna(row["role"]) else roles[row["role"]]
    if not pd.isna(row["platform"]):
        who += f" \u00b7 {platforms[row['platform']]}"
    account = row.get("account")
    if account is None or pd.isna(account):
        account = row.get("account_id")
    if account is not None and not pd.isna(account):
        who += f" {account}"
    return who


#: The rates of analysis.coding.account_levels: replies, shares and likes received per post.
RATE_COLUMNS = ["conversation_rate", "amplification_rate", "applause_rate"]


def interaction_table(study, measured: pd.DataFrame | None = None, lang: str = "en"):
    """Interaction level of each account (or country), saying whether judged or measured.

    Judged rows quote the source's words as evidence and have no share of
    replies; measured rows give the share that set their level.
    """
    _check_lang(lang)
    t = TEXTS[lang]
    rows = interaction_levels(study, measured)
    roles = codebook.labels("roles", lang, study.data_dir)
    platforms = codebook.labels("platforms", lang, study.data_dir)
    levels = codebook.labels("account_levels", lang, study.data_dir)
    table = pd.DataFrame(
        {
            t["country"]: [study.country_name(c, lang) for c in rows["country"]],
            t["institution"]: [
                interaction_who(r, lang, roles, platforms) for _, r in rows.iterrows()
            ],
            t["method"]: [t[m] for m in rows["method"]],
            t["level"]: [levels[k] if pd.notna(k) else "" for k in rows["level"]],
            t["reply_share"]: [fmt_percent(v, lang, 1) for v in rows["reply_share"]],
            t["rates"]: [
                " / ".join(fmt_number(x, lang, 1) if pd.notna(x) else "–" for x in r)
                if pd.notna(r).any()
                else ""
                for r in rows.reindex(columns=RATE_COLUMNS).to_numpy(dtype=float)
            ],
            t["evidence"]: [_interaction_evidence(r, lang) for _, r in rows.iterrows()],
        }
    )
    # without measured rows the share and the rates are empty: leave the columns out
    empty = [c for c in (t["reply_share"], t["rates"]) if (table[c] == "").all()]
    return table.drop(columns=empty)


def _interaction_evidence(row, lang: str) -> str:
    """The source's words for a judged level; the counts behind a measured one, in `lang`."""
    if row.get("method") == "measured" and pd.isna(row.get("reply_share")):
        return TEXTS[lang]["replies_not_recorded"]
    if row.get("method") == "measured" and pd.notna(row.get("posts")):
        return TEXTS[lang]["measured_evidence"].format(
            replies=int(row["n_reply"] + row["n_dialogue"]),
            posts=int(row["posts"]),
            dialogue=int(row["n_dialogue"]),
        )
    return "" if pd.isna(row.get("evidence")) else str(row["evidence"])


def fmt_p(p, lang: str = "en") -> str:
    """A p-value to three decimals, ``<0.001`` below that; blank when there is no test."""
    if p is None or pd.isna(p):
        return ""
    return "<" + fmt_number(0.001, lang, 3) if p < 0.001 else fmt_number(p, lang, 3)


def _fmt_stat(x, lang: str) -> str:
    if x is None or pd.isna(x):
        return ""
    return fmt_number(x, lang, 0 if float(x).is_integer() else 2)


#: How the paper names each measure of analysis.compare; ``{0}`` is the bracketed
#: argument (a platform, role or topic, as its codebook label), ``{1}`` a second one.
MEASURES = LABELS["measures"]

#: The Spanish of the effect sizes and tests that analysis.compare names (phrases,
#: longest first); English is compare's own wording.
PHRASES_ES = LABELS["phrases_es"]


def translate(text, lang: str) -> str:
    """compare's English wording of an effect or test, in `lang` (phrase by phrase)."""
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return ""
    if lang == "en":
        return text
    for en, es in sorted(PHRASES_ES.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(en, es)
    return text


def measure_label(measure: str, lang: str = "en") -> str:
    """A compare measure (``followers[twitter, foreign_ministry]``) in the paper's words.

    Arguments in brackets become codebook labels (platforms, roles, topics); a
    measure the table does not know keeps its own name.
    """
    m = re.fullmatch(r"([a-z_]+)(?:\[([^\]]*)\])?(_[a-z]+)?", measure)
    if not m:
        return measure
    base, args, tail = m.group(1), m.group(2), m.group(3) or ""
    if args is None:
        return MEASURES[lang].get(base + tail, measure)
    parts = [a.strip() for a in args.split(",")]
    key = base + "[" + "," * (len(parts) - 1) + "]" + tail
    if key not in MEASURES[lang]:
        return measure
    book = codebook.load_codebook()
    names = [
        next(
            (book[lst][a][lang] for lst in ("platforms", "roles", "topics") if a in book[lst]),
            TEXTS[lang].get(a, a),
        )
        for a in parts
    ]
    if base == "institutions_with":
        names = [TEXTS[lang].get(f"with_{a}", a) for a in parts]
    if lang == "en":  # role labels are capitalised to stand alone; mid-sentence they are not
        roles = book["roles"]
        names = [
            n[0].lower() + n[1:] if a in roles else n for a, n in zip(parts, names, strict=True)
        ]
    label = MEASURES[lang][key].format(*names)
    return label[0].upper() + label[1:]


def _first_dates(study) -> dict[tuple[str, str], str]:
    """The first opening date per platform, per role and overall, as compare dates it.

    Keys are compare's measures (``first_adoption[twitter]``...) and the country;
    the dates come from :func:`analysis.compare.earliest_date`, which compare uses
    for the gaps, so the table shows the dates behind its numbers.
    """
    from analysis.compare import earliest_date

    out = {}
    for key in ("platform", "role", None):
        for name, part in study.accounts.groupby(["country", key] if key else ["country"]):
            country, what = name if key else (name[0], None)
            text = earliest_date(part["created"])["text"]
            if text:
                out[(f"first_adoption[{what}]" if key else "first_adoption", country)] = text
    return out


def comparisons_table(comparisons: pd.DataFrame, lang: str = "en", study=None) -> pd.DataFrame:
    """The comparisons of :func:`analysis.compare.all_comparisons`, formatted for the paper.

    Rows where neither country has a value are left out (they stay in the CSV);
    the dimension is written once per group. The effect size comes with its
    interval (``[low; high]``: a semicolon, since Spanish decimals use the comma);
    p is adjusted within the dimension's family, and "—" marks a comparison
    without a test (no variation or too few values: the CSV's ``note`` says why).
    With the `study`, first adoptions show the dates as the source gives them
    (``2009-12``, ``2011``) rather than compare's decimal years.
    """
    _check_lang(lang)
    t = TEXTS[lang]
    comparisons = comparisons[comparisons["value_a"].notna() | comparisons["value_b"].notna()]
    comparisons = comparisons.reset_index(drop=True)
    first = comparisons.iloc[0] if len(comparisons) else {"country_a": "a", "country_b": "b"}
    dims = codebook.labels("dimensions", lang)
    dims.update({"website": t["website"], "audience": t["audience"]})
    dim_col = [dims.get(d, d) for d in comparisons["dimension"]]
    dim_col = [d if i == 0 or d != dim_col[i - 1] else "" for i, d in enumerate(dim_col)]
    dates = _first_dates(study) if study is not None else {}

    def value(x, measure, country):
        if measure.startswith("first_adoption"):
            # compare computes with decimal years; the reader sees the date as the source gives it
            if (measure, country) in dates:
                return dates[(measure, country)]
            if x is not None and not pd.isna(x):
                return f"{x:.1f}".replace(".", "," if lang == "es" else ".")
        if x is None or pd.isna(x):
            return ""
        return _fmt_stat(x, lang)

    effect = []
    for v, name, lo, hi in comparisons[
        ["effect_size", "effect_name", "ci_low", "ci_high"]
    ].itertuples(index=False):
        if pd.isna(v):
            effect.append("")
            continue
        text = _fmt_stat(v, lang)
        if not (pd.isna(lo) or pd.isna(hi)):
            text += f" [{_fmt_stat(lo, lang)}; {_fmt_stat(hi, lang)}]"
        if isinstance(name, str) and name:
            text += f" ({translate(name, lang)})"
        effect.append(text)
    p = comparisons["p_adjusted"] if "p_adjusted" in comparisons.columns else comparisons["p_value"]
    return pd.DataFrame(
        {
            t["dimension"]: dim_col,
            t["measure"]: [measure_label(m, lang) for m in comparisons["measure"]],
            **{
                str(first[f"country_{side}"]): [
                    value(x, m, c)
                    for x, m, c in comparisons[
                        [f"value_{side}", "measure", f"country_{side}"]
                    ].itertuples(index=False)
                ]
                for side in ("a", "b")
            },
            t["effect"]: effect,
            t["test"]: [translate(x, lang) for x in comparisons["test"]],
            t["p_adjusted"]: [fmt_p(x, lang) if not pd.isna(x) else "—" for x in p],
        }
    )


def replication_table(check: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The replication check (:func:`analysis.replication.check`) with the verdict in `lang`.

    The article's statements stay in its own words (Spanish) in both languages.
    """
    _check_lang(lang)
    t = TEXTS[lang]
    return pd.DataFrame(
        {
            # a zero-width space after each "_" lets a long identifier wrap in its cell
            t["claim"]: [c.replace("_", "_\u200b") for c in check["claim_id"]],
            t["countries"]: check["countries"].fillna("").tolist(),
            t["statement"]: check["statement"].tolist(),
            t["verdict"]: [t.get(v, v) for v in check["verdict"]],
            t["evidence"]: check["evidence"].fillna("").tolist(),
        }
    )


def _escape(cell) -> str:
    if cell is None or (not isinstance(cell, str) and pd.isna(cell)):
        return ""
    if isinstance(cell, float) and not math.isfinite(cell):
        return ""
    text = str(cell).replace("\\", "\\\\").replace("\n", " ")
    # Characters pandoc's Markdown would read as syntax: "@SRE_mx" as a citation,
    # "X*" as emphasis, "[...]" as a link.
    return re.sub(r"([|@*\[\]<>`])", r"\\\1", text)


def to_markdown(df: pd.DataFrame) -> str:
    """A pipe table (pandoc/GitHub markdown) of `df`, index left out.

    Written here rather than through ``DataFrame.to_markdown`` so the project
    needs no ``tabulate``; ``|`` in cells is escaped, missing cells are blank,
    numeric columns are right-aligned.
    """
    header = [_escape(c) for c in df.columns]
    body = [[_escape(v) for v in row] for row in df.itertuples(index=False)]
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
    """Write `df` as UTF-8 CSV, ``\\n`` line ends, no index, blank for missing.

    The same DataFrame always gives the same bytes, so builds can be compared.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, lineterminator="\n", encoding="utf-8", na_rep="")
    return path
