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
    images = re.findall(r'src="data:image/(?:png|svg\+xml);base64,([^"]+)"', page)
    assert len(images) >= 7
    for data in images:
        assert base64.b64decode(data).startswith((b"\x89PNG", b"<svg "))
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
    params = {"unit_code": "25882", "period": "2024", "lang": "vi", **kwargs}
    with pytest.raises(ParameterError, match=re.escape(message)):
        CommuneReport.build(params["unit_code"], params["period"], lang=params["lang"], dataset=sample)


def test_parameter_helpers():
    assert check_unit_code(" 25882 ") == "25882"
    assert check_period(2024) == "2024"
    with pytest.raises(ParameterError, match="-r unit_code 01156"):
        check_unit_code(1156)
