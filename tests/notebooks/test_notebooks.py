"""Run every example notebook top to bottom in a real kernel (nbclient), as a user on a fresh machine would.

1. Without credentials: ``kalshi_nb.connect()`` starts the in-package sandbox inside the kernel and says so
   in one calm information line (an HTML ``kalshi-notice`` output, not stderr). Any cell error fails the
   test; so does anything at all on stderr (a warning in a notebook reads as an error). Cells tagged ``plot`` must show a real PNG, the ``widget`` cell a widget.
   The executed copies and their PNGs go to ``artifacts/notebooks/`` (outside ``notebooks/``, so nothing
   collects them as notebooks) for a human to look at.
2. Against a sandbox running as its own process (the README's flow: ``python -m kalshi_nb.sandbox
   --write-env .env``): the kernel gets the ``.env``'s variables and the same ``KALSHI_NB_DATA_DIR``, so
   the client can check the sandbox's identity secret and treat it as the sandbox. No cell may fail, nothing
   may start a second sandbox, and notebook 05 really trades and settles on that process.
3. With credentials that point at a host that is not the sandbox: the unchanged notebooks must still run,
   and place, cancel or settle nothing. The host is a sandbox on 127.0.0.2 (loopback, but not a host
   kalshi_nb knows as local, so it is treated as production); its request log shows every write.

The kernel gets a throwaway HOME and its working directory is ``notebooks/``; credentials from the
environment or a developer's ``.env`` are blanked so they cannot leak into the run.
"""

from __future__ import annotations

import base64
import io
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
import requests
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NB_DIR = ROOT / "notebooks"
ARTIFACTS = ROOT / "artifacts" / "notebooks"
NOTEBOOKS = [
    "01_quickstart.ipynb",
    "02_exploring_a_series.ipynb",
    "03_history.ipynb",
    "04_order_ticket.ipynb",
    "05_portfolio.ipynb",
    "06_live.ipynb",
    "07_calibration.ipynb",
]
NOTEBOOK_TIMEOUT = 240.0  # seconds for a whole notebook, kernel start excluded (about 10 s each here)
# Tighter limits for notebooks that must stay quick (a user re-runs them): seconds, kernel start excluded.
NOTEBOOK_LIMITS = {"07_calibration.ipynb": 60.0}  # two days of KXBTC15M synced into a store, then studied
# The notice connect() shows when it falls back to the sandbox (in a kernel: an HTML line, this its plain text).
SANDBOX_LINE = re.compile(
    r"^kalshi_nb: no Kalshi credentials configured, so using the local sandbox "
    r"exchange at http://127\.0\.0\.1:\d+/trade-api/v2 "
)
CREDENTIAL_VARIABLES = (
    "KALSHI_API_KEY_ID",
    "KALSHI_PRIVATE_KEY_PATH",
    "KALSHI_PRIVATE_KEY_PASSWORD",
    "KALSHI_USE_DEMO",
    "KALSHI_API_BASE",
    "KALSHI_WS_URL",  # the sandbox's feed (06_live): blank unless the run gives one
)
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _kernel_env(
    monkeypatch: pytest.MonkeyPatch, home: Path, credentials: dict[str, str] | None = None
) -> None:
    """The kernel inherits this process's environment: make it a fresh user's."""
    home.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")  # no "migrating to platformdirs" DeprecationWarning
    monkeypatch.delenv("MPLBACKEND", raising=False)  # set, it silently removes every inline plot
    monkeypatch.delenv("MPLCONFIGDIR", raising=False)
    monkeypatch.delenv("IPYTHONDIR", raising=False)
    for name in CREDENTIAL_VARIABLES:
        # Blank, not unset: python-dotenv never overrides a variable that exists, so a developer's .env
        # above notebooks/ cannot point the run at a real account; kalshi_nb reads blank as unset.
        monkeypatch.setenv(name, (credentials or {}).get(name, ""))


def _execute(name: str) -> tuple[nbformat.NotebookNode, float]:
    nb = nbformat.read(NB_DIR / name, as_version=4)
    deadline = time.monotonic() + NOTEBOOK_LIMITS.get(name, NOTEBOOK_TIMEOUT)
    client = NotebookClient(
        nb,
        kernel_name="python3",  # the venv's own kernelspec, whatever the notebook's metadata says
        resources={"metadata": {"path": str(NB_DIR)}},  # the kernel's cwd, as when a user opens the notebook
        # Each cell may use what is left of the notebook's budget: a per-notebook timeout.
        timeout_func=lambda _cell: max(1, int(deadline - time.monotonic())),
        store_widget_state=True,
    )
    started = time.perf_counter()
    client.execute()  # raises CellExecutionError on the first cell that fails, CellTimeoutError on time
    return nb, time.perf_counter() - started


def _outputs(nb: nbformat.NotebookNode) -> Iterator[tuple[int, nbformat.NotebookNode, dict]]:
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            for out in cell.get("outputs", []):
                yield i, cell, out


def _stderr_lines(nb: nbformat.NotebookNode) -> list[str]:
    return [
        line
        for _, _, out in _outputs(nb)
        if out.get("name") == "stderr"
        for line in out.get("text", "").splitlines()
        if line.strip()
    ]


def _notices(nb: nbformat.NotebookNode) -> list[str]:
    """The plain text of every connect() notice (an HTML ``kalshi-notice`` line) the notebook shows."""
    return [
        str(out["data"].get("text/plain", ""))
        for _, _, out in _outputs(nb)
        if 'class="kalshi-notice' in str(out.get("data", {}).get("text/html", ""))
    ]


def _pngs(cell: nbformat.NotebookNode) -> list[bytes]:
    return [
        base64.b64decode(out["data"]["image/png"])
        for out in cell.get("outputs", [])
        if "image/png" in out.get("data", {})
    ]


def _check_png(png: bytes, where: str) -> None:
    from PIL import Image

    image = Image.open(io.BytesIO(png))
    image.load()
    width, height = image.size
    assert width >= 400 and height >= 200, f"{where}: a {width}x{height} image is too small to be a plot"
    colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 20, f"{where}: the image is (nearly) blank"


def _write_artifacts(name: str, nb: nbformat.NotebookNode) -> list[Path]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = name.removesuffix(".ipynb")
    nbformat.write(nb, ARTIFACTS / f"{stem}.executed.ipynb")
    written = []
    for old in ARTIFACTS.glob(f"{stem}-cell*.png"):
        old.unlink()
    for i, cell in enumerate(nb.cells):
        for k, png in enumerate(_pngs(cell)):
            path = ARTIFACTS / f"{stem}-cell{i:02d}-{k}.png"
            path.write_bytes(png)
            written.append(path)
    return written


@pytest.fixture(scope="module")
def timings() -> Iterator[dict[str, float]]:
    measured: dict[str, float] = {}
    yield measured
    if measured:
        lines = [f"{name}: {seconds:.1f} s" for name, seconds in measured.items()]
        (ARTIFACTS / "timings.txt").write_text("\n".join(lines) + "\n")


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_against_the_sandbox(
    name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, timings: dict[str, float]
) -> None:
    _kernel_env(monkeypatch, tmp_path / "home")
    nb, seconds = _execute(name)
    timings[name] = seconds
    _write_artifacts(name, nb)

    assert "PRIVATE KEY" not in nbformat.writes(nb)
    notices = _notices(nb)
    assert len(notices) == 1 and SANDBOX_LINE.match(notices[0]), (
        f"{name} did not say once that it runs against a sandbox it started itself: {notices}"
    )
    assert _stderr_lines(nb) == [], f"{name} wrote to stderr: {_stderr_lines(nb)}"

    plot_cells = [i for i, cell in enumerate(nb.cells) if "plot" in cell.metadata.get("tags", [])]
    for i in plot_cells:
        pngs = _pngs(nb.cells[i])
        assert len(pngs) == 1, f"{name} cell {i} (tagged plot) shows {len(pngs)} images, expected one figure"
        _check_png(pngs[0], f"{name} cell {i}")
    if name == "06_live.ipynb":  # the order rested on the live book, then filled, as the feed reported
        shown = "".join(str(o.get("text", "")) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
        assert "resting on the book" in shown and "executed:" in shown, shown
    untagged = [i for i, cell in enumerate(nb.cells) if _pngs(cell) and i not in plot_cells]
    assert untagged == [], f"{name}: cells {untagged} show an image but are not tagged plot"

    for i, cell in enumerate(nb.cells):
        if "widget" in cell.metadata.get("tags", []):
            views = [
                out
                for out in cell.outputs
                if "application/vnd.jupyter.widget-view+json" in out.get("data", {})
            ]
            assert views, f"{name} cell {i} (tagged widget) shows no widget"


def test_plots_are_where_the_notebooks_promise() -> None:
    """The picture-bearing notebooks really carry plot cells (the run above checks each one is drawn)."""
    tagged = {
        name: sum("plot" in c.metadata.get("tags", []) for c in nbformat.read(NB_DIR / name, 4).cells)
        for name in NOTEBOOKS
    }
    assert tagged["02_exploring_a_series.ipynb"] >= 2  # strike ladder, order book depth
    assert tagged["03_history.ipynb"] >= 2  # price history with volume, KXBTC15M outcomes
    assert tagged["05_portfolio.ipynb"] >= 2  # equity curve, P&L per market
    assert tagged["07_calibration.ipynb"] >= 2  # reliability diagram, Brier decomposition
    ticket = nbformat.read(NB_DIR / "04_order_ticket.ipynb", 4)
    assert sum("widget" in c.metadata.get("tags", []) for c in ticket.cells) == 1


@pytest.fixture(scope="module")
def not_the_sandbox() -> Iterator[object]:
    """An exchange the notebooks must treat as a real one: credentials point at it, and it cannot prove it
    is the sandbox (its identity secret is gone, as for a local proxy in front of production)."""
    import os

    from kalshi_nb.sandbox import Sandbox

    with Sandbox(host="127.0.0.2", rate_limit=None) as sb:
        os.remove(sb.secret_path)
        yield sb


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_with_credentials_places_nothing(
    name: str, not_the_sandbox: object, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sb = not_the_sandbox
    _kernel_env(
        monkeypatch,
        tmp_path / "home",
        {
            "KALSHI_API_KEY_ID": sb.key_id,
            "KALSHI_PRIVATE_KEY_PATH": sb.private_key_path,
            "KALSHI_API_BASE": sb.url,
        },
    )
    sb.requests.clear()
    try:
        nb, _ = _execute(name)
    finally:
        sb.check()  # re-raises any error inside the exchange's server
    reads = [r for r in sb.requests if r.method == "GET"]
    writes = [(r.method, r.path) for r in sb.requests if r.method in WRITE_METHODS]
    assert reads, f"{name} did not talk to the configured exchange at all"
    assert writes == [], f"{name} wrote to an exchange it must treat as real: {writes}"
    notices = _notices(nb)
    assert not any(SANDBOX_LINE.match(line) for line in notices), f"{name} fell back to the sandbox"
    assert len(notices) == 1 and "exchange at " + sb.url in notices[0], notices
    assert _stderr_lines(nb) == [], f"{name} wrote to stderr: {_stderr_lines(nb)}"
    shown = nbformat.writes(nb)
    assert sb.key_id not in shown, f"{name} shows the whole API key id in its outputs"
    assert "PRIVATE KEY" not in shown


@pytest.fixture(scope="module")
def sandbox_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """``python -m kalshi_nb.sandbox --port 0 --write-env .env`` in its own process; yields the .env's values.

    It inherits ``KALSHI_NB_DATA_DIR`` (tests/conftest.py), where it keeps its identity secret.
    """
    folder = tmp_path_factory.mktemp("sandbox-process")
    env_path = folder / ".env"
    proc = subprocess.Popen(
        [sys.executable, "-m", "kalshi_nb.sandbox", "--port", "0", "--write-env", str(env_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=folder,
    )
    try:
        banner = []
        assert proc.stdout is not None
        for line in proc.stdout:  # the banner ends with "Ctrl-C to stop" once the server is up
            banner.append(line)
            if "Ctrl-C to stop" in line:
                break
        assert env_path.exists(), f"the sandbox process wrote no .env: {''.join(banner)}"
        values = dict(
            line.split("=", 1)
            for line in env_path.read_text().splitlines()
            if "=" in line and not line.lstrip().startswith("#")
        )
        values = {k.strip(): v.strip().strip("'\"") for k, v in values.items()}
        assert {"KALSHI_API_BASE", "KALSHI_API_KEY_ID", "KALSHI_PRIVATE_KEY_PATH"} <= set(values), values
        assert values["KALSHI_API_BASE"].startswith("http://127.0.0.1:")
        yield values
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


CREATE_ORDER = "/trade-api/v2/portfolio/events/orders"


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_against_a_sandbox_process(
    name: str, sandbox_process: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    api_base = sandbox_process["KALSHI_API_BASE"]
    root = api_base.removesuffix("/trade-api/v2")
    _kernel_env(
        monkeypatch,
        tmp_path / "home",
        {
            name: sandbox_process[name]
            for name in ("KALSHI_API_BASE", "KALSHI_API_KEY_ID", "KALSHI_PRIVATE_KEY_PATH", "KALSHI_WS_URL")
            if name in sandbox_process  # the feed's URL: written by --write-env, read by 06_live
        },
    )
    assert os.environ.get("KALSHI_NB_DATA_DIR"), (
        "the kernel needs the data folder that holds the identity secret"
    )
    requests.post(f"{root}/_sandbox/reset", timeout=30).raise_for_status()
    nb, _ = _execute(name)  # any cell error fails here

    notices = _notices(nb)
    assert not any(SANDBOX_LINE.match(line) for line in notices), (
        f"{name} started a sandbox of its own: {notices}"
    )
    connected = re.compile(rf"^kalshi_nb: sandbox exchange at {re.escape(api_base)}\b")
    assert len(notices) == 1 and connected.match(notices[0]), f"{name} did not see a sandbox: {notices}"
    assert _stderr_lines(nb) == [], f"{name} wrote to stderr: {_stderr_lines(nb)}"
    assert "PRIVATE KEY" not in nbformat.writes(nb)

    log = requests.get(f"{root}/_sandbox/requests", timeout=30).json()["requests"]
    assert any(r["method"] == "GET" for r in log), f"{name} did not talk to the sandbox process"
    if name == "06_live.ipynb":  # one order placed, then amended across the spread (over the live feed)
        creates = [r for r in log if r["method"] == "POST" and r["path"] == CREATE_ORDER]
        amends = [r for r in log if r["method"] == "POST" and r["path"].endswith("/amend")]
        assert (len(creates), len(amends)) == (1, 1), (
            f"notebook 06: {len(creates)} creates, {len(amends)} amends"
        )
        shown = "".join(str(o.get("text", "")) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
        assert "resting on the book" in shown and "executed:" in shown, shown
    if name == "05_portfolio.ipynb":
        creates = [r for r in log if r["method"] == "POST" and r["path"] == CREATE_ORDER]
        assert len(creates) == 4, (
            f"notebook 05 placed {len(creates)} orders on the sandbox process, expected 4"
        )
        settled = [c for c in nb.cells if c.cell_type == "code" and "settlements_df()" in c.source]
        shown = "".join(str(out.get("data", {}).get("text/plain", "")) for out in settled[0].outputs)
        assert shown.count("KXBTC") >= 2, f"notebook 05 shows no settled markets: {shown}"
