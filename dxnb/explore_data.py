"""The explorer's data: the tables behind its steps (its parameters are checked by :mod:`dxnb.params`).

The tables compare the units on one indicator, follow it over the years, and list outliers and missing data;
:class:`dxnb.explore.Explorer` turns them into text, charts and tables.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .dataset import Dataset
from .i18n import N_
from .params import resolve_indicator as resolve_indicator  # alias: explore.py imports it from here
from .params import resolve_unit as resolve_unit  # alias: explore.py imports it from here
from .periods import earlier
from .scoring import score_units
from .text import vi_sort_key
from .units import unit_rows

#: Tukey's fences: a value beyond the quartiles by this many interquartile ranges is an outlier.
OUTLIER_IQR = 1.5
#: Fewest values needed to look for outliers.
OUTLIER_MIN_VALUES = 4


# --------------------------------------------------------------------------- tables


def compare_table(ds: Dataset, indicator: str, period: str, codes: Sequence[str]) -> pd.DataFrame:
    """One indicator for a group of units in one period, highest value first.

    Returns:
        Index ``unit_code``; columns ``name``, ``value`` (NaN without data), ``qualifier``,
        ``source``, ``points``, ``max_points``, ``meets_target`` (True, False or None), ``rank``
        (by value, highest first, ties share the best rank; missing without data) and
        ``has_data`` (the unit has observations in the period).
    """
    ind = ds.catalogue_for(period)[indicator]  # the framework in force for the period
    codes = list(codes)
    s = score_units(ds, period, codes, unit_rows(ds, codes))
    j = s.ids.get_loc(indicator)
    frame = pd.DataFrame(
        {
            "name": ds.units["name"].reindex(codes).to_numpy(),
            "value": s.values[:, j],
            "qualifier": s.qualifier[:, j],
            "source": s.source[:, j],
            "points": s.points[:, j],
            "max_points": float(ind.max_points) if ind.scored else 0.0,
            "has_data": s.has_obs,
        },
        index=pd.Index(codes, name="unit_code"),
    )
    frame["meets_target"] = pd.Series([ind.meets_target(v) for v in frame["value"]], index=frame.index, dtype=object)
    frame["rank"] = frame["value"].rank(method="min", ascending=False).astype("Int64")
    names = frame["name"].map(vi_sort_key)
    order = sorted(
        range(len(frame)),
        key=lambda i: (math.isnan(frame["value"].iat[i]), -np.nan_to_num(frame["value"].iat[i]), names.iat[i]),
    )
    return frame.iloc[order]


def indicator_history(ds: Dataset, indicator: str, codes: Sequence[str], periods: Sequence[str] | None = None):
    """One indicator's values for units (rows, as given) over periods (columns, oldest first); NaN without data.

    By default the periods whose framework has the indicator (:func:`indicator_periods`); a period given whose
    framework lacks it is a column of NaN.
    """
    periods = list(periods) if periods is not None else indicator_periods(ds, indicator)
    codes = list(codes)
    obs = unit_rows(ds, codes)
    columns = {}
    for period in periods:
        if indicator not in ds.catalogue_for(period):
            columns[period] = np.full(len(codes), np.nan)
            continue
        s = score_units(ds, period, codes, obs)
        columns[period] = s.values[:, s.ids.get_loc(indicator)]
    return pd.DataFrame(columns, index=pd.Index(codes, name="unit_code"))


def indicator_periods(ds: Dataset, indicator: str, period: str | None = None) -> list[str]:
    """The periods with data whose framework has ``indicator``, oldest first.

    With ``period``: only those of its length up to it (a year's history holds years; :mod:`dxnb.periods`).
    """
    periods = [p for p in ds.periods if indicator in ds.catalogue_for(p)]
    if period is None:
        return periods
    return [*earlier(periods, period), period] if period in periods else earlier(periods, period)


def find_outliers(values: pd.Series, factor: float = OUTLIER_IQR) -> tuple[pd.DataFrame, float, float]:
    """Values outside Tukey's fences (quartiles widened by ``factor`` × the interquartile range).

    Returns:
        The outliers (columns ``value`` and ``direction``: ``"high"`` or ``"low"``; most extreme
        first) and the two fences. With fewer than :data:`OUTLIER_MIN_VALUES` values, no outliers
        and NaN fences.
    """
    clean = values.dropna()
    empty = pd.DataFrame({"value": pd.Series(dtype=float), "direction": pd.Series(dtype=str)})
    if len(clean) < OUTLIER_MIN_VALUES:
        return empty, math.nan, math.nan
    q1, q3 = clean.quantile(0.25), clean.quantile(0.75)
    low, high = q1 - factor * (q3 - q1), q3 + factor * (q3 - q1)
    outside = clean[(clean < low) | (clean > high)]
    if outside.empty:
        return empty, float(low), float(high)
    frame = pd.DataFrame({"value": outside, "direction": np.where(outside > high, N_("high"), N_("low"))})
    distance = np.where(frame["direction"] == "high", frame["value"] - high, low - frame["value"])
    return frame.iloc[np.argsort(-distance, kind="stable")], float(low), float(high)


def missing_table(ds: Dataset, period: str, codes: Sequence[str]) -> pd.DataFrame:
    """Per indicator, the units with observations in the period but no value for it.

    Returns:
        Index ``indicator`` (most gaps first, then catalogue order), columns ``missing`` (a count)
        and ``codes``; only indicators with gaps.
    """
    codes = list(codes)
    s = score_units(ds, period, codes, unit_rows(ds, codes))
    gaps = np.isnan(s.values) & s.has_obs[:, None]
    rows = [
        {"indicator": iid, "missing": int(gaps[:, j].sum()), "codes": s.codes[gaps[:, j]].tolist()}
        for j, iid in enumerate(s.ids)
        if gaps[:, j].any()
    ]
    frame = pd.DataFrame(rows, columns=["indicator", "missing", "codes"]).set_index("indicator")
    return frame.sort_values("missing", ascending=False, kind="stable")
