"""The explorer's dropdowns in a real JupyterLab, driven by Playwright in Chromium: Run All keeps the choice.

A JupyterLab server is started on a free port in a temporary folder holding a copy of ``explore.ipynb``
(its exports redirected there); Chromium opens the notebook, runs all cells, picks another unit in the
dropdown, runs all cells again, and the dropdown and the sections below must show the unit picked, not
the parameters' default.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from dxnb.paths import NOTEBOOKS_DIR, PROJECT_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if not CHROMIUM:
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)
JUPYTER = Path(sys.executable).with_name("jupyter")
if not JUPYTER.exists():
    pytest.skip("jupyter is not installed next to this Python", allow_module_level=True)

#: Generous: a shared machine may take a minute to start a kernel and run the notebook.
TIMEOUT_MS = 240_000
CHOSEN = "25858"  # Phước Vĩnh; the parameters' default is Vĩnh Hòa (25882)
#: Every cell attached and drawn, on screen or not (JupyterLab's default skips drawing the cells out of view, so
#: whether an output counts as visible would depend on the scroll position); the notebook's kernel started without
#: asking (the question may come after the page looks idle, and then holds Run All); no news, no update check.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none", "autoStartDefaultKernel": True},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _notebook_copy(folder: Path) -> Path:
    """``explore.ipynb`` with its exports sent to ``folder`` (a test writes nothing into the project)."""
    nb = json.loads((NOTEBOOKS_DIR / "explore.ipynb").read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if "parameters" in cell["metadata"].get("tags", []):
            source = "".join(cell["source"]).replace('export_dir = ""', f"export_dir = {str(folder / 'exports')!r}")
            cell["source"] = source.splitlines(keepends=True)
    path = folder / "explore.ipynb"
    path.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture()
def lab(tmp_path):
    """A JupyterLab server on a free port serving a copy of the notebook; yields its URL."""
    port = _free_port()
    _notebook_copy(tmp_path)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")])),
        "JUPYTER_CONFIG_DIR": str(tmp_path / ".jupyter"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / ".runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / ".settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / ".workspaces"),
    }
    command = [
        str(JUPYTER), "lab", "--no-browser", "--allow-root", f"--port={port}", "--ip=127.0.0.1",
        "--ServerApp.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
        f"--ServerApp.root_dir={tmp_path}", "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    for name, values in SETTINGS.items():
        path = tmp_path / ".settings" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    log = (tmp_path / "lab.log").open("wb")
    server = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status", timeout=5):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail("JupyterLab did not start:\n" + (tmp_path / "lab.log").read_text(errors="replace"))
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


#: Wait for the condition, never for a fixed time: every cell numbered by a run later than ``after``.
_RUN_DONE = """(after) => {
  const prompts = Array.from(document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt'));
  const numbers = prompts.map(p => /^\\[(\\d+)\\]:$/.exec(p.textContent.trim())).map(m => m ? Number(m[1]) : NaN);
  return numbers.length > 0 && numbers.every(n => n > after) ? Math.max(...numbers) : false;
}"""


def _kernel_idle(lab: str) -> None:
    """Wait until the notebook's kernel runs and is idle, as the server sees it."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        with urllib.request.urlopen(f"{lab}/api/sessions", timeout=30) as response:
            sessions = json.loads(response.read())
        states = [s["kernel"]["execution_state"] for s in sessions if s["path"].endswith("explore.ipynb")]
        if states == ["idle"]:
            return
        assert time.monotonic() < deadline, f"the notebook's kernel is not idle: {states}"
        time.sleep(0.5)


def _run_all(page, lab: str, after: int) -> int:
    """Run → Run All Cells, through JupyterLab's own menu; return once every cell has run (its new number)."""
    _kernel_idle(lab)
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).first.click()
    page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()
    last = page.wait_for_function(_RUN_DONE, arg=after).json_value()
    _kernel_idle(lab)
    return last


def test_run_all_keeps_the_unit_chosen_in_the_dropdown(lab, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(TIMEOUT_MS)
        expect.set_options(timeout=TIMEOUT_MS)
        # should JupyterLab still ask which kernel to use, the notebook's own is the answer
        dialog = page.locator(".jp-Dialog").get_by_role("button", name=re.compile("^Select"))
        page.add_locator_handler(dialog, lambda button: button.click())
        try:
            page.goto(f"{lab}/lab/tree/explore.ipynb")
            page.locator(".jp-Notebook").wait_for()
            first = _run_all(page, lab, after=0)
            unit = page.locator(".widget-dropdown select").first
            expect(unit).to_have_value(re.compile(r"\(25882\)$"))  # the parameters' default, once it has its options
            labels = unit.locator("option").all_inner_texts()
            assert sum(label.endswith((f"({CHOSEN})", "(25882)")) for label in labels) == 2, labels
            chosen = next(label for label in labels if label.endswith(f"({CHOSEN})"))
            unit.select_option(label=chosen)
            expect(page.locator(".widget-html", has_text="Phước Vĩnh").first).to_be_visible()

            _run_all(page, lab, after=first)  # the parameters cell says "Vĩnh Hòa" again
            expect(page.locator(".jp-OutputArea-output", has_text="được giữ khi chạy lại").first).to_be_visible()
            unit = page.locator(".widget-dropdown select").first
            expect(unit).to_have_value(re.compile(rf"\({CHOSEN}\)$"))
            expect(unit.locator("option:checked")).to_have_text(chosen)
            compare = page.locator(".jp-OutputArea-output", has_text="So sánh các đơn vị").last
            expect(compare).to_contain_text("Phước Vĩnh")
        except Exception:
            page.screenshot(path=str(tmp_path / "lab.png"), full_page=True)
            raise
        finally:
            browser.close()
