"""Charts of the overview and of the explorer, in the style of :mod:`dxnb.charts`.

The overview draws heatmaps, trend panels and target bars; the explorer draws value bars and history lines.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter
from matplotlib.transforms import blended_transform_factory

from . import charts
from . import fmt as f
from .catalogue import Indicator

#: Heatmap cells carry their value when at most this many units are drawn.
ANNOTATE_MAX_UNITS = 16

# Grey-print friendly: a single-hue sequential map (lightness falls monotonically), missing cells hatched.
_BLUES = LinearSegmentedColormap.from_list("dx_blues", ["#f1f5fa", "#c6d7ea", "#7fa3c9", "#3d6f9f", "#12365c"])
_MISSING_EDGE = "#8c8c8c"
_NOT_MET = "#a6a6a6"

# --------------------------------------------------------------------------- charts


def _legend_patch(label: str) -> Patch:
    return Patch(facecolor="white", edgecolor=_MISSING_EDGE, hatch="////", label=label)


@charts.styled
def heatmap_chart(
    matrix: np.ndarray,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    *,
    lang: str,
    missing_label: str,
    scale_label: str,
    row_groups: Sequence[tuple[int, int, str]] = (),
    bold_rows: Sequence[int] = (),
    separator: int | None = None,
    percent: bool = True,
    hatched: np.ndarray | None = None,
) -> str:
    """A heatmap of values on 0–1 (rows × columns), missing cells hatched; return a data URI.

    Args:
        matrix: Values on 0–1, NaN for no data; one row per ``row_labels``, one column per ``col_labels``.
        row_labels: Row names (wrapped on two lines).
        col_labels: Column names, drawn vertically above the grid.
        lang: Number style of the tick and cell labels.
        missing_label: Legend text of the hatched cells.
        scale_label: Colour bar label.
        row_groups: ``(first_row, last_row, label)`` bands, named in the right margin.
        bold_rows: Rows whose label is bold, with a line under them.
        separator: Draw a thick line after this column (where the best and lowest units meet).
        percent: Cell and scale labels as percentages (else as indices 0,62).
        hatched: Cells that keep their value but are hatched too (e.g. an index of 0 for lack of data).
    """
    rows, cols = matrix.shape
    wrapped = [charts.wrap_label(str(label), 30) for label in row_labels]
    two_lines = any("\n" in label for label in wrapped)
    cell = 0.3 if two_lines else 0.24
    left = charts.label_width(wrapped)
    right = 1.25 if row_groups else 0.25
    longest = max((len(str(c)) for c in col_labels), default=4)
    top = min(1.9, 0.2 + 0.068 * longest)
    bottom = 0.85
    height = top + bottom + rows * cell
    fig = charts.new_figure(height, left=left, right=right, top=top, bottom=bottom)
    ax = fig.add_subplot()
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    image = ax.imshow(np.ma.masked_invalid(matrix), cmap=_BLUES, vmin=0, vmax=1, aspect="auto", interpolation="nearest")
    for r, c in zip(*np.nonzero(np.isnan(matrix)), strict=True):
        ax.add_patch(
            Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor="white", edgecolor=_MISSING_EDGE, hatch="////", linewidth=0)
        )
    if hatched is not None:
        for r, c in zip(*np.nonzero(hatched & ~np.isnan(matrix)), strict=True):
            ax.add_patch(
                Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, edgecolor=_MISSING_EDGE, hatch="////", linewidth=0)
            )
    # White lines between the cells, as two collections drawn where an axis grid is (a minor tick per line,
    # a tick object each, was a quarter of a large heatmap's drawing time)
    lines = {"colors": "white", "linewidth": 1.0, "zorder": 1.5}
    ax.vlines(np.arange(cols + 1) - 0.5, -0.5, rows - 0.5, **lines)
    ax.hlines(np.arange(rows + 1) - 0.5, -0.5, cols - 0.5, **lines)
    ax.tick_params(which="both", length=0)
    ax.xaxis.tick_top()
    ax.set_xticks(np.arange(cols), list(col_labels), rotation=90, fontsize=7.5)
    ax.set_yticks(np.arange(rows), wrapped, fontsize=7.5)
    for r in bold_rows:
        ax.get_yticklabels()[r].set_fontweight("bold")
        ax.axhline(r + 0.5, color="#333333", linewidth=1.2)
    ax.set_xlim(-0.5, cols - 0.5)
    ax.set_ylim(rows - 0.5, -0.5)
    if cols <= ANNOTATE_MAX_UNITS:
        for (r, c), value in np.ndenumerate(matrix):
            if np.isnan(value):
                continue
            text = f.number(value * 100, 0, lang) if percent else f.index(value, lang)
            ax.text(c, r, text, ha="center", va="center", fontsize=6.5, color="white" if value > 0.55 else "#1a1a1a")
    blend = blended_transform_factory(ax.transAxes, ax.transData)
    for first, last, label in row_groups:
        if first > 0:
            ax.axhline(first - 0.5, color="#333333", linewidth=1.2)
        ax.text(
            1.02,
            (first + last) / 2,
            charts.wrap_label(label, 16),
            transform=blend,
            va="center",
            fontsize=7.5,
            fontweight="bold",
            color="#333333",
        )
    if separator is not None:
        ax.axvline(separator + 0.5, color="#111111", linewidth=2.4)
    width = fig.get_figwidth()
    cax = fig.add_axes((left / width, 0.45 / height, min(0.45, 3.2 / width), 0.1 / height))
    bar = fig.colorbar(image, cax=cax, orientation="horizontal")
    bar.outline.set_visible(False)
    bar.set_ticks([0, 0.25, 0.5, 0.75, 1.0])
    bar.set_ticklabels([f.share(v, lang) if percent else f.index(v, lang) for v in (0, 0.25, 0.5, 0.75, 1.0)])
    bar.ax.tick_params(labelsize=7, length=2)
    bar.set_label(scale_label, fontsize=7.5, labelpad=2)
    fig.legend(
        handles=[_legend_patch(missing_label)],
        loc="lower left",
        fontsize=7.5,
        frameon=False,
        bbox_to_anchor=((left + min(0.45 * width, 3.2) + 0.3) / width, 0.33 / height),
    )
    return charts.to_data_uri(fig)


@charts.styled
def trend_panels(
    periods: Sequence[str],
    history: pd.DataFrame,
    labels: Sequence[str],
    median: Sequence[float],
    *,
    context: pd.DataFrame | None,
    lang: str,
    unit_label: str,
    median_label: str,
    others_label: str,
    band: tuple[Sequence[float], Sequence[float]] | None = None,
    band_label: str = "",
    ncols: int = 4,
) -> str:
    """Small multiples: one panel per row of ``history`` (index over ``periods``); return a data URI.

    Each panel shows the unit (thick), the median of the selection (dashed) and, when given, the
    other units of ``context`` as thin grey lines, or a grey ``band`` (e.g. the quartiles).
    """
    count = len(history)
    nrows = max(1, math.ceil(count / ncols))
    panel = 1.3
    height = 0.55 + nrows * panel
    fig = Figure(figsize=(charts.WIDTH, height), dpi=charts.DPI, facecolor="white")
    fig.subplots_adjust(
        left=0.45 / charts.WIDTH,
        right=1 - 0.15 / charts.WIDTH,
        top=1 - 0.5 / height,
        bottom=0.3 / height,
        hspace=0.6,
        wspace=0.12,
    )
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False).ravel()
    x = np.arange(len(periods))
    med = np.asarray(median, dtype=float)
    for k, ax in enumerate(axes):
        if k >= count:
            ax.set_visible(False)
            continue
        ax.grid(axis="y", color=charts.GRID, linewidth=0.6)
        if context is not None:
            ax.plot(x, context.to_numpy(float).T, color="#d0d0d0", linewidth=0.7, zorder=1)
        if band is not None:
            ax.fill_between(x, band[0], band[1], color="#e3e3e3", linewidth=0, zorder=1)
        ax.plot(x, med, color=charts.MEDIAN, linestyle="--", linewidth=1.0, zorder=2)
        values = history.iloc[k].to_numpy(float)
        ax.plot(x, values, color=charts.MAIN, linewidth=2.2, marker="o", markersize=3.5, zorder=3)
        last = np.flatnonzero(~np.isnan(values))
        if len(last):
            j = last[-1]
            ax.annotate(
                f.index(values[j], lang),
                (x[j], values[j]),
                xytext=(3, 5),
                textcoords="offset points",
                fontsize=7,
                color=charts.MAIN,
                fontweight="bold",
                ha="right" if j else "left",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6, "alpha": 0.85},
                zorder=4,
            )
        title = str(labels[k])
        ax.set_title(title if len(title) <= 24 else title[:23] + "…", fontsize=8, loc="left", pad=3)
        ax.tick_params(labelsize=7)
    # The panels share both axes (their limits, locators and formatters): set once, not once per panel, which
    # made each panel's call update every other panel (a whole country's 24 panels: a fifth of its overview).
    first = axes[0]
    first.set_ylim(0, 1.05)
    first.set_yticks([0, 0.5, 1.0], [f.index(v, lang)[:3] if v else "0" for v in (0, 0.5, 1.0)])
    first.set_xticks(x, [p[-2:] if len(periods) > 3 else p for p in periods])
    first.set_xlim(-0.3, len(periods) - 0.7)
    handles = [
        Line2D([], [], color=charts.MAIN, linewidth=2.2, marker="o", markersize=3.5, label=unit_label),
        Line2D([], [], color=charts.MEDIAN, linestyle="--", linewidth=1.0, label=median_label),
    ]
    if context is not None:
        handles.append(Line2D([], [], color="#d0d0d0", linewidth=0.7, label=others_label))
    if band is not None:
        handles.append(Patch(facecolor="#e3e3e3", label=band_label))
    fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.45 / charts.WIDTH, 1 - 0.04 / height),
        ncols=3,
        fontsize=8,
        frameon=False,
    )
    return charts.to_data_uri(fig)


@charts.styled
def target_bars(
    labels: Sequence[str],
    met: Sequence[int],
    not_met: Sequence[int],
    no_data: Sequence[int],
    *,
    legend: tuple[str, str, str],
    lang: str,
) -> str:
    """Stacked horizontal bars of units meeting / missing / without data per target; return a data URI."""
    wrapped = charts.wrap_labels(labels)
    count = len(labels)
    fig = charts.new_figure(0.85 + 0.42 * count, left=charts.label_width(wrapped), top=0.5)
    ax = fig.add_subplot()
    y = np.arange(count)[::-1]
    parts = [np.asarray(v, dtype=float) for v in (met, not_met, no_data)]
    styles = [
        {"color": charts.MAIN, "edgecolor": "white"},
        {"color": _NOT_MET, "edgecolor": "white"},
        {"color": "white", "edgecolor": _MISSING_EDGE, "hatch": "////"},
    ]
    total = parts[0] + parts[1] + parts[2]
    start = np.zeros(count)
    inks = ("white", "#1a1a1a", "#1a1a1a")
    boxes = (None, None, {"facecolor": "white", "pad": 0.8, "linewidth": 0})
    for values, style, label, ink, box in zip(parts, styles, legend, inks, boxes, strict=True):
        ax.barh(y, values, left=start, height=0.62, label=label, linewidth=0.6, **style)
        for yi, x0, v, n in zip(y, start, values, total, strict=True):
            if v > 0 and v / max(n, 1) >= 0.06:
                ax.text(
                    x0 + v / 2,
                    yi,
                    f.number(v, 0, lang),
                    ha="center",
                    va="center",
                    fontsize=7.5,
                    color=ink,
                    fontweight="bold",
                    bbox=box,
                )
        start = start + values
    ax.set_yticks(y, wrapped)
    ax.set_xlim(0, max(float(total.max()) if count else 1.0, 1.0))
    charts.count_axis(ax.xaxis, lang)
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=3)
    return charts.to_data_uri(fig)


# --------------------------------------------------------------------------- charts


def _value_axis(axis, ind: Indicator, top: float, lang: str) -> None:
    """An axis of one indicator's values: whole-number ticks for counts, % for rates, the report's number style."""
    if ind.whole:
        charts.count_axis(axis, lang)
        return
    decimals = 0 if top >= 10 else 1
    if ind.kind == "rate":
        axis.set_major_formatter(FuncFormatter(lambda v, _pos: f.percent(v, 0, lang)))
    else:
        axis.set_major_formatter(FuncFormatter(lambda v, _pos: f.number(v, decimals, lang)))


@charts.styled
def value_bars(
    labels: Sequence[str],
    values: Sequence[float],
    highlight: int | None,
    *,
    ind: Indicator,
    median: float | None,
    median_label: str,
    target_label: str,
    separator: int | None = None,
    lang: str = "vi",
) -> str:
    """Horizontal bars of one indicator's values, one unit highlighted, median and target marked."""
    count = len(labels)
    fig = charts.new_figure(0.85 + 0.26 * count, left=charts.label_width(list(labels)))
    ax = fig.add_subplot()
    y = np.arange(count)[::-1]
    vals = np.asarray(values, dtype=float)
    shown = np.nan_to_num(vals, nan=0.0)
    colors = [charts.MAIN if i == highlight else charts.OTHER for i in range(count)]
    bars = ax.barh(y, shown, color=colors, height=0.65, edgecolor="#333333", linewidth=0.4)
    if highlight is not None:
        charts.mark_unit(bars[highlight])
    top = max(float(np.nanmax(vals)) if np.isfinite(vals).any() else 1.0, ind.target or 0.0, 1e-9)
    if ind.kind == "rate":
        top = max(top, 100.0)
    for yi, raw, val in zip(y, vals, shown, strict=True):
        text = f.value(raw, ind, lang) if not np.isnan(raw) else f.DASH
        ax.text(val + top * 0.01, yi, text, va="center", fontsize=7.5)
    handles = []
    if median is not None and not np.isnan(median):
        ax.axvline(median, color=charts.MEDIAN, linestyle="--", linewidth=1.2)
        handles.append(Line2D([], [], color=charts.MEDIAN, linestyle="--", linewidth=1.2, label=median_label))
    if ind.target is not None:
        ax.axvline(ind.target, color="#8b1a1a", linestyle=":", linewidth=1.8)
        handles.append(Line2D([], [], color="#8b1a1a", linestyle=":", linewidth=1.8, label=target_label))
    if separator is not None:
        ax.axhline(y[separator] - 0.5, color="#111111", linewidth=1.6)
    ax.set_yticks(y, list(labels))
    if highlight is not None:
        ax.get_yticklabels()[highlight].set_fontweight("bold")
    ax.set_xlim(0, top * 1.12)
    _value_axis(ax.xaxis, ind, top, lang)
    if handles:
        ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2)
    return charts.to_data_uri(fig)


@charts.styled
def history_chart(
    periods: Sequence[str],
    values: Sequence[float],
    median: Sequence[float],
    *,
    ind: Indicator,
    unit_label: str,
    median_label: str,
    target_label: str,
    lang: str = "vi",
) -> str:
    """One unit's values over the periods (thick), the group median (dashed) and the target (dotted)."""
    fig = charts.new_figure(2.7, left=0.7, top=0.45)
    ax = fig.add_subplot()
    ax.grid(axis="y", color=charts.GRID, linewidth=0.6)
    x = np.arange(len(periods))
    vals = np.asarray(values, dtype=float)
    ax.plot(
        x,
        np.asarray(median, dtype=float),
        color=charts.MEDIAN,
        linestyle="--",
        linewidth=1.2,
        marker="s",
        markersize=3.5,
        label=median_label,
    )
    ax.plot(x, vals, color=charts.MAIN, linewidth=2.6, marker="o", markersize=6, label=unit_label)
    for xi, v in zip(x, vals, strict=True):
        if not np.isnan(v):
            ax.annotate(
                f.value(v, ind, lang),
                (xi, v),
                xytext=(0, 7),
                textcoords="offset points",
                ha="center",
                fontsize=8,
                color=charts.MAIN,
                fontweight="bold",
            )
    if ind.target is not None:
        ax.axhline(ind.target, color="#8b1a1a", linestyle=":", linewidth=1.8, label=target_label)
    finite = np.concatenate([vals[np.isfinite(vals)], np.asarray(median, dtype=float)])
    finite = finite[np.isfinite(finite)]
    top = max(float(finite.max()) if len(finite) else 1.0, ind.target or 0.0, 1e-9)
    if ind.kind == "rate":
        top = 100.0
    ax.set_ylim(0, top * 1.18)
    ax.set_xticks(x, list(periods))
    ax.set_xlim(-0.3, len(periods) - 0.7 if len(periods) > 1 else 0.3)
    _value_axis(ax.yaxis, ind, top, lang)
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=3)
    return charts.to_data_uri(fig)
