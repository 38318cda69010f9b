"""The WSGI application: parse, authenticate, rate-limit, inject faults, dispatch, log."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from time import perf_counter
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.wrappers import Request

from ..errors import SandboxError
from ..faults import NO_FAULT, FaultDecision, Faults
from ..identity import Identity
from ..pagination import CursorCodec
from ..ratelimit import RateLimiter, make_limiter
from ..sigcheck import HEADER_KEY, KeyEntry, KeyRegistry, has_auth_headers, verify_request
from .api import ApiRoutes
from .api_markets import MarketRoutes
from .api_portfolio_accounts import AccountRoutes
from .control import ControlRoutes
from .requestlog import RequestLog, RequestRecord, _clip, _loggable
from .routes import _API_MAP, _PUBLIC, CONTROL_PREFIX
from .wire import _TOO_MANY, _apply_fault, _Ctx, _error_body, _Query, _respond, dumps

log = logging.getLogger("kalshi_nb.sandbox.server")


log = logging.getLogger(__name__)


class SandboxApp(MarketRoutes, AccountRoutes, ApiRoutes, ControlRoutes):
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
        self._lists = OrderedDict()
        self._lists_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._in_flight = 0  # API requests being handled (wait_idle)
        self._idle = threading.Condition()
        self.identity: Identity | None = None  # set by Sandbox.start() once the port is known

    def __call__(self, environ: dict, start_response: Callable) -> list[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
            code, answer = self._control(environ)
            return _respond(start_response, code, answer)
        with self._idle:
            self._in_flight += 1
        try:
            return self._handle(environ, start_response, path)
        finally:
            with self._idle:
                self._in_flight -= 1
                if not self._in_flight:
                    self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no API request is being handled; False if one still is after ``timeout`` seconds."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout)

    def _handle(self, environ: dict, start_response: Callable, path: str) -> list[bytes]:
        started = perf_counter()
        request = Request(environ)
        method = request.method
        decision = self.faults.decide(method, path) if self.faults.active else NO_FAULT
        if decision.latency and decision.latency_phase == "before":
            time.sleep(decision.latency)
        raw_body = request.get_data()
        status: int | None
        auth_failed = False
        extra_headers: dict[str, str] = {}
        try:
            status, body = self._api(request, decision, raw_body)
        except SandboxError as exc:
            status, body = exc.status, dumps(exc.body())
            extra_headers = exc.headers
            auth_failed = exc.status == 401
        except Exception as exc:  # noqa: BLE001 -- a sandbox bug: answer like Kalshi would, re-raise in the caller
            self.on_error(exc)
            status, body = (
                500,
                _error_body(
                    "internal_server_error", f"sandbox error: {type(exc).__name__}: {str(exc)[:200]}"
                ),
            )
        if decision.latency and decision.latency_phase == "after":
            time.sleep(decision.latency)  # processed; the answer is late (a client may have timed out)
        if decision.kind is not None:
            if decision.phase == "before" and raw_body:
                auth_failed = not self._authentic(request)  # never ran: check it, only to decide what to log
            status, body = _apply_fault(decision, status, body, environ)
        # A request that failed authentication is logged as method, path and status only: its body and
        # query came from someone without the key (and could be large).
        self.requests.append(
            RequestRecord(
                method=method,
                path=_clip(path) or "",
                query={}
                if auth_failed
                else {
                    k: ((_clip(v[0]) or "") if len(v) == 1 else [_clip(x) or "" for x in v[:20]])
                    for k, v in list(request.args.lists())[:50]
                },
                status=status,
                key_id=None if auth_failed else _clip(request.headers.get(HEADER_KEY)),
                body=None if auth_failed else _loggable(raw_body),
                fault=decision.label,
                duration=perf_counter() - started,
                time=self.clock(),
            )
        )
        if decision.kind is not None:
            extra_headers = {}  # a faulted answer is the fault's own
        return _respond(start_response, status or 500, body, extra_headers)

    def _api(self, request: Request, decision: FaultDecision, raw_body: bytes) -> tuple[int, bytes]:
        if decision.kind is not None and decision.phase == "before":
            return 0, b""  # replaced by the fault; the exchange never sees the request
        try:
            endpoint, values = self._api_routes.match(request.path, request.method)
        except MethodNotAllowed as exc:
            allowed = ", ".join(sorted(exc.valid_methods or ()))
            raise SandboxError(
                405,
                "method_not_allowed",
                f"{request.method} is not allowed on {request.path}; allowed: {allowed}",
                headers={"Allow": allowed},  # RFC 9110: a 405 must list the allowed methods
            ) from None
        except HTTPException:
            raise SandboxError(404, "not_found", f"no route {request.method} {request.path}") from None

        ctx = _Ctx(request, _Query(request.args), endpoint, decision)
        ctx.body = raw_body
        if endpoint not in _PUBLIC or has_auth_headers(request.headers):
            ctx.user = self._verify(request)
        # the bucket, the cost, the tier's batch size (api_portfolio_accounts)
        if not self._charge(ctx, raw_body):
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

    def __repr__(self) -> str:
        return f"<SandboxApp keys={len(self.keys)} rate_limit={self.limiter.tier.name if self.limiter else 'off'}>"
