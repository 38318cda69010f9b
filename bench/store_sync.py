"""Store benchmarks, side by side in one run: sync throughput, peak memory, DuckDB vs pandas, size on disk.

    .venv/bin/python bench/store_sync.py                 # 1M trade rows for the write/memory/query parts
    .venv/bin/python bench/store_sync.py --rows 5000000  # the issue's size
    .venv/bin/python bench/store_sync.py --history-days 3 --skip-write

Parts (each prints its figures next to its reference):

1. **Through the sandbox** (real HTTP on 127.0.0.1, ``Sandbox(history_days=N)``): a full ``store.sync`` of
   markets and trades with the rate limit off (rows/s), then with the Basic tier's limiter on in both the
   client and the sandbox: requests per second against the tier's bound (200 read tokens/s at 10 tokens
   a request = 20 requests/s, after a 40-request burst), so the rows/s bound is 20 x (rows per request).
2. **Write path** at ``--rows`` trade rows: the same ``store.sync`` (paging engine, shaping, Parquet,
   watermarks), with the client's page methods answered from a generator instead of HTTP, so what is timed
   is the store's side. Target: >= 100,000 rows/s written. Peak memory: the process's peak RSS growth
   during the sync (target < 1 GB at 5M rows). The generator's own time is measured alone and shown.
3. **A typical aggregate** (trades per series and day, volume-weighted price) over those files: DuckDB on
   the store against pandas on the same rows loaded from the same files (``store.df``), both timed here.
4. **Size on disk** per million trades against the same rows as JSON lines (the API's wire format).
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kalshi_nb.client import KalshiClient
from kalshi_nb.store import open_store

SERIES = "KXBTC15M"
PAGE = 1000


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


# --------------------------------------------------------------------------------------------------
# 1. through the sandbox


def through_sandbox(days: int) -> None:
    from kalshi_nb.sandbox import Sandbox

    print(f"\n[1] store.sync through the sandbox over HTTP (history_days={days})")
    try:
        box = Sandbox(rate_limit=None, history_days=days)
    except TypeError:  # an older sandbox without long history
        box = Sandbox(rate_limit=None)
    with box as sb:
        for tier in (None, "basic"):
            sb.set_rate_limit(tier)
            client = KalshiClient(
                key_id=sb.key_id, private_key_path=sb.private_key_path, api_base=sb.url, rate_limit=tier
            )
            calls = [0]
            send = client._request

            def counted(*args: Any, _send: Any = send, _calls: list[int] = calls, **kwargs: Any) -> Any:
                _calls[0] += 1
                return _send(*args, **kwargs)

            client._request = counted  # type: ignore[method-assign]
            store = open_store(tempfile.mkdtemp(prefix="store-bench-"))
            t0 = time.perf_counter()
            written = store.sync(SERIES, datasets=("markets", "trades"), client=client, progress=False)
            dt = time.perf_counter() - t0
            requests = calls[0]
            rows = written["trades"]
            line = (
                f"  rate limit {tier or 'off':5}: {rows:>9,} trades in {dt:6.2f} s = {rows / dt:9,.0f} rows/s"
            )
            if requests:
                line += f"; {requests} requests = {requests / dt:6.1f} req/s"
                if tier:
                    # Basic: 200 read tokens/s at 10 per request = 20 requests/s, after a 40-request burst.
                    bound = (20 * dt + 40) / dt
                    line += (
                        f"; bound {bound:.1f} req/s (20/s + burst 40): {requests / dt / bound:.0%} of it,"
                        f" i.e. {rows / requests * 20:,.0f} rows/s at {rows / requests:.0f} rows per request"
                    )
            print(line)
            client.close()


# --------------------------------------------------------------------------------------------------
# 2. the write path, pages answered from a generator


def _start() -> datetime:
    return datetime(2026, 1, 1, tzinfo=timezone.utc)


def _markets(n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        close = _start() + timedelta(minutes=15 * (i + 1))
        out.append(
            {
                "ticker": f"{SERIES}-{close:%y%b%d%H%M}-{i % 100:02d}".upper(),
                "event_ticker": f"{SERIES}-{close:%y%b%d%H%M}".upper(),
                "status": "finalized",
                "open_time": (close - timedelta(minutes=15)).isoformat().replace("+00:00", "Z"),
                "close_time": close.isoformat().replace("+00:00", "Z"),
                "updated_time": close.isoformat().replace("+00:00", "Z"),
                "yes_bid_dollars": "0.0000",
                "yes_ask_dollars": "1.0000",
                "volume_fp": "100.00",
                "result": "yes" if i % 2 else "no",
            }
        )
    return out


_PARTS: dict[tuple[int, int], tuple[list[str], ...]] = {}


def _parts(minute: int, count: int) -> tuple[list[str], ...]:
    """The per-row strings that repeat across markets (times within the hour, counts, prices, sides),
    made once, so the generator costs little next to the store it feeds."""
    key = (minute, count)
    if key not in _PARTS:
        step = 899_000 / max(count, 1)
        times, counts, yes, no, sides, books = [], [], [], [], [], []
        for k in range(count):
            ms = minute * 60_000 + 899_999 - int(k * step)  # newest first
            price = 100 + (k * 37) % 9800
            side = "yes" if k % 3 else "no"
            times.append(f"{ms // 60_000:02d}:{ms % 60_000 // 1000:02d}.{ms % 1000:03d}Z")
            counts.append(f"{1 + k % 250}.00")
            yes.append(f"0.{price:04d}")
            no.append(f"0.{10000 - price:04d}")
            sides.append(side)
            books.append("bid" if side == "yes" else "ask")
        _PARTS[key] = (times, counts, yes, no, sides, books)
    return _PARTS[key]


def _trades(market: dict[str, Any], count: int) -> Iterator[dict[str, Any]]:
    """One market's trades, newest first (as the API pages them), made on the fly."""
    close = datetime.fromisoformat(market["close_time"].replace("Z", "+00:00"))
    opened = close - timedelta(minutes=15)
    prefix = opened.strftime("%Y-%m-%dT%H:")  # a window never crosses an hour: cheap time strings
    ticker = market["ticker"]
    times, counts, yes, no, sides, books = _parts(opened.minute, count)
    for k in range(count):
        yield {
            "trade_id": f"{ticker}-{k:07d}",
            "ticker": ticker,
            "count_fp": counts[k],
            "yes_price_dollars": yes[k],
            "no_price_dollars": no[k],
            "taker_side": sides[k],
            "taker_outcome_side": sides[k],
            "taker_book_side": books[k],
            "created_time": prefix + times[k],
            "is_block_trade": False,
        }


class _Pages:
    """Answers the client's page methods from generators (no HTTP): markets, trades, the cutoff."""

    def __init__(self, markets: list[dict[str, Any]], per_market: int) -> None:
        self.markets, self.per_market = markets, per_market
        self.open: dict[str, Iterator[dict[str, Any]]] = {}

    def install(self, client: KalshiClient) -> None:
        client.get_markets = self.get_markets  # type: ignore[method-assign]
        client.get_historical_markets = self.empty("markets")  # type: ignore[method-assign]
        client.get_trades = self.get_trades  # type: ignore[method-assign]
        client.get_historical_trades = self.empty("trades")  # type: ignore[method-assign]
        client.get_historical_cutoff = lambda: {"market_settled_ts": "2025-01-01T00:00:00Z"}  # type: ignore[method-assign]

    @staticmethod
    def empty(key: str) -> Any:
        return lambda **_: {key: [], "cursor": ""}

    def get_markets(self, cursor: str | None = None, limit: int = PAGE, **_: Any) -> dict[str, Any]:
        at = int(cursor or 0)
        page = self.markets[at : at + limit]
        return {"markets": page, "cursor": str(at + limit) if at + limit < len(self.markets) else ""}

    def get_trades(
        self, ticker: str, cursor: str | None = None, limit: int = PAGE, **_: Any
    ) -> dict[str, Any]:
        rows = self.open.setdefault(
            ticker, _trades(next(m for m in self.markets if m["ticker"] == ticker), self.per_market)
        )
        page = list(itertools.islice(rows, limit))
        more = len(page) == limit
        if not more:
            self.open.pop(ticker, None)
        return {"trades": page, "cursor": f"{ticker}:{uuid.uuid4().hex}" if more else ""}


def write_path(rows: int, root: Path) -> Any:
    n_markets = max(1, rows // 1700)  # about what a busy 15-minute window trades
    per_market = rows // n_markets
    markets = _markets(n_markets)
    print(f"\n[2] write path: {n_markets * per_market:,} trade rows, {n_markets:,} markets, pages of {PAGE}")

    t0 = time.perf_counter()
    made = sum(1 for m in markets for _ in _trades(m, per_market))
    gen = time.perf_counter() - t0
    print(f"  generating the records alone: {gen:6.2f} s ({made / gen:,.0f} rows/s)")

    client = KalshiClient.read_only(api_base="http://127.0.0.1:9/trade-api/v2", rate_limit=None)
    _Pages(markets, per_market).install(client)
    store = open_store(root)
    t0 = time.perf_counter()
    import kalshi_nb.store.sync  # noqa: F401  (pandas, pyarrow: a first-use cost, timed apart)

    print(
        f"  first-use imports of the sync (pyarrow, pandas), not in the rate: {time.perf_counter() - t0:5.2f} s"
    )
    base = _rss_mb()
    t0 = time.perf_counter()
    written = store.sync(SERIES, datasets=("markets", "trades"), client=client, progress=False)
    dt = time.perf_counter() - t0
    peak = _rss_mb()
    rate = written["trades"] / dt
    print(
        f"  store.sync: {written['trades']:,} rows in {dt:6.2f} s = {rate:9,.0f} rows/s written "
        f"(target >= 100,000); without the generator's time: {written['trades'] / max(dt - gen, 1e-9):9,.0f} rows/s"
    )
    print(
        f"  peak RSS of the process: {peak:7.1f} MB, of which {base:.1f} MB before the sync (imports, the market"
        f" list); growth {peak - base:.1f} MB (target: < 1 GB for 5M rows)"
    )
    client.close()
    return store


# --------------------------------------------------------------------------------------------------
# 3 and 4


def aggregate(store: Any) -> None:
    print("\n[3] trades per series and day with the volume-weighted price, same files")
    query = (
        "select series, date, count(*) as trades, sum(count_fp) as volume, "
        "sum(count_fp * yes_price_dollars) / sum(count_fp) as vwap from trades group by all order by all"
    )
    t0 = time.perf_counter()
    duck = store.sql(query)
    t_duck = time.perf_counter() - t0
    t0 = time.perf_counter()
    frame = store.df("trades", series=SERIES)
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    frame["date"] = frame["created_time"].dt.floor("D")
    frame["notional"] = frame["count_fp"] * frame["yes_price_dollars"]
    pand = frame.groupby("date").agg(
        trades=("trade_id", "size"), volume=("count_fp", "sum"), n=("notional", "sum")
    )
    pand["vwap"] = pand["n"] / pand["volume"]
    t_pandas = time.perf_counter() - t0
    same = len(pand) == len(duck) and (pand["trades"].to_numpy() == duck["trades"].to_numpy()).all()
    print(f"  DuckDB on the store:           {t_duck:7.3f} s ({len(duck)} groups)")
    print(
        f"  pandas: load (store.df)        {t_load:7.3f} s, groupby {t_pandas:7.3f} s, total {t_load + t_pandas:7.3f} s"
    )
    print(
        f"  same counts per day: {bool(same)}; DuckDB is {((t_load + t_pandas) / t_duck):.1f}x faster end to end"
    )


def size(store: Any) -> None:
    print("\n[4] size on disk per million trades")
    parquet = sum(store.files.fs.size(store.files.path(r)) for r in store.state.files.get("trades", {}))
    rows = sum(store.state.files.get("trades", {}).values())
    sample = store.sql("select * from trades limit 100000")
    frame = store.df("trades").head(100_000)
    del sample
    lines = 0
    for rec in frame.to_dict("records"):  # the wire form of the same rows: decimal strings, ISO times
        wire = {
            "trade_id": rec["trade_id"],
            "ticker": rec["ticker"],
            "count_fp": f"{rec['count_fp']:.2f}",
            "yes_price_dollars": f"{rec['yes_price_dollars']:.4f}",
            "no_price_dollars": f"{rec['no_price_dollars']:.4f}",
            "taker_side": rec["taker_side"],
            "taker_outcome_side": rec["taker_outcome_side"],
            "taker_book_side": rec["taker_book_side"],
            "created_time": rec["created_time"].isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "is_block_trade": bool(rec["is_block_trade"]),
        }
        lines += len(json.dumps(wire)) + 1
    json_per_m = lines / len(frame) * 1e6
    parquet_per_m = parquet / rows * 1e6
    print(
        f"  Parquet (zstd, typed): {parquet_per_m / 1e6:7.1f} MB per million trades ({rows:,} rows, {parquet / 1e6:.1f} MB)"
    )
    print(
        f"  JSON lines (wire):     {json_per_m / 1e6:7.1f} MB per million trades ({json_per_m / parquet_per_m:.1f}x larger)"
    )


def _child(part: str, args: argparse.Namespace) -> None:
    """Run one part in a fresh process, so its peak memory is its own."""
    import subprocess

    cmd = [
        sys.executable,
        __file__,
        "--part",
        part,
        "--rows",
        str(args.rows),
        "--history-days",
        str(args.history_days),
    ]
    subprocess.run(cmd, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--rows", type=int, default=1_000_000, help="trade rows for parts 2-4 (issue: 5,000,000)"
    )
    parser.add_argument("--history-days", type=int, default=2, help="sandbox history for part 1")
    parser.add_argument("--skip-sandbox", action="store_true")
    parser.add_argument("--skip-write", action="store_true")
    parser.add_argument("--part", choices=("sandbox", "write"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.part == "sandbox":
        through_sandbox(args.history_days)
    elif args.part == "write":
        with tempfile.TemporaryDirectory(prefix="store-bench-") as tmp:
            store = write_path(args.rows, Path(tmp))
            aggregate(store)
            size(store)
    else:
        import os

        print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        if not args.skip_sandbox:
            _child("sandbox", args)
        if not args.skip_write:
            _child("write", args)


if __name__ == "__main__":
    main()
