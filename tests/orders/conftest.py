"""Fixtures for the order logic tests: a sandbox exchange (real HTTP on 127.0.0.1), a client for the
account the tests trade from, a second account to make markets against it, and a fresh order session."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timezone

import pytest
from orders_helpers import new_account_client

from kalshi_nb import orders
from kalshi_nb.client import KalshiClient, RetryPolicy

# The synthetic data (tickers, quotes, books) is generated relative to the exchange's "now": a fixed
# anchor makes it the same on every day the suite runs. Time then runs at the real pace from it.
ANCHOR = datetime(2026, 11, 25, 13, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="session")
def sandbox() -> Iterator[object]:
    from kalshi_nb.sandbox import Sandbox

    with Sandbox(seed=0, rate_limit=None, now=ANCHOR) as sb:
        yield sb


@pytest.fixture
def sb(sb: object, monkeypatch: pytest.MonkeyPatch) -> object:
    """The shared per-test sandbox (tests/conftest.py), with "closing soon" measured on the exchange's clock,
    not this computer's (which is past the anchor)."""
    monkeypatch.setattr(orders.preview, "_utcnow", sb.exchange.now)
    return sb


@pytest.fixture(autouse=True)
def order_session() -> Iterator[None]:
    """Each test starts a fresh session with nothing placed yet (tests/conftest.py resets the money settings)."""
    orders.placed_orders.clear()
    yield
    orders.placed_orders.clear()


@pytest.fixture
def maker(sb: object, tmp_path, retry_policy: RetryPolicy) -> Iterator[KalshiClient]:
    """A client for a second account, to put known orders on the book for the account under test."""
    client = new_account_client(sb, tmp_path, retry_policy)
    yield client
    client.close()


@pytest.fixture
def make_ticket(client: KalshiClient) -> Iterator[Callable[..., object]]:
    """Order tickets on the test client; no kernel, no frontend: ``Button.click()`` runs the handlers."""
    from kalshi_nb.widgets import OrderTicket

    made: list[OrderTicket] = []

    def make(**kwargs: object) -> OrderTicket:
        kwargs.setdefault("client", client)
        ticket = OrderTicket(**kwargs)
        made.append(ticket)
        return ticket

    yield make
    for ticket in made:
        ticket.close()
