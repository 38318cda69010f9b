"""The live feed's speed and memory, side by side in one run: how fast the client applies messages, whether
it keeps up with the sandbox's WebSocket, how late a book update is, and what a subscribed market costs.

(a) **Apply rate on one core** (a child process, one thread): a seeded, generated message mix for
    ``--markets`` markets in the sandbox's wire format (compact JSON, 4-decimal prices, 2-decimal counts;
    about 88 % ``orderbook_delta``, 6 % ``ticker``, 5 % ``trade``, 1 % ``orderbook_snapshot`` with 20-40
    levels, every delta valid) is applied by

    - ``json.loads``:          decoding the frames and nothing else (the floor of any Python client);
    - ``naive float book``:    ``json.loads`` plus a ``{float(price): float(size)}`` book per side, no seq
                               checks, no validity (what the simplest client does, and gets wrong by drift);
    - ``FeedState.apply``:     the feed's rules on frames decoded beforehand (seq per sid, exact books,
                               trades, tickers);
    - ``Feed._handle``:        the whole path a frame takes on the feed's thread: ``json.loads``, the
                               feed's lock, ``apply_frame`` (responses and data), the waiters' notify and
                               the callback dispatch (none registered).

    - ``orjson.loads``:        only if orjson happens to be installed (not a dependency): what a faster
                               decoder would save.

    Target: ``Feed._handle`` at least 20,000 messages per second. It runs for 1, 100 and 1,000 markets on
    one subscription (``--markets``), since every in-order message confirms every book of its subscription.

(b) **End to end on loopback**: the sandbox (REST + WebSocket) runs in this process, the client
    (``kalshi_nb.feed.Feed`` subscribed to ``orderbook_delta`` on ``--e2e-markets`` markets) in a child
    process, as a notebook would hold it. This process places and cancels 1-contract YES bids at 1-3 cents
    (never crossing) straight on ``sb.exchange``, each one delta, paced at several rates and then as fast as
    the sandbox goes. Every 20 ms both sides sample their counts: frames the sandbox wrote (its per-sid
    ``seq`` counters minus its writer's queue; read from the server's internals, bench only) and frames the
    client applied (``FeedState.messages``). Reported: each side's rate and the client's largest backlog
    (written - applied). Target: the backlog never grows (the client keeps up with whatever the sandbox
    sends). The sandbox's process has its GIL switch interval lowered to 1 ms, so the driver thread does not
    starve the sandbox's writer thread (each socket write gives the GIL away for the default 5 ms).

    Then **flat out**: a bare ``websockets`` server (this process, its own thread) answers the subscribes
    and writes the frames of (a) (``--messages``, 100 markets), pre-encoded, as fast as the socket takes
    them, to a client in its own process: first a bare ``websockets`` client that only ``json.loads`` each
    frame (the floor: the library's own cost per frame), then ``kalshi_nb.feed.Feed``. The rate is frames
    over the time from the first frame written to the client's last frame handled. Target: the Feed at
    least 20,000 per second over the socket, every frame applied, no gap.

(c) **Latency**: in the same child, a callback on ``orderbook_delta`` records ``time.time() * 1000 -
    sending_ts_ms`` after each frame was applied (``sending_ts_ms`` is stamped by the sandbox's writer just
    before the send, in whole milliseconds, so figures are up to 1 ms high). Median and p99 per rate.
    Target: p99 under 20 ms at 1,000 messages per second.

(d) **Memory per subscribed market** (a child process, ``tracemalloc``): a ``FeedState`` holding 1, 100 and
    1,000 books after their snapshots, with 20 levels a side (a typical KXBTC15M book) and with every cent
    of both sides (99 levels: a full book), next to the naive float book.

It prints figures and asserts nothing; the machine's load average is printed next to each section, since
other jobs may share the machine.

Run: ``python bench/feed_throughput.py [--markets 1 100 1000] [--messages 200000] [--rounds 3] [--seconds 4]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from _feed_mix import _delta_frames, _snapshot_frame, make_frames, naive_apply, tickers_of
from _feed_servers import Blaster, drive, pick_markets, written

HERE = Path(__file__).resolve()
TARGET_RATE = 20_000
TARGET_P99_MS = 20.0
LAT_RATE = 1_000


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} / {five:.2f} / {fifteen:.2f} on {os.cpu_count()} cores"


# --- (a) apply rate (child process) ------------------------------------------------------------------------


def apply_rates(markets: int, args: argparse.Namespace, client: Any, orjson: Any) -> dict[str, list[float]]:
    """Messages per second of each leg of (a) for one number of markets, one entry per round."""
    from kalshi_nb.feed.live import Feed
    from kalshi_nb.feed.state import FeedState

    raws = make_frames(markets, args.messages, seed=markets)
    decoded = [json.loads(r) for r in raws]
    tickers = tickers_of(raws)

    def fresh_state() -> FeedState:
        state = FeedState()
        state.subscribed(1, "orderbook_delta", tickers)
        state.subscribed(2, "ticker", tickers)
        state.subscribed(3, "trade", tickers)
        return state

    def run_loads() -> None:
        for raw in raws:
            json.loads(raw)

    def run_orjson() -> None:
        for raw in raws:
            orjson.loads(raw)

    def run_state() -> None:
        state = fresh_state()
        apply = state.apply
        for frame in decoded:
            apply(frame, now=1.0)
        assert state.bad_deltas == 0 and all(b.valid for b in state.books.values())

    def run_handle() -> None:
        feed = Feed(tickers, ("orderbook_delta", "ticker", "trade"), client=client,
                    url="ws://127.0.0.1:9/trade-api/ws/v2", start=False)  # fmt: skip
        feed._state = fresh_state()
        handle = feed._handle
        for raw in raws:
            handle(raw)
        assert feed._state.bad_deltas == 0 and feed.health.invalid_books == 0
        feed.close()

    legs = {"json.loads": run_loads, "naive float book": lambda: naive_apply(raws),
            "FeedState.apply": run_state, "Feed._handle": run_handle}  # fmt: skip
    if orjson is not None:
        legs["orjson.loads"] = run_orjson
    rates: dict[str, list[float]] = {name: [] for name in legs}
    names = list(legs)
    for round_ in range(args.rounds):
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            started = time.perf_counter()
            legs[name]()
            rates[name].append(len(raws) / (time.perf_counter() - started))
    return rates


def leg_apply(args: argparse.Namespace) -> None:
    from kalshi_nb.client import KalshiClient

    try:  # a reference only, when installed: kalshi_nb does not depend on orjson
        import orjson
    except ImportError:
        orjson = None
    client = KalshiClient(
        key_id=args.key_id, private_key_path=args.key_path, api_base=args.url, rate_limit=None
    )
    results = {str(m): apply_rates(m, args, client, orjson) for m in args.markets}
    client.close()
    print(json.dumps({"results": results, "load": os.getloadavg()}))


# --- (d) memory per market (child process) -----------------------------------------------------------------


def _memory_of(name: str, tickers: list[str], frames: list[dict[str, Any]], deltas: list[dict]) -> list[int]:
    """Bytes held after the snapshots, and after a delta on every level, for one kind of book."""
    import gc
    import tracemalloc

    from kalshi_nb.feed.state import FeedState

    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    used = []
    if name == "FeedState":
        held: Any = FeedState()
        held.subscribed(1, "orderbook_delta", tickers)
        for batch in (frames, deltas):
            for frame in batch:
                held.apply(frame, now=1.0)
            gc.collect()
            used.append(tracemalloc.get_traced_memory()[0] - before)
        assert held.bad_deltas == 0
    else:
        held = {}
        for frame in frames:
            m = frame["msg"]
            held[m["market_ticker"]] = {
                s: {float(p): float(q) for p, q in m[f"{s}_dollars_fp"]} for s in ("yes", "no")
            }
        gc.collect()
        used.append(tracemalloc.get_traced_memory()[0] - before)
        for frame in deltas:
            m = frame["msg"]
            side = held[m["market_ticker"]][m["side"]]
            price = float(m["price_dollars"])
            side[price] = side.get(price, 0.0) + float(m["delta_fp"])
        gc.collect()
        used.append(tracemalloc.get_traced_memory()[0] - before)
    tracemalloc.stop()
    return used


def leg_memory(args: argparse.Namespace) -> None:
    out: dict[str, list[float]] = {}
    for levels in (20, 99):
        for markets in (1, 100, 1000):
            tickers = [f"KXBTC15M-26DEC02{i:04d}-15" for i in range(markets)]
            # Frames are built (and decoded, as the feed would) before measuring: only what stays counts.
            frames = [
                json.loads(json.dumps(_snapshot_frame(t, levels, i + 1))) for i, t in enumerate(tickers)
            ]
            deltas = _delta_frames(frames, len(frames))
            for name in ("FeedState", "naive float book"):
                used = _memory_of(name, tickers, frames, deltas)
                out[f"{name}|{levels}|{markets}"] = [u / markets for u in used]
    print(json.dumps({"results": out, "load": os.getloadavg()}))


# --- (b) the client against a server that sends as fast as loopback goes -----------------------------------


def leg_blast_client(args: argparse.Namespace) -> None:
    from kalshi_nb.client import KalshiClient
    from kalshi_nb.feed.live import Feed

    tickers = args.tickers.split(",")
    client = KalshiClient(
        key_id=args.key_id, private_key_path=args.key_path, api_base=args.url, rate_limit=None
    )
    feed = Feed(tickers, client=client, url=args.ws_url, reconcile=False)
    deadline = time.time() + 300
    while feed._state.messages < args.messages and time.time() < deadline:
        # A slow poll: each wake-up takes the GIL from the feed's thread (at 5 ms it cost a fifth of the
        # rate). The end time comes from the feed's own record of its last frame instead.
        time.sleep(0.1)
    done = time.time() - (time.monotonic() - feed._last_frame) if feed._last_frame else time.time()
    health = feed.health
    feed.close()
    client.close()
    print(json.dumps({"done": done, "applied": health.messages, "gaps": health.gaps,
                      "invalid": health.invalid_books, "load": os.getloadavg()}))  # fmt: skip


def leg_blast_floor(args: argparse.Namespace) -> None:
    """The floor of (b) flat out: a bare ``websockets`` client that subscribes and only decodes each frame."""
    import asyncio

    from websockets.asyncio.client import connect

    async def main() -> int:
        count = 0
        async with connect(args.ws_url, max_size=64 * 2**20) as ws:
            for i, channel in enumerate(("orderbook_delta", "ticker", "trade"), 1):
                await ws.send(json.dumps({"id": i, "cmd": "subscribe", "params": {"channels": [channel]}}))
            async for raw in ws:
                if json.loads(raw).get("type") != "subscribed":
                    count += 1
                    if count >= args.messages:
                        break
        return count

    count = asyncio.run(main())
    print(
        json.dumps({"done": time.time(), "applied": count, "gaps": 0, "invalid": 0, "load": os.getloadavg()})
    )


def blast(args: argparse.Namespace, sb: Any) -> dict[str, Any]:
    """(b) flat out: the bare websockets floor and the Feed, each in a child process against the Blaster, in
    alternating order for ``--rounds`` rounds; one entry per run."""
    markets = 100 if 100 in args.markets else args.markets[-1]
    frames = make_frames(markets, args.messages, seed=markets)
    server = Blaster(frames)
    out: dict[str, Any] = {"markets": markets, "frames": len(frames), "blast-floor": [], "blast-client": []}
    legs = ["blast-floor", "blast-client"]
    for round_ in range(args.rounds):
        for leg in legs[round_ % 2 :] + legs[: round_ % 2]:
            out[leg].append(_blast_run(leg, args, sb, server, frames))
    return out


def _blast_run(
    leg: str, args: argparse.Namespace, sb: Any, server: Blaster, frames: list[str]
) -> dict[str, Any]:
    cmd = [sys.executable, str(HERE), "--leg", leg, "--url", sb.url, "--ws-url", server.url,
           "--key-id", sb.key_id, "--key-path", sb.private_key_path, "--messages", str(len(frames)),
           "--tickers", ",".join(tickers_of(frames))]  # fmt: skip
    done = subprocess.run(
        cmd, capture_output=True, text=True, cwd=HERE.parent.parent, check=False, timeout=400
    )
    if done.returncode != 0:
        raise RuntimeError(f"{leg} failed:\n{done.stderr[-3000:]}")
    client = json.loads(done.stdout.strip().splitlines()[-1])
    run = server.runs[-1]
    seconds = client["done"] - run["started"]
    return {"server_seconds": run["finished"] - run["started"], "client_seconds": seconds,
            "rate": len(frames) / seconds, **client}  # fmt: skip


# --- (b, c) the client against the sandbox (child process) -------------------------------------------------


def leg_client(args: argparse.Namespace) -> None:
    from kalshi_nb.client import KalshiClient
    from kalshi_nb.feed.live import Feed

    tickers = args.tickers.split(",")
    client = KalshiClient(
        key_id=args.key_id, private_key_path=args.key_path, api_base=args.url, rate_limit=None
    )
    latencies: list[tuple[float, float]] = []

    def on_book(frame: dict[str, Any]) -> None:
        now = time.time() * 1000
        sent = frame.get("sending_ts_ms")
        if isinstance(sent, int):
            latencies.append((now / 1000, now - sent))

    feed = Feed(tickers, ("orderbook_delta",), client=client, url=args.ws_url, reconcile=False)
    feed.on("orderbook_delta", on_book)
    feed.wait_for(lambda f: all(f.book(t).valid for t in tickers), timeout=30)
    samples: list[tuple[float, int]] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append((time.time(), feed._state.messages))  # an int read: no lock needed
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    print("ready", flush=True)
    sys.stdin.readline()  # the parent writes a line when it is done
    stop.set()
    sampler.join()
    health = feed.health
    feed.close()
    client.close()
    print(json.dumps({"samples": samples, "latencies": latencies, "gaps": health.gaps,
                      "invalid": health.invalid_books, "load": os.getloadavg()}))  # fmt: skip


def e2e(args: argparse.Namespace, sb: Any) -> dict[str, Any]:
    tickers = pick_markets(sb, args.e2e_markets)
    cmd = [sys.executable, str(HERE), "--leg", "client", "--url", sb.url, "--ws-url", sb.ws_url,
           "--key-id", sb.key_id, "--key-path", sb.private_key_path, "--tickers", ",".join(tickers)]  # fmt: skip
    child = subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=HERE.parent.parent
    )
    assert child.stdout is not None and child.stdin is not None
    if child.stdout.readline().strip() != "ready":
        raise RuntimeError("the client process did not start")
    samples: list[tuple[float, int]] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append((time.time(), written(sb)))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    previous = sys.getswitchinterval()
    sys.setswitchinterval(0.001)
    sampler.start()
    steps = []
    for rate in (*args.rates, None):
        time.sleep(0.5)  # a quiet gap between steps: whatever is in flight drains
        began = time.time()
        ops = drive(sb, tickers, rate, args.seconds)
        steps.append({"rate": rate, "began": began, "ended": time.time(), "ops": ops})
    time.sleep(1.0)
    stop.set()
    sampler.join()
    sys.setswitchinterval(previous)
    out, _ = child.communicate("done\n", timeout=60)
    client = json.loads(out.strip().splitlines()[-1])
    return {"steps": steps, "server": samples, "tickers": tickers, **client}


def _at(samples: list[tuple[float, int]], t: float) -> int:
    """The count at time ``t`` (the last sample at or before it)."""
    best = samples[0][1]
    for when, count in samples:
        if when > t:
            break
        best = count
    return best


def summarise_e2e(run: dict[str, Any]) -> list[dict[str, Any]]:
    server = [(t, n) for t, n in run["server"]]
    client = [(t, n) for t, n in run["samples"]]
    # Both counters start from what the subscription's snapshots already took; align them on the first step.
    base_s, base_c = _at(server, run["steps"][0]["began"]), _at(client, run["steps"][0]["began"])
    rows = []
    for step in run["steps"]:
        b, e = step["began"], step["ended"]
        span = e - b
        sent = _at(server, e) - _at(server, b)
        applied = _at(client, e) - _at(client, b)
        backlog = [max(0, (_at(server, t) - base_s) - (c - base_c)) for t, c in client if b <= t <= e + 0.5]
        lat = sorted(ms for t, ms in run["latencies"] if b <= t <= e + 0.5)
        rows.append({
            "rate": step["rate"], "built_rate": step["ops"] / span, "sent_rate": sent / span, "applied_rate": applied / span,
            "max_backlog": max(backlog, default=0), "end_backlog": backlog[-1] if backlog else 0,
            "median_ms": statistics.median(lat) if lat else float("nan"),
            "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else float("nan"),
            "max_ms": lat[-1] if lat else float("nan"), "frames": len(lat),
        })  # fmt: skip
    total_sent = _at(server, float("inf")) - base_s
    total_applied = _at(client, float("inf")) - base_c
    rows.append({"total_sent": total_sent, "total_applied": total_applied})
    return rows


# --- the parent --------------------------------------------------------------------------------------------


def run_child(leg: str, args: argparse.Namespace, sb: Any) -> dict[str, Any]:
    cmd = [sys.executable, str(HERE), "--leg", leg, "--url", sb.url, "--key-id", sb.key_id,
           "--key-path", sb.private_key_path, "--markets", *map(str, args.markets), "--messages", str(args.messages),
           "--rounds", str(args.rounds)]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE.parent.parent, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"leg {leg} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def fmt_load(values: list[float]) -> str:
    return f"load {values[0]:.2f} / {values[1]:.2f} / {values[2]:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--markets", type=int, nargs="+", default=[1, 100, 1000])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0, help="per end-to-end step")
    parser.add_argument("--rates", type=float, nargs="*", default=[LAT_RATE, 3_000])
    parser.add_argument("--e2e-markets", type=int, default=10)
    parser.add_argument("--leg", choices=("apply", "memory", "client", "blast-client", "blast-floor"))
    parser.add_argument("--url")
    parser.add_argument("--ws-url")
    parser.add_argument("--key-id")
    parser.add_argument("--key-path")
    parser.add_argument("--tickers")
    args = parser.parse_args()
    if args.leg:
        legs = {
            "apply": leg_apply,
            "memory": leg_memory,
            "client": leg_client,
            "blast-client": leg_blast_client,
            "blast-floor": leg_blast_floor,
        }
        legs[args.leg](args)
        return

    from kalshi_nb.sandbox import Sandbox

    print(f"start: {load()}; Python {sys.version.split()[0]}")
    summary: list[tuple[str, str, str, bool | None]] = []
    with Sandbox(seed=0, rate_limit=None, starting_balance_cents=100_000_000) as sb:
        # (a)
        applied = run_child("apply", args, sb)
        print(f"\n(a) messages applied per second, one thread, {args.messages:,} frames of the mix, "
              f"best / median of {args.rounds} ({fmt_load(applied['load'])} at the end):")  # fmt: skip
        for markets, rates in applied["results"].items():
            print(f"  {markets} market(s):")
            floor = max(rates["json.loads"])
            for name, values in rates.items():
                print(f"    {name:<18} {max(values):>10,.0f} /s  median {statistics.median(values):>10,.0f} /s"
                      f"  ({max(values) / floor:.2f}x json.loads)")  # fmt: skip
            best = max(rates["Feed._handle"])
            summary.append((f"Feed._handle, {markets} market(s)", f">= {TARGET_RATE:,}/s", f"{best:,.0f}/s",
                            best >= TARGET_RATE))  # fmt: skip
        # (b, c)
        run = e2e(args, sb)
        rows = summarise_e2e(run)
        print(f"\n(b, c) the client (its own process) against the sandbox's WebSocket on loopback, "
              f"{len(run['tickers'])} markets, {args.seconds:g} s per step ({fmt_load(run['load'])} at the end):")  # fmt: skip
        print(
            "    driver rate   frames built/s  sandbox sent/s  client applied/s  max backlog  latency median  p99      max"
        )
        for row in rows[:-1]:
            label = "flat out" if row["rate"] is None else f"{row['rate']:,.0f}/s"
            print(f"    {label:<12}  {row['built_rate']:>14,.0f}  {row['sent_rate']:>14,.0f}  {row['applied_rate']:>16,.0f}  "
                  f"{row['max_backlog']:>11,}  {row['median_ms']:>11.1f} ms  {row['p99_ms']:>5.1f} ms  "
                  f"{row['max_ms']:>5.1f} ms")  # fmt: skip
        totals = rows[-1]
        print(f"    in all: the sandbox sent {totals['total_sent']:,} frames, the client applied "
              f"{totals['total_applied']:,}; gaps {run['gaps']}, invalid books at the end {run['invalid']}")  # fmt: skip
        worst = max(r["max_backlog"] for r in rows[:-1])
        fastest = max(r["sent_rate"] for r in rows[:-1])
        kept_up = totals["total_sent"] == totals["total_applied"] and run["gaps"] == 0
        summary.append(("client keeps up with the sandbox", "applied == sent",
                        f"{fastest:,.0f}/s sent, max backlog {worst}", kept_up))  # fmt: skip
        at_target = min(rows[:-1], key=lambda r: abs((r["rate"] or 1e9) - LAT_RATE))
        summary.append((f"latency p99 at {LAT_RATE:,}/s", f"< {TARGET_P99_MS:g} ms",
                        f"{at_target['p99_ms']:.1f} ms (median {at_target['median_ms']:.1f})",
                        at_target["p99_ms"] < TARGET_P99_MS))  # fmt: skip
        # (b) again, without the sandbox's limits
        fast = blast(args, sb)
        print(f"\n(b) flat out: a bare websockets server writes {fast['frames']:,} pre-encoded frames of the mix "
              f"({fast['markets']} markets) as fast as loopback takes them, to a client in its own process "
              f"(best / median of {args.rounds}):")  # fmt: skip
        names = {"blast-floor": "websockets + json.loads", "blast-client": "kalshi_nb Feed"}
        best = {}
        for leg, label in names.items():
            runs = fast[leg]
            best[leg] = max(runs, key=lambda r: r["rate"])
            r = best[leg]
            print(f"    {label:<24} {r['rate']:>8,.0f} /s  median {statistics.median(x['rate'] for x in runs):>8,.0f} /s"
                  f"  (applied {r['applied']:,}; server done in {r['server_seconds']:.2f} s; gaps {r['gaps']}, "
                  f"invalid books {r['invalid']}; {fmt_load(r['load'])})")  # fmt: skip
        r = best["blast-client"]
        ratio = r["rate"] / best["blast-floor"]["rate"]
        measured = f"{r['rate']:,.0f}/s ({ratio:.2f}x the websockets floor)"
        met = r["rate"] >= TARGET_RATE and all(x["applied"] == fast["frames"] for x in fast["blast-client"])
        summary.append(("Feed over a socket, flat out", f">= {TARGET_RATE:,}/s", measured, met))
        # (d)
        memory = run_child("memory", args, sb)
    print(f"\n(d) memory per subscribed market, tracemalloc ({fmt_load(memory['load'])}): after its snapshot / "
          "after a delta on every level")  # fmt: skip
    res = memory["results"]
    for levels in (20, 99):
        print(f"  {levels} levels a side:")
        for name in ("FeedState", "naive float book"):
            cells = "   ".join(
                f"{m:>4} markets {res[f'{name}|{levels}|{m}'][0] / 1024:5.1f} / {res[f'{name}|{levels}|{m}'][1] / 1024:5.1f} KiB"
                for m in (1, 100, 1000)
            )  # fmt: skip
            print(f"    {name:<18} {cells}")
    full = res["FeedState|99|1000"][1] / 1024
    typical = res["FeedState|20|1000"][1] / 1024
    summary.append(("memory per market (20 / 99 levels)", "(none)", f"{typical:.1f} / {full:.1f} KiB", None))

    print(f"\nsummary ({load()}):")
    print(f"  {'figure':<36} {'target':<18} {'measured':<40} met")
    for name, target, measured, met in summary:
        print(f"  {name:<36} {target:<18} {measured:<40} {'-' if met is None else ('yes' if met else 'NO')}")


if __name__ == "__main__":
    main()
