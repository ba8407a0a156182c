"""The worker: one line per failure, memory figures, and kernels that leave nothing behind."""

from __future__ import annotations

import os

import pytest

from dxnb.worker import Kernel, Worker, error_line, peak_kb


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
