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
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlsplit

import requests
import urllib3

from . import config, order_v2
from .auth import KalshiAuth, PrivateKey, load_private_key, parse_private_key, redact
from .errors import (
    ConflictError,
    KalshiAPIError,
    OrderStateUnknownError,
    PaginationError,
    RateLimitError,
    ReadOnlyError,
    ServerError,
    api_error,
    parse_error_body,
)
from .ratelimit import RateLimiter, make_rate_limiter

log = logging.getLogger(__name__)

ORDERS_V2_PATH = "/portfolio/events/orders"
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


class InvalidResponseError(KalshiAPIError):
    """A 2xx whose body is not JSON (a truncated answer); reads retry it."""


# A create-order attempt that failed this way may or may not have reached the matching engine.
_AMBIGUOUS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
              ServerError, RateLimitError, InvalidResponseError)
_RETRYABLE_READ = _AMBIGUOUS


def _maybe_in_flight(exc: BaseException) -> bool:
    """True if the exchange may still be working on the request when we learn that it failed.

    A read timeout, or a connection lost after the request went out (a proxy may drop it while the
    exchange goes on). A 5xx, a 429 or a truncated body come after the server is done with the request,
    and a refused or timed-out connect means it never left.
    """
    if isinstance(exc, requests.ReadTimeout):
        return True
    if isinstance(exc, requests.ConnectTimeout) or not isinstance(exc, requests.ConnectionError):
        return False
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
    return not isinstance(reason, urllib3.exceptions.NewConnectionError)


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


class KalshiClient:
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
        self.env = config.environment_of(self.api_base)
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
            for name in ("message", "details"):
                value = getattr(err, name)
                if value and key_id in value:
                    setattr(err, name, value.replace(key_id, redact(key_id)))
            err.args = (str(err),)
        return err

    def _hint(self, status: int, code: str | None) -> str | None:
        if status not in (401, 403):
            return None
        if self._auth is None:
            return "this endpoint needs a signed request; create the client with credentials"
        hints = []
        if self.env == "prod":
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
        return self._request("GET", "/markets", params=_csv(params, "tickers"))

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
        return self._request("GET", "/events", params=_csv(params, "tickers"))

    def get_event(self, event_ticker: str, with_nested_markets: bool = False) -> dict:
        """``GET /events/{event_ticker}``: ``{"event": {...}, "markets": [...]}``."""
        return self._request("GET", f"/events/{_seg(event_ticker)}",
                             params={"with_nested_markets": with_nested_markets or None})

    def get_series(self, series_ticker: str, **filters: Any) -> dict:
        """``GET /series/{series_ticker}``: ``{"series": {...}}``."""
        return self._request("GET", f"/series/{_seg(series_ticker)}", params=filters)

    def get_series_list(self, category: str | None = None, **filters: Any) -> dict:
        """``GET /series``: ``{"series": [...]}`` (not paginated; large without a filter)."""
        return self._request("GET", "/series", params=_csv({"category": category, **filters}, "tags"))

    def get_orderbook(self, ticker: str, depth: int | None = None) -> dict:
        """``GET /markets/{ticker}/orderbook``: ``{"orderbook_fp": {"yes_dollars": [...], "no_dollars": [...]}}``.

        Only bids are listed, YES and NO; levels are ``[price, count]`` strings.
        """
        if depth is not None and (isinstance(depth, bool) or not isinstance(depth, int) or not 0 <= depth <= 100):
            raise ValueError(f"depth must be an integer 0-100 (0 = all levels), got {depth!r}")
        return self._request("GET", f"/markets/{_seg(ticker)}/orderbook", params={"depth": depth})

    def get_trades(self, ticker: str | None = None, limit: int = 100, cursor: str | None = None,
                   **filters: Any) -> dict:
        """``GET /markets/trades``: one page, ``{"trades": [...], "cursor": str}``; filters ``min_ts``, ``max_ts``."""
        params = {"ticker": ticker, "cursor": cursor, **filters}
        params["limit"] = _check_limit("trades", limit)
        return self._request("GET", "/markets/trades", params=params)

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
        params = {"start_ts": _unix(start_ts), "end_ts": _unix(end_ts), "period_interval": period_interval,
                  **filters}
        return self._request("GET", f"/series/{_seg(series_ticker)}/markets/{_seg(ticker)}/candlesticks",
                             params=params)

    # --- portfolio (credentials needed) -------------------------------------------------------------
    def get_balance(self) -> dict:
        """``GET /portfolio/balance``: ``{"balance": int cents, "balance_dollars": str, ...}``."""
        return self._request("GET", "/portfolio/balance")

    def get_positions(self, limit: int = 100, cursor: str | None = None, **filters: Any) -> dict:
        """``GET /portfolio/positions``: ``{"market_positions": [...], "event_positions": [...], "cursor"}``."""
        params = {"cursor": cursor, **filters}
        params["limit"] = _check_limit("positions", limit)
        return self._request("GET", "/portfolio/positions", params=_csv(params, "count_filter"))

    def get_fills(self, ticker: str | None = None, limit: int = 100, cursor: str | None = None,
                  **filters: Any) -> dict:
        """``GET /portfolio/fills``: ``{"fills": [...], "cursor": str}``."""
        params = {"ticker": ticker, "cursor": cursor, **filters}
        params["limit"] = _check_limit("fills", limit)
        return self._request("GET", "/portfolio/fills", params=_csv(params, "ticker"))

    def get_orders(self, ticker: str | None = None, status: str | None = None, limit: int = 100,
                   cursor: str | None = None, **filters: Any) -> dict:
        """``GET /portfolio/orders``: ``{"orders": [...], "cursor": str}``; ``status`` resting/canceled/executed."""
        params = {"ticker": ticker, "status": status, "cursor": cursor, **filters}
        params["limit"] = _check_limit("orders", limit)
        return self._request("GET", "/portfolio/orders", params=_csv(params, "event_ticker"))

    def get_order(self, order_id: str) -> dict:
        """``GET /portfolio/orders/{order_id}``: ``{"order": {...}}``."""
        return self._request("GET", f"/portfolio/orders/{_seg(order_id)}")

    def get_settlements(self, limit: int = 100, cursor: str | None = None, **filters: Any) -> dict:
        """``GET /portfolio/settlements``: ``{"settlements": [...], "cursor": str}``."""
        params = {"cursor": cursor, **filters}
        params["limit"] = _check_limit("settlements", limit)
        return self._request("GET", "/portfolio/settlements", params=params)

    # --- order writes --------------------------------------------------------------------------------
    def cancel_order(self, order_id: str, *, ticker: str | None = None) -> dict:
        """``DELETE /portfolio/events/orders/{order_id}``: ``{"order_id", "reduced_by", ...}``.

        Kalshi routes the cancel by ``market_ticker``; without ``ticker`` the order is read first to find it.

        Example:
            >>> client.cancel_order(order["order"]["order_id"])   # doctest: +SKIP
        """
        self._require_key("cancel_order")
        if ticker is None:
            ticker = self.get_order(order_id)["order"]["ticker"]
        return self._request("DELETE", f"{ORDERS_V2_PATH}/{_seg(order_id)}", params={"market_ticker": ticker})

    def place_order(
        self,
        ticker: str,
        side: str,
        contracts: float | str | Decimal,
        price_cents: int | None = None,
        dry_run: bool = False,
        *,
        action: str = "buy",
        time_in_force: str = "good_till_canceled",
        post_only: bool = False,
        client_order_id: str | None = None,
        price_dollars: str | Decimal | None = None,
        self_trade_prevention_type: str = "taker_at_cross",
        expiration_time: int | None = None,
        reduce_only: bool | None = None,
        subaccount: int | None = None,
        order_group_id: str | None = None,
        cancel_order_on_pause: bool | None = None,
        market: dict | None = None,
    ) -> dict:
        """Place a limit order the original way; it is sent as a V2 create-order request.

        ``side`` is ``yes``/``no`` and the price is that side's: ``price_cents`` 1-99, or ``price_dollars``
        on the market's grid for sub-penny markets. ``contracts`` is a positive integer, or a fractional
        amount where the market allows it. A uuid4 ``client_order_id`` is always sent.

        Returns ``{"order": {"order_id", "client_order_id", "status", ...receipt}, "request": {...}}``;
        ``status`` is ``executed``, ``resting`` or ``canceled`` from the receipt.

        ``dry_run=True`` sends **no write**: it returns the same shape with status ``dry_run`` and the exact
        body that would be sent. It still reads the market (``GET /markets/{ticker}``) to validate the
        price grid and fractional counts, unless ``market=`` is given.

        A create-order is never re-sent blindly: after a timeout, a 5xx, a 429 or a dropped connection the
        client looks the ``client_order_id`` up among the account's orders and returns that order if it
        exists, or re-sends with the same id if it does not (at most ``RetryPolicy.order_attempts`` sends).
        A 409 for a duplicate id also returns the existing order. If the order's fate cannot be established,
        ``OrderStateUnknownError`` is raised and nothing more is sent.

        Example:
            >>> client.place_order("KXBTC15M-26NOV251245-45", "yes", 10, 40)["order"]["status"]  # doctest: +SKIP
            'resting'
        """
        if not dry_run:
            self._require_key("place_order")
        side_ = order_v2.check_side(side)
        action_ = order_v2.check_action(action)
        tif = order_v2.check_time_in_force(time_in_force)
        if self_trade_prevention_type not in order_v2.SELF_TRADE_PREVENTION:
            raise ValueError(f"self_trade_prevention_type must be one of {order_v2.SELF_TRADE_PREVENTION}, "
                             f"got {self_trade_prevention_type!r}")
        if not isinstance(ticker, str) or not ticker.strip():
            raise ValueError(f"ticker must be a market ticker, got {ticker!r}")
        price = order_v2.parse_price(price_cents, price_dollars)
        coid = order_v2.check_client_order_id(client_order_id) if client_order_id is not None \
            else order_v2.new_client_order_id()
        if expiration_time is not None and tif != "good_till_canceled":
            raise ValueError("expiration_time is only valid with time_in_force='good_till_canceled'")
        if reduce_only and tif != "immediate_or_cancel":
            raise ValueError("reduce_only is only accepted with time_in_force='immediate_or_cancel'")

        if market is None:
            market = self.get_market(ticker)
        count = order_v2.parse_count(contracts, fractional_allowed=order_v2.fractional_allowed(market))
        yes = order_v2.yes_price(side_, price)
        if not order_v2.on_grid(yes, order_v2.price_grid(market)):
            structure = market.get("price_level_structure", "linear_cent")
            raise ValueError(
                f"price {price} for {side_.upper()} (YES price {yes}) is not on {ticker}'s price grid "
                f"({structure}: {_grid_text(order_v2.price_grid(market))})"
            )
        body = order_v2.build_order_body(
            ticker=ticker, side=side_, action=action_, count=count, price=price, client_order_id=coid,
            time_in_force=tif, self_trade_prevention_type=self_trade_prevention_type, post_only=post_only,
            reduce_only=reduce_only, expiration_time=expiration_time, subaccount=subaccount,
            order_group_id=order_group_id, cancel_order_on_pause=cancel_order_on_pause,
        )
        request = {"method": "POST", "path": self._full_path(ORDERS_V2_PATH), "body": body}
        if dry_run:
            order = {"order_id": None, "client_order_id": coid, "status": "dry_run", "ticker": ticker,
                     "side": side_, "action": action_}
            return {"order": order, "request": request}
        result, reconciled = self._create_order(body)
        if reconciled:
            return {"order": result, "request": request, "reconciled": True}
        order = {
            "order_id": result.get("order_id"),
            "client_order_id": result.get("client_order_id") or coid,
            "status": order_v2.status_from_receipt(result, tif),
            "ticker": ticker,
            "side": side_,
            "action": action_,
        }
        order.update({k: v for k, v in result.items() if k not in order})
        return {"order": order, "request": request}

    def _require_key(self, what: str) -> None:
        if self._auth is None:
            raise ReadOnlyError(
                f"{what} needs credentials and this client is read-only; nothing was sent. Create it with "
                "credentials (KalshiClient() / kalshi_nb.connect()) to trade"
            )

    def _create_order(self, body: dict) -> tuple[dict, bool]:
        """Send a create-order until it is known to exist; return ``(receipt or Order, reconciled)``."""
        policy = self.retry
        coid, ticker = body["client_order_id"], body["ticker"]
        deadline = time.monotonic() + policy.total_time
        started = time.time()
        last: BaseException | None = None
        uncertain = False  # some attempt timed out: the exchange may still place it at any moment
        for attempt in range(1, policy.order_attempts + 1):
            try:
                return self._request("POST", ORDERS_V2_PATH, json_body=body, retry=False, deadline=deadline), False
            except ConflictError as exc:
                # A duplicate client_order_id (e.g. our earlier attempt is resting) or a real conflict
                # (post-only cross, fill-or-kill not filled): only the lookup can tell them apart.
                existing = self._find_order(body, deadline, since=None, grace=0.0, cause=exc)
                if existing is not None:
                    return existing, True
                raise
            except _AMBIGUOUS as exc:
                last = exc
                uncertain = uncertain or _maybe_in_flight(exc)
                log.debug("create order %s: attempt %d failed (%s); looking it up before anything else",
                          coid, attempt, _describe(exc))
                grace = self._grace() if uncertain else 0.0
                existing = self._find_order(body, deadline, since=started, grace=grace, cause=exc)
                if existing is not None:
                    return existing, True
                if attempt >= policy.order_attempts:
                    break
                delay = _retry_after(exc)
                delay = policy.delay(attempt) if delay is None else delay
                if time.monotonic() + delay >= deadline:
                    break
                time.sleep(delay)
        assert last is not None  # the loop only falls through after a failure
        if uncertain:
            raise OrderStateUnknownError(
                f"order {coid} on {ticker}: an attempt timed out and the order has not appeared (yet); it was "
                "not sent again. Check client.get_orders(ticker=...) for this client_order_id before retrying",
                client_order_id=coid, ticker=ticker,
            ) from last
        raise last

    def _grace(self) -> float:
        if self.retry.in_flight_grace is not None:
            return self.retry.in_flight_grace
        timeout = self.timeout
        return float(timeout[1] if isinstance(timeout, tuple) else timeout)

    def _find_order(self, body: dict, deadline: float, *, since: float | None, grace: float,
                    cause: BaseException) -> dict | None:
        """The account's order with ``body``'s client_order_id, or None; polls for ``grace`` seconds.

        Raises ``OrderStateUnknownError`` if the lookup itself fails (nothing is re-sent then).
        """
        coid, ticker = body["client_order_id"], body["ticker"]
        # A generous window: min_ts only trims the listing, and a clock a little off must never hide the order.
        params: dict[str, Any] = {"ticker": ticker, "limit": 1000}
        if since is not None:
            params["min_ts"] = int(since) - 600
        give_up_at = min(deadline, time.monotonic() + grace)
        wait = 0.05
        while True:
            try:
                found = self._scan_orders(params, coid, deadline)
            except (requests.RequestException, PaginationError) as exc:
                raise OrderStateUnknownError(
                    f"order {coid} on {ticker}: the create-order failed ({_describe(cause)}) and looking it up "
                    f"failed too ({_describe(exc)}); it was not sent again. Check client.get_orders(ticker=...) "
                    "before retrying", client_order_id=coid, ticker=ticker,
                ) from exc
            if found is not None:
                if not order_v2.matches_order(found, body):
                    raise ConflictError(
                        status=409, code="client_order_id_reused", method="POST",
                        path=self._full_path(ORDERS_V2_PATH),
                        message=f"client_order_id {coid} already belongs to order {found.get('order_id')} with "
                                "different parameters; use a new client_order_id",
                    ) from cause
                log.debug("create order %s: found existing order %s (%s)", coid, found.get("order_id"),
                          found.get("status"))
                return found
            if time.monotonic() + wait > give_up_at:
                return None
            time.sleep(wait)
            wait = min(wait * 2, 1.0)

    def _scan_orders(self, params: dict[str, Any], coid: str, deadline: float) -> dict | None:
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            page = self._request("GET", "/portfolio/orders", params={**params, "cursor": cursor}, deadline=deadline)
            for order in page.get("orders") or []:
                if order.get("client_order_id") == coid:
                    return order
            cursor = page.get("cursor")
            if not cursor:
                return None
            if cursor in seen:
                raise PaginationError("the server repeated a cursor while listing orders")
            seen.add(cursor)


_ITEMS_KEY = {
    "get_markets": "markets",
    "get_events": "events",
    "get_trades": "trades",
    "get_positions": "market_positions",
    "get_fills": "fills",
    "get_orders": "orders",
    "get_settlements": "settlements",
}


def _seg(value: str) -> str:
    """One path segment, percent-encoded (the signature covers the encoded path as sent)."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected a non-empty identifier, got {value!r}")
    return quote(value, safe="")


def _check_limit(endpoint: str, limit: Any) -> int:
    low, high = LIMITS[endpoint]
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
            value = _unix(value)
        out[key] = value
    return out


def _unix(value: float | datetime) -> int:
    """Unix seconds from an int or a datetime (a naive datetime is taken as UTC, never local time)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return int(value.timestamp())
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected Unix seconds or a datetime, got {value!r}")
    return int(value)


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
    if headers is not None and "KALSHI-ACCESS-SIGNATURE" in headers:
        headers["KALSHI-ACCESS-SIGNATURE"] = "<redacted>"


def _grid_text(grid: tuple) -> str:
    return ", ".join(f"{start}-{end} step {step}" for start, end, step in grid)


__all__ = ["InvalidResponseError", "KalshiClient", "RetryPolicy"]
