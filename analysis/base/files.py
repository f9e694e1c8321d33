"""How the library writes files: whole or not at all, with the user's permissions, safe to open.

* A file appears only when it is complete: it is written beside its target and renamed
  over it (:func:`write_atomic`), and a folder of outputs is swapped in whole
  (:func:`replace_dir`). An interrupted write leaves the previous file and no temporary.
* New files get the permissions the user's umask gives (``0644`` under the usual ``022``),
  not the ``0600`` of a temporary file; a file that is replaced keeps its own mode.
* CSV written for people (:func:`csv_text`) cannot smuggle a spreadsheet formula: a text
  cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return and is not a
  number is written with a leading apostrophe (OWASP's advice), so ``=HYPERLINK(...)``
  stays text and ``-1.5`` stays a number. Parquet outputs keep every value exactly.

>>> import pandas as pd
>>> print(csv_text(pd.DataFrame({"a": ["=1+1", "-1.5", "@SRE_mx", "ok"]})), end="")
a
'=1+1
-1.5
'@SRE_mx
ok
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

__all__ = [
    "FORMULA_PREFIXES",
    "csv_text",
    "neutralise",
    "pending",
    "remove_pending",
    "replace_dir",
    "umask",
    "write_atomic",
]

#: What a spreadsheet reads as the start of a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

#: Temporary files and folders being written right now: what an interruption must remove.
_PENDING: set[Path] = set()


@contextmanager
def pending(path: Path):
    """Register `path` as a temporary being written, for :func:`remove_pending`."""
    _PENDING.add(Path(path))
    try:
        yield Path(path)
    finally:
        _PENDING.discard(Path(path))


def remove_pending() -> None:
    """Remove every temporary still being written (the command line calls it on SIGTERM)."""
    for path in list(_PENDING):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        _PENDING.discard(path)


def umask() -> int:
    """The process's umask (read without changing it for longer than the call)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _mode_for(path: Path) -> int:
    """The mode a file at `path` should have: its own if it exists, else what umask allows."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        return 0o666 & ~umask()


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write `data` to `path` through a temporary file beside it, so no reader sees half a file.

    Text is written as UTF-8 with ``\\n`` line ends. The temporary file is removed on any
    failure, including an interruption.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = _mode_for(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    with pending(Path(tmp)):
        _write(fd, tmp, data, mode, path)
    return path


def _write(fd: int, tmp: str, data: str | bytes, mode: int, path: Path) -> None:
    try:
        if isinstance(data, bytes):
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def replace_dir(tmp: Path, out_dir: Path) -> None:
    """Swap the finished folder `tmp` in as `out_dir`; the old one is removed after the swap."""
    os.chmod(tmp, 0o777 & ~umask())
    old = out_dir.with_name(f".{out_dir.name}-old")
    shutil.rmtree(old, ignore_errors=True)
    if out_dir.exists():
        os.replace(out_dir, old)
    os.replace(tmp, out_dir)
    shutil.rmtree(old, ignore_errors=True)


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def neutralise(value):
    """A cell as a spreadsheet will read it as text: formula starts get a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not _is_number(value):
        return "'" + value
    return value


def csv_text(df) -> str:
    """`df` as CSV text (UTF-8, ``\\n``, no index, blank for missing), formulas neutralised.

    The same frame always gives the same text, so builds can be compared byte for byte.
    """
    import pandas as pd  # lazy: start-up time

    safe = df.copy()
    for col in safe.columns:
        if safe[col].dtype == object or isinstance(safe[col].dtype, pd.StringDtype):
            safe[col] = safe[col].map(neutralise, na_action="ignore")
    safe.columns = [neutralise(c) if isinstance(c, str) else c for c in safe.columns]
    return safe.to_csv(index=False, lineterminator="\n", na_rep="")
