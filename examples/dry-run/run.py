"""The offline dry run: a new country from ``make country`` to its pair paper and the panel.

``make dry-run`` runs ``python examples/dry-run/run.py build/dry-run --iso PER``. Every step
is the command a person types, run on a copy of data/raw in ``build/dry-run/raw``; nothing
goes online (the collection is ``--offline``, as ``make collect ... OFFLINE=1``) and data/raw
is never written (checked at the end: its files are hashed before and after).

1. ``make country ISO=PER``: the empty rows and the protocol;
2. by hand (``prepare.py``): the institutions' Wikidata items, and the saved responses with
   their rows in ``snapshots/wikidata/manifest.csv`` (CONSTRUCTED responses, README.md);
3. ``make collect ISO=PER SOURCES=wikidata OFFLINE=1``: the values, from the snapshots;
4. ``make check-data``: what is filled, from which source;
5. ``make paper PAIR=PER-MEX``: the pair paper, against the first country of the default pair;
6. ``make panel COUNTRIES="MEX CHL PER"``: the panel, the default pair and the new country.

Options: ``--iso`` the new country (one data/raw has no rows for), ``--source`` the data
directory to copy (default data/raw), ``--against`` the other country of the pair, ``--panel``
the panel's other countries, ``--lang``.
"""

from __future__ import annotations

import argparse
import hashlib
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # examples/ stays as shipped
sys.path.insert(0, str(Path(__file__).resolve().parent))

import prepare  # noqa: E402  (beside this file)

#: The marker of an output folder this script made: only such a folder is emptied again.
MARKER = ".dry-run"


def _shown(path: Path) -> str:
    """A path as a person would type it: relative to the working folder when inside it."""
    try:  # absolute, not resolved: .venv/bin/python stays itself, not the python it links to
        return str(Path(path).absolute().relative_to(Path.cwd().absolute()))
    except ValueError:
        return str(path)


def _tree_digest(folder: Path) -> dict[str, str]:
    """Every file under `folder` (links followed) and its SHA-256."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            out[path.relative_to(folder).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _fresh(out: Path, source: Path) -> Path:
    """`out` emptied (only when this script made it), and the copy of `source` in it."""
    for forbidden in (prepare.LIVE.resolve(), source.resolve()):
        target = out.resolve()
        if (
            target == forbidden
            or target.is_relative_to(forbidden)
            or forbidden.is_relative_to(target)
        ):
            sys.exit(
                f"error: {out} is, holds or lies inside {_shown(forbidden)}; choose another folder"
            )
    if out.exists():
        if not (out / MARKER).is_file():
            if any(out.iterdir()):
                sys.exit(
                    f"error: {out} is not empty and was not made by the dry run; "
                    "choose another folder"
                )
        else:
            shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("made by examples/dry-run/run.py; emptied by its next run\n")
    raw = out / "raw"
    # links are copied as what they point to: the copy never writes through to the original
    shutil.copytree(source, raw, symlinks=False)
    return raw


def _step(n: int, title: str, argv: list[str]) -> None:
    print(f"\n[{n}/6] {title}", flush=True)
    python = _shown(Path(sys.executable)) if argv[0] == sys.executable else argv[0]
    print("$ " + shlex.join([python, *argv[1:]]), flush=True)
    done = subprocess.run(argv, check=False)
    if done.returncode != 0:
        sys.exit(f"dry run: step {n} failed (exit status {done.returncode}); see above")


def main(argv: list[str] | None = None) -> int:
    from analysis.data.countries import default_pair

    first, second = default_pair()
    parser = argparse.ArgumentParser(
        prog="examples/dry-run/run.py", description=__doc__.split("\n")[0]
    )
    parser.add_argument("out", type=Path, help="the folder of the dry run (e.g. build/dry-run)")
    parser.add_argument(
        "--iso", default="PER", type=str.upper, help="the new country (default PER)"
    )
    parser.add_argument(
        "--source", type=Path, default=prepare.LIVE, help="the data to copy (default data/raw)"
    )
    parser.add_argument(
        "--against",
        default=first,
        type=str.upper,
        help=f"the pair's other country (default {first})",
    )
    parser.add_argument(
        "--panel",
        nargs="+",
        type=str.upper,
        default=[first, second],
        help=f"the panel's other countries (default {first} {second})",
    )
    parser.add_argument("--lang", default="en", choices=["en", "es"])
    args = parser.parse_args(argv)
    panel = list(dict.fromkeys([*args.panel, args.iso]))
    pair = f"{args.iso}-{args.against}"

    before = _tree_digest(args.source)
    raw = _fresh(args.out, args.source)
    print(
        f"dry run: a new country, {args.iso}, from `make country` to its paper and the panel, "
        f"offline, on a copy of {_shown(args.source)} in {_shown(raw)} "
        f"({_shown(args.source)} itself is not written)"
    )
    cli = [sys.executable, "-m", "analysis", "--data-dir", _shown(raw)]
    out = _shown(args.out)
    _step(
        1,
        f"make country ISO={args.iso}: the empty rows to fill, and the protocol",
        [*cli, "country", args.iso],
    )
    _step(
        2,
        "by hand: each institution's Wikidata item in institutions.csv (column wikidata), and "
        "the saved responses under snapshots/wikidata/, each with its row in manifest.csv",
        [sys.executable, _shown(Path(prepare.__file__)), _shown(raw), args.iso],
    )
    _step(
        3,
        f"make collect ISO={args.iso} SOURCES=wikidata OFFLINE=1: the values, from the saved "
        "responses only (--offline: nothing goes online)",
        [*cli, "collect", "wikidata", args.iso, "--offline"],
    )
    _step(4, "make check-data: what is filled, and from which source", [*cli, "check-data"])
    lang = [] if args.lang == "en" else ["--lang", args.lang]
    _step(
        5,
        f"make paper PAIR={pair}: the pair's paper",
        [*cli, "paper", "--pair", pair, *lang, "--build-dir", out],
    )
    _step(
        6,
        f'make panel COUNTRIES="{" ".join(panel)}": the panel',
        [*cli, "panel", "--countries", *panel, "--lang", args.lang, "--build-dir", out],
    )
    after = _tree_digest(args.source)
    if after != before:
        changed = sorted(set(before.items()) ^ set(after.items()))
        sys.exit(f"dry run: {_shown(args.source)} changed during the run ({changed[0][0]}, ...)")
    suffix = "" if args.lang == "en" else f".{args.lang}"
    print(
        f"\ndry run done, offline: {out}/{pair}/paper{suffix}.html (and .pdf), "
        f"{out}/panel-{'-'.join(panel)}/panel{suffix}.html (and .pdf); "
        f"{_shown(args.source)} unchanged ({len(after)} files)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
