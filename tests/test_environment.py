"""The two install paths (pip: pyproject.toml, conda: environment.yml) name the same pins."""

from __future__ import annotations

import re
import tomllib

import yaml
from conftest import REPO


def _pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = project["dependencies"] + [
        d for ds in project["optional-dependencies"].values() for d in ds
    ]
    pins = {}
    for spec in specs:
        name, version = re.fullmatch(r"([A-Za-z0-9_.-]+)==([^;\s]+)", spec).groups()
        pins[name.lower()] = version
    return pins


def _environment_pins() -> dict[str, str]:
    env = yaml.safe_load((REPO / "environment.yml").read_text(encoding="utf-8"))
    pins = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for spec in dep["pip"]:
                if "==" in spec:
                    name, version = spec.split("==")
                    pins[name.lower()] = version
        elif "=" in dep and not dep.startswith("python="):
            name, version = dep.split("=")
            pins[name.lower().replace("_", "-")] = version
    return pins


def test_every_dependency_is_pinned_exactly():
    assert _pyproject_pins()  # the regex above fails on any unpinned spec


def test_pyproject_and_environment_agree():
    assert _pyproject_pins() == _environment_pins()


def test_constraints_agree_with_pins():
    lock = dict(
        line.lower().replace("_", "-").split("==")
        for line in (REPO / "constraints.txt").read_text().splitlines()
        if "==" in line
    )
    for name, version in _pyproject_pins().items():
        assert lock.get(name) == version, name
