"""Units: peer groups (which units are compared) and place names, written once."""

from __future__ import annotations

import re
import unicodedata

import pandas as pd
import pytest
from tiny import A, B, C, D, E, F, G, H, N, write_tiny

from dxnb.dataset import load_dataset
from dxnb.errors import ParameterError
from dxnb.evaluate import peer_codes
from dxnb.units import (
    dataset_index,
    group_label,
    group_labels,
    group_name,
    peer_group_key,
    peer_group_keys,
    peer_scope,
    peers,
    peers_of_all,
    place_key,
    place_name,
    places_label,
    unit_place,
    unit_rows,
)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return load_dataset(write_tiny(tmp_path_factory.mktemp("tiny")))


# --------------------------------------------------------------------------- peer groups


def test_peers(tiny):
    assert peers(tiny, A) == [A, B, C, D, N]
    assert peers(tiny, H) == [H]
    # blank district: the province, whatever the tone-mark placement of its name
    assert peers(tiny, F) == [E, F, G]
    assert peers(tiny, A, "2024") == [A, B, C, D, N]
    # the evaluation's name checks the code first
    assert peer_codes(tiny, f" {A} ") == [A, B, C, D, N]
    with pytest.raises(ParameterError, match="99999"):
        peer_codes(tiny, "99999")
    assert peer_codes(tiny, F) == peers(tiny, F)  # the evaluation's name for the same rule


def test_peer_group_keys_match_across_spellings():
    units = pd.DataFrame(
        {
            "province": ["Tỉnh Một", nfd("tỉnh một"), "Hòa Bình", "Hoà Bình", "Hòa Bình"],
            "district": ["Huyện Một", "HUYỆN  MỘT", "", "", "Huyện Lạc Sơn"],
        },
        index=["1", "2", "3", "4", "5"],
    )
    keys = peer_group_keys(units)
    assert keys["1"] == keys["2"] and keys["3"] == keys["4"]
    assert keys["1"] != keys["3"] and keys["3"] != keys["5"]  # a blank district is a group of its own
    assert peer_group_key(units, "4") == keys["3"]
    assert peer_scope(keys, ["2", "5", "unknown"]) == frozenset({"1", "2", "5"})
    assert peer_scope(keys, []) == frozenset()


def test_peers_of_all_and_the_index(tiny):
    assert peers_of_all(tiny, [B, F, A]) == [A, B, C, D, N, E, F, G]
    index = dataset_index(tiny)
    assert dataset_index(tiny) is index  # built once
    assert index.members[index.group[A]] == [A, B, C, D, N]
    rows = unit_rows(tiny, [B, N])
    assert set(rows["unit_code"]) == {B} and rows.index.is_monotonic_increasing


def test_group_labels(tiny):
    assert group_label(tiny.units.loc[A]) == "Một"  # read without "huyện"
    assert group_label(tiny.units.loc[F]) == "Hoà Bình"  # no district: the province as spelt for the unit
    assert group_labels(tiny.units.loc[[A, E]]).tolist() == ["Một", "Hòa Bình"]


# --------------------------------------------------------------------------- place names


def test_place_keys_match_across_forms():
    assert place_key("Thuận Hoá") == place_key("thuận hóa") == place_key(nfd("Thuận Hóa"))
    assert place_key("huyện Phú Giáo") == place_key("PHÚ  GIÁO") == place_key("Phú Giáo")
    assert place_key("Tỉnh Bình Dương") == place_key("Bình Dương")
    assert place_key("TP. Hồ Chí Minh") == place_key("Thành phố Hồ Chí Minh") == place_key("Hồ Chí Minh")
    assert place_key("Phú Giáo") != place_key("Phú Giao")


@pytest.mark.parametrize(
    ("kind", "name", "lang", "capital", "expected"),
    [
        ("district", "Phú Giáo", "vi", False, "huyện Phú Giáo"),
        ("district", "Phú Giáo", "vi", True, "Huyện Phú Giáo"),
        ("district", "Phú Giáo", "en", False, "Phú Giáo district"),
        ("province", " Bình Dương ", "vi", False, "tỉnh Bình Dương"),
        ("province", "Bình Dương", "en", True, "Bình Dương province"),
        ("province", "Thành phố Hồ Chí Minh", "vi", False, "Thành phố Hồ Chí Minh"),  # already has its kind
        ("district", "thị xã Tân Uyên", "en", True, "Thị xã Tân Uyên"),
        # a city under the central government takes its kind from the registry, before and after 2025
        ("province", "Hồ Chí Minh", "vi", True, "Thành phố Hồ Chí Minh"),
        ("province", "Hồ Chí Minh", "en", False, "Hồ Chí Minh City"),
        ("province", "Huế", "vi", False, "thành phố Huế"),
        ("province", "Thừa Thiên Huế", "vi", False, "tỉnh Thừa Thiên Huế"),
        ("province", "Hà Nội", "vi", False, "thành phố Hà Nội"),
    ],
)
def test_place_name(kind, name, lang, capital, expected):
    assert place_name(kind, name, lang, capital=capital) == expected


def test_place_name_refuses_an_unknown_kind():
    with pytest.raises(ValueError, match=re.escape("kind must be one of province, district")):
        place_name("hamlet", "Một", "vi")


def test_places_label(sample):
    units = sample.units
    assert places_label(units) == "Huyện Phú Giáo, tỉnh Bình Dương"
    assert places_label(units, capital=False) == "huyện Phú Giáo, tỉnh Bình Dương"
    assert places_label(units, "en") == "Phú Giáo district, Bình Dương province"
    assert places_label(units, level="province") == "Tỉnh Bình Dương"
    assert places_label(units.assign(district="")) == "Tỉnh Bình Dương"
    assert places_label(units.assign(province="Thành phố Hồ Chí Minh", district="")) == "Thành phố Hồ Chí Minh"
    # one city however it is spelled: one place, not "2 tỉnh, thành phố"
    spelled = units.assign(
        district="",
        province=["Hồ Chí Minh", "TP. Hồ Chí Minh"] * (len(units) // 2) + ["Hồ Chí Minh"] * (len(units) % 2),
    )
    assert places_label(spelled) == "Thành phố Hồ Chí Minh"
    many = units.assign(province=[f"Tỉnh {i % 4}" for i in range(len(units))])
    assert places_label(many) == "4 tỉnh, thành phố"
    assert places_label(many, "en") == "4 provinces"


# --------------------------------------------------------------------------- peer groups over time


def test_peers_are_the_district_before_and_the_province_after_1_july_2025(sample_all):
    before, after = sample_all.at("2024"), sample_all.at("2025")
    assert peers(before, "25882", "2024") == list(before.units.index) and len(before.units) == 11
    assert peers(after, "25882", "2025") == ["25858", "25864", "25867", "25882"]  # Hồ Chí Minh, no district
    assert group_label(after.units.loc["25882"]) == "Hồ Chí Minh"
    assert group_label(before.units.loc["25882"]) == "Phú Giáo"
    assert peer_codes(before, "25882") != peer_codes(after, "25882")


def test_a_user_defined_group_overrides_the_place():
    units = pd.DataFrame(
        {
            "district": ["Phú Giáo", "Phú Giáo", "Bàu Bàng", ""],
            "province": ["Bình Dương", "Bình Dương", "Bình Dương", "Hồ Chí Minh"],
            "group": ["", "Cụm Bắc", "cụm bắc", ""],
        },
        index=["1", "2", "3", "4"],
    )
    keys = peer_group_keys(units)
    assert keys["2"] == keys["3"] != keys["1"]  # one group across districts, spelt in any case
    assert keys["4"] != keys["1"]
    assert list(group_labels(units)) == ["Phú Giáo", "Cụm Bắc", "cụm bắc", "Hồ Chí Minh"]
    assert group_label(units.loc["2"]) == "Cụm Bắc"


def test_the_group_column_makes_peers_in_a_dataset(data_copy):
    import csv

    with open(data_copy / "units.csv", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header, rows = list(reader.fieldnames), list(reader)
    for row in rows:
        row["group"] = "Cụm Nam" if row["code"] in ("25858", "25882") and row["valid_from"] else ""
    with open(data_copy / "units.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    view = load_dataset(data_copy).at("2025")
    assert peers(view, "25882", "2025") == ["25858", "25882"]
    assert peers(view, "25864", "2025") == ["25864", "25867"]
    # and the report names that group where it compares the unit with its peers, not the city around it
    from dxnb.report import CommuneReport

    report = CommuneReport.build("25882", "2025", data_dir=data_copy, lang="vi")
    assert report.group_label == "Cụm Nam"
    assert "Cụm Nam" in str(report.peers()._repr_html_()) and "thành phố Hồ Chí Minh" not in report.group_label
    other = CommuneReport.build("25864", "2025", data_dir=data_copy, lang="en")
    assert other.group_label == "Hồ Chí Minh City"


def test_a_units_place_and_its_group_in_a_sentence():
    district = {"district": "Phú Giáo", "province": "Bình Dương", "group": ""}
    city = {"district": "", "province": "Hồ Chí Minh", "group": float("nan")}
    grouped = {"district": "Phú Giáo", "province": "Bình Dương", "group": " Cụm Bắc "}
    assert unit_place(district) == "huyện Phú Giáo, tỉnh Bình Dương"
    assert unit_place(district, "en") == "Phú Giáo district, Bình Dương province"
    assert unit_place(district, level="province") == "tỉnh Bình Dương"
    assert unit_place(city, capital=True) == "Thành phố Hồ Chí Minh"
    assert unit_place(pd.Series(city)) == "thành phố Hồ Chí Minh"
    assert group_name(district) == "huyện Phú Giáo"
    assert group_name(city, "en") == "Hồ Chí Minh City"
    assert group_name(grouped) == "Cụm Bắc"  # as written, in every language
    assert group_name(grouped, "en") == "Cụm Bắc"
