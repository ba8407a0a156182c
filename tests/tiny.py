"""A tiny dataset whose every number is worked out by hand, shared by the scoring, quality and evaluation tests."""

from __future__ import annotations

import csv
from pathlib import Path

from dxnb.catalogue import REQUIRED_IDS
from dxnb.dataset import COLUMNS

# N has no observations at all; E, F, G have no district.
A, B, C, D, H, N, E, F, G = "10001", "10002", "10003", "10004", "10006", "10007", "20001", "20002", "20003"

PILLARS = [("inst", "foundation", "Thể chế", "Institutions", "1"), ("soc", "activity", "Xã hội", "Society", "2")]
# Scored: plans_issued (steps, 20), committee (yes/partial/no, 10), online_dossier_rate (linear, 40, target 80),
# signature_rate (derived linear, 30, target 50). Total 100: inst 30, soc 70.
SCORED = [
    dict(id="plans_issued", pillar="inst", kind="count", scoring="steps", max_points="20", steps="1:5;3:10;6:20"),
    dict(id="committee", pillar="inst", kind="yes_partial_no", scoring="yes_partial_no", max_points="10"),
    dict(
        id="online_dossier_rate",
        pillar="soc",
        kind="rate",
        scoring="linear",
        max_points="40",
        decimals="1",
        target="80",
        target_year="2025",
        target_source="Quyết định 942/QĐ-TTg",
    ),
    dict(id="personal_signatures", pillar="soc", kind="count", scoring="none"),
    dict(
        id="signature_rate",
        pillar="soc",
        kind="rate",
        scoring="linear",
        max_points="30",
        numerator="personal_signatures",
        denominator="adult_population",
        scale="100",
        decimals="1",
        target="50",
        target_year="2025",
        target_source="Quyết định 411/QĐ-TTg",
    ),
    dict(id="cdt_teams", pillar="inst", kind="count", scoring="none"),
    dict(id="cdt_members", pillar="inst", kind="count", scoring="none"),
    dict(
        id="members_per_team",
        pillar="inst",
        kind="ratio",
        scoring="none",
        numerator="cdt_members",
        denominator="cdt_teams",
        scale="1",
        decimals="1",
    ),
]
# code, name, district, province, adult_population, estimated_fields (F spells the province with the old tone mark)
UNITS = [
    (A, "An", "Huyện Một", "Tỉnh Một", "1000", ""),
    (B, "Bình", "Huyện Một", "Tỉnh Một", "2000", ""),
    (C, "Châu", "Huyện Một", "Tỉnh Một", "", ""),
    (D, "Dương", "Huyện Một", "Tỉnh Một", "1000", "adult_population"),
    (H, "Hưng", "Huyện Hai", "Tỉnh Một", "1000", ""),
    (N, "Ích", "Huyện Một", "Tỉnh Một", "1000", ""),
    (E, "Êm", "", "Hòa Bình", "500", ""),
    (F, "Phú", "", "Hoà Bình", "500", ""),
    (G, "Gia", "", "Hòa Bình", "500", ""),
]
OBSERVATIONS = [
    # 2024
    (A, "2024", "plans_issued", "3", ""),
    (A, "2024", "committee", "1", ""),
    (A, "2024", "online_dossier_rate", "60", ""),
    (A, "2024", "personal_signatures", "600", ""),
    (A, "2024", "cdt_teams", "0", ""),
    (A, "2024", "cdt_members", "5", ""),
    (B, "2024", "plans_issued", "6", ""),
    (B, "2024", "committee", "0", ""),
    (B, "2024", "online_dossier_rate", "70", ""),
    (B, "2024", "personal_signatures", "500", "lower_bound"),
    (B, "2024", "cdt_teams", "4", ""),
    (B, "2024", "cdt_members", "20", ""),
    (C, "2024", "plans_issued", "1", ""),
    (C, "2024", "committee", "0", ""),
    (C, "2024", "personal_signatures", "300", ""),
    (D, "2024", "plans_issued", "40", ""),
    (D, "2024", "committee", "0.5", ""),
    (D, "2024", "online_dossier_rate", "60", "estimate"),
    (D, "2024", "personal_signatures", "1200", ""),
    (D, "2024", "cdt_teams", "2", "estimate"),
    (D, "2024", "cdt_members", "10", ""),
    (H, "2024", "plans_issued", "10", ""),
    (E, "2024", "plans_issued", "3", ""),
    (E, "2024", "online_dossier_rate", "50", ""),
    (F, "2024", "plans_issued", "3", ""),
    (F, "2024", "online_dossier_rate", "50", ""),
    (G, "2024", "plans_issued", "1", ""),
    (G, "2024", "personal_signatures", "100", "estimate"),
    # earlier periods
    (A, "2023", "plans_issued", "2", ""),
    (A, "2023", "committee", "1", ""),
    (A, "2023", "online_dossier_rate", "90", ""),
    (A, "2023", "personal_signatures", "400", ""),
    (A, "2022", "plans_issued", "1", ""),
    (B, "2022", "plans_issued", "3", ""),
    (B, "2022", "online_dossier_rate", "50", ""),
]
NOTES = [(A, "2024", "strength", "Họp dân đều đặn."), (A, "2023", "challenge", "Thiếu máy tính.")]


def _write(path: Path, header, rows) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def write_tiny(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / "pillars.csv", COLUMNS["pillars.csv"], PILLARS)
    filler = [
        dict(id=i, pillar="inst", kind="count", scoring="none")
        for i in REQUIRED_IDS
        if i not in {s["id"] for s in SCORED}
    ]
    header = COLUMNS["indicators.csv"]
    rows = [
        [spec.get(c, "") or {"name_vi": spec["id"], "name_en": spec["id"]}.get(c, "") for c in header]
        for spec in SCORED + filler
    ]
    _write(folder / "indicators.csv", header, rows)
    _write(
        folder / "units.csv",
        (*COLUMNS["units.csv"][:-1], "estimated_fields", "source"),
        [
            (code, name, "xã", district, province, "", adults, "", "", est, "test")
            for code, name, district, province, adults, est in UNITS
        ],
    )
    _write(
        folder / "observations.csv",
        (*COLUMNS["observations.csv"], "qualifier"),
        [(u, p, i, v, f"src {u}", f"note {i}", q) for u, p, i, v, q in OBSERVATIONS],
    )
    _write(folder / "notes.csv", (*COLUMNS["notes.csv"], "source"), [(*n, "test") for n in NOTES])
    return folder
