"""Feed messages to the REST helpers' frames: the same columns and dtypes, through ``kalshi_nb.frames``.

A live book becomes the REST orderbook payload and goes through ``frames.orderbook_frame``; a ``trade``
message becomes a REST Trade record (``ticker``, ``created_time``) for ``frames.trades_frame``; ``ticker``
messages have no REST twin: they become records of their own kind, ``frames.ticker_frame``
(``frames.describe("ticker")``).

Example:
    >>> rest_trade({"trade_id": "t1", "market_ticker": "M", "ts_ms": 1669149841000, "count_fp": "1.00"})
    {'trade_id': 't1', 'count_fp': '1.00', 'ticker': 'M', 'created_time': '2022-11-22T20:44:01+00:00'}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from ..frames import orderbook_frame, trades_frame
from ..frames import ticker_frame as _ticker_records_frame
from .books import Book
from .records import _when, ms_to_iso, rest_trade  # noqa: F401  (re-exported: one home, records)


def book_frame(book: Book, *, depth: int | None = None) -> pd.DataFrame:
    """A live book as ``orderbook_df`` shapes the REST one (``depth`` levels per side; None: all)."""
    payload = book.as_rest()
    if depth:
        # REST lists lowest first, so the best levels are the last ones.
        payload = {"orderbook_fp": {k: v[-depth:] for k, v in payload["orderbook_fp"].items()}}
    return orderbook_frame(payload, ticker=book.ticker)


def trades_frame_from(records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """REST-shaped trade records (see :func:`rest_trade`), newest first, as ``trades_df`` returns them."""
    frame = trades_frame(list(records))
    if len(frame):
        frame = frame.sort_values("created_time", ascending=False, kind="stable").reset_index(drop=True)
    return frame


def ticker_frame(messages: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """The latest ``ticker`` message per market as one row each (columns: ``frames.describe("ticker")``).

    Example:
        >>> ticker_frame([{"market_ticker": "M", "yes_bid_dollars": "0.45", "ts_ms": 1669149841000}])[
        ...     ["ticker", "yes_bid_dollars"]].values.tolist()
        [['M', 0.45]]
    """
    rows = []
    for msg in messages:
        row = {k: v for k, v in msg.items() if k not in ("market_ticker", "ts", "ts_ms", "time")}
        row["ticker"] = msg.get("market_ticker")
        row["time"] = _when(msg)
        rows.append(row)
    return _ticker_records_frame(rows)
