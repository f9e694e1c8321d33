"""Property-based tests of the second round of untrusted input (issue 22): generated file
names, handles, counts, JSON numbers and dates are either accepted as what they are or
refused with the library's one-line error naming where they are; never a traceback, never
a silent change.

Each property runs a few dozen generated examples (``DPD_PROPERTIES=500`` searches harder);
the data directory is set up once per test and one file changed per example. The
properties that load a data directory per example are the expensive tier (``make
test-slow``); those of one value run with ``make test``.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import unicodedata
from pathlib import Path

import pytest
from conftest import FIXTURE_PAIR, RAW
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.base.errors import DataError, ExportFormatError
from analysis.data import dates, load
from analysis.data.importers import MAX_COUNT, count_value, json_value
from analysis.data.read import handle_key

EXAMPLES = int(os.environ.get("DPD_PROPERTIES", "25"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
#: Invisible characters a cell may never hold (format characters and separators).
INVISIBLE = ["\u200b", "\u200d", "\u202e", "\u2066", "\ufeff", "\u00ad", "\u2028"]


@pytest.fixture(scope="module")
def pair_dir(tmp_path_factory) -> Path:
    """The fixture pair with the project's codebook: one copy for a test's examples."""
    dest = tmp_path_factory.mktemp("properties") / "raw"
    shutil.copytree(FIXTURE_PAIR, dest)
    for name in ("codebook.yml", "README.md"):
        shutil.copy(RAW / name, dest / name)
    return dest


def _refused_or_valid(data: Path) -> DataError | None:
    """Load `data`: None when valid, the DataError when not; any other exception fails."""
    try:
        load.load_all(data)
    except DataError as exc:
        assert "Traceback" not in str(exc)
        return exc
    return None


# --- file names ---------------------------------------------------------------------------

NAME_CHARS = st.sampled_from(
    list("abcXYZ019._-@") + list(" %:$#*?=,;'\"\\()[]{}~!&|<>^`+é") + ["\t", "\n", "ñ", "\u200b"]
)


@pytest.mark.slow
@SETTINGS
@given(name=st.text(NAME_CHARS, min_size=1, max_size=12))
def test_a_generated_file_name_is_accepted_only_if_make_can_handle_it(pair_dir, name):
    if name in (".", "..") or "/" in name:
        return
    path = pair_dir / "posts" / name
    path.write_text("x\n", encoding="utf-8")
    try:
        err = _refused_or_valid(pair_dir)
    finally:
        path.unlink()
    safe = name.startswith(".") or load.SAFE_NAME.fullmatch(f"posts/{name}") is not None
    if safe:
        assert err is None, str(err)
    else:
        assert err is not None and len(err.problems) == 1, name
        assert "a file name make cannot handle" in str(err) and "\n" not in str(err)


@pytest.mark.parametrize(
    "name", ["ok-1.jsonl", "a b.jsonl", "x%y.jsonl", "c:d.csv", "e$f", "@h.json"]
)
def test_make_and_validate_agree_on_a_name(tmp_path, name):
    """The Makefile's find and the loader's SAFE_NAME accept the same names."""
    import subprocess

    from analysis.base.paths import REPO_ROOT

    (tmp_path / "data" / "raw").mkdir(parents=True)
    (tmp_path / "data" / "raw" / name).write_text("x\n")
    shutil.copy(REPO_ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / "paper").mkdir()
    shutil.copy(REPO_ROOT / "paper" / "paper.yml", tmp_path / "paper" / "paper.yml")
    run = subprocess.run(["make", "-n", "help"], capture_output=True, text=True, cwd=tmp_path)
    refused_by_make = "make cannot handle" in run.stderr
    assert refused_by_make == (load.SAFE_NAME.fullmatch(name) is None), run.stderr


# --- handles ------------------------------------------------------------------------------

ORIGINAL = "@cancilleriaA"  # ARG foreign ministry on twitter, line 4 of the fixture


@st.composite
def handle_variants(draw) -> str:
    bare = (
        ORIGINAL.lstrip("@")
        if draw(st.booleans())
        else draw(st.sampled_from(["cancillería", "cancilleriaB", "Canciller", "cancilleriaa"]))
    )
    flips = draw(st.lists(st.booleans(), min_size=len(bare), max_size=len(bare)))
    text = "".join(c.swapcase() if f else c for c, f in zip(bare, flips, strict=True))
    if draw(st.booleans()):
        text = unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD"])), text)
    if draw(st.booleans()):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(INVISIBLE)) + text[at:]
    return ("@" if draw(st.booleans()) else "") + text


@pytest.mark.slow
@SETTINGS
@given(variant=handle_variants())
def test_a_handle_is_one_account_whatever_its_case_at_sign_or_normal_form(pair_dir, variant):
    path = pair_dir / "accounts.csv"
    before = path.read_text(encoding="utf-8")
    row = f"ARG,foreign_ministry,twitter,true,{variant},,,,,,,,,,test fixture,\n"
    path.write_text(before + row, encoding="utf-8")
    try:
        err = _refused_or_valid(pair_dir)
    finally:
        path.write_text(before, encoding="utf-8")
    nfc = unicodedata.normalize("NFC", variant)
    if any(c in variant for c in INVISIBLE):
        assert err is not None and "invisible character (U+" in str(err), variant
    elif handle_key(nfc) == handle_key(ORIGINAL):
        assert err is not None and "duplicate key" in str(err), variant
    else:
        assert err is None, (variant, str(err))


# --- numbers ------------------------------------------------------------------------------

NUMBER_TEXT = st.one_of(
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(st.sampled_from(list("0123456789-+.eE ,x")), min_size=1, max_size=25),
)


@pytest.mark.slow
@SETTINGS
@given(text=NUMBER_TEXT)
def test_a_count_cell_is_a_whole_number_within_bounds_or_refused(pair_dir, text):
    path = pair_dir / "accounts.csv"
    before = path.read_text(encoding="utf-8")
    path.write_text(before.replace(",500000,", f",{text.strip()},", 1), encoding="utf-8")
    try:
        err = _refused_or_valid(pair_dir)
    finally:
        path.write_text(before, encoding="utf-8")
    cell = text.strip()
    if cell and "," in cell:
        assert err is not None  # a comma makes another field: the row's shape is refused
    elif re.fullmatch(r"[0-9]+", cell) and int(cell) <= MAX_COUNT or cell == "":
        assert err is None, (text, str(err))
    else:
        assert err is not None and "followers" in str(err), text


@SETTINGS
@given(number=NUMBER_TEXT)
def test_a_json_number_is_finite_and_bounded_or_refused(number):
    document = f'{{"statistics": {{"likeCount": {number.strip()}}}}}'
    try:
        value = json_value(document, "x.json", "line 1")
    except ExportFormatError as exc:
        assert str(exc).startswith("x.json, line 1") and "\n" not in str(exc)
        return
    found = value["statistics"]["likeCount"]
    assert isinstance(found, int | float) and math.isfinite(found)
    assert not isinstance(found, int) or len(str(abs(found))) <= 40


@SETTINGS
@given(value=st.one_of(st.integers(-(10**30), 10**30), st.floats(), NUMBER_TEXT, st.none()))
def test_a_count_of_an_export_is_never_negative_nor_beyond_any_audience(value):
    try:
        n = count_value(value, "x.jsonl", "line 1", "public_metrics.like_count")
    except ExportFormatError as exc:
        assert "x.jsonl, line 1, field 'public_metrics.like_count'" in str(exc)
        return
    assert n is None or (isinstance(n, int) and 0 <= n <= MAX_COUNT)


# --- dates --------------------------------------------------------------------------------

DATE_TEXT = st.builds(
    lambda y, m, d, form: [f"{y:04d}", f"{y:04d}-{m:02d}", f"{y:04d}-{m:02d}-{d:02d}"][form],
    st.integers(0, 9999),
    st.integers(0, 13),
    st.integers(0, 32),
    st.integers(0, 2),
)


@SETTINGS
@given(text=DATE_TEXT)
def test_a_date_lies_within_the_bounds_or_is_refused(text):
    try:
        parsed = dates.parse(text)
    except ValueError as exc:
        assert text in str(exc)
        return
    assert dates.FIRST_YEAR <= parsed.start.year <= parsed.end.year <= dates.LAST_YEAR


@pytest.mark.slow
@SETTINGS
@given(text=DATE_TEXT)
def test_an_account_opened_on_any_date_is_valid_or_named(pair_dir, text):
    path = pair_dir / "accounts.csv"
    before = path.read_text(encoding="utf-8")
    path.write_text(before.replace(",2009-11,", f",{text},", 1), encoding="utf-8")
    try:
        err = _refused_or_valid(pair_dir)
    finally:
        path.write_text(before, encoding="utf-8")
    if err is not None:
        assert err.problems[0].column in ("created", "as_of") and err.problems[0].line == 4


def test_a_json_document_nested_deeper_than_the_bound_is_refused():
    deep = json.dumps({"a": [[[[{"b": 1}]]]]})
    assert json_value(deep, "x.json", "file", max_depth=6) == json.loads(deep)
    with pytest.raises(ExportFormatError, match="nested deeper than 5 levels"):
        json_value(deep, "x.json", "file", max_depth=5)
