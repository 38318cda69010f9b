"""What other threads read from a running :class:`~kalshi_nb.feed.live.Feed`: books, health, frames, private state.

Every read takes the feed's lock and returns a copy, so a notebook cell never sees a half-applied frame.
A mixin of ``Feed`` (``live`` holds the connection; this, what is read from it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .view import Health, LiveBook

if TYPE_CHECKING:
    import pandas as pd

    from .state import FeedState


class FeedReads:
    """The reading half of ``Feed``; the attributes below are set by ``Feed.__init__`` and its thread."""

    _lock: threading.RLock
    _state: FeedState
    _connected: bool
    _last_frame: float | None
    _connects: int
    _recovered: int
    _last_error: str | None
    tickers: list[str]
    channels: tuple[str, ...]
    url: str
    _clock: Callable[[], float]

    def book(self, ticker: str) -> LiveBook:
        """The live book of one market."""
        return LiveBook(self, ticker)

    @property
    def books(self) -> dict[str, LiveBook]:
        """Every market's live book, by ticker."""
        with self._lock:
            names = list(dict.fromkeys([*self.tickers, *self._state.books]))
        return {t: LiveBook(self, t) for t in names}

    @property
    def connected(self) -> bool:
        return self._connected

    @property
    def health(self) -> Health:
        with self._lock:
            s = self._state
            return Health(
                connected=self._connected,
                url=self.url,
                last_message_age=None if self._last_frame is None else self._clock() - self._last_frame,
                messages=s.messages,
                reconnects=max(0, self._connects - 1),
                gaps=s.seqs.gaps,
                gaps_recovered=self._recovered,
                duplicates=s.seqs.duplicates,
                invalid_books=sum(1 for b in s.books.values() if not b.valid),
                last_error=self._last_error,
            )

    def trades_df(self) -> pd.DataFrame:
        """Trades seen on the feed, newest first, with ``trades_df``'s columns and dtypes."""
        with self._lock:
            records = list(self._state.trades)
        from .shaping import trades_frame_from  # pandas only when a frame is asked for

        return trades_frame_from(records)

    def ticker_df(self) -> pd.DataFrame:
        """The latest ``ticker`` message of each market, one row per market."""
        with self._lock:
            latest = list(self._state.tickers.values())
        from .shaping import ticker_frame  # pandas only when a frame is asked for

        return ticker_frame(latest)

    @property
    def orders(self) -> dict[str, dict[str, Any]]:
        """Your orders by id, from ``user_orders`` and the REST reconciliation after each connect."""
        with self._lock:
            return {k: dict(v) for k, v in self._state.orders.items()}

    @property
    def fills(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(v) for v in self._state.fills.values()]

    @property
    def positions(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {k: dict(v) for k, v in self._state.positions.items()}
