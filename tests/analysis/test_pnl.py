"""pnl_df against the sandbox: real orders, markets settled through the sandbox's control, and every number
checked to the cent against what the exchange reports in its raw REST payloads (settlements, positions,
balance), computed here with ``Decimal``, never with ``kalshi_nb.frames`` or ``kalshi_nb.data.pnl``.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from kalshi_nb.data.pnl import pnl_df

CENT = Decimal("0.01")


def _all(fetch, key: str, **filters) -> list[dict]:
    out, cursor = [], None
    while True:
        body = fetch(cursor=cursor, **filters)
        out += body[key]
        cursor = body.get("cursor")
        if not cursor:
            return out


def _cents(x: float | Decimal) -> Decimal:
    return Decimal(str(x)).quantize(CENT)


@pytest.fixture
def history(sb, client) -> dict:
    """Four KXBTC markets traded: two bought and settled (one wins, one loses), one bought, partly closed
    by buying the other side and then settled, and one left open."""
    start_cents = client.get_balance()["balance"]
    markets = sorted(
        sb.exchange.markets(series_ticker="KXBTC", status="open"), key=lambda m: -float(m["yes_ask_dollars"])
    )
    picks = [m for m in markets if 0.02 < float(m["yes_ask_dollars"]) < 0.98][:4]
    assert len(picks) == 4
    win, lose, closed, still_open = (m["ticker"] for m in picks)
    for m in picks[:2]:
        client.place_order(m["ticker"], "yes", 10, price_dollars=m["yes_ask_dollars"])
    client.place_order(closed, "yes", 8, price_dollars=picks[2]["yes_ask_dollars"])
    no_ask = sb.exchange.market(closed)["no_ask_dollars"]
    client.place_order(closed, "no", 3, price_dollars=no_ask)  # closes 3 YES (netting)
    client.place_order(still_open, "no", 6, price_dollars=picks[3]["no_ask_dollars"])
    sb.settle(win, "yes")
    sb.settle(lose, "no")
    sb.settle(closed, "yes")
    return {
        "settled": (win, lose, closed),
        "open": still_open,
        "start_cents": start_cents,
        "end_cents": client.get_balance()["balance"],
    }


def test_realized_pnl_agrees_with_the_settlements_to_the_cent(sb, client, history) -> None:
    pnl = pnl_df(client=client).set_index("ticker")
    settlements = _all(client.get_settlements, "settlements")
    assert {s["ticker"] for s in settlements} == set(history["settled"])
    for s in settlements:
        row = pnl.loc[s["ticker"]]
        exchange_view = (
            Decimal(s["revenue"]) / 100
            - Decimal(s["yes_total_cost_dollars"])
            - Decimal(s["no_total_cost_dollars"])
            - Decimal(s["fee_cost"])
        )
        assert row["status"] == "settled" and row["result"] == s["market_result"]
        assert _cents(row["reported_pnl_dollars"]) == exchange_view.quantize(CENT)
        assert _cents(row["revenue_dollars"]) == (Decimal(s["revenue"]) / 100).quantize(CENT)
        assert _cents(row["fees_dollars"]) == Decimal(s["fee_cost"]).quantize(CENT)
        if s["ticker"] != history["settled"][2]:
            # Held to settlement: the P&L is exactly the settlement's revenue less its costs and fees.
            assert _cents(row["net_pnl_dollars"]) == exchange_view.quantize(CENT)
        else:
            # Partly closed first: the settlement reports only the 5 YES still held; the 3 closed pairs
            # paid $1 each against what their YES (first fill's price) and NO legs cost.
            fills = _all(client.get_fills, "fills", ticker=s["ticker"])
            yes = next(f for f in fills if f["outcome_side"] == "yes")
            no = next(f for f in fills if f["outcome_side"] == "no")
            assert Decimal(no["count_fp"]) == 3
            closed = 3 * (1 - Decimal(yes["yes_price_dollars"]) - Decimal(no["no_price_dollars"]))
            assert _cents(row["net_pnl_dollars"]) == (exchange_view + closed).quantize(CENT)


def test_pnl_agrees_with_the_positions_and_the_cash_balance(sb, client, history) -> None:
    pnl = pnl_df(client=client).set_index("ticker")
    positions = _all(client.get_positions, "market_positions", settlement_status="all")
    assert set(pnl.index) == {p["ticker"] for p in positions}
    for p in positions:
        row = pnl.loc[p["ticker"]]
        assert _cents(row["realized_pnl_dollars"]) == Decimal(p["realized_pnl_dollars"]).quantize(CENT)
        assert _cents(row["fees_dollars"]) == Decimal(p["fees_paid_dollars"]).quantize(CENT)
        assert _cents(row["exposure_dollars"]) == Decimal(p["market_exposure_dollars"]).quantize(CENT)
        assert Decimal(str(row["position_fp"])) == Decimal(p["position_fp"])
    assert pnl.loc[history["open"], "status"] == "open"
    assert pnl.loc[history["settled"][2], "closed_dollars"] == 3.0  # 3 pairs closed at $1 each
    # Cash moved by exactly the realized P&L after fees, less what the open positions cost.
    moved = Decimal(history["end_cents"] - history["start_cents"]) / 100
    realized = sum(Decimal(p["realized_pnl_dollars"]) - Decimal(p["fees_paid_dollars"]) for p in positions)
    exposure = sum(Decimal(p["market_exposure_dollars"]) for p in positions)
    assert moved == (realized - exposure).quantize(CENT)
    assert _cents(pnl["net_pnl_dollars"].sum() - pnl["exposure_dollars"].sum()) == moved


def test_the_equity_curve_steps_at_each_fill_and_settlement(sb, client, history) -> None:
    curve = pnl_df("time", client=client)
    fills = _all(client.get_fills, "fills")
    assert list(curve["kind"]).count("fill") == len(fills)
    assert list(curve["kind"]).count("settlement") == 3
    assert curve["time"].is_monotonic_increasing
    positions = _all(client.get_positions, "market_positions", settlement_status="all")
    final = sum(Decimal(p["realized_pnl_dollars"]) - Decimal(p["fees_paid_dollars"]) for p in positions)
    assert _cents(curve["equity_dollars"].iloc[-1]) == final.quantize(CENT)
    assert _cents(curve["exposure_dollars"].iloc[-1]) == sum(
        Decimal(p["market_exposure_dollars"]) for p in positions
    ).quantize(CENT)
    steps = curve["realized_dollars"] - curve["fees_dollars"]
    assert curve["equity_dollars"].to_numpy() == pytest.approx(steps.cumsum().to_numpy())


def test_pnl_per_series_sums_the_markets(sb, client, history) -> None:
    markets = pnl_df(client=client)
    series = pnl_df("series", client=client)
    assert series["series_ticker"].tolist() == ["KXBTC"]
    assert series["markets"].tolist() == [4] and series["open_markets"].tolist() == [1]
    for column in ("realized_pnl_dollars", "fees_dollars", "net_pnl_dollars", "exposure_dollars"):
        assert series[column].iloc[0] == pytest.approx(markets[column].sum())


def test_an_empty_account_has_empty_pnl_frames(sb, client) -> None:
    for by in ("market", "series", "time"):
        df = pnl_df(by, client=client)
        assert isinstance(df, pd.DataFrame) and len(df) == 0 and len(df.columns) >= 5
    with pytest.raises(ValueError, match="by must be one of"):
        pnl_df("day", client=client)
