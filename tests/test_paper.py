"""The notebooks and the paper build: any pair, both languages, clear failures."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time

import nbformat
import pytest
import yaml
from conftest import NO_DATA, REPO

from analysis.base.errors import BuildError, UsageError
from analysis.build import assemble, kernels, paper
from analysis.build.record import values_by_notebook
from analysis.data import countries

TEXT = REPO / "paper" / "text"


def _text(lang: str) -> dict:
    return yaml.safe_load((TEXT / f"{lang}.yml").read_text(encoding="utf-8"))


def test_every_text_key_exists_in_both_languages():
    en, es = _text("en"), _text("es")
    assert set(en) - set(es) == set(), "keys only in English"
    assert set(es) - set(en) == set(), "keys only in Spanish"


def test_every_key_the_template_says_is_written():
    used = set()
    for source in [
        (REPO / "paper" / "paper.md.j2").read_text(encoding="utf-8"),
        (REPO / "paper" / "panel.md.j2").read_text(encoding="utf-8"),
        *(p.read_text(encoding="utf-8") for p in TEXT.glob("*.yml")),
    ]:
        used |= set(re.findall(r"say\('([a-z_]+)'\)", source))
    figures_tables = {"label_figure", "label_table"}
    assert used | figures_tables <= set(_text("en"))


BOOKS = [*paper.notebooks(), paper.NOTEBOOK_DIR / paper.PANEL_NOTEBOOK]


@pytest.mark.parametrize("nb", BOOKS, ids=lambda p: p.stem)
def test_notebooks_are_thin_clean_and_documented(nb):
    book = nbformat.read(nb, as_version=4)
    code = [c for c in book.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    params = code[0].source
    countries = ("countries",) if nb.name == paper.PANEL_NOTEBOOK else ("country_a", "country_b")
    lines = params.splitlines()
    for name in (*countries, "data_dir", "out_dir", "lang"):
        at = next((i for i, ln in enumerate(lines) if re.match(rf"{name} = ", ln)), None)
        assert at is not None, name
        # documented: a comment says what it is, above it (or above the group it belongs to)
        above = lines[:at]
        assert above and any(ln.startswith("# ") for ln in above[-3:]), f"{name} is not documented"
    assert all(not c.outputs and c.execution_count is None for c in code), "committed with outputs"
    assert book.metadata["kernelspec"]["name"] == kernels.KERNEL
    # thin: a function is defined only as a figure or table of the paper, no class at all
    for cell in code:
        assert not re.search(r"^\s*class ", cell.source, re.M)
        for match in re.finditer(r"^def \w+", cell.source, re.M):
            before = cell.source[: match.start()].rstrip().splitlines()
            assert before and re.match(r"\)|@paper\.(figure|table)", before[-1].strip()), (
                f"{nb.name}: a function defined outside @paper.figure or @paper.table"
            )


@pytest.mark.parametrize("nb", BOOKS, ids=lambda p: p.stem)
def test_notebooks_convert_to_python_scripts(nb):
    """`jupyter nbconvert --to script` names its output after language_info: .py."""
    from nbconvert import ScriptExporter

    book = nbformat.read(nb, as_version=4)
    script, resources = ScriptExporter().from_notebook_node(book)
    assert resources["output_extension"] == ".py"
    compile(script, nb.name, "exec")  # a script Python can read


@pytest.mark.slow
def test_a_pair_without_data_fails_fast_and_lists_countries(article_data):
    start = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "analysis", "--data-dir", str(article_data)]
        + ["paper", "--pair", f"{NO_DATA}-MEX"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert run.returncode == 2
    assert (
        f"no data for country '{NO_DATA}'" in run.stderr
        and run.stderr.count("\n") == 1
        and "CHL, MEX" in run.stderr
    )
    assert time.perf_counter() - start < 10
    assert not (REPO / "build" / f"{NO_DATA}-MEX").exists()


@pytest.mark.parametrize("pair", ["MEX", "MEX-CHL-ARG", "MEX_CHL", "ME-CH"])
def test_malformed_pair(pair):
    with pytest.raises(UsageError, match="two ISO 3166-1 alpha-3 codes"):
        countries.parse_pair(pair)


@pytest.fixture(params=["en", "es"])
def built(request, fixture_papers):
    paths = fixture_papers[request.param]
    return request.param, paths, paths["out"]


@pytest.mark.slow
def test_paper_of_another_pair(built):
    """Every notebook runs with papermill for a pair that is not Mexico-Chile."""
    lang, paths, out = built
    assert paths["pdf"].stat().st_size > 10_000 and paths["html"].stat().st_size > 10_000
    assert sorted(p.name for p in (paths["root"] / "notebooks").glob("*.ipynb")) == [
        nb.name for nb in paper.notebooks()
    ]
    values = values_by_notebook(paths["root"], lang)
    assert values["01_presence"]["a"] == "URY"
    assert values["04_interaction"]["measured_accounts"] == {"URY": 0, "ARG": 1}
    assert set(values["04_interaction"]["reliability"]) == {"level", "topic"}
    replication = values["05_comparison"]["replication"]
    assert (replication["total"], replication["agree"], replication["disagree"]) == (0, 0, 0)
    html = paths["html"].read_text(encoding="utf-8")
    assert ("Uruguay" in html) and ("cancilleriaA" in html)
    assert "<img" in html and 'src="data:image/svg+xml' in html  # self-contained
    word = "Figure" if lang == "en" else "Figura"
    assert re.search(rf"{word} 1\.", html)
    markdown = (out / "paper.md").read_text(encoding="utf-8")
    assert "{{" not in markdown and "None" not in re.sub(r"None or almost none", "", markdown)


@pytest.mark.slow
def test_figure_and_table_numbers_resolve(fixture_paper):
    md = assemble.fill_template(fixture_paper["root"], "en", REPO / "paper")
    figures = re.findall(r"!\[Figure (\d+)\.", md)
    tables = re.findall(r"^: Table (\d+)\.", md, flags=re.M)
    # numbered 1, 2, 3... in order, however many there are
    assert figures and figures == [str(i) for i in range(1, len(figures) + 1)]
    assert tables and tables == [str(i) for i in range(1, len(tables) + 1)]
    for ref in re.findall(r"(?:Figure|Table) (\d+)", md):
        assert 1 <= int(ref) <= max(len(figures), len(tables))


@pytest.mark.slow
def test_a_failing_notebook_names_its_cell_and_writes_no_paper(fixture_data, tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    shutil.copy(paper.NOTEBOOK_DIR / "02_website.ipynb", folder / "02_website.ipynb")
    broken = nbformat.read(folder / "02_website.ipynb", as_version=4)
    broken.cells.append(nbformat.v4.new_code_cell("raise RuntimeError('broken on purpose')"))
    nbformat.write(broken, folder / "02_website.ipynb")
    with pytest.raises(
        BuildError, match=r"02_website.ipynb failed at cell \d+: .*broken on purpose"
    ):
        paper.build("ARG-URY", "en", data_dir=fixture_data, root=tmp_path / "build", folder=folder)
    assert not any((tmp_path / "build" / "ARG-URY").glob("paper.*"))


def test_table_and_figure_words_exist_in_both_languages():
    labels = yaml.safe_load((TEXT / "labels.yml").read_text(encoding="utf-8"))
    for section in ("tables", "figures", "measures", "replication"):
        assert set(labels[section]["en"]) == set(labels[section]["es"]), section


def _english_fragments() -> set[str]:
    """Words the English labels use and the Spanish ones never do (placeholders cut out)."""
    labels = yaml.safe_load((TEXT / "labels.yml").read_text(encoding="utf-8"))
    spanish = " ".join(str(v) for section in labels.values() for v in section["es"].values())
    fragments = set()
    for section in labels.values():
        for value in section["en"].values():
            for part in re.split(r"\{[^}]*\}", str(value)):
                part = part.strip(" :,;()[]'\"")
                if len(part) >= 8 and part not in spanish:
                    fragments.add(part)
    return fragments


@pytest.mark.slow
def test_spanish_tables_have_no_english_phrase(fixture_paper_es):
    markdown = (fixture_paper_es["out"] / "paper.md").read_text(encoding="utf-8")
    tables_md = "\n".join(line for line in markdown.splitlines() if line.startswith("|"))
    assert tables_md.count("\n") > 50  # the paper's tables, with the comparisons
    leaks = sorted(f for f in _english_fragments() if f in tables_md)
    assert leaks == []
    assert "Poisson" not in tables_md or "MLG de Poisson" in tables_md


@pytest.fixture(scope="module")
def mex_chl_md(mex_chl_paper) -> str:
    return (mex_chl_paper["out"] / "paper.md").read_text(encoding="utf-8")


def _table(markdown: str, number: int) -> str:
    """The rows of Table `number` of a paper's Markdown, its escapes removed (as read)."""
    blocks = markdown.split("\n\n")
    for i, block in enumerate(blocks):
        if block.startswith(f": Table {number}."):
            return re.sub(r"\\(.)", r"\1", blocks[i - 1])
    raise AssertionError(f"no Table {number}")


@pytest.mark.slow
def test_the_paper_says_only_what_the_data_support(mex_chl_md):
    md = mex_chl_md
    comparisons = _table(md, 4)
    # a census of five institutions gets no test: no p-value column, and the text says why
    assert "p (Holm)" not in comparisons and "McNemar" not in comparisons
    assert "0.0625" in md and "whatever the data" in md
    assert "few differences can reach" not in md.lower()
    # audiences matched role by role, never pooled medians; a bound shown as a bound
    assert "(median)" not in comparisons and "Cliff" not in comparisons
    assert "870,000 followers in Mexico and 59,000 in Chile (about 14.7 times as many" in md
    assert "the figure of Chile is undated" in md  # not two figures of one month
    assert "more than 720,000" in comparisons and "≤ 3×" in comparisons
    # the agenda is described, not tested
    assert "Cramér" not in comparisons and "Fisher" not in comparisons
    # adoption gaps: mid-points inside their ranges, in words
    assert "-18.5 [-24; -13]" in comparisons  # months at one decimal, as the prose has them
    assert "14.7×" in comparisons and "14.75" not in comparisons  # one rounding for one number
    assert "49 to 52 months before" in md
    # an undated account could be older: the gaps hold among the dated ones, and say so
    assert "the gaps below hold among the dated accounts" in md
    # ... and only those that could be: an account cannot predate its platform (launches)
    assert "(3 undated accounts of the two ministries could be older" in md
    assert "among dated accounts; 3 undated could be older" in comparisons
    # codings that hide a choice are visible: both readings, a quarter, a day, the blog
    assert "January to April 2014" in comparisons and "Q4 2009" in comparisons
    assert "20 March 2017" in comparisons and "2017-03-20" not in md  # dates in words
    # the blog: the systematic statement is the primary reading, the mention the alternative
    assert "is counted without a blog" in md and "a passing mention" in md
    assert "ninguna tiene blog" in md
    # interaction: one joint judgement, no statistic on it, the platforms stated correctly
    assert "one judgement of both countries" in md and "Interaction level" not in comparisons
    assert "commentThreads" in md and "Meta Content Library" in md and "2024" in md
    assert "amplification and applause rates" not in md
    # half away from zero: a Jaccard of 0.625 is 0.63
    assert "0.63 (Jaccard" in comparisons
    # what is counted
    assert "23 institution–platform pairs" in md and "25 accounts" in md
    # a figure is drawn only where it shows something a table does not: no picture of
    # Tablas 1 and 2, no Facebook figure with Mexico's bars only, no figure of one judgement
    drawn = set(re.findall(r"\]\(figures/(\w+)\.svg\)", md))
    assert drawn == {"figura1", "figura3", "adoption_timeline", "agenda"}
    assert "No figure draws Facebook: only Mexico has a number there" in md
    assert "Table 3 says which levels are measured" in md


@pytest.mark.slow
def test_the_pdf_takes_the_png_figures_whose_hatching_typst_keeps(mex_chl_paper):
    typ = (mex_chl_paper["out"] / "paper.typ").read_text(encoding="utf-8")
    images = re.findall(r'image\("figures/([\w.]+)"', typ)
    assert images and all(name.endswith(".png") for name in images)


PDFTOTEXT = shutil.which("pdftotext")


@pytest.mark.slow
@pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext is not installed (.ci/run installs it)")
@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_sections_figures_are_printed_before_the_next_section(mex_chl_papers, lang):
    """A figure floats to the top or foot of a page, but never past the next heading."""
    paper = mex_chl_papers[lang]
    md = (paper["out"] / "paper.md").read_text(encoding="utf-8")
    sections: list[tuple[str, list[str]]] = []  # (heading as printed, its figures' captions)
    for line in md.splitlines():
        if heading := re.match(r"# (.+?)( \{\.unnumbered\})?$", line):
            number = f"{len(sections) + 1}. " if heading.group(2) is None else ""
            sections.append((number + heading.group(1), []))
        elif caption := re.match(r"!\[((?:Figure|Figura) \d+\.)", line):
            sections[-1][1].append(caption.group(1))
    text = subprocess.run(
        [PDFTOTEXT, str(paper["pdf"]), "-"], capture_output=True, text=True, check=True
    ).stdout
    plain = str.maketrans({"\f": "", "\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
    printed = text.translate(plain).splitlines()  # typst prints curly quotes, pages as \f
    assert sum(len(figures) for _, figures in sections) == 4
    for (_, figures), (following, _) in zip(sections, sections[1:], strict=False):
        next_heading = printed.index(following)
        for caption in figures:
            at = next(i for i, ln in enumerate(printed) if ln.startswith(caption))
            assert at < next_heading, f"{caption} is printed after the heading {following!r}"


@pytest.mark.slow
def test_the_paper_reports_the_replication_check_by_kind(mex_chl_md):
    md = mex_chl_md
    assert "# Limitations" in md and "one coder" in md and "Figuras 1–3" in md
    assert "only show that a value was transcribed" in md  # the abstract says what kind
    summary = _table(md, 5)
    assert "consistency check" in summary and "transcription check" in summary
    assert "# References" in md


@pytest.mark.slow
def test_references_cite_versions_not_the_build_clock(mex_chl_paper):
    html = mex_chl_paper["html"].read_text(encoding="utf-8")
    assert "10.12804/revistas.urosario.edu.co/desafios/a.8345" in html
    # only the methods this paper uses are cited: Holm's, not the tests kept for samples
    assert "Holm" in html and "Bergsma" not in html and "Wilson" not in html
    assert "pandas 3.1.1" in html and "papermill 2.7.0" in html
    assert "2026" not in html.split("References")[-1]
