"""Fixtures for the DataFrame tests: one sandbox per session (real HTTP on 127.0.0.1), reset for each test.

Nothing of the client or the sandbox is mocked; expected values come from the exchange's own records
(``sb.exchange``), read directly and not through the code under test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kalshi_testkit import FAST_RETRY, still_sandbox

from kalshi_nb import defaults
from kalshi_nb.retry import RetryPolicy


@pytest.fixture(scope="session")
def sandbox() -> Iterator[object]:
    """A seed-0 sandbox whose clock stands still at the session's start.

    The data is anchored at the real time (so it looks like today's markets), but no market opens, closes
    or settles while the tests compare what the exchange holds with what a pull returns.
    """
    with still_sandbox() as sb:
        yield sb


@pytest.fixture
def retry_policy() -> RetryPolicy:
    return FAST_RETRY


@pytest.fixture
def no_default_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """No default client for the duration of the test (whatever other tests or connect() left behind)."""
    monkeypatch.setattr(defaults, "_default", None)
