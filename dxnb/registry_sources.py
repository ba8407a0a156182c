"""Read the registry's source files: the statistics office's lists, the old units, and a coordinates wheel.

Each reader turns one source file into plain rows (names in NFC, kind words split off) and appends what it
cannot read to ``problems``; :mod:`dxnb.registry_build` checks the rows against each other and writes the
registry. :func:`read_wheel` reads the unit rows of a downloaded ``vietnamadminunits`` wheel.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import sqlite3
import zipfile
from pathlib import Path

from .errors import DxnbError
from .text import name_key, nfc

log = logging.getLogger(__name__)

# Kind words as written in front of names, longest first; the registry stores them in lower case.
UNIT_KINDS_2025 = ("đặc khu", "phường", "xã")
UNIT_KINDS_2024 = ("thị trấn", "phường", "xã")
DISTRICT_KINDS = ("thành phố", "thị xã", "huyện", "quận")
PROVINCE_KINDS = ("thành phố", "tỉnh", "tp")


class RegistryBuildError(DxnbError):
    """The source files are missing or inconsistent; the registry was not written."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = problems[:30]
        more = f"\n… and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
        super().__init__(
            f"{len(problems)} problem(s) in the registry sources; nothing was written:\n"
            + "\n".join(f"- {p}" for p in shown)
            + more
        )


def clean(text: object) -> str:
    """NFC, ``<br>`` line breaks of the markdown tables as spaces, runs of spaces collapsed."""
    text = nfc(str(text)).replace("<br>", " ")
    return re.sub(r"\s+", " ", text).strip()


def split_kind(full_name: str, kinds: tuple[str, ...]) -> tuple[str, str]:
    """Return (kind, name) for "Xã Vĩnh Hoà" -> ("xã", "Vĩnh Hoà"); kind "" when none of ``kinds`` leads."""
    text = clean(full_name)
    lowered = text.casefold()
    for kind in kinds:
        if lowered.startswith(kind + " "):
            return kind, text[len(kind) + 1 :].strip()
    return "", text


# --------------------------------------------------------------------------- reading


def read_official_list(text: str, problems: list[str]) -> list[dict[str, str]]:
    """The data rows of 1027_CTK-CSCL.md: stt, code, kind, name and the province as written."""
    rows = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0].isdigit():
            if re.search(r"\|\s*\d{5}\s*\|", line):
                problems.append(f"1027_CTK-CSCL.md:{line_no}: a line with a code is not a 4-cell table row: {line!r}")
            continue
        stt, code, full_name, province = (clean(c) for c in cells)
        if not re.fullmatch(r"\d{5}", code):
            problems.append(f"1027_CTK-CSCL.md:{line_no}: code {code!r} is not 5 digits")
            continue
        kind, name = split_kind(full_name, UNIT_KINDS_2025)
        if not kind:
            problems.append(f"1027_CTK-CSCL.md:{line_no}: {full_name!r} does not start with xã, phường or đặc khu")
        rows.append({"stt": stt, "code": code, "kind": kind, "name": name, "full_name": full_name,
                     "province_text": province, "line": str(line_no)})  # fmt: skip
    for expected, row in enumerate(rows, start=1):
        if int(row["stt"]) != expected:
            problems.append(f"1027_CTK-CSCL.md:{row['line']}: row number {row['stt']} where {expected} was expected")
            break
    return rows


def read_provinces(text: str, problems: list[str]) -> list[dict[str, str]]:
    """The 34 provinces of 915_CTK-CSCL.csv: code, name without its kind, kind."""
    rows = []
    for record in csv.DictReader(io.StringIO(text)):
        values = list(record.values())
        code, full_name = clean(values[1]), clean(values[2])
        if not re.fullmatch(r"\d{2}", code):
            problems.append(f"915_CTK-CSCL.csv: province code {code!r} is not 2 digits")
        kind, name = split_kind(full_name, ("thành phố", "tỉnh"))
        rows.append({"code": code, "name": name, "kind": kind or "tỉnh"})
    return rows


def read_old_units(text: str, splits: dict[str, str], problems: list[str]) -> list[dict[str, str]]:
    """The units of old-units.csv, with kinds split off and swapped name/district cells repaired."""
    rows = []
    for line_no, record in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        full_name, district_full = clean(record["old_name"]), clean(record["old_district"])
        kind, name = split_kind(full_name, UNIT_KINDS_2024)
        district_kind, district = split_kind(district_full, DISTRICT_KINDS)
        if not kind and split_kind(district_full, UNIT_KINDS_2024)[0] and split_kind(full_name, DISTRICT_KINDS)[0]:
            # A few rows carry the district in the name cell and the unit in the district cell.
            log.info("old-units.csv:%d: name and district swapped (%s / %s); repaired", line_no, full_name,
                     district_full)  # fmt: skip
            kind, name = split_kind(district_full, UNIT_KINDS_2024)
            district_kind, district = split_kind(full_name, DISTRICT_KINDS)
        if not kind:
            problems.append(f"old-units.csv:{line_no}: {full_name!r} does not start with xã, phường or thị trấn")
        if not district_kind:
            problems.append(f"old-units.csv:{line_no}: district {district_full!r} has no district kind")
        code = record["old_code"].strip()
        if code in splits and name_key(splits[code], drop_kind=False) != name_key(f"{kind} {name}", drop_kind=False):
            log.info("old-units.csv:%d: %s is '%s %s' here and '%s' in splits.json; kept '%s'", line_no, code, kind,
                     name, splits[code], name)  # fmt: skip
        _, province = split_kind(record["old_province"], ("thành phố", "tỉnh"))
        rows.append({"code": code, "name": name, "kind": kind, "district_code": record["old_district_code"].strip(),
                     "district": district, "district_kind": district_kind,
                     "province_code": record["old_province_code"].strip(), "province": province})  # fmt: skip
    return rows


# --------------------------------------------------------------------------- building

_WHEEL_DB = "vietnamadminunits/data/dataset.db"
_CURRENT_SQL = "SELECT wardCode, ward, provinceCode, '' AS districtCode, wardLat, wardLon, NULL, NULL FROM admin_units"
_FORMER_SQL = ("SELECT wardCode, ward, provinceCode, districtCode, wardLat, wardLon, districtLat || ',' || districtLon,"
               " provinceLat || ',' || provinceLon FROM admin_units_legacy WHERE wardCode IS NOT NULL")  # fmt: skip


def read_wheel(wheel: str | Path) -> tuple[str, str, dict[str, list[tuple]]]:
    """The version, licence text and unit rows (current and former) of a ``vietnamadminunits`` wheel.

    Each row is (code, full name, province code, district code, lat, lon, district centre, province centre).

    Raises:
        RegistryBuildError: when the file is not such a wheel.
    """
    wheel = Path(wheel)
    try:
        with zipfile.ZipFile(wheel) as archive:
            names = archive.namelist()
            meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
            licence = next(n for n in names if ".dist-info/" in n and n.rsplit("/", 1)[-1].startswith("LICENSE"))
            version = re.search(r"^Version: (\S+)", archive.read(meta).decode("utf-8"), re.M)
            licence_text, db = archive.read(licence).decode("utf-8"), archive.read(_WHEEL_DB)
    except (OSError, zipfile.BadZipFile, StopIteration, KeyError) as exc:
        raise RegistryBuildError([f"{wheel}: not a readable vietnamadminunits wheel with {_WHEEL_DB} ({exc!r}) — "
                                  f"download it with `pip download --no-deps vietnamadminunits`"]) from exc  # fmt: skip
    conn = sqlite3.connect(":memory:")
    try:
        conn.deserialize(db)
        rows = {"current": conn.execute(_CURRENT_SQL).fetchall(), "former": conn.execute(_FORMER_SQL).fetchall()}
    except sqlite3.Error as exc:
        raise RegistryBuildError([f"{wheel}: {_WHEEL_DB} is not the expected database ({exc})"]) from exc
    finally:
        conn.close()
    return (version.group(1) if version else "unknown"), licence_text, rows
