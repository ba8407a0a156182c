"""A warm parent process that forks a fresh ipykernel per report (Linux only).

Starting an ipykernel and importing pandas, matplotlib and :mod:`dxnb.report` costs ~0.8 CPU-s per
report. A *zygote* pays that once per worker: it imports everything, warms the caches, freezes the
garbage collector's view of the heap (so the children share its pages) and then forks one child per
report. Each child builds a new :class:`ipykernel.kernelapp.IPKernelApp` from scratch, with its own
connection file, threads, zmq context and asyncio loop, and serves exactly one report: no two reports
ever share a kernel process, as with a plain kernel.

Forking is only safe from a process that has a single thread and no event loop or zmq context;
:func:`serve` checks this before it forks anything.

The owner (a batch worker) talks to its zygote over a pipe, through :class:`Zygote`::

    zygote = Zygote()                                     # starts warming in the background
    pid = zygote.fork(argv, cwd=None, env=dict(os.environ))
    zygote.poll(pid)                                      # None while the kernel runs, else its status
    zygote.close()                                        # ends the zygote and every kernel it forked

A zygote is a new interpreter that imports all of that, except in a process that has already imported it
and has a single thread (:func:`warm_enough_to_fork`: a pool worker forked from the warm fork server of
:mod:`dxnb.pool_start`): there it is forked from its owner, keeping only its pipe, and is ready at once.

Guards: the zygote dies with its owner (``PR_SET_PDEATHSIG``, and it ends when the pipe closes);
each kernel dies with its zygote (``PR_SET_PDEATHSIG``); :meth:`Zygote.close` is registered with
:class:`multiprocessing.util.Finalize`, which runs in pool workers (they end with ``os._exit``, so
:mod:`atexit` never runs there). :mod:`dxnb.provisioner` drives the forked kernels for papermill. This module
is the owner's side; what runs in the zygote process is :mod:`dxnb.zygote_process`.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import subprocess
import sys
import threading
from multiprocessing.connection import Connection, Pipe
from multiprocessing.util import Finalize

from .errors import RenderError

log = logging.getLogger(__name__)

#: Set to 1 in the zygote before numpy loads: a BLAS thread pool would make fork unsafe.
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
#: What the zygote imports before it forks (what an ipykernel and a report notebook import).
PRELOAD = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "ipykernel.iostream",
    "ipykernel.heartbeat",
    "ipykernel.comm",
    "ipykernel.debugger",  # imports debugpy (pydevd): ~150 modules every kernel loads at start
    "IPython",
    "IPython.core.interactiveshell",
    "IPython.core.completer",
    "IPython.core.completerlib",
    "IPython.core.debugger",
    "IPython.core.oinspect",
    "IPython.core.logger",
    "IPython.extensions.storemagic",
    "sqlite3",
    "tornado.platform.asyncio",
    "tornado.queues",
    "tornado.locks",
    "jupyter_client.session",
    "matplotlib_inline.backend_inline",
    "pandas",
    "matplotlib",
    "dxnb.fmt",
    "dxnb.charts",
    "dxnb.report",
)
#: The module that runs in the zygote process (named, not imported: it imports this one).
ENTRY = "dxnb.zygote_process"
#: How long an owner waits for its zygote's imports (a loaded machine can be slow).
READY_TIMEOUT_S = 120.0


class ZygoteError(RenderError):
    """The zygote could not start or fork a kernel."""


def fork_supported() -> bool:
    """Whether kernels can be forked from a zygote here (Linux; macOS and Windows start kernels plainly)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def pss_kb(pid: int | str = "self") -> int:
    """Proportional set size of a process in KiB, from ``/proc/<pid>/smaps_rollup`` (0 when unknown).

    PSS divides each shared page between the processes sharing it, so the sum over a zygote and its
    kernels is the memory they really use; ``VmHWM``/RSS would count the zygote's pages once per kernel.
    """
    return proc_kb(pid, "smaps_rollup", "Pss")


def proc_kb(pid: int | str, file: str, field: str) -> int:
    """A figure in KiB of ``/proc/<pid>/<file>`` (``field: 1234 kB``); 0 when unknown (not Linux, no process)."""
    try:
        with open(f"/proc/{pid}/{file}", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class Zygote:
    """The owner's handle on one zygote process (one per worker; not shared between processes).

    The zygote starts at once and warms up in the background; the first :meth:`fork` waits for it.
    Calls are serialised with a lock, so the handle may be used from the thread that runs a
    kernel manager's event loop. Create it from the worker's main thread: Linux kills the zygote
    when the *thread* that started it ends (``PR_SET_PDEATHSIG``).
    """

    def __init__(self, *, preload: tuple[str, ...] = PRELOAD, env: dict[str, str] | None = None):
        """Start the zygote (``env``: its environment, default this process's)."""
        if not fork_supported():
            raise ZygoteError("kernels can only be forked on Linux; use a plain kernel here")
        ours, theirs = Pipe(duplex=True)
        # The thread variables go in before `import dxnb` (whose __init__ imports pandas, hence numpy).
        env = dict(os.environ if env is None else env)
        env.update(dict.fromkeys(THREAD_VARIABLES, "1"))
        env.setdefault("MPLBACKEND", "Agg")
        self._conn: Connection = ours
        self._lock = threading.Lock()
        self._ready: dict | None = None
        if warm_enough_to_fork(preload):  # forked from this process: its imports are already done
            self.process: subprocess.Popen | _ForkedZygote = _ForkedZygote(theirs, env, preload)
        else:
            code = f"import sys; from {ENTRY} import serve; serve(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:])"
            self.process = subprocess.Popen(
                [sys.executable, "-c", code, str(theirs.fileno()), str(os.getpid()), *preload],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                env=env,
            )
        theirs.close()
        self.pid = self.process.pid
        self._finalizer = Finalize(self, _shut_down, args=(ours, self.process), exitpriority=10)

    def _request(self, *message):
        with self._lock:
            if self._conn.closed:
                raise ZygoteError("the zygote is closed")
            try:
                if self._ready is None:
                    self._wait_ready()
                self._conn.send(message)
                status, value = self._conn.recv()
            except (EOFError, OSError) as exc:
                raise ZygoteError(f"the zygote (pid {self.pid}) ended: exit status {self.process.poll()}") from exc
        if status != "ok":
            raise ZygoteError(f"the zygote could not {message[0]}: {value}")
        return value

    def _wait_ready(self) -> None:
        if not self._conn.poll(READY_TIMEOUT_S):
            raise ZygoteError(f"the zygote (pid {self.pid}) was not ready in {READY_TIMEOUT_S:.0f} s")
        status, value = self._conn.recv()
        if status != "ready":
            raise ZygoteError(f"the zygote could not start: {value}")
        self._ready = value

    @property
    def info(self) -> dict:
        """What the zygote reports once warm: its pid, preload CPU time, threads, modules."""
        self._request("ping")
        return dict(self._ready or {})

    def fork(self, argv: list[str], *, cwd: str | None = None, env: dict[str, str] | None = None) -> int:
        """Fork a kernel, ``IPKernelApp`` with these arguments (``-f <connection file>`` ...); return its pid."""
        return self._request("fork", {"argv": list(argv), "cwd": cwd, "env": dict(env or os.environ)})

    def poll(self, pid: int) -> int | None:
        """None while the kernel runs, else its exit status (negative: killed by that signal)."""
        return self._request("poll", pid)

    def signal(self, pid: int, signum: int) -> None:
        """Send a signal to a kernel forked by this zygote (a no-op once it has ended)."""
        self._request("signal", pid, int(signum))

    def children(self) -> list[int]:
        """The pids of the kernels still running."""
        return self._request("children")

    @property
    def alive(self) -> bool:
        """Whether the zygote process still runs."""
        return self.process.poll() is None

    def close(self) -> None:
        """End the zygote and every kernel it forked; safe to call twice and from a finaliser."""
        self._finalizer()


def warm_enough_to_fork(preload: tuple[str, ...] | list[str] = PRELOAD) -> bool:
    """Whether a zygote can be forked from this process rather than started afresh.

    True only in a process forked from the warm fork server of :mod:`dxnb.pool_start` (a pool worker), which
    has imported every module of ``preload`` there and nothing of any report, while it still has one thread
    (before its first report): the zygote then starts in milliseconds instead of a second or more. Any other
    process (a notebook, a test, a Dask worker) may hold state no kernel should inherit, so its zygote is a
    new interpreter.
    """
    from multiprocessing import forkserver

    if "dxnb.warm" not in sys.modules or getattr(forkserver._forkserver, "_inherited_fds", None) is None:
        return False  # not a child of the warm fork server
    if not all(name in sys.modules for name in preload) or threading.active_count() != 1:
        return False
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


class _ForkedZygote:
    """A zygote forked from this process (a :mod:`multiprocessing` fork process), with Popen's poll, wait and kill."""

    def __init__(self, theirs: Connection, env: dict[str, str], preload: tuple[str, ...]):
        import multiprocessing

        args = (theirs.fileno(), os.getpid(), env, tuple(preload))
        self._process = multiprocessing.get_context("fork").Process(target=_forked, args=args, name="dxnb-zygote")
        self._process.start()
        self.pid = self._process.pid

    def poll(self) -> int | None:
        return self._process.exitcode

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        if self._process.exitcode is None:
            raise subprocess.TimeoutExpired("dxnb-zygote", timeout or 0.0)
        return self._process.exitcode

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, AttributeError):
            self._process.kill()


def _forked(fd: int, owner: int, env: dict[str, str], preload: tuple[str, ...]) -> None:  # pragma: no cover
    """In the forked zygote: keep only the pipe and the standard streams, take ``env``, then serve."""
    import gc

    gc.collect()  # what the owner left for the collector goes now, while its descriptors are still its own
    keep = {0, 1, 2, fd}
    for name in os.listdir("/proc/self/fd"):  # the owner's pipes, sockets and files (the pool's queues ...)
        if name.isdigit() and int(name) not in keep:
            with contextlib.suppress(OSError):
                os.close(int(name))
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.environ.clear()
    os.environ.update(env)
    # The root logger of a fresh process: the owner's may have been configured (a script's basicConfig
    # run again as __mp_main__ in a pool worker), and the kernels must log like plain ones.
    root = logging.getLogger()
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    root.setLevel(logging.WARNING)
    importlib.import_module(ENTRY).serve(fd, owner, preload)


def _shut_down(conn: Connection, process: subprocess.Popen | _ForkedZygote) -> None:
    with contextlib.suppress(OSError, EOFError, ValueError):
        if not conn.closed:
            conn.send(("stop",))
            # the answer to "stop" (or the ready message still pending) comes before EOF
            while conn.poll(5.0):
                conn.recv()
    with contextlib.suppress(OSError):
        conn.close()
    try:
        process.wait(timeout=5.0)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
