"""Where the project's files live: the one place that knows the layout of the repository.

Every other module takes its paths from here, so moving a folder means changing
one line. The data directory is a parameter everywhere (a student's data, a test's
copy); these are only the defaults.
"""

from __future__ import annotations

from pathlib import Path

#: The repository: the folder that holds analysis/, data/, notebooks/ and paper/.
REPO_ROOT = Path(__file__).resolve().parent.parent
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
#: Where builds go: build/<A>-<B>/.
BUILD_DIR = REPO_ROOT / "build"
#: The folder of a pair's build that holds its language-free results (build/<A>-<B>/results/).
RESULTS = "results"

__all__ = [
    "BUILD_DIR",
    "DATA_DIR",
    "LABELS_FILE",
    "NOTEBOOK_DIR",
    "PROCESSED_DIR",
    "REPO_ROOT",
    "RESULTS",
    "TEMPLATE_DIR",
    "TEXT_DIR",
]
