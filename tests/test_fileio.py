"""Atomic writes: the old file survives a failure and no temporary file is left."""

from __future__ import annotations

import fcntl
import hashlib
import os

import pytest

from dxnb import fileio
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


def test_write_through_a_symlink(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "obs.csv").write_text("old", encoding="utf-8")
    link = tmp_path / "data" / "obs.csv"
    link.parent.mkdir()
    link.symlink_to(shared / "obs.csv")
    atomic_write_text(link, "new")
    assert link.is_symlink() and (shared / "obs.csv").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in shared.iterdir()) == ["obs.csv"]


def test_unique_backups_never_overwrite(tmp_path):
    names = [fileio.unique_backup(tmp_path / "backups", "observations.csv", f"v{n}".encode()) for n in range(3)]
    assert len(set(names)) == 3  # the same second, the same process: still three files
    assert [p.read_bytes() for p in names] == [b"v0", b"v1", b"v2"]
    assert all(str(os.getpid()) in p.name and p.suffix == ".csv" for p in names)


def test_lock_is_exclusive_and_reentrant(tmp_path):
    with fileio.exclusive_lock(tmp_path):
        with fileio.exclusive_lock(tmp_path):  # the same thread may take it again
            pass
        with open(tmp_path / fileio.LOCK_NAME) as handle:  # another program may not
            with pytest.raises(BlockingIOError):
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    with open(tmp_path / fileio.LOCK_NAME) as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released
        with pytest.raises(fileio.BusyError, match="another dxnb program"):
            with fileio.exclusive_lock(tmp_path, timeout=0.2):
                pass


def _files(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_replace_files_rolls_back_and_keeps_backups(tmp_path, monkeypatch):
    (tmp_path / "a.csv").write_bytes(b"a1")
    (tmp_path / "b.csv").write_bytes(b"b1")
    real = os.replace

    def replace(src, dst):
        if str(dst).endswith("b.csv"):
            raise OSError(5, "I/O error")
        return real(src, dst)

    monkeypatch.setattr(fileio.os, "replace", replace)
    with pytest.raises(OSError):
        fileio.replace_files(tmp_path, {"a.csv": b"a2", "b.csv": b"b2"}, {"a.csv": b"a1", "b.csv": b"b1"})
    monkeypatch.undo()
    assert _files(tmp_path) == {"a.csv": b"a1", "b.csv": b"b1"}  # no journal, no temporary
    assert sorted(_files(tmp_path / "backups").values()) == [b"a1", b"b1"]


def test_recover_journal_finishes_or_undoes(tmp_path):
    for outcome in ("finished", "undone"):
        folder = tmp_path / outcome
        folder.mkdir()
        (folder / "a.csv").write_bytes(b"a1")
        (folder / "b.csv").write_bytes(b"b1")
        backups = [fileio.unique_backup(folder / "backups", n, d) for n, d in (("a.csv", b"a1"), ("b.csv", b"b1"))]
        temporaries = [fileio.write_temporary(folder / n, d) for n, d in (("a.csv", b"a2"), ("b.csv", b"b2"))]
        entries = [
            {
                "name": n,
                "target": str(folder / n),
                "temporary": str(t),
                "backup": str(b),
                "old_sha256": hashlib.sha256(old).hexdigest(),
                "new_sha256": hashlib.sha256(new).hexdigest(),
            }
            for n, t, b, old, new in zip(
                ("a.csv", "b.csv"), temporaries, backups, (b"a1", b"b1"), (b"a2", b"b2"), strict=True
            )
        ]
        fileio._write_journal(folder, entries)
        os.replace(temporaries[0], folder / "a.csv")  # the crash came after the first rename
        if outcome == "undone":
            temporaries[1].unlink()  # and the second new file is lost
        assert fileio.recover_journal(folder) == outcome
        expected = {"a.csv": b"a2", "b.csv": b"b2"} if outcome == "finished" else {"a.csv": b"a1", "b.csv": b"b1"}
        assert _files(folder) == expected
        assert len(list((folder / "backups").iterdir())) == 2
        assert fileio.recover_journal(folder) is None


def test_sweep_temporaries(tmp_path):
    (tmp_path / ".observations.csv.abc.tmp").write_text("x", encoding="utf-8")
    (tmp_path / ".units.csv.abc.tmp").write_text("x", encoding="utf-8")
    removed = fileio.sweep_temporaries(tmp_path, ("observations.csv",))
    assert [p.name for p in removed] == [".observations.csv.abc.tmp"]
    assert (tmp_path / ".units.csv.abc.tmp").exists()
