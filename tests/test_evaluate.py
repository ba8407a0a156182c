"""A unit's evaluation: totals, pillars, peers, change, recommendations, checked against hand-computed values.

Most tests use the tiny dataset of ``tests/tiny.py`` whose every number is worked out in its
comments; the last ones check Vĩnh Hòa 2024 on the bundled data. Points, totals and ranks of many
units are tested in ``test_scoring.py``, data-quality flags in ``test_quality.py``.
"""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest
from tiny import A, B, C, D, G, N, write_tiny

from dxnb import scoring
from dxnb.dataset import load_dataset
from dxnb.errors import ParameterError
from dxnb.evaluate import Recommendation, evaluate_period, evaluate_unit


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return load_dataset(write_tiny(tmp_path_factory.mktemp("tiny")))


@pytest.fixture(scope="module")
def unit_a(tiny):
    return evaluate_unit(tiny, A, "2024")


# --------------------------------------------------------------------------- totals and pillars


def test_unit_totals_and_pillars(unit_a):
    e = unit_a
    assert e.earned == pytest.approx(62.0)  # 10 + 10 + 24 + 18
    assert e.max_points == 100
    assert e.score == pytest.approx(0.62)
    assert e.coverage == pytest.approx(1.0)
    assert e.pillars.index.tolist() == ["inst", "soc"]
    assert e.pillars.at["inst", "earned"] == pytest.approx(20.0)
    assert e.pillars.at["inst", "max_points"] == 30
    assert e.pillars.at["inst", "index"] == pytest.approx(20 / 30)
    assert e.pillars.at["soc", "index"] == pytest.approx(42 / 70)
    assert e.indicators.index.tolist() == list(e.indicators.index)  # catalogue order
    assert e.indicators.index[:5].tolist() == [
        "plans_issued",
        "committee",
        "online_dossier_rate",
        "personal_signatures",
        "signature_rate",
    ]


def test_coverage_counts_only_indicators_with_data(tiny):
    e = evaluate_unit(tiny, C, "2024")
    # plans_issued (20) and committee (10) have data; online_dossier_rate (40) and signature_rate (30) do not
    assert e.coverage == pytest.approx(0.30)
    assert e.pillars.at["inst", "coverage"] == pytest.approx(1.0)
    assert e.pillars.at["soc", "coverage"] == pytest.approx(0.0)
    assert e.score == pytest.approx(0.05)


def test_targets(tiny, unit_a):
    table = unit_a.indicators
    assert table.at["online_dossier_rate", "meets_target"] is False  # 60 < 80
    assert table.at["signature_rate", "meets_target"] is True  # 60 >= 50
    assert table.at["plans_issued", "meets_target"] is None
    assert table.at["signature_rate", "target_source"] == "Quyết định 411/QĐ-TTg"
    assert table.at["signature_rate", "target_year"] == 2025
    assert unit_a.targets_met == ["signature_rate"]
    assert unit_a.targets_not_met == ["online_dossier_rate"]
    assert unit_a.targets_no_data == []
    assert evaluate_unit(tiny, C, "2024").targets_no_data == ["online_dossier_rate", "signature_rate"]
    frame = evaluate_period(tiny, "2024")
    assert frame.loc[A, ["targets_met", "targets_not_met", "targets_no_data"]].tolist() == [1, 1, 0]
    assert frame.loc[C, ["targets_met", "targets_not_met", "targets_no_data"]].tolist() == [0, 0, 2]


# --------------------------------------------------------------------------- derived qualifiers


def test_derived_qualifiers(tiny):
    b = evaluate_unit(tiny, B, "2024").indicators
    assert b.at["signature_rate", "qualifier"] == "lower_bound"  # inherited from the numerator
    assert b.at["signature_rate", "flags"] == ["lower_bound"]
    d = evaluate_unit(tiny, D, "2024").indicators
    assert d.at["signature_rate", "qualifier"] == "estimate"  # adult_population is in estimated_fields
    assert d.at["members_per_team", "qualifier"] == "estimate"  # its observed denominator is an estimate
    assert d.at["members_per_team", "value"] == pytest.approx(5.0)
    g = evaluate_unit(tiny, G, "2024")
    assert g.indicators.at["signature_rate", "qualifier"] == "estimate"  # 100 / 500, numerator estimated
    assert g.indicators.at["signature_rate", "value"] == pytest.approx(20.0)
    q = g.quality
    assert q[(q["indicator"] == "signature_rate") & (q["flag"] == "estimate")]["detail"].tolist() == [
        "personal_signatures is an estimate"
    ]
    a = evaluate_unit(tiny, A, "2024").indicators
    assert a.at["signature_rate", "qualifier"] == ""
    assert a.at["signature_rate", "source"] == f"src {A}"


# --------------------------------------------------------------------------- peers and ranks


def test_unit_peers_and_group(unit_a):
    e = unit_a
    assert e.rank == 2 and e.group_size == 4 and e.group_label == "Một"
    assert e.group_median_score == pytest.approx(0.5875)
    assert e.peers.index.tolist() == [D, A, B, C]
    assert e.peers["is_self"].sum() == 1 and e.peers.at[A, "is_self"]
    assert e.indicators.at["plans_issued", "group_median"] == pytest.approx(4.5)  # 1, 3, 6, 40
    # pillar medians: inst A 20/30, B 20/30, C 5/30, D 25/30
    assert e.pillars.at["inst", "group_median_index"] == pytest.approx(20 / 30)


# --------------------------------------------------------------------------- change and trend


def test_previous_period_change_and_trend(unit_a):
    e = unit_a
    assert e.previous_period == "2023"
    # 2023: plans 2 → 5, committee 10, online 90% → 36, signatures 40% → 12: 63 points
    assert e.previous_score == pytest.approx(0.63)
    assert e.score_change == pytest.approx(-0.01)
    assert e.indicators.at["plans_issued", "previous_value"] == 2
    assert e.indicators.at["plans_issued", "change"] == 1
    assert e.indicators.at["online_dossier_rate", "change"] == pytest.approx(-30)
    assert e.indicators.at["signature_rate", "change"] == pytest.approx(20)
    assert math.isnan(e.indicators.at["cdt_teams", "previous_value"])
    assert e.pillars.at["inst", "previous_index"] == pytest.approx(15 / 30)
    assert e.pillars.at["inst", "change"] == pytest.approx(5 / 30)
    assert e.pillars.at["soc", "change"] == pytest.approx(-6 / 70)
    assert e.trend.index.tolist() == ["2022", "2023", "2024"]
    assert e.trend["score"].tolist() == pytest.approx([0.05, 0.63, 0.62])
    assert e.trend["coverage"].tolist() == pytest.approx([0.2, 1.0, 1.0])
    assert e.trend.columns.tolist() == ["score", "coverage", "pillar_inst", "pillar_soc"]


def test_previous_period_skips_periods_without_data(tiny):
    e = evaluate_unit(tiny, B, "2024")
    assert e.previous_period == "2022"  # B has nothing for 2023
    assert e.indicators.at["online_dossier_rate", "change"] == pytest.approx(20)
    first = evaluate_unit(tiny, A, "2022")
    assert first.previous_period is None and first.score_change is None
    assert math.isnan(first.indicators.at["plans_issued", "change"])


# --------------------------------------------------------------------------- strengths and recommendations


def test_strongest_and_weakest(unit_a):
    # shares: plans 10/20 = 0.5, committee 1.0, online 24/40 = 0.6, signatures 18/30 = 0.6
    assert unit_a.strongest == ["committee", "online_dossier_rate", "signature_rate"]
    assert unit_a.weakest == ["plans_issued", "online_dossier_rate", "signature_rate"]


def test_recommendations_order(tiny, unit_a):
    recs = evaluate_unit(tiny, B, "2024").recommendations
    # signature_rate 25 vs 50 (gap 50% of target), online 70 vs 80 (12.5%), then committee 0/10 points
    assert [(r.indicator, r.reason) for r in recs] == [
        ("signature_rate", "below_target"),
        ("online_dossier_rate", "below_target"),
        ("committee", "low_points"),
    ]
    assert recs[0] == Recommendation(
        "signature_rate",
        pytest.approx(25.0),
        50.0,
        2025,
        "Quyết định 411/QĐ-TTg",
        pytest.approx(25.0),
        "below_target",
        pytest.approx(7.5),
        30.0,
    )
    assert recs[1].gap == pytest.approx(10.0)
    assert recs[2].gap is None and recs[2].target is None
    assert [r.indicator for r in unit_a.recommendations] == ["online_dossier_rate"]  # plans at exactly 50%


def test_notes(unit_a):
    assert unit_a.notes.to_dict("records") == [{"kind": "strength", "text": "Họp dân đều đặn.", "source": "test"}]


# --------------------------------------------------------------------------- errors


def test_unknown_unit(tiny):
    with pytest.raises(ParameterError, match="'99999'"):
        evaluate_unit(tiny, "99999", "2024")
    with pytest.raises(ParameterError, match="99999"):
        evaluate_period(tiny, "2024", codes=[A, "99999"])


def test_unit_without_data_in_period(tiny):
    with pytest.raises(ParameterError, match=r"2021.*2022, 2023, 2024"):
        evaluate_unit(tiny, A, "2021")
    with pytest.raises(ParameterError, match="no observations at all"):
        evaluate_unit(tiny, N, "2024")


# --------------------------------------------------------------------------- the bundled data: Vĩnh Hòa 2024


@pytest.fixture(scope="module")
def vinh_hoa(sample):
    return evaluate_unit(sample, "25882", "2024")


def test_vinh_hoa_indicators(vinh_hoa):
    t = vinh_hoa.indicators
    assert t.at["plans_issued", "value"] == 14
    assert t.at["plans_issued", "points"] == 25  # steps 1:5;3:10;6:15;10:25
    assert t.at["personal_signature_rate", "value"] == pytest.approx(1083 / 10890 * 100)
    assert t.at["personal_signature_rate", "value"] == pytest.approx(9.94, abs=0.005)
    assert t.at["personal_signature_rate", "meets_target"] is False
    assert t.at["personal_signature_rate", "target"] == 50
    assert "411/QĐ-TTg" in t.at["personal_signature_rate", "target_source"]
    assert "estimate" in t.at["personal_signature_rate", "flags"]  # adult population is estimated
    assert t.at["household_fibre_rate", "value"] == pytest.approx(90.6)
    assert t.at["household_fibre_rate", "meets_target"] is True and t.at["household_fibre_rate", "target"] == 80
    assert t.at["adult_smartphone_rate", "value"] == pytest.approx(92.4)
    assert t.at["adult_smartphone_rate", "meets_target"] is True
    assert t.at["attendance_per_1000_adults", "value"] == pytest.approx(640 / 10890 * 1000)
    assert t.at["attendance_per_1000_adults", "value"] == pytest.approx(58.8, abs=0.05)
    assert t.at["attendance_per_1000_adults", "points"] == 20  # steps 10:10;30:20;60:30
    assert t.at["attendance_per_1000_adults", "qualifier"] == "lower_bound"
    assert t.at["attendance_per_1000_adults", "flags"] == ["lower_bound", "estimate"]
    assert t.at["panel_hamlet_coverage", "value"] == pytest.approx(100.0)  # 6 / 6 hamlets
    assert t.at["panel_hamlet_coverage", "points"] == 20


def test_vinh_hoa_score(vinh_hoa):
    earned = {
        # institutions
        "plans_issued": 25,  # 14 ≥ 10
        "decisions_issued": 20,  # 7 ≥ 5
        "directives_issued": 15,  # 1 ≥ 1
        # awareness
        "outreach_panels": 10,  # 7 ≥ 5
        "panel_hamlet_coverage": 20,  # 100% × 20
        "radio_minutes": 15,  # 145 ≥ 120
        "citizen_meetings": 15,  # 16 ≥ 12
        "attendance_per_1000_adults": 20,  # 58.8 ≥ 30
        # infrastructure
        "household_fibre_rate": 0.906 * 60,
        # human resources
        "training_classes": 20,  # 2 ≥ 2
        "officials_it_use_rate": 30,  # 100% × 30
        # digital government
        "edocs_signed_rate": 60,  # 100% × 60
        "onestop_online_support": 40,  # yes
        # digital society
        "adult_smartphone_rate": 0.924 * 50,
        "personal_signature_rate": 1083 / 10890 * 50,
    }  # every other scored indicator has no 2024 data: 0 points
    total = sum(earned.values())  # 395.53…
    assert vinh_hoa.max_points == 1000
    assert vinh_hoa.earned == pytest.approx(total)
    assert vinh_hoa.score == pytest.approx(total / 1000)
    assert vinh_hoa.score == pytest.approx(0.3955, abs=5e-5)
    with_points = vinh_hoa.indicators[vinh_hoa.indicators["points"] > 0]
    assert with_points["points"].to_dict() == pytest.approx(earned)
    # max points with data: 60 + 100 + 60 + 60 + 100 + 100 of 1000
    assert vinh_hoa.coverage == pytest.approx(0.48)
    assert vinh_hoa.pillars.at["institutions", "index"] == pytest.approx(0.60)
    assert vinh_hoa.pillars.at["awareness", "index"] == pytest.approx(0.80)


def test_vinh_hoa_context(sample, vinh_hoa):
    e = vinh_hoa
    assert e.group_label == "Phú Giáo" and e.group_size == 11
    assert e.previous_period == "2023"
    assert e.trend.index.tolist() == ["2022", "2023", "2024"]
    assert e.rank == 1 + int((e.peers["score"] > e.score).sum())
    assert e.recommendations[0].indicator == "personal_signature_rate"
    assert e.recommendations[0].reason == "below_target"
    assert "personal_signature_rate" in e.targets_not_met
    assert {"household_fibre_rate", "adult_smartphone_rate"} <= set(e.targets_met)
    assert len(e.notes) == (sample.notes["unit_code"].eq("25882") & sample.notes["period"].eq("2024")).sum() > 0


def test_period_ranks_agree_with_unit_ranks(sample):
    frame = evaluate_period(sample, "2024")
    assert len(frame) == 11
    for code in frame.index:
        assert evaluate_unit(sample, code, "2024").rank == frame.at[code, "rank"]


def test_only_the_peer_group_matters_in_a_large_dataset(sample, monkeypatch):
    """Copies of the district in 60 other districts change nothing, and only the peer group is scored."""
    units, observations = [sample.units], [sample.observations]
    for k in range(1, 61):

        def recode(code, k=k):
            return f"{k + 30:02d}{code[2:]}"

        u = sample.units.rename(index=recode).assign(district=f"Huyện {k}")
        u["code"] = u.index
        units.append(u)
        observations.append(sample.observations.assign(unit_code=sample.observations["unit_code"].map(recode)))
    big = dataclasses.replace(sample, units=pd.concat(units), observations=pd.concat(observations, ignore_index=True))
    assert len(big.units) == 11 * 61
    small = evaluate_unit(sample, "25882", "2024")
    scored = []

    def spy(ds, period, codes, obs):
        scored.append((list(codes), set(obs["unit_code"])))
        return score_units(ds, period, codes, obs)

    score_units = scoring.score_units
    monkeypatch.setattr("dxnb.evaluate.score_units", spy)
    large = evaluate_unit(big, "25882", "2024")
    monkeypatch.undo()
    district = set(sample.units.index)
    assert scored and all(set(codes) <= district and seen <= district for codes, seen in scored)
    assert large.score == pytest.approx(small.score)
    assert (large.rank, large.group_size) == (small.rank, small.group_size)
    copy = evaluate_unit(big, "31882", "2024")  # Vĩnh Hòa's copy in Huyện 1
    assert copy.score == pytest.approx(small.score) and copy.group_label == "Huyện 1"
