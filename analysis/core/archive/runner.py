"""Running an archive's tasks: here on a few threads, or on a Dask cluster, with progress."""

from __future__ import annotations

import functools
import logging
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TextIO

from analysis.base.errors import UsageError

__all__ = ["CONNECT_TIMEOUT", "THREADS", "Progress", "connect", "no_client", "run_tasks"]

#: Tasks run at a time without Dask (each holds one partition in memory); one codes at a time.
THREADS = 2
#: Memory to allow each worker of ``dask="local"`` (so fewer workers than cores on a small machine).
LOCAL_WORKER_MEMORY = 2 * 2**30


class Progress:
    """Partitions done and posts per second on stderr, at most every few seconds.

    On a terminal the line is rewritten in place; elsewhere (a log, CI) nothing
    is written unless the run lasts, and then a line now and again.
    """

    def __init__(self, stream: TextIO | None, every: float, after: float, tty: bool):
        self.stream, self.every, self.after, self.tty = stream, every, after, tty
        self.started = time.monotonic()

    @classmethod
    def choose(cls, progress) -> Progress:
        if progress is False:
            return cls(None, 0, 0, False)
        stream = sys.stderr if progress is None or progress is True else progress
        tty = bool(getattr(stream, "isatty", lambda: False)())
        if progress is None and not tty:
            return cls(stream, every=30.0, after=30.0, tty=False)
        return cls(stream, every=2.0, after=0.0, tty=tty)

    def phase(self, name: str, total: int, unit: str) -> None:
        self.name, self.total, self.unit = name, total, unit
        self.done = self.posts = 0
        self.phase_started = self.last = time.monotonic()

    def step(self, posts: int) -> None:
        self.done += 1
        self.posts += posts
        now = time.monotonic()
        last = self.done == self.total
        if self.stream is None or now - self.started < self.after:
            return
        if not last and now - self.last < self.every:
            return
        self.last = now
        rate = self.posts / max(now - self.phase_started, 1e-9)
        line = (
            f"{self.name}: {self.done}/{self.total} {self.unit}, "
            f"{self.posts:,} posts, {rate:,.0f} posts/s"
        )
        if self.tty:
            self.stream.write("\r" + line.ljust(78) + ("\n" if last else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


#: How long to wait for a Dask scheduler that does not answer.
CONNECT_TIMEOUT = "20s"


def connect(dask) -> tuple[object | None, Callable[[], None]]:
    """A Dask client for ``dask`` (None, ``"local"``, an address or a Client), and its closer."""
    if dask is None:
        return None, no_client
    try:
        from distributed import Client, LocalCluster  # lazy: start-up time
    except ImportError:  # pragma: no cover - dask is a pinned dependency
        raise UsageError("--dask needs the packages dask and distributed") from None
    if not isinstance(dask, str):
        return dask, no_client  # the caller's client: the caller closes it
    if dask == "local":
        import psutil  # a dependency of distributed

        # a worker a core, each with room for a partition or two (the coder's own
        # threads already use the cores while it matches topics)
        memory = psutil.virtual_memory().total
        cluster = LocalCluster(
            n_workers=max(1, min(os.cpu_count() or 1, memory // LOCAL_WORKER_MEMORY)),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)

        def close() -> None:
            client.close()
            cluster.close()

        return client, close
    try:
        client = Client(dask, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        raise UsageError(f"cannot reach the Dask scheduler {dask!r}: {exc}") from None
    return client, client.close


class _Shared:
    """The arguments every task of a pass shares, sent to each worker once."""

    def __init__(self, kwargs: dict):
        self.kwargs = kwargs


def _call(task, fn: Callable, shared: _Shared):
    return fn(task, **shared.kwargs)


def run_tasks(
    client, fn: Callable, tasks: list, progress: Progress, rows: Callable, **shared
) -> list:
    """``fn(task, **shared)`` for each task, here or on the cluster; results in task order.

    Here, :data:`THREADS` tasks run at a time (joined before this returns or raises), but
    only one codes (:data:`analysis.core.archive.partitions.CODING`): the coder already
    keeps the cores busy with its own threads, while reading and writing Parquet (which
    release the GIL) can overlap it.
    """
    if client is None:
        pool = ThreadPoolExecutor(max_workers=THREADS)
        try:
            results = []
            for result in pool.map(functools.partial(fn, **shared), tasks):
                results.append(result)
                progress.step(rows(result))
        finally:
            # on a failure, the tasks not started are dropped and the running ones joined:
            # no thread writes into the output's temporary folder once it is removed
            pool.shutdown(wait=True, cancel_futures=True)
        return results
    from distributed import as_completed  # lazy: start-up time

    # the data go to the workers directly, not through the scheduler's task graph
    # (which would also take a plain dict argument for a graph of its own)
    payload = client.scatter(_Shared(shared), broadcast=True, hash=False)
    inputs = client.scatter(tasks, hash=False)
    futures = client.map(_call, inputs, fn=fn, shared=payload, pure=False)
    index = {f.key: i for i, f in enumerate(futures)}
    results: list = [None] * len(tasks)
    try:
        for future, result in as_completed(futures, with_results=True):
            results[index[future.key]] = result
            progress.step(rows(result))
    except BaseException:
        client.cancel(futures)
        raise
    return results


def no_client() -> None:
    """The closer of no cluster: nothing to close."""
    return None
