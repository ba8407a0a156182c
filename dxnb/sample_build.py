"""How the bundled sample's synthetic rows since 2025 are made (``python -m dxnb.sample_build [DATA_DIR]``).

The sample's 2025 rows (the 4 communes formed on 1/7/2025) come from three deterministic calls of
:func:`dxnb.synthetic.synthesize_observations`, so anyone can make them again and tests check the bundled file
against them (``data/README.md``, "Provenance of the bundled sample"):

- :func:`catalogue_rows` — year 2025, the indicators of the dataset's own catalogue (``indicators.csv``).
- :func:`reference_2025_rows` — year 2025, the indicators ``dxnb-ref-2025`` adds (level-2 VNeID accounts,
  procedures offered online, dossiers filed online and digitised, "Bình dân học vụ số", e-invoices, health records).
- :func:`service_rows` — the months :data:`SERVICE_MONTHS`, the group scores of the 766 service index
  (``svc766_*``) under the sample's framework :data:`SERVICE_FRAMEWORK` (766 with illustrative result classes).

Every row says it is synthetic in its ``source``. :func:`rebuild` rewrites ``observations.csv`` with them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from .catalogue import Catalogue
from .dataset import Dataset, load_dataset
from .framework_files import bundled
from .synthetic import synthesize_observations

#: The periods of the generator's steps for the yearly rows (values improve over them; only 2025 is kept).
YEARS = ["2022", "2023", "2024", "2025"]
YEAR_SEED = 2025
#: The months of the 766 service index in the sample, and the framework folder they are scored under.
SERVICE_MONTHS = ["2025-10", "2025-11", "2025-12"]
SERVICE_SEED = 766
SERVICE_FRAMEWORK = "frameworks/svc-766-classes"


def catalogue_rows(ds: Dataset) -> pd.DataFrame:
    """The 2025 rows of the dataset's own catalogue's indicators (the first synthetic 2025 rows of the sample)."""
    made = synthesize_observations(ds.at("2025").units, ds.catalogue, YEARS, seed=YEAR_SEED)
    return made[made["period"] == "2025"].reset_index(drop=True)


def reference_2025_rows(ds: Dataset) -> pd.DataFrame:
    """The 2025 rows of the observed indicators ``dxnb-ref-2025`` adds to the dataset's own catalogue.

    The units keep their maturity (the same seed): a commune strong in the first rows is strong in these.
    """
    ref = bundled("dxnb-ref-2025")
    new = {i.id: i for i in ref.observed if i.id not in ds.catalogue}
    made = synthesize_observations(ds.at("2025").units, Catalogue(dict(ref.pillars), new), YEARS, seed=YEAR_SEED)
    return made[made["period"] == "2025"].reset_index(drop=True)


def service_rows(ds: Dataset) -> pd.DataFrame:
    """The monthly group scores of the 766 service index (no gaps: the portal publishes every group)."""
    framework = ds.catalogue_for(SERVICE_MONTHS[-1])
    units = ds.at(SERVICE_MONTHS[-1]).units
    return synthesize_observations(units, framework, SERVICE_MONTHS, seed=SERVICE_SEED, gap_rate=0.0)


def generated_rows(ds: Dataset) -> pd.DataFrame:
    """Every synthetic row since 2025, in the order of ``observations.csv``: the yearly ones, then the months."""
    return pd.concat([catalogue_rows(ds), reference_2025_rows(ds), service_rows(ds)], ignore_index=True)


def rebuild(folder: Path) -> int:
    """Rewrite ``folder/observations.csv``: the rows before 2025 kept, the generated rows after them.

    Returns:
        The number of generated rows.
    """
    from .fileio import atomic_write_text

    ds = load_dataset(folder)
    path = folder / "observations.csv"
    old = pd.read_csv(path, dtype=str, keep_default_na=False)
    made = generated_rows(ds)
    since = set(made["period"])
    kept = old[~old["period"].isin(since)]
    frame = pd.concat([kept, made.astype(str)], ignore_index=True)[old.columns]
    atomic_write_text(path, frame.to_csv(index=False, lineterminator="\n"))
    return len(made)


def main(argv: list[str] | None = None) -> int:
    """``python -m dxnb.sample_build [DATA_DIR]``: rewrite the sample's synthetic rows since 2025."""
    from .paths import DATA_DIR

    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else DATA_DIR
    count = rebuild(folder)
    print(f"wrote {count} synthetic rows since 2025 to {folder / 'observations.csv'}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
