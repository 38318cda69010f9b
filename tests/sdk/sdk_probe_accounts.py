"""The probe's calls for Kalshi as of December 2026: shards, subaccounts, transfers, history and limits.

Imported by ``sdk_probe.py`` (run under the SDK's Python 3.13, importing nothing from kalshi_nb); each call
goes through ``Probe.call``, so the SDK's models parse it and the raw JSON is audited like every other call.
``samples`` on the records hold what ``test_official_sdk.py`` checks: which shard each record says it is on,
the balance breakdown, the subaccount's order and balance, and the transfers in their histories.
"""

from __future__ import annotations

import decimal
import time
import uuid
from typing import Any

import kalshi_python_sync as k
from kalshi_python_sync import models as M

CRYPTO_SERIES = "KXBTC15M"  # a Crypto series: on shard 2 since 2026-08-24
TRANSFER_CENTS = 500


def _shards(records: list[Any]) -> list[int | None]:
    return sorted({getattr(r, "exchange_index", None) for r in records}, key=lambda x: (x is None, x))


def _lowest_price(market: M.Market) -> str:
    first = market.price_ranges[0]
    start, step = decimal.Decimal(first.start), decimal.Decimal(first.step)
    return str(start if start > 0 else start + step)


def _resting_order(market: M.Market, **extra: Any) -> M.CreateOrderV2Request:
    """One contract bid at the grid's lowest price: far below any ask, so it rests."""
    return M.CreateOrderV2Request(
        ticker=market.ticker,
        side=M.BookSide.BID,
        count="1",
        price=_lowest_price(market),
        time_in_force="good_till_canceled",
        self_trade_prevention_type=M.SelfTradePreventionType.TAKER_AT_CROSS,
        client_order_id=f"probe-{uuid.uuid4().hex[:12]}",
        **extra,
    )


def shard_reads(p: Any, api: dict[str, Any], market: M.Market, t: dict[str, Any]) -> None:
    """``exchange_index`` wherever the spec puts it, the balance across shards and scoped to one."""
    mk, ev, ex, pf, orders = api["market"], api["events"], api["exchange"], api["portfolio"], api["orders"]
    p.call(
        "get_exchange_status shards",
        lambda: ex.get_exchange_status_with_http_info(**t),
        M.ExchangeStatus,
        count=lambda d: len(d.exchange_index_statuses or []),
        sample=lambda d: {"shards": sorted(s.exchange_index for s in d.exchange_index_statuses or [])},
    )
    p.call(
        "get_markets shards",
        lambda: mk.get_markets_with_http_info(limit=200, status="open", **t),
        M.GetMarketsResponse,
        count=lambda d: len(d.markets),
        sample=lambda d: {"shards": _shards(d.markets)},
    )
    p.call(
        f"get_markets series_ticker={CRYPTO_SERIES} shards",
        lambda: mk.get_markets_with_http_info(series_ticker=CRYPTO_SERIES, limit=20, **t),
        M.GetMarketsResponse,
        count=lambda d: len(d.markets),
        sample=lambda d: {"shards": _shards(d.markets)},
    )
    p.call(
        "get_event shards",
        lambda: ev.get_event_with_http_info(event_ticker=market.event_ticker, with_nested_markets=True, **t),
        M.GetEventResponse,
        sample=lambda d: {"event": d.event.exchange_index, "markets": _shards(d.event.markets or [])},
    )
    p.call(
        "get_series_list shards",
        lambda: mk.get_series_list_with_http_info(**t),
        M.GetSeriesListResponse,
        count=lambda d: len(d.series),
        sample=lambda d: {
            "shards": _shards(d.series),
            "crypto": [s.exchange_index for s in d.series if s.ticker == CRYPTO_SERIES],
        },
    )
    p.call(
        "get_balance breakdown",
        lambda: pf.get_balance_with_http_info(**t),
        M.GetBalanceResponse,
        count=lambda d: len(d.balance_breakdown or []),
        sample=lambda d: {
            "balance": d.balance,
            "breakdown": {b.exchange_index: b.balance for b in d.balance_breakdown or []},
        },
    )
    p.call(
        "get_balance exchange_index=0",
        lambda: pf.get_balance_with_http_info(exchange_index=0, **t),
        M.GetBalanceResponse,
        sample=lambda d: {"balance": d.balance},
    )
    for name, fetch, model, items in (
        ("get_orders", lambda: orders.get_orders_with_http_info(**t), M.GetOrdersResponse, "orders"),
        ("get_fills", lambda: pf.get_fills_with_http_info(**t), M.GetFillsResponse, "fills"),
        (
            "get_positions",
            lambda: pf.get_positions_with_http_info(**t),
            M.GetPositionsResponse,
            "market_positions",
        ),
        (
            "get_settlements",
            lambda: pf.get_settlements_with_http_info(**t),
            M.GetSettlementsResponse,
            "settlements",
        ),
    ):
        p.call(
            f"{name} shards",
            fetch,
            model,
            count=lambda d, i=items: len(getattr(d, i)),
            sample=lambda d, i=items: {"shards": _shards(getattr(d, i))},
        )


def new_reads(p: Any, api: dict[str, Any], market: M.Market, t: dict[str, Any]) -> None:
    """The read routes added to the sandbox for issue 12."""
    mk, ev, ex, pf, orders = (api[n] for n in ("market", "events", "exchange", "portfolio", "orders"))
    account = api["account"]
    now = int(time.time())
    p.call(
        "batch_get_market_candlesticks",
        lambda: mk.batch_get_market_candlesticks_with_http_info(
            market_tickers=market.ticker, start_ts=now - 3 * 3600, end_ts=now, period_interval=1, **t
        ),
        M.BatchGetMarketCandlesticksResponse,
        count=lambda d: sum(len(m.candlesticks) for m in d.markets),
        sample=lambda d: {"tickers": [m.market_ticker for m in d.markets]},
    )
    p.call(
        "get_multivariate_events",
        lambda: ev.get_multivariate_events_with_http_info(limit=5, **t),
        M.GetMultivariateEventsResponse,
        count=lambda d: len(d.events),
    )
    p.call(
        "get_event_metadata",
        lambda: ev.get_event_metadata_with_http_info(event_ticker=market.event_ticker, **t),
        M.GetEventMetadataResponse,
        count=lambda d: len(d.market_details),
    )
    p.call(
        "get_series_fee_changes",
        lambda: ex.get_series_fee_changes_with_http_info(show_historical=True, **t),
        M.GetSeriesFeeChangesResponse,
        count=lambda d: len(d.series_fee_change_arr),
    )
    p.call(
        "get_user_data_timestamp",
        lambda: ex.get_user_data_timestamp_with_http_info(**t),
        M.GetUserDataTimestampResponse,
        sample=lambda d: {"as_of_time": d.as_of_time.isoformat()},
    )
    p.call(
        "get_account_api_limits",
        lambda: account.get_account_api_limits_with_http_info(**t),
        M.GetAccountApiLimitsResponse,
        sample=lambda d: {"usage_tier": d.usage_tier, "read": d.read.to_dict(), "write": d.write.to_dict()},
    )
    p.call(
        "get_account_endpoint_costs",
        lambda: account.get_account_endpoint_costs_with_http_info(**t),
        M.GetAccountEndpointCostsResponse,
        count=lambda d: len(d.endpoint_costs),
        sample=lambda d: {"default_cost": d.default_cost},
    )
    # A resting order of its own to ask about (the write phase before this one cancelled all of them).
    resting = p.call(
        "create_order_v2 for queue_position",
        lambda: orders.create_order_v2_with_http_info(_resting_order(market), **t),
        M.CreateOrderV2Response,
        status=201,
    )
    if resting is not None:
        p.call(
            "get_order_queue_positions",
            lambda: orders.get_order_queue_positions_with_http_info(market_tickers=market.ticker, **t),
            M.GetOrderQueuePositionsResponse,
            count=lambda d: len(d.queue_positions),
            sample=lambda d: {
                "orders": [q.order_id for q in d.queue_positions],
                "order_id": resting.order_id,
            },
        )
        p.call(
            "get_order_queue_position",
            lambda: orders.get_order_queue_position_with_http_info(order_id=resting.order_id, **t),
            M.GetOrderQueuePositionResponse,
            sample=lambda d: {"queue_position_fp": d.queue_position_fp},
        )
        p.call(
            "get_portfolio_resting_order_total_value",
            lambda: pf.get_portfolio_resting_order_total_value_with_http_info(**t),
            M.GetPortfolioRestingOrderTotalValueResponse,
            sample=lambda d: {"total": d.total_resting_order_value},
        )
        orders.cancel_order_v2(resting.order_id)
    history(p, api, t)


def history(p: Any, api: dict[str, Any], t: dict[str, Any]) -> None:
    """The user's tiers older than the cutoff: ``/historical/fills``, ``/orders`` and ``/positions``."""
    hist = api["historical"]
    p.call(
        "get_fills_historical",
        lambda: hist.get_fills_historical_with_http_info(limit=200, **t),
        M.GetFillsResponse,
        count=lambda d: len(d.fills),
        sample=lambda d: {"order_ids": [f.order_id for f in d.fills], "shards": _shards(d.fills)},
    )
    p.call(
        "get_historical_orders",
        lambda: hist.get_historical_orders_with_http_info(limit=200, **t),
        M.GetOrdersResponse,
        count=lambda d: len(d.orders),
        sample=lambda d: {
            "ids": [o.order_id for o in d.orders],
            "statuses": sorted({o.status.value for o in d.orders}),
        },
    )
    p.call(
        "get_historical_positions",
        lambda: hist.get_historical_positions_with_http_info(limit=200, **t),
        M.GetPositionsResponse,
        count=lambda d: len(d.market_positions),
        sample=lambda d: {"tickers": [m.ticker for m in d.market_positions]},
    )


def subaccounts(p: Any, api: dict[str, Any], market: M.Market, t: dict[str, Any]) -> None:
    """Create a subaccount, fund it, trade in it (a resting order, then cancelled), read its balances."""
    pf, orders = api["portfolio"], api["orders"]
    created = p.call(
        "create_subaccount",
        lambda: pf.create_subaccount_with_http_info(M.CreateSubaccountRequest(), **t),
        M.CreateSubaccountResponse,
        status=201,
        sample=lambda d: {"subaccount_number": d.subaccount_number},
    )
    if created is None:
        return
    number = created.subaccount_number
    shard = market.exchange_index or 0
    p.call(
        "apply_subaccount_transfer",
        lambda: pf.apply_subaccount_transfer_with_http_info(
            M.ApplySubaccountTransferRequest(
                client_transfer_id=uuid.uuid4(),
                from_subaccount=0,
                to_subaccount=number,
                amount_cents=TRANSFER_CENTS,
                exchange_index=shard,
            ),
            **t,
        ),
        None,
    )
    order = p.call(
        "create_order_v2 subaccount",
        lambda: orders.create_order_v2_with_http_info(_resting_order(market, subaccount=number), **t),
        M.CreateOrderV2Response,
        status=201,
        sample=lambda d: {"order_id": d.order_id},
    )
    p.call(
        "get_orders subaccount",
        lambda: orders.get_orders_with_http_info(subaccount=number, **t),
        M.GetOrdersResponse,
        count=lambda d: len(d.orders),
        sample=lambda d: {
            "ids": [o.order_id for o in d.orders],
            "subaccounts": sorted({o.subaccount_number for o in d.orders}, key=str),
        },
    )
    if order is not None:
        p.call(
            "cancel_order_v2 subaccount",
            lambda: orders.cancel_order_v2_with_http_info(order.order_id, subaccount=number, **t),
            M.CancelOrderV2Response,
        )
    p.call(
        "get_balance subaccount",
        lambda: pf.get_balance_with_http_info(subaccount=number, **t),
        M.GetBalanceResponse,
        sample=lambda d: {"balance": d.balance},
    )
    p.call(
        "get_subaccount_balances",
        lambda: pf.get_subaccount_balances_with_http_info(**t),
        M.GetSubaccountBalancesResponse,
        count=lambda d: len(d.subaccount_balances),
        sample=lambda d: {
            "balances": [[b.subaccount_number, b.exchange_index, b.balance] for b in d.subaccount_balances]
        },
    )
    p.call(
        "get_subaccount_transfers",
        lambda: pf.get_subaccount_transfers_with_http_info(limit=100, **t),
        M.GetSubaccountTransfersResponse,
        count=lambda d: len(d.transfers),
        sample=lambda d: {"to": [[x.to_subaccount, x.amount_cents] for x in d.transfers]},
    )


def shard_transfers(p: Any, api: dict[str, Any], t: dict[str, Any]) -> None:
    """Move collateral from shard 0 to shard 2, read it back in the history, read and re-set the allocation."""
    pf = api["portfolio"]
    moved = p.call(
        "intra_exchange_instance_transfer",
        lambda: pf.intra_exchange_instance_transfer_with_http_info(
            M.IntraExchangeInstanceTransferRequest(
                client_transfer_id=uuid.uuid4(),
                source=M.ExchangeInstance.EVENT_CONTRACT,
                destination=M.ExchangeInstance.EVENT_CONTRACT,
                amount=TRANSFER_CENTS * 100,  # this route counts in centi-cents
                source_exchange_shard=0,
                destination_exchange_shard=2,
            ),
            **t,
        ),
        M.IntraExchangeInstanceTransferResponse,
        sample=lambda d: {"transfer_id": d.transfer_id},
    )
    p.call(
        "get_intra_exchange_instance_transfers",
        lambda: pf.get_intra_exchange_instance_transfers_with_http_info(limit=100, **t),
        M.GetIntraExchangeInstanceTransfersResponse,
        count=lambda d: len(d.transfers),
        sample=lambda d: {"ids": [x.transfer_id for x in d.transfers]},
    )
    if moved is not None:
        p.call(
            "get_intra_exchange_instance_transfer",
            lambda: pf.get_intra_exchange_instance_transfer_with_http_info(
                transfer_id=moved.transfer_id, **t
            ),
            M.GetIntraExchangeInstanceTransferResponse,
            sample=lambda d: {
                "from": d.transfer.source_exchange_shard,
                "to": d.transfer.destination_exchange_shard,
                "amount": d.transfer.amount,
            },
        )
    allocation = p.call(
        "get_target_balance_allocation",
        lambda: pf.get_target_balance_allocation_with_http_info(**t),
        M.GetTargetBalanceAllocationResponse,
        count=lambda d: len(d.allocations),
        sample=lambda d: {"allocations": {a.exchange_index: a.percent for a in d.allocations}},
    )
    if allocation is not None and allocation.allocations:
        same = [
            M.TargetBalanceAllocationInput(exchange_index=a.exchange_index, percent=a.percent)
            for a in allocation.allocations
        ]
        p.call(
            "set_target_balance_allocation",
            lambda: pf.set_target_balance_allocation_with_http_info(
                M.SetTargetBalanceAllocationRequest(allocations=same), **t
            ),
            None,
        )


def run_all(p: Any, client: k.KalshiClient, api: dict[str, Any], market: M.Market, timeout: float) -> None:
    """Every call of this module but ``history``'s second run, in an order where each finds its state."""
    api = {**api, "account": k.AccountApi(client)}
    t = {"_request_timeout": timeout}
    shard_reads(p, api, market, t)
    new_reads(p, api, market, t)
    subaccounts(p, api, market, t)
    shard_transfers(p, api, t)
