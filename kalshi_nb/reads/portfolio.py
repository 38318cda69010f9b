"""Portfolio reads (credentials needed): balance per shard, positions, fills, orders, settlements, their
historical tier, queue positions, transfers between shards and subaccounts, and the balance allocation."""

from __future__ import annotations

from typing import Any

from ..endpoints import check_filters
from ..order_v2 import check_subaccount
from .base import ReadBase, check_limit, csv, seg


class PortfolioReads(ReadBase):
    """The account's GETs of ``KalshiClient``."""

    # --- balance and positions ---------------------------------------------------------------------------
    def get_balance(self, *, exchange_index: int | None = None, subaccount: int | None = None) -> dict:
        """``GET /portfolio/balance``: ``{"balance": int cents, "balance_dollars", "portfolio_value", ...}``.

        Totals across every exchange shard unless ``exchange_index`` scopes it; ``balance_breakdown`` lists
        each shard's balance (``[{"exchange_index", "balance": "$ string"}]``). ``subaccount``: 0 (primary,
        the default) to 63. ``frames.balance_frame`` shows the total and one row per shard.

        Example:
            >>> client.get_balance()["balance"] >= 0
            True
        """
        params = {"exchange_index": exchange_index, "subaccount": check_subaccount(subaccount)}
        return self._request("GET", "/portfolio/balance", params=check_filters("balance", params))

    def get_positions(self, limit: int = 100, cursor: str | None = None, **filters: Any) -> dict:
        """``GET /portfolio/positions``: ``{"market_positions": [...], "event_positions": [...], "cursor"}``.

        ``filters``: ``settlement_status`` (``unsettled`` by default on the server, ``settled``, ``all``),
        ``ticker``, ``event_ticker``, ``exchange_index``, ``subaccount``, ``count_filter``.
        """
        params = {"cursor": cursor, **filters}
        params["limit"] = check_limit("positions", limit)
        return self._request(
            "GET", "/portfolio/positions", params=csv(check_filters("positions", params), "count_filter")
        )

    def get_historical_positions(self, limit: int = 1000, cursor: str | None = None, **filters: Any) -> dict:
        """``GET /historical/positions``: settled positions archived per whole event (same shape as positions).

        ``filters``: ``ticker``, ``event_ticker``, ``subaccount``.
        """
        params = {"cursor": cursor, "limit": check_limit("historical_positions", limit), **filters}
        return self._request(
            "GET", "/historical/positions", params=check_filters("historical_positions", params)
        )

    # --- fills, orders, settlements ----------------------------------------------------------------------
    def get_fills(
        self, ticker: str | None = None, limit: int = 100, cursor: str | None = None, **filters: Any
    ) -> dict:
        """``GET /portfolio/fills``: ``{"fills": [...], "cursor": str}``; fills older than the cutoff's
        ``trades_created_ts`` are only in :meth:`get_historical_fills`."""
        params = {"ticker": ticker, "cursor": cursor, **filters}
        params["limit"] = check_limit("fills", limit)
        return self._request("GET", "/portfolio/fills", params=csv(check_filters("fills", params), "ticker"))

    def get_historical_fills(
        self, ticker: str | None = None, limit: int = 1000, cursor: str | None = None, **filters: Any
    ) -> dict:
        """``GET /historical/fills``: one page of the account's fills older than ``trades_created_ts``.

        ``filters``: ``min_ts``, ``max_ts``, ``subaccount``.
        """
        params = {"ticker": ticker, "cursor": cursor, **filters}
        params["limit"] = check_limit("historical_fills", limit)
        return self._request("GET", "/historical/fills", params=check_filters("historical_fills", params))

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
        params["limit"] = check_limit("orders", limit)
        return self._request(
            "GET", "/portfolio/orders", params=csv(check_filters("orders", params), "event_ticker")
        )

    def get_historical_orders(
        self, ticker: str | None = None, limit: int = 1000, cursor: str | None = None, **filters: Any
    ) -> dict:
        """``GET /historical/orders``: orders canceled or executed before ``orders_updated_ts``.

        Resting orders are always in :meth:`get_orders`. ``filters``: ``min_ts``, ``max_ts``, ``subaccount``.
        """
        params = {"ticker": ticker, "cursor": cursor, **filters}
        params["limit"] = check_limit("historical_orders", limit)
        return self._request("GET", "/historical/orders", params=check_filters("historical_orders", params))

    def get_order(self, order_id: str) -> dict:
        """``GET /portfolio/orders/{order_id}``: ``{"order": {...}}``."""
        return self._request("GET", f"/portfolio/orders/{seg(order_id)}")

    def get_settlements(self, limit: int = 100, cursor: str | None = None, **filters: Any) -> dict:
        """``GET /portfolio/settlements``: ``{"settlements": [...], "cursor": str}``."""
        params = {"cursor": cursor, **filters}
        params["limit"] = check_limit("settlements", limit)
        return self._request("GET", "/portfolio/settlements", params=check_filters("settlements", params))

    # --- resting orders ------------------------------------------------------------------------------------
    def get_queue_positions(
        self,
        market_tickers: str | list[str] | None = None,
        *,
        event_ticker: str | None = None,
        subaccount: int | None = None,
    ) -> dict:
        """``GET /portfolio/orders/queue_positions``: ``{"queue_positions": [{order_id, market_ticker,
        queue_position_fp}, ...]}`` for the resting orders (contracts ahead of each, by price-time priority).

        Example:
            >>> [q["order_id"] for q in client.get_queue_positions(ticker)["queue_positions"]]
            []
        """
        params = {
            "market_tickers": market_tickers,
            "event_ticker": event_ticker,
            "subaccount": check_subaccount(subaccount),
        }
        return self._request(
            "GET",
            "/portfolio/orders/queue_positions",
            params=csv(check_filters("queue_positions", params), "market_tickers"),
        )

    def get_queue_position(self, order_id: str) -> dict:
        """``GET /portfolio/orders/{order_id}/queue_position``: ``{"queue_position_fp": "12.00"}``."""
        return self._request("GET", f"/portfolio/orders/{seg(order_id)}/queue_position")

    def get_total_resting_order_value(self) -> dict:
        """``GET /portfolio/summary/total_resting_order_value``: ``{"total_resting_order_value": cents,
        "resting_order_value_breakdown": [{"exchange_index", "balance"}]}`` (meant for FCM members)."""
        return self._request("GET", "/portfolio/summary/total_resting_order_value")

    # --- shards and subaccounts ----------------------------------------------------------------------------
    def get_shard_transfers(self, limit: int = 100, cursor: str | None = None) -> dict:
        """``GET /portfolio/intra_exchange_instance_transfers``: one page of transfers between shards
        (``{"transfers": [{transfer_id, source_exchange_shard, destination_exchange_shard, amount, status,
        created_ts}], "cursor"}``); ``client.transfer_between_shards(...)`` makes one."""
        params = {"limit": check_limit("shard_transfers", limit), "cursor": cursor}
        return self._request(
            "GET",
            "/portfolio/intra_exchange_instance_transfers",
            params=check_filters("shard_transfers", params),
        )

    def get_shard_transfer(self, transfer_id: str) -> dict:
        """``GET /portfolio/intra_exchange_instance_transfers/{transfer_id}``: ``{"transfer": {...}}``."""
        return self._request("GET", f"/portfolio/intra_exchange_instance_transfers/{seg(transfer_id)}")

    def get_subaccount_balances(self) -> dict:
        """``GET /portfolio/subaccounts/balances``: ``{"subaccount_balances": [{subaccount_number,
        exchange_index, balance, updated_ts}]}``, one entry per subaccount and shard."""
        return self._request("GET", "/portfolio/subaccounts/balances")

    def get_subaccount_transfers(self, limit: int = 100, cursor: str | None = None) -> dict:
        """``GET /portfolio/subaccounts/transfers``: one page of transfers between subaccounts."""
        params = {"limit": check_limit("subaccount_transfers", limit), "cursor": cursor}
        return self._request(
            "GET", "/portfolio/subaccounts/transfers", params=check_filters("subaccount_transfers", params)
        )

    def get_target_balance_allocation(self) -> dict:
        """``GET /portfolio/target_balance_allocation``: ``{"allocations": [{exchange_index, percent}],
        "resting_margin_reservation"}``; an empty list means automatic rebalancing across shards is off."""
        return self._request("GET", "/portfolio/target_balance_allocation")
