"""dxnb: evaluation notebooks for commune digital transformation (chuyển đổi số) in Vietnam."""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version

from .dataset import Dataset, check_dataset, find_unit, load_dataset
from .errors import DataError, DxnbError, FormError, ParameterError, Problem, RenderError, UnitNotFoundError

try:
    __version__ = version("dxnb")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "DataError",
    "Dataset",
    "DxnbError",
    "FormError",
    "ParameterError",
    "Problem",
    "RenderError",
    "UnitNotFoundError",
    "__version__",
    "check_dataset",
    "find_unit",
    "load_dataset",
]
