"""Candlesticks: one market's candles over any range, split into calls the API accepts."""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

from ..endpoints import MAX_CANDLES, candle_minutes
from ..errors import NotFoundError
from ..timeargs import check_range, wire_seconds
from .args import _client, _values
from .paging import _latest

if TYPE_CHECKING:
    import pandas as pd

    from ..client import KalshiClient


def _candle_windows(
    start_ts: int, end_ts: int, minutes: int, max_candles: int = MAX_CANDLES
) -> list[tuple[int, int]]:
    """Split ``[start_ts, end_ts]`` into adjacent windows of at most ``max_candles`` candles each.

    Windows are inclusive and do not overlap, so every candle end time falls in exactly one of them.

    Example:
        >>> _candle_windows(0, 3 * 3600, 60, max_candles=2)
        [(0, 7199), (7200, 10800)]
    """
    step = max_candles * minutes * 60
    windows = []
    start = start_ts
    while start <= end_ts:
        end = min(end_ts, start + step - 1)
        windows.append((start, end))
        start = end + 1
    return windows


def _market_for_candles(client: KalshiClient, ticker: str) -> tuple[dict, bool]:
    """The market record and whether its candles live on the historical endpoint."""
    try:
        market = client.get_market(ticker)
    except NotFoundError:
        # Live Kalshi may drop markets settled before the cutoff from /markets/{ticker} (UNCONFIRMED).
        return client.get_historical_market(ticker), True
    settled = wire_seconds(market.get("settlement_ts"))
    if market.get("status") not in ("finalized", "settled") or settled is None:
        return market, False
    cutoff = wire_seconds(client.get_historical_cutoff().get("market_settled_ts"))
    return market, cutoff is not None and settled < cutoff


def candles_df(
    ticker: str,
    start: Any = None,
    end: Any = None,
    interval: int | str = 60,
    *,
    series: str | None = None,
    client: KalshiClient | None = None,
) -> pd.DataFrame:
    """Candlesticks of one market as a DataFrame, one row per period (``frames.candles_frame``).

    ``interval``: 1, 60 or 1440 minutes, or ``"1m"``, ``"1h"``, ``"1d"``. ``start``/``end``: Unix seconds,
    ISO text with an offset, or aware datetimes; candles whose period *ends* in ``[start, end]`` are
    returned. Defaults: ``end`` is the end of the current period (or of the period in which the market
    closed), ``start`` the market's open time but at most ``MAX_CANDLES`` periods before ``end``. Long ranges
    are split into calls of at most ``MAX_CANDLES`` candles. The series is looked up from the market when not
    given, and markets settled before the historical cutoff are read from the historical endpoint (same
    columns).

    Example:
        >>> import kalshi_nb
        >>> from datetime import datetime, timedelta, timezone
        >>> client = kalshi_nb.connect("sandbox")
        >>> ticker = kalshi_nb.markets_df("KXBTC15M", client=client)["ticker"][0]
        >>> now = datetime.now(timezone.utc)
        >>> df = candles_df(ticker, now - timedelta(hours=1), now, "1m", client=client)
        >>> len(df) <= 60, str(df["end_period_ts"].dtype)
        (True, 'datetime64[ns, UTC]')
    """
    from ..frames import candles_frame

    if not isinstance(ticker, str) or not ticker:
        raise TypeError(f"ticker must be one market ticker (a string), got {ticker!r}")
    if series is not None:
        _values("series", series)
    minutes = candle_minutes(interval)
    period = minutes * 60
    start_ts, end_ts = check_range(start, end)  # both checked (and ordered) before any request
    client = _client(client)
    market, historical = _market_for_candles(client, ticker)
    if end_ts is None:
        close = wire_seconds(market.get("close_time"))
        last = time.time() if close is None else min(time.time(), close)
        end_ts = math.ceil(last / period) * period
    if start_ts is None:
        opened = wire_seconds(market.get("open_time"))
        start_ts = end_ts - (MAX_CANDLES - 1) * period
        if opened is not None:
            start_ts = max(start_ts, opened)
    check_range(start_ts, end_ts)  # a default end (the market's close) can still fall before start
    if historical:

        def fetch(s: int, e: int) -> dict:
            return client.get_historical_candlesticks(ticker, s, e, minutes)
    else:
        if series is None:
            series = client.get_event(market["event_ticker"])["event"]["series_ticker"]

        def fetch(s: int, e: int) -> dict:
            return client.get_candlesticks(ticker, s, e, minutes, series_ticker=series)

    chunks = [fetch(s, e).get("candlesticks") or [] for s, e in _candle_windows(start_ts, end_ts, minutes)]
    records = _latest(chunks, "end_period_ts", None)
    return candles_frame(records, historical=historical, ticker=ticker)
