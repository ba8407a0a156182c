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
from .paths import DATA_DIR

log = logging.getLogger(__name__)

UNIT_COLUMNS = (*COLUMNS["units.csv"][:-1], "estimated_fields", COLUMNS["units.csv"][-1])
OBSERVATION_COLUMNS = (*COLUMNS["observations.csv"], "qualifier")
NOTE_COLUMNS = (*COLUMNS["notes.csv"], "source")
CATALOGUE_FILES = ("pillars.csv", "indicators.csv")


def _csv(header: tuple[str, ...], rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def unit_rows(province: object, district: object | None = None) -> list[dict[str, str]]:
    """The ``units.csv`` rows of ``province``'s current units, or of a former ``district``'s units.

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
    existing = [name for name in FILES if (folder / name).exists()]
    if existing:
        raise DxnbError(
            t("prov_dataset_exists", folder=folder, files=", ".join(existing))
        )
    if folder.exists() and not folder.is_dir():
        raise DxnbError(t("prov_is_a_file", folder=folder))
    rows = unit_rows(province, district)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "units.csv").write_text(_csv(UNIT_COLUMNS, rows), encoding="utf-8")
        for name in CATALOGUE_FILES:
            shutil.copyfile(DATA_DIR / name, folder / name)
        (folder / "observations.csv").write_text(_csv(OBSERVATION_COLUMNS, []), encoding="utf-8")
        (folder / "notes.csv").write_text(_csv(NOTE_COLUMNS, []), encoding="utf-8")
    except OSError as exc:
        raise DxnbError(t("prov_cannot_write", folder=folder, error=exc.strerror or exc)) from None
    log.info("wrote %d units to %s", len(rows), folder)
    return folder
