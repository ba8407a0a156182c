"""The indicator catalogue: pillars, indicators, scoring rules and national targets.

The catalogue lives beside the data (``indicators.csv`` and ``pillars.csv``) so that advisors
can change points, steps and targets without touching code.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .i18n import t

#: The ids every catalogue must carry, so that forms and other tools stay compatible.
REQUIRED_IDS = (
    "plans_issued", "decisions_issued", "directives_issued", "steering_meetings", "training_classes",
    "outreach_panels", "radio_minutes", "citizen_meetings", "meeting_attendance", "cdt_teams",
    "cdt_members", "officials_it_use_rate", "officials_signature_rate", "edocs_signed_rate",
    "online_dossier_rate", "household_fibre_rate", "adult_smartphone_rate", "personal_signatures",
    "payment_account_rate", "cashless_merchant_rate",
)  # fmt: skip

KINDS = ("rate", "count", "ratio", "yes_partial_no", "points")
#: ``direct``: the value is the points themselves (kind ``points``, e.g. a published group score of the 766 index).
SCORINGS = ("linear", "steps", "yes_partial_no", "direct", "none")
#: Unit kinds an indicator may apply to (``applies_to``, separated by ``;``).
UNIT_KINDS = ("xã", "phường", "thị trấn", "đặc khu")
YES_NO = ("yes", "no")
#: Unit attributes (columns of ``units.csv``) that can serve as denominators.
UNIT_DENOMINATORS = ("population", "adult_population", "households", "hamlets")
YES_PARTIAL_NO = (0.0, 0.5, 1.0)


_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
#: Bounds of catalogue numbers: beyond them a number is a typing slip, not a scoring rule.
MAX_POINTS = 1000.0
MAX_DECIMALS = 4
MAX_NUMBER = 1e12


class NumberError(ValueError):
    """A catalogue number that cannot be read; ``out_of_range`` tells a number too large from a text."""

    def __init__(self, message: str, *, out_of_range: bool = False):
        super().__init__(message)
        self.out_of_range = out_of_range


def plain_number(text: str) -> float:
    """A catalogue number: ASCII digits with an optional decimal point, finite, within ``MAX_NUMBER``.

    Raises:
        NumberError: (a ``ValueError``) saying that the text is not a number or is out of range.
    """
    text = str(text).strip()
    shown = text if len(text) <= 20 else t("val_long_text", start=text[:12], n=len(text))
    if not _NUMBER.fullmatch(text):
        raise NumberError(t("val_not_a_number", text=shown))
    value = float(text)
    if not math.isfinite(value) or abs(value) > MAX_NUMBER:
        raise NumberError(t("val_out_of_range", text=shown), out_of_range=True)
    return value


def parse_steps(text: str) -> tuple[tuple[float, float], ...]:
    """Parse ``"1:5;3:10"`` into ``((1, 5), (3, 10))``, sorted by threshold.

    Thresholds and points are plain finite numbers, thresholds distinct, points not negative.

    Raises:
        ValueError: when a step is not ``threshold:points`` with such numbers (the message in the current language).
    """
    steps = []
    for part in str(text).split(";"):
        part = part.strip()
        if not part:
            continue
        threshold, sep, points = part.partition(":")
        if not sep:
            raise ValueError(t("cat_step_no_colon", step=part))
        try:
            low = plain_number(threshold)
        except NumberError as exc:
            raise ValueError(t("cat_step_bad_threshold", error=exc)) from None
        try:
            step = (low, plain_number(points))
        except NumberError as exc:
            raise ValueError(t("cat_step_bad_points", error=exc)) from None
        if step[1] < 0:
            raise ValueError(t("cat_step_negative", step=part))
        steps.append(step)
    if not steps:
        raise ValueError(t("cat_steps_none"))
    steps.sort()
    for (low, _), (high, _) in itertools.pairwise(steps):
        if low == high:
            raise ValueError(t("cat_step_threshold_twice", threshold=f"{low:g}"))
    return tuple(steps)


class _Named:
    """An item of the catalogue named in Vietnamese and English (its fields ``name_vi`` and ``name_en``)."""

    def name(self, lang: str = "vi") -> str:
        """Return the item's name in ``lang``."""
        return self.name_en if lang == "en" else self.name_vi


@dataclass(frozen=True)
class Indicator(_Named):
    """One catalogue entry."""

    id: str
    pillar: str
    name_vi: str
    name_en: str
    unit_vi: str
    unit_en: str
    kind: str
    scoring: str
    max_points: float = 0.0
    steps: tuple[tuple[float, float], ...] = ()
    numerator: str = ""
    denominator: str = ""
    scale: float = 1.0
    decimals: int = 0
    target: float | None = None
    target_year: int | None = None
    target_source: str = ""
    description: str = ""
    #: For a rate or ratio: the unit count its predecessors' values are weighted by (see dxnb.history).
    weight_base: str = ""
    #: Unit kinds the indicator applies to (empty: every kind).
    applies_to: tuple[str, ...] = ()
    #: Whether a value earns points only with its evidence (a ``source``).
    evidence_required: bool = False
    #: Whether the target was confirmed at its source (None: not said).
    target_verified: bool | None = None

    def applies(self, kind: str) -> bool:
        """Whether the indicator applies to a unit of ``kind`` (every kind when ``applies_to`` is empty)."""
        return not self.applies_to or str(kind).strip().casefold() in self.applies_to

    @property
    def derived(self) -> bool:
        """Whether the value is computed from a numerator and a denominator."""
        return bool(self.numerator)

    @property
    def scored(self) -> bool:
        """Whether the indicator earns points."""
        return self.scoring != "none" and self.max_points > 0

    @property
    def whole(self) -> bool:
        """Whether observed values must be whole numbers."""
        return self.kind == "count"

    def unit(self, lang: str = "vi") -> str:
        """Return the indicator's unit label in ``lang``."""
        return self.unit_en if lang == "en" else self.unit_vi

    def points(self, value: float | None) -> float:
        """Return the points a value earns (0 for no value: no evidence, no points).

        The scalar view of :meth:`points_of`, so a report and a table of thousands of units agree to the last bit.
        """
        if value is None:
            return 0.0
        return float(self.points_of(np.array([value], dtype=float))[0])

    def points_of(self, values: np.ndarray) -> np.ndarray:
        """Return the points each value earns, vectorised: the one implementation of the scoring rules.

        NaN (no value) earns 0: no evidence, no points.
        """
        values = np.asarray(values, dtype=float)
        if not self.scored:
            return np.zeros(values.shape)
        if self.scoring == "linear":
            earned = np.maximum(0.0, np.minimum(values / 100.0, 1.0)) * self.max_points
        elif self.scoring == "yes_partial_no":
            earned = np.maximum(0.0, np.minimum(values, 1.0)) * self.max_points
        elif self.scoring == "direct":
            earned = np.maximum(0.0, np.minimum(values, self.max_points))
        else:
            earned = np.zeros(values.shape)
            with np.errstate(invalid="ignore"):
                for threshold, pts in self.steps:
                    earned = np.where(values >= threshold, pts, earned)
            earned = np.minimum(earned, self.max_points)
        return np.where(np.isnan(values), 0.0, earned)

    def meets_target(self, value: float | None) -> bool | None:
        """Whether ``value`` meets the national target (None when no target or no value)."""
        if self.target is None or value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        return value >= self.target


@dataclass(frozen=True)
class Pillar(_Named):
    """A DTI main index."""

    id: str
    group: str
    name_vi: str
    name_en: str
    order: int
    #: The points a framework declares for the group (None: the sum of its indicators').
    declared_points: float | None = None


@dataclass(frozen=True)
class ResultClass(_Named):
    """A result class of a framework ("xuất sắc", "tốt" …): a unit whose points reach ``min_score`` earns it."""

    id: str
    name_vi: str
    name_en: str
    min_score: float
    max_score: float


@dataclass(frozen=True)
class Adjustment(_Named):
    """A bonus or penalty item: ``points`` per occurrence reported, at most ``cap`` in all."""

    id: str
    kind: str  # "bonus" or "penalty"
    name_vi: str
    name_en: str
    points: float
    cap: float

    def points_of(self, values: np.ndarray) -> np.ndarray:
        """Points of each reported value (occurrences; NaN is none), within the cap, not signed."""
        values = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)
        return np.minimum(np.maximum(values, 0.0) * self.points, self.cap)


@dataclass(frozen=True)
class FrameworkInfo:
    """What a framework says about itself (``framework.csv``); see :mod:`dxnb.framework`."""

    id: str
    version: str = ""
    name_vi: str = ""
    name_en: str = ""
    document: str = ""
    issued_by: str = ""
    years: str = ""
    total_points: float | None = None
    unit_kinds: tuple[str, ...] = ()
    source: str = ""  # "bundled", or the folder it was read from

    def name(self, lang: str = "vi") -> str:
        """Return the framework's name in ``lang``."""
        return (self.name_en if lang == "en" else self.name_vi) or self.id


@dataclass
class Catalogue:
    """Pillars and indicators, in catalogue order, with a framework's classes and adjustments when it has them."""

    pillars: dict[str, Pillar]
    indicators: dict[str, Indicator]
    frame: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    #: The framework the catalogue comes from (None: a dataset's own ``pillars.csv``/``indicators.csv``).
    framework: FrameworkInfo | None = None
    #: Result classes, best first (empty: the framework publishes none).
    classes: tuple[ResultClass, ...] = ()
    adjustments: tuple[Adjustment, ...] = ()
    #: What an incomplete framework still lacks ("groups.csv:2: max_points" …); such a catalogue is not scored.
    missing: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        """The framework's id ("" for a dataset's own catalogue)."""
        return self.framework.id if self.framework else ""

    def class_of(self, points: float) -> ResultClass | None:
        """The best class whose ``min_score`` ``points`` reach (None without classes or points)."""
        if points is None or (isinstance(points, float) and math.isnan(points)):
            return None
        for cls in self.classes:
            if points >= cls.min_score:
                return cls
        return None

    @property
    def scale_points(self) -> float:
        """The points of the framework's scale: its declared total, else the catalogue's maximum."""
        if self.framework is not None and self.framework.total_points:
            return float(self.framework.total_points)
        return self.max_points

    def __getitem__(self, indicator_id: str) -> Indicator:
        return self.indicators[indicator_id]

    def __contains__(self, indicator_id: object) -> bool:
        return indicator_id in self.indicators

    def __iter__(self):
        return iter(self.indicators.values())

    def __len__(self) -> int:
        return len(self.indicators)

    @property
    def observed(self) -> list[Indicator]:
        """Indicators reported directly (not derived)."""
        return [i for i in self if not i.derived]

    @property
    def derived(self) -> list[Indicator]:
        """Indicators computed from others and the unit's denominators."""
        return [i for i in self if i.derived]

    def in_pillar(self, pillar_id: str) -> list[Indicator]:
        """Indicators of one pillar, in catalogue order."""
        return [i for i in self if i.pillar == pillar_id]

    def pillar_max(self, pillar_id: str) -> float:
        """Maximum points of a pillar: the sum of its indicators' maxima."""
        return sum(i.max_points for i in self.in_pillar(pillar_id) if i.scored)

    @property
    def max_points(self) -> float:
        """Maximum points over the whole catalogue."""
        return sum(i.max_points for i in self if i.scored)

    def max_points_of(self) -> np.ndarray:
        """Maximum points of each indicator in catalogue order (0 for unscored ones)."""
        return np.array([i.max_points if i.scored else 0.0 for i in self], dtype=float)


def _num(value: str) -> float | None:
    """A catalogue cell as a number (None when blank).

    Raises:
        ValueError: when the cell is not a plain finite number (see :func:`parse_steps`).
    """
    value = str(value).strip()
    return plain_number(value) if value else None


def build_catalogue(pillars: pd.DataFrame, indicators: pd.DataFrame) -> Catalogue:
    """Build a :class:`Catalogue` from the validated string frames of the two CSV files.

    Raises:
        ValueError: when a number is unreadable (the frames were not validated by :mod:`dxnb.validate`).
    """
    pillar_map = {}
    order = pillars["order"].map(lambda v: int(plain_number(v)))
    for position in order.sort_values(kind="stable").index:
        row = pillars.loc[position]
        declared = _num(row.get("max_points", ""))
        pillar_map[row["id"]] = Pillar(
            row["id"], row["group"], row["name_vi"], row["name_en"], int(order[position]), declared
        )
    indicator_map = {}
    for row in indicators.to_dict("records"):
        target = _num(row.get("target", ""))
        year = _num(row.get("target_year", ""))
        indicator_map[row["id"]] = Indicator(
            id=row["id"],
            pillar=row["pillar"],
            name_vi=row["name_vi"],
            name_en=row["name_en"],
            unit_vi=row.get("unit_vi", ""),
            unit_en=row.get("unit_en", ""),
            kind=row["kind"],
            scoring=row["scoring"],
            max_points=_num(row.get("max_points", "")) or 0.0,
            steps=parse_steps(row["steps"]) if str(row.get("steps", "")).strip() else (),
            numerator=str(row.get("numerator", "")).strip(),
            denominator=str(row.get("denominator", "")).strip(),
            scale=_num(row.get("scale", "")) or 1.0,
            decimals=int(_num(row.get("decimals", "")) or 0),
            target=target,
            target_year=int(year) if year is not None else None,
            target_source=str(row.get("target_source", "")).strip(),
            description=str(row.get("description", "")).strip(),
            weight_base=str(row.get("weight_base", "") or "").strip(),
            applies_to=tuple(k.strip().casefold() for k in str(row.get("applies_to", "")).split(";") if k.strip()),
            evidence_required=str(row.get("evidence_required", "")).strip().casefold() == "yes",
            target_verified=_yes_no(row.get("target_verified", "")),
        )
    return Catalogue(pillar_map, indicator_map, indicators)


def _yes_no(value: object) -> bool | None:
    """``yes`` → True, ``no`` → False, blank → None."""
    text = str(value or "").strip().casefold()
    return None if not text else text == "yes"
