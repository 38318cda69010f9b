"""Reading the store: committed parts as Arrow (pyarrow datasets), typed frames, DuckDB views, the summary.

Readers see only the parts the state lists (never an orphan of an interrupted write). Mutable datasets
(markets, events) may hold several versions of a row; every reader keeps the newest (``_version``).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads

from ..timeargs import check_range
from .schema import DATASETS, PERIOD, RAW_SCHEMAS, VERSION, arrow_schema, from_arrow, sort_table

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

    from . import Store

_TS = pa.timestamp("ms", tz="UTC")


def partition(rel: str) -> dict[str, str]:
    """The hive values of a part's path: ``{"date": "2026-12-01", "series": "KXBTC15M"}``.

    Example:
        >>> partition("trades/date=2026-12-01/series=KXBTC15M/part-1.parquet")
        {'date': '2026-12-01', 'series': 'KXBTC15M'}
    """
    return dict(p.split("=", 1) for p in rel.split("/")[1:-1] if "=" in p)


def parts(store: Store, name: str, series: Any = None, start_day: str | None = None) -> list[str]:
    """The committed parts of a dataset, optionally only some series and days on or after ``start_day``."""
    wanted = None if series is None else ({series} if isinstance(series, str) else set(series))
    out = []
    for rel in sorted(store.state.files.get(name, {})):
        p = partition(rel)
        if wanted is not None and p.get("series") not in wanted:
            continue
        if start_day is not None and p.get("date", "") < start_day:
            continue
        out.append(rel)
    return out


def _dataset(store: Store, name: str, rels: list[str], *, hive: bool = False) -> pads.Dataset:
    files = store.files
    paths = [files.path(r) for r in rels]
    fs = None if files.local else files.fs
    if not hive:
        return pads.dataset(paths, schema=arrow_schema(name), format="parquet", filesystem=fs)
    part = pads.partitioning(pa.schema([("date", pa.string()), ("series", pa.string())]), flavor="hive")
    return pads.dataset(
        paths, format="parquet", filesystem=fs, partitioning=part, partition_base_dir=files.path(name)
    )


def latest(table: pa.Table, name: str) -> pa.Table:
    """One row per natural key: for a mutable dataset, its newest ``_version``."""
    ds = DATASETS[name]
    if not ds.mutable or table.num_rows == 0:
        return table
    order = [(k, "ascending") for k in ds.key] + [(VERSION, "descending")]
    table = sort_table(table, order)
    keys = table.select(list(ds.key)).to_pandas()
    return table.filter(pa.array(~keys.duplicated().to_numpy()))


def table(
    store: Store,
    name: str,
    *,
    series: Any = None,
    start: Any = None,
    end: Any = None,
    columns: list[str] | None = None,
    where: Any = None,
) -> pa.Table:
    """A dataset's rows as one Arrow table (the newest version of each), filtered on its time column."""
    ds = DATASETS[name]
    lo, hi = check_range(start, end)
    day = None if lo is None else pa.scalar(lo * 1000, _TS).as_py().strftime("%Y-%m-%d")
    rels = parts(store, name, series, day)
    if not rels:
        out = arrow_schema(name).empty_table()
        return out if columns is None else out.select(columns)
    expr = where
    for bound, op in ((lo, pc.greater_equal), (hi, pc.less_equal)):
        if bound is not None:
            test = op(pc.field(ds.time), pa.scalar(bound * 1000, _TS))
            expr = test if expr is None else expr & test
    read = columns if columns is None or not ds.mutable else list(dict.fromkeys([*columns, *ds.key, VERSION]))
    out = latest(_dataset(store, name, rels).to_table(columns=read, filter=expr), name)
    return out if columns is None else out.select(columns)


def frame(
    store: Store, name: str, *, series: Any, start: Any, end: Any, interval: Any, now: Any
) -> pd.DataFrame:
    """``store.df``: rows ordered by time then key, shaped as the matching ``*_df``."""
    ds = DATASETS[name]
    where = None
    if name == "candles":
        from ..endpoints import candle_minutes

        where = pc.field(PERIOD) == candle_minutes(interval)
    rows = table(store, name, series=series, start=start, end=end, where=where)
    rows = sort_table(rows, [(ds.time, "ascending"), *((k, "ascending") for k in ds.key if k != ds.time)])
    if name in RAW_SCHEMAS:  # recording tables: their own columns, exact values (Decimal levels)
        return rows.to_pandas()
    if name == "feed_trades":
        out = from_arrow("trades", rows.drop_columns(["recv_ms", "file", "line"]))
        out.insert(0, "recv_ms", rows.column("recv_ms").to_pandas().astype("datetime64[ns, UTC]"))
        return out
    return from_arrow(name, rows, now=now)


# --------------------------------------------------------------------------------------------------
# DuckDB


def connect(store: Store) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with one view per dataset (named like it) over the committed parts.

    Local stores are read by DuckDB's own Parquet reader; object stores through pyarrow datasets on the
    fsspec filesystem (DuckDB's ``httpfs`` extension needs a download this setup does not make). Both views
    carry the hive columns ``date`` and ``series``.
    """
    import duckdb

    con = duckdb.connect()
    for name, ds in DATASETS.items():
        rels = parts(store, name)
        if not rels:
            con.register(f"_empty_{name}", arrow_schema(name).empty_table())
            source = f"(SELECT *, NULL::DATE AS date, NULL::VARCHAR AS series FROM _empty_{name})"
        elif store.files.local:
            files = ", ".join("'" + store.files.path(r).replace("'", "''") + "'" for r in rels)
            source = f"read_parquet([{files}], hive_partitioning = true, union_by_name = true)"
        else:
            con.register(f"_files_{name}", _dataset(store, name, rels, hive=True))
            source = f"(SELECT * REPLACE (CAST(date AS DATE) AS date) FROM _files_{name})"
        body = f"SELECT * FROM {source}"
        if ds.mutable:
            keys = ", ".join(ds.key)
            body += f" QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY {VERSION} DESC) = 1"
        con.execute(f"CREATE VIEW {name} AS {body}")
    return con


def sql(store: Store, query: str, params: Any = None) -> pd.DataFrame:
    """``store.sql``: the query's result as a DataFrame."""
    con = connect(store)
    try:
        return con.execute(query, params).df() if params is not None else con.execute(query).df()
    finally:
        con.close()


def describe(store: Store) -> pd.DataFrame:
    """``store.describe``: per dataset, rows, files, first and last time, and the watermarks."""
    import pandas as pd

    con = connect(store)
    rows = []
    try:
        for name, ds in DATASETS.items():
            found = con.execute(f"SELECT count(*), min({ds.time}), max({ds.time}) FROM {name}").fetchone()
            n, first, last = found if found is not None else (0, None, None)
            marks = store.state.watermarks.get(name, {})
            files = store.state.files.get(name, {})
            rows.append(
                {
                    "dataset": name,
                    "rows": int(n),
                    "files": len(files),
                    "bytes": _size(store, list(files)),
                    "first": first,
                    "last": last,
                    "keys": len(marks),
                    "keys_done": sum(1 for m in marks.values() if m.get("done")),
                    "keys_partial": sum(1 for m in marks.values() if m.get("partial")),
                }
            )
    finally:
        con.close()
    out = pd.DataFrame(rows)
    for col in ("first", "last"):
        out[col] = pd.to_datetime(out[col], utc=True)
    return out


def _size(store: Store, rels: list[str]) -> int:
    total = 0
    for rel in rels:
        with contextlib.suppress(FileNotFoundError):  # removed by another process's compaction
            total += int(store.files.fs.size(store.files.path(rel)))
    return total
