"""The checks of units' lifetimes, of ``successions.csv`` and of the catalogue's ``weight_base``.

Called by :func:`dxnb.dataset.check_dataset` after :mod:`dxnb.validate`'s checks, on the raw text frames
(None for a file that could not be read). Each problem is ``file:row: column: what is wrong — how to fix``.
The rules are those of :mod:`dxnb.lifetime` and ``data/README.md``.
"""

from __future__ import annotations

import pandas as pd

from .catalogue import UNIT_DENOMINATORS
from .errors import Problem
from .i18n import t
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
    """The raw units indexed by unit key, and the key of each observation's unit (by code and period).

    ``obs``: observations or notes with their key columns stripped, as :mod:`dxnb.dataset` reads them.
    """
    frame = units.copy()
    for column in ("code", *LIFETIME_COLUMNS):
        frame[column] = frame[column].astype(str).str.strip() if column in frame.columns else ""
    frame.index = unit_keys(frame)
    frame = frame[~frame.index.duplicated()]  # one code twice without lifetimes is refused by check_units
    return frame, keys_of(frame, obs["unit_code"], obs["period"])


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
                problems.append(Problem(_U, row, column, t("vl_not_a_date", value=raw),
                                        t("vl_date_hint")))  # fmt: skip
                raw = ""
            bounds[column] = raw
        start, end = bounds["valid_from"], bounds["valid_to"]
        if start and end and end < start:
            problems.append(Problem(_U, row, "valid_to", t("vl_end_before_start", end=end, start=start),
                                    t("vl_end_before_start_hint")))  # fmt: skip
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
                    message = t("vl_two_provinces", code=later["code"], province=later["province"],
                                other=earlier["province"], row=earlier["row"])  # fmt: skip
                else:
                    message = t("vl_overlap", code=later["code"], row=earlier["row"])
                problems.append(Problem(_U, later["row"], "code", message,
                                        t("vl_overlap_hint")))  # fmt: skip
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
    codes, periods = frame["unit_code"], frame["period"]  # stripped as read (dxnb.dataset.KEY_COLUMNS)
    known = set(lives["code"])
    outside = (keys == "") & codes.isin(known) & (periods.map(period_end) != "9999-12-31")
    spans: dict[str, str] = {}
    for index in frame.index[outside]:
        code, period = codes[index], periods[index]
        if code not in spans:
            mine = lives[lives["code"] == code].itertuples()
            spans[code] = "; ".join(f"{r.name} {r.start or '…'} – {r.end or '…'}" for r in mine)
        problems.append(Problem(name, int(index) + 2, "period",
                                t("vl_not_alive", code=code, period=period, lifetime=spans[code]),
                                t("vl_not_alive_hint")))  # fmt: skip


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
            problems.append(Problem(_S, row, "type", t("vl_bad_type", value=kind),
                                    t("vl_bad_type_hint")))  # fmt: skip
        if parse_date(date) is None:
            problems.append(Problem(_S, row, "date", t("vl_not_a_date", value=date),
                                    t("vl_succession_date_hint")))  # fmt: skip
            continue
        before = day_before(date)
        old_rows, new_rows = ending.get((old, before), []), starting.get((new, date), [])
        if not new_rows:
            problems.append(Problem(_S, row, "new_code", t("vl_no_new_unit", code=new, date=date),
                                    t("vl_no_new_unit_hint", date=date)))  # fmt: skip
        if not old_rows:
            problems.append(Problem(_S, row, "old_code", t("vl_no_old_unit", code=old, date=before),
                                    t("vl_no_old_unit_hint", date=before)))  # fmt: skip
        key = (old, new, date)
        if key in first_row:
            repeats = t("vl_repeats", row=first_row[key], old=old, new=new, date=date)
            problems.append(Problem(_S, row, "new_code", repeats,
                                    t("vl_repeats_hint")))  # fmt: skip
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
                problems.append(Problem(_S, row, "share", t("vl_bad_share", value=raw),
                                        t("vl_bad_share_hint")))  # fmt: skip
                continue
            shares.setdefault((old, date), []).append((row, share))
    for (old, date), parts in shares.items():
        total = sum(s for _, s in parts)
        if total > 1 + 1e-9:
            problems.append(Problem(_S, parts[-1][0], "share",
                                    t("vl_shares_sum", code=old, date=date, total=f"{total:g}",
                                      rows=", ".join(str(r) for r, _ in parts)),
                                    t("vl_shares_sum_hint")))  # fmt: skip
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
        steps = " → ".join(t("vl_cycle_step", code=label[r], row=r) for r in path)
        problems.append(Problem(_S, edges[path[0]][path[1]], "new_code", t("vl_cycle", steps=steps),
                                t("vl_cycle_hint")))  # fmt: skip


def _check_weight_bases(indicators: pd.DataFrame, problems: list[Problem]) -> None:
    """``weight_base`` (optional) names a unit count, on rates and ratios only."""
    if "weight_base" not in indicators.columns:
        return
    for row, record in selected_rows(indicators, indicators["weight_base"].astype(str).str.strip() != ""):
        base = str(record["weight_base"]).strip()
        if base not in WEIGHT_BASES or base not in UNIT_DENOMINATORS:
            problems.append(Problem("indicators.csv", row, "weight_base", t("vl_bad_weight_base", value=base),
                                    t("vl_bad_weight_base_hint", values=", ".join(WEIGHT_BASES))))  # fmt: skip
        elif str(record.get("kind", "")).strip() not in ("rate", "ratio"):
            problems.append(Problem("indicators.csv", row, "weight_base",
                                    t("vl_weight_base_kind", id=record["id"], kind=record["kind"]),
                                    t("vl_weight_base_kind_hint")))  # fmt: skip
