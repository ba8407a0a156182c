"""The zygote process itself: warm up, check that forking is safe, fork one fresh ipykernel per request.

:class:`dxnb.zygote.Zygote` (the owner's side) starts a new interpreter that runs :func:`serve` on a pipe:
it imports :data:`~dxnb.zygote.PRELOAD`, draws a chart of each kind, checks :func:`fork_hazards`, freezes
the heap and answers the owner's requests (fork, poll, signal, children, stop). Each forked child drops
the zygote's state and becomes a new ``IPKernelApp`` that serves one report. The zygote dies with its
owner, and each kernel with its zygote (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection

from .zygote import PRELOAD, ZygoteError

log = logging.getLogger(__name__)

#: Variables read when an interpreter starts: a kernel forked from the zygote has the zygote's.
STARTUP_VARIABLES = ("PYTHONPATH", "PYTHONHASHSEED", "PYTHONWARNINGS", "PYTHONHOME", "PYTHONSAFEPATH")
_PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Ask Linux to send ``sig`` to this process when the thread that created it ends."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
        log.warning("prctl(PR_SET_PDEATHSIG) failed: errno %d", ctypes.get_errno())


def serve(fd: int, owner: int, preload: list[str] | tuple[str, ...] = PRELOAD) -> None:
    """Run a zygote on the pipe ``fd`` for the process ``owner``; returns when the pipe closes or on "stop"."""
    die_with_parent()
    if os.getppid() != owner:  # the owner ended before prctl took effect
        os._exit(1)
    # The owner decides when we end (pipe closed, "stop", or its death): Ctrl-C reaches it, not us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Our own handler, not basicConfig: a kernel must start with the root logger of a fresh process.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("dxnb.zygote %(levelname)s: %(message)s"))
    log.addHandler(handler)
    conn = Connection(fd)
    try:
        state = _warm_up(preload)
    except Exception as exc:  # the owner reports it
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", state.info))
    state.handler = handler
    state.loop(conn)


class _State:
    """The zygote's warm state and its children."""

    def __init__(self, info: dict, rc: dict, startup_env: dict[str, str]):
        self.info, self.rc, self.startup_env = info, rc, startup_env
        self.children: dict[int, int | None] = {}  # pid -> pidfd (None without pidfd_open)
        self.exited: dict[int, int] = {}
        self.warned: set[str] = set()
        self.conn: Connection | None = None
        self.handler: logging.Handler | None = None

    def forget_in_child(self) -> None:
        """In a forked kernel: drop what belongs to the zygote (its pipe, its children's pidfds, its log handler)."""
        if self.conn is not None:
            self.conn.close()
        for fd in self.children.values():
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        if self.handler is not None:
            log.removeHandler(self.handler)

    def loop(self, conn: Connection) -> None:
        from multiprocessing.connection import wait

        self.conn = conn
        try:
            while True:
                fds = [fd for fd in self.children.values() if fd is not None]
                ready = wait([conn, *fds], timeout=None if len(fds) == len(self.children) else 0.2)
                self.reap()
                if conn not in ready:
                    continue
                try:
                    message = conn.recv()
                except (EOFError, OSError):
                    return  # the owner ended
                if message[0] == "stop":
                    self.stop_children()
                    conn.send(("ok", None))
                    return
                try:
                    answer = self.handle(*message)
                except Exception as exc:  # sent back to the owner
                    conn.send(("error", f"{type(exc).__name__}: {exc}"))
                else:
                    conn.send(("ok", answer))
        finally:
            self.stop_children()

    def handle(self, command: str, *args):
        if command == "fork":
            return self.fork(**args[0])
        if command == "poll":
            return self.poll(args[0])
        if command == "signal":
            if args[0] in self.children:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(args[0], args[1])
            return None
        if command == "children":
            return sorted(self.children)
        if command == "ping":
            return None
        raise ValueError(f"unknown command {command!r}")

    def fork(self, argv: list[str], cwd: str | None, env: dict[str, str]) -> int:
        for name in STARTUP_VARIABLES:
            if env.get(name) != self.startup_env.get(name) and name not in self.warned:
                self.warned.add(name)
                log.warning("%s differs from the zygote's; forked kernels keep the zygote's value", name)
        if cwd is not None and not os.path.isdir(cwd):
            raise FileNotFoundError(f"kernel working directory {cwd} does not exist")
        zygote_pid = os.getpid()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, which never returns here
            code = 1
            try:
                die_with_parent()
                if os.getppid() != zygote_pid:  # the zygote ended before prctl took effect
                    os._exit(1)
                self.forget_in_child()
                code = _become_kernel(argv, cwd, env, self.rc)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:
                import traceback

                traceback.print_exc()
            finally:
                with contextlib.suppress(Exception):
                    sys.stdout.flush()
                    sys.stderr.flush()
                os._exit(code)
        pidfd = None
        with contextlib.suppress(OSError, AttributeError):
            pidfd = os.pidfd_open(pid)
        self.children[pid] = pidfd
        return pid

    def poll(self, pid: int) -> int | None:
        if pid in self.children:
            self.reap(pid)
        if pid in self.exited:
            return self.exited[pid]
        if pid in self.children:
            return None
        raise ValueError(f"pid {pid} is not a kernel of this zygote")

    def reap(self, only: int | None = None) -> None:
        """Collect the exit status of ended children (no zombie stays behind)."""
        for pid in [only] if only is not None else list(self.children):
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done, status = pid, 0
            if done == 0:
                continue
            self.exited[pid] = os.waitstatus_to_exitcode(status)
            pidfd = self.children.pop(pid)
            if pidfd is not None:
                os.close(pidfd)
        while len(self.exited) > 1000:  # keep the statuses of the latest kernels only
            del self.exited[next(iter(self.exited))]

    def stop_children(self) -> None:
        for pid in list(self.children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 5.0
        while self.children and time.monotonic() < deadline:
            self.reap()
            if self.children:
                time.sleep(0.005)


def _warm_up(preload) -> _State:
    """Import, warm caches, check that forking is safe, freeze the heap."""
    import gc
    import importlib

    os.environ.setdefault("MPLBACKEND", "Agg")
    startup_env = {name: os.environ[name] for name in STARTUP_VARIABLES if name in os.environ}
    for name in preload:
        importlib.import_module(name)
    rc = {}
    if "matplotlib" in sys.modules:
        import matplotlib

        rc = dict(matplotlib.rcParams)  # pristine, before any chart is drawn
    if "dxnb.charts" in sys.modules and "dxnb.warm" not in sys.modules:  # else drawn by an ancestor already
        warm_charts()
    gc.collect()
    problems = fork_hazards()
    if problems:
        raise ZygoteError("unsafe to fork: " + "; ".join(problems))
    gc.freeze()
    info = {
        "pid": os.getpid(),
        "cpu_s": round(time.process_time(), 3),  # the whole warm-up, interpreter start included
        "modules": len(sys.modules),
        "threads": threading.active_count(),
    }
    return _State(info, rc, startup_env)


def fork_hazards() -> list[str]:
    """What would make a fork of this process unsafe: other threads, an event loop, a zmq context."""
    import asyncio
    import gc

    problems = []
    if threading.active_count() != 1:
        problems.append(f"{threading.active_count()} Python threads")
    with contextlib.suppress(OSError):
        tasks = len(os.listdir("/proc/self/task"))
        if tasks != 1:
            problems.append(f"{tasks} OS threads")
    zmq = sys.modules.get("zmq")
    kinds = tuple(k for k in (asyncio.AbstractEventLoop, getattr(zmq, "Context", None)) if k is not None)
    for obj in gc.get_objects():
        if isinstance(obj, kinds):
            closed = obj.is_closed() if isinstance(obj, asyncio.AbstractEventLoop) else obj.closed
            if not closed:
                problems.append(f"a live {type(obj).__module__}.{type(obj).__name__}")
    if zmq is not None and getattr(zmq.Context, "_instance", None) is not None:
        problems.append("zmq.Context.instance() exists")
    return problems


def warm_charts() -> None:
    """Draw one chart of each kind offscreen (fonts, glyph caches, PNG encoder) and format a number and a date."""
    import datetime as dt

    from . import charts, fmt

    labels = ["Thể chế số", "Nhân lực số", "Chính quyền số"]
    try:
        for lang in ("vi", "en"):
            fmt.number(12345.678, 1, lang)
            fmt.percent(0.4567, 1, lang)
            fmt.date(dt.date(2024, 8, 28), lang)
        charts.bars_with_median(
            labels, [0.5, 0.7, None], [0.6, 0.5, 0.4], title="", unit_label="A", median_label="B", lang="vi"
        )
        charts.peer_scores(labels, [0.3, 0.6, 0.9], 1, title="", median=0.6, median_label="B", lang="vi")
        charts.peer_distribution(
            [0.2, 0.4, 0.5, 0.9], 0.5, title="", unit_label="A", median=0.5, median_label="B", lang="vi"
        )
        charts.trend_lines(["2023", "2024"], {"A": [0.3, 0.5], "B": [0.4, 0.4]}, title="", emphasis="A", lang="vi")
        charts.score_histogram([0.1, 0.5, 0.55, 0.9], title="", lang="vi")
    except Exception as exc:  # warming is an optimisation; the report will still work
        log.warning("warming the charts failed (%s: %s); kernels will warm them themselves", type(exc).__name__, exc)


def _become_kernel(argv: list[str], cwd: str | None, env: dict[str, str], rc: dict) -> int:  # pragma: no cover
    """In the forked child: reset per-process state, then run a new IPKernelApp until it shuts down."""
    import atexit
    import random

    die_with_parent()
    os.setsid()  # its own process group, like a kernel started by jupyter_client
    for sig in (signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.environ.clear()
    os.environ.update(env)
    # what jupyter_client's launcher sets; IPKernelApp read it when the zygote imported it, so it is
    # also passed to the app below (its parent poller ends the kernel if the zygote goes)
    os.environ["JPY_PARENT_PID"] = str(os.getppid())
    if cwd:
        os.chdir(cwd)
    # as ipykernel_launcher does: drop the working directory, which IPKernelApp adds back as ""
    if sys.path and sys.path[0] == "":
        del sys.path[0]
    random.seed()  # CPython already reseeds `random` after a fork; numpy's global generator it does not
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed()
    if "matplotlib" in sys.modules:
        import matplotlib

        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")
        dict.update(matplotlib.rcParams, rc)
    import importlib.util

    import ipykernel.kernelapp

    launcher = importlib.util.find_spec("ipykernel_launcher")
    sys.argv = [launcher.origin if launcher else "ipykernel_launcher", *argv]
    app = ipykernel.kernelapp.IPKernelApp.instance(parent_handle=os.getppid())
    app.initialize(argv)
    if "matplotlib" in sys.modules:  # the backend a plain kernel would pick from its environment
        sys.modules["matplotlib"].rcParams["backend"] = os.environ.get("MPLBACKEND", rc.get("backend", "agg"))
    app.start()
    atexit._run_exitfuncs()
    return 0
