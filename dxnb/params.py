"""Every user-facing check and lookup of a unit, period, language, place or indicator, written once.

Notebooks, the command line and the batch all take their parameters through these functions, so
that the same mistake gets the same clear message wherever it is made. Each check returns the
cleaned value or raises :class:`~dxnb.errors.ParameterError` (or the error class asked for) saying
what is wrong and how to fix it.
"""

from __future__ import annotations

import calendar
import difflib
import functools
import inspect
import re
from collections.abc import Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import pandas as pd

from .errors import DxnbError, ParameterError, UnitNotFoundError
from .i18n import check_lang as check_lang  # the language check lives with the catalogues
from .i18n import reset_language, set_language, t, tn
from .text import name_key, nfc, vi_sort_key
from .units import place_key, place_keys
from .validate import CODE_LENGTH

if TYPE_CHECKING:
    from .dataset import Dataset

P = ParamSpec("P")
R = TypeVar("R")
_YEAR = re.compile(r"(19|20|21)[0-9][0-9]")
#: A period: a year "2025", a quarter "2025-Q3" or a month "2025-08" (ASCII digits only).
_PERIOD = re.compile(r"((?:19|20|21)[0-9][0-9])(?:-(?:[Qq]([1-4])|(0[1-9]|1[0-2])))?")
#: How a period of each length sorts among periods ending the same day: a month, then a quarter, then a year.
_SPAN_ORDER = {"month": 0, "quarter": 1, "year": 2}


# --------------------------------------------------------------------------- language and period


def check_period(period: object, *, error: type[DxnbError] = ParameterError) -> str:
    """Return ``period`` as "YYYY", "YYYY-Qn" or "YYYY-MM" (an int year is accepted), else raise ``error``.

    Args:
        period: The period a user gave (``"2024"``, ``2024``, a quarter ``"2025-Q3"`` or a month ``"2025-08"``).
        error: The error class to raise (a form tool raises :class:`~dxnb.errors.FormError`).
    """
    text = str(period).strip() if isinstance(period, (str, int)) and not isinstance(period, bool) else ""
    match = _PERIOD.fullmatch(text)
    if not match:
        raise error(t("param_period", value=repr(period)))
    return text.upper() if match.group(2) else text


def _parts(period: str) -> tuple[int, str, int]:
    """(year, span, number) of a checked period: span "year", "quarter" or "month"."""
    match = _PERIOD.fullmatch(period)
    if not match:
        raise ParameterError(t("param_period", value=repr(period)))
    year, quarter, month = match.groups()
    if quarter:
        return int(year), "quarter", int(quarter)
    if month:
        return int(year), "month", int(month)
    return int(year), "year", 0


def period_end(period: object) -> date:
    """The last day of a period: 31/12 of a year, the quarter's or the month's last day.

    Raises:
        ParameterError: when ``period`` is not a year, a quarter or a month.
    """
    year, span, number = _parts(check_period(period))
    month = 12 if span == "year" else number * 3 if span == "quarter" else number
    return date(year, month, calendar.monthrange(year, month)[1])


def period_start(period: object) -> date:
    """The first day of a period.

    Raises:
        ParameterError: when ``period`` is not a year, a quarter or a month.
    """
    year, span, number = _parts(check_period(period))
    month = 1 if span == "year" else number * 3 - 2 if span == "quarter" else number
    return date(year, month, 1)


def period_key(period: object) -> tuple:
    """A sort key ordering periods in time: by their last day, a month before the quarter and the year it ends.

    "2025-08" < "2025-Q3" < "2025-11" < "2025-12" < "2025-Q4" < "2025" < "2026-01". A text that is not a
    period sorts after every period (by its text), so sorting never fails.
    """
    text = str(period).strip()
    try:
        _, span, _ = _parts(check_period(text))
    except DxnbError:
        return (1, date.max, 0, text)
    return (0, period_end(text), _SPAN_ORDER[span], text)


def check_data_period(ds: Dataset, period: object) -> str:
    """Return ``period`` if it is a year with data in ``ds``, else raise :class:`ParameterError`."""
    period = check_period(period)
    if period not in ds.periods:
        raise ParameterError(t("param_no_data", period=period, periods=", ".join(ds.periods) or t("ds_no_periods")))
    return period


def select_periods(ds: Dataset, periods: Iterable[object] | None) -> list[str]:
    """The periods to work on, oldest first: the latest period with data by default; each one given must have data.

    Raises:
        ParameterError: when a period is not a year or has no data.
    """
    available = ds.periods
    if not periods:
        return available[-1:]
    wanted = [check_period(p) for p in periods]
    missing = [p for p in dict.fromkeys(wanted) if p not in available]
    if missing:
        raise ParameterError(
            tn(
                "param_no_data_periods",
                len(missing),
                missing=", ".join(missing),
                periods=", ".join(available) or t("ds_no_periods"),
            )
        )
    return sorted(set(wanted), key=period_key)


# --------------------------------------------------------------------------- units


def _unknown_code(units: pd.DataFrame, text: str, tail: str | None = None) -> str:
    """The message for a code no unit has, with a hint when it lost its leading zeros."""
    hint = ""
    if text.isdigit() and len(text) < CODE_LENGTH and text.zfill(CODE_LENGTH) in units.index:
        hint = t("param_lost_zero", code=text.zfill(CODE_LENGTH))
    return t("param_unknown_code", code=text, hint=hint, tail=tail or t("param_run_check"))


def check_unit_code(unit_code: object) -> str:
    """Return ``unit_code`` if it is a string of digits, else raise a clear :class:`ParameterError`."""
    if isinstance(unit_code, bool) or not isinstance(unit_code, str):
        hint = ""
        if isinstance(unit_code, (int, float)):
            guess = str(int(unit_code)).zfill(CODE_LENGTH)
            hint = t("param_code_is_text", code=guess)
        raise ParameterError(t("param_code_type", type=type(unit_code).__name__, value=repr(unit_code), hint=hint))
    if not unit_code.strip().isdigit():
        raise ParameterError(t("param_code_digits", value=repr(unit_code)))
    return unit_code.strip()


def _codes(units: pd.DataFrame) -> pd.Series:
    """The units' codes: the ``code`` column (several lifetimes may share one), else the index."""
    return units["code"] if "code" in units.columns else pd.Series(units.index, index=units.index)


def find_unit(units: pd.DataFrame, query: object) -> str:
    """Return the code of the unit matching ``query`` by code or by name (any Unicode form or tone placement).

    Raises:
        UnitNotFoundError: when nothing or several units match, with suggestions.
    """
    text = nfc(str(query)).strip()
    codes = _codes(units)
    if text in units.index or (codes == text).any():  # several lifetimes of one code: the code
        return text
    if text.isdigit():
        raise UnitNotFoundError(_unknown_code(units, text))
    key = name_key(text)
    keys = units["name"].map(name_key)
    matches = list(dict.fromkeys(codes[keys == key]))
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        first = {c: units[codes == c].iloc[-1] for c in matches}
        listed = ", ".join(f"{u['name']} ({c}, {u['district'] or u['province']})" for c, u in first.items())
        raise UnitNotFoundError(t("param_several_units", name=text, units=listed))
    close = difflib.get_close_matches(key, keys.tolist(), n=3, cutoff=0.6)
    suggestion = ""
    if close:
        names = [f"{units.loc[keys == k, 'name'].iloc[0]} ({codes[keys == k].iloc[0]})" for k in close]
        suggestion = t("param_did_you_mean", names=t("param_or").join(names))
    raise UnitNotFoundError(t("param_no_unit_named", name=text, suggestion=suggestion))


def find_units(ds: Dataset, queries: Iterable[object] | None) -> list[str]:
    """Unit codes for codes or names given by the user, first mention first; all units by default.

    Raises:
        UnitNotFoundError: when a query matches no unit or several.
    """
    if not queries:
        return list(dict.fromkeys(_codes(ds.units)))
    return list(dict.fromkeys(find_unit(ds.units, q) for q in queries))


def resolve_unit(ds: Dataset, query: object) -> str:
    """Return the code of the unit named or coded ``query``, a notebook parameter (a string).

    Raises:
        ParameterError: when ``query`` is not a string, or nothing or several units match, with suggestions.
    """
    if not isinstance(query, str) or not query.strip():
        raise ParameterError(t("param_unit_type", value=repr(query)))
    try:
        return find_unit(ds.units, query)
    except UnitNotFoundError as exc:
        raise ParameterError(str(exc)) from None


def check_unit(ds: Dataset, code: object) -> str:
    """Return ``code`` if it is the code of a unit whose observations ``ds`` holds.

    Raises:
        ParameterError: when no unit has the code, or ``ds`` was loaded for other units only.
    """
    text = str(code).strip()
    if text not in ds.units.index and (_codes(ds.units) == text).any():
        raise ParameterError(
            f"Code {text} names several units over time (see valid_from/valid_to in units.csv); "
            "give the period: work on ds.at(period)."
        )
    if text not in ds.units.index:
        tail = tn("param_dataset_units", len(ds.units), path=ds.path)
        raise ParameterError(_unknown_code(ds.units, text, tail))
    if ds.scope is not None and text not in ds.scope:
        raise ParameterError(t("param_out_of_scope", code=text))
    return text


def check_codes(ds: Dataset, codes: Iterable[object] | None) -> list[str]:
    """Return ``codes`` stripped and without repeats (every unit of ``ds`` for None); refuse unknown codes."""
    if codes is None:
        return list(dict.fromkeys(_codes(ds.units)))
    codes = list(dict.fromkeys(str(c).strip() for c in codes))
    known = set(_codes(ds.units))
    unknown = [c for c in codes if c not in ds.units.index and c not in known]
    if unknown:
        raise ParameterError(tn("param_unknown_codes", len(unknown), codes=", ".join(unknown[:10])))
    return codes


# --------------------------------------------------------------------------- places (a group of units)


def check_place_name(name: str, value: object) -> str:
    """Return a district or province parameter stripped ("" for None); refuse anything but a string."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ParameterError(t("param_place_type", name=name, value=repr(value)))
    return value.strip()


def _suggest(query: str, names: Iterable[object]) -> str:
    names = sorted({str(n) for n in names if str(n).strip()}, key=vi_sort_key)
    by_key = {place_key(n): n for n in names}
    close = difflib.get_close_matches(place_key(query), list(by_key), n=3, cutoff=0.5)
    if close:
        return t("param_did_you_mean", names=t("param_or").join(f"'{by_key[k]}'" for k in close))
    shown = ", ".join(names[:12]) + (t("param_in_all", n=len(names)) if len(names) > 12 else "")
    return t("param_dataset_has", names=shown)


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
        mask &= place_keys(units["province"]) == place_key(province)
        if not mask.any():
            raise ParameterError(
                t("param_no_province", name=province, suggestion=_suggest(province, units["province"]))
            )
    if district:
        in_district = mask & (place_keys(units["district"]) == place_key(district))
        if not in_district.any():
            where = t("param_in_province", province=province) if province else ""
            choices = units.loc[mask, "district"]
            raise ParameterError(
                t("param_no_district", name=district, where=where, suggestion=_suggest(district, choices))
            )
        provinces = units.loc[in_district, "province"].unique().tolist()
        if len(provinces) > 1:
            raise ParameterError(
                t(
                    "param_district_of_several",
                    name=district,
                    provinces=", ".join(sorted(provinces, key=vi_sort_key)),
                    example=provinces[0],
                )
            )
        mask = in_district
    return units.index[mask].tolist()


# --------------------------------------------------------------------------- indicators


def resolve_indicator(ds: Dataset, query: object) -> str:
    """Return the id of the indicator ``query``: its id, or its Vietnamese or English name.

    Raises:
        ParameterError: when nothing matches, with suggestions.
    """
    cat = ds.catalogue
    if not isinstance(query, str) or not query.strip():
        raise ParameterError(t("param_indicator_type", value=repr(query)))
    text = query.strip()
    if text in cat:
        return text
    key = name_key(text, drop_kind=False)
    for ind in cat:
        if key in (name_key(ind.name_vi, drop_kind=False), name_key(ind.name_en, drop_kind=False)):
            return ind.id
    close = difflib.get_close_matches(text.casefold(), list(cat.indicators), n=3, cutoff=0.5)
    hint = t("param_did_you_mean", names=t("param_or").join(repr(c) for c in close)) if close else t("param_see_ids")
    raise ParameterError(t("param_no_indicator", name=text, hint=hint))


# --------------------------------------------------------------------------- the language of a notebook's messages


def in_language(func: Callable[P, R]) -> Callable[P, R]:
    """Make a notebook's entry point (``CommuneReport.build``, ...) speak its ``lang`` argument.

    During the call the current language (:func:`dxnb.i18n.set_language`) is ``lang``, checked first, so
    the parameter checks and every error the call raises are worded in the notebook's language; afterwards
    the caller's language is back. Goes under ``@classmethod``.
    """
    signature = inspect.signature(func)

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        bound = signature.bind_partial(*args, **kwargs)
        lang = bound.arguments.get("lang", signature.parameters["lang"].default)
        token = set_language(check_lang(lang))
        try:
            return func(*args, **kwargs)
        finally:
            reset_language(token)

    return wrapper
