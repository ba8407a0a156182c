"""Parameter checks and lookups: one implementation for notebooks, the command line and the batch."""

from __future__ import annotations

import csv
import re
import unicodedata
from types import SimpleNamespace

import pandas as pd
import pytest

from dxnb import load_dataset
from dxnb.errors import ParameterError, UnitNotFoundError
from dxnb.params import (
    check_alive,
    check_codes,
    check_data_period,
    check_lang,
    check_place_name,
    check_unit,
    check_unit_code,
    default_period,
    find_unit,
    find_unit_in,
    find_units,
    resolve_indicator,
    resolve_unit,
    select_periods,
    select_units,
)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


UNITS = pd.DataFrame(
    {
        "name": ["Vĩnh Hòa", "Tân Phú", "Tân Phú", "An Bình", "Tân Long", "Tấn Long"],
        "district": ["Phú Giáo", "Châu Thành", "", "Phú Giáo", "Phú Giáo", "Tam Nông"],
        "province": ["Bình Dương", "Tiền Giang", "Bến Tre", "Bình Dương", "Bình Dương", "Đồng Tháp"],
    },
    index=pd.Index(["25882", "80001", "80002", "01156", "25870", "30001"], name="code"),
)


def fake_dataset(scope=None):
    """What the unit checks read of a dataset: its units, its scope and its path."""
    return SimpleNamespace(units=UNITS, scope=scope, path="data")


# --------------------------------------------------------------------------- language and period


def test_check_lang():
    assert check_lang("vi") == "vi" and check_lang("en") == "en"
    for bad in ("fr", "VI", None, 1):
        with pytest.raises(ParameterError, match="lang must be one of vi, en"):
            check_lang(bad)


def test_months_and_quarters_in_a_dataset(tmp_path):
    from tiny import A, write_tiny

    from dxnb.evaluate import evaluate_unit

    folder = write_tiny(tmp_path / "ds")
    with (folder / "observations.csv").open("a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        for period, value in (("2025-Q3", "70"), ("2025-08", "65"), ("2025-09", "68"), ("2025-Q2", "61")):
            writer.writerow([A, period, "online_dossier_rate", value, "src", "", ""])
    ds = load_dataset(folder)
    assert ds.periods == ["2022", "2023", "2024", "2025-Q2", "2025-08", "2025-09", "2025-Q3"]
    assert select_periods(ds, ["2025-Q3", "2024", "2025-08"]) == ["2024", "2025-08", "2025-Q3"]
    # a period's history holds the periods of its length: a quarter follows the quarter before, not a month
    e = evaluate_unit(ds, A, "2025-Q3")
    assert e.previous_period == "2025-Q2"
    assert e.indicators.at["online_dossier_rate", "change"] == pytest.approx(9)
    assert e.trend.index.tolist() == ["2025-Q2", "2025-Q3"]
    month = evaluate_unit(ds, A, "2025-09")
    assert month.previous_period == "2025-08" and month.trend.index.tolist() == ["2025-08", "2025-09"]
    assert evaluate_unit(ds, A, "2025-08").previous_period is None  # not the year 2024
    assert evaluate_unit(ds, A, "2024").trend.index.tolist() == ["2022", "2023", "2024"]


def test_a_period_that_is_not_a_year_quarter_or_month_in_the_data(tmp_path):
    from tiny import A, write_tiny

    from dxnb.dataset import check_dataset

    folder = write_tiny(tmp_path / "ds")
    with (folder / "observations.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerow([A, "2025-H2", "online_dossier_rate", "70", "src", "", ""])
    dataset, problems = check_dataset(folder)
    assert dataset is None
    assert any(
        str(p).startswith("observations.csv:")
        and "'2025-H2' is not a year, a quarter or a month" in str(p)
        and "2025-Q3" in str(p)
        for p in problems
    )


def test_check_data_period(sample):
    assert check_data_period(sample, 2024) == "2024"
    message = "No data for period 2019; periods with data: 2022, 2023, 2024."
    with pytest.raises(ParameterError, match=re.escape(message)):
        check_data_period(sample, "2019")
    with pytest.raises(ParameterError, match="period must be a year"):
        check_data_period(sample, "24")


def test_select_periods(sample):
    assert select_periods(sample, None) == select_periods(sample, []) == ["2024"]  # the latest
    assert select_periods(sample, ["2024", "2022", 2024]) == ["2022", "2024"]
    with pytest.raises(ParameterError, match=re.escape("No data for periods 2019, 2030; periods with data: 2022")):
        select_periods(sample, ["2019", "2024", "2030"])
    with pytest.raises(ParameterError, match="period must be a year"):
        select_periods(sample, ["last"])
    assert select_periods(sample, ["all"]) == select_periods(sample, ["2022", "ALL"]) == ["2022", "2023", "2024"]


def one_unit_reports(data_copy, period="2025", code="25882"):
    """The sample with one unit's form of a new period imported: a new year arriving unit by unit."""
    with open(data_copy / "observations.csv", "a", encoding="utf-8") as handle:
        handle.write(f"{code},{period},plans_issued,12,Phiếu {code},,\n")
    return load_dataset(data_copy)


def test_the_default_period_is_the_latest_most_units_report(former_copy):
    ds = one_unit_reports(former_copy)
    assert ds.periods[-1] == "2025"
    choice = default_period(ds)
    assert choice.period == "2024" and choice.coverage["2025"] == 1 and choice.units["2025"] == 11
    assert choice.reason() == (
        "2024: the latest period reported by most units (11 of 11); 2025 has 1 of 11 — use --period 2025 "
        "(or --period all) to render it"
    )
    assert select_periods(ds, None) == ["2024"]
    assert select_periods(ds, None, ["25882"]) == ["2025"]  # the one unit asked for has it
    assert select_periods(ds, ["all"]) == ["2022", "2023", "2024", "2025"]


def test_without_a_majority_the_period_most_units_report_is_the_default(former_copy):
    obs = former_copy / "observations.csv"
    lines = obs.read_text(encoding="utf-8").splitlines(keepends=True)
    obs.write_text("".join(lines[:1] + [x for x in lines[1:] if x.split(",")[0] in ("25858", "25861", "25864")]))
    ds = load_dataset(former_copy)
    choice = default_period(ds)
    assert choice.period == "2024" and choice.units["2024"] == 11 and choice.coverage["2024"] == 3
    assert "no period is reported by most units; this one has the most (3 of 11)" in choice.reason()


# --------------------------------------------------------------------------- units


def test_check_unit_code():
    assert check_unit_code(" 25882 ") == "25882"
    with pytest.raises(ParameterError, match=re.escape('pass unit_code="01156"')):
        check_unit_code(1156)
    with pytest.raises(ParameterError, match="string of digits"):
        check_unit_code("Vĩnh Hòa")
    with pytest.raises(ParameterError, match="string of digits"):
        check_unit_code(True)


@pytest.mark.parametrize(
    "query", ["25882", " 25882", "Vĩnh Hòa", "xã vĩnh hoà", nfd("Vĩnh Hòa"), "  VĨNH   HÒA ", "Vinh Hoa", "xa vinh hoa"]
)
def test_find_unit_by_code_or_name(query):
    assert find_unit(UNITS, query) == "25882"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("1156", "No unit has the code '1156' — did it lose its leading zero? The unit is '01156'"),
        ("99999", "No unit has the code '99999'. Run `dxnb check` to list the units."),
        (
            "Tân Phú",
            "'Tân Phú' names several units: Tân Phú (80001, Châu Thành, Tiền Giang), Tân Phú (80002, Bến Tre)",
        ),
        (
            "tan long",
            "'tan long' without diacritics names several units: Tân Long (25870, Phú Giáo, Bình Dương), "
            "Tấn Long (30001, Tam Nông, Đồng Tháp). Use the code or the exact name instead.",
        ),
        ("Vinh Hao", "No unit is named 'Vinh Hao'. Did you mean Vĩnh Hòa (25882, Phú Giáo, Bình Dương)?"),
        ("Nowhere", "No unit is named 'Nowhere'."),
    ],
)
def test_find_unit_explains_what_is_wrong(query, message):
    with pytest.raises(UnitNotFoundError, match=re.escape(message)):
        find_unit(UNITS, query)


def test_find_units():
    ds = fake_dataset()
    assert find_units(ds, None) == find_units(ds, []) == list(UNITS.index)
    assert find_units(ds, ["An Bình", "25882", "Vĩnh Hoà", "01156"]) == ["01156", "25882"]
    assert find_units(ds, ["an binh", "vinh hoa", "Tấn Long"]) == ["01156", "25882", "30001"]
    with pytest.raises(UnitNotFoundError, match="Nowhere"):
        find_units(ds, ["25882", "Nowhere"])


def test_an_exact_name_wins_over_one_without_diacritics():
    units = pd.DataFrame(
        {"name": ["An Long", "Ân Long"], "district": ["Phú Giáo", "Tam Nông"], "province": ["Bình Dương", "Đồng Tháp"]},
        index=pd.Index(["25870", "30001"], name="code"),
    )
    assert find_unit(units, "an long") == "25870" and find_unit(units, "Ân Long") == "30001"


def test_resolve_unit_wants_a_string():
    ds = fake_dataset()
    assert resolve_unit(ds, "An Bình") == "01156"
    for bad in (25882, None, "  "):
        with pytest.raises(ParameterError, match="unit must be a unit name or code in quotes"):
            resolve_unit(ds, bad)
    assert resolve_unit(ds, "vinh hoa") == "25882"
    with pytest.raises(ParameterError, match="No unit is named 'Vinh Hao'"):  # a ParameterError, not a lookup error
        resolve_unit(ds, "Vinh Hao")
    with pytest.raises(ParameterError, match="'tan long' without diacritics names several units"):
        resolve_unit(ds, "tan long")


def test_check_unit():
    assert check_unit(fake_dataset(), " 25882 ") == "25882"
    with pytest.raises(ParameterError, match=re.escape("'1156' — did it lose its leading zero? The unit is '01156'")):
        check_unit(fake_dataset(), 1156)
    with pytest.raises(ParameterError, match=re.escape("The dataset data has 6 units")):
        check_unit(fake_dataset(), "Vĩnh Hòa")  # a code is wanted here, not a name
    with pytest.raises(ParameterError, match="loaded for other units' reports"):
        check_unit(fake_dataset(scope=frozenset({"80001"})), "25882")


def test_check_codes():
    ds = fake_dataset()
    assert check_codes(ds, None) == list(UNITS.index)
    assert check_codes(ds, [" 80001", "25882", "80001"]) == ["80001", "25882"]
    with pytest.raises(ParameterError, match=re.escape("Unknown unit codes: 99999, 1156.")):
        check_codes(ds, ["25882", "99999", "1156"])


# --------------------------------------------------------------------------- places


def test_check_place_name():
    assert check_place_name("district", None) == "" and check_place_name("district", " Phú Giáo ") == "Phú Giáo"
    with pytest.raises(ParameterError, match=re.escape('province must be a name in quotes such as "Phú Giáo"')):
        check_place_name("province", 74)


@pytest.mark.parametrize(
    ("district", "province"),
    [
        ("Phú Giáo", ""),
        (nfd("huyện phú giáo"), None),
        ("", "Tỉnh Bình Dương"),
        ("Phú Giáo", nfd("Bình Dương")),
        ("phu giao", ""),
        ("Huyen Phu Giao", "tinh binh duong"),
        ("", "Binh Duong"),
    ],
)
def test_select_units_by_district_or_province(sample, district, province):
    assert select_units(sample, district, province) == list(sample.units.index)


def test_select_units_without_filter_is_every_unit(sample):
    assert select_units(sample) == select_units(sample, "", "") == list(sample.units.index)


@pytest.mark.parametrize(
    ("district", "province", "message"),
    [
        ("Phu Gia", "", "No district is named 'Phu Gia'. Did you mean 'Phú Giáo'?"),
        ("Dĩ An", "", "No district is named 'Dĩ An'."),
        ("", "Binh Duon", "No province is named 'Binh Duon'. Did you mean 'Bình Dương'?"),
        ("Phú Giáo", "Đồng Nai", "No province is named 'Đồng Nai'."),
        (722, "", 'district must be a name in quotes such as "Phú Giáo"'),
        ("", ["Bình Dương"], "province must be a name in quotes"),
    ],
)
def test_select_units_refuse_unknown_places(sample, district, province, message):
    with pytest.raises(ParameterError, match=re.escape(message)):
        select_units(sample, district, province)


def test_a_district_name_in_two_provinces_needs_the_province(data_copy):
    with open(data_copy / "units.csv", "a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        for code, province in (("80001", "Tiền Giang"), ("80002", "Bến Tre")):
            writer.writerow([code, "Tân Phú", "xã", "Châu Thành", province, 5000, 3600, 1500, 5, "", "test"])
    ds = load_dataset(data_copy)
    with pytest.raises(
        ParameterError, match=re.escape("'Châu Thành' is a district of several provinces (Bến Tre, Tiền")
    ):
        select_units(ds, "Châu Thành")
    assert select_units(ds, "Châu Thành", "Bến Tre") == ["80002"]
    assert select_units(ds, "chau thanh", "ben tre") == ["80002"]


def test_a_place_without_diacritics_fitting_two_spellings_is_listed(data_copy):
    with open(data_copy / "units.csv", "a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        for code, district in (("80001", "Tân An"), ("80002", "Tấn An")):
            writer.writerow([code, "Mỹ Phú", "xã", district, "Long An", 5000, 3600, 1500, 5, "", "test"])
    ds = load_dataset(data_copy)
    message = "'tan an' without diacritics fits several districts: Tân An, Tấn An"
    with pytest.raises(ParameterError, match=re.escape(message)):
        select_units(ds, "tan an")
    assert select_units(ds, "Tấn An") == ["80002"]


# --------------------------------------------------------------------------- indicators


def test_resolve_indicator(sample):
    assert resolve_indicator(sample, " household_fibre_rate ") == "household_fibre_rate"
    name = sample.catalogue["household_fibre_rate"].name_vi
    assert resolve_indicator(sample, nfd(name.upper())) == "household_fibre_rate"
    with pytest.raises(ParameterError, match="Did you mean 'household_fibre_rate'"):
        resolve_indicator(sample, "household_fiber_rate")
    with pytest.raises(ParameterError, match="indicator must be an indicator id in quotes"):
        resolve_indicator(sample, 3)


def test_a_notebook_speaks_its_lang_parameter(sample):
    from dxnb.i18n import get_language
    from dxnb.report import CommuneReport

    with pytest.raises(ParameterError) as vi:
        CommuneReport.build("25882", "1999", dataset=sample, lang="vi")
    assert str(vi.value) == "Đơn vị 25882 (Vĩnh Hòa) không có số liệu năm 1999; các năm có số liệu: 2022, 2023, 2024."
    with pytest.raises(ParameterError, match=re.escape("unit_code phải là một dãy chữ số")):
        CommuneReport.build(25882, "2024", dataset=sample, lang="vi")
    with pytest.raises(ParameterError, match=re.escape("Unit 25882 (Vĩnh Hòa) has no data for period 1999")):
        CommuneReport.build("25882", "1999", dataset=sample, lang="en")
    assert get_language() == "en", "the caller's language is back after the call"


def test_in_language_checks_the_language_and_restores_the_callers():
    from dxnb.i18n import get_language, t
    from dxnb.params import in_language

    @in_language
    def build(code, lang="vi"):
        return get_language(), t("val_empty")

    assert build("1") == ("vi", "giá trị đang trống")
    assert build("1", lang="en") == ("en", "the value is empty")
    assert get_language() == "en"
    with pytest.raises(ParameterError, match="lang must be one of vi, en"):
        build("1", "fr")


def test_the_default_period_counts_the_units_alive_in_each_period(sample_all):
    # 2025: the 4 communes formed on 1/7/2025 all report; the 11 former units no longer exist then
    choice = default_period(sample_all)
    assert choice.period == "2025" and choice.units["2025"] == 4 and choice.units["2024"] == 11
    assert choice.reason().startswith("2025: the latest period reported by most units (4 of 4)")


def test_the_default_period_is_the_year_beside_a_monthly_index(sample_all):
    # the sample's 766 months are reported by all 4 communes, as 2025 is: a plain run renders the year
    assert sample_all.periods[-4:] == ["2025-10", "2025-11", "2025-12", "2025"]
    assert default_period(sample_all).period == "2025"
    assert select_periods(sample_all, ["all"])[-4:] == ["2025-10", "2025-11", "2025-12", "2025"]


def test_years_come_before_months_and_quarters_for_the_default_period(tmp_path):
    from tiny import A, B, C, D, write_tiny

    folder = write_tiny(tmp_path / "ds")
    (folder / "frameworks.csv").write_text("period,framework\n2026-01,svc-766\n2026-Q1,svc-766\n", encoding="utf-8")
    with (folder / "observations.csv").open("a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        for code in (A, B, C, D):
            for period in ("2026-01", "2026-Q1"):
                writer.writerow([code, period, "svc766_progress", "15", "dichvucong.gov.vn", "", ""])
    ds = load_dataset(folder)
    assert ds.periods[-2:] == ["2026-01", "2026-Q1"]  # later than the years and reported by most units
    choice = default_period(ds)
    assert choice.period == "2024" and choice.later == []  # the latest year most units report
    # without years: the latest quarter most units report, then the latest month
    obs = folder / "observations.csv"
    lines = obs.read_text(encoding="utf-8").splitlines(keepends=True)
    obs.write_text("".join(x for x in lines if "svc766" in x or x.startswith("unit_code")), encoding="utf-8")
    assert default_period(load_dataset(folder)).period == "2026-Q1"
    obs.write_text("".join(x for x in lines if "2026-01" in x or x.startswith("unit_code")), encoding="utf-8")
    assert default_period(load_dataset(folder)).period == "2026-01"


def test_find_unit_in_a_period_takes_the_unit_alive_in_it(sample_all):
    # two units named Phước Hòa (25885 until 30/6/2025, the new 25882 since): the period tells them apart
    assert find_unit_in(sample_all, "phuoc hoa", "2025") == "25882"
    assert find_unit_in(sample_all, "Phước Hòa", "2024") == "25885"
    with pytest.raises(UnitNotFoundError, match="several units"):
        find_unit(sample_all.units, "phuoc hoa")
    # a former unit's name whose code now names another unit: both lifetimes said
    with pytest.raises(UnitNotFoundError) as caught:
        find_unit_in(sample_all, "vinh hoa", "2025")
    assert str(caught.value) == (
        "'vinh hoa' is not a unit of 2025: Vĩnh Hòa (25882) … – 2025-06-30. In 2025 the code 25882 is Phước Hòa; "
        "use that name, or choose another period with --period."
    )
    # a unit that lived before the period only
    with pytest.raises(
        ParameterError, match=r"No unit of the code 25885 exists in 2025 \(Phước Hòa \(25885\) … – 2025-06-30\)"
    ):
        find_unit_in(sample_all, "25885", "2025")
    with pytest.raises(UnitNotFoundError, match="No unit is named 'Nowhere'"):
        find_unit_in(sample_all, "Nowhere", "2025")


def test_check_alive_names_the_lifetimes(sample_all):
    check_alive(sample_all, ["25882", "25885"], ["2024"])
    with pytest.raises(ParameterError, match=r"25885 exists in 2025-Q3, 2025"):
        check_alive(sample_all, ["25885"], ["2025-Q3", "2025"])


def test_find_units_in_the_periods_asked_for(sample_all):
    assert find_units(sample_all, ["phuoc hoa"], ["2025"]) == ["25882"]
    assert find_units(sample_all, ["Phước Hòa", "25882"], ["2024"]) == ["25885", "25882"]
    assert find_units(sample_all, ["vinh hoa"], ["2024", "2025"]) == ["25882"]  # Vĩnh Hòa in 2024, its code
    with pytest.raises(UnitNotFoundError, match="several units"):  # 25885 in 2024, 25882 in 2025
        find_units(sample_all, ["phuoc hoa"], ["2024", "2025"])
    with pytest.raises(UnitNotFoundError, match="In 2025 the code 25882 is Phước Hòa"):
        find_units(sample_all, ["vinh hoa"], ["2025"])
    with pytest.raises(UnitNotFoundError, match="several units"):  # no period: the whole dataset
        find_units(sample_all, ["phuoc hoa"])
