"""Snapshots: a period's results per unit as plain data, their fingerprints, and how a batch keeps them."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dxnb import snapshot
from dxnb.dataset import load_dataset
from dxnb.evaluate import evaluate_period, indicator_table

VINH_HOA = "25882"


def test_entries_match_the_evaluation(sample):
    snap = snapshot.period_snapshot(sample, "2024")
    table = evaluate_period(sample, "2024")
    values = indicator_table(sample, "2024")
    assert set(snap["units"]) == set(table.index)
    for code, entry in snap["units"].items():
        assert entry["score"] == pytest.approx(table.at[code, "score"])
        assert entry["coverage"] == pytest.approx(table.at[code, "coverage"])
        assert entry["result_class"] is None  # the framework has no classes yet
        for pid, index in entry["pillars"].items():
            assert index == pytest.approx(table.at[code, f"pillar_{pid}"])
        with_data = values.loc[code].dropna()
        assert set(entry["indicators"]) == set(with_data.index)  # only indicators with data
        for iid, item in entry["indicators"].items():
            assert item["value"] == pytest.approx(with_data[iid])
    json.dumps(snap)  # plain data


def test_numbers_are_rounded_as_python_rounds_each_one():
    # halfway and near-halfway cases where numpy.round and round differ, repeats, signed zeros, gaps
    awkward = [0.1234567885, 2.675e-9, 1 / 3, 2 / 3, -0.0, 0.0, float("nan"), 1e15 / 7, 5e-10, 0.1234567885]
    grid = np.array([awkward, awkward[::-1]])
    rounded = snapshot._rounded(grid)
    expected = [[snapshot._num(v) for v in row] for row in grid.tolist()]
    assert json.dumps(rounded) == json.dumps(expected)  # the same text in a fingerprint, -0.0 and null included
    assert any(round(v, 9) != float(np.round(v, 9)) for v in awkward if v == v)  # numpy's would differ


def test_one_unit_equals_the_vectorised_period(sample):
    snap = snapshot.period_snapshot(sample, "2024")
    one = snapshot.unit_entry(sample, VINH_HOA, "2024")
    framework = snapshot.framework_digest(sample)
    assert snapshot.unit_fingerprint(one, framework) == snap["units"][VINH_HOA]["fingerprint"]
    assert snapshot.unit_entry(sample, VINH_HOA, "1999") is None
    assert snapshot.unit_fingerprint(None, framework) == ""


def test_fingerprint_follows_data_and_framework(data_copy):
    ds = load_dataset(data_copy)
    before = snapshot.period_snapshot(ds, "2024")["units"]
    obs = data_copy / "observations.csv"
    obs.write_text(
        obs.read_text(encoding="utf-8").replace(
            f"{VINH_HOA},2024,plans_issued,14,", f"{VINH_HOA},2024,plans_issued,3,"
        ),
        encoding="utf-8",
    )
    after = snapshot.period_snapshot(load_dataset(data_copy), "2024")["units"]
    changed = [c for c in before if before[c]["fingerprint"] != after[c]["fingerprint"]]
    assert changed == [VINH_HOA]  # a unit's fingerprint does not depend on its neighbours
    indicators = data_copy / "indicators.csv"
    indicators.write_text(indicators.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    framework = snapshot.period_snapshot(load_dataset(data_copy), "2024")["units"]
    assert all(framework[c]["fingerprint"] != after[c]["fingerprint"] for c in after)


def test_write_keeps_the_previous_only_when_results_change(sample, data_copy, tmp_path):
    folder = tmp_path / "2024"
    first = snapshot.period_snapshot(sample, "2024")
    _, previous = snapshot.write_period_snapshot(folder, first)
    assert previous is None and not (folder / snapshot.PREVIOUS).exists()
    again, previous = snapshot.write_period_snapshot(folder, snapshot.period_snapshot(sample, "2024"))
    assert previous is None and again["generated"] == first["generated"]  # same results: nothing rotates
    obs = data_copy / "observations.csv"
    obs.write_text(obs.read_text(encoding="utf-8").replace(",2024,plans_issued,14,", ",2024,plans_issued,3,"),
                   encoding="utf-8")  # fmt: skip
    changed = snapshot.period_snapshot(load_dataset(data_copy), "2024")
    _, previous = snapshot.write_period_snapshot(folder, changed)
    assert previous["units"] == first["units"]
    assert snapshot.read_snapshot(folder / snapshot.PREVIOUS)["units"] == first["units"]
    assert snapshot.read_snapshot(folder / snapshot.SNAPSHOT)["units"] == changed["units"]
    # a re-run with the same results keeps showing the last real change
    _, previous = snapshot.write_period_snapshot(folder, snapshot.period_snapshot(load_dataset(data_copy), "2024"))
    assert previous["units"] == first["units"]
    assert not list(folder.glob("*.tmp"))


@pytest.mark.parametrize("content", [b"\xff\xfe", b"[1, 2]", b'{"schema": 99, "units": {}}', b'{"schema": 1}'])
def test_unusable_snapshot_is_ignored(tmp_path, content, caplog):
    path = tmp_path / snapshot.SNAPSHOT
    path.write_bytes(content)
    assert snapshot.read_snapshot(path) is None
    assert "snapshot.json" in caplog.text
    assert snapshot.read_snapshot(tmp_path / "absent.json") is None
