"""Accounts in the exchange itself: ledgers per (subaccount, exchange shard), automatic allocation, transfers,
subaccounts, records carrying their shard, the historical tiers of fills/orders/positions, queue positions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from kalshi_nb.sandbox.errors import SandboxError
from kalshi_nb.sandbox.exchange import Exchange

T0 = datetime(2026, 9, 7, 2, 40, tzinfo=timezone.utc)  # a Monday (22:40 EDT Sunday): no trading pause
BTC = "KXBTC15M-26SEP062245-45"  # Crypto: shard 2
FED = "KXFEDDECISION-26SEP-C25"  # shard 0, bid 0.24 / ask 0.25
XFER = "5a1c0d2e-0000-4000-8000-000000000001"


class Clock:
    def __init__(self, t: datetime) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def ex(clock: Clock) -> Exchange:
    ex = Exchange(seed=1, now=T0, clock=clock)
    ex.add_account("alice")  # $10,000.00 on subaccount 0, shard 0
    return ex


def order(ticker: str, side: str, count: str, price: str, tif: str = "good_till_canceled", **extra) -> dict:
    return {"ticker": ticker, "side": side, "count": count, "price": price, "time_in_force": tif,
            "self_trade_prevention_type": "maker", **extra}  # fmt: skip


def breakdown(ex: Exchange, user: str = "alice", **kw) -> dict[int, str]:
    return {row["exchange_index"]: row["balance"] for row in ex.balance(user, **kw)["balance_breakdown"]}


def test_markets_sit_on_shards_and_the_start_balance_on_shard_0(ex: Exchange) -> None:
    assert ex.market(BTC)["exchange_index"] == 2
    assert ex.market(FED)["exchange_index"] == 0
    bal = ex.balance("alice")
    assert bal["balance"] == 1_000_000 and bal["balance_dollars"] == "10000.0000"
    assert breakdown(ex) == {0: "10000.0000", 1: "0.0000", 2: "0.0000", 3: "0.0000"}
    assert ex.balance("alice", exchange_index=2)["balance"] == 0
    with pytest.raises(SandboxError, match="existing exchange shard"):
        ex.balance("alice", exchange_index=7)


def test_automatic_allocation_draws_collateral_for_an_order_on_another_shard(ex: Exchange) -> None:
    r = ex.create_order("alice", order(BTC, "bid", "10", "0.10"))  # rests: holds $1.00 plus the maker fee
    assert r["remaining_count"] == "10.00"
    # Exactly the hold ($1.00: BTC has no maker fee) was drawn from shard 0, and it is all held.
    assert breakdown(ex) == {0: "9999.0000", 1: "0.0000", 2: "0.0000", 3: "0.0000"}
    assert ex.balance("alice")["balance"] == 1_000_000 - 100
    rec = ex.order("alice", r["order_id"])
    assert rec["exchange_index"] == 2 and rec["user_id"] == "alice" and rec["subaccount_number"] == 0
    # Cancel: the hold comes back on shard 2 (collateral stays where it was moved).
    ex.cancel_order("alice", r["order_id"])
    assert ex.balance("alice")["balance"] == 1_000_000
    assert breakdown(ex)[2] == "1.0000"


def test_without_automatic_allocation_an_unfunded_shard_refuses_the_order(ex: Exchange) -> None:
    ex.set_auto_allocation("alice", False)
    assert ex.target_balance_allocation("alice") == {"allocations": [], "resting_margin_reservation": "sum"}
    with pytest.raises(SandboxError) as err:
        ex.create_order("alice", order(BTC, "bid", "10", "0.10"))
    assert err.value.code == "insufficient_balance"
    assert "exchange_index 2" in err.value.message and "intra_exchange_instance_transfer" in err.value.message
    assert ex.orders("alice") == []  # nothing was created or moved
    assert breakdown(ex)[0] == "10000.0000"
    # Fund shard 2 ($5.00 = 50,000 centicents), then the same order rests.
    out = ex.intra_exchange_transfer(
        "alice", {"source": "event_contract", "destination": "event_contract", "amount": 50_000,
                  "source_exchange_shard": 0, "destination_exchange_shard": 2},
    )  # fmt: skip
    assert set(out) == {"transfer_id"}
    assert breakdown(ex) == {0: "9995.0000", 1: "0.0000", 2: "5.0000", 3: "0.0000"}
    ex.create_order("alice", order(BTC, "bid", "10", "0.10"))
    # Orders on shard 0 still work from shard 0's cash.
    ex.create_order("alice", order(FED, "bid", "1", "0.10"))


def test_a_refused_order_gives_drawn_collateral_back(ex: Exchange) -> None:
    ex.set_balance("alice", 50)  # $0.50
    with pytest.raises(SandboxError, match="insufficient balance"):
        ex.create_order("alice", order(BTC, "bid", "10", "0.10"))
    assert breakdown(ex) == {0: "0.5000", 1: "0.0000", 2: "0.0000", 3: "0.0000"}


def test_intra_exchange_transfers_are_listed_and_refused_when_wrong(ex: Exchange) -> None:
    body = {"client_transfer_id": XFER, "source": "event_contract", "destination": "event_contract",
            "amount": 12_345, "destination_exchange_shard": 3}  # fmt: skip
    tid = ex.intra_exchange_transfer("alice", body)["transfer_id"]
    rec = ex.intra_exchange_transfer_record("alice", tid)
    assert rec == {
        "transfer_id": tid, "client_transfer_id": XFER, "source": "event_contract",
        "destination": "event_contract", "source_exchange_shard": 0, "destination_exchange_shard": 3,
        "amount": "1.2345", "status": "complete", "created_ts": int(T0.timestamp()),
    }  # fmt: skip
    assert ex.intra_exchange_transfers("alice") == [rec]
    with pytest.raises(SandboxError) as again:  # the same client_transfer_id: 409, nothing moves
        ex.intra_exchange_transfer("alice", body)
    assert again.value.status == 409 and again.value.code == "transfer_already_exists"
    assert breakdown(ex)[3] == "1.2345"
    bad = [
        ({**body, "client_transfer_id": None, "amount": 0}, "at least 1"),
        ({**body, "client_transfer_id": None, "destination_exchange_shard": 9}, "existing exchange shard"),
        ({**body, "client_transfer_id": None, "destination": "margined"}, "margined"),
        ({**body, "client_transfer_id": "not-a-uuid"}, "UUID"),
        ({**body, "client_transfer_id": None, "destination_exchange_shard": 0}, "same shard"),
        ({**body, "client_transfer_id": None, "amount": 10**12}, "insufficient balance"),
        ({**body, "client_transfer_id": None, "extra": 1}, "unknown field"),
    ]
    for spec, words in bad:
        spec = {k: v for k, v in spec.items() if v is not None}
        with pytest.raises(SandboxError, match=words) as err:
            ex.intra_exchange_transfer("alice", spec)
        assert err.value.status == 400
    with pytest.raises(SandboxError) as missing:
        ex.intra_exchange_transfer_record("alice", "nope")
    assert missing.value.status == 404 and "transfer nope does not exist" in missing.value.message


def test_subaccounts_are_numbered_funded_and_traded_separately(ex: Exchange) -> None:
    with pytest.raises(SandboxError, match="subaccount 1 does not exist") as err:
        ex.balance("alice", subaccount=1)
    assert err.value.status == 404
    assert ex.create_subaccount("alice") == {"subaccount_number": 1}
    assert ex.create_subaccount("alice", {"exchange_index": 0}) == {"subaccount_number": 2}
    assert ex.balance("alice", subaccount=1)["balance"] == 0
    assert (
        ex.transfer_between_subaccounts(
            "alice",
            {"client_transfer_id": XFER, "from_subaccount": 0, "to_subaccount": 1, "amount_cents": 2500},
        )
        == {}
    )
    # Idempotent: the same id and request moves nothing again; the same id for another request is a 409.
    ex.transfer_between_subaccounts(
        "alice", {"client_transfer_id": XFER, "from_subaccount": 0, "to_subaccount": 1, "amount_cents": 2500}
    )
    with pytest.raises(SandboxError) as clash:
        ex.transfer_between_subaccounts(
            "alice", {"client_transfer_id": XFER, "from_subaccount": 0, "to_subaccount": 2, "amount_cents": 1}
        )
    assert clash.value.status == 409
    assert ex.balance("alice", subaccount=1)["balance"] == 2500
    assert ex.balance("alice")["balance"] == 1_000_000 - 2500
    [transfer] = ex.subaccount_transfers("alice")
    assert {k: transfer[k] for k in ("from_subaccount", "to_subaccount", "amount_cents", "exchange_index")} == {
        "from_subaccount": 0, "to_subaccount": 1, "amount_cents": 2500, "exchange_index": 0,
    }  # fmt: skip
    # Trade in subaccount 1: a BTC order draws from subaccount 1's own shard 0, never from the primary.
    r = ex.create_order("alice", order(BTC, "bid", "10", "0.99", "immediate_or_cancel", subaccount=1))
    assert r["fill_count"] == "10.00"
    [fill] = ex.fills("alice", subaccount=1)
    assert fill["subaccount_number"] == 1 and fill["exchange_index"] == 2 and "client_order_id" not in fill
    assert ex.fills("alice", subaccount=0) == []
    assert ex.fills("alice") == [fill]  # omitted: every subaccount
    [pos] = ex.positions("alice", subaccount=1)[0]
    assert pos["ticker"] == BTC and pos["exchange_index"] == 2 and pos["position_fp"] == "10.00"
    assert ex.positions("alice")[0] == []  # default: the primary account
    assert ex.balance("alice", subaccount=1)["balance"] < 2500
    assert ex.balance("alice")["balance"] == 1_000_000 - 2500  # the primary is untouched
    rows = ex.subaccount_balances("alice")["subaccount_balances"]
    assert len(rows) == 3 * 4 and {r["subaccount_number"] for r in rows} == {0, 1, 2}
    with pytest.raises(SandboxError, match="subaccount 5 does not exist"):
        ex.create_order("alice", order(FED, "bid", "1", "0.10", subaccount=5))


def test_subaccount_limit_and_bad_transfers(ex: Exchange) -> None:
    for n in range(1, 64):
        assert ex.create_subaccount("alice")["subaccount_number"] == n
    with pytest.raises(SandboxError, match="at most 63"):
        ex.create_subaccount("alice")
    base = {"client_transfer_id": XFER, "from_subaccount": 0, "to_subaccount": 1, "amount_cents": 1}
    for spec, words in [
        ({**base, "to_subaccount": 0}, "same subaccount"),
        ({**base, "amount_cents": 0}, "at least 1"),
        ({**base, "amount_cents": "1"}, "integer"),
        ({k: v for k, v in base.items() if k != "client_transfer_id"}, "client_transfer_id is required"),
        ({**base, "exchange_index": 5}, "existing exchange shard"),
        ({**base, "from_subaccount": 3}, "insufficient balance"),
    ]:
        with pytest.raises(SandboxError, match=words):
            ex.transfer_between_subaccounts("alice", spec)


def test_target_balance_allocation_validation(ex: Exchange) -> None:
    assert ex.target_balance_allocation("alice") == {
        "allocations": [{"exchange_index": 0, "percent": 100}], "resting_margin_reservation": "sum",
    }  # fmt: skip
    two = [{"exchange_index": 0, "percent": 60}, {"exchange_index": 2, "percent": 40}]
    assert (
        ex.set_target_balance_allocation("alice", {"allocations": two, "resting_margin_reservation": "max"})
        == {}
    )
    assert ex.target_balance_allocation("alice") == {"allocations": two, "resting_margin_reservation": "max"}
    for spec, words in [
        ({"allocations": [{"exchange_index": 0, "percent": 90}]}, "total 100"),
        ({"allocations": [{"exchange_index": 0, "percent": 50}] * 2}, "only once"),
        ({"allocations": [{"exchange_index": 8, "percent": 100}]}, "existing exchange shard"),
        ({"allocations": [{"exchange_index": 0, "percent": 101}]}, "between 0 and 100"),
        ({"allocations": "all"}, "allocations is required"),
        ({"allocations": [], "resting_margin_reservation": "most"}, "resting_margin_reservation"),
    ]:
        with pytest.raises(SandboxError, match=words):
            ex.set_target_balance_allocation("alice", spec)


def test_orders_positions_fills_and_settlements_carry_their_shard(ex: Exchange) -> None:
    ex.create_order("alice", order(BTC, "bid", "2", "0.99", "immediate_or_cancel"))
    ex.create_order("alice", order(FED, "bid", "3", "0.30", "immediate_or_cancel"))
    assert {o["exchange_index"] for o in ex.orders("alice")} == {0, 2}
    assert [o["ticker"] for o in ex.orders("alice", exchange_index=2)] == [BTC]
    assert [f["ticker"] for f in ex.fills("alice", exchange_index=0)] == [FED]
    assert [p["ticker"] for p in ex.positions("alice", exchange_index=2)[0]] == [BTC]
    ex.settle_market(BTC, "yes")
    [settlement] = ex.settlements("alice")
    assert settlement["exchange_index"] == 2 and settlement["revenue"] == 200
    assert float(breakdown(ex)[2]) >= 2.0  # the payout lands on the market's shard


def test_fills_orders_and_positions_move_to_the_historical_tier_at_the_cutoff(
    ex: Exchange, clock: Clock
) -> None:
    ex.create_order("alice", order(BTC, "bid", "1", "0.99", "immediate_or_cancel"))
    resting = ex.create_order("alice", order(FED, "bid", "1", "0.10"))
    ex.settle_market(BTC, "no")
    clock.t += timedelta(minutes=1)
    assert ex.fills("alice", historical=True) == [] and ex.orders("alice", historical=True) == []
    ex.set_historical_cutoff(clock.t)
    assert ex.fills("alice") == [] and len(ex.fills("alice", historical=True)) == 1
    # The executed order is archived; the resting one stays live (always, as live).
    assert [o["order_id"] for o in ex.orders("alice")] == [resting["order_id"]]
    assert [o["ticker"] for o in ex.orders("alice", historical=True)] == [BTC]
    assert ex.positions("alice", settlement_status="all")[0] != []  # FED's resting order keeps its row
    assert BTC not in {p["ticker"] for p in ex.positions("alice", settlement_status="all")[0]}
    [archived], [event] = ex.positions("alice", historical=True)
    assert archived["ticker"] == BTC and event["event_ticker"] == ex.event_ticker_of(BTC)


def test_queue_positions_and_resting_value(ex: Exchange) -> None:
    # FED's house book bids 0.24; two orders at 0.24 queue behind it, the second behind the first too.
    first = ex.create_order("alice", order(FED, "bid", "5", "0.24"))
    second = ex.create_order("alice", order(FED, "bid", "2", "0.24"))
    book = {p: c for p, c in ex.orderbook(FED)["yes_dollars"]}
    house = float(book["0.2400"]) - 7
    q1 = float(ex.queue_position("alice", first["order_id"])["queue_position_fp"])
    q2 = float(ex.queue_position("alice", second["order_id"])["queue_position_fp"])
    assert q1 == pytest.approx(house) and q2 == pytest.approx(house + 5)
    rows = ex.queue_positions("alice", market_tickers=[FED])["queue_positions"]
    assert [r["order_id"] for r in rows] == [first["order_id"], second["order_id"]]
    assert set(rows[0]) == {"order_id", "market_ticker", "queue_position_fp"}
    value = ex.total_resting_order_value("alice")
    assert value["total_resting_order_value"] == 7 * 24
    assert value["resting_order_value_breakdown"][0] == {"exchange_index": 0, "balance": "1.6800"}
    ex.cancel_order("alice", first["order_id"])
    with pytest.raises(SandboxError, match="not resting") as err:
        ex.queue_position("alice", first["order_id"])
    assert err.value.status == 404
    ts = ex.user_data_timestamp()["as_of_time"]
    assert ts.startswith("2026-09-07T02:40:00")


def test_client_order_id_is_unique_across_subaccounts_and_shards_while_resting(ex: Exchange) -> None:
    ex.create_subaccount("alice")
    ex.transfer_between_subaccounts(
        "alice", {"client_transfer_id": XFER, "from_subaccount": 0, "to_subaccount": 1, "amount_cents": 1000}
    )
    ex.create_order("alice", order(FED, "bid", "1", "0.10", client_order_id="dup-1"))
    for ticker, sub in ((BTC, 0), (FED, 1)):
        with pytest.raises(SandboxError) as err:
            ex.create_order(
                "alice", order(ticker, "bid", "1", "0.10", client_order_id="dup-1", subaccount=sub)
            )
        assert err.value.status == 409 and err.value.code == "order_already_exists"


def test_reset_drops_subaccounts_and_moved_collateral(ex: Exchange) -> None:
    ex.create_subaccount("alice")
    ex.create_order("alice", order(BTC, "bid", "1", "0.10"))
    ex.reset()
    assert breakdown(ex)[2] == "0.0000" and ex.balance("alice")["balance"] == 1_000_000
    with pytest.raises(SandboxError, match="does not exist"):
        ex.balance("alice", subaccount=1)
