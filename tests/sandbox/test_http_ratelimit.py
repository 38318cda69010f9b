"""Token-bucket rate limits: the tier arithmetic on a fake clock, then 429s and recovery over real HTTP."""

from __future__ import annotations

import time

import pytest
import requests
from helpers import Signer, live_market_ticker, order_body

from kalshi_nb.sandbox.ratelimit import TIERS, RateLimiter, make_limiter


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def allowed_in_a_burst(limiter: RateLimiter, kind: str, identity: str = "k") -> int:
    n = 0
    while limiter.allow(identity, kind):
        n += 1
        assert n < 10_000
    return n


def test_basic_tier_worked_example():
    clock = FakeClock()
    rl = RateLimiter("basic", clock=clock)
    # read: 200 tokens/s, bucket of 2 s = 400 tokens -> 40 requests at cost 10
    assert allowed_in_a_burst(rl, "read") == 40
    # write: 100 tokens/s, bucket of 1 s = 100 tokens -> 10 requests (Basic's write bucket has no burst)
    assert allowed_in_a_burst(rl, "write") == 10
    # after 0.05 s, 200 * 0.05 = 10 read tokens (one request) and 100 * 0.05 = 5 write tokens (none)
    clock.t += 0.05
    assert allowed_in_a_burst(rl, "read") == 1
    assert allowed_in_a_burst(rl, "write") == 0
    # another 0.05 s: write bucket has 5 + 5 = 10 tokens -> one request
    clock.t += 0.05
    assert allowed_in_a_burst(rl, "write") == 1
    # a long pause refills only up to capacity
    clock.t += 100
    assert allowed_in_a_burst(rl, "read") == 40


def test_buckets_are_per_identity_and_per_kind():
    clock = FakeClock()
    rl = RateLimiter("basic", clock=clock)
    assert allowed_in_a_burst(rl, "read", "alice") == 40
    assert rl.allow("bob", "read")
    assert rl.allow("alice", "write")


def test_other_tiers():
    clock = FakeClock()
    # advanced: 300 read/s and 300 write/s, both buckets 2 s (600 tokens -> 60 requests)
    rl = RateLimiter("advanced", clock=clock)
    assert allowed_in_a_burst(rl, "read") == 60
    assert allowed_in_a_burst(rl, "write") == 60
    premier = RateLimiter("premier", clock=clock)
    assert allowed_in_a_burst(premier, "read") == 200
    assert allowed_in_a_burst(premier, "write") == 200


def test_batch_cost():
    rl = RateLimiter("basic", clock=FakeClock())
    assert rl.allow("k", "write", cost=10 * 6)  # 60 of 100 tokens
    assert not rl.allow("k", "write", cost=10 * 5)  # 50 more does not fit
    assert rl.allow("k", "write", cost=10 * 4)


def test_limiter_specs():
    assert make_limiter(None) is None
    assert make_limiter("off") is None
    assert make_limiter("PRIME").tier is TIERS["prime"]
    with pytest.raises(ValueError, match="platinum"):
        make_limiter("platinum")
    with pytest.raises(ValueError, match="read"):
        RateLimiter("basic").allow("k", "delete")


SANDBOX_SEED = 17
SANDBOX_OPTIONS = {"rate_limit": "basic"}


@pytest.fixture(autouse=True)
def _clean(module_sb):
    module_sb.set_rate_limit("basic")
    yield
    module_sb.check()


def test_reads_are_limited_then_recover(module_sb):
    with requests.Session() as s:
        statuses = [s.get(module_sb.url + "/exchange/status", timeout=10).status_code for _ in range(80)]
        assert statuses[:40] == [200] * 40  # a full bucket holds 40 requests
        assert 429 in statuses
        limited = next(
            r
            for r in (s.get(module_sb.url + "/exchange/status", timeout=10) for _ in range(40))
            if r.status_code == 429
        )
        assert limited.json() == {"error": "too many requests"}
        assert "Retry-After" not in limited.headers
        time.sleep(0.3)  # 60 tokens refilled
        assert s.get(module_sb.url + "/exchange/status", timeout=10).status_code == 200


def test_writes_have_their_own_bucket(module_sb):
    signer = Signer(module_sb)
    ticker = live_market_ticker(module_sb)
    module_sb.app.limiter.reset()
    # Exhaust the read bucket of this key; writes must still go through.
    while signer.get("/portfolio/balance").status_code != 429:
        pass
    resp = signer.post("/portfolio/events/orders", json=order_body(ticker))
    assert resp.status_code == 201, resp.text
    signer.delete("/portfolio/events/orders")


def test_rate_limit_off_and_on_through_the_control_route(module_sb):
    resp = requests.post(module_sb.root_url + "/_sandbox/rate_limit", json={"tier": "off"}, timeout=10)
    assert resp.json() == {"tier": "off"}
    with requests.Session() as s:
        assert all(
            s.get(module_sb.url + "/exchange/status", timeout=10).status_code == 200 for _ in range(60)
        )
    resp = requests.post(module_sb.root_url + "/_sandbox/rate_limit", json={"tier": "premier"}, timeout=10)
    assert resp.json() == {"tier": "premier"}
    assert requests.get(module_sb.root_url + "/_sandbox/rate_limit", timeout=10).json() == {"tier": "premier"}
