"""Write tests/CATALOGUE.md: every case of the untrusted-input catalogue (issue 22), run.

    python tests/catalogue.py

Each case of ``tests/untrusted_cases.py`` is run on a scratch copy and its line is written
as the person sees it; ``tests/test_untrusted.py`` checks every line again on each run of
the suite, so a change that alters what a person sees must regenerate this file.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from untrusted_cases import CASES, CATALOGUE, normalise  # noqa: E402

FAMILIES = {
    "outputs": "Outputs that destroy",
    "collectors": "Collectors that launder",
    "keys": "Keys that look different but are not",
    "names": "Names that fool make",
    "options": "Options that run code",
    "numbers": "Numbers and dates",
    "size": "Scale as an attack",
    "smaller": "Smaller",
    "exports": "Exports that are what they say",
}

HEAD = """# Untrusted input: the second round's catalogue

Every case of the second attack run (issue 22, with the export checks of issue 18), the
command a person types, and what they see: one line and exit 2, or, where the input is not
an error, the correct result (exit 0). Paths of scratch copies are shown as `<tmp>`. The
first round's cases (markup, fetches, `..` and linked exports, make-variable injection,
`--out` equal to the input, short rows, huge counts, broken YAML, formula cells, SIGTERM,
concurrent builds, byte-identical PDFs) are tested in `tests/test_untrusted.py` as before.

A case that reads the study's data reads a scratch copy: of the article's data (data/raw's
rows of Mexico and Chile, which a new country does not change; a command shown without
`--data-dir` is given one) or of the fixture pair. The countries a student adds to
data/raw change no line below.

Cases that no command reaches on a machine without the network (the HTTP client, against a
server on the loopback interface; a Wikidata response) run the library call and show its
error as the command line prints it. The posts limit is checked with the codebook's limit
lowered to 5 (the fixture's export holds 7 posts), and the line shows the real limit; the
other limits are met at their real sizes.

Each line below is checked on every run of `make test` (`tests/test_untrusted.py` runs the
case of `tests/untrusted_cases.py` and compares); `python tests/catalogue.py` rewrites this
file from the same runs.

| family | case | command | what the user sees |
|---|---|---|---|
"""


def main() -> None:
    rows = []
    for case in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            line = normalise(case.run(Path(tmp)), Path(tmp))
        cells = [FAMILIES[case.family], f"`{case.id}`", case.command, f"`{line}`"]
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        print(f"{case.id}: {line}", file=sys.stderr)
    CATALOGUE.write_text(HEAD + "\n".join(rows) + "\n", encoding="utf-8")
    print(f"wrote {CATALOGUE} ({len(rows)} cases)")


if __name__ == "__main__":
    main()
