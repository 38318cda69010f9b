"""What the live view shows, on hand-made states: the rules live in ``liveview.render`` (no widgets, no feed)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from kalshi_nb.feed.view import STALE_AFTER
from kalshi_nb.liveview.render import (
    LiveState,
    clock_text,
    fresh,
    render,
    sparkline_svg,
    trades_html,
)

NOW = datetime(2026, 12, 2, 15, 50, tzinfo=timezone.utc)
BOOK = {"yes_dollars": [["0.4400", "5.00"], ["0.4500", "10.00"]], "no_dollars": [["0.5300", "7.00"]]}
LIVE = LiveState(
    ticker="KXBTC15M-26DEC021100-00",
    now=NOW,
    title="BTC price up in next 15 mins?",
    open_time=NOW - timedelta(minutes=5),
    close_time=NOW + timedelta(minutes=10),
    status="active",
    book=BOOK,
    valid=True,
    book_age=0.3,
    connected=True,
    last_message_age=0.3,
    messages=12,
)
BID, ASK = "#1f77b4", "#ff7f0e"  # the ladder's live colours


def _best(parts_header: str, what: str) -> str:
    found = re.search(rf'kalshi-live-best-{what}">([^<]*)<', parts_header)
    assert found, parts_header
    return found.group(1)


def test_a_current_book_is_drawn_live() -> None:
    parts = render(LIVE)
    assert fresh(LIVE)
    # YES bids 45 and 44; the one NO bid at 53 is a YES ask at 47
    assert (_best(parts.header, "bid"), _best(parts.header, "ask")) == ("45¢", "47¢")
    assert "kalshi-book-stale" not in parts.book and BID in parts.book and ASK in parts.book
    assert "(stale)" not in parts.header
    assert "book valid" in parts.health and "● connected" in parts.health


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"connected": False}, "not connected"),
        ({"valid": False}, "waiting for a snapshot"),
        ({"book_age": STALE_AFTER + 1}, "no confirmation for"),
        ({"book_age": None}, "no update yet"),
        ({"stopped": True}, "stopped"),
    ],
)
def test_a_book_that_may_be_wrong_never_looks_current(change: dict, reason: str) -> None:
    state = replace(LIVE, prices=((NOW.timestamp(), Decimal("0.46")),), **change)
    parts = render(state)
    assert not fresh(state)
    assert "kalshi-book-stale" in parts.book and "STALE" in parts.book and reason in parts.book
    assert BID not in parts.book and ASK not in parts.book  # grey, not the live colours
    assert "(stale)" in parts.header
    assert "book valid" not in parts.health and "book stale" in parts.health and reason in parts.health
    assert 'class="kalshi-live-chart"' in parts.chart and "opacity:.6" in parts.chart


def test_not_connected_says_why() -> None:
    state = replace(LIVE, connected=False, error="No WebSocket URL for this host.", book=None)
    parts = render(state)
    assert "● not connected" in parts.health and "No WebSocket URL for this host." in parts.health
    assert _best(parts.header, "bid") == "—"


def test_errors_are_shown_without_class_names() -> None:
    state = replace(
        LIVE, connected=False, error="InvalidStatus: server rejected WebSocket connection: HTTP 503"
    )
    health = render(state).health
    assert "server rejected WebSocket connection: HTTP 503" in health and "InvalidStatus" not in health
    closed = replace(state, error="ConnectionClosedError: no close frame received or sent")
    assert "ConnectionClosedError" not in render(closed).health


def test_your_resting_orders_are_marked_on_their_level() -> None:
    parts = render(replace(LIVE, mine=frozenset({Decimal("0.44")})))
    rows = re.findall(r'<tr class="kalshi-book-(bid|ask)">(.*?)</tr>', parts.book)
    marked = [re.search(r">([\d.]+¢)<", row).group(1) for _, row in rows if "yours" in row]
    assert marked == ["44¢"]


def test_health_counts_gaps_recovered_and_reconnects() -> None:
    parts = render(replace(LIVE, gaps=3, gaps_recovered=2, reconnects=1, last_message_age=1.25))
    assert "gaps 3 (2 recovered)" in parts.health
    assert "1 reconnects" in parts.health and "last message 1.2 s ago" in parts.health


def _t(minutes: int, seconds: int = 0) -> datetime:
    return datetime(2026, 12, 2, 16, 0, tzinfo=timezone.utc) + timedelta(minutes=minutes, seconds=seconds)


def test_clock_counts_down_and_never_counts_time_that_is_not_there() -> None:
    opens, closes = _t(0), _t(15)
    assert clock_text(_t(5, 30), opens, closes) == "9m 30s left"
    assert clock_text(_t(14, 59), opens, closes) == "1s left"
    assert clock_text(_t(-1), opens, closes) == "opens in 1m 00s"
    assert clock_text(_t(15), opens, closes, "closed") == "closed"
    assert clock_text(_t(20), opens, closes, "finalized") == "closed"
    assert "still lists it open" in clock_text(_t(20), opens, closes, "active")
    assert clock_text(_t(0), None, None) == "no close time"


def test_sparkline_draws_each_sample_and_trade_higher_prices_higher() -> None:
    prices = [(0.0, Decimal("0.45")), (1.0, Decimal("0.47")), (2.0, Decimal("0.46"))]
    svg = sparkline_svg(prices, [(1.5, Decimal("0.50"))])
    points = re.search(r'class="kalshi-live-mid-line" points="([^"]*)"', svg).group(1).split()
    assert len(points) == 3
    xs = [float(p.split(",")[0]) for p in points]
    ys = [float(p.split(",")[1]) for p in points]
    assert xs == sorted(xs) and len(set(xs)) == 3  # time runs left to right
    assert ys[1] < ys[2] < ys[0]  # 47 above 46 above 45 (SVG y grows downwards)
    assert svg.count("<circle") == 1
    assert "50¢" in svg and "45¢" in svg  # the axis spans every point shown, trades included


def test_sparkline_without_points_and_with_a_flat_price() -> None:
    assert "no YES price yet" in sparkline_svg([])
    flat = sparkline_svg([(0.0, Decimal("0.45"))], width=320)
    assert "kalshi-live-mid-line" in flat and "44¢" in flat and "46¢" in flat  # a 2¢ axis, centred
    points = re.search(r'class="kalshi-live-mid-line" points="([^"]*)"', flat).group(1).split()
    xs = [float(p.split(",")[0]) for p in points]
    assert max(xs) - min(xs) > 200  # one sample is drawn across the chart, not as an invisible dot


def test_trades_newest_first_limited() -> None:
    trades = [
        {"created_time": f"2026-12-02T15:50:0{i}Z", "yes_price_dollars": f"0.4{i}00", "count_fp": "1.00",
         "taker_side": "yes"}
        for i in range(9, -1, -1)
    ]  # fmt: skip
    html = trades_html(trades, n=3)
    prices = re.findall(r"font-weight:600\">([\d.]+¢)<", html)
    assert prices == ["49¢", "48¢", "47¢"]
    assert "no trades seen yet" in trades_html([])


def test_chart_shows_trades_since_the_line_began() -> None:
    t0 = NOW.timestamp()
    trades = [
        {"created_time": (NOW - timedelta(minutes=1)).isoformat(), "yes_price_dollars": "0.9000"},
        {"created_time": (NOW + timedelta(seconds=1)).isoformat(), "yes_price_dollars": "0.4600"},
    ]
    parts = render(replace(LIVE, prices=((t0, Decimal("0.46")), (t0 + 2, Decimal("0.46"))), trades=trades))
    assert parts.chart.count("<circle") == 1 and "90¢" not in parts.chart


def test_render_is_pure_and_escapes_text() -> None:
    state = replace(LIVE, ticker="<b>T</b>", title="<script>alert(1)</script>", error="<i>x</i>")
    assert render(state) == render(state)
    joined = "".join(render(replace(state, connected=False)))
    assert "<script>" not in joined and "&lt;script&gt;" in joined and "<b>T</b>" not in joined
