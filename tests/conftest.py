"""Shared fixtures: the bundled dataset and throw-away copies of it.

The tests read messages in English: ``DXNB_LANG=en`` is set for the whole session (before anything is
imported, so session fixtures, subprocesses and notebook kernels see it too). Tests of the Vietnamese
messages set the language themselves (``monkeypatch.setenv``, ``--lang vi``, a notebook's ``lang``).
"""

from __future__ import annotations

import csv
import fcntl
import json
import os
import pickle
import shutil
import tempfile
from pathlib import Path

import pytest

os.environ["DXNB_LANG"] = "en"

from dxnb.dataset import FILES, OPTIONAL_FILES, load_dataset
from dxnb.paths import DATA_DIR


def pytest_configure(config):
    """Keep the suite out of the project's folders: the dataset cache goes to a throw-away folder."""
    if not os.environ.get("DXNB_CACHE_DIR"):
        os.environ["DXNB_CACHE_DIR"] = tempfile.mkdtemp(prefix="dxnb-test-cache-")


DURATIONS = Path(__file__).with_name("durations.json")
"""Seconds each test file took in a recorded run of the suite on 2 cores (set ``DXNB_RECORD_DURATIONS=1``)."""


def pytest_collection_modifyitems(config, items):
    """Run the test files longest first (by :data:`DURATIONS`), each file's tests in their order.

    ``make test`` gives each pytest-xdist worker whole files (``--dist loadfile --no-loadscope-reorder``), the
    next file to whichever worker runs out first: longest first, the short files fill in at the end instead of
    one long file running alone while the other worker idles. A file not recorded yet counts as a long one.
    """
    recorded = json.loads(DURATIONS.read_text(encoding="utf-8")) if DURATIONS.exists() else {}
    unknown = max(recorded.values(), default=0.0)
    root = Path(str(config.rootpath))

    def cost(path: Path) -> float:
        return recorded.get(path.relative_to(root).as_posix(), unknown)

    first = {path: position for position, path in enumerate(dict.fromkeys(item.path for item in items))}
    costs = {path: cost(path) for path in first}
    items.sort(key=lambda item: (-costs[item.path], first[item.path]))


_spent: dict[str, float] = {}


def pytest_runtest_logreport(report):
    """With ``DXNB_RECORD_DURATIONS=1``: add up each file's setup, call and teardown (in the controller too)."""
    if os.environ.get("DXNB_RECORD_DURATIONS"):
        path = report.nodeid.split("::", 1)[0]
        _spent[path] = _spent.get(path, 0.0) + report.duration


def pytest_sessionfinish(session, exitstatus):
    """With ``DXNB_RECORD_DURATIONS=1``, a whole run (not an xdist worker) writes :data:`DURATIONS`."""
    if not os.environ.get("DXNB_RECORD_DURATIONS") or hasattr(session.config, "workerinput") or not _spent:
        return
    project = DURATIONS.parent.parent
    every_file = {path.relative_to(project).as_posix() for path in project.glob("tests/test_*.py")}
    every_file |= {path.relative_to(project).as_posix() for path in project.glob("notebooks/*.ipynb")}
    if exitstatus != 0 or set(_spent) != every_file:
        return  # a failed or partial run would record a partial picture
    spent = {path: round(seconds, 1) for path, seconds in sorted(_spent.items(), key=lambda kv: -kv[1])}
    DURATIONS.write_text(json.dumps(spent, indent=1) + "\n", encoding="utf-8")


@pytest.fixture(scope="session")
def sample():
    """The bundled Phú Giáo dataset as of 2024 (its 11 units before 1/7/2025, 2022–2024), loaded once."""
    return load_dataset(DATA_DIR).at("2024")


@pytest.fixture(scope="session")
def sample_all():
    """The whole bundled dataset: the 11 former units and the 4 communes formed on 1/7/2025."""
    return load_dataset(DATA_DIR)


def _copy(folder: Path) -> Path:
    folder.mkdir()
    for name in (*FILES, *OPTIONAL_FILES, "frameworks.csv"):
        shutil.copy(DATA_DIR / name, folder / name)
    shutil.copytree(DATA_DIR / "frameworks", folder / "frameworks")  # the sample's own framework (766 classes)
    return folder


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled dataset's files."""
    return _copy(tmp_path / "data")


def _former(folder: Path) -> Path:
    """The copy as the sample was before the 2025 communes: the 11 units without lifetimes, 2022–2024.

    Without ``frameworks.csv`` (its own catalogue is the reference set 2022 in force for 2022–2024). For tests of
    mechanics (forms, import) that treat 2025 as a year the former units have not filled yet.
    """
    data_copy = _copy(folder)
    with open(data_copy / "units.csv", encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if not r["valid_from"]]
    header = [c for c in rows[0] if c not in ("valid_from", "valid_to", "group")]
    with open(data_copy / "units.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    lines = (data_copy / "observations.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.split(",", 2)[1].startswith("2025")]  # the year and the months
    (data_copy / "observations.csv").write_text("".join(kept), encoding="utf-8")
    (data_copy / "successions.csv").unlink()
    (data_copy / "frameworks.csv").unlink()  # the own catalogue for 2022-2024: the reference set 2022 itself
    shutil.rmtree(data_copy / "frameworks")
    return data_copy


@pytest.fixture()
def former_copy(tmp_path: Path) -> Path:
    """The copy as the sample was before the 2025 communes: the 11 units without lifetimes, 2022–2024.

    For tests of mechanics (forms, import) that treat 2025 as a year the former units have not filled yet.
    """
    return _former(tmp_path / "data")


@pytest.fixture(scope="session")
def former_sample(tmp_path_factory):
    """:func:`former_copy` loaded once (read-only)."""
    return load_dataset(_former(tmp_path_factory.mktemp("former") / "data"))


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The bundled dataset rendered once into a throw-away reports folder (all 11 units, 2024); read-only.

    Rendered once for the whole run: pytest-xdist's workers share it (the first to ask renders it, holding a
    lock; the others wait and read it). A test that renders into it works on a copy (``shutil.copytree``).
    """
    from dxnb.batch import run_batch

    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the run's folder, above each worker's own
    out, done = shared / "site-reports", shared / "site-result.pickle"
    with open(shared / "site.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not done.exists():
                result = run_batch(out_dir=out, jobs=2, periods=["2024"])
                done.write_bytes(pickle.dumps(result))
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return out, pickle.loads(done.read_bytes())


# ---------------------------------------------------------------------------- one notebook runner


class NotebookRunner:
    """Execute a notebook with papermill in a fresh kernel of its own, on IPC transport, as a batch does.

    By default the kernel is forked from the session's warm zygote (:mod:`dxnb.zygote`, what ``dxnb reports``
    uses; ``tests/test_zygote.py`` shows that its kernels give the same output as plain ones), so a test pays for
    its notebook, not for starting Python and importing pandas again. ``zygote=None`` starts a plain kernel; a
    test of the zygote passes its own. ``pid`` is the last kernel's process id. nbval still runs every notebook
    in a plain kernel of its own.
    """

    def __init__(self, zygote, scratch: Path):
        self.zygote, self.scratch, self.pid = zygote, scratch, None

    def __call__(self, notebook, output=None, *, parameters=None, cwd=None, zygote=..., **papermill_args):
        """Run ``notebook`` (a path or a notebook node); return the executed notebook, also written to ``output``.

        A failing cell raises ``papermill.PapermillExecutionError``, the notebook still written, as in papermill.
        """
        import papermill as pm

        from dxnb.provisioner import make_kernel_manager

        ipc = Path(tempfile.mkdtemp(prefix="k-", dir=self.scratch))  # short: a socket path has at most 107 bytes
        km = make_kernel_manager(
            self.zygote if zygote is ... else zygote,
            kernel_name="python3",
            transport="ipc",
            ip=str(ipc / "k"),
            connection_file=str(ipc / "kernel.json"),
        )
        try:
            return pm.execute_notebook(
                str(notebook) if isinstance(notebook, Path) else notebook,
                None if output is None else str(output),
                parameters=parameters or {},
                kernel_name="python3",
                km=km,
                cwd=None if cwd is None else str(cwd),
                progress_bar=False,
                log_output=False,
                **papermill_args,
            )
        finally:
            self.pid = getattr(km.provisioner, "pid", None)
            if km.has_kernel:
                km.shutdown_kernel(now=True)
            km.close_clients()  # nbclient leaves the client of a manager it was given running (3 threads, 14 fds)
            shutil.rmtree(ipc, ignore_errors=True)


@pytest.fixture(scope="session")
def notebook_runner():
    """The session's :class:`NotebookRunner`, with one zygote for the whole session (plain kernels off Linux)."""
    from dxnb.zygote import Zygote, fork_supported

    scratch = Path(tempfile.mkdtemp(prefix="dxnb-nb-"))
    zygote = Zygote() if fork_supported() else None
    try:
        yield NotebookRunner(zygote, scratch)
    finally:
        if zygote is not None:
            zygote.close()
        shutil.rmtree(scratch, ignore_errors=True)
