"""Scoring communes by the DTI method and comparing them with their peers.

Everything is driven by the catalogue (``indicators.csv``): points come from
:meth:`~dxnb.catalogue.Indicator.points`, derived indicators from their numerator, denominator and
scale, targets from the target columns. Nothing here knows an indicator by name.

The main entry points:

- :func:`peer_codes` — the unit's comparison group: its district, or its province when the
  district is blank (after the 2025 reform, units have no district).
- :func:`indicator_table` — the wide table of indicator values (observed and derived) for a period.
- :func:`evaluate_period` — one row of scores per unit, ranked within each peer group.
- :func:`evaluate_unit` — everything a commune report needs about one unit and period.

Evaluating one unit touches only its peer group's observations: row positions per unit are
indexed once per dataset (see :func:`dataset_index`) so that a batch over thousands of units never scans
the whole observations frame again.
"""

from __future__ import annotations

import logging
import math
import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .catalogue import UNIT_DENOMINATORS, Catalogue, Indicator
from .dataset import Dataset, group_keys
from .errors import ParameterError

log = logging.getLogger(__name__)

#: A rate that fell by more than this many points since the previous period is flagged.
RATE_DROP_POINTS = 25.0
#: A count above this multiple of its peer-group median is flagged ...
COUNT_OUTLIER_FACTOR = 5.0
#: ... when the peer group has at least this many values for the indicator.
COUNT_OUTLIER_MIN_VALUES = 3
#: Scored indicators earning less than this share of their points get a recommendation.
LOW_POINTS_SHARE = 0.5
#: How many indicators :attr:`UnitEvaluation.strongest` and ``weakest`` list.
TOP_N = 3

#: Data-quality flag codes, in the order they are listed, with what each means.
FLAGS: dict[str, str] = {
    "no_data": "no value for the period: no evidence, no points",
    "denominator_unknown": "the denominator of a derived indicator is unknown or zero",
    "lower_bound": "the value is a lower bound ('at least', 'more than')",
    "estimate": "the value is an estimate, or is computed from an estimated denominator",
    "share_above_100": "implausible: a derived share above 100%",
    "rate_drop": f"implausible: a rate fell by more than {RATE_DROP_POINTS:g} points since the previous period",
    "count_outlier": f"implausible: a count more than {COUNT_OUTLIER_FACTOR:g}× the peer-group median",
}
#: Flags that mark a value as implausible.
IMPLAUSIBLE_FLAGS = ("share_above_100", "rate_drop", "count_outlier")

INDICATOR_COLUMNS = (
    "pillar", "value", "qualifier", "source", "note", "points", "max_points", "has_data", "target",
    "target_year", "target_source", "meets_target", "previous_value", "change", "group_median", "flags",
)  # fmt: skip
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
        group_size: Units of the peer group with observations in the period.
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


# --------------------------------------------------------------------------- per-dataset index


@dataclass
class DatasetIndex:
    """Row positions of each unit's observations and each unit's peer-group key."""

    units: pd.DataFrame
    observations: pd.DataFrame
    n_observations: int
    rows: dict[str, np.ndarray]
    group: pd.Series
    members: dict[str, list[str]]


_INDEXES: dict[int, DatasetIndex] = {}
_EMPTY = np.empty(0, dtype=np.intp)


def dataset_index(ds: Dataset) -> DatasetIndex:
    """Return the dataset's index, built on first use and rebuilt when its frames are replaced.

    The index holds positions into ``ds.observations``; changing values in place is fine, adding
    or removing rows in place is not (assign a new frame instead).
    """
    key = id(ds)
    entry = _INDEXES.get(key)
    if (
        entry is not None
        and entry.units is ds.units
        and entry.observations is ds.observations
        and entry.n_observations == len(ds.observations)
    ):
        return entry
    started = time.perf_counter()
    obs = ds.observations
    rows = {str(k): v for k, v in obs.groupby("unit_code", sort=False).indices.items()} if len(obs) else {}
    units = ds.units
    group = group_keys(units)
    members = {str(k): [str(c) for c in v] for k, v in group.groupby(group, sort=False).groups.items()}
    fresh = DatasetIndex(units, obs, len(obs), rows, group, members)
    if entry is None:
        weakref.finalize(ds, _INDEXES.pop, key, None)
    _INDEXES[key] = fresh
    log.debug(
        "indexed %d observations of %d units in %.1f ms", len(obs), len(units), (time.perf_counter() - started) * 1000
    )
    return fresh


def unit_rows(ds: Dataset, codes: Iterable[str]) -> pd.DataFrame:
    """Observations of ``codes`` (all periods), without scanning the whole frame."""
    index = dataset_index(ds)
    parts = [index.rows[c] for c in codes if c in index.rows]
    positions = np.sort(np.concatenate(parts)) if parts else _EMPTY
    return ds.observations.iloc[positions]


def _check_unit(ds: Dataset, code: object) -> str:
    text = str(code).strip()
    if text not in ds.units.index:
        hint = ""
        if text.isdigit() and text.zfill(5) in ds.units.index:
            hint = f" — did it lose its leading zero? The unit is '{text.zfill(5)}'"
        raise ParameterError(
            f"No unit has the code '{text}'{hint}. The dataset {ds.path} has "
            f"{len(ds.units)} units; run `dxnb check` to list them."
        )
    if ds.scope is not None and text not in ds.scope:
        raise ParameterError(
            f"The dataset was loaded for other units' reports and lacks the observations of unit {text}; "
            "load it whole (load_dataset without units=) to evaluate this unit."
        )
    return text


def _group_label(unit: pd.Series) -> str:
    district = str(unit.get("district", "") or "").strip()
    return district or str(unit.get("province", "") or "").strip()


def peer_codes(ds: Dataset, code: str) -> list[str]:
    """Return the codes of the unit's peer group, the unit included, in ``units.csv`` order.

    The group is the unit's district (within its province). When the unit's district is blank,
    the group is the units of its province whose district is blank too, so that every unit
    belongs to exactly one group. Names match across Unicode forms and tone-mark placement.

    Raises:
        ParameterError: when no unit has the code.
    """
    code = _check_unit(ds, code)
    index = dataset_index(ds)
    return list(index.members[index.group.at[code]])


# --------------------------------------------------------------------------- scoring


@dataclass
class Scores:
    """Indicator values and points for some units in one period, as (units × indicators) arrays."""

    period: str
    codes: pd.Index
    ids: pd.Index
    has_obs: np.ndarray
    values: np.ndarray
    qualifier: np.ndarray
    source: np.ndarray
    note: np.ndarray
    denominator_unknown: np.ndarray
    denominator_estimated: np.ndarray
    points: np.ndarray

    def row(self, code: str) -> int:
        """Return the row of ``code``."""
        return int(self.codes.get_loc(code))


def _estimated(units: pd.DataFrame, column: str) -> np.ndarray:
    """Whether each unit lists ``column`` in its ``estimated_fields``."""
    fields = units["estimated_fields"] if "estimated_fields" in units.columns else pd.Series("", units.index)
    fields = fields.fillna("")
    listed = {v: column in {p.strip() for p in str(v or "").split(";")} for v in fields.unique()}  # a few values
    return fields.map(listed).to_numpy(dtype=bool)


def score_units(ds: Dataset, period: str, codes: list[str], obs: pd.DataFrame) -> Scores:
    """Compute values (observed and derived) and points of ``codes`` in ``period``.

    ``obs`` holds at least the observations of ``codes`` (other units and periods are ignored).
    """
    cat = ds.catalogue
    ids = pd.Index(list(cat.indicators))
    index = pd.Index(codes, name="unit_code")
    n, m = len(index), len(ids)
    obs = obs[obs["period"].to_numpy() == period]
    r = index.get_indexer(obs["unit_code"])
    c = ids.get_indexer(obs["indicator"])
    ok = (r >= 0) & (c >= 0)
    r, c = r[ok], c[ok]

    def grid(column: str, fill, dtype) -> np.ndarray:
        out = np.full((n, m), fill, dtype=dtype)
        out[r, c] = obs[column].to_numpy()[ok] if column != "value" else obs[column].to_numpy(float)[ok]
        return out

    values = grid("value", np.nan, float)
    qualifier = grid("qualifier", "", object)
    qualifier[pd.isna(qualifier)] = ""
    source, note = grid("source", "", object), grid("note", "", object)
    has_obs = np.zeros(n, dtype=bool)
    has_obs[r] = True
    unknown = np.zeros((n, m), dtype=bool)
    estimated = np.zeros((n, m), dtype=bool)
    units = ds.units.reindex(index)
    for ind in cat.derived:
        j, jn = ids.get_loc(ind.id), ids.get_loc(ind.numerator)
        numerator = values[:, jn]
        if ind.denominator in UNIT_DENOMINATORS:
            denominator = units[ind.denominator].to_numpy(float)
            den_estimated = _estimated(units, ind.denominator)
        else:
            jd = ids.get_loc(ind.denominator)
            denominator = values[:, jd]
            den_estimated = qualifier[:, jd] == "estimate"
        known = np.isfinite(denominator) & (denominator != 0)
        value = np.where(known, numerator / np.where(known, denominator, 1.0) * ind.scale, np.nan)
        has = ~np.isnan(value)
        values[:, j] = value
        inherited = np.where(qualifier[:, jn] != "", qualifier[:, jn], np.where(den_estimated, "estimate", ""))
        qualifier[:, j] = np.where(has, inherited, "")
        source[:, j] = np.where(has, source[:, jn], "")
        note[:, j] = np.where(has, note[:, jn], "")
        unknown[:, j] = ~known
        estimated[:, j] = den_estimated & has
    points = np.zeros((n, m))
    for j, ind in enumerate(cat):
        if ind.scored:
            points[:, j] = _points(ind, values[:, j])
    return Scores(period, index, ids, has_obs, values, qualifier, source, note, unknown, estimated, points)


def _points(ind: Indicator, values: np.ndarray) -> np.ndarray:
    """:meth:`Indicator.points` of each value, vectorised (the same arithmetic, so the same floats)."""
    if not ind.scored:
        return np.zeros(len(values))
    if ind.scoring == "linear":
        earned = np.maximum(0.0, np.minimum(values / 100.0, 1.0)) * ind.max_points
    elif ind.scoring == "yes_partial_no":
        earned = np.maximum(0.0, np.minimum(values, 1.0)) * ind.max_points
    else:
        earned = np.zeros(len(values))
        with np.errstate(invalid="ignore"):
            for threshold, pts in ind.steps:
                earned = np.where(values >= threshold, pts, earned)
        earned = np.minimum(earned, ind.max_points)
    return np.where(np.isnan(values), 0.0, earned)


def _max_points(cat: Catalogue) -> np.ndarray:
    return np.array([ind.max_points if ind.scored else 0.0 for ind in cat])


def _ratio(num, den):
    """``num / den`` with NaN where ``den`` is 0."""
    den = np.asarray(den, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, np.asarray(num, dtype=float) / np.where(den > 0, den, 1.0), np.nan)


def _totals(cat: Catalogue, s: Scores) -> pd.DataFrame:
    """Score, earned, coverage, target counts and pillar indices per unit (NaN without observations)."""
    maxima = _max_points(cat)
    has = ~np.isnan(s.values)
    n = len(s.codes)
    total = np.full(n, cat.max_points)
    no_obs = ~s.has_obs

    def blank(values: np.ndarray) -> np.ndarray:
        return np.where(no_obs, np.nan, values)

    earned = s.points.sum(axis=1)
    targets = np.array([np.nan if ind.target is None else ind.target for ind in cat])
    with_target = ~np.isnan(targets)
    with np.errstate(invalid="ignore"):
        met, below = s.values >= targets, s.values < targets
    columns: dict[str, np.ndarray] = {
        "score": blank(_ratio(earned, total)),
        "earned": blank(earned),
        "max_points": total,
        "coverage": blank(_ratio((has * maxima).sum(axis=1), total)),
        "targets_met": (has & with_target & met).sum(axis=1),
        "targets_not_met": (has & with_target & below).sum(axis=1),
        "targets_no_data": (~has & with_target).sum(axis=1),
    }
    pillar_of = np.array([ind.pillar for ind in cat])
    for pid in cat.pillars:
        cols = pillar_of == pid
        columns[f"pillar_{pid}"] = blank(_ratio(s.points[:, cols].sum(axis=1), np.full(n, maxima[cols].sum())))
    columns["has_data"] = s.has_obs
    return pd.DataFrame(columns, index=s.codes)


def _rank(ds: Dataset, frame: pd.DataFrame) -> pd.DataFrame:
    """Add rank, group_size and group_median_score within each unit's peer group."""
    key = dataset_index(ds).group.reindex(frame.index)
    score = frame["score"].round(12)
    frame["rank"] = score.groupby(key).rank(method="min", ascending=False).astype("Int64")
    frame["group_size"] = frame["has_data"].groupby(key).transform("sum").astype(int)
    frame["group_median_score"] = frame["score"].groupby(key).transform("median")
    return frame


def _summary(ds: Dataset, s: Scores) -> pd.DataFrame:
    cat = ds.catalogue
    totals = _totals(cat, s)
    units = ds.units.reindex(s.codes)
    frame = pd.DataFrame(
        {"name": units["name"], "district": units["district"], "province": units["province"]}, index=s.codes
    )
    frame = frame.join(totals)
    frame = _rank(ds, frame)
    district = units["district"].fillna("").astype(str).str.strip()
    frame["group_label"] = district.where(district != "", units["province"].fillna("").astype(str).str.strip())
    pillars = [f"pillar_{p}" for p in cat.pillars]
    columns = [
        "name",
        "district",
        "province",
        "score",
        "earned",
        "max_points",
        "coverage",
        "rank",
        "group_size",
        "group_median_score",
        "targets_met",
        "targets_not_met",
        "targets_no_data",
        *pillars,
        "has_data",
        "group_label",
    ]
    return frame[columns]


def _select(ds: Dataset, period: object, codes: Iterable[str] | None) -> tuple[str, list[str], pd.DataFrame]:
    """Validate the period and codes; return them with the observations to score."""
    period = str(period).strip()
    if codes is None:
        obs = ds.observations[ds.observations["period"].to_numpy() == period]
        if obs.empty:
            raise ParameterError(
                f"No unit has observations for period '{period}'. "
                f"The dataset has periods: {', '.join(ds.periods) or '(none)'}."
            )
        present = set(obs["unit_code"].unique())
        return period, [c for c in ds.units.index if c in present], obs
    unique = list(dict.fromkeys(_check_unit(ds, c) for c in codes))
    return period, unique, unit_rows(ds, unique)


def indicator_table(ds: Dataset, period: object, codes: Iterable[str] | None = None) -> pd.DataFrame:
    """Return the values of every catalogue indicator (observed and derived) for a period.

    Args:
        ds: The dataset.
        period: The period (a year, e.g. ``"2024"``).
        codes: The units to include (all of them, in this order); by default the units with
            observations in the period, in ``units.csv`` order.

    Returns:
        A wide frame: index ``unit_code``, one float column per indicator id in catalogue order,
        NaN where there is no data (including derived values whose denominator is unknown).

    Raises:
        ParameterError: when a code is unknown, or (without ``codes``) no unit has the period.
    """
    period, codes, obs = _select(ds, period, codes)
    s = score_units(ds, period, codes, obs)
    return pd.DataFrame(s.values, index=s.codes, columns=s.ids.rename(None))


def evaluate_period(ds: Dataset, period: object, codes: Iterable[str] | None = None) -> pd.DataFrame:
    """Score units for one period and rank each within its peer group.

    Ranks and medians are computed among the units passed that share a peer group (see
    :func:`peer_codes`), so passing all codes of one district ranks that district correctly.
    Units passed without observations in the period get NaN scores, no rank, and do not count
    in their group's size or median.

    Args:
        ds: The dataset.
        period: The period (a year, e.g. ``"2024"``).
        codes: The units to score; by default all units with observations in the period.

    Returns:
        One row per unit (index ``unit_code``): name, district, province, score, earned,
        max_points, coverage, rank (nullable int), group_size, group_median_score, targets_met,
        targets_not_met, targets_no_data, ``pillar_<id>`` indices in catalogue order, then
        has_data and group_label.

    Raises:
        ParameterError: when a code is unknown, or (without ``codes``) no unit has the period.
    """
    period, codes, obs = _select(ds, period, codes)
    return _summary(ds, score_units(ds, period, codes, obs))


# --------------------------------------------------------------------------- one unit


def _fmt(value: float, decimals: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if float(value).is_integer():
        return f"{value:.0f}"
    return f"{value:.{max(decimals, 1)}f}"


def _unit_table(
    ds: Dataset, code: str, current: Scores, previous: Scores | None, previous_period: str | None, units: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build the indicators table and the quality table of one unit."""
    cat = ds.catalogue
    i = current.row(code)
    peers_values = pd.DataFrame(current.values[current.has_obs], columns=current.ids)
    medians = peers_values.median()
    counts = peers_values.count()
    unit = units.loc[code]
    records, quality = [], []
    for j, ind in enumerate(cat):
        value = float(current.values[i, j])
        has = not math.isnan(value)
        prev = float(previous.values[previous.row(code), j]) if previous is not None else math.nan
        qualifier = str(current.qualifier[i, j]) if has else ""
        flags: list[tuple[str, str]] = []
        shown = _fmt(value, ind.decimals)
        if not has:
            if ind.derived and not math.isnan(current.values[i, current.ids.get_loc(ind.numerator)]):
                what = f"{ind.denominator} is not known, so {ind.id} cannot be computed"
            elif ind.derived:
                what = f"{ind.numerator} was not reported for {current.period}"
            else:
                what = f"not reported for {current.period}"
            flags.append(("no_data", what))
        if ind.derived and current.denominator_unknown[i, j]:
            if ind.denominator in UNIT_DENOMINATORS:
                raw = unit.get(ind.denominator)
                state = "is 0" if raw == 0 else "is blank"
                flags.append(("denominator_unknown", f"the unit's {ind.denominator} {state} in units.csv"))
            else:
                raw = current.values[i, current.ids.get_loc(ind.denominator)]
                state = "is 0" if raw == 0 else "was not reported"
                flags.append(("denominator_unknown", f"{ind.denominator} {state} for {current.period}"))
        if has and qualifier == "lower_bound":
            if ind.derived:
                jn = current.ids.get_loc(ind.numerator)
                detail = f"{ind.numerator} {_fmt(current.values[i, jn])} is a lower bound, so {shown} is one too"
            else:
                detail = f"{shown} is a lower bound"
            flags.append(("lower_bound", detail))
        if has and (qualifier == "estimate" or current.denominator_estimated[i, j]):
            if ind.derived and current.denominator_estimated[i, j]:
                if ind.denominator in UNIT_DENOMINATORS:
                    basis = f"the unit's {ind.denominator} {_fmt(unit.get(ind.denominator))}"
                else:
                    basis = f"{ind.denominator} {_fmt(current.values[i, current.ids.get_loc(ind.denominator)])}"
                detail = f"computed from an estimated denominator ({basis})"
                if current.qualifier[i, current.ids.get_loc(ind.numerator)] == "estimate":
                    detail = f"{ind.numerator} and {detail}"
            elif ind.derived:
                detail = f"{ind.numerator} is an estimate"
            else:
                detail = f"{shown} is an estimate"
            flags.append(("estimate", detail))
        if has and ind.derived and ind.scale == 100 and value > 100:
            jn = current.ids.get_loc(ind.numerator)
            den = (
                unit.get(ind.denominator)
                if ind.denominator in UNIT_DENOMINATORS
                else current.values[i, current.ids.get_loc(ind.denominator)]
            )
            flags.append(
                (
                    "share_above_100",
                    f"{ind.numerator} {_fmt(current.values[i, jn])} / {ind.denominator} "
                    f"{_fmt(den)} = {value:.1f}%, above 100%",
                )
            )
        if has and ind.kind == "rate" and not math.isnan(prev) and prev - value > RATE_DROP_POINTS:
            flags.append(
                (
                    "rate_drop",
                    f"fell from {_fmt(prev, ind.decimals)} to {shown} "
                    f"({prev - value:.1f} points) since {previous_period}",
                )
            )
        median, count = float(medians.iloc[j]), int(counts.iloc[j])
        if (
            has
            and ind.kind == "count"
            and count >= COUNT_OUTLIER_MIN_VALUES
            and median > 0
            and value > COUNT_OUTLIER_FACTOR * median
        ):
            flags.append(
                (
                    "count_outlier",
                    f"{shown} is {value / median:.1f}× the peer-group median {_fmt(median)} ({count} units)",
                )
            )
        records.append(
            {
                "id": ind.id,
                "pillar": ind.pillar,
                "value": value,
                "qualifier": qualifier,
                "source": str(current.source[i, j]) if has else "",
                "note": str(current.note[i, j]) if has else "",
                "points": float(current.points[i, j]),
                "max_points": float(ind.max_points) if ind.scored else 0.0,
                "has_data": has,
                "target": ind.target if ind.target is not None else math.nan,
                "target_year": ind.target_year,
                "target_source": ind.target_source,
                "meets_target": ind.meets_target(value),
                "previous_value": prev,
                "change": value - prev,
                "group_median": median,
                "flags": [f for f, _ in flags],
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
    cat = ds.catalogue
    i = current.row(code)
    has = ~np.isnan(current.values[i])
    pillar_of = np.array([ind.pillar for ind in cat])
    maxima = _max_points(cat)
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
    code = _check_unit(ds, code)
    period = str(period).strip()
    cat = ds.catalogue
    own = unit_rows(ds, [code])
    periods = sorted(own["period"].unique().tolist())
    unit = ds.units.loc[code]
    if period not in periods:
        has = f"it has data for {', '.join(periods)}" if periods else "it has no observations at all"
        raise ParameterError(f"Unit {code} ({unit['name']}) has no observations for period '{period}'; {has}.")
    earlier = [p for p in periods if p < period]
    previous_period = earlier[-1] if earlier else None

    history = {p: score_units(ds, p, [code], own) for p in periods}
    trend = _totals(cat, _stack(history))
    trend = trend[["score", "coverage", *(f"pillar_{p}" for p in cat.pillars)]].rename_axis("period")

    peers_codes = peer_codes(ds, code)
    current = score_units(ds, period, peers_codes, unit_rows(ds, peers_codes))
    summary = _summary(ds, current)
    ranked = summary[summary["has_data"]].copy()
    ranked["is_self"] = ranked.index == code
    ranked = ranked.assign(_code=ranked.index).sort_values(["rank", "_code"]).drop(columns="_code")
    previous = history.get(previous_period) if previous_period else None
    indicators, quality = _unit_table(ds, code, current, previous, previous_period, ds.units)
    pillars = _pillar_table(ds, code, current, previous, ranked)
    notes = ds.notes
    mine = notes[(notes["unit_code"] == code) & (notes["period"] == period)]
    mine = mine[[c for c in ("kind", "text", "source") if c in mine.columns]].reset_index(drop=True)

    row = summary.loc[code]
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
        group_label=_group_label(unit),
        group_median_score=float(row["group_median_score"]),
        indicators=indicators,
        pillars=pillars,
        peers=ranked,
        trend=trend,
        quality=quality,
        notes=mine,
        previous_score=previous_score,
        score_change=None if previous_score is None else score - previous_score,
    )
    log.debug(
        "evaluated %s %s (%d peers) in %.1f ms", code, period, len(peers_codes), (time.perf_counter() - started) * 1000
    )
    return result


def _stack(history: dict[str, Scores]) -> Scores:
    """Stack one unit's per-period scores into one :class:`Scores` indexed by period."""
    parts = list(history.values())
    first = parts[0]

    def cat_rows(name: str) -> np.ndarray:
        return np.concatenate([getattr(p, name) for p in parts])

    return Scores(
        period="",
        codes=pd.Index(list(history), name="period"),
        ids=first.ids,
        has_obs=cat_rows("has_obs"),
        values=cat_rows("values"),
        qualifier=cat_rows("qualifier"),
        source=cat_rows("source"),
        note=cat_rows("note"),
        denominator_unknown=cat_rows("denominator_unknown"),
        denominator_estimated=cat_rows("denominator_estimated"),
        points=cat_rows("points"),
    )
