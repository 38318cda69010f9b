"""Divergences from Kalshi's spec found in issue 12, each pinned: event positions, fills without
``client_order_id``, ``status=paused``, int64 query values, ``Allow`` on a 405, any PSS salt (in
test_http_auth.py) and the combo maker fee.

Trades go through the sandbox's exchange object (as in test_exchange.py, after sweeping the house
liquidity, so every fill is between two test users); what is read back goes through HTTP.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
import requests
from helpers import Signer, assert_kalshi_error
from test_exchange import FED_SERIES, T0, Clock, cents, fed_market, order, position, sweep

from kalshi_nb.sandbox.exchange import Exchange

SANDBOX_SEED = 12
INT64_MAX = 2**63 - 1  # 19 digits
INT64_MIN = -(2**63)


@pytest.fixture
def ex() -> Exchange:
    """An exchange without HTTP (as in test_exchange.py): two users with $10,000.00 each."""
    ex = Exchange(seed=1, now=T0, clock=Clock(T0))
    for user in ("alice", "bob"):
        ex.add_account(user)
    return ex


def three_markets_of_one_event(ex: Exchange) -> tuple[str, list[str]]:
    """An open Fed-decision event (cent grid, whole contracts) and three of its markets."""
    by_event: dict[str, list[str]] = defaultdict(list)
    for m in ex.markets(series_ticker=FED_SERIES, status="open"):
        by_event[m["event_ticker"]].append(m["ticker"])
    event, tickers = next((e, t) for e, t in by_event.items() if len(t) >= 3)
    return event, tickers[:3]


@pytest.fixture(scope="module")
def traded(module_sb):
    """The sandbox user trades in three markets of one event, against "bob":
    buys YES 10 @ $0.50 and YES 5 @ $0.30, and NO 4 @ $0.40 (sells YES into bob's bid at $0.60)."""
    ex, user = module_sb.exchange, module_sb.user_id
    event, (a, b, c) = three_markets_of_one_event(ex)
    ex.add_account("bob")
    for t in (a, b, c):
        sweep(ex, t)
    ex.create_order("bob", order(a, "ask", "10", "0.50"))
    ex.create_order(user, order(a, "bid", "10", "0.50", "immediate_or_cancel"))
    ex.create_order("bob", order(b, "ask", "5", "0.30"))
    ex.create_order(user, order(b, "bid", "5", "0.30", "immediate_or_cancel", client_order_id="mine-b"))
    ex.create_order("bob", order(c, "bid", "4", "0.60"))
    ex.create_order(user, order(c, "ask", "4", "0.60", "immediate_or_cancel"))
    return event, (a, b, c)


# --- 1. event_positions ---------------------------------------------------------------------------------


def test_three_positions_in_one_event_make_one_event_position(module_sb, traded):
    event, tickers = traded
    resp = Signer(module_sb).get("/portfolio/positions")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert {p["ticker"] for p in body["market_positions"]} == set(tickers)
    # Cost: $5.00 + $1.50 + $1.60 (NO 4 x $0.40) = $8.10, all still held. Taker fees (0.07 x C x P x (1-P),
    # up to the cent): 0.175 -> $0.18, 0.0735 -> $0.08, 0.0672 -> $0.07 = $0.33. Shares: 10 + 5 + 4.
    assert body["event_positions"] == [
        {
            "event_ticker": event,
            "total_cost_dollars": "8.1000",
            "total_cost_shares_fp": "19.00",
            "event_exposure_dollars": "8.1000",
            "realized_pnl_dollars": "0.0000",
            "fees_paid_dollars": "0.3300",
        }
    ]


def test_each_page_carries_the_whole_event_position_of_its_markets(module_sb, traded):
    event, tickers = traded
    resp = Signer(module_sb).get("/portfolio/positions", params={"limit": 1})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert len(body["market_positions"]) == 1 and body["cursor"]
    assert [(e["event_ticker"], e["total_cost_dollars"]) for e in body["event_positions"]] == [
        (event, "8.1000")
    ]
    by_event = Signer(module_sb).get("/portfolio/positions", params={"event_ticker": event}).json()
    assert [e["event_ticker"] for e in by_event["event_positions"]] == [event]
    assert len(by_event["market_positions"]) == len(tickers)


def test_event_shares_count_contracts_traded_not_held(ex: Exchange) -> None:
    # "total number of shares traded on this event (including both YES and NO contracts)" (openapi.yaml):
    # buying 10 YES and selling them again is 20 shares traded and a flat position.
    fed = fed_market(ex)
    sweep(ex, fed)
    ex.create_order("bob", order(fed, "ask", "10", "0.50"))
    ex.create_order("alice", order(fed, "bid", "10", "0.50", "immediate_or_cancel"))
    ex.create_order("bob", order(fed, "bid", "10", "0.50"))
    ex.create_order("alice", order(fed, "ask", "10", "0.50", "immediate_or_cancel"))
    assert position(ex, "alice", fed)["position_fp"] == "0.00"
    (ev,) = ex.positions("alice", settlement_status="all")[1]
    assert ev["total_cost_shares_fp"] == "20.00"


# --- 2. fills -------------------------------------------------------------------------------------------


def test_fills_carry_no_client_order_id(module_sb, traded):
    # Removed from the Fill schema on 2026-03-30; the order keeps it.
    fills = Signer(module_sb).get("/portfolio/fills").json()["fills"]
    assert len(fills) == 3
    assert all("client_order_id" not in f for f in fills), fills
    orders = Signer(module_sb).get("/portfolio/orders", params={"ticker": traded[1][1]}).json()["orders"]
    assert [o["client_order_id"] for o in orders] == ["mine-b"]


# --- 3. status=paused -----------------------------------------------------------------------------------


def test_markets_status_paused_is_accepted(module_sb):
    # In the spec's MarketStatusQuery enum; it maps to the market status "inactive", which no sandbox market has.
    resp = requests.get(module_sb.url + "/markets", params={"status": "paused"}, timeout=10)
    assert resp.status_code == 200, resp.text
    assert resp.json()["markets"] == []


def test_events_status_paused_is_still_refused(module_sb):
    # GET /events documents unopened, open, closed and settled only.
    resp = requests.get(module_sb.url + "/events", params={"status": "paused"}, timeout=10)
    assert_kalshi_error(resp, 400, mentions="status")


# --- 4. int64 query values and 405 ----------------------------------------------------------------------


@pytest.mark.parametrize("value", [INT64_MAX, INT64_MIN, 10**18, f"00{INT64_MAX}"])
@pytest.mark.parametrize(
    ("endpoint", "name"),
    [("/markets", "min_close_ts"), ("/markets/trades", "min_ts"), ("/portfolio/fills", "max_ts")],
)
def test_int64_query_values_are_accepted(module_sb, endpoint, name, value):
    resp = Signer(module_sb).get(endpoint, params={name: str(value)})
    assert resp.status_code == 200, resp.text


def test_int64_candlestick_range_is_accepted(module_sb):
    ticker = module_sb.exchange.markets(series_ticker=FED_SERIES, status="open")[0]["ticker"]
    resp = requests.get(
        f"{module_sb.url}/series/{FED_SERIES}/markets/{ticker}/candlesticks",
        params={"start_ts": INT64_MAX - 60, "end_ts": INT64_MAX, "period_interval": 1},
        timeout=10,
    )
    assert resp.status_code == 200, resp.text


@pytest.mark.parametrize("value", [INT64_MAX + 1, INT64_MIN - 1, "1" * 30])
def test_integers_beyond_int64_are_a_400(module_sb, value):
    resp = requests.get(module_sb.url + "/markets", params={"min_close_ts": str(value)}, timeout=10)
    assert_kalshi_error(resp, 400, mentions="int64")


def test_405_lists_the_allowed_methods(module_sb):
    resp = requests.delete(module_sb.url + "/markets", timeout=10)
    assert_kalshi_error(resp, 405)
    allowed = {m.strip() for m in resp.headers["Allow"].split(",")}
    assert "GET" in allowed and "DELETE" not in allowed


# --- 6. fees --------------------------------------------------------------------------------------------


def test_combo_maker_fee_uses_a_coefficient_of_0_035(ex: Exchange) -> None:
    # openapi.yaml Series.fee_type: "quadratic_with_combo_maker_fees is the same maker-fee structure with a
    # 0.5 maker multiplier instead of 0.25". The data has no such series, so one is switched to it here.
    fed = fed_market(ex)
    ex._series[FED_SERIES]["fee_type"] = "quadratic_with_combo_maker_fees"
    sweep(ex, fed)
    # Bob's resting bid 10 @ $0.50 holds $5.00 + the worst maker fee 0.035 x 10 x 0.25 = 0.0875 -> $0.09.
    ex.create_order("bob", order(fed, "bid", "10", "0.50"))
    assert cents(ex, "bob") == 1_000_000 - 509
    ex.create_order("alice", order(fed, "ask", "10", "0.50", "fill_or_kill"))
    assert ex.fills("bob")[0]["fee_cost"] == "0.0900"
    assert cents(ex, "bob") == 1_000_000 - 500 - 9
    assert cents(ex, "alice") == 1_000_000 - 500 - 18  # the taker fee is unchanged (0.07)
    assert Decimal(position(ex, "bob", fed)["fees_paid_dollars"]) == Decimal("0.09")
