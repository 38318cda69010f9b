"""Malformed input gets a Kalshi-shaped 4xx, never a 500 or a hang; routes, statuses and envelopes as live."""

from __future__ import annotations

import json
import socket

import pytest
import requests
from helpers import Signer, assert_kalshi_error, live_market_ticker, order_body
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ORDERS = "/portfolio/events/orders"


SANDBOX_SEED = 13


@pytest.fixture(scope="module")
def signer(module_sb):
    return Signer(module_sb)


def get(module_sb, endpoint: str, **params) -> requests.Response:
    return requests.get(module_sb.url + endpoint, params=params, timeout=10)


# --- routes -----------------------------------------------------------------------------------------------


def test_unknown_route_is_a_kalshi_404(module_sb):
    assert_kalshi_error(get(module_sb, "/no/such/thing"), 404)
    assert_kalshi_error(
        requests.get(module_sb.root_url + "/markets", timeout=10), 404
    )  # missing /trade-api/v2
    assert_kalshi_error(requests.get(module_sb.root_url + "/", timeout=10), 404)


def test_removed_announcements_endpoint_is_404(module_sb):
    assert_kalshi_error(get(module_sb, "/exchange/announcements"), 404)


def test_wrong_method_is_405(module_sb):
    resp = requests.put(module_sb.url + "/markets", timeout=10)
    assert_kalshi_error(resp, 405)


def test_unknown_market_is_404(module_sb):
    assert_kalshi_error(get(module_sb, "/markets/NO-SUCH-TICKER"), 404)
    assert_kalshi_error(get(module_sb, "/markets/NO-SUCH-TICKER/orderbook"), 404)
    assert_kalshi_error(get(module_sb, "/events/NO-SUCH-EVENT"), 404)
    assert_kalshi_error(get(module_sb, "/series/NO-SUCH-SERIES"), 404)


def test_envelopes(module_sb):
    ticker = live_market_ticker(module_sb)
    market = get(module_sb, f"/markets/{ticker}").json()
    assert market["market"]["ticker"] == ticker
    book = get(module_sb, f"/markets/{ticker}/orderbook").json()
    assert set(book) == {"orderbook_fp"}
    assert set(book["orderbook_fp"]) >= {"yes_dollars", "no_dollars"}
    status = get(module_sb, "/exchange/status").json()
    assert isinstance(status["exchange_active"], bool)  # not enveloped
    assert "schedule" in get(module_sb, "/exchange/schedule").json()
    cutoff = get(module_sb, "/historical/cutoff").json()
    assert {"market_settled_ts", "trades_created_ts", "orders_updated_ts"} <= set(cutoff)
    event_ticker = market["market"]["event_ticker"]
    event = get(module_sb, f"/events/{event_ticker}").json()
    assert event["event"]["event_ticker"] == event_ticker
    assert ticker in [m["ticker"] for m in event["markets"]]  # the deprecated top-level list is present
    assert isinstance(get(module_sb, "/series").json()["series"], list)


def test_batch_orderbooks(module_sb):
    tickers = [m["ticker"] for m in module_sb.exchange.markets()[:2]]
    resp = requests.get(
        module_sb.url + "/markets/orderbooks", params=[("tickers", t) for t in tickers], timeout=10
    )
    assert resp.status_code == 200, resp.text
    assert [b["ticker"] for b in resp.json()["orderbooks"]] == tickers


@pytest.mark.parametrize(
    "params",
    [
        [],
        [("tickers", "A,B")],
        [("tickers", f"T{i}") for i in range(101)],
    ],
)
def test_batch_orderbooks_bad_tickers(module_sb, params):
    resp = requests.get(module_sb.url + "/markets/orderbooks", params=params, timeout=10)
    assert_kalshi_error(resp, 400, mentions="tickers")


def test_v1_write_paths_answer_deprecated(module_sb, signer):
    ticker = live_market_ticker(module_sb)
    for method, endpoint in [
        ("POST", "/portfolio/orders"),
        ("DELETE", "/portfolio/orders/abc"),
        ("POST", "/portfolio/orders/abc/amend"),
        ("POST", "/portfolio/orders/abc/decrease"),
        ("POST", "/portfolio/orders/batched"),
        ("DELETE", "/portfolio/orders/batched"),
    ]:
        resp = signer.request(
            method, endpoint, json={"ticker": ticker, "action": "buy", "side": "yes", "count": 1}
        )
        assert_kalshi_error(resp, 400, code="deprecated_v1_order_endpoint")


def test_v2_create_is_201_and_cancel_all_is_204(module_sb, signer):
    ticker = live_market_ticker(module_sb)
    created = signer.post(ORDERS, json=order_body(ticker))
    assert created.status_code == 201, created.text
    assert created.json()["order_id"]
    resp = signer.delete(ORDERS)
    assert resp.status_code == 204
    assert resp.content == b""


# --- wrong types in the query -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "params", "named"),
    [
        ("/markets", {"limit": "abc"}, "limit"),
        ("/markets", {"limit": "1.5"}, "limit"),
        ("/markets", {"min_close_ts": "yesterday"}, "min_close_ts"),
        ("/markets", {"status": "bogus"}, "status"),
        ("/markets", {"mve_filter": "sometimes"}, "mve_filter"),
        ("/markets", {"event_ticker": "A,B"}, "event_ticker"),
        ("/markets/trades", {"is_block_trade": "maybe"}, "is_block_trade"),
        ("/markets/trades", {"min_ts": "1e9"}, "min_ts"),
        ("/events", {"with_nested_markets": "yes please"}, "with_nested_markets"),
        ("/events", {"limit": "99999999999999999999999"}, "limit"),
    ],
)
def test_wrong_query_types_are_400_naming_the_parameter(module_sb, endpoint, params, named):
    assert_kalshi_error(get(module_sb, endpoint, **params), 400, mentions=named)


def test_orderbook_depth(module_sb):
    ticker = live_market_ticker(module_sb)
    assert get(module_sb, f"/markets/{ticker}/orderbook", depth=100).status_code == 200
    assert_kalshi_error(get(module_sb, f"/markets/{ticker}/orderbook", depth=101), 400, mentions="depth")
    assert_kalshi_error(get(module_sb, f"/markets/{ticker}/orderbook", depth="deep"), 400, mentions="depth")


def test_orderbook_depth_limits_levels(module_sb):
    ticker = max(
        module_sb.exchange.markets(status="open"),
        key=lambda m: len(module_sb.exchange.orderbook(m["ticker"])["yes_dollars"]),
    )["ticker"]
    full = get(module_sb, f"/markets/{ticker}/orderbook").json()["orderbook_fp"]
    one = get(module_sb, f"/markets/{ticker}/orderbook", depth=1).json()["orderbook_fp"]
    assert len(one["yes_dollars"]) <= 1
    assert len(full["yes_dollars"]) >= len(one["yes_dollars"])


def candles(module_sb, ticker: str, series: str, **params) -> requests.Response:
    return get(module_sb, f"/series/{series}/markets/{ticker}/candlesticks", **params)


def test_candlestick_parameters(module_sb):
    market = module_sb.exchange.markets(status="open")[0]
    ticker = market["ticker"]
    series = module_sb.exchange.event(market["event_ticker"])[0]["series_ticker"]
    end = 1_790_000_000
    ok = candles(module_sb, ticker, series, start_ts=end - 3600, end_ts=end, period_interval=1)
    assert ok.status_code == 200, ok.text
    assert ok.json()["ticker"] == ticker
    assert_kalshi_error(
        candles(module_sb, ticker, series, end_ts=end, period_interval=1), 400, mentions="start_ts"
    )
    assert_kalshi_error(
        candles(module_sb, ticker, series, start_ts=end - 60, end_ts=end, period_interval=5),
        400,
        mentions="period_interval",
    )
    assert_kalshi_error(
        candles(module_sb, ticker, series, start_ts=end, end_ts=end - 60, period_interval=1), 400
    )
    # 5,000 one-minute candles is the cap (UNCONFIRMED live): 4999 minutes -> 5000 candles is fine, 5000 is not
    assert (
        candles(
            module_sb, ticker, series, start_ts=end - 4999 * 60, end_ts=end, period_interval=1
        ).status_code
        == 200
    )
    assert_kalshi_error(
        candles(module_sb, ticker, series, start_ts=end - 5000 * 60, end_ts=end, period_interval=1),
        400,
        mentions="5000",
    )


# --- bodies ---------------------------------------------------------------------------------------------------


def test_invalid_json_body_is_400(module_sb, signer):
    resp = signer.post(ORDERS, data=b'{"ticker": ', headers={"Content-Type": "application/json"})
    assert_kalshi_error(resp, 400, mentions="JSON")


def test_empty_body_is_400(module_sb, signer):
    assert_kalshi_error(signer.post(ORDERS, data=b""), 400, mentions="JSON")


def test_non_utf8_body_is_400(module_sb, signer):
    assert_kalshi_error(signer.post(ORDERS, data=b"\xff\xfe{}"), 400)


@pytest.mark.parametrize(
    "body",
    [
        [],
        "order",
        42,
        None,
        {},
        {"ticker": 5},
        {"count": "-1.00"},
    ],
)
def test_malformed_order_bodies_are_4xx(module_sb, signer, body):
    if isinstance(body, dict) and body:
        body = {**order_body(live_market_ticker(module_sb)), **body}
    resp = signer.post(ORDERS, data=json.dumps(body), headers={"Content-Type": "application/json"})
    assert 400 <= resp.status_code < 500, resp.text
    assert_kalshi_error(resp, resp.status_code)


def test_negative_count_is_4xx(module_sb, signer):
    resp = signer.post(ORDERS, json=order_body(live_market_ticker(module_sb), count="-5.00"))
    assert 400 <= resp.status_code < 500
    assert_kalshi_error(resp, resp.status_code)


def test_unknown_ticker_in_an_order_is_4xx(module_sb, signer):
    resp = signer.post(ORDERS, json=order_body("NO-SUCH-MARKET"))
    assert resp.status_code in (400, 404), resp.text
    assert_kalshi_error(resp, resp.status_code)


def test_cancel_unknown_order_is_404(module_sb, signer):
    assert_kalshi_error(signer.delete(ORDERS + "/no-such-order"), 404)


def test_oversized_body_is_413_without_reading_it(module_sb, signer):
    resp = signer.post(ORDERS, data=b"x" * ((1 << 20) + 1))
    assert resp.status_code == 413


def test_chunked_body_is_accepted(module_sb, signer):
    payload = json.dumps(order_body(live_market_ticker(module_sb))).encode()
    resp = signer.post(
        ORDERS, data=iter([payload[:10], payload[10:]]), headers={"Content-Type": "application/json"}
    )
    assert resp.status_code == 201, resp.text


# --- raw HTTP ---------------------------------------------------------------------------------------------


def raw_exchange(module_sb, data: bytes, *, timeout: float = 5) -> bytes:
    with socket.create_connection(("127.0.0.1", module_sb.port), timeout=timeout) as conn:
        conn.sendall(data)
        conn.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_garbage_request_line_gets_an_answer_not_a_hang(module_sb):
    answer = raw_exchange(module_sb, b"THIS IS NOT HTTP\r\n\r\n")  # returns only once the server closes
    assert b"400" in answer


def test_unknown_http_method_is_a_kalshi_405(module_sb):
    answer = raw_exchange(
        module_sb, b"BREW /trade-api/v2/markets HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 405 ")
    assert json.loads(body)["error"]["code"] == "method_not_allowed"


def test_bad_content_length_is_400(module_sb):
    answer = raw_exchange(
        module_sb, b"POST /trade-api/v2/markets HTTP/1.1\r\nHost: x\r\nContent-Length: lots\r\n\r\n"
    )
    assert b" 400 " in answer.split(b"\r\n", 1)[0]


def test_short_body_is_an_answer_not_a_hang(module_sb):
    answer = raw_exchange(
        module_sb,
        b"POST /trade-api/v2/portfolio/events/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{}",
    )
    assert b" 400 " in answer.split(b"\r\n", 1)[0]


def test_keep_alive_serves_several_requests_on_one_connection(module_sb):
    request = b"GET /trade-api/v2/exchange/status HTTP/1.1\r\nHost: x\r\n\r\n"
    answer = raw_exchange(module_sb, request * 3)
    assert answer.count(b"HTTP/1.1 200 OK") == 3


# --- never a 500 ------------------------------------------------------------------------------------------

query_values = st.one_of(
    st.text(max_size=12),
    st.integers(-(10**20), 10**20).map(str),
    st.sampled_from(["", "true", "false", "open", "settled", "-1", "0", "1001", "A,B", "%00", "\x00"]),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    endpoint=st.sampled_from(
        [
            "/markets",
            "/markets/trades",
            "/events",
            "/series",
            "/historical/markets",
            "/historical/trades",
            "/markets/orderbooks",
        ]
    ),
    params=st.dictionaries(
        st.sampled_from(
            [
                "limit",
                "cursor",
                "status",
                "tickers",
                "min_ts",
                "max_close_ts",
                "with_nested_markets",
                "depth",
                "is_block_trade",
                "event_ticker",
                "mve_filter",
                "series_ticker",
            ]
        ),
        query_values,
        max_size=4,
    ),
)
def test_random_queries_never_500(module_sb, endpoint, params):
    resp = requests.get(module_sb.url + endpoint, params=params, timeout=10)
    assert resp.status_code < 500, resp.text
    json.loads(resp.content)


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**6), 10**6),
        st.floats(allow_nan=False),
        st.text(max_size=8),
        st.sampled_from(["0.5000", "1.00", "-1", "bid", "ask", "yes"]),
    ),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=8,
)
order_fields = st.fixed_dictionaries(
    {},
    optional={
        k: json_values
        for k in (
            "ticker",
            "side",
            "count",
            "price",
            "time_in_force",
            "client_order_id",
            "post_only",
            "self_trade_prevention_type",
            "reduce_only",
        )
    },
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(json_values, order_fields))
def test_random_order_bodies_never_500(module_sb, signer, body):
    resp = signer.post(ORDERS, data=json.dumps(body), headers={"Content-Type": "application/json"})
    assert resp.status_code < 500, resp.text
    if resp.status_code == 201:
        signer.delete(ORDERS)  # keep the account's resting orders few
