"""Build a pair's paper in three steps: results, drawings, assembly.

1. :func:`run_notebooks` executes the study's notebooks with papermill on a pool of
   kernels (:mod:`analysis.build.kernels`). They compute everything that does not depend
   on the language once per pair, into ``build/<A>-<B>/results/`` (and keep the executed
   notebooks under ``notebooks/``); each notebook is drawn in every language as soon as it
   has run (:mod:`analysis.build.draw`), into ``build/<A>-<B>/<lang>/``.
2. :func:`draw` redraws those drawings alone, after a change of the labels.
3. :func:`assemble_paper` fills the template with them (:mod:`analysis.build.assemble`):
   pandoc writes a self-contained HTML file and, through Typst, a PDF. Nothing is
   downloaded: pandoc comes from pypandoc-binary, Typst from the typst package.

Make runs these as separate steps, so a Spanish paper after an English one, or an edit
of the paper's words, reruns no notebook (Makefile). Every step holds the pair's lock
(:func:`build_lock`) and dates the PDF with :func:`source_date_epoch`, so two builds of
one commit are byte-identical.
"""

from __future__ import annotations

import datetime
import fcntl
import os
import shutil
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

from analysis.base.errors import UsageError
from analysis.base.paths import (
    BUILD_DIR,
    DATA_DIR,
    NOTEBOOK_DIR,
    REPO_ROOT,
    TEMPLATE_DIR,
    documents,
    pair_root,
    panel_root,
    paper_paths,
)
from analysis.build import assemble
from analysis.build import draw as drawing
from analysis.build.kernels import log, run_pool
from analysis.core.replication import check_claims
from analysis.data import countries, dates
from analysis.data.codebook import LANGUAGES
from analysis.data.exports import posts
from analysis.data.load import check_pair, panel
from analysis.data.read import read_table


def notebooks(folder: Path = NOTEBOOK_DIR) -> list[Path]:
    """The study's notebooks, in the order they run."""
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


def run_notebooks(
    a: str,
    b: str,
    data_dir: str | Path | None = None,
    root: Path = BUILD_DIR,
    folder: Path = NOTEBOOK_DIR,
    jobs: int | None = None,
    languages: tuple[str, ...] = LANGUAGES,
) -> Path:
    """Execute every notebook for the pair, and draw each in `languages`; return the folder.

    The results go to ``results/``, each executed notebook to ``notebooks/`` (the
    record of the run), and the drawings to ``<lang>/``: a notebook is drawn as soon
    as it has run, by whichever kernel is free, so drawing overlaps computing. A
    failing cell stops the build with papermill's error, which names the cell.
    """
    out = pair_root(a, b, root)
    data_dir = Path(data_dir or DATA_DIR).resolve()
    params = {"country_a": a, "country_b": b}
    books = notebooks(folder)
    if not books:
        raise FileNotFoundError(f"no notebooks in {folder}")
    label = f"{a}-{b}"

    def check() -> None:
        check_pair(a, b, data_dir)
        check_claims(data_dir)  # a claim naming no check fails now, not in notebook 05
        posts((a, b), data_dir)  # an export of another account fails now, not in notebook 04

    run_pool(
        books,
        params,
        out,
        data_dir,
        languages,
        jobs,
        label,
        check,
        lambda: build_lock(out, label),
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
            log(f"[{label}] another build of this pair is running; waiting for it to finish ...")
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


#: The last second a PDF date can hold: 9999-12-31T23:59:59Z.
_LAST_EPOCH = 253402300799


def source_date_epoch(data_dir: str | Path | None = None) -> int:
    """The date every dated thing of the paper carries, so two builds of a commit are equal.

    ``SOURCE_DATE_EPOCH`` when it is set (reproducible-builds.org: whole seconds since
    1970-01-01 UTC, here up to the end of 9999, the last year a PDF date can hold); else
    the time of the repository's last commit; else the latest snapshot date of the data.

    Raises
    ------
    UsageError
        When ``SOURCE_DATE_EPOCH`` is set to anything else (pandoc and Typst read it too).
    """
    given = os.environ.get("SOURCE_DATE_EPOCH", "")
    if given:
        if not (given.isascii() and given.isdigit()) or int(given[:20]) > _LAST_EPOCH:
            raise UsageError(
                f"SOURCE_DATE_EPOCH is {given[:30]!r}: it must be a whole number of seconds "
                f"since 1970-01-01 UTC, from 0 to {_LAST_EPOCH} (unset it to date the paper "
                "by the last commit)"
            )
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
    snapshots = read_table("countries", data_dir)["snapshot"].dropna()
    latest = max((dates.parse(s) for s in snapshots), default=None)
    day = latest.start if latest else datetime.date(2019, 1, 1)
    return int(datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC).timestamp())


def compute(
    pair: str,
    data_dir: str | Path | None = None,
    root: Path = BUILD_DIR,
    folder: Path = NOTEBOOK_DIR,
    jobs: int | None = None,
    languages: tuple[str, ...] = LANGUAGES,
) -> Path:
    """Steps 1 and 2: the pair's results (the notebooks), each drawn in `languages`.

    The pair is checked before anything is written; the pair's lock is held while
    writing (:func:`build_lock`).
    """
    a, b = countries.parse_pair(pair)
    _check_languages(languages)
    start = time.perf_counter()
    out = run_notebooks(a, b, data_dir, root, folder, jobs, tuple(languages))
    took = time.perf_counter() - start
    log(f"[{a}-{b}] results, drawn in {', '.join(languages)}, in {took:.1f} s")
    return out


def draw(
    pair: str,
    languages: tuple[str, ...] = LANGUAGES,
    data_dir: str | Path | None = None,
    root: Path = BUILD_DIR,
    only_stale: bool = False,
) -> dict[str, list[str]]:
    """Step 2 again: redraw the pair's results in each language (after a change of labels).

    Returns the notebooks drawn, per language.
    """
    a, b = countries.parse_pair(pair)
    _check_languages(languages)
    check_pair(a, b, data_dir)
    start = time.perf_counter()
    with build_lock(pair_root(a, b, root), f"{a}-{b}"):
        drawn = {
            lang: drawing.draw(pair_root(a, b, root), lang, data_dir, only_stale)
            for lang in languages
        }
    if any(drawn.values()):
        log(f"[{a}-{b}] drawn in {', '.join(languages)} in {time.perf_counter() - start:.1f} s")
    return drawn


def assemble_paper(
    pair: str,
    lang: str = "en",
    data_dir: str | Path | None = None,
    root: Path = BUILD_DIR,
    template_dir: Path = TEMPLATE_DIR,
) -> dict[str, Path]:
    """Step 3: the paper in `lang`, under the pair's lock.

    Drawings older than the labels are redrawn first (:func:`analysis.build.draw.stale`),
    so an edit of ``paper/text/labels.yml`` reruns no notebook.
    """
    a, b = countries.parse_pair(pair)
    _check_languages((lang,))
    out = pair_root(a, b, root)
    start = time.perf_counter()
    with build_lock(out, f"{a}-{b} {lang}"):
        if drawing.stale(out, lang):
            log(f"[{a}-{b} {lang}] redrawing what the labels changed ...")
            drawing.draw(out, lang, data_dir, only_stale=True)
        log(f"[{a}-{b} {lang}] assembling the paper ...")
        paths = assemble.assemble(
            out, lang, paper_paths(a, b, lang, root), template_dir, source_date_epoch(data_dir)
        )
    log(
        f"[{a}-{b} {lang}] wrote {', '.join(str(p) for p in paths.values())} "
        f"in {time.perf_counter() - start:.1f} s"
    )
    return paths


def _check_languages(languages) -> None:
    for lang in languages:
        if lang not in LANGUAGES:
            raise UsageError(f"language must be one of {', '.join(LANGUAGES)}; got {lang!r}")


def _languages(lang: str | tuple[str, ...]) -> tuple[str, ...]:
    """One language or several, as a checked tuple."""
    languages = (lang,) if isinstance(lang, str) else tuple(lang)
    _check_languages(languages)
    return languages


def _each_language(languages: tuple[str, ...], make) -> dict[str, Path]:
    """``make(lang)`` for each language: the first's files as they are, the others' keyed
    ``html.<lang>``, ``pdf.<lang>``."""
    paths: dict[str, Path] = {}
    for i, language in enumerate(languages):
        made = make(language)
        paths.update(made if i == 0 else {f"{k}.{language}": v for k, v in made.items()})
    return paths


def build(
    pair: str,
    lang: str | tuple[str, ...] = "en",
    data_dir: str | Path | None = None,
    root: Path = BUILD_DIR,
    folder: Path = NOTEBOOK_DIR,
    template_dir: Path = TEMPLATE_DIR,
    jobs: int | None = None,
) -> dict[str, Path]:
    """Build the article for a pair in one language or several: the three steps in a row.

    The pair is checked before anything runs, so a country without data fails at
    once with the list of countries that have data. Each step holds the pair's lock
    (:func:`build_lock`): the previous paper stays whole until the new one replaces it.
    Returns the paper's files (``html``, ``pdf``; with several languages, keyed
    ``html.es``, ``pdf.es`` beyond the first).
    """
    languages = _languages(lang)
    compute(pair, data_dir, root, folder, jobs, languages)
    return _each_language(
        languages, lambda language: assemble_paper(pair, language, data_dir, root, template_dir)
    )


PANEL_NOTEBOOK = "panel.ipynb"


def build_panel(
    codes,
    lang: str | tuple[str, ...] = "en",
    data_dir: str | Path | None = None,
    root: Path = BUILD_DIR,
    folder: Path = NOTEBOOK_DIR,
    template_dir: Path = TEMPLATE_DIR,
) -> dict[str, Path]:
    """The report on a panel of countries: ``panel.ipynb``, then ``panel.html``/``.pdf``.

    The countries (two or more, each with data) are checked while the kernel starts;
    the report is written beside the pair papers (``panel.es.*`` in Spanish).
    """
    codes = tuple(countries.iso3(c) for c in codes)
    languages = _languages(lang)
    out = panel_root(codes, root)
    data_dir = Path(data_dir or DATA_DIR).resolve()
    book = Path(folder) / PANEL_NOTEBOOK
    start = time.perf_counter()
    run_pool(
        [book],
        {"countries": list(codes)},
        out,
        data_dir,
        languages,
        1,
        out.name,
        lambda: panel(codes, data_dir),
        lambda: build_lock(out, out.name),
    )

    def assemble_report(language: str) -> dict[str, Path]:
        with build_lock(out, f"{out.name} {language}"):
            return assemble.assemble(
                out,
                language,
                documents(out, "panel", language),
                template_dir,
                source_date_epoch(data_dir),
                "panel.md.j2",
            )

    paths = _each_language(languages, assemble_report)
    took = time.perf_counter() - start
    log(f"[{out.name}] wrote {', '.join(map(str, paths.values()))} in {took:.1f} s")
    return paths


__all__ = [
    "PANEL_NOTEBOOK",
    "assemble_paper",
    "build",
    "build_lock",
    "build_panel",
    "clear_stale",
    "compute",
    "draw",
    "notebooks",
    "run_notebooks",
    "source_date_epoch",
]
