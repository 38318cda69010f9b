"""Rolling KXBTC15M windows: new fifteen-minute windows appear as the exchange's clock passes, forever.

The seeded data (``data.btc15m``) holds the windows from the past up to about two hours after the build's
anchor. Without more, a sandbox left running (``make sandbox``) would run out of current windows after
those two hours. So every quarter hour on the clock one more window appears, keeping the same lead: at
clock time ``t`` the windows that exist are those opening up to ``floor15(t) + lead``, where ``lead`` is
how far ahead the seeded data reached at the anchor. The new window then lives exactly as the seeded
future windows do: it opens, closes, is determined and settled by the ordinary lifecycle (heap entries
``life``), with the same lifecycle messages on the feed.

Deterministic for a given seed, size and anchor: a window is built by the same function as the seeded ones
(``data.btc15m._window``) on a ``Builder`` for the same anchor, with its own random stream per open time,
and its BTC prices come from the seeded BTC path, continued past its end by a seeded walk. So a window is
the same whether the clock reached it in small steps or in one jump, and whether or not others were made.

Events on the bus when a window appears: ``{"kind": "event_created", "event_ticker"}`` (``event_lifecycle``
on the feed) and ``{"kind": "lifecycle", "ticker", "status": "initialized"}`` (``created``).

Example:
    >>> from datetime import datetime, timedelta, timezone
    >>> from kalshi_nb.sandbox.exchange import Exchange
    >>> t0 = datetime(2026, 9, 7, 2, 40, tzinfo=timezone.utc)
    >>> now = [t0]
    >>> ex = Exchange(seed=1, now=t0, clock=lambda: now[0])
    >>> before = {m["ticker"] for m in ex.markets(series_ticker="KXBTC15M")}
    >>> now[0] = t0 + timedelta(hours=5)
    >>> active = [m["ticker"] for m in ex.markets(series_ticker="KXBTC15M", status="open")]
    >>> active, active[0] in before
    (['KXBTC15M-26SEP070345-45'], False)
"""

from __future__ import annotations

import heapq
import math
import random

from ..data import iso
from ..data.builder import BTC_SD_15M, Builder
from ..data.records import Universe
from .state import _Base

SERIES = "KXBTC15M"
QUARTER = 900  # seconds


class Windows(_Base):
    """Mixin: the rolling KXBTC15M windows (heap entries ``window``; ``Exchange._sync`` runs them)."""

    def _windows_init(self) -> None:
        """After a load: schedule the first new window (none when the data has no KXBTC15M windows)."""
        self._window_builder: Builder | None = None
        self._btc_walk: random.Random | None = None
        self._window_next: int | None = None
        self._window_lead = 0
        opens = [self._life[t].open_ts for t in self._by_series.get(SERIES, ())]
        a15 = self._anchor_ts - self._anchor_ts % QUARTER
        if not opens or max(opens) < a15:
            return
        self._window_next = max(opens) + QUARTER
        self._window_lead = max(opens) - a15  # how far ahead of the clock the windows reach
        self._window_push()

    def _window_push(self) -> None:
        assert self._window_next is not None
        due = self._window_next - self._window_lead
        heapq.heappush(self._heap, (due, next(self._seq), "window", ""))

    def _roll_windows(self, ts: float) -> None:
        """Heap entry ``window`` due at ``ts``: add every window that should exist by then; schedule the next."""
        if self._window_next is None:
            return
        last = int(ts) - int(ts) % QUARTER + self._window_lead
        while self._window_next <= last:
            self._add_window(self._window_next)
            self._window_next += QUARTER
        self._window_push()

    def _builder(self) -> Builder:
        b = self._window_builder
        if b is None:
            # The same anchor and size as the build: the same BTC path (history_days only prepends to it).
            b = self._window_builder = Builder(self._seed, self._anchor_ts, self._size)
            b.tickers = {t for t in self._by_series.get(SERIES, ())}
            self._btc_walk = random.Random(self._seed * 31 + 3)
        return b

    def _extend_btc(self, b: Builder, ts: int) -> None:
        """Continue the BTC path (seeded, step by step) so that it covers ``ts``."""
        walk = self._btc_walk
        assert walk is not None
        need = (ts - b.btc_t0) // QUARTER
        while len(b.btc) <= need:
            b.btc.append(round(b.btc[-1] * math.exp(walk.gauss(0, BTC_SD_15M))))

    def _add_window(self, open_ts: int) -> None:
        from ..data.btc15m import _window

        b = self._builder()
        self._extend_btc(b, open_ts + QUARTER)
        b.u = Universe(seed=self._seed, anchor_ts=self._anchor_ts, series=[self._series[SERIES]])
        b.rng = random.Random(self._seed * 1_000_003 + open_ts)  # one stream per window: order-free
        _window(b, open_ts, n_max=25)  # n_max: unused for a window after the anchor (no trades)
        if not b.u.markets:
            return  # the repeated hour when DST ends: the same ticker as an earlier window
        appear = open_ts - self._window_lead
        for m in b.u.markets:
            ticker = m["ticker"]
            life = b.u.life[ticker]
            # It appears now, not at the seeded windows' "three hours before the open": REST's created_time
            # (and min_created_ts filters) must not predate the moment a client could first see it.
            life.created_ts = appear
            m["created_time"] = m["updated_time"] = iso(appear)
            self._rec[ticker] = m
            self._rank[ticker] = len(self._order)
            self._order.append(ticker)
            self._life[ticker] = life
            if ticker in b.u.hist:
                self._hist[ticker] = b.u.hist[ticker]
            self._mseries[ticker] = SERIES
            self._by_event.setdefault(m["event_ticker"], []).append(ticker)
            self._by_series.setdefault(SERIES, []).append(ticker)
            nxt = life.next_change(appear)
            if nxt is not None:
                heapq.heappush(self._heap, (nxt, next(self._seq), "life", ticker))
        for ev in b.u.events:
            name = ev["event_ticker"]
            if name in self._events:
                continue
            ev["last_updated_ts"] = iso(appear)
            self._events[name] = ev
            self._event_rank[name] = len(self._event_order)
            self._event_order.append(name)
            self._emit({"kind": "event_created", "event_ticker": name})
        for m in b.u.markets:
            self._emit({"kind": "lifecycle", "ticker": m["ticker"], "status": "initialized", "result": None})
        self._bump()
