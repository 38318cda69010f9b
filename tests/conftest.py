"""Fixtures shared by the test directories that drive a ``KalshiClient`` against a sandbox over real HTTP.

A directory provides the session-scoped ``sandbox`` (its seed, data anchor and clock) and may override
``retry_policy``; ``sb``, ``make_client`` and ``client`` are the same everywhere. ``tests/sandbox`` has its
own module-scoped ``sb``, which takes precedence there.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator

import pytest

from kalshi_nb.client import KalshiClient, RetryPolicy


def pytest_configure(config: pytest.Config) -> None:
    """Every test (and every sandbox or kernel it starts) keeps kalshi_nb's files in a throwaway folder.

    The order journal and the sandbox identity secrets live in ``KALSHI_NB_DATA_DIR``; the real user data
    folder is never touched.
    """
    folder = tempfile.mkdtemp(prefix="kalshi_nb-tests-")
    config.stash[_DATA_DIR] = (folder, os.environ.get("KALSHI_NB_DATA_DIR"))
    os.environ["KALSHI_NB_DATA_DIR"] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    folder, previous = config.stash.get(_DATA_DIR, (None, None))
    if folder is None:
        return
    if previous is None:
        os.environ.pop("KALSHI_NB_DATA_DIR", None)
    else:
        os.environ["KALSHI_NB_DATA_DIR"] = previous
    shutil.rmtree(folder, ignore_errors=True)


_DATA_DIR = pytest.StashKey[tuple]()


@pytest.fixture(autouse=True)
def money_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with live trading off and the default spend cap (the session's money settings)."""
    import weakref

    from kalshi_nb import safety

    monkeypatch.setattr(safety.settings, "live_session", False)
    monkeypatch.setattr(safety.settings, "live_clients", weakref.WeakSet())
    monkeypatch.setattr(safety.settings, "spend_cap", safety.DEFAULT_SPEND_CAP)
    monkeypatch.delenv("KALSHI_NB_LIVE_TRADING", raising=False)


@pytest.fixture
def retry_policy() -> RetryPolicy:
    """Quick retries, so fault tests don't sleep through real backoff."""
    return RetryPolicy(max_attempts=4, backoff_base=0.01, backoff_max=0.05, total_time=10.0)


@pytest.fixture
def sb(sandbox: object) -> Iterator[object]:
    """The session sandbox, reset to its seed state with no faults and no rate limit, for one test."""
    sandbox.faults.clear()
    sandbox.set_rate_limit(None)
    sandbox.reset()
    yield sandbox
    sandbox.faults.clear()
    sandbox.check()


@pytest.fixture
def make_client(sb: object, retry_policy: RetryPolicy) -> Iterator[Callable[..., KalshiClient]]:
    """Clients for the sandbox's own key (keyword arguments override), closed after the test."""
    made: list[KalshiClient] = []

    def make(**kwargs: object) -> KalshiClient:
        options: dict[str, object] = {"key_id": sb.key_id, "private_key_path": sb.private_key_path,
                                      "api_base": sb.url, "rate_limit": None, "retry": retry_policy,
                                      "timeout": 5.0}
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
