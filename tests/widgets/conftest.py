"""Fixtures for the form tests without a browser: a sandbox, a client for it, a fresh order session, and a
ticket built on them. No kernel, no frontend: ``Button.click()`` runs the handlers directly."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from datetime import datetime, timezone

import pytest

from kalshi_nb import orders
from kalshi_nb.client import KalshiClient, RetryPolicy

FAST_RETRY = RetryPolicy(max_attempts=2, backoff_base=0.01, backoff_max=0.02, total_time=5.0)


# The synthetic data (tickers, quotes, books) is generated relative to the exchange's "now": a fixed
# anchor makes it the same on every day the suite runs. Time then runs at the real pace from it.
ANCHOR = datetime(2026, 11, 25, 13, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="session")
def sandbox() -> Iterator[object]:
    from kalshi_nb.sandbox import Sandbox

    with Sandbox(seed=0, rate_limit=None, now=ANCHOR) as sb:
        yield sb


@pytest.fixture
def sb(sandbox: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    sandbox.faults.clear()
    sandbox.reset()
    # "closing soon" is measured on the exchange's clock, not this computer's (which is past the anchor)
    monkeypatch.setattr(orders, "_utcnow", sandbox.exchange.now)
    yield sandbox
    sandbox.faults.clear()
    sandbox.check()


@pytest.fixture(autouse=True)
def order_session(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(orders, "_attempts", {})
    monkeypatch.setattr(orders, "_placed_recently", [])
    monkeypatch.setattr(orders, "_live_session", False)
    monkeypatch.setattr(orders, "_live_clients", weakref.WeakSet())
    monkeypatch.setattr(orders, "_spend_cap", orders.DEFAULT_SPEND_CAP)


@pytest.fixture
def client(sb: object) -> Iterator[KalshiClient]:
    c = KalshiClient(key_id=sb.key_id, private_key_path=sb.private_key_path, api_base=sb.url, rate_limit=None,
                     retry=FAST_RETRY, timeout=5.0)
    yield c
    c.close()


@pytest.fixture
def make_ticket(client: KalshiClient) -> Iterator[Callable[..., object]]:
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
