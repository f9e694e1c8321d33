"""How the library writes files: whole or not at all, only where it may, safe to open.

* **One output rule** (:func:`check_output`) for every command that writes: the output is a
  new path, or one this tool wrote before (a *marker* says so: :data:`MARKER` in a folder,
  the file's own signature for a file), never a data directory (``data/raw``) nor anything
  that holds one or lies inside one, never an input, never a link, and never a file or
  folder a person put there.
* A file appears only when it is complete: it is written beside its target and renamed
  over it (:func:`write_atomic`), and a folder of outputs is swapped in whole
  (:func:`replace_dir`). Temporary names are unique (``mkstemp``, ``mkdtemp``), so two
  runs never share one; each temporary is locked (``flock``) while its writer lives, so
  one an interrupted run left (even after ``SIGKILL``) is recognised as stale and swept
  by the next write to the same output (:func:`sweep`).
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

import fcntl
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from pathlib import Path

from analysis.base.errors import UsageError
from analysis.base.paths import DATA_DIR

__all__ = [
    "FORMULA_PREFIXES",
    "MARKER",
    "STALE_AFTER",
    "check_output",
    "csv_text",
    "has_marker",
    "mark",
    "neutralise",
    "pending",
    "remove_pending",
    "replace_dir",
    "sweep",
    "temporary_dir",
    "umask",
    "write_atomic",
]

#: What a spreadsheet reads as the start of a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: The file that marks a folder this tool wrote (and may therefore replace).
MARKER = ".dpd-compendium.json"
#: A temporary no writer holds is swept once it is this many seconds old (the time
#: between creating a temporary and locking it is far shorter).
STALE_AFTER = 5.0

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
        if path.is_dir() and not path.is_symlink():
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


# --- the output rule -------------------------------------------------------------------


def _relation(target: Path, other: Path) -> str | None:
    if target == other:
        return "is"
    if target.is_relative_to(other):
        return "lies inside"
    if other.is_relative_to(target):
        return "holds"
    return None


def check_output(
    out: str | Path,
    *,
    kind: str,
    ours: Callable[[Path], bool],
    inputs: Iterable = (),
    data_dirs: Iterable = (),
) -> Path:
    """Refuse an output path that would destroy something; return it otherwise.

    Parameters
    ----------
    out
        Where a command is about to write.
    kind
        ``"file"`` or ``"dir"``: what the command writes there.
    ours
        Whether an existing `out` was written by this tool (its marker): for a folder
        usually :func:`has_marker`; for a file, its format's own signature.
    inputs
        Paths the command reads: the output may not be, hold or lie inside any of them.
    data_dirs
        Data directories besides the project's ``data/raw`` (e.g. ``--data-dir``): the
        output may not be, hold or lie inside any of them.

    Raises
    ------
    UsageError
        One line naming `out` and what it would destroy.
    """
    out = Path(out)
    target = out.resolve()
    for given, what in [(d, "the data directory") for d in (DATA_DIR, *data_dirs)] + [
        (i, "the input") for i in inputs
    ]:
        relation = _relation(target, Path(given).resolve())
        if relation:
            why = (
                "the study's data are never written by code"
                if what.startswith("the data")
                else "writing it would lose the input"
            )
            raise UsageError(f"{relation} {what} {given}: {why}; choose another output", out)
    if out.is_symlink():
        raise UsageError("is a link; choose a new path for the output", out)
    if not out.exists():
        return out
    if kind == "dir":
        if not out.is_dir():
            raise UsageError("exists and is not a directory; choose a new path for the output", out)
        if any(out.iterdir()) and not ours(out):
            raise UsageError(
                "is a directory this tool did not write (it holds no marker of this tool); "
                "choose a new or empty directory for the output",
                out,
            )
    else:
        if not out.is_file():
            raise UsageError("exists and is not a file; choose a new path for the output", out)
        if not ours(out):
            raise UsageError(
                "is a file this tool did not write; choose a new path for the output "
                "(or remove the file first)",
                out,
            )
    return out


def mark(folder: str | Path, written_by: str, **about) -> Path:
    """Write the :data:`MARKER` of a folder this tool wrote (what wrote it and what it holds)."""
    path = Path(folder) / MARKER
    text = json.dumps({"written_by": written_by, **about}, indent=1, sort_keys=True) + "\n"
    path.write_text(text, encoding="utf-8")
    os.chmod(path, 0o666 & ~umask())
    return path


def has_marker(folder: str | Path, marker: str = MARKER) -> bool:
    """The folder holds `marker` as a regular file: this tool wrote it."""
    path = Path(folder) / marker
    return path.is_file() and not path.is_symlink()


# --- temporaries -----------------------------------------------------------------------


def _lock(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _is_held(path: Path) -> bool:
    """Whether a live writer holds the temporary's lock."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        _lock(fd)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def sweep(out: str | Path) -> list[Path]:
    """Remove the temporaries of `out` that no live writer holds (an interrupted run's).

    They lie beside `out` and are named ``.<name>.*.tmp`` (a file or a folder being
    written) or ``.<name>.*.old`` (a replaced folder not yet removed). Returns what was
    removed.
    """
    out = Path(out)
    removed = []
    try:
        entries = list(os.scandir(out.parent))
    except FileNotFoundError:
        return removed
    now = time.time()
    for entry in entries:
        name = entry.name
        if not (name.startswith(f".{out.name}.") and name.endswith((".tmp", ".old"))):
            continue
        path = Path(entry.path)
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except FileNotFoundError:
            continue
        if age < STALE_AFTER or (name.endswith(".tmp") and _is_held(path)):
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed


@contextmanager
def temporary_dir(out: str | Path):
    """A new, locked folder beside `out` to write an output into; removed on any failure.

    Stale temporaries of `out` are swept first. The caller swaps it in with
    :func:`replace_dir`; whatever is not swapped in is removed on leaving. The folder gets
    the permissions the umask gives.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    sweep(out)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    fd = os.open(tmp, os.O_RDONLY)
    try:
        _lock(fd)
        os.chmod(tmp, 0o777 & ~umask())  # mkdtemp's are private
        with pending(tmp):
            try:
                yield tmp
            finally:
                shutil.rmtree(tmp, ignore_errors=True)  # gone already once swapped in
    finally:
        os.close(fd)


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write `data` to `path` through a temporary file beside it, so no reader sees half a file.

    Text is written as UTF-8 with ``\\n`` line ends. The temporary file is removed on any
    failure, including an interruption; one left by a killed process is swept by the next
    write to `path`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = _mode_for(path)
    sweep(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with pending(Path(tmp)):
        _write(fd, tmp, data, mode, path)
    return path


def _write(fd: int, tmp: str, data: str | bytes, mode: int, path: Path) -> None:
    try:
        _lock(fd)
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
    """Swap the finished folder `tmp` in as `out_dir`; the old one is removed after the swap.

    The old folder is first renamed to a unique ``.<name>.*.old`` beside it (never a fixed
    name that another folder might hold), so the swap touches nothing else.
    """
    os.chmod(tmp, 0o777 & ~umask())
    old = None
    if out_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".old", dir=out_dir.parent))
        os.replace(out_dir, old)  # rename onto the empty folder just made
    os.replace(tmp, out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# --- CSV for people --------------------------------------------------------------------


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
