"""History across mergers: a new unit's values for periods before it existed, derived from its predecessors.

Nothing here is written into ``observations.csv``; the values are computed when a report, a form or a
notebook asks for them, and always marked as derived. The rules (``data/README.md``):

- counts are summed;
- a derived indicator (numerator / denominator in the catalogue) is recomputed from the summed numerator
  and the summed denominator (unit counts such as ``hamlets`` are summed too);
- a rate or ratio is weighted by the unit count its ``weight_base`` names (population, adult_population,
  households) when every predecessor has that count; otherwise it is not derived, with the reason;
- yes/partial/no indicators are not derived;
- a partial predecessor counts with the ``share`` of ``successions.csv``; without a share it is split
  **equally among its successors** and every value it enters is marked as an estimate.

A value is derived only when every predecessor has it: a sum with a missing part would look like a fall.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .catalogue import UNIT_DENOMINATORS
from .lifetime import alive_mask, day_before, period_end
from .scoring import score_units, stack, totals

if TYPE_CHECKING:
    from .dataset import Dataset

log = logging.getLogger(__name__)

#: ``source`` of a derived value (shown where it appears; never written into observations.csv).
DERIVED_SOURCE = "derived from the former units"
#: How deep successions are followed (a unit formed from units that were themselves formed from others).
MAX_DEPTH = 5


@dataclass(frozen=True)
class Part:
    """One predecessor's part in a new unit."""

    key: str
    code: str
    name: str
    type: str  # "full" or "partial"
    share: float
    #: True when the share is not given (a partial unit split equally among its successors).
    estimated: bool
    successors: int
    source: str = ""


@dataclass
class Derived:
    """A new unit's values for one period before it existed."""

    code: str
    period: str
    parts: list[Part]
    #: Observed indicator id → derived value.
    values: dict[str, float] = field(default_factory=dict)
    #: Indicator id → why it was not derived.
    reasons: dict[str, str] = field(default_factory=dict)
    #: Unit counts (population, adult_population, households, hamlets) combined, NaN when some part lacks one.
    counts: dict[str, float] = field(default_factory=dict)

    @property
    def estimated(self) -> bool:
        """Whether a part's share was not given, so that the values are estimates."""
        return any(p.estimated for p in self.parts)

    def observations(self) -> pd.DataFrame:
        """The values as observation rows of the new unit (``qualifier`` estimate when :attr:`estimated`)."""
        qualifier = "estimate" if self.estimated else ""
        rows = [(self.code, self.period, iid, value, DERIVED_SOURCE, "", qualifier, self.code)
                for iid, value in self.values.items()]  # fmt: skip
        columns = ["unit_code", "period", "indicator", "value", "source", "note", "qualifier", "unit_key"]
        return pd.DataFrame(rows, columns=columns)


def parts(ds: Dataset, key: str) -> list[Part]:
    """The predecessors of the unit ``key`` of the whole dataset (its successions into it), with their shares."""
    whole = ds.whole
    memo = whole._views.setdefault("parts", {})  # the dataset's own cache: it changes only with the dataset
    if key not in memo:
        memo[key] = _parts(whole, key)
    return memo[key]


def _parts(whole: Dataset, key: str) -> list[Part]:
    units, links = whole.units, whole.successions
    unit = units.loc[key]
    start = str(unit["valid_from"])
    if not start or links.empty:
        return []
    before = day_before(start)
    on_date = links[links["date"] == start]
    out = []
    for link in on_date[on_date["new_code"] == unit["code"]].itertuples():
        old = units[(units["code"] == link.old_code) & (units["valid_to"] == before)]
        if old.empty:
            continue
        successors = int((on_date["old_code"] == link.old_code).sum())
        given = str(link.share).strip()
        if given:
            share, estimated = float(given), False
        elif link.type == "full":
            share, estimated = 1.0, False
        else:
            share, estimated = 1.0 / max(successors, 1), True
        out.append(Part(old.index[0], link.old_code, str(old["name"].iloc[0]), link.type, share, estimated,
                        successors, str(link.source)))  # fmt: skip
    return out


def _own(ds: Dataset, key: str, period: str) -> tuple[dict[str, float], dict[str, float]]:
    whole = ds.whole
    obs = whole.observations
    mine = obs[(obs["unit_key"] == key) & (obs["period"] == period)]
    unit = whole.units.loc[key]
    counts = {c: float(unit[c]) if pd.notna(unit[c]) else math.nan for c in UNIT_DENOMINATORS if c in unit.index}
    return dict(zip(mine["indicator"], mine["value"].astype(float), strict=True)), counts


def derive(ds: Dataset, code: str, period: object, *, key: str | None = None, depth: int = 0) -> Derived | None:
    """The values of unit ``code`` (as alive in ``ds``, a period's view) for ``period``, from its predecessors.

    Args:
        ds: The dataset, or its view of a period in which ``code`` is the new unit.
        code: The new unit's code.
        period: A period before the unit existed.
        key: The unit's key in the whole dataset (default: the unit of ``code`` in ``ds``).
        depth: Recursion depth (predecessors that were themselves formed from others).

    Returns:
        None when the unit existed in ``period`` (its own observations count), or when it has no predecessors.
    """
    period = str(period).strip()
    whole = ds.whole
    if key is None:
        if "unit_key" not in ds.units.columns or code not in ds.units.index:
            return None
        key = str(ds.units.at[code, "unit_key"])
    unit = whole.units.loc[key]
    end = period_end(period)
    start = str(unit["valid_from"])
    if not start or start <= end or depth > MAX_DEPTH:
        return None
    found = parts(ds, key)
    if not found:
        return None
    cat = whole.catalogue
    pieces = []
    for part in found:
        old = whole.units.loc[part.key]
        alive = bool(alive_mask(old.to_frame().T, end).iloc[0])
        if alive:
            values, counts = _own(ds, part.key, period)
        else:
            inner = derive(ds, part.code, period, key=part.key, depth=depth + 1)
            if inner is None:
                values, counts = {}, {c: math.nan for c in UNIT_DENOMINATORS}
            else:
                values, counts = inner.values, inner.counts
                if inner.estimated:
                    part = replace(part, estimated=True)
        pieces.append((part, values, counts))
    result = Derived(code, period, [p for p, _, _ in pieces])
    for column in UNIT_DENOMINATORS:
        known = [c.get(column, math.nan) for _, _, c in pieces]
        shares = [p.share for p, _, _ in pieces]
        combined = sum(share * v for share, v in zip(shares, known, strict=True))
        result.counts[column] = math.nan if any(math.isnan(v) for v in known) else combined
    for ind in cat.observed:
        missing = [p for p, values, _ in pieces if ind.id not in values or math.isnan(values[ind.id])]
        if ind.kind == "yes_partial_no":
            result.reasons[ind.id] = "yes/partial/no is not combined across units"
        elif missing:
            names = ", ".join(f"{p.name} ({p.code})" for p in missing)
            result.reasons[ind.id] = f"no value for {names}"
        elif ind.kind == "count":
            result.values[ind.id] = sum(p.share * values[ind.id] for p, values, _ in pieces)
        elif ind.weight_base:
            weights = [p.share * counts.get(ind.weight_base, math.nan) for p, _, counts in pieces]
            if any(math.isnan(w) for w in weights) or not sum(weights):
                result.reasons[ind.id] = f"a former unit has no {ind.weight_base} to weight by"
            else:
                total = sum(w * values[ind.id] for w, (_, values, _) in zip(weights, pieces, strict=True))
                result.values[ind.id] = total / sum(weights)
        else:
            result.reasons[ind.id] = "the catalogue names no weight base (weight_base) for this rate"
    return result


def derived_periods(ds: Dataset, code: str) -> list[str]:
    """The dataset's periods before the unit ``code`` (of the view ``ds``) existed, for which it has predecessors."""
    if "unit_key" not in ds.units.columns or code not in ds.units.index:
        return []
    start = str(ds.units.at[code, "valid_from"])
    if not start or not parts(ds, str(ds.units.at[code, "unit_key"])):
        return []
    return [p for p in ds.whole.periods if period_end(p) < start]


def derived_trend(ds: Dataset, code: str) -> tuple[pd.DataFrame, dict[str, Derived]]:
    """Score, coverage and pillar indices of the new unit ``code`` for the periods before it existed.

    ``ds`` is the view of a period in which ``code`` exists. The frame has the columns of
    :attr:`dxnb.evaluate.UnitEvaluation.trend` plus ``estimated`` (True when a share was not given),
    index ``period``; empty when nothing can be derived.
    """
    cat = ds.catalogue
    history, derived = {}, {}
    for period in derived_periods(ds, code):
        found = derive(ds, code, period)
        if found is None or not found.values:
            continue
        derived[period] = found
        unit = ds.units.loc[[code]].copy()
        for column, value in found.counts.items():
            if column in unit.columns:
                unit[column] = value
        fake = replace(ds, units=unit, scope=None, parent=None)
        history[period] = score_units(fake, period, [code], found.observations())
    columns = ["score", "coverage", *(f"pillar_{p}" for p in cat.pillars)]
    if not history:
        return pd.DataFrame(columns=[*columns, "estimated"]).rename_axis("period"), derived
    trend = totals(cat, stack(history))[columns].rename_axis("period")
    trend["estimated"] = np.array([derived[p].estimated for p in trend.index], dtype=bool)
    return trend, derived
