from __future__ import annotations

import codecs

import pytest

from dxnb.csvfile import CsvFile


@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("bom", [False, True])
def test_untouched_records_keep_their_bytes(eol, bom):
    text = eol.join(["a,b", '"1",x', "2.50,y"]) + eol
    data = (codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8")
    table = CsvFile.parse("t.csv", data)
    assert (table.bom, table.eol, table.header) == (bom, eol, ["a", "b"])
    assert table.to_bytes() == data
    table.set(table.records[1], "b", "z")
    table.records.append(table.new_record({"a": "3", "b": "w"}, "Sheet!G11"))
    expected = eol.join(["a,b", '"1",x', "2.50,z", "3,w"]) + eol
    assert table.to_bytes() == (codecs.BOM_UTF8 if bom else b"") + expected.encode("utf-8")
    assert table.row_cells() == {4: "Sheet!G11"}


def test_a_last_line_without_its_newline_gets_one_when_followed():
    table = CsvFile.parse("t.csv", b"a,b\n1,x")
    assert table.get(table.records[0], "b") == "x"
    assert table.get(table.records[0], "missing") == ""
    table.records.append(table.new_record({"a": "2"}, ""))
    assert table.to_bytes() == b"a,b\n1,x\n2,\n"
