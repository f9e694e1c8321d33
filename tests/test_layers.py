"""The package's architecture holds: layers, one job per module, names that exist.

import-linter checks the layers' rule (``make lint``; the contract is in pyproject.toml);
these tests check it too, with an upward import it must catch, and what it does not
check: no module imports another's private names, a lazy import says why, a docstring
names only what exists, no module is longer than 800 lines, and the Makefile sees every
module whatever its depth.
"""

from __future__ import annotations

import ast
import importlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

PACKAGE = REPO / "analysis"
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)
MAX_LINES = 800


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _lint_imports(root: Path) -> subprocess.CompletedProcess:
    code = "from importlinter.cli import lint_imports_command as run; run(['--no-cache'])"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
    )


def test_the_layers_hold_and_an_upward_import_breaks_them(tmp_path):
    kept = _lint_imports(REPO)
    assert kept.returncode == 0, kept.stdout[-2000:]
    assert "1 kept, 0 broken" in kept.stdout
    # the same package with one upward import, even inside a function, is refused
    shutil.copytree(PACKAGE, tmp_path / "analysis", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    dates = tmp_path / "analysis" / "data" / "dates.py"
    dates.write_text(
        dates.read_text(encoding="utf-8")
        + "\n\ndef _words():\n    from analysis.report import text\n\n    return text\n",
        encoding="utf-8",
    )
    broken = _lint_imports(tmp_path)
    assert broken.returncode != 0
    assert "analysis.data.dates -> analysis.report.text" in broken.stdout


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            yield node


def _resolved(path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(REPO)))
def test_no_module_imports_another_modules_private_names(path):
    for node in _imports(path):
        module = _resolved(path, node)
        if not module.startswith("analysis"):
            continue
        private = [a.name for a in node.names if a.name.startswith("_")]
        assert not private, f"{path.name}:{node.lineno} imports {private} from {module}"


def _function_imports(path: Path):
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    for func in ast.walk(ast.parse(source)):
        if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(func):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    yield node, lines


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(REPO)))
def test_an_import_inside_a_function_says_why(path):
    """A lazy import is there to save start-up time (or for a platform) and says so."""
    for node, lines in _function_imports(path):
        line = lines[node.lineno - 1]
        above = next(
            (lines[i] for i in range(node.lineno - 2, -1, -1) if lines[i].strip().startswith("#")),
            "",
        )
        nearby = [lines[i].strip() for i in range(max(0, node.lineno - 4), node.lineno - 1)]
        said = "#" in line or (above.strip() in nearby and "lazy" in above)
        assert said, f"{path.relative_to(REPO)}:{node.lineno}: {line.strip()} does not say why"


_REFERENCE = re.compile(r":(?:func|mod|class|data|meth|attr|exc):`~?(analysis(?:\.\w+)+)`")


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            if not hasattr(obj, name):
                return False
            obj = getattr(obj, name)
        return True
    return False


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(REPO)))
def test_docstrings_name_only_what_exists(path):
    text = path.read_text(encoding="utf-8")
    missing = sorted({ref for ref in _REFERENCE.findall(text) if not _resolves(ref)})
    assert not missing, f"{path.relative_to(REPO)} names what does not exist: {missing}"
    assert "DESIGN.md" not in text, "DESIGN.md is not in the repository: say it here"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(REPO)))
def test_a_module_has_one_job_and_at_most_800_lines(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(REPO)} has {lines} lines; split it"


def test_every_subpackage_says_what_its_modules_are():
    for init in PACKAGE.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        for module in init.parent.glob("*.py"):
            if module.name != "__init__.py":
                name = _module_name(module)
                assert name in doc, f"{init.relative_to(REPO)} does not list {name}"


def test_the_makefile_sees_every_module_whatever_its_depth():
    run = subprocess.run(
        ["make", "-pn", "help"], cwd=REPO, capture_output=True, text=True, check=True
    )
    line = next(x for x in run.stdout.splitlines() if x.startswith("CODE := "))
    listed = set(line.removeprefix("CODE := ").split())
    wanted = {str(p.relative_to(REPO)) for p in MODULES}
    assert wanted <= listed, sorted(wanted - listed)
    assert any(p.count("/") >= 3 for p in wanted), "a module three folders deep is seen"


_DOTTED = re.compile(r"`(analysis(?:\.\w+)+)`")


@pytest.mark.parametrize(
    "doc", ["README.md", "data/raw/README.md", "data/raw/CODEBOOK.md", "docs/adapting.md"], ids=str
)
def test_the_documentation_names_only_what_exists(doc):
    text = (REPO / doc).read_text(encoding="utf-8")
    named = set(_DOTTED.findall(text))
    assert named, f"{doc} names no module (the pattern is wrong)"
    missing = sorted(ref for ref in named if not _resolves(ref))
    assert not missing, f"{doc} names what does not exist: {missing}"
