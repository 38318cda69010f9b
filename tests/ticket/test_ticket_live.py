"""OrderTicket with a real live feed (the sandbox's WebSocket): the book it shows is the exchange's and says
when it is not current; a placed order's state moves by itself (resting -> partly filled -> executed, or
canceled) from ``user_order`` and ``fill`` messages, with no REST read by the ticket in between; without a
feed the form works over REST and says so; closing the ticket closes its feed and threads."""

from __future__ import annotations

import html
import re
import threading
import time
from collections.abc import Callable
from decimal import Decimal as D

import pytest

from kalshi_nb.client import KalshiClient
from kalshi_nb.display.book import book_html
from kalshi_nb.ticket import Phase, placeable
from kalshi_nb.ticket.live import LIVE_DEPTH

TICKER = "KXFEDDECISION-26DEC-H0"  # at the sandbox's anchor: open, quotes 0.65 / 0.66
OTHER = "KXFEDDECISION-26DEC-C25"
WIDE = "KXGDPNOM-RUS26-T2.4"  # at the anchor: bid 0.39, ask 0.46, so an order at 0.42 is alone at the top
WAIT = 20.0  # generous: the machine is shared; a pass never takes this long


def visible(markup: str) -> str:
    """The text a trader reads in an HTML widget (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def status(t) -> str:
    return visible(t.status.value)


def book_line(t) -> str:
    return visible(t.live_book.value)


def eventually(what: Callable[[], object], timeout: float = WAIT) -> object:
    """Wait (the test waits; the ticket is never asked) until ``what()`` is truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = what()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s")
        time.sleep(0.02)


def ticket_threads() -> list[str]:
    """The feeds' connection threads and the tickets' threads (a feed's short REST reconciliation after a
    connect is its own business: it ends with its read)."""
    names = [th.name for th in threading.enumerate()]
    return [n for n in names if n.startswith("kalshi-ticket") or re.fullmatch(r"kalshi-feed-[0-9a-f]+", n)]


@pytest.fixture
def live_ticket(make_ticket, live_client: KalshiClient) -> Callable[..., object]:
    def make(**kwargs: object) -> object:
        kwargs.setdefault("client", live_client)
        kwargs.setdefault("redraw_interval", 0.05)
        return make_ticket(**kwargs)

    return make


def fresh(t) -> bool:
    return "Live book: current" in book_line(t) and "kalshi-live-fresh" in t.live_book.value


def rest_top(client: KalshiClient, ticker: str) -> tuple[D, D]:
    """The best YES bid and ask on the exchange's REST book."""
    book = client.get_orderbook(ticker)["orderbook_fp"]
    return max(D(p) for p, _ in book["yes_dollars"]), 1 - max(D(p) for p, _ in book["no_dollars"])


def place_from_ticket(t, *, count: str = "3", price: str = "0.65") -> str:
    t.outcome.value, t.action.value = "yes", "buy"
    t.count.value, t.price.value = count, price
    t.dry_run.value = False
    t.preview_button.click()
    assert placeable(t.phase, t.facts())
    t.place_button.click()
    assert t.phase is Phase.PLACED, status(t)
    return t.placed.order_id


def test_the_live_book_is_the_exchanges_and_follows_its_writes(sb, live_ticket, client, maker) -> None:
    t = live_ticket(ticker=TICKER)
    assert t.feed is not None and t.feed.tickers == [TICKER]
    eventually(lambda: fresh(t))
    # the ladder is the REST book's ladder, drawn by display.book from the exchange's own answer
    assert book_html(client.get_orderbook(TICKER), ticker=TICKER, depth=LIVE_DEPTH) in t.live_book.value
    before = t.live_book.value
    maker.place_order(TICKER, "yes", 7, price_cents=65)  # more at the best bid, from someone else's REST call
    ladder = book_html(client.get_orderbook(TICKER), ticker=TICKER, depth=LIVE_DEPTH)
    assert ladder not in before
    eventually(lambda: ladder in t.live_book.value)
    assert fresh(t)


def test_resting_then_partly_filled_then_executed_without_a_rest_read(
    sb, live_ticket, maker, monkeypatch
) -> None:
    t = live_ticket(ticker=WIDE)
    eventually(lambda: fresh(t) and t.feed.reconciled >= 1)  # the feed's own REST read after connecting
    bid, ask = rest_top(maker, WIDE)
    assert bid < D("0.42") < ask  # so the crossing orders below meet ours and only ours
    panel_reads: list[float] = []
    monkeypatch.setattr(t.orders_panel, "refresh", lambda: panel_reads.append(time.monotonic()))
    order_id = place_from_ticket(t, price="0.42")
    assert status(t) == f"Placed: order {order_id} is resting (0 of 3 filled)."
    placed_at = len(sb.requests)

    maker.place_order(WIDE, "no", 1, price_cents=58)  # sells YES at 0.42: one of ours fills
    eventually(lambda: "partly filled" in status(t))
    assert status(t) == f"Placed: order {order_id} is partly filled (1 of 3 filled, 2 resting)."
    assert t.cancel_button.layout.display is None  # the rest can still be canceled
    assert "RESTING" in t.receipt.value.upper()

    maker.place_order(WIDE, "no", 2, price_cents=58)
    eventually(lambda: "executed" in status(t))
    assert status(t) == f"Placed: order {order_id} executed (3 of 3 filled)."
    assert "EXECUTED" in t.receipt.value
    assert t.cancel_button.layout.display == "none"
    # what shows is what the exchange holds
    record = next(o for o in sb.exchange.orders(sb.user_id) if o["order_id"] == order_id)
    assert (record["status"], D(record["fill_count_fp"])) == ("executed", D(3))
    # the ticket's account sent nothing at all since the placement (the maker's key sent the crosses)
    after = sb.requests[placed_at:]
    assert [(r.method, r.path) for r in after if r.key_id == t.client.key_id] == []
    assert [r.method for r in after if r.key_id == maker.key_id].count("POST") == 2
    assert panel_reads  # the feed's reports made the panel read again (stubbed here)


def test_a_cancel_elsewhere_shows_as_canceled_and_the_panel_reads_again(sb, live_ticket, client) -> None:
    t = live_ticket(ticker=TICKER)
    eventually(lambda: fresh(t) and t.feed.reconciled >= 1)
    order_id = place_from_ticket(t, price="0.60")
    assert [r.order_id for r in t.orders_panel.rows] == [order_id]
    placed_at = len(sb.requests)
    client.cancel_order(order_id, ticker=TICKER)  # from another cell, not through the ticket
    eventually(lambda: status(t) == f"Order {order_id} canceled (0 of 3 filled).")
    assert t.phase is Phase.CANCELLED
    assert "CANCELED" in t.receipt.value.upper()
    eventually(lambda: t.orders_panel.rows == [])  # the panel read again because the feed said so
    reads = [r.path for r in sb.requests[placed_at:] if r.method == "GET"]
    assert reads and all(p.endswith(("/portfolio/orders", "/portfolio/positions")) for p in reads), reads
    assert not any(order_id in p for p in reads)  # the order itself is never polled


def test_a_book_not_confirmed_recently_is_shown_as_stale(sb, live_ticket) -> None:
    t = live_ticket(ticker=TICKER)
    eventually(lambda: fresh(t))
    t.book_max_age = 0.0  # no book is recent enough: it must read as stale, never as current
    eventually(lambda: "kalshi-live-stale" in t.live_book.value)
    assert "Live book STALE" in book_line(t) and "not the current book" in book_line(t)
    assert "Live book: current" not in book_line(t)
    t.book_max_age = 5.0
    eventually(lambda: fresh(t))


def test_a_dropped_feed_shows_stale_then_recovers(sb, live_ticket) -> None:
    t = live_ticket(ticker=TICKER)
    eventually(lambda: fresh(t))
    sb.ws_faults.update(refuse_upgrade=True)  # it cannot come back until the test says so
    sb.ws_drop_all()
    eventually(lambda: "kalshi-live-stale" in t.live_book.value)
    assert book_line(t).startswith("Live book STALE: the feed is down (")
    assert "not the current book" in book_line(t)
    assert "Live book: current" not in book_line(t)
    assert not t.feed.book(TICKER).valid
    sb.ws_faults.clear()
    eventually(lambda: t.feed.health.reconnects >= 1 and fresh(t))
    assert t.feed.book(TICKER).valid


def test_a_refused_feed_leaves_the_form_working_over_rest(sb, live_ticket) -> None:
    sb.ws_faults.update(refuse_upgrade=True)
    t = live_ticket(ticker=TICKER)
    eventually(lambda: "unavailable" in book_line(t))
    assert "Live book unavailable (the exchange refused the connection, HTTP 503)" in book_line(t)
    assert "kalshi-book-bid" not in t.live_book.value  # no ladder without a live book
    order_id = place_from_ticket(t, price="0.60")  # Preview and Place work over REST as before
    assert status(t).startswith(f"Placed: order {order_id} is resting (0 of 3 filled). As last read")
    t.refresh_button.click()
    assert status(t).startswith(f"Placed: order {order_id} is resting")


def test_switching_market_moves_the_feed(sb, live_ticket) -> None:
    t = live_ticket(ticker=TICKER)
    eventually(lambda: fresh(t))
    first = t.feed
    t.ticker.value = OTHER
    assert first is not t.feed and not first._thread.is_alive()
    assert t.feed.tickers == [OTHER]
    eventually(lambda: fresh(t) and f"<b>{OTHER}</b>" in t.live_book.value)
    t.ticker.value = ""
    assert t.feed is None and t.live_book.value == ""


def test_close_ends_the_feed_and_every_thread(sb, live_ticket) -> None:
    before = ticket_threads()
    t = live_ticket(ticker=TICKER, tick_interval=0.05)
    eventually(lambda: fresh(t))
    feed = t.feed
    assert len(ticket_threads()) == len(before) + 3  # the feed, the redraw and the tick
    t.close()
    assert not feed._thread.is_alive()
    assert ticket_threads() == before


def test_live_is_opt_out_and_off_without_a_websocket_url(sb, make_ticket, live_client, client) -> None:
    off = make_ticket(client=live_client, ticker=TICKER, live=False)
    assert off.feed is None and off.live_book.value == "" and off.facts().live == "off"
    plain = make_ticket(client=client, ticker=TICKER)  # no ws_url, no KALSHI_WS_URL: as before
    assert plain.feed is None and plain.live_book.value == ""
    assert "As last read" not in status(plain)
    asked = make_ticket(client=client, ticker=TICKER, live=True)  # asked for, impossible: says why
    assert asked.feed is None
    assert "Live book unavailable (No WebSocket URL for the sandbox" in book_line(asked)
    assert "kalshi-live-" in asked.live_book.value


def test_an_order_shown_only_moves_forward() -> None:
    from kalshi_nb.ticket.live import further

    resting = {"status": "resting", "fill_count_fp": "0.00", "last_updated_ts_ms": 1_000}
    partly = {**resting, "fill_count_fp": "1.00", "last_updated_ts_ms": 2_000}
    done = {**partly, "status": "executed", "fill_count_fp": "3.00", "last_updated_ts_ms": 3_000}
    canceled = {**partly, "status": "canceled", "last_updated_ts_ms": 3_000}
    order = [resting, partly, done]
    for i, old in enumerate(order):
        for j, new in enumerate(order):
            assert further(new, old) == (j > i), (old, new)
    assert further(canceled, partly) and not further(partly, canceled)
    assert not further(resting, resting)  # nothing new: nothing to redraw
    # a REST read (ISO time) newer than a late feed message with the same fill keeps the REST read
    amended = {"status": "resting", "fill_count_fp": "1.00", "last_update_time": "2026-11-25T13:00:05Z"}
    late = {**partly, "last_updated_ts_ms": 1_795_611_600_000}  # 13:00:00Z, five seconds before
    assert not further(late, amended)


def test_a_refused_signature_says_unavailable_and_never_breaks_the_form(sb, live_ticket, monkeypatch) -> None:
    from kalshi_nb.feed import live as feed_live

    real = feed_live.Feed._sign

    def forged(self) -> dict[str, str]:  # the upgrade signed wrongly: the exchange answers 401
        headers = real(self)
        return {**headers, "KALSHI-ACCESS-SIGNATURE": "bm90IGEgc2lnbmF0dXJl"}

    monkeypatch.setattr(feed_live.Feed, "_sign", forged)
    t = live_ticket(ticker=TICKER)
    eventually(lambda: "unavailable" in book_line(t))
    assert "Live book unavailable (the exchange refused the connection, HTTP 401)" in book_line(t)
    assert "bm90IGEgc2lnbmF0dXJl" not in t.live_book.value  # nothing of the request is echoed
    order_id = place_from_ticket(t, price="0.60")
    assert status(t).startswith(f"Placed: order {order_id} is resting (0 of 3 filled). As last read")
