"""Draw a pair's recorded drawings in a language: figures, tables with words, worded values.

The notebooks compute a pair's results once, whatever the language
(:class:`analysis.build.record.Recorder`), and record each output that has words as a
drawing: a library function and its arguments. This module replays a notebook's
drawings in a language into ``build/<A>-<B>/<lang>/`` (``figures/``, ``tables/``,
``values/``), reading the study from data/raw and the tables the notebook wrote
under ``results/``. No statistic is computed here: only the wording and the drawn
labels depend on the language.

The build draws each notebook in every language as soon as the notebook has run
(:func:`analysis.build.paper.run_notebooks`); :func:`draw` redraws what is stale, that
is older than its results or than ``paper/text/labels.yml``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from analysis.base.errors import BuildError
from analysis.base.files import csv_text, write_atomic
from analysis.base.paths import LABELS_FILE, RESULTS
from analysis.build.record import made_by, resolve, to_json
from analysis.data import load
from analysis.report import tables
from analysis.report.plotting import save_figure

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
        if "table" in ref:
            name = ref["table"]
            if name not in read:
                path = results / "tables" / f"{name}.parquet"
                if not path.is_file():
                    raise BuildError(f"a drawing of {notebook} needs {path}, which is missing")
                read[name] = pd.read_parquet(path)
            return read[name]
        return ref["value"]

    values: dict = {}
    outputs: dict = {}
    for r in record["drawings"]:
        builder = resolve(r["function"])
        made = builder(
            *[argument(x) for x in r["args"]], **{k: argument(x) for k, x in r["kwargs"].items()}
        )
        name = r["name"]
        if r["kind"] == "figure":
            save_figure(made, target / "figures", name)
            outputs[f"figure:{name}"] = made_by(notebook, builder)
        elif r["kind"] == "table":
            write_atomic(target / "tables" / f"{name}.csv", csv_text(made))
            write_atomic(target / "tables" / f"{name}.md", tables.to_markdown(made) + "\n")
            outputs[f"table:{name}"] = made_by(notebook, builder)
        else:
            values.update(to_json({name: made} if name else made))
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
