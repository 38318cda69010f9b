"""market_view, book_view, position_view: fetch once, show as HTML, hold the data as attributes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kalshi_nb.data.views import book_view, market_view, position_view
from kalshi_nb.orders import place_order, preview_order

FED = "KXFEDDECISION-26DEC-H0"


def test_market_view(client) -> None:
    m = market_view(FED, client=client)
    raw = client.get_market(FED)
    assert m.ticker == FED and m.status == raw["status"]
    assert m.yes_bid == Decimal(raw["yes_bid_dollars"]) and m.no_ask == 1 - m.yes_bid
    assert m.time_to_close is not None and m.time_to_close.total_seconds() > 0
    html = m._repr_html_()
    assert "kalshi-market-line" in html and "kalshi-q-no-bid" in html
    assert FED in repr(m) and m.refresh().ticker == FED


def test_book_view_matches_the_book(client) -> None:
    b = book_view(FED, depth=3, client=client)
    raw = client.get_orderbook(FED)["orderbook_fp"]
    assert b.best_bid == max(Decimal(p) for p, _ in raw["yes_dollars"])
    assert b.best_ask == 1 - max(Decimal(p) for p, _ in raw["no_dollars"])
    assert b.spread == b.best_ask - b.best_bid
    assert b._repr_html_().count('class="kalshi-book-bid"') == min(3, len(b.bids))
    assert len(b.df) == len(raw["yes_dollars"]) + len(raw["no_dollars"])
    assert b.df.attrs["kalshi_nb.kind"] == "orderbook"


def test_position_view_flat_then_held(client) -> None:
    assert position_view(FED, client=client).side == "flat"
    ask = market_view(FED, client=client).yes_ask
    place_order(preview_order(FED, "yes", "buy", 3, str(ask), client=client), confirm=True)
    p = position_view(FED, client=client)
    assert (p.side, p.contracts) == ("yes", Decimal(3))
    assert p.exposure is not None and p.exposure > 0
    assert p.value == 3 * market_view(FED, client=client).yes_bid
    assert p.unrealized_pnl == p.value - p.exposure
    html = p._repr_html_()
    assert "kalshi-position" in html and "3 YES" in html


@pytest.mark.parametrize("bad", ["", None, ["A", "B"]])
def test_bad_ticker_refused_before_any_request(client, bad) -> None:
    with pytest.raises(ValueError, match="one market ticker"):
        market_view(bad, client=client)
