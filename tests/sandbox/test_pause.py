"""The Thursday 03:00-05:00 ET trading pause on the sandbox's own clock: the window (DST included), place and
amend refused with 409 ``trading_paused``, cancels accepted, ``cancel_order_on_pause`` honoured, the exchange
status, the option that turns it off (and is off for a bare ``Exchange``)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests
from helpers import Signer, assert_kalshi_error, order_body

from kalshi_nb.sandbox import Sandbox
from kalshi_nb.sandbox.__main__ import build_parser
from kalshi_nb.sandbox.errors import SandboxError
from kalshi_nb.sandbox.exchange import Exchange
from kalshi_nb.sandbox.exchange.shards import next_trading_pause, trading_pause_at

UTC = timezone.utc
THU = datetime(2026, 12, 3, 7, 50, tzinfo=UTC)  # Thursday 02:50 EST: ten minutes before the pause


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "window"),
    [
        (utc(2026, 12, 3, 8, 0), (utc(2026, 12, 3, 8, 0), utc(2026, 12, 3, 10, 0))),  # EST, start inclusive
        (utc(2026, 12, 3, 9, 59, 59), (utc(2026, 12, 3, 8, 0), utc(2026, 12, 3, 10, 0))),
        (
            utc(2026, 7, 2, 7, 30),
            (utc(2026, 7, 2, 7, 0), utc(2026, 7, 2, 9, 0)),
        ),  # EDT: an hour earlier in UTC
        (utc(2026, 3, 12, 7, 0), (utc(2026, 3, 12, 7, 0), utc(2026, 3, 12, 9, 0))),  # first Thursday of EDT
        (utc(2026, 11, 5, 8, 0), (utc(2026, 11, 5, 8, 0), utc(2026, 11, 5, 10, 0))),  # first Thursday of EST
    ],
)
def test_pause_window_in_eastern_time(now: datetime, window: tuple[datetime, datetime]) -> None:
    assert trading_pause_at(now) == window


@pytest.mark.parametrize(
    "now",
    [utc(2026, 12, 3, 10, 0), utc(2026, 12, 3, 7, 59, 59), utc(2026, 12, 2, 8, 30), utc(2026, 7, 2, 9, 0)],
)
def test_no_pause_outside_the_window(now: datetime) -> None:
    assert trading_pause_at(now) is None


def test_next_pause() -> None:
    assert next_trading_pause(utc(2026, 12, 3, 10, 0))[0] == utc(2026, 12, 10, 8, 0)  # just after: next week
    assert next_trading_pause(utc(2026, 12, 4, 12, 0))[0] == utc(2026, 12, 10, 8, 0)
    assert next_trading_pause(utc(2026, 12, 3, 9, 0))[0] == utc(2026, 12, 3, 8, 0)  # during: this one
    with pytest.raises(ValueError, match="timezone-aware"):
        next_trading_pause(datetime(2026, 12, 3, 9, 0))  # noqa: DTZ001 -- the naive datetime is the point


class Clock:
    def __init__(self, t: datetime) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return self.t


def long_lived_market(ex: Exchange) -> str:
    """An open shard-0 market on the cent grid that stays open for days (not a 15-minute window)."""
    now = ex.now()
    for m in ex.markets(status="open"):
        close = datetime.fromisoformat(m["close_time"].replace("Z", "+00:00"))
        if (
            m["exchange_index"] == 0
            and m["price_level_structure"] == "linear_cent"
            and close > now + timedelta(days=2)
        ):
            return m["ticker"]
    raise AssertionError("the data has a long-lived open market")


def body(ticker: str, **extra: object) -> dict:
    return {"ticker": ticker, "side": "bid", "count": "1", "price": "0.01", "time_in_force": "good_till_canceled",
            "self_trade_prevention_type": "maker", **extra}  # fmt: skip


@pytest.fixture
def clock() -> Clock:
    return Clock(THU)


@pytest.fixture
def ex(clock: Clock) -> Exchange:
    ex = Exchange(seed=2, now=THU, clock=clock, pauses=True)
    ex.add_account("alice")
    return ex


def test_place_and_amend_are_refused_during_the_pause_cancel_is_not(ex: Exchange, clock: Clock) -> None:
    ticker = long_lived_market(ex)
    keep = ex.create_order("alice", body(ticker))
    drop = ex.create_order("alice", body(ticker, cancel_order_on_pause=True))
    assert ex.order("alice", drop["order_id"])["cancel_order_on_pause"] is True
    clock.t = utc(2026, 12, 3, 8, 0)  # 03:00 EST: the pause begins
    assert ex.order("alice", drop["order_id"])["status"] == "canceled"
    assert ex.order("alice", keep["order_id"])["status"] == "resting"
    with pytest.raises(SandboxError) as err:
        ex.create_order("alice", body(ticker))
    assert (err.value.status, err.value.code) == (409, "trading_paused")
    assert err.value.details == "2026-12-03T10:00:00Z" and "2026-12-03T10:00:00Z" in err.value.message
    with pytest.raises(SandboxError, match="amending") as amend:
        ex.amend_order(
            "alice", keep["order_id"], {"ticker": ticker, "side": "bid", "price": "0.02", "count": "1"}
        )
    assert amend.value.code == "trading_paused"
    batch = ex.batch_create_orders("alice", {"orders": [body(ticker)]})["orders"]
    assert batch[0]["error"]["code"] == "trading_paused"
    status = ex.exchange_status()
    assert status["trading_active"] is False and status["exchange_active"] is True
    assert status["exchange_estimated_resume_time"] == "2026-12-03T10:00:00Z"
    assert {s["exchange_index"]: s["trading_active"] for s in status["exchange_index_statuses"]} == {
        0: False, 1: False, 2: False, 3: False,
    }  # fmt: skip
    assert ex.cancel_order("alice", keep["order_id"])["reduced_by"] == "1.00"
    clock.t = utc(2026, 12, 3, 10, 0)  # 05:00 EST: trading resumes
    assert ex.create_order("alice", body(ticker))["remaining_count"] == "1.00"
    assert ex.exchange_status()["trading_active"] is True


def test_pauses_off(ex: Exchange, clock: Clock) -> None:
    ticker = long_lived_market(ex)
    order = ex.create_order("alice", body(ticker, cancel_order_on_pause=True))
    ex.set_pauses(False)
    clock.t = utc(2026, 12, 3, 9, 0)
    assert ex.paused_until() is None
    assert ex.order("alice", order["order_id"])["status"] == "resting"  # no pause began
    ex.create_order("alice", body(ticker))
    ex.set_pauses(True)
    assert ex.paused_until() == utc(2026, 12, 3, 10, 0)


def test_a_bare_exchange_has_no_pause_by_default() -> None:
    at = utc(2026, 12, 3, 9, 0)
    ex = Exchange(seed=2, now=at, clock=lambda: at)
    ex.add_account("alice")
    ex.create_order("alice", body(long_lived_market(ex)))


def test_the_pause_over_http_and_the_control_route() -> None:
    clock = Clock(utc(2026, 12, 3, 8, 30))
    exchange = Exchange(seed=2, now=clock.t, clock=clock)
    with Sandbox(exchange=exchange, rate_limit=None, pauses=True) as sb:
        signer = Signer(sb)
        ticker = long_lived_market(exchange)
        err = assert_kalshi_error(signer.post("/portfolio/events/orders", json=order_body(ticker)), 409)
        assert err["code"] == "trading_paused" and err["details"] == "2026-12-03T10:00:00Z"
        status = signer.get("/exchange/status").json()
        assert status["trading_active"] is False and len(status["exchange_index_statuses"]) == 4
        control = sb.root_url + "/_sandbox/pauses"
        assert requests.get(control, timeout=10).json() == {
            "pauses": True, "paused_until": "2026-12-03T10:00:00+00:00",
        }  # fmt: skip
        assert requests.post(control, json={"enabled": False}, timeout=10).json()["pauses"] is False
        assert signer.post("/portfolio/events/orders", json=order_body(ticker)).status_code == 201
        assert requests.post(control, json={"enabled": "no"}, timeout=10).status_code == 400


def test_sandbox_and_cli_options(monkeypatch) -> None:
    monkeypatch.delenv("KALSHI_NB_SANDBOX_PAUSES", raising=False)  # the suite turns it off by default
    at = utc(2026, 12, 3, 8, 30)
    assert (
        build_parser().parse_args([]).pauses is None
    )  # the Sandbox decides: on, unless KALSHI_NB_SANDBOX_PAUSES=0
    assert build_parser().parse_args(["--no-pauses"]).pauses is False
    assert build_parser().parse_args(["--no-auto-allocation"]).auto_allocation is False
    box = Sandbox(exchange=Exchange(seed=2, now=at, clock=lambda: at), rate_limit=None)
    try:
        assert box.exchange.pauses is False  # a given exchange keeps its own setting
        box.set_pauses(True)
        assert box.exchange.paused_until() is not None
    finally:
        box.stop()  # never started: this only removes its key folder
    built = Sandbox(seed=2, markets=20, rate_limit=None)
    try:
        assert built.exchange.pauses is True  # built by the Sandbox: on, as for the CLI and connect()
    finally:
        built.stop()


@pytest.mark.parametrize(
    ("value", "on"), [(None, True), ("1", True), ("0", False), ("off", False), ("no", False)]
)
def test_the_pause_is_on_by_default_unless_the_environment_turns_it_off(monkeypatch, value, on) -> None:
    from kalshi_nb.sandbox import _pauses_by_default

    if value is None:
        monkeypatch.delenv("KALSHI_NB_SANDBOX_PAUSES", raising=False)
    else:
        monkeypatch.setenv("KALSHI_NB_SANDBOX_PAUSES", value)
    assert _pauses_by_default() is on
