"""How the local pool's worker processes start: forked from a warm fork server where Linux allows it.

A spawned worker pays a new interpreter and the imports of papermill and nbconvert, and its zygote another
interpreter, the imports of ipykernel, IPython, pandas, matplotlib and :mod:`dxnb.report` and one chart of
each kind: about 2 CPU-s per worker, and on 2 cores some 3 s before a batch's first report. Here the
standard library's ``forkserver`` start method is used with :data:`PRELOAD`: one server process imports all
of it and draws the warm-up charts (:mod:`dxnb.warm`) once, while the driver is still loading the dataset;
each pool worker is forked from it and forks its zygote from itself in turn
(:func:`dxnb.zygote.warm_enough_to_fork`). A batch pays the imports once, and a process that runs several
batches (a notebook, the test suite) once in all, while every report still gets a fresh kernel process.

The server keeps the environment, ``sys.path`` and interpreter it was started with (a module may read a
variable when it is imported), so it is started again whenever one of them has changed. Each worker also
takes the driver's environment as it is when the batch starts (:func:`dxnb.worker.init_worker`) and ends
with the driver, which is not its parent here. Elsewhere (macOS, Windows, or ``DXNB_POOL_START=spawn``)
workers are spawned as before, with the same results.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import logging
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator

from .worker import KERNEL_ENV
from .zygote import PRELOAD as ZYGOTE_PRELOAD
from .zygote import THREAD_VARIABLES, fork_supported

log = logging.getLogger(__name__)

#: What the fork server imports (through :mod:`dxnb.warm`): the zygote's modules (a kernel's and a report's),
#: then a worker's own.
PRELOAD = (*ZYGOTE_PRELOAD, "papermill", "nbclient", "nbconvert", "dxnb.export", "dxnb.worker")
START_VARIABLE = "DXNB_POOL_START"
#: The file the fork server removes once warm (:mod:`dxnb.warm`), named in its environment only.
WARMING_VARIABLE = "DXNB_FORKSERVER_WARMING"
#: How long the pool waits for the fork server's imports (a loaded machine can be slow).
READY_TIMEOUT_S = 120.0
START_METHODS = ("forkserver", "spawn")
#: How long a fork server may take to end once asked to: an idle one ends at once (its workers ended with their
#: batch); one still importing (nothing was left to render) is killed after this.
_STOP_WAIT_S = 0.2


def start_method() -> str:
    """``forkserver`` on Linux unless ``DXNB_POOL_START=spawn``; ``spawn`` elsewhere.

    Also ``spawn`` where the kernel does not give process descriptors (before Linux 5.3, or a sandbox that
    forbids them): a forked worker watches its driver through one. An unknown value of ``DXNB_POOL_START`` is
    logged and ignored.
    """
    wanted = os.environ.get(START_VARIABLE, "").strip().lower()
    if wanted and wanted not in START_METHODS:
        log.warning("%s=%s is neither forkserver nor spawn; using the default", START_VARIABLE, wanted)
        wanted = ""
    if wanted == "spawn" or not fork_supported() or not pidfds_supported():
        return "spawn"
    return "forkserver"


def pidfds_supported() -> bool:
    """Whether this system gives process descriptors (``os.pidfd_open``), which forked workers need."""
    try:
        os.close(os.pidfd_open(os.getpid()))
    except (AttributeError, OSError):
        return False
    return True


def pool_context() -> multiprocessing.context.BaseContext:
    """The context the local pool starts its workers with; its fork server is started now if it is not running.

    Call it early (the driver does so before it loads the dataset): the server imports and warms up in the
    background, and the first worker waits for it only if it is not ready yet.
    """
    method = start_method()
    if method == "forkserver":
        try:
            _Server.ensure()
        except (AttributeError, OSError) as exc:  # another Python's internals, no sockets: spawn instead
            log.warning("no warm fork server (%s: %s); pool workers are spawned", type(exc).__name__, exc)
            method = "spawn"
    return multiprocessing.get_context(method)


#: dxnb's own variables are read when they are used (and a worker takes the driver's), except this one,
#: read when :mod:`dxnb.paths` is imported.
READ_ON_IMPORT = ("DXNB_ROOT",)
#: Variables that a host process changes as it goes and no library reads when it is imported: pytest names the
#: test it runs in ``PYTEST_CURRENT_TEST`` (each test, each phase). A worker still sees their current values.
VOLATILE = ("PYTEST_CURRENT_TEST",)


def fingerprint() -> str:
    """What the fork server must share with this process: the interpreter, ``sys.path`` and the environment.

    Every variable counts (a library may read one when it is imported) except dxnb's own, which dxnb reads
    when they are used (:data:`READ_ON_IMPORT` apart), and the :data:`VOLATILE` ones: a change of
    ``DXNB_CACHE_DIR`` or ``DXNB_LANG``, or the next test of a pytest run, keeps the warm server.
    """
    env = sorted(
        (name, value)
        for name, value in os.environ.items()
        if name not in VOLATILE and (not name.startswith("DXNB_") or name in READ_ON_IMPORT)
    )
    parts = [sys.executable, *sys.path, "", *(f"{name}={value}" for name, value in env)]
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


class _Server:
    """The fingerprint of the running fork server (a holder, not a global variable: the server is the stdlib's)."""

    fingerprint: str | None = None
    stopped_at_exit = False
    warming_file: str | None = None  # removed by dxnb.warm in the server once it is warm

    @classmethod
    def _new_warming_file(cls) -> None:
        """A file that stands while the server imports: removing it needs no disk space (a full disk)."""
        folder = tempfile.mkdtemp(prefix="dxnb-forkserver-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        cls.warming_file = os.path.join(folder, "warming")
        with open(cls.warming_file, "w", encoding="ascii"):
            pass

    @classmethod
    def ensure(cls) -> None:
        from multiprocessing import forkserver

        server = forkserver._forkserver  # the stdlib's one per process, as multiprocessing uses it
        wanted = fingerprint()
        if server._forkserver_pid is not None and cls.fingerprint != wanted:
            log.debug("the environment changed since the fork server started: starting it again")
            _stop(server, _STOP_WAIT_S)
        forkserver.set_forkserver_preload(["dxnb.warm"])
        if server._forkserver_pid is None or cls.warming_file is None:  # a new server: a new file, gone when warm
            cls._new_warming_file()
        with _environment(dict.fromkeys(THREAD_VARIABLES, "1") | KERNEL_ENV | {WARMING_VARIABLE: cls.warming_file}):
            forkserver.ensure_running()  # returns at once; the server imports PRELOAD in the background
        cls.fingerprint = wanted
        if not cls.stopped_at_exit:
            # Ended and reaped when this process exits (the stdlib leaves it to end by itself): its CPU time,
            # and that of the workers it reaped, then counts among this process's children, as a spawned
            # worker's does.
            atexit.register(stop)
            cls.stopped_at_exit = True


def stop() -> None:
    """End this process's fork server, if one runs (the next batch starts a new one)."""
    from multiprocessing import forkserver

    try:
        _stop(forkserver._forkserver, _STOP_WAIT_S)
    except (AttributeError, OSError) as exc:  # another Python's internals, or it ended by itself
        log.debug("stopping the fork server: %s: %s", type(exc).__name__, exc)


def wait_until_ready(timeout: float = READY_TIMEOUT_S) -> None:
    """Wait (interruptibly) until the fork server has imported and warmed up; at most ``timeout`` seconds.

    The pool calls this before it starts workers: a worker asked for while the server still imports is
    forked only once it is done, and if the driver were interrupted meanwhile (Ctrl-C, ``kill``), that
    worker would start after the driver had gone and fail noisily. Returns at once without a fork server.
    """
    warming = _Server.warming_file
    deadline = time.monotonic() + timeout
    while warming is not None and os.path.exists(warming) and time.monotonic() < deadline:
        time.sleep(0.01)


def _stop(server, wait: float) -> None:
    """End a running fork server (what its private ``_stop`` does, killing it after ``wait`` seconds)."""
    with server._lock:
        if server._forkserver_pid is None:
            return
        os.close(server._forkserver_alive_fd)  # the server ends when every holder of this pipe has closed it
        pid = server._forkserver_pid
        deadline = time.monotonic() + wait
        with contextlib.suppress(ChildProcessError):  # reaped already
            while not os.waitpid(pid, os.WNOHANG)[0]:
                if time.monotonic() >= deadline:
                    log.debug("the fork server (pid %d) did not end at once; killing it", pid)
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    break
                time.sleep(0.01)
        address = server._forkserver_address
        server._forkserver_alive_fd = server._forkserver_address = server._forkserver_pid = None
        if isinstance(address, str) and not address.startswith("\0"):
            with contextlib.suppress(OSError):
                os.unlink(address)


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """These variables set while the block runs (the fork server inherits them), then put back."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
