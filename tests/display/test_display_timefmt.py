"""Times in the display zone, readable durations, cents and dollars (kalshi_nb.display.timefmt)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pandas as pd
import pytest

from kalshi_nb.display import timefmt
from kalshi_nb.display.timefmt import (
    display_timezone,
    format_cents,
    format_count,
    format_duration,
    format_time,
    format_usd,
    set_display_timezone,
)

YEAR = datetime.now(timezone.utc).year


@pytest.fixture(autouse=True)
def _default_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(timefmt.ENV_TIMEZONE, raising=False)
    monkeypatch.setattr(timefmt, "_zone", None)


def test_eastern_by_default_env_then_setter_override(monkeypatch: pytest.MonkeyPatch) -> None:
    assert str(display_timezone()) == "America/New_York"
    monkeypatch.setenv(timefmt.ENV_TIMEZONE, "Europe/London")
    assert str(display_timezone()) == "Europe/London"
    set_display_timezone("UTC")
    assert str(display_timezone()) == "UTC"
    set_display_timezone(None)
    assert str(display_timezone()) == "Europe/London"


def test_bad_zone_refused_by_setter_and_ignored_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="unknown timezone 'Mars/Olympus'"):
        set_display_timezone("Mars/Olympus")
    monkeypatch.setenv(timefmt.ENV_TIMEZONE, "Mars/Olympus")
    assert str(display_timezone()) == "America/New_York"


@pytest.mark.parametrize(
    "ts",
    [
        f"{YEAR}-12-02T15:45:00Z",
        datetime(YEAR, 12, 2, 15, 45, tzinfo=timezone.utc),
        datetime(YEAR, 12, 2, 15, 45),  # noqa: DTZ001  (naive: taken as UTC)
        pd.Timestamp(f"{YEAR}-12-02 15:45", tz="UTC"),
    ],
)
def test_format_time_in_eastern(ts: object) -> None:
    assert format_time(ts) == "Dec 2 10:45 ET"


def test_format_time_summer_and_seconds_and_other_zones() -> None:
    assert format_time(f"{YEAR}-07-01T15:45:09Z", seconds=True) == "Jul 1 11:45:09 ET"  # EDT, not EST
    assert format_time(f"{YEAR}-07-01T15:45:09Z", tz="UTC") == "Jul 1 15:45 UTC"
    assert format_time(f"{YEAR}-07-01T15:45:09Z", tz="Europe/Berlin") == "Jul 1 17:45 CEST"
    set_display_timezone("UTC")
    assert format_time(f"{YEAR}-07-01T15:45:09Z") == "Jul 1 15:45 UTC"


def test_format_time_names_another_year_and_missing() -> None:
    assert format_time("2019-03-04T05:06:00Z", tz="UTC") == "Mar 4 2019 05:06 UTC"
    for missing in (None, "", pd.NaT, float("nan"), "not a time"):
        assert format_time(missing) == "—"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (45, "45s"),
        (0, "0s"),
        (894.69, "14m 54s"),
        (timedelta(minutes=14, seconds=54, microseconds=694092), "14m 54s"),
        (pd.Timedelta("0 days 00:14:54.694092"), "14m 54s"),
        (7380, "2h 03m"),
        (timedelta(days=3, hours=4, minutes=59), "3d 4h"),
        (-120, "0s"),
        (timedelta(seconds=-3), "0s"),
        (None, "—"),
        (pd.NaT, "—"),
        (float("nan"), "—"),
    ],
)
def test_format_duration(value: object, text: str) -> None:
    assert format_duration(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("0.45", "45¢"),
        (Decimal("0.4500"), "45¢"),
        (0.45, "45¢"),
        (0.07, "7¢"),
        ("0.045", "4.5¢"),
        ("0.0001", "0.01¢"),
        (1, "100¢"),
        (None, "—"),
        (float("nan"), "—"),
    ],
)
def test_format_cents(value: object, text: str) -> None:
    assert format_cents(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1.83"), "$1.83"),
        ("1.8300", "$1.83"),
        (1.83, "$1.83"),
        (-1.83, "-$1.83"),
        ("0.045", "$0.0450"),
        (Decimal("0.0450"), "$0.0450"),
        ("0.00005", "$0.00005"),  # exact: never rounded away
        (0.1 + 0.2, "$0.30"),  # float noise is not money
        ("1250", "$1,250.00"),
        (0, "$0.00"),
        (None, "—"),
    ],
)
def test_format_usd(value: object, text: str) -> None:
    assert format_usd(value) == text


def test_format_count() -> None:
    assert format_count("1234.00") == "1,234"
    assert format_count(12.5) == "12.5"
    assert format_count(None) == "—"
