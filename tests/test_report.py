"""The commune report: parameters checked first, survey figures in Vietnamese style, data escaped."""

from __future__ import annotations

import base64
import re

import pytest

from dxnb.errors import ParameterError
from dxnb.params import check_period, check_unit_code
from dxnb.report import CommuneReport


@pytest.fixture(scope="module")
def vinh_hoa(sample):
    report = CommuneReport.build("25882", "2024", dataset=sample)
    return report, "".join(report.sections())


def test_vinh_hoa_shows_the_survey_in_vietnamese_style(vinh_hoa):
    _, page = vinh_hoa
    for text in ("92,4%", "90,6%", "1.083 chữ ký", "14 kế hoạch", "145 phút", "640 lượt", "7 pano", "16 cuộc"):
        assert text in page, text
    assert "Xã Vĩnh Hòa — năm 2024" in page
    assert "Huyện Phú Giáo, tỉnh Bình Dương · Mã đơn vị 25882" in page
    assert "92.4" not in page


def test_vinh_hoa_flags_the_signature_target(vinh_hoa):
    report, page = vinh_hoa
    assert "personal_signature_rate" in report.ev.targets_not_met
    assert "Quyết định 411/QĐ-TTg" in page
    assert re.search(r"Nâng tỷ lệ người trưởng thành có chữ ký số cá nhân từ 9,9%.*lên tối thiểu 50%", page)


def test_every_section_is_present_and_charts_are_embedded_pngs(vinh_hoa):
    _, page = vinh_hoa
    for key in (
        "summary",
        "institutions",
        "awareness",
        "human_resources",
        "digital_government",
        "economy_society",
        "trends",
        "peers",
        "quality",
        "recommendations",
        "provenance",
    ):
        assert f'id="{key}"' in page, key
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) >= 7
    for data in images:
        assert base64.b64decode(data).startswith(b"\x89PNG")
    assert "http://" not in page and "https://" not in page


def test_notes_and_provenance(vinh_hoa, sample):
    _, page = vinh_hoa
    assert "Thanh toán không dùng tiền mặt chưa phổ biến" in page
    assert sample.hashes["observations.csv"] in page
    assert "unit_code" in page


def test_english_report(sample):
    page = "".join(CommuneReport.build("25882", "2024", lang="en", dataset=sample).sections())
    assert "Vĩnh Hòa commune — 2024" in page
    for text in ("92.4%", "90.6%", "1,083 signatures", "Summary", "National targets"):
        assert text in page, text


def test_other_unit_and_period(sample):
    report = CommuneReport.build("25858", 2023, dataset=sample)
    page = "".join(report.sections())
    assert "Thị trấn Phước Vĩnh — năm 2023" in page
    assert "synthetic" in page


def test_text_from_data_is_escaped(data_copy):
    with open(data_copy / "notes.csv", "a", encoding="utf-8") as handle:
        handle.write('25882,2024,challenge,"<script>alert(1)</script> & <b>x</b>",test\n')
    page = "".join(CommuneReport.build("25882", "2024", data_dir=data_copy).sections())
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;x&lt;/b&gt;" in page


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"unit_code": 25882}, "unit_code must be a string of digits, got int 25882"),
        ({"unit_code": "Vĩnh Hòa"}, "string of digits"),
        ({"unit_code": "99999"}, "No unit has the code '99999'"),
        ({"period": "2019"}, "no data for period 2019; periods with data: 2022, 2023, 2024"),
        ({"period": "24"}, "period must be a year"),
        ({"lang": "fr"}, "lang must be one of vi, en"),
    ],
)
def test_bad_parameters_fail_clearly(sample, kwargs, message):
    params = {"unit_code": "25882", "period": "2024", "lang": "en", **kwargs}
    with pytest.raises(ParameterError, match=re.escape(message)):
        CommuneReport.build(params["unit_code"], params["period"], lang=params["lang"], dataset=sample)


def test_parameter_helpers():
    assert check_unit_code(" 25882 ") == "25882"
    assert check_period(2024) == "2024"
    with pytest.raises(ParameterError, match="-r unit_code 01156"):
        check_unit_code(1156)


# --------------------------------------------------------------------------- a commune formed on 1/7/2025


@pytest.fixture(scope="module")
def phuoc_hoa(sample_all):
    report = CommuneReport.build("25882", "2025", dataset=sample_all)
    return report, report.formation()


def test_formation_names_the_former_communes_and_the_resolution(phuoc_hoa):
    report, html = phuoc_hoa
    assert report.ev.unit["name"] == "Phước Hòa" and report.ev.period == "2025"
    assert "<b>xã Phước Hòa</b> được thành lập từ ngày 01/07/2025" in html
    for name, code in (("Vĩnh Hòa", "25882"), ("Phước Hòa", "25885"), ("Tam Lập", "25876")):
        assert f"xã {name} (mã {code})" in html
    assert "xã Vĩnh Hòa (mã 25882): toàn bộ" in html
    assert "xã Tam Lập (mã 25876): một phần (không có tỷ lệ: ước tính chia đều cho 2 đơn vị kế thừa)" in html
    assert "Nghị quyết 1685/NQ-UBTVQH15" in html


def test_formation_trend_is_marked_as_estimated_from_the_former_communes(phuoc_hoa):
    report, html = phuoc_hoa
    assert "data:image/png;base64," in html
    assert "các năm 2022–2024 là <b>ước tính từ các xã cũ</b>" in html
    rows = re.findall(r"<tr><td>(\d{4})</td>.*?<td>([^<]+)</td></tr>", html)
    assert rows == [("2022", "ước tính từ các xã cũ"), ("2023", "ước tính từ các xã cũ"),
                    ("2024", "ước tính từ các xã cũ"), ("2025", "số liệu của đơn vị")]  # fmt: skip
    assert list(report.ev.trend.index) == ["2025"]  # its own trend is never mixed with the estimates


def test_formation_ranks_it_in_its_province(phuoc_hoa):
    report, html = phuoc_hoa
    assert report.ev.group_size == 4 and report.ev.group_label == "Hồ Chí Minh"
    assert f"xếp thứ <b>{report.ev.rank}/4</b> trong thành phố Hồ Chí Minh" in html


def test_formation_in_english(sample_all):
    html = CommuneReport.build("25882", "2025", lang="en", dataset=sample_all).formation()
    assert "<b>Phước Hòa commune</b> was formed on 01/07/2025 from:" in html
    assert "<b>estimated from the former communes</b>" in html


def test_a_pre_2025_report_is_unchanged(vinh_hoa, sample_all):
    report, _html = vinh_hoa
    assert report.formation() == ""  # no formation section for Vĩnh Hòa
    whole = CommuneReport.build("25882", "2024", dataset=sample_all)
    assert whole.ev.unit["name"] == "Vĩnh Hòa"
    assert whole.ev.indicators["value"].equals(report.ev.indicators["value"])
    assert whole.ev.indicators.at["personal_signatures", "value"] == 1083
    assert whole.ev.indicators.at["adult_smartphone_rate", "value"] == pytest.approx(92.4)
