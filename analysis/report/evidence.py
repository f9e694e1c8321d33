"""The replication check's evidence in words, in each language of the paper.

:func:`analysis.core.replication.verdicts` keeps each verdict's evidence as a template
key and the values it quotes; ``paper/text/labels.yml`` (``replication``) holds the
templates. This module fills them: dates and numbers as the language writes them,
institutions, platforms, criteria, topics and levels by their labels.
"""

from __future__ import annotations

import json

import pandas as pd

from analysis.core.replication import RESULT_COLUMNS, decode, verdicts
from analysis.data import codebook, dates
from analysis.data.load import Study
from analysis.report import text

__all__ = ["check", "evidence_text", "worded"]


def evidence_text(key: str, values: dict, lang: str = "en") -> str:
    """The evidence of a check in `lang`: its template filled, numbers and dates as `lang`
    writes them."""
    templates = text.words("replication", lang)
    filled = {k: _word(v, lang) for k, v in values.items() if not k.startswith("_")}
    if "_quantities" in values:  # figures with the article's qualifiers, in `lang`
        filled["shown"] = "; ".join(
            f"{codebook.label('platforms', p, lang)}: "
            f"{text.fmt_quantity(n, q if isinstance(q, str) else None, lang)}"
            for p, n, q in values["_quantities"]
        )
    if "_value" in values:
        v = values["_value"]
        if values.get("_column") == "year":  # a year is a name, not a quantity
            filled["value"] = str(v)
        elif isinstance(v, tuple):
            filled["value"] = text.fmt_quantity(v[0], v[1], lang)
        else:
            filled["value"] = _cell(v, lang)
    if "_where" in values:  # the row a value is read from, in the paper's words
        filled["where"] = ", ".join(_scope_word(k, v, lang) for k, v in values["_where"].items())
        filled["column"] = text.words("columns", lang)[values["_column"]]
    if values.get("_column") == "language" and "value" in filled:  # en -> English / inglés
        filled["value"] = text.words("languages", lang).get(str(values["_value"]), filled["value"])
    if "_needs" in values:
        filled["needs"] = text.words("replication_needs", lang)[values["_needs"]]
    if "kind" in filled and filled["kind"] != "-":  # embassy -> embassies / embajadas
        filled["kind"] = codebook.label("representation_kinds", filled["kind"], lang).lower()
    if "field" in filled:
        filled["field"] = text.scope_label("subgroup", filled["field"], lang)
    said = templates[key].format(**filled)
    if values.get("_reading") == "package":  # the check is this package's reading (claims.csv)
        said = templates["package_reading"].format(evidence=said)
    return said


def _word(value, lang: str) -> str:
    """A value a check quotes, in `lang`: dates and numbers as `lang` writes them, codes by
    their labels (institutions, platforms, criteria, topics, levels), lists joined."""
    if value is None:
        return "-"
    if isinstance(value, dates.PartialDate):
        return text.fmt_date(value, lang)
    if isinstance(value, bool):
        return text.words("tables", lang)["yes" if value else "no"]
    if isinstance(value, float):
        return text.fmt_number(value, lang, 2 if abs(value) < 10 else 0)
    if isinstance(value, int):
        return text.fmt_number(value, lang)
    if isinstance(value, list):
        return ", ".join(_word(v, lang) for v in value) or "-"
    if isinstance(value, dict) and "inst" in value:
        country, role, *platform = value["inst"]
        where = ", ".join([country, *(codebook.label("platforms", p, lang) for p in platform)])
        return f"{codebook.label('roles', role, lang)} ({where})"
    if isinstance(value, dict) and "codes" in value:
        section = value["codes"]
        if section == "counted":
            said = [text.words("counted", lang)[k] for k in value["keys"]]
        else:
            said = [codebook.label(section, k, lang) for k in value["keys"]]
        return ", ".join(said) or "-"
    if isinstance(value, dict) and "item" in value:
        what, detail = value["item"]
        return f"{_word(what, lang)} {_word(detail, lang)}"
    return str(value)


def _scope_word(key: str, value: str, lang: str) -> str:
    """A filter value of a claim in `lang`: roles, platforms and kinds by their labels."""
    lists = {"role": "roles", "platform": "platforms", "kind": "representation_kinds"}
    if key in lists:
        return codebook.label(lists[key], value, lang)
    return value


def _cell(value, lang: str) -> str:
    if isinstance(value, bool) or str(value) in ("True", "False"):
        return text.words("tables", lang)["yes" if str(value) == "True" else "no"]
    try:
        return text.fmt_number(float(value), lang)
    except (TypeError, ValueError):
        pass
    try:
        return text.fmt_date(dates.parse(value), lang)
    except ValueError:
        return str(value)


def worded(result: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The verdicts of :func:`verdicts` with their evidence written in `lang`."""
    out = result[RESULT_COLUMNS[:-1]].copy()
    out["evidence"] = [
        evidence_text(key, decode(json.loads(values)), lang)
        for key, values in zip(result["evidence_key"], result["evidence_values"], strict=True)
    ]
    return out.astype("string")


def check(study: Study, lang: str = "en") -> pd.DataFrame:
    """:func:`verdicts` worded in `lang`: one row per statement, the evidence in words."""
    return worded(verdicts(study), lang)
