"""The historical tier: trades_df, fills_df, orders_df and positions_df read ``/historical/*`` too, each row
once, and skip it when the window (or the filter) cannot reach it.

Against the sandbox: orders are placed and filled, then the cutoff is moved past them, so the fills, the
finished orders and the public trade move to the historical endpoints, exactly as live after ~3 months.
The rule details (row filters, ticker lists, rows in both tiers) are checked on a scripted fake client.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from kalshi_nb import data


def _market(sb: object) -> dict:
    for m in sb.exchange.markets(status="open"):
        if m["ticker"].startswith("KXMVE") or m.get("price_level_structure") != "linear_cent":
            continue
        ask, bid = Decimal(m["yes_ask_dollars"]), Decimal(m["yes_bid_dollars"])
        if (
            Decimal("0.10") <= ask <= Decimal("0.90")
            and Decimal(m["yes_ask_size_fp"]) >= 5
            and bid >= Decimal("0.03")
        ):
            return m
    raise LookupError("no liquid open market")


def _calls(sb: object, path: str) -> int:
    return sum(1 for r in sb.requests if r.method == "GET" and r.path.endswith(path))


@pytest.fixture
def archived(client, sb) -> dict[str, Any]:
    """A resting order, a filled one and a canceled one; then the cutoff moves past all of them."""
    m = _market(sb)
    ask = int(Decimal(m["yes_ask_dollars"]) * 100)
    resting = client.place_order(m["ticker"], "yes", 2, 1)["order"]
    filled = client.place_order(m["ticker"], "yes", 2, ask, time_in_force="immediate_or_cancel")["order"]
    assert filled["status"] == "executed"
    gone = client.place_order(m["ticker"], "yes", 1, 2)["order"]
    client.cancel_order(gone["order_id"], ticker=m["ticker"])
    fills = client.get_fills(ticker=m["ticker"])["fills"]
    assert fills
    cutoff = sb.exchange.now() + timedelta(minutes=1)
    sb.exchange.set_historical_cutoff(cutoff)
    assert client.get_fills(ticker=m["ticker"])["fills"] == []  # moved: only /historical/fills has them
    return {
        "market": m,
        "resting": resting["order_id"],
        "filled": filled["order_id"],
        "canceled": gone["order_id"],
        "fills": [f["fill_id"] for f in fills],
        "cutoff": cutoff,
    }


def test_fills_come_from_both_tiers(client, sb, archived) -> None:
    df = data.fills_df(client=client, progress=False)
    assert sorted(df["fill_id"]) == sorted(archived["fills"]) and df["fill_id"].is_unique
    assert [f["fill_id"] for f in data.iter_fills(client=client)] == df["fill_id"].tolist()
    assert data.fills_df(client=client, include_historical=False).empty
    # live-only filters are applied to the archived rows here
    assert sorted(data.fills_df(order_id=archived["filled"], client=client)["fill_id"]) == sorted(
        archived["fills"]
    )
    assert data.fills_df(order_id="someone-else", client=client).empty
    shard = archived["market"]["exchange_index"]
    assert len(data.fills_df(exchange_index=shard, client=client)) == len(archived["fills"])
    assert data.fills_df(exchange_index=shard + 1, client=client).empty


def test_a_window_after_the_cutoff_skips_the_historical_tier(client, sb, archived) -> None:
    before = _calls(sb, "/historical/fills")
    later = archived["cutoff"] + timedelta(seconds=1)
    assert data.fills_df(min_ts=later, client=client).empty
    assert _calls(sb, "/historical/fills") == before  # one cutoff read, no historical pull
    assert _calls(sb, "/historical/cutoff") >= 1
    earlier = archived["cutoff"] - timedelta(days=1)
    assert len(data.fills_df(min_ts=earlier, client=client)) == len(archived["fills"])


def test_orders_come_from_both_tiers_each_once(client, sb, archived) -> None:
    df = data.orders_df(client=client, progress=False)
    ids = {archived["resting"], archived["filled"], archived["canceled"]}
    assert set(df["order_id"]) == ids and df["order_id"].is_unique
    assert data.orders_df(client=client, include_historical=False)["order_id"].tolist() == [
        archived["resting"]
    ]
    before = _calls(sb, "/historical/orders")
    assert data.orders_df(status="resting", client=client)["order_id"].tolist() == [archived["resting"]]
    assert _calls(sb, "/historical/orders") == before  # resting orders are never archived
    assert data.orders_df(status="canceled", client=client)["order_id"].tolist() == [archived["canceled"]]
    assert data.orders_df(status="executed", client=client)["order_id"].tolist() == [archived["filled"]]
    listed = [o["order_id"] for o in data.iter_orders(client=client)]
    assert sorted(listed) == sorted(ids)


def test_public_trades_come_from_both_tiers(client, sb, archived) -> None:
    ticker = archived["market"]["ticker"]
    everything = data.trades_df(ticker, client=client, progress=False)
    live = data.trades_df(ticker, client=client, include_historical=False)
    historical = [t["trade_id"] for t in client.paginate("get_historical_trades", ticker=ticker)]
    assert historical  # the fill made a public trade, now archived
    assert set(everything["trade_id"]) == set(live["trade_id"]) | set(historical)
    assert everything["trade_id"].is_unique


def test_include_historical_is_checked(client) -> None:
    with pytest.raises(TypeError, match="include_historical"):
        data.fills_df(include_historical="yes", client=client)


# --- the rules, on a scripted client -------------------------------------------------------------------


class TwoTiers:
    """Live and historical pages per list key (one page each); records every call by method."""

    def __init__(self, live: dict[str, list[dict]], old: dict[str, list[dict]], cutoff: str = "") -> None:
        self.live, self.old, self.cutoff, self.calls = live, old, cutoff, []

    def paginate(self, fetch: Any, key: str, **params: Any) -> Any:
        yield from fetch(cursor=None, **params)[key]

    def _page(self, name: str, key: str, rows: dict[str, list[dict]]) -> Any:
        def page(cursor: Any = None, **params: Any) -> dict:
            self.calls.append((name, params))
            return {key: rows.get(key, []), "cursor": ""}

        return page

    def __getattr__(self, name: str) -> Any:
        keys = {"trades": "trades", "fills": "fills", "orders": "orders", "positions": "market_positions"}
        for word, key in keys.items():
            if name == f"get_{word}":
                return self._page(name, key, self.live)
            if name == f"get_historical_{word}":
                return self._page(name, key, self.old)
        raise AttributeError(name)

    def get_historical_cutoff(self) -> dict:
        self.calls.append(("get_historical_cutoff", {}))
        return {"trades_created_ts": self.cutoff, "orders_updated_ts": self.cutoff}


def test_a_row_in_both_tiers_comes_once_in_its_latest_version() -> None:
    newer = {"order_id": "o1", "status": "executed", "last_update_time": "2026-09-01T00:00:05Z"}
    older = {"order_id": "o1", "status": "resting", "last_update_time": "2026-09-01T00:00:00Z"}
    fake = TwoTiers({"orders": [older, {"order_id": "o2"}]}, {"orders": [newer, {"order_id": "o3"}]})
    df = data.orders_df(client=fake)
    assert df["order_id"].tolist() == ["o1", "o2", "o3"]
    assert df["status"].tolist()[0] == "executed"


def test_positions_read_history_only_for_settled_ones() -> None:
    live = {"market_positions": [{"ticker": "A", "position_fp": "1.00"}]}
    old = {"market_positions": [{"ticker": "B", "position_fp": "0.00", "total_traded_dollars": "3.00"}]}
    fake = TwoTiers(live, old)
    assert data.positions_df(client=fake)["ticker"].tolist() == ["A"]
    assert [c[0] for c in fake.calls] == ["get_positions"]
    assert data.positions_df(settlement_status="all", client=fake)["ticker"].tolist() == ["A", "B"]
    assert fake.calls[-1] == ("get_historical_positions", {"limit": 1000})
    # count_filter is applied to archived rows here
    held = data.positions_df(settlement_status="settled", count_filter="position", client=fake)
    assert held["ticker"].tolist() == ["A"]


def test_ticker_lists_are_split_for_the_historical_tier() -> None:
    fake = TwoTiers({"fills": []}, {"fills": [{"fill_id": "f1"}]})
    df = data.fills_df(["A-1", "A-2"], client=fake, include_historical=True)
    assert df["fill_id"].tolist() == ["f1"]
    historical = [c[1]["ticker"] for c in fake.calls if c[0] == "get_historical_fills"]
    assert historical == ["A-1", "A-2"]
    live = [c[1]["ticker"] for c in fake.calls if c[0] == "get_fills"]
    assert live == [["A-1", "A-2"]]  # live takes the list in one call
