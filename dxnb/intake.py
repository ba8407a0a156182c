"""Intake: ``dxnb template`` hands each commune a form, ``dxnb import`` merges the filled forms back.

Importing never loses data:

1. every form is read and checked first (:func:`dxnb.formreader.read_form`); one bad form refuses the lot;
2. values that differ from the dataset are refused, each conflict listed, unless ``replace`` is set;
3. the merged ``observations.csv`` and ``notes.csv`` are validated with :func:`dxnb.dataset.check_dataset`
   in a scratch folder before anything is written;
4. the whole import runs holding an exclusive lock on the dataset (``.dxnb-import.lock``): a second import
   waits for it, then reads the dataset the first one wrote; after a bounded wait it gives up (exit 2);
5. the previous files are copied to new, uniquely named files in ``backups/`` (kept whatever happens), then
   the new ones replace them as one step (:func:`dxnb.fileio.replace_files`: temporaries, a journal, the
   renames with Ctrl-C held back); a journal left by a crash is finished or undone by the next import.

Text fields a form adds (sources, notes) go through :func:`dxnb.cells.safe_csv_field`, so a spreadsheet
opening ``observations.csv`` never runs them as formulas.

Untouched rows keep their exact bytes (quoting, number spelling, extra columns such as ``qualifier``); new
rows are appended with the file's own line ending. An import that changes nothing writes nothing.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .cells import safe_csv_field
from .csvfile import CsvFile, Record
from .dataset import FILES, OPTIONAL_FILES, Dataset, check_dataset, load_dataset
from .dataset_frameworks import copy_frameworks
from .errors import FormError, Problem
from .fileio import (
    JOURNAL_NAME,
    exclusive_lock,
    recover_journal,
    replace_files,
    sweep_temporaries,
    terminate_cleanly,
)
from .i18n import N_, t, tn
from .paths import resolve_data_dir
from .text import nfc
from .values import ValueProblem, parse_number

if TYPE_CHECKING:
    from .formreader import FilledForm

log = logging.getLogger(__name__)

OBSERVATIONS, NOTES = "observations.csv", "notes.csv"
#: What an import does to a row (:attr:`Change.status`), and its word.
CHANGE_KEYS = {
    "new": N_("intake_status_new"),
    "changed": N_("intake_status_changed"),
    "unchanged": N_("intake_status_unchanged"),
    "removed": N_("intake_status_removed"),
}
BACKUP_DIR = "backups"


class FormRefusedError(FormError):
    """One or more forms cannot be imported; ``problems`` lists every finding."""

    def __init__(self, problems: Iterable[Problem], summary: str | None = None):
        self.problems = list(problems)
        errors = sum(p.is_error for p in self.problems)
        head = summary or tn("intake_refused", errors)
        ordered = sorted(self.problems, key=lambda p: not p.is_error)
        super().__init__("\n".join([head, *(str(p) for p in ordered)]))


class ImportConflictError(FormError):
    """Forms disagree with values already in the dataset; ``problems`` lists each conflict."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        head = tn("intake_conflicts", len(self.problems))
        super().__init__("\n".join([head, *(str(p) for p in self.problems)]))


# --------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class Change:
    """One row an import adds, changes, leaves as it is, or removes."""

    file: str
    status: str  # new, changed, unchanged, removed
    unit_code: str
    period: str
    item: str  # indicator id, or note kind
    old: str = ""
    new: str = ""
    cell: str = ""
    what: str = ""  # for a changed row: "value", or "" when only the source or note differ

    def __str__(self) -> str:
        what = f"{self.unit_code} {self.period} {self.item}"
        if self.status == "changed":
            change = f"{self.old} → {self.new}" if self.what == "value" else t("intake_new_source", value=self.new)
            return f"{t(CHANGE_KEYS[self.status]):<9} {what}: {change}  ({self.cell})"
        shown = self.old if self.status == "removed" else self.new
        return f"{t(CHANGE_KEYS[self.status]):<9} {what}: {_short(shown)}" + (f"  ({self.cell})" if self.cell else "")


@dataclass
class ImportPlan:
    """What an import changes; :func:`apply_import` carries it out."""

    dataset: Dataset
    forms: list[FilledForm] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    originals: dict[str, bytes] = field(default_factory=dict)
    updated: dict[str, bytes] = field(default_factory=dict)
    backups: list[Path] = field(default_factory=list)
    written: bool = False

    def counts(self, file: str) -> dict[str, int]:
        """Number of rows of ``file`` per status."""
        statuses = ("new", "unchanged", "removed") if file == NOTES else ("new", "changed", "unchanged")
        return {s: sum(c.file == file and c.status == s for c in self.changes) for s in statuses}

    @property
    def has_changes(self) -> bool:
        """Whether applying the plan rewrites any file."""
        return bool(self.updated)


def _short(text: str, width: int = 70) -> str:
    text = re.sub(r"\s+", " ", text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.15g}"


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _note_key(kind: str, text: str) -> tuple[str, str]:
    return kind.strip(), re.sub(r"\s+", " ", nfc(text)).strip()


def _collect(forms, problems: list[Problem]) -> tuple[dict, dict]:
    """Merge the forms' values and notes by (unit, period); report forms that disagree with each other."""
    values: dict[tuple[str, str, str], tuple] = {}
    notes: dict[tuple[str, str], dict[tuple[str, str], tuple]] = {}
    for form in forms:
        for item in form.values:
            key = (form.unit_code, form.period, item.indicator)
            if key in values:
                other = values[key][1]
                if not _same(other.value, item.value):
                    what = f"{_fmt(item.value)} vs {_fmt(other.value)}"
                elif (other.source, other.note) != (item.source, item.note):
                    what = t("intake_same_value")
                else:
                    continue
                problems.append(Problem(item.cell, None, item.indicator,
                                        t("intake_forms_conflict", cell=other.cell, what=what),
                                        t("intake_forms_conflict_hint")))  # fmt: skip
                continue
            values[key] = (form, item)
        group = notes.setdefault((form.unit_code, form.period), {})
        for note in form.notes:
            group.setdefault(_note_key(note.kind, safe_csv_field(note.text)), (form, note))
    return values, notes


def _plan_observations(table: CsvFile, values: dict, replace: bool, plan: ImportPlan, conflicts: list[Problem]) -> None:
    index: dict[tuple[str, str, str], list[Record]] = {}
    rows: dict[int, int] = {}
    for number, record in enumerate(table.records):
        key = tuple(table.get(record, c).strip() for c in ("unit_code", "period", "indicator"))
        index.setdefault(key, []).append(record)
        rows[id(record)] = number + 2
    for key, (form, item) in values.items():
        code, period, indicator = key
        new_value = _fmt(item.value)
        if key not in index:
            table.records.append(
                table.new_record(
                    {
                        "unit_code": code,
                        "period": period,
                        "indicator": indicator,
                        "value": new_value,
                        "source": safe_csv_field(item.source or form.default_source),
                        "note": safe_csv_field(item.note),
                        "qualifier": item.qualifier,
                    },
                    item.cell,
                )
            )
            if item.qualifier and table.column("qualifier") is None:
                plan.warnings.append(
                    Problem(
                        item.cell,
                        None,
                        indicator,
                        t("intake_no_qualifier_column", qualifier=item.qualifier, file=OBSERVATIONS),
                        t("intake_no_qualifier_column_hint"),
                        "warning",
                    )
                )
            plan.changes.append(Change(OBSERVATIONS, "new", code, period, indicator, new=new_value, cell=item.cell))
            continue
        record = index[key][0]
        old_raw = table.get(record, "value").strip()
        try:
            same_value = _same(parse_number(old_raw), item.value)
        except ValueProblem:
            same_value = False
        old_source, old_note = nfc(table.get(record, "source")).strip(), nfc(table.get(record, "note")).strip()
        source, note = safe_csv_field(item.source), safe_csv_field(item.note)  # as they would be stored
        differences = []
        old_qualifier = table.get(record, "qualifier").strip()
        same_qualifier = table.column("qualifier") is None or item.qualifier == old_qualifier  # "hơn 640" ≠ 640
        if not same_value:
            differences.append(t("intake_value_differs", old=old_raw, new=new_value))
        elif not same_qualifier:
            differences.append(
                t(
                    "intake_qualifier_differs",
                    old=old_raw,
                    old_qualifier=old_qualifier or t("intake_exact"),
                    new=new_value,
                    new_qualifier=item.qualifier or t("intake_exact"),
                )
            )
        if source and source != old_source:
            differences.append(t("intake_source_differs", old=_short(old_source, 50), new=_short(item.source, 50)))
        if note and note != old_note:
            differences.append(t("intake_note_differs", old=_short(old_note, 50), new=_short(item.note, 50)))
        if not differences:
            plan.changes.append(Change(OBSERVATIONS, "unchanged", code, period, indicator, old_raw, old_raw, item.cell))
            continue
        plan.changes.append(
            Change(
                OBSERVATIONS,
                "changed",
                code,
                period,
                indicator,
                old_raw,
                new_value,
                item.cell,
                "" if same_value and same_qualifier else "value",
            )
        )
        if not replace:
            conflicts.append(Problem(item.cell, None, indicator, f"{code}, {period}: " + "; ".join(differences) +
                                     f" ({OBSERVATIONS}:{rows[id(record)]})",
                                     t("intake_conflict_hint")))  # fmt: skip
            continue
        for target in index[key]:  # every copy of the row, should the file repeat it
            table.set(target, "value", new_value if not same_value else table.get(target, "value"))
            table.set(target, "source", source or (old_source if same_value else safe_csv_field(form.default_source)))
            table.set(target, "note", note or (old_note if same_value else ""))
            if not (same_value and same_qualifier):
                table.set(target, "qualifier", item.qualifier)  # the old qualifier described the old figure
            target.cell = item.cell


def _plan_notes(table: CsvFile, notes: dict, replace: bool, plan: ImportPlan) -> None:
    for (code, period), group in notes.items():
        if not group:
            continue
        existing: dict[tuple[str, str], list[Record]] = {}
        for record in table.records:
            if (table.get(record, "unit_code").strip(), table.get(record, "period").strip()) == (code, period):
                key = _note_key(table.get(record, "kind"), table.get(record, "text"))
                existing.setdefault(key, []).append(record)
        for key, (form, note) in group.items():
            if key in existing:
                plan.changes.append(Change(NOTES, "unchanged", code, period, note.kind, new=note.text, cell=note.cell))
                continue
            table.records.append(
                table.new_record(
                    {
                        "unit_code": code,
                        "period": period,
                        "kind": note.kind,
                        "text": safe_csv_field(note.text),
                        "source": safe_csv_field(note.source or form.default_source),
                    },
                    note.cell,
                )
            )
            plan.changes.append(Change(NOTES, "new", code, period, note.kind, new=note.text, cell=note.cell))
        if replace:
            for key, records in existing.items():
                if key in group:
                    continue
                for record in records:
                    table.records.remove(record)
                    plan.changes.append(Change(NOTES, "removed", code, period, key[0], old=key[1]))


def _validate_merged(plan: ImportPlan, tables: dict[str, CsvFile]) -> None:
    """Check the merged dataset in a scratch folder; refuse the import when it would not validate."""
    with tempfile.TemporaryDirectory(prefix="dxnb-import-") as scratch:
        folder = Path(scratch)
        for name in FILES:
            data = plan.updated.get(name)
            if data is None:
                shutil.copyfile(plan.dataset.path / name, folder / name)
            else:
                (folder / name).write_bytes(data)
        for name in OPTIONAL_FILES:  # successions.csv
            if (plan.dataset.path / name).is_file():
                shutil.copyfile(plan.dataset.path / name, folder / name)
        copy_frameworks(plan.dataset.path, folder)  # the frameworks in force per period
        merged, problems = check_dataset(folder)
    cells = {name: table.row_cells() for name, table in tables.items()}
    before = {str(p) for p in plan.dataset.warnings}
    located = []
    for problem in problems:
        if not problem.is_error and str(problem) in before:
            continue
        cell = cells.get(problem.file, {}).get(problem.row or -1)
        where = f"{cell} (→ {problem.file} row {problem.row})" if cell else problem.file
        located.append(
            Problem(
                where, None if cell else problem.row, problem.column, problem.message, problem.hint, problem.severity
            )
        )
    if merged is None:
        raise FormRefusedError(located, t("intake_merged_invalid"))
    plan.warnings.extend(located)


def plan_import(
    paths: Iterable[str | Path], data_dir: str | Path | None = None, *, replace: bool = False, period: str | None = None
) -> ImportPlan:
    """Read and check every form and work out what importing them changes; writes nothing.

    Args:
        paths: the filled forms (``.xlsx``).
        data_dir: the dataset folder (the bundled ``data/`` by default).
        replace: overwrite values that differ from the dataset instead of refusing them; a form's notes
            replace the notes of its unit and period.
        period: when given, every form must be for this period.

    Raises:
        DataError: when the dataset itself does not validate.
        FormRefusedError: listing every problem of every form, or of the merged dataset.
        ImportConflictError: listing each value that differs from the dataset (without ``replace``).
    """
    from .formreader import read_form
    from .forms import check_period

    dataset = load_dataset(data_dir)
    wanted = check_period(period) if period is not None else None
    plan = ImportPlan(dataset)
    problems: list[Problem] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.resolve() in seen:
            continue
        seen.add(path.resolve())
        form, found = read_form(path, dataset)
        problems.extend(found)
        if form is not None and wanted is not None and form.period != wanted:
            problems.append(Problem(str(path), None, None, t("intake_wrong_period", period=form.period, wanted=wanted),
                                    t("intake_wrong_period_hint", wanted=wanted)))  # fmt: skip
        elif form is not None:
            plan.forms.append(form)
    if not seen:
        raise FormError(t("intake_no_forms"))
    values, notes = _collect(plan.forms, problems)
    if any(p.is_error for p in problems):
        raise FormRefusedError(problems)
    plan.warnings.extend(problems)

    tables = {}
    for name in (OBSERVATIONS, NOTES):
        data = (dataset.path / name).read_bytes()
        if hashlib.sha256(data).hexdigest() != dataset.hashes.get(name):
            raise FormError(t("intake_changed_while_reading", path=dataset.path / name))
        plan.originals[name] = data
        tables[name] = CsvFile.parse(name, data)
    conflicts: list[Problem] = []
    _plan_observations(tables[OBSERVATIONS], values, replace, plan, conflicts)
    if conflicts:
        raise ImportConflictError(conflicts)
    _plan_notes(tables[NOTES], notes, replace, plan)
    for name, table in tables.items():
        data = table.to_bytes()
        if data != plan.originals[name]:
            plan.updated[name] = data
    if plan.has_changes:
        _validate_merged(plan, tables)
    return plan


# --------------------------------------------------------------------------- writing


def apply_import(plan: ImportPlan) -> ImportPlan:
    """Write the plan: back up the files it changes, then replace them as one step.

    Runs holding the dataset's lock (:func:`dxnb.fileio.exclusive_lock`, re-entrant for
    :func:`import_forms`). The previous files are copied to new, uniquely named backups in ``backups/``, which
    are kept whatever happens; then the new files replace the old ones with Ctrl-C held back
    (:func:`dxnb.fileio.replace_files`). If anything fails before that (a full disk, Ctrl-C), the dataset is
    left as it was and no temporary file remains.

    Raises:
        FormError: when a dataset file changed since the plan was made, or could not be written.
        BusyError: when another import holds the lock for longer than :data:`dxnb.fileio.LOCK_TIMEOUT`.
    """
    if not plan.has_changes:
        log.debug("the dataset already holds every value of the forms; nothing written")
        return plan
    folder = plan.dataset.path
    with exclusive_lock(folder):
        for name in plan.updated:
            if (folder / name).read_bytes() != plan.originals[name]:
                raise FormError(t("intake_changed_since_check", path=folder / name))
        try:
            backups = replace_files(folder, plan.updated, plan.originals, BACKUP_DIR)
        except OSError as exc:
            raise FormError(t("intake_write_failed", folder=folder, error=exc)) from exc
    plan.backups = backups
    plan.written = True
    log.debug("imported %d form(s) into %s; backups: %s", len(plan.forms), folder, ", ".join(str(b) for b in backups))
    return plan


def prepare_dataset(folder: Path) -> None:
    """Before an import reads the dataset (holding its lock): resolve a leftover journal, sweep temporaries."""
    if not folder.is_dir():
        return
    outcome = recover_journal(folder)
    if outcome is not None:
        log.warning("%s: an interrupted import was %s before this one", folder, outcome)
    sweep_temporaries(folder, (OBSERVATIONS, NOTES))


def import_forms(
    paths: Iterable[str | Path],
    data_dir: str | Path | None = None,
    *,
    replace: bool = False,
    dry_run: bool = False,
    period: str | None = None,
) -> ImportPlan:
    """Import filled forms into a dataset (see :func:`plan_import` for the checks and errors).

    The dataset's lock is taken before the dataset is read and held until the new files are written, so
    two imports at the same time run one after the other. With ``dry_run`` the plan is returned and nothing
    is written.

    Raises:
        BusyError: when another import holds the lock for longer than :data:`dxnb.fileio.LOCK_TIMEOUT`.
    """
    folder = resolve_data_dir(data_dir)
    if dry_run or not folder.is_dir():  # a dry run writes nothing, so it needs no lock (the folder may be read-only)
        if (folder / JOURNAL_NAME).exists():
            log.warning("%s: an interrupted import left %s; the next import resolves it", folder, JOURNAL_NAME)
        return plan_import(paths, data_dir, replace=replace, period=period)
    with terminate_cleanly(), exclusive_lock(folder):
        prepare_dataset(folder)
        return apply_import(plan_import(paths, folder, replace=replace, period=period))
