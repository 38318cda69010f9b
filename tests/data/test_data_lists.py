"""events_df, series_df, trades_df and orderbook_df against the sandbox."""

from __future__ import annotations

import pandas as pd
import pytest

from kalshi_nb.data import EventFrames, events_df, iter_trades, orderbook_df, series_df, trades_df
from kalshi_nb.frames import describe

STEADY = "KXGREENLAND-29"  # open for years in the seed-0 sandbox: its book does not vanish mid-test


def test_events_with_their_markets_flattened(sb, client) -> None:
    events = list(sb.exchange.events(status="open", with_nested_markets=True))
    pair = events_df(status="open", with_markets=True, client=client)
    assert isinstance(pair, EventFrames)
    assert pair.events["event_ticker"].tolist() == [e["event_ticker"] for e in events]
    nested = [(m["ticker"], e["title"], e["series_ticker"]) for e in events for m in e["markets"]]
    got = list(
        zip(pair.markets["ticker"], pair.markets["event_title"], pair.markets["series_ticker"], strict=True)
    )
    assert got == nested
    assert all(
        r.query.get("with_nested_markets") == "true" for r in sb.requests if r.path.endswith("/events")
    )

    events_only = events_df(status="open", client=client)  # the same type without the markets
    assert isinstance(events_only, EventFrames)
    pd.testing.assert_frame_equal(events_only.events, pair.events)
    assert len(events_only.markets) == 0
    assert events_only.markets.columns.tolist() == describe("event_markets")["column"].tolist()
    pd.testing.assert_series_equal(events_only.markets.dtypes, pair.markets.dtypes)


def test_events_of_several_series_concurrently(sb, client) -> None:
    series = ["KXBTC", "KXFEDDECISION", "KXNFLGAME"]
    expected = [e["event_ticker"] for s in series for e in sb.exchange.events(series_ticker=s)]
    df = events_df(series, status=None, client=client, limit=7).events
    assert df["event_ticker"].tolist() == expected
    assert (
        events_df(series, status=None, client=client, max_rows=5).events["event_ticker"].tolist()
        == expected[:5]
    )
    empty = events_df("NOPE", client=client, with_markets=True)
    assert len(empty.events) == 0
    assert len(empty.markets) == 0
    assert empty.events.columns.tolist() == describe("events")["column"].tolist()
    assert empty.markets.columns.tolist() == describe("event_markets")["column"].tolist()
    pd.testing.assert_series_equal(empty.events.dtypes, df.dtypes)


def test_series_with_a_category(sb, client) -> None:
    every = series_df(client=client)
    assert every["ticker"].tolist() == [s["ticker"] for s in sb.exchange.series_list()]
    crypto = series_df(category="Crypto", client=client)
    assert crypto["ticker"].tolist() == [
        s["ticker"] for s in sb.exchange.series_list() if "Crypto" in s["categories"]
    ]
    assert len(crypto) < len(every)
    assert len(series_df(category="Nothing", client=client)) == 0


def test_trades_of_several_markets_each_once(sb, client) -> None:
    trades = list(sb.exchange.trades())
    busiest = pd.Series([t["ticker"] for t in trades]).value_counts().index[:3].tolist()
    expected = [t["trade_id"] for ticker in busiest for t in sb.exchange.trades(ticker=ticker)]
    df = trades_df(busiest, client=client, progress=False)
    assert df["trade_id"].tolist() == expected
    assert df["trade_id"].is_unique
    # every trade of the live feed, paged 100 at a time, newest first as the API lists them
    all_df = trades_df(client=client, limit=100, include_historical=False)
    assert all_df["trade_id"].tolist() == [t["trade_id"] for t in trades]
    assert all_df["created_time"].is_monotonic_decreasing
    assert [t["trade_id"] for t in iter_trades(client=client, max_rows=3)] == [
        t["trade_id"] for t in trades[:3]
    ]
    assert all_df["count_fp"].sum() == pytest.approx(sum(float(t["count_fp"]) for t in trades))


def test_orderbook_both_sides_with_implied_asks(sb, client) -> None:
    book = sb.exchange.orderbook(STEADY)
    yes = [(float(p), float(c)) for p, c in book["yes_dollars"]]
    no = [(float(p), float(c)) for p, c in book["no_dollars"]]
    assert yes
    assert no
    df = orderbook_df(STEADY, client=client)
    assert len(df) == len(yes) + len(no)
    assert (df["ticker"] == STEADY).all()
    bids = df[df["book_side"] == "bid"]
    asks = df[df["book_side"] == "ask"]
    assert bids["yes_price_dollars"].max() == max(p for p, _ in yes)
    assert asks["yes_price_dollars"].min() == pytest.approx(1 - max(p for p, _ in no))
    assert df["yes_price_dollars"].is_monotonic_decreasing  # a price ladder
    assert asks["count_fp"].sum() == pytest.approx(sum(c for _, c in no))
    top = orderbook_df(STEADY, depth=1, client=client)
    assert top["book_side"].tolist() == ["ask", "bid"]
    assert sb.requests.last().query["depth"] == "1"
