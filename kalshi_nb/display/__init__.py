"""What a notebook shows: pure formatting (times in the display zone, durations, cents and dollars) and HTML
for markets, order books, positions and frames. Nothing here reads from the network or holds a client.

- ``timefmt``: ``display_timezone``, ``set_display_timezone``, ``format_time``, ``format_duration``,
  ``format_cents``, ``format_usd``, ``format_count``.
- ``market``: ``market_line_html`` (one compact block about a market).

Example:
    >>> from kalshi_nb.display import format_duration, market_line_html
    >>> format_duration(894.7)
    '14m 54s'
"""

from __future__ import annotations

from .market import market_line_html, quotes
from .timefmt import (
    display_timezone,
    format_cents,
    format_count,
    format_duration,
    format_time,
    format_usd,
    set_display_timezone,
)

__all__ = [
    "display_timezone",
    "format_cents",
    "format_count",
    "format_duration",
    "format_time",
    "format_usd",
    "market_line_html",
    "quotes",
    "set_display_timezone",
]
