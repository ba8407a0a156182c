"""Data-quality flags: the one implementation, vectorised over units × indicators.

:func:`flag_masks` decides every flag of every (unit, indicator) cell of a :class:`~dxnb.scoring.Scores`
at once. :func:`quality_flags` lists them for many units (the overview and the explorer);
:func:`unit_flags` is the view of one unit (the commune report), the same masks read for one row,
with a short detail of the numbers behind each flag.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .catalogue import UNIT_DENOMINATORS, Catalogue, Indicator
from .dataset import Dataset
from .params import check_codes, check_data_period, period_key
from .periods import same_span
from .scoring import Scores, align, score_units
from .units import peer_keys, peers_of_all, unit_rows

#: A rate that fell by more than this many points since the previous period is flagged.
RATE_DROP_POINTS = 25.0
#: A count above this multiple of its peer-group median is flagged ...
COUNT_OUTLIER_FACTOR = 5.0
#: ... when the peer group has at least this many values for the indicator.
COUNT_OUTLIER_MIN_VALUES = 3

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


# --------------------------------------------------------------------------- the rules


def peer_medians(s: Scores, group: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The peer-group median and number of values of each cell's indicator, among units with observations.

    Args:
        s: The scores of whole peer groups.
        group: Each row's peer-group key; None when all rows are one peer group.

    Returns:
        Two (units × indicators) arrays: medians (NaN without values) and counts.
    """
    if group is None:
        peer_values = pd.DataFrame(s.values[s.has_obs], columns=s.ids)
        shape = s.values.shape
        medians = np.broadcast_to(peer_values.median().to_numpy(float), shape)
        return medians, np.broadcast_to(peer_values.count().to_numpy(), shape)
    peer_values = pd.DataFrame(np.where(s.has_obs[:, None], s.values, np.nan), columns=s.ids)
    medians = peer_values.groupby(group).transform("median").to_numpy()
    counts = peer_values.groupby(group).transform("count").to_numpy()
    return medians, counts


def flag_masks(
    cat: Catalogue, s: Scores, previous: np.ndarray, medians: np.ndarray, counts: np.ndarray
) -> dict[str, np.ndarray]:
    """Every flag of every cell: one boolean (units × indicators) array per flag, in :data:`FLAGS` order.

    Args:
        cat: The catalogue.
        s: The scores of the period.
        previous: Each unit's values in its latest earlier period with observations (NaN when none).
        medians: Peer-group medians (see :func:`peer_medians`).
        counts: Peer-group numbers of values (see :func:`peer_medians`).
    """
    inds = list(cat)
    values = s.values
    has = ~np.isnan(values)
    kind = np.array([ind.kind for ind in inds])
    derived = np.array([ind.derived for ind in inds])
    percent_share = np.array([ind.derived and ind.scale == 100 for ind in inds])
    with np.errstate(invalid="ignore"):
        return {
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


# --------------------------------------------------------------------------- many units


def quality_flags(ds: Dataset, period: object, codes: Iterable[str] | None = None) -> pd.DataFrame:
    """The data-quality flags of many units at once.

    The same flags as the evaluation of one unit (see :data:`FLAGS`): count outliers are judged
    against each unit's peer group and rate drops against each unit's own latest earlier period.
    Units without observations in the period are left out (they have no evaluation).

    Returns:
        One row per (unit, indicator, flag): ``unit_code``, ``indicator``, ``flag``, ``value``,
        ordered by unit (as passed), indicator (catalogue order) and flag (``FLAGS`` order).
    """
    period = check_data_period(ds, period)
    ds = ds.at(period)  # the units alive in the period
    codes = check_codes(ds, codes)
    peers = peers_of_all(ds, codes)
    obs = unit_rows(ds, peers)
    s = score_units(ds, period, peers, obs)
    values = s.values

    previous = np.full(values.shape, np.nan)
    cat = ds.catalogue_for(period)
    keys = obs["period"].map(period_key)  # years, quarters and months in time order
    before = (keys < period_key(period)) & obs["period"].isin(same_span(obs["period"].unique(), period))
    earlier = obs[before.to_numpy(dtype=bool)]
    if len(earlier):
        latest = earlier.groupby("unit_code")["period"].agg(lambda p: max(p, key=period_key))
        for prev_period, members in latest.groupby(latest):
            members = [c for c in members.index if c in s.codes]
            prev = align(score_units(ds, prev_period, members, obs), cat)
            previous[s.codes.get_indexer(members)] = prev.values

    medians, counts = peer_medians(s, peer_keys(ds, s.codes))
    masks = flag_masks(cat, s, previous, medians, counts)
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


# --------------------------------------------------------------------------- one unit


def _fmt(value: float, decimals: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if float(value).is_integer():
        return f"{value:.0f}"
    return f"{value:.{max(decimals, 1)}f}"


def unit_flags(
    ds: Dataset,
    code: str,
    current: Scores,
    previous: Scores | None,
    previous_period: str | None,
) -> list[list[tuple[str, str]]]:
    """The flags of one unit, per indicator in catalogue order: ``(flag, detail)`` pairs in :data:`FLAGS` order.

    Args:
        ds: The dataset.
        code: The unit.
        current: The scores of the unit's whole peer group in the period.
        previous: The unit's scores in ``previous_period`` (its latest earlier period with observations), or None.
        previous_period: That period, or None.
    """
    cat = current.catalogue or ds.catalogue_for(current.period)
    i = current.row(code)
    row = slice(i, i + 1)
    one = Scores(
        current.period,
        current.codes[row],
        current.ids,
        current.has_obs[row],
        current.values[row],
        current.qualifier[row],
        current.source[row],
        current.note[row],
        current.denominator_unknown[row],
        current.denominator_estimated[row],
        current.points[row],
    )
    prev = previous.values[previous.row(code)][None, :] if previous is not None else np.full((1, len(cat)), np.nan)
    medians, counts = peer_medians(current)
    masks = flag_masks(cat, one, prev, medians[row], counts[row])
    unit = ds.units.loc[code]
    context = _Context(current, i, unit, prev[0], previous_period, medians[0], counts[0])
    return [
        [(flag, context.detail(flag, j, ind)) for flag, mask in masks.items() if mask[0, j]]
        for j, ind in enumerate(cat)
    ]


class _Context:
    """The numbers behind one unit's flags, to explain each in a few words."""

    def __init__(self, s: Scores, i: int, unit: pd.Series, prev, previous_period, medians, counts) -> None:
        self.s, self.i, self.unit, self.prev, self.previous_period = s, i, unit, prev, previous_period
        self.medians, self.counts = medians, counts

    def value(self, indicator: str) -> float:
        return self.s.values[self.i, self.s.ids.get_loc(indicator)]

    def denominator(self, ind: Indicator) -> float:
        return self.unit.get(ind.denominator) if ind.denominator in UNIT_DENOMINATORS else self.value(ind.denominator)

    def detail(self, flag: str, j: int, ind: Indicator) -> str:
        s, i = self.s, self.i
        value = float(s.values[i, j])
        shown = _fmt(value, ind.decimals)
        if flag == "no_data":
            if ind.derived and not math.isnan(self.value(ind.numerator)):
                return f"{ind.denominator} is not known, so {ind.id} cannot be computed"
            if ind.derived:
                return f"{ind.numerator} was not reported for {s.period}"
            return f"not reported for {s.period}"
        if flag == "denominator_unknown":
            state = "is 0" if self.denominator(ind) == 0 else None
            if ind.denominator in UNIT_DENOMINATORS:
                return f"the unit's {ind.denominator} {state or 'is blank'} in units.csv"
            return f"{ind.denominator} {state or 'was not reported'} for {s.period}"
        if flag == "lower_bound":
            if ind.derived:
                return f"{ind.numerator} {_fmt(self.value(ind.numerator))} is a lower bound, so {shown} is one too"
            return f"{shown} is a lower bound"
        if flag == "estimate":
            if ind.derived and s.denominator_estimated[i, j]:
                if ind.denominator in UNIT_DENOMINATORS:
                    basis = f"the unit's {ind.denominator} {_fmt(self.unit.get(ind.denominator))}"
                else:
                    basis = f"{ind.denominator} {_fmt(self.value(ind.denominator))}"
                detail = f"computed from an estimated denominator ({basis})"
                if s.qualifier[i, s.ids.get_loc(ind.numerator)] == "estimate":
                    detail = f"{ind.numerator} and {detail}"
                return detail
            if ind.derived:
                return f"{ind.numerator} is an estimate"
            return f"{shown} is an estimate"
        if flag == "share_above_100":
            return (
                f"{ind.numerator} {_fmt(self.value(ind.numerator))} / {ind.denominator} "
                f"{_fmt(self.denominator(ind))} = {value:.1f}%, above 100%"
            )
        if flag == "rate_drop":
            prev = float(self.prev[j])
            return (
                f"fell from {_fmt(prev, ind.decimals)} to {shown} "
                f"({prev - value:.1f} points) since {self.previous_period}"
            )
        median, count = float(self.medians[j]), int(self.counts[j])
        return f"{shown} is {value / median:.1f}× the peer-group median {_fmt(median)} ({count} units)"
