"""Kalshi WebSocket message bodies built from the exchange's bus events and records (pure functions).

Shapes follow ``../shared/kalshi-ws.md`` and the schemas of ``asyncapi.yaml``; each builder returns the
``msg`` part, the envelope (``type``, ``sid``, ``seq``, ``sending_ts_ms``) is added by the session.

Example:
    >>> delta_msg({"ticker": "T-1", "side": "no", "price": "0.4500", "delta": "-3.00", "clock": 7},
    ...           use_yes_price=True, ts_ms=1000)["price_dollars"]
    '0.5500'
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from decimal import Decimal

from ..data.grids import GRIDS
from ..money import count_str

# Channel -> message type (singular where the channel is plural: user_orders -> user_order).
CHANNELS = {
    "orderbook_delta": "orderbook_delta",
    "ticker": "ticker",
    "trade": "trade",
    "fill": "fill",
    "user_orders": "user_order",
    "market_positions": "market_position",
    "market_lifecycle_v2": "market_lifecycle_v2",
}
SEQ_CHANNELS = frozenset({"orderbook_delta", "trade", "market_lifecycle_v2"})  # schema `required` lists
PRIVATE_CHANNELS = frozenset({"fill", "user_orders", "market_positions"})

# Market status -> lifecycle event_type (the sandbox has no pause/deactivation or close-date changes).
LIFECYCLE_EVENTS = {"initialized": "created", "active": "activated", "determined": "determined",
                    "finalized": "settled"}  # fmt: skip


def count_text(hundredths: int) -> str:
    """A signed count in hundredths as a 2-decimal string ("-3.00").

    Example:
        >>> count_text(-300)
        '-3.00'
    """
    return ("-" if hundredths < 0 else "") + count_str(abs(hundredths))


_NS = uuid.UUID("6f1c3c52-5b0e-4f0e-9a41-6b6a7d0c2f11")


def market_id(ticker: str) -> str:
    """A stable uuid for a ticker (the sandbox's markets have no ``market_id`` of their own).

    Example:
        >>> market_id("T-1") == market_id("T-1")
        True
    """
    return str(uuid.uuid5(_NS, ticker))


def yes_terms(price: str) -> str:
    """A NO price in YES-leg terms (``use_yes_price``): 1 - p, four decimals.

    Example:
        >>> yes_terms("0.4500")
        '0.5500'
    """
    return f"{Decimal(1) - Decimal(price):.4f}"


def iso_ms(text: str | None) -> int:
    """Milliseconds of an ISO time ("2026-12-02T03:06:29.111Z"); 0 for None."""
    if not text:
        return 0
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def snapshot_msg(ticker: str, snap: dict, *, use_yes_price: bool) -> dict:
    """``orderbook_snapshot`` msg from ``Exchange.book_snapshot``; a side key is absent when it is empty."""
    out: dict = {"market_ticker": ticker, "market_id": market_id(ticker), "clock": snap["clock"]}
    if snap["yes"]:
        out["yes_dollars_fp"] = [list(row) for row in snap["yes"]]
    no = snap["no"]
    if use_yes_price:
        no = sorted(([yes_terms(p), s] for p, s in no), key=lambda r: Decimal(r[0]))
    if no:
        out["no_dollars_fp"] = [list(row) for row in no]
    return out


def delta_msg(event: dict, *, use_yes_price: bool, ts_ms: int) -> dict:
    """``orderbook_delta`` msg from a bus ``book`` event."""
    price = event["price"]
    if use_yes_price and event["side"] == "no":
        price = yes_terms(price)
    return {
        "market_ticker": event["ticker"], "market_id": market_id(event["ticker"]), "clock": event["clock"],
        "price_dollars": price, "delta_fp": event["delta"], "side": event["side"], "ts_ms": ts_ms,
    }  # fmt: skip


def ticker_msg(rec: dict, *, last_size: str, ts_ms: int) -> dict:
    """``ticker`` msg from a market record (the REST market as it is now)."""
    volume = Decimal(rec.get("volume_fp") or "0")
    oi = Decimal(rec.get("open_interest_fp") or "0")
    price = rec.get("last_price_dollars") or "0.0000"
    return {
        "market_id": market_id(rec["ticker"]), "market_ticker": rec["ticker"], "price_dollars": price,
        "yes_bid_dollars": rec.get("yes_bid_dollars") or "0.0000",
        "yes_ask_dollars": rec.get("yes_ask_dollars") or "1.0000",
        "volume_fp": rec.get("volume_fp") or "0.00", "open_interest_fp": rec.get("open_interest_fp") or "0.00",
        # "Signed whole-dollar" values: contracts times the last price (UNCONFIRMED how live rounds).
        "dollar_volume": int(volume * Decimal(price)), "dollar_open_interest": int(oi * Decimal(price)),
        "yes_bid_size_fp": rec.get("yes_bid_size_fp") or "0.00",
        "yes_ask_size_fp": rec.get("yes_ask_size_fp") or "0.00",
        "last_trade_size_fp": last_size, "ts": ts_ms // 1000, "ts_ms": ts_ms,
        "time": _iso_s(ts_ms),
    }  # fmt: skip


def _iso_s(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms // 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def trade_msg(event: dict) -> dict:
    """``trade`` msg from a bus ``trade`` event (the REST trade record)."""
    ts_ms = iso_ms(event.get("created_time"))
    return {
        "trade_id": event["trade_id"], "market_ticker": event["ticker"],
        "yes_price_dollars": event["yes_price_dollars"], "no_price_dollars": event["no_price_dollars"],
        "count_fp": event["count_fp"], "taker_side": event["taker_side"],
        "taker_outcome_side": event["taker_outcome_side"], "taker_book_side": event["taker_book_side"],
        "is_block_trade": bool(event.get("is_block_trade")), "ts": ts_ms // 1000, "ts_ms": ts_ms,
    }  # fmt: skip


def fill_msg(event: dict, *, post_position: str) -> dict:
    """``fill`` msg from a bus ``fill`` event (the REST fill record)."""
    ts_ms = iso_ms(event.get("created_time"))
    out = {
        "trade_id": event["trade_id"], "order_id": event["order_id"], "market_ticker": event["ticker"],
        "exchange_index": event["exchange_index"], "is_taker": event["is_taker"], "side": event["side"],
        "yes_price_dollars": event["yes_price_dollars"], "count_fp": event["count_fp"],
        "fee_cost": event["fee_cost"], "action": event["action"], "outcome_side": event["outcome_side"],
        "book_side": event["book_side"], "purchased_side": event["outcome_side"], "ts": ts_ms // 1000,
        "ts_ms": ts_ms, "post_position_fp": post_position, "subaccount": event.get("subaccount_number", 0),
    }  # fmt: skip
    if event.get("client_order_id"):
        out["client_order_id"] = event["client_order_id"]
    return out


def user_order_msg(event: dict) -> dict:
    """``user_order`` msg from a bus ``order`` event (the REST order record; note the key ``ticker``)."""
    keys = ("order_id", "user_id", "ticker", "exchange_index", "status", "side", "outcome_side", "book_side",
            "yes_price_dollars", "fill_count_fp", "remaining_count_fp", "initial_count_fp",
            "taker_fill_cost_dollars", "maker_fill_cost_dollars", "taker_fees_dollars", "maker_fees_dollars",
            "created_time", "last_update_time", "self_trade_prevention_type", "subaccount_number")  # fmt: skip
    out = {k: event[k] for k in keys if event.get(k) is not None}
    out["is_yes"] = event.get("outcome_side") == "yes"
    out["client_order_id"] = event.get("client_order_id") or ""
    out["created_ts_ms"] = iso_ms(event.get("created_time"))
    out["last_updated_ts_ms"] = iso_ms(event.get("last_update_time"))
    if event.get("order_group_id"):
        out["order_group_id"] = event["order_group_id"]
    if event.get("expiration_time"):
        out["expiration_time"] = event["expiration_time"]
        out["expiration_ts_ms"] = iso_ms(event["expiration_time"])
    return out


def position_msg(event: dict) -> dict:
    """``market_position`` msg from a bus ``position`` event (the REST market position)."""
    return {
        "user_id": event["user_id"], "market_ticker": event["ticker"], "position_fp": event["position_fp"],
        "position_cost_dollars": event["market_exposure_dollars"],
        "realized_pnl_dollars": event["realized_pnl_dollars"], "fees_paid_dollars": event["fees_paid_dollars"],
        # UNCONFIRMED: the sandbox keeps no separate fee for the open position or contract volume here.
        "position_fee_cost_dollars": event["fees_paid_dollars"], "volume_fp": event.get("volume_fp", "0.00"),
        "subaccount": event.get("subaccount", 0),
    }  # fmt: skip


def lifecycle_msg(event: dict, rec: dict, parent: dict | None = None) -> dict | None:
    """``market_lifecycle_v2`` msg from a bus ``lifecycle`` event, or None for a status with no event.

    ``parent`` is the market's event record: a ``created`` message carries its title in
    ``additional_metadata`` (with the market's texts, as kalshi-ws.md shows), and the price grid.
    """
    kind = LIFECYCLE_EVENTS.get(event["status"])
    if kind is None:
        return None
    out: dict = {"market_ticker": event["ticker"], "event_type": kind,
                 "exchange_index": rec.get("exchange_index", 0)}  # fmt: skip
    if kind in ("determined", "settled") and (event.get("result") or rec.get("result")):
        out["result"] = event.get("result") or rec.get("result")
    if kind == "created":
        out["open_ts"] = iso_ms(rec.get("open_time")) // 1000
        out["close_ts"] = iso_ms(rec.get("close_time")) // 1000
        out["additional_metadata"] = _metadata(rec, parent or {})
        structure = rec.get("price_level_structure")
        if structure in GRIDS:  # a custom grid (the price_grid control) has no name in the schema's enum
            out["price_level_structure"] = structure
            out["price_ranges"] = [dict(r) for r in rec.get("price_ranges") or ()]
    return out


def _metadata(rec: dict, parent: dict) -> dict:
    out: dict = {
        "name": parent.get("title") or rec.get("title", ""), "title": rec.get("title", ""),
        "yes_sub_title": rec.get("yes_sub_title", ""), "no_sub_title": rec.get("no_sub_title", ""),
        "rules_primary": rec.get("rules_primary", ""), "rules_secondary": rec.get("rules_secondary", ""),
        "can_close_early": bool(rec.get("can_close_early")), "event_ticker": rec.get("event_ticker", ""),
        "expected_expiration_ts": iso_ms(rec.get("expected_expiration_time")) // 1000,
    }  # fmt: skip
    if rec.get("strike_type"):
        out["strike_type"] = rec["strike_type"]
    for key in ("floor_strike", "cap_strike"):
        if isinstance(rec.get(key), int | float):
            out[key] = rec[key]
    return out


def event_lifecycle_msg(ev: dict) -> dict:
    """``event_lifecycle`` msg (on ``market_lifecycle_v2``) for a new event, from its REST record.

    Example:
        >>> event_lifecycle_msg({"event_ticker": "E", "series_ticker": "S", "title": "T", "sub_title": "st",
        ...                      "exchange_index": 2, "collateral_return_type": "",
        ...                      "strike_date": "2026-09-07T02:45:00Z"})["strike_date"]
        1788749100
    """
    out = {
        "event_ticker": ev["event_ticker"], "exchange_index": ev.get("exchange_index", 0),
        "title": ev.get("title", ""), "subtitle": ev.get("sub_title", ""),
        "collateral_return_type": ev.get("collateral_return_type") or "", "series_ticker": ev["series_ticker"],
    }  # fmt: skip
    if ev.get("strike_date"):
        out["strike_date"] = iso_ms(ev["strike_date"]) // 1000
    if ev.get("strike_period"):
        out["strike_period"] = ev["strike_period"]
    return out


def event_fee_msg(event: dict) -> dict:
    """``event_fee_update`` msg from a bus ``event_fee`` event (both overrides None: cleared).

    Example:
        >>> event_fee_msg({"event_ticker": "E", "fee_type_override": None, "fee_multiplier_override": None})
        {'event_ticker': 'E', 'fee_type_override': None, 'fee_multiplier_override': None}
    """
    return {"event_ticker": event["event_ticker"], "fee_type_override": event["fee_type_override"],
            "fee_multiplier_override": event["fee_multiplier_override"]}  # fmt: skip
