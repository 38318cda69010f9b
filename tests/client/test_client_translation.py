"""The original order interface -> the V2 create-order body, worked out by hand (no network)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kalshi_nb import order_v2
from kalshi_nb.order_v2 import build_order_body, on_grid, parse_count, parse_price, status_from_receipt

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


def _grid(*bands: tuple[str, str, str]) -> order_v2.Grid:
    return order_v2.price_grid({"price_ranges": [{"start": a, "end": b, "step": c} for a, b, c in bands]})


TAPERED = _grid(("0", "0.10", "0.001"), ("0.10", "0.90", "0.01"), ("0.90", "1", "0.001"))
CENTER_DECI_EDGE_CENTI = _grid(("0", "0.01", "0.0001"), ("0.01", "0.99", "0.001"), ("0.99", "1", "0.0001"))


def test_grids() -> None:
    # tapered: 0-0.10 and 0.90-1.00 in tenths of a cent, whole cents in between
    assert on_grid(Decimal("0.055"), TAPERED)
    assert on_grid(Decimal("0.905"), TAPERED)
    assert on_grid(Decimal("0.10"), TAPERED)
    assert on_grid(Decimal("0.50"), TAPERED)
    assert not on_grid(Decimal("0.555"), TAPERED)
    assert not on_grid(Decimal("0.1005"), TAPERED)
    assert on_grid(Decimal("0.40"), order_v2.WHOLE_CENT_GRID)
    assert not on_grid(Decimal("0.405"), order_v2.WHOLE_CENT_GRID)
    # $0.0001 ticks at the edges, $0.001 in the centre
    assert on_grid(Decimal("0.0042"), CENTER_DECI_EDGE_CENTI)
    assert on_grid(Decimal("0.9957"), CENTER_DECI_EDGE_CENTI)
    assert on_grid(Decimal("0.456"), CENTER_DECI_EDGE_CENTI)
    assert not on_grid(Decimal("0.4561"), CENTER_DECI_EDGE_CENTI)


def test_grid_is_read_from_the_bands_never_the_name() -> None:
    ranges = [{"start": "0.0000", "end": "1.0000", "step": "0.0010"}]
    assert order_v2.price_grid({"price_ranges": ranges}) == ((Decimal(0), Decimal(1), Decimal("0.001")),)
    # a structure name alone says nothing: the strictest grid, whatever the name claims
    assert order_v2.price_grid({"price_level_structure": "deci_cent"}) == order_v2.WHOLE_CENT_GRID
    assert order_v2.price_grid({}) == order_v2.WHOLE_CENT_GRID
    # a misleading name with real bands: the bands win
    market = {"price_level_structure": "linear_cent", "price_ranges": ranges}
    assert order_v2.on_grid(Decimal("0.455"), order_v2.price_grid(market))
    # malformed bands: the strictest grid
    assert order_v2.price_grid({"price_ranges": [{"start": "x"}]}) == order_v2.WHOLE_CENT_GRID
    assert order_v2.price_grid({"price_ranges": [{"start": "0", "end": "1", "step": "0"}]}) == (
        order_v2.WHOLE_CENT_GRID
    )


@pytest.mark.parametrize(
    ("price", "direction", "snapped"),
    [
        ("0.4567", "nearest", "0.457"),
        ("0.4567", "down", "0.456"),
        ("0.4567", "up", "0.457"),
        ("0.00456", "nearest", "0.0046"),
        ("0.00456", "down", "0.0045"),
        ("0.456", "up", "0.456"),  # on the grid already
        ("0", "nearest", "0.0001"),  # never $0
        ("1", "nearest", "0.9999"),  # never $1
        ("0.99994", "nearest", "0.9999"),
        ("1.5", "down", "0.9999"),
    ],
)
def test_snap_by_the_band_holding_the_price(price: str, direction: str, snapped: str) -> None:
    result = order_v2.snap_price(price, CENTER_DECI_EDGE_CENTI, direction)
    assert result == Decimal(snapped)
    assert on_grid(result, CENTER_DECI_EDGE_CENTI)


def test_snap_in_tapered_and_text() -> None:
    assert order_v2.snap_price("0.555", TAPERED) == Decimal("0.56")
    assert order_v2.snap_price("0.0555", TAPERED, "down") == Decimal("0.055")
    assert order_v2.band_of(Decimal("0.10"), TAPERED) == (Decimal(0), Decimal("0.10"), Decimal("0.001"))
    text = order_v2.grid_text(TAPERED, Decimal("0.555"))
    assert text == "between $0.10 and $0.90 prices move in steps of $0.01 (nearest: $0.55 or $0.56)"
    assert "$0.90-$1.00 in steps of $0.001" in order_v2.grid_text(TAPERED)
    with pytest.raises(ValueError, match="direction"):
        order_v2.snap_price("0.5", TAPERED, "sideways")


def test_fractional_trading_is_universal() -> None:
    # The field left the schema on 2026-07-09; whatever a market says, fractional counts are accepted.
    assert parse_count("2.50") == Decimal("2.50")
    body = build_order_body(
        ticker="T", side="yes", action="buy", count=Decimal("0.01"), price=Decimal("0.5"), client_order_id="c"
    )
    order_v2.check_body(body, {"ticker": "T", "fractional_trading_enabled": False})
    with pytest.raises(ValueError, match="two decimals"):
        parse_count("0.005")


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
