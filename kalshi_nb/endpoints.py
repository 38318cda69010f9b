"""Which query parameters each list endpoint accepts, and their allowed values, checked before a request.

A misspelt filter must never widen a pull: Kalshi ignores a query parameter it does not know, so
``markets_df(seris="KXBTC15M")`` would quietly return every market. :func:`check_filters` refuses an
unknown name with the valid ones and a "did you mean ...?", and refuses a value of the wrong kind (an enum
value that does not exist, a limit out of range, a naive datetime, a bool where a number belongs).

The table is written by hand from Kalshi's OpenAPI spec, ``info.version`` 3.34.0 (``openapi.yaml``, as
re-vendored in ``kalshi-sdk`` 22.4.0; see ``shared/kalshi-spec/SOURCE.md``). It is a small dict rather
than the spec itself so importing kalshi_nb reads no YAML; ``tests/inputs/test_endpoints_spec.py`` checks
it against the spec, so a new spec version that adds, drops or changes a parameter fails a test.

Example:
    >>> check_filters("markets", {"series_ticker": "KXBTC15M", "status": "open"})
    {'series_ticker': 'KXBTC15M', 'status': 'open'}
    >>> check_filters("markets", {"seris": "KXBTC15M"}, also=("series",))
    Traceback (most recent call last):
    ...
    ValueError: unknown filter 'seris' for markets (GET /markets): did you mean 'series' or ...
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

__all__ = [
    "CANDLE_INTERVALS",
    "ENDPOINTS",
    "INTERVAL_NAMES",
    "MAX_CANDLES",
    "SPEC_VERSION",
    "Endpoint",
    "Param",
    "candle_minutes",
    "check_filters",
    "is_bool",
    "limit_bounds",
]

_M = TypeVar("_M", bound=Mapping[str, Any])

SPEC_VERSION = "3.34.0"
"""The ``info.version`` of Kalshi's openapi.yaml that :data:`ENDPOINTS` was written from."""

CANDLE_INTERVALS: tuple[int, ...] = (1, 60, 1440)
"""Candle periods the candlestick endpoints serve (``period_interval``), in minutes."""
INTERVAL_NAMES: Mapping[str, int] = {"1m": 1, "1h": 60, "1d": 1440}
"""Short names of :data:`CANDLE_INTERVALS` that ``candles_df(interval=...)`` also takes."""
MAX_CANDLES = 5000
"""Candles per candlestick request (UNCONFIRMED live; DFlow's relay documents 5,000 and a 400 above it)."""


@dataclass(frozen=True)
class Param:
    """One query parameter: its kind (``string``, ``boolean``, ``integer``, ``timestamp``) and constraints.

    ``values`` lists an enum's members; ``low``/``high`` bound an integer (inclusive; None: unbounded).
    A ``timestamp`` is an integer of Unix seconds, given as anything :mod:`kalshi_nb.timeargs` accepts.
    """

    kind: str
    values: tuple[Any, ...] = ()
    low: int | None = None
    high: int | None = None


@dataclass(frozen=True)
class Endpoint:
    """A GET endpoint: its path in the spec and its query parameters."""

    path: str
    params: Mapping[str, Param]


_STR = Param("string")
_BOOL = Param("boolean")
_TS = Param("timestamp")
_CURSOR = _STR
_SUBACCOUNT = Param("integer", low=0)
_EXCHANGE_INDEX = Param("integer", low=0)
_INTERVAL = Param("integer", values=CANDLE_INTERVALS)


def _limit(low: int, high: int) -> Param:
    return Param("integer", low=low, high=high)


def _enum(*values: str) -> Param:
    return Param("string", values=values)


# Written from openapi.yaml 3.34.0, path by path (query parameters only; path parameters such as
# {ticker} are checked by the client's id validation). Enum values are the spec's, except orders'
# `status`, which the spec types as a bare string ("possible values depend on the endpoint"); its values
# are the spec's OrderStatus schema (resting, canceled, executed), the states an order listing can hold.
ENDPOINTS: dict[str, Endpoint] = {
    "markets": Endpoint(
        "/markets",
        {
            "limit": _limit(0, 1000),
            "cursor": _CURSOR,
            "event_ticker": _STR,
            "series_ticker": _STR,
            "min_created_ts": _TS,
            "max_created_ts": _TS,
            "min_updated_ts": _TS,
            "max_updated_ts": _TS,
            "max_close_ts": _TS,
            "min_close_ts": _TS,
            "min_settled_ts": _TS,
            "max_settled_ts": _TS,
            "status": _enum("unopened", "open", "paused", "closed", "settled"),
            "tickers": _STR,
            "mve_filter": _enum("only", "exclude"),
        },
    ),
    "historical_markets": Endpoint(
        "/historical/markets",
        {
            "limit": _limit(0, 1000),
            "cursor": _CURSOR,
            "tickers": _STR,
            "event_ticker": _STR,
            "series_ticker": _STR,
            "mve_filter": _enum("exclude"),
        },
    ),
    "events": Endpoint(
        "/events",
        {
            "limit": _limit(1, 200),
            "cursor": _CURSOR,
            "with_nested_markets": _BOOL,
            "with_milestones": _BOOL,
            "status": _enum("unopened", "open", "closed", "settled"),
            "series_ticker": _STR,
            "tickers": _STR,
            "min_close_ts": _TS,
            "min_updated_ts": _TS,
        },
    ),
    "trades": Endpoint(
        "/markets/trades",
        {
            "limit": _limit(0, 1000),
            "cursor": _CURSOR,
            "ticker": _STR,
            "min_ts": _TS,
            "max_ts": _TS,
            "is_block_trade": _BOOL,
        },
    ),
    "historical_trades": Endpoint(
        "/historical/trades",
        {
            "limit": _limit(0, 1000),
            "cursor": _CURSOR,
            "ticker": _STR,
            "min_ts": _TS,
            "max_ts": _TS,
            "is_block_trade": _BOOL,
        },
    ),
    "positions": Endpoint(
        "/portfolio/positions",
        {
            "cursor": _CURSOR,
            "limit": _limit(1, 1000),
            "count_filter": _STR,
            "settlement_status": _enum("unsettled", "settled", "all"),
            "ticker": _STR,
            "event_ticker": _STR,
            "subaccount": _SUBACCOUNT,
            "exchange_index": _EXCHANGE_INDEX,
        },
    ),
    "fills": Endpoint(
        "/portfolio/fills",
        {
            "ticker": _STR,
            "order_id": _STR,
            "min_ts": _TS,
            "max_ts": _TS,
            "limit": _limit(1, 1000),
            "cursor": _CURSOR,
            "subaccount": _SUBACCOUNT,
            "exchange_index": _EXCHANGE_INDEX,
        },
    ),
    "historical_fills": Endpoint(
        "/historical/fills",
        {
            "ticker": _STR,
            "min_ts": _TS,
            "max_ts": _TS,
            "limit": _limit(1, 1000),
            "cursor": _CURSOR,
            "subaccount": _SUBACCOUNT,
        },
    ),
    "orders": Endpoint(
        "/portfolio/orders",
        {
            "ticker": _STR,
            "event_ticker": _STR,
            "min_ts": _TS,
            "max_ts": _TS,
            "status": _enum("resting", "canceled", "executed"),
            "limit": _limit(1, 1000),
            "cursor": _CURSOR,
            "subaccount": _SUBACCOUNT,
            "exchange_index": _EXCHANGE_INDEX,
        },
    ),
    "historical_orders": Endpoint(
        "/historical/orders",
        {
            "ticker": _STR,
            "min_ts": _TS,
            "max_ts": _TS,
            "limit": _limit(1, 1000),
            "cursor": _CURSOR,
            "subaccount": _SUBACCOUNT,
        },
    ),
    "settlements": Endpoint(
        "/portfolio/settlements",
        {
            "limit": _limit(1, 1000),
            "cursor": _CURSOR,
            "ticker": _STR,
            "event_ticker": _STR,
            "min_ts": _TS,
            "max_ts": _TS,
            "subaccount": _SUBACCOUNT,
        },
    ),
    "candlesticks": Endpoint(
        "/series/{series_ticker}/markets/{ticker}/candlesticks",
        {
            "start_ts": _TS,
            "end_ts": _TS,
            "period_interval": _INTERVAL,
            "include_latest_before_start": _BOOL,
        },
    ),
    "historical_candlesticks": Endpoint(
        "/historical/markets/{ticker}/candlesticks",
        {
            "start_ts": _TS,
            "end_ts": _TS,
            "period_interval": _INTERVAL,
        },
    ),
    "orderbook": Endpoint("/markets/{ticker}/orderbook", {"depth": _limit(0, 100)}),
    "series_list": Endpoint(
        "/series",
        {
            "category": _STR,
            "tags": _STR,
            "include_product_metadata": _BOOL,
            "include_volume": _BOOL,
            "min_updated_ts": _TS,
        },
    ),
    "series": Endpoint("/series/{series_ticker}", {"include_volume": _BOOL}),
    "event": Endpoint("/events/{event_ticker}", {"with_nested_markets": _BOOL, "exclude_markets": _BOOL}),
    "historical_positions": Endpoint(
        "/historical/positions",
        {
            "ticker": _STR,
            "event_ticker": _STR,
            "subaccount": _SUBACCOUNT,
            "limit": _limit(1, 1000),
            "cursor": _CURSOR,
        },
    ),
    "multivariate_events": Endpoint(
        "/events/multivariate",
        {
            "limit": _limit(1, 200),
            "cursor": _CURSOR,
            "series_ticker": _STR,
            "collection_ticker": _STR,
            "tickers": _STR,
            "with_nested_markets": _BOOL,
        },
    ),
    "batch_candlesticks": Endpoint(
        "/markets/candlesticks",
        {
            "market_tickers": _STR,
            "start_ts": _TS,
            "end_ts": _TS,
            "period_interval": Param("integer", low=1),
            "include_latest_before_start": _BOOL,
        },
    ),
    "queue_positions": Endpoint(
        "/portfolio/orders/queue_positions",
        {"market_tickers": _STR, "event_ticker": _STR, "subaccount": _SUBACCOUNT},
    ),
    "balance": Endpoint(
        "/portfolio/balance", {"subaccount": _SUBACCOUNT, "exchange_index": Param("integer")}
    ),
    "shard_transfers": Endpoint(
        "/portfolio/intra_exchange_instance_transfers", {"limit": _limit(1, 500), "cursor": _CURSOR}
    ),
    "subaccount_transfers": Endpoint(
        "/portfolio/subaccounts/transfers", {"limit": _limit(1, 1000), "cursor": _CURSOR}
    ),
    "series_fee_changes": Endpoint("/series/fee_changes", {"series_ticker": _STR, "show_historical": _BOOL}),
}
"""Endpoint name -> its path and accepted query parameters (Kalshi openapi.yaml 3.34.0)."""

_PAGED = tuple(name for name, spec in ENDPOINTS.items() if "limit" in spec.params and "cursor" in spec.params)


def limit_bounds(endpoint: str) -> tuple[int, int]:
    """The inclusive (low, high) bounds of ``endpoint``'s ``limit`` (its page size); high is its maximum.

    Example:
        >>> limit_bounds("events")
        (1, 200)
    """
    spec = ENDPOINTS.get(endpoint)
    limit = None if spec is None else spec.params.get("limit")
    if limit is None or limit.low is None or limit.high is None:
        raise ValueError(f"{endpoint!r} is not a paged endpoint; paged: {', '.join(sorted(_PAGED))}")
    return limit.low, limit.high


def candle_minutes(interval: Any) -> int:
    """A candle period as minutes: one of :data:`CANDLE_INTERVALS` (numpy integers too) or a short name.

    Example:
        >>> candle_minutes("1h"), candle_minutes(1440)
        (60, 1440)
    """
    key = interval.strip().lower() if isinstance(interval, str) else interval
    if isinstance(key, str):
        minutes = INTERVAL_NAMES.get(key)
    elif isinstance(key, numbers.Integral) and not is_bool(key):  # True == 1, but a bool is not a minute
        minutes = int(key) if int(key) in CANDLE_INTERVALS else None
    else:
        minutes = None
    if minutes is None:
        names = ", ".join(map(repr, INTERVAL_NAMES))
        raise ValueError(
            f"interval must be {', '.join(map(str, CANDLE_INTERVALS[:-1]))} or {CANDLE_INTERVALS[-1]} minutes "
            f"(or {names}), got {interval!r}"
        )
    return minutes


def is_bool(value: Any) -> bool:
    """Whether ``value`` is a Python or numpy bool (which ``isinstance(value, int)`` alone would let in)."""
    return isinstance(value, bool) or type(value).__name__ in ("bool_", "bool")


def check_filters(endpoint: str, params: _M, *, also: Iterable[str] = ()) -> _M:
    """Check query parameters for ``endpoint`` (a key of :data:`ENDPOINTS`); return ``params`` unchanged.

    ``None`` values mean "not sent" and are not checked. ``also``: other names the caller accepts for
    these parameters (``markets_df``'s ``series=`` for ``series_ticker``), offered in "did you mean".
    Raises ``ValueError`` for an unknown name or value and ``TypeError`` for a value of the wrong kind.

    Example:
        >>> check_filters("markets", {"status": "opne"})
        Traceback (most recent call last):
        ...
        ValueError: status='opne' is not a markets status: did you mean 'open' or 'unopened'? Valid: ...
    """
    spec = ENDPOINTS.get(endpoint)
    if spec is None:
        raise ValueError(f"unknown endpoint {endpoint!r}; known: {', '.join(sorted(ENDPOINTS))}")
    where = f"{endpoint} (GET {spec.path})"
    for name, value in params.items():
        param = spec.params.get(name)
        if param is None:
            valid = sorted({*spec.params, *also})
            raise ValueError(
                f"unknown filter {name!r} for {where}: {_did_you_mean(str(name), valid)}"
                f"valid filters: {', '.join(valid)}. Kalshi ignores unknown filters, so a typo would "
                "return every row instead of the ones you asked for"
            )
        if value is not None:
            _check_value(endpoint, name, param, value)
    return params


def _did_you_mean(word: str, choices: Iterable[Any]) -> str:
    names = [str(c) for c in choices]
    close = difflib.get_close_matches(word, names, n=3, cutoff=0.5)
    if not close:
        close = [n for n in names if word and (word in n or n in word)][:3]
    return "did you mean " + " or ".join(repr(c) for c in close) + "? " if close else ""


def _check_value(endpoint: str, name: str, param: Param, value: Any) -> None:
    if param.kind == "timestamp":
        from .timeargs import unix_seconds  # TypeError/ValueError with the one rule's wording

        unix_seconds(value, name)
    elif param.kind == "boolean":
        if not is_bool(value):
            raise TypeError(f"{name} must be True or False, got {value!r}")
    elif param.kind == "integer":
        _check_integer(endpoint, name, param, value)
    elif param.values:  # a string enum
        if not isinstance(value, str):
            raise TypeError(
                f"{name} takes one of {', '.join(map(repr, param.values))} as a string, got {value!r}"
            )
        if value not in param.values:
            raise ValueError(
                f"{name}={value!r} is not a {endpoint} {name}: {_did_you_mean(value.lower(), param.values)}"
                f"Valid: {', '.join(map(repr, param.values))}"
            )
    elif not (isinstance(value, str) or _strings(value)):
        raise TypeError(f"{name} must be a string (or a list of strings), got {value!r}")


def _strings(value: Any) -> bool:
    return isinstance(value, list | tuple | set | frozenset) and all(isinstance(v, str) for v in value)


def _check_integer(endpoint: str, name: str, param: Param, value: Any) -> None:
    if is_bool(value) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if not isinstance(value, numbers.Integral):
        if not math.isfinite(value) or not float(value).is_integer():
            raise ValueError(f"{name} must be a whole number, got {value!r}")
        raise TypeError(f"{name} must be an integer, not a float, got {value!r}")
    number = int(value)
    if param.values and number not in param.values:
        raise ValueError(f"{name} must be one of {', '.join(map(str, param.values))}, got {value!r}")
    if (param.low is not None and number < param.low) or (param.high is not None and number > param.high):
        bounds = f"{param.low}-{param.high}" if param.high is not None else f">= {param.low}"
        raise ValueError(f"{name} for {endpoint} must be an integer {bounds}, got {value!r}")
