"""The overview and exploration notebooks under papermill: other parameters, another working directory, failures.

nbval runs both with their defaults (every notebook in ``notebooks/``); these tests run them the way a
batch or an advisor would, from a folder that is not the project, and check that bad parameters end
the run with dxnb's short message.
"""

from __future__ import annotations

import re
import unicodedata

import nbformat
import openpyxl
import papermill as pm
import pytest

from dxnb.export import notebook_to_html
from dxnb.paths import NOTEBOOKS_DIR, PROJECT_ROOT

pytestmark = pytest.mark.slow

OVERVIEW = NOTEBOOKS_DIR / "district_overview.ipynb"
EXPLORE = NOTEBOOKS_DIR / "explore.ipynb"


@pytest.fixture()
def run(notebook_runner, tmp_path):
    """Run a notebook with parameters from ``tmp_path`` (not the project); return the executed notebook's text."""

    def run(notebook, **parameters):
        output = tmp_path / "out.ipynb"
        notebook_runner(notebook, output, parameters=parameters, cwd=tmp_path)
        return output.read_text(encoding="utf-8")

    return run


def test_parameters_are_the_documented_ones():
    assert set(pm.inspect_notebook(str(OVERVIEW))) == {"period", "data_dir", "lang", "district", "province"}
    assert set(pm.inspect_notebook(str(EXPLORE))) == {
        "unit", "indicator", "period", "district", "province", "export_filter", "data_dir", "export_dir", "lang",
    }  # fmt: skip
    defaults = {name: p["default"] for name, p in pm.inspect_notebook(str(OVERVIEW)).items()}
    assert defaults == {"period": '"2024"', "data_dir": '"data"', "lang": '"vi"', "district": '""', "province": '""'}


def test_overview_in_english_for_another_period_and_a_district(run, tmp_path):
    text = run(OVERVIEW, period="2023", lang="en", district=unicodedata.normalize("NFD", "huyện Phú Giáo"))
    assert "Phú Giáo district, Bình Dương province — 2023" in text
    for fragment in ("Ranking of the units", "Points earned per indicator", "Pillar indices", "Trends over the years",
                     "Data quality", "Units meeting the national targets"):  # fmt: skip
        assert fragment in text, fragment
    assert "Since 2022" in text


def test_overview_of_a_province_renders_to_an_offline_page(run, tmp_path):
    text = run(OVERVIEW, province="binh duong", data_dir=str(PROJECT_ROOT / "data"))  # no diacritics
    assert "Tỉnh Bình Dương — năm 2024" in text
    nb = nbformat.reads(text, as_version=4)
    page = notebook_to_html(nb, title="Tổng quan — năm 2024", lang="vi")
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", page) and "url(http" not in page
    assert "Xếp hạng các đơn vị" in page and "Chỉ tiêu quốc gia" in page
    assert "injected-parameters" not in page and "Overview.build" not in page
    assert len(re.findall(r'src="data:image/(?:png|svg\+xml);base64,', page)) == 6  # with the map
    assert 'alt="Bản đồ 11 đơn vị của tỉnh Bình Dương, tô màu theo chỉ số chung năm 2024' in page


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        (
            {"period": "2019"},
            "Không có số liệu kỳ 2019; các kỳ có số liệu: 2022, 2023, 2024, 2025-10, 2025-11, 2025-12, 2025.",
        ),
        ({"district": "Bến Cát"}, "Không có huyện nào tên 'Bến Cát'."),
        ({"province": "Binh Duon"}, "Không có tỉnh nào tên 'Binh Duon'. Có phải ý bạn là 'Bình Dương'?"),
        ({"lang": "fr"}, "lang must be one of vi, en"),
    ],
)
def test_overview_fails_clearly_on_bad_parameters(run, tmp_path, parameters, message):
    with pytest.raises(pm.PapermillExecutionError) as caught:
        run(OVERVIEW, **parameters)
    assert message in str(caught.value)
    saved = (tmp_path / "out.ipynb").read_text(encoding="utf-8")
    assert message in saved and "Traceback" not in saved
    assert "Xếp hạng các đơn vị" not in saved, "no overview with other parameters"


def test_explore_for_another_unit_indicator_and_period_in_english(run, tmp_path):
    exports = tmp_path / "exports"
    text = run(
        EXPLORE,
        unit="25858",
        indicator="citizen_meetings",
        period="2023",
        lang="en",
        export_filter="below_median",
        export_dir=str(exports),
    )
    for fragment in ("Units compared: Citizen meetings on DX", "Phước Vĩnh township", "Over the years",
                     "Outliers and gaps", "Export to Excel and CSV"):  # fmt: skip
        assert fragment in text, fragment
    workbook = exports / "phu-giao-2023-citizen_meetings-below_median.xlsx"
    assert workbook.is_file() and workbook.with_suffix(".csv").is_file()
    sheet = openpyxl.load_workbook(workbook)["Data"]
    codes = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert sheet["A1"].value == "Unit code" and codes and all(isinstance(code, str) for code in codes), codes


def test_explore_within_a_province_from_another_directory(run, tmp_path):
    # A relative export_dir is resolved from the project root (tests/test_explore.py checks resolve_export_dir);
    # here an absolute one in tmp_path keeps the test out of the project's folders.
    folder = tmp_path / "exports"
    text = run(EXPLORE, unit="vinh hoa", province="Bình Dương", export_dir=str(folder))  # no diacritics
    assert "So sánh trong: tỉnh Bình Dương (11 đơn vị)" in text
    assert "Bản đồ 11 đơn vị của tỉnh Bình Dương, tô màu theo tỷ lệ hộ gia đình" in text  # the map step
    assert (folder / "binh-duong-2024-household_fibre_rate-below_target.xlsx").is_file()
    assert not (tmp_path / "reports").exists(), "nothing is written into the working directory"


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        (
            {"unit": "Vinh Hao"},
            "Không có đơn vị nào tên 'Vinh Hao'. Có phải ý bạn là Vĩnh Hòa (25882, Phú Giáo, Bình Dương)?",
        ),
        ({"indicator": "fibre"}, "Không có chỉ tiêu nào tên 'fibre'"),
        (
            {"period": "2030"},
            "Không có số liệu kỳ 2030; các kỳ có số liệu: 2022, 2023, 2024, 2025-10, 2025-11, 2025-12, 2025.",
        ),
        ({"export_filter": "lagging"}, "export_filter phải là một trong all, below_target, below_median, no_data"),
        ({"lang": "fr"}, "lang must be one of vi, en"),
    ],
)
def test_explore_fails_clearly_on_bad_parameters(run, tmp_path, parameters, message):
    with pytest.raises(pm.PapermillExecutionError) as caught:
        run(EXPLORE, export_dir=str(tmp_path / "exports"), **parameters)
    assert message in str(caught.value)
    saved = (tmp_path / "out.ipynb").read_text(encoding="utf-8")
    assert message in saved and "Traceback" not in saved
    assert not (tmp_path / "exports").exists(), "nothing is exported after a bad parameter"
    assert "So sánh các đơn vị" not in saved, "the run stops at the parameters, before the first step"
