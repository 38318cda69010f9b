"""Trades in today's wire form straight to the ``trades`` dataset's Arrow table, column by column.

The general path (``frames.trades_frame`` then ``schema.to_arrow``) goes records -> pandas -> Arrow and
parses every decimal string to a float and back to an integer. For a sync of millions of trades that
round trip is most of the store's time, so pages whose every record has the current fields, each a
non-empty string (``bool`` for ``is_block_trade``), go straight from their strings to Arrow: decimals cast exactly,
ISO times with their zone to ``timestamp[ms, UTC]``, text dictionary-encoded. Anything else (a legacy
trade without ``taker_outcome_side``, a number where a string belongs, sub-millisecond times, a price
with too many decimals) returns ``None`` and the caller takes the general path, so the rows on disk are
the same either way (tests/store checks both paths give equal tables).

Example:
    >>> rows = [{"trade_id": "t1", "ticker": "M", "count_fp": "3.00", "yes_price_dollars": "0.5600",
    ...          "no_price_dollars": "0.4400", "taker_side": "yes", "taker_outcome_side": "yes",
    ...          "taker_book_side": "bid", "created_time": "2026-12-01T11:14:59.999Z", "is_block_trade": False}]
    >>> table = trades_table(rows)
    >>> table.column("yes_price_dollars").to_pylist(), table.column("created_time").type
    ([Decimal('0.5600')], TimestampType(timestamp[ms, tz=UTC]))
    >>> trades_table([{"trade_id": "t2", "count": 3}]) is None  # not today's wire form: the general path
    True
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

import pyarrow as pa

from .schema import arrow_schema

_TEXT = ("trade_id",)
_DICT = ("ticker", "taker_side", "taker_outcome_side", "taker_book_side")
_DECIMAL = ("count_fp", "yes_price_dollars", "no_price_dollars")
_TIME = ("created_time",)
_FIELDS = frozenset(_TEXT + _DICT + _DECIMAL + _TIME + ("is_block_trade",))


def trades_table(rows: list[dict[str, Any]]) -> pa.Table | None:
    """The ``trades`` table of records in today's wire form, or ``None`` if any record is not in it."""
    if not rows:
        return None
    schema = arrow_schema("trades")
    if set(schema.names) != _FIELDS:  # the dataset grew a column this path does not know: general path
        return None
    names = schema.names
    try:
        columns = list(zip(*map(itemgetter(*names), rows), strict=True))  # rows to columns, in C
    except (KeyError, TypeError):  # a field missing, or a record that is not a mapping
        return None
    arrays: dict[str, pa.Array] = {}
    try:
        for name, values in zip(names, columns, strict=True):
            kinds = set(map(type, values))
            if name == "is_block_trade":
                if kinds != {bool}:
                    return None
                arrays[name] = pa.array(values, type=pa.bool_())
                continue
            if kinds != {str} or "" in values:  # frames reads an empty string as missing
                return None
            text = pa.array(values, type=pa.string())
            typ = schema.field(name).type
            # Casts are exact or they raise: a decimal that would lose digits, a time without a zone or
            # finer than a millisecond. Those rows take the general path (which says what it does).
            if name in _DICT:
                arrays[name] = text.dictionary_encode().cast(typ)
            else:
                arrays[name] = text if name in _TEXT else text.cast(typ)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    return pa.Table.from_arrays([arrays[n] for n in schema.names], schema=schema)
