"""Rendering one report in a worker process: a fresh kernel, papermill, the HTML export, atomic moves.

The driver (:mod:`dxnb.batch`) starts worker processes with :func:`init_worker` and sends them jobs
with :func:`render`. A worker's state (its spare, pre-started kernel and the batch's scratch folder)
is one :class:`Worker` object made by the initialiser and closed when the process exits.

Every kernel's sockets and connection file live in a folder of its own under the batch's scratch
folder (which the driver removes at the end, and sweeps at the next start after a crash).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from .fileio import atomic_write_text
from .i18n import t
from .jobs import Job, Outcome

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
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    if pid == "self":
        import resource

        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return 0


class Kernel:
    """A fresh kernel on IPC transport, for exactly one report; optionally already importing dxnb."""

    def __init__(self, scratch: str | None, preload: bool):
        from jupyter_client.manager import KernelManager

        self.ipc_dir = tempfile.mkdtemp(prefix="k-", dir=scratch)
        self.km = KernelManager(
            kernel_name=KERNEL,
            transport="ipc",
            ip=os.path.join(self.ipc_dir, "k"),
            connection_file=os.path.join(self.ipc_dir, "kernel.json"),
        )
        self.client = None
        if preload:
            # Started ahead of its report, so that the kernel's start-up and the imports of the
            # report's first cell overlap the previous report. The import is silent (no execution
            # count, no history): the notebook then runs in this kernel from its first cell as in a
            # kernel started for it, and the kernel serves no other report.
            self.km.start_kernel(extra_arguments=KERNEL_ARGUMENTS)
            self.client = self.km.client()
            self.client.start_channels()
            self.client.execute(PRELOAD, silent=True, store_history=False)

    def take(self):
        """The kernel manager, for papermill; None when a pre-started kernel died meanwhile."""
        if self.client is not None:
            self.client.stop_channels()
            self.client = None
            if not self.km.is_alive():
                self.close()
                return None
        return self.km

    def close(self) -> int:
        """Shut the kernel down and remove its folder; return its peak resident memory in KiB."""
        peak = 0
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.stop_channels()
            self.client = None
        pid = getattr(getattr(self.km, "provisioner", None), "pid", None)
        if pid:
            peak = peak_kb(pid)
        if self.km.has_kernel:
            with contextlib.suppress(Exception):
                self.km.shutdown_kernel(now=True)
        shutil.rmtree(self.ipc_dir, ignore_errors=True)
        return peak


class Worker:
    """The state of one worker process: its scratch folder, its spare kernel, its last kernel's memory."""

    def __init__(self, scratch: str | None = None, prestart: bool = False):
        self.scratch = scratch
        self.spare: list[Kernel] = []
        self.last_kernel_kb = 0
        if prestart:
            self.spare.append(Kernel(scratch, preload=True))

    def next_kernel(self, prestart: bool) -> Kernel:
        """This report's kernel (the spare started during the previous report, if any); start the next spare."""
        kernel = None
        while self.spare and kernel is None:
            candidate = self.spare.pop()
            if candidate.take() is not None:
                kernel = candidate
        if kernel is None:
            kernel = Kernel(self.scratch, preload=False)
        if prestart:
            self.spare.append(Kernel(self.scratch, preload=True))
        return kernel

    def close(self) -> None:
        """Shut down the spare kernels."""
        while self.spare:
            self.spare.pop().close()

    def render(self, job: Job, prestart: bool = False) -> Outcome:
        """Execute one report notebook and export it (see :func:`render`)."""
        outcome = self._render(job, time.perf_counter(), prestart)
        outcome.peak_rss_kb = peak_kb() + self.last_kernel_kb
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
            return Outcome(job.code, job.period, "ok", time.perf_counter() - start)
        finally:
            self.last_kernel_kb = kernel.close()  # we own the kernel manager, so nbclient leaves the kernel to us
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


class _Process:
    """The one :class:`Worker` of this process, made by :func:`init_worker` (a holder, not a global variable)."""

    worker: Worker | None = None


def init_worker(scratch: str | None = None) -> None:
    """Initialise a worker process: quiet kernels under ``scratch``, papermill imported once, a first kernel."""
    os.environ.update(KERNEL_ENV)
    if scratch:
        os.environ["JUPYTER_RUNTIME_DIR"] = scratch  # anything a kernel leaves goes to the batch's folder
    logging.getLogger("papermill").setLevel(logging.WARNING)
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    # nbformat imports jsonschema, which builds an IRI grammar with lark when rfc3987-syntax is
    # installed (~0.8 s per process) for an "iri" format check that nbformat never asks for.
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    worker = Worker(scratch, prestart=prestart_enabled())  # the first kernel starts while papermill imports
    _Process.worker = worker
    atexit.register(worker.close)
    import papermill  # noqa: F401  - paid once per worker, not per report

    from . import export  # noqa: F401


def render(job: Job, prestart: bool = False) -> Outcome:
    """Execute one report notebook and export it; runs in a worker process.

    The executed notebook goes to a temporary file next to its destination and is moved into place
    only when complete; on failure it is kept as ``.failed.ipynb`` and the previous report stays.
    Each report runs in its own fresh kernel, shut down afterwards. With ``prestart`` (more reports
    are queued), the next report's kernel is started now, while this one runs.
    ``peak_rss_kb`` is the peak resident memory of this worker plus that of the report's kernel.
    """
    if _Process.worker is None:  # called outside a pool (a test, a debugger): a worker of its own
        init_worker()
    return _Process.worker.render(job, prestart)
