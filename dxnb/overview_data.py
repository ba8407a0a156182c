"""The overview's data: units chosen by district or province, and the tables behind its sections.

The tables are the ranking, the attainment per indicator, the data-quality flags, the national targets
and the score history; :class:`dxnb.overview.Overview` turns them into text, charts and tables.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from . import fmt as f
from .dataset import Dataset
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
from .i18n import N_, t, tn
from .report import check_period
from .text import name_key, nfc, vi_sort_key

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
        province = _place(N_("province"), provinces.iloc[0], lang)
        if districts.nunique() == 1 and districts.iloc[0] and level != "province":
            return _place(N_("district"), districts.iloc[0], lang, capital=True) + ", " + province
        return province[:1].upper() + province[1:]
    return tn("all_provinces", provinces.nunique(), lang, n=f.number(provinces.nunique(), 0, lang))


# --------------------------------------------------------------------------- tables


def check_data_period(ds: Dataset, period: object) -> str:
    """Return ``period`` if it is a year with data in ``ds``, else raise :class:`ParameterError`."""
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
    period = check_data_period(ds, period)
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
    period = check_data_period(ds, period)
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
    period = check_data_period(ds, period)
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
    period = check_data_period(ds, period)
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
