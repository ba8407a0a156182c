"""Issue #13's Done-when on the bundled sample: 2025 under the extended reference set, the 766 index by month with
result classes, frameworks compared in the report; and which frameworks are comparable with the one in force."""

from __future__ import annotations

import html
import json
import re

import pytest

from dxnb import fmt
from dxnb.batch import run_batch
from dxnb.report import CommuneReport
from dxnb.report_frameworks import comparable_frameworks
from dxnb.site import write_period_index

NEW = ("25858", "25864", "25867", "25882")
#: Names dxnb-ref-2025 gives the indicators it adds (the bundled indicators.csv has none of them).
NEW_NAMES = (
    "Tỷ lệ người trưởng thành có tài khoản định danh điện tử mức 2",
    "Tỷ lệ thủ tục cung cấp dịch vụ công trực tuyến toàn trình",
    "Tỷ lệ hồ sơ thủ tục hành chính nộp trực tuyến",
    "Tỷ lệ hồ sơ, kết quả giải quyết thủ tục hành chính được số hóa",
    'Tỷ lệ người trưởng thành tham gia "Bình dân học vụ số"',
    "Tỷ lệ doanh nghiệp, hộ kinh doanh sử dụng hóa đơn điện tử",
    "Tỷ lệ người dân có hồ sơ sức khỏe điện tử",
)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The sample's 2025 and 2025-12 rendered as `dxnb reports --period 2025 2025-12` does."""
    out = tmp_path_factory.mktemp("reports")
    result = run_batch(out_dir=out, jobs=2, periods=["2025", "2025-12"])
    assert result.ok, [(o.code, o.error) for o in result.failed]
    return out


def _report(out, period: str, code: str) -> str:
    manifest = json.loads((out / period / "manifest.json").read_text(encoding="utf-8"))
    return html.unescape((out / period / manifest["units"][code]["html"]).read_text(encoding="utf-8"))


def test_the_2025_reports_show_the_indicators_of_the_extended_reference_set(rendered, sample_all):
    assert sample_all.catalogue_for("2025").id == "dxnb-ref-2025"
    for code in NEW:
        page = _report(rendered, "2025", code)
        assert sum(name in page for name in NEW_NAMES) >= 6, code  # a missing value may leave one out
        assert "Bộ chỉ số tham chiếu chuyển đổi số cấp xã của dxnb, mở rộng từ năm 2025" in page
    page = _report(rendered, "2025", "25882")
    assert all(name in page for name in NEW_NAMES)
    vneid = sample_all.observations.query("unit_code == '25882' and period == '2025' and "
                                          "indicator == 'vneid_level2_accounts'")["value"].iloc[0]  # fmt: skip
    rate = vneid / sample_all.at("2025").units.at["25882", "adult_population"] * 100
    assert fmt.percent(rate, 1) in page  # the derived rate, Vietnamese style
    assert 'id="frameworks"' in page and "dxnb-ref-2022" in page  # last year's rules, compared
    assert "2025-10" not in page  # the months of the 766 index are another series


def test_a_766_month_has_its_groups_and_the_result_class_in_index_and_reports(rendered, sample_all):
    index = (rendered / "2025-12" / "index.html").read_text(encoding="utf-8")
    head = re.search(r"<thead>(.*?)</thead>", index, re.S).group(1)
    assert "Xếp loại" in head and "Tiến độ giải quyết" in head and "Hạ tầng số" not in head
    assert "Đạt chỉ tiêu" not in head  # the 766 index has no targets: no "0/0" column
    yearly = re.search(r"<thead>(.*?)</thead>", (rendered / "2025" / "index.html").read_text(encoding="utf-8"), re.S)
    assert "Đạt chỉ tiêu" in yearly.group(1)
    table = sample_all.catalogue_for("2025-12")
    names = {c.name_vi for c in table.classes}
    body = re.search(r"<tbody>(.*?)</tbody>", index, re.S).group(1)
    shown = {n for n in names if f">{n}<" in body}
    assert shown and shown <= names
    assert f'<option value="{next(iter(shown))}">' in index  # the class filter
    page = _report(rendered, "2025-12", "25882")
    assert "Xếp loại" in page and any(n in page for n in shown)
    assert 'id="frameworks"' not in page  # nothing comparable to a month of the 766 index
    assert "Thay đổi so với 2025-11" in page


def test_the_class_in_english(sample_all, tmp_path):
    view = sample_all.at("2025-12")
    page = write_period_index(tmp_path, view, "2025-12", {"units": {}}, "en").read_text(encoding="utf-8")
    head = re.search(r"<thead>(.*?)</thead>", page, re.S).group(1)
    assert "Result class" in head
    english = {c.name_en for c in view.catalogue_for("2025-12").classes}
    assert any(f">{n}<" in page for n in english)
    report = "".join(CommuneReport.build("25882", "2025-12", dataset=sample_all, lang="en").sections())
    assert any(n in report for n in english)
    compared = str(CommuneReport.build("25882", "2025", dataset=sample_all, lang="en").frameworks())
    assert "Score under each framework" in compared and "808.3/1,000" in compared


def test_comparable_frameworks(sample_all, former_sample):
    assert comparable_frameworks(sample_all, "2025") == ["dxnb-ref-2025", "dxnb-ref-2022", "svc-766-classes"]
    assert comparable_frameworks(sample_all, "2024") == ["dxnb-ref-2022", "svc-766-classes"]  # 766: since 2022
    assert comparable_frameworks(sample_all, "2025-12")[0] == "svc-766-classes"
    assert comparable_frameworks(former_sample, "2024") == []  # no frameworks.csv: one catalogue
    # 766 has nothing to score in the yearly data, nor the yearly sets in a month: left out, or no section
    assert CommuneReport.build("25882", "2024", dataset=sample_all).frameworks() == ""
    assert CommuneReport.build("25882", "2025-12", dataset=sample_all).frameworks() == ""
    section = str(CommuneReport.build("25882", "2025", dataset=sample_all).frameworks())
    assert "svc-766" not in section and "808,3/1.000" in section and "800/1.000" in section
