"""The figures' house style: fonts and colours, the footnote strip, tiles, legends, and
files that are byte-identical from one build to the next.

Every figure of the paper and of the panel report is drawn with these helpers, so all
share one look: a 16 cm column of an A4 page, country ``a`` of a pair blue and ``b``
vermillion (Okabe-Ito, safe for colour-blind readers), grey for "no" or "not given",
and a source line under the axes. Figures are built on :class:`matplotlib.figure.Figure`
directly (Agg canvas), so importing this module never changes the pyplot backend of a
notebook.

>>> fig, main = new_figure(1.0, "Source: -")
>>> import tempfile
>>> [p.suffix for p in save_figure(fig, tempfile.mkdtemp(), "empty")]
['.png', '.svg']
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
import sys
import textwrap
import warnings
from pathlib import Path

import matplotlib as mpl
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter

from analysis.base.errors import UsageError
from analysis.base.files import write_atomic
from analysis.data import codebook
from analysis.report.text import fmt_number, fmt_percent, words

#: Okabe-Ito blue and vermillion: country a, country b of the pair.
COUNTRY_COLOURS = ("#0072B2", "#D55E00")
GREY, LIGHT, INK = "#7F7F7F", "#E6E6E6", "#333333"
WIDTH_IN = 16 / 2.54
#: Points of the footnote strip's text (source, notes).
FOOTNOTE_SIZE = 6.5
SOFTWARE = "dpd-compendium analysis.report.plotting"
#: Qualifiers of a figure as short marks on a bar ("> 720,000").
QUALIFIER_MARKS = {"more_than": ">\u202f", "almost": "\u2248\u202f"}

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.titlesize": 8.5,
    "axes.titleweight": "bold",
    "axes.labelsize": 8,
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "legend.fontsize": 7.5,
    "figure.titlesize": 10,
    "figure.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": INK,
    "hatch.color": GREY,
    "svg.hashsalt": "dpd-compendium",
    "svg.fonttype": "path",
    # text from the data is text: a "$" in a name must not start mathtext
    "text.parse_math": False,
}


#: The size a figure gets when its code does not choose one: the column's width.
DEFAULT_SIZE = (WIDTH_IN, 3.2)


@contextlib.contextmanager
def house_style():
    """The paper's look (:data:`STYLE`, a 16 cm wide figure) for the code inside, then the
    caller's settings again: what a figure written in a notebook is drawn under.

    A ``sns.set_theme()`` inside the block lasts only as long as the block.
    """
    extra = {"figure.figsize": DEFAULT_SIZE, "figure.constrained_layout.use": True}
    with mpl.rc_context({**STYLE, **extra}):
        yield


@contextlib.contextmanager
def _seaborn_theme():
    """seaborn.objects' theme set to the rc settings in force (the house style), then back."""
    import seaborn.objects as so  # lazy: start-up time (seaborn imports pyplot)

    theme = so.Plot.config.theme
    saved = dict(theme)
    theme.update(mpl.rcParams)  # only the look: seaborn keeps the thematic settings
    try:
        yield
    finally:
        theme.update(saved)


def draw_plot(plot, target) -> None:
    """Draw a ``seaborn.objects.Plot`` on `target` (an Axes, a figure or a subfigure) in the
    house style; a legend seaborn puts beside the figure goes below it, as in the paper's
    other figures (and inside the page).
    """
    with _seaborn_theme(), warnings.catch_warnings():
        # seaborn 0.13 passes pandas a keyword pandas 3 deprecates; nothing to act on here
        warnings.filterwarnings("ignore", "The copy keyword is deprecated", module="seaborn")
        plot.on(target).plot()
    holder = target.figure if hasattr(target, "get_subplotspec") else target
    for legend in list(holder.legends):
        labels = [t.get_text() for t in legend.texts]
        title = legend.get_title().get_text() or None
        holder.legends.remove(legend)
        holder.legend(
            legend.legend_handles,
            labels,
            title=title,
            loc="outside lower center",
            ncols=min(len(labels), 4),
            frameon=False,
        )


def _is_seaborn_plot(value) -> bool:
    kind = type(value)
    return kind.__module__.startswith("seaborn") and kind.__name__ == "Plot"


def is_figure_like(value) -> bool:
    """Whether `value` is something :func:`as_figure` turns into a figure."""
    from matplotlib.axes import Axes  # lazy: start-up time
    from matplotlib.figure import FigureBase  # lazy: start-up time

    if isinstance(value, FigureBase | Axes) or _is_seaborn_plot(value):
        return True
    return isinstance(getattr(value, "figure", None), FigureBase)


def as_figure(value) -> Figure:
    """The figure a figure function gave: a Figure itself, or the figure of an Axes, of a
    seaborn grid (``FacetGrid``...), or a ``seaborn.objects.Plot`` drawn on a new figure.

    >>> import seaborn.objects as so
    >>> import pandas as pd
    >>> fig = as_figure(so.Plot(pd.DataFrame({"x": [1, 2], "y": [3, 4]}), "x", "y").add(so.Dot()))
    >>> type(fig).__name__, round(float(fig.get_figwidth()), 2)
    ('Figure', 6.3)
    """
    from matplotlib.axes import Axes  # lazy: start-up time
    from matplotlib.figure import SubFigure  # lazy: start-up time

    if isinstance(value, Figure):
        return value
    if isinstance(value, SubFigure | Axes):
        return value.get_figure(root=True)
    if _is_seaborn_plot(value):
        with house_style():
            fig = Figure(figsize=DEFAULT_SIZE, layout="constrained")
            FigureCanvasAgg(fig)
            draw_plot(value, fig)
        return fig
    inner = getattr(value, "figure", None)
    if inner is not None and inner is not value and is_figure_like(inner):
        return as_figure(inner)
    raise UsageError(
        f"a figure function returns a matplotlib Figure or Axes, a seaborn grid or a "
        f"seaborn.objects Plot; this one returned a {type(value).__name__}"
    )


def release(fig: Figure) -> None:
    """Let pyplot forget `fig` (if pyplot made it): it is shown or saved by the caller, once."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(fig)  # nothing happens to a figure pyplot does not manage


def png_bytes(fig: Figure, dpi: int = 100) -> bytes:
    """`fig` as PNG bytes: how a notebook shows a figure the library drew without pyplot."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": SOFTWARE})
    return buffer.getvalue()


def figure_words(lang: str) -> dict[str, str]:
    """Every word the figures write in `lang`: the table words plus the figure words."""
    return {**words("tables", lang), **words("figures", lang)}


# --------------------------------------------------------------------------- helpers


def styled(builder):
    """Build the figure under the project's fixed rcParams, whatever the caller's are."""

    @functools.wraps(builder)
    def wrapper(*args, **kwargs):
        with mpl.rc_context(STYLE):
            return builder(*args, **kwargs)

    return wrapper


def new_figure(height_in: float, footnote: str):
    """A 16 cm wide figure: a main subfigure `height_in` tall above a footnote strip.

    The footnote (source, notes) gets its own subfigure sized to its lines, so
    constrained layout can never let it collide with a legend below the axes.
    Returns ``(fig, main)``; draw into ``main``, return ``fig``.
    """
    fig = Figure(figsize=(WIDTH_IN, height_in), layout="constrained")
    FigureCanvasAgg(fig)
    # set 1 % in from the left edge, each line at most 98 % of the width, measured
    footnote = fit_lines(fig, footnote, 0.98 * fig.bbox.width, FOOTNOTE_SIZE)
    foot_h = 0.08 + (footnote.count("\n") + 1) * FOOTNOTE_SIZE * 1.3 / 72
    fig.set_size_inches(WIDTH_IN, height_in + foot_h)
    main, foot = fig.subfigures(2, 1, height_ratios=[height_in, foot_h])
    foot.text(0.01, 1.0, footnote, ha="left", va="top", fontsize=FOOTNOTE_SIZE, color=INK)
    return fig, main


def fit_lines(fig: Figure, text: str, width_px: float, size: float) -> str:
    """`text` broken at spaces into lines no wider than `width_px` in `fig` at `size`
    points, measured in the figure's font (a count of characters misjudges a line of
    capitals or of narrow letters); its own line breaks are kept, a word longer than a
    line stands alone.

    >>> fig = Figure(figsize=(1, 1), dpi=100)
    >>> print(fit_lines(fig, "one two three four", 80, 10))
    one two
    three four
    """
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    font = FontProperties(size=size)

    def width(line: str) -> float:
        return renderer.get_text_width_height_descent(line, font, ismath=False)[0]

    lines = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            longer = f"{line} {word}" if line else word
            if line and width(longer) > width_px:
                lines.append(line)
                line = word
            else:
                line = longer
        lines.append(line)
    return "\n".join(lines)


def wrap(text: str, width: int) -> str:
    return textwrap.fill(text, width, break_long_words=False, break_on_hyphens=False)


def country_colours(study) -> dict[str, str]:
    return dict(zip(study.pair, COUNTRY_COLOURS, strict=True))


def country_handles(study, lang: str) -> list[Patch]:
    return [
        Patch(facecolor=col, label=study.country_name(c, lang))
        for c, col in country_colours(study).items()
    ]


def cited(*frames: pd.DataFrame) -> str:
    """The works the rows drawn cite (the first part of each ``source``), or "-"."""
    cited = set()
    for df in frames:
        if "source" in df.columns:
            cited |= {str(s).split(",")[0].strip() for s in df["source"].dropna()}
    return "; ".join(sorted(cited)) or "-"


def source_line(study, lang: str, *frames: pd.DataFrame, dated: bool = True) -> str:
    """'Source: Benayas 2021; figures up to 2019-02.' from the rows drawn and countries.csv;
    the date only where the rows drawn are accounts' figures (`dated=False`: a figure of
    their opening dates draws no figure of theirs)."""
    snaps = study.countries.set_index("iso3")["snapshot"].dropna()
    # only the countries whose data are dated: an undated country is not "dated <NA>"
    dates = {c: str(snaps[c]) for c in study.pair if c in snaps.index}
    words = figure_words(lang)
    # a date of the figures is said only of a figure that draws figures (counts of accounts):
    # a website's criteria or an account's topics are not "figures dated 2019-02"
    if not dated or not any("as_of" in df.columns for df in frames):
        dates = {}
    if not dates:
        return words["source_undated"].format(sources=cited(*frames))
    if len(dates) == len(study.pair) and len(set(dates.values())) == 1:
        snapshot = next(iter(dates.values()))
    else:
        snapshot = ", ".join(f"{study.country_name(c, lang)} {d}" for c, d in dates.items())
    return words["source"].format(sources=cited(*frames), snapshot=snapshot)


def number_axis(axis, lang: str, percent: bool = False) -> None:
    fmt = (lambda v, _: fmt_percent(v, lang)) if percent else (lambda v, _: fmt_number(v, lang))
    axis.set_major_formatter(FuncFormatter(fmt))


def tile(ax, x: float, y: float, w: float, h: float, state, colour: str, gid: str) -> Rectangle:
    """One cell of a tile chart: filled (yes), light grey (no) or hatched white (not given)."""
    if state is None or pd.isna(state):
        kw = {"facecolor": "white", "hatch": "////", "edgecolor": GREY}
    elif bool(state):
        kw = {"facecolor": colour, "edgecolor": "white"}
    else:
        kw = {"facecolor": LIGHT, "edgecolor": "white"}
    patch = Rectangle((x, y), w, h, linewidth=0.8, gid=gid, **kw)
    ax.add_patch(patch)
    return patch


def role_labels(study, lang: str, width: int = 24) -> dict[str, str]:
    return {k: wrap(v, width) for k, v in codebook.labels("roles", lang, study.data_dir).items()}


# --------------------------------------------------------------------------- saving


#: The ids matplotlib derives from a hash of what they name (clip paths, markers, hatches,
#: images): ``p`` followed by ten hexadecimal digits.
_HASHED_ID = re.compile(r'id="([hmpi][0-9a-f]{10})"')


def stable_svg_ids(svg: str) -> str:
    """`svg` with matplotlib's hashed ids renamed in order of first appearance.

    A clip path's id hashes its rectangle's coordinates, whose last binary digits vary
    from run to run (the layout sums floats in an order that depends on where objects
    sit in memory), although every coordinate written is the same. Numbering the ids
    instead makes two drawings of one figure byte-identical.

    >>> stable_svg_ids('<clipPath id="p0123456789"/><g clip-path="url(#p0123456789)"/>')
    '<clipPath id="p1"/><g clip-path="url(#p1)"/>'
    """
    names: dict[str, str] = {}
    for old in _HASHED_ID.findall(svg):
        names.setdefault(old, f"{old[0]}{len(names) + 1}")
    if not names:
        return svg
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
    return pattern.sub(lambda m: names[m.group(1)], svg)


def save_figure(fig: Figure, out_dir: str | Path, name: str) -> list[Path]:
    """Write `name`.png (200 dpi) and `name`.svg, byte-identical on every run, and close `fig`.

    Determinism: a fixed SVG hash salt, ids numbered in order (:func:`stable_svg_ids`),
    no date in the metadata and a fixed creator string instead of the matplotlib
    version. Each file appears whole or not at all.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    png, svg = io.BytesIO(), io.StringIO()
    with mpl.rc_context({"svg.hashsalt": STYLE["svg.hashsalt"], "svg.fonttype": "path"}):
        fig.savefig(png, format="png", dpi=200, metadata={"Software": SOFTWARE})
        fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": SOFTWARE})
    release(fig)
    paths = [out_dir / f"{name}.png", out_dir / f"{name}.svg"]
    write_atomic(paths[0], png.getvalue())
    write_atomic(paths[1], stable_svg_ids(svg.getvalue()))
    return paths


__all__ = [
    "COUNTRY_COLOURS",
    "DEFAULT_SIZE",
    "GREY",
    "INK",
    "LIGHT",
    "QUALIFIER_MARKS",
    "STYLE",
    "as_figure",
    "cited",
    "country_colours",
    "country_handles",
    "draw_plot",
    "figure_words",
    "house_style",
    "is_figure_like",
    "new_figure",
    "number_axis",
    "png_bytes",
    "release",
    "role_labels",
    "save_figure",
    "source_line",
    "stable_svg_ids",
    "styled",
    "tile",
    "wrap",
]
