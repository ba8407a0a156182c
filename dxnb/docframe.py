"""The frame of a Vietnamese administrative document around a report (Decree 30/2020/NĐ-CP layout).

A dataset may hold a ``document.csv`` with two columns ``field,value``; when it does, each report opens with the
national heading, the issuing body and the document number on the left, the place and date on the right, and ends
with the signature block. Without the file the frame is off and every fragment is empty.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import html
import io
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from babel.dates import format_date

from dxnb.datafiles import decode_utf8
from dxnb.errors import DataError, Problem
from dxnb.i18n import N_, t, tn
from dxnb.text import nfc

#: The wording of the frame (``docframe_<key>`` in the catalogues).
_KEYS = (
    N_("docframe_nation"),
    N_("docframe_motto"),
    N_("docframe_number"),
    N_("docframe_date_line"),
    N_("docframe_recipients"),
    N_("docframe_translation"),
)

FILE = "document.csv"
COLUMNS = ("field", "value")
REQUIRED = ("issuing_body", "place", "signer_title", "signer_name")
OPTIONAL = ("parent_body", "number", "symbol", "date", "recipients")
FIELDS = REQUIRED + OPTIONAL
DEFAULT_SYMBOL = "BC-TTV"
_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def _w(key: str, lang: str, **values: object) -> str:
    return t(f"docframe_{key}", "en" if lang == "en" else "vi", **values)


@dataclass(frozen=True)
class DocumentFrame:
    """The dataset's document settings, validated (values NFC-normalised, stripped)."""

    issuing_body: str
    place: str
    signer_title: str
    signer_name: str
    parent_body: str = ""
    number: str = ""
    symbol: str = DEFAULT_SYMBOL
    date: dt.date | None = None
    recipients: tuple[str, ...] = ()


# --------------------------------------------------------------------------- loading


def check_frame(data_dir: str | Path) -> tuple[DocumentFrame | None, list[Problem]]:
    """Read ``document.csv`` from a dataset folder: the frame (None when absent or invalid) and the problems found."""
    path = Path(data_dir) / FILE
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None, []
    problems: list[Problem] = []
    values = _read(raw, problems)
    if values is None:
        return None, problems
    frame = _build(values, problems)
    if any(p.is_error for p in problems):
        return None, problems
    return frame, problems


def load_frame(data_dir: str | Path) -> DocumentFrame | None:
    """The dataset's document frame, or None when it has no ``document.csv``.

    Raises:
        DataError: the file exists but is not valid; every problem is listed.
    """
    frame, problems = check_frame(data_dir)
    if any(p.is_error for p in problems):
        raise DataError(problems, tn("doc_problems", sum(p.is_error for p in problems), file=FILE))
    return frame


def _read(raw: bytes, problems: list[Problem]) -> dict[str, tuple[int, str]] | None:
    """The rows of the file as ``field -> (line, value)``; None (with problems) when it cannot be read."""
    text = decode_utf8(FILE, raw, problems)
    if text is None:
        return None
    reader = csv.reader(io.StringIO(nfc(text)))
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        problems.append(Problem(FILE, reader.line_num, None, t("ff_bad_csv", error=exc), t("doc_check_quotes_hint")))
        return None
    rows = [(line, row) for line, row in rows if any(cell.strip() for cell in row)]
    if not rows:
        problems.append(Problem(FILE, None, None, t("ds_file_empty"), t("ds_file_empty_hint", columns="field,value")))
        return None
    header_line, header = rows[0]
    header = [cell.strip() for cell in header]
    if header != list(COLUMNS):
        problems.append(
            Problem(
                FILE,
                header_line,
                None,
                t("doc_bad_header", header=",".join(header)),
                t("doc_bad_header_hint"),
            )
        )
        return None
    values: dict[str, tuple[int, str]] = {}
    for line, row in rows[1:]:
        field = row[0].strip()
        if len(row) > len(COLUMNS) and any(cell.strip() for cell in row[2:]):
            problems.append(
                Problem(FILE, line, None, t("doc_too_many_cells", cells=len(row)), t("doc_too_many_cells_hint"))
            )
            continue
        value = row[1].strip() if len(row) > 1 else ""
        if field not in FIELDS:
            close = difflib.get_close_matches(field, FIELDS, n=1)
            hint = t("doc_did_you_mean", field=close[0]) if close else t("doc_fields_are", fields=", ".join(FIELDS))
            problems.append(Problem(FILE, line, "field", t("doc_unknown_field", field=field), hint))
        elif field in values:
            problems.append(
                Problem(
                    FILE, line, "field", t("doc_field_twice", field=field, row=values[field][0]), t("doc_keep_one_hint")
                )
            )
        else:
            values[field] = (line, value)
    return values


def _build(values: dict[str, tuple[int, str]], problems: list[Problem]) -> DocumentFrame | None:
    for field in REQUIRED:
        if field not in values:
            problems.append(
                Problem(
                    FILE, None, "field", t("doc_field_missing", field=field), t("doc_field_missing_hint", field=field)
                )
            )
        elif not values[field][1]:
            problems.append(
                Problem(FILE, values[field][0], "value", t("doc_field_empty", field=field), t("doc_field_empty_hint"))
            )
    number = values.get("number", (0, ""))
    if number[1] and not number[1].isdigit():
        problems.append(
            Problem(
                FILE,
                number[0],
                "value",
                t("doc_bad_number", number=number[1]),
                t("doc_bad_number_hint", symbol=DEFAULT_SYMBOL),
            )
        )
    day = None
    line, text = values.get("date", (0, ""))
    if text:
        match = _DATE.fullmatch(text)
        try:
            if not match:
                raise ValueError(text)
            day = dt.date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        except ValueError:
            problems.append(
                Problem(
                    FILE,
                    line,
                    "value",
                    t("doc_bad_date", date=text),
                    t("doc_bad_date_hint"),
                )
            )
    if any(p.is_error for p in problems):
        return None
    recipients = tuple(r.strip() for r in values.get("recipients", (0, ""))[1].split(";") if r.strip())
    return DocumentFrame(
        issuing_body=values["issuing_body"][1],
        place=values["place"][1],
        signer_title=values["signer_title"][1],
        signer_name=values["signer_name"][1],
        parent_body=values.get("parent_body", (0, ""))[1],
        number=number[1],
        symbol=values.get("symbol", (0, ""))[1] or DEFAULT_SYMBOL,
        date=day,
        recipients=recipients,
    )


# --------------------------------------------------------------------------- rendering


def document_number(frame: DocumentFrame, lang: str = "vi") -> str:
    """``Số: 05/BC-TTV`` (numbers below 10 get a leading zero), or ``Số: …/BC-TTV`` to fill in by hand."""
    number = frame.number.zfill(2) if frame.number else "…"
    return _w("number", lang, number=number, symbol=frame.symbol)


def date_line(frame: DocumentFrame, lang: str = "vi", today: dt.date | None = None) -> str:
    """``Phú Giáo, ngày 05 tháng 02 năm 2026``: the day below 10 and months 1–2 take a leading zero (Decree 30)."""
    day = frame.date or today or dt.date.today()
    if lang == "en":
        month = format_date(day, "MMMM", locale="en")
        return _w("date_line", "en", place=frame.place, day=day.day, month=month, year=day.year)
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return _w("date_line", "vi", place=frame.place, day=f"{day.day:02d}", month=month, year=day.year)


def heading_html(frame: DocumentFrame | None, lang: str = "vi", *, today: dt.date | None = None) -> str:
    """The document's opening: issuing body and number on the left, national heading, place and date on the right."""
    if frame is None:
        return ""
    e = html.escape
    parent = f'<div class="dx-docframe-parent">{e(frame.parent_body.upper())}</div>' if frame.parent_body else ""
    note = _w("translation", lang) if lang == "en" else ""
    note_html = f'<p class="dx-docframe-note">{e(note)}</p>' if note else ""
    return (
        f'<section class="dx-docframe dx-docframe-head" lang="{e(lang)}">'
        '<div class="dx-docframe-grid">'
        f'<div class="dx-docframe-left">{parent}'
        f'<div class="dx-docframe-body">{e(frame.issuing_body.upper())}</div>'
        '<div class="dx-docframe-rule"></div></div>'
        '<div class="dx-docframe-right">'
        f'<div class="dx-docframe-nation">{e(_w("nation", lang))}</div>'
        f'<div class="dx-docframe-motto"><span>{e(_w("motto", lang))}</span></div></div>'
        f'<div class="dx-docframe-number">{e(document_number(frame, lang))}</div>'
        f'<div class="dx-docframe-date">{e(date_line(frame, lang, today))}</div>'
        f"</div>{note_html}</section>"
    )


def signature_html(frame: DocumentFrame | None, lang: str = "vi") -> str:
    """The document's end: recipients (when given) on the left, the signer's title, signature space and name."""
    if frame is None:
        return ""
    e = html.escape
    recipients = ""
    if frame.recipients:
        items = "".join(f"<li>{e(r)}</li>" for r in frame.recipients)
        recipients = f'<p class="dx-docframe-recipients-title">{e(_w("recipients", lang))}</p><ul>{items}</ul>'
    return (
        f'<section class="dx-docframe dx-docframe-sign" lang="{e(lang)}">'
        f'<div class="dx-docframe-recipients">{recipients}</div>'
        '<div class="dx-docframe-signer">'
        f'<div class="dx-docframe-signer-title">{e(frame.signer_title.upper())}</div>'
        '<div class="dx-docframe-signature-space"></div>'
        f'<div class="dx-docframe-signer-name">{e(frame.signer_name)}</div>'
        "</div></section>"
    )


def print_css() -> str:
    """The print style sheet (A4 page, the frame, unclipped tables) to include in a page's ``<style>``."""
    return resources.files("dxnb").joinpath("templates/print.css").read_text(encoding="utf-8")
