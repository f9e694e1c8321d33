"""Regenerate the golden results of a pair: the comparisons and the values the paper quotes.

    python tests/golden/regenerate.py            # MEX-CHL
    python tests/golden/regenerate.py CHL-MEX    # any pair with data

Runs the pair's notebooks (papermill, drawn in English) into a temporary directory and
writes ``tests/golden/<A>-<B>/comparisons.csv`` and ``values.json``: the language-free
results and the English words of the values, by notebook. Regenerate only when a
change is meant to move a number, and say which numbers moved in the commit message:
``tests/test_golden.py`` fails on any other change.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from analysis.build import paper  # noqa: E402
from analysis.build.record import RESULTS, values_by_notebook  # noqa: E402
from analysis.data import countries  # noqa: E402


def golden_of(pair_dir: Path) -> tuple[str, dict]:
    """The comparisons CSV and the values of every notebook of a pair's build folder."""
    comparisons = (pair_dir / RESULTS / "tables" / "comparisons.csv").read_text(encoding="utf-8")
    return comparisons, values_by_notebook(pair_dir, "en")


def regenerate(pair: str) -> Path:
    a, b = countries.parse_pair(pair)
    with tempfile.TemporaryDirectory() as tmp:
        out = paper.run_notebooks(a, b, root=Path(tmp), languages=("en",))
        comparisons, values = golden_of(out)
    target = HERE / f"{a}-{b}"
    target.mkdir(exist_ok=True)
    (target / "comparisons.csv").write_text(comparisons, encoding="utf-8")
    text = json.dumps(values, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    (target / "values.json").write_text(text, encoding="utf-8")
    return target


if __name__ == "__main__":
    for pair in sys.argv[1:] or ["MEX-CHL"]:
        print(f"wrote {regenerate(pair)}")
    shutil.rmtree(HERE / "__pycache__", ignore_errors=True)
