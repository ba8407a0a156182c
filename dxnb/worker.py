"""Rendering one report in a worker process: a fresh kernel, papermill, the HTML export, atomic moves.

The driver (:mod:`dxnb.batch`) starts worker processes with :func:`init_worker` and sends them jobs
with :func:`render`. A worker's state (its spare, pre-started kernel and the batch's scratch folder)
is one :class:`Worker` object made by the initialiser and closed when the process exits.

Kernels are forked from a warm parent (:class:`dxnb.zygote.Zygote`, one per worker, started by the
initialiser from the worker's main thread) through :func:`dxnb.provisioner.make_kernel_manager`; each
still serves exactly one report. Where fork is unavailable (macOS, Windows), when ``DXNB_KERNEL=plain``
or when the zygote has died, kernels start plainly, with the same results. Memory is the
proportional set size (PSS) of the worker plus that of the report's kernel, measured as it ends, so
the zygote's pages shared by its kernels are not counted once per kernel.

Every kernel's sockets and connection file live in a folder of its own under the batch's scratch
folder (which the driver removes at the end, and sweeps at the next start after a crash).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
from multiprocessing.util import Finalize
from pathlib import Path

from .fileio import atomic_write_text
from .i18n import t
from .jobs import Job, Outcome
from .zygote import Zygote, ZygoteError, fork_supported, proc_kb, pss_kb

log = logging.getLogger(__name__)

KERNEL = "python3"
#: Environment for kernels: quiet, and no GUI backend.
KERNEL_ENV = {
    "MPLBACKEND": "Agg",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    "JUPYTER_PLATFORM_DIRS": "1",
    "PYTHONWARNINGS": "ignore",
}
#: What a pre-started kernel imports while it waits (the report notebook's first import).
PRELOAD = "import dxnb.report"
#: The arguments nbclient gives the kernels it starts.
KERNEL_ARGUMENTS = ["--HistoryManager.hist_file=:memory:"]
#: Temporary names of executed notebooks: ``.<stem>.<random>.tmp.ipynb`` next to their destination.
TMP_SUFFIX = ".tmp.ipynb"
#: How kernels start: ``fork`` (from the worker's zygote) or ``plain`` (``python -m ipykernel_launcher``).
KERNEL_MODES = ("fork", "plain")
KERNEL_MODE_VARIABLE = "DXNB_KERNEL"


def kernel_mode() -> str:
    """``fork`` where supported unless ``DXNB_KERNEL=plain``; ``plain`` elsewhere.

    An unknown value of ``DXNB_KERNEL`` is logged and ignored (the default applies).
    """
    wanted = os.environ.get(KERNEL_MODE_VARIABLE, "").strip().lower()
    if wanted and wanted not in KERNEL_MODES:
        log.warning("%s=%s is neither fork nor plain; using the default", KERNEL_MODE_VARIABLE, wanted)
        wanted = ""
    if wanted == "plain" or not fork_supported():
        return "plain"
    return "fork"


def prestart_enabled() -> bool:
    """Whether workers start the next report's kernel ahead of it (``DXNB_PRESTART=0`` turns it off)."""
    return os.environ.get("DXNB_PRESTART", "1") == "1"


def error_line(exc: BaseException) -> str:
    """One line for a failure: the notebook's exception name and the first line of its message."""
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = str(getattr(exc, "evalue", exc)).strip().splitlines()
    return f"{ename}: {evalue[0] if evalue else ''}".strip()


def peak_kb(pid: int | str = "self") -> int:
    """Peak resident memory of a process in KiB (``VmHWM``; 0 when unknown).

    Not ``ru_maxrss``: it carries over the parent's size across fork and exec, so a worker spawned
    by a driver that had validated a large dataset would report the driver's memory.
    """
    peak = proc_kb(pid, "status", "VmHWM")
    if peak:
        return peak
    if pid == "self":
        import resource

        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return 0


_ASYNC_CLIENT: list[type] = []


def async_client_class() -> type:
    """An asynchronous kernel client for nbclient, without jupyter_client's fixed 0.2 s wait when ready.

    nbclient runs its kernel-alive check on the event loop that reads the kernel's messages; with a
    blocking client, a read without timeout holds that loop, so a kernel that dies mid-cell (killed,
    out of memory) would hang the report forever. With this client the death is seen within a second
    and the report fails. Its ``wait_for_ready`` waits for the ``idle`` status of its own ``kernel_info``
    request: :func:`dxnb.provisioner.wait_until_ready`, as :class:`~dxnb.provisioner.QuickReadyClient` does.
    """
    if _ASYNC_CLIENT:
        return _ASYNC_CLIENT[0]
    from jupyter_client.asynchronous import AsyncKernelClient

    from .provisioner import wait_until_ready

    class AsyncQuickReadyClient(AsyncKernelClient):
        wait_for_ready = wait_until_ready

    _ASYNC_CLIENT.append(AsyncQuickReadyClient)
    return AsyncQuickReadyClient


class Kernel:
    """A fresh kernel on IPC transport, for exactly one report; optionally already importing dxnb.

    With a ``zygote`` the kernel is forked from it (:mod:`dxnb.provisioner`); without one, or when
    the zygote cannot fork (it died), it is started plainly.
    """

    def __init__(self, scratch: str | None, preload: bool, zygote: Zygote | None = None):
        self.ipc_dir = tempfile.mkdtemp(prefix="k-", dir=scratch)
        self.zygote = zygote
        self.km = self._manager(zygote)
        self.client = None
        if preload:
            # Started ahead of its report, so that the kernel's start-up and the imports of the
            # report's first cell overlap the previous report. The import is silent (no execution
            # count, no history): the notebook then runs in this kernel from its first cell as in a
            # kernel started for it, and the kernel serves no other report.
            self.start()
            self.client = self.km.client()
            # The shell channel only: a heartbeat thread that starts as the client stops (a report that takes
            # the kernel at once) fails to make its socket in the destroyed context and says so on stderr.
            self.client.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
            self.client.execute(PRELOAD, silent=True, store_history=False)

    def _manager(self, zygote: Zygote | None):
        from .provisioner import make_kernel_manager

        return make_kernel_manager(
            zygote,
            kernel_name=KERNEL,
            transport="ipc",
            ip=os.path.join(self.ipc_dir, "k"),
            connection_file=os.path.join(self.ipc_dir, "kernel.json"),
        )

    @property
    def forked(self) -> bool:
        """Whether this kernel is forked from a zygote."""
        return getattr(self.km, "zygote", None) is not None

    def start(self) -> None:
        """Start the kernel; a zygote that cannot fork (it died) gives way to a plain kernel, with a warning."""
        try:
            self.km.start_kernel(extra_arguments=KERNEL_ARGUMENTS)
        except ZygoteError as exc:
            log.warning("the zygote could not fork this report's kernel (%s); it starts plainly", exc)
            with contextlib.suppress(Exception):
                self.km.cleanup_resources()
            self.km = self._manager(None)
            self.km.start_kernel(extra_arguments=KERNEL_ARGUMENTS)

    def take(self):
        """The kernel manager, for papermill, with its kernel started; None when a pre-started kernel died meanwhile."""
        if self.client is not None:
            self.client.stop_channels()
            self.client = None
            if not self.km.is_alive():
                self.close()
                return None
        if not self.km.has_kernel:
            self.start()
        return self.km

    def memory_kb(self) -> int:
        """The kernel's memory now, in KiB: its PSS (0 once it has ended or when unknown)."""
        pid = getattr(getattr(self.km, "provisioner", None), "pid", None)
        return pss_kb(pid) if pid else 0

    def close(self) -> int:
        """Shut the kernel down and remove its folder; return its memory (PSS, KiB) just before the end."""
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.stop_channels()
            self.client = None
        memory = self.memory_kb()
        if self.km.has_kernel:
            with contextlib.suppress(Exception):
                self.km.shutdown_kernel(now=True)
        self.km.close_clients()  # nbclient's client too: it leaves a manager it was given to its owner
        shutil.rmtree(self.ipc_dir, ignore_errors=True)
        return memory


class Worker:
    """The state of one worker process: its scratch folder, zygote, spare kernel, its last kernel's memory."""

    def __init__(self, scratch: str | None = None, prestart: bool = False, mode: str | None = None):
        self.scratch = scratch
        self.spare: list[Kernel] = []
        self.last_kernel_kb = 0
        self.pdf = None  # this worker's PdfRenderer (one browser), started by its first PDF
        self.mode = mode or kernel_mode()
        self.zygote: Zygote | None = None
        if self.mode == "fork":
            try:
                self.zygote = Zygote()  # warms up while papermill imports; the first fork waits for it
            except (OSError, ZygoteError) as exc:
                log.warning("no zygote (%s); kernels start plainly", exc)
                self.mode = "plain"
        # Before the zygote's own finaliser (priority 10): the kernels end first, then the zygote.
        self._finalizer = Finalize(self, Worker._close_all, args=(self.spare,), exitpriority=20)
        if prestart:
            self.spare.append(Kernel(scratch, preload=True, zygote=self.zygote))

    def next_kernel(self, prestart: bool) -> Kernel:
        """This report's kernel (the spare started during the previous report, if any); start the next spare."""
        kernel = None
        while self.spare and kernel is None:
            candidate = self.spare.pop()
            if candidate.take() is not None:
                kernel = candidate
        if kernel is None:
            kernel = Kernel(self.scratch, preload=False, zygote=self.zygote)  # started by the caller
        if prestart:
            self.spare.append(Kernel(self.scratch, preload=True, zygote=self.zygote))
        return kernel

    @staticmethod
    def _close_all(spare: list[Kernel]) -> None:
        while spare:
            with contextlib.suppress(Exception):
                spare.pop().close()

    def close(self) -> None:
        """Shut down the spare kernels, the PDF browser, then the zygote (safe twice; the pool's finaliser runs it)."""
        self._finalizer()
        if self.pdf is not None:
            with contextlib.suppress(Exception):
                self.pdf.close()
            self.pdf = None
        if self.zygote is not None:
            self.zygote.close()

    def print_pdf(self, job: Job) -> None:
        """Print the report of ``job`` to its PDF with this worker's browser (started on first use).

        Raises:
            DxnbError: no PDF engine, or the browser fails on the page.
        """
        if self.pdf is None:
            from .pdf import PdfRenderer

            self.pdf = PdfRenderer().__enter__()
        self.pdf.render(job.html_path, job.pdf_path, title=job.title, lang=job.lang)

    def render(self, job: Job, prestart: bool = False) -> Outcome:
        """Execute one report notebook and export it (see :func:`render`)."""
        outcome = self._render(job, time.perf_counter(), prestart)
        outcome.peak_rss_kb = (pss_kb() or peak_kb()) + self.last_kernel_kb
        return outcome

    def _render(self, job: Job, start: float, prestart: bool) -> Outcome:
        import papermill as pm

        from .export import notebook_to_html

        nb_path, html_path, failed_path = Path(job.nb_path), Path(job.html_path), Path(job.failed_path)
        nb_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{nb_path.stem}.", suffix=TMP_SUFFIX, dir=nb_path.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        kernel = self.next_kernel(prestart)
        try:
            try:
                if not kernel.km.has_kernel:
                    kernel.start()
                kernel.km.client_factory = async_client_class()  # nbclient's client (see there)
                nb = pm.execute_notebook(
                    job.notebook,
                    str(tmp),
                    parameters=job.parameters,
                    kernel_name=KERNEL,
                    progress_bar=False,
                    log_output=False,
                    km=kernel.km,
                    cwd=None,
                    request_save_on_cell_execute=False,
                )
            except Exception as exc:  # the notebook failed: keep its output as the log of what went wrong
                if tmp.exists() and tmp.stat().st_size:
                    os.replace(tmp, failed_path)
                return Outcome(job.code, job.period, "failed", time.perf_counter() - start, error_line(exc))
            html = notebook_to_html(
                nb,
                title=job.title,
                lang=job.lang,
                back="index.html",
                back_label=t("worker_back_label", job.lang),
            )
            atomic_write_text(html_path, html)
            os.replace(tmp, nb_path)
            with contextlib.suppress(FileNotFoundError):
                failed_path.unlink()
            error = self._pdf(job)
            if error:
                return Outcome(job.code, job.period, "failed", time.perf_counter() - start, error)
            return Outcome(job.code, job.period, "ok", time.perf_counter() - start)
        finally:
            self.last_kernel_kb = kernel.close()  # we own the kernel manager, so nbclient leaves the kernel to us
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    def _pdf(self, job: Job) -> str:
        """Make the PDF of a rendered report, or remove a stale one; the error line, "" when none."""
        from .errors import DxnbError

        if not job.pdf:
            with contextlib.suppress(FileNotFoundError):
                Path(job.pdf_path).unlink()  # it was printed from the previous HTML
            return ""
        try:
            self.print_pdf(job)
        except DxnbError as exc:
            with contextlib.suppress(FileNotFoundError):
                Path(job.pdf_path).unlink()
            return f"PDF: {str(exc).splitlines()[0]}"
        return ""


class _Process:
    """The one :class:`Worker` of this process, made by :func:`init_worker` (a holder, not a global variable)."""

    worker: Worker | None = None


def init_worker(
    scratch: str | None = None,
    trust: str | None = None,
    kernel: str | None = None,
    driver: int | None = None,
    env: dict[str, str] | None = None,
) -> None:
    """Initialise a worker process: quiet kernels under ``scratch``, papermill imported once, a first kernel.

    Args:
        scratch: The batch's scratch folder (kernels' sockets and runtime files).
        trust: The driver's :func:`dxnb.datacache.trust_token`, passed on to the kernels.
        kernel: ``fork`` or ``plain`` (default :func:`kernel_mode`).
        driver: The pid of the batch's driver: on Linux the worker then ends with it, however it ends (even
            ``SIGKILL``), and its zygote and kernels with the worker. The driver is the worker's parent when
            it was spawned, and the fork server's client when it was forked from it (:mod:`dxnb.pool_start`).
        env: The driver's environment, which the worker takes (a worker forked from the fork server
            starts with the server's).
    """
    from .datacache import TRUST_VARIABLE

    watch = None
    if driver is not None and sys.platform.startswith("linux"):
        if os.getppid() == driver:  # spawned by it
            from .zygote_process import die_with_parent

            die_with_parent()
            if os.getppid() != driver:  # the driver ended before prctl took effect
                os._exit(1)
        else:  # forked from the fork server: watched, once the zygote is forked (no thread before that)
            try:
                watch = (driver, os.pidfd_open(driver))
            except ProcessLookupError:  # the driver has ended already
                os._exit(1)
            except OSError:  # no process descriptors here: polled instead
                watch = (driver, None)
    if env is not None:
        os.environ.clear()
        os.environ.update(env)
    os.environ.update(KERNEL_ENV)
    if trust:
        os.environ[TRUST_VARIABLE] = trust
    if kernel:
        os.environ[KERNEL_MODE_VARIABLE] = kernel
    if scratch:
        os.environ["JUPYTER_RUNTIME_DIR"] = scratch  # anything a kernel leaves goes to the batch's folder
    logging.getLogger("papermill").setLevel(logging.WARNING)
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    skip_unused_imports()
    # From the main thread, after KERNEL_ENV: the zygote dies with the thread that started it, and
    # forks its kernels with this environment. The first kernel starts while papermill imports.
    worker = Worker(scratch, prestart=prestart_enabled())
    _Process.worker = worker
    # Pool workers end with os._exit, so atexit never runs there; multiprocessing's finalisers do.
    Finalize(worker, worker.close, exitpriority=30)
    if watch is not None:
        threading.Thread(target=_end_with_driver, args=watch, name="dxnb-driver-watch", daemon=True).start()
    import papermill  # noqa: F401  - paid once per worker, not per report (done already when forked warm)

    from . import export  # noqa: F401


def skip_unused_imports() -> None:
    """Keep this worker process from importing what papermill pulls in and never uses.

    nbformat imports jsonschema, which builds an IRI grammar with lark when rfc3987-syntax is installed
    (~0.8 s per process, more on a busy machine) for an "iri" format check that nbformat never asks for.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def _end_with_driver(driver: int, pidfd: int | None) -> None:
    """Wait for the driver to end, then end this worker at once (its zygote and kernels die with it)."""
    import select
    import signal

    if pidfd is not None:
        select.select([pidfd], [], [])
    else:
        with contextlib.suppress(ProcessLookupError):
            while True:
                time.sleep(0.5)
                os.kill(driver, 0)
    os.kill(os.getpid(), signal.SIGKILL)


def render(job: Job, prestart: bool = False) -> Outcome:
    """Execute one report notebook and export it; runs in a worker process.

    The executed notebook goes to a temporary file next to its destination and is moved into place
    only when complete; on failure it is kept as ``.failed.ipynb`` and the previous report stays.
    Each report runs in its own fresh kernel, shut down afterwards. With ``prestart`` (more reports
    are queued), the next report's kernel is started now, while this one runs.
    ``peak_rss_kb`` is the memory (PSS) of this worker plus that of the report's kernel as it ended.
    """
    if _Process.worker is None:  # called outside a pool (a test, a debugger): a worker of its own
        init_worker()
    return _Process.worker.render(job, prestart)
