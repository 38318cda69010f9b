"""The servers of ``bench/feed_throughput.py``: a bare WebSocket server that writes pre-encoded frames flat out,
and the driver that makes the sandbox's exchange send deltas at a paced rate. Helpers only: run
``bench/feed_throughput.py``."""

from __future__ import annotations

import json
import random
import threading
import time
from collections import deque
from typing import Any


def _wire(text: str) -> bytes:
    """One unmasked WebSocket text frame (server to client), encoded once, so sending costs nothing."""
    data = text.encode()
    n = len(data)
    if n < 126:
        head = bytes((0x81, n))
    elif n < 1 << 16:
        head = bytes((0x81, 126)) + n.to_bytes(2, "big")
    else:
        head = bytes((0x81, 127)) + n.to_bytes(8, "big")
    return head + data


class Blaster:
    """A bare ``websockets`` server on its own thread: answers the feed's three subscribes (sids 1, 2, 3 as
    ``make_frames`` numbers them), then writes every frame, pre-encoded, straight to the socket."""

    def __init__(self, frames: list[str]) -> None:
        import asyncio

        self.chunks = [b"".join(_wire(f) for f in frames[i : i + 500]) for i in range(0, len(frames), 500)]
        self.runs: list[dict[str, float]] = []  # per connection: when the first frame went, when the last
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self.url = ""
        threading.Thread(target=self._loop.run_until_complete, args=(self._main(),), daemon=True).start()
        self._ready.wait(10)

    async def _main(self) -> None:
        import asyncio

        from websockets.asyncio.server import serve

        async with serve(self._handler, "127.0.0.1", 0, compression=None, ping_interval=None) as server:
            self.url = f"ws://127.0.0.1:{next(iter(server.sockets)).getsockname()[1]}/trade-api/ws/v2"
            self._ready.set()
            await asyncio.Future()

    async def _handler(self, ws: Any) -> None:
        import asyncio

        sids = {"orderbook_delta": 1, "ticker": 2, "trade": 3}
        async for raw in ws:
            cmd = json.loads(raw)
            channel = cmd["params"]["channels"][0]
            msg = {"channel": channel, "sid": sids[channel]}
            await ws.send(json.dumps({"id": cmd["id"], "type": "subscribed", "msg": msg}))
            sids.pop(channel)
            if not sids:
                break
        run = {"started": time.time()}
        transport = ws.transport
        for chunk in self.chunks:
            while transport.get_write_buffer_size() > 1 << 20:
                await asyncio.sleep(0.0005)  # the client's socket is full: it is the slower side
            transport.write(chunk)
        while transport.get_write_buffer_size():
            await asyncio.sleep(0.0005)
        run["finished"] = time.time()
        self.runs.append(run)
        await ws.wait_closed()


def written(sb: Any) -> int:
    """Frames the sandbox's writer has sent on seq channels (built, minus what still waits in its queue)."""
    total = 0
    for conn in list(sb._ws._conns):  # bench only: the server's internals
        total += sum(sub.seq for sub in conn.session.subs.values()) - len(conn.frames)
    return total


def pick_markets(sb: Any, count: int) -> list[str]:
    """Open markets whose best YES ask is 6 cents or more, so 1-3 cent bids rest and never trade."""
    ex = sb.exchange
    out = []
    for rec in ex.markets(status="open"):
        if "mve_collection_ticker" in rec:
            continue
        no = ex.orderbook(rec["ticker"]).get("no_dollars") or []
        if not no or 1 - float(no[-1][0]) >= 0.06:
            out.append(rec["ticker"])
    return out[:count]


def drive(sb: Any, tickers: list[str], rate: float | None, seconds: float) -> int:
    """Place and cancel resting 1-contract bids for ``seconds`` at ``rate`` operations a second (None: flat
    out); each operation is one ``orderbook_delta``. Returns the number of operations."""
    ex, user = sb.exchange, sb.user_id
    resting: deque[str] = deque()
    rng = random.Random(1)
    done = 0
    started = time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        if rate is not None and done >= rate * elapsed:
            time.sleep(0.0005)
            continue
        if len(resting) < 30:
            body = {"ticker": rng.choice(tickers), "side": "bid", "count": "1",
                    "price": f"0.0{rng.randint(1, 3)}00", "time_in_force": "good_till_canceled",
                    "self_trade_prevention_type": "maker"}  # fmt: skip
            resting.append(ex.create_order(user, body)["order_id"])
        else:
            ex.cancel_order(user, resting.popleft())
        done += 1
    while resting:
        ex.cancel_order(user, resting.popleft())
        done += 1
    return done
