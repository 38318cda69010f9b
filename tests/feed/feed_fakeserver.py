"""A scriptable stand-in for Kalshi's WebSocket server on 127.0.0.1, for the client feed's tests.

It speaks the reference's message shapes (``kalshi-ws.md``) and nothing more: subscribe answers
``subscribed`` with a fresh sid, ``orderbook_delta`` subscriptions get one snapshot per market, and
``get_snapshot`` sends snapshots with the command's id. The test pushes frames, skips or repeats a seq, drops
connections and refuses upgrades; every command and every upgrade's headers are recorded.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from decimal import Decimal
from http import HTTPStatus
from typing import Any

import websockets
from websockets.asyncio.server import Request, Response, ServerConnection, serve


class FakeKalshiWS:
    """``books``: ticker -> {"yes": {price_str: size_str}, "no": {...}}, what snapshots report."""

    def __init__(self) -> None:
        self.books: dict[str, dict[str, dict[str, str]]] = {}
        self.commands: list[dict[str, Any]] = []
        self.upgrades: list[dict[str, str]] = []
        self.refuse = 0  # answer the next N upgrades with 401
        self.ignore_snapshots = 0  # leave the next N get_snapshot commands unanswered
        self.conns: list[ServerConnection] = []
        self.subs: dict[int, tuple[str, list[str]]] = {}  # sid -> (channel, tickers), current connection
        self.seq: dict[int, int] = {}
        self.sids_by_channel: dict[str, int] = {}
        self._next_sid = 0
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.port = 0
        self.thread = threading.Thread(target=self._main, daemon=True)
        self.thread.start()
        self.ready.wait(5)
        self.url = f"ws://127.0.0.1:{self.port}/trade-api/ws/v2"

    # --- server side ---------------------------------------------------------------------------------
    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._serve())
        finally:
            self.loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        async with serve(self._handler, "127.0.0.1", 0, process_request=self._check) as server:
            self.port = server.sockets[0].getsockname()[1]
            self.ready.set()
            await self._stop.wait()

    def _check(self, conn: ServerConnection, request: Request) -> Response | None:
        self.upgrades.append({k: v for k, v in request.headers.raw_items()})
        if self.refuse > 0:
            self.refuse -= 1
            return conn.respond(HTTPStatus.UNAUTHORIZED, "authentication failed\n")
        return None

    async def _handler(self, conn: ServerConnection) -> None:
        self.conns.append(conn)
        self.subs.clear()
        self.seq.clear()
        self.sids_by_channel.clear()
        try:
            async for raw in conn:
                cmd = json.loads(raw)
                self.commands.append(cmd)
                await self._command(conn, cmd)
        except websockets.exceptions.ConnectionClosed:
            return  # a dropped connection ends the handler, as on a real server

    async def _command(self, conn: ServerConnection, cmd: dict[str, Any]) -> None:
        params = cmd.get("params") or {}
        if cmd["cmd"] == "subscribe":
            for channel in params["channels"]:
                self._next_sid += 1
                sid = self._next_sid
                tickers = list(params.get("market_tickers", ()))
                self.subs[sid] = (channel, tickers)
                self.sids_by_channel[channel] = sid
                self.seq[sid] = 0
                await self._send(
                    conn, {"id": cmd["id"], "type": "subscribed", "msg": {"channel": channel, "sid": sid}}
                )
                if channel == "orderbook_delta":
                    for t in tickers:
                        await self._send(conn, self._snapshot(sid, t))
        elif cmd["cmd"] == "update_subscription" and params.get("action") == "get_snapshot":
            if self.ignore_snapshots > 0:
                self.ignore_snapshots -= 1
                return
            sid = params["sids"][0]
            await self._send(conn, {"id": cmd["id"], "sid": sid, "type": "ok", "msg": {}})
            for t in params["market_tickers"]:
                await self._send(conn, {**self._snapshot(sid, t), "id": cmd["id"]})
        elif cmd["cmd"] == "list_subscriptions":
            listing = [{"channel": ch, "sid": sid} for sid, (ch, _) in self.subs.items()]
            await self._send(conn, {"id": cmd["id"], "type": "ok", "msg": listing})

    def _snapshot(self, sid: int, ticker: str) -> dict[str, Any]:
        self.seq[sid] += 1
        book = self.books.get(ticker, {"yes": {}, "no": {}})
        msg: dict[str, Any] = {"market_ticker": ticker, "clock": 1}
        for side in ("yes", "no"):
            if book[side]:
                msg[f"{side}_dollars_fp"] = [[p, s] for p, s in sorted(book[side].items())]
        return {"type": "orderbook_snapshot", "sid": sid, "seq": self.seq[sid], "msg": msg}

    async def _send(self, conn: ServerConnection, frame: dict[str, Any]) -> None:
        frame.setdefault("sending_ts_ms", int(time.time() * 1000))
        await conn.send(json.dumps(frame))

    # --- test side -----------------------------------------------------------------------------------
    def _run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(5)

    def delta(
        self, ticker: str, side: str, price: str, delta: str, *, skip: bool = False, dup: bool = False
    ) -> None:
        """Change the server's book and send the orderbook_delta (optionally skipping a seq, or twice)."""
        levels = self.books.setdefault(ticker, {"yes": {}, "no": {}})[side]
        size = Decimal(levels.get(price, "0")) + Decimal(delta)
        if size:
            levels[price] = str(size)
        else:
            levels.pop(price, None)
        sid = self.sids_by_channel["orderbook_delta"]
        self.seq[sid] += 2 if skip else 1
        frame = {
            "type": "orderbook_delta",
            "sid": sid,
            "seq": self.seq[sid],
            "msg": {
                "market_ticker": ticker,
                "price_dollars": price,
                "delta_fp": delta,
                "side": side,
                "clock": 2,
            },
        }
        for _ in range(2 if dup else 1):
            self._run(self._send(self.conns[-1], dict(frame)))

    def push(self, frame: dict[str, Any]) -> None:
        """Send any frame on the newest connection."""
        self._run(self._send(self.conns[-1], frame))

    def drop(self) -> None:
        """Close every connection at once (as a network failure would, from the client's view)."""
        for conn in list(self.conns):
            self._run(conn.close(code=1011, reason="dropped by the test"))

    def close(self) -> None:
        self.drop()
        self.loop.call_soon_threadsafe(self._stop.set)
        self.thread.join(5)
