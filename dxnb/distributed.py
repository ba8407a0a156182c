"""Rendering a batch's reports on a Dask distributed cluster (``dxnb reports --scheduler tcp://HOST:8786``).

The driver (:mod:`dxnb.batch`) plans, keeps the manifests and writes every file, as with the local
pool; only the per-report render moves: each report is one Dask task running
:meth:`dxnb.worker.Worker.render` in a fresh kernel on a Dask worker (started with
``dask worker tcp://HOST:8786 --nthreads 1``: one report at a time per worker process, like a pool
worker). The task returns the HTML and the executed notebook, which the driver writes atomically.

- **No shared file system needed.** The dataset's files are zipped once and scattered to every
  worker (``broadcast``), which unpacks them into a folder of its temporary directory keyed by the
  dataset's fingerprint, checks them against the driver's SHA-256 digests and validates them once;
  the kernels then trust those digests (:func:`dxnb.datacache.trusted_hashes`). With
  ``shared_data`` the workers read the driver's dataset path instead (an NFS mount, say).
- **Same pages.** A shipped dataset's local folder is replaced by the driver's path in the HTML and
  the notebook, so a page is the one the local pool writes.
- **A crash is a failure, not a loop.** Tasks are submitted with ``retries=0``; a report whose
  kernel dies is a failed notebook, and a report whose Dask worker dies is marked failed when the
  scheduler gives up on it (``KilledWorker``).
- **Same code everywhere.** Before any task, every worker's :func:`dxnb.version.package_fingerprint`
  (code, templates, catalogues) must equal the driver's; otherwise the batch is refused, naming the
  workers that differ.

Dask's protocol has no authentication of its own: use TLS (``--scheduler tls://…`` with a Dask
security configuration) or an SSH tunnel, as the README explains. Dask is an optional extra:
``pip install 'dxnb[dask]'``.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import shutil
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar

from . import datacache
from .dataset import Dataset
from .errors import DxnbError
from .fileio import atomic_write_bytes, atomic_write_text
from .i18n import t
from .jobs import Job, Outcome
from .version import __version__, package_fingerprint

log = logging.getLogger(__name__)

#: The name of the worker plugin that holds each Dask worker's :class:`dxnb.worker.Worker`.
PLUGIN_NAME = "dxnb-worker"
#: How long the driver waits for the scheduler and for its first worker.
CONNECT_TIMEOUT_S = 30.0
#: Unpacked datasets on a worker: ``<tmp>/dxnb-data-<uid>/<fingerprint>/``; the newest few are kept.
DATA_KEEP = 4


class DistributedError(DxnbError):
    """The Dask cluster cannot run this batch (unreachable, no workers, another dxnb version)."""


@dataclass
class Rendered:
    """What a task sends back: the outcome and the files the driver writes."""

    outcome: Outcome
    html: bytes | None = None
    notebook: bytes | None = None
    failed_notebook: bytes | None = None


# ---------------------------------------------------------------------------- worker side


def worker_versions(fingerprint: str | None = None) -> dict:
    """What a process runs: called on each worker by :meth:`Cluster.check_versions`, and for the driver itself."""
    import sys

    python = f"{sys.version_info[0]}.{sys.version_info[1]}"
    return {"dxnb": __version__, "fingerprint": fingerprint or package_fingerprint(), "python": python}


try:  # an optional extra: the driver refuses --scheduler without it (see Cluster)
    from distributed.diagnostics.plugin import WorkerPlugin as _WorkerPlugin
except ImportError:  # pragma: no cover - without dask
    _WorkerPlugin = object


class _Holder:
    """The dxnb worker of this Dask worker process (made by the plugin, used by the tasks)."""

    worker = None
    scratch: str | None = None
    #: Each shipped dataset's local folder and the kernels' trust token, by fingerprint and name: made by the
    #: first task that receives it (unpacked, checked, validated, hashed), reused by the next ones.
    datasets: ClassVar[dict[tuple[str, str], tuple[Path, str | None]]] = {}


def _setup(kernel: str | None) -> None:
    """Start this process's dxnb worker (and its zygote), from the Dask worker's main thread."""
    from .worker import Worker, init_worker

    _teardown()
    root = Path(tempfile.gettempdir()) / f"dxnb-{os.getuid() if hasattr(os, 'getuid') else 'user'}"
    root.mkdir(parents=True, exist_ok=True)
    _Holder.scratch = tempfile.mkdtemp(prefix="d-", dir=root)  # short: kernels' sockets live below it
    os.environ["DXNB_PRESTART"] = "0"  # init_worker's first kernel would block the worker's event loop
    init_worker(_Holder.scratch, None, kernel)
    from . import worker as worker_module

    _Holder.worker = worker_module._Process.worker
    assert isinstance(_Holder.worker, Worker)


def _teardown() -> None:
    _Holder.datasets.clear()
    if _Holder.worker is not None:
        with contextlib.suppress(Exception):
            _Holder.worker.close()
        _Holder.worker = None
    if _Holder.scratch:
        shutil.rmtree(_Holder.scratch, ignore_errors=True)
        _Holder.scratch = None


class DxnbWorkerPlugin(_WorkerPlugin):
    """A Dask worker plugin that gives each worker process one dxnb worker (its zygote included).

    ``setup`` runs on the Dask worker's event loop, in its main thread, which the zygote needs (it
    dies with the thread that started it); ``teardown`` ends the zygote and its kernels.
    """

    name = PLUGIN_NAME

    def __init__(self, kernel: str | None = None):
        self.kernel = kernel

    def setup(self, worker) -> None:
        """Start this worker process's dxnb worker."""
        _setup(self.kernel)

    def teardown(self, worker) -> None:
        """End it: spare kernels, zygote, scratch folder."""
        _teardown()


def _data_root() -> Path:
    return Path(tempfile.gettempdir()) / f"dxnb-data-{os.getuid() if hasattr(os, 'getuid') else 'user'}"


def unpack_dataset(fingerprint: str, hashes: dict[str, str], payload: bytes, name: str = "data") -> Path:
    """The local folder of a shipped dataset: unpacked once per worker machine, checked, validated once.

    The files go to a temporary folder, are checked against the driver's digests, made look older
    than :data:`dxnb.datacache.TRUST_MIN_AGE_S` and renamed into place, so a folder that exists is
    complete. Validation (once, here) fills the worker's dataset cache for its kernels.
    """
    from .dataset import load_dataset

    root = _data_root() / fingerprint
    folder = root / (Path(name).name or "data")  # the driver's folder name: reports show it
    if not folder.is_dir():
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
        try:
            past = time.time_ns() - 60 * 10**9
            with zipfile.ZipFile(io.BytesIO(payload)) as archive:
                for file in hashes:  # every file the driver validated: optional ones and frameworks too
                    raw = archive.read(file)
                    if hashlib.sha256(raw).hexdigest() != hashes[file]:
                        raise DistributedError(t("dist_damaged", file=file))
                    target = tmp / file
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(raw)
                    os.utime(target, ns=(past, past))
            try:
                os.rename(tmp, folder)
            except OSError:  # another worker of this machine was first
                shutil.rmtree(tmp, ignore_errors=True)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        _prune_data(_data_root())
    with contextlib.suppress(OSError):
        os.utime(folder)
    load_dataset(folder)  # validated once per worker (a cache hit after the first)
    return folder


def _prune_data(root: Path) -> None:
    entries = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")), key=os.path.getmtime)
    for path in entries[:-DATA_KEEP]:
        shutil.rmtree(path, ignore_errors=True)


def render_task(job: Job, data: dict, prestart: bool) -> Rendered:
    """Render one report on this Dask worker; return its outcome, HTML and notebook (runs on the worker).

    ``data`` says where the dataset is: ``{"shared": True, "trust": token}`` for the driver's own
    path, or ``{"fingerprint", "hashes", "payload"}`` for a shipped copy.
    """
    if _Holder.worker is None:  # no plugin (a worker that joined later registers it; this is a fallback)
        _setup(None)
    if data.get("shared"):
        local, trust = Path(job.data_dir), data.get("trust")
    else:
        local, trust = local_copy(data)
    if trust:
        os.environ[datacache.TRUST_VARIABLE] = trust
    else:
        os.environ.pop(datacache.TRUST_VARIABLE, None)
    out = Path(tempfile.mkdtemp(prefix="r-", dir=_Holder.scratch))
    try:
        here = replace(
            job,
            data_dir=str(local),
            html_path=str(out / "report.html"),
            nb_path=str(out / "report.ipynb"),
            failed_path=str(out / "report.failed.ipynb"),
        )
        outcome = _Holder.worker.render(here, prestart)

        def read(path: str) -> bytes | None:
            try:
                raw = Path(path).read_bytes()
            except FileNotFoundError:
                return None
            return _as_driver(raw, str(local), job.data_dir, data.get("shown", job.data_dir))

        return Rendered(outcome, read(here.html_path), read(here.nb_path), read(here.failed_path))
    finally:
        shutil.rmtree(out, ignore_errors=True)


def local_copy(data: dict) -> tuple[Path, str | None]:
    """This worker's copy of a shipped dataset and the token its kernels trust (see :func:`render_task`).

    The first task that receives a dataset unpacks, checks and validates it (:func:`unpack_dataset`) and hashes
    its files for the token; the next ones reuse both while the folder stands (reading and hashing the national
    dataset's 21 MB took 0.09 CPU-s per report). The kernels still compare each file's size and modification time
    with the token, and read and hash again whatever changed.
    """
    key = (data["fingerprint"], data.get("name", "data"))
    known = _Holder.datasets.get(key)
    if known is not None and known[1] is not None and known[0].is_dir():
        with contextlib.suppress(OSError):
            os.utime(known[0])  # in use: the last to be pruned
        return known
    local = unpack_dataset(data["fingerprint"], data["hashes"], data["payload"], data.get("name", "data"))
    trust = datacache.trust_token(local, list(data["hashes"]), data["hashes"])
    _Holder.datasets[key] = (local, trust)
    return local, trust


def _as_driver(raw: bytes, local: str, data_dir: str, shown: str) -> bytes:
    """A page or notebook made from the local copy ``local``, naming the driver's dataset as the local pool does.

    The parameter (in single, double or JSON-escaped double quotes) becomes the driver's ``data_dir``; the
    files' paths become the driver's shown path (relative to the project when inside it).
    """
    if local == data_dir:
        return raw
    for quote in ("'", '"', '\\"'):
        raw = raw.replace(f"{quote}{local}{quote}".encode(), f"{quote}{data_dir}{quote}".encode())
    return raw.replace(local.encode(), shown.encode())


# ---------------------------------------------------------------------------- driver side


def dataset_payload(ds: Dataset) -> bytes:
    """The dataset's files as one zip (compressed), after checking that they still have the loaded content."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name in ds.hashes:  # every file validated: the required ones, optional ones, frameworks
            raw = (ds.path / name).read_bytes()
            if hashlib.sha256(raw).hexdigest() != ds.hashes.get(name):
                raise DistributedError(t("dist_changed", path=ds.path / name))
            archive.writestr(name, raw)
    return buffer.getvalue()


class Cluster:
    """Reports rendered by the workers of a Dask scheduler (the runner of :func:`dxnb.batch.run_batch`)."""

    def __init__(self, address: str, ds: Dataset, *, shared_data: bool = False, kernel: str | None = None):
        """Connect to the scheduler at ``address``; raise :class:`DistributedError` when that is impossible."""
        try:
            import distributed
        except ImportError:
            raise DistributedError(t("dist_no_package")) from None
        self._distributed = distributed
        self.address, self.ds, self.shared_data, self.kernel = address, ds, shared_data, kernel
        try:
            self.client = distributed.Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
            raise DistributedError(t("dist_unreachable", address=address, error=error)) from None
        try:
            self.client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
        except (TimeoutError, OSError):
            self.close()
            raise DistributedError(t("dist_no_workers", address=address)) from None
        try:
            self.check_versions()
            self.client.register_plugin(DxnbWorkerPlugin(kernel), name=PLUGIN_NAME)
        except BaseException:
            self.close()
            raise

    def check_versions(self) -> dict[str, dict]:
        """Refuse workers whose dxnb (code, templates, catalogues) differs from the driver's; return each's."""
        try:
            found = self.client.run(worker_versions)
        except Exception as exc:  # a worker without dxnb
            raise DistributedError(t("dist_no_version", error=f"{type(exc).__name__}: {exc}")) from None
        ours = worker_versions(local_fingerprint())
        wrong = {w: v for w, v in found.items() if v.get("fingerprint") != ours["fingerprint"]}
        if wrong:
            listed = "; ".join(
                t("dist_worker_version", worker=w, version=v.get("dxnb"), code=str(v.get("fingerprint"))[:12])
                for w, v in sorted(wrong.items())
            )
            raise DistributedError(
                t(
                    "dist_wrong_versions",
                    n=len(wrong),
                    total=len(found),
                    version=ours["dxnb"],
                    code=ours["fingerprint"][:12],
                    workers=listed,
                )
            )
        return found

    def workers(self, todo: int) -> int:
        """How many reports render at once: the cluster's worker threads (at most ``todo``)."""
        info = self.client.scheduler_info(n_workers=-1).get("workers", {})
        threads = sum(int(w.get("nthreads", 1)) for w in info.values()) or 1
        return max(1, min(threads, todo or 1))

    def _data(self) -> dict | object:
        if self.shared_data:
            return {"shared": True, "trust": datacache.trust_token(self.ds.path, list(self.ds.hashes), self.ds.hashes)}
        from .pages import shown_path

        data = {
            "fingerprint": self.ds.fingerprint,
            "hashes": dict(self.ds.hashes),
            "payload": dataset_payload(self.ds),
            "shown": shown_path(self.ds.path),
            "name": Path(self.ds.path).name,
        }
        return self.client.scatter(data, broadcast=True, hash=False)  # once per worker, not per task

    def execute(self, todo: list[Job], scratch: Path) -> Iterator[tuple[Job, Outcome]]:
        """Yield (job, outcome) as reports finish on the cluster; the driver writes their files here."""
        del scratch  # the workers have their own
        if not todo:
            return
        workers = self.workers(len(todo))
        data = self._data()
        futures = {}
        for i, job in enumerate(todo):
            future = self.client.submit(
                render_task,
                job,
                data,
                i < len(todo) - workers,
                key=f"dxnb-report-{job.period}-{job.code}-{os.urandom(4).hex()}",
                retries=0,
                pure=False,
            )
            futures[future] = job
        try:
            for future in self._distributed.as_completed(list(futures), loop=self.client.loop):
                job = futures[future]
                yield job, self._collect(job, future)
        except BaseException:
            self.client.cancel(list(futures))
            raise
        finally:
            self.close()

    def _collect(self, job: Job, future) -> Outcome:
        from .worker import error_line

        try:
            rendered: Rendered = future.result()
        except self._distributed.KilledWorker:
            return Outcome(job.code, job.period, "failed", 0.0, "KilledWorker: the Dask worker rendering it died")
        except Exception as exc:  # the task raised on the worker
            return Outcome(job.code, job.period, "failed", 0.0, error_line(exc))
        outcome = rendered.outcome
        Path(job.nb_path).parent.mkdir(parents=True, exist_ok=True)
        if outcome.status == "ok" and rendered.html is not None and rendered.notebook is not None:
            atomic_write_text(job.html_path, rendered.html.decode("utf-8"))
            atomic_write_bytes(job.nb_path, rendered.notebook)
            with contextlib.suppress(FileNotFoundError):
                Path(job.failed_path).unlink()
        elif outcome.status == "ok":
            outcome = replace(outcome, status="failed", error=t("dist_no_page"))
        elif rendered.failed_notebook is not None:
            atomic_write_bytes(job.failed_path, rendered.failed_notebook)
        return outcome

    def close(self) -> None:
        """Disconnect from the scheduler (the workers keep their zygotes for the next batch)."""
        with contextlib.suppress(Exception):
            self.client.close()


def local_fingerprint() -> str:
    """The driver's code fingerprint, which every worker must share."""
    return package_fingerprint()
