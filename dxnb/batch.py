"""Batch rendering: every selected unit and period, in parallel, cached, written atomically.

``dxnb reports`` (see :mod:`dxnb.cli`) calls :func:`run_batch`. It plans the jobs (:mod:`dxnb.jobs`),
runs ``notebooks/commune_report.ipynb`` once per unit and period in worker processes
(:mod:`dxnb.worker`: a fresh kernel per report, exported to one offline HTML file), and writes
``<out>/<period>/``:

- ``<code>-<slug>.html``: the report; replaced only by a complete new one;
- ``notebooks/<code>-<slug>.ipynb``: the executed notebook, for audit (``.failed.ipynb`` on failure);
- ``manifest.json``: each unit's status, duration, cache key and input hashes;
- ``index.html``: the district overview; and ``<out>/index.html`` lists the periods.

Reports render in a local pool of worker processes, or on a Dask cluster with ``scheduler``
(:mod:`dxnb.distributed`; the driver still writes every file and the manifests). The overview pages
and the evaluation behind each period's index are built in a driver thread while the reports render.

A report whose cache key (notebook, parameters, dataset content, dxnb version, template) is
unchanged is not executed again. One batch at a time writes to an output folder (a lock on
``<out>/.dxnb.lock``); a failed report, overview or index page is recorded, never stops the rest.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import logging
import multiprocessing
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import datacache
from .dataset import FILES, Dataset, load_dataset
from .errors import DxnbError
from .fileio import atomic_write_text
from .html import esc
from .i18n import N_, check_lang, t
from .jobs import (
    MANIFEST,
    Job,
    Outcome,
    cache_key,
    check_notebook_parameters,
    empty_manifest,
    is_fresh,
    load_manifest,
    manifest_entry,
    plan,
    read_manifest,
    select_periods,
    select_units,
    sha256,
    template_fingerprint,
    write_manifest,
)
from .paths import REPORT_NOTEBOOK, REPORTS_DIR
from .worker import KERNEL_MODES, TMP_SUFFIX, error_line, init_worker, prestart_enabled, render

log = logging.getLogger(__name__)

#: While a batch runs, its manifests are rewritten at most this often (and always at the end).
MANIFEST_EVERY_S = 2.0
#: The lock file of an output folder: one batch at a time writes there.
LOCK_FILE = ".dxnb.lock"
#: ``progress(done, total, job, outcome)``, called in the driver as each report is done or found unchanged.
Progress = Callable[[int, int, Job, Outcome], None]


class OutputBusyError(DxnbError):
    """Another ``dxnb reports`` holds the lock of the output folder."""


@dataclass
class PageFailure:
    """A page of the site (a period's overview or index, the root index) that could not be written."""

    period: str  # "" for the root index
    page: str  # overview, index, root index
    error: str


@dataclass
class BatchResult:
    """The outcome of a batch, period by period."""

    out_dir: Path
    outcomes: list[Outcome] = field(default_factory=list)
    elapsed: float = 0.0
    pages: list[PageFailure] = field(default_factory=list)

    @property
    def failed(self) -> list[Outcome]:
        """Jobs that failed."""
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def ok(self) -> bool:
        """Whether every report and page was written."""
        return not self.failed and not self.pages

    def count(self, status: str) -> int:
        """Number of jobs with ``status``."""
        return sum(o.status == status for o in self.outcomes)

    def summary(self) -> str:
        """One line for the terminal."""
        return (
            f"{len(self.outcomes)} report(s): {self.count('ok')} rendered, {self.count('cached')} unchanged, "
            f"{self.count('failed')} failed, in {self.elapsed:.1f} s"
        )


# ---------------------------------------------------------------------------- locks and leftovers


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
            raise OutputBusyError(
                f"another dxnb reports is writing to {out} — wait for it to finish or use another --out"
            )
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


# ---------------------------------------------------------------------------- the driver


def run_batch(
    data_dir: Path | str | None = None,
    *,
    periods: list[str] | None = None,
    units: list[str] | None = None,
    lang: str = "vi",
    jobs: int | None = None,
    out_dir: Path | str | None = None,
    force: bool = False,
    notebook: Path | str | None = None,
    progress: Progress | None = None,
    kernel: str | None = None,
    scheduler: str | None = None,
    shared_data: bool = False,
) -> BatchResult:
    """Render the selected reports and the index pages; return what happened.

    ``progress(done, total, job, outcome)`` is called as each report is rendered, fails or is found
    unchanged. A report, overview or index page that fails is recorded in the result (and the
    manifest and index), and the batch goes on.

    ``kernel`` is ``fork`` or ``plain`` (default: ``DXNB_KERNEL``, else fork where supported; see
    :func:`dxnb.worker.kernel_mode`). With ``scheduler`` (``tcp://host:8786``) the reports render on
    that Dask cluster; the dataset is shipped to its workers unless ``shared_data`` says they read
    the same path.

    Raises:
        DataError: when the dataset does not validate (before any kernel starts).
        ParameterError: for unknown units, periods without data or an unknown language.
        OutputBusyError: when another batch is writing to the same output folder.
        DistributedError: when the cluster cannot be reached or runs another dxnb (see :mod:`dxnb.distributed`).
    """
    started = time.perf_counter()
    lang = check_lang(lang)
    if kernel is not None and kernel not in KERNEL_MODES:
        raise ValueError(f"kernel must be one of {', '.join(KERNEL_MODES)}, not {kernel!r}")
    ds = load_dataset(data_dir)
    log.info("dataset %s: OK: %s", ds.path, ds.summary())
    notebook = Path(notebook) if notebook else REPORT_NOTEBOOK
    check_notebook_parameters(notebook)
    selected_periods = select_periods(ds, periods)
    codes = select_units(ds, units)
    out = Path(out_dir) if out_dir else REPORTS_DIR
    out.mkdir(parents=True, exist_ok=True)  # an unusable output folder is refused before any kernel starts
    # The kernels trust the dataset's hashes while its files' sizes and times stay as they are now.
    trust = datacache.trust_token(ds.path, FILES, ds.hashes)
    if scheduler:
        from .distributed import Cluster

        runner = Cluster(scheduler, ds, shared_data=shared_data, kernel=kernel)
    else:
        runner = LocalPool(jobs, trust, kernel)
    with output_lock(out), scratch_folder() as scratch:
        sweep_leftovers(out, selected_periods)
        result = _Batch(ds, out, notebook, lang, runner, progress).run(selected_periods, codes, force, scratch)
    result.elapsed = time.perf_counter() - started
    return result


class _Batch:
    """One batch's driver state: the dataset, the output folder, the manifests' entries."""

    def __init__(self, ds: Dataset, out: Path, notebook: Path, lang: str, runner, progress):
        self.ds, self.out, self.notebook, self.lang, self.runner = ds, out, notebook, lang, runner
        self.progress = progress
        self.notebook_sha = sha256(notebook.read_bytes())
        self.result = BatchResult(out)
        self.done = 0

    def _report(self, total: int, job: Job, outcome: Outcome) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, total, job, outcome)

    def _write_manifest(self, period: str, entries: dict, skipped: list[str], pages: dict | None = None) -> None:
        write_manifest(self.out / period, self.ds, entries, skipped, self.notebook, self.notebook_sha, pages)

    def run(self, periods: list[str], codes: list[str], force: bool, scratch: Path) -> BatchResult:
        ds, out, result = self.ds, self.out, self.result
        all_jobs, skipped = plan(ds, periods, codes, self.lang, out, self.notebook)
        manifests = {p: read_manifest(out / p) for p in periods}
        entries = {p: dict(manifests[p].get("units", {})) for p in periods}
        todo, cached = [], []
        for job in all_jobs:
            if not force and is_fresh(job, manifests[job.period]):
                cached.append(job)
                result.outcomes.append(Outcome(job.code, job.period, "cached"))
            else:
                todo.append(job)
        log.info(
            "%d report(s) to render, %d unchanged, %d worker(s)",
            len(todo),
            len(cached),
            self.runner.workers(len(todo)),
        )
        for job, outcome in zip(cached, result.outcomes, strict=True):
            self._report(len(all_jobs), job, outcome)
        written = {p: time.monotonic() for p in periods}
        # The overview pages and the evaluation behind each index depend on the data only, not on the
        # reports: build them in this (otherwise waiting) process while the workers render.
        background = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="dxnb-overview")
        overviews = background.submit(self._write_overviews, periods, template_fingerprint())
        evaluations = background.submit(self._evaluate, periods)
        try:
            for job, outcome in self.runner.execute(todo, scratch):
                result.outcomes.append(outcome)
                entries[job.period][job.code] = manifest_entry(job, outcome, entries[job.period].get(job.code, {}))
                # Keep the manifest current for an interrupted batch, but not at every report: it lists
                # every unit, and rewriting it per report is quadratic for a whole country.
                if time.monotonic() - written[job.period] >= MANIFEST_EVERY_S:
                    self._write_manifest(job.period, entries[job.period], skipped[job.period])
                    written[job.period] = time.monotonic()
                self._report(len(all_jobs), job, outcome)
        finally:
            for period in periods:  # also after Ctrl-C: what was rendered is recorded
                self._write_manifest(period, entries[period], skipped[period])
            background.shutdown(wait=True)
        page_failures = overviews.result()  # the thread catches each period's failure
        tables = evaluations.result()
        for job in cached:
            entries[job.period][job.code] = manifest_entry(
                job, Outcome(job.code, job.period, "cached"), entries[job.period].get(job.code, {})
            )
        for period in periods:
            self._write_manifest(period, entries[period], skipped[period], page_failures.get(period))
            self._write_index(period, entries[period], skipped[period], page_failures, tables.get(period))
        self._write_root_index()
        return result

    def _failure(self, period: str, page: str, exc: BaseException) -> dict:
        error = error_line(exc)
        log.error("could not write the %s%s: %s", page, f" of {period}" if period else "", error, exc_info=exc)
        self.result.pages.append(PageFailure(period, page, error))
        return {"status": "failed", "error": error}

    def _write_overviews(self, periods: list[str], template: str) -> dict[str, dict]:
        """Write each period's ``overview.html`` (skipped when unchanged); return the failures by period."""
        from . import site

        failures: dict[str, dict] = {}
        for period in periods:
            key = cache_key(b"overview", {"period": period, "lang": self.lang}, self.ds.fingerprint, template)
            try:
                site.write_overview(self.out / period, self.ds, period, self.lang, key=key)
            except Exception as exc:  # one page's failure must not stop the index
                with contextlib.suppress(FileNotFoundError):
                    (self.out / period / "overview.html").unlink()  # a stale overview would not say so
                failures[period] = {"overview": self._failure(period, "overview", exc)}
        return failures

    def _evaluate(self, periods: list[str]) -> dict:
        """Each period's evaluation of every unit, for its index (a period that fails is left to the index)."""
        from .evaluate import evaluate_period

        tables = {}
        for period in periods:
            try:
                tables[period] = evaluate_period(self.ds, period, list(self.ds.units.index))
            except Exception as exc:  # the index will evaluate again and record the failure
                log.debug("evaluating %s beside the workers failed: %s", period, exc)
        return tables

    def _write_index(
        self, period: str, entries: dict, skipped: list[str], failures: dict[str, dict], table=None
    ) -> None:
        from . import site

        folder = self.out / period
        try:
            site.write_period_index(folder, self.ds, period, read_manifest(folder), self.lang, table)
        except Exception as exc:  # the reports are there: list them on a plain page instead
            failures.setdefault(period, {})["index"] = self._failure(period, "index", exc)
            _plain_index(folder / "index.html", period, read_manifest(folder), self.lang, error_line(exc))
            self._write_manifest(period, entries, skipped, failures[period])

    def _write_root_index(self) -> None:
        from . import site

        repair_manifests(self.out)
        try:
            site.write_root_index(self.out, self.lang)
        except Exception as exc:
            self._failure("", "root index", exc)
            _plain_root_index(self.out, self.lang, error_line(exc))


def _plain_index(path: Path, period: str, manifest: dict, lang: str, error: str) -> None:
    """A period's index without charts or evaluation: every unit of the manifest with its report or error."""
    rows = []
    for code, entry in manifest.get("units", {}).items():
        status = entry.get("status", "")
        link = entry.get("html") if status == "ok" else entry.get("failed_notebook", "")
        label = t("batch_plain_open", lang) if status == "ok" else t("batch_plain_failed_nb", lang)
        cell = f'<a href="{esc(link)}">{esc(label)}</a>' if link else ""
        state = (
            t("batch_plain_ok", lang) if status == "ok" else f"{t('batch_plain_failed', lang)}: {entry.get('error')}"
        )
        rows.append(
            f"<tr><td>{esc(code)}</td><td>{esc(str(entry.get('name', '')))}</td>"
            f"<td>{esc(state)}</td><td>{cell}</td></tr>"
        )
    head = "".join(
        f"<th>{esc(t(k, lang))}</th>"
        for k in (N_("batch_plain_code"), N_("batch_plain_unit"), N_("batch_plain_status"), N_("batch_plain_report"))
    )
    title = t("batch_plain_title", lang, period=period)
    body = (
        f'<p><a href="../index.html">←</a></p><h1>{esc(title)}</h1>'
        f"<p>{esc(t('batch_plain_note', lang, error=error))}</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    atomic_write_text(path, _plain_page(title, body, lang))


def _plain_root_index(out: Path, lang: str, error: str) -> None:
    links = [
        f'<li><a href="{esc(p.name)}/index.html">{esc(p.name)}</a></li>'
        for p in sorted((p for p in out.iterdir() if (p / MANIFEST).is_file()), reverse=True)
    ]
    title = t("batch_plain_root", lang)
    body = (
        f"<h1>{esc(title)}</h1><p>{esc(t('batch_plain_note', lang, error=error))}</p>"
        f"<ul>{''.join(links)}</ul>"
    )
    atomic_write_text(out / "index.html", _plain_page(title, body, lang))


def _plain_page(title: str, body: str, lang: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n<title>{esc(title)}</title>\n'
        f"</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _workers(jobs: int | None, todo: int) -> int:
    return max(1, min(jobs or os.cpu_count() or 1, todo or 1))


class LocalPool:
    """Reports rendered by a pool of local worker processes (the default runner)."""

    def __init__(self, jobs: int | None = None, trust: str | None = None, kernel: str | None = None):
        self.jobs, self.trust, self.kernel = jobs, trust, kernel

    def workers(self, todo: int) -> int:
        """How many worker processes ``todo`` reports get."""
        return _workers(self.jobs, todo)

    def execute(self, todo: list[Job], scratch: Path) -> Iterator[tuple[Job, Outcome]]:
        """Yield (job, outcome) as reports finish, from a pool of worker processes."""
        if not todo:
            return
        workers = self.workers(len(todo))
        context = multiprocessing.get_context("spawn")
        with cf.ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=init_worker,
            initargs=(str(scratch), self.trust, self.kernel),
        ) as pool:
            # The last round of reports starts no spare kernel: nothing would use it.
            pre = prestart_enabled()
            futures = {pool.submit(render, job, pre and i < len(todo) - workers): job for i, job in enumerate(todo)}
            try:
                for future in cf.as_completed(futures):
                    job = futures[future]
                    try:
                        outcome = future.result()
                    except Exception as exc:  # a worker crashed: isolate it like a failed notebook
                        outcome = Outcome(job.code, job.period, "failed", 0.0, error_line(exc))
                    yield job, outcome
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
