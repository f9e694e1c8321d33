"""The replication check: the article's countable statements held against the data.

Each statement of ``claims.csv`` names a check of this module and its arguments.
A check returns a verdict, ``agree``, ``disagree`` or ``undetermined`` (the data
lack what the statement needs), with the evidence in words, so a reader can see
why. Disagreements are reported, never smoothed over.

>>> from analysis import load, replication
>>> result = replication.check(load.study("MEX", "CHL"))
>>> sorted(result["verdict"].unique())
['agree', 'disagree']
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from analysis.load import Study, date_period

AGREE, DISAGREE, UNDETERMINED = "agree", "disagree", "undetermined"
VERDICTS = (AGREE, DISAGREE, UNDETERMINED)
RESULT_COLUMNS = ["claim_id", "countries", "statement", "source", "check", "verdict", "evidence"]

Verdict = tuple[str, str]
CHECKS: dict[str, Callable[..., Verdict]] = {}


def _check(fn: Callable[..., Verdict]) -> Callable[..., Verdict]:
    CHECKS[fn.__name__] = fn
    return fn


def parse_params(text: str | None) -> dict[str, str]:
    """``"country=MEX; expected=6"`` -> ``{"country": "MEX", "expected": "6"}``."""
    if text is None or pd.isna(text) or not text.strip():
        return {}
    pairs = [part.split("=", 1) for part in text.split(";") if part.strip()]
    return {k.strip(): v.strip() for k, v in pairs}


def _names(df: pd.DataFrame) -> list[str]:
    return [f"{c}:{r}" for c, r in zip(df["country"], df["role"], strict=True)]


def _verdict(ok: bool) -> str:
    return AGREE if ok else DISAGREE


# --- institutions and accounts ----------------------------------------------------------


@_check
def institutions_all(s: Study, countries: list[str], field: str, value: str) -> Verdict:
    """Every institution has ``field == value``."""
    inst = s.institutions[s.institutions["country"].isin(countries)]
    want = value == "true"
    known = inst[inst[field].notna()]
    against = known[known[field] != want]
    if len(against):
        return DISAGREE, f"{field} is {str(not want).lower()} for {', '.join(_names(against))}"
    if len(known) < len(inst):
        missing = inst[inst[field].isna()]
        return UNDETERMINED, f"{field} not recorded for {', '.join(_names(missing))}"
    return AGREE, f"{field} is {value} for all {len(inst)} institutions"


@_check
def institutions_only(s: Study, countries: list[str], field: str, who: str) -> Verdict:
    """``field`` is true exactly for the institutions named in ``who``."""
    inst = s.institutions[s.institutions["country"].isin(countries)]
    having = sorted(_names(inst[inst[field].fillna(False)]))
    expected = sorted(who.split(","))
    return _verdict(having == expected), f"{field} true for: {', '.join(having) or 'none'}"


def _accounts(s: Study, countries: list[str]) -> pd.DataFrame:
    return s.accounts[s.accounts["country"].isin(countries)]


@_check
def accounts_min_per_institution(s: Study, countries: list[str], min: str) -> Verdict:
    """Every institution has at least ``min`` accounts."""
    inst = s.institutions[s.institutions["country"].isin(countries)]
    counts = _accounts(s, countries).groupby(["country", "role"]).size()
    counts = counts.reindex(pd.MultiIndex.from_frame(inst[["country", "role"]]), fill_value=0)
    short = counts[counts < int(min)]
    if len(short):
        listed = ", ".join(f"{c}:{r} has {n}" for (c, r), n in short.items())
        return DISAGREE, f"fewer than {min} accounts: {listed}"
    return AGREE, f"every institution has {min} or more accounts (fewest: {counts.min()})"


@_check
def platform_everywhere(s: Study, countries: list[str], platform: str) -> Verdict:
    """Every institution has an account on ``platform``."""
    inst = s.institutions[s.institutions["country"].isin(countries)]
    acc = _accounts(s, countries)
    on = set(map(tuple, acc.loc[acc["platform"] == platform, ["country", "role"]].values))
    lacking = [f"{c}:{r}" for c, r in inst[["country", "role"]].values if (c, r) not in on]
    if lacking:
        return DISAGREE, f"no {platform} account: {', '.join(lacking)}"
    return AGREE, f"all {len(inst)} institutions are on {platform}"


@_check
def platform_rank(s: Study, countries: list[str], platform: str, max_rank: str) -> Verdict:
    """``platform`` is among the ``max_rank`` platforms used by the most institutions."""
    acc = _accounts(s, countries).drop_duplicates(["country", "role", "platform"])
    counts = acc["platform"].value_counts()
    rank = int((counts > counts.get(platform, 0)).sum()) + 1
    shown = ", ".join(f"{p} {n}" for p, n in counts.items())
    return _verdict(
        rank <= int(max_rank)
    ), f"{platform} ranks {rank} (institutions per platform: {shown})"


@_check
def only_platform(
    s: Study, countries: list[str], country: str, role: str, platform: str
) -> Verdict:
    """The institution is on ``platform`` and nowhere else."""
    acc = _accounts(s, [country])
    used = sorted(set(acc.loc[acc["role"] == role, "platform"]))
    return _verdict(
        used == [platform]
    ), f"{country}:{role} is on {', '.join(used) or 'no platform'}"


# --- website criteria -------------------------------------------------------------------


def _criteria(s: Study, countries: list[str]) -> pd.DataFrame:
    crit = s.website_criteria[s.website_criteria["country"].isin(countries)]
    return crit.pivot(index="criterion", columns="country", values="present")


@_check
def criteria_met(s: Study, countries: list[str], country: str, expected: str) -> Verdict:
    """The foreign ministry's site meets ``expected`` of the criteria."""
    col = _criteria(s, [country])[country]
    met, unknown = int(col.fillna(False).sum()), int(col.isna().sum())
    evidence = f"{met} of {len(col)} criteria met in website_criteria.csv"
    if unknown:
        return UNDETERMINED, evidence + f" ({unknown} not recorded)"
    return _verdict(met == int(expected)), evidence


@_check
def criteria_shared(s: Study, countries: list[str], criteria: str) -> Verdict:
    """Exactly these criteria are met by every country."""
    crit = _criteria(s, countries)
    shared = sorted(crit.index[crit.fillna(False).all(axis=1)])
    return _verdict(shared == sorted(criteria.split(","))), f"met by all: {', '.join(shared)}"


@_check
def criteria_only(s: Study, countries: list[str], country: str, criteria: str) -> Verdict:
    """Exactly these criteria are met by ``country`` and not by the others."""
    crit = _criteria(s, countries).fillna(False)
    others = [c for c in crit.columns if c != country]
    if not others:
        return UNDETERMINED, "the statement compares countries, but only one is given"
    only = sorted(crit.index[crit[country] & ~crit[others].any(axis=1)])
    return _verdict(only == sorted(criteria.split(","))), f"only {country}: {', '.join(only)}"


@_check
def criteria_absent_everywhere(s: Study, countries: list[str], criteria: str) -> Verdict:
    """No country's site meets any of these criteria."""
    crit = _criteria(s, countries).loc[criteria.split(",")]
    found = [f"{c} has {k}" for k in crit.index for c in crit.columns if crit.at[k, c] is True]
    return _verdict(not found), "; ".join(found) or f"none has {', '.join(crit.index)}"


# --- dates ------------------------------------------------------------------------------


def _contains(outer: pd.Period, inner: pd.Period) -> bool:
    return outer.start_time <= inner.start_time and inner.end_time <= outer.end_time


def _account(s: Study, country: str, role: str, platform: str, handle: str | None) -> pd.DataFrame:
    acc = s.accounts
    acc = acc[(acc["country"] == country) & (acc["role"] == role) & (acc["platform"] == platform)]
    return acc[acc["handle"] == handle] if handle else acc


@_check
def created_matches(
    s: Study,
    countries: list[str],
    country: str,
    role: str,
    platform: str,
    stated: str,
    handle: str | None = None,
) -> Verdict:
    """The account's opening date agrees with the date stated, at the precision of the two."""
    acc = _account(s, country, role, platform, handle)
    dates = acc["created"].dropna()
    if dates.empty:
        return UNDETERMINED, f"no opening date recorded for {country}:{role}:{platform}"
    said, recorded = date_period(stated), date_period(dates.min())
    ok = _contains(said, recorded) or _contains(recorded, said)
    return _verdict(ok), f"stated {stated}; accounts.csv has {dates.min()}"


def _first_dates(s: Study, country: str) -> pd.DataFrame:
    acc = s.accounts[(s.accounts["country"] == country) & s.accounts["created"].notna()].copy()
    acc["start"] = acc["created"].map(lambda t: date_period(t).start_time)
    acc["end"] = acc["created"].map(lambda t: date_period(t).end_time)
    return acc


@_check
def oldest_in_country(
    s: Study, countries: list[str], country: str, role: str, platforms: str
) -> Verdict:
    """These accounts of the institution opened no later than any other of the country."""
    acc = _first_dates(s, country)
    mine = acc[(acc["role"] == role) & acc["platform"].isin(platforms.split(","))]
    rest = acc.drop(mine.index)
    if mine.empty:
        return UNDETERMINED, "the accounts named have no opening date"
    earlier = rest[rest["end"] < mine["start"].max()]
    undated = s.accounts[(s.accounts["country"] == country) & s.accounts["created"].isna()]
    evidence = f"named accounts opened {', '.join(mine['created'])}; oldest other: " + (
        f"{rest.sort_values('start')['created'].iloc[0]}" if len(rest) else "none dated"
    )
    if len(earlier):
        return DISAGREE, evidence
    return AGREE, evidence + f" ({len(undated)} accounts of {country} undated)"


@_check
def last_to_join(s: Study, countries: list[str], country: str, role: str) -> Verdict:
    """The institution's first account opened after every other institution's first account."""
    acc = _first_dates(s, country)
    first = acc.groupby("role")["start"].min()
    if role not in first:
        return UNDETERMINED, f"{country}:{role} has no dated account"
    others = first.drop(role)
    inst = s.institutions[s.institutions["country"] == country]["role"]
    undated = sorted(set(inst) - set(first.index))
    evidence = f"{role} first account {first[role]:%Y-%m}; others' first: " + ", ".join(
        f"{r} {d:%Y-%m}" for r, d in others.items()
    )
    if undated:
        evidence += f"; no date for {', '.join(undated)}"
    return _verdict(bool((others < first[role]).all())), evidence


@_check
def earlier_than(s: Study, countries: list[str], country: str, role: str, earlier: str) -> Verdict:
    """Each named account (role:platform) opened before the institution's first account."""
    acc = _first_dates(s, country)
    later = acc[acc["role"] == role]["start"].min()
    if pd.isna(later):
        return UNDETERMINED, f"{country}:{role} has no dated account"
    parts, ok = [], True
    for item in earlier.split(","):
        r, p = item.split(":")
        rows = acc[(acc["role"] == r) & (acc["platform"] == p)]
        if rows.empty:
            return UNDETERMINED, f"{country}:{r}:{p} has no opening date"
        ok &= bool(rows["end"].min() < later)
        parts.append(f"{r}:{p} {rows['created'].min()}")
    return _verdict(ok), f"{role} first account {later:%Y-%m}; " + ", ".join(parts)


# --- audience, network, agenda ----------------------------------------------------------


@_check
def most_followers_on(
    s: Study, countries: list[str], country: str, role: str, platform: str
) -> Verdict:
    """The institution has more followers on ``platform`` than on any other platform."""
    acc = s.accounts[(s.accounts["country"] == country) & (s.accounts["role"] == role)]
    known = acc[acc["followers"].notna()]
    if platform not in set(known["platform"]):
        return UNDETERMINED, f"no follower count for {country}:{role} on {platform}"
    qual = {"more_than": "more than ", "almost": "almost "}
    shown = ", ".join(
        f"{p} {qual.get(q, '') if isinstance(q, str) else ''}{n:,}"
        for p, n, q in known[["platform", "followers", "followers_qualifier"]].values
    )
    top = known.sort_values("followers", ascending=False)["platform"].iloc[0]
    return _verdict(top == platform), f"followers: {shown}"


@_check
def representations_without_website(
    s: Study, countries: list[str], country: str, kind: str, expected: str
) -> Verdict:
    """``count - with_website`` of a kind of representation equals ``expected``."""
    rep = s.representations
    row = rep[(rep["country"] == country) & (rep["kind"] == kind)]
    if row.empty or row[["count", "with_website"]].isna().any(axis=None):
        return UNDETERMINED, f"no count of {kind} websites for {country}"
    count, with_site = int(row["count"].item()), int(row["with_website"].item())
    return _verdict(
        count - with_site == int(expected)
    ), f"{count} {kind}, {with_site} with a website"


@_check
def sample_size(s: Study, countries: list[str], country: str, kind: str, expected: str) -> Verdict:
    """The examined sample holds ``expected`` sites of a kind."""
    sites = s.sample_sites[
        (s.sample_sites["country"] == country) & (s.sample_sites["kind"] == kind)
    ]
    return _verdict(
        len(sites) == int(expected)
    ), f"{len(sites)} named: {', '.join(sites['location'])}"


@_check
def agenda_includes(
    s: Study, countries: list[str], country: str, role: str, topics: str
) -> Verdict:
    """The institution's accounts are coded with each of these topics."""
    ag = s.agenda[(s.agenda["country"] == country) & (s.agenda["role"] == role)]
    coded = set(ag["topic"])
    if not coded:
        return UNDETERMINED, f"no agenda coded for {country}:{role}"
    missing = [t for t in topics.split(",") if t not in coded]
    evidence = f"coded topics: {', '.join(sorted(coded))}"
    return (
        (DISAGREE, evidence + f"; missing {', '.join(missing)}") if missing else (AGREE, evidence)
    )


def check(study: Study) -> pd.DataFrame:
    """Hold every statement of the pair against its data; one row per statement.

    Raises
    ------
    KeyError
        When claims.csv names a check that this module does not have.
    """
    book_checks = set(CHECKS)
    rows = []
    for claim in study.claims.itertuples(index=False):
        if claim.check not in book_checks:
            raise KeyError(
                f"claims.csv: claim {claim.claim_id!r} names unknown check {claim.check!r} "
                f"(known: {', '.join(sorted(book_checks))})"
            )
        countries = claim.countries.split()
        verdict, evidence = CHECKS[claim.check](study, countries, **parse_params(claim.params))
        rows.append(
            [
                claim.claim_id,
                claim.countries,
                claim.statement,
                claim.source,
                claim.check,
                verdict,
                evidence,
            ]
        )
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def summary(result: pd.DataFrame) -> dict[str, int]:
    """Counts of each verdict, zeros included."""
    counts = result["verdict"].value_counts()
    return {v: int(counts.get(v, 0)) for v in VERDICTS}


__all__ = ["CHECKS", "VERDICTS", "check", "parse_params", "summary"]
