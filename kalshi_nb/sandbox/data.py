"""Deterministic synthetic data for the sandbox: series, events, markets, and lazy trade/quote history.

Everything is a pure function of ``(seed, anchor, size)``. The anchor is the instant the data describes
("now" when the exchange was built): windows before it are settled, the one around it is trading, the ones
after it are not open yet. Records are wire-format dicts (SDK-3.34 field names and types).

Cheap at 200,000 markets: a market is one dict plus a small ``Hist`` (a dozen ints). Its trades, quote
path and deeper book levels are generated on demand from ``Hist`` alone, and are built so that they agree
with the summary already in the market dict (last price, volume, 24 h volume, open interest, top of book).

Example:
    >>> u = build(seed=7, anchor=datetime(2026, 9, 7, 2, 40, tzinfo=timezone.utc))
    >>> m = next(m for m in u.markets if m["ticker"].startswith("KXBTC15M-") and m["status"] == "active")
    >>> m["ticker"], m["floor_strike"] > 0
    ('KXBTC15M-26SEP062245-45', True)
"""

from __future__ import annotations

import bisect
import gc
import math
import random
import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from .money import GRIDS, PIP, PRICE_RANGES, count_str, pip_str

ET = ZoneInfo("America/New_York")
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
HOUR, DAY = 3600, 86400

# Top of book of a market whose book is empty: no YES bid, so the NO ask is $1; no NO bid, so the YES ask is $1.
EMPTY_TOP = {
    "yes_bid_dollars": "0.0000",
    "yes_bid_size_fp": "0.00",
    "yes_ask_dollars": "1.0000",
    "yes_ask_size_fp": "0.00",
    "no_bid_dollars": "0.0000",
    "no_ask_dollars": "1.0000",
}

# Markets a query sees under each status filter (DESIGN.md; the exact live mapping is UNCONFIRMED).
QUERY_STATUS = {
    "unopened": ("initialized",),
    "open": ("active",),
    "closed": ("closed",),
    "settled": ("determined", "finalized"),
}


# --- times -----------------------------------------------------------------------------------------


@lru_cache(maxsize=1 << 16)
def iso(ts: int) -> str:
    """Unix seconds -> ``"2026-09-07T02:45:00Z"`` (cached: many markets share their times)."""
    t = time.gmtime(ts)
    return f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}Z"


def iso_ms(ts_ms: int) -> str:
    """Unix milliseconds -> ``"2026-09-07T02:45:00.123Z"``."""
    return f"{iso(ts_ms // 1000)[:-1]}.{ts_ms % 1000:03d}Z"


def to_ts(when: datetime) -> int:
    return int(when.timestamp())


def et(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, ET)


def et_code(ts: int | datetime, *, minutes: bool = True) -> str:
    """Kalshi's date code in US Eastern time: ``26SEP062245`` (close 2026-09-07T02:45Z)."""
    d = ts if isinstance(ts, datetime) else et(ts)
    code = f"{d.year % 100:02d}{MONTHS[d.month - 1]}{d.day:02d}{d.hour:02d}"
    return code + (f"{d.minute:02d}" if minutes else "")


def et_clock(ts: int | datetime) -> str:
    """``10:45 PM EDT`` for the rules text."""
    d = ts if isinstance(ts, datetime) else et(ts)
    hour = d.hour % 12 or 12
    return f"{hour}:{d.minute:02d} {'AM' if d.hour < 12 else 'PM'} {d.tzname()}"


def et_day(ts: int | datetime) -> str:
    d = ts if isinstance(ts, datetime) else et(ts)
    return f"{MONTHS[d.month - 1].title()} {d.day}, {d.year}"


# --- lifecycle ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class Life:
    """When a market opens, closes, is determined and finalized, and how it resolves (known in advance)."""

    created_ts: int
    open_ts: int
    close_ts: int
    determine_ts: int
    finalize_ts: int
    result: str  # "yes" | "no"
    expiration_value: str
    # Fields that only become known when the market opens (KXBTC15M's target price).
    on_open: dict | None = None

    def status_at(self, ts: float) -> str:
        if ts < self.open_ts:
            return "initialized"
        if ts < self.close_ts:
            return "active"
        if ts < self.determine_ts:
            return "closed"
        if ts < self.finalize_ts:
            return "determined"
        return "finalized"

    def next_change(self, ts: float) -> int | None:
        """The first lifecycle instant after ``ts`` (None once finalized)."""
        for t in (self.open_ts, self.close_ts, self.determine_ts, self.finalize_ts):
            if t > ts:
                return t
        return None

    def updated_ts(self, ts: float) -> int:
        last = self.created_ts
        for t in (self.open_ts, self.close_ts, self.determine_ts, self.finalize_ts):
            if t <= ts:
                last = t
        return last


def status_fields(life: Life, status: str, *, settled_ts: int | None = None, result: str | None = None) -> dict:
    """The fields of a market dict that depend on its lifecycle status (merge them into the record)."""
    res = result or life.result
    out: dict = {"status": status}
    if status in ("determined", "finalized"):
        out["result"] = res
        out["expiration_value"] = life.expiration_value
        out["settlement_value_dollars"] = "1.0000" if res == "yes" else "0.0000"
    else:
        out["result"] = ""
        out["expiration_value"] = ""
    if status == "finalized":
        out["settlement_ts"] = iso(settled_ts if settled_ts is not None else life.finalize_ts)
    if status != "active":
        out.update(EMPTY_TOP)
    return out


# --- lazy history -----------------------------------------------------------------------------------


@dataclass(slots=True)
class Hist:
    """Parameters from which a market's quote path, trades and book are generated on demand.

    Quotes are grid indices (``GRIDS[structure][i]`` pips), piecewise constant over ``step`` seconds, and
    equal ``(bid, bid + spread)`` on the last step (at ``t1``: the anchor, or the close if earlier).
    Trades before ``anchor - 25 h`` ("old") and after ``anchor - 24 h`` ("recent") are pinned so that the
    summary (volume, 24 h volume, last and previous price) is known without generating them.
    """

    seed: int
    structure: str
    t0: int
    t1: int
    step: int
    bid: int
    spread: int
    amp: float
    unit: int  # 1 (fractional trading) or 100 (whole contracts), in hundredths
    bid_size: int
    ask_size: int
    depth: int
    n_old: int = 0
    n_recent: int = 0
    v_old: int = 0
    v_recent: int = 0
    old_range: tuple[int, int] = (0, 0)  # seconds
    recent_range: tuple[int, int] = (0, 0)
    t_prev_ms: int = 0
    t_last_ms: int = 0
    prev_yes: bool = True
    last_yes: bool = True
    oi_milli: int = 500
    open_bid: int = -1  # >= 0: the path starts here and converges on `bid` (a window that opens undecided)

    @property
    def volume(self) -> int:
        return self.v_old + self.v_recent

    @property
    def n_trades(self) -> int:
        return self.n_old + self.n_recent


def quote_at(h: Hist, ts: float) -> tuple[int, int]:
    """(bid, ask) grid indices in force at ``ts`` (clamped to ``[t0, t1]``)."""
    last = (h.t1 - h.t0) // h.step
    j = (int(min(max(ts, h.t0), h.t1)) - h.t0) // h.step
    if j >= last:
        return h.bid, h.bid + h.spread
    s = h.seed
    w1, p1 = 0.02 + (s % 89) / 1500, (s >> 7) % 628 / 100
    w2, p2 = 0.15 + (s >> 13) % 97 / 300, (s >> 17) % 628 / 100
    drift = h.amp * (math.sin(w1 * j + p1) - math.sin(w1 * last + p1))
    drift += h.amp / 3 * (math.sin(w2 * j + p2) - math.sin(w2 * last + p2))
    spread = 1 + ((j * 2654435761 + s) >> 11) % 3 if h.spread <= 3 else h.spread + ((j * 40503 + s) >> 9) % 3 - 1
    top = len(GRIDS[h.structure]) - 1 - spread
    base: float = h.bid
    if h.open_bid >= 0:
        # Quadratic convergence: undecided for most of the window, then the price runs to its outcome.
        base = h.open_bid + (h.bid - h.open_bid) * (j / last) ** 2
    bid = min(max(round(base + drift), 0), top)
    return bid, bid + spread


def price_of(h: Hist, ts: float, taker_yes: bool) -> int:
    """Price (pips) of a trade at ``ts``: a YES taker lifts the ask, a NO taker hits the bid."""
    bid, ask = quote_at(h, ts)
    return GRIDS[h.structure][ask if taker_yes else bid]


def _split(rng: random.Random, total: int, n: int, unit: int) -> list[int]:
    """``n`` positive multiples of ``unit`` summing to ``total`` (itself a multiple of ``unit``, >= n*unit)."""
    if n <= 0:
        return []
    extra = total // unit - n
    weights = [rng.random() ** 3 for _ in range(n)]
    scale = sum(weights)
    parts = [int(extra * w / scale) for w in weights]
    parts[-1] += extra - sum(parts)
    return [(p + 1) * unit for p in parts]


@dataclass(frozen=True, slots=True)
class Tick:
    """One synthetic public trade (internal form; ``trade_dict`` renders it)."""

    ts_ms: int
    price: int  # YES price, pips
    count: int  # hundredths
    taker_yes: bool
    trade_id: str


def _uuid(rng: random.Random) -> str:
    v = rng.getrandbits(128)
    h = f"{v:032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[v & 3]}{h[17:20]}-{h[20:32]}"


def ticks(h: Hist) -> list[Tick]:
    """All synthetic trades of a market, oldest first (deterministic from ``h``)."""
    rng = random.Random(h.seed ^ 0x5EED)
    out: list[Tick] = []
    for n, vol, (lo, _hi), last_ms, last_yes in (
        (h.n_old, h.v_old, h.old_range, h.t_prev_ms, h.prev_yes),
        (h.n_recent, h.v_recent, h.recent_range, h.t_last_ms, h.last_yes),
    ):
        if n == 0:
            continue
        times = sorted(rng.randrange(lo * 1000, last_ms + 1) for _ in range(n - 1))
        times.append(last_ms)
        counts = _split(rng, vol, n, h.unit)
        for i, (ts_ms, count) in enumerate(zip(times, counts, strict=True)):
            taker_yes = last_yes if i == n - 1 else rng.random() < 0.5
            out.append(Tick(ts_ms, price_of(h, ts_ms / 1000, taker_yes), count, taker_yes, _uuid(rng)))
    return out


def trade_dict(ticker: str, t: Tick) -> dict:
    """Render a trade as the public Trade object (SDK-3.34 ``models/trade.py``)."""
    side = "yes" if t.taker_yes else "no"
    return {
        "trade_id": t.trade_id,
        "ticker": ticker,
        "count_fp": count_str(t.count),
        "yes_price_dollars": pip_str(t.price),
        "no_price_dollars": pip_str(PIP - t.price),
        "taker_side": side,
        "taker_outcome_side": side,
        "taker_book_side": "bid" if t.taker_yes else "ask",
        "created_time": iso_ms(t.ts_ms),
        "is_block_trade": False,
    }


def book_levels(h: Hist) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The synthetic (house) book at ``t1``: YES bids and NO bids as ascending (pips, hundredths) levels.

    The best levels carry exactly ``bid_size`` and ``ask_size``, which the market dict reports.
    """
    grid = GRIDS[h.structure]
    rng = random.Random(h.seed ^ 0xB00C)
    ask = h.bid + h.spread
    yes = []
    for k in range(h.depth):
        i = h.bid - k
        if i < 0:
            break
        size = h.bid_size if k == 0 else rng.randrange(1, 400) * 100 + (rng.randrange(100) if h.unit == 1 else 0)
        yes.append((grid[i], size))
    no = []
    for k in range(h.depth):
        i = ask + k
        if i >= len(grid):
            break
        size = h.ask_size if k == 0 else rng.randrange(1, 400) * 100 + (rng.randrange(100) if h.unit == 1 else 0)
        no.append((PIP - grid[i], size))
    yes.reverse()  # ascending YES price
    no.reverse()  # NO price = 1 - YES ask, so ascending NO price means descending YES ask index
    return yes, no


def top_fields(h: Hist) -> dict:
    """Market top-of-book fields at ``t1`` (consistent with ``book_levels``)."""
    grid = GRIDS[h.structure]
    bid, ask = grid[h.bid], grid[h.bid + h.spread]
    return {
        "yes_bid_dollars": pip_str(bid),
        "yes_bid_size_fp": count_str(h.bid_size),
        "yes_ask_dollars": pip_str(ask),
        "yes_ask_size_fp": count_str(h.ask_size),
        "no_bid_dollars": pip_str(PIP - ask),
        "no_ask_dollars": pip_str(PIP - bid),
    }


# --- the universe -----------------------------------------------------------------------------------


@dataclass
class Universe:
    """Everything ``build`` produces; the exchange takes ownership of it."""

    seed: int
    anchor_ts: int
    series: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    markets: list[dict] = field(default_factory=list)
    life: dict[str, Life] = field(default_factory=dict)
    hist: dict[str, Hist] = field(default_factory=dict)
    market_series: dict[str, str] = field(default_factory=dict)
    market_cutoff_ts: int = 0
    trades_cutoff_ts: int = 0


def _seed_of(seed: int, ticker: str) -> int:
    return zlib.crc32(ticker.encode()) ^ ((seed * 0x9E3779B1) & 0xFFFFFFFF)


SOURCES_CF = [{"name": "CF Benchmarks", "url": "https://www.cfbenchmarks.com/data/indices/BRTI"}]


def _series(ticker: str, title: str, category: str, frequency: str, tags: list[str], sources: list[dict],
            fee_type: str = "quadratic", fee_multiplier: float = 1, product: str | None = None) -> dict:
    doc = product or ticker.removeprefix("KX")
    return {
        "ticker": ticker,
        "frequency": frequency,
        "title": title,
        "category": category,
        "categories": [category],
        "tags": tags,
        "settlement_sources": sources,
        "contract_url": f"https://kalshi-public-docs.s3.amazonaws.com/regulatory/product-certifications/{doc}.pdf",
        "contract_terms_url": f"https://kalshi-public-docs.s3.amazonaws.com/contract_terms/{doc}.pdf",
        "fee_type": fee_type,
        "fee_multiplier": fee_multiplier,
        "additional_prohibitions": [],
        "exchange_index": 0,
    }


def _event(ticker: str, series: str, title: str, sub_title: str, category: str, *, strike_ts: int | None = None,
           exclusive: bool = False, sources: list[dict] | None = None, updated_ts: int) -> dict:
    ev = {
        "event_ticker": ticker,
        "series_ticker": series,
        "sub_title": sub_title,
        "title": title,
        "collateral_return_type": "MECNET" if exclusive else "",
        "mutually_exclusive": exclusive,
        "category": category,
        "settlement_sources": sources or [],
        "last_updated_ts": iso(updated_ts),
        "exchange_index": 0,
    }
    if strike_ts is not None:
        ev["strike_date"] = iso(strike_ts)
    return ev


class _Builder:
    def __init__(self, seed: int, anchor_ts: int, size: int | None) -> None:
        self.seed = seed
        self.anchor = anchor_ts
        self.rng = random.Random(seed)
        self.u = Universe(seed=seed, anchor_ts=anchor_ts)
        self.tickers: set[str] = set()
        # Sizing: default is a few hundred markets; `size` scales the past (settled) windows and the
        # multivariate markets, which is also what floods the live /markets (apify scrapebench 2026-09-07).
        fixed = 120
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
            price *= math.exp(rng.gauss(0, 0.0016))
        self.btc = path

    def btc_at(self, ts: int) -> int:
        return self.btc[(ts - self.btc_t0) // 900]

    def add_market(self, m: dict, life: Life, hist: Hist | None, series: str) -> None:
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

    def hist(self, ticker: str, structure: str, life: Life, step: int, p_final: float, *, n_max: int,
             per_trade: int, fractional: bool, spread: int = 1, amp: float = 4.0) -> Hist:
        """Quote/trade parameters for a market; fills the summary fields' inputs."""
        r = self.rng.random  # random() and int arithmetic: randrange is 5x slower at 200k markets
        grid = GRIDS[structure]
        a = self.anchor
        t0 = life.open_ts
        t1 = max(t0, min(life.close_ts, a))
        fine = structure != "linear_cent"
        width = spread * (4 + int(r() * 8) if fine else 1)
        idx = bisect.bisect_left(grid, round(p_final * PIP))
        bid = min(max(idx - width // 2, 0), len(grid) - 1 - width)
        unit = 1 if fractional else 100
        frac = 100 if fractional else 0
        h = Hist(_seed_of(self.seed, ticker), structure, t0, t1, step, bid, width, amp * (10 if fine else 1), unit,
                 (5 + int(r() * 3000)) * 100 + int(r() * frac), (5 + int(r() * 3000)) * 100 + int(r() * frac),
                 4 + int(r() * 5), oi_milli=250 + int(r() * 600))
        if t1 <= t0 or a < t0:
            return h  # not open yet at the anchor: no trades
        n = int(r() * (n_max + 1))
        if n == 0:
            return h
        old = (t0, min(t1, a - 25 * HOUR))
        recent = (max(t0, a - DAY + 60), t1)
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
            h.recent_range, h.t_last_ms, h.last_yes = recent, int((mid + r() * (recent[1] - mid)) * 1000), r() < 0.5
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

    def market(self, *, ticker: str, event: str, title: str, yes_sub: str, no_sub: str, life: Life,
               structure: str, fractional: bool, rules: str, rules2: str = "", timer: int,
               strike: dict | None = None, extra: dict | None = None, can_close_early: bool = False) -> dict:
        m = {
            "ticker": ticker,
            "event_ticker": event,
            "market_type": "binary",
            "title": title,
            "subtitle": "",
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
            "notional_value_dollars": "1.0000",
            "previous_yes_bid_dollars": "0.0000",
            "previous_yes_ask_dollars": "0.0000",
            "previous_price_dollars": "0.0000",
            "settlement_bounds_type": "default",
            "expiration_value": "",
            "rules_primary": rules,
            "rules_secondary": rules2,
            "price_level_structure": structure,
            "price_ranges": PRICE_RANGES[structure],
            "exchange_index": 0,
            # Dropped from the SDK model in 3.25.0; whether live still emits it is UNCONFIRMED (kalshi-api.md
            # §4.1). Emitted on every market so clients can find the fractional ones.
            "fractional_trading_enabled": fractional,
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
        last = pip_str(price_of(h, h.t_last_ms / 1000, h.last_yes))  # on the last step: no path evaluation
        m["last_price_dollars"] = last
        m["volume_fp"] = count_str(h.volume)
        m["volume_24h_fp"] = count_str(h.v_recent)
        m["open_interest_fp"] = count_str(oi_of(h, h.volume))
        if h.n_old:
            m["previous_price_dollars"] = (
                last if not h.n_recent else pip_str(price_of(h, h.t_prev_ms / 1000, h.prev_yes)))
        if h.t0 <= a - DAY <= h.t1:
            bid, ask = quote_at(h, a - DAY)
            m["previous_yes_bid_dollars"] = pip_str(grid[bid])
            m["previous_yes_ask_dollars"] = pip_str(grid[ask])

    # --- series generators ---

    def btc15m(self) -> None:
        u, a = self.u, self.anchor
        u.series.append(_series("KXBTC15M", "BTC price up in next 15 mins?", "Crypto", "fifteen_min",
                                ["BTC", "Crypto"], SOURCES_CF, product="BTC15M"))
        a15 = a - a % 900
        first = a15 - (self.live_hours + self.hist_hours) * HOUR
        for open_ts in range(first, a15 + 8 * 900 + 1, 900):
            close_ts = open_ts + 900
            d_close, d_open = et(close_ts), et(open_ts)
            event = f"KXBTC15M-{et_code(d_close)}"
            ticker = f"{event}-{d_close.minute:02d}"
            if ticker in self.tickers:
                continue  # the repeated hour when DST ends gives the same code twice; keep the first
            self.tickers.add(ticker)
            target, final = self.btc_at(open_ts), self.btc_at(close_ts)
            target_str = f"${target / 100:,.2f}"
            life = Life(open_ts - 3 * HOUR, open_ts, close_ts, close_ts + 300, close_ts + 360,
                        "yes" if final >= target else "no", f"{final / 100:.2f}",
                        on_open={"floor_strike": target / 100, "yes_sub_title": f"Target Price: {target_str}",
                                 "no_sub_title": f"Target Price: {target_str}"})
            close_clock = et_clock(d_close)
            rules = (f"If the simple average of the sixty seconds of CF Benchmarks' BRTI before {close_clock}"
                     f" is at least the simple average of the sixty seconds of BRTI before {et_clock(d_open)},"
                     " the market resolves to Yes.")
            if open_ts <= a < close_ts:
                drift = (self.btc_at(open_ts + 900 * ((a - open_ts) // 900)) - target) / max(target * 0.001, 1)
                p_final = min(max(0.5 + drift * 0.3, 0.03), 0.97)
            else:
                p_final = 0.96 if life.result == "yes" else 0.04
            m = self.market(ticker=ticker, event=event, title="BTC price up in next 15 mins?",
                            yes_sub="Target price: TBD", no_sub="Target price: TBD", life=life,
                            structure="linear_cent", fractional=False, rules=rules, timer=60,
                            strike={"strike_type": "greater_or_equal"})
            h = self.hist(ticker, "linear_cent", life, 60, p_final, n_max=25, per_trade=400, fractional=False,
                          amp=6.0)
            h.open_bid = bisect.bisect_left(GRIDS["linear_cent"], PIP // 2) - 1  # opens around 49c / 51c
            self.summarize(m, h)
            u.events.append(_event(event, "KXBTC15M", "BTC 15 min", f"{et_day(d_close)[:-6]}, {close_clock}",
                                   "Crypto", strike_ts=close_ts, sources=SOURCES_CF, updated_ts=open_ts - 3 * HOUR))
            self.add_market(m, life, h, "KXBTC15M")

    def btc_ladder(self) -> None:
        u, a = self.u, self.anchor
        u.series.append(_series("KXBTC", "Bitcoin price range", "Crypto", "hourly", ["BTC", "Crypto"], SOURCES_CF,
                                product="BTC"))
        ah = a - a % HOUR
        first = ah - (self.live_hours + self.hist_hours) * HOUR
        for open_ts in range(first, ah + 2 * HOUR + 1, HOUR):
            close_ts = open_ts + HOUR
            d_close = et(close_ts)
            event = f"KXBTC-{et_code(d_close, minutes=False)}"
            if event in self.tickers:
                continue
            self.tickers.add(event)
            center = round(self.btc_at(open_ts) / 100 / 500) * 500
            final = self.btc_at(close_ts) / 100
            clock, day_str = et_clock(d_close), et_day(d_close)
            when = f"{day_str} at {clock}"
            title = f"Bitcoin price range on {when}?"
            u.events.append(_event(event, "KXBTC", title, when, "Crypto", strike_ts=close_ts, exclusive=True,
                                   sources=SOURCES_CF, updated_ts=open_ts - HOUR))
            lows = [center - 2500 + 500 * k for k in range(10)]
            legs: list[tuple[str, str, dict, bool]] = []
            bottom = lows[0] - 0.01
            legs.append((f"T{bottom:.2f}", f"${bottom:,.2f} or below", {"strike_type": "less", "cap_strike": bottom},
                         final <= bottom))
            for lo in lows:
                cap = lo + 499.99
                legs.append((f"B{lo + 250}", f"${lo:,} to {cap:,.2f}",
                             {"strike_type": "between", "floor_strike": lo, "cap_strike": cap},
                             lo <= final < lo + 500))
            top = lows[-1] + 499.99
            legs.append((f"T{top:.2f}", f"${top + 0.01:,.0f} or above", {"strike_type": "greater", "floor_strike": top},
                         final > top))
            sigma = max(self.btc_at(open_ts) / 100 * 0.004, 1.0)
            spot = self.btc_at(open_ts + 900 * max(0, min(3, (a - open_ts) // 900))) / 100
            for suffix, sub, strike, wins in legs:
                ticker = f"{event}-{suffix}"
                self.tickers.add(ticker)
                life = Life(open_ts - HOUR, open_ts, close_ts, close_ts + 300, close_ts + 600, "yes" if wins else "no",
                            f"{final:.2f}")
                if open_ts <= a < close_ts:
                    lo = strike.get("floor_strike", -1e12)
                    hi = strike.get("cap_strike", 1e12)
                    p = _normal_cdf((hi - spot) / sigma) - _normal_cdf((lo - spot) / sigma)
                    p_final = min(max(p, 0.02), 0.97)
                else:
                    p_final = 0.97 if wins else 0.02
                rules = (f"If the simple average of the sixty seconds of CF Benchmarks' BRTI before {clock}"
                         f" on {day_str} is {sub.removeprefix('$')}, then the market resolves to Yes.")
                m = self.market(ticker=ticker, event=event, title=title, yes_sub=sub, no_sub=sub, life=life,
                                structure="linear_cent", fractional=False, rules=rules, timer=300, strike=strike)
                h = self.hist(ticker, "linear_cent", life, 60, p_final, n_max=8, per_trade=150, fractional=False)
                self.summarize(m, h)
                self.add_market(m, life, h, "KXBTC")

    def fed(self) -> None:
        u, a, rng = self.u, self.anchor, self.rng
        u.series.append(_series("KXFEDDECISION", "Fed meeting", "Economics", "custom", ["Fed", "Interest rates"],
                                [{"name": "Federal Reserve", "url": "https://www.federalreserve.gov/"}],
                                fee_type="quadratic_with_maker_fees", product="FEDDECISION"))
        day = a - a % DAY
        options = [("H0", "Hold"), ("C25", "Cut 25bps"), ("C26", "Cut >25bps"), ("H25", "Hike 25bps"),
                   ("H26", "Hike >25bps")]
        for open_ts, decision_ts in ((day - 100 * DAY, day - 22 * DAY + 18 * HOUR),
                                     (day - 60 * DAY, day + 20 * DAY + 18 * HOUR),
                                     (day + 3 * DAY, day + 62 * DAY + 18 * HOUR)):
            d = et(decision_ts)
            event = f"KXFEDDECISION-{d.year % 100:02d}{MONTHS[d.month - 1]}"
            when = f"{d.strftime('%b')} {d.year}"
            u.events.append(_event(event, "KXFEDDECISION", f"Fed decision in {when}?", when, "Economics",
                                   strike_ts=decision_ts, exclusive=True, updated_ts=open_ts,
                                   sources=[{"name": "Federal Reserve", "url": "https://www.federalreserve.gov/"}]))
            raw = [0.55 + rng.random() * 0.2, 0.2 + rng.random() * 0.1, 0.03, 0.03, 0.01]
            probs = [p / sum(raw) for p in raw]
            winner = rng.choices(range(5), probs)[0]
            for k, (code, sub) in enumerate(options):
                ticker = f"{event}-{code}"
                life = Life(open_ts - DAY, open_ts, decision_ts, decision_ts + 1800, decision_ts + 5400,
                            "yes" if k == winner else "no", sub)
                p_final = probs[k] if a < decision_ts else (0.98 if k == winner else 0.01)
                m = self.market(ticker=ticker, event=event, title=f"Fed decision in {when}?", yes_sub=sub, no_sub=sub,
                                life=life, structure="linear_cent", fractional=True, timer=3600,
                                rules=f"If the Federal Reserve's decision in {when} is {sub}, then the market resolves"
                                      " to Yes.", strike={"strike_type": "custom", "custom_strike": {"decision": code}})
                h = self.hist(ticker, "linear_cent", life, HOUR, p_final, n_max=40, per_trade=800, fractional=True)
                self.summarize(m, h)
                self.add_market(m, life, h, "KXFEDDECISION")

    NFL_TEAMS = ("KC", "BAL", "BUF", "PHI", "DAL", "SF", "GB", "DET", "MIA", "CIN", "LAR", "NYJ", "PIT", "SEA",
                 "MIN", "HOU", "LV", "DEN", "CHI", "ATL", "NO", "TB", "CLE", "JAX", "IND", "TEN")

    def nfl(self) -> None:
        u, a, rng = self.u, self.anchor, self.rng
        u.series.append(_series("KXNFLGAME", "Professional Football Game", "Sports", "custom", ["Football"],
                                [{"name": "NFL", "url": "https://www.nfl.com/"}], product="NFLGAME"))
        teams = list(self.NFL_TEAMS)
        rng.shuffle(teams)
        # (created, open, close=game end, determined, finalized) relative to the anchor: one game of each
        # status, so every market status exists whatever the anchor.
        games = [
            (-9 * DAY, -7 * DAY, -3 * HOUR, -3 * HOUR + 600, 3 * HOUR),  # determined (review period)
            (-7 * DAY, -5 * DAY, -20 * 60, 40 * 60, 2 * HOUR),  # closed, awaiting the result
            (-7 * DAY, -5 * DAY, 2 * HOUR, 2 * HOUR + 600, 3 * HOUR),  # in play, active
        ]
        kickoff0 = a - a % DAY + 2 * DAY + 17 * HOUR
        for g in range(10):  # next weekend's slate, open
            end = kickoff0 + (g % 3) * 3 * HOUR + 3 * HOUR - a
            games.append((-4 * DAY, -2 * DAY, end, end + 600, end + 3600))
        end = kickoff0 + 7 * DAY + 3 * HOUR - a
        games.append((-DAY, DAY, end, end + 600, end + 3600))  # the week after: not open yet
        self.nfl_legs: list[tuple[str, str, float, int]] = []  # (event, market, p_yes, close_ts)
        for g, (c, o, e, d, f) in enumerate(games):
            away, home = teams[2 * g % len(teams)], teams[(2 * g + 1) % len(teams)]
            close_ts = a + e
            kickoff = close_ts - 3 * HOUR
            ed = et(kickoff)
            event = f"KXNFLGAME-{ed.year % 100:02d}{MONTHS[ed.month - 1]}{ed.day:02d}{away}{home}"
            title = f"{away} at {home}"
            u.events.append(_event(event, "KXNFLGAME", title, f"{away} vs {home} ({ed.strftime('%b')} {ed.day})",
                                   "Sports", strike_ts=kickoff, exclusive=True, updated_ts=a + c,
                                   sources=[{"name": "NFL", "url": "https://www.nfl.com/"}]))
            p_home = 0.3 + rng.random() * 0.4
            home_wins = rng.random() < p_home
            for team, p, wins in ((away, 1 - p_home, not home_wins), (home, p_home, home_wins)):
                ticker = f"{event}-{team}"
                life = Life(a + c, a + o, close_ts, a + d, a + f, "yes" if wins else "no", team if wins else "")
                p_final = p if close_ts > a else (0.98 if wins else 0.01)
                m = self.market(ticker=ticker, event=event, title=f"{title} Winner?", yes_sub=team, no_sub=team,
                                life=life, structure="linear_cent", fractional=False, timer=int(f - d),
                                rules=f"If {team} wins the {title} professional football game originally scheduled"
                                      f" for {ed.strftime('%b')} {ed.day}, {ed.year}, then the market resolves to Yes.",
                                can_close_early=True)
                h = self.hist(ticker, "linear_cent", life, 300, p_final, n_max=30, per_trade=600, fractional=False)
                self.summarize(m, h)
                self.add_market(m, life, h, "KXNFLGAME")
                if close_ts > a + 60:
                    self.nfl_legs.append((event, ticker, p, close_ts))

    def subpenny(self) -> None:
        """Sub-penny grids (DOC-subpenny's first markets) with fractional trading."""
        u, a, rng = self.u, self.anchor, self.rng
        day = a - a % DAY
        u.series.append(_series("KXGREENLAND", "Will the US acquire Greenland?", "Politics", "one_off",
                                ["Geopolitics"], [], product="GREENLAND"))
        life = Life(day - 220 * DAY, day - 200 * DAY, to_ts(datetime(2029, 1, 20, 17, tzinfo=timezone.utc)),
                    to_ts(datetime(2029, 1, 20, 18, tzinfo=timezone.utc)),
                    to_ts(datetime(2029, 1, 21, 18, tzinfo=timezone.utc)), "no", "")
        ticker = "KXGREENLAND-29"
        u.events.append(_event(ticker, "KXGREENLAND", "Will the US acquire Greenland before 2029?", "Before Jan 20, 2029",
                               "Politics", updated_ts=life.created_ts))
        m = self.market(ticker=ticker, event=ticker, title="Will the US acquire Greenland before 2029?",
                        yes_sub="Before 2029", no_sub="Before 2029", life=life, structure="deci_cent", fractional=True,
                        timer=86400, rules="If the United States acquires Greenland before Jan 20, 2029, then the"
                                           " market resolves to Yes.", can_close_early=True)
        h = self.hist(ticker, "deci_cent", life, HOUR, 0.043 + rng.random() * 0.05, n_max=60, per_trade=300,
                      fractional=True)
        self.summarize(m, h)
        self.add_market(m, life, h, "KXGREENLAND")

        u.series.append(_series("KXGDPNOM", "Nominal GDP", "Economics", "annual", ["GDP"],
                                [{"name": "IMF", "url": "https://www.imf.org/"}], product="GDPNOM"))
        event = "KXGDPNOM-RUS26"
        u.events.append(_event(event, "KXGDPNOM", "Russia nominal GDP in 2026?", "2026", "Economics",
                               updated_ts=day - 120 * DAY, strike_ts=day + 150 * DAY))
        for k, (level, p) in enumerate(((2.0, 0.955), (2.2, 0.71), (2.4, 0.42), (2.6, 0.12), (2.8, 0.031))):
            ticker = f"{event}-T{level}"
            life = Life(day - 120 * DAY, day - 100 * DAY, day + 150 * DAY, day + 151 * DAY, day + 152 * DAY,
                        "yes" if level <= 2.3 else "no", "2.31")
            m = self.market(ticker=ticker, event=event, title="Russia nominal GDP in 2026?",
                            yes_sub=f"Above ${level} trillion", no_sub=f"Above ${level} trillion", life=life,
                            structure="tapered_deci_cent", fractional=k < 3, timer=86400,
                            rules=f"If Russia's 2026 nominal GDP is above ${level} trillion, then the market resolves"
                                  " to Yes.", strike={"strike_type": "greater", "floor_strike": level * 1e12})
            h = self.hist(ticker, "tapered_deci_cent", life, HOUR, p, n_max=30, per_trade=200, fractional=k < 3)
            self.summarize(m, h)
            self.add_market(m, life, h, "KXGDPNOM")

    def mve(self) -> None:
        """Multivariate (parlay) markets over the open NFL games: one market per event, as live."""
        u, a, rng = self.u, self.anchor, self.rng
        series = "KXMVESPORTSMULTIGAMEEXTENDED"
        u.series.append(_series(series, "Multi-game sports combos", "Sports", "custom", ["Football", "Combo"], [],
                                fee_type="quadratic_with_maker_fees", product="MVESPORTS"))
        legs = self.nfl_legs
        games = sorted({leg[0] for leg in legs})
        by_game = {g: [leg for leg in legs if leg[0] == g] for g in games}
        salt = self.seed & 0xFFFF
        for i in range(self.n_mve):
            code = f"{(i * 0x9E3779B97F4A7C15 + salt) & 0xFFFFFFFFFFFF:012X}"
            event = f"{series}-S2026{code[:11]}"
            ticker = f"{event}-{code[6:]}{i % 97:02d}"
            chosen = rng.sample(games, min(len(games), 2 + i % 4))
            sel, p, wins_all, close_ts = [], 1.0, True, a
            for g in chosen:
                ev, mk, p_yes, c = rng.choice(by_game[g])
                side = "yes" if rng.random() < 0.8 else "no"
                lp = p_yes if side == "yes" else 1 - p_yes
                sel.append({"event_ticker": ev, "market_ticker": mk, "side": side,
                            "yes_settlement_value_dollars": "1.0000"})
                leg_life = u.life[mk]
                wins_all &= (leg_life.result == "yes") == (side == "yes")
                p *= lp
                close_ts = max(close_ts, c)
            life = Life(a - DAY, a - DAY, close_ts, close_ts + 900, close_ts + 1800, "yes" if wins_all else "no", "")
            names = ",".join(f"{s['side']} {s['market_ticker'].rsplit('-', 1)[1]}" for s in sel)
            u.events.append(_event(event, series, names, names, "Sports", updated_ts=a - DAY))
            m = self.market(ticker=ticker, event=event, title=names, yes_sub=names, no_sub=names, life=life,
                            structure="linear_cent", fractional=False, timer=900,
                            rules="If every selected leg resolves as chosen, then the market resolves to Yes.",
                            extra={"mve_collection_ticker": series, "mve_selected_legs": sel})
            h = self.hist(ticker, "linear_cent", life, 600, min(max(p, 0.02), 0.95),
                          n_max=0 if rng.random() < 0.9 else 3, per_trade=20, fractional=False)
            self.summarize(m, h)
            self.add_market(m, life, h, series)


def _normal_cdf(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def oi_of(h: Hist, volume: int) -> int:
    """Open interest implied by a cumulative volume (a fixed share of it, in whole units)."""
    return volume * h.oi_milli // 1000 // h.unit * h.unit


def build(seed: int = 0, anchor: datetime | None = None, size: int | None = None) -> Universe:
    """Generate the synthetic exchange data for ``seed`` as of ``anchor`` (default: now, UTC).

    ``size`` None gives a few hundred markets; an int gives at least that many live (non-historical) markets.

    Example:
        >>> len(build(1, datetime(2026, 9, 7, tzinfo=timezone.utc)).markets) > 200
        True
    """
    anchor = anchor or datetime.now(timezone.utc)
    # Hundreds of thousands of new dicts would trigger the cyclic GC over and over (a third of the build
    # time at 200k markets); the records hold no cycles, so pausing it is safe.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        b = _Builder(seed, int(anchor.timestamp()), size)
        b.btc15m()
        b.btc_ladder()
        b.fed()
        b.nfl()
        b.subpenny()
        if size is not None:
            # Top the multivariate markets up so the live (non-historical) count is exactly `size`.
            cut = b.u.market_cutoff_ts
            live = sum(1 for m in b.u.markets if b.u.life[m["ticker"]].finalize_ts >= cut
                       or m["status"] != "finalized")
            b.n_mve = max(b.n_mve, size - live)
        b.mve()
    finally:
        if was_enabled:
            gc.enable()
    return b.u
