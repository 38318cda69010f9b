"""DataFrames from the API: ``markets_df(...)``, ``events_df(...)``, ``candles_df(...)``, ...

Fetching and shaping are separate. The ``iter_*`` generators fetch JSON records: they follow the cursor with
the same filters on every page (through ``KalshiClient.paginate``), stop on an empty or missing cursor, raise
``PaginationError`` when the server repeats a cursor, and stop early at ``max_rows``. Each ``*_df`` function
collects those records and calls the matching pure shaping function of :mod:`kalshi_nb.frames` once, so the
columns and dtypes are always the same, also for an empty result (see ``frames.describe(kind)`` for every
column and its unit).

- **Client.** Every function uses the default client set by ``kalshi_nb.connect()`` unless ``client=`` is
  given. Without either, it raises ``RuntimeError`` asking you to call ``kalshi_nb.connect()`` first: it never
  connects on its own, because ``connect()`` without credentials starts a local sandbox with fake data, and
  a frame of made-up markets must never appear by surprise.
- **Lists and concurrency.** ``series``, ``event``, ``tickers`` and ``status`` (and ``ticker`` of
  ``trades_df``) accept lists. A row must match one value of *each* argument given (OR within an argument,
  AND across arguments), like one API call per combination, which is what is sent. Several calls run in a
  small thread pool (``MAX_WORKERS``) over the same client, so they share its session and its thread-safe
  token bucket and stay within the rate limit.
- **Each row once.** Rows are de-duplicated by their natural key: markets and positions ``ticker``, events
  ``event_ticker``, trades ``trade_id``, fills ``fill_id`` (else ``trade_id`` + ``order_id``), orders
  ``order_id``, settlements ``ticker`` + ``settled_time``, candles ``end_period_ts``. Pages that overlap
  because data changed mid-pull, a repeated page, a market listed live and historical: a ``*_df`` keeps
  the key at its first place, in its most recent version (the later ``updated_time``/``last_update_time``/
  ``last_updated_ts``; without one, the version fetched last). An ``iter_*`` yields the first version and
  drops later ones (a generator cannot take a row back). ``max_rows`` counts distinct rows.
- **Checked first.** Every filter name and value is checked against Kalshi's spec
  (:mod:`kalshi_nb.endpoints`) before the first request: a typo is a ``ValueError`` with a "did you mean",
  never a wider pull. Counts and limits take numpy/pandas integers, never bools or NaN.
- **Failures.** A page that still fails after the client's retries raises (the other calls are stopped);
  no partial frame is ever returned.
- **Progress.** ``progress=None`` shows a ``tqdm.auto`` bar (a widget in notebooks, text in a terminal) once a
  pull passes ``AUTO_PROGRESS_PAGES`` pages; ``True`` shows it from the first page, ``False`` never.
- **Times.** Time arguments (``min_ts``, ``start``, any ``*_ts`` filter) take Unix seconds, ISO-8601 text with
  an offset, or timezone-aware datetimes (``pd.Timestamp`` included), by the one rule of
  :mod:`kalshi_nb.timeargs`. Naive datetimes are refused with a ``ValueError``: guessing UTC or local time
  would silently shift the window by hours. A start after its end is refused before any request.
- **Page size.** ``limit=`` among the filters sets the page size; the default is the endpoint's maximum.
- **Speed.** While a ``*_df`` call pulls and shapes, Python's cyclic garbage collector is paused (reference
  counting frees memory as usual); on 200,000 markets it would otherwise spend about a third of the time
  walking the records, which hold no cycles. It is switched back on afterwards, only if it was on.

Example:
    >>> import kalshi_nb
    >>> client = kalshi_nb.connect("sandbox")          # fake data; kalshi_nb.connect() with credentials is live
    >>> df = kalshi_nb.markets_df("KXBTC15M", client=client)
    >>> df[["ticker", "yes_bid_dollars", "yes_ask_dollars", "mid_dollars", "time_to_close"]].dtypes.tolist()
    [dtype('O'), dtype('float64'), dtype('float64'), dtype('float64'), dtype('<m8[ns]')]

Layout: :mod:`kalshi_nb.data.paging` is the one engine (the list endpoints, the pages of one call, the two
merge rules), :mod:`~kalshi_nb.data.args` checks arguments, :mod:`~kalshi_nb.data.pool` runs calls at once,
and :mod:`~kalshi_nb.data.markets`, :mod:`~kalshi_nb.data.portfolio` and :mod:`~kalshi_nb.data.candles` hold
the public functions.
"""

from __future__ import annotations

from ..endpoints import MAX_CANDLES
from .candles import candles_df
from .markets import (
    EventFrames,
    events_df,
    iter_events,
    iter_historical_markets,
    iter_markets,
    iter_trade_pages,
    iter_trades,
    markets_df,
    orderbook_df,
    series_df,
    trades_df,
)
from .pool import AUTO_PROGRESS_PAGES, MAX_WORKERS
from .portfolio import (
    fills_df,
    iter_fills,
    iter_orders,
    iter_positions,
    iter_settlements,
    orders_df,
    positions_df,
    settlements_df,
)

__all__ = [
    "AUTO_PROGRESS_PAGES",
    "MAX_CANDLES",
    "MAX_WORKERS",
    "EventFrames",
    "candles_df",
    "events_df",
    "fills_df",
    "iter_events",
    "iter_fills",
    "iter_historical_markets",
    "iter_markets",
    "iter_orders",
    "iter_positions",
    "iter_settlements",
    "iter_trade_pages",
    "iter_trades",
    "markets_df",
    "orderbook_df",
    "orders_df",
    "positions_df",
    "series_df",
    "settlements_df",
    "trades_df",
]
