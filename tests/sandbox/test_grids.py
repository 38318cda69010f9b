"""Price grids (issue 12): every market carries ``price_level_structure`` and ``price_ranges`` in the spec's
shape, the 2026 grids trade somewhere, prices are checked by the step of the band containing them (never by
the structure's name), and a market's grid can change while it trades with its resting orders kept.

Exchange-level (no HTTP); the control route is exercised in test_market_routes.py.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from test_exchange import T0, Clock, cents, fed_market, order

from kalshi_nb.sandbox.data.grids import PRICE_RANGES, bands_of, check_ranges, on_bands, price_ok
from kalshi_nb.sandbox.errors import SandboxError
from kalshi_nb.sandbox.exchange import Exchange

# The AsyncAPI ``lifecyclePriceLevelStructure`` enum, the empty "unknown" value aside.
ENUM = {
    "banded_centi_cent", "linear_cent", "deci_cent", "tapered_deci_cent", "center_whole_edge_half_cent",
    "center_whole_edge_quint_cent", "center_half_edge_half_cent", "center_half_edge_quint_cent",
    "center_half_edge_deci_cent", "center_quint_edge_quint_cent", "center_quint_edge_deci_cent",
    "center_centi_edge_centi_cent", "center_deci_edge_centi_cent",
}  # fmt: skip
STEP = {"whole": "0.0100", "half": "0.0050", "quint": "0.0020", "deci": "0.0010"}
DOLLARS = re.compile(r"^[01]\.\d{4}$")


@pytest.fixture
def ex() -> Exchange:
    ex = Exchange(seed=1, now=T0, clock=Clock(T0))
    for user in ("alice", "bob"):
        ex.add_account(user)
    return ex


def on(ex: Exchange, structure: str) -> str:
    """An open market on ``structure``."""
    return next(m["ticker"] for m in ex.markets(status="open") if m["price_level_structure"] == structure)


def rests(ex: Exchange, ticker: str, price: str, side: str = "bid", count: str = "1") -> dict:
    r = ex.create_order("alice", order(ticker, side, count, price))
    assert r["remaining_count"] == f"{Decimal(count):.2f}", r
    return r


def refused(ex: Exchange, ticker: str, price: str, side: str = "bid") -> SandboxError:
    with pytest.raises(SandboxError) as err:
        ex.create_order("alice", order(ticker, side, "1", price))
    assert (err.value.status, err.value.code) == (400, "invalid_price"), err.value.message
    return err.value


def test_every_market_carries_its_grid_in_the_spec_shape(ex: Exchange) -> None:
    every = ex.markets() + ex.historical_markets()
    for m in every:
        ranges = m["price_ranges"]
        assert isinstance(m["price_level_structure"], str) and ranges, m["ticker"]
        assert all(set(r) == {"start", "end", "step"} for r in ranges), m["ticker"]
        assert all(DOLLARS.match(r[k]) for r in ranges for k in r), ranges
        # Contiguous bands from $0 to $1 (check_ranges returns them unchanged).
        assert check_ranges(ranges) == ranges
    # Every structure of the enum trades somewhere, with the table's bands.
    live = {m["price_level_structure"]: m["price_ranges"] for m in ex.markets(status="open")}
    assert set(live) == ENUM
    assert all(live[name] == PRICE_RANGES[name] for name in ENUM)


@pytest.mark.parametrize(
    ("name", "center", "edge"),
    [
        ("center_whole_edge_half_cent", "whole", "half"),
        ("center_whole_edge_quint_cent", "whole", "quint"),
        ("center_half_edge_half_cent", "half", "half"),
        ("center_half_edge_quint_cent", "half", "quint"),
        ("center_half_edge_deci_cent", "half", "deci"),
        ("center_quint_edge_quint_cent", "quint", "quint"),
        ("center_quint_edge_deci_cent", "quint", "deci"),
        ("tapered_deci_cent", "whole", "deci"),  # the older name of center_whole_edge_deci_cent's bands
    ],
)
def test_center_grids_follow_their_names(name: str, center: str, edge: str) -> None:
    """center_{c}_edge_{e}_cent: the edge step below $0.10 and above $0.90, the centre step between."""
    assert PRICE_RANGES[name] == [
        {"start": "0.0000", "end": "0.1000", "step": STEP[edge]},
        {"start": "0.1000", "end": "0.9000", "step": STEP[center]},
        {"start": "0.9000", "end": "1.0000", "step": STEP[edge]},
    ]


def test_centi_cent_grids_go_down_to_a_hundredth_of_a_cent() -> None:
    assert PRICE_RANGES["center_centi_edge_centi_cent"] == [
        {"start": "0.0000", "end": "1.0000", "step": "0.0001"}
    ]
    assert PRICE_RANGES["center_deci_edge_centi_cent"] == [
        {"start": "0.0000", "end": "0.0100", "step": "0.0001"},
        {"start": "0.0100", "end": "0.9900", "step": "0.0010"},
        {"start": "0.9900", "end": "1.0000", "step": "0.0001"},
    ]
    banded = bands_of(PRICE_RANGES["banded_centi_cent"])
    assert min(step for _, _, step in banded) == 1  # $0.0001 ticks at the edges (UNCONFIRMED bands)


@pytest.mark.parametrize(
    ("structure", "good", "bad"),
    [
        ("center_deci_edge_centi_cent", ["0.0001", "0.0057", "0.0100", "0.0110", "0.9950", "0.9999"],
         ["0.0105", "0.5005", "0.98995"]),
        ("center_centi_edge_centi_cent", ["0.0001", "0.0029", "0.5001", "0.9999"], ["0.00005", "0.0"]),
        ("banded_centi_cent", ["0.0003", "0.0150", "0.2000", "0.9500", "0.9991"],
         ["0.0155", "0.2050", "0.9455", "1.0000"]),
        ("center_half_edge_quint_cent", ["0.0020", "0.0980", "0.1050", "0.9020"], ["0.0030", "0.1020", "0.9010"]),
        ("center_quint_edge_deci_cent", ["0.0010", "0.1020", "0.8980", "0.9990"], ["0.1010", "0.0005"]),
    ],
)  # fmt: skip
def test_order_prices_are_checked_by_the_step_of_their_band(
    ex: Exchange, structure: str, good: list[str], bad: list[str]
) -> None:
    ticker = on(ex, structure)
    ex.set_balance("alice", 10**9)
    m = ex.market(ticker)
    bid = Decimal(m["yes_bid_dollars"])
    ask = Decimal(m["yes_ask_dollars"])
    for price in good:
        # Prices below the ask rest as bids; at or above it, rest as asks only above the bid.
        side = "bid" if Decimal(price) < ask else "ask"
        if side == "ask" and Decimal(price) <= bid:
            continue
        r = ex.create_order("alice", order(ticker, side, "1", price))
        assert r["remaining_count"] == "1.00", (price, r)
        ex.cancel_order("alice", r["order_id"])
    for price in bad:
        with pytest.raises(SandboxError) as err:
            ex.create_order("alice", order(ticker, "bid", "1", price))
        assert err.value.status == 400 and err.value.code in ("invalid_price", "invalid_parameters"), price


def test_the_check_reads_the_bands_not_the_name(ex: Exchange) -> None:
    """A market whose bands say $0.001 is checked by them even under the name linear_cent."""
    ticker = fed_market(ex)
    refused(ex, ticker, "0.015")
    fine = [{"start": "0.0000", "end": "1.0000", "step": "0.0010"}]
    ex.set_price_grid(ticker, "linear_cent", fine)
    assert ex.market(ticker)["price_ranges"] == fine
    rests(ex, ticker, "0.015")
    assert price_ok(Decimal("0.015"), fine) and not price_ok(Decimal("0.015"), PRICE_RANGES["linear_cent"])


def test_a_grid_change_while_trading_keeps_resting_orders(ex: Exchange) -> None:
    ticker = fed_market(ex)
    before = ex.market(ticker)
    kept = rests(ex, ticker, "0.05")
    refused(ex, ticker, "0.051")
    after = ex.set_price_grid(ticker, "deci_cent")
    # A new record (records are immutable once returned); the old dict is unchanged.
    assert before["price_level_structure"] == "linear_cent" and after is not before
    assert (after["price_level_structure"], after["price_ranges"]) == ("deci_cent", PRICE_RANGES["deci_cent"])
    assert ex.market(ticker) == after and after["status"] == "active"
    fine = rests(ex, ticker, "0.051")
    assert ex.order("alice", kept["order_id"])["status"] == "resting"
    # Back to whole cents: the $0.051 order stays on the book (preserved), new ones at $0.052 are refused.
    ex.set_price_grid(ticker, "linear_cent")
    assert ex.order("alice", fine["order_id"])["status"] == "resting"
    assert ["0.0510", "1.00"] in ex.orderbook(ticker)["yes_dollars"]
    refused(ex, ticker, "0.052")
    # An amend is checked by the current grid too.
    amend = {"ticker": ticker, "side": "bid", "price": "0.053", "count": "1"}
    with pytest.raises(SandboxError) as err:
        ex.amend_order("alice", fine["order_id"], amend)
    assert err.value.code == "invalid_price"
    ex.amend_order("alice", fine["order_id"], {**amend, "price": "0.06"})
    assert ex.order("alice", fine["order_id"])["yes_price_dollars"] == "0.0600"
    # The resting orders hold $0.05 and $0.06 plus, on this maker-fee series, the worst maker fee
    # ceil_cent(0.0175 x 1 x P(1-P)) = $0.01 each.
    assert cents(ex, "alice") == 1_000_000 - 5 - 6 - 2


def test_bad_grids_are_refused(ex: Exchange) -> None:
    ticker = fed_market(ex)
    for structure, ranges, words in (
        ("no_such_grid", None, "unknown price_level_structure"),
        ("custom", [{"start": "0.0000", "end": "0.5000", "step": "0.0100"}], "end at $1"),
        ("custom", [{"start": "0.1000", "end": "1.0000", "step": "0.0100"}], "without gaps"),
        ("custom", [{"start": "0.0000", "end": "1.0000", "step": "0.00005"}], "$0.0001"),
        ("custom", [{"start": "0.0000", "end": "1.0000", "step": "0.0300"}], "dividing"),
        ("custom", [{"start": "0", "end": "1"}], "exactly start, end and step"),
        ("custom", [], "1 to 20 bands"),
        ("", None, "non-empty"),
    ):
        with pytest.raises(ValueError, match=re.escape(words)):
            ex.set_price_grid(ticker, structure, ranges)
    assert ex.market(ticker)["price_level_structure"] == "linear_cent"
    with pytest.raises(SandboxError) as err:
        ex.set_price_grid("NOPE-1", "deci_cent")
    assert err.value.status == 404


def test_sub_cent_orders_hold_exact_amounts(ex: Exchange) -> None:
    ticker = on(ex, "center_centi_edge_centi_cent")
    r = rests(ex, ticker, "0.0001", count="3")
    assert r["remaining_count"] == "3.00"
    assert ex.balance("alice")["balance_dollars"] == "9999.9997"  # 3 x $0.0001 held, no maker fee
    ex.cancel_order("alice", r["order_id"])
    assert ex.balance("alice")["balance_dollars"] == "10000.0000"


def test_band_edges_belong_to_both_bands() -> None:
    bands = bands_of(PRICE_RANGES["center_deci_edge_centi_cent"])
    assert on_bands(100, bands) and on_bands(9900, bands)  # $0.01 and $0.99: on both neighbours' steps
    assert on_bands(101, bands) is False  # $0.0101 is in the $0.001 band
    assert not on_bands(0, bands) and not on_bands(10_000, bands)
