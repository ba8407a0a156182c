"""The district overview: ranking rows for the index page, its tables and sections, speed."""

from __future__ import annotations

import base64
import csv
import dataclasses
import re
import unicodedata

import numpy as np
import pandas as pd
import pytest

from dxnb import load_dataset
from dxnb.errors import ParameterError
from dxnb.evaluate import evaluate_period, evaluate_unit
from dxnb.overview import DETAIL_MAX_UNITS, EDGE_UNITS, Overview
from dxnb.overview_data import (
    attainment_table,
    edge_units,
    ranking_rows,
    scored_indicators,
    target_counts,
)

SECTIONS = ("ranking", "map", "heatmap", "pillars", "trends", "quality", "targets")


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def add_units(folder, *rows):
    """Append units (code, name, kind, district, province) to a dataset copy, without observations."""
    with open(folder / "units.csv", "a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        for code, name, kind, district, province in rows:
            writer.writerow([code, name, kind, district, province, 5000, 3600, 1500, 5, "", "test"])


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


def replicate(ds, copies):
    """The sample district copied ``copies`` times: half in districts of 10 provinces, half without districts."""
    units, observations, start = [], [], 10000
    for k in range(copies):
        mapping = {code: f"{start + i:05d}" for i, code in enumerate(ds.units.index)}
        start += len(mapping)
        u = ds.units.rename(index=mapping)
        if k < copies // 2:
            u = u.assign(district=f"Huyện {k}", province=f"Tỉnh {k % 10}")
        else:
            u = u.assign(district="", province=f"Tỉnh {10 + k % 24}")
        u["code"] = u.index
        units.append(u)
        observations.append(ds.observations.assign(unit_code=ds.observations["unit_code"].map(mapping)))
    return dataclasses.replace(ds, units=pd.concat(units), observations=pd.concat(observations, ignore_index=True))


@pytest.fixture(scope="module")
def overview(sample):
    ov = Overview.build("2024", dataset=sample)
    return ov, "".join(ov.sections())


@pytest.fixture(scope="module")
def country(sample):
    """3,322 units, like the 3,321 communes of Vietnam after the 2025 reform."""
    return replicate(sample, 302)


# --------------------------------------------------------------------------- ranking rows


def test_ranking_rows_rank_every_unit_best_first(sample):
    rows = ranking_rows(sample, "2024")
    assert len(rows) == 11 and rows.index.name == "unit_code"
    assert all(isinstance(code, str) and len(code) == 5 for code in rows.index)
    assert rows["score"].is_monotonic_decreasing
    assert rows["position"].tolist() == list(range(1, 12))
    assert rows.attrs == {"period": "2024", "previous_period": "2023"}
    assert rows.loc["25882", "name"] == "Vĩnh Hòa" and rows.loc["25882", "position"] == 11
    np.testing.assert_allclose(rows["score_change"], rows["score"] - rows["previous_score"])
    for column in ("kind", "group_label", "coverage", "previous_coverage", "targets_met", "pillar_awareness"):
        assert column in rows.columns, column


def test_ranking_rows_agree_with_the_evaluation(sample):
    rows = ranking_rows(sample, "2024")
    frame = evaluate_period(sample, "2024")
    for column in ("score", "coverage", "rank", "group_size", "targets_met", "pillar_digital_society"):
        pd.testing.assert_series_equal(rows[column].sort_index(), frame[column].sort_index(), check_names=False)
    previous = evaluate_period(sample, "2023")
    pd.testing.assert_series_equal(
        rows["previous_score"].sort_index(), previous["score"].sort_index(), check_names=False
    )


def test_ranking_rows_list_units_without_data_last(data_copy):
    add_units(
        data_copy,
        ("25999", "Bình Mỹ", "xã", "Phú Giáo", "Bình Dương"),
        ("25998", "An Hòa", "xã", "Phú Giáo", "Bình Dương"),
    )
    rows = ranking_rows(load_dataset(data_copy), "2024")
    assert rows.index[-2:].tolist() == ["25998", "25999"]  # Vietnamese order: An Hòa before Bình Mỹ
    assert not rows["has_data"].iloc[-2:].any()
    assert rows["position"].iloc[-2:].isna().all() and rows["score"].iloc[-2:].isna().all()
    assert ranking_rows(load_dataset(data_copy), "2024", ["25882", "25999"]).index.tolist() == ["25882", "25999"]


def test_ranking_rows_first_period_has_no_change(sample):
    rows = ranking_rows(sample, 2022)
    assert rows.attrs["previous_period"] is None and rows["score_change"].isna().all()


@pytest.mark.parametrize(
    ("period", "codes", "message"),
    [
        ("2019", None, "No data for period 2019; periods with data: 2022, 2023, 2024."),
        ("24", None, 'period must be a year such as "2024"'),
        ("2024", ["99999"], "Unknown unit code: 99999"),
    ],
)
def test_ranking_rows_refuse_bad_input(sample, period, codes, message):
    with pytest.raises(ParameterError, match=re.escape(message)):
        ranking_rows(sample, period, codes)


# --------------------------------------------------------------------------- tables


def test_attainment_is_points_over_maximum_with_gaps_missing(sample):
    share = attainment_table(sample, "2024", ["25882", "25858"])
    assert list(share.columns) == scored_indicators(sample)
    assert all(sample.catalogue[i].scored for i in share.columns)
    ev = evaluate_unit(sample, "25882", "2024").indicators
    for iid in share.columns:
        expected = ev.at[iid, "points"] / ev.at[iid, "max_points"] if ev.at[iid, "has_data"] else np.nan
        assert share.at["25882", iid] == pytest.approx(expected, nan_ok=True), iid
    assert share.loc["25882"].isna().any() and share.max().max() <= 1.0
    pillar_order = [sample.catalogue[i].pillar for i in share.columns]
    assert pillar_order == sorted(pillar_order, key=list(sample.catalogue.pillars).index)


def test_target_counts_agree_with_the_evaluation(sample):
    counts = target_counts(sample, "2024")
    frame = evaluate_period(sample, "2024")
    assert counts["met"].sum() == frame["targets_met"].sum()
    assert counts["not_met"].sum() == frame["targets_not_met"].sum()
    assert counts["no_data"].sum() == frame["targets_no_data"].sum()
    assert (counts[["met", "not_met", "no_data"]].sum(axis=1) == 11).all()
    fibre = counts.loc["household_fibre_rate"]
    assert fibre["target"] == 80 and fibre["target_source"].startswith("Quyết định 749/QĐ-TTg")
    values = [
        evaluate_unit(sample, c, "2024").indicators.at["household_fibre_rate", "value"] for c in fibre["not_met_codes"]
    ]
    assert values == sorted(values) and all(v < 80 for v in values)


def test_edge_units():
    assert edge_units(list("abc"), 5, 1) == (["a", "b", "c"], None)
    assert edge_units(list("abcdefg"), 5, 2) == (["a", "b", "f", "g"], 1)


# --------------------------------------------------------------------------- the overview


def test_overview_of_the_district_in_vietnamese(overview):
    ov, page = overview
    assert "Huyện Phú Giáo, tỉnh Bình Dương — năm 2024" in page
    for key in SECTIONS:
        assert f'id="{key}"' in page, key
    assert "Vĩnh Hòa (100% → 48%)" in page  # coverage change flagged
    assert re.search(r"trung vị <b>0,\d\d</b>", page)
    assert "Quyết định 411/QĐ-TTg" in page and "≥ 80% đến năm 2025" in page
    assert "Chưa có số liệu" in page and "Số liệu ước tính" in page
    assert "synthetic" in page
    assert "http://" not in page and "https://" not in page
    images = re.findall(r'src="data:image/(?:png|svg\+xml);base64,([^"]+)"', page)
    assert len(images) == 6  # ranking, map, heatmap, pillars, trends, targets
    for data in images:
        assert base64.b64decode(data).startswith((b"\x89PNG", b"<svg "))
    assert ov.parameters == {"period": "2024", "data_dir": "data", "lang": "vi", "district": "", "province": ""}


def test_overview_in_english_for_another_period(sample):
    ov = Overview.build(2023, lang="en", district=nfd("Phú Giáo"), dataset=sample)
    page = "".join(ov.sections())
    assert "Phú Giáo district, Bình Dương province — 2023" in page
    for text in ("Ranking of the units", "Points earned per indicator", "National targets", "Since 2022"):
        assert text in page, text
    assert re.search(r"median overall index \(on 0–1\) is <b>0\.\d\d</b>", page)


def test_overview_of_the_first_period_has_no_trend(sample):
    page = Overview.build("2022", dataset=sample).trends()
    assert "Mới có số liệu năm 2022" in page


def test_overview_escapes_text_from_the_data(data_copy):
    units = pd.read_csv(data_copy / "units.csv", dtype=str, keep_default_na=False)
    units.loc[units["code"] == "25882", "name"] = "<script>alert(1)</script> & Co"
    units.to_csv(data_copy / "units.csv", index=False)
    page = "".join(Overview.build("2024", data_dir=data_copy).sections())
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in page


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lang": "fr"}, "lang must be one of vi, en"),
        ({"period": "2019"}, "No data for period 2019; periods with data: 2022, 2023, 2024."),
        ({"period": "2024-25"}, "period must be a year"),
        ({"district": "Bến Cát"}, "No district is named 'Bến Cát'."),
        ({"province": "Binh Duon"}, "Did you mean 'Bình Dương'?"),
        ({"district": 722}, "district must be a name in quotes"),
    ],
)
def test_bad_parameters_fail_clearly(sample, kwargs, message):
    params = {"period": "2024", "lang": "en", **kwargs}
    with pytest.raises(ParameterError, match=re.escape(message)):
        Overview.build(params.pop("period"), dataset=sample, **params)


def test_a_district_without_data_for_the_period_fails_clearly(data_copy):
    add_units(data_copy, ("25999", "Lai Uyên", "xã", "Bàu Bàng", "Bình Dương"))
    with pytest.raises(
        ParameterError, match="No unit of Bàu Bàng district, Bình Dương province has data for period 2024"
    ):
        Overview.build("2024", data_dir=data_copy, district="Bàu Bàng", lang="en")


def test_a_whole_country_shows_its_edges(country):
    # How fast this is belongs to the benchmark (benchmarks/bench_reports.py), not to the suite.
    rows = ranking_rows(country, "2024")
    assert len(rows) == 3322 and rows["position"].iloc[0] == 1
    ov = Overview.build("2024", dataset=country)
    page = "".join(ov.sections())
    assert len(page) < 1_500_000
    assert "34 tỉnh, thành phố — năm 2024" in page
    assert f"biểu đồ vẽ {EDGE_UNITS} đơn vị cao nhất và {EDGE_UNITS} đơn vị thấp nhất" in page
    assert "Bảng liệt kê 50 đơn vị đầu và 50 đơn vị cuối trong 3.322 đơn vị" in page
    assert "Mức đạt điểm trung vị theo tỉnh" in page and "Chỉ số chung theo tỉnh" in page
    assert "Phân bố chỉ số chung của 3.322 đơn vị" in page
    assert len(ov.attainment) == 3322 and DETAIL_MAX_UNITS < 3322


# --------------------------------------------------------------------------- the map


def test_the_sample_overview_has_a_map_drawn_offline(overview):
    _, page = overview
    section = page[page.index('id="map"') :]
    section = section[: section.index("</section>")]
    assert "Bản đồ 11 đơn vị của huyện Phú Giáo, tỉnh Bình Dương, tô màu theo chỉ số chung năm 2024" in section
    (uri,) = re.findall(r'<img src="data:image/png;base64,([^"]+)" alt="Bản đồ 11', section)
    assert base64.b64decode(uri).startswith(b"\x89PNG")
    assert "http" not in section


def test_a_province_of_168_units_gets_its_map(tmp_path):
    from dxnb.provinces import init_dataset
    from dxnb.synthetic import synthesize_observations

    folder = init_dataset(province="Hồ Chí Minh", out_dir=tmp_path / "hcm")
    units = pd.read_csv(folder / "units.csv", dtype=str, keep_default_na=False)
    units = units[units["valid_from"] == "2025-07-01"].set_index("code", drop=False)  # the current communes
    assert len(units) == 168
    for column in ("population", "adult_population", "households", "hamlets"):
        units[column] = pd.to_numeric(units[column].replace("", None), errors="coerce")
    obs = synthesize_observations(units, load_dataset().catalogue, ["2025"], seed=7)
    obs.to_csv(folder / "observations.csv", index=False)
    page = str(Overview.build("2025", data_dir=folder).map())
    assert "Bản đồ 168 đơn vị của" in page and page.count("data:image/png;base64,") == 1


def test_units_not_in_the_registry_get_no_map_but_a_reason(country):
    page = str(Overview.build("2024", dataset=country).map())
    assert "Không vẽ bản đồ" in page and "3322 đơn vị" in page.replace(".", "") and "<img" not in page


def test_an_empty_period_is_the_latest_one_most_units_report(former_copy):
    set_value(former_copy, "25882", "2025", "plans_issued", 12)  # one commune's 2025 form came in
    ds = load_dataset(former_copy)
    assert Overview.build("", dataset=ds).period == "2024"
    assert Overview.build(None, dataset=ds).period == "2024"
    assert Overview.build("2025", dataset=ds).period == "2025"  # asked for: still there


def test_overview_alt_texts_name_the_chart_the_area_and_the_period(overview):
    _, page = overview
    alts = re.findall(r'<img src="data:[^"]+" alt="([^"]+)"', page)
    named = [a.startswith(("Biểu đồ: ", "Bản đồ ")) and "năm 2024" in a and "Phú Giáo" in a for a in alts]
    assert alts and all(named), alts


def test_overview_shows_an_unverified_target_as_such(sample):
    from dxnb.overview import Overview

    for lang, marked in (("vi", "chưa được xác minh tại văn bản gốc"), ("en", "not verified against the source")):
        page = Overview.build("2024", lang=lang, dataset=sample).targets()
        assert marked in page
        if lang == "en":
            assert "chưa được xác minh" not in page and "mỗi ấp một tổ" not in page
