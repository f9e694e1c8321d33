"""What a notebook adds to the paper: results once, drawings in every language.

A notebook reads as analysis: ``tables.tabla1(study, lang)`` returns Tabla 1, which
JupyterLab shows. The recording for the build happens behind such calls. The notebook
opens a :class:`Notebook` (``paper``) and hands it the library modules whose functions
take a language::

    paper = Notebook("01_presence", study, lang, out_dir)
    figures, tables, values = paper.recording(figures, tables, values)

A call of theirs that takes ``lang`` is then kept as a *drawing*: the function and its
arguments. Run by hand (``lang="en"``) it is also drawn at once and returned; run by the
build (``lang=None``) it is not drawn at all: :mod:`analysis.build.draw` replays it in each
language of the paper, so the Spanish paper, or an edit of the labels, reruns no notebook.
What the paper gets is what the notebook hands to it:

``paper.figure(name, drawn)``, ``paper.table(name, drawn)``
    a figure or table of the paper, numbered where it is placed: by name in
    ``paper/paper.md.j2``, else at the end of its notebook's section. Its caption is
    ``caption={"en": ..., "es": ...}``, else ``fig_<name>``/``tab_<name>`` of
    ``paper/text/<lang>.yml``. Under it the paper names the notebook and the function.
``@paper.figure(caption=...)``, ``@paper.table(caption=...)``
    on a function written in the notebook: each call is a figure (or table) of the paper,
    named after the function. The build makes the function again from its source
    (:mod:`analysis.build.replay`), so it may read only its arguments, modules, other
    functions of the notebook and plain constants; anything else is refused at once.
``paper.save(name, table)``
    a table kept as files only: language-free (``results/tables/``: CSV, Markdown, Parquet)
    or, when it has words, drawn in each language (``<lang>/tables/``).
``paper.quote(...)``
    the numbers and words the prose quotes (``v.<name>`` in the texts).

A table handed to a drawing is read back by the build: a saved one by its name, any
other from a copy the notebook writes under ``results/tables/inputs/``.
"""

from __future__ import annotations

import functools
import inspect
import io
import json
import math
import re
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.base import yaml_io
from analysis.base.errors import UsageError
from analysis.base.files import csv_text, write_atomic
from analysis.base.paths import BUILD_DIR, RESULTS, TEXT_DIR, pair_root, panel_root
from analysis.build import replay
from analysis.core import stats
from analysis.data import codebook
from analysis.data.codebook import LANGUAGES
from analysis.data.load import Panel, Study
from analysis.report import plotting, tables

__all__ = [
    "INPUTS",
    "RESULTS",
    "Deferred",
    "Notebook",
    "made_by",
    "method_numbers",
    "read_values",
    "records",
    "to_json",
    "values_by_notebook",
]

#: Where a notebook keeps the tables its drawings read that it did not save by name.
INPUTS = "inputs"
#: What a name of a figure or table may be: it names files and the paper's anchors.
NAME = re.compile(r"[a-z][a-z0-9_]*")
_NOTHING = object()


class _Language:
    """Where a drawing takes the language it is drawn in."""

    def __repr__(self) -> str:
        return "lang"


_LANG = _Language()


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


def _is_plain(value: Any) -> bool:
    if value is None or isinstance(value, str | bool | int | float):
        return True
    if isinstance(value, list | tuple):
        return all(_is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    return False


def made_by(notebook: str, builder: Callable | str) -> dict[str, str]:
    """The notebook and the function that made an output: what the paper prints under it."""
    name = builder if isinstance(builder, str) else replay.name_of(builder)
    return {"notebook": notebook, "function": name}


def method_numbers(data_dir: str | Path | None = None) -> dict:
    """The numbers of the method, as the codebook and the statistics modules set them.

    The prose quotes these (``method.levels``, ``method.reliability.acceptable``...), so a
    threshold changed in ``codebook.yml`` changes the paper's sentence with the results.
    Labels are given in every language.

    >>> m = method_numbers()
    >>> [level["key"] for level in m["levels"]][:2], m["confidence"]
    (['none', 'low'], 0.95)
    """
    book = codebook.load_codebook(data_dir)

    def labelled(section: str, keys) -> list[dict]:
        return [{"key": k, "label": {g: book[section][k][g] for g in LANGUAGES}} for k in keys]

    levels = labelled("account_levels", book["account_levels"])
    for level in levels:
        level["min_share"] = float(book["account_levels"][level["key"]]["min_share"])
    return {
        "levels": levels,
        "dialogue_min_replies": int(book["dialogue_min_replies"]),
        "reliability": {k: float(v) for k, v in book["reliability"].items()},
        "core_platforms": labelled("platforms", codebook.core_platforms(data_dir)),
        "confidence": stats.CONFIDENCE,
        "alpha": stats.ALPHA,
    }


def _language_parameter(func: Callable) -> bool:
    try:
        return "lang" in inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False


class _Call:
    """A call the build can make again: the function, its arguments, the language's place."""

    def __init__(self, func: Callable, args: tuple, kwargs: dict, code: dict | None):
        self.function, self.code = func, code
        self.recorded_as: dict | None = None  # the drawing this call became, once named
        self.given = (args, kwargs)  # as the notebook gave them: what a run by hand draws
        self.args, self.kwargs = list(args), dict(kwargs)
        if _language_parameter(func):
            try:
                bound = inspect.signature(func).bind_partial(*args, **kwargs).arguments
            except TypeError as exc:
                raise UsageError(f"{replay.name_of(func)}: {exc}") from None
            names = list(inspect.signature(func).parameters)
            at = names.index("lang")
            if "lang" in bound and at < len(args):
                self.args[at] = _LANG
            else:
                self.kwargs["lang"] = _LANG

    def __repr__(self) -> str:
        return f"{replay.name_of(self.function)}(...)"


class Deferred:
    """What a call with words gives during the build (``lang=None``): nothing yet.

    The build draws it later, in each language of the paper. Hand it to
    ``paper.figure``, ``paper.table``, ``paper.save`` or ``paper.quote``; any other use
    says why it has no value here.
    """

    __slots__ = ("call",)

    def __init__(self, call: _Call):
        self.call = call

    def __repr__(self) -> str:
        return f"<{self.call!r}: drawn by the build in each language of the paper>"

    def __getattr__(self, attr: str):
        if attr.startswith("_"):
            raise AttributeError(attr)
        attr = attr if attr.startswith(("[", "len", "iter")) else f".{attr}"
        raise UsageError(
            f"{self.call!r} has words, so the build draws it later in each language and it "
            f"has no value while the notebook runs (lang=None; {attr} was asked): use a "
            "language-free function for what you compute, and this call only for the paper"
        )

    def __getitem__(self, key):
        return self.__getattr__(f"[{key!r}]")

    def __iter__(self):
        return self.__getattr__("iteration")

    def __len__(self):
        return self.__getattr__("len()")


class NotDrawn:
    """What ``paper.figure(..., only_if=False)`` gives: a figure left out, and why."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"figure {self.name!r}: not drawn for this pair (its only_if is false)"


class _Recording:
    """A library module whose calls taking ``lang`` are recorded (:meth:`Notebook.recording`)."""

    def __init__(self, notebook: Notebook, module: types.ModuleType):
        self.recorded_module = module
        self._notebook = notebook
        self._wrapped: dict[str, Callable] = {}

    def __getattr__(self, name: str):
        value = getattr(self.recorded_module, name)
        if not (isinstance(value, types.FunctionType) and _language_parameter(value)):
            return value
        if name not in self._wrapped:
            self._wrapped[name] = self._notebook._recorded(value)
        return self._wrapped[name]

    def __dir__(self):
        return dir(self.recorded_module)

    def __repr__(self) -> str:
        return f"<module {self.recorded_module.__name__}, recorded for the paper>"


def _caption_keys(lang: str) -> frozenset[str]:
    """The keys of paper/text/<lang>.yml, read again when the file changes."""
    path = TEXT_DIR / f"{lang}.yml"
    if not path.is_file():
        return frozenset()
    return _keys(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _keys(path: str, mtime_ns: int) -> frozenset[str]:
    with open(path, encoding="utf-8") as fh:
        return frozenset(yaml_io.safe_load(fh) or {})


class Notebook:
    """What one notebook adds to the paper: its results, drawings and quoted values.

    Parameters
    ----------
    name : str
        The notebook's name (``"01_presence"``): its section of the paper, and what
        the paper prints under each of its figures and tables.
    study : Study or Panel
        The data the notebook analyses; the method's numbers are read from its codebook.
    lang : {"en", "es"} or None
        Run by hand: the language the notebook shows its tables and figures in. The
        build passes None: nothing with words is drawn here, only recorded.
    out_dir : path, optional
        The build folder; by default ``build/<A>-<B>/`` (``build/panel-.../``).

    Examples
    --------
    >>> import tempfile
    >>> from analysis.data import load
    >>> from analysis.report import tables
    >>> study = load.study("MEX", "CHL")
    >>> paper = Notebook("02_website", study, None, tempfile.mkdtemp())
    >>> tables = paper.recording(tables)
    >>> paper.table("tabla2", tables.tabla2(study, None))
    <analysis.report.tables.tabla2(...): drawn by the build in each language of the paper>
    >>> paper.quote(criteria_met={"MEX": 6, "CHL": 8})
    >>> record = read_values(paper.results)["02_website"]
    >>> record["drawings"][0]["function"], record["drawings"][0]["args"]
    ('analysis.report.tables.tabla2', [{'study': ['MEX', 'CHL']}, {'lang': True}])
    """

    def __init__(
        self,
        name: str,
        study: Study | Panel,
        lang: str | None = None,
        out_dir: str | Path | None = None,
    ):
        if lang is not None and lang not in LANGUAGES:
            raise UsageError(f"lang must be one of {', '.join(LANGUAGES)} or None; got {lang!r}")
        if not isinstance(study, Study | Panel):
            raise UsageError(f"a notebook studies a Study or a Panel, not {type(study).__name__}")
        if out_dir is None:
            codes = study.pair if isinstance(study, Study) else study.codes
            out_dir = pair_root(*codes) if isinstance(study, Study) else panel_root(codes)
        self.name, self.lang = name, lang
        self.out_dir = Path(out_dir if out_dir is not None else BUILD_DIR)
        self.results = self.out_dir / RESULTS
        self._values: dict[str, Any] = {}
        self._drawings: list[dict] = []
        self._saved: dict[int, tuple[pd.DataFrame, str]] = {}  # kept alive: ids stay theirs
        self._made: dict[int, tuple[Any, _Call]] = {}
        self._method = method_numbers(study.data_dir)
        for sub in ("tables", "values"):
            (self.results / sub).mkdir(parents=True, exist_ok=True)
        self._save()
        _watch_stray_figures()
        if lang is not None:
            _show_figures_inline()

    def __repr__(self) -> str:
        shown = f"shown in {self.lang}" if self.lang else "recorded for the build"
        return f"<notebook {self.name} of the paper in {self.out_dir}: {shown}>"

    # ----------------------------------------------------------------- recording calls

    def recording(self, *modules: types.ModuleType):
        """The modules again, with every function that takes ``lang`` recorded when called.

        Returns one module for one, a tuple for several:
        ``figures, tables = paper.recording(figures, tables)``.
        """
        for module in modules:
            if not isinstance(module, types.ModuleType):
                raise UsageError(f"paper.recording takes modules, not {type(module).__name__}")
            if not module.__name__.startswith("analysis."):
                raise UsageError(
                    f"paper.recording takes modules of the analysis library, not "
                    f"{module.__name__}; decorate a function of the notebook with @paper.figure"
                )
        made = tuple(_Recording(self, m) for m in modules)
        return made[0] if len(made) == 1 else made

    def _recorded(self, func: Callable) -> Callable:
        @functools.wraps(func)
        def call(*args, **kwargs):
            return self._perform(_Call(func, args, kwargs, None))

        return call

    def _perform(self, call: _Call, kind: str | None = None):
        """Draw `call` now when run by hand (and keep what it made); else defer it."""
        if self.lang is None:
            return Deferred(call)
        args, kwargs = call.given
        if kind == "figure" or call.code is not None:
            with plotting.house_style():
                made = call.function(*args, **kwargs)
        else:
            made = call.function(*args, **kwargs)
        if kind == "figure" or plotting.is_figure_like(made):
            made = plotting.as_figure(made)
            plotting.release(made)  # shown once, as what the cell returns
        self._made[id(made)] = (made, call)
        return made

    def _call_of(self, drawn) -> _Call | None:
        if isinstance(drawn, Deferred):
            return drawn.call
        known = self._made.get(id(drawn))
        return known[1] if known is not None and known[0] is drawn else None

    # --------------------------------------------------------------- what the paper gets

    def figure(
        self, name=None, drawn=_NOTHING, *, caption: dict | None = None, only_if: bool = True
    ):
        """Put a figure in the paper, or (as a decorator) make a function's figures the paper's.

        ``paper.figure("figura1", figures.figura1_twitter_followers(study, lang))`` names a
        figure drawn by a recorded call. ``@paper.figure(caption={"en": ..., "es": ...})``
        over a function of the notebook puts each figure it draws in the paper, under the
        function's name (or `name`). Returns the figure (a placeholder in the build).

        ``only_if=False`` leaves the figure out: the pair's data do not let it show what a
        table does not (the template asks ``drawn(name)``). Returns a line saying so.
        """
        if not only_if:
            _check_name("figure", name)
            return NotDrawn(name)
        return self._output("figure", name, drawn, caption)

    def table(self, name=None, drawn=_NOTHING, *, caption: dict | None = None):
        """Put a table with words in the paper: as :meth:`figure`, for a DataFrame."""
        return self._output("table", name, drawn, caption)

    def _output(self, kind: str, name, drawn, caption):
        if callable(name) and not isinstance(name, str) and drawn is _NOTHING:
            return self._decorator(kind, None, caption)(name)  # @paper.figure, bare
        if drawn is _NOTHING:
            return self._decorator(kind, name, caption)
        _check_name(kind, name)
        call = self._call_of(drawn)
        if call is None:
            raise UsageError(
                f"{kind} {name!r}: the build cannot draw this {type(drawn).__name__} again in "
                f"each language; give paper.{kind} the result of a call it records: a function "
                f"of a module passed to paper.recording (figures.agenda_figure(study, lang)), or "
                f"a function of this notebook decorated with @paper.{kind}(caption=...)"
            )
        if self.lang is not None:
            _check_kind(kind, name, drawn)
        if caption is None and call.recorded_as is not None:  # a decorated function's, renamed
            caption = call.recorded_as.get("caption")
        self._check_caption(kind, name, caption)
        self._drawing(kind, name, call, caption, in_paper=True)
        return drawn

    def _decorator(self, kind: str, name: str | None, caption: dict | None):
        if name is not None:
            _check_name(kind, name)

        def decorate(func):
            if not isinstance(func, types.FunctionType):
                raise UsageError(f"@paper.{kind} decorates a function defined with def")
            output = name or func.__name__
            what = f"{kind} {output!r}"
            _check_name(kind, output)
            replay.check_replayable(func, what)
            self._check_caption(kind, output, caption)

            @functools.wraps(func)
            def made(*args, **kwargs):
                code = replay.recipe(func, what) if replay.is_notebook_function(func) else None
                call = _Call(func, args, kwargs, code)
                self._drawing(kind, output, call, caption, in_paper=True)
                drawn = self._perform(call, kind)
                if self.lang is not None:
                    _check_kind(kind, output, drawn)
                return drawn

            return made

        return decorate

    def save(self, name: str, table):
        """Keep a table as files, not in the paper; return it as the build reads it back.

        A language-free DataFrame goes to ``results/tables/<name>`` (CSV for people,
        Markdown, and Parquet that keeps the types); a drawing hands it to the build by
        this name. A table with words (a recorded call) is drawn in each language into
        ``<lang>/tables/<name>``.
        """
        _check_name("table", name)
        call = self._call_of(table)
        if call is not None:
            self._drawing("file", name, call, None, in_paper=False)
            return table
        if not isinstance(table, pd.DataFrame):
            raise UsageError(f"paper.save({name!r}, ...) keeps a DataFrame, not a {type(table)}")
        frame = self._write_table(self.results / "tables", name, table, people=True)
        self._saved[id(frame)] = (frame, name)
        self._save()
        return frame

    def quote(self, *merged: dict, **named) -> None:
        """Record what the prose quotes: ``paper.quote(criteria_met=...)`` is ``v.criteria_met``.

        A dict given without a name adds its keys. A value with words (a recorded call,
        e.g. ``values.pair_values(study, lang)``) is drawn in each language by the build.
        """
        for value in merged:
            self._quote("", value)
        for key, value in named.items():
            self._quote(key, value)
        self._save()

    def _quote(self, key: str, value) -> None:
        call = self._call_of(value)
        if call is not None:
            self._drawing("values", key, call, None, in_paper=False)
            return
        value = to_json(value)
        if not key and not isinstance(value, dict):
            raise UsageError("paper.quote: give a name to a value that is not a dict (name=...)")
        if not _is_plain(value):
            raise UsageError(
                f"paper.quote: {key or 'a value'} is not numbers, text or lists and dicts of "
                "them; keep a table with paper.save"
            )
        self._values.update(value if not key else {key: value})

    # --------------------------------------------------------------------- the record

    def _check_caption(self, kind: str, name: str, caption) -> None:
        if caption is None:
            key = f"{'fig' if kind == 'figure' else 'tab'}_{name}"
            if not all(key in _caption_keys(g) for g in LANGUAGES):
                raise UsageError(
                    f"{kind} {name!r} has no caption: pass caption={{'en': ..., 'es': ...}} "
                    f"(or write {key} in paper/text/en.yml and es.yml)"
                )
            return
        if not isinstance(caption, dict) or set(caption) != set(LANGUAGES):
            raise UsageError(
                f"{kind} {name!r}: caption must give every language of the paper "
                f"({', '.join(LANGUAGES)}): caption={{'en': '...', 'es': '...'}}"
            )
        empty = [g for g, text in caption.items() if not isinstance(text, str) or not text.strip()]
        if empty:
            raise UsageError(f"{kind} {name!r}: the caption in {', '.join(empty)} is empty")

    def _reference(self, value, where: str, output: str, slot: str) -> dict:
        if value is _LANG:
            return {"lang": True}
        if isinstance(value, Study):
            return {"study": list(value.pair)}
        if isinstance(value, Panel):
            return {"panel": list(value.codes)}
        if isinstance(value, Deferred) or self._call_of(value) is not None:
            raise UsageError(
                f"{where}: its argument {slot} has words (it is drawn in each language); pass "
                "the language-free table it was made from"
            )
        if isinstance(value, pd.DataFrame):
            known = self._saved.get(id(value))
            if known is not None and known[0] is value:
                return {"table": known[1]}
            name = f"{output}.{slot}"
            self._write_table(self.results / "tables" / INPUTS, name, value, people=False)
            return {"input": name}
        if _is_plain(value):
            return {"value": to_json(value)}
        raise UsageError(
            f"{where}: its argument {slot} is a {type(value).__name__}, which the build cannot "
            "hand to the drawing again: pass the study, a DataFrame, or numbers and text"
        )

    def _drawing(self, kind: str, name: str, call: _Call, caption, in_paper: bool) -> None:
        output = name or call.function.__name__
        where = f"{kind} {output!r}"
        args = [self._reference(a, where, output, f"arg{i}") for i, a in enumerate(call.args)]
        kwargs = {k: self._reference(v, where, output, k) for k, v in call.kwargs.items()}
        drawing = {
            "kind": kind,
            "name": name,
            "function": replay.name_of(call.function),
            "args": args,
            "kwargs": kwargs,
        }
        if call.code is not None:
            drawing["code"] = call.code
        if caption is not None:
            drawing["caption"] = caption
        if kind != "values":
            drawing["paper"] = in_paper
        replaced = (kind, name) if kind != "values" or name else None  # merged values add up
        earlier = call.recorded_as  # one call is one output: named again, it moves
        self._drawings = [
            d for d in self._drawings if (d["kind"], d["name"]) != replaced and d is not earlier
        ]
        self._drawings.append(drawing)
        call.recorded_as = drawing
        self._save()

    def _write_table(self, folder: Path, name: str, df: pd.DataFrame, people: bool):
        buffer = io.BytesIO()
        df.to_parquet(buffer, index=False)
        write_atomic(folder / f"{name}.parquet", buffer.getvalue())
        if people:
            write_atomic(folder / f"{name}.csv", csv_text(df))
            write_atomic(folder / f"{name}.md", tables.to_markdown(df) + "\n")
        # what the drawings will read back: the same types in the notebook and after
        return pd.read_parquet(io.BytesIO(buffer.getvalue()))

    def _save(self) -> None:
        record = {
            "notebook": self.name,
            "values": self._values,
            "outputs": {},
            "drawings": self._drawings,
            "method": self._method,
        }
        text = json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        write_atomic(self.results / "values" / f"{self.name}.json", text)


def _check_name(kind: str, name) -> None:
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise UsageError(
            f"a {kind}'s name is lower-case letters, digits and _ (it names its files); "
            f"got {name!r}"
        )


def _check_kind(kind: str, name: str, drawn) -> None:
    is_table = isinstance(drawn, pd.DataFrame)
    if (kind == "table") != is_table:
        want = "a DataFrame" if kind == "table" else "a figure"
        other = "paper.figure" if kind == "table" else "paper.table"
        raise UsageError(
            f"{kind} {name!r} is {type(drawn).__name__}, not {want}: put it in with {other}"
        )


def _show_figures_inline() -> None:
    """Let JupyterLab show a figure a cell returns (the library draws without pyplot)."""
    shell = _shell()
    if shell is None:
        return
    from matplotlib.figure import Figure  # lazy: start-up time

    formatter = shell.display_formatter.formatters["image/png"]
    formatter.for_type(Figure, plotting.png_bytes)


def _shell():
    ipython = sys.modules.get("IPython")
    return ipython.get_ipython() if ipython is not None else None


_WATCHING: list = []


def _watch_stray_figures() -> None:
    """After each cell, say so when a plain pyplot figure was drawn: it is not in the paper."""
    shell = _shell()
    if shell is None or shell in _WATCHING:
        return
    _WATCHING.append(shell)

    def stray() -> None:
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is not None and pyplot.get_fignums():
            print(
                "note: this cell drew a figure that is shown here only; the paper takes its "
                "figures from paper.figure(...) or from a function decorated with "
                "@paper.figure(caption={'en': ..., 'es': ...}) (README: Adapting the analysis)",
                file=sys.stderr,
            )

    # before the inline backend shows and closes the cell's figures
    shell.events.callbacks["post_execute"].insert(0, stray)


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
