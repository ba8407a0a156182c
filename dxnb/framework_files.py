"""Reading and checking evaluation frameworks (the loading half of :mod:`dxnb.framework`, which re-exports it).

Evaluation frameworks as data: a versioned, self-describing folder of CSV files (see ``data/README.md``).

A framework folder holds ``framework.csv`` (``field,value``: id, version, names, document, issuer, years, total
points, unit kinds), ``groups.csv`` (the groups and their points), ``indicators.csv`` (the indicators and their
scoring rules), and optionally ``classes.csv`` (result classes) and ``adjustments.csv`` (bonus and penalty items).
:func:`load_framework` validates one (:mod:`dxnb.validate_framework`) and builds a
:class:`~dxnb.catalogue.Catalogue`, the scoring model.

dxnb bundles frameworks in ``dxnb/frameworks/<id>/``. A dataset names the framework in force per period in
``frameworks.csv`` (``period,framework``: a bundled id or a folder inside the dataset); periods it does not name
(and every period, without that file) are scored with the dataset's own ``pillars.csv``/``indicators.csv``.

- :func:`load_framework`, :func:`check_framework`, :func:`bundled` — one framework, the bundled ones.
The frameworks a dataset names (``frameworks.csv``) are read by :mod:`dxnb.dataset_frameworks`.
"""

from __future__ import annotations

import codecs
import functools
import io
import logging
from dataclasses import replace
from pathlib import Path

import pandas as pd

from . import catalogue as cat
from . import validate_framework as vf
from .errors import DataError, Problem
from .i18n import t
from .text import nfc

log = logging.getLogger(__name__)

BUNDLED_DIR = Path(__file__).resolve().parent / "frameworks"
FILES = ("framework.csv", "groups.csv", "indicators.csv", "classes.csv", "adjustments.csv")
OPTIONAL_FILES = ("classes.csv", "adjustments.csv")
PLAN_FILE = "frameworks.csv"
INDICATOR_COLUMNS = (
    "id", "pillar", "name_vi", "name_en", "unit_vi", "unit_en", "kind", "scoring", "max_points", "steps",
    "numerator", "denominator", "scale", "decimals", "target", "target_year", "target_source",
)  # fmt: skip
COLUMNS = {
    "framework.csv": ("field", "value"),
    "groups.csv": vf.GROUP_COLUMNS,
    "indicators.csv": INDICATOR_COLUMNS,
    "classes.csv": vf.CLASS_COLUMNS,
    "adjustments.csv": vf.ADJUSTMENT_COLUMNS,
    PLAN_FILE: ("period", "framework"),
}


class FrameworkError(DataError):
    """A framework is invalid, incomplete or unknown; ``problems`` lists every finding."""


# --------------------------------------------------------------------------- reading


def read_table(name: str, shown: str, raw: bytes | None, problems: list[Problem]) -> pd.DataFrame | None:
    """The text cells of one framework CSV file (index + 2 = its row), or None (with problems) when unusable.

    ``name`` picks the expected columns, ``shown`` is the file as problems name it.
    """
    if raw is None:
        problems.append(
            Problem(
                shown,
                None,
                None,
                t("ff_file_missing"),
                t("ds_file_missing_hint", columns=",".join(COLUMNS[name])),
            )
        )
        return None
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        text = nfc(raw.decode("utf-8"))
    except UnicodeDecodeError:
        problems.append(Problem(shown, None, None, t("ff_not_utf8"), t("ds_not_utf8_hint")))
        return None
    try:
        table = pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False, skip_blank_lines=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        problems.append(
            Problem(
                shown,
                None,
                None,
                t("ff_bad_csv", error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__),
                t("ff_bad_csv_hint"),
            )
        )
        return None
    table = table[(table.map(lambda v: str(v).strip()) != "").any(axis=1)]
    if table.empty:
        problems.append(
            Problem(shown, None, None, t("ds_file_empty"), t("ds_file_empty_hint", columns=",".join(COLUMNS[name])))
        )
        return None
    header = [str(c).strip() for c in table.iloc[0]]
    frame = table.iloc[1:].map(lambda v: str(v).strip())
    frame.columns = header
    frame.index = frame.index - 1
    missing = [c for c in COLUMNS[name] if c not in header]
    for column in missing:
        problems.append(Problem(shown, 1, column, t("ds_column_missing"), t("ds_add_column")))
    if missing:
        return None
    for column in ("applies_to", "evidence_required", "target_verified", "description"):
        if name == "indicators.csv" and column not in frame.columns:
            frame[column] = ""
    return frame


def _fields(frame: pd.DataFrame, file: str, problems: list[Problem]) -> dict[str, tuple[int, str]]:
    """``framework.csv`` as {field: (row, value)}; a field given twice or unknown is a problem."""
    fields: dict[str, tuple[int, str]] = {}
    for row, record in vf.selected_rows(frame, slice(None)):
        name, value = str(record["field"]).strip(), str(record["value"]).strip()
        if name in fields:
            problems.append(Problem(file, row, "field", t("vf_id_twice", value=name, other=fields[name][0]),
                                    t("ff_field_once_hint")))  # fmt: skip
        elif name not in vf.FIELDS:
            problems.append(Problem(file, row, "field", t("ff_unknown_field", value=name),
                                    t("val_use_one_of", values=", ".join(vf.FIELDS))))  # fmt: skip
        else:
            fields[name] = (row, value)
    return fields


def check_framework(read, label: str, source: str = "") -> tuple[cat.Catalogue | None, list[Problem]]:
    """Validate a framework and build its catalogue (None on errors); an incomplete one has ``missing`` set.

    Args:
        read: ``read(file_name) -> bytes | None`` for the framework's files.
        label: How problems name the folder (``"dxnb-ref-2025"``, ``"frameworks/my-2025"``).
        source: Recorded in :attr:`~dxnb.catalogue.FrameworkInfo.source` ("bundled" or the folder).
    """
    problems: list[Problem] = []
    shown = {name: f"{label}/{name}" for name in FILES}
    frames = {}
    for name in FILES:
        raw = read(name)
        frames[name] = None if raw is None and name in OPTIONAL_FILES else read_table(name, shown[name], raw, problems)
    info_frame, groups, indicators = frames["framework.csv"], frames["groups.csv"], frames["indicators.csv"]
    if info_frame is None or groups is None or indicators is None:
        return None, problems
    fields = _fields(info_frame, shown["framework.csv"], problems)
    names = (shown["framework.csv"], shown["groups.csv"], shown["indicators.csv"])
    vf.check_info(fields, names[0], problems)
    vf.check_groups_and_indicators(groups, indicators, names, problems)
    missing = vf.missing_points(groups, indicators, fields, names)
    total_text = fields.get("total_points", (None, ""))[1]
    total = (
        cat.plain_number(total_text) if total_text and not any(p.column == "total_points" for p in problems) else None
    )
    if not missing and not any(p.is_error for p in problems):
        vf.check_points(groups, indicators, total, names, problems)
    classes, adjustments = frames["classes.csv"], frames["adjustments.csv"]
    if classes is not None:
        vf.check_classes(classes, total, shown["classes.csv"], problems)
    if adjustments is not None:
        vf.check_adjustments(adjustments, set(indicators["id"]), shown["adjustments.csv"], problems)
    if any(p.is_error for p in problems):
        return None, problems
    value = {k: v for k, (_, v) in fields.items()}
    info = cat.FrameworkInfo(
        id=value["id"], version=value["version"], name_vi=value["name_vi"], name_en=value["name_en"],
        document=value["document"], issued_by=value.get("issued_by", ""), years=value["years"], total_points=total,
        unit_kinds=tuple(k.strip().casefold() for k in value.get("unit_kinds", "").split(";") if k.strip()),
        source=source,
    )  # fmt: skip
    built = cat.build_catalogue(groups, vf.fill_missing(indicators))
    result_classes = (
        ()
        if classes is None
        else tuple(
            cat.ResultClass(r["id"], r["name_vi"], r["name_en"], float(r["min_score"]), float(r["max_score"]))
            for r in classes.to_dict("records")
        )
    )
    items = (
        ()
        if adjustments is None
        else tuple(
            cat.Adjustment(r["id"], r["kind"], r["name_vi"], r["name_en"], float(r["points"]), float(r["cap"]))
            for r in adjustments.to_dict("records")
        )
    )
    return replace(built, framework=info, classes=result_classes, adjustments=items, missing=tuple(missing)), problems


def _folder_reader(folder: Path):
    def read(name: str) -> bytes | None:
        try:
            return (folder / name).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    return read


def check_folder(folder: str | Path, label: str | None = None) -> tuple[cat.Catalogue | None, list[Problem]]:
    """Validate the framework in ``folder``: its catalogue (None on errors) and every problem."""
    folder = Path(folder)
    return check_framework(_folder_reader(folder), label or folder.name, str(folder))


def load_framework(folder: str | Path, label: str | None = None) -> cat.Catalogue:
    """Load and validate the framework in ``folder``.

    Raises:
        FrameworkError: listing every problem when the framework is invalid.
    """
    built, problems = check_folder(folder, label)
    if built is None:
        raise FrameworkError(problems, t("ff_framework_problems", folder=folder))
    return built


@functools.cache
def _bundled(framework_id: str) -> cat.Catalogue:
    built, problems = check_framework(_folder_reader(BUNDLED_DIR / framework_id), framework_id, "bundled")
    if built is None:  # a bug in dxnb's own files, not a user's mistake
        raise RuntimeError("bundled framework is invalid:\n" + "\n".join(map(str, problems)))
    return built


def bundled_ids() -> list[str]:
    """The ids of the bundled frameworks, sorted."""
    return sorted(p.name for p in BUNDLED_DIR.iterdir() if (p / "framework.csv").is_file())


def bundled(framework_id: str) -> cat.Catalogue:
    """The bundled framework ``framework_id``.

    Raises:
        FrameworkError: when no bundled framework has that id.
    """
    if framework_id not in bundled_ids():
        raise FrameworkError(
            [
                Problem(
                    PLAN_FILE,
                    None,
                    "framework",
                    t("ff_no_bundled", value=framework_id),
                    t("val_use_one_of", values=", ".join(bundled_ids())),
                )
            ]
        )
    return _bundled(framework_id)


def require_complete(catalogue: cat.Catalogue) -> None:
    """Refuse to score an incomplete framework, naming what it lacks.

    Raises:
        FrameworkError: when ``catalogue.missing`` is not empty.
    """
    if catalogue.missing:
        shown = ", ".join(catalogue.missing[:12]) + (
            t("ff_missing_more", n=len(catalogue.missing)) if len(catalogue.missing) > 12 else ""
        )
        raise FrameworkError(
            [
                Problem(
                    catalogue.id,
                    None,
                    None,
                    t("ff_incomplete", missing=shown),
                    t("ff_incomplete_hint"),
                )
            ],
            t("ff_incomplete_summary", framework=catalogue.id),
        )
