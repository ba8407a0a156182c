"""Drive kernels forked by a :class:`dxnb.zygote.Zygote` through jupyter_client, for papermill and nbclient.

:func:`make_kernel_manager` returns a kernel manager for one report: on Linux with a zygote, a
:class:`ZygoteKernelManager` whose :class:`ZygoteProvisioner` asks the zygote to fork the kernel;
elsewhere (macOS, Windows, or no zygote) a plain :class:`jupyter_client.manager.KernelManager`.
Either is passed to ``papermill.execute_notebook(..., km=km)`` and shut down by its owner.

The provisioner is also registered by name for the entry point group
``jupyter_client.kernel_provisioners``, in ``pyproject.toml``::

    [project.entry-points."jupyter_client.kernel_provisioners"]
    dxnb-zygote = "dxnb.provisioner:ZygoteProvisioner"

A kernelspec with
``"metadata": {"kernel_provisioner": {"provisioner_name": "dxnb-zygote"}}`` then forks its kernels
from a zygote of this process (:func:`default_zygote`).

Two fixed waits of jupyter_client are avoided without patching it:

- ``KernelClient.wait_for_ready`` ends with a 0.2 s wait for silence on IOPub (every kernel start
  pays it). :class:`QuickReadyClient` instead waits for the ``idle`` status of its own
  ``kernel_info_request``: IOPub is then connected and nothing else is pending.
- ``KernelManager`` polls for a kernel's end every 0.1 s after a kill or a shutdown request. The
  provisioner's :meth:`~ZygoteProvisioner.kill` returns once the kernel has ended, and its
  :meth:`~ZygoteProvisioner.poll` keeps polling briefly (5 ms steps, asynchronously) after a
  shutdown request, so the manager's first check already sees the end.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
import uuid
from queue import Empty
from typing import Any

import zmq
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.client import KernelClient
from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.manager import KernelManager
from jupyter_client.provisioning.local_provisioner import LocalProvisioner
from jupyter_client.utils import run_sync
from traitlets import Any as AnyTrait

from .zygote import Zygote, ZygoteError, fork_supported, pss_kb

log = logging.getLogger(__name__)

#: The provisioner's name in the entry point group ``jupyter_client.kernel_provisioners``.
PROVISIONER_NAME = "dxnb-zygote"
#: After a kill, or within one poll after a shutdown request, wait this long for the kernel's end.
_END_WAIT_S = 5.0
_SHUTDOWN_POLL_S = 0.1
_STEP_S = 0.005
#: After a kernel_info reply, how long to wait for its idle status on IOPub before asking again.
_IOPUB_WAIT_S = 0.05
#: ZMQ's reconnect interval for the manager's sockets (its default, 100 ms, is paid when the client
#: connects before the new kernel has bound its sockets, which is the rule for a kernel just started).
RECONNECT_IVL_MS = 10
_default: list[Zygote] = []


def default_zygote() -> Zygote:
    """This process's zygote for kernels started by name (the entry point), started on first use."""
    if not _default or not _default[0].alive:
        _default[:] = [Zygote()]
    return _default[0]


async def wait_until_ready(client: KernelClient, timeout: float | None = None) -> None:
    """Wait until the kernel answers ``kernel_info`` and IOPub carries that request's ``idle`` status.

    The ``wait_for_ready`` of both dxnb clients: the blocking :class:`QuickReadyClient` runs it with
    ``run_sync``, nbclient's asynchronous client (:func:`dxnb.worker.async_client_class`) awaits it. It
    awaits the coroutines both kinds of jupyter_client clients are made of (``_async_get_shell_msg`` …).

    Raises:
        RuntimeError: when the kernel dies first or does not answer within ``timeout`` seconds
            (what jupyter_client raises).
    """
    deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
    sent: set[str] = set()
    while True:
        sent.add(client.kernel_info())
        try:
            reply = await client._async_get_shell_msg(timeout=1)
        except Empty:
            reply = None
        if reply is not None and reply["msg_type"] == "kernel_info_reply" and await _idle_seen(client, sent):
            client._handle_kernel_info_reply(reply)
            break
        if not await client._async_is_alive():
            raise RuntimeError("Kernel died before replying to kernel_info")
        if time.monotonic() > deadline:
            raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")
    while True:  # whatever else IOPub holds is already there: take it without waiting
        try:
            await client._async_get_iopub_msg(timeout=0)
        except Empty:
            break


async def _idle_seen(client: KernelClient, sent: set[str], wait_s: float = _IOPUB_WAIT_S) -> bool:
    """Whether IOPub delivers the ``idle`` status of one of ``sent`` within ``wait_s`` (IOPub connected)."""
    deadline = time.monotonic() + wait_s
    while (left := deadline - time.monotonic()) > 0:
        try:
            msg = await client._async_get_iopub_msg(timeout=left)
        except Empty:
            return False
        if (
            msg["msg_type"] == "status"
            and msg["content"].get("execution_state") == "idle"
            and msg["parent_header"].get("msg_id") in sent
        ):
            return True
    return False


class QuickReadyClient(BlockingKernelClient):
    """A blocking client whose :meth:`wait_for_ready` needs no fixed 0.2 s wait for IOPub to fall silent."""

    wait_for_ready = run_sync(wait_until_ready)


class ZygoteProvisioner(LocalProvisioner):
    """A provisioner whose kernel is forked by a zygote instead of started by ``Popen``.

    It keeps :class:`LocalProvisioner`'s preparation (connection file, transport, encryption keys,
    kernel command) and replaces everything that touches the process. The kernel is a child of the
    zygote, not of this process: signals go by ``os.kill`` and its exit status comes from the
    zygote, which reaps it.
    """

    zygote: Zygote | None = None
    _status: int | None = None
    _shutdown_requested = False

    @property
    def has_process(self) -> bool:
        """Whether a forked kernel is being managed."""
        return self.pid is not None

    def _zygote(self) -> Zygote:
        if self.zygote is None:
            self.zygote = getattr(self.parent, "zygote", None) or default_zygote()
        return self.zygote

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        """Ask the zygote to fork the kernel described by ``cmd`` (``python -m ipykernel_launcher -f ...``)."""
        try:
            at = cmd.index("ipykernel_launcher")
        except ValueError:
            raise ZygoteError(f"a zygote only forks ipykernel; this kernel's command is {cmd}") from None
        if at < 1 or cmd[at - 1] != "-m":
            raise ZygoteError(f"a zygote only forks `python -m ipykernel_launcher`; this command is {cmd}")
        cwd = str(kwargs.get("cwd") or os.getcwd())  # Popen's default: this process's working directory
        self.pid = self._zygote().fork(cmd[at + 1 :], cwd=cwd, env=kwargs.get("env"))
        self.pgid = self.pid  # the kernel leads its own process group (setsid)
        self._status, self._shutdown_requested = None, False
        self.cwd = cwd
        return self.connection_info

    async def poll(self) -> int | None:
        """None while the kernel runs, else its exit status; shortly waits for the end after a shutdown request."""
        if self.pid is None:
            return 0
        if self._status is None:
            self._status = self._poll_once()
            if self._status is None and self._shutdown_requested:
                self._status = await self._wait_end(_SHUTDOWN_POLL_S)
        return self._status

    def _poll_once(self) -> int | None:
        try:
            return self.zygote.poll(self.pid)
        except ZygoteError:  # the zygote is gone, so is its kernel (PR_SET_PDEATHSIG)
            return -signal.SIGKILL

    async def _wait_end(self, seconds: float) -> int | None:
        deadline = time.monotonic() + seconds
        status = self._poll_once()
        while status is None and time.monotonic() < deadline:
            await asyncio.sleep(_STEP_S)
            status = self._poll_once()
        return status

    async def wait(self) -> int | None:
        """Wait for the kernel's end and forget it; return its exit status."""
        if self.pid is None:
            return 0
        while (status := await self.poll()) is None:
            self._status = await self._wait_end(_END_WAIT_S)
        self.pid = self.pgid = None
        return status

    async def send_signal(self, signum: int) -> None:
        """Send a signal to the kernel's process group (the kernel and what it started)."""
        if self.pid is None or await self.poll() is not None:
            return
        try:
            os.killpg(self.pgid, signum)
        except OSError:
            self._zygote().signal(self.pid, signum)

    async def kill(self, restart: bool = False) -> None:
        """Kill the kernel (SIGKILL) and return once it has ended, so no 0.1 s poll follows."""
        await self.send_signal(signal.SIGKILL)
        if self.pid is not None and self._status is None:
            self._status = await self._wait_end(_END_WAIT_S)

    async def terminate(self, restart: bool = False) -> None:
        """Ask the kernel to end (SIGTERM)."""
        await self.send_signal(signal.SIGTERM)

    async def shutdown_requested(self, restart: bool = False) -> None:
        """Note the shutdown request, so that :meth:`poll` waits briefly for the kernel's end."""
        self._shutdown_requested = True

    def pss_kb(self) -> int:
        """The kernel's proportional set size in KiB now (0 once it has ended)."""
        return pss_kb(self.pid) if self.pid is not None else 0

    async def get_provisioner_info(self) -> dict:
        """As :class:`LocalProvisioner`, plus the zygote's pid (a restored kernel still needs its zygote)."""
        info = await super().get_provisioner_info()
        info["zygote_pid"] = self.zygote.pid if self.zygote else None
        return info


class ReportKernelManager(KernelManager):
    """A kernel manager that closes every client it made when its owner closes it.

    nbclient asks the manager for a client (``km.client()``) and, when it does not own the manager
    (papermill's ``km=``), never stops that client's channels: each report would leave a zmq
    context (two threads) and a heartbeat thread in the worker, pinging a kernel that has ended,
    until a worker that renders hundreds of reports spends its time in those threads.
    :meth:`close_clients` stops them; :meth:`dxnb.worker.Kernel.close` calls it.
    """

    def __init__(self, **kwargs: Any):
        """As :class:`KernelManager`."""
        super().__init__(**kwargs)
        self._clients: list = []

    def client(self, **kwargs: Any):
        """A client of this kernel (as :meth:`KernelManager.client`), remembered to be closed."""
        client = super().client(**kwargs)
        self._clients.append(client)
        return client

    def close_clients(self) -> None:
        """Stop the channels of every client made, and close their own zmq contexts (safe twice)."""
        while self._clients:
            client = self._clients.pop()
            try:
                client.stop_channels()  # joins the heartbeat thread; destroys a context the client made
            except Exception as exc:  # a client half-started by a failed report: nothing more to stop
                log.debug("closing a kernel client: %s", exc)


class ZygoteKernelManager(ReportKernelManager):
    """A kernel manager that forks its kernel from ``zygote`` (IPC transport by default)."""

    zygote = AnyTrait(None, allow_none=True, help="the dxnb.zygote.Zygote that forks this manager's kernel")

    def __init__(self, zygote: Zygote, **kwargs: Any):
        """Manage one kernel forked by ``zygote``; other arguments as :class:`KernelManager`."""
        kwargs.setdefault("client_class", "dxnb.provisioner.QuickReadyClient")
        super().__init__(zygote=zygote, **kwargs)
        self.context.setsockopt(zmq.RECONNECT_IVL, RECONNECT_IVL_MS)  # default for this manager's sockets
        # The manager only asks the kernelspec's provisioner factory when it has no provisioner yet.
        self.kernel_id = self.kernel_id or str(uuid.uuid4())
        self.provisioner = ZygoteProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
        self.provisioner.zygote = zygote


def make_kernel_manager(zygote: Zygote | None = None, **kwargs: Any) -> KernelManager:
    """A kernel manager for one report: forked from ``zygote`` when given and fork is usable, else plain.

    ``kwargs`` go to the manager (``kernel_name``, ``transport``, ``ip`` ...). The caller owns the
    manager: pass it to ``papermill.execute_notebook(km=...)`` and call ``shutdown_kernel(now=True)``.
    """
    if zygote is not None and fork_supported():
        if zygote.alive:
            return ZygoteKernelManager(zygote, **kwargs)
        log.warning("the zygote (pid %s) has ended; this report's kernel starts plainly", zygote.pid)
    return ReportKernelManager(**kwargs)
