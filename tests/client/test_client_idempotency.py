"""A create-order is never re-sent blindly: no sequence of sandbox faults produces two orders.

The faults come from the sandbox's own controls: scripted 5xx / 429 / dropped connections / truncated
bodies, each either *before* the exchange sees the request (nothing placed) or *after* it (placed, answer
lost), plus latency longer than the client's timeout (the order is placed after the client gave up), and
restarts between attempts (a new client, a new journal reader). The rules under test:

- after an ambiguous failure (timeout, 5xx, truncated body, dropped connection) the order is looked up;
  found, it is returned; not found, ``OrderStateUnknownError`` and **no second POST**;
- only a 429 (refused at the gate) is re-sent, after a lookup;
- whatever happens, at most one order carries the client_order_id, and a returned order is that one.
"""

from __future__ import annotations

import time

import pytest
import requests
from client_helpers import orders_with, pick_market
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kalshi_nb import journal
from kalshi_nb.client import InvalidResponseError, RetryPolicy
from kalshi_nb.errors import OrderStateUnknownError, RateLimitError, ServerError

ORDERS = r"/portfolio/events/orders$"
LOOKUP = r"/portfolio/orders$"
TIMEOUT = 0.4
LATENCY = 0.6  # > TIMEOUT: the attempt times out on the client and lands on the exchange 0.2 s later
POLICY = RetryPolicy(
    max_attempts=4,
    backoff_base=0.01,
    backoff_max=0.05,
    total_time=10.0,
    order_attempts=3,
    in_flight_grace=0.5,
)

POST_FAULTS = st.sampled_from(
    [
        "ok",
        "500",
        "500_after",
        "502_after",
        "503",
        "503_after",
        "429",
        "429_after",
        "drop",
        "drop_after",
        "malformed",
        "malformed_after",
    ]
)
LOOKUP_FAULTS = st.sampled_from(["ok", "500", "503", "429", "drop", "malformed_after"])


def place(client, sb, kind: str, **kwargs):
    m = pick_market(sb)
    ask_cents = round(float(m["yes_ask_dollars"]) * 100)
    if kind == "rest":
        return client.place_order(m["ticker"], "yes", 1, 1, **kwargs), "resting"
    if kind == "execute":
        return client.place_order(m["ticker"], "yes", 1, ask_cents, **kwargs), "executed"
    return client.place_order(m["ticker"], "yes", 1, 1, time_in_force="ioc", **kwargs), "canceled"


def posts_for(sb, client_order_id: str) -> int:
    return len(
        [
            r
            for r in sb.requests
            if r.method == "POST"
            and isinstance(r.body, dict)
            and r.body.get("client_order_id") == client_order_id
        ]
    )


def allowed_posts(post_faults: list[str]) -> int:
    """Only a leading run of 429s (refused before processing) may be followed by another POST."""
    leading = 0
    for fault in post_faults:
        if fault not in ("429", "429_after"):
            break
        leading += 1
    return min(1 + leading, POLICY.order_attempts)


def check(sb, client_order_id: str, outcome: object, expected_status: str, max_posts: int) -> None:
    stored = orders_with(sb, client_order_id)
    assert len(stored) <= 1, f"{len(stored)} orders for one client_order_id"
    assert posts_for(sb, client_order_id) <= max_posts
    if isinstance(outcome, dict):
        assert len(stored) == 1
        assert outcome["order"]["order_id"] == stored[0]["order_id"]
        assert outcome["order"]["client_order_id"] == client_order_id
        assert outcome["order"]["status"] == stored[0]["status"] == expected_status
    elif isinstance(outcome, OrderStateUnknownError):
        assert outcome.client_order_id == client_order_id
        assert "NOT sent again" in str(outcome)
    else:  # a definite failure: the client said no order exists, and none does
        assert isinstance(outcome, RateLimitError | requests.ConnectionError)
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
    except (
        OrderStateUnknownError,
        ServerError,
        RateLimitError,
        InvalidResponseError,
        requests.ConnectionError,
    ) as exc:
        outcome, expected = exc, ""
    if slow:
        assert sb.wait_idle()  # let an attempt still sleeping on the server land before counting
    sb.faults.clear()
    coid = outcome["order"]["client_order_id"] if isinstance(outcome, dict) else _coid_from_log(sb)
    if coid is None:  # nothing ever reached the exchange's log
        assert not isinstance(outcome, dict)
        return
    check(sb, coid, outcome, expected, allowed_posts(post_faults))


def _coid_from_log(sb) -> str | None:
    ids = {
        r.body.get("client_order_id") for r in sb.requests if r.method == "POST" and isinstance(r.body, dict)
    }
    assert len(ids) <= 1
    return next(iter(ids), None)


@pytest.fixture
def fault_client(make_client):
    return make_client(timeout=TIMEOUT, retry=POLICY)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(["rest", "execute", "ioc"]),
    post_faults=st.lists(POST_FAULTS, max_size=4),
    lookup_faults=st.lists(LOOKUP_FAULTS, max_size=2),
    slow=st.sampled_from([False, False, True]),
)  # a slow example costs ~1.5 s
def test_no_fault_sequence_makes_two_orders(sb, fault_client, kind, post_faults, lookup_faults, slow) -> None:
    run_case(sb, fault_client, kind, post_faults, lookup_faults, slow)


# --- the cases spelled out, so a failure names its sequence ---------------------------------------


@pytest.mark.parametrize("faults", [["500_after"], ["drop_after"], ["malformed_after"], ["429_after"]])
def test_placed_but_answer_lost_is_found_not_resent(sb, fault_client, faults) -> None:
    sb.faults.script(faults, methods=["POST"], path=ORDERS)
    result, _ = place(fault_client, sb, "rest")
    coid = result["order"]["client_order_id"]
    assert result["reconciled"] is True
    assert result["order"]["status"] == "resting"
    assert len(orders_with(sb, coid)) == 1
    assert posts_for(sb, coid) == 1


@pytest.mark.parametrize("faults", [["500"], ["503"], ["drop"], ["malformed"], ["503", "drop"]])
def test_ambiguous_failure_not_found_raises_and_never_resends(sb, fault_client, faults) -> None:
    sb.faults.script(faults, methods=["POST"], path=ORDERS)
    with pytest.raises(OrderStateUnknownError) as info:
        place(fault_client, sb, "rest")
    coid = info.value.client_order_id
    assert posts_for(sb, coid) == 1  # the old client re-sent here
    assert orders_with(sb, coid) == []
    assert "find_order" in str(info.value)


def test_429_is_resent_with_the_same_id(sb, fault_client) -> None:
    sb.faults.script(["429"], methods=["POST"], path=ORDERS)
    result, _ = place(fault_client, sb, "rest")
    coid = result["order"]["client_order_id"]
    assert posts_for(sb, coid) == 2
    assert len(orders_with(sb, coid)) == 1


def test_timeout_while_the_exchange_is_still_working(sb, fault_client) -> None:
    sb.faults.update(latency={"seconds": LATENCY, "methods": ["POST"], "path": ORDERS})
    t0 = time.monotonic()
    result, _ = place(fault_client, sb, "rest")
    assert result["reconciled"] is True
    assert TIMEOUT <= time.monotonic() - t0 < TIMEOUT + POLICY.in_flight_grace + 0.5
    assert sb.wait_idle()  # the attempt the client gave up on has landed
    assert len([r for r in sb.requests if r.method == "POST"]) == 1
    assert len(orders_with(sb, result["order"]["client_order_id"])) == 1


def test_slower_than_timeout_plus_grace_never_double_fills(sb, make_client) -> None:
    """The exchange lands a marketable order after the client stopped looking: unknown, not re-sent."""
    client = make_client(
        timeout=0.3, retry=RetryPolicy(total_time=10.0, order_attempts=3, in_flight_grace=0.2)
    )
    sb.faults.update(latency={"seconds": 1.2, "methods": ["POST"], "path": ORDERS})
    with pytest.raises(OrderStateUnknownError) as info:
        place(client, sb, "execute")
    assert sb.wait_idle()  # the exchange lands it after the client stopped looking
    sb.faults.clear()
    coid = info.value.client_order_id
    assert posts_for(sb, coid) == 1
    assert len(orders_with(sb, coid)) == 1  # it did land, once
    # A re-run with the same id (the cell run again) finds it now, and sends nothing.
    body = next(r.body for r in sb.requests if r.method == "POST")
    m = sb.exchange.market(body["ticker"])
    again = client.place_order(
        body["ticker"], "yes", 1, round(float(body["price"]) * 100), client_order_id=coid, market=m
    )
    assert again["reconciled"] is True
    assert again["order"]["status"] == "executed"
    assert posts_for(sb, coid) == 1


def test_lookup_failing_means_state_unknown_and_no_resend(sb, make_client) -> None:
    client = make_client(
        timeout=TIMEOUT,
        retry=RetryPolicy(max_attempts=2, backoff_base=0.01, backoff_max=0.01, order_attempts=3),
    )
    sb.faults.script(["500_after"], methods=["POST"], path=ORDERS)
    sb.faults.script(["500", "500"], methods=["GET"], path=LOOKUP)
    with pytest.raises(OrderStateUnknownError) as info:
        place(client, sb, "rest")
    assert "NOT sent again" in str(info.value)
    assert len([r for r in sb.requests if r.method == "POST"]) == 1
    assert len(orders_with(sb, info.value.client_order_id)) == 1


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(["rest", "execute"]),
    first=st.lists(POST_FAULTS, min_size=1, max_size=2),
    restart=st.booleans(),
)
def test_rerun_after_any_failure_never_makes_a_second_order(sb, make_client, kind, first, restart) -> None:
    """Run, fail somehow, run the same intent again (maybe from a new client and a new journal reader)."""
    sb.faults.clear()
    sb.reset()
    sb.faults.script(first, methods=["POST"], path=ORDERS)
    coid = "rerun-" + str(time.monotonic_ns())
    client = make_client(timeout=TIMEOUT, retry=POLICY)
    outcomes = []
    for attempt in range(2):
        if attempt and restart:
            journal._journals.clear()  # a new process: nothing cached, only the file
            client = make_client(timeout=TIMEOUT, retry=POLICY)
        try:
            outcomes.append(place(client, sb, kind, client_order_id=coid)[0])
        except (OrderStateUnknownError, RateLimitError, requests.ConnectionError) as exc:
            outcomes.append(exc)
        sb.faults.clear()
    stored = orders_with(sb, coid)
    assert len(stored) <= 1
    assert posts_for(sb, coid) <= allowed_posts(first)
    for outcome in outcomes:
        if isinstance(outcome, dict):
            assert outcome["order"]["order_id"] == stored[0]["order_id"]
