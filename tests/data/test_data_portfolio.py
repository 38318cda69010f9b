"""positions_df, fills_df, orders_df and settlements_df after real orders on the sandbox."""

from __future__ import annotations

import pandas as pd
import pytest

from kalshi_nb import ReadOnlyError
from kalshi_nb.client import KalshiClient
from kalshi_nb.data import fills_df, iter_orders, orders_df, positions_df, settlements_df

MARKET = "KXGREENLAND-29"  # open for years in the seed-0 sandbox


def test_an_empty_account_gives_typed_empty_frames(sb, client) -> None:
    for fetch in (positions_df, fills_df, orders_df, settlements_df):
        df = fetch(client=client)
        assert isinstance(df, pd.DataFrame)
        assert len(df) == 0
        assert len(df.columns) > 5, fetch.__name__


def test_orders_fills_positions_and_settlements(sb, client) -> None:
    ask = sb.exchange.market(MARKET)["yes_ask_dollars"]  # a sub-penny market: the price in dollars
    taken = client.place_order(MARKET, "yes", 3, price_dollars=ask)["order"]  # takes the ask: fills now
    resting = client.place_order(MARKET, "yes", 2, 1)["order"]  # 1 cent: rests
    assert taken["status"] == "executed"
    assert resting["status"] == "resting"

    orders = orders_df(client=client, limit=1)  # one order per page: the cursor is followed
    assert sorted(orders["order_id"]) == sorted([taken["order_id"], resting["order_id"]])
    assert orders_df(status="resting", client=client)["order_id"].tolist() == [resting["order_id"]]
    assert [o["order_id"] for o in iter_orders(ticker=MARKET, status="executed", client=client)] == [
        taken["order_id"]
    ]

    fills = fills_df(ticker=MARKET, client=client)
    assert set(fills["order_id"]) == {taken["order_id"]}
    assert fills["count_fp"].sum() == 3.0
    assert fills["fill_id"].is_unique

    positions = positions_df(client=client)
    assert positions["ticker"].tolist() == [MARKET]
    assert positions["position_fp"].tolist() == [3.0]

    client.cancel_order(resting["order_id"], ticker=MARKET)
    sb.settle(MARKET, "yes")
    settlements = settlements_df(client=client)
    assert settlements["ticker"].tolist() == [MARKET]
    assert settlements["revenue_dollars"].tolist() == [3.0]  # 3 YES contracts pay $1 each
    assert len(positions_df(client=client)) == 0  # the server lists unsettled positions by default
    assert positions_df(client=client, settlement_status="all")["ticker"].tolist() == [MARKET]


def test_portfolio_frames_need_credentials(sb) -> None:
    with KalshiClient.read_only(api_base=sb.url, rate_limit=None) as explorer, pytest.raises(ReadOnlyError):
        fills_df(client=explorer)
    assert len(sb.requests) == 0
