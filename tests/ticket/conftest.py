"""Fixtures for the order ticket's widget tests: the sandbox at a fixed anchor (real HTTP on 127.0.0.1), a
fresh order session, and tickets on the test client that follow the exchange's clock (market close, the
weekly pause) and tick only when a test asks them to."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from anchored import anchored_sandbox, anchored_sb, fresh_order_session  # noqa: F401  (fixtures)

from kalshi_nb.client import KalshiClient


class FakeClock:
    """A monotonic clock a test moves by hand (``clock.advance(301)``)."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_ticket(client: KalshiClient, sb: object, clock: FakeClock) -> Iterator[Callable[..., object]]:
    """Order tickets on the test client; no kernel, no frontend: ``Button.click()`` runs the handlers.

    They use the test's ``clock`` and the exchange's ``now``, and have no background thread unless a test
    passes ``tick_interval``.
    """
    from kalshi_nb.widgets import OrderTicket

    made: list[OrderTicket] = []

    def make(**kwargs: object) -> OrderTicket:
        kwargs.setdefault("client", client)
        kwargs.setdefault("clock", clock)
        kwargs.setdefault("now", sb.exchange.now)
        kwargs.setdefault("tick_interval", None)
        ticket = OrderTicket(**kwargs)
        made.append(ticket)
        return ticket

    yield make
    for ticket in made:
        ticket.close()
