"""The bundled unit registry: counts, links, the Phú Giáo rows of domain.md §4, name matching, and its build."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import unicodedata
import zipfile
from pathlib import Path

import pytest

from dxnb import registry
from dxnb.errors import ParameterError, UnitNotFoundError
from dxnb.registry_build import FILES, OUT_DIR, RegistryBuildError, build, build_coordinates, default_source
from dxnb.registry_build import main as registry_build_main
from dxnb.text import ascii_key, name_key

SOURCE = default_source()
needs_source = pytest.mark.skipif(not SOURCE.is_dir(), reason="../shared/data/dvhcvn-20250701 is not here")

# domain.md §4: Phú Giáo's 11 units before 1/7/2025, their kind and what each became (new codes).
PHU_GIAO = [
    ("25858", "Phước Vĩnh", "thị trấn", {"25858": "full"}),
    ("25861", "An Linh", "xã", {"25867": "full"}),
    ("25864", "Phước Sang", "xã", {"25864": "full"}),
    ("25865", "An Thái", "xã", {"25864": "full"}),
    ("25867", "An Long", "xã", {"25867": "full"}),
    ("25870", "An Bình", "xã", {"25858": "full"}),
    ("25873", "Tân Hiệp", "xã", {"25864": "full"}),
    ("25876", "Tam Lập", "xã", {"25858": "partial", "25882": "partial"}),
    ("25879", "Tân Long", "xã", {"25867": "full"}),
    ("25882", "Vĩnh Hòa", "xã", {"25882": "full"}),
    ("25885", "Phước Hòa", "xã", {"25882": "full"}),
]
PHU_GIAO_NEW = {"25858": "Phú Giáo", "25864": "Phước Thành", "25867": "An Long", "25882": "Phước Hòa"}


def test_counts():
    current, former = registry.current_units(), registry.former_units()
    assert len(current) == 3321 and current["code"].is_unique
    assert current["province_code"].nunique() == 34 and len(registry.provinces()) == 34
    assert current["kind"].value_counts().to_dict() == {"xã": 2621, "phường": 687, "đặc khu": 13}
    assert len(former) == 10047 and former["code"].is_unique
    assert set(former["kind"]) == {"xã", "phường", "thị trấn"}
    assert (current["code"].str.fullmatch(r"\d{5}")).all() and (former["code"].str.fullmatch(r"\d{5}")).all()
    assert current["province"].ne("").all()


def test_every_unit_is_linked():
    current, former = registry.current_units(), registry.former_units()
    for code in current["code"]:
        assert registry.predecessors(code), code
    for code in former["code"]:
        assert registry.successors(code), code
    links = [pair for code in current["code"] for pair in registry.predecessors(code)]
    assert len(links) == 10604
    assert sum(1 for _, kind in links if kind == "partial") == 1012


def test_codes_reused_by_a_predecessor():
    reused = [c for c in registry.current_units()["code"] if c in {u.code for u, _ in registry.predecessors(c)}]
    assert len(reused) == 3314


def test_links_stay_inside_the_province_merger():
    for _, province in registry.provinces().iterrows():
        old = set(province["predecessors"].split(";"))
        units = registry.current_units()
        for code in units.loc[units["province_code"] == province["code"], "code"]:
            assert {u.province_code for u, _ in registry.predecessors(code)} <= old, code


def test_tan_phu_of_an_giang_goes_to_vinh_an():
    # The source links it to Đồng Tháp's Tân Phú Trung; the build corrects it.
    [(unit, kind)] = registry.successors("30622")
    assert (unit.code, unit.name, unit.province, kind) == ("30604", "Vĩnh An", "An Giang", "full")


@pytest.mark.parametrize(("code", "name", "kind", "became"), PHU_GIAO)
def test_phu_giao_rows_match_domain(code, name, kind, became):
    unit = registry.find_unit(code, when="former")
    assert name_key(unit.name) == name_key(name)
    assert (unit.kind, unit.district, unit.district_code, unit.province, unit.province_code) == (
        kind, "Phú Giáo", "722", "Bình Dương", "74")  # fmt: skip
    successors = registry.successors(code)
    assert {u.code: k for u, k in successors} == became
    for new, _ in successors:
        assert (new.kind, new.province, name_key(new.name)) == (
            "xã", "Hồ Chí Minh", name_key(PHU_GIAO_NEW[new.code]))  # fmt: skip


def test_phu_giao_district_and_its_four_new_units():
    district = registry.find_district("Phú Giáo")
    assert (district.code, district.kind, district.province, district.units) == ("722", "huyện", "Bình Dương", 11)
    assert registry.district_units(district)["code"].tolist() == [row[0] for row in PHU_GIAO]
    new = {u.code for code, *_ in PHU_GIAO for u, _ in registry.successors(code)}
    assert new == set(PHU_GIAO_NEW)


def test_25882_depends_on_the_period():
    now, then = registry.find_unit("25882"), registry.find_unit("25882", when="former")
    assert (now.name, now.kind, now.province, now.period) == ("Phước Hòa", "xã", "Hồ Chí Minh", "current")
    assert (then.name, then.district, then.period) == ("Vĩnh Hoà", "Phú Giáo", "former")
    assert [(u.code, k) for u, k in registry.predecessors("25882")] == [
        ("25876", "partial"), ("25882", "full"), ("25885", "full")]  # fmt: skip


def test_island_district_predecessor():
    [(unit, kind)] = registry.predecessors("26732")
    assert (unit.code, unit.name, unit.kind, kind) == ("755", "Côn Đảo", "huyện", "full")
    assert registry.find_unit("26732").kind == "đặc khu"
    assert [u.code for u, _ in registry.successors("755")] == ["26732"]


@pytest.mark.parametrize(
    "query",
    [
        "Phước Hòa",
        "Phước Hoà",
        unicodedata.normalize("NFD", "Phước Hoà"),
        unicodedata.normalize("NFD", "Phước Hòa"),
        "xã Phước Hòa",
        "XÃ  PHƯỚC HOÀ",
        "phuoc hoa",
        "Xa Phuoc Hoa",
    ],
)
def test_name_forms(query):
    assert registry.find_unit(query, province="Hồ Chí Minh").code == "25882"


@pytest.mark.parametrize(
    "query",
    ["Vĩnh Hòa", "Vĩnh Hoà", unicodedata.normalize("NFD", "xã Vĩnh Hoà"), "vinh hoa", "XA VINH HOA"],
)
def test_former_name_forms(query):
    assert registry.find_unit(query, when="former", province="Bình Dương").code == "25882"
    # A former unit is also found through the current province it now belongs to.
    assert registry.find_unit(query, when="former", province="tp hcm").code == "25882"


def test_unique_name_without_diacritics():
    assert registry.find_unit("phu giao").code == "25858"
    assert registry.find_unit("van mieu quoc tu giam").name == "Văn Miếu - Quốc Tử Giám"


def test_a_name_without_diacritics_may_mean_several():
    # Hồ Chí Minh has a Thanh An and a Thạnh An: with its tone the name says which; written without any
    # diacritics it may mean either, so the user is asked to choose rather than given one silently.
    assert registry.find_unit("Thạnh An", province="79").code == "27676"
    for query in ("Thanh An", "THANH AN"):
        with pytest.raises(UnitNotFoundError) as excinfo:
            registry.find_unit(query, province="79")
        assert "xã Thanh An (25807, Hồ Chí Minh)" in str(excinfo.value)
        assert "xã Thạnh An (27676, Hồ Chí Minh)" in str(excinfo.value)


def test_ambiguous_names_list_candidates():
    with pytest.raises(UnitNotFoundError) as excinfo:
        registry.find_unit("An Long", when="former")
    message = str(excinfo.value)
    assert "25867" in message and "huyện Phú Giáo, Bình Dương" in message
    assert "province=" in message
    with pytest.raises(UnitNotFoundError, match=r"25867, Hồ Chí Minh.*30028, Đồng Tháp"):
        registry.find_unit("an long")
    assert registry.find_unit("An Long", province="79").code == "25867"
    assert registry.find_unit("An Long", when="former", province="Bình Dương").code == "25867"


def test_unknown_names_and_codes():
    with pytest.raises(UnitNotFoundError, match="Did you mean"):
        registry.find_unit("Phuoc Hoaa")
    with pytest.raises(UnitNotFoundError, match="when='former'"):
        registry.find_unit("25885")
    with pytest.raises(UnitNotFoundError, match="No former unit has the code"):
        registry.find_unit("99999", when="former")
    with pytest.raises(UnitNotFoundError):
        registry.find_unit("25882", province="Hà Nội")
    with pytest.raises(ParameterError, match="current"):
        registry.find_unit("25882", when="2024")
    with pytest.raises(UnitNotFoundError, match="current code"):
        registry.predecessors("25885")
    with pytest.raises(UnitNotFoundError, match="30/6/2025"):
        registry.successors("99999")


@pytest.mark.parametrize(
    "query",
    ["79", "Thành phố Hồ Chí Minh", "TP. Hồ Chí Minh", "tp hcm", "TPHCM", "thanh pho ho chi minh", "ho chi minh",
     unicodedata.normalize("NFD", "Hồ Chí Minh")],
)  # fmt: skip
def test_find_province(query):
    province = registry.find_province(query)
    assert (province.code, province.name, province.full_name) == ("79", "Hồ Chí Minh", "Thành phố Hồ Chí Minh")
    assert province.predecessors == ("74", "77", "79")


def test_province_tone_placement_and_kind():
    assert registry.find_province("Tỉnh Khánh Hoà").code == "56"
    assert registry.find_province("dak lak").full_name == "Tỉnh Đắk Lắk"
    assert registry.find_province("Huế").full_name == "Thành phố Huế"


def test_former_province_points_to_the_current_one():
    with pytest.raises(UnitNotFoundError, match=r"until 30/6/2025.*Thành phố Hồ Chí Minh \(79\)"):
        registry.find_province("Bình Dương")
    assert registry.find_province("Bình Dương", when="former").code == "74"
    with pytest.raises(UnitNotFoundError, match="34 provinces"):
        registry.find_province("Atlantis")


def test_ambiguous_district():
    # Old An Giang and old Kiên Giang, both now An Giang, each had a huyện Châu Thành.
    with pytest.raises(UnitNotFoundError) as excinfo:
        registry.find_district("Châu Thành", province="An Giang")
    assert "(892, An Giang)" in str(excinfo.value) and "Kiên Giang)" in str(excinfo.value)
    assert registry.find_district("Châu Thành", province="Kiên Giang").province == "Kiên Giang"
    assert registry.find_district("892").name == "Châu Thành"


def test_frames_are_copies():
    frame = registry.current_units()
    frame.loc[0, "name"] = "changed"
    assert registry.current_units().loc[0, "name"] != "changed"


def test_registry_files_are_nfc_csv():
    for name in FILES:
        text = (OUT_DIR / name).read_text(encoding="utf-8")
        assert unicodedata.is_normalized("NFC", text), name
        assert "\r" not in text and not text.startswith("\ufeff")


@needs_source
def test_rebuild_reproduces_the_committed_files(tmp_path):
    counts = build(SOURCE, tmp_path)
    assert counts["units_2025.csv"] == 3321 and counts["units_2024.csv"] == 10047
    for name in (*FILES, "LICENSE"):
        assert (tmp_path / name).read_bytes() == (OUT_DIR / name).read_bytes(), name


@needs_source
def test_build_fails_loudly_on_inconsistent_sources(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(SOURCE, source)
    merges = json.loads((source / "merges.json").read_text(encoding="utf-8"))
    province = merges["data"][0]
    dropped = province["level2s"].pop(0)
    (source / "merges.json").write_text(json.dumps(merges, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(RegistryBuildError) as excinfo:
        build(source, out)
    message = str(excinfo.value)
    assert dropped["level2_id"] in message and "no successor" in message
    assert not out.exists()


def test_build_names_missing_files(tmp_path):
    with pytest.raises(RegistryBuildError, match=r"1027_CTK-CSCL\.md is missing"):
        build(tmp_path, tmp_path / "out")


def test_registry_files_are_packaged():
    text = (Path(registry.__file__).resolve().parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    assert '"registry/*"' in text


@pytest.mark.parametrize(
    ("name", "key"),
    [("Xã Vĩnh Hoà", "vinh hoa"), (unicodedata.normalize("NFD", "Đắk Lắk"), "dak lak"),
     ("Phường Văn Miếu - Quốc Tử Giám", "van mieu quoc tu giam"), ("  THỊ TRẤN  Phước   Vĩnh ", "phuoc vinh")],
)  # fmt: skip
def test_ascii_key(name, key):
    assert ascii_key(name) == key
    assert ascii_key("Xã Xà Phiên", drop_kind=True) == "xa phien"


# --------------------------------------------------------------------------- coordinates (added by maps)

WHEEL = os.environ.get("DXNB_VAU_WHEEL") or next(iter(sorted(Path("/tmp/vau").glob("vietnamadminunits-*.whl"))), "")


def _fake_wheel(path: Path, current: list[tuple], former: list[tuple]) -> Path:
    """A wheel shaped like vietnamadminunits': its dataset.db with the two tables the build reads."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE admin_units (wardCode TEXT, ward TEXT, provinceCode TEXT, wardLat REAL, wardLon REAL)")
    conn.execute(
        "CREATE TABLE admin_units_legacy (wardCode TEXT, ward TEXT, provinceCode TEXT, districtCode TEXT, "
        "wardLat REAL, wardLon REAL, districtLat REAL, districtLon REAL, provinceLat REAL, provinceLon REAL)"
    )
    conn.executemany("INSERT INTO admin_units VALUES (?, ?, ?, ?, ?)", current)
    conn.executemany("INSERT INTO admin_units_legacy VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", former)
    conn.commit()
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("vietnamadminunits/data/dataset.db", conn.serialize())
        archive.writestr("vietnamadminunits-9.9.dist-info/METADATA", "Name: vietnamadminunits\nVersion: 9.9\n")
        archive.writestr("vietnamadminunits-9.9.dist-info/licenses/LICENSE", "MIT License\n\nCopyright (c) test\n")
    return path


def test_coordinates_build_matches_by_code_and_drops_vague_points(tmp_path):
    out = tmp_path / "registry"
    out.mkdir()
    (out / "units_2025.csv").write_text("code,name,kind,province_code\n25858,Phú Giáo,xã,79\n23737,Ia Mơ,xã,52\n"
                                        "25864,Phước Thành,xã,79\n", encoding="utf-8")  # fmt: skip
    header = ",".join(FILES["units_2024.csv"])
    (out / "units_2024.csv").write_text(
        f"{header}\n25858,Phước Vĩnh,thị trấn,722,Phú Giáo,huyện,74,Bình Dương\n"
        "25861,An Linh,xã,722,Phú Giáo,huyện,74,Bình Dương\n25864,Phước Sang,xã,722,Phú Giáo,huyện,74,Bình Dương\n"
        "25865,An Thái,xã,722,Phú Giáo,huyện,74,Bình Dương\n25867,An Long,xã,722,Phú Giáo,huyện,74,Bình Dương\n"
        "25870,An Bình,xã,722,Phú Giáo,huyện,74,Bình Dương\n",
        encoding="utf-8",
    )
    wheel = _fake_wheel(
        tmp_path / "vau.whl",
        [("25858", "Xã Phú Giáo", "79", 11.31744, 106.82004), ("23938", "Xã Ia Mơ", "52", 13.4616, 107.71),
         ("25864", "Xã Phước Thành", "01", 11.37, 106.75)],  # wrong province: not taken
        [("25858", "Thị trấn Phước Vĩnh", "74", "722", 11.28826, 106.79311, 11.3, 106.7, 11.1, 106.6),
         ("25861", "Xã An Linh (Xã)", "74", "722", 11.3289, 106.7176, 11.3, 106.7, 11.1, 106.6),
         ("25864", "Xã Phước Sang Mới", "74", "722", 11.37, 106.7647, 11.3, 106.7, 11.1, 106.6),  # renamed: kept
         ("25865", "Xã An Thái", "74", "722", 11.3, 106.7, 11.3, 106.7, 11.1, 106.6),  # the district's centre
         ("25867", "Xã An Long", "74", "722", 11.35, 106.69, 11.3, 106.7, 11.1, 106.6),  # shares a point
         ("25870", "Xã An Bình", "74", "722", 11.35, 106.69, 11.3, 106.7, 11.1, 106.6)],
    )  # fmt: skip
    stats = build_coordinates(wheel, out)
    assert stats["current"] == {"by_name": 1, "missing": 1, "matched": 2}
    assert stats["former"] == {"renamed": 1, "vague": 3, "matched": 3}
    assert (out / "coordinates.csv").read_text(encoding="utf-8") == (
        "code,when,lat,lon\n23737,current,13.4616,107.7100\n25858,current,11.3174,106.8200\n"
        "25858,former,11.2883,106.7931\n25861,former,11.3289,106.7176\n25864,former,11.3700,106.7647\n"
    )
    assert (out / "LICENSE-vietnamadminunits").read_text(encoding="utf-8").startswith("MIT License")


def test_coordinates_build_needs_a_wheel_and_the_registry(tmp_path):
    (tmp_path / "not.whl").write_text("not a zip", encoding="utf-8")
    with pytest.raises(RegistryBuildError, match=r"units_2025\.csv is missing"):
        build_coordinates(tmp_path / "not.whl", tmp_path)
    shutil.copy(OUT_DIR / "units_2025.csv", tmp_path)
    shutil.copy(OUT_DIR / "units_2024.csv", tmp_path)
    with pytest.raises(RegistryBuildError, match="not a readable vietnamadminunits wheel"):
        build_coordinates(tmp_path / "not.whl", tmp_path)
    assert registry_build_main(["--coords", str(tmp_path / "not.whl")]) == 2
    assert registry_build_main(["--coords"]) == 2


@pytest.mark.skipif(not WHEEL, reason="no vietnamadminunits wheel (set DXNB_VAU_WHEEL)")
def test_coordinates_rebuild_reproduces_the_committed_file(tmp_path):
    for name in ("units_2025.csv", "units_2024.csv"):
        shutil.copy(OUT_DIR / name, tmp_path)
    stats = build_coordinates(WHEEL, tmp_path)
    assert stats["current"]["matched"] == 3321
    for name in ("coordinates.csv", "LICENSE-vietnamadminunits"):
        assert (tmp_path / name).read_bytes() == (OUT_DIR / name).read_bytes(), name
