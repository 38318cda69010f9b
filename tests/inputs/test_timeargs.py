"""The one rule for time arguments (kalshi_nb.timeargs): what is accepted, what is refused, and the words."""
# ruff: noqa: DTZ001 (naive datetimes are what these tests feed in, on purpose)

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest

from kalshi_nb.timeargs import MAX_UNIX_SECONDS, check_range, optional_unix_seconds, unix_seconds

T = 1_795_564_800  # 2026-11-25T00:00:00Z
PLUS_ONE = timezone(timedelta(hours=1))


@pytest.mark.parametrize(
    "value",
    [
        T,
        float(T),
        T + 0.999,  # floored, never rounded up into the next second
        np.int64(T),
        np.uint32(T),
        np.float64(T),
        pd.Series([T]).iloc[0],  # what a DataFrame cell gives
        datetime(2026, 11, 25, tzinfo=timezone.utc),
        datetime(2026, 11, 25, 1, tzinfo=PLUS_ONE),
        pd.Timestamp("2026-11-25", tz="UTC"),
        pd.Timestamp("2026-11-24 19:00", tz="America/New_York"),
        "2026-11-25T00:00:00Z",
        "2026-11-25T00:00:00z",
        " 2026-11-25T00:00:00+00:00 ",
        "2026-11-25T01:00:00+01:00",
        "2026-11-25T00:00:00.250Z",
    ],
)
def test_every_accepted_form_gives_the_same_second(value) -> None:
    assert unix_seconds(value, "start") == T
    assert type(unix_seconds(value, "start")) is int  # numpy scalars never leak into a query


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 11, 25),
        pd.Timestamp("2026-11-25 12:00"),
        "2026-11-25T12:00:00",
        "2026-11-25",
        np.datetime64("2026-11-25T12:00"),
    ],
)
def test_a_naive_time_is_refused_with_what_to_do(value) -> None:
    with pytest.raises(ValueError, match=r"start=.* is a naive datetime") as err:
        unix_seconds(value, "start")
    assert "tzinfo=timezone.utc" in str(err.value)  # says how to fix it


@pytest.mark.parametrize(
    ("value", "error", "words"),
    [
        (True, TypeError, "Unix seconds"),
        (np.bool_(False), TypeError, "Unix seconds"),
        (None, TypeError, "Unix seconds"),
        ([T], TypeError, "Unix seconds"),
        (object(), TypeError, "Unix seconds"),
        (float("nan"), ValueError, "finite"),
        (np.float64("inf"), ValueError, "finite"),
        (-1, ValueError, "before 1970"),
        (pd.NaT, ValueError, "NaT"),
        (date(2026, 11, 25), ValueError, "is a date"),
        ("yesterday", ValueError, "not ISO-8601"),
        (T * 1000, ValueError, "milliseconds"),
        (10**30, ValueError, "year 9999"),
    ],
)
def test_other_bad_values_are_refused_by_kind(value, error, words) -> None:
    with pytest.raises(error, match=words):
        unix_seconds(value, "min_ts")


def test_the_name_appears_in_every_message() -> None:
    for bad in (True, float("nan"), datetime(2026, 1, 1), "x"):
        with pytest.raises((TypeError, ValueError), match="max_close_ts"):
            unix_seconds(bad, "max_close_ts")


def test_the_edges_of_the_range() -> None:
    assert unix_seconds(0, "t") == 0
    assert unix_seconds(MAX_UNIX_SECONDS, "t") == MAX_UNIX_SECONDS
    with pytest.raises(ValueError, match="9999"):
        unix_seconds(MAX_UNIX_SECONDS + 1, "t")


def test_optional_keeps_none() -> None:
    assert optional_unix_seconds(None, "end") is None
    assert optional_unix_seconds("2026-11-25T00:00:00Z", "end") == T


def test_check_range_orders_and_converts() -> None:
    assert check_range(T, T + 60) == (T, T + 60)
    assert check_range(T, T) == (T, T)  # one instant is a valid window
    assert check_range(None, T) == (None, T)
    assert check_range(pd.Timestamp("2026-11-25", tz="UTC"), "2026-11-25T00:01:00Z") == (T, T + 60)
    with pytest.raises(ValueError, match=r"min_ts \(1795564860\) is after max_ts \(1795564800\): swap"):
        check_range(T + 60, T, names=("min_ts", "max_ts"))
    with pytest.raises(ValueError, match="naive"):
        check_range(datetime(2026, 1, 1), None)
