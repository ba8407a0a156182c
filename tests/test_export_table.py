"""The explorer's Excel and CSV exports: text never becomes a formula, numbers stay numbers."""

from __future__ import annotations

import csv

import openpyxl
import pandas as pd

from dxnb.export_table import inert_csv, write_exports

HOSTILE = '=HYPERLINK("http://evil.example/","Bấm vào đây")'


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Mã": ["25882", "25885", "25888", "25891"],
            "Tên": [HOSTILE, "+84 điện thoại", "@mention", "\tTab"],
            "Nguồn": ["-3", "-- ghi chú", "=1+2", "Quyết định 12"],
            "Giá trị": [-3.5, 2.0, -1.0, None],
            "+Cột": [1, 2, 3, 4],
        }
    )


def test_workbook_has_no_formula(tmp_path):
    xlsx, _ = write_exports(frame(), tmp_path, "bang", notes=[("Nguồn", "=1+1")], text_columns=["Mã"])
    wb = openpyxl.load_workbook(xlsx)
    cells = [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row if cell.value is not None]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    ws = wb.worksheets[0]
    assert ws["B2"].value == HOSTILE and ws["B2"].data_type == "s"
    assert ws["D2"].value == -3.5 and ws["D2"].data_type == "n"  # a negative number is a number
    assert ws["C2"].value == "-3"  # text that is a plain number is left as it is
    assert wb.worksheets[1]["B1"].value == "=1+1" and wb.worksheets[1]["B1"].data_type == "s"


def test_csv_fields_are_inert(tmp_path):
    _, path = write_exports(frame(), tmp_path, "bang")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["Mã", "Tên", "Nguồn", "Giá trị", "'+Cột"]
    assert [r[1] for r in rows[1:]] == ["'" + HOSTILE, "'+84 điện thoại", "'@mention", "'\tTab"]
    assert [r[2] for r in rows[1:]] == ["-3", "'-- ghi chú", "'=1+2", "Quyết định 12"]
    assert [r[3] for r in rows[1:]] == ["-3.5", "2.0", "-1.0", ""]


def test_inert_csv_leaves_the_frame_alone():
    original = frame()
    inert_csv(original)
    assert original.equals(frame())
