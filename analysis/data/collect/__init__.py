"""Collectors: data/raw from open sources, with every value's source and the raw responses kept.

``python -m analysis collect wikidata|youtube|bluesky|mastodon ISO`` are the only
steps besides hand entry that write data/raw
(data/raw/README.md). Each fetches with :class:`~analysis.data.collect.http.Client`,
keeps every response byte for byte under ``data/raw/snapshots/<source>/``
(:mod:`~analysis.data.collect.snapshots`), and merges what it found into the tables
with :func:`~analysis.data.collect.merge.apply`, which never overwrites a value of
another source and reports every conflict. With ``offline=True`` the saved
snapshots are replayed and the network is never touched; the paper build never
collects.

Modules: :mod:`~analysis.data.collect.wikidata`, :mod:`~analysis.data.collect.youtube`,
:mod:`~analysis.data.collect.bluesky`, :mod:`~analysis.data.collect.mastodon` (with what
they share, :mod:`~analysis.data.collect.timelines`), :mod:`~analysis.data.collect.merge`,
:mod:`~analysis.data.collect.snapshots`, :mod:`~analysis.data.collect.http`.
"""

from __future__ import annotations

from .merge import Collection

__all__ = ["WRITTEN", "Collection", "format_report"]

#: The merge actions that wrote a value.
WRITTEN = ("added", "filled", "updated")


def format_report(collection: Collection) -> str:
    """What a collection did, as lines for the terminal (the report itself holds codes).

    One summary line, then one line per value not written: conflicts, skipped
    and held values, and requests that found nothing.
    """
    report = collection.report
    written = report["action"].isin(WRITTEN)
    counts = report["action"].value_counts()
    done = ", ".join(f"{counts[a]} {a}" for a in WRITTEN if a in counts) or "none written"
    head = f"{len(collection.snapshots)} snapshots read; values: {done}"
    if (~written).any():
        head += f"; {int((~written).sum())} not written (another source holds the row or cell):"
    lines = [head]
    for r in report[~written].itertuples():
        old = f"{r.old!r} ({r.old_source})" if r.old else f"empty ({r.old_source or 'no source'})"
        lines.append(
            f"  {r.action:<8} {r.file} {r.key} {r.column}: {old}; found {r.new!r} ({r.new_source})"
        )
    lines += [f"  nothing  {m}" for m in collection.missing]
    return "\n".join(lines)
