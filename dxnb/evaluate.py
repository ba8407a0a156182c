"""A unit's evaluation: its scores against its peer group and its own history, and what to work on.

The rules live elsewhere, each written once: points, totals and ranks in :mod:`dxnb.scoring`,
data-quality flags in :mod:`dxnb.quality`, peer groups in :mod:`dxnb.units`, parameter checks in
:mod:`dxnb.params`. Nothing here knows an indicator by name.

- :func:`peer_codes` — the unit's comparison group: its district, or its province when the
  district is blank (after the 2025 reform, units have no district).
- :func:`evaluate_unit` — everything a commune report needs about one unit and period.

Evaluating one unit touches only its peer group's observations (see :func:`dxnb.units.dataset_index`),
so that a batch over thousands of units never scans the whole observations frame again.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .dataset import Dataset
from .errors import ParameterError
from .i18n import N_, t
from .params import check_unit, period_key
from .periods import same_span
from .quality import FLAGS as FLAGS  # re-exported: overview.py imports it from here
from .quality import IMPLAUSIBLE_FLAGS as IMPLAUSIBLE_FLAGS  # re-exported: report.py imports it from here
from .quality import unit_flags
from .scoring import (  # score_units: export_table.py too
    Scores,
    align,
    max_points,
    rank_is_meaningful,
    score_units,
    stack,
    summary,
    totals,
)
from .scoring import evaluate_period as evaluate_period  # re-exported: overview, explore, site, export_table
from .scoring import indicator_table as indicator_table  # re-exported: tests/test_explore.py imports it from here
from .units import group_label, peers, unit_rows  # unit_rows is also imported from here by export_table.py

log = logging.getLogger(__name__)

#: Scored indicators earning less than this share of their points get a recommendation.
LOW_POINTS_SHARE = 0.5
#: How many indicators :attr:`UnitEvaluation.strongest` and ``weakest`` list.
TOP_N = 3

INDICATOR_COLUMNS = (
    "pillar", "value", "qualifier", "source", "note", "points", "max_points", "has_data", "target",
    "target_year", "target_source", "meets_target", "previous_value", "change", "group_median", "flags",
    "not_applicable", "missing_evidence",
)  # fmt: skip
#: Flags a framework adds to an indicator of one unit: it does not apply ("không áp dụng"), or its value lacks
#: the evidence the framework requires ("thiếu minh chứng"); labels ``flag_<flag>``.
FRAMEWORK_FLAGS = {"not_applicable": N_("flag_not_applicable"), "missing_evidence": N_("flag_missing_evidence")}
PILLAR_COLUMNS = ("earned", "max_points", "index", "coverage", "previous_index", "change", "group_median_index")


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Recommendation:
    """One thing a unit should work on.

    Attributes:
        indicator: The indicator id.
        value: The unit's value for the period.
        target: The national target (None for ``low_points``).
        target_year: The target's year (None when no target).
        target_source: The document that sets the target ("" when no target).
        gap: ``target - value`` for ``below_target``; None for ``low_points``.
        reason: ``"below_target"`` or ``"low_points"``.
        points: Points earned.
        max_points: Points available.
    """

    indicator: str
    value: float
    target: float | None
    target_year: int | None
    target_source: str
    gap: float | None
    reason: str
    points: float = 0.0
    max_points: float = 0.0


@dataclass
class UnitEvaluation:
    """The evaluation of one unit for one period (see :func:`evaluate_unit`).

    Attributes:
        code: The unit's code.
        period: The evaluated period.
        previous_period: The latest earlier period with observations for this unit, or None.
        unit: The unit's row of ``units.csv``.
        score: Points earned / catalogue maximum, in [0, 1].
        earned: Points earned.
        max_points: The catalogue's maximum points.
        coverage: Maximum points of the indicators with data / maximum points.
        rank: Rank in the peer group (1 = best; ties share the best rank).
        group_size: Units of the peer group with observations in the period (the rank is among them).
        group_label: The district's name, or the province's when the district is blank.
        group_median_score: Median score of the peer group.
        indicators: One row per catalogue indicator (catalogue order, index ``id``).
        pillars: One row per pillar (catalogue order, index pillar id).
        peers: :func:`evaluate_period` rows of the peer group, sorted by rank, with ``is_self``.
        trend: Score, coverage and pillar indices per period with data, oldest first.
        quality: One row per (indicator, flag) with a short detail.
        notes: The unit's notes for the period (kind, text, source).
        previous_score: The score of the previous period, or None.
        score_change: ``score - previous_score``, or None.
        peer_count: Units of the peer group, with or without observations in the period.
    """

    code: str
    period: str
    previous_period: str | None
    unit: pd.Series
    score: float
    earned: float
    max_points: float
    coverage: float
    rank: int | None
    group_size: int
    group_label: str
    group_median_score: float
    indicators: pd.DataFrame
    pillars: pd.DataFrame
    peers: pd.DataFrame
    trend: pd.DataFrame
    quality: pd.DataFrame
    notes: pd.DataFrame
    previous_score: float | None = None
    score_change: float | None = None
    #: Bonus and penalty points (within their caps), apart from the base score.
    bonus: float = 0.0
    penalty: float = 0.0
    #: Points on the framework's scale, bonus and penalty included; the result class they reach ("" without).
    points: float = math.nan
    result_class: str = ""
    #: The catalogue the period was scored with (the framework in force).
    catalogue: object = None

    @property
    def result_class_name(self) -> str:
        """The result class's Vietnamese name ("" without a class)."""
        return self.result_class_in("vi")

    def result_class_in(self, lang: str) -> str:
        """The result class's name in ``lang`` ("" without a class)."""
        for cls in getattr(self.catalogue, "classes", ()):
            if cls.id == self.result_class:
                return cls.name(lang)
        return ""

    peer_count: int = 0

    @property
    def rank_shown(self) -> bool:
        """Whether the rank is worth showing: enough of the peer group reports the period.

        False when fewer than half the peer group's units have data for the period (a new year arriving
        unit by unit): the report then says how many do instead of ranking "1/1".
        """
        return self.rank is not None and rank_is_meaningful(self.group_size, self.peer_count or self.group_size)

    def _ranked(self, ascending: bool) -> list[str]:
        table = self.indicators
        scored = table[(table["max_points"] > 0) & table["has_data"]]
        ratio = (scored["points"] / scored["max_points"]).round(9)  # equal shares tie exactly
        return ratio.sort_values(ascending=ascending, kind="stable").index[:TOP_N].tolist()

    @property
    def strongest(self) -> list[str]:
        """Up to three scored indicators with data earning the highest share of their points."""
        return self._ranked(ascending=False)

    @property
    def weakest(self) -> list[str]:
        """Up to three scored indicators with data earning the lowest share of their points."""
        return self._ranked(ascending=True)

    def _targets(self, state: bool | None) -> list[str]:
        table = self.indicators
        with_target = table["target"].notna()
        if state is None:
            return table.index[with_target & ~table["has_data"]].tolist()
        return table.index[with_target & (table["meets_target"] == state)].tolist()

    @property
    def targets_met(self) -> list[str]:
        """Indicators that meet their national target."""
        return self._targets(True)

    @property
    def targets_not_met(self) -> list[str]:
        """Indicators with a value below their national target."""
        return self._targets(False)

    @property
    def targets_no_data(self) -> list[str]:
        """Indicators that have a target but no value."""
        return self._targets(None)

    @property
    def recommendations(self) -> list[Recommendation]:
        """What to work on: indicators below target (largest relative gap first), then low points.

        Low-points recommendations are the scored indicators with data that earn less than half
        of their points and are not already below a target, lowest share first.
        """
        table = self.indicators
        has = table["has_data"]
        below = table[has & table["target"].notna() & (table["value"] < table["target"])]
        relative = (below["target"] - below["value"]) / below["target"].abs().where(below["target"] != 0, 1.0)
        recs = [
            self._recommendation(iid, "below_target")
            for iid in relative.sort_values(ascending=False, kind="stable").index
        ]
        low = table[has & (table["max_points"] > 0) & ~table.index.isin(below.index)]
        share = low["points"] / low["max_points"]
        share = share[share < LOW_POINTS_SHARE]
        recs += [self._recommendation(iid, "low_points") for iid in share.sort_values(kind="stable").index]
        return recs

    def _recommendation(self, iid: str, reason: str) -> Recommendation:
        row = self.indicators.loc[iid]
        target = None if pd.isna(row["target"]) else float(row["target"])
        gap = target - float(row["value"]) if reason == "below_target" and target is not None else None
        year = None if pd.isna(row["target_year"]) else int(row["target_year"])
        return Recommendation(
            iid,
            float(row["value"]),
            target,
            year,
            row["target_source"],
            gap,
            reason,
            float(row["points"]),
            float(row["max_points"]),
        )


# --------------------------------------------------------------------------- one unit


def peer_codes(ds: Dataset, code: object) -> list[str]:
    """Return the codes of the unit's peer group, the unit included, in ``units.csv`` order.

    The group is the unit's district (within its province). When the unit's district is blank,
    the group is the units of its province whose district is blank too, so that every unit
    belongs to exactly one group. Names match across Unicode forms and tone-mark placement.

    Raises:
        ParameterError: when no unit has the code.
    """
    return peers(ds, check_unit(ds, code))


def _points(ind, values: np.ndarray) -> np.ndarray:
    """Alias of :meth:`dxnb.catalogue.Indicator.points_of`, kept for ``tests/test_scale.py``."""
    return ind.points_of(values)


def _unit_table(
    ds: Dataset, code: str, current: Scores, previous: Scores | None, previous_period: str | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build the indicators table and the quality table of one unit."""
    cat = current.catalogue or ds.catalogue_for(current.period)
    i = current.row(code)
    medians = pd.DataFrame(current.values[current.has_obs], columns=current.ids).median()
    flags_of = unit_flags(ds, code, current, previous, previous_period)
    records, quality = [], []
    for j, ind in enumerate(cat):
        value = float(current.values[i, j])
        has = not math.isnan(value)
        prev = float(previous.values[previous.row(code), j]) if previous is not None else math.nan
        flags = list(flags_of[j])
        na, no_evidence = bool(current.not_applicable[i, j]), bool(current.missing_evidence[i, j])
        if na:
            flags.append(("not_applicable", ""))
        if no_evidence:
            flags.append(("missing_evidence", ""))
        records.append(
            {
                "id": ind.id,
                "pillar": ind.pillar,
                "value": value,
                "qualifier": str(current.qualifier[i, j]) if has else "",
                "source": str(current.source[i, j]) if has else "",
                "note": str(current.note[i, j]) if has else "",
                "points": float(current.points[i, j]),
                "max_points": float(ind.max_points) if ind.scored and not na else 0.0,
                "has_data": has,
                "target": ind.target if ind.target is not None else math.nan,
                "target_year": ind.target_year,
                "target_source": ind.target_source,
                "meets_target": ind.meets_target(value),
                "previous_value": prev,
                "change": value - prev,
                "group_median": float(medians.iloc[j]),
                "flags": [f for f, _ in flags],
                "not_applicable": na,
                "missing_evidence": no_evidence,
            }
        )
        quality += [{"indicator": ind.id, "flag": f, "detail": d} for f, d in flags]
    table = pd.DataFrame.from_records(records, index="id")
    table["meets_target"] = table["meets_target"].astype(object).where(table["meets_target"].notna(), None)
    table["target_year"] = table["target_year"].astype("Int64")
    quality_frame = pd.DataFrame(quality, columns=["indicator", "flag", "detail"])
    return table[list(INDICATOR_COLUMNS)], quality_frame


def _pillar_table(
    ds: Dataset, code: str, current: Scores, previous: Scores | None, peers: pd.DataFrame
) -> pd.DataFrame:
    cat = current.catalogue or ds.catalogue_for(current.period)
    i = current.row(code)
    has = ~np.isnan(current.values[i])
    pillar_of = np.array([ind.pillar for ind in cat])
    maxima = max_points(cat) * ~current.not_applicable[i]
    rows = []
    for pid in cat.pillars:
        cols = pillar_of == pid
        top = float(maxima[cols].sum())
        earned = float(current.points[i, cols].sum())
        index = earned / top if top else math.nan
        prev = math.nan
        if previous is not None and top:
            prev = float(previous.points[previous.row(code), cols].sum()) / top
        rows.append(
            {
                "id": pid,
                "earned": earned,
                "max_points": top,
                "index": index,
                "coverage": float((has[cols] * maxima[cols]).sum()) / top if top else math.nan,
                "previous_index": prev,
                "change": index - prev,
                "group_median_index": float(peers[f"pillar_{pid}"].median()) if len(peers) else math.nan,
            }
        )
    return pd.DataFrame.from_records(rows, index="id", columns=["id", *PILLAR_COLUMNS])


def _trend(ds: Dataset, history: dict[str, Scores], cat) -> pd.DataFrame:
    """Score, coverage and the current framework's pillar indices per period, each scored under its own framework."""
    columns = ["score", "coverage", *(f"pillar_{p}" for p in cat.pillars)]
    same = [p for p, s in history.items() if s.catalogue is cat]
    if len(same) == len(history):  # one framework throughout: one stacked table
        return totals(cat, stack(history))[columns].rename_axis("period")
    parts = [totals(s.catalogue, s).rename(index={s.codes[0]: p}) for p, s in history.items()]
    return pd.concat(parts).reindex(columns=columns).rename_axis("period")


def evaluate_unit(ds: Dataset, code: object, period: object) -> UnitEvaluation:
    """Evaluate one unit for one period against its peer group and its own history.

    Only the observations of the unit's peer group are read, so this stays fast on a dataset of
    the whole country.

    Args:
        ds: The dataset.
        code: The unit's code (a string; ``"25882"``).
        period: The period (``"2024"``).

    Returns:
        The :class:`UnitEvaluation`.

    Raises:
        ParameterError: when the unit is unknown or has no observations in the period.
    """
    started = time.perf_counter()
    period = str(period).strip()
    ds = ds.at(period)  # the units alive in the period (see dxnb.lifetime)
    code = check_unit(ds, code)
    cat = ds.catalogue_for(period)
    own = unit_rows(ds, [code])
    periods = sorted(own["period"].unique().tolist(), key=period_key)
    unit = ds.units.loc[code]
    if period not in periods:
        has = t("ev_has_data", periods=", ".join(periods)) if periods else t("ev_no_observations")
        raise ParameterError(t("ev_unit_no_period", code=code, name=unit["name"], period=period, has=has))
    periods = same_span(periods, period)  # a year's history holds years, a month's months (dxnb.periods)
    earlier = [p for p in periods if period_key(p) < period_key(period)]
    previous_period = earlier[-1] if earlier else None

    history = {p: score_units(ds, p, [code], own) for p in periods}
    trend = _trend(ds, history, cat)

    peers_codes = peer_codes(ds, code)
    current = score_units(ds, period, peers_codes, unit_rows(ds, peers_codes))
    table = summary(ds, current)
    ranked = table[table["has_data"]].copy()
    ranked["is_self"] = ranked.index == code
    ranked = ranked.assign(_code=ranked.index).sort_values(["rank", "_code"]).drop(columns="_code")
    previous = align(history[previous_period], cat) if previous_period else None
    indicators, quality = _unit_table(ds, code, current, previous, previous_period)
    pillars = _pillar_table(ds, code, current, previous, ranked)
    notes = ds.notes
    mine = notes[(notes["unit_code"] == code) & (notes["period"] == period)]
    mine = mine[[c for c in ("kind", "text", "source") if c in mine.columns]].reset_index(drop=True)

    row = table.loc[code]
    score = float(row["score"])
    previous_score = float(trend.at[previous_period, "score"]) if previous_period else None
    result = UnitEvaluation(
        code=code,
        period=period,
        previous_period=previous_period,
        unit=unit,
        score=score,
        earned=float(row["earned"]),
        max_points=float(row["max_points"]),
        coverage=float(row["coverage"]),
        rank=None if pd.isna(row["rank"]) else int(row["rank"]),
        group_size=int(row["group_size"]),
        group_label=group_label(unit),
        group_median_score=float(row["group_median_score"]),
        indicators=indicators,
        pillars=pillars,
        peers=ranked,
        trend=trend,
        quality=quality,
        notes=mine,
        previous_score=previous_score,
        score_change=None if previous_score is None else score - previous_score,
        bonus=float(row["bonus"]),
        penalty=float(row["penalty"]),
        points=float(row["points"]),
        result_class=str(row["result_class"]),
        catalogue=cat,
        peer_count=len(peers_codes),
    )
    log.debug(
        "evaluated %s %s (%d peers) in %.1f ms", code, period, len(peers_codes), (time.perf_counter() - started) * 1000
    )
    return result
