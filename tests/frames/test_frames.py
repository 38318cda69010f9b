"""Tests for kalshi_nb.frames (pure shaping: JSON records -> typed DataFrames).

Expected values are worked out by hand from the saved payloads in ``payloads/`` (written from the API
reference's example payloads), never copied from the code's output.
"""

from __future__ import annotations

import copy
import json
import logging
import math
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshi_nb import frames

PAYLOADS = Path(__file__).parent / "payloads"
NOW = pd.Timestamp("2026-09-07 02:30:00", tz="UTC")
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
TIME = pd.DatetimeTZDtype("ns", "UTC")


def load(name: str) -> Any:
    with open(PAYLOADS / name, encoding="utf-8") as fh:
        return json.load(fh)


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def from_unix(seconds: int) -> pd.Timestamp:
    """Independent of pandas' epoch parsing: plain datetime arithmetic."""
    return pd.Timestamp(EPOCH + timedelta(seconds=seconds))


# (kind for describe(), shaping function, payload file, key of the record list)
LIST_CASES = [
    ("markets", lambda r: frames.markets_frame(r, now=NOW), "markets_page.json", "markets"),
    ("events", frames.events_frame, "events_nested.json", "events"),
    ("event_markets", lambda r: frames.event_markets_frame(r, now=NOW), "events_nested.json", "events"),
    ("series", frames.series_frame, "series_list.json", "series"),
    ("trades", frames.trades_frame, "trades_page.json", "trades"),
    ("candles", frames.candles_frame, "candles_live.json", "candlesticks"),
    ("positions", frames.positions_frame, "positions.json", "market_positions"),
    ("event_positions", frames.event_positions_frame, "positions.json", "event_positions"),
    ("fills", frames.fills_frame, "fills.json", "fills"),
    ("orders", frames.orders_frame, "orders.json", "orders"),
    ("settlements", frames.settlements_frame, "settlements.json", "settlements"),
]
CASE_IDS = [case[0] for case in LIST_CASES]


# --------------------------------------------------------------------------------------------------
# Fixed columns and dtypes


@pytest.mark.parametrize(("kind", "shape", "payload", "key"), LIST_CASES, ids=CASE_IDS)
def test_different_calls_give_the_documented_columns_and_dtypes(kind, shape, payload, key):
    # Two different calls (the whole page, and its last record alone, which lacks some fields the others
    # have), each checked against the documented table and the naming rules, not only against each other.
    table = frames.describe(kind)
    records = load(payload)[key]
    whole, last = shape(records), shape(records[-1:])
    for df in (whole, last):
        assert df.columns[: len(table)].tolist() == table["column"].tolist()
        for name, documented in zip(table["column"], table["dtype"], strict=True):
            dtype = df[name].dtype
            if documented == "category":
                assert isinstance(dtype, pd.CategoricalDtype), name
            else:
                assert str(dtype) == documented, name
            if name.endswith(("_dollars", "_fp")):
                assert dtype == np.float64, name
            if name.endswith("_time"):
                assert str(dtype) == "datetime64[ns, UTC]", name
    fixed = table["column"].tolist()
    pd.testing.assert_series_equal(whole.dtypes[fixed], last.dtypes[fixed])


@pytest.mark.parametrize(("kind", "shape", "payload", "key"), LIST_CASES, ids=CASE_IDS)
def test_empty_input_is_an_empty_frame_with_the_same_columns_and_dtypes(kind, shape, payload, key):
    empty = shape([])
    full = shape(load(payload)[key])
    assert isinstance(empty, pd.DataFrame)
    assert len(empty) == 0
    assert list(empty.columns) == frames.describe(kind)["column"].tolist()
    pd.testing.assert_series_equal(empty.dtypes, full.dtypes[empty.columns])


@pytest.mark.parametrize(("kind", "shape", "payload", "key"), LIST_CASES, ids=CASE_IDS)
def test_unknown_field_is_kept_after_the_fixed_columns(kind, shape, payload, key):
    records = load(payload)[key]
    baseline = shape(copy.deepcopy(records))
    records[0]["zz_brand_new_field"] = {"nested": [1, 2]}
    first_name, last_name = "zz_brand_new_field", "aa_other_new_field"
    if kind == "event_markets":
        # a new event field comes with the event_ prefix; a new field of a nested market as it is
        first_name = "event_zz_brand_new_field"
        records[1]["markets"][-1]["aa_other_new_field"] = "hello"
    else:
        records[-1]["aa_other_new_field"] = "hello"
    shaped = shape(records)
    fixed = frames.describe(kind)["column"].tolist()
    assert list(shaped.columns[: len(fixed)]) == fixed
    assert shaped[first_name].iloc[0] == {"nested": [1, 2]}
    assert shaped[last_name].iloc[-1] == "hello"
    pd.testing.assert_series_equal(shaped.dtypes[fixed], baseline.dtypes[fixed])


@pytest.mark.parametrize(("kind", "shape", "payload", "key"), LIST_CASES, ids=CASE_IDS)
def test_records_missing_optional_fields_keep_the_dtypes(kind, shape, payload, key):
    records = load(payload)[key]
    full = shape(records)
    first_key = next(iter(records[0]))
    sparse = [{first_key: r[first_key]} for r in records]
    shaped = shape(sparse)
    assert list(shaped.columns) == list(full.columns[: len(shaped.columns)])
    pd.testing.assert_series_equal(shaped.dtypes, full.dtypes[shaped.columns])


def test_market_columns_follow_the_sdk_model_then_derived_columns():
    expected = [
        # kalshi-python-sync 3.34 models/market.py, in order, plus liquidity_dollars (legacy, kept for
        # saved payloads) after notional_value_dollars, and fractional_trading_enabled
        "ticker", "event_ticker", "market_type", "title", "subtitle", "yes_sub_title", "no_sub_title",
        "created_time", "updated_time", "open_time", "close_time", "expected_expiration_time",
        "expiration_time", "latest_expiration_time", "settlement_timer_seconds", "status",
        "yes_bid_dollars", "yes_bid_size_fp", "yes_ask_dollars", "yes_ask_size_fp", "no_bid_dollars",
        "no_ask_dollars", "last_price_dollars", "previous_yes_bid_dollars", "previous_yes_ask_dollars",
        "previous_price_dollars", "volume_fp", "volume_24h_fp", "open_interest_fp", "notional_value_dollars",
        "liquidity_dollars", "result", "can_close_early", "settlement_value_dollars", "settlement_ts",
        "settlement_bounds_type", "settlement_floor_dollars", "expiration_value", "occurrence_datetime",
        "fee_waiver_expiration_time", "early_close_condition", "strike_type", "floor_strike", "cap_strike",
        "functional_strike", "custom_strike", "rules_primary", "rules_secondary", "mve_collection_ticker",
        "mve_selected_legs", "primary_participant_key", "price_level_structure", "price_ranges",
        "is_provisional", "exchange_index",
        "fractional_trading_enabled",  # dropped from the SDK model in 3.25, still sent (see frames.py)
        "mid_dollars", "spread_dollars", "time_to_close",
    ]  # fmt: skip
    assert list(frames.markets_frame([]).columns) == expected


def test_market_dtypes_follow_the_naming_rules():
    df = frames.markets_frame(load("markets_page.json")["markets"], now=NOW)
    for name in df.columns:
        if name.endswith(("_dollars", "_fp")):
            assert df[name].dtype == np.float64, name
        if name.endswith(("_time", "_ts", "_datetime")):
            assert df[name].dtype == TIME, name
    assert df["ticker"].dtype == object
    assert df["settlement_timer_seconds"].dtype == "Int64"
    assert df["can_close_early"].dtype == "boolean"
    assert df["time_to_close"].dtype == "timedelta64[ns]"
    assert df["status"].dtype == pd.CategoricalDtype(
        [
            "initialized",
            "inactive",
            "active",
            "closed",
            "determined",
            "disputed",
            "amended",
            "finalized",
            "settled",
        ]
    )
    assert df["result"].dtype == pd.CategoricalDtype(["yes", "no", "scalar"])
    assert df["strike_type"].dtype == pd.CategoricalDtype(
        [
            "greater",
            "greater_or_equal",
            "less",
            "less_or_equal",
            "between",
            "functional",
            "custom",
            "structured",
        ]
    )


def test_generator_input_is_accepted():
    records = load("markets_page.json")["markets"]
    from_list = frames.markets_frame(records, now=NOW)
    from_generator = frames.markets_frame((r for r in records), now=NOW)
    pd.testing.assert_frame_equal(from_list, from_generator)


# --------------------------------------------------------------------------------------------------
# Numbers and times


def test_market_numbers_are_parsed_from_the_wire_strings():
    df = frames.markets_frame([load("market_kxbtc15m.json")["market"]], now=NOW)
    row = df.iloc[0]
    assert row["yes_bid_dollars"] == 0.40
    assert row["yes_bid_size_fp"] == 1245.01
    assert row["yes_ask_dollars"] == 0.41
    assert row["yes_ask_size_fp"] == 371.84
    assert row["no_bid_dollars"] == 0.59
    assert row["no_ask_dollars"] == 0.60
    assert row["last_price_dollars"] == 0.405
    assert row["previous_price_dollars"] == 0.0
    assert row["volume_fp"] == 100.0
    assert row["open_interest_fp"] == 80.0
    assert row["notional_value_dollars"] == 1.0
    assert row["floor_strike"] == 63777.35
    assert row["settlement_timer_seconds"] == 60
    assert row["exchange_index"] == 0
    assert not row["can_close_early"]
    assert row["status"] == "active"
    assert row["strike_type"] == "greater_or_equal"
    assert pd.isna(row["result"])  # the API sends "" until the market is determined
    assert math.isnan(row["liquidity_dollars"])  # no longer sent
    assert row["price_ranges"] == [{"start": "0.0000", "end": "1.0000", "step": "0.0100"}]


def test_times_become_utc_from_z_offsets_fractions_and_unix_seconds():
    markets = frames.markets_frame(load("markets_page.json")["markets"], now=NOW)
    assert markets.loc[0, "close_time"] == utc("2026-09-07 02:45:00")  # "...Z"
    assert markets.loc[1, "close_time"] == utc("2026-09-06 21:00:00")  # "...+00:00"
    assert markets.loc[1, "settlement_ts"] == utc("2026-09-06 21:05:12.345")  # fraction and offset
    assert pd.isna(markets.loc[0, "settlement_ts"])

    trades = frames.trades_frame(load("trades_page.json")["trades"])
    assert trades.loc[0, "created_time"] == utc("2026-01-08 02:59:57.962210")

    fills = frames.fills_frame(load("fills.json")["fills"])
    assert fills.loc[0, "ts"] == from_unix(1788748440)  # Unix seconds
    assert fills.loc[0, "ts"] == fills.loc[0, "created_time"]  # the same instant, two spellings

    odd = frames.markets_frame(
        [
            {"ticker": "a", "close_time": "2026-09-06T22:45:00-04:00"},  # EDT offset
            {"ticker": "b", "close_time": "2026-09-07T02:45:00"},  # naive: taken as UTC
            {"ticker": "c", "close_time": 1788749100},  # a Unix int where an ISO string is usual
        ],
        now=NOW,
    )
    assert odd["close_time"].tolist() == [utc("2026-09-07 02:45:00")] * 3
    assert odd["close_time"].dtype == TIME


def test_balance_keeps_cents_and_adds_dollars():
    df = frames.balance_frame(load("balance.json"))
    assert len(df) == 2  # the total, then one row per shard of balance_breakdown
    assert df["scope"].tolist() == ["total", "shard"]
    assert pd.isna(df.loc[0, "exchange_index"]) and df.loc[1, "exchange_index"] == 0
    assert df.loc[1, "balance_dollars"] == 123.45 and pd.isna(df.loc[1, "balance"])
    assert df.loc[0, "balance"] == 12345
    assert df.loc[0, "balance_dollars"] == 123.45
    assert df.loc[0, "portfolio_value"] == 6789
    assert df.loc[0, "portfolio_value_dollars"] == 67.89
    assert df.loc[0, "updated_ts"] == from_unix(1788748412)
    legacy = frames.balance_frame(load("balance_legacy.json"))
    assert legacy.loc[0, "balance_dollars"] == 123.45  # from balance / 100
    assert legacy["scope"].tolist() == ["total"]  # no breakdown: the total alone
    pd.testing.assert_series_equal(legacy.dtypes, df.dtypes)


def test_settlement_revenue_and_value_in_cents_and_dollars():
    df = frames.settlements_frame(load("settlements.json")["settlements"])
    assert df["revenue"].tolist() == [1000, 0]
    assert df["revenue_dollars"].tolist() == [10.0, 0.0]
    assert df.loc[0, "value"] == 100
    assert df.loc[0, "value_dollars"] == 1.0
    assert pd.isna(df.loc[1, "value"])  # optional field absent
    assert math.isnan(df.loc[1, "value_dollars"])
    assert df["fee_cost"].tolist() == [0.0, 0.01]
    assert df["market_result"].tolist() == ["yes", "no"]
    assert df["revenue"].dtype == "Int64"
    assert df.loc[1, "settled_time"] == utc("2026-09-07 02:36:00.250")


def test_positions_and_event_positions():
    payload = load("positions.json")
    pos = frames.positions_frame(payload["market_positions"])
    assert pos["position_fp"].tolist() == [10.0, -2.5]
    assert pos["realized_pnl_dollars"].tolist() == [0.0, -0.25]
    assert pos["fees_paid_dollars"].tolist() == [0.042, 0.03]
    assert pos.loc[1, "last_updated_ts"] == utc("2026-09-06 20:59:59.999999")
    ev = frames.event_positions_frame(payload["event_positions"])
    assert ev.loc[0, "total_cost_shares_fp"] == 10.0
    assert ev.loc[0, "event_exposure_dollars"] == 4.0


def test_series_frame():
    df = frames.series_frame(load("series_list.json")["series"])
    assert df["fee_multiplier"].tolist() == [1.0, 0.5]
    assert df["fee_type"].tolist() == ["quadratic", "quadratic_with_maker_fees"]
    assert df.loc[0, "volume_fp"] == 98765432.10
    assert df.loc[1, "volume_fp"] == 5000.0  # legacy integer "volume"
    assert df.loc[1, "categories"] == ["Financials", "Economics"]
    assert "volume" not in df.columns


# --------------------------------------------------------------------------------------------------
# Legacy (integer cents) payloads


def test_legacy_markets_shape_like_todays_markets():
    modern = frames.markets_frame(load("markets_page.json")["markets"], now=NOW)
    legacy = frames.markets_frame(load("markets_legacy_2025.json")["markets"], now=NOW)
    shared = [c for c in frames.describe("markets")["column"] if c != "liquidity_dollars"]
    pd.testing.assert_frame_equal(legacy[shared], modern[shared])
    # worked by hand: 40 cents -> $0.40, 100 contracts -> 100.0, 123456 cents -> $1234.56
    assert legacy.loc[0, "yes_bid_dollars"] == 0.40
    assert legacy.loc[0, "volume_fp"] == 100.0
    assert legacy.loc[0, "liquidity_dollars"] == 1234.56
    assert legacy.loc[1, "settlement_value_dollars"] == 1.0
    # consumed legacy fields are not repeated; fields only legacy payloads had are kept as they come
    for gone in (
        "yes_bid",
        "yes_ask",
        "last_price",
        "volume",
        "open_interest",
        "liquidity",
        "notional_value",
    ):
        assert gone not in legacy.columns
    assert legacy["response_price_units"].tolist() == ["usd_cent", "usd_cent"]
    assert legacy["tick_size"].tolist() == [1, 1]


def test_when_both_spellings_are_present_todays_field_wins():
    df = frames.markets_frame(load("markets_transition_feb2026.json")["markets"], now=NOW)
    row = df.iloc[0]
    assert row["last_price_dollars"] == 0.135  # last_price_dollars "0.1350" beats last_price 41
    assert row["yes_bid_dollars"] == 0.12
    assert row["volume_fp"] == 250000.0
    assert row["liquidity_dollars"] == 50123.45
    assert not row["fractional_trading_enabled"]  # an unknown (retired) field, kept


def test_legacy_trades_fills_orders_positions_settlements():
    trade = frames.trades_frame(load("trades_legacy.json")["trades"]).iloc[0]
    assert (trade["count_fp"], trade["yes_price_dollars"], trade["no_price_dollars"]) == (763.0, 0.99, 0.01)
    assert (trade["taker_outcome_side"], trade["taker_book_side"]) == ("no", "ask")  # taker bought NO

    fills = frames.fills_frame(load("fills_legacy.json")["fills"])
    assert fills["count_fp"].tolist() == [10.0, 3.0]
    assert fills["yes_price_dollars"].tolist() == [0.40, 0.61]  # cents, then the "*_fixed" dollar string
    assert fills["no_price_dollars"].tolist() == [0.60, 0.39]
    assert fills["fill_id"].tolist() == ["f-1", "f-2"]  # same as trade_id
    assert fills["outcome_side"].tolist() == ["yes", "no"]  # buy yes -> yes; buy no -> no
    assert fills["book_side"].tolist() == ["bid", "ask"]

    order = frames.orders_frame(load("orders_legacy.json")["orders"]).iloc[0]
    assert (order["yes_price_dollars"], order["no_price_dollars"]) == (0.40, 0.60)
    assert (order["initial_count_fp"], order["remaining_count_fp"], order["fill_count_fp"]) == (
        10.0,
        10.0,
        0.0,
    )
    assert (order["outcome_side"], order["book_side"]) == ("yes", "bid")
    assert order["queue_position"] == 3  # unknown today, kept

    positions = load("positions_legacy.json")
    pos = frames.positions_frame(positions["market_positions"])
    assert pos["position_fp"].tolist() == [10.0, -3.0]
    assert pos["total_traded_dollars"].tolist() == [4.0, 1.5]
    assert pos["realized_pnl_dollars"].tolist() == [0.0, -0.25]
    assert pos["fees_paid_dollars"].tolist() == [0.05, 0.03]
    ev = frames.event_positions_frame(positions["event_positions"]).iloc[0]
    assert (ev["total_cost_dollars"], ev["total_cost_shares_fp"], ev["fees_paid_dollars"]) == (
        4.0,
        10.0,
        0.05,
    )

    settlement = frames.settlements_frame(load("settlements_legacy.json")["settlements"]).iloc[0]
    assert (settlement["yes_count_fp"], settlement["yes_total_cost_dollars"]) == (10.0, 4.0)
    assert (settlement["revenue"], settlement["revenue_dollars"]) == (1000, 10.0)


@pytest.mark.parametrize(
    ("sides", "expected_outcome", "expected_book"),
    [
        (("yes", "buy"), "yes", "bid"),
        (("no", "sell"), "yes", "bid"),
        (("no", "buy"), "no", "ask"),
        (("yes", "sell"), "no", "ask"),
    ],
)
def test_direction_from_side_and_action(sides, expected_outcome, expected_book):
    side, action = sides
    row = frames.orders_frame([{"order_id": "o", "side": side, "action": action}]).iloc[0]
    assert (row["outcome_side"], row["book_side"]) == (expected_outcome, expected_book)


# --------------------------------------------------------------------------------------------------
# Orderbook

LADDER = [
    # side, price_dollars, count_fp, yes_price_dollars, book_side, level, cum_count_fp (worked by hand)
    ("no", 0.57, 90.00, 0.43, "ask", 2, 871.84),
    ("no", 0.58, 410.00, 0.42, "ask", 1, 781.84),
    ("no", 0.59, 371.84, 0.41, "ask", 0, 371.84),
    ("yes", 0.40, 1245.01, 0.40, "bid", 0, 1245.01),
    ("yes", 0.39, 220.00, 0.39, "bid", 1, 1465.01),
    ("yes", 0.38, 500.00, 0.38, "bid", 2, 1965.01),
]
LADDER_COLUMNS = [
    "side",
    "price_dollars",
    "count_fp",
    "yes_price_dollars",
    "book_side",
    "level",
    "cum_count_fp",
]


def ladder_rows(df: pd.DataFrame) -> list[tuple]:
    rows = df[LADDER_COLUMNS].astype(object).itertuples(index=False, name=None)
    return [(s, p, c, y, b, int(lv), round(d, 6)) for s, p, c, y, b, lv, d in rows]


def test_orderbook_has_both_sides_and_implied_yes_asks_sorted_by_price():
    df = frames.orderbook_frame(load("orderbook.json"), ticker="KXBTC15M-26SEP062245-45")
    assert ladder_rows(df) == LADDER
    assert df["ticker"].unique().tolist() == ["KXBTC15M-26SEP062245-45"]
    assert list(df.columns) == frames.describe("orderbook")["column"].tolist()


def test_orderbook_order_does_not_depend_on_the_api_level_order():
    payload = load("orderbook.json")
    for side in ("yes_dollars", "no_dollars"):
        payload["orderbook_fp"][side].reverse()
    assert ladder_rows(frames.orderbook_frame(payload)) == LADDER


def test_legacy_orderbook_in_cents():
    df = frames.orderbook_frame(load("orderbook_legacy.json"))
    expected = [
        ("no", 0.57, 90.0, 0.43, "ask", 2, 872.0),
        ("no", 0.58, 410.0, 0.42, "ask", 1, 782.0),
        ("no", 0.59, 372.0, 0.41, "ask", 0, 372.0),
        ("yes", 0.40, 1245.0, 0.40, "bid", 0, 1245.0),
        ("yes", 0.39, 220.0, 0.39, "bid", 1, 1465.0),
        ("yes", 0.38, 500.0, 0.38, "bid", 2, 1965.0),
    ]
    assert ladder_rows(df) == expected


def test_orderbook_with_one_empty_side_and_an_empty_book():
    one = frames.orderbook_frame(load("orderbook_one_side.json"))
    assert ladder_rows(one) == [("yes", 0.01, 5.0, 0.01, "bid", 0, 5.0)]
    empty = frames.orderbook_frame({"orderbook_fp": {"yes_dollars": [], "no_dollars": []}})
    assert len(empty) == 0
    pd.testing.assert_series_equal(empty.dtypes, one.dtypes)
    missing_keys = frames.orderbook_frame({"orderbook_fp": {}})
    pd.testing.assert_series_equal(missing_keys.dtypes, one.dtypes)


# --------------------------------------------------------------------------------------------------
# Candlesticks


def test_live_candles_are_flattened():
    payload = load("candles_live.json")
    df = frames.candles_frame(payload["candlesticks"], ticker=payload["ticker"])
    first, second = df.iloc[0], df.iloc[1]
    assert first["end_period_ts"] == from_unix(1788748500)
    assert second["end_period_ts"] == from_unix(1788748560)
    assert [first[f"yes_bid_{f}_dollars"] for f in ("open", "low", "high", "close")] == [
        0.48,
        0.45,
        0.51,
        0.46,
    ]
    assert [first[f"yes_ask_{f}_dollars"] for f in ("open", "low", "high", "close")] == [
        0.49,
        0.46,
        0.52,
        0.47,
    ]
    assert [first[f"price_{f}_dollars"] for f in ("open", "low", "high", "close")] == [0.48, 0.46, 0.51, 0.47]
    assert (first["price_mean_dollars"], first["price_previous_dollars"]) == (0.483, 0.49)
    assert (first["price_min_dollars"], first["price_max_dollars"]) == (0.46, 0.51)
    assert (first["volume_fp"], first["open_interest_fp"]) == (1250.0, 50000.0)
    # the second period had no trades: price OHLC null, previous kept
    assert all(math.isnan(second[f"price_{f}_dollars"]) for f in ("open", "low", "high", "close", "mean"))
    assert second["price_previous_dollars"] == 0.47
    assert second["volume_fp"] == 0.0
    # derived: (0.46 + 0.47) / 2 and 0.47 - 0.46
    assert first["mid_close_dollars"] == 0.465
    assert first["spread_close_dollars"] == 0.01
    assert df["ticker"].tolist() == ["KXBTC15M-26SEP062245-45"] * 2


def test_historical_candles_shape_into_the_same_columns():
    live = frames.candles_frame(load("candles_live.json")["candlesticks"])
    historical = frames.candles_frame(load("candles_historical.json")["candlesticks"], historical=True)
    assert list(historical.columns) == list(live.columns)
    pd.testing.assert_series_equal(historical.dtypes, live.dtypes)
    no_min_max = [c for c in live.columns if c not in ("price_min_dollars", "price_max_dollars")]
    pd.testing.assert_frame_equal(historical[no_min_max], live[no_min_max])
    assert historical[["price_min_dollars", "price_max_dollars"]].isna().all().all()  # not in that endpoint


def test_legacy_integer_cent_candles():
    df = frames.candles_frame(load("candles_legacy.json")["candlesticks"])
    first, second = df.iloc[0], df.iloc[1]
    assert first["end_period_ts"] == from_unix(1767841200)
    assert [first[f"yes_bid_{f}_dollars"] for f in ("open", "low", "high", "close")] == [
        0.48,
        0.45,
        0.51,
        0.46,
    ]
    assert (first["price_mean_dollars"], first["price_min_dollars"], first["price_max_dollars"]) == (
        0.48,
        0.46,
        0.51,
    )
    assert (first["volume_fp"], first["open_interest_fp"]) == (1250.0, 50000.0)
    assert second["yes_ask_close_dollars"] == 0.47  # transition era: cents and *_dollars agree
    assert second["price_previous_dollars"] == 0.47
    assert second["mid_close_dollars"] == 0.465


def test_unknown_fields_inside_candle_groups_are_kept():
    candle = load("candles_live.json")["candlesticks"][0]
    candle["price"]["vwap_dollars"] = "0.4812"
    candle["trade_count"] = 17
    df = frames.candles_frame([candle])
    assert df.loc[0, "price_vwap_dollars"] == 0.4812
    assert df.loc[0, "trade_count"] == 17


# --------------------------------------------------------------------------------------------------
# Derived market columns


@pytest.mark.parametrize(
    ("bid", "ask", "mid", "spread"),
    [
        ("0.4000", "0.4100", 0.405, 0.01),
        ("0.0100", "0.9900", 0.5, 0.98),
        ("0.0450", "0.0470", 0.046, 0.002),  # sub-penny (tapered_deci_cent)
        ("0.0000", "0.0300", math.nan, math.nan),  # nobody bids YES
        ("0.9700", "1.0000", math.nan, math.nan),  # nobody offers YES
        ("0.9700", "0.0000", math.nan, math.nan),  # an empty ask reported as 0
        ("0.4000", None, math.nan, math.nan),  # field missing
    ],
)
def test_mid_and_spread(bid, ask, mid, spread):
    record: dict[str, Any] = {"ticker": "T", "yes_bid_dollars": bid}
    if ask is not None:
        record["yes_ask_dollars"] = ask
    row = frames.markets_frame([record], now=NOW).iloc[0]
    for got, want in ((row["mid_dollars"], mid), (row["spread_dollars"], spread)):
        assert (math.isnan(got) and math.isnan(want)) or got == want


def test_time_to_close_uses_the_given_now():
    df = frames.markets_frame(load("markets_page.json")["markets"], now=NOW)
    assert df.loc[0, "time_to_close"] == pd.Timedelta(minutes=15)  # closes 02:45, now 02:30
    assert df.loc[1, "time_to_close"] == -pd.Timedelta(hours=5, minutes=30)  # closed 21:00 the day before
    naive = frames.markets_frame(load("markets_page.json")["markets"], now=datetime(2026, 9, 7, 2, 30))  # noqa: DTZ001
    pd.testing.assert_series_equal(naive["time_to_close"], df["time_to_close"])
    edt = frames.markets_frame(
        load("markets_page.json")["markets"],
        now=datetime(2026, 9, 6, 22, 30, tzinfo=timezone(timedelta(hours=-4))),
    )
    pd.testing.assert_series_equal(edt["time_to_close"], df["time_to_close"])


def test_time_to_close_defaults_to_the_current_time():
    close = datetime.now(timezone.utc) + timedelta(hours=2)
    before = datetime.now(timezone.utc)
    df = frames.markets_frame([{"ticker": "T", "close_time": close.isoformat()}])
    after = datetime.now(timezone.utc)
    left = df.loc[0, "time_to_close"]
    assert close - after <= left <= close - before


# --------------------------------------------------------------------------------------------------
# Categories, unknown values and odd data


def test_unknown_category_value_is_kept_and_logged(caplog):
    records = load("markets_page.json")["markets"]
    records[0]["status"] = "paused"
    with caplog.at_level(logging.WARNING, logger="kalshi_nb.frames"):
        df = frames.markets_frame(records, now=NOW)
    assert df["status"].tolist() == ["paused", "finalized"]
    assert "paused" in df["status"].cat.categories
    assert "paused" in caplog.text


def test_unparseable_values_become_missing_and_are_logged(caplog):
    records = [
        {"ticker": "a", "yes_bid_dollars": "abc", "close_time": "not a time", "exchange_index": "x"},
        {
            "ticker": "b",
            "yes_bid_dollars": "0.4000",
            "close_time": "2026-09-07T02:45:00Z",
            "exchange_index": 1,
        },
    ]
    with caplog.at_level(logging.WARNING, logger="kalshi_nb.frames"):
        df = frames.markets_frame(records, now=NOW)
    assert math.isnan(df.loc[0, "yes_bid_dollars"])
    assert df.loc[1, "yes_bid_dollars"] == 0.40
    assert pd.isna(df.loc[0, "close_time"])
    assert df.loc[1, "close_time"] == utc("2026-09-07 02:45:00")
    assert pd.isna(df.loc[0, "exchange_index"])
    assert df.loc[1, "exchange_index"] == 1
    assert "yes_bid_dollars" in caplog.text
    assert "close_time" in caplog.text
    pd.testing.assert_series_equal(df.dtypes, frames.markets_frame([]).dtypes)


def test_unknown_fields_are_typed_by_their_suffix_only_when_every_value_parses():
    records = [
        {"ticker": "a", "rebate_dollars": "0.0150", "halted_time": "2026-09-07T02:40:00Z", "note": "x"},
        {"ticker": "b", "rebate_dollars": None, "halted_time": None, "note": 5},
        {"ticker": "c", "weird_fp": "n/a"},
    ]
    df = frames.markets_frame(records, now=NOW)
    assert df["rebate_dollars"].dtype == np.float64
    assert df.loc[0, "rebate_dollars"] == 0.015
    assert df.loc[0, "halted_time"] == utc("2026-09-07 02:40:00")
    assert df["weird_fp"].tolist()[2] == "n/a"  # not a number: kept as it came
    assert df["note"].tolist()[:2] == ["x", 5]
    assert list(df.columns[-4:]) == ["halted_time", "note", "rebate_dollars", "weird_fp"]


def test_empty_strings_in_enum_fields_are_missing():
    events = frames.events_frame(load("events_nested.json")["events"])
    assert pd.isna(events.loc[0, "collateral_return_type"])  # "" = no netting
    assert events["collateral_return_type"].tolist()[1:] == ["MECNET", "DIRECNET"]


def test_a_payload_field_named_like_a_derived_column_wins_where_present():
    records = [
        {"ticker": "a", "yes_bid_dollars": "0.4000", "yes_ask_dollars": "0.4100", "mid_dollars": "0.5000"},
        {"ticker": "b", "yes_bid_dollars": "0.4000", "yes_ask_dollars": "0.4100"},
    ]
    df = frames.markets_frame(records, now=NOW)
    assert df["mid_dollars"].tolist() == [0.5, 0.405]
    assert list(df.columns) == list(frames.markets_frame([]).columns)  # no duplicate column


def test_a_market_field_named_like_an_event_column_is_kept_under_a_market_prefix():
    events = [
        {
            "event_ticker": "E",
            "series_ticker": "S",
            "title": "Event",
            "markets": [{"ticker": "M", "series_ticker": "X"}],
        }
    ]
    df = frames.event_markets_frame(events, now=NOW)
    assert df.loc[0, "series_ticker"] == "S"
    assert df.loc[0, "market_series_ticker"] == "X"
    assert df.columns.is_unique


def test_public_fallback_extraction_gives_the_same_frame(monkeypatch):
    records = load("markets_legacy_2025.json")["markets"] + load("markets_page.json")["markets"]
    monkeypatch.setattr(frames.convert, "_PLAIN_BLOCK_MAX_ROWS", 0)  # pandas' extraction, however few records
    fast = frames.markets_frame(records, now=NOW)
    monkeypatch.setattr(frames.convert, "_dicts_to_array", None)
    slow = frames.markets_frame(records, now=NOW)
    pd.testing.assert_frame_equal(fast, slow)


# --------------------------------------------------------------------------------------------------
# Events


def test_events_and_their_nested_markets():
    events = load("events_nested.json")["events"]
    ev = frames.events_frame(events)
    assert ev["event_ticker"].tolist() == ["KXBTC15M-26SEP062245", "KXFEDDECISION-26OCT", "KXEMPTY-26"]
    assert "markets" not in ev.columns
    assert ev["mutually_exclusive"].tolist() == [False, True, False]
    assert ev.loc[1, "last_updated_ts"] == utc("2026-09-01 12:00:00.5")
    assert ev.loc[1, "fee_multiplier_override"] == 0.5

    flat = frames.event_markets_frame(events, now=NOW)
    assert flat["ticker"].tolist() == [
        "KXBTC15M-26SEP062245-45",
        "KXFEDDECISION-26OCT-H0",
        "KXFEDDECISION-26OCT-C25",
    ]
    assert flat["event_ticker"].tolist() == [
        "KXBTC15M-26SEP062245",
        "KXFEDDECISION-26OCT",
        "KXFEDDECISION-26OCT",
    ]
    assert flat["series_ticker"].tolist() == ["KXBTC15M", "KXFEDDECISION", "KXFEDDECISION"]
    assert flat["event_title"].tolist() == [
        "BTC 15 min",
        "Fed decision in Oct 2026?",
        "Fed decision in Oct 2026?",
    ]
    assert flat["event_mutually_exclusive"].tolist() == [False, True, True]
    assert flat["mid_dollars"].tolist() == [0.405, 0.72, 0.26]
    assert flat["volume_fp"].tolist() == [100.0, 55210.0, 41003.5]
    assert flat.loc[0, "time_to_close"] == pd.Timedelta(minutes=15)


# --------------------------------------------------------------------------------------------------
# Column documentation


def test_describe_lists_every_column_with_a_unit_and_description():
    for kind in frames.KINDS:
        table = frames.describe(kind)
        assert list(table.columns) == ["column", "dtype", "unit", "description"]
        assert table["column"].is_unique
        assert (table["description"].str.len() > 0).all(), kind
        for _, row in table.iterrows():
            if row["column"].endswith("_dollars"):
                assert row["unit"] == "USD", (kind, row["column"])
            if row["column"].endswith("_fp"):
                assert row["unit"] == "contracts", (kind, row["column"])
            if row["dtype"] == "datetime64[ns, UTC]":
                assert row["unit"] == "UTC", (kind, row["column"])
    markets = frames.describe("markets").set_index("column")
    assert markets.loc["mid_dollars", "description"].startswith("(derived)")
    assert frames.describe("settlements").set_index("column").loc["revenue", "unit"] == "US cents"
    with pytest.raises(ValueError, match="unknown kind"):
        frames.describe("nope")


def test_module_docstring_lists_every_market_column():
    assert frames.__doc__ is not None
    for name in frames.describe("markets")["column"]:
        assert f"  {name} (" in frames.__doc__


# --------------------------------------------------------------------------------------------------
# Properties


def dollars(units: int) -> str:
    """A price in units of $0.0001 as Kalshi writes it, e.g. 4050 -> '0.4050'."""
    return f"{units // 10000}.{units % 10000:04d}"


def counts(hundredths: int) -> str:
    return f"{hundredths // 100}.{hundredths % 100:02d}"


cent_grid = st.integers(0, 100).map(lambda c: c * 100)
sub_penny = st.integers(0, 10000)
market_records = st.lists(
    st.fixed_dictionaries(
        {
            "ticker": st.text(min_size=1, max_size=8),
            "yes_bid_dollars": st.one_of(cent_grid, sub_penny).map(dollars),
            "yes_ask_dollars": st.one_of(cent_grid, sub_penny).map(dollars),
            "volume_fp": st.integers(0, 10**12).map(counts),
        }
    ),
    min_size=1,
    max_size=40,
)


@settings(deadline=None, max_examples=200)
@given(records=market_records)
def test_prices_equal_the_decimal_strings_and_mid_spread_are_consistent(records):
    df = frames.markets_frame(records, now=NOW)
    assert len(df) == len(records)
    for i, record in enumerate(records):
        bid, ask = Decimal(record["yes_bid_dollars"]), Decimal(record["yes_ask_dollars"])
        assert df["yes_bid_dollars"].iloc[i] == float(bid)
        assert df["yes_ask_dollars"].iloc[i] == float(ask)
        assert df["volume_fp"].iloc[i] == float(Decimal(record["volume_fp"]))
        mid, spread = df["mid_dollars"].iloc[i], df["spread_dollars"].iloc[i]
        if 0 < bid < 1 and 0 < ask < 1:
            assert mid == float((bid + ask) / 2)
            assert spread == float(ask - bid)
        else:
            assert math.isnan(mid)
            assert math.isnan(spread)


@settings(deadline=None, max_examples=100)
@given(cents=st.lists(st.integers(0, 100), min_size=1, max_size=20), today=st.booleans())
def test_legacy_cents_equal_todays_dollar_strings(cents, today):
    legacy = [{"ticker": str(i), "yes_bid": c, "volume": c * 7} for i, c in enumerate(cents)]
    modern = [
        {"ticker": str(i), "yes_bid_dollars": dollars(c * 100), "volume_fp": counts(c * 700)}
        for i, c in enumerate(cents)
    ]
    df = frames.markets_frame(modern if today else legacy, now=NOW)
    assert df["yes_bid_dollars"].tolist() == [float(Decimal(c) / 100) for c in cents]
    assert df["volume_fp"].tolist() == [float(c * 7) for c in cents]


def test_many_distinct_prices_and_counts():
    # 5,000 distinct sub-penny prices and fractional counts: the path for columns with few repeats.
    units = [(i * 7919) % 10001 for i in range(5000)]
    records = [
        {"ticker": f"T{i}", "yes_bid_dollars": dollars(u), "yes_bid_size_fp": counts(i * 12347 + 1)}
        for i, u in enumerate(units)
    ]
    df = frames.markets_frame(records, now=NOW)
    assert df["yes_bid_dollars"].tolist() == [float(Decimal(dollars(u))) for u in units]
    assert df["yes_bid_size_fp"].tolist() == [float(Decimal(counts(i * 12347 + 1))) for i in range(5000)]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["", "0.4000", "12.50", "2026-09-07T02:45:00Z", "active", "yes", "1788748500"]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=4,
)


def fields_of(kind: str) -> list[str]:
    legacy = [name for col in frames._SCHEMAS[kind] for name, _ in col.legacy]
    nested = ["yes_bid", "yes_ask", "price", "markets"]  # candle groups; nested event markets
    return [*frames.describe(kind)["column"], *legacy, *nested, "brand_new"]


def assert_fixed_dtypes(df: pd.DataFrame, empty: pd.DataFrame) -> None:
    assert list(df.columns[: len(empty.columns)]) == list(empty.columns)
    for name, dtype in empty.dtypes.items():
        if isinstance(dtype, pd.CategoricalDtype):  # may gain values Kalshi has not used yet, never lose any
            assert list(df[name].cat.categories[: len(dtype.categories)]) == list(dtype.categories), name
        else:
            assert df[name].dtype == dtype, name


@pytest.mark.parametrize(("kind", "shape", "payload", "key"), LIST_CASES, ids=CASE_IDS)
@settings(deadline=None, max_examples=50)
@given(data=st.data())
def test_odd_values_never_raise_and_keep_the_fixed_dtypes(kind, shape, payload, key, data):
    fields = st.sampled_from(fields_of(kind))
    records = data.draw(st.lists(st.dictionaries(fields, json_values, max_size=8), max_size=5))
    df = shape(records)
    if kind != "event_markets":
        assert len(df) == len(records)
    assert_fixed_dtypes(df, shape([]))


@settings(deadline=None, max_examples=120)
@given(payload=st.dictionaries(st.sampled_from(fields_of("balance")), json_values, max_size=6))
def test_odd_balance_payloads_never_raise(payload):
    """Any payload shapes without raising, with the empty frame's dtypes (the breakdown rows included)."""
    assert_fixed_dtypes(frames.balance_frame(payload), frames.balance_frame({}))


book_levels = st.lists(st.lists(json_values, max_size=3), max_size=4) | json_values


@settings(deadline=None, max_examples=120)
@given(
    book=st.dictionaries(
        st.sampled_from(["yes_dollars", "no_dollars", "yes", "no", "yes_dollars_fp"]), book_levels, max_size=3
    )
)
def test_odd_orderbooks_never_raise(book):
    empty = frames.orderbook_frame({"orderbook_fp": {}})
    assert_fixed_dtypes(frames.orderbook_frame({"orderbook_fp": book}), empty)


def test_an_absent_column_is_each_frames_own_array():
    """Absent columns start from one all-missing array per dtype and length: writing into one frame's
    column must leave the next frame's (and the shared template) untouched."""
    records = [{"ticker": "T-1"}, {"ticker": "T-2"}]
    first = frames.markets_frame(records, now=NOW)
    absent = {
        name: str(first[name].dtype)
        for name in ("cap_strike", "occurrence_datetime", "is_provisional", "functional_strike", "status")
    }
    first.loc[0, "cap_strike"] = 5.0
    first.loc[0, "occurrence_datetime"] = pd.Timestamp("2026-09-07", tz="UTC")
    first.loc[0, "is_provisional"] = True
    first.loc[0, "functional_strike"] = "x"
    first.loc[0, "status"] = first["status"].cat.categories[0]
    # the same column arrays written through the array interface too (an in-place write pandas can't see)
    first["cap_strike"].array[1] = 7.0
    second = frames.markets_frame(records, now=NOW)
    for name, dtype in absent.items():
        assert str(second[name].dtype) == dtype
        assert second[name].isna().all(), f"{name} leaked a value from another frame: {second[name].tolist()}"
