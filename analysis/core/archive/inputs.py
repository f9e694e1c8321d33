"""The inputs of an archive: export files and Parquet files, read in batches into the posts
schema (:data:`SCHEMA`), and grouped into reading tasks that keep their order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from analysis.base.errors import DataError, Problem, UsageError
from analysis.data.importers import COUNT_COLUMNS, MAX_COUNT, POSTS_COLUMNS, reader

__all__ = [
    "BATCH_ROWS",
    "PIECE_ROWS",
    "SCHEMA",
    "Piece",
    "Source",
    "batches",
    "input_files",
    "read_posts",
    "reading_tasks",
    "to_pandas",
]

#: Rows read and split at a time.
BATCH_ROWS = 131_072
#: Rows of Parquet input per reading task (whole row groups; one export is one task).
PIECE_ROWS = 1_000_000
#: A guess of an export's size per post, to choose the number of partitions before reading.
EXPORT_BYTES_PER_POST = 1_000

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


@dataclass(frozen=True)
class Source:
    """One input file: where, from which PATH argument, Parquet or an export format."""

    path: str
    arg: int
    fmt: str  # "parquet" or an export format of analysis.data.importers.FORMATS
    values: tuple[tuple[str, str], ...] = ()  # hive keys of the schema in its directory path
    rows: int = 0  # Parquet: exact; export: a guess
    groups: tuple[int, ...] = ()  # Parquet: the rows of each row group


@dataclass(frozen=True)
class Piece:
    """A reading task: consecutive files (and row groups) of the inputs, in input order."""

    index: int
    parts: tuple[tuple[Source, tuple[int, ...] | None], ...]


def input_files(
    paths: Sequence, fmt: str | None, country: str | None = None, role: str | None = None
) -> list[Source]:
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
                out.append(Source(str(path), arg, fmt, (), size // EXPORT_BYTES_PER_POST + 1))
        else:
            raise UsageError("no such file or directory", path)
    return out


def _hive_value(segment: str) -> tuple[str, str]:
    key, value = segment.split("=", 1)
    return key, unquote(value)


def _parquet_source(path: Path, arg: int, values: tuple) -> Source:
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
                    path,
                    None,
                    col,
                    "missing; posts need it (analysis.data.importers.POSTS_COLUMNS)",
                )
            )
    groups = tuple(meta.row_group(g).num_rows for g in range(meta.num_row_groups))
    return Source(str(path), arg, "parquet", values, meta.num_rows, groups)


def reading_tasks(sources: list[Source]) -> list[Piece]:
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
    return [Piece(i, tuple(parts)) for i, parts in enumerate(pieces)]


def batches(
    piece: Piece, country: str | None, role: str | None, platform: str | None = None
) -> Iterator[tuple[Source, pa.Table]]:
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
        if field.name in COUNT_COLUMNS and n:
            _check_counts(col, path, field.name)
        columns.append(col)
    return pa.Table.from_arrays(columns, schema=SCHEMA)


def _check_counts(col, path: str, name: str) -> None:
    """A count is never negative and never beyond any audience (what importers also check)."""
    low, high = pc.min_max(col).values()
    if low.is_valid and low.as_py() < 0:
        raise DataError(Problem(path, None, name, f"{low.as_py()} is negative; a count never is"))
    if high.is_valid and high.as_py() > MAX_COUNT:
        raise DataError(
            Problem(path, None, name, f"{high.as_py()} is too large for a count (at most 1e+15)")
        )


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
        does not say it (:func:`analysis.data.importers.reader`).

    Returns
    -------
    pandas.DataFrame
        :data:`analysis.data.importers.POSTS_COLUMNS`, in input order.
    """
    sources = input_files(paths, fmt, country, role)
    pieces = reading_tasks(sources)
    tables = [t for piece in pieces for _, t in batches(piece, country, role, platform)]
    table = pa.concat_tables(tables) if tables else SCHEMA.empty_table()
    # mentions as pandas.read_parquet gives them (arrays): a frame with Arrow list columns
    # is written by to_parquet but not read back by this pandas
    return to_pandas(table, arrow_lists=False)


def to_pandas(table: pa.Table, arrow_lists: bool = True) -> pd.DataFrame:
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
