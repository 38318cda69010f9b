"""The order ticket in a real browser: JupyterLab runs ticket.ipynb against the test's sandbox, Chromium
fills the form, turns dry run off, previews and places (with a double click), and the page shows the
receipt while the sandbox holds exactly one order."""

from __future__ import annotations

import re
import time
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

CREATE = "/trade-api/v2/portfolio/events/orders"

# "Run all" clicked as soon as the toolbar says idle was lost in about 1 of 6 fresh kernels (shared
# recipe): await the notebook's session and kernel, then run the command.
RUN_ALL_WHEN_KERNEL_READY = """async () => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  await panel.context.ready;
  await panel.sessionContext.ready;
  await panel.sessionContext.session.kernel.info;
  return await app.commands.execute('notebook:run-all-cells');
}"""


@pytest.mark.browser
def test_order_ticket_in_jupyterlab(page: Page, lab: dict, sandbox: object) -> None:
    started = time.perf_counter()
    ticker, shots = lab["ticker"], lab["shots"]
    sandbox.reset()
    page.goto(f"{lab['base']}/lab/tree/ticket.ipynb?token={lab['token']}")
    page.wait_for_function(
        "() => window.jupyterapp?.shell.currentWidget?.sessionContext?.session", timeout=60_000
    )
    page.evaluate(RUN_ALL_WHEN_KERNEL_READY)

    ticket = page.locator(".kalshi-ticket")
    expect(ticket).to_be_visible(timeout=120_000)
    expect(page.locator(".kalshi-env")).to_contain_text("SANDBOX")
    expect(page.locator(".kalshi-ticket-market-info")).to_contain_text("active")  # the kernel read the market
    expect(page.locator(".kalshi-ticket-ticker input")).to_have_value(ticker)
    place = page.locator("button.kalshi-ticket-place-button")
    expect(place).to_be_disabled()  # nothing previewed yet
    # stderr holds at most connect()'s one line naming the exchange and the (shortened) key
    stderr = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    lines = [line for text in stderr.all_inner_texts() for line in text.splitlines() if line.strip()]
    connected = re.compile(rf"^kalshi_nb: sandbox exchange at {re.escape(sandbox.url)}\b")
    assert [line for line in lines if not connected.match(line)] == [], lines

    # Fill in: buy 3 YES at $0.60 (under the best bid, so it rests), good till canceled.
    page.locator(".kalshi-ticket-outcome button", has_text="YES").click()
    page.locator(".kalshi-ticket-action button", has_text="Buy").click()
    page.locator(".kalshi-ticket-count input").fill("3")
    page.locator(".kalshi-ticket-price input").fill("0.60")
    page.locator(".kalshi-ticket-dry-run input[type='checkbox']").uncheck()

    page.locator("button.kalshi-ticket-preview-button").click()
    preview = page.locator(".kalshi-preview")
    expect(preview).to_be_visible()
    expect(preview).to_contain_text('"side": "bid"')
    expect(preview).to_contain_text('"price": "0.6000"')
    expect(place).to_be_enabled()
    expect(place).to_have_text("Place order")
    assert [r for r in sandbox.requests if r.method != "GET"] == []  # the preview only read

    place.dblclick()  # an impatient double click
    receipt = page.locator(".kalshi-receipt")
    expect(receipt).to_contain_text("RESTING")
    expect(page.locator("button.kalshi-ticket-cancel-button")).to_be_visible()
    expect(place).to_be_disabled()
    expect(place).to_have_text("Placed")

    # The state the user sees, kept as an artifact.
    ticket.scroll_into_view_if_needed()
    shots.mkdir(parents=True, exist_ok=True)
    ticket.screenshot(path=str(shots / "order_ticket.png"))

    # Flush the kernel's queue: any click still in flight is handled before this change is.
    page.locator(".kalshi-ticket-count input").fill("4")
    expect(page.locator(".kalshi-ticket-status")).to_contain_text("Inputs changed")

    orders = sandbox.exchange.orders(sandbox.user_id)
    assert len(orders) == 1
    [order] = orders
    assert (
        order["ticker"],
        order["book_side"],
        order["yes_price_dollars"],
        order["initial_count_fp"],
        order["status"],
    ) == (ticker, "bid", "0.6000", "3.00", "resting")
    assert len([r for r in sandbox.requests if r.method == "POST" and r.path == CREATE]) == 1
    expect(receipt).to_contain_text(order["order_id"])
    assert Decimal(order["yes_price_dollars"]) == Decimal("0.60")
    assert time.perf_counter() - started < 60, "keep the browser test fast"
