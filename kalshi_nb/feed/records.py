"""Feed messages as REST records (pure, no pandas): times from milliseconds, a ``trade`` as the REST Trade.

Kept apart from ``shaping`` (the frames) so the feed's hot path and ``import kalshi_nb.feed`` never load
pandas; frames are built only when asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from ..timeargs import wire_ms


def ms_to_iso(ms: Any) -> str | None:
    """Unix milliseconds as ISO-8601 UTC text, exact to the millisecond (no float rounding).

    Example:
        >>> ms_to_iso(1669149841123)
        '2022-11-22T20:44:01.123000+00:00'
    """
    if isinstance(ms, bool) or not isinstance(ms, int | float | str):
        return None
    try:
        ms = int(ms)
    except ValueError:
        return None
    return (
        datetime.fromtimestamp(ms // 1000, tz=timezone.utc)
        .replace(microsecond=(ms % 1000) * 1000)
        .isoformat()
    )


def _when(msg: Mapping[str, Any], envelope_ms: Any = None) -> str | None:
    # The reference's order: ts_ms, then ts (int seconds, or ISO on deltas), then sending_ts_ms.
    if msg.get("ts_ms") is not None:
        return ms_to_iso(msg["ts_ms"])
    ts = msg.get("ts")
    if isinstance(ts, int) and not isinstance(ts, bool):
        return ms_to_iso(ts * 1000)
    if isinstance(ts, str) and ts:
        return ts
    return ms_to_iso(envelope_ms)


def rest_trade(msg: Mapping[str, Any], envelope_ms: Any = None) -> dict[str, Any]:
    """A ``trade`` message's ``msg`` as the REST Trade record ``frames.trades_frame`` reads."""
    out = {k: v for k, v in msg.items() if k not in ("market_ticker", "ts", "ts_ms")}
    out["ticker"] = msg.get("market_ticker")
    out["created_time"] = _when(msg, envelope_ms)
    return out


_TERMINAL = ("executed", "canceled", "cancelled")


def order_progress(record: Mapping[str, Any], ms: int = 0) -> tuple[bool, Decimal, int]:
    """How far along an order (or position) record is: ``(terminal, filled count, update time in ms)``.

    An order only moves forward: it never un-ends and never un-fills, so those come first and the update
    time (``last_updated_ts_ms`` on the feed, ``last_update_time`` / ``last_updated_ts`` on REST, or ``ms``
    when the record has none) breaks ties. The one rule the feed's reconciliation and the ticket share.

    Example:
        >>> order_progress({"status": "executed", "fill_count_fp": "3.00"}) > order_progress(
        ...     {"status": "resting", "fill_count_fp": "3.00", "last_update_time": "2026-12-01T00:00:00Z"})
        True
    """
    stamp = record.get("last_updated_ts_ms")
    if isinstance(stamp, int) and not isinstance(stamp, bool):
        ms = stamp
    elif not ms:
        ms = wire_ms(record.get("last_update_time") or record.get("last_updated_ts")) or 0
    try:
        filled = Decimal(str(record.get("fill_count_fp") or "0"))
    except ArithmeticError:
        filled = Decimal(0)
    return str(record.get("status")) in _TERMINAL, filled, ms
