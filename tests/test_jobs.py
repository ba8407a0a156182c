"""Planning a batch: cache keys, the notebook's parameters, bounded file names, manifests that survive bad input."""

from __future__ import annotations

import json
import logging
import os

import papermill as pm
import pytest

from dxnb.dataset import load_dataset
from dxnb.jobs import (
    MANIFEST,
    SLUG_MAX,
    Outcome,
    cache_key,
    file_stem,
    is_fresh,
    load_manifest,
    manifest_entry,
    plan,
    read_manifest,
    select_periods,
    write_manifest,
)
from dxnb.paths import NOTEBOOKS_DIR


def test_cache_key_covers_every_input():
    base = cache_key(b"nb", {"unit_code": "25882"}, "data", "tpl")
    assert base == cache_key(b"nb", {"unit_code": "25882"}, "data", "tpl")
    assert base != cache_key(b"nb2", {"unit_code": "25882"}, "data", "tpl")
    assert base != cache_key(b"nb", {"unit_code": "25858"}, "data", "tpl")
    assert base != cache_key(b"nb", {"unit_code": "25882"}, "data2", "tpl")
    assert base != cache_key(b"nb", {"unit_code": "25882"}, "data", "tpl2")


@pytest.mark.parametrize("path", sorted(NOTEBOOKS_DIR.glob("*.ipynb")), ids=lambda p: p.name)
def test_parameters_are_read_as_papermill_reads_them(path):
    from dxnb.jobs import notebook_parameters

    assert notebook_parameters(path) == set(pm.inspect_notebook(str(path)))


def test_periods_are_sorted_and_checked(sample):
    assert select_periods(sample, None) == sample.periods[-1:]
    assert select_periods(sample, ["2024", "2023", "2024"]) == ["2023", "2024"]


def _rename(folder, code: str, name: str) -> None:
    lines = (folder / "units.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith(f"{code},"):
            fields = line.split(",")
            fields[1] = name
            lines[i] = ",".join(fields)
    (folder / "units.csv").write_text("".join(lines), encoding="utf-8")


def test_a_very_long_unit_name_gives_a_bounded_unique_file_name(data_copy, tmp_path):
    long_name = "Vĩnh Hòa " + " ".join(["Thượng"] * 45)  # over 300 characters
    assert len(long_name) > 300
    _rename(data_copy, "25882", long_name)
    _rename(data_copy, "25858", long_name)  # two units of the same long name
    ds = load_dataset(data_copy)
    jobs, _ = plan(ds, ["2024"], ["25882", "25858"], "vi", tmp_path)
    names = set()
    for job in jobs:
        for path in (job.html_path, job.nb_path, job.failed_path):
            name = os.path.basename(path)
            assert len(name.encode()) <= 255 - 20, name  # room for a temporary file's prefix and random part
            names.add(name)
        assert job.name == long_name  # only the file name is cut, not the name in the report
    assert len(names) == 6  # the code keeps them apart
    stem = file_stem("25882", long_name)
    assert stem.startswith("25882-vinh-hoa-thuong") and not stem.endswith("-")
    assert len(stem) <= len("25882-") + SLUG_MAX
    assert file_stem("25882", "Vĩnh Hòa") == "25882-vinh-hoa"


@pytest.mark.parametrize(
    "content",
    [b"[]", b"\xff\xfe{not utf-8", b'{"units": {"25882": "ok"}}', b'{"units": []}', b"{", b'{"no_data": 3}'],
    ids=["list", "not-utf8", "entry-not-object", "units-not-object", "truncated", "no-data-not-list"],
)
def test_an_unusable_manifest_reads_as_empty_with_a_warning(tmp_path, content, caplog):
    (tmp_path / MANIFEST).write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="dxnb.jobs"):
        assert read_manifest(tmp_path) == {}
    assert str(tmp_path / MANIFEST) in caplog.text and "treated as empty" in caplog.text
    assert load_manifest(tmp_path)[1]


def test_missing_manifest_is_empty_without_a_warning(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        assert read_manifest(tmp_path) == {} and load_manifest(tmp_path) == ({}, "")
    assert not caplog.text


def test_writing_a_manifest_keeps_other_units_entries(sample, tmp_path):
    jobs, _ = plan(sample, ["2024"], ["25882", "25858"], "vi", tmp_path)
    first, second = jobs
    folder = tmp_path / "2024"
    folder.mkdir()
    notebook = NOTEBOOKS_DIR / "commune_report.ipynb"
    write_manifest(folder, sample, {first.code: manifest_entry(first, Outcome(first.code, "2024", "ok", 1.5), {})},
                   [], notebook)  # fmt: skip
    # another batch, on the other unit only, that read the manifest before the first one wrote it
    write_manifest(folder, sample, {second.code: manifest_entry(second, Outcome(second.code, "2024", "ok", 2), {})},
                   ["25861"], notebook)  # fmt: skip
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    assert set(manifest["units"]) == {first.code, second.code}
    assert manifest["units"][first.code]["duration_s"] == 1.5
    assert manifest["no_data"] == ["25861"]
    (tmp_path / "2024" / os.path.basename(first.html_path)).write_text("x", encoding="utf-8")
    assert is_fresh(first, manifest) and not is_fresh(second, manifest)  # the second has no HTML file


def test_a_failed_entry_keeps_the_previous_key_and_points_at_the_failed_notebook(sample, tmp_path):
    (job,) = plan(sample, ["2024"], ["25882"], "vi", tmp_path)[0]
    entry = manifest_entry(job, Outcome(job.code, "2024", "failed", 1.0, "ValueError: x"), {"key": "old"})
    assert entry["status"] == "failed" and entry["key"] == "old" and entry["error"] == "ValueError: x"
    assert entry["failed_notebook"] == "notebooks/25882-vinh-hoa.failed.ipynb" and entry["previous_report"] == ""
    cached = manifest_entry(job, Outcome(job.code, "2024", "cached"), {"duration_s": 3.0, "finished": "then"})
    assert cached["status"] == "ok" and cached["duration_s"] == 3.0 and cached["finished"] == "then"


def test_the_default_period_is_logged_with_its_reason(former_copy, caplog):
    import logging

    from dxnb import load_dataset

    with open(former_copy / "observations.csv", "a", encoding="utf-8") as handle:
        handle.write("25882,2025,plans_issued,12,Phiếu 25882,,\n")
    ds = load_dataset(former_copy)
    with caplog.at_level(logging.INFO, logger="dxnb.jobs"):
        assert select_periods(ds, None) == ["2024"]
    assert "period 2024: the latest period reported by most units (11 of 11); 2025 has 1 of 11" in caplog.text
    assert select_periods(ds, ["all"]) == ["2022", "2023", "2024", "2025"]


def test_the_latest_period_renders_the_new_communes_with_unique_file_names(sample_all, tmp_path):
    from dxnb.params import find_units

    notebook = NOTEBOOKS_DIR / "commune_report.ipynb"
    periods = select_periods(sample_all, None)
    assert periods == ["2025"]
    jobs, skipped = plan(sample_all, periods, find_units(sample_all, None), "vi", tmp_path, notebook)
    assert [(j.code, j.name) for j in jobs] == [("25858", "Phú Giáo"), ("25864", "Phước Thành"), ("25867", "An Long"),
                                                ("25882", "Phước Hòa")]  # fmt: skip
    assert skipped == {"2025": []}
    older, _ = plan(sample_all, ["2024", "2025"], ["25882"], "vi", tmp_path, notebook)
    names = [os.path.relpath(j.html_path, tmp_path) for j in older]
    assert names == ["2024/25882-vinh-hoa.html", "2025/25882-phuoc-hoa.html"]  # unique across lifetimes
    assert len({j.key for j in older}) == 2
