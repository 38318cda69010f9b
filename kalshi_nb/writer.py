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
    ServerError,
)
from .journal import Claim, OrderJournal, journal_for, key_hash

if TYPE_CHECKING:
    from .client import RetryPolicy

log = logging.getLogger("kalshi_nb.client")

ORDERS_V2_PATH = "/portfolio/events/orders"


class InvalidResponseError(KalshiAPIError):
    """A 2xx whose body is not JSON (a truncated answer); reads retry it."""


def not_processed(exc: BaseException) -> bool:
    """True only for failures that prove the exchange did not act on the request.

    A 429 is refused at the gate; a connection that could not be opened never carried the request.
    """
    if isinstance(exc, RateLimitError):
        return True
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.ReadTimeout):
        reason = exc.args[0] if exc.args else None
        reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
        return isinstance(reason, urllib3.exceptions.NewConnectionError)
    return False


# Failures after which a create may or may not have reached the matching engine.
AMBIGUOUS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
             ServerError, RateLimitError, InvalidResponseError)


def _in_flight(exc: BaseException) -> bool:
    """A read timeout or a dropped connection: the exchange may still be working on the request."""
    return isinstance(exc, requests.ReadTimeout | requests.ConnectionError) and not not_processed(exc)


class OrderWriter:
    """The order-writing half of ``KalshiClient`` (it supplies ``_request``, ``retry``, ``env``, ...)."""

    api_base: str
    retry: RetryPolicy
    timeout: float | tuple[float, float]

    if TYPE_CHECKING:
        @property
        def env(self) -> str: ...
        @property
        def key_id(self) -> str | None: ...
        def _request(self, method: str, path: str, *, params: dict[str, Any] | None = None, json_body: Any = None,
                     retry: bool | None = None, deadline: float | None = None) -> Any: ...
        def _full_path(self, path: str) -> str: ...
        def get_market(self, ticker: str) -> dict: ...
        def get_event(self, event_ticker: str, with_nested_markets: bool = False) -> dict: ...
        def get_series(self, series_ticker: str, **filters: Any) -> dict: ...
        def get_order(self, order_id: str) -> dict: ...

    _fee_cache: dict[str, Decimal]

    def _require_key(self, what: str) -> None:
        if self.key_id is None:
            raise ReadOnlyError(
                f"{what} needs credentials and this client is read-only; nothing was sent. Create it with "
                "credentials (KalshiClient() / kalshi_nb.connect()) to trade")

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

    def check_order(self, body: dict, market: dict, *, taker_coefficient: Decimal | None = None,
                    spend_cap: object = None) -> Decimal:
        """Run guards 1-3 on a create body; return its worst-case cost. Sends nothing but reads.

        Example:
            >>> client.check_order(body, market)          # doctest: +SKIP
            Decimal('4.18')
        """
        order_v2.check_body(body, market)
        safety.check_live(self)
        coefficient = self.taker_coefficient(market) if taker_coefficient is None else taker_coefficient
        worst = fees.worst_case_cost(Decimal(body["count"]), Decimal(body["price"]), body["side"], coefficient)
        safety.check_spend(worst, spend_cap)
        return worst

    # --- the writer -----------------------------------------------------------------------------------
    def _journal(self) -> tuple[OrderJournal, str]:
        return journal_for(self.env), key_hash(self.key_id)

    def submit_order(self, body: dict, *, market: dict, taker_coefficient: Decimal | None = None,
                     spend_cap: object = None, check_exchange: bool = False) -> tuple[dict, bool]:
        """Send one V2 create-order body through every guard; return ``(receipt or Order, reconciled)``.

        ``reconciled`` is True when an earlier send of the same ``client_order_id`` was found instead (a
        re-run, another thread or process, or a lookup after an ambiguous failure). ``check_exchange``
        also looks the id up on the exchange before the first send (for ids the caller chose, which another
        machine may have used).

        Example:
            >>> client.submit_order(body, market=client.get_market(body["ticker"]))   # doctest: +SKIP
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
                    journal.record(self.api_base, key, coid, "placed", order_id=str(found.get("order_id")),
                                   status=str(found.get("status")))
                    return found, True
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
                return {"order_id": entry["order_id"], "client_order_id": coid, "status": entry.get("status"),
                        "ticker": entry.get("ticker")}
        # 'sending' (another thread, process or a crashed kernel may have it in flight) or 'unknown'.
        deadline = time.monotonic() + self.retry.total_time
        grace = self._grace() if claim.state == "sending" else 0.0
        found = self._find_order(body, deadline, grace=grace, cause=None)
        if found is not None:
            journal.record(self.api_base, key, coid, "placed", order_id=str(found.get("order_id")),
                           status=str(found.get("status")))
            return found
        journal.record(self.api_base, key, coid, "unknown", detail="claimed before; not found on the exchange")
        raise self._unknown(body, f"it was sent before ({claim.state} in the order journal since "
                                  f"{time.strftime('%H:%M:%S', time.gmtime(entry['created_ts']))} UTC) and "
                                  "has not appeared on the exchange")

    def _send_create(self, body: dict, journal: OrderJournal, key: str) -> tuple[dict, bool]:
        coid = str(body["client_order_id"])
        policy = self.retry
        deadline = time.monotonic() + policy.total_time
        for attempt in range(1, policy.order_attempts + 1):
            try:
                receipt = self._request("POST", ORDERS_V2_PATH, json_body=body, retry=False, deadline=deadline)
            except ConflictError as exc:
                # A duplicate client_order_id (our earlier order is resting) or a real conflict (post-only
                # would cross, fill-or-kill not filled): only a lookup can tell.
                found = self._find_order(body, deadline, grace=0.0, cause=exc)
                if found is not None:
                    journal.record(self.api_base, key, coid, "placed", order_id=str(found.get("order_id")),
                                   status=str(found.get("status")))
                    return found, True
                journal.record(self.api_base, key, coid, "not_sent", detail=f"HTTP 409 {exc.code or ''}".strip())
                raise
            except AMBIGUOUS as exc:
                if not_processed(exc):
                    # Kalshi answers 429 at the gate, before the order is looked at; one lookup before the
                    # re-send still costs little and covers a proxy or exchange that answers 429 late.
                    found = self._find_order(body, deadline, grace=0.0, cause=exc) \
                        if isinstance(exc, RateLimitError) else None
                    if found is not None:
                        journal.record(self.api_base, key, coid, "placed", order_id=str(found.get("order_id")),
                                       status=str(found.get("status")))
                        return found, True
                    delay = policy.delay(attempt)
                    if attempt < policy.order_attempts and time.monotonic() + delay < deadline:
                        log.debug("create order %s: %s before processing; retrying in %.2f s", coid,
                                  type(exc).__name__, delay)
                        time.sleep(delay)
                        continue
                    journal.record(self.api_base, key, coid, "not_sent", detail=type(exc).__name__)
                    raise
                grace = self._grace() if _in_flight(exc) else min(1.0, self._grace())
                found = self._find_order(body, deadline, grace=grace, cause=exc)
                if found is not None:
                    journal.record(self.api_base, key, coid, "placed", order_id=str(found.get("order_id")),
                                   status=str(found.get("status")))
                    return found, True
                journal.record(self.api_base, key, coid, "unknown", detail=type(exc).__name__)
                raise self._unknown(body, f"the create failed ambiguously ({type(exc).__name__}) and the order "
                                          f"did not appear within {grace:.1f} s") from exc
            except KalshiAPIError as exc:
                # Any other 4xx: the exchange looked at the order and refused it, so none exists.
                journal.record(self.api_base, key, coid, "not_sent", detail=f"HTTP {exc.status} {exc.code or ''}")
                raise
            except BaseException:
                # A bug or an interrupt in the middle: the fate is unknown, never re-sent from the journal.
                journal.record(self.api_base, key, coid, "unknown", detail="interrupted")
                raise
            journal.record(self.api_base, key, coid, "placed", order_id=str(receipt.get("order_id")),
                           status=order_v2.status_from_receipt(receipt, str(body.get("time_in_force"))))
            return receipt, False
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _unknown(self, body: dict, why: str) -> OrderStateUnknownError:
        coid, ticker = body["client_order_id"], body["ticker"]
        return OrderStateUnknownError(
            f"order {coid} on {ticker}: its fate is unknown ({why}); it was NOT sent again. Reconcile with "
            f"client.find_order({ticker!r}, {coid!r}) (or kalshi_nb.journal_df()); to try again, preview "
            "afresh (a new client_order_id)", client_order_id=coid, ticker=ticker)

    def _grace(self) -> float:
        if self.retry.in_flight_grace is not None:
            return self.retry.in_flight_grace
        timeout = self.timeout
        return float(timeout[1] if isinstance(timeout, tuple) else timeout)

    # --- looking orders up ----------------------------------------------------------------------------
    def find_order(self, ticker: str, client_order_id: str) -> dict | None:
        """The account's order on ``ticker`` with this ``client_order_id``, or None (reads only).

        Example:
            >>> client.find_order("KXBTC15M-26NOV251245-45", "3f1d2c9e-...")     # doctest: +SKIP
        """
        return self._scan_orders({"ticker": ticker, "limit": 1000}, order_v2.check_client_order_id(client_order_id),
                                 time.monotonic() + self.retry.total_time)

    def _find_order(self, body: dict, deadline: float, *, grace: float,
                    cause: BaseException | None = None) -> dict | None:
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
                        "parameters; nothing was sent. Use a new client_order_id")
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

    # --- the public writers ---------------------------------------------------------------------------
    def build_order(self, ticker: str, side: str, contracts: object, price_cents: object = None, *,
                    market: dict | None = None, action: str = "buy", time_in_force: str = "good_till_canceled",
                    post_only: bool = False, client_order_id: str | None = None, price_dollars: object = None,
                    self_trade_prevention_type: str = "taker_at_cross", expiration_time: object = None,
                    reduce_only: bool | None = None, subaccount: object = None, order_group_id: str | None = None,
                    cancel_order_on_pause: bool | None = None) -> tuple[dict, dict]:
        """Validate an order the original way and return ``(V2 body, market)``; reads the market if not given.

        Every argument is checked before the market is read, so bad input never costs a request.

        Example:
            >>> body, market = client.build_order("KXBTC15M-26NOV251245-45", "yes", 10, 40)   # doctest: +SKIP
            >>> body["side"], body["price"], body["count"]                                   # doctest: +SKIP
            ('bid', '0.4000', '10.00')
        """
        side_ = order_v2.check_side(side)
        action_ = order_v2.check_action(action)
        tif = order_v2.check_time_in_force(time_in_force)
        if self_trade_prevention_type not in order_v2.SELF_TRADE_PREVENTION:
            raise ValueError(f"self_trade_prevention_type must be one of {order_v2.SELF_TRADE_PREVENTION}, "
                             f"got {self_trade_prevention_type!r}")
        ticker = check_ticker(ticker)
        price = order_v2.parse_price(price_cents, price_dollars)
        coid = order_v2.check_client_order_id(client_order_id) if client_order_id is not None \
            else order_v2.new_client_order_id()
        expires = order_v2.check_expiration(expiration_time, time.time())
        if expires is not None and tif != "good_till_canceled":
            raise ValueError("expiration_time is only valid with time_in_force='good_till_canceled'")
        if reduce_only and tif != "immediate_or_cancel":
            raise ValueError("reduce_only is only accepted with time_in_force='immediate_or_cancel'")
        sub = order_v2.check_subaccount(subaccount)
        for name, flag in (("post_only", post_only), ("reduce_only", reduce_only),
                           ("cancel_order_on_pause", cancel_order_on_pause)):
            if flag is not None and not isinstance(flag, bool):
                raise ValueError(f"{name} must be True or False, got {flag!r}")
        # Fractional counts are checked against the market below; here only that it is a sane number.
        order_v2.parse_count(contracts, fractional_allowed=True)
        if market is None:
            market = self.get_market(ticker)
        elif market.get("ticker") != ticker:
            raise ValueError(f"market= is {market.get('ticker')!r} but the order is for {ticker!r}")
        count = order_v2.parse_count(contracts, fractional_allowed=order_v2.fractional_allowed(market))
        body = order_v2.build_order_body(
            ticker=ticker, side=side_, action=action_, count=count, price=price, client_order_id=coid,
            time_in_force=tif, self_trade_prevention_type=self_trade_prevention_type, post_only=post_only,
            reduce_only=reduce_only, expiration_time=expires, subaccount=sub,
            order_group_id=order_group_id, cancel_order_on_pause=cancel_order_on_pause,
        )
        order_v2.check_body(body, market)
        return body, market

    def place_order(self, ticker: str, side: str, contracts: float | str | Decimal, price_cents: int | None = None,
                    dry_run: bool = False, **options: Any) -> dict:
        """Place a limit order the original way; it is sent as a V2 create-order request.

        ``side`` is ``yes``/``no`` and the price is that side's: ``price_cents`` 1-99, or ``price_dollars=``
        on the market's grid for sub-penny markets. ``contracts`` is a positive count (multiples of 0.01
        where the market allows fractions). Options: ``action`` (buy/sell), ``time_in_force``, ``post_only``,
        ``client_order_id`` (a uuid4 is generated otherwise), ``price_dollars``, ``expiration_time``,
        ``reduce_only``, ``subaccount``, ``order_group_id``, ``cancel_order_on_pause``, ``market``.

        Returns ``{"order": {"order_id", "client_order_id", "status", ...receipt}, "request": {...}}``;
        ``status`` is ``executed``, ``resting`` or ``canceled``. ``dry_run=True`` sends no write (it reads
        the market unless ``market=`` is given) and returns the exact body with status ``dry_run``.

        On production it refuses until ``kalshi_nb.enable_live_trading(client)`` (or
        ``KALSHI_NB_LIVE_TRADING=true``), and above the spend cap on the order's worst case. It is never
        re-sent blindly: see ``kalshi_nb.writer``.

        Example:
            >>> client.place_order("KXBTC15M-26NOV251245-45", "yes", 10, 40)["order"]["status"]  # doctest: +SKIP
            'resting'
        """
        if not dry_run:
            self._require_key("place_order")
        chosen_id = options.get("client_order_id") is not None
        body, market = self.build_order(ticker, side, contracts, price_cents, **options)
        request = {"method": "POST", "path": self._full_path(ORDERS_V2_PATH), "body": body}
        side_, action_ = order_v2.check_side(side), order_v2.check_action(options.get("action", "buy"))
        if dry_run:
            order = {"order_id": None, "client_order_id": body["client_order_id"], "status": "dry_run",
                     "ticker": body["ticker"], "side": side_, "action": action_}
            return {"order": order, "request": request}
        result, reconciled = self.submit_order(body, market=market, check_exchange=chosen_id)
        if reconciled:
            return {"order": result, "request": request, "reconciled": True}
        order = {"order_id": result.get("order_id"),
                 "client_order_id": result.get("client_order_id") or body["client_order_id"],
                 "status": order_v2.status_from_receipt(result, body["time_in_force"]),
                 "ticker": body["ticker"], "side": side_, "action": action_}
        order.update({k: v for k, v in result.items() if k not in order})
        return {"order": order, "request": request}

    def place_orders(self, orders: list[dict[str, Any]]) -> list[dict]:
        """Batch create: each item holds ``place_order``'s arguments (``ticker``, ``side``, ``contracts``, ...).

        Every order passes the same guards and journal as ``place_order`` before the one batched request is
        sent; after an ambiguous failure each order is looked up, and any not found raises
        ``OrderStateUnknownError``. Returns one result per order, in order: the receipt, the order found,
        or ``{"error": ...}`` for an order the exchange refused.

        Example:
            >>> client.place_orders([{"ticker": t, "side": "yes", "contracts": 1, "price_cents": 30}])  # doctest: +SKIP
        """
        self._require_key("place_orders")
        if not isinstance(orders, list) or not orders:
            raise ValueError("place_orders takes a non-empty list of dicts of place_order's arguments")
        markets: dict[str, dict] = {}
        bodies = []
        for item in orders:
            if not isinstance(item, dict):
                raise ValueError(f"each order must be a dict of place_order's arguments, got {item!r}")
            item = dict(item)
            ticker = check_ticker(item.pop("ticker", None))
            market = item.pop("market", None) or markets.get(ticker)
            body, markets[ticker] = self.build_order(ticker, item.pop("side", None), item.pop("contracts", None),
                                                      item.pop("price_cents", None), market=market, **item)
            self.check_order(body, markets[ticker])
            bodies.append(body)
        if len({b["client_order_id"] for b in bodies}) != len(bodies):
            raise ValueError("two orders in the batch share a client_order_id; each needs its own")
        journal, key = self._journal()
        results: list[dict | None] = [None] * len(bodies)
        to_send = []
        for i, body in enumerate(bodies):
            claim = journal.claim(self.api_base, key, body)
            if claim.state == "new":
                to_send.append(i)
            else:
                results[i] = self._earlier(claim, body, journal, key)
        if to_send:
            self._send_batch([bodies[i] for i in to_send], to_send, results, journal, key)
        return [r or {} for r in results]

    def _send_batch(self, bodies: list[dict], index: list[int], results: list[dict | None], journal: OrderJournal,
                    key: str) -> None:
        deadline = time.monotonic() + self.retry.total_time
        try:
            answer = self._request("POST", f"{ORDERS_V2_PATH}/batched", json_body={"orders": bodies}, retry=False,
                                   deadline=deadline)
        except AMBIGUOUS as exc:
            unknown = []
            grace = 0.0 if not_processed(exc) else self._grace()
            for i, body in zip(index, bodies, strict=True):
                found = None if not_processed(exc) else self._find_order(body, deadline, grace=grace, cause=exc)
                coid = body["client_order_id"]
                if found is not None:
                    journal.record(self.api_base, key, coid, "placed", order_id=str(found.get("order_id")))
                    results[i] = found
                elif not_processed(exc):
                    journal.record(self.api_base, key, coid, "not_sent", detail=type(exc).__name__)
                else:
                    journal.record(self.api_base, key, coid, "unknown", detail=type(exc).__name__)
                    unknown.append(coid)
            if not_processed(exc):
                raise
            if unknown:
                raise OrderStateUnknownError(
                    f"batch create failed ambiguously ({type(exc).__name__}); {len(unknown)} order(s) did not appear "
                    f"and were NOT sent again: {', '.join(unknown)}. Reconcile with client.find_order(...)",
                    client_order_id=unknown[0], ticker=bodies[0]["ticker"]) from exc
            return
        except KalshiAPIError as exc:
            for body in bodies:
                journal.record(self.api_base, key, body["client_order_id"], "not_sent", detail=f"HTTP {exc.status}")
            raise
        items = answer.get("orders") or []
        by_id = {str(item.get("client_order_id")): item for item in items if isinstance(item, dict)}
        for n, (i, body) in enumerate(zip(index, bodies, strict=True)):
            coid = body["client_order_id"]
            item = by_id.get(coid) or (items[n] if n < len(items) and isinstance(items[n], dict) else {})
            if item.get("order_id") and not item.get("error"):
                journal.record(self.api_base, key, coid, "placed", order_id=str(item["order_id"]),
                               status=order_v2.status_from_receipt(item, str(body.get("time_in_force"))))
            elif item.get("error"):
                journal.record(self.api_base, key, coid, "not_sent", detail="refused in the batch")
            else:
                journal.record(self.api_base, key, coid, "unknown", detail="missing from the batch answer")
            results[i] = item

    def amend_order(self, order_id: str, *, ticker: str, side: str, action: str = "buy", contracts: object,
                    price_cents: object = None, price_dollars: object = None,
                    updated_client_order_id: str | None = None) -> dict:
        """Amend a resting order's price and/or count (``count`` is the new total: filled + resting).

        Guarded like a new order (production opt-in, spend cap on the amended order's worst case) and sent
        once: after an ambiguous failure, read the order (``get_order``) before anything else.

        Example:
            >>> client.amend_order(oid, ticker=t, side="yes", contracts=5, price_cents=41)   # doctest: +SKIP
        """
        self._require_key("amend_order")
        order_id = check_id(order_id, "order_id")
        coid = updated_client_order_id or order_v2.new_client_order_id()
        body, market = self.build_order(ticker, side, contracts, price_cents, action=action,
                                        price_dollars=price_dollars, client_order_id=coid)
        self.check_order(body, market)
        amend = {"ticker": body["ticker"], "side": body["side"], "price": body["price"], "count": body["count"],
                 "updated_client_order_id": coid}
        try:
            return self._request("POST", f"{ORDERS_V2_PATH}/{order_id}/amend", json_body=amend, retry=False)
        except AMBIGUOUS as exc:
            if not_processed(exc):
                raise
            raise OrderStateUnknownError(
                f"amend of order {order_id} failed ambiguously ({type(exc).__name__}); it may or may not have "
                f"applied and was NOT sent again. Read it with client.get_order({order_id!r})",
                client_order_id=coid, ticker=body["ticker"]) from exc

    def cancel_order(self, order_id: str, *, ticker: str | None = None) -> dict:
        """``DELETE /portfolio/events/orders/{order_id}``: ``{"order_id", "reduced_by", ...}``.

        No opt-in needed (a cancel only reduces risk), but the id is checked: ``.``, ``..``, a slash or an
        empty id would otherwise reach another route (``.`` is the cancel-all path). Kalshi routes the
        cancel by ``market_ticker``; without ``ticker`` the order is read first.

        Example:
            >>> client.cancel_order(order["order"]["order_id"])   # doctest: +SKIP
        """
        self._require_key("cancel_order")
        order_id = check_id(order_id, "order_id")
        ticker = check_ticker(ticker) if ticker is not None else None
        if ticker is None:
            ticker = self.get_order(order_id)["order"]["ticker"]
        return self._request("DELETE", f"{ORDERS_V2_PATH}/{order_id}", params={"market_ticker": ticker})


# Ids and tickers go into URL paths: only characters that no layer decodes, normalises or splits on.
_ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:+=~")


# Siblings of /portfolio/orders/{id} and /portfolio/events/orders/{id}: an "id" equal to one of them would
# call that route instead (DELETE .../batched is the batch cancel).
_ROUTE_NAMES = frozenset({"batched", "amend", "decrease", "queue_positions", "queue_position"})


def check_id(value: object, name: str = "id") -> str:
    """An identifier that is safe as one URL path segment, unchanged; else a ``ValueError`` (nothing sent).

    Example:
        >>> check_id("ee7c0a5e-1b2f-4c1d-9d0e-5b8f3f0a9c11")
        'ee7c0a5e-1b2f-4c1d-9d0e-5b8f3f0a9c11'
        >>> check_id("..", "order_id")
        Traceback (most recent call last):
        ...
        ValueError: order_id must be an identifier of letters, digits and - _ . : + = ~ (not only dots), got '..'
    """
    value = order_v2.plain(value)
    if name == "order_id" and isinstance(value, str) and value.lower() in _ROUTE_NAMES:
        raise ValueError(f"order_id {value!r} is the name of another route (e.g. DELETE .../orders/batched cancels "
                         "a batch); give the order's id")
    if (not isinstance(value, str) or not 0 < len(value) <= 200 or not set(value) <= _ID_CHARS
            or set(value) == {"."}):
        raise ValueError(f"{name} must be an identifier of letters, digits and - _ . : + = ~ (not only dots), "
                         f"got {value!r}")
    return value


def check_ticker(value: object) -> str:
    """A market, event or series ticker, checked like ``check_id``.

    Example:
        >>> check_ticker("KXBTC15M-26NOV251245-45")
        'KXBTC15M-26NOV251245-45'
    """
    return check_id(value, "ticker")
