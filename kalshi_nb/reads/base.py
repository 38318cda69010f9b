"""What every read mixin shares: the ``_request`` it is given, the cursor loop, and argument helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..endpoints import limit_bounds
from ..errors import PaginationError
from ..ids import check_id
from ..order_v2 import plain


class ReadBase:
    """The cursor loop of ``KalshiClient`` (which supplies ``_request``)."""

    if TYPE_CHECKING:

        def _request(
            self,
            method: str,
            path: str,
            *,
            params: dict[str, Any] | None = None,
            json_body: Any = None,
            retry: bool | None = None,
            deadline: float | None = None,
        ) -> Any: ...

    def paginate(
        self, method: str | Callable[..., dict], key: str | None = None, /, **params: Any
    ) -> Iterator[dict]:
        """Yield every item of a list endpoint, following the cursor with the same filters on each page.

        Stops on a missing, null or empty cursor; raises ``PaginationError`` if a cursor repeats.

        Example:
            >>> tickers = [m["ticker"] for m in client.paginate("get_markets", series_ticker="KXBTC15M", limit=2)]
            >>> ticker in tickers
            True
        """
        fetch = getattr(self, method) if isinstance(method, str) else method
        if key is None:
            name = method if isinstance(method, str) else getattr(method, "__name__", "")
            key = ITEMS_KEY.get(name)
            if key is None:
                raise ValueError(f"pass the items key for {name!r} (e.g. 'markets')")
        cursor = params.pop("cursor", None)
        seen: set[str] = set()
        while True:
            page = fetch(cursor=cursor, **params)
            yield from page.get(key) or []
            cursor = page.get("cursor")
            if not cursor:
                return
            if cursor in seen:
                raise PaginationError(
                    f"the server repeated a cursor while listing {key}; stopping instead of looping"
                )
            seen.add(cursor)


ITEMS_KEY = {
    "get_markets": "markets",
    "get_events": "events",
    "get_multivariate_events": "events",
    "get_trades": "trades",
    "get_historical_trades": "trades",
    "get_historical_markets": "markets",
    "get_positions": "market_positions",
    "get_historical_positions": "market_positions",
    "get_fills": "fills",
    "get_historical_fills": "fills",
    "get_orders": "orders",
    "get_historical_orders": "orders",
    "get_settlements": "settlements",
    "get_shard_transfers": "transfers",
    "get_subaccount_transfers": "transfers",
}
"""Read method -> the key of its list in the response, for ``paginate("get_...")``."""


def seg(value: object) -> str:
    """One path segment: checked (no dot segments, slashes or escapes can change the route), then encoded."""
    return quote(check_id(value), safe="")


def check_limit(endpoint: str, limit: Any) -> int:
    low, high = limit_bounds(endpoint)
    limit = plain(limit)
    if isinstance(limit, bool) or not isinstance(limit, int) or not low <= limit <= high:
        raise ValueError(f"limit for {endpoint} must be an integer {low}-{high}, got {limit!r}")
    return limit


def csv(params: dict[str, Any], *names: str) -> dict[str, Any]:
    """List values of ``names`` joined with commas, as Kalshi takes them (sets sorted, for stable URLs)."""
    for name in names:
        value = params.get(name)
        if isinstance(value, list | tuple | set | frozenset):
            params[name] = ",".join(sorted(value) if isinstance(value, set | frozenset) else value)
    return params
