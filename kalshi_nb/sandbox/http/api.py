"""The API route handlers: each parses its query, asks the ``Exchange`` and pages the answer."""

from __future__ import annotations

from collections.abc import Callable

from ..data import EVENT_STATUSES, wire_event, wire_market
from ..errors import SandboxError, bad_request
from ..limits import (
    MAX_CANDLES,
)
from ..pagination import filter_scope, paginate
from .routes import LIMIT_EVENTS, LIMIT_MARKETS, MARKET_STATUSES, _Limit
from .state import AppState
from .wire import _V1_DETAILS, _Ctx, dumps


class ApiRoutes(AppState):
    """The market-data and V1 handlers (``_h_<endpoint>``) and the list plumbing every handler shares (the
    portfolio handlers are in ``api_portfolio.py``)."""

    def _rows(self, key: tuple, build: Callable[[], tuple[list, list]]) -> tuple[list, list]:
        """A filtered list and its row keys, cached per (endpoint, filters, exchange version after its sync)."""
        key = (*key, self.exchange.synced_version())
        with self._lists_lock:
            hit = self._lists.get(key)
            if hit is not None:
                self._lists.move_to_end(key)
                return hit
        rows = build()
        with self._lists_lock:
            self._lists[key] = rows
            while len(self._lists) > 32:
                self._lists.popitem(last=False)
        return rows

    def _page(self, ctx: _Ctx, rows: list, keys: list, scope: str, limit: int) -> tuple[list, str]:
        cursor = ctx.q.text("cursor")
        page, next_cursor = paginate(rows, keys, cursor=cursor, limit=limit, scope=scope, codec=self.codec)
        if ctx.decision.stuck_cursor:
            # The same non-empty cursor forever: echo the one we were given (or a fresh one on page 1).
            next_cursor = cursor or next_cursor or self.codec.encode(None, scope)
        return list(page), next_cursor

    def _list(
        self,
        ctx: _Ctx,
        key: str,
        filters: dict,
        build: Callable[[], tuple[list, list]],
        spec: _Limit,
        *,
        user: bool = False,
        cache: bool = True,
        extra: bytes = b"",
        render: Callable[[dict], dict] | None = None,
    ) -> tuple[int, bytes]:
        """One page of a keyset-paginated list; ``build`` returns ``(rows, keys)`` (see pagination.py).
        ``render`` turns a stored row into the record sent (``wire_market``, ``wire_event``), for this page only."""
        limit = ctx.q.limit(spec)
        scope = filter_scope(ctx.endpoint, filters, user_id=ctx.user_id if user else None)
        rows, keys = self._rows((ctx.endpoint, scope), build) if cache else build()
        page, next_cursor = self._page(ctx, rows, keys, scope, limit)
        if render is not None:
            page = [render(row) for row in page]
        # One encoding of the whole page as it is served (about 2 ms for 1,000 markets with orjson): a
        # per-record cache of bytes, filled while building, cost a third of a 200,000-market build's memory.
        return 200, b"".join(
            (
                b'{"',
                key.encode(),
                b'":',
                dumps(page),
                extra,
                b',"cursor":',
                dumps(next_cursor),
                b"}",
            )
        )

    def _h_markets(self, ctx: _Ctx) -> tuple[int, bytes]:
        q = ctx.q
        filters = dict(
            status=q.choice("status", MARKET_STATUSES),
            series_ticker=q.text("series_ticker"),
            event_ticker=q.text("event_ticker", single=True),
            tickers=q.csv("tickers"),
            mve_filter=q.choice("mve_filter", ("only", "exclude")),
            **{
                name: q.integer(name)
                for name in (
                    "min_created_ts",
                    "max_created_ts",
                    "min_close_ts",
                    "max_close_ts",
                    "min_settled_ts",
                    "max_settled_ts",
                    "min_updated_ts",
                    "max_updated_ts",
                )
            },
        )
        return self._markets_page(ctx, filters, lambda: self.exchange.markets(**filters, with_keys=True))

    def _markets_page(
        self, ctx: _Ctx, filters: dict, build: Callable[[], tuple[list, list]]
    ) -> tuple[int, bytes]:
        """A page of markets: the list holds stored records, and only the page's are rendered as sent."""
        return self._list(ctx, "markets", filters, build, LIMIT_MARKETS, render=wire_market)

    def _h_historical_markets(self, ctx: _Ctx) -> tuple[int, bytes]:
        q = ctx.q
        filters = {
            "tickers": q.csv("tickers"),
            "event_ticker": q.text("event_ticker", single=True),
            "series_ticker": q.text("series_ticker"),
            "mve_filter": q.choice("mve_filter", ("only", "exclude")),
        }
        return self._markets_page(
            ctx, filters, lambda: self.exchange.historical_markets(**filters, with_keys=True)
        )

    def _h_market(self, ctx: _Ctx, ticker: str) -> tuple[int, bytes]:
        return 200, b'{"market":' + dumps(self.exchange.market(ticker)) + b"}"

    _h_historical_market = _h_market

    def _h_orderbook(self, ctx: _Ctx, ticker: str) -> tuple[int, bytes]:
        depth = ctx.q.integer("depth", high=100) or 0  # 0 or negative: all levels (SDK doc)
        return 200, dumps({"orderbook_fp": self.exchange.orderbook(ticker, depth=max(depth, 0))})

    def _h_orderbooks(self, ctx: _Ctx) -> tuple[int, bytes]:
        tickers = [t for t in ctx.request.args.getlist("tickers") if t]
        if any("," in t for t in tickers):
            raise bad_request(
                "query parameter 'tickers' is repeated (?tickers=A&tickers=B), not comma-separated"
            )
        if not 1 <= len(tickers) <= 100:
            raise bad_request(
                f"query parameter 'tickers' takes between 1 and 100 tickers, got {len(tickers)}"
            )
        books = [{"ticker": t, "orderbook_fp": self.exchange.orderbook(t)} for t in tickers]
        return 200, dumps({"orderbooks": books})

    def _trades(self, ctx: _Ctx, historical: bool) -> tuple[int, bytes]:
        q = ctx.q
        filters = {
            "ticker": q.text("ticker"),
            "min_ts": q.integer("min_ts"),
            "max_ts": q.integer("max_ts"),
            "is_block_trade": q.boolean("is_block_trade"),
        }
        return self._list(
            ctx,
            "trades",
            filters,
            lambda: self.exchange.trades(**filters, historical=historical, with_keys=True),
            LIMIT_MARKETS,
        )

    def _h_trades(self, ctx: _Ctx) -> tuple[int, bytes]:
        return self._trades(ctx, historical=False)

    def _h_historical_trades(self, ctx: _Ctx) -> tuple[int, bytes]:
        return self._trades(ctx, historical=True)

    def _h_events(self, ctx: _Ctx) -> tuple[int, bytes]:
        q = ctx.q
        filters = {
            "status": q.choice("status", EVENT_STATUSES),
            "series_ticker": q.text("series_ticker"),
            "tickers": q.csv("tickers"),
            "min_close_ts": q.integer("min_close_ts"),
            "min_updated_ts": q.integer("min_updated_ts"),
            "with_nested_markets": bool(q.boolean("with_nested_markets")),
        }
        with_milestones = bool(q.boolean("with_milestones"))
        # Milestones are not modelled; the key is present (empty) when asked for, as its shape is known.
        return self._list(
            ctx,
            "events",
            {**filters, "with_milestones": with_milestones},
            lambda: self.exchange.events(**filters, with_keys=True),
            LIMIT_EVENTS,
            extra=b',"milestones":[]' if with_milestones else b"",
            render=wire_event,
        )

    def _h_series_list(self, ctx: _Ctx) -> tuple[int, bytes]:
        q = ctx.q
        q.boolean("include_product_metadata")  # accepted for its type; product metadata is not modelled
        q.integer("min_updated_ts")  # accepted for its type; series metadata never changes in the sandbox
        series = self.exchange.series_list(
            category=q.text("category"), tags=q.text("tags"), include_volume=bool(q.boolean("include_volume"))
        )
        return 200, dumps({"series": series})

    def _h_series(self, ctx: _Ctx, series_ticker: str) -> tuple[int, bytes]:
        include_volume = bool(ctx.q.boolean("include_volume"))
        return 200, dumps({"series": self.exchange.series(series_ticker, include_volume=include_volume)})

    def _candles(
        self, ctx: _Ctx, series_ticker: str | None, ticker: str, historical: bool
    ) -> tuple[int, bytes]:
        q = ctx.q
        start_ts = q.integer("start_ts", required=True)
        end_ts = q.integer("end_ts", required=True)
        period = q.integer("period_interval", required=True)
        if period not in (1, 60, 1440):
            raise bad_request(
                f"query parameter 'period_interval' must be 1, 60 or 1440 (minutes), got {period}"
            )
        assert start_ts is not None
        assert end_ts is not None
        if end_ts < start_ts:
            raise bad_request(f"end_ts ({end_ts}) is before start_ts ({start_ts})")
        candles = (end_ts - start_ts) // (period * 60) + 1
        if candles > MAX_CANDLES:
            raise bad_request(
                f"the range asks for {candles} candlesticks; at most {MAX_CANDLES} per request "
                "(split the range into smaller windows)"
            )
        include_before = bool(q.boolean("include_latest_before_start"))
        rows = self.exchange.candlesticks(
            series_ticker,
            ticker,
            start_ts=start_ts,
            end_ts=end_ts,
            period_interval=period,
            include_latest_before_start=include_before,
            historical=historical,
        )
        return 200, dumps({"ticker": ticker, "candlesticks": rows})

    def _h_candlesticks(self, ctx: _Ctx, series_ticker: str, ticker: str) -> tuple[int, bytes]:
        return self._candles(ctx, series_ticker, ticker, historical=False)

    def _h_historical_candlesticks(self, ctx: _Ctx, ticker: str) -> tuple[int, bytes]:
        return self._candles(ctx, None, ticker, historical=True)

    def _h_exchange_status(self, ctx: _Ctx) -> tuple[int, bytes]:
        return 200, dumps(self.exchange.exchange_status())  # not enveloped, as live

    def _h_exchange_schedule(self, ctx: _Ctx) -> tuple[int, bytes]:
        schedule = self.exchange.exchange_schedule()
        return 200, dumps(schedule if "schedule" in schedule else {"schedule": schedule})

    def _h_historical_cutoff(self, ctx: _Ctx) -> tuple[int, bytes]:
        return 200, dumps(self.exchange.historical_cutoff())

    def _h_v1_write(self, ctx: _Ctx, order_id: str | None = None) -> tuple[int, bytes]:
        # Live status for this code is UNCONFIRMED; the code and message are as observed.
        raise SandboxError(
            400, "deprecated_v1_order_endpoint", "Please switch to the V2 endpoints", _V1_DETAILS
        )
