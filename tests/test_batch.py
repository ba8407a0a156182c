"""The batch driver: every unit, isolated failures, cache, atomic replacement, escaping, offline HTML, leftovers."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

import nbformat
import pytest

from dxnb.batch import run_batch
from dxnb.batch_folders import scratch_root
from dxnb.cli import main
from dxnb.errors import DataError, ParameterError, UnitNotFoundError
from dxnb.paths import REPORT_NOTEBOOK

slow = pytest.mark.slow  # runs kernels, or uses the rendered site


@pytest.fixture()
def data_copy(former_copy):
    """These tests render the latest period of the 11 former units: the sample as it was before the 2025 communes."""
    return former_copy


@pytest.fixture(autouse=True)
def _private_folders(tmp_path, monkeypatch):
    """Kernels' scratch folders and the dataset cache of these tests go to folders of their own.

    The scratch folder is short (not under ``tmp_path``): kernels' sockets live there, and a socket's
    path has at most 107 bytes.
    """
    scratch = tempfile.mkdtemp(prefix="dxt-")
    monkeypatch.setenv("DXNB_TMPDIR", scratch)
    monkeypatch.setenv("DXNB_CACHE_DIR", str(tmp_path / "cache"))
    yield
    shutil.rmtree(scratch, ignore_errors=True)


@slow
def test_every_unit_is_rendered_with_an_index(site, sample):
    out, result = site
    assert result.count("ok") == 11 and not result.failed
    period = out / "2024"
    pages = sorted(period.glob("*.html"))
    assert len(pages) == 14  # 11 reports, the overview, the index and the changes page
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


@slow
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


@slow
def test_rerun_with_unchanged_inputs_executes_nothing(site, tmp_path):
    out = _cached_copy(site, tmp_path)
    before = {p.name: p.stat().st_mtime_ns for p in (out / "2024").glob("*-*.html")}
    result = run_batch(out_dir=out, jobs=2, periods=["2024"])
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


@slow
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


@slow
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


@slow
def test_out_folder_copy_is_self_contained(site, tmp_path):
    out, _ = site
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    index = (copy / "2024" / "index.html").read_text(encoding="utf-8")
    hrefs = re.findall(r'href="([^"#]+)"', index)
    assert len([h for h in hrefs if h.endswith(".html")]) >= 12, hrefs  # the 11 reports and the overview at least
    for href in hrefs:
        assert (copy / "2024" / href).resolve().is_file(), href


def _rename(folder: Path, code: str, name: str) -> None:
    lines = (folder / "units.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith(f"{code},"):
            fields = line.split(",")
            fields[1] = name
            lines[i] = ",".join(fields)
    (folder / "units.csv").write_text("".join(lines), encoding="utf-8")


@slow
def test_pre_started_kernels_are_fresh_and_an_interrupted_batch_leaves_nothing(tmp_path, data_copy):
    psutil = pytest.importorskip("psutil")
    out = tmp_path / "out"
    # what a batch killed with SIGKILL or Ctrl-C leaves: hidden temporaries and a kernel folder
    (out / "2024" / "notebooks").mkdir(parents=True)
    leftovers = [
        out / "2024" / "notebooks" / ".25882-vinh-hoa.k2j4_x.tmp.ipynb",
        out / "2024" / ".index.html.a1b2c3.tmp",
        out / ".index.html.zz9.tmp",
    ]
    for path in leftovers:
        path.write_text("{", encoding="utf-8")
    keep = out / "2024" / "notebooks" / "mine.ipynb"
    keep.write_text("{}", encoding="utf-8")
    stale = scratch_root() / "b-killed" / "k-x"
    stale.mkdir(parents=True)
    (stale / "kernel.json").write_text("{}", encoding="utf-8")
    os.utime(stale.parent, (1e9, 1e9))  # a folder of a batch that died long ago

    def kernels() -> set[int]:
        return {p.pid for p in psutil.Process().children(recursive=True) if "ipykernel" in " ".join(p.cmdline())}

    before = kernels()  # this process's own, if any (the session's notebook runner keeps a zygote)
    units = ["25882", "25858", "25861"]
    result = run_batch(data_copy, units=units, out_dir=out, jobs=1, force=True)
    assert result.count("ok") == 3
    for notebook in (out / "2024" / "notebooks").glob("*-*.ipynb"):
        nb = json.loads(notebook.read_text(encoding="utf-8"))
        counts = [c["execution_count"] for c in nb["cells"] if c["cell_type"] == "code"]
        assert counts == list(range(1, len(counts) + 1)), notebook.name  # a kernel of its own, from 1
    manifest = json.loads((out / "2024" / "manifest.json").read_text(encoding="utf-8"))
    assert all(u["peak_rss_kb"] > 0 for u in manifest["units"].values())
    assert kernels() <= before, "the batch's zygotes and kernels are gone"
    assert not any(p.exists() for p in leftovers) and keep.is_file()
    assert not list(out.rglob("*.tmp*"))
    assert not list(scratch_root().iterdir()), "the batch's scratch folder and the stale one are gone"


@slow
def test_a_300_character_unit_name_is_rendered(tmp_path, data_copy, capsys):
    long_name = "Vĩnh Hòa " + " ".join(["Thượng"] * 45)
    assert len(long_name) > 300
    _rename(data_copy, "25882", long_name)
    out = tmp_path / "reports"
    assert main(["reports", "--data", str(data_copy), "--units", "25882", "--out", str(out), "--jobs", "1"]) == 0
    assert "File name too long" not in capsys.readouterr().err
    entry = json.loads((out / "2024" / "manifest.json").read_text(encoding="utf-8"))["units"]["25882"]
    assert entry["status"] == "ok" and len(entry["html"]) < 120
    page = (out / "2024" / entry["html"]).read_text(encoding="utf-8")
    assert long_name in page  # the name is cut in the file name only
    assert entry["html"] in (out / "2024" / "index.html").read_text(encoding="utf-8")


@slow
def test_a_unit_name_with_dollars_never_stops_the_index(tmp_path, data_copy, capsys):
    _rename(data_copy, "25858", "Phước $$Vĩnh$$")  # matplotlib reads $...$ as mathematics
    out = tmp_path / "reports"
    code = main(["reports", "--data", str(data_copy), "--units", "25858", "--out", str(out), "--jobs", "1"])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    manifest = json.loads((out / "2024" / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["units"]) == {"25858"}
    index = (out / "2024" / "index.html").read_text(encoding="utf-8")
    assert "25858" in index and "Phước $$Vĩnh$$" in index
    assert 'href="2024/index.html"' in (out / "index.html").read_text(encoding="utf-8")
    failed = [c for c, u in manifest["units"].items() if u["status"] == "failed"] + list(manifest.get("pages", {}))
    assert code == (1 if failed else 0)  # 1 until chart labels escape "$"; then 0
    for name in failed:
        assert f"FAILED 2024 {name}" in err
    if failed:
        assert manifest["units"]["25858"]["status"] == "ok" or "notebooks/25858-phuoc-vinh.failed.ipynb" in index


def _cached_copy(site, tmp_path) -> Path:
    out, _ = site
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    return copy


@slow
def test_a_failing_overview_or_index_is_recorded_and_a_plain_index_written(site, tmp_path, monkeypatch, capsys):
    from dxnb import site as site_module

    out = _cached_copy(site, tmp_path)

    def fail(*args, **kwargs):
        raise ValueError("cannot draw this chart")

    monkeypatch.setattr(site_module, "write_overview", fail)
    monkeypatch.setattr(site_module, "write_period_index", fail)
    assert main(["reports", "--out", str(out), "--jobs", "1", "--period", "2024", "--lang", "vi"]) == 1
    err = capsys.readouterr().err
    assert "THẤT BẠI 2024 overview: ValueError: cannot draw this chart" in err  # --lang vi: messages too
    assert "THẤT BẠI 2024 index: ValueError: cannot draw this chart" in err
    manifest = json.loads((out / "2024" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["pages"]["overview"] == {"status": "failed", "error": "ValueError: cannot draw this chart"}
    assert manifest["pages"]["index"]["status"] == "failed"
    assert len(manifest["units"]) == 11
    index = (out / "2024" / "index.html").read_text(encoding="utf-8")
    assert "cannot draw this chart" in index and 'href="25882-vinh-hoa.html"' in index
    assert not (out / "2024" / "overview.html").exists(), "no stale overview"
    result = run_batch(out_dir=out, jobs=1, periods=["2024"])
    assert result.count("cached") == 11 and [p.page for p in result.pages] == ["overview", "index"]


@slow
@pytest.mark.parametrize(
    "content", [b"[]", b"\xff\xfe not utf-8", b'{"units": {"25882": "ok"}}'], ids=["list", "bytes", "entry"]
)
@slow
def test_an_unusable_manifest_of_another_period_is_replaced(site, tmp_path, content, caplog):
    out = _cached_copy(site, tmp_path)
    other = out / "2023"
    other.mkdir()
    (other / "manifest.json").write_bytes(content)
    with caplog.at_level(logging.WARNING):
        result = run_batch(out_dir=out, jobs=1, periods=["2024"])
    assert result.count("cached") == 11 and result.ok
    assert "2023/manifest.json is unusable" in caplog.text
    repaired = json.loads((other / "manifest.json").read_text(encoding="utf-8"))
    assert repaired["units"] == {} and repaired["replaced_unusable_manifest"]
    assert 'href="2023/index.html"' in (out / "index.html").read_text(encoding="utf-8")


@slow
def test_an_unusable_manifest_of_the_period_is_rewritten(site, tmp_path):
    out = _cached_copy(site, tmp_path)
    (out / "2024" / "manifest.json").write_bytes(b'{"units": {"25882": "ok"}}')
    result = run_batch(out_dir=out, units=["25861"], jobs=1, periods=["2024"])  # one report to render again
    assert result.count("ok") == 1 and result.ok
    manifest = json.loads((out / "2024" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["units"]["25861"]["status"] == "ok"
    assert os.path.basename(manifest["units"]["25861"]["html"]) == "25861-an-linh.html"


@slow
def test_a_new_year_arriving_unit_by_unit_does_not_hijack_a_plain_run(tmp_path, former_copy, caplog):
    with open(former_copy / "observations.csv", "a", encoding="utf-8") as handle:
        handle.write("25882,2025,plans_issued,12,Phiếu 25882,,\n")  # one commune's 2025 form came in
    out = tmp_path / "reports"
    with caplog.at_level(logging.INFO):
        code = main(["reports", "--data", str(former_copy), "--units", "vinh hoa", "phuoc vinh", "An Linh",
                     "--out", str(out), "--jobs", "1", "--lang", "vi"])  # fmt: skip
    assert code == 0
    err = caplog.text
    assert "period 2024: the latest period reported by most units (3 of 3); 2025 has 1 of 3" in err
    assert "use --period 2025 (or --period all)" in err
    assert (out / "2024").is_dir() and not (out / "2025").exists()
    root = (out / "index.html").read_text(encoding="utf-8")
    assert ">11/11<" in root and ">1/11<" in root and "chưa lập: dxnb reports --period 2025" in root
    assert main(["reports", "--data", str(former_copy), "--units", "25882", "--period", "2025", "--out", str(out),
                 "--jobs", "1", "--lang", "vi"]) == 0  # fmt: skip
    report = next((out / "2025").glob("25882-*.html")).read_text(encoding="utf-8")
    assert "chưa xếp hạng vì mới có 1/11 đơn vị của huyện Phú Giáo có số liệu năm 2025" in report
    assert "xếp thứ <b>1/1</b>" not in report


def _driver_until_rendering(out: Path, data: Path, psutil):
    """A ``dxnb reports`` subprocess on 5 units, returned once its first report is written; and its processes."""
    import subprocess
    import sys
    import time

    command = [sys.executable, "-m", "dxnb", "reports", "--data", str(data), "--out", str(out), "--jobs", "2",
               "--period", "2024", "--force"]  # fmt: skip
    driver = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    # a report, not the overview (written beside the workers, possibly before the first of them has started)
    while not list((out / "2024").glob("[0-9]*.html")) and driver.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert driver.poll() is None, driver.communicate()
    return driver, psutil.Process(driver.pid).children(recursive=True)


def _all_gone(processes, psutil, timeout: float = 60) -> list:
    _, alive = psutil.wait_procs(processes, timeout=timeout)
    return [" ".join(p.cmdline())[:120] for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


@slow
@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_a_killed_batch_takes_its_workers_zygotes_and_kernels_with_it(tmp_path, data_copy, how):
    """``kill`` ends a batch as Ctrl-C does (manifest kept, exit 130); even SIGKILL leaves no process rendering."""
    import signal

    psutil = pytest.importorskip("psutil")
    out = tmp_path / "out"
    driver, processes = _driver_until_rendering(out, data_copy, psutil)
    assert len(processes) >= 2  # two pool workers at least (and their zygotes, kernels)
    driver.send_signal(getattr(signal, how))
    driver.wait(timeout=120)  # not communicate(): a worker left behind would hold the pipes open
    assert _all_gone(processes, psutil) == []
    err = driver.stderr.read()
    if how == "SIGTERM":
        assert driver.returncode == 130 and "Traceback" not in err, err
        manifest = json.loads((out / "2024" / "manifest.json").read_text(encoding="utf-8"))
        for entry in manifest["units"].values():  # what the driver heard of before the end is recorded
            assert entry["status"] != "ok" or (out / "2024" / entry["html"]).is_file()


_TERM_WHILE_A_WORKER_STARTS = """
import os, signal, sys
from multiprocessing import forkserver
from dxnb.cli import main

connect = forkserver.connect_to_new_process

def connect_then_term(fds):
    pair = connect(fds)  # the fork server has forked the worker, which now waits for its start data
    os.kill(os.getpid(), signal.SIGTERM)
    return pair

forkserver.connect_to_new_process = connect_then_term
sys.exit(main(sys.argv[1:]))
"""


@slow
def test_a_batch_killed_while_a_worker_starts_ends_without_a_traceback(tmp_path, data_copy):
    """SIGTERM between the fork server's fork and the start data: the start completes, then the batch ends (130).

    Without the signals held back, the half-started worker printed the fork server's ``EOFError`` traceback.
    """
    import subprocess
    import sys

    out = tmp_path / "out"
    command = [sys.executable, "-c", _TERM_WHILE_A_WORKER_STARTS, "reports", "--data", str(data_copy),
               "--out", str(out), "--units", "25858", "--period", "2024", "--force"]  # fmt: skip
    env = {**os.environ, "DXNB_POOL_START": "forkserver"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr and "EOFError" not in done.stderr, done.stderr
    assert "interrupted while the workers started" in done.stderr
    reports = list((out / "2024").glob("[0-9]*.html"))  # a report in flight finishes
    assert len(reports) <= 1 and all(r.read_text(encoding="utf-8").rstrip().endswith("</html>") for r in reports)


@slow
def test_the_index_evaluation_is_built_beside_the_workers(tmp_path, data_copy, caplog):
    """The index's evaluation is computed while the reports render, on the units alive in the period."""
    caplog.set_level(logging.DEBUG, logger="dxnb.batch")
    result = run_batch(data_copy, periods=["2024"], units=["25858"], out_dir=tmp_path / "out", jobs=1, force=True)
    assert result.count("ok") == 1
    assert "beside the workers failed" not in caplog.text
    assert "Phước Vĩnh" in (tmp_path / "out" / "2024" / "index.html").read_text(encoding="utf-8")


def test_reports_refuse_a_unit_that_does_not_exist_in_the_period(site, tmp_path, capsys, caplog):
    # without --period, the old Phước Hòa's own latest period is picked (2024); in 2025 it no longer exists
    out = tmp_path / "r"
    shutil.copytree(site[0], out)  # the session's rendered 2024: the report is up to date, nothing to execute
    with caplog.at_level("INFO", logger="dxnb"):
        assert main(["reports", "--units", "25885", "--out", str(out), "--lang", "vi"]) == 0
    assert "[1/1] 2024 25885 Phước Hòa" in caplog.text and not (out / "2025").exists()
    assert (out / "2024" / "25885-phuoc-hoa.html").is_file()
    capsys.readouterr()
    assert main(["reports", "--units", "25885", "--period", "2025", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "No unit of the code 25885 exists in 2025 (Phước Hòa (25885) … – 2025-06-30)" in err
    assert "--period" in err and not (out / "2025").exists()
