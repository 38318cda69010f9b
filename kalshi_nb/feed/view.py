"""What a notebook reads from a feed: :class:`LiveBook` (one market's book, from any thread) and :class:`Health`."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .books import Book

if TYPE_CHECKING:
    import pandas as pd

    from .reads import FeedReads


STALE_AFTER = 5.0  # seconds: a valid book the feed has not confirmed for this long is shown as stale


def is_current(connected: bool, valid: bool, age: float | None, max_age: float = STALE_AFTER) -> bool:
    """Whether a book may be shown as the market now: connected, valid, and confirmed within ``max_age`` s.

    The one rule every live display (the live view, the order ticket) uses, so they never disagree.

    Example:
        >>> is_current(True, True, 0.4), is_current(True, True, 60.0), is_current(False, True, 0.4)
        (True, False, False)
    """
    return connected and valid and age is not None and age <= max_age


@dataclass(frozen=True)
class Health:
    """The feed at one moment. ``last_message_age``: seconds since any frame (None before the first)."""

    connected: bool
    url: str
    last_message_age: float | None
    messages: int
    reconnects: int
    gaps: int
    gaps_recovered: int
    duplicates: int
    invalid_books: int
    last_error: str | None


class LiveBook:
    """One market's live book, read from any thread. Prices and sizes are exact ``Decimal``.

    ``valid`` is True only while connected and after a snapshot with nothing missed since; ``age`` is the
    seconds since it was last known current (``inf`` if never). ``df()`` has ``orderbook_df``'s columns.
    """

    def __init__(self, feed: FeedReads, ticker: str) -> None:
        self._feed = feed
        self.ticker = ticker

    def _book(self) -> Book:
        return self._feed._state.books.get(self.ticker) or Book(self.ticker)

    @property
    def valid(self) -> bool:
        with self._feed._lock:
            return self._feed._connected and self._book().valid

    @property
    def age(self) -> float:
        with self._feed._lock:
            confirmed = self._book().confirmed
        return float("inf") if confirmed is None else max(0.0, self._feed._clock() - confirmed)

    @property
    def clock(self) -> int | None:
        with self._feed._lock:
            return self._book().clock

    def levels(self, side: str) -> list[tuple[Decimal, Decimal]]:
        """``[(price, size)]`` of ``"yes"`` or ``"no"`` bids, lowest first (each side in its own terms)."""
        with self._feed._lock:
            return self._book().levels(side)

    def best_bid(self) -> Decimal | None:
        with self._feed._lock:
            return self._book().best_bid()

    def best_ask(self) -> Decimal | None:
        with self._feed._lock:
            return self._book().best_ask()

    def as_rest(self) -> dict[str, Any]:
        """The book as the REST orderbook answer (``orderbook_fp`` of strings)."""
        with self._feed._lock:
            return self._book().as_rest()

    def df(self, depth: int | None = None) -> pd.DataFrame:
        """The book as ``kalshi_nb.orderbook_df`` shapes it (same columns and dtypes)."""
        with self._feed._lock:
            book = Book(self.ticker, dict(self._book().yes), dict(self._book().no))
        from .shaping import book_frame  # pandas only when a frame is asked for

        return book_frame(book, depth=depth)

    def __repr__(self) -> str:
        state = "valid" if self.valid else "INVALID"
        return f"<LiveBook {self.ticker} {state} bid={self.best_bid()} ask={self.best_ask()} age={self.age:.1f}s>"
