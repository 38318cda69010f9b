"""The preview leads with the decision, details collapsed; receipts show the order's current state; the dry-run
box says what was not sent (orders.render, against the session sandbox)."""

from __future__ import annotations

import re

import pytest

from kalshi_nb.orders import place_order, preview_order
from kalshi_nb.orders.render import dry_run_html, render_preview_html, render_receipt_html

FED = "KXFEDDECISION-26DEC-H0"


def visible(html: str) -> str:
    """The text a reader sees before opening any <details>."""
    html = re.sub(r"<details.*?</details>", "", html, flags=re.DOTALL)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.fixture
def preview(client):
    return preview_order(FED, "yes", "buy", 10, "0.02", client=client)


def test_decision_first_request_and_ids_collapsed(preview) -> None:
    html = render_preview_html(preview)
    assert html.index('class="kalshi-decision"') < html.index('class="kalshi-preview-details"')
    details = re.search(r'<details class="kalshi-preview-details".*?</details>', html, flags=re.DOTALL).group(
        0
    )
    assert "<details open" not in html
    assert preview.client_order_id in details and "&quot;side&quot;: &quot;bid&quot;" in details
    shown = visible(html)
    assert preview.client_order_id not in shown and "&quot;" not in shown
    assert "Buy 10 YES at 2¢ ($0.02)" in shown
    assert f"Total ${preview.total:.2f}" in shown
    assert "if YES wins: +$" in shown and "if NO wins: -$" in shown
    assert "break-even: YES needs a chance of at least" in shown
    assert "SANDBOX" in shown
    if preview.warnings:
        assert html.index('class="kalshi-warnings"') < html.index('class="kalshi-preview-details"')


def test_sell_says_what_it_buys(client) -> None:
    p = preview_order(FED, "no", "sell", 2, "0.99", client=client)
    shown = visible(render_preview_html(p))
    assert "Sell 2 NO at 99¢ ($0.99) (that is: buy 2 YES at $0.01)" in shown


def test_dry_run_box_says_nothing_was_sent(preview) -> None:
    text = visible(dry_run_html(preview))
    assert text.startswith("DRY RUN: nothing was sent.")
    assert "With Dry run off, Place would send this request to sandbox" in text
    assert "POST /trade-api/v2/portfolio/events/orders" in text


def test_receipt_follows_the_order_as_it_is_now(preview) -> None:
    placed = place_order(preview, confirm=True)
    at_placement = render_receipt_html(placed)
    assert 'class="kalshi-receipt kalshi-receipt-resting' in at_placement
    assert "filled 0 of 10, 10 on the book" in visible(at_placement)
    placed.cancel()
    now = render_receipt_html(placed, placed.refresh())
    assert 'class="kalshi-receipt kalshi-receipt-canceled' in now
    text = visible(now).upper()
    assert "CANCELED" in text and "RESTING" not in text and "EXECUTED" not in text and "DRY RUN" not in text
    assert "filled 0 of 10, 10 canceled" in visible(now)
    assert placed.order_id in now and placed.order_id not in visible(now)  # the ids are in the details
