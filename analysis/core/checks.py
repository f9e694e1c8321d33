"""The checks a statement of the article may name in claims.csv, one function each.

A check takes the pair's :class:`~analysis.data.load.Study`, the statement's countries
and the arguments ``claims.csv`` gives it (``params``), and returns a :data:`Verdict`:
``agree``, ``disagree`` or ``undetermined`` (the data lack what the statement needs:
an undated account, a figure given only as a bound, a value the article never gives),
with the key of its evidence and the values it quotes. The words of the evidence are
:mod:`analysis.report.evidence`'s; nothing here is a sentence.

One rule for what the data cannot settle: a figure given as "more than" is a bound
(:func:`analysis.data.codebook.figure_bounds`), and an account without a date could be
earlier or later than any other, so a statement that such a value could reverse is
undetermined. :data:`CHECKS` is the registry: a check is added by decorating it with
:func:`check`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from analysis.data import codebook, dates
from analysis.data.load import Study

AGREE, DISAGREE, UNDETERMINED = "agree", "disagree", "undetermined"
VERDICTS = (AGREE, DISAGREE, UNDETERMINED)
#: A check's result: the verdict, the key of its evidence template, and the values it quotes.
Verdict = tuple[str, str, dict]
#: Every check by name: what claims.csv ``check`` may name.
CHECKS: dict[str, Callable[..., Verdict]] = {}


def check(fn: Callable[..., Verdict]) -> Callable[..., Verdict]:
    """Register `fn` as a check that claims.csv may name (by the function's name)."""
    CHECKS[fn.__name__] = fn
    return fn


def _inst(country: str, role: str, platform: str | None = None) -> dict:
    """An institution (or one of its platforms) in a check's values, worded by the labels."""
    return {"inst": [country, role, platform] if platform else [country, role]}


def _codes(section: str, keys) -> dict:
    """Codes of a codebook list (``platforms``, ``roles``...) or of labels.yml ``counted``.

    A set has no order of its own: its codes are sorted, so the evidence is the same on
    every run (a set of strings iterates in an order that changes with the hash seed).
    """
    if isinstance(keys, set | frozenset):
        keys = sorted(keys)
    return {"codes": section, "keys": [str(k) for k in keys]}


def _item(what, detail) -> dict:
    """Something and a detail about it: an institution and its date, a platform and a count."""
    return {"item": [what, detail]}


def _names(df: pd.DataFrame) -> list[dict]:
    return [_inst(c, r) for c, r in zip(df["country"], df["role"], strict=True)]


def _verdict(ok: bool) -> str:
    return AGREE if ok else DISAGREE


def _list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


# --- generic: one cell, a count --------------------------------------------------------


def _rows(s: Study, table: str, filters: dict[str, str]) -> pd.DataFrame:
    """The rows of `table` whose every filtered column equals its value, case aside
    (one selection at the end: selecting a wide table is what costs)."""
    df = s.tables[table] if table != "accounts" else s.accounts
    keep = np.ones(len(df), dtype=bool)
    for column, value in filters.items():
        same = df[column].astype("string").str.lower() == value.lower()
        keep &= same.fillna(False).to_numpy(dtype=bool)
    return df[keep]


def _same(recorded, expected: str) -> bool:
    """A cell against the statement's value: numbers as numbers, dates as spans, text as text."""
    if isinstance(recorded, bool) or str(recorded) in ("True", "False"):
        return str(recorded).lower() == expected.lower()
    try:
        return float(recorded) == float(expected)
    except (TypeError, ValueError):
        pass
    try:
        return dates.parse(str(recorded)) == dates.parse(expected)
    except ValueError:
        return str(recorded) == expected


@check
def value_is(
    s: Study,
    countries: list[str],
    table: str,
    column: str,
    expected: str,
    qualifier: str | None = None,
    **filters: str,
) -> Verdict:
    """The one row of `table` that the filters select holds `expected` in `column`.

    ``qualifier`` is the source's qualifier of a figure (``more_than``), checked with it.
    Undetermined when the cell is empty: the article does not give the value.
    """
    rows = _rows(s, table, filters)
    where = {"_where": filters, "_column": column}
    if len(rows) != 1:
        return UNDETERMINED, "value_rows", {**where, "n": len(rows), "table": table}
    cell = rows.iloc[0][column]
    if pd.isna(cell):
        return UNDETERMINED, "value_missing", where
    ok = _same(cell, expected)
    if qualifier is not None:
        recorded_q = rows.iloc[0].get(f"{column}_qualifier")
        ok &= (None if pd.isna(recorded_q) else recorded_q) == (qualifier or None)
    shown = cell if qualifier is None else (cell, qualifier)
    return _verdict(ok), "value", {**where, "_value": shown}


@check
def count_is(
    s: Study,
    countries: list[str],
    table: str,
    expected: str | None = None,
    at_least: str | None = None,
    distinct: str | None = None,
    **filters: str,
) -> Verdict:
    """`table` has `expected` (or `at_least`) rows that the filters select, or as many
    distinct values of the column `distinct`; per country when the table has a
    ``country`` column that is not a filter."""
    rows = _rows(s, table, filters)
    per_country = "country" in rows.columns and "country" not in filters
    groups = {c: rows[rows["country"] == c] for c in countries} if per_country else {"": rows}
    counts = {c: int(g[distinct].nunique()) if distinct else len(g) for c, g in groups.items()}
    if at_least is not None:
        ok = all(n >= int(at_least) for n in counts.values())
    else:
        ok = all(n == int(expected) for n in counts.values())
    listed = ", ".join(f"{c} {n}".strip() for c, n in counts.items())
    return (
        _verdict(ok),
        "count",
        {"listed": listed, "table": _codes("counted", [distinct or table])},
    )


@check
def not_in_data(s: Study, countries: list[str], needs: str) -> Verdict:
    """A countable statement the data cannot hold yet: always undetermined, saying what is
    missing (``needs``: a key of labels.yml ``replication_needs``)."""
    return UNDETERMINED, "not_in_data", {"_needs": needs}


# --- institutions and accounts ----------------------------------------------------------


def _institutions(s: Study, countries: list[str]) -> pd.DataFrame:
    return s.institutions[s.institutions["country"].isin(countries)]


def _accounts(s: Study, countries: list[str]) -> pd.DataFrame:
    return s.accounts[s.accounts["country"].isin(countries)]


@check
def institutions_all(s: Study, countries: list[str], field: str, value: str) -> Verdict:
    """Every institution has ``field == value``."""
    inst = _institutions(s, countries)
    want = value == "true"
    known = inst[inst[field].notna()]
    against = known[known[field] != want]
    if len(against):
        return DISAGREE, f"inst_all_disagree_{value}", {"field": field, "names": _names(against)}
    if len(known) < len(inst):
        missing = _names(inst[inst[field].isna()])
        return UNDETERMINED, "inst_unknown", {"field": field, "names": missing}
    return AGREE, f"inst_all_agree_{value}", {"field": field, "n": len(inst)}


@check
def institutions_only(s: Study, countries: list[str], field: str, who: str) -> Verdict:
    """``field`` is true exactly for the institutions named in ``who``."""
    inst = _institutions(s, countries)
    having = inst[inst[field].fillna(False)]
    names = sorted(f"{c}:{r}" for c, r in zip(having["country"], having["role"], strict=True))
    return (
        _verdict(names == sorted(_list(who))),
        "inst_only",
        {"field": field, "names": _names(having) or "-"},
    )


@check
def accounts_min_per_institution(s: Study, countries: list[str], min: str) -> Verdict:
    """Every institution has at least ``min`` accounts."""
    inst = _institutions(s, countries)
    counts = _accounts(s, countries).groupby(["country", "role"]).size()
    counts = counts.reindex(pd.MultiIndex.from_frame(inst[["country", "role"]]), fill_value=0)
    short = counts[counts < int(min)]
    if len(short):
        listed = [_item(_inst(c, r), f"({n})") for (c, r), n in short.items()]
        return DISAGREE, "accounts_min_disagree", {"min": int(min), "listed": listed}
    return AGREE, "accounts_min_agree", {"min": int(min), "fewest": int(counts.min())}


@check
def platform_everywhere(s: Study, countries: list[str], platform: str) -> Verdict:
    """Every institution has an account on ``platform``."""
    inst = _institutions(s, countries)
    acc = _accounts(s, countries)
    on = set(map(tuple, acc.loc[acc["platform"] == platform, ["country", "role"]].values))
    lacking = [_inst(c, r) for c, r in inst[["country", "role"]].values if (c, r) not in on]
    word = _codes("platforms", [platform])
    if lacking:
        return DISAGREE, "platform_all_disagree", {"platform": word, "names": lacking}
    return AGREE, "platform_all_agree", {"platform": word, "n": len(inst)}


@check
def platform_rank(s: Study, countries: list[str], platform: str, max_rank: str) -> Verdict:
    """``platform`` is among the ``max_rank`` platforms used by the most institutions."""
    acc = _accounts(s, countries).drop_duplicates(["country", "role", "platform"])
    counts = acc["platform"].value_counts()
    rank = int((counts > counts.get(platform, 0)).sum()) + 1
    shown = [_item(_codes("platforms", [p]), int(n)) for p, n in counts.items()]
    return (
        _verdict(rank <= int(max_rank)),
        "platform_rank",
        {"platform": _codes("platforms", [platform]), "rank": rank, "counts": shown},
    )


@check
def platforms_are(
    s: Study,
    countries: list[str],
    country: str,
    role: str,
    platforms: str,
    handle: str | None = None,
    exact: str = "true",
) -> Verdict:
    """The institution (or one of its accounts) is on exactly these platforms, or on at
    least these (``exact=false``: the article's list is not exhaustive)."""
    acc = _accounts(s, [country])
    mine = acc[acc["role"] == role]
    if handle:
        mine = mine[mine["handle"] == handle]
    used, said = set(mine["platform"]), set(_list(platforms))
    ok = used == said if exact == "true" else said <= used
    return (
        _verdict(ok),
        "platforms",
        {"who": _inst(country, role), "platforms": _codes("platforms", sorted(used))},
    )


@check
def platform_holders(
    s: Study, countries: list[str], country: str, platform: str, roles: str, exact: str = "true"
) -> Verdict:
    """The institutions of `country` on `platform` are exactly `roles`, or include them
    (``exact=false``: the article names some, not all)."""
    acc = _accounts(s, [country])
    holders = set(acc.loc[acc["platform"] == platform, "role"])
    said = set(_list(roles))
    ok = holders == said if exact == "true" else said <= holders
    values = {"platform": _codes("platforms", [platform]), "roles": _codes("roles", holders)}
    return _verdict(ok), "holders", values


@check
def all_sampled_on(
    s: Study, countries: list[str], country: str, kind: str, platform: str
) -> Verdict:
    """Every examined site of a kind (sample_sites.csv) has a profile on `platform`."""
    sites = s.sample_sites
    n = int(((sites["country"] == country) & (sites["kind"] == kind)).sum())
    sp = s.sample_platforms
    row = sp[(sp["country"] == country) & (sp["kind"] == kind) & (sp["platform"] == platform)]
    word = _codes("platforms", [platform])
    if row.empty or row["sites_with"].isna().all():
        return UNDETERMINED, "sampled_unknown", {"platform": word, "n": n}
    with_it = int(row["sites_with"].iloc[0])
    values = {"platform": word, "n": n, "with": with_it}
    return _verdict(with_it == n and n > 0), "sampled", values


@check
def all_sampled_on_any(s: Study, countries: list[str], country: str, kind: str) -> Verdict:
    """Every examined site of a kind (sample_sites.csv) has a profile on at least one platform.

    ``sample_platforms.csv`` counts the sites on each platform, not which site is where, so
    the statement is decided only by the counts: it agrees when one platform holds every
    examined site; it disagrees when every platform the article lists for the kind has a
    count and those counts together are fewer than the sites (some site is on none of
    them); otherwise it is undetermined.
    """
    sites = s.sample_sites
    n = int(((sites["country"] == country) & (sites["kind"] == kind)).sum())
    sp = s.sample_platforms
    rows = sp[(sp["country"] == country) & (sp["kind"] == kind)]
    counted = rows[rows["sites_with"].notna()]
    listed = [
        _item(_codes("platforms", [p]), int(k))
        for p, k in zip(counted["platform"], counted["sites_with"], strict=True)
    ]
    values = {"n": n, "counts": listed or "-"}
    if n and len(counted) and int(counted["sites_with"].max()) >= n:
        return AGREE, "sampled_any", values
    if n and len(rows) and len(counted) == len(rows) and int(counted["sites_with"].sum()) < n:
        return DISAGREE, "sampled_any", values
    return UNDETERMINED, "sampled_any_unknown", values


# --- website criteria -------------------------------------------------------------------


def _criteria(s: Study, countries: list[str]) -> pd.DataFrame:
    crit = s.website_criteria[s.website_criteria["country"].isin(countries)]
    return crit.pivot(index="criterion", columns="country", values="present")


@check
def criteria_met(s: Study, countries: list[str], country: str, expected: str) -> Verdict:
    """The foreign ministry's site meets ``expected`` of the criteria."""
    col = _criteria(s, [country])[country]
    met, unknown = int(col.fillna(False).sum()), int(col.isna().sum())
    if unknown:
        return UNDETERMINED, "criteria_met_unknown", {"met": met, "n": len(col), "unknown": unknown}
    return _verdict(met == int(expected)), "criteria_met", {"met": met, "n": len(col)}


@check
def criteria_present(s: Study, countries: list[str], country: str, criteria: str) -> Verdict:
    """The foreign ministry's site of ``country`` meets every one of these criteria.

    Disagree when one of them is recorded absent; undetermined when one is not recorded.
    """
    col = _criteria(s, [country])
    col = col[country] if country in col.columns else pd.Series(dtype=object)
    said = _list(criteria)
    absent = [k for k in said if k in col.index and pd.notna(col[k]) and not bool(col[k])]
    unknown = [k for k in said if k not in col.index or pd.isna(col[k])]
    if absent:
        return DISAGREE, "criteria_present_absent", {"criteria": _codes("website_criteria", absent)}
    if unknown:
        return (
            UNDETERMINED,
            "criteria_present_unknown",
            {"criteria": _codes("website_criteria", unknown)},
        )
    return AGREE, "criteria_present", {"criteria": _codes("website_criteria", said)}


@check
def criteria_shared(s: Study, countries: list[str], criteria: str) -> Verdict:
    """Exactly these criteria are met by every country."""
    crit = _criteria(s, countries)
    shared = sorted(crit.index[crit.fillna(False).all(axis=1)])
    return (
        _verdict(shared == sorted(_list(criteria))),
        "criteria_shared",
        {"criteria": _codes("website_criteria", shared)},
    )


@check
def criteria_only(s: Study, countries: list[str], country: str, criteria: str) -> Verdict:
    """Exactly these criteria are met by ``country`` and not by the others."""
    crit = _criteria(s, countries).fillna(False)
    others = [c for c in crit.columns if c != country]
    if not others:
        return UNDETERMINED, "criteria_only_single", {}
    only = sorted(crit.index[crit[country] & ~crit[others].any(axis=1)])
    return (
        _verdict(only == sorted(_list(criteria))),
        "criteria_only",
        {"country": country, "criteria": _codes("website_criteria", only)},
    )


@check
def criteria_absent_everywhere(s: Study, countries: list[str], criteria: str) -> Verdict:
    """No country's site meets any of these criteria."""
    crit = _criteria(s, countries).loc[_list(criteria)]
    found = [
        _item(c, _codes("website_criteria", [k]))
        for k in crit.index
        for c in crit.columns
        if crit.at[k, c] is True
    ]
    if found:
        return DISAGREE, "criteria_absent_disagree", {"found": found}
    return AGREE, "criteria_absent_agree", {"criteria": _codes("website_criteria", crit.index)}


# --- dates ------------------------------------------------------------------------------


def _dated(s: Study, countries: list[str]) -> pd.DataFrame:
    """The accounts of `countries` with their opening date as a PartialDate (or None)."""
    acc = _accounts(s, countries).copy()
    acc["date"] = [dates.parse_or_none(d) for d in acc["created"]]
    return acc


@check
def created_matches(
    s: Study,
    countries: list[str],
    country: str,
    role: str,
    platform: str,
    stated: str,
    handle: str | None = None,
) -> Verdict:
    """The account's opening date agrees with the date stated, at the precision of the two.

    Agree when the recorded date lies within the stated one (``2009-12`` within "2009");
    disagree when they cannot mean the same day; undetermined when the recorded date is
    less precise than the statement, or an interval between two readings of the article.
    """
    acc = _dated(s, [country])
    acc = acc[(acc["role"] == role) & (acc["platform"] == platform)]
    if handle:
        acc = acc[acc["handle"] == handle]
    known = [d for d in acc["date"] if d is not None]
    who = _inst(country, role, platform)
    if not known:
        return UNDETERMINED, "created_none", {"who": who}
    said, recorded = dates.parse(stated), dates.earliest(known)
    values = {"stated": said, "recorded": recorded}
    if not said.overlaps(recorded):
        return DISAGREE, "created", values
    if said.contains(recorded):
        return AGREE, "created", values
    key = "created_readings" if recorded.precision == "range" else "created_coarser"
    return UNDETERMINED, key, values


def _first(acc: pd.DataFrame) -> tuple[dates.PartialDate | None, int]:
    """The earliest date of some accounts, and how many of them have none."""
    known = [d for d in acc["date"] if d is not None]
    return dates.earliest(known), int(sum(d is None for d in acc["date"]))


@check
def oldest_in_country(
    s: Study, countries: list[str], country: str, role: str, platforms: str
) -> Verdict:
    """These accounts of the institution opened no later than any other of the country.

    An undated account of the country could be older, so undated accounts leave the
    statement undetermined unless a dated one already contradicts it.
    """
    acc = _dated(s, [country])
    mine = acc[(acc["role"] == role) & acc["platform"].isin(_list(platforms))]
    if mine.empty or any(d is None for d in mine["date"]):
        return UNDETERMINED, "oldest_none", {}
    latest_mine = max(d.end for d in mine["date"])
    rest = acc.drop(mine.index)
    other, undated = _first(rest)
    values = {
        "dates": list(mine["date"]),
        "other": other if other is not None else "-",
        "undated": undated,
        "country": country,
    }
    if any(d is not None and d.end < latest_mine for d in rest["date"]):
        return DISAGREE, "oldest", values
    return (UNDETERMINED if undated else AGREE), "oldest", values


@check
def last_to_join(
    s: Study, countries: list[str], country: str, role: str, scope: str = "country"
) -> Verdict:
    """The institution's first account opened after every other institution's first account.

    ``scope`` ``country`` compares with the other institutions of `country`, ``pair``
    with every institution of the statement's countries. Undetermined while another
    institution has no dated account (it could be later) or a date that overlaps.
    """
    within = countries if scope == "pair" else [country]
    acc = _dated(s, within)
    acc["who"] = acc["country"] + ":" + acc["role"]
    me = f"{country}:{role}"
    firsts = {w: _first(g)[0] for w, g in acc.groupby("who")}
    first = firsts.get(me)
    if first is None:
        return UNDETERMINED, "last_none", {"who": _inst(country, role)}
    others = {w: d for w, d in firsts.items() if w != me and d is not None}
    everyone = (f"{c}:{r}" for c, r in _institutions(s, within)[["country", "role"]].values)
    undated = sorted(w for w in everyone if w != me and firsts.get(w) is None)
    values = {
        "role": _inst(country, role),
        "first": first,
        "others": [_item(_inst(*w.split(":")), d) for w, d in sorted(others.items())] or "-",
        "undated": [_inst(*w.split(":")) for w in undated] or "-",
    }
    if any(first.before(d) for d in others.values()):
        return DISAGREE, "last", values
    if all(d.before(first) for d in others.values()) and not undated:
        return AGREE, "last", values
    return UNDETERMINED, "last", values


@check
def earlier_than(s: Study, countries: list[str], country: str, role: str, earlier: str) -> Verdict:
    """Each named account (role:platform) opened before the institution's first account.

    An undated account of the institution could be its first, and earlier than the named
    ones: undetermined then, unless a dated account already decides against.
    """
    acc = _dated(s, [country])
    later, undated = _first(acc[acc["role"] == role])
    if later is None:
        return UNDETERMINED, "last_none", {"who": _inst(country, role)}
    parts, ok, decided = [], True, True
    for item in _list(earlier):
        r, p = item.split(":")
        first, _ = _first(acc[(acc["role"] == r) & (acc["platform"] == p)])
        if first is None:
            return UNDETERMINED, "created_none", {"who": _inst(country, r, p)}
        ok &= first.before(later)
        decided &= first.before(later) or later.before(first)
        parts.append(_item(_inst(country, r, p), first))
    values = {"role": _inst(country, role), "first": later, "parts": parts, "undated": undated}
    if not ok:
        return (DISAGREE if decided else UNDETERMINED), "earlier", values
    return (UNDETERMINED if undated else AGREE), "earlier", values


@check
def adopted_later(
    s: Study,
    countries: list[str],
    country: str,
    than: str,
    role: str | None = None,
    platform: str | None = None,
) -> Verdict:
    """`country`'s first account (of `role`, on `platform`, or any) came after `than`'s.

    Agree when every day the first date of `country` can mean is after every day of
    `than`'s; disagree when it came no later; an undated account of `country` in scope
    could be its first, so it leaves an agreement undetermined (and one of `than`
    leaves a disagreement undetermined).
    """
    acc = _dated(s, [country, than])
    if role:
        acc = acc[acc["role"] == role]
    if platform:
        acc = acc[acc["platform"] == platform]
    (fa, ua), (fb, ub) = (_first(acc[acc["country"] == c]) for c in (country, than))
    if fa is None or fb is None:
        return UNDETERMINED, "later_none", {"country": country, "than": than}
    gap = dates.month_gap(fa, fb)
    values = {
        "country": country,
        "than": than,
        "a": fa,
        "b": fb,
        "low": gap.low,
        "high": gap.high,
        "undated_a": ua,
        "undated_b": ub,
    }
    if fb.before(fa):
        return (UNDETERMINED if ua else AGREE), "later", values
    if not fa.before(fb) and fa.overlaps(fb):
        return UNDETERMINED, "later", values
    return (UNDETERMINED if ub else DISAGREE), "later", values


# --- audience, activity -----------------------------------------------------------------


@check
def most_followers_on(
    s: Study, countries: list[str], country: str, role: str, platform: str
) -> Verdict:
    """The institution has more followers on ``platform`` than on any other platform.

    A qualified figure is a bound: it decides the statement only where the bounds do
    not overlap.
    """
    acc = s.accounts[(s.accounts["country"] == country) & (s.accounts["role"] == role)]
    known = acc[acc["followers"].notna()]
    if platform not in set(known["platform"]):
        return (
            UNDETERMINED,
            "followers_none",
            {
                "who": _inst(country, role),
                "platform": _codes("platforms", [platform]),
            },
        )
    quantities = list(known[["platform", "followers", "followers_qualifier"]].values)
    bounds = {
        p: codebook.figure_bounds(n, q if isinstance(q, str) else None, s.data_dir)
        for p, n, q in quantities
    }
    low, high = bounds.pop(platform)
    values = {"_quantities": quantities}
    if any(other_low >= high for other_low, _ in bounds.values()):
        return DISAGREE, "followers", values
    if all(low > other_high for _, other_high in bounds.values()):
        return AGREE, "followers", values
    return UNDETERMINED, "followers_bound", values


def _rate(acc: pd.DataFrame, handle: str, snapshot: str | None) -> tuple[float, float, bool] | None:
    """Posts a month of the account's age: (lowest, highest, as_of assumed) or None."""
    row = acc[acc["handle"] == handle]
    if row.empty or pd.isna(row["posts"].iloc[0]) or pd.isna(row["created"].iloc[0]):
        return None
    assumed = pd.isna(row["as_of"].iloc[0])
    as_of = snapshot if assumed else row["as_of"].iloc[0]
    if as_of is None or pd.isna(as_of):
        return None
    low, high = dates.per_month(
        float(row["posts"].iloc[0]), dates.parse(row["created"].iloc[0]), dates.parse(as_of)
    )
    return (low, high, assumed)


@check
def more_active(
    s: Study, countries: list[str], country: str, handle: str, than_country: str, than: str
) -> Verdict:
    """`handle` posts more a month of its age than `than` (posts / months open).

    The months run from the opening month to the month of the post count (``as_of``);
    a count the source does not date is taken at the country's snapshot, and the verdict
    then stays undetermined unless no date could reverse it.
    """
    snap = s.countries.set_index("iso3")["snapshot"]
    ra = _rate(_accounts(s, [country]), handle, snap.get(country))
    rb = _rate(_accounts(s, [than_country]), than, snap.get(than_country))
    if ra is None or rb is None:
        lacking = [h for h, r in ((handle, ra), (than, rb)) if r is None]
        return UNDETERMINED, "active_none", {"lacking": ", ".join(lacking)}
    values = {
        "a": handle,
        "b": than,
        "a_low": ra[0],
        "a_high": ra[1],
        "b_low": rb[0],
        "b_high": rb[1],
    }
    if ra[2] or rb[2]:  # an undated count could be from any time: its rate is unknown
        return UNDETERMINED, "active_assumed", values
    if ra[0] > rb[1]:
        return AGREE, "active", values
    return (DISAGREE if ra[1] < rb[0] else UNDETERMINED), "active", values


# --- representations, agenda, interaction -----------------------------------------------


@check
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


@check
def representations_share_with_website(
    s: Study, countries: list[str], country: str, min_share: str, kind: str | None = None
) -> Verdict:
    """At least `min_share` of all representations (or of those of one `kind`) have a
    website; a kind whose count of websites is not given could have none or all, so the
    share is a range.

    This is how a statement that "most" representations have a website is read (the
    article's "en su gran mayoría", and "las embajadas" read as a generic plural): the
    threshold is the claim's, this package's reading of "most".
    """
    rep = s.representations[s.representations["country"] == country]
    if kind is not None:
        rep = rep[rep["kind"] == kind]
    if rep.empty or rep["count"].isna().any() or not rep["count"].sum():
        return UNDETERMINED, "reps_none", {"kind": kind or "-", "country": country}
    total = float(rep["count"].sum())
    known = float(rep["with_website"].fillna(0).sum())
    unknown = float(rep.loc[rep["with_website"].isna(), "count"].sum())
    low, high = known / total, (known + unknown) / total
    values = {"low": low, "high": high, "total": int(total), "min_share": float(min_share)}
    key = "reps_share"
    if kind is not None:
        key = "reps_share_kind" if not unknown else "reps_share_kind_range"
        values = {**values, "kind": kind, "with_site": int(known)}
    if low >= float(min_share):
        return AGREE, key, values
    return (DISAGREE if high < float(min_share) else UNDETERMINED), key, values


@check
def agenda_includes(
    s: Study,
    countries: list[str],
    country: str,
    role: str,
    topics: str,
    platform: str | None = None,
) -> Verdict:
    """The institution's accounts (on `platform`; of any institution for role ``*``) are
    coded with each of these topics."""
    ag = s.agenda[s.agenda["country"] == country]
    if role != "*":
        ag = ag[ag["role"] == role]
    if platform:
        ag = ag[ag["platform"] == platform]
    coded = set(ag["topic"])
    if not coded:
        who = _inst(country, role) if role != "*" else country
        return UNDETERMINED, "agenda_none", {"who": who}
    missing = [t for t in _list(topics) if t not in coded]
    values = {"topics": _codes("topics", sorted(coded)), "missing": _codes("topics", missing)}
    return (DISAGREE, "agenda_missing", values) if missing else (AGREE, "agenda", values)


@check
def interaction_level(s: Study, countries: list[str], level: str) -> Verdict:
    """Every interaction row of each country of the statement has this level."""
    inter = s.interaction[s.interaction["country"].isin(countries)]
    found = {c: sorted(set(inter.loc[inter["country"] == c, "level"])) for c in countries}
    if any(not v for v in found.values()):
        return UNDETERMINED, "level_none", {}
    shown = [_item(f"{c}:", _codes("account_levels", v)) for c, v in found.items()]
    return _verdict(all(v == [level] for v in found.values())), "level", {"levels": shown}


__all__ = ["AGREE", "CHECKS", "DISAGREE", "UNDETERMINED", "VERDICTS", "Verdict", "check"]
