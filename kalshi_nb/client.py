"""``KalshiClient``: the original kalshi_nb interface, speaking today's Trade API v2.

One ``requests.Session`` (keep-alive), a default timeout, signed requests sent with
``allow_redirects=False``, retries at this level (each attempt signed afresh; no urllib3 ``Retry``, which
would resend a stale timestamp), exponential backoff with jitter inside a bounded total time, a shared
token bucket, and errors that carry the evidence without ever carrying a secret.

Example:
    >>> client = KalshiClient()                          # credentials from the environment / .env
    >>> client.get_market("KXBTC15M-26NOV251245-45")["yes_ask_dollars"]      # doctest: +SKIP
    '0.5300'
    >>> explorer = KalshiClient.read_only()              # market data without credentials
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from . import config
from .auth import KalshiAuth, PrivateKey, load_private_key, parse_private_key, redact
from .endpoints import check_filters
from .envcheck import prove_sandbox
from .errors import (
    KalshiAPIError,
    PaginationError,
    ReadOnlyError,
    api_error,
    parse_error_body,
)
from .order_v2 import plain
from .ratelimit import RateLimiter, make_rate_limiter
from .timeargs import check_range, unix_seconds
from .writer import AMBIGUOUS, InvalidResponseError, OrderWriter, check_id

log = logging.getLogger(__name__)

_AUTH_PREFIXES = ("/portfolio", "/account", "/api_keys", "/historical/fills", "/historical/orders",
                  "/historical/positions", "/communications")
# (min, max) of each list endpoint's `limit`, from the SDK-3.34 pydantic constraints (kalshi-api.md section 3).
LIMITS = {
    "markets": (0, 1000),
    "trades": (0, 1000),
    "events": (1, 200),
    "positions": (1, 1000),
    "fills": (1, 1000),
    "orders": (1, 1000),
    "settlements": (1, 1000),
}
CANDLE_INTERVALS = (1, 60, 1440)


_RETRYABLE_READ = AMBIGUOUS


@dataclass(frozen=True)
class RetryPolicy:
    """How reads are retried and how long a create-order may take to settle.

    ``max_attempts`` counts every attempt (1 = no retry). ``total_time`` bounds the whole call, attempts
    and sleeps included. The delay before attempt n+1 is ``min(backoff_max, backoff_base * 2**(n-1))``
    halved plus a random half (equal jitter); a ``Retry-After`` header replaces it when present.
    ``order_attempts`` bounds how often one create-order (same ``client_order_id``) is sent.
    ``in_flight_grace`` is how long, after a create-order timed out, the client keeps looking for the
    order before it concludes the exchange never took it (None: one request timeout).

    Example:
        >>> KalshiClient(retry=RetryPolicy(max_attempts=6, total_time=60))   # doctest: +SKIP
    """

    max_attempts: int = 4
    backoff_base: float = 0.25
    backoff_max: float = 4.0
    total_time: float = 30.0
    order_attempts: int = 3
    in_flight_grace: float | None = None

    def delay(self, attempt: int) -> float:
        cap = min(self.backoff_max, self.backoff_base * 2 ** max(attempt - 1, 0))
        return cap / 2 + random.uniform(0, cap / 2)


class KalshiClient(OrderWriter):
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
        >>> client = KalshiClient(use_demo=True)                              # doctest: +SKIP
        >>> client.get_balance()["balance"]                                  # doctest: +SKIP
        100000
    """

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
        """``prod``, ``demo`` or ``local``, decided from where the requests really go.

        A loopback URL is ``local`` (fake money) only after the sandbox there proved it is one
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

    def __reduce__(self) -> object:
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
            >>> client._sign_request("GET", "/trade-api/v2/portfolio/balance", 1703123456789)  # doctest: +SKIP
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
        rel = full_path[len(self._prefix):]
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
            >>> client._request("GET", "/exchange/status")            # doctest: +SKIP
            {'exchange_active': True, 'trading_active': True}
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
                    log.debug("%s %s: giving up after %d attempts (time budget spent)", method, full_path, attempt)
                    raise
                log.debug("%s %s: attempt %d failed (%s); retrying in %.2f s",
                          method, full_path, attempt, _describe(exc), delay)
                time.sleep(delay)

    def _send_once(self, method: str, full_path: str, params: dict[str, Any] | None, json_body: Any,
                   deadline: float) -> Any:
        kind = "read" if method == "GET" else "write"
        if self.rate_limiter is not None:
            self.rate_limiter.acquire(kind)
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
            log.debug("%s %s -> %s after %.1f ms", method, full_path, type(exc).__name__,
                      (time.perf_counter() - started) * 1000)
            raise
        _redact_sent_headers(response.request)
        log.debug("%s %s -> %d in %.1f ms", method, full_path, response.status_code,
                  (time.perf_counter() - started) * 1000)
        return self._parse(response, method, full_path)

    def _parse(self, response: requests.Response, method: str, full_path: str) -> Any:
        status = response.status_code
        if 300 <= status < 400:
            raise KalshiAPIError(
                status=status, code="redirect", method=method, path=full_path, response=response,
                message=f"unexpected redirect to {response.headers.get('Location', '?')!r}; signed requests are "
                        "never followed (the signature covers the original path)",
                hint="check the API base URL (KALSHI_API_BASE): it must end in /trade-api/v2",
            )
        body: Any = None
        malformed = False
        if response.content:
            try:
                body = json.loads(response.content)
            except ValueError:
                malformed = True
        if status >= 400:
            code = parse_error_body(body)[0]
            raise self._scrubbed(api_error(response, method=method, path=full_path, body=body,
                                           hint=self._hint(status, code)))
        if malformed:
            raise InvalidResponseError(
                status=status, code="invalid_json", method=method, path=full_path, response=response,
                message="the response body is not valid JSON (truncated?)", body=(response.text or "")[:200],
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
            hints.append("a demo key does not work on the production host: for demo use KALSHI_USE_DEMO=true "
                         "or connect('demo')")
        elif self.env == "demo":
            hints.append("a production key does not work on the demo host: for production set "
                         "KALSHI_USE_DEMO=false or use connect('prod')")
        else:
            hints.append(f"check that this key is registered with {self.api_base}")
        hints.append("your computer's clock may be off: the signed timestamp must be within about 30 s of "
                     "the exchange's clock (sync it with NTP)")
        hints.append(f"check that {config.ENV_KEY_ID} ({redact(self._auth.key_id)}) is the id of this "
                     "private key")
        return "; ".join(hints)

    # --- pagination -------------------------------------------------------------------------------
    def paginate(self, method: str | Callable[..., dict], key: str | None = None, /, **params: Any) -> Iterator[dict]:
        """Yield every item of a list endpoint, following the cursor with the same filters on each page.

        Stops on a missing, null or empty cursor; raises ``PaginationError`` if a cursor repeats.

        Example:
            >>> for m in client.paginate("get_markets", series_ticker="KXBTC15M", limit=1000):  # doctest: +SKIP
            ...     print(m["ticker"])
        """
        fetch = getattr(self, method) if isinstance(method, str) else method
        if key is None:
            name = method if isinstance(method, str) else getattr(method, "__name__", "")
            key = _ITEMS_KEY.get(name)
            if key is None:
                raise ValueError(f"pass the items key for {name!r} (e.g. 'markets')")
        cursor = params.pop("cursor", None)
        seen: set[str] = set()
        while True:
            page = fetch(cursor=cursor, **params)
            yield from page.get(key) or []
            cursor = page.get("cursor")
            if not cursor:
                return
            if cursor in seen:
                raise PaginationError(f"the server repeated a cursor while listing {key}; stopping instead of looping")
            seen.add(cursor)

    # --- market data (no credentials needed) ---------------------------------------------------------
    def get_exchange_status(self) -> dict:
        """``GET /exchange/status``: ``{"exchange_active": bool, "trading_active": bool, ...}``."""
        return self._request("GET", "/exchange/status")

    def get_markets(self, series_ticker: str | None = None, status: str | None = "open", limit: int = 200,
                    cursor: str | None = None, **filters: Any) -> dict:
        """``GET /markets``: one page, ``{"markets": [...], "cursor": str}``.

        ``filters``: ``event_ticker``, ``tickers`` (list or comma string), ``mve_filter``, ``min_close_ts``...

        Example:
            >>> client.get_markets(series_ticker="KXBTC15M", limit=10)["markets"][0]["ticker"]  # doctest: +SKIP
        """
        params = {"series_ticker": series_ticker, "status": status, "cursor": cursor, **filters}
        params["limit"] = _check_limit("markets", limit)
        return self._request("GET", "/markets", params=_csv(check_filters("markets", params), "tickers"))

    def get_market(self, ticker: str) -> dict:
        """``GET /markets/{ticker}``, unwrapped: the market object itself.

        Example:
            >>> client.get_market("KXBTC15M-26NOV251245-45")["status"]   # doctest: +SKIP
            'active'
        """
        return self._request("GET", f"/markets/{_seg(ticker)}")["market"]

    def get_events(self, status: str | None = "open", limit: int = 200, cursor: str | None = None,
                   **filters: Any) -> dict:
        """``GET /events``: one page, ``{"events": [...], "cursor": str}`` (no multivariate events).

        ``filters``: ``series_ticker``, ``with_nested_markets``, ``tickers``, ``min_close_ts``...
        """
        params = {"status": status, "cursor": cursor, **filters}
        params["limit"] = _check_limit("events", limit)
        return self._request("GET", "/events", params=_csv(check_filters("events", params), "tickers"))

    def get_event(self, event_ticker: str, with_nested_markets: bool = False) -> dict:
        """``GET /events/{event_ticker}``: ``{"event": {...}, "markets": [...]}``."""
        return self._request("GET", f"/events/{_seg(event_ticker)}",
                             params={"with_nested_markets": with_nested_markets or None})

    def get_series(self, series_ticker: str, **filters: Any) -> dict:
        """``GET /series/{series_ticker}``: ``{"series": {...}}``."""
        return self._request("GET", f"/series/{_seg(series_ticker)}", params=check_filters("series", filters))

    def get_series_list(self, category: str | None = None, **filters: Any) -> dict:
        """``GET /series``: ``{"series": [...]}`` (not paginated; large without a filter)."""
        params = check_filters("series_list", {"category": category, **filters})
        return self._request("GET", "/series", params=_csv(params, "tags"))

    def get_orderbook(self, ticker: str, depth: int | None = None) -> dict:
        """``GET /markets/{ticker}/orderbook``: ``{"orderbook_fp": {"yes_dollars": [...], "no_dollars": [...]}}``.

        Only bids are listed, YES and NO; levels are ``[price, count]`` strings.
        """
        depth = plain(depth)  # type: ignore[assignment]
        if depth is not None and (isinstance(depth, bool) or not isinstance(depth, int) or not 0 <= depth <= 100):
            raise ValueError(f"depth must be an integer 0-100 (0 = all levels), got {depth!r}")
        return self._request("GET", f"/markets/{_seg(ticker)}/orderbook", params={"depth": depth})

    def get_trades(self, ticker: str | None = None, limit: int = 100, cursor: str | None = None,
                   **filters: Any) -> dict:
        """``GET /markets/trades``: one page, ``{"trades": [...], "cursor": str}``; filters ``min_ts``, ``max_ts``."""
        params = {"ticker": ticker, "cursor": cursor, **filters}
        params["limit"] = _check_limit("trades", limit)
        return self._request("GET", "/markets/trades", params=check_filters("trades", params))

    def get_candlesticks(self, ticker: str, start_ts: int | datetime, end_ts: int | datetime,
                         period_interval: int = 60, *,
                         series_ticker: str | None = None, **filters: Any) -> dict:
        """``GET /series/{series}/markets/{ticker}/candlesticks``: ``{"ticker", "candlesticks": [...]}``.

        ``start_ts``/``end_ts`` are Unix seconds or datetimes; ``period_interval`` is 1, 60 or 1440 minutes. Without
        ``series_ticker`` it is looked up from the market's event (two extra reads).
        """
        if period_interval not in CANDLE_INTERVALS:
            raise ValueError(f"period_interval must be 1, 60 or 1440 (minutes), got {period_interval!r}")
        if series_ticker is None:
            event_ticker = self.get_market(ticker)["event_ticker"]
            series_ticker = self.get_event(event_ticker)["event"]["series_ticker"]
        start, end = check_range(start_ts, end_ts, names=("start_ts", "end_ts"))
        params = check_filters("candlesticks", {"start_ts": start, "end_ts": end, "period_interval": period_interval,
                                                **filters})
        return self._request("GET", f"/series/{_seg(series_ticker)}/markets/{_seg(ticker)}/candlesticks",
                             params=params)

    # --- the historical tier (markets, trades and the account's history older than the cutoff) --------
    def get_historical_cutoff(self) -> dict:
        """``GET /historical/cutoff``: when data moves to the historical tier (``market_settled_ts``, ...)."""
        return self._request("GET", "/historical/cutoff")

    def get_historical_markets(self, limit: int = 200, cursor: str | None = None, **filters: Any) -> dict:
        """``GET /historical/markets``: one page, ``{"markets": [...], "cursor": str}``."""
        params = {"cursor": cursor, "limit": _check_limit("markets", limit), **filters}
        return self._request("GET", "/historical/markets",
                             params=_csv(check_filters("historical_markets", params), "tickers"))

    def get_historical_market(self, ticker: str) -> dict:
        """``GET /historical/markets/{ticker}``, unwrapped: the market object."""
        return self._request("GET", f"/historical/markets/{_seg(ticker)}")["market"]

    def get_historical_candlesticks(self, ticker: str, start_ts: int | datetime, end_ts: int | datetime,
                                    period_interval: int = 60) -> dict:
        """``GET /historical/markets/{ticker}/candlesticks``: ``{"ticker", "candlesticks": [...]}``."""
        if period_interval not in CANDLE_INTERVALS:
            raise ValueError(f"period_interval must be 1, 60 or 1440 (minutes), got {period_interval!r}")
        start, end = check_range(start_ts, end_ts, names=("start_ts", "end_ts"))
        params = check_filters("historical_candlesticks",
                               {"start_ts": start, "end_ts": end, "period_interval": period_interval})
        return self._request("GET", f"/historical/markets/{_seg(ticker)}/candlesticks", params=params)

    # --- portfolio (credentials needed) -------------------------------------------------------------
    def get_balance(self) -> dict:
        """``GET /portfolio/balance``: ``{"balance": int cents, "balance_dollars": str, ...}``."""
        return self._request("GET", "/portfolio/balance")

    def get_positions(self, limit: int = 100, cursor: str | None = None, **filters: Any) -> dict:
        """``GET /portfolio/positions``: ``{"market_positions": [...], "event_positions": [...], "cursor"}``."""
        params = {"cursor": cursor, **filters}
        params["limit"] = _check_limit("positions", limit)
        return self._request("GET", "/portfolio/positions",
                             params=_csv(check_filters("positions", params), "count_filter"))

    def get_fills(self, ticker: str | None = None, limit: int = 100, cursor: str | None = None,
                  **filters: Any) -> dict:
        """``GET /portfolio/fills``: ``{"fills": [...], "cursor": str}``."""
        params = {"ticker": ticker, "cursor": cursor, **filters}
        params["limit"] = _check_limit("fills", limit)
        return self._request("GET", "/portfolio/fills", params=_csv(check_filters("fills", params), "ticker"))

    def get_orders(self, ticker: str | None = None, status: str | None = None, limit: int = 100,
                   cursor: str | None = None, **filters: Any) -> dict:
        """``GET /portfolio/orders``: ``{"orders": [...], "cursor": str}``; ``status`` resting/canceled/executed."""
        params = {"ticker": ticker, "status": status, "cursor": cursor, **filters}
        params["limit"] = _check_limit("orders", limit)
        return self._request("GET", "/portfolio/orders",
                             params=_csv(check_filters("orders", params), "event_ticker"))

    def get_order(self, order_id: str) -> dict:
        """``GET /portfolio/orders/{order_id}``: ``{"order": {...}}``."""
        return self._request("GET", f"/portfolio/orders/{_seg(order_id)}")

    def get_settlements(self, limit: int = 100, cursor: str | None = None, **filters: Any) -> dict:
        """``GET /portfolio/settlements``: ``{"settlements": [...], "cursor": str}``."""
        params = {"cursor": cursor, **filters}
        params["limit"] = _check_limit("settlements", limit)
        return self._request("GET", "/portfolio/settlements", params=check_filters("settlements", params))

_ITEMS_KEY = {
    "get_markets": "markets",
    "get_events": "events",
    "get_trades": "trades",
    "get_positions": "market_positions",
    "get_fills": "fills",
    "get_orders": "orders",
    "get_settlements": "settlements",
}


def _seg(value: object) -> str:
    """One path segment: checked (no dot segments, slashes or escapes can change the route), then encoded."""
    return quote(check_id(value), safe="")


def _check_limit(endpoint: str, limit: Any) -> int:
    low, high = LIMITS[endpoint]
    limit = plain(limit)
    if isinstance(limit, bool) or not isinstance(limit, int) or not low <= limit <= high:
        raise ValueError(f"limit for {endpoint} must be an integer {low}-{high}, got {limit!r}")
    return limit


def _csv(params: dict[str, Any], *names: str) -> dict[str, Any]:
    for name in names:
        value = params.get(name)
        if isinstance(value, list | tuple | set | frozenset):
            params[name] = ",".join(sorted(value) if isinstance(value, set | frozenset) else value)
    return params


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
