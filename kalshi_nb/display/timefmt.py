"""How times, durations and money read on screen: the display zone (Eastern by default), "14m 54s", "45¢".

Data stay UTC; only what a person reads is shown in the display zone. The zone is, in order: the one set by
``set_display_timezone``, the ``KALSHI_NB_TIMEZONE`` environment variable, else ``America/New_York``
(Kalshi labels its markets in Eastern time).

Example:
    >>> from datetime import datetime, timezone
    >>> this_year = datetime.now(timezone.utc).year
    >>> format_time(datetime(this_year, 12, 2, 15, 45, tzinfo=timezone.utc), tz="America/New_York")
    'Dec 2 10:45 ET'
    >>> format_duration(894.69), format_cents("0.45"), format_usd("-1.83")
    ('14m 54s', '45¢', '-$1.83')
"""

from __future__ import annotations

import logging
import math
import os
from datetime import datetime, timedelta, timezone, tzinfo
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger("kalshi_nb.display")

ENV_TIMEZONE = "KALSHI_NB_TIMEZONE"
DEFAULT_TIMEZONE = "America/New_York"
MISSING = "—"  # what an absent value reads as, everywhere on screen

# Short names people use for a zone where the tz database's own abbreviation (EST/EDT) changes twice a year.
_SHORT_NAMES = {"America/New_York": "ET", "UTC": "UTC", "Etc/UTC": "UTC"}

_zone: tzinfo | None = None  # set_display_timezone's choice; None means "env var or default"


def _zone_from(tz: str | tzinfo) -> tzinfo:
    if isinstance(tz, tzinfo):
        return tz
    if not isinstance(tz, str) or not tz.strip():
        raise ValueError(f"timezone must be a name such as 'America/New_York' or 'UTC', got {tz!r}")
    try:
        return ZoneInfo(tz.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown timezone {tz!r}: use an IANA name such as 'America/New_York', 'Europe/London' or 'UTC'"
        ) from None


def display_timezone() -> tzinfo:
    """The zone times are shown in: ``set_display_timezone``'s, else ``$KALSHI_NB_TIMEZONE``, else Eastern.

    Example:
        >>> str(display_timezone()) in ("America/New_York", os.environ.get(ENV_TIMEZONE, ""), str(_zone))
        True
    """
    if _zone is not None:
        return _zone
    name = os.environ.get(ENV_TIMEZONE, "").strip()
    if name:
        try:
            return _zone_from(name)
        except ValueError as exc:  # a typo in the environment must not break every display
            log.warning(
                "kalshi_nb: %s=%r ignored (%s); showing %s", ENV_TIMEZONE, name, exc, DEFAULT_TIMEZONE
            )
    return ZoneInfo(DEFAULT_TIMEZONE)


def set_display_timezone(tz: str | tzinfo | None) -> None:
    """Show times in ``tz`` (an IANA name or a tzinfo); ``None`` goes back to the env var or Eastern.

    Example:
        >>> set_display_timezone("UTC"); str(display_timezone())
        'UTC'
        >>> set_display_timezone(None)
    """
    global _zone
    _zone = None if tz is None else _zone_from(tz)


def zone_label(tz: tzinfo, when: datetime) -> str:
    """The short name shown after a time: ``ET`` for New York, else the zone's abbreviation at ``when``."""
    key = getattr(tz, "key", None) or str(tz)
    if key in _SHORT_NAMES:
        return _SHORT_NAMES[key]
    return when.tzname() or key


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:  # NaN, NaT and pandas.NA all fail to equal themselves (or refuse to answer)
        return bool(value != value)  # noqa: PLR0124
    except (TypeError, ValueError):
        return True


def to_datetime(ts: object) -> datetime | None:
    """An aware UTC-or-zoned datetime from an ISO string, a datetime or a pandas Timestamp (naive = UTC)."""
    if _is_missing(ts) or ts == "":
        return None
    if isinstance(ts, str):
        try:
            parsed = datetime.fromisoformat(ts.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    elif isinstance(ts, datetime):
        parsed = ts.to_pydatetime() if hasattr(ts, "to_pydatetime") else ts
    elif isinstance(ts, (int, float)) and math.isfinite(ts):  # Unix seconds, as some Kalshi fields are
        parsed = datetime.fromtimestamp(ts, timezone.utc)
    else:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def format_time(ts: object, *, tz: str | tzinfo | None = None, seconds: bool = False) -> str:
    """``"Dec 2 10:45 ET"``: a time in the display zone (or ``tz``); the year only when it is not this one.

    Accepts ISO strings, datetimes and pandas Timestamps; naive values are taken as UTC; missing -> "—".

    Example:
        >>> format_time("2026-12-02T15:45:07Z", tz="UTC", seconds=True).replace(" 2026", "")
        'Dec 2 15:45:07 UTC'
        >>> format_time(None)
        '—'
    """
    when = to_datetime(ts)
    if when is None:
        return MISSING
    zone = display_timezone() if tz is None else _zone_from(tz)
    local = when.astimezone(zone)
    clock = f"{local:%H:%M:%S}" if seconds else f"{local:%H:%M}"
    year = f" {local.year}" if local.year != datetime.now(zone).year else ""
    return f"{local:%b} {local.day}{year} {clock} {zone_label(zone, local)}"


def format_duration(value: object) -> str:
    """``"14m 54s"``, ``"2h 03m"``, ``"3d 4h"``, ``"45s"`` from seconds or a timedelta; below zero -> ``"0s"``.

    Example:
        >>> format_duration(45), format_duration(7380), format_duration(timedelta(days=3, hours=4, minutes=9))
        ('45s', '2h 03m', '3d 4h')
        >>> format_duration(-5), format_duration(None)
        ('0s', '—')
    """
    if _is_missing(value):
        return MISSING
    if isinstance(value, timedelta):
        total = value.total_seconds()
    else:
        try:
            total = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return MISSING
    if not math.isfinite(total):
        return MISSING
    secs = max(0, int(total))  # floor: "closes in 14m 54s" is never later than the truth
    days, rest = divmod(secs, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def to_decimal(value: object) -> Decimal | None:
    """A Decimal from a Decimal, a dollar string or a number; floats are rounded to $0.0001 (Kalshi's tick)."""
    if _is_missing(value) or value == "":
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        # A float from a frame (0.45 stored as 0.450000000000000011...) reads as the wire string it came from.
        return Decimal(repr(value)).quantize(Decimal("0.0001")).normalize()
    try:
        return Decimal(str(value).strip().lstrip("$"))
    except InvalidOperation:
        return None


def _plain(d: Decimal) -> str:
    text = format(d.normalize(), "f")
    return text


def format_cents(dollars: object) -> str:
    """A dollar price in cents: ``"45¢"``, ``"4.5¢"``, ``"0.01¢"``; missing -> "—".

    Example:
        >>> format_cents("0.45"), format_cents(0.045), format_cents("0.0001"), format_cents(None)
        ('45¢', '4.5¢', '0.01¢', '—')
    """
    d = to_decimal(dollars)
    if d is None:
        return MISSING
    return f"{_plain(d * 100)}¢"


def format_usd(dollars: object) -> str:
    """Dollars, exact: ``"$1.83"``, sub-cent amounts to four places ``"$0.0450"``, ``"-$1.83"``, ``"$1,250.00"``.

    Example:
        >>> from decimal import Decimal
        >>> format_usd(Decimal("1.83")), format_usd("0.045"), format_usd(-1.83), format_usd(None)
        ('$1.83', '$0.0450', '-$1.83', '—')
    """
    d = to_decimal(dollars)
    if d is None:
        return MISSING
    sign = "-" if d < 0 else ""
    d = abs(d)
    places = -min(0, d.normalize().as_tuple().exponent)  # type: ignore[operator]
    shown = 2 if places <= 2 else max(4, places)  # exact: never round money away
    return f"{sign}${d:,.{shown}f}"


def format_count(value: object) -> str:
    """A contract count: ``"1,234"``, ``"12.5"``; missing -> "—".

    Example:
        >>> format_count("1234.00"), format_count(12.5), format_count(None)
        ('1,234', '12.5', '—')
    """
    d = to_decimal(value)
    if d is None:
        return MISSING
    if d == d.to_integral_value():
        return f"{int(d):,}"
    return f"{d.normalize():,f}"
