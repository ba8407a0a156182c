"""Evaluation frameworks as data: the folder format of data/README.md, its checks, the bundled ones, a dataset's."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from tiny import A, B, C, D, write_tiny

from dxnb import framework as fw
from dxnb.cli import main
from dxnb.dataset import check_dataset, load_dataset
from dxnb.errors import DataError
from dxnb.evaluate import evaluate_period, evaluate_unit
from dxnb.paths import DATA_DIR
from dxnb.scoring import score_units
from dxnb.units import unit_rows

README = DATA_DIR / "README.md"
VINH_HOA = "25882"


def readme_framework() -> dict[str, str]:
    """The files of the example in data/README.md's "Writing one from scratch": {relative path: text}."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### Writing one from scratch", 1)[1]
    block = re.search(r"```\n(.*?)```", section, re.S).group(1)
    files: dict[str, list[str]] = {}
    current = None
    for line in block.splitlines():
        if line.startswith("  "):
            files[current].append(line[2:])
        elif line.strip():
            current = line.strip()
            files[current] = []
    return {name: "\n".join(lines) + "\n" for name, lines in files.items()}


def write_files(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def edit_csv(path: Path, change) -> None:
    """Rewrite a CSV file through ``change(frame) -> frame`` (text cells)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    change(frame).to_csv(path, index=False)


@pytest.fixture()
def province(tmp_path: Path) -> Path:
    """The tiny dataset with the README's province framework in force for 2025, and 2025 observations."""
    folder = write_tiny(tmp_path / "ds")
    write_files(folder, readme_framework())
    # the README names 2024 under the reference set too; the tiny dataset's 2024 has other indicators
    (folder / "frameworks.csv").write_text("period,framework\n2025,frameworks/hcm-2025\n", encoding="utf-8")

    def units(frame):
        frame.loc[frame["code"] == A, "hamlets"] = "4"
        frame.loc[frame["code"] == B, "hamlets"] = "0"  # no hamlets: hamlet coverage does not apply
        frame.loc[frame["code"] == C, ["kind", "hamlets"]] = ["phường", "3"]  # applies_to xã only
        return frame

    edit_csv(folder / "units.csv", units)
    rows = [
        (A, "online_dossier_rate", "90", "Báo cáo 12/BC-UBND"),  # 0.9 × 40 = 36
        (A, "plans_issued", "2", "KH 1, KH 2"),  # 20
        (A, "cdt_teams", "2", "QĐ 5"),  # 2 of 4 hamlets = 50% → 20
        (A, "award", "3", "Bằng khen"),  # 3 × 2 = 6, cap 5
        (A, "late_report", "1", "Công văn nhắc"),  # 1
        (B, "online_dossier_rate", "50", ""),  # evidence required, none: 0 points
        (B, "plans_issued", "1", "KH 1"),  # 10
        (B, "cdt_teams", "0", "—"),  # not applicable (0 hamlets)
        (C, "online_dossier_rate", "80", "Báo cáo"),  # 32
        (C, "plans_issued", "2", "KH"),  # 20
        (C, "cdt_teams", "1", "QĐ"),  # not applicable (phường)
    ]
    with (folder / "observations.csv").open("a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        for code, iid, value, source in rows:
            writer.writerow([code, "2025", iid, value, source, "", ""])
    return folder


# --------------------------------------------------------------------------- a province's framework from scratch


def test_readme_example_is_a_valid_framework(tmp_path):
    write_files(tmp_path, readme_framework())
    built = fw.load_framework(tmp_path / "frameworks" / "hcm-2025")
    assert built.id == "hcm-2025" and built.framework.total_points == 100
    assert [g.declared_points for g in built.pillars.values()] == [60, 40]
    assert [c.id for c in built.classes] == ["tot", "kha", "trung_binh"]
    assert {a.id: (a.kind, a.points, a.cap) for a in built.adjustments} == {
        "award": ("bonus", 2, 5),
        "late_report": ("penalty", 1, 3),
    }
    assert built["online_dossier_rate"].evidence_required
    assert built["cdt_hamlet_coverage"].applies_to == ("xã",)


def test_dataset_scores_a_period_under_its_framework(province):
    ds = load_dataset(province)
    assert ds.catalogue_for("2025").id == "hcm-2025"
    assert ds.catalogue_for("2024") is ds.catalogue  # not named: the dataset's own catalogue
    table = evaluate_period(ds, "2025")
    assert table.at[A, "earned"] == pytest.approx(76)
    assert table.at[A, "max_points"] == pytest.approx(100)
    assert (table.at[A, "bonus"], table.at[A, "penalty"]) == (5, 1)  # 3 awards × 2 within the cap of 5
    assert table.at[A, "score"] == pytest.approx(0.76)  # the base score, without bonus and penalty
    assert table.at[A, "points"] == pytest.approx(80)
    assert table.at[A, "result_class"] == "tot"
    # B: no hamlets (coverage left out of the maximum), a value without evidence earns nothing
    assert table.at[B, "max_points"] == pytest.approx(60)
    assert table.at[B, "earned"] == pytest.approx(10)
    assert (table.at[B, "not_applicable"], table.at[B, "missing_evidence"]) == (1, 1)
    assert table.at[B, "result_class"] == "trung_binh"
    # C: a phường, hamlet coverage applies to xã only
    assert table.at[C, "max_points"] == pytest.approx(60)
    assert table.at[C, "points"] == pytest.approx(52 / 60 * 100)
    assert table.at[C, "result_class"] == "tot"
    assert "pillar_government" in table.columns and "pillar_inst" not in table.columns


def test_unit_evaluation_under_a_framework_and_its_history_under_another(province):
    ds = load_dataset(province)
    e = evaluate_unit(ds, B, "2025")
    assert e.result_class == "trung_binh" and e.result_class_name == "Trung bình"
    assert e.indicators.at["cdt_hamlet_coverage", "not_applicable"]
    assert e.indicators.at["cdt_hamlet_coverage", "max_points"] == 0
    assert "not_applicable" in e.indicators.at["cdt_hamlet_coverage", "flags"]
    assert e.indicators.at["online_dossier_rate", "missing_evidence"]
    assert e.indicators.at["online_dossier_rate", "points"] == 0
    assert e.indicators.at["online_dossier_rate", "value"] == 50  # the value is shown, not scored
    assert e.previous_period == "2024"
    assert e.trend.index.tolist() == ["2022", "2024", "2025"]
    assert e.trend.at["2025", "score"] == pytest.approx(10 / 60)
    own = evaluate_period(ds, "2024")  # the earlier period keeps its own catalogue
    assert e.trend.at["2024", "score"] == pytest.approx(own.at[B, "score"])


def test_listing_and_command_name_the_periods_each_framework_is_in_force(province, capsys):
    ds = load_dataset(province)
    table = fw.listing(ds).set_index("id")
    assert table.at["hcm-2025", "periods"] == ["2025"]
    assert table.at["(indicators.csv)", "periods"] == ["2022", "2023", "2024"]
    assert not table.at["hanoi-5279-skeleton", "complete"]
    assert main(["frameworks", "--data", str(province)]) == 0
    out = capsys.readouterr().out
    assert "hcm-2025 v1" in out and "in force for: 2025" in out and "INCOMPLETE" in out


def test_compare_a_unit_under_each_framework(province):
    ds = load_dataset(province)
    table = fw.compare(ds, A, "2025")
    assert table.at["hcm-2025", "in_force"]
    assert table.at["hcm-2025", "result_class"] == "tot"
    assert {"dxnb-ref-2022", "dxnb-ref-2025", "(indicators.csv)"} <= set(table.index)
    # the reference sets score the same observations under their own indicators
    # online dossiers 90% of 30, 2 plans → 5 (steps 1:5;3:10), teams in 2 of 4 hamlets: 50% of 20
    assert table.at["dxnb-ref-2025", "earned"] == pytest.approx(0.9 * 30 + 5 + 10)
    section = fw.compare_section(table, "vi")
    assert "Điểm theo các bộ chỉ số" in section and "hcm-2025" in section


# --------------------------------------------------------------------------- bad frameworks


def _framework(tmp_path: Path) -> Path:
    write_files(tmp_path, readme_framework())
    return tmp_path / "frameworks" / "hcm-2025"


def _problems(folder: Path) -> list[str]:
    built, problems = fw.check_folder(folder, "hcm-2025")
    assert built is None
    return [str(p) for p in problems if p.is_error]


def test_points_that_do_not_add_up(tmp_path):
    folder = _framework(tmp_path)
    edit_csv(folder / "indicators.csv", lambda f: f.assign(max_points=f["max_points"].replace("20", "25")))
    problems = _problems(folder)
    assert any(
        p.startswith("hcm-2025/groups.csv:2: max_points: group 'government' declares 60 points") and "65" in p
        for p in problems
    ), problems


def test_groups_that_do_not_add_up_to_the_total(tmp_path):
    folder = _framework(tmp_path)
    text = (folder / "framework.csv").read_text(encoding="utf-8").replace("total_points,100", "total_points,120")
    (folder / "framework.csv").write_text(text, encoding="utf-8")
    edit_csv(folder / "classes.csv", lambda f: f)
    problems = _problems(folder)
    assert any("framework.csv: total_points: the framework declares 120 points" in p for p in problems), problems


def test_duplicate_ids(tmp_path):
    folder = _framework(tmp_path)
    edit_csv(folder / "indicators.csv", lambda f: pd.concat([f, f.iloc[[1]]], ignore_index=True))
    edit_csv(folder / "adjustments.csv", lambda f: pd.concat([f, f.iloc[[0]]], ignore_index=True))
    problems = _problems(folder)
    assert "hcm-2025/indicators.csv:6: id: 'plans_issued' is also on row 3 — ids are unique" in problems
    assert "hcm-2025/adjustments.csv:4: id: 'award' is also on row 2 — ids are unique" in problems


def test_unordered_and_overlapping_classes(tmp_path):
    folder = _framework(tmp_path)
    edit_csv(folder / "classes.csv", lambda f: f.iloc[[1, 0, 2]])
    assert any("classes.csv:3: min_score: the classes are not ordered" in p for p in _problems(folder))
    write_files(tmp_path, readme_framework())
    edit_csv(folder / "classes.csv", lambda f: f.assign(max_score=["100", "85", "49.9"]))
    assert any("classes.csv:3: max_score: the class overlaps row 2" in p for p in _problems(folder))
    write_files(tmp_path, readme_framework())
    edit_csv(folder / "classes.csv", lambda f: f.assign(min_score=["80", "50", "60"]))
    problems = _problems(folder)
    assert any("classes.csv:4: min_score: min_score 60 is above max_score 49.9" in p for p in problems), problems


def test_a_cap_below_zero_and_other_bad_items(tmp_path):
    folder = _framework(tmp_path)
    edit_csv(folder / "adjustments.csv", lambda f: f.assign(cap=["-1", "3"], kind=["bonus", "fine"]))
    problems = _problems(folder)
    assert "hcm-2025/adjustments.csv:2: cap: the cap -1 is below zero — write a cap of 0 or more" in problems
    assert any(p.startswith("hcm-2025/adjustments.csv:3: kind: 'fine' is not bonus or penalty") for p in problems)


def test_bad_framework_fields(tmp_path):
    folder = _framework(tmp_path)
    text = (folder / "framework.csv").read_text(encoding="utf-8")
    text = text.replace("years,2025-", "years,2026-2025").replace("unit_kinds,xã;phường;đặc khu", "unit_kinds,huyện")
    text = text.replace("version,1\n", "") + "name_vi,Lặp lại\nauthor,Sở KH&CN\n"
    (folder / "framework.csv").write_text(text, encoding="utf-8")
    problems = _problems(folder)
    assert any(p.startswith("hcm-2025/framework.csv: version: the field is missing") for p in problems)
    assert any("framework.csv:7: years: '2026-2025' ends before it starts" in p for p in problems)
    assert any("unit_kinds: 'huyện' is not a unit kind" in p for p in problems)
    assert any("framework.csv:10: field: 'name_vi' is also on row 3" in p for p in problems), problems
    assert any("framework.csv:11: field: 'author' is not a field of framework.csv" in p for p in problems)


def test_a_bad_applies_to_and_evidence_flag(tmp_path):
    folder = _framework(tmp_path)
    edit_csv(folder / "indicators.csv", lambda f: f.assign(applies_to="thôn", evidence_required="maybe"))
    problems = _problems(folder)
    assert any("indicators.csv:2: applies_to: 'thôn' is not a unit kind" in p for p in problems)
    assert any("indicators.csv:2: evidence_required: 'maybe' is not yes or no" in p for p in problems)


# --------------------------------------------------------------------------- bad datasets


def test_a_dataset_naming_an_unknown_framework(province, capsys):
    (province / "frameworks.csv").write_text("period,framework\n2025,hcm-2052\n", encoding="utf-8")
    dataset, problems = check_dataset(province)
    assert dataset is None
    assert any(
        str(p).startswith("frameworks.csv:2: framework: 'hcm-2052' is neither a bundled framework") for p in problems
    )
    assert main(["check", "--data", str(province)]) == 2
    assert "hcm-2052" in capsys.readouterr().err
    assert main(["frameworks", "--data", str(province)]) == 2
    assert "hcm-2052" in capsys.readouterr().err


def test_an_observation_the_periods_framework_lacks(province):
    with (province / "observations.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerow([D, "2025", "committee", "1", "src", "", ""])  # own catalogue only
        csv.writer(handle).writerow([D, "2024", "award", "1", "src", "", ""])  # hcm-2025 only
    dataset, problems = check_dataset(province)
    assert dataset is None
    shown = [str(p) for p in problems]
    rows = len((province / "observations.csv").read_text(encoding="utf-8").splitlines())
    assert any(
        p.startswith(
            f"observations.csv:{rows - 1}: indicator: 'committee' is not an indicator of framework "
            "'hcm-2025', in force for period 2025"
        )
        for p in shown
    ), shown
    assert any(p.startswith(f"observations.csv:{rows}: indicator: 'award' is not an indicator of the dataset's own")
               for p in shown), shown  # fmt: skip


def test_bad_periods_and_repeated_periods_in_frameworks_csv(province):
    (province / "frameworks.csv").write_text(
        "period,framework\n2025,frameworks/hcm-2025\n2025,dxnb-ref-2025\n2025-S1,svc-766\n", encoding="utf-8"
    )
    _, problems = check_dataset(province)
    shown = [str(p) for p in problems]
    assert any(p.startswith("frameworks.csv:3: period: 2025 is also on row 2") for p in shown)
    assert any(p.startswith("frameworks.csv:4: period:") and "'2025-S1'" in p for p in shown)


def test_a_framework_outside_its_years_is_a_warning(province):
    (province / "frameworks.csv").write_text("period,framework\n2025,frameworks/hcm-2025\n2024,svc-766\n")
    edit_csv(province / "observations.csv", lambda f: f[f["period"] != "2024"])
    ds = load_dataset(province)
    assert ds.catalogue_for("2024").id == "svc-766"
    (province / "frameworks.csv").write_text("period,framework\n2025,frameworks/hcm-2025\n2021,dxnb-ref-2025\n")
    ds = load_dataset(province)
    assert any("period 2021 lies outside the years of 'dxnb-ref-2025' (2025-)" in str(w) for w in ds.warnings)


def test_an_incomplete_framework_is_refused_for_scoring(province, tmp_path):
    shutil.copytree(fw.BUNDLED_DIR / "hanoi-5279-skeleton", province / "hanoi")
    (province / "frameworks.csv").write_text("period,framework\n2025,hanoi\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_dataset(province)
    message = str(info.value)
    assert "frameworks.csv:2: framework: 'hanoi' is incomplete and cannot be scored" in message
    assert "hanoi/groups.csv:2: max_points (awareness)" in message
    skeleton = fw.bundled("hanoi-5279-skeleton")
    with pytest.raises(fw.FrameworkError, match="incomplete"):
        fw.require_complete(skeleton)
    ds = load_dataset(write_tiny(tmp_path / "tiny"))
    with pytest.raises(Exception, match="incomplete and cannot be scored"):
        score_units(ds, "2024", [A], unit_rows(ds, [A]), catalogue=skeleton)


def test_a_changed_framework_file_is_validated_again(province, tmp_path, monkeypatch):
    monkeypatch.setenv("DXNB_CACHE_DIR", str(tmp_path / "cache"))
    assert load_dataset(province).catalogue_for("2025").classes[0].min_score == 80
    cached = load_dataset(province)  # from the cache, with its frameworks
    assert cached.catalogue_for("2025").id == "hcm-2025" and cached.catalogue_for("2025").classes[0].min_score == 80
    assert any(name.endswith("hcm-2025/classes.csv") for name in cached.hashes)
    edit_csv(province / "frameworks" / "hcm-2025" / "classes.csv", lambda f: f.assign(min_score=["85", "50", "0"]))
    assert load_dataset(province).catalogue_for("2025").classes[0].min_score == 85


# --------------------------------------------------------------------------- the bundled frameworks


def test_every_bundled_framework_is_valid():
    assert fw.bundled_ids() == ["dxnb-ref-2022", "dxnb-ref-2025", "hanoi-5279-skeleton", "svc-766"]
    for fid in fw.bundled_ids():
        built = fw.bundled(fid)
        assert built.id == fid and built.framework.document


def test_reference_2022_is_the_bundled_catalogue(sample):
    ref = fw.bundled("dxnb-ref-2022")
    own = sample.catalogue
    assert list(ref.indicators) == list(own.indicators)
    assert [(i.max_points, i.steps, i.target) for i in ref] == [(i.max_points, i.steps, i.target) for i in own]
    assert ref.framework.years == "2022-2024" and ref.max_points == 1000


def test_vinh_hoa_2024_is_unchanged_under_the_reference_2022(sample_all, former_sample):
    # the sample names dxnb-ref-2022 for 2022-2024 (data/frameworks.csv); without the file, its own catalogue
    assert [sample_all.catalogue_for(p).id for p in ("2022", "2023", "2024")] == ["dxnb-ref-2022"] * 3
    e = evaluate_unit(sample_all, VINH_HOA, "2024")
    assert e.catalogue.id == "dxnb-ref-2022"
    assert round(e.earned, 1) == 395.5 and e.coverage == pytest.approx(0.48)
    assert e.points == pytest.approx(e.earned) and e.result_class == ""
    own = evaluate_unit(former_sample, VINH_HOA, "2024")
    assert own.catalogue is former_sample.catalogue
    assert (e.earned, e.score, e.rank, e.group_size) == (own.earned, own.score, own.rank, own.group_size)
    assert e.indicators["points"].tolist() == own.indicators["points"].tolist()
    assert e.pillars["index"].tolist() == own.pillars["index"].tolist()


def test_reference_2025_adds_what_communes_report_since_2025():
    ref = fw.bundled("dxnb-ref-2025")
    for iid in ("vneid_level2_accounts", "vneid_level2_rate", "procedures_fully_online", "procedures_partly_online",
                "dossiers_filed_online_rate", "dossier_digitisation_rate", "bdhvs_participants",
                "einvoice_businesses", "ehr_rate"):  # fmt: skip
        assert iid in ref, iid
    assert ref.max_points == 1000
    assert {p: ref.pillar_max(p) for p in ref.pillars} == {p: g.declared_points for p, g in ref.pillars.items()}
    assert ref["household_fibre_rate"].target == 84 and ref["household_fibre_rate"].target_year == 2026
    assert ref["household_fibre_rate"].target_verified is False
    assert ref.framework.years == "2025-"


def test_service_index_766():
    svc = fw.bundled("svc-766")
    assert {p: g.declared_points for p, g in svc.pillars.items()} == {
        "transparency": 18, "progress": 20, "digitisation": 22, "online_service": 22, "satisfaction": 18,
    }  # fmt: skip
    assert all(i.kind == "points" and i.scoring == "direct" for i in svc)
    assert svc.classes == ()
    assert svc["svc766_progress"].points(17.5) == 17.5 and svc["svc766_progress"].points(25) == 20


def test_hanoi_skeleton_has_the_structure_and_no_points():
    skeleton = fw.bundled("hanoi-5279-skeleton")
    counts = {p: len(skeleton.in_pillar(p)) for p in skeleton.pillars}
    expected = {"awareness": 5, "institutions": 3, "infrastructure": 5, "human_resources": 6, "cybersecurity": 4,
                "digital_government": 10, "digital_economy": 6, "digital_society": 8}  # fmt: skip
    assert counts == expected
    assert len(skeleton) == 47 and skeleton.missing
    assert "hanoi-5279-skeleton/framework.csv:9: total_points" in skeleton.missing


# --------------------------------------------------------------------------- reports under a framework


def test_a_report_renders_under_the_province_framework(province):
    from dxnb.report import CommuneReport

    ds = load_dataset(province)
    page = "".join(CommuneReport.build(A, "2025", dataset=ds).sections())
    assert "Xếp loại" in page and "Tốt" in page  # the result class in the key figures
    assert "Điểm thưởng / điểm trừ" in page and "+5 / −1" in page
    assert "Chính quyền số" in page and "Xã hội số" in page  # the framework's groups, one section each
    assert 'id="group_government"' in page and 'id="institutions"' not in page
    b_page = "".join(CommuneReport.build(B, "2025", dataset=ds).sections())
    assert "không áp dụng" in b_page and "thiếu minh chứng" in b_page  # listed in the data-quality section


def test_the_service_index_by_month(tmp_path):
    folder = write_tiny(tmp_path / "ds")
    (folder / "frameworks.csv").write_text("period,framework\n2025-07,svc-766\n2025-08,svc-766\n", encoding="utf-8")
    scores = {"transparency": (15, 16.5), "progress": (18, 19), "digitisation": (10, 14), "online_service": (20, 21),
              "satisfaction": (17, 17.5)}  # fmt: skip
    with (folder / "observations.csv").open("a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        for group, (july, august) in scores.items():
            for code, shift in ((A, 0), (B, -5)):
                writer.writerow([code, "2025-07", f"svc766_{group}", max(july + shift, 0), "dichvucong.gov.vn", "", ""])
                writer.writerow([code, "2025-08", f"svc766_{group}", max(august + shift, 0), "dichvucong.gov.vn", "",
                                 ""])  # fmt: skip
    ds = load_dataset(folder)
    table = evaluate_period(ds, "2025-08")
    assert table.at[A, "earned"] == pytest.approx(88) and table.at[A, "max_points"] == 100
    assert table.at[B, "earned"] == pytest.approx(88 - 25)
    assert table.at[A, "rank"] == 1
    e = evaluate_unit(ds, A, "2025-08")
    assert e.previous_period == "2025-07" and e.score_change == pytest.approx((88 - 80) / 100)
    assert e.pillars.at["digitisation", "index"] == pytest.approx(14 / 22)
    # a month over the maximum of its group is refused
    with (folder / "observations.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerow([C, "2025-08", "svc766_progress", "25", "src", "", ""])
    _, problems = check_dataset(folder)
    assert any("value: 25 points are not between 0 and 20" in str(p) for p in problems)


def test_the_form_of_a_period_asks_for_its_frameworks_indicators(province):
    from dxnb.forms import build_template, form_indicators

    ds = load_dataset(province)
    wanted = [i.id for i in form_indicators(ds.catalogue_for("2025"))]
    assert wanted == ["online_dossier_rate", "plans_issued", "cdt_teams"]
    sheet = build_template(ds, A, "2025").active
    cells = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
    assert set(wanted) <= cells and "committee" not in cells  # the own catalogue's indicators are not asked


def test_the_overview_follows_the_framework_in_force(province):
    from dxnb.overview import Overview
    from dxnb.overview_data import attainment_table, ranking_rows, target_counts

    ds = load_dataset(province)
    rows = ranking_rows(ds, "2025")
    assert "pillar_government" in rows.columns and rows.attrs["previous_period"] == "2024"
    assert attainment_table(ds, "2025", [A]).columns.tolist() == ["online_dossier_rate", "plans_issued",
                                                                  "cdt_hamlet_coverage"]  # fmt: skip
    assert target_counts(ds, "2025").index.tolist() == ["online_dossier_rate"]
    page = "".join(Overview.build("2025", province="Tỉnh Một", dataset=ds).sections())
    assert "Chính quyền số" in page


def test_the_period_index_shows_the_result_class(province, tmp_path):
    from dxnb.site import write_period_index

    ds = load_dataset(province)
    page = write_period_index(tmp_path, ds, "2025", {"units": {}}).read_text(encoding="utf-8")
    head = re.search(r"<thead>(.*?)</thead>", page, re.S).group(1)
    assert "Xếp loại" in head and 'id="dx-class"' in page  # a column and a filter
    assert '<option value="Tốt">Tốt</option>' in page and "Trung bình" in page
    page = write_period_index(tmp_path, ds, "2024", {"units": {}}).read_text(encoding="utf-8")
    assert 'id="dx-class"' not in page  # the own catalogue has no classes


def test_the_province_framework_from_scratch_renders_through_the_notebook(province, tmp_path):
    from dxnb.batch import run_batch

    result = run_batch(province, periods=["2025"], units=[A], out_dir=tmp_path / "reports", jobs=1)
    assert result.ok, [(o.code, o.error) for o in result.failed]
    (page,) = (tmp_path / "reports" / "2025").glob(f"{A}-*.html")
    html = page.read_text(encoding="utf-8")
    assert "Chính quyền số" in html and "Xã hội số" in html and "Xếp loại" in html and "Tốt" in html
    assert "+5 / −1" in html  # bonus and penalty, apart from the base score
    index = (tmp_path / "reports" / "2025" / "index.html").read_text(encoding="utf-8")
    assert 'id="dx-class"' in index and "Tốt" in index
