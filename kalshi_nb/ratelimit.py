"""Client-side token buckets, so a client stays inside Kalshi's rate limits instead of collecting 429s.

Kalshi's 2026 model (``kalshi-api.md`` section 6): every request costs tokens (default 10) from one of two
buckets, **read** (GETs) and **write** (order placement, amend, cancel). Budgets per second: Basic 200 read /
100 write, Advanced 300/300, Premier 1,000/1,000, Paragon 2,000/2,000, Prime 4,000/4,000. The write bucket
holds 2 s of budget (documented); the read bucket is given 1 s (UNCONFIRMED, nothing is documented).

One ``RateLimiter`` is shared by all of a client's calls (and may be shared between clients using the same
key); it is thread-safe. A caller that must wait reserves its tokens first and sleeps outside the lock, so
concurrent callers are served in arrival order.

Example:
    >>> limiter = RateLimiter.for_tier("basic")
    >>> limiter.acquire("read")   # returns the seconds waited
    0.0
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_COST = 10  # GetAccountEndpointCostsResponse.default_cost: "currently 10"


@dataclass(frozen=True)
class Tier:
    """Token refill rates per second for one usage tier."""

    name: str
    read_rate: float
    write_rate: float


TIERS: dict[str, Tier] = {
    t.name: t
    for t in (
        Tier("basic", 200, 100),
        Tier("advanced", 300, 300),
        Tier("premier", 1000, 1000),
        Tier("paragon", 2000, 2000),
        Tier("prime", 4000, 4000),
    )
}


class TokenBucket:
    """``rate`` tokens per second up to ``capacity``; starts full. Thread-safe.

    Example:
        >>> b = TokenBucket(rate=100, capacity=20)
        >>> b.acquire(10), b.acquire(10)
        (0.0, 0.0)
    """

    def __init__(
        self,
        rate: float,
        capacity: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not rate > 0 or not capacity > 0:
            raise ValueError(f"rate and capacity must be positive, got rate={rate!r}, capacity={capacity!r}")
        self.rate = float(rate)
        self.capacity = float(capacity)
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.capacity
        self._stamp = clock()
        self._lock = threading.Lock()

    def reserve(self, cost: float) -> float:
        """Take ``cost`` tokens now (possibly going into debt); return how long to wait before sending."""
        if cost > self.capacity:
            raise ValueError(f"cost {cost} exceeds the bucket capacity {self.capacity}")
        with self._lock:
            now = self._clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            self._tokens -= cost
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def acquire(self, cost: float = DEFAULT_COST) -> float:
        """Block until ``cost`` tokens are available; return the seconds waited."""
        wait = self.reserve(cost)
        if wait > 0:
            self._sleep(wait)
        return wait

    def __repr__(self) -> str:
        return f"<TokenBucket {self.rate:g}/s cap {self.capacity:g}>"


class RateLimiter:
    """A read bucket and a write bucket.

    Example:
        >>> limiter = RateLimiter(read_rate=200, write_rate=100)
        >>> limiter.acquire("write")
        0.0
    """

    def __init__(
        self,
        *,
        read_rate: float,
        write_rate: float,
        read_capacity: float | None = None,
        write_capacity: float | None = None,
        cost: float = DEFAULT_COST,
        name: str = "custom",
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name = name
        self.cost = cost
        self.read = TokenBucket(read_rate, read_capacity or max(read_rate, cost), clock=clock, sleep=sleep)
        self.write = TokenBucket(
            write_rate, write_capacity or max(2 * write_rate, cost), clock=clock, sleep=sleep
        )

    @classmethod
    def for_tier(cls, tier: str | Tier = "basic", **kwargs: object) -> RateLimiter:
        """The limiter of a named Kalshi tier (``basic`` ... ``prime``)."""
        if not isinstance(tier, Tier):
            try:
                tier = TIERS[str(tier).lower()]
            except KeyError:
                raise ValueError(
                    f"unknown rate-limit tier {tier!r}; choose one of {', '.join(TIERS)}"
                ) from None
        return cls(read_rate=tier.read_rate, write_rate=tier.write_rate, name=tier.name, **kwargs)  # type: ignore[arg-type]

    def acquire(self, kind: str, cost: float | None = None) -> float:
        """Wait for the tokens of one request of ``kind`` (``"read"`` or ``"write"``)."""
        if kind == "read":
            return self.read.acquire(self.cost if cost is None else cost)
        if kind == "write":
            return self.write.acquire(self.cost if cost is None else cost)
        raise ValueError(f"kind must be 'read' or 'write', got {kind!r}")

    def __repr__(self) -> str:
        return f"<RateLimiter {self.name} read {self.read.rate:g}/s write {self.write.rate:g}/s>"


def make_rate_limiter(spec: str | Tier | RateLimiter | None) -> RateLimiter | None:
    """A limiter from a tier name, a ``Tier`` or a ready ``RateLimiter``; ``None``/``"off"`` turns it off.

    Example:
        >>> make_rate_limiter("off") is None
        True
    """
    if spec is None or (isinstance(spec, str) and spec.lower() in ("off", "none")):
        return None
    if isinstance(spec, RateLimiter):
        return spec
    return RateLimiter.for_tier(spec)
