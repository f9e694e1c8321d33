"""The replication check: the article's countable statements held against the data.

Each statement of ``claims.csv`` names a check of this module and its arguments.
A check returns a verdict, ``agree``, ``disagree`` or ``undetermined`` (the data
lack what the statement needs: an undated account, a figure given only as a
bound), with the evidence, so a reader can see why. Disagreements are reported,
never smoothed over. The evidence is worded from ``paper/text/labels.yml``
(``replication``) in the paper's language; no sentence lives here.

>>> from analysis import load, replication
>>> result = replication.check(load.study("MEX", "CHL"))
>>> sorted(result["verdict"].unique())
['agree', 'disagree', 'undetermined']
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from analysis import codebook, dates, text
from analysis.load import Study

AGREE, DISAGREE, UNDETERMINED = "agree", "disagree", "undetermined"
VERDICTS = (AGREE, DISAGREE, UNDETERMINED)
RESULT_COLUMNS = ["claim_id", "countries", "statement", "source", "check", "verdict", "evidence"]

#: A check's result: the verdict, the key of its evidence template, and the values it quotes.
Verdict = tuple[str, str, dict]
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


def _names(df: pd.DataFrame) -> str:
    return ", ".join(f"{c}:{r}" for c, r in zip(df["country"], df["role"], strict=True))


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
        return DISAGREE, f"inst_all_disagree_{value}", {"field": field, "names": _names(against)}
    if len(known) < len(inst):
        missing = _names(inst[inst[field].isna()])
        return UNDETERMINED, "inst_unknown", {"field": field, "names": missing}
    return AGREE, f"inst_all_agree_{value}", {"field": field, "n": len(inst)}


@_check
def institutions_only(s: Study, countries: list[str], field: str, who: str) -> Verdict:
    """``field`` is true exactly for the institutions named in ``who``."""
    inst = s.institutions[s.institutions["country"].isin(countries)]
    having = inst[inst[field].fillna(False)]
    names = sorted(f"{c}:{r}" for c, r in zip(having["country"], having["role"], strict=True))
    return (
        _verdict(names == sorted(who.split(","))),
        "inst_only",
        {"field": field, "names": ", ".join(names) or "-"},
    )


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
        listed = ", ".join(f"{c}:{r} ({n})" for (c, r), n in short.items())
        return DISAGREE, "accounts_min_disagree", {"min": min, "listed": listed}
    return AGREE, "accounts_min_agree", {"min": min, "fewest": int(counts.min())}


@_check
def platform_everywhere(s: Study, countries: list[str], platform: str) -> Verdict:
    """Every institution has an account on ``platform``."""
    inst = s.institutions[s.institutions["country"].isin(countries)]
    acc = _accounts(s, countries)
    on = set(map(tuple, acc.loc[acc["platform"] == platform, ["country", "role"]].values))
    lacking = [f"{c}:{r}" for c, r in inst[["country", "role"]].values if (c, r) not in on]
    if lacking:
        return (
            DISAGREE,
            "platform_all_disagree",
            {"platform": platform, "names": ", ".join(lacking)},
        )
    return AGREE, "platform_all_agree", {"platform": platform, "n": len(inst)}


@_check
def platform_rank(s: Study, countries: list[str], platform: str, max_rank: str) -> Verdict:
    """``platform`` is among the ``max_rank`` platforms used by the most institutions."""
    acc = _accounts(s, countries).drop_duplicates(["country", "role", "platform"])
    counts = acc["platform"].value_counts()
    rank = int((counts > counts.get(platform, 0)).sum()) + 1
    shown = ", ".join(f"{p} {n}" for p, n in counts.items())
    return (
        _verdict(rank <= int(max_rank)),
        "platform_rank",
        {"platform": platform, "rank": rank, "counts": shown},
    )


@_check
def only_platform(
    s: Study, countries: list[str], country: str, role: str, platform: str
) -> Verdict:
    """The institution is on ``platform`` and nowhere else."""
    acc = _accounts(s, [country])
    mine = acc[acc["role"] == role]
    used = sorted(set(mine["platform"]))
    return (
        _verdict(used == [platform]),
        "only_platform",
        {"who": f"{country}:{role}", "n": len(mine), "platforms": ", ".join(used) or "-"},
    )


# --- website criteria -------------------------------------------------------------------


def _criteria(s: Study, countries: list[str]) -> pd.DataFrame:
    crit = s.website_criteria[s.website_criteria["country"].isin(countries)]
    return crit.pivot(index="criterion", columns="country", values="present")


@_check
def criteria_met(s: Study, countries: list[str], country: str, expected: str) -> Verdict:
    """The foreign ministry's site meets ``expected`` of the criteria."""
    col = _criteria(s, [country])[country]
    met, unknown = int(col.fillna(False).sum()), int(col.isna().sum())
    if unknown:
        return UNDETERMINED, "criteria_met_unknown", {"met": met, "n": len(col), "unknown": unknown}
    return _verdict(met == int(expected)), "criteria_met", {"met": met, "n": len(col)}


@_check
def criteria_shared(s: Study, countries: list[str], criteria: str) -> Verdict:
    """Exactly these criteria are met by every country."""
    crit = _criteria(s, countries)
    shared = sorted(crit.index[crit.fillna(False).all(axis=1)])
    return (
        _verdict(shared == sorted(criteria.split(","))),
        "criteria_shared",
        {"criteria": ", ".join(shared) or "-"},
    )


@_check
def criteria_only(s: Study, countries: list[str], country: str, criteria: str) -> Verdict:
    """Exactly these criteria are met by ``country`` and not by the others."""
    crit = _criteria(s, countries).fillna(False)
    others = [c for c in crit.columns if c != country]
    if not others:
        return UNDETERMINED, "criteria_only_single", {}
    only = sorted(crit.index[crit[country] & ~crit[others].any(axis=1)])
    return (
        _verdict(only == sorted(criteria.split(","))),
        "criteria_only",
        {"country": country, "criteria": ", ".join(only) or "-"},
    )


@_check
def criteria_absent_everywhere(s: Study, countries: list[str], criteria: str) -> Verdict:
    """No country's site meets any of these criteria."""
    crit = _criteria(s, countries).loc[criteria.split(",")]
    found = [f"{c}: {k}" for k in crit.index for c in crit.columns if crit.at[k, c] is True]
    if found:
        return DISAGREE, "criteria_absent_disagree", {"found": ", ".join(found)}
    return AGREE, "criteria_absent_agree", {"criteria": ", ".join(crit.index)}


# --- dates ------------------------------------------------------------------------------


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
    acc = s.accounts
    acc = acc[(acc["country"] == country) & (acc["role"] == role) & (acc["platform"] == platform)]
    if handle:
        acc = acc[acc["handle"] == handle]
    known = acc["created"].dropna()
    who = f"{country}:{role}:{platform}"
    if known.empty:
        return UNDETERMINED, "created_none", {"who": who}
    said, recorded = dates.parse(stated), dates.earliest(known)
    ok = said.contains(recorded) or recorded.contains(said)
    return _verdict(ok), "created", {"stated": said, "recorded": recorded}


def _dated(s: Study, country: str) -> pd.DataFrame:
    acc = s.accounts[s.accounts["country"] == country].copy()
    parsed = acc["created"].map(dates.parse, na_action="ignore")
    acc["start"] = pd.to_datetime(parsed.map(lambda d: d.start, na_action="ignore"))
    acc["end"] = pd.to_datetime(parsed.map(lambda d: d.end, na_action="ignore"))
    return acc


@_check
def oldest_in_country(
    s: Study, countries: list[str], country: str, role: str, platforms: str
) -> Verdict:
    """These accounts of the institution opened no later than any other of the country.

    An undated account of the country could be older, so undated accounts leave
    the statement undetermined unless a dated one already contradicts it.
    """
    acc = _dated(s, country)
    mine = acc[(acc["role"] == role) & acc["platform"].isin(platforms.split(","))]
    if mine["start"].isna().any() or mine.empty:
        return UNDETERMINED, "oldest_none", {}
    rest = acc.drop(mine.index)
    dated, undated = rest[rest["start"].notna()], rest[rest["start"].isna()]
    values = {
        "dates": ", ".join(mine["created"]),
        "other": dated.sort_values("start")["created"].iloc[0] if len(dated) else "-",
        "undated": len(undated),
        "country": country,
    }
    if (dated["end"] < mine["start"].max()).any():
        return DISAGREE, "oldest", values
    return (UNDETERMINED if len(undated) else AGREE), "oldest", values


@_check
def last_to_join(s: Study, countries: list[str], country: str, role: str) -> Verdict:
    """The institution's first account opened after every other institution's first account.

    Undetermined while another institution has no dated account (it could be later).
    """
    acc = _dated(s, country)
    first = acc[acc["start"].notna()].groupby("role")["start"].min()
    if role not in first:
        return UNDETERMINED, "last_none", {"who": f"{country}:{role}"}
    others = first.drop(role)
    inst = s.institutions[s.institutions["country"] == country]["role"]
    undated = sorted(set(inst) - set(first.index))
    values = {
        "role": role,
        "first": f"{first[role]:%Y-%m}",
        "others": ", ".join(f"{r} {d:%Y-%m}" for r, d in others.items()) or "-",
        "undated": ", ".join(undated) or "-",
    }
    if (others >= first[role]).any():
        return DISAGREE, "last", values
    return (UNDETERMINED if undated else AGREE), "last", values


@_check
def earlier_than(s: Study, countries: list[str], country: str, role: str, earlier: str) -> Verdict:
    """Each named account (role:platform) opened before the institution's first account."""
    acc = _dated(s, country)
    later = acc[acc["role"] == role]["start"].min()
    if pd.isna(later):
        return UNDETERMINED, "last_none", {"who": f"{country}:{role}"}
    parts, ok = [], True
    for item in earlier.split(","):
        r, p = item.split(":")
        rows = acc[(acc["role"] == r) & (acc["platform"] == p) & acc["start"].notna()]
        if rows.empty:
            return UNDETERMINED, "created_none", {"who": f"{country}:{r}:{p}"}
        ok &= bool(rows["end"].min() < later)
        parts.append(f"{r}:{p} {rows['created'].min()}")
    return (
        _verdict(ok),
        "earlier",
        {"role": role, "first": f"{later:%Y-%m}", "parts": ", ".join(parts)},
    )


# --- audience, network, agenda ----------------------------------------------------------


def _bounds(value: int, qualifier) -> tuple[float, float]:
    """What a figure the article qualifies allows: "más de 720 000" is at least 720 000."""
    if qualifier == "more_than":
        return float(value), float("inf")
    return float(value), float(value)


@_check
def most_followers_on(
    s: Study, countries: list[str], country: str, role: str, platform: str
) -> Verdict:
    """The institution has more followers on ``platform`` than on any other platform.

    A figure given as "more than" is only a lower bound: it decides the statement
    only where the bounds do not overlap.
    """
    acc = s.accounts[(s.accounts["country"] == country) & (s.accounts["role"] == role)]
    known = acc[acc["followers"].notna()]
    if platform not in set(known["platform"]):
        return UNDETERMINED, "followers_none", {"who": f"{country}:{role}", "platform": platform}
    bounds = {
        p: _bounds(int(n), q if isinstance(q, str) else None)
        for p, n, q in known[["platform", "followers", "followers_qualifier"]].values
    }
    low, high = bounds.pop(platform)
    values = {"_quantities": list(known[["platform", "followers", "followers_qualifier"]].values)}
    if any(other_low >= high for other_low, _ in bounds.values()):
        return DISAGREE, "followers", values
    if all(low > other_high for _, other_high in bounds.values()):
        return AGREE, "followers", values
    return UNDETERMINED, "followers_bound", values


@_check
def representations_without_website(
    s: Study, countries: list[str], country: str, kind: str, expected: str
) -> Verdict:
    """``count - with_website`` of a kind of representation equals ``expected``."""
    rep = s.representations
    row = rep[(rep["country"] == country) & (rep["kind"] == kind)]
    if row.empty or row[["count", "with_website"]].isna().any(axis=None):
        return UNDETERMINED, "reps_none", {"kind": kind, "country": country}
    count, with_site = int(row["count"].item()), int(row["with_website"].item())
    return (
        _verdict(count - with_site == int(expected)),
        "reps",
        {"count": count, "kind": kind, "with_site": with_site},
    )


@_check
def sample_size(s: Study, countries: list[str], country: str, kind: str, expected: str) -> Verdict:
    """The examined sample holds ``expected`` sites of a kind."""
    sites = s.sample_sites
    sites = sites[(sites["country"] == country) & (sites["kind"] == kind)]
    return (
        _verdict(len(sites) == int(expected)),
        "sample",
        {"n": len(sites), "names": ", ".join(sites["location"])},
    )


@_check
def agenda_includes(
    s: Study, countries: list[str], country: str, role: str, topics: str
) -> Verdict:
    """The institution's accounts are coded with each of these topics."""
    ag = s.agenda[(s.agenda["country"] == country) & (s.agenda["role"] == role)]
    coded = set(ag["topic"])
    if not coded:
        return UNDETERMINED, "agenda_none", {"who": f"{country}:{role}"}
    missing = [t for t in topics.split(",") if t not in coded]
    values = {"topics": ", ".join(sorted(coded)), "missing": ", ".join(missing)}
    return (DISAGREE, "agenda_missing", values) if missing else (AGREE, "agenda", values)


def evidence_text(key: str, values: dict, lang: str = "en") -> str:
    """The evidence of a check in `lang`: its template filled, numbers as `lang` writes them."""
    templates = text.words("replication", lang)
    filled = {}
    for k, v in values.items():
        if k == "_quantities":
            continue
        if isinstance(v, dates.PartialDate):
            v = text.fmt_date(v, lang)
        filled[k] = text.fmt_number(v, lang) if isinstance(v, int) else v
    if "_quantities" in values:  # figures with the article's qualifiers, in `lang`
        shown = "; ".join(
            f"{p}: {text.fmt_quantity(n, q if isinstance(q, str) else None, lang)}"
            for p, n, q in values["_quantities"]
        )
        filled["shown"] = shown
    if "kind" in filled:  # embassy -> embassies / embajadas
        filled["kind"] = codebook.label("representation_kinds", filled["kind"], lang).lower()
    if "field" in filled:
        filled["field"] = text.scope_label("subgroup", filled["field"], lang)
    return templates[key].format(**filled)


def check(study: Study, lang: str = "en") -> pd.DataFrame:
    """Hold every statement of the pair against its data; one row per statement.

    Raises
    ------
    KeyError
        When claims.csv names a check that this module does not have.
    """
    rows = []
    for claim in study.claims.itertuples(index=False):
        if claim.check not in CHECKS:
            raise KeyError(
                f"claims.csv: claim {claim.claim_id!r} names unknown check {claim.check!r} "
                f"(known: {', '.join(sorted(CHECKS))})"
            )
        countries = claim.countries.split()
        verdict, key, values = CHECKS[claim.check](study, countries, **parse_params(claim.params))
        evidence = evidence_text(key, values, lang)
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


__all__ = ["CHECKS", "VERDICTS", "check", "evidence_text", "parse_params", "summary"]
