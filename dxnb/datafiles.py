"""The dataset's files: their names and columns (the data contract of ``data/README.md``), and reading one.

:func:`read_csv` turns one file's bytes into a frame of text cells indexed so that ``index + 2`` is the row
Excel shows, or lists what is wrong: not UTF-8 (:func:`decode_utf8`, a BOM allowed), empty, not CSV, separated
by semicolons, unnamed or repeated columns, rows with too many cells, missing columns. pandas reads a
well-formed file; a file it refuses is read again, slowly, to say where and why. :mod:`dxnb.dataset` checks
and assembles the frames.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import hashlib
import io
from pathlib import Path

import pandas as pd

from .errors import Problem
from .i18n import t, tn
from .text import nfc

FILES = ("units.csv", "pillars.csv", "indicators.csv", "observations.csv", "notes.csv")
COLUMNS = {
    "units.csv": ("code", "name", "kind", "district", "province", "population", "adult_population",
                  "households", "hamlets", "source"),
    "pillars.csv": ("id", "group", "name_vi", "name_en", "order"),
    "indicators.csv": ("id", "pillar", "name_vi", "name_en", "unit_vi", "unit_en", "kind", "scoring",
                       "max_points", "steps", "numerator", "denominator", "scale", "decimals", "target",
                       "target_year", "target_source"),
    "observations.csv": ("unit_code", "period", "indicator", "value", "source", "note"),
    "notes.csv": ("unit_code", "period", "kind", "text"),
    "successions.csv": ("old_code", "new_code", "date", "type"),  # optional file (see dxnb.lifetime)
}  # fmt: skip
OPTIONAL_FILES = ("successions.csv",)


def decode_utf8(name: str, raw: bytes, problems: list[Problem]) -> str | None:
    """The text of a file saved as UTF-8, with or without a BOM; None (a problem on its line) when it is not UTF-8."""
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(
            Problem(
                name,
                line,
                None,
                t("ds_not_utf8", byte=f"0x{raw[exc.start]:02x}"),
                t("ds_not_utf8_hint"),
            )
        )
        return None


def read_csv(
    folder: Path, name: str, problems: list[Problem], hashes: dict[str, str], raw: bytes | None
) -> pd.DataFrame | None:
    """The frame of text cells of the dataset file ``name`` (its bytes ``raw``, None when missing); None on problems.

    Its SHA-256 goes into ``hashes``; every problem found goes into ``problems``.
    """
    if raw is None:
        problems.append(
            Problem(
                name,
                None,
                None,
                t("ds_file_missing", folder=folder),
                t("ds_file_missing_hint", columns=", ".join(COLUMNS[name])),
            )
        )
        return None
    hashes[name] = hashlib.sha256(raw).hexdigest()
    text = decode_utf8(name, raw, problems)
    if text is None:
        return None
    if not text.strip():
        problems.append(
            Problem(name, None, None, t("ds_file_empty"), t("ds_file_empty_hint", columns=",".join(COLUMNS[name])))
        )
        return None
    fast = _fast_table(text)
    if fast is not None:
        header, data = fast
    else:  # pandas refused the file: read it again, slowly, to say where and why
        read = _csv_records(name, text, problems)
        if read is None:
            return None
        numbers, records = read
        header, data = [nfc(str(c)).strip() for c in records[0]], None
    if _semicolon_separated(name, text, header):
        problems.append(
            Problem(
                name,
                1,
                None,
                t("ds_semicolons"),
                t("ds_semicolons_hint"),
            )
        )
        return None
    if data is None:
        frame = _records_frame(name, header, numbers[1:], records[1:], problems)
    else:
        frame = _header_frame(name, header, data, problems)
    if frame is None:
        return None
    missing = [c for c in COLUMNS[name] if c not in frame.columns]
    for column in missing:
        close = difflib.get_close_matches(column, list(frame.columns), n=1)
        hint = t("ds_rename_column", close=close[0], column=column) if close else t("ds_add_column")
        problems.append(Problem(name, 1, column, t("ds_column_missing"), hint))
    if missing:
        return None
    return frame


def _csv_records(name: str, text: str, problems: list[Problem]) -> tuple[list[int], list[list[str]]] | None:
    """The records of a CSV text and their row numbers (a record's first line as Excel counts rows).

    Blank lines and rows of empty cells are skipped but keep their row numbers. An unreadable record
    (an unbalanced quote) is a problem on the row where it starts.
    """
    rows: list[list[str]] = []
    try:
        rows.extend(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        problems.append(
            Problem(
                name,
                len(rows) + 1,
                None,
                t("ds_bad_csv", error=exc),
                t("ds_bad_csv_hint"),
            )
        )
        return None
    numbers = [number for number, record in enumerate(rows, start=1) if any(record)]
    if not numbers:
        return None
    return numbers, [rows[number - 1] for number in numbers]


def _semicolon_separated(name: str, text: str, header: list[str]) -> bool:
    """Whether the header names more of the expected columns when split at ';' than at ','."""
    first = nfc(text.split("\n", 1)[0])
    if ";" not in first:
        return False
    expected = set(COLUMNS[name])
    by_semicolon = {c.strip().strip('"').strip() for c in first.split(";")}
    return len(expected & by_semicolon) > len(expected & set(header))


def _fast_table(text: str) -> tuple[list[str], pd.DataFrame] | None:
    """The header and the text cells of a well-formed CSV text, read by pandas; None when pandas refuses it.

    The frame is indexed by row number - 2 (blank rows and rows of empty cells dropped, their numbers kept).
    """
    try:
        table = pd.read_csv(
            io.StringIO(text),
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            index_col=False,
        )
    except (pd.errors.ParserError, ValueError):
        return None
    table = table.astype(object)
    table = table[(table != "").any(axis=1)]
    if table.empty:
        return None
    header = [nfc(str(c)).strip() for c in table.iloc[0]]
    data = table.iloc[1:].copy()
    data.index = data.index - 1
    return header, data


def _check_header(name: str, header: list[str], problems: list[Problem]) -> None:
    for position, column in enumerate(header, start=1):
        if not column:
            problems.append(
                Problem(
                    name, 1, None, t("ds_unnamed_column", n=position), t("ds_name_it", columns=", ".join(COLUMNS[name]))
                )
            )
        elif column in header[: position - 1]:
            problems.append(Problem(name, 1, column, t("ds_column_twice"), t("ds_column_twice_hint")))


def _header_frame(name: str, header: list[str], data: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame | None:
    """``data`` (read by :func:`_fast_table`) with the header's names, or None when the header is unusable."""
    while header and not header[-1] and not data.iloc[:, len(header) - 1].str.strip().astype(bool).any():
        header = header[:-1]  # a trailing comma on every line, header included: an empty, unnamed column
        data = data.iloc[:, : len(header)]
    before = len(problems)
    _check_header(name, header, problems)
    if len(problems) > before:
        return None
    data.columns = header
    return data


def _records_frame(
    name: str, header: list[str], numbers: list[int], records: list[list[str]], problems: list[Problem]
) -> pd.DataFrame | None:
    """A frame of text cells indexed by row number - 2 (so that index + 2 is the row), or None on problems."""
    while header and not header[-1] and all(len(r) < len(header) or not r[len(header) - 1].strip() for r in records):
        header = header[:-1]  # a trailing comma on every line, header included: an empty, unnamed column
    before = len(problems)
    _check_header(name, header, problems)
    width = len(header)
    if any(len(record) != width for record in records):  # the slow path: rows to pad or refuse
        for row, record in zip(numbers, records, strict=True):
            if len(record) <= width:
                record.extend([""] * (width - len(record)))
                continue
            extra = record[width:]
            if not any(cell.strip() for cell in extra):
                message = tn("ds_extra_commas", len(extra), cells=len(record), width=width)
                hint = tn("ds_extra_commas_hint", len(extra))
            else:
                message = t("ds_too_many_cells", cells=len(record), width=width)
                hint = t("ds_too_many_cells_hint")
            problems.append(Problem(name, row, None, message, hint))
    if len(problems) > before:
        return None
    return pd.DataFrame(records, columns=header, index=[n - 2 for n in numbers], dtype=object)
