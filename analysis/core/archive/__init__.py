"""Coding an archive: many exports or a Parquet dataset, partition by partition, in bounded memory.

:func:`analysis.core.coding.code_posts` holds a whole table in memory (about 840 MB
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
   account is missing (:func:`analysis.core.coding.unresolved_parents`) are noted;
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
>>> from analysis.core.archive import code_archive                        # doctest: +SKIP
>>> result = code_archive(["exports/"], "coded/")                     # doctest: +SKIP
>>> result.levels[["account", "posts", "level"]]                      # doctest: +SKIP
"""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from analysis.base.errors import UsageError
from analysis.base.files import (
    check_output,
    csv_text,
    has_marker,
    replace_dir,
    temporary_dir,
    write_atomic,
)
from analysis.core.archive.inputs import Piece, input_files, read_posts, reading_tasks
from analysis.core.archive.partitions import (
    COMPRESS_SPILL_ABOVE,
    ORDER,
    Coded,
    Split,
    code_partition,
    partition_of,
    scan,
    split,
)
from analysis.core.archive.runner import THREADS, Progress, connect, no_client, run_tasks
from analysis.core.coding import ACCOUNT_KEYS, account_levels, code_posts
from analysis.data.codebook import load_codebook
from analysis.data.importers import POSTS_COLUMNS, drop_repeated, empty_posts

__all__ = [
    "CODED_COLUMNS",
    "FILE_FORMATS",
    "ArchiveResult",
    "LEVELS_FILE",
    "MARKER",
    "code_archive",
    "code_file",
    "read_posts",
]

#: About this many posts go into one partition; the number of partitions follows.
ROWS_PER_PARTITION = 400_000
#: At most this many partitions (each reading task keeps one spill file open per partition,
#: so fewer where the process may open fewer files: see ``_max_partitions``).
MAX_PARTITIONS = 512
#: Written last into ``out``: marks a directory this module may replace.
MARKER = "_archive.json"
#: The account levels, beside the coded posts (the ``_`` keeps dataset readers off it).
LEVELS_FILE = "_account_levels.parquet"
#: The columns of the coded posts: the posts schema and the codes (data/raw/CODEBOOK.md,
#: "Coded posts").
CODED_COLUMNS: tuple[str, ...] = (*POSTS_COLUMNS, "kind", "level", "topics", "topics_source")
#: The file outputs of :func:`code_file`, by suffix; any other ``out`` is a dataset folder.
FILE_FORMATS = (".parquet", ".csv")
#: The key of the Parquet metadata that marks a file this module wrote.
_SIGNATURE = b"dpd-compendium"


@dataclass(frozen=True, eq=False)
class ArchiveResult:
    """What :func:`code_archive` wrote: the dataset directory, its counts, the account levels."""

    out: Path
    posts: int
    partitions: int
    files: int
    levels: pd.DataFrame
    repeated: int = 0  # posts the inputs repeated (same platform and post id), coded once


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
    government: pd.DataFrame | None = None,
    rows_per_partition: int = ROWS_PER_PARTITION,
    progress=None,
    data_dir=None,
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
        For exports, as :func:`analysis.data.importers.reader`; for Parquet,
        ``country`` and ``role`` fill the columns where a file lacks them.
    dask
        ``None`` (this process), ``"local"`` (a Dask cluster on this machine,
        one worker a core), a scheduler address (``"tcp://host:8786"``), or a
        ``distributed.Client``. The output is the same bytes whichever.
    hand_codes, codebook, government
        As for :func:`analysis.core.coding.code_posts` (`government`: the accounts
        whose answers are ``internal``, from ``accounts.csv``).
    source
        Written in the levels' ``source`` column; by default, for each account,
        the inputs (as given in ``paths``) that hold its posts.
    rows_per_partition
        About how many posts a partition holds: the memory of one coding step.
    progress
        Where to report progress: ``None`` for stderr (quiet if it is not a
        terminal, unless the run is long), ``False`` for nowhere, or a stream.
    data_dir
        A data directory besides data/raw that ``out`` must not touch.

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

    A post the inputs hold twice (the same platform and post id: an export given twice,
    or two exports that overlap) is coded once, as its first copy in input order;
    ``ArchiveResult.repeated`` says how many copies were left out.
    """
    book = codebook or load_codebook()
    out = Path(out)
    sources = input_files(paths, fmt, country, role)
    check_output(
        out,
        kind="dir",
        ours=lambda p: has_marker(p, MARKER),
        inputs=paths,
        data_dirs=() if data_dir is None else (data_dir,),
    )
    pieces = reading_tasks(sources)
    estimate = sum(s.rows for s in sources)
    wanted = -(-estimate // max(1, rows_per_partition))
    partitions = int(min(_max_partitions(), max(1, wanted)))
    options = {
        "country": country,
        "role": role,
        "platform": platform,
        "compression": "lz4" if estimate > COMPRESS_SPILL_ABOVE else None,
    }
    common = {
        "codebook": book,
        "hand_codes": hand_codes,
        "source": source,
        "government": government,
    }

    with temporary_dir(out) as tmp:  # locked; removed if this fails or is terminated
        close = no_client
        try:
            client, close = connect(dask)
            report = Progress.choose(progress)
            splits, coded = _passes(client, pieces, paths, partitions, tmp, report, options, common)
            close()
            close = no_client
            levels = _levels(coded, book, source)
            levels.to_parquet(tmp / LEVELS_FILE, index=False)
            repeated = sum(c.repeated for c in coded)
            posts = sum(s.rows for s in splits) - repeated
            files = sum(c.files for c in coded)
            manifest = {
                "written_by": __name__,
                "inputs": [str(p) for p in paths],
                "posts": int(posts),
                "repeated": int(repeated),
                "accounts": len(levels),
                "partitions": partitions,
                "files": files,
            }
            (tmp / MARKER).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
            replace_dir(tmp, out)
        except BaseException:
            close()  # the workers stop before their folder is removed
            raise
    return ArchiveResult(out, int(posts), partitions, files, levels, int(repeated))


def _passes(
    client,
    pieces: list[Piece],
    paths: Sequence,
    partitions: int,
    tmp: Path,
    report: Progress,
    options: dict,
    common: dict,
) -> tuple[list[Split], list[Coded]]:
    """Split, resolve and code, here or on the cluster; the coded files land in ``tmp``."""
    spill = tmp / "_spill"
    spill.mkdir()
    report.phase("reading", len(pieces), "parts")
    splits: list[Split] = run_tasks(
        client,
        split,
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
        sources.setdefault(partition_of(key, partitions), {})[key] = named

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
    coded: list[Coded] = run_tasks(
        client,
        code_partition,
        tasks,
        report,
        lambda r: r.rows,
        spill=str(spill),
        out=str(tmp),
        **common,
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
    government: pd.DataFrame | None = None,
    data_dir=None,
) -> ArchiveResult:
    """Code the inputs in memory and write one file: for what fits in memory.

    The same inputs as :func:`code_archive`, read with :func:`read_posts` and coded
    by ``code_posts`` on the whole table. ``out`` ends in ``.parquet`` (every value
    exactly) or ``.csv`` (for a spreadsheet: formulas neutralised, ``mentions`` joined
    by spaces; :data:`CODED_COLUMNS` either way). It follows the output rule
    (:func:`analysis.base.files.check_output`): a new file, or one this function wrote
    (its Parquet metadata, or its CSV header, says so), never an input nor inside
    one, never in a data directory; it is written beside itself and renamed. ``source``
    defaults to the inputs as given, joined by ``'; '``. A post the inputs hold twice
    is coded once (``ArchiveResult.repeated``).
    """
    book = codebook or load_codebook()
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in FILE_FORMATS:
        raise UsageError(
            f"writes {' or '.join(FILE_FORMATS)} files; give --out such a file, "
            "or code an archive into a directory",
            out,
        )
    check_output(
        out,
        kind="file",
        ours=_written_here,
        inputs=paths,
        data_dirs=() if data_dir is None else (data_dir,),
    )
    posts, repeated = drop_repeated(read_posts(paths, fmt, country, role, platform))
    coded = code_posts(posts, hand_codes, book, government=government)
    levels = account_levels(coded, book, source=source or "; ".join(str(p) for p in paths))
    if suffix == ".csv":
        write_atomic(out, csv_text(_for_csv(coded)))
    else:
        table = pa.Table.from_pandas(coded, preserve_index=False)
        meta = {**(table.schema.metadata or {}), _SIGNATURE: __name__.encode()}
        buffer = io.BytesIO()
        pq.write_table(table.replace_schema_metadata(meta), buffer)
        write_atomic(out, buffer.getvalue())
    return ArchiveResult(out, len(coded), 1, 1, levels, repeated)


def _for_csv(coded: pd.DataFrame) -> pd.DataFrame:
    """The coded posts as text cells: times in ISO 8601 (UTC), mentions joined by spaces."""
    frame = coded[list(CODED_COLUMNS)].copy()
    frame["created_at"] = frame["created_at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    frame["mentions"] = frame["mentions"].map(" ".join).astype("string")
    return frame


def _written_here(path: Path) -> bool:
    """A Parquet file with this module's signature, or a CSV file with the coded header."""
    try:
        if path.suffix.lower() == ".csv":
            with open(path, encoding="utf-8", newline="") as fh:
                return fh.readline().rstrip("\r\n") == ",".join(CODED_COLUMNS)
        meta = pq.read_schema(path).metadata or {}
    except (OSError, UnicodeDecodeError, pa.ArrowException):
        return False
    return _SIGNATURE in meta


def _max_partitions() -> int:
    """As many partitions as the open-file limit allows the reading tasks, up to the maximum."""
    try:
        import resource  # POSIX only: absent elsewhere

        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, OSError, ValueError):  # not POSIX
        return MAX_PARTITIONS
    if soft == resource.RLIM_INFINITY:
        return MAX_PARTITIONS
    return max(8, min(MAX_PARTITIONS, (soft - 64) // THREADS))


_NO_PARENTS = pd.DataFrame(
    {c: pd.array([], dtype="string") for c in ("platform", "post_id", "account_id")}
)


def _resolve(client, splits: list[Split], spill: Path, report: Progress) -> dict:
    """The authors of the answered posts each partition needs, found in one pass over ids."""
    wanted = pa.concat_tables([s.wanted for s in splits])
    if len(wanted) == 0:
        return {}
    ids = pc.unique(wanted["post_id"])
    tasks = [(s.piece, [int(p) for p in np.flatnonzero(s.per_partition)]) for s in splits if s.rows]
    report.phase("resolving", len(tasks), "parts")
    found = run_tasks(client, scan, tasks, report, lambda r: r[1], spill=str(spill), wanted=ids)
    owners = pa.concat_tables([f for f, _ in found]).to_pandas(types_mapper=_string_type)
    # the first post with an author, in input order, as code_posts' groupby().first()
    owners = owners.sort_values(ORDER, kind="stable").drop_duplicates(["platform", "post_id"])
    asked = wanted.to_pandas(types_mapper=_string_type).drop_duplicates()
    matched = asked.merge(owners.drop(columns=ORDER), on=["platform", "post_id"], how="inner")
    return {
        int(p): group.drop(columns="partition").reset_index(drop=True)
        for p, group in matched.groupby("partition", sort=True)
    }


def _string_type(t: pa.DataType):
    return pd.StringDtype() if pa.types.is_large_string(t) or pa.types.is_string(t) else None


def _levels(coded: list[Coded], book: dict, source: str | None) -> pd.DataFrame:
    """The accounts' levels from the partitions' own, in ``account_levels``' order."""
    frames = [c.levels for c in coded if len(c.levels)]
    if not frames:
        return account_levels(code_posts(empty_posts(), codebook=book), book, source=source or "")
    levels = pd.concat(frames, ignore_index=True)
    return levels.sort_values(
        list(ACCOUNT_KEYS), na_position="last", kind="stable", ignore_index=True
    )
