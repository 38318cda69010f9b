"""The WebSocket feed's faults from the control routes (``/_sandbox/ws/faults``, ``/_sandbox/ws/drop_all``)
and the CLI's ``--ws-fault NAME=VALUE``: each fault set over HTTP, then seen from a client."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import requests
from test_ws import active_ticker, connect, quiet, recv, rest_order, signed_headers
from test_ws_faults import _book_sub, _until_closed
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect as ws_connect

from kalshi_nb.sandbox.ws.faults import WsFaults, parse_setting


@pytest.fixture
def wsb(sb):
    """The session sandbox with its WebSocket faults off before and after the test."""
    sb.ws_faults.clear()
    yield sb
    sb.ws_faults.clear()


def control(sb, method: str, path: str, body: dict | None = None) -> requests.Response:
    return requests.request(method, f"{sb.root_url}/_sandbox{path}", json=body, timeout=5)


def test_get_set_and_clear_the_faults(wsb):
    got = control(wsb, "GET", "/ws/faults")
    assert got.status_code == 200
    assert got.json() == {**WsFaults().as_dict(), "connections": 0}
    set_ = control(wsb, "POST", "/ws/faults", {"delay": 0.25, "buffer_limit": 9, "drop_every": 40})
    assert set_.status_code == 200, set_.text
    assert (set_.json()["delay"], set_.json()["buffer_limit"], set_.json()["drop_every"]) == (0.25, 9, 40)
    # the route changed the Sandbox's own faults object (the one the server reads)
    assert (wsb.ws_faults.delay, wsb.ws_faults.buffer_limit, wsb.ws_faults.drop_every) == (0.25, 9, 40)
    cleared = control(wsb, "DELETE", "/ws/faults")
    assert cleared.status_code == 200
    assert cleared.json() == {**WsFaults().as_dict(), "connections": 0}
    assert wsb.ws_faults.as_dict() == WsFaults().as_dict()


@pytest.mark.parametrize(
    "body", [{"delay": 99}, {"nope": True}, {"skip_seq": "yes"}, {"drop_every": 0}, [1, 2]]
)
def test_bad_fault_settings_are_a_400_and_change_nothing(wsb, body):
    r = control(wsb, "POST", "/ws/faults", body)
    assert r.status_code == 400, r.text
    assert wsb.ws_faults.as_dict() == WsFaults().as_dict()


def test_the_index_lists_the_ws_routes(wsb):
    routes = control(wsb, "GET", "/").json()["routes"]
    for route in ("GET /_sandbox/ws/faults", "POST /_sandbox/ws/faults", "DELETE /_sandbox/ws/faults",
                  "POST /_sandbox/ws/drop_all"):  # fmt: skip
        assert route in routes


def test_connections_are_counted_and_drop_all_drops_them(wsb):
    with connect(wsb) as a, connect(wsb) as b:
        ws_connections = control(wsb, "GET", "/ws/faults").json()["connections"]
        assert ws_connections == 2
        r = control(wsb, "POST", "/ws/drop_all")
        assert r.status_code == 200 and r.json() == {"dropped": 2}
        for ws in (a, b):
            with pytest.raises(ConnectionClosed):
                recv(ws, 2)


def test_refuse_upgrade_from_the_route(wsb):
    control(wsb, "POST", "/ws/faults", {"refuse_upgrade": True})
    with pytest.raises(InvalidStatus) as info:
        ws_connect(wsb.ws_url, additional_headers=signed_headers(wsb), open_timeout=5)
    assert info.value.response.status_code == 503
    control(wsb, "DELETE", "/ws/faults")
    with connect(wsb) as ws:
        ws.send(json.dumps({"id": 1, "cmd": "list_subscriptions"}))
        assert recv(ws)["type"] == "ok"


def test_skip_seq_and_duplicate_from_the_route(wsb):
    ticker = active_ticker(wsb)
    with connect(wsb) as ws:
        _, price = _book_sub(wsb, ws, ticker)
        control(wsb, "POST", "/ws/faults", {"skip_seq": True, "duplicate": True})
        rest_order(wsb, ticker, f"{price:.2f}", "1")
        rest_order(wsb, ticker, f"{price - Decimal('0.01'):.2f}", "1")
        seqs = [recv(ws)["seq"] for _ in range(3)]
        assert quiet(ws) == []
    assert seqs == [3, 3, 4]  # 2 skipped, and the first frame after the snapshot sent twice


def test_delay_from_the_route_holds_frames(wsb):
    import time

    ticker = active_ticker(wsb)
    with connect(wsb) as ws:
        _, price = _book_sub(wsb, ws, ticker)
        control(wsb, "POST", "/ws/faults", {"delay": 0.3})
        started = time.monotonic()
        rest_order(wsb, ticker, f"{price:.2f}", "1")
        assert recv(ws)["type"] == "orderbook_delta"
        assert time.monotonic() - started >= 0.3


def test_drop_every_from_the_route_drops_again_and_again(wsb):
    ticker = active_ticker(wsb)
    control(wsb, "POST", "/ws/faults", {"drop_every": 2})
    for _ in range(2):  # the fault stays: each new connection is dropped after two data frames
        with connect(wsb) as ws:
            _, price = _book_sub(wsb, ws, ticker)  # the snapshot is data frame 1
            for i in range(3):
                rest_order(wsb, ticker, f"{price - Decimal('0.01') * i:.2f}", "1")
            got = _until_closed(ws)
        assert [f["seq"] for f in got] == [2]
    assert wsb.ws_faults.drop_every == 2


def test_buffer_overflow_from_the_route_is_error_25(wsb):
    ticker = active_ticker(wsb)
    with connect(wsb) as ws:
        sid, price = _book_sub(wsb, ws, ticker)
        control(wsb, "POST", "/ws/faults", {"delay": 0.2, "buffer_limit": 2})
        for i in range(5):
            rest_order(wsb, ticker, f"{price - Decimal('0.01') * i:.2f}", "1")
        errors = [f for f in quiet(ws, 1.0) if f["type"] == "error"]
    assert [(e["msg"]["code"], e["sid"]) for e in errors] == [(25, sid)]


def test_a_sandbox_without_ws_answers_404():
    from kalshi_nb.sandbox import Sandbox

    with Sandbox(seed=0, ws=False, rate_limit=None) as sb:
        for method, path in (("GET", "/ws/faults"), ("POST", "/ws/drop_all")):
            r = control(sb, method, path)
            assert r.status_code == 404 and "no WebSocket feed" in r.text


def test_parse_setting():
    assert parse_setting(" drop_after = 3 ") == ("drop_after", 3)
    assert parse_setting("refuse_upgrade=False") == ("refuse_upgrade", False)
    assert parse_setting("buffer_limit=none") == ("buffer_limit", None)
    for bad in ("delay", "=1", "delay=fast"):
        with pytest.raises(ValueError, match="WebSocket fault"):
            parse_setting(bad)


def test_cli_ws_fault_reaches_the_sandbox(monkeypatch, capsys):
    """``--ws-fault`` values are checked before the build and handed to ``Sandbox(ws_faults=...)``."""
    import kalshi_nb.sandbox as package
    from kalshi_nb.sandbox.__main__ import main

    class Built(Exception):
        pass

    seen: dict = {}

    def fake(**kwargs):
        seen.update(kwargs)
        raise Built

    monkeypatch.setattr(package, "Sandbox", fake)
    with pytest.raises(Built):
        main(["--ws-fault", "drop_every=500", "--ws-fault", "skip_seq=true", "--ws-delay", "0.5"])
    assert seen["ws_faults"] == {"delay": 0.5, "buffer_limit": None, "refuse_upgrade": False,
                                 "drop_every": 500, "skip_seq": True}  # fmt: skip
    for bad, needle in (("drop_every=0", "drop_every must be"), ("frobnicate=1", "unknown WebSocket"),
                        ("delay", "NAME=VALUE")):  # fmt: skip
        with pytest.raises(SystemExit) as info:
            main(["--ws-fault", bad])
        assert info.value.code == 2 and needle in capsys.readouterr().err
