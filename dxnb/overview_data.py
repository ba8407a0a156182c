"""The overview's data: the tables behind its sections.

The tables are the ranking, the attainment per indicator, the data-quality flags (from
:mod:`dxnb.quality`), the national targets and the score history; :class:`dxnb.overview.Overview`
turns them into text, charts and tables. Units are chosen by :func:`dxnb.params.select_units`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .dataset import Dataset
from .params import check_codes
from .params import check_data_period as check_data_period  # alias: overview.py and explore.py import it from here
from .params import check_place_name as check_place_name  # alias: overview.py and explore.py import it from here
from .params import select_units as select_units  # alias: overview.py and explore.py import it from here
from .periods import earlier
from .quality import quality_counts as quality_counts  # alias: overview.py imports it from here
from .quality import quality_flags as quality_flags  # alias: overview.py and explore.py import it from here
from .scoring import evaluate_period, score_units
from .text import vi_sort_key
from .units import places_label, unit_rows


def same_unit(ds: Dataset, code: str, period: str) -> bool:
    """Whether ``code`` means the same unit in ``period`` as in ``ds`` (a dataset's view of a period)."""
    other = ds.at(period).units
    if other is ds.units:  # no lifetimes: every unit lives in every period
        return True
    return code in other.index and other.at[code, "unit_key"] == ds.units.at[code, "unit_key"]


def scope_label(units: pd.DataFrame, lang: str = "vi", level: str | None = None) -> str:
    """Alias of :func:`dxnb.units.places_label` (overview.py and explore.py import it from here)."""
    return places_label(units, lang, level)


def _previous_period(ds: Dataset, period: str) -> str | None:
    before = earlier(ds.periods, period)  # of the same length: a year's previous period is a year
    return before[-1] if before else None


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
    period = check_data_period(ds, period)
    ds = ds.at(period)  # the units alive in the period; the previous period compares the same units only
    codes = check_codes(ds, codes)
    table = evaluate_period(ds, period, codes)
    previous = _previous_period(ds, period)
    if previous:
        before = evaluate_period(ds, previous, [c for c in codes if same_unit(ds, c, previous)])
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
    pillars = [f"pillar_{p}" for p in ds.catalogue_for(period).pillars]
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


def scored_indicators(ds: Dataset, period: object = None) -> list[str]:
    """Ids of the scored indicators, grouped by pillar in pillar order, catalogue order within.

    The catalogue is the one in force for ``period`` (the dataset's own without a period).
    """
    cat = ds.catalogue if period is None else ds.catalogue_for(period)
    order = {pid: i for i, pid in enumerate(cat.pillars)}
    scored = [ind for ind in cat if ind.scored]
    return [ind.id for ind in sorted(scored, key=lambda ind: order.get(ind.pillar, len(order)))]


def attainment_table(ds: Dataset, period: object, codes: Iterable[str] | None = None) -> pd.DataFrame:
    """Points earned / maximum points per unit (rows) and scored indicator (columns), NaN without data.

    Points come from the catalogue's scoring rules (:meth:`~dxnb.catalogue.Indicator.points`), as in
    the evaluation. Columns follow :func:`scored_indicators`.
    """
    period = check_data_period(ds, period)
    codes = check_codes(ds, codes)
    s = score_units(ds, period, codes, unit_rows(ds, codes))
    ids = scored_indicators(ds, period)
    columns = s.ids.get_indexer(ids)
    maxima = np.array([ds.catalogue_for(period)[i].max_points for i in ids], dtype=float)
    share = s.points[:, columns] / maxima
    share[np.isnan(s.values[:, columns])] = np.nan
    return pd.DataFrame(share, index=pd.Index(codes, name="unit_code"), columns=ids)


def target_counts(ds: Dataset, period: object, codes: Iterable[str] | None = None) -> pd.DataFrame:
    """Per indicator with a national target: units that meet it, miss it and have no data.

    Only units with observations in the period count. Returns index ``indicator`` (catalogue
    order) and columns ``target``, ``target_year``, ``target_source``, ``met``, ``not_met``,
    ``no_data``, ``not_met_codes`` (codes below the target, lowest value first).
    """
    period = check_data_period(ds, period)
    codes = check_codes(ds, codes)
    s = score_units(ds, period, codes, unit_rows(ds, codes))
    rows = []
    for ind in ds.catalogue_for(period):
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
