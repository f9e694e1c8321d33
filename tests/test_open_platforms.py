"""Bluesky and Mastodon: the importers, the coding of their posts, both collectors, end to end.

The real responses are the test data of two clients of the APIs (bskyr, Mastodon.py; MIT,
see the READMEs of tests/fixtures/bluesky and tests/fixtures/mastodon); the constructed ones
show a ministry answering its public and its own government. No test reaches the internet:
the collectors are exercised against a fake client and against a server on the loopback
interface; every collection writes into a scratch copy.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
from conftest import FIXTURE_PAIR, FIXTURES
from loopback import Answer, Loopback

from analysis.base.errors import ExportFormatError, NetworkError, UsageError
from analysis.base.paths import DATA_DIR
from analysis.core.coding import account_levels, code_posts
from analysis.data import exports, read, scaffold
from analysis.data.codebook import load_codebook
from analysis.data.collect import bluesky, mastodon, wikidata
from analysis.data.collect.http import Client
from analysis.data.importers import bluesky_feed, mastodon_statuses, reader

BSKY = FIXTURES / "bluesky"
MASTO = FIXTURES / "mastodon"
KENNY = "did:plc:wpe35pganb6d4pg4ekmfy6u5"  # the account of the real feed
NOW = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
MIN_POSTS = load_codebook()["level_min_posts"]
#: The constructed accounts: a ministry and its government, on both platforms.
MINISTRY_B, GOVERNMENT_B = "cancilleria-xbs.bsky.social", "gobierno-xbs.bsky.social"
MINISTRY_M, GOVERNMENT_M = "@cancilleria@social.example", "@gobierno@social.example"
#: A real code, used only in scratch copies (user-assigned codes do not validate yet).
ISO = "ATA"


def _government(country: str = "XBS") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "country": [country] * 4,
            "platform": ["bluesky", "bluesky", "mastodon", "mastodon"],
            "handle": [MINISTRY_B, GOVERNMENT_B, MINISTRY_M, GOVERNMENT_M],
        }
    )


def _kinds(coded: pd.DataFrame, account: str) -> dict[str, int]:
    own = coded[coded["account"].str.lower() == account.lstrip("@").lower()]
    return own["kind"].astype(str).value_counts().to_dict()


# --------------------------------------------------------------------------- Bluesky importer


def test_a_real_feed_gives_the_accounts_own_posts_only():
    posts = reader("bluesky_feed")(
        BSKY / "bskyr-getAuthorFeed-chriskenny.json", "XBS", "government"
    )
    feed = json.loads((BSKY / "bskyr-getAuthorFeed-chriskenny.json").read_text())["feed"]
    assert len(posts) == len(feed) == 50
    assert set(posts["account_id"]) == {KENNY}  # reposted and parent posts are context
    others = {i["post"]["uri"] for i in feed if i.get("reason")} | {
        i["reply"]["parent"]["uri"] for i in feed if i.get("reply")
    }
    context = {uri for uri in others if KENNY not in uri}  # the public's posts
    assert len(context) > 20
    assert not context & set(posts["post_id"])
    reposts = posts[posts["kind_ref"] == "retweeted"]
    assert len(reposts) == 7 and reposts[["replies", "shares", "likes"]].isna().all().all()
    assert reposts["post_id"].str.contains("#repost-by-" + KENNY, regex=False).all()
    # a deleted parent still names its author in its at:// URI
    gone = posts[posts["in_reply_to"].str.contains("4szmwdqlabkd37mw7n3tpojq", na=False)]
    assert len(gone) == 3 and gone["in_reply_to_account"].isna().all()
    assert set(gone["in_reply_to_account_id"]) == {"did:plc:4szmwdqlabkd37mw7n3tpojq"}


def test_a_real_feed_codes_replies_dialogues_shares_and_its_own_thread():
    posts = bluesky_feed.read(BSKY / "bskyr-getAuthorFeed-chriskenny.json", "XBS", "government")
    coded = code_posts(posts).set_index("post_id")
    own_thread = posts[posts["in_reply_to_account_id"] == KENNY]["post_id"]
    assert len(own_thread) == 1
    assert coded.loc[own_thread.iloc[0], "kind"] in ("broadcast", "mention")  # continues
    quotes = posts[posts["kind_ref"] == "quoted"]["post_id"]
    assert len(quotes) == 7 and (coded.loc[quotes, "kind"] == "share").all()
    counts = coded["kind"].astype(str).value_counts().to_dict()
    assert counts["reply"] + counts["dialogue"] == 23 and counts["share"] == 14
    level = account_levels(coded.reset_index()).iloc[0]
    assert level["posts"] == 50 >= MIN_POSTS and level["level"] == "high"


def test_a_constructed_feed_tells_the_public_from_the_government():
    files = ["constructed-feed-cancilleria-xbs.json", "constructed-feed-gobierno-xbs.json"]
    posts = pd.concat([bluesky_feed.read(BSKY / f, "XBS", "foreign_ministry") for f in files])
    coded = code_posts(posts, government=_government())
    assert _kinds(coded, MINISTRY_B) == {
        "broadcast": 31,  # one continues its own thread
        "share": 8,  # six reposts (two of its government) and two quotes
        "reply": 8,
        "mention": 6,
        "dialogue": 4,
        "internal": 3,
    }
    assert _kinds(coded, GOVERNMENT_B) == {"broadcast": 3, "internal": 1}
    levels = account_levels(coded).set_index("account")
    ministry, government = levels.loc[MINISTRY_B], levels.loc[GOVERNMENT_B]
    assert ministry["reply_share"] == pytest.approx(12 / 60) and ministry["level"] == "moderate"
    assert pd.isna(government["level"]) and government["posts"] == 4 < MIN_POSTS
    # without the country's handles the same answers are replies to the public
    blind = account_levels(code_posts(posts)).set_index("account").loc[MINISTRY_B]
    assert blind["reply_share"] == pytest.approx(15 / 60)


def test_bluesky_feed_errors_name_the_item_and_field(tmp_path):
    page = json.loads((BSKY / "constructed-feed-gobierno-xbs.json").read_text())
    del page["feed"][1]["post"]["record"]["createdAt"]
    bad = tmp_path / "feed.jsonl"
    bad.write_text(json.dumps(page) + "\n" + json.dumps({"cursor": "x"}) + "\n")
    with pytest.raises(ExportFormatError, match="createdAt") as err:
        bluesky_feed.read(bad, "XBS", "government")
    assert "line 1, feed[1]" in str(err.value)
    bad.write_text(json.dumps({"feed": []}) + "\n" + json.dumps({"cursor": "x"}) + "\n")
    with pytest.raises(ExportFormatError, match="not a getAuthorFeed page"):
        bluesky_feed.read(bad, "XBS", "government")
    bad.write_text(json.dumps({"feed": []}))
    with pytest.raises(ExportFormatError, match="holds no post"):
        reader("bluesky_feed")(bad, "XBS", "government")


# --------------------------------------------------------------------------- Mastodon importer


def test_real_statuses_pages_and_entities():
    pages = [MASTO / f"mastodonpy-statuses-p00{n}.json" for n in (1, 2)]
    posts = pd.concat([mastodon_statuses.read(p, "XBS", "government") for p in pages])
    assert sorted(posts["text"]) == [f"Toot number {n}!" for n in range(10)]
    assert set(posts["account"]) == {"mastodonpy_test@localhost:3000"}
    coded = code_posts(
        mastodon_statuses.read(MASTO / "mastodonpy-statuses-assembled.json", "XBS", "government")
    )
    got = dict(zip(coded["post_id"], coded["kind"].astype(str), strict=True))
    assert got == {
        "117020583258292382": "reply",  # admin answers mastodonpy_test_2
        "117020586027094262": "share",  # a boost
        "117020582925004921": "share",  # a quote
    }
    reply = coded.set_index("post_id").loc["117020583258292382"]
    assert reply["in_reply_to_account"] == "mastodonpy_test_2@localhost:3000"
    assert reply["text"] == "@mastodonpy_test_2 same!"  # HTML read as text
    quote = coded.set_index("post_id").loc["117020582925004921"]
    assert quote["text"] == "yoooooooo"  # the quote-inline fallback is not the post's words


def test_constructed_statuses_public_only_and_inside_government():
    names = [
        "constructed-statuses-cancilleria-p001.json",
        "constructed-statuses-cancilleria-p002.json",
        "constructed-statuses-gobierno-p001.json",
    ]
    posts = pd.concat([mastodon_statuses.read(MASTO / n, "XBS", "foreign_ministry") for n in names])
    assert "Solo para seguidores" not in set(posts["text"])  # a private status is not public
    coded = code_posts(posts, government=_government())
    assert _kinds(coded, MINISTRY_M) == {
        "broadcast": 31,
        "share": 8,
        "reply": 8,
        "mention": 6,
        "dialogue": 4,  # two answers each to two people under one status
        "internal": 3,
    }
    level = account_levels(coded).set_index("account").loc[MINISTRY_M.lstrip("@")]
    assert level["level"] == "moderate" and level["posts"] == 60
    mention = coded[coded["kind"] == "mention"].iloc[0]
    assert "&amp;" not in mention["text"] and "& el diálogo" in mention["text"]


def test_mastodon_errors_are_named(tmp_path):
    bad = tmp_path / "statuses.json"
    bad.write_text(json.dumps({"error": "Record not found"}))
    with pytest.raises(ExportFormatError, match="answered with an error"):
        mastodon_statuses.read(bad, "XBS", "government")
    status = json.loads((MASTO / "mastodonpy-statuses-p001.json").read_text())
    status[2]["created_at"] = "2026-08-01T13:52:34"
    bad.write_text(json.dumps(status))
    with pytest.raises(ExportFormatError, match="no time zone"):
        mastodon_statuses.read(bad, "XBS", "government")


# --------------------------------------------------------------------------- Wikidata


def test_wikidata_reads_bluesky_and_mastodon_accounts():
    def claim(prop, value):
        snak = {"snaktype": "value", "datavalue": {"value": value, "type": "string"}}
        return {prop: [{"mainsnak": snak, "rank": "normal"}]}

    item = {
        "id": "Q4115189",
        "claims": {**claim("P12361", MINISTRY_B), **claim("P4033", "a@b.example")},
    }
    found = wikidata.accounts(item)
    assert found[["platform", "handle"]].values.tolist() == [
        ["bluesky", MINISTRY_B],
        ["mastodon", "a@b.example"],
    ]
    assert mastodon.address("a@B.Example") == ("a", "b.example")
    for wrong in ("https://b.example/@a", "a", "@a@b", "a@b.example/x"):
        with pytest.raises(UsageError, match="not a Mastodon address"):
            mastodon.address(wrong)
    with pytest.raises(UsageError, match="neither a Bluesky handle"):
        bluesky.actor("https://bsky.app/profile/x")


# --------------------------------------------------------------------------- collectors


def _scratch(tmp_path: Path) -> Path:
    """The fixture pair plus PER, whose ministry and government are the constructed accounts."""
    dest = tmp_path / "raw"
    shutil.copytree(FIXTURE_PAIR, dest)
    for name in ("codebook.yml", "README.md"):
        shutil.copy(DATA_DIR / name, dest / name)
    scaffold.add_country("PER", dest)
    _handles(dest, "PER")
    return dest


def _handles(data: Path, iso: str) -> None:
    text = (data / "accounts.csv").read_text(encoding="utf-8")
    for role, platform, handle in (
        ("foreign_ministry", "bluesky", MINISTRY_B),
        ("government", "bluesky", GOVERNMENT_B),
        ("foreign_ministry", "mastodon", MINISTRY_M),
        ("government", "mastodon", GOVERNMENT_M),
    ):
        old = f"{iso},{role},{platform},,,"
        assert old in text, old
        text = text.replace(old, f"{iso},{role},{platform},,{handle},", 1)
    (data / "accounts.csv").write_text(text, encoding="utf-8")


class FakeClient:
    """Answers a request from a function of its URL and parameters."""

    def __init__(self, answer):
        self.answer = answer
        self.calls: list[tuple[str, dict]] = []

    def get(self, url, params=None, *, secret=None):
        self.calls.append((url, dict(params or {})))
        found = self.answer(url, dict(params or {}))
        return found if isinstance(found, bytes) else Path(found).read_bytes()


def _bluesky_answer(url: str, params: dict):
    if "getProfiles" in url:
        return BSKY / "constructed-profiles-xbs.json"
    if params.get("cursor"):
        return BSKY / "constructed-feed-end.json"
    ministry = params["actor"] == bluesky_did(MINISTRY_B)
    return BSKY / (
        "constructed-feed-cancilleria-xbs.json"
        if ministry
        else "constructed-feed-gobierno-xbs.json"
    )


def bluesky_did(handle: str) -> str:
    profiles = json.loads((BSKY / "constructed-profiles-xbs.json").read_text())["profiles"]
    return next(p["did"] for p in profiles if p["handle"] == handle)


def _mastodon_answer(url: str, params: dict):
    if url.endswith("/lookup"):
        return MASTO / f"constructed-lookup-{params['acct']}.json"
    name = "cancilleria" if "/110000000000000001/" in url else "gobierno"
    first = MASTO / f"constructed-statuses-{name}-p001.json"
    if "max_id" not in params:
        return first
    if name == "cancilleria" and params["max_id"] == json.loads(first.read_text())[-1]["id"]:
        return MASTO / "constructed-statuses-cancilleria-p002.json"
    return MASTO / "constructed-statuses-end.json"


def test_collect_bluesky_writes_figures_and_feeds_and_replays_offline(tmp_path):
    data = _scratch(tmp_path)
    fake = FakeClient(_bluesky_answer)
    done = bluesky.collect("PER", data, client=fake, now=lambda: NOW)
    assert [urlsplit(u).path.rsplit(".", 1)[1] for u, _ in fake.calls] == [
        "getProfiles",
        "getAuthorFeed",
        "getAuthorFeed",
        "getAuthorFeed",
    ]
    ministry = [p for _, p in fake.calls if p.get("actor") == bluesky_did(MINISTRY_B)]
    assert ministry[0] == {
        "actor": bluesky_did(MINISTRY_B),
        "limit": "100",
        "filter": "posts_with_replies",
    }
    assert ministry[1]["cursor"]  # the ministry's second page, which is empty
    accounts = read.read_table("accounts", data).set_index(["country", "role", "platform"])
    row = accounts.loc[("PER", "foreign_ministry", "bluesky")]
    assert (row["handle"], row["created"], row["followers"], row["posts"], row["as_of"]) == (
        MINISTRY_B,
        "2024-02-01",
        12840,
        60,
        "2026-11-30",
    )
    assert row["source"].startswith("Bluesky AppView app.bsky.actor.getProfiles did:plc:")
    listed = read.read_table("exports", data).set_index("file")
    feed = f"posts/per-foreign_ministry-bluesky-{bluesky_did(MINISTRY_B).replace(':', '_')}.jsonl"
    assert listed.loc[feed, "format"] == "bluesky_feed" and done.missing == ()
    snapshots = data / "snapshots" / "bluesky"
    assert (snapshots / "manifest.csv").is_file() and len(done.snapshots) == 4
    tables = {p.name: p.read_bytes() for p in data.glob("*.csv")}
    replay = bluesky.collect("PER", data, offline=True)
    assert replay.report.empty and {p.name: p.read_bytes() for p in data.glob("*.csv")} == tables
    # the posts are measured, and the government's answers inside it are internal
    posts = exports.posts(["PER"], data)
    coded = code_posts(posts, government=read.read_table("accounts", data))
    levels = account_levels(coded).set_index("account")
    assert (
        levels.loc[MINISTRY_B, "level"] == "moderate" and levels.loc[MINISTRY_B, "n_internal"] == 3
    )


def test_collect_mastodon_writes_figures_and_statuses_and_replays_offline(tmp_path):
    data = _scratch(tmp_path)
    fake = FakeClient(_mastodon_answer)
    done = mastodon.collect("PER", data, client=fake, now=lambda: NOW)
    assert ("https://social.example/api/v1/accounts/lookup", {"acct": "cancilleria"}) in fake.calls
    statuses = "https://social.example/api/v1/accounts/110000000000000001/statuses"
    asked = [p for u, p in fake.calls if u == statuses]
    assert asked[0] == {"limit": "40"} and set(asked[1]) == {"limit", "max_id"}
    row = (
        read.read_table("accounts", data)
        .set_index(["country", "role", "platform"])
        .loc[("PER", "foreign_ministry", "mastodon")]
    )
    assert (row["created"], row["followers"], row["posts"]) == ("2023-11-14", 5400, 60)
    assert (
        row["source"]
        == "Mastodon API accounts/lookup cancilleria@social.example, retrieved 2026-11-30"
    )
    assert done.missing == () and len(done.snapshots) == 7
    tables = {p.name: p.read_bytes() for p in data.glob("*.csv")}
    assert mastodon.collect("PER", data, offline=True).report.empty
    assert {p.name: p.read_bytes() for p in data.glob("*.csv")} == tables
    measured = account_levels(
        code_posts(exports.posts(["PER"], data), government=read.read_table("accounts", data))
    ).set_index("account")
    assert measured.loc["cancilleria@social.example", "level"] == "moderate"


def test_collectors_need_accounts_and_refuse_odd_handles(tmp_path):
    data = tmp_path / "raw"
    shutil.copytree(FIXTURE_PAIR, data)
    for name in ("codebook.yml", "README.md"):
        shutil.copy(DATA_DIR / name, data / name)
    scaffold.add_country("PER", data)
    with pytest.raises(UsageError, match="no Bluesky account of PER"):
        bluesky.collect("PER", data, client=FakeClient(_bluesky_answer))
    with pytest.raises(UsageError, match="no Mastodon account of PER"):
        mastodon.collect("PER", data, client=FakeClient(_mastodon_answer))
    text = (data / "accounts.csv").read_text()
    text = text.replace("PER,government,mastodon,,,", "PER,government,mastodon,,../../etc@x,", 1)
    (data / "accounts.csv").write_text(text)
    with pytest.raises(UsageError, match="not a Mastodon address"):
        mastodon.collect("PER", data, client=FakeClient(_mastodon_answer))


# --------------------------------------------------------------------------- over HTTP


def _by_route(route):
    """A loopback answer from ``route(path, query) -> (status, body[, headers])``; a body
    that is not bytes is sent as JSON."""

    def respond(request: dict) -> Answer:
        parts = urlsplit(request["path"])
        status, body, headers = (*route(parts.path, parse_qs(parts.query)), {})[:3]
        return Answer(
            status, body if isinstance(body, bytes) else json.dumps(body).encode(), headers
        )

    return respond


@pytest.fixture
def api():
    servers = []

    def start(route):
        servers.append(Loopback(_by_route(route)))
        return servers[-1]

    yield start
    for s in servers:
        s.close()


def _client(waits: list[float] | None = None) -> Client:
    agent = "dpd-compendium/test (research compendium; +https://example.org)"
    sleep = (lambda seconds: None) if waits is None else waits.append
    return Client(agent=agent, retries=2, backoff=0.01, timeout=5, sleep=sleep)


def _page(n: int, cursor: str | None) -> dict:
    page = json.loads((BSKY / "constructed-feed-gobierno-xbs.json").read_text())
    for item in page["feed"]:
        item["post"]["uri"] += f"-p{n}"
    return {**page, **({"cursor": cursor} if cursor else {})}


def test_bluesky_over_http_pages_a_cursor_that_never_ends_and_a_missing_account(api, tmp_path):
    data = _scratch(tmp_path)
    profiles = json.loads((BSKY / "constructed-profiles-xbs.json").read_text())
    profiles["profiles"] = profiles["profiles"][1:]  # the ministry was taken down

    def route(path, query):
        if path.endswith("getProfiles"):
            assert query["actors"] == [GOVERNMENT_B, MINISTRY_B]  # accounts.csv order
            return 200, profiles
        n = int(query.get("cursor", ["c0"])[0][1:]) + 1
        return 200, _page(n, f"c{n}")  # always another page

    server = api(route)
    done = bluesky.collect(
        "PER", data, client=_client(), now=lambda: NOW, appview=server.url + "/xrpc/", max_pages=3
    )
    assert len(server.requests) == 4  # profiles, then three pages
    assert done.missing == (  # in accounts.csv order: the government, then the ministry
        f"app.bsky.feed.getAuthorFeed {bluesky_did(GOVERNMENT_B)}: stopped after 3 pages; "
        "older posts were not read",
        f"app.bsky.actor.getProfiles {MINISTRY_B}: no such account (deleted, deactivated or "
        "taken down)",
    )
    posts = exports.posts(["PER"], data)
    assert len(posts) == 3 * 4 and set(posts["role"]) == {"government"}

    def repeating(path, query):
        if path.endswith("getProfiles"):
            return 200, profiles
        return 200, _page(1, "same")  # a cursor that names its own page again

    again = bluesky.collect(
        "PER",
        _scratch(tmp_path / "b"),
        client=_client(),
        now=lambda: NOW,
        appview=api(repeating).url + "/xrpc/",
    )
    assert "after page 2 the service named a page already read" in again.missing[0]


def test_mastodon_over_http_rate_limit_unknown_suspended_and_down(api, tmp_path):
    data = _scratch(tmp_path)
    lookups = {"cancilleria": 0}
    suspended = {
        **json.loads((MASTO / "constructed-lookup-gobierno.json").read_text()),
        "suspended": True,
    }

    def route(path, query):
        if path.endswith("/lookup"):
            user = query["acct"][0]
            if user == "gobierno":
                return 200, suspended
            lookups[user] += 1
            if lookups[user] == 1:  # rate limited once
                return 429, {"error": "Too many requests"}, {"Retry-After": "1"}
            return 200, json.loads((MASTO / "constructed-lookup-cancilleria.json").read_text())
        if "max_id" not in query:
            return 200, json.loads(
                (MASTO / "constructed-statuses-cancilleria-p001.json").read_text()
            )
        return 200, []

    server = api(route)
    waits: list[float] = []
    done = mastodon.collect(
        "PER", data, client=_client(waits), now=lambda: NOW, server_url=lambda s: server.url
    )
    assert waits == [1.0]  # Retry-After honoured
    assert done.missing == (
        "accounts/lookup gobierno@social.example: the server has suspended the account",
    )
    assert len(exports.posts(["PER"], data)) == 39  # the private status is not counted
    # an account the server does not know is listed, not fatal
    unknown = _scratch(tmp_path / "u")
    gone = api(
        lambda path, query: (404, json.loads((MASTO / "mastodonpy-lookup-404.json").read_text()))
    )
    done = mastodon.collect(
        "PER", unknown, client=_client(), now=lambda: NOW, server_url=lambda s: gone.url
    )
    assert done.missing == (
        "accounts/lookup gobierno@social.example: no such account (HTTP 404)",
        "accounts/lookup cancilleria@social.example: no such account (HTTP 404)",
    )
    # offline, an account not found when collected is not found again
    replay = mastodon.collect("PER", unknown, offline=True)
    assert all("not found when it was collected" in m for m in replay.missing)
    # a server that is down: one line that suggests --offline, nothing written
    down = api(lambda path, query: (200, {}))
    port = down.url
    down.close()
    before = (unknown / "accounts.csv").read_bytes()
    with pytest.raises(NetworkError, match="--offline"):
        mastodon.collect("PER", unknown, client=_client(), server_url=lambda s: port)
    assert (unknown / "accounts.csv").read_bytes() == before


# --------------------------------------------------------------------------- end to end


@pytest.mark.slow
def test_a_country_collected_offline_from_both_platforms_builds_its_paper(raw_copy, tmp_path):
    """make country, the handles, collect bluesky and mastodon --offline: measured levels."""
    import subprocess
    import sys

    from conftest import REPO

    from analysis.build import paper

    scaffold.add_country(ISO, raw_copy)
    _handles(raw_copy, ISO)
    earlier = tmp_path / "earlier"  # the saved responses of an earlier online collection
    shutil.copytree(raw_copy, earlier)
    bluesky.collect(ISO, earlier, client=FakeClient(_bluesky_answer), now=lambda: NOW)
    mastodon.collect(ISO, earlier, client=FakeClient(_mastodon_answer), now=lambda: NOW)
    shutil.copytree(earlier / "snapshots", raw_copy / "snapshots")
    for source in ("bluesky", "mastodon"):
        run = subprocess.run(
            [sys.executable, "-m", "analysis", "--data-dir", str(raw_copy)]
            + ["collect", source, ISO.lower(), "--offline"],
            capture_output=True,
            text=True,
            cwd=REPO,
        )
        assert run.returncode == 0, run.stderr
    built = paper.build(f"{ISO}-MEX", ("en", "es"), data_dir=raw_copy, root=tmp_path / "build")
    markdown = (tmp_path / "build" / f"{ISO}-MEX" / "en" / "paper.md").read_text(encoding="utf-8")
    text = markdown.replace("\\", "")  # Markdown escapes the data's punctuation
    interaction = text[text.index("# Interaction") : text.index("# What differs")]
    said = "The measured levels come from Bluesky for Antarctica, posts from 3 March 2025"
    assert said in interaction
    assert "Mastodon for Antarctica" in interaction
    assert "*internal*" in interaction
    html = built["html"].read_text(encoding="utf-8")
    assert "Moderate" in html and "answer accounts of their own government" in html
    es = (tmp_path / "build" / f"{ISO}-MEX" / "es" / "paper.md").read_text(encoding="utf-8")
    es = es.replace("\\", "")
    assert "Los niveles medidos proceden de Bluesky para" in es
    # the panel shows the measured levels too
    paper.build_panel(["MEX", ISO], data_dir=raw_copy, root=tmp_path / "build")
    panel = (tmp_path / "build" / f"panel-MEX-{ISO}" / "en" / "paper.md").read_text()
    table = panel.replace("\\", "")[panel.replace("\\", "").index("# Interaction") :]
    assert (
        "| Antarctica | Foreign ministry | Bluesky | cancilleria-xbs.bsky.social | 60 (3 March 2025"
        in table
    )
    assert "| Government | Mastodon | gobierno@social.example | 4 " in table
    assert "too few posts for a level" in table
