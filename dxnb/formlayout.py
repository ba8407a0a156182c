"""The layout of a form (format version 1): its sheets, header cells, rows and columns, and the words it uses.

Both sides of a form share it: :mod:`dxnb.forms` writes a blank form to this layout, :mod:`dxnb.formreader`
and :mod:`dxnb.formfile` read a filled one back by it. Also here: the indicators a form asks for, the
fingerprint of its id column, how a cell is named in a message (:func:`cell_ref`), and the look the writer
gives the cells (fonts, fills, protection, print setup).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable
from pathlib import Path

from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side

from . import catalogue as cat
from . import params
from .dataset import Dataset
from .errors import FormError

FORM_FORMAT = "dxnb-form"
FORM_VERSION = 1
SUPPORTED_VERSIONS = (1,)

VALUES_SHEET = "Chỉ tiêu"
NOTES_SHEET = "Ghi chú"
META_SHEET = "dxnb"

# Layout of version 1. The header cells hold the unit and period; the table starts below them.
CODE_CELL, NAME_CELL, DISTRICT_CELL, PROVINCE_CELL, PERIOD_CELL = "C3", "C4", "C5", "C6", "C7"
TABLE_HEADER_ROW = 10
FIRST_ROW = TABLE_HEADER_ROW + 1
COLUMNS = ("id", "name", "pillar", "unit", "how", "previous", "value", "source", "note")
COL = {name: index + 1 for index, name in enumerate(COLUMNS)}  # 1-based column numbers
LETTER = {name: "ABCDEFGHI"[index] for index, name in enumerate(COLUMNS)}
WIDTHS = {"id": 22, "name": 38, "pillar": 14, "unit": 10, "how": 42, "previous": 12, "value": 12,
          "source": 26, "note": 24}  # fmt: skip
NOTES_HEADER_ROW = 6
NOTES_FIRST_ROW = NOTES_HEADER_ROW + 1
NOTE_ROWS = 30

YES_PARTIAL_NO_LABELS = {1.0: "có", 0.5: "một phần", 0.0: "không"}
#: How a qualified figure is shown back in a form ("hơn 640", "khoảng 60"); the reader takes these words back.
QUALIFIER_LABELS = {"lower_bound": "hơn", "estimate": "khoảng"}
NOTE_KIND_LABELS = {"strength": "điểm mạnh", "challenge": "khó khăn", "next_step": "giải pháp"}


def unit_label(dataset: Dataset, code: str) -> str:
    """Return the unit's kind and name, e.g. ``xã Vĩnh Hòa``."""
    unit = dataset.unit(code)
    return f"{unit['kind']} {unit['name']}".strip()


def ids_fingerprint(ids: Iterable[str]) -> str:
    """SHA-256 of the id column, in order: changes when any id is edited, added, moved or removed."""
    return hashlib.sha256("\n".join(ids).encode("utf-8")).hexdigest()


def form_indicators(catalogue: cat.Catalogue) -> list[cat.Indicator]:
    """The indicators a form asks for: the observed ones, grouped by pillar, in catalogue order."""
    order = {pid: index for index, pid in enumerate(catalogue.pillars)}
    observed = catalogue.observed
    return sorted(observed, key=lambda i: (order.get(i.pillar, len(order)), observed.index(i)))


def cell_ref(path: Path | str, sheet: str, cell: str) -> str:
    """Name a cell the way Excel does: ``form.xlsx:'Chỉ tiêu'!G14``."""
    quoted = sheet if re.fullmatch(r"\w+", sheet) else "'" + sheet.replace("'", "''") + "'"
    return f"{path}:{quoted}!{cell}"


def check_period(period: object) -> str:
    """Return ``period`` as a year, quarter or month (:func:`dxnb.params.check_period`), else raise FormError."""
    return params.check_period(period, error=FormError)


def column_captions(period: str, previous: str | None) -> dict[str, str]:
    """The table's header cells (row :data:`TABLE_HEADER_ROW`), by column name; the reader checks them."""
    return {
        "id": "Mã chỉ tiêu",
        "name": "Tên chỉ tiêu",
        "pillar": "Trụ cột",
        "unit": "Đơn vị tính",
        "how": "Cách tính",
        "previous": f"Giá trị năm {previous}" if previous else "Giá trị kỳ trước",
        "value": f"Giá trị năm {period}",
        "source": "Nguồn / minh chứng",
        "note": "Ghi chú",
    }


# --------------------------------------------------------------------------- the look of a form

_FONT = "Times New Roman"
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
LOCKED_FILL = PatternFill("solid", fgColor="F2F2F2")
PREFILLED_FILL = PatternFill("solid", fgColor="E2EFDA")  # a value the dataset already holds for the period
_WRAP = Alignment(wrap_text=True, vertical="top")


def estimate_height(texts: dict[str, str]) -> float:
    """The height (points) of a table row that shows ``texts`` (by column) wrapped in its columns' widths."""
    lines = 1
    for column, text in texts.items():
        width = WIDTHS[column] * 1.1
        lines = max(lines, sum(max(1, math.ceil(len(part) / width)) for part in str(text).split("\n")))
    return 15.0 * lines + 3


def style(
    cell,
    *,
    bold: bool = False,
    fill: PatternFill | None = None,
    locked: bool = True,
    wrap: bool = True,
    border: bool = True,
    size: int = 11,
) -> None:
    """Give a cell the form's font, fill, border, alignment and protection."""
    cell.font = Font(name=_FONT, size=size, bold=bold)
    if fill is not None:
        cell.fill = fill
    if border:
        cell.border = _BORDER
    cell.alignment = _WRAP if wrap else Alignment(vertical="top")
    cell.protection = Protection(locked=locked)


def protect(ws) -> None:
    """Protect a sheet without a password: input cells stay editable, columns and rows resizable."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False


def print_setup(ws, title_rows: str, last_column: str, last_row: int, footer: str) -> None:
    """Print a sheet on A4 landscape, one page wide, repeating ``title_rows``, with a footer and page numbers."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = title_rows
    ws.print_area = f"A1:{last_column}{last_row}"
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.left.text = footer
    ws.oddFooter.right.text = "Trang &P/&N"
