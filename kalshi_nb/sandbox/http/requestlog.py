"""The request log: one record per API request, bounded in count and bytes."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from ..limits import (
    MAX_LOG_BODY_BYTES,
    MAX_LOG_BYTES,
    MAX_LOG_TEXT,
    parse_json,
)
from .wire import dumps


@dataclass(frozen=True)
class RequestRecord:
    """One API request as the sandbox saw it. ``status`` is None when the connection was dropped;
    ``key_id`` is the ``KALSHI-ACCESS-KEY`` header as sent (verified or not); ``duration`` is the
    server's handling time in seconds, injected latency included."""

    method: str
    path: str
    query: dict[str, str | list[str]]
    status: int | None
    key_id: str | None
    body: Any
    fault: str | None
    duration: float
    time: float

    def to_json(self) -> dict:
        return asdict(self)


class RequestLog:
    """A thread-safe list of ``RequestRecord``, bounded in count (``maxlen``) and in approximate bytes
    (``max_bytes``, 8 MiB by default): the oldest records are dropped first. Bodies over 4 KiB are kept as a
    truncated string, and a request that failed authentication keeps no body or query at all.

    Example:
        >>> [r.path for r in sb.requests if r.status == 401]   # doctest: +SKIP
        >>> sb.requests.clear()                                 # doctest: +SKIP
    """

    def __init__(self, maxlen: int = 100_000, max_bytes: int = MAX_LOG_BYTES) -> None:
        self._items: deque[tuple[RequestRecord, int]] = deque()
        self._maxlen = maxlen
        self._max_bytes = max_bytes
        self._bytes = 0
        self._lock = threading.Lock()
        self._here = threading.local()

    @property
    def bytes(self) -> int:
        """The approximate size of what is kept (serialised JSON of the records)."""
        return self._bytes

    def append(self, record: RequestRecord) -> None:
        self._here.record = record
        size = _record_size(record)
        with self._lock:
            self._items.append((record, size))
            self._bytes += size
            while self._items and (len(self._items) > self._maxlen or self._bytes > self._max_bytes):
                _, dropped = self._items.popleft()
                self._bytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def snapshot(self) -> list[RequestRecord]:
        with self._lock:
            return [r for r, _ in self._items]

    def last(self) -> RequestRecord:
        with self._lock:
            return self._items[-1][0]

    def last_here(self) -> RequestRecord | None:
        """The record the calling thread appended last, or None: a server thread's own request, whatever
        other threads logged since (a WSGI middleware reads it to know whether its answer was a fault).

        Example:
            >>> log = RequestLog()
            >>> log.append(RequestRecord("GET", "/x", {}, 200, None, None, "malformed_after", 0.0, 0.0))
            >>> log.last_here().fault
            'malformed_after'
        """
        return getattr(self._here, "record", None)

    def __iter__(self) -> Iterator[RequestRecord]:
        return iter(self.snapshot())

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: int) -> RequestRecord:
        return self.snapshot()[index]

    def __repr__(self) -> str:
        return f"<RequestLog {len(self._items)} requests>"


def _record_size(record: RequestRecord) -> int:
    body = record.body
    if body is None:
        body_size = 0
    elif isinstance(body, str):
        body_size = len(body)
    else:
        body_size = len(dumps(body))  # at most MAX_LOG_BODY_BYTES of JSON, parsed: about the same again
    query = sum(
        len(k) + (len(v) if isinstance(v, str) else sum(len(x) for x in v)) for k, v in record.query.items()
    )
    return 200 + len(record.path) + len(record.key_id or "") + query + body_size


def _loggable(raw: bytes) -> object:
    """A body as the log keeps it: parsed JSON up to ``MAX_LOG_BODY_BYTES``, else a truncated string."""
    if not raw:
        return None
    if len(raw) > MAX_LOG_BODY_BYTES:
        return raw[:MAX_LOG_BODY_BYTES].decode("utf-8", "replace") + f"...[truncated, {len(raw)} bytes]"
    try:
        return parse_json(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def _clip(text: str | None) -> str | None:
    if text is None or len(text) <= MAX_LOG_TEXT:
        return text
    return text[:MAX_LOG_TEXT] + f"...[truncated, {len(text)} chars]"
