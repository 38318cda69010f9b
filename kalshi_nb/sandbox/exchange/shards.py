"""Exchange shards and the weekly trading pause: pure rules, no state.

Shards (``exchange_index``): the sandbox has four, 0 to 3. A market's shard is its ``exchange_index`` (set by
the data: Crypto 2, Sports 3, everything else 0; shard 1 exists but lists nothing). The descriptions are
the sandbox's own (live descriptions UNCONFIRMED).

The trading pause: every Thursday 03:00 to 05:00 America/New_York (docs.kalshi.com/getting_started/
maintenance_and_pauses): no place or amend, cancels accepted, resting orders stay unless they were placed
with ``cancel_order_on_pause``. The sandbox applies it on its own clock, only when pauses are on.

Example:
    >>> from datetime import datetime, timezone
    >>> start, end = trading_pause_at(datetime(2026, 12, 3, 8, 30, tzinfo=timezone.utc))
    >>> start.isoformat(), end.isoformat()
    ('2026-12-03T08:00:00+00:00', '2026-12-03T10:00:00+00:00')
    >>> trading_pause_at(datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc)) is None
    True
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from ..errors import bad_request

SHARDS: dict[int, str] = {
    0: "Predictions (default shard)",
    1: "Predictions (reserved shard, no markets)",
    2: "Crypto",
    3: "Sports",
}
EASTERN = ZoneInfo("America/New_York")
PAUSE_WEEKDAY = 3  # Thursday (Monday is 0)
PAUSE_START = time(3, 0)
PAUSE_END = time(5, 0)


def check_shard(value: object, name: str = "exchange_index") -> int:
    """An existing shard number, else a 400 naming the shards.

    Example:
        >>> check_shard(2)
        2
    """
    if isinstance(value, bool) or not isinstance(value, int) or value not in SHARDS:
        raise bad_request(
            f"{name} must be an existing exchange shard ({', '.join(map(str, SHARDS))}), got {value!r}"
        )
    return value


def _window(day: datetime) -> tuple[datetime, datetime]:
    """The pause window of one Eastern calendar day, in UTC (zoneinfo gives EST or EDT as it applies)."""
    start = datetime.combine(day.date(), PAUSE_START, EASTERN)
    end = datetime.combine(day.date(), PAUSE_END, EASTERN)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def next_trading_pause(now: datetime) -> tuple[datetime, datetime]:
    """The pause window containing ``now``, or else the next one: (start, end) as UTC datetimes.

    Example:
        >>> from datetime import datetime, timezone
        >>> next_trading_pause(datetime(2026, 12, 1, tzinfo=timezone.utc))[0].isoformat()
        '2026-12-03T08:00:00+00:00'
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local = now.astimezone(EASTERN)
    for offset in range(-1, 8):
        day = local + timedelta(days=offset)
        if day.weekday() != PAUSE_WEEKDAY:
            continue
        start, end = _window(day)
        if end > now:
            return start, end
    raise AssertionError("a Thursday lies within any eight days")  # pragma: no cover


def trading_pause_at(now: datetime) -> tuple[datetime, datetime] | None:
    """The pause window containing ``now`` (start inclusive, end exclusive), or None."""
    start, end = next_trading_pause(now)
    return (start, end) if start <= now < end else None
