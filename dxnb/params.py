"""Every user-facing check and lookup of a unit, period, language, place or indicator, written once.

Notebooks, the command line and the batch all take their parameters through these functions, so
that the same mistake gets the same clear message wherever it is made. Each check returns the
cleaned value or raises :class:`~dxnb.errors.ParameterError` (or the error class asked for) saying
what is wrong and how to fix it. What a period is and how periods sort is :mod:`dxnb.periods`.
"""

from __future__ import annotations

import difflib
import functools
import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import pandas as pd

from .errors import ParameterError, UnitNotFoundError
from .i18n import N_, reset_language, set_language, t, tn
from .i18n import check_lang as check_lang  # the language check lives with the catalogues
from .periods import check_period as check_period  # re-exported: the period checks live in periods.py
from .periods import default_candidates, same_span
from .periods import period_key as period_key  # re-exported: used across the package as params.period_key
from .periods import period_label as period_label  # re-exported: pages name periods through params
from .text import ascii_key, name_key, nfc, vi_sort_key
from .text import place_name as _bare_place_name
from .units import place_key, place_keys
from .validate import CODE_LENGTH

if TYPE_CHECKING:
    from .dataset import Dataset

P = ParamSpec("P")
R = TypeVar("R")


# --------------------------------------------------------------------------- periods with data


def check_data_period(ds: Dataset, period: object) -> str:
    """Return ``period`` if it is a year with data in ``ds``, else raise :class:`ParameterError`."""
    period = check_period(period)
    if period not in ds.periods:
        raise ParameterError(t("param_no_data", period=period, periods=", ".join(ds.periods) or t("ds_no_periods")))
    return period


#: A period is the default when more than this share of the units report it (a new year arrives unit by unit).
MOST_UNITS = 0.5
#: ``--period all`` (or ``periods=["all"]``): every period with data.
ALL_PERIODS = "all"


@dataclass(frozen=True)
class PeriodChoice:
    """The default period and why: the latest period that most units report.

    Attributes:
        period: The chosen period.
        coverage: Units with observations, per period with data (oldest first).
        units: Per period, the units counted: those of the selection alive in it (a unit formed on
            1/7/2025 is not missing from 2024, nor a former one from 2025).
    """

    period: str
    coverage: dict[str, int]
    units: dict[str, int]

    @property
    def later(self) -> list[str]:
        """Periods of the chosen one's length after it (reported by too few units to be the default)."""
        return [p for p in same_span(self.coverage, self.period) if period_key(p) > period_key(self.period)]

    def reason(self) -> str:
        """Why this period, e.g. "2024: the latest period reported by most units (11 of 11); 2025 has 1 of 11 …"."""
        n = self.units.get(self.period, 0)
        if self.coverage.get(self.period, 0) > MOST_UNITS * n:
            why = f"the latest period reported by most units ({self.coverage[self.period]} of {n})"
        else:
            why = f"no period is reported by most units; this one has the most ({self.coverage[self.period]} of {n})"
        text = f"{self.period}: {why}"
        if self.later:
            has = ", ".join(f"{p} has {self.coverage[p]} of {self.units.get(p, 0)}" for p in self.later)
            text += f"; {has} — use --period {self.later[-1]} (or --period all) to render it"
        return text


def period_coverage(ds: Dataset, codes: Iterable[str] | None = None) -> dict[str, int]:
    """The number of units (of ``codes``, default all) with observations in each period, oldest first."""
    obs = ds.observations
    if codes is not None:
        obs = obs[obs["unit_code"].isin(list(codes))]
    counts = obs.groupby("period")["unit_code"].nunique()
    return {str(p): int(counts[p]) for p in sorted(counts.index, key=period_key)}


def alive_counts(ds: Dataset, periods: Iterable[str], codes: Iterable[str] | None = None) -> dict[str, int]:
    """Per period, how many units (of ``codes``, default all) exist in it (:meth:`dxnb.dataset.Dataset.at`)."""
    wanted = None if codes is None else set(codes)
    counts = {}
    for period in periods:
        alive = set(_codes(ds.at(period).units))
        counts[period] = len(alive if wanted is None else alive & wanted)
    return counts


def default_period(ds: Dataset, codes: Iterable[str] | None = None) -> PeriodChoice:
    """The latest period that most (over half) of the units of ``codes`` report; else the one most report.

    A plain run then renders the year most units have, not the one commune whose new form came first.
    Each period counts the units alive in it. Years come first: the latest year most units report, else
    the latest such quarter, else month (:func:`dxnb.periods.default_candidates`), so a monthly index
    beside the yearly evaluation (766 by month) does not replace the year.

    Raises:
        ParameterError: when the dataset (or the selection) has no observations at all.
    """
    codes = None if codes is None else list(codes)
    coverage = period_coverage(ds, codes)
    if not coverage:
        raise ParameterError(t("param_no_observations"))
    alive = alive_counts(ds, coverage, codes)

    most: list[str] = []
    for group in default_candidates(coverage):  # years, else quarters, else months
        most = [p for p in group if coverage[p] > MOST_UNITS * alive[p]]
        if most:
            break
    shares = {p: n / alive[p] if alive[p] else 0.0 for p, n in coverage.items()}
    period = most[-1] if most else max(reversed(list(coverage)), key=shares.__getitem__)
    return PeriodChoice(period, coverage, alive)


def select_periods(ds: Dataset, periods: Iterable[object] | None, codes: Iterable[str] | None = None) -> list[str]:
    """The periods to work on, oldest first; each one given must have data.

    By default the latest period that most units (of ``codes``) report (:func:`default_period`);
    ``"all"`` means every period with data.

    Raises:
        ParameterError: when a period is not a year or has no data.
    """
    available = ds.periods
    if not periods:
        return [default_period(ds, codes).period]
    periods = list(periods)
    if any(isinstance(p, str) and p.strip().casefold() == ALL_PERIODS for p in periods):
        return list(available)
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


def _unit_where(units: pd.DataFrame, key: object) -> str:
    """A unit's name, code and place ("An Long (25870, Phú Giáo, Bình Dương)"), to tell candidates apart."""
    row = units.loc[key]
    code = row["code"] if "code" in units.columns else key
    place = ", ".join(str(row[col]) for col in ("district", "province") if str(row[col] or ""))
    return f"{row['name']} ({code}{', ' + place if place else ''})"


def _codes(units: pd.DataFrame) -> pd.Series:
    """The units' codes: the ``code`` column (several lifetimes may share one), else the index."""
    return units["code"] if "code" in units.columns else pd.Series(units.index, index=units.index)


def find_unit(units: pd.DataFrame, query: object) -> str:
    """Return the code of the unit matching ``query`` by code or by name (any Unicode form or tone placement).

    A name typed without diacritics ("vinh hoa") matches when no name matches exactly and it fits one
    unit only; when it fits several ("An Long" and "Ân Long"), the error lists them with their place.

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
    loose = False
    if not (keys == key).any():
        keys = units["name"].map(ascii_key)
        key = ascii_key(text)
        loose = True
    found = keys == key
    matches = list(dict.fromkeys(codes[found]))
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        latest = {c: units.index[found & (codes == c)][-1] for c in matches}  # the latest lifetime of each code
        listed = ", ".join(_unit_where(units, k) for k in latest.values())
        message = N_("param_several_units_loose") if loose else N_("param_several_units")
        raise UnitNotFoundError(t(message, name=text, units=listed))
    loose_keys = units["name"].map(ascii_key)
    close = difflib.get_close_matches(ascii_key(text), loose_keys.tolist(), n=3, cutoff=0.6)
    suggestion = ""
    if close:
        names = [_unit_where(units, units.index[loose_keys == k][-1]) for k in dict.fromkeys(close)]
        suggestion = t("param_did_you_mean", names=t("param_or").join(names))
    raise UnitNotFoundError(t("param_no_unit_named", name=text, suggestion=suggestion))


def find_units(ds: Dataset, queries: Iterable[object] | None, periods: Iterable[str] | None = None) -> list[str]:
    """Unit codes for codes or names given by the user, first mention first; all units by default.

    With ``periods``, a name is first looked for among the units alive in them: "Phước Hòa" in 2025 is the
    new commune 25882, not also the former 25885 (a name that means two codes in those periods stays ambiguous).

    Raises:
        UnitNotFoundError: when a query matches no unit or several.
    """
    if not queries:
        return list(dict.fromkeys(_codes(ds.units)))
    periods = list(periods or [])
    return list(dict.fromkeys(_find_in_periods(ds, q, periods) for q in queries))


def _find_in_periods(ds: Dataset, query: object, periods: list[str]) -> str:
    if not periods:
        return find_unit(ds.units, query)
    found, first_error = set(), None
    for period in periods:
        try:
            found.add(find_unit_in(ds, query, period))
        except (UnitNotFoundError, ParameterError) as exc:
            first_error = first_error or exc
    if len(found) == 1:
        return found.pop()
    if not found and first_error is not None:
        raise first_error  # what find_unit_in says: no such unit, or one of another lifetime
    return find_unit(ds.units, query)  # several: the whole dataset's answer, with its candidates


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


def _lives(units: pd.DataFrame) -> str:
    """The lifetimes of some units: "Vĩnh Hòa (25882) … – 2025-06-30"."""
    return ", ".join(f"{u.name} ({u.code}) {u.valid_from or '…'} – {u.valid_to or '…'}" for u in units.itertuples())


def check_alive(ds: Dataset, codes: list[str], periods: list[str]) -> None:
    """Refuse units that exist in none of ``periods`` (units with a lifetime, see :mod:`dxnb.lifetime`)."""
    gone = [c for c in codes if not any(c in ds.at(p).units.index for p in periods)]
    if gone:
        lives = _lives(ds.units[ds.units["code"].isin(gone)])
        raise ParameterError(
            tn("batch_not_alive", len(gone), codes=", ".join(gone), periods=", ".join(periods), lives=lives)
        )


def find_unit_in(ds: Dataset, query: object, period: str) -> str:
    """The code of the unit named or coded ``query`` among the units alive in ``period``.

    A name two lifetimes share ("Phước Hòa" until 30/6/2025 and the new Phước Hòa) is the one alive in
    the period; a unit of another lifetime only is refused with its lifetime.

    Raises:
        UnitNotFoundError: when no unit alive in the period matches, or several do.
        ParameterError: when the unit lived outside the period only.
    """
    view = ds.at(period)
    try:
        return find_unit(view.units, query)
    except UnitNotFoundError:
        if view is ds:
            raise
        try:
            code = find_unit(ds.units, query)
        except UnitNotFoundError:
            code = None
        if code is None:
            raise
        check_alive(ds, [code], [period])
        # the code lives in the period, under another name: the name is a former unit's (Vĩnh Hòa → Phước Hòa)
        now = view.units.loc[code]
        others = ds.units[(ds.units["code"] == code) & (ds.units["name"] != now["name"])]
        raise UnitNotFoundError(
            t(
                "param_other_lifetime",
                name=nfc(str(query)).strip(),
                code=code,
                period=period,
                lives=_lives(others),
                now=str(now["name"]),
            )
        ) from None


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


def _place_ascii_key(text: object) -> str:
    """:func:`~dxnb.text.place_key` without diacritics: "phu giao" for "Huyện Phú Giáo"."""
    return ascii_key(_bare_place_name(str(text or "")), drop_kind=False)


def _suggest(query: str, names: Iterable[object]) -> str:
    names = sorted({str(n) for n in names if str(n).strip()}, key=vi_sort_key)
    by_key = {_place_ascii_key(n): n for n in names}
    close = difflib.get_close_matches(_place_ascii_key(query), list(by_key), n=3, cutoff=0.5)
    if close:
        return t("param_did_you_mean", names=t("param_or").join(f"'{by_key[k]}'" for k in close))
    shown = ", ".join(names[:12]) + (t("param_in_all", n=len(names)) if len(names) > 12 else "")
    return t("param_dataset_has", names=shown)


def _match_place(column: pd.Series, query: str, kind: str, within: pd.Series) -> pd.Series:
    """Rows of ``column`` (among ``within``) naming the place ``query``: exactly, else without diacritics.

    Raises:
        ParameterError: when ``query`` without diacritics fits places spelled differently ("Tân An", "Tấn An").
    """
    exact = within & (place_keys(column) == place_key(query))
    if exact.any():
        return exact
    folded = column.fillna("").astype(str)
    folded = folded.map({v: _place_ascii_key(v) for v in folded.unique()})
    loose = within & (folded == _place_ascii_key(query))
    spellings = sorted({place_key(v): v for v in column[loose]}.values(), key=vi_sort_key)
    if len(spellings) > 1:
        raise ParameterError(
            f"'{query}' without diacritics fits several {kind}s: {', '.join(spellings)}; type the name with its "
            "diacritics."
        )
    return loose


def select_units(ds: Dataset, district: object = None, province: object = None) -> list[str]:
    """Return the codes of the units of a district and/or province, in ``units.csv`` order.

    Names match across Unicode forms, tone-mark placement and case, with or without "huyện" or
    "tỉnh" in front, and without diacritics ("phu giao") when that fits one spelling only.
    Empty or None means no filter: every unit of the dataset.

    Raises:
        ParameterError: when a name is not a string, matches nothing (with suggestions), fits several
            names once its diacritics are dropped, or names districts of several provinces while no
            province is given.
    """
    district = check_place_name("district", district)
    province = check_place_name("province", province)
    units = ds.units
    mask = pd.Series(True, index=units.index)
    if province:
        mask = _match_place(units["province"], province, "province", mask)
        if not mask.any():
            raise ParameterError(
                t("param_no_province", name=province, suggestion=_suggest(province, units["province"]))
            )
    if district:
        in_district = _match_place(units["district"], district, "district", mask)
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


def resolve_indicator(ds: Dataset, query: object, period: object = None) -> str:
    """Return the id of the indicator ``query``: its id, or its Vietnamese or English name.

    Args:
        ds: The dataset.
        query: An indicator id or name.
        period: Look in the framework in force for this period (:meth:`~dxnb.dataset.Dataset.catalogue_for`);
            None: the dataset's own catalogue.

    Raises:
        ParameterError: when nothing matches, with suggestions.
    """
    cat = ds.catalogue if period is None else ds.catalogue_for(period)
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
