"""Opaque pagination cursors bound to the filters they were issued for.

A cursor encodes an offset into the (stable-ordered) filtered list plus a digest of the request's
filter set (the endpoint, the user for portfolio lists, and every filter parameter except ``limit`` and
``cursor``), authenticated with an HMAC under a per-sandbox secret. Decoding checks the HMAC (a tampered
or foreign cursor is a 400) and the digest (a cursor reused with other filters is a 400). Changing
``limit`` between pages is allowed, as live.

Cursors are offset-based: they stay valid while data changes, but rows inserted before the offset (for
example new trades, listed newest first) shift later pages, so a row can be seen twice or skipped across
pages in that case. Live Kalshi's cursor semantics are not documented; clients must not rely on either.

Example:
    >>> codec = CursorCodec(b"secret")
    >>> c = codec.encode(100, "markets|status=open")
    >>> codec.decode(c, "markets|status=open")
    100
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import struct
from collections.abc import Mapping, Sequence
from typing import TypeVar

from .errors import SandboxError

T = TypeVar("T")

_DIGEST = 8  # bytes of the filter digest kept in the cursor
_TAG = 12  # bytes of the HMAC tag
_PAYLOAD = struct.Struct(">Q")


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

    def encode(self, offset: int, scope: str) -> str:
        payload = _PAYLOAD.pack(offset) + _digest(scope)
        tag = hmac.new(self._secret, payload, hashlib.sha256).digest()[:_TAG]
        return base64.urlsafe_b64encode(payload + tag).rstrip(b"=").decode("ascii")

    def decode(self, cursor: str, scope: str) -> int:
        """Return the offset, or raise a 400 ``SandboxError`` for a tampered or mismatched cursor."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != _PAYLOAD.size + _DIGEST + _TAG:
            raise _invalid()
        payload, tag = raw[: -_TAG], raw[-_TAG:]
        expected = hmac.new(self._secret, payload, hashlib.sha256).digest()[:_TAG]
        if not hmac.compare_digest(tag, expected):
            raise _invalid()
        (offset,) = _PAYLOAD.unpack(payload[: _PAYLOAD.size])
        if not hmac.compare_digest(payload[_PAYLOAD.size :], _digest(scope)):
            raise SandboxError(
                400,
                "invalid_cursor",  # code invented; live code UNCONFIRMED
                "the cursor was issued for a request with different filters; "
                "pass the same filters on every page (only limit may change)",
            )
        return offset

    def __repr__(self) -> str:
        return "<CursorCodec>"


def paginate(
    rows: Sequence[T], *, cursor: str | None, limit: int, scope: str, codec: CursorCodec
) -> tuple[Sequence[T], str]:
    """Slice one page; return it with the next cursor (``""`` on the last page).

    Example:
        >>> codec = CursorCodec(b"k"); page, nxt = paginate(list(range(5)), cursor=None, limit=2,
        ...                                                 scope="s", codec=codec)
        >>> list(page), paginate(list(range(5)), cursor=nxt, limit=2, scope="s", codec=codec)[0]
        ([0, 1], [2, 3])
    """
    offset = codec.decode(cursor, scope) if cursor else 0
    end = offset + limit
    page = rows[offset:end]
    return page, (codec.encode(end, scope) if end < len(rows) else "")


def _digest(scope: str) -> bytes:
    return hashlib.sha256(scope.encode("utf-8")).digest()[:_DIGEST]


def _invalid() -> SandboxError:
    return SandboxError(
        400, "invalid_cursor", "the cursor is not valid (tampered, truncated, or from another sandbox)"
    )
