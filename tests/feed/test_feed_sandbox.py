"""The Feed against the sandbox's own WebSocket server: every valid book equals the REST book, through
orders placed over REST, skipped and duplicated seqs, dropped connections and refused upgrades."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kalshi_nb.client import KalshiClient
from kalshi_nb.feed import Feed
from kalshi_nb.feed.books import rest_levels

FAST = (0.02, 0.2)


@pytest.fixture
def ticker(client: KalshiClient) -> str:
    return str(client.get_markets(limit=1, status="open")["markets"][0]["ticker"])


@pytest.fixture
def feed(sb: Any, client: KalshiClient, ticker: str) -> Iterator[Feed]:
    sb.ws_faults.clear()
    f = Feed(
        [ticker], ("orderbook_delta", "trade", "user_orders"), client=client, url=sb.ws_url, backoff=FAST
    )
    f.wait_for(lambda f: f.book(ticker).valid, timeout=10)
    yield f
    f.close()
    sb.ws_faults.clear()


def _matches_rest(feed: Feed, client: KalshiClient, ticker: str) -> bool:
    book = feed.book(ticker)
    if not book.valid:
        return False
    rest = rest_levels(client.get_orderbook(ticker))
    return dict(book.levels("yes")) == rest["yes"] and dict(book.levels("no")) == rest["no"]


def _place(client: KalshiClient, ticker: str, cents: int = 2) -> str:
    return str(client.place_order(ticker, "yes", 3, price_cents=cents)["order"]["order_id"])


def test_book_and_orders_follow_rest_writes(feed: Feed, client: KalshiClient, ticker: str) -> None:
    assert _matches_rest(feed, client, ticker)
    order_id = _place(client, ticker)
    feed.wait_for(lambda f: f.orders.get(order_id, {}).get("status") == "resting", timeout=10)
    feed.wait_for(lambda f: _matches_rest(f, client, ticker), timeout=10)
    client.cancel_order(order_id)
    feed.wait_for(lambda f: f.orders.get(order_id, {}).get("status") == "canceled", timeout=10)
    feed.wait_for(lambda f: _matches_rest(f, client, ticker), timeout=10)


def test_skipped_seq_is_recovered(feed: Feed, sb: Any, client: KalshiClient, ticker: str) -> None:
    sb.ws_faults.update(skip_seq=True)
    _place(client, ticker, 3)
    feed.wait_for(lambda f: f.health.gaps == 1 and f.health.gaps_recovered >= 1, timeout=10)
    feed.wait_for(lambda f: _matches_rest(f, client, ticker), timeout=10)


def test_duplicated_frame_is_ignored(feed: Feed, sb: Any, client: KalshiClient, ticker: str) -> None:
    sb.ws_faults.update(duplicate=True)
    _place(client, ticker, 4)
    feed.wait_for(lambda f: f.health.duplicates == 1, timeout=10)
    feed.wait_for(lambda f: _matches_rest(f, client, ticker), timeout=10)
    assert feed.health.gaps == 0


def test_dropped_connection_reconnects(feed: Feed, sb: Any, client: KalshiClient, ticker: str) -> None:
    sb.ws_drop_all()
    _place(client, ticker, 5)  # a change while the client may be away
    feed.wait_for(lambda f: f.health.reconnects >= 1, timeout=10)
    feed.wait_for(lambda f: _matches_rest(f, client, ticker), timeout=10)
    order_id = _place(client, ticker, 6)
    feed.wait_for(lambda f: order_id in f.orders and _matches_rest(f, client, ticker), timeout=10)


def test_refused_upgrade_is_retried(sb: Any, client: KalshiClient, ticker: str) -> None:
    sb.ws_faults.update(refuse_upgrade=True)
    with Feed([ticker], client=client, url=sb.ws_url, backoff=FAST) as f:
        f.wait_for(lambda f: f.health.last_error is not None, timeout=10)
        assert not f.book(ticker).valid
        sb.ws_faults.clear()
        f.wait_for(lambda f: _matches_rest(f, client, ticker), timeout=10)


@pytest.mark.parametrize("use_yes_price", [True, False])
def test_both_price_conventions_give_the_rest_book(
    sb: Any, client: KalshiClient, ticker: str, use_yes_price: bool
) -> None:
    _place(client, ticker, 7)
    client.place_order(ticker, "no", 2, price_cents=8)  # a NO level, whose wire price depends on the flag
    with Feed([ticker], ("orderbook_delta",), client=client, url=sb.ws_url, use_yes_price=use_yes_price) as f:
        f.wait_for(lambda f: _matches_rest(f, client, ticker), timeout=10)
        client.place_order(ticker, "no", 1, price_cents=9)
        f.wait_for(lambda f: _matches_rest(f, client, ticker), timeout=10)
        assert f.book(ticker).levels("no")
