"""init_dataset: a dataset folder from the registry that dxnb check accepts."""

from __future__ import annotations

import csv

import pytest

from dxnb.dataset import FILES, check_dataset
from dxnb.errors import DxnbError, UnitNotFoundError
from dxnb.paths import DATA_DIR
from dxnb.provinces import UNIT_COLUMNS, init_dataset


def rows(path):
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def only_empty_observations(problems):
    """The problems of a fresh dataset: no error, one warning that there are no observations yet."""
    found = [(p.file, p.message, p.severity) for p in problems]
    return found == [("observations.csv", "no observations yet", "warning")]


def current(units):
    """The rows of the units alive since 1/7/2025."""
    return [u for u in units if u["valid_from"] == "2025-07-01"]


def add_observation(folder, code):
    """What a user does next: enter one observed figure."""
    with open(folder / "observations.csv", "a", encoding="utf-8") as handle:
        handle.write(f"{code},2025,plans_issued,3,Kế hoạch của UBND xã,,\n")


def test_current_units_of_ho_chi_minh(tmp_path):
    out = init_dataset(province="thanh pho ho chi minh", out_dir=tmp_path / "hcm")
    assert sorted(p.name for p in out.iterdir()) == sorted([*FILES, "successions.csv"])
    every = rows(out / "units.csv")
    units = current(every)
    assert len(units) == 168
    former = [u for u in every if u["valid_to"] == "2025-06-30"]
    assert len(former) + len(units) == len(every) and all(u["district"] for u in former)
    assert tuple(units[0]) == UNIT_COLUMNS
    assert {u["province"] for u in units} == {"Hồ Chí Minh"} and {u["district"] for u in units} == {""}
    assert {u["kind"] for u in units} == {"xã", "phường", "đặc khu"}
    by_code = {u["code"]: u for u in units}
    assert by_code["25882"]["name"] == "Phước Hòa" and by_code["26732"]["kind"] == "đặc khu"
    assert all(u["population"] == "" and u["source"] for u in units)
    for name in ("pillars.csv", "indicators.csv"):
        assert (out / name).read_bytes() == (DATA_DIR / name).read_bytes()
    assert rows(out / "observations.csv") == [] and rows(out / "notes.csv") == []
    dataset, problems = check_dataset(out)
    assert only_empty_observations(problems), problems
    add_observation(out, "25882")
    dataset, problems = check_dataset(out)
    assert dataset is not None and not [p for p in problems if p.is_error], problems
    assert len(dataset.at("2025").units) == 168


def test_former_district(tmp_path):
    out = init_dataset(province="Bình Dương", district="huyện Phú Giáo", out_dir=tmp_path / "pg")
    units = [u for u in rows(out / "units.csv") if u["valid_to"]]
    assert [u["code"] for u in units] == [u["code"] for u in rows(DATA_DIR / "units.csv") if u["valid_to"]]
    assert {(u["district"], u["province"]) for u in units} == {("Phú Giáo", "Bình Dương")}
    assert sorted(u["code"] for u in current(rows(out / "units.csv"))) == ["25858", "25864", "25867", "25882"]
    assert units[0]["kind"] == "thị trấn"
    add_observation(out, "25882")
    dataset, problems = check_dataset(out)
    assert dataset is not None, problems


def test_former_district_through_the_current_province(tmp_path):
    out = init_dataset(province="Hồ Chí Minh", district="phu giao", out_dir=tmp_path / "pg")
    assert len([u for u in rows(out / "units.csv") if u["valid_to"]]) == 11


def test_refuses_to_overwrite(tmp_path):
    out = init_dataset(province="79", out_dir=tmp_path / "hcm")
    before = (out / "units.csv").read_bytes()
    with pytest.raises(DxnbError, match=r"already holds a dataset.*new folder"):
        init_dataset(province="Hà Nội", out_dir=out)
    assert (out / "units.csv").read_bytes() == before


def test_an_empty_existing_folder_is_fine(tmp_path):
    init_dataset(province="Huế", out_dir=tmp_path)
    assert len(current(rows(tmp_path / "units.csv"))) == 40


def test_unknown_or_ambiguous_places_write_nothing(tmp_path):
    with pytest.raises(UnitNotFoundError, match="Hồ Chí Minh"):
        init_dataset(province="Bình Dương", out_dir=tmp_path / "a")
    with pytest.raises(UnitNotFoundError, match="Kiên Giang"):
        init_dataset(province="An Giang", district="Châu Thành", out_dir=tmp_path / "b")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_out_dir_is_a_file(tmp_path):
    target = tmp_path / "file.csv"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(DxnbError, match="is a file"):
        init_dataset(province="79", out_dir=target)
