"""Shared fixtures: a writable copy of data/raw, and the shared platform exports."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
RAW = REPO / "data" / "raw"
SHARED_FIXTURES = REPO.parent / "shared" / "fixtures"
FIXTURE_PAIR = REPO / "tests" / "fixtures" / "pair"


@pytest.fixture
def raw_copy(tmp_path: Path) -> Path:
    """A copy of data/raw that a test may break; data/raw itself is never written."""
    dest = tmp_path / "raw"
    shutil.copytree(RAW, dest, ignore=shutil.ignore_patterns("posts"))
    return dest


@pytest.fixture
def shared_fixtures() -> Path:
    """../shared/fixtures, or a skip saying why when this checkout has none beside it."""
    if not SHARED_FIXTURES.is_dir():
        pytest.skip(f"{SHARED_FIXTURES} is absent: the real platform exports are not here")
    return SHARED_FIXTURES


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
