"""Opening a form's workbook with bounds: what the file is, how large it is, and its sheets' cells.

Before openpyxl sees a file, :func:`open_workbook` checks that it is an ``.xlsx`` workbook (an encrypted
workbook and an old ``.xls`` share the OLE2 signature ``D0 CF 11 E0`` and are named as such), that it is no
larger than :data:`LIMITS` allow, and that its zip members do not unpack to more. It is then opened for
streaming (``read_only``), and :class:`Sheet` reads the cells of one sheet no further than the rows a form
can have, refusing a sheet that reaches beyond them. A damaged file (a corrupt deflate stream, truncated
XML, an undefined entity) becomes an :class:`Unusable` with the file and sheet, never a traceback.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path
from xml.etree import ElementTree

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from .formlayout import cell_ref
from .i18n import N_, t

#: Limits of a form; anything beyond them is refused before it is read.
LIMITS = {
    "file_bytes": 20 * 1024 * 1024,  # a form is about 15 KB
    "uncompressed_bytes": 100 * 1024 * 1024,  # all zip members together
    "note_rows": 1000,  # rows of the notes sheet below its header
    "meta_rows": 200,  # rows of the hidden sheet
    "columns": 30,  # columns read from any sheet
}
_OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")  # an encrypted workbook, or an Excel 97-2003 .xls


class Unusable(Exception):
    """A file that cannot be read as a form at all; ``where`` names the sheet or cell when known."""

    def __init__(self, message: str, hint: str, where: str | None = None):
        super().__init__(message)
        self.message, self.hint, self.where = message, hint, where


_BROKEN = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    InvalidFileException,
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    SyntaxError,
    OSError,
)  # SyntaxError: xml.etree's ParseError (truncated XML, an entity)
_FIX_BROKEN = N_("ff_fix_broken")  # a message key


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _check_file(path: Path) -> None:
    """What the file is, and whether it is small enough to read, before openpyxl sees it."""
    if path.name.startswith("~$"):
        raise Unusable(t("ff_lock_file"), t("ff_lock_file_hint"))
    if path.is_dir():
        raise Unusable(t("ff_folder"), t("ff_folder_hint"))
    if not path.is_file():
        raise Unusable(t("ff_no_such_file"), t("ff_check_path"))
    with path.open("rb") as handle:
        head = handle.read(8)
    if head == _OLE2:
        raise Unusable(t("ff_encrypted"), t("ff_encrypted_hint"))
    suffix = path.suffix.lower()
    if suffix != ".xlsx":
        hint = t("ff_save_as_xlsx") if suffix in (".xls", ".xlsm", ".ods") else t("ff_import_xlsx")
        raise Unusable(t("ff_not_xlsx"), hint)
    size = path.stat().st_size
    if size > LIMITS["file_bytes"]:
        raise Unusable(t("ff_too_big", size=_mb(size), most=_mb(LIMITS["file_bytes"])), t("ff_too_big_hint"))
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise Unusable(t("ff_damaged_zip", error=exc), t(_FIX_BROKEN)) from exc
    if unpacked > LIMITS["uncompressed_bytes"]:
        raise Unusable(
            t("ff_unpacks", size=_mb(unpacked), most=_mb(LIMITS["uncompressed_bytes"])), t("ff_unpacks_hint")
        )


def open_workbook(path: Path):
    """Open a workbook for streaming (``read_only``; nothing is ever saved), or say what the file is."""
    _check_file(path)
    try:
        return load_workbook(path, read_only=True, data_only=True)
    except _BROKEN as exc:
        raise Unusable(
            t("ff_unreadable", error=f"{exc.__class__.__name__}: {short_error(exc)}"), t(_FIX_BROKEN)
        ) from exc


def short_error(exc: BaseException) -> str:
    """An exception's message on one line, at most 120 characters."""
    text = re.sub(r"\s+", " ", str(exc)).strip() or exc.__class__.__name__
    return text if len(text) <= 120 else text[:119] + "…"


class Sheet:
    """The non-empty cells of a worksheet, streamed once and no further than ``max_row``.

    Raises _Unusable (naming the sheet) when the sheet is larger than ``max_row`` rows, or cannot be parsed.
    """

    def __init__(self, shown: str, ws, max_row: int, what: str):
        self.title = ws.title
        self.cells: dict[tuple[int, int], tuple[object, str]] = {}
        self.last_row = 0
        where = cell_ref(shown, ws.title, "A1").rsplit("!", 1)[0]
        declared = ws.max_row
        if declared is not None and declared > max_row:
            raise Unusable(t("ff_sheet_rows", rows=declared, most=max_row, what=what), t("ff_sheet_rows_hint"), where)
        try:
            for number, row in enumerate(
                ws.iter_rows(min_row=1, max_row=max_row + 1, max_col=LIMITS["columns"]), start=1
            ):
                for column, cell in enumerate(row, start=1):
                    value = getattr(cell, "value", None)
                    if value is None or (isinstance(value, str) and not value.strip()):
                        continue
                    if number > max_row:
                        raise Unusable(
                            t("ff_cell_below", cell=f"{get_column_letter(column)}{number}", most=max_row, what=what),
                            t("ff_below_hint"),
                            where,
                        )
                    self.cells[(number, column)] = (value, getattr(cell, "number_format", "General") or "General")
                    self.last_row = max(self.last_row, number)
            far = _last_filled_row(ws) if hasattr(ws, "_get_source") else 0
        except _BROKEN as exc:
            raise Unusable(
                t("ff_sheet_unreadable", error=f"{exc.__class__.__name__}: {short_error(exc)}"), t(_FIX_BROKEN), where
            ) from exc
        if far > max_row:  # the sheet's dimension was missing or wrong: the rows themselves say so
            raise Unusable(t("ff_row_below", row=far, most=max_row, what=what), t("ff_below_hint"), where)

    def value(self, row: int, column: int) -> object:
        """The value of a cell (1-based row and column), None when empty."""
        return self.cells.get((row, column), (None, ""))[0]

    def number_format(self, row: int, column: int) -> str:
        """The number format of a cell ("General" when empty)."""
        return self.cells.get((row, column), (None, "General"))[1]


def _last_filled_row(ws) -> int:
    """The last row of a streamed sheet's XML that holds a value (its dimension may be missing or lie).

    A second, streaming pass over the sheet's XML (already bounded by the unpacked size limit) that keeps no
    element: only the row numbers of rows with a value are looked at.
    """
    last = 0
    with ws._get_source() as source:  # openpyxl's read-only sheets open their XML this way
        for _event, element in ElementTree.iterparse(source, events=("end",)):
            if element.tag.endswith("}row"):
                if any((child.text or "").strip() for child in element.iter() if child.tag.endswith(("}v", "}t"))):
                    number = element.get("r")
                    if number is not None and number.isdigit():
                        last = max(last, int(number))
                element.clear()
    return last
