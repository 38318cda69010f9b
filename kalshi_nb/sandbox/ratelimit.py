"""Token-bucket rate limits per API key (or per client IP when unauthenticated), as Kalshi's 2026 model.

Each identity has two independent buckets: **read** (GETs and anything not routed elsewhere) and
**write** (order create, amend, decrease, cancel, batch). A request costs ``DEFAULT_COST`` = 10 tokens
(batch items are billed individually). Budgets per tier come from docs.kalshi.com/getting_started/rate_limits:
Basic 200 read / 100 write tokens per second, Advanced 300/300, Premier 1,000/1,000, Paragon 2,000/2,000,
Prime 4,000/4,000. The write bucket holds 2 s of budget (documented); the read bucket holds 1 s of budget
(UNCONFIRMED: no capacity is documented for reads). Whether unauthenticated public GETs are limited live is
UNCONFIRMED; the sandbox limits them per client IP with the same read budget.

Example:
    >>> limiter = RateLimiter("basic")
    >>> limiter.allow("key-1", "read")
    True
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_COST = 10  # GetAccountEndpointCostsResponse.default_cost: "currently 10"


@dataclass(frozen=True)
class Tier:
    """Refill rates (tokens per second) and bucket capacities (tokens) of one usage tier."""

    name: str
    read_rate: float
    write_rate: float
    read_capacity: float
    write_capacity: float


def _tier(name: str, read: float, write: float) -> Tier:
    # read capacity = 1 s of budget (UNCONFIRMED); write capacity = 2 s of budget (documented)
    return Tier(name, read, write, read_capacity=read, write_capacity=2 * write)


TIERS: dict[str, Tier] = {
    t.name: t
    for t in (
        _tier("basic", 200, 100),
        _tier("advanced", 300, 300),
        _tier("premier", 1000, 1000),
        _tier("paragon", 2000, 2000),
        _tier("prime", 4000, 4000),
    )
}


class TokenBucket:
    """A bucket that refills continuously at ``rate`` tokens/s up to ``capacity``; starts full."""

    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.stamp = now

    def take(self, cost: float, now: float) -> bool:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens + 1e-9 >= cost:  # float time deltas: 0.05 s * 200/s may come out as 9.999999999
            self.tokens -= cost
            return True
        return False


class RateLimiter:
    """Per-identity read and write token buckets for one tier.

    Example:
        >>> rl = RateLimiter("basic", clock=lambda: 0.0)
        >>> [rl.allow("k", "write") for _ in range(21)][-2:]   # 200 tokens = 20 writes at cost 10
        [True, False]
    """

    def __init__(self, tier: str | Tier = "basic", *, clock: Callable[[], float] = time.monotonic) -> None:
        self.tier = resolve_tier(tier)
        self._clock = clock
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._lock = threading.Lock()

    def allow(self, identity: str, kind: str, cost: float = DEFAULT_COST) -> bool:
        """Take ``cost`` tokens from ``identity``'s ``kind`` ("read" or "write") bucket; False if short."""
        if kind not in ("read", "write"):
            raise ValueError(f"kind must be 'read' or 'write', got {kind!r}")
        with self._lock:
            now = self._clock()
            bucket = self._buckets.get((identity, kind))
            if bucket is None:
                tier = self.tier
                rate, capacity = (
                    (tier.read_rate, tier.read_capacity)
                    if kind == "read"
                    else (tier.write_rate, tier.write_capacity)
                )
                bucket = self._buckets[(identity, kind)] = TokenBucket(rate, capacity, now)
            return bucket.take(cost, now)

    def reset(self) -> None:
        """Refill every bucket (forget all identities)."""
        with self._lock:
            self._buckets.clear()

    def __repr__(self) -> str:
        return f"<RateLimiter tier={self.tier.name}>"


def resolve_tier(tier: str | Tier) -> Tier:
    if isinstance(tier, Tier):
        return tier
    try:
        return TIERS[str(tier).lower()]
    except KeyError:
        raise ValueError(
            f"unknown rate-limit tier {tier!r}; choose one of {', '.join(TIERS)} or None"
        ) from None


def make_limiter(spec: str | Tier | RateLimiter | None) -> RateLimiter | None:
    """``"basic"``/``"advanced"``/... or a ``Tier`` -> a limiter; ``None``/``"off"`` -> no limiting.

    Example:
        >>> make_limiter("off") is None
        True
    """
    if spec is None or (isinstance(spec, str) and spec.lower() in ("off", "none")):
        return None
    if isinstance(spec, RateLimiter):
        return spec
    return RateLimiter(spec)
