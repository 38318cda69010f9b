"""``LiveMarketView``: a market's live book, trades, YES price and clock in a notebook, redrawn in place.

How it stays cheap and never blocks the kernel: the feed runs on its own thread (``kalshi_nb.feed``); its
callbacks only append a trade and set a "changed" flag. One redraw thread wakes at most ``max_fps`` times a
second and redraws only when something changed, or once a second for the clock: many messages in between
cost one redraw. A redraw takes a snapshot under the feed's lock (so a book and its validity are read
together), calls the pure ``render.render`` and sets ``.value`` on the HTML boxes whose text changed.

A view that picked the current KXBTC15M window itself moves to the next window when the exchange says
this one closed (a new feed, the trades and line start over).

It stops with the Stop button, ``view.stop()`` (the boxes stay, greyed, saying "stopped"), ``view.close()``
or closing its widget (the boxes go too), and at interpreter exit: the redraw thread ends and the feed is
closed if the view opened it (a feed passed in is left to its owner).

Example:
    >>> feed = kalshi_nb.stream([ticker], client=client, url=sb.ws_url)
    >>> view = LiveMarketView(ticker, feed=feed, max_fps=4)
    >>> feed.wait_for(lambda f: f.book(ticker).valid, timeout=10) and view.redraw().connected
    True
    >>> view.close(); view.running, feed.connected      # a feed passed in is left open
    (False, True)
    >>> feed.close()
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import logging
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from datetime import datetime, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..display.timefmt import to_datetime
from ..feed.records import rest_trade
from ..ticks import run_ticks
from .render import LiveState, fresh, mid, render

if TYPE_CHECKING:
    from ..client import KalshiClient
    from ..feed import Feed

log = logging.getLogger("kalshi_nb.liveview")

__all__ = ["CHANNELS", "LiveMarketView", "current_window", "live_view"]

CHANNELS = ("orderbook_delta", "trade", "ticker", "user_orders")
_MAX_TRADES = 200
_MAX_SAMPLES = 3600  # an hour of once-a-second YES mid samples
_BOXES = ("header", "book", "trades", "chart", "health")
_LIVE: weakref.WeakSet[LiveMarketView] = weakref.WeakSet()  # stopped at interpreter exit


def current_window(
    client: KalshiClient, series: str = "KXBTC15M", now: datetime | None = None
) -> dict[str, Any]:
    """The open market of ``series`` that closes first after ``now`` (the current 15-minute window).

    If this computer's clock is past every open market's close (a clock that disagrees with the
    exchange's), the one that closes first is still the current one.

    Example:
        >>> current_window(client)["ticker"].startswith("KXBTC15M-")
        True
    """
    answer = client.get_markets(series_ticker=series, status="open", limit=200)
    markets: list[dict[str, Any]] = [dict(m) for m in answer.get("markets", [])]
    if not markets:
        raise ValueError(f"no open {series} market right now: pass ticker= (a market ticker) instead")
    when = now or datetime.now(timezone.utc)
    far = datetime.max.replace(tzinfo=timezone.utc)

    def closes(m: dict[str, Any]) -> datetime:
        return to_datetime(m.get("close_time")) or far

    ahead = [m for m in markets if closes(m) > when]
    return min(ahead or markets, key=closes)


class LiveMarketView:
    """The live view of one market (see :func:`live_view`). Attributes: ``ticker``, ``feed`` (None when no
    feed could be opened; ``error`` says why), ``widget`` (the ipywidgets box), the boxes ``header``,
    ``book``, ``trades``, ``chart``, ``health`` and ``stop_button``; ``redraws`` counts redraws done.

    ``follow`` is True when the view picked the current window of ``series`` itself (no ``ticker``) and owns
    its feed: once the exchange says that window closed, it moves to the next one (``switches`` counts it).

    ``clock`` (monotonic seconds) and ``now`` (aware datetimes: the window's time left) are for tests;
    ``start=False`` runs no redraw thread (call :meth:`tick` or :meth:`redraw`).
    """

    # built by _build (ipywidgets types; Any keeps ipywidgets out of the import)
    widget: Any
    stop_button: Any
    header: Any
    book: Any
    trades: Any
    chart: Any
    health: Any

    def __init__(
        self,
        ticker: str | None = None,
        *,
        client: KalshiClient | None = None,
        feed: Feed | None = None,
        depth: int = 10,
        max_fps: float = 4.0,
        series: str = "KXBTC15M",
        now: Callable[[], datetime] | None = None,
        clock: Callable[[], float] | None = None,
        start: bool = True,
    ) -> None:
        if not max_fps > 0:
            raise ValueError(f"max_fps must be positive, got {max_fps!r}")
        if client is None:
            if feed is not None:
                client = feed.client
            else:
                from ..defaults import default_client

                client = default_client()
        self.client = client
        self.depth = int(depth)
        self.interval = 1.0 / float(max_fps)
        self._now = now or (lambda: datetime.now(timezone.utc))
        self._clock = clock or time.monotonic
        market = current_window(client, series, self._now()) if ticker is None else client.get_market(ticker)
        self.ticker = str(market["ticker"])
        self._market = dict(market)
        self._market_read = self._clock()
        self.redraws = 0
        self.switches = 0  # windows moved on to (``follow``)
        self.error: str | None = None
        self._draw_lock = threading.RLock()  # one redraw (or window switch) at a time
        self._data_lock = threading.Lock()  # trades and samples; held briefly, also by the feed's thread
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._stopped = False
        self._last_draw = -1e18
        self._trades: deque[dict[str, Any]] = deque(maxlen=_MAX_TRADES)
        self._trade_ids: set[str] = set()
        self._samples: deque[tuple[float, Decimal]] = deque(maxlen=_MAX_SAMPLES)
        self._owns_feed = feed is None
        self.series = series
        # The current window moves on every 15 minutes: follow it, if the view picked it and owns its feed.
        self.follow = ticker is None and feed is None
        self.feed: Feed | None = feed
        if feed is None:
            self.feed = self._open_feed()
        self._off: Callable[[], None] | None = None
        if self.feed is not None:
            self._off = self.feed.on("*", self._on_frame)
        self._build()
        self.redraw()
        self._thread: threading.Thread | None = None
        if start:
            self._thread = threading.Thread(
                target=run_ticks,
                args=(weakref.ref(self), self._stop, self.interval, "live view"),
                name=f"kalshi-live-view-{self.ticker}",
                daemon=True,
            )
            self._thread.start()
        _LIVE.add(self)

    # --- the feed ------------------------------------------------------------------------------------------
    def _open_feed(self) -> Feed | None:
        from ..feed import stream
        from ..ticket.messages import sentence

        try:
            return stream([self.ticker], CHANNELS, client=self.client)
        except Exception as exc:  # no WebSocket for this host, a read-only client, ...: shown, not raised
            log.debug("live view: no feed", exc_info=True)
            self.error = sentence(exc, "opening the live feed")
            return None

    def _on_frame(self, frame: dict[str, Any]) -> None:
        # On the feed's thread, after the frame was applied: keep it short (no rendering here).
        if frame.get("type") == "trade":
            msg = frame.get("msg")
            if isinstance(msg, dict) and msg.get("market_ticker") == self.ticker:
                trade_id = str(msg.get("trade_id"))
                with self._data_lock:
                    if trade_id not in self._trade_ids:  # a duplicated frame is one trade
                        if len(self._trades) == self._trades.maxlen:
                            self._trade_ids.discard(str(self._trades[-1].get("trade_id")))
                        self._trade_ids.add(trade_id)
                        self._trades.appendleft(rest_trade(msg, frame.get("sending_ts_ms")))
        self._dirty.set()

    # --- the widget ----------------------------------------------------------------------------------------
    def _build(self) -> None:
        import ipywidgets as W  # here, not at import: `kalshi_nb.live_view` resolves without loading it

        owner = weakref.ref(self)

        class _Root(W.VBox):
            def close(self) -> None:  # closing the widget stops the view (threads, and its own feed)
                view = owner()
                if view is not None:
                    view.stop()
                super().close()

        for name in _BOXES:
            box = W.HTML(layout=W.Layout(width="auto"))
            box.add_class(f"kalshi-live-{name}-box")
            setattr(self, name, box)
        self.stop_button = W.Button(
            description="Stop", icon="stop", tooltip="Stop the live view (closes its feed)"
        )
        self.stop_button.add_class("kalshi-live-stop")
        self.stop_button.on_click(lambda _b: self.stop())
        left = W.VBox([self.header, self.book], layout=W.Layout(width="auto"))
        right = W.VBox([self.chart, self.trades], layout=W.Layout(width="auto", margin="0 0 0 16px"))
        footer = W.HBox([self.stop_button, self.health], layout=W.Layout(align_items="center"))
        self.widget = _Root([W.HBox([left, right]), footer])
        self.widget.add_class("kalshi-live")

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = self.widget._repr_mimebundle_(**kwargs)
        if isinstance(bundle, dict) and "text/plain" in bundle:
            bundle["text/plain"] = repr(self)  # not the widget tree's repr, in a saved notebook or a console
        return bundle

    def __repr__(self) -> str:
        state = "stopped" if self._stopped else ("live" if self.feed is not None else "not connected")
        return f"<LiveMarketView {self.ticker} {state} redraws={self.redraws}>"

    # --- drawing -------------------------------------------------------------------------------------------
    def snapshot(self) -> LiveState:
        """What the view shows now, read at one moment (the book and its validity under the feed's lock)."""
        feed, book, valid, age, health, mine = self.feed, None, False, None, None, frozenset[Decimal]()
        if feed is not None:
            # The feed's one lock (an RLock): the book, its validity and its age are one consistent reading.
            with feed._lock:
                live = feed.book(self.ticker)
                book, valid, age = live.as_rest(), live.valid, live.age
                health = feed.health
                orders = feed.orders
            mine = frozenset(
                Decimal(str(o["yes_price_dollars"]))
                for o in orders.values()
                if o.get("ticker") == self.ticker
                and o.get("status") == "resting"
                and o.get("yes_price_dollars")
            )
        with self._data_lock:
            trades = tuple(self._trades)
            samples = tuple(self._samples)
        m = self._market
        return LiveState(
            ticker=self.ticker,
            now=self._now(),
            title=str(m.get("yes_sub_title") or m.get("title") or ""),
            open_time=to_datetime(m.get("open_time")),
            close_time=to_datetime(m.get("close_time")),
            status=m.get("status"),
            book=book,
            valid=valid,
            book_age=None if age is None or age == float("inf") else age,
            connected=bool(health and health.connected),
            last_message_age=health.last_message_age if health else None,
            messages=health.messages if health else 0,
            gaps=health.gaps if health else 0,
            gaps_recovered=health.gaps_recovered if health else 0,
            reconnects=health.reconnects if health else 0,
            error=self.error or (health.last_error if health else None),
            trades=trades,
            prices=samples,
            mine=mine,
            stopped=self._stopped,
            depth=self.depth,
        )

    def _sample(self, state: LiveState) -> bool:
        """Grow the YES price line: a sample when the mid of a current book changes, or each second.
        Stale books add nothing (the line never shows a price that may be wrong). Returns whether it grew."""
        price = mid(state.book) if fresh(state) else None
        if price is None:
            return False
        t = state.now.timestamp()
        with self._data_lock:
            last = self._samples[-1] if self._samples else None
            if last is None or last[1] != price or t - last[0] >= 1.0:
                self._samples.append((t, price))
                return True
        return False

    def redraw(self) -> LiveState:
        """Draw now (whatever the rate limit says); returns the state drawn."""
        self._refresh_market()  # a REST read at most every 10 s, past the close: outside the drawing lock
        with self._draw_lock:
            self._dirty.clear()
            self._last_draw = self._clock()
            state = self.snapshot()
            if self._sample(state):
                with self._data_lock:
                    state = dataclasses.replace(state, prices=tuple(self._samples))
            for name, text in zip(_BOXES, render(state), strict=True):
                box = getattr(self, name)
                if box.value != text:  # the same HTML again would make the browser redraw for nothing
                    box.value = text
            self.redraws += 1
            return state

    def tick(self) -> bool:
        """Redraw if it is due: something changed and ``1/max_fps`` passed since the last redraw, or a second
        passed (the clock). What the redraw thread calls; returns whether it redrew."""
        if self._stopped:
            return False
        since = self._clock() - self._last_draw
        if since < self.interval - 1e-9:
            return False
        if not self._dirty.is_set() and since < 1.0:
            return False
        self.redraw()
        return True

    def _refresh_market(self) -> None:
        # Past the close by this clock: read the market again (at most every 10 s) so "closed" is the
        # exchange's word, not a guess; once it is closed, a view that follows the window moves on.
        close = to_datetime(self._market.get("close_time"))
        if close is None or self._now() < close or self._clock() - self._market_read < 10.0:
            return
        self._market_read = self._clock()
        try:
            market = dict(self.client.get_market(self.ticker))
            self._market = market
            if self.follow and not self._stopped and market.get("status") not in ("active", "open"):
                nxt = current_window(self.client, self.series, self._now())
                if nxt["ticker"] != self.ticker and nxt.get("status") in ("active", "open"):
                    self._switch(nxt)
        except Exception:  # a failed read keeps what is shown; the next try is in 10 s
            log.debug("live view: reading the market failed", exc_info=True)

    def _switch(self, market: dict[str, Any]) -> None:
        """Watch ``market`` instead (the next window): a new feed for it, the trades and line start over."""
        with self._draw_lock:
            if self._stopped:
                return
            if self._off is not None:
                self._off()
            old, self.feed = self.feed, None
            if old is not None:
                old.close()
            with self._data_lock:
                self._trades.clear()
                self._trade_ids.clear()
                self._samples.clear()
            self.ticker, self._market = str(market["ticker"]), dict(market)
            self.error = None
            self.feed = self._open_feed()
            self._off = self.feed.on("*", self._on_frame) if self.feed is not None else None
            self.switches += 1

    # --- stopping ------------------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        """True while the redraw thread runs or the view's own feed is open."""
        thread_alive = self._thread is not None and self._thread.is_alive()
        return thread_alive or (not self._stopped and self.feed is not None)

    def stop(self) -> None:
        """Stop redrawing and close the view's own feed; the boxes stay, greyed, saying "stopped"."""
        with self._draw_lock:
            if self._stopped:
                return
            self._stopped = True
        self._stop.set()
        if self._off is not None:
            self._off()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        if self._owns_feed and self.feed is not None:
            self.feed.close()
        with contextlib.suppress(Exception):  # the widgets may be closed already
            self.stop_button.disabled = True
            self.stop_button.description = "Stopped"
            self.redraw()
        _LIVE.discard(self)

    def close(self) -> None:
        """Stop, and close every widget of the view (frees their comms)."""
        self.stop()
        _close_all(self.widget)

    def __enter__(self) -> LiveMarketView:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _close_all(widget: Any) -> None:
    for child in getattr(widget, "children", ()):
        _close_all(child)
    widget.close()


@atexit.register
def _stop_all() -> None:
    # Kernel shutdown: end every view's threads and close the feeds they opened.
    for view in list(_LIVE):
        with contextlib.suppress(Exception):
            view.stop()


def live_view(
    ticker: str | None = None,
    *,
    client: KalshiClient | None = None,
    feed: Feed | None = None,
    depth: int = 10,
    max_fps: float = 4.0,
) -> LiveMarketView:
    """A live view of ``ticker`` (None: the current KXBTC15M window): the book's ladder, the last trades,
    the YES mid growing, the time left, the feed's health and a Stop button, redrawn in place at most
    ``max_fps`` times a second while later cells run.

    ``feed``: an open feed to draw from (left open on stop); None opens one for this market (closed on
    stop). Without a reachable feed the view says "not connected" and why, and still counts the clock.

    Example:
        >>> with kalshi_nb.stream([ticker], client=client, url=sb.ws_url) as feed:
        ...     view = live_view(ticker, feed=feed)
        ...     feed.wait_for(lambda f: f.book(ticker).valid, timeout=10) and view.redraw().valid
        ...     view.stop()
        True
        >>> view.running
        False
    """
    return LiveMarketView(ticker, client=client, feed=feed, depth=depth, max_fps=max_fps)
