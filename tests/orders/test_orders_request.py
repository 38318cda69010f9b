"""OrderRequest: the buy/sell x yes/no translation, the price grid (by its bands), fractional counts, the
market being open, and the client_order_id minted once at construction."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from orders_helpers import creates, market_with_status, my_orders, open_market, writes

from kalshi_nb import orders
from kalshi_nb.orders import MarketNotOpenError, OrderRequest, preview_order

# outcome, action, limit -> V2 side and YES price (kalshi-api.md section 5.2, worked out by hand)
TABLE = [
    ("yes", "buy", "0.30", "bid", "0.3000"),  # buy YES at p: bid p
    ("yes", "sell", "0.30", "ask", "0.3000"),  # sell YES at p: ask p
    ("no", "buy", "0.30", "ask", "0.7000"),  # buy NO at q: ask 1 - q
    ("no", "sell", "0.30", "bid", "0.7000"),  # sell NO at q: bid 1 - q
]


def _market(**overrides: object) -> dict:
    base = {
        "ticker": "KX-TEST",
        "status": "active",
        "price_level_structure": "linear_cent",
        "price_ranges": [{"start": "0.0000", "end": "1.0000", "step": "0.0100"}],
    }
    return {**base, **overrides}


@pytest.mark.parametrize(("outcome", "action", "limit", "side", "yes_price"), TABLE)
def test_translation_table(outcome, action, limit, side, yes_price) -> None:
    req = OrderRequest(_market(), outcome, action, 5, limit)
    body = req.body
    assert (body["side"], body["price"], body["count"]) == (side, yes_price, "5.00")
    assert body["ticker"] == "KX-TEST"
    assert body["time_in_force"] == "good_till_canceled"
    assert body["client_order_id"] == req.client_order_id


# placed on the sandbox with limits that rest: the stored order carries the same book side and YES price,
# and the outcome side Kalshi documents (buy-yes and sell-no are "yes"; buy-no and sell-yes are "no")
RESTING = [
    ("yes", "buy", "0.01", "bid", "0.0100", "yes"),
    ("yes", "sell", "0.99", "ask", "0.9900", "no"),
    ("no", "buy", "0.01", "ask", "0.9900", "no"),
    ("no", "sell", "0.99", "bid", "0.0100", "yes"),
]


@pytest.mark.parametrize(("outcome", "action", "limit", "side", "yes_price", "outcome_side"), RESTING)
def test_translation_on_the_sandbox(
    sb, client, outcome, action, limit, side, yes_price, outcome_side
) -> None:
    m = open_market(sb)
    placed = orders.place_order(
        preview_order(m["ticker"], outcome, action, 2, limit, client=client), confirm=True
    )
    [stored] = my_orders(sb, placed.client_order_id)
    assert (stored["book_side"], stored["yes_price_dollars"], stored["outcome_side"]) == (
        side,
        yes_price,
        outcome_side,
    )
    assert stored["status"] == "resting"
    assert stored["initial_count_fp"] == "2.00"
    [post] = creates(sb)
    assert post.body["side"] == side
    assert post.body["price"] == yes_price


def test_client_order_id_is_minted_once_at_construction() -> None:
    a = OrderRequest(_market(), "yes", "buy", 1, "0.50")
    b = OrderRequest(_market(), "yes", "buy", 1, "0.50")
    assert a.client_order_id != b.client_order_id
    assert (
        a.body["client_order_id"] == a.body["client_order_id"] == a.client_order_id
    )  # stable, not re-minted
    assert len(a.client_order_id) == 36
    with pytest.raises(ValueError, match="client_order_id"):
        OrderRequest(_market(), "yes", "buy", 1, "0.50", client_order_id="has spaces")


def test_request_is_frozen() -> None:
    req = OrderRequest(_market(), "yes", "buy", 1, "0.50")
    with pytest.raises(AttributeError):
        req.count = D(100)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("price", "message"),
    [
        ("45", "did you mean \\$0.45"),  # cents typed where dollars were meant
        (45, "did you mean \\$0.45"),
        ("1", "strictly between 0 and 1"),
        ("0", "strictly between 0 and 1"),
        ("-0.5", "strictly between 0 and 1"),
        ("0.12345", "more than 4 decimal places"),
        ("abc", "must be a number"),
        (None, "enter a limit price"),
        ("", "enter a limit price"),
    ],
)
def test_bad_prices_are_refused_with_a_reason(price, message) -> None:
    with pytest.raises(ValueError, match=message):
        OrderRequest(_market(), "yes", "buy", 1, price)


def test_price_cents_is_the_alternative() -> None:
    assert OrderRequest(_market(), "yes", "buy", 1, price_cents=45).price == D("0.45")
    with pytest.raises(ValueError, match="not both"):
        OrderRequest(_market(), "yes", "buy", 1, "0.45", price_cents=45)


@pytest.mark.parametrize(
    ("field", "value"), [("outcome", "maybe"), ("action", "hold"), ("time_in_force", "gtt")]
)
def test_bad_choices(field, value) -> None:
    args = {"outcome": "yes", "action": "buy", "time_in_force": "gtc", field: value}
    with pytest.raises(ValueError, match=field.split("_")[0]):
        OrderRequest(_market(), args["outcome"], args["action"], 1, "0.5", args["time_in_force"])


# --- the price grid -----------------------------------------------------------------------------------

TAPERED = [
    {"start": "0.0000", "end": "0.1000", "step": "0.0010"},
    {"start": "0.1000", "end": "0.9000", "step": "0.0100"},
    {"start": "0.9000", "end": "1.0000", "step": "0.0010"},
]
CENTER = [
    {"start": "0.0000", "end": "0.0100", "step": "0.0001"},
    {"start": "0.0100", "end": "0.9900", "step": "0.0010"},
    {"start": "0.9900", "end": "1.0000", "step": "0.0001"},
]


@pytest.mark.parametrize(
    ("structure", "ranges", "outcome", "price", "ok"),
    [
        ("linear_cent", None, "yes", "0.45", True),
        ("linear_cent", None, "yes", "0.055", False),  # sub-penny on a whole-cent market
        ("deci_cent", None, "yes", "0.555", False),  # a name without bands: the strictest grid
        ("linear_cent", TAPERED, "yes", "0.055", True),  # the bands decide, not the name
        ("center_deci_edge_centi_cent", CENTER, "yes", "0.0042", True),
        ("center_deci_edge_centi_cent", CENTER, "yes", "0.4561", False),
        ("deci_cent", [{"start": "0.0000", "end": "1.0000", "step": "0.0010"}], "yes", "0.555", True),
        ("tapered_deci_cent", TAPERED, "yes", "0.055", True),  # tails are 0.001
        ("tapered_deci_cent", TAPERED, "yes", "0.955", True),
        ("tapered_deci_cent", TAPERED, "yes", "0.555", False),  # the middle is whole cents
        ("tapered_deci_cent", TAPERED, "no", "0.945", True),  # NO 0.945 is YES 0.055: on the grid
        ("tapered_deci_cent", TAPERED, "no", "0.555", False),  # NO 0.555 is YES 0.445: off the grid
    ],
)
def test_grid(structure, ranges, outcome, price, ok) -> None:
    market = _market(price_level_structure=structure, price_ranges=ranges)
    if ok:
        assert OrderRequest(market, outcome, "buy", 1, price).price == D(price)
    else:
        with pytest.raises(ValueError, match="price grid"):
            OrderRequest(market, outcome, "buy", 1, price)


def test_sub_penny_order_on_the_sandbox(sb, client) -> None:
    m = open_market(sb, structure="deci_cent", min_bid="0", max_ask="1")
    bid = D(m["yes_bid_dollars"])
    limit = bid - D("0.005")  # half a cent under the best bid: rests, and is off a whole-cent grid
    placed = orders.place_order(
        preview_order(m["ticker"], "yes", "buy", 3, limit, client=client), confirm=True
    )
    [stored] = my_orders(sb, placed.client_order_id)
    assert D(stored["yes_price_dollars"]) == limit
    assert stored["status"] == "resting"
    with pytest.raises(ValueError, match="price grid"):
        preview_order(m["ticker"], "yes", "buy", 3, bid - D("0.0005"), client=client)


# --- fractional counts ---------------------------------------------------------------------------------------


def test_fractional_counts_on_every_market() -> None:
    # Fractional trading is universal (2026-04-17); the retired flag, whatever it says, refuses nothing.
    for market in (
        _market(fractional_trading_enabled=False),
        _market(fractional_trading_enabled=True),
        _market(),
    ):
        assert OrderRequest(market, "yes", "buy", "2.5", "0.40").body["count"] == "2.50"
    with pytest.raises(ValueError, match=r"multiple of 0\.01"):
        OrderRequest(_market(), "yes", "buy", "2.555", "0.40")
    with pytest.raises(ValueError, match="positive"):
        OrderRequest(_market(), "yes", "buy", 0, "0.40")


def test_fractional_order_on_the_sandbox(sb, client) -> None:
    m = open_market(sb, fee_type="quadratic_with_maker_fees")
    placed = orders.place_order(
        preview_order(m["ticker"], "yes", "buy", "2.5", "0.01", client=client), confirm=True
    )
    [stored] = my_orders(sb, placed.client_order_id)
    assert stored["initial_count_fp"] == "2.50"
    other = open_market(sb)
    placed = orders.place_order(
        preview_order(other["ticker"], "yes", "buy", "0.37", "0.01", client=client), confirm=True
    )
    [stored] = my_orders(sb, placed.client_order_id)
    assert stored["initial_count_fp"] == "0.37"


# --- market open -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["initialized", "closed", "finalized"])
def test_market_must_be_open(sb, client, status) -> None:
    m = market_with_status(sb, status)
    with pytest.raises(MarketNotOpenError, match="not open"):
        OrderRequest.for_ticker(m["ticker"], "yes", "buy", 1, "0.50", client=client)
    with pytest.raises(MarketNotOpenError):
        preview_order(m["ticker"], "yes", "buy", 1, "0.50", client=client)
    assert writes(sb) == []


def test_a_request_is_rechecked_when_previewed(sb, client) -> None:
    m = open_market(sb)
    req = OrderRequest.for_ticker(m["ticker"], "yes", "buy", 1, "0.01", client=client)
    sb.settle(m["ticker"], "yes")  # the market settles between building the request and previewing it
    with pytest.raises(MarketNotOpenError):
        preview_order(req, client=client)
