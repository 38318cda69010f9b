"""List pages decoded by pyarrow's JSON reader, shaped into the same frames as the records path.

Used by the paging engine when pyarrow is installed (the ``store`` extra): each page's bytes become a
:class:`ArrowPage` in the thread that fetched it (the reader works outside the GIL), and the pages of a pull
become one frame through the same column table and the same finishing step as the records path
(``frames.shaping._FROM_SHAPED``). Numeric, boolean, time and categorical columns are converted in Arrow;
text and nested JSON become the same Python objects ``json.loads`` gives.

Exactness comes first. Arrow cannot tell an absent field from ``null`` (the records path shows the first as
NaN and the second as None), so a page with the word ``null`` anywhere is left to the records path; so is a
page Arrow cannot read, and any column whose original text Arrow's type inference has replaced (a string it
read as a timestamp, in a text column). Every such case gives the same frame through the records path, only
slower: :func:`decode_page` returns None for a page, :func:`shaped_frame` None for a pull.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from .convert import _categorical, _dtype, _objects, _shape_columns
from .kinds import _BOOL, _CATEGORY, _CENTS, _COUNT, _DOLLARS, _INT, _NUMBER, _TEXT, _TIME, _Col
from .shaping import _FROM_SHAPED

_FLOATS = (_DOLLARS, _COUNT, _NUMBER)


class ArrowPage:
    """One page's rows as an Arrow table, and the bytes they were read from (for the records path)."""

    __slots__ = ("raw", "table")

    def __init__(self, table: pa.Table, raw: bytes) -> None:
        self.table, self.raw = table, raw

    def __len__(self) -> int:
        return self.table.num_rows

    def __repr__(self) -> str:
        return f"<ArrowPage of {self.table.num_rows} rows>"


class _NotFaithful(Exception):
    """A column Arrow cannot give back exactly as the records hold it: the pull takes the records path."""


def page_decoder(shape: Callable[..., pd.DataFrame]) -> Callable[[bytes, str], dict[str, Any] | None]:
    """:func:`decode_page` for the pages ``shape`` reads: its text and time fields are read as text.

    Left to inference, Arrow reads ISO-8601 text as timestamps where every value of the page parses, so the
    same field could come as a timestamp on one page and as text on the next, and the pages would not
    concatenate. Fields of other kinds are inferred (numbers as numbers, prices as text).

    Example:
        >>> from kalshi_nb.frames import markets_frame
        >>> decode = page_decoder(markets_frame)
        >>> decode(b'{"markets": [{"ticker": "A", "close_time": "2026-09-07T02:45:00Z"}]}', "markets")["markets"].table.schema.field("close_time").type
        DataType(string)
    """
    schema, _ = _FROM_SHAPED[shape]
    text = [c.name for c in schema if not c.derived and c.kind in (_TEXT, _TIME, _CATEGORY)]
    explicit: dict[str, tuple[list[str], pa.Schema]] = {}

    def fixed(key: str, names: list[str]) -> tuple[list[str], pa.Schema]:
        fields = pa.struct([pa.field(name, pa.string()) for name in names])
        explicit[key] = names, pa.schema([pa.field(key, pa.list_(fields))])
        return explicit[key]

    def decode(content: bytes, key: str) -> dict[str, Any] | None:
        names, as_text = explicit.get(key) or fixed(key, text)
        page = decode_page(content, key, as_text)
        if page is not None or b"null" in content:
            return page
        # A time field sent as Unix seconds (fills' ``ts``) is not text: learn which from this page's own
        # types, and read it as a number from now on. (A page where it was text will not concatenate with
        # this one, and the pull takes the records path.)
        inferred = decode_page(content, key)
        if inferred is None:
            return None
        types = inferred[key].table.schema
        numbers = {f.name for f in types if not (pa.types.is_string(f.type) or pa.types.is_timestamp(f.type))}
        if not numbers & set(names):
            return None
        return decode_page(content, key, fixed(key, [n for n in names if n not in numbers])[1])

    return decode


def decode_page(content: bytes, key: str, schema: pa.Schema | None = None) -> dict[str, Any] | None:
    """A list page's body as ``{key: ArrowPage, "cursor": ...}``; None where Arrow cannot read it exactly.

    ``schema`` fixes the types of some fields (see :func:`page_decoder`); the others are inferred.

    Example:
        >>> page = decode_page(b'{"markets": [{"ticker": "A"}, {"ticker": "B"}], "cursor": "c2"}', "markets")
        >>> len(page["markets"]), page["cursor"]
        (2, 'c2')
        >>> decode_page(b'{"markets": [{"ticker": null}], "cursor": ""}', "markets") is None
        True
    """
    if b"null" in content:  # absent and null differ in the records path; Arrow reads both as null
        return None
    try:
        parse = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="infer") if schema else None
        top = pj.read_json(io.BytesIO(content), pj.ReadOptions(block_size=len(content) + 1), parse)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None  # not one JSON object on one line, an integer beyond 64 bits, ...
    if top.num_rows != 1 or key not in top.column_names:
        return None
    rows = top.column(key)
    if not (pa.types.is_list(rows.type) and pa.types.is_struct(rows.type.value_type)):
        return None  # an empty list (list<null>), or rows that are not objects
    cursor = top.column("cursor")[0].as_py() if "cursor" in top.column_names else None
    if cursor is not None and not isinstance(cursor, str):
        return None  # a cursor Arrow read as a number or a time: its text is what the next call needs
    items = rows.combine_chunks().flatten()
    if _beyond_int64(items):
        return None
    table = pa.Table.from_struct_array(items)
    if schema is not None:  # the fields a page lacks are not columns, as with inference
        absent = [i for i, name in enumerate(table.column_names) if table.column(i).null_count == len(table)]
        table = table.drop_columns([table.column_names[i] for i in absent]) if absent else table
    return {key: ArrowPage(table, content), "cursor": cursor}


def shaped_frame(
    pages: Sequence[ArrowPage], shape: Callable[..., pd.DataFrame], unique: str | None
) -> pd.DataFrame | None:
    """The frame ``shape`` makes of the pages' rows, or None when only the records path can make it exactly.

    ``unique`` names the field that identifies a row: when a row repeats (pages that overlapped while the
    pull ran, a market both live and historical) the records path decides which version stays, so None.

    Example:
        >>> from kalshi_nb.frames import trades_frame
        >>> page = decode_page(b'{"trades": [{"trade_id": "t1", "count_fp": "2.00", "taker_side": "yes"}]}', "trades")
        >>> df = shaped_frame([page["trades"]], trades_frame, "trade_id")
        >>> float(df.loc[0, "count_fp"]), df.loc[0, "taker_outcome_side"]
        (2.0, 'yes')
    """
    if shape not in _FROM_SHAPED or not pages:
        return None
    schema, finish = _FROM_SHAPED[shape]
    try:
        table = pa.concat_tables([p.table for p in pages], promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None  # a field typed differently on two pages
    if unique is not None and _repeats(table, unique):
        return None
    try:
        return finish(_shape_table(table, schema))
    except _NotFaithful:
        return None


def _nodes(array: pa.Array) -> Iterator[pa.Array]:
    """``array`` and every array nested in it (struct fields, list items), at any depth."""
    yield array
    if isinstance(array, pa.StructArray):
        for i in range(array.type.num_fields):
            yield from _nodes(array.field(i))
    elif isinstance(array, pa.ListArray | pa.LargeListArray):
        yield from _nodes(array.flatten())


def _beyond_int64(array: pa.Array) -> bool:
    """Whether a number Arrow read as a double is beyond 64 bits: json reads such an integer exactly."""
    return any(
        pa.types.is_floating(a.type) and (pc.max(pc.abs(a)).as_py() or 0) >= 2.0**63 for a in _nodes(array)
    )


def _whole_floats(array: pa.Array) -> bool:
    """Whether a double Arrow read is a whole number somewhere: json gives ``1`` as an int and ``1.0`` as a
    float, and as Python objects (in text, JSON and unknown fields) the two differ (a category "1" is not
    "1.0"), while Arrow read both as 1.0."""
    return any(
        pa.types.is_floating(a.type) and bool(pc.any(pc.equal(a, pc.floor(a))).as_py()) for a in _nodes(array)
    )


def _repeats(table: pa.Table, field: str) -> bool:
    if field not in table.column_names:
        return True
    column = table.column(field)
    return column.null_count > 0 or pc.count_distinct(column).as_py() != len(column)


def _shape_table(table: pa.Table, schema: Sequence[_Col]) -> Any:
    names = sorted(table.column_names)

    def column(name: str) -> np.ndarray:
        return _object_values(table.column(name))

    def typed(col: _Col) -> Any:
        return _typed(col, table.column(col.name))

    return _shape_columns(table.num_rows, names, column, schema, typed)


def _replaced_text(array: pa.Array) -> bool:
    """Whether Arrow's inference turned JSON text into another type somewhere in ``array``."""
    return any(
        pa.types.is_timestamp(t) or pa.types.is_date(t) or pa.types.is_time(t) or pa.types.is_decimal(t)
        for t in (a.type for a in _nodes(array))
    )


def _absent(value: Any) -> Any:
    """A nested value as json.loads gives it: in a page without ``null``, every Arrow null is an absent key."""
    if isinstance(value, dict):
        return {k: _absent(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_absent(v) for v in value]
    return value


def _inner_nulls(array: pa.Array) -> bool:
    """Whether any value nested inside ``array`` is null (a key some objects lack), at any depth."""
    nested = _nodes(array)
    next(nested)  # the array itself: its nulls are rows that lack the field
    return any(a.null_count for a in nested)


def _object_values(column: pa.ChunkedArray) -> np.ndarray:
    """One field as the object array the records path reads (NaN where a row lacks it)."""
    t = column.type
    if any(_replaced_text(chunk) or _whole_floats(chunk) for chunk in column.chunks):
        raise _NotFaithful
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        values = column.to_numpy(zero_copy_only=False)
    elif pa.types.is_nested(t):
        nested = column.to_pylist()
        if any(_inner_nulls(chunk) for chunk in column.chunks):
            nested = [_absent(v) for v in nested]
        values = _objects(nested)
    else:
        values = _objects(column.to_pylist())
    if column.null_count:
        values[column.is_null().to_numpy(zero_copy_only=False)] = np.nan
    return values


def _typed(col: _Col, column: pa.ChunkedArray) -> Any:
    """``col`` converted in Arrow, or None where the object path must do it (odd text, other types)."""
    t, kind = column.type, col.kind
    try:
        if kind in _FLOATS:
            if pa.types.is_string(t) or t == pa.float64() or t == pa.int64():
                # Arrow parses decimal text correctly rounded, as float() does; text it refuses ("", " 1")
                # goes to the object path, which logs what it cannot parse
                return pc.cast(column, pa.float64()).to_numpy()
        elif kind in (_INT, _CENTS) and t == pa.int64():
            return pd.arrays.IntegerArray(*_filled(column, 0))
        elif kind is _BOOL and t == pa.bool_():
            return pd.arrays.BooleanArray(*_filled(column, False))
        elif kind is _TIME and pa.types.is_timestamp(t):
            return _utc(column)
        elif kind is _TIME and pa.types.is_string(t):
            # ISO-8601 with an offset or Z, as Kalshi sends them; naive or odd text goes to pandas
            return _utc(pc.cast(column, pa.timestamp("ns", "UTC")))
        elif kind == _CATEGORY and pa.types.is_string(t):
            encoded = pc.dictionary_encode(column.combine_chunks())
            uniques = [*encoded.dictionary.to_pylist(), np.nan]
            codes = pc.fill_null(encoded.indices, len(uniques) - 1).to_numpy().astype(np.intp)
            return _categorical(col.name, codes, uniques, _dtype(col))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return None


def _filled(column: pa.ChunkedArray, fill: Any) -> tuple[np.ndarray, np.ndarray]:
    values = pc.fill_null(column, fill).to_numpy()
    return values, column.is_null().to_numpy(zero_copy_only=False)


def _utc(column: pa.ChunkedArray) -> Any:
    """A timestamp column (JSON text Arrow read as ISO-8601) as UTC nanoseconds, as pandas parses the text."""
    try:
        ns = pc.cast(column, pa.timestamp("ns", column.type.tz)).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:
        raise _NotFaithful from None  # outside the nanosecond range: the object path logs it as lost
    return pd.DatetimeIndex(ns).tz_localize("UTC").astype(_TIME.dtype).array  # numpy's are naive UTC
