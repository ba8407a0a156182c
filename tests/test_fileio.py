"""Atomic writes: the old file survives a failure and no temporary file is left."""

from __future__ import annotations

import os

import pytest

from dxnb.fileio import atomic_write_bytes, atomic_write_text


def test_write_and_replace(tmp_path):
    path = tmp_path / "sub" / "a.html"
    atomic_write_text(path, "một")
    atomic_write_text(path, "hai")
    assert path.read_text(encoding="utf-8") == "hai"
    assert oct(path.stat().st_mode & 0o777) != oct(0o600)
    assert [p.name for p in path.parent.iterdir()] == ["a.html"]


def test_interrupted_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "a.html"
    atomic_write_bytes(path, b"good")

    def boom(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_bytes(path, b"half")
    monkeypatch.undo()
    assert path.read_bytes() == b"good"
    assert [p.name for p in tmp_path.iterdir()] == ["a.html"]
