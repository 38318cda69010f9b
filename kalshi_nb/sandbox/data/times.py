"""Times in the sandbox data: ISO strings for the wire, and Kalshi's US-Eastern date codes and labels."""

from __future__ import annotations

import time
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

ET = ZoneInfo("America/New_York")
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
HOUR, DAY = 3600, 86400


@lru_cache(maxsize=1 << 16)
def iso(ts: int) -> str:
    """Unix seconds -> ``"2026-09-07T02:45:00Z"`` (cached: many markets share their times)."""
    t = time.gmtime(ts)
    return f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}Z"


def iso_ms(ts_ms: int) -> str:
    """Unix milliseconds -> ``"2026-09-07T02:45:00.123Z"``."""
    return f"{iso(ts_ms // 1000)[:-1]}.{ts_ms % 1000:03d}Z"


def to_ts(when: datetime) -> int:
    return int(when.timestamp())


def et(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, ET)


def et_code(ts: int | datetime, *, minutes: bool = True) -> str:
    """Kalshi's date code in US Eastern time: ``26SEP062245`` (close 2026-09-07T02:45Z)."""
    d = ts if isinstance(ts, datetime) else et(ts)
    code = f"{d.year % 100:02d}{MONTHS[d.month - 1]}{d.day:02d}{d.hour:02d}"
    return code + (f"{d.minute:02d}" if minutes else "")


def et_clock(ts: int | datetime) -> str:
    """``10:45 PM EDT`` for the rules text."""
    d = ts if isinstance(ts, datetime) else et(ts)
    hour = d.hour % 12 or 12
    return f"{hour}:{d.minute:02d} {'AM' if d.hour < 12 else 'PM'} {d.tzname()}"


def et_day(ts: int | datetime) -> str:
    d = ts if isinstance(ts, datetime) else et(ts)
    return f"{MONTHS[d.month - 1].title()} {d.day}, {d.year}"
