"""Vietnamese names: one key across Unicode forms and tone placement; sorting; slugs."""

from __future__ import annotations

import unicodedata

import pytest

from dxnb.text import ascii_fold, name_key, slugify, vi_sort_key


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
