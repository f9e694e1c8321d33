"""Shared fixtures: a writable copy of data/raw, and the shared platform exports."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
RAW = REPO / "data" / "raw"
SHARED_FIXTURES = REPO.parent / "shared" / "fixtures"


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
