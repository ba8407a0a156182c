"""Batch rendering: every selected unit and period, in parallel, cached, written atomically.

``dxnb reports`` (see :mod:`dxnb.cli`) calls :func:`run_batch`. It plans the jobs (:mod:`dxnb.jobs`),
runs ``notebooks/commune_report.ipynb`` once per unit and period in worker processes
(:mod:`dxnb.worker`: a fresh kernel per report, exported to one offline HTML file), and writes
``<out>/<period>/``:

- ``<code>-<slug>.html``: the report; replaced only by a complete new one;
- ``notebooks/<code>-<slug>.ipynb``: the executed notebook, for audit (``.failed.ipynb`` on failure);
- ``manifest.json``: each unit's status, duration, cache key and input hashes;
- ``index.html``: the district overview; and ``<out>/index.html`` lists the periods;
- with ``--pdf``: ``<code>-<slug>.pdf`` beside each report (printed by the worker that made the HTML, one browser
  per worker) and ``<period>-tong-hop.pdf``, the index and every report with a bookmark per unit.

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
import dataclasses
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import datacache
from .batch_folders import OutputBusyError as OutputBusyError  # re-exported: what run_batch raises
from .batch_folders import output_lock, repair_manifests, scratch_folder, sweep_leftovers
from .dataset import Dataset, load_dataset
from .docframe import load_frame
from .fileio import signals_held
from .i18n import check_lang, tn, unit_name
from .jobs import (
    Job,
    Outcome,
    cache_key,
    check_notebook_parameters,
    is_fresh,
    manifest_entry,
    plan,
    read_manifest,
    select_periods,
    select_units,
    sha256,
    template_fingerprint,
    write_manifest,
)
from .params import check_alive
from .paths import REPORT_NOTEBOOK, REPORTS_DIR
from .plain_pages import plain_index, plain_root_index
from .pool_start import pool_context, wait_until_ready
from .worker import KERNEL_MODES, error_line, init_worker, prestart_enabled, render

log = logging.getLogger(__name__)

#: While a batch runs, its manifests are rewritten at most this often (and always at the end).
MANIFEST_EVERY_S = 2.0
#: ``progress(done, total, job, outcome)``, called in the driver as each report is done or found unchanged.
Progress = Callable[[int, int, Job, Outcome], None]


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
        return tn(
            "batch_summary",
            len(self.outcomes),
            ok=self.count("ok"),
            cached=self.count("cached"),
            failed=self.count("failed"),
            seconds=f"{self.elapsed:.1f}",
        )


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
    pdf: bool = False,
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
        PdfUnavailableError: ``pdf`` is asked for and Playwright, pypdf or a browser is missing (before any kernel).
        DistributedError: when the cluster cannot be reached or runs another dxnb (see :mod:`dxnb.distributed`).
    """
    started = time.perf_counter()
    lang = check_lang(lang)
    if kernel is not None and kernel not in KERNEL_MODES:
        raise ValueError(f"kernel must be one of {', '.join(KERNEL_MODES)}, not {kernel!r}")
    # The local pool's fork server imports and warms up while the dataset is read and validated.
    context = None if scheduler else pool_context()
    ds = load_dataset(data_dir)
    log.info("dataset %s: OK: %s", ds.path, ds.summary())
    load_frame(ds.path)  # a document.csv with mistakes is refused before any kernel starts
    notebook = Path(notebook) if notebook else REPORT_NOTEBOOK
    check_notebook_parameters(notebook)
    asked = [p for p in dict.fromkeys(str(p).strip() for p in periods or []) if p in ds.periods]
    codes = select_units(ds, units, asked)  # a name means the unit alive in the periods asked for
    selected_periods = select_periods(ds, periods, codes)
    if units:  # a unit asked for must exist in a period asked for (a code means the unit alive then)
        check_alive(ds, codes, selected_periods)
    out = Path(out_dir) if out_dir else REPORTS_DIR
    out.mkdir(parents=True, exist_ok=True)  # an unusable output folder is refused before any kernel starts
    # The kernels trust the dataset's hashes while its files' sizes and times stay as they are now.
    trust = datacache.trust_token(ds.path, list(ds.hashes), ds.hashes)
    with contextlib.ExitStack() as stack:
        renderer = None
        if pdf:  # a missing PDF engine is refused before any report is rendered
            from .pdf import PdfRenderer, require_pypdf

            require_pypdf()
            renderer = stack.enter_context(PdfRenderer())
        if scheduler:
            from .distributed import Cluster

            runner = Cluster(scheduler, ds, shared_data=shared_data, kernel=kernel)
            stack.callback(runner.close)  # also when nothing was left to render (execute never ran)
        else:
            runner = LocalPool(jobs, trust, kernel, context)
        stack.enter_context(output_lock(out))
        scratch = stack.enter_context(scratch_folder())
        sweep_leftovers(out, selected_periods)
        batch = _Batch(ds, out, notebook, lang, runner, progress, renderer)
        result = batch.run(selected_periods, codes, force, scratch)
    result.elapsed = time.perf_counter() - started
    return result


class _Batch:
    """One batch's driver state: the dataset, the output folder, the manifests' entries."""

    def __init__(self, ds: Dataset, out: Path, notebook: Path, lang: str, runner, progress, renderer=None):
        self.ds, self.out, self.notebook, self.lang, self.runner = ds, out, notebook, lang, runner
        self.progress = progress
        self.renderer = renderer  # the driver's PdfRenderer (index and combined PDFs), None without --pdf
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
        all_jobs, skipped = plan(ds, periods, codes, self.lang, out, self.notebook, pdf=self.renderer is not None)
        all_jobs = self._with_review_state(periods, all_jobs)  # a report shows its review state
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
        # The overview pages, and what each period's snapshot, changes page and index take from the data, do not
        # depend on the reports: build them in this (otherwise waiting) process while the workers render.
        background = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="dxnb-overview")
        overviews = background.submit(self._write_overviews, periods, template_fingerprint())
        pages = background.submit(self._prepare_pages, periods, manifests)
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
        prepared = pages.result()
        for job in cached:
            entries[job.period][job.code] = manifest_entry(
                job, Outcome(job.code, job.period, "cached"), entries[job.period].get(job.code, {})
            )
        rendered = {job.period for job in todo}
        for period in periods:
            if self.renderer is None and period in rendered:  # it would no longer hold the reports just rendered
                with contextlib.suppress(FileNotFoundError):
                    (out / period / combined_name(period)).unlink()
            parts = prepared.get(period, {})
            review = self._write_snapshot(period, entries[period], page_failures, parts.get("review"))
            self._write_manifest(period, entries[period], skipped[period], page_failures.get(period))
            self._write_index(period, entries[period], skipped[period], page_failures, parts, review)
            if self.renderer is not None:
                self._write_combined(period, scratch, page_failures)
        self._write_root_index()
        return result

    def _write_combined(self, period: str, scratch: Path, failures: dict[str, dict]) -> None:
        """``<period>-tong-hop.pdf``: the period's index, then every report's PDF by unit name, a bookmark each."""
        from . import site
        from .pdf import combine
        from .text import vi_sort_key

        folder = self.out / period
        units = read_manifest(folder).get("units", {})
        alive = self.ds.at(period).units  # a code means the unit alive in the period
        parts = []
        for code, entry in units.items():
            name = entry.get("pdf") or ""
            if entry.get("status") == "ok" and name and (folder / name).is_file():
                kind = alive.at[code, "kind"] if code in alive.index else ""
                label = unit_name(entry.get("name", code), kind, self.lang, capital=True) if kind else code
                parts.append((vi_sort_key(entry.get("name", code)), folder / name, label))
        parts.sort(key=lambda part: part[0])
        try:
            index_pdf = scratch / f"index-{period}.pdf"
            title = site.index_title(period, self.lang)
            self.renderer.render(folder / "index.html", index_pdf, title=title, lang=self.lang)
            combine(
                [(index_pdf, title), *((path, label) for _, path, label in parts)],
                folder / combined_name(period),
                title=title,
            )
        except Exception as exc:  # the reports and their own PDFs are there
            with contextlib.suppress(FileNotFoundError):
                (folder / combined_name(period)).unlink()
            failures.setdefault(period, {})["combined_pdf"] = self._failure(period, "combined PDF", exc)
            self._write_manifest(period, units, [], failures[period])

    def _with_review_state(self, periods: list[str], jobs: list[Job]) -> list[Job]:
        """The jobs, each key mixed with its unit's review state (reviews.csv is not in the dataset's fingerprint)."""
        from . import reviews
        from .snapshot import period_snapshot

        states = {}
        for p in periods:  # the batch's units only: the period's whole snapshot is built beside the workers
            snapshot = period_snapshot(self.ds, p, [job.code for job in jobs if job.period == p])
            states[p] = reviews.statuses(self.ds, p, snapshot["units"], taken_under=snapshot["framework"])
        keyed = []
        for job in jobs:
            token = reviews.token(states[job.period].get(job.code))
            keyed.append(dataclasses.replace(job, key=sha256(f"{job.key}\n{token}".encode())) if token else job)
        return keyed

    def _review_of(self, period: str):
        """The period's snapshot update (not written yet) and its review columns; they depend on the data only."""
        from .site_review import ReviewColumns
        from .snapshot import period_snapshot, plan_snapshot

        update = plan_snapshot(self.out / period, period_snapshot(self.ds, period))
        columns = ReviewColumns(
            self.out / period, self.ds.at(period), period, self.lang, (update.snapshot, update.previous)
        )
        return update, columns

    def _prepare_pages(self, periods: list[str], manifests: dict[str, dict]) -> dict[str, dict]:
        """Per period, what its snapshot, changes page and index take from the data, made beside the workers.

        The index is drafted with the manifest as it was (``manifests``); the end of the batch finishes it. A part
        that fails here is left out: it is made again at the end, where its failure is recorded.
        """
        from .evaluate import evaluate_period
        from .site import IndexDraft

        prepared: dict[str, dict] = {}
        for period in periods:
            parts = prepared[period] = {}
            try:
                view = self.ds.at(period)  # the units alive in the period, as the index lists them
                parts["table"] = evaluate_period(view, period, list(view.units.index))
                parts["review"] = self._review_of(period)
                columns = parts["review"][1]
                draft = IndexDraft(
                    self.out / period, self.ds, period, self.lang, parts["table"], columns, manifests[period]
                )
                parts["index"] = draft
            except Exception as exc:
                log.debug("preparing the pages of %s beside the workers failed: %s", period, exc)
        return prepared

    def _write_snapshot(self, period: str, entries: dict, failures: dict[str, dict], prepared=None):
        """Write the period's ``snapshot.json`` (the previous one kept) and its ``changes.html``; return the columns.

        ``prepared``: the period's :meth:`_review_of`, when built beside the workers. The review columns returned
        serve the index (None when this failed: the index builds its own).
        """
        from .site_review import write_changes_page
        from .snapshot import apply_snapshot

        try:
            update, columns = prepared or self._review_of(period)
            apply_snapshot(update)
            write_changes_page(self.out / period, self.ds, period, {"units": entries}, self.lang, columns)
            return columns
        except Exception as exc:  # the reports are there; the index says what failed
            failures.setdefault(period, {})["changes"] = self._failure(period, "changes", exc)
            return None

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

    def _write_index(
        self, period: str, entries: dict, skipped: list[str], failures: dict[str, dict], parts: dict, review=None
    ) -> None:
        """Write the period's index: the draft made beside the workers (``parts``), finished with the manifest."""
        from . import site

        folder = self.out / period
        try:
            combined = combined_name(period) if self.renderer is not None else ""
            manifest, table, draft = read_manifest(folder), parts.get("table"), parts.get("index")
            site.write_period_index(
                folder, self.ds, period, manifest, self.lang, table, combined=combined, review=review, draft=draft
            )
        except Exception as exc:  # the reports are there: list them on a plain page instead
            failures.setdefault(period, {})["index"] = self._failure(period, "index", exc)
            plain_index(folder / "index.html", period, read_manifest(folder), self.lang, error_line(exc))
            self._write_manifest(period, entries, skipped, failures[period])

    def _write_root_index(self) -> None:
        from . import site

        repair_manifests(self.out)
        try:
            site.write_root_index(self.out, self.lang, self.ds)
        except Exception as exc:
            self._failure("", "root index", exc)
            plain_root_index(self.out, self.lang, error_line(exc))


def combined_name(period: str) -> str:
    """The file name of a period's combined PDF (its index and every report), for dispatch."""
    return f"{period}-tong-hop.pdf"


def _workers(jobs: int | None, todo: int) -> int:
    return max(1, min(jobs or os.cpu_count() or 1, todo or 1))


class LocalPool:
    """Reports rendered by a pool of local worker processes (the default runner)."""

    def __init__(self, jobs: int | None = None, trust: str | None = None, kernel: str | None = None, context=None):
        self.jobs, self.trust, self.kernel = jobs, trust, kernel
        self.context = context  # how workers start (default: dxnb.pool_start.pool_context())

    def workers(self, todo: int) -> int:
        """How many worker processes ``todo`` reports get."""
        return _workers(self.jobs, todo)

    def execute(self, todo: list[Job], scratch: Path) -> Iterator[tuple[Job, Outcome]]:
        """Yield (job, outcome) as reports finish, from a pool of worker processes."""
        if not todo:
            return
        workers = self.workers(len(todo))
        context = self.context or pool_context()
        if context.get_start_method() == "forkserver":
            wait_until_ready()  # interruptible here; a worker asked for meanwhile would start after an interrupt
        with cf.ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=init_worker,
            initargs=(str(scratch), self.trust, self.kernel, os.getpid(), dict(os.environ)),
        ) as pool:
            # The last round of reports starts no spare kernel: nothing would use it.
            pre = prestart_enabled()
            futures: dict[cf.Future, Job] = {}
            try:
                # submit() starts the workers; an interrupt in the middle of a start would leave a half-started
                # process behind that prints a traceback (the fork server's child finds its pipe closed).
                with signals_held("the workers started"):
                    for i, job in enumerate(todo):
                        futures[pool.submit(render, job, pre and i < len(todo) - workers)] = job
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
