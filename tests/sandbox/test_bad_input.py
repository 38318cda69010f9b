"""Bad input never gets a 500, a traceback or a dropped connection: JSON depth and size limits, bounds on
every numeric control, malformed request lines, and a request log bounded in bytes that keeps no body of
a request that failed authentication. The fuzz tests at the end throw random JSON and query values at
every route."""

from __future__ import annotations

import json
import math
import socket
import time

import pytest
import requests
from helpers import Signer, assert_kalshi_error, live_market_ticker, order_body
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kalshi_nb.sandbox import Sandbox
from kalshi_nb.sandbox.exchange import Exchange
from kalshi_nb.sandbox.faults import Faults
from kalshi_nb.sandbox.limits import MAX_JSON_DEPTH, MAX_LOG_BODY_BYTES, parse_json
from kalshi_nb.sandbox.server import CONTROL_RULES, RULES, RequestLog, RequestRecord

SANDBOX_SEED = 29
SANDBOX_OPTIONS = {"markets": 30}
ORDERS = "/portfolio/events/orders"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# --- JSON depth and size ------------------------------------------------------------------------------


def test_parse_json_depth_limit():
    assert parse_json(nested(MAX_JSON_DEPTH)) is not None
    with pytest.raises(ValueError, match="deeper than 64"):
        parse_json(nested(MAX_JSON_DEPTH + 1))
    with pytest.raises(ValueError, match="deeper than 64"):
        parse_json('{"a":' * 100_000 + "1" + "}" * 100_000)  # past Python's own recursion limit
    assert parse_json('["[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["]') == [
        "[" * 72
    ]  # brackets inside strings do not count


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 5000, 200_000])
@pytest.mark.parametrize("route", [ORDERS, ORDERS + "/batched", ORDERS + "/x/amend"])
def test_deep_json_to_an_order_route_is_a_400(module_sb, depth, route):
    resp = Signer(module_sb).post(route, data=nested(depth), headers={"Content-Type": "application/json"})
    assert_kalshi_error(resp, 400, mentions="deeper than 64")
    assert len(json.dumps(module_sb.requests.last().body)) <= MAX_LOG_BODY_BYTES + 100


@pytest.mark.parametrize("route", ["/faults", "/settle", "/historical_cutoff", "/faults/script", "/keys"])
def test_deep_json_to_a_control_route_is_a_400(module_sb, route):
    resp = requests.post(
        module_sb.root_url + "/_sandbox" + route, data='{"a":' * 50_000 + "1" + "}" * 50_000, timeout=10
    )
    assert_kalshi_error(resp, 400, mentions="deeper than 64")


def test_deep_json_to_a_public_route_is_answered(module_sb):
    resp = requests.get(module_sb.url + "/markets", data=nested(100_000), params={"limit": 1}, timeout=10)
    assert resp.status_code == 200  # GET bodies are ignored, and logging one never crashes


def test_body_over_1_mib_is_413(module_sb):
    resp = Signer(module_sb).post(ORDERS, data=b"[" + b"1," * (600 * 1024) + b"1]")
    assert_kalshi_error(resp, 413, code="request_too_large")


# --- bounds on numeric controls ------------------------------------------------------------------------


@pytest.mark.parametrize("ts", [1e20, 10**20, -5, 1e308, "9999-12-31T00:00:00Z", "nan", True])
def test_historical_cutoff_out_of_bounds_is_400(module_sb, ts):
    before = module_sb.exchange.historical_cutoff()
    resp = requests.post(module_sb.root_url + "/_sandbox/historical_cutoff", json={"ts": ts}, timeout=10)
    assert_kalshi_error(resp, 400)
    assert module_sb.exchange.historical_cutoff() == before
    assert requests.get(module_sb.url + "/historical/cutoff", timeout=10).status_code == 200


def test_historical_cutoff_in_bounds_still_works(module_sb):
    resp = requests.post(
        module_sb.root_url + "/_sandbox/historical_cutoff", json={"ts": 1_700_000_000.5}, timeout=10
    )
    assert resp.status_code == 200, resp.text
    module_sb.reset()


@pytest.mark.parametrize(
    "settings_",
    [
        {"latency": 1e300},
        {"latency": 601},
        {"latency": -1},
        {"latency": math.inf},
        {"jitter": 1e9},
        {"latency": {"seconds": 1e300, "phase": "after"}},
        {"error_rate": 1.5},
        {"drop_rate": -0.1},
        {"rate_limit_rate": 2},
        {"malformed_rate": math.nan},
        {"seed": -1},
        {"seed": 2**64},
        {"error_rate": True},
    ],
)
def test_fault_settings_out_of_bounds(module_sb, settings_):
    name = next(iter(settings_))
    with pytest.raises(ValueError, match=name):
        Faults().update(**settings_)
    body = json.dumps(settings_, allow_nan=True)
    resp = requests.post(module_sb.root_url + "/_sandbox/faults", data=body, timeout=10)
    assert_kalshi_error(resp, 400)
    assert not module_sb.faults.active
    assert requests.get(module_sb.url + "/exchange/status", timeout=10).status_code == 200


def test_latency_bound_is_named(module_sb):
    resp = requests.post(module_sb.root_url + "/_sandbox/faults", json={"latency": 1e300}, timeout=10)
    assert "600" in assert_kalshi_error(resp, 400)["message"]


@pytest.mark.parametrize("entry", ["delay_after:1e300", "delay:-1", "delay:nan", "delay_sideways:1", "500:3"])
def test_bad_script_entries(entry):
    with pytest.raises(ValueError, match="bad script entry"):
        Faults().script([entry])


@pytest.mark.parametrize("cents", [-1, 10**12 + 1, 10**30])
def test_balance_out_of_bounds(module_sb, cents):
    resp = requests.post(
        module_sb.root_url + "/_sandbox/balance",
        json={"user_id": module_sb.user_id, "balance_cents": cents},
        timeout=10,
    )
    assert_kalshi_error(resp, 400, mentions="balance_cents")
    with pytest.raises(ValueError, match="balance_cents"):
        module_sb.set_balance(module_sb.user_id, cents)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"markets": 10**9}, "markets"),
        ({"markets": -1}, "markets"),
        ({"seed": -3}, "seed"),
        ({"starting_balance_cents": -1}, "starting_balance_cents"),
    ],
)
def test_exchange_bounds(kwargs, name):
    started = time.perf_counter()
    with pytest.raises(ValueError, match=name):
        Exchange(**kwargs)
    assert time.perf_counter() - started < 1  # refused before building anything


def test_sandbox_port_bound():
    with pytest.raises(ValueError, match="port"):
        Sandbox(port=70_000, markets=5)


# --- malformed request lines ------------------------------------------------------------------------


def raw_exchange(module_sb: Sandbox, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", module_sb.port), timeout=5) as s:
        s.sendall(data)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
    return out


@pytest.mark.parametrize(
    "line",
    [
        b"GET /trade-api/v2/markets\r\n",  # HTTP/0.9
        b"GET\r\n\r\n",
        b"\x00\xff\x01 garbage\r\n\r\n",
        b"GET / HTTP/1.1 extra\r\n\r\n",
        b"POST /trade-api/v2/portfolio/events/orders HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
        b"POST /trade-api/v2/portfolio/events/orders HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
        b"GET /trade-api/v2/markets HTTP/1.1\r\nX: " + b"a" * 70000 + b"\r\n\r\n",
    ],
)
def test_malformed_requests_get_a_4xx_with_a_status_line(module_sb, line):
    answer = raw_exchange(module_sb, line)
    assert answer.startswith(b"HTTP/1."), answer[:200]
    status = int(answer.split(b" ", 2)[1])
    assert 400 <= status < 500 or status == 505, answer[:200]
    module_sb.check()


# --- the request log -----------------------------------------------------------------------------------


def test_failed_authentication_keeps_no_body(module_sb):
    secret_body = {"ticker": "X", "padding": "p" * 500_000}
    resp = requests.post(
        module_sb.url + ORDERS,
        json=secret_body,
        params={"q": "v"},
        timeout=10,
        headers={
            "KALSHI-ACCESS-KEY": "k" * 5000,
            "KALSHI-ACCESS-TIMESTAMP": "1",
            "KALSHI-ACCESS-SIGNATURE": "AAAA",
        },
    )
    assert resp.status_code == 401
    record = module_sb.requests.last()
    assert (record.method, record.path, record.status) == ("POST", "/trade-api/v2" + ORDERS, 401)
    assert record.body is None
    assert record.query == {}
    assert record.key_id is None
    assert module_sb.requests.bytes < 1000


def test_faulted_unauthenticated_request_keeps_no_body(module_sb):
    module_sb.faults.script(["500"])
    resp = requests.post(module_sb.url + ORDERS, json={"padding": "p" * 100_000}, timeout=10)
    assert resp.status_code == 500
    assert module_sb.requests.last().body is None


def test_faulted_authenticated_request_keeps_its_body(module_sb):
    module_sb.faults.script(["500"])
    body = order_body(live_market_ticker(module_sb))
    assert Signer(module_sb).post(ORDERS, json=body).status_code == 500
    assert module_sb.requests.last().body == body  # the idempotency tests read the client_order_id sent


def test_large_authenticated_bodies_are_truncated(module_sb):
    resp = Signer(module_sb).post(ORDERS, json={"ticker": "X", "padding": "p" * 900_000})
    assert resp.status_code == 400
    body = module_sb.requests.last().body
    assert isinstance(body, str)
    assert len(body) < MAX_LOG_BODY_BYTES + 100
    assert "truncated" in body


def test_request_log_is_bounded_in_bytes():
    log = RequestLog(max_bytes=50_000)
    for i in range(200):
        log.append(RequestRecord("POST", f"/p/{i}", {}, 200, None, "x" * 4000, None, 0.0, 0.0))
    assert log.bytes <= 50_000
    assert 5 <= len(log) <= 12
    assert log.last().path == "/p/199"  # the oldest go first
    log.clear()
    assert log.bytes == 0
    assert len(log) == 0


def test_request_log_default_bound_is_8_mib(module_sb):
    assert module_sb.requests._max_bytes == 8 << 20


# --- fuzz: random JSON bodies and query values at every route -----------------------------------------

_KEYS = [
    "ticker",
    "side",
    "count",
    "price",
    "client_order_id",
    "time_in_force",
    "self_trade_prevention_type",
    "orders",
    "order_id",
    "reduce_by",
    "reduce_to",
    "expiration_time",
    "post_only",
    "reduce_only",
    "subaccount",
    "ts",
    "result",
    "user_id",
    "key_id",
    "balance_cents",
    "tier",
    "entries",
    "methods",
    "path",
    "latency",
    "error_rate",
    "drop_rate",
    "phase",
    "seed",
    "public_key_pem",
    "updated_client_order_id",
]
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=True)
    | st.sampled_from(
        [
            "bid",
            "ask",
            "1.00",
            "0.5000",
            "yes",
            "no",
            "good_till_canceled",
            "",
            "-1",
            "1e400",
            "nan",
            "9999-12-31T23:59:59Z",
            "\x00",
            "é" * 3,
        ]
    )
    | st.text(max_size=30)
)
JSON = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(_KEYS) | st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=25,
)
_PATH_VALUES = st.sampled_from(["X", "KXBTC", ".", "%2e", "a" * 300, "%00", "é", "..%2f", "0"]) | st.text(
    alphabet="abcXYZ-_.~019", min_size=1, max_size=20
)
_PARAMS = [
    "limit",
    "cursor",
    "status",
    "min_ts",
    "max_ts",
    "ticker",
    "tickers",
    "depth",
    "start_ts",
    "end_ts",
    "period_interval",
    "event_ticker",
    "series_ticker",
    "with_nested_markets",
    "mve_filter",
    "count_filter",
    "settlement_status",
    "subaccount",
    "nonce",
    "min_close_ts",
    "max_close_ts",
    "min_created_ts",
    "min_settled_ts",
    "min_updated_ts",
    "include_latest_before_start",
    "order_id",
    "is_block_trade",
    "market_ticker",
    "exchange_index",
    "include_volume",
    "category",
    "tags",
]
_QUERY_VALUES = (
    st.integers(-(10**25), 10**25).map(str)
    | st.sampled_from(
        ["", "true", "1", "open", "settled", "exclude", "1e20", "-0", "+5", "NaN", "A,B,,C", "0x10", "١٢"]
    )
    | st.text(max_size=20)
)


def _routes() -> list[tuple[str, str, str]]:
    out = []
    for rule in [*RULES, *CONTROL_RULES]:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):  # type: ignore[operator]
            if rule.endpoint in ("reset", "requests_clear"):
                continue  # slow or destructive to the other tests' state, and trivially bodiless
            out.append((method, rule.rule, rule.endpoint))
    return out


ROUTES = _routes()


def _send(module_sb: Sandbox, method: str, rule: str, values: list[str], params: dict, body: bytes | None):
    path = rule
    for value in values:
        start = path.find("<")
        if start < 0:
            break
        path = path[:start] + value + path[path.find(">", start) + 1 :]
    if "<" in path:
        path = path.split("<")[0] + "X"
    if path.startswith("/_sandbox"):
        return requests.request(method, module_sb.root_url + path, params=params, data=body, timeout=20)
    return Signer(module_sb).request(
        method,
        path.removeprefix("/trade-api/v2"),
        params=params,
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=20,
    )


def _check(module_sb: Sandbox, resp: requests.Response) -> None:
    module_sb.faults.clear()  # a fuzzed /_sandbox/faults may have turned something on
    module_sb.set_rate_limit(None)
    assert resp.status_code < 500, (resp.status_code, resp.text[:300])
    module_sb.check()


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    route=st.sampled_from(ROUTES),
    values=st.lists(_PATH_VALUES, min_size=3, max_size=3),
    body=JSON,
    params=st.dictionaries(st.sampled_from(_PARAMS), _QUERY_VALUES, max_size=4),
)
def test_fuzz_json_bodies_never_get_a_5xx(module_sb, route, values, body, params):
    method, rule, _ = route
    data = json.dumps(body, allow_nan=True).encode()
    _check(module_sb, _send(module_sb, method, rule, values, params, data))


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    route=st.sampled_from(ROUTES),
    values=st.lists(_PATH_VALUES, min_size=3, max_size=3),
    params=st.dictionaries(st.sampled_from(_PARAMS), _QUERY_VALUES, max_size=6),
    raw=st.sampled_from(
        [
            b"",
            b"{",
            b"[" * 70 + b"]" * 70,
            b'{"a":' * 3000 + b"1" + b"}" * 3000,
            b"\xff\xfe",
            b"1" * 5000,
            b'"' + b"x" * 100 + b'"',
            b"null",
            b"NaN",
            b"[1e999]",
        ]
    ),
)
def test_fuzz_raw_bodies_and_queries_never_get_a_5xx(module_sb, route, values, params, raw):
    method, rule, _ = route
    _check(module_sb, _send(module_sb, method, rule, values, params, raw or None))


def test_fuzz_reaches_the_exchange(module_sb):
    """Guard for the fuzzers: a valid body through the same path places an order (so 4xx is not a given)."""
    route = next(r for r in ROUTES if r[2] == "create_order")
    resp = _send(
        module_sb, route[0], route[1], [], {}, json.dumps(order_body(live_market_ticker(module_sb))).encode()
    )
    assert resp.status_code == 201, resp.text
