"""Candlesticks: built from the trades and the quotes in force, so they agree with both."""

from __future__ import annotations

import bisect
import math
from fractions import Fraction

from .. import data
from ..data import Hist
from ..data.grids import GRIDS
from ..errors import bad_request, not_found
from ..limits import MAX_CANDLES
from ..money import PIP, count_str, pip_str
from .state import _Base

# openapi.yaml BatchGetMarketCandlesticks: "up to 100 market tickers", "up to 10,000 candlesticks total".
MAX_BATCH_CANDLE_MARKETS = 100
MAX_BATCH_CANDLES = 10_000


class Candles(_Base):
    """``candlesticks`` for the live and historical endpoints."""

    def _quote_in_force(self, ticker: str, h: Hist, ts: float) -> tuple[int, int]:
        """(bid, ask) in pips at ``ts``: the synthetic path up to ``h.t1``, then the live quote log."""
        grid = GRIDS[h.structure]
        qlog = self._quote_log.get(ticker)
        if qlog and ts >= qlog[0][0]:  # the live book's history wins from its first entry on
            i = bisect.bisect_right(qlog, (ts, PIP + 1, PIP + 1)) - 1
            return qlog[i][1], qlog[i][2]
        if ts <= h.t1:
            b, a = data.quote_at(h, ts)
            return grid[b], grid[a]
        return grid[h.bid], grid[h.bid + h.spread]

    def _quotes_during(self, ticker: str, h: Hist, start: float, end: float) -> list[tuple[int, int]]:
        """Every quote in force during ``[start, end]`` in time order (first: in force at ``start``)."""
        out = [self._quote_in_force(ticker, h, start)]
        # Step boundaries of the synthetic path inside (start, min(end, t1)].
        k0 = math.floor((start - h.t0) / h.step) + 1
        t = h.t0 + k0 * h.step
        stop = min(end, h.t1)
        while t <= stop:
            out.append(self._quote_in_force(ticker, h, t))
            t += h.step
        for ts, b, a in self._quote_log.get(ticker, ()):
            if start < ts <= end:
                out.append((b, a))
        return out

    def candlesticks(
        self,
        series_ticker: str | None,
        ticker: str,
        *,
        start_ts: int,
        end_ts: int,
        period_interval: int,
        include_latest_before_start: bool = False,
        historical: bool = False,
    ) -> list[dict]:
        """Candles ending in ``[start_ts, end_ts]`` over the market's trading life (1/60/1440 minutes).

        They agree with the trades (volume, OHLC, mean, previous) and the quotes (the last candle's close
        is the current top of book while the market is open). ``historical`` renames the fields as
        ``/historical/markets/{ticker}/candlesticks`` does.
        """
        if period_interval not in (1, 60, 1440):
            raise bad_request(f"period_interval must be 1, 60 or 1440 (minutes), got {period_interval}")
        if end_ts < start_ts:
            raise bad_request("end_ts is before start_ts")
        with self._lock:
            now = self._sync()
            self._market_or_404(ticker)
            if series_ticker is not None and self._mseries[ticker] != series_ticker:
                raise not_found(f"market {ticker} is not in series {series_ticker}")
            if historical and ticker not in self._historical:
                raise not_found(
                    f"market {ticker} is not historical (settled before the cutoff); use "
                    f"/series/{self._mseries[ticker]}/markets/{ticker}/candlesticks"
                )
            if not historical and ticker in self._historical:
                raise not_found(
                    f"market {ticker} settled before the historical cutoff; use "
                    f"/historical/markets/{ticker}/candlesticks"
                )
            h = self._hist.get(ticker)
            life = self._life[ticker]
            if h is None:
                return []
            period = period_interval * 60
            close = (
                self._settled_at.get(ticker, life.close_ts) if ticker in self._settled_at else life.close_ts
            )
            t_end = min(close, now)
            if t_end <= life.open_ts:
                return []
            first = max(_ceil_to(start_ts, period), _floor_to(life.open_ts, period) + period)
            last = min(_floor_to(end_ts, period), _ceil_to(t_end, period))
            if last < first:
                ends: list[int] = []
            else:
                ends = list(range(first, last + 1, period))
            if len(ends) > MAX_CANDLES:
                raise bad_request(
                    f"the range asks for {len(ends)} candlesticks; at most {MAX_CANDLES} per request"
                )
            trades = self._trade_series(ticker)
            times = [t[0] for t in trades]
            out = []
            if include_latest_before_start and ends and ends[0] - period > life.open_ts:
                out.append(
                    self._candle(ticker, h, trades, times, ends[0] - period, period, t_end, empty=True)
                )
            for e in ends:
                out.append(self._candle(ticker, h, trades, times, e, period, t_end))
            if historical:
                out = [_historical_candle(c) for c in out]
            return out

    def batch_candlesticks(
        self,
        tickers: list[str],
        *,
        start_ts: int,
        end_ts: int,
        period_interval: int,
        include_latest_before_start: bool = False,
    ) -> list[dict]:
        """``GET /markets/candlesticks``: ``[{"market_ticker", "candlesticks"}]`` in the order asked (repeats
        dropped), each market's candles as the one-market endpoint gives them.

        At most 100 tickers, and at most 10,000 candlesticks over the requested range across them
        (openapi.yaml ``BatchGetMarketCandlesticks``; whether live refuses or truncates beyond is
        UNCONFIRMED: the sandbox refuses, so a client splits its request rather than losing candles).
        An unknown or historical market is a 400 naming the ticker (the spec lists no 404 for this route;
        the one-market endpoint answers 404).

        Example:
            >>> from kalshi_nb.sandbox.exchange import Exchange
            >>> ex = Exchange(seed=1)
            >>> t = ex.markets(series_ticker="KXFEDDECISION", status="open")[0]["ticker"]
            >>> now = int(ex.now().timestamp())
            >>> out = ex.batch_candlesticks([t, t], start_ts=now - 7200, end_ts=now, period_interval=60)
            >>> [m["market_ticker"] for m in out] == [t]
            True
        """
        names = list(dict.fromkeys(tickers))
        if not 1 <= len(names) <= MAX_BATCH_CANDLE_MARKETS:
            raise bad_request(
                f"market_tickers takes 1 to {MAX_BATCH_CANDLE_MARKETS} tickers, got {len(names)}"
            )
        if period_interval not in (1, 60, 1440):
            raise bad_request(f"period_interval must be 1, 60 or 1440 (minutes), got {period_interval}")
        if end_ts < start_ts:
            raise bad_request(f"end_ts ({end_ts}) is before start_ts ({start_ts})")
        per_market = (end_ts - start_ts) // (period_interval * 60) + 1 + int(include_latest_before_start)
        if per_market * len(names) > MAX_BATCH_CANDLES:
            raise bad_request(
                f"the request asks for up to {per_market * len(names)} candlesticks ({per_market} for each of "
                f"{len(names)} markets); at most {MAX_BATCH_CANDLES} in total: ask for fewer markets or a "
                "shorter range"
            )
        with self._lock:
            self._sync()
            for t in names:
                if t not in self._rec:
                    raise bad_request(f"market {t} does not exist")
                if t in self._historical:
                    raise bad_request(
                        f"market {t} settled before the historical cutoff; use "
                        f"/historical/markets/{t}/candlesticks"
                    )
            return [
                {
                    "market_ticker": t,
                    "candlesticks": self.candlesticks(
                        None,
                        t,
                        start_ts=start_ts,
                        end_ts=end_ts,
                        period_interval=period_interval,
                        include_latest_before_start=include_latest_before_start,
                    ),
                }
                for t in names
            ]

    def _ticks(self, ticker: str) -> list[data.Tick]:
        h = self._hist.get(ticker)
        return data.ticks(h) if h is not None and h.n_trades else []

    def _trade_series(self, ticker: str) -> list[tuple[float, int, int, int]]:
        """(ts seconds, YES price pips, count, open interest after) for every trade, oldest first."""
        h = self._hist.get(ticker)
        out = []
        if h is not None and h.n_trades:
            cum = 0
            for t in self._ticks(ticker):
                cum += t.count
                out.append((t.ts_ms / 1000, t.price, t.count, data.oi_of(h, cum)))
        for row in self._live_trades.get(ticker, ()):
            out.append((row["_ms"] / 1000, row["_price"], row["_count"], row["_oi"]))
        return out

    def _candle(
        self, ticker: str, h: Hist, trades, times, e: int, period: int, t_end: float, *, empty: bool = False
    ) -> dict:
        start = e - period
        i0 = bisect.bisect_right(times, start)
        i1 = bisect.bisect_right(times, e)
        inside = [] if empty else trades[i0:i1]
        before = i1 if empty else i0  # the prepended candle's "previous" is the last price before start
        prev = trades[before - 1][1] if before > 0 else None
        oi = trades[i1 - 1][3] if i1 > 0 else 0
        quotes = self._quotes_during(ticker, h, max(start, h.t0), min(e, t_end))
        if empty:
            quotes = quotes[-1:]
        bids = [q[0] for q in quotes]
        asks = [q[1] for q in quotes]
        price: dict[str, str | None]
        if inside:
            prices = [t[1] for t in inside]
            vol = sum(t[2] for t in inside)
            mean = Fraction(sum(t[1] * t[2] for t in inside), vol)
            price = {
                "open_dollars": pip_str(prices[0]),
                "low_dollars": pip_str(min(prices)),
                "high_dollars": pip_str(max(prices)),
                "close_dollars": pip_str(prices[-1]),
                "mean_dollars": pip_str(round(mean)),
                "previous_dollars": pip_str(prev) if prev is not None else None,
                "min_dollars": pip_str(min(prices)),
                "max_dollars": pip_str(max(prices)),
            }
        else:
            vol = 0
            price = {
                k: None
                for k in (
                    "open_dollars",
                    "low_dollars",
                    "high_dollars",
                    "close_dollars",
                    "mean_dollars",
                    "previous_dollars",
                    "min_dollars",
                    "max_dollars",
                )
            }
            if prev is not None:
                price["previous_dollars"] = pip_str(prev)
        return {
            "end_period_ts": e,
            "yes_bid": {
                "open_dollars": pip_str(bids[0]),
                "low_dollars": pip_str(min(bids)),
                "high_dollars": pip_str(max(bids)),
                "close_dollars": pip_str(bids[-1]),
            },
            "yes_ask": {
                "open_dollars": pip_str(asks[0]),
                "low_dollars": pip_str(min(asks)),
                "high_dollars": pip_str(max(asks)),
                "close_dollars": pip_str(asks[-1]),
            },
            "price": price,
            "volume_fp": count_str(vol),
            "open_interest_fp": count_str(oi),
        }


def _floor_to(ts: float, period: int) -> int:
    return int(ts // period * period)


def _ceil_to(ts: float, period: int) -> int:
    return int(-(-ts // period) * period)


def _historical_candle(c: dict) -> dict:
    """Rename a live candle to the historical shape (``open`` instead of ``open_dollars``, ``volume``...)."""

    def strip(d: dict, keys: tuple[str, ...]) -> dict:
        return {k: d[f"{k}_dollars"] for k in keys}

    return {
        "end_period_ts": c["end_period_ts"],
        "yes_bid": strip(c["yes_bid"], ("open", "low", "high", "close")),
        "yes_ask": strip(c["yes_ask"], ("open", "low", "high", "close")),
        "price": strip(c["price"], ("open", "low", "high", "close", "mean", "previous")),
        "volume": c["volume_fp"],
        "open_interest": c["open_interest_fp"],
    }
