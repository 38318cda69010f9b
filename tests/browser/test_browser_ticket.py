"""The order ticket in a real browser, as a trader drives it: JupyterLab runs ``ticket.ipynb`` against the
test's sandbox on an 1100x800 screen, and Chromium types a bad price, fixes it, previews, places in dry
run, places for real with a double click, cancels from the orders panel, lets a preview go stale, goes
over the spend cap and switches series.

At every step the test reads what the page shows (``labkit.look``: rendered text only) and fails on any two
messages that contradict each other; the sandbox's order list is checked against what was meant; every
state is kept as ``artifacts/ticket-<nn>-<state>.png``.
"""

from __future__ import annotations

import re
import time

import pytest
from labkit import (
    Trader,
    cell_text,
    creates,
    in_view,
    notebook_outputs_are_calm,
    open_notebook,
    orders_in,
    run_cell,
    secrets_of,
    top_of_ticket,
)
from playwright.sync_api import Page, expect

OTHER_SERIES, OTHER_EVENT, OTHER_MARKET = "KXGDPNOM", "KXGDPNOM-RUS26", "KXGDPNOM-RUS26-T2.2"
# Cells that stand in for five idle minutes: the ticket's preview limit (``OrderTicket.max_age``, read at
# every tick) shortened to one second, then restored.
MAKE_STALE = "ticket.max_age = 1  # seconds: as if the preview's five minutes had passed"
# A cell runs after every widget message sent before it: the clicks before it have all been handled.
FLUSH = "pass  # the clicks above have been handled once this cell has run"
RESTORE_MAX_AGE = "from kalshi_nb.orders import PREVIEW_MAX_AGE\n\nticket.max_age = PREVIEW_MAX_AGE"


@pytest.mark.browser
def test_order_ticket_sequences(page: Page, lab: dict, sandbox: object) -> None:
    started = time.perf_counter()
    ticker = lab["ticker"]
    sandbox.reset()
    open_notebook(page, lab, "ticket.ipynb")
    t = Trader(page, lab["shots"], first=0, secrets=secrets_of(sandbox))

    # --- the ticket as it opens -------------------------------------------------------------------------
    expect(t.el(".kalshi-ticket-env-banner")).to_contain_text("SANDBOX")
    expect(t.el(".kalshi-ticket-market-info")).to_contain_text("active")  # the kernel read the market
    expect(t.field("ticker")).to_have_value(ticker)
    expect(t.place).to_be_disabled()  # nothing previewed yet
    notebook_outputs_are_calm(page, sandbox)
    t.notebook_shot("notebook")
    t.phase("editing")
    t.check("opened")

    # --- a bad price typed: the field says what is wrong, Place stays disabled --------------------------
    t.el(".kalshi-ticket-outcome button", has_text="YES").click()
    t.el(".kalshi-ticket-action button", has_text="Buy").click()
    t.field("count").fill("3")
    expect(t.el(".kalshi-ticket-price")).to_contain_text("YES price")
    t.field("price").fill("")  # the ticket filled in the best ask: the trader types their own
    t.field("price").press_sequentially("0.6o")  # a typo, as typed: the field checks every keystroke
    error = t.el(".kalshi-field-error").filter(has_text=re.compile(r"\w"))
    expect(error).to_have_count(1)
    expect(error).to_contain_text("price")
    expect(t.place).to_be_disabled()
    seen = t.check("bad-price")
    assert len(seen.fieldErrors) == 1, seen.fieldErrors
    near = seen.boxes["fieldError"], seen.boxes["price"]
    assert abs(near[0]["top"] - near[1]["bottom"]) < 60 or abs(near[0]["left"] - near[1]["right"]) < 60, (
        f"the price error is not next to the price field: {near}"
    )

    # --- fixed: the error goes, the field shows its reading ---------------------------------------------
    t.field("price").fill("0.60")
    expect(error).to_have_count(0)
    expect(t.el(".kalshi-ticket-price").locator("xpath=..")).to_contain_text("60¢")
    t.check("price-fixed")

    # --- Preview: the decision is on screen, the details are collapsed, the age shows -------------------
    top_of_ticket(page)  # where a trader would have the form, then clicks Preview without scrolling
    t.preview.click()
    t.phase("previewed")
    expect(t.el(".kalshi-preview .kalshi-decision")).to_be_visible()
    expect(t.el(".kalshi-ticket-age")).to_contain_text("previewed")
    expect(t.el("details.kalshi-preview-details")).to_have_count(1)
    expect(t.place).to_be_enabled()
    expect(t.place).to_contain_text("dry run")
    seen = t.check("previewed")
    assert in_view(seen, "decision"), f"the decision is not fully on screen after Preview: {seen.boxes}"
    assert re.search(r"stale in \d+:\d\d", seen.age), seen.age
    assert re.search(r"\$\d", seen.decision), f"the decision shows no dollar amount: {seen.decision!r}"
    assert '"client_order_id"' not in seen.text, "the request JSON is visible before the details are opened"
    assert [r for r in sandbox.requests if r.method != "GET"] == []  # the preview only read

    # --- Place in dry run: the dry-run box, nothing sent -----------------------------------------------
    t.place.click()
    expect(t.el(".kalshi-dry-run")).to_be_visible()
    expect(t.el(".kalshi-ticket-status")).to_contain_text("Untick Dry run")
    t.check("dry-run")
    run_cell(page, FLUSH)  # flush the kernel's queue: the click has been handled
    assert orders_in(sandbox) == [] and creates(sandbox) == 0, "dry run sent something"

    # --- untick Dry run: the ticket stops talking about dry run ----------------------------------------
    t.tick("dry-run").uncheck()
    expect(t.place).to_have_text(re.compile(r"^\s*Place order\s*$"))
    expect(t.place).to_be_enabled()
    expect(t.el(".kalshi-ticket-status")).not_to_contain_text("Untick Dry run")
    expect(t.el(".kalshi-dry-run")).to_have_count(0)
    t.check("armed")

    # --- Place with an impatient double click: one order, a resting receipt ---------------------------
    t.place.dblclick()
    t.phase("placed")
    receipt = t.el(".kalshi-receipt")
    expect(receipt).to_be_visible()
    expect(receipt).to_contain_text(re.compile("resting", re.IGNORECASE))
    expect(t.el(".kalshi-receipt.kalshi-receipt-resting")).to_have_count(1)
    expect(t.place).to_be_disabled()
    run_cell(page, FLUSH)  # any second click still queued in the kernel is handled before this cell
    rows = t.el(".kalshi-ticket-orders .kalshi-order-row")
    expect(rows).to_have_count(1)
    seen = t.check("placed")
    assert "DRY RUN" not in seen.text and "Untick Dry run" not in seen.text, seen.text
    assert orders_in(sandbox) == [(ticker, "bid", "0.6000", "3.00", "resting")], orders_in(sandbox)
    assert creates(sandbox) == 1, "the double click sent two create requests"
    [order] = sandbox.exchange.orders(sandbox.user_id)
    expect(receipt).to_contain_text(order["order_id"])
    assert cell_text(run_cell(page, "ticket.placed.status")).strip() == "'resting'"

    # --- amend from the orders panel: the sandbox's order moves to 59¢, the row says so -----------------
    rows.first.locator("button.kalshi-order-amend").click()
    editor = rows.first.locator(".kalshi-order-amend-editor")
    expect(editor).to_be_visible()
    editor.locator("input[type='text']").first.fill("59¢")
    editor.locator("button", has_text="Send amend").click()
    expect(rows.first).to_contain_text("59¢")
    seen = t.check("amended")
    t.soft(any("59" in r for r in seen.receipts), f"the receipt still shows the old price: {seen.receipts}")
    assert [(o[2], o[4]) for o in orders_in(sandbox)] == [("0.5900", "resting")], orders_in(sandbox)
    assert creates(sandbox) == 1

    # --- cancel from the orders panel: the receipt says canceled --------------------------------------
    rows.first.locator("button.kalshi-order-cancel").click()
    expect(t.el(".kalshi-receipt.kalshi-receipt-canceled")).to_have_count(1)
    expect(receipt).to_contain_text(re.compile("cancel", re.IGNORECASE))
    expect(receipt).not_to_contain_text(re.compile("resting", re.IGNORECASE))
    expect(rows).to_have_count(0)
    t.check("canceled")
    assert [o[-1] for o in orders_in(sandbox)] == ["canceled"], orders_in(sandbox)

    # --- a stale preview: a cell moves the ticket's clock past the preview's maximum age ---------------
    t.field("count").fill("2")
    t.phase("editing")
    t.preview.click()
    t.phase("previewed")
    expect(t.place).to_be_enabled()
    run_cell(page, MAKE_STALE)
    t.phase("stale")
    expect(t.place).to_be_disabled()
    expect(t.el(".kalshi-ticket-age")).to_contain_text(re.compile("preview again", re.IGNORECASE))
    seen = t.check("stale")
    assert re.search(r"preview again", seen.status, re.IGNORECASE), seen.status
    assert len(orders_in(sandbox)) == 1 and creates(sandbox) == 1
    run_cell(page, RESTORE_MAX_AGE)

    # --- over the spend cap: Place disabled, one sentence says why and what to do ---------------------
    t.field("count").fill("1000")  # 1000 x $0.60 = $600 worst case, above the $100 default cap
    t.phase("editing")
    t.preview.click()
    t.phase("previewed")
    expect(t.place).to_be_disabled()
    expect(t.el(".kalshi-ticket-status")).to_contain_text("spend cap")
    seen = t.check("over-cap")
    assert "above the spend cap" in seen.status and "$100.00" in seen.status, seen.status
    # (The preview's own warning says it again, in other words: see the H5 report.)
    assert creates(sandbox) == 1

    # --- series switch: ticker, preview and price cleared; a new market starts from its own quote -----
    series = t.field("series")
    series.fill(OTHER_SERIES)
    series.press("Enter")
    expect(t.field("ticker")).to_have_value("")
    expect(t.field("price")).to_have_value("")
    expect(t.el(".kalshi-preview")).to_have_count(0)
    t.phase("editing")
    expect(t.place).to_be_disabled()
    seen = t.check("series-switched")
    assert ticker not in seen.text, f"the old market {ticker} is still on the form"
    t.el(".kalshi-ticket-event select").select_option(
        label=_option(page, ".kalshi-ticket-event select", OTHER_EVENT)
    )
    t.el(".kalshi-ticket-market select").select_option(
        label=_option(page, ".kalshi-ticket-market select", OTHER_MARKET)
    )
    expect(t.field("ticker")).to_have_value(OTHER_MARKET)
    quote = sandbox.exchange.market(OTHER_MARKET)["yes_ask_dollars"]  # buy YES: starts at the best ask
    expect(t.field("price")).not_to_have_value("")
    seen = t.check("new-market")
    cents = str(int(float(quote) * 100))
    assert cents in seen.price or quote.rstrip("0") in seen.price, (seen.price, quote)
    assert "0.60" not in seen.price and seen.price.strip("¢c") != "60", "the old price carried over"
    assert creates(sandbox) == 1 and len(orders_in(sandbox)) == 1

    t.finish("ticket-check-sandbox.txt")
    assert time.perf_counter() - started < 150, "keep the browser test fast"


def _option(page: Page, select: str, contains: str) -> str:
    """The label of the option of ``select`` (inside the ticket) that names ``contains``."""
    options = page.locator(f".kalshi-ticket {select} option")
    expect(options.filter(has_text=contains)).not_to_have_count(0)  # the kernel fills the list
    labels = options.all_inner_texts()
    matches = [label for label in labels if contains in label]
    assert matches, f"no option naming {contains} in {select}: {labels}"
    return matches[0]
