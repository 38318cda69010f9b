"""``LiveMarketView`` against the sandbox and its real WebSocket feed: it follows the book, coalesces
redraws, greys out a book it cannot vouch for, degrades to "not connected", and stops cleanly (threads
ended, its own feed closed, a feed passed in left open)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from kalshi_nb.client import KalshiClient
from kalshi_nb.feed import Feed
from kalshi_nb.liveview import LiveMarketView, current_window, live_view
from kalshi_nb.liveview import widget as widget_module

FAST = (0.02, 0.2)


@pytest.fixture
def live_client(client: KalshiClient, sb: Any) -> KalshiClient:
    sb.ws_faults.clear()
    client.ws_url = sb.ws_url  # what connect() sets for its sandbox
    return client


@pytest.fixture
def view(live_client: KalshiClient) -> Iterator[LiveMarketView]:
    v = live_view(client=live_client)
    assert v.feed is not None
    v.feed.wait_for(lambda f: f.book(v.ticker).valid, timeout=10)
    yield v
    v.close()


def _threads(prefix: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(prefix) and t.is_alive()]


def _shown_best_bid(v: LiveMarketView) -> str:
    return re.search(r'kalshi-live-best-bid">([^<]*)<', v.header.value).group(1)


def _cents(price: Decimal) -> str:
    return f"{(price * 100).normalize():f}¢"


def test_the_view_watches_the_current_window(view: LiveMarketView, sb: Any) -> None:
    windows = sb.exchange.markets(status="open", series_ticker="KXBTC15M")
    assert view.ticker == min(windows, key=lambda m: m["close_time"])["ticker"]
    state = view.redraw()
    assert state.connected and state.valid
    assert _shown_best_bid(view) == _cents(view.feed.book(view.ticker).best_bid())
    assert "book valid" in view.health.value and "left" in view.header.value


def test_a_resting_order_appears_on_the_ladder(view: LiveMarketView, live_client: KalshiClient) -> None:
    book = view.feed.book(view.ticker)
    price = book.best_bid() - Decimal("0.02")
    order = live_client.place_order(view.ticker, "yes", 1, price_cents=int(price * 100))["order"]
    view.feed.wait_for(lambda f: f.orders.get(order["order_id"], {}).get("status") == "resting", timeout=10)
    view.redraw()
    rows = re.findall(r'<tr class="kalshi-book-bid">(.*?)</tr>', view.book.value)
    marked = [re.search(r">([\d.]+¢)<", r).group(1) for r in rows if "yours" in r]
    assert marked == [_cents(price)]


def test_the_best_bid_on_screen_follows_a_trade(view: LiveMarketView, live_client: KalshiClient) -> None:
    book = view.feed.book(view.ticker)
    bid = book.best_bid()
    size = dict(book.levels("yes"))[bid]
    left = size
    while left > 0:  # sell into the best bid until it is gone (orders under the spend cap)
        n = min(left, Decimal(100))
        live_client.place_order(view.ticker, "no", n, price_cents=int((1 - bid) * 100))
        left -= n
    view.feed.wait_for(lambda f: (f.book(view.ticker).best_bid() or 0) < bid, timeout=10)
    view.redraw()
    assert _shown_best_bid(view) == _cents(view.feed.book(view.ticker).best_bid())
    assert _shown_best_bid(view) != _cents(bid)
    assert 'class="kalshi-live-trade"' in view.trades.value


def test_stop_ends_the_threads_and_closes_its_own_feed(live_client: KalshiClient) -> None:
    v = LiveMarketView(client=live_client)
    feed = v.feed
    assert feed is not None
    feed.wait_for(lambda f: f.connected, timeout=10)
    assert _threads("kalshi-live-view-") and v.running
    v.stop_button.click()
    assert not v.running and not feed.connected
    assert not _threads("kalshi-live-view-") and not _threads(f"kalshi-feed-{id(feed):x}")
    assert "● stopped" in v.health.value and "kalshi-book-stale" in v.book.value
    assert v.stop_button.disabled
    v.close()


def test_closing_the_widget_stops_the_view(live_client: KalshiClient) -> None:
    v = LiveMarketView(client=live_client)
    v.widget.close()
    assert not v.running and not _threads("kalshi-live-view-")


def test_exit_stops_every_live_view(live_client: KalshiClient) -> None:
    views = [LiveMarketView(client=live_client), LiveMarketView(client=live_client)]
    widget_module._stop_all()  # what runs at interpreter (kernel) exit
    assert not any(v.running for v in views) and not _threads("kalshi-live-view-")
    for v in views:
        v.close()


def test_a_feed_passed_in_is_left_open(live_client: KalshiClient) -> None:
    window = current_window(live_client)["ticker"]
    with Feed([window], client=live_client, backoff=FAST) as feed:
        v = LiveMarketView(window, feed=feed)
        feed.wait_for(lambda f: f.book(window).valid, timeout=10)
        v.close()
        assert not v.running and feed.connected
        assert feed.book(window).valid


def test_redraws_are_coalesced(live_client: KalshiClient) -> None:
    now = [100.0]
    v = LiveMarketView(client=live_client, max_fps=4, clock=lambda: now[0], start=False)
    try:
        drawn = v.redraws
        for _ in range(500):  # a burst of frames: each only marks the view changed
            v._on_frame({"type": "orderbook_delta", "msg": {}})
        assert v.redraws == drawn  # nothing is drawn on the feed's thread
        now[0] += 0.1
        assert not v.tick()  # changed, but a quarter second has not passed
        now[0] += 0.15
        assert v.tick() and v.redraws == drawn + 1  # the whole burst: one redraw
        now[0] += 0.3
        assert not v.tick()  # nothing changed and the clock is not due
        now[0] += 0.75
        assert v.tick() and v.redraws == drawn + 2  # a second passed: the clock is redrawn
    finally:
        v.close()
    assert not v.tick()  # a stopped view never redraws


def test_redraw_rate_is_bounded_under_a_flood(live_client: KalshiClient) -> None:
    import time

    v = LiveMarketView(client=live_client, max_fps=4)
    frames = [0]
    assert v.feed is not None
    off = v.feed.on("*", lambda _f: frames.__setitem__(0, frames[0] + 1))
    try:
        v.feed.wait_for(lambda f: f.book(v.ticker).valid, timeout=10)
        bid = v.feed.book(v.ticker).best_bid()
        start, drawn = time.monotonic(), v.redraws
        for i in range(40):
            live_client.place_order(v.ticker, "yes", 1, price_cents=int(bid * 100) - 1 - i % 5)
        v.feed.wait_for(lambda f: frames[0] >= 40, timeout=20)
        elapsed, redrawn = time.monotonic() - start, v.redraws - drawn
    finally:
        off()
        v.close()
    # At most one redraw per 1/max_fps (plus the one in flight), however many frames came.
    assert redrawn <= elapsed * 4 + 2, (redrawn, elapsed)
    assert frames[0] > redrawn


def test_a_dropped_feed_is_greyed_until_it_is_back(view: LiveMarketView, sb: Any) -> None:
    sb.ws_faults.update(refuse_upgrade=True)
    sb.ws_drop_all()
    view.feed.wait_for(lambda f: not f.connected, timeout=10)
    view.redraw()
    assert "kalshi-book-stale" in view.book.value and "● not connected" in view.health.value
    assert "(stale)" in view.header.value
    sb.ws_faults.clear()
    view.feed.wait_for(lambda f: f.book(view.ticker).valid, timeout=20)
    view.redraw()
    assert "kalshi-book-stale" not in view.book.value and "book valid" in view.health.value


def test_without_a_websocket_it_says_not_connected(
    client: KalshiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KALSHI_WS_URL", raising=False)
    client.ws_url = None  # a loopback host with no feed URL: no feed can be opened
    v = LiveMarketView(client=client)
    try:
        assert v.feed is None and v.error and "WebSocket" in v.error
        v.redraw()
        assert "● not connected" in v.health.value and v.error in v.health.value
        assert "kalshi-book-stale" in v.book.value and "left" in v.header.value
    finally:
        v.close()
    assert not v.running


def test_no_open_window_is_a_clear_error(live_client: KalshiClient) -> None:
    with pytest.raises(ValueError, match="no open KXNOSUCH market"):
        LiveMarketView(client=live_client, series="KXNOSUCH")


def test_max_fps_must_be_positive(live_client: KalshiClient) -> None:
    with pytest.raises(ValueError, match="max_fps"):
        LiveMarketView(client=live_client, max_fps=0)


def test_the_view_follows_the_window_when_it_closes() -> None:
    from datetime import datetime, timedelta, timezone

    from kalshi_nb.sandbox import Sandbox
    from kalshi_nb.sandbox.exchange import Exchange

    t = [datetime(2026, 12, 2, 5, 10, tzinfo=timezone.utc)]
    mono = [0.0]
    exchange = Exchange(seed=0, now=t[0], clock=lambda: t[0])
    with Sandbox(exchange=exchange, rate_limit=None) as sb:
        client = KalshiClient(
            key_id=sb.key_id, private_key_path=sb.private_key_path, api_base=sb.url, rate_limit=None
        )
        client.ws_url = sb.ws_url
        v = LiveMarketView(client=client, now=lambda: t[0], clock=lambda: mono[0], start=False)
        try:
            first, first_feed = v.ticker, v.feed
            assert v.follow and first_feed is not None
            first_feed.wait_for(lambda f: f.book(first).valid, timeout=10)
            t[0] += timedelta(minutes=6)  # past the window's close (05:15) on the exchange's clock
            mono[0] += 11.0
            v.redraw()
            assert v.switches == 1 and v.ticker != first
            assert v.ticker == current_window(client, now=t[0])["ticker"]
            assert not first_feed.connected  # the old window's feed is closed
            assert v.feed is not None and v.feed.tickers == [v.ticker]
            v.feed.wait_for(lambda f: f.book(v.ticker).valid, timeout=10)
            v.redraw()
            assert v.ticker in v.header.value and "book valid" in v.health.value
        finally:
            v.close()
            client.close()


def test_a_view_of_a_chosen_market_stays_on_it(live_client: KalshiClient) -> None:
    ticker = current_window(live_client)["ticker"]
    v = LiveMarketView(ticker, client=live_client, start=False)
    try:
        assert not v.follow
    finally:
        v.close()
