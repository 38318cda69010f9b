"""The URL rules of the API and the control routes, the page-size limits and the rate-limit cost of a request."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from werkzeug.routing import Map, MapAdapter, Rule

from ..data import QUERY_STATUS
from ..limits import (
    parse_json,
)
from ..ratelimit import CANCEL_COST, DEFAULT_COST

API_PREFIX = "/trade-api/v2"


CONTROL_PREFIX = "/_sandbox"


MARKET_STATUSES = tuple(
    QUERY_STATUS
)  # openapi.yaml MarketStatusQuery: unopened, open, paused, closed, settled


def _api(path: str, endpoint: str, *methods: str) -> Rule:
    return Rule(API_PREFIX + path, endpoint=endpoint, methods=list(methods or ("GET",)))


RULES = [
    _api("/markets", "markets"),
    _api("/markets/trades", "trades"),
    _api("/markets/orderbooks", "orderbooks"),
    _api("/markets/<ticker>", "market"),
    _api("/markets/<ticker>/orderbook", "orderbook"),
    _api("/events", "events"),
    _api("/events/<event_ticker>", "event"),
    _api("/series", "series_list"),
    _api("/series/<series_ticker>", "series"),
    _api("/series/<series_ticker>/markets/<ticker>/candlesticks", "candlesticks"),
    # Issue 12 market data (http/api_markets.py).
    _api("/markets/candlesticks", "batch_candlesticks"),
    _api("/events/multivariate", "multivariate_events"),
    _api("/events/fee_changes", "event_fee_changes"),
    _api("/events/<event_ticker>/metadata", "event_metadata"),
    _api("/series/fee_changes", "series_fee_changes"),
    _api("/exchange/status", "exchange_status"),
    _api("/exchange/schedule", "exchange_schedule"),
    _api("/historical/cutoff", "historical_cutoff"),
    _api("/historical/markets", "historical_markets"),
    _api("/historical/markets/<ticker>", "historical_market"),
    _api("/historical/markets/<ticker>/candlesticks", "historical_candlesticks"),
    _api("/historical/trades", "historical_trades"),
    _api("/portfolio/balance", "balance"),
    _api("/portfolio/positions", "positions"),
    _api("/portfolio/fills", "fills"),
    _api("/portfolio/orders", "orders"),
    _api("/portfolio/orders/<order_id>", "order"),
    _api("/portfolio/settlements", "settlements"),
    _api("/portfolio/events/orders", "create_order", "POST"),
    _api("/portfolio/events/orders", "cancel_all_orders", "DELETE"),
    _api("/portfolio/events/orders/batched", "batch_create_orders", "POST"),
    _api("/portfolio/events/orders/batched", "batch_cancel_orders", "DELETE"),
    _api("/portfolio/events/orders/<order_id>", "cancel_order", "DELETE"),
    _api("/portfolio/events/orders/<order_id>/amend", "amend_order", "POST"),
    _api("/portfolio/events/orders/<order_id>/decrease", "decrease_order", "POST"),
    # Issue 12 accounts, shards, history and limits (http/api_portfolio*.py).
    _api("/historical/fills", "historical_fills"),
    _api("/historical/orders", "historical_orders"),
    _api("/historical/positions", "historical_positions"),
    _api("/portfolio/orders/queue_positions", "queue_positions"),
    _api("/portfolio/orders/<order_id>/queue_position", "queue_position"),
    _api("/portfolio/summary/total_resting_order_value", "total_resting_order_value"),
    _api("/exchange/user_data_timestamp", "user_data_timestamp"),
    _api("/account/limits", "account_limits"),
    _api("/account/endpoint_costs", "endpoint_costs"),
    _api("/portfolio/intra_exchange_instance_transfer", "intra_transfer", "POST"),
    _api("/portfolio/intra_exchange_instance_transfers", "intra_transfers"),
    _api("/portfolio/intra_exchange_instance_transfers/<transfer_id>", "intra_transfer_get"),
    _api("/portfolio/target_balance_allocation", "allocation_get"),
    _api("/portfolio/target_balance_allocation", "allocation_set", "POST"),
    _api("/portfolio/subaccounts", "subaccount_create", "POST"),
    _api("/portfolio/subaccounts/transfer", "subaccount_transfer", "POST"),
    _api("/portfolio/subaccounts/balances", "subaccount_balances"),
    _api("/portfolio/subaccounts/transfers", "subaccount_transfers"),
    # The V1 write paths, shut off live in June 2026.
    _api("/portfolio/orders", "v1_write", "POST"),
    _api("/portfolio/orders/batched", "v1_write", "POST", "DELETE"),
    _api("/portfolio/orders/<order_id>", "v1_write", "DELETE"),
    _api("/portfolio/orders/<order_id>/amend", "v1_write", "POST"),
    _api("/portfolio/orders/<order_id>/decrease", "v1_write", "POST"),
]


def _ctl(path: str, endpoint: str, *methods: str) -> Rule:
    return Rule(CONTROL_PREFIX + path, endpoint=endpoint, methods=list(methods or ("GET",)))


CONTROL_RULES = [
    _ctl("/", "index"),
    _ctl("/faults", "faults_get"),
    _ctl("/faults", "faults_set", "POST"),
    _ctl("/faults", "faults_clear", "DELETE"),
    _ctl("/faults/script", "faults_script", "POST"),
    _ctl("/reset", "reset", "POST"),
    _ctl("/settle", "settle", "POST"),
    _ctl("/balance", "balance", "POST"),
    _ctl("/keys", "keys", "POST"),
    _ctl("/requests", "requests_get"),
    _ctl("/requests", "requests_clear", "DELETE"),
    _ctl("/historical_cutoff", "historical_cutoff", "POST"),
    _ctl("/rate_limit", "rate_limit_get"),
    _ctl("/rate_limit", "rate_limit_set", "POST"),
    _ctl("/identity", "identity"),
    _ctl("/pauses", "pauses_get"),
    _ctl("/pauses", "pauses_set", "POST"),
    _ctl("/auto_allocation", "auto_allocation", "POST"),
    _ctl("/price_grid", "price_grid", "POST"),  # http/api_markets.py
    _ctl("/ws/faults", "ws_faults_get"),  # the WebSocket feed's faults (sandbox/ws/faults.py)
    _ctl("/ws/faults", "ws_faults_set", "POST"),
    _ctl("/ws/faults", "ws_faults_clear", "DELETE"),
    _ctl("/ws/drop_all", "ws_drop_all", "POST"),
    _ctl("/event_fee", "event_fee", "POST"),  # an event fee override (exchange/eventfees.py)
]


# No slash redirects: a redirected signed request would lose its signature's path.
_API_MAP = Map(RULES, strict_slashes=False, merge_slashes=False)


@functools.cache
def control_routes() -> MapAdapter:
    """The control routes' matcher, compiled on the first control request: werkzeug compiles each rule
    (7 ms for these 24), and most sandboxes, the one behind a notebook's first frame among them, never
    get one."""
    return Map(CONTROL_RULES, strict_slashes=False, merge_slashes=False).bind("sandbox")


_PUBLIC = frozenset(
    [
        "markets",
        "trades",
        "orderbooks",
        "market",
        "orderbook",
        "events",
        "event",
        "series_list",
        "series",
        "candlesticks",
        "exchange_status",
        "exchange_schedule",
        "historical_cutoff",
        "historical_markets",
        "historical_market",
        "historical_candlesticks",
        "historical_trades",
        "user_data_timestamp",  # no security block in openapi.yaml
        "endpoint_costs",  # no security block in openapi.yaml
        "batch_candlesticks",
        "multivariate_events",
        "event_fee_changes",
        "event_metadata",
        "series_fee_changes",
    ]
)


_WRITES = frozenset(
    [
        "create_order",
        "cancel_all_orders",
        "batch_create_orders",
        "batch_cancel_orders",
        "cancel_order",
        "amend_order",
        "decrease_order",
        "v1_write",
    ]
)


@dataclass(frozen=True)
class _Limit:
    default: int
    low: int
    high: int


LIMIT_MARKETS = _Limit(100, 0, 1000)  # /markets, /markets/trades, /historical/markets, /historical/trades


LIMIT_EVENTS = _Limit(200, 1, 200)


LIMIT_PORTFOLIO = _Limit(100, 1, 1000)  # positions, fills, orders, settlements


# Non-default token costs (openapi.yaml x-mint notes; GET /account/endpoint_costs lists them): endpoint ->
# (method, documented path, cost per request or per batch item).
ENDPOINT_COSTS = {
    "order": ("GET", "/portfolio/orders/{order_id}", CANCEL_COST),
    "cancel_order": ("DELETE", "/portfolio/events/orders/{order_id}", CANCEL_COST),
    "cancel_all_orders": ("DELETE", "/portfolio/events/orders", CANCEL_COST),
    "batch_cancel_orders": ("DELETE", "/portfolio/events/orders/batched", CANCEL_COST),
}


def batch_items(endpoint: str, raw_body: bytes) -> int | None:
    """How many orders a batch request carries (None: not a batch, or a body the handler will refuse)."""
    if endpoint not in ("batch_create_orders", "batch_cancel_orders") or not raw_body:
        return None
    try:
        body = parse_json(raw_body)
    except ValueError:
        return None
    items = body.get("orders") if isinstance(body, dict) else None
    return len(items) if isinstance(items, list) and items else None


def _bucket(endpoint: str) -> str:
    """Which token bucket pays: ``balance`` (its own, documented), ``write`` or ``read``."""
    if endpoint == "balance":
        return "balance"
    return "write" if endpoint in _WRITES else "read"


def _cost(endpoint: str, raw_body: bytes) -> int:
    """Tokens a request costs; batch items are billed individually (10 per order, 2 per cancel)."""
    per = ENDPOINT_COSTS[endpoint][2] if endpoint in ENDPOINT_COSTS else DEFAULT_COST
    items = batch_items(endpoint, raw_body)
    return per * items if items else per
