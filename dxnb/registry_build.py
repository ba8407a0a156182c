"""Build the bundled unit registry (``dxnb/registry/``) from the dvhcvn-20250701 source files.

Run ``python -m dxnb.registry_build [SOURCE_DIR]`` from the project root; ``SOURCE_DIR`` defaults to
``../shared/data/dvhcvn-20250701`` relative to the project root. It reads:

- ``1027_CTK-CSCL.md``: the statistics office's list of the 3,321 commune-level units from 1/7/2025;
- ``915_CTK-CSCL.csv``: the 34 provinces and their codes;
- ``merges.json`` and ``splits.json``: the old → new links, each ``full`` or ``partial``;
- ``old-units.csv``: the 10,047 commune-level units before 1/7/2025 with their districts and provinces;

reads them with :mod:`dxnb.registry_sources`, checks them against each other, fails with a
:class:`RegistryBuildError` listing every inconsistency, and writes small UTF-8 CSV files (see
``dxnb/registry/PROVENANCE.md``). The output is deterministic: the same sources give the same bytes.

An optional step, ``python -m dxnb.registry_build --coords WHEEL``, writes ``coordinates.csv`` (a latitude and
longitude per current and former unit) from a downloaded wheel of the MIT-licensed package
``vietnamadminunits``; dxnb does not need that package to run.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import shutil
import sys
from collections import Counter, defaultdict
from pathlib import Path

from .errors import DxnbError
from .paths import PROJECT_ROOT
from .registry_sources import (
    DISTRICT_KINDS,
    PROVINCE_KINDS,
    UNIT_KINDS_2025,
    RegistryBuildError,
    clean,
    read_official_list,
    read_old_units,
    read_provinces,
    read_wheel,
    split_kind,
)
from .text import name_key

log = logging.getLogger(__name__)

SOURCE_NAME = Path("shared") / "data" / "dvhcvn-20250701"
OUT_DIR = Path(__file__).resolve().parent / "registry"
SOURCE_FILES = ("1027_CTK-CSCL.md", "915_CTK-CSCL.csv", "merges.json", "splits.json", "old-units.csv", "LICENSE")

PROVINCES_2025 = 34
UNITS_2025 = 3321
UNITS_2024 = 10047
LINK_TYPES = ("full", "partial")

# Links of the source that are wrong, each replaced by the right one: (old, wrong new) -> (right new, why).
CORRECTIONS = {
    ("30622", "30259"): (
        "30604",
        "xã Tân Phú (30622, huyện Châu Thành, An Giang) is linked to xã Tân Phú Trung of Đồng Tháp, the successor "
        "of Đồng Tháp's own xã Tân Phú (30274) of another huyện Châu Thành; it went with thị trấn Vĩnh Bình and "
        "xã Vĩnh An into the new xã Vĩnh An (30604, An Giang), as vietnamadminunits 1.0.4 also has it",
    ),
}

FILES = {
    "provinces.csv": ("code", "name", "kind", "predecessors"),
    "units_2025.csv": ("code", "name", "kind", "province_code"),
    "units_2024.csv": ("code", "name", "kind", "district_code", "district", "district_kind", "province_code",
                       "province"),
    "districts_2024.csv": ("code", "name", "kind", "province_code", "province", "units"),
    "successions.csv": ("old_code", "new_code", "type"),
}  # fmt: skip


def default_source() -> Path:
    """``../shared/data/dvhcvn-20250701`` from the project root (or from its parent, for a git worktree)."""
    candidates = [PROJECT_ROOT.parent / SOURCE_NAME, PROJECT_ROOT.parent.parent / SOURCE_NAME]
    return next((path for path in candidates if path.is_dir()), candidates[0])


def _read_text(source: Path, name: str) -> str:
    return (source / name).read_text(encoding="utf-8-sig")


def _check_unique(codes: list[str], what: str, problems: list[str]) -> None:
    for code, count in Counter(codes).items():
        if count > 1:
            problems.append(f"{what}: code {code} appears {count} times")


def build_tables(source: Path) -> dict[str, list[tuple[str, ...]]]:
    """Read and cross-check the sources in ``source``; return the rows of each registry file.

    Raises:
        RegistryBuildError: listing every problem found.
    """
    missing = [name for name in SOURCE_FILES if not (source / name).is_file()]
    if missing:
        raise RegistryBuildError([f"{source}: {name} is missing" for name in missing])
    problems: list[str] = []
    merges = json.loads(_read_text(source, "merges.json"))["data"]
    splits = json.loads(_read_text(source, "splits.json"))["data"]
    official = read_official_list(_read_text(source, "1027_CTK-CSCL.md"), problems)
    provinces = read_provinces(_read_text(source, "915_CTK-CSCL.csv"), problems)
    split_names = {u["level3_id"]: clean(u["name"]) for p in splits for u in p["level3s"]}
    old_units = read_old_units(_read_text(source, "old-units.csv"), split_names, problems)

    # Provinces.
    province_by_code = {p["code"]: p for p in provinces}
    _check_unique([p["code"] for p in provinces], "915_CTK-CSCL.csv", problems)
    if len(provinces) != PROVINCES_2025:
        problems.append(f"915_CTK-CSCL.csv: {len(provinces)} provinces, {PROVINCES_2025} expected")
    province_merges = {}
    for entry in merges:
        code = entry["level1_id"]
        if code not in province_by_code:
            problems.append(f"merges.json: province {code} ({entry['name']}) is not in 915_CTK-CSCL.csv")
        elif name_key(split_kind(entry["name"], ("thành phố", "tỉnh"))[1]) != name_key(province_by_code[code]["name"]):
            problems.append(f"merges.json: province {code} is '{entry['name']}' there and "
                            f"'{province_by_code[code]['name']}' in 915_CTK-CSCL.csv")  # fmt: skip
        province_merges[code] = sorted(m["old_id"] for m in entry["merges"])

    # New units: the official list, each placed in the province merges.json gives it.
    _check_unique([u["code"] for u in official], "1027_CTK-CSCL.md", problems)
    if len(official) != UNITS_2025:
        problems.append(f"1027_CTK-CSCL.md: {len(official)} units, {UNITS_2025} expected")
    new_province: dict[str, str] = {}
    new_links: list[tuple[str, str, str]] = []
    merged_names: dict[str, str] = {}
    for entry in merges:
        for unit in entry["level2s"]:
            code = unit["level2_id"]
            if code in new_province:
                problems.append(f"merges.json: unit {code} appears twice")
            new_province[code] = entry["level1_id"]
            merged_names[code] = clean(unit["name"])
            if not unit["merges"]:
                problems.append(f"merges.json: new unit {code} ({unit['name']}) has no predecessor")
            for link in unit["merges"]:
                if link["type"] not in LINK_TYPES:
                    problems.append(f"merges.json: link {link['old_id']} → {code} has type {link['type']!r}")
                new_links.append((link["old_id"], _corrected(link["old_id"], code), link["type"]))
    for unit in official:
        code = unit["code"]
        where = f"1027_CTK-CSCL.md:{unit['line']}"
        if code not in new_province:
            problems.append(f"{where}: unit {code} ({unit['full_name']}) has no entry in merges.json")
            continue
        if name_key(merged_names[code]) != name_key(unit["full_name"]):
            problems.append(f"{where}: {code} is '{unit['full_name']}' here and '{merged_names[code]}' in merges.json")
        written = split_kind(unit["province_text"], PROVINCE_KINDS)[1]
        province = province_by_code.get(new_province[code])
        if province and name_key(written) != name_key(province["name"]):
            problems.append(f"{where}: {code} is in '{unit['province_text']}' here and in province "
                            f"{new_province[code]} ({province['name']}) in merges.json")  # fmt: skip
    extra = set(new_province) - {u["code"] for u in official}
    for code in sorted(extra):
        problems.append(f"merges.json: unit {code} is not in the official list 1027_CTK-CSCL.md")
    empty = set(province_by_code) - set(new_province.values())
    for code in sorted(empty):
        problems.append(f"province {code} has no unit in merges.json")

    # Old units and the districts that had no commune-level units (island districts that became đặc khu).
    old_by_code = {u["code"]: u for u in old_units}
    _check_unique([u["code"] for u in old_units], "old-units.csv", problems)
    if len(old_units) != UNITS_2024:
        problems.append(f"old-units.csv: {len(old_units)} units, {UNITS_2024} expected")
    if set(split_names) != set(old_by_code):
        problems.append(f"splits.json and old-units.csv list different units: "
                        f"{sorted(set(split_names) ^ set(old_by_code))[:10]}")  # fmt: skip
    old_province_names = {u["province_code"]: u["province"] for u in old_units}
    districts: dict[str, dict[str, str]] = {}
    counts: Counter[str] = Counter()
    for unit in old_units:
        counts[unit["district_code"]] += 1
        record = {"code": unit["district_code"], "name": unit["district"], "kind": unit["district_kind"],
                  "province_code": unit["province_code"], "province": unit["province"]}  # fmt: skip
        known = districts.setdefault(unit["district_code"], record)
        if known != record:
            problems.append(f"old-units.csv: district {unit['district_code']} is written two ways: {known['name']} "
                            f"({known['province']}) and {record['name']} ({record['province']})")  # fmt: skip
    split_links: set[tuple[str, str]] = set()
    for entry in splits:
        for unit in entry.get("level3s", []):
            split_links.update((unit["level3_id"], _corrected(unit["level3_id"], s["new_id"])) for s in unit["splits"])
        for unit in entry.get("level2s", []):
            code = unit["level2_id"]
            if code in districts:
                problems.append(f"splits.json: district {code} has units and is linked as a unit")
                continue
            kind, name = split_kind(unit["name"], DISTRICT_KINDS)
            districts[code] = {"code": code, "name": name, "kind": kind, "province_code": entry["level1_id"],
                               "province": old_province_names.get(entry["level1_id"], "")}  # fmt: skip
            split_links.update((code, s["new_id"]) for s in unit["splits"])

    # Links: merges.json and splits.json must agree, and every unit must be linked.
    _check_unique([f"{a}→{b}" for a, b, _ in new_links], "merges.json links", problems)
    if {(a, b) for a, b, _ in new_links} != split_links:
        diff = sorted({(a, b) for a, b, _ in new_links} ^ split_links)
        problems.append(f"merges.json and splits.json disagree on {len(diff)} link(s), e.g. {diff[:5]}")
    successors: defaultdict[str, list[tuple[str, str]]] = defaultdict(list)
    for old, new, kind in new_links:
        successors[old].append((new, kind))
        if old not in old_by_code and (old not in districts or counts[old]):
            problems.append(f"merges.json: predecessor {old} of {new} is neither an old unit nor a district "
                            f"without units")  # fmt: skip
    for code in list(old_by_code) + [c for c in districts if not counts[c]]:
        links = successors.get(code)
        if not links:
            problems.append(f"old unit {code} has no successor")
            continue
        kinds = sorted(kind for _, kind in links)
        if kinds != (["full"] if len(links) == 1 else ["partial"] * len(links)):
            problems.append(f"old unit {code}: {len(links)} successor(s) of types {kinds}; a unit that goes whole "
                            f"to one new unit is 'full', one split between several is 'partial'")  # fmt: skip
        old_province = old_by_code[code]["province_code"] if code in old_by_code else districts[code]["province_code"]
        for new, _ in links:
            if new in new_province and old_province not in province_merges.get(new_province[new], []):
                problems.append(f"old unit {code} of province {old_province} went to {new} in province "
                                f"{new_province[new]}, which was not formed from it")  # fmt: skip
    if problems:
        raise RegistryBuildError(problems)
    for (old, wrong), (right, why) in CORRECTIONS.items():
        log.info("corrected the link %s → %s to %s → %s: %s", old, wrong, old, right, why)

    reused = len({new for old, new, _ in new_links if old == new})
    log.info("%d current units in %d provinces, %d former units, %d links (%d partial); %d new codes reuse a "
             "predecessor's code", len(official), len(provinces), len(old_units), len(new_links),
             sum(1 for *_, k in new_links if k == "partial"), reused)  # fmt: skip
    order = {code: i for i, code in enumerate(sorted(province_by_code))}
    return {
        "provinces.csv": [(p["code"], p["name"], p["kind"], ";".join(province_merges.get(p["code"], [])))
                          for p in sorted(provinces, key=lambda p: order[p["code"]])],
        "units_2025.csv": [(u["code"], u["name"], u["kind"], new_province[u["code"]]) for u in official],
        "units_2024.csv": [tuple(u[c] for c in FILES["units_2024.csv"]) for u in sorted(old_units, key=_code)],
        "districts_2024.csv": [(*(d[c] for c in FILES["districts_2024.csv"][:-1]), str(counts[d["code"]]))
                               for d in sorted(districts.values(), key=lambda d: (d["province_code"], d["code"]))],
        "successions.csv": sorted(new_links, key=lambda link: (link[1], link[0])),
    }  # fmt: skip


def _corrected(old: str, new: str) -> str:
    """``new``, or the right successor when the link ``old`` → ``new`` is a known error of the source."""
    return CORRECTIONS[(old, new)][0] if (old, new) in CORRECTIONS else new


def _code(unit: dict[str, str]) -> str:
    return unit["code"]


def render_csv(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> bytes:
    """UTF-8 CSV with Unix line ends, quoted only where needed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def build(source: str | Path | None = None, out_dir: str | Path = OUT_DIR) -> dict[str, int]:
    """Build the registry files from ``source`` into ``out_dir``; return each file's row count.

    Raises:
        RegistryBuildError: when a source file is missing or the sources disagree (nothing is written).
    """
    source, out_dir = Path(source) if source else default_source(), Path(out_dir)
    tables = build_tables(source)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        (out_dir / name).write_bytes(render_csv(FILES[name], rows))
    shutil.copyfile(source / "LICENSE", out_dir / "LICENSE")
    return {name: len(rows) for name, rows in tables.items()}


# --------------------------------------------------------------------------- coordinates

COORDS_FILE = "coordinates.csv"
COORDS_HEADER = ("code", "when", "lat", "lon")
COORDS_LICENSE = "LICENSE-vietnamadminunits"


def _short(full_name: str) -> str:
    """A name without its kind or the package's disambiguating "(Xã)": "Xã Yên Viên (Xã)" → "Yên Viên"."""
    name = re.sub(r"\s*\([^)]*\)$", "", clean(full_name))
    return split_kind(name, ("đặc khu", "thị trấn", *UNIT_KINDS_2025))[1]


def match_coordinates(units: list[dict[str, str]], rows: list[tuple], when: str) -> tuple[dict, dict[str, int]]:
    """Code → (lat, lon) for ``units`` (registry rows of one period) from the wheel's ``rows``.

    A unit takes the point of the wheel's row with its code when the province (and, for former units, the
    district) agree; a unit whose code is not in the wheel takes the point of the only unmatched row of its
    province with its name. Names that differ are logged, and kept. Former units' points are geocoded: a point
    that is its district's or province's centre, or shared by several units, says nothing about the unit and
    is dropped.

    Returns:
        The points, and counts of what was found (``matched``, ``by_name``, ``renamed``, ``missing``, ``vague``).
    """
    by_code = {str(r[0]): r for r in rows if r[4] is not None and r[5] is not None}
    points, stats = {}, Counter()
    known = {u["code"] for u in units}
    spare = defaultdict(list)
    for row in by_code.values():
        if row[0] not in known:
            spare[(row[2], name_key(_short(row[1])))].append(row)
    for unit in units:
        row = by_code.get(unit["code"])
        if row is None:
            found = spare.get((unit["province_code"], name_key(unit["name"])), [])
            if len(found) != 1:
                stats["missing"] += 1
                log.info("coordinates: no point for %s unit %s (%s %s)", when, unit["code"], unit["kind"], unit["name"])
                continue
            row = found[0]
            stats["by_name"] += 1
            log.info("coordinates: %s unit %s (%s) is %s in the wheel; matched by name", when, unit["code"],
                     unit["name"], row[0])  # fmt: skip
        if row[2] != unit["province_code"] or row[3] != unit.get("district_code", ""):
            stats["missing"] += 1
            log.info("coordinates: %s unit %s is in province %s, district %s in the wheel; not taken", when,
                     unit["code"], row[2], row[3] or "-")  # fmt: skip
            continue
        if name_key(_short(row[1])) != name_key(unit["name"]):
            stats["renamed"] += 1
            log.info("coordinates: %s unit %s is '%s %s' in the registry and '%s' in the wheel", when, unit["code"],
                     unit["kind"], unit["name"], clean(row[1]))  # fmt: skip
        points[unit["code"]] = row
    shared = Counter((r[4], r[5]) for r in points.values())
    for code, row in list(points.items()):
        centre = f"{row[4]},{row[5]}"
        if shared[(row[4], row[5])] > 1 or centre in (row[6], row[7]):
            del points[code]
            stats["vague"] += 1
    stats["matched"] = len(points)
    return {code: (float(r[4]), float(r[5])) for code, r in points.items()}, dict(stats)


def build_coordinates(wheel: str | Path, out_dir: str | Path = OUT_DIR) -> dict[str, dict[str, int]]:
    """Write ``coordinates.csv`` and the package's licence into ``out_dir`` from a ``vietnamadminunits`` wheel.

    The units are those of the registry files already in ``out_dir`` (build them first); points are rounded
    to 4 decimals (about 11 m). Returns the counts of :func:`match_coordinates` per period.

    Raises:
        RegistryBuildError: when the wheel cannot be read or the registry files are missing.
    """
    out_dir = Path(out_dir)
    units = {}
    for when, name in (("current", "units_2025.csv"), ("former", "units_2024.csv")):
        path = out_dir / name
        if not path.is_file():
            raise RegistryBuildError([f"{path} is missing: build the registry first (python -m dxnb.registry_build)"])
        units[when] = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    version, licence, rows = read_wheel(wheel)
    table, stats = [], {}
    for when in ("current", "former"):
        points, stats[when] = match_coordinates(units[when], rows[when], when)
        table += [(c, when, f"{points[c][0]:.4f}", f"{points[c][1]:.4f}") for c in sorted(points)]
        log.info("coordinates from vietnamadminunits %s, %s units: %s", version, when, stats[when])
    (out_dir / COORDS_FILE).write_bytes(render_csv(COORDS_HEADER, table))
    (out_dir / COORDS_LICENSE).write_text(licence, encoding="utf-8")
    return stats


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m dxnb.registry_build [SOURCE_DIR]`` or ``--coords WHEEL``; exit code 2 on bad input."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--coords"]:
        if len(args) != 2:
            log.error("usage: python -m dxnb.registry_build --coords vietnamadminunits-VERSION-py3-none-any.whl")
            return 2
        try:
            build_coordinates(Path(args[1]).resolve())
        except DxnbError as exc:
            log.error("%s", exc)
            return 2
        log.info("wrote %s", OUT_DIR / COORDS_FILE)
        return 0
    source = Path(args[0]).resolve() if args else default_source()
    try:
        counts = build(source)
    except DxnbError as exc:
        log.error("%s", exc)
        return 2
    log.info("wrote %s: %s", OUT_DIR, ", ".join(f"{name} {count} rows" for name, count in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
