"""Units with a lifetime: which unit a code means in a period, and a dataset's view of one period.

``units.csv`` may carry ``valid_from`` and ``valid_to`` (ISO dates, blank = open). A period belongs to
the unit alive on the period's **last day** (year 2025 → 31/12/2025): code 25882 in 2025 is the new xã
Phước Hòa, in 2024 xã Vĩnh Hòa. In a whole dataset each unit is indexed by its *key*: its code when no
other unit has that code, else ``code@valid_from`` (``code@start`` for the lifetime without a start).
:meth:`dxnb.dataset.Dataset.at` gives the view of one period, whose units are indexed by code again.

``successions.csv`` (optional) links old units to new ones: ``old_code,new_code,date,type,share,source``,
``date`` being the new unit's ``valid_from``; the old unit is the one with that code whose ``valid_to`` is
the day before.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from . import periods
from .errors import DxnbError

LIFETIME_COLUMNS = ("valid_from", "valid_to")
UNIT_EXTRA_COLUMNS = (*LIFETIME_COLUMNS, "group")
SUCCESSION_COLUMNS = ("old_code", "new_code", "date", "type", "share", "source")
SUCCESSION_TYPES = ("full", "partial")
#: The first day of the two-tier units (districts abolished).
REFORM_DATE = "2025-07-01"


def period_end(period: object) -> str:
    """The last day of a period as an ISO date: "2024" → "2024-12-31", "2025-Q3" → "2025-09-30".

    (:func:`dxnb.periods.period_end` as text.) A text that is not a period gives "9999-12-31" and belongs to no
    bounded unit.
    """
    try:
        return periods.period_end(period).isoformat()
    except DxnbError:
        return "9999-12-31"


def day_before(date: str) -> str:
    """The ISO date of the day before ``date``."""
    return (dt.date.fromisoformat(date) - dt.timedelta(days=1)).isoformat()


def parse_date(text: object) -> dt.date | None:
    """An ISO date (YYYY-MM-DD) or None when it is not one."""
    try:
        return dt.date.fromisoformat(str(text).strip()) if len(str(text).strip()) == 10 else None
    except ValueError:
        return None


def has_lifetimes(units: pd.DataFrame) -> bool:
    """Whether some unit of a (read) units frame has a lifetime bound."""
    return any(c in units.columns and (units[c].astype(str).str.strip() != "").any() for c in LIFETIME_COLUMNS)


def unit_keys(units: pd.DataFrame) -> pd.Series:
    """The key of each unit: its code when unique, else ``code@valid_from`` (``code@start`` when open)."""
    codes = units["code"].astype(str).str.strip()
    start = units["valid_from"].astype(str).str.strip() if "valid_from" in units.columns else ""
    keyed = codes + "@" + pd.Series(start, index=units.index).replace("", "start")
    return codes.where(~codes.duplicated(keep=False), keyed)


def alive_mask(units: pd.DataFrame, day: str) -> pd.Series:
    """Which units are alive on the ISO date ``day`` (blank bounds are open)."""
    start = units["valid_from"].astype(str)
    end = units["valid_to"].astype(str)
    return ((start == "") | (start <= day)) & ((end == "") | (end >= day))


def keys_of(units: pd.DataFrame, codes: pd.Series, periods: pd.Series) -> pd.Series:
    """The key of the unit each (code, period) belongs to ("" when no unit of that code is alive then).

    ``units`` is an assembled units frame (columns ``code``, ``valid_from``, ``valid_to``, indexed by key).
    """
    pairs = pd.DataFrame({"code": codes.to_numpy(), "period": periods.to_numpy()})
    distinct = pairs.drop_duplicates()
    table = units[["code", "valid_from", "valid_to"]].assign(key=units.index).reset_index(drop=True)
    merged = distinct.merge(table, on="code", how="left")
    end = merged["period"].map({p: period_end(p) for p in merged["period"].unique()})
    start, stop = merged["valid_from"].fillna(""), merged["valid_to"].fillna("")
    alive = merged["key"].notna() & ((start == "") | (start <= end)) & ((stop == "") | (stop >= end))
    found = merged[alive].drop_duplicates(["code", "period"]).set_index(["code", "period"])["key"]
    index = pd.MultiIndex.from_frame(pairs)
    return pd.Series(found.reindex(index).fillna("").to_numpy(), index=codes.index, dtype=object)


def predecessors(ds, code: str, period: str) -> list[dict]:
    """The successions into the unit ``code`` alive in ``period`` (a dataset with lifetimes).

    Each item: ``old_key``, ``old_code``, ``type``, ``share`` (float or None), ``source``, ``siblings``
    (how many units the old one went to).
    """
    whole = ds.whole
    view = ds.at(period)
    if code not in view.units.index:
        return []
    unit = view.units.loc[code]
    start = str(unit["valid_from"])
    links = whole.successions
    if not start or links.empty:
        return []
    mine = links[(links["new_code"] == code) & (links["date"] == start)]
    out = []
    before = day_before(start)
    units = whole.units
    for link in mine.itertuples():
        old = units[(units["code"] == link.old_code) & (units["valid_to"] == before)]
        if old.empty:
            continue
        siblings = int(((links["old_code"] == link.old_code) & (links["date"] == start)).sum())
        share = float(link.share) if str(link.share).strip() else None
        out.append({"old_key": old.index[0], "old_code": link.old_code, "type": link.type, "share": share,
                    "source": link.source, "siblings": siblings})  # fmt: skip
    return out


def view_of(ds, period: str):
    """The :class:`~dxnb.dataset.Dataset` of one period (see :meth:`~dxnb.dataset.Dataset.at`)."""
    from dataclasses import replace

    units = ds.units
    alive = units[alive_mask(units, period_end(period))]
    keys = set(alive.index)
    obs = ds.observations[ds.observations["unit_key"].isin(keys)].reset_index(drop=True)
    notes = ds.notes[ds.notes["unit_key"].isin(keys)].reset_index(drop=True) if "unit_key" in ds.notes else ds.notes
    scope = None if ds.scope is None else frozenset(alive.loc[alive.index.isin(ds.scope), "code"])
    view_units = alive.assign(unit_key=alive.index).set_index("code", drop=False).rename_axis(None)
    return replace(ds, units=view_units, observations=obs, notes=notes, scope=scope, period=period, parent=ds)
