"""Exact types: any wire decimal survives frame -> Parquet types -> frame unchanged, and the stored integers
are the wire's decimals exactly."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshi_nb.frames import candles_frame, markets_frame, settlements_frame, trades_frame
from kalshi_nb.store.schema import _unscaled, from_arrow, to_arrow

prices = st.integers(0, 10_000).map(lambda n: f"{Decimal(n).scaleb(-4):.4f}")
counts = st.integers(0, 10**9).map(lambda n: f"{Decimal(n).scaleb(-2):.2f}")
times = st.integers(1_600_000_000_000, 1_900_000_000_000).map(
    lambda ms: (
        __import__("datetime")
        .datetime.fromtimestamp(ms / 1000, __import__("datetime").timezone.utc)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )
)
trade = st.fixed_dictionaries(
    {
        "trade_id": st.uuids().map(str),
        "ticker": st.sampled_from(["KXBTC15M-A", "KXBTC15M-B"]),
        "count_fp": counts,
        "yes_price_dollars": prices,
        "no_price_dollars": prices,
        "taker_outcome_side": st.sampled_from(["yes", "no"]),
        "created_time": times,
    },
    optional={"is_block_trade": st.booleans(), "taker_book_side": st.sampled_from(["bid", "ask"])},
)


@settings(max_examples=40, deadline=None)
@given(st.lists(trade, max_size=30))
def test_trades_round_trip_exactly(records: list[dict]) -> None:
    frame = trades_frame(records)
    table = to_arrow("trades", frame)
    assert from_arrow("trades", table).equals(frame)
    ints = _unscaled(table.column("yes_price_dollars").combine_chunks()).tolist()
    assert ints == [int(Decimal(r["yes_price_dollars"]) * 10_000) for r in records]
    assert _unscaled(table.column("count_fp").combine_chunks()).tolist() == [
        int(Decimal(r["count_fp"]) * 100) for r in records
    ]


def test_other_kinds_round_trip() -> None:
    now = "2026-12-01T00:00:00Z"
    markets = markets_frame(
        [
            {
                "ticker": "S-1",
                "status": "finalized",
                "yes_bid_dollars": "0.4100",
                "yes_ask_dollars": "0.4300",
                "close_time": "2026-12-01T10:15:00Z",
                "result": "yes",
                "volume_fp": "12.50",
            },
            {"ticker": "S-2", "status": "active", "result": "", "custom_strike": {"a": 1}},
        ],
        now=now,
    )
    assert from_arrow("markets", to_arrow("markets", markets, _version=1), now=now).equals(markets)
    candles = candles_frame(
        [
            {
                "end_period_ts": 1788748500,
                "yes_bid": {"close_dollars": "0.4600"},
                "yes_ask": {"close_dollars": "0.4700"},
                "volume_fp": "3.00",
            }
        ],
        ticker="S-1",
    )
    assert from_arrow("candles", to_arrow("candles", candles, period_minutes=1)).equals(candles)
    settle = settlements_frame([{"ticker": "S-1", "revenue": 1000, "value": 100, "settled_time": now}])
    assert from_arrow("settlements", to_arrow("settlements", settle)).equals(settle)


def test_more_decimals_than_stored_are_refused() -> None:
    frame = trades_frame([{"trade_id": "t", "yes_price_dollars": "0.12345"}])
    with pytest.raises(ValueError, match="more than 4 decimals"):
        to_arrow("trades", frame)
    assert pa.types.is_decimal(to_arrow("trades", trades_frame([])).schema.field("no_price_dollars").type)


def test_docs_list_every_column_of_every_dataset() -> None:
    from pathlib import Path

    from kalshi_nb.store.schema import DATASETS, schema

    text = (Path(__file__).resolve().parents[2] / "docs" / "store.md").read_text()
    for name in DATASETS:
        assert f"### `{name}`" in text
        for row in schema(name).itertuples():
            assert f"| `{row.column}` | {row.type} |" in text, (name, row.column)
