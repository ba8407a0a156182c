"""The checks of dxnb.validate: grouped problems, catalogue numbers, ASCII digits, places spelt two ways."""

from __future__ import annotations

import pandas as pd
import pytest

from dxnb.errors import Problem
from dxnb.validate import MAX_PROBLEMS, ROWS_LISTED, canonical_places, check_catalogue, check_units, group_problems


def test_identical_problems_are_grouped_on_their_first_row():
    problems = [Problem("observations.csv", row, "indicator", "'x' is not in the catalogue", "use an id") for row in
                range(40, 4, -1)]  # fmt: skip
    problems.append(Problem("observations.csv", 3, "value", "'y' is not a number", "write a number"))
    grouped = group_problems(problems)
    assert len(grouped) == 2
    first = grouped[0]
    assert first.row == 5
    assert first.message.startswith("'x' is not in the catalogue (and 35 more rows with the same problem: rows 6, 7,")
    assert first.message.endswith(f"{5 + ROWS_LISTED}, …)")
    assert first.hint == "use an id"
    assert grouped[1] == problems[-1]


def test_problems_without_rows_are_not_merged():
    problems = [Problem("notes.csv", None, None, "the file is missing", "create it")] * 2
    assert len(group_problems(problems)) == 2


def test_problems_are_capped_errors_first():
    warnings = [Problem("units.csv", n, "name", f"warning {n}", "", "warning") for n in range(2, 12)]
    errors = [Problem("observations.csv", n, "value", f"'{n}' is wrong", "fix it") for n in range(2, MAX_PROBLEMS + 10)]
    kept = group_problems(warnings + errors)
    assert len(kept) == MAX_PROBLEMS + 1
    assert all(p.is_error for p in kept[:MAX_PROBLEMS])
    assert kept[-1].message == f"{len(warnings) + len(errors) - MAX_PROBLEMS:,} more problems are not listed"
    assert kept[-1].is_error


def test_canonical_places_drop_the_administrative_word():
    written = pd.Series(["Phú Giáo", "Huyện Phú Giáo", "huyện  Phú Giáo", "Hoà Bình", "tỉnh Hòa Bình", ""])
    assert canonical_places(written).tolist() == ["Phú Giáo", "Phú Giáo", "Phú Giáo", "Hoà Bình", "Hòa Bình", ""]


def _units(**changes) -> pd.DataFrame:
    row = {"code": "25882", "name": "Vĩnh Hòa", "kind": "xã", "district": "Phú Giáo", "province": "Bình Dương",
           "population": "15129", "adult_population": "", "households": "", "hamlets": "6", "source": "x",
           "estimated_fields": ""}  # fmt: skip
    other = {**row, "code": "25885", "name": "Phước Hòa", **changes}
    return pd.DataFrame([row, other], dtype=object)


@pytest.mark.parametrize(
    ("changes", "column", "words"),
    [
        ({"code": "２５８８５"}, "code", "write it with the digits 0-9: '25885'"),
        ({"code": "²²²²²"}, "code", "digits that are not 0-9"),
        ({"population": "1" * 400}, "population", "out of range"),
        ({"hamlets": "٦"}, "hamlets", "write it with the digits 0-9: 6"),
    ],
)
def test_units_refuse_non_ascii_digits_and_huge_counts(changes, column, words):
    problems: list[Problem] = []
    check_units(_units(**changes), problems)
    assert [p.column for p in problems if p.is_error] == [column]
    assert words in str(problems[0]) and problems[0].row == 3


def test_units_warn_when_one_district_is_spelt_two_ways():
    problems: list[Problem] = []
    check_units(_units(district="Huyện Phú Giáo"), problems)
    assert [str(p) for p in problems] == [
        "units.csv:3: district: warning: 'Huyện Phú Giáo' is written 'Phú Giáo' on row 2; both name the same "
        "district — write the district the same way on every row, without the word huyện, quận, thị xã, "
        "thành phố or tỉnh"
    ]


def test_units_warn_only_when_the_place_is_the_same():
    problems: list[Problem] = []
    check_units(_units(province="Bình Dưong", district="Phú  Giáo"), problems)  # another word; spaces aside
    assert problems == []
    check_units(_units(province="BÌNH DƯƠNG"), problems)
    assert [(p.row, p.column, p.severity) for p in problems] == [(3, "province", "warning")]


def _catalogue(**changes) -> tuple[pd.DataFrame, pd.DataFrame]:
    pillars = pd.DataFrame([{"id": "awareness", "group": "foundation", "name_vi": "N", "name_en": "A", "order": "1"}])
    indicator = {"id": "plans_issued", "pillar": "awareness", "name_vi": "K", "name_en": "P", "unit_vi": "",
                 "unit_en": "", "kind": "count", "scoring": "steps", "max_points": "25", "steps": "1:5;3:10",
                 "numerator": "", "denominator": "", "scale": "", "decimals": "0", "target": "", "target_year": "",
                 "target_source": ""}  # fmt: skip
    return pillars, pd.DataFrame([{**indicator, **changes}], dtype=object)


@pytest.mark.parametrize(
    ("changes", "column", "words"),
    [
        ({"steps": "1:-500"}, "steps", "negative points"),
        ({"steps": "nan:5;inf:10"}, "steps", "is not a number"),
        ({"steps": "1:5;3:30"}, "steps", "a step gives 30 points, above max_points 25"),
        ({"max_points": "9" * 400}, "max_points", "out of range"),
        ({"max_points": "0"}, "max_points", "0 is not > 0 and ≤ 1000"),
        ({"max_points": "-5"}, "max_points", "-5 is not > 0"),
        ({"max_points": ""}, "max_points", "the value is empty"),
        ({"scoring": "none", "max_points": "2000", "steps": ""}, "max_points", "2000 is not ≥ 0 and ≤ 1000"),
        ({"decimals": "5000"}, "decimals", "5000 is not ≥ 0 and ≤ 4"),
        ({"decimals": "２"}, "decimals", "is not a number"),
        ({"scale": "0"}, "scale", "0 is not > 0"),
        ({"scale": "nan"}, "scale", "'nan' is not a number"),
        ({"target": "1" * 400, "target_source": "QĐ"}, "target", "out of range"),
        ({"target": "-3", "target_source": "QĐ"}, "target", "-3 is not ≥ 0"),
        ({"target_year": "20٢٥", "target": "1", "target_source": "QĐ"}, "target_year", "is not a number"),
        ({"target_year": "3025", "target": "1", "target_source": "QĐ"}, "target_year", "3025 is not ≥ 1900"),
    ],
)
def test_every_catalogue_number_is_checked(changes, column, words):
    problems: list[Problem] = []
    pillars, indicators = _catalogue(**changes)
    check_catalogue(pillars, indicators, problems)
    mine = [p for p in problems if p.column == column]
    assert mine, [str(p) for p in problems]
    assert words in mine[0].message
    assert mine[0].file == "indicators.csv" and mine[0].row == 2 and mine[0].hint


def test_a_sound_catalogue_row_has_no_number_problem():
    problems: list[Problem] = []
    check_catalogue(*_catalogue(), problems)
    assert [p for p in problems if p.column != "id"] == []  # only the required ids are missing


@pytest.mark.parametrize("order", ["²", "first", "0", "1.5", "9" * 400])
def test_pillar_order_is_a_plain_whole_number(order):
    problems: list[Problem] = []
    pillars, indicators = _catalogue()
    pillars.loc[0, "order"] = order
    check_catalogue(pillars, indicators, problems)
    assert any(p.file == "pillars.csv" and p.row == 2 and p.column == "order" for p in problems)


@pytest.fixture
def vietnamese():
    from dxnb.i18n import reset_language, set_language

    token = set_language("vi")
    yield
    reset_language(token)


def test_problems_are_worded_in_the_current_language(vietnamese):
    problems: list[Problem] = []
    check_units(_units(code="25885.0", population="1.083"), problems)
    text = "\n".join(str(p) for p in problems)
    assert "units.csv:3: code: mã '25885.0' đã bị đổi thành số thập phân — hãy ghi '25885' và giữ cột" in text
    assert "units.csv:3: population: '1.083' không phải số nguyên; có vẻ đây là dấu chấm phân cách hàng nghìn" in text
    grouped = group_problems([Problem("a.csv", row, "x", "lỗi", "sửa") for row in (2, 3, 4)])
    assert str(grouped[0]) == "a.csv:2: x: lỗi (và 2 dòng khác có cùng vấn đề: dòng 3, 4) — sửa"
    warning = Problem("units.csv", 2, "name", "trùng tên", "chọn theo mã", "warning")
    assert str(warning) == "units.csv:2: name: cảnh báo: trùng tên — chọn theo mã"


def test_grouped_problems_count_rows_in_english():
    grouped = group_problems([Problem("a.csv", row, "x", "bad", "fix") for row in (2, 3)])
    assert str(grouped[0]) == "a.csv:2: x: bad (and 1 more row with the same problem: row 3) — fix"
