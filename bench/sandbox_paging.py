"""Page through 200,000 sandbox markets at limit=1000 with a plain `requests` loop; print pages per second
and the server's share of the time.

The sandbox runs in this process (a daemon thread), so client and server share one interpreter and its GIL:
the figures are for the whole loop, and "server share" is the time spent inside the server's request
handler (werkzeug parsing + our app + the socket write) divided by the wall time. Each page is
serialised as it is served (the sandbox keeps no per-record cache of bytes).

"Without the server's time" is pages / (wall - handler time): the rate this client loop would reach if
the sandbox answered instantly, i.e. the client's own ceiling. ``--subprocess`` runs the sandbox through
its CLI in another process (two cores instead of one GIL) and reports the server's app time from the
request log.

With ``--subprocess`` a last pass reads the pages without decoding them, which shows what the sandbox and
HTTP deliver on their own.

Usage: python bench/sandbox_paging.py [--markets 200000] [--limit 1000] [--passes 2] [--subprocess]
"""

from __future__ import annotations

import argparse
import gc
import json
import signal
import subprocess
import sys
import time

import requests

from kalshi_nb.sandbox import Sandbox


def page_through(session: requests.Session, url: str, limit: int) -> tuple[int, int, float, float]:
    """Return (pages, rows, wall seconds, client-side JSON parse seconds)."""
    pages = rows = 0
    parse = 0.0
    cursor = ""
    started = time.perf_counter()
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        resp = session.get(url, params=params, timeout=60)
        resp.raise_for_status()
        t = time.perf_counter()
        body = resp.json()
        parse += time.perf_counter() - t
        pages += 1
        rows += len(body["markets"])
        cursor = body["cursor"]
        if not cursor:
            return pages, rows, time.perf_counter() - started, parse


def page_bytes(session: requests.Session, url: str, limit: int) -> tuple[int, float]:
    """The same walk without decoding the pages (the cursor is read from the tail): the rate the sandbox and
    HTTP deliver, which a client that decodes 1.6 MB of JSON per page with the stdlib cannot reach."""
    pages, cursor = 0, ""
    started = time.perf_counter()
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        body = session.get(url, params=params, timeout=60).content
        pages += 1
        cursor = json.loads(b"{" + body[body.rindex(b'"cursor":') :])["cursor"]
        if not cursor:
            return pages, time.perf_counter() - started


def report(
    n: int, pages: int, rows: int, wall: float, parse: float, handler: float | None, app: float
) -> None:
    line = f"pass {n}: {pages} pages, {rows:,} rows in {wall:.2f} s = {pages / wall:.1f} pages/s"
    if handler is not None:
        line += (
            f" | server share {handler / wall:.0%} (handler {1000 * handler / pages:.1f} ms/page, app "
            f"{1000 * app / pages:.1f}) | without the server's time: {pages / (wall - handler):.1f} pages/s"
        )
    else:
        line += f" | server app time {1000 * app / pages:.1f} ms/page ({app / wall:.0%} of the wall time)"
    line += f" | client json parse {1000 * parse / pages:.1f} ms/page"
    print(line)


def in_process(args: argparse.Namespace) -> None:
    t = time.perf_counter()
    sb = Sandbox(markets=args.markets, rate_limit=None)
    build = time.perf_counter() - t
    # The sandbox's few million long-lived objects live in this process; without freezing them, every
    # full collection triggered by the client's json parsing would walk them all.
    gc.freeze()
    with sb, requests.Session() as session:
        page = sb.exchange.markets()[: args.limit]
        mb = sum(len(json.dumps(m, separators=(",", ":"))) for m in page) / 1e6
        print(
            f"in-process sandbox: {len(sb.exchange.markets()):,} live markets (~{mb:.1f} MB per page), "
            f"data built in {build:.1f} s"
        )
        for n in range(1, args.passes + 1):
            sb.requests.clear()
            sb.app.wire_seconds = 0.0
            pages, rows, wall, parse = page_through(session, sb.url + "/markets", args.limit)
            report(n, pages, rows, wall, parse, sb.app.wire_seconds, sum(r.duration for r in sb.requests))


def subprocess_server(args: argparse.Namespace) -> None:
    """The sandbox in its own process (the CLI), so server and client run on different cores."""
    cmd = [
        sys.executable,
        "-m",
        "kalshi_nb.sandbox",
        "--port",
        "0",
        "--size",
        str(args.markets),
        "--rate-limit",
        "off",
    ]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) as proc, requests.Session() as session:
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().split(": ", 1)[1].strip()
            root = url.removesuffix("/trade-api/v2")
            print(f"sandbox subprocess: {url}")
            for n in range(1, args.passes + 1):
                session.delete(root + "/_sandbox/requests", timeout=60)
                pages, rows, wall, parse = page_through(session, url + "/markets", args.limit)
                log = session.get(root + "/_sandbox/requests", timeout=60).json()["requests"]
                report(n, pages, rows, wall, parse, None, sum(r["duration"] for r in log))
            pages, wall = page_bytes(session, url + "/markets", args.limit)
            print(
                f"transport only (no client-side JSON decoding): {pages} pages in {wall:.2f} s "
                f"= {pages / wall:.1f} pages/s"
            )
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markets", type=int, default=200_000)
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument(
        "--subprocess",
        action="store_true",
        help="run the sandbox as `python -m kalshi_nb.sandbox` in another process instead",
    )
    args = parser.parse_args()
    if args.subprocess:
        subprocess_server(args)
    else:
        in_process(args)


if __name__ == "__main__":
    main()
