"""The benchmark runs end to end on a tiny dataset and writes its figures (timings are never asserted)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from dxnb.paths import PROJECT_ROOT

pytestmark = pytest.mark.slow


def test_quick_benchmark_prints_the_table_and_writes_json(tmp_path):
    out = tmp_path / "bench.json"
    run = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "benchmarks" / "bench_reports.py"), "--quick", "--json", str(out),
         "--work", str(tmp_path / "work")],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    assert "| naive loop" in run.stdout and "| warm_rerun_s" in run.stdout
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["parameters"]["quick"] is True
    assert {"nproc", "cpu", "python"} <= set(result["machine"])
    figures = result["figures"]
    assert figures["naive"]["reports"] == result["parameters"]["naive"]
    for key in ("dxnb_same_units", "dxnb_district", "dxnb_many_cold"):
        assert re.match(rf"{figures[key]['reports']} reports?\b", figures[key]["summary"]), figures[key]["summary"]
        assert figures[key]["max_html_kb"] > 0 and "median_report_s" in figures[key]
        assert figures[key]["min_worker_rss_mb"] is not None  # measured for every rendered report
    assert figures["dxnb_many_warm"]["force"] is False
    assert figures["dxnb_same_units"]["kernel"] == "fork"
    assert figures["dxnb_same_units_plain_runs"][0]["kernel"] == "plain"
    assert figures["dxnb_same_units"]["cpu_per_report_s"] > 0  # the workers' and kernels' CPU is counted
    if result["parameters"]["dask_workers"]:  # distributed installed: the Dask phase ran on a local cluster
        assert figures["dask_many"]["dask"] is True and re.match(
            rf"{result['parameters']['warm']} reports?\b", figures["dask_many"]["summary"]
        )
    assert set(result["targets"]) >= {
        "speedup",
        "warm_rerun_s",
        "scale_ratio",
        "html_kb",
        "worker_rss_mb",
        "speedup_province_batch",
        "dask_over_local",
    }
    assert not (PROJECT_ROOT / "benchmarks" / "results" / "bench.json").exists()
