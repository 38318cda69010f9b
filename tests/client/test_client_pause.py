"""The weekly trading pause, client side: no place or amend is sent inside the pause (by the client's pause
clock), the exchange's own refusal becomes a ``TradingPausedAPIError`` saying when trading resumes, and
cancels always go through. A sandbox whose clock stands on a Thursday at 03:30 ET refuses for itself."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from client_helpers import pick_market
from kalshi_testkit import FAST_RETRY

from kalshi_nb import orders
from kalshi_nb.client import KalshiClient
from kalshi_nb.errors import KalshiAPIError, TradingPausedAPIError, TradingPausedError
from kalshi_nb.trading import pause

IN_PAUSE = datetime(2026, 12, 3, 8, 30, tzinfo=timezone.utc)  # Thursday 03:30 EST
OPEN = datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc)  # Thursday 05:00 EST: trading again


@pytest.fixture(scope="module")
def paused_sandbox() -> Iterator[object]:
    from kalshi_nb.sandbox import Sandbox
    from kalshi_nb.sandbox.exchange import Exchange

    exchange = Exchange(seed=0, now=IN_PAUSE, clock=lambda: IN_PAUSE, pauses=True)
    with Sandbox(exchange=exchange, rate_limit=None) as sb:
        yield sb


@pytest.fixture
def psb(paused_sandbox: object) -> object:
    paused_sandbox.reset()
    paused_sandbox.exchange.set_pauses(True)
    return paused_sandbox


@pytest.fixture
def pclient(psb: object) -> Iterator[KalshiClient]:
    client = KalshiClient(
        key_id=psb.key_id,
        private_key_path=psb.private_key_path,
        api_base=psb.url,
        rate_limit=None,
        retry=FAST_RETRY,
        timeout=5.0,
    )
    yield client
    client.close()


def creates(sb: object) -> list:
    return [r for r in sb.requests if r.method == "POST" and r.path.endswith("/portfolio/events/orders")]


def test_the_exchange_refusal_says_when_trading_resumes(pclient, psb) -> None:
    m = pick_market(psb)
    with pytest.raises(TradingPausedError) as caught:
        pclient.place_order(m["ticker"], "yes", 1, 1)
    err = caught.value
    assert isinstance(err, TradingPausedAPIError) and isinstance(err, KalshiAPIError)
    assert err.code == "trading_paused" and err.status == 409
    assert "trading is paused" in str(err) and "05:00 ET" in str(err)
    assert "Cancels still work" in str(err)
    assert len(creates(psb)) == 1  # sent (the client's own clock is not in a pause), refused, not resent
    assert psb.exchange.orders(psb.user_id) == []


def test_cancel_is_allowed_and_amend_refused_during_the_pause(pclient, psb) -> None:
    psb.exchange.set_pauses(False)
    m = pick_market(psb)
    placed = pclient.place_order(m["ticker"], "yes", 3, 1)["order"]
    psb.exchange.set_pauses(True)
    with pytest.raises(TradingPausedAPIError, match="trading is paused"):
        pclient.amend_order(placed["order_id"], ticker=m["ticker"], side="yes", contracts=3, price_cents=2)
    assert pclient.cancel_order(placed["order_id"], ticker=m["ticker"])["reduced_by"] == "3.00"


def test_the_pause_clock_refuses_before_sending(pclient, psb) -> None:
    pclient.pause_clock = lambda: IN_PAUSE
    m = pick_market(psb)
    before = len(psb.requests)
    with pytest.raises(TradingPausedError) as caught:
        pclient.place_order(m["ticker"], "yes", 1, 1)
    err = caught.value
    assert not isinstance(err, KalshiAPIError)  # refused here, nothing was sent
    assert "trading resumes Thu Dec 3 05:00 ET (10:00 UTC)" in str(err) and "nothing was sent" in str(err)
    assert err.resumes_at == OPEN and err.start == datetime(2026, 12, 3, 8, tzinfo=timezone.utc)
    assert [r.method for r in psb.requests[before:]] == ["GET"]  # the market read, no write
    # a dry run is not an order: it still shows the body
    assert pclient.place_order(m["ticker"], "yes", 1, 1, dry_run=True)["order"]["status"] == "dry_run"
    # batches and amends are refused the same way
    with pytest.raises(TradingPausedError):
        pclient.place_orders([{"ticker": m["ticker"], "side": "yes", "contracts": 1, "price_cents": 1}])
    with pytest.raises(TradingPausedError):
        pclient.amend_order("some-order", ticker=m["ticker"], side="yes", contracts=1, price_cents=2)
    assert creates(psb) == []
    # and once the clock leaves the window, the order goes (the sandbox's pause is turned off here)
    psb.exchange.set_pauses(False)
    pclient.pause_clock = lambda: OPEN
    assert pclient.place_order(m["ticker"], "yes", 1, 1)["order"]["status"] == "resting"


def test_preview_warns_and_place_refuses(pclient, psb) -> None:
    pclient.pause_clock = lambda: IN_PAUSE
    m = pick_market(psb)
    preview = orders.preview_order(m["ticker"], "yes", "buy", 1, "0.01", client=pclient)
    assert "trading_paused" in preview.warning_codes
    text = next(w.text for w in preview.warnings if w.code == "trading_paused")
    assert "05:00 ET" in text and "10:00 UTC" in text
    with pytest.raises(TradingPausedError):
        orders.place_order(preview, confirm=True)
    assert creates(psb) == []


def test_production_reads_the_wall_clock_and_a_sandbox_does_not(
    pclient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kalshi_nb.trading.pause import PauseGuard

    monkeypatch.setattr(PauseGuard, "pause_clock", None)  # the default, which the suite's conftest replaces
    seen: list[datetime] = []

    def fake_window(now: datetime) -> tuple[datetime, datetime]:
        seen.append(now)
        return IN_PAUSE, OPEN

    monkeypatch.setattr(pause, "trading_pause_at", fake_window)
    assert pclient.trading_pause() is None and seen == []  # a sandbox answers for itself
    pclient.env = "prod"
    assert pclient.trading_pause() == (IN_PAUSE, OPEN)
    assert seen and seen[0].tzinfo is not None
    with pytest.raises(TradingPausedError):
        pclient.check_trading_open()


def test_pause_codes_are_recognised() -> None:
    def err(code: str | None) -> KalshiAPIError:
        return KalshiAPIError(status=409, code=code, message="m")

    assert pause.is_pause_refusal(err("trading_paused"))
    assert pause.is_pause_refusal(err("exchange_paused"))
    assert not pause.is_pause_refusal(err("order_already_exists"))
    assert not pause.is_pause_refusal(err(None))
    mapped = pause.paused_error(err("trading_paused"), now=IN_PAUSE)
    assert mapped.resumes_at == OPEN and "trading resumes Thu Dec 3 05:00 ET (10:00 UTC)" in str(mapped)
    assert mapped.status == 409 and mapped.code == "trading_paused"
