"""Benchmark: how long `make paper` takes, against the floor papermill itself sets.

Prints three figures (wall clock, this machine):

- cold: a paper built from nothing (a fresh build directory);
- floor: papermill running as many *empty* notebooks (a parameters cell and nothing
  else) as the study has, with the same kernel: the start-up cost no notebook avoids;
- unchanged: a second `make paper` with nothing changed (Make must do nothing).

    python benchmarks/bench_paper.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import papermill as pm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis import paper  # noqa: E402


def cold_build(root: Path) -> float:
    start = time.perf_counter()
    paper.build("MEX-CHL", "en", root=root)
    return time.perf_counter() - start


def papermill_floor(folder: Path, count: int) -> float:
    empty = nbformat.v4.new_notebook()
    empty.metadata = {
        "kernelspec": {"name": paper.KERNEL, "display_name": "Python", "language": "python"},
        "language_info": {"name": "python"},
    }
    empty.cells = [
        nbformat.v4.new_code_cell("country_a = 'MEX'", metadata={"tags": ["parameters"]})
    ]
    start = time.perf_counter()
    for i in range(count):
        src = folder / f"{i:02d}_empty.ipynb"
        nbformat.write(empty, src)
        pm.execute_notebook(
            str(src),
            str(folder / f"out_{i}.ipynb"),
            parameters={"country_a": "CHL"},
            kernel_name=paper._kernel_name(),
            progress_bar=False,
        )
    return time.perf_counter() - start


def unchanged_make() -> float:
    subprocess.run(["make", "-s", "paper"], cwd=ROOT, check=True, capture_output=True)
    start = time.perf_counter()
    run = subprocess.run(["make", "paper"], cwd=ROOT, check=True, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    assert "Nothing to be done" in run.stdout or "is up to date" in run.stdout, run.stdout
    return elapsed


if __name__ == "__main__":
    n = len(paper.notebooks())
    with tempfile.TemporaryDirectory() as tmp:
        cold = cold_build(Path(tmp) / "build")
        floor = papermill_floor(Path(tmp), n)
    print(
        f"notebooks={n} cold_paper={cold:.1f}s papermill_floor={floor:.1f}s "
        f"assembly_and_analysis={cold - floor:.1f}s unchanged_make={unchanged_make():.2f}s"
    )
