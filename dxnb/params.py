"""Every user-facing check and lookup of a unit, period, language, place or indicator, written once.

Notebooks, the command line and the batch all take their parameters through these functions, so
that the same mistake gets the same clear message wherever it is made. Each check returns the
cleaned value or raises :class:`~dxnb.errors.ParameterError` (or the error class asked for) saying
what is wrong and how to fix it.
"""

from __future__ import annotations

import calendar
import difflib
import re
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

from .errors import DxnbError, ParameterError, UnitNotFoundError
from .i18n import check_lang as check_lang  # the language check lives with the catalogues
from .text import name_key, nfc, vi_sort_key
from .units import place_key, place_keys
from .validate import CODE_LENGTH

if TYPE_CHECKING:
    from .dataset import Dataset

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
        raise error(
            f'period must be a year such as "2024", a quarter such as "2025-Q3" or a month such as "2025-08", '
            f"got {period!r}: that is not a period."
        )
    return text.upper() if match.group(2) else text


def _parts(period: str) -> tuple[int, str, int]:
    """(year, span, number) of a checked period: span "year", "quarter" or "month"."""
    match = _PERIOD.fullmatch(period)
    if not match:
        raise ParameterError(f"'{period}' is not a period (a year, a quarter such as 2025-Q3 or a month 2025-08).")
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
        raise ParameterError(f"No data for period {period}; periods with data: {', '.join(ds.periods) or 'none'}.")
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
            f"No data for period(s) {', '.join(missing)}; periods with data: {', '.join(available) or 'none'}."
        )
    return sorted(set(wanted), key=period_key)


# --------------------------------------------------------------------------- units


def _unknown_code(units: pd.DataFrame, text: str, tail: str = "Run `dxnb check` to list the units.") -> str:
    """The message for a code no unit has, with a hint when it lost its leading zeros."""
    hint = ""
    if text.isdigit() and len(text) < CODE_LENGTH and text.zfill(CODE_LENGTH) in units.index:
        hint = f" — did it lose its leading zero? The unit is '{text.zfill(CODE_LENGTH)}'"
    return f"No unit has the code '{text}'{hint}. {tail}"


def check_unit_code(unit_code: object) -> str:
    """Return ``unit_code`` if it is a string of digits, else raise a clear :class:`ParameterError`."""
    if isinstance(unit_code, bool) or not isinstance(unit_code, str):
        hint = ""
        if isinstance(unit_code, (int, float)):
            guess = str(int(unit_code)).zfill(CODE_LENGTH)
            hint = (
                f' Codes are text and keep leading zeros: pass unit_code="{guess}" (with papermill: '
                f"-r unit_code {guess}, not -p)."
            )
        raise ParameterError(
            f"unit_code must be a string of digits, got {type(unit_code).__name__} {unit_code!r}.{hint}"
        )
    if not unit_code.strip().isdigit():
        raise ParameterError(f'unit_code must be a string of digits such as "25882", got {unit_code!r}.')
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
        raise UnitNotFoundError(f"'{text}' names several units: {listed}. Use the code instead.")
    close = difflib.get_close_matches(key, keys.tolist(), n=3, cutoff=0.6)
    suggestion = ""
    if close:
        names = [f"{units.loc[keys == k, 'name'].iloc[0]} ({codes[keys == k].iloc[0]})" for k in close]
        suggestion = " Did you mean " + " or ".join(names) + "?"
    raise UnitNotFoundError(f"No unit is named '{text}'.{suggestion}")


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
        raise ParameterError(
            f'unit must be a unit name or code in quotes, such as "Vĩnh Hòa" or "25882"; got {query!r}.'
        )
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
        tail = f"The dataset {ds.path} has {len(ds.units)} units; run `dxnb check` to list them."
        raise ParameterError(_unknown_code(ds.units, text, tail))
    if ds.scope is not None and text not in ds.scope:
        raise ParameterError(
            f"The dataset was loaded for other units' reports and lacks the observations of unit {text}; "
            "load it whole (load_dataset without units=) to evaluate this unit."
        )
    return text


def check_codes(ds: Dataset, codes: Iterable[object] | None) -> list[str]:
    """Return ``codes`` stripped and without repeats (every unit of ``ds`` for None); refuse unknown codes."""
    if codes is None:
        return list(dict.fromkeys(_codes(ds.units)))
    codes = list(dict.fromkeys(str(c).strip() for c in codes))
    known = set(_codes(ds.units))
    unknown = [c for c in codes if c not in ds.units.index and c not in known]
    if unknown:
        raise ParameterError(f"Unknown unit code(s): {', '.join(unknown[:10])}. Run `dxnb check` to list the units.")
    return codes


# --------------------------------------------------------------------------- places (a group of units)


def check_place_name(name: str, value: object) -> str:
    """Return a district or province parameter stripped ("" for None); refuse anything but a string."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ParameterError(f'{name} must be a name in quotes such as "Phú Giáo", or "" for all; got {value!r}.')
    return value.strip()


def _suggest(query: str, names: Iterable[object]) -> str:
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
        mask &= place_keys(units["province"]) == place_key(province)
        if not mask.any():
            raise ParameterError(f"No province is named '{province}'.{_suggest(province, units['province'])}")
    if district:
        in_district = mask & (place_keys(units["district"]) == place_key(district))
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


# --------------------------------------------------------------------------- indicators


def resolve_indicator(ds: Dataset, query: object) -> str:
    """Return the id of the indicator ``query``: its id, or its Vietnamese or English name.

    Raises:
        ParameterError: when nothing matches, with suggestions.
    """
    cat = ds.catalogue
    if not isinstance(query, str) or not query.strip():
        raise ParameterError(
            f'indicator must be an indicator id in quotes, such as "household_fibre_rate"; got {query!r}.'
        )
    text = query.strip()
    if text in cat:
        return text
    key = name_key(text, drop_kind=False)
    for ind in cat:
        if key in (name_key(ind.name_vi, drop_kind=False), name_key(ind.name_en, drop_kind=False)):
            return ind.id
    close = difflib.get_close_matches(text.casefold(), list(cat.indicators), n=3, cutoff=0.5)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else " See the ids in data/indicators.csv."
    raise ParameterError(f"No indicator is called '{text}'.{hint}")
