"""JupyterLab: `make lab` starts on notebooks/ with the project's kernel, and every notebook
runs top to bottom with its default parameters, as a person opening it would run it."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request

import nbformat
import pytest
from conftest import REPO
from nbclient import NotebookClient

from analysis.build import kernels, paper
from analysis.data import countries

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(os.environ.get("CONDA_PREFIX") is not None, reason="the venv path is tested")
def test_make_lab_starts_and_offers_the_project_kernel():
    port, token = _free_port(), "compendium-test"
    args = f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token}"
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "lab", f"LAB_ARGS={args}"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline, status = time.monotonic() + 90, None
        while time.monotonic() < deadline and status is None:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/kernelspecs?token={token}", timeout=2
                ) as r:
                    status = json.load(r)
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode()
                time.sleep(1)
        assert status is not None, "JupyterLab did not answer within 90 s"
        assert kernels.KERNEL in status["kernelspecs"]
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/api/contents?token={token}", timeout=5
        ) as r:
            names = {item["name"] for item in json.load(r)["content"]}
        assert {nb.name for nb in paper.notebooks()} <= names
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def test_notebooks_run_with_their_default_parameters_and_show_what_they_make(
    tmp_path, article_data
):
    """As in JupyterLab: the notebook's folder as working directory, the parameters as they
    are (only `out_dir` points into the test's folder, and `data_dir` to a copy of the
    article's data, whatever a student added to data/raw), figures and tables shown inline."""
    from concurrent.futures import ThreadPoolExecutor

    folder = tmp_path / "notebooks"
    folder.mkdir()
    a, b = countries.default_pair()
    out = {nb.name: tmp_path / "build" / f"{a}-{b}" for nb in paper.notebooks()}
    out[paper.PANEL_NOTEBOOK] = tmp_path / "build" / f"panel-{a}-{b}"

    def run(nb):
        book = nbformat.read(nb, as_version=4)
        params = book.cells[1]
        assert "parameters" in params.metadata["tags"]
        for name, value in (("out_dir", out[nb.name]), ("data_dir", article_data)):
            assert f"\n{name} = None\n" in params.source, (nb.name, name)
            params.source = params.source.replace(f"{name} = None", f"{name} = {str(value)!r}")
        NotebookClient(
            book,
            kernel_name=kernels.kernel_name(),
            timeout=300,
            resources={"metadata": {"path": str(folder)}},
        ).execute()
        return book

    books = [*paper.notebooks(), paper.NOTEBOOK_DIR / paper.PANEL_NOTEBOOK]
    with ThreadPoolExecutor(max_workers=2) as pool:  # each in its own kernel, as in JupyterLab
        ran = dict(zip(books, pool.map(run, books), strict=True))
    values = tmp_path / "build" / f"{a}-{b}" / "results" / "values"
    assert sorted(p.stem for p in values.glob("*.json")) == [nb.stem for nb in paper.notebooks()]
    assert (out[paper.PANEL_NOTEBOOK] / "results" / "values" / "panel.json").is_file()
    left_out = []
    for nb, book in ran.items():
        for cell in book.cells:
            if cell.cell_type != "code":
                continue
            shown = {kind for o in cell.outputs for kind in o.get("data", {})}
            said = "".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs)
            if "paper.figure(" in cell.source and "not drawn for this pair" in said:
                assert "only_if=" in cell.source and "image/png" not in shown
                left_out += re.findall(r"figure '(\w+)': not drawn", said)
            elif "paper.figure(" in cell.source:
                assert "image/png" in shown, f"{nb.name}: a figure is not shown: {cell.source}"
            if "paper.table(" in cell.source:
                assert "text/html" in shown, f"{nb.name}: a table is not shown: {cell.source}"
            stderr = "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stderr")
            assert "Warning" not in stderr, f"{nb.name}: {stderr}"
    # the article gives Facebook followers for Mexico only, and judges interaction only
    assert sorted(left_out) == ["figura2", "interaction"]
