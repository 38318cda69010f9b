"""Pure shaping: Kalshi JSON records in, typed pandas DataFrames out (no network, no client).

Every list kind has one function, ``markets_frame``, ``events_frame``, ``event_markets_frame``,
``series_frame``, ``trades_frame``, ``orderbook_frame``, ``candles_frame``, ``positions_frame``,
``event_positions_frame``, ``fills_frame``, ``orders_frame``, ``settlements_frame`` and ``balance_frame``
(and ``ticker_frame`` for the live feed's ticker messages).
Each takes the records exactly as the API sends them (a list of dicts, or for the orderbook and the balance
one response object) and returns a frame with a fixed column list and fixed dtypes:

- Columns keep the live API's field names, in the order of the official SDK's models, followed by a few
  derived columns (marked *derived* below) and then any field this module does not know yet.
- ``*_dollars`` become ``float64`` US dollars; ``*_fp`` become ``float64`` contract counts; ISO-8601 times
  and Unix timestamps become ``datetime64[ns, UTC]``; enum-like fields (``status``, ``result``,
  ``strike_type``, ``market_type``, sides, ...) become categoricals with a fixed, known category list, so the
  dtype is identical on every call, including an empty one. An empty string in such a field (Kalshi sends
  ``result: ""`` until a market is determined) is shown as missing (``NaN``). A value Kalshi adds later is
  appended to the categories (so nothing is lost) and logged; only then does the dtype differ.
- Integers are nullable ``Int64``, booleans nullable ``boolean``; text and nested JSON stay ``object``
  (also on pandas 3, where plain construction would infer ``str``), so the dtypes are the same on pandas 2 and 3.
- Unknown new fields are kept, never dropped, appended after the fixed columns in sorted order. An unknown
  field whose name ends in ``_dollars`` or ``_fp`` is parsed to ``float64`` (if every value parses), one ending
  in ``_time``, ``_ts`` or ``_datetime`` holding ISO strings to UTC datetimes; anything else keeps the
  dtype pandas infers.
- Legacy payloads (before 12 March 2026: integer cents such as ``yes_bid: 40`` and integer counts such as
  ``volume: 100``) shape into the same columns and values as today's (``yes_bid_dollars`` 0.40,
  ``volume_fp`` 100.0). When both spellings are present, today's field wins; the consumed legacy field is
  not repeated as an extra column.
- An empty input gives an empty frame with the same columns and dtypes, never ``None``.
- A value that cannot be parsed becomes missing and is logged on the ``kalshi_nb.frames`` logger; shaping
  never raises on odd data. (Times outside the ``datetime64[ns]`` range, years 1677-2262, are such values.)

Prices are parsed with Python's correctly rounded ``float()``, so ``yes_bid_dollars`` equals
``float(Decimal(wire_string))`` exactly. Use ``Decimal`` on the raw strings if you need exact money arithmetic.

``describe("markets")`` returns the column table of one kind as a DataFrame (column, dtype, unit,
description); the same tables are listed at the end of this docstring.
"""

from __future__ import annotations

from .columns import _SCHEMAS as _SCHEMAS  # the tables, for tests and tools
from .columns import KINDS, _render_doc, describe
from .prices import candles_frame, orderbook_frame
from .shaping import (
    balance_frame,
    event_markets_frame,
    event_positions_frame,
    events_frame,
    fills_frame,
    markets_frame,
    orders_frame,
    positions_frame,
    series_frame,
    settlements_frame,
    ticker_frame,
    trades_frame,
)

__all__ = [
    "KINDS",
    "balance_frame",
    "candles_frame",
    "describe",
    "event_markets_frame",
    "event_positions_frame",
    "events_frame",
    "fills_frame",
    "markets_frame",
    "orderbook_frame",
    "orders_frame",
    "positions_frame",
    "series_frame",
    "settlements_frame",
    "ticker_frame",
    "trades_frame",
]

if __doc__ is not None:  # stripped under python -OO
    __doc__ += _render_doc()
