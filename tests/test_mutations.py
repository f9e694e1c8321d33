"""Property: whatever is done to a file of data/raw, the loader either returns the study the
file says, or raises the library's error naming the file and the line. Never a traceback,
never a silent change.

Hypothesis mutates one file of a copy of the article's data (data/raw's MEX and CHL rows, not
what a student added) at a time: a row cut short or given an extra field, a cell swapped for
a value of another type, markup or a control character injected into a cell, the file
re-encoded.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import copy_article
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.base.errors import CompendiumError, DataError
from analysis.data import dates, load
from analysis.data.codebook import table_schemas

#: The article's data, copied once per process (the examples are drawn from them at import).
_TMP = tempfile.TemporaryDirectory(prefix="dpd-article-")
ARTICLE = copy_article(Path(_TMP.name) / "raw")
SCHEMAS = table_schemas(ARTICLE)
FILES = sorted(name for name in SCHEMAS if (ARTICLE / f"{name}.csv").is_file())

#: Values of the wrong type for most columns, and the right one for some.
SWAPS = [
    "",
    "abc",
    "12.5",
    "-3",
    "007",
    "1e3",
    "\u0663",  # an Arabic-Indic digit: a digit to str.isdigit, not a count
    "9" * 30,
    "2014-13-01",
    "2014-02-30",
    "2009-Q5",
    "true",
    "TRUE",
    "MEX",
    "mex",
    "twitter",
    " padded ",
]
#: Markup of every kind the paper's renderers know: it must stay text.
MARKUP = [
    "<script>alert(1)</script>",
    '<img src="http://example.org/x.png" onerror="alert(1)">',
    "[link](javascript:alert(1))",
    "![x](http://example.org/x.png)",
    "#set page(width: 1cm)",
    "{{ 7 * 7 }}",
    "{% raw %}",
    "$x^2$",
    '=HYPERLINK("http://example.org")',
    "\\input{/etc/passwd}",
    "\u202eevil",
    "`code` *em* _u_",
]
CONTROL = [chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0x85, 0x9B]]

#: Examples per run: 60 fixed ones in the suite; ``DPD_MUTATIONS=800`` searches afresh.
EXAMPLES = int(os.environ.get("DPD_MUTATIONS", "60"))

_BASELINE: dict[str, pd.DataFrame] = {}


def baseline() -> dict[str, pd.DataFrame]:
    if not _BASELINE:
        _BASELINE.update(load.load_all(ARTICLE))
    return _BASELINE


def _records(name: str) -> tuple[list[str], list[list[str]]]:
    text = (ARTICLE / f"{name}.csv").read_text(encoding="utf-8").removeprefix("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(text, newline="")))
    return header, [r for r in rows if any(c.strip() for c in r)]


def _write(header: list[str], rows: list[list[str]]) -> tuple[str, list[int]]:
    """The CSV text and the line each data row starts on."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    starts = []
    for row in rows:
        starts.append(buf.getvalue().count("\n") + 1)
        writer.writerow(row)
    return buf.getvalue(), starts


@st.composite
def mutations(draw):
    name = draw(st.sampled_from(FILES))
    header, rows = _records(name)
    kind = draw(st.sampled_from(["truncate", "extend", "swap", "markup", "control", "encoding"]))
    if kind == "encoding":
        return name, kind, None, None, draw(st.sampled_from(["latin-1", "utf-16", "utf-8-sig"]))
    if not rows:
        return name, "encoding", None, None, "utf-8-sig"
    i = draw(st.integers(0, len(rows) - 1))
    if kind == "truncate":
        return name, kind, i, None, draw(st.integers(1, len(header) - 1))
    if kind == "extend":
        return name, kind, i, None, draw(st.integers(1, 3))
    col = draw(st.sampled_from(header))
    if kind == "swap":
        value = draw(st.sampled_from(SWAPS + [r[header.index(col)] for r in rows]))
    elif kind == "markup":
        value = draw(st.sampled_from(MARKUP))
    else:
        cell = rows[i][header.index(col)]
        at = draw(st.integers(0, len(cell)))
        value = cell[:at] + draw(st.sampled_from(CONTROL)) + cell[at:]
    return name, kind, i, col, value


def _same(cell, value: str, kind: str) -> bool:
    """Whether the typed cell says what the file says."""
    text = value.strip()
    if pd.isna(cell):
        return text == ""
    if kind == "integer":
        return text.isascii() and int(text) == cell
    if kind == "number":
        return float(text) == cell
    if kind == "boolean":
        return {"true": True, "false": False}[text] == cell
    if kind == "date":
        return dates.parse(text) == dates.parse(str(cell))
    return str(cell) == text


def _assert_named(err: CompendiumError, name: str, line: int | None) -> None:
    assert isinstance(err, DataError), repr(err)
    for problem in err.problems:
        assert problem.path is not None, str(err)
        assert Path(problem.path).name.endswith(".csv"), str(err)
    if line is not None:
        assert any(Path(p.path).name == f"{name}.csv" and p.line == line for p in err.problems), (
            str(err)
        )
    else:
        assert any(Path(p.path).name == f"{name}.csv" for p in err.problems), str(err)
    assert f"{err.problems[0].path}: line" in str(err), str(err)


@pytest.mark.slow
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize="DPD_MUTATIONS" not in os.environ,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(mutations())
def test_a_mutated_file_loads_as_written_or_is_named(mutation):
    name, kind, i, col, arg = mutation
    header, rows = _records(name)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "raw"
        shutil.copytree(ARTICLE, data)
        path = data / f"{name}.csv"
        line = None
        if kind == "encoding":
            text, _ = _write(header, rows)
            try:
                payload = text.encode(arg)
            except UnicodeEncodeError:
                payload = text.encode(arg, errors="replace")
            path.write_bytes(payload)
            non_ascii = any(not c.isascii() for c in text)
            must_fail = arg == "utf-16" or (arg == "latin-1" and non_ascii)
        else:
            rows = [list(r) for r in rows]
            if kind == "truncate":
                rows[i] = rows[i][:arg]
            elif kind == "extend":
                rows[i] = rows[i] + ["x"] * arg
            else:
                rows[i][header.index(col)] = arg
            text, starts = _write(header, rows)
            line = starts[i]
            path.write_text(text, encoding="utf-8")
            must_fail = kind in ("truncate", "extend", "control")

        try:
            tables = load.load_all(data)
        except CompendiumError as err:
            _assert_named(err, name, line if kind != "swap" and kind != "markup" else None)
            return
        assert not must_fail, f"{kind} of {name}.csv was accepted"

        # Loaded: every table says what its file says, the mutated cell included.
        for other, df in tables.items():
            expected = baseline()[other]
            got = df.reset_index(drop=True)
            expected = expected.reset_index(drop=True)
            if other != name or kind == "encoding":
                pd.testing.assert_frame_equal(got, expected, check_index_type=False)
                continue
            field = SCHEMAS[name]["fields"][col]
            assert _same(got.at[i, col], arg, field.get("type", "string")), (
                f"{name}.csv row {i} column {col}: wrote {arg!r}, loaded {got.at[i, col]!r}"
            )
            others = [c for c in got.columns if c != col]
            pd.testing.assert_frame_equal(got[others], expected[others], check_index_type=False)
            rest = got.index != i
            pd.testing.assert_series_equal(got.loc[rest, col], expected.loc[rest, col])


@pytest.mark.parametrize("name", FILES)
def test_every_file_survives_a_rewrite(name):
    """The oracle itself: rewriting a file through the csv module changes nothing loaded."""
    header, rows = _records(name)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "raw"
        shutil.copytree(ARTICLE, data)
        (data / f"{name}.csv").write_text(_write(header, rows)[0], encoding="utf-8")
        got = load.load_all(data)[name].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, baseline()[name].reset_index(drop=True))
