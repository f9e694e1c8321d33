"""A pool of Jupyter kernels that run notebooks side by side, and draw each as it ends.

The study's notebooks do not depend on each other, so :func:`run_pool` starts as many
kernels as there are jobs (make's ``-jN``, else the cores) and lets each take the next
task: run a notebook with papermill (in a fresh namespace, IPython's ``reset``, keeping
only the imported modules warm), or draw a notebook that has run in one language
(:mod:`analysis.build.draw`). Drawing overlaps computing; a failing cell stops the pool
with papermill's error, which names the cell.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from analysis.base.errors import BuildError

__all__ = ["KERNEL", "default_jobs", "import_papermill", "kernel_name", "log", "run_pool"]

KERNEL = "dpd-compendium"


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


def kernel_name() -> str:
    """The project's named kernel where installed (make env does), else this interpreter's."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel  # lazy: start-up time

    try:
        KernelSpecManager().get_kernel_spec(KERNEL)
        return KERNEL
    except NoSuchKernel:
        return "python3"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def import_papermill():
    """papermill, imported without jsonschema's optional IRI checker.

    nbformat validates notebooks with jsonschema, which on import compiles the grammar of
    its optional ``iri`` format checker (rfc3987-syntax: most of a second). nbformat checks
    no formats, so the runner leaves that module out of its own process.
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # an absent optional import
    import papermill  # lazy: start-up time

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
    pm = import_papermill()
    from papermill.exceptions import PapermillExecutionError  # lazy: start-up time

    # a fresh namespace and execution count: nothing but imported modules carries over
    _in_kernel(km, "get_ipython().reset(new_session=True)", "resetting the kernel")
    start = time.perf_counter()
    log(f"[{label}] {nb.stem} ...")
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
    log(f"[{label}] {nb.stem} done in {time.perf_counter() - start:.1f} s")


def _draw_in_kernel(km, out: Path, notebook: str, lang: str, data_dir, label: str) -> None:
    """Draw a notebook's drawings in `lang` in a warm kernel (:mod:`analysis.build.draw`)."""
    start = time.perf_counter()
    call = f"draw_notebook({str(out)!r}, {notebook!r}, {lang!r}, {str(data_dir)!r})"
    _in_kernel(
        km,
        f"from analysis.build.draw import draw_notebook\n{call}\ndel draw_notebook",
        f"drawing {notebook} in {lang}",
    )
    log(f"[{label}] {notebook} drawn in {lang} in {time.perf_counter() - start:.1f} s")


def _kernel_manager(kernel: str):
    """A kernel manager that closes, on request, the clients opened on its kernel.

    papermill opens a client per notebook and, on a kernel it did not start, leaves it
    open; the pool runs several notebooks on one kernel, so it closes them after each.
    """
    from jupyter_client.manager import KernelManager  # lazy: start-up time

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


def run_pool(
    books: list[Path],
    params: dict,
    out: Path,
    data_dir: Path,
    languages: tuple[str, ...],
    jobs: int | None,
    label: str,
    check: Callable[[], None],
    lock: Callable,
) -> None:
    """Run `books` with `params` on a pool of kernels, drawing each in `languages`.

    `check` runs while the kernels start; nothing is written before it passes. `lock()`
    is the context manager held while the pool writes into `out` (the build's lock).
    """
    params = {
        **params,
        "data_dir": str(data_dir),
        "out_dir": str(out.resolve()),
        "lang": None,  # record the drawings; they are drawn in every language below
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
                        _draw_in_kernel(km, out.resolve(), task[1], task[2], data_dir, label)
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
        km = _kernel_manager(kernel_name())
        km.start_kernel(
            cwd=str(books[0].parent), extra_arguments=["--IPKernelApp.log_level=CRITICAL"]
        )
        kernels.append(km)
    threads = [threading.Thread(target=worker, args=(km,)) for km in kernels]
    try:
        import_papermill()
        check()
        held = lock()
        held.__enter__()
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
        held.__exit__(None, None, None)
    if failures:
        raise failures[0]
