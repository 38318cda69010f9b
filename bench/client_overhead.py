"""What the client costs: import time, signing time per request, connections opened per 100 requests.

Prints the figures (nothing is asserted). Targets from issue 3: ``import kalshi_nb`` under 150 ms (median
of fresh interpreters), signing under 1 ms per request, and keep-alive (one connection for 100 requests).

Run: ``.venv/bin/python bench/client_overhead.py``
"""

from __future__ import annotations

import logging
import statistics
import subprocess
import sys
import time

IMPORT_RUNS = 15
SIGN_RUNS = 2000
REQUESTS = 100


def import_times() -> tuple[float, float]:
    """Median wall time of ``python -c "import kalshi_nb"`` and of a bare ``python -c pass`` (ms)."""

    def median_of(code: str) -> float:
        samples = []
        for _ in range(IMPORT_RUNS):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            samples.append((time.perf_counter() - t0) * 1000)
        return statistics.median(samples)

    return median_of("import kalshi_nb"), median_of("pass")


def heavy_modules_at_import() -> list[str]:
    code = (
        "import sys, kalshi_nb; print(' '.join(m for m in ('pandas', 'matplotlib', 'ipywidgets', 'requests',"
        " 'cryptography') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return out.stdout.split()


def signing_cost() -> dict[str, float]:
    """Microseconds per signature for RSA-2048 and Ed25519 (the auth object's whole header build)."""
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    from kalshi_nb.auth import KalshiAuth

    out = {}
    for name, key in (
        ("rsa-2048", rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        ("ed25519", ed25519.Ed25519PrivateKey.generate()),
    ):
        auth = KalshiAuth("bench-key-id", key)
        auth.headers("GET", "/trade-api/v2/portfolio/balance")  # warm up
        t0 = time.perf_counter()
        for _ in range(SIGN_RUNS):
            auth.headers("GET", "/trade-api/v2/portfolio/balance")
        out[name] = (time.perf_counter() - t0) / SIGN_RUNS * 1e6
    return out


class _CountConnections(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.opened = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "Starting new HTTP" in record.getMessage():
            self.opened += 1


def connections_per_100() -> tuple[int, float, float]:
    """Connections opened for 100 signed requests against the sandbox, and ms per request (client, server)."""
    from kalshi_nb.client import KalshiClient
    from kalshi_nb.sandbox import Sandbox

    counter = _CountConnections()
    pool_log = logging.getLogger("urllib3.connectionpool")
    pool_log.addHandler(counter)
    pool_log.setLevel(logging.DEBUG)
    try:
        with Sandbox(seed=0, rate_limit=None) as sb:
            client = KalshiClient(
                key_id=sb.key_id, private_key_path=sb.private_key_path, api_base=sb.url, rate_limit=None
            )
            client.get_balance()  # warm up (first connection, lazy imports)
            counter.opened = 0
            busy0 = sb.app.wire_seconds
            t0 = time.perf_counter()
            for _ in range(REQUESTS):
                client.get_balance()
            per_request = (time.perf_counter() - t0) / REQUESTS * 1000
            server = (sb.app.wire_seconds - busy0) / REQUESTS * 1000
            # a fresh client: its first connection counts too
            fresh = KalshiClient(
                key_id=sb.key_id, private_key_path=sb.private_key_path, api_base=sb.url, rate_limit=None
            )
            counter.opened = 0
            for _ in range(REQUESTS):
                fresh.get_balance()
            opened = counter.opened
    finally:
        pool_log.removeHandler(counter)
    return opened, per_request, server


def main() -> None:
    with_pkg, bare = import_times()
    print(
        f"import kalshi_nb: median {with_pkg:.1f} ms per fresh interpreter ({bare:.1f} ms of it is "
        f"Python's own start-up; kalshi_nb adds {with_pkg - bare:.1f} ms); target < 150 ms"
    )
    heavy = heavy_modules_at_import()
    print(f"heavy modules loaded by 'import kalshi_nb': {', '.join(heavy) if heavy else 'none'}")
    for name, micros in signing_cost().items():
        print(f"signing ({name}): {micros:.0f} us per request ({micros / 1000:.3f} ms); target < 1 ms")
    opened, per_request, server = connections_per_100()
    print(f"connections opened per {REQUESTS} signed requests (fresh client, sandbox): {opened}")
    print(
        f"signed GET /portfolio/balance round trip: {per_request:.2f} ms per request "
        f"(sandbox handler {server:.2f} ms of it)"
    )


if __name__ == "__main__":
    main()
