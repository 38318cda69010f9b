"""Live recordings (``feed.record`` folders) compacted into tables, and the order book at any moment.

``import_recording(folder)`` plays the recording through the feed's own rules (``feed.record.step``
on a ``FeedState``: sequence gaps, duplicates, disconnects, bad deltas) and writes:

- ``book_snapshots``: a market's whole book as the feed held it right after each snapshot, and a row with
  ``valid = False`` wherever the feed stopped trusting it (a gap, a disconnect, a bad delta, a new
  subscription), so a replay never has to start from the beginning;
- ``book_deltas``: every ``orderbook_delta`` as received, with ``applied`` (False when the feed dropped it:
  a duplicate, or its book was invalid);
- ``feed_trades``: the feed's trades in the ``trades`` columns, with their receive times. The REST
  ``trades`` dataset stays the authoritative record; the same ``trade_id`` may be in both.

Each frame is keyed by its file and line; re-importing a folder (a recording still growing) writes only
the lines not imported yet (the whole folder is replayed for context, since subscriptions span files).

``book_at(ticker, t)`` takes the last ``book_snapshots`` row at or before ``t`` and applies the applied
deltas after it with ``feed.books.Book``: the same book the live feed held at ``t``.
"""

from __future__ import annotations

import gzip
import json
import os
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from ..feed.books import Book
from ..feed.record import recording_files, step
from ..feed.records import rest_trade
from ..feed.state import FeedState
from ..timeargs import unix_seconds
from .schema import RAW_SCHEMAS, RECORDED, arrow_schema, schema, sort_table, to_arrow

if TYPE_CHECKING:
    import pandas as pd

    from . import Store

RECORDING_SCHEMAS = tuple(RECORDED)
_MARK = "recordings"  # watermarks: file name -> {"lines": lines imported}


def recording_schema(name: str) -> pd.DataFrame:
    """The documented columns of a recording table (``store.schema("book_deltas")``)."""
    return schema(name)


def _levels(side: dict[Decimal, Decimal]) -> list[dict[str, Decimal]]:
    return [{"price": p, "size": s} for p, s in sorted(side.items())]


def _series(ticker: str) -> str:
    return ticker.split("-", 1)[0] or "unknown"


class _Rows:
    """The rows of one import, per table, as Python lists (a recording file is an hour: it fits)."""

    def __init__(self) -> None:
        self.snapshots: list[dict[str, Any]] = []
        self.deltas: list[dict[str, Any]] = []
        self.trades: list[tuple[dict[str, Any], dict[str, Any]]] = []

    def snapshot(self, at: dict[str, Any], book: Book, sid: Any, seq: Any, valid: bool) -> None:
        self.snapshots.append(
            {
                **at,
                "ticker": book.ticker,
                "sid": sid if isinstance(sid, int) else None,
                "seq": seq if isinstance(seq, int) else None,
                "valid": valid,
                "clock": book.clock,
                "yes": _levels(book.yes) if valid else [],
                "no": _levels(book.no) if valid else [],
            }
        )


def _collect(store: Store, folder: str | os.PathLike[str]) -> tuple[_Rows, dict[str, dict[str, int]]]:
    """Replay the whole folder through the feed's rules; rows for the lines not imported yet."""
    done = store.state.watermarks.get(_MARK, {})
    rows = _Rows()
    marks: dict[str, dict[str, int]] = {}
    state: FeedState | None = None
    requests: dict[int, tuple[str, list[str]]] = {}
    for file in recording_files(folder):
        skip = int(done.get(file.name, {}).get("lines", 0))
        with gzip.open(file, "rt", encoding="utf-8") as fh:
            lines = [line for line in fh if line.strip()]
        marks[file.name] = {"lines": len(lines)}
        for number, line in enumerate(lines):
            rec = json.loads(line)
            if "meta" in rec:
                if state is None:
                    state = FeedState(use_yes_price=bool(rec["meta"].get("use_yes_price")))
                continue
            state = state or FeedState()
            emit = number >= skip
            at = {"recv_ms": int(rec["t"]), "file": file.name, "line": number}
            before = {t: b.valid for t, b in state.books.items()}
            applied_before = {t: b.deltas for t, b in state.books.items()}
            frame = step(state, rec, requests)
            if not emit:
                continue
            _emit(rows, state, frame, at, before, applied_before)
    return rows, marks


def _emit(
    rows: _Rows,
    state: FeedState,
    frame: Any,
    at: dict[str, Any],
    before: dict[str, bool],
    applied_before: dict[str, int],
) -> None:
    kind = frame.get("type") if isinstance(frame, dict) else None
    body = frame.get("msg") if isinstance(frame, dict) else None
    msg: dict[str, Any] = body if isinstance(body, dict) else {}
    sid, seq = (frame.get("sid"), frame.get("seq")) if isinstance(frame, dict) else (None, None)
    ticker = str(msg.get("market_ticker")) if kind in ("orderbook_snapshot", "orderbook_delta") else None
    if kind == "orderbook_delta" and ticker is not None:
        book = state.books.get(ticker)
        rows.deltas.append(
            {
                **at,
                "ticker": ticker,
                "sid": sid if isinstance(sid, int) else None,
                "seq": seq if isinstance(seq, int) else None,
                "side": str(msg.get("side")),
                "price": Decimal(str(msg.get("price_dollars"))),
                "delta": Decimal(str(msg.get("delta_fp"))),
                "clock": msg.get("clock") if isinstance(msg.get("clock"), int) else None,
                "use_yes_price": state.use_yes_price,
                "applied": book is not None and book.deltas > applied_before.get(ticker, 0),
            }
        )
    if kind == "orderbook_snapshot" and ticker is not None and ticker in state.books:
        book = state.books[ticker]
        rows.snapshot(at, book, sid, seq, book.valid)
    # Every book the frame made invalid (a gap, a disconnect, a bad delta, a new subscription).
    for t, book in state.books.items():
        if (
            before.get(t, False) and not book.valid and not (kind == "orderbook_snapshot" and t == ticker)
        ) or (t not in before and not book.valid and t != ticker):
            rows.snapshot(at, book, sid, seq, False)
    if kind == "trade" and msg.get("trade_id") is not None:
        rows.trades.append(
            (at, rest_trade(msg, frame.get("sending_ts_ms") if isinstance(frame, dict) else None))
        )


def _table(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    target = arrow_schema(name)
    plain = pa.schema(
        [pa.field(f.name, pa.string() if pa.types.is_dictionary(f.type) else f.type) for f in target]
    )
    table = pa.Table.from_pylist(rows, schema=plain)
    return table.cast(target)


def _trades_table(pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> pa.Table:
    from ..frames import trades_frame

    trades = to_arrow("trades", trades_frame([t for _, t in pairs]))
    recv = arrow_schema("book_deltas")  # the shared recv fields' types
    at = [a for a, _ in pairs]
    columns = [
        pa.array([a["recv_ms"] for a in at], pa.int64()).cast(recv.field("recv_ms").type),
        pa.array([a["file"] for a in at], pa.string()).dictionary_encode().cast(recv.field("file").type),
        pa.array([a["line"] for a in at], pa.int64()),
    ]
    return pa.Table.from_arrays(columns + trades.columns, schema=arrow_schema("feed_trades"))


def _write(store: Store, name: str, table: pa.Table) -> dict[str, int]:
    """Parts per (date, series) partition; returns the new parts (not committed yet)."""
    if table.num_rows == 0:
        return {}
    table = sort_table(table, [("ticker", "ascending"), ("recv_ms", "ascending"), ("line", "ascending")])
    dates = pc.strftime(table.column("recv_ms"), format="%Y-%m-%d")
    series = pa.array([_series(t) for t in table.column("ticker").cast(pa.string()).to_pylist()])
    files: dict[str, int] = {}
    keys = sorted(set(zip(dates.to_pylist(), series.to_pylist(), strict=True)))
    for day, s in keys:
        part = table.filter(pc.and_(pc.equal(dates, day), pc.equal(series, s)))
        files[store.files.write_part(f"{name}/date={day}/series={s}", part)] = part.num_rows
        store._step("part_written")
    return files


def import_recording(store: Store, folder: str | os.PathLike[str]) -> dict[str, int]:
    """``Store.import_recording`` (see there)."""
    store._clean()
    rows, marks = _collect(store, folder)
    tables = {
        "book_snapshots": _table("book_snapshots", rows.snapshots),
        "book_deltas": _table("book_deltas", rows.deltas),
        "feed_trades": _trades_table(rows.trades)
        if rows.trades
        else arrow_schema("feed_trades").empty_table(),
    }
    state = store.state.copy()
    written: dict[str, int] = {}
    for name, table in tables.items():
        files = _write(store, name, table)
        state.files.setdefault(name, {}).update(files)
        written[name] = sum(files.values())
    state.watermarks.setdefault(_MARK, {}).update(marks)
    store.files.commit(state)  # all three tables and the file marks at once
    store.state = state
    store._step("committed")
    return written


def _ms(t: Any) -> int:
    if isinstance(t, int | float) and not isinstance(t, bool):
        return round(t * 1000)
    import pandas as pd

    if isinstance(t, pd.Timestamp | str):
        unix_seconds(t, "t")  # refuses naive times, like every time argument
        return int(pd.Timestamp(t).value // 1_000_000)
    return unix_seconds(t, "t") * 1000


def book_at(store: Store, ticker: str, t: Any) -> Book:
    """``Store.book_at`` (see there). ``t``: Unix seconds (float), ISO text with an offset, aware datetime."""
    from .read import table

    at = _ms(t)
    stamp = pa.scalar(at, arrow_schema("book_snapshots").field("recv_ms").type)
    mine = pc.field("ticker") == pa.scalar(ticker)
    snaps = table(
        store, "book_snapshots", series=_series(ticker), where=mine & (pc.field("recv_ms") <= stamp)
    )
    book = Book(ticker)
    if snaps.num_rows == 0:
        return book
    order = [("recv_ms", "descending"), ("file", "descending"), ("line", "descending")]
    last = sort_table(snaps, order).slice(0, 1).to_pylist()[0]
    if not last["valid"]:
        return book
    book.yes = {lv["price"]: lv["size"] for lv in last["yes"]}
    book.no = {lv["price"]: lv["size"] for lv in last["no"]}
    book.clock, book.valid = last["clock"], True
    after = (pc.field("recv_ms") >= pa.scalar(last["recv_ms"], stamp.type)) & (pc.field("recv_ms") <= stamp)
    deltas = table(store, "book_deltas", series=_series(ticker), where=mine & after & pc.field("applied"))
    key = (last["recv_ms"], last["file"], last["line"])
    for row in sort_table(deltas, [(c, "ascending") for c in ("recv_ms", "file", "line")]).to_pylist():
        if (row["recv_ms"], row["file"], row["line"]) <= key:
            continue
        msg = {"side": row["side"], "price_dollars": str(row["price"]), "delta_fp": str(row["delta"])}
        if row["clock"] is not None:
            msg["clock"] = row["clock"]
        book.apply_delta(msg, use_yes_price=row["use_yes_price"])
    return book


__all__ = ["RAW_SCHEMAS", "RECORDING_SCHEMAS", "book_at", "import_recording", "recording_schema"]
