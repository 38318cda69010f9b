"""The ticket's live feed: the chosen market's book and the placed order's state, pushed by the exchange.

``LiveTicket`` is a mixin of ``OrderTicket``. When the client has a WebSocket URL (the sandbox's, or
Kalshi's for prod and demo) the ticket opens one :class:`kalshi_nb.feed.Feed` for the chosen market
(channels ``orderbook_delta``, ``ticker``, ``user_orders``, ``fill``) and opens a new one when the market
changes. The feed's thread never touches a widget: its callbacks only set flags, and one redraw thread
(at most one redraw each ``redraw_interval`` seconds, and once a second on a quiet feed so ages count)
takes the ticket's lock and renders. What it reads becomes ``Facts`` (``live``, ``book_valid``,
``book_age``, the placed order's status and counts); ``ticket.state.derive`` decides what shows.

The placed order follows ``user_order`` and ``fill`` messages, never REST polling; the orders panel reads
again (REST) when the feed reports a change to your orders. Without a feed (no URL, refused, down) the
ticket works over REST as before and says the live book is unavailable.

Example:
    >>> further({"status": "executed", "fill_count_fp": "3.00"}, {"status": "resting", "fill_count_fp": "1.00"})
    True
    >>> further({"status": "resting", "fill_count_fp": "1.00"}, {"status": "canceled", "fill_count_fp": "1.00"})
    False
"""

from __future__ import annotations

import html
import logging
import re
import threading
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .. import config
from ..display.book import book_html
from ..feed.records import order_progress
from ..feed.view import STALE_AFTER
from .controls import NO_MATH
from .messages import sentence
from .state import Phase

if TYPE_CHECKING:
    from ..client import KalshiClient
    from ..feed import Feed
    from ..orders import PlacedOrder
    from .panel import OrdersPanel
    from .state import Event, View

log = logging.getLogger("kalshi_nb.ticket")

__all__ = ["LIVE_CHANNELS", "LIVE_DEPTH", "LiveTicket", "further", "live_book_html", "plain_feed_error"]

LIVE_CHANNELS = ("orderbook_delta", "ticker", "user_orders", "fill")
LIVE_DEPTH = 5  # levels a side on the ticket's ladder: the form stays compact (the live view shows more)


def further(new: Mapping[str, Any], old: Mapping[str, Any]) -> bool:
    """True when ``new`` (the feed's copy of an order) may replace ``old`` (what the ticket shows).

    An order only moves forward: it never un-ends (executed, canceled) and never un-fills; an older update
    (both stamped) never replaces a newer one, so a late message cannot undo a Refresh.

    Example:
        >>> further({"status": "resting", "fill_count_fp": "2.00"}, {"status": "resting", "fill_count_fp": "1.00"})
        True
    """
    (end_new, fill_new, ms_new), (end_old, fill_old, ms_old) = order_progress(new), order_progress(old)
    if (end_old and not end_new) or fill_new < fill_old:
        return False
    if ms_new and ms_old and ms_new < ms_old:
        return False
    return dict(new) != dict(old)


def live_book_html(view: View, book: Mapping[str, Any] | None, ticker: str) -> str:
    """The live ladder as the view says: drawn as is when current, dimmed and struck through when stale.

    Example:
        >>> from kalshi_nb.ticket.state import Facts, Phase, derive
        >>> stale = derive(Phase.EDITING, Facts(ticker="T", live="live", book_valid=False, book_age=9.0))
        >>> "STALE" in live_book_html(stale, {"yes_dollars": [["0.40", "1.00"]]}, "T")
        True
    """
    line = (
        f'<div class="{NO_MATH}" style="color:{view.book_colour};font-size:12px;font-weight:600">'
        f"{html.escape(view.book_text)}</div>"
        if view.book_text
        else ""
    )
    if not view.show_book or book is None:
        return f'<div class="kalshi-live-book kalshi-live-none">{line}</div>' if line else ""
    ladder = book_html(book, ticker=ticker, depth=LIVE_DEPTH)
    if view.book_fresh:
        return f'<div class="kalshi-live-book kalshi-live-fresh">{line}{ladder}</div>'
    return (
        f'<div class="kalshi-live-book kalshi-live-stale">{line}'
        f'<div style="opacity:.35;filter:grayscale(1);text-decoration:line-through">{ladder}</div></div>'
    )


def _redraws(ref: weakref.ref[LiveTicket], stop: threading.Event, dirty: threading.Event, gap: float) -> None:
    """The redraw thread: wakes on a feed change, when the feed's connection or the book's validity changes
    (checked four times a second: a drop sends no frame), or each second (ages count), and redraws; after a
    feed change it rests ``gap`` seconds, so a busy book redraws at most about 1/gap times a second."""
    settle, quiet = min(0.02, gap), 0.0
    while not stop.is_set():
        woke = dirty.wait(0.25)  # a feed change
        if woke:
            stop.wait(settle)  # one write makes a burst of frames (delta, ticker, order): draw them together
        if stop.is_set():
            return
        ticket = ref()
        if ticket is None:
            return
        quiet = 0.0 if woke else quiet + 0.25
        if woke or quiet >= 1.0 or ticket._live_moved():
            quiet = 0.0
            dirty.clear()
            try:
                ticket.live_update()
            except Exception:  # a display refresh must never kill the thread
                log.debug("order ticket: live redraw failed", exc_info=True)
        del ticket
        if woke:
            stop.wait(gap - settle)


class LiveTicket:
    """The live-feed half of ``OrderTicket`` (which owns the attributes named below)."""

    if TYPE_CHECKING:
        client: KalshiClient
        placed: PlacedOrder | None
        phase: Phase
        orders_panel: OrdersPanel
        live_book: Any
        _market: dict | None
        _placed_order: dict | None
        _lock: threading.RLock

        def render(self) -> View: ...
        def _show_placed(self, order: dict) -> None: ...
        def _event(self, event: Event) -> None: ...

    _feed: Feed | None = None
    _live_url: str | None = None
    _live_note: str = ""
    _live_ever = False
    _book_shown: str | None = None  # the live ladder's HTML as last sent (None: send the next one)
    _live_levels: dict[str, Any] | None = None  # the book as read with the facts (Book.as_rest)
    _live_drawn: tuple[bool, bool] | None = None  # (connected, valid) as last drawn
    book_max_age = STALE_AFTER

    def _start_live(self, live: bool | None, redraw_interval: float) -> None:
        """Decide whether the ticket goes live (``live=None``: when a WebSocket URL is known), start the
        redraw thread; the feed itself opens with the first market (``_follow_market``)."""
        self._dirty, self._private_dirty = threading.Event(), threading.Event()
        self._live_stop = threading.Event()
        self._live_thread: threading.Thread | None = None
        self._feed_ticker = ""
        if live is False:
            return
        try:
            url = config.get_ws_url(self.client.api_base, ws_url=getattr(self.client, "ws_url", None))
        except ValueError as exc:
            if live:  # asked for explicitly: say why not; by default a client without a feed stays as it was
                self._live_url, self._live_note = "", sentence(exc).rstrip(".")
            return
        if self.client.is_read_only:
            self._live_url, self._live_note = "", "the feed needs a signed connection: a client with a key"
            return
        self._live_url = url
        self._live_thread = threading.Thread(
            target=_redraws,
            args=(weakref.ref(self), self._live_stop, self._dirty, max(0.05, redraw_interval)),
            name="kalshi-ticket-live",
            daemon=True,
        )
        self._live_thread.start()

    @property
    def feed(self) -> Feed | None:
        """The ticket's live feed of the chosen market (None without one)."""
        return self._feed

    def _follow_market(self, ticker: str) -> None:
        """Point the feed at ``ticker``: a new market closes the old feed and opens one for the new one."""
        if not self._live_url or ticker == self._feed_ticker:
            return
        self._close_feed()
        self._feed_ticker, self._live_ever, self._book_shown = ticker, False, None
        if not ticker:
            return
        from ..feed import Feed  # websockets only when a ticket goes live

        try:
            feed = Feed([ticker], LIVE_CHANNELS, client=self.client, url=self._live_url, backoff=(0.25, 10.0))
        except Exception as exc:  # never break the form: it works over REST
            log.debug("order ticket: the feed could not start", exc_info=True)
            self._live_note = sentence(exc).rstrip(".")
            return
        self._live_note = ""
        # The callbacks hold the flags, not the ticket: a forgotten ticket can still be collected, and
        # then its finalizer closes the feed (whose own thread would otherwise keep it alive).
        dirty, private = self._dirty, self._private_dirty

        def mine(_frame: dict[str, Any]) -> None:
            private.set()
            dirty.set()

        feed.on("*", lambda _frame: dirty.set())
        for kind in ("user_order", "fill"):
            feed.on(kind, mine)
        self._feed, self._feed_closer = feed, weakref.finalize(self, feed.close)

    def _close_feed(self) -> None:
        closer, self._feed = getattr(self, "_feed_closer", None), None
        self._live_levels = self._live_drawn = None
        if closer is not None:
            closer()  # feed.close(), once

    def _close_live(self) -> None:
        """Stop the redraw thread and close the feed (``OrderTicket.close``)."""
        self._live_stop.set()
        self._dirty.set()
        thread = self._live_thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        self._close_feed()
        self._live_url = None

    def _live_facts(self) -> dict[str, Any]:
        """The feed's part of ``Facts``: its state, the book's validity and age."""
        feed, url = self._feed, self._live_url
        if url is None:
            return {"live": "off"}
        if feed is None:
            return {
                "live": "unavailable" if self._live_note or not url else "connecting",
                "live_note": self._live_note,
            }
        health = feed.health
        book = feed.book(self._feed_ticker)
        # The levels first, then whether the book is valid: levels read before a valid answer were valid
        # as far as the feed knows, so the ladder drawn never outlives the validity it is labelled with.
        self._live_levels = book.as_rest()
        valid, age = book.valid, book.age
        self._live_drawn = (health.connected, valid)
        self._live_ever = self._live_ever or health.connected
        if health.connected:
            state, note = "live", ""
        elif self._live_ever:
            state, note = "down", health.last_error or "the connection closed"
        elif health.last_error:
            state, note = "unavailable", health.last_error
        else:
            state, note = "connecting", ""
        return {
            "live": state,
            "live_note": plain_feed_error(note) if note else "",
            "book_valid": valid,
            "book_age": None if age == float("inf") else age,
            "book_max_age": self.book_max_age,
        }

    def _live_moved(self) -> bool:
        """Whether the feed's connection or the book's validity differs from what was last drawn (cheap: no
        lock of the ticket, no request)."""
        feed = self._feed
        now = (feed.connected, feed.book(self._feed_ticker).valid) if feed is not None else None
        return now != self._live_drawn

    def _apply_live(self, view: View) -> None:
        book = self._live_levels if self._feed is not None and view.show_book else None
        shown = live_book_html(view, book, self._feed_ticker)
        if shown != self._book_shown:  # re-sending the same HTML would make the browser re-draw it
            self._book_shown = shown
            self.live_book.value = shown

    def _follow_placed(self) -> None:
        """Show the placed order as the feed last reported it, if that is further along than what shows."""
        placed, feed = self.placed, self._feed
        if placed is None or feed is None or self.phase not in (Phase.PLACED, Phase.CANCELLED):
            return
        record = feed.orders.get(placed.order_id)
        if record is None:
            return
        shown = self._placed_order or {
            "status": placed.status, "fill_count_fp": str(placed.fill_count),
            "remaining_count_fp": str(placed.remaining_count),
        }  # fmt: skip
        if further(record, shown):
            self._show_placed(record)

    def live_update(self) -> View | None:
        """Take what the feed pushed (the book, the placed order) and render; what the redraw thread calls.

        Returns None, and tries again on the next round, when a handler holds the form.
        """
        if not self._lock.acquire(blocking=False):
            self._dirty.set()
            return None
        try:
            self._follow_placed()
            view = self.render()  # first what the feed said, then the panel's slower REST read
            if self._private_dirty.is_set():
                self._private_dirty.clear()
                self.orders_panel.refresh()  # one REST read per burst of changes the feed reported
            return view
        finally:
            self._lock.release()


_PLAIN = (
    ("InvalidStatus", "the exchange refused the connection"),
    ("InvalidHandshake", "the exchange refused the connection"),
    ("ConnectionClosed", "the connection closed"),
    ("ConnectionRefused", "nothing answers at the feed's address"),
    ("Timeout", "the feed did not answer in time"),
    ("REST reconciliation failed", "your orders could not be re-read after connecting"),
)


def plain_feed_error(text: str | None) -> str:
    """The feed's last error (``Health.last_error``) as a short plain clause, without exception names.

    Example:
        >>> plain_feed_error("InvalidStatus: server rejected WebSocket connection: HTTP 401")
        'the exchange refused the connection, HTTP 401'
        >>> plain_feed_error("ConnectionClosedError: no close frame received or sent")
        'the connection closed'
    """
    text = " ".join(str(text or "").split()).rstrip(".")
    for marker, words in _PLAIN:
        if text.startswith(marker):
            status = re.search(r"HTTP (\d{3})", text)
            return f"{words}, HTTP {status.group(1)}" if status else words
    text = re.sub(r"^\w+(Error|Exception)\b:?\s*", "", text) or "the connection failed"
    return text if len(text) <= 120 else text[:117] + "…"
