"""Numbers and dates for readers: Vietnamese style in ``vi`` (92,4%; 1.083), English in ``en``.

All formatting goes through babel, so separators follow CLDR rather than hand-written rules.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import math
from typing import TYPE_CHECKING

import pandas as pd
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

if TYPE_CHECKING:
    from .catalogue import Indicator

LANGS = ("vi", "en")
_LOCALES = {"vi": "vi_VN", "en": "en_US"}
NO_DATA = {"vi": "không có số liệu", "en": "no data"}
DASH = "—"
_YPN = {"vi": {1.0: "có", 0.5: "một phần", 0.0: "không"}, "en": {1.0: "yes", 0.5: "partly", 0.0: "no"}}


def locale(lang: str) -> str:
    """Return the babel locale of a report language."""
    return _LOCALES[lang]


def missing(value: object) -> bool:
    """Whether ``value`` is absent (None, NaN, NaT or pandas' NA)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # not a scalar
        return False


@functools.lru_cache(maxsize=1 << 16)
def _pattern_text(rounded: str, pattern: str, locale_name: str) -> str:
    return format_decimal(decimal.Decimal(rounded), format=pattern, locale=locale_name)


def _decimal_text(value: float, pattern: str, decimals: int, lang: str) -> str:
    """``format_decimal(value, pattern)``, each distinct rounded value formatted once (babel is slow per call).

    Babel rounds ``Decimal(str(value))`` to the pattern's decimals with the context's rounding (half to even);
    rounding the same way first gives the same text, and a page of thousands of values few distinct ones.
    """
    try:
        rounded = decimal.Decimal(str(value)).quantize(decimal.Decimal(1).scaleb(-decimals))
    except (decimal.InvalidOperation, ValueError, TypeError):  # infinite, huge or not a number: as babel says
        return format_decimal(value, format=pattern, locale=_LOCALES[lang])
    return _pattern_text(str(rounded), pattern, _LOCALES[lang])  # the text keeps -0.00 apart from 0.00


def number(value: float | None, decimals: int = 0, lang: str = "vi", *, keep_zeros: bool = False) -> str:
    """Format a number: ``number(1083) == "1.083"``, ``number(92.4, 1) == "92,4"``.

    Trailing zeros of the fraction are dropped unless ``keep_zeros`` (``100`` rather than ``100,0``).
    """
    if missing(value):
        return DASH
    if decimals <= 0:
        pattern = "#,##0"
    else:
        pattern = "#,##0." + ("0" if keep_zeros else "#") * decimals
    return _decimal_text(value, pattern, max(decimals, 0), lang)


def percent(value: float | None, decimals: int = 1, lang: str = "vi") -> str:
    """Format a percentage given in percent: ``percent(92.4) == "92,4%"``."""
    if missing(value):
        return DASH
    return f"{number(value, decimals, lang)}%"


def share(value: float | None, lang: str = "vi") -> str:
    """Format a share given on 0–1 as a percentage: ``share(0.924) == "92,4%"``."""
    return DASH if missing(value) else percent(value * 100, 1, lang)


def index(value: float | None, lang: str = "vi") -> str:
    """Format an index on 0–1 with two decimals: ``index(0.6234) == "0,62"``."""
    if missing(value):
        return DASH
    return _decimal_text(value, "0.00", 2, lang)


def signed(
    value: float | None, decimals: int = 1, lang: str = "vi", suffix: str = "", *, keep_zeros: bool = False
) -> str:
    """Format a change with its sign: ``+3,2``, ``−1``, ``0``."""
    if missing(value):
        return DASH
    if round(value, decimals) == 0:
        return f"{number(0, decimals, lang, keep_zeros=keep_zeros)}{suffix}"
    sign = "+" if value > 0 else "−"
    return f"{sign}{number(abs(value), decimals, lang, keep_zeros=keep_zeros)}{suffix}"


#: English plurals whose singular is not the word less its "s" or "es" (the catalogues' ``unit_en`` is a plural).
IRREGULAR_SINGULARS = {
    "people": "person",
    "persons": "person",
    "children": "child",
    "men": "man",
    "women": "woman",
    "series": "series",
    "premises": "premises",
    "species": "species",
    "analyses": "analysis",
    "statuses": "status",
    "buses": "bus",
    "censuses": "census",
    "campuses": "campus",
    "caches": "cache",
    "niches": "niche",
}
_ES_ENDINGS = ("sses", "shes", "ches", "xes", "zzes")


def singular_en(unit: str) -> str:
    """The singular of an English unit written in the plural: "classes" → "class", "meetings" → "meeting".

    Only the last word changes ("training classes" → "training class"); a unit with "per" or "/" (a ratio such as
    "per 1000 adults") or without a plural ending is returned as it is. Irregular words: :data:`IRREGULAR_SINGULARS`.
    """
    head, _, word = unit.rpartition(" ")
    if not word or "per" in unit.split() or "/" in unit or "%" in unit:
        return unit
    lower = word.lower()
    if lower in IRREGULAR_SINGULARS:
        one = IRREGULAR_SINGULARS[lower]
        one = one[:1].upper() + one[1:] if word[:1].isupper() else one
    elif lower.endswith("ies") and len(lower) > 4:
        one = word[:-3] + "y"
    elif lower.endswith(_ES_ENDINGS):
        one = word[:-2]
    elif lower.endswith("s") and not lower.endswith("ss"):
        one = word[:-1]
    else:
        return unit
    return f"{head} {one}" if head else one


def unit_for(val: float, indicator: Indicator, lang: str = "vi") -> str:
    """The indicator's unit as written after the value ``val``: English singular for exactly 1 ("1 class")."""
    unit = indicator.unit(lang)
    if lang == "en" and unit and abs(round(float(val), indicator.decimals)) == 1:
        return singular_en(unit)
    return unit


def value(val: float | None, indicator: Indicator, lang: str = "vi", *, with_unit: bool = False) -> str:
    """Format an indicator's value by its kind (rate, count, ratio, yes/partial/no).

    With ``with_unit``, the unit follows the number: "3 lớp", "3 classes", and in English "1 class" (the
    catalogue's ``unit_en`` is a plural; :func:`singular_en` gives the singular).
    """
    if missing(val):
        return DASH
    if indicator.kind == "rate":
        return percent(val, indicator.decimals or 1, lang)
    if indicator.kind == "yes_partial_no":
        return _YPN[lang].get(float(val), number(val, 1, lang))
    text = number(val, indicator.decimals, lang)
    unit = unit_for(val, indicator, lang) if with_unit else ""
    return f"{text} {unit}" if unit else text


def date(day: dt.date, lang: str = "vi") -> str:
    """Format a date: ``28/8/2024`` in Vietnamese, ``28 August 2024`` in English."""
    return format_date(day, format="d/M/yyyy" if lang == "vi" else "d MMMM yyyy", locale=_LOCALES[lang])


def timestamp(moment: dt.datetime, lang: str = "vi") -> str:
    """Format a time of generation: ``28/11/2026 22:53``."""
    pattern = "d/M/yyyy HH:mm" if lang == "vi" else "d MMMM yyyy, HH:mm"
    return format_datetime(moment, format=pattern, locale=_LOCALES[lang])
