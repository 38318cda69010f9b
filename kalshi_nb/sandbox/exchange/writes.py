"""The order-write endpoints: create, cancel, decrease, amend and the batches, each under the one lock."""

from __future__ import annotations

import heapq
import logging

from ..errors import SandboxError, bad_request, conflict
from ..money import count_str
from .bodies import no_unknown, parse_amend, parse_batch, parse_create, parse_decrease
from .matching import Matching
from .state import _Order

log = logging.getLogger(__name__)


class Writes(Matching):
    """What a user's write requests do; the rules themselves are in ``Matching`` and ``Accounting``."""

    def create_order(self, user_id: str, body: object) -> dict:
        """``POST /portfolio/events/orders``: validate, match, rest or cancel; return the V2 receipt (HTTP 201)."""
        with self._lock:
            self._sync()
            self._account(user_id)
            spec = parse_create(body)
            return self._place(user_id, spec)

    def cancel_order(self, user_id: str, order_id: str, *, market_ticker: str | None = None) -> dict:
        """``DELETE /portfolio/events/orders/{id}`` -> ``{order_id, client_order_id?, reduced_by, ts_ms}``."""
        with self._lock:
            self._sync()
            o = self._own_order(user_id, order_id)
            if market_ticker is not None and market_ticker != o.ticker:
                raise bad_request(f"order {order_id} is on market {o.ticker}, not {market_ticker}")
            if o.status != "resting":
                raise conflict(
                    f"order {order_id} is {o.status}, not resting; nothing to cancel", "order_not_resting"
                )
            now_ms = self._now_ms()
            left = self._cancel(o, ts_ms=now_ms)
            out: dict = {"order_id": o.order_id}
            if o.client_order_id:
                out["client_order_id"] = o.client_order_id
            out.update(reduced_by=count_str(left), ts_ms=now_ms)
            return out

    def cancel_all_orders(self, user_id: str) -> None:
        """``DELETE /portfolio/events/orders``: cancel every resting order of the user (HTTP 204)."""
        with self._lock:
            self._sync()
            acct = self._account(user_id)
            now_ms = self._now_ms()
            for oid in acct.orders:
                o = self._orders[oid]
                if o.status == "resting":
                    self._cancel(o, ts_ms=now_ms)

    def decrease_order(self, user_id: str, order_id: str, body: object) -> dict:
        """Reduce a resting order by ``reduce_by`` or to ``reduce_to`` (exactly one); 0 left cancels it."""
        with self._lock:
            self._sync()
            o = self._own_order(user_id, order_id)
            spec = parse_decrease(body)
            if spec["market_ticker"] is not None and spec["market_ticker"] != o.ticker:
                raise bad_request(f"order {order_id} is on market {o.ticker}, not {spec['market_ticker']}")
            if o.status != "resting":
                raise conflict(f"order {order_id} is {o.status}, not resting", "order_not_resting")
            if spec["reduce_by"] is not None:
                target = max(0, o.remaining - spec["reduce_by"])
            else:
                target = spec["reduce_to"]
                if target > o.remaining:
                    raise bad_request(
                        f"reduce_to {count_str(target)} is more than the {count_str(o.remaining)} left; "
                        "use amend to increase an order"
                    )
            now_ms = self._now_ms()
            self._reduce(o, target, now_ms)
            out: dict = {"order_id": o.order_id}
            if o.client_order_id:
                out["client_order_id"] = o.client_order_id
            out.update(remaining_count=count_str(o.remaining), ts_ms=now_ms)
            return out

    def amend_order(self, user_id: str, order_id: str, body: object) -> dict:
        """Change a resting order's price and/or total count (``count`` = already filled + wanted resting).

        A smaller count at the same price keeps the queue position; anything else re-enters the book through
        the same sequence as a new order (``Matching._enter``), so it may trade, and it is accepted exactly
        when that new order would be. A refused amend leaves the order as it was.
        """
        with self._lock:
            self._sync()
            o = self._own_order(user_id, order_id)
            spec = parse_amend(body)
            if spec["ticker"] != o.ticker or (spec["side"] == "bid") != o.bid:
                raise bad_request(
                    f"ticker and side must match the order ({o.ticker}, {'bid' if o.bid else 'ask'})"
                )
            coid, new_coid = spec["client_order_id"], spec["updated_client_order_id"]
            if coid and coid != o.client_order_id:
                raise bad_request(f"client_order_id {coid!r} does not match order {order_id}")
            if o.status != "resting":
                raise conflict(f"order {order_id} is {o.status}, not resting", "order_not_resting")
            total, price = spec["count"], spec["price"]
            self._tradable(
                self._rec[o.ticker], spec["price_dec"], spec["price_raw"], total, spec["count_raw"]
            )
            wanted = total - o.filled
            if wanted <= 0:
                raise bad_request(
                    f"count {count_str(total)} must exceed the {count_str(o.filled)} already filled "
                    "(count is the new total: filled + resting)"
                )
            if new_coid and new_coid != o.client_order_id and (user_id, new_coid) in self._by_coid:
                raise conflict(
                    f"client_order_id {new_coid!r} is already used by a resting order", "order_already_exists"
                )
            now_ms = self._now_ms()
            expiration = spec["expiration_time"]
            if expiration and expiration <= now_ms // 1000:
                raise bad_request("expiration_time must be in the future (or 0 to remove it)")
            old_coid = o.client_order_id
            if new_coid and new_coid != old_coid:
                self._rename(o, new_coid)  # fills made by this amend carry the new id
            if price == o.price and wanted <= o.remaining:
                o.initial = total  # the amended order's size is its new total
                self._reduce(o, wanted, now_ms)
                filled_now = 0
            else:
                try:
                    filled_now = self._reenter(o, price, total, wanted, now_ms)
                except SandboxError:
                    self._rename(o, old_coid)
                    raise
            if expiration is not None:
                o.expiration_ts = expiration or None
                if expiration and o.status == "resting":
                    heapq.heappush(self._heap, (expiration, next(self._seq), "expire", o.order_id))
            self._render_order(o)
            self._bump()
            out: dict = {"order_id": o.order_id}
            if o.client_order_id:
                out["client_order_id"] = o.client_order_id
            out["remaining_count"] = count_str(o.remaining)
            out["fill_count"] = count_str(o.filled)
            if o.filled:
                receipt = self._receipt(o, now_ms)
                out["average_fill_price"] = receipt["average_fill_price"]
                out["average_fee_paid"] = receipt["average_fee_paid"]
            out["ts_ms"] = now_ms
            log.debug("amended %s, %s filled now", o.order_id, count_str(filled_now))
            return out

    def batch_create_orders(self, user_id: str, body: object) -> dict:
        """``POST /portfolio/events/orders/batched``: each order on its own; failures carry ``error``."""
        with self._lock:
            self._sync()
            self._account(user_id)
            items = parse_batch(body)
            out = []
            for item in items:
                coid = item.get("client_order_id") if isinstance(item, dict) else None
                try:
                    spec = parse_create(item)
                    out.append(self._place(user_id, spec))
                except SandboxError as exc:
                    row: dict = {}
                    if isinstance(coid, str) and coid:
                        row["client_order_id"] = coid
                    row["error"] = exc.body()["error"]
                    out.append(row)
            return {"orders": out}

    def batch_cancel_orders(self, user_id: str, body: object) -> dict:
        """``DELETE /portfolio/events/orders/batched``: per-order results, ``error`` on failures."""
        with self._lock:
            self._sync()
            self._account(user_id)
            items = parse_batch(body)
            out = []
            for item in items:
                oid = item.get("order_id") if isinstance(item, dict) else None
                try:
                    if not isinstance(item, dict):
                        raise bad_request("each entry of orders must be an object with an order_id")
                    no_unknown(
                        item, {"order_id", "subaccount", "exchange_index", "market_ticker"}, "batch cancel"
                    )
                    if not isinstance(oid, str) or not oid:
                        raise bad_request("order_id is required (a string)")
                    out.append(self.cancel_order(user_id, oid, market_ticker=item.get("market_ticker")))
                except SandboxError as exc:
                    out.append(
                        {
                            "order_id": oid if isinstance(oid, str) else "",
                            "reduced_by": "0.00",
                            "error": exc.body()["error"],
                        }
                    )
            return {"orders": out}

    def _rename(self, o: _Order, coid: str) -> None:
        """Give an order a new client_order_id (the index of resting orders' ids follows)."""
        key = (o.user_id, o.client_order_id)
        if o.client_order_id and self._by_coid.get(key) == o.order_id:
            del self._by_coid[key]
        o.client_order_id = coid
        if coid and o.status == "resting":
            self._by_coid[(o.user_id, coid)] = o.order_id
