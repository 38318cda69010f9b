"""The exchange's change bus: ``listen(fn)`` calls ``fn(event)`` under the exchange lock for every change.

Why a diff and not a hook at every place a book changes: a book level changes in many places (a fill
lowers an entry's ``remaining`` in place, a cancel lifts an entry, a market close replaces the book), and
a missed hook would be a silent wrong book on every client. Instead the layers only mark what they
touched (``_touch_book``, ``_touch_order``, ...), and at every ``_bump`` (the one call each change already
makes) the bus compares each touched book with the levels it last published and emits the differences.
So the deltas after any snapshot always add up to the book REST shows at that moment.

Events (dicts; prices in each side's own terms, as ``orderbook_delta`` with ``use_yes_price`` false):

- ``{"kind": "book", "ticker", "side": "yes"|"no", "price": "0.4500", "delta": "10.00", "clock": int}``
- ``{"kind": "trade", **trade record}``, ``{"kind": "fill", "user_id", **fill record}``
- ``{"kind": "order", **order record}`` (the record has ``user_id``)
- ``{"kind": "position", "user_id", "subaccount", **position record}``
- ``{"kind": "lifecycle", "ticker", "status", "result"}``, ``{"kind": "ticker", "ticker"}`` (a new market, from
  ``windows``, is a ``lifecycle`` event with status ``initialized``)
- ``{"kind": "event_created", "event_ticker"}`` (``windows``: a new event),
  ``{"kind": "event_fee", "event_ticker", "fee_type_override", "fee_multiplier_override"}`` (``eventfees``)
- ``{"kind": "reset"}``: the exchange was rebuilt from its seed; every earlier event is void

Example:
    >>> from kalshi_nb.sandbox.exchange import Exchange
    >>> ex = Exchange(seed=1)
    >>> seen = []
    >>> stop = ex.listen(seen.append)
    >>> stop()
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..money import count_str, pip_str

Listener = Callable[[dict], None]

# Market record fields the ticker channel reports; a change to any of them is a ticker event.
TICKER_FIELDS = frozenset(
    {
        "last_price_dollars", "yes_bid_dollars", "yes_ask_dollars", "yes_bid_size_fp", "yes_ask_size_fp",
        "volume_fp", "open_interest_fp",
    }
)  # fmt: skip


class Bus:
    """Mixin: the listeners, the published book levels, and the flush at every ``_bump``."""

    _books: dict[str, Any]
    _lock: Any
    _listeners: list[Listener]

    def _bus_init(self) -> None:
        if not hasattr(self, "_listeners"):
            self._listeners = []
        elif self._listeners:
            self._emit({"kind": "reset"})  # the state is rebuilt (Sandbox.reset): what was published is void
        self._published: dict[str, tuple[dict[int, int], dict[int, int]]] = {}
        self._clocks: dict[str, int] = {}
        self._clock_n = 0
        self._dirty_books: set[str] = set()
        self._dirty_orders: dict[str, Any] = {}
        self._dirty_positions: dict[tuple[int, str], tuple[Any, str]] = {}
        self._dirty_tickers: set[str] = set()

    def listen(self, fn: Listener) -> Callable[[], None]:
        """Call ``fn(event)`` for every change, synchronously under the exchange lock; return ``unlisten``.

        ``fn`` must be quick and must not call back into the exchange from another thread while it
        holds its own locks (it runs with the exchange lock held).

        Example:
            >>> events = []
            >>> unlisten = sb.exchange.listen(events.append)
            >>> unlisten()
        """
        with self._lock:
            self._listeners = [*self._listeners, fn]

        def unlisten() -> None:
            with self._lock:
                self._listeners = [f for f in self._listeners if f is not fn]

        return unlisten

    def _emit(self, event: dict) -> None:
        for fn in self._listeners:
            fn(event)

    # --- marks, from the layers -----------------------------------------------------------------------
    def _touch_book(self, ticker: str) -> None:
        self._dirty_books.add(ticker)

    def _touch_order(self, order: Any) -> None:
        self._dirty_orders[order.order_id] = order

    def _touch_position(self, acct: Any, ticker: str) -> None:
        self._dirty_positions[(id(acct), ticker)] = (acct, ticker)

    def _touch_market(self, ticker: str, old: dict, changes: dict) -> None:
        """A market record changed: a lifecycle event for a new status, a ticker event for a new quote."""
        status = changes.get("status")
        if status is not None and status != old.get("status"):
            self._emit(
                {"kind": "lifecycle", "ticker": ticker, "status": status, "result": changes.get("result")}
            )
        if any(k in TICKER_FIELDS and old.get(k) != v for k, v in changes.items()):
            self._dirty_tickers.add(ticker)

    # --- the flush ------------------------------------------------------------------------------------
    def _levels(self, ticker: str) -> tuple[dict[int, int], dict[int, int]]:
        """The book's levels as the bus sees them now: ({yes price pips: size}, {no price pips: size})."""
        book = self._books.get(ticker)
        if book is None:
            return {}, {}
        out: list[dict[int, int]] = []
        for yes in (True, False):
            levels, prices = book.side(yes)
            side: dict[int, int] = {}
            for p in prices:
                size = sum(e.remaining for e in levels[p])
                if size:
                    side[p] = size
            out.append(side)
        return out[0], out[1]

    def _flush(self) -> None:
        """Emit what changed since the last flush (called from ``_bump``, so under the lock)."""
        if not self._listeners:
            # Nobody listens: keep the published levels current without building events.
            for ticker in self._dirty_books:
                self._published[ticker] = self._levels(ticker)
            self._dirty_books.clear()
            self._dirty_orders.clear()
            self._dirty_positions.clear()
            self._dirty_tickers.clear()
            return
        while self._dirty_books:
            self._flush_book(self._dirty_books.pop())
        while self._dirty_orders:
            _, order = self._dirty_orders.popitem()
            if order.record:
                self._emit({"kind": "order", **order.record})
        while self._dirty_positions:
            _, (acct, ticker) = self._dirty_positions.popitem()
            pos = acct.positions.get(ticker)
            if pos is not None:
                rec = self._position_dict(pos, acct.exchange_index)  # type: ignore[attr-defined]
                self._emit(
                    {"kind": "position", "user_id": acct.user_id, "subaccount": acct.subaccount, **rec}
                )
        while self._dirty_tickers:
            self._emit({"kind": "ticker", "ticker": self._dirty_tickers.pop()})

    def _flush_book(self, ticker: str) -> None:
        old_yes, old_no = self._published.get(ticker, ({}, {}))
        new_yes, new_no = self._levels(ticker)
        self._published[ticker] = (new_yes, new_no)
        changes = []
        for side, old, new in (("yes", old_yes, new_yes), ("no", old_no, new_no)):
            for p in sorted(old.keys() | new.keys()):
                d = new.get(p, 0) - old.get(p, 0)
                if d:
                    changes.append((side, p, d))
        if not changes:
            return
        self._clock_n += 1  # one clock per action; clocks skip values within a market, as live
        self._clocks[ticker] = self._clock_n
        for side, p, d in changes:
            self._emit({"kind": "book", "ticker": ticker, "side": side, "price": pip_str(p),
                        "delta": _signed_count(d), "clock": self._clock_n})  # fmt: skip

    def book_snapshot(self, ticker: str) -> dict:
        """The book exactly as the bus has published it, with its clock (call under the lock, or rely on
        the lock taken here): ``{"yes": [[price, size], ...], "no": [...], "clock": int}``, ascending.

        Every event emitted after this call (in the same lock hold) is a change on top of it.

        Example:
            >>> sorted(sb.exchange.book_snapshot(ticker))
            ['clock', 'no', 'yes']
        """
        with self._lock:
            self._sync()  # type: ignore[attr-defined]
            self._market_or_404(ticker)  # type: ignore[attr-defined]
            self._book(ticker)  # type: ignore[attr-defined]  # creates the house book (and flushes it)
            self._flush()
            yes, no = self._published.get(ticker, ({}, {}))
            return {
                "yes": [[pip_str(p), count_str(s)] for p, s in sorted(yes.items())],
                "no": [[pip_str(p), count_str(s)] for p, s in sorted(no.items())],
                "clock": self._clocks.get(ticker, 0),
            }


def _signed_count(hundredths: int) -> str:
    """A signed count in hundredths as Kalshi's 2-decimal ``delta_fp`` ("-54.00", "10.00")."""
    sign = "-" if hundredths < 0 else ""
    return sign + count_str(abs(hundredths))
