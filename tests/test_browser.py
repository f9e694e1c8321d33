"""The HTML paper in a real browser: figures load, no console error, no network request.

Uses Debian's chromium (installed by .ci/run when missing) driven by playwright, with
no browser download. Screenshots at phone and desktop width go to build/screenshots/.
"""

from __future__ import annotations

import shutil

import pytest
from conftest import REPO

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)"),
]


def test_html_paper_in_chromium(fixture_paper, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    shots = REPO / "build" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    url = fixture_paper["html"].resolve().as_uri()
    # the figures the pair's data let the notebooks draw (a figure without data is left out)
    drawn = (fixture_paper["out"] / "paper.md").read_text(encoding="utf-8").count("](figures/")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            for name, (width, height) in WIDTHS.items():
                page = browser.new_page(viewport={"width": width, "height": height})
                errors, requests = [], []
                page.on(
                    "console", lambda m, e=errors: e.append(m.text) if m.type == "error" else None
                )
                page.on("pageerror", lambda exc, e=errors: e.append(str(exc)))
                page.on("request", lambda r, q=requests: q.append(r.url))
                page.goto(url, wait_until="load")
                images = page.eval_on_selector_all(
                    "img", "els => els.map(e => [e.complete, e.naturalWidth])"
                )
                assert len(images) == drawn > 0, "every figure of the paper is an image"
                assert all(done and w > 0 for done, w in images), images
                assert errors == [], errors
                external = [u for u in requests if not u.startswith(("file:", "data:"))]
                assert external == [], f"the paper asked the network for {external}"
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 1, f"page wider than the {name} screen by {overflow}px"
                page.screenshot(path=str(shots / f"URY-ARG-{name}.png"), full_page=False)
                page.close()
        finally:
            browser.close()
