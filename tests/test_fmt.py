"""Numbers and dates in Vietnamese and English style, through babel."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from dxnb import fmt
from dxnb.catalogue import Indicator


def _indicator(kind: str, decimals: int = 1, unit: str = "") -> Indicator:
    return Indicator("x", "p", "X", "X", unit, unit, kind, "none", decimals=decimals)


@pytest.mark.parametrize(
    ("call", "vi", "en"),
    [
        (lambda lang: fmt.number(1083, 0, lang), "1.083", "1,083"),
        (lambda lang: fmt.number(1234567.5, 1, lang), "1.234.567,5", "1,234,567.5"),
        (lambda lang: fmt.percent(92.4, 1, lang), "92,4%", "92.4%"),
        (lambda lang: fmt.percent(100.0, 1, lang), "100%", "100%"),
        (lambda lang: fmt.share(0.906, lang), "90,6%", "90.6%"),
        (lambda lang: fmt.index(0.3955, lang), "0,40", "0.40"),
        (lambda lang: fmt.signed(-0.3, 2, lang, keep_zeros=True), "−0,30", "−0.30"),
        (lambda lang: fmt.signed(3, 0, lang), "+3", "+3"),
        (lambda lang: fmt.date(dt.date(2024, 8, 28), lang), "28/8/2024", "28 August 2024"),
        (
            lambda lang: fmt.value(1083, _indicator("count", 0, "chữ ký"), lang, with_unit=True),
            "1.083 chữ ký",
            "1,083 chữ ký",
        ),
        (lambda lang: fmt.value(0.5, _indicator("yes_partial_no"), lang), "một phần", "partly"),
        (lambda lang: fmt.value(92.4, _indicator("rate"), lang), "92,4%", "92.4%"),
    ],
)
def test_styles(call, vi, en):
    assert call("vi") == vi
    assert call("en") == en


@pytest.mark.parametrize("value", [None, float("nan"), pd.NA, pd.NaT])
def test_missing_values_show_a_dash(value):
    assert fmt.missing(value)
    assert fmt.number(value) == fmt.DASH
    assert fmt.percent(value) == fmt.DASH


def test_not_missing():
    assert not fmt.missing(0)
    assert not fmt.missing("x")
    assert not fmt.missing([1, 2])
