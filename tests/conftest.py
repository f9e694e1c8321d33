"""Shared fixtures: a writable copy of data/raw, the fixture pair, its paper.

Everything a test reads lies inside the repository (tests/fixtures/, with licences):
the suite needs nothing beside it.
"""

from __future__ import annotations

import fcntl
import shutil
from pathlib import Path

import pytest

from analysis.base import paths
from analysis.base.paths import DATA_DIR as RAW
from analysis.base.paths import REPO_ROOT as REPO
from analysis.data import countries

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


def _once(tmp_path_factory, worker_id: str, name: str, make) -> Path:
    """`make(folder)` once for the whole run, shared by the pytest-xdist workers.

    The first worker to ask builds under a file lock; the others wait and reuse it.
    """
    base = tmp_path_factory.getbasetemp()
    if worker_id != "master":  # each worker has its own basetemp inside the run's
        base = base.parent
    target, done = base / name, base / f".{name}.done"
    with open(base / f".{name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not done.exists():
                shutil.rmtree(target, ignore_errors=True)
                make(target)
                done.touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return target


def _pair_data(target: Path) -> None:
    shutil.copytree(FIXTURE_PAIR, target / "raw")
    for name in ("codebook.yml", "README.md"):
        shutil.copy(RAW / name, target / "raw" / name)


@pytest.fixture(scope="session")
def fixture_data(tmp_path_factory, worker_id) -> Path:
    """The second pair (ARG, URY) as a data directory with the project's codebook (read-only)."""
    return _once(tmp_path_factory, worker_id, "pair-data", _pair_data) / "raw"


def _papers(tmp_path_factory, worker_id, pair: str, data_dir: Path | None, name: str):
    """Both languages' papers of `pair`, built once for the run (one notebook run)."""
    from analysis.build import paper

    root = _once(
        tmp_path_factory,
        worker_id,
        name,
        lambda target: paper.build(pair, ("en", "es"), data_dir=data_dir, root=target),
    )
    a, b = countries.parse_pair(pair)
    return {
        lang: {
            **paths.paper_paths(a, b, lang, root),
            "out": paths.pair_dir(a, b, lang, root),
            "root": paths.pair_root(a, b, root),
        }
        for lang in ("en", "es")
    }


@pytest.fixture(scope="session")
def fixture_papers(fixture_data, tmp_path_factory, worker_id) -> dict[str, dict[str, Path]]:
    """The papers of the pair URY-ARG in both languages, built once for the run."""
    return _papers(tmp_path_factory, worker_id, "URY-ARG", fixture_data, "build-ury-arg")


@pytest.fixture(scope="session")
def fixture_paper(fixture_papers) -> dict[str, Path]:
    """The English paper of URY-ARG: ``html``, ``pdf``, ``out`` (its English outputs), ``root``."""
    return fixture_papers["en"]


@pytest.fixture(scope="session")
def fixture_paper_es(fixture_papers) -> dict[str, Path]:
    """The Spanish paper of URY-ARG, from the same notebook run as the English one."""
    return fixture_papers["es"]


@pytest.fixture(scope="session")
def mex_chl_paper(tmp_path_factory, worker_id) -> dict[str, Path]:
    """The English paper of the article's pair, MEX-CHL, built once for the run."""
    return _papers(tmp_path_factory, worker_id, "MEX-CHL", None, "build-mex-chl")["en"]
