"""The worker: one line per failure, memory figures, and kernels that leave nothing behind."""

from __future__ import annotations

import os

import pytest
from stamps import strip_times

from dxnb.worker import Kernel, Worker, error_line, peak_kb
from dxnb.zygote import fork_supported

forked_only = pytest.mark.skipif(not fork_supported(), reason="kernels are forked on Linux only")


class _NotebookError(Exception):
    ename = "ValueError"
    evalue = "bad value\nsecond line"


def test_error_line_is_the_notebook_error_first_line():
    assert error_line(_NotebookError()) == "ValueError: bad value"
    assert error_line(RuntimeError("")) == "RuntimeError:"
    assert error_line(KeyError("x")) == "KeyError: 'x'"


def test_peak_memory_of_this_process_is_known():
    assert peak_kb() > 0
    assert peak_kb(2**22 + 12345) == 0  # no such process


def test_a_kernel_that_is_never_started_leaves_no_folder(tmp_path):
    kernel = Kernel(str(tmp_path), preload=False)
    assert os.path.dirname(kernel.ipc_dir) == str(tmp_path)
    assert kernel.km.connection_file.startswith(kernel.ipc_dir)
    assert kernel.close() == 0
    assert not list(tmp_path.iterdir())


@pytest.mark.slow
def test_a_pre_started_kernel_lives_in_the_scratch_folder_and_is_removed(tmp_path):
    psutil = pytest.importorskip("psutil")
    worker = Worker(str(tmp_path), prestart=True)
    (spare,) = worker.spare
    folder = spare.ipc_dir
    assert os.path.dirname(folder) == str(tmp_path)
    spare.client.wait_for_ready(timeout=120)  # as in a batch, where the spare waits for a whole report
    assert spare.km.is_alive()
    pid = spare.km.provisioner.pid
    assert os.path.isfile(os.path.join(folder, "kernel.json"))  # the connection file is not in ~/.local
    kernel = worker.next_kernel(prestart=False)
    assert kernel is spare and not worker.spare  # the spare serves the next report
    assert kernel.close() > 0  # its peak memory
    worker.close()
    assert not list(tmp_path.iterdir())
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


# ---------------------------------------------------------------------------- forked kernels


_LEAK_NOTEBOOK = [
    ("parameters", 'unit_code = ""\nperiod = ""\ndata_dir = ""\nlang = "vi"'),
    (
        "",
        "import os, sys, dxnb\n"
        "print('before', getattr(dxnb, '_leak', None), os.environ.get('DXNB_TEST_LEAK'), "
        "'_leak_module' in sys.modules, os.getpid())\n"
        "dxnb._leak = unit_code\n"
        "os.environ['DXNB_TEST_LEAK'] = unit_code\n"
        "sys.modules['_leak_module'] = dxnb",
    ),
]


def _leak_notebook(path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    for tag, source in _LEAK_NOTEBOOK:
        cell = nbformat.v4.new_code_cell(source)
        if tag:
            cell.metadata["tags"] = [tag]
        nb.cells.append(cell)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def _job(tmp_path, notebook, code, data_dir="data", period="2025"):
    from dxnb.jobs import Job

    out = tmp_path / "out"
    return Job(
        code=code, name=f"Unit {code}", kind="xa", period=period, lang="vi", data_dir=str(data_dir),
        notebook=str(notebook), html_path=str(out / f"{code}.html"), nb_path=str(out / "notebooks" / f"{code}.ipynb"),
        failed_path=str(out / "notebooks" / f"{code}.failed.ipynb"), key="k",
    )  # fmt: skip


def _printed(nb_path) -> str:
    import nbformat

    nb = nbformat.read(nb_path, as_version=4)
    return "".join(o.get("text", "") for o in nb.cells[-1].outputs)


def test_kernel_mode_follows_the_variable(monkeypatch, caplog):
    from dxnb.worker import kernel_mode

    monkeypatch.setenv("DXNB_KERNEL", "plain")
    assert kernel_mode() == "plain"
    monkeypatch.setenv("DXNB_KERNEL", "fork")
    assert kernel_mode() == ("fork" if fork_supported() else "plain")
    monkeypatch.setenv("DXNB_KERNEL", "spoon")
    assert kernel_mode() == ("fork" if fork_supported() else "plain")
    assert "neither fork nor plain" in caplog.text


@pytest.mark.slow
@forked_only
def test_forked_kernels_serve_one_report_each_and_share_no_state(tmp_path):
    pytest.importorskip("papermill")
    notebook = _leak_notebook(tmp_path / "leak.ipynb")
    worker = Worker(str(tmp_path), prestart=True, mode="fork")
    try:
        assert worker.zygote is not None
        first = worker.render(_job(tmp_path, notebook, "A"), prestart=True)
        second = worker.render(_job(tmp_path, notebook, "B"), prestart=False)
        assert first.status == second.status == "ok", (first.error, second.error)
        assert first.peak_rss_kb > 0 and second.peak_rss_kb > 0  # PSS of worker and kernel
        one = _printed(tmp_path / "out" / "notebooks" / "A.ipynb").split()
        two = _printed(tmp_path / "out" / "notebooks" / "B.ipynb").split()
        # neither kernel saw a value set by another report: not the module attribute, the
        # environment or sys.modules; and they were different processes, both children of the zygote
        assert one[:4] == two[:4] == ["before", "None", "None", "False"]
        assert one[4] != two[4] and int(one[4]) != worker.zygote.pid
        assert worker.zygote.children() == []  # each kernel ended with its report
    finally:
        worker.close()
    assert not worker.zygote.alive
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("k-")] == []


@pytest.mark.slow
@forked_only
def test_a_dead_zygote_gives_way_to_plain_kernels(tmp_path, caplog):
    pytest.importorskip("papermill")
    notebook = _leak_notebook(tmp_path / "leak.ipynb")
    worker = Worker(str(tmp_path), prestart=False, mode="fork")
    try:
        worker.zygote.process.kill()
        worker.zygote.process.wait(timeout=30)
        outcome = worker.render(_job(tmp_path, notebook, "A"))
        assert outcome.status == "ok", outcome.error
        assert "starts plainly" in caplog.text
    finally:
        worker.close()


@pytest.mark.slow
@forked_only
def test_forked_and_plain_kernels_write_the_same_report(tmp_path, sample):
    pytest.importorskip("papermill")
    from dxnb.paths import DATA_DIR, REPORT_NOTEBOOK

    code = str(sample.units["code"].iloc[0])
    period = sample.periods[-1]
    pages = {}
    for mode in ("fork", "plain"):
        folder = tmp_path / mode
        folder.mkdir()
        worker = Worker(str(folder), prestart=False, mode=mode)
        try:
            assert (worker.zygote is not None) == (mode == "fork")
            outcome = worker.render(_job(folder, REPORT_NOTEBOOK, code, DATA_DIR, period))
        finally:
            worker.close()
        assert outcome.status == "ok", outcome.error
        pages[mode] = strip_times((folder / "out" / f"{code}.html").read_text(encoding="utf-8"))
    assert len(pages["fork"]) > 10_000
    assert pages["fork"] == pages["plain"]


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["fork", "plain"])
def test_a_kernel_killed_mid_report_fails_the_report_instead_of_hanging(tmp_path, mode):
    import nbformat

    pytest.importorskip("papermill")
    notebook = _leak_notebook(tmp_path / "crash.ipynb")
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"))
    nbformat.write(nb, notebook)
    worker = Worker(str(tmp_path), prestart=False, mode=mode)
    try:
        outcome = worker.render(_job(tmp_path, notebook, "A"))
    finally:
        worker.close()
    assert outcome.status == "failed" and "DeadKernel" in outcome.error, outcome.error


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["fork", "plain"])
def test_a_worker_leaves_no_thread_behind_a_report(tmp_path, mode):
    """nbclient never stops the client of a kernel manager it was given: the worker must, or every report
    leaves a heartbeat thread (and a zmq context's two) pinging a dead kernel in the worker."""
    import threading

    pytest.importorskip("papermill")
    from jupyter_client.channels import HBChannel

    notebook = _leak_notebook(tmp_path / "leak.ipynb")
    worker = Worker(str(tmp_path), prestart=True, mode=mode)
    try:
        counts = []
        for code in ("A", "B", "C", "D"):
            outcome = worker.render(_job(tmp_path, notebook, code), prestart=True)
            assert outcome.status == "ok", outcome.error
            os_threads = len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else 0
            heartbeats = sum(isinstance(t, HBChannel) for t in threading.enumerate())
            counts.append((threading.active_count(), os_threads, heartbeats))
    finally:
        worker.close()
    # Only the spare kernel's client runs beside what earlier tests left; nothing accumulates (a thread of an
    # earlier test may end meanwhile, so fewer is fine). Without the fix, one heartbeat and 3 OS threads a report.
    assert all(last <= first for first, last in zip(counts[0], counts[-1], strict=True)), counts
