"""Recordings into tables, and book_at: the book the feed's own rules held at every recorded moment.

The reference is the feed's replay code (``feed.record.records`` + ``apply_frame`` on a ``FeedState``),
stepped frame by frame; the store rebuilds each moment from its tables alone.
"""

from __future__ import annotations

import json
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from kalshi_nb.feed.record import Recorder, apply_frame, records
from kalshi_nb.feed.state import FeedState
from kalshi_nb.store import open_store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "feed"))  # the feed tests' fake server

T, U = "KXTEST-A", "KXOTHER-B"


def _moments(folder: Path) -> list[tuple[int, dict]]:
    """(t_ms, {ticker: (yes, no, valid)}) after the last frame of each distinct receive time."""
    state: FeedState | None = None
    requests: dict = {}
    out: list[tuple[int, dict]] = []
    for rec in records(folder):
        if "meta" in rec:
            state = state or FeedState(use_yes_price=bool(rec["meta"].get("use_yes_price")))
            continue
        assert state is not None
        if "sent" in rec and rec["sent"].get("cmd") == "subscribe":
            params = rec["sent"]["params"]
            requests[int(rec["sent"]["id"])] = (params["channels"][0], list(params.get("market_tickers", ())))
        elif rec.get("event") == "disconnected":
            state.disconnected()
            requests.clear()
        elif "raw" in rec:
            apply_frame(state, json.loads(rec["raw"]), requests, rec["t"] / 1000)
        books = {t: (b.levels("yes"), b.levels("no"), b.valid) for t, b in state.books.items()}
        if out and out[-1][0] == rec["t"]:
            out[-1] = (rec["t"], books)
        else:
            out.append((rec["t"], books))
    return out


def _check_every_moment(store, folder: Path) -> int:
    checked = 0
    for t_ms, books in _moments(folder):
        for ticker, (yes, no, valid) in books.items():
            got = store.book_at(ticker, t_ms / 1000)
            assert got.valid == valid, (ticker, t_ms)
            if valid:
                assert (got.levels("yes"), got.levels("no")) == (yes, no), (ticker, t_ms)
            checked += 1
    return checked


def _frame(sid: int, seq: int, kind: str, **msg: object) -> str:
    return json.dumps({"type": kind, "sid": sid, "seq": seq, "msg": msg})


@pytest.mark.parametrize("use_yes_price", [False, True])
def test_book_at_every_recorded_moment(tmp_path: Path, use_yes_price: bool) -> None:
    folder = tmp_path / "rec"
    rec = Recorder(folder, use_yes_price=use_yes_price, url="ws://127.0.0.1:1/trade-api/ws/v2")
    rec.sent(
        {"id": 1, "cmd": "subscribe", "params": {"channels": ["orderbook_delta"], "market_tickers": [T, U]}},
        t_ms=1000,
    )
    rec.frame(
        json.dumps({"id": 1, "type": "subscribed", "msg": {"channel": "orderbook_delta", "sid": 1}}),
        t_ms=1001,
    )
    rec.frame(
        _frame(
            1,
            1,
            "orderbook_snapshot",
            market_ticker=T,
            yes_dollars_fp=[["0.40", "3.00"]],
            no_dollars_fp=[["0.55", "2.00"]],
        ),
        t_ms=1002,
    )
    rec.frame(
        _frame(1, 2, "orderbook_snapshot", market_ticker=U, yes_dollars_fp=[["0.10", "1.00"]]), t_ms=1002
    )
    rec.frame(
        _frame(1, 3, "orderbook_delta", market_ticker=T, side="yes", price_dollars="0.41", delta_fp="5.00"),
        t_ms=1003,
    )
    rec.frame(
        _frame(1, 3, "orderbook_delta", market_ticker=T, side="yes", price_dollars="0.41", delta_fp="5.00"),
        t_ms=1004,
    )  # duplicate
    rec.frame(
        _frame(1, 4, "orderbook_delta", market_ticker=T, side="no", price_dollars="0.55", delta_fp="-2.00"),
        t_ms=1005,
    )
    rec.frame(
        _frame(1, 6, "orderbook_delta", market_ticker=U, side="yes", price_dollars="0.10", delta_fp="1.00"),
        t_ms=2000,
    )  # gap
    rec.frame(
        _frame(1, 7, "orderbook_snapshot", market_ticker=T, yes_dollars_fp=[["0.42", "1.50"]]), t_ms=2100
    )
    rec.frame(
        _frame(1, 8, "orderbook_delta", market_ticker=T, side="no", price_dollars="0.50", delta_fp="4.00"),
        t_ms=2200,
    )
    rec.frame(
        json.dumps(
            {
                "type": "trade",
                "sid": 2,
                "seq": 1,
                "msg": {
                    "trade_id": "t1",
                    "market_ticker": T,
                    "yes_price_dollars": "0.42",
                    "no_price_dollars": "0.58",
                    "count_fp": "1.00",
                    "taker_side": "yes",
                    "ts_ms": 2250,
                },
            }
        ),
        t_ms=2250,
    )
    rec.event("disconnected", t_ms=3000)
    rec.close()

    store = open_store(tmp_path / "store")
    written = store.import_recording(folder)
    assert written["book_deltas"] == 5 and written["feed_trades"] == 1 and written["book_snapshots"] >= 3
    assert _check_every_moment(store, folder) >= 10
    # A moment between frames is the state after the earlier one; before anything, no book.
    assert store.book_at(T, 1.0035).levels("yes") == [
        (Decimal("0.40"), Decimal("3.00")),
        (Decimal("0.41"), Decimal("5.00")),
    ]
    assert not store.book_at(T, 0.5).valid
    assert store.df("feed_trades")["trade_id"].tolist() == ["t1"]
    deltas = store.df("book_deltas")
    assert deltas["applied"].tolist() == [True, False, True, False, True]  # the duplicate, the gapped one
    assert store.import_recording(folder) == {"book_snapshots": 0, "book_deltas": 0, "feed_trades": 0}
    counts = store.sql("select series, count(*) n from book_deltas group by series order by series")
    assert counts.values.tolist() == [["KXOTHER", 1], ["KXTEST", 4]]


def test_book_at_matches_a_live_feed(tmp_path: Path, client) -> None:
    from feed_fakeserver import FakeKalshiWS

    from kalshi_nb.feed import Feed

    server = FakeKalshiWS()
    server.books[T] = {"yes": {"0.4000": "10.00"}, "no": {"0.5500": "4.00"}}
    server.books[U] = {"yes": {"0.1000": "2.00"}, "no": {}}
    folder = tmp_path / "rec"
    try:
        with Feed([T, U], client=client, url=server.url, backoff=(0.02, 0.1), record=folder) as feed:
            feed.wait_for(lambda f: f.book(T).valid and f.book(U).valid, timeout=5)
            server.delta(T, "yes", "0.4000", "-2.50")
            server.delta(T, "no", "0.5600", "3.00", skip=True)  # a gap, repaired by a snapshot
            server.delta(U, "yes", "0.1000", "1.00", dup=True)
            feed.wait_for(
                lambda f: (
                    f.health.gaps_recovered >= 1
                    and f.health.duplicates >= 1
                    and all(f.book(t).valid for t in (T, U))
                ),
                timeout=5,
            )
            live = {t: (b.levels("yes"), b.levels("no")) for t, b in feed.books.items()}
            # The recording's clock is milliseconds: a disconnect in the same millisecond as the last
            # snapshot would leave no recorded moment at which the repaired books were all valid.
            time.sleep(0.01)
    finally:
        server.close()
    store = open_store(tmp_path / "store")
    store.import_recording(folder)
    assert _check_every_moment(store, folder) > 5
    last_valid = max(t for t, books in _moments(folder) if all(v for _, _, v in books.values()))
    assert {
        t: (
            store.book_at(t, last_valid / 1000).levels("yes"),
            store.book_at(t, last_valid / 1000).levels("no"),
        )
        for t in live
    } == live
