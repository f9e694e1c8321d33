"""The guide to adapting the analysis (docs/adapting.md), followed literally.

Each recipe of the guide is a list of edits (diffs, new notebook cells) and commands. The fast
test applies every recipe's edits to a copy of the files they touch, so the guide cannot drift
from the code. The slow tests apply all recipes to one copy of the repository and build both
papers once, as the recipes' commands say (one build serves them all: the recipes change
different things), then check that each change shows in the papers. Both copies hold the
article's data (data/raw's MEX and CHL rows, as in the guide): what a student added to
data/raw is not in them. The one command they do not
run is ``python tests/golden/regenerate.py``: it reruns the notebooks only to refresh the golden
results, which no check here reads.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
import yaml
from conftest import RAW, REPO, copy_article

from analysis.report.text import fmt_percent

GUIDE = REPO / "docs" / "adapting.md"
#: Left out of the copy: what the build, git and the tools make (the environment is shared).
NOT_COPIED = ("build", ".venv", ".git", ".benchmarks", ".pytest_cache", ".ruff_cache")
#: Commands the copy runs, in this order, once each; any other command of a recipe is named here.
COMMANDS = ("make datapackage", "make paper", "make paper LANG=es")
SKIPPED = ("python tests/golden/regenerate.py",)


@dataclass
class Recipe:
    title: str
    diffs: list[str] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)

    def files(self) -> set[str]:
        """The files the recipe's edits touch."""
        touched = {re.search(r"^\+\+\+ b/(\S+)", d, re.M).group(1) for d in self.diffs}
        touched |= {_cell_target(c) for c in self.cells}
        return touched


def recipes(text: str) -> dict[str, Recipe]:
    """The recipes of the guide: every ``## `` section with an edit or a command."""
    found = {}
    for section in re.split(r"^## ", text, flags=re.M)[1:]:
        title = section.splitlines()[0].strip()
        recipe = Recipe(title)
        for kind, body in re.findall(r"^```(\w+)\n(.*?)^```", section, flags=re.M | re.S):
            if kind == "diff":
                recipe.diffs.append(body)
            elif kind == "python" and re.match(r"# notebooks/\S+\.ipynb: a new cell", body):
                recipe.cells.append(body)
            elif kind == "sh":
                recipe.commands += [line.strip() for line in body.splitlines() if line.strip()]
        if recipe.diffs or recipe.cells or recipe.commands:
            found[title] = recipe
    return found


RECIPES = recipes(GUIDE.read_text(encoding="utf-8"))


def _cell_target(cell: str) -> str:
    return re.match(r"# (notebooks/\S+\.ipynb):", cell).group(1)


def apply_diff(root: Path, diff: str) -> None:
    """Apply a diff of the guide: each hunk's old lines (context and ``-``) become its new
    lines (context and ``+``); the old lines must occur once in the file."""
    path = root / re.search(r"^\+\+\+ b/(\S+)", diff, re.M).group(1)
    text = path.read_text(encoding="utf-8")
    hunks = re.split(r"^@@.*@@\n", diff, flags=re.M)[1:]
    assert hunks, f"a diff of {path.name} has no hunk"
    for hunk in hunks:
        old, new = [], []
        for line in hunk.splitlines():
            mark, rest = line[:1], line[1:]
            if mark in (" ", "-"):
                old.append(rest)
            if mark in (" ", "+"):
                new.append(rest)
        before, after = "\n".join(old) + "\n", "\n".join(new) + "\n"
        if not [ln for ln in old if ln]:  # only additions: at the end of the file
            text += after
            continue
        assert text.count(before) == 1, (
            f"{path.name}: the lines to change occur not once:\n{before}"
        )
        text = text.replace(before, after)
    path.write_text(text, encoding="utf-8")


def add_cell(root: Path, cell: str) -> None:
    """Add a recipe's cell at the end of its notebook."""
    path = root / _cell_target(cell)
    book = nbformat.read(path, as_version=4)
    book.cells.append(nbformat.v4.new_code_cell(cell.rstrip("\n")))
    nbformat.write(book, path)


def follow(root: Path, recipe: Recipe) -> None:
    """The recipe's edits, as the guide writes them."""
    for diff in recipe.diffs:
        apply_diff(root, diff)
    for cell in recipe.cells:
        add_cell(root, cell)


def test_the_guide_has_its_recipes_and_each_applies_to_the_code(tmp_path, article_data):
    """Every recipe has a check below; its edits apply to the files as they are now (data/raw's
    as the article gives them); its commands are ones the copy runs."""
    assert set(RECIPES) == set(CHECKED), set(RECIPES) ^ set(CHECKED)
    raw = RAW.relative_to(REPO)
    for recipe in RECIPES.values():
        root = tmp_path / re.sub(r"\W+", "_", recipe.title)
        for name in recipe.files():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            inside = Path(name).parent == raw
            shutil.copy(article_data / Path(name).name if inside else REPO / name, root / name)
        follow(root, recipe)
        assert recipe.commands and set(recipe.commands) <= set(COMMANDS + SKIPPED), recipe.commands
        for cell in recipe.cells:
            compile(cell, cell.splitlines()[0], "exec")


def _environment(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "LANG")}
    env["PYTHONPATH"] = str(root)  # the copy's code, in make and in the notebooks' kernels
    return env


def _not_copied(folder: str, names: list[str]) -> list[str]:
    """What the copy leaves out: NOT_COPIED at the top only (analysis/build is code), caches."""
    top = Path(folder) == REPO
    return [n for n in names if (top and n in NOT_COPIED) or n == "__pycache__"]


@pytest.fixture(scope="session")
def adapted(tmp_path_factory) -> Path:
    """A copy of the repository with every recipe followed, and both papers built once."""
    root = tmp_path_factory.mktemp("adapted") / "repo"
    shutil.copytree(REPO, root, ignore=_not_copied)
    shutil.rmtree(root / RAW.relative_to(REPO))
    copy_article(root / RAW.relative_to(REPO))
    (root / ".venv").symlink_to(REPO / ".venv", target_is_directory=True)
    for recipe in RECIPES.values():
        follow(root, recipe)
    wanted = {c for r in RECIPES.values() for c in r.commands}
    for command in (c for c in COMMANDS if c in wanted):
        run = subprocess.run(
            command.split(), cwd=root, env=_environment(root), capture_output=True, text=True
        )
        assert run.returncode == 0, f"{command}:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    return root


def _paper(root: Path, lang: str) -> str:
    pair = yaml.safe_load((root / "paper" / "paper.yml").read_text(encoding="utf-8"))["pair"]
    return (root / "build" / pair / lang / "paper.md").read_text(encoding="utf-8")


def _section(root: Path, lang: str, key: str) -> str:
    """The text of the paper's section headed by the text `key` (``h_website``), to the next."""
    heading = yaml.safe_load((root / "paper" / "text" / f"{lang}.yml").read_text())[key]
    markdown = _paper(root, lang)
    start = markdown.index(f"\n# {heading}\n")
    end = markdown.find("\n# ", start + 1)
    return markdown[start : end if end > 0 else None]


def _threshold(root: Path) -> None:
    levels = yaml.safe_load((root / "data" / "raw" / "codebook.yml").read_text())["account_levels"]
    low = levels["low"]
    assert low["min_share"] == 0.05  # the recipe's value
    for lang, words in (("en", "{label} from {share}"), ("es", "{label} desde el {share}")):
        said = words.format(label=low[lang].lower(), share=fmt_percent(0.05, lang, None))
        assert said in _paper(root, lang)


def _figure(root: Path) -> None:
    for lang, label, caption in (
        ("en", "Figure", "Accounts of each country on each platform."),
        ("es", "Figura", "Cuentas de cada país en cada plataforma."),
    ):
        presence = _section(root, lang, "h_presence")
        found = re.search(rf"!\[{label} (\d+)\. {re.escape(caption)}\]", presence)
        assert found, f"the figure is not in the {lang} paper's section"
        assert "(figures/accounts_per_platform.svg){#fig-accounts_per_platform" in presence
    pair = yaml.safe_load((root / "paper" / "paper.yml").read_text())["pair"]
    for lang in ("en", "es"):
        assert (root / "build" / pair / lang / "figures" / "accounts_per_platform.png").is_file()
    listed = (root / "build" / pair / "en" / "outputs.md").read_text(encoding="utf-8")
    assert "| `01_presence` | `accounts_per_platform` |" in listed  # for the README


def _table(root: Path) -> None:
    for lang, caption in (
        ("en", "Website criteria met and checked, per country."),
        ("es", "Criterios de la página web cumplidos y comprobados, por país."),
    ):
        section = _section(root, lang, "h_website")
        found = re.search(rf"^: \w+ \d+\. {re.escape(caption)}$", section, re.M)
        assert found, f"the table is not in the {lang} paper's section"
    pair = yaml.safe_load((root / "paper" / "paper.yml").read_text())["pair"]
    listed = (root / "build" / pair / "en" / "outputs.md").read_text(encoding="utf-8")
    assert "| `02_website` | `criteria_per_country` |" in listed  # what made it, said once


def _measure(root: Path) -> None:
    for lang, row in (
        ("en", "Accounts on all platforms"),
        ("es", "Cuentas en todas las plataformas"),
    ):
        assert re.search(rf"^\| .*{row} \|", _paper(root, lang), flags=re.M), lang


def _topic(root: Path) -> None:
    for lang, label in (("en", "History and memory"), ("es", "Historia y memoria")):
        assert label in _paper(root, lang), lang
    package = (root / "data" / "raw" / "datapackage.json").read_text(encoding="utf-8")
    assert '"history"' in package  # make datapackage wrote the new topic


def _default_pair(root: Path) -> None:
    assert sorted(p.name for p in (root / "build").iterdir() if p.is_dir()) == ["CHL-MEX"]
    for name in ("paper.html", "paper.pdf", "paper.es.html", "paper.es.pdf"):
        assert (root / "build" / "CHL-MEX" / name).is_file()
    code = "from analysis.data import load; print('-'.join(load.study().pair))"
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        env=_environment(root),
        capture_output=True,
        text=True,
    )
    assert run.stdout.strip() == "CHL-MEX", run.stderr  # a notebook run by hand opens with it


CHECKED = {
    "Change a threshold": _threshold,
    "Add a figure": _figure,
    "Add a table": _table,
    "Add a comparison measure": _measure,
    "Add a topic to the agenda codes": _topic,
    "Use another pair as the default": _default_pair,
}


@pytest.mark.slow
@pytest.mark.parametrize("title", list(CHECKED))
def test_each_recipe_changes_the_papers_as_it_says(adapted, title):
    CHECKED[title](adapted)
