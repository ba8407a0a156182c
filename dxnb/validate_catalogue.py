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
from .i18n import N_, t

_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def selected_rows(frame: pd.DataFrame, mask):
    """(row number, record) of the rows selected by ``mask``; row numbers count the header as row 1."""
    selected = frame[mask] if not isinstance(mask, slice) else frame
    for index, record in zip(selected.index, selected.to_dict("records"), strict=True):
        yield int(index) + 2, record


def check_id(file: str, row: int, value: str, seen, problems: list[Problem], twice: str, hint: str) -> bool:
    """An id must be lower-case letters, digits and _, and unique in its file; return whether it is.

    ``twice`` and ``hint`` are message keys; ``twice`` may name ``{value}`` and ``{other}`` (the row that has it).
    """
    if not _ID.match(value):
        problems.append(Problem(file, row, "id", t("cat_not_an_id", value=value), t("cat_not_an_id_hint")))
    elif value in seen:
        other = seen.get(value) if isinstance(seen, dict) else None
        problems.append(Problem(file, row, "id", t(twice, value=value, other=other), t(hint)))
    else:
        return True
    return False


def check_one_of(
    file: str, row: int, column: str, value: str, choices, key: str, problems: list[Problem], *, as_given: object = None
) -> None:
    """A value must be one of ``choices``; else a problem: the message ``key`` naming it, the choices as the hint.

    ``{value}`` in the message is ``as_given`` (the cell as the file has it) when given, else ``value``.
    """
    if value not in choices:
        shown = value if as_given is None else as_given
        problems.append(Problem(file, row, column, t(key, value=shown), t("val_use_one_of", values=", ".join(choices))))


_TARGET_RANGE = {"rate": (0, 100), "yes_partial_no": (0, 1), "count": (0, cat.MAX_NUMBER), "ratio": (0, cat.MAX_NUMBER)}
#: The hint (a message key) for each catalogue number; it may name ``{most}`` (MAX_POINTS, MAX_DECIMALS).
_NUMBER_HINTS = {
    "order": N_("cat_hint_order"),
    "max_points": N_("cat_hint_max_points"),
    "scale": N_("cat_hint_scale"),
    "decimals": N_("cat_hint_decimals"),
    "target": N_("cat_hint_target"),
    "target_year": N_("cat_hint_target_year"),
}
_NUMBER_MOST = {"max_points": f"{cat.MAX_POINTS:g}", "decimals": str(cat.MAX_DECIMALS)}


def read_number(
    file: str,
    row: int,
    column: str,
    raw: object,
    problems: list[Problem],
    hint: str,
    bounds: tuple[float, float] | None = None,
    *,
    low_open: bool = False,
    whole: bool = False,
    required: bool = False,
) -> float | None:
    """Read one number of a catalogue or framework file: plain ASCII digits, finite, whole if asked, within ``bounds``.

    Returns the number, or None: when it is blank (a problem only when ``required``) or it is not such a number
    (a problem, with ``hint``).
    """
    raw = str(raw).strip()
    if not raw:
        if required:
            problems.append(Problem(file, row, column, t("val_empty"), hint))
        return None
    try:
        value = cat.plain_number(raw)
    except cat.NumberError as exc:  # not a number, or out of range
        shown = raw if len(raw) <= 20 else t("val_long_text", start=raw[:12], n=len(raw))
        key = "val_out_of_range" if exc.out_of_range else "val_not_a_number"
        problems.append(Problem(file, row, column, t(key, text=shown), hint))
        return None
    low, high = bounds if bounds is not None else (-cat.MAX_NUMBER, cat.MAX_NUMBER)
    if whole and not value.is_integer():
        problems.append(Problem(file, row, column, t("cat_not_whole", text=raw), hint))
    elif value < low or value > high or (low_open and value == low):
        sign = ">" if low_open else "≥"
        message = t("cat_out_of_bounds", text=raw, sign=sign, low=f"{low:g}", high=f"{high:g}")
        problems.append(Problem(file, row, column, message, hint))
    else:
        return value
    return None


def _number(
    file: str,
    row: int,
    record: dict,
    column: str,
    problems: list[Problem],
    bounds: tuple[float, float],
    **checks: bool,
) -> float | None:
    """Check the catalogue number ``record[column]`` (:func:`read_number`, with the column's hint)."""
    hint = t(_NUMBER_HINTS[column], most=_NUMBER_MOST.get(column, ""))
    return read_number(file, row, column, record.get(column, ""), problems, hint, bounds, **checks)


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
        shown = raw if len(raw) <= 40 else t("val_long_text", start=raw[:30], n=len(raw))
        problems.append(
            Problem(
                iname,
                row,
                "steps",
                t("cat_steps_unreadable", text=shown, error=exc),
                t("cat_steps_hint"),
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
                t("cat_step_above_max", points=f"{max(over):g}", most=f"{most:g}"),
                t("cat_step_above_max_hint"),
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
        check_id(pname, row, pid, pillar_ids, problems, N_("cat_id_twice"), N_("cat_id_twice_hint"))
        pillar_ids.add(pid)
        _number(pname, row, record, "order", problems, (1, 1000), whole=True, required=True)
    ids: dict[str, int] = {}
    kinds = dict(zip(indicators["id"].str.strip(), indicators["kind"].str.strip(), strict=False))
    derived = set(indicators.loc[indicators["numerator"].str.strip() != "", "id"].str.strip())
    for row, record in selected_rows(indicators, slice(None)):
        iid = str(record["id"]).strip()
        check_id(iname, row, iid, ids, problems, N_("cat_id_also_on_row"), N_("cat_ids_unique"))
        ids.setdefault(iid, row)
        pillar = str(record["pillar"]).strip()
        check_one_of(iname, row, "pillar", pillar, sorted(pillar_ids), N_("cat_unknown_pillar"), problems,
                     as_given=record["pillar"])  # fmt: skip
        for column in ("name_vi", "name_en"):
            if not str(record[column]).strip():
                problems.append(Problem(iname, row, column, t("val_name_empty"), t("cat_name_hint")))
        kind, scoring = str(record["kind"]).strip(), str(record["scoring"]).strip()
        check_one_of(iname, row, "kind", kind, cat.KINDS, N_("cat_unknown_kind"), problems)
        check_one_of(iname, row, "scoring", scoring, cat.SCORINGS, N_("cat_unknown_scoring"), problems)
        if scoring == "linear" and kind != "rate":
            problems.append(Problem(iname, row, "scoring", t("cat_linear_rates_only"), t("cat_linear_rates_only_hint")))
        if scoring == "yes_partial_no" and kind != "yes_partial_no":
            problems.append(
                Problem(
                    iname,
                    row,
                    "scoring",
                    t("cat_ypn_needs_kind"),
                    t("cat_ypn_needs_kind_hint"),
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
                        t("cat_bad_numerator", value=numerator),
                        t("cat_bad_numerator_hint"),
                    )
                )
            if denominator not in cat.UNIT_DENOMINATORS and (denominator not in kinds or denominator in derived):
                problems.append(
                    Problem(
                        iname,
                        row,
                        "denominator",
                        t("cat_bad_denominator", value=denominator),
                        t("cat_bad_denominator_hint", columns=", ".join(cat.UNIT_DENOMINATORS)),
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
                    t("cat_target_source"),
                    t("cat_target_source_hint"),
                )
            )
    for needed in required:
        if needed not in ids:
            problems.append(
                Problem(
                    iname,
                    None,
                    "id",
                    t("cat_required_missing", value=needed),
                    t("cat_required_missing_hint"),
                )
            )
