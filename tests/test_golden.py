"""A fresh build of MEX-CHL against the golden results (tests/golden/): nothing moves unnoticed."""

from __future__ import annotations

import io
import json
import math
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import REPO

sys.path.insert(0, str(REPO / "tests" / "golden"))
from regenerate import golden_of  # noqa: E402

GOLDEN = REPO / "tests" / "golden" / "MEX-CHL"
RTOL, ATOL = 1e-6, 1e-12

pytestmark = pytest.mark.slow


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


def test_comparisons_match_the_golden_results(mex_chl_paper):
    comparisons, _ = golden_of(mex_chl_paper["root"])
    got = pd.read_csv(io.StringIO(comparisons), keep_default_na=False)
    want = pd.read_csv(GOLDEN / "comparisons.csv", keep_default_na=False)
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want), "the build has a different number of comparisons"
    for col in want.columns:
        g, w = got[col], want[col]
        numeric = pd.to_numeric(w.replace("", np.nan), errors="coerce")
        if numeric.notna().any() and w.replace("", np.nan).dropna().map(_is_number).all():
            gn = pd.to_numeric(g.replace("", np.nan), errors="coerce").to_numpy(dtype=float)
            assert np.allclose(gn, numeric.to_numpy(dtype=float), RTOL, ATOL, equal_nan=True), col
        else:
            assert g.astype(str).tolist() == w.astype(str).tolist(), col


def _is_number(x) -> bool:
    try:
        float(x)
    except ValueError:
        return False
    return True


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
