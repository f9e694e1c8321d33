"""Tests of analysis.core.coding (post kinds, topics, account levels) and core.reliability."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from analysis.core.coding import (
    account_levels,
    code_posts,
    judged_levels,
    topic_matrix,
    topic_table,
)
from analysis.core.reliability import reliability
from analysis.data.codebook import load_codebook
from analysis.data.importers import posts_frame

REPO = Path(__file__).resolve().parent.parent
#: The codebook's minimum of an account's own posts for a level.
MIN_POSTS = load_codebook()["level_min_posts"]
T0 = pd.Timestamp("2019-02-01", tz="UTC")


def make(*rows: dict) -> pd.DataFrame:
    """A posts table from partial rows; post ids and times are filled in order."""
    cols: dict[str, list] = {}
    keys = sorted(
        {k for r in rows for k in r} | {"post_id", "created_at", "account_id", "platform"}
    )
    for i, r in enumerate(rows):
        r = {
            "post_id": f"p{i:03d}",
            "created_at": T0 + pd.Timedelta(minutes=i),
            "account_id": "A",
            "platform": "twitter",
            **r,
        }
        for k in keys:
            cols.setdefault(k, []).append(r.get(k))
    return posts_frame(cols)


def kinds(posts: pd.DataFrame, **kw) -> dict[str, str]:
    coded = code_posts(posts, **kw)
    return dict(zip(coded["post_id"], coded["kind"].astype(str), strict=True))


# --------------------------------------------------------------------------- kinds


def test_broadcast_and_levels_from_codebook():
    coded = code_posts(make({"text": "Hoy"}))
    assert coded.loc[0, "kind"] == "broadcast"
    assert coded.loc[0, "level"] == load_codebook()["post_kinds"]["broadcast"]["level"] == 0
    assert list(coded["kind"].cat.categories) == [
        "broadcast",
        "share",
        "mention",
        "internal",
        "reply",
        "dialogue",
    ]


def test_retweet_and_quote_are_shares_whatever_else_they_carry():
    got = kinds(
        make(
            {"kind_ref": "retweeted", "mentions": ["B"]},
            {"kind_ref": "quoted", "mentions": ["B", "C"], "text": "Con @B y @C"},
            # a quote that also answers someone: still a share (decided first)
            {"kind_ref": "quoted", "in_reply_to": "x9", "in_reply_to_account_id": "B"},
        )
    )
    assert set(got.values()) == {"share"}


def test_retweet_of_a_reply_is_a_share():
    # the retweet carries the replied tweet's reference fields; it is still a share
    got = kinds(
        make(
            {
                "kind_ref": "retweeted",
                "in_reply_to": "x1",
                "in_reply_to_account_id": "B",
                "conversation_id": "c1",
            }
        )
    )
    assert got == {"p000": "share"}


def test_mention_counts_other_accounts_only():
    got = kinds(
        make(
            {"mentions": ["B"]},
            {"mentions": ["A"]},  # names itself by id
            {"mentions": ["sre_mx"], "account": "SRE_mx"},  # names itself by handle, other case
            {"mentions": ["sre_mx", "b"], "account": "@SRE_mx"},
            {"mentions": []},
        )
    )
    assert got == {
        "p000": "mention",
        "p001": "broadcast",
        "p002": "broadcast",
        "p003": "mention",
        "p004": "broadcast",
    }


def test_reply_to_another_account_and_dialogue_threshold():
    posts = make(
        {
            "kind_ref": "replied_to",
            "in_reply_to": "x1",
            "in_reply_to_account_id": "B",
            "conversation_id": "c1",
        },
        {
            "kind_ref": "replied_to",
            "in_reply_to": "x2",
            "in_reply_to_account_id": "C",
            "conversation_id": "c1",
        },
        {
            "kind_ref": "replied_to",
            "in_reply_to": "x3",
            "in_reply_to_account_id": "B",
            "conversation_id": "c2",
        },
        # another account's reply in c2 does not make A's single answer a dialogue
        {
            "account_id": "Z",
            "kind_ref": "replied_to",
            "in_reply_to": "x4",
            "in_reply_to_account_id": "B",
            "conversation_id": "c2",
        },
    )
    assert kinds(posts) == {
        "p000": "dialogue",
        "p001": "dialogue",
        "p002": "reply",
        "p003": "reply",
    }
    book = copy.deepcopy(load_codebook())
    book["dialogue_min_replies"] = 3
    assert set(kinds(posts, codebook=book).values()) == {"reply"}


def test_self_thread_is_coded_as_original():
    posts = make(
        {"text": "Hilo 1/3", "conversation_id": "p000"},
        {
            "kind_ref": "replied_to",
            "in_reply_to": "p000",
            "in_reply_to_account_id": "A",
            "conversation_id": "p000",
        },
        {
            "kind_ref": "replied_to",
            "in_reply_to": "p001",
            "in_reply_to_account_id": "A",
            "conversation_id": "p000",
            "mentions": ["B"],
        },
    )
    assert kinds(posts) == {"p000": "broadcast", "p001": "broadcast", "p002": "mention"}


def test_self_replies_do_not_count_towards_dialogue():
    posts = make(
        {
            "kind_ref": "replied_to",
            "in_reply_to": "x1",
            "in_reply_to_account_id": "B",
            "conversation_id": "c1",
        },
        {
            "kind_ref": "replied_to",
            "in_reply_to": "p000",
            "in_reply_to_account_id": "A",
            "conversation_id": "c1",
        },
    )
    assert kinds(posts) == {"p000": "reply", "p001": "broadcast"}


def test_missing_reply_fields():
    posts = make(
        # answered account missing: looked up from the answered post in the table
        {"account_id": "B", "text": "original of B", "conversation_id": "p000"},
        {"kind_ref": "replied_to", "in_reply_to": "p000", "conversation_id": "p000"},
        {
            "kind_ref": "replied_to",
            "in_reply_to": "p001",
            "conversation_id": "p000",
        },  # answers itself
        # parent deleted, author unknown: counts as an answer to another account
        {"kind_ref": "replied_to", "in_reply_to": "gone"},
        # only in_reply_to_account_id given (no reference): still a reply
        {"in_reply_to_account_id": "C"},
        # no conversation ids: each reply alone, never a dialogue
        {"kind_ref": "replied_to", "in_reply_to_account_id": "C"},
        {"kind_ref": "replied_to", "in_reply_to_account_id": "C"},
    )
    got = kinds(posts)
    assert got == {
        "p000": "broadcast",
        "p001": "reply",
        "p002": "broadcast",
        "p003": "reply",
        "p004": "reply",
        "p005": "reply",
        "p006": "reply",
    }


def test_minimal_columns_and_empty_strings():
    frame = pd.DataFrame(
        {"account_id": ["A", "A"], "post_id": ["1", "2"], "kind_ref": ["", "retweeted"]}
    )
    coded = code_posts(frame)
    assert coded["kind"].astype(str).tolist() == ["broadcast", "share"]
    assert coded["topics"].astype(str).tolist() == ["", ""]
    with pytest.raises(ValueError, match="account_id"):
        code_posts(pd.DataFrame({"post_id": ["1"]}))


def test_mentions_as_arrays_after_parquet(tmp_path):
    posts = make({"mentions": ["B"]}, {"mentions": []}, {"mentions": ["A"]})
    posts.to_parquet(tmp_path / "p.parquet")
    again = pd.read_parquet(tmp_path / "p.parquet")
    assert kinds(again) == {"p000": "mention", "p001": "broadcast", "p002": "broadcast"}


def test_mentions_in_other_forms_and_posts_left_untouched():
    posts = make(
        {"mentions": ["B"]},
        {"mentions": []},
        {"mentions": ["A"]},
        {"mentions": [None, "b"]},
        {"mentions": [""]},
    )
    before = posts.copy(deep=True)
    expected = ["mention", "broadcast", "broadcast", "mention", "broadcast"]
    assert list(kinds(posts).values()) == expected
    pd.testing.assert_frame_equal(posts, before)  # code_posts adds to a copy only
    arrow = posts.assign(
        mentions=pd.Series(posts["mentions"].tolist(), dtype=pd.ArrowDtype(pa.list_(pa.string())))
    )
    assert list(kinds(arrow).values()) == expected
    odd = posts.assign(mentions=pd.Series([[7], None, "A", ("A",), np.array(["B"])], dtype=object))
    assert list(kinds(odd).values()) == [
        "mention",
        "broadcast",
        "broadcast",
        "broadcast",
        "mention",
    ]


def test_each_post_by_its_own_author():
    posts = make(
        {
            "account_id": "A",
            "kind_ref": "replied_to",
            "in_reply_to": "x",
            "in_reply_to_account_id": "B",
            "conversation_id": "c",
        },
        {
            "account_id": "B",
            "kind_ref": "replied_to",
            "in_reply_to": "p000",
            "in_reply_to_account_id": "A",
            "conversation_id": "c",
        },
        {
            "account_id": "A",
            "kind_ref": "replied_to",
            "in_reply_to": "p001",
            "in_reply_to_account_id": "B",
            "conversation_id": "c",
        },
    )
    assert kinds(posts) == {"p000": "dialogue", "p001": "reply", "p002": "dialogue"}


# --------------------------------------------------------------------------- topics


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("El canciller se reunió con la delegación de Chile", {"official_activity"}),
        (
            "EL CANCILLER SE REUNIO CON LA DELEGACION",
            {"official_activity"},
        ),  # no accents, upper case
        (
            "The Minister met with the Pacific Alliance",
            {"official_activity", "bilateral_multilateral"},
        ),
        ("Exportaciones e inversiones crecen", {"trade_investment"}),  # prefix keyword exportac*
        ("Becarios del Fondo Chile en la Agenda 2030", {"cooperation"}),
        ("Compromiso con la protección de los océanos y el clima", {"environment"}),
        ("El Acuerdo de París", {"environment", "bilateral_multilateral"}),  # several topics
        ("Artesanía local", set()),  # 'arte' is a whole word, not a prefix
        ("El ministro leyó el discurso", {"official_activity"}),  # 'ley' does not match 'leyó'
        ("Nueva ley de migración", {"institutional_communication", "migration"}),
        ("¿Viaje oficial?", {"official_activity"}),  # Spanish punctuation is a word boundary
        ("", set()),
    ],
)
def test_topic_dictionary(text, expected):
    matrix = topic_matrix([text])
    assert set(matrix.columns[matrix.iloc[0].to_numpy()]) == expected


def test_topics_column_in_codebook_order_and_hand_codes_override():
    posts = make(
        {"text": "Turismo y comunicado oficial"},
        {"text": "Cumbre bilateral"},
        {"text": "Sin tema"},
        {"text": "Cumbre"},
    )
    coded = code_posts(posts)
    assert coded["topics"].astype(str).tolist() == [
        "tourism_culture|institutional_communication",
        "bilateral_multilateral",
        "",
        "bilateral_multilateral",
    ]
    hand = pd.DataFrame(
        {
            "post_id": ["p001", "p002", "p002", "p003"],
            "topic": ["consular", "migration", "foreign_policy", None],
        }
    )
    coded = code_posts(posts, hand_codes=hand)
    assert coded["topics"].astype(str).tolist() == [
        "tourism_culture|institutional_communication",
        "consular",
        "migration|foreign_policy",
        "",  # hand-coded as no topic
    ]
    assert coded["topics_source"].astype(str).tolist() == ["dictionary", "hand", "hand", "hand"]
    long = topic_table(coded)
    assert long.groupby("post_id")["topic"].apply(list).to_dict() == {
        "p000": ["tourism_culture", "institutional_communication"],
        "p001": ["consular"],
        "p002": ["migration", "foreign_policy"],
    }
    with pytest.raises(ValueError, match="not in the codebook"):
        code_posts(posts, hand_codes=pd.DataFrame({"post_id": ["p000"], "topic": ["sports"]}))


def test_every_topic_of_agenda_csv_is_in_the_dictionary():
    book = load_codebook()
    agenda = pd.read_csv(REPO / "data" / "raw" / "agenda.csv")
    assert set(agenda["topic"]) <= set(book["topics"])
    for topic, entry in book["topics"].items():
        assert entry["keywords"]["en"] and entry["keywords"]["es"], topic


# --------------------------------------------------------------------------- inside government

#: The accounts of MEX in accounts.csv form: any of them answered is the government.
GOVERNMENT = pd.DataFrame(
    {
        "country": ["MEX", "MEX", "MEX", "CHL"],
        "platform": ["twitter", "bluesky", "mastodon", "twitter"],
        "handle": ["@SRE_mx", "sre.gob.mx", "@SRE@Mastodon.Social", "@Minrel_Chile"],
    }
)


def _answer(post_id: str, to: str | None, to_id: str = "other", **extra) -> dict:
    return {
        "post_id": post_id,
        "country": "MEX",
        "platform": "twitter",
        "kind_ref": "replied_to",
        "in_reply_to": "p-" + post_id,
        "in_reply_to_account_id": to_id,
        "in_reply_to_account": to,
        "conversation_id": "c-" + post_id,
        **extra,
    }


def test_an_answer_to_the_countrys_own_account_is_internal_not_the_public():
    got = kinds(
        make(
            _answer("gov", "sre_MX"),  # the handle as the export spells it
            _answer("public", "someone"),
            _answer("bsky", None, "SRE.gob.mx", platform="bluesky"),  # matched by id
            _answer("masto", "sre@mastodon.social", platform="mastodon"),
            _answer("other_country", "minrel_chile"),  # Chile's account: the public for Mexico
            _answer("other_platform", "sre.gob.mx"),  # a Bluesky handle, on X
            {"post_id": "own", "kind_ref": "replied_to", "in_reply_to_account_id": "A"},
        ),
        government=GOVERNMENT,
    )
    assert got == {
        "gov": "internal",
        "public": "reply",
        "bsky": "internal",
        "masto": "internal",
        "other_country": "reply",
        "other_platform": "reply",
        "own": "broadcast",  # the account's own thread goes on
    }
    coded = code_posts(make(_answer("gov", "@SRE_mx")), government=GOVERNMENT)
    assert coded["level"].tolist() == [load_codebook()["post_kinds"]["internal"]["level"]]


def test_without_the_countrys_handles_no_answer_is_internal():
    posts = make(_answer("gov", "SRE_mx"))
    assert kinds(posts) == {"gov": "reply"}
    assert kinds(posts, government=GOVERNMENT.iloc[0:0]) == {"gov": "reply"}
    with pytest.raises(ValueError, match="accounts.csv"):
        code_posts(posts, government=GOVERNMENT.drop(columns="handle"))


def test_internal_answers_are_neither_dialogue_nor_the_reply_share():
    # two answers in one conversation: one to the public, one inside government
    posts = make(
        _answer("a", "SRE_mx", conversation_id="c1"), _answer("b", "x", conversation_id="c1")
    )
    assert kinds(posts, government=GOVERNMENT) == {"a": "internal", "b": "reply"}
    assert kinds(posts) == {"a": "dialogue", "b": "dialogue"}
    levels = account_levels(code_posts(posts, government=GOVERNMENT)).iloc[0]
    assert (levels["n_internal"], levels["n_reply"], levels["reply_share"]) == (1, 1, 0.5)


# --------------------------------------------------------------------------- account levels


def _account(n_posts: int, n_replies: int, account: str = "A", **extra) -> list[dict]:
    rows = []
    for i in range(n_posts):
        row = {
            "account_id": account,
            "post_id": f"{account}{i}",
            "conversation_id": f"{account}-c{i}",
            **extra,
        }
        if i < n_replies:
            row.update(kind_ref="replied_to", in_reply_to=f"x{i}", in_reply_to_account_id="public")
        rows.append(row)
    return rows


def _boundaries() -> list[tuple[int, int, str]]:
    """(posts, replies, level) at each threshold of the codebook, on both sides of it.

    Computed from ``account_levels`` (never typed here), so a threshold changed in the
    codebook is tested where it is: the first share at or above it gets its level (the bound
    is inclusive), one reply fewer the level below.
    """
    import math

    levels = load_codebook()["account_levels"]
    names = list(levels)
    cases = []
    for posts in (1000, 150):  # 150: the same bounds through another rounding
        for below, name in zip(names, names[1:], strict=False):
            replies = math.ceil(round(levels[name]["min_share"] * posts, 9))
            cases += [(posts, replies, name), (posts, replies - 1, below)]
    # the codebook's minimum of the account's own posts: at it a level, one post fewer none
    return cases + [
        (100, 0, names[0]),
        (MIN_POSTS, MIN_POSTS, names[-1]),
        (MIN_POSTS - 1, MIN_POSTS - 1, None),
    ]


@pytest.mark.parametrize(("posts", "replies", "level"), _boundaries())
def test_account_level_boundaries(posts, replies, level):
    levels = account_levels(code_posts(make(*_account(posts, replies))))
    assert len(levels) == 1
    row = levels.iloc[0]
    assert row["level"] == level if level else pd.isna(row["level"])
    assert row["reply_share"] == pytest.approx(replies / posts)
    assert row["n_reply"] + row["n_dialogue"] == replies and row["posts"] == posts
    assert row["method"] == "measured"


def test_levels_follow_the_codebook_thresholds():
    book = copy.deepcopy(load_codebook())
    book["account_levels"]["low"]["min_share"] = 0.05
    levels = account_levels(code_posts(make(*_account(100, 2)), codebook=book), codebook=book)
    assert levels.iloc[0]["level"] == "none"


def test_rates_skip_missing_counts():
    posts = make(
        {"replies": 2, "shares": 4, "likes": 10},
        {"replies": None, "shares": 0, "likes": None},
        {"replies": 4, "shares": None, "likes": 20},
        {"account_id": "B"},
    )
    levels = account_levels(code_posts(posts)).set_index("account_id")
    a, b = levels.loc["A"], levels.loc["B"]
    assert (a["conversation_rate"], a["amplification_rate"], a["applause_rate"]) == (3.0, 2.0, 15.0)
    assert (a["replies_missing"], a["shares_missing"], a["likes_missing"]) == (1, 1, 1)
    assert np.isnan(b["applause_rate"]) and b["likes_missing"] == 1


def test_a_level_needs_the_codebook_minimum_of_posts():
    """One post that answers someone is not a 'high' account (codebook level_min_posts)."""
    book = load_codebook()
    assert MIN_POSTS * book["account_levels"]["low"]["min_share"] >= 1  # one post <= 2%
    one = account_levels(code_posts(make(*_account(1, 1)))).iloc[0]
    assert pd.isna(one["level"]) and one["reply_share"] == 1.0
    assert one["evidence"] == f"1 posts, fewer than the {MIN_POSTS} a level needs"
    book = copy.deepcopy(book)
    book["level_min_posts"] = 1
    assert account_levels(code_posts(make(*_account(1, 1))), book).iloc[0]["level"] == "high"


def test_accounts_are_kept_apart_by_country_role_platform():
    rows = _account(MIN_POSTS, 25, country="MEX", role="foreign_ministry") + [
        {**r, "post_id": "x" + r["post_id"]}
        for r in _account(MIN_POSTS, 0, country="CHL", role="foreign_ministry")
    ]
    levels = account_levels(code_posts(make(*rows)))
    assert levels[["country", "level"]].astype(str).values.tolist() == [
        ["CHL", "none"],
        ["MEX", "high"],
    ]


def test_judged_levels_share_the_layout_and_say_judged(article_data):
    interaction = pd.read_csv(article_data / "interaction.csv", dtype=str)
    judged = judged_levels(interaction)
    measured = account_levels(code_posts(make(*_account(3, 1))))
    assert list(judged.columns) == list(measured.columns)
    assert set(judged["method"]) == {"judged"}
    assert set(judged["country"]) == {"MEX", "CHL"} and set(judged["level"].astype(str)) == {"none"}
    assert judged["reply_share"].isna().all() and judged["posts"].isna().all()
    both = pd.concat([measured, judged], ignore_index=True)
    assert both["level"].cat.ordered and list(both["level"].cat.categories) == [
        "none",
        "low",
        "moderate",
        "high",
    ]
    with pytest.raises(ValueError, match="not in the codebook"):
        judged_levels(interaction.assign(level="medium"))


# --------------------------------------------------------------------------- reliability


def _long(matrix: list[list], coders="ABCD") -> pd.DataFrame:
    rows = [
        {"unit": u + 1, "coder": coders[c], "code": v}
        for c, values in enumerate(matrix)
        for u, v in enumerate(values)
        if v is not None
    ]
    return pd.DataFrame(rows)


# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", University of
# Pennsylvania: 4 observers, 12 units, missing data. Published: nominal 0.743 (section C),
# ordinal 0.815 (section D).
K2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]
# Wikipedia, "Krippendorff's alpha", "A computational example": 3 coders, 15 units, nominal 0.691.
WIKIPEDIA = [
    [None, None, None, None, None, 3, 4, 1, 2, 1, 1, 3, 3, None, 3],
    [1, None, 2, 1, 3, 3, 4, 3, None, None, None, None, None, None, None],
    [None, None, 2, 1, 3, 4, 4, None, 2, 1, 1, 3, 3, None, 4],
]


def test_alpha_matches_krippendorff_2011():
    nominal = reliability(_long(K2011), "nominal", n_boot=200)
    assert nominal.alpha == pytest.approx(0.743, abs=5e-4)
    assert (nominal.n_units, nominal.n_coders, nominal.n_pairable) == (12, 4, 40)
    ordinal = reliability(_long(K2011), "ordinal", n_boot=200)
    assert ordinal.alpha == pytest.approx(0.815, abs=5e-4)


def test_alpha_matches_wikipedia_example_with_text_codes():
    labels = {1: "consular", 2: "cooperation", 3: "migration", 4: "environment"}
    matrix = [[labels.get(v) for v in row] for row in WIKIPEDIA]
    result = reliability(_long(matrix, "ABC"), "nominal", n_boot=200)
    assert result.alpha == pytest.approx(0.691, abs=5e-4)


def test_ordinal_levels_use_the_codebook_order():
    names = ["none", "low", "moderate", "high"]
    matrix = [[names[v - 1] if v is not None and v <= 4 else None for v in row] for row in K2011]
    numeric = [[v if v is not None and v <= 4 else None for v in row] for row in K2011]
    by_name = reliability(_long(matrix), "ordinal", n_boot=50)
    by_number = reliability(_long(numeric), "ordinal", n_boot=50)
    assert by_name.alpha == pytest.approx(by_number.alpha)
    # a wrong order changes the ordinal alpha: the order is used, not the labels' sort
    shuffled = reliability(
        _long(matrix), "ordinal", order=["low", "none", "high", "moderate"], n_boot=50
    )
    assert shuffled.alpha != pytest.approx(by_name.alpha)


def test_bootstrap_interval_is_seeded_and_brackets_alpha():
    a = reliability(_long(K2011), "nominal", n_boot=500, seed=7)
    b = reliability(_long(K2011), "nominal", n_boot=500, seed=7)
    assert a == b
    assert a.ci_low < a.alpha < a.ci_high
    thresholds = load_codebook()["reliability"]  # the codebook's, not typed here
    expected = (
        "acceptable"
        if a.alpha >= thresholds["acceptable"]
        else "tentative"
        if a.alpha >= thresholds["tentative"]
        else "unacceptable"
    )
    assert a.interpretation == expected
    assert 0 < a.p_below_acceptable <= 1
    frame = a.to_frame()
    assert list(frame.columns[:3]) == ["alpha", "ci_low", "ci_high"] and len(frame) == 1


def test_interpretation_against_codebook_thresholds():
    perfect = _long([[1, 2, 1, 2, 1], [1, 2, 1, 2, 1]], "AB")
    assert reliability(perfect, n_boot=50).interpretation == "acceptable"
    book = copy.deepcopy(load_codebook())
    book["reliability"]["acceptable"] = 0.9
    book["reliability"]["tentative"] = 0.7
    assert reliability(_long(K2011), n_boot=50, codebook=book).interpretation == "tentative"


def test_reliability_rejects_bad_input():
    with pytest.raises(ValueError, match="more than once"):
        reliability(pd.DataFrame({"unit": [1, 1, 1], "coder": ["A", "A", "B"], "code": [1, 2, 1]}))
    with pytest.raises(ValueError, match="two or more coders"):
        reliability(pd.DataFrame({"unit": [1, 2], "coder": ["A", "B"], "code": [1, 2]}))
    with pytest.raises(ValueError, match="order"):
        reliability(
            pd.DataFrame({"unit": [1, 1], "coder": ["A", "B"], "code": ["x", "y"]}), "ordinal"
        )


def test_no_level_where_the_export_records_no_replies():
    """Meta and YouTube exports hold the account's posts, not its answers: rates, no level."""
    from analysis.data.importers import meta_csv

    path = Path(__file__).parent / "fixtures" / "importers" / "crowdtangle_facebook.csv"
    posts = meta_csv.read(path, country="MEX", role="foreign_ministry")
    levels = account_levels(code_posts(posts))
    assert levels["reply_share"].isna().all() and levels["level"].isna().all()
    assert levels["conversation_rate"].notna().any()
    assert (levels["evidence"] == "the export does not record the account's replies").all()
