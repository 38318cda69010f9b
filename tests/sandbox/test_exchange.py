"""The sandbox Exchange without HTTP: data, consistency, order rules, fees, balances, settlement, the clock.

Expected numbers are worked out by hand in the comments (Kalshi's fee: taker ceil_cent(0.07*C*P*(1-P)),
maker ceil_cent(0.0175*C*P*(1-P)) on maker-fee series only). Trading examples first sweep the synthetic
house liquidity off a market through the public API, so every fill in them is between two test users.
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from kalshi_nb.sandbox.errors import SandboxError
from kalshi_nb.sandbox.exchange import Exchange

T0 = datetime(2026, 9, 7, 2, 40, tzinfo=timezone.utc)  # 22:40 EDT on Sep 6
BTC = "KXBTC15M-26SEP062245-45"  # the window 02:30Z-02:45Z, open at T0
FED_SERIES = "KXFEDDECISION"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, t: datetime) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return self.t

    def advance(self, **kw: float) -> None:
        self.t += timedelta(**kw)


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def ex(clock: Clock) -> Exchange:
    ex = Exchange(seed=1, now=T0, clock=clock)
    for user in ("alice", "bob"):
        ex.add_account(user)  # $10,000.00 each
    return ex


def order(ticker: str, side: str, count: str, price: str, tif: str = "good_till_canceled", **extra) -> dict:
    return {
        "ticker": ticker,
        "side": side,
        "count": count,
        "price": price,
        "time_in_force": tif,
        "self_trade_prevention_type": "maker",
        **extra,
    }


def sweep(ex: Exchange, ticker: str) -> None:
    """Take all house liquidity off ``ticker`` with IOC orders from a rich third user."""
    ex.add_account("sweeper", 10**9)
    book = ex.orderbook(ticker)
    grid = ex.market(ticker)["price_ranges"]
    lowest = Decimal(grid[0]["step"])
    highest = Decimal(grid[-1]["end"]) - Decimal(grid[-1]["step"])
    no_total = sum(Decimal(c) for _, c in book["no_dollars"])
    yes_total = sum(Decimal(c) for _, c in book["yes_dollars"])
    if no_total:
        ex.create_order("sweeper", order(ticker, "bid", f"{no_total}", f"{highest}", "immediate_or_cancel"))
    if yes_total:
        ex.create_order("sweeper", order(ticker, "ask", f"{yes_total}", f"{lowest}", "immediate_or_cancel"))
    assert ex.orderbook(ticker) == {"yes_dollars": [], "no_dollars": []}


def cents(ex: Exchange, user: str) -> int:
    return ex.balance(user)["balance"]


def position(ex: Exchange, user: str, ticker: str) -> dict:
    rows = [p for p in ex.positions(user, settlement_status="all")[0] if p["ticker"] == ticker]
    assert len(rows) == 1
    return rows[0]


def fed_market(ex: Exchange) -> str:
    return next(m["ticker"] for m in ex.markets(series_ticker=FED_SERIES, status="open"))


# --- data: determinism, coverage, formats ------------------------------------------------------------


def test_same_seed_same_data_other_seed_other_data() -> None:
    def snapshot(seed: int) -> str:
        e = Exchange(seed=seed, now=T0, clock=lambda: T0)
        return json.dumps(
            [
                e.markets(),
                e.historical_markets(),
                e.events(),
                e.series_list(),
                e.trades(ticker=BTC),
                e.orderbook(BTC),
            ],
            sort_keys=True,
        )

    assert snapshot(5) == snapshot(5)
    assert snapshot(5) != snapshot(6)


def test_default_size_is_small() -> None:
    # Every test starts a sandbox, so the default must stay small; its build time is in bench/.
    e = Exchange(seed=2)
    n = len(e.markets()) + len(e.historical_markets())
    assert 200 <= n <= 1000


def test_every_status_and_query_filter(ex: Exchange) -> None:
    every = ex.markets() + ex.historical_markets()
    assert set(Counter(m["status"] for m in every)) == {
        "initialized",
        "active",
        "closed",
        "determined",
        "finalized",
    }
    assert {m["status"] for m in ex.markets(status="unopened")} == {"initialized"}
    assert {m["status"] for m in ex.markets(status="open")} == {"active"}
    assert {m["status"] for m in ex.markets(status="closed")} == {"closed"}
    assert {m["status"] for m in ex.markets(status="settled")} == {"determined", "finalized"}
    for m in every:
        settled = m["status"] in ("determined", "finalized")
        assert (m["result"] in ("yes", "no")) == settled
        assert ("settlement_ts" in m) == (m["status"] == "finalized")


def test_historical_split_follows_the_cutoff(ex: Exchange) -> None:
    cutoff = ex.historical_cutoff()["market_settled_ts"]
    live, old = ex.markets(), ex.historical_markets()
    assert old
    assert live
    assert not {m["ticker"] for m in live} & {m["ticker"] for m in old}
    # ISO strings of one format order like the times they name.
    assert all(m["status"] == "finalized" and m["settlement_ts"] < cutoff for m in old)
    assert all(m.get("settlement_ts", "9999") >= cutoff for m in live)
    # An old market is still reachable one by one, and gone from its event's market list.
    oldest = old[0]
    assert ex.market(oldest["ticker"]) == oldest
    _, markets = ex.event(oldest["event_ticker"])
    assert oldest["ticker"] not in {m["ticker"] for m in markets}


def _et_offset_hours(utc: datetime) -> int:
    """US Eastern offset worked out from the rule (2nd Sunday of March to 1st Sunday of November, 2 am)."""

    def nth_sunday(year: int, month: int, n: int) -> date:
        d = date(year, month, 1)
        d += timedelta(days=(6 - d.weekday()) % 7)
        return d + timedelta(weeks=n - 1)

    y = utc.year
    start = datetime.combine(nth_sunday(y, 3, 2), datetime.min.time(), timezone.utc) + timedelta(hours=7)
    end = datetime.combine(nth_sunday(y, 11, 1), datetime.min.time(), timezone.utc) + timedelta(hours=6)
    return -4 if start <= utc < end else -5


def test_kxbtc15m_tickers_name_the_close_in_eastern_time(ex: Exchange) -> None:
    # By hand: close 2026-09-07T02:45Z is 22:45 EDT (UTC-4) on Sep 6 -> 26SEP062245, minute 45.
    m = ex.market(BTC)
    assert (m["event_ticker"], m["close_time"], m["open_time"]) == (
        "KXBTC15M-26SEP062245",
        "2026-09-07T02:45:00Z",
        "2026-09-07T02:30:00Z",
    )
    assert m["status"] == "active"
    # Winter (EST, UTC-5): close 2026-01-08T03:00Z is 22:00 on Jan 7 -> KXBTC15M-26JAN072200-00.
    winter = Exchange(
        seed=1,
        now=datetime(2026, 1, 8, 2, 50, tzinfo=timezone.utc),
        clock=lambda: datetime(2026, 1, 8, 2, 50, tzinfo=timezone.utc),
    )
    assert winter.market("KXBTC15M-26JAN072200-00")["close_time"] == "2026-01-08T03:00:00Z"
    # Every window, against the DST rule worked out independently above.
    months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    every = ex.markets(series_ticker="KXBTC15M") + ex.historical_markets(series_ticker="KXBTC15M")
    assert len(every) > 50
    for m in every:
        close = datetime.fromisoformat(m["close_time"].replace("Z", "+00:00"))
        local = close + timedelta(hours=_et_offset_hours(close))
        code = f"{local:%y}{months[local.month - 1]}{local:%d%H%M}"
        assert m["event_ticker"] == f"KXBTC15M-{code}"
        assert m["ticker"] == f"KXBTC15M-{code}-{local:%M}"
        assert datetime.fromisoformat(m["open_time"].replace("Z", "+00:00")) == close - timedelta(minutes=15)
        assert m["strike_type"] == "greater_or_equal"
        assert m.get("cap_strike") is None
        if m["status"] == "initialized":
            assert m["yes_sub_title"] == "Target price: TBD"
            assert "floor_strike" not in m
        else:
            strike = m["floor_strike"]
            assert isinstance(strike, float)
            assert round(strike, 2) == strike
            assert m["yes_sub_title"] == f"Target Price: ${strike:,.2f}"
            assert "CF Benchmarks' BRTI before" in m["rules_primary"]
    events = {m["event_ticker"] for m in every}
    assert all(
        len(ex.event(e)[0]["event_ticker"]) and len([m for m in every if m["event_ticker"] == e]) == 1
        for e in events
    )  # one market per event


def test_finalized_kxbtc15m_resolves_by_the_target(ex: Exchange) -> None:
    for m in ex.markets(series_ticker="KXBTC15M", status="settled"):
        if m["status"] == "finalized":
            final = float(m["expiration_value"])
            assert m["result"] == ("yes" if final >= m["floor_strike"] else "no")
            assert m["settlement_value_dollars"] == ("1.0000" if m["result"] == "yes" else "0.0000")


def test_ladder_mutually_exclusive_and_multivariate_series(ex: Exchange) -> None:
    ladder = [e for e in ex.events(series_ticker="KXBTC", with_nested_markets=True)]
    assert ladder
    for ev in ladder:
        kinds = Counter(m["strike_type"] for m in ev["markets"])
        if len(ev["markets"]) == 12:  # events whose markets are all live
            assert kinds == {"between": 10, "less": 1, "greater": 1}
        for m in ev["markets"]:
            if m["strike_type"] == "between":
                assert m["floor_strike"] < m["cap_strike"]
    fed = ex.series(FED_SERIES)
    assert fed["fee_type"] == "quadratic_with_maker_fees"
    fed_events = ex.events(series_ticker=FED_SERIES, with_nested_markets=True)
    assert fed_events
    assert all(e["mutually_exclusive"] and e["collateral_return_type"] == "MECNET" for e in fed_events)
    settled = [
        e for e in fed_events if e["markets"] and all(m["status"] == "finalized" for m in e["markets"])
    ]
    for e in settled:  # at most one market of a mutually exclusive event resolves YES
        assert sum(m["result"] == "yes" for m in e["markets"]) == 1

    mve = ex.markets(mve_filter="only")
    assert mve
    assert all(m["ticker"].startswith("KXMVE") and m["mve_collection_ticker"] for m in mve)
    for m in mve:
        legs = m["mve_selected_legs"]
        assert len(legs) >= 2
        assert all(ex.market(leg["market_ticker"])["event_ticker"] == leg["event_ticker"] for leg in legs)
    without = ex.markets(mve_filter="exclude")
    assert len(without) + len(mve) == len(ex.markets())
    assert not any(m["ticker"].startswith("KXMVE") for m in without)
    # /events leaves multivariate events out; the event itself is still reachable.
    assert not any(e["series_ticker"].startswith("KXMVE") for e in ex.events())
    assert ex.event(mve[0]["event_ticker"])[1][0]["ticker"] == mve[0]["ticker"]


def test_subpenny_grids_and_no_fractional_flag(ex: Exchange) -> None:
    every = ex.markets() + ex.historical_markets()
    # Fractional trading is universal; the field left the schema on 2026-07-09 (test_fractional.py trades).
    assert not any("fractional_trading_enabled" in m for m in every)
    structures = {m["price_level_structure"]: m["price_ranges"] for m in every}
    assert structures["linear_cent"] == [{"start": "0.0000", "end": "1.0000", "step": "0.0100"}]
    assert structures["deci_cent"] == [{"start": "0.0000", "end": "1.0000", "step": "0.0010"}]
    assert structures["tapered_deci_cent"] == [
        {"start": "0.0000", "end": "0.1000", "step": "0.0010"},
        {"start": "0.1000", "end": "0.9000", "step": "0.0100"},
        {"start": "0.9000", "end": "1.0000", "step": "0.0010"},
    ]


def test_wire_formats(ex: Exchange) -> None:
    dollars = re.compile(r"^\d\.\d{4}$")
    count = re.compile(r"^\d+\.\d{2}$")
    when = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
    for m in ex.markets() + ex.historical_markets():
        for k, v in m.items():
            if k.endswith("_dollars"):
                assert dollars.match(v), (k, v)
            elif k.endswith("_fp"):
                assert count.match(v), (k, v)
            elif k.endswith("_time") or k == "settlement_ts":
                assert when.match(v), (k, v)
        assert m["market_type"] == "binary"
        assert m["notional_value_dollars"] == "1.0000"


# --- consistency: book, top of book, trades, candles ------------------------------------------------


def _all_trades(ex: Exchange, ticker: str) -> list[dict]:
    return ex.trades(ticker=ticker) + ex.trades(ticker=ticker, historical=True)


def test_top_of_book_matches_the_book(ex: Exchange) -> None:
    for m in ex.markets(status="open"):
        book = ex.orderbook(m["ticker"])
        yes, no = book["yes_dollars"], book["no_dollars"]
        assert [p for p, _ in yes] == sorted(p for p, _ in yes)
        assert yes
        assert no
        best_yes, best_no = yes[-1], no[-1]
        assert (m["yes_bid_dollars"], m["yes_bid_size_fp"]) == tuple(best_yes)
        assert m["no_bid_dollars"] == best_no[0]
        assert m["yes_ask_dollars"] == str(1 - Decimal(best_no[0]))
        assert m["yes_ask_size_fp"] == best_no[1]
        assert m["no_ask_dollars"] == str(1 - Decimal(best_yes[0]))
        assert Decimal(m["yes_bid_dollars"]) < Decimal(m["yes_ask_dollars"])  # not crossed
    for m in ex.markets(status="settled") + ex.markets(status="unopened"):
        assert ex.orderbook(m["ticker"]) == {"yes_dollars": [], "no_dollars": []}


def test_trades_add_up_to_the_market_summary(ex: Exchange) -> None:
    day_ago = (T0 - timedelta(hours=24)).isoformat().replace("+00:00", "")
    checked = 0
    for m in ex.markets() + ex.historical_markets():
        trades = _all_trades(ex, m["ticker"])
        if not trades:
            assert m["volume_fp"] == "0.00"
            assert m["last_price_dollars"] == "0.0000"
            continue
        checked += 1
        assert [t["created_time"] for t in trades] == sorted(
            (t["created_time"] for t in trades), reverse=True
        )
        assert sum(Decimal(t["count_fp"]) for t in trades) == Decimal(m["volume_fp"])
        assert trades[0]["yes_price_dollars"] == m["last_price_dollars"]
        recent = sum(Decimal(t["count_fp"]) for t in trades if t["created_time"] > day_ago)
        assert recent == Decimal(m["volume_24h_fp"])
        assert Decimal(m["open_interest_fp"]) <= Decimal(m["volume_fp"])
        for t in trades:
            assert Decimal(t["yes_price_dollars"]) + Decimal(t["no_price_dollars"]) == 1
            assert t["taker_book_side"] == ("bid" if t["taker_outcome_side"] == "yes" else "ask")
    assert checked > 50


def test_trades_feed_filters(ex: Exchange) -> None:
    feed = ex.trades()
    cut = ex.historical_cutoff()["trades_created_ts"]
    assert feed
    assert all(t["created_time"] >= cut for t in feed)
    assert all(t["created_time"] < cut for t in ex.trades(historical=True))
    lo = int((T0 - timedelta(hours=2)).timestamp())
    window = ex.trades(min_ts=lo)
    assert window
    assert all(t["created_time"] >= "2026-09-07T00:40" for t in window)
    assert ex.trades(is_block_trade=True) == []
    with pytest.raises(SandboxError) as err:
        ex.trades(ticker="NOPE-1")
    assert err.value.status == 404


def _ts(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def test_candles_agree_with_trades_and_quotes(ex: Exchange) -> None:
    now = int(T0.timestamp())
    checked = 0
    for m in ex.markets(series_ticker="KXBTC15M") + ex.markets(series_ticker="KXBTC"):
        if m["status"] == "initialized":
            continue
        series = "KXBTC15M" if m["ticker"].startswith("KXBTC15M") else "KXBTC"
        start, end = int(_ts(m["open_time"])), int(_ts(m["close_time"]))
        candles = ex.candlesticks(series, m["ticker"], start_ts=start, end_ts=end + 3600, period_interval=1)
        trades = _all_trades(ex, m["ticker"])
        assert sum(Decimal(c["volume_fp"]) for c in candles) == Decimal(m["volume_fp"])
        for c in candles:
            e = c["end_period_ts"]
            inside = [t for t in trades if e - 60 < _ts(t["created_time"]) <= e]
            assert Decimal(c["volume_fp"]) == sum(Decimal(t["count_fp"]) for t in inside)
            if inside:
                assert (
                    c["price"]["close_dollars"] == inside[0]["yes_price_dollars"]
                )  # trades are newest first
                assert c["price"]["open_dollars"] == inside[-1]["yes_price_dollars"]
            else:
                assert c["price"]["close_dollars"] is None
            for q in ("yes_bid", "yes_ask"):
                d = c[q]
                assert d["low_dollars"] <= d["open_dollars"] <= d["high_dollars"]
                assert d["low_dollars"] <= d["close_dollars"] <= d["high_dollars"]
        if m["status"] == "active":
            last = candles[-1]
            assert (
                last["end_period_ts"] == -(-now // 60) * 60
            )  # the candle holding "now" (ends at or after it)
            assert last["yes_bid"]["close_dollars"] == m["yes_bid_dollars"]
            assert last["yes_ask"]["close_dollars"] == m["yes_ask_dollars"]
            assert last["open_interest_fp"] == m["open_interest_fp"]
        # An hour candle sums and bounds its minutes.
        hours = ex.candlesticks(series, m["ticker"], start_ts=start, end_ts=end + 3600, period_interval=60)
        for h in hours:
            minutes = [
                c for c in candles if h["end_period_ts"] - 3600 < c["end_period_ts"] <= h["end_period_ts"]
            ]
            assert Decimal(h["volume_fp"]) == sum(Decimal(c["volume_fp"]) for c in minutes)
            assert h["yes_bid"]["high_dollars"] == max(c["yes_bid"]["high_dollars"] for c in minutes)
            assert h["yes_ask"]["low_dollars"] == min(c["yes_ask"]["low_dollars"] for c in minutes)
        checked += 1
    assert checked > 20


def test_candle_endpoints_check_series_and_tier(ex: Exchange) -> None:
    now = int(T0.timestamp())
    with pytest.raises(SandboxError) as err:
        ex.candlesticks("KXBTC", BTC, start_ts=now - 600, end_ts=now, period_interval=1)
    assert err.value.status == 404
    old = ex.historical_markets()[0]
    with pytest.raises(SandboxError):
        ex.candlesticks(None, old["ticker"], start_ts=now - 86400, end_ts=now, period_interval=60)
    hist = ex.candlesticks(
        None, old["ticker"], start_ts=now - 86400, end_ts=now, period_interval=60, historical=True
    )
    assert hist
    assert set(hist[0]) == {"end_period_ts", "yes_bid", "yes_ask", "price", "volume", "open_interest"}
    assert set(hist[0]["yes_bid"]) == {"open", "low", "high", "close"}


# --- order validation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "status", "code", "words"),
    [
        ({"count": 10}, 400, "invalid_parameters", "count must be a fixed-point count string"),
        ({"count": "-1"}, 400, "invalid_parameters", "positive"),
        ({"count": "0"}, 400, "invalid_parameters", "positive"),
        ({"count": "1.005"}, 400, "invalid_parameters", "at most 2 decimal"),
        ({"price": 0.5}, 400, "invalid_parameters", "dollar string"),
        ({"price": "0.505"}, 400, "invalid_price", "price grid"),
        ({"price": "1.00"}, 400, "invalid_price", "between 0 and 1"),
        ({"price": "abc"}, 400, "invalid_parameters", "not a number"),
        ({"side": "yes"}, 400, "invalid_parameters", "bid buys YES"),
        ({"time_in_force": "GTT"}, 400, "invalid_parameters", "time_in_force"),
        (
            {"self_trade_prevention_type": None},
            400,
            "invalid_parameters",
            "self_trade_prevention_type is required",
        ),
        ({"client_order_id": "x" * 65}, 400, "invalid_parameters", "64 characters"),
        ({"client_order_id": "has space"}, 400, "invalid_parameters", "client_order_id"),
        ({"reduce_only": True}, 400, "invalid_parameters", "immediate_or_cancel"),
        ({"post_only": "yes"}, 400, "invalid_parameters", "boolean"),
        ({"expiration_time": 1788749000000}, 400, "invalid_parameters", "seconds"),
        ({"expiration_time": 1788748799}, 400, "invalid_parameters", "not in the future"),  # T0 - 1 s
        ({"action": "buy"}, 400, "invalid_parameters", "V1 order field"),
        ({"ticker": "NOPE-26SEP01"}, 404, "not_found", "does not exist"),
        ({"ticker": None}, 400, "invalid_parameters", "ticker is required"),
    ],
)
def test_create_order_validation(ex: Exchange, change: dict, status: int, code: str, words: str) -> None:
    body = {**order(BTC, "bid", "1", "0.40"), **change}
    body = {k: v for k, v in body.items() if v is not None}
    with pytest.raises(SandboxError) as err:
        ex.create_order("alice", body)
    assert (err.value.status, err.value.code) == (status, code)
    assert words in err.value.message
    assert ex.orders("alice") == []  # nothing was recorded
    assert cents(ex, "alice") == 1_000_000


def test_body_must_be_an_object(ex: Exchange) -> None:
    for body in (None, [], "x", 3):
        with pytest.raises(SandboxError) as err:
            ex.create_order("alice", body)
        assert err.value.status == 400


def test_orders_on_markets_not_trading_are_refused(ex: Exchange) -> None:
    for status in ("unopened", "closed", "settled"):
        m = ex.markets(status=status, mve_filter="exclude")[0]
        price = "0.50" if m["price_level_structure"] == "linear_cent" else "0.500"
        with pytest.raises(SandboxError) as err:
            ex.create_order("alice", order(m["ticker"], "bid", "1", price))
        assert (err.value.status, err.value.code) == (409, "market_closed")


def test_subpenny_prices_and_fractional_counts() -> None:
    e = Exchange(seed=1, now=T0, clock=lambda: T0)
    e.add_account("alice")
    deci = next(m for m in e.markets() if m["price_level_structure"] == "deci_cent")
    tapered = next(m for m in e.markets() if m["price_level_structure"] == "tapered_deci_cent")
    # deci_cent: $0.001 steps everywhere. A bid far below the market rests.
    r = e.create_order("alice", order(deci["ticker"], "bid", "2.5", "0.001"))
    assert r["remaining_count"] == "2.50"
    # tapered: $0.001 below 0.10 and above 0.90, $0.01 between.
    assert e.create_order("alice", order(tapered["ticker"], "bid", "1", "0.011"))["remaining_count"] == "1.00"
    with pytest.raises(SandboxError) as err:
        e.create_order("alice", order(tapered["ticker"], "bid", "1", "0.105"))
    assert err.value.code == "invalid_price"
    # Holds: 2.5 x $0.001 = $0.0025 and 1 x $0.011; no maker fee on these series.
    assert e.balance("alice")["balance_dollars"] == "9999.9865"
    assert e.balance("alice")["balance"] == 999998  # whole cents, rounded down


# --- matching, fees, balances, positions ------------------------------------------------------------


def test_taker_fee_worked_example(ex: Exchange) -> None:
    sweep(ex, BTC)
    # Bob rests an ask: sell 10 YES at $0.50 (= buy 10 NO at $0.50). Hold 10 x 0.50 = $5.00; KXBTC15M
    # ("quadratic") charges no maker fee, so nothing more is held.
    bob = ex.create_order("bob", order(BTC, "ask", "10", "0.50", client_order_id="bob-1"))
    assert (bob["fill_count"], bob["remaining_count"]) == ("0.00", "10.00")
    assert "average_fill_price" not in bob
    assert cents(ex, "bob") == 1_000_000 - 500
    assert ex.orderbook(BTC) == {"yes_dollars": [], "no_dollars": [["0.5000", "10.00"]]}
    assert ex.market(BTC)["yes_ask_dollars"] == "0.5000"
    assert ex.market(BTC)["yes_ask_size_fp"] == "10.00"
    # Alice lifts it with a bid at $0.55: fills at the resting $0.50. Taker fee 0.07 x 10 x 0.5 x 0.5 = 0.175
    # -> $0.18. She pays $5.00 + $0.18.
    r = ex.create_order("alice", order(BTC, "bid", "10", "0.55", "immediate_or_cancel"))
    assert (r["fill_count"], r["remaining_count"], r["average_fill_price"], r["average_fee_paid"]) == (
        "10.00",
        "0.00",
        "0.5000",
        "0.0180",
    )
    assert cents(ex, "alice") == 1_000_000 - 500 - 18
    assert cents(ex, "bob") == 1_000_000 - 500  # the hold became the cost
    assert position(ex, "alice", BTC)["position_fp"] == "10.00"
    assert position(ex, "bob", BTC)["position_fp"] == "-10.00"
    a = ex.order("alice", r["order_id"])
    assert (a["status"], a["fill_count_fp"], a["taker_fill_cost_dollars"], a["taker_fees_dollars"]) == (
        "executed",
        "10.00",
        "5.0000",
        "0.1800",
    )
    b = ex.order("bob", bob["order_id"])
    assert (b["status"], b["remaining_count_fp"], b["maker_fill_cost_dollars"], b["maker_fees_dollars"]) == (
        "executed",
        "0.00",
        "5.0000",
        "0.0000",
    )
    fa, fb = ex.fills("alice")[0], ex.fills("bob")[0]
    assert (fa["is_taker"], fa["fee_cost"], fa["yes_price_dollars"], fa["book_side"]) == (
        True,
        "0.1800",
        "0.5000",
        "bid",
    )
    assert (fb["is_taker"], fb["fee_cost"], fb["no_price_dollars"], fb["book_side"]) == (
        False,
        "0.0000",
        "0.5000",
        "ask",
    )
    trade = ex.trades(ticker=BTC)[0]
    assert (trade["count_fp"], trade["yes_price_dollars"], trade["taker_outcome_side"]) == (
        "10.00",
        "0.5000",
        "yes",
    )
    m = ex.market(BTC)
    assert m["last_price_dollars"] == "0.5000"
    # The candle in progress follows: its close is this trade, its quotes the (now empty) book.
    now = int(T0.timestamp())
    candle = ex.candlesticks("KXBTC15M", BTC, start_ts=now - 60, end_ts=now + 60, period_interval=1)[-1]
    assert candle["price"]["close_dollars"] == "0.5000"
    assert (candle["yes_bid"]["close_dollars"], candle["yes_ask"]["close_dollars"]) == ("0.0000", "1.0000")
    assert candle["open_interest_fp"] == m["open_interest_fp"]


def test_maker_fee_on_a_maker_fee_series(ex: Exchange) -> None:
    fed = fed_market(ex)
    sweep(ex, fed)
    # Bob's resting bid 10 @ $0.50 holds $5.00 + the worst maker fee 0.0175 x 10 x 0.25 = 0.04375 -> $0.05.
    ex.create_order("bob", order(fed, "bid", "10", "0.50"))
    assert cents(ex, "bob") == 1_000_000 - 505
    # Alice sells 10 into it: taker fee $0.18 on her NO purchase at $0.50; Bob's maker fee $0.05.
    ex.create_order("alice", order(fed, "ask", "10", "0.50", "fill_or_kill"))
    assert cents(ex, "alice") == 1_000_000 - 500 - 18
    assert cents(ex, "bob") == 1_000_000 - 500 - 5
    assert ex.fills("bob")[0]["fee_cost"] == "0.0500"
    assert position(ex, "bob", fed)["fees_paid_dollars"] == "0.0500"


def test_one_contract_fee_rounds_up(ex: Exchange) -> None:
    sweep(ex, BTC)
    ex.create_order("bob", order(BTC, "ask", "1", "0.50"))
    # 0.07 x 1 x 0.25 = 0.0175 -> $0.02.
    r = ex.create_order("alice", order(BTC, "bid", "1", "0.50", "immediate_or_cancel"))
    assert r["average_fee_paid"] == "0.0200"
    assert cents(ex, "alice") == 1_000_000 - 50 - 2


def test_price_time_priority_and_walking_the_book(ex: Exchange) -> None:
    sweep(ex, BTC)
    ex.add_account("carol")
    first = ex.create_order("bob", order(BTC, "ask", "5", "0.60"))
    second = ex.create_order("carol", order(BTC, "ask", "5", "0.60"))
    better = ex.create_order("carol", order(BTC, "ask", "3", "0.58"))
    # Alice buys 6 at up to $0.60: 3 @ 0.58 (the better price) then 3 @ 0.60 from Bob (first in time).
    r = ex.create_order("alice", order(BTC, "bid", "6", "0.60", "immediate_or_cancel"))
    assert r["fill_count"] == "6.00"
    # Average YES price (3 x 0.58 + 3 x 0.60) / 6 = 0.59; fees per fill:
    # 0.07 x 3 x 0.58 x 0.42 = 0.051156 -> 0.06 and 0.07 x 3 x 0.6 x 0.4 = 0.0504 -> 0.06; avg 0.12 / 6 = 0.02.
    assert (r["average_fill_price"], r["average_fee_paid"]) == ("0.5900", "0.0200")
    assert cents(ex, "alice") == 1_000_000 - 174 - 180 - 12
    assert ex.order("carol", better["order_id"])["status"] == "executed"
    assert ex.order("bob", first["order_id"])["remaining_count_fp"] == "2.00"
    assert ex.order("carol", second["order_id"])["remaining_count_fp"] == "5.00"
    assert ex.orderbook(BTC)["no_dollars"] == [["0.4000", "7.00"]]


def test_gtc_remainder_rests_and_holds_cash(ex: Exchange) -> None:
    sweep(ex, BTC)
    ex.create_order("bob", order(BTC, "ask", "4", "0.45"))
    # Alice bids 10 @ 0.45: 4 fill at 0.45 (fee 0.07 x 4 x 0.45 x 0.55 = 0.0693 -> 0.07), 6 rest (hold 6 x 0.45).
    r = ex.create_order("alice", order(BTC, "bid", "10", "0.45", client_order_id="a-1"))
    assert (r["fill_count"], r["remaining_count"]) == ("4.00", "6.00")
    assert cents(ex, "alice") == 1_000_000 - 180 - 7 - 270
    o = ex.order("alice", r["order_id"])
    assert (o["status"], o["fill_count_fp"], o["remaining_count_fp"], o["initial_count_fp"]) == (
        "resting",
        "4.00",
        "6.00",
        "10.00",
    )
    assert ex.orderbook(BTC)["yes_dollars"] == [["0.4500", "6.00"]]
    assert ex.market(BTC)["yes_bid_dollars"] == "0.4500"
    # Cancelling releases the hold.
    c = ex.cancel_order("alice", r["order_id"])
    assert (c["reduced_by"], c["client_order_id"]) == ("6.00", "a-1")
    assert cents(ex, "alice") == 1_000_000 - 180 - 7
    assert ex.order("alice", r["order_id"])["status"] == "canceled"
    assert ex.orderbook(BTC)["yes_dollars"] == []
    with pytest.raises(SandboxError) as err:
        ex.cancel_order("alice", r["order_id"])
    assert err.value.status == 409


def test_ioc_partial_fill_is_cancelled_and_fok_is_all_or_nothing(ex: Exchange) -> None:
    sweep(ex, BTC)
    ex.create_order("bob", order(BTC, "ask", "3", "0.50"))
    with pytest.raises(SandboxError) as err:
        ex.create_order("alice", order(BTC, "bid", "5", "0.50", "fill_or_kill"))
    assert (err.value.status, err.value.code) == (409, "fill_or_kill_insufficient_resting_volume")
    assert cents(ex, "alice") == 1_000_000
    assert ex.orderbook(BTC)["no_dollars"] == [["0.5000", "3.00"]]
    r = ex.create_order("alice", order(BTC, "bid", "5", "0.50", "immediate_or_cancel"))
    assert (r["fill_count"], r["remaining_count"]) == ("3.00", "0.00")
    o = ex.order("alice", r["order_id"])
    assert (o["status"], o["fill_count_fp"], o["remaining_count_fp"]) == ("canceled", "3.00", "0.00")
    assert ex.orderbook(BTC) == {"yes_dollars": [], "no_dollars": []}  # nothing rested


def test_post_only_refuses_to_cross(ex: Exchange) -> None:
    sweep(ex, BTC)
    ex.create_order("bob", order(BTC, "ask", "3", "0.50"))
    with pytest.raises(SandboxError) as err:
        ex.create_order("alice", order(BTC, "bid", "1", "0.50", post_only=True))
    assert (err.value.status, err.value.code) == (409, "post_only_cross")
    r = ex.create_order("alice", order(BTC, "bid", "1", "0.49", post_only=True))
    assert r["remaining_count"] == "1.00"


def test_duplicate_client_order_id_among_resting_orders(ex: Exchange) -> None:
    sweep(ex, BTC)
    first = ex.create_order("alice", order(BTC, "bid", "1", "0.30", client_order_id="same"))
    with pytest.raises(SandboxError) as err:
        ex.create_order("alice", order(BTC, "bid", "1", "0.31", client_order_id="same"))
    assert (err.value.status, err.value.code) == (409, "order_already_exists")
    # Another user may use it; after a cancel the id is free again.
    ex.create_order("bob", order(BTC, "bid", "1", "0.30", client_order_id="same"))
    ex.cancel_order("alice", first["order_id"])
    ex.create_order("alice", order(BTC, "bid", "1", "0.30", client_order_id="same"))


def test_insufficient_balance(ex: Exchange) -> None:
    sweep(ex, BTC)
    ex.set_balance("alice", 300)  # $3.00
    with pytest.raises(SandboxError) as err:
        ex.create_order("alice", order(BTC, "bid", "10", "0.40"))  # holds $4.00
    assert (err.value.status, err.value.code) == (400, "insufficient_balance")
    assert ex.create_order("alice", order(BTC, "bid", "7", "0.40"))["remaining_count"] == "7.00"  # $2.80
    assert cents(ex, "alice") == 20


def test_netting_closes_pairs_for_a_dollar(ex: Exchange) -> None:
    sweep(ex, BTC)
    ex.create_order("bob", order(BTC, "ask", "10", "0.50"))
    ex.create_order("alice", order(BTC, "bid", "10", "0.50", "immediate_or_cancel"))
    assert cents(ex, "alice") == 1_000_000 - 518  # as in the taker example
    # Alice sells her 10 YES at $0.60 into Carol's bid: she buys 10 NO at $0.40 ($4.00), which closes
    # 10 YES/NO pairs worth $1 each ($10.00). Taker fee 0.07 x 10 x 0.6 x 0.4 = 0.168 -> $0.17.
    ex.add_account("carol")
    ex.create_order("carol", order(BTC, "bid", "10", "0.60"))
    r = ex.create_order("alice", order(BTC, "ask", "10", "0.60", "immediate_or_cancel"))
    assert r["average_fill_price"] == "0.6000"  # YES terms
    assert cents(ex, "alice") == 1_000_000 - 518 - 400 - 17 + 1000
    p = position(ex, "alice", BTC)
    # Realized: $10 - $5.00 (YES cost) - $4.00 (NO cost) = $1.00; fees apart.
    assert (
        p["position_fp"],
        p["market_exposure_dollars"],
        p["realized_pnl_dollars"],
        p["fees_paid_dollars"],
    ) == ("0.00", "0.0000", "1.0000", "0.3500")
    assert p["total_traded_dollars"] == "9.0000"
    # A flat position drops out of count_filter=position but stays under total_traded.
    assert ex.positions("alice", count_filter=["position"])[0] == []
    assert [q["ticker"] for q in ex.positions("alice", count_filter=["total_traded"])[0]] == [BTC]
    assert ex.positions("alice")[1][0]["event_ticker"] == "KXBTC15M-26SEP062245"


def test_closing_a_position_needs_no_cash(ex: Exchange) -> None:
    sweep(ex, BTC)
    ex.create_order("bob", order(BTC, "ask", "10", "0.50"))
    ex.create_order("alice", order(BTC, "bid", "10", "0.50", "immediate_or_cancel"))
    ex.set_balance("alice", 0)
    ex.add_account("carol")
    ex.create_order("carol", order(BTC, "bid", "10", "0.60"))
    # Cost $4.00 + fee $0.17 is covered by the $10.00 the closed pairs return: net +$5.83.
    ex.create_order("alice", order(BTC, "ask", "10", "0.60", "immediate_or_cancel", reduce_only=True))
    assert cents(ex, "alice") == 583


def test_reduce_only_caps_at_the_position(ex: Exchange) -> None:
    sweep(ex, BTC)
    ex.create_order("bob", order(BTC, "ask", "4", "0.50"))
    ex.create_order("alice", order(BTC, "bid", "4", "0.50", "immediate_or_cancel"))
    ex.create_order("bob", order(BTC, "bid", "10", "0.40"))
    r = ex.create_order("alice", order(BTC, "ask", "10", "0.40", "immediate_or_cancel", reduce_only=True))
    assert r["fill_count"] == "4.00"
    assert position(ex, "alice", BTC)["position_fp"] == "0.00"


def test_self_trade_prevention(ex: Exchange) -> None:
    sweep(ex, BTC)
    own = ex.create_order("alice", order(BTC, "ask", "5", "0.50"))
    # taker_at_cross: the incoming order stops where it would meet its own order; the remainder is cancelled.
    r = ex.create_order(
        "alice", {**order(BTC, "bid", "5", "0.50"), "self_trade_prevention_type": "taker_at_cross"}
    )
    assert (r["fill_count"], r["remaining_count"]) == ("0.00", "0.00")
    assert ex.order("alice", own["order_id"])["status"] == "resting"
    # maker: the resting order is cancelled and the taker goes on (and rests here).
    r = ex.create_order("alice", order(BTC, "bid", "5", "0.50"))
    assert ex.order("alice", own["order_id"])["status"] == "canceled"
    assert r["remaining_count"] == "5.00"
    assert ex.fills("alice") == []


def test_amend_and_decrease(ex: Exchange) -> None:
    sweep(ex, BTC)
    r = ex.create_order("alice", order(BTC, "bid", "10", "0.40", client_order_id="amend-me"))
    assert cents(ex, "alice") == 1_000_000 - 400
    d = ex.decrease_order("alice", r["order_id"], {"reduce_by": "3"})
    assert d["remaining_count"] == "7.00"
    assert cents(ex, "alice") == 1_000_000 - 280
    d = ex.decrease_order("alice", r["order_id"], {"reduce_to": "5"})
    assert d["remaining_count"] == "5.00"
    assert cents(ex, "alice") == 1_000_000 - 200
    with pytest.raises(SandboxError):
        ex.decrease_order("alice", r["order_id"], {"reduce_by": "1", "reduce_to": "1"})
    with pytest.raises(SandboxError):
        ex.decrease_order("alice", r["order_id"], {"reduce_by": 1})
    # Amend to 8 @ 0.42: count is the new total (nothing filled yet) -> 8 rest, hold 8 x 0.42 = $3.36.
    a = ex.amend_order(
        "alice",
        r["order_id"],
        {"ticker": BTC, "side": "bid", "price": "0.42", "count": "8", "updated_client_order_id": "amended"},
    )
    assert (a["remaining_count"], a["fill_count"], a["client_order_id"]) == ("8.00", "0.00", "amended")
    assert ex.order("alice", r["order_id"])["initial_count_fp"] == "8.00"
    assert cents(ex, "alice") == 1_000_000 - 336
    assert ex.orderbook(BTC)["yes_dollars"] == [["0.4200", "8.00"]]
    # Amending into the other side's price trades: Bob rests an ask 3 @ 0.45; Alice amends to 0.45.
    ex.create_order("bob", order(BTC, "ask", "3", "0.45"))
    a = ex.amend_order("alice", r["order_id"], {"ticker": BTC, "side": "bid", "price": "0.45", "count": "8"})
    assert (a["fill_count"], a["remaining_count"]) == ("3.00", "5.00")
    # Filled 3 x 0.45 = 1.35 + fee 0.07 x 3 x 0.45 x 0.55 = 0.051975 -> 0.06; 5 rest at 0.45 = 2.25.
    assert cents(ex, "alice") == 1_000_000 - 135 - 6 - 225
    d = ex.decrease_order("alice", r["order_id"], {"reduce_to": "0"})
    assert d["remaining_count"] == "0.00"
    assert ex.order("alice", r["order_id"])["status"] == "canceled"
    assert cents(ex, "alice") == 1_000_000 - 135 - 6


def test_batches_and_cancel_all(ex: Exchange) -> None:
    sweep(ex, BTC)
    out = ex.batch_create_orders(
        "alice",
        {
            "orders": [
                order(BTC, "bid", "1", "0.30", client_order_id="b1"),
                order(BTC, "bid", "1", "0.305"),  # off the grid
                order(BTC, "bid", "2", "0.31", client_order_id="b3"),
            ]
        },
    )["orders"]
    assert out[0]["remaining_count"] == "1.00"
    assert out[2]["remaining_count"] == "2.00"
    assert out[1]["error"]["code"] == "invalid_price"
    assert "order_id" not in out[1]
    with pytest.raises(SandboxError):
        ex.batch_create_orders("alice", {"orders": []})
    with pytest.raises(SandboxError):
        ex.batch_create_orders("alice", {"orders": [order(BTC, "bid", "1", "0.30")] * 21})
    res = ex.batch_cancel_orders(
        "alice", {"orders": [{"order_id": out[0]["order_id"]}, {"order_id": "nope"}]}
    )
    assert res["orders"][0]["reduced_by"] == "1.00"
    assert res["orders"][1]["error"]["code"] == "not_found"
    assert [o["status"] for o in ex.orders("alice", status="resting")] == ["resting"]
    ex.cancel_all_orders("alice")
    assert ex.orders("alice", status="resting") == []
    assert cents(ex, "alice") == 1_000_000


def test_expiring_order_is_cancelled_on_time(ex: Exchange, clock: Clock) -> None:
    sweep(ex, BTC)
    expiry = int(T0.timestamp()) + 60
    r = ex.create_order("alice", order(BTC, "bid", "1", "0.30", expiration_time=expiry))
    assert ex.order("alice", r["order_id"])["expiration_time"] == "2026-09-07T02:41:00Z"
    clock.advance(seconds=59)
    assert ex.order("alice", r["order_id"])["status"] == "resting"
    clock.advance(seconds=1)
    assert ex.order("alice", r["order_id"])["status"] == "canceled"
    assert cents(ex, "alice") == 1_000_000


# --- records, versions, the clock, settlement ---------------------------------------------------------


def test_records_are_never_mutated_and_version_moves(ex: Exchange) -> None:
    before = ex.market(BTC)
    frozen = copy.deepcopy(before)
    listing, _ = ex.markets(with_keys=True)  # the stored rows, cached until the version moves
    v = ex.version
    ex.create_order("alice", order(BTC, "bid", "1", "0.99", "immediate_or_cancel"))
    assert ex.version > v
    assert before == frozen  # the old record is untouched
    after = ex.market(BTC)
    assert after is not before
    assert after["volume_fp"] != before["volume_fp"]
    assert ex.markets(with_keys=True)[0] is not listing
    v = ex.version
    assert ex.markets(with_keys=True)[0] is ex.markets(with_keys=True)[0]
    assert ex.markets() == ex.markets() and ex.markets() is not ex.markets()  # sent: a new list each time
    assert ex.version == v


def test_status_follows_the_clock_and_settles(ex: Exchange, clock: Clock) -> None:
    sweep(ex, BTC)
    ex.create_order("bob", order(BTC, "ask", "10", "0.50"))
    ex.create_order("alice", order(BTC, "bid", "10", "0.50", "immediate_or_cancel"))
    resting = ex.create_order("alice", order(BTC, "bid", "5", "0.20"))
    result = ex.market(BTC)["floor_strike"]
    nxt = "KXBTC15M-26SEP062300-00"
    assert ex.market(nxt)["status"] == "initialized"
    assert ex.orderbook(nxt) == {"yes_dollars": [], "no_dollars": []}  # not open: no book yet
    clock.advance(minutes=5)  # 02:45Z: BTC closes, the next window opens with its target fixed
    m = ex.market(BTC)
    assert m["status"] == "closed"
    assert m["yes_bid_dollars"] == "0.0000"
    assert ex.order("alice", resting["order_id"])["status"] == "canceled"
    assert cents(ex, "alice") == 1_000_000 - 518
    n = ex.market(nxt)
    assert n["status"] == "active"
    assert n["yes_sub_title"].startswith("Target Price: $")
    book = ex.orderbook(nxt)
    assert book["yes_dollars"][-1] == [n["yes_bid_dollars"], n["yes_bid_size_fp"]]
    assert book["no_dollars"][-1][1] == n["yes_ask_size_fp"]
    clock.advance(minutes=5)  # 02:50Z: expected expiration, the result is known
    m = ex.market(BTC)
    assert m["status"] == "determined"
    assert m["result"] in ("yes", "no")
    assert (
        float(m["expiration_value"]) >= result
        if m["result"] == "yes"
        else float(m["expiration_value"]) < result
    )
    clock.advance(minutes=1)  # + settlement timer (60 s): finalized and paid
    m = ex.market(BTC)
    assert m["status"] == "finalized"
    assert m["settlement_ts"] == "2026-09-07T02:51:00Z"
    won = m["result"] == "yes"
    assert cents(ex, "alice") == 1_000_000 - 518 + (1000 if won else 0)
    assert cents(ex, "bob") == 1_000_000 - 500 + (0 if won else 1000)
    s = ex.settlements("alice")[0]
    assert (s["revenue"], s["value"], s["yes_count_fp"], s["yes_total_cost_dollars"], s["fee_cost"]) == (
        1000 if won else 0,
        100 if won else 0,
        "10.00",
        "5.0000",
        "0.1800",
    )
    assert ex.positions("alice")[0] == []  # unsettled (the default) is empty now
    assert position(ex, "alice", BTC)["position_fp"] == "0.00"


def test_settle_control_pays_and_moves_to_historical(ex: Exchange, clock: Clock) -> None:
    fed = fed_market(ex)
    sweep(ex, fed)
    ex.create_order("bob", order(fed, "ask", "10", "0.30"))
    ex.create_order("alice", order(fed, "bid", "10", "0.30", "immediate_or_cancel"))
    # Alice: 10 x 0.30 = $3.00 + taker fee 0.07 x 10 x 0.3 x 0.7 = 0.147 -> $0.15.
    # Bob: NO 10 x 0.70 = $7.00 + maker fee 0.0175 x 10 x 0.21 = 0.03675 -> $0.04.
    bob_rest = ex.create_order("bob", order(fed, "ask", "2", "0.90"))
    assert cents(ex, "alice") == 1_000_000 - 315
    assert cents(ex, "bob") == 1_000_000 - 704 - 20 - 1  # + resting NO 2 x 0.10 and its worst maker fee $0.01
    ex.settle_market(fed, "no")
    assert ex.order("bob", bob_rest["order_id"])["status"] == "canceled"
    assert cents(ex, "alice") == 1_000_000 - 315
    assert cents(ex, "bob") == 1_000_000 - 704 + 1000
    s = ex.settlements("bob")[0]
    assert (s["market_result"], s["revenue"], s["value"], s["no_count_fp"], s["no_total_cost_dollars"]) == (
        "no",
        1000,
        0,
        "10.00",
        "7.0000",
    )
    assert ex.settlements("alice")[0]["revenue"] == 0
    m = ex.market(fed)
    assert (m["status"], m["result"], m["settlement_value_dollars"]) == ("finalized", "no", "0.0000")
    with pytest.raises(SandboxError) as err:
        ex.settle_market(fed, "yes")
    assert err.value.status == 409
    with pytest.raises(SandboxError) as err:
        ex.create_order("alice", order(fed, "bid", "1", "0.30"))
    assert err.value.code == "market_closed"
    assert fed in {x["ticker"] for x in ex.markets(status="settled")}
    clock.advance(seconds=1)
    ex.set_historical_cutoff(clock())
    assert fed not in {x["ticker"] for x in ex.markets()}
    assert fed in {x["ticker"] for x in ex.historical_markets(series_ticker=FED_SERIES)}
    assert ex.historical_cutoff()["market_settled_ts"] == "2026-09-07T02:40:01Z"


def test_reset_restores_data_and_balances(ex: Exchange) -> None:
    first = json.dumps(ex.markets(), sort_keys=True)
    sweep(ex, BTC)
    ex.create_order("alice", order(BTC, "bid", "3", "0.40"))
    ex.reset()
    assert json.dumps(ex.markets(), sort_keys=True) == first
    assert cents(ex, "alice") == 1_000_000
    assert ex.orders("alice") == []
    assert cents(ex, "sweeper") == 10**9


def test_market_filters(ex: Exchange) -> None:
    m = ex.market(BTC)
    assert ex.markets(event_ticker=m["event_ticker"]) == [m]
    assert ex.markets(tickers=[BTC, "NOPE"]) == [m]
    close = int(_ts(m["close_time"]))
    closing = ex.markets(min_close_ts=close, max_close_ts=close)
    assert m in closing
    assert all(x["close_time"] == m["close_time"] for x in closing)
    with pytest.raises(SandboxError):
        ex.markets(status="open", min_close_ts=close)  # close filters go with closed (or no) status
    with pytest.raises(SandboxError):
        ex.markets(min_close_ts=1, min_created_ts=1)
    with pytest.raises(SandboxError):
        ex.markets(min_updated_ts=1)  # needs mve_filter=exclude
    assert ex.markets(min_updated_ts=1, mve_filter="exclude")
    assert {x["status"] for x in ex.markets(status="settled", min_settled_ts=1)} <= {"finalized"}
    with pytest.raises(SandboxError) as err:
        ex.market("NOPE")
    assert err.value.status == 404
    with pytest.raises(SandboxError):
        ex.historical_markets(event_ticker="A", series_ticker="B")


def test_series_and_events_endpoints(ex: Exchange) -> None:
    names = [s["ticker"] for s in ex.series_list()]
    assert {"KXBTC15M", "KXBTC", FED_SERIES} <= set(names)
    assert [s["ticker"] for s in ex.series_list(category="Economics")] == [
        s for s in names if "Economics" in ex.series(s)["categories"]
    ]
    vol = ex.series("KXBTC15M", include_volume=True)["volume_fp"]
    every = ex.markets(series_ticker="KXBTC15M") + ex.historical_markets(series_ticker="KXBTC15M")
    assert Decimal(vol) == sum(Decimal(m["volume_fp"]) for m in every)
    open_events = ex.events(status="open")
    assert open_events
    assert all(any(m["status"] == "active" for m in ex.event(e["event_ticker"])[1]) for e in open_events)
    ev, markets = ex.event("KXBTC15M-26SEP062245", with_nested_markets=True)
    assert ev["markets"] == markets == [ex.market(BTC)]
    with pytest.raises(SandboxError):
        ex.series("NOPE")


def test_exchange_status_schedule_cutoff(ex: Exchange) -> None:
    assert ex.exchange_status()["trading_active"] is True
    schedule = ex.exchange_schedule()["schedule"]
    assert schedule["standard_hours"][0]["monday"][0] == {"open_time": "00:00", "close_time": "23:59"}
    cut = ex.historical_cutoff()
    assert cut["market_settled_ts"] == "2026-09-06T14:40:00Z"  # 12 h before T0 at the default size


# --- size ------------------------------------------------------------------------------------------------


def test_markets_option_scales() -> None:
    e = Exchange(seed=3, markets=20_000, now=T0, clock=lambda: T0)
    live = e.markets()
    assert len(live) >= 20_000
    assert len(e.markets(mve_filter="only")) >= 5000
    assert len({m["ticker"] for m in live}) == len(live)
