"""Reading one dataset file: UTF-8 with or without a BOM, the fast path and the slow one that says where."""

from __future__ import annotations

import codecs

from dxnb.datafiles import COLUMNS, decode_utf8, read_csv


def test_decode_utf8_drops_a_bom_and_locates_a_byte_that_is_not_utf8():
    problems = []
    assert decode_utf8("notes.csv", codecs.BOM_UTF8 + b"kind,text\n", problems) == "kind,text\n"
    assert decode_utf8("notes.csv", b"kind,text\nx,caf\xe9\n", problems) is None
    assert [(p.file, p.row, p.column) for p in problems] == [("notes.csv", 2, None)]
    assert "0xe9" in problems[0].message


def test_read_csv_keeps_row_numbers_and_refuses_a_row_with_too_many_cells(tmp_path):
    header = ",".join(COLUMNS["notes.csv"])
    problems, hashes = [], {}
    text = f"{header}\n25882,2024,strength,a\n\n1,2024,challenge,b\n"
    frame = read_csv(tmp_path, "notes.csv", problems, hashes, text.encode())
    assert problems == [] and list(frame.index + 2) == [2, 4] and set(hashes) == {"notes.csv"}
    assert read_csv(tmp_path, "notes.csv", problems, hashes, f'{header}\n1,2024,strength,"a\n'.encode()) is None
    assert read_csv(tmp_path, "notes.csv", problems, hashes, f"{header}\n1,2024,strength,a,b\n".encode()) is None
    assert [p.row for p in problems] == [2, 2]
    assert read_csv(tmp_path, "notes.csv", problems, hashes, None) is None
