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
