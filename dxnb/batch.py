"""Batch rendering: every selected unit and period, in parallel, cached, written atomically.

``dxnb reports`` runs ``notebooks/commune_report.ipynb`` through papermill once per unit and
period in worker processes (a fresh kernel per report, on IPC transport), exports each executed
notebook to one offline HTML file in the same worker, and writes ``reports/<period>/``:

- ``<code>-<slug>.html``: the report; replaced only by a complete new one;
- ``notebooks/<code>-<slug>.ipynb``: the executed notebook, for audit (``.failed.ipynb`` on failure);
- ``manifest.json``: each unit's status, duration, cache key and input hashes;
- ``index.html``: the district overview; and ``reports/index.html`` lists the periods.

A report whose cache key (notebook, parameters, dataset content, dxnb version, template) is
unchanged is not executed again.
"""

from __future__ import annotations

import argparse
import ast
import atexit
import concurrent.futures as cf
import contextlib
import datetime as dt
import hashlib
import json
import logging
import multiprocessing
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .dataset import Dataset, load_dataset
from .errors import ParameterError, RenderError
from .fileio import atomic_write_text
from .i18n import check_lang, unit_name
from .paths import REPORT_NOTEBOOK, REPORTS_DIR, TEMPLATES_DIR
from .text import slugify

log = logging.getLogger(__name__)

PARAMETERS = ("unit_code", "period", "data_dir", "lang")
MANIFEST = "manifest.json"
#: While a batch runs, its manifests are rewritten at most this often (and always at the end).
MANIFEST_EVERY_S = 2.0
KERNEL = "python3"
#: Environment for kernels: quiet, and no GUI backend.
KERNEL_ENV = {
    "MPLBACKEND": "Agg",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    "JUPYTER_PLATFORM_DIRS": "1",
    "PYTHONWARNINGS": "ignore",
}


@dataclass(frozen=True)
class Job:
    """One report to render."""

    code: str
    name: str
    kind: str
    period: str
    lang: str
    data_dir: str
    notebook: str
    html_path: str
    nb_path: str
    failed_path: str
    key: str

    @property
    def parameters(self) -> dict[str, str]:
        """Papermill parameters, all strings (codes keep their leading zeros)."""
        return {"unit_code": self.code, "period": self.period, "data_dir": self.data_dir, "lang": self.lang}

    @property
    def title(self) -> str:
        """The page title: the unit and the period."""
        label = unit_name(self.name, self.kind, self.lang, capital=True)
        return f"{label} — {'năm ' if self.lang == 'vi' else ''}{self.period}"


@dataclass
class Outcome:
    """What happened to one job."""

    code: str
    period: str
    status: str  # ok, cached, failed
    duration: float = 0.0
    error: str = ""
    peak_rss_kb: int = 0


@dataclass
class BatchResult:
    """The outcome of a batch, period by period."""

    out_dir: Path
    outcomes: list[Outcome] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def failed(self) -> list[Outcome]:
        """Jobs that failed."""
        return [o for o in self.outcomes if o.status == "failed"]

    def count(self, status: str) -> int:
        """Number of jobs with ``status``."""
        return sum(o.status == status for o in self.outcomes)

    def summary(self) -> str:
        """One line for the terminal."""
        return (
            f"{len(self.outcomes)} report(s): {self.count('ok')} rendered, {self.count('cached')} unchanged, "
            f"{self.count('failed')} failed, in {self.elapsed:.1f} s"
        )


# ---------------------------------------------------------------------------- planning


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def template_fingerprint() -> str:
    """SHA-256 over the export template, the stylesheet and the package's code.

    The code is included, not only the version number, so that a report is rendered again after any
    change of the wording, the scoring or the charts, even between releases.
    """
    digest = hashlib.sha256()
    package = TEMPLATES_DIR.parent
    files = [p for p in TEMPLATES_DIR.rglob("*") if p.is_file()] + list(package.glob("*.py"))
    for path in sorted(files):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def cache_key(notebook_bytes: bytes, parameters: dict, dataset_fingerprint: str, template: str) -> str:
    """The cache key of one report: notebook, parameters, dataset content, dxnb version, template."""
    payload = json.dumps(
        {
            "notebook": _sha256(notebook_bytes),
            "parameters": parameters,
            "dataset": dataset_fingerprint,
            "dxnb": __version__,
            "template": template,
        },
        sort_keys=True,
    )
    return _sha256(payload.encode())


def notebook_parameters(notebook: Path) -> set[str]:
    """The names assigned in the notebook's cell tagged ``parameters`` (what papermill's inspection finds).

    Read with :mod:`ast`, without importing papermill (over a second of imports for a warm rerun);
    a parameters cell that is not plain Python falls back to ``papermill.inspect_notebook``.
    """
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code" or "parameters" not in cell.get("metadata", {}).get("tags", []):
            continue
        source = cell.get("source", "")
        try:
            tree = ast.parse("".join(source) if isinstance(source, list) else source)
        except SyntaxError:
            import papermill as pm

            return set(pm.inspect_notebook(str(notebook)))
        names = set()
        for node in tree.body:
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AnnAssign):
                targets = [node.target]
            else:
                continue
            names.update(t.id for t in targets if isinstance(t, ast.Name))
        return names
    return set()


def check_notebook_parameters(notebook: Path) -> None:
    """Refuse a report notebook whose parameters are not the ones dxnb passes (a misspelt name is silent)."""
    found = notebook_parameters(notebook)
    if found != set(PARAMETERS):
        raise RenderError(
            f"{notebook} declares parameters {sorted(found)}, but dxnb passes {list(PARAMETERS)}; "
            "fix the notebook's parameters cell."
        )


def select_periods(ds: Dataset, periods: list[str] | None) -> list[str]:
    """The periods to render: the latest by default; each requested one must have data."""
    available = ds.periods
    if not periods:
        return available[-1:]
    missing = [p for p in periods if p not in available]
    if missing:
        raise ParameterError(f"No data for period(s) {', '.join(missing)}; periods with data: {', '.join(available)}.")
    return sorted(set(periods))


def select_units(ds: Dataset, units: list[str] | None) -> list[str]:
    """Unit codes for codes or names given by the user (any Unicode form); all units by default."""
    if not units:
        return list(ds.units.index)
    codes = []
    for query in units:
        code = ds.find_unit(query)
        if code not in codes:
            codes.append(code)
    return codes


def plan(
    ds: Dataset, periods: list[str], codes: list[str], lang: str, out_dir: Path, notebook: Path = REPORT_NOTEBOOK
) -> tuple[list[Job], dict[str, list[str]]]:
    """Return the jobs, and per period the selected units that have no data (not rendered)."""
    notebook_bytes = notebook.read_bytes()
    template = template_fingerprint()
    fingerprint = ds.fingerprint
    have = ds.observations.groupby("period")["unit_code"].unique()
    jobs, skipped = [], {}
    for period in periods:
        with_data = set(have.get(period, []))
        skipped[period] = [c for c in codes if c not in with_data]
        folder = out_dir / period
        for code in codes:
            if code not in with_data:
                continue
            unit = ds.units.loc[code]
            stem = f"{code}-{slugify(unit['name'])}"
            params = {"unit_code": code, "period": period, "data_dir": str(ds.path), "lang": lang}
            jobs.append(
                Job(
                    code=code,
                    name=unit["name"],
                    kind=unit["kind"],
                    period=period,
                    lang=lang,
                    data_dir=str(ds.path),
                    notebook=str(notebook),
                    html_path=str(folder / f"{stem}.html"),
                    nb_path=str(folder / "notebooks" / f"{stem}.ipynb"),
                    failed_path=str(folder / "notebooks" / f"{stem}.failed.ipynb"),
                    key=cache_key(notebook_bytes, params, fingerprint, template),
                )
            )
    return jobs, skipped


def read_manifest(folder: Path) -> dict:
    """The manifest of a period folder ({} when there is none or it is unreadable)."""
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def is_fresh(job: Job, manifest: dict) -> bool:
    """Whether the report of ``job`` exists and was rendered from the same inputs."""
    entry = manifest.get("units", {}).get(job.code, {})
    return (
        entry.get("status") == "ok"
        and entry.get("key") == job.key
        and entry.get("lang") == job.lang
        and Path(job.html_path).is_file()
    )


# ---------------------------------------------------------------------------- worker


def _worker_init() -> None:
    os.environ.update(KERNEL_ENV)
    logging.getLogger("papermill").setLevel(logging.WARNING)
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    # nbformat imports jsonschema, which builds an IRI grammar with lark when rfc3987-syntax is
    # installed (~0.8 s per process) for an "iri" format check that nbformat never asks for.
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    if os.environ.get("DXNB_PRESTART", "1") == "1":
        _spare.append(_Kernel(preload=True))  # the first kernel starts while the worker imports papermill
    import papermill  # noqa: F401  - paid once per worker, not per report

    from . import export  # noqa: F401


def _error_line(exc: BaseException) -> str:
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = str(getattr(exc, "evalue", exc)).strip().splitlines()
    return f"{ename}: {evalue[0] if evalue else ''}".strip()


def render(job: Job, prestart: bool = False) -> Outcome:
    """Execute one report notebook and export it; runs in a worker process.

    The executed notebook goes to a temporary file next to its destination and is moved into place
    only when complete; on failure it is kept as ``.failed.ipynb`` and the previous report stays.
    Each report runs in its own fresh kernel, shut down afterwards. With ``prestart`` (more reports
    are queued), the next report's kernel is started now, while this one runs.
    ``peak_rss_kb`` is the peak resident memory of this worker plus that of the report's kernel.
    """
    outcome = _render(job, time.perf_counter(), prestart)
    outcome.peak_rss_kb = _peak_kb() + _last_kernel_kb[0]
    return outcome


class _Kernel:
    """A fresh kernel on IPC transport, for exactly one report; optionally already importing dxnb."""

    def __init__(self, preload: bool):
        from jupyter_client.manager import KernelManager

        self.ipc_dir = tempfile.mkdtemp(prefix="dxnb-kernel-")
        self.km = KernelManager(kernel_name=KERNEL, transport="ipc", ip=os.path.join(self.ipc_dir, "k"))
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
        """Shut the kernel down and remove its sockets; return its peak resident memory in KiB."""
        peak = 0
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.stop_channels()
            self.client = None
        pid = getattr(getattr(self.km, "provisioner", None), "pid", None)
        if pid:
            peak = _peak_kb(pid)
        if self.km.has_kernel:
            with contextlib.suppress(Exception):
                self.km.shutdown_kernel(now=True)
        with contextlib.suppress(OSError):
            for leftover in Path(self.ipc_dir).iterdir():
                leftover.unlink()
            os.rmdir(self.ipc_dir)
        return peak


#: What a pre-started kernel imports while it waits (the report notebook's first import).
PRELOAD = "import dxnb.report"
#: The arguments nbclient gives the kernels it starts.
KERNEL_ARGUMENTS = ["--HistoryManager.hist_file=:memory:"]
_spare: list[_Kernel] = []


def _next_kernel(prestart: bool) -> _Kernel:
    """This report's kernel (the spare started during the previous report, if any); start the next spare."""
    kernel = None
    while _spare and kernel is None:
        candidate = _spare.pop()
        if candidate.take() is not None:
            kernel = candidate
    if kernel is None:
        kernel = _Kernel(preload=False)
    if prestart:
        _spare.append(_Kernel(preload=True))
    return kernel


@atexit.register
def _close_spare() -> None:
    while _spare:
        _spare.pop().close()


def _render(job: Job, start: float, prestart: bool = False) -> Outcome:
    import papermill as pm

    from .export import notebook_to_html

    nb_path, html_path, failed_path = Path(job.nb_path), Path(job.html_path), Path(job.failed_path)
    nb_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{nb_path.stem}.", suffix=".tmp.ipynb", dir=nb_path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    kernel = _next_kernel(prestart)
    km = kernel.km
    try:
        try:
            nb = pm.execute_notebook(
                job.notebook,
                str(tmp),
                parameters=job.parameters,
                kernel_name=KERNEL,
                progress_bar=False,
                log_output=False,
                km=km,
                cwd=None,
                request_save_on_cell_execute=False,
            )
        except Exception as exc:  # the notebook failed: keep its output as the log of what went wrong
            if tmp.exists() and tmp.stat().st_size:
                os.replace(tmp, failed_path)
            return Outcome(job.code, job.period, "failed", time.perf_counter() - start, _error_line(exc))
        back = "index.html"
        html = notebook_to_html(
            nb,
            title=job.title,
            lang=job.lang,
            back=back,
            back_label="Danh sách báo cáo" if job.lang == "vi" else "All reports",
        )
        atomic_write_text(html_path, html)
        os.replace(tmp, nb_path)
        with contextlib.suppress(FileNotFoundError):
            failed_path.unlink()
        return Outcome(job.code, job.period, "ok", time.perf_counter() - start)
    finally:
        _last_kernel_kb[0] = kernel.close()  # we own the kernel manager, so nbclient leaves the kernel to us
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


_last_kernel_kb = [0]


def _peak_kb(pid: int | str = "self") -> int:
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


# ---------------------------------------------------------------------------- driver


class _Progress:
    """A tqdm bar with ETA on a terminal, plain log lines otherwise."""

    def __init__(self, total: int):
        self.total, self.done = total, 0
        self.bar = None
        if total and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="report", desc="dxnb reports", leave=True)

    def update(self, job: Job, outcome: Outcome) -> None:
        self.done += 1
        line = f"[{self.done}/{self.total}] {job.period} {job.code} {job.name}: {outcome.status}"
        if outcome.status != "cached":
            line += f" ({outcome.duration:.1f} s)"
        if outcome.error:
            line += f" — {outcome.error}"
        if self.bar is not None:
            self.bar.set_postfix_str(f"{job.code} {outcome.status}")
            self.bar.update(1)
            if outcome.status == "failed":
                self.bar.write(line)
        else:
            log.info("%s", line)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _manifest_entry(job: Job, outcome: Outcome, previous: dict) -> dict:
    entry = {
        "name": job.name,
        "lang": job.lang,
        "status": outcome.status if outcome.status != "cached" else "ok",
        "key": job.key if outcome.status != "failed" else previous.get("key", ""),
        "duration_s": round(outcome.duration, 3) if outcome.status != "cached" else previous.get("duration_s"),
        "html": os.path.basename(job.html_path),
        "notebook": f"notebooks/{os.path.basename(job.nb_path)}",
        "finished": dt.datetime.now().isoformat(timespec="seconds")
        if outcome.status != "cached"
        else previous.get("finished"),
        "error": outcome.error,
        "peak_rss_kb": outcome.peak_rss_kb if outcome.status != "cached" else previous.get("peak_rss_kb"),
    }
    if outcome.status == "failed":
        entry["failed_notebook"] = f"notebooks/{os.path.basename(job.failed_path)}"
        entry["previous_report"] = os.path.basename(job.html_path) if Path(job.html_path).is_file() else ""
    return entry


def write_manifest(
    folder: Path, ds: Dataset, entries: dict, skipped: list[str], notebook: Path, notebook_sha: str | None = None
) -> None:
    """Write a period's manifest atomically."""
    manifest = {
        "dxnb_version": __version__,
        "generated": dt.datetime.now().isoformat(timespec="seconds"),
        "dataset": {"path": str(ds.path), "fingerprint": ds.fingerprint, "files": ds.hashes},
        "notebook": str(notebook),
        "notebook_sha256": notebook_sha or _sha256(notebook.read_bytes()),
        "units": dict(sorted(entries.items())),
        "no_data": skipped,
    }
    atomic_write_text(folder / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")


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
) -> BatchResult:
    """Render the selected reports and the index pages; return what happened.

    Raises:
        DataError: when the dataset does not validate (before any kernel starts).
        ParameterError: for unknown units, periods without data or an unknown language.
    """
    from . import site

    started = time.perf_counter()
    lang = check_lang(lang)
    ds = load_dataset(data_dir)
    log.info("dataset %s: OK: %s", ds.path, ds.summary())
    notebook = Path(notebook) if notebook else REPORT_NOTEBOOK
    check_notebook_parameters(notebook)
    selected_periods = select_periods(ds, periods)
    codes = select_units(ds, units)
    out = Path(out_dir) if out_dir else REPORTS_DIR
    out.mkdir(parents=True, exist_ok=True)  # an unusable output folder is refused before any kernel starts
    all_jobs, skipped = plan(ds, selected_periods, codes, lang, out, notebook)
    manifests = {p: read_manifest(out / p) for p in selected_periods}
    entries = {p: dict(manifests[p].get("units", {})) for p in selected_periods}
    result = BatchResult(out)
    todo = []
    for job in all_jobs:
        if not force and is_fresh(job, manifests[job.period]):
            result.outcomes.append(Outcome(job.code, job.period, "cached"))
        else:
            todo.append(job)
    log.info(
        "%d report(s) to render, %d unchanged, %d worker(s)",
        len(todo),
        len(all_jobs) - len(todo),
        _workers(jobs, len(todo)),
    )
    progress = _Progress(len(all_jobs))
    by_key = {(j.period, j.code): j for j in all_jobs}
    for outcome in result.outcomes:
        progress.update(by_key[(outcome.period, outcome.code)], outcome)
    notebook_sha = _sha256(notebook.read_bytes())
    written = {p: time.monotonic() for p in selected_periods}
    # The overview pages depend on the data only, not on the reports: build them in this (otherwise
    # waiting) process while the workers render, instead of after the last report.
    template = template_fingerprint()
    background = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="dxnb-overview")
    overviews = background.submit(_write_overviews, out, ds, selected_periods, lang, template)
    try:
        for job, outcome in _execute(todo, jobs):
            result.outcomes.append(outcome)
            entries[job.period][job.code] = _manifest_entry(job, outcome, entries[job.period].get(job.code, {}))
            # Keep the manifest current for an interrupted batch, but not at every report: it lists
            # every unit, and rewriting it per report is quadratic for a whole country.
            if time.monotonic() - written[job.period] >= MANIFEST_EVERY_S:
                write_manifest(out / job.period, ds, entries[job.period], skipped[job.period], notebook, notebook_sha)
                written[job.period] = time.monotonic()
            progress.update(job, outcome)
    finally:
        progress.close()
        for period in selected_periods:  # also after Ctrl-C: what was rendered is recorded
            write_manifest(out / period, ds, entries[period], skipped[period], notebook, notebook_sha)
        background.shutdown(wait=True)
    overviews.result()  # its error, if any
    for outcome in result.outcomes:
        if outcome.status == "cached":
            job = by_key[(outcome.period, outcome.code)]
            entries[job.period][job.code] = _manifest_entry(job, outcome, entries[job.period].get(job.code, {}))
    for period in selected_periods:
        write_manifest(out / period, ds, entries[period], skipped[period], notebook, notebook_sha)
        site.write_period_index(out / period, ds, period, read_manifest(out / period), lang)
    site.write_root_index(out, lang)
    result.elapsed = time.perf_counter() - started
    return result


def _write_overviews(out: Path, ds: Dataset, periods: list[str], lang: str, template: str) -> None:
    """Write each period's ``overview.html`` (skipped when unchanged: keyed on the data, code and template)."""
    from . import site

    for period in periods:
        key = cache_key(b"overview", {"period": period, "lang": lang}, ds.fingerprint, template)
        site.write_overview(out / period, ds, period, lang, key=key)


def _workers(jobs: int | None, todo: int) -> int:
    return max(1, min(jobs or os.cpu_count() or 1, todo or 1))


def _execute(todo: list[Job], jobs: int | None):
    """Yield (job, outcome) as reports finish, from a pool of worker processes."""
    if not todo:
        return
    workers = _workers(jobs, len(todo))
    context = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_init) as pool:
        # The last round of reports starts no spare kernel: nothing would use it.
        pre = os.environ.get("DXNB_PRESTART", "1") == "1"
        futures = {pool.submit(render, job, pre and i < len(todo) - workers): job for i, job in enumerate(todo)}
        try:
            for future in cf.as_completed(futures):
                job = futures[future]
                try:
                    outcome = future.result()
                except Exception as exc:  # a worker crashed: isolate it like a failed notebook
                    outcome = Outcome(job.code, job.period, "failed", 0.0, _error_line(exc))
                yield job, outcome
        except BaseException:
            for future in futures:
                future.cancel()
            raise


# ---------------------------------------------------------------------------- command line


def cmd_reports(args: argparse.Namespace) -> int:
    """Render reports; exit 1 when any unit failed."""
    result = run_batch(
        args.data,
        periods=args.period,
        units=args.units,
        lang=args.lang,
        jobs=args.jobs,
        out_dir=args.out,
        force=args.force,
        notebook=args.notebook,
    )
    print(result.summary())
    for outcome in result.failed:
        print(f"FAILED {outcome.period} {outcome.code}: {outcome.error}", file=sys.stderr)
    print(f"Index: {result.out_dir / 'index.html'}")
    return 1 if result.failed else 0


def register(subparsers) -> None:
    """Add ``dxnb reports`` to the command line."""
    from .cli import add_data_option

    parser = subparsers.add_parser("reports", help="render every commune's report to HTML, with an index")
    add_data_option(parser)
    parser.add_argument("--period", nargs="+", metavar="P", help="periods to render (default: the latest)")
    parser.add_argument("--units", nargs="+", metavar="CODE|NAME", help="units by code or name (default: all)")
    parser.add_argument("--lang", default="vi", choices=("vi", "en"), help="report language (default: vi)")
    parser.add_argument(
        "--jobs", type=int, default=None, metavar="N", help="worker processes (default: the number of CPUs)"
    )
    parser.add_argument(
        "--out",
        type=lambda v: Path(v).expanduser().resolve(),
        default=None,
        metavar="DIR",
        help="output folder (default: reports/)",
    )
    parser.add_argument("--force", action="store_true", help="render again even when nothing changed")
    parser.add_argument(
        "--notebook",
        type=lambda v: Path(v).expanduser().resolve(),
        default=None,
        metavar="FILE",
        help="report notebook (default: notebooks/commune_report.ipynb)",
    )
    parser.set_defaults(func=cmd_reports)
