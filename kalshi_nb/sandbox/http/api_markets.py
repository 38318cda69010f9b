"""Market-data handlers added in issue 12 (batch candlesticks, multivariate events, event metadata, series
fee changes, ``exclude_markets`` on one event) and the price-grid control route.

A mixin of ``SandboxApp`` (http/app.py), a subclass of ``ApiRoutes`` listed before it, so its ``_h_event``
is the one served. Every handler parses its query strictly (400 naming the parameter) and asks the ``Exchange``.
"""

from __future__ import annotations

from werkzeug.wrappers import Request

from ..data import wire_event
from ..errors import bad_request
from .api import ApiRoutes
from .routes import _Limit
from .wire import _Ctx, dumps

# openapi.yaml GetMultivariateEvents: "Defaults to 100. Maximum value is 200."
LIMIT_MVE_EVENTS = _Limit(100, 1, 200)
LIMIT_FEE_CHANGES = _Limit(100, 1, 1000)  # openapi.yaml LimitQuery


class MarketRoutes(ApiRoutes):
    """``_h_batch_candlesticks``, ``_h_multivariate_events``, ``_h_event_metadata``,
    ``_h_series_fee_changes``, ``_h_event_fee_changes``, ``_h_event`` (overrides ``ApiRoutes._h_event``: ``exclude_markets``) and
    the control ``_c_price_grid``. Builds on ``ApiRoutes``' list plumbing (``_list``)."""

    def _h_batch_candlesticks(self, ctx: _Ctx) -> tuple[int, bytes]:
        q = ctx.q
        tickers = q.csv("market_tickers", max_items=100)
        if not tickers:
            raise bad_request("query parameter 'market_tickers' is required: comma-separated market tickers")
        start_ts = q.integer("start_ts", required=True)
        end_ts = q.integer("end_ts", required=True)
        period = q.integer("period_interval", required=True)
        assert start_ts is not None and end_ts is not None and period is not None
        if period not in (1, 60, 1440):
            raise bad_request(
                f"query parameter 'period_interval' must be 1, 60 or 1440 (minutes), got {period}"
            )
        markets = self.exchange.batch_candlesticks(
            tickers,
            start_ts=start_ts,
            end_ts=end_ts,
            period_interval=period,
            include_latest_before_start=bool(q.boolean("include_latest_before_start")),
        )
        return 200, dumps({"markets": markets})

    def _h_multivariate_events(self, ctx: _Ctx) -> tuple[int, bytes]:
        q = ctx.q
        filters = {
            "series_ticker": q.text("series_ticker"),
            "collection_ticker": q.text("collection_ticker"),
            "tickers": q.csv("tickers"),
            "with_nested_markets": bool(q.boolean("with_nested_markets")),
        }
        if filters["series_ticker"] and filters["collection_ticker"]:
            raise bad_request(
                "query parameter 'collection_ticker' cannot be used together with 'series_ticker'"
            )
        return self._list(
            ctx,
            "events",
            filters,
            lambda: self.exchange.multivariate_events(**filters, with_keys=True),
            LIMIT_MVE_EVENTS,
            render=wire_event,
        )

    def _h_event(self, ctx: _Ctx, event_ticker: str) -> tuple[int, bytes]:
        q = ctx.q
        nested = bool(q.boolean("with_nested_markets"))
        exclude = bool(q.boolean("exclude_markets"))
        event, markets = self.exchange.event(
            event_ticker, with_nested_markets=nested, exclude_markets=exclude
        )
        # Top-level "markets" is deprecated live but still present (required by GetEventResponse).
        return 200, b"".join(
            (
                b'{"event":',
                dumps(event),
                b',"markets":',
                dumps(markets),
                b"}",
            )
        )

    def _h_event_metadata(self, ctx: _Ctx, event_ticker: str) -> tuple[int, bytes]:
        return 200, dumps(self.exchange.event_metadata(event_ticker))  # not enveloped, as the spec says

    def _h_series_fee_changes(self, ctx: _Ctx) -> tuple[int, bytes]:
        q = ctx.q
        rows = self.exchange.series_fee_changes(
            series_ticker=q.text("series_ticker"), show_historical=bool(q.boolean("show_historical"))
        )
        return 200, dumps({"series_fee_change_arr": rows})

    def _h_event_fee_changes(self, ctx: _Ctx) -> tuple[int, bytes]:
        # The seeded data has no event fee override; POST /_sandbox/event_fee sets one (exchange/eventfees.py).
        filters = {"event_ticker": ctx.q.text("event_ticker")}
        return self._list(
            ctx, "event_fee_changes", filters,
            lambda: self.exchange.event_fee_changes(**filters, with_keys=True), LIMIT_FEE_CHANGES,
        )  # fmt: skip

    def _c_price_grid(self, request: Request, body: object) -> dict:
        """``POST /_sandbox/price_grid`` ``{"ticker", "price_level_structure", "price_ranges"?}``: move a
        market to another grid while it trades (resting orders stay); answers ``{"market": ...}``."""
        if not isinstance(body, dict) or not isinstance(body.get("ticker"), str):
            raise bad_request(
                'send {"ticker": "...", "price_level_structure": "deci_cent"} '
                '(optionally "price_ranges": [{"start", "end", "step"}, ...])'
            )
        unknown = sorted(set(body) - {"ticker", "price_level_structure", "price_ranges"})
        if unknown:
            raise bad_request(f"unknown field(s): {', '.join(unknown)}")
        try:
            market = self.exchange.set_price_grid(
                body["ticker"], body.get("price_level_structure"), body.get("price_ranges")
            )
        except ValueError as exc:
            raise bad_request(str(exc)) from None
        return {"market": market}
