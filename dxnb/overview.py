"""The district (or province) overview: many units side by side for one period.

``notebooks/district_overview.ipynb`` calls :class:`Overview`; the batch index page reuses
:func:`ranking_rows`. Sections:

- ranking: the overall index of every unit, its change and its data coverage;
- heatmap: units × scored indicators, coloured by attainment (points / maximum points);
- pillars: the eight pillar indices of every unit;
- trends: small multiples of each unit's overall index over the periods;
- quality: the evaluation's data-quality flags counted per unit;
- targets: how many units meet, miss or lack data for each national target.

Everything is computed for all selected units at once (vectorised over the evaluation's arrays),
so a selection of the whole country (3,321 units) takes about a second. Charts of single units
show at most :data:`DETAIL_MAX_UNITS`; a larger selection shows its best and lowest units and
the median per province or district, with a note saying so.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import logging
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.transforms import blended_transform_factory

from . import charts
from . import fmt as f
from .dataset import Dataset, load_dataset
from .errors import ParameterError
from .evaluate import (
    COUNT_OUTLIER_FACTOR,
    COUNT_OUTLIER_MIN_VALUES,
    FLAGS,
    RATE_DROP_POINTS,
    dataset_index,
    evaluate_period,
    score_units,
    unit_rows,
)
from .i18n import TEXT, check_lang, t
from .paths import TEMPLATES_DIR, resolve_data_dir
from .report import Html, check_period, esc, figure, para, section, table
from .synthetic import SYNTHETIC_SOURCE
from .text import name_key, nfc, vi_sort_key

log = logging.getLogger(__name__)

#: Units drawn one by one in the heatmaps and the pillar chart; a larger selection shows its edges.
DETAIL_MAX_UNITS = 40
#: Of a larger selection, this many best and this many lowest units are drawn.
EDGE_UNITS = 15
#: Panels of the trend small multiples; a larger selection shows its best and lowest units.
TREND_MAX_PANELS = 24
#: Rows of the ranking table; a longer ranking lists its first and last half of this.
TABLE_MAX_ROWS = 100
#: Rows of the data-quality tables.
QUALITY_MAX_ROWS = 40
#: Units named per target in the targets table before "and N more".
NAMES_PER_TARGET = 8
#: Heatmap cells carry their value when at most this many units are drawn.
ANNOTATE_MAX_UNITS = 16
#: A change of data coverage (share of maximum points) from this much makes a change of score not comparable.
COVERAGE_SHIFT = 0.1
#: Flags that mean a value needs checking (the evaluation's implausible flags and unknown denominators).
CHECK_FLAGS = ("share_above_100", "rate_drop", "count_outlier", "denominator_unknown")

# Grey-print friendly: a single-hue sequential map (lightness falls monotonically), missing cells hatched.
_BLUES = LinearSegmentedColormap.from_list("dx_blues", ["#f1f5fa", "#c6d7ea", "#7fa3c9", "#3d6f9f", "#12365c"])
_MISSING_EDGE = "#8c8c8c"
_NOT_MET = "#a6a6a6"


#: CSS added to the report stylesheet: wrapped numeric headers, muted and total rows, and the report's table
#: layout kept inside JupyterLab (whose own stylesheet right-aligns cells and fixes column widths).
OVERVIEW_CSS = """
.dx-report { background: #fff; }
.dx-report table.dx-table { table-layout: auto; }
.dx-report table.dx-table th, .dx-report table.dx-table td { text-align: left; vertical-align: top; }
.dx-report table.dx-table th.num, .dx-report table.dx-table td.num { text-align: right; }
.dx-report table.dx-table th.num { white-space: normal; }
.dx-report table.dx-table tr.dx-muted td { color: #666; font-style: italic; }
.dx-report table.dx-table tr.dx-total td { font-weight: bold; background: #f3f6fa; }
.dx-report .dx-nowrap table.dx-table td { white-space: nowrap; }
.dx-report .dx-keep table.dx-table td:not(:last-child) { white-space: nowrap; }
.dx-report .dx-note { font-size: 0.85rem; color: #444; border-left: 3px solid #8fa4bd; padding: 0.2rem 0.6rem; }
"""


# --------------------------------------------------------------------------- selecting units

_PLACE_PREFIXES = tuple(
    sorted(
        ("tỉnh", "thành phố", "tp.", "tp", "huyện", "quận", "thị xã", "tinh", "thanh pho", "huyen", "quan", "thi xa"),
        key=len,
        reverse=True,
    )
)


def place_key(name: object) -> str:
    """Return a matching key for a district or province name.

    The key is the same across Unicode forms, tone-mark placement, letter case and spacing, and
    with or without the kind in front ("huyện Phú Giáo", "Tỉnh Bình Dương", "TP. Hồ Chí Minh").
    """
    text = re.sub(r"\s+", " ", nfc(str(name or "")).strip().casefold())
    for prefix in _PLACE_PREFIXES:
        if text.startswith(prefix + " ") or (prefix.endswith(".") and text.startswith(prefix)):
            text = text[len(prefix) :].strip()
            break
    return name_key(text, drop_kind=False)


def _keys(column: pd.Series) -> pd.Series:
    text = column.fillna("").astype(str)
    return text.map({v: place_key(v) for v in text.unique()})


def check_place_name(name: str, value: object) -> str:
    """Return a district or province parameter stripped ("" for None); refuse anything but a string."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ParameterError(f'{name} must be a name in quotes such as "Phú Giáo", or "" for all; got {value!r}.')
    return value.strip()


def _suggest(query: str, names: Iterable[str]) -> str:
    names = sorted({str(n) for n in names if str(n).strip()}, key=vi_sort_key)
    by_key = {place_key(n): n for n in names}
    close = difflib.get_close_matches(place_key(query), list(by_key), n=3, cutoff=0.5)
    if close:
        return " Did you mean " + " or ".join(f"'{by_key[k]}'" for k in close) + "?"
    shown = ", ".join(names[:12]) + (f" … ({len(names)} in all)" if len(names) > 12 else "")
    return f" The dataset has: {shown}."


def select_units(ds: Dataset, district: object = None, province: object = None) -> list[str]:
    """Return the codes of the units of a district and/or province, in ``units.csv`` order.

    Names match across Unicode forms, tone-mark placement and case, with or without "huyện" or
    "tỉnh" in front. Empty or None means no filter: every unit of the dataset.

    Raises:
        ParameterError: when a name is not a string, matches nothing (with suggestions), or names
            districts of several provinces while no province is given.
    """
    district = check_place_name("district", district)
    province = check_place_name("province", province)
    units = ds.units
    mask = pd.Series(True, index=units.index)
    if province:
        mask &= _keys(units["province"]) == place_key(province)
        if not mask.any():
            raise ParameterError(f"No province is named '{province}'.{_suggest(province, units['province'])}")
    if district:
        in_district = mask & (_keys(units["district"]) == place_key(district))
        if not in_district.any():
            where = f" in {province}" if province else ""
            choices = units.loc[mask, "district"]
            raise ParameterError(f"No district is named '{district}'{where}.{_suggest(district, choices)}")
        provinces = units.loc[in_district, "province"].unique().tolist()
        if len(provinces) > 1:
            raise ParameterError(
                f"'{district}' is a district of several provinces ({', '.join(sorted(provinces, key=vi_sort_key))}); "
                'give the province too, e.g. province="' + provinces[0] + '".'
            )
        mask = in_district
    return units.index[mask].tolist()


def _place(kind: str, name: str, lang: str, *, capital: bool = False) -> str:
    """Return "huyện Phú Giáo" / "Phú Giáo district"; a name that already carries its kind is kept."""
    name = str(name).strip()
    lowered = nfc(name).casefold()
    if any(lowered.startswith(p + " ") for p in _PLACE_PREFIXES):
        text = name
    else:
        text = t(kind, lang, name=name)
    return text[:1].upper() + text[1:] if capital else text


def scope_label(units: pd.DataFrame, lang: str = "vi", level: str | None = None) -> str:
    """Name the selected units: "Huyện Phú Giáo, tỉnh Bình Dương", "Tỉnh Bình Dương" or "34 tỉnh, thành phố".

    Without ``level`` the name is the narrowest place the units share; ``level="province"`` names
    the province even when the units all lie in one district (a province was asked for).
    """
    provinces = units["province"].fillna("").astype(str).str.strip()
    districts = units["district"].fillna("").astype(str).str.strip()
    if provinces.nunique() == 1:
        province = _place("province", provinces.iloc[0], lang)
        if districts.nunique() == 1 and districts.iloc[0] and level != "province":
            return _place("district", districts.iloc[0], lang, capital=True) + ", " + province
        return province[:1].upper() + province[1:]
    return t("all_provinces", lang, n=f.number(provinces.nunique(), 0, lang))


# --------------------------------------------------------------------------- tables


def _check_period(ds: Dataset, period: object) -> str:
    period = check_period(period)
    if period not in ds.periods:
        raise ParameterError(f"No data for period {period}; periods with data: {', '.join(ds.periods) or 'none'}.")
    return period


def _previous_period(ds: Dataset, period: str) -> str | None:
    earlier = [p for p in ds.periods if p < period]
    return earlier[-1] if earlier else None


def _check_codes(ds: Dataset, codes: Iterable[str] | None) -> list[str]:
    if codes is None:
        return list(ds.units.index)
    codes = list(dict.fromkeys(str(c).strip() for c in codes))
    unknown = [c for c in codes if c not in ds.units.index]
    if unknown:
        raise ParameterError(f"Unknown unit code(s): {', '.join(unknown[:10])}. Run `dxnb check` to list the units.")
    return codes


def ranking_rows(ds: Dataset, period: object, codes: Iterable[str] | None = None) -> pd.DataFrame:
    """Score and rank units for one period: one row per unit, best first.

    Ranks within each peer group (``rank``, ``group_size``) are those of
    :func:`~dxnb.evaluate.evaluate_period` over the units passed, so pass whole districts (as
    :func:`select_units` does). ``position`` ranks the units passed against each other.

    Args:
        ds: The dataset.
        period: The period (``"2024"``).
        codes: The units to include; by default every unit of the dataset, with or without data.

    Returns:
        Index ``unit_code``; columns ``position`` (nullable int, ties share the best position),
        ``name``, ``kind``, ``district``, ``province``, ``group_label``, ``rank``, ``group_size``,
        ``score``, ``previous_score``, ``score_change``, ``earned``, ``max_points``, ``coverage``,
        ``previous_coverage``,
        ``targets_met``, ``targets_not_met``, ``targets_no_data``, ``pillar_<id>`` in catalogue order,
        ``group_median_score``, ``has_data``. Units with data come first, by score; units without
        data follow in Vietnamese alphabetical order. ``attrs`` holds ``period`` and ``previous_period``.

    Raises:
        ParameterError: when the period has no data or a code is unknown.
    """
    period = _check_period(ds, period)
    codes = _check_codes(ds, codes)
    table = evaluate_period(ds, period, codes)
    previous = _previous_period(ds, period)
    if previous:
        before = evaluate_period(ds, previous, codes)
        table["previous_score"] = before["score"]
        table["previous_coverage"] = before["coverage"]
    else:
        table["previous_score"] = np.nan
        table["previous_coverage"] = np.nan
    table["score_change"] = table["score"] - table["previous_score"]
    table["kind"] = ds.units["kind"].reindex(table.index)
    score = table["score"].round(12)
    table["position"] = score.rank(method="min", ascending=False).astype("Int64")
    names = table["name"].tolist()
    alphabetical = np.empty(len(names), dtype=int)
    alphabetical[sorted(range(len(names)), key=lambda i: vi_sort_key(names[i]))] = np.arange(len(names))
    order = np.lexsort((alphabetical, -score.fillna(0).to_numpy(), ~table["has_data"].to_numpy(bool)))
    pillars = [f"pillar_{p}" for p in ds.catalogue.pillars]
    columns = [
        "position",
        "name",
        "kind",
        "district",
        "province",
        "group_label",
        "rank",
        "group_size",
        "score",
        "previous_score",
        "score_change",
        "earned",
        "max_points",
        "coverage",
        "previous_coverage",
        "targets_met",
        "targets_not_met",
        "targets_no_data",
        *pillars,
        "group_median_score",
        "has_data",
    ]
    out = table.iloc[order][columns].rename_axis("unit_code")
    out.attrs.update(period=period, previous_period=previous)
    return out


def scored_indicators(ds: Dataset) -> list[str]:
    """Ids of the scored indicators, grouped by pillar in pillar order, catalogue order within."""
    cat = ds.catalogue
    order = {pid: i for i, pid in enumerate(cat.pillars)}
    scored = [ind for ind in cat if ind.scored]
    return [ind.id for ind in sorted(scored, key=lambda ind: order.get(ind.pillar, len(order)))]


def attainment_table(ds: Dataset, period: object, codes: Iterable[str] | None = None) -> pd.DataFrame:
    """Points earned / maximum points per unit (rows) and scored indicator (columns), NaN without data.

    Points come from the catalogue's scoring rules (:meth:`~dxnb.catalogue.Indicator.points`), as in
    the evaluation. Columns follow :func:`scored_indicators`.
    """
    period = _check_period(ds, period)
    codes = _check_codes(ds, codes)
    s = score_units(ds, period, codes, unit_rows(ds, codes))
    ids = scored_indicators(ds)
    columns = s.ids.get_indexer(ids)
    maxima = np.array([ds.catalogue[i].max_points for i in ids], dtype=float)
    share = s.points[:, columns] / maxima
    share[np.isnan(s.values[:, columns])] = np.nan
    return pd.DataFrame(share, index=pd.Index(codes, name="unit_code"), columns=ids)


def quality_flags(ds: Dataset, period: object, codes: Iterable[str] | None = None) -> pd.DataFrame:
    """The evaluation's data-quality flags for many units at once.

    The same flags as :func:`~dxnb.evaluate.evaluate_unit` gives one unit at a time (see
    :data:`~dxnb.evaluate.FLAGS`): count outliers are judged against each unit's peer group and
    rate drops against each unit's own latest earlier period. Units without observations in the
    period are left out (they have no evaluation).

    Returns:
        One row per (unit, indicator, flag): ``unit_code``, ``indicator``, ``flag``, ``value``,
        ordered by unit (as passed), indicator (catalogue order) and flag (``FLAGS`` order).
    """
    period = _check_period(ds, period)
    codes = _check_codes(ds, codes)
    index = dataset_index(ds)
    groups = list(dict.fromkeys(index.group.at[c] for c in codes))
    peers = [c for g in groups for c in index.members[g]]
    obs = unit_rows(ds, peers)
    s = score_units(ds, period, peers, obs)
    cat = ds.catalogue
    inds = list(cat)
    values = s.values
    has = ~np.isnan(values)
    kind = np.array([ind.kind for ind in inds])
    derived = np.array([ind.derived for ind in inds])
    percent_share = np.array([ind.derived and ind.scale == 100 for ind in inds])

    previous = np.full(values.shape, np.nan)
    earlier = obs[obs["period"].to_numpy() < period]
    if len(earlier):
        latest = earlier.groupby("unit_code")["period"].max()
        for prev_period, members in latest.groupby(latest):
            members = [c for c in members.index if c in s.codes]
            prev = score_units(ds, prev_period, members, obs)
            previous[s.codes.get_indexer(members)] = prev.values

    key = index.group.reindex(s.codes).to_numpy()
    peer_values = pd.DataFrame(np.where(s.has_obs[:, None], values, np.nan), columns=s.ids)
    medians = peer_values.groupby(key).transform("median").to_numpy()
    counts = peer_values.groupby(key).transform("count").to_numpy()
    with np.errstate(invalid="ignore"):
        masks = {
            "no_data": ~has,
            "denominator_unknown": derived & s.denominator_unknown,
            "lower_bound": has & (s.qualifier == "lower_bound"),
            "estimate": has & ((s.qualifier == "estimate") | s.denominator_estimated),
            "share_above_100": has & percent_share & (values > 100),
            "rate_drop": has & (kind == "rate") & ~np.isnan(previous) & (previous - values > RATE_DROP_POINTS),
            "count_outlier": has
            & (kind == "count")
            & (counts >= COUNT_OUTLIER_MIN_VALUES)
            & (medians > 0)
            & (values > COUNT_OUTLIER_FACTOR * medians),
        }
    selected = np.zeros(len(s.codes), dtype=bool)
    selected[s.codes.get_indexer(codes)] = True
    selected &= s.has_obs
    parts = []
    for order, (flag, mask) in enumerate(masks.items()):
        rows, cols = np.nonzero(mask & selected[:, None])
        parts.append(pd.DataFrame({"row": rows, "col": cols, "order": order, "flag": flag}))
    found = pd.concat(parts, ignore_index=True)
    unit_order = pd.Series(range(len(codes)), index=codes)
    found["unit_code"] = s.codes[found["row"]]
    found["_unit"] = unit_order.reindex(found["unit_code"]).to_numpy()
    found = found.sort_values(["_unit", "col", "order"], kind="stable")
    return pd.DataFrame(
        {
            "unit_code": found["unit_code"].to_numpy(),
            "indicator": s.ids[found["col"]].to_numpy(),
            "flag": found["flag"].to_numpy(),
            "value": values[found["row"], found["col"]],
        }
    )


def quality_counts(flags: pd.DataFrame, codes: Sequence[str]) -> pd.DataFrame:
    """Count flags per unit: one row per code, one column per flag (``FLAGS`` order), zeros included."""
    counts = pd.crosstab(flags["unit_code"], flags["flag"]) if len(flags) else pd.DataFrame()
    return counts.reindex(index=list(codes), columns=list(FLAGS), fill_value=0).fillna(0).astype(int)


def target_counts(ds: Dataset, period: object, codes: Iterable[str] | None = None) -> pd.DataFrame:
    """Per indicator with a national target: units that meet it, miss it and have no data.

    Only units with observations in the period count. Returns index ``indicator`` (catalogue
    order) and columns ``target``, ``target_year``, ``target_source``, ``met``, ``not_met``,
    ``no_data``, ``not_met_codes`` (codes below the target, lowest value first).
    """
    period = _check_period(ds, period)
    codes = _check_codes(ds, codes)
    s = score_units(ds, period, codes, unit_rows(ds, codes))
    rows = []
    for ind in ds.catalogue:
        if ind.target is None:
            continue
        values = pd.Series(s.values[:, s.ids.get_loc(ind.id)], index=s.codes)[s.has_obs]
        below = values[values < ind.target].sort_values(kind="stable")
        rows.append(
            {
                "indicator": ind.id,
                "target": ind.target,
                "target_year": ind.target_year,
                "target_source": ind.target_source,
                "met": int((values >= ind.target).sum()),
                "not_met": len(below),
                "no_data": int(values.isna().sum()),
                "not_met_codes": below.index.tolist(),
            }
        )
    columns = ["indicator", "target", "target_year", "target_source", "met", "not_met", "no_data", "not_met_codes"]
    return pd.DataFrame(rows, columns=columns).set_index("indicator")


def score_history(ds: Dataset, codes: Sequence[str], periods: Sequence[str]) -> pd.DataFrame:
    """The overall index of each unit (rows) in each period (columns); NaN without data."""
    return pd.DataFrame({p: evaluate_period(ds, p, list(codes))["score"] for p in periods}).reindex(list(codes))


def edge_units(ranked: Sequence[str], cap: int, edge: int) -> tuple[list[str], int | None]:
    """All of ``ranked`` when at most ``cap``; else its first and last ``edge``.

    Returns:
        The codes and, when cut, the position of the last code before the cut.
    """
    ranked = list(ranked)
    if len(ranked) <= cap:
        return ranked, None
    return ranked[:edge] + ranked[-edge:], edge - 1


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
    ax.set_xticks(np.arange(cols + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(rows + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", linewidth=1.0)
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
        ax.set_ylim(0, 1.05)
        ax.set_yticks([0, 0.5, 1.0], [f.index(v, lang)[:3] if v else "0" for v in (0, 0.5, 1.0)], fontsize=7)
        ax.set_xticks(x, [p[-2:] if len(periods) > 3 else p for p in periods], fontsize=7)
        ax.set_xlim(-0.3, len(periods) - 0.7)
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
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f.number(v, 0, lang)))
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=3)
    return charts.to_data_uri(fig)


# --------------------------------------------------------------------------- the overview


def _names(names: Sequence[str], lang: str, limit: int = NAMES_PER_TARGET) -> str:
    names = list(names)
    if len(names) <= limit:
        return ", ".join(names)
    return t("and_more", lang, names=", ".join(names[:limit]), n=f.number(len(names) - limit, 0, lang))


@dataclass
class Overview:
    """The overview of several units for one period, section by section (see the module docstring)."""

    dataset: Dataset
    period: str
    codes: list[str]
    lang: str = "vi"
    parameters: dict | None = None

    @classmethod
    def build(
        cls,
        period: object,
        data_dir: str | Path = "data",
        lang: str = "vi",
        district: object = None,
        province: object = None,
        *,
        dataset: Dataset | None = None,
    ) -> Overview:
        """Check the parameters, load the dataset and select the units.

        Args:
            period: The period, a year such as ``"2024"``.
            data_dir: The dataset folder; a relative path is taken from the project root.
            lang: ``"vi"`` or ``"en"``.
            district: A district name, or empty for no filter.
            province: A province name, or empty for no filter.
            dataset: An already loaded dataset (then ``data_dir`` is not read).

        Raises:
            ParameterError: for an unknown language, a malformed or unknown period, an unknown
                district or province, or a selection without data for the period.
            DataError: when the dataset does not validate.
        """
        lang = check_lang(lang)
        period = check_period(period)
        district = check_place_name("district", district)
        province = check_place_name("province", province)
        ds = dataset if dataset is not None else load_dataset(resolve_data_dir(data_dir))
        period = _check_period(ds, period)
        codes = select_units(ds, district, province)
        with_data = set(ds.observations.loc[ds.observations["unit_code"].isin(codes), "period"].unique())
        if period not in with_data and (district or province):
            label = scope_label(ds.units.loc[codes], "en")
            listed = ", ".join(sorted(with_data)) or "none"
            raise ParameterError(f"No unit of {label} has data for period {period}; periods with data there: {listed}.")
        params = {"period": period, "data_dir": str(data_dir), "lang": lang, "district": district, "province": province}
        return cls(ds, period, codes, lang, params)

    # ------------------------------------------------------------------ data

    @functools.cached_property
    def rows(self) -> pd.DataFrame:
        """:func:`ranking_rows` of the selected units."""
        return ranking_rows(self.dataset, self.period, self.codes)

    @property
    def ranked(self) -> list[str]:
        """Codes of the units with data, best first."""
        rows = self.rows
        return rows.index[rows["has_data"]].tolist()

    @functools.cached_property
    def attainment(self) -> pd.DataFrame:
        """:func:`attainment_table` of the units with data, best first."""
        return attainment_table(self.dataset, self.period, self.ranked)

    @functools.cached_property
    def flags(self) -> pd.DataFrame:
        """:func:`quality_flags` of the units with data, best first."""
        return quality_flags(self.dataset, self.period, self.ranked)

    @functools.cached_property
    def periods(self) -> list[str]:
        """The dataset's periods up to the overview's period."""
        return [p for p in self.dataset.periods if p <= self.period]

    @functools.cached_property
    def _by_period(self) -> dict[str, pd.DataFrame]:
        """:func:`~dxnb.evaluate.evaluate_period` of the units with data, for each of :attr:`periods`."""
        return {p: evaluate_period(self.dataset, p, self.ranked) for p in self.periods}

    @property
    def history(self) -> pd.DataFrame:
        """The overall index of the units with data (rows, best first) over :attr:`periods` (columns)."""
        return pd.DataFrame({p: frame["score"] for p, frame in self._by_period.items()}).reindex(self.ranked)

    @property
    def scope(self) -> str:
        """The selection as named in titles: "Huyện Phú Giáo, tỉnh Bình Dương"."""
        params = self.parameters or {}
        level = "district" if params.get("district") else "province" if params.get("province") else None
        return scope_label(self.dataset.units.loc[self.codes], self.lang, level)

    def _name(self, indicator_id: str) -> str:
        return self.dataset.catalogue[indicator_id].name(self.lang)

    def _unit(self, code: str) -> str:
        return str(self.dataset.units.at[code, "name"])

    @functools.cached_property
    def _several_groups(self) -> bool:
        return self.rows["group_label"].nunique() > 1

    def _unit_label(self, code: str) -> str:
        """The unit's name, with its district (or province) when the selection spans several."""
        name = self._unit(code)
        return (
            t("unit_in_group", self.lang, name=name, group=self.rows.at[code, "group_label"])
            if (self._several_groups)
            else name
        )

    def _group_level(self, codes: Sequence[str]) -> str | None:
        """``"province"`` or ``"district"`` when the units span 2–DETAIL_MAX_UNITS of them, else None."""
        units = self.dataset.units.loc[list(codes)]
        provinces = units["province"].nunique()
        if 1 < provinces <= DETAIL_MAX_UNITS:
            return "province"
        districts = units["district"].replace("", np.nan).nunique()
        if provinces == 1 and 1 < districts <= DETAIL_MAX_UNITS:
            return "district"
        return None

    def _note(self, text: str) -> str:
        return f'<p class="dx-note">{esc(text)}</p>'

    def _no_data_note(self) -> str:
        rows = self.rows
        missing = rows.index[~rows["has_data"]].tolist()
        if not missing:
            return ""
        return para(
            esc(
                t(
                    "no_data_units",
                    self.lang,
                    period=self.period,
                    names=_names([self._unit_label(c) for c in missing], self.lang, 20),
                )
            )
        )

    # ------------------------------------------------------------------ sections

    def header(self) -> Html:
        """Title block with the key figures, the stylesheet and, for synthetic data, a banner."""
        lang, rows = self.lang, self.rows
        css = (TEMPLATES_DIR / "report.css").read_text(encoding="utf-8") + OVERVIEW_CSS
        scored = rows[rows["has_data"]]
        best = scored.iloc[0] if len(scored) else None
        worst = scored.iloc[-1] if len(scored) else None
        key = [
            (t("key_units", lang), f"{f.number(len(scored), 0, lang)}/{f.number(len(rows), 0, lang)}"),
            (t("key_median", lang), f.index(scored["score"].median() if len(scored) else None, lang)),
            (t("key_best", lang), f"{f.index(best['score'], lang)} · {best['name']}" if best is not None else f.DASH),
            (
                t("key_lowest", lang),
                f"{f.index(worst['score'], lang)} · {worst['name']}" if worst is not None else f.DASH,
            ),
            (t("key_coverage", lang), f.share(scored["coverage"].median() if len(scored) else None, lang)),
        ]
        meta = t(
            "ov_meta",
            lang,
            n=f.number(len(rows), 0, lang),
            with_data=f.number(len(scored), 0, lang),
            period=self.period,
            date=f.date(dt.date.today(), lang),
        )
        parts = [
            f"<style>{css}</style>",
            '<header class="dx-report">',
            f'<div class="dx-kicker">{esc(t("kicker", lang))}</div>',
            f"<h1>{esc(t('ov_title', lang, scope=self.scope, period=self.period))}</h1>",
            f'<div class="dx-meta">{esc(meta)}</div>',
            '<div class="dx-key">' + "".join(f"<div>{esc(k)}<b>{esc(v)}</b></div>" for k, v in key) + "</div>",
        ]
        if self._has_synthetic():
            parts.append(f'<div class="dx-banner">{esc(t("ov_synthetic_banner", lang))}</div>')
        parts.append("</header>")
        return Html("".join(parts))

    def _has_synthetic(self) -> bool:
        obs = self.dataset.observations
        mine = obs[obs["unit_code"].isin(self.codes) & (obs["period"] == self.period)]
        units = self.dataset.units.loc[self.codes, "source"].astype(str)
        return bool(mine["source"].str.contains("synthetic", regex=False).any()) or bool(
            units.str.contains(SYNTHETIC_SOURCE, regex=False).any()
        )

    def ranking(self) -> Html:
        """Every unit's overall index, change, coverage and targets met, best first, with a chart."""
        lang, rows, period = self.lang, self.rows, self.period
        scored = rows[rows["has_data"]]
        parts = [*self._ranking_text(scored), self._no_data_note()]
        if len(scored) > 60:
            title = t("scores_histogram", lang, n=f.number(len(scored), 0, lang), period=period)
            parts.append(figure(charts.score_histogram(scored["score"].tolist(), title=title, lang=lang), title))
        elif len(scored):
            title = t("scores_chart", lang, period=period)
            uri = charts.peer_scores(
                [self._unit_label(c) for c in scored.index],
                scored["score"].tolist(),
                None,
                title=title,
                median=float(scored["score"].median()),
                median_label=t("median", lang),
                lang=lang,
            )
            parts.append(figure(uri, title))
        level = self._group_level(scored.index)
        if level:
            parts.append(self._group_table(scored, level))
        parts.append(self._ranking_table(rows))
        return section("ranking", t("ranking", lang), *parts)

    def _ranking_text(self, scored: pd.DataFrame) -> list[str]:
        lang, previous = self.lang, self.rows.attrs.get("previous_period")
        if scored.empty:
            return []
        best, worst = scored.iloc[0], scored.iloc[-1]
        text = t(
            "ranking_lead",
            lang,
            period=self.period,
            n=f.number(len(scored), 0, lang),
            median=f.index(scored["score"].median(), lang),
            best=esc(self._unit_label(best.name)),
            best_score=f.index(best["score"], lang),
            worst=esc(self._unit_label(worst.name)),
            worst_score=f.index(worst["score"], lang),
        )
        change = scored["score_change"].dropna()
        if previous and len(change):
            text += " " + t(
                "ranking_change",
                lang,
                previous=previous,
                up=f.number((change > 0.005).sum(), 0, lang),
                down=f.number((change < -0.005).sum(), 0, lang),
                before=f.index(scored["previous_score"].median(), lang),
                after=f.index(scored["score"].median(), lang),
            )
        parts = [para(text), para(esc(t("coverage_note", lang)))]
        shift = (scored["coverage"] - scored["previous_coverage"]).abs()
        shifted = scored[shift >= COVERAGE_SHIFT].assign(_shift=shift).sort_values("_shift", ascending=False)
        if previous and len(shifted):
            items = [
                t(
                    "coverage_item",
                    lang,
                    name=self._unit_label(code),
                    before=f.share(r["previous_coverage"], lang),
                    now=f.share(r["coverage"], lang),
                )
                for code, r in shifted.iterrows()
            ]
            parts.append(para(esc(t("coverage_shift", lang, previous=previous, items=_names(items, lang)))))
        return parts

    def _group_table(self, scored: pd.DataFrame, level: str) -> str:
        """Median, lowest and highest overall index per province (or district)."""
        lang = self.lang
        grouped = scored.groupby(scored[level].to_numpy(), sort=False)
        stats = pd.DataFrame(
            {
                "n": grouped.size(),
                "median": grouped["score"].median(),
                "low": grouped["score"].min(),
                "high": grouped["score"].max(),
                "coverage": grouped["coverage"].median(),
            }
        ).sort_values(["median"], ascending=False, kind="stable")
        body = [
            (
                name,
                f.number(r["n"], 0, lang),
                f.index(r["median"], lang),
                f.index(r["low"], lang),
                f.index(r["high"], lang),
                f.share(r["coverage"], lang),
            )
            for name, r in stats.iterrows()
        ]
        headers = [
            t(f"col_{level}", lang),
            t("col_units_with_data", lang),
            t("col_median_score", lang),
            t("col_lowest", lang),
            t("col_highest", lang),
            t("col_median_coverage", lang),
        ]
        title = t("by_level", lang, level=t(f"level_{level}", lang))
        return f"<h3>{esc(title)}</h3>" + table(headers, body, numeric=(1, 2, 3, 4, 5))

    def _ranking_table(self, rows: pd.DataFrame) -> str:
        lang, previous = self.lang, rows.attrs.get("previous_period")
        several = rows["group_label"].nunique() > 1
        headers = [t("col_rank", lang), t("col_code", lang), t("col_unit", lang)]
        if several:
            headers += [t("col_group", lang), t("col_group_rank", lang)]
        headers += [
            t("col_score", lang),
            t("col_change_short", lang, previous=previous or f.DASH),
            t("col_coverage", lang),
            t("col_targets_met", lang),
        ]
        half = TABLE_MAX_ROWS // 2
        cut = len(rows) > TABLE_MAX_ROWS
        body, classes = [], []
        for k, (code, r) in enumerate(rows.iterrows()):
            if cut and half <= k < len(rows) - half:
                if k == half:
                    body.append(["…"] * len(headers))
                    classes.append("dx-muted")
                continue
            has = bool(r["has_data"])
            cells = [f.number(r["position"], 0, lang) if has else f.DASH, code, r["name"]]
            if several:
                rank = f"{int(r['rank'])}/{int(r['group_size'])}" if has and not f.missing(r["rank"]) else f.DASH
                cells += [r["group_label"], rank]
            targets = f"{int(r['targets_met'])}/{int(r['targets_met'] + r['targets_not_met'])}" if has else f.DASH
            cells += [
                f.index(r["score"], lang),
                f.signed(r["score_change"], 2, lang, keep_zeros=True),
                f.share(r["coverage"], lang) if has else f.DASH,
                targets,
            ]
            body.append(cells)
            classes.append("" if has else "dx-muted")
        numeric = (0, 4, *range(5, len(headers))) if several else (0, *range(3, len(headers)))
        html = '<div class="dx-nowrap">' + table(headers, body, numeric=numeric, row_classes=classes) + "</div>"
        if cut:
            html += self._note(
                t(
                    "table_cut",
                    lang,
                    head=f.number(half, 0, lang),
                    tail=f.number(half, 0, lang),
                    n=f.number(len(rows), 0, lang),
                )
            )
        return html

    def _indicator_groups(self, ids: Sequence[str]) -> list[tuple[int, int, str]]:
        cat, groups = self.dataset.catalogue, []
        for k, iid in enumerate(ids):
            pid = cat[iid].pillar
            if groups and groups[-1][2] == pid:
                groups[-1] = (groups[-1][0], k, pid)
            else:
                groups.append((k, k, pid))
        return [(a, b, cat.pillars[p].name(self.lang) if p in cat.pillars else p) for a, b, p in groups]

    def heatmap(self) -> Html:
        """Units × scored indicators coloured by attainment; the best and lowest units of a large selection."""
        lang = self.lang
        share = self.attainment
        parts = [para(esc(t("heatmap_lead", lang)))]
        if share.empty:
            return section("heatmap", t("heatmap", lang), *parts, self._no_data_note())
        ids = list(share.columns)
        medians = share.median()
        weakest = medians.sort_values(kind="stable").head(3)
        items = "; ".join(f"{self._name(i)} ({f.share(v, lang)})" for i, v in weakest.items() if not f.missing(v))
        if items:
            parts.append(para(esc(t("weakest_indicators", lang, items=items))))
        missing = share.isna().sum()
        missing = missing[missing > 0].sort_values(ascending=False, kind="stable").head(3)
        if len(missing):
            items = "; ".join(
                t("missing_count", lang, name=self._name(i), n=f.number(n, 0, lang)) for i, n in missing.items()
            )
            parts.append(para(esc(t("most_missing", lang, items=items))))
        codes, separator = edge_units(share.index, DETAIL_MAX_UNITS, EDGE_UNITS)
        title = t("heatmap_title", lang)
        uri = heatmap_chart(
            share.loc[codes].to_numpy(float).T,
            [self._name(i) for i in ids],
            [self._unit_label(c) for c in codes],
            lang=lang,
            missing_label=t("no_data", lang),
            scale_label=t("percent_scale", lang),
            row_groups=self._indicator_groups(ids),
            separator=separator,
        )
        if separator is not None:
            parts.append(self._note(t("edge_note", lang, n=f.number(len(share), 0, lang), edge=EDGE_UNITS)))
        parts.append(figure(uri, title))
        level = self._group_level(share.index) if separator is not None else None
        if level:
            groups = self.dataset.units.loc[share.index, level]
            grouped = share.groupby(groups.to_numpy(), sort=False).median()
            sizes = groups.value_counts()
            grouped = grouped.loc[sorted(grouped.index, key=vi_sort_key)]
            labels = [t("group_label", lang, name=g, n=f.number(sizes[g], 0, lang)) for g in grouped.index]
            title = t("group_heatmap_title", lang, level=t(f"level_{level}", lang))
            uri = heatmap_chart(
                grouped.to_numpy(float).T,
                [self._name(i) for i in ids],
                labels,
                lang=lang,
                missing_label=t("no_data", lang),
                scale_label=t("percent_scale", lang),
                row_groups=self._indicator_groups(ids),
            )
            parts.append(figure(uri, title))
        parts.append(self._no_data_note())
        return section("heatmap", t("heatmap", lang), *parts)

    def pillars(self) -> Html:
        """Overall and pillar indices of every unit as a heatmap, and each pillar's median, lowest and highest."""
        lang, cat = self.lang, self.dataset.catalogue
        rows = self.rows[self.rows["has_data"]]
        if rows.empty:
            return section("pillars", t("pillars", lang), self._no_data_note())
        columns = ["score", *(f"pillar_{p}" for p in cat.pillars)]
        names = [t("overall", lang), *(cat.pillars[p].name(lang) for p in cat.pillars)]
        medians = rows[columns[1:]].median()
        best, worst = medians.idxmax(), medians.idxmin()
        parts = [
            para(
                esc(
                    t(
                        "pillars_lead",
                        lang,
                        best=names[columns.index(best)],
                        best_value=f.index(medians[best], lang),
                        worst=names[columns.index(worst)],
                        worst_value=f.index(medians[worst], lang),
                    )
                )
            )
        ]
        codes, separator = edge_units(rows.index, DETAIL_MAX_UNITS, EDGE_UNITS)
        share = self.attainment.loc[codes]
        pillar_of = [cat[i].pillar for i in share.columns]
        with_data = share.notna().T.groupby(pillar_of).any().T.reindex(columns=list(cat.pillars), fill_value=False)
        hatched = np.vstack([np.zeros(len(codes), dtype=bool), ~with_data.to_numpy(bool).T])
        title = t("pillars_chart", lang)
        uri = heatmap_chart(
            rows.loc[codes, columns].to_numpy(float).T,
            names,
            [self._unit_label(c) for c in codes],
            lang=lang,
            missing_label=t("no_data_zero", lang),
            scale_label=t("index_scale", lang),
            bold_rows=(0,),
            separator=separator,
            percent=False,
            hatched=hatched,
        )
        if separator is not None:
            parts.append(self._note(t("edge_note", lang, n=f.number(len(rows), 0, lang), edge=EDGE_UNITS)))
        parts.append(figure(uri, title))
        body = []
        maxima = [cat.max_points, *(cat.pillar_max(p) for p in cat.pillars)]
        for name, column, top in zip(names, columns, maxima, strict=True):
            values = rows[column]
            low, high = values.idxmin(), values.idxmax()
            body.append(
                (
                    name,
                    f.number(top, 0, lang),
                    f.index(values.median(), lang),
                    t("value_of", lang, value=f.index(values[low], lang), name=self._unit_label(low)),
                    t("value_of", lang, value=f.index(values[high], lang), name=self._unit_label(high)),
                )
            )
        headers = [
            t("col_pillar", lang),
            t("col_max", lang),
            t("median", lang),
            t("col_lowest", lang),
            t("col_highest", lang),
        ]
        parts.append(table(headers, body, numeric=(1, 2), row_classes=["dx-total", *[""] * (len(body) - 1)]))
        return section("pillars", t("pillars", lang), *parts)

    def trends(self) -> Html:
        """Small multiples of each unit's overall index over the periods, and the median per period."""
        lang, periods = self.lang, self.periods
        history = self.history
        if len(periods) < 2 or history.empty:
            return section("trends", t("trends", lang), para(esc(t("trend_single", lang, period=self.period))))
        first, last = periods[0], periods[-1]
        both = history[[first, last]].dropna()
        change = both[last] - both[first]
        parts = [
            para(
                esc(
                    t(
                        "trends_lead",
                        lang,
                        first=first,
                        last=last,
                        start=f.index(history[first].median(), lang),
                        end=f.index(history[last].median(), lang),
                        n=f.number(len(both), 0, lang),
                        up=f.number((change > 0.005).sum(), 0, lang),
                        down=f.number((change < -0.005).sum(), 0, lang),
                    )
                )
            )
        ]
        codes, separator = edge_units(history.index, TREND_MAX_PANELS, TREND_MAX_PANELS // 2)
        if separator is not None:
            parts.append(
                self._note(
                    t(
                        "trend_edge_note",
                        lang,
                        n=f.number(len(history), 0, lang),
                        edge=TREND_MAX_PANELS // 2,
                        period=self.period,
                    )
                )
            )
        context = history if len(history) <= DETAIL_MAX_UNITS else None
        title = t("trends_chart", lang)
        uri = trend_panels(
            periods,
            history.loc[codes],
            [self._unit_label(c) for c in codes],
            history.median().tolist(),
            context=context,
            lang=lang,
            unit_label=t("ov_this_unit", lang),
            median_label=t("median", lang),
            others_label=t("other_units", lang),
            band=None if context is not None else (history.quantile(0.25).tolist(), history.quantile(0.75).tolist()),
            band_label=t("middle_half", lang),
        )
        parts.append(figure(uri, title))
        coverage = pd.DataFrame({p: frame["coverage"] for p, frame in self._by_period.items()})
        body = [
            (
                p,
                f.number(history[p].notna().sum(), 0, lang),
                f.index(history[p].median(), lang),
                f.share(coverage[p].median(), lang),
            )
            for p in periods
        ]
        headers = [
            t("col_period", lang),
            t("col_units_with_data", lang),
            t("col_median_score", lang),
            t("col_median_coverage", lang),
        ]
        parts.append(table(headers, body, numeric=(1, 2, 3)))
        return section("trends", t("trends", lang), *parts)

    def _flag_label(self, flag: str) -> str:
        key = f"flag_{flag}"
        return t(key, self.lang) if key in TEXT else flag

    def quality(self) -> Html:
        """Units with data-quality problems: flags counted per unit, and the values to check."""
        lang, flags = self.lang, self.flags
        codes = self.ranked
        parts = []
        if flags.empty:
            parts.append(para(esc(t("quality_ok", lang))))
            parts.append(self._no_data_note())
            return section("quality", t("quality", lang), *parts)
        counts = quality_counts(flags, codes)
        check = counts[list(CHECK_FLAGS)].sum(axis=1)
        estimates = int(counts[["estimate", "lower_bound"]].to_numpy().sum())
        parts.append(
            para(
                esc(
                    t(
                        "quality_lead",
                        lang,
                        check=f.number((check > 0).sum(), 0, lang),
                        n=f.number(len(codes), 0, lang),
                        missing=f.number((counts["no_data"] > 0).sum(), 0, lang),
                        cells=f.number(counts["no_data"].sum(), 0, lang),
                        estimates=f.number(estimates, 0, lang),
                    )
                )
            )
        )
        parts.append(self._no_data_note())
        used = [flag for flag in FLAGS if counts[flag].sum() > 0]
        problems = counts[counts.sum(axis=1) > 0]
        order = problems.assign(_check=check, _total=problems.sum(axis=1)).sort_values(
            ["_check", "_total"], ascending=False, kind="stable"
        )
        headers = [t("col_unit", lang), *(self._flag_label(flag) for flag in used), t("col_total", lang)]
        totals = counts[used].sum()
        body = [
            [t("all_units", lang), *(f.number(totals[flag], 0, lang) for flag in used), f.number(totals.sum(), 0, lang)]
        ]
        for code in order.index[:QUALITY_MAX_ROWS]:
            r = counts.loc[code]
            body.append(
                [
                    self._unit_label(code),
                    *(f.number(r[flag], 0, lang) if r[flag] else "" for flag in used),
                    f.number(r[used].sum(), 0, lang),
                ]
            )
        parts.append(f"<h3>{esc(t('quality_counts', lang))}</h3>")
        parts.append(
            table(
                headers, body, numeric=tuple(range(1, len(headers))), row_classes=["dx-total", *[""] * (len(body) - 1)]
            )
        )
        if len(order) > QUALITY_MAX_ROWS:
            parts.append(self._note(t("quality_cut", lang, shown=QUALITY_MAX_ROWS, n=f.number(len(order), 0, lang))))
        to_check = flags[flags["flag"].isin(CHECK_FLAGS)]
        if len(to_check):
            cat = self.dataset.catalogue
            rows = [
                (
                    self._unit_label(r.unit_code),
                    self._name(r.indicator),
                    self._flag_label(r.flag),
                    f.value(r.value, cat[r.indicator], lang, with_unit=True),
                )
                for r in to_check.head(QUALITY_MAX_ROWS).itertuples()
            ]
            headers = [t("col_unit", lang), t("col_indicator", lang), t("col_issue", lang), t("col_value", lang)]
            parts.append(f"<h3>{esc(t('quality_check', lang))}</h3>")
            parts.append(table(headers, rows, numeric=(3,)))
            if len(to_check) > QUALITY_MAX_ROWS:
                parts.append(
                    self._note(t("quality_cut", lang, shown=QUALITY_MAX_ROWS, n=f.number(len(to_check), 0, lang)))
                )
        return section("quality", t("quality", lang), *parts)

    def targets(self) -> Html:
        """Per national target: units meeting it, below it and without data, with the units below it."""
        lang, cat = self.lang, self.dataset.catalogue
        counts = target_counts(self.dataset, self.period, self.ranked)
        if counts.empty:
            return section("targets", t("targets", lang), para(esc(t("targets_none", lang))))
        parts = [para(esc(t("targets_lead", lang, period=self.period, n=f.number(len(self.ranked), 0, lang))))]
        names = [self._name(i) for i in counts.index]
        title = t("targets_chart", lang)
        uri = target_bars(
            names,
            counts["met"].tolist(),
            counts["not_met"].tolist(),
            counts["no_data"].tolist(),
            legend=(t("met", lang), t("not_met", lang), t("no_data", lang)),
            lang=lang,
        )
        parts.append(figure(uri, title))
        body = []
        for iid, r in counts.iterrows():
            ind = cat[iid]
            target = t("target_text", lang, value=f.value(ind.target, ind, lang), year=ind.target_year)
            below = _names([self._unit_label(c) for c in r["not_met_codes"]], lang)
            body.append(
                (
                    self._name(iid),
                    target,
                    r["target_source"],
                    f.number(r["met"], 0, lang),
                    f.number(r["not_met"], 0, lang),
                    f.number(r["no_data"], 0, lang),
                    below or f.DASH,
                )
            )
        headers = [
            t("col_indicator", lang),
            t("col_target", lang),
            t("col_source", lang),
            t("met", lang),
            t("not_met", lang),
            t("no_data", lang),
            t("col_not_met_units", lang),
        ]
        parts.append(table(headers, body, numeric=(3, 4, 5)))
        return section("targets", t("targets", lang), *parts)

    def sections(self) -> list[Html]:
        """Every section in order."""
        return [
            self.header(),
            self.ranking(),
            self.heatmap(),
            self.pillars(),
            self.trends(),
            self.quality(),
            self.targets(),
        ]
