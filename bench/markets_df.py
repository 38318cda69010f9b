"""markets_df against the floor and pykalshi at one size, then concurrency under latency (a thin wrapper).

The side-by-side legs (markets_df, signed markets_df, the floor with and without the collector, pykalshi)
are bench/speed.py's (bench/_speed_legs.py): this script runs them at one size (200,000 markets by default)
in rotating order, each in its own process, as speed.py does, and prints the same table. bench/speed.py is the
full comparison (every size, the Arrow practical limit, the official SDK and kalshi-sdk, first frame).

Then, with 100 ms of sandbox latency per request, it times calls fetched concurrently by ``markets_df``
against the same calls one after another (``iter_markets`` over the same list, then one
``markets_frame``) on a default sandbox: 8 events (paged 5 markets at a time,
so each call is several pages), then every series it has. It prints figures and asserts nothing; the
machine's load average is printed because other jobs share it.

Run: ``python bench/markets_df.py [--markets 200000] [--rounds 3] [--no-pykalshi] [--no-latency]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import speed  # bench/speed.py, beside this file

LATENCY = 0.1
LEGS = ("markets_df", "markets_df_signed", "floor", "floor_nogc", "pykalshi")


def time_best(fn: object, rounds: int = 2, pause: float = 0.0) -> float:
    best = float("inf")
    for _ in range(rounds):
        time.sleep(pause)  # lets a token bucket refill, so every round starts alike
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    return best


def latency_bench(sb: Any) -> None:
    from kalshi_nb.client import KalshiClient
    from kalshi_nb.data import iter_markets, markets_df
    from kalshi_nb.frames import markets_frame

    series = [s["ticker"] for s in sb.exchange.series_list()]
    events = list(dict.fromkeys(m["event_ticker"] for m in sb.exchange.markets(series_ticker="KXBTC")))[-8:]
    cases: list[tuple[str, dict[str, Any]]] = [
        (f"{len(events)} events, 5 markets per page", {"event": events, "status": None, "limit": 5}),
        (f"{len(series)} series (all the sandbox has), open", {"series": series, "status": "open"}),
    ]
    sb.faults.update(latency=LATENCY)
    print(f"\nwith {LATENCY * 1000:.0f} ms of sandbox latency per request (best of 2):")
    for tier, pause in ((None, 0.0), ("basic", 1.5)):
        with KalshiClient.read_only(api_base=sb.url, rate_limit=tier) as client:
            print(
                f"  client token bucket: {tier or 'off'}"
                + (" (Kalshi's basic tier: 20 requests/s, shared by the threads)" if tier else "")
            )
            for label, kwargs in cases:
                sb.requests.clear()
                markets_df(client=client, progress=False, **kwargs)
                calls = len(sb.requests)
                concurrent = time_best(
                    lambda kw=kwargs: markets_df(client=client, progress=False, **kw), pause=pause
                )
                sequential = time_best(
                    lambda kw=kwargs: markets_frame(list(iter_markets(client=client, **kw))), pause=pause
                )
                print(
                    f"    {label}: {calls} requests; concurrently {concurrent:.2f} s, one after another "
                    f"{sequential:.2f} s -> {concurrent / sequential:.2f}x (target < 0.4x)"
                )
    sb.faults.clear()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--markets", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-pykalshi", action="store_true")
    parser.add_argument("--no-latency", action="store_true")
    args = parser.parse_args()

    from kalshi_nb.sandbox import Sandbox

    print(f"start: {speed.load()}")
    pythons = {}
    for leg in LEGS:
        python = None if (leg == "pykalshi" and args.no_pykalshi) else speed.leg_python(leg)
        if python is not None:
            pythons[leg] = python
    speed.print_size(speed.bench_size(args.markets, pythons, args.rounds))
    if not args.no_latency:
        with Sandbox(rate_limit=None) as sb:
            latency_bench(sb)
    print(f"\nend: {speed.load()}")


if __name__ == "__main__":
    main()
