"""Data-quality flags: one vectorised implementation, read for many units and for one (``tests/tiny.py``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tiny import A, B, C, D, E, G, H, write_tiny

from dxnb.dataset import load_dataset
from dxnb.evaluate import evaluate_unit
from dxnb.quality import FLAGS, flag_masks, peer_medians, quality_counts, quality_flags, unit_flags
from dxnb.scoring import score_units
from dxnb.units import peers, unit_rows


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return load_dataset(write_tiny(tmp_path_factory.mktemp("tiny")))


@pytest.fixture(scope="module")
def unit_a(tiny):
    return evaluate_unit(tiny, A, "2024")


# --------------------------------------------------------------------------- one unit: flags and their details


def flags_of(evaluation, indicator):
    return evaluation.indicators.at[indicator, "flags"]


def detail(evaluation, indicator, flag):
    q = evaluation.quality
    rows = q[(q["indicator"] == indicator) & (q["flag"] == flag)]
    assert len(rows) == 1, q
    return rows["detail"].iloc[0]


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


# --------------------------------------------------------------------------- the masks


def test_flag_masks_of_a_district(tiny):
    codes = peers(tiny, A)
    s = score_units(tiny, "2024", codes, unit_rows(tiny, codes))
    previous = np.full(s.values.shape, np.nan)
    previous[s.row(A), s.ids.get_loc("online_dossier_rate")] = 90.0  # A's 2023 value
    medians, counts = peer_medians(s)
    masks = flag_masks(tiny.catalogue, s, previous, medians, counts)
    assert list(masks) == list(FLAGS)

    def flagged(flag):
        rows, cols = np.nonzero(masks[flag])
        return {(s.codes[r], s.ids[c]) for r, c in zip(rows, cols, strict=True)}

    assert flagged("count_outlier") == {(D, "plans_issued")}  # 40 > 5 × median 4.5 (1, 3, 6, 40)
    assert flagged("rate_drop") == {(A, "online_dossier_rate")}
    assert flagged("share_above_100") == {(D, "signature_rate")}
    assert (B, "personal_signatures") in flagged("lower_bound")
    assert (C, "signature_rate") in flagged("denominator_unknown") and (C, "signature_rate") in flagged("no_data")
    assert medians[0, s.ids.get_loc("plans_issued")] == pytest.approx(4.5)
    assert counts[0, s.ids.get_loc("plans_issued")] == 4  # N has no observations and does not count


def test_peer_medians_by_group_equal_one_group_at_a_time(tiny):
    codes = [*peers(tiny, A), *peers(tiny, H), *peers(tiny, E)]
    s = score_units(tiny, "2024", codes, unit_rows(tiny, codes))
    key = np.array([c[:1] + str(peers(tiny, c)[0]) for c in codes])
    medians, counts = peer_medians(s, key)
    for group in (peers(tiny, A), peers(tiny, E)):
        part = score_units(tiny, "2024", group, unit_rows(tiny, group))
        one_medians, one_counts = peer_medians(part)
        rows = [codes.index(c) for c in group]
        np.testing.assert_array_equal(medians[rows], one_medians)
        np.testing.assert_array_equal(counts[rows], one_counts)


def test_unit_flags_are_the_masks_of_its_row(tiny):
    codes = peers(tiny, D)
    current = score_units(tiny, "2024", codes, unit_rows(tiny, codes))
    flags = unit_flags(tiny, D, current, None, None)
    assert len(flags) == len(tiny.catalogue)
    by_id = dict(zip(tiny.catalogue.indicators, flags, strict=True))
    assert [f for f, _ in by_id["signature_rate"]] == ["estimate", "share_above_100"]
    assert [f for f, _ in by_id["plans_issued"]] == ["count_outlier"]
    assert all(detail for pairs in flags for _, detail in pairs)


# --------------------------------------------------------------------------- many units: the same flags


def flag_set(ds, period, code):
    quality = evaluate_unit(ds, code, period).quality
    return set(zip(quality["indicator"], quality["flag"], strict=True))


def test_quality_flags_of_the_tiny_dataset(tiny):
    flags = quality_flags(tiny, "2024")
    assert set(flags["unit_code"]) == {A, B, C, D, H, E, "20002", G}  # N has no observations
    for code in set(flags["unit_code"]):
        mine = flags[flags["unit_code"] == code]
        assert set(zip(mine["indicator"], mine["flag"], strict=True)) == flag_set(tiny, "2024", code), code
    outlier = flags[flags["flag"] == "count_outlier"]
    assert outlier[["unit_code", "indicator", "value"]].values.tolist() == [[D, "plans_issued", 40.0]]


@pytest.mark.parametrize("period", ["2024", "2023"])
def test_quality_flags_are_the_evaluation_flags(sample, period):
    flags = quality_flags(sample, period)
    for code in sample.units.index:
        mine = flags[flags["unit_code"] == code]
        assert set(zip(mine["indicator"], mine["flag"], strict=True)) == flag_set(sample, period, code), code


def set_value(folder, unit_code, period, indicator, value, qualifier=""):
    """Change one observation of a dataset copy (or add it)."""
    obs = pd.read_csv(folder / "observations.csv", dtype=str, keep_default_na=False)
    mask = (obs["unit_code"] == unit_code) & (obs["period"] == period) & (obs["indicator"] == indicator)
    if mask.any():
        obs.loc[mask, ["value", "qualifier"]] = [str(value), qualifier]
    else:
        row = {"unit_code": unit_code, "period": period, "indicator": indicator, "value": str(value), "source": "test"}
        obs = pd.concat([obs, pd.DataFrame([{**row, "note": "", "qualifier": qualifier}])], ignore_index=True)
    obs.to_csv(folder / "observations.csv", index=False)


def test_quality_flags_catch_every_kind_of_problem(data_copy):
    set_value(data_copy, "25861", "2024", "household_fibre_rate", 20)  # rate_drop
    set_value(data_copy, "25864", "2024", "radio_minutes", 5000)  # count_outlier
    set_value(data_copy, "25865", "2024", "panel_hamlets", 9)  # share_above_100 (5 hamlets)
    set_value(data_copy, "25867", "2024", "plans_issued", 4, "lower_bound")
    set_value(data_copy, "25870", "2024", "plans_issued", 4, "estimate")
    units = pd.read_csv(data_copy / "units.csv", dtype=str, keep_default_na=False)
    units.loc[units["code"] == "25873", "hamlets"] = ""  # denominator_unknown
    units.to_csv(data_copy / "units.csv", index=False)
    ds = load_dataset(data_copy).at("2024")  # the 11 units before 1/7/2025
    flags = quality_flags(ds, "2024")
    assert set(flags["flag"]) == set(FLAGS)
    for code in ds.units.index:
        mine = flags[flags["unit_code"] == code]
        assert set(zip(mine["indicator"], mine["flag"], strict=True)) == flag_set(ds, "2024", code), code
    counts = quality_counts(flags, list(ds.units.index))
    assert list(counts.columns) == list(FLAGS) and counts.loc["25861", "rate_drop"] == 1
    assert counts.to_numpy().sum() == len(flags)


def test_quality_flags_of_part_of_a_district_use_the_whole_district(sample):
    whole = quality_flags(sample, "2024")
    part = quality_flags(sample, "2024", ["25882"])
    pd.testing.assert_frame_equal(part, whole[whole["unit_code"] == "25882"].reset_index(drop=True))
