"""Shared fixtures: the bundled dataset and throw-away copies of it."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from dxnb.dataset import FILES, load_dataset
from dxnb.paths import DATA_DIR


def pytest_configure(config):
    """Keep the suite out of the project's folders: the dataset cache goes to a throw-away folder."""
    if not os.environ.get("DXNB_CACHE_DIR"):
        os.environ["DXNB_CACHE_DIR"] = tempfile.mkdtemp(prefix="dxnb-test-cache-")


@pytest.fixture(scope="session")
def sample():
    """The bundled Phú Giáo dataset, loaded once."""
    return load_dataset(DATA_DIR)


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled dataset's files."""
    folder = tmp_path / "data"
    folder.mkdir()
    for name in FILES:
        shutil.copy(DATA_DIR / name, folder / name)
    return folder


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The bundled dataset rendered once into a throw-away reports folder (all 11 units, latest period)."""
    from dxnb.batch import run_batch

    out = tmp_path_factory.mktemp("reports")
    result = run_batch(out_dir=out, jobs=2)
    return out, result
