"""The sandbox exchange: all state and rules, no HTTP (the contract is in DESIGN.md).

``Exchange`` is assembled from layers, each a module: ``state`` (units, records, shared helpers),
``catalogue`` (markets, events, series, trades, the book as listed), ``candles``, ``ledgers`` (cash per
subaccount and shard), ``accounting`` (balances, positions, fills, settlements, fees), ``transfers``
(subaccounts, transfers, allocation), ``portfolio`` (queue positions, resting value), ``matching`` (order
entry and the book), ``writes`` (the order endpoints, routing, the pause), ``shards`` (the shard table and
the pause rule), ``bodies`` (request parsing), ``windows`` (new KXBTC15M windows as the clock
passes) and ``eventfees`` (event fee overrides). This module adds the clock, the market lifecycle
and settlement, which touch every layer. One ``RLock`` guards it all.

Example:
    >>> from datetime import datetime, timezone
    >>> when = datetime(2026, 9, 7, 2, 40, tzinfo=timezone.utc)
    >>> ex = Exchange(seed=1, now=when, clock=lambda: when)
    >>> ex.add_account("alice")
    >>> receipt = ex.create_order("alice", {"ticker": "KXBTC15M-26SEP062245-45", "side": "bid", "count": "1",
    ...     "price": "0.99", "time_in_force": "immediate_or_cancel", "self_trade_prevention_type": "maker"})
    >>> receipt["fill_count"]
    '1.00'
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from .. import data
from ..data import iso
from ..errors import bad_request, conflict
from ..limits import MAX_BALANCE_CENTS, MAX_HISTORY_DAYS, MAX_MARKETS, MAX_SEED, bounded_int
from .candles import Candles
from .catalogue import Catalogue
from .eventfees import EventFees
from .shards import SHARDS, next_trading_pause
from .state import _utcnow, money_str
from .windows import Windows
from .writes import Writes

__all__ = ["Exchange", "money_str"]


class Exchange(Windows, EventFees, Writes, Candles, Catalogue):
    """All exchange state and rules; thread-safe, JSON-ready answers, ``SandboxError`` on rule violations.

    ``now`` anchors the synthetic data (default: the clock at construction); ``clock`` is the time source
    for everything else (default: real UTC time, or, when only ``now`` is given, a clock that starts at
    ``now`` and runs at the real pace). Market statuses and order expiries follow the clock forward.
    ``pauses`` turns on the Thursday 03:00-05:00 ET trading pause on that clock (off here, on in
    ``Sandbox``); ``auto_allocation`` is the starting setting of new accounts (orders draw collateral from
    the subaccount's other shards). ``history_days`` adds that many days of settled KXBTC15M windows with
    their trades and candles (generated lazily: ``data.btc15m``).

    Example:
        >>> ex = Exchange(seed=3)
        >>> any(m["status"] == "active" for m in ex.markets(series_ticker="KXBTC15M"))
        True
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        markets: int | None = None,
        now: datetime | None = None,
        clock: Callable[[], datetime] | None = None,
        starting_balance_cents: int = 1_000_000,
        pauses: bool = False,
        auto_allocation: bool = True,
        history_days: int = 0,
    ) -> None:
        # Bounds (limits.py): a typo such as markets=10**9 must be a clear error, not an out-of-memory.
        seed = bounded_int("seed", seed, low=0, high=MAX_SEED)
        if markets is not None:
            markets = bounded_int("markets", markets, low=0, high=MAX_MARKETS)
        self._history_days = bounded_int("history_days", history_days, low=0, high=MAX_HISTORY_DAYS)
        starting_balance_cents = bounded_int(
            "starting_balance_cents", starting_balance_cents, low=0, high=MAX_BALANCE_CENTS
        )
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
        # The Thursday trading pause (shards.py) follows the clock only when on: off by default here, so tests
        # never depend on the real day of the week; Sandbox (the CLI, connect()) turns it on.
        self.pauses = bool(pauses)
        self.auto_allocation = bool(auto_allocation)
        self._accounts = {}
        self._members = {}
        self._load()

    def _load(self) -> None:
        # The whole load, not only the data build: its indexes are hundreds of thousands of objects too.
        with data.collector_paused(self._size):
            self._load_all()

    def _load_all(self) -> None:
        self._bus_init()  # listeners stay; the published books start again from the new state
        anchor = self._anchor_arg or self._clock()
        u = data.build(self._seed, anchor, self._size, self._history_days)
        self._anchor_ts = u.anchor_ts
        self._series = {s["ticker"]: s for s in u.series}
        self._series_order = [s["ticker"] for s in u.series]
        self._events = {e["event_ticker"]: e for e in u.events}
        self._event_order = [e["event_ticker"] for e in u.events]
        self._rec = {m["ticker"]: m for m in u.markets}
        self._order = [m["ticker"] for m in u.markets]
        # Row keys for keyset cursors (pagination.py): a market's / event's place in the generated order.
        self._rank = {t: i for i, t in enumerate(self._order)}
        self._event_rank = {e: i for i, e in enumerate(self._event_order)}
        self._life = u.life
        self._hist = u.hist
        self._mseries = u.market_series
        self._by_event = {}
        self._by_series = {}
        for m in u.markets:
            self._by_event.setdefault(m["event_ticker"], []).append(m["ticker"])
            self._by_series.setdefault(self._mseries[m["ticker"]], []).append(m["ticker"])
        self._mve = {t for t, m in self._rec.items() if "mve_collection_ticker" in m}
        self._mve_events = {self._rec[t]["event_ticker"] for t in self._mve}
        self._cutoff_market = u.market_cutoff_ts
        self._cutoff_trades = u.trades_cutoff_ts
        self._cutoff_orders = u.market_cutoff_ts
        self._settled_at = {}  # settlements made by settle_market
        self._result = {}  # results set by settle_market
        self._historical = {t for t in self._order if self._is_historical(t)}
        self._books = {}
        self._quote_log = {}
        self._live_trades = {}  # ticker -> sandbox trades, oldest first
        self._live_stats = {}  # ticker -> [volume, oi delta] from sandbox trades
        self._house_pos = {}
        self._orders = {}
        self._by_coid = {}  # (user, client_order_id) -> resting order id
        self._seq = itertools.count()
        self._tick_cache = OrderedDict()
        self._cache = {}
        self._cache_version = -1
        self._heap = []
        for t in self._order:
            nxt = self._life[t].next_change(self._anchor_ts)
            if nxt is not None:
                self._heap.append((nxt, next(self._seq), "life", t))
        start, _ = next_trading_pause(datetime.fromtimestamp(self._anchor_ts, tz=timezone.utc))
        self._heap.append((start.timestamp(), next(self._seq), "pause", ""))
        heapq.heapify(self._heap)
        self._windows_init()  # rolling KXBTC15M windows (windows.py)
        self._event_fees_init()  # event fee overrides (eventfees.py): none in the seeded data
        # Known users go back to their starting balance on subaccount 0, shard 0; subaccounts are dropped.
        members, self._members, self._accounts = self._members, {}, {}
        for user_id, member in members.items():
            self._open_member(user_id, member.start_cents)
        self.version += 1
        self._sync()

    def reset(self) -> None:
        """Regenerate everything from the seed; known accounts go back to their starting balance."""
        with self._lock:
            self._load()

    def synced_version(self) -> int:
        """``version`` once every change due by now is applied: what a cache of this exchange's answers must
        key on. Read without the sync, a list cached a moment before a market closed was served again after
        it, the closed market still "active" (notebook 05 in CI, ordering right after the hour).

        Example:
            >>> ex = Exchange(seed=1)
            >>> ex.synced_version() == ex.version
            True
        """
        with self._lock:
            self._sync()
            return self.version

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
                # An amend can move or remove the expiry: only the order's current one counts.
                due = order is not None and order.expiration_ts is not None and order.expiration_ts <= ts
                if order is not None and due and order.status == "resting":
                    self._cancel(order, ts_ms=int(ts * 1000))
            elif kind == "pause":
                self._pause_begins(ts)
            elif kind == "window":
                self._roll_windows(ts)
        return now

    def _pause_begins(self, ts: float) -> None:
        """A trading pause starts: cancel the resting orders placed with ``cancel_order_on_pause``; schedule
        the next pause (always, so that turning pauses on later works)."""
        if self.pauses:
            for order in list(self._orders.values()):
                if order.status == "resting" and order.cancel_on_pause:
                    self._cancel(order, ts_ms=int(ts * 1000))
        after = datetime.fromtimestamp(ts, tz=timezone.utc) + timedelta(hours=3)
        start, _ = next_trading_pause(after)
        heapq.heappush(self._heap, (start.timestamp(), next(self._seq), "pause", ""))

    def exchange_status(self) -> dict:
        """``GET /exchange/status``: trading stops during the pause; ``exchange_index_statuses`` per shard
        (the top-level flags reflect shard 0, as documented)."""
        with self._lock:
            self._sync()
            until = self.paused_until()
        body = super().exchange_status()
        trading = until is None
        body["trading_active"] = trading
        body["exchange_estimated_resume_time"] = iso(int(until.timestamp())) if until else None
        body["exchange_index_statuses"] = [
            {
                "exchange_index": shard,
                "description": description,
                "exchange_active": True,
                "trading_active": trading,
                "intra_exchange_transfers_active": True,
            }
            for shard, description in SHARDS.items()
        ]
        return body

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

    def settle_market(self, ticker: str, result: str) -> None:
        """Control: resolve a market now ("yes"/"no"): cancel its orders, finalize it, pay $1 per winning contract."""
        if result not in ("yes", "no"):
            raise bad_request(f"result must be 'yes' or 'no', got {result!r}")
        with self._lock:
            now = self._sync()
            rec = self._market_or_404(ticker)
            if rec["status"] == "finalized":
                raise conflict(
                    f"market {ticker} is already settled ({rec['result']})", "market_already_settled"
                )
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
