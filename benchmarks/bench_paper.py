"""Benchmark: `make paper` and `make test` against the floor papermill itself sets.

The floor is papermill running as many notebooks as the study has, one after another,
each doing nothing but import pandas, matplotlib, seaborn, statsmodels and scipy, in
the project's kernel: the start-up cost no notebook of this kind avoids. Every other
figure is measured in the same run, on a scratch copy of the repository (its own
``build/``; the ``.venv`` is shared), and printed as seconds and as a ratio to the floor:

- cold: ``make paper`` from nothing;
- es_after_en: ``make paper LANG=es`` right after the English paper;
- text_edit: ``make paper`` after a one-word change in ``paper/text/en.yml``;
- labels_edit: ``make paper`` after a one-word change in ``paper/text/labels.yml``;
- unchanged: ``make paper`` with nothing changed (must do nothing);
- test: ``make test``, every layer's tests in process (with ``--tests``);
- test_slow: ``make test-slow``, the expensive tier (with ``--tests``; minutes).

    python benchmarks/bench_paper.py [--tests]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.build import kernels, paper  # noqa: E402

FLOOR_CELL = "import pandas, matplotlib, seaborn, statsmodels, scipy"
COPIED_OUT = ("build", ".venv", ".git", ".benchmarks", ".pytest_cache", ".ruff_cache")


def papermill_floor(folder: Path, count: int) -> float:
    """Seconds for papermill to run `count` notebooks that only import the libraries."""
    pm = kernels.import_papermill()
    book = nbformat.v4.new_notebook()
    book.metadata = {
        "kernelspec": {"name": kernels.KERNEL, "display_name": "Python", "language": "python"},
        "language_info": {"name": "python"},
    }
    book.cells = [
        nbformat.v4.new_code_cell("country_a = 'MEX'", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(FLOOR_CELL),
    ]
    start = time.perf_counter()
    for i in range(count):
        src = folder / f"{i:02d}_floor.ipynb"
        nbformat.write(book, src)
        pm.execute_notebook(
            str(src),
            str(folder / f"out_{i}.ipynb"),
            parameters={"country_a": "CHL"},
            kernel_name=kernels.kernel_name(),
            progress_bar=False,
        )
    return time.perf_counter() - start


def _left_out(folder: str, names: list[str]) -> list[str]:
    # COPIED_OUT at the top only: a pattern would also leave out analysis/build, the code
    return [n for n in names if (Path(folder) == ROOT and n in COPIED_OUT) or n == "__pycache__"]


def scratch_copy(dest: Path) -> Path:
    """The repository without its builds, sharing this repository's .venv."""
    shutil.copytree(ROOT, dest, ignore=_left_out)
    (dest / ".venv").symlink_to(ROOT / ".venv", target_is_directory=True)
    return dest


def make(repo: Path, *args: str) -> float:
    """Seconds for one make command in `repo`; a failure stops the benchmark."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "LANG")}
    start = time.perf_counter()
    run = subprocess.run(["make", *args], cwd=repo, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if run.returncode != 0:
        sys.exit(f"make {' '.join(args)} failed:\n{run.stdout[-2000:]}{run.stderr[-2000:]}")
    return elapsed


def edit_word(path: Path) -> None:
    """Change one word of a text: the first 'the' outside a comment becomes 'this'."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    i = next(
        i for i, line in enumerate(lines) if " the " in line and not line.lstrip().startswith("#")
    )
    lines[i] = lines[i].replace(" the ", " this ", 1)
    path.write_text("".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tests", action="store_true", help="also time make test and make test-slow (minutes)"
    )
    args = parser.parse_args()
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-paper-") as tmp:
        tmp = Path(tmp)
        (tmp / "floor").mkdir()
        floor = papermill_floor(tmp / "floor", len(paper.notebooks()))
        repo = scratch_copy(tmp / "repo")
        make(repo, "env")  # the shared .venv is installed: nothing to do but check
        figures["cold"] = make(repo, "paper")
        figures["unchanged"] = make(repo, "paper")
        figures["es_after_en"] = make(repo, "paper", "LANG=es")
        edited = [repo / "paper" / "text" / n for n in ("en.yml", "labels.yml")]
        originals = {p: p.read_bytes() for p in edited}
        edit_word(edited[0])
        figures["text_edit"] = make(repo, "paper")
        edit_word(edited[1])
        figures["labels_edit"] = make(repo, "paper")
        for path, text in originals.items():  # the suite tests the paper's real words
            path.write_bytes(text)
        if args.tests:
            figures["test"] = make(repo, "test")
            figures["test_slow"] = make(repo, "test-slow")
    cores = os.cpu_count()
    print(f"machine: {platform.machine()}, {cores} cores, Python {platform.python_version()}")
    print(
        f"floor (papermill, {len(paper.notebooks())} notebooks importing the stack): {floor:.1f} s"
    )
    for name, seconds in figures.items():
        print(f"{name:12} {seconds:6.2f} s  {seconds / floor:5.2f} x floor")
    print(" ".join(f"{k}={v / floor:.2f}" for k, v in figures.items()), f"floor_s={floor:.1f}")


if __name__ == "__main__":
    main()
