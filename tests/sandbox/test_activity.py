"""The seeded market simulation (kalshi_nb/sandbox/activity.py), stepped by hand: no thread, no wall clock.

Invariants: the same seed gives the same market; books stay uncrossed after every step; the simulation's
accounts never go negative and, once the house liquidity is swept away so that they only trade with each
other, cash + fees + open contracts (each worth $1 to the pair holding its two sides) is conserved.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from kalshi_nb.sandbox.activity import MAKERS, TAKER, Activity
from kalshi_nb.sandbox.exchange import Exchange

T0 = datetime(2026, 9, 7, 2, 40, tzinfo=timezone.utc)
BTC = "KXBTC15M-26SEP062245-45"  # the window 02:30Z-02:45Z, open at T0
NEXT = "KXBTC15M-26SEP062300-00"  # the window 02:45Z-03:00Z
USERS = (*MAKERS, TAKER)


class Clock:
    def __init__(self, t: datetime) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return self.t


def fresh(clock: Clock | None = None) -> Exchange:
    clock = clock or Clock(T0)
    return Exchange(seed=1, now=T0, clock=clock)


def sweep(ex: Exchange, ticker: str) -> None:
    """Take the synthetic house liquidity off ``ticker`` (the sweeper then holds the house's other side)."""
    ex.add_account("sweeper", 10**9)
    book = ex.orderbook(ticker)
    for side, levels, price in (("bid", book["no_dollars"], "0.99"), ("ask", book["yes_dollars"], "0.01")):
        total = sum(Decimal(c) for _, c in levels)
        if total:
            ex.create_order("sweeper", {"ticker": ticker, "side": side, "count": f"{total}", "price": price,
                                        "time_in_force": "immediate_or_cancel",
                                        "self_trade_prevention_type": "maker"})  # fmt: skip
    assert ex.orderbook(ticker) == {"yes_dollars": [], "no_dollars": []}


def assert_uncrossed(book: dict) -> None:
    yes, no = book["yes_dollars"], book["no_dollars"]
    if yes and no:  # best YES bid + best NO bid < $1, else the two would have matched
        assert Decimal(yes[-1][0]) + Decimal(no[-1][0]) < 1, book


def trail(ex: Exchange) -> list:
    """What the simulation did, without the (uuid4, never seeded) ids and the clock."""
    out = []
    for user in USERS:
        fills = ex.fills(user)
        out.append([(f["book_side"], f["count_fp"], f["yes_price_dollars"], f["fee_cost"]) for f in fills])
        out.append(ex.balance(user)["balance"])
    return out


def cash_cents(ex: Exchange, user: str) -> int:
    return ex.balance(user)["balance"]


def test_same_seed_same_market_other_seed_other_market():
    runs = []
    for seed in (5, 5, 6):
        ex = fresh()
        act = Activity(ex, rate=None, seed=seed, tickers=[BTC])
        for _ in range(150):
            act.step()
        runs.append((ex.orderbook(BTC), trail(ex)))
        assert act.errors == []
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


@pytest.mark.parametrize("swept", [False, True], ids=["house-liquidity", "swept"])
def test_books_never_cross_and_the_market_moves(swept):
    ex = fresh()
    if swept:  # the deep synthetic walls pin the top for a while; without them quotes follow the fair value
        sweep(ex, BTC)
    act = Activity(ex, rate=None, seed=2, tickers=[BTC], taker_share=0.4, volatility=0.2)
    before = ex.orderbook(BTC)
    tops = set()
    for _ in range(300):
        act.step()
        book = ex.orderbook(BTC)
        assert_uncrossed(book)
        tops.add(book["yes_dollars"][-1][0] if book["yes_dollars"] else None)
    assert ex.orderbook(BTC) != before
    assert len(tops) > (5 if swept else 0), "the best bid never moved"
    assert ex.fills(TAKER), "the taker never traded"
    assert act.orders_sent > 300


def test_only_between_themselves_value_is_conserved():
    """With the house gone every trade is between the simulation's accounts: a contract costs the pair $1
    when it opens and gives the pair $1 back when it nets out, and fees leave the system."""
    ex = fresh()
    sweep(ex, BTC)
    act = Activity(ex, rate=None, seed=11, tickers=[BTC], taker_share=0.35, volatility=0.1)
    start = sum(cash_cents(ex, u) for u in USERS)
    for _ in range(400):
        act.step()
        assert_uncrossed(ex.orderbook(BTC))
    act.stop()  # cancels the quotes: no holds left, balance is all the cash
    assert ex.orders(MAKERS[0], status="resting") == []
    cash = sum(cash_cents(ex, u) for u in USERS)
    fees = sum(Decimal(f["fee_cost"]) for u in USERS for f in ex.fills(u))
    contracts = sum(abs(Decimal(p["position_fp"])) for u in USERS for p in ex.positions(u)[0])
    traded = sum(Decimal(f["count_fp"]) for f in ex.fills(TAKER))
    assert traded > 0 and fees > 0
    # each open contract has its YES and its NO side among USERS: |positions| / 2 dollars locked
    assert Decimal(cash) + fees * 100 + contracts / 2 * 100 == start
    assert all(cash_cents(ex, u) >= 0 for u in USERS)


def test_follows_the_windows_as_they_open_and_close():
    clock = Clock(T0)
    ex = fresh(clock)
    act = Activity(ex, rate=None, seed=3)
    act.step()
    assert BTC in repr(act)
    clock.t += timedelta(minutes=10)  # 02:50Z: BTC closed, NEXT open
    for _ in range(60):  # the market list is refreshed every 50 steps
        act.step()
    assert ex.market(BTC)["status"] != "active"
    assert NEXT in repr(act) and BTC not in repr(act)
    assert [o for o in ex.orders(MAKERS[0], status="resting") if o["ticker"] == BTC] == []
    assert any(o["ticker"] == NEXT for u in MAKERS for o in ex.orders(u, status="resting"))


def test_moves_other_markets_when_its_series_has_none_open():
    ex = fresh()
    act = Activity(ex, rate=None, seed=3, max_markets=2, series=("KXNOSUCHSERIES",))
    assert sum(act.step() for _ in range(20)) > 0
    assert "markets=[]" not in repr(act) and "KXBTC15M" not in repr(act)


def test_keeps_moving_the_current_window_long_after_the_seeded_ones():
    """The seeded windows reach about two hours past T0; new ones keep opening (exchange/windows.py)."""
    clock = Clock(T0)
    ex = fresh(clock)
    act = Activity(ex, rate=None, seed=3, max_markets=2)
    for hours in (3, 30):
        clock.t = T0 + timedelta(hours=hours)
        open_now = [m["ticker"] for m in ex.markets(series_ticker="KXBTC15M", status="open")]
        assert len(open_now) == 1, (hours, open_now)
        for _ in range(60):  # the market list is refreshed every 50 steps
            act.step()
        assert f"markets={open_now}" in repr(act)
        assert any(o["ticker"] == open_now[0] for u in MAKERS for o in ex.orders(u, status="resting"))


def test_thread_runs_at_the_rate_and_stops_cleanly():
    ex = fresh()
    act = Activity(ex, rate=200, seed=4, tickers=[BTC]).start()
    try:
        deadline = time.monotonic() + 5
        while act.orders_sent < 20 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert act.running and act.orders_sent >= 20
    finally:
        act.stop()
    assert not act.running
    assert act.errors == []
    assert all(ex.orders(u, status="resting") == [] for u in MAKERS)


def test_off_and_bad_rates():
    act = Activity(fresh(), rate=None, seed=0)
    assert act.start() is act and not act.running
    assert not Activity(fresh(), rate=0, seed=0).start().running
    with pytest.raises(ValueError, match="rate"):
        Activity(fresh(), rate=-1, seed=0)
    with pytest.raises(ValueError, match="taker_share"):
        Activity(fresh(), rate=1, seed=0, taker_share=2)


def test_survives_a_reset_and_a_market_settled_under_it():
    ex = fresh()
    act = Activity(ex, rate=None, seed=8, tickers=[BTC])
    for _ in range(20):
        act.step()
    ex.reset()  # its resting orders are gone: cancelling them must not break a step
    for _ in range(20):
        act.step()
    ex.settle_market(BTC, "yes")
    for _ in range(60):
        assert act.step() == 0 or ex.market(BTC)["status"] == "active"
    assert act.errors == []
