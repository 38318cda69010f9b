"""The live market view in a real browser: JupyterLab opens ``live.ipynb`` against the test's sandbox, a cell
opens ``kalshi_nb.live_view()`` on the current KXBTC15M window, and Chromium watches it.

- The best bid on screen is the sandbox's best bid, and it changes by itself after the test sells into it
  over REST (no cell is run to redraw it).
- The view never blocks the kernel: a cell that sleeps is running while the change arrives on screen, and
  it finishes with the view still live.
- A dropped connection greys the book out on screen ("STALE", "not connected") until the feed is back.
- Stop (clicked in the page) ends it in the kernel too.

Screenshots: ``artifacts/live-01-open.png``, ``live-02-moved.png``, ``live-03-dropped.png``,
``live-04-stopped.png``.
"""

from __future__ import annotations

import re
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from labkit import RUN_ALL_WHEN_KERNEL_READY, cell_text, run_cell
from playwright.sync_api import Page, expect

from kalshi_nb.client import KalshiClient
from kalshi_nb.display.book import book_sides

# A new last cell, run without waiting for it to finish (the sleeping cell must still be running while the
# test looks at the page).
START_NEW_CELL = """(code) => {
  const app = window.jupyterapp;
  const nb = app.shell.currentWidget.content;
  nb.activeCellIndex = nb.widgets.length - 1;
  return app.commands.execute('notebook:insert-cell-below').then(() => {
    nb.activeCell.model.sharedModel.setSource(code);
    app.commands.execute('notebook:run-cell');  // not awaited
    return true;
  });
}"""
CLASS_NAMES = re.compile(r"\b[A-Z][A-Za-z]*(Error|Exception|Status)\b|Traceback")
SLEEP_CELL = "time.sleep(8)\nprint('slept with the view live:', view.running)"


def _open(page: Page, lab: dict) -> None:
    page.goto(f"{lab['base']}/lab/workspaces/w-live/tree/live.ipynb?reset&token={lab['token']}")
    page.wait_for_function(
        "() => window.jupyterapp?.shell.currentWidget?.sessionContext?.session", timeout=60_000
    )
    errors = page.evaluate(RUN_ALL_WHEN_KERNEL_READY)
    assert not errors, f"live.ipynb raised when run: {errors}"


def _rest_best_bid(client: KalshiClient, ticker: str) -> Decimal:
    bids, _ = book_sides(client.get_orderbook(ticker))
    return bids[0][0]


def _cents(price: Decimal) -> str:
    return f"{(price * 100).normalize():f}¢"


def _sell_into_the_best_bid(client: KalshiClient, ticker: str) -> Decimal:
    """Sell (buy NO) every contract bid at the best YES bid, in orders under the spend cap; returns it."""
    bids, _ = book_sides(client.get_orderbook(ticker))
    bid, left = bids[0]
    while left > 0:
        n = min(left, Decimal(100))
        client.place_order(ticker, "no", n, price_cents=int((1 - bid) * 100))
        left -= n
    return bid


@pytest.mark.browser
def test_live_view_moves_on_its_own_while_cells_run(page: Page, lab: dict, sandbox: Any) -> None:
    started = time.perf_counter()
    shots: Path = lab["shots"]
    sandbox.reset()
    client = KalshiClient(
        key_id=sandbox.key_id,
        private_key_path=sandbox.private_key_path,
        api_base=sandbox.url,
        rate_limit=None,
    )
    try:
        _open(page, lab)
        run_cell(page, f"client.ws_url = {sandbox.ws_url!r}  # the test sandbox's feed")
        run_cell(page, "view = kalshi_nb.live_view(client=client)\nview")
        root = page.locator(".kalshi-live")
        expect(root).to_have_count(1)
        expect(root.locator(".kalshi-live-validity")).to_have_text("book valid")
        expect(root.locator(".kalshi-live-connection")).to_contain_text("connected")
        ticker = root.locator(".kalshi-live-ticker").inner_text().strip()
        assert ticker.startswith("KXBTC15M-"), ticker
        best_bid = root.locator(".kalshi-live-best-bid")
        expect(best_bid).to_have_text(_cents(_rest_best_bid(client, ticker)))
        root.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "live-01-open.png"))

        # A cell that keeps the kernel busy; the view must keep moving while it runs.
        page.evaluate(START_NEW_CELL, SLEEP_CELL)
        expect(page.locator(".jp-CodeCell .jp-InputPrompt", has_text="[*]")).to_have_count(1)
        old = _sell_into_the_best_bid(client, ticker)
        new = _rest_best_bid(client, ticker)
        assert new < old
        expect(best_bid).to_have_text(_cents(new), timeout=6_000)  # within the sleeping cell's 8 s
        slept = page.locator(".jp-OutputArea-output", has_text="slept with the view live")
        assert slept.count() == 0, "the best bid changed only after the busy cell finished"
        expect(root.locator(".kalshi-live-trade").first).to_be_attached()  # the sales, as trades
        expect(root.locator(".kalshi-live-validity")).to_have_text("book valid")
        root.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "live-02-moved.png"))
        expect(slept).to_contain_text("slept with the view live: True", timeout=30_000)

        # Another cell, run after the busy one, while the view is live.
        out = cell_text(
            run_cell(
                page,
                "print('view live:', view.running, '| best bid', view.feed.book(view.ticker).best_bid())",
            )
        )
        assert f"view live: True | best bid {new}" in out, out

        # The connection drops (and reconnecting is refused for a moment): the book on screen turns grey and
        # says so, and comes back current by itself once the feed is back.
        sandbox.ws_faults.update(refuse_upgrade=True)
        sandbox.ws_drop_all()
        expect(root.locator(".kalshi-book-stale")).to_have_count(1, timeout=10_000)
        expect(root.locator(".kalshi-live-connection")).to_contain_text("not connected")
        expect(root.locator(".kalshi-live-validity")).to_contain_text("book stale")
        expect(root.locator(".kalshi-live-stale-tag")).to_have_count(1)
        shown = root.inner_text()
        assert not CLASS_NAMES.search(shown), f"an exception class name on screen: {shown}"
        root.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "live-03-dropped.png"))
        sandbox.ws_faults.clear()
        expect(root.locator(".kalshi-live-validity")).to_have_text("book valid", timeout=40_000)
        expect(root.locator(".kalshi-book-stale")).to_have_count(0)
        expect(best_bid).to_have_text(_cents(_rest_best_bid(client, ticker)))

        root.locator("button.kalshi-live-stop").click()
        expect(root.locator(".kalshi-live-connection")).to_contain_text("stopped")
        expect(root.locator(".kalshi-book-stale")).to_have_count(1)
        root.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "live-04-stopped.png"))
        out = cell_text(run_cell(page, "print('running after Stop:', view.running)"))
        assert "running after Stop: False" in out, out
    finally:
        sandbox.ws_faults.clear()
        client.close()
        sandbox.check()
    print(f"live view browser test: {time.perf_counter() - started:.1f} s")  # noqa: T201 - a figure for the log
