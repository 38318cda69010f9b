"""Fixtures for the order logic tests: a sandbox exchange (real HTTP on 127.0.0.1), a client for the
account the tests trade from, a second account to make markets against it, and a fresh order session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from anchored import anchored_sandbox, anchored_sb, fresh_order_session  # noqa: F401  (fixtures)
from orders_helpers import new_account_client

from kalshi_nb.client import KalshiClient, RetryPolicy


@pytest.fixture
def maker(sb: object, tmp_path, retry_policy: RetryPolicy) -> Iterator[KalshiClient]:
    """A client for a second account, to put known orders on the book for the account under test."""
    client = new_account_client(sb, tmp_path, retry_policy)
    yield client
    client.close()
