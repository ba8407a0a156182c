"""The checks of a dataset's files against the data contract of ``data/README.md``.

Each check reads the raw frames of one file (text cells, as read by :mod:`dxnb.dataset`) and
appends a :class:`~dxnb.errors.Problem` for every error or warning, located as
``file:row: column: what is wrong — how to fix``; row numbers are the file's line numbers
(the header is line 1). :func:`dxnb.dataset.check_dataset` runs them in order.
"""

from __future__ import annotations

import difflib
import re

import pandas as pd

from . import catalogue as cat
from .errors import Problem
from .i18n import N_, t, tn
from .text import name_key, nfc, place_key, place_name, stripped
from .validate_catalogue import check_catalogue as check_catalogue  # re-exported: the catalogue's checks
from .validate_catalogue import check_one_of, selected_rows
from .validate_lifetime import has_lifetime_columns, keyed_units
from .values import ValueProblem, ascii_digits, parse_number

UNIT_KINDS = ("xã", "phường", "thị trấn", "đặc khu")
NOTE_KINDS = ("strength", "challenge", "next_step")
QUALIFIERS = ("", "estimate", "lower_bound")
UNIT_COUNTS = ("population", "adult_population", "households", "hamlets")
CODE_LENGTH = 5
#: At most this many problems are kept (after grouping); the rest are counted in one last problem.
MAX_PROBLEMS = 1000
#: Row numbers listed in a group of identical problems.
ROWS_LISTED = 10
#: Distinct unknown indicator ids that get a "did you mean" suggestion (a fuzzy match each).
SUGGESTIONS = 100
#: The message and hint of a district (province) written in two ways.
SPELLING_KEYS = {
    "district": (N_("val_spelling_district"), N_("val_spelling_district_hint")),
    "province": (N_("val_spelling_province"), N_("val_spelling_province_hint")),
}
# a year, a quarter (2025-Q3) or a month (2025-08); [0-9]: \d and str.isdigit also accept "２" and "٢"
_PERIOD = re.compile(r"^(19|20|21)[0-9][0-9](-(Q[1-4]|0[1-9]|1[0-2]))?$")
_ASCII_DIGITS = re.compile(r"[0-9]+")


def group_problems(problems: list[Problem], limit: int = MAX_PROBLEMS) -> list[Problem]:
    """Merge problems that differ only by row into one, and keep at most ``limit`` (errors first).

    A merged problem sits on its first row and lists the others: "'x' is not in the catalogue (and
    160,411 more rows with the same problem: rows 5, 6, 7, …)".
    """
    groups: dict[tuple, list[Problem]] = {}
    for problem in problems:
        key = (problem.file, problem.column, problem.message, problem.hint, problem.severity, problem.row is None)
        groups.setdefault(key if problem.row is not None else (*key, len(groups)), []).append(problem)
    merged = []
    for items in groups.values():
        first = items[0]
        if len(items) > 1:
            rows = sorted({p.row for p in items})
            listed = ", ".join(str(r) for r in rows[1 : ROWS_LISTED + 1])
            listed += ", …" if len(rows) > ROWS_LISTED + 1 else ""
            message = tn("val_same_problem_rows", len(rows) - 1, message=first.message, count=f"{len(rows) - 1:,}",
                         rows=listed)  # fmt: skip
            first = Problem(first.file, rows[0], first.column, message, first.hint, first.severity)
        merged.append(first)
    if len(merged) <= limit:
        return merged
    merged.sort(key=lambda p: not p.is_error)
    dropped = merged[limit:]
    return [
        *merged[:limit],
        Problem(
            dropped[0].file,
            None,
            None,
            tn("val_not_listed", len(dropped), count=f"{len(dropped):,}"),
            t("val_not_listed_hint"),
            "error" if any(p.is_error for p in dropped) else "warning",
        ),
    ]


def _code_problem(code: str) -> tuple[str, str] | None:
    """Return (message, hint) when ``code`` is not a valid commune code."""
    if re.fullmatch(r"[0-9]+\.0+", code):
        fixed = code.split(".")[0].zfill(CODE_LENGTH)
        return t("val_code_decimal", code=code), t("val_code_decimal_hint", fixed=fixed)
    if not code:
        return t("val_code_empty"), t("val_code_hint", n=CODE_LENGTH)
    if any(c.isdigit() and not c.isascii() for c in code):
        return t("val_code_foreign_digits", code=code), t("val_code_foreign_digits_hint", fixed=ascii_digits(code))
    if not _ASCII_DIGITS.fullmatch(code):
        return t("val_code_not_digits", code=code), t("val_code_hint", n=CODE_LENGTH)
    if len(code) < CODE_LENGTH:
        return (
            t("val_code_length", code=code, digits=len(code), n=CODE_LENGTH),
            t("val_code_lost_zero_hint", fixed=code.zfill(CODE_LENGTH)),
        )
    if len(code) > CODE_LENGTH:
        return t("val_code_length", code=code, digits=len(code), n=CODE_LENGTH), t("val_code_check_hint")
    return None


def check_units(units: pd.DataFrame, problems: list[Problem]) -> None:
    """Check ``units.csv``: codes, names, kinds, provinces and counts."""
    name = "units.csv"
    if units.empty:
        problems.append(Problem(name, None, None, t("val_no_rows"), t("val_no_units_hint")))
        return
    seen: dict[str, int] = {}
    lifetimes = has_lifetime_columns(units)  # one code for several units over time: dxnb.validate_lifetime
    for row, record in selected_rows(units, slice(None)):
        code = str(record["code"]).strip()
        issue = _code_problem(code)
        if issue:
            problems.append(Problem(name, row, "code", *issue))
        elif code in seen and not lifetimes:
            problems.append(
                Problem(
                    name,
                    row,
                    "code",
                    t("val_code_twice", code=code, other=seen[code]),
                    t("val_code_twice_hint"),
                )
            )
        else:
            seen[code] = row
        if not str(record["name"]).strip():
            problems.append(Problem(name, row, "name", t("val_name_empty"), t("val_unit_name_hint")))
        kind = nfc(str(record["kind"])).strip().casefold()
        check_one_of(name, row, "kind", kind, UNIT_KINDS, N_("val_unit_kind"), problems, as_given=record["kind"])
        if not str(record["province"]).strip():
            problems.append(Problem(name, row, "province", t("val_province_empty"), t("val_province_hint")))
        counts = {}
        for column in UNIT_COUNTS:
            raw = str(record[column]).strip()
            if not raw:
                continue
            try:
                counts[column] = parse_number(raw, whole=True)
            except ValueProblem as exc:
                problems.append(Problem(name, row, column, exc.message, exc.hint))
                continue
            if counts[column] < 0:
                problems.append(Problem(name, row, column, t("val_negative", value=raw), t("val_negative_hint")))
        if counts.get("adult_population", 0) > counts.get("population", float("inf")):
            problems.append(
                Problem(
                    name,
                    row,
                    "adult_population",
                    t(
                        "val_adults_above_population",
                        adults=f"{counts['adult_population']:.0f}",
                        population=f"{counts['population']:.0f}",
                    ),
                    t("val_check_both"),
                    "warning",
                )
            )
        for estimated in str(record.get("estimated_fields", "")).split(";"):
            if estimated.strip() and estimated.strip() not in UNIT_COUNTS:
                problems.append(
                    Problem(
                        name,
                        row,
                        "estimated_fields",
                        t("val_not_a_count_column", value=estimated.strip()),
                        t("val_not_a_count_column_hint", columns=", ".join(UNIT_COUNTS)),
                    )
                )
    for column in ("district", "province"):
        _check_place_spellings(units, column, problems)
    keys = units["name"].map(name_key) + "|" + units["province"].map(place_key) + "|" + units["district"].map(place_key)
    for row, _record in selected_rows(units, keys.duplicated(keep="first")):
        problems.append(
            Problem(
                name,
                row,
                "name",
                t("val_same_name", name=_record["name"]),
                t("val_same_name_hint"),
                "warning",
            )
        )


def canonical_places(values: pd.Series) -> pd.Series:
    """District or province names as read: NFC, spaces collapsed, without a leading "huyện"/"tỉnh"/….

    "Huyện Phú Giáo", "huyện  Phú Giáo" and "Phú Giáo" all become "Phú Giáo" (see :func:`dxnb.text.place_name`);
    spellings that differ otherwise ("Hoà"/"Hòa") are kept, and matched by :func:`dxnb.text.place_key`.
    """
    return values.map(place_name)


def _check_place_spellings(units: pd.DataFrame, column: str, problems: list[Problem]) -> None:
    """Warn where one district (or province) is written in two ways in ``units.csv``."""
    written = units[column].map(lambda v: re.sub(r"\s+", " ", nfc(str(v))).strip())
    first: dict[str, tuple[str, int]] = {}
    for row, spelling in zip(written.index + 2, written, strict=True):
        key = place_key(spelling)
        if not key:
            continue
        other, other_row = first.setdefault(key, (spelling, int(row)))
        if spelling != other:
            problems.append(
                Problem(
                    "units.csv",
                    int(row),
                    column,
                    t(SPELLING_KEYS[column][0], spelling=spelling, other=other, row=other_row),
                    t(SPELLING_KEYS[column][1]),
                    "warning",
                )
            )


def _check_periods(frame: pd.DataFrame, name: str, problems: list[Problem]) -> pd.Series:
    period = frame["period"]  # observations and notes: key columns stripped as read (dxnb.dataset.KEY_COLUMNS)
    bad = ~period.str.match(_PERIOD)
    for row, record in selected_rows(frame, bad):
        raw = str(record["period"]).strip()
        hint = t("val_year_hint")
        if re.fullmatch(r"[0-9]{4}\.0+", raw):
            hint = t("val_year_decimal_hint", year=raw[:4])
        elif any(c.isdigit() and not c.isascii() for c in raw):
            hint = t("val_foreign_digits_hint", meant=ascii_digits(raw))
        problems.append(Problem(name, row, "period", t("val_not_a_year", value=raw), hint))
    return bad


def _check_unit_codes(frame: pd.DataFrame, name: str, units: pd.DataFrame | None, problems) -> pd.Series:
    codes = frame["unit_code"]  # stripped as read
    known = set(stripped(units["code"])) if units is not None else None
    bad = ~codes.isin(known) if known is not None else ~codes.str.fullmatch(rf"[0-9]{{{CODE_LENGTH}}}")
    for row, record in selected_rows(frame, bad):
        code = str(record["unit_code"]).strip()
        issue = _code_problem(code)
        if issue is None and known is not None:
            issue = (t("val_unknown_unit", code=code), t("val_unknown_unit_hint"))
        if (
            issue is not None
            and known is not None
            and issue[1] == t("val_code_lost_zero_hint", fixed=code.zfill(CODE_LENGTH))
        ):
            padded = code.zfill(CODE_LENGTH)
            if padded not in known:
                issue = (issue[0], t("val_padded_unknown_hint", padded=padded))
        if issue:
            problems.append(Problem(name, row, "unit_code", *issue))
    return bad


def check_observations(
    obs: pd.DataFrame, units: pd.DataFrame | None, catalogue: cat.Catalogue | None, problems: list[Problem]
) -> pd.Series:
    """Validate observations (their key columns stripped as read); return the parsed values (NaN where invalid)."""
    name = "observations.csv"
    if obs.empty:
        problems.append(Problem(name, None, None, t("val_no_observations_yet"), t("val_fill_forms_hint"), "warning"))
        return pd.Series(dtype=float)
    _check_unit_codes(obs, name, units, problems)
    _check_periods(obs, name, problems)
    indicator = obs["indicator"]  # the key columns stripped as read (dxnb.dataset.KEY_COLUMNS)
    values = pd.Series(float("nan"), index=obs.index)
    if catalogue is not None:
        known = indicator.isin(list(catalogue.indicators))
        hints: dict[str, str] = {}  # one fuzzy match per distinct unknown id, not per row
        for row, unknown in zip(obs.index[~known] + 2, indicator[~known], strict=True):
            if unknown not in hints:
                close = []
                if len(hints) < SUGGESTIONS:
                    close = difflib.get_close_matches(unknown, list(catalogue.indicators), n=1)
                hints[unknown] = t("val_did_you_mean", id=close[0]) if close else t("val_use_an_id")
            problems.append(
                Problem(name, int(row), "indicator", t("val_unknown_indicator", id=unknown), hints[unknown])
            )
        distinct = indicator.unique()  # a few dozen ids over many rows: each looked up once
        is_derived = indicator.map({i: i in catalogue and catalogue[i].derived for i in distinct})
        for row, record in selected_rows(obs, is_derived):
            ind = catalogue[str(record["indicator"]).strip()]
            problems.append(
                Problem(
                    name,
                    row,
                    "indicator",
                    t("val_derived", id=ind.id, numerator=ind.numerator, denominator=ind.denominator),
                    t("val_derived_hint", numerator=ind.numerator),
                )
            )
        kind = indicator.map({i: catalogue[i].kind if i in catalogue else "" for i in distinct})
    else:
        kind = pd.Series("", index=obs.index)
    raw = obs["value"]
    plain = raw.str.fullmatch(r"[+-]?[0-9]{1,15}(\.[0-9]+)?")  # 16 digits or more: out of range
    numeric = pd.to_numeric(raw.where(plain), errors="coerce")
    whole = kind == "count"
    fractional = numeric.notna() & whole & (numeric % 1 != 0)
    needs_detail = ~plain | fractional
    for index, text, is_whole in zip(obs.index[needs_detail], raw[needs_detail], whole[needs_detail], strict=True):
        try:
            parse_number(text, whole=bool(is_whole))
        except ValueProblem as exc:
            problems.append(Problem(name, int(index) + 2, "value", exc.message, exc.hint))
    values = numeric.where(~fractional)
    checks = [
        (
            (kind == "rate") & ((values < 0) | (values > 100)),
            N_("val_rate_range"),
            t("val_rate_range_hint"),
        ),
        (kind.isin(["count", "ratio"]) & (values < 0), N_("val_negative"), t("val_negative_hint")),
        (
            (kind == "yes_partial_no") & values.notna() & ~values.isin(cat.YES_PARTIAL_NO),
            N_("val_not_ypn"),
            t("val_not_ypn_hint"),
        ),
    ]
    for mask, message, hint in checks:
        mask = mask.fillna(False)
        for index, text in zip(obs.index[mask], raw[mask], strict=True):
            problems.append(Problem(name, int(index) + 2, "value", t(message, value=text), hint))
    if "qualifier" in obs.columns:
        qualifier = obs["qualifier"]
        for row, record in selected_rows(obs, ~qualifier.isin(QUALIFIERS)):
            problems.append(
                Problem(
                    name,
                    row,
                    "qualifier",
                    t("val_not_a_qualifier", value=record["qualifier"]),
                    t("val_not_a_qualifier_hint"),
                )
            )
    key = obs["unit_code"] + "|" + obs["period"] + "|" + indicator
    dup = key.duplicated(keep=False)
    if dup.any():
        first_row: dict[str, tuple[int, str, float]] = {}
        picked = obs.index[dup]
        for index, k, text, value in zip(picked, key[dup], raw[dup], values[dup], strict=True):
            row = int(index) + 2
            if k not in first_row:
                first_row[k] = (row, text, value)
                continue
            other_row, other_value, other_number = first_row[k]
            same = text == other_value or value == other_number
            unit_code, period, ind = k.split("|")
            if same:
                problems.append(
                    Problem(
                        name,
                        row,
                        "indicator",
                        t("val_repeats_row", row=other_row, unit=unit_code, period=period, id=ind),
                        t("val_repeats_row_hint"),
                        "warning",
                    )
                )
            else:
                problems.append(
                    Problem(
                        name,
                        row,
                        "value",
                        t(
                            "val_conflicting_rows",
                            row=other_row,
                            unit=unit_code,
                            period=period,
                            id=ind,
                            value=text,
                            other=other_value,
                        ),
                        t("val_conflicting_rows_hint"),
                    )
                )
    return values


def check_denominators(
    obs: pd.DataFrame, values: pd.Series, units: pd.DataFrame, catalogue: cat.Catalogue, problems: list[Problem]
) -> None:
    """Warn where a count is above its denominator (signatures above the adult population)."""
    keyed, codes = keyed_units(units, obs)  # one code may name several units over time (dxnb.validate_lifetime)
    unit_numbers = {c: pd.to_numeric(stripped(keyed[c]), errors="coerce") for c in cat.UNIT_DENOMINATORS}
    indicator = obs["indicator"]  # stripped as read
    for ind in catalogue.derived:
        if ind.scale != 100 or ind.denominator not in cat.UNIT_DENOMINATORS:
            continue
        mask = indicator == ind.numerator
        if not mask.any():
            continue
        denominator = codes[mask].map(unit_numbers[ind.denominator])
        over = (values[mask] > denominator) & (denominator > 0)  # 0: the indicator does not apply
        for index in over[over.fillna(False)].index:
            problems.append(
                Problem(
                    "observations.csv",
                    int(index) + 2,
                    "value",
                    t(
                        "val_above_denominator",
                        numerator=ind.numerator,
                        value=f"{values[index]:g}",
                        denominator=t(f"field_{ind.denominator}"),
                        base=f"{denominator[index]:g}",
                        id=ind.id,
                        share=f"{values[index] / denominator[index] * 100:.0f}",
                    ),
                    t("val_above_denominator_hint", column=ind.denominator),
                    "warning",
                )
            )


def check_notes(notes: pd.DataFrame, units: pd.DataFrame | None, problems: list[Problem]) -> None:
    """Check ``notes.csv``: unit codes, periods, kinds and texts."""
    name = "notes.csv"
    if notes.empty:
        return
    _check_unit_codes(notes, name, units, problems)
    _check_periods(notes, name, problems)
    for row, record in selected_rows(notes, ~stripped(notes["kind"]).isin(NOTE_KINDS)):
        kind = str(record["kind"]).strip()
        check_one_of(name, row, "kind", kind, NOTE_KINDS, N_("val_not_a_note_kind"), problems, as_given=record["kind"])
    for row, _record in selected_rows(notes, stripped(notes["text"]) == ""):
        problems.append(Problem(name, row, "text", t("val_text_empty"), t("val_text_empty_hint")))
