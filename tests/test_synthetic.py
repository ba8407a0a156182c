"""The synthetic dataset generator: deterministic, valid, spread over provinces like the real units."""

from __future__ import annotations

import pandas as pd
import pytest

from dxnb.dataset import FILES, check_dataset, load_dataset
from dxnb.paths import DATA_DIR
from dxnb.synthetic import NATIONAL_UNITS, PROVINCES, generate_dataset, province_sizes, synthesize_units


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    folder = generate_dataset(150, tmp_path_factory.mktemp("synthetic") / "d150", seed=7, periods=("2024", "2025"))
    return folder


def test_same_seed_same_bytes_other_seed_other_data(generated, tmp_path):
    again = generate_dataset(150, tmp_path / "again", seed=7, periods=("2025", "2024"))
    for name in FILES:
        assert (again / name).read_bytes() == (generated / name).read_bytes(), name
    other = generate_dataset(150, tmp_path / "other", seed=8)
    assert (other / "observations.csv").read_bytes() != (generated / "observations.csv").read_bytes()


def test_generated_dataset_validates_without_errors(generated):
    dataset, problems = check_dataset(generated)
    assert dataset is not None, [str(p) for p in problems if p.is_error]
    assert len(dataset.units) == 150
    assert dataset.periods == ["2024", "2025"]
    assert (dataset.units["district"] == "").all()
    assert dataset.units.index.is_unique
    assert dataset.units.index.str.fullmatch(r"\d{5}").all()


def test_catalogue_is_the_bundled_one(generated):
    for name in ("pillars.csv", "indicators.csv"):
        assert (generated / name).read_bytes() == (DATA_DIR / name).read_bytes()


def test_values_are_plausible_with_a_few_gaps(generated):
    ds = load_dataset(generated)
    obs = ds.observations
    observed = [i.id for i in ds.catalogue.observed]
    full = len(ds.units) * len(observed) * 2
    assert 0.85 * full < len(obs) < 0.98 * full  # about 5% gaps, a few units late
    rates = obs[obs["indicator"].map(lambda i: ds.catalogue[i].kind == "rate")]["value"]
    assert rates.between(0, 100).all()
    assert obs.groupby("period")["value"].count().min() > 0
    latest = obs[obs["period"] == "2025"]["unit_code"].unique()
    assert len(latest) == len(ds.units)  # every unit can be reported on for the latest period
    units = ds.units
    assert units["population"].dropna().between(2_500, 160_000).all()
    assert units["hamlets"].dropna().between(4, 60).all()
    assert (units["adult_population"].fillna(0) <= units["population"]).all()
    assert len(ds.notes) > 0 and "synthetic" in units["source"].iloc[0]


def test_codes_are_text_with_leading_zeros_when_read_back(generated, tmp_path):
    units = synthesize_units(400, seed=1)
    assert units["code"].str.fullmatch(r"\d{5}").all() and units["code"].is_unique
    folder = generate_dataset(300, tmp_path / "d", seed=11)
    raw = pd.read_csv(folder / "units.csv", dtype=str, keep_default_na=False)
    assert raw["code"].str.len().eq(5).all()


def test_national_spread():
    sizes = province_sizes(NATIONAL_UNITS)
    assert len(sizes) == 34 and sum(s for *_, s in sizes) == NATIONAL_UNITS
    assert [s for *_, s in sizes] == [n for _, n in PROVINCES]
    assert all(30 <= s <= 170 for *_, s in sizes)
    units = synthesize_units(NATIONAL_UNITS)
    assert units["code"].is_unique and units["code"].str.fullmatch(r"\d{5}").all()
    assert units["code"].str.startswith("0").sum() > 100  # Hà Nội's block, as in the real list
    assert units["province"].nunique() == 34
    assert not units.duplicated(["province", "name"]).any()


@pytest.mark.parametrize(("n", "provinces"), [(1, 1), (11, 1), (100, 1), (1000, 10), (5000, 34)])
def test_spread_grows_with_the_size(n, provinces):
    sizes = province_sizes(n, seed=3)
    assert len(sizes) == provinces and sum(s for *_, s in sizes) == n
    assert province_sizes(n, seed=3) == sizes


def test_bad_size_is_refused():
    with pytest.raises(ValueError, match="n_units"):
        province_sizes(0)
