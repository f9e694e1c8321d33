"""The numbers the paper quotes in its prose, one function per dimension.

Tables and figures carry most results; these are the few counts a sentence
needs ("all ten institutions have a website", "six of ten criteria"). They
are computed here, not in a notebook, so tests cover them.
"""

from __future__ import annotations

from analysis.load import Study


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
    return {
        "institutions": _per_country(study, by.size()),
        "with_website": _per_country(study, by["website"].sum()),
        "with_blog": _per_country(study, by["blog"].sum()),
        "with_participation": _per_country(study, by["participation"].sum()),
        "accounts": _per_country(study, acc.groupby("country").size()),
        "platforms": _per_country(study, platforms),
        "min_platforms_per_institution": {
            c: int(per_inst.loc[c].min()) if c in per_inst.index.get_level_values(0) else 0
            for c in study.pair
        },
        "accounts_with_followers": _per_country(
            study, acc[acc["followers"].notna()].groupby("country").size()
        ),
        "accounts_dated": _per_country(
            study, acc[acc["created"].notna()].groupby("country").size()
        ),
    }


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
    """The pair's ISO codes and names in `lang` (``a``, ``b``, ``name_a``, ``name_b``)."""
    return {
        "a": study.a,
        "b": study.b,
        "name_a": study.country_name(study.a, lang),
        "name_b": study.country_name(study.b, lang),
    }


def interaction_values(study: Study, measured=None, lang: str = "en") -> dict:
    """How many levels are measured and judged per country, and the judged ones in words."""
    from analysis.codebook import label, labels

    inter = study.interaction
    judged = inter[inter["method"] == "judged"]
    roles = labels("roles", lang)
    return {
        "measured_accounts": _per_country(
            study, measured.groupby("country").size() if measured is not None else {}
        ),
        "judged_rows": _per_country(study, judged.groupby("country").size()),
        "judged": [
            {
                "country": study.country_name(r.country, lang),
                "scope": roles.get(r.role) if isinstance(r.role, str) else None,
                "level": label("account_levels", r.level, lang),
                "evidence": r.evidence,
            }
            for r in judged.itertuples()
        ],
    }


def reliability_values(study: Study) -> dict | None:
    """Krippendorff's alpha of the pair's hand-coded samples, per variable; None without any."""
    from analysis.reliability import reliability

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


def completeness(study: Study, lang: str = "en") -> list[dict]:
    """Per country of the pair: values filled of all values, and rows without a source.

    Summarises :func:`analysis.scaffold.completeness`, the report of ``make check-data``.
    """
    from analysis.scaffold import completeness as by_table

    table = by_table(study.data_dir)
    out = []
    for iso in study.pair:
        part = table[table["country"] == iso]
        filled, cells = int(part["filled"].sum()), int(part["filled"].sum() + part["missing"].sum())
        out.append(
            {
                "iso3": iso,
                "name": study.country_name(iso, lang),
                "cells": cells,
                "filled": filled,
                "share": filled / cells if cells else 0.0,
                "no_source": int(part["without_source"].sum()),
            }
        )
    return out
