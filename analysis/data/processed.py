"""data/processed: every table of data/raw, validated, as CSV and Parquet (``make data``)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from analysis.base.files import (
    check_output,
    csv_text,
    has_marker,
    mark,
    replace_dir,
    temporary_dir,
    umask,
    write_atomic,
)
from analysis.data.load import load_all

__all__ = ["write_processed"]


def write_processed(out_dir: str | Path, data_dir: str | Path | None = None) -> list[Path]:
    """Validate data/raw and write every table to `out_dir` as CSV and Parquet.

    `out_dir` follows the output rule (:func:`analysis.base.files.check_output`): a new
    folder, an empty one, or one this function wrote before (it holds the marker), never
    a data directory nor anything holding one. It is written into a temporary folder beside
    it and swapped in at the end, so a failure leaves the previous output untouched and
    nothing half-written. The CSV files neutralise spreadsheet formulas
    (:func:`analysis.base.files.csv_text`); the Parquet files keep every value exactly.
    """
    out_dir = Path(out_dir)
    extra = () if data_dir is None else (data_dir,)
    tables = load_all(data_dir)
    check_output(out_dir, kind="dir", ours=lambda p: _ours(p, tables), data_dirs=extra)
    with temporary_dir(out_dir) as tmp:
        _write_tables(tables, tmp)
        mark(tmp, __name__, tables=sorted(tables))
        replace_dir(tmp, out_dir)
    return sorted(p for p in out_dir.iterdir() if not p.name.startswith("."))


def _ours(folder: Path, tables: dict) -> bool:
    """The marker, or (written before there was one) nothing but the tables and make's stamp."""
    if has_marker(folder):
        return True
    names = {f"{t}.{kind}" for t in tables for kind in ("csv", "parquet")} | {".stamp"}
    return all(p.name in names and p.is_file() for p in folder.iterdir())


def _write_tables(tables: dict[str, pd.DataFrame], tmp: Path) -> None:
    for name, df in tables.items():
        write_atomic(tmp / f"{name}.csv", csv_text(df))
        df.to_parquet(tmp / f"{name}.parquet", index=False)
        os.chmod(tmp / f"{name}.parquet", 0o666 & ~umask())
