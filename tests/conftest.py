"""Fixtures shared by the test directories that drive a ``KalshiClient`` against a sandbox over real HTTP.

A directory provides the session-scoped ``sandbox`` (its seed, data anchor and clock) and may override
``retry_policy``; ``sb``, ``make_client`` and ``client`` are the same everywhere. ``tests/sandbox`` has its
own module-scoped ``sb``, which takes precedence there.

Every answer a sandbox serves in this process is checked against Kalshi's openapi.yaml, and a last test,
``openapi_conformance``, fails with each violation (tests/conformance/capture.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from kalshi_testkit import FAST_RETRY

from kalshi_nb.client import KalshiClient, RetryPolicy


def pytest_configure(config: pytest.Config) -> None:
    """Check every sandbox answer of the run against the spec (off: KALSHI_NB_CONFORMANCE=off)."""
    from conformance.capture import ConformancePlugin

    config.pluginmanager.register(ConformancePlugin(), "kalshi-openapi-conformance")


@pytest.fixture(autouse=True)
def money_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with live trading off and the default spend cap (the session's money settings)."""
    import weakref

    from kalshi_nb import safety

    monkeypatch.setattr(safety.settings, "live_session", False)
    monkeypatch.setattr(safety.settings, "live_clients", weakref.WeakSet())
    monkeypatch.setattr(safety.settings, "spend_cap", safety.DEFAULT_SPEND_CAP)
    monkeypatch.delenv("KALSHI_NB_LIVE_TRADING", raising=False)


@pytest.fixture(autouse=True)
def trading_open(monkeypatch: pytest.MonkeyPatch) -> None:
    """The client's weekly-pause guard reads a Wednesday noon, not the wall clock, so no test depends on
    being run outside Thursday 03:00-05:00 ET; tests of the pause set a client's own ``pause_clock``."""
    from datetime import datetime, timezone

    from kalshi_nb.trading.pause import PauseGuard

    wednesday_noon = datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)
    monkeypatch.setattr(PauseGuard, "pause_clock", staticmethod(lambda: wednesday_noon))


@pytest.fixture(scope="session")
def sandbox() -> Iterator[object]:
    """The session's sandbox (seed 0, no rate limit); a directory overrides it when it needs other data."""
    from kalshi_nb.sandbox import Sandbox

    with Sandbox(seed=0, rate_limit=None) as sb:
        yield sb


@pytest.fixture
def retry_policy() -> RetryPolicy:
    """Quick retries, so fault tests don't sleep through real backoff."""
    return FAST_RETRY


@pytest.fixture
def sb(sandbox: object) -> Iterator[object]:
    """The session sandbox, reset to its seed state with no faults and no rate limit, for one test."""
    sandbox.faults.clear()
    sandbox.set_rate_limit(None)
    sandbox.reset()
    yield sandbox
    sandbox.faults.clear()
    sandbox.wait_idle()  # a request this test gave up on (still sleeping on a latency) lands here
    sandbox.check()


@pytest.fixture
def make_client(sb: object, retry_policy: RetryPolicy) -> Iterator[Callable[..., KalshiClient]]:
    """Clients for the sandbox's own key (keyword arguments override), closed after the test."""
    made: list[KalshiClient] = []

    def make(**kwargs: object) -> KalshiClient:
        options: dict[str, object] = {
            "key_id": sb.key_id,
            "private_key_path": sb.private_key_path,
            "api_base": sb.url,
            "rate_limit": None,
            "retry": retry_policy,
            "timeout": 5.0,
        }
        options.update(kwargs)
        client = KalshiClient(**options)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., KalshiClient]) -> KalshiClient:
    return make_client()
