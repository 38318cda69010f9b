"""Fixtures for the bad-input tests: one sandbox per session (real HTTP on 127.0.0.1), reset for each test.

A test here calls a data helper with a bad argument and then reads the sandbox's request log: the point is
not only that the call raises, but that it raises before anything was sent.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kalshi_testkit import still_sandbox

from kalshi_nb.client import RetryPolicy

# No retries worth waiting for: a bad input must fail on the spot, not after a backoff.
QUICK = RetryPolicy(max_attempts=2, backoff_base=0.001, backoff_max=0.005, total_time=5.0)


@pytest.fixture(scope="session")
def sandbox() -> Iterator[object]:
    """A seed-0 sandbox whose clock stands still at the session's start (nothing changes between tests)."""
    with still_sandbox() as sb:
        yield sb


@pytest.fixture
def retry_policy() -> RetryPolicy:
    return QUICK
