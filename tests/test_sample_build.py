"""The bundled sample's synthetic rows since 2025 are what dxnb.sample_build makes (data/README.md, Provenance)."""

from __future__ import annotations

import shutil

import pytest

from dxnb import sample_build
from dxnb.dataset import load_dataset
from dxnb.paths import DATA_DIR
from dxnb.synthetic import SYNTHETIC_SOURCE

NEW_2025 = {
    "vneid_level2_accounts", "procedures_handled", "procedures_fully_online", "procedures_partly_online",
    "dossiers_filed_online_rate", "dossier_digitisation_rate", "bdhvs_classes", "bdhvs_participants", "businesses",
    "einvoice_businesses", "ehr_residents",
}  # fmt: skip


def test_the_bundled_rows_since_2025_are_the_generators(sample_all):
    obs = sample_all.observations
    bundled = obs[obs["period"].str.startswith("2025")].reset_index(drop=True)
    made = sample_build.generated_rows(sample_all)
    assert (bundled["source"] == SYNTHETIC_SOURCE).all() and (made["source"] == SYNTHETIC_SOURCE).all()
    keys = ["unit_code", "period", "indicator"]
    assert bundled[keys].values.tolist() == made[keys].values.tolist()
    assert bundled["value"].tolist() == pytest.approx(made["value"].astype(float).tolist())


def test_the_2025_rows_carry_the_new_indicators_of_the_reference_set(sample_all):
    rows = sample_build.reference_2025_rows(sample_all)
    assert set(rows["indicator"]) == NEW_2025
    assert set(rows["period"]) == {"2025"} and set(rows["unit_code"]) == {"25858", "25864", "25867", "25882"}
    values = rows.pivot(index="unit_code", columns="indicator", values="value").astype(float)
    units = sample_all.at("2025").units
    assert (values["vneid_level2_accounts"] <= units["adult_population"]).all()
    assert (values["ehr_residents"] <= units["population"]).all()
    both = values[["procedures_handled", "procedures_fully_online", "procedures_partly_online"]].dropna()
    assert len(both) >= 3  # a few values are missing on purpose, as in the other rows
    assert (both["procedures_fully_online"] + both["procedures_partly_online"] <= both["procedures_handled"]).all()


def test_the_service_months_are_points_within_each_group(sample_all):
    rows = sample_build.service_rows(sample_all)
    assert sorted(set(rows["period"])) == sample_build.SERVICE_MONTHS
    assert len(rows) == 4 * 3 * 5  # 4 communes, 3 months, 5 groups, no gaps
    framework = sample_all.catalogue_for("2025-12")
    assert framework.id == "svc-766-classes"
    assert [c.id for c in framework.classes] == ["xuat_sac", "tot", "kha", "trung_binh", "yeu"]
    maxima = rows["indicator"].map(lambda i: framework[i].max_points)
    assert ((rows["value"].astype(float) >= 0) & (rows["value"].astype(float) <= maxima)).all()


def test_rebuild_writes_the_same_file(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(DATA_DIR, folder, ignore=shutil.ignore_patterns("README.md"))
    before = (folder / "observations.csv").read_bytes()
    assert sample_build.main([str(folder)]) == 0
    assert (folder / "observations.csv").read_bytes() == before
    assert load_dataset(folder).periods[-4:] == ["2025-10", "2025-11", "2025-12", "2025"]
