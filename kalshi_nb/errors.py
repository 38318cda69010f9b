"""Errors raised by kalshi_nb: one API error carrying the evidence, a subclass per kind of failure.

``KalshiAPIError`` subclasses ``requests.HTTPError``, so code written as
``except requests.HTTPError as e: e.response.status_code`` keeps working. Every error kalshi_nb raises on
its own also derives from ``KalshiError``. No error message ever contains a key, a signature or a key path.

Example:
    >>> try:
    ...     client.get_market("NOPE")
    ... except NotFoundError as e:
    ...     e.status, e.code
    (404, 'not_found')
"""

from __future__ import annotations

import json
from typing import Any

import requests


class KalshiError(Exception):
    """Base of every error kalshi_nb raises itself."""


class PrivateKeyError(KalshiError, ValueError):
    """The private key could not be loaded; the message says what to do. It never shows the key or path."""


class ReadOnlyError(KalshiError, PermissionError):
    """A portfolio or order call on a read-only client; raised before anything is sent."""


class PaginationError(KalshiError, RuntimeError):
    """The server answered a cursor it had already given (it would loop forever)."""


class OrderStateUnknownError(KalshiError, RuntimeError):
    """A create-order request failed ambiguously and its fate could not be established in time.

    The order may or may not exist. It was **not** re-sent. Look it up by ``client_order_id``
    (``client.get_orders(ticker=...)``) before trying again.
    """

    def __init__(self, message: str, *, client_order_id: str, ticker: str) -> None:
        super().__init__(message)
        self.client_order_id = client_order_id
        self.ticker = ticker


class OrderRefusedError(KalshiError, PermissionError):
    """An order was refused before anything was sent; the message says why and what to do."""


class LiveTradingDisabledError(OrderRefusedError):
    """A production order without ``enable_live_trading()`` for this client or session."""


class SpendCapError(OrderRefusedError):
    """The order could cost more than the per-order spend cap."""


class StalePreviewError(OrderRefusedError):
    """The preview is older than ``PREVIEW_MAX_AGE``; preview again (the book has likely moved)."""


class MarketNotOpenError(KalshiError, ValueError):
    """The market does not trade now (not yet open, closed or settled)."""


class TradingPausedError(KalshiError):
    """Kalshi's weekly trading pause (Thursday 03:00-05:00 ET): no new order or amend; cancels still work.

    Raised before anything is sent when the client's clock is inside the pause (production and demo; a
    sandbox follows its own clock and answers for itself), and as :class:`TradingPausedAPIError` when the
    exchange refuses an order because trading is paused. ``start`` and ``resumes_at`` are UTC datetimes
    (None when unknown); the message says when trading resumes, in ET and UTC.
    """

    def __init__(self, message: str, *, start: Any = None, resumes_at: Any = None) -> None:
        super().__init__(message)
        self.start = start
        self.resumes_at = resumes_at


class DuplicateClientOrderIdError(KalshiError, ValueError):
    """A ``client_order_id`` already names a different order (in the journal or on the exchange)."""


class SandboxNotRunningError(KalshiError, requests.ConnectionError):
    """Nothing listens at the loopback URL the client points at: the sandbox was not started (or stopped)."""


class KalshiAPIError(KalshiError, requests.HTTPError):
    """The exchange refused a request (or answered a 2xx carrying an ``error``).

    Attributes: ``status`` (HTTP status), ``code``, ``message`` and ``details`` (Kalshi's error body),
    ``method`` and ``path`` (no query string), ``body`` (the parsed body or a text excerpt), ``hint``, and
    ``response``/``request`` as on any ``requests.HTTPError``.
    """

    def __init__(
        self,
        *,
        status: int,
        code: str | None = None,
        message: str | None = None,
        details: str | None = None,
        method: str = "",
        path: str = "",
        body: Any = None,
        hint: str | None = None,
        response: requests.Response | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.method = method
        self.path = path
        self.body = body
        self.hint = hint
        super().__init__(self._text(), response=response)

    def _text(self) -> str:
        head = f"{self.status}"
        if self.code:
            head += f" {self.code}"
        text = f"{head}: {self.message or 'no error message'}"
        if self.details:
            text += f" ({self.details})"
        if self.method or self.path:
            text += f" [{self.method} {self.path}]"
        if self.hint:
            text += f"\nHint: {self.hint}"
        return text

    def __str__(self) -> str:
        return self._text()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status}, code={self.code!r}, "
            f"method={self.method!r}, path={self.path!r})"
        )


class TradingPausedAPIError(TradingPausedError, KalshiAPIError):
    """The exchange refused a place or amend because trading is paused (``except TradingPausedError`` catches it).

    It is a ``KalshiAPIError`` too (``status``, ``code``, ``response``): the order was looked at and refused,
    so none exists.
    """

    def __init__(self, *, start: Any = None, resumes_at: Any = None, **fields: Any) -> None:
        KalshiAPIError.__init__(self, **fields)
        self.start = start
        self.resumes_at = resumes_at


class BadRequestError(KalshiAPIError):
    """HTTP 400: the request itself is wrong (parameters, body, price off the grid, ...)."""


class AuthenticationError(KalshiAPIError):
    """HTTP 401 or 403: the signature, key id, clock or environment is wrong, or access is denied."""


class NotFoundError(KalshiAPIError):
    """HTTP 404: no such market, event, order, ... (or a retired endpoint)."""


class ConflictError(KalshiAPIError):
    """HTTP 409: e.g. a duplicate ``client_order_id``, a post-only order that would cross, FOK not filled."""


class RateLimitError(KalshiAPIError):
    """HTTP 429: too many requests (Kalshi sends no ``Retry-After``)."""


class ServerError(KalshiAPIError):
    """HTTP 5xx: the exchange failed; reads are retried before this is raised."""


_BY_STATUS: dict[int, type[KalshiAPIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: AuthenticationError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


def error_class(status: int) -> type[KalshiAPIError]:
    """The error class for an HTTP status.

    Example:
        >>> error_class(503).__name__
        'ServerError'
    """
    if 500 <= status <= 599:
        return ServerError
    return _BY_STATUS.get(status, KalshiAPIError)


def parse_error_body(body: Any) -> tuple[str | None, str | None, str | None]:
    """``(code, message, details)`` from any of the error shapes Kalshi uses.

    ``{"error": {"code", "message", "details"}}`` (most errors), ``{"error": "too many requests"}`` (429),
    and a flat ``{"code", "message"}`` (seen in third-party reports).

    Example:
        >>> parse_error_body({"error": "too many requests"})
        (None, 'too many requests', None)
    """
    if not isinstance(body, dict):
        return None, None, None
    inner = body.get("error", body)
    if isinstance(inner, str):
        return None, inner, None
    if not isinstance(inner, dict):
        return None, None, None

    def text(key: str) -> str | None:
        value = inner.get(key)
        if value is None or value == "":
            return None
        return value if isinstance(value, str) else json.dumps(value)

    return text("code"), text("message") or text("msg"), text("details")


def api_error(
    response: requests.Response,
    *,
    method: str,
    path: str,
    body: Any = None,
    hint: str | None = None,
) -> KalshiAPIError:
    """Build the error for a response (a 4xx/5xx, or a 2xx whose body carries ``error``).

    ``body`` is the already-parsed JSON if there is one; otherwise a short text excerpt is kept.

    Example:
        >>> err = api_error(response, method="GET", path="/trade-api/v2/markets/X")  # doctest: +SKIP
    """
    if body is None:
        body = (response.text or "")[:500]
    code, message, details = parse_error_body(body)
    if message is None and isinstance(body, str) and body:
        message = body[:200]
    cls = error_class(response.status_code)
    return cls(
        status=response.status_code,
        code=code,
        message=message or response.reason,
        details=details,
        method=method,
        path=path,
        body=body,
        hint=hint,
        response=response,
    )
