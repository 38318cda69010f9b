"""Fixtures for the store's tests: one frozen-clock sandbox per session (real HTTP on 127.0.0.1).

Expected frames come from the client's own ``*_df`` functions (the data layer), never from the store.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kalshi_testkit import FAST_RETRY, still_sandbox

from kalshi_nb.retry import RetryPolicy


@pytest.fixture(scope="session")
def sandbox() -> Iterator[object]:
    """A seed-0 sandbox whose clock stands still, so nothing changes between a sync and its reference."""
    with still_sandbox() as sb:
        yield sb


@pytest.fixture
def retry_policy() -> RetryPolicy:
    return FAST_RETRY


@pytest.fixture
def store(tmp_path):
    from kalshi_nb.store import open_store

    return open_store(tmp_path / "store")
