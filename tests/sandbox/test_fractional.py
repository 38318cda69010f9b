"""Fractional trading is universal (issue 12): no ``fractional_trading_enabled`` on any record, a count with
two decimals accepted on every market, and matching, holds, fees, positions and payouts exact in hundredths.

Exchange-level (no HTTP). Every trade first sweeps the house liquidity, so each fill is between test users;
the expected numbers are worked out by hand in the comments.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from test_exchange import BTC, T0, Clock, order, position, sweep

from kalshi_nb.sandbox.errors import SandboxError
from kalshi_nb.sandbox.exchange import Exchange


@pytest.fixture
def ex() -> Exchange:
    ex = Exchange(seed=1, now=T0, clock=Clock(T0))
    for user in ("alice", "bob"):
        ex.add_account(user)  # $10,000.00 each
    return ex


def dollars(ex: Exchange, user: str) -> Decimal:
    return Decimal(ex.balance(user)["balance_dollars"])


def test_no_record_carries_the_retired_field(ex: Exchange) -> None:
    markets = ex.markets() + ex.historical_markets()
    nested = [m for e in ex.events(with_nested_markets=True) for m in e["markets"]]
    assert markets and nested
    assert not any("fractional_trading_enabled" in m for m in markets + nested)


def test_a_fractional_count_rests_on_every_kind_of_market(ex: Exchange) -> None:
    ex.set_balance("alice", 10**9)
    seen = set()
    for m in ex.markets(status="open"):
        kind = (m["ticker"].split("-")[0], m["price_level_structure"])
        if kind in seen:
            continue
        seen.add(kind)
        step = Decimal(m["price_ranges"][0]["step"])  # the lowest band's step: far below any ask
        r = ex.create_order("alice", order(m["ticker"], "bid", "0.01", f"{step}"))
        assert r["remaining_count"] == "0.01", m["ticker"]
        r = ex.create_order("alice", order(m["ticker"], "bid", "2.57", f"{step}"))
        assert r["remaining_count"] == "2.57", m["ticker"]
    # KXBTC15M and the BTC ladder (whole contracts before), the combos, the new grids.
    assert {"KXBTC15M", "KXBTC", "KXMVESPORTSMULTIGAMEEXTENDED", "KXNFLGAME", "KXINXY"} <= {
        k for k, _ in seen
    }


@pytest.mark.parametrize("count", ["1.005", "0.001", "0.125"])
def test_more_than_two_decimals_is_refused(ex: Exchange, count: str) -> None:
    with pytest.raises(SandboxError) as err:
        ex.create_order("alice", order(BTC, "bid", count, "0.40"))
    assert (err.value.status, err.value.code) == (400, "invalid_parameters")
    assert ex.orders("alice") == []


def test_fractional_fills_are_exact(ex: Exchange) -> None:
    sweep(ex, BTC)
    # Bob sells 2.57 YES at $0.43 (buys 2.57 NO at $0.57): holds 2.57 x 0.57 = $1.4649 (no maker fee).
    bob = ex.create_order("bob", order(BTC, "ask", "2.57", "0.43"))
    assert dollars(ex, "bob") == Decimal(10000) - Decimal("1.4649")
    # Alice buys 1.33 YES, IOC: cost 1.33 x 0.43 = $0.5719; taker fee ceil_cent(0.07 x 1.33 x 0.43 x 0.57)
    # = ceil_cent(0.02281881) = $0.03.
    r = ex.create_order("alice", order(BTC, "bid", "1.33", "0.50", "immediate_or_cancel"))
    assert (r["fill_count"], r["remaining_count"]) == ("1.33", "0.00")
    assert dollars(ex, "alice") == Decimal(10000) - Decimal("0.5719") - Decimal("0.03")
    p = position(ex, "alice", BTC)
    assert (p["position_fp"], p["market_exposure_dollars"], p["fees_paid_dollars"]) == (
        "1.33",
        "0.5719",
        "0.0300",
    )
    # Bob's order: 1.24 left, holding 1.24 x 0.57 = $0.7068; he paid 1.33 x 0.57 = $0.7581 for his NO.
    o = ex.order("bob", bob["order_id"])
    assert (o["fill_count_fp"], o["remaining_count_fp"]) == ("1.33", "1.24")
    assert dollars(ex, "bob") == Decimal(10000) - Decimal("0.7581") - Decimal("0.7068")
    assert position(ex, "bob", BTC)["position_fp"] == "-1.33"
    assert ex.orderbook(BTC)["no_dollars"] == [["0.5700", "1.24"]]
    fills = ex.fills("alice")
    assert [f["count_fp"] for f in fills] == ["1.33"]
    assert ex.trades(ticker=BTC)[0]["count_fp"] == "1.33"


def test_fractional_walk_of_the_book_and_settlement(ex: Exchange) -> None:
    sweep(ex, BTC)
    ex.create_order("bob", order(BTC, "ask", "0.25", "0.40"))
    ex.create_order("bob", order(BTC, "ask", "0.50", "0.41"))
    # Alice takes 0.25 at $0.40 and 0.35 of the 0.50 at $0.41; cost 0.10 + 0.1435 = $0.2435. Fees per fill:
    # ceil_cent(0.07 x 0.25 x 0.24) = ceil_cent(0.0042) = $0.01, ceil_cent(0.07 x 0.35 x 0.2419) = $0.01.
    r = ex.create_order("alice", order(BTC, "bid", "0.60", "0.41", "immediate_or_cancel"))
    assert r["fill_count"] == "0.60"
    assert dollars(ex, "alice") == Decimal(10000) - Decimal("0.2435") - Decimal("0.02")
    assert [f["count_fp"] for f in ex.fills("alice")] == ["0.35", "0.25"]  # newest first
    assert position(ex, "alice", BTC)["position_fp"] == "0.60"
    # Selling 0.15 back closes 0.15 pairs: bob rests a YES bid at $0.30, alice sells into it.
    ex.create_order("bob", order(BTC, "bid", "0.15", "0.30"))
    ex.create_order("alice", order(BTC, "ask", "0.15", "0.30", "immediate_or_cancel"))
    assert position(ex, "alice", BTC)["position_fp"] == "0.45"
    before = dollars(ex, "alice")
    # Settled YES: $1 per contract, 0.45 x $1 = $0.45 exactly.
    ex.settle_market(BTC, "yes")
    assert dollars(ex, "alice") == before + Decimal("0.45")
    assert ex.settlements("alice")[0]["yes_count_fp"] == "0.45"


def test_fractional_counts_on_a_sub_cent_grid(ex: Exchange) -> None:
    ticker = next(
        m["ticker"]
        for m in ex.markets(status="open")
        if m["price_level_structure"] == "center_centi_edge_centi_cent"
    )
    # 0.37 x $0.0013 = $0.000481: held exactly (micro-dollars), the balance shows it floored to $0.0001.
    r = ex.create_order("alice", order(ticker, "bid", "0.37", "0.0013"))
    assert r["remaining_count"] == "0.37"
    assert dollars(ex, "alice") == Decimal("9999.9995")
    ex.cancel_order("alice", r["order_id"])
    assert dollars(ex, "alice") == Decimal(10000)
