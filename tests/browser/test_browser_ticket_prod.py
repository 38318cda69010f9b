"""The order ticket on a production-like client, in a real browser: ``ticket_prod.ipynb`` builds a ticket on
a sandbox client forced to ``env = "prod"`` with a $5 spend cap. Place stays disabled until a cell runs
``kalshi_nb.enable_live_trading(client)`` (the banner changes in place, no re-render) and until the
per-order confirmation is ticked; the confirmation clears after the order and after any input change.
Visible text is checked at every step and each state is kept as ``artifacts/ticket-<nn>-<state>.png``.
"""

from __future__ import annotations

import re
import time

import pytest
from labkit import (
    Trader,
    creates,
    look,
    notebook_outputs_are_calm,
    open_notebook,
    orders_in,
    run_cell,
    secrets_of,
)
from playwright.sync_api import Page, expect


@pytest.mark.browser
def test_production_ticket_needs_live_trading_and_a_confirmation(
    page: Page, lab: dict, sandbox: object
) -> None:
    started = time.perf_counter()
    ticker = lab["ticker"]
    sandbox.reset()
    open_notebook(page, lab, "ticket_prod.ipynb")
    t = Trader(page, lab["shots"], first=19, secrets=secrets_of(sandbox))
    banner = t.el(".kalshi-ticket-env-banner")

    # --- production, live trading off ------------------------------------------------------------------
    expect(banner).to_contain_text("PRODUCTION")
    expect(banner).to_contain_text("NOT enabled")
    expect(t.field("ticker")).to_have_value(ticker)
    notebook_outputs_are_calm(page, sandbox)
    t.notebook_shot("notebook")
    t.check("prod-opened")

    t.el(".kalshi-ticket-outcome button", has_text="YES").click()
    t.el(".kalshi-ticket-action button", has_text="Buy").click()
    t.field("count").fill("3")
    t.field("price").fill("0.60")
    t.preview.click()
    t.phase("previewed")
    expect(t.place).to_contain_text("dry run")
    expect(t.place).to_be_enabled()  # a dry run needs no opt-in: it sends nothing
    t.tick("dry-run").uncheck()
    expect(t.place).to_have_text(re.compile(r"REAL", re.IGNORECASE))
    expect(t.place).to_be_disabled()
    expect(t.el(".kalshi-ticket-status")).to_contain_text(
        re.compile("live trading is not enabled", re.IGNORECASE)
    )
    expect(t.el(".kalshi-ticket-confirm-live")).to_be_visible()
    seen = t.check("prod-live-off")
    assert seen.confirm is False

    # --- a cell enables live trading: the same rendered banner changes (no re-render) ------------------
    page.locator(".kalshi-ticket").evaluate("el => { el.dataset.seenBefore = 'yes'; }")
    run_cell(page, "kalshi_nb.enable_live_trading(client)")
    expect(banner).to_contain_text(re.compile(r"live trading enabled", re.IGNORECASE))
    expect(banner).not_to_contain_text("NOT enabled")
    expect(page.locator(".kalshi-ticket[data-seen-before='yes']")).to_have_count(1)
    expect(t.place).to_be_disabled()  # still needs the confirmation
    expect(t.el(".kalshi-ticket-status")).to_contain_text(re.compile(r"Tick .*confirm", re.IGNORECASE))
    t.check("prod-live-on")

    # --- the confirmation is for one order: an input change clears it ---------------------------------
    t.tick("confirm-live").check()
    expect(t.place).to_be_enabled()
    t.check("prod-confirmed")
    t.field("count").fill("2")
    expect(t.tick("confirm-live")).not_to_be_checked()
    expect(t.place).to_be_disabled()
    t.preview.click()
    t.phase("previewed")
    expect(t.tick("confirm-live")).not_to_be_checked()
    expect(t.place).to_be_disabled()

    # --- confirm and place: one order; the confirmation is cleared after it ---------------------------
    t.tick("confirm-live").check()
    expect(t.place).to_be_enabled()
    t.place.click()
    t.phase("placed")
    expect(t.el(".kalshi-receipt.kalshi-receipt-resting")).to_have_count(1)
    run_cell(
        page, "pass  # the clicks above have been handled once this cell has run"
    )  # flush any queued click
    expect(t.tick("confirm-live")).not_to_be_checked()
    seen = t.check("prod-placed")
    assert seen.confirm in (False, None), "the confirmation is still ticked after the order"
    assert orders_in(sandbox) == [(ticker, "bid", "0.6000", "2.00", "resting")], orders_in(sandbox)
    assert creates(sandbox) == 1

    # --- the next order needs a new confirmation, and this ticket's $5 cap applies ---------------------
    t.field("count").fill("10")  # 10 x $0.60 = $6 worst case, above the $5 cap
    t.preview.click()
    t.phase("previewed")
    expect(t.tick("confirm-live")).not_to_be_checked()
    t.tick("confirm-live").check()
    expect(t.place).to_be_disabled()
    expect(t.el(".kalshi-ticket-status")).to_contain_text("spend cap")
    seen = t.check("prod-over-cap")
    assert "$5" in seen.status, seen.status
    assert creates(sandbox) == 1 and len(orders_in(sandbox)) == 1
    assert look(page).count == 1

    t.finish("ticket-check-prod.txt")
    assert time.perf_counter() - started < 120, "keep the browser test fast"
