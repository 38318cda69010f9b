"""Errors as the ticket shows them: one plain sentence saying what to do, no class names, no tracebacks.

The full error (its class, status, path and hint) goes to the ``kalshi_nb.ticket`` logger at DEBUG; the
form shows ``sentence(exc)`` once, in its status line.

Example:
    >>> from kalshi_nb import errors
    >>> sentence(errors.NotFoundError(status=404, code="not_found", message="market not found",
    ...                               method="GET", path="/trade-api/v2/markets/NOPE"), "reading the market")
    'Nothing was found while reading the market (market not found): check the ticker or id.'
    >>> sentence(ValueError("contracts must be positive, got '0'"))
    "Contracts must be positive, got '0'."
"""

from __future__ import annotations

import re

import requests

from .. import errors

__all__ = ["sentence"]

_CLASS_PREFIX = re.compile(r"^[A-Z][A-Za-z]*(Error|Exception)\s*:\s*")
_REFUSING = re.compile(r"^(refusing( a real \w+)?:?\s*)", re.IGNORECASE)


def _one_sentence(text: str) -> str:
    """First line, no class-name prefix, no "refusing:" lead-in, capitalised, one final full stop."""
    first = (text or "").strip().splitlines()[0].strip() if (text or "").strip() else ""
    first = _CLASS_PREFIX.sub("", first)
    first = _REFUSING.sub("", first).strip()
    first = first.replace("; nothing was sent", "").replace(". Nothing was sent", "")
    if not first:
        return "Something went wrong; nothing was sent. Try again."
    first = first[0].upper() + first[1:]
    return first if first.endswith((".", "?", "!")) else first + "."


def _api(exc: errors.KalshiAPIError, doing: str) -> str:
    what = f" while {doing}" if doing else ""
    detail = (
        f" ({exc.message})" if exc.message and exc.message not in ("Not Found", "no error message") else ""
    )
    if isinstance(exc, errors.NotFoundError):
        return f"Nothing was found{what}{detail}: check the ticker or id."
    if isinstance(exc, errors.AuthenticationError):
        return (
            f"The exchange refused the key{what} ({exc.status}): check the key id, the private key file and "
            "this computer's clock."
        )
    if isinstance(exc, errors.RateLimitError):
        return f"Too many requests{what}: wait a few seconds, then try again."
    if isinstance(exc, errors.ServerError):
        return f"The exchange failed{what} (server error {exc.status}): try again in a moment."
    if exc.code == "trading_paused" or "paused" in (exc.message or "").lower():
        return f"The exchange refused{what}: trading is paused ({exc.message}). Try again when it resumes."
    reason = exc.message or exc.code or f"status {exc.status}"
    return f"The exchange refused{what}: {reason.rstrip('.')}. Check the order and preview again."


def sentence(exc: BaseException, doing: str = "") -> str:
    """One sentence for ``exc`` (``doing``: what the form was doing, e.g. "placing the order").

    Example:
        >>> from kalshi_nb import errors
        >>> sentence(errors.StalePreviewError("refusing: this preview is 301 s old ..."))
        'The preview is too old and the book has likely moved: click Preview again. Nothing was sent.'
    """
    paused = getattr(errors, "TradingPausedError", None)  # kalshi_nb.errors gains it with the pause rules
    if paused is not None and isinstance(exc, paused):
        return _one_sentence(str(exc))
    if isinstance(exc, errors.StalePreviewError):
        return "The preview is too old and the book has likely moved: click Preview again. Nothing was sent."
    if isinstance(exc, errors.LiveTradingDisabledError):
        return (
            "Live trading is not enabled for this client: run kalshi_nb.enable_live_trading(client) in a cell "
            "if you mean to trade real money. Nothing was sent."
        )
    if isinstance(exc, errors.SpendCapError):
        return _one_sentence(str(exc)).rstrip(".") + ". Nothing was sent."
    if isinstance(exc, errors.OrderStateUnknownError):
        return (
            "The connection failed while the order was being sent, so it may or may not exist: check the "
            "orders panel (Refresh) before placing again; nothing was re-sent."
        )
    if isinstance(exc, errors.SandboxNotRunningError):
        return "The sandbox is not running: start it with kalshi_nb.connect('sandbox') and try again."
    if isinstance(exc, errors.ReadOnlyError):
        return "This client has no key, so it can only read: connect with a key to trade."
    if isinstance(exc, errors.KalshiAPIError):
        return _api(exc, doing)
    if isinstance(exc, requests.Timeout):
        return f"The exchange did not answer in time{' while ' + doing if doing else ''}: try again."
    if isinstance(exc, requests.ConnectionError):
        return f"Could not reach the exchange{' while ' + doing if doing else ''}: check the connection."
    return _one_sentence(str(exc))
