"""Partial dates: the one type for "2009", "2009-12", "2009-Q4", "2017-03-20" and "2014/2017-08".

The article dates accounts as precisely as it can ("data de 2011", "abril de 2011",
"finales de 2009", "el 20 de marzo de 2017") and sometimes gives two dates for one
account. A :class:`PartialDate` keeps exactly what the source says: the first and
last day it can mean and its precision, never an invented day.

Policy (written once, in data/raw/CODEBOOK.md, "Dates"):

* A date is the span of days it can mean: ``2009`` is 1 January to 31 December 2009,
  ``2009-Q4`` October to December, a day is itself. An interval ``A/B`` (ISO 8601)
  runs from the first day of ``A`` to the last day of ``B``: the article gives both
  readings and the data keep both.
* Order: one date is *certainly before* another when it ends before the other starts;
  sorting uses (start, end).
* Gaps are counted in calendar months, with the range the two spans allow and the
  mid-point estimate, which always lies inside that range. A day counts as its month
  in a gap (the gap from 20 March to 5 April is one month); it keeps its day
  everywhere else.
* Bounded: a date of data/raw lies in the years :data:`FIRST_YEAR` to :data:`LAST_YEAR`
  (no account, website or snapshot of the study is older or later); the loader also
  holds an account's dates between its platform's launch and its country's snapshot.

>>> d = parse("2009-Q4")
>>> d.start, d.end, d.precision
(datetime.date(2009, 10, 1), datetime.date(2009, 12, 31), 'quarter')
>>> month_gap(parse("2009-12"), parse("2011"))
Gap(low=-24, high=-13, estimate=-18.5)
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "PATTERN",
    "PRECISIONS",
    "Gap",
    "PartialDate",
    "earliest",
    "month_gap",
    "parse",
    "per_month",
    "parse_or_none",
]

#: The years a date of data/raw may fall in (the web, and the study's horizon).
FIRST_YEAR, LAST_YEAR = 1990, 2100
#: From the finest to the coarsest; ``range`` is an interval between two readings.
PRECISIONS = ("day", "month", "quarter", "year", "range")

_ONE_TEXT = r"([0-9]{4})(?:-(?:([0-9]{2})(?:-([0-9]{2}))?|Q([1-4])))?"
_ONE = re.compile(f"^{_ONE_TEXT}$")
#: The shape of a date of data/raw, for schemas (the data package); :func:`parse` also
#: checks the calendar.
PATTERN = (
    r"^[0-9]{4}(-([0-9]{2}(-[0-9]{2})?|Q[1-4]))?(/[0-9]{4}(-([0-9]{2}(-[0-9]{2})?|Q[1-4]))?)?$"
)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to a day, month, quarter or year, or an interval between two readings.

    ``start`` and ``end`` are the first and the last day the date can mean (both
    included); ``precision`` is one of :data:`PRECISIONS`.
    """

    start: dt.date
    end: dt.date
    precision: str

    def __post_init__(self):
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, not {self.precision!r}")
        if self.end < self.start:
            raise ValueError(f"a date cannot end ({self.end}) before it starts ({self.start})")

    # --- what it spans -------------------------------------------------------------
    @property
    def first_month(self) -> int:
        """The first month it can mean, as months since year 0 (``year * 12 + month - 1``)."""
        return self.start.year * 12 + self.start.month - 1

    @property
    def last_month(self) -> int:
        """The last month it can mean, as months since year 0."""
        return self.end.year * 12 + self.end.month - 1

    @property
    def mid_month(self) -> float:
        """The middle of its months: the point estimate of a gap."""
        return (self.first_month + self.last_month) / 2

    @property
    def mid_year(self) -> float:
        """The middle of its span as a decimal year (``2009-12`` is 2009.958)."""
        return (self.first_month + self.last_month + 1) / 2 / 12

    # --- order ---------------------------------------------------------------------
    def before(self, other: PartialDate) -> bool:
        """Certainly before `other`: it ends before `other` starts."""
        return self.end < other.start

    def contains(self, other: PartialDate) -> bool:
        """Every day `other` can mean is a day this date can mean."""
        return self.start <= other.start and other.end <= self.end

    def overlaps(self, other: PartialDate) -> bool:
        """The two dates can mean the same day."""
        return self.start <= other.end and other.start <= self.end

    # --- text ----------------------------------------------------------------------
    @property
    def text(self) -> str:
        """The date as data/raw writes it: ``2009``, ``2009-Q4``, ``2009-12``, ``2017-03-20``."""
        if self.precision == "range":
            return f"{_start_text(self.start)}/{_end_text(self.end)}"
        if self.precision == "year":
            return f"{self.start.year}"
        if self.precision == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.precision == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        return self.start.isoformat()

    def __str__(self) -> str:
        return self.text


def _start_text(day: dt.date) -> str:
    if day.month == 1 and day.day == 1:
        return f"{day.year}"
    return f"{day.year}-{day.month:02d}" if day.day == 1 else day.isoformat()


def _end_text(day: dt.date) -> str:
    if day.month == 12 and day.day == 31:
        return f"{day.year}"
    if day == _month_end(day.year, day.month):
        return f"{day.year}-{day.month:02d}"
    return day.isoformat()


def _parse_one(text: str) -> PartialDate:
    m = _ONE.match(text)
    if not m:
        raise ValueError(
            f"{text!r} is not a date (YYYY, YYYY-MM, YYYY-MM-DD, YYYY-Qn, or A/B for an interval)"
        )
    year, month, day, quarter = m.groups()
    y = int(year)
    if not FIRST_YEAR <= y <= LAST_YEAR:
        raise ValueError(f"{text!r}: the year must lie between {FIRST_YEAR} and {LAST_YEAR}")
    try:
        if quarter:
            q = int(quarter)
            return PartialDate(dt.date(y, 3 * q - 2, 1), _month_end(y, 3 * q), "quarter")
        if day:
            d = dt.date(y, int(month), int(day))
            return PartialDate(d, d, "day")
        if month:
            return PartialDate(dt.date(y, int(month), 1), _month_end(y, int(month)), "month")
        return PartialDate(dt.date(y, 1, 1), dt.date(y, 12, 31), "year")
    except ValueError:
        raise ValueError(f"{text!r} is not a calendar date") from None


def parse(text: str) -> PartialDate:
    """Read a date of data/raw; raise ``ValueError`` saying what a date looks like.

    >>> parse("2014/2017-08").precision, parse("2014/2017-08").text
    ('range', '2014/2017-08')
    """
    text = str(text).strip()
    if "/" in text:
        first, _, last = text.partition("/")
        a, b = _parse_one(first), _parse_one(last)
        if b.end < a.start:
            raise ValueError(f"{text!r}: an interval must not end before it starts")
        return PartialDate(a.start, b.end, "range")
    return _parse_one(text)


def parse_or_none(text) -> PartialDate | None:
    """:func:`parse`, with ``None`` for a missing value (None, NA, '')."""
    if text is None or isinstance(text, float) and text != text:
        return None
    if str(text).strip() in ("", "<NA>", "NaT", "nan"):  # pandas' missing values
        return None
    return parse(text)


def earliest(dates: Iterable) -> PartialDate | None:
    """The earliest of several dates: between the earliest start and the earliest end.

    ``2011`` and ``2011-04`` give "somewhere in 2011, by April" (a range) unless one
    of them is itself that span. Missing dates are left out; none gives ``None``.

    >>> earliest(["2011", "2011-04"]).text
    '2011/2011-04'
    """
    parsed = [d if isinstance(d, PartialDate) else parse_or_none(d) for d in dates]
    parsed = [d for d in parsed if d is not None]
    if not parsed:
        return None
    start = min(d.start for d in parsed)
    end = min(d.end for d in parsed)
    for d in parsed:
        if d.start == start and d.end == end:
            return d
    return PartialDate(start, max(end, start), "range")


@dataclass(frozen=True)
class Gap:
    """How many calendar months `a` came after `b` (negative: before), with its range.

    ``low`` and ``high`` bound every gap the two dates' precision allows;
    ``estimate`` is the gap between their mid-points and lies inside ``[low, high]``.
    """

    low: int
    high: int
    estimate: float

    @property
    def exact(self) -> bool:
        return self.low == self.high


def month_gap(a: PartialDate, b: PartialDate) -> Gap:
    """The gap in calendar months from `b` to `a` (``a - b``; positive: `a` later)."""
    return Gap(
        low=a.first_month - b.last_month,
        high=a.last_month - b.first_month,
        estimate=a.mid_month - b.mid_month,
    )


def per_month(total: float, opened: PartialDate, counted: PartialDate) -> tuple[float, float]:
    """A total accumulated since `opened` as a rate per month at `counted`: (lowest, highest).

    The account has been open at least the months from its opening month to the month
    of the count (at least one) and at most one more, over every span the two dates'
    precision allows; an account of a different age is compared by its rate, not its
    total.

    >>> low, high = per_month(35000, parse("2009-12"), parse("2019-02"))
    >>> round(low), round(high)
    (315, 318)
    """
    gap = month_gap(counted, opened)
    return total / (gap.high + 1), total / max(gap.low, 1)
