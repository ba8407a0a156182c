"""Snapshots: every unit's results for one period as plain data, computed without rendering a report.

A unit's snapshot holds what a reviewer reads in its report: the overall score, earned points and coverage,
the result class (None until the framework defines classes), each pillar's index, and each indicator with
data, its value and points. It does not hold the rank: a neighbour's new figures move the rank, not the
unit's own results. :func:`unit_fingerprint` hashes it with the framework's digest (``pillars.csv`` and
``indicators.csv``), so a change of the unit's data or of the framework changes the fingerprint.

Each batch keeps ``<out>/<period>/snapshot.json`` next to ``manifest.json``; when the results differ from
the one on disk, that one is kept as ``snapshot.previous.json`` (see :func:`write_period_snapshot`), so the
changes since the previous render stay visible until the results change again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .dataset import Dataset
from .errors import DxnbError
from .fileio import atomic_write_text
from .scoring import score_units, totals

log = logging.getLogger(__name__)

SCHEMA = 1
SNAPSHOT = "snapshot.json"
PREVIOUS = "snapshot.previous.json"
#: Files whose content is the evaluation framework (its digest is part of every unit's fingerprint).
FRAMEWORK_FILES = ("pillars.csv", "indicators.csv")
#: Digits kept of every number: equal results give equal snapshots, whatever the summation order.
DIGITS = 9


class SnapshotError(DxnbError):
    """A snapshot file cannot be read."""


def _num(value: float) -> float | None:
    value = float(value)
    return None if math.isnan(value) else round(value, DIGITS)


def _rounded(values: np.ndarray) -> list[list[float | None]]:
    """:func:`_num` of every cell of a 2-D array, as nested lists: each distinct value rounded once.

    A country's snapshot holds some 200,000 numbers but a tenth as many distinct ones. Python's ``round``
    (correctly rounded, unlike ``numpy.round``) keeps the fingerprints of existing snapshots; a zero keeps its sign.
    """
    flat = values.ravel()
    distinct, where = np.unique(flat, return_inverse=True)
    done = np.array([_num(v) for v in distinct.tolist()], dtype=float)  # None (NaN) becomes NaN again
    out = np.where(flat == 0, flat, done[where.ravel()]).reshape(values.shape)
    return [[None if v != v else v for v in row] for row in out.tolist()]


def framework_digest(ds: Dataset) -> str:
    """SHA-256 over the framework's files (the pillars and the indicator catalogue)."""
    digest = hashlib.sha256()
    for name in FRAMEWORK_FILES:
        digest.update(f"{name}:{ds.hashes.get(name, '')}\n".encode())
    for name in sorted(n for n in ds.hashes if n == "frameworks.csv" or "/" in n):  # frameworks.csv and its folders
        digest.update(f"{name}:{ds.hashes[name]}\n".encode())
    for period, built in sorted(ds.frameworks.items()):  # the frameworks in force, bundled ones by id and version
        digest.update(f"{period}:{built.id}:{built.framework.version}\n".encode())
    return digest.hexdigest()


def unit_entries(ds: Dataset, period: str, codes: Iterable[str] | None = None) -> dict[str, dict]:
    """The snapshot entry of each unit with data in ``period`` (of ``codes``, by default all units), vectorised."""
    ds = ds.at(period)  # the units alive in the period (see dxnb.lifetime)
    obs = ds.observations
    obs = obs[obs["period"].to_numpy() == period]
    present = set(obs["unit_code"].unique())
    wanted = list(ds.units.index) if codes is None else list(codes)
    codes = [c for c in wanted if c in present]
    if not codes:
        return {}
    cat = ds.catalogue_for(period)  # the framework in force for the period
    scores = score_units(ds, period, codes, obs)
    class_names = {c.id: c.name_vi for c in cat.classes}
    table = totals(cat, scores)
    ids = list(scores.ids)
    has = ~np.isnan(scores.values)
    names = ds.units["name"].to_dict()
    rows = table.to_dict("records")  # one dict per unit: reading a frame row by row costs more than the entries
    values, points = _rounded(scores.values), _rounded(scores.points)
    entries = {}
    for i, code in enumerate(codes):
        row, value, point = rows[i], values[i], points[i]
        indicators = {ids[j]: {"value": value[j], "points": point[j]} for j in np.flatnonzero(has[i]).tolist()}
        entries[code] = {
            "name": str(names[code]),
            "score": _num(row["score"]),
            "earned": _num(row["earned"]),
            "coverage": _num(row["coverage"]),
            "result_class": class_names.get(row["result_class"]),  # None without classes
            "pillars": {pid: _num(row[f"pillar_{pid}"]) for pid in cat.pillars},
            "indicators": indicators,
        }
    return entries


def unit_entry(ds: Dataset, code: str, period: str) -> dict | None:
    """The snapshot entry of one unit (None when it has no data in ``period``)."""
    return unit_entries(ds, period, [code]).get(code)


def unit_fingerprint(entry: dict | None, framework: str) -> str:
    """SHA-256 of a unit's results and the framework's digest ("" for a unit without data)."""
    if entry is None:
        return ""
    results = {k: v for k, v in entry.items() if k not in ("name", "fingerprint")}
    payload = json.dumps({"framework": framework, "results": results}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def period_snapshot(ds: Dataset, period: str, codes: Iterable[str] | None = None) -> dict:
    """The snapshot of a period: every unit with data (of ``codes``, by default all), with its fingerprint."""
    framework = framework_digest(ds)
    units = unit_entries(ds, period, codes)
    for entry in units.values():
        entry["fingerprint"] = unit_fingerprint(entry, framework)
    return {
        "schema": SCHEMA,
        "period": period,
        "generated": dt.datetime.now().isoformat(timespec="seconds"),
        "dataset": ds.fingerprint,
        "framework": framework,
        "units": units,
    }


def _problem(data: object) -> str:
    if not isinstance(data, dict):
        return f"a snapshot is a JSON object, not {type(data).__name__}"
    if data.get("schema") != SCHEMA:
        return f"its schema is {data.get('schema')!r}, this dxnb reads schema {SCHEMA}"
    units = data.get("units")
    if not isinstance(units, dict) or not all(isinstance(e, dict) for e in units.values()):
        return "its 'units' is not an object of unit entries"
    return ""


def read_snapshot(path: Path) -> dict | None:
    """The snapshot in ``path``; None when there is none, and None with a warning when it is unusable."""
    try:
        data = json.loads(Path(path).read_bytes().decode("utf-8"))
    except FileNotFoundError:
        return None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        log.warning("%s is not UTF-8 JSON (%s); it is ignored", path, exc)
        return None
    problem = _problem(data)
    if problem:
        log.warning("%s is unusable (%s); it is ignored", path, problem)
        return None
    return data


def same_results(a: dict | None, b: dict | None) -> bool:
    """Whether two snapshots hold the same results (framework and every unit's entry)."""
    if a is None or b is None:
        return a is b
    return a.get("framework") == b.get("framework") and a.get("units") == b.get("units")


def snapshot_text(snapshot: dict) -> str:
    """The JSON text of a snapshot: one line per unit (readable in a diff, and written by json's C encoder)."""
    head = {k: v for k, v in snapshot.items() if k != "units"}
    lines = [f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in head.items()]
    units = [
        f"  {json.dumps(code)}: {json.dumps(entry, ensure_ascii=False)}" for code, entry in snapshot["units"].items()
    ]
    body = "{\n" + ",\n".join(units) + "\n }" if units else "{}"
    return "{\n" + "\n".join(lines) + f'\n "units": {body}\n}}\n'


@dataclass(frozen=True)
class SnapshotUpdate:
    """What :func:`write_period_snapshot` writes, decided from the files on disk (see :func:`plan_snapshot`)."""

    folder: Path
    snapshot: dict  #: the snapshot the period keeps: the new one, or the one on disk when the results are the same
    previous: dict | None  #: the previous snapshot the period keeps (None on a first render)
    writes: tuple[tuple[str, str], ...]  #: (file name, JSON text), in the order they are written


def plan_snapshot(folder: Path, snapshot: dict) -> SnapshotUpdate:
    """Decide what writing ``snapshot`` into ``folder`` changes, and prepare the files' text; write nothing.

    When the results differ from the snapshot on disk, that one becomes ``snapshot.previous.json``; when they
    are the same, the snapshot on disk (and its generation time) and the previous one stay, so the changes of
    the last real change stay shown.
    """
    folder = Path(folder)
    on_disk = read_snapshot(folder / SNAPSHOT)
    previous = read_snapshot(folder / PREVIOUS)
    if on_disk is not None and same_results(on_disk, snapshot):
        return SnapshotUpdate(folder, on_disk, previous, ())
    writes = [(SNAPSHOT, snapshot_text(snapshot))]
    if on_disk is not None:
        writes.insert(0, (PREVIOUS, snapshot_text(on_disk)))
        previous = on_disk
    return SnapshotUpdate(folder, snapshot, previous, tuple(writes))


def apply_snapshot(update: SnapshotUpdate) -> tuple[dict, dict | None]:
    """Write what :func:`plan_snapshot` prepared (each file atomically); return the snapshot and the previous one."""
    update.folder.mkdir(parents=True, exist_ok=True)
    for name, text in update.writes:
        atomic_write_text(update.folder / name, text)
    snapshot, previous = update.snapshot, update.previous
    log.info("snapshot of %s: %d unit(s)%s", update.folder.name, len(snapshot["units"]),
             "" if previous is None else f", previous of {previous.get('generated', '?')}")  # fmt: skip
    return snapshot, previous


def write_period_snapshot(folder: Path, snapshot: dict) -> tuple[dict, dict | None]:
    """Write ``<folder>/snapshot.json``; return it with the previous snapshot (None on a first render).

    When the results differ from the snapshot on disk, that one becomes ``snapshot.previous.json``;
    when they are the same, the previous snapshot stays, so the changes of the last real change stay shown.
    Both files are written atomically.
    """
    return apply_snapshot(plan_snapshot(folder, snapshot))
