"""Reading filled forms: a hostile or damaged workbook is refused with the file, sheet and cell, never a crash."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from dxnb import formreader
from dxnb.cli import main
from dxnb.formreader import read_form
from dxnb.forms import FIRST_ROW, META_SHEET, NOTES_FIRST_ROW, NOTES_SHEET, VALUES_SHEET, write_template

VINH_HOA = "25882"


@pytest.fixture()
def form(former_sample, tmp_path) -> Path:
    return write_template(former_sample, VINH_HOA, "2025", tmp_path / "form.xlsx")


@pytest.fixture()
def data_copy(former_copy):
    """These tests fill 2025 forms of the former units: the former_sample as it was before the 2025 communes."""
    return former_copy


def row_of(ws, indicator: str) -> int:
    return next(row for row in range(FIRST_ROW, ws.max_row + 1) if ws.cell(row, 1).value == indicator)


def edit(path: Path, change) -> Path:
    wb = openpyxl.load_workbook(path)
    change(wb)
    wb.save(path)
    return path


def rewrite_member(path: Path, member: str, change) -> Path:
    """Rewrite one zip member of the workbook with ``change(bytes) -> bytes``."""
    with zipfile.ZipFile(path) as archive:
        items = [(info, archive.read(info.filename)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in items:
            archive.writestr(info, change(data) if info.filename == member else data)
    return path


def refused(path: Path, former_sample) -> str:
    result, problems = read_form(path, former_sample)
    assert result is None and problems and problems[0].is_error
    return "\n".join(str(p) for p in problems)


# --------------------------------------------------------------------------- damaged files


def test_corrupt_deflate_stream(form, former_sample):
    data = bytearray(form.read_bytes())
    with zipfile.ZipFile(form) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    offset = info.header_offset
    start = (
        offset
        + 30
        + int.from_bytes(data[offset + 26 : offset + 28], "little")
        + int.from_bytes(data[offset + 28 : offset + 30], "little")
    )
    data[start + 20 : start + 60] = b"\xff" * 40
    form.write_bytes(bytes(data))
    text = refused(form, former_sample)
    assert "form.xlsx" in text and "cannot be read" in text and "save it as .xlsx" in text


def test_truncated_sheet_xml(form, former_sample):
    rewrite_member(form, "xl/worksheets/sheet1.xml", lambda data: data[: len(data) // 2])
    text = refused(form, former_sample)
    assert "cannot be read" in text and "Chỉ tiêu" in text


def test_undefined_xml_entity(form, former_sample):
    rewrite_member(form, "xl/worksheets/sheet1.xml", lambda data: data.replace(b"<sheetData>", b"<sheetData>&bogus;"))
    text = refused(form, former_sample)
    assert "cannot be read" in text and "form.xlsx" in text


def test_encrypted_workbook_named_as_such(tmp_path, former_sample, capsys):
    path = tmp_path / "locked.xlsx"
    path.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 4000)  # the OLE2 container Excel encrypts into
    text = refused(path, former_sample)
    assert "password-protected" in text and "remove the password" in text and "BadZipFile" not in text


@pytest.mark.parametrize("value", ["abc", "0", "-3", "11.0", 11.5, 99999999999, ""])
def test_edited_first_row_refused(form, former_sample, value):
    def change(wb):
        ws = wb[META_SHEET]
        row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "first_row")
        ws.cell(row, 2).value = value

    text = refused(edit(form, change), former_sample)
    assert "hidden information was edited" in text and "first_row" in text and "dxnb!B" in text


def test_first_row_as_a_number_is_the_same_row(form, former_sample):
    def change(wb):
        ws = wb[META_SHEET]
        row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "first_row")
        ws.cell(row, 2).value = 11.0  # Excel stores 11: the same layout, read as usual

    result, problems = read_form(edit(form, change), former_sample)
    assert result is not None and not [p for p in problems if "nothing is imported" not in p.message]


# --------------------------------------------------------------------------- bounds


def test_cell_at_the_last_excel_row_refused_before_loading(form, former_sample):
    edit(form, lambda wb: wb[NOTES_SHEET].cell(1_048_576, 2, "ghi chú rất xa"))
    assert form.stat().st_size < 100_000
    text = refused(form, former_sample)
    assert "'Ghi chú'" in text and "1048576" in text and "at most" in text and "Delete" in text


def test_far_row_found_when_the_dimension_lies(form, former_sample):
    edit(form, lambda wb: wb[NOTES_SHEET].cell(5000, 2, "ghi chú rất xa"))
    with zipfile.ZipFile(form) as archive:
        member = next(n for n in archive.namelist() if b"5000" in archive.read(n) and "worksheets/sheet" in n)
    rewrite_member(form, member, lambda data: re.sub(rb"<dimension [^>]*/>", b'<dimension ref="A1:C7"/>', data))
    text = refused(form, former_sample)
    assert "'Ghi chú'" in text and "row 5000" in text


def test_values_sheet_too_long(form, former_sample):
    edit(form, lambda wb: wb[VALUES_SHEET].cell(500, 9, "x"))
    text = refused(form, former_sample)
    assert "'Chỉ tiêu'" in text and "row 500" in text


def test_too_many_notes(form, former_sample):
    def change(wb):
        for row in range(NOTES_FIRST_ROW, NOTES_FIRST_ROW + formreader.LIMITS["note_rows"] + 1):
            wb[NOTES_SHEET].cell(row, 1, "khó khăn")
            wb[NOTES_SHEET].cell(row, 2, f"ghi chú {row}")

    text = refused(edit(form, change), former_sample)
    assert "1,000 notes" in text


def test_file_and_unpacked_size_limits(form, former_sample, monkeypatch):
    monkeypatch.setitem(formreader.LIMITS, "file_bytes", 1000)
    assert "more than a form can be" in refused(form, former_sample)
    monkeypatch.setitem(formreader.LIMITS, "file_bytes", 20 * 1024 * 1024)
    monkeypatch.setitem(formreader.LIMITS, "uncompressed_bytes", 10_000)
    assert "unpacks to" in refused(form, former_sample)


# --------------------------------------------------------------------------- layout


@pytest.mark.parametrize(("column", "cell"), [(7, "G10"), (6, "F10"), (2, "B10")])
def test_inserted_column_refused(form, former_sample, column, cell):
    """An unprotected sheet with a column inserted would put last year's values in the value column."""

    def change(wb):
        ws = wb[VALUES_SHEET]
        ws.protection.sheet = False
        ws.insert_cols(column)

    text = refused(edit(form, change), former_sample)
    assert f"'Chỉ tiêu'!{cell}" in text and "was made with" in text and "columns must not be inserted" in text


def test_header_row_intact_form_still_reads(form, former_sample):
    def change(wb):
        ws = wb[VALUES_SHEET]
        ws.cell(row_of(ws, "plans_issued"), 7).value = 3

    result, problems = read_form(edit(form, change), former_sample)
    assert result is not None and [v.value for v in result.values] == [3.0], problems


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize("value", ["1" * 400, "9" * 309, 1e300, 2e12, "-" + "9" * 400])
def test_absurd_numbers_refused(form, former_sample, value):
    def change(wb):
        ws = wb[VALUES_SHEET]
        ws.cell(row_of(ws, "personal_signatures"), 7).value = value

    text = refused(edit(form, change), former_sample)
    assert "'Chỉ tiêu'!G" in text and ("too large" in text or "beyond" in text or "out of range" in text)


def test_absurd_number_cli_exit_2(data_copy, tmp_path, capsys):
    from dxnb.dataset import load_dataset

    path = write_template(load_dataset(data_copy), VINH_HOA, "2025", tmp_path / "f.xlsx")

    def change(wb):
        ws = wb[VALUES_SHEET]
        ws.cell(row_of(ws, "personal_signatures"), 7).value = "1" * 309

    edit(path, change)
    assert main(["import", str(path), "--data", str(data_copy)]) == 2
    err = capsys.readouterr().err
    assert "f.xlsx:'Chỉ tiêu'!G" in err and "Traceback" not in err


# --------------------------------------------------------------------------- figures as surveys state them


@pytest.mark.parametrize(
    ("indicator", "typed", "value", "qualifier"),
    [
        ("meeting_attendance", "hơn 640", 640, "lower_bound"),
        ("meeting_attendance", "trên 640 lượt", 640, "lower_bound"),
        ("training_classes", "ít nhất 2", 2, "lower_bound"),
        ("adult_smartphone_rate", "khoảng 60%", 60, "estimate"),
        ("adult_smartphone_rate", "~60", 60, "estimate"),
        ("edocs_signed_rate", "gần 100%", 100, "estimate"),
        ("adult_smartphone_rate", "khoang 92,4", 92.4, "estimate"),
        ("personal_signatures", "hơn 1.083", 1083, "lower_bound"),
        ("adult_smartphone_rate", "92,4", 92.4, ""),
    ],
)
def test_qualified_figures_are_read_with_their_qualifier(former_sample, indicator, typed, value, qualifier):
    got = formreader.read_qualified_value(typed, "General", former_sample.catalogue[indicator])
    assert got == (pytest.approx(value), qualifier)


@pytest.mark.parametrize("typed", ["nhiều lớp", "rất nhiều", "không rõ"])
def test_words_without_a_number_are_refused_with_what_to_do(former_sample, typed):
    with pytest.raises(formreader.ValueProblem) as caught:
        formreader.read_qualified_value(typed, "General", former_sample.catalogue["training_classes"])
    assert "is not a figure" in caught.value.message
    assert "type a number" in caught.value.hint and "note column" in caught.value.hint


def test_a_form_keeps_the_qualifiers_typed(form, former_sample):
    def change(wb):
        ws = wb[VALUES_SHEET]
        ws.cell(row_of(ws, "meeting_attendance"), 7).value = "hơn 700"
        ws.cell(row_of(ws, "training_classes"), 7).value = "nhiều lớp"

    result, problems = read_form(edit(form, change), former_sample)
    assert result is None and len(problems) == 1 and "'Chỉ tiêu'!G" in problems[0].file
    assert "'nhiều lớp' is not a figure" in problems[0].message

    def fix(wb):
        ws = wb[VALUES_SHEET]
        ws.cell(row_of(ws, "training_classes"), 7).value = "ít nhất 3"
        ws.cell(row_of(ws, "training_classes"), 9).value = "nhiều lớp"

    result, problems = read_form(edit(form, fix), former_sample)
    assert not problems
    got = {v.indicator: (v.value, v.qualifier) for v in result.values}
    assert got == {"meeting_attendance": (700, "lower_bound"), "training_classes": (3, "lower_bound")}


def test_a_blank_form_is_warned_about(form, former_sample, capsys):
    result, problems = read_form(form, former_sample)
    assert result is not None and not result.values
    assert [p.severity for p in problems] == ["warning"]
    assert "nothing is imported from it" in problems[0].message and "Giá trị năm 2025" in problems[0].hint
