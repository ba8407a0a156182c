"""Scoring: indicator values and points, totals, pillar indices and ranks within peer groups.

Everything is driven by the catalogue (``indicators.csv``): points come from
:meth:`~dxnb.catalogue.Indicator.points_of`, derived indicators from their numerator, denominator and
scale, targets from the target columns. Nothing here knows an indicator by name.

- :func:`score_units` — values (observed and derived) and points of some units in one period, as arrays.
- :func:`indicator_table` — the wide table of indicator values for a period.
- :func:`evaluate_period` — one row of scores per unit, ranked within each peer group (see :mod:`dxnb.units`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .catalogue import UNIT_DENOMINATORS, Catalogue
from .dataset import Dataset
from .errors import ParameterError
from .params import check_data_period, check_unit
from .units import group_labels, peer_keys, unit_rows


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
    #: Cells whose indicator does not apply to the unit ("không áp dụng"): left out of the maximum.
    not_applicable: np.ndarray | None = None
    #: Cells with a value but without the evidence the framework requires ("thiếu minh chứng"): no points.
    missing_evidence: np.ndarray | None = None
    #: Bonus and penalty points of each unit, within their caps (both ≥ 0).
    bonus: np.ndarray | None = None
    penalty: np.ndarray | None = None
    #: The catalogue the cells were scored with (the framework in force for the period).
    catalogue: Catalogue | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        shape = self.values.shape
        if self.not_applicable is None:
            self.not_applicable = np.zeros(shape, dtype=bool)
        if self.missing_evidence is None:
            self.missing_evidence = np.zeros(shape, dtype=bool)
        if self.bonus is None:
            self.bonus = np.zeros(shape[0])
        if self.penalty is None:
            self.penalty = np.zeros(shape[0])

    def row(self, code: str) -> int:
        """Return the row of ``code``."""
        return int(self.codes.get_loc(code))


def _estimated(units: pd.DataFrame, column: str) -> np.ndarray:
    """Whether each unit lists ``column`` in its ``estimated_fields``."""
    fields = units["estimated_fields"] if "estimated_fields" in units.columns else pd.Series("", units.index)
    fields = fields.fillna("")
    listed = {v: column in {p.strip() for p in str(v or "").split(";")} for v in fields.unique()}  # a few values
    return fields.map(listed).to_numpy(dtype=bool)


def score_units(
    ds: Dataset, period: str, codes: list[str], obs: pd.DataFrame, catalogue: Catalogue | None = None
) -> Scores:
    """Compute values (observed and derived) and points of ``codes`` in ``period``.

    ``obs`` holds at least the observations of ``codes`` (other units and periods are ignored). The catalogue is
    the framework in force for the period (:meth:`~dxnb.dataset.Dataset.catalogue_for`) unless one is given.
    An indicator that does not apply to a unit (its kind is not in ``applies_to``, or its unit denominator is 0,
    as hamlet coverage without hamlets) is marked in ``not_applicable``; a value without the evidence its
    framework requires earns nothing and is marked in ``missing_evidence``.

    Raises:
        ParameterError: when the catalogue is an incomplete framework.
    """
    cat = catalogue if catalogue is not None else ds.catalogue_for(period)
    if cat.missing:
        raise ParameterError(
            f"The framework '{cat.id}' is incomplete and cannot be scored: points are missing in "
            f"{', '.join(cat.missing[:8])}{' …' if len(cat.missing) > 8 else ''}; fill them in (see data/README.md)."
        )
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
    not_applicable = np.zeros((n, m), dtype=bool)
    kinds = units["kind"].fillna("").str.casefold().to_numpy(dtype=object)
    for j, ind in enumerate(cat):
        if ind.applies_to:
            not_applicable[:, j] = ~np.isin(kinds, list(ind.applies_to))
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
        if ind.denominator in UNIT_DENOMINATORS:
            not_applicable[:, j] |= denominator == 0  # e.g. hamlet coverage without hamlets
        unknown[:, j] = ~known & ~not_applicable[:, j]
        estimated[:, j] = den_estimated & has
    points = np.zeros((n, m))
    missing_evidence = np.zeros((n, m), dtype=bool)
    for j, ind in enumerate(cat):
        if ind.evidence_required:
            missing_evidence[:, j] = ~np.isnan(values[:, j]) & (pd.Series(source[:, j]).fillna("").str.strip() == "")
        if ind.scored:
            points[:, j] = np.where(missing_evidence[:, j] | not_applicable[:, j], 0.0, ind.points_of(values[:, j]))
    bonus, penalty = np.zeros(n), np.zeros(n)
    if cat.adjustments:
        item_ids = pd.Index([a.id for a in cat.adjustments])
        ra, ca = index.get_indexer(obs["unit_code"]), item_ids.get_indexer(obs["indicator"])
        keep = (ra >= 0) & (ca >= 0)
        reported = np.full((n, len(item_ids)), np.nan)
        reported[ra[keep], ca[keep]] = obs["value"].to_numpy(float)[keep]
        for k, item in enumerate(cat.adjustments):
            target = bonus if item.kind == "bonus" else penalty
            target += item.points_of(reported[:, k])
            has_obs[np.isfinite(reported[:, k])] = True
    return Scores(
        period, index, ids, has_obs, values, qualifier, source, note, unknown, estimated, points,
        not_applicable, missing_evidence, bonus, penalty, cat,
    )  # fmt: skip


def max_points(cat: Catalogue) -> np.ndarray:
    """Maximum points of each indicator, in catalogue order (0 for unscored ones)."""
    return cat.max_points_of()


def _ratio(num, den):
    """``num / den`` with NaN where ``den`` is 0."""
    den = np.asarray(den, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, np.asarray(num, dtype=float) / np.where(den > 0, den, 1.0), np.nan)


def totals(cat: Catalogue, s: Scores) -> pd.DataFrame:
    """Score, earned, coverage, target counts and pillar indices per unit (NaN without observations)."""
    applicable = ~s.not_applicable
    unit_maxima = max_points(cat)[None, :] * applicable  # not applicable: out of the maximum
    has = ~np.isnan(s.values)
    n = len(s.codes)
    total = unit_maxima.sum(axis=1) if n else np.zeros(0)
    no_obs = ~s.has_obs

    def blank(values: np.ndarray) -> np.ndarray:
        return np.where(no_obs, np.nan, values)

    earned = s.points.sum(axis=1)
    targets = np.array([np.nan if ind.target is None else ind.target for ind in cat])
    with_target = ~np.isnan(targets) & applicable
    with np.errstate(invalid="ignore"):
        met, below = s.values >= targets, s.values < targets
    columns: dict[str, np.ndarray] = {
        "score": blank(_ratio(earned, total)),
        "earned": blank(earned),
        "max_points": total,
        "coverage": blank(_ratio((has * unit_maxima).sum(axis=1), total)),
        "targets_met": (has & with_target & met).sum(axis=1),
        "targets_not_met": (has & with_target & below).sum(axis=1),
        "targets_no_data": (~has & with_target).sum(axis=1),
    }
    pillar_of = np.array([ind.pillar for ind in cat])
    for pid in cat.pillars:
        cols = pillar_of == pid
        columns[f"pillar_{pid}"] = blank(_ratio(s.points[:, cols].sum(axis=1), unit_maxima[:, cols].sum(axis=1)))
    columns["has_data"] = s.has_obs
    frame = pd.DataFrame(columns, index=s.codes)
    return frame.join(result_columns(cat, s, earned, total))


#: The columns :func:`totals` adds after ``has_data``: adjustments, points on the framework's scale, result class.
RESULT_COLUMNS = ("bonus", "penalty", "points", "result_class", "not_applicable", "missing_evidence")


def result_columns(cat: Catalogue, s: Scores, earned: np.ndarray, total: np.ndarray) -> pd.DataFrame:
    """Bonus, penalty, points and result class of each unit, apart from the base score.

    ``points`` is the base score on the framework's scale (its declared total; the catalogue's maximum for a
    dataset's own catalogue) plus bonus minus penalty, at least 0; the class is the best one those points reach.
    """
    no_obs = ~s.has_obs
    base = _ratio(earned, total) * cat.scale_points
    points = np.where(no_obs, np.nan, np.maximum(0.0, np.nan_to_num(base) + s.bonus - s.penalty))
    points = np.where(np.isnan(base) & (s.bonus == 0) & (s.penalty == 0), np.nan, points)
    classes = ["" if np.isnan(p) or cat.class_of(float(p)) is None else cat.class_of(float(p)).id for p in points]
    return pd.DataFrame(
        {
            "bonus": np.where(no_obs, np.nan, s.bonus),
            "penalty": np.where(no_obs, np.nan, s.penalty),
            "points": points,
            "result_class": classes,
            "not_applicable": s.not_applicable.sum(axis=1),
            "missing_evidence": s.missing_evidence.sum(axis=1),
        },
        index=s.codes,
    )


#: A unit's rank is shown only when at least this share of its peer group reports the period: ranking
#: "1/1" while the other communes' forms have not arrived says nothing.
MIN_PEER_SHARE = 0.5


def rank_is_meaningful(with_data: int, group_units: int) -> bool:
    """Whether a rank among the ``with_data`` units of a peer group of ``group_units`` that report a period says much.

    Ranks are computed only among the peers with data (see :func:`rank`); this tells whether enough of
    the group reports the period (at least :data:`MIN_PEER_SHARE` of it) for the rank to be shown.
    """
    return group_units > 0 and with_data >= MIN_PEER_SHARE * group_units


def rank(ds: Dataset, frame: pd.DataFrame) -> pd.DataFrame:
    """Add rank, group_size and group_median_score within each unit's peer group."""
    key = peer_keys(ds, frame.index)
    score = frame["score"].round(12)
    frame["rank"] = score.groupby(key).rank(method="min", ascending=False).astype("Int64")
    frame["group_size"] = frame["has_data"].groupby(key).transform("sum").astype(int)
    frame["group_median_score"] = frame["score"].groupby(key).transform("median")
    return frame


def summary(ds: Dataset, s: Scores) -> pd.DataFrame:
    """Totals of each unit of ``s`` with its name, place, rank and group label (see :func:`evaluate_period`)."""
    cat = s.catalogue if s.catalogue is not None else ds.catalogue_for(s.period)
    table = totals(cat, s)
    units = ds.units.reindex(s.codes)
    frame = pd.DataFrame(
        {"name": units["name"], "district": units["district"], "province": units["province"]}, index=s.codes
    )
    frame = frame.join(table)
    frame = rank(ds, frame)
    frame["group_label"] = group_labels(units)
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
        *RESULT_COLUMNS,
    ]
    return frame[columns]


def _select(ds: Dataset, period: object, codes: Iterable[str] | None) -> tuple[str, list[str], pd.DataFrame]:
    """Validate the period and codes; return them with the observations to score."""
    ds = ds.at(period)  # the units alive in the period (see dxnb.lifetime)
    if codes is None:
        period = check_data_period(ds, period)
        obs = ds.observations[ds.observations["period"].to_numpy() == period]
        present = set(obs["unit_code"].unique())
        return period, [c for c in ds.units.index if c in present], obs
    unique = list(dict.fromkeys(check_unit(ds, c) for c in codes))
    return str(period).strip(), unique, unit_rows(ds, unique)


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
    :func:`dxnb.units.peers`), so passing all codes of one district ranks that district correctly.
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
    ds = ds.at(period)
    return summary(ds, score_units(ds, period, codes, obs))


def stack(history: dict[str, Scores]) -> Scores:
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
        not_applicable=cat_rows("not_applicable"),
        missing_evidence=cat_rows("missing_evidence"),
        bonus=cat_rows("bonus"),
        penalty=cat_rows("penalty"),
        catalogue=first.catalogue,
    )


def align(s: Scores, catalogue: Catalogue) -> Scores:
    """``s`` with the indicators of ``catalogue`` (in its order): cells of indicators ``s`` lacks are empty.

    So that a period scored under one framework compares with another period scored under another.
    """
    ids = pd.Index(list(catalogue.indicators))
    if ids.equals(s.ids):
        return s
    pick = s.ids.get_indexer(ids)
    found = pick >= 0

    def take(array: np.ndarray, fill) -> np.ndarray:
        out = np.full((array.shape[0], len(ids)), fill, dtype=array.dtype)
        out[:, found] = array[:, pick[found]]
        return out

    return Scores(
        s.period, s.codes, ids, s.has_obs, take(s.values, np.nan), take(s.qualifier, ""), take(s.source, ""),
        take(s.note, ""), take(s.denominator_unknown, False), take(s.denominator_estimated, False),
        take(s.points, 0.0), take(s.not_applicable, False), take(s.missing_evidence, False), s.bonus, s.penalty,
        catalogue,
    )  # fmt: skip
