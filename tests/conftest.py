"""Shared fixtures: a writable copy of data/raw, the fixture pair, its paper.

Everything a test reads lies inside the repository (tests/fixtures/, with licences):
the suite needs nothing beside it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analysis.paths import DATA_DIR as RAW
from analysis.paths import REPO_ROOT as REPO

FIXTURES = REPO / "tests" / "fixtures"
FIXTURE_PAIR = FIXTURES / "pair"
#: Real twarc2 exports of the X API v2 (twarc-csv's test data, MIT; see its README).
TWARC = FIXTURES / "twitter-v2"


@pytest.fixture
def raw_copy(tmp_path: Path) -> Path:
    """A copy of data/raw that a test may break; data/raw itself is never written."""
    dest = tmp_path / "raw"
    shutil.copytree(RAW, dest, ignore=shutil.ignore_patterns("posts"))
    return dest


@pytest.fixture(scope="session")
def fixture_data(tmp_path_factory) -> Path:
    """The second pair (ARG, URY) as a data directory with the project's codebook."""
    data = tmp_path_factory.mktemp("pair") / "raw"
    shutil.copytree(FIXTURE_PAIR, data)
    for name in ("codebook.yml", "README.md"):
        shutil.copy(RAW / name, data / name)
    return data


@pytest.fixture(scope="session")
def fixture_paper(fixture_data, tmp_path_factory) -> dict[str, Path]:
    """The English paper of the pair URY-ARG, built once for the session."""
    from analysis import paper

    root = tmp_path_factory.mktemp("build")
    paths = paper.build("URY-ARG", "en", data_dir=fixture_data, root=root)
    return {**paths, "out": paper.pair_dir("URY", "ARG", "en", root)}


@pytest.fixture(scope="session")
def fixture_paper_es(fixture_data, tmp_path_factory) -> dict[str, Path]:
    """The Spanish paper of the pair URY-ARG, built once for the session."""
    from analysis import paper

    root = tmp_path_factory.mktemp("build-es")
    paths = paper.build("URY-ARG", "es", data_dir=fixture_data, root=root)
    return {**paths, "out": paper.pair_dir("URY", "ARG", "es", root)}


@pytest.fixture(scope="session")
def mex_chl_paper(tmp_path_factory) -> dict[str, Path]:
    """The English paper of the article's pair, MEX-CHL, built once for the session."""
    from analysis import paper

    root = tmp_path_factory.mktemp("build-mex-chl")
    paths = paper.build("MEX-CHL", "en", root=root)
    return {**paths, "out": paper.pair_dir("MEX", "CHL", "en", root)}
