"""Rate-limit tiers as issue 12 tables them: bucket sizes, endpoint costs (cancels 2, batch-cancel items 2,
cancel-all one cancel), the balance endpoint's own bucket, the batch size by tier, and the two account routes
that report them."""

from __future__ import annotations

import pytest
import requests
from helpers import Signer, assert_kalshi_error, order_body

from kalshi_nb.sandbox.http.routes import _bucket, _cost
from kalshi_nb.sandbox.ratelimit import TIERS, RateLimiter, max_batch_size

SANDBOX_SEED = 29
SANDBOX_OPTIONS = {"pauses": False}
ORDERS = "/portfolio/events/orders"

TABLE = {  # tier: (read refill, read capacity, write refill, write capacity, max batch create, max batch cancel)
    "basic": (200, 400, 100, 100, 10, 50),
    "advanced": (300, 600, 300, 600, 60, 300),
    "expert": (600, 1200, 600, 1200, 120, 600),
    "premier": (1000, 2000, 1000, 2000, 200, 1000),
    "paragon": (2000, 4000, 2000, 4000, 400, 2000),
    "prime": (4000, 8000, 4000, 8000, 800, 4000),
    "prestige": (8000, 16000, 8000, 16000, 1600, 8000),
}


@pytest.mark.parametrize("name", list(TABLE))
def test_tier_table(name):
    tier = TIERS[name]
    got = (tier.read_rate, tier.read_capacity, tier.write_rate, tier.write_capacity)
    assert got == TABLE[name][:4]
    assert (max_batch_size(tier, "create"), max_batch_size(tier, "cancel")) == TABLE[name][4:]


def test_costs_and_buckets():
    assert _cost("cancel_order", b"") == 2
    assert _cost("cancel_all_orders", b"") == 2  # the cost of one cancel (2026-09-03)
    assert _cost("order", b"") == 2
    assert _cost("batch_cancel_orders", b'{"orders": [{}, {}, {}]}') == 6  # 2 per item
    assert _cost("batch_create_orders", b'{"orders": [{}, {}, {}]}') == 30  # 10 per item
    assert _cost("amend_order", b"") == 10 and _cost("markets", b"") == 10
    assert _cost("batch_create_orders", b"not json") == 10
    assert (
        _bucket("balance") == "balance" and _bucket("cancel_order") == "write" and _bucket("fills") == "read"
    )


def test_balance_bucket_is_one_call_per_second_on_basic_five_above():
    t = [0.0]
    basic = RateLimiter("basic", clock=lambda: t[0])
    assert basic.allow("k", "balance") and not basic.allow("k", "balance")  # no burst
    t[0] += 1.0
    assert basic.allow("k", "balance")
    premier = RateLimiter("premier", clock=lambda: t[0])
    assert [premier.allow("k", "balance") for _ in range(6)] == [True] * 5 + [False]
    with pytest.raises(ValueError, match="balance"):
        basic.allow("k", "other")


@pytest.fixture
def signer(module_sb):
    module_sb.reset()
    module_sb.set_rate_limit("basic")
    module_sb.set_rate_limit(None)  # no limits, Basic as the usage tier
    yield Signer(module_sb)
    module_sb.set_rate_limit(None)


def test_account_limits_and_endpoint_costs_report_the_table(signer, module_sb):
    limits = signer.get("/account/limits").json()
    assert limits == {"usage_tier": "basic", "read": {"refill_rate": 200, "bucket_capacity": 400},
                      "write": {"refill_rate": 100, "bucket_capacity": 100}, "grants": []}  # fmt: skip
    module_sb.set_rate_limit("prestige")
    assert signer.get("/account/limits").json()["write"] == {"refill_rate": 8000, "bucket_capacity": 16000}
    module_sb.set_rate_limit(None)  # limits off: the tier stays for reporting and batch sizes
    assert signer.get("/account/limits").json()["usage_tier"] == "prestige"
    assert requests.get(module_sb.url + "/account/limits", timeout=10).status_code == 401
    costs = requests.get(module_sb.url + "/account/endpoint_costs", timeout=10).json()  # public
    assert costs["default_cost"] == 10
    table = {(c["method"], c["path"]): c["cost"] for c in costs["endpoint_costs"]}
    assert table[("DELETE", "/trade-api/v2/portfolio/events/orders/batched")] == 2
    assert table[("DELETE", "/trade-api/v2/portfolio/events/orders")] == 2
    assert table[("GET", "/trade-api/v2/portfolio/orders/{order_id}")] == 2


def test_batch_size_follows_the_tier(signer, module_sb):
    ticker = next(m["ticker"] for m in module_sb.exchange.markets(status="open") if m["exchange_index"] == 0)
    eleven = {"orders": [order_body(ticker) for _ in range(11)]}
    err = assert_kalshi_error(signer.post(ORDERS + "/batched", json=eleven), 400, code="batch_too_large")
    assert "at most 10" in err["message"] and "basic" in err["message"]
    module_sb.set_rate_limit("advanced")
    made = signer.post(ORDERS + "/batched", json={"orders": [order_body(ticker) for _ in range(25)]})
    assert made.status_code == 201 and all("order_id" in o for o in made.json()["orders"])
    assert signer.delete(ORDERS).status_code == 204
    module_sb.set_rate_limit("basic")
    # Refused before any token is taken: the next write still passes.
    assert_kalshi_error(signer.post(ORDERS + "/batched", json=eleven), 400, code="batch_too_large")
    assert signer.post(ORDERS, json=order_body(ticker)).status_code == 201
    cancels = {"orders": [{"order_id": "x", "market_ticker": ticker}] * 51}
    assert_kalshi_error(signer.delete(ORDERS + "/batched", json=cancels), 400, code="batch_too_large")


def test_cancels_are_cheap_and_the_balance_bucket_is_separate(signer, module_sb):
    ticker = next(m["ticker"] for m in module_sb.exchange.markets(status="open") if m["exchange_index"] == 0)
    # A stopped clock: no token comes back during the test, however slow the machine.
    module_sb.set_rate_limit(RateLimiter("basic", clock=lambda: 1000.0))
    # 100 write tokens: 10 creates at 10 empty the bucket...
    statuses = [signer.post(ORDERS, json=order_body(ticker)).status_code for _ in range(11)]
    assert statuses == [201] * 10 + [429]
    module_sb.app.limiter.reset()
    # ...while 50 cancel-alls (2 tokens each) fit in it.
    assert [signer.delete(ORDERS).status_code for _ in range(51)] == [204] * 50 + [429]
    # The balance has its own bucket (1 call/s on Basic) and does not touch the read bucket.
    module_sb.app.limiter.reset()
    assert [signer.get("/portfolio/balance").status_code for _ in range(2)] == [200, 429]
    assert signer.get("/portfolio/fills").status_code == 200
