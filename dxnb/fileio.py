"""Safe file writing: a reader never sees a half-written file, and inputs are never touched.

* :func:`atomic_write_bytes` writes one file through a temporary in the target's own folder (a symbolic
  link is written through to its target, it is never replaced by a plain file).
* :func:`exclusive_lock` serialises the programs that change one folder (``flock`` on a lock file).
* :func:`replace_files` replaces several files as one step: new temporaries and backups first, a journal,
  then the renames with Ctrl-C and ``SIGTERM`` held back, so that either every file is replaced or none;
  :func:`recover_journal` finishes or undoes the step after a crash or ``kill -9``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import json
import logging
import os
import signal
import stat
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

from .errors import DxnbError
from .i18n import N_, t

log = logging.getLogger(__name__)

LOCK_NAME = ".dxnb-import.lock"
JOURNAL_NAME = ".dxnb-import.journal"
LOCK_TIMEOUT = 30.0  # seconds a second program waits for the lock before giving up
_SIGNALS = {signal.SIGINT, signal.SIGTERM}


class BusyError(DxnbError):
    """Another program holds the lock of a folder."""


class JournalError(DxnbError):
    """A multi-file replacement could not be carried out, or a leftover journal cannot be resolved."""


def real_path(path: str | os.PathLike[str]) -> Path:
    """The file a path names, symbolic links followed (the path itself when it does not exist yet)."""
    return Path(os.path.realpath(os.fspath(path)))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system can sync a folder
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_temporary(target: str | os.PathLike[str], data: bytes, mode: int | None = None) -> Path:
    """Write ``data`` to a new synced temporary ``.<name>.*.tmp`` next to ``target``; return its path.

    The temporary is removed again when writing fails or is interrupted.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.chmod(tmp, (0o666 & ~_umask()) if mode is None else mode)  # mkstemp creates 0600
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return Path(tmp)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically: a temporary file in the same folder, then a rename.

    After a crash or Ctrl-C the old file (if any) is intact and no partial file is left behind. When ``path``
    is a symbolic link, its target is written (in the target's folder) and the link stays a link.
    """
    target = real_path(path) if os.path.islink(path) else Path(path)
    tmp = write_temporary(target, data)
    try:
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(target.parent)
    return Path(path)


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` atomically (see :func:`atomic_write_bytes`)."""
    return atomic_write_bytes(path, text.encode(encoding))


# --------------------------------------------------------------------------- locking

_held = threading.local()  # folders this thread already holds the lock of (the lock is re-entrant)


@contextlib.contextmanager
def exclusive_lock(
    folder: str | os.PathLike[str], timeout: float | None = None, what: str = N_("lock_import")
) -> Iterator[Path]:
    """Hold an exclusive ``flock`` on ``<folder>/.dxnb-import.lock`` for the ``with`` block.

    ``what`` is the message key naming the work that takes the lock (an import, a review), for the busy message.

    A second program (or thread) waits up to ``timeout`` seconds (:data:`LOCK_TIMEOUT` by default), then
    gives up with :class:`BusyError`. The lock is released when the process ends, however it ends.

    Raises:
        BusyError: when another program still holds the lock after ``timeout``.
    """
    folder = real_path(folder)
    held = getattr(_held, "folders", None)
    if held is None:
        held = _held.folders = {}
    if held.get(folder):
        held[folder] += 1
        try:
            yield folder / LOCK_NAME
        finally:
            held[folder] -= 1
        return
    lock = folder / LOCK_NAME
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666 & ~_umask())
    try:
        limit = LOCK_TIMEOUT if timeout is None else timeout
        deadline = time.monotonic() + limit
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise
                if time.monotonic() >= deadline:
                    raise BusyError(t("io_busy", folder=folder, what=t(what), lock=lock,
                                      seconds=f"{limit:g}")) from None  # fmt: skip
                time.sleep(0.1)
        held[folder] = 1
        try:
            yield lock
        finally:
            held.pop(folder, None)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def sweep_temporaries(folder: str | os.PathLike[str], names: tuple[str, ...]) -> list[Path]:
    """Remove leftover ``.<name>.*.tmp`` files of ``names`` in ``folder`` (and in their targets' folders).

    Only call this while holding :func:`exclusive_lock`: a running writer's temporaries would go too.
    """
    folder = Path(folder)
    removed = []
    places = {folder}
    places.update(real_path(folder / name).parent for name in names)
    for place in places:
        for name in names:
            for leftover in place.glob(f".{name}.*.tmp"):
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()
                    removed.append(leftover)
    if removed:
        log.info(
            "removed %d temporary file(s) left by an interrupted import: %s",
            len(removed),
            ", ".join(str(p) for p in removed),
        )
    return removed


# --------------------------------------------------------------------------- several files as one step


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def unique_backup(folder: str | os.PathLike[str], name: str, data: bytes, mode: int | None = None) -> Path:
    """Write ``data`` as a new backup ``<stem>.<timestamp>-<pid>[-n].<suffix>`` in ``folder``; never overwrites."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, "bak"
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    number = 1
    while True:
        tail = "" if number == 1 else f"-{number}"
        candidate = folder / f"{stem}.{stamp}-{os.getpid()}{tail}.{suffix}"
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            break
        except FileExistsError:
            number += 1
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(candidate, (0o666 & ~_umask()) if mode is None else mode)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            candidate.unlink()
        raise
    _fsync_dir(folder)
    return candidate


@contextlib.contextmanager
def signals_held(during: str = "the files were written") -> Iterator[None]:
    """Hold back Ctrl-C (``SIGINT``) and ``SIGTERM`` for the ``with`` block; they take effect when it ends.

    ``during`` completes the warning logged when a signal was held back: "interrupted while <during>".

    A deferred handler records the signal (blocking it with ``pthread_sigmask`` is not enough: any other thread,
    e.g. of a numeric library, may receive it); the previous handler runs once the block is over. Python runs
    signal handlers in the main thread only, so a block in another thread cannot be interrupted anyway.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []

    def defer(signum, _frame) -> None:
        caught.append(signum)

    previous = {signum: signal.signal(signum, defer) for signum in _SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if caught:
            log.warning("interrupted while %s: that was completed first", during)
            handler = previous[caught[0]]
            if callable(handler):
                handler(caught[0], None)  # Python's own SIGINT handler raises KeyboardInterrupt
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), caught[0])


class Terminated(KeyboardInterrupt):
    """``SIGTERM`` arrived while :func:`terminate_cleanly` was in effect (handled like Ctrl-C: exit 130)."""


@contextlib.contextmanager
def terminate_cleanly() -> Iterator[None]:
    """Turn ``SIGTERM`` into a :class:`Terminated` exception for the ``with`` block, so clean-up code runs.

    Without it ``kill`` ends the process at once and leaves temporary files behind. Only in the main thread
    (Python runs signal handlers there); elsewhere the block runs unchanged.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(_signum, _frame) -> None:
        raise Terminated("terminated (SIGTERM)")

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _write_journal(folder: Path, entries: list[dict]) -> Path:
    journal = folder / JOURNAL_NAME
    tmp = write_temporary(journal, json.dumps({"files": entries}, ensure_ascii=False, indent=1).encode("utf-8"))
    os.replace(tmp, journal)
    _fsync_dir(folder)
    return journal


def replace_files(
    folder: str | os.PathLike[str],
    updated: Mapping[str, bytes],
    originals: Mapping[str, bytes],
    backup_dir: str = "backups",
) -> list[Path]:
    """Replace the files ``updated`` names (relative to ``folder``) as one step; return the backups.

    1. every new file is written as a synced temporary in its target's folder (links are written through);
    2. each current file (``originals``) is copied to a new, uniquely named backup in ``backup_dir`` — backups
       are kept whatever happens next;
    3. a journal ``.dxnb-import.journal`` records the step;
    4. with Ctrl-C and ``SIGTERM`` held back, every temporary is renamed over its target, then the journal goes.

    A failure before step 4 leaves every file as it was and removes the temporaries. A crash during step 4
    is finished by :func:`recover_journal` on the next run. Call it while holding :func:`exclusive_lock`.

    Raises:
        OSError: when a temporary or a backup cannot be written (nothing was replaced).
    """
    folder = Path(folder)
    targets = {name: real_path(folder / name) for name in updated}
    modes = {name: stat.S_IMODE(targets[name].stat().st_mode) for name in updated}
    temporaries: dict[str, Path] = {}
    backups: list[Path] = []
    journal: Path | None = None
    committed = False
    try:
        for name, data in updated.items():
            temporaries[name] = write_temporary(targets[name], data, modes[name])
        for name in updated:
            backups.append(unique_backup(folder / backup_dir, name, originals[name], modes[name]))
        entries = [
            {
                "name": name,
                "target": str(targets[name]),
                "temporary": str(temporaries[name]),
                "backup": str(backup),
                "old_sha256": _sha(originals[name]),
                "new_sha256": _sha(updated[name]),
            }
            for name, backup in zip(updated, backups, strict=True)
        ]
        journal = _write_journal(folder, entries)
        with signals_held():
            for name in updated:
                os.replace(temporaries[name], targets[name])
            for place in {t.parent for t in targets.values()}:
                _fsync_dir(place)
            committed = True
            journal.unlink()
            _fsync_dir(folder)
    except BaseException:
        if not committed:
            for tmp in temporaries.values():
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
            if journal is not None:
                try:
                    _roll(folder, journal, quiet=True)
                except (OSError, JournalError) as exc:  # the journal stays: the next run resolves it
                    log.error(
                        "could not undo the partial replacement (%s); the next import will, from %s", exc, journal
                    )
        raise
    return backups


def _roll(folder: Path, journal: Path, *, quiet: bool = False) -> str:
    """Finish (every temporary intact) or undo (from the backups) the step a journal records."""
    try:
        entries = json.loads(journal.read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise JournalError(t("io_bad_journal", journal=journal, error=exc, backups=folder / "backups")) from exc

    def digest(path: str) -> str | None:
        try:
            return _sha(Path(path).read_bytes())
        except OSError:
            return None

    state = {e["name"]: digest(e["target"]) for e in entries}
    ready = all(state[e["name"]] == e["new_sha256"] or digest(e["temporary"]) == e["new_sha256"] for e in entries)
    started = any(state[e["name"]] == e["new_sha256"] != e["old_sha256"] for e in entries)
    if ready and started:
        outcome = "finished"
        for entry in entries:
            if state[entry["name"]] != entry["new_sha256"]:
                os.replace(entry["temporary"], entry["target"])
    else:
        outcome = "undone"
        for entry in entries:
            if state[entry["name"]] != entry["old_sha256"]:
                if digest(entry["backup"]) != entry["old_sha256"]:
                    raise JournalError(t("io_cannot_restore", journal=journal, target=entry["target"],
                                         backup=entry["backup"]))  # fmt: skip
                atomic_write_bytes(entry["target"], Path(entry["backup"]).read_bytes())
    for entry in entries:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(entry["temporary"])
    journal.unlink()
    _fsync_dir(folder)
    if not quiet:
        log.warning(
            "an interrupted import was %s: %s (backups: %s)",
            outcome,
            ", ".join(e["name"] for e in entries),
            ", ".join(e["backup"] for e in entries),
        )
    return outcome


def recover_journal(folder: str | os.PathLike[str]) -> str | None:
    """Resolve a journal left by an interrupted :func:`replace_files`; call it holding the lock.

    When every new file is in place or still intact as a temporary, the replacement is finished; otherwise
    every file is put back from its backup. Backups are kept either way.

    Returns:
        ``"finished"``, ``"undone"``, or None when there was no journal.

    Raises:
        JournalError: when the journal cannot be read or a file cannot be restored.
    """
    journal = Path(folder) / JOURNAL_NAME
    if not journal.exists():
        return None
    return _roll(Path(folder), journal)
