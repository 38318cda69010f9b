"""Accounts: ledgers per (user, subaccount, shard), balances, positions with netting, fills, order records,
settlements and payouts, and the portfolio reads over them (live and historical tiers)."""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

from ..data import iso_ms
from ..errors import bad_request, not_found
from ..money import PIP, count_str, pip_str
from .ledgers import Ledgers
from .shards import SHARDS, check_shard
from .state import CENT, DOLLAR, ONE_CONTRACT, _Account, _iso_ts, _Order, _Position, money_str


class Accounting(Ledgers):
    """Who owns what: positions, the fill and settlement history, the portfolio reads, trades and payouts."""

    def balance(self, user_id: str, *, subaccount: int = 0, exchange_index: int | None = None) -> dict:
        """``GET /portfolio/balance``: available cash in integer cents (resting orders' holds excluded), over
        every shard of ``subaccount`` unless ``exchange_index`` scopes it; ``balance_breakdown`` per shard."""
        if exchange_index is not None:
            check_shard(exchange_index)
        with self._lock:
            self._sync()
            self._check_subaccount(user_id, subaccount)
            ledgers = self._ledgers(user_id, subaccount)
            per_shard = {shard: 0 for shard in SHARDS}
            value = 0
            updated = 0
            for acct in ledgers:
                per_shard[acct.exchange_index] += acct.cash - acct.held
                if exchange_index is not None and acct.exchange_index != exchange_index:
                    continue
                updated = max(updated, acct.updated_ts)
                for pos in acct.positions.values():
                    if pos.position and not pos.settled:
                        last = self._last_price(pos.ticker)
                        per = last if pos.position > 0 else PIP - last
                        value += abs(pos.position) * per
            available = sum(per_shard.values()) if exchange_index is None else per_shard[exchange_index]
            return {
                "balance": available // CENT,
                "balance_dollars": money_str(available - available % 100),
                # Value of open positions at the last traded price (definition UNCONFIRMED live).
                "portfolio_value": value // CENT,
                "updated_ts": updated,
                "balance_breakdown": [
                    {"exchange_index": shard, "balance": money_str(micro - micro % 100)}
                    for shard, micro in per_shard.items()
                ],
            }

    def _last_price(self, ticker: str) -> int:
        return round(float(self._rec[ticker]["last_price_dollars"]) * PIP)

    def _archived_events(self, user_id: str, subaccount: int | None) -> set[str]:
        """Events whose positions moved to ``/historical/positions``: every one of the user's positions in the
        event is settled and last changed before the positions cutoff (whole events move, as live)."""
        cut_ms = self._cutoff_market * 1000
        state: dict[str, bool] = {}
        for acct in self._ledgers(user_id, subaccount):
            for pos in acct.positions.values():
                event = self._rec[pos.ticker]["event_ticker"]
                done = pos.settled and pos.updated_ms < cut_ms
                state[event] = state.get(event, True) and done
        return {event for event, done in state.items() if done}

    def positions(
        self,
        user_id: str,
        *,
        ticker: str | None = None,
        event_ticker: str | None = None,
        count_filter: Iterable[str] | None = None,
        settlement_status: str = "unsettled",
        subaccount: int = 0,
        exchange_index: int | None = None,
        historical: bool = False,
        with_keys: bool = False,
    ) -> tuple[list[dict], list[dict]]:
        """(market_positions, event_positions) of a user's subaccount, most recently opened first (a position's
        place never changes, so a cursor is stable while positions trade). ``historical=True`` lists the
        archived ones instead (settled, whole events, before the cutoff). ``with_keys=True`` adds a third
        element: the market positions' cursor keys."""
        if settlement_status not in ("unsettled", "settled", "all"):
            raise bad_request("settlement_status must be unsettled, settled or all")
        wanted = set(count_filter or ())
        if not wanted <= {"position", "total_traded"}:
            raise bad_request("count_filter takes position and/or total_traded")
        if exchange_index is not None:
            check_shard(exchange_index)
        with self._lock:
            self._sync()
            self._check_subaccount(user_id, subaccount)
            archived = self._archived_events(user_id, subaccount)
            rows: list[tuple[_Position, dict, int]] = []
            for acct in self._ledgers(user_id, subaccount, exchange_index):
                for pos in acct.positions.values():
                    rec = self._rec[pos.ticker]
                    if ticker is not None and pos.ticker != ticker:
                        continue
                    if event_ticker is not None and rec["event_ticker"] != event_ticker:
                        continue
                    if (rec["event_ticker"] in archived) != historical:
                        continue
                    settled = pos.settled
                    if not historical and (
                        (settlement_status == "unsettled" and settled)
                        or (settlement_status == "settled" and not settled)
                    ):
                        continue
                    if wanted and not (
                        ("position" in wanted and pos.position)
                        or ("total_traded" in wanted and pos.total_traded)
                    ):
                        continue
                    if not wanted and not (pos.position or pos.total_traded or pos.resting):
                        continue
                    rows.append((pos, rec, acct.exchange_index))
            rows.sort(key=lambda r: -r[0].seq)
            market_positions = [self._position_dict(p, shard) for p, _, shard in rows]
            position_keys = [(-p.seq,) for p, _, _ in rows]
            events: dict[str, dict] = {}
            for pos, rec, _ in rows:
                ev = events.setdefault(
                    rec["event_ticker"], {"cost": 0, "shares": 0, "exposure": 0, "pnl": 0, "fees": 0}
                )
                ev["cost"] += pos.total_traded
                ev["shares"] += pos.traded
                ev["exposure"] += pos.yes_cost + pos.no_cost
                ev["pnl"] += pos.realized
                ev["fees"] += pos.fees
            event_positions = [
                {
                    "event_ticker": name,
                    "total_cost_dollars": money_str(v["cost"]),
                    "total_cost_shares_fp": count_str(v["shares"]),
                    "event_exposure_dollars": money_str(v["exposure"]),
                    "realized_pnl_dollars": money_str(v["pnl"]),
                    "fees_paid_dollars": money_str(v["fees"]),
                }
                for name, v in events.items()
            ]
            if with_keys:
                return market_positions, event_positions, position_keys  # type: ignore[return-value]
            return market_positions, event_positions

    def event_ticker_of(self, ticker: str) -> str:
        """The event of a market (market positions carry no ``event_ticker``; group them with this)."""
        return self._rec[ticker]["event_ticker"]

    def _position_dict(self, pos: _Position, exchange_index: int) -> dict:
        return {
            "ticker": pos.ticker,
            "exchange_index": exchange_index,
            "total_traded_dollars": money_str(pos.total_traded),
            "position_fp": count_str(pos.position),
            "market_exposure_dollars": money_str(pos.yes_cost + pos.no_cost),
            "realized_pnl_dollars": money_str(pos.realized),
            "fees_paid_dollars": money_str(pos.fees),
            "last_updated_ts": iso_ms(pos.updated_ms),
        }

    def fills(
        self,
        user_id: str,
        *,
        tickers: Iterable[str] | None = None,
        order_id: str | None = None,
        min_ts: int | None = None,
        max_ts: int | None = None,
        subaccount: int | None = None,
        exchange_index: int | None = None,
        historical: bool = False,
        with_keys: bool = False,
    ) -> list[dict]:
        """The user's fills, newest first, of every subaccount unless one is given. Fills before the trades
        cutoff are only in the historical tier (``historical=True``). ``with_keys=True`` returns
        ``(rows, keys)`` (place in history)."""
        wanted = set(tickers) if tickers else None
        if exchange_index is not None:
            check_shard(exchange_index)
        with self._lock:
            self._sync()
            member = self._member(user_id)
            if subaccount is not None:
                self._check_subaccount(user_id, subaccount)
            cut = self._cutoff_trades
            out = []
            keys = []
            for i in range(len(member.fills) - 1, -1, -1):
                f = member.fills[i]
                if (f["ts"] < cut) != historical:
                    continue
                if wanted is not None and f["ticker"] not in wanted:
                    continue
                if order_id is not None and f["order_id"] != order_id:
                    continue
                if subaccount is not None and f["subaccount_number"] != subaccount:
                    continue
                if exchange_index is not None and f["exchange_index"] != exchange_index:
                    continue
                if (min_ts is not None and f["ts"] < min_ts) or (max_ts is not None and f["ts"] > max_ts):
                    continue
                out.append(f)
                keys.append((-i,))
            return (out, keys) if with_keys else out  # type: ignore[return-value]

    def orders(
        self,
        user_id: str,
        *,
        ticker: str | None = None,
        event_tickers: Iterable[str] | None = None,
        min_ts: int | None = None,
        max_ts: int | None = None,
        status: str | None = None,
        subaccount: int | None = None,
        exchange_index: int | None = None,
        historical: bool = False,
        with_keys: bool = False,
    ) -> list[dict]:
        """The user's orders, newest first; ``min_ts``/``max_ts`` bound the creation time (Unix seconds).
        Orders cancelled or executed before the orders cutoff are only in the historical tier
        (``historical=True``); resting orders are always live. ``with_keys=True`` returns ``(rows, keys)``: an
        order's key is its place in the user's history, so an order changing status between pages never
        shifts the others."""
        if status not in (None, "resting", "canceled", "executed"):
            raise bad_request(f"status must be resting, canceled or executed, got {status!r}")
        events = set(event_tickers) if event_tickers else None
        if exchange_index is not None:
            check_shard(exchange_index)
        with self._lock:
            self._sync()
            member = self._member(user_id)
            if subaccount is not None:
                self._check_subaccount(user_id, subaccount)
            cut_ms = self._cutoff_orders * 1000
            out = []
            keys = []
            for i in range(len(member.orders) - 1, -1, -1):
                o = self._orders[member.orders[i]]
                archived = o.status != "resting" and o.updated_ms < cut_ms
                if archived != historical:
                    continue
                if (ticker is not None and o.ticker != ticker) or (status is not None and o.status != status):
                    continue
                if events is not None and self._rec[o.ticker]["event_ticker"] not in events:
                    continue
                if subaccount is not None and o.subaccount != subaccount:
                    continue
                if exchange_index is not None and o.record["exchange_index"] != exchange_index:
                    continue
                created = o.created_ms / 1000
                if (min_ts is not None and created < min_ts) or (max_ts is not None and created > max_ts):
                    continue
                out.append(o.record)
                keys.append((-i,))
            return (out, keys) if with_keys else out  # type: ignore[return-value]

    def order(self, user_id: str, order_id: str) -> dict:
        """One of the user's orders, any subaccount or shard (``GET /portfolio/orders/{id}``)."""
        with self._lock:
            self._sync()
            return self._own_order(user_id, order_id).record

    def _own_order(self, user_id: str, order_id: str) -> _Order:
        o = self._orders.get(order_id)
        if o is None or self._accounts[o.user_id].user_id != user_id:
            raise not_found(f"order {order_id} does not exist")
        return o

    def settlements(
        self,
        user_id: str,
        *,
        ticker: str | None = None,
        event_ticker: str | None = None,
        min_ts: int | None = None,
        max_ts: int | None = None,
        subaccount: int | None = None,
        with_keys: bool = False,
    ) -> list[dict]:
        """The user's settlements, newest first (every subaccount unless one is given); ``with_keys=True``
        returns ``(rows, keys)``."""
        with self._lock:
            self._sync()
            member = self._member(user_id)
            if subaccount is not None:
                self._check_subaccount(user_id, subaccount)
            out = []
            keys = []
            for i in range(len(member.settlements) - 1, -1, -1):
                sub, s = member.settlements[i]
                if subaccount is not None and sub != subaccount:
                    continue
                if ticker is not None and s["ticker"] != ticker:
                    continue
                if event_ticker is not None and s["event_ticker"] != event_ticker:
                    continue
                ts = _iso_ts(s["settled_time"])
                if (min_ts is not None and ts < min_ts) or (max_ts is not None and ts > max_ts):
                    continue
                out.append(s)
                keys.append((-i,))
            return (out, keys) if with_keys else out  # type: ignore[return-value]

    def _trade_into(
        self,
        acct: _Account | None,
        ticker: str,
        buys_yes: bool,
        count: int,
        price_own: int,
        fee: int,
        now_ms: int,
    ) -> None:
        """Book a purchase of ``count`` YES (or NO) at ``price_own`` pips for an account, with netting.

        Buying YES while holding NO closes pairs worth $1 each (and vice versa).
        """
        if acct is None:  # the house: only its position matters (open interest)
            before = self._house_pos.get(ticker, 0)
            after = before + (count if buys_yes else -count)
            self._house_pos[ticker] = after
            self._oi_delta(ticker, before, after)
            return
        pos = self._position(acct, ticker)
        before = pos.position
        cost = count * price_own
        acct.cash -= cost + fee
        opposite = max(0, -before) if buys_yes else max(0, before)
        close = min(count, opposite)
        if close:
            basis = pos.no_cost if buys_yes else pos.yes_cost
            removed = basis * close // opposite
            if buys_yes:
                pos.no_cost -= removed
            else:
                pos.yes_cost -= removed
            payout = close * (DOLLAR // ONE_CONTRACT)
            acct.cash += payout
            pos.realized += payout - removed - close * price_own
        opened = count - close
        if buys_yes:
            pos.yes_cost += opened * price_own
        else:
            pos.no_cost += opened * price_own
        pos.position = before + (count if buys_yes else -count)
        pos.total_traded += cost
        pos.traded += count
        pos.fees += fee
        pos.updated_ms = now_ms
        acct.updated_ts = now_ms // 1000
        self._oi_delta(ticker, before, pos.position)

    def _oi_delta(self, ticker: str, before: int, after: int) -> None:
        stats = self._live_stats.setdefault(ticker, [0, 0])
        stats[1] += max(after, 0) - max(before, 0)

    def _fill_record(
        self, acct: _Account, order: _Order, count: int, yes_price: int, fee: int, is_taker: bool, now_ms: int
    ) -> None:
        fill_id = self._new_id()
        fills = self._members[acct.user_id].fills
        fills.append(
            {
                "fill_id": fill_id,
                "trade_id": fill_id,
                "order_id": order.order_id,
                "ticker": order.ticker,
                "market_ticker": order.ticker,
                "side": "yes",
                "action": "buy" if order.bid else "sell",
                "outcome_side": "yes" if order.bid else "no",
                "book_side": "bid" if order.bid else "ask",
                "count_fp": count_str(count),
                "yes_price_dollars": pip_str(yes_price),
                "no_price_dollars": pip_str(PIP - yes_price),
                "is_taker": is_taker,
                "created_time": iso_ms(now_ms),
                "fee_cost": money_str(fee),
                "subaccount_number": order.subaccount,
                "ts": now_ms // 1000,
                "exchange_index": acct.exchange_index,
            }
        )
        self._emit({"kind": "fill", "user_id": acct.user_id, **fills[-1]})
        self._touch_position(acct, order.ticker)

    def _receipt(self, order: _Order, now_ms: int) -> dict:
        """The V2 receipt; ``average_fill_price`` is in YES terms like the order's price (UNCONFIRMED live)."""
        out: dict = {"order_id": order.order_id}
        if order.client_order_id:
            out["client_order_id"] = order.client_order_id
        out["fill_count"] = count_str(order.filled)
        out["remaining_count"] = count_str(order.remaining)
        if order.filled:
            cost = order.taker_cost + order.maker_cost
            per = Fraction(cost * ONE_CONTRACT, order.filled)  # micro-dollars per contract, side bought
            yes_avg = per if order.bid else DOLLAR - per
            out["average_fill_price"] = money_str(round(yes_avg))
            out["average_fee_paid"] = money_str(
                round(Fraction((order.taker_fees + order.maker_fees) * ONE_CONTRACT, order.filled))
            )
        out["ts_ms"] = now_ms
        return out

    def _pay_out(self, ticker: str, result: str, ts: float) -> None:
        """Pay every account holding the market: $1 per winning contract; write settlements."""
        rec = self._rec[ticker]
        ts_ms = int(ts * 1000)
        for acct in self._accounts.values():
            pos = acct.positions.get(ticker)
            if pos is None or pos.settled:
                continue
            if not pos.position and not pos.total_traded:
                continue
            yes_count = max(pos.position, 0)
            no_count = max(-pos.position, 0)
            won = yes_count if result == "yes" else no_count
            payout = won * (DOLLAR // ONE_CONTRACT)
            acct.cash += payout
            pos.realized += payout - pos.yes_cost - pos.no_cost
            self._members[acct.user_id].settlements.append(
                (acct.subaccount, {
                    "ticker": ticker,
                    "exchange_index": acct.exchange_index,
                    "event_ticker": rec["event_ticker"],
                    "market_result": result,
                    "yes_count_fp": count_str(yes_count),
                    "yes_total_cost_dollars": money_str(pos.yes_cost),
                    "no_count_fp": count_str(no_count),
                    "no_total_cost_dollars": money_str(pos.no_cost),
                    "revenue": payout // CENT,
                    "settled_time": iso_ms(ts_ms),
                    "fee_cost": money_str(pos.fees),
                    "value": 100 if result == "yes" else 0,
                })
            )  # fmt: skip
            pos.position = 0
            pos.yes_cost = pos.no_cost = 0
            pos.settled = True
            pos.updated_ms = ts_ms
            self._touch_position(acct, ticker)
            acct.updated_ts = int(ts)
        self._bump()
