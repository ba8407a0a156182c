"""Charts in one consistent style, readable in grey print, with a font that covers Vietnamese.

Figures are built with :class:`matplotlib.figure.Figure` (no pyplot state) and returned as
data URIs (SVG with real text by default, PNG on request), so a report embeds them and opens
with no network.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Sequence
from typing import ClassVar

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator
from PIL import Image

from . import fmt

# Dark blue for the unit, light grey-blue for others, black for medians: distinct in grey print too.
MAIN = "#1f4e79"
OTHER = "#b7c7d9"
MEDIAN = "#111111"
GRID = "#d9d9d9"
LINE_STYLES = ("-", "--", ":", "-.")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h")
STYLE = {
    "font.family": "DejaVu Sans",  # ships with matplotlib; covers Vietnamese diacritics
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#555555",
    "axes.grid": True,
    "axes.grid.axis": "x",
    "grid.color": GRID,
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "legend.fontsize": 8,
    # Every text is drawn as written: a "$" in a unit's name or a label never starts mathtext.
    "text.parse_math": False,
}
WIDTH = 7.2  # inches: the text width of an A4 page with margins
DPI = 110
#: The chosen unit's bar: its dark fill and a thick black outline. Hatching means one thing in every chart, "no data".
UNIT_EDGE = "#000000"
UNIT_EDGE_WIDTH = 1.8


def mark_unit(bar) -> None:
    """Mark the chosen unit's bar by its outline (hatching is kept for "no data" in every chart)."""
    bar.set_edgecolor(UNIT_EDGE)
    bar.set_linewidth(UNIT_EDGE_WIDTH)


def count_axis(axis, lang: str = "vi") -> None:
    """An axis of counts (units, things counted): ticks at whole numbers only, labelled without decimals.

    The one place count axes are made, so that no chart labels a tick at 2,5 as "2" (or draws a gridline at 12,5
    labelled "12").
    """
    axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt.number(v, 0, lang)))


def new_figure(
    height: float, *, left: float = 0.9, top: float = 0.4, bottom: float = 0.35, right: float = 0.45
) -> Figure:
    """A figure with fixed margins in inches (one draw, no layout engine: several times faster)."""
    fig = Figure(figsize=(WIDTH, height), dpi=DPI, facecolor="white")
    fig.subplots_adjust(left=left / WIDTH, right=1 - right / WIDTH, top=1 - top / height, bottom=bottom / height)
    return fig


#: The charts' image format in the HTML pages: ``svg`` (real text, see :func:`to_data_uri`) or ``png``.
#: ``DXNB_CHART_FORMAT=png`` switches the pages back to bitmaps.
FORMATS = ("svg", "png")
#: The fonts an SVG chart's text asks for, in order: each covers Vietnamese (DejaVu Sans ships with
#: matplotlib and measures the text, so it is first; the others have near metrics).
SVG_FONTS = "'DejaVu Sans', 'Noto Sans', 'Segoe UI', Arial, sans-serif"
_SVG_RC = {"svg.fonttype": "none", "svg.hashsalt": "dxnb", "svg.image_inline": True}


def chart_format() -> str:
    """The image format of the pages' charts: ``DXNB_CHART_FORMAT`` when it is svg or png, else svg."""
    import os

    wanted = os.environ.get("DXNB_CHART_FORMAT", "").strip().lower()
    return wanted if wanted in FORMATS else "svg"


def to_data_uri(fig: Figure, format: str | None = None) -> str:
    """Draw ``fig`` once and return it as a data URI: SVG with real text (default) or a palette PNG.

    SVG keeps the text as ``<text>`` in the font stack :data:`SVG_FONTS` (no glyph outlines, no
    bitmap: cheaper to draw and smaller), with stable element ids and no date, so the same chart
    gives the same bytes. Its size is that of the PNG (``DPI`` pixels per inch); the page's CSS
    scales it to the column. ``format="png"`` gives a 64-colour PNG, for consumers that need a
    bitmap (see :func:`to_png`).
    """
    if (format or chart_format()) == "png":
        return "data:image/png;base64," + base64.b64encode(to_png(fig)).decode("ascii")
    return "data:image/svg+xml;base64," + base64.b64encode(to_svg(fig).encode("utf-8")).decode("ascii")


def to_png(fig: Figure) -> bytes:
    """``fig`` drawn once and reduced to a 64-colour palette PNG."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    width, height = canvas.get_width_height()
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    palette = image.convert("RGB").quantize(colors=64, method=Image.Quantize.FASTOCTREE)
    out = io.BytesIO()
    palette.save(out, format="PNG", compress_level=7)
    return out.getvalue()


_SVG_NUMBER = re.compile(r"(-?\d+\.\d{2})\d+")
_SVG_ID = re.compile(r' id="([^"]+)"')
_SVG_FONT = re.compile(r"font-family: *[^;\"]*;? *")
_SVG_SIZE = re.compile(r'\b(width|height)="([0-9.]+)pt"')


#: At most this many text sizes are kept (:func:`share_text_sizes`); the cache starts again when full.
TEXT_SIZES_MAX = 20_000


class _TextSizes:
    """The sizes of the texts the SVG charts have measured in this process (a holder, not a global variable)."""

    sizes: ClassVar[dict[tuple, tuple[float, float, float]]] = {}
    shared = False


def share_text_sizes() -> None:
    """Let every SVG chart of this process reuse the sizes of texts measured for an earlier one.

    matplotlib measures each text with FreeType (``ft2font.set_text``, about 0.6 ms) and caches the sizes per
    renderer only, that is per figure: a report's eight charts measured the same tick labels, names and values
    again and again (a tenth of a chart's time). The size of a plain text depends only on the text and its font
    properties, so they are kept here by both; a kernel forked from a warm zygote starts with the sizes the
    zygote's warm-up charts measured. Text with mathtext or TeX is measured as before. The key also holds the
    two settings that change FreeType's measure (``text.hinting_factor``, ``text.kerning_factor``; deprecated in
    matplotlib 3.11, read with ``get`` so that their removal changes nothing). Installed on
    matplotlib's SVG renderer, so any SVG figure drawn in this process shares the sizes (with the same results).
    Safe to call again.
    """
    from matplotlib import rcParams
    from matplotlib.backends.backend_svg import RendererSVG

    if _TextSizes.shared:
        return
    measure = RendererSVG.get_text_width_height_descent

    def get_text_width_height_descent(self, s, prop, ismath):
        sizes = _TextSizes.sizes
        if ismath:
            return measure(self, s, prop, ismath)
        key = (s, tuple(prop.get_family()), prop.get_style(), prop.get_variant(), prop.get_weight(),
               prop.get_stretch(), prop.get_size_in_points(), prop.get_file(), rcParams.get("text.hinting_factor"),
               rcParams.get("text.kerning_factor"))  # fmt: skip
        size = sizes.get(key)
        if size is None:
            if len(sizes) >= TEXT_SIZES_MAX:
                sizes.clear()
            size = sizes[key] = measure(self, s, prop, ismath)
        return size

    get_text_width_height_descent.__doc__ = measure.__doc__
    RendererSVG.get_text_width_height_descent = get_text_width_height_descent
    _TextSizes.shared = True


def to_svg(fig: Figure) -> str:
    """``fig`` as a compact SVG document with real text, sized in pixels like the PNG.

    Compacted after matplotlib writes it: coordinates to 1/100 point, no indentation, no metadata,
    no element ids that nothing refers to, and the font stack once in the document's style sheet.
    Text sizes are shared between the charts of a process (:func:`share_text_sizes`).
    """
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    share_text_sizes()
    out = io.StringIO()
    with matplotlib.rc_context(_SVG_RC):
        FigureCanvasSVG(fig).print_svg(out, metadata={"Date": None, "Creator": None})
    svg = out.getvalue()
    svg = svg[svg.index("<svg ") :]  # no XML declaration or doctype (a data URI needs neither)
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = _SVG_NUMBER.sub(r"\1", svg)
    svg = re.sub(r"\s*\n\s*", " ", svg).replace("> <", "><")
    used = set(re.findall(r"#([\w.-]+)", svg))
    svg = _SVG_ID.sub(lambda m: m.group(0) if m.group(1) in used else "", svg)
    svg = _SVG_FONT.sub("", svg).replace(' style=""', "")
    svg = re.sub(r' transform="rotate\(-?0 [^"]*\)"', "", svg)  # text that is not rotated
    svg = svg.replace('<style type="text/css">', f'<style type="text/css">text{{font-family:{SVG_FONTS}}}', 1)
    scale = DPI / 72  # print_svg measures in points (72 per inch); the PNG has DPI pixels per inch
    tag, _, rest = svg.partition(">")
    tag = _SVG_SIZE.sub(lambda m: f'{m.group(1)}="{float(m.group(2)) * scale:.0f}px"', tag, count=2)
    return f"{tag}>{rest}"


def styled(func):
    """Decorate a chart function so that it draws in the report style (:data:`STYLE`)."""
    import functools

    import matplotlib

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(STYLE):
            return func(*args, **kwargs)

    return wrapper


@styled
def bars_with_median(
    labels: Sequence[str],
    values: Sequence[float],
    medians: Sequence[float] | None,
    *,
    title: str,
    unit_label: str,
    median_label: str,
    xmax: float = 1.0,
    percent: bool = False,
    lang: str = "vi",
) -> str:
    """Horizontal bars for one unit, with a median marker per bar; return a data URI.

    The title is not drawn in the image: the report shows it as the figure's caption.
    """
    count = len(labels)
    wrapped = wrap_labels(labels)
    fig = new_figure(0.8 + 0.36 * count, left=label_width(wrapped))
    ax = fig.add_subplot()
    y = np.arange(count)[::-1]
    vals = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)
    ax.barh(y, vals, color=MAIN, height=0.6, label=unit_label)
    meds = np.full(count, np.nan) if medians is None else np.asarray(medians, dtype=float)
    if medians is not None:
        ok = ~np.isnan(meds)
        ax.scatter(meds[ok], y[ok], marker="|", s=260, linewidths=2.2, color=MEDIAN, zorder=3, label=median_label)
    for yi, raw, val, med in zip(y, values, vals, meds, strict=True):
        text = "—" if raw is None or np.isnan(raw) else (fmt.share(val, lang) if percent else fmt.index(val, lang))
        # The label sits right of the bar, and right of the median marker when the marker is close: never under it.
        at = val if np.isnan(med) or med < val - xmax * 0.01 or med > val + xmax * 0.09 else max(val, med)
        ax.text(at + xmax * 0.015, yi, text, va="center", fontsize=8)
    ax.set_yticks(y, wrapped)
    ax.set_xlim(0, xmax * 1.12)
    _ticks(ax, "x", lang, percent)
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2)
    return to_data_uri(fig)


@styled
def peer_scores(
    labels: Sequence[str],
    scores: Sequence[float],
    highlight: int,
    *,
    title: str,
    median: float | None,
    median_label: str,
    lang: str = "vi",
) -> str:
    """Scores of a group of units, one highlighted (dark, outlined) if given; return a data URI."""
    count = len(labels)
    fig = new_figure(0.8 + 0.3 * count, left=label_width(list(labels)))
    ax = fig.add_subplot()
    y = np.arange(count)[::-1]
    vals = np.nan_to_num(np.asarray(scores, dtype=float), nan=0.0)
    colors = [MAIN if i == highlight or highlight is None else OTHER for i in range(count)]
    bars = ax.barh(y, vals, color=colors, height=0.65, edgecolor="#333333", linewidth=0.4)
    if highlight is not None:
        mark_unit(bars[highlight])
    for yi, val in zip(y, vals, strict=True):
        ax.text(val + 0.01, yi, fmt.index(val, lang), va="center", fontsize=8)
    if median is not None and not np.isnan(median):
        ax.axvline(median, color=MEDIAN, linestyle="--", linewidth=1.2, label=median_label)
        ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0))
    labels = list(labels)
    ax.set_yticks(y, labels)
    if highlight is not None:
        ax.get_yticklabels()[highlight].set_fontweight("bold")
    ax.set_xlim(0, 1.08)
    _ticks(ax, "x", lang)
    return to_data_uri(fig)


@styled
def peer_distribution(
    scores: Sequence[float],
    own: float,
    *,
    title: str,
    unit_label: str,
    median: float | None,
    median_label: str,
    lang: str = "vi",
) -> str:
    """Scores of a large group (a province) as a histogram, the unit's bin dark and outlined; return a data URI.

    One bar per unit stops being readable (and costs a tall image) beyond a few dozen units; this
    chart has a fixed size whatever the group's size.
    """
    fig = new_figure(2.7, left=0.6, top=0.45)
    ax = fig.add_subplot()
    ax.grid(axis="y", color=GRID, linewidth=0.6)
    ax.grid(axis="x", visible=False)
    edges = np.linspace(0, 1, 21)
    values = np.asarray(scores, dtype=float)
    counts, _ = np.histogram(np.clip(values[~np.isnan(values)], 0, 1), bins=edges)
    mine = int(np.clip(np.searchsorted(edges, own, side="right") - 1, 0, len(counts) - 1)) if own == own else None
    colors = [MAIN if i == mine else OTHER for i in range(len(counts))]
    bars = ax.bar(edges[:-1], counts, width=0.05, align="edge", color=colors, edgecolor="#333333", linewidth=0.4)
    if mine is not None:
        mark_unit(bars[mine])
        bars[mine].set_label(unit_label)
    if median is not None and not np.isnan(median):
        ax.axvline(median, color=MEDIAN, linestyle="--", linewidth=1.2, label=median_label)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, max(1, int(counts.max())) * 1.15)
    count_axis(ax.yaxis, lang)
    ax.set_ylabel(_UNITS_LABEL.get(lang, _UNITS_LABEL["en"]))
    _ticks(ax, "x", lang)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2)
    return to_data_uri(fig)


_UNITS_LABEL = {"vi": "Số đơn vị", "en": "Units"}


@styled
def trend_lines(
    periods: Sequence[str], series: dict[str, Sequence[float]], *, title: str, emphasis: str, lang: str = "vi"
) -> str:
    """Lines over periods, one per series; ``emphasis`` drawn thick and dark; return a data URI."""
    fig = new_figure(2.8, left=0.5, top=0.45)
    ax = fig.add_subplot()
    ax.grid(axis="y", color=GRID, linewidth=0.6)
    x = np.arange(len(periods))
    others = [name for name in series if name != emphasis]
    for i, name in enumerate(others):
        ax.plot(
            x,
            series[name],
            color="#7f7f7f",
            linestyle=LINE_STYLES[i % 4],
            marker=MARKERS[i % len(MARKERS)],
            markersize=4,
            linewidth=1,
            label=name,
        )
    if emphasis in series:
        ax.plot(x, series[emphasis], color=MAIN, linewidth=2.8, marker="o", markersize=6, label=emphasis)
    ax.set_xticks(x, list(periods))
    ax.set_ylim(0, 1.05)
    _ticks(ax, "y", lang)
    ax.set_xlim(-0.2, len(periods) - 0.8 if len(periods) > 1 else 0.2)
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=3)
    return to_data_uri(fig)


@styled
def score_histogram(scores: Sequence[float], *, title: str, lang: str = "vi") -> str:
    """Distribution of overall indices (for hundreds of units); return a data URI."""
    fig = new_figure(2.6, left=0.5, top=0.2)
    ax = fig.add_subplot()
    ax.grid(axis="y", color=GRID, linewidth=0.6)
    ax.hist(np.asarray(scores, dtype=float), bins=np.linspace(0, 1, 21), color=MAIN, edgecolor="white")
    ax.set_xlim(0, 1)
    count_axis(ax.yaxis, lang)
    _ticks(ax, "x", lang)
    return to_data_uri(fig)


def _ticks(ax, axis: str, lang: str, percent: bool = False) -> None:
    """Tick labels in the report's number style (0,2 in Vietnamese)."""
    formatter = FuncFormatter(lambda v, _pos: fmt.share(v, lang) if percent else fmt.number(v, 1, lang))
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(formatter)


def label_width(labels: Sequence[str]) -> float:
    """Left margin in inches for tick labels (about 0.075 in per character at 9 pt)."""
    longest = max((len(line) for label in labels for line in str(label).split("\n")), default=4)
    return min(2.9, 0.25 + 0.075 * longest)


def wrap_label(label: str, width: int = 34) -> str:
    """Wrap ``label`` at ``width`` characters onto at most two lines (an ellipsis marks the rest)."""
    words, lines, line = label.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines[:2]) + ("…" if len(lines) > 2 else "")


def wrap_labels(labels: Sequence[str]) -> list[str]:
    """Wrap each of ``labels`` with :func:`wrap_label`."""
    return [wrap_label(label) for label in labels]
