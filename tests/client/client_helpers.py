"""Helpers shared by the client tests (a unique module name: tests/ has no packages)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from kalshi_testkit import FAST_RETRY  # noqa: F401  (re-exported for the client tests)

KEY_PASSWORD = "correct horse battery staple"


def public_pem(key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


# --- picking markets by their properties (read from the exchange, not through the client) -----------


def open_markets(sb: object) -> list[dict]:
    return [m for m in sb.exchange.markets(status="open") if not m["ticker"].startswith("KXMVE")]


def pick_market(sb: object, *, structure: str = "linear_cent", min_yes_ask: str = "0.05") -> dict:
    """An open market with the given grid; with a YES ask of at least ``min_yes_ask`` so that a 1-cent bid rests,
    and at least two minutes before its close, so that a test's orders can't straddle the close of a
    15-minute window (CI: a rerun at 19:00:00 picked the next window and so a different order)."""
    soon = datetime.now(timezone.utc) + timedelta(minutes=2)
    for m in open_markets(sb):
        if m.get("price_level_structure") != structure:
            continue
        if datetime.fromisoformat(m["close_time"].replace("Z", "+00:00")) < soon:
            continue
        if Decimal(m["yes_ask_dollars"]) < Decimal(min_yes_ask):
            continue
        return m
    raise LookupError(f"no open {structure} market in the sandbox data")


def orders_with(sb: object, client_order_id: str) -> list[dict]:
    return [o for o in sb.exchange.orders(sb.user_id) if o.get("client_order_id") == client_order_id]
