"""The one order writer: every order-creating call of ``KalshiClient`` goes through ``submit_order``.

``place_order`` (the original interface), ``place_orders`` (batch), ``amend_order`` and, above the client,
``kalshi_nb.place_order(preview)`` and the order ticket all end here, where the same guards run in the same
order before anything is sent:

1. the body is checked against the market (ticker, book side, count, price grid, ids);
2. production needs the live-trading opt-in (``safety.check_live``);
3. the order's *worst case* (limit price x count + the largest possible fee) must be within the spend cap;
4. the intent is claimed in the order journal (``journal``), so no re-run, thread, restart or second
   process sends it twice;
5. the create is sent once. After an ambiguous failure (a timeout, a 5xx, a connection lost after the
   request left) the order is looked up by ``client_order_id`` for a bounded time: found, it is returned;
   not found, ``OrderStateUnknownError`` is raised and nothing more is sent. Only failures that prove the
   exchange did not process it (429, a connection refused before sending) are retried.

Cancels need no opt-in (they only reduce risk) but get the same id checks.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import requests
import urllib3

from . import fees, order_v2, safety
from .errors import (
    ConflictError,
    DuplicateClientOrderIdError,
    KalshiAPIError,
    OrderStateUnknownError,
    PaginationError,
    RateLimitError,
    ReadOnlyError,
    SandboxNotRunningError,
    ServerError,
)
from .journal import Claim, OrderJournal, journal_for, key_hash
from .reads import ReadEndpoints
from .retry import RetryPolicy

log = logging.getLogger("kalshi_nb.client")

ORDERS_V2_PATH = "/portfolio/events/orders"


class InvalidResponseError(KalshiAPIError):
    """A 2xx whose body is not JSON (a truncated answer); reads retry it."""


def not_processed(exc: BaseException) -> bool:
    """True only for failures that prove the exchange did not act on the request.

    A 429 is refused at the gate; a connection that could not be opened never carried the request.
    """
    if isinstance(exc, RateLimitError | SandboxNotRunningError):
        return True
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.ReadTimeout):
        reason = exc.args[0] if exc.args else None
        reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
        return isinstance(reason, urllib3.exceptions.NewConnectionError)
    return False


# Failures after which a create may or may not have reached the matching engine.
AMBIGUOUS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    ServerError,
    RateLimitError,
    InvalidResponseError,
)


def _in_flight(exc: BaseException) -> bool:
    """A read timeout or a dropped connection: the exchange may still be working on the request."""
    return isinstance(exc, requests.ReadTimeout | requests.ConnectionError) and not not_processed(exc)


class OrderWriter(ReadEndpoints):
    """The order-writing half of ``KalshiClient`` (it supplies ``_request``, ``retry``, ``env``, ...)."""

    api_base: str
    retry: RetryPolicy
    timeout: float | tuple[float, float]

    if TYPE_CHECKING:

        @property
        def env(self) -> str: ...
        @property
        def key_id(self) -> str | None: ...
        def _full_path(self, path: str) -> str: ...

    _fee_cache: dict[str, Decimal]
    _sleep: Callable[[float], None]

    def _require_key(self, what: str) -> None:
        if self.key_id is None:
            raise ReadOnlyError(
                f"{what} needs credentials and this client is read-only; nothing was sent. Create it with "
                "credentials (KalshiClient() / kalshi_nb.connect()) to trade"
            )

    # --- the guards -----------------------------------------------------------------------------------
    def taker_coefficient(self, market: dict) -> Decimal:
        """The taker fee coefficient of a market's series (read once per event and cached)."""
        event_ticker = str(market.get("event_ticker") or "")
        cache = self.__dict__.setdefault("_fee_cache", {})
        if event_ticker not in cache:
            event = self.get_event(event_ticker).get("event") or {} if event_ticker else {}
            series_ticker = event.get("series_ticker")
            series = (self.get_series(str(series_ticker)).get("series") or {}) if series_ticker else {}
            fee_type, multiplier = fees.fee_schedule(series, event)
            cache[event_ticker] = fees.fee_coefficients(fee_type, multiplier)[0]
        return cache[event_ticker]

    def check_order(
        self, body: dict, market: dict, *, taker_coefficient: Decimal | None = None, spend_cap: object = None
    ) -> Decimal:
        """Run guards 1-3 on a create body; return its worst-case cost. Sends nothing but reads.

        Example:
            >>> body, market = client.build_order(ticker, "yes", 10, 40)
            >>> client.check_order(body, market)          # 10 x $0.40 + the taker fee at $0.40
            Decimal('4.1700')
        """
        order_v2.check_body(body, market)
        safety.check_live(self)
        coefficient = self.taker_coefficient(market) if taker_coefficient is None else taker_coefficient
        worst = fees.worst_case_cost(
            Decimal(body["count"]), Decimal(body["price"]), body["side"], coefficient
        )
        safety.check_spend(worst, spend_cap)
        return worst

    # --- the writer -----------------------------------------------------------------------------------
    def _journal(self) -> tuple[OrderJournal, str]:
        return journal_for(self.env), key_hash(self.key_id)

    def submit_order(
        self,
        body: dict,
        *,
        market: dict,
        taker_coefficient: Decimal | None = None,
        spend_cap: object = None,
        check_exchange: bool = False,
    ) -> tuple[dict, bool]:
        """Send one V2 create-order body through every guard; return ``(receipt or Order, reconciled)``.

        ``reconciled`` is True when an earlier send of the same ``client_order_id`` was found instead (a
        re-run, another thread or process, or a lookup after an ambiguous failure). ``check_exchange``
        also looks the id up on the exchange before the first send (for ids the caller chose, which another
        machine may have used).

        Example:
            >>> body, market = client.build_order(ticker, "yes", 1, 1)
            >>> receipt, reconciled = client.submit_order(body, market=market)
            >>> reconciled, client.submit_order(body, market=market)[1]   # the same intent again: found, not sent
            (False, True)
        """
        self._require_key("submit_order")
        self.check_order(body, market, taker_coefficient=taker_coefficient, spend_cap=spend_cap)
        journal, key = self._journal()
        coid = str(body["client_order_id"])
        with journal.intent_lock(self.api_base, key, coid):
            claim = journal.claim(self.api_base, key, body)
            if claim.state != "new":
                return self._earlier(claim, body, journal, key), True
            if check_exchange:
                try:
                    found = self._find_order(body, time.monotonic() + self.retry.total_time, grace=0.0)
                except BaseException:
                    journal.record(self.api_base, key, coid, "not_sent", detail="the pre-send lookup failed")
                    raise
                if found is not None:
                    return self._placed(journal, key, found), True
            return self._send_create(body, journal, key)

    def _earlier(self, claim: Claim, body: dict, journal: OrderJournal, key: str) -> dict:
        """What became of an intent claimed before: its order, or ``OrderStateUnknownError``."""
        coid = str(body["client_order_id"])
        entry = claim.entry
        if claim.state == "placed" and entry.get("order_id"):
            log.info("order %s was already placed (journal); returning it, nothing sent", entry["order_id"])
            try:
                return self.get_order(str(entry["order_id"])).get("order") or {}
            except (requests.RequestException, KalshiAPIError):
                return {
                    "order_id": entry["order_id"],
                    "client_order_id": coid,
                    "status": entry.get("status"),
                    "ticker": entry.get("ticker"),
                }
        # 'sending' (another thread, process or a crashed kernel may have it in flight) or 'unknown'.
        deadline = time.monotonic() + self.retry.total_time
        grace = self._grace() if claim.state == "sending" else 0.0
        found = self._find_order(body, deadline, grace=grace, cause=None)
        if found is not None:
            return self._placed(journal, key, found)
        journal.record(
            self.api_base, key, coid, "unknown", detail="claimed before; not found on the exchange"
        )
        raise self._unknown(
            body,
            f"it was sent before ({claim.state} in the order journal since "
            f"{time.strftime('%H:%M:%S', time.gmtime(entry['created_ts']))} UTC) and "
            "has not appeared on the exchange",
        )

    def _send_create(self, body: dict, journal: OrderJournal, key: str) -> tuple[dict, bool]:
        coid = str(body["client_order_id"])
        policy = self.retry
        deadline = time.monotonic() + policy.total_time
        for attempt in range(1, policy.order_attempts + 1):
            try:
                receipt = self._request(
                    "POST", ORDERS_V2_PATH, json_body=body, retry=False, deadline=deadline
                )
            except ConflictError as exc:
                # A duplicate client_order_id (our earlier order is resting) or a real conflict (post-only
                # would cross, fill-or-kill not filled): only a lookup can tell.
                found = self._find_order(body, deadline, grace=0.0, cause=exc)
                if found is not None:
                    return self._placed(journal, key, found), True
                journal.record(
                    self.api_base, key, coid, "not_sent", detail=f"HTTP 409 {exc.code or ''}".strip()
                )
                raise
            except AMBIGUOUS as exc:
                if not_processed(exc):
                    # Kalshi answers 429 at the gate, before the order is looked at; one lookup before the
                    # re-send still costs little and covers a proxy or exchange that answers 429 late.
                    found = (
                        self._find_order(body, deadline, grace=0.0, cause=exc)
                        if isinstance(exc, RateLimitError)
                        else None
                    )
                    if found is not None:
                        return self._placed(journal, key, found), True
                    delay = policy.delay(attempt)
                    if attempt < policy.order_attempts and time.monotonic() + delay < deadline:
                        log.debug(
                            "create order %s: %s before processing; retrying in %.2f s",
                            coid,
                            type(exc).__name__,
                            delay,
                        )
                        self._sleep(delay)
                        continue
                    journal.record(self.api_base, key, coid, "not_sent", detail=type(exc).__name__)
                    raise
                grace = self._grace() if _in_flight(exc) else min(1.0, self._grace())
                found = self._find_order(body, deadline, grace=grace, cause=exc)
                if found is not None:
                    return self._placed(journal, key, found), True
                journal.record(self.api_base, key, coid, "unknown", detail=type(exc).__name__)
                raise self._unknown(
                    body,
                    f"the create failed ambiguously ({type(exc).__name__}) and the order "
                    f"did not appear within {grace:.1f} s",
                ) from exc
            except KalshiAPIError as exc:
                # Any other 4xx: the exchange looked at the order and refused it, so none exists.
                journal.record(
                    self.api_base, key, coid, "not_sent", detail=f"HTTP {exc.status} {exc.code or ''}"
                )
                raise
            except BaseException:
                # A bug or an interrupt in the middle: the fate is unknown, never re-sent from the journal.
                journal.record(self.api_base, key, coid, "unknown", detail="interrupted")
                raise
            journal.record(
                self.api_base,
                key,
                coid,
                "placed",
                order_id=str(receipt.get("order_id")),
                status=order_v2.status_from_receipt(receipt, str(body.get("time_in_force"))),
            )
            return receipt, False
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _placed(self, journal: OrderJournal, key: str, found: dict) -> dict:
        """Record an order found on the exchange as the intent's order; return it."""
        journal.record(
            self.api_base,
            key,
            str(found.get("client_order_id")),
            "placed",
            order_id=str(found.get("order_id")),
            status=str(found.get("status")),
        )
        return found

    def _unknown(self, body: dict, why: str) -> OrderStateUnknownError:
        coid, ticker = body["client_order_id"], body["ticker"]
        return OrderStateUnknownError(
            f"order {coid} on {ticker}: its fate is unknown ({why}); it was NOT sent again. Reconcile with "
            f"client.find_order({ticker!r}, {coid!r}) (or kalshi_nb.journal_df()); to try again, preview "
            "afresh (a new client_order_id)",
            client_order_id=coid,
            ticker=ticker,
        )

    def _grace(self) -> float:
        if self.retry.in_flight_grace is not None:
            return self.retry.in_flight_grace
        timeout = self.timeout
        return float(timeout[1] if isinstance(timeout, tuple) else timeout)

    # --- looking orders up ----------------------------------------------------------------------------
    def find_order(self, ticker: str, client_order_id: str) -> dict | None:
        """The account's order on ``ticker`` with this ``client_order_id``, or None (reads only).

        Example:
            >>> placed = client.place_order(ticker, "yes", 1, 1)["order"]
            >>> client.find_order(ticker, placed["client_order_id"])["order_id"] == placed["order_id"]
            True
        """
        return self._scan_orders(
            {"ticker": ticker, "limit": 1000},
            order_v2.check_client_order_id(client_order_id),
            time.monotonic() + self.retry.total_time,
        )

    def _find_order(
        self, body: dict, deadline: float, *, grace: float, cause: BaseException | None = None
    ) -> dict | None:
        """The order with ``body``'s client_order_id, polled for ``grace`` seconds; None if it never shows.

        A lookup that itself fails raises ``OrderStateUnknownError`` (nothing is re-sent then). An order
        found with the same id but other parameters is a ``DuplicateClientOrderIdError``.
        """
        coid, ticker = body["client_order_id"], body["ticker"]
        give_up_at = min(deadline, time.monotonic() + grace)
        wait = 0.05
        while True:
            try:
                found = self._scan_orders({"ticker": ticker, "limit": 1000}, coid, deadline)
            except (requests.RequestException, PaginationError) as exc:
                raise self._unknown(body, f"looking it up failed ({type(exc).__name__})") from (cause or exc)
            if found is not None:
                if not order_v2.matches_order(found, body):
                    raise DuplicateClientOrderIdError(
                        f"client_order_id {coid} already belongs to order {found.get('order_id')} with different "
                        "parameters; nothing was sent. Use a new client_order_id"
                    )
                return found
            if time.monotonic() + wait > give_up_at:
                return None
            self._sleep(wait)
            wait = min(wait * 2, 1.0)

    def _scan_orders(self, params: dict[str, Any], coid: str, deadline: float) -> dict | None:
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            page = self._request(
                "GET", "/portfolio/orders", params={**params, "cursor": cursor}, deadline=deadline
            )
            for order in page.get("orders") or []:
                if order.get("client_order_id") == coid:
                    return order
            cursor = page.get("cursor")
            if not cursor:
                return None
            if cursor in seen:
                raise PaginationError("the server repeated a cursor while listing orders")
            seen.add(cursor)
