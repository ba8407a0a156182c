"""Periods: what a period is (a year "2025", a quarter "2025-Q3", a month "2025-08"), its bounds and its order.

Pure text and dates, no dataset: :func:`check_period` checks what a user typed, :func:`period_start` and
:func:`period_end` give a period's first and last day, :func:`period_key` sorts periods in time,
:func:`period_label` names a period as readers do ("Quý III/2025", "August 2025").

A dataset may hold a yearly evaluation and a monthly index (the 766 service index) side by side: a period's
history, its previous period and the default period look at the periods of its own length only
(:func:`span`, :func:`same_span`, :func:`earlier`, :func:`default_candidates`), so a yearly report never
compares with a month, nor a month with a year. The checks
of a period against a dataset (:func:`dxnb.params.check_data_period`, the default period) are in
:mod:`dxnb.params`, which re-exports :func:`check_period` and :func:`period_key`.
"""

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Iterable
from datetime import date

from .errors import DxnbError, ParameterError
from .i18n import N_, t

_YEAR = re.compile(r"(19|20|21)[0-9][0-9]")
#: A period: a year "2025", a quarter "2025-Q3" or a month "2025-08" (ASCII digits only).
_PERIOD = re.compile(r"((?:19|20|21)[0-9][0-9])(?:-(?:[Qq]([1-4])|(0[1-9]|1[0-2])))?")
#: How a period of each length sorts among periods ending the same day: a month, then a quarter, then a year.
_SPAN_ORDER = {"month": 0, "quarter": 1, "year": 2}


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
    return _period_key(str(period).strip())


@functools.lru_cache(maxsize=4096)
def _period_key(text: str) -> tuple:
    """:func:`period_key` of a stripped text (cached: tables map it over every observation's period)."""
    try:
        _, span, _ = _parts(check_period(text))
    except DxnbError:
        return (1, date.max, 0, text)
    return (0, period_end(text), _SPAN_ORDER[span], text)


#: The words of a period's span: its name as a title ("Năm 2025", "Year 2025"), inside a phrase ("năm 2025",
#: "2025") and opening a sentence ("Năm 2025, …", "In 2025, …").
_LABEL_KEYS = {
    ("year", "title"): N_("period_year"),
    ("year", "inline"): N_("period_year_inline"),
    ("year", "start"): N_("period_year_start"),
    ("quarter", "title"): N_("period_quarter"),
    ("quarter", "inline"): N_("period_quarter_inline"),
    ("quarter", "start"): N_("period_quarter_start"),
    ("month", "title"): N_("period_month"),
    ("month", "inline"): N_("period_month_inline"),
    ("month", "start"): N_("period_month_start"),
}
#: How a quarter's number is written (Vietnamese: Roman numerals, "Quý III") and a month's (English: its name).
_QUARTER_KEYS = (N_("period_q1"), N_("period_q2"), N_("period_q3"), N_("period_q4"))
_MONTH_KEYS = (
    N_("period_m01"), N_("period_m02"), N_("period_m03"), N_("period_m04"), N_("period_m05"), N_("period_m06"),
    N_("period_m07"), N_("period_m08"), N_("period_m09"), N_("period_m10"), N_("period_m11"), N_("period_m12"),
)  # fmt: skip


def period_label(period: object, lang: str | None = None, *, inline: bool = False, start: bool = False) -> str:
    """A period as readers name it: "Năm 2025", "Quý III/2025", "Tháng 8/2025"; "Year 2025", "Q3 2025", "August 2025".

    Args:
        period: A year "2025", a quarter "2025-Q3" or a month "2025-08"; anything else is returned as text.
        lang: The language (None: the current one).
        inline: Inside a phrase ("Xã Vĩnh Hòa — năm 2025", "Overall index, 2025"): Vietnamese in lower case, an
            English year without "Year".
        start: Opening a sentence ("Quý III/2025, xã …", "In Q3 2025, …"): Vietnamese capitalised, English as
            ``inline`` (the message says "In").
    """
    text = str(period).strip()
    try:
        year, span, number = _parts(check_period(text))
    except DxnbError:
        return text
    values: dict[str, object] = {"year": year}
    if span == "quarter":
        values["quarter"] = t(_QUARTER_KEYS[number - 1], lang)
    elif span == "month":
        values["month"] = t(_MONTH_KEYS[number - 1], lang)
    form = "start" if start else "inline" if inline else "title"
    return t(_LABEL_KEYS[span, form], lang, **values)


# --------------------------------------------------------------------------- series of one length

#: Period lengths, longest first: the default period is a year when the dataset has years.
SPANS = ("year", "quarter", "month")


def span(period: object) -> str:
    """The length of a period: "year" ("2025"), "quarter" ("2025-Q3") or "month" ("2025-08").

    Raises:
        ParameterError: when ``period`` is not a period.
    """
    return _parts(check_period(period))[1]


def same_span(periods: Iterable[object], period: object) -> list[str]:
    """The periods of ``periods`` as long as ``period`` (in their order)."""
    length = span(period)
    return [str(p) for p in periods if span(p) == length]


def earlier(periods: Iterable[object], period: object) -> list[str]:
    """The periods of ``periods`` as long as ``period`` and ending before it, oldest first."""
    key = period_key(period)
    return sorted((p for p in same_span(periods, period) if period_key(p) < key), key=period_key)


def default_candidates(periods: Iterable[object]) -> list[list[str]]:
    """The periods grouped by length, longest first (years, quarters, months), each oldest first, none empty."""
    found = sorted((str(p) for p in periods), key=period_key)
    groups = [[p for p in found if span(p) == length] for length in SPANS]
    return [g for g in groups if g]
