"""The portfolio route handlers: balances, positions, fills, orders and settlements (live and historical
tiers), queue positions, the order writes, with subaccounts and exchange shards."""

from __future__ import annotations

from ..errors import bad_request
from ..pagination import filter_scope
from ..ratelimit import TIERS, Tier, max_batch_size
from .api import ApiRoutes
from .routes import LIMIT_PORTFOLIO
from .wire import _Ctx, _Query, dumps


def subaccount_query(q: _Query, *, default: int | None) -> int | None:
    """``subaccount`` (0 primary, 1-63); ``default`` when absent (0, or None for "every subaccount")."""
    value = q.integer("subaccount", low=0, high=63)
    return default if value is None else value


def shard_query(q: _Query, *, auto: bool = False) -> int | None:
    """``exchange_index`` as a filter (>= 0; the exchange checks that the shard exists), or with ``auto`` also
    -1, "route by market_ticker"."""
    return q.integer("exchange_index", low=-1 if auto else 0)


class PortfolioRoutes(ApiRoutes):
    """Handlers of ``/portfolio/*`` reads and writes and ``/historical/{fills,orders,positions}``."""

    def _h_balance(self, ctx: _Ctx) -> tuple[int, bytes]:
        sub = subaccount_query(ctx.q, default=0)
        shard = shard_query(ctx.q)
        assert sub is not None
        return 200, dumps(self.exchange.balance(ctx.user_id, subaccount=sub, exchange_index=shard))

    def _positions(self, ctx: _Ctx, *, historical: bool) -> tuple[int, bytes]:
        q = ctx.q
        filters: dict = {
            "ticker": q.text("ticker"),
            "event_ticker": q.text("event_ticker", single=True),
            "subaccount": subaccount_query(q, default=0),
        }
        if historical:
            filters["settlement_status"] = "all"
        else:
            count_filter = q.csv("count_filter")
            if count_filter and not set(count_filter) <= {"position", "total_traded"}:
                raise bad_request("query parameter 'count_filter' takes position and/or total_traded")
            filters["count_filter"] = count_filter
            filters["settlement_status"] = (
                q.choice("settlement_status", ("unsettled", "settled", "all")) or "unsettled"
            )
            filters["exchange_index"] = shard_query(q)
        limit = q.limit(LIMIT_PORTFOLIO)
        scope = filter_scope(ctx.endpoint, filters, user_id=ctx.user_id)
        market_positions, event_positions, keys = self.exchange.positions(
            ctx.user_id, **filters, historical=historical, with_keys=True
        )
        page, next_cursor = self._page(ctx, market_positions, keys, scope, limit)
        # One cursor pages market_positions; each page carries the event positions of its markets' events.
        events = {self.exchange.event_ticker_of(p["ticker"]) for p in page}
        event_page = [e for e in event_positions if e["event_ticker"] in events]
        return 200, dumps({"market_positions": page, "event_positions": event_page, "cursor": next_cursor})

    def _h_positions(self, ctx: _Ctx) -> tuple[int, bytes]:
        return self._positions(ctx, historical=False)

    def _h_historical_positions(self, ctx: _Ctx) -> tuple[int, bytes]:
        return self._positions(ctx, historical=True)

    def _fills(self, ctx: _Ctx, *, historical: bool) -> tuple[int, bytes]:
        q = ctx.q
        filters: dict = {
            "min_ts": q.integer("min_ts"),
            "max_ts": q.integer("max_ts"),
            "subaccount": subaccount_query(q, default=None),
        }
        if historical:
            ticker = q.text("ticker")
            filters["tickers"] = [ticker] if ticker else None
        else:
            filters["tickers"] = q.csv("ticker", max_items=100)
            filters["order_id"] = q.text("order_id")
            filters["exchange_index"] = shard_query(q)
        return self._list(
            ctx,
            "fills",
            filters,
            lambda: self.exchange.fills(ctx.user_id, **filters, historical=historical, with_keys=True),
            LIMIT_PORTFOLIO,
            user=True,
            cache=False,
        )

    def _h_fills(self, ctx: _Ctx) -> tuple[int, bytes]:
        return self._fills(ctx, historical=False)

    def _h_historical_fills(self, ctx: _Ctx) -> tuple[int, bytes]:
        return self._fills(ctx, historical=True)

    def _orders(self, ctx: _Ctx, *, historical: bool) -> tuple[int, bytes]:
        q = ctx.q
        filters: dict = {
            "ticker": q.text("ticker"),
            "min_ts": q.integer("min_ts"),
            "max_ts": q.integer("max_ts"),
            "subaccount": subaccount_query(q, default=None),
        }
        if not historical:
            filters["event_tickers"] = q.csv("event_ticker", max_items=10)
            filters["status"] = q.choice("status", ("resting", "canceled", "executed"))
            filters["exchange_index"] = shard_query(q)
        return self._list(
            ctx,
            "orders",
            filters,
            lambda: self.exchange.orders(ctx.user_id, **filters, historical=historical, with_keys=True),
            LIMIT_PORTFOLIO,
            user=True,
            cache=False,
        )

    def _h_orders(self, ctx: _Ctx) -> tuple[int, bytes]:
        return self._orders(ctx, historical=False)

    def _h_historical_orders(self, ctx: _Ctx) -> tuple[int, bytes]:
        return self._orders(ctx, historical=True)

    def _h_order(self, ctx: _Ctx, order_id: str) -> tuple[int, bytes]:
        return 200, dumps({"order": self.exchange.order(ctx.user_id, order_id)})

    def _h_settlements(self, ctx: _Ctx) -> tuple[int, bytes]:
        q = ctx.q
        filters = {
            "ticker": q.text("ticker"),
            "event_ticker": q.text("event_ticker", single=True),
            "min_ts": q.integer("min_ts"),
            "max_ts": q.integer("max_ts"),
            "subaccount": subaccount_query(q, default=None),
        }
        return self._list(
            ctx,
            "settlements",
            filters,
            lambda: self.exchange.settlements(ctx.user_id, **filters, with_keys=True),
            LIMIT_PORTFOLIO,
            user=True,
            cache=False,
        )

    def _h_queue_positions(self, ctx: _Ctx) -> tuple[int, bytes]:
        q = ctx.q
        answer = self.exchange.queue_positions(
            ctx.user_id,
            market_tickers=q.csv("market_tickers"),
            event_ticker=q.text("event_ticker", single=True),
            subaccount=subaccount_query(q, default=0),
        )
        return 200, dumps(answer)

    def _h_queue_position(self, ctx: _Ctx, order_id: str) -> tuple[int, bytes]:
        return 200, dumps(self.exchange.queue_position(ctx.user_id, order_id))

    def _h_total_resting_order_value(self, ctx: _Ctx) -> tuple[int, bytes]:
        return 200, dumps(self.exchange.total_resting_order_value(ctx.user_id))

    def _h_user_data_timestamp(self, ctx: _Ctx) -> tuple[int, bytes]:
        return 200, dumps(self.exchange.user_data_timestamp())

    # --- order writes ---------------------------------------------------------------------------------

    def _h_create_order(self, ctx: _Ctx) -> tuple[int, bytes]:
        return 201, dumps(self.exchange.create_order(ctx.user_id, ctx.json()))

    def _h_cancel_order(self, ctx: _Ctx, order_id: str) -> tuple[int, bytes]:
        q = ctx.q
        answer = self.exchange.cancel_order(
            ctx.user_id,
            order_id,
            market_ticker=q.text("market_ticker"),
            subaccount=subaccount_query(q, default=0),
            exchange_index=shard_query(q, auto=True),
            route=True,
        )
        return 200, dumps(answer)

    def _h_amend_order(self, ctx: _Ctx, order_id: str) -> tuple[int, bytes]:
        sub = subaccount_query(ctx.q, default=0)
        return 200, dumps(self.exchange.amend_order(ctx.user_id, order_id, ctx.json(), subaccount=sub))

    def _h_decrease_order(self, ctx: _Ctx, order_id: str) -> tuple[int, bytes]:
        return 200, dumps(self.exchange.decrease_order(ctx.user_id, order_id, ctx.json()))

    def _h_batch_create_orders(self, ctx: _Ctx) -> tuple[int, bytes]:
        answer = self.exchange.batch_create_orders(
            ctx.user_id, ctx.json(), max_batch=self._max_batch("create")
        )
        return 201, dumps(answer)

    def _h_batch_cancel_orders(self, ctx: _Ctx) -> tuple[int, bytes]:
        answer = self.exchange.batch_cancel_orders(
            ctx.user_id, ctx.json(), max_batch=self._max_batch("cancel"), route=True
        )
        return 200, dumps(answer)

    def _h_cancel_all_orders(self, ctx: _Ctx) -> tuple[int, bytes]:
        self.exchange.cancel_all_orders(ctx.user_id, subaccount=subaccount_query(ctx.q, default=None))
        return 204, b""

    # --- the usage tier ---------------------------------------------------------------------------------

    usage_tier: str  # ControlRoutes: the tier reported (and limiting, when limits are on)

    def _tier(self) -> Tier:
        """The account's usage tier: the limiter's, or the last one chosen while limits are off (Basic)."""
        return self.limiter.tier if self.limiter is not None else TIERS[self.usage_tier]

    def _max_batch(self, kind: str) -> int:
        return max_batch_size(self._tier(), kind)
