"""Paths come from the project root, never from the working directory."""

from __future__ import annotations

from dxnb.paths import DATA_DIR, PROJECT_ROOT, REPORT_NOTEBOOK, resolve_data_dir


def test_relative_data_dir_is_taken_from_the_project_root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert resolve_data_dir("data") == DATA_DIR
    assert resolve_data_dir(None) == DATA_DIR
    assert resolve_data_dir(tmp_path) == tmp_path.resolve()
    assert (PROJECT_ROOT / "dxnb").is_dir() and REPORT_NOTEBOOK.is_file()
