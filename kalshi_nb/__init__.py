"""kalshi_nb: explore and trade the Kalshi prediction market from Jupyter.

Importing the package does no I/O and loads nothing heavy: every public name is imported on first use
(requests and cryptography with the client; pandas, matplotlib and ipywidgets only with the helpers that
need them).

Example:
    >>> import kalshi_nb
    >>> client = kalshi_nb.connect()          # credentials if configured, else the local sandbox
    >>> client.get_market("KXBTC15M-26NOV251245-45")["yes_ask_dollars"]   # doctest: +SKIP
"""

from __future__ import annotations

import importlib

# Not typing.TYPE_CHECKING: importing typing alone would triple the package's import time.
TYPE_CHECKING = False

__version__ = "0.1.0"

# public name -> module that defines it (imported lazily by __getattr__)
_LAZY: dict[str, str] = {
    "connect": "defaults",
    "default_client": "defaults",
    "set_default_client": "defaults",
    "KalshiClient": "client",
    "RetryPolicy": "client",
    "load_private_key": "auth",
    "KalshiAuth": "auth",
    "RateLimiter": "ratelimit",
    "KalshiError": "errors",
    "KalshiAPIError": "errors",
    "BadRequestError": "errors",
    "AuthenticationError": "errors",
    "NotFoundError": "errors",
    "ConflictError": "errors",
    "RateLimitError": "errors",
    "ServerError": "errors",
    "ReadOnlyError": "errors",
    "PrivateKeyError": "errors",
    "PaginationError": "errors",
    "OrderStateUnknownError": "errors",
    "Sandbox": "sandbox",
}

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "KalshiAPIError",
    "KalshiAuth",
    "KalshiClient",
    "KalshiError",
    "NotFoundError",
    "OrderStateUnknownError",
    "PaginationError",
    "PrivateKeyError",
    "RateLimitError",
    "RateLimiter",
    "ReadOnlyError",
    "RetryPolicy",
    "Sandbox",
    "ServerError",
    "__version__",
    "connect",
    "default_client",
    "load_private_key",
    "set_default_client",
]

if TYPE_CHECKING:
    from .auth import KalshiAuth, load_private_key
    from .client import KalshiClient, RetryPolicy
    from .defaults import connect, default_client, set_default_client
    from .errors import (
        AuthenticationError,
        BadRequestError,
        ConflictError,
        KalshiAPIError,
        KalshiError,
        NotFoundError,
        OrderStateUnknownError,
        PaginationError,
        PrivateKeyError,
        RateLimitError,
        ReadOnlyError,
        ServerError,
    )
    from .ratelimit import RateLimiter
    from .sandbox import Sandbox


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kalshi_nb' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
