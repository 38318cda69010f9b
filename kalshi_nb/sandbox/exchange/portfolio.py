"""Portfolio reads built on the book and the ledgers: queue positions, the value of resting orders, and when
the user's data last changed."""

from __future__ import annotations

from collections.abc import Iterable

from ..data import iso_ms
from ..errors import not_found
from ..money import count_str
from .accounting import Accounting
from .shards import SHARDS
from .state import CENT, _Order, money_str


class Portfolio(Accounting):
    """``/portfolio/orders/queue_position(s)``, ``/portfolio/summary/total_resting_order_value``,
    ``/exchange/user_data_timestamp``."""

    def _ahead(self, o: _Order) -> int:
        """Contracts (hundredths) queued before a resting order at its price: price-time priority."""
        book = self._books.get(o.ticker)
        if book is None or o.entry is None:
            return 0
        levels, _ = book.side(o.bid)
        ahead = 0
        for entry in levels.get(o.own_price, ()):
            if entry is o.entry:
                break
            ahead += entry.remaining
        return ahead

    def queue_position(self, user_id: str, order_id: str) -> dict:
        """``GET /portfolio/orders/{id}/queue_position`` -> ``{"queue_position_fp"}``; 404 if not resting."""
        with self._lock:
            self._sync()
            o = self._own_order(user_id, order_id)
            if o.status != "resting":
                raise not_found(
                    f"order {order_id} is {o.status}, not resting: only resting orders have a queue position"
                )
            return {"queue_position_fp": count_str(self._ahead(o))}

    def queue_positions(
        self,
        user_id: str,
        *,
        market_tickers: Iterable[str] | None = None,
        event_ticker: str | None = None,
        subaccount: int = 0,
    ) -> dict:
        """``GET /portfolio/orders/queue_positions``: every resting order of a subaccount, oldest first."""
        wanted = set(market_tickers) if market_tickers else None
        with self._lock:
            self._sync()
            self._check_subaccount(user_id, subaccount)
            rows = []
            for order_id in self._member(user_id).orders:
                o = self._orders[order_id]
                if o.status != "resting" or o.subaccount != subaccount:
                    continue
                if wanted is not None and o.ticker not in wanted:
                    continue
                if event_ticker is not None and self._rec[o.ticker]["event_ticker"] != event_ticker:
                    continue
                rows.append(
                    {
                        "order_id": o.order_id,
                        "market_ticker": o.ticker,
                        "queue_position_fp": count_str(self._ahead(o)),
                    }
                )
            return {"queue_positions": rows}

    def total_resting_order_value(self, user_id: str) -> dict:
        """``GET /portfolio/summary/total_resting_order_value``: what the user's resting orders would cost if
        they all filled (count x price of the side bought), every subaccount, in cents and per shard."""
        with self._lock:
            self._sync()
            per_shard = {shard: 0 for shard in SHARDS}
            for acct in self._ledgers(user_id):
                for order_id in acct.orders:
                    o = self._orders[order_id]
                    if o.status == "resting":
                        per_shard[acct.exchange_index] += o.remaining * o.own_price
            total = sum(per_shard.values())
            return {
                "total_resting_order_value": total // CENT,
                "resting_order_value_breakdown": [
                    {"exchange_index": shard, "balance": money_str(micro)}
                    for shard, micro in per_shard.items()
                ],
            }

    def user_data_timestamp(self, user_id: str | None = None) -> dict:
        """``GET /exchange/user_data_timestamp``: the sandbox's user data is never behind, so the answer is the
        exchange's current time (live: when the data was last validated)."""
        with self._lock:
            self._sync()
            return {"as_of_time": iso_ms(self._now_ms())}
