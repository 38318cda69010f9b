"""The exchange's state: units, the records behind every answer, and the helpers every layer shares.

Units inside: prices are integer pips ($0.0001), counts integer hundredths of a contract, money integer
micro-dollars ($0.000001, so ``count x price`` is exact). Wire formats are produced only when a record is
built. Records handed out are never mutated afterwards: a change builds a new dict and bumps ``version``.
"""

from __future__ import annotations

import bisect
import itertools
import math
import threading
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from fractions import Fraction
from functools import lru_cache
from typing import TYPE_CHECKING

from .. import data
from ..data import Hist, Life
from ..errors import not_found
from ..money import PIP
from .bus import Bus

DOLLAR = 1_000_000  # micro-dollars
CENT = 10_000
ONE_CONTRACT = 100  # hundredths
MAX_OPEN_ORDERS = 200_000  # per user (V1 create-order docs)
SETTLED = ("determined", "finalized")
TAKER_COEFFICIENT = Fraction(7, 100)
# Maker fee coefficient per series fee_type (others: none). The combo variant uses a 0.5 maker multiplier
# instead of 0.25, so 0.035 (openapi.yaml Series.fee_type; changelog 2026-08-22).
MAKER_COEFFICIENTS = {
    "quadratic_with_maker_fees": Fraction(175, 10000),
    "quadratic_with_combo_maker_fees": Fraction(35, 1000),
}


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


# --- internal state objects ---


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

    def add(self, yes: bool, price: int, entry: _Entry, *, at: int | None = None) -> None:
        """Queue ``entry`` at the back of its price level, or at place ``at`` (where ``remove`` took it)."""
        levels, prices = self.side(yes)
        queue = levels.get(price)
        if queue is None:
            queue = levels[price] = deque()
            bisect.insort(prices, price)
        if at is None:
            queue.append(entry)
        else:
            queue.insert(at, entry)

    def remove(self, yes: bool, price: int, entry: _Entry) -> int | None:
        """Take ``entry`` out of its queue; return its place there (None if it was not queued)."""
        levels, prices = self.side(yes)
        queue = levels.get(price)
        if queue is None:
            return None
        try:
            at = queue.index(entry)
        except ValueError:
            return None
        del queue[at]
        if not queue:
            del levels[price]
            prices.remove(price)
        return at

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
    traded: int = 0  # hundredths of contracts bought, YES and NO (an event position's total_cost_shares_fp)
    realized: int = 0
    fees: int = 0
    updated_ms: int = 0
    settled: bool = False
    resting: int = 0  # count of resting orders (live positions show markets with resting orders)
    seq: int = 0  # when the position was opened: its list order and cursor key, never changes


@dataclass
class _Account:
    """One ledger: the cash, holds, orders and positions of a (user, subaccount, exchange_index).

    The matching layer books trades into ``_accounts[order.user_id]``, so an order's ``user_id`` is the key of
    its ledger (``ledger_key``): the user id itself for the primary account on shard 0.
    """

    user_id: str  # the real user
    cash: int  # micro
    start_cents: int
    held: int = 0
    updated_ts: int = 0
    orders: list[str] = field(default_factory=list)
    positions: dict[str, _Position] = field(default_factory=dict)
    subaccount: int = 0
    exchange_index: int = 0
    key: str = ""


DEFAULT_ALLOCATION = ({"exchange_index": 0, "percent": 100},)


@dataclass
class _Member:
    """What belongs to a user across ledgers: subaccounts, histories (in user order), transfers, settings."""

    start_cents: int
    subaccounts: int = 0  # numbered subaccounts created (1..subaccounts exist)
    ledgers: list[str] = field(default_factory=list)  # ledger keys, in creation order
    orders: list[str] = field(default_factory=list)  # order ids, oldest first
    fills: list[dict] = field(default_factory=list)
    settlements: list[tuple[int, dict]] = field(default_factory=list)  # (subaccount, record)
    allocations: list[dict] = field(default_factory=lambda: [dict(a) for a in DEFAULT_ALLOCATION])
    reservation: str = "sum"
    transfers: list[dict] = field(default_factory=list)  # intra-exchange-instance transfers, oldest first
    sub_transfers: list[dict] = field(default_factory=list)  # subaccount transfers, oldest first
    client_transfers: dict[tuple, tuple[str, tuple]] = field(
        default_factory=dict
    )  # id key -> (transfer, request)


def ledger_key(user_id: str, subaccount: int = 0, exchange_index: int = 0) -> str:
    """The ``_accounts`` key of a ledger; the primary account on shard 0 keeps the bare user id.

    Example:
        >>> ledger_key("alice"), ledger_key("alice", 3, 2)
        ('alice', 'alice\\x1f3\\x1f2')
    """
    if subaccount == 0 and exchange_index == 0:
        return user_id
    return f"{user_id}\x1f{subaccount}\x1f{exchange_index}"


@dataclass
class _Fill:
    """One match between the taker and a resting entry."""

    entry: _Entry
    count: int
    yes_price: int  # the resting price, in YES terms


class _Base(Bus):
    """The state every layer reads (filled by ``Exchange._load``) and the helpers they share; one lock."""

    _lock: threading.RLock
    _clock: Callable[[], datetime]
    _seed: int
    _size: int | None
    _anchor_arg: datetime | None
    _starting_cents: int
    version: int
    _accounts: dict[str, _Account]  # ledgers, by ledger_key
    _members: dict[str, _Member]  # users
    pauses: bool  # the Thursday trading pause follows the clock (shards.py)
    auto_allocation: bool  # new users start with automatic allocation on
    _anchor_ts: int
    _series: dict[str, dict]
    _series_order: list[str]
    _events: dict[str, dict]
    _event_order: list[str]
    _rec: dict[str, dict]
    _order: list[str]
    _rank: dict[str, int]
    _event_rank: dict[str, int]
    _life: dict[str, Life]
    _hist: dict[str, Hist]
    _mseries: dict[str, str]
    _by_event: dict[str, list[str]]
    _by_series: dict[str, list[str]]
    _mve: set[str]
    _mve_events: set[str]
    _cutoff_market: int
    _cutoff_trades: int
    _cutoff_orders: int
    _settled_at: dict[str, float]  # settlements made by settle_market
    _result: dict[str, str]  # results set by settle_market
    _historical: set[str]
    _books: dict[str, _Book]
    _quote_log: dict[str, list[tuple[float, int, int]]]
    _live_trades: dict[str, list[dict]]  # ticker -> sandbox trades, oldest first
    _live_stats: dict[str, list[int]]  # ticker -> [volume, oi delta] from sandbox trades
    _house_pos: dict[str, int]
    _orders: dict[str, _Order]
    _by_coid: dict[tuple[str, str], str]  # (user, client_order_id) -> resting order id
    _seq: itertools.count[int]
    _tick_cache: OrderedDict[str, tuple[list, list[int]]]
    _cache: dict[tuple, object]
    _cache_version: int
    _heap: list[tuple[float, int, str, str]]

    if TYPE_CHECKING:  # defined by Exchange, which ties the layers together

        def _sync(self) -> float: ...

        def _fee_override(self, ticker: str) -> tuple[str | None, float | None]: ...

    def now(self) -> datetime:
        """The exchange's current time (tz-aware UTC), from the injected clock."""
        return self._clock()

    def _now(self) -> float:
        return self._clock().timestamp()

    def _now_ms(self) -> int:
        return int(self._now() * 1000)

    def _bump(self) -> None:
        self.version += 1
        self._flush()  # the change bus (bus.py): every change reaches the listeners as it happens

    def _cached(self, key: tuple, build: Callable[[], object]) -> object:
        if self._cache_version != self.version:
            self._cache.clear()
            self._cache_version = self.version
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = build()
        return hit

    def _market_or_404(self, ticker: str) -> dict:
        rec = self._rec.get(ticker)
        if rec is None:
            raise not_found(f"market {ticker} does not exist")
        return rec

    def _replace(self, ticker: str, changes: dict) -> dict:
        old = self._rec[ticker]
        rec = data.with_changes(old, changes)
        self._rec[ticker] = rec
        self._touch_market(ticker, old, changes)
        self._bump()
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
            # Published at once: a REST read may create the house book, and the feed must show it too.
            self._touch_book(ticker)
            self._flush()
        return book

    def _volume(self, ticker: str) -> int:
        h = self._hist.get(ticker)
        return (h.volume if h is not None else 0) + self._live_stats.get(ticker, [0, 0])[0]

    def _new_id(self) -> str:
        # uuid4, not the seed: a restarted sandbox with the same seed must never reuse an order/fill/trade id
        # (a client's journal or a reconciliation would match the wrong order). Seeded data stays seeded.
        return str(uuid.uuid4())

    def _coef(self, ticker: str, maker: bool) -> Fraction:
        """Fee coefficient of a fill: 0.07 taker; maker per ``MAKER_COEFFICIENTS``; times fee_multiplier.
        The event's fee override, if any, replaces the series' type or multiplier (eventfees.py)."""
        s = self._series[self._mseries[ticker]]
        fee_type, multiplier = self._fee_override(ticker)
        mult = Fraction(str(s["fee_multiplier"] if multiplier is None else multiplier))
        if not maker:
            return TAKER_COEFFICIENT * mult
        return MAKER_COEFFICIENTS.get(fee_type or s["fee_type"], Fraction(0)) * mult

    def _position(self, acct: _Account, ticker: str) -> _Position:
        pos = acct.positions.get(ticker)
        if pos is None:
            pos = acct.positions[ticker] = _Position(ticker, seq=next(self._seq))
        return pos

    def _hold(self, order: _Order, remaining: int) -> int:
        """Cash reserved for a resting remainder: its cost plus the worst maker fee."""
        if remaining <= 0:
            return 0
        return remaining * order.own_price + _fee_micro(
            self._coef(order.ticker, maker=True), remaining, order.price
        )
