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


@pytest.fixture
def live_client(make_client: Callable[..., KalshiClient], sb: object) -> KalshiClient:
    """The test client that knows the sandbox's WebSocket URL (as ``connect("sandbox")`` sets it)."""
    sb.ws_faults.clear()
    client = make_client()
    client.ws_url = sb.ws_url
    return client


@pytest.fixture
def maker(sb: object, tmp_path: object, make_client: Callable[..., KalshiClient]) -> KalshiClient:
    """A client of a second account (a fresh key, a new account with the starting balance): the other side
    of the ticket's trades (one account cannot trade with itself)."""
    import os
    import uuid
    from pathlib import Path

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = ed25519.Ed25519PrivateKey.generate()
    path = Path(str(tmp_path)) / f"maker-{uuid.uuid4().hex[:8]}.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    os.chmod(path, 0o600)
    key_id = str(uuid.uuid4())
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    sb.register_key(key_id, public)
    return make_client(key_id=key_id, private_key_path=str(path))
