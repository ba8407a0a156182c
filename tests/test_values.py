"""Numbers typed by people: strict in data files, Vietnamese habits accepted in forms."""

from __future__ import annotations

import pytest

from dxnb.values import ValueProblem, parse_number, split_qualifier


@pytest.mark.parametrize(
    ("raw", "whole", "expected"),
    [
        ("92.4", False, 92.4),
        (" 14 ", True, 14),
        ("1083", True, 1083),
        (0.5, False, 0.5),
        ("0", True, 0),
    ],
)
def test_strict_accepts_the_file_convention(raw, whole, expected):
    assert parse_number(raw, whole=whole) == expected


@pytest.mark.parametrize(
    ("raw", "whole", "message", "hint"),
    [
        ("92,4", False, "decimal comma", "write 92.4"),
        ("1.083", True, "Vietnamese thousands dot for 1083", "write 1083"),
        ("1,083", True, "thousands comma", "write 1083"),
        ("92,4", True, "decimal comma (92.4)", "whole number"),
        ("92.4%", False, "percent sign", "write 92.4"),
        ("abc", False, "not a number", "decimal point"),
        ("", False, "empty", "fill in"),
        ("2.5", True, "not a whole number", "such as 2"),
    ],
)
def test_strict_refuses_with_the_number_meant(raw, whole, message, hint):
    with pytest.raises(ValueProblem) as caught:
        parse_number(raw, whole=whole)
    assert message in caught.value.message
    assert hint in caught.value.hint


@pytest.mark.parametrize(
    ("raw", "whole", "expected"),
    [
        ("92,4", False, 92.4),
        ("1.083", True, 1083),
        ("92,4%", False, 92.4),
        ("1 083", True, 1083),
    ],
)
def test_lenient_reads_vietnamese_habits(raw, whole, expected):
    assert parse_number(raw, whole=whole, lenient=True) == expected


def test_lenient_reads_a_comma_as_the_vietnamese_decimal_mark():
    assert parse_number("1,083", whole=False, lenient=True) == pytest.approx(1.083)
    with pytest.raises(ValueProblem, match="decimal comma"):
        parse_number("3,5", whole=True, lenient=True)


@pytest.mark.parametrize("raw", ["1" * 400, "-" + "9" * 400, float("inf"), float("-inf")])
def test_numbers_too_large_to_hold_are_refused(raw):
    with pytest.raises(ValueProblem, match="out of range"):
        parse_number(raw, lenient=True)


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("２５", "write it with the digits 0-9: 25"),
        ("20٢٤", "write it with the digits 0-9: 2024"),
        ("²²", "write it with the digits 0-9: 22"),
        ("9" * 400, "(400 characters)' is out of range"),
        (float("inf"), "out of range"),
        ("1e400", "is not a number"),
        ("nan", "is not a number"),
    ],
)
def test_only_ascii_digits_and_finite_numbers(raw, words):
    for whole in (False, True):
        with pytest.raises(ValueProblem) as info:
            parse_number(raw, whole=whole)
        assert words in info.value.message + " " + info.value.hint


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("hơn 640", ("640", "lower_bound")),
        ("Trên 640", ("640", "lower_bound")),
        ("ít nhất 2", ("2", "lower_bound")),
        ("it nhat 2", ("2", "lower_bound")),
        ("hon 640", ("640", "lower_bound")),
        ("không dưới 3", ("3", "lower_bound")),
        ("> 640", ("640", "lower_bound")),
        ("640+", ("640", "lower_bound")),
        ("khoảng 60%", ("60%", "estimate")),
        ("~60", ("60", "estimate")),
        ("≈ 60", ("60", "estimate")),
        ("gần 100%", ("100%", "estimate")),
        ("ước tính 92,4", ("92,4", "estimate")),
        ("xấp xỉ 1.083", ("1.083", "estimate")),
        ("92,4", ("92,4", "")),
        ("honda 3", ("honda 3", "")),  # a word that merely starts like one
    ],
)
def test_split_qualifier(raw, expected):
    assert split_qualifier(raw) == expected


@pytest.mark.parametrize("raw", ["dưới 5", "chưa đến 5", "< 5", "không quá 5"])
def test_an_upper_bound_is_refused_with_what_to_type(raw):
    with pytest.raises(ValueProblem) as caught:
        split_qualifier(raw)
    assert "upper bound" in caught.value.message and "khoảng 5" in caught.value.hint
    assert "note column" in caught.value.hint


def test_a_form_hint_uses_the_decimal_comma_first():
    with pytest.raises(ValueProblem) as caught:
        parse_number("x1", lenient=True)
    assert "92,4" in caught.value.hint and "92.4" not in caught.value.hint
    assert parse_number("1,083", lenient=True) == 1.083  # a decimal comma in a form
