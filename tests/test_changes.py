"""What changed between two snapshots or datasets, most important first; `dxnb diff`."""

from __future__ import annotations

import shutil

import pytest

from dxnb import changes
from dxnb.cli import main
from dxnb.dataset import load_dataset
from dxnb.errors import ParameterError
from dxnb.snapshot import period_snapshot

VINH_HOA = "25882"


def entry(score, indicators, pillars=None):
    return {"name": "Vĩnh Hòa", "score": score, "coverage": 0.5, "result_class": None,
            "pillars": pillars or {"p": score}, "indicators": indicators}  # fmt: skip


def snap(units, framework="f"):
    return {"schema": 1, "framework": framework, "units": units}


def test_compare_units_kinds_and_order():
    old = entry(0.5, {"a": {"value": 1.0, "points": 1.0}, "b": {"value": 5.0, "points": 5.0},
                      "c": {"value": 2.0, "points": 0.0}, "d": {"value": 7.0, "points": 2.0}})  # fmt: skip
    new = entry(0.6, {"a": {"value": 1.0, "points": 1.0}, "b": {"value": 6.0, "points": 5.5},
                      "d": {"value": 7.0, "points": 2.0}, "e": {"value": 3.0, "points": 4.0}})  # fmt: skip
    change = changes.compare_units(old, new, VINH_HOA)
    assert [(c.indicator, c.kind) for c in change.indicators] == [("e", "added"), ("b", "changed"), ("c", "removed")]
    assert change.score_delta == pytest.approx(0.1)
    assert [c.indicator for c in change.added] == ["e"] and [c.indicator for c in change.removed] == ["c"]
    b = change.indicators[1]
    assert (b.old_value, b.new_value, b.old_points, b.new_points) == (5.0, 6.0, 5.0, 5.5)
    assert changes.compare_units(old, dict(old), VINH_HOA) is None


def test_compare_orders_units_by_score_change():
    same = {"a": {"value": 1.0, "points": 1.0}}
    old = snap({"1": entry(0.5, same), "2": entry(0.5, same), "3": entry(0.5, same), "4": entry(0.2, same)})
    new = snap({"1": entry(0.51, same), "2": entry(0.7, same), "3": entry(0.5, same), "5": entry(0.3, same)})
    found = changes.compare(old, new)
    # |Δ score| first (a new or removed unit moves by its whole score), then the largest |Δ points|
    assert [c.code for c in found] == ["5", "4", "2", "1"]
    assert {c.code: c.status for c in found} == {"1": "changed", "2": "changed", "4": "removed", "5": "new"}
    assert changes.compare(None, new) == []  # a first render reports nothing


def test_framework_change_is_reported():
    same = {"1": entry(0.5, {"a": {"value": 1.0, "points": 1.0}})}
    found = changes.compare(snap(same, "old"), snap(same, "new"))
    assert [c.code for c in found] == ["1"] and found[0].framework_changed and not found[0].indicators
    assert "bộ chỉ số" in changes.summary(found[0], "vi")


def test_summary_and_lines(sample):
    old = period_snapshot(sample, "2024")
    new = {**old, "units": dict(old["units"])}
    unit = dict(new["units"][VINH_HOA])
    unit["indicators"] = {**unit["indicators"], "plans_issued": {"value": 3.0, "points": 10.0}}
    unit["score"] = unit["score"] - 0.015
    new["units"][VINH_HOA] = unit
    (change,) = changes.compare(old, new)
    assert changes.summary(change, "vi") == "chỉ số chung −0,02; 1 chỉ số"
    assert changes.summary(change, "en") == "overall index −0.02; 1 indicator"
    line = changes.indicator_line(sample, change.indicators[0], "vi")
    assert line == "Kế hoạch về chuyển đổi số đã ban hành (plans_issued): 14 kế hoạch → 3 kế hoạch (điểm 25 → 10)"
    assert changes.summary(None, "vi") == ""


def _edit(folder, old, new):
    obs = folder / "observations.csv"
    text = obs.read_text(encoding="utf-8")
    assert old in text
    obs.write_text(text.replace(old, new), encoding="utf-8")


def test_diff_a_backup_against_the_dataset(data_copy, capsys):
    backups = data_copy / "backups"
    backups.mkdir()
    backup = backups / "observations.20260101T000000-1.csv"
    shutil.copy(data_copy / "observations.csv", backup)
    _edit(data_copy, f"{VINH_HOA},2024,plans_issued,14,", f"{VINH_HOA},2024,plans_issued,3,")
    result = changes.diff_datasets(backup, data_copy, ["2024"])
    assert [p.period for p in result] == ["2024"]
    (change,) = result[0].changes
    assert change.code == VINH_HOA and [(c.indicator, c.old_value, c.new_value) for c in change.indicators] == [
        ("plans_issued", 14.0, 3.0)
    ]
    assert main(["diff", str(backup), str(data_copy), "--period", "2024", "--lang", "vi"]) == 0
    out = capsys.readouterr().out
    assert "Năm 2024: 1 đơn vị thay đổi" in out and "14 kế hoạch → 3 kế hoạch (điểm 25 → 10)" in out
    # a dataset folder works too, every period by default
    old = data_copy.parent / "old"
    shutil.copytree(data_copy, old, ignore=shutil.ignore_patterns("backups"))
    shutil.copy(backup, old / "observations.csv")
    assert main(["diff", str(old), str(data_copy), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "2024: 1 unit changed" in out and "2023: no changes." in out and "2022: no changes." in out


def test_diff_refuses_bad_input(data_copy, tmp_path, capsys):
    with pytest.raises(ParameterError, match="does not exist"):
        changes.diff_datasets(tmp_path / "nothing", data_copy)
    stray = tmp_path / "report.html"
    stray.write_text("x")
    assert main(["diff", str(stray), str(data_copy)]) == 2
    assert "neither a dataset folder nor a backup" in capsys.readouterr().err
    assert main(["diff", str(data_copy), str(data_copy), "--period", "2019"]) == 2
    assert "2019 has no data" in capsys.readouterr().err


def test_changes_name_indicators_from_the_periods_framework(data_copy, capsys):
    before = data_copy.parent / "before"
    shutil.copytree(data_copy, before)
    _edit(data_copy, "25882,2025-12,svc766_progress,18.62,", "25882,2025-12,svc766_progress,12.5,")
    _edit(data_copy, "25882,2025,vneid_level2_accounts,17295,", "25882,2025,vneid_level2_accounts,18000,")
    result = {p.period: p for p in changes.diff_datasets(before, data_copy, ["2025", "2025-12"])}
    (month,) = result["2025-12"].changes
    assert [c.indicator for c in month.indicators] == ["svc766_progress"]
    assert main(["diff", str(before), str(data_copy), "--period", "2025-12", "2025", "--lang", "vi"]) == 0
    out = capsys.readouterr().out
    # the 766 group score, named and valued as its framework has it (the dataset's own catalogue lacks both)
    assert "Điểm nhóm tiến độ giải quyết (Cổng Dịch vụ công quốc gia) (svc766_progress): 18,62 điểm → 12,5 điểm" in out
    assert "Người trưởng thành có tài khoản định danh điện tử mức 2 (VNeID) (vneid_level2_accounts)" in out
    assert "17.295 tài khoản → 18.000 tài khoản" in out
    assert changes.indicator_name(load_dataset(data_copy), "svc766_progress", "vi") == "svc766_progress"  # no period
