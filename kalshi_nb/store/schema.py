"""The store's datasets and their exact on-disk types: a typed frame in, an Arrow table out, and back.

Each dataset keeps the stored (non-derived) columns of its ``frames`` kind, in the same order and with
the same names, typed exactly:

- prices (``*_dollars``): ``decimal128(18, 4)``, i.e. integer ten-thousandths of a dollar with a scale;
- contract counts (``*_fp``): ``decimal128(18, 2)``, integer hundredths of a contract;
- times: ``timestamp[ms, tz=UTC]``; integers ``int64``; flags ``bool``;
- tickers and enum-like fields (statuses, sides, results): dictionary-encoded strings; other text strings;
  nested JSON as JSON text.

Derived columns (``mid_dollars``, ``time_to_close``, ...) are not stored; the pandas view recomputes them
with the ``frames`` rules, so ``store.df`` has exactly the columns and dtypes of the matching ``*_df``.
Floats appear only in that view: ``n / 10**scale`` is the correctly rounded float of the wire's decimal
string, the same value ``frames`` parses.

Example:
    >>> from kalshi_nb.frames import trades_frame
    >>> frame = trades_frame([{"trade_id": "t1", "ticker": "M", "count_fp": "3.00", "yes_price_dollars": "0.5600",
    ...                        "created_time": "2026-12-01T11:14:59.999Z"}])
    >>> table = to_arrow("trades", frame)
    >>> str(table.schema.field("yes_price_dollars").type), str(table.schema.field("created_time").type)
    ('decimal128(18, 4)', 'timestamp[ms, tz=UTC]')
    >>> from_arrow("trades", table).equals(frame)
    True
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..frames import columns as _columns
from ..frames import convert as _convert
from ..frames import kinds as _kinds
from ..frames import shaping as _shaping

if TYPE_CHECKING:
    from collections.abc import Sequence

log = logging.getLogger("kalshi_nb.store")

VERSION = "_version"  # ms of the sync that wrote a row of a mutable dataset; the newest version wins
PERIOD = "period_minutes"  # candles: the candle length, so several intervals can share one dataset


@dataclass(frozen=True)
class Dataset:
    """One stored dataset: its frames kind, natural key, partition time, and whether rows change."""

    name: str
    kind: str  # the frames kind whose columns it stores
    key: tuple[str, ...]  # the natural key: one row per key on read
    time: str  # the column whose UTC date names the partition
    mutable: bool  # rows may be re-synced in a newer version (markets, events)
    extra: tuple[tuple[str, pa.DataType, str], ...] = ()  # stored columns beyond the frame's


DATASETS: dict[str, Dataset] = {
    "markets": Dataset("markets", "markets", ("ticker",), "close_time", True),
    "events": Dataset("events", "events", ("event_ticker",), "last_updated_ts", True),
    "trades": Dataset("trades", "trades", ("trade_id",), "created_time", False),
    "candles": Dataset(
        "candles",
        "candles",
        ("ticker", PERIOD, "end_period_ts"),
        "end_period_ts",
        False,
        ((PERIOD, pa.int32(), "Candle length in minutes (1, 60 or 1440)."),),
    ),
    "settlements": Dataset("settlements", "settlements", ("ticker", "settled_time"), "settled_time", False),
}

# Tables compacted from live recordings (kalshi_nb.store.recordings): their own schemas, not a frames kind.
RECORDED: dict[str, Dataset] = {
    "book_snapshots": Dataset("book_snapshots", "", ("file", "line", "ticker"), "recv_ms", False),
    "book_deltas": Dataset("book_deltas", "", ("file", "line"), "recv_ms", False),
    "feed_trades": Dataset("feed_trades", "trades", ("trade_id",), "recv_ms", False),
}
DATASETS.update(RECORDED)
_VERSION_FIELD = (VERSION, pa.int64(), "Sync time (Unix ms) of this version of the row; the newest wins.")

_PRICE = pa.decimal128(18, 4)
_COUNT = pa.decimal128(18, 2)
_TIME = pa.timestamp("ms", tz="UTC")
_DICT = pa.dictionary(pa.int32(), pa.string())
_LEVELS = pa.list_(pa.struct([("price", _PRICE), ("size", _COUNT)]))
_RECV = (
    ("recv_ms", _TIME, "When the frame was received (the recording's clock), UTC."),
    ("file", _DICT, "Recording file the frame came from."),
    ("line", pa.int64(), "Line of the frame in that file; (recv_ms, file, line) orders the frames."),
)
RAW_SCHEMAS: dict[str, tuple[tuple[str, pa.DataType, str], ...]] = {
    "book_snapshots": (
        *_RECV,
        ("ticker", _DICT, "Market ticker."),
        ("sid", pa.int64(), "Subscription id."),
        ("seq", pa.int64(), "Sequence number of the frame on its subscription (null for a disconnect)."),
        ("valid", pa.bool_(), "False: the feed held this book as invalid from here (gap, disconnect, ...)."),
        ("clock", pa.int64(), "Exchange clock of the book, when sent."),
        ("yes", _LEVELS, "YES bids after the frame: price (USD, exact) and size (contracts, exact)."),
        ("no", _LEVELS, "NO bids after the frame, as the feed keeps them."),
    ),
    "book_deltas": (
        *_RECV,
        ("ticker", _DICT, "Market ticker."),
        ("sid", pa.int64(), "Subscription id."),
        ("seq", pa.int64(), "Sequence number on the subscription."),
        ("side", _DICT, "yes or no."),
        ("price", _PRICE, "Price level as sent (USD, exact)."),
        ("delta", _COUNT, "Signed size change (contracts, exact)."),
        ("clock", pa.int64(), "Exchange clock after the change, when sent."),
        ("use_yes_price", pa.bool_(), "The recording's use_yes_price (what a NO price means)."),
        ("applied", pa.bool_(), "Whether the feed applied it (False: duplicate, or its book was invalid)."),
    ),
}


def _dataset(name: str) -> Dataset:
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; the store keeps {', '.join(DATASETS)}")
    return DATASETS[name]


def _stored(kind: str) -> list[_kinds._Col]:
    return [c for c in _columns._SCHEMAS[kind] if not c.derived]


def _arrow_type(col: _kinds._Col) -> tuple[pa.DataType, str]:
    """The exact on-disk type of a frame column and its unit, as the schema table shows it."""
    kind = col.kind
    if kind == _kinds._CATEGORY:
        return _DICT, "one of: " + ", ".join(col.categories)
    if kind is _kinds._DOLLARS:
        return _PRICE, "USD, exact (integer ten-thousandths, scale 4)"
    if kind is _kinds._COUNT:
        return _COUNT, "contracts, exact (integer hundredths, scale 2)"
    if kind is _kinds._TIME:
        return _TIME, "UTC, milliseconds"
    if kind in (_kinds._INT, _kinds._CENTS):
        return pa.int64(), col.unit_text
    if kind is _kinds._BOOL:
        return pa.bool_(), ""
    if kind is _kinds._NUMBER:
        return pa.float64(), col.unit_text
    if kind is _kinds._JSON:
        return pa.string(), "JSON text"
    if col.name.endswith("ticker") or col.name in ("status", "category"):
        return _DICT, col.unit_text
    return pa.string(), col.unit_text


def arrow_schema(name: str) -> pa.Schema:
    """The Arrow schema of one dataset's files (partition columns ``date`` and ``series`` are in the path).

    Example:
        >>> arrow_schema("trades").field("count_fp").type
        Decimal128Type(decimal128(18, 2))
    """
    ds = _dataset(name)
    if name in RAW_SCHEMAS:
        return pa.schema([pa.field(n, t) for n, t, _ in RAW_SCHEMAS[name]])
    fields = [pa.field(c.name, _arrow_type(c)[0]) for c in _stored(ds.kind)] if ds.kind else []
    fields += [pa.field(n, t) for n, t, _ in ds.extra]
    if name == "feed_trades":
        fields = [pa.field(n, t) for n, t, _ in _RECV] + fields
    if ds.mutable:
        fields.append(pa.field(VERSION, pa.int64()))
    return pa.schema(fields)


def _type_text(typ: pa.DataType) -> str:
    return "dictionary<string>" if pa.types.is_dictionary(typ) else str(typ)


def schema(name: str) -> pd.DataFrame:
    """One dataset's documented columns: name, on-disk type, unit and description (like ``frames.describe``).

    Example:
        >>> schema("trades").set_index("column").loc["yes_price_dollars", "type"]
        'decimal128(18, 4)'
    """
    ds = _dataset(name)
    rows = []
    for n, t, doc in RAW_SCHEMAS.get(name, ()):
        rows.append({"column": n, "type": _type_text(t), "unit": "", "description": doc})
    for c in _stored(ds.kind) if ds.kind and name not in RAW_SCHEMAS else ():
        typ, unit = _arrow_type(c)
        rows.append({"column": c.name, "type": _type_text(typ), "unit": unit, "description": c.doc})
    if name == "feed_trades":
        rows = [
            {"column": n, "type": _type_text(t), "unit": "", "description": d} for n, t, d in _RECV
        ] + rows
    for n, t, doc in ds.extra + ((_VERSION_FIELD,) if ds.mutable else ()):
        rows.append({"column": n, "type": str(t), "unit": "", "description": doc})
    rows.append(
        {"column": "date", "type": "partition", "unit": "UTC", "description": f"UTC date of {ds.time}."}
    )
    rows.append({"column": "series", "type": "partition", "unit": "", "description": "Series ticker."})
    return pd.DataFrame(rows, columns=["column", "type", "unit", "description"]).astype(object)


# --------------------------------------------------------------------------------------------------
# frame -> Arrow


def _scaled(values: Any, scale: int, name: str) -> pa.Array:
    """Floats that came from decimal strings, as an exact decimal column (checked: nothing is rounded away)."""
    x = np.asarray(values, dtype=np.float64) * 10**scale
    missing = np.isnan(x)
    n = np.rint(np.where(missing, 0, x))
    if np.any(np.abs(np.where(missing, 0, x) - n) > 1e-6 * np.maximum(1.0, np.abs(n))):
        raise ValueError(f"{name} has more than {scale} decimals; the store keeps exactly {scale}")
    ints = n.astype(np.int64)
    limbs = np.empty(2 * len(ints), dtype=np.int64)
    limbs[0::2], limbs[1::2] = ints, ints >> 63  # little-endian 128-bit two's complement
    validity = pa.array(~missing).buffers()[1] if missing.any() else None
    typ = pa.decimal128(18, scale)
    return pa.Array.from_buffers(
        typ, len(ints), [validity, pa.py_buffer(limbs)], null_count=int(missing.sum())
    )


def _time(series: pd.Series, name: str) -> pa.Array:
    ns = pd.DatetimeIndex(series).as_unit("ns").asi8
    valid = ~pd.isna(series).to_numpy()
    if np.any(ns[valid] % 1_000_000):
        log.warning("%s has sub-millisecond times; the store keeps milliseconds", name)
    ms = np.where(valid, ns // 1_000_000, 0)
    return pa.array(ms, type=pa.int64(), mask=~valid).cast(_TIME)


def _text(series: pd.Series) -> pa.Array:
    values = series.to_numpy(dtype=object)
    try:  # the common case, in C: strings, with NaN/None as missing
        return pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # something else in a text column: kept only if text
        return pa.array([v if isinstance(v, str) else None for v in values], type=pa.string())


def _column(col: _kinds._Col, series: pd.Series) -> pa.Array:
    typ, _ = _arrow_type(col)
    if typ == _PRICE:
        return _scaled(series, 4, col.name)
    if typ == _COUNT:
        return _scaled(series, 2, col.name)
    if typ == _TIME:
        return _time(series, col.name)
    if col.kind == _kinds._JSON:
        values = series.to_numpy(dtype=object)
        return pa.array([None if _absent(v) else json.dumps(v) for v in values], type=pa.string())
    if typ == _DICT:
        if col.kind == _kinds._CATEGORY:
            return pa.array(series, from_pandas=True)  # a Categorical: its codes and categories, in C
        return _text(series).dictionary_encode()
    if typ == pa.string():
        return _text(series)
    return pa.array(series, type=typ, from_pandas=True)


def _absent(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def to_arrow(name: str, frame: pd.DataFrame, **extra: Any) -> pa.Table:
    """A typed frame (``frames.<kind>_frame``) as the dataset's exact Arrow table; fields ``frames`` does not
    know yet (extra columns) are not stored. ``extra`` gives the dataset's own columns (``_version``, ...)."""
    ds = _dataset(name)
    target = arrow_schema(name)
    arrays = []
    for col in _stored(ds.kind):
        arrays.append(_column(col, frame[col.name]).cast(target.field(col.name).type))
    for field in target:
        if field.name in extra:
            arrays.append(pa.array(np.full(len(frame), extra[field.name]), type=field.type))
    return pa.Table.from_arrays(arrays, schema=target)


# --------------------------------------------------------------------------------------------------
# Arrow -> frame


def _unscaled(arr: pa.Array) -> np.ndarray:
    """The integer (unscaled) values of a decimal128 column; exact, unlike a cast to float."""
    limbs = np.frombuffer(arr.buffers()[1], dtype=np.int64, count=2 * (arr.offset + len(arr)))
    return limbs[2 * arr.offset :: 2]


def _pandas(col: _kinds._Col, arr: pa.Array) -> Any:
    typ = arr.type
    if pa.types.is_decimal(typ):
        values = _unscaled(arr) / 10**typ.scale
        return np.where(arr.is_null().to_numpy(zero_copy_only=False), np.nan, values)
    if pa.types.is_timestamp(typ):
        return pd.DatetimeIndex(arr.to_pandas()).as_unit("ns").tz_convert("UTC").array
    if col.kind == _kinds._CATEGORY:
        if not pa.types.is_dictionary(typ):
            arr = arr.dictionary_encode()
        words = arr.dictionary.to_pylist()
        known = list(col.categories)
        categories = known + sorted({w for w in words if w is not None and w not in known})
        where = {w: i for i, w in enumerate(categories)}
        mapping = np.array([where.get(w, -1) for w in words] or [-1], dtype=np.int64)
        codes = arr.indices.to_numpy(zero_copy_only=False)
        codes = np.where(
            arr.is_null().to_numpy(zero_copy_only=False), -1, mapping[np.nan_to_num(codes).astype(np.int64)]
        )
        return pd.Categorical.from_codes(codes, categories=categories)
    if pa.types.is_dictionary(typ):  # text, looked up per distinct value (tickers: a few thousand)
        words = _convert._objects(
            [np.nan if w is None else w for w in arr.dictionary.to_pylist()] or [np.nan]
        )
        codes = arr.indices.to_numpy(zero_copy_only=False)
        out = words[np.nan_to_num(codes).astype(np.int64)]
        return np.where(arr.is_null().to_numpy(zero_copy_only=False), np.nan, out).astype(object)
    if col.kind == _kinds._JSON:
        return _convert._objects([np.nan if v is None else json.loads(v) for v in arr.to_pylist()])
    if pa.types.is_string(arr.type):
        values = arr.to_numpy(zero_copy_only=False)
        if arr.null_count:
            values = np.where(arr.is_null().to_numpy(zero_copy_only=False), np.nan, values).astype(object)
        return values
    if col.kind in (_kinds._INT, _kinds._CENTS):
        return pd.array(arr.to_pylist() if arr.null_count else arr.to_numpy(), dtype="Int64")
    if col.kind is _kinds._BOOL:
        return pd.array(arr.to_pylist(), dtype="boolean")
    return arr.to_numpy(zero_copy_only=False)


def from_arrow(name: str, table: pa.Table, *, now: Any = None) -> pd.DataFrame:
    """The dataset's rows as the frame ``frames.<kind>_frame`` builds from the same records (derived
    columns recomputed by the same rules; ``now`` fixes ``time_to_close`` of markets)."""
    ds = _dataset(name)
    table = table.combine_chunks()
    columns: dict[str, Any] = {}
    for col in _stored(ds.kind):
        columns[col.name] = _pandas(col, table.column(col.name).combine_chunks())
    shaped = _convert._Shaped(table.num_rows, columns, {})
    schema_ = _columns._SCHEMAS[ds.kind]
    if ds.kind == "markets":
        _shaping._add_market_derived(shaped, now)
    elif ds.kind == "candles":
        columns["mid_close_dollars"], columns["spread_close_dollars"] = _convert._quote_mid_spread(
            columns["yes_bid_close_dollars"], columns["yes_ask_close_dollars"]
        )
    elif ds.kind == "settlements":
        for cents in ("revenue", "value"):
            columns[f"{cents}_dollars"] = pd.array(columns[cents]).to_numpy(np.float64, na_value=np.nan) / 100
    return _convert._assemble(shaped, schema_)


def empty_table(name: str) -> pa.Table:
    """A table with the dataset's schema and no rows."""
    return arrow_schema(name).empty_table()


def key_columns(name: str) -> Sequence[str]:
    """The natural key of a dataset's rows."""
    return _dataset(name).key


def sort_table(table: pa.Table, order: Sequence[tuple[str, str]]) -> pa.Table:
    """``table.sort_by(order)``, also over dictionary columns (sorted by their text)."""
    import pyarrow.compute as pc

    if table.num_rows == 0:
        return table
    keys = {}
    for name, _ in order:
        col = table.column(name)
        keys[name] = col.cast(pa.string()) if pa.types.is_dictionary(col.type) else col
    return table.take(pc.sort_indices(pa.table(keys), sort_keys=list(order)))
