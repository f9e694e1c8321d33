"""Where the project's files live: the one place that knows the layout of the repository
and of a build.

Every other module takes its paths from here, so moving a folder means changing one
line. The data directory is a parameter everywhere (a student's data, a test's copy);
these are only the defaults.

>>> pair_root("MEX", "CHL", Path("build")).as_posix()
'build/MEX-CHL'
>>> {k: p.name for k, p in documents(Path("build/MEX-CHL"), "paper", "es").items()}
{'html': 'paper.es.html', 'pdf': 'paper.es.pdf'}
"""

from __future__ import annotations

from pathlib import Path

#: The repository: the folder that holds analysis/, data/, notebooks/ and paper/.
REPO_ROOT = Path(__file__).resolve().parent.parent.parent
#: data/raw: the study's data with their sources (read-only for code).
DATA_DIR = REPO_ROOT / "data" / "raw"
#: data/processed: what ``make data`` writes.
PROCESSED_DIR = REPO_ROOT / "data" / "processed"
#: The papermill notebooks.
NOTEBOOK_DIR = REPO_ROOT / "notebooks"
#: The paper's template, bibliography, style and texts.
TEMPLATE_DIR = REPO_ROOT / "paper"
#: The paper's words per language (paper/text/<lang>.yml) and the table and figure words.
TEXT_DIR = TEMPLATE_DIR / "text"
LABELS_FILE = TEXT_DIR / "labels.yml"
#: The paper's settings (the default pair), read by make and the library.
SETTINGS_FILE = TEMPLATE_DIR / "paper.yml"
#: Where builds go: build/<A>-<B>/.
BUILD_DIR = REPO_ROOT / "build"
#: The folder of a build that holds its language-free results (build/<A>-<B>/results/).
RESULTS = "results"


def pair_root(a: str, b: str, root: Path = BUILD_DIR) -> Path:
    """A pair's build folder: ``notebooks/``, ``results/``, one folder per language, papers."""
    return Path(root) / f"{a}-{b}"


def panel_root(countries, root: Path = BUILD_DIR) -> Path:
    """A panel's build folder: ``build/panel-<A>-<B>-.../``."""
    return Path(root) / ("panel-" + "-".join(countries))


def pair_dir(a: str, b: str, lang: str = "en", root: Path = BUILD_DIR) -> Path:
    """Where a pair's figures, tables and values in `lang` go (``build/<A>-<B>/<lang>/``)."""
    return pair_root(a, b, root) / lang


def results_dir(a: str, b: str, root: Path = BUILD_DIR) -> Path:
    """Where a pair's language-free results go (``build/<A>-<B>/results/``)."""
    return pair_root(a, b, root) / RESULTS


def documents(folder: Path, stem: str, lang: str) -> dict[str, Path]:
    """``<stem>.html`` and ``<stem>.pdf`` in `folder`; ``<stem>.<lang>.*`` beyond English."""
    suffix = "" if lang == "en" else f".{lang}"
    return {kind: Path(folder) / f"{stem}{suffix}.{kind}" for kind in ("html", "pdf")}


def paper_paths(a: str, b: str, lang: str = "en", root: Path = BUILD_DIR) -> dict[str, Path]:
    """The finished article's files: ``paper.html``/``paper.pdf`` (``paper.es.*`` in Spanish)."""
    return documents(pair_root(a, b, root), "paper", lang)


__all__ = [
    "BUILD_DIR",
    "DATA_DIR",
    "LABELS_FILE",
    "NOTEBOOK_DIR",
    "PROCESSED_DIR",
    "REPO_ROOT",
    "RESULTS",
    "SETTINGS_FILE",
    "TEMPLATE_DIR",
    "TEXT_DIR",
    "documents",
    "pair_dir",
    "pair_root",
    "panel_root",
    "paper_paths",
    "results_dir",
]
