"""Record what a notebook produces: figures, tables and the numbers the paper quotes.

A notebook calls the library through a :class:`Recorder`, which runs the builder,
writes its output under ``out_dir`` and remembers which notebook and function made
it, so the paper can say under each figure and table where it comes from
(after showyourwork!). Everything is written at once, so an interrupted notebook
leaves what it finished and nothing half-written.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.files import csv_text, write_atomic


def _plain(value: Any) -> Any:
    """A JSON-ready copy of `value`: numpy and pandas scalars become Python ones, NA None."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if value is pd.NA or value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp | pd.Period):
        return str(value)
    return value


def _provenance(notebook: str, builder: Callable) -> dict[str, str]:
    return {"notebook": notebook, "function": f"{builder.__module__}.{builder.__qualname__}"}


class Recorder:
    """Write one notebook's outputs under ``out_dir``.

    Parameters
    ----------
    out_dir : path
        The pair's build directory; figures go to ``figures/``, tables to
        ``tables/``, and this notebook's values to ``values/<notebook>.json``.
    notebook : str
        The notebook's name, recorded as the provenance of each output.

    Examples
    --------
    >>> import tempfile
    >>> from analysis import load, tables
    >>> out = tempfile.mkdtemp()
    >>> rec = Recorder(out, "02_website")
    >>> _ = rec.table("tabla2", tables.tabla2, load.study("MEX", "CHL"), "en")
    >>> rec.values(criteria_met={"MEX": 6, "CHL": 8})
    >>> read_values(out)["02_website"]["outputs"]["table:tabla2"]["function"]
    'analysis.tables.tabla2'
    """

    def __init__(self, out_dir: str | Path, notebook: str):
        self.out_dir = Path(out_dir)
        self.notebook = notebook
        self._values: dict[str, Any] = {}
        self._outputs: dict[str, dict[str, str]] = {}
        for sub in ("figures", "tables", "values"):
            (self.out_dir / sub).mkdir(parents=True, exist_ok=True)

    def figure(self, name: str, builder: Callable, *args, **kwargs):
        """Build a figure, save it as PNG and SVG under ``figures/``, and return it."""
        from analysis import figures

        fig = builder(*args, **kwargs)
        figures.save_figure(fig, self.out_dir / "figures", name)
        self._outputs[f"figure:{name}"] = _provenance(self.notebook, builder)
        self._save()
        return fig

    def table(self, name: str, builder: Callable, *args, **kwargs) -> pd.DataFrame:
        """Build a table, write it as CSV (for reuse) and Markdown (for the paper), return it."""
        from analysis import tables

        df = builder(*args, **kwargs)
        write_atomic(self.out_dir / "tables" / f"{name}.csv", csv_text(df))
        write_atomic(self.out_dir / "tables" / f"{name}.md", tables.to_markdown(df) + "\n")
        self._outputs[f"table:{name}"] = _provenance(self.notebook, builder)
        self._save()
        return df

    def values(self, **values: Any) -> None:
        """Record numbers (or short lists and dicts of them) that the paper quotes."""
        self._values.update(_plain(values))
        self._save()

    def _save(self) -> None:
        record = {"notebook": self.notebook, "values": self._values, "outputs": self._outputs}
        text = json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        write_atomic(self.out_dir / "values" / f"{self.notebook}.json", text)


def read_values(out_dir: str | Path) -> dict[str, dict]:
    """All notebooks' records of a build directory, by notebook name."""
    folder = Path(out_dir) / "values"
    return {
        p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))
    }
