"""Trades missed while the feed was away, read back over REST and merged into its trade history once each.

Why: the ``trade`` channel starts afresh on every connection, so every trade made while the feed was
disconnected (or lost in a ``seq`` gap) would be missing from ``feed.trades_df()`` for good; REST has them.

When: after every reconnect, and within a second of a ``seq`` gap or of a trade subscription lost and
made again on the same connection (error 25; the feed's watchdog calls :meth:`TradeBackfill.tick`). From when: the *resume point*, the creation time of the newest trade the
feed holds (the channel is in order, so nothing before it was missed), or, with none, the moment the
trade subscription began; minus a margin for clocks and the one-second resolution of REST's ``min_ts``.
The overlap this reads again is dropped by ``trade_id`` (:meth:`FeedState.merge_trades`).

The REST read runs on its own thread, after the new subscription's ``subscribed`` answer has arrived: a
trade is then either before the read (REST has it) or after the subscription began (the feed has it).

Example:
    >>> from kalshi_nb.feed import stream
    >>> with stream([ticker], ("trade",), client=client, url=sb.ws_url) as feed:
    ...     feed.wait_for(lambda f: f.backfill.subscribed_ms, timeout=10) > 0
    True
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..timeargs import wire_ms

if TYPE_CHECKING:
    from .live import Feed

log = logging.getLogger("kalshi_nb.feed")

MARGIN_MS = 2_000  # clock differences and REST's whole-second min_ts; the overlap is de-duplicated
SUBSCRIBE_WAIT = 10.0  # seconds to wait for the trade subscription before reading REST anyway


def newest_ms(records: Iterable[Mapping[str, Any]]) -> int | None:
    """The creation time (ms) of the newest REST-shaped trade record, None for none.

    Example:
        >>> newest_ms([{"created_time": "2026-09-07T02:40:00Z"}, {"created_time": "2026-09-07T02:41:00Z"}])
        1788748860000
    """
    times = [ms for ms in (wire_ms(r.get("created_time")) for r in records) if ms is not None]
    return max(times) if times else None


class TradeBackfill:
    """The feed's trade backfill (``feed.backfill``): when to read REST, from when, and what it added.

    ``runs`` counts REST reads done, ``added`` the trades they added (missed ones), ``last_error`` the
    last failure (the feed keeps running; the next reconnect or gap tries again).
    """

    def __init__(self, feed: Feed) -> None:
        self.feed = feed
        self.subscribed_ms: int | None = None  # when the current trade subscription began (wall clock)
        self.runs = 0
        self.added = 0
        self.last_error: str | None = None
        self._connects = 0
        self._gaps = 0
        self._mark: int | None = None  # the resume point as of the previous watchdog tick
        self._sids: tuple[int, ...] | None = None  # the trade subscription(s) at the previous tick
        self._threads: list[threading.Thread] = []

    def resume_point(self) -> int | None:
        """Where trades may start to be missing: the newest trade held, else the subscription's start."""
        with self.feed._lock:
            newest = newest_ms(self.feed._state.trades)
        return newest if newest is not None else self.subscribed_ms

    # --- hooks, from the feed's loop ------------------------------------------------------------------
    def connected(self) -> None:
        """A connection began and its subscriptions were sent: backfill from before it (not the first)."""
        self._connects += 1
        since = self.resume_point() if self._connects > 1 else None
        self._mark, self._sids = None, None
        self._start(since, wait_for_new_subscription=True)

    def tick(self) -> None:
        """Once a second: a ``seq`` gap, or a trade subscription replaced on the same connection (it ended
        with an error such as 25 and the feed subscribed again), since the last tick means trades may be
        lost: backfill them from the previous tick's resume point."""
        with self.feed._lock:
            gaps = self.feed._state.seqs.gaps
        sids = tuple(self._trade_sids())
        lost = gaps != self._gaps or (bool(sids) and self._sids is not None and sids != self._sids)
        self._gaps = gaps
        if sids:
            self._sids = sids
        if lost and sids and self._mark is not None:
            self._start(self._mark)
        if sids:  # while the subscription is being replaced, the resume point stays where it was
            self._mark = self.resume_point()

    # --- the REST read --------------------------------------------------------------------------------
    def _trade_sids(self) -> list[int]:
        with self.feed._lock:
            return self.feed._state.sids_of("trade")

    def _start(self, since: int | None, *, wait_for_new_subscription: bool = False) -> None:
        thread = threading.Thread(
            target=self._run,
            args=(since, wait_for_new_subscription),
            name="kalshi-feed-backfill",
            daemon=True,
        )
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _run(self, since: int | None, wait: bool) -> None:
        if wait:
            deadline = time.monotonic() + SUBSCRIBE_WAIT
            while not self._trade_sids() and time.monotonic() < deadline:
                time.sleep(0.02)
            self.subscribed_ms = int(time.time() * 1000) - MARGIN_MS
        if since is None:
            return
        self.fetch(since)

    def fetch(self, since_ms: int) -> int:
        """Read the feed's markets' trades created since ``since_ms`` over REST and merge them; return how
        many were new. Safe to call from any thread."""
        from ..data import iter_trades

        feed = self.feed
        tickers = feed.tickers or None
        min_ts = max(0, (since_ms - MARGIN_MS) // 1000)
        try:
            records = list(iter_trades(tickers, min_ts=min_ts, client=feed.client, include_historical=False))
        except Exception as exc:  # noqa: BLE001 - the feed keeps running; health shows what failed
            self.last_error = f"trade backfill failed: {type(exc).__name__}: {exc}"
            log.info("feed: %s", self.last_error)
            return 0
        with feed._changed:
            added = feed._state.merge_trades(records)
            self.runs += 1
            self.added += added
            feed._notify()
        return added

    def join(self, timeout: float = 5.0) -> None:
        """Wait for REST reads in progress (tests; ``Feed.close`` does not wait)."""
        for thread in list(self._threads):
            thread.join(timeout)

    def __repr__(self) -> str:
        return f"<TradeBackfill runs={self.runs} added={self.added}>"
