"""Request bodies of the order endpoints, parsed strictly: a wrong type is a 400 that says what to send.

Example:
    >>> spec = parse_create({"ticker": "T", "side": "bid", "count": "2.50", "price": "0.42",
    ...                      "time_in_force": "good_till_canceled", "self_trade_prevention_type": "maker"})
    >>> spec["count"], spec["price"]
    (250, 4200)
"""

from __future__ import annotations

import re
from decimal import Decimal

from ..errors import bad_request
from ..money import PIP, parse_decimal
from .shards import SHARDS

MAX_BATCH = 20  # the V1 docs' batch limit; live V2 "scales with your tier's write budget" (UNCONFIRMED)
CLIENT_ORDER_ID = re.compile(r"^[\-\w:+=/]*$")
TIME_IN_FORCE = ("fill_or_kill", "good_till_canceled", "immediate_or_cancel")
STP = ("taker_at_cross", "maker")

CREATE_FIELDS = {
    "ticker",
    "client_order_id",
    "side",
    "count",
    "price",
    "expiration_time",
    "time_in_force",
    "post_only",
    "self_trade_prevention_type",
    "cancel_order_on_pause",
    "reduce_only",
    "subaccount",
    "order_group_id",
    "exchange_index",
}


def as_object(body: object, what: str) -> dict:
    if not isinstance(body, dict):
        raise bad_request(f"the {what} body must be a JSON object, got {type(body).__name__}")
    return body


def no_unknown(spec: dict, known: set[str], what: str) -> None:
    unknown = sorted(set(spec) - known)
    if unknown:
        raise bad_request(
            f"unknown field(s) in {what}: {', '.join(unknown)} (V2 takes {', '.join(sorted(known))})"
        )


def _text(spec: dict, name: str, *, required: bool = False) -> str | None:
    value = spec.get(name)
    if value is None:
        if required:
            raise bad_request(f"{name} is required")
        return None
    if not isinstance(value, str) or not value:
        raise bad_request(f"{name} must be a non-empty string, got {value!r}")
    return value


def _choice(spec: dict, name: str, options: tuple[str, ...], *, required: bool = False) -> str | None:
    value = spec.get(name)
    if value is None:
        if required:
            raise bad_request(f"{name} is required: one of {', '.join(options)}")
        return None
    if value not in options:
        hint = ""
        if name == "side" and value in ("yes", "no"):
            hint = " (V2 sides are book sides: bid buys YES, ask sells YES / buys NO; price is the YES price)"
        raise bad_request(f"{name} must be one of {', '.join(options)}, got {value!r}{hint}")
    return value


def _flag(spec: dict, name: str) -> bool:
    value = spec.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise bad_request(f"{name} must be a boolean (true/false), got {value!r}")
    return value


def parse_count(raw: object, name: str, *, allow_zero: bool) -> int:
    if raw is None:
        raise bad_request(f'{name} is required: a fixed-point count string such as "10" or "2.50"')
    if not isinstance(raw, str):
        raise bad_request(
            f'{name} must be a fixed-point count string such as "10.00" (not a JSON '
            f"{type(raw).__name__}): integer count fields are no longer accepted"
        )
    try:
        value = parse_decimal(raw, name, max_places=2)
    except ValueError as exc:
        raise bad_request(f"{exc}; counts take at most 2 decimals (0.01 contract)") from None
    if value < 0 or (value == 0 and not allow_zero):
        raise bad_request(f"{name} must be {'at least 0' if allow_zero else 'positive'}, got {raw!r}")
    return int(value * 100)


def _price(raw: object) -> tuple[Decimal, int]:
    if raw is None:
        raise bad_request('price is required: the YES price in dollars as a string, e.g. "0.4200"')
    if not isinstance(raw, str):
        raise bad_request(
            f'price must be a dollar string such as "0.4200" (the YES price), not a JSON '
            f"{type(raw).__name__}; integer cents are no longer accepted"
        )
    try:
        value = parse_decimal(raw, "price", max_places=6)
    except ValueError as exc:
        raise bad_request(str(exc)) from None
    if not 0 < value < 1:
        raise bad_request(
            f"price must be strictly between 0 and 1 dollar (the YES price), got {raw!r}",
            code="invalid_price",
        )
    pips = value * PIP
    return value, int(pips) if pips == pips.to_integral_value() else -1


def _client_order_id(raw: object, name: str) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise bad_request(f"{name} must be a string, got {type(raw).__name__}")
    if len(raw) > 64 or not CLIENT_ORDER_ID.match(raw):
        raise bad_request(
            f"{name} must be at most 64 characters of letters, digits and - _ : + = / "
            f"(a UUID is a good choice), got {raw!r}"
        )
    return raw


def _exchange_index(spec: dict) -> int | None:
    """``exchange_index``: a shard 0-3, or -1 / absent to route by ticker (openapi.yaml; shards 0-3 exist
    in the sandbox). Whether it names the market's shard is checked against the market (``Matching``)."""
    value = spec.get("exchange_index")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value not in (-1, *SHARDS):
        raise bad_request(
            "exchange_index must be an exchange shard (0 to 3) or -1 (route by ticker), "
            f"got {value!r}; omit it to route by the market's ticker"
        )
    return value


def parse_create(body: object) -> dict:
    """Validate a V2 create-order body; the result has typed fields (count hundredths, price pips)."""
    spec = as_object(body, "create order")
    unknown = set(spec) - CREATE_FIELDS
    if unknown & {
        "action",
        "type",
        "yes_price",
        "no_price",
        "yes_price_dollars",
        "no_price_dollars",
        "buy_max_cost",
        "sell_position_floor",
    }:
        raise bad_request(
            f"V1 order field(s) {', '.join(sorted(unknown))} in a V2 order: send side (bid/ask), "
            "price (YES dollars string) and count (string)"
        )
    no_unknown(spec, CREATE_FIELDS, "create order")
    ticker = _text(spec, "ticker", required=True)
    side = _choice(spec, "side", ("bid", "ask"), required=True)
    count = parse_count(spec.get("count"), "count", allow_zero=False)
    price_dec, pips = _price(spec.get("price"))
    tif = _choice(spec, "time_in_force", TIME_IN_FORCE, required=True)
    # Required by SDK-3.34's CreateOrderV2Request, so the sandbox refuses to default it.
    stp = _choice(spec, "self_trade_prevention_type", STP, required=True)
    coid = _client_order_id(spec.get("client_order_id"), "client_order_id")
    post_only = _flag(spec, "post_only")
    reduce_only = _flag(spec, "reduce_only")
    cancel_on_pause = _flag(spec, "cancel_order_on_pause")
    if reduce_only and tif != "immediate_or_cancel":
        raise bad_request("reduce_only orders must use time_in_force immediate_or_cancel")
    if post_only and tif != "good_till_canceled":
        raise bad_request(
            "post_only orders must use time_in_force good_till_canceled (they rest, never take)"
        )
    expiration = spec.get("expiration_time")
    if expiration is not None:
        if isinstance(expiration, bool) or not isinstance(expiration, int):
            raise bad_request("expiration_time must be a Unix time in seconds (an integer)")
        if tif != "good_till_canceled":
            raise bad_request("expiration_time goes only with time_in_force good_till_canceled")
        if expiration > 10_000_000_000:
            raise bad_request("expiration_time is in seconds, not milliseconds")
    subaccount = spec.get("subaccount", 0)
    if isinstance(subaccount, bool) or not isinstance(subaccount, int) or not 0 <= subaccount <= 63:
        raise bad_request("subaccount must be an integer from 0 (primary) to 63")
    exchange_index = _exchange_index(spec)
    group = spec.get("order_group_id")
    if group is not None and not isinstance(group, str):
        raise bad_request("order_group_id must be a string")
    return {
        "ticker": ticker,
        "side": side,
        "count": count,
        "count_raw": spec["count"],
        "price": pips,
        "price_dec": price_dec,
        "price_raw": spec["price"],
        "tif": tif,
        "stp": stp,
        "client_order_id": coid,
        "post_only": post_only,
        "reduce_only": reduce_only,
        "cancel_order_on_pause": cancel_on_pause,
        "expiration_time": expiration,
        "subaccount": subaccount,
        "order_group_id": group,
        "exchange_index": exchange_index,
    }


def parse_batch(body: object) -> list:
    spec = as_object(body, "batch")
    items = spec.get("orders")
    if not isinstance(items, list) or not items:
        raise bad_request('the batch body must be {"orders": [...]} with at least one entry')
    if len(items) > MAX_BATCH:
        raise bad_request(f"at most {MAX_BATCH} orders per batch (got {len(items)}); split the batch")
    return items


def parse_decrease(body: object) -> dict:
    """Validate a decrease body: exactly one of ``reduce_by`` / ``reduce_to`` (counts in hundredths)."""
    spec = as_object(body, "decrease order")
    no_unknown(spec, {"reduce_by", "reduce_to", "exchange_index", "market_ticker"}, "decrease order")
    by, to = spec.get("reduce_by"), spec.get("reduce_to")
    if (by is None) == (to is None):
        raise bad_request("give exactly one of reduce_by or reduce_to (fixed-point count strings)")
    return {
        "reduce_by": None if by is None else parse_count(by, "reduce_by", allow_zero=False),
        "reduce_to": None if to is None else parse_count(to, "reduce_to", allow_zero=True),
        "market_ticker": spec.get("market_ticker"),
        "exchange_index": _exchange_index(spec),
    }


def parse_amend(body: object) -> dict:
    """Validate an amend body; ``count`` is the new total (filled + resting), in hundredths."""
    spec = as_object(body, "amend order")
    fields = {"ticker", "side", "price", "count", "client_order_id", "updated_client_order_id", "expiration_time",
              "exchange_index"}  # fmt: skip
    no_unknown(spec, fields, "amend order")
    ticker = _text(spec, "ticker", required=True)
    side = _choice(spec, "side", ("bid", "ask"), required=True)
    price_dec, price = _price(spec.get("price"))
    total = parse_count(spec.get("count"), "count", allow_zero=False)
    coid = _client_order_id(spec.get("client_order_id"), "client_order_id")
    new_coid = _client_order_id(spec.get("updated_client_order_id"), "updated_client_order_id")
    exchange_index = _exchange_index(spec)
    expiration = spec.get("expiration_time")
    if expiration is not None and (
        isinstance(expiration, bool) or not isinstance(expiration, int) or expiration < 0
    ):
        raise bad_request("expiration_time must be a Unix time in seconds (int >= 0; 0 removes the expiry)")
    return {"ticker": ticker, "side": side, "price": price, "price_dec": price_dec, "price_raw": spec["price"],
            "count": total, "count_raw": spec["count"], "client_order_id": coid, "updated_client_order_id": new_coid,
            "expiration_time": expiration, "exchange_index": exchange_index}  # fmt: skip
