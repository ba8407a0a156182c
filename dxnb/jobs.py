"""Planning a batch: which reports to render, their file names, cache keys and the period manifests.

Nothing here starts a kernel or prints. :func:`plan` turns a dataset, periods and units into
:class:`Job` values; :func:`is_fresh` compares a job's cache key with the period's manifest;
:func:`read_manifest` and :func:`write_manifest` read and write ``<out>/<period>/manifest.json``.
"""

from __future__ import annotations

import ast
import datetime as dt
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from . import params
from .dataset import Dataset
from .errors import RenderError
from .fileio import atomic_write_text
from .i18n import t, unit_name
from .paths import REPORT_NOTEBOOK
from .text import slugify
from .version import __version__, package_fingerprint

log = logging.getLogger(__name__)

PARAMETERS = ("unit_code", "period", "data_dir", "lang")
MANIFEST = "manifest.json"
#: Longest file-name slug of a unit's name, in characters (ASCII). The code in front keeps names unique;
#: with the suffixes (``.failed.ipynb``, a temporary file's random part) a name stays far below 255 bytes.
SLUG_MAX = 80


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
    pdf: bool = False  # also print the report to an A4 PDF beside its HTML (``dxnb reports --pdf``)

    @property
    def pdf_path(self) -> str:
        """The report's PDF, beside its HTML."""
        return str(Path(self.html_path).with_suffix(".pdf"))

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


# ---------------------------------------------------------------------------- cache keys


def sha256(data: bytes) -> str:
    """The hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def template_fingerprint() -> str:
    """SHA-256 over the package: its code, templates and catalogues (:func:`dxnb.version.package_fingerprint`).

    The code is included, not only the version number, so that a report is rendered again after any
    change of the wording, the scoring or the charts, even between releases.
    """
    return package_fingerprint()


def cache_key(notebook_bytes: bytes, parameters: dict, dataset_fingerprint: str, template: str) -> str:
    """The cache key of one report: notebook, parameters, dataset content, dxnb version, template."""
    payload = json.dumps(
        {
            "notebook": sha256(notebook_bytes),
            "parameters": parameters,
            "dataset": dataset_fingerprint,
            "dxnb": __version__,
            "template": template,
        },
        sort_keys=True,
    )
    return sha256(payload.encode())


# ---------------------------------------------------------------------------- the notebook


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
        raise RenderError(t("jobs_bad_parameters", notebook=notebook, found=sorted(found), expected=list(PARAMETERS)))


# ---------------------------------------------------------------------------- planning


#: The units of a batch, checked and looked up by :mod:`dxnb.params` (the one place for that).
select_units = params.find_units


def select_periods(ds: Dataset, periods: list[object] | None, codes: list[str] | None = None) -> list[str]:
    """The periods of a batch (:func:`dxnb.params.select_periods`); the default one is logged with its reason.

    By default a batch renders the latest period that most of the selected units report, so that a new
    year arriving unit by unit does not hijack a plain run; the log line says which period and why.
    """
    if not periods:
        choice = params.default_period(ds, codes)
        log.info("period %s", choice.reason())
        return [choice.period]
    return params.select_periods(ds, periods, codes)


def file_stem(code: str, name: str) -> str:
    """The file-name stem of a unit's report: ``<code>-<slug>``, the slug cut to :data:`SLUG_MAX` characters.

    The code keeps stems unique however names are cut; the cut falls between words when it can.
    """
    slug = slugify(name)
    if len(slug) > SLUG_MAX:
        cut = slug[:SLUG_MAX]
        slug = (cut.rsplit("-", 1)[0] if "-" in cut[SLUG_MAX // 2 :] else cut).strip("-") or "unit"
    return f"{code}-{slug}"


def plan(
    ds: Dataset,
    periods: list[str],
    codes: list[str],
    lang: str,
    out_dir: Path,
    notebook: Path = REPORT_NOTEBOOK,
    *,
    pdf: bool = False,
) -> tuple[list[Job], dict[str, list[str]]]:
    """Return the jobs, and per period the selected units that have no data (not rendered); ``pdf``: PDFs too."""
    notebook_bytes = notebook.read_bytes()
    template = template_fingerprint()
    fingerprint = ds.fingerprint
    frame = Path(ds.path) / "document.csv"  # the document frame (dxnb.docframe) is part of every report
    if frame.is_file():
        fingerprint = sha256(f"{fingerprint}:{sha256(frame.read_bytes())}".encode())
    jobs, skipped = [], {}
    for period in periods:
        view = ds.at(period)  # a code means the unit alive in the period; the others are not in it
        obs = view.observations
        with_data = set(obs.loc[obs["period"] == period, "unit_code"].unique())
        alive = [c for c in codes if c in view.units.index]
        skipped[period] = [c for c in alive if c not in with_data]
        folder = out_dir / period
        for code in alive:
            if code not in with_data:
                continue
            unit = view.units.loc[code]
            stem = file_stem(code, unit["name"])
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
                    pdf=pdf,
                )
            )
    return jobs, skipped


# ---------------------------------------------------------------------------- manifests


def _manifest_problem(data: object) -> str:
    """Why ``data`` is not a manifest ("" when it is one)."""
    if not isinstance(data, dict):
        return f"a manifest is a JSON object, not {type(data).__name__}"
    units = data.get("units", {})
    if not isinstance(units, dict):
        return "its 'units' is not an object"
    bad = [code for code, entry in units.items() if not isinstance(entry, dict)]
    if bad:
        return f"the entry of unit {bad[0]} is not an object"
    if not isinstance(data.get("no_data", []), list):
        return "its 'no_data' is not a list"
    return ""


def load_manifest(folder: Path) -> tuple[dict, str]:
    """The manifest of a period folder and, when it is unusable, why ({} and "" when there is none)."""
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        return {}, ""
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return {}, f"not UTF-8 JSON ({exc})"
    problem = _manifest_problem(data)
    return ({}, problem) if problem else (data, "")


def read_manifest(folder: Path) -> dict:
    """The manifest of a period folder; {} when there is none, and {} with a warning when it is unusable."""
    manifest, problem = load_manifest(folder)
    if problem:
        log.warning("%s is unusable (%s); it is treated as empty and will be rewritten", folder / MANIFEST, problem)
    return manifest


def is_fresh(job: Job, manifest: dict) -> bool:
    """Whether the report of ``job`` exists and was rendered from the same inputs."""
    entry = manifest.get("units", {}).get(job.code, {})
    return (
        entry.get("status") == "ok"
        and entry.get("key") == job.key
        and entry.get("lang") == job.lang
        and Path(job.html_path).is_file()
        and (not job.pdf or Path(job.pdf_path).is_file())
    )


def manifest_entry(job: Job, outcome: Outcome, previous: dict) -> dict:
    """The manifest entry of ``job`` after ``outcome`` (a cached job keeps its previous figures)."""
    cached = outcome.status == "cached"
    entry = {
        "name": job.name,
        "lang": job.lang,
        "status": "ok" if cached else outcome.status,
        "key": job.key if outcome.status != "failed" else previous.get("key", ""),
        "duration_s": previous.get("duration_s") if cached else round(outcome.duration, 3),
        "html": os.path.basename(job.html_path),
        "notebook": f"notebooks/{os.path.basename(job.nb_path)}",
        "finished": previous.get("finished") if cached else dt.datetime.now().isoformat(timespec="seconds"),
        "error": outcome.error,
        "peak_rss_kb": previous.get("peak_rss_kb") if cached else outcome.peak_rss_kb,
        # A PDF beside the HTML is always the HTML's own: the worker removes it when it renders without one.
        "pdf": os.path.basename(job.pdf_path) if Path(job.pdf_path).is_file() else "",
    }
    if outcome.status == "failed":
        entry["failed_notebook"] = f"notebooks/{os.path.basename(job.failed_path)}"
        entry["previous_report"] = os.path.basename(job.html_path) if Path(job.html_path).is_file() else ""
    return entry


def write_manifest(
    folder: Path,
    ds: Dataset,
    entries: dict,
    skipped: list[str],
    notebook: Path,
    notebook_sha: str | None = None,
    pages: dict | None = None,
) -> None:
    """Write a period's manifest atomically, merged with the one on disk.

    Units of the manifest on disk that ``entries`` does not mention keep their entries (a batch on
    other units of the same period adds to the manifest, it does not replace it); ``pages`` records
    the period's own pages that could not be written (``{"overview": {"status": "failed", ...}}``).
    """
    on_disk = read_manifest(folder)
    units = {**on_disk.get("units", {}), **entries}
    no_data = sorted((set(on_disk.get("no_data", [])) - set(entries)) | set(skipped))
    manifest = {
        "dxnb_version": __version__,
        "generated": dt.datetime.now().isoformat(timespec="seconds"),
        "dataset": {"path": str(ds.path), "fingerprint": ds.fingerprint, "files": ds.hashes},
        "notebook": str(notebook),
        "notebook_sha256": notebook_sha or sha256(notebook.read_bytes()),
        "units": dict(sorted(units.items())),
        "no_data": no_data,
    }
    if pages:
        manifest["pages"] = pages
    atomic_write_text(folder / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")


def empty_manifest(folder: Path, reason: str) -> None:
    """Replace an unusable manifest by an empty one (no units), saying why."""
    manifest = {
        "dxnb_version": __version__,
        "generated": dt.datetime.now().isoformat(timespec="seconds"),
        "units": {},
        "no_data": [],
        "replaced_unusable_manifest": reason,
    }
    atomic_write_text(folder / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
