"""Market-data reads (no credentials needed): exchange, markets, events, series, books, trades, candles,
and the historical tier of markets, candles and trades."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..endpoints import CANDLE_INTERVALS, check_filters
from ..order_v2 import plain
from ..timeargs import check_range
from .base import ReadBase, check_limit, csv, seg

MAX_BATCH_CANDLE_TICKERS = 100  # GET /markets/candlesticks: "comma-separated, up to 100"


class MarketReads(ReadBase):
    """The public GETs of ``KalshiClient``."""

    # --- the exchange -------------------------------------------------------------------------------
    def get_exchange_status(self) -> dict:
        """``GET /exchange/status``: ``{"exchange_active", "trading_active", "exchange_index_statuses": [...]}``.

        The top-level flags describe shard 0; ``exchange_index_statuses`` has one entry per shard
        (``exchange_index``, ``trading_active``, ``description``...).
        """
        return self._request("GET", "/exchange/status")

    def get_user_data_timestamp(self) -> dict:
        """``GET /exchange/user_data_timestamp``: ``{"as_of_time": ISO}``, how fresh portfolio reads are.

        Example:
            >>> "as_of_time" in client.get_user_data_timestamp()
            True
        """
        return self._request("GET", "/exchange/user_data_timestamp")

    # --- markets, events, series ------------------------------------------------------------------------
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
        Each market carries its shard (``exchange_index``) and price grid (``price_ranges``).

        Example:
            >>> client.get_markets(series_ticker="KXBTC15M", limit=10)["markets"][0]["ticker"].startswith("KXBTC15M")
            True
        """
        params = {"series_ticker": series_ticker, "status": status, "cursor": cursor, **filters}
        params["limit"] = check_limit("markets", limit)
        return self._request("GET", "/markets", params=csv(check_filters("markets", params), "tickers"))

    def get_market(self, ticker: str) -> dict:
        """``GET /markets/{ticker}``, unwrapped: the market object itself.

        Example:
            >>> client.get_market(ticker)["status"]
            'active'
        """
        return self._request("GET", f"/markets/{seg(ticker)}")["market"]

    def get_events(
        self, status: str | None = "open", limit: int = 200, cursor: str | None = None, **filters: Any
    ) -> dict:
        """``GET /events``: one page, ``{"events": [...], "cursor": str}`` (no multivariate events).

        ``filters``: ``series_ticker``, ``with_nested_markets``, ``tickers``, ``min_close_ts``...
        """
        params = {"status": status, "cursor": cursor, **filters}
        params["limit"] = check_limit("events", limit)
        return self._request("GET", "/events", params=csv(check_filters("events", params), "tickers"))

    def get_multivariate_events(self, limit: int = 200, cursor: str | None = None, **filters: Any) -> dict:
        """``GET /events/multivariate``: one page of multivariate (combo) events, ``{"events", "cursor"}``.

        ``filters``: ``series_ticker``, ``collection_ticker``, ``tickers``, ``with_nested_markets``.

        Example:
            >>> page = client.get_multivariate_events(limit=5)
            >>> len(page["events"]) <= 5
            True
        """
        params = {"cursor": cursor, "limit": check_limit("multivariate_events", limit), **filters}
        return self._request(
            "GET", "/events/multivariate", params=csv(check_filters("multivariate_events", params), "tickers")
        )

    def get_event(
        self, event_ticker: str, with_nested_markets: bool = False, *, exclude_markets: bool = False
    ) -> dict:
        """``GET /events/{event_ticker}``: ``{"event": {...}, "markets": [...]}``.

        ``exclude_markets=True`` leaves the markets out (a smaller answer); it cannot be combined with
        ``with_nested_markets=True`` (Kalshi answers 400), so that pair is refused here.
        """
        if with_nested_markets and exclude_markets:
            raise ValueError(
                "exclude_markets=True cannot be combined with with_nested_markets=True; pick one"
            )
        params = {
            "with_nested_markets": with_nested_markets or None,
            "exclude_markets": exclude_markets or None,
        }
        return self._request("GET", f"/events/{seg(event_ticker)}", params=check_filters("event", params))

    def get_event_metadata(self, event_ticker: str) -> dict:
        """``GET /events/{event_ticker}/metadata``: images, ``market_details``, ``settlement_sources``...

        Example:
            >>> event_ticker = client.get_market(ticker)["event_ticker"]
            >>> "settlement_sources" in client.get_event_metadata(event_ticker)
            True
        """
        return self._request("GET", f"/events/{seg(event_ticker)}/metadata")

    def get_series(self, series_ticker: str, **filters: Any) -> dict:
        """``GET /series/{series_ticker}``: ``{"series": {...}}``."""
        return self._request("GET", f"/series/{seg(series_ticker)}", params=check_filters("series", filters))

    def get_series_list(self, category: str | None = None, **filters: Any) -> dict:
        """``GET /series``: ``{"series": [...]}`` (not paginated; large without a filter)."""
        params = check_filters("series_list", {"category": category, **filters})
        return self._request("GET", "/series", params=csv(params, "tags"))

    def get_series_fee_changes(
        self, series_ticker: str | None = None, *, show_historical: bool | None = None
    ) -> dict:
        """``GET /series/fee_changes``: ``{"series_fee_change_arr": [...]}``, scheduled (and, with
        ``show_historical=True``, past) changes of a series' ``fee_type``/``fee_multiplier``.

        Example:
            >>> isinstance(client.get_series_fee_changes("KXBTC15M")["series_fee_change_arr"], list)
            True
        """
        params = {"series_ticker": series_ticker, "show_historical": show_historical}
        return self._request("GET", "/series/fee_changes", params=check_filters("series_fee_changes", params))

    # --- books, trades, candles ---------------------------------------------------------------------
    def get_orderbook(self, ticker: str, depth: int | None = None) -> dict:
        """``GET /markets/{ticker}/orderbook``: ``{"orderbook_fp": {"yes_dollars": [...], "no_dollars": [...]}}``.

        Only bids are listed, YES and NO; levels are ``[price, count]`` strings.
        """
        depth = plain(depth)  # type: ignore[assignment]
        if depth is not None and (
            isinstance(depth, bool) or not isinstance(depth, int) or not 0 <= depth <= 100
        ):
            raise ValueError(f"depth must be an integer 0-100 (0 = all levels), got {depth!r}")
        return self._request("GET", f"/markets/{seg(ticker)}/orderbook", params={"depth": depth})

    def get_trades(
        self, ticker: str | None = None, limit: int = 100, cursor: str | None = None, **filters: Any
    ) -> dict:
        """``GET /markets/trades``: one page, ``{"trades": [...], "cursor": str}``; filters ``min_ts``, ``max_ts``."""
        params = {"ticker": ticker, "cursor": cursor, **filters}
        params["limit"] = check_limit("trades", limit)
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
        _check_interval(period_interval)
        if series_ticker is None:
            event_ticker = self.get_market(ticker)["event_ticker"]
            series_ticker = self.get_event(event_ticker)["event"]["series_ticker"]
        start, end = check_range(start_ts, end_ts, names=("start_ts", "end_ts"))
        params = check_filters(
            "candlesticks", {"start_ts": start, "end_ts": end, "period_interval": period_interval, **filters}
        )
        return self._request(
            "GET", f"/series/{seg(series_ticker)}/markets/{seg(ticker)}/candlesticks", params=params
        )

    def get_batch_candlesticks(
        self,
        tickers: str | list[str] | tuple[str, ...],
        start_ts: int | datetime,
        end_ts: int | datetime,
        period_interval: int = 60,
        **filters: Any,
    ) -> dict:
        """``GET /markets/candlesticks``: candles of up to 100 markets in one call.

        Returns ``{"markets": [{"market_ticker", "candlesticks": [...]}, ...]}``; Kalshi caps the answer at
        10,000 candles in total. ``filters``: ``include_latest_before_start``.

        Example:
            >>> from datetime import datetime, timedelta, timezone
            >>> end = datetime.now(timezone.utc)
            >>> answer = client.get_batch_candlesticks([ticker], end - timedelta(hours=2), end, 60)
            >>> answer["markets"][0]["market_ticker"] == ticker
            True
        """
        names = [tickers] if isinstance(tickers, str) else list(tickers)
        names = [t for name in names for t in str(name).split(",") if t]
        if not names or len(names) > MAX_BATCH_CANDLE_TICKERS:
            raise ValueError(
                f"tickers must name 1-{MAX_BATCH_CANDLE_TICKERS} markets, got {len(names)}; split a longer list"
            )
        for name in names:
            seg(name)  # the same id rules as a path segment: no commas, slashes or spaces inside one
        _check_interval(period_interval)
        start, end = check_range(start_ts, end_ts, names=("start_ts", "end_ts"))
        params = {
            "market_tickers": ",".join(names),
            "start_ts": start,
            "end_ts": end,
            "period_interval": period_interval,
            **filters,
        }
        return self._request(
            "GET", "/markets/candlesticks", params=check_filters("batch_candlesticks", params)
        )

    # --- the historical tier (markets, candles and public trades older than the cutoff) -------------
    def get_historical_cutoff(self) -> dict:
        """``GET /historical/cutoff``: where each kind of data moves to the historical tier.

        ``market_settled_ts`` (markets, candles), ``trades_created_ts`` (trades and fills),
        ``orders_updated_ts`` (canceled/executed orders), ``market_positions_last_updated_ts`` (settled
        positions; a backfill horizon, not a hard boundary), each ISO-8601.
        """
        return self._request("GET", "/historical/cutoff")

    def get_historical_markets(self, limit: int = 200, cursor: str | None = None, **filters: Any) -> dict:
        """``GET /historical/markets``: one page, ``{"markets": [...], "cursor": str}``."""
        params = {"cursor": cursor, "limit": check_limit("historical_markets", limit), **filters}
        return self._request(
            "GET", "/historical/markets", params=csv(check_filters("historical_markets", params), "tickers")
        )

    def get_historical_market(self, ticker: str) -> dict:
        """``GET /historical/markets/{ticker}``, unwrapped: the market object."""
        return self._request("GET", f"/historical/markets/{seg(ticker)}")["market"]

    def get_historical_candlesticks(
        self, ticker: str, start_ts: int | datetime, end_ts: int | datetime, period_interval: int = 60
    ) -> dict:
        """``GET /historical/markets/{ticker}/candlesticks``: ``{"ticker", "candlesticks": [...]}``."""
        _check_interval(period_interval)
        start, end = check_range(start_ts, end_ts, names=("start_ts", "end_ts"))
        params = check_filters(
            "historical_candlesticks", {"start_ts": start, "end_ts": end, "period_interval": period_interval}
        )
        return self._request("GET", f"/historical/markets/{seg(ticker)}/candlesticks", params=params)

    def get_historical_trades(
        self, ticker: str | None = None, limit: int = 1000, cursor: str | None = None, **filters: Any
    ) -> dict:
        """``GET /historical/trades``: one page of public trades older than ``trades_created_ts``.

        Same shape and filters as :meth:`get_trades` (``min_ts``, ``max_ts``, ``is_block_trade``).
        """
        params = {"ticker": ticker, "cursor": cursor, **filters}
        params["limit"] = check_limit("historical_trades", limit)
        return self._request("GET", "/historical/trades", params=check_filters("historical_trades", params))


def _check_interval(period_interval: Any) -> None:
    if period_interval not in CANDLE_INTERVALS or isinstance(period_interval, bool):
        raise ValueError(f"period_interval must be 1, 60 or 1440 (minutes), got {period_interval!r}")
