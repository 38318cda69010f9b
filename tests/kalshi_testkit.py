"""What every test directory shares (a unique module name: tests/ has no packages).

The sandbox fixtures (``sandbox``, ``sb``, ``make_client``, ``client``) are in tests/conftest.py.
"""

from __future__ import annotations

import threading

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
