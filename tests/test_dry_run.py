"""The offline dry run (issue 18, item 5) and what `code` documents of itself (item 6).

* A snapshot file without its manifest row gets its own error, naming the file, the missing
  row and the row to add; adding that row makes it replay.
* The shipped demo snapshot (examples/dry-run/) is constructed, says so, and matches its
  manifest.
* The dry run refuses to work in data/raw, what holds it or what lies inside it, and runs end to
  end with nothing online on a copy, leaving the data it copied unchanged (slow: it builds a
  paper and a panel).
* `code --help` names the export formats; data/raw/CODEBOOK.md's tables of the output columns
  are the columns `code` writes; `--out x.csv` writes a CSV.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO, TWARC

from analysis.__main__ import main
from analysis.base.errors import CompendiumError
from analysis.core.archive import CODED_COLUMNS, LEVELS_FILE
from analysis.data.collect.snapshots import SnapshotStore
from analysis.data.collect.wikidata import ENTITY_URL
from analysis.data.importers import FORMATS

DEMO = REPO / "examples" / "dry-run"
RUN = DEMO / "run.py"
URL = ENTITY_URL.format(qid="Q13406268")


def _demo_folder(tmp_path: Path, *, manifest: bool) -> Path:
    """A data directory holding the demo entity Q13406268, with or without a manifest."""
    folder = tmp_path / "snapshots" / "wikidata"
    folder.mkdir(parents=True)
    body = (DEMO / "snapshots" / "wikidata" / "Q13406268.json").read_bytes()
    (folder / "Q13406268.json").write_bytes(body)
    if manifest:  # a manifest listing another file only
        other = "Q15397819.json"
        row = f"{other},{ENTITY_URL.format(qid='Q15397819')},2026-01-15T09:30:00Z,{'0' * 64},x"
        (folder / "manifest.csv").write_text(f"file,request,retrieved,sha256,final_url\n{row}\n")
    return folder


# --------------------------------------------------------------------------- the manifest row


@pytest.mark.parametrize("manifest", [True, False], ids=["row-missing", "manifest-missing"])
def test_a_snapshot_without_its_manifest_row_says_so_and_how_to_add_it(tmp_path, manifest):
    folder = _demo_folder(tmp_path, manifest=manifest)
    path = folder / "Q13406268.json"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    store = SnapshotStore(tmp_path, "wikidata", offline=True)
    with pytest.raises(CompendiumError) as caught:
        store.get("Q13406268.json", URL)
    message = str(caught.value)
    assert "no saved snapshot" not in message  # the file is there: not what is wrong
    assert message.startswith(f"{path} is there, but {folder / 'manifest.csv'}")
    assert "has no row for it" in message
    assert ("does not exist" in message) is not manifest
    assert "--offline" in message and "OFFLINE=1" in message  # both interfaces named
    row = f"Q13406268.json,{URL},<retrieved: YYYY-MM-DDTHH:MM:SSZ>,{digest},{URL}"
    assert row in message
    if not manifest:
        assert "under the header file,request,retrieved,sha256,final_url" in message

    # adding the row the message gives, with the time filled in, makes it replay
    added = row.replace("<retrieved: YYYY-MM-DDTHH:MM:SSZ>", "2026-01-15T09:30:00Z")
    target = folder / "manifest.csv"
    text = target.read_text() if manifest else "file,request,retrieved,sha256,final_url\n"
    target.write_text(text + added + "\n")
    snap = SnapshotStore(tmp_path, "wikidata", offline=True).get("Q13406268.json", URL)
    assert snap.body == path.read_bytes() and snap.date == "2026-01-15"


def test_a_snapshot_that_was_never_saved_keeps_its_own_message(tmp_path):
    _demo_folder(tmp_path, manifest=True)
    store = SnapshotStore(tmp_path, "wikidata", offline=True)
    with pytest.raises(CompendiumError, match="no saved snapshot of .*without --offline") as caught:
        store.get("Q1.json", ENTITY_URL.format(qid="Q1"))
    assert "OFFLINE=1" in str(caught.value)


def test_the_command_line_names_the_missing_row(tmp_path, fixture_data, capsys):
    data = tmp_path / "raw"
    shutil.copytree(fixture_data, data)
    institutions = data / "institutions.csv"
    rows = list(csv.DictReader(io.StringIO(institutions.read_text(encoding="utf-8"))))
    for row in rows:
        mine = (row["country"], row["role"]) == ("ARG", "foreign_ministry")
        row["wikidata"] = "Q13406268" if mine else ""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    institutions.write_text(buf.getvalue(), encoding="utf-8")
    _demo_folder(data, manifest=False)
    status = main(["--data-dir", str(data), "collect", "wikidata", "ARG", "--offline"])
    err = capsys.readouterr().err
    assert status == 2
    assert "Q13406268.json is there, but" in err and "has no row for it" in err
    assert "Traceback" not in err


# --------------------------------------------------------------------------- the demo snapshot


def test_the_demo_snapshot_is_constructed_and_matches_its_manifest():
    folder = DEMO / "snapshots" / "wikidata"
    rows = list(csv.DictReader(io.StringIO((folder / "manifest.csv").read_text())))
    items = [
        r["wikidata"] for r in csv.DictReader(io.StringIO((DEMO / "wikidata.csv").read_text()))
    ]
    assert {r["file"] for r in rows} == {f"{q}.json" for q in items}
    for row in rows:
        body = (folder / row["file"]).read_bytes()
        qid = row["file"].removesuffix(".json")
        assert hashlib.sha256(body).hexdigest() == row["sha256"]
        assert row["request"] == row["final_url"] == ENTITY_URL.format(qid=qid)
        entity = json.loads(body)["entities"][qid]
        assert "Constructed" in entity["labels"]["en"]["value"]
        assert entity["descriptions"]["en"]["value"].startswith("CONSTRUCTED")
        urls = [s["mainsnak"]["datavalue"]["value"] for s in entity["claims"]["P856"]]
        assert all(".example.org/" in u for u in urls)
    readme = (DEMO / "README.md").read_text(encoding="utf-8")
    assert "CONSTRUCTED" in readme and "Neither JSON file was returned by Wikidata" in readme


# --------------------------------------------------------------------------- the dry run


def _run(*args: str, cwd: Path = REPO, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(RUN), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


@pytest.mark.parametrize("out", ["data/raw", "data", "data/raw/dry", "."])
def test_the_dry_run_never_works_in_data_raw(out):
    before = sorted(p.name for p in (REPO / "data" / "raw").iterdir())
    done = _run(out)
    assert done.returncode != 0
    assert "choose another folder" in done.stderr
    assert not (REPO / "data" / "raw" / "dry").exists()
    assert sorted(p.name for p in (REPO / "data" / "raw").iterdir()) == before


def test_the_dry_run_leaves_a_folder_it_did_not_make(tmp_path):
    (tmp_path / "mine.txt").write_text("a user's file")
    done = _run(str(tmp_path))
    assert done.returncode != 0 and "was not made by the dry run" in done.stderr
    assert (tmp_path / "mine.txt").read_text() == "a user's file"


def test_the_hand_steps_refuse_data_raw():
    done = subprocess.run(
        [sys.executable, str(DEMO / "prepare.py"), "data/raw", "PER"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0 and "works on a copy" in done.stderr


def test_make_dry_run_runs_the_script_on_build_dry_run():
    run = subprocess.run(
        ["make", "-n", "dry-run", "ISO=bol"], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert "examples/dry-run/run.py build/dry-run --iso 'BOL' --lang 'en'" in run.stdout
    listed = subprocess.run(["make", "help"], cwd=REPO, capture_output=True, text=True).stdout
    line = next(x for x in listed.splitlines() if x.startswith("  make dry-run"))
    assert "OFFLINE=1" in line and "--offline" in line


#: Any connection a step tries beyond this machine fails (the kernels talk over loopback).
_NO_NETWORK = """
import socket
_connect = socket.socket.connect
def _local_only(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(address, tuple) and host not in ("127.0.0.1", "::1", "localhost"):
        raise OSError(f"dry run test: no network ({address!r})")
    return _connect(self, address)
socket.socket.connect = _local_only
socket.create_connection = lambda *a, **k: (_ for _ in ()).throw(OSError("no network"))
"""


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.slow
def test_the_dry_run_walks_a_new_country_to_its_paper_and_the_panel_offline(tmp_path, fixture_data):
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(_NO_NETWORK)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(guard), str(REPO / "tests")])}
    env.pop("YOUTUBE_API_KEY", None)
    before = _digest(fixture_data)
    out = tmp_path / "dry-run"
    args = [str(out), "--source", str(fixture_data), "--iso", "PER", "--against", "ARG"]
    done = _run(*args, "--panel", "ARG", "URY", env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    text = done.stdout

    # the steps, in order, each with the make command and the command it runs
    steps = [
        "[1/6] make country ISO=PER",
        "[2/6] by hand",
        "[3/6] make collect ISO=PER SOURCES=wikidata OFFLINE=1",
        "[4/6] make check-data",
        "[5/6] make paper PAIR=PER-ARG",
        '[6/6] make panel COUNTRIES="ARG URY PER"',
    ]
    at = [text.index(s) for s in steps]
    assert at == sorted(at)
    assert re.search(
        r"\$ \S*python -m analysis --data-dir \S+ collect wikidata PER --offline", text
    )
    assert "2 snapshots read; values: 16 filled" in text
    assert re.search(r"PER: \d+ values filled", text) and "wikidata" in text
    assert "dry run done, offline" in text and "unchanged" in text

    # the papers, from the constructed items' values, and nothing written to the source
    for name in ("PER-ARG/paper.html", "PER-ARG/paper.pdf", "panel-ARG-URY-PER/panel.html"):
        assert (out / name).stat().st_size > 0, name
    accounts = pd.read_csv(out / "raw" / "accounts.csv", dtype=str)
    twitter = accounts[(accounts["country"] == "PER") & (accounts["handle"] == "demo_ministry")]
    assert twitter["followers"].tolist() == ["12500"]
    assert twitter["source"].str.startswith("Wikidata Q13406268").all()
    assert _digest(fixture_data) == before
    assert "PER" not in (fixture_data / "countries.csv").read_text()

    # a second run empties the folder it made and runs again
    again = _run(*args, "--panel", "ARG", "URY", env=env)
    assert again.returncode == 0, again.stderr[-2000:]


# --------------------------------------------------------------------------- code: help, columns


def test_code_help_names_every_export_format(capsys):
    with pytest.raises(SystemExit):
        main(["code", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "analysis.importers.FORMATS" not in shown
    for name in FORMATS:
        assert name in shown, name
    assert "data/raw/CODEBOOK.md" in shown


def _codebook_tables() -> list[list[str]]:
    """The column names of each table of CODEBOOK.md's "Coded posts", in order."""
    text = (REPO / "data" / "raw" / "CODEBOOK.md").read_text(encoding="utf-8")
    section = text.split("\n## Coded posts\n", 1)[1].split("\n## ", 1)[0]
    tables, current = [], None
    for line in section.splitlines():
        if line.startswith("| column |"):
            current = []
            tables.append(current)
        elif line.startswith("|---"):
            continue
        elif line.startswith("|") and current is not None:
            current += re.findall(r"`([a-z_]+)`", line.split("|")[1])
        else:
            current = None
    return tables


def _code(fixture_data: Path, out: Path, capsys) -> str:
    argv = ["--data-dir", str(fixture_data), "code", str(TWARC / "twarc2-brexit.jsonl")]
    argv += ["--format", "twitter_v2", "--country", "ARG", "--role", "foreign_ministry"]
    assert main([*argv, "--out", str(out)]) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def test_the_codebook_tables_the_columns_code_writes(tmp_path, fixture_data, capsys):
    posts, levels = _codebook_tables()
    assert posts == list(CODED_COLUMNS)

    csv_out = tmp_path / "coded.csv"
    _code(fixture_data, csv_out, capsys)
    assert csv_out.is_file()  # a CSV, not a folder named coded.csv
    with open(csv_out, newline="", encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == posts

    parquet = tmp_path / "coded.parquet"
    _code(fixture_data, parquet, capsys)
    assert list(pd.read_parquet(parquet).columns) == posts

    dataset = tmp_path / "coded"
    printed = _code(fixture_data, dataset, capsys)
    read_back = list(pd.read_parquet(dataset).columns)
    assert sorted(read_back) == sorted([*posts, "account_key"])  # the documented label
    assert list(pd.read_parquet(dataset / LEVELS_FILE).columns) == levels
    header = printed.splitlines()[1].split()  # what `code` prints of the levels
    assert header and set(header) <= set(levels)
