"""Feed messages as REST records (pure, no pandas): times from milliseconds, a ``trade`` as the REST Trade.

Kept apart from ``shaping`` (the frames) so the feed's hot path and ``import kalshi_nb.feed`` never load
pandas; frames are built only when asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any


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
