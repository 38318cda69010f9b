"""The client-side token bucket: arithmetic on a fake clock, and real threads sharing one bucket."""

from __future__ import annotations

import threading
import time

import pytest

from kalshi_nb.ratelimit import RateLimiter, TokenBucket, make_rate_limiter


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
    # The read bucket holds 1 s (200 tokens = 20 requests), the write bucket 2 s (200 tokens = 20 requests).
    waits = [limiter.acquire("read") for _ in range(21)]
    assert waits[:20] == [0.0] * 20
    assert waits[20] == pytest.approx(10 / 200)  # one request's worth of refill at 200 tokens/s
    waits = [limiter.acquire("write") for _ in range(22)]
    assert waits[:20] == [0.0] * 20
    # the 21st write waits for 10 tokens at 100/s; the 22nd another 10 on top (reservations queue up)
    assert waits[20] == pytest.approx(0.1)
    assert waits[21] == pytest.approx(0.1)


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
