"""The issue 12 portfolio routes over HTTP: shards on balances and records, transfers, allocation,
subaccounts, historical fills/orders/positions, queue positions, resting value, user data timestamp; each in
the spec's field names, bad input a 400 and unknown ids a 404 that says what is missing."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
import requests
from helpers import Signer, assert_kalshi_error, order_body

SANDBOX_SEED = 23
SANDBOX_OPTIONS = {"pauses": False}  # never depend on the real day of the week
ORDERS = "/portfolio/events/orders"


@pytest.fixture
def signer(module_sb):
    module_sb.reset()
    return Signer(module_sb)


def market_on(sb, shard: int) -> str:
    for m in sb.exchange.markets(status="open"):
        if m["exchange_index"] == shard and m["price_level_structure"] == "linear_cent":
            return m["ticker"]
    raise AssertionError(f"an open market on shard {shard}")


def ok(resp: requests.Response, status: int = 200) -> dict:
    assert resp.status_code == status, resp.text[:400]
    return resp.json() if resp.content else {}


def test_balance_across_shards_and_scoped(signer):
    bal = ok(signer.get("/portfolio/balance"))
    assert set(bal) == {"balance", "balance_dollars", "portfolio_value", "updated_ts", "balance_breakdown"}
    assert bal["balance_breakdown"] == [
        {"exchange_index": 0, "balance": "10000.0000"}, {"exchange_index": 1, "balance": "0.0000"},
        {"exchange_index": 2, "balance": "0.0000"}, {"exchange_index": 3, "balance": "0.0000"},
    ]  # fmt: skip
    assert ok(signer.get("/portfolio/balance", params={"exchange_index": 2}))["balance"] == 0
    assert_kalshi_error(signer.get("/portfolio/balance", params={"exchange_index": 9}), 400, mentions="shard")
    assert_kalshi_error(signer.get("/portfolio/balance", params={"exchange_index": "x"}), 400)
    assert_kalshi_error(signer.get("/portfolio/balance", params={"subaccount": 64}), 400)
    err = assert_kalshi_error(signer.get("/portfolio/balance", params={"subaccount": 4}), 404)
    assert "subaccount 4 does not exist" in err["message"]


def test_transfer_between_shards_and_its_history(signer):
    body = {"source": "event_contract", "destination": "event_contract", "amount": 25_000,
            "source_exchange_shard": 0, "destination_exchange_shard": 2}  # fmt: skip
    tid = ok(signer.post("/portfolio/intra_exchange_instance_transfer", json=body))["transfer_id"]
    one = ok(signer.get(f"/portfolio/intra_exchange_instance_transfers/{tid}"))["transfer"]
    assert one["amount"] == "2.5000" and one["status"] == "complete" and "client_transfer_id" not in one
    page = ok(signer.get("/portfolio/intra_exchange_instance_transfers"))
    assert page == {"transfers": [one]}  # no cursor: it is omitted on the last page (openapi.yaml)
    ok(signer.post("/portfolio/intra_exchange_instance_transfer", json=body))
    first = ok(signer.get("/portfolio/intra_exchange_instance_transfers", params={"limit": 1}))
    assert len(first["transfers"]) == 1 and first["cursor"]
    rest = ok(signer.get("/portfolio/intra_exchange_instance_transfers", params={"cursor": first["cursor"]}))
    assert [t["transfer_id"] for t in rest["transfers"]] == [tid] and "cursor" not in rest
    bal = ok(signer.get("/portfolio/balance", params={"exchange_index": 2}))
    assert bal["balance"] == 500 and bal["balance_dollars"] == "5.0000"
    err = assert_kalshi_error(signer.get("/portfolio/intra_exchange_instance_transfers/nope"), 404)
    assert "transfer nope does not exist" in err["message"]
    assert_kalshi_error(
        signer.get("/portfolio/intra_exchange_instance_transfers", params={"limit": 501}), 400
    )
    for bad in ({}, {**body, "amount": "1"}, {**body, "source": "x"}, [1]):
        assert_kalshi_error(signer.post("/portfolio/intra_exchange_instance_transfer", json=bad), 400)
    assert_kalshi_error(signer.post("/portfolio/intra_exchange_instance_transfer", data=b"{"), 400)


def test_allocation_off_refuses_an_unfunded_shard_then_a_transfer_funds_it(signer, module_sb):
    assert ok(signer.get("/portfolio/target_balance_allocation")) == {
        "allocations": [{"exchange_index": 0, "percent": 100}], "resting_margin_reservation": "sum",
    }  # fmt: skip
    assert ok(signer.post("/portfolio/target_balance_allocation", json={"allocations": []})) == {}
    crypto = market_on(module_sb, 2)
    err = assert_kalshi_error(signer.post(ORDERS, json=order_body(crypto)), 400, code="insufficient_balance")
    assert "exchange_index 2" in err["message"]
    assert_kalshi_error(
        signer.post("/portfolio/target_balance_allocation", json={"allocations": [{"exchange_index": 0}]}),
        400,
    )
    ok(signer.post("/portfolio/intra_exchange_instance_transfer", json={
        "source": "event_contract", "destination": "event_contract", "amount": 100, "destination_exchange_shard": 2,
    }))  # fmt: skip
    created = ok(signer.post(ORDERS, json=order_body(crypto)), 201)
    order = ok(signer.get(f"/portfolio/orders/{created['order_id']}"))["order"]
    assert order["exchange_index"] == 2 and order["user_id"] == module_sb.user_id
    assert [
        o["order_id"] for o in ok(signer.get("/portfolio/orders", params={"exchange_index": 2}))["orders"]
    ] == [created["order_id"]]
    assert ok(signer.get("/portfolio/orders", params={"exchange_index": 0}))["orders"] == []
    # The sandbox control turns automatic allocation back on.
    resp = requests.post(
        module_sb.root_url + "/_sandbox/auto_allocation",
        json={"key_id": module_sb.key_id, "enabled": True},
        timeout=10,
    )
    assert resp.json()["allocations"] == [{"exchange_index": 0, "percent": 100}]


def test_cancel_routes_by_market_ticker_or_exchange_index(signer, module_sb):
    crypto = market_on(module_sb, 2)
    oid = ok(signer.post(ORDERS, json=order_body(crypto)), 201)["order_id"]
    # An order id alone routes to shard 0, where this order is not (documented).
    err = assert_kalshi_error(signer.delete(f"{ORDERS}/{oid}"), 404)
    assert "exchange_index 0" in err["message"] and "market_ticker" in err["message"]
    assert_kalshi_error(signer.delete(f"{ORDERS}/{oid}", params={"exchange_index": 3}), 404)
    assert_kalshi_error(signer.delete(f"{ORDERS}/{oid}", params={"exchange_index": -1}), 400)
    assert_kalshi_error(
        signer.delete(f"{ORDERS}/{oid}", params={"market_ticker": crypto, "subaccount": 1}), 404
    )
    assert ok(signer.delete(f"{ORDERS}/{oid}", params={"market_ticker": crypto}))["reduced_by"] == "1.00"
    oid2 = ok(signer.post(ORDERS, json=order_body(crypto)), 201)["order_id"]
    assert ok(signer.delete(f"{ORDERS}/{oid2}", params={"exchange_index": 2}))["order_id"] == oid2
    oid3 = ok(signer.post(ORDERS, json=order_body(crypto)), 201)["order_id"]
    batch = ok(signer.delete(f"{ORDERS}/batched", json={"orders": [
        {"order_id": oid3}, {"order_id": oid3, "market_ticker": crypto},
    ]}))["orders"]  # fmt: skip
    assert batch[0]["error"]["code"] == "not_found" and batch[1]["reduced_by"] == "1.00"
    wrong = assert_kalshi_error(signer.post(ORDERS, json=order_body(crypto, exchange_index=0)), 400)
    assert "exchange_index 2" in wrong["message"]


def test_subaccounts_over_http(signer, module_sb):
    assert ok(signer.post("/portfolio/subaccounts"), 201) == {"subaccount_number": 1}
    assert ok(signer.post("/portfolio/subaccounts", json={"exchange_index": 0}), 201) == {
        "subaccount_number": 2
    }
    assert_kalshi_error(signer.post("/portfolio/subaccounts", json={"exchange_index": 9}), 400)
    move = {
        "client_transfer_id": str(uuid.uuid4()),
        "from_subaccount": 0,
        "to_subaccount": 1,
        "amount_cents": 1500,
    }
    assert ok(signer.post("/portfolio/subaccounts/transfer", json=move)) == {}
    again = signer.post("/portfolio/subaccounts/transfer", json={**move, "to_subaccount": 2})
    assert_kalshi_error(again, 409, code="transfer_already_exists")  # the same id for another transfer
    fresh = {**move, "client_transfer_id": str(uuid.uuid4()), "to_subaccount": 9}
    assert_kalshi_error(signer.post("/portfolio/subaccounts/transfer", json=fresh), 404)
    assert_kalshi_error(signer.post("/portfolio/subaccounts/transfer", json={"amount_cents": 1}), 400)
    rows = ok(signer.get("/portfolio/subaccounts/balances"))["subaccount_balances"]
    mine = {(r["subaccount_number"], r["exchange_index"]): r["balance"] for r in rows}
    assert mine[(1, 0)] == "15.0000" and len(mine) == 3 * 4
    assert set(rows[0]) == {"subaccount_number", "exchange_index", "balance", "updated_ts"}
    transfers = ok(signer.get("/portfolio/subaccounts/transfers"))
    assert transfers["cursor"] == "" and transfers["transfers"][0]["amount_cents"] == 1500
    # Trade in subaccount 1, read it back per subaccount.
    ticker = market_on(module_sb, 0)
    oid = ok(signer.post(ORDERS, json=order_body(ticker, subaccount=1)), 201)["order_id"]
    assert [
        o["order_id"] for o in ok(signer.get("/portfolio/orders", params={"subaccount": 1}))["orders"]
    ] == [oid]
    assert ok(signer.get("/portfolio/orders", params={"subaccount": 0}))["orders"] == []
    assert len(ok(signer.get("/portfolio/orders"))["orders"]) == 1  # omitted: every subaccount
    positions = ok(signer.get("/portfolio/positions", params={"subaccount": 1}))
    assert [p["ticker"] for p in positions["market_positions"]] == [ticker]
    assert ok(signer.get("/portfolio/positions"))["market_positions"] == []  # default: the primary
    assert 1490 < ok(signer.get("/portfolio/balance", params={"subaccount": 1}))["balance"] < 1500  # the hold
    amend = {"ticker": ticker, "side": "bid", "price": "0.0200", "count": "1"}
    assert_kalshi_error(signer.post(f"{ORDERS}/{oid}/amend", json=amend), 404)  # subaccount defaults to 0
    ok(signer.post(f"{ORDERS}/{oid}/amend", params={"subaccount": 1}, json=amend))
    assert_kalshi_error(signer.delete(f"{ORDERS}/{oid}", params={"market_ticker": ticker}), 404)
    ok(signer.delete(f"{ORDERS}/{oid}", params={"market_ticker": ticker, "subaccount": 1}))
    assert signer.delete(ORDERS, params={"subaccount": 1}).status_code == 204
    assert_kalshi_error(signer.delete(ORDERS, params={"subaccount": 7}), 404)


def test_historical_fills_orders_and_positions(signer, module_sb):
    ticker = market_on(module_sb, 0)
    taken = ok(
        signer.post(ORDERS, json=order_body(ticker, price="0.9900", time_in_force="immediate_or_cancel")), 201
    )
    assert taken["fill_count"] == "1.00"
    module_sb.settle(ticker, "yes")
    later = datetime.now(timezone.utc).timestamp() + 5
    requests.post(module_sb.root_url + "/_sandbox/historical_cutoff", json={"ts": later}, timeout=10)
    assert ok(signer.get("/portfolio/fills"))["fills"] == []
    fills = ok(signer.get("/historical/fills", params={"ticker": ticker}))
    assert [f["order_id"] for f in fills["fills"]] == [taken["order_id"]] and fills["cursor"] == ""
    assert [o["order_id"] for o in ok(signer.get("/historical/orders"))["orders"]] == [taken["order_id"]]
    assert ok(signer.get("/portfolio/orders"))["orders"] == []
    hist = ok(signer.get("/historical/positions"))
    assert set(hist) == {"market_positions", "event_positions", "cursor"}
    assert [p["ticker"] for p in hist["market_positions"]] == [ticker]
    assert (
        ok(signer.get("/portfolio/positions", params={"settlement_status": "all"}))["market_positions"] == []
    )
    assert_kalshi_error(signer.get("/historical/fills", params={"limit": 0}), 400)
    assert_kalshi_error(signer.get("/historical/positions", params={"subaccount": 2}), 404)
    assert requests.get(module_sb.url + "/historical/fills", timeout=10).status_code == 401  # needs a key


def test_queue_positions_resting_value_and_user_data_timestamp(signer, module_sb):
    ticker = market_on(module_sb, 0)
    oid = ok(signer.post(ORDERS, json=order_body(ticker)), 201)["order_id"]
    one = ok(signer.get(f"/portfolio/orders/{oid}/queue_position"))
    assert set(one) == {"queue_position_fp"}
    rows = ok(signer.get("/portfolio/orders/queue_positions", params={"market_tickers": ticker}))[
        "queue_positions"
    ]
    assert rows == [{"order_id": oid, "market_ticker": ticker, "queue_position_fp": one["queue_position_fp"]}]
    assert_kalshi_error(signer.get("/portfolio/orders/nope/queue_position"), 404, mentions="does not exist")
    value = ok(signer.get("/portfolio/summary/total_resting_order_value"))
    assert value["total_resting_order_value"] == 1
    assert value["resting_order_value_breakdown"][0] == {"exchange_index": 0, "balance": "0.0100"}
    signer.delete(f"{ORDERS}/{oid}", params={"market_ticker": ticker})
    assert_kalshi_error(signer.get(f"/portfolio/orders/{oid}/queue_position"), 404, mentions="not resting")
    stamp = requests.get(module_sb.url + "/exchange/user_data_timestamp", timeout=10).json()
    assert set(stamp) == {"as_of_time"} and stamp["as_of_time"].endswith("Z")
