"""Calibration maths: the Murphy identity on arbitrary data, Wilson intervals, prices before the close.

Expected values are computed here from first principles (plain Python sums, ``statistics``), not with
``kalshi_nb.analysis``.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshi_nb.analysis import (
    brier_decomposition,
    brier_score,
    calibration_summary,
    prices_before_close,
    reliability_table,
    wilson_interval,
)

forecasts = st.lists(st.tuples(st.floats(0, 1, allow_nan=False), st.integers(0, 1)), min_size=1, max_size=200)


@settings(max_examples=200, deadline=None)
@given(forecasts, st.one_of(st.none(), st.integers(1, 20)))
def test_murphy_identity_holds_on_any_data(pairs: list[tuple[float, int]], bins: int | None) -> None:
    f = [p for p, _ in pairs]
    o = [y for _, y in pairs]
    d = brier_decomposition(f, o, bins=bins)
    direct = sum((p - y) ** 2 for p, y in pairs) / len(pairs)
    assert d["brier"] == pytest.approx(direct, abs=1e-12)
    assert d["reliability"] - d["resolution"] + d["uncertainty"] + d["within"] == pytest.approx(
        direct, abs=1e-9
    )
    share = sum(o) / len(o)
    assert d["uncertainty"] == pytest.approx(share * (1 - share), abs=1e-12)
    assert d["reliability"] >= -1e-15 and d["resolution"] >= -1e-15
    if bins is None:
        assert d["within"] == pytest.approx(0, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0.1, 0.25, 0.5, 0.75, 0.9]), st.integers(0, 1)), min_size=1))
def test_reliability_and_resolution_from_their_definitions(pairs: list[tuple[float, int]]) -> None:
    groups: dict[float, list[int]] = {}
    for p, y in pairs:
        groups.setdefault(p, []).append(y)
    n = len(pairs)
    share = sum(y for _, y in pairs) / n
    rel = sum(len(ys) * (p - sum(ys) / len(ys)) ** 2 for p, ys in groups.items()) / n
    res = sum(len(ys) * (sum(ys) / len(ys) - share) ** 2 for ys in groups.values()) / n
    d = brier_decomposition([p for p, _ in pairs], [y for _, y in pairs])
    assert d["reliability"] == pytest.approx(rel, abs=1e-12)
    assert d["resolution"] == pytest.approx(res, abs=1e-12)


def test_a_perfect_forecaster_has_no_reliability_term_and_a_coin_no_resolution() -> None:
    d = brier_decomposition([0.0, 1.0, 1.0, 0.0], [0, 1, 1, 0])
    assert d["brier"] == 0 and d["reliability"] == 0 and d["resolution"] == pytest.approx(0.25)
    coin = brier_decomposition([0.5] * 6, [1, 0, 1, 1, 0, 0])
    assert coin["resolution"] == 0 and coin["brier"] == pytest.approx(0.25)


def test_brier_score_refuses_mismatched_inputs() -> None:
    with pytest.raises(ValueError, match="as many outcomes"):
        brier_score([0.5, 0.5], [1])
    with pytest.raises(ValueError, match="as many outcomes"):
        brier_score([], [])


@pytest.mark.parametrize(("k", "n"), [(0, 10), (3, 10), (10, 10), (1, 1), (55, 200)])
def test_wilson_interval_matches_the_closed_form(k: int, n: int) -> None:
    z = 1.959963984540054
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    lo, hi = wilson_interval(k, n)
    assert float(lo) == pytest.approx(centre - half) and float(hi) == pytest.approx(centre + half)
    assert 0 <= float(lo) <= p <= float(hi) <= 1


def test_wilson_interval_of_an_empty_bin_is_nan() -> None:
    lo, hi = wilson_interval(0, 0)
    assert math.isnan(float(lo)) and math.isnan(float(hi))


def test_reliability_table_counts_every_forecast_once_in_its_bin() -> None:
    prices = [0.05, 0.15, 0.15, 0.5, 0.95, 0.99, 1.0, 0.0, 0.55]
    outcomes = [0, 0, 1, 1, 1, 1, 1, 0, 0]
    df = pd.DataFrame({"minutes_before": [1] * 9, "price": prices, "outcome": outcomes})
    table = reliability_table(df, bins=10)
    assert table["count"].sum() == 9
    for row in table.itertuples():
        inside = [
            (p, y)
            for p, y in zip(prices, outcomes, strict=True)
            if row.bin_lo <= p < row.bin_hi or (p == 1.0 and row.bin_hi == 1.0)
        ]
        assert row.count == len(inside)
        assert row.share_yes == pytest.approx(sum(y for _, y in inside) / len(inside))
        assert row.mean_price == pytest.approx(sum(p for p, _ in inside) / len(inside))
        assert row.wilson_lo <= row.share_yes <= row.wilson_hi


def test_reliability_table_groups_by_time_to_close() -> None:
    df = pd.DataFrame({"minutes_before": [10, 10, 1], "price": [0.3, 0.3, 0.3], "outcome": [0, 1, 1]})
    table = reliability_table(df, bins=5)
    assert sorted(zip(table["minutes_before"], table["count"], strict=True)) == [(1, 1), (10, 2)]


T = datetime(2026, 9, 7, 2, 45, tzinfo=timezone.utc)


def _markets() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ticker": ["A", "B", "C"],
            "close_time": pd.to_datetime([T, T + timedelta(minutes=15), T], utc=True),
            "result": pd.Categorical(["yes", "no", ""]),  # C never settled: left out
        }
    )


def test_prices_before_close_from_trades_takes_the_last_trade_at_or_before_each_time() -> None:
    trades = pd.DataFrame(
        {
            "ticker": ["A", "A", "A", "B", "C"],
            "created_time": pd.to_datetime(
                [
                    T - timedelta(minutes=12),
                    T - timedelta(minutes=5),
                    T - timedelta(seconds=10),
                    T + timedelta(minutes=4),
                    T - timedelta(minutes=3),
                ],
                utc=True,
            ),
            "yes_price_dollars": [0.40, 0.62, 0.91, 0.30, 0.5],
        }
    )
    out = prices_before_close(trades, _markets(), minutes=(10, 5, 1))
    got = {(r.ticker, r.minutes_before): (r.price, r.outcome) for r in out.itertuples()}
    # B closes at T+15: 10 and 5 minutes before are T+5 and T+10, both after its trade at T+4.
    assert got == {
        ("A", 10): (0.40, 1),
        ("A", 5): (0.62, 1),  # a trade exactly at the instant counts
        ("A", 1): (0.62, 1),
        ("B", 10): (0.30, 0),
        ("B", 5): (0.30, 0),
        ("B", 1): (0.30, 0),
    }


def test_prices_before_close_from_candles_uses_the_quote_mid() -> None:
    ends = [T - timedelta(minutes=m) for m in (11, 10, 5, 1)]
    candles = pd.DataFrame(
        {
            "ticker": ["A"] * 4,
            "end_period_ts": pd.to_datetime(ends, utc=True),
            "yes_bid_close_dollars": [0.1, 0.40, 0.60, 0.88],
            "yes_ask_close_dollars": [0.2, 0.44, 0.63, 0.90],
        }
    )
    out = prices_before_close(candles, _markets(), minutes=(10, 5, 1))
    assert list(out["minutes_before"]) == [10, 5, 1]
    assert list(out["price"]) == pytest.approx([0.42, 0.615, 0.89])


def test_prices_before_close_names_missing_columns() -> None:
    with pytest.raises(ValueError, match="trades_df"):
        prices_before_close(pd.DataFrame({"ticker": [], "created_time": []}), _markets())
    with pytest.raises(ValueError, match="markets_df"):
        prices_before_close(pd.DataFrame(), pd.DataFrame({"ticker": []}))


def test_calibration_summary_has_one_row_per_time_and_matches_the_direct_score() -> None:
    df = pd.DataFrame(
        {"minutes_before": [10, 10, 10, 1, 1], "price": [0.6, 0.3, 0.6, 0.9, 0.2], "outcome": [1, 0, 0, 1, 0]}
    )
    s = calibration_summary(df)
    assert list(s["minutes_before"]) == [10, 1] and list(s["count"]) == [3, 2]
    assert s["brier"].iloc[0] == pytest.approx((0.16 + 0.09 + 0.36) / 3)
    assert s["brier"].iloc[1] == pytest.approx((0.01 + 0.04) / 2)
