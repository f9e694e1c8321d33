"""Tests of analysis.data.collect: the HTTP client, snapshots, the merge rules, both collectors.

No test reaches the internet: the HTTP client is exercised against a server on the
loopback interface, and the collectors against a fake client that answers with the real
responses of tests/fixtures/{wikidata,youtube} (their READMEs say where each comes from).
Every collection writes into a temporary copy of the fixture pair; data/raw is checked
unchanged after the module.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
import time
import urllib.error
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from conftest import FIXTURE_PAIR, FIXTURES
from loopback import Answer, Loopback

from analysis.base.errors import CompendiumError, DataError, ExportFormatError, UsageError
from analysis.base.paths import DATA_DIR
from analysis.core.coding import account_levels, code_posts
from analysis.data import exports, load, read, scaffold
from analysis.data.codebook import load_codebook
from analysis.data.collect import format_report, http, merge, wikidata, youtube
from analysis.data.collect.http import Client, NetworkError, user_agent
from analysis.data.collect.merge import ACTIONS, REPORT_COLUMNS, Proposal
from analysis.data.collect.snapshots import SnapshotStore

WD = FIXTURES / "wikidata"
YT = FIXTURES / "youtube"
KEY = "AIzaTESTKEY0000000000000000000000000000"
DEV = "UC_x5XG1OV2P6uZZ5FSM9Ttw"  # Google Developers, the channel of the real responses
NOW = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module", autouse=True)
def data_raw_untouched():
    before = _digest(DATA_DIR)
    yield
    assert _digest(DATA_DIR) == before, "a test wrote into data/raw"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """The fixture pair (ARG, URY) plus a new country PER with its empty rows to fill."""
    dest = tmp_path / "raw"
    shutil.copytree(FIXTURE_PAIR, dest)
    for name in ("codebook.yml", "README.md"):
        shutil.copy(DATA_DIR / name, dest / name)
    scaffold.add_country("PER", dest)
    return dest


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


class FakeClient:
    """Answers requests from files (or bytes) by the request's last path part."""

    def __init__(self, answers: dict[str, object]):
        self.answers = answers
        self.calls: list[tuple[str, dict, dict]] = []

    def get(self, url, params=None, *, secret=None):
        self.calls.append((url, dict(params or {}), dict(secret or {})))
        answer = self.answers[url.rsplit("/", 1)[1]]
        if callable(answer):
            answer = answer(dict(params or {}))
        return answer if isinstance(answer, bytes) else Path(answer).read_bytes()


# --------------------------------------------------------------------------- the HTTP client


@pytest.fixture
def server():
    """Start a loopback server whose requests take the scripted answers in turn:
    ``server((status, headers, body, delay), ...)``."""
    servers = []

    def start(*answers):
        script = [Answer(status, body, headers, delay) for status, headers, body, delay in answers]
        servers.append(Loopback(lambda _: script.pop(0), path="/api"))
        return servers[-1]

    yield start
    for s in servers:
        s.close()


def _client(**kw) -> tuple[Client, list[float]]:
    waits: list[float] = []
    kw.setdefault("agent", "dpd-compendium/test (research compendium; +https://example.org)")
    return Client(sleep=waits.append, **kw), waits


def test_user_agent_names_the_project_and_a_contact(monkeypatch):
    monkeypatch.setattr(http, "_citation_url", lambda: None)
    monkeypatch.setenv("DPD_CONTACT", "https://example.org/dpd")
    agent = user_agent()
    assert (
        agent.startswith("dpd-compendium/")
        and "(research compendium; +https://example.org/dpd)" in agent
    )
    monkeypatch.delenv("DPD_CONTACT")
    with pytest.raises(UsageError, match="DPD_CONTACT"):
        user_agent()
    with pytest.raises(UsageError):
        user_agent("evil)\r\nX-Injected: 1")


def test_get_returns_the_body_and_names_the_project(server):
    body = b'{"entities": {}}\n  '
    s = server((200, {"Content-Type": "application/json"}, body, 0))
    client, waits = _client()
    assert client.get(s.url, {"a": "1"}, secret={"key": KEY}) == body
    assert s.requests[0]["User-Agent"] == client.agent and waits == []
    assert s.requests[0]["path"] == f"/api?a=1&key={KEY}"


def test_retries_rate_limits_and_server_errors_with_backoff(server):
    s = server(
        (503, {}, b"", 0),
        (429, {"Retry-After": "2"}, b"", 0),
        (502, {}, b"", 0),
        (200, {}, b"ok", 0),
    )
    client, waits = _client(retries=4, backoff=0.5)
    assert client.get(s.url) == b"ok"
    assert waits == [0.5, 2.0, 2.0] and len(s.requests) == 4  # 0.5, max(1, 2), 2


def test_gives_up_after_the_last_retry(server):
    s = server(*[(503, {}, b"", 0)] * 3)
    client, waits = _client(retries=2)
    with pytest.raises(NetworkError) as info:
        client.get(s.url, {"q": "x"})
    assert info.value.status == 503 and len(s.requests) == 3 and len(waits) == 2
    assert str(info.value) == f"{s.url}?q=x: HTTP 503" and "\n" not in str(info.value)


def test_a_long_retry_after_is_not_waited_for(server):
    s = server((429, {"Retry-After": "3600"}, b"", 0))
    client, waits = _client()
    with pytest.raises(NetworkError, match="asked to wait 3600 s"):
        client.get(s.url)
    assert waits == []


def test_client_errors_are_not_retried_and_never_show_the_key(server):
    error = {
        "error": {"code": 400, "message": f"API key not valid: <b>{KEY}</b>. Pass a valid key."}
    }
    s = server((400, {}, json.dumps(error).encode(), 0))
    client, waits = _client()
    with pytest.raises(NetworkError) as info:
        client.get(s.url, {"part": "snippet"}, secret={"key": KEY})
    message = str(info.value)
    assert len(s.requests) == 1 and waits == []
    assert KEY not in message and KEY not in info.value.url and "key=" not in message
    assert message == f"{s.url}?part=snippet: HTTP 400 (API key not valid: ***. Pass a valid key.)"


def test_a_timeout_is_retried_then_reported(server):
    s = server((200, {}, b"late", 1.0), (200, {}, b"late", 1.0))
    client, waits = _client(timeout=0.2, retries=1)
    started = time.monotonic()
    with pytest.raises(
        NetworkError, match=r"cannot reach 127\.0\.0\.1 \(timed out\) after 2 attempts"
    ):
        client.get(s.url)
    assert time.monotonic() - started < 2.0 and len(waits) == 1


def test_an_unreachable_host_suggests_offline():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client, waits = _client(retries=2, backoff=0.1)
    with pytest.raises(NetworkError) as info:
        client.get(f"http://127.0.0.1:{port}/x", secret={"key": KEY})
    message = str(info.value)
    assert message.startswith("cannot reach 127.0.0.1 (") and "--offline" in message
    assert "after 3 attempts" in message and KEY not in message and "\n" not in message
    assert waits == [0.1, 0.2] and info.value.status is None


def test_no_name_resolution_fails_at_once():
    def opener(request, timeout):
        raise urllib.error.URLError(socket.gaierror(-2, "Name or service not known"))

    client, waits = _client(opener=opener)
    with pytest.raises(NetworkError) as info:
        client.get("https://www.wikidata.org/wiki/Special:EntityData/Q1.json")
    assert str(info.value) == (
        "cannot reach www.wikidata.org (name not resolved) after 1 attempt; "
        "replay the saved snapshots with --offline (make: OFFLINE=1), or try again later"
    )
    assert waits == []


def test_an_oversized_answer_is_refused(server, monkeypatch):
    monkeypatch.setattr(http, "MAX_BYTES", 10)
    s = server((200, {}, b"x" * 11, 0))
    with pytest.raises(NetworkError, match="larger than"):
        _client()[0].get(s.url)


def test_only_web_addresses(tmp_path):
    with pytest.raises(UsageError, match="not a web address"):
        _client()[0].get(f"file://{tmp_path}/secret")


# --------------------------------------------------------------------------- snapshots


def test_snapshots_are_kept_as_received_and_replayed(tmp_path):
    body = (WD / "Q43404.json").read_bytes() + b"\r\n\x00tail"  # whatever bytes came
    fake = FakeClient({"Q43404.json": body})
    store = SnapshotStore(tmp_path, "wikidata", offline=False, client=fake, now=lambda: NOW)
    snap = store.get("Q43404.json", "https://www.wikidata.org/x/Q43404.json", secret={"key": KEY})
    assert snap.path.read_bytes() == body and snap.date == "2026-11-30"
    manifest = (tmp_path / "snapshots" / "wikidata" / "manifest.csv").read_text()
    assert manifest.splitlines() == [
        "file,request,retrieved,sha256,final_url",
        "Q43404.json,https://www.wikidata.org/x/Q43404.json,2026-11-30T09:30:00Z,"
        + hashlib.sha256(body).hexdigest()
        + ",https://www.wikidata.org/x/Q43404.json",  # no redirect: the address asked
    ]
    assert KEY not in manifest
    replay = SnapshotStore(tmp_path, "wikidata", offline=True)
    again = replay.get("Q43404.json", "https://www.wikidata.org/x/Q43404.json")
    assert again.body == body and again.retrieved == NOW.replace(second=0)
    with pytest.raises(CompendiumError, match="answers .*Q43404.json, not .*other"):
        replay.get("Q43404.json", "https://www.wikidata.org/x/other")
    with pytest.raises(CompendiumError, match="collect it once without --offline"):
        replay.get("Q1.json", "https://www.wikidata.org/x/Q1.json")
    snap.path.write_bytes(body + b" ")
    with pytest.raises(CompendiumError, match="changed since it was retrieved"):
        SnapshotStore(tmp_path, "wikidata", offline=True).get(
            "Q43404.json", "https://www.wikidata.org/x/Q43404.json"
        )


@pytest.mark.parametrize(
    "name", ["../x.json", "/etc/passwd", "a/../../b.json", "", "a//b.json", ".hidden", "a b.json"]
)
def test_snapshot_names_stay_inside(tmp_path, name):
    store = SnapshotStore(tmp_path, "youtube", offline=False, client=FakeClient({}))
    with pytest.raises(UsageError):
        store.get(name, "https://example.org/x")
    assert not (tmp_path / "snapshots").exists()


def test_a_snapshot_folder_leading_outside_is_refused(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (tmp_path / "raw" / "snapshots").mkdir(parents=True)
    (tmp_path / "raw" / "snapshots" / "youtube").symlink_to(outside)
    with pytest.raises(UsageError, match="is a link"):
        SnapshotStore(tmp_path / "raw", "youtube", offline=True)
    with pytest.raises(UsageError):
        SnapshotStore(tmp_path / "raw", "../youtube", offline=True)


def test_a_broken_manifest_is_named(tmp_path):
    folder = tmp_path / "snapshots" / "wikidata"
    folder.mkdir(parents=True)
    (folder / "manifest.csv").write_text("file,request,retrieved,sha256\nQ1.json,u,yesterday,abc\n")
    with pytest.raises(DataError) as info:
        SnapshotStore(tmp_path, "wikidata", offline=True)
    problem = info.value.problems[0]
    assert (problem.line, problem.column) == (2, "retrieved")


# --------------------------------------------------------------------------- merge


def _accounts(data: Path) -> pd.DataFrame:
    return read.read_table("accounts", data).reset_index(drop=True)


def _row(data: Path, country: str, role: str, platform: str) -> pd.Series:
    acc = _accounts(data)
    rows = acc[(acc["country"] == country) & (acc["role"] == role) & (acc["platform"] == platform)]
    assert len(rows) == 1
    return rows.iloc[0]


CITE = "Wikidata Q1, P2002, P8687, retrieved 2026-11-30"


def _proposal(country, role, platform, handle, *blocks, source=CITE) -> Proposal:
    key = {"country": country, "role": role, "platform": platform, "handle": handle}
    return Proposal("accounts", key, tuple(blocks), source)


def test_rows_a_person_vouches_for_are_never_changed(data):
    before = (data / "accounts.csv").read_bytes()
    report = merge.apply(
        data,
        [
            # ARG foreign ministry on Twitter: a hand-entered row ("test fixture")
            _proposal(
                "ARG",
                "foreign_ministry",
                "twitter",
                "CancilleriaA",
                {"present": "true"},
                {"followers": "900000", "as_of": "2026-11-30"},
            ),
            # a row checked absent by hand, and an empty cell of a hand row
            _proposal("ARG", "foreign_ministry", "instagram", "canc_a", {"present": "true"}),
        ],
    )
    assert (data / "accounts.csv").read_bytes() == before
    assert tuple(report.columns) == REPORT_COLUMNS and set(report["action"]) <= set(ACTIONS)
    got = report.set_index(["key", "column"])["action"].to_dict()
    assert got == {
        ("ARG/foreign_ministry/twitter/@cancilleriaA", "followers"): "conflict",
        ("ARG/foreign_ministry/twitter/@cancilleriaA", "as_of"): "conflict",
        ("ARG/foreign_ministry/instagram/", "handle"): "skipped",
        ("ARG/foreign_ministry/instagram/", "present"): "conflict",
    }
    row = report.set_index("column").loc["followers"]
    assert (row["old"], row["old_source"], row["new"], row["new_source"]) == (
        "800000",
        "test fixture",
        "900000",
        CITE,
    )


def test_empty_rows_are_completed_and_other_lines_keep_their_bytes(data):
    before = (data / "accounts.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    report = merge.apply(
        data,
        [
            _proposal(
                "PER",
                "foreign_ministry",
                "twitter",
                "cancilleria_pe",
                {"present": "true"},
                {"followers": "1200", "as_of": "2025-10"},
            )
        ],
    )
    assert report["action"].tolist() == ["filled"] * 4
    after = (data / "accounts.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert len(changed) == 1
    assert after[changed[0]] == (
        f'PER,foreign_ministry,twitter,true,cancilleria_pe,,,1200,,,,,,2025-10,"{CITE}",\n'
    )


def test_a_later_collection_refreshes_its_own_values(data):
    first = _proposal(
        "PER",
        "government",
        "twitter",
        "gob_pe",
        {"present": "true"},
        {"followers": "10", "as_of": "2025-01"},
    )
    merge.apply(data, [first])
    later = "Wikidata Q1, P2002, P8687, retrieved 2026-12-31"
    report = merge.apply(
        data,
        [
            _proposal(
                "PER",
                "government",
                "twitter",
                "@GOB_PE",
                {"present": "true"},
                {"followers": "25", "as_of": "2026-12"},
                source=later,
            )
        ],
    )
    assert report["action"].tolist() == ["updated", "updated"]  # the handle matches loosely
    row = _row(data, "PER", "government", "twitter")
    assert (row["handle"], row["followers"], row["as_of"], row["source"]) == (
        "gob_pe",
        25,
        "2026-12",
        later,  # the earlier citation of Q1 is replaced, not kept
    )


def test_two_collectors_complete_a_row_and_hold_a_block_that_conflicts(data):
    wd = _proposal(
        "PER",
        "foreign_ministry",
        "youtube",
        "UC0000000000000000000001",
        {"present": "true"},
        {"followers": "300", "as_of": "2023-06-15"},
    )
    merge.apply(data, [wd])
    yt_cite = "YouTube Data API channels.list UC0000000000000000000001, retrieved 2026-11-30"
    yt = _proposal(
        "PER",
        "foreign_ministry",
        "youtube",
        "UC0000000000000000000001",
        {"present": "true"},
        {"created": "2009-12-01"},
        {"followers": "450", "posts": "40", "views": "9000", "as_of": "2026-11-30"},
        source=yt_cite,
    )
    report = merge.apply(data, [yt])
    got = report.set_index("column")["action"].to_dict()
    assert got == {
        "created": "filled",
        "followers": "conflict",  # Wikidata's value, another collector's: not overwritten
        "posts": "held",  # written only with their as_of, which conflicts too
        "views": "held",
        "as_of": "conflict",
    }
    row = _row(data, "PER", "foreign_ministry", "youtube")
    assert (row["created"], row["followers"], row["as_of"]) == ("2009-12-01", 300, "2023-06-15")
    assert pd.isna(row["posts"]) and pd.isna(row["views"])
    assert row["source"] == f"{CITE}; {yt_cite}"


def test_new_rows_are_appended_and_nothing_is_written_when_the_result_is_invalid(data):
    report = merge.apply(
        data, [_proposal("URY", "government", "instagram", "gob_uy", {"present": "true"})]
    )
    assert report["action"].tolist() == ["added"]
    assert (
        (data / "accounts.csv")
        .read_text(encoding="utf-8")
        .endswith(f'URY,government,instagram,true,gob_uy,,,,,,,,,,"{CITE}",\n')
    )
    before = (data / "accounts.csv").read_bytes()
    with pytest.raises(DataError) as info:
        merge.apply(data, [_proposal("URY", "government", "myspace", "x", {"present": "true"})])
    assert "myspace" in str(info.value) and "nothing was written" in str(info.value)
    assert Path(info.value.problems[0].path) == data / "accounts.csv"
    assert (data / "accounts.csv").read_bytes() == before


def test_a_citation_cannot_smuggle_a_second_source(data):
    with pytest.raises(UsageError):
        merge.apply(
            data,
            [
                _proposal(
                    "PER",
                    "government",
                    "twitter",
                    "x",
                    {"present": "true"},
                    source="Wikidata Q1; Benayas 2021",
                )
            ],
        )


# --------------------------------------------------------------------------- wikidata


def _entity(name: str) -> dict:
    path = WD / name
    return wikidata.entity(path.read_bytes(), name.removesuffix(".json"), path)


def test_real_entity_accounts_without_follower_counts():
    found = wikidata.accounts(_entity("Q43404.json"))
    assert found[["platform", "handle", "property"]].values.tolist() == [
        ["twitter", "discovery", "P2002"],
        ["facebook", "Discovery", "P2013"],
        ["instagram", "discovery", "P2003"],
    ]
    # the 2020 item gives its Twitter audience as a P3744 qualifier, not as P8687: not read
    assert found["followers"].isna().all() and found["as_of"].isna().all()


def test_constructed_entity_follower_counts_are_the_latest_tied_to_their_account():
    found = wikidata.accounts(_entity("Q4115189.json")).set_index("platform")
    assert found["handle"].to_dict() == {
        "twitter": "sandbox_ministry",  # sandbox_old has an end time, sandbox_wrong is deprecated
        "facebook": "SandboxMinistry",
        "instagram": "sandbox.ministry",
        "youtube": "UC0000000000000000000001",
        "flickr": "00000001@N00",
        "linkedin": "sandbox-ministry",
        "telegram": "sandboxministry",
    }
    counts = found[["followers", "as_of"]].dropna()
    assert counts.astype(str).values.tolist() == [
        ["2500", "2023-06-15"],  # by the Twitter user id (P6552); the deprecated 999999 is not
        ["700", "2023-05"],  # month precision kept; the older P518 count is not the latest
        ["300", "2023-06-15"],
    ]
    assert list(counts.index) == ["twitter", "instagram", "youtube"]  # facebook's is undated


def test_entity_errors_are_named(tmp_path):
    path = tmp_path / "Q1.json"
    with pytest.raises(ExportFormatError, match="not valid JSON"):
        wikidata.entity(b"<html>", "Q1", path)
    with pytest.raises(ExportFormatError, match="Special:EntityData"):
        wikidata.entity(b'{"error": "no such entity"}', "Q1", path)
    doc = json.loads((WD / "Q43404.json").read_text())
    doc["entities"]["Q43404"]["claims"]["P8687"] = [
        {
            "mainsnak": {"snaktype": "value", "datavalue": {"value": {"amount": "many"}}},
            "rank": "normal",
        }
    ]
    with pytest.raises(ExportFormatError) as info:
        wikidata.accounts(doc["entities"]["Q43404"], path)
    assert info.value.record == "entities.Q43404.claims.P8687[0]"
    # a merged item answers with its target
    assert wikidata.entity(json.dumps(doc).encode(), "Q99", path)["id"] == "Q43404"


def _qids(data: Path) -> None:
    institutions = data / "institutions.csv"
    _edit(institutions, "PER,foreign_ministry,,,", "PER,foreign_ministry,,Q4115189,")
    _edit(institutions, "PER,trade_promotion,,,", "PER,trade_promotion,,Q43404,")


def _wikidata_client() -> FakeClient:
    return FakeClient({name: WD / name for name in ("Q4115189.json", "Q43404.json")})


def test_collect_wikidata_writes_rows_with_sources_and_replays_offline(data):
    _qids(data)
    fake = _wikidata_client()
    done = wikidata.collect("PER", data, client=fake, now=lambda: NOW)
    assert [c[0] for c in fake.calls] == [
        "https://www.wikidata.org/wiki/Special:EntityData/Q4115189.json",
        "https://www.wikidata.org/wiki/Special:EntityData/Q43404.json",
    ]
    for name in ("Q4115189.json", "Q43404.json"):  # kept exactly as received
        assert (data / "snapshots" / "wikidata" / name).read_bytes() == (WD / name).read_bytes()
    assert set(done.report["action"]) == {"filled"}
    inst = read.read_table("institutions", data).set_index(["country", "role"])
    fm = inst.loc[("PER", "foreign_ministry")]
    assert (fm["website"], fm["blog"]) == (True, True)
    assert fm["source"] == "Wikidata Q4115189, P856, P1581, retrieved 2026-11-30"
    tp = inst.loc[("PER", "trade_promotion")]
    assert tp["website"] and pd.isna(tp["blog"])  # absence in Wikidata is not false
    twitter = _row(data, "PER", "foreign_ministry", "twitter")
    assert (twitter["present"], twitter["handle"], twitter["followers"], twitter["as_of"]) == (
        True,
        "sandbox_ministry",
        2500,
        "2023-06-15",
    )
    assert twitter["source"] == "Wikidata Q4115189, P2002, P8687, retrieved 2026-11-30"
    telegram = _row(data, "PER", "foreign_ministry", "telegram")
    assert telegram["source"] == "Wikidata Q4115189, P3789, retrieved 2026-11-30"
    assert pd.isna(telegram["followers"]) and pd.isna(telegram["as_of"])
    untouched = _row(data, "PER", "cooperation_agency", "twitter")
    assert pd.isna(untouched["present"]) and pd.isna(untouched["source"])
    load.load_all(data)
    after = (data / "accounts.csv").read_bytes()
    replay = wikidata.collect("PER", data, offline=True)
    assert replay.report.empty and (data / "accounts.csv").read_bytes() == after
    assert "values: none written" in format_report(replay)


def test_collect_wikidata_reports_conflicts_with_hand_rows(data):
    _edit(
        data / "institutions.csv",
        "ARG,foreign_ministry,Cancillería A,,",
        "ARG,foreign_ministry,Cancillería A,Q4115189,",
    )
    before = {
        line for line in (data / "accounts.csv").read_text().splitlines() if line.startswith("ARG")
    }
    done = wikidata.collect("ARG", data, client=_wikidata_client(), now=lambda: NOW)
    after = {
        line for line in (data / "accounts.csv").read_text().splitlines() if line.startswith("ARG")
    }
    assert before <= after  # every hand row is still there, unchanged
    added = done.report[done.report["action"] == "added"]
    assert sorted(added["key"]) == [
        "ARG/foreign_ministry/facebook/SandboxMinistry",
        "ARG/foreign_ministry/flickr/00000001@N00",
        "ARG/foreign_ministry/linkedin/sandbox-ministry",
        "ARG/foreign_ministry/telegram/sandboxministry",
    ]
    conflicts = done.report[done.report["action"] == "conflict"]
    assert set(conflicts["old_source"]) == {"test fixture"}
    assert ("ARG/foreign_ministry/instagram/", "present", "false", "true") in set(
        conflicts[["key", "column", "old", "new"]].itertuples(index=False, name=None)
    )
    text = format_report(done)
    assert "conflict accounts.csv ARG/foreign_ministry/twitter/@cancilleriaA handle" in text


def test_collect_wikidata_offline_without_snapshots_says_so(data):
    _qids(data)
    with pytest.raises(CompendiumError, match="collect it once without --offline"):
        wikidata.collect("PER", data, offline=True)


@pytest.mark.parametrize(
    ("iso", "match"),
    [
        ("P3R", "three letters"),
        ("PE;R", "three letters"),
        ("BRA", "make country ISO=BRA"),
    ],
)
def test_collect_refuses_bad_countries(data, iso, match):
    with pytest.raises(UsageError, match=match):
        wikidata.collect(iso, data, offline=True)
    with pytest.raises(UsageError, match=match):
        youtube.collect(iso, data, offline=True)


def test_collect_wikidata_needs_an_item(data):
    with pytest.raises(UsageError, match="no institution of PER has a Wikidata item"):
        wikidata.collect("PER", data, offline=True)


@pytest.mark.parametrize("qid", ["Q1/../../x", "Q" + "9" * 300])
def test_a_qid_is_checked_before_it_reaches_a_url_or_path(data, monkeypatch, qid):
    tables = load.load_all(data)
    tables["institutions"].loc[tables["institutions"]["country"] == "PER", "wikidata"] = qid
    monkeypatch.setattr(wikidata, "load_all", lambda d=None: tables)
    fake = FakeClient({})
    with pytest.raises(UsageError, match="not a Wikidata item id"):
        wikidata.collect("PER", data, client=fake)
    assert fake.calls == []  # refused before the first request


# --------------------------------------------------------------------------- youtube


def _channel_videos(params: dict) -> bytes:
    """The real videos.list response, with only the channel's own videos (the response
    holds a video of another channel too, which an export of the channel must not)."""
    doc = json.loads((YT / "videos_info_multi.json").read_text(encoding="utf-8"))
    doc["items"] = [v for v in doc["items"] if v["snippet"]["channelId"] == DEV]
    return json.dumps(doc).encode()


def _youtube_answers(**over) -> dict:
    answers = {
        "channels": YT / "channels_info_multiple.json",
        "playlistItems": YT / "playlist_items_single.json",
        "videos": _channel_videos,
        "commentThreads": YT / "comment_threads_by_channel.json",
    }
    return {**answers, **over}


def _youtube_handle(data: Path, handle: str = DEV) -> None:
    _edit(
        data / "accounts.csv",
        "PER,foreign_ministry,youtube,,,",
        f"PER,foreign_ministry,youtube,,{handle},",
    )


def test_collect_youtube_writes_figures_exports_and_keeps_no_key(data, monkeypatch):
    _youtube_handle(data)
    fake = FakeClient(_youtube_answers())
    done = youtube.collect("PER", data, client=fake, now=lambda: NOW, api_key=KEY)
    assert [(c[0].rsplit("/", 1)[1], c[2]) for c in fake.calls] == [
        ("channels", {"key": KEY}),
        ("playlistItems", {"key": KEY}),
        ("videos", {"key": KEY}),
        ("commentThreads", {"key": KEY}),
    ]
    assert fake.calls[0][1] == {"part": "snippet,statistics,contentDetails", "id": DEV}
    assert fake.calls[1][1]["playlistId"] == "UU_x5XG1OV2P6uZZ5FSM9Ttw"
    assert fake.calls[2][1]["id"] == "H1HZyvc0QnI"
    assert fake.calls[3][1]["allThreadsRelatedToChannelId"] == DEV
    row = _row(data, "PER", "foreign_ministry", "youtube")
    assert (row["present"], row["created"], row["followers"], row["posts"], row["views"]) == (
        True,
        "2007-08-23",
        2260000,
        5652,
        208790084,
    )
    assert row["as_of"] == "2026-11-30"
    assert row["source"] == f"YouTube Data API channels.list {DEV}, retrieved 2026-11-30"
    listed = read.read_table("exports", data).set_index("file")
    videos = f"posts/per-foreign_ministry-youtube-{DEV}-videos.jsonl"
    comments = f"posts/per-foreign_ministry-youtube-{DEV}-comments.jsonl"
    assert listed.loc[videos, "format"] == "youtube"
    assert listed.loc[comments, "format"] == "youtube_comments"
    assert listed.loc[comments, "source"] == (
        f"YouTube Data API commentThreads.list {DEV}, retrieved 2026-11-30"
    )
    # each export is the responses, one a line, with the same content as the snapshots
    lines = (data / comments).read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [
        json.loads((YT / "comment_threads_by_channel.json").read_text())
    ]
    snapshots = data / "snapshots" / "youtube"
    assert (snapshots / "channels" / f"{DEV}.json").read_bytes() == (
        YT / "channels_info_multiple.json"
    ).read_bytes()
    for path in data.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path
    assert len(done.snapshots) == 4 and done.missing == ()
    # the exports feed the coder: with videos and comment threads the level is measured
    measured = exports.measured_accounts(["PER"], data)
    assert measured == [("PER", "foreign_ministry", "youtube")]
    book = {**load_codebook(data), "level_min_posts": 1}  # the channel has one video
    levels = account_levels(code_posts(exports.posts(["PER"], data)), book, measured=measured)
    dev = levels.set_index("account_id").loc[DEV]
    assert dev["method"] == "measured" and dev["level"] == "none" and dev["reply_share"] == 0


def test_collect_youtube_replays_offline_without_a_key(data, monkeypatch):
    _youtube_handle(data)
    youtube.collect(
        "PER", data, client=FakeClient(_youtube_answers()), now=lambda: NOW, api_key=KEY
    )
    tables = {p.name: p.read_bytes() for p in data.glob("*.csv")}
    monkeypatch.delenv(youtube.KEY_ENV, raising=False)
    replay = youtube.collect("PER", data, offline=True)
    assert replay.report.empty and len(replay.snapshots) == 4
    assert {p.name: p.read_bytes() for p in data.glob("*.csv")} == tables
    with pytest.raises(UsageError, match=f"set {youtube.KEY_ENV}"):
        youtube.collect("PER", data)
    monkeypatch.setenv(youtube.KEY_ENV, "not a key; rm -rf /")
    with pytest.raises(UsageError, match="does not look like an API key"):
        youtube.collect("PER", data)


def test_collect_youtube_follows_pages_and_fetches_missing_replies(data):
    channel = "UCa-vrCLQHviTOVnEKDOdetQ"  # the channel of comment_threads_all_to_me.json
    _youtube_handle(data, channel)
    single = json.loads((YT / "channel_info_single.json").read_text())
    single["items"][0]["id"] = channel
    first = json.loads((YT / "comment_threads_all_to_me.json").read_text())
    first["nextPageToken"] = "PAGE2"
    second = {**first, "items": first["items"][:1]}
    second.pop("nextPageToken")

    def threads(params):
        return json.dumps(second if params.get("pageToken") == "PAGE2" else first).encode()

    def comments(params):
        assert params["parentId"] == "UgwSRpgkjCe6OHHe3IJ4AaABAg"  # totalReplyCount 1, none listed
        return (YT / "comments_by_parent_paged_2.json").read_bytes()

    answers = _youtube_answers(
        channels=json.dumps(single).encode(), commentThreads=threads, comments=comments
    )
    fake = FakeClient(answers)
    youtube.collect("PER", data, client=fake, now=lambda: NOW, api_key=KEY, max_thread_pages=3)
    asked = [(c[0].rsplit("/", 1)[1], c[1].get("pageToken")) for c in fake.calls]
    assert asked == [
        ("channels", None),
        ("commentThreads", None),
        ("commentThreads", "PAGE2"),
        ("comments", None),  # the one thread whose reply the page does not list
    ]
    names = sorted(p.name for p in (data / "snapshots" / "youtube" / channel).iterdir())
    assert names == [
        "commentThreads-p001.json",
        "commentThreads-p002.json",
        "comments-UgwSRpgkjCe6OHHe3IJ4AaABAg-p001.json",
    ]
    replay = youtube.collect("PER", data, offline=True, max_thread_pages=3)
    assert replay.report.empty


def test_collect_youtube_by_handle_and_a_channel_not_found(data):
    _youtube_handle(data, "@nadie")
    empty = b'{"kind": "youtube#channelListResponse", "pageInfo": {"totalResults": 0}}'
    fake = FakeClient(_youtube_answers(channels=empty.replace(b"}}", b'}, "items": []}')))
    done = youtube.collect("PER", data, client=fake, now=lambda: NOW, api_key=KEY)
    assert fake.calls[0][1]["forHandle"] == "@nadie"
    assert done.missing == ("channels.list forHandle=@nadie: no such channel",)
    assert (data / "snapshots" / "youtube" / "channels" / "@nadie.json").is_file()
    assert "nothing  channels.list forHandle=@nadie" in format_report(done)


def test_collect_youtube_needs_an_account_and_refuses_odd_handles(data):
    with pytest.raises(UsageError, match="no YouTube account of PER"):
        youtube.collect("PER", data, offline=True)
    _youtube_handle(data, "../../etc")
    with pytest.raises(UsageError, match="neither a YouTube channel id"):
        youtube.collect("PER", data, offline=True)


def test_an_api_error_body_is_not_taken_for_data(data):
    _youtube_handle(data)
    error = b'{"error": {"code": 403, "message": "quota"}}'
    with pytest.raises(ExportFormatError):
        youtube.collect(
            "PER", data, client=FakeClient(_youtube_answers(channels=error)), api_key=KEY
        )


# --------------------------------------------------------------------------- end to end


def _set_wikidata(institutions: Path, iso: str, role: str, qid: str) -> None:
    import csv
    import io

    text = institutions.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    for row in rows:
        if (row["country"], row["role"]) == (iso, role):
            row["wikidata"] = qid
    out = io.StringIO()
    writer = csv.DictWriter(out, list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    institutions.write_text(out.getvalue(), encoding="utf-8")


@pytest.mark.slow
def test_a_country_filled_offline_builds_its_paper_and_joins_the_panel(raw_copy, tmp_path):
    """make country, the Wikidata items, make collect OFFLINE=1: a pair paper and the panel."""
    import subprocess
    import sys

    from conftest import REPO

    from analysis.build import paper

    scaffold.add_country("PER", raw_copy, name_en="Peru", name_es="Perú")
    _set_wikidata(raw_copy / "institutions.csv", "PER", "foreign_ministry", "Q4115189")
    _set_wikidata(raw_copy / "institutions.csv", "PER", "trade_promotion", "Q43404")
    # the saved responses, as an earlier online collection kept them (in another copy)
    earlier = tmp_path / "earlier"
    shutil.copytree(raw_copy, earlier)
    wikidata.collect("PER", earlier, client=_wikidata_client(), now=lambda: NOW)
    shutil.copytree(earlier / "snapshots", raw_copy / "snapshots")
    run = subprocess.run(
        [sys.executable, "-m", "analysis", "--data-dir", str(raw_copy)]
        + ["collect", "wikidata", "per", "--offline"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert run.returncode == 0, run.stderr
    filled = read.read_table("accounts", raw_copy)
    filled = filled[(filled["country"] == "PER") & filled["present"].fillna(False)]
    assert len(filled) >= 5 and filled["source"].str.startswith("Wikidata Q").all()
    built = paper.build("PER-MEX", "en", data_dir=raw_copy, root=tmp_path / "build")
    html = built["html"].read_text(encoding="utf-8")
    assert "Peru" in html and "Mexico" in html
    report = paper.build_panel(["MEX", "CHL", "PER"], data_dir=raw_copy, root=tmp_path / "build")
    text = (tmp_path / "build" / "panel-MEX-CHL-PER" / "en" / "paper.md").read_text()
    assert report["pdf"].stat().st_size > 10_000
    assert "| Peru | Foreign ministry | X | X |" in text  # its website and X account
