"""Partial dates: one type (analysis.data.dates.PartialDate) and every user of it, case by case.

The same cases (a year, a quarter, a month, a day, an interval between two readings, and
a missing date) go through the type itself, the loader, the adoption gaps of compare,
the replication check, the accounts table and the timeline figure, so a date means the
same thing everywhere.
"""

from __future__ import annotations

import csv
import datetime as dt
import math

import pandas as pd
import pytest

from analysis.core import checks, compare
from analysis.data import dates, load
from analysis.report import figures, tables
from analysis.report import text as text_

D = dt.date
# text, precision, first day, last day, English, Spanish, drawn as
CASES = [
    ("2014", "year", D(2014, 1, 1), D(2014, 12, 31), "2014", "2014", "bar"),
    ("2013-Q4", "quarter", D(2013, 10, 1), D(2013, 12, 31), "Q4 2013", "T4 2013", "bar"),
    ("2014-01", "month", D(2014, 1, 1), D(2014, 1, 31), "January 2014", "enero de 2014", "dot"),
    (
        "2014-01-20",
        "day",
        D(2014, 1, 20),
        D(2014, 1, 20),
        "20 January 2014",
        "20 de enero de 2014",
        "dot",
    ),
    (
        "2012/2014-01",
        "range",
        D(2012, 1, 1),
        D(2014, 1, 31),
        "2012 to January 2014",
        "2012 a enero de 2014",
        "two marks",
    ),
    ("", None, None, None, "", "", None),
]
IDS = ["year", "quarter", "month", "day", "range", "missing"]


@pytest.fixture(params=CASES, ids=IDS)
def case(request, raw_copy):
    """The case, and a study where the IMR's Twitter account (MEX) opened on that date."""
    text, precision, first, last, en, es, drawn = request.param
    path = raw_copy / "accounts.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        if (row["country"], row["role"], row["platform"]) == (
            "MEX",
            "diplomatic_academy",
            "twitter",
        ):
            row["created"] = text
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return request.param, load.study("MEX", "CHL", raw_copy)


def _imr(study):
    acc = study.accounts
    return acc[(acc["country"] == "MEX") & (acc["role"] == "diplomatic_academy")].iloc[0]


def test_one_date_means_the_same_everywhere(case):
    (text, precision, first, last, en, es, drawn), study = case
    # the type
    parsed = dates.parse_or_none(text)
    if precision is None:
        assert parsed is None
    else:
        assert (parsed.precision, parsed.start, parsed.end, parsed.text) == (
            precision,
            first,
            last,
            text,
        )
        assert (text_.fmt_date(parsed, "en"), text_.fmt_date(parsed, "es")) == (en, es)
        assert dates.parse(parsed.text) == parsed
    # the loader keeps the text as the source gives it
    created = _imr(study)["created"]
    assert (pd.isna(created) and precision is None) or created == text
    # compare: the gap to Chile's academy (first account 2011) and its range
    row = compare.adoption(study)
    row = row[(row["measure"] == "first_adoption") & (row["role"] == "diplomatic_academy")]
    row = row.iloc[0]
    if precision is None:
        assert math.isnan(row.estimate) and row.reason == "no_data"
    else:
        gap = dates.month_gap(parsed, dates.parse("2011"))
        assert (row.ci_low, row.ci_high) == (gap.low, gap.high)
        assert gap.low <= row.estimate <= gap.high
        assert row.value_a == pytest.approx(parsed.mid_year)
    # the accounts table writes it as the paper does
    for lang, shown in (("en", en), ("es", es)):
        table = tables.accounts_table(study, lang)
        imr = table[table.iloc[:, 1].str.startswith(("Diplomatic", "Academia"))].iloc[0]
        assert imr.iloc[4] == shown
    # the replication check holds a statement of that very date as agreeing
    check = checks.CHECKS["created_matches"]
    verdict, _, _ = check(
        study,
        ["MEX"],
        country="MEX",
        role="diplomatic_academy",
        platform="twitter",
        stated=text or "2014",
    )
    assert verdict == ("undetermined" if precision is None else "agree")
    # the timeline draws a span as a bar, a month or a day as a dot, two readings as two
    # marks joined by a dotted line, and lists the undated
    ax = figures.adoption_timeline(study, "en").axes[0]
    gid = "MEX:diplomatic_academy:twitter"
    bars = [p for p in ax.patches if (p.get_gid() or "").startswith(gid)]
    dots = [ln for ln in ax.lines if (ln.get_gid() or "").startswith(gid)]
    expected = {"bar": (1, 0), "dot": (0, 1), "two marks": (2, 1), None: (0, 0)}[drawn]
    assert (len(bars), len(dots)) == expected


@pytest.mark.parametrize(
    "text",
    ["2009-13", "2009-02-30", "late 2009", "2009-Q5", "2017/2014", "2009-1", "20090", ""],
)
def test_what_is_not_a_date(text):
    with pytest.raises(ValueError):
        dates.parse(text)


def test_order_gaps_and_earliest():
    y, q, m, d = (dates.parse(t) for t in ("2009", "2009-Q4", "2009-12", "2009-12-05"))
    assert sorted([d, m, q, y]) == [y, q, m, d]  # by start, then end
    assert y.contains(q) and q.contains(m) and m.contains(d) and not d.contains(m)
    assert dates.parse("2009-11").before(m) and not q.before(m) and q.overlaps(m)
    gap = dates.month_gap(dates.parse("2014-04"), m)
    assert (gap.low, gap.high, gap.estimate, gap.exact) == (52, 52, 52.0, True)
    # a day counts as its month in a gap
    assert dates.month_gap(dates.parse("2017-03-20"), dates.parse("2017-02")).estimate == 1
    gap = dates.month_gap(m, dates.parse("2011"))
    assert (gap.low, gap.high) == (-24, -13) and gap.low < gap.estimate < gap.high
    assert dates.earliest(["2011-09", "2011", None, pd.NA]).text == "2011/2011-09"
    assert dates.earliest(["2013-09", "2011"]).text == "2011"
    assert dates.earliest([None, ""]) is None
