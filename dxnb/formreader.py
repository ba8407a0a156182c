"""Reading a filled Excel form back (the forms :mod:`dxnb.forms` writes).

:func:`read_form` checks the file is a dxnb form, that its unit, period and id column are the ones it
was made with, and reads every value the way a Vietnamese user meant it (``92,4``, ``1.083``,
`` 14 ``, ``92,4%``, ``một phần``), with the rules of ``dxnb check``. Figures stated as surveys state them
keep their qualifier: "hơn 640", "ít nhất 2" (a lower bound), "khoảng 60%", "gần 100%" (an estimate);
words alone ("nhiều lớp") are refused with what to type instead. Each problem is a
:class:`~dxnb.errors.Problem` located at its cell, Excel style: ``form.xlsx:'Chỉ tiêu'!G14``.
An empty value cell means "not reported", never zero. The file is only read, never saved.

The reader is bounded: before a workbook is loaded its size, its zip members' uncompressed sizes and its
sheets' dimensions are checked against :data:`LIMITS`, and the sheets are streamed (``read_only``) no further
than the rows a form can have. The table's columns are checked against the template's header row, so a
form whose columns were inserted, deleted or moved is refused rather than read in the wrong column.
A file that is not a readable workbook (encrypted, an old ``.xls``, a corrupt zip or XML) is refused with
what it is and how to fix it.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl.utils import get_column_letter

from . import __version__
from . import catalogue as cat
from .dataset import Dataset
from .errors import FormError, Problem
from .formfile import LIMITS, Sheet, Unusable, open_workbook
from .formlayout import (
    CODE_CELL,
    COL,
    COLUMNS,
    FIRST_ROW,
    FORM_FORMAT,
    LETTER,
    META_SHEET,
    NOTE_KIND_LABELS,
    NOTES_FIRST_ROW,
    NOTES_SHEET,
    PERIOD_CELL,
    SUPPORTED_VERSIONS,
    TABLE_HEADER_ROW,
    VALUES_SHEET,
    cell_ref,
    check_period,
    column_captions,
    ids_fingerprint,
    unit_label,
)
from .i18n import N_, t, tn
from .params import period_label
from .text import ascii_fold, nfc
from .values import ValueProblem, has_digit, parse_number, split_qualifier

log = logging.getLogger(__name__)

MAX_VALUE = 1e12  # no indicator of a commune counts or measures more; anything larger is a typing slip

_DOT_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")  # "1.083": a decimal point or a thousands dot?
_DOT_THOUSANDS_COMMA = re.compile(r"^\d{1,3}(\.\d{3})+,\d+$")  # "1.083,5"


@dataclass(frozen=True)
class FormValue:
    """One value read from a form."""

    indicator: str
    value: float
    source: str
    note: str
    cell: str
    qualifier: str = ""  # "lower_bound" or "estimate" (observations.csv's qualifier column), "" for an exact figure


@dataclass(frozen=True)
class FormNote:
    """One note read from a form's notes sheet."""

    kind: str
    text: str
    source: str
    cell: str


@dataclass
class FilledForm:
    """A filled form, read and checked."""

    path: Path
    unit_code: str
    unit_label: str
    period: str
    values: list[FormValue] = field(default_factory=list)
    notes: list[FormNote] = field(default_factory=list)

    @property
    def default_source(self) -> str:
        """Provenance written when a row names no source."""
        return f"Biểu mẫu {self.unit_label}, {period_label(self.period, 'vi', inline=True)} ({self.path.name})"


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"[ \t\u00a0]+", " ", nfc(str(value))).strip()


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.15g}"


def _choice_key(value: object) -> str:
    return re.sub(r"\s+", " ", ascii_fold(nfc(str(value))).casefold()).strip()


_YES_PARTIAL_NO_WORDS = {"co": 1.0, "yes": 1.0, "mot phan": 0.5, "partial": 0.5, "partly": 0.5,
                         "khong": 0.0, "no": 0.0, "1": 1.0, "0,5": 0.5, "0.5": 0.5, "0": 0.0}  # fmt: skip
_NOTE_KINDS = {_choice_key(label): kind for kind, label in NOTE_KIND_LABELS.items()}
_NOTE_KINDS.update({kind: kind for kind in NOTE_KIND_LABELS} | {"next step": "next_step"})  # the English ids too


def read_qualified_value(value: object, number_format: str, ind: cat.Indicator) -> tuple[float, str]:
    """Read one value cell with how it was stated: ``(640.0, "lower_bound")`` for "hơn 640 lượt".

    A qualifier word in front ("hơn", "ít nhất", "khoảng", "gần" …, see :func:`dxnb.values.split_qualifier`)
    and the indicator's unit after the number ("lượt", "%") are taken off; the rest is read by :func:`read_value`.

    Raises:
        ValueProblem: as :func:`read_value`; also for words without a number ("nhiều lớp") and upper bounds.
    """
    if ind.kind == "yes_partial_no" or not isinstance(value, str):
        return read_value(value, number_format, ind), ""
    text = _text(value)
    if not has_digit(text):
        raise ValueProblem(
            f"'{_clip(text)}' is not a figure",
            "type a number, e.g. 92,4 or 1083 (or 'hơn 3', 'khoảng 5' when the survey gives no exact figure), "
            "and put the words in the note column",
        )
    bare, qualifier = split_qualifier(text)
    unit = _text(ind.unit_vi)
    if unit and unit != "%" and bare.casefold().endswith(" " + unit.casefold()):
        bare = bare[: -len(unit)].rstrip()  # "640 lượt": the unit the form's column names
    return read_value(bare, number_format, ind), qualifier


def read_value(value: object, number_format: str, ind: cat.Indicator) -> float:
    """Read one value cell the way a Vietnamese user meant it.

    Args:
        value: the cell's value as openpyxl gives it (number, text, date, bool).
        number_format: the cell's number format (a rate typed as ``92,4%`` is stored as 0.924).
        ind: the indicator of the row.

    Raises:
        ValueProblem: when the value cannot be read, or is ambiguous; the hint says what to type.
    """
    if ind.kind == "yes_partial_no":
        if isinstance(value, bool):
            return 1.0 if value else 0.0
        if isinstance(value, (int, float)) and float(value) in cat.YES_PARTIAL_NO:
            return float(value)
        key = _choice_key(value)
        if key in _YES_PARTIAL_NO_WORDS:
            return _YES_PARTIAL_NO_WORDS[key]
        raise ValueProblem(t("form_not_ypn", value=_text(value)), t("form_not_ypn_hint"))
    if isinstance(value, bool):
        raise ValueProblem(t("form_bool_not_a_number", value=str(value).upper()), t("form_type_a_number"))
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        shown = value.strftime("%d/%m/%Y") if isinstance(value, dt.date) else value.strftime("%H:%M")
        raise ValueProblem(t("form_date", value=shown), t("form_date_hint"))
    if isinstance(value, (int, float)):
        number = _bounded(float(value))
        if ind.kind == "rate" and "%" in (number_format or ""):
            number = round(number * 100, 9)  # "92,4%" typed in Excel is stored as 0.924
        if ind.whole and not number.is_integer():
            hint = t("form_whole_hint", example=round(number))
            if (number * 100) % 1 and abs(number * 1000 - round(number * 1000)) < 1e-6:
                hint = t("form_thousands_dot_hint", typed=_fmt(number).replace(".", ","), meant=round(number * 1000))
            raise ValueProblem(t("val_not_whole", text=_fmt(number)), hint)
        return number
    text = _text(value)
    bare = text.rstrip("%").strip()
    if _DOT_THOUSANDS_COMMA.match(bare):  # "1.083,5": thousands dots and a decimal comma, unmistakably
        text = bare.replace(".", "").replace(",", ".")
    elif ind.whole and _DOT_THOUSANDS.match(bare):  # "1.083.000"
        text = bare.replace(".", "")
    elif _DOT_THOUSANDS.match(bare):
        raise ValueProblem(
            t("form_ambiguous", text=text, decimal=bare, whole=bare.replace(".", "")),
            t("form_ambiguous_hint", decimal=bare.replace(".", ","), whole=bare.replace(".", "")),
        )
    return _bounded(parse_number(text, whole=ind.whole, lenient=True))


def _bounded(number: float) -> float:
    if not math.isfinite(number) or abs(number) > MAX_VALUE:
        shown = f"{number:.6g}" if math.isfinite(number) else t("form_too_large")
        raise ValueProblem(t("form_beyond", value=shown, most=f"{MAX_VALUE:.0e}"), t("form_beyond_hint"))
    return number


def _range_problem(number: float, shown: str, ind: cat.Indicator) -> tuple[str, str] | None:
    """The rules of ``dxnb check`` for a value of ``ind``."""
    if ind.kind == "rate" and not 0 <= number <= 100:
        return t("val_rate_range", value=shown), t("val_rate_range_hint")
    if ind.kind in ("count", "ratio") and number < 0:
        return t("val_negative", value=shown), t("val_negative_hint")
    if ind.kind == "yes_partial_no" and number not in cat.YES_PARTIAL_NO:
        return t("val_not_ypn", value=shown), t("val_not_ypn_hint")
    return None


def _read_meta(shown: str, wb) -> dict[str, str]:
    if META_SHEET not in wb.sheetnames or VALUES_SHEET not in wb.sheetnames:
        raise Unusable(t("form_not_a_form_sheets"), t("form_not_a_form_sheets_hint"))
    sheet = Sheet(shown, wb[META_SHEET], LIMITS["meta_rows"], t("form_hidden_information"))
    meta = {}
    for row in range(1, sheet.last_row + 1):
        key, value = sheet.value(row, 1), sheet.value(row, 2)
        if key is not None:
            meta[str(key).strip()] = "" if value is None else str(value).strip()
    if meta.get("format") != FORM_FORMAT:
        raise Unusable(t("form_not_a_form"), t("form_not_a_form_hint"))
    if not re.fullmatch(r"\d{1,3}", meta.get("version", "")) or int(meta["version"]) not in SUPPORTED_VERSIONS:
        raise Unusable(
            t("form_version", version=repr(_clip(meta.get("version"))), dxnb=__version__), t("form_version_hint")
        )
    first = meta.get("first_row", str(FIRST_ROW))
    if first != str(FIRST_ROW):  # version 1 has one layout; anything else is an edit
        raise Unusable(
            t("form_first_row_edited", found=repr(_clip(first)), expected=FIRST_ROW),
            t("form_new_form_hint"),
            cell_ref(shown, META_SHEET, "B" + str(_meta_row(sheet, "first_row"))),
        )
    return meta


def _meta_row(sheet: Sheet, key: str) -> int:
    return next((row for (row, column), (value, _) in sheet.cells.items() if column == 1 and value == key), 1)


def _clip(value: object, width: int = 40) -> str:
    text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def read_form(path: str | Path, dataset: Dataset) -> tuple[FilledForm | None, list[Problem]]:
    """Read a filled form and check it against ``dataset``; never modifies the file.

    Returns:
        The form (None when it cannot be used at all) and every problem found, each located at its cell.
    """
    path = Path(path)
    shown = str(path)
    try:
        wb = open_workbook(path)
    except Unusable as exc:
        return None, [Problem(exc.where or shown, None, None, exc.message, exc.hint)]
    try:
        meta = _read_meta(shown, wb)
        ids = [i for i in meta.get("ids", "").split(";") if i]
        rows = 2 * (FIRST_ROW + len(ids)) + 10
        values = Sheet(shown, wb[VALUES_SHEET], rows, tn("ds_indicators", len(ids)))
        notes = (
            Sheet(
                shown, wb[NOTES_SHEET], NOTES_FIRST_ROW + LIMITS["note_rows"] - 1, tn("cli_notes", LIMITS["note_rows"])
            )
            if NOTES_SHEET in wb.sheetnames
            else None
        )
        return _read_open_form(path, shown, values, notes, meta, ids, dataset)
    except Unusable as exc:
        return None, [Problem(exc.where or shown, None, None, exc.message, exc.hint)]
    finally:
        wb.close()


def _check_header(ws: Sheet, at, period: str) -> list[Problem]:
    """The table's header row must be the template's: a column inserted, deleted or moved is refused."""
    captions = column_captions(period, None)
    problems = []
    for name in COLUMNS:
        column = COL[name]
        found, expected = _text(ws.value(TABLE_HEADER_ROW, column)), f"'{captions[name]}'"
        if name == "previous":  # "Giá trị năm 2024", or "Giá trị kỳ trước" when there is no earlier period
            matches = found == captions[name] or re.fullmatch(r"Giá trị năm \d{4}", found) is not None
            expected = t("form_earlier_year", expected=expected)
        else:
            matches = found == captions[name]
        if not matches:
            ref = f"{LETTER[name]}{TABLE_HEADER_ROW}"
            message = t("form_header_changed", found=_clip(found), expected=expected)
            problems.append(Problem(at(ref), None, None, message, t("form_header_changed_hint")))
    extra = get_column_letter(len(COLUMNS) + 1)
    if _text(ws.value(TABLE_HEADER_ROW, len(COLUMNS) + 1)):
        found = _clip(_text(ws.value(TABLE_HEADER_ROW, len(COLUMNS) + 1)))
        problems.append(
            Problem(
                at(f"{extra}{TABLE_HEADER_ROW}"),
                None,
                None,
                t("form_extra_column", found=found),
                t("form_extra_column_hint"),
            )
        )
    return problems


def _read_open_form(
    path: Path, shown: str, ws: Sheet, notes: Sheet | None, meta: dict[str, str], ids: list[str], dataset: Dataset
) -> tuple[FilledForm | None, list[Problem]]:
    problems: list[Problem] = []
    code, period = meta.get("unit_code", ""), meta.get("period", "")
    dataset = dataset.at(period)  # the unit of that code alive in the period (see dxnb.lifetime)

    def at(cell: str, sheet: str = VALUES_SHEET) -> str:
        return cell_ref(shown, sheet, cell)

    def text_at(ref: str) -> str:
        column = "ABCDEFGHIJ".index(ref[0]) + 1
        return _text(ws.value(int(ref[1:]), column))

    # The unit and the period.
    if code not in dataset.units.index:
        problems.append(
            Problem(
                shown,
                None,
                None,
                t(
                    "form_unknown_unit",
                    code=_clip(code),
                    name=_clip(meta.get("unit_name", "?")),
                    path=dataset.path / "units.csv",
                ),
                t("form_unknown_unit_hint"),
            )
        )
    for ref, expected, what in ((CODE_CELL, code, N_("form_what_code")), (PERIOD_CELL, period, N_("form_what_period"))):
        found = text_at(ref)
        if found != expected:
            problems.append(
                Problem(
                    at(ref),
                    None,
                    None,
                    t("form_cell_changed", what=t(what), found=_clip(found), expected=_clip(expected)),
                    t("form_cell_changed_hint", what=t(what), expected=_clip(expected)),
                )
            )
    try:
        check_period(period)
    except FormError:
        problems.append(
            Problem(shown, None, None, t("form_period_not_a_year", period=_clip(period)), t("form_version_hint_new"))
        )
    problems.extend(_check_header(ws, at, period))

    # The id column: compared cell by cell with the ids the form was made with.
    first = FIRST_ROW
    if ids_fingerprint(ids) != meta.get("ids_sha256"):
        problems.append(Problem(shown, None, None, t("form_hidden_edited"), t("form_new_form_hint")))
    edited = False
    for offset, expected in enumerate(ids):
        ref = f"{LETTER['id']}{first + offset}"
        found = _text(ws.value(first + offset, COL["id"]))
        if found != expected:
            edited = True
            problems.append(
                Problem(
                    at(ref),
                    None,
                    None,
                    t("form_id_changed", found=_clip(found), expected=expected),
                    t("form_id_changed_hint"),
                )
            )
    after = first + len(ids)
    if _text(ws.value(after, COL["id"])):
        edited = True
        problems.append(
            Problem(
                at(f"{LETTER['id']}{after}"),
                None,
                None,
                t("form_extra_row", found=_clip(_text(ws.value(after, COL["id"])))),
                t("form_extra_row_hint"),
            )
        )
    if edited or any(p.is_error for p in problems):
        return None, problems
    if meta.get("indicators_sha256") and meta["indicators_sha256"] != dataset.hashes.get("indicators.csv"):
        problems.append(
            Problem(shown, None, None, t("form_catalogue_changed"), t("form_catalogue_changed_hint"), "warning")
        )

    form = FilledForm(path, code, unit_label(dataset, code), period)
    catalogue = dataset.catalogue_for(period)  # the framework in force for the period
    for offset, iid in enumerate(ids):
        row = first + offset
        ref = f"{LETTER['value']}{row}"
        value, number_format = ws.value(row, COL["value"]), ws.number_format(row, COL["value"])
        source, note = _text(ws.value(row, COL["source"])), _text(ws.value(row, COL["note"]))
        if value is None or (isinstance(value, str) and not _text(value)):
            if source or note:
                problems.append(Problem(at(ref), None, iid, t("form_no_value"), t("form_no_value_hint"), "warning"))
            continue
        if iid not in catalogue:
            problems.append(Problem(at(ref), None, iid, t("form_id_gone", id=iid), t("form_new_form_hint")))
            continue
        ind = catalogue[iid]
        if ind.derived:
            problems.append(
                Problem(
                    at(ref), None, iid, t("form_id_derived", id=iid, numerator=ind.numerator), t("form_new_form_hint")
                )
            )
            continue
        try:
            number, qualifier = read_qualified_value(value, number_format, ind)
        except ValueProblem as exc:
            problems.append(Problem(at(ref), None, iid, exc.message, exc.hint))
            continue
        issue = _range_problem(number, _clip(_text(value)) or _fmt(number), ind)
        if issue:
            problems.append(Problem(at(ref), None, iid, *issue))
            continue
        form.values.append(FormValue(iid, number, source, note, at(ref), qualifier))

    if notes is not None:
        _read_notes(notes, form, lambda ref: at(ref, NOTES_SHEET), problems)
    if not form.values and not form.notes and not any(p.is_error for p in problems):
        problems.append(
            Problem(
                shown,
                None,
                None,
                t("form_nothing_filled"),
                t("form_nothing_filled_hint", column=column_captions(period, None)["value"]),
                "warning",
            )
        )
    log.debug("%s: %d values, %d notes", shown, len(form.values), len(form.notes))
    return (None if any(p.is_error for p in problems) else form), problems


def _read_notes(ws: Sheet, form: FilledForm, at, problems: list[Problem]) -> None:
    for row in range(NOTES_FIRST_ROW, max(ws.last_row, NOTES_FIRST_ROW) + 1):
        kind_raw, text, source = (_text(ws.value(row, column)) for column in (1, 2, 3))
        if not kind_raw and not text:
            continue
        if not text:
            problems.append(
                Problem(
                    at(f"B{row}"),
                    None,
                    None,
                    t("form_note_no_text", kind=_clip(kind_raw)),
                    t("form_note_no_text_hint"),
                    "warning",
                )
            )
            continue
        kind = _NOTE_KINDS.get(_choice_key(kind_raw))
        if kind is None:
            what = t("val_not_a_note_kind", value=_clip(kind_raw)) if kind_raw else t("form_note_no_kind")
            problems.append(Problem(at(f"A{row}"), None, None, what, t("form_note_kind_hint")))
            continue
        form.notes.append(FormNote(kind, text, source, at(f"B{row}")))
