"""What makes batches fast stays correct: parameters read without papermill, pre-started kernels."""

from __future__ import annotations

import json

import papermill as pm
import pytest

from dxnb.batch import notebook_parameters, run_batch
from dxnb.paths import NOTEBOOKS_DIR


@pytest.mark.parametrize("path", sorted(NOTEBOOKS_DIR.glob("*.ipynb")), ids=lambda p: p.name)
def test_parameters_are_read_as_papermill_reads_them(path):
    assert notebook_parameters(path) == set(pm.inspect_notebook(str(path)))


@pytest.mark.slow
def test_one_worker_with_pre_started_kernels_gives_fresh_kernels_and_leaves_none(tmp_path, data_copy):
    psutil = pytest.importorskip("psutil")
    units = ["25882", "25858", "25861"]
    result = run_batch(data_copy, units=units, out_dir=tmp_path / "out", jobs=1, force=True)
    assert result.count("ok") == 3
    for notebook in (tmp_path / "out" / "2024" / "notebooks").glob("*.ipynb"):
        nb = json.loads(notebook.read_text(encoding="utf-8"))
        counts = [c["execution_count"] for c in nb["cells"] if c["cell_type"] == "code"]
        assert counts == list(range(1, len(counts) + 1)), notebook.name  # a kernel of its own, from 1
    manifest = json.loads((tmp_path / "out" / "2024" / "manifest.json").read_text(encoding="utf-8"))
    assert all(u["peak_rss_kb"] > 50_000 for u in manifest["units"].values())
    kernels = [p for p in psutil.Process().children(recursive=True) if "ipykernel" in " ".join(p.cmdline())]
    assert not kernels
