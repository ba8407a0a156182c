"""Deterministic synthetic observations: plausible values, trends and a few gaps.

Used for the synthetic part of the bundled sample and by the benchmark's large datasets.
Randomness is seeded from :func:`zlib.crc32` of the seed and the unit code (never from
``hash()``, which differs per process), so the same seed always gives the same data.
"""

from __future__ import annotations

import zlib
from pathlib import Path

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
    # reported since 2025 (dxnb-ref-2025)
    "dossiers_filed_online_rate": (35, 90), "dossier_digitisation_rate": (45, 95), "bdhvs_classes": (2, 20),
}  # fmt: skip
#: Counts reported since 2025, as (unit count or indicator it is a share of, low share, high share).
SHARES: dict[str, tuple[str, float, float]] = {
    "vneid_level2_accounts": ("adult_population", 0.62, 0.95), "bdhvs_participants": ("adult_population", 0.08, 0.55),
    "ehr_residents": ("population", 0.45, 0.92), "procedures_fully_online": ("procedures_handled", 0.35, 0.8),
    "procedures_partly_online": ("procedures_handled", 0.3, 0.12), "einvoice_businesses": ("businesses", 0.3, 0.85),
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
    if ind.id == "procedures_handled":
        return float(round(rng.uniform(320, 380)))
    if ind.id == "businesses":
        population = unit.get("population")
        return float(round((float(population) if pd.notna(population) else 7000.0) / rng.uniform(35, 60)))
    if ind.id in SHARES:
        base, low, high = SHARES[ind.id]
        whole = known.get(base, unit.get(base))
        whole = float(whole) if whole is not None and pd.notna(whole) else adults
        return float(round(whole * float(np.clip(low + (high - low) * level + rng.normal(0, 0.02), 0, 1))))
    if ind.kind == "points":  # a group score published by someone else (the 766 index)
        share = np.clip(0.45 + 0.55 * level + rng.normal(0, 0.02), 0, 1)
        return round(float(ind.max_points * share), 2)
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


# --------------------------------------------------------------------------- whole datasets

#: The 34 provinces and centrally-run cities after 1 July 2025 (Resolution 202/2025/QH15), north to
#: south, with their approximate number of commune-level units (3,321 in all). The counts are used
#: as weights only: a generated dataset spreads its units over provinces in these proportions.
PROVINCES: tuple[tuple[str, int], ...] = (
    ("Hà Nội", 126), ("Huế", 40), ("Lai Châu", 38), ("Điện Biên", 45), ("Sơn La", 75),
    ("Lạng Sơn", 65), ("Quảng Ninh", 54), ("Thanh Hóa", 166), ("Nghệ An", 130), ("Hà Tĩnh", 69),
    ("Cao Bằng", 56), ("Tuyên Quang", 124), ("Lào Cai", 99), ("Thái Nguyên", 92), ("Phú Thọ", 148),
    ("Bắc Ninh", 99), ("Hưng Yên", 104), ("Hải Phòng", 114), ("Ninh Bình", 129), ("Quảng Trị", 78),
    ("Đà Nẵng", 94), ("Quảng Ngãi", 96), ("Gia Lai", 135), ("Khánh Hòa", 65), ("Lâm Đồng", 124),
    ("Đắk Lắk", 102), ("Hồ Chí Minh", 168), ("Đồng Nai", 95), ("Tây Ninh", 96), ("Cần Thơ", 103),
    ("Vĩnh Long", 124), ("Đồng Tháp", 102), ("Cà Mau", 64), ("An Giang", 102),
)  # fmt: skip
NATIONAL_UNITS = sum(size for _, size in PROVINCES)  # 3,321
#: Codes of the i-th province start at ``1 + i * CODE_BLOCK`` (so Hà Nội's codes have leading zeros).
CODE_BLOCK = 2900
MAX_UNITS = 20_000
UNIT_SOURCE = "Đơn vị, mã, dân số, hộ, số ấp/khu phố: số liệu tổng hợp (synthetic) do dxnb tạo; không phải số liệu thật"
_SYLLABLES = (
    "An", "Bình", "Phước", "Tân", "Long", "Hòa", "Phú", "Thạnh", "Vĩnh", "Mỹ", "Hưng", "Thành", "Lợi",
    "Đông", "Tây", "Nam", "Bắc", "Trung", "Quang", "Minh", "Hiệp", "Thuận", "Lộc", "Phong", "Xuân",
    "Hải", "Sơn", "Đức", "Nghĩa", "Tiến", "Thái", "Khánh", "Lạc", "Cát", "Hồng", "Lâm", "Trường", "Kim",
    "Ninh", "Thọ", "Yên", "Định", "Hà", "Gia", "Quế", "Tường", "Châu", "Đạo", "Hậu", "Lương",
)  # fmt: skip
_NOTES = {
    "strength": "Ban chỉ đạo chuyển đổi số họp đều đặn; Tổ công nghệ số cộng đồng hoạt động ở hầu hết các ấp.",
    "challenge": "Tỷ lệ thanh toán không dùng tiền mặt tại chợ và cửa hàng nhỏ còn thấp.",
    "next_step": "Mở thêm lớp hướng dẫn cài đặt chữ ký số cá nhân cho người dân.",
}


def province_sizes(n_units: int, *, seed: int = 2025) -> list[tuple[int, str, int]]:
    """Spread ``n_units`` over provinces as the real units are: ``(position, name, size)`` per province.

    Positions index :data:`PROVINCES`. The number of provinces grows with ``n_units`` (one for a
    district- or province-sized dataset, all 34 from about 3,300 units); which provinces are used
    depends on ``seed``; sizes are proportional to the real ones (largest remainder), at least 1,
    so the 3,321 units of the whole country get the real provinces' sizes.
    """
    if not 1 <= n_units <= MAX_UNITS:
        raise ValueError(f"n_units must be between 1 and {MAX_UNITS}, got {n_units}")
    count = min(len(PROVINCES), max(1, round(n_units * len(PROVINCES) / NATIONAL_UNITS)), n_units)
    order = _rng(seed, "provinces").permutation(len(PROVINCES)) if count < len(PROVINCES) else range(len(PROVINCES))
    chosen = sorted(int(i) for i in list(order)[:count])
    weights = np.array([PROVINCES[i][1] for i in chosen], dtype=float)
    exact = weights / weights.sum() * n_units
    sizes = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - sizes), kind="stable")[: n_units - sizes.sum()]:
        sizes[i] += 1
    while (sizes == 0).any():  # every chosen province gets at least one unit
        sizes[int(np.argmax(sizes))] -= 1
        sizes[int(np.argmin(sizes))] += 1
    return [(i, PROVINCES[i][0], int(s)) for i, s in zip(chosen, sizes, strict=True)]


def synthesize_units(n_units: int, *, seed: int = 2025) -> pd.DataFrame:
    """Return ``n_units`` commune-level units (the columns of ``units.csv``, all text), post-2025 style.

    Codes are 5-digit strings, unique, in blocks per province (the first provinces' codes have
    leading zeros); names are unique within a province; the district is blank (no districts since
    1 July 2025), so each province is one peer group. Population, adults, households and
    hamlets are plausible for merged communes; a few are blank (unknown) or marked as estimates.
    """
    rows = []
    for position, province, size in province_sizes(n_units, seed=seed):
        rng = _rng(seed, "units", position)
        step = max(1, min(3, (CODE_BLOCK - 1) // size))
        used: set[str] = set()
        for k in range(size):
            code = f"{1 + position * CODE_BLOCK + k * step:05d}"
            while True:
                first, second = rng.choice(len(_SYLLABLES), 2, replace=False)
                name = f"{_SYLLABLES[first]} {_SYLLABLES[second]}"
                if name in used:
                    name = f"{name} {len(used) % 9 + 1}" if rng.random() < 0.2 else ""
                if name and name not in used:
                    used.add(name)
                    break
            kind = "phường" if rng.random() < 0.22 else "xã"
            if kind == "xã" and rng.random() < 0.004:
                kind = "đặc khu"
            population = int(np.clip(rng.lognormal(np.log(28_000 if kind == "phường" else 21_000), 0.45),
                                     2_500, 160_000))  # fmt: skip
            population = round(population, -1)
            adults = round(population * rng.uniform(0.68, 0.78))
            households = round(population / rng.uniform(3.2, 4.2))
            hamlets = int(np.clip(round(population / rng.uniform(900, 2600)), 4, 60))
            estimated = "adult_population" if rng.random() < 0.35 else ""
            record = {
                "code": code, "name": name, "kind": kind, "district": "", "province": province,
                "population": str(population), "adult_population": str(adults), "households": str(households),
                "hamlets": str(hamlets), "estimated_fields": estimated, "source": UNIT_SOURCE,
            }  # fmt: skip
            gap = rng.random()
            if gap < 0.01:
                record["households"] = ""
            elif gap < 0.02:
                record["adult_population"], record["estimated_fields"] = "", ""
            rows.append(record)
    return pd.DataFrame(rows, columns=list(rows[0]))


def _synthesize_notes(units: pd.DataFrame, period: str, seed: int) -> pd.DataFrame:
    rng = _rng(seed, "notes")
    rows = []
    for code in units["code"]:
        if rng.random() < 0.05:
            for kind, text in _NOTES.items():
                rows.append((code, period, kind, text, SYNTHETIC_SOURCE))
    return pd.DataFrame(rows, columns=["unit_code", "period", "kind", "text", "source"])


def generate_dataset(
    n_units: int,
    out_dir: str | Path,
    *,
    seed: int = 2025,
    periods: tuple[str, ...] | list[str] = ("2024", "2025"),
    catalogue_dir: str | Path | None = None,
) -> Path:
    """Write a synthetic dataset of ``n_units`` units to ``out_dir`` and return the folder.

    The same ``n_units``, ``seed`` and ``periods`` always give byte-identical files. The catalogue
    (``pillars.csv``, ``indicators.csv``) is copied from ``catalogue_dir`` (the bundled ``data/`` by
    default); observations come from :func:`synthesize_observations` (values improve over the
    periods, about 5% are missing, a few are estimates), and about 1% of the units have no data
    for the first period. Units are spread over provinces by :func:`province_sizes`.
    """
    from .catalogue import build_catalogue
    from .fileio import atomic_write_bytes, atomic_write_text
    from .paths import DATA_DIR

    periods = sorted(str(p) for p in periods)
    if not periods:
        raise ValueError("at least one period is needed")
    source = Path(catalogue_dir) if catalogue_dir else DATA_DIR
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    frames = {}
    for name in ("pillars.csv", "indicators.csv"):
        raw = (source / name).read_bytes()
        atomic_write_bytes(out / name, raw)
        frames[name] = pd.read_csv(source / name, dtype=str, keep_default_na=False, na_filter=False)
    catalogue = build_catalogue(frames["pillars.csv"].map(str.strip), frames["indicators.csv"].map(str.strip))
    units = synthesize_units(n_units, seed=seed)
    numeric = units.set_index("code", drop=False)
    for column in ("population", "adult_population", "households", "hamlets"):
        numeric[column] = pd.to_numeric(numeric[column].replace("", None), errors="coerce")
    obs = synthesize_observations(numeric, catalogue, periods, seed=seed)
    if len(periods) > 1:  # a few units joined late: no data for the first period
        late = [c for c in units["code"] if _rng(seed, "late", c).random() < 0.01]
        obs = obs[~(obs["unit_code"].isin(late) & (obs["period"] == periods[0]))]
    notes = _synthesize_notes(units, periods[-1], seed)
    for name, frame in (("units.csv", units), ("observations.csv", obs), ("notes.csv", notes)):
        atomic_write_text(out / name, frame.to_csv(index=False, lineterminator="\n"))
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m dxnb.synthetic N OUT_DIR [--seed S] [--periods P ...]``: write a synthetic dataset."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m dxnb.synthetic", description=main.__doc__)
    parser.add_argument("n_units", type=int, help=f"number of units (the whole country: {NATIONAL_UNITS})")
    parser.add_argument("out_dir", type=Path, help="folder to write the CSV files to")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--periods", nargs="+", default=["2024", "2025"], metavar="YYYY")
    args = parser.parse_args(argv)
    folder = generate_dataset(args.n_units, args.out_dir, seed=args.seed, periods=args.periods)
    print(f"wrote {args.n_units} units to {folder}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
