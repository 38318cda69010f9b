"""An amend that re-enters the book goes through the same sequence as a new order: with the same balance and
the same book, an amend to X is accepted exactly when a new order X would be, and ends in the same state.

Alice holds 10 NO, so buying YES closes pairs that pay $1 each at once; that credit must count for an amend
as it does for a new order (it once did not, so an amend could be refused where the new order was accepted).
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import partial

import pytest
from test_exchange import BTC, Clock, order, sweep

from kalshi_nb.sandbox.errors import SandboxError
from kalshi_nb.sandbox.exchange import Exchange

T0 = datetime(2026, 9, 7, 2, 40, tzinfo=timezone.utc)
BALANCES_CENTS = (0, 1, 50, 89, 90, 91, 100, 467, 468, 469, 1_000, 100_000)
# (price, count) of X; the resting order R to amend is a bid 1 @ 0.10.
TARGETS = [("0.45", "10"), ("0.45", "12"), ("0.46", "20"), ("0.30", "5"), ("0.50", "3"), ("0.10", "4")]


def _market(cents: int) -> tuple[Exchange, str]:
    """Alice short 10 YES (holding NO), Bob asking 10 @ 0.45, Alice's bid R 1 @ 0.10, then her balance set."""
    ex = Exchange(seed=1, now=T0, clock=Clock(T0))
    for user in ("alice", "bob"):
        ex.add_account(user)
    sweep(ex, BTC)
    ex.create_order("bob", order(BTC, "bid", "10", "0.40"))
    ex.create_order("alice", order(BTC, "ask", "10", "0.40", "immediate_or_cancel"))
    ex.create_order("bob", order(BTC, "ask", "10", "0.45"))
    rid = ex.create_order("alice", order(BTC, "bid", "1", "0.10"))["order_id"]
    ex.set_balance("alice", cents)
    return ex, rid


def _outcome(call) -> tuple[bool, str | None]:
    try:
        call()
    except SandboxError as exc:
        return False, exc.code
    return True, None


def _state(ex: Exchange) -> tuple:
    positions, _ = ex.positions("alice")
    book = ex.orderbook(BTC)
    return (
        ex.balance("alice")["balance"],
        [(p["position_fp"], p["market_exposure_dollars"]) for p in positions],
        book,
    )


@pytest.mark.parametrize(("price", "count"), TARGETS)
def test_an_amend_is_accepted_exactly_when_the_same_new_order_is(price: str, count: str) -> None:
    results = set()
    for cents in BALANCES_CENTS:
        amended, rid = _market(cents)
        fresh, other = _market(cents)
        fresh.cancel_order("alice", other)  # the same book and the same available cash as the lifted R
        before = amended.order("alice", rid), _state(amended)

        body = {"ticker": BTC, "side": "bid", "price": price, "count": count}
        ok_amend = _outcome(partial(amended.amend_order, "alice", rid, body))
        ok_new = _outcome(partial(fresh.create_order, "alice", order(BTC, "bid", count, price)))

        assert ok_amend == ok_new, (price, count, cents)
        if ok_amend[0]:
            assert _state(amended) == _state(fresh), (price, count, cents)
        else:  # a refused amend leaves the order, the book and the balance as they were
            assert (amended.order("alice", rid), _state(amended)) == before
        results.add(ok_amend[0])
    if (price, count) in (("0.45", "12"), ("0.46", "20")):
        assert results == {True, False}  # the grid straddles the threshold, so the test can tell them apart
