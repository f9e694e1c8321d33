"""Benchmark: code 1,000,000 generated posts and level their accounts.

Target (issue "Coding interaction levels..."): under 3 seconds and under 1 GB
on a 2-core machine. Not a test: run it and read the line it prints::

    python benchmarks/bench_coding.py            # 1,000,000 posts
    python benchmarks/bench_coding.py 200000     # another size

The posts are generated with a fixed seed: 500 accounts, realistic mixes of
retweets, quotes, replies to others and to self, mentions, and texts of 12 to
30 words drawn from an English and Spanish vocabulary with accents, so that
every branch of the coder and of the topic dictionary does work.

The posts are saved to Parquet and coded in a fresh process, as the
notebooks would read them from data/processed. Figures printed: seconds for
``code_posts`` and ``account_levels`` (wall clock); the resident memory with
the input loaded; the peak resident memory while coding (the kernel's VmHWM,
reset after reading, so it is input plus coder); and the peak while Parquet was
being read, which is the reader's, not the coder's, with the resident memory
right after reading. Between the two, the memory the reader freed but Arrow's
allocator kept is handed back (``release_unused``, as ``code_posts`` does): the
input figure is then the table itself, not the reader's leftovers.
"""

from __future__ import annotations

import gc
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.core.coding import account_levels, code_posts  # noqa: E402
from analysis.data.importers import POSTS_COLUMNS  # noqa: E402

VOCAB = (
    "el la de en y que los con por para una del se las un su al es lo como más pero sus le ya "
    "the of and to in for on with at by from this that is are was our we "
    "canciller visita reunión bilateral multilateral cumbre comercio inversión turismo cultura "
    "becas cooperación migración océano clima curso seminario comunicado política exterior "
    "consulado pasaporte embajada frontera soberanía historia diplomacia gastronomía museo "
    "minister president visit summit trade investment tourism scholarship climate ocean "
    "statement consulate passport migrants border sovereignty course conference "
    "México Chile América Latina Pacífico Unión Europea Naciones Unidas hoy mañana semana"
).split()


def generate(n: int, n_accounts: int = 500, seed: int = 20210301) -> pd.DataFrame:
    """A posts table of `n` rows in the importers' schema, deterministic for a seed."""
    rng = np.random.default_rng(seed)
    account = rng.integers(0, n_accounts, n)
    account_id = pd.array(np.char.add("acc", account.astype(str)), dtype="string")
    post_ids = np.arange(n)
    post_id = pd.array(np.char.add("p", post_ids.astype(str)), dtype="string")
    u = rng.random(n)
    # 30% retweets, 5% quotes, 12% replies to others, 3% replies to self, rest original
    kind_ref = np.full(n, None, dtype=object)
    kind_ref[u < 0.30] = "retweeted"
    kind_ref[(u >= 0.30) & (u < 0.35)] = "quoted"
    reply = (u >= 0.35) & (u < 0.50)
    kind_ref[reply] = "replied_to"
    self_reply = (u >= 0.47) & (u < 0.50)
    in_reply_to = np.full(n, None, dtype=object)
    in_reply_to[reply] = np.char.add("x", rng.integers(0, n, reply.sum()).astype(str))
    parent_account = np.full(n, None, dtype=object)
    parent_account[reply] = np.char.add("user", rng.integers(0, 50_000, reply.sum()).astype(str))
    parent_account[self_reply] = np.asarray(account_id, dtype=object)[self_reply]
    conversation = np.char.add("c", rng.integers(0, n // 3, n).astype(str)).astype(object)
    # about 40% of posts name someone; some name themselves
    n_mentions = rng.choice([0, 0, 0, 1, 1, 2, 3], n)
    starts = np.concatenate([[0], np.cumsum(n_mentions)])
    names = np.char.add("user", rng.integers(0, 50_000, starts[-1]).astype(str)).astype(object)
    self_named = rng.random(starts[-1]) < 0.1
    owner_of_slot = np.repeat(np.arange(n), n_mentions)
    names[self_named] = np.asarray(account_id, dtype=object)[owner_of_slot[self_named]]
    mentions = pa.ListArray.from_arrays(
        pa.array(starts, type=pa.int32()), pa.array(names, type=pa.string())
    )
    # texts: 12-30 words
    lengths = rng.integers(12, 31, n)
    words = np.asarray(VOCAB, dtype=object)[rng.integers(0, len(VOCAB), lengths.sum())]
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    text = pa.compute.binary_join(
        pa.ListArray.from_arrays(pa.array(offsets), pa.array(words, type=pa.string())), " "
    )
    created = pd.Timestamp("2018-01-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 400 * 86400, n), unit="s"
    )
    counts = {
        c: pd.array(rng.poisson(lam, n), dtype="Int64")
        for c, lam in (("replies", 2), ("shares", 5), ("likes", 20), ("views", 300))
    }
    frame = pd.DataFrame(
        {
            "country": pd.array(np.where(account % 2, "MEX", "CHL"), dtype="string"),
            "role": pd.array(np.full(n, "foreign_ministry"), dtype="string"),
            "platform": pd.array(np.full(n, "twitter"), dtype="string"),
            "account_id": account_id,
            "account": pd.array(np.char.add("handle", account.astype(str)), dtype="string"),
            "post_id": post_id,
            "created_at": created,
            "conversation_id": pd.array(conversation, dtype="string"),
            "in_reply_to": pd.array(in_reply_to, dtype="string"),
            "in_reply_to_account_id": pd.array(parent_account, dtype="string"),
            # the answered account's handle, as X exports give it in includes.users
            "in_reply_to_account": pd.array(parent_account, dtype="string"),
            "kind_ref": pd.array(kind_ref, dtype="string"),
            "mentions": mentions.to_pandas(),
            **counts,
            "text": pd.Series(text, dtype="string"),
        }
    )
    return frame[list(POSTS_COLUMNS)]


def _status_mb(field: str) -> float | None:
    """A memory figure of this process from /proc/self/status (Linux), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) so the next peak is the coder's own."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


#: The governments' own accounts: an answer to one of them is ``internal`` (a fifth of
#: the answered accounts of one country, so the lookup runs on every answer).
GOVERNMENT = pd.DataFrame(
    {"country": "MEX", "platform": "twitter", "handle": [f"user{i}" for i in range(0, 50_000, 5)]}
)


def run(path: Path) -> str:
    """Read a posts Parquet file, code it and level its accounts; return the figures."""
    t0 = time.perf_counter()
    posts = pd.read_parquet(path)
    t_read = time.perf_counter() - t0
    gc.collect()
    read_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rss_read = _status_mb("VmRSS")
    # What the reader freed but Arrow's allocator kept (0 to 450 MB, by how its threads
    # ran) goes back to the system, as `code_posts` itself does first thing: what stays
    # resident is the table. Without this, the figures below swing by hundreds of MB.
    pa.default_memory_pool().release_unused()
    rss_input = _status_mb("VmRSS")
    reset = _reset_peak()
    t1 = time.perf_counter()
    coded = code_posts(posts, government=GOVERNMENT)
    t2 = time.perf_counter()
    levels = account_levels(coded)
    t3 = time.perf_counter()
    peak = (
        _status_mb("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    )
    kinds = {k: int(v) for k, v in coded["kind"].value_counts().items()}
    return (
        f"posts={len(posts):,} accounts={len(levels)} read={t_read:.2f}s "
        f"code_posts={t2 - t1:.2f}s account_levels={t3 - t2:.2f}s coding_total={t3 - t1:.2f}s "
        f"rss_input={rss_input:.0f}MB peak_rss_coding={peak:.0f}MB "
        f"(+{peak - rss_input:.0f}MB over the input; "
        f"peak while reading Parquet {read_peak:.0f}MB, {rss_read:.0f}MB right after it) "
        f"kinds={kinds}"
    )


def main(n: int = 1_000_000) -> None:
    """Generate `n` posts, save them, and code them in a fresh process (memory is the coder's)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "posts.parquet"
        t0 = time.perf_counter()
        generate(n).to_parquet(path)
        t_gen = time.perf_counter() - t0
        child = subprocess.run(
            [sys.executable, __file__, "--run", str(path)],
            check=True,
            capture_output=True,
            text=True,
        )
        print(f"generate+save={t_gen:.2f}s cpus={os.cpu_count()} {child.stdout.strip()}")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--run":
        print(run(Path(sys.argv[2])))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
