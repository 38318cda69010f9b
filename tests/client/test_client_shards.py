"""Exchange shards and subaccounts, client side: markets show their shard, the balance shows every shard,
the preview warns when an order's shard lacks collateral and automatic allocation is off (and says how to
move it), the transfer calls move it, and production needs the live-trading opt-in for every money move."""

from __future__ import annotations

from decimal import Decimal

import pytest
from client_helpers import open_markets

from kalshi_nb import frames, orders
from kalshi_nb.errors import KalshiAPIError, LiveTradingDisabledError, ReadOnlyError
from kalshi_nb.safety import enable_live_trading


def btc15m_market(sb: object) -> dict:
    for m in open_markets(sb):
        if m["ticker"].startswith("KXBTC15M-") and Decimal(m["yes_ask_dollars"]) >= Decimal("0.05"):
            return m
    raise LookupError("no open KXBTC15M market")


def shard_balances(client) -> dict[int, Decimal]:
    return {b["exchange_index"]: Decimal(b["balance"]) for b in client.get_balance()["balance_breakdown"]}


def test_markets_carry_their_shard_and_the_balance_every_shard(client, sb) -> None:
    m = btc15m_market(sb)
    assert client.get_market(m["ticker"])["exchange_index"] == 2  # Crypto moved to its own shard
    balance = client.get_balance()
    assert {b["exchange_index"] for b in balance["balance_breakdown"]} >= {0, 2}
    df = frames.balance_frame(balance)
    assert df["scope"].tolist()[0] == "total"
    shards = df[df["scope"] == "shard"]
    assert sorted(shards["exchange_index"].tolist()) == sorted(
        b["exchange_index"] for b in balance["balance_breakdown"]
    )
    assert shards["balance_dollars"].sum() == pytest.approx(float(balance["balance_dollars"]))
    scoped = client.get_balance(exchange_index=2)
    assert Decimal(scoped["balance_dollars"]) == shard_balances(client)[2]


def test_preview_warns_when_the_shard_lacks_collateral_and_the_transfer_fixes_it(client, sb) -> None:
    m = btc15m_market(sb)
    assert client.get_target_balance_allocation()["allocations"]  # the sandbox starts with it on
    # with automatic allocation on, no warning: the exchange moves the collateral itself
    p = orders.preview_order(m["ticker"], "yes", "buy", 10, "0.01", client=client)
    assert "shard_collateral" not in p.warning_codes and p.exchange_index == 2
    assert client.set_target_balance_allocation({}) == {}
    assert client.get_target_balance_allocation()["allocations"] == []
    p = orders.preview_order(m["ticker"], "yes", "buy", 10, "0.01", client=client)
    warning = next(w for w in p.warnings if w.code == "shard_collateral")
    assert "shard 2" in warning.text and "transfer_between_shards(" in warning.text
    assert "from_shard=0, to_shard=2" in warning.text
    assert p.shard_balance == shard_balances(client)[2]
    # the warning is right: the exchange refuses the order while shard 2 is empty
    with pytest.raises(KalshiAPIError) as refused:
        orders.place_order(p, confirm=True)
    assert refused.value.code == "insufficient_balance" and "shard 2" in str(refused.value)
    before = shard_balances(client)
    answer = client.transfer_between_shards("25.00", from_shard=0, to_shard=2)
    assert answer["transfer_id"]
    after = shard_balances(client)
    assert after[2] - before[2] == Decimal(25) and before[0] - after[0] == Decimal(25)
    record = client.get_shard_transfer(answer["transfer_id"])["transfer"]
    assert record["source_exchange_shard"] == 0 and record["destination_exchange_shard"] == 2
    assert Decimal(record["amount"]) == Decimal(25)
    listed = list(client.paginate("get_shard_transfers", limit=500))
    assert [t["transfer_id"] for t in listed] == [answer["transfer_id"]]
    p = orders.preview_order(m["ticker"], "yes", "buy", 10, "0.01", client=client)
    assert "shard_collateral" not in p.warning_codes
    assert orders.place_order(p, confirm=True).status == "resting"


def test_transfer_arguments_are_checked_before_sending(client, sb) -> None:
    before = len(sb.requests)
    for kwargs, message in [
        ({"from_shard": 0, "to_shard": 0}, "nothing to move"),
        ({"from_shard": -1, "to_shard": 2}, "shard"),
        ({"from_shard": 0, "to_shard": True}, "shard"),
    ]:
        with pytest.raises(ValueError, match=message):
            client.transfer_between_shards("1", **kwargs)
    for amount in ("0", "-5", "0.00005", "abc"):
        with pytest.raises(ValueError, match="amount"):
            client.transfer_between_shards(amount, from_shard=0, to_shard=2)
    with pytest.raises(ValueError, match="UUID"):
        client.transfer_between_shards("1", from_shard=0, to_shard=2, client_transfer_id="not-a-uuid")
    with pytest.raises(ValueError, match=r"multiple of \$0\.01"):
        client.transfer_between_subaccounts("1.005", from_subaccount=0, to_subaccount=1)
    with pytest.raises(ValueError, match="percentages must total 100"):
        client.set_target_balance_allocation({0: 50, 2: 40})
    assert len(sb.requests) == before


def test_a_repeated_client_transfer_id_is_one_transfer(client, sb) -> None:
    tid = "0b7f3c1e-2a4d-4c8e-9f10-1234567890ab"
    first = client.transfer_between_shards("1.00", from_shard=0, to_shard=3, client_transfer_id=tid)
    again = client.transfer_between_shards("1.00", from_shard=0, to_shard=3, client_transfer_id=tid)
    assert again == {"transfer_id": first["transfer_id"], "reconciled": True}
    assert shard_balances(client)[3] == Decimal(1)


def test_subaccounts(client, sb) -> None:
    number = client.create_subaccount()["subaccount_number"]
    assert 1 <= number <= 63
    client.transfer_between_subaccounts("10", from_subaccount=0, to_subaccount=number)
    rows = client.get_subaccount_balances()["subaccount_balances"]
    mine = [r for r in rows if r["subaccount_number"] == number and r["exchange_index"] == 0]
    assert [Decimal(r["balance"]) for r in mine] == [Decimal(10)]
    [transfer] = client.get_subaccount_transfers()["transfers"]
    assert (transfer["from_subaccount"], transfer["to_subaccount"], transfer["amount_cents"]) == (
        0,
        number,
        1000,
    )
    assert Decimal(client.get_balance(subaccount=number)["balance_dollars"]) == Decimal(10)
    # a shard move inside the subaccount (no client_transfer_id: Kalshi takes none there)
    client.transfer_between_shards(
        "4", from_shard=0, to_shard=2, from_subaccount=number, to_subaccount=number
    )
    assert Decimal(client.get_balance(subaccount=number, exchange_index=2)["balance_dollars"]) == Decimal(4)
    with pytest.raises(ValueError, match="client_transfer_id"):
        client.transfer_between_shards(
            "1",
            from_shard=0,
            to_shard=2,
            from_subaccount=number,
            client_transfer_id="0b7f3c1e-2a4d-4c8e-9f10-1234567890ab",
        )


def test_production_needs_the_opt_in_for_money_moves(client, sb) -> None:
    client.env = "prod"
    before = len(sb.requests)
    for call in (
        lambda: client.transfer_between_shards("1", from_shard=0, to_shard=2),
        lambda: client.transfer_between_subaccounts("1", from_subaccount=0, to_subaccount=1),
        lambda: client.create_subaccount(),
        lambda: client.set_target_balance_allocation({}),
    ):
        with pytest.raises(LiveTradingDisabledError, match="nothing was sent"):
            call()
    assert len(sb.requests) == before
    enable_live_trading(client)
    assert client.transfer_between_shards("1", from_shard=0, to_shard=2)["transfer_id"]


def test_read_only_clients_move_nothing(sb) -> None:
    from kalshi_nb.client import KalshiClient

    explorer = KalshiClient.read_only(sb.url, rate_limit=None)
    with pytest.raises(ReadOnlyError):
        explorer.transfer_between_shards("1", from_shard=0, to_shard=2)
    explorer.close()
