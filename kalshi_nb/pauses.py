"""Kalshi's weekly trading pause: every Thursday 03:00-05:00 America/New_York (pure, no client).

During the pause the exchange refuses new orders and amends; cancels are allowed and resting orders stay
unless they were placed with ``cancel_order_on_pause`` (docs.kalshi.com, "maintenance and pauses"). The
window is fixed in New York wall-clock time, so in UTC it moves with daylight saving: 07:00-09:00 UTC in
summer (EDT), 08:00-10:00 UTC in winter (EST). Both ends come back as UTC-aware datetimes.

``now`` must be an aware datetime (or ``pd.Timestamp``): a naive one is refused with the same
``ValueError`` as every other time argument in the project (:mod:`kalshi_nb.timeargs`), because guessing
its zone would move the window by hours.

Example:
    >>> from datetime import datetime, timezone
    >>> start, end = trading_pause_at(datetime(2026, 12, 3, 8, 30, tzinfo=timezone.utc))
    >>> start.isoformat(), end.isoformat()
    ('2026-12-03T08:00:00+00:00', '2026-12-03T10:00:00+00:00')
    >>> trading_pause_at(datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc)) is None
    True
    >>> next_trading_pause(datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc))[0].isoformat()
    '2026-12-10T08:00:00+00:00'
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from kalshi_nb.timeargs import unix_seconds

__all__ = [
    "PAUSE_END",
    "PAUSE_START",
    "PAUSE_TIMEZONE",
    "PAUSE_WEEKDAY",
    "describe_pause",
    "is_trading_paused",
    "next_trading_pause",
    "trading_pause_at",
]

PAUSE_TIMEZONE = ZoneInfo("America/New_York")
"""The zone the pause is defined in (Kalshi says "ET")."""
PAUSE_WEEKDAY = 3
"""Thursday, as ``datetime.weekday()`` counts (Monday is 0)."""
PAUSE_START = time(3, 0)
"""Wall-clock start in New York (inclusive)."""
PAUSE_END = time(5, 0)
"""Wall-clock end in New York (exclusive): trading resumes at 05:00 ET."""


def _aware(now: datetime, name: str = "now") -> datetime:
    if not isinstance(now, datetime):
        raise TypeError(f"{name} must be an aware datetime, got {type(now).__name__} {now!r}")
    unix_seconds(now, name)  # the project's one rule: raises ValueError on a naive datetime
    return now


def _window_on(day: date) -> tuple[datetime, datetime]:
    """The pause window on New York calendar day ``day`` (a Thursday), in UTC."""
    # 03:00 and 05:00 never fall in a DST gap or fold (changes happen at 02:00 on Sundays), so the
    # wall-clock times map to exactly one instant each.
    start = datetime.combine(day, PAUSE_START, tzinfo=PAUSE_TIMEZONE).astimezone(timezone.utc)
    end = datetime.combine(day, PAUSE_END, tzinfo=PAUSE_TIMEZONE).astimezone(timezone.utc)
    return start, end


def trading_pause_at(now: datetime) -> tuple[datetime, datetime] | None:
    """The pause window ``(start, end)`` in UTC that contains ``now``, or ``None`` when trading is open.

    ``start`` is inclusive and ``end`` exclusive: at 05:00 ET exactly, trading is open again.

    Example:
        >>> from datetime import datetime, timezone
        >>> trading_pause_at(datetime(2026, 7, 2, 7, 0, tzinfo=timezone.utc))[1].isoformat()  # EDT
        '2026-07-02T09:00:00+00:00'
        >>> trading_pause_at(datetime(2026, 7, 2, 6, 59, tzinfo=timezone.utc)) is None
        True
    """
    now = _aware(now)
    local_day = now.astimezone(PAUSE_TIMEZONE).date()
    if local_day.weekday() != PAUSE_WEEKDAY:
        return None
    start, end = _window_on(local_day)
    return (start, end) if start <= now < end else None


def next_trading_pause(now: datetime) -> tuple[datetime, datetime]:
    """The pause that contains ``now`` if trading is paused, else the next one to begin after ``now`` (UTC).

    Example:
        >>> from datetime import datetime, timezone
        >>> start, end = next_trading_pause(datetime(2026, 12, 1, tzinfo=timezone.utc))  # a Tuesday
        >>> start.isoformat(), end.isoformat()
        ('2026-12-03T08:00:00+00:00', '2026-12-03T10:00:00+00:00')
    """
    now = _aware(now)
    local_day = now.astimezone(PAUSE_TIMEZONE).date()
    thursday = local_day + timedelta(days=(PAUSE_WEEKDAY - local_day.weekday()) % 7)
    start, end = _window_on(thursday)
    if now >= end:  # today is Thursday and the pause is over: next week's
        start, end = _window_on(thursday + timedelta(days=7))
    return start, end


def is_trading_paused(now: datetime) -> bool:
    """Whether ``now`` falls in the weekly pause (place and amend refused, cancel allowed).

    Example:
        >>> from datetime import datetime, timezone
        >>> is_trading_paused(datetime(2026, 12, 3, 9, 0, tzinfo=timezone.utc))
        True
    """
    return trading_pause_at(now) is not None


def describe_pause(window: tuple[datetime, datetime]) -> str:
    """A sentence saying when trading resumes, in ET and in UTC.

    Example:
        >>> from datetime import datetime, timezone
        >>> describe_pause(trading_pause_at(datetime(2026, 12, 3, 9, 0, tzinfo=timezone.utc)))
        'trading resumes Thu Dec 3 05:00 ET (10:00 UTC)'
    """
    end = _aware(window[1], "end")
    local = end.astimezone(PAUSE_TIMEZONE)
    utc = end.astimezone(timezone.utc)
    return f"trading resumes {local:%a %b} {local.day} {local:%H:%M} ET ({utc:%H:%M} UTC)"
