"""Opaque keyset cursors bound to the filters they were issued for.

Every list the sandbox pages is sorted by a *row key*: a tuple that is unique within the list and never
changes for a row (a market's place in the generated order, an order's place in the user's history, a
trade's time and sequence number...). A cursor holds the key of the last row returned, so the next page
is "the rows after that key" in the list as it is *now*. Rows added, settled, or changing status between
pages therefore never shift a page: a row present for the whole pull (and matching the filters all
along) is returned exactly once; a row added behind the cursor is simply not seen (it was not there at
the start). Offset cursors skipped a row when an earlier one left the list (a market that closed during a
``status=open`` pull) and repeated one when a row was inserted in front (a new settlement, newest first).

The cursor also carries a digest of the request's filter set (the endpoint, the user for portfolio
lists, every filter except ``limit`` and ``cursor``), and an HMAC under a per-sandbox secret. Decoding
checks the HMAC (a tampered or foreign cursor is a 400) and the digest (a cursor reused with other filters
is a 400). Changing ``limit`` between pages is allowed, as live. Live Kalshi's cursor semantics are not
documented; clients must still de-duplicate by natural key.

Example:
    >>> codec = CursorCodec(b"secret")
    >>> c = codec.encode((100, "A"), "markets|status=open")
    >>> codec.decode(c, "markets|status=open")
    (100, 'A')
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from typing import TypeVar

from .errors import SandboxError

T = TypeVar("T")

_DIGEST = 8  # bytes of the filter digest kept in the cursor
_TAG = 12  # bytes of the HMAC tag
_MAX_KEY = 1024  # bytes of JSON key in a cursor

Key = tuple  # a row key: ints and strings, compared as a tuple


def filter_scope(endpoint: str, filters: Mapping[str, object], *, user_id: str | None = None) -> str:
    """The canonical text a cursor is bound to. ``None`` filters are dropped; lists keep their order.

    Example:
        >>> filter_scope("markets", {"status": "open", "series_ticker": None})
        'markets||{"status":"open"}'
    """
    present = {k: v for k, v in filters.items() if v is not None}
    return f"{endpoint}|{user_id or ''}|{json.dumps(present, sort_keys=True, separators=(',', ':'), default=str)}"


class CursorCodec:
    """Encodes and checks cursors with a secret (random per sandbox unless given)."""

    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret if secret is not None else os.urandom(32)

    def encode(self, key: Key | None, scope: str) -> str:
        """A cursor meaning "the rows after ``key``" (``None``: from the start)."""
        raw_key = json.dumps(None if key is None else list(key), separators=(",", ":")).encode()
        payload = _digest(scope) + raw_key
        tag = hmac.new(self._secret, payload, hashlib.sha256).digest()[:_TAG]
        return base64.urlsafe_b64encode(payload + tag).rstrip(b"=").decode("ascii")

    def decode(self, cursor: str, scope: str) -> Key | None:
        """Return the key, or raise a 400 ``SandboxError`` for a tampered or mismatched cursor."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError):
            raw = b""
        if not _DIGEST + _TAG < len(raw) <= _DIGEST + _TAG + _MAX_KEY:
            raise _invalid()
        payload, tag = raw[:-_TAG], raw[-_TAG:]
        expected = hmac.new(self._secret, payload, hashlib.sha256).digest()[:_TAG]
        if not hmac.compare_digest(tag, expected):
            raise _invalid()
        if not hmac.compare_digest(payload[:_DIGEST], _digest(scope)):
            raise SandboxError(
                400,
                "invalid_cursor",  # code invented; live code UNCONFIRMED
                "the cursor was issued for a request with different filters; "
                "pass the same filters on every page (only limit may change)",
            )
        key = json.loads(payload[_DIGEST:])  # we wrote it: the HMAC vouches for it
        return None if key is None else tuple(key)

    def __repr__(self) -> str:
        return "<CursorCodec>"


def paginate(
    rows: Sequence[T], keys: Sequence[Key], *, cursor: str | None, limit: int, scope: str, codec: CursorCodec
) -> tuple[Sequence[T], str]:
    """Slice one page of ``rows`` (sorted by ``keys``, ascending and unique); return it with the next
    cursor (``""`` on the last page).

    Example:
        >>> codec = CursorCodec(b"k"); rows = list("abcde"); keys = [(i,) for i in range(5)]
        >>> page, nxt = paginate(rows, keys, cursor=None, limit=2, scope="s", codec=codec)
        >>> list(page), list(paginate(rows, keys, cursor=nxt, limit=2, scope="s", codec=codec)[0])
        (['a', 'b'], ['c', 'd'])
    """
    last = codec.decode(cursor, scope) if cursor else None
    start = 0 if last is None else _after(keys, last)
    end = start + limit
    page = rows[start:end]
    return page, (codec.encode(tuple(keys[end - 1]), scope) if end < len(rows) else "")


def _after(keys: Sequence[Key], last: Key) -> int:
    try:
        return bisect_right(keys, last)
    except TypeError:  # a key of another shape (a cursor of an older sandbox build): refuse it
        raise _invalid() from None


def _digest(scope: str) -> bytes:
    return hashlib.sha256(scope.encode("utf-8")).digest()[:_DIGEST]


def _invalid() -> SandboxError:
    return SandboxError(
        400, "invalid_cursor", "the cursor is not valid (tampered, truncated, or from another sandbox)"
    )
