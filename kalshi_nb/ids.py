"""Identifiers placed in URL paths: checked so that no layer can turn them into another route.

``.`` and ``..`` are normalised away (``DELETE .../orders/.`` becomes the cancel-all route), a slash or
``?`` splits the path, and a sibling route's name (``batched``) calls that route. Every id and ticker the
client puts in a path goes through ``check_id`` first, then is percent-encoded.

Example:
    >>> check_ticker("KXBTC15M-26NOV251245-45")
    'KXBTC15M-26NOV251245-45'
"""

from __future__ import annotations

from .order_v2 import plain

# Ids and tickers go into URL paths: only characters that no layer decodes, normalises or splits on.
_ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:+=~")


# Siblings of /portfolio/orders/{id} and /portfolio/events/orders/{id}: an "id" equal to one of them would
# call that route instead (DELETE .../batched is the batch cancel).
_ROUTE_NAMES = frozenset({"batched", "amend", "decrease", "queue_positions", "queue_position"})


def check_id(value: object, name: str = "id") -> str:
    """An identifier that is safe as one URL path segment, unchanged; else a ``ValueError`` (nothing sent).

    Example:
        >>> check_id("ee7c0a5e-1b2f-4c1d-9d0e-5b8f3f0a9c11")
        'ee7c0a5e-1b2f-4c1d-9d0e-5b8f3f0a9c11'
        >>> check_id("..", "order_id")
        Traceback (most recent call last):
        ...
        ValueError: order_id must be an identifier of letters, digits and - _ . : + = ~ (not only dots), got '..'
    """
    value = plain(value)
    if name == "order_id" and isinstance(value, str) and value.lower() in _ROUTE_NAMES:
        raise ValueError(
            f"order_id {value!r} is the name of another route (e.g. DELETE .../orders/batched cancels "
            "a batch); give the order's id"
        )
    if (
        not isinstance(value, str)
        or not 0 < len(value) <= 200
        or not set(value) <= _ID_CHARS
        or set(value) == {"."}
    ):
        raise ValueError(
            f"{name} must be an identifier of letters, digits and - _ . : + = ~ (not only dots), "
            f"got {value!r}"
        )
    return value


def check_ticker(value: object) -> str:
    """A market, event or series ticker, checked like ``check_id``.

    Example:
        >>> check_ticker("KXBTC15M-26NOV251245-45")
        'KXBTC15M-26NOV251245-45'
    """
    return check_id(value, "ticker")
