"""The sandbox's WebSocket endpoint, ``ws://127.0.0.1:PORT/trade-api/ws/v2``, on its own thread and loop.

The upgrade request is authenticated like a REST request (``sigcheck.verify_request`` over
``timestamp + "GET" + "/trade-api/ws/v2"``); a failure is an HTTP 401 before any upgrade. Each connection
gets a ``Session`` (``session.py``); one exchange listener feeds every session under the exchange lock,
and frames reach each connection's writer through a deque, in the order they were built. The writer adds
``sending_ts_ms`` and applies the faults (``WsFaults``). Kalshi sends a Ping with body ``heartbeat`` every
10 seconds.

Example:
    >>> srv = WsServer(sb.exchange, sb.app.keys).start()
    >>> srv.url.endswith("/trade-api/ws/v2"), srv.connections
    (True, 0)
    >>> srv.stop()
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import json
import logging
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from websockets.exceptions import ConnectionClosed

from ..errors import SandboxError
from ..sigcheck import KeyRegistry, verify_request
from .faults import WsFaults
from .session import BUFFER_OVERFLOW, COMMAND_LIMIT, UNABLE, Session

WS_PATH = "/trade-api/ws/v2"
PING_INTERVAL = 10.0  # seconds (kalshi-ws.md: "Ping frames every 10 seconds with body heartbeat")
TICK_INTERVAL = 1.0  # seconds between the exchange clock ticks while a connection is open

log = logging.getLogger(__name__)


class _Conn:
    """One open connection: its websocket, session, outgoing frames and the writer's wake-up."""

    def __init__(self, ws: Any, session: Session, loop: asyncio.AbstractEventLoop) -> None:
        self.ws = ws
        self.session = session
        self.loop = loop
        self.frames: collections.deque[dict] = collections.deque()
        self.wake = asyncio.Event()

    def push(self, frame: dict) -> None:
        """Queue a frame from any thread (the bus runs on the HTTP server's threads)."""
        self.frames.append(frame)
        with contextlib.suppress(RuntimeError):  # the loop is closed: the server is stopping
            self.loop.call_soon_threadsafe(self.wake.set)


class WsServer:
    """A websockets server for one exchange, trusting the keys of ``keys``.

    Example:
        >>> WsServer(sb.exchange, sb.app.keys, port=0).start().stop()
    """

    def __init__(
        self, exchange: Any, keys: KeyRegistry, *, host: str = "127.0.0.1", port: int = 0,
        faults: WsFaults | None = None, ping_interval: float = PING_INTERVAL,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:  # fmt: skip
        self.exchange = exchange
        self.keys = keys
        self.host = host
        self._requested_port = port
        self.faults = faults or WsFaults()
        self.ping_interval = ping_interval
        self.command_limit = COMMAND_LIMIT  # per connection and second (error 27 beyond); tests lower it
        # The exchange moves its lifecycle (a window opening, settling, a new one appearing) lazily, on the next
        # call into it. While someone is connected, the server makes that call this often, so the feed's
        # lifecycle messages come on time even when no request or simulation touches the exchange.
        self.tick_interval = TICK_INTERVAL
        # A bug in a session must never break the exchange (the bus runs inside REST requests): it is
        # recorded here (Sandbox.check() re-raises it) and the connection is dropped.
        self.on_error = on_error or (lambda exc: log.error("sandbox ws error", exc_info=exc))
        self._conns: list[_Conn] = []  # changed under the exchange lock (the bus reads it there)
        # id(connection) -> (user id, drops so far), from the upgrade to the handler: a client's connect()
        # returns on the 101, before the handler registers the connection, so a drop in between (a reset
        # right after connecting) must still reach it
        self._users: dict[int, tuple[str, int]] = {}
        self._drops = 0  # changed under the exchange lock
        self._sids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Future[None] | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._port = 0
        self._failure: BaseException | None = None
        self._unlisten: Any = None

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"ws://{host}:{self._port}{WS_PATH}"

    @property
    def connections(self) -> int:
        """How many connections are open now."""
        return len(self._conns)

    # --- lifecycle ------------------------------------------------------------------------------------
    def start(self) -> WsServer:
        """Listen on a daemon thread with its own event loop; return once the port is bound."""
        if self._thread is not None:
            return self
        self._unlisten = self.exchange.listen(self._on_event)
        self._thread = threading.Thread(target=self._run, name="kalshi-sandbox-ws", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if self._failure is not None:
            self._unlisten()
            raise self._failure
        return self

    def stop(self) -> None:
        """Close every connection and the listening socket; join the thread."""
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():

            def finish() -> None:
                if not stop.done():
                    stop.set_result(None)

            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(finish)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # noqa: BLE001 - re-raised by start() (a port in use, say)
            self._failure = exc
            self._ready.set()

    async def _main(self) -> None:
        from websockets.asyncio.server import serve

        self._loop = asyncio.get_running_loop()
        self._stop = self._loop.create_future()
        async with serve(
            self._handler, self.host, self._requested_port, process_request=self._upgrade,
            ping_interval=None, compression=None, max_size=1 << 20,
        ) as server:  # fmt: skip
            self._port = int(next(iter(server.sockets)).getsockname()[1])
            self._ready.set()
            ticker = asyncio.create_task(self._ticker())
            await self._stop
            ticker.cancel()
            server.close()
            await server.wait_closed()

    # --- the upgrade ----------------------------------------------------------------------------------
    def _upgrade(self, connection: Any, request: Any) -> Any:
        path, _, query = request.path.partition("?")
        if path != WS_PATH:
            return connection.respond(
                HTTPStatus.NOT_FOUND, f"no WebSocket endpoint at {path[:80]}; use {WS_PATH}\n"
            )
        if self.faults.refuse_upgrade:
            return connection.respond(
                HTTPStatus.SERVICE_UNAVAILABLE, "upgrade refused (sandbox fault refuse_upgrade)\n"
            )
        try:
            entry = verify_request(
                self.keys, method="GET", raw_path=path, query_string=query, headers=request.headers,
                host=request.headers.get("Host"),
            )  # fmt: skip
        except SandboxError as exc:
            body = json.dumps({"code": exc.code, "message": exc.message, "service": "sandbox-ws"})
            response = connection.respond(HTTPStatus.UNAUTHORIZED, body + "\n")
            response.headers["Content-Type"] = "application/json"
            return response
        with self.exchange._lock:
            self._users[id(connection)] = (entry.user_id, self._drops)
        return None

    # --- one connection -------------------------------------------------------------------------------
    async def _handler(self, ws: Any) -> None:
        user_id, drops = self._users.pop(id(ws), ("", 0))
        loop = asyncio.get_running_loop()
        conn: _Conn | None = None

        def send(frame: dict) -> None:
            assert conn is not None
            conn.push(frame)

        session = Session(self.exchange, user_id=user_id, send=send, next_sid=self._next_sid,
                          seq_step=self.faults.seq_step)  # fmt: skip
        session.command_limit = self.command_limit
        conn = _Conn(ws, session, loop)
        session.full = lambda: (
            self.faults.buffer_limit is not None and len(conn.frames) >= self.faults.buffer_limit
        )
        with self.exchange._lock:
            if drops != self._drops:  # dropped between its upgrade and now
                ws.transport.abort()
                return
            self._conns = [*self._conns, conn]
        writer = asyncio.create_task(self._writer(conn))
        pinger = asyncio.create_task(self._pinger(ws))
        try:
            async for raw in ws:
                try:
                    cmd = json.loads(raw)
                except (ValueError, TypeError):
                    session.error(None, UNABLE, "Unable to process message: not JSON")
                    continue
                try:
                    session.command(cmd)
                except Exception as exc:  # noqa: BLE001 - a sandbox bug: reported, the connection closes
                    self.on_error(exc)
                    break
        except ConnectionClosed:  # a dropped connection ends here; nothing to report
            pass
        finally:
            with self.exchange._lock:
                self._conns = [c for c in self._conns if c is not conn]
            writer.cancel()
            pinger.cancel()

    def _next_sid(self) -> int:
        return next(self._sids)

    async def _ticker(self) -> None:
        while True:
            await asyncio.sleep(self.tick_interval)
            if self._conns:
                try:
                    # On a worker thread: the exchange lock may be held by a long request meanwhile.
                    await asyncio.to_thread(self._tick)
                except Exception as exc:  # noqa: BLE001 - reported like any feed error; the ticking goes on
                    self.on_error(exc)

    def _tick(self) -> None:
        with self.exchange._lock:
            self.exchange._sync()

    async def _pinger(self, ws: Any) -> None:
        with contextlib.suppress(ConnectionClosed):
            while True:
                await asyncio.sleep(self.ping_interval)
                await ws.ping(b"heartbeat")

    async def _writer(self, conn: _Conn) -> None:
        with contextlib.suppress(ConnectionClosed):
            await self._write(conn)

    async def _write(self, conn: _Conn) -> None:
        ws = conn.ws
        while True:
            await conn.wake.wait()
            conn.wake.clear()
            while conn.frames:
                delay = self.faults.delay
                if delay:
                    await asyncio.sleep(delay)
                frame = conn.frames.popleft()
                frame["sending_ts_ms"] = int(time.time() * 1000)
                text = json.dumps(frame, separators=(",", ":"))
                # Decided before sending, so a fault armed after a frame arrived never hits that frame.
                data = "msg" in frame and frame.get("type") not in ("error", "subscribed", "ok")
                twice = "seq" in frame and "msg" in frame and self.faults.take_duplicate()
                drop = data and self.faults.take_drop()
                await ws.send(text)
                if twice:
                    await ws.send(text)
                if drop:
                    ws.transport.abort()  # an abrupt drop (no close frame), as a network failure looks
                    return

    # --- the bus --------------------------------------------------------------------------------------
    def _on_event(self, event: dict) -> None:
        """Called by the exchange under its lock: route the event to every session."""
        if event["kind"] == "reset":
            self.drop_all()  # the exchange was rebuilt: every book a client holds is void
            return
        for conn in self._conns:
            try:
                conn.session.on_event(event)
            except Exception as exc:  # noqa: BLE001 - never let a feed bug fail the exchange's change
                self.on_error(exc)
                with contextlib.suppress(RuntimeError):
                    conn.loop.call_soon_threadsafe(conn.ws.transport.abort)

    def drop_all(self) -> None:
        """Drop every open connection now (abruptly, as a network failure)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with self.exchange._lock:
            self._drops += 1
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(conn.ws.transport.abort)


__all__ = ["BUFFER_OVERFLOW", "WS_PATH", "WsServer"]
