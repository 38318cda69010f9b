"""The order-write endpoints (create, cancel, decrease, amend, the batches) under the one lock: routing to
the ledger of the market's shard and the subaccount, automatic allocation, the trading pause."""

from __future__ import annotations

import heapq
import logging
from datetime import datetime

from ..data import iso
from ..errors import SandboxError, bad_request, conflict, not_found
from ..money import PIP, count_str
from ..ratelimit import TIERS, max_batch_size
from .bodies import as_object, no_unknown, parse_amend, parse_create, parse_decrease
from .matching import Matching
from .portfolio import Portfolio
from .shards import check_shard, trading_pause_at
from .state import _fee_micro, _Order
from .transfers import Transfers

log = logging.getLogger(__name__)

# The exchange alone does not know the usage tier: these are Basic's; the HTTP app passes the tier's own.
DEFAULT_MAX_BATCH = max_batch_size(TIERS["basic"], "create")
DEFAULT_MAX_CANCELS = max_batch_size(TIERS["basic"], "cancel")


class Writes(Portfolio, Transfers, Matching):
    """What a user's write requests do; the rules themselves are in ``Matching`` and ``Accounting``.

    Orders are routed to a ledger by the market's shard and the body's ``subaccount``; the order's
    ``user_id`` inside the exchange is that ledger's key (records show the real user id).
    """

    pauses: bool

    # --- the trading pause ---------------------------------------------------------------------------

    def paused_until(self) -> datetime | None:
        """When the current trading pause ends (UTC), or None when trading is not paused (or pauses are off)."""
        if not self.pauses:
            return None
        window = trading_pause_at(self.now())
        return window[1] if window else None

    def set_pauses(self, enabled: bool) -> None:
        """Turn the Thursday trading pause on or off (a control; the CLI's ``--no-pauses``)."""
        with self._lock:
            self._sync()
            self.pauses = bool(enabled)
            self._bump()

    def _refuse_if_paused(self, what: str) -> None:
        until = self.paused_until()
        if until is not None:
            resume = iso(int(until.timestamp()))
            raise SandboxError(
                409, "trading_paused",  # code invented (live code UNCONFIRMED)
                f"trading is paused for the weekly maintenance (Thursdays 03:00-05:00 ET) until {resume}: "
                f"{what} is refused until then; cancelling orders is still accepted",
                resume,
            )  # fmt: skip

    # --- routing ------------------------------------------------------------------------------------------

    def _route(self, ticker: str, exchange_index: int | None) -> int:
        """The market's shard; an order naming another one is a 400 (None or -1: routed by ticker)."""
        shard = self._shard_of(ticker)
        if exchange_index is not None and exchange_index != -1 and exchange_index != shard:
            raise bad_request(
                f"market {ticker} is on exchange_index {shard}, not {exchange_index}; "
                "omit exchange_index (or send -1) to route by ticker"
            )
        return shard

    def _coid_in_use(self, user_id: str, coid: str, besides: str | None = None) -> str | None:
        """The resting order of the user (any subaccount or shard) holding ``client_order_id`` ``coid``."""
        for key in self._members[user_id].ledgers:
            oid = self._by_coid.get((key, coid))
            if oid is not None and oid != besides:
                return oid
        return None

    def _render_order(self, o: _Order) -> None:
        super()._render_order(o)
        acct = self._accounts[o.user_id]
        # The record is new and not handed out yet: show the real user and the order's shard.
        o.record["user_id"] = acct.user_id
        o.record["exchange_index"] = acct.exchange_index

    def _enter(self, order: _Order, count: int, now_ms: int) -> int:
        """``Matching._enter`` on the order's ledger, with automatic allocation: collateral up to the order's
        worst case (cost plus a fee at P = 0.5) is drawn from the subaccount's other shards first; what the
        order did not use goes back, and all of it if the order is refused. An ``insufficient_balance`` names
        the shard and how to fund it."""
        acct = self._accounts[order.user_id]
        first = order.order_id not in self._orders
        coef = max(self._coef(order.ticker, maker=False), self._coef(order.ticker, maker=True))
        free = max(0, acct.cash - acct.held)
        moves = self._fund(acct, count * order.own_price + _fee_micro(coef, count, PIP // 2))
        try:
            filled = super()._enter(order, count, now_ms)
        except SandboxError as exc:
            self._unfund(acct, moves)
            if exc.code != "insufficient_balance":
                raise
            if self._members[acct.user_id].allocations:
                hint = "; automatic allocation found no more free cash on the subaccount's other shards"
            else:
                hint = (
                    "; automatic allocation is off: move collateral to this shard with POST "
                    "/portfolio/intra_exchange_instance_transfer (destination_exchange_shard "
                    f"{acct.exchange_index}) or turn allocation on with POST /portfolio/target_balance_allocation"
                )
            raise SandboxError(
                400, exc.code,
                f"{exc.message} on exchange_index {acct.exchange_index} (subaccount {acct.subaccount}, "
                f"market {order.ticker}){hint}",
            ) from None  # fmt: skip
        if moves:  # give back what the order did not use: it draws exactly its cost, fees and hold
            self._unfund(acct, moves, limit=max(0, acct.cash - acct.held - free))
        if first:
            self._members[acct.user_id].orders.append(order.order_id)
        return filled

    # --- the endpoints ---------------------------------------------------------------------------------

    def create_order(self, user_id: str, body: object) -> dict:
        """``POST /portfolio/events/orders``: validate, route, match, rest or cancel; return the V2 receipt."""
        with self._lock:
            self._sync()
            self._account(user_id)
            return self._create(user_id, body)

    def _create(self, user_id: str, body: object) -> dict:
        spec = parse_create(body)
        self._refuse_if_paused("placing an order")
        ticker = spec["ticker"]
        self._market_or_404(ticker)
        acct = self._ledger(user_id, spec["subaccount"], self._route(ticker, spec.get("exchange_index")))
        coid = spec["client_order_id"]
        other = self._coid_in_use(user_id, coid) if coid else None
        if other is not None:
            # Live answers 409 order_already_exists for a duplicate of an open order (kalshi-api.md §E, §5.7);
            # after that order executed or was cancelled the id is free again (DESIGN.md "Ids and client_order_id").
            raise conflict(
                f"client_order_id {coid!r} is already used by one of your resting orders ({other}); "
                "use a new id or cancel that order",
                "order_already_exists",
            )
        return self._place(acct.key, spec)

    def cancel_order(
        self,
        user_id: str,
        order_id: str,
        *,
        market_ticker: str | None = None,
        subaccount: int | None = None,
        exchange_index: int | None = None,
        route: bool = False,
    ) -> dict:
        """``DELETE /portfolio/events/orders/{id}`` -> ``{order_id, client_order_id?, reduced_by, ts_ms}``.

        ``route=True`` (the HTTP route) applies live's routing: the order must be in ``subaccount`` (default
        0) and on the shard named by ``exchange_index``, else by ``market_ticker``'s market, else shard 0
        (documented: "an order_id alone cannot identify the exchange shard"); ``exchange_index`` -1 needs
        ``market_ticker``. Without ``route`` the order is found by id alone. Cancelling is allowed during a
        trading pause.
        """
        with self._lock:
            self._sync()
            o = self._own_order(user_id, order_id)
            if market_ticker is not None and market_ticker != o.ticker:
                raise bad_request(f"order {order_id} is on market {o.ticker}, not {market_ticker}")
            if route:
                self._cancel_route(o, market_ticker, subaccount, exchange_index)
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

    def _cancel_route(
        self, o: _Order, market_ticker: str | None, subaccount: int | None, exchange_index: int | None
    ) -> None:
        acct = self._accounts[o.user_id]
        sub = 0 if subaccount is None else subaccount
        if sub != acct.subaccount:
            raise not_found(
                f"order {o.order_id} does not exist in subaccount {sub} (pass the subaccount it was placed in)"
            )
        if exchange_index == -1 and market_ticker is None:
            raise bad_request("exchange_index -1 (auto-routing) needs market_ticker")
        if exchange_index is not None and exchange_index != -1:
            shard = exchange_index
        elif market_ticker is not None:
            shard = self._shard_of(market_ticker)
        else:
            shard = 0
        if shard != acct.exchange_index:
            raise not_found(
                f"order {o.order_id} does not exist on exchange_index {shard}; an order id alone routes to "
                "shard 0: pass market_ticker (auto-routing) or the order's exchange_index"
            )

    def cancel_all_orders(self, user_id: str, *, subaccount: int | None = None) -> None:
        """``DELETE /portfolio/events/orders``: cancel the user's resting orders on every shard, of one
        subaccount or of all (HTTP 204)."""
        with self._lock:
            self._sync()
            if subaccount is not None:
                self._check_subaccount(user_id, subaccount)
            now_ms = self._now_ms()
            for acct in self._ledgers(user_id, subaccount):
                for oid in acct.orders:
                    o = self._orders[oid]
                    if o.status == "resting":
                        self._cancel(o, ts_ms=now_ms)

    def decrease_order(self, user_id: str, order_id: str, body: object) -> dict:
        """Reduce a resting order by ``reduce_by`` or to ``reduce_to`` (exactly one); 0 left cancels it. Like a
        cancel, it is allowed during a trading pause (UNCONFIRMED: the docs name only place and amend)."""
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

    def amend_order(
        self, user_id: str, order_id: str, body: object, *, subaccount: int | None = None
    ) -> dict:
        """Change a resting order's price and/or total count (``count`` = already filled + wanted resting).

        A smaller count at the same price keeps the queue position; anything else re-enters the book through
        the same sequence as a new order (``Matching._enter``), so it may trade, and it is accepted exactly
        when that new order would be. A refused amend leaves the order as it was. Refused during a trading
        pause. ``subaccount`` (the HTTP query, default 0 there) must be the order's.
        """
        with self._lock:
            self._sync()
            o = self._own_order(user_id, order_id)
            spec = parse_amend(body)
            self._refuse_if_paused("amending an order")
            acct = self._accounts[o.user_id]
            if subaccount is not None and subaccount != acct.subaccount:
                raise not_found(f"order {order_id} does not exist in subaccount {subaccount}")
            self._route(o.ticker, spec.get("exchange_index"))
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
            if (
                new_coid
                and new_coid != o.client_order_id
                and self._coid_in_use(user_id, new_coid, o.order_id)
            ):
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

    def batch_create_orders(self, user_id: str, body: object, *, max_batch: int | None = None) -> dict:
        """``POST /portfolio/events/orders/batched``: each order on its own; failures carry ``error``. At most
        ``max_batch`` orders (default: the Basic tier's, ``ratelimit.max_batch_size``)."""
        max_batch = DEFAULT_MAX_BATCH if max_batch is None else max_batch
        with self._lock:
            self._sync()
            self._account(user_id)
            items = self._batch_items(body, max_batch)
            out = []
            for item in items:
                coid = item.get("client_order_id") if isinstance(item, dict) else None
                try:
                    out.append(self._create(user_id, item))
                except SandboxError as exc:
                    row: dict = {}
                    if isinstance(coid, str) and coid:
                        row["client_order_id"] = coid
                    row["error"] = exc.body()["error"]
                    out.append(row)
            return {"orders": out}

    @staticmethod
    def _batch_items(body: object, max_batch: int) -> list:
        spec = as_object(body, "batch")
        items = spec.get("orders")
        if not isinstance(items, list) or not items:
            raise bad_request('the batch body must be {"orders": [...]} with at least one entry')
        if len(items) > max_batch:
            raise bad_request(
                f"at most {max_batch} orders per batch on this usage tier (got {len(items)}); split the batch",
                code="batch_too_large",
            )
        return items

    def batch_cancel_orders(
        self, user_id: str, body: object, *, max_batch: int | None = None, route: bool = False
    ) -> dict:
        """``DELETE /portfolio/events/orders/batched``: per-order results, ``error`` on failures; ``route``
        as in ``cancel_order`` (each item's ``subaccount``, ``exchange_index``, ``market_ticker``). At most
        ``max_batch`` items (default: the Basic tier's)."""
        max_batch = DEFAULT_MAX_CANCELS if max_batch is None else max_batch
        with self._lock:
            self._sync()
            self._account(user_id)
            items = self._batch_items(body, max_batch)
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
                    sub, shard, ticker = (
                        item.get("subaccount"),
                        item.get("exchange_index"),
                        item.get("market_ticker"),
                    )
                    if sub is not None and (
                        isinstance(sub, bool) or not isinstance(sub, int) or not 0 <= sub <= 63
                    ):
                        raise bad_request("subaccount must be an integer from 0 (primary) to 63")
                    if shard is not None and shard != -1:
                        check_shard(shard)
                    if ticker is not None and (not isinstance(ticker, str) or not ticker):
                        raise bad_request("market_ticker must be a non-empty string")
                    out.append(
                        self.cancel_order(
                            user_id,
                            oid,
                            market_ticker=ticker,
                            subaccount=sub,
                            exchange_index=shard,
                            route=route,
                        )
                    )
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
