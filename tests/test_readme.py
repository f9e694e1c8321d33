"""The README says what the code does: its commands exist, its list of figures and tables is
the paper's."""

from __future__ import annotations

import re
import subprocess

import pytest
from conftest import REPO

from analysis.__main__ import build_parser
from analysis.build.assemble import outputs_list, outputs_table

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_make_command_of_the_readme_is_a_target():
    listed = subprocess.run(["make", "help"], capture_output=True, text=True, cwd=REPO).stdout
    targets = set(re.findall(r"make (\S+)", listed))
    used = set(re.findall(r"^make ([a-z][a-z-]*)", README, flags=re.M))
    used |= set(re.findall(r"`make ([a-z][a-z-]*)", README))
    assert used and used <= targets, used - targets


def test_every_command_line_command_of_the_readme_exists():
    commands = set(build_parser()._subparsers._group_actions[0].choices)
    used = set(re.findall(r"python -m analysis (?:--data-dir \S+ )?([a-z-]+)", README))
    assert used and used <= commands, used - commands


def _readme_table() -> str:
    """The README's table of figures and tables: from its header to the first other line."""
    lines = README.splitlines()
    start = lines.index("| in the paper | what | notebook | function |")
    table = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        table.append(line)
    return "\n".join(table) + "\n"


@pytest.mark.slow
def test_the_list_of_figures_and_tables_is_the_papers(mex_chl_paper):
    """The README lists what the paper holds: the build's outputs.md, however many there are."""
    built = (mex_chl_paper["out"] / "outputs.md").read_text(encoding="utf-8")
    listed = outputs_table(outputs_list(mex_chl_paper["root"], "en", REPO / "paper"))
    assert built == listed
    assert _readme_table() == built, (
        "README.md's table of figures and tables is not the paper's; replace it with "
        f"build/MEX-CHL/en/outputs.md:\n{built}"
    )
    markdown = (mex_chl_paper["out"] / "paper.md").read_text(encoding="utf-8")
    shown = re.findall(r"^(?:!\[|: )((?:Figure|Table) \d+)\.", markdown, flags=re.M)
    assert sorted(shown) == sorted(
        r["label"] for r in outputs_list(mex_chl_paper["root"], "en", REPO / "paper")
    )
