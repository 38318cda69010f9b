"""Kalshi's WebSocket feed in a notebook: exact live books, trades, tickers and your orders, kept right.

``stream(tickers, channels=...)`` starts a :class:`Feed` on its own thread (it works inside Jupyter's
running loop and in scripts) and returns at once; ``feed.book(t)`` is a :class:`LiveBook` that knows whether
it is valid and how old it is. ``books`` holds the pure book rules, ``state`` the message dispatch,
``shaping`` the frames, ``live`` the connection, ``view`` what a notebook reads, ``record`` recording and
:func:`replay`.

Example:
    >>> from kalshi_nb.feed import stream
    >>> with stream([ticker], client=client, url=sb.ws_url) as feed:
    ...     feed.wait_for(lambda f: f.book(ticker).valid, timeout=10)
    ...     feed.book(ticker).best_bid() is None or 0 < feed.book(ticker).best_bid() < 1
    True
    True
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .books import Book, BookError, SeqTracker, exact
from .live import DEFAULT_CHANNELS, Feed
from .record import Recorder, Replay, replay
from .view import Health, LiveBook

if TYPE_CHECKING:
    from ..client import KalshiClient

__all__ = [
    "DEFAULT_CHANNELS",
    "Book",
    "BookError",
    "Feed",
    "Health",
    "LiveBook",
    "Recorder",
    "Replay",
    "SeqTracker",
    "exact",
    "replay",
    "stream",
]


def stream(
    tickers: str | Iterable[str],
    channels: Iterable[str] = DEFAULT_CHANNELS,
    *,
    client: KalshiClient | None = None,
    **options: object,
) -> Feed:
    """Start a live feed of ``channels`` for ``tickers`` (the default client unless ``client`` is given).

    ``options``: ``url``, ``use_yes_price``, ``backoff=(first, cap)``, ``reconcile``, ``record`` (a folder)
    (see :class:`Feed`).
    Close it with ``feed.close()`` or use it as a context manager.
    """
    return Feed(tickers, channels, client=client, **options)  # type: ignore[arg-type]
