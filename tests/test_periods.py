"""Periods: the check of what a user typed, a period's first and last day, and the order of periods."""

from __future__ import annotations

import re

import pytest

from dxnb.errors import FormError, ParameterError
from dxnb.periods import check_period, period_end, period_key, period_label, period_start


@pytest.mark.parametrize(("period", "expected"), [("2024", "2024"), (2024, "2024"), (" 2023 ", "2023")])
def test_check_period_accepts_a_year(period, expected):
    assert check_period(period) == expected


@pytest.mark.parametrize("period", ["24", "2024-25", "", None, True, 2024.0, "0024", "3024", ["2024"]])
def test_check_period_refuses_anything_else(period):
    with pytest.raises(ParameterError, match=re.escape('period must be a year such as "2024"')):
        check_period(period)


def test_check_period_raises_the_error_asked_for():
    with pytest.raises(FormError, match="not a period"):
        check_period("25", error=FormError)


@pytest.mark.parametrize(
    ("period", "expected"),
    [("2025-Q3", "2025-Q3"), ("2025-q4", "2025-Q4"), ("2025-08", "2025-08"), ("2025-12", "2025-12")],
)
def test_check_period_accepts_a_quarter_or_a_month(period, expected):
    assert check_period(period) == expected


@pytest.mark.parametrize(
    "period", ["2025-Q5", "2025-Q0", "2025-13", "2025-00", "2025-8", "2025-H1", "2025Q3", "Q3-2025"]
)
def test_check_period_refuses_other_spans_with_a_clear_message(period):
    with pytest.raises(ParameterError, match=re.escape('a quarter such as "2025-Q3" or a month such as "2025-08"')):
        check_period(period)


def test_period_end_and_start():
    from datetime import date

    assert period_end("2024") == date(2024, 12, 31) and period_start("2024") == date(2024, 1, 1)
    assert period_end("2025-Q3") == date(2025, 9, 30) and period_start("2025-Q3") == date(2025, 7, 1)
    assert period_end("2024-02") == date(2024, 2, 29)  # a leap year
    assert period_end(2023) == date(2023, 12, 31)
    with pytest.raises(ParameterError, match="not a period"):
        period_end("2025-S2")


def test_periods_sort_in_time_months_before_their_quarter_and_year():
    periods = ["2026-01", "2025", "2025-Q4", "2025-12", "2025-Q3", "2024", "2025-08", "2025-09"]
    expected = ["2024", "2025-08", "2025-09", "2025-Q3", "2025-12", "2025-Q4", "2025", "2026-01"]
    assert sorted(periods, key=period_key) == expected
    assert sorted(["2025", "oops"], key=period_key) == ["2025", "oops"]  # a non-period last, never an error


@pytest.mark.parametrize(
    ("period", "vi", "vi_inline", "en", "en_inline"),
    [
        ("2025", "Năm 2025", "năm 2025", "Year 2025", "2025"),
        ("2025-Q3", "Quý III/2025", "quý III/2025", "Q3 2025", "Q3 2025"),
        ("2025-q1", "Quý I/2025", "quý I/2025", "Q1 2025", "Q1 2025"),
        ("2025-08", "Tháng 8/2025", "tháng 8/2025", "August 2025", "August 2025"),
        ("2024-12", "Tháng 12/2024", "tháng 12/2024", "December 2024", "December 2024"),
    ],
)
def test_period_label_names_the_period_by_its_kind(period, vi, vi_inline, en, en_inline):
    assert period_label(period, "vi") == vi and period_label(period, "vi", inline=True) == vi_inline
    assert period_label(period, "en") == en and period_label(period, "en", inline=True) == en_inline


def test_period_label_leaves_other_text_alone():
    assert period_label("2025-S1", "vi") == "2025-S1" and period_label(" all ", "en") == "all"
