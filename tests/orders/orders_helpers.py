"""Helpers shared by the order logic tests (a unique module name: tests/ has no packages)."""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from kalshi_nb.client import KalshiClient, RetryPolicy

ORDERS_PATH = "/trade-api/v2/portfolio/events/orders"


def new_account_client(sb: object, folder: Path, retry: RetryPolicy) -> KalshiClient:
    """Register a fresh key (a new account with the starting balance) and return a client for it."""
    key = ed25519.Ed25519PrivateKey.generate()
    path = folder / f"maker-{uuid.uuid4().hex[:8]}.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    os.chmod(path, 0o600)
    key_id = str(uuid.uuid4())
    sb.register_key(
        key_id,
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    )
    return KalshiClient(
        key_id=key_id, private_key_path=str(path), api_base=sb.url, rate_limit=None, retry=retry, timeout=5.0
    )


def writes(sb: object) -> list:
    """Every request that could change state (anything but GET)."""
    return [r for r in sb.requests if r.method != "GET"]


def creates(sb: object) -> list:
    return [r for r in sb.requests if r.method == "POST" and r.path == ORDERS_PATH]


def my_orders(sb: object, client_order_id: str | None = None) -> list[dict]:
    """The account's orders as the exchange holds them (read from its state, not through the client)."""
    return [
        o
        for o in sb.exchange.orders(sb.user_id)
        if client_order_id is None or o.get("client_order_id") == client_order_id
    ]


def balance_cents(sb: object) -> int:
    return int(sb.exchange.balance(sb.user_id)["balance"])


def balance_dollars(sb: object) -> Decimal:
    """The balance to $0.0001 (``balance`` is floored to whole cents)."""
    return Decimal(sb.exchange.balance(sb.user_id)["balance_dollars"])


def series_of(sb: object, market: dict) -> dict:
    event, _ = sb.exchange.event(market["event_ticker"])
    return sb.exchange.series(event["series_ticker"])


def open_market(
    sb: object,
    *,
    fee_type: str = "quadratic",
    structure: str | None = "linear_cent",
    bid_below: str | None = None,
    ask_above: str | None = None,
    min_bid: str = "0.02",
    max_ask: str = "0.98",
) -> dict:
    """An open, non-combo market with the given properties, read from the exchange's own state.

    ``bid_below``/``ask_above`` ask for a best YES bid strictly below / ask strictly above those prices
    (room for the test's own orders inside the spread); ``min_bid``/``max_ask`` keep 1-cent and
    99-cent orders resting. Markets closing within the hour are skipped, so none closes mid-test.
    """
    later = sb.exchange.now() + timedelta(hours=1)
    for m in sb.exchange.markets(status="open"):
        if m["ticker"].startswith("KXMVE") or _time(m["close_time"]) < later:
            continue
        if structure is not None and m.get("price_level_structure") != structure:
            continue
        if series_of(sb, m)["fee_type"] != fee_type:
            continue
        bid, ask = Decimal(m["yes_bid_dollars"]), Decimal(m["yes_ask_dollars"])
        if bid < Decimal(min_bid) or ask > Decimal(max_ask):
            continue
        if bid_below is not None and not bid < Decimal(bid_below):
            continue
        if ask_above is not None and not ask > Decimal(ask_above):
            continue
        return m
    raise LookupError(
        f"no open market with fee_type={fee_type} structure={structure} "
        f"bid<{bid_below} ask>{ask_above} in the sandbox data"
    )


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def market_with_status(sb: object, status: str) -> dict:
    for m in sb.exchange.markets():
        if m["status"] == status and not m["ticker"].startswith("KXMVE"):
            return m
    raise LookupError(f"no {status} market in the sandbox data")
