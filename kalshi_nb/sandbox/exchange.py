"""The sandbox exchange: all state and rules, no HTTP (the contract is in DESIGN.md).

Units inside: prices are integer pips ($0.0001), counts integer hundredths of a contract, money integer
micro-dollars ($0.000001, so ``count x price`` is exact). Wire formats are produced only when a record is
built. Records handed out are never mutated afterwards: a change builds a new dict and bumps ``version``.

Example:
    >>> ex = Exchange(seed=1, now=datetime(2026, 9, 7, 2, 40, tzinfo=timezone.utc),
    ...               clock=lambda: datetime(2026, 9, 7, 2, 40, tzinfo=timezone.utc))
    >>> ex.add_account("alice")
    >>> receipt = ex.create_order("alice", {"ticker": "KXBTC15M-26SEP062245-45", "side": "bid", "count": "1",
    ...     "price": "0.99", "time_in_force": "immediate_or_cancel", "self_trade_prevention_type": "maker"})
    >>> receipt["fill_count"]
    '1.00'
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import logging
import math
import re
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from functools import lru_cache

from . import data
from .data import QUERY_STATUS, Hist, Life, iso, iso_ms
from .errors import SandboxError, bad_request, conflict, not_found
from .limits import MAX_BALANCE_CENTS, MAX_MARKETS, MAX_SEED, MAX_TS, MIN_TS, bounded_int
from .money import GRIDS, PIP, count_str, on_grid, parse_decimal, pip_str

log = logging.getLogger(__name__)

DOLLAR = 1_000_000  # micro-dollars
CENT = 10_000
ONE_CONTRACT = 100  # hundredths
MAX_BATCH = 20  # the V1 docs' batch limit; live V2 "scales with your tier's write budget" (UNCONFIRMED)
MAX_OPEN_ORDERS = 200_000  # per user (V1 create-order docs)
CLIENT_ORDER_ID = re.compile(r"^[\-\w:+=/]*$")
TIME_IN_FORCE = ("fill_or_kill", "good_till_canceled", "immediate_or_cancel")
STP = ("taker_at_cross", "maker")
# Settled markets whose settlement is older than this are "historical"; status values per query filter.
SETTLED = ("determined", "finalized")


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def money_str(micro: int) -> str:
    """Micro-dollars -> the wire's dollar string: 4 decimals, 6 when a sub-pip amount needs them."""
    sign, micro = ("-", -micro) if micro < 0 else ("", micro)
    if micro % 100 == 0:
        return f"{sign}{micro // DOLLAR}.{micro % DOLLAR // 100:04d}"
    return f"{sign}{micro // DOLLAR}.{micro % DOLLAR:06d}"


@lru_cache(maxsize=1 << 17)
def _iso_ts(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def _fee_micro(coef: Fraction, count: int, price: int) -> int:
    """Kalshi's fee for one fill, rounded up to the cent: ``ceil_cent(coef * C * P * (1 - P))``.

    ``count`` in hundredths, ``price`` in pips (either side: P(1-P) is symmetric).
    Example: 10 contracts at $0.50, taker (0.07): 0.07 * 10 * 0.25 = 0.175 -> $0.18 = 180000 micro.
    """
    if coef == 0 or count == 0:
        return 0
    dollars = coef * count * price * (PIP - price) / (100 * PIP * PIP)
    return math.ceil(dollars * 100) * CENT


# --- internal state objects -----------------------------------------------------------------------


@dataclass(slots=True)
class _Entry:
    """One resting quantity in a book: a user's order, or house liquidity (``order`` None)."""

    order: _Order | None
    remaining: int  # hundredths


@dataclass
class _Book:
    yes: dict[int, deque[_Entry]] = field(default_factory=dict)  # YES price -> queue
    no: dict[int, deque[_Entry]] = field(default_factory=dict)  # NO price -> queue
    yes_prices: list[int] = field(default_factory=list)  # ascending
    no_prices: list[int] = field(default_factory=list)

    def side(self, yes: bool) -> tuple[dict[int, deque[_Entry]], list[int]]:
        return (self.yes, self.yes_prices) if yes else (self.no, self.no_prices)

    def add(self, yes: bool, price: int, entry: _Entry) -> None:
        levels, prices = self.side(yes)
        queue = levels.get(price)
        if queue is None:
            queue = levels[price] = deque()
            bisect.insort(prices, price)
        queue.append(entry)

    def remove(self, yes: bool, price: int, entry: _Entry) -> None:
        levels, prices = self.side(yes)
        queue = levels.get(price)
        if queue is None:
            return
        try:
            queue.remove(entry)
        except ValueError:
            return
        if not queue:
            del levels[price]
            prices.remove(price)

    def prune(self, yes: bool, price: int) -> None:
        levels, prices = self.side(yes)
        queue = levels.get(price)
        while queue and queue[0].remaining == 0:
            queue.popleft()
        if queue is not None and not queue:
            del levels[price]
            prices.remove(price)

    def best(self, yes: bool) -> tuple[int, int]:
        """(price, total size) of the best bid on one side, (0, 0) if empty."""
        levels, prices = self.side(yes)
        if not prices:
            return 0, 0
        p = prices[-1]
        return p, sum(e.remaining for e in levels[p])


@dataclass
class _Order:
    order_id: str
    user_id: str
    ticker: str
    bid: bool  # V2 book side: True = bid (buy YES), False = ask (buy NO)
    price: int  # YES price, pips
    initial: int
    client_order_id: str
    tif: str
    stp: str
    created_ms: int
    subaccount: int = 0
    expiration_ts: int | None = None
    post_only: bool = False
    cancel_on_pause: bool = False
    order_group_id: str | None = None
    status: str = "resting"
    filled: int = 0
    remaining: int = 0
    taker_cost: int = 0  # micro
    maker_cost: int = 0
    taker_fees: int = 0
    maker_fees: int = 0
    held: int = 0  # micro reserved while resting
    updated_ms: int = 0
    entry: _Entry | None = None
    record: dict = field(default_factory=dict)

    @property
    def own_price(self) -> int:
        """Price of the side this order buys (YES for a bid, NO for an ask)."""
        return self.price if self.bid else PIP - self.price


@dataclass
class _Position:
    ticker: str
    position: int = 0  # hundredths, + YES / - NO
    yes_cost: int = 0  # micro, cost basis of YES held
    no_cost: int = 0
    total_traded: int = 0
    realized: int = 0
    fees: int = 0
    updated_ms: int = 0
    settled: bool = False
    resting: int = 0  # count of resting orders (live positions show markets with resting orders)
    seq: int = 0  # when the position was opened: its list order and cursor key, never changes


@dataclass
class _Account:
    user_id: str
    cash: int  # micro
    start_cents: int
    held: int = 0
    updated_ts: int = 0
    orders: list[str] = field(default_factory=list)
    fills: list[dict] = field(default_factory=list)
    settlements: list[dict] = field(default_factory=list)
    positions: dict[str, _Position] = field(default_factory=dict)


@dataclass
class _Fill:
    """One match between the taker and a resting entry."""

    entry: _Entry
    count: int
    yes_price: int  # the resting price, in YES terms


class Exchange:
    """All exchange state and rules; thread-safe, JSON-ready answers, ``SandboxError`` on rule violations.

    ``now`` anchors the synthetic data (default: the clock at construction); ``clock`` is the time source
    for everything else (default: real UTC time, or, when only ``now`` is given, a clock that starts at
    ``now`` and runs at the real pace). Market statuses and order expiries follow the clock forward.

    Example:
        >>> ex = Exchange(seed=3)
        >>> any(m["status"] == "active" for m in ex.markets(series_ticker="KXBTC15M"))
        True
    """

    def __init__(self, *, seed: int = 0, markets: int | None = None, now: datetime | None = None,
                 clock: Callable[[], datetime] | None = None, starting_balance_cents: int = 1_000_000) -> None:
        # Bounds (limits.py): a typo such as markets=10**9 must be a clear error, not an out-of-memory.
        seed = bounded_int("seed", seed, low=0, high=MAX_SEED)
        if markets is not None:
            markets = bounded_int("markets", markets, low=0, high=MAX_MARKETS)
        starting_balance_cents = bounded_int("starting_balance_cents", starting_balance_cents, low=0,
                                             high=MAX_BALANCE_CENTS)
        self._lock = threading.RLock()
        if clock is None and now is not None:
            # "It is `now`", and time flows from there at the real pace.
            start, t0 = now, time.monotonic()
            clock = lambda: start + timedelta(seconds=time.monotonic() - t0)
        self._clock = clock or _utcnow
        self._seed = seed
        self._size = markets
        self._anchor_arg = now
        self._starting_cents = starting_balance_cents
        self.version = 0
        self._accounts: dict[str, _Account] = {}
        self._load()

    # --- setup, clock and accounts ------------------------------------------------------------------

    def _load(self) -> None:
        anchor = self._anchor_arg or self._clock()
        u = data.build(self._seed, anchor, self._size)
        self._anchor_ts = u.anchor_ts
        self._series = {s["ticker"]: s for s in u.series}
        self._series_order = [s["ticker"] for s in u.series]
        self._events = {e["event_ticker"]: e for e in u.events}
        self._event_order = [e["event_ticker"] for e in u.events]
        self._rec: dict[str, dict] = {m["ticker"]: m for m in u.markets}
        self._order = [m["ticker"] for m in u.markets]
        # Row keys for keyset cursors (pagination.py): a market's / event's place in the generated order.
        self._rank = {t: i for i, t in enumerate(self._order)}
        self._event_rank = {e: i for i, e in enumerate(self._event_order)}
        self._life: dict[str, Life] = u.life
        self._hist: dict[str, Hist] = u.hist
        self._mseries: dict[str, str] = u.market_series
        self._by_event: dict[str, list[str]] = {}
        self._by_series: dict[str, list[str]] = {}
        for m in u.markets:
            self._by_event.setdefault(m["event_ticker"], []).append(m["ticker"])
            self._by_series.setdefault(self._mseries[m["ticker"]], []).append(m["ticker"])
        self._mve = {t for t, m in self._rec.items() if "mve_collection_ticker" in m}
        self._mve_events = {self._rec[t]["event_ticker"] for t in self._mve}
        self._cutoff_market = u.market_cutoff_ts
        self._cutoff_trades = u.trades_cutoff_ts
        self._cutoff_orders = u.market_cutoff_ts
        self._settled_at: dict[str, float] = {}  # settlements made by settle_market
        self._result: dict[str, str] = {}  # results set by settle_market
        self._historical = {t for t in self._order if self._is_historical(t)}
        self._books: dict[str, _Book] = {}
        self._quote_log: dict[str, list[tuple[float, int, int]]] = {}
        self._live_trades: dict[str, list[dict]] = {}  # ticker -> sandbox trades, oldest first
        self._live_stats: dict[str, list[int]] = {}  # ticker -> [volume, oi delta] from sandbox trades
        self._house_pos: dict[str, int] = {}
        self._orders: dict[str, _Order] = {}
        self._by_coid: dict[tuple[str, str], str] = {}  # (user, client_order_id) -> resting order id
        self._seq = itertools.count()
        self._tick_cache: OrderedDict[str, tuple[list, list[int]]] = OrderedDict()
        self._cache: dict[tuple, object] = {}
        self._cache_version = -1
        self._heap: list[tuple[float, int, str, str]] = []
        for t in self._order:
            nxt = self._life[t].next_change(self._anchor_ts)
            if nxt is not None:
                self._heap.append((nxt, next(self._seq), "life", t))
        heapq.heapify(self._heap)
        for acct in self._accounts.values():
            self._accounts[acct.user_id] = _Account(acct.user_id, acct.start_cents * CENT, acct.start_cents)
        self.version += 1
        self._sync()

    def now(self) -> datetime:
        """The exchange's current time (tz-aware UTC), from the injected clock."""
        return self._clock()

    def _now(self) -> float:
        return self._clock().timestamp()

    def _now_ms(self) -> int:
        return int(self._now() * 1000)

    def reset(self) -> None:
        """Regenerate everything from the seed; known accounts go back to their starting balance."""
        with self._lock:
            self._load()

    def add_account(self, user_id: str, balance_cents: int | None = None) -> None:
        """Open an account (idempotent: an existing account is left as it is)."""
        if balance_cents is not None:
            balance_cents = bounded_int("balance_cents", balance_cents, low=0, high=MAX_BALANCE_CENTS)
        with self._lock:
            if user_id in self._accounts:
                return
            cents = self._starting_cents if balance_cents is None else balance_cents
            self._accounts[user_id] = _Account(user_id, cents * CENT, cents, updated_ts=int(self._now()))
            self._bump()

    def set_balance(self, user_id: str, balance_cents: int) -> None:
        """Set the available balance (cash not held by resting orders) to ``balance_cents`` (0 to 10**12;
        ValueError outside)."""
        balance_cents = bounded_int("balance_cents", balance_cents, low=0, high=MAX_BALANCE_CENTS)
        with self._lock:
            acct = self._account(user_id, create=True)
            acct.cash = balance_cents * CENT + acct.held
            acct.updated_ts = int(self._now())
            self._bump()

    def _account(self, user_id: str, *, create: bool = False) -> _Account:
        acct = self._accounts.get(user_id)
        if acct is None:
            if not create:
                raise SandboxError(404, "not_found", f"no account for user {user_id}")
            self.add_account(user_id)
            acct = self._accounts[user_id]
        return acct

    def _bump(self) -> None:
        self.version += 1

    def _cached(self, key: tuple, build: Callable[[], object]) -> object:
        if self._cache_version != self.version:
            self._cache.clear()
            self._cache_version = self.version
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = build()
        return hit

    def _sync(self) -> float:
        """Apply every lifecycle change and order expiry due by now; return now (Unix seconds)."""
        now = self._now()
        heap = self._heap
        while heap and heap[0][0] <= now:
            ts, _, kind, key = heapq.heappop(heap)
            if kind == "life":
                self._advance_market(key, ts)
            elif kind == "expire":
                order = self._orders.get(key)
                if order is not None and order.status == "resting":
                    self._cancel(order, ts_ms=int(ts * 1000))
        return now

    # --- market lifecycle ---------------------------------------------------------------------------

    def _status(self, ticker: str) -> str:
        return self._rec[ticker]["status"]

    def _is_historical(self, ticker: str) -> bool:
        rec = self._rec[ticker]
        if rec["status"] != "finalized":
            return False
        settled = self._settled_at.get(ticker, self._life[ticker].finalize_ts)
        return settled < self._cutoff_market

    def _advance_market(self, ticker: str, ts: float) -> None:
        life = self._life[ticker]
        rec = self._rec[ticker]
        if ticker in self._settled_at:
            return  # settled by the control; the natural lifecycle no longer applies
        status = life.status_at(ts)
        if status != rec["status"]:
            changes = data.status_fields(life, status)
            if status == "active":
                if life.on_open:
                    changes.update(life.on_open)
                h = self._hist.get(ticker)
                if h is not None:
                    changes.update(data.top_fields(h))
            changes["updated_time"] = iso(life.updated_ts(ts))
            if rec["status"] == "active":
                self._close_book(ticker, int(ts * 1000))
            self._replace(ticker, changes)
            if status == "finalized":
                self._pay_out(ticker, life.result, ts)
        nxt = life.next_change(ts)
        if nxt is not None:
            heapq.heappush(self._heap, (nxt, next(self._seq), "life", ticker))

    def _replace(self, ticker: str, changes: dict) -> dict:
        rec = {**self._rec[ticker], **changes}
        self._rec[ticker] = rec
        self._bump()
        return rec

    # --- public market data -------------------------------------------------------------------------

    def markets(self, *, status: str | None = None, series_ticker: str | None = None,
                event_ticker: str | None = None, tickers: Iterable[str] | None = None,
                mve_filter: str | None = None, min_created_ts: int | None = None,
                max_created_ts: int | None = None, min_close_ts: int | None = None,
                max_close_ts: int | None = None, min_settled_ts: int | None = None,
                max_settled_ts: int | None = None, min_updated_ts: int | None = None,
                max_updated_ts: int | None = None, with_keys: bool = False) -> list[dict]:
        """Live markets (not historical) matching the filters, in a stable order. Do not mutate the list.

        ``with_keys=True`` returns ``(rows, keys)``: each row's keyset-cursor key, ascending (pagination.py).

        Example:
            >>> ex = Exchange(seed=1)
            >>> {m["status"] for m in ex.markets(status="open")}
            {'active'}
        """
        groups = {
            "created": (min_created_ts, max_created_ts),
            "close": (min_close_ts, max_close_ts),
            "settled": (min_settled_ts, max_settled_ts),
            "updated": (min_updated_ts, max_updated_ts),
        }
        used = [name for name, pair in groups.items() if pair != (None, None)]
        if len(used) > 1:
            raise bad_request(f"timestamp filters of different kinds can't be combined ({', '.join(used)}); "
                              "use one of created, close, settled or updated")
        allowed = {"created": (None, "unopened", "open"), "close": (None, "closed"), "settled": (None, "settled"),
                   "updated": (None,)}
        if used and status not in allowed[used[0]]:
            raise bad_request(f"{used[0]} timestamp filters can't be combined with status={status}")
        if used == ["updated"] and mve_filter != "exclude":
            raise bad_request("min_updated_ts/max_updated_ts require mve_filter=exclude")
        if status is not None and status not in QUERY_STATUS:
            raise bad_request(f"status must be one of {', '.join(QUERY_STATUS)}, got {status!r}")
        if mve_filter not in (None, "only", "exclude"):
            raise bad_request(f"mve_filter must be 'only' or 'exclude', got {mve_filter!r}")
        tickers_key = tuple(tickers) if tickers is not None else None
        key = ("markets", status, series_ticker, event_ticker, tickers_key, mve_filter,
               *(v for pair in groups.values() for v in pair))
        with self._lock:
            self._sync()
            field_name = {"created": "created_time", "close": "close_time", "settled": "settlement_ts",
                          "updated": "updated_time"}.get(used[0]) if used else None
            lo, hi = groups[used[0]] if used else (None, None)
            rows = self._cached(key, lambda: self._filter_markets(
                live=True, status=status, series=series_ticker, event=event_ticker, tickers=tickers_key,
                mve=mve_filter, ts_field=field_name, lo=lo, hi=hi))
            return self._with_market_keys(key, rows, tickers_key) if with_keys else rows  # type: ignore[return-value]

    def historical_markets(self, *, tickers: Iterable[str] | None = None, event_ticker: str | None = None,
                           series_ticker: str | None = None, mve_filter: str | None = None,
                           with_keys: bool = False) -> list[dict]:
        """Markets settled before the historical cutoff (``/historical/markets``); ``with_keys`` as ``markets``."""
        tickers_key = tuple(tickers) if tickers is not None else None
        given = [n for n, v in (("tickers", tickers_key), ("event_ticker", event_ticker),
                                ("series_ticker", series_ticker)) if v]
        if len(given) > 1:
            raise bad_request(f"filters {', '.join(given)} are mutually exclusive on historical markets")
        with self._lock:
            self._sync()
            key = ("historical", tickers_key, event_ticker, series_ticker, mve_filter)
            rows = self._cached(key, lambda: self._filter_markets(
                live=False, status=None, series=series_ticker, event=event_ticker, tickers=tickers_key,
                mve=mve_filter, ts_field=None, lo=None, hi=None))
            return self._with_market_keys(key, rows, tickers_key) if with_keys else rows  # type: ignore[return-value]

    def _with_market_keys(self, key: tuple, rows: object, tickers: tuple[str, ...] | None) -> tuple[list, list]:
        """Market rows with their keys: the place in ``tickers`` when given (that is the list's order), else the
        place in the generated order (``_by_event``/``_by_series`` keep that order). Both never change."""
        def build() -> list:
            rank = self._rank if tickers is None else {t: i for i, t in enumerate(dict.fromkeys(tickers))}
            return [(rank[m["ticker"]],) for m in rows]  # type: ignore[attr-defined]
        return rows, self._cached((*key, "keys"), build)  # type: ignore[return-value]

    def _filter_markets(self, *, live: bool, status: str | None, series: str | None, event: str | None,
                        tickers: tuple[str, ...] | None, mve: str | None, ts_field: str | None,
                        lo: int | None, hi: int | None) -> list[dict]:
        if tickers is not None:
            seen: set[str] = set()
            candidates = [t for t in tickers if t in self._rec and not (t in seen or seen.add(t))]  # type: ignore[func-returns-value]
        elif event is not None:
            candidates = self._by_event.get(event, [])
        elif series is not None:
            candidates = self._by_series.get(series, [])
        else:
            candidates = self._order
        hist = self._historical
        recs = self._rec
        if live:
            out = [recs[t] for t in candidates if t not in hist] if hist else [recs[t] for t in candidates]
        else:
            out = [recs[t] for t in candidates if t in hist]
        if series is not None and (event is not None or tickers is not None):
            out = [m for m in out if self._mseries[m["ticker"]] == series]
        if event is not None and tickers is not None:
            out = [m for m in out if m["event_ticker"] == event]
        if status is not None:
            wanted = QUERY_STATUS[status]
            out = [m for m in out if m["status"] in wanted]
        if mve == "only":
            out = [m for m in out if m["ticker"] in self._mve]
        elif mve == "exclude" and self._mve:
            out = [m for m in out if m["ticker"] not in self._mve]
        if ts_field is not None:
            lo_f = -math.inf if lo is None else lo
            hi_f = math.inf if hi is None else hi
            out = [m for m in out if ts_field in m and lo_f <= _iso_ts(m[ts_field]) <= hi_f]
        return out

    def market(self, ticker: str) -> dict:
        """One market, live or historical; 404 if unknown."""
        with self._lock:
            self._sync()
            rec = self._rec.get(ticker)
            if rec is None:
                raise not_found(f"market {ticker} does not exist")
            return rec

    def _market_or_404(self, ticker: str) -> dict:
        rec = self._rec.get(ticker)
        if rec is None:
            raise not_found(f"market {ticker} does not exist")
        return rec

    def _book(self, ticker: str) -> _Book:
        book = self._books.get(ticker)
        if book is None:
            if self._rec[ticker]["status"] != "active":
                return _Book()  # not cached: the house book appears when the market opens
            book = self._books[ticker] = _Book()
            h = self._hist.get(ticker)
            if h is not None:
                yes, no = data.book_levels(h)
                for price, size in yes:
                    book.add(True, price, _Entry(None, size))
                for price, size in no:
                    book.add(False, price, _Entry(None, size))
        return book

    def orderbook(self, ticker: str, depth: int = 0) -> dict:
        """``{"yes_dollars": [[price, count], ...], "no_dollars": [...]}``, ascending price; ``depth`` best levels."""
        with self._lock:
            self._sync()
            self._market_or_404(ticker)
            book = self._book(ticker)
            out = {}
            for yes, name in ((True, "yes_dollars"), (False, "no_dollars")):
                levels, prices = book.side(yes)
                chosen = prices[-depth:] if depth and depth > 0 else prices
                out[name] = [[pip_str(p), count_str(sum(e.remaining for e in levels[p]))] for p in chosen]
            return out

    # trades ----

    def _synthetic(self, ticker: str) -> tuple[list[dict], list[int]]:
        """A market's synthetic trades as wire dicts (newest first) and their times in ms (oldest first)."""
        hit = self._tick_cache.get(ticker)
        if hit is not None:
            self._tick_cache.move_to_end(ticker)
            return hit
        h = self._hist.get(ticker)
        ticks = data.ticks(h) if h is not None and h.n_trades else []
        rows = [data.trade_dict(ticker, t) for t in reversed(ticks)]
        times = [t.ts_ms for t in ticks]
        self._tick_cache[ticker] = (rows, times)
        if len(self._tick_cache) > 4096:
            self._tick_cache.popitem(last=False)
        return rows, times

    def _ticks(self, ticker: str) -> list[data.Tick]:
        h = self._hist.get(ticker)
        return data.ticks(h) if h is not None and h.n_trades else []

    def trades(self, *, ticker: str | None = None, min_ts: int | None = None, max_ts: int | None = None,
               is_block_trade: bool | None = None, historical: bool = False, with_keys: bool = False) -> list[dict]:
        """Public trades, newest first. Trades before the trades cutoff are only in the historical list.
        ``with_keys=True`` returns ``(rows, keys)`` (keys: newest first = ascending, see pagination.py).

        Without ``ticker`` the feed covers markets that traded in the requested window (by default since
        the trades cutoff), so it stays small at 200,000 markets.
        """
        with self._lock:
            now = self._sync()
            if ticker is not None:
                self._market_or_404(ticker)
            key = ("trades", ticker, min_ts, max_ts, is_block_trade, historical)
            rows, keys = self._cached(key, lambda: self._trades(ticker, min_ts, max_ts, is_block_trade, historical,
                                                                now))  # type: ignore[misc]
            return (rows, keys) if with_keys else rows  # type: ignore[return-value]

    def _trades(self, ticker: str | None, min_ts: int | None, max_ts: int | None, block: bool | None,
                historical: bool, now: float) -> tuple[list[dict], list[tuple]]:
        if block:
            return [], []  # no block trades in the sandbox
        cut_ms = self._cutoff_trades * 1000
        lo_ms = (min_ts * 1000) if min_ts is not None else -math.inf
        hi_ms = (max_ts * 1000 + 999) if max_ts is not None else math.inf
        if historical:
            hi_ms = min(hi_ms, cut_ms - 1)
        else:
            lo_ms = max(lo_ms, cut_ms)
        if ticker is not None:
            tickers: Iterable[str] = [ticker]
        else:
            lo_s = lo_ms / 1000
            hi_s = min(hi_ms / 1000, now)
            lives = self._life
            tickers = [t for t in self._order
                       if (t in self._live_trades or (t in self._hist and self._hist[t].n_trades))
                       and lives[t].open_ts <= hi_s and min(lives[t].close_ts, now) >= lo_s]
        # Sort keys never change for a trade: (time, 1 for sandbox trades, their sequence number) or
        # (time, 0, the market's rank, the synthetic trade's index); newest first = keys negated, ascending.
        out: list[tuple[tuple[int, int, int, int], dict]] = []
        rank = self._rank
        for t in tickers:
            rows, times = self._synthetic(t)
            n = len(times)
            r = rank[t]
            for i, ts in enumerate(times):
                if lo_ms <= ts <= hi_ms:
                    out.append(((-ts, 0, -r, -i), rows[n - 1 - i]))
            for row in self._live_trades.get(t, ()):
                ts = row["_ms"]
                if lo_ms <= ts <= hi_ms:
                    out.append(((-ts, -1, -row["_seq"], 0), row["rec"]))
        out.sort(key=lambda x: x[0])  # newest first; same millisecond: the later one first
        return [r for _, r in out], [k for k, _ in out]

    # events and series ----

    def _event_status(self, event_ticker: str) -> str:
        statuses = {self._rec[t]["status"] for t in self._by_event.get(event_ticker, ())}
        if "active" in statuses:
            return "open"
        if statuses <= {"initialized"}:
            return "unopened"
        if statuses <= set(SETTLED):
            return "settled"
        return "closed"

    def _event_close(self, event_ticker: str) -> int:
        return max(self._life[t].close_ts for t in self._by_event[event_ticker])

    def events(self, *, status: str | None = None, series_ticker: str | None = None,
               tickers: Iterable[str] | None = None, min_close_ts: int | None = None,
               min_updated_ts: int | None = None, with_nested_markets: bool = False,
               with_keys: bool = False) -> list[dict]:
        """Events (multivariate ones excluded, as live), stable order; nested markets are live ones only.
        ``with_keys=True`` returns ``(rows, keys)`` (the place in ``tickers`` or in the generated order)."""
        if status is not None and status not in QUERY_STATUS:
            raise bad_request(f"status must be one of {', '.join(QUERY_STATUS)}, got {status!r}")
        tickers_key = tuple(tickers) if tickers is not None else None
        with self._lock:
            self._sync()
            key = ("events", status, series_ticker, tickers_key, min_close_ts, min_updated_ts, with_nested_markets)
            rows = self._cached(key, lambda: self._events_list(status, series_ticker, tickers_key, min_close_ts,
                                                               min_updated_ts, with_nested_markets))

            def keys() -> list:
                rank = self._event_rank if tickers_key is None else {
                    t: i for i, t in enumerate(dict.fromkeys(tickers_key))}
                return [(rank[e["event_ticker"]],) for e in rows]  # type: ignore[attr-defined]
            return (rows, self._cached((*key, "keys"), keys)) if with_keys else rows  # type: ignore[return-value]

    def _events_list(self, status, series, tickers, min_close_ts, min_updated_ts, nested) -> list[dict]:
        if tickers is not None:
            names = [t for t in dict.fromkeys(tickers) if t in self._events]
        else:
            names = self._event_order
        out = []
        for name in names:
            if name in self._mve_events:
                continue
            ev = self._events[name]
            if series is not None and ev["series_ticker"] != series:
                continue
            if status is not None and self._event_status(name) != status:
                continue
            if min_close_ts is not None and self._event_close(name) < min_close_ts:
                continue
            if min_updated_ts is not None and _iso_ts(ev["last_updated_ts"]) < min_updated_ts:
                continue
            out.append(self._nested(ev) if nested else ev)
        return out

    def _nested(self, ev: dict) -> dict:
        markets = [self._rec[t] for t in self._by_event[ev["event_ticker"]] if t not in self._historical]
        return {**ev, "markets": markets}

    def event(self, event_ticker: str, *, with_nested_markets: bool = False) -> tuple[dict, list[dict]]:
        """(event, markets): markets settled before the historical cutoff are omitted, as live."""
        with self._lock:
            self._sync()
            ev = self._events.get(event_ticker)
            if ev is None:
                raise not_found(f"event {event_ticker} does not exist")
            markets = [self._rec[t] for t in self._by_event[event_ticker] if t not in self._historical]
            return (self._nested(ev) if with_nested_markets else ev), markets

    def _series_volume(self, ticker: str) -> str:
        return count_str(sum(self._volume(t) for t in self._by_series.get(ticker, ())))

    def _volume(self, ticker: str) -> int:
        h = self._hist.get(ticker)
        return (h.volume if h is not None else 0) + self._live_stats.get(ticker, [0, 0])[0]

    def series_list(self, *, category: str | None = None, tags: str | Iterable[str] | None = None,
                    include_volume: bool = False) -> list[dict]:
        """All series (not paginated, as live); ``category`` matches any of ``categories``, ``tags`` any tag."""
        if isinstance(tags, str):
            tags = [t for t in tags.split(",") if t]
        wanted = set(tags) if tags else None
        with self._lock:
            self._sync()
            out = []
            for name in self._series_order:
                s = self._series[name]
                if category is not None and category not in s["categories"]:
                    continue
                if wanted is not None and not wanted & set(s["tags"] or ()):
                    continue
                out.append({**s, "volume_fp": self._series_volume(name)} if include_volume else s)
            return out

    def series(self, ticker: str, *, include_volume: bool = False) -> dict:
        with self._lock:
            self._sync()
            s = self._series.get(ticker)
            if s is None:
                raise not_found(f"series {ticker} does not exist")
            return {**s, "volume_fp": self._series_volume(ticker)} if include_volume else s

    # candlesticks ----

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

    def candlesticks(self, series_ticker: str | None, ticker: str, *, start_ts: int, end_ts: int,
                     period_interval: int, include_latest_before_start: bool = False,
                     historical: bool = False) -> list[dict]:
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
                raise not_found(f"market {ticker} is not historical (settled before the cutoff); use "
                                f"/series/{self._mseries[ticker]}/markets/{ticker}/candlesticks")
            if not historical and ticker in self._historical:
                raise not_found(f"market {ticker} settled before the historical cutoff; use "
                                f"/historical/markets/{ticker}/candlesticks")
            h = self._hist.get(ticker)
            life = self._life[ticker]
            if h is None:
                return []
            period = period_interval * 60
            close = self._settled_at.get(ticker, life.close_ts) if ticker in self._settled_at else life.close_ts
            t_end = min(close, now)
            if t_end <= life.open_ts:
                return []
            first = max(_ceil_to(start_ts, period), _floor_to(life.open_ts, period) + period)
            last = min(_floor_to(end_ts, period), _ceil_to(t_end, period))
            if last < first:
                ends: list[int] = []
            else:
                ends = list(range(first, last + 1, period))
            if len(ends) > 5000:
                raise bad_request(f"the range asks for {len(ends)} candlesticks; at most 5000 per request")
            trades = self._trade_series(ticker)
            times = [t[0] for t in trades]
            out = []
            if include_latest_before_start and ends and ends[0] - period > life.open_ts:
                out.append(self._candle(ticker, h, trades, times, ends[0] - period, period, t_end, empty=True))
            for e in ends:
                out.append(self._candle(ticker, h, trades, times, e, period, t_end))
            if historical:
                out = [_historical_candle(c) for c in out]
            return out

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

    def _candle(self, ticker: str, h: Hist, trades, times, e: int, period: int, t_end: float, *,
                empty: bool = False) -> dict:
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
            price = {"open_dollars": pip_str(prices[0]), "low_dollars": pip_str(min(prices)),
                     "high_dollars": pip_str(max(prices)), "close_dollars": pip_str(prices[-1]),
                     "mean_dollars": pip_str(round(mean)),
                     "previous_dollars": pip_str(prev) if prev is not None else None,
                     "min_dollars": pip_str(min(prices)), "max_dollars": pip_str(max(prices))}
        else:
            vol = 0
            price = {k: None for k in ("open_dollars", "low_dollars", "high_dollars", "close_dollars",
                                       "mean_dollars", "previous_dollars", "min_dollars", "max_dollars")}
            if prev is not None:
                price["previous_dollars"] = pip_str(prev)
        return {
            "end_period_ts": e,
            "yes_bid": {"open_dollars": pip_str(bids[0]), "low_dollars": pip_str(min(bids)),
                        "high_dollars": pip_str(max(bids)), "close_dollars": pip_str(bids[-1])},
            "yes_ask": {"open_dollars": pip_str(asks[0]), "low_dollars": pip_str(min(asks)),
                        "high_dollars": pip_str(max(asks)), "close_dollars": pip_str(asks[-1])},
            "price": price,
            "volume_fp": count_str(vol),
            "open_interest_fp": count_str(oi),
        }

    # exchange-wide ----

    def exchange_status(self) -> dict:
        """``GET /exchange/status`` body (not enveloped, as live)."""
        return {"exchange_active": True, "trading_active": True, "intra_exchange_transfers_active": True,
                "exchange_estimated_resume_time": None}

    def exchange_schedule(self) -> dict:
        """``GET /exchange/schedule`` body: ``{"schedule": {...}}`` (trading around the clock; times ET)."""
        day = [{"open_time": "00:00", "close_time": "23:59"}]
        week = {d: day for d in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")}
        return {"schedule": {
            "standard_hours": [{"start_time": "2026-01-01T05:00:00Z", "end_time": "2027-01-01T05:00:00Z", **week}],
            "maintenance_windows": [],
        }}

    def historical_cutoff(self) -> dict:
        """``GET /historical/cutoff`` body."""
        with self._lock:
            return {"market_settled_ts": iso(self._cutoff_market), "trades_created_ts": iso(self._cutoff_trades),
                    "orders_updated_ts": iso(self._cutoff_orders),
                    "market_positions_last_updated_ts": iso(self._cutoff_market)}

    def set_historical_cutoff(self, when: datetime) -> None:
        """Move every cutoff to ``when``: markets settled before it leave ``markets()`` for ``historical_markets()``."""
        if not isinstance(when, datetime) or when.tzinfo is None:
            raise ValueError("the historical cutoff must be a timezone-aware datetime")
        ts = bounded_int("historical cutoff (Unix seconds)", int(when.timestamp()), low=MIN_TS, high=MAX_TS)
        with self._lock:
            self._sync()
            self._cutoff_market = self._cutoff_trades = self._cutoff_orders = ts
            self._historical = {t for t in self._order if self._is_historical(t)}
            self._bump()

    # --- portfolio reads ----------------------------------------------------------------------------

    def balance(self, user_id: str) -> dict:
        """``GET /portfolio/balance``: available cash in integer cents (resting orders' holds excluded)."""
        with self._lock:
            self._sync()
            acct = self._account(user_id)
            available = acct.cash - acct.held
            value = 0
            for pos in acct.positions.values():
                if pos.position and not pos.settled:
                    last = self._last_price(pos.ticker)
                    per = last if pos.position > 0 else PIP - last
                    value += abs(pos.position) * per
            return {
                "balance": available // CENT,
                "balance_dollars": money_str(available - available % 100),
                # Value of open positions at the last traded price (definition UNCONFIRMED live).
                "portfolio_value": value // CENT,
                "updated_ts": acct.updated_ts,
                "balance_breakdown": [{"exchange_index": 0, "balance": money_str(available - available % 100)}],
            }

    def _last_price(self, ticker: str) -> int:
        return round(float(self._rec[ticker]["last_price_dollars"]) * PIP)

    def positions(self, user_id: str, *, ticker: str | None = None, event_ticker: str | None = None,
                  count_filter: Iterable[str] | None = None,
                  settlement_status: str = "unsettled", with_keys: bool = False) -> tuple[list[dict], list[dict]]:
        """(market_positions, event_positions) of a user, most recently opened first (a position's place
        never changes, so a cursor is stable while positions trade). ``with_keys=True`` adds a third
        element: the market positions' cursor keys."""
        if settlement_status not in ("unsettled", "settled", "all"):
            raise bad_request("settlement_status must be unsettled, settled or all")
        wanted = set(count_filter or ())
        if not wanted <= {"position", "total_traded"}:
            raise bad_request("count_filter takes position and/or total_traded")
        with self._lock:
            self._sync()
            acct = self._account(user_id)
            rows: list[tuple[_Position, dict]] = []
            for pos in acct.positions.values():
                rec = self._rec[pos.ticker]
                if ticker is not None and pos.ticker != ticker:
                    continue
                if event_ticker is not None and rec["event_ticker"] != event_ticker:
                    continue
                settled = pos.settled
                if (settlement_status == "unsettled" and settled) or (settlement_status == "settled" and not settled):
                    continue
                if wanted and not (("position" in wanted and pos.position) or
                                   ("total_traded" in wanted and pos.total_traded)):
                    continue
                if not wanted and not (pos.position or pos.total_traded or pos.resting):
                    continue
                rows.append((pos, rec))
            rows.sort(key=lambda r: -r[0].seq)
            market_positions = [self._position_dict(p) for p, _ in rows]
            position_keys = [(-p.seq,) for p, _ in rows]
            events: dict[str, dict] = {}
            for pos, rec in rows:
                ev = events.setdefault(rec["event_ticker"], {"cost": 0, "shares": 0, "exposure": 0, "pnl": 0,
                                                             "fees": 0})
                ev["cost"] += pos.total_traded
                ev["shares"] += abs(pos.position)
                ev["exposure"] += pos.yes_cost + pos.no_cost
                ev["pnl"] += pos.realized
                ev["fees"] += pos.fees
            event_positions = [{
                "event_ticker": name,
                "total_cost_dollars": money_str(v["cost"]),
                "total_cost_shares_fp": count_str(v["shares"]),
                "event_exposure_dollars": money_str(v["exposure"]),
                "realized_pnl_dollars": money_str(v["pnl"]),
                "fees_paid_dollars": money_str(v["fees"]),
            } for name, v in events.items()]
            if with_keys:
                return market_positions, event_positions, position_keys  # type: ignore[return-value]
            return market_positions, event_positions

    def _position_dict(self, pos: _Position) -> dict:
        return {
            "ticker": pos.ticker,
            "exchange_index": 0,
            "total_traded_dollars": money_str(pos.total_traded),
            "position_fp": count_str(pos.position),
            "market_exposure_dollars": money_str(pos.yes_cost + pos.no_cost),
            "realized_pnl_dollars": money_str(pos.realized),
            "fees_paid_dollars": money_str(pos.fees),
            "last_updated_ts": iso_ms(pos.updated_ms),
        }

    def fills(self, user_id: str, *, tickers: Iterable[str] | None = None, order_id: str | None = None,
              min_ts: int | None = None, max_ts: int | None = None, with_keys: bool = False) -> list[dict]:
        """The user's fills, newest first; ``with_keys=True`` returns ``(rows, keys)`` (place in history)."""
        wanted = set(tickers) if tickers else None
        with self._lock:
            self._sync()
            acct = self._account(user_id)
            out = []
            keys = []
            for i in range(len(acct.fills) - 1, -1, -1):
                f = acct.fills[i]
                if wanted is not None and f["ticker"] not in wanted:
                    continue
                if order_id is not None and f["order_id"] != order_id:
                    continue
                if (min_ts is not None and f["ts"] < min_ts) or (max_ts is not None and f["ts"] > max_ts):
                    continue
                out.append(f)
                keys.append((-i,))
            return (out, keys) if with_keys else out  # type: ignore[return-value]

    def orders(self, user_id: str, *, ticker: str | None = None, event_tickers: Iterable[str] | None = None,
               min_ts: int | None = None, max_ts: int | None = None, status: str | None = None,
               with_keys: bool = False) -> list[dict]:
        """The user's orders, newest first; ``min_ts``/``max_ts`` bound the creation time (Unix seconds).
        ``with_keys=True`` returns ``(rows, keys)``: an order's key is its place in the user's history, so
        an order changing status between pages never shifts the others."""
        if status not in (None, "resting", "canceled", "executed"):
            raise bad_request(f"status must be resting, canceled or executed, got {status!r}")
        events = set(event_tickers) if event_tickers else None
        with self._lock:
            self._sync()
            acct = self._account(user_id)
            out = []
            keys = []
            for i in range(len(acct.orders) - 1, -1, -1):
                o = self._orders[acct.orders[i]]
                if (ticker is not None and o.ticker != ticker) or (status is not None and o.status != status):
                    continue
                if events is not None and self._rec[o.ticker]["event_ticker"] not in events:
                    continue
                created = o.created_ms / 1000
                if (min_ts is not None and created < min_ts) or (max_ts is not None and created > max_ts):
                    continue
                out.append(o.record)
                keys.append((-i,))
            return (out, keys) if with_keys else out  # type: ignore[return-value]

    def order(self, user_id: str, order_id: str) -> dict:
        with self._lock:
            self._sync()
            return self._own_order(user_id, order_id).record

    def _own_order(self, user_id: str, order_id: str) -> _Order:
        o = self._orders.get(order_id)
        if o is None or o.user_id != user_id:
            raise not_found(f"order {order_id} does not exist")
        return o

    def settlements(self, user_id: str, *, ticker: str | None = None, event_ticker: str | None = None,
                    min_ts: int | None = None, max_ts: int | None = None, with_keys: bool = False) -> list[dict]:
        """The user's settlements, newest first; ``with_keys=True`` returns ``(rows, keys)``."""
        with self._lock:
            self._sync()
            acct = self._account(user_id)
            out = []
            keys = []
            for i in range(len(acct.settlements) - 1, -1, -1):
                s = acct.settlements[i]
                if ticker is not None and s["ticker"] != ticker:
                    continue
                if event_ticker is not None and s["event_ticker"] != event_ticker:
                    continue
                ts = _iso_ts(s["settled_time"])
                if (min_ts is not None and ts < min_ts) or (max_ts is not None and ts > max_ts):
                    continue
                out.append(s)
                keys.append((-i,))
            return (out, keys) if with_keys else out  # type: ignore[return-value]

    # --- order writes -------------------------------------------------------------------------------

    def _new_id(self) -> str:
        # uuid4, not the seed: a restarted sandbox with the same seed must never reuse an order/fill/trade id
        # (a client's journal or a reconciliation would match the wrong order). Seeded data stays seeded.
        return str(uuid.uuid4())

    def _coef(self, ticker: str, maker: bool) -> Fraction:
        """Fee coefficient of a fill: 0.07 taker; 0.0175 maker only on maker-fee series; times fee_multiplier."""
        s = self._series[self._mseries[ticker]]
        mult = Fraction(str(s["fee_multiplier"]))
        if not maker:
            return Fraction(7, 100) * mult
        if s["fee_type"] in ("quadratic_with_maker_fees", "quadratic_with_combo_maker_fees"):
            return Fraction(175, 10000) * mult
        return Fraction(0)

    def create_order(self, user_id: str, body: object) -> dict:
        """``POST /portfolio/events/orders``: validate, match, rest or cancel; return the V2 receipt (HTTP 201)."""
        with self._lock:
            self._sync()
            self._account(user_id)
            spec = _parse_create(body)
            return self._place(user_id, spec)

    def _place(self, user_id: str, spec: dict) -> dict:
        now_ms = self._now_ms()
        acct = self._accounts[user_id]
        ticker = spec["ticker"]
        rec = self._market_or_404(ticker)
        if rec["status"] != "active":
            raise conflict(f"market {ticker} is not open for trading (status {rec['status']})", "market_closed")
        structure = rec["price_level_structure"]
        if not on_grid(spec["price_dec"], structure):
            step = ", ".join(f"{r['start']}-{r['end']} step {r['step']}" for r in rec["price_ranges"])
            raise bad_request(f"price {spec['price_raw']} is not on the market's price grid ({structure}: {step}); "
                              "use a price strictly between 0 and 1 on that grid", code="invalid_price")
        if spec["expiration_time"] is not None and spec["expiration_time"] <= now_ms // 1000:
            raise bad_request(f"expiration_time {spec['expiration_time']} is not in the future (Unix seconds)")
        count = spec["count"]
        if count % ONE_CONTRACT and not rec.get("fractional_trading_enabled"):
            raise bad_request(f"count {spec['count_raw']} is fractional but market {ticker} trades whole contracts "
                              "only (fractional_trading_enabled is false)", code="invalid_count")
        coid = spec["client_order_id"]
        if coid and (user_id, coid) in self._by_coid:
            # Live answers 409 order_already_exists for a duplicate of an open order (kalshi-api.md §E, §5.7);
            # after that order executed or was cancelled the id is free again (DESIGN.md "Ids and client_order_id").
            raise conflict(f"client_order_id {coid!r} is already used by one of your resting orders "
                           f"({self._by_coid[(user_id, coid)]}); use a new id or cancel that order",
                           "order_already_exists")
        if sum(1 for oid in acct.orders if self._orders[oid].status == "resting") >= MAX_OPEN_ORDERS:
            raise conflict(f"at most {MAX_OPEN_ORDERS} open orders per user", "too_many_open_orders")
        bid = spec["side"] == "bid"
        pos = acct.positions.get(ticker)
        holding = pos.position if pos else 0
        if spec["reduce_only"]:
            # Capped by the position this order would reduce (SDK-3.34 reduce_only description).
            reducible = max(0, -holding) if bid else max(0, holding)
            count = min(count, reducible)
        order = _Order(self._new_id(), user_id, ticker, bid, spec["price"], spec["count"], coid, spec["tif"],
                       spec["stp"], now_ms, subaccount=spec["subaccount"], expiration_ts=spec["expiration_time"],
                       post_only=spec["post_only"], cancel_on_pause=spec["cancel_order_on_pause"],
                       order_group_id=spec["order_group_id"], remaining=count, updated_ms=now_ms)
        plan, stp_cancels, stopped = self._plan(order, count)
        filled = sum(f.count for f in plan)
        if spec["post_only"] and (plan or stopped or stp_cancels):
            raise conflict(f"post_only order at {pip_str(order.price)} would cross the book and take liquidity",
                           "post_only_cross")  # code invented
        if order.tif == "fill_or_kill" and filled < count:
            raise conflict(f"fill_or_kill order for {count_str(count)} can fill only {count_str(filled)} "
                           "at its limit price", "fill_or_kill_insufficient_resting_volume")  # code invented
        taker_coef = self._coef(ticker, maker=False)
        cost = sum(f.count * (f.yes_price if bid else PIP - f.yes_price) for f in plan)
        fees = sum(_fee_micro(taker_coef, f.count, f.yes_price) for f in plan)
        opposite = max(0, -holding) if bid else max(0, holding)
        credit = min(filled, opposite) * (DOLLAR // ONE_CONTRACT)
        rest = count - filled if order.tif == "good_till_canceled" and not stopped else 0
        hold = self._hold(order, rest)
        need = max(0, cost + fees - credit) + hold
        available = acct.cash - acct.held
        if need > available:
            raise bad_request(f"insufficient balance: this order needs {money_str(need)} (cost, fees and the hold "
                              f"for the resting part) but {money_str(available)} is available",
                              code="insufficient_balance")
        # Committed from here on: nothing below raises.
        self._orders[order.order_id] = order
        acct.orders.append(order.order_id)
        book = self._book(ticker)
        for entry in stp_cancels:
            assert entry.order is not None
            self._cancel(entry.order, ts_ms=now_ms)
        for f in plan:
            self._execute(order, f, now_ms, taker_coef)
        for f in plan:
            book.prune(not bid, PIP - f.yes_price if bid else f.yes_price)
        if rest:
            order.remaining = rest
            order.held = hold
            acct.held += hold
            order.entry = _Entry(order, rest)
            book.add(bid, order.price if bid else PIP - order.price, order.entry)
            if coid:
                self._by_coid[(user_id, coid)] = order.order_id
            self._position(acct, ticker).resting += 1
            if order.expiration_ts is not None:
                heapq.heappush(self._heap, (order.expiration_ts, next(self._seq), "expire", order.order_id))
        else:
            order.remaining = 0
            order.status = "executed" if filled == order.initial and filled else "canceled"
        order.updated_ms = now_ms
        self._render_order(order)
        self._refresh_top(ticker, now_ms)
        acct.updated_ts = now_ms // 1000
        self._bump()
        return self._receipt(order, now_ms)

    def _receipt(self, order: _Order, now_ms: int) -> dict:
        """The V2 receipt; ``average_fill_price`` is in YES terms like the order's price (UNCONFIRMED live)."""
        out: dict = {"order_id": order.order_id}
        if order.client_order_id:
            out["client_order_id"] = order.client_order_id
        out["fill_count"] = count_str(order.filled)
        out["remaining_count"] = count_str(order.remaining)
        if order.filled:
            cost = order.taker_cost + order.maker_cost
            per = Fraction(cost * ONE_CONTRACT, order.filled)  # micro-dollars per contract, side bought
            yes_avg = per if order.bid else DOLLAR - per
            out["average_fill_price"] = money_str(round(yes_avg))
            out["average_fee_paid"] = money_str(round(Fraction((order.taker_fees + order.maker_fees) * ONE_CONTRACT,
                                                               order.filled)))
        out["ts_ms"] = now_ms
        return out

    def _hold(self, order: _Order, remaining: int) -> int:
        """Cash reserved for a resting remainder: its cost plus the worst maker fee."""
        if remaining <= 0:
            return 0
        return remaining * order.own_price + _fee_micro(self._coef(order.ticker, maker=True), remaining, order.price)

    def _plan(self, order: _Order, count: int) -> tuple[list[_Fill], list[_Entry], bool]:
        """Which resting entries the order would take, without changing anything.

        Returns (fills, own resting entries to cancel under ``maker`` STP, whether ``taker_at_cross`` STP
        stopped the order).
        """
        book = self._book(order.ticker)
        bid = order.bid
        # A YES bid at p takes NO bids at q >= 1 - p (the YES ask is 1 - q), best (highest q) first.
        levels, prices = book.side(not bid)
        limit = PIP - order.price if bid else order.price
        plan: list[_Fill] = []
        cancels: list[_Entry] = []
        left = count
        for q in reversed(prices):
            if q < limit or left == 0:
                break
            for entry in levels[q]:
                if left == 0:
                    break
                if entry.remaining == 0:
                    continue
                if entry.order is not None and entry.order.user_id == order.user_id:
                    if order.stp == "taker_at_cross":
                        return plan, cancels, True
                    cancels.append(entry)
                    continue
                take = min(left, entry.remaining)
                plan.append(_Fill(entry, take, PIP - q if bid else q))
                left -= take
        return plan, cancels, False

    def _position(self, acct: _Account, ticker: str) -> _Position:
        pos = acct.positions.get(ticker)
        if pos is None:
            pos = acct.positions[ticker] = _Position(ticker, seq=next(self._seq))
        return pos

    def _trade_into(self, acct: _Account | None, ticker: str, buys_yes: bool, count: int, price_own: int,
                    fee: int, now_ms: int) -> None:
        """Book a purchase of ``count`` YES (or NO) at ``price_own`` pips for an account, with netting.

        Buying YES while holding NO closes pairs worth $1 each (and vice versa).
        """
        if acct is None:  # the house: only its position matters (open interest)
            before = self._house_pos.get(ticker, 0)
            after = before + (count if buys_yes else -count)
            self._house_pos[ticker] = after
            self._oi_delta(ticker, before, after)
            return
        pos = self._position(acct, ticker)
        before = pos.position
        cost = count * price_own
        acct.cash -= cost + fee
        opposite = max(0, -before) if buys_yes else max(0, before)
        close = min(count, opposite)
        if close:
            basis = pos.no_cost if buys_yes else pos.yes_cost
            removed = basis * close // opposite
            if buys_yes:
                pos.no_cost -= removed
            else:
                pos.yes_cost -= removed
            payout = close * (DOLLAR // ONE_CONTRACT)
            acct.cash += payout
            pos.realized += payout - removed - close * price_own
        opened = count - close
        if buys_yes:
            pos.yes_cost += opened * price_own
        else:
            pos.no_cost += opened * price_own
        pos.position = before + (count if buys_yes else -count)
        pos.total_traded += cost
        pos.fees += fee
        pos.updated_ms = now_ms
        acct.updated_ts = now_ms // 1000
        self._oi_delta(ticker, before, pos.position)

    def _oi_delta(self, ticker: str, before: int, after: int) -> None:
        stats = self._live_stats.setdefault(ticker, [0, 0])
        stats[1] += max(after, 0) - max(before, 0)

    def _execute(self, taker: _Order, f: _Fill, now_ms: int, taker_coef: Fraction) -> None:
        """Apply one match: both sides' cash, positions, orders and fills; the public trade."""
        ticker = taker.ticker
        bid = taker.bid
        count, yes_price = f.count, f.yes_price
        taker_price = yes_price if bid else PIP - yes_price
        maker_price = PIP - taker_price
        taker_fee = _fee_micro(taker_coef, count, yes_price)
        taker_acct = self._accounts[taker.user_id]
        self._trade_into(taker_acct, ticker, bid, count, taker_price, taker_fee, now_ms)
        taker.filled += count
        taker.taker_cost += count * taker_price
        taker.taker_fees += taker_fee
        trade_id = self._new_id()
        self._fill_record(taker_acct, taker, count, yes_price, taker_fee, True, now_ms)
        maker = f.entry.order
        f.entry.remaining -= count
        if maker is None:
            self._trade_into(None, ticker, not bid, count, maker_price, 0, now_ms)
        else:
            maker_acct = self._accounts[maker.user_id]
            maker_fee = _fee_micro(self._coef(ticker, maker=True), count, yes_price)
            old_hold = maker.held
            maker.remaining -= count
            maker.held = self._hold(maker, maker.remaining)
            maker_acct.held -= old_hold - maker.held
            self._trade_into(maker_acct, ticker, not bid, count, maker_price, maker_fee, now_ms)
            maker.filled += count
            maker.maker_cost += count * maker_price
            maker.maker_fees += maker_fee
            maker.updated_ms = now_ms
            if maker.remaining == 0:
                self._finish(maker, "executed")
            self._render_order(maker)
            self._fill_record(maker_acct, maker, count, yes_price, maker_fee, False, now_ms)
        stats = self._live_stats.setdefault(ticker, [0, 0])
        stats[0] += count
        h = self._hist.get(ticker)
        base_oi = data.oi_of(h, h.volume) if h is not None else 0
        side = "yes" if bid else "no"
        self._live_trades.setdefault(ticker, []).append({
            "_ms": now_ms, "_seq": next(self._seq), "_price": yes_price, "_count": count, "_oi": base_oi + stats[1],
            "rec": {
                "trade_id": trade_id, "ticker": ticker, "count_fp": count_str(count),
                "yes_price_dollars": pip_str(yes_price), "no_price_dollars": pip_str(PIP - yes_price),
                "taker_side": side, "taker_outcome_side": side, "taker_book_side": "bid" if bid else "ask",
                "created_time": iso_ms(now_ms), "is_block_trade": False,
            }})
        rec = self._rec[ticker]
        h_recent = h.v_recent if h is not None else 0
        self._replace(ticker, {
            "last_price_dollars": pip_str(yes_price),
            "volume_fp": count_str(self._volume(ticker)),
            # 24 h volume as of the data's anchor plus everything traded in the sandbox since.
            "volume_24h_fp": count_str(h_recent + stats[0]),
            "open_interest_fp": count_str(base_oi + stats[1]),
        } if rec else {})

    def _fill_record(self, acct: _Account, order: _Order, count: int, yes_price: int, fee: int, is_taker: bool,
                     now_ms: int) -> None:
        fill_id = self._new_id()
        acct.fills.append({
            "fill_id": fill_id, "trade_id": fill_id, "order_id": order.order_id,
            "client_order_id": order.client_order_id,
            "ticker": order.ticker, "market_ticker": order.ticker,
            "side": "yes", "action": "buy" if order.bid else "sell",
            "outcome_side": "yes" if order.bid else "no", "book_side": "bid" if order.bid else "ask",
            "count_fp": count_str(count), "yes_price_dollars": pip_str(yes_price),
            "no_price_dollars": pip_str(PIP - yes_price), "is_taker": is_taker,
            "created_time": iso_ms(now_ms), "fee_cost": money_str(fee), "subaccount_number": order.subaccount,
            "ts": now_ms // 1000, "exchange_index": 0,
        })

    def _finish(self, order: _Order, status: str) -> None:
        """Take an order off the book's bookkeeping (status executed or canceled)."""
        order.status = status
        acct = self._accounts[order.user_id]
        acct.held -= order.held
        order.held = 0
        order.remaining = 0
        order.entry = None
        if order.client_order_id and self._by_coid.get((order.user_id, order.client_order_id)) == order.order_id:
            del self._by_coid[(order.user_id, order.client_order_id)]
        pos = acct.positions.get(order.ticker)
        if pos is not None and pos.resting:
            pos.resting -= 1

    def _cancel(self, order: _Order, *, ts_ms: int) -> int:
        """Cancel a resting order; return the count it had left."""
        left = order.remaining
        if order.entry is not None:
            book = self._books.get(order.ticker)
            if book is not None:
                book.remove(order.bid, order.price if order.bid else PIP - order.price, order.entry)
        self._finish(order, "canceled")
        order.updated_ms = ts_ms
        self._render_order(order)
        self._refresh_top(order.ticker, ts_ms)
        self._accounts[order.user_id].updated_ts = ts_ms // 1000
        self._bump()
        return left

    def _render_order(self, o: _Order) -> None:
        o.record = {
            "order_id": o.order_id, "user_id": o.user_id, "client_order_id": o.client_order_id,
            "ticker": o.ticker, "side": "yes", "action": "buy" if o.bid else "sell",
            "outcome_side": "yes" if o.bid else "no", "book_side": "bid" if o.bid else "ask", "type": "limit",
            "status": o.status, "yes_price_dollars": pip_str(o.price), "no_price_dollars": pip_str(PIP - o.price),
            "fill_count_fp": count_str(o.filled), "remaining_count_fp": count_str(o.remaining),
            "initial_count_fp": count_str(o.initial),
            "taker_fill_cost_dollars": money_str(o.taker_cost), "maker_fill_cost_dollars": money_str(o.maker_cost),
            "taker_fees_dollars": money_str(o.taker_fees), "maker_fees_dollars": money_str(o.maker_fees),
            "expiration_time": iso(o.expiration_ts) if o.expiration_ts is not None else None,
            "created_time": iso_ms(o.created_ms), "last_update_time": iso_ms(o.updated_ms),
            "self_trade_prevention_type": o.stp, "order_group_id": o.order_group_id,
            "cancel_order_on_pause": o.cancel_on_pause, "subaccount_number": o.subaccount, "exchange_index": 0,
        }

    def _refresh_top(self, ticker: str, now_ms: int) -> None:
        """Rewrite the market's top of book from its book (and log the quote for candlesticks)."""
        if self._rec[ticker]["status"] != "active":
            return
        book = self._book(ticker)
        bid, bid_size = book.best(True)
        no_bid, no_size = book.best(False)
        ask = PIP - no_bid
        top = {
            "yes_bid_dollars": pip_str(bid), "yes_bid_size_fp": count_str(bid_size),
            "yes_ask_dollars": pip_str(ask), "yes_ask_size_fp": count_str(no_size),
            "no_bid_dollars": pip_str(no_bid), "no_ask_dollars": pip_str(PIP - bid),
        }
        rec = self._rec[ticker]
        if any(rec[k] != v for k, v in top.items()):
            self._replace(ticker, top)
        qlog = self._quote_log.setdefault(ticker, [])
        if not qlog or (qlog[-1][1], qlog[-1][2]) != (bid, ask):
            qlog.append((now_ms / 1000, bid, ask))

    def _close_book(self, ticker: str, now_ms: int) -> None:
        """The market stops trading: cancel resting user orders and drop the house liquidity."""
        for o in list(self._orders.values()):
            if o.ticker == ticker and o.status == "resting":
                self._cancel(o, ts_ms=now_ms)
        self._books[ticker] = _Book()

    def cancel_order(self, user_id: str, order_id: str, *, market_ticker: str | None = None) -> dict:
        """``DELETE /portfolio/events/orders/{id}`` -> ``{order_id, client_order_id?, reduced_by, ts_ms}``."""
        with self._lock:
            self._sync()
            o = self._own_order(user_id, order_id)
            if market_ticker is not None and market_ticker != o.ticker:
                raise bad_request(f"order {order_id} is on market {o.ticker}, not {market_ticker}")
            if o.status != "resting":
                raise conflict(f"order {order_id} is {o.status}, not resting; nothing to cancel", "order_not_resting")
            now_ms = self._now_ms()
            left = self._cancel(o, ts_ms=now_ms)
            out: dict = {"order_id": o.order_id}
            if o.client_order_id:
                out["client_order_id"] = o.client_order_id
            out.update(reduced_by=count_str(left), ts_ms=now_ms)
            return out

    def cancel_all_orders(self, user_id: str) -> None:
        """``DELETE /portfolio/events/orders``: cancel every resting order of the user (HTTP 204)."""
        with self._lock:
            self._sync()
            acct = self._account(user_id)
            now_ms = self._now_ms()
            for oid in acct.orders:
                o = self._orders[oid]
                if o.status == "resting":
                    self._cancel(o, ts_ms=now_ms)

    def decrease_order(self, user_id: str, order_id: str, body: object) -> dict:
        """Reduce a resting order by ``reduce_by`` or to ``reduce_to`` (exactly one); 0 left cancels it."""
        with self._lock:
            self._sync()
            o = self._own_order(user_id, order_id)
            spec = _object(body, "decrease order")
            _no_unknown(spec, {"reduce_by", "reduce_to", "exchange_index", "market_ticker"}, "decrease order")
            by, to = spec.get("reduce_by"), spec.get("reduce_to")
            if (by is None) == (to is None):
                raise bad_request("give exactly one of reduce_by or reduce_to (fixed-point count strings)")
            if spec.get("market_ticker") is not None and spec["market_ticker"] != o.ticker:
                raise bad_request(f"order {order_id} is on market {o.ticker}, not {spec['market_ticker']}")
            if o.status != "resting":
                raise conflict(f"order {order_id} is {o.status}, not resting", "order_not_resting")
            if by is not None:
                amount = _count(by, "reduce_by", allow_zero=False)
                target = max(0, o.remaining - amount)
            else:
                target = _count(to, "reduce_to", allow_zero=True)
                if target > o.remaining:
                    raise bad_request(f"reduce_to {count_str(target)} is more than the {count_str(o.remaining)} left; "
                                      "use amend to increase an order")
            now_ms = self._now_ms()
            self._reduce(o, target, now_ms)
            out: dict = {"order_id": o.order_id}
            if o.client_order_id:
                out["client_order_id"] = o.client_order_id
            out.update(remaining_count=count_str(o.remaining), ts_ms=now_ms)
            return out

    def _reduce(self, o: _Order, target: int, now_ms: int) -> None:
        if target == 0:
            self._cancel(o, ts_ms=now_ms)
            return
        acct = self._accounts[o.user_id]
        assert o.entry is not None
        o.entry.remaining = target
        o.remaining = target
        new_hold = self._hold(o, target)
        acct.held += new_hold - o.held
        o.held = new_hold
        o.updated_ms = now_ms
        self._render_order(o)
        self._refresh_top(o.ticker, now_ms)
        self._bump()

    def amend_order(self, user_id: str, order_id: str, body: object) -> dict:
        """Change a resting order's price and/or total count (``count`` = already filled + wanted resting).

        A smaller count at the same price keeps the queue position; anything else re-enters the book as a
        new order would (and may trade).
        """
        with self._lock:
            self._sync()
            o = self._own_order(user_id, order_id)
            spec = _object(body, "amend order")
            _no_unknown(spec, {"ticker", "side", "price", "count", "client_order_id", "updated_client_order_id",
                               "expiration_time", "exchange_index"}, "amend order")
            ticker = _text(spec, "ticker", required=True)
            side = _choice(spec, "side", ("bid", "ask"), required=True)
            price_dec, price = _price(spec.get("price"))
            total = _count(spec.get("count"), "count", allow_zero=False)
            coid = _client_order_id(spec.get("client_order_id"), "client_order_id")
            new_coid = _client_order_id(spec.get("updated_client_order_id"), "updated_client_order_id")
            expiration = spec.get("expiration_time")
            if expiration is not None and (isinstance(expiration, bool) or not isinstance(expiration, int)
                                           or expiration < 0):
                raise bad_request("expiration_time must be a Unix time in seconds (int >= 0; 0 removes the expiry)")
            if ticker != o.ticker or (side == "bid") != o.bid:
                raise bad_request(f"ticker and side must match the order ({o.ticker}, {'bid' if o.bid else 'ask'})")
            if coid and coid != o.client_order_id:
                raise bad_request(f"client_order_id {coid!r} does not match order {order_id}")
            if o.status != "resting":
                raise conflict(f"order {order_id} is {o.status}, not resting", "order_not_resting")
            rec = self._rec[o.ticker]
            if not on_grid(price_dec, rec["price_level_structure"]):
                raise bad_request(f"price {spec['price']} is not on the market's price grid "
                                  f"({rec['price_level_structure']})", code="invalid_price")
            if total % ONE_CONTRACT and not rec.get("fractional_trading_enabled"):
                raise bad_request(f"market {o.ticker} trades whole contracts only", code="invalid_count")
            wanted = total - o.filled
            if wanted <= 0:
                raise bad_request(f"count {count_str(total)} must exceed the {count_str(o.filled)} already filled "
                                  "(count is the new total: filled + resting)")
            if new_coid and new_coid != o.client_order_id and (user_id, new_coid) in self._by_coid:
                raise conflict(f"client_order_id {new_coid!r} is already used by a resting order",
                               "order_already_exists")
            now_ms = self._now_ms()
            if expiration is not None:
                if expiration and expiration <= now_ms // 1000:
                    raise bad_request("expiration_time must be in the future (or 0 to remove it)")
                o.expiration_ts = expiration or None
                if expiration:
                    heapq.heappush(self._heap, (expiration, next(self._seq), "expire", o.order_id))
            if new_coid and new_coid != o.client_order_id:
                self._by_coid.pop((user_id, o.client_order_id), None)
                o.client_order_id = new_coid
                self._by_coid[(user_id, new_coid)] = o.order_id
            o.initial = total  # the amended order's size is its new total
            if price == o.price and wanted <= o.remaining:
                self._reduce(o, wanted, now_ms)
                filled_now = 0
            else:
                filled_now = self._reenter(o, price, wanted, now_ms)
            out: dict = {"order_id": o.order_id}
            if o.client_order_id:
                out["client_order_id"] = o.client_order_id
            out["remaining_count"] = count_str(o.remaining)
            out["fill_count"] = count_str(o.filled)
            if o.filled:
                receipt = self._receipt(o, now_ms)
                out["average_fill_price"] = receipt["average_fill_price"]
                out["average_fee_paid"] = receipt["average_fee_paid"]
            out["ts_ms"] = now_ms
            log.debug("amended %s, %s filled now", o.order_id, count_str(filled_now))
            return out

    def _reenter(self, o: _Order, price: int, wanted: int, now_ms: int) -> int:
        """Take the order off the book and place it again at ``price`` for ``wanted`` (may trade)."""
        acct = self._accounts[o.user_id]
        book = self._book(o.ticker)
        old = (o.price, o.remaining, o.held, o.entry)
        if o.entry is not None:
            book.remove(o.bid, o.price if o.bid else PIP - o.price, o.entry)
        acct.held -= o.held
        o.held = 0
        o.price = price
        plan, stp_cancels, stopped = self._plan(o, wanted)
        filled = sum(f.count for f in plan)
        taker_coef = self._coef(o.ticker, maker=False)
        cost = sum(f.count * (f.yes_price if o.bid else PIP - f.yes_price) for f in plan)
        fees = sum(_fee_micro(taker_coef, f.count, f.yes_price) for f in plan)
        rest = wanted - filled if not stopped else 0
        hold = self._hold(o, rest)
        if cost + fees + hold > acct.cash - acct.held or (o.post_only and (plan or stopped or stp_cancels)):
            o.price, o.remaining, o.held, o.entry = old
            acct.held += o.held
            if o.entry is not None:
                book.add(o.bid, o.price if o.bid else PIP - o.price, o.entry)
            if o.post_only and (plan or stopped or stp_cancels):
                raise conflict("post_only order would cross the book at the amended price", "post_only_cross")
            raise bad_request(f"insufficient balance for the amended order (needs {money_str(cost + fees + hold)})",
                              code="insufficient_balance")
        for entry in stp_cancels:
            assert entry.order is not None
            self._cancel(entry.order, ts_ms=now_ms)
        for f in plan:
            self._execute(o, f, now_ms, taker_coef)
        for f in plan:
            book.prune(not o.bid, PIP - f.yes_price if o.bid else f.yes_price)
        if rest:
            o.remaining = rest
            o.held = hold
            acct.held += hold
            o.entry = _Entry(o, rest)
            book.add(o.bid, price if o.bid else PIP - price, o.entry)
            o.updated_ms = now_ms
            self._render_order(o)
        else:
            o.held = 0
            acct.held += 0
            o.entry = None
            self._finish(o, "executed" if not stopped else "canceled")
            o.updated_ms = now_ms
            self._render_order(o)
        self._refresh_top(o.ticker, now_ms)
        self._bump()
        return filled

    def batch_create_orders(self, user_id: str, body: object) -> dict:
        """``POST /portfolio/events/orders/batched``: each order on its own; failures carry ``error``."""
        with self._lock:
            self._sync()
            self._account(user_id)
            items = _batch(body)
            out = []
            for item in items:
                coid = item.get("client_order_id") if isinstance(item, dict) else None
                try:
                    spec = _parse_create(item)
                    out.append(self._place(user_id, spec))
                except SandboxError as exc:
                    row: dict = {}
                    if isinstance(coid, str) and coid:
                        row["client_order_id"] = coid
                    row["error"] = exc.body()["error"]
                    out.append(row)
            return {"orders": out}

    def batch_cancel_orders(self, user_id: str, body: object) -> dict:
        """``DELETE /portfolio/events/orders/batched``: per-order results, ``error`` on failures."""
        with self._lock:
            self._sync()
            self._account(user_id)
            items = _batch(body)
            out = []
            for item in items:
                oid = item.get("order_id") if isinstance(item, dict) else None
                try:
                    if not isinstance(item, dict):
                        raise bad_request("each entry of orders must be an object with an order_id")
                    _no_unknown(item, {"order_id", "subaccount", "exchange_index", "market_ticker"}, "batch cancel")
                    if not isinstance(oid, str) or not oid:
                        raise bad_request("order_id is required (a string)")
                    out.append(self.cancel_order(user_id, oid, market_ticker=item.get("market_ticker")))
                except SandboxError as exc:
                    out.append({"order_id": oid if isinstance(oid, str) else "", "reduced_by": "0.00",
                                "error": exc.body()["error"]})
            return {"orders": out}

    # --- settlement ---------------------------------------------------------------------------------

    def settle_market(self, ticker: str, result: str) -> None:
        """Control: resolve a market now ("yes"/"no"): cancel its orders, finalize it, pay $1 per winning contract."""
        if result not in ("yes", "no"):
            raise bad_request(f"result must be 'yes' or 'no', got {result!r}")
        with self._lock:
            now = self._sync()
            rec = self._market_or_404(ticker)
            if rec["status"] == "finalized":
                raise conflict(f"market {ticker} is already settled ({rec['result']})", "market_already_settled")
            now_ms = int(now * 1000)
            if rec["status"] == "active":
                self._close_book(ticker, now_ms)
            life = self._life[ticker]
            self._settled_at[ticker] = now
            self._result[ticker] = result
            changes = data.status_fields(life, "finalized", settled_ts=int(now), result=result)
            changes["updated_time"] = iso(int(now))
            self._replace(ticker, changes)
            self._pay_out(ticker, result, now)
            if self._is_historical(ticker):
                self._historical.add(ticker)

    def _pay_out(self, ticker: str, result: str, ts: float) -> None:
        """Pay every account holding the market: $1 per winning contract; write settlements."""
        rec = self._rec[ticker]
        ts_ms = int(ts * 1000)
        for acct in self._accounts.values():
            pos = acct.positions.get(ticker)
            if pos is None or pos.settled:
                continue
            if not pos.position and not pos.total_traded:
                continue
            yes_count = max(pos.position, 0)
            no_count = max(-pos.position, 0)
            won = yes_count if result == "yes" else no_count
            payout = won * (DOLLAR // ONE_CONTRACT)
            acct.cash += payout
            pos.realized += payout - pos.yes_cost - pos.no_cost
            acct.settlements.append({
                "ticker": ticker, "exchange_index": 0, "event_ticker": rec["event_ticker"], "market_result": result,
                "yes_count_fp": count_str(yes_count), "yes_total_cost_dollars": money_str(pos.yes_cost),
                "no_count_fp": count_str(no_count), "no_total_cost_dollars": money_str(pos.no_cost),
                "revenue": payout // CENT, "settled_time": iso_ms(ts_ms), "fee_cost": money_str(pos.fees),
                "value": 100 if result == "yes" else 0,
            })
            pos.position = 0
            pos.yes_cost = pos.no_cost = 0
            pos.settled = True
            pos.updated_ms = ts_ms
            acct.updated_ts = int(ts)
        self._bump()


# --- request parsing (strict: wrong types are 400s that say what to send) -------------------------------

CREATE_FIELDS = {"ticker", "client_order_id", "side", "count", "price", "expiration_time", "time_in_force",
                 "post_only", "self_trade_prevention_type", "cancel_order_on_pause", "reduce_only", "subaccount",
                 "order_group_id", "exchange_index"}


def _object(body: object, what: str) -> dict:
    if not isinstance(body, dict):
        raise bad_request(f"the {what} body must be a JSON object, got {type(body).__name__}")
    return body


def _no_unknown(spec: dict, known: set[str], what: str) -> None:
    unknown = sorted(set(spec) - known)
    if unknown:
        raise bad_request(f"unknown field(s) in {what}: {', '.join(unknown)} (V2 takes {', '.join(sorted(known))})")


def _text(spec: dict, name: str, *, required: bool = False) -> str | None:
    value = spec.get(name)
    if value is None:
        if required:
            raise bad_request(f"{name} is required")
        return None
    if not isinstance(value, str) or not value:
        raise bad_request(f"{name} must be a non-empty string, got {value!r}")
    return value


def _choice(spec: dict, name: str, options: tuple[str, ...], *, required: bool = False) -> str | None:
    value = spec.get(name)
    if value is None:
        if required:
            raise bad_request(f"{name} is required: one of {', '.join(options)}")
        return None
    if value not in options:
        hint = ""
        if name == "side" and value in ("yes", "no"):
            hint = " (V2 sides are book sides: bid buys YES, ask sells YES / buys NO; price is the YES price)"
        raise bad_request(f"{name} must be one of {', '.join(options)}, got {value!r}{hint}")
    return value


def _flag(spec: dict, name: str) -> bool:
    value = spec.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise bad_request(f"{name} must be a boolean (true/false), got {value!r}")
    return value


def _count(raw: object, name: str, *, allow_zero: bool) -> int:
    if raw is None:
        raise bad_request(f"{name} is required: a fixed-point count string such as \"10\" or \"2.50\"")
    if not isinstance(raw, str):
        raise bad_request(f"{name} must be a fixed-point count string such as \"10.00\" (not a JSON "
                          f"{type(raw).__name__}): integer count fields are no longer accepted")
    try:
        value = parse_decimal(raw, name, max_places=2)
    except ValueError as exc:
        raise bad_request(f"{exc}; counts take at most 2 decimals (0.01 contract)") from None
    if value < 0 or (value == 0 and not allow_zero):
        raise bad_request(f"{name} must be {'at least 0' if allow_zero else 'positive'}, got {raw!r}")
    return int(value * 100)


def _price(raw: object) -> tuple:
    if raw is None:
        raise bad_request("price is required: the YES price in dollars as a string, e.g. \"0.4200\"")
    if not isinstance(raw, str):
        raise bad_request(f"price must be a dollar string such as \"0.4200\" (the YES price), not a JSON "
                          f"{type(raw).__name__}; integer cents are no longer accepted")
    try:
        value = parse_decimal(raw, "price", max_places=6)
    except ValueError as exc:
        raise bad_request(str(exc)) from None
    if not 0 < value < 1:
        raise bad_request(f"price must be strictly between 0 and 1 dollar (the YES price), got {raw!r}",
                          code="invalid_price")
    pips = value * PIP
    return value, int(pips) if pips == pips.to_integral_value() else -1


def _client_order_id(raw: object, name: str) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise bad_request(f"{name} must be a string, got {type(raw).__name__}")
    if len(raw) > 64 or not CLIENT_ORDER_ID.match(raw):
        raise bad_request(f"{name} must be at most 64 characters of letters, digits and - _ : + = / "
                          f"(a UUID is a good choice), got {raw!r}")
    return raw


def _parse_create(body: object) -> dict:
    """Validate a V2 create-order body; the result has typed fields (count hundredths, price pips)."""
    spec = _object(body, "create order")
    unknown = set(spec) - CREATE_FIELDS
    if unknown & {"action", "type", "yes_price", "no_price", "yes_price_dollars", "no_price_dollars",
                  "buy_max_cost", "sell_position_floor"}:
        raise bad_request(f"V1 order field(s) {', '.join(sorted(unknown))} in a V2 order: send side (bid/ask), "
                          "price (YES dollars string) and count (string)")
    _no_unknown(spec, CREATE_FIELDS, "create order")
    ticker = _text(spec, "ticker", required=True)
    side = _choice(spec, "side", ("bid", "ask"), required=True)
    count = _count(spec.get("count"), "count", allow_zero=False)
    price_dec, pips = _price(spec.get("price"))
    tif = _choice(spec, "time_in_force", TIME_IN_FORCE, required=True)
    # Required by SDK-3.34's CreateOrderV2Request, so the sandbox refuses to default it.
    stp = _choice(spec, "self_trade_prevention_type", STP, required=True)
    coid = _client_order_id(spec.get("client_order_id"), "client_order_id")
    post_only = _flag(spec, "post_only")
    reduce_only = _flag(spec, "reduce_only")
    cancel_on_pause = _flag(spec, "cancel_order_on_pause")
    if reduce_only and tif != "immediate_or_cancel":
        raise bad_request("reduce_only orders must use time_in_force immediate_or_cancel")
    if post_only and tif != "good_till_canceled":
        raise bad_request("post_only orders must use time_in_force good_till_canceled (they rest, never take)")
    expiration = spec.get("expiration_time")
    if expiration is not None:
        if isinstance(expiration, bool) or not isinstance(expiration, int):
            raise bad_request("expiration_time must be a Unix time in seconds (an integer)")
        if tif != "good_till_canceled":
            raise bad_request("expiration_time goes only with time_in_force good_till_canceled")
        if expiration > 10_000_000_000:
            raise bad_request("expiration_time is in seconds, not milliseconds")
    subaccount = spec.get("subaccount", 0)
    if isinstance(subaccount, bool) or not isinstance(subaccount, int) or not 0 <= subaccount <= 63:
        raise bad_request("subaccount must be an integer from 0 (primary) to 63")
    exchange_index = spec.get("exchange_index")
    if exchange_index is not None and (isinstance(exchange_index, bool) or exchange_index not in (-1, 0)):
        raise bad_request("exchange_index must be 0 (the only shard) or -1 (route by ticker)")
    group = spec.get("order_group_id")
    if group is not None and not isinstance(group, str):
        raise bad_request("order_group_id must be a string")
    return {"ticker": ticker, "side": side, "count": count, "count_raw": spec["count"], "price": pips,
            "price_dec": price_dec, "price_raw": spec["price"], "tif": tif, "stp": stp, "client_order_id": coid,
            "post_only": post_only, "reduce_only": reduce_only, "cancel_order_on_pause": cancel_on_pause,
            "expiration_time": expiration, "subaccount": subaccount, "order_group_id": group}


def _batch(body: object) -> list:
    spec = _object(body, "batch")
    items = spec.get("orders")
    if not isinstance(items, list) or not items:
        raise bad_request('the batch body must be {"orders": [...]} with at least one entry')
    if len(items) > MAX_BATCH:
        raise bad_request(f"at most {MAX_BATCH} orders per batch (got {len(items)}); split the batch")
    return items


# --- small helpers ----------------------------------------------------------------------------------


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
