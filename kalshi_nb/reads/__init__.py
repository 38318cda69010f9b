"""The read endpoints of ``KalshiClient``: market data, the historical tier, the portfolio, the account,
and paging (one mixin per topic; ``ReadEndpoints`` joins them).

Each method checks its arguments (``endpoints.check_filters``: a misspelt filter is an error, never a wider
pull; ``timeargs`` for times; ids through ``ids.check_id``) before ``_request`` sends anything.

Example:
    >>> client = kalshi_nb.connect("sandbox")
    >>> page = client.get_markets(series_ticker="KXBTC15M", limit=5)
    >>> len(page["markets"]) <= 5
    True
"""

from __future__ import annotations

from .account import AccountReads
from .base import ITEMS_KEY, ReadBase
from .market import MarketReads
from .portfolio import PortfolioReads


class ReadEndpoints(MarketReads, PortfolioReads, AccountReads):
    """The GET half of ``KalshiClient`` (which supplies ``_request``)."""


__all__ = ["ITEMS_KEY", "AccountReads", "MarketReads", "PortfolioReads", "ReadBase", "ReadEndpoints"]
