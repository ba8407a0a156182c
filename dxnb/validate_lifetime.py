"""The checks of units' lifetimes, of ``successions.csv`` and of the catalogue's ``weight_base``.

Called by :func:`dxnb.dataset.check_dataset` after :mod:`dxnb.validate`'s checks, on the raw text frames
(None for a file that could not be read). Each problem is ``file:row: column: what is wrong — how to fix``.
The rules are those of :mod:`dxnb.lifetime` and ``data/README.md``.
"""

from __future__ import annotations

import pandas as pd

from .catalogue import UNIT_DENOMINATORS
from .errors import Problem
from .lifetime import LIFETIME_COLUMNS, SUCCESSION_TYPES, day_before, keys_of, parse_date, period_end, unit_keys
from .validate_catalogue import selected_rows

#: Bases a rate or a ratio may be weighted by when predecessors' values are combined.
WEIGHT_BASES = ("population", "adult_population", "households")
_U = "units.csv"
_S = "successions.csv"


def has_lifetime_columns(units: pd.DataFrame | None) -> bool:
    """Whether ``units.csv`` has a ``valid_from`` or ``valid_to`` column."""
    return units is not None and any(c in units.columns for c in LIFETIME_COLUMNS)


def keyed_units(units: pd.DataFrame, obs: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """The raw units indexed by unit key, and the key of each observation's unit (by code and period)."""
    frame = units.copy()
    for column in ("code", *LIFETIME_COLUMNS):
        frame[column] = frame[column].astype(str).str.strip() if column in frame.columns else ""
    frame.index = unit_keys(frame)
    frame = frame[~frame.index.duplicated()]  # one code twice without lifetimes is refused by check_units
    return frame, keys_of(frame, obs["unit_code"].str.strip(), obs["period"].str.strip())


def check_lifetimes(
    units: pd.DataFrame | None,
    observations: pd.DataFrame | None,
    notes: pd.DataFrame | None,
    successions: pd.DataFrame | None,
    indicators: pd.DataFrame | None,
    problems: list[Problem],
) -> None:
    """Check lifetimes, the rows outside them, the successions and ``weight_base`` (problems appended)."""
    if indicators is not None:
        _check_weight_bases(indicators, problems)
    if units is None or units.empty:
        return
    lives = _lifetimes(units, problems)
    _check_overlaps(lives, problems)
    for frame, name in ((observations, "observations.csv"), (notes, "notes.csv")):
        if frame is not None and not frame.empty:
            _check_rows_alive(frame, name, units, lives, problems)
    if successions is not None:
        _check_successions(successions, lives, problems)


def _lifetimes(units: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    """One row per unit: row, code, name, province, start, end (ISO text, "" when open or unreadable)."""
    records = []
    for row, record in selected_rows(units, slice(None)):
        bounds = {}
        for column in LIFETIME_COLUMNS:
            raw = str(record.get(column, "") or "").strip()
            if raw and parse_date(raw) is None:
                problems.append(Problem(_U, row, column, f"'{raw}' is not a date",
                                        "write it as YYYY-MM-DD, e.g. 2025-07-01, or leave it blank"))  # fmt: skip
                raw = ""
            bounds[column] = raw
        start, end = bounds["valid_from"], bounds["valid_to"]
        if start and end and end < start:
            problems.append(Problem(_U, row, "valid_to", f"valid_to {end} is before valid_from {start}",
                                    "swap the two dates, or correct one of them"))  # fmt: skip
        records.append({"row": row, "code": str(record["code"]).strip(), "name": str(record["name"]).strip(),
                        "province": str(record["province"]).strip(), "start": start, "end": end})  # fmt: skip
    return pd.DataFrame(records, columns=["row", "code", "name", "province", "start", "end"])


def _check_overlaps(lives: pd.DataFrame, problems: list[Problem]) -> None:
    """Two rows of one code must not be alive on the same day (one code, one unit at a time)."""
    for _code, group in lives[lives["code"].duplicated(keep=False)].groupby("code", sort=False):
        rows = group.to_dict("records")
        for i, later in enumerate(rows):
            for earlier in rows[:i]:
                if not _overlap(earlier, later):
                    continue
                if earlier["province"] != later["province"]:
                    message = (f"unit '{later['code']}' is in {later['province']} here and in {earlier['province']} "
                               f"on row {earlier['row']} at the same time")  # fmt: skip
                else:
                    message = f"code '{later['code']}' is also on row {earlier['row']} for an overlapping lifetime"
                problems.append(Problem(_U, later["row"], "code", message,
                                        "give each row of one code its own time: valid_to of the earlier unit "
                                        "before valid_from of the later one (2025-06-30, 2025-07-01)"))  # fmt: skip
                break


def _overlap(a: dict, b: dict) -> bool:
    return (not a["start"] or not b["end"] or a["start"] <= b["end"]) and (
        not b["start"] or not a["end"] or b["start"] <= a["end"]
    )


def _check_rows_alive(frame: pd.DataFrame, name: str, units: pd.DataFrame, lives: pd.DataFrame,
                      problems: list[Problem]) -> None:  # fmt: skip
    """Each row's period must end within the lifetime of a unit of its code."""
    if not (lives["start"] != "").any() and not (lives["end"] != "").any():
        return
    _, keys = keyed_units(units, frame)
    codes, periods = frame["unit_code"].str.strip(), frame["period"].str.strip()
    known = set(lives["code"])
    outside = (keys == "") & codes.isin(known) & (periods.map(period_end) != "9999-12-31")
    spans: dict[str, str] = {}
    for index in frame.index[outside]:
        code, period = codes[index], periods[index]
        if code not in spans:
            mine = lives[lives["code"] == code].itertuples()
            spans[code] = "; ".join(f"{r.name} {r.start or '…'} – {r.end or '…'}" for r in mine)
        problems.append(Problem(name, int(index) + 2, "period",
                                f"unit '{code}' did not exist at the end of {period} (its lifetime: {spans[code]})",
                                "a period belongs to the unit alive on its last day (31/12): correct the period, "
                                "use the code of the unit of that time, or fix valid_from/valid_to"))  # fmt: skip


def _check_successions(links: pd.DataFrame, lives: pd.DataFrame, problems: list[Problem]) -> None:
    """Dates, types, shares and endpoints of ``successions.csv``; cycles; shares of one old unit ≤ 1."""
    shares: dict[tuple[str, str], list[tuple[int, float]]] = {}
    edges: dict[int, dict[int, int]] = {}  # units.csv row of the old unit → row of the new one → the link's row
    first_row: dict[tuple[str, str, str], int] = {}
    starting: dict[tuple[str, str], list[int]] = {}
    ending: dict[tuple[str, str], list[int]] = {}
    for unit in lives.itertuples():
        starting.setdefault((unit.code, unit.start), []).append(unit.row)
        ending.setdefault((unit.code, unit.end), []).append(unit.row)
    for row, record in selected_rows(links, slice(None)):
        old, new = str(record["old_code"]).strip(), str(record["new_code"]).strip()
        date = str(record["date"]).strip()
        kind = str(record["type"]).strip()
        if kind not in SUCCESSION_TYPES:
            problems.append(Problem(_S, row, "type", f"'{kind}' is not a succession type",
                                    "write full (all of the old unit) or partial (a part of it)"))  # fmt: skip
        if parse_date(date) is None:
            problems.append(Problem(_S, row, "date", f"'{date}' is not a date",
                                    "write the new unit's valid_from as YYYY-MM-DD, e.g. 2025-07-01"))  # fmt: skip
            continue
        before = day_before(date)
        old_rows, new_rows = ending.get((old, before), []), starting.get((new, date), [])
        if not new_rows:
            problems.append(Problem(_S, row, "new_code", f"no unit '{new}' starts on {date} in units.csv",
                                    f"add the new unit to units.csv with valid_from {date}, or correct the code "
                                    "or the date"))  # fmt: skip
        if not old_rows:
            problems.append(Problem(_S, row, "old_code", f"no unit '{old}' ends on {before} in units.csv",
                                    f"the old unit needs valid_to {before} (the day before the succession's date); "
                                    "correct the code, the date or units.csv"))  # fmt: skip
        key = (old, new, date)
        if key in first_row:
            problems.append(Problem(_S, row, "new_code", f"repeats row {first_row[key]} ({old} → {new}, {date})",
                                    "delete one of the two rows"))  # fmt: skip
        first_row.setdefault(key, row)
        for source in old_rows:
            for target in new_rows:
                edges.setdefault(source, {})[target] = row
        raw = str(record.get("share", "") or "").strip()
        if raw:
            try:
                share = float(raw)
            except ValueError:
                share = float("nan")
            if not 0 <= share <= 1:
                problems.append(Problem(_S, row, "share", f"'{raw}' is not a share between 0 and 1",
                                        "write the part of the old unit that went to the new one, e.g. 0.4, "
                                        "or leave it blank"))  # fmt: skip
                continue
            shares.setdefault((old, date), []).append((row, share))
    for (old, date), parts in shares.items():
        total = sum(s for _, s in parts)
        if total > 1 + 1e-9:
            problems.append(Problem(_S, parts[-1][0], "share",
                                    f"the shares of unit '{old}' on {date} add up to {total:g} (rows "
                                    f"{', '.join(str(r) for r, _ in parts)})",
                                    "the parts of one old unit add up to 1 at most; correct the shares"))  # fmt: skip
    _check_cycles(edges, lives, problems)


def _check_cycles(edges: dict[int, dict[int, int]], lives: pd.DataFrame, problems: list[Problem]) -> None:
    """Links between units (rows of ``units.csv``) must not lead back to where they start (A → B → A).

    One code may go to another and back (27019 → 27022 and 27022 → 27019 on one date swap codes): the units
    differ by their lifetimes, so that is no cycle. A cycle needs a unit whose lifetime runs backwards.
    """
    label = dict(zip(lives["row"], lives["code"], strict=True))
    reported: set[frozenset[int]] = set()
    for start in edges:
        stack, path = [(start, [start])], None
        while stack and path is None:
            node, trail = stack.pop()
            for nxt in edges.get(node, {}):
                if nxt == start:
                    path = [*trail, start]
                    break
                if nxt not in trail:
                    stack.append((nxt, [*trail, nxt]))
        if path is None or frozenset(path) in reported:
            continue
        reported.add(frozenset(path))
        steps = " → ".join(f"{label[r]} (units.csv row {r})" for r in path)
        problems.append(Problem(_S, edges[path[0]][path[1]], "new_code", f"the successions form a cycle: {steps}",
                                "a unit cannot be formed from its own successor: correct the dates in units.csv "
                                "or delete a row"))  # fmt: skip


def _check_weight_bases(indicators: pd.DataFrame, problems: list[Problem]) -> None:
    """``weight_base`` (optional) names a unit count, on rates and ratios only."""
    if "weight_base" not in indicators.columns:
        return
    for row, record in selected_rows(indicators, indicators["weight_base"].astype(str).str.strip() != ""):
        base = str(record["weight_base"]).strip()
        if base not in WEIGHT_BASES or base not in UNIT_DENOMINATORS:
            problems.append(Problem("indicators.csv", row, "weight_base", f"'{base}' is not a weight base",
                                    f"use one of {', '.join(WEIGHT_BASES)}, or leave it blank"))  # fmt: skip
        elif str(record.get("kind", "")).strip() not in ("rate", "ratio"):
            problems.append(Problem("indicators.csv", row, "weight_base",
                                    f"weight_base is for rates and ratios; '{record['id']}' is a {record['kind']}",
                                    "leave it blank: counts are summed"))  # fmt: skip
