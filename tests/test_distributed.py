"""Reports rendered on a real Dask cluster (a scheduler and two workers on 127.0.0.1) match the local pool's."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("distributed")

from stamps import strip_times

from dxnb.batch import run_batch
from dxnb.dataset import FILES
from dxnb.paths import DATA_DIR, PROJECT_ROOT, REPORT_NOTEBOOK

pytestmark = pytest.mark.slow

UNITS = ["25858", "25861", "25882"]
PERIODS = ["2024"]  # the former units (the sample's default period is 2025: the new communes)
START_TIMEOUT_S = 120


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dask() -> tuple[list[str], list[str]]:
    """The ``dask scheduler`` and ``dask worker`` commands of this interpreter's environment."""
    dask = Path(sys.executable).parent / "dask"
    if not dask.exists():
        pytest.skip("the dask command is not installed next to this Python")
    return [str(dask), "scheduler"], [str(dask), "worker"]


def _stop(processes: list[subprocess.Popen]) -> None:
    """End the workers, then the scheduler: a worker told to end says goodbye to a scheduler still there."""
    for group in (processes[1:], processes[:1]):
        for process in group:
            if process.poll() is None:
                process.terminate()
        for process in group:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """``dask scheduler`` and two ``dask worker --nthreads 1`` on free ports, with this dxnb; stopped afterwards."""
    from distributed import Client

    logs = tmp_path_factory.mktemp("dask")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH", "")) if p)
    env["DXNB_CACHE_DIR"] = str(logs / "worker-cache")  # not the driver's: each worker validates what it receives
    # the workers see no shared folder: their temporary directory is their own
    env["TMPDIR"] = str(logs / "worker-tmp")
    (logs / "worker-tmp").mkdir()
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler_cmd, worker_cmd = _dask()
    processes = []
    try:
        processes.append(
            subprocess.Popen(
                [*scheduler_cmd, "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                env=env, stdout=open(logs / "scheduler.log", "wb"), stderr=subprocess.STDOUT,
            )
        )  # fmt: skip
        for n in range(2):
            processes.append(
                subprocess.Popen(
                    [*worker_cmd, address, "--nthreads", "1", "--no-dashboard", "--memory-limit", "0",
                     "--host", "127.0.0.1", "--death-timeout", "60"],
                    env=env, stdout=open(logs / f"worker-{n}.log", "wb"), stderr=subprocess.STDOUT,
                )
            )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT_S
        client = None
        while client is None:
            try:
                client = Client(address, timeout=5, set_as_default=False)
            except (OSError, TimeoutError):
                if time.monotonic() > deadline or processes[0].poll() is not None:
                    raise RuntimeError((logs / "scheduler.log").read_text(errors="replace")[-2000:]) from None
                time.sleep(0.5)
        try:
            client.wait_for_workers(2, timeout=max(5.0, deadline - time.monotonic()))
        finally:
            client.close()
        yield address
    finally:
        _stop(processes)


def _pages(out: Path) -> dict[str, str]:
    (period,) = [p for p in out.iterdir() if p.is_dir()]
    manifest = json.loads((period / "manifest.json").read_text(encoding="utf-8"))
    return {
        code: strip_times((period / entry["html"]).read_text(encoding="utf-8"))
        for code, entry in manifest["units"].items()
        if entry["status"] == "ok"
    }


def test_three_reports_through_the_scheduler_match_the_local_pool(cluster, tmp_path, monkeypatch):
    monkeypatch.setenv("DXNB_CACHE_DIR", str(tmp_path / "cache"))
    data = tmp_path / "data"  # a dataset the workers cannot see: it is shipped to them
    data.mkdir()
    for name in FILES:
        shutil.copy(DATA_DIR / name, data / name)
    shutil.copy(DATA_DIR / "frameworks.csv", data / "frameworks.csv")  # the frameworks in force
    shutil.copytree(DATA_DIR / "frameworks", data / "frameworks")
    remote = run_batch(data, units=UNITS, periods=PERIODS, out_dir=tmp_path / "remote", scheduler=cluster)
    assert remote.ok, [(o.code, o.error) for o in remote.failed]
    assert remote.count("ok") == 3
    local = run_batch(data, units=UNITS, periods=PERIODS, out_dir=tmp_path / "local", jobs=2)
    assert local.ok
    there, here = _pages(tmp_path / "remote"), _pages(tmp_path / "local")
    assert sorted(there) == sorted(UNITS)
    for code in UNITS:
        if there[code] != here[code]:  # show where they differ
            import difflib

            diff = difflib.unified_diff(here[code].split("<tr>"), there[code].split("<tr>"), lineterm="", n=0)
            raise AssertionError(code + "\n" + "\n".join(list(diff)[:12]))
        assert "dxnb-data-" not in there[code]  # the driver's dataset, not the worker's copy
    (period,) = [p for p in (tmp_path / "remote").iterdir() if p.is_dir()]
    notebooks = sorted((period / "notebooks").glob("*.ipynb"))
    assert len(notebooks) == 3 and all(nbformat.read(n, as_version=4).cells for n in notebooks)
    assert not [p for p in period.rglob("*") if p.name.startswith(".") and p.name.endswith(".tmp")]
    # a rerun with unchanged inputs renders nothing, on the cluster as locally
    again = run_batch(data, units=UNITS, periods=PERIODS, out_dir=tmp_path / "remote", scheduler=cluster)
    assert again.count("cached") == 3
    from distributed import Client

    # every batch disconnects, this one with nothing to render too (its client kept reconnecting for 30 s)
    assert [c for c in Client._instances if c.status not in ("closed", "closing")] == []


def test_a_kernel_that_crashes_is_a_failed_report_not_a_retry(cluster, tmp_path, monkeypatch):
    monkeypatch.setenv("DXNB_CACHE_DIR", str(tmp_path / "cache"))
    nb = nbformat.read(REPORT_NOTEBOOK, as_version=4)
    crash = nbformat.v4.new_code_cell(
        "import os, signal\nif unit_code == '25861':\n    os.kill(os.getpid(), signal.SIGKILL)"
    )
    nb.cells.insert(2, crash)
    notebook = tmp_path / "crash.ipynb"
    nbformat.write(nb, notebook)
    started = time.monotonic()
    result = run_batch(units=UNITS[:2], periods=PERIODS, out_dir=tmp_path / "out", notebook=notebook, scheduler=cluster)
    assert time.monotonic() - started < 600
    status = {o.code: o.status for o in result.outcomes}
    assert status == {"25858": "ok", "25861": "failed"}
    (failed,) = result.failed
    assert "Dead" in failed.error or "died" in failed.error, failed.error


def test_workers_running_another_dxnb_are_refused(cluster, tmp_path, monkeypatch):
    from dxnb import distributed

    monkeypatch.setattr(distributed, "local_fingerprint", lambda: "0" * 64)
    with pytest.raises(distributed.DistributedError) as caught:
        run_batch(units=UNITS[:1], periods=PERIODS, out_dir=tmp_path / "out", scheduler=cluster)
    message = str(caught.value)
    assert "2 of 2 Dask worker(s) run another dxnb or template version" in message
    assert "install the same dxnb on every worker" in message
    assert not (tmp_path / "out" / "2024").exists()  # refused before any report


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path, monkeypatch, capsys):
    from dxnb import distributed
    from dxnb.cli import main

    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT_S", 2.0)
    address = f"tcp://127.0.0.1:{_free_port()}"
    code = main(["reports", "--units", UNITS[0], "--out", str(tmp_path / "out"), "--scheduler", address])
    assert code == 2
    err = capsys.readouterr().err
    assert f"cannot reach the Dask scheduler at {address}" in err and "Traceback" not in err


def test_a_worker_unpacks_and_hashes_a_shipped_dataset_once(sample, tmp_path, monkeypatch):
    """Each task of a batch gets the dataset; the first one unpacks, validates and hashes it for the kernels."""
    from dxnb import datacache
    from dxnb import distributed as dist

    monkeypatch.setattr(dist, "_data_root", lambda: tmp_path / "shipped")
    monkeypatch.setattr(dist._Holder, "datasets", {})
    calls = {"unpack": 0, "token": 0}
    unpack, token = dist.unpack_dataset, datacache.trust_token

    def counted_unpack(*args, **kwargs):
        calls["unpack"] += 1
        return unpack(*args, **kwargs)

    def counted_token(*args, **kwargs):
        calls["token"] += 1
        return token(*args, **kwargs)

    monkeypatch.setattr(dist, "unpack_dataset", counted_unpack)
    monkeypatch.setattr(datacache, "trust_token", counted_token)
    data = {"fingerprint": sample.fingerprint, "hashes": sample.hashes, "payload": dist.dataset_payload(sample)}
    first = dist.local_copy(data)
    assert first[1] is not None and json.loads(first[1])["path"] == str(first[0].resolve())
    assert dist.local_copy(data) == first and dist.local_copy(data) == first
    assert calls == {"unpack": 1, "token": 1}
    shutil.rmtree(first[0])  # pruned meanwhile (another dataset arrived on this machine): unpacked again
    again = dist.local_copy(data)
    assert again[0] == first[0] and first[0].is_dir() and again[1] is not None  # a new token: new mtimes
    assert calls == {"unpack": 2, "token": 2}
