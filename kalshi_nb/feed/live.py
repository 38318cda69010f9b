"""The live feed: one WebSocket connection on its own thread and event loop, kept right across gaps and drops.

Why a thread with its own loop: Jupyter's kernel already runs an asyncio loop, so ``asyncio.run`` fails
there, and a notebook must stay usable while the feed runs. The feed's loop owns the socket; every other
thread reads the state under one lock (``Feed._lock``) and sends commands through
``asyncio.run_coroutine_threadsafe``.

Correctness rules (``kalshi-ws.md``): books are exact (``books.Book``), ``seq`` is tracked per sid, a gap
marks every book of its sid invalid and asks for ``get_snapshot`` (again each second until it comes),
duplicates are ignored, a disconnect invalidates everything, a reconnect is re-signed and re-subscribed
after exponential backoff with jitter, and private state (orders, fills, positions) is re-read over REST
after every connect, because those channels have no ``seq``; trades missed while away are read back
over REST too (``backfill``).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import websockets
from websockets.asyncio.client import ClientConnection, connect

from .. import config
from ..auth import HEADER_KEY, HEADER_SIGNATURE, HEADER_TIMESTAMP
from ..bodies import decode_json
from ..errors import ReadOnlyError
from .backfill import TradeBackfill
from .reads import FeedReads
from .record import Recorder, apply_frame
from .state import PRIVATE_CHANNELS, FeedState

if TYPE_CHECKING:
    from ..client import KalshiClient

log = logging.getLogger("kalshi_nb.feed")

DEFAULT_CHANNELS = ("orderbook_delta", "ticker", "trade")
_RESPONSES = ("subscribed", "unsubscribed", "ok", "error", "list_subscriptions")
_MARKETLESS = ("market_lifecycle_v2",)  # channels that refuse a market filter


class Feed(FeedReads):
    """A live feed of ``channels`` for ``tickers`` (see :func:`kalshi_nb.feed.stream`).

    ``url`` defaults to ``config.get_ws_url`` for the client; ``backoff`` is ``(first, cap)`` seconds;
    ``use_yes_price`` is sent explicitly on the orderbook subscription (books are stored the same either way).

    Example:
        >>> with Feed([ticker], client=client, url=sb.ws_url) as feed:
        ...     feed.wait_for(lambda f: f.book(ticker).valid, timeout=10)
        ...     list(feed.book(ticker).df().columns) == list(kalshi_nb.orderbook_df(ticker, client=client).columns)
        True
        True
    """

    def __init__(
        self,
        tickers: str | Iterable[str] = (),
        channels: Iterable[str] = DEFAULT_CHANNELS,
        *,
        client: KalshiClient | None = None,
        url: str | None = None,
        use_yes_price: bool = False,
        backoff: tuple[float, float] = (0.25, 30.0),
        reconcile: bool = True,
        record: str | Path | None = None,
        start: bool = True,
    ) -> None:
        if client is None:
            from ..defaults import default_client

            client = default_client()
        if client.is_read_only:
            raise ReadOnlyError("Kalshi's WebSocket needs a signed connection: use a client with a key")
        self.client = client
        self.tickers = [tickers] if isinstance(tickers, str) else list(tickers)
        self.channels = tuple(channels)
        if "orderbook_delta" in self.channels and not self.tickers:
            raise ValueError("orderbook_delta needs market tickers: stream(['KX...'], ...)")
        self.url = url or config.get_ws_url(client.api_base, ws_url=getattr(client, "ws_url", None))
        self.use_yes_price = use_yes_price
        self.backoff = backoff
        self.reconcile_private = reconcile and any(c in PRIVATE_CHANNELS for c in self.channels)
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._state = FeedState(use_yes_price=use_yes_price)
        self._clock = time.monotonic
        self._callbacks: dict[str, list[Callable[[dict[str, Any]], Any]]] = {}
        self._connected = False
        self._connects = 0
        self._last_frame: float | None = None
        self._last_error: str | None = None
        self._recovered = 0
        self._generation = 0
        self.reconciled = 0  # REST reconciliations of private state done (one per connect)
        self._next_id = 0
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._sub_requests: dict[int, tuple[str, list[str]]] = {}
        self._asked: dict[int, float] = {}  # sid -> when a snapshot was last requested
        self._ws: ClientConnection | None = None
        self._tasks: set[asyncio.Future[Any]] = set()
        self._recorder: Recorder | None = None
        # Trades missed while away (a reconnect, a seq gap) are read back over REST (backfill.py).
        self.backfill: TradeBackfill | None = TradeBackfill(self) if "trade" in self.channels else None
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._main, name=f"kalshi-feed-{id(self):x}", daemon=True)
        if record is not None:
            self.record(record)
        if start:
            self.start()

    # --- life cycle ---------------------------------------------------------------------------------
    def start(self) -> Feed:
        """Start the feed's thread (done by the constructor unless ``start=False``)."""
        if not self._thread.is_alive():
            self._thread.start()
        return self

    def close(self, timeout: float = 5.0) -> None:
        """Stop the feed: close the socket, end the loop and join the thread."""
        if not self._thread.is_alive():
            if self._thread.ident is None and not self._loop.is_closed():
                self._loop.close()  # never started: nothing else will close it
            return
        while self._stop is None and self._thread.is_alive():
            time.sleep(0.001)  # the loop has not created its stop event yet
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)
        self.stop_recording()

    def __enter__(self) -> Feed:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close(timeout=0.5)

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._run())
        finally:
            self._loop.close()

    async def _run(self) -> None:
        self._stop = asyncio.Event()
        stopper = asyncio.create_task(self._stop.wait())
        attempt = 0
        while not self._stop.is_set():
            began = self._clock()
            # Raced with close(): a connect that hangs (up to open_timeout) must not hold close() up.
            attempt_task = asyncio.create_task(self._connect_once())
            await asyncio.wait({attempt_task, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if not attempt_task.done():
                attempt_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await attempt_task
            self._lost()
            if self._stop.is_set():
                break
            # A connection that lived a while starts the backoff over; one that dies at once keeps growing it.
            attempt = 0 if self._clock() - began > 10.0 else attempt
            first, cap = self.backoff
            delay = min(cap, first * 2**attempt)
            attempt += 1
            # Equal jitter: at least half the delay, so many clients don't reconnect in lockstep.
            # asyncio.TimeoutError is not the builtin before Python 3.11
            with contextlib.suppress(TimeoutError, asyncio.TimeoutError):
                await asyncio.wait_for(self._stop.wait(), delay * random.uniform(0.5, 1.0))
        stopper.cancel()

    async def _connect_once(self) -> None:
        try:
            async with connect(
                self.url, additional_headers=self._sign(), open_timeout=10, max_size=64 * 2**20
            ) as ws:
                await self._session(ws)
        except (OSError, TimeoutError, asyncio.TimeoutError, websockets.exceptions.WebSocketException) as exc:
            self._last_error = f"{type(exc).__name__}: {exc}"
            log.info("feed connection ended: %s", self._last_error)

    def _sign(self) -> dict[str, str]:
        # A fresh timestamp and signature on every (re)connect: a replayed upgrade would be refused.
        ts = str(int(time.time() * 1000))
        return {
            HEADER_KEY: str(self.client.key_id),
            HEADER_TIMESTAMP: ts,
            HEADER_SIGNATURE: self.client._sign_request("GET", config.WS_PATH, ts),
        }

    async def _session(self, ws: ClientConnection) -> None:
        assert self._stop is not None
        with self._lock:
            self._ws = ws
            self._connected = True
            self._connects += 1
            self._last_error = None
        if self._recorder is not None:
            self._recorder.event("connected", t_ms=int(time.time() * 1000))
        for channel in self.channels:
            await self._subscribe(channel)
        if self.backfill is not None:
            self.backfill.connected()
        if self.reconcile_private:
            # REST is blocking: its own thread, so frames keep flowing while it reads.
            threading.Thread(target=self._reconcile, name="kalshi-feed-reconcile", daemon=True).start()
        watchdog = asyncio.create_task(self._watchdog(ws))
        try:
            await self._read(ws)
        finally:
            watchdog.cancel()

    async def _read(self, ws: ClientConnection) -> None:
        async for raw in ws:
            try:
                self._handle(raw)
            except Exception:  # one odd frame must not end the feed; the books it touched
                # may be wrong, so every book is marked stale and asked for again.
                log.exception("feed: a frame could not be handled")
                with self._changed:
                    for book in self._state.books.values():
                        book.invalidate()
                    self._notify()
        await ws.wait_closed()

    def _lost(self) -> None:
        recorder = self._recorder
        if recorder is not None:
            recorder.event("disconnected", t_ms=int(time.time() * 1000))
        with self._changed:
            self._connected = False
            self._ws = None
            self._state.disconnected()
            self._sub_requests.clear()
            self._asked.clear()
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(ConnectionError("the feed's connection closed"))
            self._pending.clear()
            self._notify()

    # --- commands -----------------------------------------------------------------------------------
    async def _send(self, cmd: str, params: dict[str, Any] | None = None) -> asyncio.Future[dict[str, Any]]:
        ws = self._ws
        if ws is None:
            raise ConnectionError("the feed is not connected")
        self._next_id += 1
        cid = self._next_id
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[cid] = fut
        body: dict[str, Any] = {"id": cid, "cmd": cmd}
        if params is not None:
            body["params"] = params
        if cmd == "subscribe" and params:
            self._sub_requests[cid] = (params["channels"][0], list(params.get("market_tickers", ())))
        recorder = self._recorder
        if recorder is not None:
            recorder.sent(body, t_ms=int(time.time() * 1000))
        await ws.send(json.dumps(body))
        return fut

    async def _subscribe(self, channel: str) -> None:
        params: dict[str, Any] = {"channels": [channel]}
        if self.tickers and channel not in _MARKETLESS:
            params["market_tickers"] = list(self.tickers)
        if channel == "orderbook_delta":
            params["use_yes_price"] = self.use_yes_price
        await self._send("subscribe", params)

    def command(self, cmd: str, params: dict[str, Any] | None = None, timeout: float = 5.0) -> dict[str, Any]:
        """Send one command (``list_subscriptions``, ``update_subscription``, ...) and return its answer.

        Raises ``ConnectionError`` when not connected and ``TimeoutError`` when no answer came in time.
        """

        async def go() -> dict[str, Any]:
            return await asyncio.wait_for(await self._send(cmd, params), timeout)

        try:
            return asyncio.run_coroutine_threadsafe(go(), self._loop).result(timeout + 1)
        except (asyncio.TimeoutError, concurrent.futures.TimeoutError) as exc:  # distinct before 3.11
            raise TimeoutError(f"no answer to {cmd!r} within {timeout}s") from exc

    def _ask_snapshot(self, sid: int, tickers: list[str], *, force: bool = False) -> None:
        now = self._clock()
        if not tickers or (not force and now - self._asked.get(sid, -1e9) < 1.0):
            return
        self._asked[sid] = now
        params = {"sids": [sid], "market_tickers": tickers, "action": "get_snapshot"}
        self._spawn(self._send("update_subscription", params))

    async def _watchdog(self, ws: ClientConnection) -> None:
        # Each second: ask again for snapshots that have not come, and on a quiet feed prove liveness
        # with a ping: its pong comes after every frame sent before it, so valid books are current.
        while True:
            await asyncio.sleep(1.0)
            with self._lock:
                repairs = self._state.stale()
                quiet = self._last_frame is None or self._clock() - self._last_frame > 1.0
            for _, sid, tickers in repairs:
                self._ask_snapshot(sid, tickers)
            if self.backfill is not None:
                self.backfill.tick()
            if quiet:
                sent = self._clock()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(await ws.ping(), 5.0)
                    with self._changed:
                        for book in self._state.books.values():
                            if book.valid:
                                book.confirmed = max(book.confirmed or sent, sent)
                        self._notify()

    # --- incoming frames ----------------------------------------------------------------------------
    def _handle(self, raw: str | bytes) -> None:
        # The feed's hot path (every frame, on the feed's thread): one clock read, the book lookups only
        # for the frames that need them, and no dispatch work when no callback is registered.
        recorder = self._recorder
        if recorder is not None:
            recorder.frame(raw, t_ms=int(time.time() * 1000))
        try:
            frame = decode_json(raw)  # the client's decoder (orjson): about a fifth of a frame's cost saved
        except ValueError:
            log.warning("feed: a frame that is not JSON (%d bytes)", len(raw))
            return
        if not isinstance(frame, dict):
            return
        kind = frame.get("type")
        state = self._state
        with self._lock:  # the lock of self._changed: _notify may wake its waiters
            now = self._clock()
            self._last_frame = now
            if kind == "orderbook_delta":
                repairs = apply_frame(state, frame, self._sub_requests, now)
            else:
                msg = frame.get("msg")
                ticker = str(msg.get("market_ticker") if isinstance(msg, dict) else None)
                before = state.books.get(ticker)
                was_valid = before is not None and before.valid
                repairs = apply_frame(state, frame, self._sub_requests, now)
                book = state.books.get(ticker)
                if kind == "orderbook_snapshot" and book is not None and book.valid and book.snapshots > 1:
                    self._recovered += 0 if was_valid else 1
                if kind == "error" and isinstance(msg, dict):
                    self._last_error = f"error {msg.get('code')}: {msg.get('msg')}"
                cid = frame.get("id")
                fut = self._pending.pop(cid, None) if kind in _RESPONSES and isinstance(cid, int) else None
                if fut is not None and not fut.done():
                    fut.set_result(frame)
            self._notify()
        for action, sid, names in repairs:
            if action == "snapshot":
                self._ask_snapshot(sid, names, force=True)
            elif action == "resubscribe":
                self._spawn(self._subscribe(names[0]))
            elif self._ws is not None:  # a terminal error naming no known sid: start over
                self._spawn(self._ws.close())
        if self._callbacks:
            self._dispatch(frame)

    def _notify(self) -> None:
        # Called with the lock held: wake wait_for() callers; the counter tells them something changed.
        self._generation += 1
        self._changed.notify_all()

    def _spawn(self, coro: Any) -> None:
        # Keep a reference until done: the loop holds tasks weakly, so an unreferenced one can vanish.
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _dispatch(self, frame: dict[str, Any]) -> None:
        sid = frame.get("sid")
        channel = self._state.channels.get(sid) if isinstance(sid, int) else None
        keys = {"*", str(frame.get("type"))} | ({channel} if channel else set())
        for key in keys:
            for fn in list(self._callbacks.get(key, ())):
                try:
                    fn(frame)
                except Exception:  # a user's callback must not kill the feed
                    log.exception("feed callback %r failed", fn)

    def _reconcile(self) -> None:
        from ..data.portfolio import iter_fills, iter_orders, iter_positions

        tickers: list[str | None] = [*self.tickers] or [None]
        with self._lock:
            mark = self._state.private_mark()  # updates after this are newer than or as new as the read
        try:
            orders = [o for t in tickers for o in iter_orders(t, client=self.client, max_rows=1000)]
            fills = [f for t in tickers for f in iter_fills(t, client=self.client, max_rows=1000)]
            positions = [p for t in tickers for p in iter_positions(t, client=self.client, max_rows=1000)]
        except Exception as exc:  # noqa: BLE001 - the feed keeps running; health shows why private state may be behind
            self._last_error = f"REST reconciliation failed: {type(exc).__name__}: {exc}"
            return
        with self._changed:
            self._state.reconcile(orders, fills, positions, since=mark)
            self.reconciled += 1
            self._notify()

    def record(self, folder: str | Path) -> Recorder:
        """Write every raw frame (with its receive time), sent command and connection change from now on to
        hourly ``feed-YYYYMMDD-HH.jsonl.gz`` files in ``folder``; ``kalshi_nb.feed.replay(folder)`` rebuilds
        the books. Stops with :meth:`stop_recording` or :meth:`close`.

        A recording started after the subscriptions holds no ``subscribed`` answers, so replaying it knows
        no sids; start recording first (``stream(..., record=folder)``) for a complete one.
        """
        self.stop_recording()
        self._recorder = Recorder(folder, use_yes_price=self.use_yes_price, url=self.url)
        return self._recorder

    def stop_recording(self) -> None:
        recorder, self._recorder = self._recorder, None
        if recorder is not None:
            recorder.close()

    # --- reading ------------------------------------------------------------------------------------
    def on(self, key: str, callback: Callable[[dict[str, Any]], Any]) -> Callable[[], None]:
        """Call ``callback(frame)`` on the feed's thread for each frame of a channel or message type.

        ``key``: a channel (``"orderbook_delta"``), a type (``"orderbook_snapshot"``, ``"user_order"``) or
        ``"*"``. The callback runs after the frame was applied; keep it short. Returns an ``off()`` function.
        """
        self._callbacks.setdefault(key, []).append(callback)

        def off() -> None:
            with contextlib.suppress(ValueError):
                self._callbacks[key].remove(callback)

        return off

    def wait_for(self, predicate: Callable[[Feed], Any], timeout: float = 10.0) -> Any:
        """Block until ``predicate(feed)`` is truthy (checked after every frame); return its value.

        Raises ``TimeoutError`` (with the feed's health) if it is not true within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            with self._changed:
                seen = self._generation
            # Evaluated without the feed's lock, so a slow predicate (a REST call) never stalls the feed.
            value = predicate(self)
            if value:
                return value
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"condition not met within {timeout}s; {self.health}")
            with self._changed:
                if self._generation == seen:  # nothing changed since the check: wait for a change
                    self._changed.wait(min(left, 0.25))

    def __repr__(self) -> str:
        h = self.health
        return (
            f"<Feed {'connected' if h.connected else 'disconnected'} {len(self.tickers)} markets "
            f"{','.join(self.channels)} msgs={h.messages} gaps={h.gaps} reconnects={h.reconnects}>"
        )
