"""MEX-CHL against the golden results (tests/golden/): nothing moves unnoticed.

The comparisons are computed here, in this process, from the article's data (``make
test``); a fresh build through the notebooks is held to the same comparisons and to the
values the paper quotes (``make test-slow``).
"""

from __future__ import annotations

import io
import json
import math
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import REPO

from analysis.base.files import csv_text
from analysis.core import coding, compare
from analysis.data import exports, load

sys.path.insert(0, str(REPO / "tests" / "golden"))
from regenerate import golden_of  # noqa: E402

GOLDEN = REPO / "tests" / "golden" / "MEX-CHL"
RTOL, ATOL = 1e-6, 1e-12


def _close(got, want, where: str) -> None:
    if isinstance(want, dict):
        assert isinstance(got, dict) and set(got) == set(want), where
        for k in want:
            _close(got[k], want[k], f"{where}.{k}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            _close(g, w, f"{where}[{i}]")
    elif isinstance(want, float) and isinstance(got, int | float):
        assert math.isclose(got, want, rel_tol=RTOL, abs_tol=ATOL), f"{where}: {got} != {want}"
    else:
        assert got == want, f"{where}: {got!r} != {want!r}"


def _same_comparisons(csv: str) -> None:
    """A comparisons CSV against the golden one: numbers within RTOL, the rest exactly."""
    got = pd.read_csv(io.StringIO(csv), keep_default_na=False)
    want = pd.read_csv(GOLDEN / "comparisons.csv", keep_default_na=False)
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want), "a different number of comparisons"
    for col in want.columns:
        g, w = got[col], want[col]
        numeric = pd.to_numeric(w.replace("", np.nan), errors="coerce")
        if numeric.notna().any() and w.replace("", np.nan).dropna().map(_is_number).all():
            gn = pd.to_numeric(g.replace("", np.nan), errors="coerce").to_numpy(dtype=float)
            assert np.allclose(gn, numeric.to_numpy(dtype=float), RTOL, ATOL, equal_nan=True), col
        else:
            assert g.astype(str).tolist() == w.astype(str).tolist(), col


def test_the_comparisons_computed_from_the_article_data_are_the_golden_ones(article_data):
    """What notebook 05 computes, computed here: the numbers, without a notebook run."""
    s = load.study("MEX", "CHL", article_data)
    posts = exports.posts(s.pair, article_data)
    coded = coding.code_posts(posts, government=s.accounts) if len(posts) else None
    _same_comparisons(csv_text(compare.all_comparisons(s, coded_posts=coded)))


@pytest.mark.slow
def test_comparisons_match_the_golden_results(mex_chl_paper):
    comparisons, _ = golden_of(mex_chl_paper["root"])
    _same_comparisons(comparisons)


def _is_number(x) -> bool:
    try:
        float(x)
    except ValueError:
        return False
    return True


@pytest.mark.slow
def test_values_match_the_golden_results(mex_chl_paper):
    _, values = golden_of(mex_chl_paper["root"])
    want = json.loads((GOLDEN / "values.json").read_text(encoding="utf-8"))
    _close(values, want, "values")


def test_a_shifted_number_is_caught():
    want = json.loads((GOLDEN / "values.json").read_text(encoding="utf-8"))
    shifted = json.loads(json.dumps(want))
    shifted["02_website"]["criteria_met"]["MEX"] += 1
    with pytest.raises(AssertionError, match="criteria_met"):
        _close(shifted, want, "values")
