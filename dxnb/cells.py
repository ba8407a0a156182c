"""Text cells dxnb writes to workbooks and CSV files never become formulas (CSV / formula injection).

A spreadsheet runs a cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (and, in some programs, a tab
or a carriage return) as a formula: ``=HYPERLINK("http://…","bấm vào đây")`` typed as a source in a form
would become a live link in everyone's ``observations.csv``. Following the OWASP advice on CSV injection,
every text cell dxnb writes goes through this module:

* :func:`safe_cell` — the text for a cell: prefixed with an apostrophe ``'`` when it starts with one of
  those characters. Numbers (and text that is a plain number, ``-3``) are returned unchanged.
* :func:`set_text` — writes a value into an openpyxl cell: text is always stored as a string cell
  (``data_type 's'``, never ``'f'``), shown as typed thanks to Excel's quote prefix style.
* :func:`safe_csv_field` — the text of a CSV field (the apostrophe, since CSV has no cell types).
* :func:`clean_text` — control characters a workbook cannot hold (a vertical tab in a name) become spaces.
"""

from __future__ import annotations

import re

#: First characters that make a spreadsheet read a cell as a formula (OWASP: = + - @ tab CR).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?%?$")


def is_risky(text: str) -> bool:
    """Whether a spreadsheet could run ``text`` as a formula (a plain number such as ``-3`` is not risky)."""
    return text.startswith(FORMULA_STARTS) and not _NUMBER.match(text.strip())


def safe_cell(value: object) -> object:
    """The value to write for ``value``: risky text gets a leading ``'``; anything else is unchanged."""
    if isinstance(value, str) and is_risky(value):
        return "'" + value
    return value


def make_inert(workbook) -> int:
    """Turn every text cell of ``workbook`` that a spreadsheet would run as a formula into text; return how many.

    For workbooks built with plain ``cell.value = text`` (such as pandas' exports): openpyxl stores text that
    starts with ``=`` as a formula.
    """
    count = 0
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and (cell.data_type == "f" or is_risky(cell.value)):
                    set_text(cell, cell.value)
                    count += 1
    return count


def safe_csv_field(text: str) -> str:
    """A CSV text field that no spreadsheet runs as a formula (see :func:`safe_cell`)."""
    return safe_cell(text) if isinstance(text, str) else text


def clean_text(text: str) -> str:
    """``text`` without the control characters an ``.xlsx`` file cannot hold (each becomes a space)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # openpyxl is imported where a workbook is made

    return ILLEGAL_CHARACTERS_RE.sub(" ", text)


def set_text(cell, value: object) -> None:
    """Write ``value`` into an openpyxl ``cell``; text becomes a string cell, never a formula.

    Risky text is stored as typed (no apostrophe in the value) with the cell's quote prefix set, the way
    Excel stores text typed after an apostrophe; other text and numbers are written as they are. Control
    characters a workbook cannot hold become spaces (:func:`clean_text`).
    """
    if isinstance(value, str):
        value = clean_text(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if is_risky(value):
            cell.quotePrefix = True
