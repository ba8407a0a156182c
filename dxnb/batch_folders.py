"""A batch's folders: the output folder's lock and leftovers, the kernels' scratch folders, unusable manifests.

One batch at a time writes to an output folder (:func:`output_lock` on ``<out>/.dxnb.lock``); the temporary
files an interrupted batch left there are swept (:func:`sweep_leftovers`). Each batch's kernels keep their
sockets in a scratch folder of their own (:func:`scratch_folder`), and the folders of batches that are gone
are removed. :func:`repair_manifests` replaces a manifest that cannot be read by an empty one.
:mod:`dxnb.batch` uses them all.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Collection, Iterator
from pathlib import Path

from .errors import DxnbError
from .i18n import t
from .jobs import MANIFEST, empty_manifest, load_manifest
from .worker import TMP_SUFFIX

log = logging.getLogger(__name__)

#: The lock file of an output folder: one batch at a time writes there.
LOCK_FILE = ".dxnb.lock"


class OutputBusyError(DxnbError):
    """Another ``dxnb reports`` holds the lock of the output folder."""


def _try_lock(handle) -> bool:
    """Take an exclusive lock on an open file without waiting; False when another process holds it."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextlib.contextmanager
def output_lock(out: Path) -> Iterator[None]:
    """Hold ``<out>/.dxnb.lock`` for the batch; raise :class:`OutputBusyError` when another batch holds it."""
    handle = open(out / LOCK_FILE, "a+b")  # held for the whole batch
    try:
        if not _try_lock(handle):
            raise OutputBusyError(t("batch_busy", out=out))
        yield
    finally:
        handle.close()  # releases the lock


def _is_leftover(path: Path) -> bool:
    name = path.name
    return name.startswith(".") and name != LOCK_FILE and (name.endswith(".tmp") or name.endswith(TMP_SUFFIX))


def sweep_leftovers(out: Path, periods: Collection[str] = ()) -> list[Path]:
    """Remove the temporary files an interrupted batch left in ``out`` (call it holding the lock).

    Only the folders a batch writes are swept: ``out`` itself and its period folders (``periods``, and
    those with a manifest) with their ``notebooks/``; other folders (the explorer's ``exports/``) are
    left alone.
    """
    periods = [p for p in out.iterdir() if p.is_dir() and (p.name in periods or (p / MANIFEST).is_file())]
    folders = [out, *periods, *(p / "notebooks" for p in periods if (p / "notebooks").is_dir())]
    removed = []
    for folder in folders:
        for path in folder.iterdir():
            if path.is_file() and _is_leftover(path):
                with contextlib.suppress(OSError):
                    path.unlink()
                    removed.append(path)
    if removed:
        log.info("removed %d temporary file(s) left by an interrupted batch in %s", len(removed), out)
    return removed


#: Longest scratch root: kernels' IPC sockets live below it, and a socket's path has at most 107 bytes.
SCRATCH_ROOT_MAX = 64


def scratch_root() -> Path:
    """The folder of the batches' scratch folders (``DXNB_TMPDIR``, else the system's temporary folder).

    A ``DXNB_TMPDIR`` too deep for the kernels' sockets is not used (with a warning).
    """
    user = f"dxnb-{os.getuid() if hasattr(os, 'getuid') else 'user'}"
    base = os.environ.get("DXNB_TMPDIR")
    if base and len(os.fsencode(Path(base) / user)) > SCRATCH_ROOT_MAX:
        log.warning("DXNB_TMPDIR=%s is too long a path for the kernels' sockets; using %s", base, tempfile.gettempdir())
        base = None
    return Path(base or tempfile.gettempdir()) / user


@contextlib.contextmanager
def scratch_folder() -> Iterator[Path]:
    """A scratch folder for this batch's kernels, removed at the end; stale ones of crashed batches are swept.

    Each batch holds a lock on ``<folder>/.lock`` while it runs, so a folder whose lock can be
    taken belongs to a batch that is gone.
    """
    root = scratch_root()
    root.mkdir(parents=True, exist_ok=True)
    for stale in root.glob("b-*"):
        try:
            if time.time() - stale.stat().st_mtime < 60:  # perhaps a batch starting right now
                continue
            with open(stale / ".lock", "a+b") as handle:
                if not _try_lock(handle):
                    continue  # its batch is running
        except OSError:  # removed meanwhile, or not ours
            continue
        shutil.rmtree(stale, ignore_errors=True)
        log.debug("removed the scratch folder of a batch that is gone: %s", stale)
    folder = Path(tempfile.mkdtemp(prefix="b-", dir=root))
    handle = open(folder / ".lock", "a+b")  # held for the whole batch
    try:
        _try_lock(handle)
        yield folder
    finally:
        handle.close()
        shutil.rmtree(folder, ignore_errors=True)


def repair_manifests(out: Path) -> list[Path]:
    """Replace each unusable ``<out>/*/manifest.json`` by an empty one, with a warning; return them."""
    repaired = []
    for folder in sorted(p for p in out.iterdir() if p.is_dir() and (p / MANIFEST).is_file()):
        _, problem = load_manifest(folder)
        if problem:
            log.warning("%s is unusable (%s); replaced by an empty manifest", folder / MANIFEST, problem)
            empty_manifest(folder, problem)
            repaired.append(folder / MANIFEST)
    return repaired
