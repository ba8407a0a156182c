"""The catalogue: DTI scoring rules and targets, read from data, never hard-coded."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from dxnb.catalogue import REQUIRED_IDS, Indicator, _num, build_catalogue, parse_steps


def test_parse_steps_sorts():
    assert parse_steps("4:20;1:5; 2:10 ;3:15") == ((1, 5), (2, 10), (3, 15), (4, 20))
    with pytest.raises(ValueError):
        parse_steps("1-5")


@pytest.mark.parametrize(("value", "points"), [(0, 0), (1, 5), (2, 10), (3, 15), (4, 20), (9, 20), (None, 0)])
def test_steps_follow_the_dti_example(value, points):
    meetings = Indicator(
        "steering_meetings", "institutions", "", "", "", "", "count", "steps", 20, parse_steps("1:5;2:10;3:15;4:20")
    )
    assert meetings.points(value) == points


def test_rate_is_linear_and_capped():
    fibre = Indicator(
        "household_fibre_rate",
        "infrastructure",
        "",
        "",
        "%",
        "%",
        "rate",
        "linear",
        60,
        target=80,
        target_year=2025,
        target_source="411/QĐ-TTg",
    )
    assert fibre.points(90.6) == pytest.approx(54.36)
    assert fibre.points(120) == 60
    assert fibre.points(float("nan")) == 0
    assert fibre.meets_target(90.6) is True
    assert fibre.meets_target(79.9) is False
    assert fibre.meets_target(None) is None


def test_yes_partial_no():
    plan = Indicator("security_plan", "cybersecurity", "", "", "", "", "yes_partial_no", "yes_partial_no", 40)
    assert [plan.points(v) for v in (1, 0.5, 0)] == [40, 20, 0]


def test_bundled_catalogue(sample):
    cat = sample.catalogue
    assert set(REQUIRED_IDS) <= set(cat.indicators)
    assert cat.max_points == 1000
    assert {p: cat.pillar_max(p) for p in cat.pillars} == {
        "awareness": 100,
        "institutions": 100,
        "infrastructure": 100,
        "human_resources": 100,
        "cybersecurity": 100,
        "digital_government": 200,
        "digital_economy": 150,
        "digital_society": 150,
    }
    signature = cat["personal_signature_rate"]
    assert (signature.numerator, signature.denominator, signature.scale) == (
        "personal_signatures",
        "adult_population",
        100,
    )
    assert signature.target == 50 and "411/QĐ-TTg" in signature.target_source
    assert not math.isnan(cat["attendance_per_1000_adults"].scale)
    assert {i.id for i in cat.derived} >= {
        "panel_hamlet_coverage",
        "attendance_per_1000_adults",
        "cdt_hamlet_coverage",
        "cdt_members_per_100_residents",
    }


@pytest.mark.parametrize(
    ("steps", "words"),
    [
        ("nan:5;inf:10", "threshold 'nan' is not a number"),
        ("1:inf", "points 'inf' is not a number"),
        ("1:-500", "negative points"),
        ("1:5;1:10", "threshold 1 appears twice"),
        ("１:5", "threshold '１' is not a number"),
        ("1e3:5", "threshold '1e3' is not a number"),
        (f"{'9' * 400}:5", "(400 characters)' is out of range"),
        ("", "no steps given"),
    ],
)
def test_parse_steps_refuses_hostile_numbers(steps, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        parse_steps(steps)


def test_num_reads_plain_finite_numbers_only():
    assert _num(" 12.5 ") == 12.5
    assert _num("") is None
    for bad in ("nan", "inf", "1e400", "9" * 400, "２５", "12,5"):
        with pytest.raises(ValueError):
            _num(bad)


def test_build_catalogue_orders_pillars_by_number(sample):
    no_indicators = sample.catalogue.frame.iloc[0:0]
    pillars = pd.DataFrame(
        {"id": ["b", "a"], "group": ["x", "x"], "name_vi": ["B", "A"], "name_en": ["B", "A"], "order": ["10", "9"]}
    )
    catalogue = build_catalogue(pillars, no_indicators)
    assert list(catalogue.pillars) == ["a", "b"]
    assert catalogue.pillars["b"].order == 10
