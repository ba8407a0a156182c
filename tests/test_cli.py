"""The command line: subcommands, exit codes, no tracebacks for user mistakes."""

from __future__ import annotations

import gc
import subprocess
import sys

import pytest

from dxnb.cli import build_parser, main


def test_every_subcommand_is_registered():
    choices = build_parser()._subparsers._group_actions[0].choices
    assert {"check", "reports", "template", "import"} <= set(choices)


def test_missing_data_folder_exits_2(capsys, tmp_path):
    assert main(["check", "--data", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err


def _no_language_set(monkeypatch):
    for name in ("DXNB_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)


def test_messages_are_vietnamese_by_default_and_english_with_lang_en(capsys, tmp_path, monkeypatch):
    _no_language_set(monkeypatch)
    missing = str(tmp_path / "missing")
    assert main(["check", "--data", missing]) == 2
    err = capsys.readouterr().err
    assert "Bộ dữ liệu có 1 lỗi; hãy sửa rồi chạy lại `dxnb check`:" in err
    assert f"{missing}: thư mục bộ dữ liệu không tồn tại — hãy chỉ ra thư mục" in err
    for argv in (["check", "--lang", "en", "--data", missing], ["--lang", "en", "check", "--data", missing]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "1 error in the dataset; fix it and run `dxnb check` again:" in err
        assert f"{missing}: the dataset folder does not exist — give the folder" in err
        assert "thư mục" not in err


def test_usage_mistakes_are_told_in_the_users_language(capsys, monkeypatch):
    import argparse
    import gettext

    _no_language_set(monkeypatch)
    cases = [
        (["template", "--unit", "x"], "dxnb template: lỗi: thiếu tham số bắt buộc: --period",
         "dxnb template: error: the following arguments are required: --period"),
        (["reports", "--jobs", "abc"], "tham số --jobs: giá trị 'abc' không hợp lệ (cần kiểu int)",
         "argument --jobs: invalid int value: 'abc'"),
        (["template", "--out", "x"], "tùy chọn --out chưa rõ: có thể là --output, --out-dir",
         "ambiguous option: --out could match --output, --out-dir"),
        (["check", "--bogus"], "dxnb: lỗi: tham số không nhận ra: --bogus",
         "dxnb: error: unrecognized arguments: --bogus"),
        (["reports", "--lang", "fr"], "giá trị 'fr' không hợp lệ (chọn một trong: 'vi', 'en')",
         "invalid choice: 'fr' (choose from 'vi', 'en')"),
    ]  # fmt: skip
    for argv, vietnamese, english in cases:
        for words, expected in ((argv, vietnamese), ([*argv, "--lang=en"], english)):
            with pytest.raises(SystemExit) as caught:
                main(words)
            assert caught.value.code == 2
            err = capsys.readouterr().err
            assert expected in err, err
            assert "Traceback" not in err
    assert argparse._ is gettext.gettext  # put back: other parsers in the process keep argparse's own words


def test_the_message_language_follows_lang_then_dxnb_lang_then_the_locale(capsys, tmp_path, monkeypatch):
    _no_language_set(monkeypatch)
    missing = str(tmp_path / "missing")

    def said() -> str:
        assert main(["check", "--data", missing]) == 2
        return "en" if "does not exist" in capsys.readouterr().err else "vi"

    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert said() == "en"
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")  # a locale that is no language of dxnb: Vietnamese
    assert said() == "vi"
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.setenv("DXNB_LANG", "vi")  # DXNB_LANG wins over the locale
    assert said() == "vi"
    assert main(["check", "--lang", "en", "--data", missing]) == 2  # --lang wins over DXNB_LANG
    assert "does not exist" in capsys.readouterr().err
    monkeypatch.setenv("DXNB_LANG", "fr")
    assert main(["check", "--data", missing]) == 2
    assert "lỗi: DXNB_LANG must be one of vi, en" in capsys.readouterr().err


def test_vietnamese_summary_and_plurals(capsys, monkeypatch):
    _no_language_set(monkeypatch)
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Hợp lệ: 15 đơn vị, ") and "chỉ tiêu" in out
    assert main(["check", "--lang", "en"]) == 0
    assert capsys.readouterr().out.startswith("OK: 15 units, ")


def test_reports_lang_sets_the_report_language_and_the_messages():
    args = build_parser().parse_args(["reports", "--lang", "en"])
    assert args.lang == "en"
    assert build_parser().parse_args(["--lang", "en", "reports"]).lang == "en"
    assert build_parser().parse_args(["reports"]).lang is None


def test_unknown_unit_exits_2_without_traceback():
    result = subprocess.run(
        [sys.executable, "-m", "dxnb.cli", "reports", "--units", "Nowhere", "--out", "/tmp/x"],
        capture_output=True,
        text=True,
        encoding="utf-8",
    )
    assert result.returncode == 2
    assert "No unit is named 'Nowhere'" in result.stderr and "Traceback" not in result.stderr


def test_version(capsys):
    with pytest.raises(SystemExit):
        main(["--version"])
    assert "dxnb" in capsys.readouterr().out


def test_unwritable_output_folder_exits_2_without_traceback(capsys):
    assert main(["reports", "--units", "25882", "--out", "/proc/dxnb-cannot-write-here"]) == 2
    err = capsys.readouterr().err
    assert "/proc/dxnb-cannot-write-here" in err and "check the path" in err and "Traceback" not in err


def test_python_m_dxnb_runs_the_command_line():
    result = subprocess.run([sys.executable, "-m", "dxnb", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("dxnb ")


def test_python_m_dxnb_exits_with_the_commands_code():
    command = [sys.executable, "-m", "dxnb", "check", "--data", "/nowhere"]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 2 and "/nowhere" in result.stderr and "Traceback" not in result.stderr


def test_the_program_exits_with_mains_code_past_the_last_collections(monkeypatch):
    from dxnb import cli

    monkeypatch.setattr(cli, "main", lambda: 3)
    before = gc.get_freeze_count()
    try:
        with pytest.raises(SystemExit) as exited:
            cli.run()
        assert exited.value.code == 3
        assert gc.get_freeze_count() > before  # what is alive at exit is left to the operating system
    finally:
        gc.unfreeze()


@pytest.mark.parametrize("option", ["--period", "--units"])
def test_a_repeated_option_keeps_every_value(option):
    args = build_parser().parse_args(["reports", option, "A", option, "B", "C"])
    assert getattr(args, option.lstrip("-")) == ["A", "B", "C"]


def test_a_second_batch_on_the_same_out_folder_is_refused(tmp_path, capsys):
    from dxnb.batch_folders import LOCK_FILE, output_lock

    out = tmp_path / "reports"
    out.mkdir()
    with output_lock(out):  # a batch is writing there
        code = main(["reports", "--units", "25882", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"another dxnb reports is writing to {out}" in err and "use another --out" in err
    assert "Traceback" not in err
    assert sorted(p.name for p in out.iterdir()) == [LOCK_FILE], "nothing is written by the refused batch"


class _Pipe:
    def __init__(self):
        self.text = ""

    def isatty(self):
        return False


def test_progress_lines_name_each_report(caplog):
    from dxnb.cli import ReportProgress
    from dxnb.jobs import Job, Outcome

    job = Job("25882", "Vĩnh Hòa", "xã", "2024", "vi", "", "", "a.html", "a.ipynb", "a.failed.ipynb", "k")
    progress = ReportProgress(stream=_Pipe())
    with caplog.at_level("INFO", logger="dxnb.cli"):
        progress(1, 2, job, Outcome("25882", "2024", "ok", 1.25))
        progress(2, 2, job, Outcome("25882", "2024", "failed", 0.5, "ValueError: x"))
    progress.close()
    assert "[1/2] 2024 25882 Vĩnh Hòa: ok (1.2 s)" in caplog.text
    assert "[2/2] 2024 25882 Vĩnh Hòa: failed (0.5 s) — ValueError: x" in caplog.text


def test_a_unit_typed_without_diacritics_gets_its_form(tmp_path, capsys):
    target = tmp_path / "form.xlsx"
    assert main(["template", "--unit", "vinh hoa", "--period", "2024", "-o", str(target)]) == 0
    assert target.exists() and "Vĩnh Hòa (25882)" in capsys.readouterr().out


def test_a_template_takes_the_unit_alive_in_its_period(tmp_path, capsys):
    target = tmp_path / "form.xlsx"
    # two Phước Hòa: 25885 until 30/6/2025, the new commune 25882 since; 2025 means the new one
    assert main(["template", "--unit", "phuoc hoa", "--period", "2025", "-o", str(target)]) == 0
    assert "Phước Hòa (25882)" in capsys.readouterr().out
    assert main(["template", "--unit", "phuoc hoa", "--period", "2024", "-o", str(target), "--force"]) == 0
    assert "Phước Hòa (25885)" in capsys.readouterr().out
    # Vĩnh Hòa's code names Phước Hòa since 1/7/2025: said, not a form of another commune
    assert main(["template", "--unit", "vinh hoa", "--period", "2025", "-o", str(tmp_path / "v.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "In 2025 the code 25882 is Phước Hòa" in err and "Traceback" not in err
    assert not (tmp_path / "v.xlsx").exists()


def test_reports_take_the_unit_alive_in_the_period_asked_for(tmp_path, capsys):
    # refused before any kernel starts: a former unit's name whose code names another unit in 2025
    assert main(["reports", "--units", "vinh hoa", "--period", "2025", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "'vinh hoa' is not a unit of 2025" in err and "Traceback" not in err
    assert not (tmp_path / "r" / "2025").exists()


def test_an_ambiguous_name_without_diacritics_lists_the_candidates(data_copy, tmp_path, capsys):
    with open(data_copy / "units.csv", "a", encoding="utf-8") as handle:
        handle.write("30001,Tân Lợi,xã,Tam Nông,Đồng Tháp,5000,3600,1500,5,,test\n")
        handle.write("30002,Tấn Lợi,xã,Tam Nông,Đồng Tháp,5000,3600,1500,5,,test\n")
    args = ["template", "--data", str(data_copy), "--period", "2025", "-o", str(tmp_path / "f.xlsx"), "--unit"]
    assert main([*args, "tan loi"]) == 2
    err = capsys.readouterr().err
    assert "Tân Lợi (30001, Tam Nông, Đồng Tháp), Tấn Lợi (30002, Tam Nông, Đồng Tháp)" in err
    assert "Traceback" not in err
    assert main([*args, "Tấn Lợi"]) == 0


# --------------------------------------------------------------------------- dxnb init, and the Done-when path


def test_init_writes_a_province_that_passes_check(tmp_path, capsys):
    from dxnb.dataset import load_dataset

    out = tmp_path / "hcm"
    assert main(["init", "--province", "thanh pho ho chi minh", "--out", str(out)]) == 0
    assert "168 current units" in capsys.readouterr().out
    assert main(["check", "--data", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("OK: ")
    assert "no observations yet — fill forms with dxnb template --all" in captured.err
    ds = load_dataset(out)
    assert len(ds.at("2025").units) == 168 and set(ds.at("2025").units["district"]) == {""}
    former = ds.at("2024").units
    assert former.at["25882", "name"] in ("Vĩnh Hòa", "Vĩnh Hoà") and former.at["25882", "district"] == "Phú Giáo"
    links = ds.successions
    tam_lap = links[links["old_code"] == "25876"]
    assert sorted(zip(tam_lap["new_code"], tam_lap["type"], strict=True)) == [("25858", "partial"),
                                                                               ("25882", "partial")]  # fmt: skip
    assert (links["date"] == "2025-07-01").all() and (links["share"] == "").all()


def test_init_refuses_to_overwrite_and_unknown_provinces(tmp_path, capsys):
    out = tmp_path / "hue"
    assert main(["init", "--province", "Huế", "--out", str(out)]) == 0
    before = (out / "units.csv").read_bytes()
    assert main(["init", "--province", "Huế", "--out", str(out)]) == 2
    assert "never overwrites" in capsys.readouterr().err
    assert (out / "units.csv").read_bytes() == before
    assert main(["init", "--province", "Atlantis", "--out", str(tmp_path / "x")]) == 2
    assert "error:" in capsys.readouterr().err and not (tmp_path / "x" / "units.csv").exists()


def test_init_a_former_district(tmp_path, capsys):
    from dxnb.dataset import load_dataset

    out = tmp_path / "pg"
    assert main(["init", "--province", "Bình Dương", "--district", "Phú Giáo", "--out", str(out)]) == 0
    ds = load_dataset(out)
    assert len(ds.at("2024").units) == 11 and sorted(ds.at("2025").units.index) == ["25858", "25864", "25867", "25882"]


@pytest.mark.slow
def test_done_when_phuoc_hoa_2025_from_init_to_report(tmp_path, capsys):
    """init Hồ Chí Minh → check → Phú Giáo's 2022–2024 figures merged → a 2025 form imported → the report."""
    import csv

    import openpyxl

    from dxnb.batch import run_batch
    from dxnb.dataset import load_dataset
    from dxnb.forms import COL, FIRST_ROW, VALUES_SHEET, write_template
    from dxnb.paths import DATA_DIR

    data = tmp_path / "hcm"
    assert main(["init", "--province", "thanh pho ho chi minh", "--out", str(data)]) == 0
    assert main(["check", "--data", str(data)]) == 0
    with open(DATA_DIR / "observations.csv", encoding="utf-8", newline="") as handle:
        old = [row for row in csv.DictReader(handle) if row["period"] < "2025"]  # the former units' figures
    with open(data / "observations.csv", "a", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(old[0]), lineterminator="\n")
        writer.writerows(old)
    assert main(["check", "--data", str(data)]) == 0

    form = write_template(load_dataset(data), "25882", "2025", tmp_path / "phuoc-hoa-2025.xlsx")
    wb = openpyxl.load_workbook(form)
    ws = wb[VALUES_SHEET]
    filled = {"plans_issued": 12, "decisions_issued": 6, "outreach_panels": 15, "household_fibre_rate": 93.5}
    derived_note = None
    for row in range(FIRST_ROW, ws.max_row + 1):
        indicator = ws.cell(row, 1).value
        if indicator == "plans_issued":
            derived_note = ws.cell(row, COL["previous"]).comment
        if indicator in filled:
            ws.cell(row, COL["value"]).value = filled[indicator]
    wb.save(form)
    assert derived_note is not None and "Tam Lập (25876) (một phần)" in derived_note.text  # last period: derived
    assert main(["import", str(form), "--data", str(data)]) == 0
    capsys.readouterr()

    result = run_batch(data, units=["25882"], out_dir=tmp_path / "reports", jobs=1)
    assert [(o.code, o.period, o.status) for o in result.outcomes] == [("25882", "2025", "ok")]
    html = (tmp_path / "reports" / "2025" / "25882-phuoc-hoa.html").read_text(encoding="utf-8")
    assert "Hình thành từ các xã cũ" in html
    for code in ("25882", "25885", "25876"):  # Vĩnh Hòa, the old Phước Hòa, Tam Lập
        assert f"(mã {code})" in html
    assert "một phần (không có tỷ lệ: ước tính chia đều cho 2 đơn vị kế thừa)" in html
    assert "các năm 2022–2024 là <b>ước tính từ các xã cũ</b>" in html


@pytest.mark.parametrize(
    ("lang", "framework", "lifetime", "review"),
    [
        (
            "vi",
            "frameworks.csv:2: framework: 'hcm-2052' không phải là bộ chỉ số kèm theo dxnb",
            "đơn vị '25885' không còn tồn tại vào cuối kỳ 2025",
            "'done' không phải là trạng thái thẩm định; hãy dùng một trong các trạng thái",
        ),
        (
            "en",
            "frameworks.csv:2: framework: 'hcm-2052' is neither a bundled framework",
            "unit '25885' did not exist at the end of 2025",
            "'done' is not a review state; use one of",
        ),
    ],
)
def test_framework_lifetime_and_review_messages_follow_the_language(
    data_copy, capsys, monkeypatch, lang, framework, lifetime, review
):
    monkeypatch.setenv("DXNB_LANG", "en" if lang == "vi" else "vi")  # --lang wins over the environment
    (data_copy / "frameworks.csv").write_text("period,framework\n2025,hcm-2052\n", encoding="utf-8")
    assert main(["check", "--lang", lang, "--data", str(data_copy)]) == 2
    assert framework in capsys.readouterr().err
    (data_copy / "frameworks.csv").unlink()
    observations = data_copy / "observations.csv"
    kept = observations.read_bytes()
    with open(observations, "a", encoding="utf-8") as handle:
        handle.write("25885,2025,plans_issued,3,Kế hoạch,,\n")  # the old Phước Hòa ended on 30/6/2025
    assert main(["check", "--lang", lang, "--data", str(data_copy)]) == 2
    assert lifetime in capsys.readouterr().err
    observations.write_bytes(kept)
    monkeypatch.setenv("DXNB_LANG", lang)  # without --lang: the environment's language
    argv = ["review", "Vĩnh Hòa", "--period", "2024", "--state", "done", "--by", "A", "--data", str(data_copy)]
    assert main(argv) == 2
    assert review in capsys.readouterr().err
