"""The guards every order-creating call passes: the production opt-in and the spend cap.

These are the session's money settings, in one object (``settings``), read by the one writer
(``KalshiClient.submit_order``) whatever called it: ``client.place_order``, ``kn.place_order(preview)``,
the order ticket, batch create or amend.

- **Live trading.** An order on production (anything that is not Kalshi's demo or a sandbox that proved
  itself, see ``kalshi_nb.envcheck``) is refused until ``enable_live_trading()`` is called for the client
  or the session, or ``KALSHI_NB_LIVE_TRADING=true`` is set in the environment.
- **Spend cap.** An order whose *worst case* (limit price x count + the most it can pay in fees,
  ``fees.worst_case_cost``) is above the per-order cap is refused, everywhere (default $100).

Example:
    >>> from decimal import Decimal
    >>> old = set_spend_cap("10")
    >>> check_spend(Decimal("10.52"))
    Traceback (most recent call last):
    ...
    kalshi_nb.errors.SpendCapError: refusing: this order can cost up to $10.52 (limit price x count + the largest possible fee), above the spend cap of $10.00 per order; nothing was sent. Raise it with kalshi_nb.set_spend_cap(...) if you mean it
    >>> _ = set_spend_cap(old)
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from typing import Any

from . import config
from .errors import LiveTradingDisabledError, SpendCapError

log = logging.getLogger(__name__)

DEFAULT_SPEND_CAP = Decimal(100)  # dollars per order, worst case; change with set_spend_cap()
# Environments where an order costs nothing real. Everything else is production.
SAFE_ENVS = ("sandbox", "demo")


class SafetySettings:
    """The session's live-trading opt-ins and spend cap, behind one lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.live_session = False
        self.live_clients: weakref.WeakSet[Any] = weakref.WeakSet()
        self.spend_cap = DEFAULT_SPEND_CAP


settings = SafetySettings()


def enable_live_trading(client: Any = None) -> None:
    """Allow real (production) orders, for one client or for the whole session.

    Without this (or ``KALSHI_NB_LIVE_TRADING=true``), every order on production is refused before it is
    sent. Demo and the local sandbox never need it.

    Example:
        >>> prod = kalshi_nb.KalshiClient.read_only("https://external-api.kalshi.com/trade-api/v2")
        >>> live_trading_enabled(prod)
        False
        >>> enable_live_trading(prod)
        >>> live_trading_enabled(prod)
        True
        >>> disable_live_trading(prod)
    """
    with settings.lock:
        if client is None:
            settings.live_session = True
        else:
            settings.live_clients.add(client)
    log.warning(
        "kalshi_nb: live trading enabled for %s: orders on production use real money",
        "this session" if client is None else repr(client),
    )


def disable_live_trading(client: Any = None) -> None:
    """Undo ``enable_live_trading`` (for that client, or session-wide and for every client when None).

    Example:
        >>> disable_live_trading()
    """
    with settings.lock:
        if client is None:
            settings.live_session = False
            settings.live_clients.clear()
        else:
            settings.live_clients.discard(client)


def _env_opt_in() -> bool:
    return (os.environ.get(config.ENV_LIVE_TRADING) or "").strip().lower() == "true"


def is_production(client: Any) -> bool:
    """True unless the client points at Kalshi's demo or a sandbox that proved it is one.

    Example:
        >>> is_production(kalshi_nb.KalshiClient.read_only("https://external-api.kalshi.com/trade-api/v2"))
        True
    """
    return getattr(client, "env", None) not in SAFE_ENVS


def live_trading_enabled(client: Any) -> bool:
    """True when an order through ``client`` may be sent (always, off production).

    Example:
        >>> live_trading_enabled(kalshi_nb.connect("sandbox"))   # the sandbox is never "live"
        True
    """
    if not is_production(client):
        return True
    if _env_opt_in():
        return True
    with settings.lock:
        return settings.live_session or client in settings.live_clients


def check_live(client: Any, what: str = "order") -> None:
    """Raise ``LiveTradingDisabledError`` for a production ``what`` without the opt-in; nothing is sent."""
    if not live_trading_enabled(client):
        raise LiveTradingDisabledError(
            f"refusing a real {what} on production ({getattr(client, 'api_base', '?')}): live trading is not "
            f"enabled. Call kalshi_nb.enable_live_trading(client) (or set {config.ENV_LIVE_TRADING}=true) first "
            "if you mean it; nothing was sent"
        )


def set_spend_cap(dollars: object) -> Decimal:
    """Set the session's per-order spend cap (worst-case cost plus fees, in dollars); return the old one.

    Example:
        >>> old = set_spend_cap("250")
        >>> _ = set_spend_cap(old)
    """
    cap = to_dollars(dollars, "spend cap")
    if cap < 0:
        raise ValueError(f"the spend cap must be zero or more dollars, got {dollars!r}")
    with settings.lock:
        old, settings.spend_cap = settings.spend_cap, cap
    return old


def spend_cap() -> Decimal:
    """The session's per-order spend cap in dollars.

    Example:
        >>> spend_cap() >= 0
        True
    """
    return settings.spend_cap


def check_spend(worst_case: Decimal, cap: object = None) -> None:
    """Raise ``SpendCapError`` when ``worst_case`` dollars is above ``cap`` (default: the session's)."""
    limit = settings.spend_cap if cap is None else to_dollars(cap, "spend_cap")
    if worst_case > limit:
        raise SpendCapError(
            f"refusing: this order can cost up to {usd(worst_case)} (limit price x count + the largest possible "
            f"fee), above the spend cap of {usd(limit)} per order; nothing was sent. Raise it with "
            "kalshi_nb.set_spend_cap(...) if you mean it"
        )


def to_dollars(value: object, name: str) -> Decimal:
    """A dollar amount from a number or numeric string (numpy scalars included); never a float's binary tail."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be an amount in dollars, got {value!r}")
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()  # numpy / pandas scalar
    try:
        result = Decimal(repr(value) if isinstance(value, float) else str(value).strip().lstrip("$"))
    except (InvalidOperation, ValueError):
        raise ValueError(f"{name} must be an amount in dollars, got {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"{name} must be a finite amount in dollars, got {value!r}")
    return result


def usd(value: Decimal) -> str:
    """Dollars to the cent, rounding up (a cap message never understates an amount)."""
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value).quantize(Decimal('0.01'), rounding=ROUND_CEILING):,.2f}"
