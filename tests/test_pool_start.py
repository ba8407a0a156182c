"""The local pool's workers: forked from a warm fork server (Linux), spawned elsewhere, with the same results."""

from __future__ import annotations

import concurrent.futures as cf
import logging
import multiprocessing
import os
import sys
from multiprocessing import forkserver

import pytest
from stamps import strip_times

from dxnb import pool_start
from dxnb.pool_start import START_VARIABLE, pool_context, start_method
from dxnb.worker import init_worker
from dxnb.zygote import fork_supported

forked_only = pytest.mark.skipif(
    not fork_supported() or not pool_start.pidfds_supported(), reason="fork servers are used on Linux only"
)


def test_start_method_default_and_spawn_on_request(monkeypatch, caplog):
    monkeypatch.delenv(START_VARIABLE, raising=False)
    assert start_method() == ("forkserver" if fork_supported() and pool_start.pidfds_supported() else "spawn")
    monkeypatch.setenv(START_VARIABLE, " Spawn ")
    assert start_method() == "spawn"
    assert pool_context().get_start_method() == "spawn"
    monkeypatch.setenv(START_VARIABLE, "threads")
    with caplog.at_level(logging.WARNING, logger="dxnb.pool_start"):
        assert start_method() == ("forkserver" if fork_supported() and pool_start.pidfds_supported() else "spawn")
    assert "neither forkserver nor spawn" in caplog.text


def test_no_fork_server_where_fork_is_unsupported(monkeypatch):
    monkeypatch.delenv(START_VARIABLE, raising=False)
    monkeypatch.setattr(pool_start, "fork_supported", lambda: False)
    assert start_method() == "spawn"
    assert pool_context().get_start_method() == "spawn"


def test_no_fork_server_where_the_system_gives_no_process_descriptors(monkeypatch):
    """A forked worker watches its driver through a pidfd: without them (old kernel, sandbox) workers spawn."""

    def refused(pid):
        raise OSError(38, "Function not implemented")

    monkeypatch.delenv(START_VARIABLE, raising=False)
    monkeypatch.setattr(os, "pidfd_open", refused, raising=False)
    assert not pool_start.pidfds_supported()
    assert start_method() == "spawn"


def _probe() -> dict:
    """Run in a pool worker: what it had imported, its environment, and how its zygote was started."""
    from dxnb.worker import _Process

    worker = _Process.worker
    return {
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "imported": sorted(
            name for name in ("dxnb.report", "pandas", "matplotlib", "papermill") if name in sys.modules
        ),
        "probe": os.environ.get("DXNB_POOL_PROBE"),
        "openblas": os.environ.get("OPENBLAS_NUM_THREADS"),
        "zygote": type(worker.zygote.process).__name__ if worker.zygote else None,
        "zygote_parent": _parent(worker.zygote.info["pid"]) if worker.zygote else None,
    }


def _variable(name: str) -> str | None:
    return os.environ.get(name)


def _parent(pid: int) -> int:
    with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
        return int(handle.read().rsplit(")", 1)[1].split()[1])


@forked_only
def test_workers_forked_warm_take_the_driver_environment_and_fork_their_zygote(tmp_path, monkeypatch):
    monkeypatch.delenv(START_VARIABLE, raising=False)
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    context = pool_context()
    assert context.get_start_method() == "forkserver"
    env = dict(os.environ, DXNB_POOL_PROBE="driver's value")  # not the server's environment
    initargs = (str(tmp_path), None, "fork", os.getpid(), env)
    with cf.ProcessPoolExecutor(1, mp_context=context, initializer=init_worker, initargs=initargs) as pool:
        info = pool.submit(_probe).result(timeout=300)
    # imported by the server, not by the worker: init_worker does not import pandas or dxnb.report
    assert info["imported"] == ["dxnb.report", "matplotlib", "pandas", "papermill"]
    assert info["ppid"] == forkserver._forkserver._forkserver_pid != os.getpid()
    assert info["probe"] == "driver's value"
    assert info["openblas"] is None  # the server's one-thread setting is not handed on
    assert info["zygote"] == "_ForkedZygote"
    assert info["zygote_parent"] == info["pid"]


@forked_only
def test_the_server_is_started_again_when_the_environment_changes(monkeypatch):
    monkeypatch.delenv(START_VARIABLE, raising=False)
    pool_context()
    first = forkserver._forkserver._forkserver_pid
    pool_context()
    assert forkserver._forkserver._forkserver_pid == first  # unchanged: the same warm server
    monkeypatch.setenv("DXNB_CACHE_DIR", "/elsewhere")  # read by dxnb when used, in the worker: no restart
    pool_context()
    assert forkserver._forkserver._forkserver_pid == first
    monkeypatch.setenv("PYTEST_CURRENT_TEST", "the next test (call)")  # volatile: no restart
    pool_context()
    assert forkserver._forkserver._forkserver_pid == first
    monkeypatch.setenv("POOL_PROBE", "changed")  # any other variable might be read when a module is imported
    pool_context()
    second = forkserver._forkserver._forkserver_pid
    assert second not in (None, first)
    with pytest.raises(ProcessLookupError):  # the old server ended (and was reaped)
        os.kill(first, 0)


@forked_only
def test_the_pool_waits_for_a_warm_server_which_says_so_in_a_file_only_it_sees(monkeypatch, tmp_path):
    """Workers are asked for only once the server is warm (an interrupt meanwhile leaves no late worker)."""
    monkeypatch.delenv(START_VARIABLE, raising=False)
    pool_start.stop()
    pool_context()
    warming = pool_start._Server.warming_file
    assert warming and os.path.exists(warming)  # a new server is still importing
    assert pool_start.WARMING_VARIABLE not in os.environ  # set for the server's start only
    pool_start.wait_until_ready()
    assert not os.path.exists(warming)  # removed by the server once warm (no disk space needed)
    initargs = (str(tmp_path), None, "plain", os.getpid(), dict(os.environ))
    with cf.ProcessPoolExecutor(1, mp_context=pool_context(), initializer=init_worker, initargs=initargs) as pool:
        assert pool.submit(_variable, pool_start.WARMING_VARIABLE).result(timeout=120) is None


@forked_only
def test_stop_ends_and_reaps_the_server_and_counts_its_cpu_time(monkeypatch):
    """What dxnb does when the driver exits: its workers' CPU time then counts among the driver's children."""
    import resource

    monkeypatch.delenv(START_VARIABLE, raising=False)
    pool_context()
    pid = forkserver._forkserver._forkserver_pid
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    pool_start.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert forkserver._forkserver._forkserver_pid is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert after.ru_utime + after.ru_stime > before.ru_utime + before.ru_stime  # it imported PRELOAD
    pool_start.stop()  # twice is harmless
    assert pool_context().get_start_method() == "forkserver"  # and the next batch starts a new one
    assert forkserver._forkserver._forkserver_pid not in (None, pid)


@forked_only
@pytest.mark.slow
def test_spawned_and_forked_workers_write_the_same_report(tmp_path, monkeypatch, site):
    from dxnb.batch import run_batch

    out, _ = site  # rendered by workers forked from the fork server (the default here)
    monkeypatch.setenv(START_VARIABLE, "spawn")
    code = "25882"
    result = run_batch(out_dir=tmp_path, periods=["2024"], units=[code], jobs=1)
    assert result.ok, result.failed
    (spawned,) = (tmp_path / "2024").glob(f"{code}-*.html")
    forked = out / "2024" / spawned.name
    assert len(spawned.read_text(encoding="utf-8")) > 10_000
    assert strip_times(spawned.read_text(encoding="utf-8")) == strip_times(forked.read_text(encoding="utf-8"))


@forked_only
def test_a_worker_whose_driver_has_ended_ends_at_once(tmp_path):
    """init_worker given a driver that no longer runs (a forked worker's driver is not its parent)."""
    context = multiprocessing.get_context("spawn")
    gone = context.Process(target=os.getpid)
    gone.start()
    gone.join()
    worker = context.Process(target=init_worker, args=(str(tmp_path), None, "plain", gone.pid))
    worker.start()
    worker.join(timeout=120)
    assert worker.exitcode == 1


def _read_on_import(tree) -> set[str]:
    """The variables a module's top-level statements read with os.environ[...], .get(...) or os.getenv(...)."""
    import ast

    names = set()
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for node in ast.walk(statement):
            target = None
            if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
                target = node.slice
            elif isinstance(node, ast.Call) and ast.unparse(node.func) in ("os.environ.get", "os.getenv"):
                target = node.args[0] if node.args else None
            if isinstance(target, ast.Constant) and isinstance(target.value, str):
                names.add(target.value)
    return names


def test_dxnb_reads_no_other_variable_of_its_own_when_imported():
    """The fork server is kept across changes of DXNB_* variables: only READ_ON_IMPORT may be read at import."""
    import ast
    from pathlib import Path

    package = Path(pool_start.__file__).parent
    read = set()
    for path in sorted(package.glob("*.py")):
        read |= _read_on_import(ast.parse(path.read_text(encoding="utf-8")))
    assert {name for name in read if name.startswith("DXNB_")} == set(pool_start.READ_ON_IMPORT)


@forked_only
@pytest.mark.parametrize("pidfds", [True, False])
def test_a_worker_whose_driver_is_not_its_parent_ends_with_it(tmp_path, pidfds):
    """As a worker forked from the fork server: it watches the driver (a pidfd, or polling without them)."""
    import subprocess

    driver = subprocess.Popen(["sleep", "120"])  # stands for the driver: not the worker's parent
    refuse = "" if pidfds else "import os\ndef _no(pid): raise OSError(38, 'no pidfds')\nos.pidfd_open = _no\n"
    code = refuse + (
        "import sys, time\nfrom dxnb.worker import init_worker\n"
        f"init_worker({str(tmp_path)!r}, None, 'plain', {driver.pid})\nprint('ready', flush=True)\ntime.sleep(120)\n"
    )
    env = dict(os.environ, DXNB_PRESTART="0")  # no spare kernel to outlive the killed worker
    worker = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert worker.stdout.readline().strip() == "ready"
        assert worker.poll() is None
        driver.kill()
        driver.wait()
        assert worker.wait(timeout=60) == -9  # killed itself once the driver had gone
    finally:
        for process in (driver, worker):
            if process.poll() is None:
                process.kill()
