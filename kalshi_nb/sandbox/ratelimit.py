"""Token-bucket rate limits per API key (or per client IP when unauthenticated), as Kalshi's 2026 model.

Each identity has independent buckets: **read** (GETs and anything not routed elsewhere), **write** (order
create, amend, decrease, cancel, batches) and **balance** (``GET /portfolio/balance`` only, documented in
openapi.yaml: 1 call/s on Basic and Advanced, 5/s above, one second of capacity, no burst). A request costs
``DEFAULT_COST`` = 10 tokens unless ``routes.py`` says otherwise (batch items are billed individually).

The table (``TIERS``), per second and per bucket (documented unless marked):

| tier | read refill / capacity | write refill / capacity |
|---|---|---|
| basic | 200 / 400 | 100 / 100 |
| advanced | 300 / 600 | 300 / 600 |
| expert (UNCONFIRMED) | 600 / 1,200 | 600 / 1,200 |
| premier | 1,000 / 2,000 | 1,000 / 2,000 |
| paragon | 2,000 / 4,000 | 2,000 / 4,000 |
| prime | 4,000 / 8,000 | 4,000 / 8,000 |
| prestige (UNCONFIRMED) | 8,000 / 16,000 | 8,000 / 16,000 |

Refill rates: docs.kalshi.com/getting_started/rate_limits. Capacities: Basic read 2 s and Basic write 1 s of
budget (issue 12, from that page); write at the other tiers 2 s (openapi.yaml ``BucketLimit``); read at the
other tiers 2 s like Basic (UNCONFIRMED). Expert and Prestige are named by openapi.yaml with no numbers: the
sandbox puts Expert between Advanced and Premier and Prestige at twice Prime (UNCONFIRMED). The maximum batch
size "scales with your tier's write budget": the sandbox allows what one full write bucket pays for, at 10
tokens per created order and 2 per cancelled one (``write_capacity // item cost``: Basic 10 / 50, Advanced
60 / 300, Premier 200 / 1,000; UNCONFIRMED), so a batch it accepts can pass the bucket. Whether unauthenticated public GETs are limited live is UNCONFIRMED; the sandbox
limits them per client IP with the read budget.

Example:
    >>> limiter = RateLimiter("basic")
    >>> limiter.allow("key-1", "read")
    True
    >>> max_batch_size(TIERS["basic"]), max_batch_size(TIERS["basic"], "cancel")
    (10, 50)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_COST = 10  # GetAccountEndpointCostsResponse.default_cost: "currently 10"
CANCEL_COST = 2  # one cancel, a batch-cancel item, cancel-all, GET one order (openapi.yaml x-mint notes)
KINDS = ("read", "write", "balance")


@dataclass(frozen=True)
class Tier:
    """Refill rates (tokens per second) and bucket capacities (tokens) of one usage tier."""

    name: str
    read_rate: float
    write_rate: float
    read_capacity: float
    write_capacity: float
    balance_rate: float = DEFAULT_COST  # GET /portfolio/balance: calls per second x the default cost

    def bucket(self, kind: str) -> tuple[float, float]:
        """(refill rate, capacity) of one bucket kind."""
        if kind == "read":
            return self.read_rate, self.read_capacity
        if kind == "write":
            return self.write_rate, self.write_capacity
        return self.balance_rate, self.balance_rate  # one second of budget: no burst (documented)


def _tier(name: str, read: float, write: float, *, write_seconds: float = 2, balance_per_s: int = 5) -> Tier:
    return Tier(
        name, read, write, read_capacity=2 * read, write_capacity=write_seconds * write,
        balance_rate=balance_per_s * DEFAULT_COST,
    )  # fmt: skip


TIERS: dict[str, Tier] = {
    t.name: t
    for t in (
        _tier("basic", 200, 100, write_seconds=1, balance_per_s=1),
        _tier("advanced", 300, 300, balance_per_s=1),
        _tier("expert", 600, 600),  # UNCONFIRMED: between Advanced and Premier
        _tier("premier", 1000, 1000),
        _tier("paragon", 2000, 2000),
        _tier("prime", 4000, 4000),
        _tier("prestige", 8000, 8000),  # UNCONFIRMED: twice Prime
    )
}


def max_batch_size(tier: Tier, kind: str = "create") -> int:
    """Items per batch request on a tier (``kind`` "create" or "cancel"): what a full write bucket pays for."""
    return int(tier.write_capacity // (DEFAULT_COST if kind == "create" else CANCEL_COST))


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
        >>> [rl.allow("k", "write") for _ in range(11)][-2:]   # 100 tokens = 10 writes at cost 10
        [True, False]
    """

    def __init__(self, tier: str | Tier = "basic", *, clock: Callable[[], float] = time.monotonic) -> None:
        self.tier = resolve_tier(tier)
        self._clock = clock
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._lock = threading.Lock()

    def allow(self, identity: str, kind: str, cost: float = DEFAULT_COST) -> bool:
        """Take ``cost`` tokens from ``identity``'s ``kind`` ("read", "write" or "balance") bucket; False if short."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
        with self._lock:
            now = self._clock()
            bucket = self._buckets.get((identity, kind))
            if bucket is None:
                rate, capacity = self.tier.bucket(kind)
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
