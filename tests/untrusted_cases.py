"""The second round of the untrusted-input catalogue (issue 22): each case, the command a
person would type, and the one line they see.

Each :class:`Case` sets up a scratch copy (of the article's data, data/raw's MEX and CHL rows,
or of the fixture pair), runs the command (the CLI in this process, make with ``-n``, or the
library where no command reaches it, such as the HTTP client) and returns what the person
sees: ``exit 2: error: ...`` or, where the
input is not an error, ``exit 0: ...`` with the correct result. ``tests/test_untrusted.py``
runs every case and checks the line against ``tests/CATALOGUE.md``; ``python
tests/catalogue.py`` writes that file from the same runs, so the catalogue cannot drift from
what the code does. A command that reads data without naming them (``code``, ``data``,
``paper``) is given a copy of the article's data with ``--data-dir``, so that no line depends
on what a student has added to data/raw.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import shutil
import subprocess
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from conftest import copy_article
from loopback import Answer, Loopback

from analysis.base.errors import CompendiumError
from analysis.base.paths import DATA_DIR as RAW
from analysis.base.paths import REPO_ROOT as REPO

FIXTURE_PAIR = REPO / "tests" / "fixtures" / "pair"
EXPORT = FIXTURE_PAIR / "posts" / "arg-foreign-ministry.jsonl"
#: The catalogue this module's cases are checked against.
CATALOGUE = REPO / "tests" / "CATALOGUE.md"


@dataclass(frozen=True)
class Case:
    family: str
    id: str
    command: str
    run: Callable[[Path], str]


CASES: list[Case] = []


def case(family: str, command: str):
    def register(fn: Callable[[Path], str]) -> Callable[[Path], str]:
        CASES.append(Case(family, fn.__name__.removeprefix("case_").replace("_", "-"), command, fn))
        return fn

    return register


# --- running ------------------------------------------------------------------------------


def cli(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """``python -m analysis ARGV`` in this process: exit status, stdout, stderr."""
    from analysis.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    saved = {k: os.environ.get(k) for k in env or {}}
    os.environ.update(env or {})
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(argv))
            except SystemExit as exc:  # argparse
                code = int(exc.code or 0)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return code, out.getvalue(), err.getvalue()


def cli_run(*argv: str) -> subprocess.CompletedProcess:
    """:func:`cli` as a ``CompletedProcess`` (status, stdout, stderr), for the tests that
    read a command's result as ``subprocess.run`` gives it; the entry point's own run in a
    fresh interpreter is tests/test_errors.py's."""
    code, out, err = cli(*argv)
    return subprocess.CompletedProcess(["analysis", *argv], code, out, err)


def one_error_line(run: subprocess.CompletedProcess) -> str:
    """The one line a refused command prints: exit 2, no traceback, a single ``error:`` line
    and nothing after it (progress lines may come before)."""
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1 and lines[-1] == errors[0], run.stderr
    return errors[0]


def seen(code: int, out: str, err: str, ok: str | None = None) -> str:
    """What the person sees: the one error line, or (exit 0) `ok` or the first line printed."""
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert "Traceback" not in err, err
    if code:
        assert len(errors) == 1, err
        return f"exit {code}: {errors[0]}"
    first = out.splitlines()[0] if out.strip() else ""
    return f"exit 0: {ok if ok is not None else first}"


def library(fn: Callable[[], object], ok: str) -> str:
    """A library call no command reaches with this input: its error as the CLI prints it."""
    try:
        fn()
    except CompendiumError as exc:
        assert "\n" not in str(exc), exc
        return f"exit 2: error: {exc}"
    return f"exit 0: {ok}"


def make(cwd: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    env.pop("CONDA_PREFIX", None)  # the venv stamp is the environment
    run = subprocess.run(
        ["make", "--no-print-directory", "-n", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
    )
    if run.returncode:
        lines = [line for line in run.stderr.splitlines() if "***" in line]
        assert len(lines) == 1, run.stderr
        return f"exit {run.returncode}: {lines[0]}"
    return f"exit 0: {run.stdout.splitlines()[-1]}"


def raw(tmp: Path) -> Path:
    """A scratch copy of the article's data (data/raw's MEX and CHL rows)."""
    return copy_article(tmp / "raw")


def article(tmp: Path) -> list[str]:
    """``--data-dir`` and a copy of the article's data, for a command that only reads them
    (one copy in `tmp`, made by the first command that needs it)."""
    data = tmp / "article"
    return ["--data-dir", str(data if data.is_dir() else copy_article(data))]


def pair(tmp: Path) -> Path:
    dest = tmp / "raw"
    shutil.copytree(FIXTURE_PAIR, dest)
    for name in ("codebook.yml", "README.md"):
        shutil.copy(RAW / name, dest / name)
    return dest


def edit(path: Path, row: int, column: str, value: str) -> None:
    """Set one cell (row counted from 0 after the header) of a CSV file."""
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = list(reader.fieldnames), list(reader)
    rows[row][column] = value
    append(path, fields, rows, mode="w")


def append(path: Path, fields: list[str], rows: list[dict], mode: str = "a") -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fields, lineterminator="\n", restval="")
    if mode == "w":
        writer.writeheader()
    writer.writerows(rows)
    with open(path, mode, encoding="utf-8", newline="") as fh:
        fh.write(buf.getvalue())


def header(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()[0].split(",")


def limit(data: Path, **limits: int) -> None:
    """Lower the codebook's limits of a scratch copy (the checks, at a size a test can make)."""
    text = (data / "codebook.yml").read_text(encoding="utf-8")
    for key, value in limits.items():
        start = text.index(f"  {key}:")
        end = text.index("\n", start)
        text = text[:start] + f"  {key}: {value}" + text[end:]
    (data / "codebook.yml").write_text(text, encoding="utf-8")


def code_args(tmp: Path, export: Path, out: Path, *more: str) -> list[str]:
    return [
        *article(tmp),
        "code",
        str(export),
        *more,
        "--format",
        "twitter_v2",
        "--country",
        "MEX",
        "--role",
        "foreign_ministry",
        "--out",
        str(out),
    ]


# --- outputs that destroy -----------------------------------------------------------------


@case("outputs", "python -m analysis --data-dir raw data --out raw")
def case_data_out_is_the_data(tmp: Path) -> str:
    data = raw(tmp)
    return seen(*cli("--data-dir", str(data), "data", "--out", str(data)))


@case("outputs", "python -m analysis data --out data")
def case_data_out_holds_data_raw(tmp: Path) -> str:
    return seen(*cli(*article(tmp), "data", "--out", str(RAW.parent)))


@case("outputs", "python -m analysis data --out mine  (a folder holding a person's file)")
def case_data_out_is_a_foreign_folder(tmp: Path) -> str:
    mine = tmp / "mine"
    mine.mkdir()
    (mine / "thesis.md").write_text("keep")
    line = seen(*cli(*article(tmp), "data", "--out", str(mine)))
    assert (mine / "thesis.md").read_text() == "keep"
    return line


@case("outputs", "python -m analysis data --out processed  (twice, a .processed-old beside it)")
def case_data_out_twice_keeps_a_neighbour(tmp: Path) -> str:
    neighbour = tmp / ".processed-old"
    neighbour.mkdir()
    (neighbour / "notes.txt").write_text("mine")
    data = article(tmp)
    cli(*data, "data", "--out", str(tmp / "processed"))
    line = seen(*cli(*data, "data", "--out", str(tmp / "processed")))
    assert (neighbour / "notes.txt").read_text() == "mine"
    return line


@case(
    "outputs", "python -m analysis data --out processed  (after a killed run left .processed.*.tmp)"
)
def case_stale_temporaries_are_swept(tmp: Path) -> str:
    stale = tmp / ".processed.x1y2z3.tmp"  # what SIGKILL leaves: no writer holds it
    stale.mkdir()
    (stale / "accounts.parquet").write_bytes(b"\0" * 1000)
    old = time.time() - 60
    os.utime(stale, (old, old))
    line = seen(*cli(*article(tmp / "in"), "data", "--out", str(tmp / "processed")))
    assert not stale.exists()
    left = sorted(p.name for p in tmp.iterdir())
    assert left == ["in", "processed"], left
    return f"{line}; the stale .processed.x1y2z3.tmp is removed"


@case(
    "outputs",
    "python -m analysis code export.jsonl ... --out coded.parquet  (a file it did not write)",
)
def case_code_out_is_a_foreign_file(tmp: Path) -> str:
    out = tmp / "coded.parquet"
    pd.DataFrame({"mine": [1]}).to_parquet(out)
    before = out.read_bytes()
    line = seen(*cli(*code_args(tmp, EXPORT, out)))
    assert out.read_bytes() == before
    return line


@case("outputs", "python -m analysis code export.jsonl ... --out data/raw/posts/coded.parquet")
def case_code_out_inside_data_raw(tmp: Path) -> str:
    return seen(*cli(*code_args(tmp, EXPORT, RAW / "posts" / "coded.parquet")))


@case("outputs", "python -m analysis code export.jsonl ... --out coded.csv")
def case_code_out_csv_writes_a_csv(tmp: Path) -> str:
    out = tmp / "coded.csv"
    line = seen(*cli(*code_args(tmp, EXPORT, out)))
    head = out.read_text(encoding="utf-8").splitlines()[0]
    assert head.startswith("country,role,platform,account_id") and head.endswith("topics_source")
    cli(*code_args(tmp, EXPORT, out))  # its own output: replaced
    return line


@case("outputs", "python -m analysis code export.jsonl ... --out coded.csv --dask local")
def case_code_out_csv_with_dask(tmp: Path) -> str:
    return seen(*cli(*code_args(tmp, EXPORT, tmp / "coded.csv", "--dask", "local")))


# --- collectors that launder --------------------------------------------------------------


def _server(status: int, headers: dict[str, str], body: bytes, drip: float = 0.0) -> Loopback:
    """One scripted answer to every request: a redirect, a refusal, or a body that drips."""
    return Loopback(lambda _: Answer(status, body, headers, drip=drip), path="/api")


def _client(**kw):
    from analysis.data.collect.http import Client

    return Client(agent="dpd-compendium/test (+https://example.org)", **kw)


@case("collectors", "collect (HTTP client): an answer that redirects to another host")
def case_redirect_to_another_host(tmp: Path) -> str:
    with _server(302, {"Location": "https://example.org/x?key=SECRET"}, b"") as s:
        return library(lambda: _client().get(s.url, secret={"key": "SECRET"}), "followed")


@case("collectors", "collect (HTTP client): a server that sends one byte every 0.1 s")
def case_a_slow_drip_meets_the_deadline(tmp: Path) -> str:
    with _server(200, {}, b"x" * 1000, drip=0.1) as s:
        started = time.monotonic()
        line = library(lambda: _client(timeout=0.25, deadline=0.5, retries=0).get(s.url), "read")
        assert time.monotonic() - started < 1.5
    return line


@case("collectors", "collect (HTTP client): 429 with Retry-After: 2")
def case_retry_after_says_so(tmp: Path) -> str:
    said: list[str] = []
    waited: list[float] = []

    def answers():
        with _server(429, {"Retry-After": "2"}, b"") as s:
            _client(retries=1, sleep=waited.append, say=said.append).get(s.url)

    line = library(answers, "")
    assert waited == [2.0] and len(said) == 1, (waited, said)
    return f"{said[0]} (on stderr, then) {line}"


@case("collectors", "python -m analysis collect youtube PER  (another table invalid)")
def case_youtube_refuses_before_any_request(tmp: Path) -> str:
    from analysis.data import scaffold
    from analysis.data.collect import youtube

    data = pair(tmp)
    scaffold.add_country("PER", data)
    text = (data / "accounts.csv").read_text(encoding="utf-8")
    text = text.replace(
        "PER,foreign_ministry,youtube,,,", "PER,foreign_ministry,youtube,,UC_x5XG1OV2P6uZZ5FSM9Ttw,"
    )
    (data / "accounts.csv").write_text(text, encoding="utf-8")
    edit(data / "website_criteria.csv", 0, "present", "maybe")
    calls: list = []

    class Fake:
        def get(self, url, params=None, *, secret=None):
            calls.append(url)
            raise AssertionError("no request may be made")

    line = library(
        lambda: youtube.collect("PER", data, client=Fake(), api_key="A" * 39), "collected"
    )
    assert calls == [] and not (data / "posts" / "per-foreign_ministry-youtube").exists()
    assert sorted(p.name for p in (data / "posts").iterdir()) == ["arg-foreign-ministry.jsonl"]
    return line


@case("collectors", "python -m analysis validate  (a QID of 300 digits in institutions.csv)")
def case_a_qid_of_300_digits(tmp: Path) -> str:
    data = raw(tmp)
    edit(data / "institutions.csv", 0, "wikidata", "Q" + "9" * 300)
    return seen(*cli("--data-dir", str(data), "validate"))


def _entity(claim_amount: str) -> bytes:
    return (
        '{"entities": {"Q1": {"id": "Q1", "claims": {"P8687": [{"rank": "normal", '
        '"mainsnak": {"snaktype": "value", "datavalue": {"value": {"amount": '
        + claim_amount
        + "}}}}]}}}}"
    ).encode()


@case("collectors", "python -m analysis collect wikidata PER --offline  (a snapshot amount NaN)")
def case_a_snapshot_with_nan(tmp: Path) -> str:
    from analysis.data.collect import wikidata

    return library(lambda: wikidata.entity(_entity("NaN"), "Q1", "Q1.json"), "read")


@case("collectors", "python -m analysis collect wikidata PER --offline  (an amount 1e400)")
def case_a_snapshot_amount_beyond_any_count(tmp: Path) -> str:
    from analysis.data.collect import wikidata

    item = wikidata.entity(_entity('"+1e400"'), "Q1", "Q1.json")
    return library(lambda: wikidata.accounts(item, "Q1.json"), "read")


@case("collectors", "python -m analysis collect wikidata PER --offline  (an amount Infinity)")
def case_a_snapshot_with_infinity(tmp: Path) -> str:
    from analysis.data.collect import wikidata

    return library(lambda: wikidata.entity(_entity("Infinity"), "Q1", "Q1.json"), "read")


@case("collectors", "python -m analysis collect wikidata PER --offline  (JSON nested 200,000 deep)")
def case_json_nested_200000_deep(tmp: Path) -> str:
    from analysis.data.collect import wikidata

    body = b"[" * 200_000 + b"]" * 200_000
    return library(lambda: wikidata.entity(body, "Q1", "Q1.json"), "read")


# --- keys that look different but are not -------------------------------------------------


def _second_account(data: Path, handle: str) -> None:
    path = data / "accounts.csv"
    append(
        path,
        header(path),
        [
            {
                "country": "MEX",
                "role": "foreign_ministry",
                "platform": "twitter",
                "present": "true",
                "handle": handle,
                "source": "Benayas 2021, Tabla 1",
            }
        ],
    )


@case("keys", "python -m analysis validate  (@sre_MX beside @SRE_mx)")
def case_a_handle_in_another_case(tmp: Path) -> str:
    data = raw(tmp)
    _second_account(data, "@sre_MX")
    return seen(*cli("--data-dir", str(data), "validate"))


@case("keys", "python -m analysis validate  (sre_mx without @ beside @SRE_mx)")
def case_a_handle_without_at(tmp: Path) -> str:
    data = raw(tmp)
    _second_account(data, "sre_mx")
    return seen(*cli("--data-dir", str(data), "validate"))


@case("keys", "python -m analysis validate  (España typed in NFD beside España)")
def case_nfd_and_nfc_are_one_key(tmp: Path) -> str:
    data = raw(tmp)
    path = data / "sample_sites.csv"
    append(
        path,
        header(path),
        [
            {
                "country": "MEX",
                "kind": "embassy",
                "location": unicodedata.normalize("NFD", "España"),
                "source": "Benayas 2021",
            }
        ],
    )
    return seen(*cli("--data-dir", str(data), "validate"))


@case("keys", "python -m analysis validate  (a zero-width space inside a handle)")
def case_a_zero_width_space(tmp: Path) -> str:
    data = raw(tmp)
    edit(data / "accounts.csv", 2, "handle", "@SRE\u200b_mx")
    return seen(*cli("--data-dir", str(data), "validate"))


@case("keys", "python -m analysis validate  (a right-to-left override U+202E in a note)")
def case_a_bidi_override(tmp: Path) -> str:
    data = raw(tmp)
    edit(data / "institutions.csv", 0, "note", "see \u202etxt.exe")
    return seen(*cli("--data-dir", str(data), "validate"))


@case("keys", "python -m analysis validate  (a byte-order mark inside a name)")
def case_a_bom_inside_a_cell(tmp: Path) -> str:
    data = raw(tmp)
    edit(data / "institutions.csv", 1, "name", "Secretaría\ufeff de Relaciones Exteriores")
    return seen(*cli("--data-dir", str(data), "validate"))


@case("keys", "python -m analysis validate  (a country code in Cyrillic look-alikes)")
def case_look_alike_letters_are_shown_escaped(tmp: Path) -> str:
    data = raw(tmp)
    path = data / "countries.csv"
    append(
        path,
        header(path),
        [{"iso3": "\u041c\u0415\u0425", "name_en": "Mexico", "name_es": "México"}],
    )
    return seen(*cli("--data-dir", str(data), "validate"))


# --- names that fool make -----------------------------------------------------------------


def _make_copy(tmp: Path) -> Path:
    """The Makefile beside a copy of the article's data, with an installed environment stamp."""
    root = tmp / "repo"
    (root / "data").mkdir(parents=True)
    copy_article(root / "data" / "raw")
    shutil.copy(REPO / "Makefile", root / "Makefile")
    (root / "paper").mkdir()
    shutil.copy(REPO / "paper" / "paper.yml", root / "paper" / "paper.yml")  # the default pair
    (root / ".venv").mkdir()
    (root / ".venv" / ".installed").write_text("")
    return root


@case("names", "make paper  (data/raw/posts/x%y.jsonl)")
def case_percent_in_a_file_name(tmp: Path) -> str:
    root = _make_copy(tmp)
    (root / "data" / "raw" / "posts").mkdir()
    (root / "data" / "raw" / "posts" / "x%y.jsonl").write_text("{}\n")
    return make(root, "paper")


@case("names", "make paper  (data/raw/my notes: draft$1.csv)")
def case_space_colon_dollar_in_a_file_name(tmp: Path) -> str:
    root = _make_copy(tmp)
    (root / "data" / "raw" / "my notes: draft$1.csv").write_text("a\n")
    return make(root, "paper")


@case("names", "python -m analysis validate  (data/raw/posts/x%y.jsonl)")
def case_percent_in_a_file_name_validate(tmp: Path) -> str:
    data = raw(tmp)
    (data / "posts").mkdir()
    (data / "posts" / "x%y.jsonl").write_text("{}\n")
    return seen(*cli("--data-dir", str(data), "validate"))


@case(
    "names",
    "python -m analysis validate  (posts/ a link to /, exports.csv naming posts/etc/passwd)",
)
def case_posts_is_a_link(tmp: Path) -> str:
    data = raw(tmp)
    (data / "posts").symlink_to("/", target_is_directory=True)
    (data / "exports.csv").write_text(
        "file,format,country,role,platform,source,note\n"
        "posts/etc/passwd,twitter_v2,MEX,foreign_ministry,,hostile,\n",
        encoding="utf-8",
    )
    return seen(*cli("--data-dir", str(data), "validate"))


# --- options that run code ----------------------------------------------------------------


@case("options", "make lab LAB_ARGS=--config=evil.py")
def case_lab_args_config_file(tmp: Path) -> str:
    return make(REPO, "lab", "LAB_ARGS=--config=evil.py")


@case("options", "make lab LAB_ARGS='--ServerApp.ip=0.0.0.0 --ServerApp.token='")
def case_lab_args_open_to_the_network(tmp: Path) -> str:
    return make(REPO, "lab", "LAB_ARGS=--ServerApp.ip=0.0.0.0 --ServerApp.token=")


@case("options", "make lab LAB_ARGS='--port=8899 --no-browser'")
def case_lab_args_a_user_needs(tmp: Path) -> str:
    return make(REPO, "lab", "LAB_ARGS=--port=8899 --no-browser").replace(".venv/bin/", "")


@case("options", "make paper LANG=ES")
def case_lang_in_capitals(tmp: Path) -> str:
    return make(REPO, "-B", "paper", "LANG=ES").replace(".venv/bin/", "")


# --- numbers and dates --------------------------------------------------------------------


@case("numbers", "python -m analysis code posts.parquet --out coded.parquet  (likes -5)")
def case_a_negative_count_in_an_input(tmp: Path) -> str:
    from analysis.data.importers import twitter_v2

    posts = twitter_v2.read(EXPORT, "ARG", "foreign_ministry")
    posts.loc[0, "likes"] = -5
    posts.to_parquet(tmp / "posts.parquet", index=False)
    coded = ("code", str(tmp / "posts.parquet"), "--out", str(tmp / "coded.parquet"))
    return seen(*cli(*article(tmp), *coded))


@case("numbers", "python -m analysis code export.jsonl ... --out coded.parquet  (like_count -5)")
def case_a_negative_count_in_an_export(tmp: Path) -> str:
    text = EXPORT.read_text(encoding="utf-8").replace('"like_count": 10', '"like_count": -5', 1)
    (tmp / "export.jsonl").write_text(text, encoding="utf-8")
    return seen(*cli(*code_args(tmp, tmp / "export.jsonl", tmp / "coded.parquet")))


@case("numbers", "python -m analysis validate  (an account opened in year 0001)")
def case_year_one(tmp: Path) -> str:
    data = raw(tmp)
    edit(data / "accounts.csv", 2, "created", "0001")
    return seen(*cli("--data-dir", str(data), "validate"))


@case("numbers", "python -m analysis validate  (an account opened in 9999)")
def case_year_9999(tmp: Path) -> str:
    data = raw(tmp)
    edit(data / "accounts.csv", 2, "created", "9999-12")
    return seen(*cli("--data-dir", str(data), "validate"))


@case("numbers", "python -m analysis validate  (an Instagram account opened in 2009)")
def case_before_the_platform_opened(tmp: Path) -> str:
    data = pair(tmp)
    edit(data / "accounts.csv", 4, "present", "true")  # ARG foreign ministry, instagram
    edit(data / "accounts.csv", 4, "note", "")
    edit(data / "accounts.csv", 4, "created", "2009")
    return seen(*cli("--data-dir", str(data), "validate"))


@case("numbers", "python -m analysis validate  (an account checked absent, with 5000 followers)")
def case_absent_with_followers(tmp: Path) -> str:
    data = pair(tmp)
    edit(data / "accounts.csv", 4, "followers", "5000")  # present false
    return seen(*cli("--data-dir", str(data), "validate"))


@case("numbers", "python -m analysis validate  (as_of 2009-10 on an account opened in 2009-11)")
def case_as_of_before_created(tmp: Path) -> str:
    data = pair(tmp)
    edit(data / "accounts.csv", 2, "as_of", "2009-10")
    return seen(*cli("--data-dir", str(data), "validate"))


@case("numbers", "SOURCE_DATE_EPOCH=1e20 python -m analysis paper")
def case_source_date_epoch_not_a_number(tmp: Path) -> str:
    return seen(*cli(*article(tmp), "paper", env={"SOURCE_DATE_EPOCH": "1e20"}))


@case("numbers", "SOURCE_DATE_EPOCH=99999999999999999999 python -m analysis paper")
def case_source_date_epoch_beyond_9999(tmp: Path) -> str:
    return seen(*cli(*article(tmp), "paper", env={"SOURCE_DATE_EPOCH": "9" * 20}))


# --- scale as an attack -------------------------------------------------------------------


@case("size", "python -m analysis validate  (accounts.csv of 52 MB: 500,000 rows)")
def case_a_table_too_large(tmp: Path) -> str:
    data = raw(tmp)
    os.truncate(data / "accounts.csv", 51_707_720)  # as large, without writing it: never read
    return seen(*cli("--data-dir", str(data), "validate"))


def _accounts(data: Path, n: int, country: str = "MEX") -> None:
    roles = ("government", "foreign_ministry", "trade_promotion")
    rows = [
        {
            "country": country,
            "role": roles[i % 3],
            "platform": "twitter",
            "present": "true",
            "handle": f"@account{i}",
            "source": "generated",
        }
        for i in range(n)
    ]
    append(data / "accounts.csv", header(data / "accounts.csv"), rows)


def _rows(path: Path, country: str | None = None) -> int:
    with open(path, encoding="utf-8", newline="") as fh:
        return sum(country in (None, row["country"]) for row in csv.DictReader(fh))


@case("size", "python -m analysis validate  (accounts.csv of 20,001 rows)")
def case_too_many_rows(tmp: Path) -> str:
    data = raw(tmp)
    _accounts(data, 20_001 - _rows(data / "accounts.csv"))
    return seen(*cli("--data-dir", str(data), "validate"))


@case("size", "python -m analysis validate  (1,001 accounts of one country)")
def case_too_many_accounts_of_a_country(tmp: Path) -> str:
    data = raw(tmp)
    _accounts(data, 1_001 - _rows(data / "accounts.csv", "MEX"))
    return seen(*cli("--data-dir", str(data), "validate"))


@case("size", "python -m analysis validate  (exports of more than 1,000,000 posts)")
def case_too_many_posts(tmp: Path) -> str:
    data = pair(tmp)
    limit(data, posts_per_build=5)  # the fixture's export holds 7 posts
    return seen(*cli("--data-dir", str(data), "validate")).replace(
        "than 5 posts", "than 1,000,000 posts"
    )


# --- smaller ------------------------------------------------------------------------------


@case("smaller", "python -m analysis country PER --name-en $'Peru\\e[31m'")
def case_a_control_character_in_a_name(tmp: Path) -> str:
    data = raw(tmp)
    before = (data / "countries.csv").read_bytes()
    line = seen(*cli("--data-dir", str(data), "country", "PER", "--name-en", "Peru\x1b[31m"))
    assert (data / "countries.csv").read_bytes() == before
    return line


@case("smaller", "DPD_CONTACT=$'me@x.org\\r\\nX: 1' python -m analysis collect wikidata ...")
def case_a_line_break_in_the_contact(tmp: Path) -> str:
    from analysis.data.collect import http

    def agent():
        saved = os.environ.get("DPD_CONTACT")
        os.environ["DPD_CONTACT"] = "me@x.org\r\nX: 1"
        try:
            http.user_agent()
        finally:
            os.environ.pop("DPD_CONTACT")
            if saved is not None:
                os.environ["DPD_CONTACT"] = saved

    return library(agent, "")


@case("smaller", "DPD_CONTACT=josé@ejemplo.es python -m analysis collect wikidata ...")
def case_a_contact_not_in_ascii(tmp: Path) -> str:
    from analysis.data.collect import http

    return library(lambda: http.user_agent("josé@ejemplo.es"), "")


@case("exports", "python -m analysis code export.jsonl export.jsonl ... --out coded.parquet")
def case_the_same_export_twice_on_the_command_line(tmp: Path) -> str:
    code, out, err = cli(*code_args(tmp, EXPORT, tmp / "coded.parquet", str(EXPORT)))
    notes = [line for line in err.splitlines() if line.startswith("note: ")]
    assert code == 0 and len(notes) == 1, err
    return seen(
        code, out, err, out.splitlines()[0] + "; " + notes[0].replace(str(EXPORT), "export.jsonl")
    )


@case("exports", "python -m analysis validate  (exports.csv lists posts/a.jsonl and a copy of it)")
def case_the_same_posts_in_two_exports(tmp: Path) -> str:
    data = pair(tmp)
    shutil.copy(EXPORT, data / "posts" / "copy.jsonl")
    with open(data / "exports.csv", "a", encoding="utf-8") as fh:
        fh.write("posts/copy.jsonl,twitter_v2,ARG,foreign_ministry,,the same export again,\n")
    code, out, err = cli("--data-dir", str(data), "validate")
    return seen(code, out, err, " ".join(out.split("\n")[:2]))


@case(
    "exports", "python -m analysis validate  (exports.csv lists posts/a.jsonl and posts/./a.jsonl)"
)
def case_the_same_file_listed_twice(tmp: Path) -> str:
    data = pair(tmp)
    with open(data / "exports.csv", "a", encoding="utf-8") as fh:
        fh.write("posts/./arg-foreign-ministry.jsonl,twitter_v2,ARG,foreign_ministry,,again,\n")
    code, out, err = cli("--data-dir", str(data), "validate")
    return seen(code, out, err, " ".join(out.split("\n")[:2]))


@case("exports", "python -m analysis validate  (an export of 4 authors listed as ARG's ministry)")
def case_an_export_of_many_authors(tmp: Path) -> str:
    data = pair(tmp)
    lines = EXPORT.read_text(encoding="utf-8").splitlines()
    page = json.loads(lines[0])
    for i, tweet in enumerate(page["data"][:3]):
        tweet["author_id"] = str(500 + i)
        page["includes"]["users"].append({"id": str(500 + i), "username": f"someone{i}"})
    (data / "posts" / "arg-foreign-ministry.jsonl").write_text(
        "\n".join([json.dumps(page), *lines[1:]]) + "\n", encoding="utf-8"
    )
    return seen(*cli("--data-dir", str(data), "validate"))


@case("exports", "python -m analysis validate  (an export of @otra listed as ARG's ministry)")
def case_an_export_of_another_account(tmp: Path) -> str:
    data = pair(tmp)
    text = EXPORT.read_text(encoding="utf-8").replace(
        '"username": "cancilleriaA"', '"username": "otra"'
    )
    (data / "posts" / "arg-foreign-ministry.jsonl").write_text(text, encoding="utf-8")
    return seen(*cli("--data-dir", str(data), "validate"))


def normalise(line: str, tmp: Path) -> str:
    """A line as the catalogue shows it: scratch paths as <tmp>, the repository as ., the
    port of a test server as PORT."""
    line = line.replace(str(tmp), "<tmp>").replace(str(REPO), ".")
    return re.sub(r"127\.0\.0\.1:[0-9]+", "127.0.0.1:PORT", line)


def documented() -> dict[str, str]:
    """Case id -> the line CATALOGUE.md says the person sees."""
    out = {}
    for row in CATALOGUE.read_text(encoding="utf-8").splitlines():
        cells = [c.strip().replace("\\|", "|") for c in row.strip("|").split(" | ")]
        if len(cells) == 4 and cells[1].startswith("`") and cells[1] != "`case`":
            out[cells[1].strip("`")] = cells[3].strip("`")
    return out
