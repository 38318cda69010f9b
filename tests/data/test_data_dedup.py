"""Pulls under change: pages that overlap or repeat still give every natural key exactly once.

A fake client serves scripted pages through the real ``KalshiClient.paginate`` (so the cursor loop is the
real one): a row shifts onto the next page (as offset cursors do when a row is added mid-pull), a whole
page comes twice, a row is re-listed with a later update time. ``*_df`` keep each key once, at its first
place, in its most recent version; ``iter_*`` keep each key once, in its first version (an iterator cannot
take a row back).
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest

from kalshi_nb import data
from kalshi_nb.client import KalshiClient


class PagedFake:
    """Scripted pages per list key; the cursor is the page number. Records every call's parameters."""

    paginate = KalshiClient.paginate

    def __init__(self, key: str, pages: list[list[dict]]) -> None:
        self.key, self.pages, self.calls = key, pages, []

    def _page(self, cursor: str | None = None, **params: Any) -> dict:
        self.calls.append(params)
        i = int(cursor or 0)
        more = i + 1 < len(self.pages)
        return {self.key: self.pages[i], "cursor": str(i + 1) if more else ""}

    get_markets = get_events = get_trades = get_positions = get_fills = get_orders = get_settlements = _page
    # the historical tier serves the same pages: rows in both tiers must still come out once
    get_historical_trades = get_historical_fills = get_historical_orders = get_historical_positions = _page


def overlapping(rows: list[dict], page: int = 3) -> list[list[dict]]:
    """Pages of ``rows`` where each page starts again with the last row of the one before, and the second
    page is served twice over (a repeated page under a fresh cursor)."""
    pages = [rows[i : i + page] for i in range(0, len(rows), page)]
    out = [pages[0]]
    for before, this in pairwise(pages):
        out.append([before[-1], *this])
    return [out[0], out[1], out[1], *out[2:]]


def rows(n: int, key: str, **extra: Any) -> list[dict]:
    return [{key: f"{key}-{i}", **extra} for i in range(n)]


def events_frame_of(**kwargs: Any) -> Any:
    """events_df's events frame (it returns an EventFrames pair whatever its flags)."""
    return data.events_df(**kwargs).events


# (df function, iter function, list key, natural key column, rows)
CASES = [
    (data.markets_df, data.iter_markets, "markets", "ticker", rows(10, "ticker", status="active")),
    (events_frame_of, data.iter_events, "events", "event_ticker", rows(10, "event_ticker")),
    (data.trades_df, data.iter_trades, "trades", "trade_id", rows(10, "trade_id", ticker="T")),
    (data.fills_df, data.iter_fills, "fills", "fill_id", rows(10, "fill_id", order_id="o", trade_id="t")),
    (data.orders_df, data.iter_orders, "orders", "order_id", rows(10, "order_id", ticker="T")),
    (data.positions_df, data.iter_positions, "market_positions", "ticker", rows(10, "ticker")),
    (
        data.settlements_df,
        data.iter_settlements,
        "settlements",
        "ticker",
        rows(10, "ticker", settled_time="2026-11-25T12:00:00Z"),
    ),
]


@pytest.mark.parametrize(("df_of", "iter_of", "key", "ident", "records"), CASES, ids=[c[2] for c in CASES])
def test_overlapping_and_repeated_pages_give_every_row_exactly_once(df_of, iter_of, key, ident, records):
    pages = overlapping(records)
    assert sum(len(p) for p in pages) > len(records)  # the pages really overlap
    kwargs = {"status": None} if key in ("markets", "events") else {}
    df = df_of(client=PagedFake(key, pages), progress=False, **kwargs)
    assert df[ident].tolist() == [r[ident] for r in records]
    listed = [r[ident] for r in iter_of(client=PagedFake(key, pages), **kwargs)]
    assert listed == [r[ident] for r in records]


def test_max_rows_counts_distinct_rows() -> None:
    records = rows(10, "ticker")
    df = data.markets_df(status=None, client=PagedFake("markets", overlapping(records)), max_rows=5)
    assert df["ticker"].tolist() == [r["ticker"] for r in records[:5]]
    listed = data.iter_markets(status=None, client=PagedFake("markets", overlapping(records)), max_rows=5)
    assert [r["ticker"] for r in listed] == [r["ticker"] for r in records[:5]]


def test_a_frame_keeps_the_most_recent_version_of_a_row() -> None:
    early = {"ticker": "A", "status": "active", "updated_time": "2026-11-25T12:00:00Z"}
    late = {"ticker": "A", "status": "closed", "updated_time": "2026-11-25T12:05:00Z"}
    b = {"ticker": "B", "status": "active"}
    for pages in ([[early, b], [late]], [[late, b], [early]]):  # newer first or last: the newer one wins
        df = data.markets_df(status=None, client=PagedFake("markets", pages))
        assert df["ticker"].tolist() == ["A", "B"]  # the place of the first sighting
        assert df["status"].tolist() == ["closed", "active"]
    # without an update time (or an equal one) the version fetched last wins
    df = data.markets_df(status=None, client=PagedFake("markets", [[b], [{**b, "status": "closed"}]]))
    assert df["status"].tolist() == ["closed"]
    # an iterator yields the first version and drops the later one
    listed = list(data.iter_markets(status=None, client=PagedFake("markets", [[early, b], [late]])))
    assert [(m["ticker"], m["status"]) for m in listed] == [("A", "active"), ("B", "active")]


def test_orders_positions_and_events_use_their_own_update_fields() -> None:
    cases = [
        (data.orders_df, "orders", "order_id", "last_update_time", {}),
        (data.positions_df, "market_positions", "ticker", "last_updated_ts", {}),
        (events_frame_of, "events", "event_ticker", "last_updated_ts", {"status": None}),
    ]
    for df_of, key, ident, updated, kwargs in cases:
        newer = {ident: "X", updated: "2026-11-25T12:05:00Z", "note": "newer"}
        older = {ident: "X", updated: "2026-11-25T12:00:00Z", "note": "older"}
        df = df_of(client=PagedFake(key, [[newer], [older]]), **kwargs)  # the older one is fetched last
        assert df["note"].tolist() == ["newer"], key


def test_fills_without_an_id_are_matched_by_trade_and_order() -> None:
    a = {"trade_id": "t1", "order_id": "o1", "count_fp": "1.00"}
    b = {"trade_id": "t1", "order_id": "o2", "count_fp": "1.00"}  # the other side of the same trade
    df = data.fills_df(client=PagedFake("fills", [[a, b], [a]]))
    assert list(zip(df["trade_id"], df["order_id"], strict=True)) == [("t1", "o1"), ("t1", "o2")]


def test_settlements_are_keyed_by_ticker_and_settlement_time() -> None:
    s1 = {"ticker": "A", "settled_time": "2026-11-25T12:00:00Z", "revenue": 100}
    s2 = {"ticker": "B", "settled_time": "2026-11-25T12:00:00Z", "revenue": 0}
    df = data.settlements_df(client=PagedFake("settlements", [[s1, s2], [s2, s1]]))
    assert df["ticker"].tolist() == ["A", "B"]


def test_rows_without_a_key_are_all_kept() -> None:
    unnamed = [{"status": "active"}, {"status": "active"}]
    assert len(data.markets_df(status=None, client=PagedFake("markets", [unnamed]))) == 2


class CandleFake:
    """A market and candlestick answers whose windows overlap by one candle at each boundary."""

    def __init__(self) -> None:
        self.windows: list[tuple[int, int]] = []

    def get_market(self, ticker: str) -> dict:
        return {
            "ticker": ticker,
            "status": "active",
            "event_ticker": "E",
            "open_time": "2026-11-25T00:00:00Z",
        }

    def get_candlesticks(self, ticker: str, s: int, e: int, minutes: int, *, series_ticker: str) -> dict:
        self.windows.append((s, e))
        step = minutes * 60
        first = (s // step) * step - step  # one candle of the window before: an overlap
        ends = range(max(first, 0), e + 1, step)
        return {"candlesticks": [{"end_period_ts": t, "volume_fp": "1.00"} for t in ends if t >= 0]}


def test_candles_overlapping_across_windows_are_kept_once(monkeypatch) -> None:
    windows = data.candles._candle_windows
    monkeypatch.setattr(data.candles, "_candle_windows", lambda s, e, m: windows(s, e, m, max_candles=10))
    fake = CandleFake()
    start = 1_795_564_800
    df = data.candles_df("T", start, start + 3600 * 25, "1h", series="S", client=fake)
    assert len(fake.windows) >= 3  # several windows, so there were overlaps to merge
    ends = df["end_period_ts"].tolist() if "end_period_ts" in df else df.index.tolist()
    assert len(ends) == len(set(ends)) == 27  # start-1h (the first overlap) .. start+25h, each once
