"""Scoring, ranking, change and data-quality flags, checked against hand-computed values.

Most tests use a tiny dataset written to ``tmp_path`` whose every number is worked out in the
comments; the last ones check Vĩnh Hòa 2024 on the bundled data.
"""

from __future__ import annotations

import csv
import dataclasses
import math
import time
from pathlib import Path

import pandas as pd
import pytest

from dxnb.catalogue import REQUIRED_IDS
from dxnb.dataset import COLUMNS, load_dataset
from dxnb.errors import ParameterError
from dxnb.evaluate import (
    FLAGS,
    Recommendation,
    evaluate_period,
    evaluate_unit,
    indicator_table,
    peer_codes,
)

# --------------------------------------------------------------------------- the tiny dataset

# N has no observations at all; E, F, G have no district.
A, B, C, D, H, N, E, F, G = "10001", "10002", "10003", "10004", "10006", "10007", "20001", "20002", "20003"

PILLARS = [("inst", "foundation", "Thể chế", "Institutions", "1"), ("soc", "activity", "Xã hội", "Society", "2")]
# Scored: plans_issued (steps, 20), committee (yes/partial/no, 10), online_dossier_rate (linear, 40, target 80),
# signature_rate (derived linear, 30, target 50). Total 100: inst 30, soc 70.
SCORED = [
    dict(id="plans_issued", pillar="inst", kind="count", scoring="steps", max_points="20", steps="1:5;3:10;6:20"),
    dict(id="committee", pillar="inst", kind="yes_partial_no", scoring="yes_partial_no", max_points="10"),
    dict(
        id="online_dossier_rate",
        pillar="soc",
        kind="rate",
        scoring="linear",
        max_points="40",
        decimals="1",
        target="80",
        target_year="2025",
        target_source="Quyết định 942/QĐ-TTg",
    ),
    dict(id="personal_signatures", pillar="soc", kind="count", scoring="none"),
    dict(
        id="signature_rate",
        pillar="soc",
        kind="rate",
        scoring="linear",
        max_points="30",
        numerator="personal_signatures",
        denominator="adult_population",
        scale="100",
        decimals="1",
        target="50",
        target_year="2025",
        target_source="Quyết định 411/QĐ-TTg",
    ),
    dict(id="cdt_teams", pillar="inst", kind="count", scoring="none"),
    dict(id="cdt_members", pillar="inst", kind="count", scoring="none"),
    dict(
        id="members_per_team",
        pillar="inst",
        kind="ratio",
        scoring="none",
        numerator="cdt_members",
        denominator="cdt_teams",
        scale="1",
        decimals="1",
    ),
]
# code, name, district, province, adult_population, estimated_fields (F spells the province with the old tone mark)
UNITS = [
    (A, "An", "Huyện Một", "Tỉnh Một", "1000", ""),
    (B, "Bình", "Huyện Một", "Tỉnh Một", "2000", ""),
    (C, "Châu", "Huyện Một", "Tỉnh Một", "", ""),
    (D, "Dương", "Huyện Một", "Tỉnh Một", "1000", "adult_population"),
    (H, "Hưng", "Huyện Hai", "Tỉnh Một", "1000", ""),
    (N, "Ích", "Huyện Một", "Tỉnh Một", "1000", ""),
    (E, "Êm", "", "Hòa Bình", "500", ""),
    (F, "Phú", "", "Hoà Bình", "500", ""),
    (G, "Gia", "", "Hòa Bình", "500", ""),
]
OBSERVATIONS = [
    # 2024
    (A, "2024", "plans_issued", "3", ""),
    (A, "2024", "committee", "1", ""),
    (A, "2024", "online_dossier_rate", "60", ""),
    (A, "2024", "personal_signatures", "600", ""),
    (A, "2024", "cdt_teams", "0", ""),
    (A, "2024", "cdt_members", "5", ""),
    (B, "2024", "plans_issued", "6", ""),
    (B, "2024", "committee", "0", ""),
    (B, "2024", "online_dossier_rate", "70", ""),
    (B, "2024", "personal_signatures", "500", "lower_bound"),
    (B, "2024", "cdt_teams", "4", ""),
    (B, "2024", "cdt_members", "20", ""),
    (C, "2024", "plans_issued", "1", ""),
    (C, "2024", "committee", "0", ""),
    (C, "2024", "personal_signatures", "300", ""),
    (D, "2024", "plans_issued", "40", ""),
    (D, "2024", "committee", "0.5", ""),
    (D, "2024", "online_dossier_rate", "60", "estimate"),
    (D, "2024", "personal_signatures", "1200", ""),
    (D, "2024", "cdt_teams", "2", "estimate"),
    (D, "2024", "cdt_members", "10", ""),
    (H, "2024", "plans_issued", "10", ""),
    (E, "2024", "plans_issued", "3", ""),
    (E, "2024", "online_dossier_rate", "50", ""),
    (F, "2024", "plans_issued", "3", ""),
    (F, "2024", "online_dossier_rate", "50", ""),
    (G, "2024", "plans_issued", "1", ""),
    (G, "2024", "personal_signatures", "100", "estimate"),
    # earlier periods
    (A, "2023", "plans_issued", "2", ""),
    (A, "2023", "committee", "1", ""),
    (A, "2023", "online_dossier_rate", "90", ""),
    (A, "2023", "personal_signatures", "400", ""),
    (A, "2022", "plans_issued", "1", ""),
    (B, "2022", "plans_issued", "3", ""),
    (B, "2022", "online_dossier_rate", "50", ""),
]
NOTES = [(A, "2024", "strength", "Họp dân đều đặn."), (A, "2023", "challenge", "Thiếu máy tính.")]


def _write(path: Path, header, rows) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def write_tiny(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / "pillars.csv", COLUMNS["pillars.csv"], PILLARS)
    filler = [
        dict(id=i, pillar="inst", kind="count", scoring="none")
        for i in REQUIRED_IDS
        if i not in {s["id"] for s in SCORED}
    ]
    header = COLUMNS["indicators.csv"]
    rows = [
        [spec.get(c, "") or {"name_vi": spec["id"], "name_en": spec["id"]}.get(c, "") for c in header]
        for spec in SCORED + filler
    ]
    _write(folder / "indicators.csv", header, rows)
    _write(
        folder / "units.csv",
        (*COLUMNS["units.csv"][:-1], "estimated_fields", "source"),
        [
            (code, name, "xã", district, province, "", adults, "", "", est, "test")
            for code, name, district, province, adults, est in UNITS
        ],
    )
    _write(
        folder / "observations.csv",
        (*COLUMNS["observations.csv"], "qualifier"),
        [(u, p, i, v, f"src {u}", f"note {i}", q) for u, p, i, v, q in OBSERVATIONS],
    )
    _write(folder / "notes.csv", (*COLUMNS["notes.csv"], "source"), [(*n, "test") for n in NOTES])
    return folder


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return load_dataset(write_tiny(tmp_path_factory.mktemp("tiny")))


@pytest.fixture(scope="module")
def unit_a(tiny):
    return evaluate_unit(tiny, A, "2024")


def flags_of(evaluation, indicator):
    return evaluation.indicators.at[indicator, "flags"]


def detail(evaluation, indicator, flag):
    q = evaluation.quality
    rows = q[(q["indicator"] == indicator) & (q["flag"] == flag)]
    assert len(rows) == 1, q
    return rows["detail"].iloc[0]


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
    table = evaluate_unit(tiny, code, "2024").indicators
    assert table.at[indicator, "points"] == pytest.approx(points)


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
    assert "personal_signatures is an estimate" in detail(g, "signature_rate", "estimate")
    a = evaluate_unit(tiny, A, "2024").indicators
    assert a.at["signature_rate", "qualifier"] == ""
    assert a.at["signature_rate", "source"] == f"src {A}"


# --------------------------------------------------------------------------- peers and ranks


def test_peer_codes(tiny):
    assert peer_codes(tiny, A) == [A, B, C, D, N]
    assert peer_codes(tiny, H) == [H]
    # blank district: the province, whatever the tone-mark placement of its name
    assert peer_codes(tiny, F) == [E, F, G]
    with pytest.raises(ParameterError, match="99999"):
        peer_codes(tiny, "99999")


def test_rank_within_district(tiny):
    frame = evaluate_period(tiny, "2024")
    # Huyện Một: D 79, A 62, B 55.5, C 5 (N has no 2024 data and does not count)
    assert frame.loc[[D, A, B, C], "rank"].tolist() == [1, 2, 3, 4]
    assert frame.loc[[A, B, C, D], "group_size"].tolist() == [4, 4, 4, 4]
    assert frame.at[A, "group_median_score"] == pytest.approx((0.62 + 0.555) / 2)
    assert frame.at[H, "rank"] == 1 and frame.at[H, "group_size"] == 1
    assert frame.at[A, "group_label"] == "Một"  # read without "huyện" (units.csv writes "Huyện Một")
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


# --------------------------------------------------------------------------- quality flags


def test_flag_no_data_and_denominator_unknown(tiny):
    c = evaluate_unit(tiny, C, "2024")
    assert flags_of(c, "online_dossier_rate") == ["no_data"]
    assert flags_of(c, "signature_rate") == ["no_data", "denominator_unknown"]
    assert "adult_population" in detail(c, "signature_rate", "denominator_unknown")
    assert "blank" in detail(c, "signature_rate", "denominator_unknown")
    e = evaluate_unit(tiny, E, "2024")
    assert flags_of(e, "signature_rate") == ["no_data"]  # the numerator is missing, the denominator known
    assert "personal_signatures" in detail(e, "signature_rate", "no_data")
    a = evaluate_unit(tiny, A, "2024")
    assert flags_of(a, "members_per_team") == ["no_data", "denominator_unknown"]
    assert "cdt_teams is 0" in detail(a, "members_per_team", "denominator_unknown")


def test_flag_estimate_and_lower_bound(tiny):
    d = evaluate_unit(tiny, D, "2024")
    assert flags_of(d, "online_dossier_rate") == ["estimate"]
    assert "estimated" in detail(d, "signature_rate", "estimate")
    assert "1000" in detail(d, "signature_rate", "estimate")
    b = evaluate_unit(tiny, B, "2024")
    assert flags_of(b, "personal_signatures") == ["lower_bound"]
    assert "500" in detail(b, "signature_rate", "lower_bound")


def test_flag_share_above_100(tiny):
    d = evaluate_unit(tiny, D, "2024")
    assert flags_of(d, "signature_rate") == ["estimate", "share_above_100"]
    text = detail(d, "signature_rate", "share_above_100")
    assert "1200" in text and "120.0%" in text


def test_flag_rate_drop(unit_a, tiny):
    assert flags_of(unit_a, "online_dossier_rate") == ["rate_drop"]  # 90 → 60: 30 points
    text = detail(unit_a, "online_dossier_rate", "rate_drop")
    assert "90" in text and "60" in text and "30.0" in text and "2023" in text
    b = evaluate_unit(tiny, B, "2024")
    assert "rate_drop" not in flags_of(b, "online_dossier_rate")  # 50 → 70


def test_flag_count_outlier(tiny, unit_a):
    d = evaluate_unit(tiny, D, "2024")
    assert flags_of(d, "plans_issued") == ["count_outlier"]  # 40 > 5 × median 4.5
    assert "4.5" in detail(d, "plans_issued", "count_outlier")
    assert flags_of(unit_a, "plans_issued") == []


def test_quality_frame_lists_every_flag(tiny):
    d = evaluate_unit(tiny, D, "2024")
    assert d.quality.columns.tolist() == ["indicator", "flag", "detail"]
    pairs = set(zip(d.quality["indicator"], d.quality["flag"], strict=True))
    from_table = {(i, f) for i, flags in d.indicators["flags"].items() for f in flags}
    assert pairs == from_table
    assert set(d.quality["flag"]) <= set(FLAGS)


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


def test_unknown_period(tiny):
    with pytest.raises(ParameterError, match=r"2019.*2022, 2023, 2024"):
        evaluate_period(tiny, "2019")
    with pytest.raises(ParameterError):
        indicator_table(tiny, "2019")


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


def test_evaluate_unit_is_fast(sample):
    evaluate_unit(sample, "25882", "2024")
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        evaluate_unit(sample, "25882", "2024")
        timings.append(time.perf_counter() - started)
    assert min(timings) < 0.1


def test_only_the_peer_group_matters_in_a_large_dataset(sample):
    """Copies of the district in 60 other districts change neither the result nor the speed."""
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
    evaluate_unit(big, "25882", "2024")  # builds the index once
    started = time.perf_counter()
    large = evaluate_unit(big, "25882", "2024")
    assert time.perf_counter() - started < 0.1
    assert large.score == pytest.approx(small.score)
    assert (large.rank, large.group_size) == (small.rank, small.group_size)
    copy = evaluate_unit(big, "31882", "2024")  # Vĩnh Hòa's copy in Huyện 1
    assert copy.score == pytest.approx(small.score) and copy.group_label == "Huyện 1"
