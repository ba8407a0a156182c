"""Units: which units are peers, and how a unit's district or province is named.

This is the one place that says which units are compared with each other (a peer group) and how a
place is written in a sentence. A peer group is the unit's district within its province; a unit
whose district is blank (after the 2025 reform, units have no district) is grouped with the units
of its province whose district is blank too, so that every unit belongs to exactly one group.

The per-dataset index (:func:`dataset_index`) holds each unit's observation rows and peer group, so
that evaluating one unit of a dataset of the whole country never scans every observation.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .text import has_place_kind, name_key, place_key

if TYPE_CHECKING:
    from .dataset import Dataset

log = logging.getLogger(__name__)

#: The unit columns that locate a unit, widest first.
PLACE_KINDS = ("province", "district")


# --------------------------------------------------------------------------- place names


def place_keys(column: pd.Series) -> pd.Series:
    """:func:`place_key` of every value of a column of place names (each distinct name keyed once)."""
    text = column.fillna("").astype(str)
    return text.map({v: place_key(v) for v in text.unique()})


def has_kind(name: object) -> bool:
    """Whether a place name already starts with its kind ("huyện Phú Giáo", "TP. Hồ Chí Minh")."""
    return has_place_kind(name)


def place_name(kind: str, name: object, lang: str, *, capital: bool = False) -> str:
    """Name a district or province in a sentence: "huyện Phú Giáo" / "Phú Giáo district".

    A name that already carries its kind ("Thành phố Thủ Dầu Một") is kept as it is; a province named
    without it takes its kind from the registry ("Hồ Chí Minh" → "thành phố Hồ Chí Minh").

    Args:
        kind: ``"district"`` or ``"province"``.
        name: The name as ``units.csv`` spells it.
        lang: ``"vi"`` or ``"en"``.
        capital: Whether to start with a capital letter (at the start of a line).
    """
    from .i18n import N_, t  # i18n is presentation; the rest of this module does not need it
    from .registry import province_kind

    if kind not in PLACE_KINDS:
        raise ValueError(f"kind must be one of {', '.join(PLACE_KINDS)}, got {kind!r}")
    name = str(name).strip()
    if kind == "province" and province_kind(name) == "thành phố":
        kind = N_("province_city")
    text = name if has_kind(name) else t(kind, lang, name=name)
    return text[:1].upper() + text[1:] if capital else text


def unit_place(unit: Mapping, lang: str = "vi", *, capital: bool = False, level: str | None = None) -> str:
    """Name a unit's place: "huyện Phú Giáo, tỉnh Bình Dương", or the province alone when it has no district.

    ``level="province"`` names the province alone in any case; ``capital`` starts with a capital letter.
    """
    from .i18n import N_

    province, district = _field(unit, "province"), _field(unit, "district")
    if district and level != "province":
        return ", ".join(
            (place_name(N_("district"), district, lang, capital=capital), place_name(N_("province"), province, lang))
        )
    return place_name(N_("province"), province, lang, capital=capital)


def places_label(units: pd.DataFrame, lang: str = "vi", level: str | None = None, *, capital: bool = True) -> str:
    """Name the place some units share: "Huyện Phú Giáo, tỉnh Bình Dương", "Tỉnh Bình Dương" or "34 tỉnh, thành phố".

    Without ``level`` the name is the narrowest place the units share (:func:`unit_place`); ``level="province"``
    names the province even when the units all lie in one district (a province was asked for).
    """
    from . import fmt
    from .i18n import tn

    provinces = units["province"].fillna("").astype(str).str.strip()
    districts = units["district"].fillna("").astype(str).str.strip()
    count = place_keys(provinces).nunique()
    if count == 1:
        one_district = place_keys(districts).nunique() == 1 and districts.iloc[0]
        place = {"province": provinces.iloc[0], "district": districts.iloc[0] if one_district else ""}
        return unit_place(place, lang, capital=capital, level=level)
    return tn("all_provinces", count, lang, n=fmt.number(count, 0, lang))


def group_label(unit: pd.Series) -> str:
    """The name of a unit's peer group: its ``group`` when given, else its district, else its province."""
    return _field(unit, "group") or _field(unit, "district") or _field(unit, "province")


def group_name(unit: Mapping, lang: str = "vi") -> str:
    """A unit's peer group as named in a sentence: the group :func:`peer_group_keys` puts it in.

    Its ``group`` as written, else its district ("huyện Phú Giáo" / "Phú Giáo district"), else its province
    ("thành phố Hồ Chí Minh").
    """
    from .i18n import N_

    group, district = _field(unit, "group"), _field(unit, "district")
    if group:
        return group
    if district:
        return place_name(N_("district"), district, lang)
    return place_name(N_("province"), _field(unit, "province"), lang)


def _field(unit: Mapping, name: str) -> str:
    """A unit's text field, "" when missing or blank."""
    value = unit.get(name, "")
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value).strip()


def group_labels(units: pd.DataFrame) -> pd.Series:
    """:func:`group_label` of every unit of a frame."""
    district = units["district"].fillna("").astype(str).str.strip()
    labels = district.where(district != "", units["province"].fillna("").astype(str).str.strip())
    if "group" in units.columns:
        group = units["group"].fillna("").astype(str).str.strip()
        labels = group.where(group != "", labels)
    return labels


# --------------------------------------------------------------------------- peer groups


def peer_group_keys(units: pd.DataFrame) -> pd.Series:
    """The peer-group key of each unit: its province and district, matched across spellings.

    A district before 1/7/2025, the province after (district blank), or the user-defined ``group``
    column when it is given (one group across districts or provinces).
    """
    keys = {}
    for column in PLACE_KINDS:
        text = units[column].fillna("").astype(str)
        keys[column] = text.map({v: name_key(v, drop_kind=False) for v in text.unique()})
    place = keys["province"] + "|" + keys["district"]
    if "group" not in units.columns:
        return place
    group = units["group"].fillna("").astype(str)
    named = "group|" + group.map({v: name_key(v, drop_kind=False) for v in group.unique()})
    return named.where(group.str.strip() != "", place)


def peer_group_key(units: pd.DataFrame, code: str) -> str:
    """The peer-group key of one unit (a code of ``units``)."""
    return peer_group_keys(units.loc[[code]]).iat[0]


def peer_scope(group_of: pd.Series, codes: Iterable[str]) -> frozenset[str]:
    """Every unit in the peer groups of ``codes``, given each unit's key (:func:`peer_group_keys`)."""
    wanted = {group_of[c] for c in codes if c in group_of.index}
    return frozenset(group_of.index[group_of.isin(wanted)])


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
    group = peer_group_keys(units)
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


def peers(ds: Dataset, code: object, period: str | None = None) -> list[str]:
    """Return the codes of the unit's peer group, the unit included, in ``units.csv`` order.

    Args:
        ds: The dataset.
        code: The unit's code.
        period: The period the comparison is for. Peer groups do not change over time yet; the
            argument is here so that a registry of units valid in a period can take it into account.

    The code must be one of the dataset's (check it first with :func:`dxnb.params.check_unit`).
    """
    index = dataset_index(ds)
    return list(index.members[index.group.at[code]])


def peer_keys(ds: Dataset, codes: Iterable[str]) -> np.ndarray:
    """The peer-group key of each of ``codes`` (known codes of ``ds``), as an array."""
    return dataset_index(ds).group.reindex(list(codes)).to_numpy()


def peers_of_all(ds: Dataset, codes: Iterable[str]) -> list[str]:
    """Every unit of the peer groups of ``codes`` (known codes), group by group."""
    index = dataset_index(ds)
    groups = list(dict.fromkeys(index.group.at[c] for c in codes))
    return [c for g in groups for c in index.members[g]]
