"""Every message the sandbox's WebSocket sends validates against Kalshi's ``asyncapi.yaml`` payload schemas.

A signed ``websockets`` client drives every channel the sandbox serves (``orderbook_delta``, ``ticker``,
``trade``, ``fill``, ``user_orders``, ``market_positions``, ``market_lifecycle_v2``), every command
(``subscribe``, ``unsubscribe``, ``list_subscriptions``, ``update_subscription`` with ``add_markets``,
``delete_markets``, ``get_snapshot``) and the error answers (bad commands, buffer overflow); each frame it
receives is checked against the schemas whose ``type`` constant matches the frame's ``type``, and must carry
``sending_ts_ms``. The spec is read from ``../shared/kalshi-spec/asyncapi.yaml`` beside the clone, else from
the same ``kalshi-sdk`` source distribution ``tests/conformance/kalshi_spec.py`` downloads for
``openapi.yaml`` (never copied into the repository; a missing spec FAILS, it never skips).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import tarfile
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import websockets
from conformance import kalshi_spec
from helpers import auth_headers, load_private_key
from websockets.asyncio.client import connect

from kalshi_nb.sandbox import Sandbox

WS_PATH = "/trade-api/ws/v2"
T0 = datetime(2026, 9, 7, 2, 40, tzinfo=timezone.utc)  # a Monday (no pause); BTC's window runs to 02:45Z
BTC = "KXBTC15M-26SEP062245-45"
TIMEOUT = 5.0


# --- the spec ----------------------------------------------------------------------------------------


def asyncapi_path() -> Path:
    """``asyncapi.yaml``: beside ``openapi.yaml`` in the shared copy, else out of the cached sdist."""
    shared = kalshi_spec.SHARED_SPEC.with_name("asyncapi.yaml")
    if shared.is_file():
        return shared
    cached = kalshi_spec.CACHE / "asyncapi.yaml"
    if cached.is_file():
        return cached
    kalshi_spec.spec_path()  # downloads the sdist into CACHE (or raises SpecUnavailable with the reason)
    archives = sorted(kalshi_spec.CACHE.glob("kalshi_sdk-*.tar.gz"))
    if not archives:
        raise kalshi_spec.SpecUnavailable(
            f"no kalshi-sdk sdist in {kalshi_spec.CACHE} to read asyncapi.yaml from"
        )
    with tarfile.open(archives[-1]) as sdist:
        member = next((m for m in sdist.getmembers() if m.name.endswith("/specs/asyncapi.yaml")), None)
        data = sdist.extractfile(member) if member is not None else None
        if data is None:
            raise kalshi_spec.SpecUnavailable(f"{archives[-1].name} has no specs/asyncapi.yaml")
        partial = cached.with_suffix(".partial")
        partial.write_bytes(data.read())
        partial.replace(cached)
    return cached


@functools.cache
def validators() -> dict[str, list[tuple[str, Any]]]:
    """Message ``type`` constant -> [(message name, validator)] for every payload schema in the spec."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec = yaml.load(asyncapi_path().read_text(encoding="utf-8"), Loader=loader)
    assert spec["info"]["version"] == "2.0.0", spec["info"]
    components = spec["components"]
    out: dict[str, list[tuple[str, Any]]] = {}
    for name, message in components["messages"].items():
        payload = message.get("payload", {})
        ref = payload.get("$ref", "")
        if not ref.startswith("#/components/schemas/"):
            continue  # the ping/pong bodies: plain strings, not JSON messages
        schema = components["schemas"][ref.rsplit("/", 1)[1]]
        const = schema.get("properties", {}).get("type", {}).get("const")
        if const is None:
            continue  # a command (client -> server): no type constant
        root = {"$ref": ref, "components": {"schemas": components["schemas"]}}
        out.setdefault(const, []).append((name, jsonschema_rs.validator_for(root)))
    return out


def check(frame: dict) -> None:
    """Fail unless ``frame`` validates against at least one schema for its ``type`` and has ``sending_ts_ms``."""
    kind = frame.get("type")
    candidates = validators().get(kind)  # type: ignore[arg-type]
    assert candidates, f"type {kind!r} is not a message of asyncapi.yaml: {frame}"
    problems = []
    for name, validator in candidates:
        errors = [f"{'/'.join(map(str, e.instance_path))}: {e.message}" for e in validator.iter_errors(frame)]
        if not errors:
            break
        problems.append(f"{name}: {errors[:5]}")
    else:
        raise AssertionError(
            f"{kind} frame invalid against asyncapi.yaml: {problems}\n{json.dumps(frame)[:1500]}"
        )
    ts = frame.get("sending_ts_ms")
    assert isinstance(ts, int) and not isinstance(ts, bool) and ts > 0, f"no sending_ts_ms: {frame}"


def test_the_checker_can_fail():
    """The checker itself rejects what the spec rejects (else every test below would prove nothing)."""
    good = {"type": "subscribed", "id": 1, "sending_ts_ms": 1, "msg": {"channel": "ticker", "sid": 1}}
    check(good)
    for bad in (
        {**good, "type": "subscribe"},  # not a server message
        {**good, "msg": {"channel": "ticker"}},  # sid required
        {"type": "orderbook_delta", "sid": 1, "seq": 1, "sending_ts_ms": 1, "msg": {"market_ticker": "X"}},
        {k: v for k, v in good.items() if k != "sending_ts_ms"},
    ):
        with pytest.raises(AssertionError):
            check(bad)


# --- a signed client ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sb():
    with Sandbox(seed=1, now=T0, ws=True, rate_limit=None, pauses=False) as sb:
        yield sb


class Client:
    """A signed connection that checks every frame it receives and keeps them in ``seen``."""

    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb
        self.seen: list[dict] = []
        self._id = 100
        self.ws: Any = None

    async def __aenter__(self) -> Client:
        headers = auth_headers(load_private_key(self.sb.private_key_path), self.sb.key_id, "GET", WS_PATH)
        self.ws = await connect(self.sb.ws_url, additional_headers=headers, open_timeout=TIMEOUT)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.ws.close()

    async def send(self, cmd: str, params: dict | None = None, *, id: int | None = None) -> int:
        self._id += 1
        ident = self._id if id is None else id
        body: dict = {"id": ident, "cmd": cmd}
        if params is not None:
            body["params"] = params
        await self.ws.send(json.dumps(body))
        return ident

    async def until(
        self, predicate: Callable[[dict], bool], what: str, timeout: float = TIMEOUT, *, after: int = 0
    ) -> dict:
        """The first frame (from index ``after`` of ``seen``) satisfying ``predicate``, reading (and
        checking) frames until one arrives."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        scanned = after
        while True:
            for frame in self.seen[scanned:]:
                if predicate(frame):
                    return frame
            scanned = max(scanned, len(self.seen))
            left = deadline - loop.time()
            if left <= 0:
                raise AssertionError(
                    f"no {what} within {timeout} s; got {[f.get('type') for f in self.seen]}"
                )
            try:
                raw = await asyncio.wait_for(self.ws.recv(), left)
            except asyncio.TimeoutError:
                continue
            frame = json.loads(raw)
            check(frame)
            self.seen.append(frame)

    async def reply(self, ident: int, kind: str | None = None) -> dict:
        return await self.until(
            lambda f: f.get("id") == ident and (kind is None or f["type"] == kind), f"reply {ident}"
        )

    async def drain(self, seconds: float = 0.3) -> None:
        """Read (and check) whatever arrives for ``seconds``."""
        with contextlib.suppress(AssertionError):
            await self.until(lambda f: False, "nothing", timeout=seconds)


def order(ticker: str, side: str, count: str, price: str, tif: str = "good_till_canceled") -> dict:
    return {"ticker": ticker, "side": side, "count": count, "price": price, "time_in_force": tif,
            "self_trade_prevention_type": "maker"}  # fmt: skip


def is_type(kind: str, frame: dict) -> bool:
    return frame["type"] == kind


def other_market(sb: Sandbox) -> str:
    """An active market with a book, other than BTC (for add_markets and a settlement)."""
    for m in sb.exchange.markets(status="open"):
        if (
            m["ticker"] != BTC
            and "mve_collection_ticker" not in m
            and sb.exchange.orderbook(m["ticker"])["yes_dollars"]
        ):
            return m["ticker"]
    raise AssertionError("no second active market")


# --- the tests ---------------------------------------------------------------------------------------


def test_every_channel_and_command(sb):
    ex, me = sb.exchange, sb.user_id
    other = other_market(sb)

    async def run() -> set[str]:
        async with Client(sb) as c:
            sids = {}
            for channel, params in (
                ("orderbook_delta", {"market_ticker": BTC}),
                ("ticker", {"market_tickers": [BTC]}),
                ("trade", {"market_tickers": [BTC]}),
                ("fill", {}),
                ("user_orders", {}),
                ("market_positions", {}),
                ("market_lifecycle_v2", {}),
            ):
                ident = await c.send("subscribe", {"channels": [channel], **params})
                sids[channel] = (await c.reply(ident, "subscribed"))["msg"]["sid"]
            await c.until(lambda f: f["type"] == "orderbook_snapshot", "snapshot")
            listed = await c.reply(await c.send("list_subscriptions"))
            assert {s["channel"] for s in listed["msg"]} == set(sids)

            mark = len(c.seen)
            resting = ex.create_order(me, order(BTC, "bid", "3", "0.05"))
            await c.until(lambda f: f["type"] == "user_order", "user_order", after=mark)
            await c.until(lambda f: f["type"] == "orderbook_delta", "delta", after=mark)
            # takes the house's offers: a trade, a fill, a position, a new quote
            ex.create_order(me, order(BTC, "bid", "5", "0.99", "immediate_or_cancel"))
            for kind in ("trade", "fill", "market_position", "ticker"):
                await c.until(functools.partial(is_type, kind), kind)
            ex.cancel_order(me, resting["order_id"])
            await c.until(lambda f: f["type"] == "user_order" and f["msg"]["status"] == "canceled", "cancel")

            book = sids["orderbook_delta"]
            added = await c.reply(
                await c.send(
                    "update_subscription",
                    {"sids": [book], "market_tickers": [other], "action": "add_markets"},
                )
            )
            assert added["type"] == "ok" and other in added["msg"]["market_tickers"], added
            await c.until(
                lambda f: f["type"] == "orderbook_snapshot" and f["msg"]["market_ticker"] == other,
                "added snapshot",
            )
            ident = await c.send(
                "update_subscription", {"sids": [book], "market_tickers": [BTC], "action": "get_snapshot"}
            )
            snap = await c.reply(ident, "orderbook_snapshot")
            assert snap["msg"]["market_ticker"] == BTC
            removed = await c.reply(
                await c.send(
                    "update_subscription",
                    {"sids": [book], "market_tickers": [other], "action": "delete_markets"},
                )
            )
            assert removed["type"] == "ok" and other not in removed["msg"].get("market_tickers", []), removed

            ex.settle_market(other, "yes")
            await c.until(
                lambda f: f["type"] == "market_lifecycle_v2" and f["msg"]["market_ticker"] == other,
                "lifecycle",
            )
            ident = await c.send("unsubscribe", {"sids": list(sids.values())})
            await c.until(
                lambda f: sum(g["type"] == "unsubscribed" for g in c.seen) >= len(sids), "unsubscribed"
            )
            await c.drain()
            return {f["type"] for f in c.seen}

    seen = asyncio.run(run())
    want = {"subscribed", "ok", "unsubscribed", "orderbook_snapshot", "orderbook_delta", "ticker", "trade",
            "fill", "user_order", "market_position", "market_lifecycle_v2"}  # fmt: skip
    assert want <= seen, want - seen


def test_options_use_yes_price_and_initial_ticker(sb):
    async def run() -> None:
        async with Client(sb) as c:
            for use_yes in (False, True):
                ident = await c.send(
                    "subscribe",
                    {"channels": ["orderbook_delta"], "market_tickers": [BTC], "use_yes_price": use_yes},
                )
                await c.reply(ident, "subscribed")
                await c.until(lambda f: f["type"] == "orderbook_snapshot", "snapshot")
            # a sequenced channel updated before its first message: the ok carries no seq below 1
            ident = await c.send("subscribe", {"channels": ["trade"], "market_tickers": [BTC]})
            trade_sid = (await c.reply(ident, "subscribed"))["msg"]["sid"]
            params = {"sids": [trade_sid], "market_tickers": [other_market(sb)], "action": "add_markets"}
            await c.reply(await c.send("update_subscription", params), "ok")
            ident = await c.send(
                "subscribe", {"channels": ["ticker"], "market_tickers": [BTC], "send_initial_snapshot": True}
            )
            await c.reply(ident, "subscribed")
            await c.until(lambda f: f["type"] == "ticker", "initial ticker")
            sb.exchange.create_order(sb.user_id, order(BTC, "ask", "2", "0.95"))
            await c.drain()
            assert sum(f["type"] == "orderbook_delta" for f in c.seen) >= 2  # one per subscription

    asyncio.run(run())


ERRORS = [  # (command as sent, Kalshi's error code; kalshi-ws.md "Error codes")
    ({"id": 1, "cmd": "frobnicate", "params": {}}, 5),
    ({"id": 2, "cmd": "subscribe"}, 2),
    ({"id": 3, "cmd": "subscribe", "params": {}}, 3),
    ({"id": 4, "cmd": "subscribe", "params": {"channels": ["no_such_channel"]}}, 8),
    ({"id": 5, "cmd": "subscribe", "params": {"channels": ["orderbook_delta"]}}, 14),
    ({"id": 6, "cmd": "unsubscribe", "params": {}}, 4),
    ({"id": 8, "cmd": "update_subscription", "params": {"sids": [9999], "market_tickers": [BTC], "action": "add_markets"}}, 7),
]  # fmt: skip


def test_errors(sb):
    async def run() -> dict:
        async with Client(sb) as c:
            ident = await c.send("subscribe", {"channels": ["orderbook_delta"], "market_tickers": [BTC]})
            sid = (await c.reply(ident, "subscribed"))["msg"]["sid"]
            ident = await c.send("subscribe", {"channels": ["trade"], "market_tickers": [BTC]})
            sid2 = (await c.reply(ident, "subscribed"))["msg"]["sid"]
            two = {"sids": [sid, sid2], "market_tickers": [BTC], "action": "add_markets"}
            cases = [*ERRORS,
                     ({"id": 9, "cmd": "update_subscription", "params": two}, 12),
                     ({"id": 10, "cmd": "update_subscription", "params": {"sids": [sid], "market_tickers": [BTC]}}, 15),
                     ({"id": 11, "cmd": "update_subscription", "params": {"sids": [sid], "market_tickers": [BTC], "action": "explode"}}, 13)]  # fmt: skip
            got: dict[object, int] = {}
            for body, _ in cases:
                await c.ws.send(json.dumps(body))
                number = body["id"]
                assert isinstance(number, int)
                got[number] = (await c.reply(number, "error"))["msg"]["code"]
            mark = len(c.seen)
            await c.ws.send("this is not json")
            bad = await c.until(lambda f: f["type"] == "error", "error for bad JSON", after=mark)
            got["not json"] = bad["msg"]["code"]
            return {"got": got, "want": {b["id"]: code for b, code in cases} | {"not json": 1}}

    result = asyncio.run(run())
    assert result["got"] == result["want"]


def test_buffer_overflow_error(sb):
    """A slow subscriber's buffer overflows: error 25 (terminal for the subscription), still schema-valid."""

    async def run() -> dict:
        sb.ws_faults.update(delay=0.3, buffer_limit=3)  # frames wait, so they pile up
        try:
            async with Client(sb) as c:
                ident = await c.send("subscribe", {"channels": ["orderbook_delta"], "market_tickers": [BTC]})
                await c.reply(ident, "subscribed")
                for i in range(30):
                    sb.exchange.create_order(sb.user_id, order(BTC, "bid", "1", f"0.{10 + i % 20:02d}"))
                return await c.until(lambda f: f["type"] == "error", "error 25")
        finally:
            sb.ws_faults.clear()
            sb.exchange.cancel_all_orders(sb.user_id)

    assert asyncio.run(run())["msg"]["code"] == 25


def test_faulty_frames_still_validate(sb):
    """Skipped and duplicated messages are still well-formed messages."""

    async def run() -> list:
        sb.ws_faults.update(skip_seq=True, duplicate=True)
        try:
            async with Client(sb) as c:
                ident = await c.send(
                    "subscribe", {"channels": ["orderbook_delta", "trade"], "market_tickers": [BTC]}
                )
                await c.reply(ident, "subscribed")
                sb.exchange.create_order(sb.user_id, order(BTC, "ask", "2", "0.01", "immediate_or_cancel"))
                await c.drain(0.5)
                return c.seen
        finally:
            sb.ws_faults.clear()

    seen = asyncio.run(run())
    assert any(f["type"] == "orderbook_delta" for f in seen)


def test_the_snapshot_comes_first():
    """On a market nobody has looked at yet, the subscription's first book frame is its snapshot (the spec:
    "Sends orderbook_snapshot first, then incremental orderbook_delta updates")."""
    with Sandbox(seed=3, now=T0, ws=True, rate_limit=None, pauses=False) as fresh:

        async def run() -> list[str]:
            async with Client(fresh) as c:
                ident = await c.send("subscribe", {"channels": ["orderbook_delta"], "market_ticker": BTC})
                await c.reply(ident, "subscribed")
                await c.until(lambda f: f["type"] == "orderbook_snapshot", "snapshot")
                return [f["type"] for f in c.seen if f["type"].startswith("orderbook")]

        kinds = asyncio.run(run())
    assert kinds[0] == "orderbook_snapshot", kinds


def test_unsigned_upgrade_is_refused(sb):
    async def run() -> None:
        with pytest.raises(websockets.exceptions.InvalidStatus) as info:
            await connect(sb.ws_url, open_timeout=TIMEOUT)
        assert info.value.response.status_code == 401

    asyncio.run(run())


def test_lifecycle_event_and_fee_messages_of_rolling_windows():
    """New KXBTC15M windows (exchange/windows.py) and event fee overrides (exchange/eventfees.py) on
    ``market_lifecycle_v2``: ``event_lifecycle``, every ``market_lifecycle_v2`` event type the sandbox emits
    (``created`` with its metadata and grid) and ``event_fee_update`` (set, then cleared), each checked."""
    from datetime import timedelta

    from kalshi_nb.sandbox.exchange import Exchange

    clock = [T0]
    ex = Exchange(seed=1, now=T0, clock=lambda: clock[0])
    with Sandbox(exchange=ex, ws=True, rate_limit=None, pauses=False) as sb:

        async def run() -> list[dict]:
            async with Client(sb) as c:
                ident = await c.send("subscribe", {"channels": ["market_lifecycle_v2"]})
                await c.reply(ident, "subscribed")
                clock[0] = T0 + timedelta(minutes=10)  # 02:50Z: a new window and its event appear
                ex.markets()  # the exchange moves on its clock when called (as every REST request does)
                event = await c.until(functools.partial(is_type, "event_lifecycle"), "event_lifecycle")
                created = await c.until(
                    lambda f: f["type"] == "market_lifecycle_v2" and f["msg"]["event_type"] == "created",
                    "created",
                )
                ticker = created["msg"]["market_ticker"]
                assert created["msg"]["additional_metadata"]["event_ticker"] == event["msg"]["event_ticker"]
                assert created["msg"]["price_level_structure"] == "linear_cent"
                close = created["msg"]["close_ts"]
                clock[0] = datetime.fromtimestamp(close + 400, tz=timezone.utc)  # past its settlement
                ex.markets()
                for kind in ("activated", "determined", "settled"):
                    await c.until(
                        lambda f, k=kind: (
                            f["type"] == "market_lifecycle_v2"
                            and f["msg"]["market_ticker"] == ticker
                            and f["msg"]["event_type"] == k
                        ),
                        kind,
                    )
                ex.set_event_fee(event["msg"]["event_ticker"], "quadratic_with_maker_fees", 2)
                ex.set_event_fee(event["msg"]["event_ticker"], None, None)
                await c.until(
                    lambda f: f["type"] == "event_fee_update" and f["msg"]["fee_type_override"] is None,
                    "cleared fee update",
                )
                await c.drain()
                return c.seen

        seen = asyncio.run(run())
    fees = [f["msg"] for f in seen if f["type"] == "event_fee_update"]
    assert [m["fee_multiplier_override"] for m in fees] == [2, None]
    seqs = [f["seq"] for f in seen if "seq" in f]
    assert seqs == list(range(1, len(seqs) + 1))  # one subscription: the three types share its seq
