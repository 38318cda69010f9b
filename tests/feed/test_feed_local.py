"""The Feed over a real WebSocket on 127.0.0.1 (``feed_fakeserver.FakeKalshiWS``): signing, commands, gaps,
duplicates, reconnects, refused upgrades, terminal errors, callbacks and frames.

The client is the sandbox's (REST), so the signature is checked with the sandbox key's public half.
"""

from __future__ import annotations

import asyncio
import base64
import socket
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from feed_fakeserver import FakeKalshiWS

from kalshi_nb.auth import load_private_key
from kalshi_nb.client import KalshiClient
from kalshi_nb.errors import ReadOnlyError
from kalshi_nb.feed import Feed, stream
from kalshi_nb.frames import orderbook_frame

T, U = "KXTEST-A", "KXTEST-B"
FAST = (0.02, 0.1)


@pytest.fixture
def server() -> Iterator[FakeKalshiWS]:
    fake = FakeKalshiWS()
    fake.books[T] = {"yes": {"0.4000": "10.00"}, "no": {"0.5500": "4.00"}}
    fake.books[U] = {"yes": {}, "no": {"0.9000": "1.00"}}
    yield fake
    fake.close()


@pytest.fixture
def feed(server: FakeKalshiWS, client: KalshiClient) -> Iterator[Feed]:
    f = Feed([T, U], client=client, url=server.url, backoff=FAST)
    f.wait_for(lambda f: f.book(T).valid and f.book(U).valid, timeout=5)
    yield f
    f.close()


def _rest(server: FakeKalshiWS, ticker: str) -> dict[str, Any]:
    book = server.books[ticker]
    return {side: {Decimal(p): Decimal(s) for p, s in book[side].items()} for side in ("yes", "no")}


def _same(feed: Feed, server: FakeKalshiWS, ticker: str) -> bool:
    live = feed.book(ticker)
    return (
        live.valid
        and dict(live.levels("yes")) == _rest(server, ticker)["yes"]
        and dict(live.levels("no")) == _rest(server, ticker)["no"]
    )


def _verify(sb: Any, headers: dict[str, str]) -> None:
    key = load_private_key(sb.private_key_path).public_key()
    message = (headers["KALSHI-ACCESS-TIMESTAMP"] + "GET" + "/trade-api/ws/v2").encode()
    signature = base64.b64decode(headers["KALSHI-ACCESS-SIGNATURE"])
    if isinstance(key, ed25519.Ed25519PublicKey):
        key.verify(signature, message)
    else:
        assert isinstance(key, rsa.RSAPublicKey)
        key.verify(
            signature,
            message,
            padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH),
            hashes.SHA256(),
        )


def test_upgrade_is_signed_and_channels_subscribed(feed: Feed, server: FakeKalshiWS, sb: Any) -> None:
    headers = server.upgrades[0]
    assert headers["KALSHI-ACCESS-KEY"] == sb.key_id
    _verify(sb, headers)
    subs = [c for c in server.commands if c["cmd"] == "subscribe"]
    assert [c["params"]["channels"] for c in subs] == [["orderbook_delta"], ["ticker"], ["trade"]]
    assert subs[0]["params"] == {
        "channels": ["orderbook_delta"],
        "market_tickers": [T, U],
        "use_yes_price": False,
    }
    assert len({c["id"] for c in server.commands}) == len(server.commands)  # every command its own id
    listing = feed.command("list_subscriptions")
    assert [s["channel"] for s in listing["msg"]] == ["orderbook_delta", "ticker", "trade"]


def test_book_follows_deltas_exactly(feed: Feed, server: FakeKalshiWS) -> None:
    for _ in range(10):
        server.delta(T, "yes", "0.4000", "0.10")
    server.delta(T, "no", "0.5500", "-4.00")
    server.delta(T, "no", "0.5300", "2.50")
    feed.wait_for(lambda f: _same(f, server, T), timeout=5)
    assert feed.book(T).levels("yes") == [(Decimal("0.4000"), Decimal("11.00"))]
    assert feed.book(T).best_ask() == Decimal("0.47")
    live = feed.book(T).df()
    rest = orderbook_frame(
        {"orderbook_fp": {"yes_dollars": [["0.40", "11"]], "no_dollars": [["0.53", "2.5"]]}}, ticker=T
    )
    pd.testing.assert_frame_equal(live, rest)
    assert feed.book(T).age < 2 and feed.health.connected


def test_gap_marks_the_sid_invalid_and_a_snapshot_repairs_it(feed: Feed, server: FakeKalshiWS) -> None:
    seen: list[dict[str, Any]] = []
    feed.on("orderbook_snapshot", seen.append)
    server.delta(T, "yes", "0.3900", "5.00", skip=True)
    feed.wait_for(
        lambda f: any(c.get("params", {}).get("action") == "get_snapshot" for c in server.commands), 5
    )
    ask = next(c for c in server.commands if c.get("params", {}).get("action") == "get_snapshot")
    assert ask["params"]["sids"] == [server.sids_by_channel["orderbook_delta"]]
    assert ask["params"]["market_tickers"] == [T, U]
    feed.wait_for(lambda f: _same(f, server, T) and _same(f, server, U), timeout=5)
    assert dict(feed.book(T).levels("yes"))[Decimal("0.39")] == Decimal("5.00")
    h = feed.health
    assert (h.gaps, h.gaps_recovered, h.invalid_books) == (1, 2, 0)
    assert {s["msg"]["market_ticker"] for s in seen} == {T, U}


def test_duplicates_are_ignored(feed: Feed, server: FakeKalshiWS) -> None:
    server.delta(T, "yes", "0.4000", "1.00", dup=True)
    server.delta(T, "yes", "0.4000", "1.00")
    feed.wait_for(lambda f: f.health.duplicates == 1 and _same(f, server, T), timeout=5)
    assert dict(feed.book(T).levels("yes"))[Decimal("0.40")] == Decimal("12.00")
    assert feed.health.gaps == 0


def test_drop_reconnects_resigned_and_resubscribed(feed: Feed, server: FakeKalshiWS) -> None:
    server.drop()
    server.books[T]["yes"]["0.3000"] = "7.00"  # changed while the client was away
    feed.wait_for(lambda f: f.health.reconnects == 1 and _same(f, server, T), timeout=5)
    assert len(server.upgrades) == 2
    assert server.upgrades[0]["KALSHI-ACCESS-SIGNATURE"] != server.upgrades[1]["KALSHI-ACCESS-SIGNATURE"]
    feed.wait_for(lambda f: sum(c["cmd"] == "subscribe" for c in server.commands) == 6, timeout=5)
    server.delta(T, "yes", "0.3000", "-7.00")  # the new connection's sids and seqs are followed
    feed.wait_for(lambda f: _same(f, server, T), timeout=5)


def test_books_are_invalid_while_disconnected(server: FakeKalshiWS, client: KalshiClient) -> None:
    with Feed([T], client=client, url=server.url, backoff=(5.0, 5.0)) as f:
        f.wait_for(lambda f: f.book(T).valid, timeout=5)
        server.drop()
        f.wait_for(lambda f: not f.health.connected, timeout=5)
        assert not f.book(T).valid and f.health.invalid_books == 1 and f.health.last_error


def test_refused_upgrades_are_retried_with_backoff(server: FakeKalshiWS, client: KalshiClient) -> None:
    server.refuse = 3
    start = time.monotonic()
    with Feed([T], client=client, url=server.url, backoff=(0.05, 1.0)) as f:
        f.wait_for(lambda f: f.book(T).valid, timeout=10)
    # Delays of at least half of 0.05, 0.1 and 0.2 seconds.
    assert time.monotonic() - start >= 0.17
    assert len(server.upgrades) == 4
    assert len({u["KALSHI-ACCESS-TIMESTAMP"] + u["KALSHI-ACCESS-SIGNATURE"] for u in server.upgrades}) == 4


def test_buffer_overflow_resubscribes_the_channel(feed: Feed, server: FakeKalshiWS) -> None:
    sid = server.sids_by_channel["orderbook_delta"]
    server.push({"type": "error", "sid": sid, "msg": {"code": 25, "msg": "Subscription buffer overflow"}})
    feed.wait_for(lambda f: server.sids_by_channel["orderbook_delta"] != sid and f.book(T).valid, timeout=5)
    server.delta(T, "no", "0.5500", "1.00")
    feed.wait_for(lambda f: _same(f, server, T), timeout=5)


def test_trades_ticker_frames_and_callbacks(feed: Feed, server: FakeKalshiWS) -> None:
    got: list[str] = []
    off = feed.on("trade", lambda frame: got.append(frame["msg"]["trade_id"]))
    feed.on("*", lambda frame: 1 / 0)  # a failing callback doesn't stop the feed
    trade_sid = server.sids_by_channel["trade"]
    for i, ms in enumerate((1_700_000_000_000, 1_700_000_001_000)):
        server.push(
            {
                "type": "trade",
                "sid": trade_sid,
                "seq": i + 1,
                "msg": {
                    "trade_id": f"t{i}",
                    "market_ticker": T,
                    "yes_price_dollars": "0.4000",
                    "no_price_dollars": "0.6000",
                    "count_fp": "3.00",
                    "taker_side": "yes",
                    "ts_ms": ms,
                },
            }
        )
    server.push(
        {
            "type": "ticker",
            "sid": server.sids_by_channel["ticker"],
            "msg": {"market_ticker": T, "yes_bid_dollars": "0.4000", "ts_ms": 1_700_000_001_000},
        }
    )
    feed.wait_for(lambda f: len(f.trades_df()) == 2 and len(f.ticker_df()) == 1, timeout=5)
    trades = feed.trades_df()
    assert trades["trade_id"].tolist() == ["t1", "t0"] and trades["ticker"].tolist() == [T, T]
    assert trades["created_time"].iloc[0] == pd.Timestamp(1_700_000_001, unit="s", tz="UTC")
    assert feed.ticker_df().loc[0, "yes_bid_dollars"] == 0.4
    assert got == ["t0", "t1"]
    off()
    assert set(feed.books) == {T, U}


def test_wait_for_times_out_with_health(feed: Feed) -> None:
    with pytest.raises(TimeoutError, match="connected=True"):
        feed.wait_for(lambda f: False, timeout=0.2)


def test_read_only_client_and_missing_tickers_are_refused(server: FakeKalshiWS) -> None:
    with pytest.raises(ReadOnlyError):
        stream([T], client=KalshiClient.read_only(), url=server.url)


def test_orderbook_needs_tickers(server: FakeKalshiWS, client: KalshiClient) -> None:
    with pytest.raises(ValueError, match="needs market tickers"):
        Feed([], client=client, url=server.url)


def test_private_state_reconciled_over_rest_after_each_connect(
    server: FakeKalshiWS, client: KalshiClient
) -> None:
    ticker = client.get_markets(limit=1)["markets"][0]["ticker"]
    rest_orders = client.get_orders(ticker=ticker)["orders"]
    with Feed([ticker], ("user_orders", "fill"), client=client, url=server.url, backoff=FAST) as f:
        f.wait_for(lambda f: f.reconciled == 1, timeout=10)
        assert set(f.orders) == {o["order_id"] for o in rest_orders}
        server.drop()
        f.wait_for(lambda f: f.reconciled == 2 and f.health.reconnects == 1, timeout=10)


def test_lost_snapshot_request_is_asked_again(feed: Feed, server: FakeKalshiWS) -> None:
    server.ignore_snapshots = 1
    server.delta(T, "yes", "0.3900", "5.00", skip=True)
    feed.wait_for(lambda f: _same(f, server, T) and _same(f, server, U), timeout=5)
    asks = [c for c in server.commands if c.get("params", {}).get("action") == "get_snapshot"]
    assert len(asks) == 2


def test_quiet_book_stays_current_through_pings(feed: Feed) -> None:
    # No data for 2.5 s: a pong after each quiet second proves nothing was missed, so the age stays low.
    time.sleep(2.5)
    assert feed.book(T).valid and feed.book(T).age < 1.9
    assert feed.health.last_message_age is not None and feed.health.last_message_age > 2.0


def test_works_under_a_running_event_loop(server: FakeKalshiWS, client: KalshiClient) -> None:
    # As in Jupyter: the caller's thread already runs a loop, so the feed must bring its own.
    async def cell() -> bool:
        with Feed([T], ("orderbook_delta",), client=client, url=server.url) as f:
            return bool(f.wait_for(lambda f: f.book(T).valid, timeout=5))

    assert asyncio.run(cell())


def test_url_comes_from_the_clients_ws_url(server: FakeKalshiWS, client: KalshiClient) -> None:
    client.ws_url = server.url  # type: ignore[attr-defined]
    with Feed([T], ("orderbook_delta",), client=client) as f:
        assert f.url == server.url
        f.wait_for(lambda f: f.book(T).valid, timeout=5)


def test_close_does_not_wait_for_a_hanging_connect(client: KalshiClient) -> None:
    with socket.socket() as listener:  # accepts TCP, never answers the upgrade
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        f = Feed([T], client=client, url=f"ws://127.0.0.1:{port}/trade-api/ws/v2")
        time.sleep(0.2)
        start = time.monotonic()
        f.close()
        assert time.monotonic() - start < 2 and not f._thread.is_alive()
        assert not f.book(T).valid
