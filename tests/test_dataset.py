"""The data contract: every bad input is refused with file, row, column and advice."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from dxnb.dataset import FILES, check_dataset, load_dataset
from dxnb.errors import DataError, UnitNotFoundError


def append(folder: Path, name: str, line: str) -> int:
    """Append one CSV line; return its line number (the row number messages use)."""
    path = folder / name
    text = path.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        text += "\n"
    text += line + "\n"
    path.write_text(text, encoding="utf-8")
    return text.count("\n")


def replace(folder: Path, name: str, old: str, new: str, count: int = 1) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def line_of(folder: Path, name: str, fragment: str) -> int:
    for number, line in enumerate((folder / name).read_text(encoding="utf-8").splitlines(), start=1):
        if fragment in line:
            return number
    raise AssertionError(fragment)


def hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}


def problems_text(folder: Path) -> tuple[object, str]:
    before = hashes(folder)
    dataset, problems = check_dataset(folder)
    assert hashes(folder) == before, "validation modified an input file"
    return dataset, "\n".join(str(p) for p in problems)


def test_bundled_dataset_is_valid(sample):
    assert len(sample.units) == 11
    assert sample.periods == ["2022", "2023", "2024"]
    assert {"25858", "25882", "25885"} <= set(sample.units.index)
    assert sample.units.loc["25882", "population"] == 15129
    assert sample.units.loc["25882", "hamlets"] == 6
    assert sample.summary().startswith("11 units, 32 indicators of 1 framework, 836 observations, ")


def test_vinh_hoa_2024_carries_the_survey(sample):
    obs = sample.observations
    vh = obs[(obs.unit_code == "25882") & (obs.period == "2024")].set_index("indicator")
    expected = {
        "plans_issued": 14,
        "decisions_issued": 7,
        "directives_issued": 1,
        "outreach_panels": 7,
        "radio_minutes": 145,
        "citizen_meetings": 16,
        "meeting_attendance": 640,
        "officials_it_use_rate": 100,
        "edocs_signed_rate": 100,
        "adult_smartphone_rate": 92.4,
        "household_fibre_rate": 90.6,
        "personal_signatures": 1083,
    }
    for indicator, value in expected.items():
        assert vh.loc[indicator, "value"] == value, indicator
        assert "Vĩnh Hòa" in vh.loc[indicator, "source"]
    notes = sample.notes[(sample.notes.unit_code == "25882") & (sample.notes.period == "2024")]
    assert {"challenge", "next_step"} <= set(notes.kind)
    assert notes.text.str.contains("thanh toán không dùng tiền mặt", case=False).any()


def test_synthetic_rows_say_so(sample):
    obs = sample.observations
    others = obs[obs.unit_code != "25882"]
    assert others.source.str.contains("synthetic").all()


def test_codes_keep_leading_zeros(data_copy):
    replace(data_copy, "units.csv", "25861,An Linh", "01156,An Linh")
    replace(data_copy, "successions.csv", "25861,", "01156,")
    replace(data_copy, "observations.csv", "\n25861,", "\n01156,", -1)
    replace(data_copy, "notes.csv", "25858,2024,next_step", "01156,2024,next_step")
    dataset = load_dataset(data_copy)
    assert "01156" in dataset.units.index
    assert dataset.find_unit("01156") == "01156"
    assert (dataset.observations.unit_code == "01156").any()


def test_spaces_around_the_key_cells_are_ignored(data_copy, sample_all):
    lines = (data_copy / "observations.csv").read_text(encoding="utf-8").splitlines()
    padded = [lines[0]]
    for line in lines[1:]:
        code, period, indicator, value, rest = line.split(",", 4)
        padded.append(f" {code} ,{period}  , {indicator},{value} ,{rest}")
    (data_copy / "observations.csv").write_text("\n".join(padded) + "\n", encoding="utf-8")
    replace(data_copy, "notes.csv", "\n25882,2024,", "\n 25882 , 2024 ,")
    dataset = load_dataset(data_copy)
    columns = ["unit_code", "period", "indicator", "value", "qualifier"]
    assert dataset.observations[columns].equals(sample_all.observations[columns])
    assert dataset.notes[["unit_code", "period"]].equals(sample_all.notes[["unit_code", "period"]])


CASES = [
    # (description, mutate(folder) -> row or None, file, column, words in the message)
    ("missing file", lambda d: (d / "notes.csv").unlink(), "notes.csv", None, "missing"),
    (
        "missing column",
        lambda d: replace(d, "observations.csv", "indicator,value", "indicator,values"),
        "observations.csv:1",
        "value",
        "rename 'values' to 'value'",
    ),
    ("empty file", lambda d: (d / "units.csv").write_text("", encoding="utf-8"), "units.csv", None, "empty"),
    (
        "not utf-8",
        lambda d: (d / "units.csv").write_bytes(
            (d / "units.csv").read_text(encoding="utf-8").encode("cp1258", errors="replace")
        ),
        "units.csv:2",
        None,
        "UTF-8",
    ),
    (
        "unknown unit",
        lambda d: append(d, "observations.csv", "99999,2024,plans_issued,3,x,"),
        "observations.csv:{row}",
        "unit_code",
        "'99999' is not in units.csv",
    ),
    (
        "unknown indicator",
        lambda d: append(d, "observations.csv", "25882,2024,household_fiber_rate,80,x,"),
        "observations.csv:{row}",
        "indicator",
        "did you mean 'household_fibre_rate'",
    ),
    (
        "derived indicator reported",
        lambda d: append(d, "observations.csv", "25882,2024,personal_signature_rate,9,x,"),
        "observations.csv:{row}",
        "indicator",
        "report 'personal_signatures' instead",
    ),
    (
        "conflicting duplicate",
        lambda d: append(d, "observations.csv", "25882,2024,plans_issued,15,x,"),
        "observations.csv:{row}",
        "value",
        "conflicts with row",
    ),
    (
        "non-numeric",
        lambda d: append(d, "observations.csv", "25882,2024,steering_meetings,bốn,x,"),
        "observations.csv:{row}",
        "value",
        "'bốn' is not a number",
    ),
    (
        "decimal comma in a rate",
        lambda d: append(d, "observations.csv", '25882,2024,payment_account_rate,"92,4",x,'),
        "observations.csv:{row}",
        "value",
        "write 92.4",
    ),
    (
        "thousands dot in a count",
        lambda d: (
            (
                append(d, "observations.csv", "25882,2023,personal_signatures_x,1,x,")
                and replace(
                    d, "observations.csv", "25882,2024,personal_signatures,1083", "25882,2024,personal_signatures,1.083"
                )
            )
            or line_of(d, "observations.csv", "personal_signatures,1.083")
        ),
        "observations.csv:{row}",
        "value",
        "Vietnamese thousands dot for 1083",
    ),
    (
        "decimal comma in a count",
        lambda d: append(d, "observations.csv", '25882,2024,steering_meetings,"3,5",x,'),
        "observations.csv:{row}",
        "value",
        "decimal comma (3.5)",
    ),
    (
        "rate above 100",
        lambda d: append(d, "observations.csv", "25882,2024,payment_account_rate,120,x,"),
        "observations.csv:{row}",
        "value",
        "outside 0–100",
    ),
    (
        "negative count",
        lambda d: append(d, "observations.csv", "25882,2024,steering_meetings,-3,x,"),
        "observations.csv:{row}",
        "value",
        "negative",
    ),
    (
        "yes/partial/no",
        lambda d: append(d, "observations.csv", "25882,2024,security_plan,2,x,"),
        "observations.csv:{row}",
        "value",
        "not 1, 0.5 or 0",
    ),
    (
        "malformed period",
        lambda d: append(d, "observations.csv", "25882,2024-25,steering_meetings,3,x,"),
        "observations.csv:{row}",
        "period",
        "not a year",
    ),
    (
        "float code",
        lambda d: append(d, "observations.csv", "25882.0,2024,steering_meetings,3,x,"),
        "observations.csv:{row}",
        "unit_code",
        "write '25882'",
    ),
    (
        "lost leading zero",
        lambda d: replace(d, "units.csv", "25861,An Linh", "1156,An Linh") or line_of(d, "units.csv", "1156,An Linh"),
        "units.csv:{row}",
        "code",
        "write '01156'",
    ),
    (
        "unit count with thousands dot",
        lambda d: replace(d, "units.csv", "15129,10890", "15.129,10890") or line_of(d, "units.csv", "15.129"),
        "units.csv:{row}",
        "population",
        "15129",
    ),
    (
        "bad note kind",
        lambda d: append(d, "notes.csv", "25882,2024,idea,Something"),
        "notes.csv:{row}",
        "kind",
        "strength, challenge, next_step",
    ),
    (
        "unknown pillar",
        lambda d: replace(d, "indicators.csv", "plans_issued,institutions", "plans_issued,institution") or 2,
        "indicators.csv:{row}",
        "pillar",
        "'institution' is not in pillars.csv",
    ),
    (
        "bad steps",
        lambda d: replace(d, "indicators.csv", "1:5;3:10;6:15;10:25", "1-5;3-10") or 2,
        "indicators.csv:{row}",
        "steps",
        "threshold:points",
    ),
    (
        "required id removed",
        lambda d: replace(d, "indicators.csv", "cdt_teams,human", "cdt_team,human"),
        "indicators.csv",
        "id",
        "lacks 'cdt_teams'",
    ),
]


def rewrite_lines(folder: Path, name: str, change) -> None:
    """Apply ``change(number, line)`` to every line of a file (numbers from 1, the header)."""
    path = folder / name
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(change(n, line) for n, line in enumerate(lines, start=1)) + "\n", encoding="utf-8")


def set_cell(folder: Path, name: str, key: str, column: str, value: str) -> int:
    """Set one cell of the row whose first cell is ``key``; return its row number."""
    import csv
    import io

    path = folder / name
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    number = next(n for n, row in enumerate(rows, start=1) if row[0] == key)
    rows[number - 1][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return number


HUGE = "9" * 400

CASES += [
    # Data safety: hostile CSV (item 15, 18)
    (
        "trailing comma on data rows only",
        lambda d: rewrite_lines(d, "units.csv", lambda n, line: line if n == 1 else line + ","),
        "units.csv:2",
        None,
        "extra comma: 15 cells, the header has 14 (and 14 more rows with the same problem: rows 3, 4,",
    ),
    (
        "extra cells on the first data row",
        lambda d: rewrite_lines(d, "observations.csv", lambda n, line: line + ",x,y" if n == 2 else line),
        "observations.csv:2",
        None,
        "the row has 9 cells, the header has 7 columns",
    ),
    (
        "unbalanced quote",
        lambda d: append(d, "notes.csv", '25882,2024,strength,"never closed'),
        "notes.csv:{row}",
        None,
        "not closed",
    ),
    (
        "semicolon-separated file",
        lambda d: rewrite_lines(d, "pillars.csv", lambda n, line: line.replace(",", ";")),
        "pillars.csv:1",
        None,
        "separated by semicolons",
    ),
    (
        "400-digit observation",
        lambda d: append(d, "observations.csv", f"25882,2021,radio_minutes,{HUGE},x,"),
        "observations.csv:{row}",
        "value",
        "(400 characters)' is out of range",
    ),
    (
        "400-digit population",
        lambda d: set_cell(d, "units.csv", "25882", "population", HUGE),
        "units.csv:{row}",
        "population",
        "out of range",
    ),
    # Non-ASCII digits (item 12)
    (
        "fullwidth unit code",
        lambda d: set_cell(d, "units.csv", "25882", "code", "２５８８２"),
        "units.csv:{row}",
        "code",
        "digits that are not 0-9",
    ),
    (
        "superscript unit code in observations",
        lambda d: append(d, "observations.csv", "²²²²²,2024,plans_issued,3,x,"),
        "observations.csv:{row}",
        "unit_code",
        "write it with the digits 0-9: '22222'",
    ),
    (
        "Arabic-Indic digits in a period",
        lambda d: append(d, "observations.csv", "25882,20٢٤,plans_issued,3,x,"),
        "observations.csv:{row}",
        "period",
        "write it with the digits 0-9: 2024",
    ),
    (
        "fullwidth digits in a value",
        lambda d: append(d, "observations.csv", "25882,2021,radio_minutes,１４５,x,"),
        "observations.csv:{row}",
        "value",
        "digits 0-9: 145",
    ),
    (
        "non-ASCII pillar order",
        lambda d: set_cell(d, "pillars.csv", "awareness", "order", "²"),
        "pillars.csv:{row}",
        "order",
        "is not a number",
    ),
    # Catalogue numbers (item 11, 15)
    (
        "negative step points",
        lambda d: set_cell(d, "indicators.csv", "plans_issued", "steps", "1:-500"),
        "indicators.csv:{row}",
        "steps",
        "negative points",
    ),
    (
        "nan and inf steps",
        lambda d: set_cell(d, "indicators.csv", "plans_issued", "steps", "nan:5;inf:10"),
        "indicators.csv:{row}",
        "steps",
        "threshold 'nan' is not a number",
    ),
    (
        "step above max_points",
        lambda d: set_cell(d, "indicators.csv", "plans_issued", "steps", "1:5;3:10;6:15;10:40"),
        "indicators.csv:{row}",
        "steps",
        "40 points, above max_points 25",
    ),
    (
        "repeated step threshold",
        lambda d: set_cell(d, "indicators.csv", "plans_issued", "steps", "1:5;1:10"),
        "indicators.csv:{row}",
        "steps",
        "threshold 1 appears twice",
    ),
    (
        "non-numeric steps",
        lambda d: set_cell(d, "indicators.csv", "plans_issued", "steps", "one:five"),
        "indicators.csv:{row}",
        "steps",
        "cannot be read",
    ),
    (
        "400-digit max_points",
        lambda d: set_cell(d, "indicators.csv", "plans_issued", "max_points", HUGE),
        "indicators.csv:{row}",
        "max_points",
        "out of range",
    ),
    (
        "max_points above 1000",
        lambda d: set_cell(d, "indicators.csv", "plans_issued", "max_points", "1500"),
        "indicators.csv:{row}",
        "max_points",
        "1500 is not > 0 and ≤ 1000",
    ),
    (
        "non-numeric max_points",
        lambda d: set_cell(d, "indicators.csv", "plans_issued", "max_points", "hai mươi"),
        "indicators.csv:{row}",
        "max_points",
        "'hai mươi' is not a number",
    ),
    (
        "400-digit target",
        lambda d: set_cell(d, "indicators.csv", "household_fibre_rate", "target", HUGE),
        "indicators.csv:{row}",
        "target",
        "out of range",
    ),
    (
        "rate target above 100",
        lambda d: set_cell(d, "indicators.csv", "household_fibre_rate", "target", "180"),
        "indicators.csv:{row}",
        "target",
        "180 is not ≥ 0 and ≤ 100",
    ),
    (
        "scale 0",
        lambda d: set_cell(d, "indicators.csv", "panel_hamlet_coverage", "scale", "0"),
        "indicators.csv:{row}",
        "scale",
        "0 is not > 0",
    ),
    (
        "decimals 5000",
        lambda d: set_cell(d, "indicators.csv", "panel_hamlet_coverage", "decimals", "5000"),
        "indicators.csv:{row}",
        "decimals",
        "5000 is not ≥ 0 and ≤ 4",
    ),
    (
        "non-numeric decimals",
        lambda d: set_cell(d, "indicators.csv", "panel_hamlet_coverage", "decimals", "one"),
        "indicators.csv:{row}",
        "decimals",
        "'one' is not a number",
    ),
    (
        "fractional decimals",
        lambda d: set_cell(d, "indicators.csv", "panel_hamlet_coverage", "decimals", "1.5"),
        "indicators.csv:{row}",
        "decimals",
        "'1.5' is not a whole number",
    ),
]


@pytest.mark.parametrize(("mutate", "where", "column", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_refused_with_location(data_copy, mutate, where, column, words):
    row = mutate(data_copy)
    dataset, text = problems_text(data_copy)
    assert dataset is None, "the dataset should be refused"
    expected = where.format(row=row)
    matching = [
        line
        for line in text.splitlines()
        if line.startswith(expected + ":") or line.startswith(expected + " ") or line == expected
    ]
    assert matching, f"no problem located at {expected!r}:\n{text}"
    line = next((m for m in matching if words in m), None)
    assert line is not None, f"{words!r} not in:\n{text}"
    if column:
        assert f": {column}: " in line
    assert " — " in line, "every message says how to fix it"
    with pytest.raises(DataError):
        load_dataset(data_copy)


def test_identical_duplicate_is_a_warning(data_copy):
    row = append(data_copy, "observations.csv", "25882,2024,plans_issued,14,x,")
    dataset, text = problems_text(data_copy)
    assert dataset is not None
    assert f"observations.csv:{row}: indicator: warning: repeats row" in text


def test_count_above_denominator_is_a_warning(data_copy):
    replace(
        data_copy, "observations.csv", "25882,2024,personal_signatures,1083", "25882,2024,personal_signatures,12000"
    )
    row = line_of(data_copy, "observations.csv", "personal_signatures,12000")
    dataset, text = problems_text(data_copy)
    assert dataset is not None
    assert (
        f"observations.csv:{row}: value: warning: personal_signatures 12000 is above the unit's adult population"
        in text
    )


def test_bom_is_accepted(data_copy):
    path = data_copy / "units.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_dataset(data_copy).units.shape[0] == 15  # 11 former units and the 4 formed on 1/7/2025


def test_missing_folder():
    dataset, problems = check_dataset("/nonexistent/folder")
    assert dataset is None and "does not exist" in str(problems[0])


@pytest.mark.parametrize(
    "query",
    [
        "25882",
        "Vĩnh Hòa",
        "Vĩnh Hoà",
        "vĩnh hòa",
        "Xã Vĩnh Hòa",
        "  Vĩnh   Hòa ",
        unicodedata.normalize("NFD", "Vĩnh Hòa"),
        unicodedata.normalize("NFD", "Vĩnh Hoà"),
    ],
)
def test_find_unit_across_forms(sample, query):
    assert sample.find_unit(query) == "25882"


def test_find_unit_errors(sample):
    assert sample.find_unit("Vinh Hoa") == "25882"  # without diacritics, when only one unit fits
    with pytest.raises(UnitNotFoundError, match="Did you mean Vĩnh Hòa"):
        sample.find_unit("Vinh Hao")
    with pytest.raises(UnitNotFoundError, match="No unit has the code '12345'"):
        sample.find_unit("12345")


def test_cli_check_ok(capsys):
    from dxnb.cli import main

    assert main(["check"]) == 0
    out = capsys.readouterr().out
    # the indicators of the three frameworks in force (not the dataset's own 32 only), numbers in style
    assert out.startswith("OK: 15 units, 53 indicators of 3 frameworks, 1,044 observations, ")
    assert "periods 2022, 2023, 2024, 2025; 2025-10, 2025-11, 2025-12" in out  # years, then the 766 months


def test_cli_check_refuses_bad_data_without_traceback(data_copy):
    append(data_copy, "observations.csv", '25882,2024,payment_account_rate,"92,4",x,')
    before = hashes(data_copy)
    result = subprocess.run(
        [sys.executable, "-m", "dxnb.cli", "check", "--data", str(data_copy)],
        capture_output=True,
        text=True,
        encoding="utf-8",
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "observations.csv:" in result.stderr and "write 92.4" in result.stderr
    assert hashes(data_copy) == before


def test_every_contract_file_is_read(sample):
    own = {f"frameworks/svc-766-classes/{name}" for name in ("framework.csv", "groups.csv", "indicators.csv",
                                                              "classes.csv")}  # fmt: skip
    assert set(sample.hashes) == {*FILES, "successions.csv", "frameworks.csv", *own}


def test_district_spelt_two_ways_is_one_place(data_copy):
    row = set_cell(data_copy, "units.csv", "25861", "district", "Huyện  Phú Giáo")
    set_cell(data_copy, "units.csv", "25882", "province", "tỉnh Bình Dương")
    dataset, text = problems_text(data_copy)
    assert dataset is not None, text
    assert set(dataset.units["district"]) == {"Phú Giáo", ""}  # no district since 1/7/2025
    assert set(dataset.units["province"]) == {"Bình Dương", "Hồ Chí Minh"}
    assert f"units.csv:{row}: district: warning: 'Huyện Phú Giáo' is written 'Phú Giáo' on row 2" in text
    assert "province: warning: 'tỉnh Bình Dương'" in text
    from dxnb.units import peer_group_keys

    assert peer_group_keys(dataset.at("2024").units).nunique() == 1  # the 11 units before 1/7/2025


def test_district_written_with_its_word_everywhere_is_read_without_it(data_copy):
    rewrite_lines(data_copy, "units.csv", lambda n, line: line.replace(",Phú Giáo,", ",huyện Phú Giáo,"))
    dataset, text = problems_text(data_copy)
    assert dataset is not None, text
    assert set(dataset.units["district"]) == {"Phú Giáo", ""}  # no district since 1/7/2025
    assert "warning" not in text


def test_blank_lines_keep_row_numbers(data_copy):
    rewrite_lines(data_copy, "observations.csv", lambda n, line: "\n,,,,,," if n == 3 else line)
    row = append(data_copy, "observations.csv", "25882,2024,plans_issued,abc,x,")
    _, text = problems_text(data_copy)
    assert f"observations.csv:{row}: value: 'abc' is not a number" in text


def test_unknown_indicator_rows_are_grouped(data_copy):
    first = append(data_copy, "observations.csv", "25882,2019,household_fibre_share,50,x,")
    for year in range(2000, 2019):
        append(data_copy, "observations.csv", f"25882,{year},household_fibre_share,50,x,")
    _, text = problems_text(data_copy)
    lines = [line for line in text.splitlines() if "household_fibre_share" in line]
    assert len(lines) == 1, text
    assert lines[0].startswith(f"observations.csv:{first}: indicator: 'household_fibre_share' is not in the catalogue")
    assert f"(and 19 more rows with the same problem: rows {first + 1}, {first + 2}," in lines[0]
    assert lines[0].endswith("— did you mean 'household_fibre_rate'?")


HOSTILE = {
    "semicolons": lambda d: rewrite_lines(d, "units.csv", lambda n, line: line.replace(",", ";")),
    "unbalanced quote": lambda d: append(d, "indicators.csv", 'x,"y'),
    "huge steps": lambda d: set_cell(d, "indicators.csv", "plans_issued", "steps", f"{HUGE}:{HUGE}"),
    "decimals 5000": lambda d: set_cell(d, "indicators.csv", "plans_issued", "decimals", "5000"),
    "order text": lambda d: set_cell(d, "pillars.csv", "awareness", "order", "first"),
    "huge value": lambda d: append(d, "observations.csv", f"25882,2021,radio_minutes,{HUGE},x,"),
}


@pytest.mark.parametrize("mutate", list(HOSTILE.values()), ids=list(HOSTILE))
def test_cli_check_refuses_hostile_files_with_exit_2(data_copy, mutate, capsys):
    from dxnb.cli import main

    mutate(data_copy)
    before = hashes(data_copy)
    assert main(["check", "--data", str(data_copy)]) == 2
    err = capsys.readouterr().err
    assert ".csv:" in err and " — " in err
    assert hashes(data_copy) == before
