"""The frameworks a dataset names per period (``frameworks.csv``), read while :mod:`dxnb.dataset` loads it.

- :func:`dataset_raws` — the bytes of ``frameworks.csv`` and of the dataset's own framework folders (hashed with
  the dataset, so a change of any of them is validated again).
- :func:`dataset_frameworks` — the framework in force for each period it names, with every problem.
- :func:`union_catalogue`, :func:`check_period_observations` — observations are checked against the framework of
  their period.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from . import catalogue as cat
from . import validate_framework as vf
from .errors import DxnbError, Problem
from .framework_files import FILES, PLAN_FILE, _bundled, _folder_reader, bundled_ids, check_framework, read_table
from .i18n import t
from .params import check_period

# --------------------------------------------------------------------------- a dataset's frameworks


def _plan_names(raw: bytes | None) -> list[str]:
    """The framework names of a ``frameworks.csv`` (for reading their files), best effort."""
    if raw is None:
        return []
    frame = read_table(PLAN_FILE, PLAN_FILE, raw, [])
    return [] if frame is None else sorted(set(frame["framework"]) - {""})


def _local(folder: Path, name: str) -> Path | None:
    """The dataset's own framework folder called ``name`` (a relative folder inside the dataset), or None."""
    if not name or Path(name).is_absolute() or ".." in Path(name).parts:
        return None
    path = folder / name
    return path if (path / "framework.csv").is_file() else None


def dataset_raws(folder: Path) -> dict[str, bytes]:
    """The bytes of ``frameworks.csv`` and of the dataset's own framework folders it names (empty without it).

    Keys are paths relative to the dataset (``frameworks.csv``, ``my-2025/indicators.csv``), so the dataset's
    hashes, and its cache key, cover them.
    """
    read = _folder_reader(folder)
    plan = read(PLAN_FILE)
    if plan is None:
        return {}
    raws = {PLAN_FILE: plan}
    for name in _plan_names(plan):
        local = _local(folder, name)
        if local is not None:
            for file in FILES:
                raw = _folder_reader(local)(file)
                if raw is not None:
                    raws[f"{Path(name).as_posix()}/{file}"] = raw
    return raws


def copy_frameworks(source: Path, target: Path) -> list[str]:
    """Copy ``frameworks.csv`` and the dataset's own framework folders it names from ``source`` into ``target``.

    For a scratch copy of a dataset (an import checked before it is written, a backup compared): without them
    its observations of the frameworks' indicators would not validate. Returns the relative paths copied.
    """
    copied = []
    for name, data in dataset_raws(source).items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        copied.append(name)
    return copied


def dataset_frameworks(
    folder: Path, raws: dict[str, bytes | None], hashes: dict[str, str], problems: list[Problem]
) -> dict[str, cat.Catalogue]:
    """The framework in force for each period ``frameworks.csv`` names (empty without the file).

    Adds the hashes of the files read to ``hashes`` and every problem to ``problems``: an unknown framework, a
    period named twice or not a period, a framework with problems, an incomplete one.
    """
    raw = raws.get(PLAN_FILE)
    if raw is None:
        return {}
    for name, data in raws.items():
        if name == PLAN_FILE or ("/" in name and name.rsplit("/", 1)[1] in FILES):
            hashes[name] = hashlib.sha256(data).hexdigest()
    plan = read_table(PLAN_FILE, PLAN_FILE, raw, problems)
    if plan is None:
        return {}
    loaded: dict[str, cat.Catalogue | None] = {}
    result: dict[str, cat.Catalogue] = {}
    seen: dict[str, int] = {}
    for row, record in vf.selected_rows(plan, slice(None)):
        name, text = record["framework"], record["period"]
        try:
            period = check_period(text)
        except DxnbError as exc:
            problems.append(Problem(PLAN_FILE, row, "period", str(exc), t("dsf_period_hint")))
            continue
        if period in seen:
            problems.append(
                Problem(
                    PLAN_FILE,
                    row,
                    "period",
                    t("dsf_period_twice", period=period, other=seen[period]),
                    t("dsf_period_once_hint"),
                )
            )
            continue
        seen[period] = row
        if name not in loaded:
            loaded[name] = _dataset_framework(folder, raws, name, row, problems)
        if loaded[name] is not None:
            result[period] = loaded[name]
            _check_years(loaded[name], period, row, problems)
    return result


def _dataset_framework(
    folder: Path, raws: dict[str, bytes | None], name: str, row: int, problems: list[Problem]
) -> cat.Catalogue | None:
    local = _local(folder, name)
    if local is not None:
        key = Path(name).as_posix()
        built, found = check_framework(lambda file: raws.get(f"{key}/{file}"), key, str(local))
        problems.extend(found)
    elif name in bundled_ids():
        built = _bundled(name)
    else:
        problems.append(
            Problem(
                PLAN_FILE,
                row,
                "framework",
                t("dsf_unknown_framework", value=name, folder=folder),
                t("dsf_unknown_framework_hint", ids=", ".join(bundled_ids())),
            )
        )
        return None
    if built is not None and built.missing:
        problems.append(
            Problem(
                PLAN_FILE,
                row,
                "framework",
                t(
                    "dsf_incomplete",
                    value=name,
                    missing=", ".join(built.missing[:8])
                    + (t("ff_missing_more", n=len(built.missing)) if len(built.missing) > 8 else ""),
                ),
                t("dsf_incomplete_hint"),
            )
        )
        return None
    return built


def _check_years(built: cat.Catalogue, period: str, row: int, problems: list[Problem]) -> None:
    """Warn when a period lies outside the framework's years."""
    years = built.framework.years if built.framework else ""
    if within_years(years, period):
        return
    problems.append(
        Problem(
            PLAN_FILE,
            row,
            "period",
            t("dsf_outside_years", period=period, framework=built.id, years=years),
            t("dsf_outside_years_hint"),
            "warning",
        )
    )


def within_years(years: str, period: str) -> bool:
    """Whether ``period``'s year lies in ``years`` ("2025-2026", "2022-" from 2022 on, "2025", blank: always)."""
    first, dash, last = years.strip().partition("-")
    if not first:
        return True
    year = int(period[:4])
    if not dash:
        return year == int(first)
    return int(first) <= year and (not last or year <= int(last))


def union_catalogue(own: cat.Catalogue, frameworks: dict[str, cat.Catalogue]) -> cat.Catalogue:
    """Every indicator of the dataset's own catalogue and of the frameworks in force, for checking observations.

    Bonus and penalty items count as count indicators; ``own`` itself when no framework is named.
    """
    if not frameworks:
        return own
    indicators = dict(own.indicators)
    for built in {id(c): c for c in frameworks.values()}.values():
        for ind in built:
            indicators.setdefault(ind.id, ind)
        for item in built.adjustments:
            indicators.setdefault(
                item.id, cat.Indicator(item.id, "", item.name_vi, item.name_en, "", "", "count", "none")
            )
    return cat.Catalogue(dict(own.pillars), indicators)


def check_period_observations(
    obs: pd.DataFrame, values: pd.Series, own: cat.Catalogue, frameworks: dict[str, cat.Catalogue], problems
) -> None:
    """Observations must be for an indicator (or bonus/penalty item) of their period's framework.

    Points (kind ``points``) lie within the indicator's maximum. Nothing to check without ``frameworks.csv``.
    An indicator of no framework at all is left to the check of the whole catalogue (one problem per row).
    """
    if not frameworks:
        return
    period, indicator = obs["period"], obs["indicator"]  # stripped as read (dxnb.dataset.KEY_COLUMNS)
    anywhere = indicator.isin(list(union_catalogue(own, frameworks).indicators))
    for p in period.unique():
        built = frameworks.get(p, own)
        known = set(built.indicators) | {a.id for a in built.adjustments}
        mask = (period == p) & ~indicator.isin(known) & anywhere
        what = t("dsf_what_framework", framework=built.id) if built.framework else t("dsf_what_own")
        for index, iid in zip(obs.index[mask], indicator[mask], strict=True):
            problems.append(
                Problem(
                    "observations.csv",
                    int(index) + 2,
                    "indicator",
                    t("dsf_not_in_framework", value=iid, what=what, period=p),
                    t("dsf_not_in_framework_hint"),
                )
            )
        for ind in built:
            if ind.kind != "points":
                continue
            rows = (period == p) & (indicator == ind.id) & ((values < 0) | (values > ind.max_points)).fillna(False)
            for index in obs.index[rows]:
                problems.append(
                    Problem(
                        "observations.csv",
                        int(index) + 2,
                        "value",
                        t("dsf_points_beyond", value=f"{values[index]:g}", most=f"{ind.max_points:g}"),
                        t("dsf_points_beyond_hint", indicator=ind.id),
                    )
                )
