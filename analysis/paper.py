"""Run the notebooks for a pair with papermill and assemble the article.

The flow (DESIGN.md): the notebooks write figures, tables and values under
``build/<A>-<B>/`` (``build/<A>-<B>/es/`` for Spanish); the template in ``paper/``
is filled with them and pandoc turns it into a self-contained HTML file and, through
Typst, a PDF. Nothing is downloaded: pandoc comes from pypandoc-binary, Typst from
the typst package.
"""

from __future__ import annotations

import datetime
import fcntl
import os
import re
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from analysis.codebook import LANGUAGES
from analysis.errors import BuildError, UsageError
from analysis.load import check_pair
from analysis.paths import BUILD_DIR, DATA_DIR, NOTEBOOK_DIR, REPO_ROOT, TEMPLATE_DIR

KERNEL = "dpd-compendium"


def parse_pair(pair: str) -> tuple[str, str]:
    """``"MEX-CHL"`` -> ``("MEX", "CHL")``."""
    parts = pair.strip().upper().split("-")
    if len(parts) != 2 or not all(re.fullmatch(r"[A-Z]{3}", p) for p in parts):
        raise UsageError(
            f"a pair is two ISO 3166-1 alpha-3 codes joined by '-', e.g. MEX-CHL; got {pair!r}"
        )
    return parts[0], parts[1]


def pair_dir(a: str, b: str, lang: str = "en", root: Path = BUILD_DIR) -> Path:
    """Where a pair's notebooks, figures, tables and values go."""
    base = Path(root) / f"{a}-{b}"
    return base if lang == "en" else base / lang


def paper_paths(a: str, b: str, lang: str = "en", root: Path = BUILD_DIR) -> dict[str, Path]:
    """The finished article's files: ``paper.html``/``paper.pdf`` (``paper.es.*`` in Spanish)."""
    suffix = "" if lang == "en" else f".{lang}"
    base = Path(root) / f"{a}-{b}"
    return {"html": base / f"paper{suffix}.html", "pdf": base / f"paper{suffix}.pdf"}


def notebooks(folder: Path = NOTEBOOK_DIR) -> list[Path]:
    """The study's notebooks, in the order they run."""
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


def _kernel_name() -> str:
    """The project's named kernel where installed (make env does), else this interpreter's."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(KERNEL)
        return KERNEL
    except NoSuchKernel:
        return "python3"


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_notebooks(
    a: str,
    b: str,
    lang: str = "en",
    data_dir: str | Path | None = None,
    root: Path = BUILD_DIR,
    folder: Path = NOTEBOOK_DIR,
) -> Path:
    """Execute every notebook for the pair with papermill; return the output directory.

    Each executed notebook is kept under ``<out>/notebooks/`` as the record of the run.
    A failing cell stops the build with papermill's error, which names the cell.
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    out = pair_dir(a, b, lang, root)
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    params = {
        "country_a": a,
        "country_b": b,
        "data_dir": str(Path(data_dir or DATA_DIR).resolve()),
        "out_dir": str(out.resolve()),
        "lang": lang,
    }
    books = notebooks(folder)
    if not books:
        raise FileNotFoundError(f"no notebooks in {folder}")
    kernel = _kernel_name()
    for i, nb in enumerate(books, 1):
        start = time.perf_counter()
        _log(f"[{a}-{b} {lang}] notebook {i}/{len(books)}: {nb.stem} ...")
        try:
            pm.execute_notebook(
                str(nb),
                str(out / "notebooks" / nb.name),
                parameters=params,
                kernel_name=kernel,
                cwd=str(folder),
                progress_bar=sys.stderr.isatty(),
                log_output=False,
                # quiet the kernel's own start-up and shut-down log; cell errors still raise
                extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            )
        except PapermillExecutionError as exc:
            evalue = str(exc.evalue).strip().replace("\n", " ")
            raise BuildError(
                f"notebook {nb.name} failed at cell {exc.exec_count}: {exc.ename}: {evalue} "
                f"(the executed notebook is kept as the record)",
                path=out / "notebooks" / nb.name,
            ) from exc
        _log(
            f"[{a}-{b} {lang}] notebook {i}/{len(books)}: {nb.stem} "
            f"done in {time.perf_counter() - start:.1f} s"
        )
    return out


@contextmanager
def build_lock(directory: Path, label: str):
    """Hold the pair's build lock: a second build of the same pair waits, and says so.

    Under the lock no other build writes in `directory`, so any temporary file left
    there by an interrupted build is stale and is cleared first.
    """
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".build.lock", "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            _log(f"[{label}] another build of this pair is running; waiting for it to finish ...")
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            clear_stale(directory)
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def clear_stale(directory: Path) -> list[Path]:
    """Remove what an interrupted build left: ``.paper-*`` folders and ``.*.tmp`` files."""
    removed = []
    for path in sorted(directory.rglob(".*")):
        if path.is_dir() and path.name.startswith(".paper-"):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
        elif path.is_file() and path.name.endswith(".tmp"):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def source_date_epoch(data_dir: str | Path | None = None) -> int:
    """The date every dated thing of the paper carries, so two builds of a commit are equal.

    ``SOURCE_DATE_EPOCH`` when it is set (reproducible-builds.org); else the time of the
    repository's last commit; else the latest snapshot date of the data.
    """
    given = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if given.isdigit():
        return int(given)
    try:
        run = subprocess.run(
            ["git", "log", "-1", "--format=%ct"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return int(run.stdout.strip())
    except (OSError, subprocess.SubprocessError, ValueError):
        pass
    from analysis import dates
    from analysis.load import read_table

    snapshots = read_table("countries", data_dir)["snapshot"].dropna()
    latest = max((dates.parse(s) for s in snapshots), default=None)
    day = latest.start if latest else datetime.date(2019, 1, 1)
    return int(datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC).timestamp())


def build(
    pair: str,
    lang: str = "en",
    data_dir: str | Path | None = None,
    root: Path = BUILD_DIR,
    folder: Path = NOTEBOOK_DIR,
    template_dir: Path = TEMPLATE_DIR,
) -> dict[str, Path]:
    """Build the article for a pair: run the notebooks, then assemble HTML and PDF.

    The pair is checked before anything runs, so a country without data fails at
    once with the list of countries that have data. The build holds the pair's lock
    (:func:`build_lock`): the previous paper stays whole until the new one replaces it.
    """
    from analysis import assemble

    if lang not in LANGUAGES:
        raise UsageError(f"language must be one of {', '.join(LANGUAGES)}; got {lang!r}")
    a, b = parse_pair(pair)
    check_pair(a, b, data_dir)
    start = time.perf_counter()
    with build_lock(Path(root) / f"{a}-{b}", f"{a}-{b} {lang}"):
        out = run_notebooks(a, b, lang, data_dir, root, folder)
        _log(f"[{a}-{b} {lang}] assembling the paper ...")
        paths = assemble.assemble(
            out, paper_paths(a, b, lang, root), lang, template_dir, source_date_epoch(data_dir)
        )
    _log(
        f"[{a}-{b} {lang}] wrote {', '.join(str(p) for p in paths.values())} "
        f"in {time.perf_counter() - start:.1f} s"
    )
    return paths


__all__ = [
    "build",
    "build_lock",
    "clear_stale",
    "notebooks",
    "pair_dir",
    "paper_paths",
    "parse_pair",
    "run_notebooks",
    "source_date_epoch",
]
