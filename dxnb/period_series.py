"""Series of periods of one length: years with years, quarters with quarters, months with months.

A dataset may hold a yearly evaluation (2022–2025 under the reference sets) and a monthly index (the 766 service
index, 2025-10 … 2025-12) side by side. A period's history, its previous period and the default period look at
the periods of its own length only, so a yearly report never compares with a month, nor a month with a year.

- :func:`span` — "year", "quarter" or "month".
- :func:`same_span`, :func:`earlier` — the periods of one length (before a period).
- :func:`default_candidates` — the periods the default period is chosen from: the years, else the quarters, else
  the months (see :func:`dxnb.params.default_period`).
"""

from __future__ import annotations

from collections.abc import Iterable

from .params import _parts, check_period, period_key

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
