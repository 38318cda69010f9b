"""The order calls of ``KalshiClient`` in the original interface: ``place_order``, ``place_orders`` (batch),
``amend_order`` and ``cancel_order``. Every one that creates an order goes through ``writer.submit_order``
or its guards (``check_order``); see ``kalshi_nb.writer``.

Example:
    >>> client = kalshi_nb.connect("sandbox")
    >>> ticker = kalshi_nb.markets_df(series="KXBTC15M").ticker.iloc[0]
    >>> client.place_order(ticker, "yes", 1, 1, dry_run=True)["request"]["body"]["side"]
    'bid'
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from .. import order_v2
from ..errors import KalshiAPIError, OrderStateUnknownError
from ..ids import check_id, check_ticker
from ..journal import OrderJournal
from ..writer import AMBIGUOUS, ORDERS_V2_PATH, OrderWriter, not_processed


class OrderCalls(OrderWriter):
    """The public order calls; ``OrderWriter`` holds the guards, the journal flow and the lookups."""

    def build_order(
        self,
        ticker: str,
        side: str,
        contracts: object,
        price_cents: object = None,
        *,
        market: dict | None = None,
        action: str = "buy",
        time_in_force: str = "good_till_canceled",
        post_only: bool = False,
        client_order_id: str | None = None,
        price_dollars: object = None,
        self_trade_prevention_type: str = "taker_at_cross",
        expiration_time: object = None,
        reduce_only: bool | None = None,
        subaccount: object = None,
        order_group_id: str | None = None,
        cancel_order_on_pause: bool | None = None,
    ) -> tuple[dict, dict]:
        """Validate an order the original way and return ``(V2 body, market)``; reads the market if not given.

        Every argument is checked before the market is read, so bad input never costs a request.

        Example:
            >>> body, market = client.build_order(ticker, "yes", 10, 40)
            >>> body["side"], body["price"], body["count"]
            ('bid', '0.4000', '10.00')
        """
        side_ = order_v2.check_side(side)
        action_ = order_v2.check_action(action)
        tif = order_v2.check_time_in_force(time_in_force)
        if self_trade_prevention_type not in order_v2.SELF_TRADE_PREVENTION:
            raise ValueError(
                f"self_trade_prevention_type must be one of {order_v2.SELF_TRADE_PREVENTION}, "
                f"got {self_trade_prevention_type!r}"
            )
        ticker = check_ticker(ticker)
        price = order_v2.parse_price(price_cents, price_dollars)
        coid = (
            order_v2.check_client_order_id(client_order_id)
            if client_order_id is not None
            else order_v2.new_client_order_id()
        )
        expires = order_v2.check_expiration(expiration_time, time.time())
        if expires is not None and tif != "good_till_canceled":
            raise ValueError("expiration_time is only valid with time_in_force='good_till_canceled'")
        if reduce_only and tif != "immediate_or_cancel":
            raise ValueError("reduce_only is only accepted with time_in_force='immediate_or_cancel'")
        sub = order_v2.check_subaccount(subaccount)
        for name, flag in (
            ("post_only", post_only),
            ("reduce_only", reduce_only),
            ("cancel_order_on_pause", cancel_order_on_pause),
        ):
            if flag is not None and not isinstance(flag, bool):
                raise ValueError(f"{name} must be True or False, got {flag!r}")
        count = order_v2.parse_count(contracts)  # fractional trading is universal: two decimals at most
        if market is None:
            market = self.get_market(ticker)
        elif market.get("ticker") != ticker:
            raise ValueError(f"market= is {market.get('ticker')!r} but the order is for {ticker!r}")
        body = order_v2.build_order_body(
            ticker=ticker,
            side=side_,
            action=action_,
            count=count,
            price=price,
            client_order_id=coid,
            time_in_force=tif,
            self_trade_prevention_type=self_trade_prevention_type,
            post_only=post_only,
            reduce_only=reduce_only,
            expiration_time=expires,
            subaccount=sub,
            order_group_id=order_group_id,
            cancel_order_on_pause=cancel_order_on_pause,
        )
        order_v2.check_body(body, market)
        return body, market

    def place_order(
        self,
        ticker: str,
        side: str,
        contracts: float | str | Decimal,
        price_cents: int | None = None,
        dry_run: bool = False,
        **options: Any,
    ) -> dict:
        """Place a limit order the original way; it is sent as a V2 create-order request.

        ``side`` is ``yes``/``no`` and the price is that side's: ``price_cents`` 1-99, or ``price_dollars=``
        on the step of the market's price band (``price_ranges``) for sub-penny grids. ``contracts`` is a
        positive count, fractions to 0.01 included (fractional trading is universal). Options: ``action`` (buy/sell), ``time_in_force``, ``post_only``,
        ``client_order_id`` (a uuid4 is generated otherwise), ``price_dollars``, ``expiration_time``,
        ``reduce_only``, ``subaccount``, ``order_group_id``, ``cancel_order_on_pause``, ``market``.

        Returns ``{"order": {"order_id", "client_order_id", "status", ...receipt}, "request": {...}}``;
        ``status`` is ``executed``, ``resting`` or ``canceled``. ``dry_run=True`` sends no write (it reads
        the market unless ``market=`` is given) and returns the exact body with status ``dry_run``.

        On production it refuses until ``kalshi_nb.enable_live_trading(client)`` (or
        ``KALSHI_NB_LIVE_TRADING=true``), and above the spend cap on the order's worst case. It is never
        re-sent blindly: see ``kalshi_nb.writer``.

        Example:
            >>> client.place_order(ticker, "yes", 10, 1)["order"]["status"]   # a 1c bid rests
            'resting'
        """
        if not dry_run:
            self._require_key("place_order")
        chosen_id = options.get("client_order_id") is not None
        body, market = self.build_order(ticker, side, contracts, price_cents, **options)
        request = {"method": "POST", "path": self._full_path(ORDERS_V2_PATH), "body": body}
        side_, action_ = order_v2.check_side(side), order_v2.check_action(options.get("action", "buy"))
        if dry_run:
            order = {
                "order_id": None,
                "client_order_id": body["client_order_id"],
                "status": "dry_run",
                "ticker": body["ticker"],
                "side": side_,
                "action": action_,
            }
            return {"order": order, "request": request}
        result, reconciled = self.submit_order(body, market=market, check_exchange=chosen_id)
        if reconciled:
            return {"order": result, "request": request, "reconciled": True}
        order = {
            "order_id": result.get("order_id"),
            "client_order_id": result.get("client_order_id") or body["client_order_id"],
            "status": order_v2.status_from_receipt(result, body["time_in_force"]),
            "ticker": body["ticker"],
            "side": side_,
            "action": action_,
        }
        order.update({k: v for k, v in result.items() if k not in order})
        return {"order": order, "request": request}

    def place_orders(self, orders: list[dict[str, Any]]) -> list[dict]:
        """Batch create: each item holds ``place_order``'s arguments (``ticker``, ``side``, ``contracts``, ...).

        Every order passes the same guards and journal as ``place_order`` before the one batched request is
        sent; after an ambiguous failure each order is looked up, and any not found raises
        ``OrderStateUnknownError``. Returns one result per order, in order: the receipt, the order found,
        or ``{"error": ...}`` for an order the exchange refused.

        Example:
            >>> [r["order_id"] is not None for r in client.place_orders(
            ...     [{"ticker": ticker, "side": "yes", "contracts": 1, "price_cents": 1}] * 2)]
            [True, True]
        """
        self._require_key("place_orders")
        if not isinstance(orders, list) or not orders:
            raise ValueError("place_orders takes a non-empty list of dicts of place_order's arguments")
        limiter = getattr(self, "rate_limiter", None)
        if limiter is not None:  # the tier's batch size, before any read or journal entry
            limiter.check_batch("create", len(orders))
        markets: dict[str, dict] = {}
        bodies = []
        for item in orders:
            if not isinstance(item, dict):
                raise ValueError(f"each order must be a dict of place_order's arguments, got {item!r}")
            item = dict(item)
            ticker = check_ticker(item.pop("ticker", None))
            market = item.pop("market", None) or markets.get(ticker)
            body, markets[ticker] = self.build_order(
                ticker,
                item.pop("side", None),
                item.pop("contracts", None),
                item.pop("price_cents", None),
                market=market,
                **item,
            )
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

    def _send_batch(
        self,
        bodies: list[dict],
        index: list[int],
        results: list[dict | None],
        journal: OrderJournal,
        key: str,
    ) -> None:
        deadline = time.monotonic() + self.retry.total_time
        try:
            answer = self._request(
                "POST",
                f"{ORDERS_V2_PATH}/batched",
                json_body={"orders": bodies},
                retry=False,
                deadline=deadline,
            )
        except AMBIGUOUS as exc:
            unknown = []
            grace = 0.0 if not_processed(exc) else self._grace()
            for i, body in zip(index, bodies, strict=True):
                found = (
                    None if not_processed(exc) else self._find_order(body, deadline, grace=grace, cause=exc)
                )
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
                    client_order_id=unknown[0],
                    ticker=bodies[0]["ticker"],
                ) from exc
            return
        except KalshiAPIError as exc:
            for body in bodies:
                journal.record(
                    self.api_base, key, body["client_order_id"], "not_sent", detail=f"HTTP {exc.status}"
                )
            raise
        items = answer.get("orders") or []
        by_id = {str(item.get("client_order_id")): item for item in items if isinstance(item, dict)}
        for n, (i, body) in enumerate(zip(index, bodies, strict=True)):
            coid = body["client_order_id"]
            item = by_id.get(coid) or (items[n] if n < len(items) and isinstance(items[n], dict) else {})
            if item.get("order_id") and not item.get("error"):
                journal.record(
                    self.api_base,
                    key,
                    coid,
                    "placed",
                    order_id=str(item["order_id"]),
                    status=order_v2.status_from_receipt(item, str(body.get("time_in_force"))),
                )
            elif item.get("error"):
                journal.record(self.api_base, key, coid, "not_sent", detail="refused in the batch")
            else:
                journal.record(self.api_base, key, coid, "unknown", detail="missing from the batch answer")
            results[i] = item

    def amend_order(
        self,
        order_id: str,
        *,
        ticker: str,
        side: str,
        action: str = "buy",
        contracts: object,
        price_cents: object = None,
        price_dollars: object = None,
        updated_client_order_id: str | None = None,
    ) -> dict:
        """Amend a resting order's price and/or count (``count`` is the new total: filled + resting).

        Guarded like a new order (production opt-in, spend cap on the amended order's worst case) and sent
        once: after an ambiguous failure, read the order (``get_order``) before anything else.

        Example:
            >>> oid = client.place_order(ticker, "yes", 5, 1)["order"]["order_id"]
            >>> "order_id" in client.amend_order(oid, ticker=ticker, side="yes", contracts=5, price_cents=2)
            True
        """
        self._require_key("amend_order")
        order_id = check_id(order_id, "order_id")
        coid = updated_client_order_id or order_v2.new_client_order_id()
        body, market = self.build_order(
            ticker,
            side,
            contracts,
            price_cents,
            action=action,
            price_dollars=price_dollars,
            client_order_id=coid,
        )
        self.check_order(body, market)
        amend = {
            "ticker": body["ticker"],
            "side": body["side"],
            "price": body["price"],
            "count": body["count"],
            "updated_client_order_id": coid,
        }
        try:
            return self._request("POST", f"{ORDERS_V2_PATH}/{order_id}/amend", json_body=amend, retry=False)
        except AMBIGUOUS as exc:
            if not_processed(exc):
                raise
            raise OrderStateUnknownError(
                f"amend of order {order_id} failed ambiguously ({type(exc).__name__}); it may or may not have "
                f"applied and was NOT sent again. Read it with client.get_order({order_id!r})",
                client_order_id=coid,
                ticker=body["ticker"],
            ) from exc

    def cancel_order(self, order_id: str, *, ticker: str | None = None) -> dict:
        """``DELETE /portfolio/events/orders/{order_id}``: ``{"order_id", "reduced_by", ...}``.

        No opt-in needed (a cancel only reduces risk), but the id is checked: ``.``, ``..``, a slash or an
        empty id would otherwise reach another route (``.`` is the cancel-all path). Kalshi routes the
        cancel by ``market_ticker``; without ``ticker`` the order is read first.

        Example:
            >>> order = client.place_order(ticker, "yes", 3, 1)
            >>> client.cancel_order(order["order"]["order_id"])["reduced_by"]
            '3.00'
        """
        self._require_key("cancel_order")
        order_id = check_id(order_id, "order_id")
        ticker = check_ticker(ticker) if ticker is not None else None
        if ticker is None:
            ticker = self.get_order(order_id)["order"]["ticker"]
        return self._request("DELETE", f"{ORDERS_V2_PATH}/{order_id}", params={"market_ticker": ticker})
