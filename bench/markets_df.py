"""markets_df against the floor and pykalshi: 200,000 sandbox markets into one DataFrame, three ways, one run.

One in-process ``Sandbox(markets=200_000, rate_limit=None)`` serves every leg over HTTP on 127.0.0.1. Each
leg runs in its own child process (same conditions for all: the client on one core, the server on the other,
and a clean interpreter for the memory figure), in rotating order over several rounds:

- ``floor``:     a bare ``requests`` loop, ``json.loads`` on each page, one ``pd.DataFrame(rows)`` at the end
                 (no dtype work at all); ``floor (gc paused)`` is the same with Python's cyclic garbage
                 collector off, for reference, since markets_df pauses it during a pull;
- ``markets_df``: ``kalshi_nb.markets_df(status=None, mve_filter=None, progress=False)`` with a read-only
                 client (market data needs no key; the floor signs nothing either);
- ``markets_df (signed)``: the same with a signed client, as ``connect()`` builds it (an RSA signature
                 per page);
- ``pykalshi``:  pykalshi 2.0.0's ``get_markets(limit=1000, fetch_all=True).to_dataframe()``, run with the
                 interpreter of a separate venv (``bench/.venv-pykalshi``, created on first use with
                 ``pip install pykalshi==2.0.0 pandas``). pykalshi is never a dependency of kalshi_nb.

Every leg asks for the same thing: all markets, 1,000 per page, no filters. Timings start after the imports
and end when the DataFrame exists. Then, with 100 ms of sandbox latency per request, it times calls fetched
concurrently by ``markets_df`` against the same calls one after another (``iter_markets`` over the same list,
then one ``markets_frame``). The seed-0 sandbox has 7 series, so "8 calls" are 8 events (paged 5 markets at a
time, so each call is several pages); the 7 series are timed too. Finally it prints the DataFrames' deep
memory per 1,000 markets. It prints figures and asserts nothing; the machine's load average is printed
because other jobs share it.

Run: ``python bench/markets_df.py [--markets 200000] [--rounds 3] [--no-pykalshi]``
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYKALSHI_VENV = HERE / ".venv-pykalshi"
PYKALSHI_SPEC = "pykalshi==2.0.0"
LATENCY = 0.1


# --- the legs (each runs in a child process and prints one JSON line) ---------------------------------------


def _report(started: float, df: object, **extra: object) -> None:
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": seconds,
                "rows": len(df),
                "columns": len(df.columns),  # type: ignore[arg-type]
                "memory": int(df.memory_usage(deep=True).sum()),
                **extra,
            }
        )
    )  # type: ignore[attr-defined]


def leg_floor(url: str, nogc: str = "", **_: str) -> None:
    import pandas as pd
    import requests

    if nogc:
        gc.disable()
    with requests.Session() as session:
        started = time.perf_counter()
        rows: list[dict] = []
        cursor = None
        while True:
            params = {"limit": 1000, **({"cursor": cursor} if cursor else {})}
            response = session.get(url + "/markets", params=params, timeout=60)
            response.raise_for_status()
            body = json.loads(response.content)
            rows.extend(body["markets"])
            cursor = body.get("cursor")
            if not cursor:
                break
        _report(started, pd.DataFrame(rows))


def leg_markets_df(url: str, key_id: str, key_path: str, signed: str = "") -> None:
    import pandas  # noqa: F401  (imported before the clock starts, as in the other legs)

    from kalshi_nb import frames  # noqa: F401
    from kalshi_nb.client import KalshiClient
    from kalshi_nb.data import markets_df

    if signed:
        client = KalshiClient(key_id=key_id, private_key_path=key_path, api_base=url, rate_limit=None)
    else:
        client = KalshiClient.read_only(api_base=url, rate_limit=None)
    with client:
        started = time.perf_counter()
        df = markets_df(status=None, mve_filter=None, client=client, progress=False)
        _report(started, df)


def leg_pykalshi(url: str, key_id: str, key_path: str, **_: str) -> None:
    import pandas  # noqa: F401
    from pykalshi import KalshiClient

    with KalshiClient(api_key_id=key_id, private_key_path=key_path, api_base=url, timeout=60) as client:
        started = time.perf_counter()
        markets = client.get_markets(limit=1000, fetch_all=True)
        _report(started, markets.to_dataframe())


LEGS = {
    "floor": (leg_floor, {}),
    "floor (gc paused)": (leg_floor, {"nogc": "1"}),
    "markets_df": (leg_markets_df, {}),
    "markets_df (signed)": (leg_markets_df, {"signed": "1"}),
    "pykalshi": (leg_pykalshi, {}),
}


# --- the parent --------------------------------------------------------------------------------------------


def pykalshi_python() -> str | None:
    python = PYKALSHI_VENV / "bin" / "python"
    probe = [str(python), "-c", "import pykalshi, pandas"]
    if python.exists() and subprocess.run(probe, capture_output=True, check=False).returncode == 0:
        return str(python)
    print(f"creating {PYKALSHI_VENV.relative_to(HERE.parent)} with {PYKALSHI_SPEC} (bench only) ...")
    subprocess.run([sys.executable, "-m", "venv", str(PYKALSHI_VENV)], check=True)
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", PYKALSHI_SPEC, "pandas"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        print(f"could not install {PYKALSHI_SPEC}; skipping its leg:\n{result.stderr[-2000:]}")
        return None
    return str(python)


def run_leg(name: str, python: str, sb: object) -> dict:
    _, extra = LEGS[name]
    cmd = [
        python,
        str(Path(__file__).resolve()),
        "--leg",
        name,
        "--url",
        sb.url,
        "--key-id",
        sb.key_id,
        "--key-path",
        sb.private_key_path,
        *(f"--{k}={v}" for k, v in extra.items()),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE.parent, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"leg {name} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} on {os.cpu_count()} cores"


def time_best(fn: object, rounds: int = 2, pause: float = 0.0) -> float:
    best = float("inf")
    for _ in range(rounds):
        time.sleep(pause)  # lets a token bucket refill, so every round starts alike
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    return best


def latency_bench(sb: object) -> None:
    from kalshi_nb.client import KalshiClient
    from kalshi_nb.data import iter_markets, markets_df
    from kalshi_nb.frames import markets_frame

    series = [s["ticker"] for s in sb.exchange.series_list()]
    events = list(dict.fromkeys(m["event_ticker"] for m in sb.exchange.markets(series_ticker="KXBTC")))[-8:]
    cases = [
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
    parser.add_argument("--leg", choices=list(LEGS))
    parser.add_argument("--url")
    parser.add_argument("--key-id")
    parser.add_argument("--key-path")
    parser.add_argument("--signed", default="")
    parser.add_argument("--nogc", default="")
    args = parser.parse_args()
    if args.leg:
        fn, _ = LEGS[args.leg]
        extra = {k: v for k, v in (("signed", args.signed), ("nogc", args.nogc)) if v}
        fn(args.url, key_id=args.key_id, key_path=args.key_path, **extra)
        return

    import pandas as pd

    from kalshi_nb.sandbox import Sandbox

    print(f"start: {load()}")
    pythons = {name: sys.executable for name in LEGS}
    if args.no_pykalshi:
        del pythons["pykalshi"]
    else:
        python = pykalshi_python()
        if python is None:
            del pythons["pykalshi"]
        else:
            pythons["pykalshi"] = python
    started = time.perf_counter()
    sb = Sandbox(markets=args.markets, rate_limit=None)
    gc.freeze()  # the sandbox's millions of long-lived objects: keep the collector off them
    print(
        f"sandbox with {len(sb.exchange.markets()):,} live markets built in "
        f"{time.perf_counter() - started:.0f} s; "
        f"pandas {pd.__version__}"
    )
    results: dict[str, list[dict]] = {name: [] for name in pythons}
    names = list(pythons)
    with sb:
        for round_ in range(args.rounds):
            order = names[round_ % len(names) :] + names[: round_ % len(names)]
            for name in order:
                results[name].append(run_leg(name, pythons[name], sb))
            print(
                f"round {round_ + 1}: "
                + ", ".join(f"{n} {results[n][-1]['seconds']:.2f} s" for n in order)
                + f" ({load()})"
            )

        print(
            f"\n{args.markets:,} markets, 1,000 per page, {args.rounds} rounds (each leg in its own process):"
        )
        best = {n: min(r["seconds"] for r in rs) for n, rs in results.items()}
        median = {n: statistics.median(r["seconds"] for r in rs) for n, rs in results.items()}
        for n, rs in results.items():
            print(
                f"  {n:<20} best {best[n]:6.2f} s  median {median[n]:6.2f} s  "
                f"rows {rs[0]['rows']:,}  columns {rs[0]['columns']}"
            )
        print(
            f"  markets_df / floor:     best {best['markets_df'] / best['floor']:.2f}x  "
            f"median {median['markets_df'] / median['floor']:.2f}x  (target <= 1.3x)"
        )
        print(
            f"  signed markets_df / floor: best {best['markets_df (signed)'] / best['floor']:.2f}x  "
            f"median {median['markets_df (signed)'] / median['floor']:.2f}x"
        )
        print(
            f"  markets_df / floor with the collector paused too: best "
            f"{best['markets_df'] / best['floor (gc paused)']:.2f}x  "
            f"median {median['markets_df'] / median['floor (gc paused)']:.2f}x  (markets_df pauses it itself)"
        )
        if "pykalshi" in results:
            print(
                f"  markets_df / pykalshi:  best {best['markets_df'] / best['pykalshi']:.2f}x  "
                f"median {median['markets_df'] / median['pykalshi']:.2f}x  (target < 1x)"
            )
        print("\ndeep memory of the DataFrame per 1,000 markets:")
        floor_kib = results["floor"][0]["memory"] / results["floor"][0]["rows"] * 1000 / 1024
        for n, rs in results.items():
            kib = rs[0]["memory"] / rs[0]["rows"] * 1000 / 1024
            print(f"  {n:<20} {kib:8,.0f} KiB  ({kib / floor_kib:.2f}x the floor)")

        latency_bench(sb)
    print(f"\nend: {load()}")


if __name__ == "__main__":
    main()
