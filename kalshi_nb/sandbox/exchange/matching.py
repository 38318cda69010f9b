"""The book and order matching: one sequence for every order that enters the book, new or amended."""

from __future__ import annotations

import heapq
from decimal import Decimal
from fractions import Fraction

from .. import data
from ..data import iso, iso_ms
from ..data.grids import price_ok
from ..errors import SandboxError, bad_request, conflict
from ..money import PIP, count_str, pip_str
from .accounting import Accounting
from .state import DOLLAR, MAX_OPEN_ORDERS, ONE_CONTRACT, _Book, _Entry, _fee_micro, _Fill, _Order, money_str


class Matching(Accounting):
    """Order entry, matching, resting, cancelling and reducing; the public trades and the top of book."""

    def _plan(self, order: _Order, count: int) -> tuple[list[_Fill], list[_Entry], bool]:
        """Which resting entries the order would take, without changing anything.

        Returns (fills, own resting entries to cancel under ``maker`` STP, whether ``taker_at_cross`` STP
        stopped the order).
        """
        book = self._book(order.ticker)
        bid = order.bid
        # A YES bid at p takes NO bids at q >= 1 - p (the YES ask is 1 - q), best (highest q) first.
        levels, prices = book.side(not bid)
        limit = PIP - order.price if bid else order.price
        plan: list[_Fill] = []
        cancels: list[_Entry] = []
        left = count
        for q in reversed(prices):
            if q < limit or left == 0:
                break
            for entry in levels[q]:
                if left == 0:
                    break
                if entry.remaining == 0:
                    continue
                if entry.order is not None and entry.order.user_id == order.user_id:
                    if order.stp == "taker_at_cross":
                        return plan, cancels, True
                    cancels.append(entry)
                    continue
                take = min(left, entry.remaining)
                plan.append(_Fill(entry, take, PIP - q if bid else q))
                left -= take
        return plan, cancels, False

    def _execute(self, taker: _Order, f: _Fill, now_ms: int, taker_coef: Fraction) -> None:
        """Apply one match: both sides' cash, positions, orders and fills; the public trade."""
        ticker = taker.ticker
        bid = taker.bid
        count, yes_price = f.count, f.yes_price
        taker_price = yes_price if bid else PIP - yes_price
        maker_price = PIP - taker_price
        taker_fee = _fee_micro(taker_coef, count, yes_price)
        taker_acct = self._accounts[taker.user_id]
        self._trade_into(taker_acct, ticker, bid, count, taker_price, taker_fee, now_ms)
        taker.filled += count
        taker.taker_cost += count * taker_price
        taker.taker_fees += taker_fee
        trade_id = self._new_id()
        self._fill_record(taker_acct, taker, count, yes_price, taker_fee, True, now_ms)
        maker = f.entry.order
        f.entry.remaining -= count
        if maker is None:
            self._trade_into(None, ticker, not bid, count, maker_price, 0, now_ms)
        else:
            maker_acct = self._accounts[maker.user_id]
            maker_fee = _fee_micro(self._coef(ticker, maker=True), count, yes_price)
            old_hold = maker.held
            maker.remaining -= count
            maker.held = self._hold(maker, maker.remaining)
            maker_acct.held -= old_hold - maker.held
            self._trade_into(maker_acct, ticker, not bid, count, maker_price, maker_fee, now_ms)
            maker.filled += count
            maker.maker_cost += count * maker_price
            maker.maker_fees += maker_fee
            maker.updated_ms = now_ms
            if maker.remaining == 0:
                self._finish(maker, "executed")
            self._render_order(maker)
            self._fill_record(maker_acct, maker, count, yes_price, maker_fee, False, now_ms)
        stats = self._live_stats.setdefault(ticker, [0, 0])
        stats[0] += count
        h = self._hist.get(ticker)
        base_oi = data.oi_of(h, h.volume) if h is not None else 0
        side = "yes" if bid else "no"
        trades = self._live_trades.setdefault(ticker, [])
        trades.append(
            {
                "_ms": now_ms,
                "_seq": next(self._seq),
                "_price": yes_price,
                "_count": count,
                "_oi": base_oi + stats[1],
                "rec": {
                    "trade_id": trade_id,
                    "ticker": ticker,
                    "count_fp": count_str(count),
                    "yes_price_dollars": pip_str(yes_price),
                    "no_price_dollars": pip_str(PIP - yes_price),
                    "taker_side": side,
                    "taker_outcome_side": side,
                    "taker_book_side": "bid" if bid else "ask",
                    "created_time": iso_ms(now_ms),
                    "is_block_trade": False,
                },
            }
        )
        self._emit({"kind": "trade", **trades[-1]["rec"]})
        rec = self._rec[ticker]
        h_recent = h.v_recent if h is not None else 0
        self._replace(
            ticker,
            {
                "last_price_dollars": pip_str(yes_price),
                "volume_fp": count_str(self._volume(ticker)),
                # 24 h volume as of the data's anchor plus everything traded in the sandbox since.
                "volume_24h_fp": count_str(h_recent + stats[0]),
                "open_interest_fp": count_str(base_oi + stats[1]),
            }
            if rec
            else {},
        )

    def _render_order(self, o: _Order) -> None:
        self._touch_order(o)
        o.record = {
            "order_id": o.order_id,
            "user_id": o.user_id,
            "client_order_id": o.client_order_id,
            "ticker": o.ticker,
            "side": "yes",
            "action": "buy" if o.bid else "sell",
            "outcome_side": "yes" if o.bid else "no",
            "book_side": "bid" if o.bid else "ask",
            "type": "limit",
            "status": o.status,
            "yes_price_dollars": pip_str(o.price),
            "no_price_dollars": pip_str(PIP - o.price),
            "fill_count_fp": count_str(o.filled),
            "remaining_count_fp": count_str(o.remaining),
            "initial_count_fp": count_str(o.initial),
            "taker_fill_cost_dollars": money_str(o.taker_cost),
            "maker_fill_cost_dollars": money_str(o.maker_cost),
            "taker_fees_dollars": money_str(o.taker_fees),
            "maker_fees_dollars": money_str(o.maker_fees),
            "expiration_time": iso(o.expiration_ts) if o.expiration_ts is not None else None,
            "created_time": iso_ms(o.created_ms),
            "last_update_time": iso_ms(o.updated_ms),
            "self_trade_prevention_type": o.stp,
            "order_group_id": o.order_group_id,
            "cancel_order_on_pause": o.cancel_on_pause,
            "subaccount_number": o.subaccount,
            "exchange_index": self._rec[o.ticker]["exchange_index"],  # the market's shard
        }

    def _refresh_top(self, ticker: str, now_ms: int) -> None:
        """Rewrite the market's top of book from its book (and log the quote for candlesticks)."""
        self._touch_book(ticker)  # every book change ends here; the bus diffs it at the next _bump
        if self._rec[ticker]["status"] != "active":
            return
        book = self._book(ticker)
        bid, bid_size = book.best(True)
        no_bid, no_size = book.best(False)
        ask = PIP - no_bid
        top = {
            "yes_bid_dollars": pip_str(bid),
            "yes_bid_size_fp": count_str(bid_size),
            "yes_ask_dollars": pip_str(ask),
            "yes_ask_size_fp": count_str(no_size),
            "no_bid_dollars": pip_str(no_bid),
            "no_ask_dollars": pip_str(PIP - bid),
        }
        rec = self._rec[ticker]
        if any(rec[k] != v for k, v in top.items()):
            self._replace(ticker, top)
        qlog = self._quote_log.setdefault(ticker, [])
        if not qlog or (qlog[-1][1], qlog[-1][2]) != (bid, ask):
            qlog.append((now_ms / 1000, bid, ask))

    def _close_book(self, ticker: str, now_ms: int) -> None:
        """The market stops trading: cancel resting user orders and drop the house liquidity."""
        for o in list(self._orders.values()):
            if o.ticker == ticker and o.status == "resting":
                self._cancel(o, ts_ms=now_ms)
        self._books[ticker] = _Book()
        self._touch_book(ticker)

    def _reduce(self, o: _Order, target: int, now_ms: int) -> None:
        if target == 0:
            self._cancel(o, ts_ms=now_ms)
            return
        acct = self._accounts[o.user_id]
        assert o.entry is not None
        o.entry.remaining = target
        o.remaining = target
        new_hold = self._hold(o, target)
        acct.held += new_hold - o.held
        o.held = new_hold
        o.updated_ms = now_ms
        self._render_order(o)
        self._refresh_top(o.ticker, now_ms)
        self._bump()

    def _tradable(self, rec: dict, price: Decimal, price_raw: object, count: int, count_raw: object) -> None:
        """Refuse a price the market cannot trade: its status, and the step of the band of its current
        ``price_ranges`` that contains the price (never the structure's name). Every market takes
        fractional counts (hundredths), so ``count`` needs no check here."""
        ticker = rec["ticker"]
        if rec["status"] != "active":
            raise conflict(
                f"market {ticker} is not open for trading (status {rec['status']})", "market_closed"
            )
        if not price_ok(price, rec["price_ranges"]):
            step = ", ".join(f"{r['start']}-{r['end']} step {r['step']}" for r in rec["price_ranges"])
            raise bad_request(
                f"price {price_raw} is not on the market's price grid ({rec['price_level_structure']}: "
                f"{step}); use a price strictly between 0 and 1 on the step of its band",
                code="invalid_price",
            )

    def _check_shard(self, rec: dict, exchange_index: int | None) -> None:
        """An order naming a shard must name the market's (None or -1: routed by ticker, as live)."""
        if exchange_index is None or exchange_index == -1:
            return
        if exchange_index != rec["exchange_index"]:
            raise bad_request(
                f"market {rec['ticker']} trades on exchange_index {rec['exchange_index']}, not "
                f"{exchange_index}; omit exchange_index (or send -1) to route by ticker"
            )

    def _enter(self, order: _Order, count: int, now_ms: int) -> int:
        """The one sequence by which an order enters the book, new or amended: plan the match, refuse what
        post_only, fill_or_kill or the balance forbid, then execute, rest the remainder or close the order.

        The order is off the book and holds nothing when called; if this raises, nothing has changed.
        Returns the count filled now.
        """
        acct = self._accounts[order.user_id]
        bid = order.bid
        plan, stp_cancels, stopped = self._plan(order, count)
        filled = sum(f.count for f in plan)
        if order.post_only and (plan or stopped or stp_cancels):
            raise conflict(
                f"post_only order at {pip_str(order.price)} would cross the book and take liquidity",
                "post_only_cross",  # code invented
            )
        if order.tif == "fill_or_kill" and filled < count:
            raise conflict(
                f"fill_or_kill order for {count_str(count)} can fill only {count_str(filled)} at its limit price",
                "fill_or_kill_insufficient_resting_volume",  # code invented
            )
        taker_coef = self._coef(order.ticker, maker=False)
        cost = sum(f.count * (f.yes_price if bid else PIP - f.yes_price) for f in plan)
        fees = sum(_fee_micro(taker_coef, f.count, f.yes_price) for f in plan)
        pos = acct.positions.get(order.ticker)
        holding = pos.position if pos else 0
        # Buying the side opposite a position closes pairs, each paying $1 back at once.
        opposite = max(0, -holding) if bid else max(0, holding)
        credit = min(filled, opposite) * (DOLLAR // ONE_CONTRACT)
        rest = count - filled if order.tif == "good_till_canceled" and not stopped else 0
        hold = self._hold(order, rest)
        need = max(0, cost + fees - credit) + hold
        available = acct.cash - acct.held
        if need > available:
            raise bad_request(
                f"insufficient balance: this order needs {money_str(need)} (cost, fees and the hold for the "
                f"resting part) but {money_str(available)} is available",
                code="insufficient_balance",
            )
        # Committed from here on: nothing below raises.
        if order.order_id not in self._orders:
            self._orders[order.order_id] = order
            acct.orders.append(order.order_id)
        book = self._book(order.ticker)
        for entry in stp_cancels:
            assert entry.order is not None
            self._cancel(entry.order, ts_ms=now_ms)
        for f in plan:
            self._execute(order, f, now_ms, taker_coef)
        for f in plan:
            book.prune(not bid, PIP - f.yes_price if bid else f.yes_price)
        if rest:
            self._rest(order, rest, hold)
        else:
            order.remaining = 0
            order.status = "executed" if order.filled == order.initial and order.filled else "canceled"
        order.updated_ms = now_ms
        self._render_order(order)
        self._refresh_top(order.ticker, now_ms)
        acct.updated_ts = now_ms // 1000
        self._bump()
        return filled

    def _rest(self, order: _Order, count: int, hold: int, at: int | None = None) -> None:
        """Put ``count`` of an order on the book (at the back of its level, or at place ``at``) with its hold."""
        acct = self._accounts[order.user_id]
        order.status = "resting"
        order.remaining = count
        order.held = hold
        acct.held += hold
        order.entry = _Entry(order, count)
        self._book(order.ticker).add(order.bid, order.own_price, order.entry, at=at)
        if order.client_order_id:
            self._by_coid[(order.user_id, order.client_order_id)] = order.order_id
        self._position(acct, order.ticker).resting += 1
        if order.expiration_ts is not None:
            heapq.heappush(self._heap, (order.expiration_ts, next(self._seq), "expire", order.order_id))

    def _unrest(self, order: _Order) -> None:
        """Undo ``_rest``'s bookkeeping (hold, client_order_id, the position's resting count); keep the fills."""
        acct = self._accounts[order.user_id]
        acct.held -= order.held
        order.held = 0
        order.entry = None
        if (
            order.client_order_id
            and self._by_coid.get((order.user_id, order.client_order_id)) == order.order_id
        ):
            del self._by_coid[(order.user_id, order.client_order_id)]
        pos = acct.positions.get(order.ticker)
        if pos is not None and pos.resting:
            pos.resting -= 1

    def _lift(self, order: _Order) -> int | None:
        """Take a resting order off the book and out of the resting bookkeeping; return its queue place."""
        at = None
        if order.entry is not None:
            book = self._books.get(order.ticker)
            if book is not None:
                at = book.remove(order.bid, order.own_price, order.entry)
        self._unrest(order)
        return at

    def _finish(self, order: _Order, status: str) -> None:
        """Take an order off the book's bookkeeping (status executed or canceled)."""
        self._unrest(order)
        order.status = status
        order.remaining = 0

    def _cancel(self, order: _Order, *, ts_ms: int) -> int:
        """Cancel a resting order; return the count it had left."""
        left = order.remaining
        self._lift(order)
        self._finish(order, "canceled")
        order.updated_ms = ts_ms
        self._render_order(order)
        self._refresh_top(order.ticker, ts_ms)
        self._accounts[order.user_id].updated_ts = ts_ms // 1000
        self._bump()
        return left

    def _place(self, user_id: str, spec: dict) -> dict:
        """A new order (``spec`` from ``bodies.parse_create``): the order-level checks, then ``_enter``."""
        now_ms = self._now_ms()
        acct = self._accounts[user_id]
        ticker = spec["ticker"]
        rec = self._market_or_404(ticker)
        self._check_shard(rec, spec.get("exchange_index"))
        self._tradable(rec, spec["price_dec"], spec["price_raw"], spec["count"], spec["count_raw"])
        if spec["expiration_time"] is not None and spec["expiration_time"] <= now_ms // 1000:
            raise bad_request(
                f"expiration_time {spec['expiration_time']} is not in the future (Unix seconds)"
            )
        coid = spec["client_order_id"]
        if coid and (user_id, coid) in self._by_coid:
            # Live answers 409 order_already_exists for a duplicate of an open order (kalshi-api.md §E, §5.7);
            # after that order executed or was cancelled the id is free again (DESIGN.md "Ids and client_order_id").
            raise conflict(
                f"client_order_id {coid!r} is already used by one of your resting orders "
                f"({self._by_coid[(user_id, coid)]}); use a new id or cancel that order",
                "order_already_exists",
            )
        if sum(1 for oid in acct.orders if self._orders[oid].status == "resting") >= MAX_OPEN_ORDERS:
            raise conflict(f"at most {MAX_OPEN_ORDERS} open orders per user", "too_many_open_orders")
        bid = spec["side"] == "bid"
        count = spec["count"]
        if spec["reduce_only"]:
            # Capped by the position this order would reduce (SDK-3.34 reduce_only description).
            pos = acct.positions.get(ticker)
            holding = pos.position if pos else 0
            count = min(count, max(0, -holding) if bid else max(0, holding))
        order = _Order(
            self._new_id(), user_id, ticker, bid, spec["price"], spec["count"], coid, spec["tif"], spec["stp"],
            now_ms, subaccount=spec["subaccount"], expiration_ts=spec["expiration_time"],
            post_only=spec["post_only"], cancel_on_pause=spec["cancel_order_on_pause"],
            order_group_id=spec["order_group_id"], remaining=count, updated_ms=now_ms,
        )  # fmt: skip
        self._enter(order, count, now_ms)
        return self._receipt(order, now_ms)

    def _reenter(self, o: _Order, price: int, total: int, wanted: int, now_ms: int) -> int:
        """Amend by entering the book again as a new order would (``_enter``, for ``wanted`` at ``price``,
        ``total`` the new size); if that is refused, the order is put back as it was and the error raised."""
        saved = (o.price, o.initial, o.remaining, o.held)
        at = self._lift(o)
        o.price, o.initial = price, total
        try:
            return self._enter(o, wanted, now_ms)
        except SandboxError:
            o.price, o.initial = saved[0], saved[1]
            self._rest(o, saved[2], saved[3], at=at)
            raise
