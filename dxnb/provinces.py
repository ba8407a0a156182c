"""Start a dataset from the registry: a province's current communes, or a former district's units.

:func:`init_dataset` writes a dataset folder that ``dxnb check`` accepts: ``units.csv`` with the units'
codes, names, kinds, district and province (counts left blank for the user to fill in), the bundled
catalogue (``pillars.csv`` and ``indicators.csv`` copied from ``data/``), and empty ``observations.csv``
and ``notes.csv`` with their headers.

Current units (since 1/7/2025) have no district: their ``district`` cell is blank, as the data contract
says, and their peers are then the province.
"""

from __future__ import annotations

import csv
import io
import logging
import shutil
from pathlib import Path

from . import registry
from .dataset import COLUMNS, FILES
from .errors import DxnbError
from .i18n import t
from .lifetime import REFORM_DATE, SUCCESSION_COLUMNS, day_before
from .paths import DATA_DIR

log = logging.getLogger(__name__)

UNIT_COLUMNS = (
    *COLUMNS["units.csv"][:-1],
    "estimated_fields",
    COLUMNS["units.csv"][-1],
    "valid_from",
    "valid_to",
    "group",
)
OBSERVATION_COLUMNS = (*COLUMNS["observations.csv"], "qualifier")
NOTE_COLUMNS = (*COLUMNS["notes.csv"], "source")
CATALOGUE_FILES = ("pillars.csv", "indicators.csv")
DAY_BEFORE_REFORM = day_before(REFORM_DATE)


def _csv(header: tuple[str, ...], rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def unit_rows(province: object, district: object | None = None) -> list[dict[str, str]]:
    """The ``units.csv`` rows of ``province``'s current units, or of a former ``district``'s units (no lifetimes).

    Raises:
        UnitNotFoundError: when the province or the district is unknown or ambiguous.
    """
    if district is None:
        found = registry.find_province(province)
        units = registry.current_units()
        units = units[units["province_code"] == found.code]
        source = t("registry_source_current", "vi")
        return [{"code": u.code, "name": u.name, "kind": u.kind, "district": "", "province": found.name,
                 "source": source} for u in units.itertuples()]  # fmt: skip
    found = registry.find_district(district, province=province)
    source = t("registry_source_former", "vi")
    return [{"code": u.code, "name": u.name, "kind": u.kind, "district": u.district, "province": u.province,
             "source": source} for u in registry.district_units(found).itertuples()]  # fmt: skip


def _registry_rows(code_set: set[str], when: str, source: str, **lifetime: str) -> list[dict[str, str]]:
    frame = registry.current_units() if when == "current" else registry.former_units()
    frame = frame[frame["code"].isin(code_set)]
    return [{"code": u.code, "name": u.name, "kind": u.kind, "district": getattr(u, "district", "") if when == "former"
             else "", "province": u.province, "source": source, **lifetime} for u in frame.itertuples()]  # fmt: skip


def lifetime_rows(province: object, district: object | None = None) -> tuple[list[dict], list[dict]]:
    """The ``units.csv`` and ``successions.csv`` rows of a dataset spanning 1/7/2025.

    For a province: its current units (valid_from 2025-07-01) and the former units they were formed from
    (valid_to 2025-06-30, with their district). For a former ``district``: its units and the current units
    they went to. Successions link the two (share blank: no official share is published).

    Raises:
        UnitNotFoundError: when the province or the district is unknown or ambiguous.
    """
    if district is None:
        found = registry.find_province(province)
        current = registry.current_units()
        in_province = set(current.loc[current["province_code"] == found.code, "code"])
        links = [(old.code, new, kind) for new in sorted(in_province) for old, kind in registry.predecessors(new)]
    else:
        found = registry.find_district(district, province=province)
        old_codes = set(registry.district_units(found)["code"])
        links = [(old, new.code, kind) for old in sorted(old_codes) for new, kind in registry.successors(old)]
        in_province = set()
    former = set(registry.former_units()["code"])
    links = [link for link in links if link[0] in former]  # a district without communes (Côn Đảo) has no unit row
    old_codes, new_codes = {o for o, _, _ in links}, in_province | {n for _, n, _ in links}
    units = [*_registry_rows(old_codes, "former", t("registry_source_former", "vi"), valid_from="",
                             valid_to=DAY_BEFORE_REFORM),
             *_registry_rows(new_codes, "current", t("registry_source_current", "vi"), valid_from=REFORM_DATE,
                             valid_to="")]  # fmt: skip
    source = t("registry_source_succession", "vi")
    successions = [{"old_code": o, "new_code": n, "date": REFORM_DATE, "type": kind, "share": "", "source": source}
                   for o, n, kind in sorted(links, key=lambda link: (link[1], link[0]))]  # fmt: skip
    return units, successions


def init_dataset(*, province: object, out_dir: str | Path, district: object | None = None) -> Path:
    """Write a new dataset folder ``out_dir`` for a province's current communes or a former district's units.

    Args:
        province: A current province ("Hồ Chí Minh", "79", "thanh pho ho chi minh"); with ``district``, the
            former province of the district, or the current province it is now part of.
        out_dir: The folder to create; it may exist only if it holds no dataset file.
        district: A district as it was until 30/6/2025 ("Phú Giáo", "722"): the dataset then holds that
            district's former units (xã, phường, thị trấn), for evaluating years before 2025.

    Returns:
        The dataset folder.

    Raises:
        DxnbError: when ``out_dir`` already holds a dataset, or cannot be written.
        UnitNotFoundError: when the province or district is unknown or ambiguous.
    """
    folder = Path(out_dir).expanduser().resolve()
    existing = [name for name in (*FILES, "successions.csv") if (folder / name).exists()]
    if existing:
        raise DxnbError(t("prov_dataset_exists", folder=folder, files=", ".join(existing)))
    if folder.exists() and not folder.is_dir():
        raise DxnbError(t("prov_is_a_file", folder=folder))
    rows, links = lifetime_rows(province, district)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "units.csv").write_text(_csv(UNIT_COLUMNS, rows), encoding="utf-8")
        (folder / "successions.csv").write_text(_csv(SUCCESSION_COLUMNS, links), encoding="utf-8")
        for name in CATALOGUE_FILES:
            shutil.copyfile(DATA_DIR / name, folder / name)
        (folder / "observations.csv").write_text(_csv(OBSERVATION_COLUMNS, []), encoding="utf-8")
        (folder / "notes.csv").write_text(_csv(NOTE_COLUMNS, []), encoding="utf-8")
    except OSError as exc:
        raise DxnbError(t("prov_cannot_write", folder=folder, error=exc.strerror or exc)) from None
    log.info("wrote %d units to %s", len(rows), folder)
    return folder
