"""Shared fixtures: the bundled dataset and throw-away copies of it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dxnb.dataset import FILES, OPTIONAL_FILES, load_dataset
from dxnb.paths import DATA_DIR


@pytest.fixture(scope="session")
def sample():
    """The bundled Phú Giáo dataset as of 2024 (its 11 units before 1/7/2025, 2022–2024), loaded once."""
    return load_dataset(DATA_DIR).at("2024")


@pytest.fixture(scope="session")
def sample_all():
    """The whole bundled dataset: the 11 former units and the 4 communes formed on 1/7/2025."""
    return load_dataset(DATA_DIR)


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled dataset's files."""
    folder = tmp_path / "data"
    folder.mkdir()
    for name in (*FILES, *OPTIONAL_FILES):
        shutil.copy(DATA_DIR / name, folder / name)
    return folder


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The bundled dataset rendered once into a throw-away reports folder (all 11 units, 2024)."""
    from dxnb.batch import run_batch

    out = tmp_path_factory.mktemp("reports")
    result = run_batch(out_dir=out, jobs=2, periods=["2024"])
    return out, result
