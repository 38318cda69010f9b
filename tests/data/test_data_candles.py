"""candles_df: long ranges split into calls of at most 5,000 candles; datetimes or seconds; history."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

from kalshi_nb.data import MAX_CANDLES, candles_df
from kalshi_nb.data.candles import _candle_windows

LONG_LIVED = "KXGREENLAND-29"  # open since May 2026 in the seed-0 sandbox


def candle_calls(sb: object) -> list[object]:
    return [r for r in sb.requests if r.path.endswith("/candlesticks")]


def minute_now(sb: object) -> int:
    return int(sb.exchange.now().timestamp()) // 60 * 60


def test_a_long_range_is_split_and_covered_exactly_once(sb, client) -> None:
    market = sb.exchange.market(LONG_LIVED)
    assert market["status"] == "active"
    end = minute_now(sb) - 3600  # an hour ago: every minute of the range is in the market's past
    start = end - 11_999 * 60  # 12,000 one-minute candles: 5,000 + 5,000 + 2,000
    df = candles_df(LONG_LIVED, start, end, 1, client=client)

    calls = candle_calls(sb)
    assert len(calls) == 3
    windows = [(int(c.query["start_ts"]), int(c.query["end_ts"])) for c in calls]
    assert windows[0][0] == start
    assert windows[-1][1] == end
    assert all(a_end + 1 == b_start for (_, a_end), (b_start, _) in itertools.pairwise(windows))
    assert all(c.path == f"/trade-api/v2/series/KXGREENLAND/markets/{LONG_LIVED}/candlesticks" for c in calls)

    expected = pd.date_range(
        pd.Timestamp(start, unit="s", tz="UTC"), pd.Timestamp(end, unit="s", tz="UTC"), freq="1min"
    )
    assert len(expected) == 12_000
    assert df["end_period_ts"].tolist() == expected.tolist()
    assert (df["ticker"] == LONG_LIVED).all()


def test_exactly_max_candles_is_one_call_and_one_more_is_two(sb, client) -> None:
    end = minute_now(sb) - 3600
    candles_df(LONG_LIVED, end - (MAX_CANDLES - 1) * 60, end, "1m", series="KXGREENLAND", client=client)
    assert len(candle_calls(sb)) == 1
    sb.requests.clear()
    df = candles_df(LONG_LIVED, end - MAX_CANDLES * 60, end, "1m", series="KXGREENLAND", client=client)
    assert len(candle_calls(sb)) == 2
    assert len(df) == MAX_CANDLES + 1
    assert df["end_period_ts"].is_unique
    # with the series given, only the market itself is read (for the historical check), not its event
    assert [r.path for r in sb.requests if "/candlesticks" not in r.path] == [
        f"/trade-api/v2/markets/{LONG_LIVED}"
    ]


def test_windows_never_hold_more_than_the_limit() -> None:
    # worked by hand: 3 hours of hourly candles, 2 per call ->
    # [0, 7199] holds the ends 0 and 3600, [7200, 10800] holds 7200 and 10800
    assert _candle_windows(0, 3 * 3600, 60, max_candles=2) == [(0, 7199), (7200, 10800)]
    assert _candle_windows(100, 100, 1440) == [(100, 100)]
    assert _candle_windows(0, 86_400 * 5000, 1440) == [(0, 86_400 * 5000 - 1), (86_400 * 5000, 86_400 * 5000)]


def test_datetimes_seconds_and_text_give_the_same_candles(sb, client) -> None:
    end = minute_now(sb) - 7200
    start = end - 6 * 3600
    by_seconds = candles_df(LONG_LIVED, start, end, 60, client=client)
    aware = datetime.fromtimestamp(start, timezone.utc)
    by_datetime = candles_df(LONG_LIVED, aware, aware + timedelta(seconds=end - start), "1h", client=client)
    by_timestamp = candles_df(
        LONG_LIVED,
        pd.Timestamp(start, unit="s", tz="UTC").tz_convert("US/Eastern"),
        pd.Timestamp(end, unit="s", tz="UTC"),
        60,
        client=client,
    )
    pd.testing.assert_frame_equal(by_seconds, by_datetime)
    pd.testing.assert_frame_equal(by_seconds, by_timestamp)
    hours = (
        end // 3600 * 3600 - (-(-start // 3600) * 3600)
    ) // 3600 + 1  # whole hours ending inside the range
    assert len(by_seconds) == hours
    with pytest.raises(ValueError, match="no timezone"):
        candles_df(LONG_LIVED, datetime(2026, 11, 1), None, client=client)  # noqa: DTZ001 - naive on purpose
    with pytest.raises(ValueError, match="interval"):
        candles_df(LONG_LIVED, interval=5, client=client)
    with pytest.raises(ValueError, match="after end"):
        candles_df(LONG_LIVED, end, start, client=client)


def test_a_market_settled_before_the_cutoff_is_read_from_the_historical_endpoint(sb, client) -> None:
    old = next(m for m in sb.exchange.historical_markets() if float(m["volume_fp"]) > 0)
    df = candles_df(old["ticker"], interval=1, client=client)
    calls = candle_calls(sb)
    assert [c.path for c in calls] == [f"/trade-api/v2/historical/markets/{old['ticker']}/candlesticks"]
    # the default window is the market's whole life: from its open to the period in which it closed
    opened, closed = pd.Timestamp(old["open_time"]), pd.Timestamp(old["close_time"])
    assert df["end_period_ts"].min() == opened + pd.Timedelta("1min")
    assert df["end_period_ts"].max() == closed.ceil("1min")
    assert df["volume_fp"].sum() == float(old["volume_fp"])  # every trade counted once

    live = next(
        m
        for m in sb.exchange.markets(status="settled")
        if float(m["volume_fp"]) > 0 and "mve_collection_ticker" not in m
    )
    live_df = candles_df(live["ticker"], interval=1, client=client)
    assert live_df.columns.tolist() == df.columns.tolist()
    assert (live_df.dtypes == df.dtypes).all()
    assert "/historical/" not in candle_calls(sb)[-1].path


def test_no_candles_is_a_typed_empty_frame(sb, client) -> None:
    unopened = next(m for m in sb.exchange.markets(status="unopened"))
    empty = candles_df(unopened["ticker"], client=client)
    full = candles_df(LONG_LIVED, client=client)
    assert len(empty) == 0
    assert len(full) > 0
    assert empty.columns.tolist() == full.columns.tolist()
    pd.testing.assert_series_equal(empty.dtypes, full.dtypes)
