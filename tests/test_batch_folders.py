"""A batch's folders: leftovers swept only where a batch writes, scratch folders of dead batches removed."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile

import pytest

from dxnb.batch_folders import scratch_folder, scratch_root, sweep_leftovers


@pytest.fixture(autouse=True)
def _private_scratch(monkeypatch):
    """The scratch folders of these tests go to a short folder of their own (kernels' sockets live there)."""
    scratch = tempfile.mkdtemp(prefix="dxt-")
    monkeypatch.setenv("DXNB_TMPDIR", scratch)
    yield
    shutil.rmtree(scratch, ignore_errors=True)


def test_leftovers_are_swept_only_where_a_batch_writes(tmp_path):
    out = tmp_path / "reports"
    for folder in ("2024/notebooks", "2023/notebooks", "exports"):
        (out / folder).mkdir(parents=True)
    (out / "2023" / "manifest.json").write_text("{}", encoding="utf-8")
    ours = [
        out / ".index.html.x1.tmp",
        out / "2024" / ".manifest.json.x2.tmp",
        out / "2024" / "notebooks" / ".25882-vinh-hoa.x3.tmp.ipynb",
        out / "2023" / "notebooks" / ".25858-phuoc-vinh.x4.tmp.ipynb",
    ]
    others = [
        out / ".dxnb.lock",
        out / "exports" / ".table.xlsx.x5.tmp",  # the explorer may be writing it right now
        out / "2024" / "25882-vinh-hoa.html",
        out / "2024" / "notes.tmp",
        out / "2022" / ".index.html.x6.tmp",  # not a period of this batch, no manifest
    ]
    for path in ours + others:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x", encoding="utf-8")
    assert sorted(sweep_leftovers(out, ["2024"])) == sorted(ours)
    assert all(p.exists() for p in others)


def test_scratch_folders_of_dead_batches_are_swept_and_live_ones_kept():
    root = scratch_root()
    dead = root / "b-dead" / "k-1"
    dead.mkdir(parents=True)
    os.utime(dead.parent, (1e9, 1e9))
    young = root / "b-young"  # a batch that is starting: not yet locked
    young.mkdir()
    with scratch_folder() as mine:
        assert mine.parent == root and not dead.parent.exists() and young.exists()
        os.utime(mine, (1e9, 1e9))
        with scratch_folder() as other:  # a second batch at the same time keeps the first one's folder
            assert mine.exists() and other != mine
        assert not other.exists()
    assert not mine.exists()


def test_scratch_root_is_short_enough_for_sockets(monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("DXNB_TMPDIR", str(tmp_path / ("deep" * 20)))
    with caplog.at_level(logging.WARNING):
        root = scratch_root()
    assert len(str(root)) <= 64 and "too long" in caplog.text
