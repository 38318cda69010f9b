"""How a client retries reads and how long a create-order may take to settle: ``RetryPolicy``.

Example:
    >>> RetryPolicy().max_attempts
    4
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """How reads are retried and how long a create-order may take to settle.

    ``max_attempts`` counts every attempt (1 = no retry). ``total_time`` bounds the whole call, attempts
    and sleeps included. The delay before attempt n+1 is ``min(backoff_max, backoff_base * 2**(n-1))``
    halved plus a random half (equal jitter); a ``Retry-After`` header replaces it when present.
    ``order_attempts`` bounds how often one create-order (same ``client_order_id``) is sent.
    ``in_flight_grace`` is how long, after a create-order timed out, the client keeps looking for the
    order before it concludes the exchange never took it (None: one request timeout).

    Example:
        >>> RetryPolicy(max_attempts=6, total_time=60).delay(1) <= 0.25
        True
    """

    max_attempts: int = 4
    backoff_base: float = 0.25
    backoff_max: float = 4.0
    total_time: float = 30.0
    order_attempts: int = 3
    in_flight_grace: float | None = None

    def delay(self, attempt: int) -> float:
        cap = min(self.backoff_max, self.backoff_base * 2 ** max(attempt - 1, 0))
        return cap / 2 + random.uniform(0, cap / 2)
