"""Tests of analysis.core.archive: the partitioned coder codes as in memory, and writes safely.

The reference is always ``code_posts`` and ``account_levels`` on the whole table in
memory; the archive is coded in several partitions (a small ``rows_per_partition``),
so that answered posts, conversations and duplicates fall across partitions.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import TWARC

from analysis.base.errors import CompendiumError, DataError, UsageError
from analysis.core.archive import LEVELS_FILE, MARKER, code_archive, code_file, read_posts
from analysis.core.coding import account_levels, code_posts, unresolved_parents
from analysis.data.importers import POSTS_COLUMNS, drop_repeated, posts_frame, twitter_v2

CODES = ["kind", "level", "topics", "topics_source"]
KEYS = ["country", "platform", "account_id", "created_at", "post_id"]
T0 = pd.Timestamp("2019-02-01", tz="UTC")

# platform, account id, handle, country, role: the odd ones are there on purpose
ACCOUNTS = [
    ("twitter", str(1000 + i), f"Emb_{i}", ("MEX", "CHL", "ARG")[i % 3], "foreign_ministry")
    for i in range(12)
] + [
    ("twitter", "../../escape", "evil", "../up", "embassy"),  # would leave a naive path
    ("twitter", "a/b\\c:d*?", None, "MEX", "embassy"),
    ("twitter", "Ünïcode ñ", "uni", "CHL", None),
    ("twitter", "", "no_id", "CHL", "embassy"),  # '' and missing ids are one author
    ("twitter", None, "null_id", "CHL", "embassy"),
    ("facebook", "1000", "fb", "MEX", "foreign_ministry"),  # the same id on another platform
    (None, "1001", "noplat", None, ""),  # no platform, no country
    ("twitter", "case", "c1", "ARG", "embassy"),  # labels that differ only by case
    ("twitter", "CASE", "c2", "ARG", "embassy"),
    ("twitter", "2002", "moved", "URY", "embassy"),  # one account in two countries
    ("twitter", "2002", "moved", "PRY", "embassy"),
]
WORDS = (
    "hoy reunión bilateral cumbre comercio inversión becas cultura museo visa pasaporte "
    "consulado migración clima océano the minister visit trade summit scholarship"
).split()


def generate(n: int = 1800, seed: int = 15) -> pd.DataFrame:
    """Posts of many accounts with every case the archive must get right."""
    rng = np.random.default_rng(seed)
    rows: list[dict] = []
    for i in range(n):
        platform, account_id, handle, country, role = ACCOUNTS[rng.integers(len(ACCOUNTS))]
        own = [r for r in rows if r["account_id"] == account_id]
        others = [r for r in rows if r["account_id"] != account_id]
        post_id = f"p{i}"
        if others and rng.random() < 0.03:  # an id seen before, of another account
            post_id = others[rng.integers(len(others))]["post_id"]
        row = {
            "country": country,
            "role": role,
            "platform": platform,
            "account_id": account_id,
            "account": handle,
            "post_id": post_id,
            "created_at": T0 + pd.Timedelta(minutes=int(rng.integers(0, n // 2))),
            "conversation_id": None if rng.random() < 0.05 else f"c{rng.integers(12)}",
            "in_reply_to": None,
            "in_reply_to_account_id": None,
            "kind_ref": rng.choice(
                [None, "retweeted", "quoted", "replied_to"], p=[0.3, 0.1, 0.1, 0.5]
            ),
            "mentions": list(
                rng.choice(
                    [account_id or "x", (handle or "x").upper(), "1003", "someone", ""],
                    rng.integers(0, 3),
                )
            ),
            "replies": None if rng.random() < 0.2 else int(rng.integers(0, 9)),
            "shares": int(rng.integers(0, 9)),
            "likes": int(rng.integers(0, 30)),
            "text": " ".join(rng.choice(WORDS, rng.integers(3, 9))),
        }
        if row["kind_ref"] == "replied_to":
            u = rng.random()
            if u < 0.40:  # a post anywhere in the archive, its author not given
                row["in_reply_to"] = f"p{rng.integers(n)}"
            elif u < 0.55 and own:  # its own thread, author not given
                row["in_reply_to"] = own[rng.integers(len(own))]["post_id"]
            elif u < 0.65:  # a deleted post
                row["in_reply_to"] = f"gone{i}"
            elif u < 0.75:  # an empty author counts as missing
                row["in_reply_to"] = f"p{rng.integers(n)}"
                row["in_reply_to_account_id"] = ""
            else:
                row["in_reply_to"] = f"x{i}"
                row["in_reply_to_account_id"] = rng.choice([account_id or "", "public", "1004"])
        rows.append(row)
    frame = posts_frame({c: [r.get(c) for r in rows] for c in POSTS_COLUMNS if c != "views"})
    return frame.sample(frac=1, random_state=seed).reset_index(drop=True)  # not in time order


@pytest.fixture(scope="module")
def archive_inputs(tmp_path_factory) -> tuple[list[Path], pd.DataFrame]:
    """Three Parquet files (two in a directory, one alone) and the posts they hold, in order."""
    root = tmp_path_factory.mktemp("inputs")
    posts = generate()
    parts = np.array_split(np.arange(len(posts)), 3)
    (root / "dir").mkdir()
    files = [root / "dir" / "posts-0.parquet", root / "dir" / "posts-1.parquet"]
    files.append(root / "posts-2.parquet")
    for rows, path in zip(parts, files, strict=True):
        posts.iloc[rows].to_parquet(path, index=False)
    return [root / "dir", files[2]], posts


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Posts in one order, the identity columns and the codes as comparable strings."""
    out = pd.DataFrame({k: frame[k].astype("string").fillna("") for k in KEYS if k != "created_at"})
    out["created_at"] = frame["created_at"].to_numpy()
    for c in CODES:
        out[c] = frame[c].astype("string").to_numpy()
    return out.sort_values(KEYS, kind="stable").reset_index(drop=True)


def assert_same_coding(out: Path, reference: pd.DataFrame) -> None:
    got = canonical(pd.read_parquet(out))
    want = canonical(reference)
    pd.testing.assert_frame_equal(got, want)


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# --------------------------------------------------------------------------- same as in memory


def test_real_twarc2_exports_code_as_in_memory(tmp_path):
    exports = sorted(TWARC.glob("*.jsonl"))
    everything = pd.concat(
        [twitter_v2.read(p, "MEX", "foreign_ministry") for p in exports], ignore_index=True
    )
    # the flat and the page forms hold the same tweets: each is coded once, the first copy
    posts, repeated = drop_repeated(everything)
    assert len(everything) == 517 and repeated == 100
    coded = code_posts(posts)
    result = code_archive(
        exports,
        tmp_path / "out",
        fmt="twitter_v2",
        country="MEX",
        role="foreign_ministry",
        source="twarc2",
        rows_per_partition=400,  # of the size guessed from the files: several partitions
        progress=False,
    )
    assert result.partitions >= 4 and result.posts == len(posts) == 417
    assert result.repeated == repeated
    assert_same_coding(tmp_path / "out", coded)
    pd.testing.assert_frame_equal(result.levels, account_levels(coded, source="twarc2"))
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out" / LEVELS_FILE), result.levels)


def test_real_twarc2_replies_without_their_authors(tmp_path):
    """The exports name every answered account; without them the archive must look them up."""
    posts, _ = drop_repeated(
        pd.concat(
            [twitter_v2.read(p, "MEX", "foreign_ministry") for p in sorted(TWARC.glob("*.jsonl"))],
            ignore_index=True,
        )
    )
    posts["in_reply_to_account_id"] = pd.NA
    asked = unresolved_parents(posts)
    assert len(asked) == 103 and asked["post_id"].isin(posts["post_id"]).sum() >= 2
    halves = [posts.iloc[: len(posts) // 2], posts.iloc[len(posts) // 2 :]]
    paths = []
    for i, half in enumerate(halves):
        paths.append(tmp_path / f"half-{i}.parquet")
        half.to_parquet(paths[-1], index=False)
    coded = code_posts(posts)
    result = code_archive(
        paths, tmp_path / "out", source="x", rows_per_partition=100, progress=False
    )
    assert result.partitions == 5
    assert_same_coding(tmp_path / "out", coded)
    pd.testing.assert_frame_equal(result.levels, account_levels(coded, source="x"))


def test_generated_archive_codes_as_in_memory(archive_inputs, tmp_path):
    paths, posts = archive_inputs
    hand = pd.DataFrame(  # hand codes win over the dictionary, wherever the post lands
        {
            "post_id": ["p1", "p2", "p3", "p5"],
            "topic": ["tourism_culture", "", "consular", "migration"],
        }
    )
    coded = code_posts(posts, hand_codes=hand)
    assert (coded["topics_source"] == "hand").sum() >= 4
    # the cases are there: replies whose answered post is another account's (found only by
    # looking), the account's own thread, deleted posts, ids seen twice
    asked = unresolved_parents(posts)
    owner = posts.drop_duplicates("post_id").set_index("post_id")["account_id"].fillna("")
    parent_owner = owner.reindex(asked["post_id"]).to_numpy(dtype=object, na_value=None)
    author = posts["account_id"].fillna("").to_numpy(dtype=object)[asked.index]
    found = np.array([o is not None for o in parent_owner])
    assert (found & (parent_owner != author)).sum() > 100
    assert (found & (parent_owner == author)).sum() > 20 and (~found).sum() > 20
    assert posts["post_id"].duplicated().sum() > 20
    assert (coded["kind"] == "dialogue").sum() > 20

    result = code_archive(
        paths, tmp_path / "out", hand_codes=hand, source="gen", rows_per_partition=150
    )
    assert result.partitions > 8 and result.posts == len(posts)
    assert_same_coding(tmp_path / "out", coded)
    pd.testing.assert_frame_equal(result.levels, account_levels(coded, source="gen"))
    # the partitioned result is not what coding each partition alone would give
    alone = code_posts(posts, hand_codes=hand, parent_authors=posts.iloc[:0])
    assert (alone["kind"] != coded["kind"]).sum() > 10


def test_parent_authors_replace_the_table_lookup():
    posts = posts_frame(
        {
            "account_id": ["A", "A", "A"],
            "post_id": ["a1", "a2", "a3"],
            "created_at": [T0, T0, T0],
            "kind_ref": ["replied_to"] * 3,
            "in_reply_to": ["a1", "b1", "c1"],
        }
    )
    # in the table: a1 is A's own post (a thread), b1 and c1 are unknown (answers to others)
    assert code_posts(posts)["kind"].tolist() == ["broadcast", "reply", "reply"]
    parents = pd.DataFrame(
        {
            "platform": [None, None, None, None],
            "post_id": ["b1", "b1", "b1", "a1"],
            "account_id": [None, "A", "B", "Z"],  # the first with an author wins
        }
    )
    kinds = code_posts(posts, parent_authors=parents)["kind"].tolist()
    assert kinds == ["reply", "broadcast", "reply"]
    with pytest.raises(ValueError, match="parent_authors"):
        code_posts(posts, parent_authors=pd.DataFrame({"post_id": []}))


def test_partitions_do_not_change_a_byte(archive_inputs, tmp_path):
    paths, _ = archive_inputs
    a = code_archive(paths, tmp_path / "a", rows_per_partition=150, progress=False)
    b = code_archive(paths, tmp_path / "b", rows_per_partition=10_000, progress=False)
    assert (a.partitions, b.partitions) != (1, 1) and b.partitions == 1
    first = files_of(tmp_path / "a")
    assert first.keys() == files_of(tmp_path / "b").keys()
    a_manifest = json.loads(first.pop(MARKER))
    assert a_manifest["posts"] == a.posts and a_manifest["files"] == a.files
    for name, data in files_of(tmp_path / "b").items():
        if name != MARKER:
            assert data == first[name], name
    # a rerun replaces its own output with the same bytes
    code_archive(paths, tmp_path / "a", rows_per_partition=150, progress=False)
    assert files_of(tmp_path / "a") == {**first, MARKER: files_of(tmp_path / "a")[MARKER]}


@pytest.mark.slow
def test_dask_cluster_writes_the_same_bytes(archive_inputs, tmp_path):
    distributed = pytest.importorskip("distributed")
    paths, _ = archive_inputs
    here = code_archive(paths, tmp_path / "here", rows_per_partition=150, progress=False)
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        there = code_archive(
            paths, tmp_path / "there", dask=client, rows_per_partition=150, progress=False
        )
    assert files_of(tmp_path / "here") == files_of(tmp_path / "there")
    pd.testing.assert_frame_equal(here.levels, there.levels)


@pytest.mark.slow
def test_dask_local_processes_write_the_same_bytes_and_raise_our_errors(archive_inputs, tmp_path):
    paths, _ = archive_inputs
    code_archive(paths, tmp_path / "here", rows_per_partition=150, progress=False)
    code_archive(paths, tmp_path / "there", dask="local", rows_per_partition=150, progress=False)
    assert files_of(tmp_path / "here") == files_of(tmp_path / "there")
    bad = tmp_path / "bad.parquet"
    pd.DataFrame({"account_id": ["a"], "post_id": ["p"], "created_at": ["yesterday"]}).to_parquet(
        bad
    )
    with pytest.raises(DataError) as err:
        code_archive([bad], tmp_path / "never", dask="local", progress=False)
    assert err.value.path == str(bad) and err.value.column == "created_at"


@pytest.mark.slow
def test_tcp_address_that_does_not_answer_is_a_usage_error(archive_inputs, tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    from analysis.core.archive import runner

    monkeypatch.setattr(runner, "CONNECT_TIMEOUT", "2s")
    paths, _ = archive_inputs
    with pytest.raises(UsageError, match="Dask scheduler"):
        code_archive(paths, tmp_path / "out", dask="tcp://127.0.0.1:9", progress=False)
    assert not (tmp_path / "out").exists() and os.listdir(tmp_path) == []


# --------------------------------------------------------------------------- the dataset


def test_partition_values_cannot_leave_the_output(archive_inputs, tmp_path):
    paths, posts = archive_inputs
    out = tmp_path / "out"
    code_archive(paths, out, progress=False)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert files and all(p.resolve().is_relative_to(out.resolve()) for p in files)
    tops = {p.name for p in out.iterdir()}
    assert {LEVELS_FILE, MARKER} <= tops
    assert all(t.startswith("country=") for t in tops - {LEVELS_FILE, MARKER})
    back = pd.read_parquet(out)
    want = posts["country"].fillna("").astype(str)
    assert sorted(back["country"].astype(str)) == sorted(want)
    assert set(back["account_id"].dropna()) == set(posts["account_id"].dropna())
    # one file per account and country; accounts whose labels coincide keep their own
    # (a missing account id and '' are one author, as the coder has it)
    accounts = back.assign(account_id=back["account_id"].fillna(""))
    one = accounts.groupby(["country", "platform", "account_id"], dropna=False, observed=True)
    assert len(list(out.rglob("part-*.parquet"))) == one.ngroups
    assert back["level"].dtype == np.int8 and str(back["replies"].dtype) == "Int64"


def test_default_source_names_the_inputs_of_each_account(archive_inputs, tmp_path):
    paths, _ = archive_inputs
    levels = code_archive(paths, tmp_path / "out", progress=False).levels
    assert set(levels["source"]) <= {str(paths[0]), str(paths[1]), f"{paths[0]}; {paths[1]}"}
    assert (levels["source"] == f"{paths[0]}; {paths[1]}").any()


def test_progress_reports_partitions_and_posts_per_second(archive_inputs, tmp_path):
    paths, posts = archive_inputs
    stream = io.StringIO()
    result = code_archive(paths, tmp_path / "out", rows_per_partition=300, progress=stream)
    lines = stream.getvalue().splitlines()
    done = f"coding: {result.partitions}/{result.partitions} partitions, {len(posts):,} posts, "
    assert any(line.startswith(done) and line.endswith(" posts/s") for line in lines)
    assert any(line.startswith("reading: ") for line in lines)


def test_read_posts_is_the_table_the_archive_codes(archive_inputs):
    paths, posts = archive_inputs
    table = read_posts(paths)
    assert list(table.columns) == list(POSTS_COLUMNS) and len(table) == len(posts)
    pd.testing.assert_series_equal(
        table["post_id"].astype(str), posts["post_id"].astype(str), check_names=False
    )
    same = code_posts(table)["kind"].astype(str).to_numpy()
    assert (same == code_posts(posts)["kind"].astype(str).to_numpy()).all()


def test_an_archive_without_posts_is_an_empty_dataset(tmp_path):
    from analysis.data.importers import empty_posts

    empty = tmp_path / "none.parquet"
    empty_posts().to_parquet(empty, index=False)
    result = code_archive([empty], tmp_path / "out", progress=False)
    assert (result.posts, result.files) == (0, 0) and result.levels.empty
    assert list(result.levels.columns) == list(account_levels(code_posts(empty_posts())).columns)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [LEVELS_FILE, MARKER]


def test_code_file_codes_in_memory_into_one_file(archive_inputs, tmp_path):
    paths, posts = archive_inputs
    out = tmp_path / "coded.parquet"
    result = code_file(paths, out, source="gen")
    coded = code_posts(posts)
    assert result.posts == len(posts) and oct(out.stat().st_mode & 0o777) != "0o600"
    assert_same_coding(out, coded)
    pd.testing.assert_frame_equal(result.levels, account_levels(coded, source="gen"))
    with pytest.raises(UsageError, match="input"):
        code_file([out], out)
    with pytest.raises(UsageError, match="input"):
        code_file(paths, paths[0] / "coded.parquet")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["coded.parquet"]


# --------------------------------------------------------------------------- refusals


def test_refuses_an_output_that_is_or_touches_an_input(archive_inputs, tmp_path):
    paths, _ = archive_inputs
    folder = paths[0]
    before = files_of(folder)
    for out in (folder, folder / "coded", folder.parent):
        with pytest.raises(UsageError, match="input") as err:
            code_archive(paths, out, progress=False)
        assert err.value.path == str(out)
    assert files_of(folder) == before


def test_refuses_a_file_or_a_foreign_directory(archive_inputs, tmp_path):
    paths, _ = archive_inputs
    file = tmp_path / "coded"
    file.write_text("mine")
    with pytest.raises(UsageError, match="not a directory"):
        code_archive(paths, file, progress=False)
    foreign = tmp_path / "thesis"
    foreign.mkdir()
    (foreign / "chapter.md").write_text("keep")
    with pytest.raises(UsageError, match="did not write"):
        code_archive(paths, foreign, progress=False)
    assert file.read_text() == "mine" and (foreign / "chapter.md").read_text() == "keep"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert code_archive(paths, empty, progress=False).files > 0


def test_a_failed_run_leaves_the_previous_output_and_no_debris(archive_inputs, tmp_path):
    paths, _ = archive_inputs
    out = tmp_path / "out"
    code_archive(paths, out, progress=False)
    before = files_of(out)
    bad = tmp_path / "bad.parquet"
    pd.DataFrame({"account_id": ["a"], "post_id": ["p"], "created_at": ["yesterday"]}).to_parquet(
        bad
    )
    with pytest.raises(DataError) as err:
        code_archive([*paths, bad], out, progress=False)
    assert err.value.path == str(bad) and err.value.column == "created_at"
    assert files_of(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.parquet", "out"]


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (lambda d: d / "missing.parquet", UsageError, "no such file"),
        (lambda d: _write(d / "export.jsonl", "{}"), UsageError, "--format"),
        (
            lambda d: _write(d / "empty-dir" / "README.md", "no posts").parent,
            UsageError,
            "no Parquet",
        ),
        (lambda d: _write(d / "fake.parquet", "not parquet"), DataError, "not a Parquet file"),
        (lambda d: _parquet(d / "no-id.parquet", {"account_id": ["a"]}), DataError, "post_id"),
        (
            lambda d: _parquet(
                d / "text-count.parquet", {"post_id": ["p"], "account_id": ["a"], "likes": ["many"]}
            ),
            DataError,
            "likes",
        ),
    ],
)
def test_bad_inputs_name_the_file(tmp_path, make, error, words):
    path = make(tmp_path)
    with pytest.raises(error, match=words) as err:
        code_archive([path], tmp_path / "out", progress=False)
    assert isinstance(err.value, CompendiumError) and str(path) in str(err.value)
    assert not (tmp_path / "out").exists()


def test_meta_export_with_its_platform_codes_as_in_memory(tmp_path):
    from analysis.data.importers import reader

    export = TWARC.parent / "importers" / "crowdtangle_facebook.csv"
    options = {"country": "MEX", "role": "foreign_ministry", "platform": "facebook"}
    posts = reader("meta_csv")(export, **options)
    result = code_archive([export], tmp_path / "out", fmt="meta_csv", source="ct", **options)
    assert_same_coding(tmp_path / "out", code_posts(posts))
    pd.testing.assert_frame_equal(result.levels, account_levels(code_posts(posts), source="ct"))
    assert set(pd.read_parquet(tmp_path / "out")["platform"]) == {"facebook"}


def test_an_export_needs_country_and_role(tmp_path):
    export = sorted(TWARC.glob("*.jsonl"))[0]
    with pytest.raises(UsageError, match="--country and --role"):
        code_archive([export], tmp_path / "out", fmt="twitter_v2", progress=False)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _parquet(path: Path, columns: dict) -> Path:
    pd.DataFrame(columns).to_parquet(path, index=False)
    return path


def test_code_cli_writes_a_dataset_and_refuses_its_input(tmp_path, capsys, article_data):
    from analysis.__main__ import main

    exports = [str(p) for p in sorted(TWARC.glob("*.jsonl"))[:2]]
    data = ["--data-dir", str(article_data)]
    args = [*data, "code", *exports, "--format", "twitter_v2", "--country", "MEX"]
    args += ["--role", "foreign_ministry"]
    assert main([*args, "--out", str(tmp_path / "coded")]) == 0
    assert (tmp_path / "coded" / LEVELS_FILE).is_file()
    # the dataset as input: coded again into a new folder, never into itself
    again = ["code", str(tmp_path / "coded"), "--out", str(tmp_path / "coded" / "x")]
    assert main([*data, *again]) == 2
    assert "inside the input" in capsys.readouterr().err
    assert main([*args, "--out", str(tmp_path / "one.parquet")]) == 0
    one = pd.read_parquet(tmp_path / "one.parquet")
    dataset = pd.read_parquet(tmp_path / "coded")
    assert len(one) == len(dataset)
