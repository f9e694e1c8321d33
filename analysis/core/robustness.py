"""Which conclusions hold under every reading of the article, and which flip, and where.

Every comparison of :func:`analysis.core.compare.all_comparisons` and every verdict of
:func:`analysis.core.replication.verdicts` is reduced to its conclusion, a code: which
country has more (``a``, ``b``, ``equal``), which came later (``a``, ``b``), ``undecided``
where the range allows both, ``none`` without data; a statement's verdict is its own
code. The pair is then computed again under each named alternative reading
(:mod:`analysis.data.readings`), one at a time, and under all of them at once (where
two readings give one cell two values, the first named is taken), and each conclusion
is marked as holding under every reading or flipping under the ones named. No words:
:mod:`analysis.report.tables` words the table.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import pandas as pd

from analysis.core import compare, replication
from analysis.data import readings
from analysis.data.load import Study, load_all, study

__all__ = ["ALL", "CONCLUSION_KEYS", "conclusions", "robustness", "scenarios"]

#: The scenario of every alternative reading at once.
ALL = "all_alternative"
#: What names a conclusion: a comparison's codes, or a statement's id.
CONCLUSION_KEYS = ["kind", "dimension", "measure", "role", "platform", "subgroup", "claim_id"]


def _side(x: float, one: float) -> str:
    return "a" if x > one else ("b" if x < one else "equal")


def _conclusion(row) -> str:
    """A comparison row's conclusion as a code (see the module's docstring)."""
    low, high = row["ci_low"], row["ci_high"]
    if row["effect"] == "adoption_gap":  # positive: a later
        if pd.isna(low) or pd.isna(high):
            return "none"
        return "a" if low > 0 else ("b" if high < 0 else "undecided")
    if row["effect"] == "ratio":
        if not pd.isna(row["estimate"]):
            return _side(float(row["estimate"]), 1.0)
        if pd.isna(low) or pd.isna(high):
            return "none"
        return "a" if low > 1 else ("b" if math.isfinite(high) and high < 1 else "undecided")
    if pd.isna(row["difference"]):
        return "none"
    return _side(float(row["difference"]), 0.0)


def conclusions(s: Study, coded_posts: pd.DataFrame | None = None) -> pd.DataFrame:
    """The conclusion of every comparison and statement of the pair, one row each
    (`coded_posts`: the pair's coded exports, as :func:`compare.all_comparisons` takes them)."""
    comp = compare.all_comparisons(s, coded_posts=coded_posts)
    comp = comp[comp["dimension"] != ""]
    rows = [
        {
            "kind": "comparison",
            **{c: str(r[c]) for c in ("dimension", "measure", "role", "platform", "subgroup")},
            "claim_id": "",
            "conclusion": _conclusion(r),
        }
        for _, r in comp.iterrows()
    ]
    for v in replication.verdicts(s).itertuples(index=False):
        rows.append(
            {
                "kind": "statement",
                **dict.fromkeys(("dimension", "measure", "role", "platform", "subgroup"), ""),
                "claim_id": str(v.claim_id),
                "conclusion": str(v.verdict),
            }
        )
    out = pd.DataFrame(rows, columns=[*CONCLUSION_KEYS, "conclusion"])
    return out.drop_duplicates(CONCLUSION_KEYS).reset_index(drop=True)


def scenarios(data_dir: str | Path, pair: tuple[str, ...] | None = None) -> dict[str, list[str]]:
    """Each reading of the `pair`'s countries alone, then all of them at once (where two
    readings give one cell two values, the first named is taken)."""
    changes = load_all(Path(data_dir))["readings"]
    if pair is not None:
        changes = changes[changes["country"].isin(pair)]
    names = list(dict.fromkeys(changes["reading"].astype(str)))
    cells, together = set(), []
    for name in names:
        mine = changes[changes["reading"] == name]
        keys = {
            tuple(str(v) for v in r)
            for r in mine[["table", *readings.KEYS, "column"]].fillna("").itertuples(index=False)
        }
        if not keys & cells:
            together.append(name)
            cells |= keys
    out = {name: [name] for name in names}
    if len(together) > 1:
        out[ALL] = together
    return out


def robustness(s: Study, coded_posts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every conclusion of the pair under the primary reading and under each scenario.

    `coded_posts` are the pair's coded exports: the readings change table values, never
    the posts, so the same coded posts serve every scenario (and the paper's own
    comparisons are the primary ones).

    Returns
    -------
    pandas.DataFrame
        :data:`CONCLUSION_KEYS`, ``primary`` (the conclusion as built), one column per
        scenario (:func:`scenarios`: its conclusion; ``none`` where it has no such row),
        ``holds`` (the same under every scenario) and ``flips_under`` (the scenarios that
        change it, space-separated). A pair whose data name no reading has no scenario
        column, and every conclusion holds.
    """
    base = conclusions(s, coded_posts).rename(columns={"conclusion": "primary"})
    out = base.copy()
    plan = scenarios(s.data_dir, s.pair)
    with tempfile.TemporaryDirectory(prefix="readings-") as tmp:
        for name, chosen in plan.items():
            copy = readings.apply(s.data_dir, chosen, Path(tmp) / name)
            under = conclusions(study(s.a, s.b, copy), coded_posts)
            under = under.rename(columns={"conclusion": name})
            out = out.merge(under, on=CONCLUSION_KEYS, how="left")
    names = list(plan)
    out[names] = out[names].fillna("none")
    flips = [" ".join(n for n in names if row[n] != row["primary"]) for _, row in out.iterrows()]
    out["flips_under"] = flips
    out["holds"] = [not f for f in flips]
    return out
