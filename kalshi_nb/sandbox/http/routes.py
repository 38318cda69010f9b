"""The URL rules of the API and the control routes, the page-size limits and the rate-limit cost of a request."""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.routing import Map, Rule

from ..data import QUERY_STATUS
from ..limits import (
    parse_json,
)
from ..ratelimit import DEFAULT_COST

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
]


# No slash redirects: a redirected signed request would lose its signature's path.
_API_MAP = Map(RULES, strict_slashes=False, merge_slashes=False)


_CONTROL_MAP = Map(CONTROL_RULES, strict_slashes=False, merge_slashes=False)


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


def _cost(endpoint: str, raw_body: bytes) -> int:
    """Tokens a request costs; batch items are billed individually (DOC-rate)."""
    if endpoint in ("batch_create_orders", "batch_cancel_orders") and raw_body:
        try:
            body = parse_json(raw_body)
        except ValueError:
            return DEFAULT_COST
        items = body.get("orders") if isinstance(body, dict) else None
        if isinstance(items, list) and items:
            return DEFAULT_COST * len(items)
    return DEFAULT_COST
