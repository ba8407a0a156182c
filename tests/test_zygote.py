"""Kernels forked from a zygote: fresh and isolated per report, same output as a plain kernel (Linux only)."""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from dxnb.paths import REPORT_NOTEBOOK

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="kernels are forked on Linux only")

KERNEL_ENV = {"MPLBACKEND": "Agg", "PYDEVD_DISABLE_FILE_VALIDATION": "1", "JUPYTER_PLATFORM_DIRS": "1"}

PROBE = """\
import json, os, random, sys, matplotlib, numpy, dxnb.fmt
print(json.dumps({
    "random": random.random(), "numpy": float(numpy.random.random()),
    "pid": os.getpid(), "ppid": os.getppid(), "cwd": os.getcwd(),
    "global": "leak" in globals(), "module": getattr(dxnb.fmt, "_probe", None),
    "rc": matplotlib.rcParams["lines.linewidth"], "env": os.environ.get("DXNB_LEAK"),
    "argv0": os.path.basename(sys.argv[0]), "parent": os.environ.get("JPY_PARENT_PID"),
}))
leak = 1
dxnb.fmt._probe = 1
matplotlib.rcParams["lines.linewidth"] = 9.0
os.environ["DXNB_LEAK"] = "1"
"""

CHART = """\
import datetime as dt
import hashlib
from dxnb import charts, fmt
uri = charts.trend_lines(["2022", "2023", "2024"], {"A": [0.2, 0.5, 0.6], "B": [0.4, 0.4, 0.45]},
                         title="", emphasis="A", lang="vi")
print(hashlib.sha256(uri.encode()).hexdigest())
print(fmt.number(1234567.891, 2, "vi"), fmt.percent(0.4567, 1, "en"), fmt.date(dt.date(2024, 8, 28), "en"))
"""


def _notebook(*sources: str):
    nb = new_notebook(cells=[new_code_cell(source) for source in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    return nb


@pytest.fixture(autouse=True)
def _kernel_env(monkeypatch):
    for name, value in KERNEL_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="module")
def zygote():
    from dxnb.zygote import Zygote

    os.environ.update(KERNEL_ENV)  # before the zygote starts: it imports matplotlib with this backend
    zyg = Zygote()
    yield zyg
    zyg.close()


@pytest.fixture(scope="module", autouse=True)
def _ipc_root():
    """A short folder for the kernels' sockets (a unix socket path has at most 107 bytes), removed at the end."""
    import shutil
    import tempfile

    _IPC_ROOT[:] = [Path(tempfile.mkdtemp(prefix="dxnb-zyg-", dir="/tmp"))]
    yield
    shutil.rmtree(_IPC_ROOT[0], ignore_errors=True)


_IPC_ROOT: list[Path] = []


def _manager(zygote=None):
    from dxnb.provisioner import make_kernel_manager

    ipc = _IPC_ROOT[0] / str(time.monotonic_ns())
    ipc.mkdir()
    return make_kernel_manager(zygote, kernel_name="python3", transport="ipc", ip=str(ipc / "k")), ipc


@pytest.fixture()
def run(notebook_runner):
    """Execute a notebook in a kernel of its own (forked from ``zygote``, plain without); return it and the pid."""

    def run(nb, zygote=None, **papermill_args):
        return notebook_runner(nb, zygote=zygote, **papermill_args), notebook_runner.pid

    return run


def _text(out, cell: int = 0) -> str:
    return "".join(o.get("text", "") for o in out.cells[cell].outputs if o.output_type == "stream")


def _gone(pid: int, within: float = 10.0) -> bool:
    """Whether ``pid`` has ended (absent, or a zombie not ours to reap) within ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
                if handle.read().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.02)
    return False


def test_each_report_gets_a_fresh_process_and_nothing_leaks(zygote, run, tmp_path):
    import json

    nb = _notebook(PROBE)
    first, pid1 = run(nb, zygote, cwd=str(tmp_path))
    second, pid2 = run(nb, zygote, cwd=str(tmp_path))
    one, two = json.loads(_text(first)), json.loads(_text(second))
    assert one["pid"] == pid1 and two["pid"] == pid2 and pid1 != pid2
    assert zygote.pid not in (pid1, pid2)
    assert one["ppid"] == two["ppid"] == zygote.pid  # forked by the zygote, not started by us
    assert one["parent"] == str(zygote.pid)
    # what the first report set is absent from the second
    assert (two["global"], two["module"], two["env"]) == (False, None, None)
    assert two["rc"] == one["rc"] != 9.0
    # each kernel draws its own random numbers (the generators are reseeded after the fork)
    assert one["random"] != two["random"] and one["numpy"] != two["numpy"]
    assert two["cwd"] == str(tmp_path) and two["argv0"] == "ipykernel_launcher.py"
    # both kernels ended and were reaped by the zygote: no zombie left
    assert zygote.children() == []
    assert not Path(f"/proc/{pid1}").exists() and not Path(f"/proc/{pid2}").exists()


def test_output_matches_a_plain_kernel(zygote, run, tmp_path):
    from dxnb.provisioner import ReportKernelManager, ZygoteKernelManager

    nb = _notebook(CHART)
    plain, _ = run(nb)
    forked, _ = run(nb, zygote)
    assert _text(forked) == _text(plain)
    assert len(_text(plain).splitlines()) == 2
    km = _manager()[0]  # no zygote: a plain kernel manager (which closes the clients it made)
    assert isinstance(km, ReportKernelManager) and not isinstance(km, ZygoteKernelManager)


def test_killing_the_zygote_kills_its_kernels(tmp_path):
    from dxnb.provisioner import ZygoteKernelManager
    from dxnb.zygote import Zygote

    zyg = Zygote()
    km, _ = _manager(zyg)
    assert isinstance(km, ZygoteKernelManager)
    km.start_kernel()
    pid = km.provisioner.pid
    assert km.is_alive() and zyg.children() == [pid]
    os.kill(zyg.pid, signal.SIGKILL)
    zyg.process.wait(timeout=10)
    assert _gone(pid)
    assert not km.is_alive()
    km.shutdown_kernel(now=True)  # neither hangs nor raises once the zygote is gone
    zyg.close()


def _worker_start() -> None:
    from dxnb import zygote

    global _WORKER_ZYGOTE
    _WORKER_ZYGOTE = zygote.Zygote(preload=("ipykernel.kernelapp",))


def _worker_zygote_pid(_: int) -> int:
    _WORKER_ZYGOTE.info  # noqa: B018 - waits until it is warm
    return _WORKER_ZYGOTE.pid


def test_zygote_ends_with_its_pool_worker():
    """Pool workers end with os._exit (no atexit); the Finalize hook still closes the zygote."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(1, initializer=_worker_start) as pool:
        pid = pool.map(_worker_zygote_pid, [0])[0]
        assert not _gone(pid, within=0.1)
        pool.close()
        pool.join()
    assert _gone(pid)


def test_fork_hazards_see_threads():
    from dxnb.zygote import pss_kb
    from dxnb.zygote_process import fork_hazards

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert any("threads" in problem for problem in fork_hazards())
    finally:
        stop.set()
        thread.join()
    assert pss_kb() > 0 and pss_kb(2**22 + 7) == 0


def test_zygote_is_warm_and_single_threaded(zygote):
    info = zygote.info
    assert info["threads"] == 1 and info["pid"] == zygote.pid
    assert info["modules"] > 500  # ipykernel, pandas, matplotlib and dxnb.report are loaded


def test_kernelspec_provisioner_by_name(zygote, tmp_path, monkeypatch):
    """The entry-point route: a provisioner named in the factory forks from this process's zygote."""
    from importlib.metadata import EntryPoint

    from jupyter_client.manager import KernelManager
    from jupyter_client.provisioning import KernelProvisionerFactory

    from dxnb import provisioner

    factory = KernelProvisionerFactory.instance()
    name = provisioner.PROVISIONER_NAME
    entry = EntryPoint(name, "dxnb.provisioner:ZygoteProvisioner", "jupyter_client.kernel_provisioners")
    monkeypatch.setitem(factory.provisioners, name, entry)
    monkeypatch.setattr(factory, "default_provisioner_name", name)
    monkeypatch.setattr(provisioner, "_default", [zygote])
    km = KernelManager(kernel_name="python3", transport="ipc", ip=str(tmp_path / "k"))
    km.start_kernel()
    try:
        assert isinstance(km.provisioner, provisioner.ZygoteProvisioner)
        assert km.provisioner.pid in zygote.children()
    finally:
        km.shutdown_kernel(now=True)
    assert zygote.children() == []


_STAMP = re.compile(r"\d{1,2}/\d{1,2}/\d{4} \d{2}:\d{2}|\d{1,2} \w+ \d{4}, \d{2}:\d{2}|\d{4}-\d{2}-\d{2}T[\d:.]+")


def _outputs(nb) -> list[str]:
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            for kind in ("text/html", "text/plain"):
                if kind in data:
                    texts.append(_STAMP.sub("<time>", "".join(data[kind])))
            if "text" in output:
                texts.append(_STAMP.sub("<time>", output["text"]))
    return texts


@pytest.mark.slow
def test_commune_report_matches_a_plain_kernel(zygote, run, tmp_path):
    nb = nbformat.read(REPORT_NOTEBOOK, as_version=4)
    parameters = {"unit_code": "25882", "period": "2024"}
    plain, _ = run(nb, parameters=parameters)
    forked, _ = run(nb, zygote, parameters=parameters)
    want, got = _outputs(plain), _outputs(forked)
    assert len(want) > 10 and any("data:image/" in text for text in want)
    assert got == want


def _worker_with_kernel(queue, ipc: str) -> None:
    os.environ.update(KERNEL_ENV)
    from dxnb.provisioner import make_kernel_manager
    from dxnb.zygote import Zygote

    zyg = Zygote()
    km = make_kernel_manager(zyg, kernel_name="python3", transport="ipc", ip=ipc)
    km.start_kernel()
    queue.put((zyg.pid, km.provisioner.pid))
    time.sleep(120)


def test_killing_the_worker_kills_its_zygote_and_kernels(tmp_path):
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    worker = context.Process(target=_worker_with_kernel, args=(queue, str(tmp_path / "k")))
    worker.start()
    try:
        zygote_pid, kernel_pid = queue.get(timeout=120)
        assert not _gone(kernel_pid, within=0.1)
    finally:
        worker.kill()
        worker.join()
    assert _gone(zygote_pid) and _gone(kernel_pid)


def test_zygote_ends_when_its_pipe_closes():
    from dxnb.zygote import Zygote

    zyg = Zygote(preload=("ipykernel.kernelapp",))
    zyg.info  # noqa: B018 - waits until it is warm
    zyg._conn.close()  # as when the owner dies without a word
    assert zyg.process.wait(timeout=10) == 0


def test_kernel_holds_nothing_of_the_zygote_and_logs_like_a_plain_kernel(zygote, run, tmp_path):
    code = (
        "import json, logging, os\n"
        "fds = [f'/proc/self/fd/{fd}' for fd in os.listdir('/proc/self/fd')]\n"
        "print(json.dumps([os.readlink(fd) for fd in fds if os.path.lexists(fd)]))\n"
        "print(len(logging.getLogger().handlers))\n"
        "logging.getLogger('probe').warning('seen in the notebook')"
    )
    import json

    sibling, _ = _manager(zygote)
    sibling.start_kernel()  # so that the zygote holds a pidfd when it forks the next kernel
    try:
        zygote_files = {os.readlink(f"/proc/{zygote.pid}/fd/{fd}") for fd in os.listdir(f"/proc/{zygote.pid}/fd")}
        forked, _ = run(_notebook(code), zygote)
    finally:
        sibling.shutdown_kernel(now=True)
    plain, _ = run(_notebook(code))

    def lines(nb, stream):
        return "".join(o["text"] for o in nb.cells[0].outputs if o.get("name") == stream).splitlines()

    held = set(json.loads(lines(forked, "stdout")[0]))
    ours = {name for name in zygote_files if name.startswith(("socket:", "anon_inode:[pidfd]"))}
    assert "anon_inode:[pidfd]" in ours and not held & ours
    texts = [lines(nb, "stdout")[1:] + lines(nb, "stderr") for nb in (plain, forked)]
    assert texts[0] == ["0", "seen in the notebook"]
    assert texts[1] == texts[0]


def test_interrupt_reaches_a_forked_kernel(zygote, tmp_path):
    km, _ = _manager(zygote)
    km.start_kernel()
    client = km.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        msg_id = client.execute("import time; time.sleep(60)")
        time.sleep(0.5)
        km.interrupt_kernel()
        reply = client.get_shell_msg(timeout=20)
        assert reply["parent_header"]["msg_id"] == msg_id
        assert reply["content"]["ename"] == "KeyboardInterrupt"
        assert km.is_alive()
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=True)


def test_a_kernel_dead_before_ready_is_an_error_not_a_hang(zygote, tmp_path):
    from dxnb.zygote import ZygoteError

    km, _ = _manager(zygote)
    km.start_kernel()
    os.kill(km.provisioner.pid, signal.SIGKILL)
    client = km.client()
    client.start_channels()
    try:
        with pytest.raises(RuntimeError, match="died"):
            client.wait_for_ready(timeout=30)
        assert not km.is_alive()
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=True)
    with pytest.raises(ZygoteError, match="does not exist"):
        zygote.fork(["-f", str(tmp_path / "k.json")], cwd=str(tmp_path / "missing"))
    assert zygote.children() == []


def test_a_zygote_is_forked_only_from_a_child_of_the_warm_fork_server():
    """This test process has imported what a zygote needs, but it is no pristine pool worker: never forked from."""
    import dxnb.report  # noqa: F401
    from dxnb.zygote import warm_enough_to_fork

    assert not warm_enough_to_fork()
