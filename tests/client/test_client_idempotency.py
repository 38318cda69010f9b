"""A create-order is never re-sent blindly: no sequence of sandbox faults produces two orders.

The faults come from the sandbox's own controls: scripted 5xx / 429 / dropped connections / truncated
bodies, each either *before* the exchange sees the request (nothing placed) or *after* it (placed, answer
lost), plus latency longer than the client's timeout (the order is placed after the client gave up).
Each example checks the sandbox's state: at most one order carries the client_order_id; when
``place_order`` returns, that order exists and is the one returned; when it raises a definite error, none.
"""

from __future__ import annotations

import time

import pytest
import requests
from client_helpers import orders_with, pick_market
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kalshi_nb.client import InvalidResponseError, RetryPolicy
from kalshi_nb.errors import OrderStateUnknownError, RateLimitError, ServerError

ORDERS = r"/portfolio/events/orders$"
LOOKUP = r"/portfolio/orders$"
TIMEOUT = 0.4
LATENCY = 0.6  # > TIMEOUT: every attempt times out on the client and lands on the exchange 0.2 s later
# The client keeps looking for a timed-out order for in_flight_grace seconds before it re-sends; the
# guarantee holds when the exchange settles a request within TIMEOUT + in_flight_grace (here 0.6 < 0.4 + 0.5).
POLICY = RetryPolicy(max_attempts=4, backoff_base=0.01, backoff_max=0.05, total_time=10.0, order_attempts=3,
                     in_flight_grace=0.5)

POST_FAULTS = st.sampled_from([
    "ok", "500", "500_after", "502_after", "503", "503_after", "429", "429_after",
    "drop", "drop_after", "malformed", "malformed_after",
])
LOOKUP_FAULTS = st.sampled_from(["ok", "500", "503", "429", "drop", "malformed_after"])


def place(client, sb, kind: str):
    m = pick_market(sb)
    ask_cents = round(float(m["yes_ask_dollars"]) * 100)
    if kind == "rest":
        return client.place_order(m["ticker"], "yes", 1, 1), "resting"
    if kind == "execute":
        return client.place_order(m["ticker"], "yes", 1, ask_cents), "executed"
    return client.place_order(m["ticker"], "yes", 1, 1, time_in_force="ioc"), "canceled"


def check(sb, client_order_id: str, outcome: object, expected_status: str) -> None:
    stored = orders_with(sb, client_order_id)
    assert len(stored) <= 1, f"{len(stored)} orders for one client_order_id"
    post_count = len([r for r in sb.requests if r.method == "POST" and isinstance(r.body, dict)
                      and r.body.get("client_order_id") == client_order_id])
    assert post_count <= POLICY.order_attempts
    if isinstance(outcome, dict):
        assert len(stored) == 1
        assert outcome["order"]["order_id"] == stored[0]["order_id"]
        assert outcome["order"]["client_order_id"] == client_order_id
        assert outcome["order"]["status"] == stored[0]["status"] == expected_status
    elif isinstance(outcome, OrderStateUnknownError):
        assert outcome.client_order_id == client_order_id
    else:  # a definite failure: the client said no order exists, and none does
        assert isinstance(outcome, ServerError | RateLimitError | InvalidResponseError | requests.ConnectionError)
        assert stored == []


def run_case(sb, client, kind: str, post_faults: list[str], lookup_faults: list[str], slow: bool) -> None:
    sb.faults.clear()
    sb.reset()
    if slow:
        sb.faults.update(latency={"seconds": LATENCY, "methods": ["POST"], "path": ORDERS})
    sb.faults.script(post_faults, methods=["POST"], path=ORDERS)
    sb.faults.script(lookup_faults, methods=["GET"], path=LOOKUP)
    try:
        outcome, expected = place(client, sb, kind)
    except (OrderStateUnknownError, ServerError, RateLimitError, InvalidResponseError,
            requests.ConnectionError) as exc:
        outcome, expected = exc, ""
    if slow:
        time.sleep(LATENCY + 0.2)  # let attempts still sleeping on the server land before counting
    sb.faults.clear()
    coid = outcome["order"]["client_order_id"] if isinstance(outcome, dict) else _coid_from_log(sb)
    if coid is None:  # nothing ever reached the exchange's log
        assert not isinstance(outcome, dict)
        return
    check(sb, coid, outcome, expected)


def _coid_from_log(sb) -> str | None:
    ids = {r.body.get("client_order_id") for r in sb.requests if r.method == "POST" and isinstance(r.body, dict)}
    assert len(ids) <= 1
    return next(iter(ids), None)


@pytest.fixture
def fault_client(make_client):
    return make_client(timeout=TIMEOUT, retry=POLICY)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["rest", "execute", "ioc"]), post_faults=st.lists(POST_FAULTS, max_size=4),
       lookup_faults=st.lists(LOOKUP_FAULTS, max_size=2),
       slow=st.sampled_from([False, False, True]))  # a slow example costs ~1.5 s
def test_no_fault_sequence_makes_two_orders(sb, fault_client, kind, post_faults, lookup_faults, slow) -> None:
    run_case(sb, fault_client, kind, post_faults, lookup_faults, slow)


# --- the cases spelled out, so a failure names its sequence ---------------------------------------

@pytest.mark.parametrize(("faults", "posts", "reconciled"), [
    (["500_after"], 1, True),      # placed, answer lost: found, not re-sent
    (["drop_after"], 1, True),
    (["malformed_after"], 1, True),
    (["429_after"], 1, True),
    (["500"], 2, False),           # not placed: re-sent once with the same id
    (["drop"], 2, False),
    (["503", "drop"], 3, False),
])
def test_named_sequences(sb, fault_client, faults, posts, reconciled) -> None:
    sb.faults.script(faults, methods=["POST"], path=ORDERS)
    m = pick_market(sb)
    result = fault_client.place_order(m["ticker"], "yes", 1, 1)
    coid = result["order"]["client_order_id"]
    assert len(orders_with(sb, coid)) == 1
    sent = [r for r in sb.requests if r.method == "POST"]
    assert len(sent) == posts
    assert {r.body["client_order_id"] for r in sent} == {coid}  # every attempt reuses the id
    assert bool(result.get("reconciled")) is reconciled
    assert result["order"]["status"] == "resting"


def test_timeout_while_the_exchange_is_still_working(sb, fault_client) -> None:
    sb.faults.update(latency={"seconds": LATENCY, "methods": ["POST"], "path": ORDERS})
    m = pick_market(sb)
    t0 = time.monotonic()
    result = fault_client.place_order(m["ticker"], "yes", 1, 1)
    assert result["reconciled"] is True
    assert TIMEOUT <= time.monotonic() - t0 < TIMEOUT + POLICY.in_flight_grace + 0.5
    time.sleep(LATENCY)
    assert len([r for r in sb.requests if r.method == "POST"]) == 1
    assert len(orders_with(sb, result["order"]["client_order_id"])) == 1


def test_definite_failure_is_raised_when_no_order_exists(sb, fault_client) -> None:
    sb.faults.script(["500", "503", "502"], methods=["POST"], path=ORDERS)
    m = pick_market(sb)
    with pytest.raises(ServerError):
        fault_client.place_order(m["ticker"], "yes", 1, 1)
    assert sb.exchange.orders(sb.user_id) == []
    assert len([r for r in sb.requests if r.method == "POST"]) == POLICY.order_attempts


def test_lookup_failing_means_state_unknown_and_no_resend(sb, make_client) -> None:
    client = make_client(timeout=TIMEOUT, retry=RetryPolicy(max_attempts=2, backoff_base=0.01, backoff_max=0.01,
                                                            order_attempts=3))
    sb.faults.script(["500_after"], methods=["POST"], path=ORDERS)
    sb.faults.script(["500", "500"], methods=["GET"], path=LOOKUP)
    m = pick_market(sb)
    with pytest.raises(OrderStateUnknownError) as info:
        client.place_order(m["ticker"], "yes", 1, 1)
    assert "not sent again" in str(info.value)
    assert len([r for r in sb.requests if r.method == "POST"]) == 1
    assert len(orders_with(sb, info.value.client_order_id)) == 1
