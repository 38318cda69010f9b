"""Fee, cost, payout and P&L arithmetic: worked examples computed by hand, then checked against what the
sandbox actually charges when the previewed order is placed."""

from __future__ import annotations

import random
from decimal import Decimal
from decimal import Decimal as D

import pytest
from orders_helpers import balance_cents, balance_dollars, my_orders, open_market, series_of

from kalshi_nb import orders
from kalshi_nb.orders import fee_coefficients, fee_schedule, preview_order, trading_fee

TAKER, MAKER = D("0.07"), D("0.0175")


# --- the formula, by hand ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "price", "coef", "expected"),
    [
        (
            D(10),
            D("0.50"),
            TAKER,
            D("0.18"),
        ),  # 0.07*10*0.5*0.5 = 0.175 -> up to 0.18 (the reference's example)
        (D(10), D("0.50"), MAKER, D("0.05")),  # 0.0175*10*0.25 = 0.04375 -> 0.05
        (D(1), D("0.50"), TAKER, D("0.02")),  # 0.0175 -> 0.02
        (D(100), D("0.50"), TAKER, D("1.75")),  # exactly 1.75: nothing to round
        (D(1000), D("0.055"), TAKER, D("3.64")),  # sub-penny: 0.07*1000*0.055*0.945 = 3.63825 -> 3.64
        (D("2.5"), D("0.40"), TAKER, D("0.05")),  # fractional: 0.07*2.5*0.4*0.6 = 0.042 -> 0.05
        (D(4), D("0.70"), TAKER, D("0.06")),  # 0.07*4*0.7*0.3 = 0.0588 -> 0.06
        (D(6), D("0.72"), TAKER, D("0.09")),  # 0.07*6*0.72*0.28 = 0.084672 -> 0.09
        (D(10), D("0.50"), D(0), D("0.00")),  # no maker fees on this series
        (D(0), D("0.50"), TAKER, D("0.00")),
    ],
)
def test_trading_fee_worked_examples(count, price, coef, expected) -> None:
    assert trading_fee(count, price, coef) == expected


def test_fee_is_the_same_for_a_price_and_its_complement() -> None:
    # P(1-P) is symmetric: buying NO at 0.30 costs the fee of YES at 0.70.
    assert (
        trading_fee(D(7), D("0.30"), TAKER) == trading_fee(D(7), D("0.70"), TAKER) == D("0.11")
    )  # 0.1029 -> 0.11


def test_fee_coefficients_by_fee_type_and_multiplier() -> None:
    assert fee_coefficients("quadratic") == (D("0.07"), D(0))
    assert fee_coefficients("quadratic_with_maker_fees") == (D("0.07"), D("0.0175"))
    assert fee_coefficients("quadratic", D("0.5")) == (D("0.035"), D(0))
    # half rate: 0.035*10*0.25 = 0.0875 -> 0.09
    assert trading_fee(D(10), D("0.50"), fee_coefficients("quadratic", D("0.5"))[0]) == D("0.09")


def test_event_overrides_win_over_the_series() -> None:
    series = {"fee_type": "quadratic", "fee_multiplier": 1}
    assert fee_schedule(series) == ("quadratic", D(1))
    assert fee_schedule(series, {"fee_type_override": "quadratic_with_maker_fees"}) == (
        "quadratic_with_maker_fees",
        D(1),
    )
    assert fee_schedule(series, {"fee_multiplier_override": 0.5}) == ("quadratic", D("0.5"))


# --- a preview on a book made by hand, then placed ---------------------------------------------------------


def _wide_quadratic_market(sb) -> dict:
    """An open quadratic-fee market whose best YES bid is below 0.70 and ask above 0.72: room for our levels."""
    m = open_market(sb, structure=None, fee_type="quadratic", bid_below="0.70", ask_above="0.72")
    assert series_of(sb, m)["fee_multiplier"] == 1
    return m


def test_buy_walks_two_levels_worked_example(sb, client, maker) -> None:
    m = _wide_quadratic_market(sb)
    t = m["ticker"]
    # The second account offers YES: 4 at 0.70 and 6 at 0.72 (sells YES = asks), in front of the house's asks.
    orders.place_order(preview_order(t, "yes", "sell", 4, "0.70", client=maker), confirm=True)
    orders.place_order(preview_order(t, "yes", "sell", 6, "0.72", client=maker), confirm=True)
    start = balance_cents(sb)
    assert start == 1_000_000

    p = preview_order(t, "yes", "buy", 10, "0.72", client=client)
    # By hand: 4 @ 0.70 + 6 @ 0.72 = 2.80 + 4.32 = 7.12; fees 0.06 + 0.09 = 0.15 (see the formula examples).
    assert [(f.yes_price, f.count, f.fee) for f in p.fills] == [
        (D("0.70"), 4, D("0.06")),
        (D("0.72"), 6, D("0.09")),
    ]
    assert (p.fill_count, p.rest_count, p.unfilled_count) == (10, 0, 0)
    assert p.average_price == D("0.712")  # 7.12 / 10
    assert p.cost == D("7.12")
    assert (p.taker_fee, p.maker_fee) == (D("0.15"), D("0.00"))
    assert p.total == D("7.27")
    assert p.payout == D(10)  # $1 per contract if YES
    assert p.pnl_if_yes == D("2.73")  # 10 - 7.12 - 0.15
    assert p.pnl_if_no == D("-7.27")
    assert p.break_even == D("0.727")  # 7.27 / 10
    assert p.balance == D(10000)
    assert p.balance_after == D("9992.73")

    placed = orders.place_order(p, confirm=True)
    assert placed.status == "executed"
    [stored] = my_orders(sb, p.client_order_id)
    assert D(stored["taker_fees_dollars"]) == p.taker_fee  # what the sandbox charged, fill by fill
    assert D(stored["fill_count_fp"]) == p.fill_count
    assert D(stored["taker_fill_cost_dollars"]) == p.cost_now
    assert balance_cents(sb) == 999_273  # 10000.00 - 7.27


def test_resting_buy_on_a_maker_fee_series_worked_example(sb, client, maker) -> None:
    t = "KXFEDDECISION-26DEC-H0"
    m = sb.exchange.market(t)
    assert series_of(sb, m)["fee_type"] == "quadratic_with_maker_fees"
    assert (m["yes_bid_dollars"], m["yes_ask_dollars"]) == (
        "0.6500",
        "0.6600",
    )  # the data this example assumes

    p = preview_order(t, "yes", "buy", 10, "0.65", client=client)
    # Nothing crosses (the best ask is 0.66): all 10 rest at 0.65, behind the house's bids at that price.
    assert (p.fill_count, p.rest_count) == (0, 10)
    assert p.fills == ()
    assert p.cost_rest == D("6.50")  # 10 * 0.65
    assert p.maker_fee == D("0.04")  # 0.0175*10*0.65*0.35 = 0.0398125 -> 0.04
    assert p.taker_fee == D("0.00")
    assert p.total == D("6.54")
    assert p.pnl_if_yes == D("3.46")  # 10 - 6.54
    assert p.pnl_if_no == D("-6.54")
    assert p.break_even == D("0.654")
    assert p.balance_after == D("9993.46")

    placed = orders.place_order(p, confirm=True)
    assert placed.status == "resting"
    assert balance_cents(sb) == 999_346  # the exchange holds cost plus the worst maker fee

    # The second account sells through the house's size at 0.65 and then into ours: our order fills as maker.
    at_bid = D(dict(sb.exchange.orderbook(t)["yes_dollars"])["0.6500"])  # the house's size plus our 10
    assert at_bid > 10
    orders.place_order(
        preview_order(t, "yes", "sell", at_bid, "0.65", client=maker, spend_cap=10_000), confirm=True
    )
    [stored] = my_orders(sb, p.client_order_id)
    assert stored["status"] == "executed"
    assert D(stored["maker_fees_dollars"]) == p.maker_fee
    fills = [f for f in sb.exchange.fills(sb.user_id) if f["order_id"] == placed.order_id]
    assert [(f["count_fp"], f["fee_cost"], f["is_taker"]) for f in fills] == [("10.00", "0.0400", False)]
    assert balance_cents(sb) == 999_346  # the hold became the cost: 6.50 + 0.04


def test_buy_no_rests_worked_example(sb, client) -> None:
    m = _wide_quadratic_market(sb)
    p = preview_order(m["ticker"], "no", "buy", 5, "0.30", client=client)
    # Buy NO at 0.30 is an ask at YES 0.70, above the best YES bid: it rests whole.
    assert (p.body["side"], p.body["price"]) == ("ask", "0.7000")
    assert (p.fill_count, p.rest_count) == (0, 5)
    assert p.cost == D("1.50")  # 5 * 0.30 of NO
    assert p.fees == D("0.00")  # quadratic series: no maker fee
    assert p.payout == D(5)  # if NO
    assert (p.pnl_if_no, p.pnl_if_yes) == (D("3.50"), D("-1.50"))
    assert p.break_even == D("0.3")  # P(NO) >= 30%
    orders.place_order(p, confirm=True)
    assert balance_cents(sb) == 1_000_000 - 150


def test_sell_yes_fills_at_the_better_bid_worked_example(sb, client) -> None:
    m = _wide_quadratic_market(sb)
    t = m["ticker"]
    assert (m["yes_bid_dollars"], m["yes_ask_dollars"]) == (
        "0.6800",
        "0.7400",
    )  # the data this example assumes
    assert D(dict(sb.exchange.orderbook(t)["yes_dollars"])["0.6800"]) >= 3

    p = preview_order(t, "yes", "sell", 3, "0.60", client=client)
    # Sell YES at 0.60 = ask at YES 0.60 = buy NO at 0.40; it takes the best YES bid, 0.68, i.e. NO at 0.32.
    assert (p.body["side"], p.body["price"]) == ("ask", "0.6000")
    assert [(f.yes_price, f.count, f.price) for f in p.fills] == [(D("0.68"), 3, D("0.32"))]
    assert p.cost == D("0.96")  # 3 * 0.32
    assert p.taker_fee == D("0.05")  # 0.07*3*0.68*0.32 = 0.045696 -> 0.05
    assert (p.pnl_if_no, p.pnl_if_yes) == (D("1.99"), D("-1.01"))  # 3 - 0.96 - 0.05 / -(0.96 + 0.05)
    # The limit is 11 cents from the mid (0.68 + 0.74) / 2 = 0.71.
    assert "far_from_mid" in p.warning_codes
    placed = orders.place_order(p, confirm=True)
    assert placed.status == "executed"
    [stored] = my_orders(sb, p.client_order_id)
    assert D(stored["taker_fees_dollars"]) == D("0.05")
    assert balance_cents(sb) == 1_000_000 - 101


def test_fees_and_balance_match_the_sandbox_across_many_orders(sb, client) -> None:
    """Preview, place, compare: the sandbox's per-fill fees and balance change equal the preview's."""
    rng = random.Random(5)
    markets = [
        m
        for m in sb.exchange.markets(status="open")
        if not m["ticker"].startswith("KXMVE") and m["price_level_structure"] == "linear_cent"
    ]
    checked = 0
    for m in rng.sample(markets, 12):
        outcome, action = rng.choice(["yes", "no"]), rng.choice(["buy", "sell"])
        fresh = sb.exchange.market(m["ticker"])
        # a marketable limit two cents through the touch, so that several levels may fill
        if (outcome == "yes") == (action == "buy"):
            yes_limit = min(D(fresh["yes_ask_dollars"]) + D("0.02"), D("0.99"))
        else:
            yes_limit = max(D(fresh["yes_bid_dollars"]) - D("0.02"), D("0.01"))
        price = yes_limit if outcome == "yes" else 1 - yes_limit
        count = rng.choice([1, 7, 40, 300])
        tif = rng.choice(["good_till_canceled", "immediate_or_cancel"])
        before = balance_dollars(sb)
        p = preview_order(m["ticker"], outcome, action, count, price, tif, client=client, spend_cap=100_000)
        placed = orders.place_order(p, confirm=True)
        [stored] = my_orders(sb, p.client_order_id)
        assert D(stored["fill_count_fp"]) == p.fill_count, m["ticker"]
        assert D(stored["taker_fees_dollars"]) == p.taker_fee, m["ticker"]
        assert D(stored["taker_fill_cost_dollars"]) == p.cost_now, m["ticker"]
        assert D(stored["remaining_count_fp"]) == p.rest_count, m["ticker"]
        assert placed.status == stored["status"]
        assert p.balance == before
        assert before - balance_dollars(sb) == p.cash_needed, m["ticker"]
        if p.rest_count:
            orders.cancel_order(placed)
        checked += 1
    assert checked == 12


def test_combo_maker_fee_uses_the_half_multiplier() -> None:
    # openapi.yaml: the combo type is the maker-fee structure "with a 0.5 maker multiplier instead of 0.25".
    taker, maker = fee_coefficients("quadratic_with_combo_maker_fees")
    assert (taker, maker) == (Decimal("0.07"), Decimal("0.035"))
    assert trading_fee(Decimal(10), Decimal("0.50"), maker) == Decimal("0.09")  # ceil(0.0875)
    assert fee_coefficients("quadratic_with_maker_fees")[1] == Decimal("0.0175")
