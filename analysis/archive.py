"""Coding an archive: many exports or a Parquet dataset, partition by partition, in bounded memory.

:func:`analysis.coding.code_posts` holds a whole table in memory (about 840 MB
a million posts); a panel of every foreign ministry and embassy runs to 10^8
posts. Coding is separable: a post's kind depends only on posts of the same
author (and, for dialogues, of the same conversation of that author), so an
archive can be coded a few accounts at a time, each *partition* holding whole
accounts. :func:`code_archive` does that in three passes over the posts:

1. **split**: every input is read once, in batches, into the posts schema
   (:data:`SCHEMA`), and each post is appended to the spill file of its
   partition: its account (``platform``, ``account_id``) hashed into one of
   *P* partitions, *P* chosen from the size of the inputs so that a partition
   holds about :data:`ROWS_PER_PARTITION` posts. The replies whose answered
   account is missing (:func:`analysis.coding.unresolved_parents`) are noted;
2. **resolve**: their answered post may belong to an account of another
   partition, so a pass over the spill files, reading only the ids, finds the
   authors of just those posts (the first post with an author wins, as in
   memory): no index of every post of the archive is ever built;
3. **code**: each partition is coded by ``code_posts`` with those authors
   (``parent_authors``), its accounts levelled by ``account_levels`` (an
   account never straddles two partitions, so its partition's counts are its
   own), and its posts written, one Parquet file per account and country.

The finished directory then replaces ``out`` in one rename. Peak memory is
bounded by the largest partition (a few hundred MB; more only for a single
account of millions of posts), not by the archive: two partitions are in
memory at a time (:data:`THREADS`), one being coded while the other is read
or written. With ``dask`` the same passes run as tasks on a Dask cluster
(``"local"`` starts one on this machine) and write the same bytes; the
workers read the inputs and write beside ``out`` themselves, so a remote
cluster needs the inputs and ``out`` on a file system it shares.
:func:`code_file` codes in memory into one file, for what fits.

The output, ``out/``::

    country=MEX/account_key=twitter-1234/part-<hash>.parquet   the coded posts of one account
    _account_levels.parquet                                    account_levels, one row an account
    _archive.json                                              what was coded (marks the directory)

The directory names are values made safe for a path: ``country`` is the
country code percent-encoded, which Parquet readers decode (a missing
country comes back as ``''``; the files do not repeat it, as is usual for a
hive partition); ``account_key`` is the platform and account id with every
character outside ``[A-Za-z0-9_-]`` replaced (a label: the files keep the
exact ``platform`` and ``account_id``, and the schema's ``account`` column is
the handle, hence another name); the file name is a hash of the exact
account, so two accounts whose labels coincide never share a file. Files
starting with ``_`` are skipped by Parquet dataset readers, so
``pandas.read_parquet(out)`` returns the coded posts. Rows are sorted by
time, then post id, then input order: a rerun, on any number of partitions,
writes the same bytes.

Example
-------
>>> from analysis.archive import code_archive                        # doctest: +SKIP
>>> result = code_archive(["exports/"], "coded/")                     # doctest: +SKIP
>>> result.levels[["account", "posts", "level"]]                      # doctest: +SKIP
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO
from urllib.parse import quote, unquote

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from analysis.codebook import load_codebook
from analysis.coding import ACCOUNT_KEYS, account_levels, code_posts, unresolved_parents
from analysis.errors import DataError, Problem, UsageError
from analysis.files import pending, replace_dir, umask, write_atomic
from analysis.importers import COUNT_COLUMNS, POSTS_COLUMNS, reader

__all__ = ["ArchiveResult", "LEVELS_FILE", "MARKER", "code_archive", "code_file", "read_posts"]

#: About this many posts go into one partition; the number of partitions follows.
ROWS_PER_PARTITION = 400_000
#: At most this many partitions (each reading task keeps one spill file open per partition,
#: so fewer where the process may open fewer files: see ``_max_partitions``).
MAX_PARTITIONS = 512
#: Tasks run at a time without Dask (each holds one partition in memory); one codes at a time.
THREADS = 2
#: Memory to allow each worker of ``dask="local"`` (so fewer workers than cores on a small machine).
LOCAL_WORKER_MEMORY = 2 * 2**30
#: Rows read and split at a time.
BATCH_ROWS = 131_072
#: Rows of Parquet input per reading task (whole row groups; one export is one task).
PIECE_ROWS = 1_000_000
#: A guess of an export's size per post, to choose the number of partitions before reading.
EXPORT_BYTES_PER_POST = 1_000

#: Written last into ``out``: marks a directory this module may replace.
MARKER = "_archive.json"
#: The account levels, beside the coded posts (the ``_`` keeps dataset readers off it).
LEVELS_FILE = "_account_levels.parquet"

_ORDER = "_order"  # a post's place in the inputs: (reading task << 32) + row
_SEP = "\x1f"  # between platform and account id in an account's key, as code_posts joins keys
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
_CODING = threading.Lock()

#: The posts schema as Arrow types: every input is cast to it before it is split.
SCHEMA = pa.schema(
    [
        (
            name,
            pa.int64()
            if name in COUNT_COLUMNS
            else pa.timestamp("us", tz="UTC")
            if name == "created_at"
            else pa.list_(pa.large_string())
            if name == "mentions"
            else pa.large_string(),
        )
        for name in POSTS_COLUMNS
    ]
)
_SPILL = SCHEMA.append(pa.field(_ORDER, pa.int64()))
#: Above this many posts the spill files are compressed (lz4): less disk, a little slower.
COMPRESS_SPILL_ABOVE = 20_000_000


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class _Source:
    """One input file: where, from which PATH argument, Parquet or an export format."""

    path: str
    arg: int
    fmt: str  # "parquet" or an export format of analysis.importers.FORMATS
    values: tuple[tuple[str, str], ...] = ()  # hive keys of the schema in its directory path
    rows: int = 0  # Parquet: exact; export: a guess
    groups: tuple[int, ...] = ()  # Parquet: the rows of each row group


@dataclass(frozen=True)
class _Piece:
    """A reading task: consecutive files (and row groups) of the inputs, in input order."""

    index: int
    parts: tuple[tuple[_Source, tuple[int, ...] | None], ...]


def _sources(
    paths: Sequence, fmt: str | None, country: str | None = None, role: str | None = None
) -> list[_Source]:
    """Every input file, in the order the paths give them (a directory's Parquet files sorted)."""
    if not paths:
        raise UsageError("no input: give export files, Parquet files or directories of them")
    out = []
    for arg, given in enumerate(paths):
        path = Path(given)
        if path.is_dir():
            files = sorted(
                p.relative_to(path).as_posix()
                for p in path.rglob("*.parquet")
                if p.is_file()
                and not any(part.startswith(("_", ".")) for part in p.relative_to(path).parts)
            )
            if not files:
                raise UsageError("holds no Parquet files", path)
            for rel in files:
                values = tuple(
                    _hive_value(seg)
                    for seg in rel.split("/")[:-1]
                    if "=" in seg and seg.split("=", 1)[0] in POSTS_COLUMNS
                )
                out.append(_parquet_source(path / rel, arg, values))
        elif path.is_file():
            if path.suffix == ".parquet":
                out.append(_parquet_source(path, arg, ()))
            elif fmt is None:
                raise UsageError("is not Parquet: give its export --format", path)
            elif country is None or role is None:
                raise UsageError(
                    "is an export: give the --country and --role of its accounts", path
                )
            else:
                size = path.stat().st_size
                out.append(_Source(str(path), arg, fmt, (), size // EXPORT_BYTES_PER_POST + 1))
        else:
            raise UsageError("no such file or directory", path)
    return out


def _hive_value(segment: str) -> tuple[str, str]:
    key, value = segment.split("=", 1)
    return key, unquote(value)


def _parquet_source(path: Path, arg: int, values: tuple) -> _Source:
    try:
        meta = pq.ParquetFile(path).metadata
        names = set(meta.schema.to_arrow_schema().names)
    except (OSError, pa.ArrowException) as exc:
        raise DataError(Problem(path, None, None, f"not a Parquet file ({exc})")) from None
    have = names | {k for k, _ in values}
    for col in ("account_id", "post_id"):
        if col not in have:
            raise DataError(
                Problem(
                    path, None, col, "missing; posts need it (analysis.importers.POSTS_COLUMNS)"
                )
            )
    groups = tuple(meta.row_group(g).num_rows for g in range(meta.num_row_groups))
    return _Source(str(path), arg, "parquet", values, meta.num_rows, groups)


def _pieces(sources: list[_Source]) -> list[_Piece]:
    """Group the inputs into reading tasks of about PIECE_ROWS rows, keeping their order."""
    pieces: list[list] = []
    rows = PIECE_ROWS
    for src in sources:
        if src.fmt != "parquet":
            pieces.append([(src, None)])  # an export is read whole: a task of its own
            rows = PIECE_ROWS
            continue
        for g, n in enumerate(src.groups):
            if rows >= PIECE_ROWS or (rows + n > PIECE_ROWS and rows > 0):
                pieces.append([])
                rows = 0
            last = pieces[-1]
            if last and last[-1][0] == src:
                last[-1] = (src, (*last[-1][1], g))
            else:
                last.append((src, (g,)))
            rows += n
    return [_Piece(i, tuple(parts)) for i, parts in enumerate(pieces)]


def _batches(
    piece: _Piece, country: str | None, role: str | None, platform: str | None = None
) -> Iterator[tuple[_Source, pa.Table]]:
    """The posts of a reading task, batch by batch, cast to :data:`SCHEMA`, with their file."""
    for src, groups in piece.parts:
        given = dict(src.values)
        for col, value in (("country", country), ("role", role)):
            if value is not None:
                given.setdefault(col, value)
        if src.fmt == "parquet":
            file = pq.ParquetFile(src.path)
            columns = [c for c in file.schema_arrow.names if c in SCHEMA.names]
            for batch in file.iter_batches(
                batch_size=BATCH_ROWS, row_groups=groups, columns=columns
            ):
                yield src, _conform(pa.Table.from_batches([batch]), src.path, given)
        else:
            extra = {"platform": platform} if platform else {}
            posts = reader(src.fmt)(src.path, country=country, role=role, **extra)
            table = pa.Table.from_pandas(posts, preserve_index=False)
            del posts
            table = _conform(table, src.path, given)
            for start in range(0, len(table), BATCH_ROWS):
                yield src, table.slice(start, BATCH_ROWS)


def _conform(table: pa.Table, path: str, given: dict[str, str]) -> pa.Table:
    """A table in :data:`SCHEMA`: known columns cast, missing ones from `given` or null.

    Columns outside the posts schema (e.g. the codes of an earlier run) are left out.
    """
    n = len(table)
    columns = []
    for field in SCHEMA:
        if field.name in table.column_names:
            col = table[field.name]
            if col.type != field.type:
                try:
                    if field.name == "created_at" and not pa.types.is_timestamp(col.type):
                        raise pa.ArrowInvalid(f"{col.type} is not a timestamp")
                    col = col.cast(field.type, safe=field.name != "created_at")
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
                    raise DataError(
                        Problem(path, None, field.name, f"cannot be read as {field.type}: {exc}")
                    ) from None
        elif field.name in given:
            col = pa.array([given[field.name]] * n, type=field.type)
        else:
            col = pa.nulls(n, type=field.type)
        columns.append(col)
    return pa.Table.from_arrays(columns, schema=SCHEMA)


def read_posts(
    paths: Sequence,
    fmt: str | None = None,
    country: str | None = None,
    role: str | None = None,
    platform: str | None = None,
) -> pd.DataFrame:
    """The posts of the inputs as one table in memory: what :func:`code_archive` codes.

    For an archive that fits in memory (or to check the partitioned coder
    against ``code_posts``): the same files in the same order, cast to the
    same schema.

    Parameters
    ----------
    paths
        Export files, Parquet files in the posts schema, or directories of
        Parquet files (read in sorted order; ``key=value`` directories fill
        schema columns a file lacks, as hive-partitioned datasets do).
    fmt, country, role, platform
        The export format and the country and role of the accounts, for inputs
        that are exports (Parquet carries them in its columns; where it lacks
        ``country`` or ``role`` they fill it); ``platform`` where the format
        does not say it (:func:`analysis.importers.reader`).

    Returns
    -------
    pandas.DataFrame
        :data:`analysis.importers.POSTS_COLUMNS`, in input order.
    """
    sources = _sources(paths, fmt, country, role)
    pieces = _pieces(sources)
    tables = [t for piece in pieces for _, t in _batches(piece, country, role, platform)]
    table = pa.concat_tables(tables) if tables else SCHEMA.empty_table()
    # mentions as pandas.read_parquet gives them (arrays): a frame with Arrow list columns
    # is written by to_parquet but not read back by this pandas
    return _to_pandas(table, arrow_lists=False)


def _to_pandas(table: pa.Table, arrow_lists: bool = True) -> pd.DataFrame:
    """Arrow posts as the frame ``code_posts`` reads fastest: Arrow-backed, nothing copied."""

    def dtype(t: pa.DataType):
        if pa.types.is_large_string(t) or pa.types.is_string(t):
            return pd.StringDtype()
        if pa.types.is_int64(t):
            return pd.Int64Dtype()
        if pa.types.is_list(t) and arrow_lists:
            return pd.ArrowDtype(t)
        return None

    return table.to_pandas(types_mapper=dtype)


# --------------------------------------------------------------------------- accounts


def _account_key(table: pa.Table) -> pa.Array:
    """Each post's account as one string, platform and id, missing and '' alike (as coded)."""
    platform = pc.fill_null(table["platform"], "")
    account = pc.fill_null(table["account_id"], "")
    return pc.binary_join_element_wise(platform, account, pa.scalar(_SEP, pa.large_string()))


def _digest(key: str) -> bytes:
    return hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest()


def _partition_of(key: str, partitions: int) -> int:
    return int.from_bytes(_digest(key), "little") % partitions


def _partitions(key: pa.Array, partitions: int) -> tuple[np.ndarray, list[str]]:
    """The partition of each row, and the accounts met (hashing each account once)."""
    if isinstance(key, pa.ChunkedArray):
        key = key.combine_chunks()
    encoded = key.dictionary_encode()
    accounts = encoded.dictionary.to_pylist()
    of = np.array([_partition_of(a, partitions) for a in accounts], dtype=np.int32)
    return of[encoded.indices.to_numpy(zero_copy_only=False)], accounts


def _label(text: str) -> str:
    return _LABEL_CHARS.sub("_", text)[:_LABEL_LENGTH] or "_"


def _account_dir(account: str) -> str:
    """``account_key=<platform>-<id>``: readable, and unable to leave its directory."""
    platform, _, account_id = account.partition(_SEP)
    return f"account_key={_label(platform)}-{_label(account_id)}"


def _country_dir(country: str | None, path: str) -> str:
    """``country=<code>``, percent-encoded so no value can name another directory.

    ``path`` is the input file, named in the error when a value is too long for a directory.
    """
    segment = "country=" + quote(country or "", safe="")
    if len(segment.encode()) > _MAX_SEGMENT:
        raise DataError(Problem(path, None, "country", f"{country[:40]!r}... is not a country"))
    return segment


# --------------------------------------------------------------------------- the three passes


@dataclass
class _Split:
    """What reading one task left: its rows per partition, the answers to resolve, the accounts."""

    piece: int
    rows: int
    per_partition: np.ndarray
    wanted: pa.Table  # platform, post_id (the answered post), partition (of the reply)
    accounts: list[tuple[int, str]]  # (argument, account key)


def _spill_path(spill: Path, partition: int, piece: int) -> Path:
    return spill / f"{partition:04d}" / f"{piece:06d}.arrow"


def _split(
    piece: _Piece,
    spill: str,
    partitions: int,
    country: str | None,
    role: str | None,
    platform: str | None,
    compression: str | None,
) -> _Split:
    """Read one task's inputs and append each post to its partition's spill file."""
    spill_dir = Path(spill)
    writers: dict[int, ipc.RecordBatchFileWriter] = {}
    per_partition = np.zeros(partitions, dtype=np.int64)
    wanted, accounts, rows = [], set(), 0
    try:
        for src, table in _batches(piece, country, role, platform):
            for code in pc.unique(table["country"]).to_pylist():
                _country_dir(code, src.path)  # a value no directory can hold fails here
            n = len(table)
            table = table.append_column(
                _ORDER, pa.array((piece.index << 32) + np.arange(rows, rows + n, dtype=np.int64))
            )
            rows += n
            part, met = _partitions(_account_key(table), partitions)
            accounts.update((src.arg, a) for a in met)
            asked = unresolved_parents(
                _to_pandas(
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
                        _SPILL,
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
    return _Split(piece.index, rows, per_partition, wanted_table, sorted(accounts))


def _read_spill(spill: Path, partition: int, pieces: Sequence[int], fields=None) -> pa.Table:
    options = ipc.IpcReadOptions(included_fields=fields) if fields is not None else None
    tables = []
    for piece in pieces:  # mapped: only the columns asked for are read from disk
        with pa.memory_map(str(_spill_path(spill, partition, piece))) as f:
            tables.append(ipc.open_file(f, options=options).read_all())
    return pa.concat_tables(tables)


def _scan(task: tuple[int, list[int]], spill: str, wanted: pa.Array) -> tuple[pa.Table, int]:
    """The authors of the wanted posts among one reading task's posts (ids only are read).

    Returns the posts found (platform, author, id, place in the inputs) and how many were read.
    """
    piece, partitions = task
    fields = [_SPILL.get_field_index(c) for c in ("platform", "account_id", "post_id", _ORDER)]
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
    schema = pa.schema([_SPILL.field(c) for c in ("platform", "account_id", "post_id", _ORDER)])
    return (pa.concat_tables(found) if found else schema.empty_table()), scanned


@dataclass
class _Coded:
    """What coding one partition left: its accounts' levels, its posts and files."""

    partition: int
    rows: int
    files: int
    levels: pd.DataFrame


def _code(
    task: tuple[int, list[int], pd.DataFrame, dict[str, str]],
    spill: str,
    out: str,
    codebook: dict,
    hand_codes: pd.DataFrame | None,
    source: str | None,
) -> _Coded:
    """Code one partition's posts, level its accounts, write one file per account and country."""
    partition, pieces, parents, sources = task
    # one chunk per column: the coder's regexes and the sort below run faster on it
    table = _read_spill(Path(spill), partition, pieces).combine_chunks()
    posts = _to_pandas(table.drop_columns([_ORDER]))
    with _CODING:
        coded = code_posts(posts, hand_codes, codebook, parent_authors=parents)
        del posts
        levels = account_levels(coded, codebook, source=source or "")
    if source is None:  # the inputs that hold each account's posts
        key = levels["platform"].fillna("") + _SEP + levels["account_id"].fillna("")
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
    return _Coded(partition, rows, files, levels)


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
                "o": table[_ORDER],
            }
        ),
        sort_keys=[(k, "ascending", "at_end") for k in "gtpo"],
    )
    sorted_group = group.indices.take(order).to_numpy()
    starts = np.flatnonzero(np.r_[True, sorted_group[1:] != sorted_group[:-1]])
    ends = [*starts[1:], len(sorted_group)]
    # one sorted copy, then slices: a take per account on many-chunked columns is slow
    body = table.drop_columns(["country", _ORDER]).take(order)
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


# --------------------------------------------------------------------------- running


class _Progress:
    """Partitions done and posts per second on stderr, at most every few seconds.

    On a terminal the line is rewritten in place; elsewhere (a log, CI) nothing
    is written unless the run lasts, and then a line now and again.
    """

    def __init__(self, stream: TextIO | None, every: float, after: float, tty: bool):
        self.stream, self.every, self.after, self.tty = stream, every, after, tty
        self.started = time.monotonic()

    @classmethod
    def choose(cls, progress) -> _Progress:
        if progress is False:
            return cls(None, 0, 0, False)
        stream = sys.stderr if progress is None or progress is True else progress
        tty = bool(getattr(stream, "isatty", lambda: False)())
        if progress is None and not tty:
            return cls(stream, every=30.0, after=30.0, tty=False)
        return cls(stream, every=2.0, after=0.0, tty=tty)

    def phase(self, name: str, total: int, unit: str) -> None:
        self.name, self.total, self.unit = name, total, unit
        self.done = self.posts = 0
        self.phase_started = self.last = time.monotonic()

    def step(self, posts: int) -> None:
        self.done += 1
        self.posts += posts
        now = time.monotonic()
        last = self.done == self.total
        if self.stream is None or now - self.started < self.after:
            return
        if not last and now - self.last < self.every:
            return
        self.last = now
        rate = self.posts / max(now - self.phase_started, 1e-9)
        line = (
            f"{self.name}: {self.done}/{self.total} {self.unit}, "
            f"{self.posts:,} posts, {rate:,.0f} posts/s"
        )
        if self.tty:
            self.stream.write("\r" + line.ljust(78) + ("\n" if last else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


#: How long to wait for a Dask scheduler that does not answer.
CONNECT_TIMEOUT = "20s"


def _connect(dask) -> tuple[object | None, Callable[[], None]]:
    """A Dask client for ``dask`` (None, ``"local"``, an address or a Client), and its closer."""
    if dask is None:
        return None, _no_client
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - dask is a pinned dependency
        raise UsageError("--dask needs the packages dask and distributed") from None
    if not isinstance(dask, str):
        return dask, _no_client  # the caller's client: the caller closes it
    if dask == "local":
        import psutil  # a dependency of distributed

        # a worker a core, each with room for a partition or two (the coder's own
        # threads already use the cores while it matches topics)
        memory = psutil.virtual_memory().total
        cluster = LocalCluster(
            n_workers=max(1, min(os.cpu_count() or 1, memory // LOCAL_WORKER_MEMORY)),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)

        def close() -> None:
            client.close()
            cluster.close()

        return client, close
    try:
        client = Client(dask, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        raise UsageError(f"cannot reach the Dask scheduler {dask!r}: {exc}") from None
    return client, client.close


class _Shared:
    """The arguments every task of a pass shares, sent to each worker once."""

    def __init__(self, kwargs: dict):
        self.kwargs = kwargs


def _call(task, fn: Callable, shared: _Shared):
    return fn(task, **shared.kwargs)


def _run(client, fn: Callable, tasks: list, progress: _Progress, rows: Callable, **shared) -> list:
    """``fn(task, **shared)`` for each task, here or on the cluster; results in task order.

    Here, :data:`THREADS` tasks run at a time, but only one codes (``_CODING``): the
    coder already keeps the cores busy with its own threads, while reading and writing
    Parquet (which release the GIL) can overlap it.
    """
    if client is None:
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            results = []
            for result in pool.map(functools.partial(fn, **shared), tasks):
                results.append(result)
                progress.step(rows(result))
        return results
    from distributed import as_completed

    # the data go to the workers directly, not through the scheduler's task graph
    # (which would also take a plain dict argument for a graph of its own)
    payload = client.scatter(_Shared(shared), broadcast=True, hash=False)
    inputs = client.scatter(tasks, hash=False)
    futures = client.map(_call, inputs, fn=fn, shared=payload, pure=False)
    index = {f.key: i for i, f in enumerate(futures)}
    results: list = [None] * len(tasks)
    try:
        for future, result in as_completed(futures, with_results=True):
            results[index[future.key]] = result
            progress.step(rows(result))
    except BaseException:
        client.cancel(futures)
        raise
    return results


# --------------------------------------------------------------------------- the entry point


@dataclass(frozen=True, eq=False)
class ArchiveResult:
    """What :func:`code_archive` wrote: the dataset directory, its counts, the account levels."""

    out: Path
    posts: int
    partitions: int
    files: int
    levels: pd.DataFrame


def code_archive(
    paths: Sequence,
    out,
    *,
    fmt: str | None = None,
    country: str | None = None,
    role: str | None = None,
    platform: str | None = None,
    dask=None,
    hand_codes: pd.DataFrame | None = None,
    codebook: dict | None = None,
    source: str | None = None,
    rows_per_partition: int = ROWS_PER_PARTITION,
    progress=None,
) -> ArchiveResult:
    """Code every post of an archive partition by partition and write a Parquet dataset.

    The result equals ``code_posts`` and ``account_levels`` on the whole
    archive in memory (:func:`read_posts`), post for post and account for
    account, whichever way it runs.

    Parameters
    ----------
    paths
        Export files (with ``fmt``, ``country``, ``role``), Parquet files in
        the posts schema, or directories of them; read in the order given.
    out
        The dataset directory to write. It must not be, hold, or lie inside an
        input; if it exists it must be empty or written by this function (then
        it is replaced). It is written beside itself and renamed at the end, so
        an interrupted run leaves ``out`` as it was.
    fmt, country, role, platform
        For exports, as :func:`analysis.importers.reader`; for Parquet,
        ``country`` and ``role`` fill the columns where a file lacks them.
    dask
        ``None`` (this process), ``"local"`` (a Dask cluster on this machine,
        one worker a core), a scheduler address (``"tcp://host:8786"``), or a
        ``distributed.Client``. The output is the same bytes whichever.
    hand_codes, codebook
        As for :func:`analysis.coding.code_posts`.
    source
        Written in the levels' ``source`` column; by default, for each account,
        the inputs (as given in ``paths``) that hold its posts.
    rows_per_partition
        About how many posts a partition holds: the memory of one coding step.
    progress
        Where to report progress: ``None`` for stderr (quiet if it is not a
        terminal, unless the run is long), ``False`` for nowhere, or a stream.

    Returns
    -------
    ArchiveResult
        ``out``, the numbers of posts, partitions and files, and the account
        levels (also in ``out/_account_levels.parquet``).

    Raises
    ------
    UsageError
        Bad paths: a missing input, an ``out`` that would overwrite an input or
        a directory this function did not write, an unreachable scheduler.
    DataError, ExportFormatError
        An input that is not in the posts schema or not in its format (naming
        the file and the column or record).
    """
    book = codebook or load_codebook()
    out = Path(out)
    sources = _sources(paths, fmt, country, role)
    _check_out(out, paths)
    pieces = _pieces(sources)
    estimate = sum(s.rows for s in sources)
    wanted = -(-estimate // max(1, rows_per_partition))
    partitions = int(min(_max_partitions(), max(1, wanted)))
    options = {
        "country": country,
        "role": role,
        "platform": platform,
        "compression": "lz4" if estimate > COMPRESS_SPILL_ABOVE else None,
    }
    common = {"codebook": book, "hand_codes": hand_codes, "source": source}

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    with pending(tmp):  # what the command line removes if it is terminated
        close = _no_client
        try:
            tmp.chmod(0o777 & ~umask())  # mkdtemp's are private
            client, close = _connect(dask)
            report = _Progress.choose(progress)
            splits, coded = _passes(client, pieces, paths, partitions, tmp, report, options, common)
            close()
            close = _no_client
            levels = _levels(coded, book, source)
            levels.to_parquet(tmp / LEVELS_FILE, index=False)
            posts = sum(s.rows for s in splits)
            files = sum(c.files for c in coded)
            manifest = {
                "written_by": __name__,
                "inputs": [str(p) for p in paths],
                "posts": int(posts),
                "accounts": len(levels),
                "partitions": partitions,
                "files": files,
            }
            (tmp / MARKER).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
            replace_dir(tmp, out)
        except BaseException:
            close()
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return ArchiveResult(out, int(posts), partitions, files, levels)


def _no_client() -> None:
    return None


def _passes(
    client,
    pieces: list[_Piece],
    paths: Sequence,
    partitions: int,
    tmp: Path,
    report: _Progress,
    options: dict,
    common: dict,
) -> tuple[list[_Split], list[_Coded]]:
    """Split, resolve and code, here or on the cluster; the coded files land in ``tmp``."""
    spill = tmp / "_spill"
    spill.mkdir()
    report.phase("reading", len(pieces), "parts")
    splits: list[_Split] = _run(
        client,
        _split,
        pieces,
        report,
        lambda r: r.rows,
        spill=str(spill),
        partitions=partitions,
        **options,
    )
    parents = _resolve(client, splits, spill, report)

    # for each account, the inputs (as given) that hold its posts: its levels' source
    accounts: dict[str, set[int]] = {}
    for s in splits:
        for arg, key in s.accounts:
            accounts.setdefault(key, set()).add(arg)
    sources: dict[int, dict[str, str]] = {}
    for key, args in accounts.items():
        named = "; ".join(str(paths[a]) for a in sorted(args))
        sources.setdefault(_partition_of(key, partitions), {})[key] = named

    rows = np.sum([s.per_partition for s in splits], axis=0)
    tasks = [
        (
            int(p),
            [s.piece for s in splits if s.per_partition[p]],
            parents.get(int(p), _NO_PARENTS),
            sources.get(int(p), {}),
        )
        for p in np.flatnonzero(rows)
    ]
    report.phase("coding", len(tasks), "partitions")
    coded: list[_Coded] = _run(
        client, _code, tasks, report, lambda r: r.rows, spill=str(spill), out=str(tmp), **common
    )
    shutil.rmtree(spill)
    return splits, coded


def code_file(
    paths: Sequence,
    out,
    *,
    fmt: str | None = None,
    country: str | None = None,
    role: str | None = None,
    platform: str | None = None,
    hand_codes: pd.DataFrame | None = None,
    codebook: dict | None = None,
    source: str | None = None,
) -> ArchiveResult:
    """Code the inputs in memory and write one Parquet file: for what fits in memory.

    The same inputs as :func:`code_archive`, read with :func:`read_posts` and coded
    by ``code_posts`` on the whole table. ``out`` must not be an input nor lie
    inside one; it is written beside itself and renamed. ``source`` defaults to
    the inputs as given, joined by ``'; '``.
    """
    book = codebook or load_codebook()
    out = Path(out)
    target = out.resolve()
    for given in paths:
        path = Path(given).resolve()
        if target == path or target.is_relative_to(path):
            raise UsageError(f"is or lies inside the input {given}; choose another output", out)
    if out.is_dir():
        raise UsageError("is a directory; give a .parquet file, or code an archive into it", out)
    coded = code_posts(read_posts(paths, fmt, country, role, platform), hand_codes, book)
    levels = account_levels(coded, book, source=source or "; ".join(str(p) for p in paths))
    buffer = io.BytesIO()
    coded.to_parquet(buffer, index=False)
    write_atomic(out, buffer.getvalue())
    return ArchiveResult(out, len(coded), 1, 1, levels)


def _max_partitions() -> int:
    """As many partitions as the open-file limit allows the reading tasks, up to the maximum."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, OSError, ValueError):  # not POSIX
        return MAX_PARTITIONS
    if soft == resource.RLIM_INFINITY:
        return MAX_PARTITIONS
    return max(8, min(MAX_PARTITIONS, (soft - 64) // THREADS))


_NO_PARENTS = pd.DataFrame(
    {c: pd.array([], dtype="string") for c in ("platform", "post_id", "account_id")}
)


def _resolve(client, splits: list[_Split], spill: Path, report: _Progress) -> dict:
    """The authors of the answered posts each partition needs, found in one pass over ids."""
    wanted = pa.concat_tables([s.wanted for s in splits])
    if len(wanted) == 0:
        return {}
    ids = pc.unique(wanted["post_id"])
    tasks = [(s.piece, [int(p) for p in np.flatnonzero(s.per_partition)]) for s in splits if s.rows]
    report.phase("resolving", len(tasks), "parts")
    found = _run(client, _scan, tasks, report, lambda r: r[1], spill=str(spill), wanted=ids)
    owners = pa.concat_tables([f for f, _ in found]).to_pandas(types_mapper=_string_type)
    # the first post with an author, in input order, as code_posts' groupby().first()
    owners = owners.sort_values(_ORDER, kind="stable").drop_duplicates(["platform", "post_id"])
    asked = wanted.to_pandas(types_mapper=_string_type).drop_duplicates()
    matched = asked.merge(owners.drop(columns=_ORDER), on=["platform", "post_id"], how="inner")
    return {
        int(p): group.drop(columns="partition").reset_index(drop=True)
        for p, group in matched.groupby("partition", sort=True)
    }


def _string_type(t: pa.DataType):
    return pd.StringDtype() if pa.types.is_large_string(t) or pa.types.is_string(t) else None


def _levels(coded: list[_Coded], book: dict, source: str | None) -> pd.DataFrame:
    """The accounts' levels from the partitions' own, in ``account_levels``' order."""
    frames = [c.levels for c in coded if len(c.levels)]
    if not frames:
        from analysis.importers import empty_posts

        return account_levels(code_posts(empty_posts(), codebook=book), book, source=source or "")
    levels = pd.concat(frames, ignore_index=True)
    return levels.sort_values(
        list(ACCOUNT_KEYS), na_position="last", kind="stable", ignore_index=True
    )


def _check_out(out: Path, paths: Sequence) -> None:
    """Refuse an ``out`` that would overwrite an input or something this module did not write."""
    target = out.resolve()
    for given in paths:
        path = Path(given).resolve()
        if target == path or target.is_relative_to(path) or path.is_relative_to(target):
            raise UsageError(
                f"is, holds or lies inside the input {given}: writing it would lose the input; "
                "choose another output",
                out,
            )
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise UsageError("exists and is not a directory; choose a new output directory", out)
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise UsageError(
            f"is a directory this tool did not write (no {MARKER}); "
            "choose an empty or new output directory",
            out,
        )
