"""The README says what the code does: its commands exist, its list of figures and tables is
the paper's."""

from __future__ import annotations

import re
import subprocess

import pytest
from conftest import REPO

from analysis.__main__ import build_parser
from analysis.build.assemble import recorded

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


@pytest.mark.slow
def test_the_list_of_figures_and_tables_is_the_papers(mex_chl_paper):
    _, provenance = recorded(mex_chl_paper["root"], "en")
    markdown = (mex_chl_paper["out"] / "paper.md").read_text(encoding="utf-8")
    in_paper = re.findall(
        r"^: Table (\d+)\..*Made by `([^`]+)` in notebook `([^`]+)`", markdown, re.M
    )
    in_paper += [
        (n, provenance[f"figure:{name}"]["function"], provenance[f"figure:{name}"]["notebook"])
        for n, name in re.findall(r"!\[Figure (\d+)\..*?\]\(figures/([a-z0-9_]+)\.svg", markdown)
    ]
    listed = re.findall(
        r"^\| (?:Figure|Table) (\d+) \| [^|]+ \| `([^`]+)` \| `([^`]+)`", README, flags=re.M
    )
    listed = {(n, fn, nb) for n, nb, fn in listed}
    assert len(listed) == len(in_paper) and listed == {(n, fn, nb) for n, fn, nb in in_paper}
