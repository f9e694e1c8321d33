"""Shared fixtures: the article's data, a writable copy of them, the fixture pair, its paper.

Everything a test reads lies inside the repository (tests/fixtures/, with licences):
the suite needs nothing beside it. No test reads the countries of the live data/raw except
those whose job is to check data/raw itself, and those assume nothing about which countries
it holds: a student adds PER, ARG, ... there and the suite stays green. The others run on
copies: the article's rows of data/raw (``article_data``, ``raw_copy``: Mexico and Chile as
Benayas (2021) gives them, which a new country does not change) or the fixture pair.
A country "without data" in a test is a user-assigned code (``NO_DATA``), never a real one.
"""

from __future__ import annotations

import csv
import fcntl
import gc
import io
import shutil
import sys
from pathlib import Path

import pytest

from analysis.base import paths
from analysis.base.paths import DATA_DIR as RAW
from analysis.base.paths import REPO_ROOT as REPO
from analysis.data import countries

# nbformat (tests that read notebooks) and CITATION.cff's check import jsonschema, which on
# import compiles the grammar of its optional IRI checker, rfc3987-syntax: most of a second
# in every worker. No schema here has an "iri" format ("uri" has its own checker), so the
# suite leaves that module out, as the notebook runner does (analysis.build.kernels).
sys.modules.setdefault("rfc3987_syntax", None)

FIXTURES = REPO / "tests" / "fixtures"
FIXTURE_PAIR = FIXTURES / "pair"
#: Real twarc2 exports of the X API v2 (twarc-csv's test data, MIT; see its README).
TWARC = FIXTURES / "twitter-v2"
#: The article's countries, Benayas (2021): the rows of data/raw that the article gives.
ARTICLE = ("MEX", "CHL")
#: Countries that have no data anywhere: ISO 3166-1 leaves AAA-AAZ, QMA-QZZ, XAA-XZZ and
#: ZZA-ZZZ to its users, so no student's data/raw ever holds them.
NO_DATA = "QQQ"
#: Country columns of the tables: a row belongs to the country (or all the countries) it names.
COUNTRY_COLUMNS = ("country", "iso3", "countries")


@pytest.hookimpl(tryfirst=True)
def pytest_unconfigure(config):
    """Collect the last tests' garbage once, then freeze what is left before the process ends.

    The collection still reports an error raised in a finaliser (pytest's unraisable-
    exception check, which runs next). What survives it is the whole run's heap: the
    modules and their caches, which the interpreter would otherwise walk again in pytest's
    five closing collections and in its own at exit: a second more at the end of a run.
    """
    gc.collect()
    gc.freeze()


def assert_nothing_cut_or_overlaid(fig) -> None:
    """Every word lies inside the figure (a legend wider than it is cut at the edges), and
    what is written inside an axes stays inside it, off the tick labels beside it."""
    from matplotlib.text import Text

    renderer = fig.canvas.get_renderer()
    page = fig.bbox
    # tick labels are placed by the layout; those past the axes' limits are never drawn
    ticks = {
        id(t) for ax in fig.axes for axis in (ax.xaxis, ax.yaxis) for t in axis.get_ticklabels()
    }
    for artist in [*fig.findobj(Text), *fig.legends]:
        if id(artist) in ticks:
            continue
        if isinstance(artist, Text) and not (artist.get_visible() and artist.get_text()):
            continue
        box = artist.get_window_extent(renderer)
        inside = box.x0 >= page.x0 - 1 and box.x1 <= page.x1 + 1
        what = repr(artist.get_text()) if isinstance(artist, Text) else "the legend"
        assert inside, f"cut at the figure's edge: {what}"
    for ax in fig.axes:
        frame = ax.get_window_extent(renderer)
        for text in ax.texts:
            box = text.get_window_extent(renderer)
            assert frame.x0 - 1 <= box.x0 and box.x1 <= frame.x1 + 1, (
                f"written over the axes' edge: {text.get_text()!r}"
            )


@pytest.fixture
def multipletests(monkeypatch):
    """statsmodels' ``multipletests``, the oracle of the p-value adjustments, without the
    full ``gc.collect()`` its Holm branch runs on every call (a tenth of a second here)."""
    from statsmodels.stats import multitest

    monkeypatch.setattr(gc, "collect", lambda generation=2: 0)
    return multitest.multipletests


def _records(text: str) -> list[str]:
    """The records of a CSV text, each with its line breaks (a quoted cell may hold some)."""
    records, pending = [], ""
    for line in text.splitlines(keepends=True):
        pending += line
        if pending.count('"') % 2 == 0:
            records.append(pending)
            pending = ""
    return records + ([pending] if pending else [])


def _article_csv(text: str, countries: tuple[str, ...]) -> str | None:
    """`text` (a CSV of data/raw) with only the rows of `countries`, byte for byte; None
    when the table has rows of countries but none of these."""
    header, *rows = _records(text)
    names = next(csv.reader(io.StringIO(header.removeprefix("\ufeff"))))
    column = next((names.index(c) for c in COUNTRY_COLUMNS if c in names), None)
    if column is None or not rows:
        return text
    kept = []
    for record in rows:
        cells = next(csv.reader(io.StringIO(record)), [])
        codes = cells[column].split() if column < len(cells) else []
        if codes and set(codes) <= set(countries):
            kept.append(record)
    return header + "".join(kept) if kept else None


def copy_article(dest: Path, source: Path = RAW, countries: tuple[str, ...] = ARTICLE) -> Path:
    """Copy into `dest` the rows of `countries` (the article's) of `source` (data/raw) and its
    codebook and documents, as they are; leave out what other countries brought (rows, tables
    only they fill, folders of posts and snapshots). The rows kept are unchanged, so line
    numbers within the copy are those of the article's data whatever a student added."""
    dest.mkdir(parents=True)
    for path in sorted(source.iterdir()):
        if not path.is_file():
            continue
        if path.suffix == ".csv":
            text = _article_csv(path.read_bytes().decode("utf-8"), countries)
            if text is not None:
                (dest / path.name).write_bytes(text.encode("utf-8"))
        else:
            shutil.copy(path, dest / path.name)
    return dest


@pytest.fixture
def raw_copy(tmp_path: Path) -> Path:
    """A copy of the article's data (data/raw's MEX and CHL rows) that a test may break;
    data/raw itself is never written, and what a student added to it is not in the copy."""
    return copy_article(tmp_path / "raw")


def once(tmp_path_factory, worker_id: str, name: str, make) -> Path:
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


@pytest.fixture(scope="session")
def article_data(tmp_path_factory, worker_id) -> Path:
    """The article's data (data/raw's MEX and CHL rows) as a data directory (read-only)."""
    made = once(tmp_path_factory, worker_id, "article-data", lambda t: copy_article(t / "raw"))
    return made / "raw"


def _pair_data(target: Path) -> None:
    shutil.copytree(FIXTURE_PAIR, target / "raw")
    for name in ("codebook.yml", "README.md"):
        shutil.copy(RAW / name, target / "raw" / name)


@pytest.fixture(scope="session")
def fixture_data(tmp_path_factory, worker_id) -> Path:
    """The second pair (ARG, URY) as a data directory with the project's codebook (read-only)."""
    return once(tmp_path_factory, worker_id, "pair-data", _pair_data) / "raw"


def _papers(tmp_path_factory, worker_id, pair: str, data_dir: Path | None, name: str):
    """Both languages' papers of `pair`, built once for the run (one notebook run)."""
    from analysis.build import paper

    root = once(
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
def mex_chl_papers(article_data, tmp_path_factory, worker_id) -> dict[str, dict[str, Path]]:
    """Both languages' papers of the article's pair, MEX-CHL, from the article's data, built
    once for the run."""
    return _papers(tmp_path_factory, worker_id, "MEX-CHL", article_data, "build-mex-chl")


@pytest.fixture(scope="session")
def mex_chl_paper(mex_chl_papers) -> dict[str, Path]:
    """The English paper of the article's pair, MEX-CHL, from the article's data, built once."""
    return mex_chl_papers["en"]


@pytest.fixture(scope="session")
def article_robustness(mex_chl_paper):
    """:func:`analysis.core.robustness.robustness` of the article's pair as the paper's build
    computed it (notebook 05 saves it: the data read again under every reading, seconds
    that no test spends a second time)."""
    import pandas as pd

    return pd.read_parquet(mex_chl_paper["root"] / paths.RESULTS / "tables" / "robustness.parquet")
