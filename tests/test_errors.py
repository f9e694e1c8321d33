"""One error family: every error of the library survives pickling, and the CLI prints one line."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest
from conftest import NO_DATA, REPO
from untrusted_cases import cli_run, one_error_line

from analysis.base import errors
from analysis.base.errors import (
    BuildError,
    CompendiumError,
    DataError,
    ExportFormatError,
    Problem,
    TemplateError,
    UnknownCountryError,
    UsageError,
)

EXAMPLES = [
    CompendiumError("something", "f.csv", 3, "x"),
    DataError([Problem("a.csv", 2, "role", "unknown"), Problem("b.csv", 9, None, "bad")]),
    DataError(Problem("a.csv", 2, "role", "unknown")),
    UnknownCountryError(f"no data for {NO_DATA!r}", country=NO_DATA, available=("CHL", "MEX")),
    ExportFormatError("export.jsonl", "line 3, data[2]", "created_at", "not a time"),
    TemplateError("no key 'x'", "paper/text/en.yml"),
    UsageError("a pair is two codes"),
    BuildError("pandoc could not write html5: boom"),
]


@pytest.mark.parametrize("err", EXAMPLES, ids=lambda e: type(e).__name__)
def test_every_error_survives_pickling_with_its_attributes(err):
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is type(err)
    assert str(back) == str(err)
    assert back.__dict__ == err.__dict__
    assert isinstance(back, CompendiumError)


def test_data_error_keeps_its_problems_and_names_file_line_column():
    err = pickle.loads(pickle.dumps(EXAMPLES[1]))
    assert [str(p) for p in err.problems] == [
        "a.csv: line 2, column 'role': unknown",
        "b.csv: line 9: bad",
    ]
    assert (err.path, err.line, err.column) == ("a.csv", 2, "role")
    assert str(EXAMPLES[2]) == "a.csv: line 2, column 'role': unknown"


def test_every_error_class_of_the_library_derives_from_the_base():
    import analysis.base.errors as module

    classes = [v for v in vars(module).values() if isinstance(v, type) and issubclass(v, Exception)]
    assert set(classes) >= {type(e) for e in EXAMPLES}
    assert all(issubclass(c, CompendiumError) for c in classes)
    assert errors.location("f", 2, "c") == "f: line 2, column 'c'"


def _interpreter(*args: str) -> subprocess.CompletedProcess:
    """``python -m analysis ARGS`` in a fresh interpreter: what a person at a shell sees."""
    return subprocess.run(
        [sys.executable, "-m", "analysis", *args], capture_output=True, text=True, cwd=REPO
    )


@pytest.mark.slow
def test_cli_bad_cell_is_one_line(raw_copy):
    path = raw_copy / "accounts.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("870000", "many", 1), "utf-8")
    line = one_error_line(_interpreter("--data-dir", str(raw_copy), "validate"))
    assert "accounts.csv: line 4, column 'followers': 'many' is not a count" in line


def test_cli_broken_codebook_is_one_line(raw_copy):
    book = raw_copy / "codebook.yml"
    book.write_text(book.read_text(encoding="utf-8") + "\n  broken: [unclosed\n", "utf-8")
    line = one_error_line(cli_run("--data-dir", str(raw_copy), "validate"))
    assert "codebook.yml" in line and "not valid YAML" in line


def test_cli_missing_data_dir_and_bad_pair_are_one_line(tmp_path, article_data):
    assert "codebook" in one_error_line(cli_run("--data-dir", str(tmp_path), "validate"))
    article = ("--data-dir", str(article_data))
    assert "alpha-3" in one_error_line(cli_run(*article, "paper", "--pair", "MEXICO-CHILE"))
    line = one_error_line(cli_run(*article, "paper", "--pair", f"{NO_DATA}-MEX"))
    assert f"no data for country '{NO_DATA}'" in line


def test_cli_bad_export_is_one_line(tmp_path, article_data):
    bad = tmp_path / "export.jsonl"
    bad.write_text("{not json\n", encoding="utf-8")
    args = ["--data-dir", str(article_data)]
    args += ["code", str(bad), "--format", "twitter_v2", "--country", "MEX"]
    line = one_error_line(
        cli_run(*args, "--role", "foreign_ministry", "--out", str(tmp_path / "o.parquet"))
    )
    assert "export.jsonl, line 1" in line and "not valid JSON" in line
