"""Deterministic synthetic data for the sandbox: series, events, markets, and lazy trade/quote history.

Everything is a pure function of ``(seed, anchor, size)``. The anchor is the instant the data describes
("now" when the exchange was built): windows before it are settled, the one around it is trading, the ones
after it are not open yet. Records are wire-format dicts (SDK-3.34 field names and types). A market record
omits the fields every market shares (``MARKET_CONSTANTS``), and the markets of a ladder event keep the fields
they have in common in one dict (``Shared``); ``wire_market`` and ``wire_event`` add both back.

Cheap at 200,000 markets: a market is one dict plus a small ``Hist`` (a dozen ints). Its trades, quote
path and deeper book levels are generated on demand from ``Hist`` alone, and are built so that they agree
with the summary already in the market dict (last price, volume, 24 h volume, open interest, top of book).

Layout: ``times`` (ISO strings, Eastern date codes) < ``history`` (``Hist`` and the quotes, trades and book
generated from it) < ``records`` (``Life``, ``Universe``, series/event dicts) < ``builder`` (market records and
their summaries) < one module per series family (``btc15m``, ``btc_ladder``, ``fed``, ``sports``,
``subpenny``, ``finegrid``), run in a fixed order by ``build`` here. ``grids`` holds the price grids and the
one price check; ``records.shard_of`` the exchange shard of a series category.

Example:
    >>> u = build(seed=7, anchor=datetime(2026, 9, 7, 2, 40, tzinfo=timezone.utc))
    >>> m = next(m for m in u.markets if m["ticker"].startswith("KXBTC15M-") and m["status"] == "active")
    >>> m["ticker"], m["floor_strike"] > 0
    ('KXBTC15M-26SEP062245-45', True)
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from .btc15m import btc15m
from .btc_ladder import btc_ladder
from .builder import Builder
from .fed import fed
from .finegrid import fine_grids
from .history import Hist, Tick, book_levels, oi_of, price_of, quote_at, ticks, top_fields, trade_dict
from .metadata import event_metadata, fee_changes
from .records import (
    EMPTY_TOP,
    EVENT_STATUSES,
    MARKET_CONSTANTS,
    QUERY_STATUS,
    Life,
    Shared,
    Universe,
    share_fields,
    status_fields,
    wire_event,
    wire_market,
    with_changes,
)
from .sports import mve, nfl
from .subpenny import subpenny
from .times import DAY, ET, HOUR, MONTHS, et, et_clock, et_code, et_day, iso, iso_ms, to_ts

__all__ = [
    "DAY",
    "EMPTY_TOP",
    "ET",
    "EVENT_STATUSES",
    "HOUR",
    "MARKET_CONSTANTS",
    "MONTHS",
    "QUERY_STATUS",
    "Hist",
    "Life",
    "Shared",
    "Tick",
    "Universe",
    "book_levels",
    "build",
    "collector_paused",
    "et",
    "et_clock",
    "et_code",
    "et_day",
    "event_metadata",
    "fee_changes",
    "iso",
    "iso_ms",
    "oi_of",
    "price_of",
    "quote_at",
    "share_fields",
    "status_fields",
    "ticks",
    "to_ts",
    "top_fields",
    "trade_dict",
    "wire_event",
    "wire_market",
    "with_changes",
]


# Sizes from which ``build`` pauses the cyclic collector while it runs (see there).
GC_PAUSE_MIN_SIZE = 50_000


@contextmanager
def collector_paused(size: int | None) -> Iterator[None]:
    """For a benchmark-sized universe (``size >= GC_PAUSE_MIN_SIZE``), the cyclic collector paused while the
    block runs, then one full collection; otherwise (or if the caller already paused it) nothing.

    The collector is left alone for ordinary universes: an in-process Sandbox shares the user's process, and
    at the default size and up to tens of thousands of markets the collections cost about a tenth of the
    build (0.2 s of 1.8 s at 20,000). At hundreds of thousands of new records they run over and over (5 s of
    15 s at 200,000); the records hold no cycles, so the pause loses nothing. The collection at the end
    walks the new objects once and leaves them in the oldest generation: turning the collector straight
    back on made its next young, middle and old collections each walk all of them (measured at 200,000:
    a sandbox built in 8.0 s instead of 9.0 s, and the next two million allocations 0.4-1.7 s instead of
    1.5-2.0 s).

    Example:
        >>> with collector_paused(None):
        ...     gc.isenabled()
        True
    """
    pause = size is not None and size >= GC_PAUSE_MIN_SIZE and gc.isenabled()
    if pause:
        gc.disable()
    try:
        yield
    finally:
        if pause:
            gc.collect()
            gc.enable()


def build(
    seed: int = 0, anchor: datetime | None = None, size: int | None = None, history_days: int = 0
) -> Universe:
    """Generate the synthetic exchange data for ``seed`` as of ``anchor`` (default: now, UTC).

    ``size`` None gives a few hundred markets; an int gives at least that many live (non-historical) markets.
    ``history_days`` adds settled KXBTC15M windows (96 a day, a few hundred trades each) going back that many
    days; the rest of the universe is the same with or without them.

    Example:
        >>> len(build(1, datetime(2026, 9, 7, tzinfo=timezone.utc)).markets) > 200
        True
    """
    anchor = anchor or datetime.now(timezone.utc)
    with collector_paused(size):
        b = Builder(seed, int(anchor.timestamp()), size, history_days)
        btc15m(b)
        btc_ladder(b)
        fed(b)
        legs = nfl(b)
        subpenny(b)
        fine_grids(b)
        if size is not None:
            # Top the multivariate markets up so the live (non-historical) count is exactly `size`.
            cut = b.u.market_cutoff_ts
            live = sum(
                1
                for m in b.u.markets
                if b.u.life[m["ticker"]].finalize_ts >= cut or m["status"] != "finalized"
            )
            b.n_mve = max(b.n_mve, size - live)
        mve(b, legs)
    return b.u
