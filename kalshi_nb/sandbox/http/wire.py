"""Request parsing and response bytes: typed query parameters, the handler context, JSON encoding, faults applied to a response."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from werkzeug.wrappers import Request

from ..errors import bad_request
from ..faults import FaultDecision
from ..limits import (
    parse_json,
)
from ..sigcheck import KeyEntry
from .routes import _Limit

_DROP = "kalshi_nb.sandbox.drop"


_JSON = "application/json; charset=utf-8"


_TOO_MANY = b'{"error":"too many requests"}'

# Integer query parameters are int64 in openapi.yaml (timestamps, limits, indexes).
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


_V1_DETAILS = "https://docs.kalshi.com/api-reference/orders/create-order-v2"


_ENCODER = json.JSONEncoder(separators=(",", ":"), check_circular=False)  # records hold no cycles

try:  # about twice as fast as the stdlib encoder on market records (bench/sandbox_paging.py)
    import orjson as _orjson
except ImportError:  # pragma: no cover - orjson is a core dependency; the stdlib is the fallback
    _orjson = None  # type: ignore[assignment]


def dumps(obj: object) -> bytes:
    """Compact JSON bytes, as the API sends them.

    orjson when installed (int keys written as strings, as the stdlib does); the stdlib encoder for what
    orjson refuses (integers beyond 64 bits, other types). The two differ only in how non-ASCII text is
    escaped (both valid UTF-8 JSON) and in non-finite floats, which no sandbox record holds.

    Example:
        >>> dumps({"a": [1, "x"], 2: None})
        b'{"a":[1,"x"],"2":null}'
    """
    if _orjson is not None:
        try:
            return _orjson.dumps(obj, option=_orjson.OPT_NON_STR_KEYS)
        except (TypeError, ValueError):
            pass
    return _ENCODER.encode(obj).encode()


_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})


_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})


class _Query:
    """Typed access to query parameters; every failure is a 400 naming the parameter."""

    __slots__ = ("args",)

    def __init__(self, args: Any) -> None:
        self.args = args

    def text(self, name: str, *, single: bool = False) -> str | None:
        value = self.args.get(name)
        if not value:
            return None
        if single and "," in value:
            raise bad_request(f"query parameter '{name}' takes a single value, got {value[:80]!r}")
        return value

    def integer(
        self, name: str, *, low: int | None = None, high: int | None = None, required: bool = False
    ) -> int | None:
        raw = self.args.get(name)
        if not raw:
            if required:
                raise bad_request(f"query parameter '{name}' is required")
            return None
        text = raw.strip()
        digits = text[1:] if text[:1] in "+-" else text
        if not digits.isascii() or not digits.isdigit():
            raise bad_request(f"query parameter '{name}' must be an integer, got {raw[:40]!r}")
        # An int64 has at most 19 digits; checking the length first keeps int() off huge strings.
        significant = digits.lstrip("0") or "0"
        value = (
            int(text[:1] + significant if text[:1] == "-" else significant)
            if len(significant) <= 19
            else None
        )
        if value is None or not INT64_MIN <= value <= INT64_MAX:
            raise bad_request(f"query parameter '{name}' is out of range for int64, got {raw[:40]!r}")
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = (
                f"between {low} and {high}"
                if low is not None and high is not None
                else (f">= {low}" if low is not None else f"<= {high}")
            )
            raise bad_request(f"query parameter '{name}' must be {bounds}, got {value}")
        return value

    def boolean(self, name: str) -> bool | None:
        raw = self.args.get(name)
        if not raw:
            return None
        if raw in _TRUE:
            return True
        if raw in _FALSE:
            return False
        raise bad_request(f"query parameter '{name}' must be true or false, got {raw[:40]!r}")

    def choice(self, name: str, options: Iterable[str]) -> str | None:
        raw = self.args.get(name)
        if not raw:
            return None
        options = tuple(options)
        if raw not in options:
            raise bad_request(
                f"query parameter '{name}' must be one of {', '.join(options)}, got {raw[:40]!r}"
            )
        return raw

    def csv(self, name: str, *, max_items: int | None = None) -> list[str] | None:
        raw = self.args.get(name)
        if not raw:
            return None
        items = [part.strip() for part in raw.split(",") if part.strip()]
        if max_items is not None and len(items) > max_items:
            raise bad_request(f"query parameter '{name}' takes at most {max_items} values, got {len(items)}")
        return items or None

    def limit(self, spec: _Limit) -> int:
        value = self.integer("limit", low=spec.low, high=spec.high)
        return value if value else spec.default

    def subaccount(self) -> None:
        # The sandbox has only the primary account. Live accepts 0-63.
        value = self.integer("subaccount", low=0, high=63)
        if value:
            raise bad_request("the sandbox has only the primary account (subaccount 0)")
        self.integer("exchange_index", low=0)


class _Ctx:
    """What a handler sees: the parsed query, the verified user (portfolio), the raw body, the faults."""

    __slots__ = ("body", "decision", "endpoint", "q", "request", "user")

    def __init__(self, request: Request, q: _Query, endpoint: str, decision: FaultDecision) -> None:
        self.request = request
        self.q = q
        self.endpoint = endpoint
        self.decision = decision
        self.user: KeyEntry | None = None
        self.body: bytes = b""

    @property
    def user_id(self) -> str:
        assert self.user is not None
        return self.user.user_id

    def json(self) -> object:
        """The parsed JSON body; 400 when it is missing or not JSON."""
        if not self.body.strip():
            raise bad_request("the request body must be JSON; it is empty")
        try:
            return parse_json(self.body)
        except ValueError as exc:
            raise bad_request(str(exc)) from None


def _error_body(code: str, message: str, details: str = "") -> bytes:
    return dumps({"error": {"code": code, "message": message, "details": details}})


def _respond(
    start_response: Callable, status: int, body: bytes, extra: dict[str, str] | None = None
) -> list[bytes]:
    headers = [] if status == 204 else [("Content-Type", _JSON), ("Content-Length", str(len(body)))]
    if status == 204:
        body = b""
    if extra:
        headers.extend(extra.items())
    start_response(f"{status} {_reason(status)}", headers)
    return [body]


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _apply_fault(
    decision: FaultDecision, status: int | None, body: bytes, environ: dict
) -> tuple[int | None, bytes]:
    """Replace an answer (or the missing one, in the "before" phase) with the decided fault."""
    kind = decision.kind
    if kind == "drop":
        environ[_DROP] = True
        return None, b""
    if kind == "rate_limit":
        return 429, _TOO_MANY
    if kind == "error":
        code = decision.status or 500
        return code, _error_body(
            {500: "internal_server_error", 502: "bad_gateway", 503: "service_unavailable"}.get(
                code, "server_error"
            ),
            f"injected fault: HTTP {code} ({decision.phase} processing)",
            "sandbox fault injection",
        )
    # malformed: a 200 whose JSON stops halfway (a strict prefix of a JSON object never parses)
    real = body if decision.phase == "after" and body else b'{"error":{"code":"internal_server_error"}}'
    return 200, real[: max(1, len(real) // 2)]


def _object(body: object) -> dict:
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise bad_request("the request body must be a JSON object")
    return body


def _string(spec: dict, name: str) -> str:
    value = spec.get(name)
    if not isinstance(value, str) or not value:
        raise bad_request(f"'{name}' must be a non-empty string")
    return value
