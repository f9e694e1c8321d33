"""Build a pair's paper in three steps: results, renderings, assembly.

1. :func:`run_notebooks` executes the study's notebooks with papermill. They compute
   everything that does not depend on the language once per pair, into
   ``build/<A>-<B>/results/`` (and keep the executed notebooks under ``notebooks/``).
   The notebooks do not depend on each other, so a pool of kernels runs them side by
   side, as many as there are jobs (``make -jN``, else the machine's cores); each
   kernel runs its notebooks one after another in a fresh namespace (IPython's
   ``reset``), keeping only the imported modules warm.
2. :func:`analysis.render.render_languages` draws the figures, the tables with words
   and the worded values in each language, into ``build/<A>-<B>/<lang>/``.
3. :func:`analysis.assemble.assemble` fills the template with them: pandoc writes a
   self-contained HTML file and, through Typst, a PDF. Nothing is downloaded: pandoc
   comes from pypandoc-binary, Typst from the typst package.

Make runs the three as separate steps, so a Spanish paper after an English one, or
an edit of the paper's words, reruns no notebook (Makefile).
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
from analysis.paths import BUILD_DIR, DATA_DIR, NOTEBOOK_DIR, REPO_ROOT, RESULTS, TEMPLATE_DIR

KERNEL = "dpd-compendium"


def parse_pair(pair: str) -> tuple[str, str]:
    """``"MEX-CHL"`` -> ``("MEX", "CHL")``."""
    parts = pair.strip().upper().split("-")
    if len(parts) != 2 or not all(re.fullmatch(r"[A-Z]{3}", p) for p in parts):
        raise UsageError(
            f"a pair is two ISO 3166-1 alpha-3 codes joined by '-', e.g. MEX-CHL; got {pair!r}"
        )
    return parts[0], parts[1]


def pair_root(a: str, b: str, root: Path = BUILD_DIR) -> Path:
    """A pair's build folder: ``notebooks/``, ``results/``, one folder per language, papers."""
    return Path(root) / f"{a}-{b}"


def pair_dir(a: str, b: str, lang: str = "en", root: Path = BUILD_DIR) -> Path:
    """Where a pair's figures, tables and values in `lang` go (``build/<A>-<B>/<lang>/``)."""
    return pair_root(a, b, root) / lang


def results_dir(a: str, b: str, root: Path = BUILD_DIR) -> Path:
    """Where a pair's language-free results go (``build/<A>-<B>/results/``)."""
    return pair_root(a, b, root) / RESULTS


def _documents(folder: Path, stem: str, lang: str) -> dict[str, Path]:
    """``<stem>.html`` and ``<stem>.pdf`` in `folder`; ``<stem>.<lang>.*`` beyond English."""
    suffix = "" if lang == "en" else f".{lang}"
    return {kind: Path(folder) / f"{stem}{suffix}.{kind}" for kind in ("html", "pdf")}


def paper_paths(a: str, b: str, lang: str = "en", root: Path = BUILD_DIR) -> dict[str, Path]:
    """The finished article's files: ``paper.html``/``paper.pdf`` (``paper.es.*`` in Spanish)."""
    return _documents(pair_root(a, b, root), "paper", lang)


def notebooks(folder: Path = NOTEBOOK_DIR) -> list[Path]:
    """The study's notebooks, in the order they run."""
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


def default_jobs() -> int:
    """How many things may run at once: make's ``-jN`` when make says, else the cores.

    >>> import os
    >>> os.environ["MAKEFLAGS"] = " -j3 --jobserver-auth=fifo:/tmp/x"
    >>> default_jobs()
    3
    >>> del os.environ["MAKEFLAGS"]
    """
    flags = os.environ.get("MAKEFLAGS", "")
    given = re.search(r"(?:^|\s)(?:-j|--jobs=)(\d+)", flags)
    if given:
        return max(1, int(given.group(1)))
    return os.cpu_count() or 1


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


def _import_papermill():
    """papermill, imported without jsonschema's optional IRI checker.

    nbformat validates notebooks with jsonschema, which on import compiles the grammar of
    its optional ``iri`` format checker (rfc3987-syntax: most of a second). nbformat checks
    no formats, so the runner leaves that module out of its own process.
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # an absent optional import
    import papermill

    return papermill


def _in_kernel(km, code: str, what: str) -> None:
    """Run `code` in the kernel and wait for its reply; an error becomes a BuildError.

    Asks on the shell channel only, which queues messages until it connects, so no
    wait for the kernel's broadcast channel is needed.
    """
    client = km.client()
    client.start_channels()
    try:
        msg_id = client.execute(code, silent=True, store_history=False)
        while True:
            reply = client.get_shell_msg(timeout=600)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
    finally:
        client.stop_channels()
    content = reply["content"]
    if content["status"] != "ok":
        evalue = str(content.get("evalue", "")).strip().replace("\n", " ")
        raise BuildError(f"{what} failed: {content.get('ename', 'error')}: {evalue}")


def _run_in_kernel(km, nb: Path, target: Path, params: dict, label: str) -> None:
    """Execute notebook `nb` in the running kernel `km`, from a fresh namespace."""
    pm = _import_papermill()
    from papermill.exceptions import PapermillExecutionError

    # a fresh namespace and execution count: nothing but imported modules carries over
    _in_kernel(km, "get_ipython().reset(new_session=True)", "resetting the kernel")
    start = time.perf_counter()
    _log(f"[{label}] {nb.stem} ...")
    try:
        pm.execute_notebook(
            str(nb),
            str(target),
            parameters=params,
            kernel_name=km.kernel_name,
            km=km,
            progress_bar=False,
            log_output=False,
            # the notebook is written when it ends (or fails), not after every cell
            request_save_on_cell_execute=False,
        )
    except PapermillExecutionError as exc:
        evalue = str(exc.evalue).strip().replace("\n", " ")
        raise BuildError(
            f"notebook {nb.name} failed at cell {exc.exec_count}: {exc.ename}: {evalue} "
            f"(the executed notebook is kept as the record)",
            path=target,
        ) from exc
    _log(f"[{label}] {nb.stem} done in {time.perf_counter() - start:.1f} s")


def _render_in_kernel(km, out: Path, notebook: str, lang: str, data_dir, label: str) -> None:
    """Draw a notebook's renderings in `lang` in a warm kernel (:mod:`analysis.render`)."""
    start = time.perf_counter()
    call = f"render_notebook({str(out)!r}, {notebook!r}, {lang!r}, {str(data_dir)!r})"
    _in_kernel(
        km,
        f"from analysis.render import render_notebook\n{call}\ndel render_notebook",
        f"drawing {notebook} in {lang}",
    )
    _log(f"[{label}] {notebook} drawn in {lang} in {time.perf_counter() - start:.1f} s")


def _kernel_manager(kernel: str):
    """A kernel manager that closes, on request, the clients opened on its kernel.

    papermill opens a client per notebook and, on a kernel it did not start, leaves it
    open; the pool runs several notebooks on one kernel, so it closes them after each.
    """
    from jupyter_client.manager import KernelManager

    class PooledKernel(KernelManager):
        def client(self, **kwargs):
            made = super().client(**kwargs)
            self.__dict__.setdefault("_opened", []).append(made)
            return made

        def close_clients(self) -> None:
            for made in self.__dict__.pop("_opened", []):
                if made.channels_running:
                    made.stop_channels()

    return PooledKernel(kernel_name=kernel)


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
    record of the run), and the renderings to ``<lang>/``: a notebook is drawn as soon
    as it has run, by whichever kernel is free, so drawing overlaps computing. A
    failing cell stops the build with papermill's error, which names the cell.
    """
    from analysis.load import check_pair

    out = pair_root(a, b, root)
    data_dir = Path(data_dir or DATA_DIR).resolve()
    params = {"country_a": a, "country_b": b}
    books = notebooks(folder)
    if not books:
        raise FileNotFoundError(f"no notebooks in {folder}")
    _run_pool(
        books,
        params,
        out,
        data_dir,
        languages,
        jobs,
        f"{a}-{b}",
        lambda: check_pair(a, b, data_dir),
    )
    return out


def _run_pool(books, params, out, data_dir, languages, jobs, label, check) -> None:
    """Run `books` with `params` on a pool of kernels, drawing each in `languages`.

    `check` runs while the kernels start; nothing is written before it passes.
    """
    import threading

    params = {
        **params,
        "data_dir": str(data_dir),
        "out_dir": str(out.resolve()),
        "lang": None,  # record the renderings; they are drawn in every language below
    }
    tasks: list[tuple] = [("run", nb) for nb in books]
    busy = 0
    failures: list[BaseException] = []
    ready = threading.Condition()

    def next_task():
        nonlocal busy
        with ready:
            while not tasks and busy and not failures:
                ready.wait()
            if failures or not tasks:
                return None
            busy += 1
            return tasks.pop(0)

    def done(new: list[tuple]) -> None:
        nonlocal busy
        with ready:
            busy -= 1
            tasks[:0] = new  # draw what has run first: the longest drawings start early
            ready.notify_all()

    def worker(km) -> None:
        try:
            (out / "notebooks").mkdir(parents=True, exist_ok=True)
            while (task := next_task()) is not None:
                new = []
                try:
                    if task[0] == "run":
                        nb = task[1]
                        _run_in_kernel(km, nb, out / "notebooks" / nb.name, params, label)
                        new = [("draw", nb.stem, lang) for lang in languages]
                    else:
                        _render_in_kernel(km, out.resolve(), task[1], task[2], data_dir, label)
                finally:
                    km.close_clients()
                    done(new)
        except BaseException as exc:  # reported by the caller, in the main thread
            with ready:
                failures.append(exc)
                ready.notify_all()
        finally:
            if km.has_kernel:
                km.shutdown_kernel(now=True)

    # the kernels start while this process imports papermill and checks the pair
    kernels = []
    for _ in range(max(1, min(jobs or default_jobs(), len(books)))):
        km = _kernel_manager(_kernel_name())
        km.start_kernel(
            cwd=str(books[0].parent), extra_arguments=["--IPKernelApp.log_level=CRITICAL"]
        )
        kernels.append(km)
    threads = [threading.Thread(target=worker, args=(km,)) for km in kernels]
    try:
        _import_papermill()
        check()
        lock = build_lock(out, label)
        lock.__enter__()
    except BaseException:
        for km in kernels:
            km.shutdown_kernel(now=True)
        raise
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        lock.__exit__(None, None, None)
    if failures:
        raise failures[0]


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
    a, b = parse_pair(pair)
    _check_languages(languages)
    start = time.perf_counter()
    out = run_notebooks(a, b, data_dir, root, folder, jobs, tuple(languages))
    took = time.perf_counter() - start
    _log(f"[{a}-{b}] results, drawn in {', '.join(languages)}, in {took:.1f} s")
    return out


def render(
    pair: str,
    languages: tuple[str, ...] = LANGUAGES,
    data_dir: str | Path | None = None,
    root: Path = BUILD_DIR,
    only_stale: bool = False,
) -> dict[str, list[str]]:
    """Step 2 again: redraw the pair's results in each language (after a change of labels).

    Returns the notebooks drawn, per language.
    """
    from analysis import render as rendering
    from analysis.load import check_pair

    a, b = parse_pair(pair)
    _check_languages(languages)
    check_pair(a, b, data_dir)
    start = time.perf_counter()
    with build_lock(pair_root(a, b, root), f"{a}-{b}"):
        drawn = {
            lang: rendering.render(pair_root(a, b, root), lang, data_dir, only_stale)
            for lang in languages
        }
    if any(drawn.values()):
        _log(f"[{a}-{b}] drawn in {', '.join(languages)} in {time.perf_counter() - start:.1f} s")
    return drawn


def assemble_paper(
    pair: str,
    lang: str = "en",
    data_dir: str | Path | None = None,
    root: Path = BUILD_DIR,
    template_dir: Path = TEMPLATE_DIR,
) -> dict[str, Path]:
    """Step 3: the paper in `lang`, under the pair's lock.

    Renderings older than the labels are redrawn first (:func:`analysis.render.stale`),
    so an edit of ``paper/text/labels.yml`` reruns no notebook.
    """
    from analysis import assemble
    from analysis import render as rendering

    a, b = parse_pair(pair)
    _check_languages((lang,))
    out = pair_root(a, b, root)
    start = time.perf_counter()
    with build_lock(out, f"{a}-{b} {lang}"):
        if rendering.stale(out, lang):
            _log(f"[{a}-{b} {lang}] redrawing what the labels changed ...")
            rendering.render(out, lang, data_dir, only_stale=True)
        _log(f"[{a}-{b} {lang}] assembling the paper ...")
        paths = assemble.assemble(
            out, lang, paper_paths(a, b, lang, root), template_dir, source_date_epoch(data_dir)
        )
    _log(
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


def panel_root(countries, root: Path = BUILD_DIR) -> Path:
    """A panel's build folder: ``build/panel-<A>-<B>-.../``."""
    return Path(root) / ("panel-" + "-".join(countries))


def build_panel(
    countries,
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
    from analysis import assemble
    from analysis.panel import load_panel

    codes = tuple(str(c).strip().upper() for c in countries)
    for code in codes:
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise UsageError(f"a country is an ISO 3166-1 alpha-3 code, e.g. MEX; got {code!r}")
    languages = _languages(lang)
    out = panel_root(codes, root)
    data_dir = Path(data_dir or DATA_DIR).resolve()
    book = Path(folder) / PANEL_NOTEBOOK
    start = time.perf_counter()
    _run_pool(
        [book],
        {"countries": list(codes)},
        out,
        data_dir,
        languages,
        1,
        out.name,
        lambda: load_panel(codes, data_dir),
    )

    def assemble_report(language: str) -> dict[str, Path]:
        with build_lock(out, f"{out.name} {language}"):
            return assemble.assemble(
                out,
                language,
                _documents(out, "panel", language),
                template_dir,
                source_date_epoch(data_dir),
                "panel.md.j2",
            )

    paths = _each_language(languages, assemble_report)
    took = time.perf_counter() - start
    _log(f"[{out.name}] wrote {', '.join(map(str, paths.values()))} in {took:.1f} s")
    return paths


__all__ = [
    "assemble_paper",
    "build",
    "build_panel",
    "compute",
    "default_jobs",
    "pair_root",
    "panel_root",
    "render",
    "results_dir",
    "build_lock",
    "clear_stale",
    "notebooks",
    "pair_dir",
    "paper_paths",
    "parse_pair",
    "run_notebooks",
    "source_date_epoch",
]
