"""The numbers the paper quotes in its prose, one function per dimension.

Tables and figures carry most results; these are the few counts a sentence
needs ("all ten institutions have a website", "six of ten criteria"). They
are computed here, not in a notebook, so tests cover them.
"""

from __future__ import annotations

from importlib.metadata import version

import pandas as pd

from analysis.core.platforms import unchecked_platforms
from analysis.core.reliability import reliability
from analysis.core.stats import min_sign_test_p
from analysis.data import dates, provenance, readings
from analysis.data.codebook import label, labels, load_codebook
from analysis.data.load import Study
from analysis.report import tables
from analysis.report.text import fmt_date, words


def _per_country(study: Study, series) -> dict[str, int]:
    return {c: int(series.get(c, 0)) for c in study.pair}


def presence_values(study: Study) -> dict:
    """Counts of institutions, websites, blogs, accounts and platforms per country."""
    inst, acc = study.institutions, study.accounts
    by = inst.groupby("country")
    platforms = acc.drop_duplicates(["country", "platform"]).groupby("country").size()
    per_inst = (
        acc.drop_duplicates(["country", "role", "platform"]).groupby(["country", "role"]).size()
    )
    # institution-platform cells still to check, per country (scanned once)
    todo = pd.Series({key: len(v) for key, v in unchecked_platforms(study).items()}, dtype="int64")
    return {
        "institutions": _per_country(study, by.size()),
        # who has an audience figure on each platform: a figure is drawn only for both
        "audience_given": {
            p: tables.countries_given(study, p) for p in sorted(set(acc["platform"]))
        },
        "with_website": _per_country(study, by["website"].sum()),
        "with_blog": _per_country(study, by["blog"].sum()),
        "with_participation": _per_country(study, by["participation"].sum()),
        # how many institutions were checked for each: an empty cell is unknown, not "no"
        "checked_website": _per_country(study, by["website"].count()),
        "checked_blog": _per_country(study, by["blog"].count()),
        "checked_participation": _per_country(study, by["participation"].count()),
        "features_checked": bool(inst[["website", "blog", "participation"]].notna().all().all()),
        "platforms_unchecked": _per_country(study, todo.groupby(level=0).sum()),
        "accounts": _per_country(study, acc.groupby("country").size()),
        "platforms": _per_country(study, platforms),
        "min_platforms_per_institution": {
            c: int(per_inst.loc[c].min()) if c in per_inst.index.get_level_values(0) else 0
            for c in study.pair
        },
        "accounts_with_followers": _per_country(
            study, acc[acc["followers"].notna()].groupby("country").size()
        ),
        # Tabla 1 counts platforms per institution; the text names a second account on
        # some of them: say what is counted
        "platform_entries": _per_country(study, per_inst.groupby(level=0).sum()),
        "shared_entries": {
            c: [
                " / ".join(g["handle"].fillna("?"))
                for _, g in acc[acc["country"] == c].groupby(["role", "platform"], sort=False)
                if len(g) > 1
            ]
            for c in study.pair
        },
        "accounts_dated": _per_country(
            study, acc[acc["created"].notna()].groupby("country").size()
        ),
    }


def blog_notes(study: Study, lang: str = "en") -> list[dict]:
    """The institutions whose blog value is contested, with the words the other reading rests
    on (``blog_note``) and the value the data follow (``counted``: true, a blog)."""
    inst = study.institutions
    noted = inst[inst["blog"].notna() & inst["blog_note"].notna()]
    roles = labels("roles", lang, study.data_dir)
    return [
        {
            "country": study.country_name(r.country, lang),
            "institution": roles[r.role],
            "note": r.blog_note,
            "counted": bool(r.blog),
        }
        for r in noted.itertuples()
    ]


def statistics_values(study: Study, comparisons) -> dict:
    """What the tests could say: the smallest p of five matched pairs, before and after Holm.

    With n matched institutions the smallest two-sided p of an exact sign or McNemar test
    is 2 / 2**n; Holm over k such comparisons multiplies it by k.
    """
    n = int(study.institutions.groupby("country").size().reindex(study.pair).min())
    matched = comparisons[
        (comparisons["dimension"] == "presence")
        & comparisons["measure"].isin(
            [
                "platforms_per_institution",
                "presence_index",
                "institutions_using",
                "institutions_with",
            ]
        )
    ]
    k = len(matched)
    p_min = min_sign_test_p(n)
    return {
        "matched_institutions": n,
        "matched_comparisons": k,
        "p_min_matched": p_min,
        "p_min_matched_holm": min(1.0, k * p_min),
        "tests": int((comparisons["test"] != "").sum()),
    }


def comparison_values(study: Study, comparisons, lang: str = "en") -> dict:
    """The comparisons the prose quotes: matched audiences and the adoption gaps.

    ``audiences``: every matched institution and platform where both countries give an
    exact figure (metric, institution, platform, the two values, the ratio a / b).
    ``gaps``: the first-account gap in months (estimate and range) overall (``any``) and
    for the foreign ministries, None where the dates do not give one; ``later``: on how
    many platforms each country certainly came later.
    """
    roles = labels("roles", lang, study.data_dir)
    platforms = labels("platforms", lang, study.data_dir)
    aud = comparisons[(comparisons["dimension"] == "audience") & comparisons["estimate"].notna()]
    acc = study.accounts

    def dated(country: str, role: str, platform: str) -> bool:
        mine = acc[(acc["country"] == country) & (acc["role"] == role)]
        return bool(mine.loc[mine["platform"] == platform, "as_of"].notna().any())

    snapshots = study.countries.set_index("iso3")["snapshot"]

    def rate(country: str, role: str, platform: str, metric: str):
        """The figure per month since the account opened, (low, high), where one account
        gives it with its opening date and the date of the figure (or the snapshot)."""
        mine = acc[(acc["country"] == country) & (acc["role"] == role)]
        mine = mine[(mine["platform"] == platform) & mine[metric].notna()]
        if len(mine) != 1 or pd.isna(mine["created"].iloc[0]):
            return None
        counted = mine["as_of"].iloc[0]
        if pd.isna(counted):
            counted = snapshots.get(country)
        if counted is None or pd.isna(counted):
            return None
        opened = dates.parse(str(mine["created"].iloc[0]))
        low, high = dates.per_month(float(mine[metric].iloc[0]), opened, dates.parse(str(counted)))
        return {"low": low, "high": high}

    def order(ra, rb) -> str:
        if ra is None or rb is None:
            return ""
        if ra["low"] > rb["high"]:
            return "a"
        return "b" if ra["high"] < rb["low"] else "undecided"

    audiences = [
        {
            "metric": r.measure,
            "institution": roles[r.role],
            "platform": platforms[r.platform],
            "a": r.value_a,
            "b": r.value_b,
            "ratio": r.estimate,
            # a total accumulates from the opening: beside it, the rate per month since then
            "rate_a": (ra := rate(study.a, r.role, r.platform, r.measure)),
            "rate_b": (rb := rate(study.b, r.role, r.platform, r.measure)),
            "rate_more": order(ra, rb),  # which country has more a month
            "total_more": "a" if r.estimate > 1 else ("b" if r.estimate < 1 else "equal"),
            # a figure the source does not date may not be of the same month as the other
            "undated": [
                study.country_name(c, lang) for c in study.pair if not dated(c, r.role, r.platform)
            ],
        }
        for r in aud.itertuples()
    ]
    first = comparisons[comparisons["measure"] == "first_adoption"]
    gaps: dict = {"any": None, "foreign_ministry": None}  # the template asks for both
    for key, sel in (
        ("any", (first["role"] == "") & (first["platform"] == "")),
        ("foreign_ministry", first["role"] == "foreign_ministry"),
    ):
        row = first[sel]
        if len(row) and row["estimate"].notna().all():
            r = row.iloc[0]
            undated = 0 if pd.isna(r.n_missing) else int(r.n_missing)
            gaps[key] = {
                "estimate": r.estimate,
                "low": r.ci_low,
                "high": r.ci_high,
                "undated": undated,  # an undated account could be the first
            }
    over = comparisons[comparisons["measure"] == "adoption_gap_over_platforms"]
    later = (
        {
            "a": int(over["value_a"].iloc[0]),
            "b": int(over["value_b"].iloc[0]),
            "dated": int(over["n"].iloc[0]),
            "undecided": int(over["n"].iloc[0] - over["value_a"].iloc[0] - over["value_b"].iloc[0]),
            # undated accounts of the later country that could overturn a decided platform
            "undated": int(over["n_missing"].iloc[0]),
        }
        if len(over)
        else None
    )
    return {"audiences": audiences, "gaps": gaps, "later": later}


def software_values() -> dict:
    """The versions of the software the paper was built with (the pinned ones)."""
    names = ("pandas", "numpy", "scipy", "statsmodels", "matplotlib", "papermill", "krippendorff")
    out = {name: version(name) for name in names}
    import pypandoc  # lazy: start-up time

    out["pandoc"] = pypandoc.get_pandoc_version()  # the binary pypandoc-binary ships
    out["typst"] = version("typst")
    return out


def website_values(study: Study) -> dict:
    """Criteria met and recorded per country, out of the codebook's criteria."""
    crit = study.website_criteria
    by = crit.groupby("country")["present"]
    return {
        "criteria_met": _per_country(study, by.sum()),
        "criteria_recorded": _per_country(study, by.count()),
        "criteria_total": int(crit["criterion"].nunique()),
    }


def agenda_values(study: Study) -> dict:
    """How many account-topic codes and distinct topics each country has."""
    ag = study.agenda
    return {
        "agenda_codes": _per_country(study, ag.groupby("country").size()),
        "agenda_topics": _per_country(study, ag.groupby("country")["topic"].nunique()),
        "agenda_accounts": _per_country(
            study, ag.drop_duplicates(["country", "role", "platform"]).groupby("country").size()
        ),
    }


def pair_values(study: Study, lang: str = "en") -> dict:
    """The pair's ISO codes and names in `lang` (``a``, ``b``, ``name_a``, ``name_b``), and
    the platforms' names in `lang` (``platform_names``, from the codebook)."""
    return {
        "a": study.a,
        "b": study.b,
        "name_a": study.country_name(study.a, lang),
        "name_b": study.country_name(study.b, lang),
        "platform_names": labels("platforms", lang, study.data_dir),
    }


def interaction_values(study: Study, measured=None, lang: str = "en") -> dict:
    """How many levels are measured and judged per country, and each judgement in words
    (one judgement of several countries once)."""
    levels = tables.interaction_levels(study, measured)
    judged = levels[levels["method"] == "judged"]
    roles = labels("roles", lang, study.data_dir)
    inter = study.interaction
    book = load_codebook(study.data_dir)
    return {
        "measured_sources": measured_sources(study, measured, lang),
        "level_min_posts": int(book.get("level_min_posts", 1)),
        # the narrowest level's width: what one post must not outweigh
        "level_step": min(
            v["min_share"] for v in book["account_levels"].values() if v["min_share"]
        ),
        "measured_accounts": _per_country(
            study, measured.groupby("country").size() if measured is not None else {}
        ),
        "measured_platforms": sorted(set(measured["platform"])) if measured is not None else [],
        "judged_rows": _per_country(
            study, inter[inter["method"] == "judged"].groupby("country").size()
        ),
        "judged": [
            {
                "countries": tables.countries_name(study, r.countries, lang),
                "joint": len(r.countries) > 1,
                "scope": roles.get(r.role) if isinstance(r.role, str) else None,
                "level": label("account_levels", r.level, lang),
                "evidence": r.evidence,
            }
            for r in judged.itertuples()
        ],
    }


def measured_sources(study: Study, measured=None, lang: str = "en") -> list[dict]:
    """Where each country's measured levels come from: per platform, the accounts with a
    level, those with too few posts for one, and the first and last day of their posts.

    Only accounts whose exports record their replies count (a share of replies is known).
    """
    if measured is None or not len(measured):
        return []
    rows = measured[measured["country"].isin(study.pair) & measured["reply_share"].notna()]
    platforms = labels("platforms", lang, study.data_dir)
    order = {c: i for i, c in enumerate(study.pair)}
    out = []
    for (country, platform), part in sorted(
        rows.groupby(["country", "platform"]), key=lambda kv: (order[kv[0][0]], kv[0][1])
    ):
        out.append(
            {
                "country": study.country_name(country, lang),
                "platform": platforms.get(platform, platform),
                "accounts": int(part["level"].notna().sum()),
                "few": int(part["level"].isna().sum()),
                "first": fmt_date(
                    pd.Timestamp(part["first_post"].min()).strftime("%Y-%m-%d"), lang
                ),
                "last": fmt_date(pd.Timestamp(part["last_post"].max()).strftime("%Y-%m-%d"), lang),
            }
        )
    return out


def reliability_values(study: Study) -> dict | None:
    """Krippendorff's alpha of the pair's hand-coded samples, per variable; None without any."""
    codes = study.hand_codes
    if codes.empty:
        return None
    out = {}
    for variable, level in (("level", "ordinal"), ("topic", "nominal")):
        sample = codes[codes["variable"] == variable]
        if sample["coder"].nunique() < 2:
            continue
        result = reliability(sample[["unit", "coder", "code"]], level=level)
        out[variable] = {
            k: getattr(result, k) for k in ("alpha", "ci_low", "ci_high", "n_units", "n_coders")
        }
    return out or None


def completeness_values(study: Study, lang: str = "en") -> list[dict]:
    """Per country of the pair: values filled of all values, rows without a source, and
    the values each kind of source gives (``by_source``: the article, Wikidata...).

    Summarises :func:`analysis.data.provenance.completeness`, the report of ``make
    check-data``, and :func:`analysis.data.provenance.completeness_by_source`.
    """
    table = provenance.completeness(study.data_dir)
    sources = provenance.completeness_by_source(study.data_dir)
    said = words("sources", lang)
    out = []
    for iso in study.pair:
        cited = provenance.origins(study.tables, iso, study.data_dir).get("article") or {}
        publications = f" {said['and']} ".join(
            _publication(p) for p in cited.get("publications") or []
        )
        part = table[table["country"] == iso]
        filled, cells = int(part["filled"].sum()), int(part["filled"].sum() + part["missing"].sum())
        mine = sources[sources["country"] == iso].groupby("source", sort=False)["filled"].sum()
        out.append(
            {
                "iso3": iso,
                "name": study.country_name(iso, lang),
                "cells": cells,
                "filled": filled,
                "share": filled / cells if cells else 0.0,
                "no_source": int(part["without_source"].sum()),
                "by_source": [
                    {
                        "source": code,
                        "words": f" {said['and']} ".join(
                            said[k].format(publications=publications) for k in code.split("+")
                        ),
                        "filled": int(n),
                    }
                    for code, n in mine.items()
                    if n
                ],
            }
        )
    return out


def _publication(citation: str) -> str:
    """``Benayas 2021`` as a reader cites it: ``Benayas (2021)``."""
    author, _, year = citation.rpartition(" ")
    year = year.strip("()")
    return f"{author} ({year})" if author else citation


def origin_values(study: Study, lang: str = "en") -> dict:
    """Where each country's data come from, for the sentences chosen from provenance.

    ``rerun`` is true when both countries rest only on one and the same publication,
    the case of a rerun of a published study; otherwise the paper is a new comparison.
    Per country (``by_country``, in pair order): the kinds of source with what each
    gives (:func:`analysis.data.provenance.origins`), the publications cited, whether
    the country has statements of a publication to check (``claims``), and its exports.
    """
    said = words("sources", lang)
    out = []
    for iso in study.pair:
        o = provenance.origins(study.tables, iso, study.data_dir)
        kinds = []
        for kind in o["kinds"]:
            k = o[kind]
            publications = [_publication(p) for p in k["publications"]]
            days = [fmt_date(d, lang) for d in k["days"]] if k["days"] else []
            kinds.append(
                {
                    "kind": kind,
                    "n_values": k["values"],
                    "n_coded": k["coded"],
                    "words": said[kind].format(publications=f" {said['and']} ".join(publications)),
                    "publications": publications,
                    "n_items": len(k["items"]),
                    "first_day": days[0] if days else None,
                    "last_day": days[-1] if days else None,
                    # a person's citations are quoted as written (at most three)
                    "citations": k["citations"][:3] if kind == "hand" else [],
                    "more_citations": max(len(k["citations"]) - 3, 0) if kind == "hand" else 0,
                }
            )
        out.append(
            {
                "iso3": iso,
                "name": study.country_name(iso, lang),
                "kinds": [k["kind"] for k in kinds],
                "sources": kinds,
                "publications": [p for k in kinds for p in k["publications"]],
                "claims": o["claims"],
                "exports": sum(o["exports"].values()),
                "unsourced": o["unsourced"],
            }
        )
    pubs = {tuple(c["publications"]) for c in out}
    rerun = all(c["kinds"] == ["article"] for c in out) and len(pubs) == 1
    kinds = {k for c in out for k in c["kinds"]}
    return {
        "rerun": rerun,
        "kinds": [k for k in provenance.SOURCE_KINDS if k in kinds],
        "collected": bool(kinds & provenance.COLLECTED),
        "publication": out[0]["publications"][0] if rerun and out[0]["publications"] else None,
        "claims": any(c["claims"] for c in out),
        "by_country": out,
    }


def robustness_values(robust: pd.DataFrame, study: Study, lang: str = "en") -> dict:
    """How many conclusions hold under every reading, the readings by name
    (:func:`analysis.core.robustness.robustness`), and those the data were written under
    (``applied``: ``make paper READING=...``; empty for the primary reading)."""
    fixed = {"kind", "dimension", "measure", "role", "platform", "subgroup", "claim_id"}
    fixed |= {"primary", "flips_under", "holds"}
    names = [c for c in robust.columns if c not in fixed]
    said = words("robustness", lang)["readings"]
    kinds = robust.groupby("kind")["holds"].agg(["size", "sum"])
    count = {k: (int(kinds.loc[k, "size"]) if k in kinds.index else 0) for k in kinds.index}
    held = {k: (int(kinds.loc[k, "sum"]) if k in kinds.index else 0) for k in kinds.index}
    return {
        "applied": [said.get(n, n) for n in readings.applied(study.data_dir)],
        "readings": [said.get(n, n) for n in names if n != "all_alternative"],
        "together": "all_alternative" in names,
        "total": len(robust),
        "hold": int(robust["holds"].sum()),
        "comparisons": count.get("comparison", 0),
        "comparisons_hold": held.get("comparison", 0),
        "statements": count.get("statement", 0),
        "statements_hold": held.get("statement", 0),
    }
