"""The two hand steps of the offline dry run, done on a copy of data/raw (never data/raw itself).

``python examples/dry-run/prepare.py build/dry-run/raw URY`` does what a person does by hand
between ``make country ISO=URY`` and ``make collect ISO=URY OFFLINE=1``:

1. puts each institution's Wikidata item in ``institutions.csv``, column ``wikidata``, as
   ``wikidata.csv`` beside this file lists them (role, item);
2. places the saved responses of those items under ``snapshots/wikidata/``, each with its row
   in ``snapshots/wikidata/manifest.csv`` (a row already there for another file is kept).

The responses are CONSTRUCTED (README.md beside this file): they describe no real institution.
"""

from __future__ import annotations

import csv
import io
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
LIVE = REPO / "data" / "raw"


def _refuse_live(data_dir: Path) -> None:
    """The dry run writes a copy only: never data/raw, nothing inside it, nothing holding it."""
    target, live = data_dir.resolve(), LIVE.resolve()
    if target == live or target.is_relative_to(live) or live.is_relative_to(target):
        sys.exit(f"error: {data_dir} is data/raw or holds it; the dry run works on a copy")


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))
    return list(reader.fieldnames or ()), list(reader)


def _write(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def fill_items(data_dir: Path, iso: str) -> list[str]:
    """Write the demo's Wikidata items into the country's rows of institutions.csv."""
    _, items = _read(HERE / "wikidata.csv")
    wanted = {row["role"]: row["wikidata"] for row in items}
    path = data_dir / "institutions.csv"
    columns, rows = _read(path)
    done = []
    for row in rows:
        if row["country"] == iso and row["role"] in wanted:
            row["wikidata"] = wanted[row["role"]]
            done.append(f"{row['role']} = {row['wikidata']}")
    if len(done) != len(wanted):
        sys.exit(f"error: {path} has no empty rows of {iso}: run `country {iso}` first")
    _write(path, columns, rows)
    return done


def place_snapshots(data_dir: Path) -> list[str]:
    """Copy the saved responses and add their manifest rows (other rows are kept)."""
    source = HERE / "snapshots" / "wikidata"
    target = data_dir / "snapshots" / "wikidata"
    target.mkdir(parents=True, exist_ok=True)
    columns, demo = _read(source / "manifest.csv")
    manifest = target / "manifest.csv"
    have_columns, rows = _read(manifest) if manifest.is_file() else (columns, [])
    kept = [row for row in rows if row["file"] not in {r["file"] for r in demo}]
    for row in demo:
        shutil.copyfile(source / row["file"], target / row["file"])
    _write(
        manifest, have_columns, kept + [{c: row.get(c, "") for c in have_columns} for row in demo]
    )
    return [str(target / row["file"]) for row in demo]


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.exit("usage: python examples/dry-run/prepare.py DATA_DIR ISO")
    data_dir, iso = Path(argv[0]), argv[1].strip().upper()
    _refuse_live(data_dir)
    for line in fill_items(data_dir, iso):
        print(f"{data_dir / 'institutions.csv'}: {iso} {line}")
    for path in place_snapshots(data_dir):
        print(f"placed {path}, with its row in manifest.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
