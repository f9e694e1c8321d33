"""data/processed: every table of data/raw, validated, as CSV and Parquet (``make data``)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from analysis.base.files import csv_text, pending, replace_dir, umask, write_atomic
from analysis.data.load import load_all

__all__ = ["write_processed"]


def write_processed(out_dir: str | Path, data_dir: str | Path | None = None) -> list[Path]:
    """Validate data/raw and write every table to `out_dir` as CSV and Parquet.

    Writes into a temporary directory beside `out_dir` and swaps it in at the
    end, so a failure leaves the previous output untouched and nothing half-written.
    The CSV files neutralise spreadsheet formulas (:func:`analysis.base.files.csv_text`); the
    Parquet files keep every value exactly.
    """
    tables = load_all(data_dir)
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    with pending(tmp):
        _write_tables(tables, tmp, out_dir)
    return sorted(out_dir.iterdir())


def _write_tables(tables: dict[str, pd.DataFrame], tmp: Path, out_dir: Path) -> None:
    try:
        for name, df in tables.items():
            write_atomic(tmp / f"{name}.csv", csv_text(df))
            df.to_parquet(tmp / f"{name}.parquet", index=False)
            os.chmod(tmp / f"{name}.parquet", 0o666 & ~umask())
        replace_dir(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
