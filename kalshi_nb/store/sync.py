"""``Store.sync``: fetch through the client, stream to Parquet in bounded batches, advance the watermarks.

Everything is fetched through :mod:`kalshi_nb.data` (``iter_markets``, ``iter_trades``, ... on the one
paging engine, live and historical tiers stitched, the client's token bucket keeping the pace). Rows are
shaped with :mod:`kalshi_nb.frames` a page batch at a time and written as typed parts once ``batch_rows``
rows are waiting, so memory holds one batch, never the whole history.

Watermarks (``state.json``, committed *after* the parts they cover, see :mod:`.files`), per dataset:

- ``markets`` / ``events`` (key: series): markets are re-fetched from the earliest close time of a market
  not final yet (``final_before``); a market or event is written again only when its ``updated_time`` /
  ``last_updated_ts`` changed, as a newer ``_version`` (readers keep the newest).
- ``trades`` (key: market ticker): ``since`` (the next ``min_ts``) and ``done`` once the market has closed
  and its trades are all stored. A ticker cut by a batch boundary is ``partial`` until its last page is
  committed; the rows a re-fetch brings again (from ``since`` on) are dropped against those stored, by
  ``trade_id``.
- ``candles`` (key: ticker@interval): ``done`` once a closed market's candles are stored.
- ``settlements`` (key: series): ``since``, rows de-duplicated on (ticker, settled_time).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from ..data import (
    candles_df,
    iter_events,
    iter_historical_markets,
    iter_markets,
    iter_settlements,
    iter_trade_pages,
)
from ..data.args import _client
from ..timeargs import check_range, wire_ms, wire_seconds
from .schema import DATASETS, PERIOD, VERSION, sort_table, to_arrow
from .wire import trades_table

if TYPE_CHECKING:
    from ..client import KalshiClient
    from . import Store

ORDER = ("markets", "events", "trades", "candles", "settlements")
CLOSED = frozenset({"closed", "determined", "disputed", "amended", "finalized", "settled"})
FINAL = frozenset({"finalized", "settled"})
BATCH_ROWS = 100_000
_SORT = {
    "markets": ("ticker",),
    "events": ("event_ticker",),
    "trades": ("ticker", "created_time"),
    "candles": ("ticker", "end_period_ts"),
    "settlements": ("ticker", "settled_time"),
}


class _Writer:
    """One dataset's pending rows and watermarks, committed together (parts first, then the state)."""

    def __init__(self, store: Store, name: str, series: str, batch_rows: int) -> None:
        self.store, self.name, self.series, self.batch_rows = store, name, series, batch_rows
        self.ds = DATASETS[name]
        self.tables: list[pa.Table] = []
        self.rows = 0
        self.written = 0
        self.marks: dict[str, dict[str, Any]] = {}
        self.version = int(time.time() * 1000)

    def add(self, frame: Any, **extra: Any) -> None:
        if len(frame) == 0:
            return
        if self.ds.mutable:
            extra[VERSION] = self.version
        self.add_table(to_arrow(self.name, frame, **extra))

    def add_table(self, table: pa.Table) -> None:
        """Rows already in the dataset's exact schema."""
        if table.num_rows == 0:
            return
        self.tables.append(table)
        self.rows += table.num_rows
        self.store._step("fetched")

    def mark(self, key: str, mark: dict[str, Any]) -> None:
        self.marks[key] = mark

    def full(self) -> bool:
        return self.rows >= self.batch_rows

    def flush(self) -> int:
        """Write the pending rows as parts (one per partition), then commit them with the watermarks."""
        if not self.tables and not self.marks:
            return 0
        files: dict[str, int] = {}
        if self.tables:
            table = pa.concat_tables(self.tables).unify_dictionaries()
            self.tables, self.rows = [], 0
            for folder, part in _partitions(table, self.name, self.series):
                files[self.store.files.write_part(folder, part)] = part.num_rows
                self.store._step("part_written")
        state = self.store.state.copy()
        state.files.setdefault(self.name, {}).update(files)
        state.watermarks.setdefault(self.name, {}).update(self.marks)
        self.store.files.commit(state)
        self.store.state = state
        self.marks = {}
        rows = sum(files.values())
        self.written += rows
        self.store._step("committed")
        self.store._touched.setdefault(self.name, set()).update(f.rsplit("/", 1)[0] for f in files)
        return rows


def _partitions(table: pa.Table, name: str, series: str) -> Iterator[tuple[str, pa.Table]]:
    """The rows of a batch split by UTC date of the dataset's time column, sorted for compact files."""
    times = table.column(DATASETS[name].time)
    # A cast to date32 reads the UTC date of a UTC timestamp, and is many times faster than strftime.
    dates = pc.fill_null(times.cast(pa.date32()), pa.scalar(0, pa.date32()))
    for day in sorted(pc.unique(dates).to_pylist()):
        part = table.filter(pc.equal(dates, pa.scalar(day, pa.date32())))
        part = sort_table(part, [(c, "ascending") for c in _SORT[name]])
        yield f"{name}/date={day:%Y-%m-%d}/series={series}", part


def _batches(records: Iterable[dict], size: int) -> Iterator[list[dict]]:
    return _page_batches(([row] for row in records), size)


def _page_batches(pages: Iterable[list[dict]], size: int) -> Iterator[list[dict]]:
    """Whole pages joined into batches of at least ``size`` rows (the last may be smaller)."""
    batch: list[dict] = []
    for page in pages:
        batch += page
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _bar(progress: bool, total: int, desc: str) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=f"store {desc}", unit="market", disable=not progress, leave=False)


class _Sync:
    """One ``Store.sync`` call."""

    def __init__(
        self,
        store: Store,
        series: str,
        client: KalshiClient,
        since: int | None,
        until: int | None,
        **opts: Any,
    ) -> None:
        self.store, self.series, self.client = store, series, client
        self.since, self.until = since, until
        self.progress: bool = opts["progress"]
        self.batch_rows: int = opts["batch_rows"]
        self.interval: int = opts["interval"]
        self.page_rows = min(self.batch_rows, 10_000)
        self.trades_cutoff: int | None = None

    def writer(self, name: str) -> _Writer:
        return _Writer(self.store, name, self.series, self.batch_rows)

    def mark(self, name: str, key: str) -> dict[str, Any] | None:
        return self.store.state.watermarks.get(name, {}).get(key)

    def archived(self, market: dict[str, Any]) -> bool:
        """Whether a market's trades may be in ``/historical/trades``: not when it opened more than a day
        after the cutoff (read once per sync; the margin covers the cutoff moving while the sync runs), which
        saves a request per recent market."""
        if self.trades_cutoff is None:
            self.trades_cutoff = (
                wire_seconds(self.client.get_historical_cutoff().get("trades_created_ts")) or 0
            )
        opened = market.get("open")
        return opened is None or opened < self.trades_cutoff + 86_400

    def in_window(self, close: int | None) -> bool:
        if close is None:
            return True
        return (self.since is None or close >= self.since) and (self.until is None or close <= self.until)

    # ----------------------------------------------------------------------------------------------
    def markets(self, write: bool) -> tuple[list[dict[str, Any]], int]:
        """The series' markets in the window (ticker, status, open and close times), written if asked."""
        from ..frames import markets_frame

        mark = self.mark("markets", self.series) or {}
        final_before = mark.get("final_before") if write else None
        stored = self.store._stored_markets(self.series)  # ticker -> (updated ms, status, open, close)
        start = max(x for x in (self.since, final_before, 0) if x is not None) or None
        live = iter_markets(
            self.series, status=None, client=self.client, min_close_ts=start, max_close_ts=self.until
        )
        chunks: list[Iterable[dict]] = [live]
        cutoff = wire_seconds(self.client.get_historical_cutoff().get("market_settled_ts"))
        if cutoff is None or start is None or start < cutoff:
            chunks.append(iter_historical_markets(self.series, client=self.client))
        writer = self.writer("markets")
        seen: dict[str, dict[str, Any]] = {
            t: {"ticker": t, "status": s, "open": o, "close": c}
            for t, (_, s, o, c) in stored.items()
            if self.in_window(c)
        }
        for batch in _batches((row for chunk in chunks for row in chunk), self.page_rows):
            keep = []
            for row in batch:
                ticker, close = row.get("ticker"), wire_seconds(row.get("close_time"))
                if not ticker or (ticker in seen and seen[ticker].get("fresh")) or not self.in_window(close):
                    continue
                seen[ticker] = {
                    "ticker": ticker,
                    "status": row.get("status"),
                    "open": wire_seconds(row.get("open_time")),
                    "close": close,
                    "fresh": True,
                }
                if stored.get(ticker, (None,))[0] != wire_ms(row.get("updated_time")):
                    keep.append(row)
            if write:
                writer.add(markets_frame(keep))
                if writer.full():
                    writer.flush()
        markets = sorted(seen.values(), key=lambda m: (m["close"] or 0, m["ticker"]))
        if write:
            pending = [m["close"] for m in markets if m["status"] not in FINAL and m["close"] is not None]
            closes = [m["close"] for m in markets if m["close"] is not None]
            if closes:
                writer.mark(self.series, {"final_before": min(pending) if pending else max(closes) + 1})
            writer.flush()
        return markets, writer.written

    def events(self) -> int:
        from ..frames import events_frame

        stored = self.store._stored_versions("events", self.series, "event_ticker", "last_updated_ts")
        writer = self.writer("events")
        rows = iter_events(self.series, status=None, client=self.client)
        for batch in _batches(rows, self.page_rows):
            fresh = [
                r for r in batch if stored.get(r.get("event_ticker")) != wire_ms(r.get("last_updated_ts"))
            ]
            writer.add(events_frame(fresh))
            if writer.full():
                writer.flush()
        writer.mark(self.series, {"synced_ms": writer.version})
        writer.flush()
        return writer.written

    def trades(self, markets: list[dict[str, Any]]) -> int:
        from ..frames import trades_frame

        writer = self.writer("trades")
        todo = [m for m in markets if not (self.mark("trades", m["ticker"]) or {}).get("done")]
        with _bar(self.progress, len(todo), "trades") as bar:
            for market in todo:
                ticker = market["ticker"]
                mark = self.mark("trades", ticker) or {}
                start = max(x for x in (self.since, mark.get("since"), 0) if x is not None) or None
                # A ticker seen before (incremental, or cut by an interruption) may bring back stored rows.
                known = self.store._stored_ids(ticker, (start or 0) * 1000) if mark else set()
                latest = mark.get("since")
                pages = iter_trade_pages(
                    ticker,
                    min_ts=start,
                    max_ts=self.until,
                    client=self.client,
                    include_historical=self.archived(market),
                )
                for batch in _page_batches(pages, self.page_rows):
                    # The paging engine drops repeats within this pull; `known` are the rows already stored.
                    fresh = [r for r in batch if r.get("trade_id") not in known] if known else batch
                    table = trades_table(fresh)
                    if table is None:  # not all in today's wire form: through frames (same rows on disk)
                        table = to_arrow("trades", trades_frame(fresh))
                    newest = pc.max(table.column("created_time")).value  # ms, or None
                    if newest is not None:
                        s = newest // 1000
                        latest = s if latest is None or s > latest else latest
                    writer.add_table(table)
                    if writer.full():
                        # Committed before this ticker is finished: partial, same `since`, so a re-run
                        # fetches from the same point and drops what is stored.
                        writer.mark(ticker, {"since": start, "partial": True, "done": False})
                        writer.flush()
                closed = market["status"] in CLOSED
                done = closed and (self.until is None or (market["close"] or 0) <= self.until)
                writer.mark(ticker, {"since": latest if latest is not None else start, "done": done})
                if writer.full():
                    writer.flush()
                bar.update(1)
                bar.set_postfix(rows=writer.written + writer.rows, refresh=False)
        writer.flush()
        return writer.written

    def candles(self, markets: list[dict[str, Any]]) -> int:
        writer = self.writer("candles")
        todo = [
            m
            for m in markets
            if m["status"] in CLOSED
            and not (self.mark("candles", f"{m['ticker']}@{self.interval}") or {}).get("done")
        ]
        with _bar(self.progress, len(todo), "candles") as bar:
            for market in todo:
                frame = candles_df(
                    market["ticker"],
                    market["open"],
                    market["close"],
                    self.interval,
                    series=self.series,
                    client=self.client,
                )
                writer.add(frame, **{PERIOD: self.interval})
                writer.mark(f"{market['ticker']}@{self.interval}", {"done": True})
                if writer.full():
                    writer.flush()
                bar.update(1)
        writer.flush()
        return writer.written

    def settlements(self) -> int:
        from ..frames import settlements_frame

        writer = self.writer("settlements")
        mark = self.mark("settlements", self.series) or {}
        start = max(x for x in (self.since, mark.get("since"), 0) if x is not None) or None
        known = self.store._stored_settlements(self.series, (start or 0) * 1000) if mark else set()
        latest = mark.get("since")
        prefix = f"{self.series}-"
        rows = iter_settlements(min_ts=start, max_ts=self.until, client=self.client)
        for batch in _batches(rows, self.page_rows):
            fresh = []
            for r in batch:
                key = (r.get("ticker"), wire_seconds(r.get("settled_time")))
                if not str(r.get("ticker", "")).startswith(prefix) or key in known:
                    continue
                known.add(key)
                fresh.append(r)
                latest = key[1] if latest is None or (key[1] or 0) > latest else latest
            writer.add(settlements_frame(fresh))
            if writer.full():
                writer.flush()
        writer.mark(self.series, {"since": latest if latest is not None else start})
        writer.flush()
        return writer.written


def run_sync(
    store: Store,
    series: str,
    datasets: Iterable[str],
    since: Any,
    until: Any,
    client: KalshiClient | None,
    *,
    progress: bool,
    interval: int,
    batch_rows: int,
) -> dict[str, int]:
    """The body of :meth:`Store.sync` (see there)."""
    if not isinstance(series, str) or not series:
        raise TypeError(f"series must be one series ticker (a string), got {series!r}")
    wanted = [datasets] if isinstance(datasets, str) else list(datasets)
    unknown = [d for d in wanted if d not in ORDER]
    if unknown:
        raise ValueError(f"unknown dataset(s) {unknown}; sync takes {', '.join(ORDER)}")
    if isinstance(batch_rows, bool) or not isinstance(batch_rows, int) or batch_rows < 1:
        raise ValueError(f"batch_rows must be a positive integer, got {batch_rows!r}")
    since_s, until_s = check_range(since, until, ("since", "until"))
    job = _Sync(
        store,
        series,
        _client(client),
        since_s,
        until_s,
        progress=progress,
        interval=interval,
        batch_rows=batch_rows,
    )
    store._clean()
    written: dict[str, int] = {}
    markets: list[dict[str, Any]] = []
    if {"markets", "trades", "candles"} & set(wanted):
        markets, rows = job.markets(write="markets" in wanted)
        if "markets" in wanted:
            written["markets"] = rows
    for name in ORDER[1:]:
        if name not in wanted:
            continue
        if name == "events":
            written[name] = job.events()
        elif name == "trades":
            written[name] = job.trades(markets)
        elif name == "candles":
            written[name] = job.candles(markets)
        else:
            written[name] = job.settlements()
    store._auto_compact()
    return {name: written[name] for name in ORDER if name in written}
