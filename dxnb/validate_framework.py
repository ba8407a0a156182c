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
from .i18n import N_, t
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
            problems.append(Problem(file, None, name, t("vf_field_missing"), t("vf_field_missing_hint", name=name)))
        elif _blank(fields[name][1]) and name not in OPTIONAL_FIELDS:
            problems.append(Problem(file, fields[name][0], name, t("val_empty"), t("vf_fill_in_hint")))
    row, value = fields.get("id", (None, ""))
    if value.strip() and not _FRAMEWORK_ID.match(value.strip()):
        problems.append(Problem(file, row, "id", t("vf_not_a_framework_id", value=value), t("vf_framework_id_hint")))
    row, value = fields.get("years", (None, ""))
    if value.strip() and not _YEARS.match(value.strip()):
        problems.append(
            Problem(
                file,
                row,
                "years",
                t("vf_not_years", value=value),
                t("vf_years_hint"),
            )
        )
    elif value.strip():
        first, _, last = value.strip().partition("-")
        if last and int(last) < int(first):
            problems.append(
                Problem(file, row, "years", t("vf_years_backwards", value=value), t("vf_years_backwards_hint"))
            )
    row, value = fields.get("total_points", (None, ""))
    total = read_number(file, row, "total_points", value, problems, t("vf_total_hint"))
    if total is not None and not 0 < total <= 100000:
        problems.append(Problem(file, row, "total_points", t("vf_not_above_zero", value=value), t("vf_total_hint")))
    row, value = fields.get("unit_kinds", (None, ""))
    for kind in str(value).split(";"):
        if kind.strip() and kind.strip().casefold() not in cat.UNIT_KINDS:
            problems.append(
                Problem(
                    file,
                    row,
                    "unit_kinds",
                    t("vf_not_a_unit_kind", value=kind.strip()),
                    t("val_use_one_of", values=";".join(cat.UNIT_KINDS)),
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
        declared = read_number(gname, row, "max_points", record["max_points"], problems, t("vf_group_points_hint"))
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
                    t("vf_group_sum", group=record["id"], declared=f"{declared:g}", file=iname, earned=f"{earned:g}"),
                    t("vf_group_sum_hint"),
                )
            )
    if total is not None and abs(declared_sum - total) > TOLERANCE:
        problems.append(
            Problem(
                fname,
                None,
                "total_points",
                t("vf_total_sum", total=f"{total:g}", file=gname, declared=f"{declared_sum:g}"),
                t("vf_total_sum_hint"),
            )
        )


def check_classes(classes: pd.DataFrame, total: float | None, file: str, problems: list[Problem]) -> None:
    """Result classes: unique ids, names, ``min_score ≤ max_score``, best first, not overlapping."""
    seen: dict[str, int] = {}
    previous = None  # (row, min_score) of the class above
    hint = t("vf_classes_hint")
    for row, record in selected_rows(classes, slice(None)):
        cid = str(record["id"]).strip()
        check_id(file, row, cid, seen, problems, N_("cat_id_also_on_row"), N_("cat_ids_unique"))
        seen.setdefault(cid, row)
        for column in ("name_vi", "name_en"):
            if _blank(record[column]):
                problems.append(Problem(file, row, column, t("val_name_empty"), t("vf_class_name_hint")))
        low = read_number(file, row, "min_score", record["min_score"], problems, t("vf_class_low_hint"))
        high = read_number(file, row, "max_score", record["max_score"], problems, t("vf_class_high_hint"))
        for column, value in (("min_score", low), ("max_score", high)):
            if value is None and _blank(record[column]):
                problems.append(Problem(file, row, column, t("val_empty"), t("vf_class_points_hint")))
            elif value is not None and (value < 0 or (total is not None and value > total + TOLERANCE)):
                message = (
                    t("vf_class_beyond_total", value=f"{value:g}", total=f"{total:g}")
                    if total is not None
                    else t("vf_class_below_zero", value=f"{value:g}")
                )
                problems.append(Problem(file, row, column, message, hint))
        if low is None or high is None:
            previous = None
            continue
        if low > high:
            problems.append(
                Problem(file, row, "min_score", t("vf_class_low_above_high", low=f"{low:g}", high=f"{high:g}"), hint)
            )
        elif previous is not None:
            above_row, above_low = previous
            if low >= above_low:
                problems.append(
                    Problem(
                        file,
                        row,
                        "min_score",
                        t("vf_classes_not_ordered", low=f"{low:g}", row=above_row, above=f"{above_low:g}"),
                        hint,
                    )
                )
            elif high > above_low:
                problems.append(
                    Problem(
                        file,
                        row,
                        "max_score",
                        t("vf_class_overlaps", row=above_row, high=f"{high:g}", above=f"{above_low:g}"),
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
            problems.append(
                Problem(
                    file, row, "id", t("vf_adjustment_is_indicator", value=aid), t("vf_adjustment_is_indicator_hint")
                )
            )
        seen.setdefault(aid, row)
        kind = str(record["kind"]).strip()
        if kind not in ADJUSTMENT_KINDS:
            problems.append(
                Problem(file, row, "kind", t("vf_adjustment_kind", value=kind), t("vf_adjustment_kind_hint"))
            )
        for column in ("name_vi", "name_en"):
            if _blank(record[column]):
                problems.append(Problem(file, row, column, t("val_name_empty"), t("vf_item_name_hint")))
        points = read_number(file, row, "points", record["points"], problems, t("vf_item_points_hint"))
        if points is None and _blank(record["points"]):
            problems.append(Problem(file, row, "points", t("val_empty"), t("vf_item_points_hint")))
        elif points is not None and not 0 < points <= cat.MAX_POINTS:
            problems.append(
                Problem(
                    file,
                    row,
                    "points",
                    t("vf_not_above_zero", value=f"{points:g}"),
                    t("vf_item_positive_hint"),
                )
            )
        cap = read_number(file, row, "cap", record["cap"], problems, t("vf_item_cap_hint"))
        if cap is None and _blank(record["cap"]):
            problems.append(Problem(file, row, "cap", t("val_empty"), t("vf_item_cap_empty_hint")))
        elif cap is not None and cap < 0:
            problems.append(
                Problem(file, row, "cap", t("vf_cap_below_zero", cap=f"{cap:g}"), t("vf_cap_below_zero_hint"))
            )


def check_groups_and_indicators(
    groups: pd.DataFrame, indicators: pd.DataFrame, names: tuple[str, str, str], problems: list[Problem]
) -> None:
    """Groups and indicators, as a dataset's pillars and indicators (without the ids dxnb's forms require)."""
    _, gname, iname = names
    check_catalogue(groups, fill_missing(indicators), problems, files=(gname, iname), required=())
