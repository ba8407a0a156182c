"""Scoring: values, points, totals and ranks of many units, checked against hand-computed values (``tests/tiny.py``)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from tiny import A, B, C, D, E, F, G, H, N, write_tiny

from dxnb.catalogue import Indicator
from dxnb.dataset import load_dataset
from dxnb.errors import ParameterError
from dxnb.evaluate import evaluate_unit
from dxnb.scoring import evaluate_period, indicator_table, max_points, score_units, stack, totals
from dxnb.units import unit_rows


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return load_dataset(write_tiny(tmp_path_factory.mktemp("tiny")))


# --------------------------------------------------------------------------- values and points


def test_indicator_table_observed_and_derived(tiny):
    table = indicator_table(tiny, "2024")
    assert table.index.tolist() == [A, B, C, D, H, E, F, G]  # units.csv order; N has no data
    assert table.columns.tolist() == list(tiny.catalogue.indicators)
    # signature_rate = personal_signatures / adult_population × 100
    assert table.at[A, "signature_rate"] == pytest.approx(60.0)  # 600 / 1000
    assert table.at[B, "signature_rate"] == pytest.approx(25.0)  # 500 / 2000
    assert math.isnan(table.at[C, "signature_rate"])  # adult population unknown
    assert table.at[D, "signature_rate"] == pytest.approx(120.0)  # 1200 / 1000
    assert math.isnan(table.at[E, "signature_rate"])  # no numerator
    # members_per_team = cdt_members / cdt_teams (an observed denominator)
    assert math.isnan(table.at[A, "members_per_team"])  # 5 / 0
    assert table.at[B, "members_per_team"] == pytest.approx(5.0)
    assert table.at[E, "online_dossier_rate"] == 50
    assert math.isnan(table.at[G, "online_dossier_rate"])


def test_indicator_table_with_codes_keeps_their_order_and_empty_rows(tiny):
    table = indicator_table(tiny, 2024, codes=[B, N, A])
    assert table.index.tolist() == [B, N, A]
    assert table.loc[N].isna().all()
    assert table.at[A, "plans_issued"] == 3


@pytest.mark.parametrize(
    ("code", "indicator", "points"),
    [
        (A, "plans_issued", 10.0),  # steps 1:5;3:10;6:20, value 3
        (B, "plans_issued", 20.0),  # value 6
        (C, "plans_issued", 5.0),  # value 1
        (D, "plans_issued", 20.0),  # 40, capped at the top step
        (A, "committee", 10.0),  # yes
        (D, "committee", 5.0),  # partly: half the points
        (B, "committee", 0.0),  # no
        (A, "online_dossier_rate", 24.0),  # linear: 60% × 40
        (B, "online_dossier_rate", 28.0),  # 70% × 40
        (C, "online_dossier_rate", 0.0),  # no evidence, no points
        (A, "signature_rate", 18.0),  # 60% × 30
        (B, "signature_rate", 7.5),  # 25% × 30
        (C, "signature_rate", 0.0),  # denominator unknown
        (D, "signature_rate", 30.0),  # 120%, capped at the maximum
        (A, "personal_signatures", 0.0),  # unscored input
    ],
)
def test_points(tiny, code, indicator, points):
    s = score_units(tiny, "2024", [code], unit_rows(tiny, [code]))
    assert s.points[0, s.ids.get_loc(indicator)] == pytest.approx(points)
    assert evaluate_unit(tiny, code, "2024").indicators.at[indicator, "points"] == s.points[0, s.ids.get_loc(indicator)]


def test_rank_within_district(tiny):
    frame = evaluate_period(tiny, "2024")
    # Huyện Một: D 79, A 62, B 55.5, C 5 (N has no 2024 data and does not count)
    assert frame.loc[[D, A, B, C], "rank"].tolist() == [1, 2, 3, 4]
    assert frame.loc[[A, B, C, D], "group_size"].tolist() == [4, 4, 4, 4]
    assert frame.at[A, "group_median_score"] == pytest.approx((0.62 + 0.555) / 2)
    assert frame.at[H, "rank"] == 1 and frame.at[H, "group_size"] == 1
    assert frame.at[A, "group_label"] == "Một"  # units.csv writes "Huyện Một"
    expected = [
        "name",
        "district",
        "province",
        "score",
        "earned",
        "max_points",
        "coverage",
        "rank",
        "group_size",
        "group_median_score",
        "targets_met",
        "targets_not_met",
        "targets_no_data",
        "pillar_inst",
        "pillar_soc",
    ]
    assert frame.columns.tolist()[: len(expected)] == expected


def test_ties_share_the_best_rank_and_province_fallback(tiny):
    frame = evaluate_period(tiny, "2024")
    # E and F: plans 3 → 10 and online 50% → 20: 0.30 each; G: 5 + 20% × 30 = 11 → 0.11
    assert frame.at[E, "score"] == pytest.approx(0.30)
    assert frame.at[G, "score"] == pytest.approx(0.11)
    assert frame.loc[[E, F, G], "rank"].tolist() == [1, 1, 3]
    assert frame.loc[[E, F, G], "group_size"].tolist() == [3, 3, 3]
    assert frame.at[G, "group_median_score"] == pytest.approx(0.30)
    e = evaluate_unit(tiny, F, "2024")
    assert e.rank == 1 and e.group_size == 3
    assert e.group_label == "Hoà Bình"
    assert e.peers.index.tolist() == [E, F, G]
    assert e.peers["is_self"].tolist() == [False, True, False]


def test_evaluate_period_with_codes_ranks_among_them(tiny):
    frame = evaluate_period(tiny, "2024", codes=[B, A, N])
    assert frame.index.tolist() == [B, A, N]
    assert frame.at[A, "rank"] == 1 and frame.at[B, "rank"] == 2
    assert frame.at[A, "group_size"] == 2
    assert pd.isna(frame.at[N, "rank"]) and pd.isna(frame.at[N, "score"])
    assert not frame.at[N, "has_data"]


def test_unknown_period(tiny):
    with pytest.raises(ParameterError, match=r"2019.*2022, 2023, 2024"):
        evaluate_period(tiny, "2019")
    with pytest.raises(ParameterError, match="No data for period 2019"):
        indicator_table(tiny, "2019")
    with pytest.raises(ParameterError, match="period must be a year"):
        evaluate_period(tiny, "2024-25")
    assert evaluate_period(tiny, 2024).index.tolist() == evaluate_period(tiny, "2024").index.tolist()


# --------------------------------------------------------------------------- points written once


def _indicator(scoring, max_points=10.0, steps=(), kind="count"):
    return Indicator("x", "p", "x", "x", "", "", kind, scoring, max_points, steps)


@pytest.mark.parametrize(
    ("indicator", "values", "expected"),
    [
        (_indicator("linear", 40, kind="rate"), [-5, 0, 60, 100, 130, np.inf, np.nan], [0, 0, 24, 40, 40, 40, 0]),
        (_indicator("yes_partial_no", 10, kind="yes_partial_no"), [0, 0.5, 1, 2, np.nan], [0, 5, 10, 10, 0]),
        (_indicator("steps", 20, ((1, 5), (3, 10), (6, 25))), [0, 1, 2.9, 3, 6, 99, np.nan], [0, 5, 5, 10, 20, 20, 0]),
        (_indicator("none", 0), [1, 50, np.nan], [0, 0, 0]),
    ],
)
def test_points_of_is_the_scoring_rule(indicator, values, expected):
    assert indicator.points_of(np.array(values, dtype=float)).tolist() == expected
    assert [indicator.points(v) for v in values] == expected  # the scalar view of the same rule
    assert indicator.points(None) == 0.0


def test_scalar_and_vectorised_points_agree_on_the_bundled_catalogue(sample):
    rng = np.random.default_rng(1)
    values = np.concatenate([rng.uniform(-5, 130, 500), rng.integers(-2, 40, 200).astype(float), [np.nan, np.inf]])
    for ind in sample.catalogue:
        assert np.array_equal(ind.points_of(values), [ind.points(v) for v in values.tolist()]), ind.id


def test_max_points_and_totals(tiny):
    maxima = max_points(tiny.catalogue)
    assert maxima.sum() == tiny.catalogue.max_points == 100
    assert dict(zip(tiny.catalogue.indicators, maxima, strict=True))["online_dossier_rate"] == 40
    s = score_units(tiny, "2024", [A, N], unit_rows(tiny, [A, N]))
    table = totals(tiny.catalogue, s)
    assert table.at[A, "earned"] == pytest.approx(62.0) and table.at[A, "score"] == pytest.approx(0.62)
    assert math.isnan(table.at[N, "score"]) and not table.at[N, "has_data"]  # no observations: no score


def test_stack_of_periods_gives_the_trend(tiny):
    obs = unit_rows(tiny, [A])
    history = {p: score_units(tiny, p, [A], obs) for p in ("2022", "2023", "2024")}
    trend = totals(tiny.catalogue, stack(history))
    assert trend.index.tolist() == ["2022", "2023", "2024"]
    assert trend["score"].tolist() == pytest.approx([0.05, 0.63, 0.62])


def test_derived_values_inherit_the_numerator_qualifier(tiny):
    s = score_units(tiny, "2024", [B, D], unit_rows(tiny, [B, D]))
    j = s.ids.get_loc("signature_rate")
    assert s.qualifier[:, j].tolist() == ["lower_bound", "estimate"]
    assert s.denominator_estimated[:, j].tolist() == [False, True]
    assert s.values[0, s.ids.get_loc("members_per_team")] == pytest.approx(5.0)  # 20 members / 4 teams


# --------------------------------------------------------------------------- frameworks: classes, adjustments,
# not applicable, evidence (the catalogue of a framework, passed to score_units)


def _variant(tiny, *, classes=(), adjustments=(), total=None, **changes):
    """The tiny catalogue with indicators changed (``id={field: value}``), classes, adjustments and a total."""
    from dataclasses import replace

    from dxnb.catalogue import FrameworkInfo

    indicators = {i: replace(ind, **changes.get(i, {})) for i, ind in tiny.catalogue.indicators.items()}
    info = FrameworkInfo("variant", total_points=total)
    return replace(tiny.catalogue, indicators=indicators, classes=classes, adjustments=adjustments, framework=info)


def _scores(tiny, catalogue, codes, extra=()):
    obs = unit_rows(tiny, codes)
    if extra:
        rows = pd.DataFrame(
            [dict(unit_code=c, period="2024", indicator=i, value=float(v), source="s", note="", qualifier="")
             for c, i, v in extra]
        )  # fmt: skip
        obs = pd.concat([obs, rows], ignore_index=True)
    return score_units(tiny, "2024", codes, obs, catalogue=catalogue)


def test_result_classes_best_first(tiny):
    from dxnb.catalogue import ResultClass

    classes = (ResultClass("good", "Tốt", "Good", 50, 100), ResultClass("fair", "Khá", "Fair", 20, 49.9),
               ResultClass("low", "Trung bình", "Average", 0, 19.9))  # fmt: skip
    cat = _variant(tiny, classes=classes)
    frame = totals(cat, _scores(tiny, cat, [A, B, C, N]))
    # A 62, B 55.5, C 5 of 100 points
    assert frame["result_class"].tolist() == ["good", "good", "low", ""]  # N has no data
    assert frame.loc[A, "points"] == pytest.approx(62)
    assert cat.class_of(49.95) is classes[1] and cat.class_of(50) is classes[0]
    assert _variant(tiny).class_of(80) is None  # no classes: no class


def test_bonus_and_penalty_within_their_caps_apart_from_the_score(tiny):
    from dxnb.catalogue import Adjustment

    items = (Adjustment("award", "bonus", "Khen thưởng", "Award", 2, 5),
             Adjustment("late", "penalty", "Chậm", "Late", 3, 4))  # fmt: skip
    cat = _variant(tiny, adjustments=items, total=100)
    s = _scores(tiny, cat, [A, B, C], extra=[(A, "award", 4), (A, "late", 1), (B, "late", 2), (C, "award", 1)])
    frame = totals(cat, s)
    assert frame.loc[A, ["bonus", "penalty"]].tolist() == [5, 3]  # 4 × 2 = 8 capped at 5; 1 × 3
    assert frame.loc[B, ["bonus", "penalty"]].tolist() == [0, 4]  # 2 × 3 = 6 capped at 4
    assert frame.loc[A, "score"] == pytest.approx(0.62)  # the base score is unchanged
    assert frame.loc[A, "points"] == pytest.approx(62 + 5 - 3)
    assert frame.loc[B, "points"] == pytest.approx(55.5 - 4)
    assert frame.loc[C, "points"] == pytest.approx(7)
    zero = Adjustment("x", "bonus", "x", "x", 5, 0)
    assert zero.points_of(np.array([3.0, np.nan])).tolist() == [0, 0]  # a cap of 0 adds nothing


def test_not_applicable_is_left_out_of_the_maximum(tiny):
    # committee (10 points) applies to phường only: the tiny units are all xã
    cat = _variant(tiny, committee={"applies_to": ("phường",)})
    s = _scores(tiny, cat, [A, B])
    frame = totals(cat, s)
    assert frame["max_points"].tolist() == [90, 90]
    assert frame.loc[A, "earned"] == pytest.approx(52)  # A's committee (10) no longer counts
    assert frame.loc[A, "score"] == pytest.approx(52 / 90)
    assert frame.loc[A, "pillar_inst"] == pytest.approx(10 / 20)
    assert frame["not_applicable"].tolist() == [1, 1]
    e = evaluate_unit(tiny, A, "2024")  # the dataset's own catalogue: unchanged
    assert e.max_points == 100


def test_hamlet_coverage_without_hamlets_does_not_apply(tiny):
    from dataclasses import replace

    units = tiny.units.copy()
    units["hamlets"] = [0.0 if c == A else 4.0 for c in units.index]
    ds = replace(tiny, units=units)
    cat = _variant(tiny, members_per_team={})
    indicators = dict(cat.indicators)
    indicators["team_coverage"] = Indicator("team_coverage", "inst", "Ấp có tổ", "Hamlets with a team", "%", "%",
                                            "rate", "linear", 20, numerator="cdt_teams", denominator="hamlets",
                                            scale=100)  # fmt: skip
    cat = replace(cat, indicators=indicators)
    s = score_units(ds, "2024", [A, B], unit_rows(ds, [A, B]), catalogue=cat)
    j = s.ids.get_loc("team_coverage")
    assert s.not_applicable[:, j].tolist() == [True, False]
    assert not s.denominator_unknown[0, j]  # 0 hamlets is known: the indicator does not apply
    frame = totals(cat, s)
    assert frame["max_points"].tolist() == [100, 120]
    assert frame.loc[B, "earned"] == pytest.approx(55.5 + 20)  # 4 teams in 4 hamlets: 100% of 20


def test_a_value_without_required_evidence_earns_nothing(tiny):
    cat = _variant(tiny, plans_issued={"evidence_required": True})
    obs = unit_rows(tiny, [A, B]).copy()
    obs.loc[(obs["unit_code"] == A) & (obs["indicator"] == "plans_issued"), "source"] = ""
    s = score_units(tiny, "2024", [A, B], obs, catalogue=cat)
    j = s.ids.get_loc("plans_issued")
    assert s.missing_evidence[:, j].tolist() == [True, False]
    assert s.points[:, j].tolist() == [0, 20]
    assert s.values[0, j] == 3  # the value is kept, only its points are withheld
    frame = totals(cat, s)
    assert frame.loc[A, "earned"] == pytest.approx(52)
    assert frame.loc[A, "coverage"] == pytest.approx(1.0)  # the value is there; its evidence is not
    assert frame["missing_evidence"].tolist() == [1, 0]
