"""Point maps of a district's or province's units, coloured by an index or a rate, drawn offline.

Each unit is a dot at the point ``coordinates.csv`` gives it (see ``dxnb/registry/PROVENANCE.md``), on an
equirectangular projection whose aspect is corrected by cos(latitude); there are no tiles or boundaries, so
nothing is fetched from the network. Colours follow ``cividis``, a sequential colour map that colour-blind
readers see the same way and whose lightness rises with the value, so the map reads in grey print too.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter

from . import fmt, registry
from .charts import WIDTH, new_figure, styled, to_data_uri
from .errors import ParameterError
from .i18n import check_lang, t, tn

CMAP = "cividis"
NO_DATA_COLOR = "#8c8c8c"
EDGE = "#333333"
#: Up to this many units, each dot is labelled with the unit's name; beyond, with its value where room allows.
NAME_LABELS_UP_TO = 20
#: A unit whose nearest neighbour is this many times the usual spacing away (an island) goes into an inset.
OUTLIER_FACTOR = 4.0
KINDS = ("index", "rate")
#: The highlight ring's area, in dot areas.
RING = 3.2
#: The highlight ring's smallest diameter, in points.
RING_MIN = 14.0
#: A dense core of at least this many crowded units (and 15% of all) gets an enlarged panel of its own.
ZOOM_AT_LEAST = 12
#: Dots closer than this (in points, centre to centre) leave no room for a label: they crowd.
CROWDED_PT = 7.0
_KM_PER_DEGREE = 111.32


@dataclass
class UnitMap:
    """A drawn map: the figure, the units without coordinates (codes, and the note naming them), labels drawn."""

    figure: Figure
    missing: list[str] = field(default_factory=list)
    note: str = ""
    labelled: int = 0

    def data_uri(self) -> str:
        """The map as a PNG data URI (:func:`dxnb.charts.to_data_uri`; a bitmap whatever the charts' format)."""
        return to_data_uri(self.figure, "png")  # thousands of dots: a bitmap stays small


def _value_text(value: float, kind: str, lang: str, decimals: int = 0) -> str:
    return fmt.index(value, lang) if kind == "index" else fmt.percent(value, decimals, lang)


def _codes(frame: pd.DataFrame, code_col: str | None) -> list[str]:
    raw = frame.index if code_col is None else frame[code_col]
    return [str(code).strip().zfill(5) for code in raw]


def _nearest(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Each point's distance to its nearest neighbour, in degrees of latitude (longitude scaled by cos)."""
    if len(lat) < 2:
        return np.full(len(lat), np.inf)
    scale = math.cos(math.radians(float(np.median(lat))))
    dist = np.hypot(lat[:, None] - lat[None, :], (lon[:, None] - lon[None, :]) * scale)
    np.fill_diagonal(dist, np.inf)
    return dist.min(axis=1)


def _outliers(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Which points lie far from all others (islands such as Côn Đảo, Hoàng Sa): they go into an inset.

    A point is far when its nearest neighbour is more than :data:`OUTLIER_FACTOR` times the usual spacing
    (the 90th percentile of nearest-neighbour distances) and more than 0.3° (about 33 km) away.
    """
    if len(lat) < 5:
        return np.zeros(len(lat), dtype=bool)
    near = _nearest(lat, lon)
    return (near > OUTLIER_FACTOR * float(np.percentile(near, 90))) & (near > 0.3)


def _limits(lat: np.ndarray, lon: np.ndarray, aspect: float, box: tuple[float, float]) -> tuple:
    """Axis limits around the points, with a margin, widened to fill a box of ``box`` inches at ``aspect``."""
    pad_lat = max(float(np.ptp(lat)) * 0.08, 0.01)
    pad_lon = max(float(np.ptp(lon)) * 0.08, 0.01)
    x0, x1 = float(lon.min()) - pad_lon, float(lon.max()) + pad_lon
    y0, y1 = float(lat.min()) - pad_lat, float(lat.max()) + pad_lat
    want = box[1] / box[0]  # height / width of the box in inches
    have = (y1 - y0) * aspect / (x1 - x0)
    if have < want:
        grow = ((x1 - x0) * want / aspect - (y1 - y0)) / 2
        y0, y1 = y0 - grow, y1 + grow
    else:
        grow = ((y1 - y0) * aspect / want - (x1 - x0)) / 2
        x0, x1 = x0 - grow, x1 + grow
    return (x0, x1), (y0, y1)


def _scale_bar(ax, lat0: float) -> None:
    """A bar of a round number of kilometres in the lower left corner."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    km_per_deg = _KM_PER_DEGREE * math.cos(math.radians(lat0))
    target = (x1 - x0) * km_per_deg / 5
    length = next(n for n in (100, 50, 20, 10, 5, 2, 1, 0.5) if n <= target) if target >= 0.5 else 0.5
    start_x, start_y = x0 + (x1 - x0) * 0.03, y0 + (y1 - y0) * 0.04
    end_x = start_x + length / km_per_deg
    ax.plot([start_x, end_x], [start_y, start_y], color=EDGE, linewidth=2.2, solid_capstyle="butt", zorder=5)
    ax.text((start_x + end_x) / 2, start_y + (y1 - y0) * 0.015, f"{fmt.number(length, 1)} km", ha="center",
            va="bottom", fontsize=7, color=EDGE, zorder=5)  # fmt: skip


def _place_labels(fig: Figure, ax, points: list[tuple[float, float, str, bool]], marker_px: float) -> int:
    """Put each label beside its dot where it overlaps no other label or dot and stays inside the map.

    ``points`` are (x, y, text, bold) in priority order; a label that finds no free place is left out.
    Returns how many labels were drawn.
    """
    renderer = FigureCanvasAgg(fig).get_renderer()
    frame = ax.get_window_extent(renderer)
    centres = ax.transData.transform([(x, y) for x, y, *_ in points]) if points else np.empty((0, 2))
    ring_px = max(marker_px * math.sqrt(RING), RING_MIN * fig.dpi / 72)
    sizes = [ring_px if bold else marker_px for *_, bold in points]
    dots = [(cx - d / 2 - 1, cy - d / 2 - 1, cx + d / 2 + 1, cy + d / 2 + 1)
            for (cx, cy), d in zip(centres, sizes, strict=True)]  # fmt: skip

    def spots(d: float) -> tuple:
        gap, diag = d / 2 + 2, d / 2 * 0.75 + 1
        return ((gap, 0, "left", "center"), (-gap, 0, "right", "center"), (0, gap, "center", "bottom"),
                (0, -gap, "center", "top"), (diag, diag, "left", "bottom"), (-diag, diag, "right", "bottom"),
                (diag, -diag, "left", "top"), (-diag, -diag, "right", "top"))  # fmt: skip

    taken: list[tuple[float, float, float, float]] = []
    drawn = 0
    for i, (x, y, text, bold) in enumerate(points):
        for dx, dy, ha, va in spots(sizes[i]):
            label = ax.annotate(text, (x, y), xytext=(dx * 72 / fig.dpi, dy * 72 / fig.dpi), textcoords="offset points",
                                ha=ha, va=va, fontsize=7.5 if bold else 6.8, fontweight="bold" if bold else "normal",
                                color="#111111", zorder=6)  # fmt: skip
            box = label.get_window_extent(renderer)
            rect = (box.x0 - 1, box.y0 - 1, box.x1 + 1, box.y1 + 1)
            inside = frame.x0 <= rect[0] and rect[2] <= frame.x1 and frame.y0 <= rect[1] and rect[3] <= frame.y1
            clash = any(_overlap(rect, other) for other in taken) or any(
                _overlap(rect, dot) for j, dot in enumerate(dots) if j != i
            )
            if inside and not clash:
                taken.append(rect)
                drawn += 1
                break
            label.remove()
    return drawn


def _overlap(a: tuple, b: tuple) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@dataclass
class _Units:
    """The units to draw, as arrays in the frame's order."""

    codes: list[str]
    labels: list[str]
    lat: np.ndarray
    lon: np.ndarray
    values: np.ndarray
    target: int | None  # position of the highlighted unit, if it has coordinates
    kind: str
    lang: str
    decimals: int = 0

    @property
    def placed(self) -> np.ndarray:
        return ~np.isnan(self.lat)

    @property
    def has(self) -> np.ndarray:
        return ~np.isnan(self.values)

    def value(self, k: int) -> str:
        return _value_text(self.values[k], self.kind, self.lang, self.decimals)

    def named(self, k: int) -> str:
        return self.labels[k] + (f" {self.value(k)}" if self.has[k] else "")


def _units(frame, value_col, label_col, code_col, when, highlight, kind, lang) -> _Units:
    codes = _codes(frame, code_col)
    points = registry.coordinates(codes, when=when)
    values = pd.to_numeric(frame[value_col], errors="coerce").to_numpy(dtype=float)
    lat, lon = points["lat"].to_numpy(), points["lon"].to_numpy()
    target = None if highlight is None else str(highlight).strip().zfill(5)
    position = codes.index(target) if target in codes else None
    if position is not None and np.isnan(lat[position]):
        position = None
    known = values[~np.isnan(values)]
    decimals = 1 if kind == "rate" and len(known) and np.ptp(known) < 10 else 0
    labels = [str(v) for v in frame[label_col]]
    return _Units(codes, labels, lat, lon, values, position, kind, lang, decimals)


def _draw(axes, units: _Units, mask: np.ndarray, size: float, norm) -> None:
    """Dots of the units in ``mask``: filled by value, hollow grey without data, the highlighted one ringed."""
    full, empty = mask & units.has, mask & ~units.has
    axes.scatter(units.lon[full], units.lat[full], c=units.values[full], cmap=CMAP, norm=norm, s=size,
                 edgecolors=EDGE, linewidths=0.6, zorder=3, gid="units")  # fmt: skip
    axes.scatter(units.lon[empty], units.lat[empty], s=size, facecolors="none", edgecolors=NO_DATA_COLOR,
                 linewidths=1.3, zorder=3, gid="no_data")  # fmt: skip
    k = units.target
    if k is not None and mask[k]:
        axes.scatter([units.lon[k]], [units.lat[k]], s=max(size * RING, RING_MIN**2), facecolors="none",
                     edgecolors="#000000", linewidths=2.0, zorder=4, gid="highlight")  # fmt: skip


def _dot_area(units: _Units, mask: np.ndarray, ylim: tuple[float, float], box_h: float) -> float:
    """Dots as wide as the spacing of close neighbours allows (72 points an inch), 4.5 to 11 points; in points²."""
    spacing = float(np.percentile(_nearest(units.lat[mask], units.lon[mask]), 10)) if mask.sum() > 1 else 1.0
    width_pt = spacing / ((ylim[1] - ylim[0]) / box_h) * 72
    return float(np.clip(width_pt * 0.9, 4.5, 11.0)) ** 2


def _map_axes(fig: Figure, where: list[float], units: _Units, mask: np.ndarray, box: tuple, aspect: float):
    """Axes at ``where``, framed, without ticks, its limits fitting the points of ``mask``; and the dots' area."""
    ax = fig.add_axes(where)
    ax.grid(False)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_color("#bbbbbb")
    xlim, ylim = _limits(units.lat[mask], units.lon[mask], aspect, box)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect(aspect, adjustable="box")
    return ax, _dot_area(units, mask, ylim, box[1])


def _crowded(units: _Units, main: np.ndarray, box: tuple[float, float], aspect: float) -> np.ndarray | None:
    """The units of a dense core (a city's wards), closer to a neighbour than :data:`CROWDED_PT`, or None.

    When at least :data:`ZOOM_AT_LEAST` units (and 15% of them) crowd so, the map gets a second panel
    showing the box around them (the 2nd to 98th percentiles of the crowded dots) at a larger scale.
    """
    _, ylim = _limits(units.lat[main], units.lon[main], aspect, box)
    readable = CROWDED_PT / 72 * (ylim[1] - ylim[0]) / box[1]  # in degrees of latitude
    near = np.full(len(units.codes), np.inf)
    near[main] = _nearest(units.lat[main], units.lon[main])
    crowded = main & (near < readable)
    if crowded.sum() < max(ZOOM_AT_LEAST, 0.15 * main.sum()):
        return None
    lat0, lat1 = np.percentile(units.lat[crowded], [2, 98])
    lon0, lon1 = np.percentile(units.lon[crowded], [2, 98])
    return main & (units.lat >= lat0) & (units.lat <= lat1) & (units.lon >= lon0) & (units.lon <= lon1)


def _labels(fig: Figure, ax, units: _Units, mask: np.ndarray, with_names: bool, size: float, middle: float):
    """Label the dots of ``mask``: the highlighted unit first, then those furthest from the scale's middle."""
    order = sorted(np.flatnonzero(mask), key=lambda k: (k != units.target,
                   -abs(units.values[k] - middle) if units.has[k] else 1))  # fmt: skip
    wanted = [(units.lon[k], units.lat[k], units.named(k) if with_names or k == units.target else units.value(k),
               k == units.target) for k in order if with_names or k == units.target or units.has[k]]  # fmt: skip
    return _place_labels(fig, ax, wanted, math.sqrt(size) * fig.dpi / 72), len(wanted)


def _inset(fig: Figure, units: _Units, far: np.ndarray, where: list[float], size: float, norm, aspect: float) -> None:
    """Units far from the rest (islands), in a dashed box of their own, each named."""
    inset = fig.add_axes(where, gid="inset")
    inset.set_xticks([])
    inset.set_yticks([])
    inset.grid(False)
    for spine in inset.spines.values():
        spine.set_visible(True)
        spine.set_color("#999999")
        spine.set_linestyle("--")
    _draw(inset, units, far, size, norm)
    box = (where[2] * WIDTH, where[3] * fig.get_figheight())
    xlim, ylim = _limits(units.lat[far], units.lon[far], aspect, box)
    inset.set_xlim(*xlim)
    inset.set_ylim(*ylim)
    inset.set_title(t("map_inset", units.lang), fontsize=6.5, fontweight="normal", color="#555555", loc="left")
    below = -math.sqrt(size) / 2 - 2
    for k in np.flatnonzero(far):
        inset.annotate(units.named(k), (units.lon[k], units.lat[k]), xytext=(0, below), textcoords="offset points",
                       ha="center", va="top", fontsize=6.5)  # fmt: skip


def _legend(fig: Figure, units: _Units, anchor: tuple[float, float]) -> None:
    handles = []
    if (units.placed & ~units.has).any():
        handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="none", markeredgecolor=NO_DATA_COLOR,
                              markeredgewidth=1.3, markersize=7, label=t("no_data", units.lang)))  # fmt: skip
    if units.target is not None:
        handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="none", markeredgecolor="#000000",
                              markeredgewidth=2.0, markersize=11, label=units.labels[units.target]))  # fmt: skip
    if handles:
        fig.legend(handles=handles, loc="lower left", bbox_to_anchor=anchor, fontsize=7.5, handletextpad=0.4,
                   borderaxespad=0)  # fmt: skip


@styled
def unit_map(
    frame: pd.DataFrame,
    *,
    value_col: str,
    label_col: str,
    lang: str = "vi",
    title: str = "",
    when: str = "current",
    highlight: object | None = None,
    kind: str = "index",
    code_col: str | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
) -> UnitMap:
    """Draw the units of ``frame`` as dots on a map, coloured by ``value_col``.

    Args:
        frame: One row per unit; the unit code in the index (as :func:`dxnb.overview_data.ranking_rows`
            gives it) or in ``code_col``.
        value_col: The column to colour by; NaN (no data) draws a hollow grey dot.
        label_col: The column of names. Up to :data:`NAME_LABELS_UP_TO` units, each dot is labelled with its
            name and value; beyond, with its value, where the label overlaps no other label or dot.
        lang: ``"vi"`` or ``"en"`` for the numbers and the legend.
        title: Drawn above the map; ``""`` for none (when the report gives a caption).
        when: ``"current"`` or ``"former"``: which period's units the codes are.
        highlight: The code of a unit to circle and label in bold, or None.
        kind: ``"index"`` (0–1, shown 0,62) or ``"rate"`` (in percent, shown 62%).
        code_col: The column of codes, when they are not the index.
        vmin: Lower end of the colour scale; by default the lowest value.
        vmax: Upper end of the colour scale; by default the highest value.

    Returns:
        A :class:`UnitMap`: the figure, the codes of units without coordinates, and the note naming them
        (also drawn under the map). Units far from all others (islands) are drawn in an inset.

    Raises:
        ParameterError: for an unknown column, kind, period or language, or when no unit has coordinates.
    """
    check_lang(lang)
    if kind not in KINDS:
        raise ParameterError(t("map_bad_kind", value=repr(kind)))
    for col in (value_col, label_col, *([code_col] if code_col else [])):
        if col not in frame.columns:
            have = ", ".join(map(str, frame.columns))
            raise ParameterError(t("map_no_column", column=repr(col), columns=have))
    units = _units(frame, value_col, label_col, code_col, when, highlight, kind, lang)
    placed, has = units.placed, units.has
    if not placed.any():
        raise ParameterError(tn("map_no_coordinates_at_all", len(units.codes), when=when))
    missing = [c for c, ok in zip(units.codes, placed, strict=True) if not ok]
    names = ", ".join(f"{units.labels[k]} ({units.codes[k]})" for k in np.flatnonzero(~placed))
    note = t("map_no_coordinates", lang, names=names) if missing else ""
    far = np.zeros(len(units.codes), dtype=bool)
    far[placed] = _outliers(units.lat[placed], units.lon[placed])
    main = placed & ~far
    known = units.values[placed & has]
    lo = vmin if vmin is not None else (float(known.min()) if len(known) else 0.0)
    hi = vmax if vmax is not None else (float(known.max()) if len(known) else 1.0)
    if hi <= lo:
        lo, hi = lo - 0.05 * (abs(lo) or 1), hi + 0.05 * (abs(hi) or 1)
    norm = mpl.colors.Normalize(lo, hi)

    # Layout in inches: the map on the left, a column for the colour bar, inset and legend on the right, notes
    # under the map.
    count = int(placed.sum())
    with_names = count <= NAME_LABELS_UP_TO
    footer_lines = 1 + (len(note) // 130 + 1 if note else 0) + (0 if with_names else 1)
    left, right, top, bottom = 0.15, 1.25, 0.45 if title else 0.2, 0.2 + 0.13 * footer_lines
    box_w = WIDTH - left - right
    aspect = 1 / math.cos(math.radians(float(np.median(units.lat[main]))))
    span_lat = max(float(np.ptp(units.lat[main])), 0.02)
    span_lon = max(float(np.ptp(units.lon[main])), 0.02)
    box_h = float(np.clip(box_w * span_lat * aspect / span_lon, 3.0, 7.4))
    zoom = _crowded(units, main, (box_w, box_h), aspect)
    zoom_h, gap = 0.0, 0.0
    if zoom is not None:
        zoom_lat = max(float(np.ptp(units.lat[zoom])), 0.01)
        zoom_lon = max(float(np.ptp(units.lon[zoom])), 0.01)
        zoom_h, gap = float(np.clip(box_w * zoom_lat * aspect / zoom_lon, 3.0, 4.8)), 0.3
    height = top + box_h + gap + zoom_h + bottom
    fig = new_figure(height, left=left, right=right, top=top, bottom=bottom)

    def rect(x: float, y: float, w: float, h: float) -> list[float]:
        return [x / WIDTH, y / height, w / WIDTH, h / height]

    map_bottom = bottom + zoom_h + gap
    ax, size = _map_axes(fig, rect(left, map_bottom, box_w, box_h), units, main, (box_w, box_h), aspect)
    if title:
        ax.set_title(title, loc="left")
    _draw(ax, units, main, size, norm)
    _scale_bar(ax, float(np.median(units.lat[main])))
    middle = (lo + hi) / 2
    outside = main if zoom is None else main & ~zoom  # the zoom panel labels its own
    labelled, wanted = _labels(fig, ax, units, outside, with_names, size, middle)
    if zoom is not None:
        zax, zsize = _map_axes(fig, rect(left, bottom, box_w, zoom_h), units, zoom, (box_w, zoom_h), aspect)
        _draw(zax, units, zoom, zsize, norm)
        _scale_bar(zax, float(np.median(units.lat[zoom])))
        zax.set_gid("zoom")
        for spine in zax.spines.values():
            spine.set_linestyle("--")
            spine.set_color("#000000")
        (x0, x1), (y0, y1) = zax.get_xlim(), zax.get_ylim()
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, linestyle="--", edgecolor="#000000",
                               linewidth=0.9, zorder=5))  # fmt: skip
        zax.set_title(t("map_zoom", lang), loc="left", fontsize=7.5, fontweight="normal", color="#333333")
        more, more_wanted = _labels(fig, zax, units, zoom, with_names, zsize, middle)
        labelled, wanted = labelled + more, wanted + more_wanted

    column = WIDTH - right + 0.12
    legend_h = 0.2 * (int((placed & ~has).any()) + int(units.target is not None))
    inset_h = min(1.3, box_h * 0.3) if far.any() else 0.0
    if far.any():
        _inset(fig, units, far, rect(column, map_bottom + legend_h + 0.1, right - 0.2, inset_h), size, norm, aspect)
    bar_bottom = map_bottom + legend_h + (inset_h + 0.35 if inset_h else 0.1)
    bar = fig.add_axes(rect(column, bar_bottom, 0.16, max(0.8, height - top - bar_bottom)))
    colorbar = fig.colorbar(mpl.cm.ScalarMappable(norm=norm, cmap=CMAP), cax=bar)
    colorbar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: _value_text(v, kind, lang, units.decimals)))
    colorbar.ax.tick_params(labelsize=7.5)
    colorbar.outline.set_edgecolor("#777777")
    _legend(fig, units, (column / WIDTH - 0.01, map_bottom / height))

    footer = [textwrap.fill(note, 130)] if note else []
    if labelled < wanted:
        footer.append(t("map_labels_omitted", lang, shown=labelled, total=count))
    footer.append(t("map_source", lang))
    fig.text(left / WIDTH, 0.08 / height, "\n".join(footer), fontsize=6.5, color="#444444", va="bottom", ha="left")
    return UnitMap(fig, missing, note, labelled)
