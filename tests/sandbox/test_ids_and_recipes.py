"""Order ids never repeat across restarts; a client_order_id is refused only while its order rests (as live);
and the fault recipes the client's idempotency tests use do what their names say."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest
import requests
import urllib3
from helpers import Signer, assert_kalshi_error, live_market_ticker, my_client_order_ids, order_body, sandbox

SANDBOX_SEED = 31
SANDBOX_OPTIONS = {"markets": 40}
ORDERS = "/portfolio/events/orders"
ORDERS_PATH = r"/portfolio/events/orders$"  # the create route only, not batched/amend


# --- ids ------------------------------------------------------------------------------------------------


def _place_marketable(module_sb) -> dict:
    signer = Signer(module_sb)
    for market in module_sb.exchange.markets(status="open"):
        resp = signer.post(
            ORDERS, json=order_body(market["ticker"], price="0.9900", time_in_force="immediate_or_cancel")
        )
        if resp.status_code == 201 and resp.json()["fill_count"] != "0.00":
            return resp.json()
    raise AssertionError("no market filled a marketable order")


def test_ids_differ_across_restarts_with_the_same_seed_but_data_does_not():
    # One anchor for both: the data is a function of (seed, anchor), and two builds a moment apart on the
    # real clock differ by any synthetic trade that falls between them (a CI run caught one).
    anchor = datetime.now(timezone.utc).replace(microsecond=0)
    runs = []
    for _ in range(2):
        with sandbox(seed=4, markets=20, now=anchor) as module_sb:
            receipt = _place_marketable(module_sb)
            resting = Signer(module_sb).post(ORDERS, json=order_body(live_market_ticker(module_sb))).json()
            fills = module_sb.exchange.fills(module_sb.user_id)
            runs.append(
                {
                    "orders": {receipt["order_id"], resting["order_id"]},
                    "fills": {f["fill_id"] for f in fills},
                    "trades": {
                        t["trade_id"]
                        for t in module_sb.exchange.trades()
                        if t["ticker"] == fills[0]["ticker"]
                    },
                    "markets": [m["ticker"] for m in module_sb.exchange.markets()],
                    "seeded_trades": [t["trade_id"] for t in module_sb.exchange.trades()][-50:],
                }
            )
    first, second = runs
    assert not first["orders"] & second["orders"]
    assert first["fills"]
    assert not first["fills"] & second["fills"]
    assert first["markets"] == second["markets"]  # seeded data stays deterministic
    assert first["seeded_trades"] == second["seeded_trades"]


# --- client_order_id reuse (kalshi-api.md §5.7) ----------------------------------------------------------


def test_client_order_id_is_refused_only_while_its_order_rests(module_sb):
    signer = Signer(module_sb)
    ticker = live_market_ticker(module_sb)
    first = signer.post(ORDERS, json=order_body(ticker, client_order_id="reuse-1"))
    assert first.status_code == 201
    again = signer.post(ORDERS, json=order_body(ticker, client_order_id="reuse-1", price="0.0200"))
    assert_kalshi_error(again, 409, code="order_already_exists")
    # batch create: the same rule, per item
    batch = signer.post(ORDERS + "/batched", json={"orders": [order_body(ticker, client_order_id="reuse-1")]})
    assert batch.status_code == 201
    assert batch.json()["orders"][0]["error"]["code"] == "order_already_exists"
    # market_ticker routes the cancel to the market's exchange shard (an order id alone means shard 0).
    cancel = signer.delete(f"{ORDERS}/{first.json()['order_id']}", params={"market_ticker": ticker})
    assert cancel.status_code == 200
    # cancelled: the id is free again, and a second order with it is created (the client must journal)
    after_cancel = signer.post(ORDERS, json=order_body(ticker, client_order_id="reuse-1"))
    assert after_cancel.status_code == 201
    assert after_cancel.json()["order_id"] != first.json()["order_id"]


def test_client_order_id_is_accepted_again_after_the_order_executed(module_sb):
    signer = Signer(module_sb)
    receipt = _place_marketable(module_sb)
    coid = receipt["client_order_id"]
    order = module_sb.exchange.order(module_sb.user_id, receipt["order_id"])
    assert order["status"] in ("executed", "canceled")  # IOC: never rests
    ticker = order["ticker"]
    again = signer.post(
        ORDERS,
        json=order_body(ticker, client_order_id=coid, price="0.9900", time_in_force="immediate_or_cancel"),
    )
    assert again.status_code == 201, again.text
    assert again.json()["order_id"] != receipt["order_id"]
    assert [o["client_order_id"] for o in module_sb.exchange.orders(module_sb.user_id)].count(coid) == 2


# --- fault recipes for ambiguous creates -----------------------------------------------------------------


def _answered_post(module_sb):
    """The request log's first POST, once the server has answered it (it logs a request only then).

    Fixed sleeps raced loaded CI machines; this waits, bounded, for the delayed answer instead."""
    assert module_sb.wait_idle(), "the delayed POST was never answered"
    return next(r for r in module_sb.requests if r.method == "POST")


def test_delay_after_processes_then_answers_late(module_sb):
    signer = Signer(module_sb)
    ticker = live_market_ticker(module_sb)
    body = order_body(ticker)
    module_sb.faults.script(["delay_after:1.5"], methods=["POST"], path=ORDERS_PATH)
    with pytest.raises(requests.Timeout):
        signer.post(ORDERS, json=body, timeout=0.5)
    # the client gave up, but the exchange had already placed the order: it is there while the POST is
    # still being answered (the log gets an entry only when the answer goes out)
    assert body["client_order_id"] in my_client_order_ids(signer, ticker)
    assert not [r for r in module_sb.requests if r.method == "POST"]
    record = _answered_post(module_sb)
    assert (record.status, record.fault) == (201, "delay_after")
    assert record.duration >= 1.5


def test_delay_before_answers_late_without_processing_first(module_sb):
    signer = Signer(module_sb)
    ticker = live_market_ticker(module_sb)
    body = order_body(ticker)
    module_sb.faults.script(["delay_before:1.0"], methods=["POST"], path=ORDERS_PATH)
    with pytest.raises(requests.Timeout):
        signer.post(ORDERS, json=body, timeout=0.4)
    assert body["client_order_id"] not in my_client_order_ids(signer, ticker)  # still sleeping
    record = _answered_post(module_sb)
    assert (record.status, record.fault) == (201, "delay_before")
    assert record.duration >= 1.0
    assert body["client_order_id"] in my_client_order_ids(signer, ticker)  # then processed


def test_latency_rate_with_phase_after(module_sb):
    signer = Signer(module_sb)
    ticker = live_market_ticker(module_sb)
    body = order_body(ticker)
    module_sb.faults.update(
        latency={"seconds": 1.0, "methods": ["POST"], "path": ORDERS_PATH, "phase": "after"}
    )
    with pytest.raises(requests.Timeout):
        signer.post(ORDERS, json=body, timeout=0.4)
    assert body["client_order_id"] in my_client_order_ids(signer, ticker)  # GETs are not delayed
    assert module_sb.wait_idle()


@pytest.mark.parametrize(
    ("entry", "status", "placed"),
    [
        ("drop_after", None, True),
        ("500_after", 500, True),
        ("503_after", 503, True),
        ("500_before", 500, False),
        ("429", 429, False),
        ("drop_before", None, False),
    ],
)
def test_recipes(module_sb, entry, status, placed):
    signer = Signer(module_sb)
    ticker = live_market_ticker(module_sb)
    body = order_body(ticker)
    # Only the create route is faulted: the lookup by client_order_id that follows is not.
    module_sb.faults.script([entry], methods=["POST"], path=ORDERS_PATH)
    if status is None:
        with pytest.raises(requests.ConnectionError):
            signer.post(ORDERS, json=body)
    else:
        resp = signer.post(ORDERS, json=body)
        assert resp.status_code == status
        if status == 429:
            assert resp.json() == {"error": "too many requests"}
    assert (body["client_order_id"] in my_client_order_ids(signer, ticker)) is placed
    assert module_sb.faults.pending() == 0


def test_refuse_connections_is_a_refusal_before_sending(module_sb):
    signer = Signer(module_sb)
    ticker = live_market_ticker(module_sb)
    body = order_body(ticker)
    with requests.Session() as session:
        signer.session = session
        assert signer.get("/portfolio/balance").status_code == 200  # a pooled keep-alive connection
        module_sb.refuse_connections(0.5)
        with pytest.raises(requests.ConnectionError) as info:
            signer.post(ORDERS, json=body)
        assert isinstance(info.value.args[0].reason, urllib3.exceptions.NewConnectionError)
        assert "refused" in str(info.value).lower()
        time.sleep(0.6)
        assert body["client_order_id"] not in my_client_order_ids(signer, ticker)
        assert signer.post(ORDERS, json=body).status_code == 201  # listening again, same port
    with pytest.raises(ValueError, match="seconds"):
        module_sb.refuse_connections(61)


def test_wait_idle_waits_for_a_request_the_client_gave_up_on(module_sb):
    signer = Signer(module_sb)
    module_sb.faults.update(latency={"seconds": 1.0, "methods": ["GET"], "path": r"/exchange/status$"})
    with pytest.raises(requests.Timeout):
        signer.get("/exchange/status", timeout=0.2)
    assert module_sb.wait_idle(0.05) is False  # still sleeping on the latency, not logged yet
    assert not [r for r in module_sb.requests if r.path.endswith("/exchange/status")]
    assert module_sb.wait_idle() is True
    [record] = [r for r in module_sb.requests if r.path.endswith("/exchange/status")]
    assert record.status == 200 and record.duration >= 1.0
    with pytest.raises(ValueError, match="timeout"):
        module_sb.wait_idle(-1)
