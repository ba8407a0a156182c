"""Bad input of units with a lifetime and of successions.csv: each refused with file:row, exit 2, nothing written."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest

from dxnb.cli import main
from dxnb.dataset import check_dataset, load_dataset


def rewrite(path: Path, change) -> None:
    """Rewrite a CSV file row by row: ``change(rows)`` edits the list of dicts in place."""
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header, rows = list(reader.fieldnames), list(reader)
    change(rows)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def row_number(path: Path, predicate) -> int:
    with open(path, encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            if predicate(row):
                return number
    raise AssertionError("no such row")


def errors(folder: Path) -> list[str]:
    dataset, problems = check_dataset(folder)
    found = [str(p) for p in problems if p.is_error]
    assert dataset is None and found
    return found


def digests(folder: Path) -> dict[str, str]:
    files = [p for p in folder.rglob("*") if p.is_file()]  # the sample's framework folder too
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def refused(folder: Path, capsys, expected: str) -> None:
    """`dxnb check` exits 2, prints the located problem, and writes nothing."""
    before = digests(folder)
    assert main(["check", "--data", str(folder)]) == 2
    assert expected in capsys.readouterr().err
    assert digests(folder) == before


def test_the_bundled_sample_has_lifetimes(sample_all):
    assert sample_all.has_lifetimes
    assert len(sample_all.units) == 15 and len(sample_all.at("2024").units) == 11
    assert list(sample_all.at("2025").units.index) == ["25858", "25864", "25867", "25882"]
    assert sample_all.at("2024").units.at["25882", "name"] == "Vĩnh Hòa"
    assert sample_all.at("2025").units.at["25882", "name"] == "Phước Hòa"
    assert len(sample_all.successions) == 12


def test_view_keeps_only_the_lifetime_observations(sample_all):
    new = sample_all.at("2025")
    assert set(new.observations.loc[new.observations["unit_code"] == "25882", "period"]) == {
        "2025", "2025-10", "2025-11", "2025-12",
    }  # fmt: skip
    old = sample_all.at("2024")
    assert set(old.observations.loc[old.observations["unit_code"] == "25882", "period"]) == {"2022", "2023", "2024"}
    assert old.at("2025") is new and new.whole is sample_all


def test_a_dataset_without_lifetimes_is_its_own_view(former_copy):
    ds = load_dataset(former_copy)
    assert not ds.has_lifetimes and ds.at("2024") is ds and ds.at("2025") is ds


def test_observation_outside_its_units_lifetime(data_copy, capsys):
    with open(data_copy / "observations.csv", "a", encoding="utf-8") as handle:
        handle.write("25885,2025,plans_issued,3,Kế hoạch,,\n")  # old Phước Hòa ended on 30/6/2025
    row = row_number(data_copy / "observations.csv", lambda r: r["unit_code"] == "25885" and r["period"] == "2025")
    refused(data_copy, capsys, f"observations.csv:{row}: period: unit '25885' did not exist at the end of 2025")


def test_note_outside_its_units_lifetime(data_copy):
    with open(data_copy / "notes.csv", "a", encoding="utf-8") as handle:
        handle.write("25885,2025,strength,Tốt,\n")
    assert any(p.startswith("notes.csv:") and "did not exist at the end of 2025" in p for p in errors(data_copy))


def test_succession_to_an_unknown_unit(data_copy, capsys):
    rewrite(data_copy / "successions.csv", lambda rows: rows[0].update(new_code="99999"))
    refused(data_copy, capsys, "successions.csv:2: new_code: no unit '99999' starts on 2025-07-01 in units.csv")


def test_succession_from_an_unknown_unit(data_copy):
    rewrite(data_copy / "successions.csv", lambda rows: rows[0].update(old_code="25999"))
    assert "successions.csv:2: old_code: no unit '25999' ends on 2025-06-30 in units.csv" in " ".join(errors(data_copy))


def test_succession_cycle(data_copy, capsys):
    def looping(rows):  # a unit whose lifetime runs backwards is its own successor
        rows.append({**rows[0], "code": "25999", "name": "Vòng", "valid_from": "2025-07-01", "valid_to": "2025-06-30"})

    rewrite(data_copy / "units.csv", looping)
    rewrite(data_copy / "successions.csv", lambda rows: rows.append({**rows[0], "old_code": "25999",
                                                                        "new_code": "25999"}))  # fmt: skip
    found = " ".join(errors(data_copy))
    assert "successions.csv:14: new_code: the successions form a cycle: 25999 (units.csv row 17) → 25999" in found
    assert "units.csv:17: valid_to: valid_to 2025-06-30 is before valid_from 2025-07-01" in found


def test_code_swap_is_no_cycle(tmp_path):
    from dxnb.provinces import init_dataset

    folder = init_dataset(province="Hồ Chí Minh", out_dir=tmp_path / "hcm")  # 27019 ↔ 27022 swap codes there
    dataset, problems = check_dataset(folder)
    assert dataset is not None, [str(p) for p in problems if p.is_error]


def test_shares_above_one(data_copy, capsys):
    def shares(rows):
        for row in rows:
            if row["old_code"] == "25876":
                row["share"] = "0.7" if row["new_code"] == "25858" else "0.6"

    rewrite(data_copy / "successions.csv", shares)
    refused(data_copy, capsys, "share: the shares of unit '25876' on 2025-07-01 add up to 1.3")


def test_share_out_of_range(data_copy):
    rewrite(data_copy / "successions.csv", lambda rows: rows[2].update(share="40%"))
    assert "successions.csv:4: share: '40%' is not a share between 0 and 1" in " ".join(errors(data_copy))


def test_a_unit_in_two_provinces_at_once(data_copy, capsys):
    rewrite(data_copy / "units.csv", lambda rows: rows.append({**rows[-1], "province": "Đồng Nai"}))
    refused(data_copy, capsys, "units.csv:17: code: unit '25882' is in Đồng Nai here and in Hồ Chí Minh on row 16")


def test_two_live_units_with_one_code(data_copy):
    rewrite(data_copy / "units.csv", lambda rows: rows.append({**rows[-1], "name": "Khác", "valid_from": "2026-01-01"}))
    assert "units.csv:17: code: code '25882' is also on row 16 for an overlapping lifetime" in " ".join(
        errors(data_copy)
    )


def test_one_code_twice_without_lifetimes_is_still_refused(former_copy):
    rewrite(former_copy / "units.csv", lambda rows: rows.append(dict(rows[0])))
    assert "units.csv:13: code: code '25858' is also on row 2" in " ".join(errors(former_copy))


@pytest.mark.parametrize("bad", ["1/7/2025", "2025-13-01", "2025-07"])
def test_bad_dates(data_copy, bad):
    rewrite(data_copy / "units.csv", lambda rows: rows[-1].update(valid_from=bad))
    assert f"units.csv:16: valid_from: '{bad}' is not a date" in " ".join(errors(data_copy))


def test_bad_succession_date_and_type(data_copy):
    rewrite(data_copy / "successions.csv", lambda rows: rows[0].update(date="01/07/2025", type="merge"))
    found = " ".join(errors(data_copy))
    assert "successions.csv:2: date: '01/07/2025' is not a date" in found
    assert "successions.csv:2: type: 'merge' is not a succession type" in found


def test_valid_to_before_valid_from(data_copy):
    rewrite(data_copy / "units.csv", lambda rows: rows[-1].update(valid_to="2025-01-01"))
    assert "units.csv:16: valid_to: valid_to 2025-01-01 is before valid_from 2025-07-01" in " ".join(errors(data_copy))


def test_bad_weight_base(data_copy):
    rewrite(data_copy / "indicators.csv", lambda rows: rows[0].update(weight_base="households"))
    assert "indicators.csv:2: weight_base: weight_base is for rates and ratios" in " ".join(errors(data_copy))
    rewrite(data_copy / "indicators.csv", lambda rows: rows[0].update(weight_base="area"))
    assert "indicators.csv:2: weight_base: 'area' is not a weight base" in " ".join(errors(data_copy))


def test_empty_observations_are_a_warning(data_copy):
    (data_copy / "observations.csv").write_text("unit_code,period,indicator,value,source,note,qualifier\n",
                                                encoding="utf-8")  # fmt: skip
    (data_copy / "notes.csv").write_text("unit_code,period,kind,text,source\n", encoding="utf-8")
    dataset, problems = check_dataset(data_copy)
    assert dataset is not None and dataset.periods == []
    assert [str(p) for p in problems] == [
        "observations.csv: warning: no observations yet — fill forms with dxnb template --all"
    ]
