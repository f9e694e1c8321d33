"""Tests of analysis.data.importers: real twarc2 exports, hand-written fixtures, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import FIXTURES, TWARC

from analysis.core.coding import account_levels, code_posts
from analysis.data.importers import (
    POSTS_COLUMNS,
    ExportFormatError,
    empty_posts,
    meta_csv,
    twitter_v2,
    youtube,
)

OWN = FIXTURES / "importers"


def assert_schema(frame: pd.DataFrame) -> None:
    assert tuple(frame.columns) == POSTS_COLUMNS
    assert frame.dtypes.to_dict() == empty_posts().dtypes.to_dict()
    assert frame["mentions"].map(lambda m: isinstance(m, list)).all()
    key = list(zip(frame["created_at"], frame["post_id"], strict=True))
    assert key == sorted(key)


# --------------------------------------------------------------------------- X / Twitter v2


@pytest.mark.parametrize(
    ("name", "n"),
    [
        ("twarc2-noflat.jsonl", 100),
        ("twarc2-flat.jsonl", 100),
        ("twarc2-withheld.jsonl", 215),
        ("twarc2-brexit.jsonl", 100),
        ("twarc2-mentions_tweet.jsonl", 1),
        ("twarc2-two_tweets.jsonl", 1),
    ],
)
def test_twarc2_exports_read(name, n):
    posts = twitter_v2.read(TWARC / name, "MEX", "foreign_ministry")
    assert len(posts) == n == posts["post_id"].nunique()
    assert_schema(posts)
    assert set(posts["country"]) == {"MEX"} and set(posts["platform"]) == {"twitter"}
    assert posts["account_id"].notna().all() and posts["created_at"].notna().all()
    coded = code_posts(posts)
    assert coded["kind"].notna().all()


def test_page_form_and_flattened_form_give_the_same_table():
    noflat = twitter_v2.read(TWARC / "twarc2-noflat.jsonl", "MEX", "foreign_ministry")
    flat = twitter_v2.read(TWARC / "twarc2-flat.jsonl", "MEX", "foreign_ministry")
    pd.testing.assert_frame_equal(noflat, flat)


def test_twarc2_tweets_are_coded_by_their_own_author():
    posts = twitter_v2.read(TWARC / "twarc2-noflat.jsonl", "MEX", "foreign_ministry")
    page = json.loads((TWARC / "twarc2-noflat.jsonl").read_text().splitlines()[0])
    authors = {t["id"]: t["author_id"] for t in page["data"]}
    assert dict(zip(posts["post_id"], posts["account_id"], strict=True)) == authors
    users = {u["id"]: u["username"] for u in page["includes"]["users"]}
    assert all(posts["account"] == posts["account_id"].map(users))
    # a retweet: share, its counts (the original's) left missing
    rt = posts[posts["kind_ref"] == "retweeted"]
    assert len(rt) == 47 and rt[["replies", "shares", "likes"]].isna().all().all()
    coded = code_posts(posts)
    counts = coded["kind"].value_counts()
    assert (
        counts["share"] == 55 and counts["reply"] == 30
    )  # 47 retweets + 8 quotes; 31 replies, 1 to self


def test_mentions_without_ids_use_includes_users():
    page = json.loads((TWARC / "twarc2-noflat.jsonl").read_text().splitlines()[0])
    tweet = next(t for t in page["data"] if t.get("entities", {}).get("mentions"))
    posts = twitter_v2.read(TWARC / "twarc2-noflat.jsonl", "MEX", "foreign_ministry")
    row = posts.set_index("post_id").loc[tweet["id"]]
    ids = {u["username"].lower(): u["id"] for u in page["includes"]["users"]}
    names = [m["username"].lower() for m in tweet["entities"]["mentions"]]
    assert row["mentions"] == [ids.get(n, n) for n in names]


def test_repeated_replies_in_one_conversation_are_dialogue():
    coded = code_posts(twitter_v2.read(TWARC / "twarc2-withheld.jsonl", "IND", "government"))
    dialogue = coded[coded["kind"] == "dialogue"]
    assert len(dialogue) > 0
    per_conversation = dialogue.groupby(["account_id", "conversation_id"]).size()
    assert (per_conversation >= 2).all()
    levels = account_levels(coded)
    assert levels["posts"].sum() == len(coded)


def _write_lines(path: Path, *objs) -> Path:
    path.write_text("\n".join(o if isinstance(o, str) else json.dumps(o) for o in objs) + "\n")
    return path


TWEET = {
    "id": "11",
    "author_id": "1",
    "created_at": "2019-02-01T10:00:00.000Z",
    "text": "Visita oficial del canciller @minrel",
    "conversation_id": "11",
    "entities": {"mentions": [{"start": 29, "end": 36, "username": "MinRel"}]},
    "public_metrics": {"retweet_count": 3, "reply_count": 1, "like_count": 9, "quote_count": 2},
}


def test_twitter_hand_written_page_and_line_forms(tmp_path):
    reply = {
        **TWEET,
        "id": "12",
        "created_at": "2019-02-01T11:00:00.000Z",
        "in_reply_to_user_id": "2",
        "referenced_tweets": [{"type": "quoted", "id": "9"}, {"type": "replied_to", "id": "8"}],
        "public_metrics": {
            "retweet_count": 0,
            "reply_count": 0,
            "like_count": 1,
            "quote_count": 0,
            "impression_count": 40,
        },
    }
    page = {"data": [TWEET, reply], "includes": {"users": [{"id": "1", "username": "SRE_mx"}]}}
    path = _write_lines(tmp_path / "t.jsonl", page, "", {"errors": [{"title": "Not Found"}]}, TWEET)
    posts = twitter_v2.read(path, "MEX", "foreign_ministry")
    assert_schema(posts)
    assert posts["post_id"].tolist() == ["11", "12"]  # the repeated tweet is kept once
    first, second = posts.iloc[0], posts.iloc[1]
    assert first["account"] == "SRE_mx" and first["mentions"] == ["minrel"]
    assert (first["replies"], first["shares"], first["likes"]) == (1, 5, 9)  # shares: RT + quotes
    assert pd.isna(first["views"]) and second["views"] == 40
    # quoted wins over replied_to; the reply fields are kept
    assert second["kind_ref"] == "quoted" and second["in_reply_to"] == "8"
    assert second["in_reply_to_account_id"] == "2"
    assert code_posts(posts)["kind"].astype(str).tolist() == ["mention", "share"]


def test_twitter_empty_export(tmp_path):
    posts = twitter_v2.read(
        _write_lines(tmp_path / "e.jsonl", {"meta": {"result_count": 0}}), "MEX", "x"
    )
    assert posts.empty and tuple(posts.columns) == POSTS_COLUMNS


@pytest.mark.parametrize(
    ("lines", "where", "field"),
    [
        (['{"data": [', json.dumps(TWEET)], "line 1", None),  # broken JSON
        ([json.dumps([TWEET])], "line 1", None),  # not an object
        ([{"foo": 1}], "line 1", None),  # neither tweet nor page
        ([{"data": "x"}], "line 1", "data"),
        (
            [{"data": [TWEET, {k: v for k, v in TWEET.items() if k != "author_id"}]}],
            "line 1, data[1]",
            "author_id",
        ),
        ([{**TWEET, "text": None}], "line 1", "text"),
        ([TWEET, {**TWEET, "id": "13", "created_at": "yesterday"}], "line 2", "created_at"),
        ([{**TWEET, "created_at": "2019-02-01 10:00:00"}], "line 1", "created_at"),  # no zone
        (
            [{**TWEET, "referenced_tweets": [{"type": "liked", "id": "1"}]}],
            "line 1",
            "referenced_tweets[0].type",
        ),
        (
            [{**TWEET, "referenced_tweets": [{"type": "quoted"}]}],
            "line 1, referenced_tweets[0]",
            "id",
        ),
        ([{**TWEET, "public_metrics": {"like_count": -1}}], "line 1", "public_metrics.like_count"),
        (
            [{**TWEET, "public_metrics": {"like_count": "many"}}],
            "line 1",
            "public_metrics.like_count",
        ),
        (
            [{**TWEET, "entities": {"mentions": [{"start": 1}]}}],
            "line 1",
            "entities.mentions[0].username",
        ),
        ([{"data": [TWEET], "includes": {"users": [{"id": "1"}]}}], "line 1", "includes.users[0]"),
    ],
)
def test_twitter_malformed_records_are_named(tmp_path, lines, where, field):
    path = _write_lines(tmp_path / "bad.jsonl", *lines)
    with pytest.raises(ExportFormatError) as info:
        twitter_v2.read(path, "MEX", "foreign_ministry")
    err = info.value
    assert err.record == where and err.field == field
    assert str(path) in str(err) and where in str(err)


# --------------------------------------------------------------------------- CrowdTangle / MCL


def test_crowdtangle_facebook():
    posts = meta_csv.read(OWN / "crowdtangle_facebook.csv", "MEX", "foreign_ministry")
    assert_schema(posts)
    assert set(posts["platform"]) == {"facebook"} and set(posts["account"]) == {"SRE.mx"}
    assert posts["post_id"].tolist() == [
        "200000000000001",
        "200000000000002",
        "200000000000003",
        "200000000000004",
    ]
    # EST is UTC-5; UTC stays
    assert posts["created_at"].iloc[0] == pd.Timestamp("2019-02-11 23:30:05", tz="UTC")
    assert posts["created_at"].iloc[2] == pd.Timestamp("2019-02-13 20:15:00", tz="UTC")
    assert posts["likes"].iloc[0] == 1204  # "1,204"
    assert pd.isna(posts["replies"].iloc[2])  # empty Comments cell: missing, not 0
    assert pd.isna(posts["views"].iloc[0]) and posts["views"].iloc[2] == 2045  # N/A and "2,045"
    # a link to another page's post is a share; with the page's own words, a quote
    assert posts["kind_ref"].iloc[1] == "retweeted" and posts["kind_ref"].iloc[3] == "quoted"
    assert pd.isna(posts["kind_ref"].iloc[0])  # its own photo is not a share
    assert pd.isna(posts["kind_ref"].iloc[2])  # nor its own video
    coded = code_posts(posts)
    assert coded["kind"].astype(str).tolist() == ["broadcast", "share", "broadcast", "share"]
    assert "consular" in coded["topics"].iloc[2]


def test_crowdtangle_instagram_mentions_from_captions():
    posts = meta_csv.read(OWN / "crowdtangle_instagram.csv", "CHL", "foreign_ministry")
    assert_schema(posts)
    assert set(posts["platform"]) == {"instagram"}
    assert posts["post_id"].tolist() == ["Bs000000001", "Bs000000002"]
    assert posts["mentions"].tolist() == [["cancilleriaperu"], ["minrel_chile"]]
    assert posts["shares"].isna().all() and posts["views"].iloc[1] == 1900
    assert posts["text"].iloc[1].startswith("Becas\n")  # title, then caption
    coded = code_posts(posts)
    # naming another account is a mention; naming itself is not
    assert coded["kind"].astype(str).tolist() == ["mention", "broadcast"]


def test_meta_content_library_needs_platform_and_reads_shares():
    path = OWN / "meta_content_library_facebook.csv"
    with pytest.raises(ExportFormatError, match="platform"):
        meta_csv.read(path, "CHL", "foreign_ministry")
    posts = meta_csv.read(path, "CHL", "foreign_ministry", platform="facebook")
    assert_schema(posts)
    assert posts["account_id"].unique().tolist() == ["800000000000007"]
    assert posts["account"].iloc[0] == "Minrel.Chile"
    assert posts["created_at"].iloc[0] == pd.Timestamp("2024-03-05 14:00", tz="UTC")
    assert posts["kind_ref"].iloc[1] == "retweeted" and pd.isna(posts["kind_ref"].iloc[0])
    assert (posts["replies"].iloc[0], posts["shares"].iloc[0], posts["likes"].iloc[0]) == (
        12,
        30,
        240,
    )
    assert pd.isna(posts["views"].iloc[0]) and posts["views"].iloc[2] == 3400
    assert code_posts(posts)["kind"].astype(str).tolist() == ["broadcast", "share", "broadcast"]


def _edit_csv(src: Path, dst: Path, row: int, column: str, value: str) -> Path:
    frame = pd.read_csv(src, dtype=str, keep_default_na=False)
    frame.loc[row, column] = value
    frame.to_csv(dst, index=False)
    return dst


@pytest.mark.parametrize(
    ("src", "row", "column", "value", "record", "match"),
    [
        ("crowdtangle_facebook.csv", 1, "Likes", "12a", "row 2", "not a count"),
        ("crowdtangle_facebook.csv", 2, "Shares", "-3", "row 3", "not a count"),
        ("crowdtangle_facebook.csv", 0, "URL", "", "row 1", "empty"),
        ("crowdtangle_facebook.csv", 3, "Post Created", "2019-02-14 10:00:00 CST", "row 4", "tz="),
        ("crowdtangle_facebook.csv", 0, "Post Created", "14/02/2019", "row 1", "YYYY-MM-DD"),
        ("crowdtangle_instagram.csv", 1, "Comments", "five", "row 2", "not a count"),
        ("meta_content_library_facebook.csv", 2, "creation_time", "soon", "row 3", "ISO 8601"),
        ("meta_content_library_facebook.csv", 0, "post_owner.id", "", "row 1", "empty"),
    ],
)
def test_meta_csv_malformed_rows_are_named(tmp_path, src, row, column, value, record, match):
    path = _edit_csv(OWN / src, tmp_path / src, row, column, value)
    platform = "facebook" if src.startswith("meta") else None
    with pytest.raises(ExportFormatError, match=match) as info:
        meta_csv.read(path, "MEX", "foreign_ministry", platform=platform)
    assert info.value.record == record and info.value.field == column


def test_meta_csv_zone_given_by_caller_and_wrong_platform(tmp_path):
    path = _edit_csv(
        OWN / "crowdtangle_facebook.csv",
        tmp_path / "f.csv",
        3,
        "Post Created",
        "2019-02-14 10:00:00 CST",
    )
    posts = meta_csv.read(path, "MEX", "foreign_ministry", tz="America/Mexico_City")
    assert posts["created_at"].iloc[3] == pd.Timestamp("2019-02-14 16:00", tz="UTC")
    with pytest.raises(ExportFormatError, match="holds facebook posts"):
        meta_csv.read(
            OWN / "crowdtangle_facebook.csv", "MEX", "foreign_ministry", platform="instagram"
        )


def test_meta_csv_unknown_header(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("date,message,likes\n2019-01-01,hola,3\n")
    with pytest.raises(ExportFormatError) as info:
        meta_csv.read(path, "MEX", "foreign_ministry")
    assert info.value.record == "header" and "lacks" in str(info.value)


# --------------------------------------------------------------------------- YouTube


def test_youtube_videos_list():
    posts = youtube.read(OWN / "youtube_videos_list.json", "MEX", "foreign_ministry")
    assert_schema(posts)
    assert posts["post_id"].tolist() == ["AbCdEfGhI01", "AbCdEfGhI02", "AbCdEfGhI03"]
    assert set(posts["account_id"]) == {"UCfixture0000000000000001"}
    assert set(posts["account"]) == {"SRE México"}
    assert posts["views"].tolist() == [15230, 980, 402]  # strings in the API
    assert pd.isna(posts["likes"].iloc[1])  # likes hidden: missing, not 0
    assert pd.isna(posts["replies"].iloc[2])  # comments off: missing, not 0
    assert posts["shares"].isna().all()
    assert posts["mentions"].tolist() == [[], ["consuladomexny"], []]
    coded = code_posts(posts)
    assert coded["kind"].astype(str).tolist() == ["broadcast", "mention", "broadcast"]
    assert coded["topics"].astype(str).tolist() == [
        "official_activity",
        "consular",
        "environment|migration",
    ]


def test_youtube_json_lines_and_array_of_responses(tmp_path):
    doc = json.loads((OWN / "youtube_videos_list.json").read_text())
    first = {**doc, "items": doc["items"][:2]}
    second = {**doc, "items": doc["items"][1:]}  # overlapping page: video 02 kept once
    lines = _write_lines(tmp_path / "v.jsonl", first, second)
    array = tmp_path / "v.json"
    array.write_text(json.dumps([first, second]))
    expected = youtube.read(OWN / "youtube_videos_list.json", "MEX", "foreign_ministry")
    pd.testing.assert_frame_equal(youtube.read(lines, "MEX", "foreign_ministry"), expected)
    pd.testing.assert_frame_equal(youtube.read(array, "MEX", "foreign_ministry"), expected)


def _youtube_with(tmp_path: Path, change) -> Path:
    doc = json.loads((OWN / "youtube_videos_list.json").read_text())
    change(doc)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize(
    ("change", "record", "field"),
    [
        (lambda d: d.pop("items"), "response", "items"),
        (
            lambda d: d["items"][1]["statistics"].update(viewCount="12k"),
            "response, items[1]",
            "statistics.viewCount",
        ),
        (
            lambda d: d["items"][2]["snippet"].pop("publishedAt"),
            "response, items[2]",
            "snippet.publishedAt",
        ),
        (
            lambda d: d["items"][0]["snippet"].pop("channelId"),
            "response, items[0]",
            "snippet.channelId",
        ),
        (lambda d: d["items"][0].update(kind="youtube#searchResult"), "response, items[0]", "kind"),
        (lambda d: d["items"][0].pop("snippet"), "response, items[0]", "snippet"),
        (lambda d: d["items"][0].update(id={"videoId": "x"}), "response, items[0]", "id"),
    ],
)
def test_youtube_malformed_records_are_named(tmp_path, change, record, field):
    path = _youtube_with(tmp_path, change)
    with pytest.raises(ExportFormatError) as info:
        youtube.read(path, "MEX", "foreign_ministry")
    assert (info.value.record, info.value.field) == (record, field)


def test_youtube_broken_json_lines(tmp_path):
    path = tmp_path / "broken.jsonl"
    path.write_text('{"kind": "youtube#videoListResponse", "items": []}\n{"items": [\n')
    with pytest.raises(ExportFormatError, match="not valid JSON") as info:
        youtube.read(path, "MEX", "foreign_ministry")
    assert info.value.record == "line 2"
