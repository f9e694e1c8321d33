"""Fill the paper template with a build's values, tables and figures; write HTML and PDF.

The template (``paper/paper.md.j2``; ``paper/panel.md.j2`` for the report on a panel of
countries) holds the structure, ``paper/text/<lang>.yml``
every sentence; both are Jinja2, so a sentence can quote a recorded number (``v``) or a
number of the method (``method``: the codebook's thresholds, the confidence level). The
template places a figure or table by name (``figure("agenda")``); each section ends with
``outputs_of("<notebook>")``, which places every other figure and table its notebook gave
the paper, so a figure added in a notebook needs no edit here. Figures and tables are
numbered in the order they appear and referred to by name (``ref("figura1")``), so the
numbers resolve the same in HTML and PDF. A caption is the notebook's, else
``fig_<name>``/``tab_<name>`` of the texts. Pandoc (pypandoc-binary) converts Markdown to a
self-contained HTML file and to Typst, which the typst package compiles to PDF; citations
go through pandoc's citeproc.
"""

from __future__ import annotations

import functools
import json
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

from analysis.base import yaml_io
from analysis.base.errors import BuildError, TemplateError, UsageError
from analysis.base.files import pending, write_atomic
from analysis.base.paths import RESULTS
from analysis.build.record import records
from analysis.data.codebook import LANGUAGES
from analysis.report import text as words
from analysis.report.text import escape_markdown

__all__ = [
    "TemplateError",
    "assemble",
    "fill_template",
    "load_settings",
    "load_text",
    "method_in",
    "outputs_list",
    "outputs_table",
    "recorded",
]


def load_text(lang: str, template_dir: Path) -> dict[str, str]:
    """The paper's sentences in `lang`, by key."""
    path = Path(template_dir) / "text" / f"{lang}.yml"
    with open(path, encoding="utf-8") as fh:
        return yaml_io.safe_load(fh)


def load_settings(template_dir: Path) -> dict:
    """The paper's settings a sentence may use (``paper/paper.yml``): its ``authors``.

    ``authors`` is a list of names (text, escaped like data); empty or absent, the paper
    is signed by the compendium (``author`` of paper/text/<lang>.yml words it).
    """
    path = Path(template_dir) / "paper.yml"
    try:
        with open(path, encoding="utf-8") as fh:
            settings = yaml_io.safe_load(fh) or {}
    except FileNotFoundError:
        settings = {}
    except yaml.YAMLError as exc:
        raise UsageError(f"{path}: not valid YAML ({exc.__class__.__name__})") from None
    authors = settings.get("authors") or []
    if not isinstance(authors, list) or not all(
        isinstance(a, str) and a.strip() and a.isprintable() and len(a) <= 200 for a in authors
    ):
        raise UsageError(
            f"{path}, authors: a list of names, each printable text on one line "
            '(at most 200 characters), e.g. ["A. Pérez", "B. Soto"]'
        )
    return {"authors": [a.strip() for a in authors]}


class _Numbering:
    """Figure and table numbers by name, in order of first appearance.

    The template is filled three times: the first learns which outputs it places by name
    (``placed``), so that ``outputs_of`` places the others; the second learns the order;
    the third numbers every reference, forward ones included.
    """

    def __init__(self):
        self.order: dict[str, list[str]] = {"figure": [], "table": []}  # from a pass before
        self.seen: dict[str, list[str]] = {"figure": [], "table": []}
        self.named: set[str] | None = None  # placed by name, known after the first pass
        self.placing: set[str] = set()

    def next_pass(self) -> None:
        if self.named is None:
            self.named = set(self.placing)
        self.order, self.seen = self.seen, {"figure": [], "table": []}

    def number(self, kind: str, name: str) -> int:
        if name not in self.seen[kind]:
            self.seen[kind].append(name)
        known = self.order[kind]
        return (known.index(name) if name in known else self.seen[kind].index(name)) + 1


#: Pandoc's reader: Markdown with no raw HTML, TeX or raw attributes, so nothing in the text
#: can become markup of the output even if it escaped the template's escaping.
MARKDOWN = "markdown-raw_html-raw_tex-raw_attribute"


class Markdown(str):
    """Text that is already Markdown (a filled sentence, a table, a figure): kept as is.

    Everything else that reaches the template (country names, quotes, handles, notes) is
    data, and is escaped into literal text (:func:`analysis.report.text.escape_markdown`).
    """


def _literal(value) -> str:
    """Jinja's ``finalize``: what a ``{{ }}`` prints. Data become literal text."""
    return value if isinstance(value, Markdown) else escape_markdown(value)


def _yaml_string(value) -> Markdown:
    """A value as a YAML double-quoted scalar (JSON's string syntax is valid YAML)."""
    return Markdown(json.dumps(str(value), ensure_ascii=False))


def recorded(pair_dir: Path, lang: str) -> tuple[dict, dict]:
    """The values the paper may quote, and each figure and table: what made it (notebook,
    function), its caption in `lang` if the notebook gave one, and whether the paper shows it.

    The language-free results (``results/``) and the language's drawings
    (``<lang>/``), merged: a value recorded twice is an error.
    """
    values: dict = {}
    made: dict = {}
    for notebook, record in records(pair_dir, lang):
        for key in record["values"]:
            if key in values:
                raise TemplateError(f"value {key!r} is recorded twice ({notebook})")
        values.update(record["values"])
        for key, output in record["outputs"].items():
            if key in made:
                raise TemplateError(f"{key.replace(':', ' ')} is made twice ({notebook})")
            made[key] = output
    return values, made


def method_in(pair_dir: Path, lang: str) -> dict:
    """The numbers of the method the results were computed with, labels in `lang`.

    Every notebook records them (:func:`analysis.build.record.method_numbers`); a label
    ``{"en": ..., "es": ...}`` becomes its text in `lang`.
    """

    def worded(value):
        if isinstance(value, dict):
            if set(value) == set(LANGUAGES):
                return value[lang]
            return {k: worded(v) for k, v in value.items()}
        if isinstance(value, list):
            return [worded(v) for v in value]
        return value

    for _, record in records(pair_dir, lang):
        if "method" in record:
            return worded(record["method"])
    return {}


def _paper_outputs(made: dict) -> list[tuple[str, str, dict]]:
    """``(kind, name, output)`` of every figure and table the paper shows, in recorded order."""
    shown = [(*key.split(":", 1), out) for key, out in made.items() if out.get("paper", True)]
    return sorted(shown, key=lambda x: (x[2]["notebook"], x[2].get("index", 0)))


def _context(pair_dir: Path, lang: str, text: dict, numbering: _Numbering, settings: dict) -> dict:
    from jinja2 import StrictUndefined  # lazy: start-up time
    from jinja2.sandbox import SandboxedEnvironment  # lazy: start-up time

    out_dir = Path(pair_dir) / lang
    values, made = recorded(pair_dir, lang)
    method = method_in(pair_dir, lang)
    env = SandboxedEnvironment(
        undefined=StrictUndefined, keep_trailing_newline=True, finalize=_literal
    )
    env.filters["yaml_string"] = _yaml_string
    plain_indent = env.filters["indent"]
    env.filters["indent"] = lambda s, *a, **k: (
        Markdown(plain_indent(s, *a, **k)) if isinstance(s, Markdown) else plain_indent(s, *a, **k)
    )

    compiled = functools.lru_cache(maxsize=None)(env.from_string)

    def say(key: str, **extra) -> Markdown:
        if key not in text:
            raise TemplateError(f"paper/text/{lang}.yml has no key {key!r}")
        return Markdown(compiled(str(text[key])).render(**ctx, **extra).strip())

    def ref(name: str) -> Markdown:
        kind = "figure" if f"figure:{name}" in made else "table"
        return Markdown(f"{say('label_' + kind)} {numbering.number(kind, name)}")

    def caption(kind: str, name: str) -> Markdown:
        given = made.get(f"{kind}:{name}", {}).get("caption")
        if given is None:
            return say(("fig_" if kind == "figure" else "tab_") + name)
        return Markdown(compiled(str(given)).render(**ctx).strip())

    def check_maker(kind: str, name: str) -> None:
        """The output was recorded, by code names: ``outputs.md`` lists them in code spans
        (the captions do not repeat them: one list says what made each output)."""
        key = f"{kind}:{name}"
        if key not in made:
            raise TemplateError(f"no {kind} {name!r} was recorded in {out_dir}")
        p = made[key]
        names = {k: p[k] for k in ("notebook", "function")}
        if not all(re.fullmatch(r"[A-Za-z0-9_.]+", v) for v in names.values()):
            raise TemplateError(f"{kind} {name!r}: its maker is not a code name: {names}")

    def figure(name: str) -> Markdown:
        numbering.placing.add(f"figure:{name}")
        number = numbering.number("figure", name)
        check_maker("figure", name)
        text = f"{say('label_figure')} {number}. {caption('figure', name)}"
        return Markdown(f"![{text}](figures/{name}.svg){{#fig-{name} width=100%}}\n")

    def table(name: str) -> Markdown:
        numbering.placing.add(f"table:{name}")
        number = numbering.number("table", name)
        # tables.to_markdown wrote the body with every cell escaped: it is Markdown
        path = out_dir / "tables" / f"{name}.md"
        if not path.is_file():  # a language-free table of the results
            path = Path(pair_dir) / RESULTS / "tables" / f"{name}.md"
        body = path.read_text(encoding="utf-8").strip()
        check_maker("table", name)
        text = caption("table", name)
        return Markdown(f"{body}\n\n: {say('label_table')} {number}. {text}\n")

    def drawn(name: str) -> bool:
        """Whether the notebooks drew figure `name` for this pair (some only when the data
        let it compare something: a template places it, and words refer to it, only then)."""
        return f"figure:{name}" in made

    def omit(*names: str) -> Markdown:
        """Leave recorded outputs out on purpose (a section the pair's data do not have):
        they are then neither placed nor reported as lacking a place."""
        for name in names:
            kind = "figure" if f"figure:{name}" in made else "table"
            numbering.placing.add(f"{kind}:{name}")
        return Markdown("")

    def outputs_of(notebook: str) -> Markdown:
        """Every figure and table of `notebook` for the paper that the template does not
        place by name, in the order the notebook made them."""
        if numbering.named is None:  # first pass: learn what is placed by name
            return Markdown("")
        parts = []
        for kind, name, output in _paper_outputs(made):
            if output["notebook"] == notebook and f"{kind}:{name}" not in numbering.named:
                parts.append(figure(name) if kind == "figure" else table(name))
        return Markdown("\n".join(parts))

    def n(x, decimals=None) -> Markdown:
        return Markdown(words.fmt_number(x, lang, decimals))

    ctx = {
        "v": values,
        "method": method,
        "settings": settings,
        "lang": lang,
        "say": say,
        "ref": ref,
        "figure": figure,
        "table": table,
        "outputs_of": outputs_of,
        "omit": omit,
        "drawn": drawn,
        "n": n,
        # decimals=None: as many as the number has (2.5%), for numbers a person typed
        "pct": lambda x, decimals=0: Markdown(words.fmt_percent(x, lang, decimals)),
        "env": env,
        "made": made,
        "caption": caption,
    }
    return ctx


def _fill(pair_dir: Path, lang: str, template_dir: Path, template: str):
    from jinja2 import TemplateError as JinjaError  # lazy: start-up time

    text = load_text(lang, template_dir)
    source_path = Path(template_dir) / template
    source = source_path.read_text(encoding="utf-8")
    numbering = _Numbering()
    ctx = _context(pair_dir, lang, text, numbering, load_settings(template_dir))
    try:
        compiled = ctx["env"].from_string(source)
        for _ in range(2):  # what is placed by name, then the order of figures and tables
            compiled.render(**ctx)
            numbering.next_pass()
        filled = compiled.render(**ctx)
    except JinjaError as exc:
        where = f"{source_path} or {Path(template_dir) / 'text' / f'{lang}.yml'}"
        raise TemplateError(f"{type(exc).__name__}: {exc.message}", where) from None
    for kind, name, output in _paper_outputs(ctx["made"]):
        if f"{kind}:{name}" not in numbering.placing:
            raise TemplateError(
                f"{kind} {name!r} of notebook {output['notebook']} has no place in the paper: "
                f"add {{{{ outputs_of('{output['notebook']}') }}}} to the section it belongs to",
                source_path,
            )
    return filled, numbering, ctx


def fill_template(
    pair_dir: Path, lang: str, template_dir: Path, template: str = "paper.md.j2"
) -> str:
    """The filled Markdown of the paper (filled three times, so forward references resolve).

    Raises
    ------
    TemplateError
        When the template or a text names a value the build did not record, is not
        valid Jinja2 (the message names the file or the key), or leaves a figure or
        table of a notebook without a place.
    """
    return _fill(pair_dir, lang, template_dir, template)[0]


def _outputs(numbering: _Numbering, ctx: dict) -> list[dict]:
    rows = []
    for kind in ("figure", "table"):
        placed = [n for n in numbering.seen[kind] if f"{kind}:{n}" in numbering.placing]
        for number, name in enumerate(placed, start=1):
            output = ctx["made"][f"{kind}:{name}"]
            caption = str(ctx["caption"](kind, name)).strip()
            rows.append(
                {
                    "label": f"{ctx['say']('label_' + kind)} {number}",
                    "what": re.split(r"(?<=[.!?])\s", caption, maxsplit=1)[0],
                    "notebook": output["notebook"],
                    "function": output["function"],
                }
            )
    return rows


def outputs_table(rows: list[dict]) -> str:
    """The README's table of figures and tables (Markdown) from :func:`outputs_list`."""
    lines = ["| in the paper | what | notebook | function |", "|---|---|---|---|"]
    for r in rows:
        what = r["what"].replace("|", "\\|")
        lines.append(f"| {r['label']} | {what} | `{r['notebook']}` | `{r['function']}` |")
    return "\n".join(lines) + "\n"


def outputs_list(
    pair_dir: Path, lang: str, template_dir: Path, template: str = "paper.md.j2"
) -> list[dict]:
    """Every figure and table of the paper, in the paper's order, with what made it.

    Each is ``{"label": "Figure 3", "what": <its caption's first sentence>, "notebook",
    "function"}``. The assembly writes them as ``<lang>/outputs.md``
    (:func:`outputs_table`), the README's table of figures and tables.
    """
    _, numbering, ctx = _fill(pair_dir, lang, template_dir, template)
    return _outputs(numbering, ctx)


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def _pandoc(source: Path, to: str, target: Path, args: list[str]) -> None:
    import pypandoc  # lazy: start-up time

    try:
        pypandoc.convert_file(
            str(source), to, format=MARKDOWN, outputfile=str(target), extra_args=args
        )
    except RuntimeError as exc:  # pypandoc's way of saying pandoc failed
        raise BuildError(f"pandoc could not write {to}: {_first_line(exc)}") from exc


_PDF_FIGURE = re.compile(r'image\("figures/([A-Za-z0-9_]+)\.svg"')


def _pdf(source: Path, typ: Path, pdf: Path, args: list[str], root: Path, timestamp) -> None:
    """Markdown -> Typst (pandoc) -> PDF (typst)."""
    import typst  # lazy: start-up time

    _pandoc(source, "typst", typ, args)
    # Typst draws an SVG without matplotlib's hatch patterns (the "two readings" and "a year
    # or a quarter" of a legend would be the same pale box): the PDF takes the 200 dpi PNG
    text = typ.read_text(encoding="utf-8")
    typ.write_text(_PDF_FIGURE.sub(r'image("figures/\1.png"', text), encoding="utf-8")
    try:
        # the PDF's dates are the build's SOURCE_DATE_EPOCH, and only the fonts typst
        # ships are used, so two builds of one commit give the same bytes anywhere
        typst.compile(
            str(typ), output=str(pdf), root=str(root), timestamp=timestamp, ignore_system_fonts=True
        )
    except typst.TypstError as exc:
        raise BuildError(f"Typst could not compile the PDF: {_first_line(exc)}") from exc


def assemble(
    pair_dir: Path,
    lang: str,
    targets: dict[str, Path],
    template_dir: Path,
    timestamp: int | None = None,
    template: str = "paper.md.j2",
) -> dict[str, Path]:
    """Write the paper's Markdown, HTML and PDF; the finished files appear only at the end.

    `pair_dir` is the pair's build folder (``results/`` and ``<lang>/`` inside); the
    Markdown and Typst sources are kept in ``<lang>/``. HTML and PDF are written at the
    same time (two pandoc processes; Typst compiles while pandoc writes the HTML).
    """
    out_dir = Path(pair_dir) / lang
    markdown, numbering, ctx = _fill(pair_dir, lang, template_dir, template)
    source = out_dir / "paper.md"
    write_atomic(source, markdown)
    write_atomic(out_dir / "outputs.md", outputs_table(_outputs(numbering, ctx)))
    bib = str(Path(template_dir) / "references.bib")
    # --columns: never give tables relative widths from the Markdown source; the browser
    # and Typst size each column to its content, so numbers and words do not break.
    common = [
        "--standalone",
        "--citeproc",
        f"--bibliography={bib}",
        f"--metadata=lang:{lang}",
        "--columns=100000",
    ]
    html_args = [
        "--embed-resources",  # one self-contained file: figures and style inside
        f"--css={Path(template_dir) / 'style.css'}",
        f"--resource-path={out_dir}",
        "--section-divs",
    ]
    typst_args = [f"--include-in-header={Path(template_dir) / 'typst-header.typ'}"]
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".paper-") as tmp, pending(Path(tmp)):
        html, pdf = Path(tmp) / "paper.html", Path(tmp) / "paper.pdf"
        typ = out_dir / "paper.typ"
        with ThreadPoolExecutor(max_workers=2) as pool:
            jobs = [
                pool.submit(_pandoc, source, "html5", html, common + html_args),
                pool.submit(_pdf, source, typ, pdf, common + typst_args, out_dir, timestamp),
            ]
            for job in jobs:
                job.result()
        for key, made in (("html", html), ("pdf", pdf)):
            write_atomic(targets[key], made.read_bytes())
    return targets
