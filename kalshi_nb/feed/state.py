"""What the feed knows, updated one parsed message at a time: books, seq per sid, trades, tickers, private state.

Pure and single-threaded (the feed calls it under its lock): :meth:`FeedState.apply` takes one decoded
frame and returns the repairs it needs (a list of ``("snapshot", sid, tickers)``), so gap handling is tested
on saved payloads without a server.

Example:
    >>> s = FeedState()
    >>> s.subscribed(1, "orderbook_delta", ["M"])
    >>> s.apply({"type": "orderbook_snapshot", "sid": 1, "seq": 1, "msg": {"market_ticker": "M",
    ...          "yes_dollars_fp": [["0.40", "3.00"]]}}, now=0.0)
    []
    >>> s.apply({"type": "orderbook_delta", "sid": 1, "seq": 3, "msg": {"market_ticker": "M",
    ...          "price_dollars": "0.40", "delta_fp": "1.00", "side": "yes"}}, now=1.0)
    [('snapshot', 1, ['M'])]
    >>> s.books["M"].valid
    False
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..timeargs import wire_ms
from .books import Book, BookError, SeqTracker, Stamp
from .records import order_progress, rest_trade

PRIVATE_CHANNELS = ("fill", "user_orders", "market_positions")
Repair = tuple[str, int, list[str]]


@dataclass
class FeedState:
    """Books per ticker, the sid of each channel, and the latest public and private records.

    ``use_yes_price`` must match what was sent on subscribe. ``max_trades`` bounds the trade history.
    """

    use_yes_price: bool = False
    max_trades: int = 10_000
    books: dict[str, Book] = field(default_factory=dict)
    seqs: SeqTracker = field(default_factory=SeqTracker)
    channels: dict[int, str] = field(default_factory=dict)  # sid -> channel
    markets: dict[int, list[str]] = field(default_factory=dict)  # sid -> tickers asked for
    trades: deque[dict[str, Any]] = field(default_factory=deque)
    tickers: dict[str, dict[str, Any]] = field(default_factory=dict)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    fills: dict[str, dict[str, Any]] = field(default_factory=dict)
    positions: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    bad_deltas: int = 0
    messages: int = 0
    _seen_trades: set[str] = field(default_factory=set)
    # A clock of private updates: which orders and positions the feed changed after a REST read began.
    _private_clock: int = 0
    _touched: dict[tuple[str, str], int] = field(default_factory=dict)
    _stamps: dict[tuple[str, str], int] = field(default_factory=dict)  # the exchange's time of each update
    _confirms: dict[int, Stamp] = field(default_factory=dict)  # orderbook sid -> when it was last in order

    def subscribed(self, sid: int, channel: str, tickers: list[str]) -> None:
        """Record a ``subscribed`` answer; an orderbook sid's books wait (invalid) for their snapshots."""
        self.channels[sid] = channel
        self.markets[sid] = list(tickers)
        if channel == "orderbook_delta":
            stamp = self._confirms[sid] = Stamp()
            for t in tickers:
                book = self.books.setdefault(t, Book(t))
                book.invalidate()
                book.watch(stamp)

    def disconnected(self) -> None:
        """The connection is gone: every book is stale and every sid will be renumbered."""
        for book in self.books.values():
            book.invalidate()
            book.unwatch()
        self._confirms.clear()
        self.channels.clear()
        self.markets.clear()
        self.seqs.forget()

    def sids_of(self, channel: str) -> list[int]:
        return [sid for sid, ch in self.channels.items() if ch == channel]

    def stale(self) -> list[Repair]:
        """A snapshot request for every orderbook sid that has invalid books (for periodic retries)."""
        out: list[Repair] = []
        for sid in self.sids_of("orderbook_delta"):
            bad = [t for t in self.markets.get(sid, ()) if not self.books.get(t, Book(t)).valid]
            if bad:
                out.append(("snapshot", sid, bad))
        return out

    def apply(self, frame: Mapping[str, Any], *, now: float) -> list[Repair]:
        """Apply one decoded data frame; returns the snapshot requests it calls for (maybe none)."""
        # The feed's hot path: cheap checks first (a decoded frame's msg is a dict; Mapping is an ABC check).
        self.messages += 1
        kind = frame.get("type")
        sid = frame.get("sid")
        msg = frame.get("msg")
        if type(msg) is not dict:
            msg = msg if isinstance(msg, Mapping) else {}
        seq = frame.get("seq")
        if isinstance(sid, int) and isinstance(seq, int):
            verdict = self.seqs.check(sid, seq)
            if verdict == "duplicate":
                return []
            if verdict == "gap" and self.channels.get(sid) == "orderbook_delta":
                # A gap doesn't say which market lost a delta: every book of the sid is suspect.
                for t in self.markets.get(sid, ()):
                    self.books.setdefault(t, Book(t)).invalidate()
                repairs = [("snapshot", sid, list(self.markets.get(sid, ())))]
                if kind == "orderbook_snapshot":
                    self._snapshot(msg, now)  # a snapshot repairs its own market at once
                return repairs
            self._confirm(sid, now)
        if kind == "orderbook_delta":
            return self._delta(sid, msg, now)
        elif kind == "orderbook_snapshot":
            self._snapshot(msg, now)
        elif kind == "trade":
            self._trade(msg, frame.get("sending_ts_ms"))
        elif kind == "ticker":
            ticker = str(msg.get("market_ticker"))
            self.tickers[ticker] = {**self.tickers.get(ticker, {}), **msg}
        elif kind == "user_order":
            self._private("order", str(msg.get("order_id")), self.orders, msg, frame.get("sending_ts_ms"))
        elif kind == "fill":
            self.fills[str(msg.get("trade_id") or msg.get("fill_id"))] = dict(msg)
        elif kind == "market_position":
            self._private(
                "position", str(msg.get("market_ticker")), self.positions, msg, frame.get("sending_ts_ms")
            )
        return []

    def _private(
        self, kind: str, key: str, into: dict[str, dict[str, Any]], msg: Mapping[str, Any], sent: Any
    ) -> None:
        self._private_clock += 1
        self._touched[(kind, key)] = self._private_clock
        # market_position carries no time of its own: the envelope's send time stands in for it.
        stamp = msg.get("last_updated_ts_ms", sent)
        self._stamps[(kind, key)] = stamp if isinstance(stamp, int) else 0
        into[key] = dict(msg)

    def private_mark(self) -> int:
        """The private-update clock now; pass it to :meth:`reconcile` with the REST answers read after it."""
        return self._private_clock

    def _confirm(self, sid: int, now: float) -> None:
        # An in-order message proves nothing was missed on this sid up to now: one write to the sid's stamp
        # confirms every valid book of the sid (a loop over its books here cost O(markets) per message).
        stamp = self._confirms.get(sid)
        if stamp is not None and self.channels.get(sid) == "orderbook_delta":
            stamp.at = now

    def _snapshot(self, msg: Mapping[str, Any], now: float) -> None:
        ticker = str(msg.get("market_ticker"))
        book = self.books.get(ticker)
        if book is None:
            book = self.books[ticker] = Book(ticker)
        try:
            book.apply_snapshot(msg, use_yes_price=self.use_yes_price, now=now)
        except BookError:
            book.invalidate()
            self.bad_deltas += 1

    def _delta(self, sid: Any, msg: Mapping[str, Any], now: float) -> list[Repair]:
        ticker = msg.get("market_ticker")
        if type(ticker) is not str:
            ticker = str(ticker)
        book = self.books.get(ticker)
        if book is None:
            book = self.books[ticker] = Book(ticker)  # invalid until its snapshot: the delta is not applied
        try:
            book.apply_delta(msg, use_yes_price=self.use_yes_price, now=now)
        except BookError:
            self.bad_deltas += 1
            if isinstance(sid, int):
                return [("snapshot", sid, [ticker])]
        return []

    def _trade(self, msg: Mapping[str, Any], sending_ts_ms: Any) -> None:
        trade_id = str(msg.get("trade_id"))
        if trade_id in self._seen_trades:
            return
        self._seen_trades.add(trade_id)
        self.trades.append(rest_trade(msg, sending_ts_ms))
        while len(self.trades) > self.max_trades:
            old = self.trades.popleft()
            self._seen_trades.discard(str(old.get("trade_id")))

    def reconcile(
        self, orders: list[dict], fills: list[dict], positions: list[dict], *, since: int | None = None
    ) -> None:
        """Merge REST answers (orders, fills, market positions) read after a reconnect into private state.

        Those channels carry no ``seq``, so what was missed while away is knowable only from REST; but the
        feed keeps running while REST reads, and an update it delivered after the read began (``since``,
        from :meth:`private_mark`) may be newer than the REST answer. So per order and position: REST wins
        unless the feed touched the record after ``since`` and its copy is at least as far along (later
        update time, more filled, or terminal); a record missing from REST is dropped only if the feed has
        not touched it since. ``since=None`` means the read began now: REST replaces private state. Fills
        are only ever added. REST fields are named like the WS ones (``ticker`` on orders), so records are
        stored as given.

        Example:
            >>> s = FeedState()
            >>> mark = s.private_mark()
            >>> _ = s.apply({"type": "user_order", "msg": {"order_id": "new", "status": "resting"}}, now=0.0)
            >>> s.reconcile([{"order_id": "old", "status": "executed"}], [], [], since=mark)
            >>> sorted(s.orders)
            ['new', 'old']
        """
        mark = self._private_clock if since is None else since
        self.orders = self._merge("order", self.orders, {str(o.get("order_id")): o for o in orders}, mark)
        for f in fills:
            self.fills[str(f.get("trade_id") or f.get("fill_id"))] = dict(f)
        rest_positions = {str(p.get("ticker") or p.get("market_ticker")): p for p in positions}
        self.positions = self._merge("position", self.positions, rest_positions, mark)

    def _merge(
        self, kind: str, mine: dict[str, dict[str, Any]], rest: dict[str, dict[str, Any]], mark: int
    ) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for key in {*mine, *rest}:
            fresh = self._touched.get((kind, key), 0) > mark
            ws, answer = mine.get(key), rest.get(key)
            if answer is None:
                if fresh and ws is not None:
                    out[key] = ws
            elif (
                fresh
                and ws is not None
                and order_progress(ws, self._stamps.get((kind, key), 0)) >= order_progress(answer)
            ):
                out[key] = ws
            else:
                out[key] = dict(answer)
        self._touched = {k: v for k, v in self._touched.items() if v > mark}
        self._stamps = {k: v for k, v in self._stamps.items() if k in self._touched}
        return out

    def merge_trades(self, records: list[dict[str, Any]]) -> int:
        """Add REST trade records (``GET /markets/trades``, e.g. the backfill of a gap, ``feed/backfill.py``)
        not already held, by ``trade_id``; keep the history oldest first and within ``max_trades`` (a trade
        older than the bound keeps is not kept). Returns how many were new and kept.

        Example:
            >>> s = FeedState()
            >>> _ = s.apply({"type": "trade", "sid": 1, "seq": 1, "msg": {"trade_id": "b", "ts_ms": 2000}}, now=0)
            >>> s.merge_trades([{"trade_id": "a", "created_time": "1970-01-01T00:00:01Z"},
            ...                 {"trade_id": "b", "created_time": "1970-01-01T00:00:02Z"}])
            1
            >>> [t["trade_id"] for t in s.trades]
            ['a', 'b']
        """
        new = []
        for rec in records:
            trade_id = str(rec.get("trade_id"))
            if trade_id not in self._seen_trades:
                self._seen_trades.add(trade_id)
                new.append(dict(rec))
        if not new:
            return 0
        # Backfilled trades are older than some held ones: order by creation time (stable), so that the
        # max_trades bound drops the oldest, as it does for trades that arrive live.
        merged = sorted([*self.trades, *new], key=_created_key)
        self.trades = deque(merged)
        while len(self.trades) > self.max_trades:
            self._seen_trades.discard(str(self.trades.popleft().get("trade_id")))
        return sum(1 for rec in new if str(rec.get("trade_id")) in self._seen_trades)  # those kept


def _created_key(trade: Mapping[str, Any]) -> int:
    return wire_ms(trade.get("created_time")) or 0
