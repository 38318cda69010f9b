"""Trades missed while the feed was away (a dropped connection, a lost subscription) are read back over REST
(kalshi_nb/feed/backfill.py): afterwards ``feed.trades_df()`` holds every trade since the stream began
exactly once, and equals ``trades_df`` over REST."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kalshi_nb.client import KalshiClient
from kalshi_nb.data import trades_df
from kalshi_nb.feed import Feed
from kalshi_nb.feed.state import FeedState

FAST = (0.02, 0.2)
TAKER = "backfill-taker"
COLUMNS = ["trade_id", "ticker", "created_time", "count_fp", "yes_price_dollars", "no_price_dollars",
           "taker_outcome_side"]  # fmt: skip


@pytest.fixture
def ticker(sb: Any) -> str:
    """An open market with offers to take on both sides for the whole test."""
    soon = sb.exchange.now().timestamp() + 120
    for m in sb.exchange.markets(status="open"):
        closes = datetime.fromisoformat(m["close_time"].replace("Z", "+00:00")).timestamp()
        book = sb.exchange.orderbook(m["ticker"])
        if closes > soon and len(book["yes_dollars"]) > 3 and len(book["no_dollars"]) > 3:
            return str(m["ticker"])
    raise AssertionError("no open market with a deep book")


@pytest.fixture
def feed(sb: Any, client: KalshiClient, ticker: str) -> Iterator[Feed]:
    sb.ws_faults.clear()
    sb.exchange.add_account(TAKER, 10**9)
    f = Feed([ticker], ("trade",), client=client, url=sb.ws_url, backoff=FAST)
    f.wait_for(lambda f: f.backfill is not None and f.backfill.subscribed_ms, timeout=10)
    yield f
    f.close()
    sb.ws_faults.clear()


def take(sb: Any, ticker: str, side: str = "bid") -> None:
    """One crossing order from another account: at least one public trade."""
    price = "0.99" if side == "bid" else "0.01"
    receipt = sb.exchange.create_order(TAKER, {"ticker": ticker, "side": side, "count": "1", "price": price,
                                               "time_in_force": "immediate_or_cancel",
                                               "self_trade_prevention_type": "maker"})  # fmt: skip
    assert float(receipt["fill_count"]) > 0


def rest_since(client: KalshiClient, ticker: str, since_ms: int) -> pd.DataFrame:
    frame = trades_df(ticker, min_ts=since_ms // 1000 - 5, client=client)
    start = pd.Timestamp(since_ms, unit="ms", tz="UTC")
    return frame[frame["created_time"] >= start].reset_index(drop=True)


def held_since(feed: Feed, since_ms: int) -> pd.DataFrame:
    frame = feed.trades_df()
    return frame[frame["created_time"] >= pd.Timestamp(since_ms, unit="ms", tz="UTC")].reset_index(drop=True)


def same_trades(feed: Feed, client: KalshiClient, ticker: str, since_ms: int) -> bool:
    rest, held = rest_since(client, ticker, since_ms), held_since(feed, since_ms)
    return len(rest) > 0 and sorted(rest["trade_id"]) == sorted(held["trade_id"])


def assert_equal_to_rest(feed: Feed, client: KalshiClient, ticker: str, since_ms: int) -> None:
    held, rest = held_since(feed, since_ms), rest_since(client, ticker, since_ms)
    assert held["trade_id"].is_unique
    key = ["created_time", "trade_id"]
    pd.testing.assert_frame_equal(
        held[COLUMNS].sort_values(key).reset_index(drop=True),
        rest[COLUMNS].sort_values(key).reset_index(drop=True),
    )
    assert list(held.dtypes.items()) == list(feed.trades_df().dtypes.items())


def test_trades_made_while_disconnected_appear_once(feed: Feed, sb: Any, client: KalshiClient, ticker: str):
    start = int(time.time() * 1000) - 1000
    take(sb, ticker)
    feed.wait_for(lambda f: len(held_since(f, start)) >= 1, timeout=10)
    sb.ws_faults.update(refuse_upgrade=True)  # away: the drop cannot be repaired until cleared
    sb.ws_drop_all()
    feed.wait_for(lambda f: not f.connected, timeout=10)
    seen_live = set(held_since(feed, start)["trade_id"])
    for side in ("bid", "ask", "bid"):
        take(sb, ticker, side)
    missed = set(rest_since(client, ticker, start)["trade_id"]) - seen_live
    assert missed  # the test only proves something if trades really were made while away
    assert not missed & set(feed.trades_df()["trade_id"])
    sb.ws_faults.clear()
    feed.wait_for(lambda f: f.health.reconnects >= 1, timeout=15)
    feed.wait_for(lambda f: same_trades(f, client, ticker, start), timeout=15)
    take(sb, ticker, "ask")  # and the live channel carries on, with no duplicate
    feed.wait_for(lambda f: same_trades(f, client, ticker, start), timeout=10)
    feed.backfill.join()
    assert_equal_to_rest(feed, client, ticker, start)
    # at least the missed ones: the read starts a margin before the resume point, so it may also add trades
    # made just before the stream began (the seeded history), which the feed never saw either
    assert feed.backfill.added >= len(missed) and feed.backfill.runs >= 1


def test_trades_lost_with_a_subscription_are_recovered(
    feed: Feed, sb: Any, client: KalshiClient, ticker: str
):
    """A slow subscriber's buffer overflows (error 25): the trade that did not fit is lost, the feed
    resubscribes, and the backfill reads it back over REST."""
    start = int(time.time() * 1000) - 1000
    feed.wait_for(lambda f: f.backfill._mark is not None, timeout=5)  # one watchdog tick since connecting
    sb.ws_faults.update(delay=0.3, buffer_limit=1)
    for side in ("bid", "ask", "bid", "ask"):
        take(sb, ticker, side)
    time.sleep(0.05)
    sb.ws_faults.clear()
    feed.wait_for(lambda f: f.health.last_error is not None and "25" in f.health.last_error, timeout=10)
    feed.wait_for(lambda f: same_trades(f, client, ticker, start), timeout=15)
    feed.backfill.join()
    assert_equal_to_rest(feed, client, ticker, start)
    assert feed.backfill.added >= 1  # some trade reached the feed only through REST
    assert feed.health.reconnects == 0  # the same connection: the lost subscription alone was repaired


def test_merge_trades_keeps_order_bound_and_ids_unique():
    state = FeedState(max_trades=3)
    for i, ms in enumerate((5_000, 9_000)):
        state.apply({"type": "trade", "sid": 1, "seq": i + 1,
                     "msg": {"trade_id": f"live{i}", "ts_ms": ms}}, now=0.0)  # fmt: skip
    rest = [{"trade_id": "live1", "created_time": "1970-01-01T00:00:09Z"},
            {"trade_id": "old", "created_time": "1970-01-01T00:00:01Z"},
            {"trade_id": "gap", "created_time": "1970-01-01T00:00:07Z"}]  # fmt: skip
    assert state.merge_trades(rest) == 1  # "gap" (kept); "old" is past the bound, "live1" already held
    # oldest first; the bound of three drops the oldest ("old"), which the count leaves out
    assert [t["trade_id"] for t in state.trades] == ["live0", "gap", "live1"]
    assert state.merge_trades(rest) == 0  # nothing new is kept: "old" is still older than the bound
    assert [t["trade_id"] for t in state.trades] == ["live0", "gap", "live1"]


ACTIONS = st.lists(
    st.sampled_from(["take", "take", "take", "drop", "refused_drop", "skip_seq", "duplicate"]),
    min_size=3,
    max_size=10,
)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS)
def test_property_trades_equal_rest_through_random_faults(
    actions: list[str], feed: Feed, sb: Any, client: KalshiClient, ticker: str
) -> None:
    """Random trades, drops (some with the reconnect held off while trades happen), skipped and duplicated
    messages: afterwards the feed's trades since it began are REST's, each exactly once."""
    # This example's trades (the feed is subscribed by now; earlier trades of the shared sandbox are not its).
    start = int(time.time() * 1000)
    for i, action in enumerate(actions):
        if action == "take":
            take(sb, ticker, "bid" if i % 2 else "ask")
        elif action == "drop":
            sb.ws_drop_all()
        elif action == "refused_drop":
            sb.ws_faults.update(refuse_upgrade=True)
            sb.ws_drop_all()
            feed.wait_for(lambda f: not f.connected, timeout=10)
            take(sb, ticker)  # while away
            sb.ws_faults.update(refuse_upgrade=False)
        else:
            sb.ws_faults.update(**{action: True})
    take(sb, ticker)  # one more, so a fault armed last has a frame to hit
    sb.ws_faults.clear()
    feed.wait_for(lambda f: f.connected and same_trades(f, client, ticker, start), timeout=20)
    feed.backfill.join()
    assert_equal_to_rest(feed, client, ticker, start)
