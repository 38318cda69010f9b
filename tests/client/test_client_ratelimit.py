"""The client-side token bucket: arithmetic on a fake clock, and real threads sharing one bucket."""

from __future__ import annotations

import threading
import time

import pytest

from kalshi_nb.ratelimit import BatchTooLargeError, RateLimiter, TokenBucket, make_rate_limiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_basic_tier_numbers() -> None:
    clock = FakeClock()
    limiter = RateLimiter.for_tier("basic", clock=clock, sleep=clock.sleep)
    # Basic: 200 read tokens/s, 100 write tokens/s; a request costs 10 -> 20 reads/s, 10 writes/s.
    # The read bucket holds 2 s (400 tokens = 40 requests), the write bucket 1 s (100 tokens = 10 requests).
    waits = [limiter.acquire("read") for _ in range(41)]
    assert waits[:40] == [0.0] * 40
    assert waits[40] == pytest.approx(10 / 200)  # one request's worth of refill at 200 tokens/s
    waits = [limiter.acquire("write") for _ in range(12)]
    assert waits[:10] == [0.0] * 10
    # the 11th write waits for 10 tokens at 100/s; the 12th another 10 on top (reservations queue up)
    assert waits[10] == pytest.approx(0.1)
    assert waits[11] == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("tier", "read", "read_cap", "write", "write_cap"),
    [
        ("basic", 200, 400, 100, 100),
        ("advanced", 300, 600, 300, 600),
        ("expert", 600, 1200, 600, 1200),
        ("premier", 1000, 2000, 1000, 2000),
        ("paragon", 2000, 4000, 2000, 4000),
        ("prime", 4000, 8000, 4000, 8000),
        ("prestige", 8000, 16000, 8000, 16000),
    ],
)
def test_tier_table(tier: str, read: int, read_cap: int, write: int, write_cap: int) -> None:
    limiter = RateLimiter.for_tier(tier.upper())
    assert (limiter.read.rate, limiter.read.capacity) == (read, read_cap)
    assert (limiter.write.rate, limiter.write.capacity) == (write, write_cap)
    assert limiter.max_batch_size("create") == write_cap // 10
    assert limiter.max_batch_size("cancel") == write_cap // 2


def test_costs_and_buckets() -> None:
    rl = RateLimiter.for_tier("basic")
    orders = {"orders": [{"order_id": str(i)} for i in range(7)]}
    assert rl.cost_of("GET", "/markets") == ("read", 10)
    assert rl.cost_of("GET", "/trade-api/v2/portfolio/orders") == ("read", 10)
    assert rl.cost_of("POST", "/portfolio/events/orders") == ("write", 10)
    assert rl.cost_of("POST", "/portfolio/events/orders/abc/amend") == ("write", 10)
    assert rl.cost_of("DELETE", "/portfolio/events/orders/abc") == ("write", 2)
    assert rl.cost_of("DELETE", "/portfolio/events/orders") == ("write", 2)  # cancel-all = one cancel
    assert rl.cost_of("GET", "/portfolio/orders/o-1") == ("read", 2)
    assert rl.cost_of("GET", "/portfolio/balance") == ("balance", 10)  # its own bucket
    assert rl.cost_of("DELETE", "/portfolio/events/orders/batched", orders) == ("write", 14)  # 2 per item
    assert rl.cost_of("POST", "/portfolio/events/orders/batched", orders) == ("write", 70)
    # money moves and subaccounts are not order writes: Kalshi bills them to the read bucket
    assert rl.cost_of("POST", "/portfolio/intra_exchange_instance_transfer")[0] == "read"
    assert rl.cost_of("POST", "/portfolio/subaccounts/transfer")[0] == "read"


def test_batch_size_checked_before_sending() -> None:
    rl = RateLimiter.for_tier("basic")
    big = {"orders": [{}] * 11}
    with pytest.raises(BatchTooLargeError, match=r"at most 10.*Nothing was sent"):
        rl.cost_of("POST", "/portfolio/events/orders/batched", big)
    assert rl.cost_of("DELETE", "/portfolio/events/orders/batched", {"orders": [{}] * 50})[1] == 100
    with pytest.raises(BatchTooLargeError):
        rl.acquire_request("DELETE", "/portfolio/events/orders/batched", {"orders": [{}] * 51})
    # a 25-order batch (Kalshi's example) fits from Advanced up (60 orders there)
    RateLimiter.for_tier("advanced").check_batch("create", 25)
    RateLimiter.for_tier("advanced").check_batch("create", 60)
    with pytest.raises(BatchTooLargeError):
        RateLimiter.for_tier("advanced").check_batch("create", 61)


def test_balance_has_its_own_bucket() -> None:
    clock = FakeClock()
    rl = RateLimiter.for_tier("basic", clock=clock, sleep=clock.sleep)
    waits = [rl.acquire_request("GET", "/portfolio/balance") for _ in range(3)]
    assert waits == [0.0, pytest.approx(1.0), pytest.approx(1.0)]  # one call a second on Basic, no burst
    assert rl.acquire_request("GET", "/markets") == 0.0  # reads are not held up by it


def test_learns_limits_and_costs() -> None:
    clock = FakeClock()
    rl = RateLimiter.for_tier("basic", clock=clock, sleep=clock.sleep)
    rl.apply_limits(
        {
            "usage_tier": "Premier",
            "read": {"refill_rate": 1000, "bucket_capacity": 2000},
            "write": {"refill_rate": 1000, "bucket_capacity": 2000},
            "grants": [],
        }
    )
    assert rl.name == "premier" and rl.write.capacity == 2000 and rl.read.rate == 1000
    assert rl.max_batch_size("create") == 200
    assert rl.balance.rate == 50  # 5 balance reads a second above Advanced
    rl.apply_costs(
        {
            "default_cost": 10,
            "endpoint_costs": [
                {"method": "DELETE", "path": "/trade-api/v2/portfolio/events/orders/{id}", "cost": 1},
                {"method": "DELETE", "path": "/portfolio/events/orders/batched", "cost": 1},
                {"method": "GET", "path": "/portfolio/orders/{order_id}", "cost": 2},
            ],
        }
    )
    assert rl.cost_of("DELETE", "/portfolio/events/orders/xyz") == ("write", 1)
    assert rl.cost_of("DELETE", "/portfolio/events/orders/batched", {"orders": [{}] * 3}) == ("write", 3)
    assert rl.cost_of("GET", "/portfolio/orders/o-1") == ("read", 2)
    assert rl.cost_of("GET", "/portfolio/orders") == ("read", 10)
    assert rl.max_batch_size("cancel") == 2000
    with pytest.raises(ValueError, match="lack"):
        rl.apply_limits({"usage_tier": "basic"})


def test_refill_caps_at_capacity() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=10, capacity=20, clock=clock, sleep=clock.sleep)
    assert bucket.acquire(20) == 0.0
    clock.now += 100  # a long idle period refills only up to capacity
    assert bucket.acquire(20) == 0.0
    assert bucket.acquire(5) == pytest.approx(0.5)


def test_tiers_and_off() -> None:
    assert make_rate_limiter(None) is None
    assert make_rate_limiter("off") is None
    prime = make_rate_limiter("prime")
    assert prime is not None
    assert prime.read.rate == 4000
    assert prime.write.rate == 4000
    shared = RateLimiter(read_rate=1, write_rate=1)
    assert make_rate_limiter(shared) is shared
    with pytest.raises(ValueError, match="unknown rate-limit tier"):
        make_rate_limiter("platinum")


def test_threads_share_the_bucket() -> None:
    # 100 tokens/s, capacity 10, cost 10: the first request is free, each further one needs 0.1 s.
    limiter = RateLimiter(read_rate=100, write_rate=100, read_capacity=10, cost=10)
    done: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(2):
            limiter.acquire("read")
            with lock:
                done.append(time.monotonic())

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    assert len(done) == 6
    assert elapsed >= 0.5 - 0.02  # 5 paid requests x 0.1 s, whatever the interleaving
    assert elapsed < 2.0
