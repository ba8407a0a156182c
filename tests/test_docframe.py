"""The administrative document frame: document.csv validation and the HTML fragments."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from dxnb.docframe import (
    FILE,
    DocumentFrame,
    check_frame,
    date_line,
    document_number,
    heading_html,
    load_frame,
    print_css,
    signature_html,
)
from dxnb.errors import DataError, DxnbError

GOOD = """field,value
parent_body,BAN CHỈ ĐẠO CHUYỂN ĐỔI SỐ HUYỆN PHÚ GIÁO
issuing_body,Tổ tư vấn Ban chỉ đạo chuyển đổi số xã Vĩnh Hòa
place,Phú Giáo
signer_title,Tổ trưởng
signer_name,Nguyễn Thị Hồng Nhung
number,7
date,05/02/2025
recipients,UBND huyện Phú Giáo; Lưu: VT
"""


def write(folder, text: str, encoding: str = "utf-8"):
    (folder / FILE).write_bytes(text.encode(encoding))
    return folder


def test_no_file_means_no_frame(tmp_path):
    assert check_frame(tmp_path) == (None, [])
    assert load_frame(tmp_path) is None
    assert heading_html(None) == "" and signature_html(None, "en") == ""


def test_good_file_loads_every_field(tmp_path):
    frame = load_frame(write(tmp_path, "\ufeff" + GOOD))  # Excel's BOM is fine
    assert frame == DocumentFrame(
        issuing_body="Tổ tư vấn Ban chỉ đạo chuyển đổi số xã Vĩnh Hòa",
        place="Phú Giáo",
        signer_title="Tổ trưởng",
        signer_name="Nguyễn Thị Hồng Nhung",
        parent_body="BAN CHỈ ĐẠO CHUYỂN ĐỔI SỐ HUYỆN PHÚ GIÁO",
        number="7",
        symbol="BC-TTV",
        date=dt.date(2025, 2, 5),
        recipients=("UBND huyện Phú Giáo", "Lưu: VT"),
    )


def test_values_are_nfc_normalised(tmp_path):
    import unicodedata

    decomposed = unicodedata.normalize("NFD", GOOD)
    assert decomposed != GOOD
    assert load_frame(write(tmp_path, decomposed)).place == "Phú Giáo"


def test_heading_follows_decree_30(tmp_path):
    frame = load_frame(write(tmp_path, GOOD))
    text = heading_html(frame, "vi")
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert '<div class="dx-docframe-motto"><span>Độc lập - Tự do - Hạnh phúc</span></div>' in text
    # issuing body in capitals, parent body above it, number under it
    assert text.index("BAN CHỈ ĐẠO CHUYỂN ĐỔI SỐ HUYỆN PHÚ GIÁO") < text.index(
        "TỔ TƯ VẤN BAN CHỈ ĐẠO CHUYỂN ĐỔI SỐ XÃ VĨNH HÒA"
    )
    assert "Số: 07/BC-TTV" in text
    # day below 10 and months 1 and 2 get a leading zero
    assert "Phú Giáo, ngày 05 tháng 02 năm 2025" in text


def test_date_defaults_to_render_date_and_pads_only_early_months():
    frame = DocumentFrame("X", "Phú Giáo", "Tổ trưởng", "A")
    assert date_line(frame, "vi", dt.date(2026, 12, 1)) == "Phú Giáo, ngày 01 tháng 12 năm 2026"
    assert date_line(frame, "vi", dt.date(2026, 3, 15)) == "Phú Giáo, ngày 15 tháng 3 năm 2026"
    assert date_line(frame, "en", dt.date(2026, 12, 1)) == "Phú Giáo, 1 December 2026"
    assert re.search(r"ngày \d\d tháng \d+ năm \d{4}$", date_line(frame, "vi"))


def test_blank_number_leaves_room_to_write_it():
    frame = DocumentFrame("X", "P", "T", "N")
    assert document_number(frame) == "Số: …/BC-TTV"
    assert document_number(DocumentFrame("X", "P", "T", "N", number="123", symbol="BC-UBND"), "en") == (
        "No.: 123/BC-UBND"
    )


def test_signature_block(tmp_path):
    frame = load_frame(write(tmp_path, GOOD))
    text = signature_html(frame, "vi")
    assert '<div class="dx-docframe-signer-title">TỔ TRƯỞNG</div>' in text
    assert '<div class="dx-docframe-signature-space"></div>' in text
    assert text.index("TỔ TRƯỞNG") < text.index("Nguyễn Thị Hồng Nhung")
    assert "Nơi nhận:" in text and "<li>Lưu: VT</li>" in text
    assert "Recipients:" in signature_html(frame, "en")


def test_english_heading_has_translation_note(tmp_path):
    frame = load_frame(write(tmp_path, GOOD))
    text = heading_html(frame, "en")
    assert "SOCIALIST REPUBLIC OF VIETNAM" in text and "Independence - Freedom - Happiness" in text
    assert "No.: 07/BC-TTV" in text and "Phú Giáo, 5 February 2025" in text
    assert "translation" in text and "translation" not in heading_html(frame, "vi")


def test_values_are_escaped(tmp_path):
    frame = DocumentFrame('<b>Tổ & "nhóm"</b>', "<script>", "T", "<i>Tên</i>")
    heading, signature = heading_html(frame, "vi", today=dt.date(2026, 1, 1)), signature_html(frame)
    assert "<script>" not in heading and "&lt;SCRIPT&gt;" not in heading and "&lt;script&gt;" in heading
    assert "&lt;B&gt;TỔ &amp; &quot;NHÓM&quot;&lt;/B&gt;" in heading
    assert "<i>" not in signature and "&lt;i&gt;Tên&lt;/i&gt;" in signature


def problems_of(folder):
    frame, problems = check_frame(folder)
    assert frame is None
    return [str(p) for p in problems]


def test_unknown_field_suggests_the_right_one(tmp_path):
    found = problems_of(write(tmp_path, GOOD + "signer_nam,Lê Văn B\n"))
    assert found == [f"{FILE}:10: field: unknown field 'signer_nam' — did you mean 'signer_name'?"]


def test_empty_and_missing_required_fields(tmp_path):
    text = GOOD.replace("place,Phú Giáo", "place,").replace("signer_title,Tổ trưởng\n", "")
    found = problems_of(write(tmp_path, text))
    assert f"{FILE}:4: value: 'place' is empty — write its value" in found
    assert f"{FILE}: field: the field 'signer_title' is missing — add a row signer_title,…" in found


@pytest.mark.parametrize("bad", ["2025-02-05", "31/02/2025", "5/2/25", "hôm nay"])
def test_bad_date(tmp_path, bad):
    found = problems_of(write(tmp_path, GOOD.replace("05/02/2025", bad)))
    assert len(found) == 1
    assert found[0].startswith(f"{FILE}:8: value: the date '{bad}' is not a valid dd/mm/yyyy date — write it as")


def test_number_with_symbol_is_refused(tmp_path):
    found = problems_of(write(tmp_path, GOOD.replace("number,7", "number,7/BC-TTV")))
    assert found[0].startswith(f"{FILE}:7: value: the document number '7/BC-TTV' is not a whole number")


def test_duplicate_field_and_bad_header(tmp_path):
    assert problems_of(write(tmp_path, GOOD + "place,Bình Dương\n")) == [
        f"{FILE}:10: field: 'place' is given twice (first on row 4) — keep one"
    ]
    assert problems_of(write(tmp_path, GOOD.replace("field,value", "name,value"))) == [
        f"{FILE}:1: the header row is 'name,value' — the first row must be exactly: field,value"
    ]


def test_unreadable_files(tmp_path):
    assert problems_of(write(tmp_path, "field,value\nplace,Phú Giáo\n", "latin-1"))[0].startswith(
        f"{FILE}:2: the file is not UTF-8"
    )
    assert problems_of(write(tmp_path, "\n \n")) == [f"{FILE}: the file is empty — it needs a header row: field,value"]
    assert problems_of(write(tmp_path, GOOD + "recipients2,a,b,c\n"))[0].startswith(f"{FILE}:10: the row has 4 cells")


def test_load_raises_a_data_error_listing_every_problem(tmp_path):
    write(tmp_path, GOOD.replace("place,Phú Giáo", "place,").replace("05/02/2025", "x"))
    with pytest.raises(DataError) as caught:
        load_frame(tmp_path)
    assert isinstance(caught.value, DxnbError) and len(caught.value.problems) == 2
    assert f"{FILE}:4: value: 'place' is empty" in str(caught.value)


def test_print_css_sets_a4_and_unclipped_tables():
    css = print_css()
    assert "size: A4" in css
    assert "table { width: 100%; table-layout: auto; }" in css
    assert "thead { display: table-header-group; }" in css
    assert "max-width: 100%" in css
    for name in ("dx-docframe-motto", "dx-docframe-signer-title", "dx-docframe-signature-space"):
        assert f".{name}" in css
