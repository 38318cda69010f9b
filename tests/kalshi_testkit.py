"""What every test directory shares (a unique module name: tests/ has no packages).

The sandbox fixtures (``sandbox``, ``sb``, ``make_client``, ``client``) are in tests/conftest.py.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from kalshi_nb.retry import RetryPolicy

# Quick retries, so fault tests don't sleep through real backoff.
FAST_RETRY = RetryPolicy(max_attempts=4, backoff_base=0.01, backoff_max=0.05, total_time=10.0)

_RSA: list[rsa.RSAPrivateKey] = []
_RSA_LOCK = threading.Lock()


def throwaway_rsa() -> rsa.RSAPrivateKey:
    """One RSA key per test run (generation costs ~50 ms); generated here, never written but to tmp dirs."""
    with _RSA_LOCK:
        if not _RSA:
            _RSA.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
        return _RSA[0]


@contextlib.contextmanager
def still_sandbox(seed: int = 0) -> Iterator[Any]:
    """A sandbox whose clock stands still at the current second, with no rate limit.

    The data is anchored at the real time (so it looks like today's markets), but no market opens, closes
    or settles while a test compares what the exchange holds with what a pull returns.
    """
    from kalshi_nb.sandbox import Sandbox
    from kalshi_nb.sandbox.exchange import Exchange

    now = datetime.now(timezone.utc).replace(microsecond=0)
    with Sandbox(exchange=Exchange(seed=seed, now=now, clock=lambda: now), rate_limit=None) as sb:
        yield sb
