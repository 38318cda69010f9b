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

from functools import cache
from operator import itemgetter
from typing import Any

import pyarrow as pa

from .schema import arrow_schema

_trades_schema = cache(lambda: arrow_schema("trades"))


def trades_table(rows: list[dict[str, Any]]) -> pa.Table | None:
    """The ``trades`` table of records in today's wire form, or ``None`` if any record is not in it."""
    if not rows:
        return None
    schema = _trades_schema()
    try:
        columns = zip(*map(itemgetter(*schema.names), rows), strict=True)  # rows to columns, in C
        arrays = [_column(values, field.type) for values, field in zip(columns, schema, strict=True)]
    except (KeyError, TypeError):  # a field missing, or a record that is not a mapping
        return None
    if any(a is None for a in arrays):
        return None
    return pa.Table.from_arrays(arrays, schema=schema)


def _column(values: tuple[Any, ...], typ: pa.DataType) -> pa.Array | None:
    """One column by its on-disk type (the schema decides, so a new column needs no change here), or None."""
    kinds = set(map(type, values))
    if typ == pa.bool_():
        return pa.array(values, type=typ) if kinds == {bool} else None
    if kinds != {str} or "" in values:  # frames reads an empty string as missing
        return None
    text = pa.array(values, type=pa.string())
    try:
        # Casts are exact or they raise: a decimal that would lose digits, a time without a zone or finer
        # than a millisecond. Those rows take the general path (which says what it does).
        if pa.types.is_dictionary(typ):
            return text.dictionary_encode().cast(typ)
        return text if typ == pa.string() else text.cast(typ)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
