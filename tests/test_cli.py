"""The command line: subcommands, exit codes, no tracebacks for user mistakes."""

from __future__ import annotations

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
    assert out.startswith("Hợp lệ: 11 đơn vị, ") and "chỉ tiêu" in out
    assert main(["check", "--lang", "en"]) == 0
    assert capsys.readouterr().out.startswith("OK: 11 units, ")


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


@pytest.mark.parametrize("option", ["--period", "--units"])
def test_a_repeated_option_keeps_every_value(option):
    args = build_parser().parse_args(["reports", option, "A", option, "B", "C"])
    assert getattr(args, option.lstrip("-")) == ["A", "B", "C"]


def test_a_second_batch_on_the_same_out_folder_is_refused(tmp_path, capsys):
    from dxnb.batch import LOCK_FILE, output_lock

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
    assert main(["template", "--unit", "vinh hoa", "--period", "2025", "-o", str(target)]) == 0
    assert target.exists() and "(25882)" in capsys.readouterr().out


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
