"""kalshi_nb.feed.state and .shaping: message dispatch, gap repair and frames, on saved payloads."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from kalshi_nb.feed.books import Book
from kalshi_nb.feed.shaping import book_frame, rest_trade, ticker_frame, trades_frame_from
from kalshi_nb.feed.state import FeedState
from kalshi_nb.frames import orderbook_frame, trades_frame

REF = json.loads((Path(__file__).parent / "payloads" / "reference.json").read_text())
T = "FED-23DEC-T3.00"


def _frame(kind: str, **changes: Any) -> dict[str, Any]:
    frame = copy.deepcopy(REF[kind])
    msg = changes.pop("msg", {})
    frame.update(changes)
    frame["msg"].update(msg)
    return frame


def _delta(seq: int, price: str, delta: str, side: str = "yes") -> dict[str, Any]:
    return _frame("delta", seq=seq, msg={"price_dollars": price, "delta_fp": delta, "side": side})


def _subscribed() -> FeedState:
    state = FeedState()
    state.subscribed(2, "orderbook_delta", [T, "OTHER"])
    return state


def test_book_waits_for_its_snapshot() -> None:
    state = _subscribed()
    assert not state.books[T].valid
    assert state.apply(_frame("snapshot"), now=1.0) == []
    assert state.books[T].valid and not state.books["OTHER"].valid


def test_in_order_deltas_apply_and_confirm() -> None:
    state = _subscribed()
    state.apply(_frame("snapshot"), now=1.0)
    state.apply(_delta(3, "0.0800", "-100.00"), now=2.0)
    state.apply(_delta(4, "0.5400", "5.00", "no"), now=3.0)
    book = state.books[T]
    assert dict(book.yes)[Decimal("0.08")] == Decimal("200.00") and book.no[Decimal("0.54")] == Decimal(
        "25.00"
    )
    assert book.confirmed == 3.0


def test_gap_invalidates_every_book_of_the_sid_and_asks_for_snapshots() -> None:
    state = _subscribed()
    state.apply(_frame("snapshot"), now=1.0)
    state.apply(_frame("snapshot", seq=3, msg={"market_ticker": "OTHER"}), now=1.0)
    assert state.books["OTHER"].valid
    repairs = state.apply(_delta(5, "0.0800", "-1.00"), now=2.0)  # seq 4 never came
    assert repairs == [("snapshot", 2, [T, "OTHER"])]
    assert not state.books[T].valid and not state.books["OTHER"].valid
    assert state.books[T].yes[Decimal("0.08")] == Decimal("300.00")  # the delta after the gap is not applied
    assert state.stale() == [("snapshot", 2, [T, "OTHER"])]
    state.apply(_frame("snapshot", seq=6), now=3.0)
    assert state.books[T].valid and state.stale() == [("snapshot", 2, ["OTHER"])]


def test_duplicates_are_ignored() -> None:
    state = _subscribed()
    state.apply(_frame("snapshot"), now=1.0)
    delta = _delta(3, "0.0800", "-100.00")
    state.apply(delta, now=2.0)
    assert state.apply(delta, now=3.0) == []
    assert state.books[T].yes[Decimal("0.08")] == Decimal("200.00")
    assert state.seqs.duplicates == 1 and state.books[T].confirmed == 2.0


def test_bad_delta_asks_for_a_snapshot_of_its_market() -> None:
    state = _subscribed()
    state.apply(_frame("snapshot"), now=1.0)
    assert state.apply(_frame("delta"), now=2.0) == [("snapshot", 2, [T])]  # -54 at a level that isn't there
    assert not state.books[T].valid and state.bad_deltas == 1


def test_disconnect_invalidates_everything() -> None:
    state = _subscribed()
    state.apply(_frame("snapshot"), now=1.0)
    state.disconnected()
    assert not state.books[T].valid and state.channels == {} and state.seqs.last == {}


def test_public_and_private_records() -> None:
    state = FeedState()
    for kind in ("ticker", "trade", "trade", "user_order", "fill", "market_position"):
        state.apply(REF[kind], now=0.0)
    assert len(state.trades) == 1  # the same trade_id twice is one trade
    assert state.tickers[T]["yes_bid_dollars"] == "0.4500"
    assert state.orders["ee587a1c-1"]["status"] == "resting"
    assert state.fills["d91bc706-f"]["count_fp"] == "278.00"
    assert state.positions[T]["position_fp"] == "100.00"
    state.reconcile([{"order_id": "o2", "status": "executed"}], [{"trade_id": "f2"}], [{"ticker": T}])
    assert (
        list(state.orders) == ["o2"]
        and set(state.fills) == {"d91bc706-f", "f2"}
        and list(state.positions) == [T]
    )


def test_trade_history_is_bounded() -> None:
    state = FeedState(max_trades=3)
    for i in range(5):
        state.apply(_frame("trade", seq=i + 1, msg={"trade_id": f"t{i}"}), now=0.0)
    assert [t["trade_id"] for t in state.trades] == ["t2", "t3", "t4"]


# --- frames: the same columns and dtypes as the REST helpers ----------------------------------------------
def test_book_frame_matches_orderbook_frame() -> None:
    book = Book(T)
    book.apply_snapshot(REF["snapshot"]["msg"])
    live = book_frame(book)
    rest = orderbook_frame(
        {
            "orderbook_fp": {
                "yes_dollars": REF["snapshot"]["msg"]["yes_dollars_fp"],
                "no_dollars": REF["snapshot"]["msg"]["no_dollars_fp"],
            }
        },
        ticker=T,
    )
    pd.testing.assert_frame_equal(live, rest)
    assert live["yes_price_dollars"].tolist() == [0.46, 0.44, 0.22, 0.08]
    top = book_frame(book, depth=1)
    assert top["yes_price_dollars"].tolist() == [0.44, 0.22]


def test_empty_book_frame_has_the_columns() -> None:
    live = book_frame(Book(T))
    assert list(live.dtypes.items()) == list(orderbook_frame({}, ticker=T).dtypes.items()) and live.empty


def test_trades_frame_matches_trades_frame() -> None:
    record = rest_trade(REF["trade"]["msg"])
    assert (
        record["ticker"] == "HIGHNY-22DEC23-B53.5" and record["created_time"] == "2022-11-22T20:44:01+00:00"
    )
    live = trades_frame_from([record])
    rest = trades_frame([{**record, "created_time": "2022-11-22T20:44:01Z"}])
    pd.testing.assert_frame_equal(live, rest)
    assert live.loc[0, "count_fp"] == 136.0
    assert list(trades_frame_from([]).dtypes.items()) == list(trades_frame([]).dtypes.items())


def test_trades_newest_first() -> None:
    old = rest_trade({**REF["trade"]["msg"], "trade_id": "a", "ts_ms": 1000})
    new = rest_trade({**REF["trade"]["msg"], "trade_id": "b", "ts_ms": 2000})
    assert trades_frame_from([old, new])["trade_id"].tolist() == ["b", "a"]


def test_ticker_frame() -> None:
    frame = ticker_frame([REF["ticker"]["msg"]])
    row = frame.iloc[0]
    assert row["ticker"] == T and row["yes_ask_dollars"] == 0.53 and row["dollar_volume"] == 16948
    assert row["time"] == pd.Timestamp("2022-11-22T20:44:01Z")
    assert list(ticker_frame([]).dtypes.items()) == list(frame.dtypes.items())


def test_ticker_frame_columns_come_from_frames() -> None:
    """The one column table lives in kalshi_nb.frames: describe("ticker") lists exactly the frame's columns
    and dtypes, and the frame is tagged with its kind (the notebook display reads it)."""
    from kalshi_nb import frames

    table = frames.describe("ticker")
    empty = ticker_frame([])
    assert table["column"].tolist() == list(empty.columns)
    assert table["dtype"].tolist() == [str(d) for d in empty.dtypes]
    assert empty.attrs["kalshi_nb.kind"] == "ticker"
    # the message's own names are mapped (market_ticker -> ticker, ts_ms -> time), unknown fields kept
    frame = ticker_frame([{**REF["ticker"]["msg"], "brand_new": "x"}])
    assert list(frame.columns) == [*table["column"], "brand_new"]


# --- reconciliation while the feed keeps running: REST answers and updates received during the read --------
def _order(order_id: str, status: str, ms: int, filled: str = "0.00") -> dict[str, Any]:
    return _frame(
        "user_order",
        msg={"order_id": order_id, "status": status, "last_updated_ts_ms": ms, "fill_count_fp": filled},
    )


def _iso(ms: int) -> str:
    return pd.Timestamp(ms, unit="ms", tz="UTC").isoformat()


def test_an_order_created_during_the_read_survives_it() -> None:
    state = FeedState()
    state.apply(_order("known", "resting", 1_000), now=0.0)
    mark = state.private_mark()
    state.apply(_order("placed-meanwhile", "resting", 2_000), now=0.0)
    state.reconcile([], [], [], since=mark)  # the REST answer predates the new order and lacks both
    assert list(state.orders) == ["placed-meanwhile"]  # the one known before the read is gone


def test_the_newer_of_rest_and_the_feed_wins() -> None:
    state = FeedState()
    state.apply(_order("a", "resting", 1_000), now=0.0)
    state.apply(_order("b", "resting", 1_000), now=0.0)
    mark = state.private_mark()
    state.apply(_order("a", "executed", 3_000, "10.00"), now=0.0)  # newer than REST's answer for a
    state.apply(_order("b", "resting", 1_500), now=0.0)  # older than REST's answer for b
    rest = [
        {"order_id": "a", "status": "resting", "last_update_time": _iso(2_000), "fill_count_fp": "0.00"},
        {"order_id": "b", "status": "canceled", "last_update_time": _iso(2_000), "fill_count_fp": "0.00"},
    ]
    state.reconcile(rest, [], [], since=mark)
    assert state.orders["a"]["status"] == "executed" and state.orders["b"]["status"] == "canceled"


def test_updates_before_the_read_never_beat_rest() -> None:
    state = FeedState()
    state.apply(_order("a", "executed", 9_000, "10.00"), now=0.0)
    mark = state.private_mark()
    state.reconcile(
        [{"order_id": "a", "status": "resting", "last_update_time": _iso(1_000)}], [], [], since=mark
    )
    assert state.orders["a"]["status"] == "resting"  # REST is the truth for what the feed saw before the read
    state.apply(_frame("market_position", sending_ts_ms=5_000), now=0.0)
    mark = state.private_mark()
    state.apply(_frame("market_position", sending_ts_ms=7_000, msg={"position_fp": "7.00"}), now=0.0)
    state.reconcile(
        [], [], [{"ticker": T, "position_fp": "3.00", "last_updated_ts": _iso(6_000)}], since=mark
    )
    assert state.positions[T]["position_fp"] == "7.00"  # sent after REST's answer was taken
