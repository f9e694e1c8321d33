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
    per_inst = acc.drop_duplicates(["country", "role", "platform"]).groupby(["country", "role"]).size()
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
        "accounts_dated": _per_country(study, acc[acc["created"].notna()].groupby("country").size()),
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
