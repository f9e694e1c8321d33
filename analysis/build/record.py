"""Record what a notebook produces: results once, drawings in every language.

A notebook calls the library through a :class:`Recorder`. What does not depend on
the language (statistics, code tables, counts) is computed at once and written under
``results/``. What does (a figure's drawn labels, a table's words, a value in words)
is *recorded* as a drawing: the function and its arguments. :mod:`analysis.build.draw`
replays every drawing in each language of the paper, so a Spanish paper after an
English one, or an edit of the paper's words, reruns no notebook. Each output keeps
the notebook and the function that made it, so the paper can say under each figure
and table where it comes from (after showyourwork!).

An argument of a drawing is the language placeholder :data:`LANG`, the study (or
the panel), a table recorded by the same notebook, or a plain value (text, number, list). Run by
hand with ``lang`` set, the Recorder also draws each drawing in that language and
returns it, so the notebook shows what the paper will.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.base.errors import UsageError
from analysis.base.files import csv_text, write_atomic
from analysis.base.paths import RESULTS
from analysis.data.load import Panel, Study
from analysis.report import tables

__all__ = [
    "LANG",
    "RESULTS",
    "Recorder",
    "made_by",
    "read_values",
    "records",
    "resolve",
    "to_json",
    "values_by_notebook",
]


class _Language:
    """The placeholder for the language a drawing is drawn in."""

    def __repr__(self) -> str:
        return "LANG"


#: Pass where a builder takes the language: the call becomes a drawing.
LANG = _Language()


def to_json(value: Any) -> Any:
    """A JSON-ready copy of `value`: numpy and pandas scalars become Python ones, NA None."""
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if value is pd.NA or value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp | pd.Period):
        return str(value)
    return value


def _function_name(builder: Callable) -> str:
    return f"{builder.__module__}.{builder.__qualname__}"


def made_by(notebook: str, builder: Callable) -> dict[str, str]:
    """The notebook and the function that made an output: what the paper prints under it."""
    return {"notebook": notebook, "function": _function_name(builder)}


def _is_plain(value: Any) -> bool:
    if value is None or isinstance(value, str | bool | int | float):
        return True
    if isinstance(value, list | tuple):
        return all(_is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    return False


def resolve(function: str) -> Callable:
    """The library function named ``analysis.<module>.<name>`` (nothing outside the library)."""
    module, _, name = function.rpartition(".")
    if not module.startswith("analysis.") or not name.isidentifier() or name.startswith("_"):
        raise UsageError(f"{function!r} is not a public function of the analysis library")
    builder = getattr(import_module(module), name, None)
    if not callable(builder):
        raise UsageError(f"{function!r} is not a function of the analysis library")
    return builder


class Recorder:
    """Write one notebook's results and record its drawings.

    Parameters
    ----------
    out_dir : path
        The pair's build directory. Results go to ``results/tables/`` (CSV for
        people, Markdown, and Parquet that keeps the types for the drawings) and
        ``results/values/<notebook>.json``, with the drawings to replay.
    notebook : str
        The notebook's name, recorded with each output as what made it.
    lang : str, optional
        Also draw each drawing in this language and return it (a notebook run by
        hand). ``None`` (the build) only records it.

    Examples
    --------
    >>> import tempfile
    >>> from analysis.data import load
    >>> from analysis.report import tables
    >>> out = tempfile.mkdtemp()
    >>> rec = Recorder(out, "02_website")
    >>> rec.table("tabla2", tables.tabla2, load.study("MEX", "CHL"), LANG) is None
    True
    >>> rec.values(criteria_met={"MEX": 6, "CHL": 8})
    >>> record = read_values(Path(out) / RESULTS)["02_website"]
    >>> record["drawings"][0]["function"], record["drawings"][0]["args"]
    ('analysis.report.tables.tabla2', [{'study': ['MEX', 'CHL']}, {'lang': True}])
    """

    def __init__(self, out_dir: str | Path, notebook: str, lang: str | None = None):
        self.out_dir = Path(out_dir)
        self.results = self.out_dir / RESULTS
        self.notebook = notebook
        self.lang = lang
        self._values: dict[str, Any] = {}
        self._outputs: dict[str, dict[str, str]] = {}
        self._drawings: list[dict] = []
        self._tables: dict[int, tuple[pd.DataFrame, str]] = {}
        for sub in ("tables", "values"):
            (self.results / sub).mkdir(parents=True, exist_ok=True)

    # ------------------------------------------------------------------ results

    def table(self, name: str, builder: Callable, *args, **kwargs):
        """Build a table and write it under ``results/tables/``; return it.

        With :data:`LANG` among the arguments the table has words: it is recorded as
        a drawing instead (and returned in ``lang`` when one is set).
        """
        if self._has_lang(args, kwargs):
            return self._drawing("table", name, builder, args, kwargs)
        df = builder(*args, **kwargs)
        buffer = io.BytesIO()
        df.to_parquet(buffer, index=False)
        write_atomic(self.results / "tables" / f"{name}.parquet", buffer.getvalue())
        write_atomic(self.results / "tables" / f"{name}.csv", csv_text(df))
        write_atomic(self.results / "tables" / f"{name}.md", tables.to_markdown(df) + "\n")
        self._outputs[f"table:{name}"] = made_by(self.notebook, builder)
        self._save()
        # what the drawings will read back: the same types in the notebook and after
        df = pd.read_parquet(io.BytesIO(buffer.getvalue()))
        # the frame is kept alive with its name: a freed frame's id could be taken by another
        self._tables[id(df)] = (df, name)
        return df

    def values(self, **values: Any) -> None:
        """Record numbers (or short lists and dicts of them) that the paper quotes."""
        self._values.update(to_json(values))
        self._save()

    def values_of(self, builder: Callable, *args, key: str | None = None, **kwargs):
        """Record the values `builder` returns: a dict merged in, or one value under `key`.

        With :data:`LANG` among the arguments the values are words: recorded as a
        drawing (and returned in ``lang`` when one is set).
        """
        if self._has_lang(args, kwargs):
            return self._drawing("values", key or "", builder, args, kwargs)
        result = builder(*args, **kwargs)
        self.values(**({key: result} if key else result))
        return result

    # ------------------------------------------------------------------ drawings

    def figure(self, name: str, builder: Callable, *args, **kwargs):
        """Record a figure (its labels are words, so it is drawn in every language)."""
        if not self._has_lang(args, kwargs):
            raise UsageError(f"figure {name!r}: pass LANG where {builder.__name__} takes lang")
        return self._drawing("figure", name, builder, args, kwargs)

    @staticmethod
    def _has_lang(args, kwargs) -> bool:
        return any(a is LANG for a in (*args, *kwargs.values()))

    def _reference(self, value: Any, where: str) -> dict:
        if value is LANG:
            return {"lang": True}
        if isinstance(value, Study):
            return {"study": list(value.pair)}
        if isinstance(value, Panel):
            return {"panel": list(value.codes)}
        if isinstance(value, pd.DataFrame):
            known = self._tables.get(id(value))
            if known is None or known[0] is not value:
                raise UsageError(
                    f"{where}: a table passed to a drawing must be one this notebook "
                    "recorded with rec.table (its results are what the drawing reads)"
                )
            return {"table": known[1]}
        if _is_plain(value):
            return {"value": value}
        raise UsageError(
            f"{where}: {type(value).__name__} is not LANG, the study, the panel, a recorded "
            "table or a plain value"
        )

    def _drawing(self, kind: str, name: str, builder, args, kwargs):
        where = f"{kind} {name or builder.__name__!r}"
        drawing = {
            "kind": kind,
            "name": name,
            "function": _function_name(builder),
            "args": [self._reference(a, where) for a in args],
            "kwargs": {k: self._reference(v, where) for k, v in kwargs.items()},
        }
        replaced = (kind, name) if kind != "values" else None  # values drawings add up
        self._drawings = [r for r in self._drawings if (r["kind"], r["name"]) != replaced]
        self._drawings.append(drawing)
        self._save()
        if self.lang is None:
            return None
        a = [self.lang if v is LANG else v for v in args]
        kw = {k: self.lang if v is LANG else v for k, v in kwargs.items()}
        return builder(*a, **kw)

    def _save(self) -> None:
        record = {
            "notebook": self.notebook,
            "values": self._values,
            "outputs": self._outputs,
            "drawings": self._drawings,
        }
        text = json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        write_atomic(self.results / "values" / f"{self.notebook}.json", text)


def read_values(folder: str | Path) -> dict[str, dict]:
    """Every notebook's record in `folder` (``results/`` or a language's folder), by name."""
    folder = Path(folder) / "values"
    return {
        p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))
    }


def records(pair_dir: str | Path, lang: str):
    """``(notebook, record)`` of a build folder: its results first, then its drawings in `lang`.

    `pair_dir` is a pair's (or a panel's) build folder, ``results/`` and ``<lang>/`` inside.
    """
    for folder in (Path(pair_dir) / RESULTS, Path(pair_dir) / lang):
        yield from read_values(folder).items()


def values_by_notebook(pair_dir: str | Path, lang: str) -> dict[str, dict]:
    """Each notebook's values in `lang`: its results and its worded values, merged."""
    out: dict[str, dict] = {}
    for notebook, record in records(pair_dir, lang):
        out.setdefault(notebook, {}).update(record["values"])
    return out
