"""Excel forms for communes: writing a blank form (``dxnb template``) to the layout of :mod:`dxnb.formlayout`.

A form is an ``.xlsx`` workbook in Vietnamese with three sheets:

* ``Chỉ tiêu`` — a header block (unit code, name, district, province, period) and one row per
  *observed* catalogue indicator: id (locked), name, pillar, unit, how it is counted, last
  period's value, then the cells the commune fills (value, source or evidence, note).
* ``Ghi chú`` — free notes: strengths, challenges and next steps.
* ``dxnb`` — a very hidden sheet of metadata: the form format and version, unit code, period and
  a fingerprint of the id column, so that a form whose ids were edited is refused on import.

:func:`write_template` writes one form, :func:`write_templates` one per unit. Reading a filled form
is :mod:`dxnb.formreader`'s job; merging it into the dataset is :mod:`dxnb.intake`'s.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import logging
import math
import os
from collections.abc import Iterable
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from . import __version__, params
from . import catalogue as cat
from .cells import clean_text, make_inert, set_text
from .dataset import Dataset
from .errors import FormError
from .fileio import atomic_write_bytes, write_temporary
from .formlayout import (
    CODE_CELL,
    COL,
    COLUMNS,
    DISTRICT_CELL,
    FIRST_ROW,
    FORM_FORMAT,
    FORM_VERSION,
    HEAD_FILL,
    INPUT_FILL,
    LETTER,
    LOCKED_FILL,
    META_SHEET,
    NAME_CELL,
    NOTE_KIND_LABELS,
    NOTE_ROWS,
    NOTES_FIRST_ROW,
    NOTES_HEADER_ROW,
    NOTES_SHEET,
    PERIOD_CELL,
    PREFILLED_FILL,
    PROVINCE_CELL,
    QUALIFIER_LABELS,
    TABLE_HEADER_ROW,
    VALUES_SHEET,
    WIDTHS,
    YES_PARTIAL_NO_LABELS,
    check_period,
    column_captions,
    estimate_height,
    form_indicators,
    ids_fingerprint,
    print_setup,
    protect,
    style,
    unit_label,
)
from .i18n import N_, t, tn
from .text import slugify

log = logging.getLogger(__name__)

DENOMINATOR_LABELS = {"population": "dân số", "adult_population": "dân số trưởng thành",
                      "households": "số hộ", "hamlets": "số ấp"}  # fmt: skip


# --------------------------------------------------------------------------- helpers


def _put(cell, value: object):
    """Write a value into a cell of the form: text is cleaned of control characters and never a formula."""
    set_text(cell, value)
    return cell


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


MAX_SLUG = 60  # characters of the unit's name in a form's file name (file systems allow 255 bytes in all)


def default_form_name(dataset: Dataset, code: str, period: str) -> str:
    """File name of a unit's form: ``25882-vinh-hoa-2025.xlsx``; a long name is cut at a word (60 characters)."""
    slug = slugify(dataset.unit(code)["name"])
    if len(slug) > MAX_SLUG:
        slug = slug[:MAX_SLUG].rsplit("-", 1)[0] if "-" in slug[:MAX_SLUG] else slug[:MAX_SLUG]
    return f"{slugify(code)[:40] if len(code) > 40 else code}-{slug}-{period}.xlsx"


def _number_format(ind: cat.Indicator) -> str:
    if ind.kind == "count":
        return "#,##0"
    return "0" if ind.decimals <= 0 else "0." + "0" * ind.decimals


def _how(ind: cat.Indicator, catalogue: cat.Catalogue) -> str:
    """The 'cách tính' text: what to enter, and what dxnb computes from it."""
    parts = []
    if ind.description and not ind.description.startswith("1 = có"):
        parts.append(ind.description.rstrip(".") + ".")
    parts.append(
        {
            "rate": "Tỷ lệ phần trăm, từ 0 đến 100.",
            "count": "Số nguyên, từ 0 trở lên.",
            "ratio": "Số, từ 0 trở lên.",
            "yes_partial_no": "Chọn trong danh sách: có / một phần / không.",
        }.get(ind.kind, "")
    )
    for derived in catalogue.derived:
        if derived.numerator != ind.id:
            continue
        denominator = DENOMINATOR_LABELS.get(derived.denominator) or (
            catalogue[derived.denominator].name_vi if derived.denominator in catalogue else derived.denominator
        )
        scale = f" × {derived.scale:,.0f}".replace(",", ".") if derived.scale != 1 else ""
        parts.append(f"dxnb tự tính «{derived.name_vi}» = giá trị này / {denominator}{scale}.")
    return " ".join(p for p in parts if p)


# --------------------------------------------------------------------------- writing


def _values_of(dataset: Dataset, code: str, period: str) -> dict[str, tuple[float, str]]:
    """The unit's values of ``period`` in the dataset, with their qualifiers."""
    obs = dataset.observations
    rows = obs[(obs["unit_code"] == code) & (obs["period"] == period)]
    qualifiers = rows["qualifier"].fillna("").astype(str) if "qualifier" in rows else [""] * len(rows)
    return {i: (v, q.strip()) for i, v, q in zip(rows["indicator"], rows["value"], qualifiers, strict=True)}


def _previous_values(dataset: Dataset, code: str, period: str) -> tuple[str | None, dict[str, tuple[float, str]], str]:
    """The latest period before ``period`` with the unit's observations, its values and qualifiers, and their origin.

    ``dataset`` is the view of ``period`` (:meth:`~dxnb.dataset.Dataset.at`). A unit formed after its last
    period with data gets its predecessors' combined values (:mod:`dxnb.history`) and a note naming them
    ("" for the unit's own figures).
    """
    from .history import derive, derived_periods  # only forms of new units need it
    from .periods import same_span

    obs = dataset.observations
    earlier = obs["period"].map(params.period_key) < params.period_key(period)  # quarters and months in time order
    earlier &= obs["period"].isin(same_span(obs["period"].unique(), period))  # a year's form shows the last year
    mine = obs[(obs["unit_code"] == code) & earlier]
    if not mine.empty:
        previous = max(mine["period"], key=params.period_key)
        return previous, _values_of(dataset, code, previous), ""
    earlier = [p for p in derived_periods(dataset, code) if params.period_key(p) < params.period_key(period)]
    found = derive(dataset, code, earlier[-1]) if earlier else None
    if found is None or not found.values:
        return None, {}, ""
    cat = dataset.catalogue
    values = {k: (float(round(v)) if cat[k].kind == "count" else v, "") for k, v in found.values.items()}
    names = ", ".join(f"{p.name} ({p.code})" + ("" if p.type == "full" else " " + t("form_previous_part", "vi"))
                      for p in found.parts)  # fmt: skip
    key = N_("form_previous_estimated") if found.estimated else N_("form_previous_derived")
    return found.period, values, t(key, "vi", units=names)


def _number_vi(value: float, ind: cat.Indicator) -> str:
    """A number as a form shows it in text: decimal comma, no thousands separator ("92,4", "1083")."""
    if ind.whole or float(value).is_integer():
        return str(round(float(value)))
    return f"{value:.{max(ind.decimals, 1)}f}".rstrip("0").rstrip(".").replace(".", ",")


def _show_value(cell, ind: cat.Indicator, value: float, qualifier: str) -> None:
    """Write a value the dataset holds into a form cell as an advisor reads it: "có", "hơn 640", 92,4."""
    if ind.kind == "yes_partial_no":
        _put(cell, YES_PARTIAL_NO_LABELS.get(float(value), _number_vi(value, ind)))
    elif qualifier in QUALIFIER_LABELS:
        _put(cell, f"{QUALIFIER_LABELS[qualifier]} {_number_vi(value, ind)}")
    else:
        cell.value = int(value) if ind.whole else value
        cell.number_format = _number_format(ind)


def _value_validations() -> dict[str, DataValidation]:
    """Excel's checks on the value cells, one per indicator kind (messages in Vietnamese).

    Number cells only warn (Excel then lets "hơn 640" or "khoảng 60" through, which the reader takes with its
    qualifier); the yes/partly/no cells keep to their list.
    """
    qualified = " Số ước tính hoặc tối thiểu: ghi kèm chữ, ví dụ «khoảng 60», «hơn 640» (bấm Yes để giữ)."
    specs = {
        "rate": (
            {"type": "decimal", "operator": "between", "formula1": "0", "formula2": "100"},
            "Tỷ lệ (%)",
            "Tỷ lệ phần trăm từ 0 đến 100, ví dụ 92,4.",
            qualified,
        ),
        "count": (
            {"type": "whole", "operator": "greaterThanOrEqual", "formula1": "0"},
            "Số lượng",
            "Số nguyên từ 0 trở lên, ví dụ 1083.",
            qualified,
        ),
        "ratio": (
            {"type": "decimal", "operator": "greaterThanOrEqual", "formula1": "0"},
            "Giá trị",
            "Một số từ 0 trở lên, ví dụ 92,4.",
            qualified,
        ),
        "yes_partial_no": (
            {"type": "list", "formula1": '"' + ",".join(YES_PARTIAL_NO_LABELS.values()) + '"'},
            "Có / một phần / không",
            "Chọn trong danh sách: có, một phần hoặc không.",
            "",
        ),
    }
    validations = {}
    for kind, (rule, title, text, extra) in specs.items():
        validations[kind] = DataValidation(
            **rule,
            allow_blank=True,
            showErrorMessage=True,
            showInputMessage=True,
            errorStyle="warning" if extra else "stop",
            errorTitle=f"{title}: không hợp lệ",
            error=text + extra,
            promptTitle=title,
            prompt=f"{text} Để trống nếu không có số liệu.",
        )
    return validations


def build_template(dataset: Dataset, code: str, period: str) -> Workbook:
    """Return the blank form of unit ``code`` for ``period`` as an openpyxl workbook."""
    period = check_period(period)
    dataset = dataset.at(period)  # the unit of that code alive in the period
    unit = dataset.unit(code)
    catalogue = dataset.catalogue_for(period)  # the framework in force for the period
    indicators = form_indicators(catalogue)
    label = clean_text(unit_label(dataset, code))
    previous, previous_values, derived_note = _previous_values(dataset, code, period)
    current_values = _values_of(dataset, code, period)  # a form of a period the dataset already has: pre-filled

    wb = Workbook()
    ws = wb.active
    ws.title = VALUES_SHEET
    for column, width in WIDTHS.items():
        ws.column_dimensions[LETTER[column]].width = width

    _put(ws["A1"], "BIỂU MẪU SỐ LIỆU CHUYỂN ĐỔI SỐ CẤP XÃ")
    style(ws["A1"], bold=True, border=False, wrap=False, size=14)
    _put(ws["A2"], f"{_upper_first(label)} — năm {period}")
    style(ws["A2"], bold=True, border=False, wrap=False, size=12)
    header = [("Mã đơn vị", CODE_CELL, code), ("Tên đơn vị", NAME_CELL, _upper_first(label)),
              ("Huyện", DISTRICT_CELL, unit["district"]), ("Tỉnh", PROVINCE_CELL, unit["province"]),
              ("Kỳ báo cáo (năm)", PERIOD_CELL, period)]  # fmt: skip
    for caption, ref, value in header:
        row = int(ref[1:])
        ws.merge_cells(f"A{row}:B{row}")
        _put(ws[f"A{row}"], caption)
        style(ws[f"A{row}"], bold=True, fill=LOCKED_FILL, wrap=False)
        _put(ws[ref], str(value))
        ws[ref].number_format = "@"  # codes and years stay text: leading zeros are kept
        style(ws[ref], wrap=False)
    ws["A8"] = (
        "Hướng dẫn: điền cột «Giá trị» (ô màu vàng) và, nếu có, nguồn/minh chứng và ghi chú. "
        "Để trống nếu không có số liệu (không ghi 0). Tỷ lệ ghi theo phần trăm, ví dụ 92,4; "
        "số lượng ghi số nguyên, ví dụ 1083. Số ước tính hoặc tối thiểu ghi kèm chữ: «khoảng 60», «hơn 640», "
        "«ít nhất 2». Nhận xét không có số (ví dụ «nhiều lớp») ghi ở cột «Ghi chú». Không sửa cột «Mã chỉ tiêu». "
        "Điểm mạnh, khó khăn, giải pháp ghi ở trang «Ghi chú»."
    )
    ws.merge_cells("A8:I8")
    style(ws["A8"], border=False)
    ws.row_dimensions[8].height = 48
    if current_values:
        ws["A9"] = (
            f"Ô màu xanh: {len(current_values)} giá trị năm {period} đã có trong dữ liệu — để nguyên nếu "
            "đúng, sửa nếu sai (khi nhập lại cần --replace)."
        )
        ws.merge_cells("A9:I9")
        style(ws["A9"], border=False, fill=PREFILLED_FILL)

    captions = column_captions(period, previous)
    for column in COLUMNS:
        cell = _put(ws.cell(TABLE_HEADER_ROW, COL[column]), captions[column])
        style(cell, bold=True, fill=INPUT_FILL if column in ("value", "source", "note") else HEAD_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    ws.row_dimensions[TABLE_HEADER_ROW].height = 33

    validations = _value_validations()

    for offset, ind in enumerate(indicators):
        row = FIRST_ROW + offset
        texts = {
            "id": ind.id,
            "name": ind.name_vi,
            "pillar": catalogue.pillars[ind.pillar].name_vi,
            "unit": ind.unit_vi or ("%" if ind.kind == "rate" else ""),
            "how": _how(ind, catalogue),
        }
        for column, text in texts.items():
            style(_put(ws.cell(row, COL[column]), text), fill=LOCKED_FILL if column == "id" else None)
        prev, prev_qualifier = previous_values.get(ind.id, (None, ""))
        prev_cell = ws.cell(row, COL["previous"])
        if prev is not None and not math.isnan(prev):
            _show_value(prev_cell, ind, prev, prev_qualifier)
        style(prev_cell, wrap=False)
        if derived_note and prev is not None and not math.isnan(prev):  # the former units' combined value
            prev_cell.comment = Comment(derived_note, "dxnb")
            prev_cell.font = Font(italic=True, color="7F7F7F")
        held, held_qualifier = current_values.get(ind.id, (None, ""))
        for column in ("value", "source", "note"):
            fill = (PREFILLED_FILL if held is not None else INPUT_FILL) if column == "value" else None
            style(ws.cell(row, COL[column]), fill=fill, locked=False, wrap=column != "value")
        if held is not None and not math.isnan(held):
            _show_value(ws.cell(row, COL["value"]), ind, held, held_qualifier)
        validations[ind.kind].add(ws.cell(row, COL["value"]))
        ws.row_dimensions[row].height = estimate_height({k: texts[k] for k in ("name", "how")})
    last = FIRST_ROW + len(indicators) - 1
    for validation in validations.values():
        if validation.sqref:  # an empty rule would make Excel "repair" the file
            ws.add_data_validation(validation)

    derived_row = last + 2
    _put(ws.cell(derived_row, COL["name"]), "Chỉ tiêu dxnb tự tính (không cần điền):")
    style(ws.cell(derived_row, COL["name"]), bold=True, border=False)
    for offset, ind in enumerate(catalogue.derived, start=1):
        denominator = DENOMINATOR_LABELS.get(ind.denominator) or ind.denominator
        numerator = catalogue[ind.numerator].name_vi if ind.numerator in catalogue else ind.numerator
        scale = f" × {ind.scale:,.0f}".replace(",", ".") if ind.scale != 1 else ""
        text = f"{ind.name_vi} = {numerator} / {denominator}{scale}"
        ws.merge_cells(
            start_row=derived_row + offset,
            start_column=COL["name"],
            end_row=derived_row + offset,
            end_column=COL["how"],
        )
        _put(ws.cell(derived_row + offset, COL["name"]), text)
        style(ws.cell(derived_row + offset, COL["name"]), border=False, wrap=False)
    ws.freeze_panes = ws.cell(FIRST_ROW, COL["pillar"])
    protect(ws)
    print_setup(
        ws,
        f"{TABLE_HEADER_ROW}:{TABLE_HEADER_ROW}",
        "I",
        derived_row + len(catalogue.derived),
        f"{_upper_first(label)} ({code}) — năm {period}",
    )

    _notes_sheet(wb, code, label, period)
    _meta_sheet(wb, dataset, code, label, period, [i.id for i in indicators])
    wb.security = WorkbookProtection(lockStructure=True)  # no password: sheets cannot be deleted by accident
    wb.properties.title = f"Biểu mẫu chuyển đổi số — {label} — {period}"
    wb.properties.creator = f"dxnb {__version__}"
    make_inert(wb)  # whatever text a cell got, it is never a formula
    return wb


def _notes_sheet(wb: Workbook, code: str, label: str, period: str) -> None:
    ws = wb.create_sheet(NOTES_SHEET)
    for column, width in zip("ABC", (16, 90, 36), strict=True):
        ws.column_dimensions[column].width = width
    _put(ws["A1"], "ĐIỂM MẠNH, KHÓ KHĂN, GIẢI PHÁP")
    style(ws["A1"], bold=True, border=False, wrap=False, size=14)
    _put(ws["A2"], f"{_upper_first(label)} ({code}) — năm {period}")
    style(ws["A2"], bold=True, border=False, wrap=False, size=12)
    ws["A4"] = (
        "Mỗi dòng một ý. Cột «Loại»: chọn điểm mạnh, khó khăn hoặc giải pháp. "
        "Cột «Nguồn»: văn bản, báo cáo hoặc minh chứng (nếu có)."
    )
    ws.merge_cells("A4:C4")
    style(ws["A4"], border=False)
    ws.row_dimensions[4].height = 30
    for column, caption in zip("ABC", ("Loại", "Nội dung", "Nguồn / minh chứng"), strict=True):
        style(ws[f"{column}{NOTES_HEADER_ROW}"], bold=True, fill=INPUT_FILL)
        _put(ws[f"{column}{NOTES_HEADER_ROW}"], caption)
    kinds = DataValidation(
        type="list",
        formula1='"' + ",".join(NOTE_KIND_LABELS.values()) + '"',
        allow_blank=True,
        errorTitle="Chọn trong danh sách",
        error="Chọn: điểm mạnh, khó khăn hoặc giải pháp.",
    )
    ws.add_data_validation(kinds)
    for row in range(NOTES_FIRST_ROW, NOTES_FIRST_ROW + NOTE_ROWS):
        for column in "ABC":
            style(ws[f"{column}{row}"], locked=False, fill=INPUT_FILL if column == "A" else None)
        kinds.add(ws[f"A{row}"])
        ws.row_dimensions[row].height = 30
    ws.freeze_panes = f"A{NOTES_FIRST_ROW}"
    protect(ws)
    print_setup(
        ws,
        f"{NOTES_HEADER_ROW}:{NOTES_HEADER_ROW}",
        "C",
        NOTES_FIRST_ROW + NOTE_ROWS - 1,
        f"{_upper_first(label)} ({code}) — năm {period}",
    )


def _meta_sheet(wb: Workbook, dataset: Dataset, code: str, label: str, period: str, ids: list[str]) -> None:
    ws = wb.create_sheet(META_SHEET)
    meta = {
        "format": FORM_FORMAT,
        "version": str(FORM_VERSION),
        "unit_code": code,
        "unit_name": label,
        "period": period,
        "first_row": str(FIRST_ROW),
        "ids": ";".join(ids),
        "ids_sha256": ids_fingerprint(ids),
        "indicators_sha256": dataset.hashes.get("indicators.csv", ""),
        "created": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "dxnb_version": __version__,
    }
    for row, (key, value) in enumerate(meta.items(), start=1):
        _put(ws.cell(row, 1), key)
        _put(ws.cell(row, 2), value).number_format = "@"
    ws.sheet_state = "veryHidden"
    protect(ws)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _check_target(target: Path, force: bool) -> None:
    if target.suffix.lower() != ".xlsx":
        raise FormError(t("form_target_not_xlsx", path=target))
    if len(target.name.encode("utf-8")) > 255:
        raise FormError(t("form_target_too_long", name=target.name[:60], n=len(target.name.encode("utf-8"))))
    if target.exists() and not force:
        raise FormError(t("form_target_exists", path=target))


def _form_bytes(dataset: Dataset, code: str, period: str) -> bytes:
    buffer = io.BytesIO()
    build_template(dataset, code, period).save(buffer)
    return buffer.getvalue()


def write_template(dataset: Dataset, code: str, period: str, path: str | Path, *, force: bool = False) -> Path:
    """Write the form of unit ``code`` for ``period`` to ``path`` (atomically).

    Raises:
        FormError: when ``path`` is not an ``.xlsx`` name, is too long, or exists and ``force`` is false (it
            may be a filled form).
    """
    target = Path(path)
    dataset = dataset.at(check_period(period))
    _check_target(target, force)
    atomic_write_bytes(target, _form_bytes(dataset, code, period))
    os.chmod(target, 0o666 & ~_umask())  # a temporary file is private; a form is meant to be shared
    log.debug("wrote the form of %s (%s) for %s to %s", unit_label(dataset, code), code, period, target)
    return target


def write_templates(
    dataset: Dataset, codes: Iterable[str], period: str, out_dir: str | Path, *, force: bool = False
) -> list[Path]:
    """Write one form per unit into ``out_dir`` (``25882-vinh-hoa-2025.xlsx`` …), all or none.

    Every name is checked and every form built before anything is written; then every form is written as a
    temporary file in ``out_dir`` and only when all are written are they renamed into place. When anything
    fails, no form is written and no temporary is left.

    Raises:
        FormError: when a file exists (it may be a filled form) and ``force`` is false, or a name is unusable.
    """
    period = check_period(period)
    dataset = dataset.at(period)
    folder = Path(out_dir)
    targets = {code: folder / default_form_name(dataset, code, period) for code in codes}
    existing = [str(path) for path in targets.values() if path.exists()]
    if existing and not force:
        raise FormError(tn("form_targets_exist", len(existing), paths=", ".join(existing)))
    for target in targets.values():
        _check_target(target, True)
    contents = {code: _form_bytes(dataset, code, period) for code in targets}
    temporaries: dict[str, Path] = {}
    try:
        for code, data in contents.items():
            temporaries[code] = write_temporary(targets[code], data, 0o666 & ~_umask())
        for code, tmp in temporaries.items():
            os.replace(tmp, targets[code])
    except BaseException:
        for tmp in temporaries.values():
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        raise
    log.debug("wrote %d forms for %s to %s", len(targets), period, folder)
    return list(targets.values())
