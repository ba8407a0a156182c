"""History across mergers: sums, weights, shares and estimates, hand-computed on a tiny dataset."""

from __future__ import annotations

import hashlib
import shutil

import pytest

from dxnb.dataset import load_dataset
from dxnb.history import derive, derived_periods, derived_trend, parts
from dxnb.paths import DATA_DIR

UNITS = """code,name,kind,district,province,population,adult_population,households,hamlets,source,valid_from,valid_to
10001,An,xã,Một,Tỉnh Cũ,1000,700,200,2,test,,2025-06-30
10002,Bình,xã,Một,Tỉnh Cũ,3000,2100,1000,3,test,,2025-06-30
10003,Chánh,xã,Một,Tỉnh Cũ,2000,1400,500,4,test,,2025-06-30
10001,An Bình,xã,,Tỉnh Mới,,,,,test,2025-07-01,
10004,Chánh Mới,xã,,Tỉnh Mới,,,,,test,2025-07-01,
"""
# 10003 (Chánh) went partly to 10001 (An Bình) and partly to 10004.
SUCCESSIONS = """old_code,new_code,date,type,share,source
10001,10001,2025-07-01,full,,NQ test
10002,10001,2025-07-01,full,,NQ test
10003,10001,2025-07-01,partial,{share},NQ test
10003,10004,2025-07-01,partial,,NQ test
"""
VALUES = {  # 2024: An, Bình, Chánh
    "plans_issued": (2, 4, 8),
    "household_fibre_rate": (50, 90, 70),
    "officials_it_use_rate": (100, 80, 90),
    "steering_committee": (1, 1, 0.5),
    "panel_hamlets": (1, 3, 4),
    "radio_minutes": (10, 20, None),
}


@pytest.fixture()
def tiny(tmp_path):
    def build(share: str = "0.25"):
        folder = tmp_path / f"tiny-{share or 'none'}"
        folder.mkdir()
        for name in ("pillars.csv", "indicators.csv"):
            shutil.copy(DATA_DIR / name, folder / name)
        (folder / "units.csv").write_text(UNITS, encoding="utf-8")
        (folder / "successions.csv").write_text(SUCCESSIONS.format(share=share), encoding="utf-8")
        lines = ["unit_code,period,indicator,value,source,note,qualifier"]
        for indicator, values in VALUES.items():
            for code, value in zip(("10001", "10002", "10003"), values, strict=True):
                if value is not None:
                    lines.append(f"{code},2024,{indicator},{value},test,,")
        lines.append("10001,2025,plans_issued,9,test,,")
        (folder / "observations.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        (folder / "notes.csv").write_text("unit_code,period,kind,text,source\n", encoding="utf-8")
        return folder

    return build


def test_counts_summed_with_the_given_share(tiny):
    ds = load_dataset(tiny("0.25")).at("2025")
    found = derive(ds, "10001", "2024")
    assert [(p.code, p.type, p.share, p.estimated) for p in found.parts] == [
        ("10001", "full", 1.0, False),
        ("10002", "full", 1.0, False),
        ("10003", "partial", 0.25, False),
    ]
    assert not found.estimated
    assert found.values["plans_issued"] == pytest.approx(2 + 4 + 0.25 * 8)
    assert found.counts["households"] == pytest.approx(200 + 1000 + 0.25 * 500)
    assert found.counts["hamlets"] == pytest.approx(2 + 3 + 0.25 * 4)


def test_rates_weighted_by_the_catalogues_base(tiny):
    found = derive(load_dataset(tiny("0.25")).at("2025"), "10001", "2024")
    # household_fibre_rate has weight_base households: (50·200 + 90·1000 + 70·0.25·500) / (200 + 1000 + 125)
    assert found.values["household_fibre_rate"] == pytest.approx(108750 / 1325)


def test_what_is_not_derived_says_why(tiny):
    found = derive(load_dataset(tiny("0.25")).at("2025"), "10001", "2024")
    assert "officials_it_use_rate" not in found.values
    assert "weight_base" in found.reasons["officials_it_use_rate"]
    assert "steering_committee" not in found.values and "yes/partial/no" in found.reasons["steering_committee"]
    assert found.reasons["radio_minutes"] == "no value for Chánh (10003)"


def test_derived_indicators_recomputed_from_summed_parts(tiny):
    ds = load_dataset(tiny("0.25")).at("2025")
    trend, derived = derived_trend(ds, "10001")
    assert list(trend.index) == ["2024"] and not trend["estimated"].any()
    # panel_hamlet_coverage = panel_hamlets / hamlets × 100 = (1 + 3 + 0.25·4) / (2 + 3 + 0.25·4)
    from dxnb.history import DERIVED_SOURCE
    from dxnb.scoring import score_units

    found = derived["2024"]
    assert found.observations()["source"].eq(DERIVED_SOURCE).all()
    unit = ds.units.loc[["10001"]].copy()
    for column, value in found.counts.items():
        unit[column] = value
    from dataclasses import replace

    scores = score_units(replace(ds, units=unit, parent=None), "2024", ["10001"], found.observations())
    j = list(ds.catalogue.indicators).index("panel_hamlet_coverage")
    assert scores.values[0, j] == pytest.approx(5 / 6 * 100)


def test_without_a_share_the_part_is_split_equally_and_marked_an_estimate(tiny):
    ds = load_dataset(tiny("")).at("2025")
    found = derive(ds, "10001", "2024")
    chanh = next(p for p in found.parts if p.code == "10003")
    assert chanh.estimated and chanh.successors == 2 and chanh.share == 0.5
    assert found.estimated
    assert found.values["plans_issued"] == pytest.approx(2 + 4 + 0.5 * 8)
    assert set(found.observations()["qualifier"]) == {"estimate"}
    trend, _ = derived_trend(ds, "10001")
    assert trend["estimated"].all()
    other = derive(ds, "10004", "2024")  # the other successor gets the other half
    assert other.values["plans_issued"] == pytest.approx(4)


def test_no_derivation_where_the_unit_existed(tiny):
    folder = tiny("0.25")
    ds = load_dataset(folder)
    assert derive(ds.at("2025"), "10001", "2025") is None  # its own figures
    assert derive(ds.at("2024"), "10001", "2023") is None  # An existed: nothing to derive
    assert derived_periods(ds.at("2025"), "10001") == ["2024"]
    assert parts(ds, "10002") == []


def test_derived_values_are_never_written(tiny):
    folder = tiny("")
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    derived_trend(load_dataset(folder).at("2025"), "10001")
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()} == before


def test_bundled_phuoc_hoa_from_vinh_hoa_phuoc_hoa_and_half_of_tam_lap(sample_all):
    ds = sample_all.at("2025")
    found = derive(ds, "25882", "2024")
    assert {(p.name, p.type) for p in found.parts} == {("Vĩnh Hòa", "full"), ("Phước Hòa", "full"),
                                                       ("Tam Lập", "partial")}  # fmt: skip
    assert found.estimated  # Tam Lập's share is not published
    obs = sample_all.observations
    plans = obs[(obs["period"] == "2024") & (obs["indicator"] == "plans_issued")].set_index("unit_code")["value"]
    assert found.values["plans_issued"] == pytest.approx(plans["25882"] + plans["25885"] + plans["25876"] / 2)
    trend, _ = derived_trend(ds, "25882")
    assert list(trend.index) == ["2022", "2023", "2024"] and trend["estimated"].all()


def test_the_bundled_2025_figures_are_the_synthetic_generators(sample_all):
    from dxnb.synthetic import SYNTHETIC_SOURCE, synthesize_observations

    units = sample_all.at("2025").units
    made = synthesize_observations(units, sample_all.catalogue, ["2022", "2023", "2024", "2025"], seed=2025)
    made = made[made["period"] == "2025"]
    obs = sample_all.observations
    bundled = obs[obs["period"] == "2025"]
    assert (bundled["source"] == SYNTHETIC_SOURCE).all()
    bundled = bundled[bundled["indicator"].isin(list(sample_all.catalogue.indicators))]  # the rest: test_sample_build
    assert list(zip(bundled["unit_code"], bundled["indicator"], strict=True)) == list(
        zip(made["unit_code"], made["indicator"], strict=True)
    )
    assert bundled["value"].tolist() == pytest.approx(made["value"].astype(float).tolist())


def test_a_dataset_loaded_for_one_new_unit_holds_its_former_units(sample_all):
    scoped = load_dataset(DATA_DIR, units=["25882"]).at("2025")
    assert scoped.scope is not None and "25882" in scoped.scope
    assert derive(scoped, "25882", "2024").values == derive(sample_all.at("2025"), "25882", "2024").values
