"""The explorer's exports: a table of units for one indicator, written to Excel and CSV."""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .catalogue import Indicator
from .cells import make_inert, safe_csv_field
from .dataset import Dataset
from .evaluate import evaluate_period, score_units, unit_rows
from .fileio import atomic_write_bytes, atomic_write_text
from .i18n import t

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- export


def export_table(
    ds: Dataset, period: str, codes: Sequence[str], indicator: str | None = None, lang: str = "vi"
) -> pd.DataFrame:
    """A wide table for Excel: one row per unit, headers in ``lang``, codes as text.

    Columns: code, name, kind, district, province, period, then (when ``indicator`` is given)
    that indicator with its target status, qualifier and source, then the overall index, the
    rank in the district (or province), and every catalogue indicator in catalogue order, each
    headed "name (unit)". Counts are whole numbers (nullable), rates and ratios are rounded to
    their catalogue decimals (at least one).
    """
    cat = ds.catalogue_for(period)  # the framework in force for the period
    codes = list(codes)
    s = score_units(ds, period, codes, unit_rows(ds, codes))
    scores = evaluate_period(ds, period, codes)
    units = ds.units.reindex(codes)
    data: dict[str, object] = {
        t("h_code", lang): pd.Series(codes, dtype=object),
        t("h_name", lang): units["name"].to_numpy(),
        t("h_kind", lang): units["kind"].to_numpy(),
        t("h_district", lang): units["district"].to_numpy(),
        t("h_province", lang): units["province"].to_numpy(),
        t("h_period", lang): period,
    }

    def column(ind: Indicator) -> pd.Series:
        values = pd.Series(s.values[:, s.ids.get_loc(ind.id)])
        if ind.kind == "count":
            return values.round().astype("Int64")
        if ind.kind in ("rate", "ratio"):
            return values.round(max(ind.decimals, 1))
        return values

    if indicator is not None:
        ind = cat[indicator]
        j = s.ids.get_loc(indicator)
        data[header(ind, lang)] = column(ind)
        statuses = []
        for value in s.values[:, j]:
            meets = ind.meets_target(value)
            statuses.append(
                "" if ind.target is None else t({True: "met", False: "not_met"}.get(meets, "no_data"), lang)
            )
        data[t("h_status", lang)] = statuses
        data[t("h_qualifier", lang)] = [_qualifier_text(q, lang) for q in s.qualifier[:, j]]
        data[t("h_source", lang)] = s.source[:, j]
    data[t("h_score", lang)] = scores["score"].round(4).to_numpy()
    data[t("h_rank", lang)] = scores["rank"].to_numpy()
    for ind in cat:
        if ind.id != indicator:
            data[header(ind, lang)] = column(ind)
    frame = pd.DataFrame({k: (v.to_numpy() if isinstance(v, pd.Series) else v) for k, v in data.items()})
    frame[t("h_code", lang)] = frame[t("h_code", lang)].astype(str)
    frame[t("h_rank", lang)] = frame[t("h_rank", lang)].astype("Int64")
    for ind in cat:
        name = header(ind, lang)
        if ind.kind == "count":
            frame[name] = frame[name].astype("Int64")
    return frame


def header(ind: Indicator, lang: str) -> str:
    """An indicator's column header: "Tỷ lệ hộ gia đình có kết nối Internet cáp quang (%)"."""
    unit = ind.unit(lang)
    return f"{ind.name(lang)} ({unit})" if unit else ind.name(lang)


def _qualifier_text(qualifier: object, lang: str) -> str:
    if qualifier == "lower_bound":
        return t("export_at_least", lang)
    if qualifier == "estimate":
        return t("estimate", lang)
    return ""


def _excel_value(value: object) -> object:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def inert_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text field (and header) a spreadsheet would run as a formula prefixed with ``'``.

    Numbers stay numbers: only text cells change (see :func:`dxnb.cells.safe_csv_field`).
    """
    safe = frame.rename(columns=lambda c: safe_csv_field(c) if isinstance(c, str) else c)
    for name in safe.columns:
        if safe[name].dtype == object or pd.api.types.is_string_dtype(safe[name].dtype):
            safe[name] = safe[name].map(lambda v: safe_csv_field(v) if isinstance(v, str) else v)
    return safe


def write_exports(
    frame: pd.DataFrame,
    folder: str | Path,
    stem: str,
    *,
    sheet: str = "Số liệu",
    notes: Sequence[tuple[str, str]] = (),
    notes_sheet: str = "Ghi chú",
    indicators: pd.DataFrame | None = None,
    text_columns: Iterable[str] = (),
    formats: dict[str, str] | None = None,
) -> tuple[Path, Path]:
    """Write ``frame`` to ``<folder>/<stem>.xlsx`` and ``<folder>/<stem>.csv``, each atomically.

    The workbook has the table (bold header, frozen first row and first two columns, a filter,
    ``text_columns`` stored and formatted as text, ``formats`` as Excel number formats) and a
    notes sheet with ``notes`` (label, value) and the ``indicators`` table. The CSV file is UTF-8
    with a byte-order mark (Excel opens Vietnamese correctly) and a decimal point. No text becomes a
    formula: workbook text cells are string cells, CSV text fields that start with ``=``, ``+``, ``-``, ``@``,
    a tab or a carriage return get a leading ``'`` (:mod:`dxnb.cells`).

    Returns:
        The paths of the Excel and the CSV file.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    folder = Path(folder)
    text_columns = set(text_columns)
    formats = formats or {}
    book = Workbook()
    ws = book.active
    ws.title = sheet[:31]
    ws.append([str(c) for c in frame.columns])
    for row in frame.itertuples(index=False):
        ws.append([_excel_value(v) for v in row])
    fill = PatternFill("solid", fgColor="E8EEF5")
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for k, name in enumerate(frame.columns, start=1):
        letter = get_column_letter(k)
        number_format = "@" if name in text_columns else formats.get(name)
        if number_format:
            for cell in ws[letter][1:]:
                cell.number_format = number_format
        longest = max([len(str(name)) // 2, *(len(str(v)) for v in frame[name].head(200).tolist())], default=8)
        ws.column_dimensions[letter].width = max(8, min(40, longest + 2))
    ws.row_dimensions[1].height = 45
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = ws.dimensions
    about = book.create_sheet(notes_sheet[:31])
    for label, value in notes:
        about.append([label, value])
        about.cell(about.max_row, 1).font = Font(bold=True)
    if indicators is not None:
        about.append([])
        about.append([str(c) for c in indicators.columns])
        for cell in about[about.max_row]:
            cell.font = Font(bold=True)
            cell.fill = fill
        for row in indicators.itertuples(index=False):
            about.append([_excel_value(v) for v in row])
    about.column_dimensions["A"].width = 30
    about.column_dimensions["B"].width = 60
    book.properties.creator = f"dxnb {__version__}"
    make_inert(book)  # a name or source such as "=HYPERLINK(…)" stays text
    buffer = io.BytesIO()
    book.save(buffer)
    xlsx = atomic_write_bytes(folder / f"{stem}.xlsx", buffer.getvalue())
    csv = atomic_write_text(
        folder / f"{stem}.csv", inert_csv(frame).to_csv(index=False, lineterminator="\n"), "utf-8-sig"
    )
    log.info("wrote %s and %s (%d rows)", xlsx, csv, len(frame))
    return xlsx, csv
