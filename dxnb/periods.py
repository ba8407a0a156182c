"""Periods: what a period is (a year "2025", a quarter "2025-Q3", a month "2025-08"), its bounds and its order.

Pure text and dates, no dataset: :func:`check_period` checks what a user typed, :func:`period_start` and
:func:`period_end` give a period's first and last day, :func:`period_key` sorts periods in time. The checks
of a period against a dataset (:func:`dxnb.params.check_data_period`, the default period) are in
:mod:`dxnb.params`, which re-exports :func:`check_period` and :func:`period_key`.
"""

from __future__ import annotations

import calendar
import functools
import re
from datetime import date

from .errors import DxnbError, ParameterError
from .i18n import t

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
