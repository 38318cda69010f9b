"""Fixtures for the DataFrame tests: one sandbox per session (real HTTP on 127.0.0.1), reset for each test.

Nothing of the client or the sandbox is mocked; expected values come from the exchange's own records
(``sb.exchange``), read directly and not through the code under test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timezone

import pytest

from kalshi_nb import defaults
from kalshi_nb.client import KalshiClient, RetryPolicy

FAST_RETRY = RetryPolicy(max_attempts=4, backoff_base=0.005, backoff_max=0.02, total_time=15.0)


@pytest.fixture(scope="session")
def sandbox() -> Iterator[object]:
    """A seed-0 sandbox whose clock stands still at the session's start.

    The data is anchored at the real time (so it looks like today's markets), but no market opens, closes
    or settles while the tests compare what the exchange holds with what a pull returns.
    """
    from kalshi_nb.sandbox import Sandbox
    from kalshi_nb.sandbox.exchange import Exchange

    now = datetime.now(timezone.utc).replace(microsecond=0)
    with Sandbox(exchange=Exchange(seed=0, now=now, clock=lambda: now), rate_limit=None) as sb:
        yield sb


@pytest.fixture
def sb(sandbox: object) -> Iterator[object]:
    """The session sandbox at its seed state, without faults or rate limits, with an empty request log."""
    sandbox.faults.clear()
    sandbox.set_rate_limit(None)
    sandbox.reset()
    yield sandbox
    sandbox.faults.clear()
    sandbox.check()


@pytest.fixture
def make_client(sandbox: object) -> Iterator[Callable[..., KalshiClient]]:
    made: list[KalshiClient] = []

    def make(**kwargs: object) -> KalshiClient:
        options: dict[str, object] = {
            "key_id": sandbox.key_id,
            "private_key_path": sandbox.private_key_path,
            "api_base": sandbox.url,
            "rate_limit": None,
            "retry": FAST_RETRY,
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
def client(sb: object, make_client: Callable[..., KalshiClient]) -> KalshiClient:
    return make_client()


@pytest.fixture
def no_default_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """No default client for the duration of the test (whatever other tests or connect() left behind)."""
    monkeypatch.setattr(defaults, "_default", None)
