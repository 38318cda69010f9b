"""Rolling KXBTC15M windows (exchange/windows.py) and event fee overrides (exchange/eventfees.py), on an
injected clock: new windows keep opening and settling on their schedule, the same for a given seed and
clock however the clock got there, and the feed announces them (the schema checks are in test_ws_schema.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
import requests

from kalshi_nb.sandbox.exchange import Exchange

T0 = datetime(2026, 9, 7, 2, 40, tzinfo=timezone.utc)  # a Monday; the seeded windows reach about 04:45Z
SERIES = "KXBTC15M"


class Clock:
    def __init__(self, t: datetime) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return self.t


def exchange(seed: int = 1, clock: Clock | None = None) -> tuple[Exchange, Clock]:
    clock = clock or Clock(T0)
    return Exchange(seed=seed, now=T0, clock=clock), clock


def windows(ex: Exchange) -> list[dict]:
    return ex.markets(series_ticker=SERIES)


def ts(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def test_there_is_always_one_current_window_and_old_ones_settle():
    ex, clock = exchange()
    seeded = {m["ticker"] for m in windows(ex)}
    last_seeded_open = max(ts(m["open_time"]) for m in windows(ex))
    seen_open: set[str] = set()
    for minutes in range(0, 8 * 60, 5):  # eight hours in five-minute steps
        clock.t = T0 + timedelta(minutes=minutes)
        now = clock.t.timestamp()
        rows = windows(ex)
        current = [m for m in rows if m["status"] == "active"]
        assert len(current) == 1, (clock.t, [m["ticker"] for m in current])
        window = current[0]
        assert ts(window["open_time"]) <= now < ts(window["close_time"])
        assert window["floor_strike"] > 0 and window["yes_sub_title"].startswith("Target Price: $")
        seen_open.add(window["ticker"])
        # never a market a client could not have seen yet; the lead ahead of the clock stays
        assert all(ts(m["created_time"]) <= now for m in rows)
        assert max(ts(m["open_time"]) for m in rows) >= now + 3600
        for m in rows:  # every window past its finalize time is settled, with its result
            if ts(m["close_time"]) + 360 <= now:
                assert m["status"] == "finalized" and m["result"] in ("yes", "no"), m["ticker"]
    new = seen_open - seeded
    assert len(new) >= 4 * 5  # hours after the seeded windows ran out, every one a new window
    assert all(ts(ex.market(t)["open_time"]) > last_seeded_open for t in new)


def test_same_seed_and_clock_same_windows_however_the_clock_got_there():
    a, clock_a = exchange()
    b, clock_b = exchange()
    end = T0 + timedelta(hours=7, minutes=3)
    for minutes in range(0, 7 * 60 + 4, 7):
        clock_a.t = T0 + timedelta(minutes=minutes)
        a.markets(series_ticker=SERIES)
    clock_a.t = clock_b.t = end  # b jumps there in one step
    rows_a, rows_b = windows(a), windows(b)
    assert [m["ticker"] for m in rows_a] == [m["ticker"] for m in rows_b]
    assert rows_a == rows_b
    assert a.events(series_ticker=SERIES) == b.events(series_ticker=SERIES)
    c, clock_c = exchange(seed=2)
    clock_c.t = end
    new = [m["ticker"] for m in rows_a if ts(m["open_time"]) > (T0 + timedelta(hours=3)).timestamp()]
    strikes = {m["ticker"]: m.get("floor_strike") for m in windows(c)}
    assert any(strikes.get(t) != a.market(t).get("floor_strike") for t in new)  # the seed matters


def test_a_new_window_trades_and_settles_its_positions():
    ex, clock = exchange()
    ex.add_account("alice", 1_000_000)
    clock.t = T0 + timedelta(hours=4)
    current = next(m for m in windows(ex) if m["status"] == "active")
    assert current["ticker"] not in {m["ticker"] for m in exchange()[0].markets(series_ticker=SERIES)}
    receipt = ex.create_order("alice", {"ticker": current["ticker"], "side": "bid", "count": "2",
                                        "price": "0.99", "time_in_force": "immediate_or_cancel",
                                        "self_trade_prevention_type": "maker"})  # fmt: skip
    assert Decimal(receipt["fill_count"]) == 2
    clock.t = datetime.fromtimestamp(ts(current["close_time"]) + 400, tz=timezone.utc)
    settled = ex.market(current["ticker"])
    assert settled["status"] == "finalized"
    rows = [s for s in ex.settlements("alice") if s["ticker"] == current["ticker"]]
    assert len(rows) == 1 and rows[0]["market_result"] == settled["result"]


def test_the_bus_announces_a_new_event_and_market():
    ex, clock = exchange()
    seen: list[dict] = []
    ex.listen(seen.append)
    clock.t = T0 + timedelta(minutes=10)  # 02:50Z, past 02:45Z: one more window appears (02:45 + the lead)
    ex.markets()
    created = [e for e in seen if e["kind"] == "lifecycle" and e["status"] == "initialized"]
    events = [e for e in seen if e["kind"] == "event_created"]
    assert len(created) == 1 and len(events) == 1
    new = ex.market(created[0]["ticker"])
    assert new["status"] == "initialized" and new["event_ticker"] == events[0]["event_ticker"]
    assert ex.event(new["event_ticker"])[0]["series_ticker"] == SERIES


# --- event fee overrides ---------------------------------------------------------------------------------
def _taker_fee(ex: Exchange, user: str, ticker: str) -> Decimal:
    ex.create_order(user, {"ticker": ticker, "side": "bid", "count": "10", "price": "0.99",
                           "time_in_force": "immediate_or_cancel", "self_trade_prevention_type": "maker"})  # fmt: skip
    fills = [f for f in ex.fills(user) if f["ticker"] == ticker]
    return Decimal(fills[0]["fee_cost"]) if fills else Decimal(-1)


def test_an_event_fee_override_changes_the_fees_charged_and_is_listed():
    ex, _ = exchange()
    current = next(m for m in windows(ex) if m["status"] == "active")
    ex.add_account("base", 1_000_000)
    ex.add_account("double", 1_000_000)
    ex2, _ = exchange()
    ex2.add_account("base", 1_000_000)
    base = _taker_fee(ex2, "base", current["ticker"])
    change = ex.set_event_fee(current["event_ticker"], None, 2)
    doubled = _taker_fee(ex, "double", current["ticker"])
    assert base > 0 and doubled > base  # the same fill, twice the multiplier (rounded up per fill)
    assert abs(doubled - 2 * base) <= Decimal("0.01")
    assert ex.event_fee_changes() == [change]
    assert change["fee_type_override"] is None and change["fee_multiplier_override"] == 2.0
    cleared = ex.set_event_fee(current["event_ticker"], None, None)
    assert ex.event_fee_changes(event_ticker=current["event_ticker"]) == [change, cleared]
    with pytest.raises(Exception, match="fee_type_override"):
        ex.set_event_fee(current["event_ticker"], "cheap", 1)
    with pytest.raises(Exception, match="unknown event"):
        ex.set_event_fee("NO-SUCH-EVENT", "quadratic", 1)


def test_event_fee_control_route_and_rest_list(sb):
    event = sb.exchange.markets(series_ticker=SERIES, status="open")[0]["event_ticker"]
    r = requests.post(f"{sb.root_url}/_sandbox/event_fee", timeout=5,
                      json={"event_ticker": event, "fee_type_override": "quadratic_with_maker_fees",
                            "fee_multiplier_override": 1.5})  # fmt: skip
    assert r.status_code == 200, r.text
    change = r.json()["event_fee_change"]
    listed = requests.get(f"{sb.url}/events/fee_changes", params={"event_ticker": event}, timeout=5).json()
    assert listed["event_fee_changes"] == [change] and listed["cursor"] == ""
    assert change["fee_type_override"] == "quadratic_with_maker_fees"
    bad = requests.post(f"{sb.root_url}/_sandbox/event_fee", json={"event_ticker": event, "x": 1}, timeout=5)
    assert bad.status_code == 400 and "unknown field" in bad.text


def test_the_feed_announces_new_windows_without_any_request():
    """With a connection open the WebSocket server ticks the exchange's clock itself (ws/server.py)."""
    import json

    from test_ws import recv, signed_headers
    from websockets.sync.client import connect as ws_connect

    from kalshi_nb.sandbox import Sandbox

    ex, clock = exchange()
    with (
        Sandbox(exchange=ex, rate_limit=None) as sb,
        ws_connect(sb.ws_url, additional_headers=signed_headers(sb), open_timeout=5) as ws,
    ):
        ws.send(json.dumps({"id": 1, "cmd": "subscribe", "params": {"channels": ["market_lifecycle_v2"]}}))
        assert recv(ws)["type"] == "subscribed"
        clock.t = T0 + timedelta(minutes=10)  # nothing calls the exchange from here on
        # 02:45Z passed: the next window activates, and a new one (and its event) appears
        got = [recv(ws, 5) for _ in range(3)]
    kinds = sorted((f["type"], f["msg"].get("event_type", "")) for f in got)
    assert kinds == [("event_lifecycle", ""), ("market_lifecycle_v2", "activated"),
                     ("market_lifecycle_v2", "created")]  # fmt: skip
