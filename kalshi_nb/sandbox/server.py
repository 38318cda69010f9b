"""The sandbox's HTTP layer: a werkzeug WSGI app that parses, authenticates, rate-limits, injects faults,
dispatches to the ``Exchange`` and serialises; plus a keep-alive request handler and the request log.

API routes live under ``/trade-api/v2`` with the live paths (see ``RULES``). Portfolio routes need valid
``KALSHI-ACCESS-*`` headers. Public market data needs none, but if a request to a public route carries any
``KALSHI-ACCESS-*`` header, all three are verified and a bad one is a 401: the SDK signs every request
when a key is configured, so a signing bug then surfaces on the first call (live behaviour UNCONFIRMED;
stricter here on purpose).

Control routes (unauthenticated, never faulted, rate-limited or logged) live under ``/_sandbox/``:

=========================  ==========================================================================
``GET /_sandbox/``         this list
``GET /_sandbox/faults``   current fault settings (``Faults.settings()``)
``POST /_sandbox/faults``  JSON body = keyword arguments of ``Faults.update``, e.g. ``{"drop_rate": 0.1}``
``DELETE /_sandbox/faults`` turn every fault off and empty the script
``POST /_sandbox/faults/script``  ``{"entries": ["drop_after", "500"], "methods": ["POST"], "path": "..."}``
``POST /_sandbox/reset``   regenerate the exchange from its seed; empty the request log and rate buckets
                           (keys and fault settings are kept)
``POST /_sandbox/settle``  ``{"ticker": "...", "result": "yes"|"no"}``
``POST /_sandbox/balance`` ``{"user_id"|"key_id": "...", "balance_cents": 100000}``
``POST /_sandbox/keys``    ``{"key_id": "...", "public_key_pem": "-----BEGIN PUBLIC KEY-----...",
                           "user_id": optional}`` -> ``{"key_id", "user_id"}``
``GET /_sandbox/requests`` the request log (``?limit=N`` for the last N); ``DELETE`` empties it
``POST /_sandbox/historical_cutoff``  ``{"ts": unix seconds | ISO-8601}``
``GET|POST /_sandbox/rate_limit``  read or set ``{"tier": "basic"|"advanced"|"premier"|"paragon"|"prime"|"off"}``
``GET /_sandbox/identity``  ``?nonce=<1-128 hex>`` -> ``{"sandbox": "kalshi_nb", "proof": hmac_sha256(secret, nonce)}``
                           (the secret is in ``Sandbox.secret_path``; see ``identity.py``)
=========================  ==========================================================================

Parsing rules: empty query values count as absent (as Go's ``q.Get(...) != ""``); integers are decimal;
booleans accept Go's ``strconv.ParseBool`` spellings (``true``/``false``/``1``/``0``/``True``...); a
repeated scalar parameter uses its first value; unknown parameters are ignored. ``limit=0`` on an
endpoint whose minimum is 0 means the default page size (UNCONFIRMED).

Other choices: ``subaccount`` other than 0 is a 400 (the sandbox has only the primary account); the V1 write
paths are authenticated first, then answer ``deprecated_v1_order_endpoint``; ``/portfolio/positions`` pages
``market_positions`` and each page carries the ``event_positions`` of its markets' events; a candlestick
range of more than ``MAX_CANDLES`` candles is a 400; ``/markets/orderbooks`` takes a repeated ``tickers``
parameter and refuses comma-separated values.

Bad input (limits.py) is a 4xx with a Kalshi-shaped body, never a 500 or a dropped connection: bodies over
1 MiB are a 413; JSON nested deeper than 64 levels (or not JSON) is a 400; control values out of bounds are a
400 naming the bound; a malformed request line (HTTP/0.9, garbage) is a JSON 400 with a status line, then a
close. The request log is bounded in bytes (8 MiB), keeps bodies only up to 4 KiB (longer ones as a truncated
string), and a request that failed authentication is logged as method, path and status only.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import select
import socket
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from time import perf_counter
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Map, Rule
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler
from werkzeug.wrappers import Request

from .errors import SandboxError, bad_request
from .faults import NO_FAULT, FaultDecision, Faults
from .identity import Identity, valid_nonce
from .limits import (
    MAX_BALANCE_CENTS,
    MAX_BODY_BYTES,
    MAX_LOG_BODY_BYTES,
    MAX_LOG_BYTES,
    MAX_LOG_TEXT,
    MAX_TS,
    MIN_TS,
    bounded_float,
    bounded_int,
    parse_json,
)
from .pagination import CursorCodec, filter_scope, paginate
from .ratelimit import DEFAULT_COST, RateLimiter, make_limiter
from .sigcheck import HEADER_KEY, KeyEntry, KeyRegistry, has_auth_headers, verify_request

log = logging.getLogger(__name__)

API_PREFIX = "/trade-api/v2"
CONTROL_PREFIX = "/_sandbox"
_MAX_DRAIN_BYTES = 16 << 20
MAX_CANDLES = 5000  # UNCONFIRMED: DFlow's relay of this endpoint documents 5,000 and a 400 above it
MARKET_STATUSES = ("unopened", "open", "closed", "settled")
_DROP = "kalshi_nb.sandbox.drop"
_JSON = "application/json; charset=utf-8"
_TOO_MANY = b'{"error":"too many requests"}'
_V1_DETAILS = "https://docs.kalshi.com/api-reference/orders/create-order-v2"


_ENCODER = json.JSONEncoder(separators=(",", ":"), check_circular=False)  # records hold no cycles


def dumps(obj: object) -> bytes:
    """Compact JSON bytes, as the API sends them."""
    return _ENCODER.encode(obj).encode()


# --------------------------------------------------------------------------------------------------
# Routes
# --------------------------------------------------------------------------------------------------

def _api(path: str, endpoint: str, *methods: str) -> Rule:
    return Rule(API_PREFIX + path, endpoint=endpoint, methods=list(methods or ("GET",)))


RULES = [
    _api("/markets", "markets"),
    _api("/markets/trades", "trades"),
    _api("/markets/orderbooks", "orderbooks"),
    _api("/markets/<ticker>", "market"),
    _api("/markets/<ticker>/orderbook", "orderbook"),
    _api("/events", "events"),
    _api("/events/<event_ticker>", "event"),
    _api("/series", "series_list"),
    _api("/series/<series_ticker>", "series"),
    _api("/series/<series_ticker>/markets/<ticker>/candlesticks", "candlesticks"),
    _api("/exchange/status", "exchange_status"),
    _api("/exchange/schedule", "exchange_schedule"),
    _api("/historical/cutoff", "historical_cutoff"),
    _api("/historical/markets", "historical_markets"),
    _api("/historical/markets/<ticker>", "historical_market"),
    _api("/historical/markets/<ticker>/candlesticks", "historical_candlesticks"),
    _api("/historical/trades", "historical_trades"),
    _api("/portfolio/balance", "balance"),
    _api("/portfolio/positions", "positions"),
    _api("/portfolio/fills", "fills"),
    _api("/portfolio/orders", "orders"),
    _api("/portfolio/orders/<order_id>", "order"),
    _api("/portfolio/settlements", "settlements"),
    _api("/portfolio/events/orders", "create_order", "POST"),
    _api("/portfolio/events/orders", "cancel_all_orders", "DELETE"),
    _api("/portfolio/events/orders/batched", "batch_create_orders", "POST"),
    _api("/portfolio/events/orders/batched", "batch_cancel_orders", "DELETE"),
    _api("/portfolio/events/orders/<order_id>", "cancel_order", "DELETE"),
    _api("/portfolio/events/orders/<order_id>/amend", "amend_order", "POST"),
    _api("/portfolio/events/orders/<order_id>/decrease", "decrease_order", "POST"),
    # The V1 write paths, shut off live in June 2026.
    _api("/portfolio/orders", "v1_write", "POST"),
    _api("/portfolio/orders/batched", "v1_write", "POST", "DELETE"),
    _api("/portfolio/orders/<order_id>", "v1_write", "DELETE"),
    _api("/portfolio/orders/<order_id>/amend", "v1_write", "POST"),
    _api("/portfolio/orders/<order_id>/decrease", "v1_write", "POST"),
]


def _ctl(path: str, endpoint: str, *methods: str) -> Rule:
    return Rule(CONTROL_PREFIX + path, endpoint=endpoint, methods=list(methods or ("GET",)))


CONTROL_RULES = [
    _ctl("/", "index"),
    _ctl("/faults", "faults_get"),
    _ctl("/faults", "faults_set", "POST"),
    _ctl("/faults", "faults_clear", "DELETE"),
    _ctl("/faults/script", "faults_script", "POST"),
    _ctl("/reset", "reset", "POST"),
    _ctl("/settle", "settle", "POST"),
    _ctl("/balance", "balance", "POST"),
    _ctl("/keys", "keys", "POST"),
    _ctl("/requests", "requests_get"),
    _ctl("/requests", "requests_clear", "DELETE"),
    _ctl("/historical_cutoff", "historical_cutoff", "POST"),
    _ctl("/rate_limit", "rate_limit_get"),
    _ctl("/rate_limit", "rate_limit_set", "POST"),
    _ctl("/identity", "identity"),
]

# No slash redirects: a redirected signed request would lose its signature's path.
_API_MAP = Map(RULES, strict_slashes=False, merge_slashes=False)
_CONTROL_MAP = Map(CONTROL_RULES, strict_slashes=False, merge_slashes=False)

_PUBLIC = frozenset(
    ["markets", "trades", "orderbooks", "market", "orderbook", "events", "event", "series_list", "series", "candlesticks", "exchange_status", "exchange_schedule", "historical_cutoff", "historical_markets", "historical_market", "historical_candlesticks", "historical_trades"]
)
_WRITES = frozenset(
    ["create_order", "cancel_all_orders", "batch_create_orders", "batch_cancel_orders", "cancel_order", "amend_order", "decrease_order", "v1_write"]
)


@dataclass(frozen=True)
class _Limit:
    default: int
    low: int
    high: int


LIMIT_MARKETS = _Limit(100, 0, 1000)  # /markets, /markets/trades, /historical/markets, /historical/trades
LIMIT_EVENTS = _Limit(200, 1, 200)
LIMIT_PORTFOLIO = _Limit(100, 1, 1000)  # positions, fills, orders, settlements


# --------------------------------------------------------------------------------------------------
# Request log
# --------------------------------------------------------------------------------------------------

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

    @property
    def bytes(self) -> int:
        """The approximate size of what is kept (serialised JSON of the records)."""
        return self._bytes

    def append(self, record: RequestRecord) -> None:
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
    query = sum(len(k) + (len(v) if isinstance(v, str) else sum(len(x) for x in v)) for k, v in record.query.items())
    return 200 + len(record.path) + len(record.key_id or "") + query + body_size


# --------------------------------------------------------------------------------------------------
# Query parsing
# --------------------------------------------------------------------------------------------------

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

    def integer(self, name: str, *, low: int | None = None, high: int | None = None,
                required: bool = False) -> int | None:
        raw = self.args.get(name)
        if not raw:
            if required:
                raise bad_request(f"query parameter '{name}' is required")
            return None
        text = raw.strip()
        digits = text[1:] if text[:1] in "+-" else text
        if not digits.isascii() or not digits.isdigit() or len(digits) > 18:
            raise bad_request(f"query parameter '{name}' must be an integer, got {raw[:40]!r}")
        value = int(text)
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"between {low} and {high}" if low is not None and high is not None else (
                f">= {low}" if low is not None else f"<= {high}")
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
            raise bad_request(f"query parameter '{name}' must be one of {', '.join(options)}, got {raw[:40]!r}")
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


# --------------------------------------------------------------------------------------------------
# The WSGI application
# --------------------------------------------------------------------------------------------------

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


class _RecordBytes:
    """Serialised JSON per immutable record, keyed by identity. The record itself is held too, so its id
    cannot be reused by another object while the entry lives. (Two flat dicts rather than a dict of
    tuples: hundreds of thousands of GC-tracked tuples would make every full collection slower.)"""

    def __init__(self, max_entries: int = 600_000) -> None:
        self._records: dict[int, object] = {}
        self._bytes: dict[int, bytes] = {}
        self._max = max_entries

    def get(self, record: object) -> bytes:
        key = id(record)
        if self._records.get(key) is record:
            data = self._bytes.get(key)
            if data is not None:
                return data
        data = dumps(record)
        if len(self._bytes) >= self._max:
            self.clear()  # cheap and rare; the records of a replaced exchange go with it
        self._bytes[key] = data  # bytes first: a reader that finds the record also finds its bytes
        self._records[key] = record
        return data

    def warm(self, records: Iterable[object]) -> int:
        """Serialise ``records`` ahead of time; return how many were new."""
        before = len(self._bytes)
        for record in records:
            self.get(record)
        return len(self._bytes) - before

    def clear(self) -> None:
        self._records.clear()
        self._bytes.clear()


class SandboxApp:
    """The WSGI application. ``Sandbox`` builds one; it can also be mounted in any WSGI server
    (dropped connections then need the sandbox's own request handler).

    Example:
        >>> app = SandboxApp(Exchange(seed=0))            # doctest: +SKIP
        >>> server = make_sandbox_server(app, "127.0.0.1", 0)  # doctest: +SKIP
    """

    def __init__(
        self,
        exchange: Any,
        *,
        keys: KeyRegistry | None = None,
        faults: Faults | None = None,
        rate_limit: str | RateLimiter | None = "basic",
        request_log: RequestLog | None = None,
        codec: CursorCodec | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.exchange = exchange
        self.keys = keys if keys is not None else KeyRegistry()
        self.faults = faults if faults is not None else Faults()
        self.limiter = make_limiter(rate_limit)
        self.requests = request_log if request_log is not None else RequestLog()
        self.codec = codec if codec is not None else CursorCodec()
        self.on_error = on_error or (lambda exc: log.error("sandbox error", exc_info=exc))
        self.clock = clock
        self.wire_seconds = 0.0  # time spent in the request handler (app + socket I/O), for benchmarks
        self._users: set[str] = set()
        self._api_routes = _API_MAP.bind("sandbox")
        self._control_routes = _CONTROL_MAP.bind("sandbox")
        self._record_bytes = _RecordBytes()
        self._lists: OrderedDict[tuple, list] = OrderedDict()
        self._lists_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self.identity: Identity | None = None  # set by Sandbox.start() once the port is known

    # --- operations shared by Python, the CLI and the control routes ------------------------------
    def register_key(self, key_id: str, public_key_pem: str | bytes, user_id: str | None = None) -> str:
        """Trust ``public_key_pem`` for ``key_id``; create an account for a new user; return the user id."""
        import uuid

        user_id = user_id or str(uuid.uuid4())
        self.keys.add(key_id, public_key_pem, user_id=user_id)
        with self._state_lock:
            if user_id not in self._users:
                self.exchange.add_account(user_id)
                self._users.add(user_id)
        return user_id

    def reset(self) -> None:
        """Regenerate the exchange from its seed; empty the request log, caches and rate buckets."""
        with self._state_lock:
            self.exchange.reset()
            for user_id in self._users:
                self.exchange.add_account(user_id)  # idempotent; reset() keeps known accounts
        self.requests.clear()
        self._record_bytes.clear()
        with self._lists_lock:
            self._lists.clear()
        if self.limiter is not None:
            self.limiter.reset()

    def set_rate_limit(self, spec: str | RateLimiter | None) -> None:
        self.limiter = make_limiter(spec)

    def warm(self) -> int:
        """Serialise every live market now instead of on first use; return how many were new."""
        return self._record_bytes.warm(self.exchange.markets())

    # --- WSGI entry point ----------------------------------------------------------------------------
    def __call__(self, environ: dict, start_response: Callable) -> list[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
            status, body = self._control(environ)
            return _respond(start_response, status, body)

        started = perf_counter()
        request = Request(environ)
        method = request.method
        decision = self.faults.decide(method, path) if self.faults.active else NO_FAULT
        if decision.latency and decision.latency_phase == "before":
            time.sleep(decision.latency)
        raw_body = request.get_data()
        status: int | None
        auth_failed = False
        try:
            status, body = self._api(request, decision, raw_body)
        except SandboxError as exc:
            status, body = exc.status, dumps(exc.body())
            auth_failed = exc.status == 401
        except Exception as exc:  # noqa: BLE001 -- a sandbox bug: answer like Kalshi would, re-raise in the caller
            self.on_error(exc)
            status, body = 500, _error_body("internal_server_error",
                                            f"sandbox error: {type(exc).__name__}: {str(exc)[:200]}")
        if decision.latency and decision.latency_phase == "after":
            time.sleep(decision.latency)  # processed; the answer is late (a client may have timed out)
        if decision.kind is not None:
            if decision.phase == "before" and raw_body:
                auth_failed = not self._authentic(request)  # never ran: check it, only to decide what to log
            status, body = _apply_fault(decision, status, body, environ)
        # A request that failed authentication is logged as method, path and status only: its body and
        # query came from someone without the key (and could be large).
        self.requests.append(RequestRecord(
            method=method,
            path=_clip(path) or "",
            query={} if auth_failed else {
                k: (_clip(v[0]) if len(v) == 1 else [_clip(x) for x in v[:20]])
                for k, v in list(request.args.lists())[:50]},
            status=status,
            key_id=None if auth_failed else _clip(request.headers.get(HEADER_KEY)),
            body=None if auth_failed else _loggable(raw_body),
            fault=decision.label,
            duration=perf_counter() - started,
            time=self.clock(),
        ))
        return _respond(start_response, status or 500, body)

    def _api(self, request: Request, decision: FaultDecision, raw_body: bytes) -> tuple[int, bytes]:
        if decision.kind is not None and decision.phase == "before":
            return 0, b""  # replaced by the fault; the exchange never sees the request
        try:
            endpoint, values = self._api_routes.match(request.path, request.method)
        except MethodNotAllowed as exc:
            raise SandboxError(405, "method_not_allowed",
                               f"{request.method} is not allowed on {request.path}; allowed: "
                               f"{', '.join(sorted(exc.valid_methods or ()))}") from None
        except HTTPException:
            raise SandboxError(404, "not_found", f"no route {request.method} {request.path}") from None

        ctx = _Ctx(request, _Query(request.args), endpoint, decision)
        ctx.body = raw_body
        if endpoint not in _PUBLIC or has_auth_headers(request.headers):
            ctx.user = self._verify(request)
        limiter = self.limiter
        if limiter is not None:
            identity = ctx.user.key_id if ctx.user else f"ip:{request.remote_addr}"
            kind = "write" if endpoint in _WRITES else "read"
            if not limiter.allow(identity, kind, _cost(endpoint, raw_body)):
                return 429, _TOO_MANY
        handler = getattr(self, f"_h_{endpoint}")
        return handler(ctx, **values)

    def _verify(self, request: Request) -> KeyEntry:
        environ = request.environ
        raw_uri = environ.get("RAW_URI") or request.path
        raw_path = raw_uri.split("?", 1)[0]
        if "://" in raw_path:  # absolute-form request target
            raw_path = "/" + raw_path.split("://", 1)[1].partition("/")[2]
        return verify_request(
            self.keys,
            method=request.method,
            raw_path=raw_path,
            decoded_path=request.path,
            query_string=environ.get("QUERY_STRING", ""),
            headers=request.headers,
            host=request.host,
        )

    def _authentic(self, request: Request) -> bool:
        try:
            self._verify(request)
        except SandboxError:
            return False
        except Exception:  # noqa: BLE001 -- only decides what the log keeps
            return False
        return True

    # --- list plumbing ---------------------------------------------------------------------------------
    def _rows(self, key: tuple, build: Callable[[], tuple[list, list]]) -> tuple[list, list]:
        """A filtered list and its row keys, cached per (endpoint, filters, exchange.version)."""
        key = (*key, self.exchange.version)
        with self._lists_lock:
            hit = self._lists.get(key)
            if hit is not None:
                self._lists.move_to_end(key)
                return hit
        rows = build()
        with self._lists_lock:
            self._lists[key] = rows
            while len(self._lists) > 32:
                self._lists.popitem(last=False)
        return rows

    def _page(self, ctx: _Ctx, rows: list, keys: list, scope: str, limit: int) -> tuple[list, str]:
        cursor = ctx.q.text("cursor")
        page, next_cursor = paginate(rows, keys, cursor=cursor, limit=limit, scope=scope, codec=self.codec)
        if ctx.decision.stuck_cursor:
            # The same non-empty cursor forever: echo the one we were given (or a fresh one on page 1).
            next_cursor = cursor or next_cursor or self.codec.encode(None, scope)
        return list(page), next_cursor

    def _list(self, ctx: _Ctx, key: str, filters: dict, build: Callable[[], tuple[list, list]], spec: _Limit,
              *, user: bool = False, cache: bool = True, extra: bytes = b"") -> tuple[int, bytes]:
        """One page of a keyset-paginated list; ``build`` returns ``(rows, keys)`` (see pagination.py)."""
        limit = ctx.q.limit(spec)
        scope = filter_scope(ctx.endpoint, filters, user_id=ctx.user_id if user else None)
        rows, keys = self._rows((ctx.endpoint, scope), build) if cache else build()
        page, next_cursor = self._page(ctx, rows, keys, scope, limit)
        encode = self._record_bytes.get if cache else dumps
        return 200, b"".join((
            b'{"', key.encode(), b'":[', b",".join([encode(r) for r in page]), b"]", extra,
            b',"cursor":', dumps(next_cursor), b"}",
        ))

    # --- public market data ------------------------------------------------------------------------------
    def _h_markets(self, ctx: _Ctx) -> tuple[int, bytes]:
        q = ctx.q
        filters = dict(
            status=q.choice("status", MARKET_STATUSES),
            series_ticker=q.text("series_ticker"),
            event_ticker=q.text("event_ticker", single=True),
            tickers=q.csv("tickers"),
            mve_filter=q.choice("mve_filter", ("only", "exclude")),
            **{name: q.integer(name) for name in (
                "min_created_ts", "max_created_ts", "min_close_ts", "max_close_ts",
                "min_settled_ts", "max_settled_ts", "min_updated_ts", "max_updated_ts")},
        )
        return self._list(ctx, "markets", filters, lambda: self.exchange.markets(**filters, with_keys=True),
                          LIMIT_MARKETS)

    def _h_historical_markets(self, ctx: _Ctx) -> tuple[int, bytes]:
        q = ctx.q
        filters = {
            "tickers": q.csv("tickers"),
            "event_ticker": q.text("event_ticker", single=True),
            "series_ticker": q.text("series_ticker"),
            "mve_filter": q.choice("mve_filter", ("only", "exclude")),
        }
        return self._list(ctx, "markets", filters, lambda: self.exchange.historical_markets(**filters, with_keys=True),
                          LIMIT_MARKETS)

    def _h_market(self, ctx: _Ctx, ticker: str) -> tuple[int, bytes]:
        return 200, b'{"market":' + self._record_bytes.get(self.exchange.market(ticker)) + b"}"

    _h_historical_market = _h_market

    def _h_orderbook(self, ctx: _Ctx, ticker: str) -> tuple[int, bytes]:
        depth = ctx.q.integer("depth", high=100) or 0  # 0 or negative: all levels (SDK doc)
        return 200, dumps({"orderbook_fp": self.exchange.orderbook(ticker, depth=max(depth, 0))})

    def _h_orderbooks(self, ctx: _Ctx) -> tuple[int, bytes]:
        tickers = [t for t in ctx.request.args.getlist("tickers") if t]
        if any("," in t for t in tickers):
            raise bad_request("query parameter 'tickers' is repeated (?tickers=A&tickers=B), not comma-separated")
        if not 1 <= len(tickers) <= 100:
            raise bad_request(f"query parameter 'tickers' takes between 1 and 100 tickers, got {len(tickers)}")
        books = [{"ticker": t, "orderbook_fp": self.exchange.orderbook(t)} for t in tickers]
        return 200, dumps({"orderbooks": books})

    def _trades(self, ctx: _Ctx, historical: bool) -> tuple[int, bytes]:
        q = ctx.q
        filters = {"ticker": q.text("ticker"), "min_ts": q.integer("min_ts"), "max_ts": q.integer("max_ts"),
                       "is_block_trade": q.boolean("is_block_trade")}
        return self._list(ctx, "trades", filters,
                          lambda: self.exchange.trades(**filters, historical=historical, with_keys=True),
                          LIMIT_MARKETS)

    def _h_trades(self, ctx: _Ctx) -> tuple[int, bytes]:
        return self._trades(ctx, historical=False)

    def _h_historical_trades(self, ctx: _Ctx) -> tuple[int, bytes]:
        return self._trades(ctx, historical=True)

    def _h_events(self, ctx: _Ctx) -> tuple[int, bytes]:
        q = ctx.q
        filters = {
            "status": q.choice("status", MARKET_STATUSES),
            "series_ticker": q.text("series_ticker"),
            "tickers": q.csv("tickers"),
            "min_close_ts": q.integer("min_close_ts"),
            "min_updated_ts": q.integer("min_updated_ts"),
            "with_nested_markets": bool(q.boolean("with_nested_markets")),
        }
        with_milestones = bool(q.boolean("with_milestones"))
        # Milestones are not modelled; the key is present (empty) when asked for, as its shape is known.
        return self._list(ctx, "events", {**filters, "with_milestones": with_milestones},
                          lambda: self.exchange.events(**filters, with_keys=True), LIMIT_EVENTS,
                          extra=b',"milestones":[]' if with_milestones else b"")

    def _h_event(self, ctx: _Ctx, event_ticker: str) -> tuple[int, bytes]:
        nested = bool(ctx.q.boolean("with_nested_markets"))
        event, markets = self.exchange.event(event_ticker, with_nested_markets=nested)
        # Top-level "markets" is deprecated live but still present.
        return 200, b"".join((b'{"event":', dumps(event), b',"markets":[',
                              b",".join([self._record_bytes.get(m) for m in markets]), b"]}"))

    def _h_series_list(self, ctx: _Ctx) -> tuple[int, bytes]:
        q = ctx.q
        q.boolean("include_product_metadata")  # accepted for its type; product metadata is not modelled
        q.integer("min_updated_ts")  # accepted for its type; series metadata never changes in the sandbox
        series = self.exchange.series_list(category=q.text("category"), tags=q.text("tags"),
                                           include_volume=bool(q.boolean("include_volume")))
        return 200, dumps({"series": series})

    def _h_series(self, ctx: _Ctx, series_ticker: str) -> tuple[int, bytes]:
        include_volume = bool(ctx.q.boolean("include_volume"))
        return 200, dumps({"series": self.exchange.series(series_ticker, include_volume=include_volume)})

    def _candles(self, ctx: _Ctx, series_ticker: str | None, ticker: str, historical: bool) -> tuple[int, bytes]:
        q = ctx.q
        start_ts = q.integer("start_ts", required=True)
        end_ts = q.integer("end_ts", required=True)
        period = q.integer("period_interval", required=True)
        if period not in (1, 60, 1440):
            raise bad_request(f"query parameter 'period_interval' must be 1, 60 or 1440 (minutes), got {period}")
        assert start_ts is not None
        assert end_ts is not None
        if end_ts < start_ts:
            raise bad_request(f"end_ts ({end_ts}) is before start_ts ({start_ts})")
        candles = (end_ts - start_ts) // (period * 60) + 1
        if candles > MAX_CANDLES:
            raise bad_request(
                f"the range asks for {candles} candlesticks; at most {MAX_CANDLES} per request "
                "(split the range into smaller windows)"
            )
        include_before = bool(q.boolean("include_latest_before_start"))
        rows = self.exchange.candlesticks(series_ticker, ticker, start_ts=start_ts, end_ts=end_ts,
                                          period_interval=period, include_latest_before_start=include_before,
                                          historical=historical)
        return 200, dumps({"ticker": ticker, "candlesticks": rows})

    def _h_candlesticks(self, ctx: _Ctx, series_ticker: str, ticker: str) -> tuple[int, bytes]:
        return self._candles(ctx, series_ticker, ticker, historical=False)

    def _h_historical_candlesticks(self, ctx: _Ctx, ticker: str) -> tuple[int, bytes]:
        return self._candles(ctx, None, ticker, historical=True)

    def _h_exchange_status(self, ctx: _Ctx) -> tuple[int, bytes]:
        return 200, dumps(self.exchange.exchange_status())  # not enveloped, as live

    def _h_exchange_schedule(self, ctx: _Ctx) -> tuple[int, bytes]:
        schedule = self.exchange.exchange_schedule()
        return 200, dumps(schedule if "schedule" in schedule else {"schedule": schedule})

    def _h_historical_cutoff(self, ctx: _Ctx) -> tuple[int, bytes]:
        return 200, dumps(self.exchange.historical_cutoff())

    # --- portfolio reads -----------------------------------------------------------------------------------
    def _h_balance(self, ctx: _Ctx) -> tuple[int, bytes]:
        ctx.q.subaccount()
        return 200, dumps(self.exchange.balance(ctx.user_id))

    def _h_positions(self, ctx: _Ctx) -> tuple[int, bytes]:
        q = ctx.q
        q.subaccount()
        count_filter = q.csv("count_filter")
        if count_filter and not set(count_filter) <= {"position", "total_traded"}:
            raise bad_request("query parameter 'count_filter' takes position and/or total_traded")
        filters = {
            "ticker": q.text("ticker"),
            "event_ticker": q.text("event_ticker", single=True),
            "count_filter": count_filter,
            "settlement_status": q.choice("settlement_status", ("unsettled", "settled", "all")) or "unsettled",
        }
        limit = q.limit(LIMIT_PORTFOLIO)
        scope = filter_scope(ctx.endpoint, filters, user_id=ctx.user_id)
        market_positions, event_positions, keys = self.exchange.positions(ctx.user_id, **filters, with_keys=True)
        page, next_cursor = self._page(ctx, market_positions, keys, scope, limit)
        # One cursor pages market_positions; each page carries the event positions of its markets' events.
        events = {p.get("event_ticker") for p in page}
        event_page = [e for e in event_positions if e.get("event_ticker") in events]
        return 200, dumps({"market_positions": page, "event_positions": event_page, "cursor": next_cursor})

    def _h_fills(self, ctx: _Ctx) -> tuple[int, bytes]:
        q = ctx.q
        q.subaccount()
        filters = {"tickers": q.csv("ticker", max_items=100), "order_id": q.text("order_id"),
                       "min_ts": q.integer("min_ts"), "max_ts": q.integer("max_ts")}
        return self._list(ctx, "fills", filters, lambda: self.exchange.fills(ctx.user_id, **filters, with_keys=True),
                          LIMIT_PORTFOLIO, user=True, cache=False)

    def _h_orders(self, ctx: _Ctx) -> tuple[int, bytes]:
        q = ctx.q
        q.subaccount()
        filters = {"ticker": q.text("ticker"), "event_tickers": q.csv("event_ticker", max_items=10),
                       "min_ts": q.integer("min_ts"), "max_ts": q.integer("max_ts"),
                       "status": q.choice("status", ("resting", "canceled", "executed"))}
        return self._list(ctx, "orders", filters, lambda: self.exchange.orders(ctx.user_id, **filters, with_keys=True),
                          LIMIT_PORTFOLIO, user=True, cache=False)

    def _h_order(self, ctx: _Ctx, order_id: str) -> tuple[int, bytes]:
        return 200, dumps({"order": self.exchange.order(ctx.user_id, order_id)})

    def _h_settlements(self, ctx: _Ctx) -> tuple[int, bytes]:
        q = ctx.q
        q.subaccount()
        filters = {"ticker": q.text("ticker"), "event_ticker": q.text("event_ticker", single=True),
                       "min_ts": q.integer("min_ts"), "max_ts": q.integer("max_ts")}
        return self._list(ctx, "settlements", filters, lambda: self.exchange.settlements(ctx.user_id, **filters,
                                                                                 with_keys=True),
                          LIMIT_PORTFOLIO, user=True, cache=False)

    # --- V2 order writes -------------------------------------------------------------------------------------
    def _h_create_order(self, ctx: _Ctx) -> tuple[int, bytes]:
        ctx.q.subaccount()
        return 201, dumps(self.exchange.create_order(ctx.user_id, ctx.json()))

    def _h_cancel_order(self, ctx: _Ctx, order_id: str) -> tuple[int, bytes]:
        ctx.q.subaccount()
        market_ticker = ctx.q.text("market_ticker")
        return 200, dumps(self.exchange.cancel_order(ctx.user_id, order_id, market_ticker=market_ticker))

    def _h_amend_order(self, ctx: _Ctx, order_id: str) -> tuple[int, bytes]:
        ctx.q.subaccount()
        return 200, dumps(self.exchange.amend_order(ctx.user_id, order_id, ctx.json()))

    def _h_decrease_order(self, ctx: _Ctx, order_id: str) -> tuple[int, bytes]:
        ctx.q.subaccount()
        return 200, dumps(self.exchange.decrease_order(ctx.user_id, order_id, ctx.json()))

    def _h_batch_create_orders(self, ctx: _Ctx) -> tuple[int, bytes]:
        return 201, dumps(self.exchange.batch_create_orders(ctx.user_id, ctx.json()))

    def _h_batch_cancel_orders(self, ctx: _Ctx) -> tuple[int, bytes]:
        return 200, dumps(self.exchange.batch_cancel_orders(ctx.user_id, ctx.json()))

    def _h_cancel_all_orders(self, ctx: _Ctx) -> tuple[int, bytes]:
        ctx.q.subaccount()
        self.exchange.cancel_all_orders(ctx.user_id)
        return 204, b""

    def _h_v1_write(self, ctx: _Ctx, order_id: str | None = None) -> tuple[int, bytes]:
        # Live status for this code is UNCONFIRMED; the code and message are as observed.
        raise SandboxError(400, "deprecated_v1_order_endpoint", "Please switch to the V2 endpoints", _V1_DETAILS)

    # --- control routes --------------------------------------------------------------------------------------
    def _control(self, environ: dict) -> tuple[int, bytes]:
        request = Request(environ)
        try:
            try:
                endpoint, _ = self._control_routes.match(request.path, request.method)
            except HTTPException:
                raise SandboxError(404, "not_found", f"no control route {request.method} {request.path}; "
                                   f"GET {CONTROL_PREFIX}/ lists them") from None
            body: object = None
            data = request.get_data()
            if data.strip():
                try:
                    body = parse_json(data)
                except ValueError as exc:
                    raise bad_request(str(exc)) from None
            try:
                return 200, dumps(getattr(self, f"_c_{endpoint}")(request, body))
            except (ValueError, TypeError, KeyError, ArithmeticError) as exc:
                raise bad_request(f"{type(exc).__name__}: {str(exc)[:300]}") from None
        except SandboxError as exc:
            return exc.status, dumps(exc.body())
        except Exception as exc:  # noqa: BLE001 -- reported to the caller by on_error
            self.on_error(exc)
            return 500, _error_body("internal_server_error", f"sandbox error: {type(exc).__name__}")

    def _c_index(self, request: Request, body: object) -> dict:
        return {"routes": [f"{','.join(sorted(r.methods - {'HEAD', 'OPTIONS'}))} {r.rule}"  # type: ignore[operator]
                           for r in CONTROL_RULES]}

    def _c_faults_get(self, request: Request, body: object) -> dict:
        return self.faults.settings()

    def _c_faults_set(self, request: Request, body: object) -> dict:
        self.faults.update(**_object(body))
        return self.faults.settings()

    def _c_faults_clear(self, request: Request, body: object) -> dict:
        self.faults.clear()
        return self.faults.settings()

    def _c_faults_script(self, request: Request, body: object) -> dict:
        spec = _object(body)
        self.faults.script(spec["entries"], methods=spec.get("methods"), path=spec.get("path"))
        return {"pending": self.faults.pending()}

    def _c_reset(self, request: Request, body: object) -> dict:
        self.reset()
        return {"reset": True}

    def _c_settle(self, request: Request, body: object) -> dict:
        spec = _object(body)
        self.exchange.settle_market(_string(spec, "ticker"), _string(spec, "result"))
        return {"settled": spec["ticker"], "result": spec["result"]}

    def _c_balance(self, request: Request, body: object) -> dict:
        spec = _object(body)
        user_id = spec.get("user_id")
        if user_id is None and "key_id" in spec:
            entry = self.keys.get(_string(spec, "key_id"))
            if entry is None:
                raise SandboxError(404, "not_found", "unknown key_id")
            user_id = entry.user_id
        cents = spec.get("balance_cents")
        if not isinstance(user_id, str) or isinstance(cents, bool) or not isinstance(cents, int):
            raise bad_request('expected {"user_id" or "key_id": str, "balance_cents": int}')
        bounded_int("balance_cents", cents, low=0, high=MAX_BALANCE_CENTS)
        self.exchange.set_balance(user_id, cents)
        return {"user_id": user_id, "balance_cents": cents}

    def _c_keys(self, request: Request, body: object) -> dict:
        spec = _object(body)
        user_id = spec.get("user_id")
        if user_id is not None and not isinstance(user_id, str):
            raise bad_request("user_id must be a string")
        user_id = self.register_key(_string(spec, "key_id"), _string(spec, "public_key_pem"), user_id)
        return {"key_id": spec["key_id"], "user_id": user_id}

    def _c_requests_get(self, request: Request, body: object) -> dict:
        limit = _Query(request.args).integer("limit", low=0)
        records = self.requests.snapshot()
        if limit is not None:
            records = records[-limit:] if limit else []
        return {"requests": [r.to_json() for r in records]}

    def _c_requests_clear(self, request: Request, body: object) -> dict:
        self.requests.clear()
        return {"cleared": True}

    def _c_historical_cutoff(self, request: Request, body: object) -> dict:
        raw = _object(body).get("ts")
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            when = datetime.fromtimestamp(bounded_float("ts", raw, low=MIN_TS, high=MAX_TS), tz=timezone.utc)
        elif isinstance(raw, str):
            when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            if when.tzinfo is None:
                raise bad_request("ts must carry a timezone (e.g. a trailing Z)")
        else:
            raise bad_request('expected {"ts": unix seconds or ISO-8601}')
        self.exchange.set_historical_cutoff(when)
        return self.exchange.historical_cutoff()

    def _c_identity(self, request: Request, body: object) -> dict:
        nonce = request.args.get("nonce", "")
        if not valid_nonce(nonce):
            raise bad_request("query parameter 'nonce' must be 1 to 128 hex characters")
        if self.identity is None:
            raise SandboxError(404, "not_found", "this sandbox app has no identity (it is not served by Sandbox)")
        return {"sandbox": "kalshi_nb", "proof": self.identity.proof(nonce)}

    def _c_rate_limit_get(self, request: Request, body: object) -> dict:
        return {"tier": self.limiter.tier.name if self.limiter else "off"}

    def _c_rate_limit_set(self, request: Request, body: object) -> dict:
        tier = _object(body).get("tier")
        self.set_rate_limit(None if tier in (None, "off") else str(tier))
        return self._c_rate_limit_get(request, None)

    def __repr__(self) -> str:
        return f"<SandboxApp keys={len(self.keys)} rate_limit={self.limiter.tier.name if self.limiter else 'off'}>"


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------

def _error_body(code: str, message: str, details: str = "") -> bytes:
    return dumps({"error": {"code": code, "message": message, "details": details}})


def _respond(start_response: Callable, status: int, body: bytes) -> list[bytes]:
    headers = [] if status == 204 else [("Content-Type", _JSON), ("Content-Length", str(len(body)))]
    if status == 204:
        body = b""
    start_response(f"{status} {_reason(status)}", headers)
    return [body]


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _apply_fault(decision: FaultDecision, status: int | None, body: bytes, environ: dict) -> tuple[int | None, bytes]:
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
            {500: "internal_server_error", 502: "bad_gateway", 503: "service_unavailable"}.get(code, "server_error"),
            f"injected fault: HTTP {code} ({decision.phase} processing)", "sandbox fault injection",
        )
    # malformed: a 200 whose JSON stops halfway (a strict prefix of a JSON object never parses)
    real = body if decision.phase == "after" and body else b'{"error":{"code":"internal_server_error"}}'
    return 200, real[: max(1, len(real) // 2)]


def _cost(endpoint: str, raw_body: bytes) -> int:
    """Tokens a request costs; batch items are billed individually (DOC-rate)."""
    if endpoint in ("batch_create_orders", "batch_cancel_orders") and raw_body:
        try:
            body = parse_json(raw_body)
        except ValueError:
            return DEFAULT_COST
        items = body.get("orders") if isinstance(body, dict) else None
        if isinstance(items, list) and items:
            return DEFAULT_COST * len(items)
    return DEFAULT_COST


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


# --------------------------------------------------------------------------------------------------
# Serving: HTTP/1.1 keep-alive, quiet, connections tracked so stop() can close them
# --------------------------------------------------------------------------------------------------

class SandboxRequestHandler(WSGIRequestHandler):
    """werkzeug's handler with keep-alive (werkzeug's own always closes), no access log, whole-body
    reads (so an unread body never corrupts the next request), and the drop-connection fault."""

    protocol_version = "HTTP/1.1"
    timeout = 120  # idle keep-alive connections are closed after this many seconds

    def setup(self) -> None:
        super().setup()
        # Small answers on a keep-alive connection would otherwise wait for the client's delayed ACK.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection)  # type: ignore[attr-defined]

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)  # type: ignore[attr-defined]

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def parse_request(self) -> bool:
        line = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = line.split()
        if len(words) == 2:
            # "GET /path" with no version (HTTP/0.9): http.server would wait for headers that never come,
            # then answer without a status line (and werkzeug crashed). Answer an HTTP/1.0 400 and close now.
            self.command, self.requestline, self.request_version = None, line, "HTTP/1.0"  # type: ignore[assignment]
            self.send_error(400, "HTTP/0.9 request lines are not supported; send HTTP/1.1")
            return False
        return super().parse_request()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Malformed requests (bad request line, headers too long, ...) get a Kalshi-shaped JSON error."""
        if getattr(self, "request_version", "HTTP/0.9") == "HTTP/0.9":
            self.request_version = "HTTP/1.0"  # an answer with a status line, whatever came in
        self.close_connection = True
        body = _error_body("bad_request" if code == 400 else _reason(code).lower().replace(" ", "_"),
                           (message or _reason(code))[:300])
        try:
            self.send_response(code, _reason(code))
            self.send_header("Content-Type", _JSON)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if getattr(self, "command", "") != "HEAD" and code >= 200 and code not in (204, 304):
                self.wfile.write(body)
        except OSError:
            pass  # the client is gone

    def log_error(self, format: str, *args: Any) -> None:
        log.debug("http: " + format, *args)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("http: " + format, *args)

    def run_wsgi(self) -> None:
        started = perf_counter()
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        environ = self.environ = self.make_environ()
        try:
            data = self._read_body(environ)
        except _BodyError as exc:
            self.close_connection = True
            self._write(exc.status, _error_body(exc.code, exc.message), [("Content-Type", _JSON)])
            return
        environ["wsgi.input"] = io.BytesIO(data)
        environ["CONTENT_LENGTH"] = str(len(data))
        environ.pop("wsgi.input_terminated", None)
        environ.pop("HTTP_TRANSFER_ENCODING", None)

        captured: list[Any] = []

        def start_response(status: str, headers: list, exc_info: Any = None) -> Callable[[bytes], None]:
            captured[:] = [status, headers]
            return lambda chunk: None  # the sandbox app never uses write()

        app = self.server.app  # type: ignore[attr-defined]
        result = app(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        if environ.get(_DROP):
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)  # no response at all: the client sees EOF
        else:
            status, headers = captured
            code, _, reason = status.partition(" ")
            self._write(int(code), body, [h for h in headers if h[0].lower() != "content-length"], reason)
        self.server.add_busy(perf_counter() - started)  # type: ignore[attr-defined]

    def _read_body(self, environ: dict) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            try:
                data = environ["wsgi.input"].read(MAX_BODY_BYTES + 1)
            except (OSError, ValueError):
                raise _BodyError(400, "bad_request", "malformed chunked request body") from None
        else:
            raw = self.headers.get("Content-Length")
            if raw is None or not raw.strip():
                return b""
            if not raw.strip().isdigit():
                raise _BodyError(400, "bad_request", "Content-Length is not a number")
            length = int(raw)
            if length > MAX_BODY_BYTES:
                if length <= _MAX_DRAIN_BYTES:  # read it, so the client sees the 413 rather than a reset
                    while length > 0 and (chunk := self.rfile.read(min(length, 1 << 20))):
                        length -= len(chunk)
                raise _BodyError(413, "request_too_large", f"request body over {MAX_BODY_BYTES} bytes")
            data = self.rfile.read(length) if length else b""
            if len(data) < length:
                raise _BodyError(400, "bad_request", "request body shorter than Content-Length")
        if len(data) > MAX_BODY_BYTES:
            raise _BodyError(413, "request_too_large", f"request body over {MAX_BODY_BYTES} bytes")
        return data

    def _write(self, code: int, body: bytes, headers: list, reason: str | None = None) -> None:
        self.send_response(code, reason or _reason(code))
        for key, value in headers:
            self.send_header(key, value)
        if code != 204:
            self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self._headers_buffer.append(b"\r\n")  # type: ignore[attr-defined]
        send_body = bool(body) and code != 204 and self.command != "HEAD"
        if send_body and len(body) < 65536:
            # Small answers go out in one write with the headers; big ones are not copied just for that.
            self._headers_buffer.append(body)  # type: ignore[attr-defined]
            send_body = False
        self.flush_headers()
        if send_body:
            self.wfile.write(body)


class _BodyError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class SandboxServer(ThreadedWSGIServer):
    """A threaded werkzeug server that remembers its open connections (``close_connections``)."""

    def __init__(self, host: str, port: int, app: SandboxApp) -> None:
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        self._sock_lock = threading.Lock()
        self._refuse_until: float | None = None  # monotonic time; the listening socket is closed until then
        self._stop_requested = False
        self._serving_done = threading.Event()
        super().__init__(host, port, app, handler=SandboxRequestHandler)  # type: ignore[arg-type]

    # socketserver's loop registers the listening socket once; this one re-reads it on every turn, so that
    # refuse_connections() can close it and open a new one on the same port.
    def serve_forever(self, poll_interval: float = 0.5) -> None:
        self._serving_done.clear()
        try:
            while not self._stop_requested:
                with self._sock_lock:
                    if self._refuse_until is not None and time.monotonic() >= self._refuse_until:
                        self._reopen()
                    sock = None if self._refuse_until is not None else self.socket
                if sock is None:
                    time.sleep(min(poll_interval, 0.01))
                    continue
                try:
                    ready, _, _ = select.select([sock], [], [], poll_interval)
                except (OSError, ValueError):  # closed under us by refuse_connections()
                    continue
                if self._stop_requested:
                    break
                if ready:
                    self._handle_request_noblock()
                self.service_actions()
        finally:
            self._stop_requested = False
            self._serving_done.set()

    def shutdown(self) -> None:
        self._stop_requested = True
        self._serving_done.wait()

    def refuse_connections(self, seconds: float) -> None:
        """Close the listening socket for ``seconds`` (new connections get ECONNREFUSED) and every open
        connection (so a pooled keep-alive connection cannot bypass the refusal); then listen again on the
        same port. A client sees a connection refused *before* its request was sent."""
        with self._sock_lock:
            if self._refuse_until is None:
                with contextlib.suppress(OSError):
                    self.socket.shutdown(socket.SHUT_RDWR)
                self.socket.close()
            self._refuse_until = time.monotonic() + seconds
        self.close_connections()

    def _reopen(self) -> None:
        sock = socket.socket(self.address_family, self.socket_type)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(self.server_address)
            sock.listen(self.request_queue_size)
        except OSError:
            sock.close()
            self._refuse_until = time.monotonic() + 0.05  # port briefly busy: try again shortly
            return
        self.socket = sock
        self._refuse_until = None

    def track(self, conn: socket.socket) -> None:
        with self._conn_lock:
            self._connections.add(conn)

    def untrack(self, conn: socket.socket) -> None:
        with self._conn_lock:
            self._connections.discard(conn)

    def add_busy(self, seconds: float) -> None:
        app = self.app
        if isinstance(app, SandboxApp):
            app.wire_seconds += seconds

    def close_connections(self) -> None:
        """Shut every open keep-alive connection, so no handler thread outlives the server."""
        with self._conn_lock:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


def make_sandbox_server(app: SandboxApp, host: str = "127.0.0.1", port: int = 0) -> SandboxServer:
    """A ready (not yet serving) server; call ``serve_forever()`` in a thread.

    Example:
        >>> server = make_sandbox_server(app)      # doctest: +SKIP
        >>> server.server_address                  # doctest: +SKIP
        ('127.0.0.1', 54321)
    """
    return SandboxServer(host, port, app)
