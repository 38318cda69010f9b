"""The weekly trading pause (kalshi_nb.pauses): Thursday 03:00-05:00 America/New_York, in UTC, across DST."""

from __future__ import annotations

import doctest
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from kalshi_nb import pauses
from kalshi_nb.pauses import describe_pause, is_trading_paused, next_trading_pause, trading_pause_at

UTC = timezone.utc
NY = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_winter_window_is_08_to_10_utc() -> None:
    # 2026-12-03 is a Thursday, EST (UTC-5)
    assert trading_pause_at(utc(2026, 12, 3, 8, 0)) == (utc(2026, 12, 3, 8), utc(2026, 12, 3, 10))
    assert trading_pause_at(utc(2026, 12, 3, 9, 59, 59)) == (utc(2026, 12, 3, 8), utc(2026, 12, 3, 10))
    assert trading_pause_at(utc(2026, 12, 3, 7, 59, 59)) is None
    assert trading_pause_at(utc(2026, 12, 3, 10, 0)) is None  # end is exclusive


def test_summer_window_is_07_to_09_utc() -> None:
    # 2026-07-02 is a Thursday, EDT (UTC-4)
    assert trading_pause_at(utc(2026, 7, 2, 7, 0)) == (utc(2026, 7, 2, 7), utc(2026, 7, 2, 9))
    assert trading_pause_at(utc(2026, 7, 2, 9, 0)) is None
    assert trading_pause_at(utc(2026, 7, 2, 6, 59)) is None


def test_other_days_never_pause() -> None:
    monday = datetime(2026, 11, 30, 4, 0, tzinfo=NY)
    for offset in range(7):
        t = monday + timedelta(days=offset)
        assert (trading_pause_at(t) is not None) == (t.weekday() == 3), t


def test_dst_weeks_follow_new_york_wall_clock() -> None:
    # DST starts Sun 2026-03-08, ends Sun 2026-11-01: the Thursdays around them
    assert trading_pause_at(utc(2026, 3, 5, 8, 30))[0] == utc(2026, 3, 5, 8)  # EST
    assert trading_pause_at(utc(2026, 3, 12, 7, 30))[0] == utc(2026, 3, 12, 7)  # EDT
    assert trading_pause_at(utc(2026, 10, 29, 7, 30))[0] == utc(2026, 10, 29, 7)  # EDT
    assert trading_pause_at(utc(2026, 11, 5, 8, 30))[0] == utc(2026, 11, 5, 8)  # EST
    assert trading_pause_at(utc(2026, 11, 5, 7, 30)) is None


def test_other_zones_are_converted() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")  # Thu 08:30 UTC = Thu 17:30 Tokyo
    assert is_trading_paused(datetime(2026, 12, 3, 17, 30, tzinfo=tokyo))
    # Wed 23:30 ET is already Thursday in UTC but not in New York: no pause
    assert not is_trading_paused(datetime(2026, 12, 2, 23, 30, tzinfo=NY))
    start, end = trading_pause_at(datetime(2026, 12, 3, 4, 0, tzinfo=NY))
    assert start.tzinfo is UTC and end.tzinfo is UTC


def test_next_pause() -> None:
    week = (utc(2026, 12, 3, 8), utc(2026, 12, 3, 10))
    assert next_trading_pause(utc(2026, 12, 1)) == week  # Tuesday
    assert next_trading_pause(utc(2026, 12, 3, 7, 59)) == week  # Thursday before
    assert next_trading_pause(utc(2026, 12, 3, 9)) == week  # inside: the current one
    assert next_trading_pause(utc(2026, 12, 3, 10)) == (utc(2026, 12, 10, 8), utc(2026, 12, 10, 10))
    assert next_trading_pause(utc(2026, 12, 4)) == (utc(2026, 12, 10, 8), utc(2026, 12, 10, 10))
    # across the DST change: from a Friday in March EST to the next Thursday in EDT
    assert next_trading_pause(utc(2026, 3, 6)) == (utc(2026, 3, 12, 7), utc(2026, 3, 12, 9))


def test_next_pause_walk_is_consistent() -> None:
    t = utc(2026, 1, 1)
    while t < utc(2027, 1, 1):
        start, end = next_trading_pause(t)
        assert start.astimezone(NY).weekday() == 3 and start.astimezone(NY).hour == 3
        assert end - start == timedelta(hours=2)
        assert end > t and start - t < timedelta(days=7)
        assert (trading_pause_at(t) is not None) == (start <= t)
        t += timedelta(hours=5, minutes=17)


def test_naive_datetimes_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        trading_pause_at(datetime(2026, 12, 3, 9))  # noqa: DTZ001
    with pytest.raises(ValueError, match="naive"):
        next_trading_pause(datetime(2026, 12, 3, 9))  # noqa: DTZ001
    with pytest.raises(TypeError):
        trading_pause_at("2026-12-03T09:00:00Z")  # type: ignore[arg-type]


def test_pandas_timestamp_accepted() -> None:
    import pandas as pd

    assert is_trading_paused(pd.Timestamp("2026-12-03 09:00", tz="UTC"))
    with pytest.raises(ValueError, match="naive"):
        is_trading_paused(pd.Timestamp("2026-12-03 09:00"))


def test_describe_says_et_and_utc() -> None:
    text = describe_pause(trading_pause_at(utc(2026, 7, 2, 8)))
    assert text == "trading resumes Thu Jul 2 05:00 ET (09:00 UTC)"


def test_doctests() -> None:
    result = doctest.testmod(pauses, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
