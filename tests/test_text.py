"""Words and numbers per language (report.text), and partial dates (data.dates)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.base.errors import UsageError
from analysis.report import text

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("x", "lang", "decimals", "expected"),
    [
        (870000, "en", None, "870,000"),
        (870000, "es", None, f"870{NBSP}000"),
        (4200, "es", None, "4200"),  # RAE: four digits stay ungrouped
        (14000, "es", None, f"14{NBSP}000"),
        (4200, "en", None, "4,200"),
        (0.6, "en", None, "0.6"),
        (0.6, "es", None, "0,6"),
        (2000000, "es", None, f"2{NBSP}000{NBSP}000"),
        (1234.5, "es", None, "1234,5"),
        (-3.25, "es", 1, "-3,3"),  # half away from zero
        (0.625, "en", 2, "0.63"),
        (0.125, "es", 2, "0,13"),
        (-0.004, "en", 2, "0.00"),
        (2.5, "en", 2, "2.50"),
        (pd.NA, "en", None, ""),
        (None, "es", None, ""),
    ],
)
def test_fmt_number(x, lang, decimals, expected):
    assert text.fmt_number(x, lang, decimals) == expected


def test_fmt_percent_quantity_and_p():
    assert text.fmt_percent(0.25, "en") == "25%"
    assert text.fmt_percent(0.031, "es", 1) == f"3,1{NBSP}%"
    assert text.fmt_quantity(720000, "more_than", "en") == "more than 720,000"
    assert text.fmt_quantity(720000, "more_than", "es") == f"más de 720{NBSP}000"
    assert text.fmt_quantity(2000000, "almost", "es") == f"casi 2{NBSP}000{NBSP}000"
    assert text.fmt_quantity(pd.NA, pd.NA, "es") == "no disponible"
    assert text.fmt_p(0.0001, "es") == "<0,001"
    assert text.fmt_p(0.25, "en") == "0.250"
    with pytest.raises(UsageError, match="language"):
        text.fmt_number(1, "fr")
