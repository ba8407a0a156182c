"""Batch rendering: every unit, isolated failures, cache, atomic replacement, escaping, offline HTML."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from dxnb.batch import cache_key, run_batch
from dxnb.cli import main
from dxnb.errors import DataError, ParameterError, UnitNotFoundError
from dxnb.paths import REPORT_NOTEBOOK

pytestmark = pytest.mark.slow


def test_every_unit_is_rendered_with_an_index(site, sample):
    out, result = site
    assert result.count("ok") == 11 and not result.failed
    period = out / "2024"
    pages = sorted(period.glob("*.html"))
    assert len(pages) == 13  # 11 reports, the overview and the index
    assert (period / "25882-vinh-hoa.html").is_file()
    assert (period / "overview.html").is_file()
    assert len(list((period / "notebooks").glob("*.ipynb"))) == 11
    manifest = json.loads((period / "manifest.json").read_text(encoding="utf-8"))
    assert {u["status"] for u in manifest["units"].values()} == {"ok"}
    assert manifest["dataset"]["files"]["observations.csv"] == sample.hashes["observations.csv"]
    assert all(u["duration_s"] > 0 for u in manifest["units"].values())
    index = (period / "index.html").read_text(encoding="utf-8")
    for code in sample.units.index:
        assert f'data-v="{code}"' in index
    root = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="2024/index.html"' in root


def test_report_html_is_offline_small_and_titled(site):
    out, _ = site
    for page in (out / "2024").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", text), page.name
        assert "url(http" not in text and "<link" not in text
        assert re.search(r'<meta charset="utf-8"\s*/?>', text), page.name
        assert page.stat().st_size < 300_000, page.name
        assert "require.js" not in text and "mathjax" not in text.lower()
    report = (out / "2024" / "25882-vinh-hoa.html").read_text(encoding="utf-8")
    assert "<title>Xã Vĩnh Hòa — năm 2024</title>" in report
    assert "92,4%" in report and "1.083" in report
    assert "injected-parameters" not in report and "unit_code = " not in report
    assert "@media print" in report and "size: A4" in report


def test_rerun_with_unchanged_inputs_executes_nothing(site):
    out, _ = site
    before = {p.name: p.stat().st_mtime_ns for p in (out / "2024").glob("*-*.html")}
    result = run_batch(out_dir=out, jobs=2)
    assert result.count("cached") == 11 and result.count("ok") == 0
    after = {p.name: p.stat().st_mtime_ns for p in (out / "2024").glob("*-*.html")}
    assert before == after


def _failing_notebook(tmp_path: Path, code: str) -> Path:
    nb = nbformat.read(REPORT_NOTEBOOK, as_version=4)
    cell = nbformat.v4.new_code_cell(f'assert unit_code != "{code}", "forced failure for the test"')
    nb.cells.insert(2, cell)
    path = tmp_path / "failing_report.ipynb"
    nbformat.write(nb, path)
    return path


def test_failure_is_isolated_and_keeps_the_good_report(tmp_path, data_copy):
    out = tmp_path / "reports"
    units = ["25882", "25858"]
    first = run_batch(data_copy, units=units, out_dir=out, jobs=2)
    assert first.count("ok") == 2
    good = (out / "2024" / "25858-phuoc-vinh.html").read_bytes()
    failing = _failing_notebook(tmp_path, "25858")
    second = run_batch(data_copy, units=units, out_dir=out, jobs=2, notebook=failing)
    assert [o.code for o in second.failed] == ["25858"]
    assert "forced failure for the test" in second.failed[0].error
    assert second.count("ok") == 1  # the other unit still rendered (new notebook, so a cache miss)
    assert (out / "2024" / "25858-phuoc-vinh.html").read_bytes() == good, "a good report is never overwritten"
    failed_nb = out / "2024" / "notebooks" / "25858-phuoc-vinh.failed.ipynb"
    assert "forced failure for the test" in failed_nb.read_text(encoding="utf-8")
    manifest = json.loads((out / "2024" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["units"]["25858"]["status"] == "failed"
    index = (out / "2024" / "index.html").read_text(encoding="utf-8")
    assert "forced failure for the test" in index
    assert 'href="notebooks/25858-phuoc-vinh.failed.ipynb"' in index
    assert not list(out.rglob("*.tmp*")), "no half-written file is left behind"
    assert (
        main(["reports", "--data", str(data_copy), "--units", "25858", "--out", str(out), "--notebook", str(failing)])
        == 1
    )


def test_changed_data_is_a_cache_miss_and_text_is_escaped(tmp_path, data_copy):
    out = tmp_path / "reports"
    first = run_batch(data_copy, units=["Vĩnh Hoà"], out_dir=out, jobs=1)
    assert first.count("ok") == 1
    with open(data_copy / "notes.csv", "a", encoding="utf-8") as handle:
        handle.write("25882,2024,challenge,\"<script>alert('x')</script>\",test\n")
    second = run_batch(data_copy, units=["25882"], out_dir=out, jobs=1)
    assert second.count("ok") == 1, "a changed dataset must re-render"
    page = (out / "2024" / "25882-vinh-hoa.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in page
    forced = run_batch(data_copy, units=["25882"], out_dir=out, jobs=1, force=True)
    assert forced.count("ok") == 1


def test_bad_dataset_is_refused_before_any_kernel(tmp_path, data_copy, capsys):
    with open(data_copy / "observations.csv", "a", encoding="utf-8") as handle:
        handle.write('25882,2024,payment_account_rate,"92,4",x,\n')
    out = tmp_path / "reports"
    with pytest.raises(DataError):
        run_batch(data_copy, out_dir=out)
    assert not out.exists()
    assert main(["reports", "--data", str(data_copy), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "observations.csv:" in err and "write 92.4" in err and "Traceback" not in err


def test_unknown_unit_and_period(tmp_path):
    with pytest.raises(UnitNotFoundError, match="No unit is named 'Nowhere'"):
        run_batch(units=["Nowhere"], out_dir=tmp_path)
    with pytest.raises(ParameterError, match="No data for period"):
        run_batch(periods=["2019"], out_dir=tmp_path)


def test_cache_key_covers_every_input():
    base = cache_key(b"nb", {"unit_code": "25882"}, "data", "tpl")
    assert base != cache_key(b"nb2", {"unit_code": "25882"}, "data", "tpl")
    assert base != cache_key(b"nb", {"unit_code": "25858"}, "data", "tpl")
    assert base != cache_key(b"nb", {"unit_code": "25882"}, "data2", "tpl")
    assert base != cache_key(b"nb", {"unit_code": "25882"}, "data", "tpl2")


def test_out_folder_copy_is_self_contained(site, tmp_path):
    out, _ = site
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    index = (copy / "2024" / "index.html").read_text(encoding="utf-8")
    for href in re.findall(r'href="([^"#]+)"', index):
        assert (copy / "2024" / href).resolve().is_file(), href
