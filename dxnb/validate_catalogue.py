"""The checks of a catalogue's files, ``pillars.csv`` and ``indicators.csv`` (part of :mod:`dxnb.validate`).

Every number is checked as :func:`dxnb.catalogue.build_catalogue` will read it: plain ASCII digits with an
optional decimal point, finite, whole where it must be, within sane bounds (``max_points`` above 0 and at most
1000, ``decimals`` 0–4, ``scale`` above 0, steps readable with no points below 0 or above ``max_points``).
"""

from __future__ import annotations

import re

import pandas as pd

from . import catalogue as cat
from .errors import Problem

_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def selected_rows(frame: pd.DataFrame, mask):
    """(row number, record) of the rows selected by ``mask``; row numbers count the header as row 1."""
    selected = frame[mask] if not isinstance(mask, slice) else frame
    for index, record in zip(selected.index, selected.to_dict("records"), strict=True):
        yield int(index) + 2, record


def _check_id(file: str, row: int, value: str, seen, problems: list[Problem], twice: str, hint: str) -> None:
    """An id must be lower-case letters, digits and _, and unique in its file."""
    if not _ID.match(value):
        problems.append(
            Problem(file, row, "id", f"'{value}' is not an identifier", "use lower-case letters, digits and _")
        )
    elif value in seen:
        problems.append(Problem(file, row, "id", f"'{value}' {twice}", hint))


_TARGET_RANGE = {"rate": (0, 100), "yes_partial_no": (0, 1), "count": (0, cat.MAX_NUMBER), "ratio": (0, cat.MAX_NUMBER)}
_NUMBER_HINTS = {
    "order": "number the pillars 1, 2, 3 …",
    "max_points": f"give the indicator's maximum points, above 0 and at most {cat.MAX_POINTS:g}",
    "scale": "use 100 for a percentage, 1000 per thousand",
    "decimals": f"write a whole number of decimals from 0 to {cat.MAX_DECIMALS}",
    "target": "write the target as a plain number in the indicator's unit, e.g. 80 for 80%",
    "target_year": "write the year with four digits, e.g. 2025",
}


def _number(
    file: str,
    row: int,
    record: dict,
    column: str,
    problems: list[Problem],
    bounds: tuple[float, float],
    *,
    low_open: bool = False,
    whole: bool = False,
    required: bool = False,
) -> float | None:
    """Check one catalogue number: plain ASCII digits, finite, whole if asked, within ``bounds``."""
    raw = str(record.get(column, "")).strip()
    hint = _NUMBER_HINTS[column]
    if not raw:
        if required:
            problems.append(Problem(file, row, column, "the value is empty", hint))
        return None
    try:
        value = cat.plain_number(raw)
    except ValueError as exc:
        problems.append(Problem(file, row, column, str(exc), hint))
        return None
    low, high = bounds
    if whole and not value.is_integer():
        problems.append(Problem(file, row, column, f"'{raw}' is not a whole number", hint))
    elif value < low or value > high or (low_open and value == low):
        sign = ">" if low_open else "≥"
        problems.append(Problem(file, row, column, f"{raw} is not {sign} {low:g} and ≤ {high:g}", hint))
    else:
        return value
    return None


def _check_points(row: int, record: dict, scoring: str, problems: list[Problem], iname: str = "indicators.csv") -> None:
    """Maximum points and steps: readable, within bounds, no step above the maximum."""
    scored = scoring in ("linear", "steps", "yes_partial_no", "direct")
    bounds = (0, cat.MAX_POINTS)
    most = _number(iname, row, record, "max_points", problems, bounds, low_open=scored, required=scored)
    raw = str(record["steps"]).strip()
    if not raw and scoring != "steps":
        return
    try:
        steps = cat.parse_steps(raw)
    except ValueError as exc:
        shown = raw if len(raw) <= 40 else f"{raw[:30]}… ({len(raw)} characters)"
        problems.append(
            Problem(
                iname,
                row,
                "steps",
                f"'{shown}' cannot be read ({exc})",
                "write threshold:points pairs separated by ';', thresholds ascending, e.g. 1:5;2:10;4:20",
            )
        )
        return
    over = [points for _, points in steps if most is not None and points > most]
    if over:
        problems.append(
            Problem(
                iname,
                row,
                "steps",
                f"a step gives {max(over):g} points, above max_points {most:g}",
                "lower the step's points or raise max_points",
            )
        )


def _check_extra_columns(iname: str, row: int, record: dict, problems: list[Problem]) -> None:
    """The optional columns of a framework's indicators: ``applies_to``, ``evidence_required``, ``target_verified``."""
    for kind in str(record.get("applies_to", "")).split(";"):
        if kind.strip() and kind.strip().casefold() not in cat.UNIT_KINDS:
            problems.append(
                Problem(
                    iname,
                    row,
                    "applies_to",
                    f"'{kind.strip()}' is not a unit kind",
                    f"list kinds separated by ';' from: {';'.join(cat.UNIT_KINDS)} (blank: every kind)",
                )
            )
    for column in ("evidence_required", "target_verified"):
        value = str(record.get(column, "")).strip().casefold()
        if value and value not in cat.YES_NO:
            problems.append(Problem(iname, row, column, f"'{value}' is not yes or no", "write yes, no, or leave blank"))


def check_catalogue(
    pillars: pd.DataFrame,
    indicators: pd.DataFrame,
    problems: list[Problem],
    *,
    files: tuple[str, str] = ("pillars.csv", "indicators.csv"),
    required: tuple[str, ...] = cat.REQUIRED_IDS,
) -> None:
    """Check ``pillars.csv`` and ``indicators.csv``: ids, kinds, scoring rules, ratios and targets.

    A framework (:mod:`dxnb.validate_framework`) names its own ``files`` and requires no ids.
    """
    pname, iname = files
    pillar_ids = set()
    for row, record in selected_rows(pillars, slice(None)):
        pid = str(record["id"]).strip()
        _check_id(pname, row, pid, pillar_ids, problems, "appears twice", "remove one of the rows")
        pillar_ids.add(pid)
        _number(pname, row, record, "order", problems, (1, 1000), whole=True, required=True)
    ids: dict[str, int] = {}
    kinds = dict(zip(indicators["id"].str.strip(), indicators["kind"].str.strip(), strict=False))
    derived = set(indicators.loc[indicators["numerator"].str.strip() != "", "id"].str.strip())
    for row, record in selected_rows(indicators, slice(None)):
        iid = str(record["id"]).strip()
        _check_id(iname, row, iid, ids, problems, f"is also on row {ids.get(iid)}", "ids are unique")
        ids.setdefault(iid, row)
        if str(record["pillar"]).strip() not in pillar_ids:
            problems.append(
                Problem(
                    iname,
                    row,
                    "pillar",
                    f"'{record['pillar']}' is not in pillars.csv",
                    f"use one of: {', '.join(sorted(pillar_ids))}",
                )
            )
        for column in ("name_vi", "name_en"):
            if not str(record[column]).strip():
                problems.append(Problem(iname, row, column, "the name is empty", "every indicator needs a name"))
        kind, scoring = str(record["kind"]).strip(), str(record["scoring"]).strip()
        if kind not in cat.KINDS:
            problems.append(
                Problem(iname, row, "kind", f"'{kind}' is not a kind", f"use one of: {', '.join(cat.KINDS)}")
            )
        if scoring not in cat.SCORINGS:
            problems.append(
                Problem(
                    iname,
                    row,
                    "scoring",
                    f"'{scoring}' is not a scoring rule",
                    f"use one of: {', '.join(cat.SCORINGS)}",
                )
            )
        if scoring == "linear" and kind != "rate":
            problems.append(
                Problem(
                    iname, row, "scoring", "linear scoring applies to rates only", "use 'steps' for counts and ratios"
                )
            )
        if scoring == "yes_partial_no" and kind != "yes_partial_no":
            problems.append(
                Problem(
                    iname,
                    row,
                    "scoring",
                    "yes_partial_no scoring needs kind yes_partial_no",
                    "set kind to yes_partial_no",
                )
            )
        if (scoring == "direct") != (kind == "points") and not (kind == "points" and scoring == "none"):
            problems.append(
                Problem(
                    iname,
                    row,
                    "scoring",
                    "direct scoring and kind points go together",
                    "use kind points with scoring direct (the value is the points earned)",
                )
            )
        _check_extra_columns(iname, row, record, problems)
        _check_points(row, record, scoring, problems, iname)
        numerator, denominator = str(record["numerator"]).strip(), str(record["denominator"]).strip()
        if numerator or denominator:
            if numerator not in kinds or numerator in derived:
                problems.append(
                    Problem(
                        iname,
                        row,
                        "numerator",
                        f"'{numerator}' is not an observed indicator",
                        "name an indicator of this catalogue that is reported directly",
                    )
                )
            if denominator not in cat.UNIT_DENOMINATORS and (denominator not in kinds or denominator in derived):
                problems.append(
                    Problem(
                        iname,
                        row,
                        "denominator",
                        f"'{denominator}' is not a known denominator",
                        f"use a unit column ({', '.join(cat.UNIT_DENOMINATORS)}) or an observed indicator",
                    )
                )
        _number(iname, row, record, "scale", problems, (0, 1e6), low_open=True, required=bool(numerator or denominator))
        _number(iname, row, record, "decimals", problems, (0, cat.MAX_DECIMALS), whole=True)
        _number(iname, row, record, "target", problems, _TARGET_RANGE.get(kind, (-cat.MAX_NUMBER, cat.MAX_NUMBER)))
        _number(iname, row, record, "target_year", problems, (1900, 2100), whole=True)
        if str(record["target"]).strip() and not str(record["target_source"]).strip():
            problems.append(
                Problem(
                    iname,
                    row,
                    "target_source",
                    "a target needs its source document",
                    "name the decision that sets it, e.g. Quyết định 411/QĐ-TTg (31/3/2022)",
                )
            )
    for needed in required:
        if needed not in ids:
            problems.append(
                Problem(
                    iname,
                    None,
                    "id",
                    f"the catalogue lacks '{needed}', which forms and other tools expect",
                    "add the indicator back (see data/README.md)",
                )
            )
