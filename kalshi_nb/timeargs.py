"""The one rule for time arguments: Unix seconds, aware datetimes, or ISO-8601 text with an offset.

Every function that takes a time (``candles_df(start=, end=)``, ``trades_df(min_ts=)``, any ``*_ts``
filter, ``KalshiClient.get_candlesticks``) converts it with :func:`unix_seconds`, so a value is accepted or
refused the same way everywhere:

- numbers (``int``, ``float``, numpy and pandas integer and float scalars) are Unix seconds, floored to a
  whole second; ``bool``, NaN, infinities, negative values and values past the year 9999 are refused;
- aware ``datetime`` and ``pd.Timestamp`` values are converted;
- ISO-8601 text must carry an offset or ``Z`` (``"2026-11-25T12:00:00Z"``, ``"...+01:00"``);
- a *naive* datetime, Timestamp or ISO text without an offset is a ``ValueError``: taking it as UTC or as
  local time would be a guess that shifts the window by hours, silently.

:func:`check_range` refuses a window whose start is after its end, before anything is sent.

No numpy or pandas import happens here: their scalars are recognised through the ``numbers`` ABCs and
duck typing, so importing kalshi_nb stays cheap.

Example:
    >>> from datetime import datetime, timezone
    >>> unix_seconds(datetime(2026, 11, 25, tzinfo=timezone.utc), "start")
    1795564800
    >>> unix_seconds("2026-11-25T00:00:00Z", "start"), unix_seconds(1795564800.9, "start")
    (1795564800, 1795564800)
    >>> check_range(10, 20)
    (10, 20)
"""

from __future__ import annotations

import math
import numbers
import re
from datetime import date, datetime
from typing import Any

__all__ = [
    "MAX_UNIX_SECONDS",
    "check_range",
    "optional_unix_seconds",
    "unix_seconds",
    "wire_ms",
    "wire_seconds",
]

MAX_UNIX_SECONDS = 253_402_300_799
"""9999-12-31T23:59:59Z: the last second a ``datetime`` can hold; anything later is a unit mistake."""

_FRACTION = re.compile(r"\.(\d+)")

_NAIVE_HINT = (
    "give it a timezone, e.g. datetime(..., tzinfo=timezone.utc) or pd.Timestamp(..., tz='UTC'), "
    "or pass Unix seconds"
)


def _naive(name: str, value: Any) -> ValueError:
    # "(no timezone)" is kept in the text: it is the phrase users and older tests search for.
    return ValueError(f"{name}={value!r} is a naive datetime (no timezone): {_NAIVE_HINT}")


def unix_seconds(value: Any, name: str = "time") -> int:
    """``value`` as whole Unix seconds (floored), by the module's one rule; ``name`` is used in errors.

    Raises ``TypeError`` for a value of the wrong kind (None, bool, a list, ...) and ``ValueError`` for a
    naive datetime, text that is not ISO-8601 with an offset, NaN, infinity, a negative or a too-large
    number.

    Example:
        >>> from datetime import datetime
        >>> unix_seconds(datetime(2026, 11, 25), "start")
        Traceback (most recent call last):
        ...
        ValueError: start=datetime.datetime(2026, 11, 25, 0, 0) is a naive datetime (no timezone): ...
    """
    if isinstance(value, str):
        return _from_text(value, name)
    if isinstance(value, datetime):  # pd.Timestamp is a datetime subclass
        return _from_datetime(value, name)
    if isinstance(value, date):
        # a ValueError like a naive datetime's: the kind is close, what is missing is the timezone
        raise ValueError(f"{name}={value!r} is a date, which has no time or timezone: {_NAIVE_HINT}")
    if type(value).__name__ == "datetime64":  # numpy.datetime64 never carries a timezone
        raise _naive(name, value)
    if value is None or isinstance(value, bool) or type(value).__name__ in ("bool_", "bool"):
        raise TypeError(f"{name} must be Unix seconds, an aware datetime or ISO-8601 text, got {value!r}")
    if type(value).__name__ == "NaTType":
        raise ValueError(f"{name} is NaT (not a time); pass a real time")
    if isinstance(value, numbers.Integral):
        seconds: float = int(value)
    elif isinstance(value, numbers.Real):
        seconds = float(value)
        if not math.isfinite(seconds):
            raise ValueError(f"{name} must be a finite number of Unix seconds, got {value!r}")
    else:
        raise TypeError(
            f"{name} must be Unix seconds, an aware datetime or ISO-8601 text, got {type(value).__name__} "
            f"{value!r}"
        )
    return _checked(math.floor(seconds), name, value)


def optional_unix_seconds(value: Any, name: str = "time") -> int | None:
    """:func:`unix_seconds`, except that ``None`` (no time given) stays ``None``.

    Example:
        >>> optional_unix_seconds(None, "end") is None, optional_unix_seconds(5, "end")
        (True, 5)
    """
    return None if value is None else unix_seconds(value, name)


def wire_seconds(value: Any) -> int | None:
    """A time from an exchange answer as Unix seconds, or ``None`` when it is missing or unreadable.

    For values the exchange sent (which may be absent or empty), not for arguments: a user's bad time is
    an error (:func:`unix_seconds`), a missing field in an answer is not.

    Example:
        >>> wire_seconds("1970-01-01T00:01:00Z"), wire_seconds(""), wire_seconds(None)
        (60, None, None)
    """
    ms = wire_ms(value)
    return None if ms is None else ms // 1000


def wire_ms(value: Any) -> int | None:
    """A time from an exchange answer as Unix milliseconds (exact for ISO text), ``None`` when missing or
    unreadable: ISO text with an offset or ``Z`` (any number of fraction digits), aware datetimes, or Unix
    seconds. The one reading of wire times (the feed, the store, the ticket's order progress).

    Example:
        >>> wire_ms("1970-01-01T00:00:02.5Z"), wire_ms("2022-11-22T20:44:01.123Z"), wire_ms(""), wire_ms("x")
        (2500, 1669149841123, None, None)
    """
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = _parse_iso(value)
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            return None
        # timestamp() is a float: whole seconds and microseconds apart keep the milliseconds exact.
        return int(value.replace(microsecond=0).timestamp()) * 1000 + value.microsecond // 1000
    if value is None:
        return None
    try:
        unix_seconds(value, "time")  # the number checks: no NaN, no negative, no year past 9999
        return math.floor(float(value) * 1000)
    except (TypeError, ValueError):
        return None


def _parse_iso(text: str) -> datetime | None:
    """ISO-8601 text as a datetime (naive if it has no offset), None if it is not ISO text."""
    text = text.strip()
    # Python 3.10's fromisoformat reads neither a trailing Z nor fractions other than 3 or 6 digits.
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    text = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def check_range(
    start: Any, end: Any, names: tuple[str, str] = ("start", "end")
) -> tuple[int | None, int | None]:
    """Both ends as Unix seconds (None stays None); ``ValueError`` if ``start`` is after ``end``.

    Equal ends are a valid one-instant window.

    Example:
        >>> check_range(20, 10, names=("min_ts", "max_ts"))
        Traceback (most recent call last):
        ...
        ValueError: min_ts (20) is after max_ts (10): swap them, or widen the window
    """
    lo = optional_unix_seconds(start, names[0])
    hi = optional_unix_seconds(end, names[1])
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"{names[0]} ({lo}) is after {names[1]} ({hi}): swap them, or widen the window")
    return lo, hi


def _from_text(value: str, name: str) -> int:
    parsed = _parse_iso(value)
    if parsed is None:
        raise ValueError(
            f"{name}={value!r} is not ISO-8601 time text with an offset, e.g. '2026-11-25T12:00:00Z'"
        )
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError(
            f"{name}={value!r} is a naive datetime (no timezone): add an offset or Z, e.g. "
            f"'2026-11-25T12:00:00Z' for UTC, or {_NAIVE_HINT}"
        )
    return _from_datetime(parsed, name)


def _from_datetime(value: datetime, name: str) -> int:
    if value.tzinfo is None or value.utcoffset() is None:
        if type(value).__name__ == "NaTType":
            raise ValueError(f"{name} is NaT (not a time); pass a real time")
        raise _naive(name, value)
    return _checked(math.floor(value.timestamp()), name, value)


def _checked(seconds: int, name: str, value: Any) -> int:
    if seconds < 0:
        raise ValueError(f"{name} must not be before 1970 (negative Unix seconds), got {value!r}")
    if seconds > MAX_UNIX_SECONDS:
        hint = " (milliseconds? divide by 1000)" if seconds < MAX_UNIX_SECONDS * 1000 else ""
        raise ValueError(f"{name}={value!r} is past the year 9999 as Unix seconds{hint}")
    return seconds
