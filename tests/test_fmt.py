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


@pytest.mark.parametrize(
    ("value", "unit", "en", "vi"),
    [
        (1, ("lớp", "classes"), "1 class", "1 lớp"),
        (2, ("lớp", "classes"), "2 classes", "2 lớp"),
        (1, ("cuộc họp", "meetings"), "1 meeting", "1 cuộc họp"),
        (0, ("cuộc họp", "meetings"), "0 meetings", "0 cuộc họp"),
        (2, ("kế hoạch", "plans"), "2 plans", "2 kế hoạch"),
        (1, ("cơ sở", "businesses"), "1 business", "1 cơ sở"),
        (1, ("người", "people"), "1 person", "1 người"),
        (1, ("lượt/1.000 người", "per 1000 adults"), "1 per 1000 adults", "1 lượt/1.000 người"),
    ],
)
def test_english_units_are_singular_for_one(value, unit, en, vi):
    ind = Indicator("x", "p", "X", "X", unit[0], unit[1], "count", "none", decimals=0)
    assert fmt.value(value, ind, "en", with_unit=True) == en
    assert fmt.value(value, ind, "vi", with_unit=True) == vi


def test_english_singular_rule_and_decimals():
    assert [fmt.singular_en(w) for w in ("activities", "boxes", "training classes", "minutes", "%", "glass")] == [
        "activity", "box", "training class", "minute", "%", "glass"
    ]  # fmt: skip
    points = Indicator("x", "p", "X", "X", "điểm", "points", "points", "direct", decimals=1)
    assert fmt.value(1.0, points, "en", with_unit=True) == "1 point"  # no trailing zeros: the figure is one
    assert fmt.value(1.5, points, "en", with_unit=True) == "1.5 points"


def test_numbers_are_formatted_as_babel_formats_them_each_distinct_value_once():
    import random

    from babel.numbers import format_decimal

    random.seed(17)
    values = [random.random() for _ in range(500)] + [random.uniform(-1e6, 1e6) for _ in range(500)]
    values += [0.615, 0.125, 2.675, 0.005, 0.015, -0.004, -0.0, 0.0, 5e-324, 1e15, float("inf"), float("-inf"), 7]
    patterns = {(0, False): "#,##0", (1, False): "#,##0.#", (2, False): "#,##0.##", (1, True): "#,##0.0"}
    for lang in ("vi", "en"):
        locale = fmt.locale(lang)
        for value in values:
            assert fmt.index(value, lang) == format_decimal(value, format="0.00", locale=locale), value
            for (decimals, keep), pattern in patterns.items():
                expected = format_decimal(value, format=pattern, locale=locale)
                assert fmt.number(value, decimals, lang, keep_zeros=keep) == expected, (value, pattern)
    # -0,00 and 0,00 are different texts, whichever is formatted first
    assert fmt.index(-0.001) == "-0,00" and fmt.index(0.001) == "0,00"
