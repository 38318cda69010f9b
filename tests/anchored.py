"""Fixtures shared by the order tests (tests/orders) and the ticket tests (tests/ticket): the sandbox at a
fixed anchor, "closing soon" on the exchange's clock, and a fresh order session per test.

The synthetic data (tickers, quotes, books) is generated relative to the exchange's "now": a fixed anchor
(a Wednesday, far from the Thursday pause) makes it the same on every day the suite runs; time then runs at
the real pace from it. A conftest imports the fixture functions (pytest finds them by their `name=`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

from kalshi_nb import orders

ANCHOR = datetime(2026, 11, 25, 13, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="session", name="sandbox")
def anchored_sandbox() -> Iterator[object]:
    from kalshi_nb.sandbox import Sandbox

    with Sandbox(seed=0, rate_limit=None, now=ANCHOR) as sb:
        yield sb


@pytest.fixture(name="sb")
def anchored_sb(sb: object, monkeypatch: pytest.MonkeyPatch) -> object:
    """The shared per-test sandbox (tests/conftest.py), with "closing soon" measured on the exchange's clock,
    not this computer's (which is past the anchor)."""
    monkeypatch.setattr(orders.preview, "_utcnow", sb.exchange.now)
    return sb


@pytest.fixture(autouse=True, name="order_session")
def fresh_order_session() -> Iterator[None]:
    """Each test starts with nothing placed from this kernel (tests/conftest.py resets the money settings)."""
    orders.placed_orders.clear()
    yield
    orders.placed_orders.clear()
