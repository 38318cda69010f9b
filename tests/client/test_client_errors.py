"""Errors, retries, redirects and time bounds, over real HTTP (the sandbox, or a scripted local server)."""

from __future__ import annotations

import base64
import json
import time

import pytest
import requests
from client_helpers import FAST_RETRY
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from kalshi_nb.client import InvalidResponseError, KalshiClient, RetryPolicy
from kalshi_nb.errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    KalshiAPIError,
    NotFoundError,
    RateLimitError,
    ServerError,
    error_class,
)


def test_status_to_class() -> None:
    assert [error_class(s).__name__ for s in (400, 401, 403, 404, 409, 429, 500, 502, 503, 418)] == [
        "BadRequestError",
        "AuthenticationError",
        "AuthenticationError",
        "NotFoundError",
        "ConflictError",
        "RateLimitError",
        "ServerError",
        "ServerError",
        "ServerError",
        "KalshiAPIError",
    ]


def test_not_found_from_the_sandbox(client, sb) -> None:
    with pytest.raises(NotFoundError) as info:
        client.get_market("NO-SUCH-MARKET")
    err = info.value
    assert isinstance(err, requests.HTTPError)
    assert isinstance(err, KalshiAPIError)
    assert err.response is not None
    assert err.response.status_code == 404 == err.status
    assert err.code
    assert err.message
    assert (err.method, err.path) == ("GET", "/trade-api/v2/markets/NO-SUCH-MARKET")
    assert "404" in str(err)
    assert "/trade-api/v2/markets/NO-SUCH-MARKET" in str(err)
    assert repr(err).startswith("NotFoundError(status=404")
    # the original idiom keeps working
    with pytest.raises(requests.HTTPError) as caught:
        client.get_market("NO-SUCH-MARKET")
    assert caught.value.response.status_code == 404


def test_bad_request_from_the_sandbox(client, sb) -> None:
    with pytest.raises(BadRequestError) as info:
        client._request("GET", "/markets", params={"limit": "many"})
    assert info.value.status == 400
    assert info.value.code


def test_v1_write_path_is_an_error(client, sb) -> None:
    with pytest.raises(KalshiAPIError) as info:
        client._request("POST", "/portfolio/orders", json_body={"ticker": "X"})
    assert info.value.code == "deprecated_v1_order_endpoint"


def test_limit_above_maximum_is_refused_before_sending(client, sb) -> None:
    sb.requests.clear()
    for call in (
        lambda: client.get_markets(limit=1001),
        lambda: client.get_events(limit=201),
        lambda: client.get_orders(limit=0),
        lambda: client.get_trades(limit=5000),
        lambda: client.get_fills(limit=1001),
        lambda: client.get_positions(limit=1001),
        lambda: client.get_settlements(limit=1001),
        lambda: client.get_orderbook("X", depth=101),
        lambda: client.get_candlesticks("X", 0, 1, period_interval=5, series_ticker="S"),
    ):
        with pytest.raises(ValueError, match=r"limit|depth|period_interval"):
            call()
    assert len(sb.requests) == 0


def test_401_wrong_key_id_has_a_hint(make_client, sb) -> None:
    client = make_client(key_id="00000000-aaaa-bbbb-cccc-000000000000")
    with pytest.raises(AuthenticationError) as info:
        client.get_balance()
    err = info.value
    assert err.status == 401
    assert "clock" in err.hint
    assert "KALSHI_API_KEY_ID" in err.hint
    assert "registered" in err.hint
    assert "Hint:" in str(err)


def test_401_clock_skew(make_client, sb) -> None:
    client = make_client(clock=lambda: time.time() - 120)  # two minutes behind
    with pytest.raises(AuthenticationError) as info:
        client.get_balance()
    assert "skew" in str(info.value) or "clock" in str(info.value)


def test_401_hint_names_the_environment_mixup(scripted, keys) -> None:
    body = json.dumps({"error": {"code": "authentication_error", "message": "bad key"}})
    scripted.answer(401, body)
    scripted.answer(401, body)
    for base, wanted in ((scripted.url, "registered"),):
        client = KalshiClient(key_id="k" * 36, private_key=keys.rsa, api_base=base, rate_limit=None)
        with pytest.raises(AuthenticationError) as info:
            client.get_balance()
        assert wanted in info.value.hint
    # the hint for a production or demo host is about the other environment's key
    prod = KalshiClient(key_id="k" * 36, private_key=keys.rsa, use_demo=False)
    demo = KalshiClient(key_id="k" * 36, private_key=keys.rsa, use_demo=True)
    assert "demo key" in prod._hint(401, None)
    assert "production key" in demo._hint(401, None)
    assert prod._hint(404, None) is None


def test_error_body_with_2xx_is_an_error(scripted, keys) -> None:
    scripted.answer(
        200,
        json.dumps(
            {
                "error": {
                    "code": "deprecated_v1_order_endpoint",
                    "message": "Please switch to the V2 endpoints",
                    "details": "https://docs.kalshi.com/x",
                }
            }
        ),
    )
    client = KalshiClient(key_id="k" * 36, private_key=keys.rsa, api_base=scripted.url, rate_limit=None)
    with pytest.raises(KalshiAPIError) as info:
        client._request("POST", "/portfolio/orders", json_body={})
    err = info.value
    assert (err.status, err.code, err.message) == (
        200,
        "deprecated_v1_order_endpoint",
        "Please switch to the V2 endpoints",
    )
    assert err.details == "https://docs.kalshi.com/x"


def test_429_string_body(scripted) -> None:
    for _ in range(2):
        scripted.answer(429, '{"error": "too many requests"}')
    client = KalshiClient.read_only(
        api_base=scripted.url,
        rate_limit=None,
        retry=RetryPolicy(max_attempts=2, backoff_base=0.01, backoff_max=0.01),
    )
    with pytest.raises(RateLimitError) as info:
        client.get_exchange_status()
    assert info.value.message == "too many requests"
    assert len(scripted.seen) == 2


def test_redirects_are_never_followed(scripted, keys) -> None:
    scripted.answer(302, "", Location=scripted.root + "/elsewhere/trade-api/v2/portfolio/balance")
    client = KalshiClient(key_id="k" * 36, private_key=keys.rsa, api_base=scripted.url, rate_limit=None)
    with pytest.raises(KalshiAPIError) as info:
        client.get_balance()
    assert info.value.status == 302
    assert "redirect" in str(info.value)
    assert [s.path for s in scripted.seen] == ["/trade-api/v2/portfolio/balance"]


def test_retry_after_is_honoured(scripted) -> None:
    scripted.answer(503, '{"error": {"code": "unavailable"}}', **{"Retry-After": "7"})
    scripted.answer(200, '{"exchange_active": true, "trading_active": true}')
    slept: list[float] = []
    client = KalshiClient.read_only(
        api_base=scripted.url, rate_limit=None, retry=FAST_RETRY, sleep=slept.append
    )
    assert client.get_exchange_status()["trading_active"] is True
    assert slept == [7.0]  # the header's delay, not FAST_RETRY's (at most 0.05 s); nothing really waited


def test_backoff_doubles_with_equal_jitter(make_client, sb) -> None:
    slept: list[float] = []
    policy = RetryPolicy(max_attempts=5, backoff_base=0.25, backoff_max=0.6, total_time=60.0)
    client = make_client(retry=policy, sleep=slept.append)
    sb.faults.script(["500", "500", "500", "500"], methods=["GET"], path=r"/exchange/status$")
    assert client.get_exchange_status()["exchange_active"] is True
    caps = [0.25, 0.5, 0.6, 0.6]  # base * 2**(n-1), capped at backoff_max
    assert len(slept) == 4
    for delay, cap in zip(slept, caps, strict=True):
        assert cap / 2 <= delay <= cap


def test_reads_retry_5xx_429_drops_and_malformed(make_client, sb) -> None:
    client = make_client(retry=RetryPolicy(max_attempts=5, backoff_base=0.01, backoff_max=0.05))
    sb.faults.script(["500", "429", "drop", "malformed_after"], methods=["GET"], path=r"/exchange/status$")
    assert client.get_exchange_status()["exchange_active"] is True
    faults = [r.fault for r in sb.requests if r.path.endswith("/exchange/status")]
    assert faults == ["500_before", "429_before", "drop_before", "malformed_after", None]


def test_reads_give_up_after_max_attempts(client, sb) -> None:
    sb.faults.update(error_rate={"rate": 1.0, "methods": ["GET"], "path": r"/exchange/status$"})
    with pytest.raises(ServerError):
        client.get_exchange_status()
    assert len([r for r in sb.requests if r.path.endswith("/exchange/status")]) == FAST_RETRY.max_attempts


def test_malformed_body_without_retries(make_client, sb) -> None:
    client = make_client(retry=RetryPolicy(max_attempts=1))
    sb.faults.script(["malformed_after"], methods=["GET"])
    with pytest.raises(InvalidResponseError):
        client.get_exchange_status()


def test_writes_are_not_retried_blindly(client, sb) -> None:
    sb.faults.script(["500"], methods=["DELETE"])
    with pytest.raises(ServerError):
        client.cancel_order("no-such-order", ticker="X")
    assert len([r for r in sb.requests if r.method == "DELETE"]) == 1


def test_total_time_is_bounded(make_client, sb) -> None:
    sb.faults.update(latency={"seconds": 1.0, "methods": ["GET"], "path": r"/exchange/status$"})
    client = make_client(timeout=0.3, retry=RetryPolicy(max_attempts=50, backoff_base=0.01, total_time=1.0))
    t0 = time.monotonic()
    with pytest.raises(requests.Timeout):
        client.get_exchange_status()
    elapsed = time.monotonic() - t0
    assert 0.3 <= elapsed < 1.6, elapsed
    assert sb.wait_idle()  # the server is still sleeping on the abandoned attempts; let them finish here


def test_every_attempt_is_signed_afresh(make_client, sb) -> None:
    session = requests.Session()
    sent: list[dict[str, str]] = []
    session.hooks["response"].append(lambda r, *a, **k: sent.append(dict(r.request.headers)))
    client = make_client(session=session)
    sb.faults.script(["503", "500"], methods=["GET"], path=r"/portfolio/balance$")
    assert "balance" in client.get_balance()
    assert len(sent) == 3
    stamps = [int(h["KALSHI-ACCESS-TIMESTAMP"]) for h in sent]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == 3
    public = serialization.load_pem_public_key(sb.public_key_pem.encode())
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    for h in sent:  # each attempt's signature covers its own timestamp
        msg = f"{h['KALSHI-ACCESS-TIMESTAMP']}GET/trade-api/v2/portfolio/balance".encode()
        public.verify(base64.b64decode(h["KALSHI-ACCESS-SIGNATURE"]), msg, pss, hashes.SHA256())


def test_conflict_class_for_409(scripted, keys) -> None:
    scripted.answer(409, '{"error": {"code": "order_already_exists", "message": "dup"}}')
    client = KalshiClient(key_id="k" * 36, private_key=keys.rsa, api_base=scripted.url, rate_limit=None)
    with pytest.raises(ConflictError):
        client._request("DELETE", "/portfolio/events/orders/x")


def test_a_sandbox_that_is_not_running_says_how_to_start_it() -> None:
    import socket

    from kalshi_nb.errors import SandboxNotRunningError

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = KalshiClient.read_only(
        f"http://127.0.0.1:{port}/trade-api/v2",
        rate_limit=None,
        retry=RetryPolicy(max_attempts=2, backoff_base=0.01, backoff_max=0.01),
    )
    with pytest.raises(SandboxNotRunningError, match=r"is not running: start it with `make sandbox`") as info:
        client.get_markets()
    assert isinstance(info.value, requests.ConnectionError)  # code catching requests' error keeps working
