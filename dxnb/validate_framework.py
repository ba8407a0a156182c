"""The checks of an evaluation framework's folder (see :mod:`dxnb.framework` and ``data/README.md``).

A framework is checked like the data: every problem is a :class:`~dxnb.errors.Problem` located as
``file:row: column: what is wrong — how to fix``. Groups and indicators are checked by
:func:`dxnb.validate_catalogue.check_catalogue`; this module adds ``framework.csv``, the points that must add up
(indicators to their group, groups to the declared total), result classes and bonus/penalty items.

Points left blank (an indicator's or a group's ``max_points``, a steps rule, the total) do not make the framework
invalid: they make it *incomplete*. :func:`missing_points` lists them; such a framework can be listed but not scored.
"""

from __future__ import annotations

import re

import pandas as pd

from . import catalogue as cat
from .errors import Problem
from .i18n import N_
from .validate_catalogue import check_catalogue, check_id, read_number, selected_rows

#: The fields of ``framework.csv`` (``field,value`` rows).
FIELDS = ("id", "version", "name_vi", "name_en", "document", "issued_by", "years", "total_points", "unit_kinds")
#: Fields that may be blank.
OPTIONAL_FIELDS = ("total_points", "issued_by", "unit_kinds")
GROUP_COLUMNS = ("id", "group", "name_vi", "name_en", "order", "max_points")
CLASS_COLUMNS = ("id", "name_vi", "name_en", "min_score", "max_score")
ADJUSTMENT_COLUMNS = ("id", "kind", "name_vi", "name_en", "points", "cap")
ADJUSTMENT_KINDS = ("bonus", "penalty")
_FRAMEWORK_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_YEARS = re.compile(r"^((19|20|21)[0-9]{2})(-((19|20|21)[0-9]{2})?)?$")
#: Points that agree within this are equal (sums of decimal points such as 0.1 + 0.2).
TOLERANCE = 1e-6


def _blank(value: object) -> bool:
    return not str(value if value is not None else "").strip()


def check_info(fields: dict[str, tuple[int, str]], file: str, problems: list[Problem]) -> None:
    """Check ``framework.csv``: every field present once, the id, the years, the total and the unit kinds."""
    for name in FIELDS:
        if name not in fields:
            problems.append(Problem(file, None, name, "the field is missing", f"add a row '{name},<value>'"))
        elif _blank(fields[name][1]) and name not in OPTIONAL_FIELDS:
            problems.append(
                Problem(file, fields[name][0], name, "the value is empty", "fill it in (see data/README.md)")
            )
    row, value = fields.get("id", (None, ""))
    if value.strip() and not _FRAMEWORK_ID.match(value.strip()):
        problems.append(
            Problem(file, row, "id", f"'{value}' is not a framework id", "use lower-case letters, digits, - and _")
        )
    row, value = fields.get("years", (None, ""))
    if value.strip() and not _YEARS.match(value.strip()):
        problems.append(
            Problem(
                file,
                row,
                "years",
                f"'{value}' is not a span of years",
                'write "2025-2026", "2025-" (from 2025 on) or "2025"',
            )
        )
    elif value.strip():
        first, _, last = value.strip().partition("-")
        if last and int(last) < int(first):
            problems.append(
                Problem(file, row, "years", f"'{value}' ends before it starts", "write the earlier year first")
            )
    row, value = fields.get("total_points", (None, ""))
    total = read_number(file, row, "total_points", value, problems, "write the framework's total points, e.g. 100")
    if total is not None and not 0 < total <= 100000:
        problems.append(
            Problem(file, row, "total_points", f"{value} is not above 0", "write the total points, e.g. 100")
        )
    row, value = fields.get("unit_kinds", (None, ""))
    for kind in str(value).split(";"):
        if kind.strip() and kind.strip().casefold() not in cat.UNIT_KINDS:
            problems.append(
                Problem(
                    file, row, "unit_kinds", f"'{kind.strip()}' is not a unit kind", f"use {';'.join(cat.UNIT_KINDS)}"
                )
            )


def missing_points(
    groups: pd.DataFrame, indicators: pd.DataFrame, info: dict, names: tuple[str, str, str]
) -> list[str]:
    """What an incomplete framework lacks: blank points of groups, scored indicators, steps rules and the total."""
    fname, gname, iname = names
    missing = []
    if "total_points" in info and _blank(info["total_points"][1]):
        missing.append(f"{fname}:{info['total_points'][0]}: total_points")
    for row, record in selected_rows(groups, slice(None)):
        if _blank(record.get("max_points", "")):
            missing.append(f"{gname}:{row}: max_points ({record['id']})")
    for row, record in selected_rows(indicators, slice(None)):
        scoring = str(record.get("scoring", "")).strip()
        if scoring != "none" and _blank(record.get("max_points", "")):
            missing.append(f"{iname}:{row}: max_points ({record['id']})")
        if scoring == "steps" and _blank(record.get("steps", "")):
            missing.append(f"{iname}:{row}: steps ({record['id']})")
    return missing


def fill_missing(indicators: pd.DataFrame) -> pd.DataFrame:
    """``indicators`` with the scored rows whose points are blank turned into unscored ones.

    The shape of an incomplete framework: checked for everything else, built without points, never scored.
    """
    frame = indicators.copy()
    blank = frame["max_points"].str.strip() == ""
    scored = frame["scoring"].str.strip() != "none"
    frame.loc[blank & scored, "scoring"] = "none"
    frame.loc[blank & scored, "steps"] = ""
    return frame


def check_points(
    groups: pd.DataFrame, indicators: pd.DataFrame, total: float | None, names: tuple[str, str, str], problems
) -> None:
    """Points must add up: each group's ``max_points`` to its indicators', the groups' to ``total_points``."""
    fname, gname, iname = names
    points = pd.to_numeric(indicators["max_points"].str.strip(), errors="coerce").fillna(0.0)
    scored = indicators["scoring"].str.strip() != "none"
    by_group = points[scored].groupby(indicators.loc[scored, "pillar"].str.strip()).sum()
    declared_sum = 0.0
    for row, record in selected_rows(groups, slice(None)):
        declared = read_number(gname, row, "max_points", record["max_points"], problems, "write the group's points")
        if declared is None:
            continue
        declared_sum += declared
        earned = float(by_group.get(str(record["id"]).strip(), 0.0))
        if abs(earned - declared) > TOLERANCE:
            problems.append(
                Problem(
                    gname,
                    row,
                    "max_points",
                    f"group '{record['id']}' declares {declared:g} points, its indicators in {iname} add up to "
                    f"{earned:g}",
                    "make the indicators' max_points add up to the group's, or correct the group's points",
                )
            )
    if total is not None and abs(declared_sum - total) > TOLERANCE:
        problems.append(
            Problem(
                fname,
                None,
                "total_points",
                f"the framework declares {total:g} points, its groups in {gname} add up to {declared_sum:g}",
                "correct total_points or the groups' max_points",
            )
        )


def check_classes(classes: pd.DataFrame, total: float | None, file: str, problems: list[Problem]) -> None:
    """Result classes: unique ids, names, ``min_score ≤ max_score``, best first, not overlapping."""
    seen: dict[str, int] = {}
    previous = None  # (row, min_score) of the class above
    hint = "list the classes best first, each class's scores below the one above it (e.g. 90–100, 80–89.9, …)"
    for row, record in selected_rows(classes, slice(None)):
        cid = str(record["id"]).strip()
        check_id(file, row, cid, seen, problems, N_("cat_id_also_on_row"), N_("cat_ids_unique"))
        seen.setdefault(cid, row)
        for column in ("name_vi", "name_en"):
            if _blank(record[column]):
                problems.append(Problem(file, row, column, "the name is empty", "every class needs a name"))
        low = read_number(file, row, "min_score", record["min_score"], problems, "write the class's lowest points")
        high = read_number(file, row, "max_score", record["max_score"], problems, "write the class's highest points")
        for column, value in (("min_score", low), ("max_score", high)):
            if value is None and _blank(record[column]):
                problems.append(Problem(file, row, column, "the value is empty", "write the class's points"))
            elif value is not None and (value < 0 or (total is not None and value > total + TOLERANCE)):
                top = f"{total:g}" if total is not None else "the total"
                problems.append(Problem(file, row, column, f"{value:g} is not between 0 and {top}", hint))
        if low is None or high is None:
            previous = None
            continue
        if low > high:
            problems.append(Problem(file, row, "min_score", f"min_score {low:g} is above max_score {high:g}", hint))
        elif previous is not None:
            above_row, above_low = previous
            if low >= above_low:
                problems.append(
                    Problem(
                        file,
                        row,
                        "min_score",
                        f"the classes are not ordered: {low:g} is not below row {above_row}'s min_score {above_low:g}",
                        hint,
                    )
                )
            elif high > above_low:
                problems.append(
                    Problem(
                        file,
                        row,
                        "max_score",
                        f"the class overlaps row {above_row}: max_score {high:g} is "
                        f"above that class's min_score {above_low:g}",
                        hint,
                    )
                )
        previous = (row, low)


def check_adjustments(adjustments: pd.DataFrame, taken: set[str], file: str, problems: list[Problem]) -> None:
    """Bonus and penalty items: unique ids (not an indicator's), kind, names, points above 0, a cap of 0 or more."""
    seen: dict[str, int] = {}
    for row, record in selected_rows(adjustments, slice(None)):
        aid = str(record["id"]).strip()
        if check_id(file, row, aid, seen, problems, N_("cat_id_also_on_row"), N_("cat_ids_unique")) and aid in taken:
            problems.append(Problem(file, row, "id", f"'{aid}' is also an indicator's id", "give the item its own id"))
        seen.setdefault(aid, row)
        kind = str(record["kind"]).strip()
        if kind not in ADJUSTMENT_KINDS:
            problems.append(Problem(file, row, "kind", f"'{kind}' is not bonus or penalty", "write bonus or penalty"))
        for column in ("name_vi", "name_en"):
            if _blank(record[column]):
                problems.append(Problem(file, row, column, "the name is empty", "every item needs a name"))
        points = read_number(file, row, "points", record["points"], problems, "write the points of one occurrence")
        if points is None and _blank(record["points"]):
            problems.append(Problem(file, row, "points", "the value is empty", "write the points of one occurrence"))
        elif points is not None and not 0 < points <= cat.MAX_POINTS:
            problems.append(
                Problem(
                    file,
                    row,
                    "points",
                    f"{points:g} is not above 0",
                    "write the points as a positive number; the kind says whether they are added or taken off",
                )
            )
        cap_hint = "write the most points the item can add or take off"
        cap = read_number(file, row, "cap", record["cap"], problems, cap_hint)
        if cap is None and _blank(record["cap"]):
            problems.append(Problem(file, row, "cap", "the value is empty", "write the item's cap, e.g. 5"))
        elif cap is not None and cap < 0:
            problems.append(Problem(file, row, "cap", f"the cap {cap:g} is below zero", "write a cap of 0 or more"))


def check_groups_and_indicators(
    groups: pd.DataFrame, indicators: pd.DataFrame, names: tuple[str, str, str], problems: list[Problem]
) -> None:
    """Groups and indicators, as a dataset's pillars and indicators (without the ids dxnb's forms require)."""
    _, gname, iname = names
    check_catalogue(groups, fill_missing(indicators), problems, files=(gname, iname), required=())
