"""A local (or object-store) history of Kalshi data: hive-partitioned Parquet, queried with DuckDB.

``store = kalshi_nb.open_store()`` opens the store in the data folder (or any path or fsspec URL);
``store.sync("KXBTC15M")`` fetches markets, trades and candles through the client and writes only what is
new; ``store.df("trades", series=...)`` gives the frame ``trades_df`` gives for the same rows;
``store.sql("select ... from trades")`` runs DuckDB over the files; ``store.describe()`` sums it up.
Needs the ``kalshi_nb[store]`` extra (pyarrow, duckdb, fsspec). See ``docs/store.md``.

- :mod:`.schema`: the datasets and their exact on-disk types (``store.schema(name)``);
- :mod:`.files`: the layout and the commit rule (parts first, then the state, atomically);
- :mod:`.sync`: fetching and watermarks; :mod:`.read`: frames, DuckDB views; :mod:`.compact`;
- :mod:`.recordings`: ``feed.record`` folders into ``book_snapshots``/``book_deltas``/``feed_trades``,
  and ``book_at``.

Example:
    >>> import kalshi_nb, tempfile
    >>> store = kalshi_nb.open_store(tempfile.mkdtemp())
    >>> written = store.sync("KXBTC15M", datasets=("markets", "trades"), client=client, progress=False)
    >>> trades = store.df("trades", series="KXBTC15M")
    >>> written["trades"] == len(trades), list(trades.columns) == list(kalshi_nb.frames.describe("trades")["column"])
    (True, True)
    >>> store.sync("KXBTC15M", datasets=("trades",), client=client, progress=False)["trades"]   # nothing new
    0
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from ..client import KalshiClient
    from ..feed.books import Book
    from .files import Files, State

__all__ = ["Store", "open_store"]

DEFAULT_DATASETS = ("markets", "trades", "candles")


class Store:
    """A store root: its files, its committed state, and the sync / read / query methods.

    Open it with :func:`open_store`. One process writes to a store at a time.
    """

    def __init__(self, files: Files) -> None:
        self.files = files
        self.state: State = files.read_state()
        self._touched: dict[str, set[str]] = {}

    def __repr__(self) -> str:
        where = self.files.url("")
        counts = ", ".join(f"{k}: {sum(v.values())}" for k, v in sorted(self.state.files.items()) if v)
        return f"Store({where!r}{'; ' + counts if counts else ''})"

    # hooks ------------------------------------------------------------------------------------------
    def _step(self, name: str) -> None:
        """Called after each step of a write ("fetched", "part_written", "committed"); tests inject
        failures here to check that an interruption at any point is recovered."""

    def _clean(self) -> None:
        """Forget what an interrupted write left: re-read the state, remove parts it does not list."""
        from .schema import DATASETS

        self.state = self.files.read_state()
        self.files.remove(self.files.orphans(self.state, [*DATASETS, *_recording_sets()]))

    def _auto_compact(self) -> None:
        from .compact import AUTO_PARTS, compact

        touched, self._touched = self._touched, {}
        for name, folders in touched.items():
            compact(self, [name], AUTO_PARTS, only=folders)

    # stored keys, for de-duplication ----------------------------------------------------------------
    def _stored_ids(self, ticker: str, since_ms: int) -> set[Any]:
        import pyarrow as pa
        import pyarrow.compute as pc

        from .read import table

        where = pc.field("ticker") == pa.scalar(ticker)
        rows = table(self, "trades", start=since_ms // 1000, columns=["trade_id"], where=where)
        return set(rows.column("trade_id").to_pylist())

    def _stored_settlements(self, series: str, since_ms: int) -> set[tuple[Any, Any]]:
        from .read import table

        rows = table(
            self, "settlements", series=series, start=since_ms // 1000, columns=["ticker", "settled_time"]
        )
        stamps = rows.column("settled_time").cast("int64").to_pylist()
        return {
            (t, None if s is None else s // 1000)
            for t, s in zip(rows.column("ticker").to_pylist(), stamps, strict=True)
        }

    def _stored_markets(self, series: str) -> dict[str, tuple[Any, Any, Any, Any]]:
        from .read import table

        cols = ["ticker", "updated_time", "status", "open_time", "close_time"]
        rows = table(self, "markets", series=series, columns=cols)
        values = [rows.column(c).cast("int64" if c.endswith("time") else "string").to_pylist() for c in cols]
        sec = (
            [None if v is None else v // 1000 for v in values[3]],
            [None if v is None else v // 1000 for v in values[4]],
        )
        return {t: (u, s, o, c) for t, u, s, o, c in zip(values[0], values[1], values[2], *sec, strict=True)}

    def _stored_versions(self, name: str, series: str, key: str, updated: str) -> dict[Any, Any]:
        from .read import table

        rows = table(self, name, series=series, columns=[key, updated])
        stamps = rows.column(updated).cast("int64").to_pylist()
        return dict(zip(rows.column(key).cast("string").to_pylist(), stamps, strict=True))

    # the public methods -----------------------------------------------------------------------------
    def sync(
        self,
        series: str = "KXBTC15M",
        datasets: str | Iterable[str] = DEFAULT_DATASETS,
        since: Any = None,
        until: Any = None,
        client: KalshiClient | None = None,
        progress: bool = True,
        *,
        interval: int | str = 1,
        batch_rows: int | None = None,
    ) -> dict[str, int]:
        """Fetch what is new for one series and write it; returns the rows written per dataset.

        ``datasets``: any of ``markets``, ``events``, ``trades``, ``candles`` (``interval``: 1, 60 or 1440
        minutes) and ``settlements`` (the account's own, credentials needed). ``since``/``until`` bound the
        market close times and trade times (Unix seconds, ISO text with an offset, aware datetimes).
        Everything goes through the client (live and historical tiers, its rate limit); rows are written in
        batches of ``batch_rows`` (default 100,000), so memory stays bounded. Interrupted, the next call
        finishes the job with every row once.

        Example:
            >>> import kalshi_nb, tempfile
            >>> store = kalshi_nb.open_store(tempfile.mkdtemp())
            >>> store.sync("KXBTC15M", datasets="markets", client=client, progress=False)["markets"] > 0
            True
        """
        from ..endpoints import candle_minutes
        from .sync import BATCH_ROWS, run_sync

        minutes = candle_minutes(interval)
        rows = BATCH_ROWS if batch_rows is None else batch_rows
        return run_sync(
            self, series, datasets, since, until, client, progress=progress, interval=minutes, batch_rows=rows
        )

    def df(
        self,
        dataset: str,
        series: str | Iterable[str] | None = None,
        start: Any = None,
        end: Any = None,
        *,
        interval: int | str = 1,
        now: Any = None,
    ) -> pd.DataFrame:
        """A dataset's rows as the matching ``*_df`` frame (same columns and dtypes), oldest first.

        ``start``/``end`` bound the dataset's time column (trades ``created_time``, markets ``close_time``,
        candles ``end_period_ts``, settlements ``settled_time``, events ``last_updated_ts``); candles are the
        ``interval`` ones; ``now`` fixes the markets' ``time_to_close``.

        Example:
            >>> import kalshi_nb, tempfile
            >>> store = kalshi_nb.open_store(tempfile.mkdtemp())
            >>> str(store.df("trades")["yes_price_dollars"].dtype), len(store.df("trades"))
            ('float64', 0)
        """
        from .read import frame
        from .schema import _dataset

        _dataset(dataset)
        return frame(self, dataset, series=series, start=start, end=end, interval=interval, now=now)

    def sql(self, query: str, params: Any = None) -> pd.DataFrame:
        """Run DuckDB SQL over the store; each dataset is a view of its name (with ``date`` and ``series``).

        Mutable datasets show the newest version of each row. Prices and counts are exact decimals.

        Example:
            >>> import kalshi_nb, tempfile
            >>> store = kalshi_nb.open_store(tempfile.mkdtemp())
            >>> int(store.sql("select count(*) as n from trades")["n"][0])
            0
        """
        from .read import sql

        return sql(self, query, params)

    def connect(self) -> Any:
        """A DuckDB connection with the dataset views, for several queries (close it when done).

        Example:
            >>> import kalshi_nb, tempfile
            >>> con = kalshi_nb.open_store(tempfile.mkdtemp()).connect()
            >>> con.execute("select count(*) from markets").fetchone()[0]
            0
            >>> con.close()
        """
        from .read import connect

        return connect(self)

    def describe(self) -> pd.DataFrame:
        """One row per dataset: rows, files, bytes, first and last time, and watermark keys (done, partial).

        Example:
            >>> import kalshi_nb, tempfile
            >>> kalshi_nb.open_store(tempfile.mkdtemp()).describe()["dataset"].tolist()[:3]
            ['markets', 'events', 'trades']
        """
        from .read import describe

        return describe(self)

    def schema(self, dataset: str) -> pd.DataFrame:
        """The documented columns of one dataset: on-disk type, unit, description.

        Example:
            >>> import kalshi_nb, tempfile
            >>> s = kalshi_nb.open_store(tempfile.mkdtemp()).schema("trades")
            >>> s.set_index("column").loc["created_time", "type"]
            'timestamp[ms, tz=UTC]'
        """
        from .recordings import RECORDING_SCHEMAS, recording_schema
        from .schema import schema

        return recording_schema(dataset) if dataset in RECORDING_SCHEMAS else schema(dataset)

    def compact(self, datasets: str | Iterable[str] | None = None, *, min_parts: int = 2) -> dict[str, int]:
        """Rewrite each partition holding ``min_parts`` or more parts as one part (dropping old versions).

        Syncs do this on their own once a partition they wrote to holds ``AUTO_PARTS`` parts.

        Example:
            >>> import kalshi_nb, tempfile
            >>> kalshi_nb.open_store(tempfile.mkdtemp()).compact("trades")
            {'trades': 0}
        """
        from .compact import compact
        from .schema import DATASETS

        names = (
            list(DATASETS)
            if datasets is None
            else [datasets]
            if isinstance(datasets, str)
            else list(datasets)
        )
        self._clean()
        return compact(self, names, min_parts)

    def import_recording(self, folder: str | os.PathLike[str]) -> dict[str, int]:
        """Compact a ``feed.record`` folder into ``book_snapshots``, ``book_deltas`` and ``feed_trades``.

        Each file is imported once (its name and size are remembered). Returns the rows written per table.

        Example:
            >>> import kalshi_nb, tempfile
            >>> kalshi_nb.open_store(tempfile.mkdtemp()).import_recording(tempfile.mkdtemp())
            {'book_snapshots': 0, 'book_deltas': 0, 'feed_trades': 0}
        """
        from .recordings import import_recording

        return import_recording(self, folder)

    def book_at(self, ticker: str, t: Any) -> Book:
        """The order book of ``ticker`` as the live feed held it at time ``t`` (from imported recordings).

        Rebuilt from the last snapshot at or before ``t`` and the deltas after it, by ``feed.books.Book``.

        Example:
            >>> import kalshi_nb, tempfile
            >>> kalshi_nb.open_store(tempfile.mkdtemp()).book_at("M", 0).valid
            False
        """
        from .recordings import book_at

        return book_at(self, ticker, t)


def _recording_sets() -> tuple[str, ...]:
    from .recordings import RECORDING_SCHEMAS

    return tuple(RECORDING_SCHEMAS)


def open_store(path: str | os.PathLike[str] | None = None, **storage_options: Any) -> Store:
    """Open (or create) a store: a local folder, an fsspec URL (``s3://bucket/prefix``), or by default
    ``<data folder>/store``. ``storage_options`` go to fsspec (``endpoint_url=...``, ``key=...``).

    Example:
        >>> import kalshi_nb, tempfile
        >>> store = kalshi_nb.open_store(tempfile.mkdtemp())
        >>> int(store.describe()["rows"].sum())
        0
    """
    from .files import open_files

    if path is None:
        from ..config import data_dir

        path = data_dir() / "store"
    return Store(open_files(path, **storage_options))
