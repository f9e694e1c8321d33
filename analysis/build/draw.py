"""Draw a pair's recorded drawings in a language: figures, tables with words, worded values.

The notebooks compute a pair's results once, whatever the language
(:class:`analysis.build.record.Notebook`), and record each output that has words as a
drawing: a function (of the library, or of the notebook with its source,
:mod:`analysis.build.replay`) and its arguments. This module replays a notebook's
drawings in a language into ``build/<A>-<B>/<lang>/`` (``figures/``, ``tables/``,
``values/``), reading the study from data/raw and the tables the notebook wrote
under ``results/``. No statistic is computed here: only the wording and the drawn
labels depend on the language. The language's record lists each figure and table with
what made it, its caption in that language (when the notebook gave one), and whether
the paper shows it.

The build draws each notebook in every language as soon as the notebook has run
(:func:`analysis.build.paper.run_notebooks`); :func:`draw` redraws what is stale, that
is older than its results or than ``paper/text/labels.yml``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from analysis.base.errors import BuildError, UsageError
from analysis.base.files import csv_text, write_atomic
from analysis.base.paths import LABELS_FILE, RESULTS
from analysis.build import replay
from analysis.build.record import INPUTS, made_by, to_json
from analysis.data import load
from analysis.report import plotting, tables

__all__ = ["draw", "draw_notebook", "stale"]


def _record_path(out_dir: Path, folder: str, notebook: str) -> Path:
    return Path(out_dir) / folder / "values" / f"{notebook}.json"


def stale(out_dir: str | Path, lang: str) -> list[str]:
    """The notebooks whose drawings in `lang` are missing or older than their inputs.

    The inputs of a drawing are its notebook's results and the labels it words
    them with; the code is an input of the results, which are rebuilt when it changes.
    """
    out_dir = Path(out_dir)
    labels = LABELS_FILE.stat().st_mtime_ns
    out = []
    for result in sorted((out_dir / RESULTS / "values").glob("*.json")):
        drawn = _record_path(out_dir, lang, result.stem)
        if not drawn.exists() or drawn.stat().st_mtime_ns < max(result.stat().st_mtime_ns, labels):
            out.append(result.stem)
    return out


def draw_notebook(
    out_dir: str | Path,
    notebook: str,
    lang: str,
    data_dir: str | Path | None = None,
    loaded: dict | None = None,
) -> Path:
    """Replay the drawings `notebook` recorded in `out_dir`, in `lang`.

    `loaded` keeps the studies and panels already read (by their countries), for the
    caller that draws several notebooks. Returns the language's record,
    ``<out_dir>/<lang>/values/<notebook>.json``, written last, so a record exists only
    for a complete drawing.
    """
    out_dir = Path(out_dir)
    results = out_dir / RESULTS
    source = _record_path(out_dir, RESULTS, notebook)
    if not source.is_file():
        raise BuildError(f"no results of {notebook} in {results}: run the notebooks first")
    record = json.loads(source.read_text(encoding="utf-8"))
    target = out_dir / lang
    for sub in ("figures", "tables", "values"):
        (target / sub).mkdir(parents=True, exist_ok=True)
    loaded = {} if loaded is None else loaded
    read: dict[str, pd.DataFrame] = {}

    def argument(ref: dict):
        if ref.get("lang"):
            return lang
        if "study" in ref:
            key = ("study", *ref["study"])
            if key not in loaded:
                loaded[key] = load.study(*ref["study"], data_dir)
            return loaded[key]
        if "panel" in ref:
            key = ("panel", *ref["panel"])
            if key not in loaded:
                loaded[key] = load.panel(ref["panel"], data_dir)
            return loaded[key]
        if "table" in ref or "input" in ref:
            name = ref.get("table") or ref["input"]
            folder = results / "tables" / ("" if "table" in ref else INPUTS)
            if (folder, name) not in read:
                path = folder / f"{name}.parquet"
                if not path.is_file():
                    raise BuildError(f"a drawing of {notebook} needs {path}, which is missing")
                read[folder, name] = pd.read_parquet(path)
            return read[folder, name]
        return ref["value"]

    values: dict = {}
    outputs: dict = {}
    for r in record["drawings"]:
        if "code" in r:
            builder = replay.function(r["code"])
        else:
            builder = replay.library_function(r["function"])
        args = [argument(x) for x in r["args"]]
        kwargs = {k: argument(x) for k, x in r["kwargs"].items()}
        if "code" in r or r["kind"] == "figure":
            with plotting.house_style():
                made = builder(*args, **kwargs)
        else:
            made = builder(*args, **kwargs)
        name = r["name"]
        if r["kind"] == "values":
            values.update(to_json({name: made} if name else made))
            continue
        kind = r["kind"]
        if kind == "file":
            kind = "table" if isinstance(made, pd.DataFrame) else "figure"
        if kind == "figure":
            try:
                plotting.save_figure(plotting.as_figure(made), target / "figures", name)
            except UsageError as exc:
                raise BuildError(f"figure {name!r} of {notebook}: {exc}") from None
        elif isinstance(made, pd.DataFrame):
            write_atomic(target / "tables" / f"{name}.csv", csv_text(made))
            write_atomic(target / "tables" / f"{name}.md", tables.to_markdown(made) + "\n")
        else:
            raise BuildError(
                f"table {name!r} of {notebook}: {r['function']} gave a {type(made).__name__}, "
                "not a DataFrame"
            )
        output = {**made_by(notebook, r["function"]), "paper": r["paper"], "index": len(outputs)}
        if "caption" in r:
            output["caption"] = r["caption"][lang]
        outputs[f"{kind}:{name}"] = output
    drawn = {"notebook": notebook, "values": values, "outputs": outputs}
    text = json.dumps(drawn, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return write_atomic(_record_path(out_dir, lang, notebook), text)


def draw(
    out_dir: str | Path,
    lang: str,
    data_dir: str | Path | None = None,
    only_stale: bool = False,
) -> list[str]:
    """Draw every notebook's drawings of the pair built in `out_dir` in `lang`.

    With `only_stale`, only those :func:`stale` lists. Returns the notebooks drawn.
    """
    out_dir = Path(out_dir)
    names = sorted(p.stem for p in (out_dir / RESULTS / "values").glob("*.json"))
    if not names:
        raise BuildError(f"no results in {out_dir / RESULTS}: run the notebooks first")
    todo = stale(out_dir, lang) if only_stale else names
    loaded: dict = {}
    for notebook in todo:
        draw_notebook(out_dir, notebook, lang, data_dir, loaded)
    return todo
