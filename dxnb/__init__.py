"""dxnb: evaluation notebooks for commune digital transformation (chuyển đổi số) in Vietnam."""

from __future__ import annotations

import logging

from .dataset import Dataset, check_dataset, find_unit, load_dataset
from .errors import DataError, DxnbError, FormError, ParameterError, Problem, RenderError, UnitNotFoundError
from .version import __version__

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
