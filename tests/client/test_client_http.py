"""The read methods against the sandbox: paths, parameters, pagination, read-only mode, keep-alive, logging."""

from __future__ import annotations

import logging
import time

import pytest
from client_helpers import pick_market

from kalshi_nb.client import KalshiClient
from kalshi_nb.errors import PaginationError, ReadOnlyError


def test_market_data(client, sb) -> None:
    status = client.get_exchange_status()
    assert set(status) >= {"exchange_active", "trading_active"}

    page = client.get_markets(limit=3)
    assert len(page["markets"]) == 3
    assert isinstance(page["cursor"], str)
    assert all(m["status"] == "active" for m in page["markets"])  # status="open" is the default
    ticker = page["markets"][0]["ticker"]

    market = client.get_market(ticker)  # the market object itself
    assert market["ticker"] == ticker
    assert "yes_ask_dollars" in market

    event = client.get_event(market["event_ticker"], with_nested_markets=True)
    assert event["event"]["event_ticker"] == market["event_ticker"]
    assert ticker in [m["ticker"] for m in event["event"]["markets"]]

    series_ticker = event["event"]["series_ticker"]
    assert client.get_series(series_ticker)["series"]["ticker"] == series_ticker
    assert series_ticker in [s["ticker"] for s in client.get_series_list()["series"]]

    book = client.get_orderbook(ticker, depth=5)["orderbook_fp"]
    assert set(book) >= {"yes_dollars", "no_dollars"}

    events = client.get_events(limit=2, series_ticker=series_ticker)
    assert len(events["events"]) <= 2
    assert all(e["series_ticker"] == series_ticker for e in events["events"])

    trades = client.get_trades(limit=5)
    assert len(trades["trades"]) <= 5

    now = int(time.time())
    candles = client.get_candlesticks(ticker, now - 6 * 3600, now, period_interval=60)
    assert candles["ticker"] == ticker
    assert isinstance(candles["candlesticks"], list)
    same = client.get_candlesticks(
        ticker, now - 6 * 3600, now, period_interval=60, series_ticker=series_ticker
    )
    assert same == candles
    from datetime import datetime, timezone

    as_datetimes = client.get_candlesticks(
        ticker,
        datetime.fromtimestamp(now - 6 * 3600, timezone.utc),
        datetime.fromtimestamp(now, timezone.utc),
        60,
        series_ticker=series_ticker,
    )
    assert as_datetimes == candles


def test_query_parameters_as_sent(client, sb) -> None:
    sb.requests.clear()
    client.get_markets(series_ticker="KXBTC15M", limit=7, tickers=["A-1", "B-2"], mve_filter="exclude")
    client.get_events(limit=3, with_nested_markets=True)
    queries = [r.query for r in sb.requests if r.path.endswith(("/markets", "/events"))]
    assert queries[0] == {
        "series_ticker": "KXBTC15M",
        "status": "open",
        "limit": "7",
        "tickers": "A-1,B-2",
        "mve_filter": "exclude",
    }
    assert queries[1] == {"status": "open", "limit": "3", "with_nested_markets": "true"}


def test_portfolio_reads(client, sb) -> None:
    balance = client.get_balance()
    assert isinstance(balance["balance"], int)
    assert set(client.get_positions()) >= {"market_positions", "event_positions"}
    assert "fills" in client.get_fills()
    assert "orders" in client.get_orders()
    assert "settlements" in client.get_settlements()


def test_paginate_follows_the_cursor_with_the_same_filters(client, sb) -> None:
    expected = [m["ticker"] for m in sb.exchange.markets(series_ticker="KXBTC15M")]
    assert len(expected) > 3
    sb.requests.clear()
    got = [
        m["ticker"] for m in client.paginate("get_markets", series_ticker="KXBTC15M", status=None, limit=2)
    ]
    assert got == expected
    pages = [r for r in sb.requests if r.path.endswith("/markets")]
    full_pages = -(-len(expected) // 2)
    assert len(pages) in (full_pages, full_pages + 1)  # +1 if the server only learns of the end one page late
    assert all(p.query["series_ticker"] == "KXBTC15M" and p.query["limit"] == "2" for p in pages)


def test_paginate_stops_on_a_repeated_cursor(client, sb) -> None:
    sb.faults.update(stuck_cursor=True)
    with pytest.raises(PaginationError):
        list(client.paginate("get_markets", limit=1))


def test_read_only_mode(sb) -> None:
    client = KalshiClient.read_only(api_base=sb.url, rate_limit=None)
    assert client.get_markets(limit=1)["markets"]
    assert all(r.key_id is None for r in sb.requests)  # nothing signed
    sb.requests.clear()
    ticker = pick_market(sb)["ticker"]
    for call in (
        client.get_balance,
        client.get_positions,
        client.get_fills,
        client.get_orders,
        client.get_settlements,
        lambda: client.get_order("x"),
        lambda: client.cancel_order("x", ticker=ticker),
        lambda: client.place_order(ticker, "yes", 1, 1),
    ):
        with pytest.raises(ReadOnlyError, match="read-only"):
            call()
    assert len(sb.requests) == 0  # refused before anything was sent
    # a dry run sends no write, so it is allowed (it reads the market)
    preview = client.place_order(ticker, "yes", 1, 1, dry_run=True)
    assert preview["order"]["status"] == "dry_run"
    assert [r.method for r in sb.requests] == ["GET"]


def test_keep_alive_one_connection(client, sb, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="urllib3.connectionpool")
    for _ in range(20):
        client.get_exchange_status()
    opened = [r for r in caplog.records if "Starting new HTTP connection" in r.getMessage()]
    assert len(opened) == 1


def test_debug_log_shows_method_path_status_timing(client, sb, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="kalshi_nb")
    client.get_balance()
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("kalshi_nb")]
    assert any(
        line.startswith("GET /trade-api/v2/portfolio/balance -> 200 in ") and line.endswith(" ms")
        for line in lines
    ), lines


def test_rate_limit_is_shared_across_calls(make_client, sb) -> None:
    from kalshi_nb.ratelimit import RateLimiter

    limiter = RateLimiter(read_rate=50, write_rate=50, read_capacity=10, cost=10)  # 5 requests/s, burst 1
    client = make_client(rate_limit=limiter)
    t0 = time.monotonic()
    client.get_exchange_status()
    client.get_markets(limit=1)
    client.get_events(limit=1)  # not the balance: GET /portfolio/balance has its own bucket
    assert time.monotonic() - t0 >= 0.38  # two paid requests x 0.2 s
