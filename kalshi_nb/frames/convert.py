"""The conversion engine: JSON records in, typed columns out, for any column table.

Converters take one object ndarray and return one typed array (fast path first; the slow path only runs
when the fast one meets odd data, and it logs what it could not parse instead of raising). ``_shape`` reads
the fields of every record at once and converts each fixed column (with its legacy spellings); ``_assemble``
builds the frame with the fixed columns first and the unknown fields after them.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .columns import _SCHEMAS
from .kinds import (
    _BOOL,
    _CATEGORY,
    _CENTS,
    _COUNT,
    _DOLLARS,
    _DURATION,
    _INT,
    _NUMBER,
    _TIME,
    KIND_ATTR,
    Now,
    Record,
    _Col,
)

logger = logging.getLogger("kalshi_nb.frames")  # one logger for the whole package, as documented


def _frame_block(records: list[Record], names: list[str]) -> np.ndarray:
    """The named fields of every record through pandas' public constructor (NaN where a field is absent).

    With ``dtype=object`` pandas only extracts (its row-wise C loop) and skips its per-column type
    inference: measured on 200,000 markets, 1.0 s against 2.2 s for ``pd.DataFrame(records)`` and 2.7 s
    for a column-by-column ``dict.get`` pass (which walks every record once per field, out of cache).
    The column labels go in as an object Index: pandas 3 would make them a string Index, whose lookups
    made a page of 1,000 markets 2.2 ms instead of 0.9 ms.
    """
    return pd.DataFrame(records, columns=pd.Index(names, dtype=object), dtype=object).to_numpy()


def _plain_block(records: list[Record], names: list[str]) -> np.ndarray:
    """:func:`_frame_block` in plain Python: one ``dict.get`` per field, row by row (the reference the tests
    compare with, and the faster one on a small page: 50 markets in 0.08 ms against 0.27 ms)."""
    nan = math.nan
    flat = [record.get(name, nan) for record in records for name in names]
    return np.fromiter(flat, dtype=object, count=len(flat)).reshape(len(records), len(names))


_dicts_to_array: Any = _frame_block
"""The extraction :func:`_field_block` uses above ``_PLAIN_BLOCK_MAX_ROWS``; None selects the plain-Python
one at every size (tests compare the two)."""

# Up to this many records, :func:`_plain_block` extracts faster than pandas (measured: even at 150 markets).
_PLAIN_BLOCK_MAX_ROWS = 150


def _objects(values: Sequence[Any]) -> np.ndarray:
    """A 1-D object array of the values, even when they are lists (np.array would add a dimension)."""
    return np.fromiter(values, dtype=object, count=len(values))


class _FloatCache(dict[Any, float]):
    """Memoised float(): prices sit on a cent grid, so most columns hold a few hundred distinct strings."""

    def __missing__(self, key: Any) -> float:
        value = math.nan if key is None or key == "" else float(key)
        self[key] = value
        return value


def _is_missing(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def _log_lost(name: str, values: np.ndarray, lost: np.ndarray, what: str) -> None:
    if lost.any():
        examples = list(dict.fromkeys(map(repr, values[lost][:50])))[:3]
        logger.warning(
            "%s: %d value(s) are not %s and became missing, e.g. %s", name, int(lost.sum()), what, examples
        )


class _Codes(dict[Any, int]):
    """value -> first-seen position; the dict behind :func:`_factorize`."""

    def __missing__(self, key: Any) -> int:
        code = self[key] = len(self)
        return code


def _factorize(values: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """``(codes, uniques)`` with ``uniques[codes] == values``; missing values get codes of their own.

    On the low-cardinality columns of these payloads a dict lookup per value beats pd.factorize's hash
    table, which matters at 200,000 rows. Unhashable values (lists) are keyed by their text.
    """
    table = _Codes()
    try:
        codes = np.fromiter(map(table.__getitem__, values), np.intp, len(values))
    except TypeError:
        table = _Codes()
        codes = np.fromiter(map(table.__getitem__, map(_hashable, values)), np.intp, len(values))
    return codes, list(table)


def _hashable(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        return str(value)
    return value


def _repetitive(values: np.ndarray) -> bool:
    """Whether a column repeats a few values (judged on its first 1,024): then parse each distinct value once."""
    sample = values[:1024]
    try:
        return len(set(sample)) * 4 <= len(sample)
    except TypeError:  # unhashable values (lists, dicts)
        return False


def _to_float(name: str, values: np.ndarray) -> np.ndarray:
    n = len(values)
    try:
        if _repetitive(values):
            # Prices sit on a cent grid and many counts are "0.00": each distinct string is parsed once.
            return np.fromiter(map(_FloatCache().__getitem__, values), np.float64, n)
        try:
            return np.fromiter(map(float, values), np.float64, n)
        except TypeError:  # None among the values: the cache maps it to NaN
            return np.fromiter(map(_FloatCache().__getitem__, values), np.float64, n)
    except (TypeError, ValueError):
        pass
    parsed = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(np.float64)
    lost = np.isnan(parsed) & ~np.fromiter(map(_is_missing, values), bool, n)
    _log_lost(name, values, lost, "numbers")
    return parsed


def _plain(values: np.ndarray) -> np.ndarray | None:
    """The values as a plain numpy array when numpy can infer one (all ints, or all bools), else None."""
    try:
        plain = np.array(values.tolist())
    except (ValueError, TypeError, OverflowError):  # ragged lists, huge ints
        return None
    return plain if plain.ndim == 1 else None


def _to_int(name: str, values: np.ndarray) -> Any:
    plain = _plain(values)
    if (
        plain is not None and plain.dtype.kind in "iu"
    ):  # no missing values: skip pandas' slower masked parsing
        return pd.arrays.IntegerArray(plain.astype(np.int64), np.zeros(len(plain), dtype=bool))
    try:
        return pd.array(values, dtype=_INT.dtype)
    except (TypeError, ValueError, OverflowError):
        floats = _to_float(name, values)
        whole = np.isfinite(floats) & (floats == np.round(floats)) & (np.abs(floats) < 2.0**63)
        _log_lost(name, values, ~whole & ~np.isnan(floats), "integers")
        return pd.array(np.where(whole, floats, np.nan), dtype=_INT.dtype)


_BOOL_TEXT = {"true": True, "false": False, "True": True, "False": False}


def _to_bool(name: str, values: np.ndarray) -> Any:
    plain = _plain(values)
    if plain is not None and plain.dtype == np.bool_:
        return pd.arrays.BooleanArray(plain, np.zeros(len(plain), dtype=bool))
    try:
        return pd.array(values, dtype=_BOOL.dtype)
    except (TypeError, ValueError, OverflowError):
        mapped = [
            v if isinstance(v, bool) else _BOOL_TEXT.get(v) if isinstance(v, str) else None for v in values
        ]
        lost = np.fromiter(
            (m is None and not _is_missing(v) for m, v in zip(mapped, values, strict=True)), bool, len(values)
        )
        _log_lost(name, values, lost, "booleans")
        return pd.array(mapped, dtype=_BOOL.dtype)


def _as_utc_ns(parsed: Any) -> Any:
    return pd.DatetimeIndex(parsed).astype(_TIME.dtype).array


def _to_time(name: str, values: np.ndarray) -> Any:
    """ISO-8601 strings (with ``Z``, an offset, or naive = UTC) and Unix seconds, to UTC ``datetime64[ns]``."""
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    try:
        if inferred == "empty":
            return pd.array(np.full(len(values), np.datetime64("NaT", "ns")), dtype=_TIME.dtype)
        if inferred == "string":
            return _as_utc_ns(pd.to_datetime(values, utc=True, format="ISO8601", cache=False))
        if inferred in ("integer", "floating", "mixed-integer-float"):
            seconds = pd.to_numeric(pd.Series(values, dtype=object))
            return _as_utc_ns(pd.to_datetime(seconds, unit="s", utc=True))
        if inferred in ("datetime", "datetime64"):
            return _as_utc_ns(pd.to_datetime(values, utc=True))
    except (ValueError, TypeError, OverflowError):
        pass
    return _to_time_slow(name, values)


def _to_time_slow(name: str, values: np.ndarray) -> Any:
    out: list[Any] = []
    lost = np.zeros(len(values), bool)
    for i, value in enumerate(values):
        if _is_missing(value):
            out.append(pd.NaT)
            continue
        try:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                stamp = pd.Timestamp(value, unit="s", tz="UTC")
            elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
                stamp = pd.Timestamp(int(value), unit="s", tz="UTC")
            else:
                stamp = pd.Timestamp(value)
                stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
            out.append(stamp.as_unit("ns"))
        except (ValueError, TypeError, OverflowError):
            out.append(pd.NaT)
            lost[i] = True
    _log_lost(name, values, lost, "times")
    return pd.array(out, dtype=_TIME.dtype) if out else pd.array([], dtype=_TIME.dtype)


_SMALL_PAGE_MAX_ROWS = 5000
"""A page up to this many rows is small: pandas' fixed cost per call matters there, so its UTC time columns
are parsed in one call (:func:`_to_times`) and its absent columns copied from a template (:func:`_missing`)."""


def _to_times(columns: Sequence[tuple[str, np.ndarray]]) -> list[Any]:
    """:func:`_to_time` of several columns; on a small page, the UTC ("Z") ones parsed in one call.

    A frame has half a dozen time columns of the same length, and pandas' parser has a fixed cost per call
    that was most of a small page's time columns (0.75 ms of 50 rows' eight, against 0.13 ms as one call).
    One call over the columns end to end gives each column what its own call gives only when every value
    is UTC text as Kalshi sends it: pandas 2 reads a naive time differently when an offset appears in the
    same call (the property test caught it on Python 3.10). Any other column, a large page (where the
    fixed cost does not matter) or a batch that fails takes :func:`_to_time` alone.
    """
    out: list[Any] = [None] * len(columns)
    text = [
        i
        for i, (_, values) in enumerate(columns)
        if len(values) <= _SMALL_PAGE_MAX_ROWS
        and pd.api.types.infer_dtype(values, skipna=True) == "string"
        and all(v[-1:] == "Z" for v in values if isinstance(v, str))
    ]
    if len(text) > 1:
        n = len(columns[text[0]][1])
        try:
            joined = np.concatenate([columns[i][1] for i in text])
            parsed = _as_utc_ns(pd.to_datetime(joined, utc=True, format="ISO8601", cache=False))
        except (ValueError, TypeError, OverflowError):
            pass
        else:
            for k, i in enumerate(text):
                # each column its own buffer, so that dropping one frees its memory
                out[i] = parsed[k * n : (k + 1) * n].copy()
    return [
        _to_time(name, values) if done is None else done
        for (name, values), done in zip(columns, out, strict=True)
    ]


def _to_duration(name: str, values: np.ndarray) -> Any:
    """Timedeltas (only for a payload field that happens to share a derived duration column's name)."""
    out = []
    for value in values:
        try:
            out.append(pd.NaT if _is_missing(value) else pd.Timedelta(value))
        except (ValueError, TypeError, OverflowError):
            out.append(pd.NaT)
    lost = np.fromiter(
        (o is pd.NaT and not _is_missing(v) for o, v in zip(out, values, strict=True)), bool, len(out)
    )
    _log_lost(name, values, lost, "durations")
    return pd.Series(out, dtype=_DURATION.dtype).array


def _category_key(value: Any) -> str:
    return str(value)


def _to_category(name: str, values: np.ndarray, dtype: pd.CategoricalDtype) -> pd.Categorical:
    codes, uniques = _factorize(values)
    return _categorical(name, codes, uniques, dtype)


def _categorical(
    name: str, codes: np.ndarray, uniques: Sequence[Any], dtype: pd.CategoricalDtype
) -> pd.Categorical:
    """A categorical from ``uniques[codes]``: known categories first, new values appended (sorted) and logged."""
    known = {category: i for i, category in enumerate(dtype.categories)}
    new = sorted((u for u in uniques if u not in known and not _is_missing(u)), key=_category_key)
    if new:
        logger.warning("%s: new value(s) %s appended to the known categories", name, new[:5])
        dtype = pd.CategoricalDtype([*dtype.categories, *new], ordered=False)
        known = {category: i for i, category in enumerate(dtype.categories)}
    lookup = np.array([-1 if _is_missing(u) else known.get(u, -1) for u in uniques], dtype=np.int64)
    return pd.Categorical.from_codes(lookup[codes] if len(codes) else codes, dtype=dtype)


_DTYPES: dict[_Col, Any] = {}


def _dtype(col: _Col) -> Any:
    """``col.dtype``, built once per column: a CategoricalDtype takes ~0.1 ms to validate its categories,
    which summed over a frame's columns was most of the cost of shaping one small page."""
    dtype = _DTYPES.get(col)
    if dtype is None:
        dtype = _DTYPES[col] = col.dtype
    return dtype


def _convert(col: _Col, values: np.ndarray) -> Any:
    kind = col.kind
    if kind == _CATEGORY:
        return _to_category(col.name, values, _dtype(col))
    if kind in (_DOLLARS, _COUNT, _NUMBER):
        return _to_float(col.name, values)
    if kind is _TIME:
        return _to_time(col.name, values)
    if kind in (_INT, _CENTS):
        return _to_int(col.name, values)
    if kind is _BOOL:
        return _to_bool(col.name, values)
    if kind is _DURATION:
        return _to_duration(col.name, values)
    # Text and JSON stay as they come; the copy lets the intermediate block be freed.
    return np.array(values, dtype=object, copy=True)


def _missing(col: _Col, n: int) -> Any:
    """An all-missing array of ``col``'s dtype and length ``n``.

    On a small page it is a copy of one made once per dtype and length: a market page lacks 13 of its 59
    columns, and a pandas constructor for each (about 20 us) was a tenth of shaping 50 markets.
    """
    dtype = _dtype(col)
    if n > _SMALL_PAGE_MAX_ROWS:  # a large page: the constructor's fixed cost does not matter
        return _all_missing(dtype, n)
    return _all_missing_template(dtype, n).copy()


def _all_missing(dtype: Any, n: int) -> Any:
    return (
        pd.Series(index=pd.RangeIndex(n), dtype=dtype).array
        if dtype != object
        else np.full(n, np.nan, object)
    )


@functools.lru_cache(maxsize=64)  # a few dtypes times a few page lengths; at most ~2.5 MB
def _all_missing_template(dtype: Any, n: int) -> Any:
    return _all_missing(dtype, n)


def _infer_extra(name: str, values: np.ndarray) -> pd.Series:
    """An unknown field: typed by its name's suffix when every value parses, else as pandas infers it."""
    if name.endswith(("_dollars", "_fp")):
        try:
            return pd.Series(np.fromiter(map(_FloatCache().__getitem__, values), np.float64, len(values)))
        except (TypeError, ValueError):
            pass
    elif (
        name.endswith(("_time", "_ts", "_datetime"))
        and pd.api.types.infer_dtype(values, skipna=True) == "string"
    ):
        try:
            return pd.Series(_as_utc_ns(pd.to_datetime(values, utc=True, format="ISO8601", cache=False)))
        except (ValueError, TypeError, OverflowError):
            pass
    return pd.Series(list(values)).infer_objects() if len(values) else pd.Series([], dtype=object)


def _as_list(records: Iterable[Record]) -> list[Record]:
    return records if isinstance(records, list) else list(records)


@dataclass
class _Shaped:
    """Converted fixed columns plus the raw extras, before derived columns are added."""

    n: int
    columns: dict[str, Any]
    extras: dict[str, pd.Series]
    # Payload fields named like a derived column: parsed, they win over the derived values where present.
    overrides: dict[str, Any] = dataclasses.field(default_factory=dict)


def _field_block(records: list[Record], names: list[str]) -> np.ndarray:
    """The named fields of every record as one (records x names) object array; NaN where a field is absent."""
    if _dicts_to_array is not None and len(records) > _PLAIN_BLOCK_MAX_ROWS:
        return np.asarray(_dicts_to_array(records, names), dtype=object)
    return _plain_block(records, names)


def _shape(records: list[Record], schema: Sequence[_Col], *, exclude: Iterable[str] = ()) -> _Shaped:
    n = len(records)
    # The union of keys tells which fields are absent everywhere (nothing to read) and which are unknown.
    names = sorted(set().union(*records) - set(exclude)) if n else []
    block = _field_block(records, names) if names else np.empty((0, 0), dtype=object)
    position = {name: j for j, name in enumerate(names)}

    def column(name: str) -> np.ndarray:
        return block[:, position[name]]

    return _shape_columns(n, names, column, schema)


def _shape_columns(
    n: int,
    names: Sequence[str],
    column: Callable[[str], np.ndarray],
    schema: Sequence[_Col],
    typed: Callable[[_Col], Any] | None = None,
) -> _Shaped:
    """The fixed columns, legacy spellings and extras of ``n`` rows whose fields are ``names`` (sorted).

    ``column(name)`` gives one field's values as the object array the records hold (NaN where a record
    lacks the field). ``typed(col)``, when given, may convert a fixed column straight from a typed source
    (kalshi_nb.frames.arrow) and returns None where it cannot; the object values are converted then. Both
    paths of a column must give the same result: the decoding paths differ only in speed.
    """
    keys = set(names)
    fixed = {c.name for c in schema}
    legacy = {name for c in schema for name, _ in c.legacy}
    columns: dict[str, Any] = {}
    overrides: dict[str, Any] = {}
    times: dict[str, Any] = {}
    if typed is None:
        present = [c.name for c in schema if c.kind is _TIME and not c.derived and c.name in keys]
        times = dict(zip(present, _to_times([(name, column(name)) for name in present]), strict=True))
    for col in schema:
        if col.derived:
            if col.name in keys:
                overrides[col.name] = _convert(col, column(col.name))
            continue
        values = None
        if col.name in keys:
            values = typed(col) if typed is not None else times.get(col.name)
            if values is None:
                values = _convert(col, column(col.name))
        for old, divisor in col.legacy:
            if old not in keys:
                continue
            fallback = _to_float(old, column(old))
            if divisor != 1:
                fallback = fallback / divisor  # integer cents / 100 is correctly rounded, cents * 0.01 is not
            values = fallback if values is None else np.where(np.isnan(values), fallback, values)
        columns[col.name] = values
    extras = {
        name: _infer_extra(name, column(name)) for name in names if name not in fixed and name not in legacy
    }
    return _Shaped(n, columns, extras, overrides)


def _assemble(shaped: _Shaped, schema: Sequence[_Col]) -> pd.DataFrame:
    index = pd.RangeIndex(shaped.n)
    data: dict[str, pd.Series] = {}
    for col in schema:
        values = shaped.columns.get(col.name)
        override = shaped.overrides.get(col.name)
        if override is not None:
            values = override if values is None else pd.Series(override).fillna(pd.Series(values)).array
        if values is None:
            data[col.name] = _missing(col, shaped.n)
        elif col.kind == _CATEGORY:
            # A categorical keeps its own dtype: it may carry categories appended for values Kalshi added.
            data[col.name] = values if isinstance(values, pd.Categorical) else pd.Series(values, index=index)
        else:
            dtype = _dtype(col)
            # A typed array of the column's dtype goes in as it is (a Series around each one was a third of a
            # small page's time); object arrays keep a Series with dtype=object, or pandas would infer "str".
            typed_ok = dtype != object and getattr(values, "dtype", None) == dtype
            data[col.name] = values if typed_ok else pd.Series(values, index=index, dtype=dtype, copy=False)
    for name, series in shaped.extras.items():
        data[name] = series.set_axis(index)
    frame = pd.DataFrame(data, index=index, copy=False) if data else pd.DataFrame(index=index)
    kind = next((k for k, s in _SCHEMAS.items() if s is schema), None)
    if kind is not None:
        frame.attrs[KIND_ATTR] = kind
    return frame


def _quote_mid_spread(bid: np.ndarray, ask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mid and spread where both YES sides are quoted; rounded to 1e-8 to drop float noise (0.41-0.40)."""
    bid = np.asarray(bid, dtype=np.float64)
    ask = np.asarray(ask, dtype=np.float64)
    quoted = (bid > 0) & (bid < 1) & (ask > 0) & (ask < 1)
    mid = np.where(quoted, np.round((bid + ask) / 2, 8), np.nan)
    spread = np.where(quoted, np.round(ask - bid, 8), np.nan)
    return mid, spread


def _utc_now(now: Now) -> pd.Timestamp:
    if now is None:
        return pd.Timestamp.now(tz="UTC")
    stamp = pd.Timestamp(now)
    # A naive `now` is taken as UTC, the same rule as for naive ISO strings in the payloads.
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _column_or_missing(shaped: _Shaped, col: _Col) -> Any:
    values = shaped.columns.get(col.name)
    return _missing(col, shaped.n) if values is None else values


def _object(values: Any, n: int) -> np.ndarray:
    return np.full(n, np.nan, dtype=object) if values is None else np.asarray(values, dtype=object)


def _fill_missing(shaped: _Shaped, schema: Sequence[_Col], name: str, fallback: np.ndarray) -> None:
    """Fill the gaps of one text/categorical column from values derived from older fields."""
    current = _object(shaped.columns.get(name), shaped.n)
    gaps = pd.isna(current)
    if not gaps.any():
        return
    merged = np.where(gaps, fallback, current)
    col = next(c for c in schema if c.name == name)
    shaped.columns[name] = _to_category(name, merged, _dtype(col)) if col.kind == _CATEGORY else merged


def _typed(columns: dict[str, Any], schema: Sequence[_Col]) -> dict[str, Any]:
    """Categorical columns built by hand go through the same category rules as parsed ones."""
    kinds = {c.name: c for c in schema}
    return {
        name: _to_category(name, values, _dtype(kinds[name])) if kinds[name].kind == _CATEGORY else values
        for name, values in columns.items()
    }
