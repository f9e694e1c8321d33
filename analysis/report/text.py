"""Words and number formats per language: the only place the library chooses words.

Labels of categories come from the codebook (``data/raw/codebook.yml``); the words
of tables, figures, comparisons and the replication check from
``paper/text/labels.yml``, read once, when first needed. The statistics modules
return codes (:mod:`analysis.core.compare`, :mod:`analysis.core.replication`); the functions
here word them.

>>> fmt_number(870000, "en"), fmt_number(870000, "es"), fmt_number(4200, "es")
('870,000', '870\\xa0000', '4200')
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from analysis.base import yaml_io
from analysis.base.errors import UsageError
from analysis.base.paths import LABELS_FILE
from analysis.data import codebook
from analysis.data.dates import PartialDate, parse_or_none

#: The languages of the paper.
LANGUAGES = codebook.LANGUAGES
#: Thousands separator per language. Spanish uses a NO-BREAK SPACE (U+00A0), the
#: article's "870 000" without letting a line break split the number.
THOUSANDS_SEP = {"en": ",", "es": "\u00a0"}
#: Decimal separator per language.
DECIMAL_SEP = {"en": ".", "es": ","}
MARK_YES, MARK_NO = "X", "-"


def is_missing(value) -> bool:
    """Whether `value` is a value the data do not give: None, NaN, pandas' NA or NaT.

    Plain Python values are judged without importing pandas (the paper's assembly
    formats numbers read from JSON).

    >>> is_missing(None), is_missing(float("nan")), is_missing(0), is_missing("")
    (True, True, False, False)
    """
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, str | int | Decimal):
        return False
    import pandas as pd  # lazy: start-up time

    return bool(pd.api.types.is_scalar(value) and pd.isna(value))


@cache
def labels() -> dict:
    """The parsed ``paper/text/labels.yml`` (read once; treat as read-only)."""
    with open(LABELS_FILE, encoding="utf-8") as fh:
        return yaml_io.safe_load(fh)


def check_lang(lang: str) -> None:
    """Refuse a language the paper is not written in."""
    if lang not in LANGUAGES:
        raise UsageError(f"language must be one of {', '.join(LANGUAGES)}, not {lang!r}")


def words(section: str, lang: str) -> dict[str, str]:
    """The words of one section of labels.yml (``tables``, ``figures``...) in `lang`."""
    check_lang(lang)
    return labels()[section][lang]


# --------------------------------------------------------------------------- numbers
def _decimal(x) -> Decimal:
    """`x` as the decimal it is written as (0.625, not 0.62499999...), for honest rounding."""
    return x if isinstance(x, Decimal) else Decimal(repr(float(x)))


def fmt_number(x, lang: str = "en", decimals: int | None = None) -> str:
    """Format a number the way each language writes it; missing gives ``""``.

    English: ``870,000`` and ``0.6``. Spanish (RAE, and the article): a no-break
    space groups thousands (``870 000``), four-digit numbers stay ungrouped
    (``4200``), and the decimal mark is a comma (``0,6``). Rounding is half away
    from zero on the number as written (0.625 to two decimals is 0.63), never the
    binary float's half-to-even.

    Parameters
    ----------
    x : number or NA
    lang : {"en", "es"}
    decimals : int, optional
        Fixed decimals; by default whole numbers get none and others the
        shortest form up to six decimals.

    >>> fmt_number(0.6, "es"), fmt_number(1234.5, "es"), fmt_number(2.5, "en", 2)
    ('0,6', '1234,5', '2.50')
    >>> fmt_number(0.625, "en", 2), fmt_number(0.125, "es", 2), fmt_number(-2.5, "en", 0)
    ('0.63', '0,13', '-3')
    """
    check_lang(lang)
    if x is None or (not isinstance(x, Decimal) and is_missing(x)):
        return ""
    d = _decimal(x)
    places = 6 if decimals is None else decimals
    rounded = abs(d).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{rounded:,f}"
    if decimals is None and "." in text:
        text = text.rstrip("0").rstrip(".")
    whole, _, frac = text.partition(".")
    if lang == "es" and len(whole.replace(",", "")) <= 4:
        whole = whole.replace(",", "")
    whole = whole.replace(",", THOUSANDS_SEP[lang])
    sign = "-" if d < 0 and rounded != 0 else ""
    return sign + whole + (DECIMAL_SEP[lang] + frac if frac else "")


def fmt_percent(share, lang: str = "en", decimals: int = 0) -> str:
    """A share (0-1) as a percentage: ``25%`` in English, ``25 %`` in Spanish (RAE).

    >>> fmt_percent(0.125, "en"), fmt_percent(0.625, "es", 1)
    ('13%', '62,5\xa0%')
    """
    if share is None or is_missing(share):
        return ""
    number = fmt_number(_decimal(share) * 100, lang, decimals)
    return number + ("\u00a0%" if lang == "es" else "%")


def fmt_quantity(value, qualifier=None, lang: str = "en", missing: str | None = None) -> str:
    """A figure with the source's qualifier: ``more than 720,000`` / ``más de 720 000``.

    A missing value gives `missing` (default: "not given" in `lang`), never a guess.
    """
    check_lang(lang)
    if value is None or is_missing(value):
        return words("tables", lang)["not_given"] if missing is None else missing
    text = fmt_number(value, lang)
    if qualifier is not None and not is_missing(qualifier) and qualifier != "":
        text = f"{codebook.label('qualifiers', qualifier, lang)} {text}"
    return text


def fmt_p(p, lang: str = "en") -> str:
    """A p-value to three decimals, ``<0.001`` below that; blank when there is no test."""
    if p is None or is_missing(p):
        return ""
    return "<" + fmt_number(0.001, lang, 3) if p < 0.001 else fmt_number(p, lang, 3)


def fmt_stat(x, lang: str = "en") -> str:
    """A statistic: whole numbers as they are, others to two decimals."""
    if x is None or is_missing(x):
        return ""
    return fmt_number(x, lang, 0 if float(x).is_integer() else 2)


def fmt_date(date, lang: str = "en") -> str:
    """A :class:`analysis.data.dates.PartialDate` (or its text) as the paper writes it.

    In words, at the precision the source gives: ``20 March 2017`` / ``20 de marzo de
    2017``, ``December 2009`` / ``diciembre de 2009``, ``2009``; a quarter ``Q4 2009`` /
    ``T4 2009``; an interval ``2014 to August 2017`` / ``2014 a agosto de 2017``. The CSV
    files keep the ISO form. Missing gives ``""``.

    >>> fmt_date("2009-Q4", "es"), fmt_date("2014/2017-08", "en"), fmt_date("2017-03-20", "es")
    ('T4 2009', '2014 to August 2017', '20 de marzo de 2017')
    """
    check_lang(lang)
    if not isinstance(date, PartialDate):
        date = parse_or_none(date)
    if date is None:
        return ""
    w = words("dates", lang)
    if date.precision == "quarter":
        return w["quarter"].format(q=(date.start.month - 1) // 3 + 1, year=date.start.year)
    if date.precision == "range":
        first, last = (parse_or_none(part) for part in date.text.split("/"))
        start = fmt_date(first, lang)
        if first.precision == "year" and last.start.year == first.start.year:
            start = w["months"][0]  # "2014 to April 2014" is January to April 2014
        return w["range"].format(start=start, end=fmt_date(last, lang))
    month = w["months"][date.start.month - 1]
    if date.precision == "month":
        return w["month"].format(month=month, year=date.start.year)
    if date.precision == "day":
        return w["day"].format(day=date.start.day, month=month, year=date.start.year)
    return date.text


def mark(value) -> str:
    """True/False/NA as the article marks them: X, - and blank for not given."""
    if value is None or is_missing(value):
        return ""
    return MARK_YES if bool(value) else MARK_NO


# ------------------------------------------------------------------ comparison codes
def _scoped(section: str, key: str, scope: list[str], lang: str) -> str | None:
    """``section[key[a,b]]``, falling back to ``section[key]``: the template for a scope."""
    table = words(section, lang)
    if scope:
        name = f"{key}[{','.join(scope)}]"
        if name in table:
            return table[name]
    return table.get(key)


def scope_label(kind: str, key: str, lang: str, mid_sentence: bool = True) -> str:
    """A role, platform or subgroup key as the paper names it inside a phrase.

    Roles and platforms come from the codebook (roles in lower case mid-sentence in
    English); a subgroup is a topic (codebook) or one of labels.yml's ``subgroups``.
    """
    book = codebook.load_codebook()
    if kind == "subgroup":
        if key in book["topics"]:
            return book["topics"][key][lang]
        return words("subgroups", lang)[key]
    name = book[f"{kind}s"][key][lang]
    if kind == "role" and lang == "en" and mid_sentence:
        name = name[0].lower() + name[1:]
    return name


def measure_label(row, lang: str = "en") -> str:
    """What a comparison row measures, in `lang`: its measure worded with its scope.

    The template is ``measures[<measure>[role,platform]]`` (the scope columns that
    the row fills, in that order), e.g. ``followers[role,platform]``, or
    ``measures[<measure>]`` for a row without scope.

    Raises
    ------
    KeyError
        When labels.yml has no words for the measure (a test makes sure it has).
    """
    scope = [k for k in ("role", "platform", "subgroup") if _filled(row.get(k))]
    key = f"{row['measure']}[{','.join(scope)}]" if scope else row["measure"]
    template = words("measures", lang).get(key)
    if template is None:
        raise KeyError(f"labels.yml has no measure {key!r}")
    text = template.format(**{k: scope_label(k, row[k], lang) for k in scope})
    return text[0].upper() + text[1:]


def _named(section: str, key: str, scope: str, lang: str) -> str:
    """``section[<key>[<scope>]]``, else ``section[<key>]``; "" for no key; KeyError if absent."""
    if not key:
        return ""
    template = _scoped(section, key, [scope] if scope else [], lang)
    if template is None:
        raise KeyError(f"labels.yml has no {section[:-1]} {key!r}")
    return template


def effect_label(effect: str, unit: str = "", lang: str = "en") -> str:
    """The name of an effect (``effects[<effect>[<unit>]]``, else ``effects[<effect>]``)."""
    return _named("effects", effect, unit, lang)


def test_label(test: str, measure: str = "", lang: str = "en") -> str:
    """The name of a test (``tests[<test>[<measure>]]``, else ``tests[<test>]``)."""
    return _named("tests", test, measure, lang)


def code_label(section: str, key: str, lang: str = "en") -> str:
    """A reason, interval or unit code (``reasons``, ``intervals``, ``units``) in `lang`."""
    if not key:
        return ""
    table = words(section, lang)
    if key not in table:
        raise KeyError(f"labels.yml has no {section[:-1]} {key!r}")
    return table[key]


def _filled(value) -> bool:
    return not is_missing(value) and value != ""


__all__ = [
    "DECIMAL_SEP",
    "LANGUAGES",
    "MARK_NO",
    "MARK_YES",
    "THOUSANDS_SEP",
    "check_lang",
    "code_label",
    "effect_label",
    "fmt_date",
    "fmt_number",
    "fmt_p",
    "fmt_percent",
    "fmt_quantity",
    "fmt_stat",
    "is_missing",
    "labels",
    "mark",
    "measure_label",
    "scope_label",
    "test_label",
    "words",
]


#: Every ASCII punctuation character: pandoc's Markdown lets a backslash escape any of them.
_PUNCTUATION = re.compile(r"""([!-/:-@\[-`{-~])""")


def escape_markdown(value) -> str:
    r"""A value of the data as literal Markdown text: it can never become markup.

    Every ASCII punctuation character is backslash-escaped (``@SRE_mx`` stays a handle,
    not a citation; ``<script>`` stays text; ``[x](javascript:...)`` stays brackets),
    line breaks become spaces, and missing values are blank.

    >>> escape_markdown("<b>@SRE_mx</b>") == r"\<b\>\@SRE\_mx\<\/b\>"
    True
    """
    if value is None or (not isinstance(value, str) and is_missing(value)):
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    text = re.sub(r"\s+", " ", str(value))
    return _PUNCTUATION.sub(r"\\\1", text)
