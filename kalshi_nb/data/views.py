"""Objects to look at in a notebook: a market, its order book, your position in it. Each ``*_view`` call fetches
once and returns an object that shows itself as HTML (``_repr_html_``) and holds its data as attributes;
``refresh()`` fetches again and returns a new one.

Example:
    >>> import kalshi_nb
    >>> client = kalshi_nb.connect("sandbox")
    >>> ticker = kalshi_nb.markets_df("KXFEDDECISION", client=client)["ticker"].iloc[0]
    >>> m = market_view(ticker, client=client)
    >>> m.ticker == ticker, "kalshi-market-line" in m._repr_html_()
    (True, True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..display.book import book_html, book_sides
from ..display.market import market_line_html, quotes
from ..display.position import holding, position_html
from ..display.timefmt import format_count, format_usd, to_datetime, to_decimal
from .args import _client, _whole

if TYPE_CHECKING:
    import pandas as pd

    from ..client import KalshiClient


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _ticker(ticker: object) -> str:
    """One market ticker, before anything is read (the client checks it again for the URL path)."""
    if not isinstance(ticker, str) or not ticker.strip():
        raise ValueError(f"ticker must be one market ticker such as 'KXFEDDECISION-26DEC-H0', got {ticker!r}")
    return ticker.strip()


@dataclass(frozen=True, repr=False)
class MarketView:
    """One market as read at ``fetched_at``: quotes in dollars (``Decimal``, None for an empty side), volume,
    open interest, close time; ``market`` is the API's object itself."""

    market: Mapping[str, Any]
    fetched_at: datetime
    client: Any = field(default=None, compare=False)

    @property
    def ticker(self) -> str:
        return str(self.market.get("ticker"))

    @property
    def title(self) -> str:
        return str(self.market.get("title") or "")

    @property
    def status(self) -> str:
        return str(self.market.get("status") or "")

    @property
    def yes_bid(self) -> Decimal | None:
        return quotes(self.market)["yes_bid"]

    @property
    def yes_ask(self) -> Decimal | None:
        return quotes(self.market)["yes_ask"]

    @property
    def no_bid(self) -> Decimal | None:
        return quotes(self.market)["no_bid"]

    @property
    def no_ask(self) -> Decimal | None:
        return quotes(self.market)["no_ask"]

    @property
    def last_price(self) -> Decimal | None:
        return to_decimal(self.market.get("last_price_dollars"))

    @property
    def volume(self) -> Decimal | None:
        return to_decimal(self.market.get("volume_fp"))

    @property
    def open_interest(self) -> Decimal | None:
        return to_decimal(self.market.get("open_interest_fp"))

    @property
    def close_time(self) -> datetime | None:
        return to_datetime(self.market.get("close_time"))

    @property
    def time_to_close(self) -> timedelta | None:
        """From now (not from ``fetched_at``): negative once closed."""
        close = self.close_time
        return None if close is None else close - _now()

    @property
    def exchange_index(self) -> int | None:
        index = self.market.get("exchange_index")
        return None if index is None else int(index)

    def refresh(self) -> MarketView:
        """Read the market again (a new view)."""
        return market_view(self.ticker, client=self.client)

    def _repr_html_(self) -> str:
        return market_line_html(self.market)

    def __repr__(self) -> str:
        q = quotes(self.market)
        fmt = {k: format_usd(v) for k, v in q.items()}
        return (
            f"<MarketView {self.ticker} {self.status}: YES {fmt['yes_bid']}/{fmt['yes_ask']} "
            f"NO {fmt['no_bid']}/{fmt['no_ask']}>"
        )


def market_view(ticker: str, *, client: KalshiClient | None = None) -> MarketView:
    """Read one market (``GET /markets/{ticker}``) into a ``MarketView`` that shows itself as one line.

    Example:
        >>> import kalshi_nb
        >>> client = kalshi_nb.connect("sandbox")
        >>> ticker = kalshi_nb.markets_df("KXFEDDECISION", client=client)["ticker"].iloc[0]
        >>> market_view(ticker, client=client).status
        'active'
    """
    ticker = _ticker(ticker)
    c = _client(client)
    return MarketView(c.get_market(ticker), _now(), c)


@dataclass(frozen=True, repr=False)
class BookView:
    """One order book as read at ``fetched_at``: ``bids`` and ``asks`` as (YES price, contracts) in dollars,
    best first (asks are the NO bids seen from YES); ``book`` is the API's ``orderbook_fp`` object."""

    ticker: str
    book: Mapping[str, Any]
    fetched_at: datetime
    depth: int = 10
    client: Any = field(default=None, compare=False)

    @property
    def bids(self) -> list[tuple[Decimal, Decimal]]:
        return book_sides(self.book)[0]

    @property
    def asks(self) -> list[tuple[Decimal, Decimal]]:
        return book_sides(self.book)[1]

    @property
    def best_bid(self) -> Decimal | None:
        return self.bids[0][0] if self.bids else None

    @property
    def best_ask(self) -> Decimal | None:
        return self.asks[0][0] if self.asks else None

    @property
    def spread(self) -> Decimal | None:
        bid, ask = self.best_bid, self.best_ask
        return None if bid is None or ask is None else ask - bid

    @property
    def mid(self) -> Decimal | None:
        bid, ask = self.best_bid, self.best_ask
        return None if bid is None or ask is None else (bid + ask) / 2

    @property
    def df(self) -> pd.DataFrame:
        """The book as a frame (``frames.orderbook_frame``: one row a level, YES and NO prices, totals)."""
        from ..frames import orderbook_frame

        return orderbook_frame({"orderbook_fp": dict(self.book)}, ticker=self.ticker)

    def refresh(self) -> BookView:
        return book_view(self.ticker, depth=self.depth, client=self.client)

    def _repr_html_(self) -> str:
        return book_html(self.book, ticker=self.ticker, depth=self.depth)

    def __repr__(self) -> str:
        return (
            f"<BookView {self.ticker}: {len(self.bids)} bid levels, {len(self.asks)} ask levels, "
            f"best YES {format_usd(self.best_bid)}/{format_usd(self.best_ask)}>"
        )


def book_view(ticker: str, *, depth: int = 10, client: KalshiClient | None = None) -> BookView:
    """Read one order book (``GET /markets/{ticker}/orderbook``) into a ``BookView``: a ladder with depth bars,
    ``depth`` levels a side on screen (the attributes hold every level read).

    Example:
        >>> import kalshi_nb
        >>> client = kalshi_nb.connect("sandbox")
        >>> ticker = kalshi_nb.markets_df("KXFEDDECISION", client=client)["ticker"].iloc[0]
        >>> b = book_view(ticker, client=client)
        >>> b.best_bid is None or b.best_ask is None or b.best_bid < b.best_ask
        True
    """
    ticker = _ticker(ticker)
    depth = _whole(depth, "depth (levels shown a side)", 1, 100)
    c = _client(client)
    raw = c.get_orderbook(ticker)
    return BookView(ticker, raw.get("orderbook_fp") or {}, _now(), depth, c)


@dataclass(frozen=True, repr=False)
class PositionView:
    """Your position in one market as read at ``fetched_at`` (``position`` is the API's record, empty when you
    hold nothing there), with the market for its quotes. ``value`` is what selling now fetches at the bid."""

    ticker: str
    position: Mapping[str, Any]
    market: Mapping[str, Any]
    fetched_at: datetime
    client: Any = field(default=None, compare=False)

    @property
    def side(self) -> str:
        """``"yes"``, ``"no"`` or ``"flat"``."""
        return holding(self.position)[0]

    @property
    def contracts(self) -> Decimal:
        return holding(self.position)[1]

    @property
    def exposure(self) -> Decimal | None:
        return to_decimal(self.position.get("market_exposure_dollars"))

    @property
    def realized_pnl(self) -> Decimal | None:
        return to_decimal(self.position.get("realized_pnl_dollars"))

    @property
    def fees_paid(self) -> Decimal | None:
        return to_decimal(self.position.get("fees_paid_dollars"))

    @property
    def value(self) -> Decimal | None:
        if self.side == "flat":
            return Decimal(0)
        bid = quotes(self.market)[f"{self.side}_bid"]
        return None if bid is None else self.contracts * bid

    @property
    def unrealized_pnl(self) -> Decimal | None:
        value, cost = self.value, self.exposure
        return None if value is None or cost is None else value - cost

    def refresh(self) -> PositionView:
        return position_view(self.ticker, client=self.client)

    def _repr_html_(self) -> str:
        return position_html({"ticker": self.ticker, **self.position}, self.market)

    def __repr__(self) -> str:
        held = "flat" if self.side == "flat" else f"{format_count(self.contracts)} {self.side.upper()}"
        return f"<PositionView {self.ticker}: {held}, realised {format_usd(self.realized_pnl)}>"


def position_view(ticker: str, *, client: KalshiClient | None = None) -> PositionView:
    """Read your position in one market (settled or not) and the market itself into a ``PositionView``.

    Example:
        >>> import kalshi_nb
        >>> client = kalshi_nb.connect("sandbox")
        >>> ticker = kalshi_nb.markets_df("KXFEDDECISION", client=client)["ticker"].iloc[0]
        >>> position_view(ticker, client=client).side     # a new sandbox account holds nothing
        'flat'
    """
    ticker = _ticker(ticker)
    c = _client(client)
    raw = c.get_positions(ticker=ticker, settlement_status="all")
    found = [p for p in raw.get("market_positions") or [] if p.get("ticker") == ticker]
    return PositionView(ticker, found[0] if found else {}, c.get_market(ticker), _now(), c)
