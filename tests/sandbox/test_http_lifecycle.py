"""The Sandbox object: start/stop, URLs, the request log, control routes, reset, and server errors re-raised
in the caller."""

from __future__ import annotations

import json
import socket
import threading

import pytest
import requests
from helpers import Signer, assert_kalshi_error, live_market_ticker, order_body, sandbox

from kalshi_nb.sandbox import Sandbox

SANDBOX_SEED = 19


def test_urls(module_sb):
    assert module_sb.url == f"http://127.0.0.1:{module_sb.port}/trade-api/v2"
    assert module_sb.root_url == f"http://127.0.0.1:{module_sb.port}"
    assert module_sb.port > 0
    assert module_sb.running


def test_request_log_records_requests(module_sb):
    signer = Signer(module_sb)
    ticker = live_market_ticker(module_sb)
    requests.get(module_sb.url + "/markets", params={"limit": 3, "status": "open"}, timeout=10)
    body = order_body(ticker)
    signer.post("/portfolio/events/orders", json=body)
    requests.get(module_sb.url + "/markets/NOPE", timeout=10)
    records = module_sb.requests.snapshot()
    assert [(r.method, r.path) for r in records] == [
        ("GET", "/trade-api/v2/markets"),
        ("POST", "/trade-api/v2/portfolio/events/orders"),
        ("GET", "/trade-api/v2/markets/NOPE"),
    ]
    first, second, third = records
    assert first.query == {"limit": "3", "status": "open"}
    assert (first.status, first.key_id, first.body, first.fault) == (200, None, None, None)
    assert second.status == 201
    assert second.key_id == module_sb.key_id
    assert second.body == body  # parsed JSON, as sent
    assert third.status == 404
    assert all(r.duration > 0 for r in records)
    assert records[0].time <= records[1].time <= records[2].time


def test_request_log_through_the_control_route(module_sb):
    requests.get(module_sb.url + "/exchange/status", timeout=10)
    requests.get(module_sb.url + "/events", params={"limit": 1}, timeout=10)
    resp = requests.get(module_sb.root_url + "/_sandbox/requests", timeout=10)
    assert [r["path"] for r in resp.json()["requests"]] == [
        "/trade-api/v2/exchange/status",
        "/trade-api/v2/events",
    ]
    last = requests.get(module_sb.root_url + "/_sandbox/requests", params={"limit": 1}, timeout=10).json()[
        "requests"
    ]
    assert [r["path"] for r in last] == ["/trade-api/v2/events"]
    assert requests.delete(module_sb.root_url + "/_sandbox/requests", timeout=10).status_code == 200
    assert len(module_sb.requests) == 0


def test_control_requests_are_not_logged(module_sb):
    requests.get(module_sb.root_url + "/_sandbox/faults", timeout=10)
    assert len(module_sb.requests) == 0


def test_control_index_and_unknown_control_route(module_sb):
    routes = requests.get(module_sb.root_url + "/_sandbox/", timeout=10).json()["routes"]
    assert "POST /_sandbox/settle" in routes
    assert_kalshi_error(requests.get(module_sb.root_url + "/_sandbox/nothing", timeout=10), 404)
    assert_kalshi_error(requests.post(module_sb.root_url + "/_sandbox/settle", data=b"{", timeout=10), 400)


def test_balance_control_route(module_sb):
    resp = requests.post(
        module_sb.root_url + "/_sandbox/balance",
        json={"key_id": module_sb.key_id, "balance_cents": 4321},
        timeout=10,
    )
    assert resp.status_code == 200, resp.text
    assert Signer(module_sb).get("/portfolio/balance").json()["balance"] == 4321
    bad = requests.post(
        module_sb.root_url + "/_sandbox/balance",
        json={"key_id": module_sb.key_id, "balance_cents": "lots"},
        timeout=10,
    )
    assert_kalshi_error(bad, 400)


def test_settle_control_route(module_sb):
    ticker = live_market_ticker(module_sb)
    resp = requests.post(
        module_sb.root_url + "/_sandbox/settle", json={"ticker": ticker, "result": "yes"}, timeout=10
    )
    assert resp.status_code == 200, resp.text
    market = requests.get(f"{module_sb.url}/markets/{ticker}", timeout=10).json()["market"]
    assert market["result"] == "yes"
    bad = requests.post(module_sb.root_url + "/_sandbox/settle", json={"ticker": ticker}, timeout=10)
    assert_kalshi_error(bad, 400)


def test_historical_cutoff_control_route(module_sb):
    resp = requests.post(
        module_sb.root_url + "/_sandbox/historical_cutoff", json={"ts": "2026-01-01T00:00:00Z"}, timeout=10
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["market_settled_ts"].startswith("2026-01-01T00:00:00")
    bad = requests.post(module_sb.root_url + "/_sandbox/historical_cutoff", json={"ts": "soon"}, timeout=10)
    assert_kalshi_error(bad, 400)


def test_reset_restores_the_start_and_keeps_keys():
    with sandbox(seed=23) as module_sb:
        signer = Signer(module_sb)
        start = signer.get("/portfolio/balance").json()["balance"]
        module_sb.set_balance(module_sb.user_id, 1)
        requests.get(module_sb.url + "/markets", timeout=10)
        assert requests.post(module_sb.root_url + "/_sandbox/reset", timeout=10).status_code == 200
        assert len(module_sb.requests) == 0
        assert signer.get("/portfolio/balance").json()["balance"] == start


def test_server_exception_is_a_kalshi_500_and_is_reraised(module_sb, monkeypatch):
    def broken() -> dict:
        raise RuntimeError("boom in the exchange")

    monkeypatch.setattr(module_sb.exchange, "exchange_status", broken)
    resp = requests.get(module_sb.url + "/exchange/status", timeout=10)
    assert_kalshi_error(resp, 500, code="internal_server_error")
    with pytest.raises(RuntimeError, match="boom in the exchange"):
        module_sb.check()
    module_sb.check()  # reported once


def test_exit_reraises_server_errors():
    box = sandbox(seed=29)
    module_sb = box.__enter__()
    module_sb.exchange.exchange_status = lambda: 1 / 0
    assert requests.get(module_sb.url + "/exchange/status", timeout=10).status_code == 500
    with pytest.raises(ZeroDivisionError):
        box.__exit__(None, None, None)


def test_exit_does_not_mask_the_blocks_own_exception():
    def block() -> None:
        with sandbox(seed=29) as module_sb:
            module_sb.exchange.exchange_status = lambda: 1 / 0
            requests.get(module_sb.url + "/exchange/status", timeout=10)
            raise KeyError("the test's own failure")

    with pytest.raises(KeyError, match="own failure"):
        block()


def test_stop_closes_the_port_and_idle_connections():
    module_sb = Sandbox(seed=31, rate_limit=None).start()
    port = module_sb.port
    with requests.Session() as s:
        assert (
            s.get(module_sb.url + "/exchange/status", timeout=10).status_code == 200
        )  # keeps a connection open
        module_sb.stop()
        with pytest.raises(requests.ConnectionError):
            s.get(f"http://127.0.0.1:{port}/trade-api/v2/exchange/status", timeout=5)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    assert not any(t.name == f"kalshi-sandbox-{port}" for t in threading.enumerate())
    with pytest.raises(RuntimeError):
        module_sb.start()


def test_concurrent_clients(module_sb):
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with requests.Session() as s:
                for _ in range(10):
                    resp = s.get(module_sb.url + "/markets", params={"limit": 50}, timeout=10)
                    assert resp.status_code == 200
                    json.loads(resp.content)
        except Exception as exc:  # noqa: BLE001 -- reported below, from the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(module_sb.requests) == 60


def test_latency_and_faults_from_the_constructor():
    with sandbox(seed=37, latency=0.2, faults={"error_rate": 1.0, "methods": ["POST"]}) as module_sb:
        resp = requests.get(module_sb.url + "/exchange/status", timeout=10)
        assert resp.status_code == 200
        assert module_sb.requests.last().duration >= 0.2
        assert module_sb.faults.settings()["error_rate"] == 1.0
