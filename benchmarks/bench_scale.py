"""Benchmark: code 10,000,000 posts of 2,000 accounts partition by partition, here and on Dask.

Goals (issue 15, "Coding an archive"), on a 2-core machine: peak resident
memory at most 2 GB for 10,000,000 posts; time at most 12 times the in-memory
time for 1,000,000 posts measured in the same run; results identical to the
in-memory coder, post for post. Not a test: run it and read what it prints::

    python benchmarks/bench_scale.py              # 10,000,000 posts, 2,000 accounts
    python benchmarks/bench_scale.py 2000000      # another size (a multiple of 1,000,000)

The posts are generated with a fixed seed, a million at a time, as ten Parquet
files in the posts schema (the posts of ``benchmarks/bench_coding.py``, with
every account's posts spread over all files, and a fifth of the replies to
others naming the answered post but not its author, which is then a post of
another account, often in another file: the partitioned coder must find it).

Each figure comes from a fresh process, so the memory is the coder's own:

* ``in_memory_1M_seconds``: reading the first file (1,000,000 posts), coding
  it with ``code_posts`` and ``account_levels`` and writing the coded posts:
  the whole in-memory run, as ``python -m analysis code`` does it;
* the same file coded by :func:`analysis.core.archive.code_archive`, compared with
  the in-memory result post for post and account for account;
* all the files by ``code_archive`` in one process (``seconds``,
  ``peak_rss_mb``: its peak resident memory, the kernel's VmHWM), then on a
  local Dask cluster (one worker a core; its peak is the largest sum of the
  resident memory of the process and its workers, sampled every 0.2 s), and
  the two datasets compared byte for byte.

Pending disk writes are flushed before each step (``os.sync``), so that none
pays for the last one's. Timings on a shared machine vary: run it when the
machine is otherwise idle.

The last line is ``posts=N seconds=S peak_rss_mb=M in_memory_1M_seconds=T``
for the single-process run.
"""

from __future__ import annotations

import filecmp
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_coding import generate  # noqa: E402

SEED = 20210301
CHUNK = 1_000_000
ACCOUNTS = 2_000


def write_inputs(n: int, folder: Path) -> list[Path]:
    """``n`` posts as files of a million, all accounts in every file, fixed seed."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(max(1, n // CHUNK)):
        size = min(CHUNK, n - i * CHUNK) if n >= CHUNK else n
        frame = generate(size, n_accounts=ACCOUNTS, seed=SEED + i)
        frame["post_id"] = f"k{i}-" + frame["post_id"]
        rng = np.random.default_rng(SEED + 1_000 + i)
        answers = (frame["kind_ref"] == "replied_to").fillna(False).to_numpy() & (
            frame["in_reply_to_account_id"] != frame["account_id"]
        ).fillna(False).to_numpy()
        lookup = answers & (rng.random(size) < 0.2)
        k = int(lookup.sum())
        chunk = rng.integers(0, i + 1, k).astype(str)
        row = rng.integers(0, size, k).astype(str)
        parent = np.char.add(np.char.add(np.char.add("k", chunk), "-p"), row)
        frame.loc[lookup, "in_reply_to"] = parent
        frame.loc[lookup, "in_reply_to_account_id"] = pd.NA
        path = folder / f"posts-{i:03d}.parquet"
        frame.to_parquet(path, index=False)
        paths.append(path)
        del frame
    return paths


class TreeMemory:
    """The largest sum of resident memory of this process and its descendants, sampled."""

    def __init__(self, every: float = 0.2):
        import psutil

        self.me, self.every, self.peak = psutil.Process(), every, 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        import psutil

        while not self.stop.is_set():
            total = 0
            for p in [self.me, *self.me.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self.stop.wait(self.every)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def peak_rss_mb() -> float:
    """This process's peak resident memory (the kernel's VmHWM), MB.

    Not ``ru_maxrss``: Linux carries it across fork and exec, so a child started by
    the generating process would report the generator's memory as its own.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux


def child(argv: list[str]) -> dict:
    """Run one measured step in a fresh process; it prints one JSON line.

    The disk's pending writes are flushed first, so that no step pays for the last.
    """
    os.sync()
    done = subprocess.run(
        [sys.executable, __file__, *argv], check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_in_memory(src: str, out: str) -> dict:
    from analysis.core.coding import account_levels, code_posts

    t0 = time.perf_counter()
    posts = pd.read_parquet(src)
    coded = code_posts(posts)
    levels = account_levels(coded, source="bench")
    coded.to_parquet(out, index=False)
    levels.to_parquet(out + ".levels", index=False)
    return {"seconds": time.perf_counter() - t0, "peak_rss_mb": peak_rss_mb(), "posts": len(coded)}


def run_archive(out: str, dask: str | None, inputs: list[str]) -> dict:
    from analysis.core.archive import code_archive

    with TreeMemory() as tree:
        t0 = time.perf_counter()
        result = code_archive(inputs, out, dask=dask, source="bench", progress=False)
        seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        # with Dask the workers are this process's children: their sum is the footprint
        "peak_rss_mb": max(peak_rss_mb(), tree.peak / 2**20),
        "posts": result.posts,
        "partitions": result.partitions,
        "files": result.files,
    }


def same_as_in_memory(archive_dir: Path, in_memory: Path) -> bool:
    """The coded columns of the dataset and of the in-memory run, matched by post id."""
    cols = ["post_id", "kind", "level", "topics", "topics_source"]
    a = pd.read_parquet(archive_dir, columns=cols).astype(str).sort_values("post_id")
    b = pd.read_parquet(in_memory, columns=cols).astype(str).sort_values("post_id")
    levels_a = pd.read_parquet(archive_dir / "_account_levels.parquet")
    levels_b = pd.read_parquet(str(in_memory) + ".levels")
    return (
        len(a) == len(b)
        and (a.to_numpy() == b.to_numpy()).all()
        and levels_a.astype(str).equals(levels_b.astype(str))
    )


def same_bytes(a: Path, b: Path) -> bool:
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    return files_a == files_b and all(filecmp.cmp(a / f, b / f, shallow=False) for f in files_a)


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        inputs = write_inputs(n, root / "posts")
        print(
            f"generated {n:,} posts of {ACCOUNTS} accounts in {len(inputs)} files "
            f"({time.perf_counter() - t0:.0f}s); cpus={os.cpu_count()}",
            flush=True,
        )

        mem = child(["--in-memory", str(inputs[0]), str(root / "mem.parquet")])
        print(
            f"in memory, {mem['posts']:,} posts: {mem['seconds']:.1f}s, "
            f"peak {mem['peak_rss_mb']:.0f} MB",
            flush=True,
        )
        one = child(["--archive", str(root / "one"), "-", str(inputs[0])])
        same = same_as_in_memory(root / "one", root / "mem.parquet")
        print(
            f"partitioned, {one['posts']:,} posts: {one['seconds']:.1f}s, "
            f"peak {one['peak_rss_mb']:.0f} MB; identical to in memory: {same}",
            flush=True,
        )

        here = child(["--archive", str(root / "here"), "-", *map(str, inputs)])
        print(
            f"partitioned, {here['posts']:,} posts, one process: {here['seconds']:.1f}s, "
            f"peak {here['peak_rss_mb']:.0f} MB, {here['partitions']} partitions, "
            f"{here['files']} files",
            flush=True,
        )
        dask = child(["--archive", str(root / "dask"), "local", *map(str, inputs)])
        print(
            f"partitioned, {dask['posts']:,} posts, Dask local cluster: "
            f"{dask['seconds']:.1f}s, peak {dask['peak_rss_mb']:.0f} MB (process and "
            f"workers); same bytes as one process: {same_bytes(root / 'here', root / 'dask')}",
            flush=True,
        )
        print(
            f"ratio to in memory (1M): {here['seconds'] / mem['seconds']:.1f}x "
            f"(goal <= 12x); peak {here['peak_rss_mb']:.0f} MB (goal <= 2048 MB)"
        )
        print(
            f"posts={here['posts']} seconds={here['seconds']:.1f} "
            f"peak_rss_mb={here['peak_rss_mb']:.0f} in_memory_1M_seconds={mem['seconds']:.1f}"
        )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--in-memory":
        print(json.dumps(run_in_memory(sys.argv[2], sys.argv[3])))
    elif len(sys.argv) > 1 and sys.argv[1] == "--archive":
        dask = None if sys.argv[3] == "-" else sys.argv[3]
        print(json.dumps(run_archive(sys.argv[2], dask, sys.argv[4:])))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000)
