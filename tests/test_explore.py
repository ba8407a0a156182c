"""The exploration notebook's logic: choosing, comparing, following, finding gaps, exporting to Excel and CSV."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import openpyxl
import pandas as pd
import pytest

from dxnb.errors import ParameterError
from dxnb.evaluate import evaluate_unit, indicator_table
from dxnb.explore import EXPORT_DIR, Explorer, resolve_export_dir
from dxnb.explore_data import (
    compare_table,
    find_outliers,
    indicator_history,
    missing_table,
    resolve_indicator,
    resolve_unit,
)
from dxnb.export_table import export_table
from dxnb.paths import PROJECT_ROOT

FIBRE = "household_fibre_rate"
FIBRE_HEADER = "Tỷ lệ hộ gia đình có kết nối Internet cáp quang (%)"
PHU_GIAO = [
    "25858", "25861", "25864", "25865", "25867", "25870", "25873", "25876", "25879", "25882", "25885",
]  # fmt: skip


@pytest.fixture()
def explorer(sample, tmp_path):
    return Explorer.load("Vĩnh Hòa", FIBRE, "2024", dataset=sample, export_dir=tmp_path / "exports")


# --------------------------------------------------------------------------- choosing


@pytest.mark.parametrize(
    "query", ["Vĩnh Hòa", "Vĩnh Hoà", unicodedata.normalize("NFD", "vĩnh hòa"), "Xã Vĩnh Hòa", "25882", "vinh hoa"]
)
def test_units_are_found_by_name_or_code(sample, query):
    assert resolve_unit(sample, query) == "25882"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("Vinh Hao", "No unit is named 'Vinh Hao'. Did you mean Vĩnh Hòa (25882, Phú Giáo, Bình Dương)"),
        ("99999", "No unit has the code '99999'"),
        (25882, 'unit must be a unit name or code in quotes, such as "Vĩnh Hòa"'),
    ],
)
def test_unknown_units_fail_clearly(sample, query, message):
    with pytest.raises(ParameterError, match=re.escape(message)):
        resolve_unit(sample, query)


@pytest.mark.parametrize(
    "query", [FIBRE, "Tỷ lệ hộ gia đình có kết nối Internet cáp quang", "Households with fibre broadband"]
)
def test_indicators_are_found_by_id_or_name(sample, query):
    if query not in (FIBRE,) and query != sample.catalogue[FIBRE].name_vi:
        query = sample.catalogue[FIBRE].name_en
    assert resolve_indicator(sample, query) == FIBRE


def test_unknown_indicators_fail_with_suggestions(sample):
    with pytest.raises(ParameterError, match=re.escape("No indicator is called 'household_fiber_rate'. Did you mean")):
        resolve_indicator(sample, "household_fiber_rate")
    with pytest.raises(ParameterError, match="indicator must be an indicator id in quotes"):
        resolve_indicator(sample, None)


def test_export_folder_is_resolved_from_the_project_root():
    assert resolve_export_dir("") == EXPORT_DIR == PROJECT_ROOT / "reports" / "exports"
    assert resolve_export_dir("reports/mine") == PROJECT_ROOT / "reports" / "mine"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"unit": "Vinh Hao"}, "No unit is named 'Vinh Hao'"),
        ({"indicator": "fibre"}, "No indicator is called 'fibre'"),
        (
            {"period": "2030"},
            "No data for period 2030; periods with data: 2022, 2023, 2024, 2025-10, 2025-11, 2025-12, 2025.",
        ),
        ({"lang": "fr"}, "lang must be one of vi, en"),
        ({"district": "Bến Cát"}, "No district is named 'Bến Cát'."),
        ({"province": 74}, "province must be a name in quotes"),
        ({"export_filter": "lagging"}, "export_filter must be one of all, below_target, below_median, no_data"),
    ],
)
def test_bad_parameters_fail_clearly(sample, kwargs, message):
    params = {"unit": "Vĩnh Hòa", "indicator": FIBRE, "period": "2024", "lang": "en", **kwargs}
    with pytest.raises(ParameterError, match=re.escape(message)):
        Explorer.load(params.pop("unit"), params.pop("indicator"), params.pop("period"), dataset=sample, **params)


def test_a_unit_outside_the_chosen_district_fails_clearly(data_copy):
    with open(data_copy / "units.csv", "a", encoding="utf-8") as handle:
        handle.write("25999,Lai Uyên,xã,Bàu Bàng,Bình Dương,5000,3600,1500,5,,test\n")
    with pytest.raises(ParameterError, match=re.escape("Lai Uyên (25999) is not in Phú Giáo district")):
        Explorer.load("Lai Uyên", FIBRE, "2024", data_dir=data_copy, district="Phú Giáo")


def test_the_comparison_group_is_the_district_or_the_given_place(explorer, sample):
    assert explorer.codes == PHU_GIAO
    assert explorer.scope == "huyện Phú Giáo, tỉnh Bình Dương"
    by_province = Explorer.load("25882", FIBRE, "2024", dataset=sample, province="Bình Dương")
    assert by_province.codes == PHU_GIAO and by_province.scope == "tỉnh Bình Dương"


# --------------------------------------------------------------------------- comparing, following, gaps


def test_compare_table_ranks_values_highest_first(sample):
    frame = compare_table(sample, FIBRE, "2024", PHU_GIAO)
    assert frame["value"].is_monotonic_decreasing
    vinh_hoa = frame.loc["25882"]
    assert vinh_hoa["value"] == pytest.approx(90.6) and vinh_hoa["meets_target"] is True
    assert vinh_hoa["rank"] == 2  # tied with An Thái at 90.6%
    assert vinh_hoa["points"] == pytest.approx(evaluate_unit(sample, "25882", "2024").indicators.at[FIBRE, "points"])
    assert frame["source"].loc["25882"].startswith("Bài viết")
    assert set(frame.loc[frame["value"] < 80, "meets_target"]) == {False}


def test_compare_table_keeps_units_without_data_last(sample):
    frame = compare_table(sample, "online_service_user_rate", "2024", PHU_GIAO)
    assert frame.index[-1] == "25882" and np.isnan(frame["value"].iloc[-1]) and frame["rank"].isna().iloc[-1]
    assert frame.loc["25882", "meets_target"] is None


def test_indicator_history(sample):
    history = indicator_history(sample, FIBRE, PHU_GIAO)
    assert history.shape == (11, 3) and list(history.columns) == ["2022", "2023", "2024"]
    assert history.at["25882", "2024"] == pytest.approx(90.6)
    for period in history.columns:
        pd.testing.assert_series_equal(
            history[period], indicator_table(sample, period, PHU_GIAO)[FIBRE], check_names=False
        )


def test_find_outliers():
    values = pd.Series([10, 11, 12, 12, 13, 14, 60, -30], index=list("abcdefgh"), dtype=float)
    outliers, low, high = find_outliers(values)
    assert outliers.index.tolist() == ["g", "h"] and outliers["direction"].tolist() == ["high", "low"]
    assert low < 10 and high > 14
    none, low, high = find_outliers(pd.Series([1.0, 2.0, np.nan]))
    assert none.empty and np.isnan(low) and np.isnan(high)


def test_missing_table_counts_the_gaps(sample):
    gaps = missing_table(sample, "2024", PHU_GIAO)
    values = indicator_table(sample, "2024", PHU_GIAO)
    expected = values.isna().sum()
    assert gaps["missing"].to_dict() == expected[expected > 0].to_dict()
    assert gaps["missing"].is_monotonic_decreasing
    assert "25882" in gaps.loc["online_service_user_rate", "codes"]


def test_every_step_renders_in_vietnamese(explorer):
    steps = (explorer.summary, explorer.selection, explorer.compare, explorer.map, explorer.history, explorer.gaps)
    page = "".join(step() for step in steps)
    assert "Xã Vĩnh Hòa" in page and "huyện Phú Giáo, tỉnh Bình Dương" in page
    assert "là <b>90,6%</b>, xếp thứ <b>2/11</b>" in page
    assert "(trung vị 84,8%). Mục tiêu quốc gia ≥ 80% đến năm 2025" in page
    assert explorer.html() == page
    assert "Từ năm 2022 đến năm 2024, tỷ lệ hộ gia đình có kết nối Internet cáp quang của xã Vĩnh Hòa" in page
    assert "Chỉ tiêu thiếu số liệu" in page and "Giá trị cần kiểm tra lại" in page
    assert "số liệu tổng hợp (synthetic)" in page
    assert "90.6" not in page and "http://" not in page
    assert len(re.findall(r'src="data:image/(?:png|svg\+xml);base64,', page)) == 3  # comparison, map, history


def test_steps_in_english_for_a_count(sample, tmp_path):
    ex = Explorer.load("25858", "citizen_meetings", "2023", lang="en", dataset=sample, export_dir=tmp_path)
    page = "".join([ex.compare(), ex.history(), ex.gaps()])
    assert "Units compared: Citizen meetings on DX" in page or "Units compared:" in page
    assert "Phước Vĩnh township" in page and "In 2023" in page
    assert "From 2022 to 2023" in page


def test_lower_bounds_are_shown_as_such(sample, tmp_path):
    ex = Explorer.load("Vĩnh Hòa", "meeting_attendance", "2024", dataset=sample, export_dir=tmp_path)
    assert "ít nhất 640 lượt" in ex.compare()


def test_select_changes_the_view(explorer):
    explorer.select(indicator="Cuộc họp dân về chuyển đổi số", period=2023)
    assert (explorer.indicator, explorer.period) == ("citizen_meetings", "2023")
    with pytest.raises(ParameterError, match="No indicator is called"):
        explorer.select(indicator="nothing")
    assert explorer.indicator == "citizen_meetings"


def test_the_picker_drives_the_explorer(explorer):
    box = explorer.picker()
    controls = box.controls
    assert controls["unit"].value == "25882" and controls["indicator"].value == FIBRE
    assert len(controls["unit"].options) == 11 and controls["period"].options == ("2022", "2023", "2024")
    controls["indicator"].value = "radio_minutes"
    controls["unit"].value = "25858"
    assert (explorer.unit_code, explorer.indicator) == ("25858", "radio_minutes")
    assert "Thời lượng phát thanh về chuyển đổi số" in controls["preview"].value
    assert "Thị trấn Phước Vĩnh" in controls["preview"].value


# --------------------------------------------------------------------------- exporting


def test_filters(explorer):
    below, applied = explorer.filtered_codes("below_target")
    assert applied == "below_target" and below == ["25861", "25864", "25873"]  # 79%, 75%, 70.1%
    assert len(explorer.filtered_codes("all")[0]) == 11
    explorer.select(indicator="citizen_meetings")
    codes, applied = explorer.filtered_codes("below_target")
    assert applied == "below_median" and 0 < len(codes) < 11
    with pytest.raises(ParameterError, match="export_filter must be one of all, below_target, below_median, no_data"):
        explorer.filtered_codes("lagging")


def test_export_writes_excel_and_csv_with_vietnamese_headers(explorer, tmp_path):
    page = explorer.export("below_target")
    folder = tmp_path / "exports"
    assert sorted(p.name for p in folder.iterdir()) == [
        "phu-giao-2024-household_fibre_rate-below_target.csv",
        "phu-giao-2024-household_fibre_rate-below_target.xlsx",
    ]  # no temporary files left behind
    assert "Đã ghi 3 đơn vị (chưa đạt mục tiêu tỷ lệ hộ gia đình có kết nối Internet cáp quang)" in page
    book = openpyxl.load_workbook(folder / "phu-giao-2024-household_fibre_rate-below_target.xlsx")
    assert book.sheetnames == ["Số liệu", "Ghi chú"]
    sheet = book["Số liệu"]
    header = [c.value for c in sheet[1]]
    assert header[:9] == [
        "Mã đơn vị", "Đơn vị", "Loại đơn vị", "Huyện", "Tỉnh", "Năm", FIBRE_HEADER, "Mục tiêu quốc gia",
        "Ghi chú số liệu",
    ]  # fmt: skip
    assert "Chỉ số chung (0–1)" in header and "Kế hoạch về chuyển đổi số đã ban hành (kế hoạch)" in header
    codes = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in codes] == ["25861", "25864", "25873"]
    assert all(c.data_type == "s" and c.number_format == "@" for c in codes)
    fibre = [row[header.index(FIBRE_HEADER)].value for row in sheet.iter_rows(min_row=2)]
    assert fibre == [79.0, 75.0, 70.1]
    plans = [
        row[header.index("Kế hoạch về chuyển đổi số đã ban hành (kế hoạch)")].value
        for row in sheet.iter_rows(min_row=2)
    ]
    assert all(isinstance(v, int) for v in plans)
    assert sheet.freeze_panes == "C2"
    notes = {row[0].value: row[1].value for row in book["Ghi chú"].iter_rows() if row[0].value}
    assert notes["Bộ lọc"] == "chưa đạt mục tiêu tỷ lệ hộ gia đình có kết nối Internet cáp quang"
    assert notes["Năm"] == "2024" and len(notes["Mã SHA-256 của bộ dữ liệu"]) == 64
    raw = (folder / "phu-giao-2024-household_fibre_rate-below_target.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel opens Vietnamese correctly
    table = pd.read_csv(folder / "phu-giao-2024-household_fibre_rate-below_target.csv", encoding="utf-8-sig",
                        dtype={"Mã đơn vị": str})  # fmt: skip
    assert table["Mã đơn vị"].tolist() == ["25861", "25864", "25873"]
    assert table[FIBRE_HEADER].tolist() == [79.0, 75.0, 70.1]
    assert table["Đơn vị"].tolist() == ["An Linh", "Phước Sang", "Tân Hiệp"]


def test_units_without_data_are_exported_with_all_and_no_data(data_copy, tmp_path):
    with open(data_copy / "units.csv", "a", encoding="utf-8") as handle:
        handle.write("25999,Lai Uyên,xã,Phú Giáo,Bình Dương,5000,3600,1500,5,,test\n")
    ex = Explorer.load("Lai Uyên", FIBRE, "2024", data_dir=data_copy, export_dir=tmp_path)
    assert "xã Lai Uyên chưa có số liệu về tỷ lệ hộ gia đình" in ex.compare()
    assert ex.filtered_codes("no_data")[0] == ["25999"]
    assert ex.filtered_codes("all")[0][-1] == "25999" and len(ex.filtered_codes("all")[0]) == 12
    assert "25999" not in ex.filtered_codes("below_target")[0]
    ex.export("no_data")
    frame = pd.read_csv(tmp_path / "phu-giao-2024-household_fibre_rate-no_data.csv", dtype={"Mã đơn vị": str})
    assert frame["Mã đơn vị"].tolist() == ["25999"] and frame[FIBRE_HEADER].isna().all()
    assert "Lai Uyên" in "".join([ex.history(), ex.gaps()])


def test_export_keeps_leading_zeros(data_copy, tmp_path):
    for name in ("units.csv", "observations.csv", "notes.csv", "successions.csv"):
        path = data_copy / name
        path.write_text(path.read_text(encoding="utf-8").replace("25861", "01861"), encoding="utf-8")
    ex = Explorer.load("An Linh", FIBRE, "2024", data_dir=data_copy, export_dir=tmp_path)
    ex.export("all")
    sheet = openpyxl.load_workbook(tmp_path / "phu-giao-2024-household_fibre_rate-all.xlsx")["Số liệu"]
    codes = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert "01861" in codes and all(isinstance(c, str) for c in codes)
    text = (tmp_path / "phu-giao-2024-household_fibre_rate-all.csv").read_text(encoding="utf-8-sig")
    assert "\n01861,An Linh," in text
    assert (
        pd.read_excel(tmp_path / "phu-giao-2024-household_fibre_rate-all.xlsx", dtype={"Mã đơn vị": str})["Mã đơn vị"]
        .tolist()
        .count("01861")
        == 1
    )


def test_export_in_english_and_with_a_fallback_filter(sample, tmp_path):
    ex = Explorer.load("Vĩnh Hòa", "citizen_meetings", "2024", lang="en", dataset=sample, export_dir=tmp_path)
    page = ex.export("below_target")
    assert "has no national target, so the filter uses the median instead" in page
    frame = pd.read_csv(tmp_path / "phu-giao-2024-citizen_meetings-below_median.csv", dtype={"Unit code": str})
    assert list(frame.columns[:3]) == ["Unit code", "Unit", "Kind"]
    assert frame["Citizen meetings on DX (meetings)"].dtype.kind == "i"


def test_export_table_of_every_unit(sample):
    frame = export_table(sample, "2024", PHU_GIAO, lang="vi")
    assert len(frame) == 11 and frame["Mã đơn vị"].tolist() == PHU_GIAO
    assert FIBRE_HEADER in frame.columns and "Mục tiêu quốc gia" not in frame.columns
    assert frame["Hạng trong huyện (tỉnh)"].min() == 1
    assert str(frame["Kế hoạch về chuyển đổi số đã ban hành (kế hoạch)"].dtype) == "Int64"


# --------------------------------------------------------------------------- Run All keeps the picker's choice


@pytest.fixture()
def no_choices(monkeypatch):
    """A fresh kernel: no choice made in a picker yet."""
    from dxnb import explore

    monkeypatch.setattr(explore, "_CHOICES", {})


def _run_all(sample, tmp_path, unit="Vĩnh Hòa", indicator=FIBRE, period="2024", **kwargs):
    """What Run → Run All Cells does: the parameters cell, then the explorer loaded with keep_choice=True."""
    return Explorer.load(unit, indicator, period, dataset=sample, export_dir=tmp_path, keep_choice=True, **kwargs)


def test_run_all_keeps_the_choice_made_in_the_picker(sample, tmp_path, no_choices):
    ex = _run_all(sample, tmp_path)
    controls = ex.picker().controls
    controls["unit"].value = "25858"
    controls["indicator"].value = "radio_minutes"
    again = _run_all(sample, tmp_path)  # Run All: the parameters cell says Vĩnh Hòa again
    assert (again.unit_code, again.indicator, again.period) == ("25858", "radio_minutes", "2024")
    assert again.picker().controls["unit"].value == "25858"  # the dropdown shows the choice, not the default
    assert "Phước Vĩnh" in again.compare() and "được giữ khi chạy lại" in again.selection()


def test_new_parameters_win_over_an_old_choice(sample, tmp_path, no_choices):
    _run_all(sample, tmp_path).picker().controls["unit"].value = "25858"
    edited = _run_all(sample, tmp_path, unit="An Bình")  # the advisor edited the parameters cell
    assert edited.unit_code == "25870" and not edited.kept_choice
    assert _run_all(sample, tmp_path, unit="An Bình").unit_code == "25870"  # the old choice is forgotten


def test_without_keep_choice_the_parameters_rule(sample, tmp_path, no_choices):
    _run_all(sample, tmp_path).picker().controls["unit"].value = "25858"
    assert Explorer.load("Vĩnh Hòa", FIBRE, "2024", dataset=sample, export_dir=tmp_path).unit_code == "25882"


# --------------------------------------------------------------------------- the map


def test_the_map_step_colours_the_group_by_the_indicator(explorer):
    page = str(explorer.map())
    assert 'id="map"' in page and page.count("data:image/png;base64,") == 1
    assert "Bản đồ 11 đơn vị của huyện Phú Giáo, tỉnh Bình Dương, tô màu theo tỷ lệ hộ gia đình" in page
    explorer.select(indicator="citizen_meetings")  # a count: coloured by its points
    assert "mức đạt điểm của chỉ tiêu" in str(explorer.map())
    explorer.select(indicator="panel_hamlets")  # neither a rate nor scored
    assert "Không vẽ bản đồ" in str(explorer.map())


def test_units_not_in_the_registry_get_a_note_instead_of_a_map(former_copy, tmp_path):
    for name in ("units.csv", "observations.csv", "notes.csv"):  # made-up codes: 25882 becomes 95882 …
        path = former_copy / name
        text = path.read_text(encoding="utf-8")
        for old in PHU_GIAO:
            text = text.replace(f"\n{old},", f"\n9{old[1:]},")
        path.write_text(text, encoding="utf-8")
    ex = Explorer.load("95882", FIBRE, "2024", data_dir=former_copy, export_dir=tmp_path)
    page = str(ex.map())
    assert "Không vẽ bản đồ" in page and "<img" not in page


# --------------------------------------------------------------------------- the period's framework


def test_the_explorer_follows_the_framework_of_the_period(sample_all, tmp_path):
    ex = Explorer.load("Phước Hòa", "vneid_level2_rate", "2025", dataset=sample_all, export_dir=tmp_path)
    assert ex.catalogue.id == "dxnb-ref-2025" and ex.ind.name_vi.startswith("Tỷ lệ người trưởng thành có tài khoản")
    summary = ex.summary()
    assert "Tỷ lệ hồ sơ thủ tục hành chính nộp trực tuyến" in summary and "hồ sơ sức khỏe điện tử" in summary
    assert "Hoạt động xã hội số" in summary and "Hạ tầng số" in summary
    compare = ex.compare()
    assert "của xã Phước Hòa là <b>87,1% (ước tính)</b>, xếp thứ <b>2/4</b>" in compare and "26,1/30" in compare
    assert "2025-10" not in ex.history()  # a year's history holds years only
    # the months of the 766 index: its groups and indicators, its months as history
    month = Explorer.load("25882", "svc766_progress", "2025-12", dataset=sample_all, export_dir=tmp_path)
    assert month.catalogue.id == "svc-766-classes"
    assert "Tiến độ giải quyết" in month.summary() and "Hạ tầng số" not in month.summary()
    assert indicator_history(sample_all.at("2025-12"), "svc766_progress", ["25882"]).columns.tolist() == [
        "2025-10", "2025-11", "2025-12",
    ]  # fmt: skip
    history = month.history()
    assert "2025-10" in history and "2025-11" in history and ">2025<" not in history
    with pytest.raises(ParameterError, match="No indicator is called 'household_fibre_rate'"):
        month.select(indicator="household_fibre_rate")


def test_the_picker_offers_the_indicators_of_the_periods_framework(sample_all, tmp_path):
    ex = Explorer.load("25882", "svc766_progress", "2025-12", dataset=sample_all, export_dir=tmp_path)
    controls = ex.picker().controls
    assert [iid for _, iid in controls["indicator"].options] == [
        "svc766_transparency", "svc766_progress", "svc766_digitisation", "svc766_online_service",
        "svc766_satisfaction",
    ]  # fmt: skip
    controls["period"].value = "2025"  # the yearly evaluation: the reference set 2025 and its first indicator
    assert ex.period == "2025" and ex.catalogue.id == "dxnb-ref-2025"
    assert "vneid_level2_rate" in [iid for _, iid in controls["indicator"].options]
    assert controls["indicator"].value == ex.indicator == next(iter(ex.catalogue)).id
    assert "fail" not in controls["preview"].value
