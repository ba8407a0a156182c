"""What changed between two snapshots (:mod:`dxnb.snapshot`), unit by unit, most important first.

- :func:`compare` — two period snapshots → one :class:`UnitChange` per unit whose results differ.
- :func:`compare_units` — two entries of one unit → its :class:`UnitChange` (None when equal).
- :func:`dataset_snapshots` / :func:`diff_datasets` — the same between two datasets without rendering
  (``dxnb diff``); the old one may be a folder or a backup of ``observations.csv`` / ``notes.csv``
  (``data/backups/observations.<time>-<pid>.csv``), the other files then taken from the new dataset.
- :func:`summary` — a short line per unit for the period index.

Indicators of a unit are ordered by the size of their change of points, then of value; units by the size of
their change of score, then by their largest change of points.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import fmt as f
from .dataset import FILES, OPTIONAL_FILES, Dataset, load_dataset
from .dataset_frameworks import copy_frameworks
from .errors import ParameterError
from .i18n import t, tn
from .params import check_period
from .paths import resolve_data_dir
from .snapshot import period_snapshot

#: Two numbers closer than this are equal (snapshots are rounded to 9 digits).
TOLERANCE = 1e-9


def _differ(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return (a is None) != (b is None)
    return abs(a - b) > TOLERANCE * max(1.0, abs(a), abs(b))


def _delta(a: float | None, b: float | None) -> float:
    return 0.0 if a is None or b is None else b - a


@dataclass(frozen=True)
class IndicatorChange:
    """One indicator whose value or points changed; ``kind`` is ``changed``, ``added`` or ``removed``."""

    indicator: str
    kind: str
    old_value: float | None
    new_value: float | None
    old_points: float | None
    new_points: float | None

    @property
    def points_delta(self) -> float:
        """New minus old points (a missing side counts as 0 points)."""
        return (self.new_points or 0.0) - (self.old_points or 0.0)

    @property
    def value_delta(self) -> float:
        """New minus old value (0 when either is missing)."""
        return _delta(self.old_value, self.new_value)


@dataclass
class UnitChange:
    """What changed in one unit's results; ``status`` is ``changed``, ``new`` (no old data) or ``removed``."""

    code: str
    name: str
    status: str
    old_score: float | None
    new_score: float | None
    indicators: list[IndicatorChange] = field(default_factory=list)
    pillars: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    old_class: str | None = None
    new_class: str | None = None
    framework_changed: bool = False

    @property
    def score_delta(self) -> float:
        """New minus old score (0 when either is missing)."""
        return _delta(self.old_score, self.new_score)

    @property
    def added(self) -> list[IndicatorChange]:
        """Indicators that have data now and had none."""
        return [c for c in self.indicators if c.kind == "added"]

    @property
    def removed(self) -> list[IndicatorChange]:
        """Indicators that had data and have none now."""
        return [c for c in self.indicators if c.kind == "removed"]

    @property
    def importance(self) -> tuple[float, float, int]:
        """The sort key, largest first: |Δ score|, the largest |Δ points|, the number of changes."""
        top = max((abs(c.points_delta) for c in self.indicators), default=0.0)
        moved = (self.new_score or 0.0) - (self.old_score or 0.0)  # a new or removed unit: its whole score
        return (round(abs(moved), 9), round(top, 9), len(self.indicators))


def compare_units(old: dict | None, new: dict | None, code: str = "", *, framework_changed: bool = False):
    """The :class:`UnitChange` between two snapshot entries of one unit, or None when they are equal."""
    if old is None and new is None:
        return None
    name = (new or old).get("name", "")
    if old is None or new is None:
        entry = new or old
        status = "new" if old is None else "removed"
        indicators = [
            IndicatorChange(
                iid,
                "added" if old is None else "removed",
                None if old is None else item.get("value"),
                None if new is None else item.get("value"),
                None if old is None else item.get("points"),
                None if new is None else item.get("points"),
            )
            for iid, item in entry.get("indicators", {}).items()
        ]
        change = UnitChange(code, name, status, (old or {}).get("score"), (new or {}).get("score"), indicators,
                            framework_changed=framework_changed)  # fmt: skip
        change.indicators.sort(key=lambda c: -abs(c.points_delta))
        return change
    before, after = old.get("indicators", {}), new.get("indicators", {})
    indicators = []
    for iid in list(after) + [i for i in before if i not in after]:
        a, b = before.get(iid), after.get(iid)
        if a is None:
            indicators.append(IndicatorChange(iid, "added", None, b.get("value"), None, b.get("points")))
        elif b is None:
            indicators.append(IndicatorChange(iid, "removed", a.get("value"), None, a.get("points"), None))
        elif _differ(a.get("value"), b.get("value")) or _differ(a.get("points"), b.get("points")):
            indicators.append(
                IndicatorChange(iid, "changed", a.get("value"), b.get("value"), a.get("points"), b.get("points"))
            )
    pillars = {
        pid: (old.get("pillars", {}).get(pid), value)
        for pid, value in new.get("pillars", {}).items()
        if _differ(old.get("pillars", {}).get(pid), value)
    }
    score_changed = _differ(old.get("score"), new.get("score")) or _differ(old.get("coverage"), new.get("coverage"))
    class_changed = old.get("result_class") != new.get("result_class")
    if not (indicators or pillars or score_changed or class_changed or framework_changed):
        return None
    order = {iid: n for n, iid in enumerate(after)}
    indicators.sort(key=lambda c: (-round(abs(c.points_delta), 9), -abs(c.value_delta), order.get(c.indicator, 1e9)))
    return UnitChange(code, name, "changed", old.get("score"), new.get("score"), indicators, pillars,
                      old.get("result_class"), new.get("result_class"), framework_changed)  # fmt: skip


def compare(old: dict | None, new: dict) -> list[UnitChange]:
    """Every unit whose results differ between two period snapshots, most important first.

    With no old snapshot (a first render) nothing is reported as changed.
    """
    if old is None:
        return []
    framework = old.get("framework") != new.get("framework")
    before, after = old.get("units", {}), new.get("units", {})
    found = []
    for code in list(after) + [c for c in before if c not in after]:
        change = compare_units(before.get(code), after.get(code), code, framework_changed=framework)
        if change is not None:
            found.append(change)
    found.sort(key=lambda c: tuple(-x for x in c.importance))
    return found


# ---------------------------------------------------------------------------- two datasets


def _backup_file(path: Path) -> str | None:
    """The dataset file a backup is a copy of (``observations.<stamp>.csv`` → ``observations.csv``)."""
    for name in FILES:
        stem = name.rsplit(".", 1)[0]
        if path.name == name or (path.name.startswith(stem + ".") and path.suffix == ".csv"):
            return name
    return None


def resolve_old_dataset(old: str | Path, new: Dataset, scratch: Path) -> Dataset:
    """The old dataset: a folder, or a backup file completed with the new dataset's other files in ``scratch``.

    Raises:
        ParameterError: for a path that is neither a dataset folder nor a backup of one of its files.
        DataError: when the old dataset does not validate.
    """
    path = Path(old)
    if path.is_dir():
        return load_dataset(path)
    if not path.is_file():
        raise ParameterError(t("chg_old_missing", path=path))
    name = _backup_file(path)
    if name is None:
        raise ParameterError(t("chg_old_not_dataset", path=path, files=", ".join(FILES)))
    for other in FILES:
        source = path if other == name else new.path / other
        shutil.copyfile(source, scratch / other)
    for other in OPTIONAL_FILES:  # successions.csv, as the new dataset has it
        if (new.path / other).is_file():
            shutil.copyfile(new.path / other, scratch / other)
    copy_frameworks(new.path, scratch)  # frameworks.csv and the dataset's own frameworks
    return load_dataset(scratch)


@dataclass
class PeriodDiff:
    """The changes of one period between two datasets."""

    period: str
    changes: list[UnitChange]


def diff_datasets(old: str | Path, new: str | Path | None = None, periods: list[str] | None = None) -> list[PeriodDiff]:
    """Compare two datasets' results per period without rendering (``dxnb diff``).

    ``periods`` defaults to every period with data in either dataset, latest first.

    Raises:
        ParameterError: for an unusable old path or a period that neither dataset has.
        DataError: when a dataset does not validate.
    """
    new_ds = load_dataset(resolve_data_dir(new))
    with tempfile.TemporaryDirectory(prefix="dxnb-diff-") as scratch:
        old_ds = resolve_old_dataset(old, new_ds, Path(scratch))
        have = sorted(set(old_ds.periods) | set(new_ds.periods), reverse=True)
        if periods:
            wanted = [check_period(p) for p in periods]
            unknown = [p for p in wanted if p not in have]
            if unknown:
                raise ParameterError(t("chg_period_no_data", periods=", ".join(unknown), have=", ".join(have)))
        else:
            wanted = have
        result = []
        for period in wanted:
            before = period_snapshot(old_ds, period) if period in old_ds.periods else _empty(old_ds, period)
            after = period_snapshot(new_ds, period) if period in new_ds.periods else _empty(new_ds, period)
            result.append(PeriodDiff(period, compare(before, after)))
    return result


def _empty(ds: Dataset, period: str) -> dict:
    from .snapshot import framework_digest

    return {"period": period, "framework": framework_digest(ds), "units": {}}


# ---------------------------------------------------------------------------- wording


def _indicator(ds: Dataset, indicator: str, period: str | None):
    """The indicator as the framework in force for ``period`` defines it, else the dataset's own (None: neither)."""
    if period is not None:
        found = ds.catalogue_for(period).indicators.get(indicator)
        if found is not None:
            return found
    return ds.catalogue.indicators.get(indicator)


def value_text(ds: Dataset, indicator: str, value: float | None, lang: str, period: str | None = None) -> str:
    """An indicator's value in the report's style ("92,4%", "14"); a dash when missing.

    ``period`` picks the framework in force for it (``frameworks.csv``); None: the dataset's own catalogue.
    """
    ind = _indicator(ds, indicator, period)
    if ind is None or value is None or (isinstance(value, float) and math.isnan(value)):
        return f.DASH if value is None else f.number(value, 2, lang)
    return f.value(value, ind, lang, with_unit=True)


def indicator_name(ds: Dataset, indicator: str, lang: str, period: str | None = None) -> str:
    """The indicator's name in ``lang``, from the framework in force for ``period`` (its id when none has it)."""
    ind = _indicator(ds, indicator, period)
    return ind.name(lang) if ind is not None else indicator


def summary(change: UnitChange | None, lang: str) -> str:
    """A short line for the index: "+0,04 điểm; 3 chỉ số" (empty without a change)."""
    if change is None:
        return ""
    if change.status == "new":
        return t("chg_summary_new", lang)
    if change.status == "removed":
        return t("chg_summary_removed", lang)
    parts = []
    if _differ(change.old_score, change.new_score):
        parts.append(t("chg_summary_score", lang, delta=f.signed(change.score_delta, 2, lang)))
    if change.indicators:
        parts.append(tn("chg_summary_indicators", len(change.indicators), lang, n=len(change.indicators)))
    if change.framework_changed:
        parts.append(t("chg_framework", lang))
    return "; ".join(parts) or t("chg_summary_other", lang)


def indicator_line(ds: Dataset, change: IndicatorChange, lang: str, period: str | None = None) -> str:
    """One indicator's change as a line: "Tỷ lệ …: 92,4% → 93,1% (điểm 2 → 2,5)", named as ``period``'s framework."""
    name = indicator_name(ds, change.indicator, lang, period)
    old = value_text(ds, change.indicator, change.old_value, lang, period)
    new = value_text(ds, change.indicator, change.new_value, lang, period)
    points = t("chg_points", lang, old=f.number(change.old_points or 0, 2, lang),
               new=f.number(change.new_points or 0, 2, lang))  # fmt: skip
    return f"{name} ({change.indicator}): {old} → {new} ({points})"
