"""Partitions of an archive: each post spilled to its account's partition, answered posts
found across partitions, and each partition coded and written one file per account.
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from analysis.base.errors import DataError, Problem
from analysis.core.archive.inputs import SCHEMA, Piece, batches, to_pandas
from analysis.core.coding import account_levels, code_posts, unresolved_parents
from analysis.data.importers import COUNT_COLUMNS

__all__ = [
    "COMPRESS_SPILL_ABOVE",
    "ORDER",
    "SEP",
    "SPILL_SCHEMA",
    "Coded",
    "Split",
    "code_partition",
    "partition_of",
    "scan",
    "split",
]

ORDER = "_order"  # a post's place in the inputs: (reading task << 32) + row
SEP = "\x1f"  # between platform and account id in an account's key, as code_posts joins keys
_LABEL_CHARS = re.compile(r"[^0-9A-Za-z_-]")
_LABEL_LENGTH = 64
_MAX_SEGMENT = 200  # bytes of one directory name; file systems allow 255
# Parquet dictionary pages for the few-valued columns only: an account's file is small
# enough that the writer would otherwise keep hashing unique texts and ids into one
_DICTIONARY = [
    "role",
    "platform",
    "account_id",
    "account",
    "kind_ref",
    "in_reply_to_account_id",
    "kind",
    "topics",
    "topics_source",
]
#: One partition is coded at a time in a process: the coder keeps the cores busy itself.
CODING = threading.Lock()
SPILL_SCHEMA = SCHEMA.append(pa.field(ORDER, pa.int64()))
#: Above this many posts the spill files are compressed (lz4): less disk, a little slower.
COMPRESS_SPILL_ABOVE = 20_000_000


def _account_key(table: pa.Table) -> pa.Array:
    """Each post's account as one string, platform and id, missing and '' alike (as coded)."""
    platform = pc.fill_null(table["platform"], "")
    account = pc.fill_null(table["account_id"], "")
    return pc.binary_join_element_wise(platform, account, pa.scalar(SEP, pa.large_string()))


def _digest(key: str) -> bytes:
    return hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest()


def partition_of(key: str, partitions: int) -> int:
    return int.from_bytes(_digest(key), "little") % partitions


def _partitions(key: pa.Array, partitions: int) -> tuple[np.ndarray, list[str]]:
    """The partition of each row, and the accounts met (hashing each account once)."""
    if isinstance(key, pa.ChunkedArray):
        key = key.combine_chunks()
    encoded = key.dictionary_encode()
    accounts = encoded.dictionary.to_pylist()
    of = np.array([partition_of(a, partitions) for a in accounts], dtype=np.int32)
    return of[encoded.indices.to_numpy(zero_copy_only=False)], accounts


def _label(text: str) -> str:
    return _LABEL_CHARS.sub("_", text)[:_LABEL_LENGTH] or "_"


def _account_dir(account: str) -> str:
    """``account_key=<platform>-<id>``: readable, and unable to leave its directory."""
    platform, _, account_id = account.partition(SEP)
    return f"account_key={_label(platform)}-{_label(account_id)}"


def _country_dir(country: str | None, path: str) -> str:
    """``country=<code>``, percent-encoded so no value can name another directory.

    ``path`` is the input file, named in the error when a value is too long for a directory.
    """
    segment = "country=" + quote(country or "", safe="")
    if len(segment.encode()) > _MAX_SEGMENT:
        raise DataError(Problem(path, None, "country", f"{country[:40]!r}... is not a country"))
    return segment


@dataclass
class Split:
    """What reading one task left: its rows per partition, the answers to resolve, the accounts."""

    piece: int
    rows: int
    per_partition: np.ndarray
    wanted: pa.Table  # platform, post_id (the answered post), partition (of the reply)
    accounts: list[tuple[int, str]]  # (argument, account key)


def _spill_path(spill: Path, partition: int, piece: int) -> Path:
    return spill / f"{partition:04d}" / f"{piece:06d}.arrow"


def split(
    piece: Piece,
    spill: str,
    partitions: int,
    country: str | None,
    role: str | None,
    platform: str | None,
    compression: str | None,
) -> Split:
    """Read one task's inputs and append each post to its partition's spill file."""
    spill_dir = Path(spill)
    writers: dict[int, ipc.RecordBatchFileWriter] = {}
    per_partition = np.zeros(partitions, dtype=np.int64)
    wanted, accounts, rows = [], set(), 0
    try:
        for src, table in batches(piece, country, role, platform):
            for code in pc.unique(table["country"]).to_pylist():
                _country_dir(code, src.path)  # a value no directory can hold fails here
            n = len(table)
            table = table.append_column(
                ORDER, pa.array((piece.index << 32) + np.arange(rows, rows + n, dtype=np.int64))
            )
            rows += n
            part, met = _partitions(_account_key(table), partitions)
            accounts.update((src.arg, a) for a in met)
            asked = unresolved_parents(
                to_pandas(
                    table.select(["platform", "kind_ref", "in_reply_to", "in_reply_to_account_id"])
                )
            )
            if len(asked):
                wanted.append(
                    pa.table(
                        {
                            "platform": pa.array(asked["platform"].array, pa.large_string()),
                            "post_id": pa.array(asked["post_id"].array, pa.large_string()),
                            "partition": pa.array(part[asked.index.to_numpy()], pa.int32()),
                        }
                    )
                )
            order = np.argsort(part, kind="stable")
            bounds = np.searchsorted(part[order], np.arange(partitions + 1))
            sorted_table = table.take(pa.array(order))
            for p in np.flatnonzero(np.diff(bounds)):
                lo, hi = bounds[p], bounds[p + 1]
                if p not in writers:
                    path = _spill_path(spill_dir, int(p), piece.index)
                    path.parent.mkdir(exist_ok=True)
                    writers[p] = ipc.new_file(
                        path.with_suffix(".tmp"),
                        SPILL_SCHEMA,
                        options=ipc.IpcWriteOptions(compression=compression),
                    )
                writers[p].write_table(sorted_table.slice(lo, hi - lo))
                per_partition[p] += hi - lo
            del sorted_table, table
    finally:
        for w in writers.values():
            w.close()
    for p in writers:  # complete files only: a task run twice rewrites the same names
        tmp = _spill_path(spill_dir, int(p), piece.index).with_suffix(".tmp")
        tmp.replace(tmp.with_suffix(".arrow"))
    wanted_table = (
        pa.concat_tables(wanted).group_by(["platform", "post_id", "partition"]).aggregate([])
        if wanted
        else pa.table(
            {
                "platform": pa.array([], pa.large_string()),
                "post_id": pa.array([], pa.large_string()),
                "partition": pa.array([], pa.int32()),
            }
        )
    )
    pa.default_memory_pool().release_unused()
    return Split(piece.index, rows, per_partition, wanted_table, sorted(accounts))


def _read_spill(spill: Path, partition: int, pieces: Sequence[int], fields=None) -> pa.Table:
    options = ipc.IpcReadOptions(included_fields=fields) if fields is not None else None
    tables = []
    for piece in pieces:  # mapped: only the columns asked for are read from disk
        with pa.memory_map(str(_spill_path(spill, partition, piece))) as f:
            tables.append(ipc.open_file(f, options=options).read_all())
    return pa.concat_tables(tables)


def scan(task: tuple[int, list[int]], spill: str, wanted: pa.Array) -> tuple[pa.Table, int]:
    """The authors of the wanted posts among one reading task's posts (ids only are read).

    Returns the posts found (platform, author, id, place in the inputs) and how many were read.
    """
    piece, partitions = task
    fields = [SPILL_SCHEMA.get_field_index(c) for c in ("platform", "account_id", "post_id", ORDER)]
    found, scanned = [], 0
    for p in partitions:
        t = _read_spill(Path(spill), p, [piece], fields)
        scanned += len(t)
        hit = pc.and_(
            pc.is_in(t["post_id"], value_set=wanted),
            pc.invert(pc.fill_null(pc.equal(t["account_id"], ""), True)),
        )
        t = t.filter(hit)
        if len(t):
            found.append(t.set_column(0, "platform", pc.fill_null(t["platform"], "")))
    schema = pa.schema(
        [SPILL_SCHEMA.field(c) for c in ("platform", "account_id", "post_id", ORDER)]
    )
    return (pa.concat_tables(found) if found else schema.empty_table()), scanned


@dataclass
class Coded:
    """What coding one partition left: its accounts' levels, its posts and files."""

    partition: int
    rows: int
    files: int
    levels: pd.DataFrame
    repeated: int = 0  # copies of posts already met (same platform and post id), left out


def code_partition(
    task: tuple[int, list[int], pd.DataFrame, dict[str, str]],
    spill: str,
    out: str,
    codebook: dict,
    hand_codes: pd.DataFrame | None,
    source: str | None,
    government: pd.DataFrame | None = None,
) -> Coded:
    """Code one partition's posts, level its accounts, write one file per account and country."""
    partition, pieces, parents, sources = task
    # one chunk per column: the coder's regexes and the sort below run faster on it
    table = _read_spill(Path(spill), partition, pieces).combine_chunks()
    table, repeated = _first_copies(table)
    posts = to_pandas(table.drop_columns([ORDER]))
    with CODING:
        coded = code_posts(
            posts, hand_codes, codebook, parent_authors=parents, government=government
        )
        del posts
        levels = account_levels(coded, codebook, source=source or "")
    if source is None:  # the inputs that hold each account's posts
        key = levels["platform"].fillna("") + SEP + levels["account_id"].fillna("")
        levels["source"] = key.map(sources).astype(levels["source"].dtype)
    table = table.append_column("kind", _dictionary(coded["kind"]))
    table = table.append_column("level", pa.array(coded["level"].to_numpy(), pa.int8()))
    topics = coded["topics"].array
    table = table.append_column(
        "topics",
        pa.array(topics.categories.to_numpy(dtype=object), pa.large_string()).take(
            pa.array(topics.codes)
        ),
    )
    table = table.append_column("topics_source", _dictionary(coded["topics_source"]))
    files = _write_accounts(table, Path(out), tuple(coded["kind"].cat.categories))
    rows = len(table)
    del table, coded
    pa.default_memory_pool().release_unused()
    return Coded(partition, rows, files, levels, repeated)


def _first_copies(table: pa.Table) -> tuple[pa.Table, int]:
    """Each post once (platform, post id and author), its first copy in input order.

    A post's copies share its account, so they all fall in its partition: the rule is
    :func:`analysis.data.importers.drop_repeated`'s, applied partition by partition.
    """
    key = pa.table(
        {
            "p": pc.fill_null(table["platform"], ""),
            "i": pc.fill_null(table["post_id"], ""),
            "a": pc.fill_null(table["account_id"], ""),
            "o": table[ORDER],
        }
    )
    first = key.group_by(["p", "i", "a"], use_threads=False).aggregate([("o", "min")])
    if len(first) == len(table):
        return table, 0
    keep = pc.is_in(table[ORDER], value_set=first["o_min"])
    return table.filter(keep), len(table) - len(first)


def _dictionary(series: pd.Series) -> pa.DictionaryArray:
    """A categorical as Arrow with its full category list (the codebook's), not the ones used."""
    cat = series.array
    return pa.DictionaryArray.from_arrays(
        pa.array(cat.codes, pa.int8()),
        pa.array(cat.categories.to_numpy(dtype=object), pa.string()),
    )


def _write_accounts(table: pa.Table, out: Path, kinds: tuple[str, ...]) -> int:
    """One Parquet file per (country, account), rows by time, post id, input order."""
    country = pc.fill_null(table["country"], "")
    account = _account_key(table)
    # a number for each (country, account): sorting numbers is faster than strings, and
    # which file comes first does not matter, only the order of the rows inside each
    group = pc.binary_join_element_wise(country, account, pa.scalar("\x1e", pa.large_string()))
    group = (
        group.combine_chunks() if isinstance(group, pa.ChunkedArray) else group
    ).dictionary_encode()
    order = pc.sort_indices(
        pa.table(
            {
                "g": group.indices,
                "t": table["created_at"],
                "p": table["post_id"],
                "o": table[ORDER],
            }
        ),
        sort_keys=[(k, "ascending", "at_end") for k in "gtpo"],
    )
    sorted_group = group.indices.take(order).to_numpy()
    starts = np.flatnonzero(np.r_[True, sorted_group[1:] != sorted_group[:-1]])
    ends = [*starts[1:], len(sorted_group)]
    # one sorted copy, then slices: a take per account on many-chunked columns is slow
    body = table.drop_columns(["country", ORDER]).take(order)
    body = body.replace_schema_metadata(_pandas_metadata(tuple(body.schema.names), kinds))
    files = 0
    for lo, hi in zip(starts, ends, strict=True) if len(sorted_group) else ():
        first = order[int(lo)].as_py()
        code, key = country[first].as_py(), account[first].as_py()
        folder = out / _country_dir(code, "") / _account_dir(key)  # checked when read
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(
            body.slice(lo, hi - lo),
            folder / f"part-{_digest(key).hex()}.parquet",
            use_dictionary=_DICTIONARY,
        )
        files += 1
    return files


@functools.lru_cache(maxsize=4)
def _pandas_metadata(names: tuple[str, ...], kinds: tuple[str, ...]) -> dict:
    """The pandas metadata of the output files: counts come back as Int64, codes as categories."""
    template = {}
    for name in names:
        if name in COUNT_COLUMNS:
            template[name] = pd.array([], dtype="Int64")
        elif name == "created_at":
            template[name] = pd.Series([], dtype="datetime64[us, UTC]")
        elif name == "mentions":
            template[name] = pd.Series([], dtype=object)
        elif name == "kind":
            template[name] = pd.Categorical([], categories=list(kinds))
        elif name == "topics_source":
            template[name] = pd.Categorical([], categories=["dictionary", "hand"])
        elif name == "level":
            template[name] = pd.Series([], dtype=np.int8)
        else:
            template[name] = pd.array([], dtype="string")
    return pa.Schema.from_pandas(pd.DataFrame(template), preserve_index=False).metadata
