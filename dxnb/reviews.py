"""Review states of a unit's report per period: self-assessed → reviewed → approved, kept in ``reviews.csv``.

``reviews.csv`` in the dataset folder is a log of transitions, one row each (``unit_code, period, state, by, at,
note, fingerprint, results``; see ``data/README.md``); a unit's recorded state is its last row for the period, a
unit without rows is self-assessed. ``fingerprint`` is :func:`dxnb.snapshot.unit_fingerprint` of the unit's
results when the row was written, ``results`` those results (the snapshot entry, compact JSON), so that when the
unit's data or the framework changes after a review or approval, the unit's state is "needs review" and
:class:`Status` says what changed since (:func:`dxnb.changes.compare_units`).

- :func:`read_reviews` — the transitions, validated (:class:`ReviewError` lists ``file:row: column`` problems).
- :func:`statuses` / :func:`unit_status` — the effective state of the units of a period, or of one unit.
- :func:`set_state` — ``dxnb review``: append transitions under the dataset's lock, atomically.
- :func:`review_badge` / :func:`report_badge` — the state as a block for the report's header ("DỰ THẢO").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from . import fmt as f
from . import html as h
from .cells import safe_csv_field
from .changes import UnitChange, compare_units, indicator_line
from .dataset import Dataset, load_dataset
from .errors import DxnbError, ParameterError, Problem
from .fileio import atomic_write_text, exclusive_lock
from .html import Html
from .i18n import N_, t, tn
from .params import check_data_period, find_units
from .paths import resolve_data_dir
from .snapshot import framework_digest, unit_entries, unit_entry, unit_fingerprint

log = logging.getLogger(__name__)

FILE = "reviews.csv"
COLUMNS = ("unit_code", "period", "state", "by", "at", "note", "fingerprint", "results")
REQUIRED = COLUMNS[:7]
SELF_ASSESSED, REVIEWED, APPROVED = "self_assessed", "reviewed", "approved"
STATES = (SELF_ASSESSED, REVIEWED, APPROVED)
#: The derived state of a reviewed or approved unit whose results changed since.
NEEDS_REVIEW = "needs_review"
#: The wording of each state.
LABELS = {
    SELF_ASSESSED: N_("review_state_self_assessed"),
    REVIEWED: N_("review_state_reviewed"),
    APPROVED: N_("review_state_approved"),
    NEEDS_REVIEW: N_("review_state_needs_review"),
}
#: The states each (effective) state may move to without ``--force``.
ALLOWED = {
    SELF_ASSESSED: (REVIEWED,),
    REVIEWED: (APPROVED, SELF_ASSESSED),
    APPROVED: (REVIEWED, SELF_ASSESSED),
    NEEDS_REVIEW: (REVIEWED, SELF_ASSESSED),
}
_FINGERPRINT = re.compile(r"[0-9a-f]{64}")
_YEAR = re.compile(r"\d{4}")
#: Indicator changes a badge lists at most.
BADGE_CHANGES = 5


class ReviewError(DxnbError):
    """A review cannot be recorded, or ``reviews.csv`` is invalid; ``problems`` lists every finding."""

    def __init__(self, problems: Iterable[Problem], summary: str):
        self.problems = list(problems)
        super().__init__("\n".join([summary, *(str(p) for p in self.problems)]))


@dataclass(frozen=True)
class Record:
    """One transition of ``reviews.csv`` (``row`` is its row in the file, the header being row 1)."""

    unit_code: str
    period: str
    state: str
    by: str
    at: str
    note: str
    fingerprint: str
    results: dict | None
    row: int = 0

    @property
    def moment(self) -> dt.datetime:
        """When the transition was recorded."""
        return dt.datetime.fromisoformat(self.at)


@dataclass
class Status:
    """The review state of one unit in one period.

    Attributes:
        code: The unit.
        period: The period.
        state: The effective state: one of :data:`STATES`, or :data:`NEEDS_REVIEW`.
        last: The unit's last transition (None: never reviewed, so self-assessed).
        fingerprint: The fingerprint of the unit's results now.
        changes: For :data:`NEEDS_REVIEW`, what changed since the last transition.
    """

    code: str
    period: str
    state: str
    last: Record | None
    fingerprint: str
    changes: UnitChange | None = None

    @property
    def draft(self) -> bool:
        """Whether the report is still a draft (not approved, or changed since its approval)."""
        return self.state != APPROVED


# ---------------------------------------------------------------------------- reading


def _problem(row: int | None, column: str | None, message: str, hint: str) -> Problem:
    return Problem(FILE, row, column, message, hint)


def _check_row(fields: dict[str, str], row: int, units: Iterable[str], problems: list[Problem]) -> Record | None:
    before = len(problems)
    code, period, state = fields["unit_code"].strip(), fields["period"].strip(), fields["state"].strip()
    if code not in units:
        problems.append(_problem(row, "unit_code", t("rv_unknown_code", code=code),
                                 t("rv_unknown_code_hint")))  # fmt: skip
    if not _YEAR.fullmatch(period):
        problems.append(_problem(row, "period", t("rv_not_a_period", value=period), t("rv_period_hint")))
    if state not in STATES:
        problems.append(_problem(row, "state", t("rv_not_a_state", value=state),
                                 t("val_use_one_of", values=", ".join(STATES))))  # fmt: skip
    if not fields["by"].strip():
        problems.append(_problem(row, "by", t("rv_by_empty"), t("rv_by_empty_hint")))
    try:
        moment = dt.datetime.fromisoformat(fields["at"].strip())
        if moment.tzinfo is None:
            raise ValueError
    except ValueError:
        problems.append(_problem(row, "at", t("rv_bad_time", value=fields["at"]),
                                 t("rv_bad_time_hint")))  # fmt: skip
    fingerprint = fields["fingerprint"].strip()
    if not _FINGERPRINT.fullmatch(fingerprint) and not (state == SELF_ASSESSED and not fingerprint):
        problems.append(
            _problem(
                row,
                "fingerprint",
                t("rv_bad_fingerprint"),
                t("rv_bad_fingerprint_hint"),
            )
        )
    results = None
    raw = fields.get("results", "").strip()
    if raw:
        try:
            results = json.loads(raw)
            if not isinstance(results, dict):
                raise ValueError
        except ValueError:
            problems.append(_problem(row, "results", t("rv_bad_results"),
                                     t("rv_bad_results_hint")))  # fmt: skip
    if len(problems) > before:
        return None
    return Record(code, period, state, fields["by"].strip(), fields["at"].strip(), fields["note"].strip(),
                  fingerprint, results, row)  # fmt: skip


def read_reviews(ds: Dataset) -> list[Record]:
    """The transitions of ``<dataset>/reviews.csv`` in file order ([] when there is none).

    Raises:
        ReviewError: listing every problem of a file edited into an invalid form.
    """
    path = ds.path / FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    summary = t("rv_file_invalid", path=path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ReviewError([_problem(line, None, t("ff_not_utf8"), t("rv_save_utf8_hint"))], summary) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[Problem] = []
    try:
        rows = [(reader.line_num, r) for r in reader]
    except csv.Error as exc:
        raise ReviewError([_problem(reader.line_num, None, t("ff_bad_csv", error=exc),
                                    t("rv_close_quotes_hint"))], summary) from None  # fmt: skip
    if not rows:
        return []
    header = [c.strip() for c in rows[0][1]]
    missing = [c for c in REQUIRED if c not in header]
    for column in missing:
        problems.append(_problem(1, column, t("ds_column_missing"), t("rv_header_hint", columns=",".join(COLUMNS))))
    if missing:
        raise ReviewError(problems, summary)
    units = set(ds.units["code"]) if "code" in ds.units.columns else set(ds.units.index)  # every lifetime's code
    records = []
    for line, values in rows[1:]:
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(header):
            problems.append(_problem(line, None, t("ds_too_many_cells", cells=len(values), width=len(header)),
                                     t("rv_quote_note_hint")))  # fmt: skip
            continue
        fields = dict(zip(header, values + [""] * (len(header) - len(values)), strict=True))
        record = _check_row(fields, line, units, problems)
        if record is not None:
            records.append(record)
    if problems:
        raise ReviewError(problems, summary)
    return records


# ---------------------------------------------------------------------------- states


def _status(
    code: str, period: str, last: Record | None, entry: dict | None, framework: str, now: str | None = None
) -> Status:
    now = now or unit_fingerprint(entry, framework)
    if last is None:
        return Status(code, period, SELF_ASSESSED, None, now)
    if last.state in (REVIEWED, APPROVED) and last.fingerprint != now:
        changes = compare_units(last.results, entry, code) if last.results is not None else None
        return Status(code, period, NEEDS_REVIEW, last, now, changes)
    return Status(code, period, last.state, last, now)


def _last(records: list[Record], period: str) -> dict[str, Record]:
    return {r.unit_code: r for r in records if r.period == period}


def statuses(
    ds: Dataset, period: str, entries: dict[str, dict] | None = None, *, taken_under: str | None = None
) -> dict[str, Status]:
    """The state of every unit with data in ``period`` (``entries``: the period snapshot's units, if at hand).

    ``taken_under`` is the framework digest of the snapshot ``entries`` come from: when it is the dataset's,
    the entries' own fingerprints are used instead of computing them again.
    """
    entries = unit_entries(ds, period) if entries is None else entries
    last = _last(read_reviews(ds), period)
    framework = framework_digest(ds)
    trusted = taken_under is not None and taken_under == framework
    return {
        code: _status(code, period, last.get(code), entry, framework, entry.get("fingerprint") if trusted else None)
        for code, entry in entries.items()
    }


def unit_status(ds: Dataset, code: str, period: str) -> Status:
    """The state of one unit in one period."""
    last = _last(read_reviews(ds), period).get(code)
    return _status(code, period, last, unit_entry(ds, code, period), framework_digest(ds))


def token(status: Status | None) -> str:
    """What a report shows of its state, as text ("" for a never reviewed unit): part of its cache key."""
    if status is None or status.last is None:
        return ""
    last = status.last
    return json.dumps([status.state, last.state, last.by, last.at, last.note, last.row])


# ---------------------------------------------------------------------------- dxnb review


def _label(state: str, lang: str | None = None) -> str:
    return t(LABELS[state], lang)


def _line(record: Record) -> str:
    out = io.StringIO()
    results = json.dumps(record.results, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    csv.writer(out, lineterminator="\n").writerow(
        [record.unit_code, record.period, record.state, safe_csv_field(record.by), record.at,
         safe_csv_field(record.note), record.fingerprint, results if record.results is not None else ""]
    )  # fmt: skip
    return out.getvalue()


def set_state(
    data_dir: str | Path | None,
    units: Iterable[str],
    period: object,
    state: str,
    by: str,
    note: str = "",
    *,
    force: bool = False,
    reason: str = "",
    all_units: bool = False,
) -> list[Record]:
    """Record a transition of each unit to ``state`` in ``reviews.csv``; return the new rows.

    Every unit is checked first; one refused unit refuses them all and nothing is written. The file is
    rewritten atomically holding the dataset's lock, its existing rows kept byte for byte.

    Raises:
        ParameterError: for an unknown period, state or unit, an empty name, a unit without data in the
            period, or ``force`` without a reason.
        ReviewError: for a step that skips a state (without ``force``), or an invalid ``reviews.csv``.
    """
    folder = resolve_data_dir(data_dir)
    if state not in STATES:
        raise ParameterError(t("rv_bad_state", value=state, states=", ".join(STATES)))
    if not by or not by.strip():
        raise ParameterError(t("rv_no_reviewer"))
    if force and not reason.strip():
        raise ParameterError(t("rv_force_needs_reason"))
    with exclusive_lock(folder, what=N_("lock_review")):
        ds = load_dataset(folder)
        period = check_data_period(ds, period)
        ds = ds.at(period)  # the units alive in the period
        units = [u for u in units if str(u).strip()]
        if not all_units and not units:
            raise ParameterError(t("rv_name_units"))
        codes = list(ds.units.index) if all_units else find_units(ds, units)
        entries = unit_entries(ds, period, codes)
        if all_units:
            codes = [c for c in codes if c in entries]
            if not codes:
                raise ParameterError(t("rv_no_data", period=period))
        without = [c for c in codes if c not in entries]
        if without:
            raise ParameterError(tn("rv_units_no_data", len(without), codes=", ".join(without), period=period))
        current = statuses(ds, period, {c: entries[c] for c in codes})
        problems = []
        for code in codes:
            now = current[code].state
            if state not in ALLOWED[now] and not force:
                name = ds.units.at[code, "name"]
                refused = t("rv_step_refused", name=name, now=now, state=state, next=" / ".join(ALLOWED[now]))
                problems.append(Problem(FILE, None, code, refused, t("rv_step_refused_hint")))
        if problems:
            raise ReviewError(problems, t("rv_nothing_recorded", path=folder / FILE))
        at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        text_note = note.strip()
        if force:
            text_note = f"[--force: {reason.strip()}] {text_note}".strip()
        framework = framework_digest(ds)
        records = [
            Record(
                code,
                period,
                state,
                by.strip(),
                at,
                text_note,
                unit_fingerprint(entries[code], framework),
                {k: v for k, v in entries[code].items() if k != "name"},
            )
            for code in codes
        ]
        path = folder / FILE
        try:
            old = path.read_bytes().decode("utf-8")
        except FileNotFoundError:
            old = ""
        if not old.strip():
            old = ",".join(COLUMNS) + "\n"
        elif not old.endswith(("\n", "\r")):
            old += "\n"
        atomic_write_text(path, old + "".join(_line(r) for r in records))
    log.info("recorded %d transition(s) to %s in %s", len(records), state, path)
    return records


# ---------------------------------------------------------------------------- the report's badge


def review_badge(status: Status, lang: str = "vi", dataset: Dataset | None = None) -> Html:
    """The state as a block for the report's header: "DỰ THẢO" until approved, who and when, what changed."""
    last = status.last
    who = ""
    if last is not None:
        who = t("review_badge_by", lang, state=_label(last.state, lang), by=last.by, date=f.date(last.moment, lang))
    if not status.draft:
        parts = [h.bold(t("review_badge_approved", lang)), " — ", who]
        if last.note:
            parts += [" — ", last.note]
        return h.tag("div", *parts, cls="dx-report dx-review dx-review-approved", role="status",
                     style="border:2px solid #1b7a3a;color:#1b5e20;padding:.4em .8em;margin:.6em 0")  # fmt: skip
    parts: list[object] = [h.tag("strong", t("review_badge_draft", lang), style="font-size:1.3em;letter-spacing:.1em"),
                           " — ", _label(status.state, lang)]  # fmt: skip
    if who:
        parts += [" (", who, ")"]
    if status.state == NEEDS_REVIEW:
        parts.append(h.para(t("review_badge_changed", lang)))
        if status.changes is not None and dataset is not None:
            lines = [indicator_line(dataset, c, lang, status.period) for c in status.changes.indicators[:BADGE_CHANGES]]
            if lines:
                parts.append(h.items(lines))
    return h.tag("div", *parts, cls="dx-report dx-review dx-review-draft", role="status",
                 style="border:3px solid #b71c1c;color:#b71c1c;padding:.4em .8em;margin:.6em 0")  # fmt: skip


def report_badge(ds: Dataset, code: str, period: str, lang: str = "vi") -> Html:
    """The badge of one unit's report (see :func:`review_badge`)."""
    return review_badge(unit_status(ds, code, period), lang, ds)
