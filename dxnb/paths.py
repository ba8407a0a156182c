"""Project paths, anchored at the project root and never at the current directory."""

from __future__ import annotations

import os
from pathlib import Path

#: The project root: the folder that holds ``dxnb/``, ``data/``, ``notebooks/`` and ``reports/``.
#: ``DXNB_ROOT`` overrides it (for an installed copy of the package that runs elsewhere).
PROJECT_ROOT = Path(os.environ.get("DXNB_ROOT") or Path(__file__).resolve().parent.parent).resolve()
DATA_DIR = PROJECT_ROOT / "data"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
REPORTS_DIR = PROJECT_ROOT / "reports"
REPORT_NOTEBOOK = NOTEBOOKS_DIR / "commune_report.ipynb"
OVERVIEW_NOTEBOOK = NOTEBOOKS_DIR / "district_overview.ipynb"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def resolve_data_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Return the absolute dataset folder for ``data_dir``.

    ``None`` means the bundled ``data/``. A relative path is taken from the project root, so a
    notebook finds its data wherever the kernel was started (papermill uses the caller's working
    directory, nbval the notebook's folder).
    """
    if data_dir is None or str(data_dir) == "":
        return DATA_DIR
    path = Path(data_dir).expanduser()
    if not path.is_absolute():
        path = PROJECT_ROOT / path
    return path.resolve()
