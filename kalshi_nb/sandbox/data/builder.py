"""The universe builder: market records, their history parameters and summaries, and the shared BTC path.

The series generators (``btc15m``, ``btc_ladder``, ``fed``, ``sports``, ``subpenny``, ``finegrid``) each add their series,
events and markets through one ``Builder``; they share its random stream, so their order matters.
"""

from __future__ import annotations

import bisect
import math
import random
import zlib
from typing import TypeVar

from ..money import PIP, count_str, pip_str
from .grids import GRIDS, PRICE_RANGES
from .history import Hist, oi_of, price_of, quote_at, top_fields
from .records import EMPTY_TOP, Life, Universe, share_fields, status_fields
from .times import DAY, HOUR, iso

_V = TypeVar("_V", str, int)

BTC_SD_15M = 0.0016  # standard deviation of the BTC index's log-return over 15 minutes


def _seed_of(seed: int, ticker: str) -> int:
    return zlib.crc32(ticker.encode()) ^ ((seed * 0x9E3779B1) & 0xFFFFFFFF)


class Builder:
    def __init__(self, seed: int, anchor_ts: int, size: int | None, history_days: int = 0) -> None:
        self.seed = seed
        self.history_days = history_days
        self.anchor = anchor_ts
        self.rng = random.Random(seed)
        self.u = Universe(seed=seed, anchor_ts=anchor_ts)
        self.tickers: set[str] = set()
        self._shards: dict[str, int] = {}  # series ticker -> exchange_index
        self._shared: dict[str | int, str | int] = {}  # see share()
        # Where the "old" trades end and the "recent" ones begin (see Hist), as one int object each for
        # every market's ranges.
        self._old_end, self._recent_start = anchor_ts - 25 * HOUR, anchor_ts - DAY + 60
        # Sizing: default is a few hundred markets; `size` scales the past (settled) windows and the
        # multivariate markets, which is also what floods the live /markets (apify scrapebench 2026-09-07).
        fixed = 130
        if size is None:
            self.n_mve, self.live_hours, self.hist_hours = 24, 12, 6
        else:
            self.n_mve = max(24, size // 4)
            self.live_hours = max(12, math.ceil((size - self.n_mve - fixed) / 16) + 1)
            self.hist_hours = max(6, self.live_hours // 10)
        self.u.market_cutoff_ts = anchor_ts - self.live_hours * HOUR
        # Trades older than a day move to /historical/trades (keeps the global live trade feed small).
        self.u.trades_cutoff_ts = max(self.u.market_cutoff_ts, anchor_ts - DAY)
        self._btc_path()

    # BTC index (cents) on the 15-minute grid, shared by KXBTC15M and the KXBTC ladder.
    def _btc_path(self) -> None:
        a15 = self.anchor - self.anchor % 900
        self.btc_t0 = a15 - (self.live_hours + self.hist_hours + 2) * HOUR
        n = (a15 + 8 * HOUR - self.btc_t0) // 900 + 1
        rng = random.Random(self.seed * 31 + 1)
        price = 60_000.0 + rng.random() * 50_000
        path = []
        for _ in range(n):
            path.append(round(price * 100))
            price *= math.exp(rng.gauss(0, BTC_SD_15M))
        # Long history (history_days) is prepended, walking backwards from the first price on its own random
        # stream, so the rest of the path (and the universe built on it) is the same with or without it.
        extra = (self.history_days * DAY - (self.live_hours + self.hist_hours) * HOUR) // 900
        if extra > 0:
            back = random.Random(self.seed * 31 + 2)
            price, older = path[0] / 100, []
            for _ in range(extra):
                price /= math.exp(back.gauss(0, BTC_SD_15M))
                older.append(round(price * 100))
            older.reverse()
            path = older + path
            self.btc_t0 -= extra * 900
        self.btc = path

    def share(self, value: _V) -> _V:
        """The one copy of ``value`` (a str or int) in this universe: labels that recur across events (a
        ladder's strike ranges) and ints that recur across markets (book sizes) are then stored once, not
        once per market. (No bools: ``True`` would come back as a shared ``1``.)"""
        return self._shared.setdefault(value, value)  # type: ignore[return-value]

    def btc_at(self, ts: int) -> int:
        return self.btc[(ts - self.btc_t0) // 900]

    def add_market(self, m: dict, life: Life, hist: Hist | None, series: str) -> None:
        shard = self._shards.get(series)
        if shard is None:
            self._shards = {s["ticker"]: s["exchange_index"] for s in self.u.series}
            shard = self._shards[series]
        m["exchange_index"] = shard  # a market lives on its series' shard
        status = life.status_at(self.anchor)
        if life.on_open and status != "initialized":
            m.update(life.on_open)
        m.update(status_fields(life, status))
        if status == "active" and hist is not None:
            m.update(top_fields(hist))
        m["updated_time"] = iso(life.updated_ts(self.anchor))
        self.u.markets.append(m)
        self.u.life[m["ticker"]] = life
        self.u.market_series[m["ticker"]] = series
        if hist is not None:
            self.u.hist[m["ticker"]] = hist

    def share_siblings(self, start: int) -> None:
        """The markets added since ``u.markets[start]`` (one event's) keep the fields they have in common in
        one dict (``records.share_fields``)."""
        markets = self.u.markets
        markets[start:] = share_fields(markets[start:])

    def hist(
        self,
        ticker: str,
        structure: str,
        life: Life,
        step: int,
        p_final: float,
        *,
        n_max: int,
        per_trade: int,
        fractional: bool,
        spread: int = 1,
        amp: float = 4.0,
    ) -> Hist:
        """Quote/trade parameters for a market; fills the summary fields' inputs.

        ``fractional``: the synthetic trades and book sizes carry hundredths of a contract (every market
        accepts fractional orders; this only shapes the seeded history).
        """
        r = self.rng.random  # random() and int arithmetic: randrange is 5x slower at 200k markets
        grid = GRIDS[structure]
        a = self.anchor
        t0 = life.open_ts
        t1 = max(t0, min(life.close_ts, a))
        fine = structure != "linear_cent"  # finer grids: wider spreads in ticks
        width = spread * (4 + int(r() * 8) if fine else 1)
        idx = bisect.bisect_left(grid, round(p_final * PIP))
        bid = min(max(idx - width // 2, 0), len(grid) - 1 - width)
        unit = 1 if fractional else 100
        frac = 100 if fractional else 0

        # Best sizes: whole contracts, plus hundredths if fractional (in this order: the random stream).
        bid_size = (5 + int(r() * 3000)) * 100 + int(r() * frac)
        ask_size = (5 + int(r() * 3000)) * 100 + int(r() * frac)
        if not frac:  # whole sizes take 3,000 values: one int object each, not one a market (32 bytes)
            bid_size, ask_size = self.share(bid_size), self.share(ask_size)
        h = Hist(
            _seed_of(self.seed, ticker),
            structure,
            t0,
            t1,
            step,
            bid,
            width,
            amp * 10 if fine else amp,  # (not amp * 1: a new float object per market)
            unit,
            bid_size,
            ask_size,
            4 + int(r() * 5),
            oi_milli=self.share(250 + int(r() * 600)),  # 600 values, one object each
        )
        if t1 <= t0 or a < t0:
            return h  # not open yet at the anchor: no trades
        n = int(r() * (n_max + 1))
        if n == 0:
            return h
        old = (t0, min(t1, self._old_end))
        recent = (max(t0, self._recent_start), t1)
        has_old, has_recent = old[1] > old[0], recent[1] > recent[0]
        if has_old and has_recent:
            h.n_old = round(n * (old[1] - old[0]) / (t1 - t0))
            h.n_recent = n - h.n_old
        elif has_old:
            h.n_old = n
        elif has_recent:
            h.n_recent = n
        if h.n_old:
            k = h.n_old
            h.v_old = (k + int(r() * (k * per_trade + 1))) * unit
            mid = (old[0] + old[1]) / 2
            h.old_range, h.t_prev_ms, h.prev_yes = old, int((mid + r() * (old[1] - mid)) * 1000), r() < 0.5
        if h.n_recent:
            k = h.n_recent
            h.v_recent = (k + int(r() * (k * per_trade + 1))) * unit
            mid = (recent[0] + recent[1]) / 2
            h.recent_range, h.t_last_ms, h.last_yes = (
                recent,
                int((mid + r() * (recent[1] - mid)) * 1000),
                r() < 0.5,
            )
        # The very last trade happens on the last quote step, so the last price is the final bid or ask
        # (and computing it needs no path evaluation).
        last_step = max(t1 - (t1 - t0) % step, (h.recent_range if h.n_recent else h.old_range)[0])
        t_last = min(int((last_step + r() * (t1 - last_step)) * 1000), t1 * 1000 - 1)  # strictly before t1
        if h.n_recent:
            h.t_last_ms = t_last
        else:
            # Keep it inside the old range: nothing trades in the hour before "24 h ago".
            h.t_prev_ms = h.t_last_ms = min(t_last, h.old_range[1] * 1000)
            h.last_yes = h.prev_yes
        return h

    def market(
        self,
        *,
        ticker: str,
        event: str,
        title: str,
        yes_sub: str,
        no_sub: str,
        life: Life,
        structure: str,
        rules: str,
        rules2: str = "",
        timer: int,
        strike: dict | None = None,
        extra: dict | None = None,
        can_close_early: bool = False,
    ) -> dict:
        m = {
            "ticker": ticker,
            "event_ticker": event,
            "title": title,
            "yes_sub_title": yes_sub,
            "no_sub_title": no_sub,
            "created_time": iso(life.created_ts),
            "updated_time": iso(life.created_ts),
            "open_time": iso(life.open_ts),
            "close_time": iso(life.close_ts),
            "expected_expiration_time": iso(life.determine_ts),
            "expiration_time": iso(life.determine_ts),
            "latest_expiration_time": iso(life.close_ts + 7 * DAY),
            "settlement_timer_seconds": timer,
            "status": "initialized",
            **EMPTY_TOP,
            "last_price_dollars": "0.0000",
            "volume_fp": "0.00",
            "volume_24h_fp": "0.00",
            "result": "",
            "can_close_early": can_close_early,
            "open_interest_fp": "0.00",
            "previous_yes_bid_dollars": "0.0000",
            "previous_yes_ask_dollars": "0.0000",
            "previous_price_dollars": "0.0000",
            "expiration_value": "",
            "rules_primary": rules,
            "rules_secondary": rules2,
            "price_level_structure": structure,
            # Shared by every market of the structure (no per-market copy); a grid change replaces it.
            "price_ranges": PRICE_RANGES[structure],
            "exchange_index": 0,  # set by add_market from the series
            # market_type, subtitle, notional_value_dollars and settlement_bounds_type are the same for every
            # market: records.MARKET_CONSTANTS, merged back in by records.wire_market as a record is sent.
            # No fractional_trading_enabled: fractional trading is universal since 2026-04-17 and the
            # field left the schema on 2026-07-09 (kalshi-api.md 2nd ed. §G).
        }
        if strike:
            m.update(strike)
        if extra:
            m.update(extra)
        return m

    def summarize(self, m: dict, h: Hist | None) -> None:
        """Fill last price, volumes, open interest and the previous-day quotes from ``h``."""
        if h is None or h.n_trades == 0:
            return
        a = self.anchor
        grid = GRIDS[h.structure]
        last = pip_str(price_of(h, h.t_last_ms / 1000, h.last_yes, once=True))  # on the last step
        m["last_price_dollars"] = last
        m["volume_fp"] = count_str(h.volume)
        m["volume_24h_fp"] = count_str(h.v_recent)
        m["open_interest_fp"] = count_str(oi_of(h, h.volume))
        if h.n_old:
            m["previous_price_dollars"] = (
                last if not h.n_recent else pip_str(price_of(h, h.t_prev_ms / 1000, h.prev_yes, once=True))
            )
        if h.t0 <= a - DAY <= h.t1:
            bid, ask = quote_at(h, a - DAY, once=True)
            m["previous_yes_bid_dollars"] = pip_str(grid[bid])
            m["previous_yes_ask_dollars"] = pip_str(grid[ask])
