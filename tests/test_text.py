"""Vietnamese names: one key across Unicode forms and tone placement; sorting; slugs."""

from __future__ import annotations

import unicodedata

import pytest

from dxnb import text
from dxnb.text import ascii_fold, name_key, place_key, place_name, slugify, vi_sort_key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Vĩnh Hòa", "Vĩnh Hoà"),
        ("Vĩnh Hòa", unicodedata.normalize("NFD", "Vĩnh Hoà")),
        ("Phước Hòa", "xã  PHƯỚC HOÀ"),
        ("Thủy", "Thuỷ"),
        ("Thị trấn Phước Vĩnh", "Phước Vĩnh"),
    ],
)
def test_same_name(a, b):
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize(("a", "b"), [("Hòa", "Hóa"), ("An Long", "An Linh"), ("Đông", "Dong")])
def test_different_names(a, b):
    assert name_key(a) != name_key(b)


def test_vietnamese_alphabetical_order():
    names = ["Đông Hòa", "Ân Thi", "Dĩ An", "An Bình", "Ăn Quán", "Bắc Sơn"]
    assert sorted(names, key=vi_sort_key) == ["An Bình", "Ăn Quán", "Ân Thi", "Bắc Sơn", "Dĩ An", "Đông Hòa"]


def test_slugs():
    assert slugify("Vĩnh Hòa") == "vinh-hoa"
    assert slugify("Phước Vĩnh") == "phuoc-vinh"
    assert ascii_fold("Đặc khu Phú Quốc") == "Dac khu Phu Quoc"


@pytest.mark.parametrize(
    ("written", "place"),
    [
        ("Huyện Phú Giáo", "Phú Giáo"),
        ("HUYỆN   Phú  Giáo ", "Phú Giáo"),
        (unicodedata.normalize("NFD", "huyện Phú Giáo"), "Phú Giáo"),
        ("Thị xã Tân Uyên", "Tân Uyên"),
        ("thành phố Thủ Dầu Một", "Thủ Dầu Một"),
        ("TP. Hồ Chí Minh", "Hồ Chí Minh"),
        ("Tỉnh Bình Dương", "Bình Dương"),
        ("Phú Giáo", "Phú Giáo"),
        ("Quận 1", "Quận 1"),  # a number alone names nothing
        ("Huyện", "Huyện"),
        ("Huyệnx", "Huyệnx"),
        ("", ""),
    ],
)
def test_place_name_drops_the_administrative_word(written, place):
    assert place_name(written) == place
    assert unicodedata.is_normalized("NFC", place_name(written))


def test_place_key_matches_spellings_of_one_place():
    assert place_key("Huyện Phú Giáo") == place_key("phú giáo") == place_key(unicodedata.normalize("NFD", "Phú Giáo"))
    assert place_key("Phú Giáo") != place_key("Phú Quốc")


def test_stripped_is_pandas_strip():
    import pandas as pd

    from dxnb.text import stripped

    for cells in (["a", " b", "c\t", "\u00a0d\u00a0", ""], [], ["a", float("nan")], [" 25882 ", "x\x1f"]):
        column = pd.Series(cells, dtype=object, name="unit_code", index=range(5, 5 + len(cells)))
        result = stripped(column)
        assert result.equals(column.str.strip()) and result.index.equals(column.index) and result.name == "unit_code"


def test_keys_are_remembered_per_text_within_a_bound():
    """A place's name and key are computed once per distinct text; the memo is bounded and keeps every result."""
    text._place_key.cache_clear()
    spellings = ["Huyện  Phú Giáo", "huyen phu giao", "TP. Hồ Chí Minh", "Quận 1", None, float("nan"), 25882]
    first = [text.place_key(s) for s in spellings]
    again = [text.place_key(s) for s in spellings]
    assert first == again
    assert first == [text._place_key.__wrapped__(str(s or "")) for s in spellings]  # same as computing afresh
    assert text._place_key.cache_info().hits == len(spellings)
    assert text._place_key.cache_info().maxsize == text._MEMO_SIZE > 0
    assert name_key("Xã Vĩnh Hoà") == name_key("xã vĩnh hòa")
