"""Fault injection as a plain `requests` client sees it: latency, 5xx, 429, dropped connections, malformed
bodies, stuck cursors, the before/after phase, scoping, the scripted queue, and the control routes."""

from __future__ import annotations

import time

import pytest
import requests
from helpers import Signer, assert_kalshi_error, live_market_ticker, my_client_order_ids, order_body

from kalshi_nb.sandbox.faults import Faults

ORDERS = "/portfolio/events/orders"


SANDBOX_SEED = 11


def get_markets(module_sb, **kw) -> requests.Response:
    return requests.get(module_sb.url + "/markets", params={"limit": 2}, timeout=10, **kw)


def test_latency_delays_each_request(module_sb):
    module_sb.faults.update(latency=0.3)
    started = time.perf_counter()
    resp = get_markets(module_sb)
    elapsed = time.perf_counter() - started
    assert resp.status_code == 200
    assert elapsed >= 0.3
    assert module_sb.requests.last().duration >= 0.3


def test_jitter_stays_within_bounds(module_sb):
    module_sb.faults.update(latency=0.05, jitter=0.1)
    for _ in range(3):
        get_markets(module_sb)
    durations = [r.duration for r in module_sb.requests]
    assert all(0.05 <= d < 0.15 + 0.5 for d in durations)  # generous upper bound for a busy machine


def test_error_rate_gives_kalshi_shaped_5xx(module_sb):
    module_sb.faults.update(error_rate=1.0)
    seen = set()
    for _ in range(12):
        resp = get_markets(module_sb)
        assert resp.status_code in (500, 502, 503)
        assert_kalshi_error(resp, resp.status_code)
        seen.add(resp.status_code)
    assert len(seen) >= 2  # drawn among 500/502/503, not a constant
    module_sb.faults.update(error_statuses=[502])
    assert get_markets(module_sb).status_code == 502


def test_rate_limit_fault_looks_like_a_live_429(module_sb):
    module_sb.faults.update(rate_limit_rate=1.0)
    resp = get_markets(module_sb)
    assert resp.status_code == 429
    assert resp.json() == {"error": "too many requests"}
    assert "Retry-After" not in resp.headers
    assert not any(h.lower().startswith("x-ratelimit") for h in resp.headers)


def test_dropped_connection_is_a_connection_error_not_a_hang(module_sb):
    module_sb.faults.update(drop_rate=1.0)
    started = time.perf_counter()
    with pytest.raises(requests.ConnectionError):
        get_markets(module_sb)
    assert time.perf_counter() - started < 5
    assert module_sb.requests.last().status is None
    assert module_sb.requests.last().fault == "drop_before"


def test_session_recovers_after_a_drop(module_sb):
    with requests.Session() as s:
        assert s.get(module_sb.url + "/markets", params={"limit": 1}, timeout=10).status_code == 200
        module_sb.faults.script(["drop"])
        with pytest.raises(requests.ConnectionError):
            s.get(module_sb.url + "/markets", params={"limit": 1}, timeout=10)
        assert s.get(module_sb.url + "/markets", params={"limit": 1}, timeout=10).status_code == 200


def test_malformed_body_is_a_200_that_does_not_parse(module_sb):
    module_sb.faults.update(malformed_rate=1.0, phase="after")
    resp = get_markets(module_sb)
    assert resp.status_code == 200
    with pytest.raises(requests.JSONDecodeError):
        resp.json()
    module_sb.faults.clear()
    whole = get_markets(module_sb).content
    assert whole.startswith(resp.content)  # a truncated real answer
    assert len(resp.content) < len(whole)


def test_stuck_cursor_repeats_forever(module_sb):
    module_sb.faults.update(stuck_cursor=True)
    first = get_markets(module_sb).json()
    cursor = first["cursor"]
    assert cursor
    for _ in range(3):
        body = requests.get(
            module_sb.url + "/markets", params={"limit": 2, "cursor": cursor}, timeout=10
        ).json()
        assert body["cursor"] == cursor


def test_stuck_cursor_even_when_everything_fits_on_one_page(module_sb):
    module_sb.faults.update(stuck_cursor=True)
    body = requests.get(module_sb.url + "/markets", params={"limit": 1000}, timeout=10).json()
    assert body["cursor"] != ""


def test_faults_restricted_to_methods_leave_other_methods_alone(module_sb):
    module_sb.faults.update(error_rate=1.0, methods=["POST"])
    assert get_markets(module_sb).status_code == 200
    resp = Signer(module_sb).post(ORDERS, json=order_body(live_market_ticker(module_sb)))
    assert resp.status_code in (500, 502, 503)


def test_faults_restricted_to_a_path_regex(module_sb):
    module_sb.faults.update(error_rate=1.0, path=r"/events$")
    assert get_markets(module_sb).status_code == 200
    assert requests.get(module_sb.url + "/events", timeout=10).status_code in (500, 502, 503)


def test_per_kind_scope_overrides_the_shared_one(module_sb):
    module_sb.faults.update(
        rate_limit_rate={"rate": 1.0, "path": "/events$"}, error_rate={"rate": 1.0, "methods": ["POST"]}
    )
    assert requests.get(module_sb.url + "/events", timeout=10).status_code == 429
    assert get_markets(module_sb).status_code == 200


def test_drop_before_means_the_order_was_not_placed(module_sb):
    signer = Signer(module_sb)
    ticker = live_market_ticker(module_sb)
    body = order_body(ticker)
    module_sb.faults.script(["drop_before"], methods=["POST"])
    with pytest.raises(requests.ConnectionError):
        signer.post(ORDERS, json=body)
    assert body["client_order_id"] not in my_client_order_ids(signer, ticker)


def test_drop_after_means_the_order_was_placed_anyway(module_sb):
    signer = Signer(module_sb)
    ticker = live_market_ticker(module_sb)
    body = order_body(ticker)
    module_sb.faults.script(["drop_after"], methods=["POST"])
    with pytest.raises(requests.ConnectionError):
        signer.post(ORDERS, json=body)
    assert body["client_order_id"] in my_client_order_ids(signer, ticker)
    assert module_sb.requests.snapshot()[0].fault == "drop_after"


def test_error_after_means_the_order_was_placed_anyway(module_sb):
    signer = Signer(module_sb)
    ticker = live_market_ticker(module_sb)
    body = order_body(ticker)
    module_sb.faults.update(error_rate=1.0, methods=["POST"], phase="after")
    assert signer.post(ORDERS, json=body).status_code in (500, 502, 503)
    module_sb.faults.clear()
    assert body["client_order_id"] in my_client_order_ids(signer, ticker)


def test_error_before_means_the_order_was_not_placed(module_sb):
    signer = Signer(module_sb)
    ticker = live_market_ticker(module_sb)
    body = order_body(ticker)
    module_sb.faults.update(error_rate=1.0, methods=["POST"], phase="before")
    assert signer.post(ORDERS, json=body).status_code in (500, 502, 503)
    module_sb.faults.clear()
    assert body["client_order_id"] not in my_client_order_ids(signer, ticker)


def test_script_applies_in_order_then_stops(module_sb):
    module_sb.faults.script(["500", "ok", "429", "503_after"])
    statuses = [get_markets(module_sb).status_code for _ in range(5)]
    assert statuses == [500, 200, 429, 503, 200]
    assert module_sb.faults.pending() == 0
    assert [r.fault for r in module_sb.requests] == ["500_before", None, "429_before", "503_after", None]


def test_script_skips_requests_outside_its_scope(module_sb):
    module_sb.faults.script(["500"], path="/events$")
    assert get_markets(module_sb).status_code == 200
    assert module_sb.faults.pending() == 1
    assert requests.get(module_sb.url + "/events", timeout=10).status_code == 500
    assert module_sb.faults.pending() == 0


def test_script_takes_precedence_over_rates(module_sb):
    module_sb.faults.update(error_rate=1.0)
    module_sb.faults.script(["ok"])
    assert get_markets(module_sb).status_code == 200
    assert get_markets(module_sb).status_code in (500, 502, 503)


def test_control_routes_set_read_and_clear_faults(module_sb):
    root = module_sb.root_url + "/_sandbox/faults"
    resp = requests.post(root, json={"error_rate": 1.0, "error_statuses": [503]}, timeout=10)
    assert resp.status_code == 200
    assert resp.json()["error_rate"] == 1.0
    assert get_markets(module_sb).status_code == 503
    assert requests.get(root, timeout=10).json()["error_statuses"] == [503]
    assert requests.delete(root, timeout=10).status_code == 200
    assert get_markets(module_sb).status_code == 200
    resp = requests.post(root + "/script", json={"entries": ["429", "ok"]}, timeout=10)
    assert resp.json() == {"pending": 2}
    assert [get_markets(module_sb).status_code for _ in range(3)] == [429, 200, 200]


@pytest.mark.parametrize(
    "bad",
    [
        {"error_rate": 2},
        {"error_rate": "high"},
        {"phase": "during"},
        {"path": "("},
        {"nonsense": 1},
        {"latency": -1},
        {"error_statuses": [404]},
        {"stuck_cursor": "yes"},
    ],
)
def test_bad_fault_settings_are_refused_and_change_nothing(module_sb, bad):
    before = module_sb.faults.settings()
    resp = requests.post(module_sb.root_url + "/_sandbox/faults", json=bad, timeout=10)
    assert_kalshi_error(resp, 400)
    with pytest.raises(ValueError, match=r"\w"):
        module_sb.faults.update(**bad)
    assert module_sb.faults.settings() == before


def test_bad_script_entries_are_refused(module_sb):
    with pytest.raises(ValueError, match="explode"):
        module_sb.faults.script(["explode"])
    with pytest.raises(ValueError, match="list"):
        module_sb.faults.script("drop")  # a string, not a list
    resp = requests.post(
        module_sb.root_url + "/_sandbox/faults/script", json={"entries": ["500_during"]}, timeout=10
    )
    assert_kalshi_error(resp, 400)
    assert module_sb.faults.pending() == 0


def test_control_routes_are_never_faulted(module_sb):
    module_sb.faults.update(error_rate=1.0, drop_rate=1.0)
    assert requests.get(module_sb.root_url + "/_sandbox/faults", timeout=10).status_code == 200


def test_same_seed_same_decisions():
    def draws(seed: int) -> list:
        f = Faults(seed=seed)
        f.update(error_rate=0.3, drop_rate=0.2, malformed_rate=0.2, latency=0.01, jitter=0.02)
        return [(d.label, round(d.latency, 9)) for d in (f.decide("GET", "/x") for _ in range(200))]

    assert draws(1) == draws(1)
    assert draws(1) != draws(2)
    labels = [label for label, _ in draws(1)]
    # 200 draws at 30% / 20% / 20%: every kind shows up, and some requests get no fault
    assert {label.split("_")[0] for label in labels if label} >= {"drop", "malformed"}
    assert None in labels


def test_rates_are_roughly_respected():
    f = Faults(seed=7)
    f.update(error_rate=0.25)
    hits = sum(f.decide("GET", "/x").kind == "error" for _ in range(4000))
    assert 800 < hits < 1200  # 1000 expected; 4 standard deviations is ~110


def test_request_log_records_the_fault(module_sb):
    module_sb.faults.script(["502_after"])
    get_markets(module_sb)
    record = module_sb.requests.last()
    assert (record.status, record.fault) == (502, "502_after")
