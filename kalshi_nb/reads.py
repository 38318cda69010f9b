"""The read endpoints of ``KalshiClient``: market data, the historical tier and the portfolio, and paging.

Each method checks its arguments (``endpoints.check_filters``: a misspelt filter is an error, never a wider
pull; ``timeargs`` for times; ids through ``ids.check_id``) before ``_request`` sends anything.

Example:
    >>> client = kalshi_nb.connect("sandbox")
    >>> page = client.get_markets(series_ticker="KXBTC15M", limit=5)
    >>> len(page["markets"]) <= 5
    True
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .endpoints import CANDLE_INTERVALS, check_filters, limit_bounds
from .errors import PaginationError
from .ids import check_id
from .order_v2 import plain
from .timeargs import check_range


class ReadEndpoints:
    """The GET half of ``KalshiClient`` (which supplies ``_request``)."""

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

    # --- pagination -------------------------------------------------------------------------------
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
            key = _ITEMS_KEY.get(name)
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

    # --- market data (no credentials needed) ---------------------------------------------------------
    def get_exchange_status(self) -> dict:
        """``GET /exchange/status``: ``{"exchange_active": bool, "trading_active": bool, ...}``."""
        return self._request("GET", "/exchange/status")

    def get_markets(
        self,
        series_ticker: str | None = None,
        status: str | None = "open",
        limit: int = 200,
        cursor: str | None = None,
        **filters: Any,
    ) -> dict:
        """``GET /markets``: one page, ``{"markets": [...], "cursor": str}``.

        ``filters``: ``event_ticker``, ``tickers`` (list or comma string), ``mve_filter``, ``min_close_ts``...

        Example:
            >>> client.get_markets(series_ticker="KXBTC15M", limit=10)["markets"][0]["ticker"].startswith("KXBTC15M")
            True
        """
        params = {"series_ticker": series_ticker, "status": status, "cursor": cursor, **filters}
        params["limit"] = _check_limit("markets", limit)
        return self._request("GET", "/markets", params=_csv(check_filters("markets", params), "tickers"))

    def get_market(self, ticker: str) -> dict:
        """``GET /markets/{ticker}``, unwrapped: the market object itself.

        Example:
            >>> client.get_market(ticker)["status"]
            'active'
        """
        return self._request("GET", f"/markets/{_seg(ticker)}")["market"]

    def get_events(
        self, status: str | None = "open", limit: int = 200, cursor: str | None = None, **filters: Any
    ) -> dict:
        """``GET /events``: one page, ``{"events": [...], "cursor": str}`` (no multivariate events).

        ``filters``: ``series_ticker``, ``with_nested_markets``, ``tickers``, ``min_close_ts``...
        """
        params = {"status": status, "cursor": cursor, **filters}
        params["limit"] = _check_limit("events", limit)
        return self._request("GET", "/events", params=_csv(check_filters("events", params), "tickers"))

    def get_event(self, event_ticker: str, with_nested_markets: bool = False) -> dict:
        """``GET /events/{event_ticker}``: ``{"event": {...}, "markets": [...]}``."""
        return self._request(
            "GET",
            f"/events/{_seg(event_ticker)}",
            params={"with_nested_markets": with_nested_markets or None},
        )

    def get_series(self, series_ticker: str, **filters: Any) -> dict:
        """``GET /series/{series_ticker}``: ``{"series": {...}}``."""
        return self._request("GET", f"/series/{_seg(series_ticker)}", params=check_filters("series", filters))

    def get_series_list(self, category: str | None = None, **filters: Any) -> dict:
        """``GET /series``: ``{"series": [...]}`` (not paginated; large without a filter)."""
        params = check_filters("series_list", {"category": category, **filters})
        return self._request("GET", "/series", params=_csv(params, "tags"))

    def get_orderbook(self, ticker: str, depth: int | None = None) -> dict:
        """``GET /markets/{ticker}/orderbook``: ``{"orderbook_fp": {"yes_dollars": [...], "no_dollars": [...]}}``.

        Only bids are listed, YES and NO; levels are ``[price, count]`` strings.
        """
        depth = plain(depth)  # type: ignore[assignment]
        if depth is not None and (
            isinstance(depth, bool) or not isinstance(depth, int) or not 0 <= depth <= 100
        ):
            raise ValueError(f"depth must be an integer 0-100 (0 = all levels), got {depth!r}")
        return self._request("GET", f"/markets/{_seg(ticker)}/orderbook", params={"depth": depth})

    def get_trades(
        self, ticker: str | None = None, limit: int = 100, cursor: str | None = None, **filters: Any
    ) -> dict:
        """``GET /markets/trades``: one page, ``{"trades": [...], "cursor": str}``; filters ``min_ts``, ``max_ts``."""
        params = {"ticker": ticker, "cursor": cursor, **filters}
        params["limit"] = _check_limit("trades", limit)
        return self._request("GET", "/markets/trades", params=check_filters("trades", params))

    def get_candlesticks(
        self,
        ticker: str,
        start_ts: int | datetime,
        end_ts: int | datetime,
        period_interval: int = 60,
        *,
        series_ticker: str | None = None,
        **filters: Any,
    ) -> dict:
        """``GET /series/{series}/markets/{ticker}/candlesticks``: ``{"ticker", "candlesticks": [...]}``.

        ``start_ts``/``end_ts`` are Unix seconds or datetimes; ``period_interval`` is 1, 60 or 1440 minutes. Without
        ``series_ticker`` it is looked up from the market's event (two extra reads).
        """
        if period_interval not in CANDLE_INTERVALS:
            raise ValueError(f"period_interval must be 1, 60 or 1440 (minutes), got {period_interval!r}")
        if series_ticker is None:
            event_ticker = self.get_market(ticker)["event_ticker"]
            series_ticker = self.get_event(event_ticker)["event"]["series_ticker"]
        start, end = check_range(start_ts, end_ts, names=("start_ts", "end_ts"))
        params = check_filters(
            "candlesticks", {"start_ts": start, "end_ts": end, "period_interval": period_interval, **filters}
        )
        return self._request(
            "GET", f"/series/{_seg(series_ticker)}/markets/{_seg(ticker)}/candlesticks", params=params
        )

    # --- the historical tier (markets, trades and the account's history older than the cutoff) --------
    def get_historical_cutoff(self) -> dict:
        """``GET /historical/cutoff``: when data moves to the historical tier (``market_settled_ts``, ...)."""
        return self._request("GET", "/historical/cutoff")

    def get_historical_markets(self, limit: int = 200, cursor: str | None = None, **filters: Any) -> dict:
        """``GET /historical/markets``: one page, ``{"markets": [...], "cursor": str}``."""
        params = {"cursor": cursor, "limit": _check_limit("historical_markets", limit), **filters}
        return self._request(
            "GET", "/historical/markets", params=_csv(check_filters("historical_markets", params), "tickers")
        )

    def get_historical_market(self, ticker: str) -> dict:
        """``GET /historical/markets/{ticker}``, unwrapped: the market object."""
        return self._request("GET", f"/historical/markets/{_seg(ticker)}")["market"]

    def get_historical_candlesticks(
        self, ticker: str, start_ts: int | datetime, end_ts: int | datetime, period_interval: int = 60
    ) -> dict:
        """``GET /historical/markets/{ticker}/candlesticks``: ``{"ticker", "candlesticks": [...]}``."""
        if period_interval not in CANDLE_INTERVALS:
            raise ValueError(f"period_interval must be 1, 60 or 1440 (minutes), got {period_interval!r}")
        start, end = check_range(start_ts, end_ts, names=("start_ts", "end_ts"))
        params = check_filters(
            "historical_candlesticks", {"start_ts": start, "end_ts": end, "period_interval": period_interval}
        )
        return self._request("GET", f"/historical/markets/{_seg(ticker)}/candlesticks", params=params)

    # --- portfolio (credentials needed) -------------------------------------------------------------
    def get_balance(self) -> dict:
        """``GET /portfolio/balance``: ``{"balance": int cents, "balance_dollars": str, ...}``."""
        return self._request("GET", "/portfolio/balance")

    def get_positions(self, limit: int = 100, cursor: str | None = None, **filters: Any) -> dict:
        """``GET /portfolio/positions``: ``{"market_positions": [...], "event_positions": [...], "cursor"}``."""
        params = {"cursor": cursor, **filters}
        params["limit"] = _check_limit("positions", limit)
        return self._request(
            "GET", "/portfolio/positions", params=_csv(check_filters("positions", params), "count_filter")
        )

    def get_fills(
        self, ticker: str | None = None, limit: int = 100, cursor: str | None = None, **filters: Any
    ) -> dict:
        """``GET /portfolio/fills``: ``{"fills": [...], "cursor": str}``."""
        params = {"ticker": ticker, "cursor": cursor, **filters}
        params["limit"] = _check_limit("fills", limit)
        return self._request("GET", "/portfolio/fills", params=_csv(check_filters("fills", params), "ticker"))

    def get_orders(
        self,
        ticker: str | None = None,
        status: str | None = None,
        limit: int = 100,
        cursor: str | None = None,
        **filters: Any,
    ) -> dict:
        """``GET /portfolio/orders``: ``{"orders": [...], "cursor": str}``; ``status`` resting/canceled/executed."""
        params = {"ticker": ticker, "status": status, "cursor": cursor, **filters}
        params["limit"] = _check_limit("orders", limit)
        return self._request(
            "GET", "/portfolio/orders", params=_csv(check_filters("orders", params), "event_ticker")
        )

    def get_order(self, order_id: str) -> dict:
        """``GET /portfolio/orders/{order_id}``: ``{"order": {...}}``."""
        return self._request("GET", f"/portfolio/orders/{_seg(order_id)}")

    def get_settlements(self, limit: int = 100, cursor: str | None = None, **filters: Any) -> dict:
        """``GET /portfolio/settlements``: ``{"settlements": [...], "cursor": str}``."""
        params = {"cursor": cursor, **filters}
        params["limit"] = _check_limit("settlements", limit)
        return self._request("GET", "/portfolio/settlements", params=check_filters("settlements", params))


_ITEMS_KEY = {
    "get_markets": "markets",
    "get_events": "events",
    "get_trades": "trades",
    "get_positions": "market_positions",
    "get_fills": "fills",
    "get_orders": "orders",
    "get_settlements": "settlements",
}


def _seg(value: object) -> str:
    """One path segment: checked (no dot segments, slashes or escapes can change the route), then encoded."""
    return quote(check_id(value), safe="")


def _check_limit(endpoint: str, limit: Any) -> int:
    low, high = limit_bounds(endpoint)
    limit = plain(limit)
    if isinstance(limit, bool) or not isinstance(limit, int) or not low <= limit <= high:
        raise ValueError(f"limit for {endpoint} must be an integer {low}-{high}, got {limit!r}")
    return limit


def _csv(params: dict[str, Any], *names: str) -> dict[str, Any]:
    for name in names:
        value = params.get(name)
        if isinstance(value, list | tuple | set | frozenset):
            params[name] = ",".join(sorted(value) if isinstance(value, set | frozenset) else value)
    return params
