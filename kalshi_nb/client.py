"""``KalshiClient``: the original kalshi_nb interface, speaking today's Trade API v2.

One ``requests.Session`` (keep-alive), a default timeout, signed requests sent with
``allow_redirects=False``, retries at this level (each attempt signed afresh; no urllib3 ``Retry``, which
would resend a stale timestamp), exponential backoff with jitter inside a bounded total time, a shared
token bucket, and errors that carry the evidence without ever carrying a secret.

Example:
    >>> client = KalshiClient()                          # credentials from the environment / .env  # doctest: +SKIP
    >>> explorer = KalshiClient.read_only()              # market data without credentials
    >>> explorer.env
    'prod'
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import requests

from . import config
from .auth import KalshiAuth, PrivateKey, load_private_key, parse_private_key, redact
from .bodies import body_decoder, decode_json
from .envcheck import prove_sandbox
from .errors import (
    KalshiAPIError,
    ReadOnlyError,
    SandboxNotRunningError,
    api_error,
    parse_error_body,
)
from .ratelimit import RateLimiter, make_rate_limiter
from .retry import RetryPolicy
from .timeargs import unix_seconds
from .trading import TradeCalls, is_pause_refusal, paused_error
from .writer import AMBIGUOUS, InvalidResponseError, not_processed

log = logging.getLogger(__name__)

_AUTH_PREFIXES = (
    "/portfolio",
    "/account",
    "/api_keys",
    "/historical/fills",
    "/historical/orders",
    "/historical/positions",
    "/communications",
)
_RETRYABLE_READ = AMBIGUOUS


class KalshiClient(TradeCalls):
    """A signed client for Kalshi Trade API v2.

    Keyword arguments override the environment (``KALSHI_API_KEY_ID``, ``KALSHI_PRIVATE_KEY_PATH``,
    ``KALSHI_PRIVATE_KEY_PASSWORD``, ``KALSHI_USE_DEMO``, ``KALSHI_API_BASE``; a ``.env`` file is read).

    - ``key_id``; ``private_key`` (a key object or PEM text) or ``private_key_path``; ``private_key_password``
    - ``api_base`` (must end in ``/trade-api/v2``) or ``use_demo``
    - ``timeout`` (seconds, or a ``(connect, read)`` pair), ``session`` (a ``requests.Session`` to use)
    - ``retry`` (a ``RetryPolicy``) and ``rate_limit`` (a tier name such as ``"basic"``, a ``RateLimiter``
      to share, or None)
    - ``read_only=True``: no credentials needed; portfolio and order calls raise ``ReadOnlyError``.

    Example:
        >>> demo = KalshiClient(use_demo=True)                                # doctest: +SKIP
        >>> isinstance(client.get_balance()["balance"], int)                 # cents, as live
        True
    """

    # The WebSocket feed's URL when it is not derived from api_base (a sandbox serves it on another port);
    # connect() sets it, kalshi_nb.feed reads it (config.get_ws_url).
    ws_url: str | None = None

    def __init__(
        self,
        *,
        key_id: str | None = None,
        private_key: PrivateKey | str | bytes | None = None,
        private_key_path: str | None = None,
        private_key_password: str | None = None,
        api_base: str | None = None,
        use_demo: bool | None = None,
        timeout: float | tuple[float, float] = 10.0,
        session: requests.Session | None = None,
        retry: RetryPolicy | None = None,
        rate_limit: str | RateLimiter | None = "basic",
        read_only: bool = False,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if api_base is not None:
            self.api_base = config.validate_api_base(api_base)
        elif use_demo is not None:
            self.api_base = config.base_for_env("demo" if use_demo else "prod")
        else:
            self.api_base = config.get_api_base()
        parts = urlsplit(self.api_base)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._prefix = parts.path  # "/trade-api/v2", possibly behind a longer path on a custom host
        self._forced_prod = False
        self._sandbox_proven = False
        self._next_proof = 0.0
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._sleep = sleep  # injectable, so retry timing is tested without waiting
        self.rate_limiter = make_rate_limiter(rate_limit)
        self._auth: KalshiAuth | None = None
        if not read_only:
            self._auth = self._load_auth(key_id, private_key, private_key_path, private_key_password, clock)
        if session is None:
            session = requests.Session()
            session.headers["User-Agent"] = f"kalshi_nb/0.1 {requests.utils.default_user_agent()}"
        self._session = session

    @classmethod
    def read_only(cls, api_base: str | None = None, **kwargs: Any) -> KalshiClient:
        """A client for market data only; it needs and reads no credentials.

        Portfolio and order calls on it raise ``ReadOnlyError`` before anything is sent.

        Example:
            >>> KalshiClient.read_only().is_read_only
            True
        """
        return cls(api_base=api_base, read_only=True, **kwargs)

    @staticmethod
    def _load_auth(
        key_id: str | None,
        private_key: PrivateKey | str | bytes | None,
        private_key_path: str | None,
        password: str | None,
        clock: Callable[[], float],
    ) -> KalshiAuth:
        key_id = key_id or config.get_key_id()
        path = private_key_path or (None if private_key is not None else config.get_private_key_path())
        missing = []
        if not key_id:
            missing.append(config.ENV_KEY_ID)
        if private_key is None and not path:
            missing.append(config.ENV_PRIVATE_KEY_PATH)
        if missing:
            raise ValueError(
                f"Kalshi credentials missing: {', '.join(missing)}. Set them in the environment or a .env file "
                "(see .env.example), or pass key_id=... and private_key_path=...; to explore market data "
                "without a key use KalshiClient.read_only() or kalshi_nb.connect('sandbox')"
            )
        if isinstance(private_key, str | bytes):
            key = parse_private_key(private_key, password=password or config.get_private_key_password())
        elif private_key is not None:
            key = private_key
        else:
            key = load_private_key(path, password=password)
        return KalshiAuth(str(key_id), key, clock=clock)

    # --- identity ---------------------------------------------------------------------------------
    @property
    def env(self) -> str:
        """``prod``, ``demo`` or ``sandbox``, decided from where the requests really go.

        A loopback URL is ``sandbox`` (fake money) only after the sandbox there proved it is one
        (``kalshi_nb.envcheck``); until then, and for every host that is not Kalshi's demo, it is ``prod``.
        """
        if self._forced_prod:
            return "prod"
        host = urlsplit(self.api_base).hostname or ""
        if config.is_loopback_host(host) and not self._sandbox_proven:
            now = time.monotonic()
            if now >= self._next_proof:
                # A failed proof is retried a little later: the sandbox may start after the client.
                self._sandbox_proven = prove_sandbox(self.api_base)
                self._next_proof = now + 2.0
        return config.environment_of(self.api_base, sandbox_proven=self._sandbox_proven)

    @env.setter
    def env(self, value: str) -> None:
        # Only ever stricter: a client can be made to behave as production, never the other way round.
        if value != "prod":
            raise ValueError("a client's environment comes from its URL; it can only be forced to 'prod'")
        self._forced_prod = True

    @property
    def is_read_only(self) -> bool:
        return self._auth is None

    @property
    def key_id(self) -> str | None:
        return self._auth.key_id if self._auth else None

    @property
    def session(self) -> requests.Session:
        return self._session

    def __repr__(self) -> str:
        who = "read-only" if self._auth is None else f"key={redact(self._auth.key_id)}"
        return f"<KalshiClient {self.env} {self.api_base} {who}>"

    __str__ = __repr__

    def __reduce__(self) -> str | tuple[Any, ...]:
        raise TypeError("KalshiClient holds a private key and cannot be pickled")

    def close(self) -> None:
        """Close the HTTP session's connections."""
        self._session.close()

    def __enter__(self) -> KalshiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- signing and the request loop ---------------------------------------------------------------
    def _sign_request(self, method: str, path: str, timestamp: str | int) -> str:
        """Base64 signature of ``timestamp + METHOD + path`` (full URL path incl. ``/trade-api/v2``, no query).

        Example:
            >>> len(client._sign_request("GET", "/trade-api/v2/portfolio/balance", 1703123456789)) > 40
            True
        """
        if self._auth is None:
            raise ReadOnlyError("this client is read-only: it has no key to sign with")
        return self._auth.sign(method, path, timestamp)

    def _full_path(self, path: str) -> str:
        if path.startswith(self._prefix + "/"):
            return path
        if not path.startswith("/"):
            path = "/" + path
        return self._prefix + path

    def _needs_auth(self, full_path: str) -> bool:
        rel = full_path[len(self._prefix) :]
        return rel.startswith(_AUTH_PREFIXES)

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        retry: bool | None = None,
        deadline: float | None = None,
    ) -> Any:
        """Send one API call and return its parsed JSON (``{}`` for an empty body).

        ``path`` is relative to the API base (``/markets``) or the full path. Every attempt is signed with
        a fresh timestamp. Reads (GET) are retried on connection errors, timeouts, 429 and 5xx with
        backoff and jitter, within ``RetryPolicy.total_time``; writes are sent once unless ``retry=True``.

        Example:
            >>> client._request("GET", "/exchange/status")["exchange_active"]
            True
        """
        method = method.upper()
        full_path = self._full_path(path)
        if self._auth is None and self._needs_auth(full_path):
            raise ReadOnlyError(
                f"{method} {full_path} needs credentials, and this client is read-only; create it with "
                "credentials (KalshiClient() / kalshi_nb.connect()) to use portfolio and order calls"
            )
        if retry is None:
            retry = method == "GET"
        policy = self.retry
        deadline = deadline if deadline is not None else time.monotonic() + policy.total_time
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._send_once(method, full_path, params, json_body, deadline)
            except _RETRYABLE_READ as exc:
                if not retry or attempt >= policy.max_attempts:
                    raise
                delay = _retry_after(exc)
                if delay is None:
                    delay = policy.delay(attempt)
                if time.monotonic() + delay >= deadline:
                    log.debug(
                        "%s %s: giving up after %d attempts (time budget spent)", method, full_path, attempt
                    )
                    raise
                log.debug(
                    "%s %s: attempt %d failed (%s); retrying in %.2f s",
                    method,
                    full_path,
                    attempt,
                    _describe(exc),
                    delay,
                )
                self._sleep(delay)

    def _send_once(
        self, method: str, full_path: str, params: dict[str, Any] | None, json_body: Any, deadline: float
    ) -> Any:
        if self.rate_limiter is not None:
            # The bucket and cost follow the route (batch items billed each; an oversized batch refused).
            self.rate_limiter.acquire_request(method, full_path[len(self._prefix) :], json_body)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise requests.Timeout(f"{method} {full_path}: the call's time budget is spent")
        started = time.perf_counter()
        try:
            response = self._session.request(
                method,
                self._origin + full_path,
                params=_query(params),
                json=json_body,
                timeout=_cap_timeout(self.timeout, remaining),
                allow_redirects=False,
                auth=self._auth,
            )
        except requests.RequestException as exc:
            _redact_sent_headers(exc.request)
            if not_processed(exc) and config.is_loopback_host(urlsplit(self.api_base).hostname or ""):
                raise SandboxNotRunningError(
                    f"the sandbox at {self.api_base} is not running: start it with `make sandbox` (or "
                    "`python -m kalshi_nb.sandbox --write-env .env`), or call kalshi_nb.connect() to start one "
                    "in this kernel"
                ) from exc
            log.debug(
                "%s %s -> %s after %.1f ms",
                method,
                full_path,
                type(exc).__name__,
                (time.perf_counter() - started) * 1000,
            )
            raise
        _redact_sent_headers(response.request)
        log.debug(
            "%s %s -> %d in %.1f ms",
            method,
            full_path,
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        return self._parse(response, method, full_path)

    def _parse(self, response: requests.Response, method: str, full_path: str) -> Any:
        status = response.status_code
        if 300 <= status < 400:
            raise KalshiAPIError(
                status=status,
                code="redirect",
                method=method,
                path=full_path,
                response=response,
                message=f"unexpected redirect to {response.headers.get('Location', '?')!r}; signed requests are "
                "never followed (the signature covers the original path)",
                hint="check the API base URL (KALSHI_API_BASE): it must end in /trade-api/v2",
            )
        body: Any = None
        malformed = False
        if response.content:
            decode = body_decoder()
            if decode is not None and 200 <= status < 300:
                body = decode(response.content)
            if body is None:
                try:
                    body = decode_json(response.content)
                except ValueError:
                    malformed = True
        if status >= 400:
            code = parse_error_body(body)[0]
            err = api_error(response, method=method, path=full_path, body=body, hint=self._hint(status, code))
            raise self._scrubbed(paused_error(err) if is_pause_refusal(err) else err)
        if malformed:
            raise InvalidResponseError(
                status=status,
                code="invalid_json",
                method=method,
                path=full_path,
                response=response,
                message="the response body is not valid JSON (truncated?)",
                body=(response.text or "")[:200],
            )
        if isinstance(body, dict) and body.get("error"):
            # Retired endpoints have answered an error body with a 2xx status (kalshi-api.md section 5.1).
            raise self._scrubbed(api_error(response, method=method, path=full_path, body=body))
        return {} if body is None else body

    def _scrubbed(self, err: KalshiAPIError) -> KalshiAPIError:
        """Servers may echo the key id in a 401 message; only its redacted form travels on."""
        if self._auth is not None:
            key_id = self._auth.key_id
            short = redact(key_id)
            for name in ("message", "details"):
                value = getattr(err, name)
                if value and key_id in value:
                    setattr(err, name, value.replace(key_id, short))
            if key_id in json.dumps(err.body, default=str):
                err.body = json.loads(json.dumps(err.body, default=str).replace(key_id, short))
            response = err.response
            content = getattr(response, "_content", None)
            if isinstance(content, bytes) and key_id.encode() in content:
                response._content = content.replace(key_id.encode(), short.encode())  # type: ignore[union-attr]
            err.args = (str(err),)
        return err

    def _hint(self, status: int, code: str | None) -> str | None:
        if status not in (401, 403):
            return None
        if self._auth is None:
            return "this endpoint needs a signed request; create the client with credentials"
        hints = []
        host = (urlsplit(self.api_base).hostname or "").lower()
        if host in config.PROD_HOSTS:
            hints.append(
                "a demo key does not work on the production host: for demo use KALSHI_USE_DEMO=true "
                "or connect('demo')"
            )
        elif self.env == "demo":
            hints.append(
                "a production key does not work on the demo host: for production set "
                "KALSHI_USE_DEMO=false or use connect('prod')"
            )
        else:
            hints.append(f"check that this key is registered with {self.api_base}")
        hints.append(
            "your computer's clock may be off: the signed timestamp must be within about 30 s of "
            "the exchange's clock (sync it with NTP)"
        )
        hints.append(
            f"check that {config.ENV_KEY_ID} ({redact(self._auth.key_id)}) is the id of this private key"
        )
        return "; ".join(hints)


def _query(params: dict[str, Any] | None) -> dict[str, Any] | None:
    """Drop None values; booleans as ``true``/``false`` (what Kalshi's generated clients send)."""
    if not params:
        return None
    out: dict[str, Any] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, datetime):
            value = unix_seconds(value, key)
        out[key] = value
    return out


def _cap_timeout(timeout: float | tuple[float, float], remaining: float) -> float | tuple[float, float]:
    remaining = max(remaining, 0.05)
    if isinstance(timeout, tuple):
        return (min(timeout[0], remaining), min(timeout[1], remaining))
    return min(timeout, remaining)


def _retry_after(exc: BaseException) -> float | None:
    """Seconds from a ``Retry-After`` header (seconds or an HTTP date), if the failure carried one."""
    response = getattr(exc, "response", None)
    raw = response.headers.get("Retry-After") if response is not None else None
    if not raw:
        return None
    raw = raw.strip()
    if raw.isdigit():
        return float(raw)
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _describe(exc: BaseException) -> str:
    if isinstance(exc, KalshiAPIError):
        return f"HTTP {exc.status}" + (f" {exc.code}" if exc.code else "")
    return type(exc).__name__


def _redact_sent_headers(sent: requests.PreparedRequest | Any) -> None:
    # The prepared request travels on the response and on any error (e.request); its signature is
    # useless after sending but is still a credential-shaped value, so it does not travel further.
    headers = getattr(sent, "headers", None)
    if headers is None:
        return
    if "KALSHI-ACCESS-SIGNATURE" in headers:
        headers["KALSHI-ACCESS-SIGNATURE"] = "<redacted>"
    key = headers.get("KALSHI-ACCESS-KEY")
    if isinstance(key, str) and len(key) > 8:
        headers["KALSHI-ACCESS-KEY"] = key[:8] + "…"


__all__ = ["InvalidResponseError", "KalshiClient", "RetryPolicy"]
