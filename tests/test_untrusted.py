"""Untrusted input: nothing in data/raw or on the command line can run, leave data/raw,
fetch, or corrupt a paper; every bad input gets one line naming where it is.

One test (or a few) per class of the attack catalogue of issue 12; then every case of the
second round (issue 22), from ``tests/untrusted_cases.py``, checked against the line
``tests/CATALOGUE.md`` says the person sees.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import shutil
import stat
import subprocess
import sys
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import untrusted_cases
from conftest import FIXTURE_PAIR, NO_DATA, REPO, copy_article
from loopback import Answer, Loopback
from untrusted_cases import cli_run, one_error_line

from analysis.base import files
from analysis.base.errors import DataError
from analysis.build import paper
from analysis.data import exports, load, processed


def _rows(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames), list(reader)


def _write(path: Path, fields: list[str], rows: list[dict]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- script injection, network at build time --------------------------------------------


@pytest.mark.slow
def test_markup_in_the_data_stays_text_in_the_paper(fixture_paper):
    """The fixture pair carries <script>, an event handler, a javascript: link, a remote
    image, Typst and Markdown syntax in a country name, a note and a quote."""
    html = fixture_paper["html"].read_text(encoding="utf-8")
    elements = _elements(html)
    tags = {tag for tag, _ in elements}
    assert not tags & {"script", "iframe", "object", "embed"}
    attributes = [(name, value or "") for _, attrs in elements for name, value in attrs]
    assert not [a for a in attributes if a[0].startswith("on")]  # no event handler
    assert not [a for a in attributes if a[1].strip().lower().startswith("javascript:")]
    assert not [v for n, v in attributes if n == "src" and not v.startswith("data:")]  # no fetch
    # ... and the words are there, as text
    text = _text(html)
    assert '<script>alert("note")</script>' in text and "javascript:alert(1)" in text
    assert 'Uruguay "Oriental" <i>#1</i> $5' in text
    assert fixture_paper["pdf"].stat().st_size > 10_000  # Typst read it as text too


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


def _elements(html: str) -> list:
    parser = _Collector()
    parser.feed(html)
    return parser.elements


def _text(html: str) -> str:
    parser = _Collector()
    parser.feed(html)
    return " ".join(" ".join(parser.text).split())


# --- data loss, decode errors, empty exports ---------------------------------------------


def test_code_never_overwrites_its_input(tmp_path, article_data):
    export = tmp_path / "export.jsonl"
    shutil.copy(FIXTURE_PAIR / "posts" / "arg-foreign-ministry.jsonl", export)
    before = _digest(export)
    for out in (export, tmp_path / "." / "export.jsonl"):
        line = one_error_line(
            cli_run(
                "--data-dir",
                str(article_data),
                "code",
                str(export),
                "--format",
                "twitter_v2",
                "--country",
                "MEX",
                "--role",
                "foreign_ministry",
                "--out",
                str(out),
            )
        )
        assert "is the input" in line and "would lose the input" in line
    assert _digest(export) == before


def test_code_refuses_a_directory_as_input_or_output_and_bad_arguments(tmp_path, article_data):
    export = tmp_path / "export.jsonl"
    shutil.copy(FIXTURE_PAIR / "posts" / "arg-foreign-ministry.jsonl", export)
    data = ["--data-dir", str(article_data)]
    base = [*data, "code", str(export), "--format", "twitter_v2", "--role", "foreign_ministry"]
    out = ["--out", str(tmp_path / "o.parquet")]
    # a directory as output is a dataset: never one holding the input, nor one it did not write
    line = one_error_line(cli_run(*base, "--country", "MEX", "--out", str(tmp_path)))
    assert "holds the input" in line
    other = tmp_path / "other"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    line = one_error_line(cli_run(*base, "--country", "MEX", "--out", str(other)))
    assert "did not write" in line and (other / "keep.txt").read_text() == "mine"
    assert "has no data" in one_error_line(cli_run(*base, "--country", NO_DATA, *out))
    assert "is not a role" in one_error_line(
        cli_run(
            *data,
            "code",
            str(export),
            "--format",
            "twitter_v2",
            "--country",
            "mex",
            "--role",
            "embassy",
            *out,
        )
    )
    directory = tmp_path / "adir"
    directory.mkdir()
    line = one_error_line(
        cli_run(
            *data,
            "code",
            str(directory),
            "--format",
            "twitter_v2",
            "--country",
            "MEX",
            "--role",
            "foreign_ministry",
            *out,
        )
    )
    assert "adir" in line and "holds no Parquet files" in line
    ok = cli_run(*base, "--country", "mex", *out)  # lower case is fine
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "o.parquet").stat().st_mode & 0o777 == 0o666 & ~files.umask()


def test_code_names_the_file_of_a_decode_error_and_refuses_an_empty_export(tmp_path, article_data):
    binary = tmp_path / "export.jsonl"
    binary.write_bytes(b'{"data": []}\n\xff\xfe\x00 not text\n')
    args = ["--format", "twitter_v2", "--country", "MEX", "--role", "foreign_ministry"]
    out = ["--out", str(tmp_path / "o.parquet")]
    code = ("--data-dir", str(article_data), "code")
    line = one_error_line(cli_run(*code, str(binary), *args, *out))
    assert "export.jsonl, line 2" in line and "not UTF-8" in line
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    assert "holds no post" in one_error_line(cli_run(*code, str(empty), *args, *out))
    meta = tmp_path / "meta.csv"
    shutil.copy(
        REPO / "tests" / "fixtures" / "importers" / "meta_content_library_facebook.csv", meta
    )
    meta_args = ["--format", "meta_csv", "--country", "MEX", "--role", "foreign_ministry"]
    assert "needs platform" in one_error_line(cli_run(*code, str(meta), *meta_args, *out))
    done = cli_run(*code, str(meta), *meta_args, "--platform", "facebook", *out)
    assert done.returncode == 0, done.stderr


# --- path escape ------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["dotdot", "symlink", "absolute"])
def test_an_export_cannot_point_outside_posts(raw_copy, tmp_path, how):
    secret = tmp_path / "secret.jsonl"
    shutil.copy(FIXTURE_PAIR / "posts" / "arg-foreign-ministry.jsonl", secret)
    (raw_copy / "posts").mkdir()
    if how == "dotdot":
        shutil.copy(secret, raw_copy / "countries-copy.jsonl")
        file = "posts/../countries-copy.jsonl"
    elif how == "symlink":
        (raw_copy / "posts" / "link.jsonl").symlink_to(secret)
        file = "posts/link.jsonl"
    else:
        file = f"posts/{'../' * 12}{secret.relative_to('/')}"
    (raw_copy / "exports.csv").write_text(
        "file,format,country,role,platform,source,note\n"
        f"{file},twitter_v2,MEX,foreign_ministry,,hostile,\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as err:
        load.load_all(raw_copy)
    assert "exports.csv: line 2, column 'file'" in str(err.value)
    assert "outside" in str(err.value)
    with pytest.raises(DataError):
        exports.posts(["MEX"], raw_copy)


# --- shell injection through make --------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PAIR", "MEX-CHL; touch {canary}"),
        ("PAIR", "$(shell touch {canary})"),
        ("PAIR", "`touch {canary}`"),
        ("PAIRS", "MEX-CHL CHL-MEX;touch {canary}"),
        ("ISO", "ARG; touch {canary}"),
        ("ISO", "$(shell touch {canary})"),
        ("LAB_ARGS", "--x; touch {canary}"),
        ("LANG", "$(shell touch {canary})"),
    ],
)
def test_make_variables_cannot_run_commands(tmp_path, variable, value):
    canary = tmp_path / "pwned"
    target = {"ISO": "country", "LAB_ARGS": "lab", "PAIRS": "papers"}.get(variable, "paper")
    run = subprocess.run(
        ["make", "-n", target, f"{variable}={value.format(canary=canary)}"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert not canary.exists()
    if variable != "LANG":  # any LANG that is not "es" means English
        assert run.returncode != 0 and "***" in run.stderr, run.stdout


def test_make_normalises_case_and_quotes_what_reaches_the_shell():
    run = subprocess.run(
        ["make", "-n", "-B", "paper", "PAIR=mex-chl"], capture_output=True, text=True, cwd=REPO
    )
    assert "--pair 'MEX-CHL'" in run.stdout
    run = subprocess.run(
        ["make", "-n", "country", "ISO=arg"], capture_output=True, text=True, cwd=REPO
    )
    assert "country 'ARG'" in run.stdout


# --- stale paper: every file of data/raw is an input -------------------------------------


def test_a_change_in_posts_makes_the_paper_stale(tmp_path):
    (tmp_path / "paper").mkdir()
    for name in ("Makefile", "pyproject.toml", "constraints.txt", "paper/paper.yml"):
        shutil.copy(REPO / name, tmp_path / name)
    copy_article(tmp_path / "data" / "raw")
    (tmp_path / "data" / "raw" / "posts").mkdir()
    export = tmp_path / "data" / "raw" / "posts" / "a.jsonl"
    export.write_text("{}\n", encoding="utf-8")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / ".installed").write_text("")
    pdf = tmp_path / "build" / "MEX-CHL" / "paper.pdf"
    results = tmp_path / "build" / "MEX-CHL" / "results" / ".done"
    results.parent.mkdir(parents=True)
    pdf.write_text("")
    results.write_text("")
    old = time.time() - 100
    for path in tmp_path.rglob("*"):
        os.utime(path, (old, old))
    os.utime(results, (old + 50, old + 50))
    os.utime(pdf, None)

    def up_to_date() -> bool:
        # CONDA_PREFIX unset: the venv stamp is the environment
        env = {k: v for k, v in os.environ.items() if k != "CONDA_PREFIX"}
        return subprocess.run(["make", "-q", "paper"], cwd=tmp_path, env=env).returncode == 0

    assert up_to_date()
    os.utime(export, None)  # only an export changed
    assert not up_to_date()


# --- silent wrong paper, wrong line numbers ---------------------------------------------


def test_a_short_row_is_an_error_not_a_silent_value(raw_copy):
    path = raw_copy / "institutions.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = "MEX,trade_promotion,ProMéxico\n"  # 3 of 11 fields
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(DataError, match=r"institutions.csv: line 4: 3 fields, but the header has"):
        load.load_all(raw_copy)


def test_line_numbers_count_the_lines_of_a_quoted_field(raw_copy):
    path = raw_copy / "institutions.csv"
    fields, rows = _rows(path)
    rows[0]["note"] = "a note\nover\nthree lines"
    rows[2]["website"] = "maybe"
    _write(path, fields, rows)
    with pytest.raises(DataError) as err:
        load.load_all(raw_copy)
    # row 3 starts on line 6: header, row 1 on lines 2-4, row 2 on line 5
    assert str(err.value).startswith(f"{path}: line 6, column 'website'")


# --- races, leftovers -------------------------------------------------------------------


def test_a_second_build_of_a_pair_waits_for_the_first(tmp_path, capsys):
    held, released = threading.Event(), threading.Event()

    def first():
        with paper.build_lock(tmp_path / "MEX-CHL", "first"):
            held.set()
            released.wait(5)

    thread = threading.Thread(target=first)
    thread.start()
    held.wait(5)
    start = time.perf_counter()
    threading.Timer(0.5, released.set).start()
    with paper.build_lock(tmp_path / "MEX-CHL", "second"):
        waited = time.perf_counter() - start
    thread.join()
    assert waited >= 0.4
    assert "another build of this pair is running" in capsys.readouterr().err


def test_stale_temporaries_are_cleared_and_the_paper_kept(tmp_path):
    pair = tmp_path / "MEX-CHL"
    (pair / ".paper-abc123").mkdir(parents=True)
    (pair / ".paper-abc123" / "paper.html").write_text("half")
    (pair / ".paper.html.tmp").write_text("half")
    (pair / "es" / ".tables").mkdir(parents=True)
    (pair / "es" / ".x.csv-1.tmp").write_text("half")
    (pair / "paper.html").write_text("the previous paper")
    with paper.build_lock(pair, "test"):
        pass
    left = sorted(p.name for p in pair.rglob("*"))
    assert left == [".build.lock", ".tables", "es", "paper.html"]
    assert (pair / "paper.html").read_text() == "the previous paper"


@pytest.mark.slow
def test_sigterm_during_assembly_leaves_the_previous_paper_and_no_temporaries(
    fixture_data, fixture_paper, tmp_path
):
    root = tmp_path / "build"
    pair = root / "URY-ARG"
    shutil.copytree(fixture_paper["root"], pair)  # the results and drawings of a build
    (pair / "paper.html").write_text("the previous paper")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "analysis",
            "--data-dir",
            str(fixture_data),
            "assemble",
            "--pair",
            "URY-ARG",
            "--build-dir",
            str(root),
        ],
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    for line in proc.stderr:
        if "assembling the paper" in line:  # paper.assemble_paper says so
            time.sleep(0.2)
            proc.terminate()
            break
    proc.wait(60)
    assert proc.returncode != 0
    assert (pair / "paper.html").read_text() == "the previous paper"
    leftovers = [p for p in root.rglob(".*") if p.name.startswith(".paper-") or p.suffix == ".tmp"]
    assert leftovers == []


# --- tracebacks -------------------------------------------------------------------------


def test_a_quote_and_markup_in_a_country_name_and_a_huge_count(raw_copy):
    path = raw_copy / "countries.csv"
    fields, rows = _rows(path)
    rows[0]["name_en"] = 'Mexico "the <b>first</b>" $1 #x'
    _write(path, fields, rows)
    load.load_all(raw_copy)  # a name is text: valid
    path = raw_copy / "accounts.csv"
    fields, rows = _rows(path)
    rows[2]["followers"] = "1" * 30
    _write(path, fields, rows)
    line = one_error_line(cli_run("--data-dir", str(raw_copy), "validate"))
    assert "accounts.csv: line 4, column 'followers'" in line and "too large" in line


# --- formula injection, file modes ------------------------------------------------------


def test_csv_outputs_neutralise_formulas_and_follow_the_umask(raw_copy, tmp_path):
    path = raw_copy / "institutions.csv"
    fields, rows = _rows(path)
    rows[0]["note"] = '=HYPERLINK("http://example.com","x")'
    rows[1]["note"] = "+1+1"
    rows[2]["note"] = "@SUM(1)"
    _write(path, fields, rows)
    out = processed.write_processed(tmp_path / "processed", raw_copy)
    text = (tmp_path / "processed" / "institutions.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and "'+1+1" in text and "'@SUM(1)" in text
    back = pd.read_parquet(tmp_path / "processed" / "institutions.parquet")
    assert back.loc[0, "note"].startswith("=HYPERLINK")  # Parquet keeps the value exactly
    want = 0o666 & ~files.umask()
    assert all(p.stat().st_mode & 0o777 == want for p in out)
    assert stat.S_IMODE((tmp_path / "processed").stat().st_mode) == 0o777 & ~files.umask()


def test_neutralise_keeps_numbers_as_numbers():
    assert [files.neutralise(v) for v in ("-1.5", "+2", "-1,234", "-x", "=1", "ok", 3)] == [
        "-1.5",
        "+2",
        "-1,234",
        "'-x",
        "'=1",
        "ok",
        3,
    ]


# --- smaller: validate catches bad claims and made-up countries --------------------------


@pytest.mark.parametrize(
    ("check", "params", "message"),
    [
        ("no_such_check", "", "unknown check 'no_such_check'"),
        ("criteria_met", "country=MEX; expcted=6", "do not fit check 'criteria_met'"),
        ("criteria_met", "country=MEX", "do not fit"),
        ("criteria_met", "country=MEX; expected", "is not key=value"),
    ],
)
def test_validate_catches_a_bad_claim(raw_copy, check, params, message):
    path = raw_copy / "claims.csv"
    fields, rows = _rows(path)
    rows[5]["check"], rows[5]["params"] = check, params
    _write(path, fields, rows)
    line = one_error_line(cli_run("--data-dir", str(raw_copy), "validate"))
    assert "claims.csv: line 7" in line and message in line


def test_validate_catches_a_made_up_country(raw_copy):
    path = raw_copy / "countries.csv"
    text = path.read_text(encoding="utf-8")
    last = len(text.splitlines()) + 1  # the line appended
    path.write_text(text + f"{NO_DATA},Nowhere,Ninguna,2019-02,made up\n", encoding="utf-8")
    line = one_error_line(cli_run("--data-dir", str(raw_copy), "validate"))
    assert f"countries.csv: line {last}, column 'iso3'" in line
    assert f"'{NO_DATA}' is not an ISO" in line


def test_make_clean_keeps_the_benchmark_history():
    run = subprocess.run(["make", "-n", "clean"], capture_output=True, text=True, cwd=REPO)
    assert ".benchmarks" not in run.stdout.split("##")[0].replace("keeps .venv and .benchmarks", "")


# --- reproducible -----------------------------------------------------------------------


@pytest.mark.slow
def test_two_builds_of_one_commit_are_byte_identical(fixture_paper, fixture_data, tmp_path):
    again = paper.build("URY-ARG", "en", data_dir=fixture_data, root=tmp_path)
    for kind in ("html", "pdf"):
        assert again[kind].read_bytes() == fixture_paper[kind].read_bytes(), kind
    first, second = fixture_paper["out"] / "figures", tmp_path / "URY-ARG" / "en" / "figures"
    for svg in sorted(first.glob("*.svg")):
        assert svg.read_bytes() == (second / svg.name).read_bytes(), svg.name
    pdf = again["pdf"].read_bytes()
    epoch = paper.source_date_epoch(fixture_data)
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(epoch)).encode()
    dates = re.findall(rb"CreationDate\s*\(D:(\d{14})", pdf)
    assert dates and set(dates) == {stamp}  # the commit's time, not the build's


# --- the second round: every case of tests/CATALOGUE.md -----------------------------------


@pytest.mark.parametrize("case", untrusted_cases.CASES, ids=lambda c: c.id)
def test_the_catalogue_says_what_the_user_sees(case, tmp_path):
    line = untrusted_cases.normalise(case.run(tmp_path), tmp_path)
    assert line.startswith(("exit 0: ", "exit 2: ")) or "exit 2: " in line, line
    assert untrusted_cases.documented().get(case.id) == line, (
        f"{case.id}: the user now sees {line!r}; if that is right, rerun python tests/catalogue.py"
    )


def test_the_catalogue_lists_every_case_once():
    ids = [c.id for c in untrusted_cases.CASES]
    assert len(ids) == len(set(ids)) and set(untrusted_cases.documented()) == set(ids)
    assert {c.family for c in untrusted_cases.CASES} == {
        "outputs",
        "collectors",
        "keys",
        "names",
        "options",
        "numbers",
        "size",
        "smaller",
        "exports",
    }


# --- the second round: mechanisms the catalogue's lines rest on --------------------------


def test_a_temporary_a_live_writer_holds_is_never_swept(tmp_path):
    out = tmp_path / "processed"
    with files.temporary_dir(out) as live:
        old = time.time() - 3600
        os.utime(live, (old, old))  # old, but held: a long run still writing
        assert files.sweep(out) == [] and live.is_dir()
        stale = tmp_path / ".processed.abc.tmp"  # the same name, no writer: swept
        stale.mkdir()
        os.utime(stale, (old, old))
        assert files.sweep(out) == [stale] and live.is_dir()
    assert not live.exists()  # not swapped in: removed on leaving


def test_write_atomic_sweeps_a_killed_writers_file_and_leaves_a_fresh_one(tmp_path):
    target = tmp_path / "paper.html"
    stale, fresh = tmp_path / ".paper.html.k1.tmp", tmp_path / ".paper.html.k2.tmp"
    stale.write_text("half")
    fresh.write_text("half")
    old = time.time() - 60
    os.utime(stale, (old, old))  # a fresh one may be a writer that has not locked it yet
    files.write_atomic(target, "whole")
    assert target.read_text() == "whole" and not stale.exists() and fresh.exists()


def test_replace_dir_never_touches_a_neighbour(tmp_path):
    out, neighbour = tmp_path / "out", tmp_path / ".out-old"
    out.mkdir()
    neighbour.mkdir()
    (neighbour / "keep").write_text("mine")
    for text in ("first", "second"):
        with files.temporary_dir(out) as tmp:
            (tmp / "x").write_text(text)
            files.replace_dir(tmp, out)
    assert (out / "x").read_text() == "second" and (neighbour / "keep").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out-old", "out"]


def test_the_archive_joins_its_threads_before_its_folder_is_removed(tmp_path):
    from analysis.core.archive import runner

    started, finished = threading.Event(), []

    def task(n):
        if n == 0:
            started.wait(5)
            raise ValueError("the first task fails")
        started.set()
        time.sleep(0.3)
        finished.append(n)
        return n

    progress = runner.Progress.choose(False)
    with pytest.raises(ValueError):
        runner.run_tasks(None, task, list(range(6)), progress, lambda r: 0)
    # the running task finished before run_tasks raised; the ones not started never ran
    assert finished and len(finished) < 5


def test_a_redirect_on_the_same_host_is_followed_and_the_answer_kept(tmp_path):
    from analysis.data.collect.http import Client
    from analysis.data.collect.snapshots import SnapshotStore

    with Loopback(lambda _: Answer(200, b'{"ok": true}'), path="/api") as target:
        moved = target.url.replace("/api", "/moved")
        with Loopback(lambda _: Answer(301, headers={"Location": moved}), path="/api") as s:
            same = s.url.rsplit("/", 1)[0] + "/x"  # another port: another host for the rule
            client = Client(agent="dpd-compendium/test (+https://example.org)")
            with pytest.raises(Exception, match="not followed"):
                client.get(same)
    with Loopback(lambda _: Answer(200, b'{"ok": true}'), path="/api") as s:
        store = SnapshotStore(tmp_path, "wikidata", offline=False, client=client)
        store.get("Q1.json", s.url, secret={"key": "SECRET"})
        manifest = (tmp_path / "snapshots" / "wikidata" / "manifest.csv").read_text()
        assert manifest.splitlines()[0].endswith(",final_url")
        assert manifest.splitlines()[1].endswith(f",{s.url}") and "SECRET" not in manifest


def test_youtube_writes_no_export_when_its_exports_are_not_the_channels(tmp_path):
    """The merge holds the new exports to the rules before writing them: a videos.list
    answer holding another channel's video makes an export of two authors, refused."""
    import json as json_module

    from analysis.data import scaffold
    from analysis.data.collect import youtube

    yt = REPO / "tests" / "fixtures" / "youtube"
    data = untrusted_cases.pair(tmp_path)
    scaffold.add_country("PER", data)
    text = (data / "accounts.csv").read_text(encoding="utf-8")
    channel = "UC_x5XG1OV2P6uZZ5FSM9Ttw"
    text = text.replace(
        "PER,foreign_ministry,youtube,,,", f"PER,foreign_ministry,youtube,,{channel},"
    )
    (data / "accounts.csv").write_text(text, encoding="utf-8")
    answers = {
        "channels": (yt / "channels_info_multiple.json").read_bytes(),
        "playlistItems": (yt / "playlist_items_single.json").read_bytes(),
        "videos": (yt / "videos_info_multi.json").read_bytes(),  # two channels' videos
        "commentThreads": (yt / "comment_threads_by_channel.json").read_bytes(),
    }

    class Fake:
        def get(self, url, params=None, *, secret=None):
            return answers[url.rsplit("/", 1)[1]]

    before = {p.name: p.read_bytes() for p in data.iterdir() if p.is_file()}
    with pytest.raises(DataError, match="holds posts of 2 authors"):
        youtube.collect("PER", data, client=Fake(), api_key="A" * 39)
    assert sorted(p.name for p in (data / "posts").iterdir()) == ["arg-foreign-ministry.jsonl"]
    assert {p.name: p.read_bytes() for p in data.iterdir() if p.is_file()} == before
    assert json_module.loads(answers["videos"])["items"][1]["snippet"]["channelId"] != channel


def test_an_export_of_a_youtube_channel_is_held_to_its_channel_id(tmp_path):
    data = untrusted_cases.pair(tmp_path)
    yt = REPO / "tests" / "fixtures" / "youtube" / "videos_info_multi.json"
    import json as json_module

    doc = json_module.loads(yt.read_text(encoding="utf-8"))
    doc["items"] = doc["items"][1:]  # NFL Throwback's video only
    (data / "posts" / "videos.json").write_text(json_module.dumps(doc), encoding="utf-8")
    with open(data / "exports.csv", "a", encoding="utf-8") as fh:
        fh.write("posts/videos.json,youtube,URY,cooperation_agency,,test,\n")
    untrusted_cases.edit(data / "accounts.csv", 15, "handle", "UC_x5XG1OV2P6uZZ5FSM9Ttw")
    with pytest.raises(DataError, match="holds posts of 'UCJdl3Paao2f3ha5JXMYUCIA', but"):
        exports.posts(["URY"], data)
    untrusted_cases.edit(data / "accounts.csv", 15, "handle", "@somechannel")
    assert len(exports.posts(["URY"], data)) == 1  # an @handle cannot be compared with an id
