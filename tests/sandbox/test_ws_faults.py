"""The WebSocket feed's faults, each seen from a client: refuse, skip a seq, duplicate, delay, drop, overflow."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest
from test_ws import active_ticker, connect, quiet, recv, rest_order, signed_headers, subscribe
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect as ws_connect

from kalshi_nb.sandbox.ws import WsFaults


@pytest.fixture
def wsb(sb):
    """The session sandbox with its WebSocket faults off before and after the test."""
    sb.ws_faults.clear()
    yield sb
    sb.ws_faults.clear()


def _until_closed(ws) -> list[dict]:
    """Every frame until the connection closes (which it must, within a few seconds)."""
    got: list[dict] = []
    try:
        while True:
            got.append(recv(ws))
    except ConnectionClosed:
        return got


def _book_sub(sb, ws, ticker: str) -> tuple[int, Decimal]:
    """Subscribe to one book; return (sid, a price that rests behind the best YES bid)."""
    sid = subscribe(ws, 1, ["orderbook_delta"], market_ticker=ticker)[0]["msg"]["sid"]
    snap = recv(ws)
    best = max(Decimal(p) for p, _ in snap["msg"]["yes_dollars_fp"])
    return sid, best - Decimal("0.01")


def test_refuse_upgrade_answers_503_until_cleared(wsb):
    wsb.ws_faults.update(refuse_upgrade=True)
    with pytest.raises(InvalidStatus) as info:
        ws_connect(wsb.ws_url, additional_headers=signed_headers(wsb), open_timeout=5)
    assert info.value.response.status_code == 503
    wsb.ws_faults.clear()
    with connect(wsb) as ws:
        ws.send(json.dumps({"id": 1, "cmd": "list_subscriptions"}))
        assert recv(ws)["msg"] == []


def test_skip_seq_leaves_one_gap(wsb):
    ticker = active_ticker(wsb)
    with connect(wsb) as ws:
        _, price = _book_sub(wsb, ws, ticker)
        wsb.ws_faults.update(skip_seq=True)
        rest_order(wsb, ticker, f"{price:.2f}", "1")
        rest_order(wsb, ticker, f"{price - Decimal('0.01'):.2f}", "1")
        seqs = [recv(ws)["seq"], recv(ws)["seq"]]
    assert seqs == [3, 4]  # 2 was never sent
    assert wsb.ws_faults.skip_seq is False  # one-shot


def test_duplicate_sends_one_frame_twice(wsb):
    ticker = active_ticker(wsb)
    with connect(wsb) as ws:
        _, price = _book_sub(wsb, ws, ticker)
        wsb.ws_faults.update(duplicate=True)
        rest_order(wsb, ticker, f"{price:.2f}", "1")
        rest_order(wsb, ticker, f"{price - Decimal('0.01'):.2f}", "1")
        frames = [recv(ws) for _ in range(3)]
        assert quiet(ws) == []
    assert [f["seq"] for f in frames] == [2, 2, 3]
    assert frames[0] == frames[1]


def test_delay_holds_every_frame(wsb):
    ticker = active_ticker(wsb)
    with connect(wsb) as ws:
        _, price = _book_sub(wsb, ws, ticker)
        wsb.ws_faults.update(delay=0.3)
        started = time.monotonic()
        rest_order(wsb, ticker, f"{price:.2f}", "1")
        frame = recv(ws)
        waited = time.monotonic() - started
    assert frame["type"] == "orderbook_delta" and waited >= 0.3


def test_drop_after_n_data_frames(wsb):
    ticker = active_ticker(wsb)
    with connect(wsb) as ws:
        _, price = _book_sub(wsb, ws, ticker)
        wsb.ws_faults.update(drop_after=2)
        for i in range(3):
            rest_order(wsb, ticker, f"{price - Decimal('0.01') * i:.2f}", "1")
        got = _until_closed(ws)
    assert [f["seq"] for f in got] == [2, 3]
    assert wsb.ws_faults.drop_after is None
    with connect(wsb) as ws:  # the next connection is served normally
        ws.send(json.dumps({"id": 1, "cmd": "list_subscriptions"}))
        assert recv(ws)["type"] == "ok"


def test_buffer_overflow_ends_the_subscription_with_error_25(wsb):
    ticker = active_ticker(wsb)
    with connect(wsb) as ws:
        sid, price = _book_sub(wsb, ws, ticker)
        wsb.ws_faults.update(delay=0.2, buffer_limit=2)
        for i in range(5):
            rest_order(wsb, ticker, f"{price - Decimal('0.01') * i:.2f}", "1")
        frames = quiet(ws, 1.0)
        errors = [f for f in frames if f["type"] == "error"]
        assert len(errors) == 1
        assert errors[0]["msg"]["code"] == 25 and errors[0]["sid"] == sid
        assert frames[-1] is errors[0]  # nothing of that subscription after its terminal error
        wsb.ws_faults.clear()
        ws.send(json.dumps({"id": 2, "cmd": "list_subscriptions"}))
        assert recv(ws)["msg"] == []


def test_ws_drop_all_closes_every_connection(wsb):
    with connect(wsb) as a, connect(wsb) as b:
        wsb.ws_drop_all()
        for ws in (a, b):
            with pytest.raises(ConnectionClosed):
                recv(ws, 2)


@pytest.mark.parametrize(
    "settings",
    [{"drop_after": -1}, {"delay": 61}, {"delay": True}, {"skip_seq": 1}, {"buffer_limit": 2.5}, {"nope": 1}],
)
def test_fault_settings_are_checked(settings):
    with pytest.raises(ValueError, match=r"must be|unknown"):
        WsFaults().update(**settings)
