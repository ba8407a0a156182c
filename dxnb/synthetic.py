"""Deterministic synthetic observations: plausible values, trends and a few gaps.

Used for the synthetic part of the bundled sample and by the benchmark's large datasets.
Randomness is seeded from :func:`zlib.crc32` of the seed and the unit code (never from
``hash()``, which differs per process), so the same seed always gives the same data.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from .catalogue import Catalogue, Indicator

SYNTHETIC_SOURCE = "Số liệu tổng hợp (synthetic) do dxnb tạo; không phải số liệu thật"

#: Typical (low, high) values of each observed indicator for a weak and a strong commune.
RANGES: dict[str, tuple[float, float]] = {
    "plans_issued": (2, 15), "decisions_issued": (1, 8), "directives_issued": (0, 3),
    "steering_meetings": (1, 4), "training_classes": (0, 5), "outreach_panels": (1, 9),
    "radio_minutes": (30, 220), "citizen_meetings": (3, 18), "officials_it_use_rate": (80, 100),
    "officials_computer_rate": (75, 100), "officials_signature_rate": (55, 100), "edocs_signed_rate": (65, 100),
    "online_dossier_rate": (15, 75), "household_fibre_rate": (55, 95), "adult_smartphone_rate": (62, 93),
    "payment_account_rate": (45, 88), "cashless_merchant_rate": (10, 60), "online_service_user_rate": (15, 55),
    "endpoint_protection_rate": (40, 100),
}  # fmt: skip


def _rng(seed: int, *parts: object) -> np.random.Generator:
    key = "|".join(str(p) for p in (seed, *parts)).encode()
    return np.random.default_rng(zlib.crc32(key))


def _value(ind: Indicator, level: float, unit: pd.Series, known: dict[str, float], rng) -> float | None:
    hamlets = unit.get("hamlets")
    hamlets = int(hamlets) if pd.notna(hamlets) else 5
    adults = unit.get("adult_population")
    adults = float(adults) if pd.notna(adults) else 5000.0
    if ind.id in RANGES:
        low, high = RANGES[ind.id]
        value = low + (high - low) * level
        if ind.kind == "rate":
            return round(float(np.clip(value + rng.normal(0, 2.5), 0, 100)), 1)
        return float(max(0, round(value + rng.normal(0, 1))))
    if ind.id == "panel_hamlets":
        return float(min(hamlets, round(hamlets * (0.4 + 0.6 * level))))
    if ind.id == "meeting_attendance":
        return float(round(known.get("citizen_meetings", 8) * rng.uniform(25, 45)))
    if ind.id == "cdt_teams":
        return float(min(hamlets, max(1, round(hamlets * (0.5 + 0.6 * level)))))
    if ind.id == "cdt_members":
        return float(round(known.get("cdt_teams", 3) * rng.uniform(4, 7)))
    if ind.id == "personal_signatures":
        return float(round(adults * (0.03 + 0.2 * level) * rng.uniform(0.85, 1.15)))
    if ind.kind == "yes_partial_no":
        return float(1.0 if level > 0.55 else (0.5 if level > 0.3 else 0.0))
    if ind.kind == "rate":
        return round(float(np.clip(100 * level + rng.normal(0, 3), 0, 100)), 1)
    return float(round(10 * level))


def synthesize_observations(
    units: pd.DataFrame,
    catalogue: Catalogue,
    periods: list[str],
    *,
    seed: int = 2024,
    gap_rate: float = 0.05,
) -> pd.DataFrame:
    """Return observations (the columns of ``observations.csv``) for every unit and period.

    Each unit gets a maturity level; values improve over the periods; about ``gap_rate`` of the
    values are missing, and a few are marked as estimates.
    """
    rows = []
    observed = catalogue.observed
    for code, unit in units.iterrows():
        rng = _rng(seed, code)
        maturity = rng.uniform(0.2, 0.75)
        for step, period in enumerate(periods):
            known: dict[str, float] = {}
            for ind in observed:
                level = float(np.clip(maturity + 0.09 * step + rng.normal(0, 0.08), 0, 1))
                value = _value(ind, level, unit, known, rng)
                if value is None:
                    continue
                known[ind.id] = value
                if rng.random() < gap_rate:
                    continue
                text = f"{value:.1f}" if ind.kind in ("rate", "ratio") else f"{value:g}"
                qualifier = "estimate" if rng.random() < 0.03 else ""
                rows.append((code, period, ind.id, text, SYNTHETIC_SOURCE, "", qualifier))
    columns = ["unit_code", "period", "indicator", "value", "source", "note", "qualifier"]
    return pd.DataFrame(rows, columns=columns)
