"""Client-side token buckets, so a client stays inside Kalshi's rate limits instead of collecting 429s.

Kalshi's 2026 model (``kalshi-api.md`` section 6, the second edition and openapi.yaml 3.34): every request
costs tokens from one bucket: **write** (order create, amend, decrease, cancel, order groups, RFQ quotes;
:func:`bucket_of`), **balance** (``GET /portfolio/balance`` alone: 1 call/s on Basic and Advanced, 5/s
above, one second of capacity) or **read** (GETs and everything else). Each refills at its tier's rate up
to its capacity:

=========== ============= ============= ============== ============== =========
tier        read refill/s read capacity write refill/s write capacity balance/s
=========== ============= ============= ============== ============== =========
basic       200           400           100            100            1
advanced    300           600           300            600            1
expert*     600           1,200         600            1,200          5
premier     1,000         2,000         1,000          2,000          5
paragon     2,000         4,000         2,000          4,000          5
prime       4,000         8,000         4,000          8,000          5
prestige*   8,000         16,000        8,000          16,000         5
=========== ============= ============= ============== ============== =========

Refill rates are Kalshi's; Basic's capacities too (two seconds of read, one of write); write buckets "at
non-Basic tiers hold two seconds of budget" (openapi.yaml ``BucketLimit``); read buckets above Basic are
given two seconds like Basic's (UNCONFIRMED). ``*`` Expert and Prestige are named by the spec with no
numbers: Expert is put between Advanced and Premier, Prestige at twice Prime (UNCONFIRMED).

Costs (tokens, openapi.yaml's per-route notes): ``DEFAULT_COST`` 10 per request; a batch-create item 10; a
cancel, a **batch-cancel item** and **cancel-all** 2 each (cancel-all costs what one cancel costs); reading
one order 2; the usage-level upgrade 30. ``client.sync_rate_limits()`` reads the account's tier
(``GET /account/limits``) and the non-default costs (``GET /account/endpoint_costs``) and applies them.

The **maximum batch size** "scales with your tier's write budget": a batch must fit in a full write
bucket, so it is ``write capacity // item cost`` (Basic: 10 orders created or 50 cancelled at once;
Advanced 60 / 300; Premier 200 / 1,000). A larger batch is refused before anything is sent (no bucket
could ever pay for it). Kalshi's own 25-order example fits a 250-token write bucket.

One ``RateLimiter`` is shared by all of a client's calls (and may be shared between clients using the same
key); it is thread-safe. A caller that must wait reserves its tokens first and sleeps outside the lock, so
concurrent callers are served in arrival order.

Example:
    >>> limiter = RateLimiter.for_tier("basic")
    >>> limiter.acquire("read")   # returns the seconds waited
    0.0
    >>> limiter.cost_of("DELETE", "/portfolio/events/orders/batched", {"orders": [{}, {}, {}]})
    ('write', 6)
    >>> limiter.max_batch_size("create"), limiter.max_batch_size("cancel")
    (10, 50)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_COST = 10  # GetAccountEndpointCostsResponse.default_cost: "currently 10"
CANCEL_COST = 2  # one cancel and cancel-all (openapi.yaml: "the same cost as cancelling one ... order")
BATCH_CANCEL_ITEM_COST = 2  # per order in DELETE /portfolio/events/orders/batched
ORDERS_PATH = "/portfolio/events/orders"
BATCH_PATH = ORDERS_PATH + "/batched"
BALANCE_PATH = "/portfolio/balance"

__all__ = [
    "BATCH_CANCEL_ITEM_COST",
    "CANCEL_COST",
    "DEFAULT_COST",
    "TIERS",
    "BatchTooLargeError",
    "RateLimiter",
    "Tier",
    "TokenBucket",
    "bucket_of",
    "make_rate_limiter",
]


class BatchTooLargeError(ValueError):
    """A batch larger than the tier's write bucket can hold; raised before anything is sent."""


@dataclass(frozen=True)
class Tier:
    """Token refill rates per second and bucket capacities for one usage tier.

    Capacities default to two seconds of budget (Kalshi's rule above Basic; Basic's write bucket holds
    one). ``balance_per_second``: calls of ``GET /portfolio/balance`` per second (its own bucket).

    Example:
        >>> TIERS["basic"].read_capacity, TIERS["basic"].write_capacity, TIERS["premier"].write_capacity
        (400, 100, 2000)
    """

    name: str
    read_rate: float
    write_rate: float
    read_capacity: float = 0
    write_capacity: float = 0
    balance_per_second: float = 5

    def __post_init__(self) -> None:
        if not self.read_capacity:
            object.__setattr__(self, "read_capacity", 2 * self.read_rate)
        if not self.write_capacity:
            object.__setattr__(self, "write_capacity", 2 * self.write_rate)


TIERS: dict[str, Tier] = {
    t.name: t
    for t in (
        Tier("basic", 200, 100, write_capacity=100, balance_per_second=1),
        Tier("advanced", 300, 300, balance_per_second=1),
        Tier("expert", 600, 600),  # UNCONFIRMED: between Advanced and Premier
        Tier("premier", 1000, 1000),
        Tier("paragon", 2000, 2000),
        Tier("prime", 4000, 4000),
        Tier("prestige", 8000, 8000),  # UNCONFIRMED: twice Prime
    )
}
"""Kalshi's usage tiers, Basic to Prestige (see the module docstring for the table)."""

# Paths whose non-GET requests draw on the write bucket (kalshi-api.md section 6: "order placement, amend,
# cancel, order groups, RFQ quotes"); the V1 order paths are listed so a stray V1 call is billed as live did.
_WRITE_PREFIXES = (
    ORDERS_PATH,
    "/portfolio/orders",
    "/portfolio/order_groups",
    "/communications/rfqs",
    "/communications/quotes",
    "/communications/rfq_batches",
    "/account/api_usage_level/upgrade",
)

# (METHOD, path template) -> tokens; for the two batch routes, tokens per item.
# (openapi.yaml 3.34's per-route "Rate limit" notes; GET /account/endpoint_costs lists the live ones.)
_DEFAULT_COSTS: dict[tuple[str, str], float] = {
    ("DELETE", ORDERS_PATH + "/{order_id}"): CANCEL_COST,
    ("DELETE", ORDERS_PATH): CANCEL_COST,  # cancel-all: "the same cost as cancelling one" order
    ("DELETE", BATCH_PATH): BATCH_CANCEL_ITEM_COST,
    ("POST", BATCH_PATH): DEFAULT_COST,
    ("GET", "/portfolio/orders/{order_id}"): 2,
    ("POST", "/communications/quotes"): 2,
    ("GET", "/communications/quotes/{quote_id}"): 2,
    ("DELETE", "/communications/quotes/{quote_id}"): 2,
    ("GET", "/communications/rfqs/{rfq_id}/quotes/{quote_id}"): 2,
    ("DELETE", "/communications/rfqs/{rfq_id}/quotes/{quote_id}"): 2,
    ("POST", "/account/api_usage_level/upgrade"): 30,
}
_BATCH_KINDS = {"create": ("POST", BATCH_PATH), "cancel": ("DELETE", BATCH_PATH)}


def bucket_of(method: str, path: str) -> str:
    """``"write"``, ``"balance"`` or ``"read"``: the bucket a request draws on (path relative to the API base).

    Example:
        >>> bucket_of("POST", "/portfolio/events/orders"), bucket_of("GET", "/portfolio/orders")
        ('write', 'read')
        >>> bucket_of("POST", "/portfolio/intra_exchange_instance_transfer")   # not an order: read bucket
        'read'
    """
    if method.upper() == "GET":
        return "balance" if path.rstrip("/") == BALANCE_PATH else "read"
    return "write" if path.startswith(_WRITE_PREFIXES) else "read"


def _template_match(template: str, path: str) -> bool:
    want, got = template.strip("/").split("/"), path.strip("/").split("/")
    return len(want) == len(got) and all(w == g or w.startswith("{") for w, g in zip(want, got, strict=True))


def _relative(path: str) -> str:
    marker = "/trade-api/v2"
    return path[path.index(marker) + len(marker) :] if marker in path else path


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
        _check_positive(rate, capacity)
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
            self._refill()
            self._tokens -= cost
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def acquire(self, cost: float = DEFAULT_COST) -> float:
        """Block until ``cost`` tokens are available; return the seconds waited."""
        wait = self.reserve(cost)
        if wait > 0:
            self._sleep(wait)
        return wait

    def resize(self, rate: float, capacity: float) -> None:
        """New refill rate and capacity (a tier learned later); the tokens held stay, up to the new capacity."""
        _check_positive(rate, capacity)
        with self._lock:
            self._refill()
            self.rate, self.capacity = float(rate), float(capacity)
            self._tokens = min(self._tokens, self.capacity)

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def __repr__(self) -> str:
        return f"<TokenBucket {self.rate:g}/s cap {self.capacity:g}>"


def _check_positive(rate: float, capacity: float) -> None:
    if not rate > 0 or not capacity > 0:
        raise ValueError(f"rate and capacity must be positive, got rate={rate!r}, capacity={capacity!r}")


@dataclass
class _Costs:
    default: float = DEFAULT_COST
    table: dict[tuple[str, str], float] = field(default_factory=lambda: dict(_DEFAULT_COSTS))


class RateLimiter:
    """A read bucket and a write bucket, with the tier's costs and batch sizes.

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
        balance_per_second: float = 5,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name = name
        self.cost = cost
        self._costs = _Costs(default=cost, table={**_DEFAULT_COSTS, ("POST", BATCH_PATH): cost})
        self.read = TokenBucket(
            read_rate, read_capacity or max(2 * read_rate, cost), clock=clock, sleep=sleep
        )
        self.write = TokenBucket(
            write_rate, write_capacity or max(write_rate, cost), clock=clock, sleep=sleep
        )
        budget = balance_per_second * DEFAULT_COST  # one second of budget, no burst (openapi.yaml)
        self.balance = TokenBucket(budget, budget, clock=clock, sleep=sleep)

    @classmethod
    def for_tier(cls, tier: str | Tier = "basic", **kwargs: Any) -> RateLimiter:
        """The limiter of a named Kalshi tier (``basic`` ... ``prestige``) or a ``Tier``."""
        tier = resolve_tier(tier)
        return cls(
            read_rate=tier.read_rate,
            write_rate=tier.write_rate,
            read_capacity=tier.read_capacity,
            write_capacity=tier.write_capacity,
            name=tier.name,
            balance_per_second=tier.balance_per_second,
            **kwargs,
        )

    # --- what a request costs -----------------------------------------------------------------------
    def cost_of(self, method: str, path: str, body: Any = None) -> tuple[str, float]:
        """``(bucket, tokens)`` for one request; a batch is billed per item.

        Raises :class:`BatchTooLargeError` for a batch that no full bucket could pay for.
        """
        method, path = method.upper(), _relative(path)
        kind = bucket_of(method, path)
        cost = self._cost_of_route(method, path)
        if path.rstrip("/") == BATCH_PATH and method in ("POST", "DELETE"):
            items = body.get("orders") if isinstance(body, Mapping) else None
            n = len(items) if isinstance(items, list) else 1
            self.check_batch("create" if method == "POST" else "cancel", n)
            cost *= max(1, n)
        return kind, cost

    def _cost_of_route(self, method: str, path: str) -> float:
        table = self._costs.table
        exact = table.get((method, path.rstrip("/") or "/"))
        if exact is not None:  # a literal route wins over a template ("batched" is not an order id)
            return exact
        for (m, template), value in reversed(table.items()):  # learned entries, added last, first
            if m == method and "{" in template and _template_match(template, path):
                return value
        return self._costs.default

    def max_batch_size(self, kind: str = "create") -> int:
        """The most orders one batch may hold: a full write bucket must pay for it (``capacity // item cost``).

        ``kind``: ``"create"`` (``POST .../batched``) or ``"cancel"`` (``DELETE .../batched``).
        """
        if kind not in _BATCH_KINDS:
            raise ValueError(f"kind must be 'create' or 'cancel', got {kind!r}")
        item = self._costs.table.get(_BATCH_KINDS[kind], self._costs.default)
        return max(1, int(self.write.capacity // item)) if item > 0 else 10_000

    def check_batch(self, kind: str, n: int) -> None:
        """Raise :class:`BatchTooLargeError` (before anything is sent) when ``n`` items exceed the batch size."""
        most = self.max_batch_size(kind)
        if n > most:
            verb = "create" if kind == "create" else "cancel"
            raise BatchTooLargeError(
                f"a batch {verb} of {n} orders is larger than the {self.name} tier allows ({most}: the write "
                f"bucket holds {self.write.capacity:g} tokens); split it into batches of at most {most}. "
                "Nothing was sent"
            )

    # --- spending -------------------------------------------------------------------------------------
    def acquire(self, kind: str, cost: float | None = None) -> float:
        """Wait for the tokens of one request of ``kind`` (``"read"``, ``"write"`` or ``"balance"``)."""
        if kind not in ("read", "write", "balance"):
            raise ValueError(f"kind must be 'read', 'write' or 'balance', got {kind!r}")
        bucket: TokenBucket = getattr(self, kind)
        return bucket.acquire(self.cost if cost is None else cost)

    def acquire_request(self, method: str, path: str, body: Any = None) -> float:
        """Wait for the tokens of this request (:meth:`cost_of`); return the seconds waited."""
        kind, cost = self.cost_of(method, path, body)
        return self.acquire(kind, cost)

    # --- learning the account's limits ------------------------------------------------------------------
    def apply_limits(self, limits: Mapping[str, Any]) -> None:
        """Adopt ``GET /account/limits``: ``{"usage_tier", "read": {refill_rate, bucket_capacity}, "write": ...}``.

        Example:
            >>> rl = RateLimiter.for_tier("basic")
            >>> rl.apply_limits({"usage_tier": "advanced", "read": {"refill_rate": 300, "bucket_capacity": 600},
            ...                  "write": {"refill_rate": 300, "bucket_capacity": 600}, "grants": []})
            >>> rl.name, rl.max_batch_size("create")
            ('advanced', 60)
        """
        for kind in ("read", "write"):
            spec = limits.get(kind)
            if not isinstance(spec, Mapping):
                raise ValueError(f"account limits lack a {kind!r} bucket: {dict(limits)!r}")
            rate, capacity = float(spec["refill_rate"]), float(spec["bucket_capacity"])
            getattr(self, kind).resize(rate, capacity)
        self.name = str(limits.get("usage_tier") or self.name).lower()
        per_second = TIERS[self.name].balance_per_second if self.name in TIERS else 5
        self.balance.resize(per_second * DEFAULT_COST, per_second * DEFAULT_COST)

    def apply_costs(self, costs: Mapping[str, Any]) -> None:
        """Adopt ``GET /account/endpoint_costs``: ``{"default_cost", "endpoint_costs": [{method, path, cost}]}``.

            Costs listed for the two batch routes are read as per item (Kalshi bills batch items individually).
        ``GET /portfolio/balance`` keeps its own bucket whatever its listed cost.
            Routes not listed keep the client's own figures.
        """
        default = costs.get("default_cost")
        if isinstance(default, int | float) and not isinstance(default, bool) and default > 0:
            self._costs.default = self.cost = float(default)
        for entry in costs.get("endpoint_costs") or []:
            try:
                method, path, cost = (
                    str(entry["method"]).upper(),
                    _relative(str(entry["path"])),
                    entry["cost"],
                )
            except (KeyError, TypeError):
                continue
            if isinstance(cost, int | float) and not isinstance(cost, bool) and cost >= 0:
                self._costs.table[(method, path.rstrip("/") or "/")] = float(cost)

    def __repr__(self) -> str:
        return (
            f"<RateLimiter {self.name} read {self.read.rate:g}/s cap {self.read.capacity:g} "
            f"write {self.write.rate:g}/s cap {self.write.capacity:g}>"
        )


def resolve_tier(tier: str | Tier) -> Tier:
    """A ``Tier`` from its name (any case) or itself.

    Example:
        >>> resolve_tier("Premier").write_rate
        1000
    """
    if isinstance(tier, Tier):
        return tier
    try:
        return TIERS[str(tier).lower()]
    except KeyError:
        raise ValueError(f"unknown rate-limit tier {tier!r}; choose one of {', '.join(TIERS)}") from None


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
