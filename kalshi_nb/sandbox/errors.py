"""Kalshi-shaped errors raised by the sandbox's rules and turned into HTTP answers by the server."""

from __future__ import annotations


class SandboxError(Exception):
    """An error the exchange answers with: an HTTP status plus Kalshi's ``{"error": {...}}`` body.

    Example:
        >>> err = SandboxError(404, "not_found", "market KX-1 does not exist")
        >>> err.status, err.body()["error"]["code"]
        (404, 'not_found')
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: str = "",
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}  # extra response headers (a 405's ``Allow``)

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


def bad_request(message: str, code: str = "invalid_parameters", details: str = "") -> SandboxError:
    return SandboxError(400, code, message, details)


def not_found(message: str, code: str = "not_found") -> SandboxError:
    return SandboxError(404, code, message)


def conflict(message: str, code: str) -> SandboxError:
    return SandboxError(409, code, message)
