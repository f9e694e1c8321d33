"""What a notebook gives the paper (analysis.build.record): calls that read as analysis,
recorded behind them, drawn again in each language; what cannot be drawn again is refused at
once, in the notebook, with what to do."""

from __future__ import annotations

import gc
import itertools
import linecache
import shutil
import weakref

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REPO
from matplotlib.figure import Figure

from analysis.base.errors import TemplateError, UsageError
from analysis.build import assemble, draw
from analysis.build.record import Deferred, Notebook, read_values
from analysis.core import replication
from analysis.data import codebook, load
from analysis.report import figures, tables, values
from analysis.report.text import fmt_percent

_CELLS = itertools.count()


def _cell(source: str, namespace: dict) -> None:
    """Run `source` as a notebook cell runs: in ``__main__``, its source kept where
    :mod:`inspect` finds it (IPython keeps each cell in :mod:`linecache` the same way)."""
    filename = f"<cell-{next(_CELLS)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)


@pytest.fixture
def study(fixture_data):
    return load.study("ARG", "URY", fixture_data)


def _notebook(tmp_path, study, lang=None, name="nb"):
    return Notebook(name, study, lang, tmp_path / "build")


def _record(paper) -> dict:
    return read_values(paper.results)[paper.name]


def test_a_call_with_words_is_kept_and_drawn_in_each_language(tmp_path, study):
    paper = _notebook(tmp_path, study)
    recorded = paper.recording(tables)
    drawn = paper.table("tabla2", recorded.tabla2(study, None))
    assert isinstance(drawn, Deferred)  # the build draws nothing while the notebook runs
    (drawing,) = _record(paper)["drawings"]
    assert drawing["function"] == "analysis.report.tables.tabla2"
    assert drawing["args"] == [{"study": ["ARG", "URY"]}, {"lang": True}]
    for lang in ("en", "es"):
        draw.draw_notebook(paper.out_dir, "nb", lang, study.data_dir)
        shown = (paper.out_dir / lang / "tables" / "tabla2.md").read_text(encoding="utf-8")
        assert (
            shown.splitlines()[0]
            == assemble.Markdown(tables.to_markdown(tables.tabla2(study, lang))).splitlines()[0]
        )
    output = read_values(paper.out_dir / "es")["nb"]["outputs"]["table:tabla2"]
    assert output["function"] == "analysis.report.tables.tabla2" and output["paper"] is True


def test_by_hand_the_same_call_shows_what_the_paper_will(tmp_path, study):
    paper = _notebook(tmp_path, study, "es")
    recorded_tables, recorded_figures = paper.recording(tables, figures)
    shown = paper.table("tabla2", recorded_tables.tabla2(study, "es"))
    pd.testing.assert_frame_equal(shown, tables.tabla2(study, "es"))
    fig = paper.figure("agenda", recorded_figures.agenda_figure(study, "es"))
    assert isinstance(fig, Figure)
    assert [d["name"] for d in _record(paper)["drawings"]] == ["tabla2", "agenda"]
    # a function without `lang` is the library's own: it runs and is not recorded
    assert recorded_tables.platforms_used is tables.platforms_used


def test_a_table_handed_to_a_drawing_is_read_back_by_the_build(tmp_path, study):
    paper = _notebook(tmp_path, study)
    recorded = paper.recording(tables)
    saved = paper.save("verdicts", replication.verdicts(study))
    assert (paper.results / "tables" / "verdicts.csv").is_file()
    loose = replication.verdicts(study)  # never saved by name
    paper.save("summary", recorded.replication_summary(saved, None))
    paper.save("open", recorded.replication_open(loose, None))
    first, second = _record(paper)["drawings"]
    assert first["args"][0] == {"table": "verdicts"}
    assert second["args"][0] == {"input": "open.arg0"}
    assert (paper.results / "tables" / "inputs" / "open.arg0.parquet").is_file()
    draw.draw_notebook(paper.out_dir, "nb", "en", study.data_dir)
    assert (paper.out_dir / "en" / "tables" / "open.csv").is_file()
    outputs = read_values(paper.out_dir / "en")["nb"]["outputs"]
    assert outputs["table:open"]["paper"] is False  # saved: files, not the paper


def test_a_freed_frame_never_lends_its_identity_to_another(tmp_path, study):
    """A saved frame is known by its id; once freed, its id may be another frame's. The
    notebook keeps every saved frame alive, so no new frame can pass for a saved one."""
    paper = _notebook(tmp_path, study)
    recorded = paper.recording(tables)
    gc.freeze()  # the collections below walk only what this test makes, not the run's heap
    try:
        kept = weakref.ref(paper.save("t", pd.DataFrame({"claim_id": ["x"], "verdict": ["agree"]})))
        gc.collect()
        assert kept() is not None, "the notebook keeps its saved frames alive"
        for i in range(10):
            paper.save(f"t{i}", pd.DataFrame({"a": [i]}))  # returned, then dropped
        gc.collect()
    finally:
        gc.unfreeze()
    # fresh frames take the memory (and the ids) freed above: without the frames kept, a
    # fresh one often takes a dropped one's id (not always: the assertion on `kept` is
    # what fails every time without the fix)
    for _ in range(20):
        fresh = pd.DataFrame({"claim_id": ["x"], "verdict": ["agree"]})
        paper.save("late", recorded.replication_open(fresh, None))
        assert _record(paper)["drawings"][-1]["args"][0] == {"input": "late.arg0"}


def test_values_are_quoted_once_and_worded_in_each_language(tmp_path, study):
    paper = _notebook(tmp_path, study)
    recorded = paper.recording(values)
    paper.quote(values.agenda_values(study), total={"ARG": 3})
    paper.quote(recorded.pair_values(study, None))
    record = _record(paper)
    assert record["values"]["total"] == {"ARG": 3} and "agenda_topics" in record["values"]
    assert record["drawings"][0]["kind"] == "values"
    draw.draw_notebook(paper.out_dir, "nb", "es", study.data_dir)
    assert read_values(paper.out_dir / "es")["nb"]["values"]["name_a"] == "Argentina"
    with pytest.raises(UsageError, match="keep a table with paper.save"):
        paper.quote(frame=pd.DataFrame({"a": [1]}))
    with pytest.raises(UsageError, match="give a name"):
        paper.quote([1, 2])


_FIGURE = """
@paper.figure(caption={"en": "Accounts per country.", "es": "Cuentas por país."})
def accounts_per_country(study, lang):
    counts = study.accounts.groupby("country").size()
    fig = Figure(figsize=(4, 2))
    ax = fig.subplots()
    ax.bar(np.arange(len(counts)), counts.to_numpy(), color=COLOUR)
    ax.set_xticks(np.arange(len(counts)), [study.country_name(c, lang) for c in counts.index])
    ax.set_ylabel(WORDS[lang])
    return fig

accounts_per_country(study, lang)
"""


def _notebook_namespace(paper, study, lang) -> dict:
    return {
        "__name__": "__main__",
        "paper": paper,
        "study": study,
        "lang": lang,
        "np": np,
        "Figure": Figure,
        "COLOUR": "#0072B2",
        "WORDS": {"en": "Accounts", "es": "Cuentas"},
    }


def test_a_figure_written_in_a_notebook_is_drawn_again_from_its_source(tmp_path, study):
    paper = _notebook(tmp_path, study)
    _cell(_FIGURE, _notebook_namespace(paper, study, None))
    (drawing,) = _record(paper)["drawings"]
    assert drawing["function"] == "accounts_per_country"
    code = drawing["code"]
    assert code["source"].startswith("def accounts_per_country(study, lang):")  # no decorator
    assert code["globals"] == {
        "Figure": {"object": "matplotlib.figure:Figure"},
        "np": {"module": "numpy"},
        "COLOUR": {"value": "#0072B2"},
        "WORDS": {"value": {"en": "Accounts", "es": "Cuentas"}},
    }
    for lang in ("en", "es"):
        draw.draw_notebook(paper.out_dir, "nb", lang, study.data_dir)
        assert (paper.out_dir / lang / "figures" / "accounts_per_country.png").is_file()
    output = read_values(paper.out_dir / "es")["nb"]["outputs"]["figure:accounts_per_country"]
    assert output == {
        "notebook": "nb",
        "function": "accounts_per_country",
        "paper": True,
        "index": 0,
        "caption": "Cuentas por país.",
    }
    # by hand, the same cell returns the figure, in the notebook's language
    by_hand = _notebook(tmp_path / "hand", study, "es")
    namespace = _notebook_namespace(by_hand, study, "es")
    _cell(_FIGURE.replace("accounts_per_country(study, lang)\n", ""), namespace)
    fig = namespace["accounts_per_country"](study, "es")
    assert isinstance(fig, Figure) and fig.axes[0].get_ylabel() == "Cuentas"


def test_a_figure_of_a_notebook_finds_its_place_in_the_paper(tmp_path, study):
    """Placed at the end of its notebook's section, numbered, with its caption and maker;
    a notebook whose section the template lacks is an error that says what to add."""
    paper = _notebook(tmp_path, study, name="06_extra")
    _cell(_FIGURE, _notebook_namespace(paper, study, None))
    draw.draw_notebook(paper.out_dir, "06_extra", "en", study.data_dir)
    template = tmp_path / "paper"
    shutil.copytree(REPO / "paper" / "text", template / "text")
    (template / "t.md.j2").write_text("{{ outputs_of('06_extra') }}\n", encoding="utf-8")
    (template / "none.md.j2").write_text("nothing\n", encoding="utf-8")
    md = assemble.fill_template(paper.out_dir, "en", template, "t.md.j2")
    assert "![Figure 1. Accounts per country.](figures/accounts_per_country.svg)" in md
    # what made it is said once, in outputs.md (the README's list), not in every caption
    (listed,) = assemble.outputs_list(paper.out_dir, "en", template, "t.md.j2")
    assert listed["function"] == "accounts_per_country" and listed["notebook"] == "06_extra"
    assert "{#fig-accounts_per_country width=100%}" in md
    with pytest.raises(TemplateError, match=r"no place in the paper: add \{\{ outputs_of"):
        assemble.fill_template(paper.out_dir, "en", template, "none.md.j2")


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        (  # a global the build cannot replay
            "counts = study.accounts\n"
            "@paper.figure(caption=CAPTION)\n"
            "def f(study, lang):\n    return counts.plot()\n"
            "f(study, lang)",
            r"reads the global 'counts' \(a DataFrame\).*pass it as an argument",
        ),
        (  # the study itself, read from the notebook instead of passed
            "@paper.figure(caption=CAPTION)\n"
            "def f(lang):\n    return study.accounts.plot()\n"
            "f(lang)",
            r"reads the global 'study' \(a Study\)",
        ),
        (
            "@paper.figure\ndef f(study, lang):\n    return None\n",
            r"has no caption: pass caption=\{'en': \.\.\., 'es': \.\.\.\}",
        ),
        (
            "@paper.table(caption={'en': 'Only English.'})\ndef f(study, lang):\n    return None\n",
            "caption must give every language of the paper",
        ),
        (  # a figure that no recorded call made
            "paper.figure('mine', Figure(), caption=CAPTION)",
            r"cannot draw this Figure again.*decorated with @paper.figure",
        ),
        (  # a function that reads its enclosing function's variables
            "def outer(n):\n"
            "    @paper.figure(caption=CAPTION)\n"
            "    def inner(study, lang):\n        return n\n"
            "    return inner\n"
            "outer(1)(study, lang)",
            "defined inside another function",
        ),
        (  # a function of a module the build does not replay
            "import json\npaper.figure(caption=CAPTION)(json.dumps)",
            "cannot be drawn again by the build",
        ),
        (
            "figs = paper.recording(figures)\nfigs.agenda_figure(study, lang).axes",
            r"has words, so the build draws it later.*\.axes was asked",
        ),
        ("paper.recording(np)", "modules of the analysis library"),
        ("paper.table('Tabla 1', None)", "lower-case letters"),
    ],
    ids=[
        "global-frame",
        "global-study",
        "no-caption",
        "one-language",
        "not-recorded",
        "closure",
        "other-module",
        "deferred-value",
        "other-library",
        "bad-name",
    ],
)
def test_what_the_build_cannot_replay_is_refused_in_the_notebook(tmp_path, study, cell, message):
    paper = _notebook(tmp_path, study)
    namespace = _notebook_namespace(paper, study, None)
    namespace.update(CAPTION={"en": "A.", "es": "B."}, figures=figures)
    with pytest.raises(UsageError, match=message):
        _cell(cell, namespace)


def test_the_method_numbers_the_prose_quotes_follow_the_codebook(tmp_path, study, fixture_data):
    """Change a threshold in a codebook: the paper's sentence about the levels changes with it."""
    data = tmp_path / "raw"
    shutil.copytree(fixture_data, data)
    book = yaml.safe_load((data / "codebook.yml").read_text(encoding="utf-8"))
    levels = book["account_levels"]
    second = list(levels)[1]
    old = levels[second]["min_share"]
    new = round(old + 0.03, 4)
    text = (data / "codebook.yml").read_text(encoding="utf-8")
    line = next(ln for ln in text.splitlines() if ln.strip().startswith(f"{second}:"))
    text = text.replace(line, line.replace(f"min_share: {old}", f"min_share: {new}"))
    (data / "codebook.yml").write_text(text, encoding="utf-8")
    template = tmp_path / "paper"
    shutil.copytree(REPO / "paper" / "text", template / "text")
    (template / "t.md.j2").write_text("{{ say('levels_text') }}\n", encoding="utf-8")
    said = {}
    for name, source in (("before", fixture_data), ("after", data)):
        paper = Notebook("nb", load.study("ARG", "URY", source), None, tmp_path / name)
        for lang in ("en", "es"):
            draw.draw_notebook(paper.out_dir, "nb", lang, source)
            said[name, lang] = assemble.fill_template(paper.out_dir, lang, template, "t.md.j2")
    label = codebook.label("account_levels", second, "en").lower()
    assert f"{label} from {fmt_percent(old, 'en', None)}" in said["before", "en"]
    assert f"{label} from {fmt_percent(new, 'en', None)}" in said["after", "en"]
    assert f"{label} from {fmt_percent(old, 'en', None)}" not in said["after", "en"]
    label_es = codebook.label("account_levels", second, "es").lower()
    assert f"{label_es} desde el {fmt_percent(new, 'es', None)}" in said["after", "es"]


def test_a_plain_plot_in_a_cell_says_it_is_not_in_the_paper(tmp_path, study, capsys):
    """A pyplot figure drawn in a cell shows there only: the notebook says so, and how to
    put it in the paper instead."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.user_ns.update(paper=_notebook(tmp_path, study, "en"), study=study)
    shell.run_cell("import matplotlib.pyplot as plt\nplt.figure()\nplt.plot([1, 2])\nNone")
    said = capsys.readouterr().err
    shell.run_cell("plt.close('all')")
    assert "shown here only" in said and "@paper.figure(caption=" in said


def test_a_figure_function_called_for_each_platform_names_each_figure(tmp_path, study):
    """One decorated function, several figures: each call named with paper.figure."""
    paper = _notebook(tmp_path, study)
    namespace = _notebook_namespace(paper, study, None)
    cell = _FIGURE.replace("accounts_per_country(study, lang)\n", "")
    cell += (
        "for platform in ('twitter', 'facebook'):\n"
        "    paper.figure(f'accounts_{platform}', accounts_per_country(study, lang))\n"
    )
    _cell(cell, namespace)
    drawn = [(d["name"], d["caption"]["en"]) for d in _record(paper)["drawings"]]
    assert drawn == [
        ("accounts_twitter", "Accounts per country."),
        ("accounts_facebook", "Accounts per country."),
    ]
