"""Fixtures for the real-browser tests: a sandbox exchange in this process, a throwaway JupyterLab serving
copies of this folder's notebooks, and Debian's Chromium driven by Playwright (no browser download), on a
1100x800 laptop-sized viewport.

The recipe and its race fixes come from the shared notes on browser testing: the kernel is awaited before
"run all" (``expose_app_in_browser``), the notebook is a copy in a temp dir (autosave never touches the
repository), HOME and the JupyterLab settings are throwaway with the news toast turned off, MPLBACKEND
is dropped for the server, and expectations get generous timeouts.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SHOT_DIR = ROOT / "artifacts"  # gitignored; screenshots and the JupyterLab log
VIEWPORT = {"width": 1100, "height": 800}  # a laptop screen: the ticket must fit it
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # root in a container
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
BIN = Path(sys.executable).parent
TOKEN = "kalshi-nb-browser-test"
TICKER = "KXFEDDECISION-26DEC-H0"  # open until mid-December at the sandbox's anchor
# The synthetic data is generated relative to the exchange's "now": a fixed anchor keeps the tickers and
# quotes the same on every day the test runs (signatures still use the real clock).
ANCHOR = datetime(2026, 11, 25, 13, 0, tzinfo=timezone.utc)

expect.set_options(timeout=30_000)  # kernel round trips on a 2-CPU CI machine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_http(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            raise RuntimeError(
                f"jupyter lab exited with status {proc.returncode}; see {SHOT_DIR / 'jupyterlab.log'}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2):
                return time.monotonic() - started
        except urllib.error.HTTPError:  # any HTTP status means the server answers
            return time.monotonic() - started
        except OSError:  # not listening yet
            time.sleep(0.2)
    raise TimeoutError(f"jupyter lab did not answer {url} within {timeout:.0f} s")


@pytest.fixture(scope="session")
def sandbox() -> Iterator[object]:
    """The exchange the notebook's kernel trades on; the test reads its state directly."""
    from kalshi_nb.sandbox import Sandbox

    with Sandbox(seed=0, rate_limit=None, now=ANCHOR) as sb:
        yield sb


@pytest.fixture(scope="session")
def lab(sandbox: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A JupyterLab server on a free port, serving temp copies of this folder's notebooks."""
    SHOT_DIR.mkdir(parents=True, exist_ok=True)
    tmp = tmp_path_factory.mktemp("lab")
    home, notebooks, settings = tmp / "home", tmp / "notebooks", tmp / "lab-user-settings"
    home.mkdir()
    notebooks.mkdir()
    for notebook in HERE.glob("*.ipynb"):
        shutil.copy(notebook, notebooks / notebook.name)
    # Without this user setting a "get notified about Jupyter news?" toast covers the page corner.
    toast = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    toast.parent.mkdir(parents=True)
    toast.write_text('{"fetchNews": "false", "checkForUpdates": false}')

    env = {k: v for k, v in os.environ.items() if not k.startswith("KALSHI_") and k != "MPLBACKEND"}
    env.update(
        HOME=str(home),
        JUPYTER_PLATFORM_DIRS="1",
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        # the kernel inherits these: kalshi_nb.connect() then talks to this test's sandbox
        KALSHI_API_BASE=sandbox.url,
        KALSHI_API_KEY_ID=sandbox.key_id,
        KALSHI_PRIVATE_KEY_PATH=sandbox.private_key_path,
        KALSHI_NB_TICKET_TICKER=TICKER,
        # where the sandbox wrote its identity secret: without it the kernel rightly treats it as production
        KALSHI_NB_DATA_DIR=os.environ["KALSHI_NB_DATA_DIR"],
    )
    port = _free_port()
    cmd = [
        str(BIN / "jupyter"),
        "lab",
        "--no-browser",
        "--allow-root",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={TOKEN}",
        f"--ServerApp.root_dir={notebooks}",
        "--LabApp.news_url=None",  # never fetch the news feed
        "--LabApp.expose_app_in_browser=True",
    ]  # window.jupyterapp, to await the kernel before run-all
    with open(SHOT_DIR / "jupyterlab.log", "w") as log:
        proc = subprocess.Popen(cmd, cwd=notebooks, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_http(f"http://127.0.0.1:{port}/api/status?token={TOKEN}", proc)
            yield {"base": f"http://127.0.0.1:{port}", "token": TOKEN, "ticker": TICKER, "shots": SHOT_DIR}
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


# Per module, not per session: Playwright's sync API keeps an asyncio loop running in the main thread while
# it is open, and every later test that calls asyncio.run (the WebSocket feed's) would find it there.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run `bash scripts/setup-browser.sh` (Debian's chromium; "
            "browser downloads are not possible here, so never `playwright install`)"
        )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT)
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Keep a screenshot of the page when a browser test fails (next to the other artifacts)."""
    outcome = yield
    report = outcome.get_result()
    pg = getattr(item, "funcargs", {}).get("page")
    if report.when == "call" and report.failed and pg is not None:
        SHOT_DIR.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(SHOT_DIR / f"FAILED-{item.name}.png"), full_page=True)
