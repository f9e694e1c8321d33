"""Tests of the YouTube channels and comment-thread readers: real, constructed and bad responses.

Real responses are the test data of python-youtube (MIT; tests/fixtures/youtube/README.md);
``constructed_comment_threads.json`` is built from the documented resource format, for
the case the real files lack: the channel answering its public.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import FIXTURES
from test_importers import assert_schema

from analysis.core.coding import account_levels, code_posts
from analysis.data.codebook import load_codebook
from analysis.data.importers import (
    ExportFormatError,
    empty_posts,
    youtube,
    youtube_channels,
    youtube_comments,
)

YT = FIXTURES / "youtube"
CHANNEL = (
    "UCfixture0000000000000001"  # the constructed threads' channel, as in youtube_videos_list.json
)


#: A channel whose comment threads are exported beside its videos (exports.measured_accounts).
MEASURED = [("MEX", "foreign_ministry", "youtube"), ("USA", "government", "youtube")]
#: The codebook with a level from any number of posts: these fixtures hold a few posts each.
ANY_COUNT = {**load_codebook(), "level_min_posts": 1}


# --------------------------------------------------------------------------- channels.list


def test_channels_list_real_response():
    channels = youtube_channels.read(YT / "channels_info_multiple.json")
    assert tuple(channels.columns) == youtube_channels.COLUMNS
    assert channels["channel_id"].tolist() == [
        "UCK8sQmJBp8GCxrOtXWBpyEA",
        "UC_x5XG1OV2P6uZZ5FSM9Ttw",
    ]
    dev = channels.set_index("channel_id").loc["UC_x5XG1OV2P6uZZ5FSM9Ttw"]
    assert dev["created"] == "2007-08-23"  # publishedAt 2007-08-23T00:34:43Z: the day it opened
    assert (dev["followers"], dev["posts"], dev["views"]) == (2260000, 5652, 208790084)
    assert dev["handle"] == "@googledevelopers" and dev["uploads"] == "UU_x5XG1OV2P6uZZ5FSM9Ttw"


def test_channels_list_older_response_without_content_details():
    channels = youtube_channels.read(YT / "channel_info_single.json")
    assert channels.iloc[0]["followers"] == 1927873 and pd.isna(channels.iloc[0]["uploads"])
    assert channels.iloc[0]["created"] == "2007-08-23"  # fractional seconds in publishedAt


def test_hidden_subscribers_are_missing_not_zero(tmp_path):
    doc = json.loads((YT / "channel_info_single.json").read_text())
    doc["items"][0]["statistics"].update(hiddenSubscriberCount=True, subscriberCount="0")
    path = tmp_path / "hidden.json"
    path.write_text(json.dumps(doc))
    channels = youtube_channels.read(path)
    assert pd.isna(channels.iloc[0]["followers"]) and channels.iloc[0]["views"] == 160361638


def test_channels_json_lines_and_empty(tmp_path):
    lines = tmp_path / "c.jsonl"
    lines.write_text(
        (YT / "channels_info_multiple.json").read_text()
        + "\n"
        + json.dumps(json.loads((YT / "channel_info_single.json").read_text()))
        + "\n"
    )
    channels = youtube_channels.read(lines)
    assert len(channels) == 2  # the channel given twice is kept once, the last reading
    assert channels.set_index("channel_id").loc["UC_x5XG1OV2P6uZZ5FSM9Ttw", "followers"] == 1927873
    empty = tmp_path / "e.json"
    empty.write_text('{"kind": "youtube#channelListResponse", "items": []}')
    assert youtube_channels.read(empty).empty


@pytest.mark.parametrize(
    ("change", "record", "field"),
    [
        (lambda d: d.update(kind="youtube#videoListResponse"), "response", "kind"),
        (lambda d: d["items"][1].pop("id"), "response, items[1]", "id"),
        (
            lambda d: d["items"][0]["snippet"].pop("publishedAt"),
            "response, items[0]",
            "snippet.publishedAt",
        ),
        (
            lambda d: d["items"][0]["statistics"].update(videoCount="-1"),
            "response, items[0]",
            "statistics.videoCount",
        ),
        (
            lambda d: d["items"][0]["statistics"].update(hiddenSubscriberCount="no"),
            "response, items[0]",
            "statistics.hiddenSubscriberCount",
        ),
        (
            lambda d: d["items"][1]["snippet"].update(publishedAt="2007-08-23 00:34"),
            "response, items[1]",
            "snippet.publishedAt",
        ),
    ],
)
def test_channels_malformed_records_are_named(tmp_path, change, record, field):
    doc = json.loads((YT / "channels_info_multiple.json").read_text())
    change(doc)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(ExportFormatError) as info:
        youtube_channels.read(path)
    assert (info.value.record, info.value.field) == (record, field)
    assert str(path) in str(info.value)


# --------------------------------------------------------------------------- commentThreads.list


def test_real_threads_without_an_answer_give_no_posts():
    # Google Developers' threads: the public speaks, the channel does not answer
    posts = youtube_comments.read(YT / "comment_threads_by_channel.json", "USA", "government")
    pd.testing.assert_frame_equal(posts, empty_posts())


def test_replies_from_comments_list_join_their_thread(tmp_path):
    """comments.list pages (parentId) saved after the threads attach to them, once each."""
    path = tmp_path / "threads.jsonl"
    pages = [
        "comment_threads_all_to_me.json",
        "comments_by_parent_paged_1.json",
        "comments_by_parent_paged_2.json",
        "comments_by_parent_paged_1.json",  # a page saved twice: its replies count once
    ]
    path.write_text("".join(json.dumps(json.loads((YT / p).read_text())) + "\n" for p in pages))
    posts = youtube_comments.read(path, "CHN", "government")
    assert posts.empty  # the replies are the public's (kun liu), not the channel's
    # the same replies answered by the channel become its dialogue
    doc = [json.loads((YT / p).read_text()) for p in pages[:3]]
    for page in doc[1:]:
        for item in page["items"]:
            item["snippet"]["authorChannelId"]["value"] = "UCa-vrCLQHviTOVnEKDOdetQ"
            item["snippet"]["authorDisplayName"] = "channel"
    answered = tmp_path / "answered.json"
    answered.write_text(json.dumps(doc))
    posts = youtube_comments.read(answered, "CHN", "government")
    assert_schema(posts)
    assert len(posts) == 3 and set(posts["conversation_id"]) == {"Ugw5zYU6n9pmIgAZWvN4AaABAg"}
    assert set(posts["in_reply_to_account_id"]) == {"UCNvMBmCASzTNNX8lW3JRMbw"}  # kun liu
    assert set(code_posts(posts)["kind"].astype(str)) == {"dialogue"}


def test_constructed_threads_are_the_channels_answers():
    posts = youtube_comments.read(
        YT / "constructed_comment_threads.json", "MEX", "foreign_ministry"
    )
    assert_schema(posts)
    assert set(posts["account_id"]) == {CHANNEL} and set(posts["platform"]) == {"youtube"}
    # six of the eleven comments are the channel's; the public's five are not its posts
    assert len(posts) == 6
    rows = posts.set_index("post_id")
    a = rows.loc["UgyFixtureA0000000000000AaABAg.r1"]
    assert a["in_reply_to"] == "UgyFixtureA0000000000000AaABAg"
    assert a["in_reply_to_account_id"] == "UCfixturePublic0000000001"
    assert a["conversation_id"] == "UgyFixtureA0000000000000AaABAg" and a["likes"] == 1
    assert a["mentions"] == ["lectora_uno"] and a["kind_ref"] == "replied_to"
    assert pd.isna(a["replies"]) and pd.isna(a["shares"]) and pd.isna(a["views"])
    # in its own pinned thread the channel answers the member of the public who spoke last
    c = rows.loc["UgyFixtureC0000000000000AaABAg.r2"]
    assert c["in_reply_to_account_id"] == "UCfixturePublic0000000003"
    pinned = rows.loc["UgyFixtureC0000000000000AaABAg"]
    assert pd.isna(pinned["in_reply_to"]) and pd.isna(pinned["kind_ref"])
    kinds = code_posts(posts).set_index("post_id")["kind"].astype(str).to_dict()
    assert kinds == {
        "UgyFixtureD0000000000000AaABAg": "broadcast",
        "UgyFixtureA0000000000000AaABAg.r1": "reply",
        "UgyFixtureB0000000000000AaABAg.r1": "dialogue",
        "UgyFixtureB0000000000000AaABAg.r3": "dialogue",
        "UgyFixtureC0000000000000AaABAg": "broadcast",
        "UgyFixtureC0000000000000AaABAg.r2": "reply",
    }


def test_a_channel_talking_to_itself_is_not_answering(tmp_path):
    doc = json.loads((YT / "constructed_comment_threads.json").read_text())
    thread = doc["items"][3]  # the channel's own comment, no replies
    own = json.loads(json.dumps(thread["snippet"]["topLevelComment"]))
    own["id"] += ".r1"
    own["snippet"].update(parentId=thread["id"], publishedAt="2019-02-08T18:00:00Z")
    thread["replies"] = {"comments": [own]}
    path = tmp_path / "self.json"
    path.write_text(json.dumps(doc))
    coded = code_posts(youtube_comments.read(path, "MEX", "foreign_ministry")).set_index("post_id")
    assert coded.loc[own["id"], "in_reply_to_account_id"] == CHANNEL
    assert coded.loc[own["id"], "kind"] == "broadcast"  # continues its own thread


def test_videos_and_comment_threads_give_a_measured_level():
    videos = youtube.read(
        FIXTURES / "importers" / "youtube_videos_list.json", "MEX", "foreign_ministry"
    )
    comments = youtube_comments.read(
        YT / "constructed_comment_threads.json", "MEX", "foreign_ministry"
    )
    coded = code_posts(pd.concat([videos, comments], ignore_index=True))
    # nine posts are fewer than a level needs (codebook level_min_posts): the share stays
    few = account_levels(coded, measured=MEASURED).iloc[0]
    assert few["reply_share"] == pytest.approx(4 / 9) and pd.isna(few["level"])
    assert few["evidence"].startswith("9 posts, fewer than")
    levels = account_levels(coded, ANY_COUNT, measured=MEASURED)
    assert len(levels) == 1  # one account: the channel's videos and its comments
    row = levels.iloc[0]
    assert (row["posts"], row["n_reply"], row["n_dialogue"]) == (9, 2, 2)
    thresholds = load_codebook()["account_levels"]  # the codebook's levels, not typed here
    level = [k for k, v in thresholds.items() if v["min_share"] <= 4 / 9][-1]
    assert row["reply_share"] == pytest.approx(4 / 9) and row["level"] == level
    assert row["method"] == "measured" and row["evidence"].startswith("4 of 9 posts")
    # without the comment threads the videos say nothing about answering
    alone = account_levels(code_posts(videos), ANY_COUNT, measured=MEASURED).iloc[0]
    assert alone["reply_share"] == 0 and alone["level"] == next(iter(thresholds))
    # without the comment threads listed, YouTube gets rates but no level
    assert pd.isna(account_levels(coded, ANY_COUNT).iloc[0]["level"])


def test_real_channel_with_videos_and_threads_is_measured_none():
    videos = youtube.read(YT / "videos_info_multi.json", "USA", "government")
    comments = youtube_comments.read(YT / "comment_threads_by_channel.json", "USA", "government")
    coded = code_posts(pd.concat([videos, comments], ignore_index=True))
    levels = account_levels(coded, ANY_COUNT, measured=MEASURED).set_index("account_id")
    dev = levels.loc["UC_x5XG1OV2P6uZZ5FSM9Ttw"]
    assert dev["posts"] == 1 and dev["reply_share"] == 0 and dev["level"] == "none"


def _threads_with(tmp_path: Path, change, source: str = "constructed_comment_threads.json") -> Path:
    doc = json.loads((YT / source).read_text())
    change(doc)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    return path


def _top(d, i=0):
    return d["items"][i]["snippet"]["topLevelComment"]


@pytest.mark.parametrize(
    ("change", "record", "field"),
    [
        (lambda d: d.update(kind="youtube#videoListResponse"), "response", "kind"),
        (lambda d: d.pop("items"), "response", "items"),
        (
            lambda d: d["items"][2]["snippet"].pop("channelId"),
            "response, items[2]",
            "snippet.channelId",
        ),
        (lambda d: d["items"][0].pop("id"), "response, items[0]", "id"),
        (
            lambda d: d["items"][1]["snippet"].pop("topLevelComment"),
            "response, items[1]",
            "snippet.topLevelComment",
        ),
        (
            lambda d: _top(d)["snippet"].pop("publishedAt"),
            "response, items[0]",
            "snippet.topLevelComment.snippet.publishedAt",
        ),
        (
            lambda d: d["items"][1]["replies"]["comments"][2]["snippet"].update(likeCount="many"),
            "response, items[1]",
            "replies.comments[2].snippet.likeCount",
        ),
        (
            lambda d: d["items"][1]["replies"]["comments"][0]["snippet"].update(
                publishedAt="yesterday"
            ),
            "response, items[1]",
            "snippet.publishedAt",
        ),
        (
            lambda d: _top(d, 4)["snippet"].update(authorChannelId={"value": 7}),
            "response, items[4]",
            "snippet.topLevelComment.snippet.authorChannelId.value",
        ),
        (
            lambda d: d["items"][1].update(replies={"comments": "x"}),
            "response, items[1]",
            "replies.comments",
        ),
        (lambda d: d["items"][0].update(kind="youtube#video"), "response, items[0]", "kind"),
    ],
)
def test_threads_malformed_records_are_named(tmp_path, change, record, field):
    path = _threads_with(tmp_path, change)
    with pytest.raises(ExportFormatError) as info:
        youtube_comments.read(path, "MEX", "foreign_ministry")
    assert (info.value.record, info.value.field) == (record, field)
    assert str(path) in str(info.value)


def test_threads_requested_by_video_name_the_missing_channel():
    # a real response to commentThreads.list?id=…: the threads do not say whose channel it is
    with pytest.raises(ExportFormatError, match="allThreadsRelatedToChannelId") as info:
        youtube_comments.read(YT / "comment_threads_multi.json", "USA", "government")
    assert (info.value.record, info.value.field) == ("response, items[0]", "snippet.channelId")


def test_a_reply_without_its_thread_is_named(tmp_path):
    path = tmp_path / "orphan.json"
    path.write_text((YT / "comments_by_parent_paged_2.json").read_text())
    with pytest.raises(ExportFormatError, match="not a thread of this file") as info:
        youtube_comments.read(path, "CHN", "government")
    assert (info.value.record, info.value.field) == ("response, items[0]", "snippet.parentId")


def test_threads_broken_json_lines(tmp_path):
    path = tmp_path / "broken.jsonl"
    path.write_text('{"kind": "youtube#commentThreadListResponse", "items": []}\n{"items": [\n')
    with pytest.raises(ExportFormatError, match="not valid JSON") as info:
        youtube_comments.read(path, "MEX", "foreign_ministry")
    assert info.value.record == "line 2"
