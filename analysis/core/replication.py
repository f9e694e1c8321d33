"""The replication check: the article's countable statements held against the data.

Each statement of ``claims.csv`` names a check of :mod:`analysis.core.checks` and its
arguments, and says on what its data rest (``basis``): the very sentence that makes the
statement (``same_sentence``: agreement only shows the transcription is faithful), another
place of the article (``other_place``: agreement shows the article agrees with itself, a
consistency check, not an independent verification), or a source outside the article
(``external``). A statement that names no measure or threshold of its own ("muy activa",
"en su gran mayoría") is checked by this package's reading of it, and claims.csv says so
(``operationalisation`` ``package``): its evidence is then marked as such. :func:`verdicts`
holds every statement of a pair against its data and
keeps each verdict's evidence as a template key and the values it quotes, so that
:mod:`analysis.report.evidence` words it in any language.

>>> from analysis.data import load
>>> result = verdicts(load.study("MEX", "CHL"))
>>> sorted(result["verdict"].unique())
['agree', 'disagree', 'undetermined']
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.base.errors import DataError, Problem
from analysis.base.paths import DATA_DIR
from analysis.core.checks import CHECKS, VERDICTS
from analysis.data import dates
from analysis.data.load import Study, load_all

#: What a statement's data rest on (claims.csv ``basis``).
BASES = ("same_sentence", "other_place", "external", "none")
#: Whose measure a check applies (claims.csv ``operationalisation``; empty: the article's).
OPERATIONALISATIONS = ("article", "package")
RESULT_COLUMNS = [
    "claim_id",
    "countries",
    "statement",
    "source",
    "basis",
    "check",
    "verdict",
    "evidence",
]


def parse_params(text_: str | None) -> dict[str, str]:
    """``"country=MEX; expected=6"`` -> ``{"country": "MEX", "expected": "6"}``.

    Raises ``ValueError`` for a part without ``=`` or a key given twice.
    """
    if text_ is None or pd.isna(text_) or not str(text_).strip():
        return {}
    out: dict[str, str] = {}
    for part in str(text_).split(";"):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise ValueError(f"{part.strip()!r} is not key=value")
        if key in out:
            raise ValueError(f"{key!r} is given twice")
        out[key] = value.strip()
    return out


def params_problem(check_name: str, params_text: str | None) -> str | None:
    """Why a claim's check and params cannot run (unknown check, missing or unknown
    params), or None. The loader calls it so ``make validate`` catches a bad claim."""
    if check_name not in CHECKS:
        return f"unknown check {check_name!r} (known: {', '.join(sorted(CHECKS))})"
    try:
        params = parse_params(params_text)
    except ValueError as exc:
        return f"params: {exc}"
    signature = inspect.signature(CHECKS[check_name])
    try:
        signature.bind(None, [], **params)
    except TypeError as exc:
        return f"params do not fit check {check_name!r} ({exc})"
    return None


def claims_problems(data_dir: str | Path | None = None) -> list:
    """Every claim names a check with params that fit it: the problems of claims.csv.

    ``make validate`` and the build call it, so a bad claim fails at once, naming its
    line and column, not late in a notebook.
    """
    data_dir = Path(data_dir or DATA_DIR)
    path = data_dir / "claims.csv"
    claims = load_all(data_dir).get("claims")
    if claims is None:
        return []
    out = []
    for line, row in claims.iterrows():
        problem = params_problem(row["check"], None if pd.isna(row["params"]) else row["params"])
        if problem:
            column = "check" if problem.startswith("unknown check") else "params"
            out.append(Problem(path, line, column, problem))
    return out


def check_claims(data_dir: str | Path | None = None) -> None:
    """Raise :class:`~analysis.base.errors.DataError` naming every bad claim, if any."""
    problems = claims_problems(data_dir)
    if problems:
        raise DataError(problems)


#: The columns of :func:`verdicts`: the evidence as its template key and its values (JSON).
VERDICT_COLUMNS = [*RESULT_COLUMNS[:-1], "evidence_key", "evidence_values"]


def _encode(value):
    """JSON for the values a check quotes: dates and pairs keep their type."""
    if isinstance(value, dates.PartialDate):
        return {"date": value.text}
    if isinstance(value, tuple):
        return {"tuple": [_encode(v) for v in value]}
    if isinstance(value, list | np.ndarray):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    if value is pd.NA:
        return None
    return value


def decode(value):
    if isinstance(value, dict):
        if set(value) == {"date"}:
            return dates.parse(value["date"])
        if set(value) == {"tuple"}:
            return tuple(decode(v) for v in value["tuple"])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def verdicts(study: Study) -> pd.DataFrame:
    """Hold every statement of the pair against its data; one row per statement.

    The evidence is kept as its template key and the values it quotes (JSON), so the
    verdicts are computed once and worded in any language by :func:`worded`.

    Raises
    ------
    KeyError
        When claims.csv names a check that this module does not have (the loader
        catches it first: :func:`params_problem`).
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
        if str(getattr(claim, "operationalisation", "")) == "package":
            values = {**values, "_reading": "package"}  # the evidence says the reading is ours
        rows.append(
            [
                claim.claim_id,
                claim.countries,
                claim.statement,
                claim.source,
                claim.basis,
                claim.check,
                verdict,
                key,
                json.dumps(_encode(values), ensure_ascii=False),
            ]
        )
    return pd.DataFrame(rows, columns=VERDICT_COLUMNS).astype("string")


def summary(result: pd.DataFrame) -> dict:
    """Counts of each verdict, and of each verdict by basis, zeros included."""
    counts = result["verdict"].value_counts()
    out: dict = {v: int(counts.get(v, 0)) for v in VERDICTS}
    out["total"] = len(result)
    by = result.groupby(["basis", "verdict"]).size()
    out["by_basis"] = {b: {v: int(by.get((b, v), 0)) for v in VERDICTS} for b in BASES}
    return out


__all__ = [
    "BASES",
    "OPERATIONALISATIONS",
    "RESULT_COLUMNS",
    "VERDICT_COLUMNS",
    "check_claims",
    "claims_problems",
    "decode",
    "params_problem",
    "parse_params",
    "summary",
    "verdicts",
]
