"""The original order interface -> the V2 create-order body, worked out by hand (no network)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kalshi_nb import order_v2
from kalshi_nb.order_v2 import GRIDS, build_order_body, on_grid, parse_count, parse_price, status_from_receipt

# (side, action, the side's price in cents) -> (book side, YES price string), by the table in kalshi-api.md 5.2:
# buy YES p = bid p; buy NO q = ask 1-q; sell YES p = ask p; sell NO q = bid 1-q.
TABLE = [
    ("yes", "buy", 40, "bid", "0.4000"),
    ("no", "buy", 30, "ask", "0.7000"),
    ("yes", "sell", 65, "ask", "0.6500"),
    ("no", "sell", 25, "bid", "0.7500"),
    ("no", "buy", 1, "ask", "0.9900"),
    ("yes", "buy", 99, "bid", "0.9900"),
]


@pytest.mark.parametrize(("side", "action", "cents", "book", "yes_price"), TABLE)
def test_translation_table(side: str, action: str, cents: int, book: str, yes_price: str) -> None:
    body = build_order_body(
        ticker="KX-1",
        side=side,
        action=action,
        count=Decimal(3),
        price=parse_price(price_cents=cents),
        client_order_id="coid-1",
    )
    assert body == {
        "ticker": "KX-1",
        "client_order_id": "coid-1",
        "side": book,
        "count": "3.00",
        "price": yes_price,
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": "taker_at_cross",
    }


def test_optional_fields_only_when_set() -> None:
    body = build_order_body(
        ticker="KX-1",
        side="yes",
        action="buy",
        count=Decimal("2.5"),
        price=Decimal("0.055"),
        client_order_id="c",
        post_only=True,
        time_in_force="immediate_or_cancel",
        reduce_only=True,
        subaccount=0,
    )
    assert body["count"] == "2.50"
    assert body["price"] == "0.0550"
    assert body["post_only"] is True
    assert body["reduce_only"] is True
    assert body["subaccount"] == 0
    assert "expiration_time" not in body
    assert "order_group_id" not in body


def test_counts_and_prices_are_strings() -> None:
    body = build_order_body(
        ticker="T", side="no", action="buy", count=Decimal(10), price=Decimal("0.5"), client_order_id="c"
    )
    assert isinstance(body["count"], str)
    assert isinstance(body["price"], str)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"price_cents": 1}, Decimal("0.01")),
        ({"price_cents": 99}, Decimal("0.99")),
        ({"price_dollars": "0.4500"}, Decimal("0.45")),
        ({"price_dollars": Decimal("0.001")}, Decimal("0.001")),
        ({"price_dollars": 0.25}, Decimal("0.25")),
    ],
)
def test_prices(kwargs: dict, expected: Decimal) -> None:
    assert parse_price(**kwargs) == expected


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "exactly one"),
        ({"price_cents": 40, "price_dollars": "0.40"}, "exactly one"),
        ({"price_cents": 0}, "between 1 and 99"),
        ({"price_cents": 100}, "between 1 and 99"),
        ({"price_cents": 40.5}, "price_dollars"),
        ({"price_cents": 0.4}, "integer"),
        ({"price_cents": True}, "integer"),
        ({"price_dollars": "1"}, "strictly between"),
        ({"price_dollars": "0"}, "strictly between"),
        ({"price_dollars": 40}, "looks like cents"),
        ({"price_dollars": "0.12345"}, "4 decimal"),
        ({"price_dollars": "abc"}, "number"),
        ({"price_dollars": "NaN"}, "number"),
    ],
)
def test_bad_prices(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_price(**kwargs)


def test_counts() -> None:
    assert parse_count(10, fractional_allowed=False) == 10
    assert parse_count(5.0, fractional_allowed=False) == 5
    assert parse_count("2.50", fractional_allowed=True) == Decimal("2.5")
    for bad, allowed, message in [
        (0, True, "positive"),
        (-1, True, "positive"),
        (True, True, "number"),
        ("2.5", False, "whole number"),
        (2.5, False, "whole number"),
        ("0.005", True, "multiple of 0.01"),
        ("x", True, "number"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse_count(bad, fractional_allowed=allowed)


def test_grids() -> None:
    tapered = GRIDS["tapered_deci_cent"]
    # tapered: 0-0.10 and 0.90-1.00 in tenths of a cent, whole cents in between
    assert on_grid(Decimal("0.055"), tapered)
    assert on_grid(Decimal("0.905"), tapered)
    assert on_grid(Decimal("0.10"), tapered)
    assert on_grid(Decimal("0.50"), tapered)
    assert not on_grid(Decimal("0.555"), tapered)
    assert not on_grid(Decimal("0.1005"), tapered)
    assert on_grid(Decimal("0.40"), GRIDS["linear_cent"])
    assert not on_grid(Decimal("0.405"), GRIDS["linear_cent"])
    assert on_grid(Decimal("0.405"), GRIDS["deci_cent"])
    assert not on_grid(Decimal("0.4055"), GRIDS["deci_cent"])


def test_grid_from_market_fields() -> None:
    ranges = [{"start": "0.0000", "end": "1.0000", "step": "0.0010"}]
    assert order_v2.price_grid({"price_ranges": ranges}) == ((Decimal(0), Decimal(1), Decimal("0.001")),)
    assert order_v2.price_grid({"price_level_structure": "deci_cent"}) == GRIDS["deci_cent"]
    assert order_v2.price_grid({}) == GRIDS["linear_cent"]  # unknown: strictest


def test_fractional_flag_absent_means_whole_contracts() -> None:
    assert order_v2.fractional_allowed({"fractional_trading_enabled": True})
    assert not order_v2.fractional_allowed({"fractional_trading_enabled": False})
    assert not order_v2.fractional_allowed({})


@pytest.mark.parametrize(
    ("fill", "remaining", "tif", "status"),
    [
        ("10.00", "0.00", "good_till_canceled", "executed"),
        ("0.00", "10.00", "good_till_canceled", "resting"),
        ("4.00", "6.00", "good_till_canceled", "resting"),
        ("4.00", "6.00", "immediate_or_cancel", "canceled"),
        ("0.00", "0.00", "immediate_or_cancel", "canceled"),
        ("10.00", "0.00", "fill_or_kill", "executed"),
        ("0.00", "10.00", "fill_or_kill", "canceled"),
    ],
)
def test_status_from_receipt(fill: str, remaining: str, tif: str, status: str) -> None:
    assert status_from_receipt({"fill_count": fill, "remaining_count": remaining}, tif) == status


def test_validators() -> None:
    assert order_v2.check_side("YES") == "yes"
    assert order_v2.check_time_in_force("gtc") == "good_till_canceled"
    assert order_v2.check_time_in_force("IOC") == "immediate_or_cancel"
    assert order_v2.check_time_in_force("fok") == "fill_or_kill"
    for bad in ("buy", "", None):
        with pytest.raises(ValueError, match="side"):
            order_v2.check_side(bad)
    with pytest.raises(ValueError, match="time_in_force"):
        order_v2.check_time_in_force("gtt")
    with pytest.raises(ValueError, match="action"):
        order_v2.check_action("hold")
    with pytest.raises(ValueError, match="client_order_id"):
        order_v2.check_client_order_id("has space")
    with pytest.raises(ValueError, match="client_order_id"):
        order_v2.check_client_order_id("x" * 65)
    import uuid

    assert uuid.UUID(order_v2.new_client_order_id()).version == 4
