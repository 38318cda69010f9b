"""The sandbox's WebSocket feed: the upgrade's authentication, the commands and their errors, and the
channels, driven by REST orders so the feed is checked against the REST state.

The helpers here (``connect``, ``recv``, ``frames_until``, ``active_ticker``, ``rest_order``) are imported by
``test_ws_faults.py``.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
import requests
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection
from websockets.sync.client import connect as ws_connect

from kalshi_nb.auth import KalshiAuth, load_private_key, signature_for

WS_PATH = "/trade-api/ws/v2"


# --- helpers ------------------------------------------------------------------------------------------
def signed_headers(sb, *, path: str = WS_PATH, ts: int | None = None) -> dict[str, str]:
    key = load_private_key(sb.private_key_path)
    ts = ts if ts is not None else int(time.time() * 1000)
    return {
        "KALSHI-ACCESS-KEY": sb.key_id,
        "KALSHI-ACCESS-TIMESTAMP": str(ts),
        "KALSHI-ACCESS-SIGNATURE": signature_for(key, "GET", path, ts),
    }


def connect(sb, **kwargs) -> ClientConnection:
    return ws_connect(sb.ws_url, additional_headers=signed_headers(sb), open_timeout=5, **kwargs)


def recv(ws: ClientConnection, timeout: float = 3.0) -> dict:
    return json.loads(ws.recv(timeout=timeout))


def frames_until(ws: ClientConnection, done: Callable[[dict], bool], timeout: float = 3.0) -> list[dict]:
    """Every frame up to and including the first for which ``done`` is true."""
    out: list[dict] = []
    deadline = time.monotonic() + timeout
    while True:
        frame = recv(ws, max(0.05, deadline - time.monotonic()))
        out.append(frame)
        if done(frame):
            return out


def quiet(ws: ClientConnection, seconds: float = 0.3) -> list[dict]:
    """Frames that arrive within ``seconds`` (none expected, usually)."""
    out = []
    try:
        while True:
            out.append(recv(ws, seconds))
    except TimeoutError:
        return out


def active_ticker(sb, n: int = 0) -> str:
    """The n-th open market with resting YES and NO bids (KXBTC15M first) that stays open for the next two
    minutes (a window closing mid-test would empty its book under the test's feet)."""
    from datetime import datetime, timedelta

    soon = sb.exchange.now() + timedelta(minutes=2)
    found: list[str] = []
    for series in ("KXBTC15M", None):
        markets = sb.exchange.markets(series_ticker=series) if series else sb.exchange.markets()
        for m in markets:
            closes = datetime.fromisoformat(m["close_time"].replace("Z", "+00:00"))
            if m["status"] == "active" and m["ticker"] not in found and closes > soon:
                book = sb.exchange.orderbook(m["ticker"])
                if len(book["yes_dollars"]) > 2 and len(book["no_dollars"]) > 2:
                    found.append(m["ticker"])
            if len(found) > n:
                return found[n]
    raise AssertionError(f"fewer than {n + 1} open markets with a book")


def rest_order(sb, ticker: str, price: str, count: str = "5", side: str = "bid", **extra) -> dict:
    auth = KalshiAuth(sb.key_id, load_private_key(sb.private_key_path))
    body = {"ticker": ticker, "side": side, "count": count, "price": price,
            "time_in_force": "good_till_canceled", "self_trade_prevention_type": "maker", **extra}  # fmt: skip
    r = requests.post(
        sb.url + "/portfolio/events/orders", json=body, auth=auth, timeout=5, allow_redirects=False
    )
    assert r.status_code == 201, r.text
    return r.json()


def rest_cancel(sb, order_id: str, ticker: str) -> None:
    auth = KalshiAuth(sb.key_id, load_private_key(sb.private_key_path))
    r = requests.delete(f"{sb.url}/portfolio/events/orders/{order_id}", params={"market_ticker": ticker},
                        auth=auth, timeout=5)  # fmt: skip
    assert r.ok, r.text


def rest_book(sb, ticker: str) -> dict[str, dict[Decimal, Decimal]]:
    r = requests.get(f"{sb.url}/markets/{ticker}/orderbook", timeout=5)
    assert r.ok, r.text
    body = r.json()
    book = body.get("orderbook_fp") or body.get("orderbook") or body
    out: dict[str, dict[Decimal, Decimal]] = {}
    for side in ("yes", "no"):
        rows = book.get(f"{side}_dollars") or []
        out[side] = {Decimal(p): Decimal(s) for p, s in rows}
    return out


class Book:
    """A client book from a snapshot and deltas (exact Decimals), checked for seq continuity."""

    def __init__(self) -> None:
        self.levels: dict[str, dict[Decimal, Decimal]] = {"yes": {}, "no": {}}
        self.seq: int | None = None
        self.clock = 0

    def apply(self, frame: dict) -> None:
        if self.seq is not None:
            assert frame["seq"] == self.seq + 1, f"seq gap {self.seq} -> {frame['seq']}"
        self.seq = frame["seq"]
        msg = frame["msg"]
        if frame["type"] == "orderbook_snapshot":
            self.levels = {
                side: {Decimal(p): Decimal(s) for p, s in msg.get(f"{side}_dollars_fp", [])}
                for side in ("yes", "no")
            }
        else:
            assert msg["clock"] >= self.clock
            side = self.levels[msg["side"]]
            price = Decimal(msg["price_dollars"])
            side[price] = side.get(price, Decimal(0)) + Decimal(msg["delta_fp"])
            assert side[price] >= 0
            if side[price] == 0:
                del side[price]
        self.clock = msg["clock"]


@pytest.fixture
def wsb(sb) -> Iterator[object]:
    """The session sandbox with its WebSocket faults off before and after the test."""
    sb.ws_faults.clear()
    yield sb
    sb.ws_faults.clear()


def subscribe(ws: ClientConnection, cmd_id: int, channels: list[str], **params) -> list[dict]:
    ws.send(json.dumps({"id": cmd_id, "cmd": "subscribe", "params": {"channels": channels, **params}}))
    return [recv(ws) for _ in channels]


# --- the upgrade --------------------------------------------------------------------------------------
def test_ws_url_is_loopback_on_the_kalshi_path(wsb):
    assert wsb.ws_url.startswith("ws://127.0.0.1:") and wsb.ws_url.endswith(WS_PATH)
    assert wsb.ws_url.split(":")[2].split("/")[0] != str(wsb.port)  # a port of its own


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (lambda h: h.pop("KALSHI-ACCESS-SIGNATURE"), "missing header"),
        (lambda h: h.update({"KALSHI-ACCESS-KEY": "nobody"}), "unknown API key"),
        (lambda h: h.update({"KALSHI-ACCESS-TIMESTAMP": str(int(time.time() * 1000) - 120_000)}), ""),
    ],
)
def test_upgrade_without_a_valid_signature_is_a_401(wsb, mutate, needle):
    headers = signed_headers(wsb)
    mutate(headers)
    with pytest.raises(InvalidStatus) as info:
        ws_connect(wsb.ws_url, additional_headers=headers, open_timeout=5)
    assert info.value.response.status_code == 401
    body = json.loads(info.value.response.body)
    assert needle in body["message"]


def test_upgrade_signed_over_the_rest_path_is_a_401(wsb):
    headers = signed_headers(wsb, path="/trade-api/v2")
    with pytest.raises(InvalidStatus) as info:
        ws_connect(wsb.ws_url, additional_headers=headers, open_timeout=5)
    assert info.value.response.status_code == 401


def test_wrong_path_is_a_404(wsb):
    url = wsb.ws_url.replace(WS_PATH, "/trade-api/ws/v1")
    with pytest.raises(InvalidStatus) as info:
        ws_connect(url, additional_headers=signed_headers(wsb, path="/trade-api/ws/v1"), open_timeout=5)
    assert info.value.response.status_code == 404


# --- commands -----------------------------------------------------------------------------------------
def test_subscribe_list_unsubscribe(wsb):
    ticker = active_ticker(wsb)
    with connect(wsb) as ws:
        acks = subscribe(ws, 1, ["ticker", "trade"], market_tickers=[ticker])
        assert [a["type"] for a in acks] == ["subscribed", "subscribed"]
        assert [a["msg"]["channel"] for a in acks] == ["ticker", "trade"]
        assert all(a["id"] == 1 and isinstance(a["sending_ts_ms"], int) for a in acks)
        sids = [a["msg"]["sid"] for a in acks]
        assert len(set(sids)) == 2
        ws.send(json.dumps({"id": 2, "cmd": "list_subscriptions"}))
        listed = recv(ws)
        assert listed["type"] == "ok" and listed["id"] == 2
        assert listed["msg"] == [{"channel": "ticker", "sid": sids[0]}, {"channel": "trade", "sid": sids[1]}]
        ws.send(json.dumps({"id": 3, "cmd": "unsubscribe", "params": {"sids": [sids[1]]}}))
        gone = recv(ws)
        assert (
            gone["type"] == "unsubscribed" and gone["sid"] == sids[1] and gone["seq"] == 1 and gone["id"] == 3
        )
        ws.send(json.dumps({"id": 4, "cmd": "list_subscriptions"}))
        assert recv(ws)["msg"] == [{"channel": "ticker", "sid": sids[0]}]


@pytest.mark.parametrize(
    ("command", "code"),
    [
        ({"cmd": "subscribe"}, 2),
        ({"cmd": "subscribe", "params": {}}, 3),
        ({"cmd": "subscribe", "params": {"channels": ["nope"]}}, 8),
        ({"cmd": "subscribe", "params": {"channels": ["orderbook_delta"]}}, 14),
        (
            {
                "cmd": "subscribe",
                "params": {"channels": ["trade"], "market_ticker": "A", "market_tickers": ["A"]},
            },
            11,
        ),
        (
            {"cmd": "subscribe", "params": {"channels": ["market_lifecycle_v2"], "market_tickers": ["{t}"]}},
            11,
        ),
        ({"cmd": "unsubscribe", "params": {}}, 4),
        ({"cmd": "unsubscribe", "params": {"sids": [999999]}}, 7),
        ({"cmd": "update_subscription", "params": {"sids": [999999], "action": "add_markets"}}, 7),
        ({"cmd": "launch"}, 5),
    ],
)
def test_command_errors_carry_kalshis_codes(wsb, command, code):
    ticker = active_ticker(wsb)
    text = json.dumps({"id": 9, **command}).replace("{t}", ticker)
    with connect(wsb) as ws:
        ws.send(text)
        err = recv(ws)
    assert err["type"] == "error" and err["id"] == 9
    assert err["msg"]["code"] == code and err["msg"]["msg"]


def test_update_subscription_errors(wsb):
    ticker = active_ticker(wsb)
    with connect(wsb) as ws:
        sid = subscribe(ws, 1, ["orderbook_delta"], market_tickers=[ticker])[0]["msg"]["sid"]
        recv(ws)  # the snapshot
        for params, code in [
            ({"sids": [sid]}, 15),
            ({"sids": [sid], "action": "rename"}, 13),
            ({"sids": [sid], "action": "add_markets"}, 14),
            ({"sids": [sid, sid + 1], "action": "add_markets", "market_tickers": [ticker]}, 7),
        ]:
            ws.send(json.dumps({"id": 5, "cmd": "update_subscription", "params": params}))
            assert recv(ws)["msg"]["code"] == code, params


def test_not_json_is_error_1(wsb):
    with connect(wsb) as ws:
        ws.send("{not json")
        assert recv(ws)["msg"]["code"] == 1


# --- the book -----------------------------------------------------------------------------------------
def test_snapshot_then_deltas_follow_rest_orders(wsb):
    ticker = active_ticker(wsb)
    with connect(wsb) as ws:
        ack, snap = subscribe(ws, 1, ["orderbook_delta"], market_ticker=ticker)[0], recv(ws)
        assert snap["type"] == "orderbook_snapshot" and snap["sid"] == ack["msg"]["sid"] and snap["seq"] == 1
        assert snap["msg"]["market_ticker"] == ticker and snap["msg"]["market_id"]
        book = Book()
        book.apply(snap)
        assert book.levels == rest_book(wsb, ticker)

        best_bid = max(book.levels["yes"])
        price = f"{best_bid - Decimal('0.01'):.2f}"  # rests behind the best bid: one delta, +5.00
        receipt = rest_order(wsb, ticker, price, "5")
        delta = recv(ws)
        assert delta["type"] == "orderbook_delta" and delta["seq"] == 2
        msg = delta["msg"]
        assert (msg["side"], Decimal(msg["price_dollars"]), msg["delta_fp"]) == (
            "yes",
            Decimal(price),
            "5.00",
        )
        assert msg["clock"] > snap["msg"]["clock"] and isinstance(msg["ts_ms"], int)
        book.apply(delta)
        assert book.levels == rest_book(wsb, ticker)

        rest_cancel(wsb, receipt["order_id"], ticker)
        delta = recv(ws)
        assert delta["msg"]["delta_fp"] == "-5.00" and delta["seq"] == 3
        book.apply(delta)

        # A crossing order takes NO liquidity: negative deltas on the NO side.
        best_no = max(book.levels["no"])
        rest_order(wsb, ticker, f"{Decimal(1) - best_no:.2f}", "2", time_in_force="immediate_or_cancel")
        for frame in quiet(ws):
            book.apply(frame)
        assert book.levels == rest_book(wsb, ticker)
        assert book.levels["no"].get(best_no, Decimal(0)) < rest_book(wsb, ticker)["no"].get(best_no, 0) + 3


def test_use_yes_price_expresses_no_levels_in_yes_terms(wsb):
    ticker = active_ticker(wsb)
    with connect(wsb) as a, connect(wsb) as b:
        subscribe(a, 1, ["orderbook_delta"], market_ticker=ticker, use_yes_price=False)
        subscribe(b, 1, ["orderbook_delta"], market_ticker=ticker, use_yes_price=True)
        snap_a, snap_b = recv(a)["msg"], recv(b)["msg"]
        assert snap_a["yes_dollars_fp"] == snap_b["yes_dollars_fp"]
        no_a = {Decimal(p): s for p, s in snap_a["no_dollars_fp"]}
        no_b = {Decimal(1) - Decimal(p): s for p, s in snap_b["no_dollars_fp"]}
        assert no_a == no_b and snap_a["clock"] == snap_b["clock"]
        best_no = max(no_a)
        rest_order(wsb, ticker, f"{Decimal(1) - best_no:.2f}", "1", time_in_force="immediate_or_cancel")
        da, db = recv(a)["msg"], recv(b)["msg"]
        assert da["side"] == db["side"] == "no" and da["clock"] == db["clock"]
        assert Decimal(da["price_dollars"]) == best_no and Decimal(db["price_dollars"]) == 1 - best_no


def test_seq_is_per_subscription_and_continuous_across_markets(wsb):
    t1, t2 = active_ticker(wsb, 0), active_ticker(wsb, 1)
    with connect(wsb) as ws:
        sid = subscribe(ws, 1, ["orderbook_delta"], market_tickers=[t1, t2])[0]["msg"]["sid"]
        books = {t1: Book(), t2: Book()}
        seqs = []
        for _ in range(2):
            f = recv(ws)
            seqs.append(f["seq"])
            books[f["msg"]["market_ticker"]].levels = Book().levels
            books[f["msg"]["market_ticker"]].apply({**f, "seq": f["seq"]})
        for i, t in enumerate([t1, t2, t1, t2]):
            bid = max(books[t].levels["yes"])
            rest_order(wsb, t, f"{bid - Decimal('0.01') * (i + 1):.2f}", "1")
        frames = [recv(ws) for _ in range(4)]
        seqs += [f["seq"] for f in frames]
        assert seqs == list(range(1, 7)) and all(f["sid"] == sid for f in frames)
        assert [f["msg"]["market_ticker"] for f in frames] == [t1, t2, t1, t2]


def test_get_snapshot_add_and_delete_markets(wsb):
    t1, t2 = active_ticker(wsb, 0), active_ticker(wsb, 1)
    with connect(wsb) as ws:
        sid = subscribe(ws, 1, ["orderbook_delta"], market_tickers=[t1])[0]["msg"]["sid"]
        assert recv(ws)["seq"] == 1
        ws.send(json.dumps({"id": 7, "cmd": "update_subscription",
                            "params": {"sids": [sid], "market_tickers": [t1], "action": "get_snapshot"}}))  # fmt: skip
        again = recv(ws)
        assert again["type"] == "orderbook_snapshot" and again["id"] == 7 and again["seq"] == 2
        ws.send(json.dumps({"id": 8, "cmd": "update_subscription",
                            "params": {"sids": [sid], "market_tickers": [t2], "action": "add_markets"}}))  # fmt: skip
        ok, snap = recv(ws), recv(ws)
        assert (
            ok["type"] == "ok"
            and ok["id"] == 8
            and ok["sid"] == sid
            and ok["msg"]["market_tickers"] == [t1, t2]
        )
        assert (
            snap["type"] == "orderbook_snapshot" and snap["msg"]["market_ticker"] == t2 and snap["seq"] == 3
        )
        ws.send(json.dumps({"id": 9, "cmd": "update_subscription",
                            "params": {"sids": [sid], "market_tickers": [t1], "action": "delete_markets"}}))  # fmt: skip
        assert recv(ws)["msg"]["market_tickers"] == [t2]
        bid = max(Decimal(p) for p, _ in snap["msg"]["yes_dollars_fp"])
        rest_order(wsb, t1, "0.01", "1")  # no longer subscribed: nothing arrives for t1
        rest_order(wsb, t2, f"{bid - Decimal('0.01'):.2f}", "1")
        delta = recv(ws)
        assert delta["msg"]["market_ticker"] == t2 and delta["seq"] == 4


# --- other channels -----------------------------------------------------------------------------------
def test_trade_ticker_fill_user_order_and_position_on_a_crossing_order(wsb):
    ticker = active_ticker(wsb)
    with connect(wsb) as ws:
        channels = ["trade", "ticker", "fill", "user_orders", "market_positions"]
        acks = subscribe(ws, 1, channels, market_tickers=[ticker])
        sid_of = {a["msg"]["channel"]: a["msg"]["sid"] for a in acks}
        no_best = max(Decimal(p) for p, _ in rest_book(wsb, ticker)["no"].items())
        receipt = rest_order(
            wsb, ticker, f"{Decimal(1) - no_best:.2f}", "2", time_in_force="immediate_or_cancel"
        )
        frames = quiet(ws, 0.5)
    by_type: dict[str, list[dict]] = {}
    for f in frames:
        by_type.setdefault(f["type"], []).append(f)
    assert set(by_type) == {"trade", "ticker", "fill", "user_order", "market_position"}
    trade = by_type["trade"][0]
    assert trade["sid"] == sid_of["trade"] and trade["seq"] == 1
    assert trade["msg"]["market_ticker"] == ticker and trade["msg"]["count_fp"] == "2.00"
    assert trade["msg"]["taker_side"] == "yes" and Decimal(trade["msg"]["yes_price_dollars"]) == 1 - no_best
    fill = by_type["fill"][0]
    assert "seq" not in fill and fill["msg"]["order_id"] == receipt["order_id"]
    assert fill["msg"]["post_position_fp"] == "2.00" and fill["msg"]["is_taker"] is True
    order = by_type["user_order"][-1]
    assert "seq" not in order and order["sid"] == sid_of["user_orders"]
    assert order["msg"]["order_id"] == receipt["order_id"] and order["msg"]["status"] == "executed"
    assert order["msg"]["ticker"] == ticker and order["msg"]["fill_count_fp"] == "2.00"
    position = by_type["market_position"][-1]
    assert position["msg"]["position_fp"] == "2.00" and position["msg"]["user_id"] == wsb.user_id
    tick = by_type["ticker"][-1]
    assert tick["msg"]["price_dollars"] == trade["msg"]["yes_price_dollars"]
    market = requests.get(f"{wsb.url}/markets/{ticker}", timeout=5).json()["market"]
    assert tick["msg"]["yes_bid_dollars"] == market["yes_bid_dollars"]
    assert tick["msg"]["yes_ask_dollars"] == market["yes_ask_dollars"]
    assert tick["msg"]["volume_fp"] == market["volume_fp"]


def test_private_channels_carry_only_the_connections_own_account(wsb):
    ticker = active_ticker(wsb)
    wsb.exchange.add_account("someone-else")
    with connect(wsb) as ws:
        subscribe(ws, 1, ["fill", "user_orders"])
        no_best = max(rest_book(wsb, ticker)["no"])
        wsb.exchange.create_order("someone-else", {"ticker": ticker, "side": "bid", "count": "1",
                                  "price": f"{Decimal(1) - no_best:.2f}", "time_in_force": "immediate_or_cancel",
                                  "self_trade_prevention_type": "maker"})  # fmt: skip
        assert quiet(ws) == []


def test_settlement_appears_on_market_lifecycle_v2(wsb):
    ticker = active_ticker(wsb)
    with connect(wsb) as ws:
        subscribe(ws, 1, ["market_lifecycle_v2", "orderbook_delta"][:1])
        wsb.settle(ticker, "yes")
        frames = [f for f in quiet(ws) if f["msg"]["market_ticker"] == ticker]
    assert [f["msg"]["event_type"] for f in frames] == ["settled"]
    assert frames[0]["msg"]["result"] == "yes" and frames[0]["seq"] == 1


def test_a_closing_market_empties_the_feeds_book(wsb):
    ticker = active_ticker(wsb)
    with connect(wsb) as ws:
        subscribe(ws, 1, ["orderbook_delta"], market_ticker=ticker)
        book = Book()
        book.apply(recv(ws))
        wsb.settle(ticker, "no")
        for frame in quiet(ws):
            book.apply(frame)
    assert book.levels == {"yes": {}, "no": {}} == rest_book(wsb, ticker)


def test_ping_heartbeat_every_interval(wsb):
    server = wsb._ws
    old, server.ping_interval = server.ping_interval, 0.1
    try:
        pings: list[bytes] = []
        with connect(wsb) as ws:
            ws.protocol  # noqa: B018 - the sync client answers pings itself; watch them arrive instead
            original = ws.protocol.receive_data

            def spy(data: bytes) -> None:
                if b"heartbeat" in data:
                    pings.append(data)
                original(data)

            ws.protocol.receive_data = spy  # type: ignore[method-assign]
            time.sleep(0.45)
            quiet(ws, 0.1)
    finally:
        server.ping_interval = old
    assert len(pings) >= 2
    assert old == 10.0


def test_reset_drops_connections(wsb):
    from websockets.exceptions import ConnectionClosed

    with connect(wsb) as ws:
        wsb.reset()
        with pytest.raises(ConnectionClosed):
            recv(ws, 2)


def test_a_drop_between_the_upgrade_and_the_handler_still_drops(monkeypatch):
    """connect() returns on the 101, before the server's handler registers the connection: a reset in that
    gap (a CI run on a loaded machine hit it) must still close it. The drop is forced into the gap."""
    from websockets.exceptions import ConnectionClosed

    from kalshi_nb.sandbox import Sandbox
    from kalshi_nb.sandbox.ws.server import WsServer

    upgrade = WsServer._upgrade

    def upgrade_then_drop(self, connection, request):
        response = upgrade(self, connection, request)
        if response is None:
            self.drop_all()
        return response

    monkeypatch.setattr(WsServer, "_upgrade", upgrade_then_drop)
    with Sandbox(markets=50, rate_limit=None) as fresh, connect(fresh) as ws:
        with pytest.raises(ConnectionClosed):
            recv(ws, 5)
        assert fresh._ws.connections == 0


def test_books_stay_equal_to_rest_under_concurrent_order_flow(wsb):
    """Orders and cancels from another thread while clients subscribe at different moments: once the flow
    stops, every client's book (snapshot plus deltas, seq checked) equals the REST book."""
    import random
    import threading

    from kalshi_nb.sandbox.errors import SandboxError

    t1, t2 = active_ticker(wsb, 0), active_ticker(wsb, 1)
    ex = wsb.exchange
    ex.add_account("flow")
    rng = random.Random(13)
    done = threading.Event()
    failures: list[BaseException] = []
    cancels: list[str] = []
    started = threading.Event()

    def flow() -> None:
        resting: list[tuple[str, str]] = []
        try:
            started.wait(10)
            for _ in range(300):
                time.sleep(0.002)  # spread over about a second, so the later clients join mid-flow
                t = rng.choice([t1, t2])
                if resting and rng.random() < 0.3:
                    oid, tk = resting.pop(rng.randrange(len(resting)))
                    try:
                        ex.cancel_order("flow", oid, market_ticker=tk)
                        cancels.append(oid)
                    except SandboxError:  # already filled by a crossing order
                        continue
                    continue
                body = {"ticker": t, "side": rng.choice(["bid", "ask"]), "count": str(rng.randint(1, 30)),
                        "price": f"{rng.randint(30, 70) / 100:.2f}", "self_trade_prevention_type": "maker",
                        "time_in_force": rng.choice(["good_till_canceled", "immediate_or_cancel"])}  # fmt: skip
                try:
                    r = ex.create_order("flow", body)
                except SandboxError:  # e.g. a refused self-cross; the flow goes on
                    continue
                if r["remaining_count"] != "0.00":
                    resting.append((r["order_id"], t))
        except Exception as exc:  # noqa: BLE001 - reported by the main thread's assertion
            failures.append(exc)
        finally:
            done.set()

    clients: list[tuple[ClientConnection, dict[str, Book]]] = []
    worker = threading.Thread(target=flow)
    worker.start()
    with contextlib.ExitStack() as stack:
        for _ in range(3):
            ws = stack.enter_context(connect(wsb))
            ws.send(json.dumps({"id": 1, "cmd": "subscribe",
                                "params": {"channels": ["orderbook_delta"], "market_tickers": [t1, t2]}}))  # fmt: skip
            assert recv(ws)["type"] == "subscribed"
            clients.append((ws, {}))
            started.set()
            time.sleep(0.25)
        worker.join(30)
        assert done.is_set() and not failures, failures
        for n, (ws, books) in enumerate(clients):
            seq = 0
            for frame in quiet(ws, 0.5):
                assert frame["seq"] == seq + 1
                seq = frame["seq"]
                ticker = frame["msg"]["market_ticker"]
                book = books.setdefault(ticker, Book())
                book.seq = None  # continuity is checked across the subscription above
                book.apply(frame)
            for t in (t1, t2):
                assert books[t].levels == rest_book(wsb, t), t
            assert seq > (
                100 if n == 0 else 10
            )  # the flow really moved these books while the client listened
        assert len(cancels) > 10


def test_cli_prints_the_ws_url_and_writes_it_to_the_env(tmp_path):
    from test_http_cli import cli

    env_file = tmp_path / ".env"
    with cli("--write-env", str(env_file)) as c:
        banner = c.read_banner()
        ws_lines = [line for line in banner if line.strip().startswith("WebSocket feed: ")]
        assert len(ws_lines) == 1
        ws_url = ws_lines[0].split(": ", 1)[1].strip()
        assert ws_url.startswith("ws://127.0.0.1:") and ws_url.endswith(WS_PATH)
        values = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
        assert values["KALSHI_WS_URL"] == ws_url
        key = load_private_key(values["KALSHI_PRIVATE_KEY_PATH"])
        ts = int(time.time() * 1000)
        headers = {"KALSHI-ACCESS-KEY": values["KALSHI_API_KEY_ID"], "KALSHI-ACCESS-TIMESTAMP": str(ts),
                   "KALSHI-ACCESS-SIGNATURE": signature_for(key, "GET", WS_PATH, ts)}  # fmt: skip
        with ws_connect(ws_url, additional_headers=headers, open_timeout=10) as ws:
            ws.send(json.dumps({"id": 1, "cmd": "list_subscriptions"}))
            assert recv(ws)["type"] == "ok"


def test_sandbox_without_ws_has_no_ws_url():
    from kalshi_nb.sandbox import Sandbox

    with Sandbox(seed=1, markets=50, rate_limit=None, ws=False) as sb:
        with pytest.raises(RuntimeError, match="ws=False"):
            _ = sb.ws_url
        sb.ws_drop_all()  # a no-op, not an error


def test_activity_moves_the_feed_on_its_own():
    from datetime import datetime, timezone

    from kalshi_nb.sandbox import Sandbox

    # A fixed clock start: on the real clock, in the last two minutes of a window, active_ticker (which wants
    # two more minutes) picks a market the simulation does not move, and the test waited for nothing.
    t0 = datetime(2026, 9, 7, 2, 40, tzinfo=timezone.utc)  # the KXBTC15M window runs to 02:45Z
    with Sandbox(seed=2, now=t0, rate_limit=None, activity=50.0) as sb:
        assert sb.activity is not None and sb.activity.running
        ticker = active_ticker(sb)
        with connect(sb) as ws:
            subscribe(ws, 1, ["orderbook_delta"], market_tickers=[ticker])
            frames = frames_until(ws, lambda f: f["type"] == "orderbook_delta", timeout=10)
        assert frames[0]["type"] == "orderbook_snapshot"
    assert sb.activity is None


def test_a_feed_bug_never_fails_the_rest_request_and_is_re_raised_by_check(wsb, monkeypatch):
    from websockets.exceptions import ConnectionClosed

    from kalshi_nb.sandbox.ws.session import Session

    ticker = active_ticker(wsb)
    with connect(wsb) as ws:
        _, snap = subscribe(ws, 1, ["orderbook_delta"], market_ticker=ticker)[0], recv(ws)
        bid = max(Decimal(p) for p, _ in snap["msg"]["yes_dollars_fp"])

        def broken(self, event):
            raise ZeroDivisionError("a bug in the feed")

        monkeypatch.setattr(Session, "on_event", broken)
        rest_order(wsb, ticker, f"{bid - Decimal('0.01'):.2f}", "1")  # still 201
        with pytest.raises(ConnectionClosed):
            recv(ws, 2)
    with pytest.raises(ZeroDivisionError):
        wsb.check()


def test_too_many_commands_a_second_is_error_27(wsb):
    server = wsb._ws
    assert server.command_limit == 10_000  # Kalshi's "Max 10k/s commands"
    server.command_limit = 5
    try:
        with connect(wsb) as ws:
            for i in range(8):
                ws.send(json.dumps({"id": i + 1, "cmd": "list_subscriptions"}))
            answers = [recv(ws) for _ in range(8)]
            time.sleep(1.05)  # the window slides: accepted again
            ws.send(json.dumps({"id": 99, "cmd": "list_subscriptions"}))
            later = recv(ws)
    finally:
        server.command_limit = 10_000
    assert [a["type"] for a in answers] == ["ok"] * 5 + ["error"] * 3
    assert {a["msg"]["code"] for a in answers[5:]} == {27} and answers[5]["id"] == 6
    assert later["type"] == "ok"


def test_cli_ws_fault_flags(capsys):
    from test_http_cli import cli

    from kalshi_nb.sandbox.__main__ import main

    with cli("--ws-refuse-upgrade", "--ws-delay", "0.01", "--ws-fault", "drop_every=7") as c:
        banner = c.read_banner()
        ws_url = next(line for line in banner if "WebSocket feed: " in line).split(": ", 1)[1].strip()
        control = next(line for line in banner if "control routes: " in line).split(": ", 1)[1].strip()
        faults = requests.get(control + "ws/faults", timeout=5).json()
        assert (faults["drop_every"], faults["delay"], faults["refuse_upgrade"]) == (7, 0.01, True)
        with pytest.raises(InvalidStatus) as info:
            ws_connect(ws_url, open_timeout=10)
        assert info.value.response.status_code == 503
    with pytest.raises(SystemExit) as exit_info:
        main(["--ws-delay", "-1"])
    assert exit_info.value.code == 2
    assert "delay must be seconds" in capsys.readouterr().err
