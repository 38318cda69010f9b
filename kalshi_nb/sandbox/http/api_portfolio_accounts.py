"""Route handlers for money moves and the account's limits: subaccounts, transfers between subaccounts and
between exchange shards, the target balance allocation, ``/account/limits`` and ``/account/endpoint_costs``;
and ``_charge``, the rate-limit step of every API request (bucket, cost, batch size by tier)."""

from __future__ import annotations

from ..errors import bad_request
from ..pagination import filter_scope
from ..ratelimit import DEFAULT_COST
from .api_portfolio import PortfolioRoutes
from .routes import API_PREFIX, ENDPOINT_COSTS, LIMIT_PORTFOLIO, _bucket, _cost, _Limit, batch_items
from .wire import _Ctx, dumps

LIMIT_TRANSFERS = _Limit(100, 1, 500)  # openapi.yaml TransfersLimitQuery


class AccountRoutes(PortfolioRoutes):
    """``_h_<endpoint>`` handlers of the account routes, and the per-request rate-limit charge."""

    # --- rate limits ------------------------------------------------------------------------------------

    def _charge(self, ctx: _Ctx, raw_body: bytes) -> bool:
        """Refuse (400 ``batch_too_large``) a batch larger than the tier allows, before any token is taken (it
        could never be afforded); then take the request's tokens; False means answer 429."""
        endpoint = ctx.endpoint
        items = batch_items(endpoint, raw_body)
        if items is not None:
            kind = "create" if endpoint == "batch_create_orders" else "cancel"
            limit = self._max_batch(kind)
            if items > limit:
                raise bad_request(
                    f"at most {limit} orders per batch {kind} on the {self._tier().name} tier (got {items}); "
                    "split the batch",
                    code="batch_too_large",
                )
        limiter = self.limiter
        if limiter is None:
            return True
        identity = ctx.user.key_id if ctx.user else f"ip:{ctx.request.remote_addr}"
        return limiter.allow(identity, _bucket(endpoint), _cost(endpoint, raw_body))

    def _h_account_limits(self, ctx: _Ctx) -> tuple[int, bytes]:
        tier = self._tier()
        return 200, dumps(
            {
                "usage_tier": tier.name,
                "read": {"refill_rate": int(tier.read_rate), "bucket_capacity": int(tier.read_capacity)},
                "write": {"refill_rate": int(tier.write_rate), "bucket_capacity": int(tier.write_capacity)},
                "grants": [],
            }
        )

    def _h_endpoint_costs(self, ctx: _Ctx) -> tuple[int, bytes]:
        costs = [
            {"method": method, "path": API_PREFIX + path, "cost": cost}
            for method, path, cost in ENDPOINT_COSTS.values()
        ]
        return 200, dumps({"default_cost": DEFAULT_COST, "endpoint_costs": costs})

    # --- transfers between shards -------------------------------------------------------------------

    def _h_intra_transfer(self, ctx: _Ctx) -> tuple[int, bytes]:
        return 200, dumps(self.exchange.intra_exchange_transfer(ctx.user_id, ctx.json()))

    def _h_intra_transfers(self, ctx: _Ctx) -> tuple[int, bytes]:
        limit = ctx.q.limit(LIMIT_TRANSFERS)
        rows, keys = self.exchange.intra_exchange_transfers(ctx.user_id, with_keys=True)
        scope = filter_scope(ctx.endpoint, {}, user_id=ctx.user_id)
        page, cursor = self._page(ctx, rows, keys, scope, limit)
        body: dict = {"transfers": page}
        if cursor:
            body["cursor"] = cursor  # "Omitted when there are no further pages" (openapi.yaml)
        return 200, dumps(body)

    def _h_intra_transfer_get(self, ctx: _Ctx, transfer_id: str) -> tuple[int, bytes]:
        return 200, dumps(
            {"transfer": self.exchange.intra_exchange_transfer_record(ctx.user_id, transfer_id)}
        )

    def _h_allocation_get(self, ctx: _Ctx) -> tuple[int, bytes]:
        return 200, dumps(self.exchange.target_balance_allocation(ctx.user_id))

    def _h_allocation_set(self, ctx: _Ctx) -> tuple[int, bytes]:
        return 200, dumps(self.exchange.set_target_balance_allocation(ctx.user_id, ctx.json()))

    # --- subaccounts ----------------------------------------------------------------------------------

    def _h_subaccount_create(self, ctx: _Ctx) -> tuple[int, bytes]:
        body = ctx.json() if ctx.body.strip() else None  # the body is optional
        return 201, dumps(self.exchange.create_subaccount(ctx.user_id, body))

    def _h_subaccount_transfer(self, ctx: _Ctx) -> tuple[int, bytes]:
        return 200, dumps(self.exchange.transfer_between_subaccounts(ctx.user_id, ctx.json()))

    def _h_subaccount_balances(self, ctx: _Ctx) -> tuple[int, bytes]:
        return 200, dumps(self.exchange.subaccount_balances(ctx.user_id))

    def _h_subaccount_transfers(self, ctx: _Ctx) -> tuple[int, bytes]:
        return self._list(
            ctx,
            "transfers",
            {},
            lambda: self.exchange.subaccount_transfers(ctx.user_id, with_keys=True),
            LIMIT_PORTFOLIO,
            user=True,
            cache=False,
        )
