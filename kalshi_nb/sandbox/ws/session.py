"""One WebSocket connection's subscriptions: the commands, and the routing of bus events to messages.

Every method that reads or changes subscriptions runs under the exchange lock, the same lock under which
the bus calls ``on_event``: a subscription's snapshot and the deltas after it therefore see the exchange
in one order, and no change falls between them (nor is counted twice).

``send(frame)`` is the thread-safe hand-off to the connection's writer (``server.py``); the frames of one
session are queued in the order they are built.

Example:
    >>> s = Session(sb.exchange, user_id="u1", send=print, next_sid=iter(range(1, 99)).__next__)
    >>> s.command({"id": 1, "cmd": "subscribe", "params": {"channels": ["ticker"]}})
    {'type': 'subscribed', 'msg': {'channel': 'ticker', 'sid': 1}, 'id': 1}
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import messages as m

# Kalshi's error codes (asyncapi.yaml x-error-codes) used here.
UNABLE, PARAMS_REQUIRED, CHANNELS_REQUIRED, SIDS_REQUIRED, UNKNOWN_COMMAND = 1, 2, 3, 4, 5
UNKNOWN_SID, UNKNOWN_CHANNEL, INVALID_PARAMETER, ONE_SID, UNSUPPORTED_ACTION = 7, 8, 11, 12, 13
TICKER_REQUIRED, ACTION_REQUIRED, BUFFER_OVERFLOW, TOO_MANY_REQUESTS = 14, 15, 25, 27
COMMAND_LIMIT = 10_000  # commands per second per connection
ERROR_TEXT = {
    UNABLE: "Unable to process message", PARAMS_REQUIRED: "Params required",
    CHANNELS_REQUIRED: "Channels required", SIDS_REQUIRED: "Sids required",
    UNKNOWN_COMMAND: "Unknown command", UNKNOWN_SID: "Unknown subscription ID",
    UNKNOWN_CHANNEL: "Unknown channel name", INVALID_PARAMETER: "Invalid parameter",
    ONE_SID: "Exactly one subscription ID is required", UNSUPPORTED_ACTION: "Action not supported",
    TICKER_REQUIRED: "Market Ticker required", ACTION_REQUIRED: "Action required",
    BUFFER_OVERFLOW: "Subscription buffer overflow", TOO_MANY_REQUESTS: "Too many requests",
}  # fmt: skip


class CommandError(Exception):
    """A command refused with one of Kalshi's codes."""

    def __init__(self, code: int, detail: str = "") -> None:
        super().__init__(detail or ERROR_TEXT[code])
        self.code = code
        self.detail = detail or ERROR_TEXT[code]


@dataclass
class Sub:
    """One subscription: a channel, its markets (None: every market) and its ``seq`` counter."""

    sid: int
    channel: str
    tickers: set[str] | None
    use_yes_price: bool = False
    seq: int = 0
    order: list[str] = field(default_factory=list)  # tickers in the order they were added

    def wants(self, ticker: str) -> bool:
        return self.tickers is None or ticker in self.tickers


def now_ms() -> int:
    return int(time.time() * 1000)


class Session:
    """The subscriptions of one authenticated connection (``user_id``) and the messages they produce."""

    def __init__(
        self,
        exchange: Any,
        *,
        user_id: str,
        send: Callable[[dict], None],
        next_sid: Callable[[], int],
        seq_step: Callable[[], int] = lambda: 1,
    ) -> None:
        self.exchange = exchange
        self.user_id = user_id
        self.send = send
        self._next_sid = next_sid
        self._seq_step = seq_step  # 2 once when the skip_seq fault is armed
        self.subs: dict[int, Sub] = {}
        # "Max 10k/s commands" (kalshi-ws.md, 2026-06-18): a sliding one-second window per connection.
        self.command_limit = COMMAND_LIMIT
        self._recent: collections.deque[float] = collections.deque()
        # True when the connection's outgoing buffer is full (the buffer_limit fault): the subscription
        # that would add a frame ends with error 25, as a slow subscriber's does live.
        self.full: Callable[[], bool] = lambda: False

    # --- envelopes ------------------------------------------------------------------------------------
    def _data(self, sub: Sub, type_: str, msg: dict, cmd_id: int | None = None) -> None:
        if sub.sid not in self.subs:
            return  # ended earlier in this same event (buffer overflow)
        if self.full():
            self.drop_sub(sub, BUFFER_OVERFLOW)
            return
        frame: dict = {"type": type_, "sid": sub.sid}
        if cmd_id:
            frame["id"] = cmd_id
        if sub.channel in m.SEQ_CHANNELS:
            sub.seq += self._seq_step()
            frame["seq"] = sub.seq
        frame["msg"] = msg
        self.send(frame)

    def error(self, cmd_id: int | None, code: int, detail: str = "", sid: int | None = None) -> None:
        frame: dict = {"type": "error", "msg": {"code": code, "msg": detail or ERROR_TEXT[code]}}
        if cmd_id:
            frame["id"] = cmd_id
        if sid is not None:
            frame["sid"] = sid
        self.send(frame)

    # --- commands -------------------------------------------------------------------------------------
    def command(self, cmd: Any) -> None:
        """Run one decoded command; answer it (or its error) through ``send``."""
        cmd_id = cmd.get("id") if isinstance(cmd, dict) else None
        cmd_id = cmd_id if isinstance(cmd_id, int) and not isinstance(cmd_id, bool) else None
        try:
            self._count_command()
            if not isinstance(cmd, dict):
                raise CommandError(UNABLE, "a command is a JSON object with id, cmd and params")
            name = cmd.get("cmd")
            handler = {
                "subscribe": self._subscribe, "unsubscribe": self._unsubscribe,
                "list_subscriptions": self._list, "update_subscription": self._update,
            }.get(name if isinstance(name, str) else "")  # fmt: skip
            if handler is None:
                raise CommandError(UNKNOWN_COMMAND, f"Unknown command {str(name)[:40]!r}")
            params = cmd.get("params")
            if params is not None and not isinstance(params, dict):
                raise CommandError(INVALID_PARAMETER, "params must be an object")
            with self.exchange._lock:
                handler(cmd_id, params)
        except CommandError as exc:
            self.error(cmd_id, exc.code, exc.detail)

    def _count_command(self) -> None:
        now = time.monotonic()
        recent = self._recent
        while recent and recent[0] <= now - 1.0:
            recent.popleft()
        if len(recent) >= self.command_limit:
            raise CommandError(
                TOO_MANY_REQUESTS, f"Too many requests: at most {self.command_limit} commands a second"
            )
        recent.append(now)

    def _tickers(self, params: dict) -> list[str] | None:
        one, many = params.get("market_ticker"), params.get("market_tickers")
        if one is not None and many is not None:
            raise CommandError(INVALID_PARAMETER, "market_ticker and market_tickers are mutually exclusive")
        if one is not None:
            many = [one]
        if many is None:
            return None
        if not isinstance(many, list) or not all(isinstance(t, str) and t for t in many):
            raise CommandError(INVALID_PARAMETER, "market_tickers must be a list of tickers")
        for t in many:
            if t not in self.exchange._rec:  # UNCONFIRMED: what live answers for an unknown ticker
                raise CommandError(INVALID_PARAMETER, f"unknown market ticker {t[:80]!r}")
        return list(dict.fromkeys(many))

    def _subscribe(self, cmd_id: int | None, params: dict | None) -> None:
        if params is None:
            raise CommandError(PARAMS_REQUIRED)
        channels = params.get("channels")
        if not channels or not isinstance(channels, list):
            raise CommandError(CHANNELS_REQUIRED)
        for ch in channels:
            if ch not in m.CHANNELS:
                raise CommandError(UNKNOWN_CHANNEL, f"Unknown channel name {str(ch)[:40]!r}")
        tickers = self._tickers(params)
        if "orderbook_delta" in channels and tickers is None:
            raise CommandError(TICKER_REQUIRED)
        if "market_lifecycle_v2" in channels and tickers is not None:
            raise CommandError(INVALID_PARAMETER, "market_lifecycle_v2 does not take a market filter")
        use_yes = params.get("use_yes_price", False)
        if not isinstance(use_yes, bool):
            raise CommandError(INVALID_PARAMETER, "use_yes_price must be true or false")
        if "orderbook_delta" in channels:
            self._prime(tickers or [])
        for ch in dict.fromkeys(channels):
            sub = Sub(self._next_sid(), ch, None if tickers is None else set(tickers),
                      use_yes_price=use_yes and ch == "orderbook_delta", order=list(tickers or []))  # fmt: skip
            self.subs[sub.sid] = sub
            frame: dict = {"type": "subscribed", "msg": {"channel": ch, "sid": sub.sid}}
            if cmd_id:
                frame["id"] = cmd_id
            self.send(frame)
            if ch == "orderbook_delta":
                for t in sub.order:
                    self._snapshot(sub, t)
            elif ch == "ticker" and params.get("send_initial_snapshot") and tickers is not None:
                for t in sub.order:
                    self._ticker(sub, t)

    def _sids(self, params: dict | None) -> list[int]:
        if params is None:
            raise CommandError(PARAMS_REQUIRED)
        sids = params.get("sids")
        if sids is None and "sid" in params:
            sids = [params["sid"]]
        if not sids or not isinstance(sids, list):
            raise CommandError(SIDS_REQUIRED)
        for sid in sids:
            if sid not in self.subs:
                raise CommandError(UNKNOWN_SID, f"Unknown subscription ID {str(sid)[:20]}")
        return sids

    def _unsubscribe(self, cmd_id: int | None, params: dict | None) -> None:
        for sid in self._sids(params):
            sub = self.subs.pop(sid)
            # The last frame of the subscription takes the next seq (the schema's seq is >= 1 even for a
            # channel that had none; UNCONFIRMED which number live sends).
            frame: dict = {"type": "unsubscribed", "sid": sid, "seq": sub.seq + 1}
            if cmd_id:
                frame["id"] = cmd_id
            self.send(frame)

    def _list(self, cmd_id: int | None, params: dict | None) -> None:
        frame: dict = {
            "type": "ok",
            "msg": [{"channel": s.channel, "sid": s.sid} for s in self.subs.values()],
        }
        if cmd_id:
            frame["id"] = cmd_id
        self.send(frame)

    def _update(self, cmd_id: int | None, params: dict | None) -> None:
        sids = self._sids(params)
        if len(sids) != 1:
            raise CommandError(ONE_SID)
        assert params is not None
        action = params.get("action")
        if not action:
            raise CommandError(ACTION_REQUIRED)
        if action not in ("add_markets", "delete_markets", "get_snapshot"):
            raise CommandError(UNSUPPORTED_ACTION, f"Action not supported {str(action)[:40]!r}")
        sub = self.subs[sids[0]]
        tickers = self._tickers(params)
        if not tickers:
            raise CommandError(TICKER_REQUIRED)
        if sub.channel == "market_lifecycle_v2" or (
            action == "get_snapshot" and sub.channel != "orderbook_delta"
        ):
            raise CommandError(UNSUPPORTED_ACTION, f"{action} is not supported on {sub.channel}")
        if action == "get_snapshot":
            for t in tickers:
                if sub.wants(t):
                    self._snapshot(sub, t, cmd_id)
            return
        if sub.tickers is None:
            raise CommandError(UNSUPPORTED_ACTION, "this subscription has no market filter to change")
        if action == "add_markets":
            new = [t for t in tickers if t not in sub.tickers]
            if sub.channel == "orderbook_delta":
                self._prime(new)
            sub.tickers.update(new)
            sub.order.extend(new)
        else:
            sub.tickers.difference_update(tickers)
            sub.order = [t for t in sub.order if t in sub.tickers]
        frame: dict = {"type": "ok", "sid": sub.sid, "msg": {"market_tickers": list(sub.order)}}
        if cmd_id:
            frame["id"] = cmd_id
        if sub.channel in m.SEQ_CHANNELS and sub.seq:
            frame["seq"] = sub.seq  # the last seq sent; an ok takes none of its own (UNCONFIRMED)
        self.send(frame)
        if action == "add_markets" and sub.channel == "orderbook_delta":
            for t in new:
                self._snapshot(sub, t)

    def _prime(self, tickers: list[str]) -> None:
        """Build (and publish) the books before the subscription exists: a house book made by the snapshot
        itself would otherwise reach the new subscription twice, as deltas and inside the snapshot."""
        for t in tickers:
            self.exchange.book_snapshot(t)

    # --- data -----------------------------------------------------------------------------------------
    def _snapshot(self, sub: Sub, ticker: str, cmd_id: int | None = None) -> None:
        snap = self.exchange.book_snapshot(ticker)  # under the lock held by the caller
        self._data(
            sub, "orderbook_snapshot", m.snapshot_msg(ticker, snap, use_yes_price=sub.use_yes_price), cmd_id
        )

    def _ticker(self, sub: Sub, ticker: str) -> None:
        rec = self.exchange._rec[ticker]
        trades = self.exchange._live_trades.get(ticker)
        last = trades[-1]["rec"]["count_fp"] if trades else "0.00"
        self._data(sub, "ticker", m.ticker_msg(rec, last_size=last, ts_ms=now_ms()))

    def drop_sub(self, sub: Sub, code: int) -> None:
        """End a subscription with a terminal error (25 buffer overflow): the client must resubscribe."""
        if self.subs.pop(sub.sid, None) is not None:
            self.error(None, code, sid=sub.sid)

    def on_event(self, event: dict) -> None:
        """One bus event (called under the exchange lock): the messages it means for this session."""
        kind = event["kind"]
        subs = list(self.subs.values())
        if kind == "book":
            ts = now_ms()
            for sub in subs:
                if sub.channel == "orderbook_delta" and sub.wants(event["ticker"]):
                    self._data(
                        sub, "orderbook_delta", m.delta_msg(event, use_yes_price=sub.use_yes_price, ts_ms=ts)
                    )
        elif kind == "ticker":
            for sub in subs:
                if sub.channel == "ticker" and sub.wants(event["ticker"]):
                    self._ticker(sub, event["ticker"])
        elif kind == "trade":
            for sub in subs:
                if sub.channel == "trade" and sub.wants(event["ticker"]):
                    self._data(sub, "trade", m.trade_msg(event))
        elif kind == "lifecycle":
            rec = self.exchange._rec.get(event["ticker"], {})
            msg = m.lifecycle_msg(event, rec, self.exchange._events.get(rec.get("event_ticker", "")))
            for sub in subs:
                if msg is not None and sub.channel == "market_lifecycle_v2":
                    self._data(sub, "market_lifecycle_v2", msg)
        elif kind in ("event_created", "event_fee"):
            # The channel also carries event_lifecycle (a new event) and event_fee_update (kalshi-ws.md).
            if kind == "event_created":
                type_, msg = (
                    "event_lifecycle",
                    m.event_lifecycle_msg(self.exchange._events[event["event_ticker"]]),
                )
            else:
                type_, msg = "event_fee_update", m.event_fee_msg(event)
            for sub in subs:
                if sub.channel == "market_lifecycle_v2":
                    self._data(sub, type_, msg)
        elif event.get("user_id") == self.user_id:
            self._private(kind, event, subs)

    def _private(self, kind: str, event: dict, subs: list[Sub]) -> None:
        ticker = event["ticker"]
        channel = {"fill": "fill", "order": "user_orders", "position": "market_positions"}.get(kind)
        for sub in subs:
            if sub.channel != channel or not sub.wants(ticker):
                continue
            if kind == "fill":
                self._data(sub, "fill", m.fill_msg(event, post_position=self._position_of(event)))
            elif kind == "order":
                self._data(sub, "user_order", m.user_order_msg(event))
            else:
                self._data(sub, "market_position", m.position_msg(event))

    def _position_of(self, event: dict) -> str:
        """The position after a fill, from the ledger the fill was booked in (the fill's shard)."""
        for acct in self.exchange._accounts.values():
            if (acct.user_id == self.user_id and acct.exchange_index == event.get("exchange_index")
                    and acct.subaccount == event.get("subaccount_number", 0)):  # fmt: skip
                pos = acct.positions.get(event["ticker"])
                if pos is not None:
                    return m.count_text(pos.position)
        return "0.00"
