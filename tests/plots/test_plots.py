"""Plots drawn from real sandbox data: what is drawn must be what the frame (and the raw JSON) says.

Expected values are computed here from the raw JSON with ``Decimal`` and ``datetime``, not with
``kalshi_nb.frames`` or ``kalshi_nb.plots``. Every plot is also written as a PNG, light and dark, to
``artifacts/plots/`` for a human to look at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import matplotlib

matplotlib.use("Agg")  # before pyplot; set here rather than through MPLBACKEND so the tests need no setup

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pytest
import requests
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba

from kalshi_nb import frames
from kalshi_nb.plots import (
    plot_btc15m_overview,
    plot_orderbook_depth,
    plot_price_history,
    plot_strike_ladder,
)
from kalshi_nb.sandbox import Sandbox

NOW = datetime(2026, 11, 25, 13, 25, tzinfo=timezone.utc)
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "plots"
THEMES = ("default", "dark_background")


# --------------------------------------------------------------------------------------------------
# Sandbox data, fetched once with plain requests


@dataclass
class Data:
    btc15m: list[dict[str, Any]]  # every KXBTC15M market
    live_ticker: str  # the active KXBTC15M window
    live_candles: list[dict[str, Any]]  # its 1-minute candles since it opened
    live_trades: list[dict[str, Any]]
    live_book: dict[str, Any]  # GET /markets/{t}/orderbook, whole response
    settled_book: dict[str, Any]  # the book of a finalized market (empty)
    window_candles: dict[str, list[dict[str, Any]]]  # 1-minute candles of the last settled windows
    ladder_event: dict[str, Any]  # GET /events/{e}?with_nested_markets=true of an active KXBTC event
    ladder_markets: list[dict[str, Any]]  # GET /markets?event_ticker=e
    other_event_markets: list[dict[str, Any]]  # markets of a second KXBTC event
    custom_markets: list[dict[str, Any]]  # an active KXFEDDECISION event (custom strikes)


def _get(url: str, **params: Any) -> Any:
    response = requests.get(url, params=params, timeout=10)
    response.raise_for_status()
    return response.json()


def _candles(sb: Sandbox, series: str, ticker: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
    body = _get(
        f"{sb.url}/series/{series}/markets/{ticker}/candlesticks",
        start_ts=int(start.timestamp()),
        end_ts=int(end.timestamp()),
        period_interval=1,
    )
    return body["candlesticks"]


def _iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def data() -> Iterator[Data]:
    with Sandbox(seed=11, rate_limit=None, now=NOW) as sb:
        btc15m = _get(f"{sb.url}/markets", series_ticker="KXBTC15M", limit=1000)["markets"]
        live = next(m for m in btc15m if m["status"] == "active")
        settled = sorted((m for m in btc15m if m["result"] in ("yes", "no")), key=lambda m: m["close_time"])
        windows = {
            m["ticker"]: _candles(sb, "KXBTC15M", m["ticker"], _iso(m["open_time"]), _iso(m["close_time"]))
            for m in settled[-8:]
        }
        kxbtc = _get(f"{sb.url}/markets", series_ticker="KXBTC", limit=1000)["markets"]
        ladder = next(m["event_ticker"] for m in kxbtc if m["status"] == "active")
        other = next(m["event_ticker"] for m in kxbtc if m["event_ticker"] != ladder)
        fed = _get(f"{sb.url}/markets", series_ticker="KXFEDDECISION", status="open", limit=1000)["markets"]
        fed_event = min({m["event_ticker"] for m in fed})
        yield Data(
            btc15m=btc15m,
            live_ticker=live["ticker"],
            live_candles=_candles(
                sb, "KXBTC15M", live["ticker"], _iso(live["open_time"]), NOW + timedelta(minutes=1)
            ),
            live_trades=_get(f"{sb.url}/markets/trades", ticker=live["ticker"], limit=1000)["trades"],
            live_book=_get(f"{sb.url}/markets/{live['ticker']}/orderbook"),
            settled_book=_get(f"{sb.url}/markets/{settled[-1]['ticker']}/orderbook"),
            window_candles=windows,
            ladder_event=_get(f"{sb.url}/events/{ladder}", with_nested_markets="true"),
            ladder_markets=_get(f"{sb.url}/markets", event_ticker=ladder, limit=1000)["markets"],
            other_event_markets=_get(f"{sb.url}/markets", event_ticker=other, limit=1000)["markets"],
            custom_markets=[m for m in fed if m["event_ticker"] == fed_event],
        )


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def save(ax: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    figure = np.ravel(ax)[0].figure
    figure.savefig(ARTIFACTS / f"{name}.png", dpi=110)


def x_of(times: list[datetime]) -> np.ndarray:
    return np.asarray(mdates.date2num(times), dtype=float)


def unix(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def money(text: str | None) -> float:
    return float(Decimal(text)) if text is not None else float("nan")


def line_labelled(ax: Any, label: str) -> Any:
    found = [line for line in ax.get_lines() if line.get_label() == label]
    assert len(found) == 1, [line.get_label() for line in ax.get_lines()]
    return found[0]


def container_labelled(ax: Any, label: str) -> Any:
    found = [c for c in ax.containers if c.get_label() == label]
    assert len(found) == 1, [c.get_label() for c in ax.containers]
    return found[0]


def texts(ax: Any) -> list[str]:
    return [t.get_text() for t in ax.texts]


# --------------------------------------------------------------------------------------------------
# Price history


def test_price_history_line_band_and_volume_match_the_candles(data: Data) -> None:
    raw = data.live_candles
    traded = [c for c in raw if c["price"]["close_dollars"] is not None]
    assert 2 <= len(traded) < len(raw), "the fixture should have periods with and without trades"
    candles = frames.candles_frame(raw, ticker=data.live_ticker)

    ax = plot_price_history(candles)

    line = line_labelled(ax, "Trade price (close)")
    np.testing.assert_allclose(line.get_xdata(), x_of([unix(c["end_period_ts"]) for c in traded]))
    np.testing.assert_allclose(line.get_ydata(), [money(c["price"]["close_dollars"]) for c in traded])

    # The band's outline holds, at each candle time, the bid close (bottom) and the ask close (top).
    (band,) = [c for c in ax.collections if c.get_label() == "YES bid-ask (close)"]
    vertices = np.concatenate([p.vertices for p in band.get_paths()])
    for candle in raw:
        x = x_of([unix(candle["end_period_ts"])])[0]
        ys = vertices[np.isclose(vertices[:, 0], x, rtol=0, atol=1e-9), 1]
        bid, ask = money(candle["yes_bid"]["close_dollars"]), money(candle["yes_ask"]["close_dollars"])
        assert 0 < bid < ask < 1
        assert min(ys) == pytest.approx(bid)
        assert max(ys) == pytest.approx(ask)

    bars = ax.volume_ax.patches
    assert [b.get_height() for b in bars] == pytest.approx([money(c["volume_fp"]) for c in raw])
    centres = [b.get_x() + b.get_width() / 2 for b in bars]
    np.testing.assert_allclose(centres, x_of([unix(c["end_period_ts"]) for c in raw]))

    assert ax.get_title() == f"{data.live_ticker}: price history"
    assert ax.get_ylabel() == "YES price (USD)"
    assert ax.volume_ax.get_ylabel() == "Volume (contracts)"
    assert ax.volume_ax.get_xlabel() == "Time (UTC)"
    assert ax.get_shared_x_axes().joined(ax, ax.volume_ax)
    save(ax, "price_history_line")


def test_price_history_candles_are_the_trade_ohlc(data: Data) -> None:
    raw = data.live_candles
    traded = [c["price"] for c in raw if c["price"]["close_dollars"] is not None]
    candles = frames.candles_frame(raw, ticker=data.live_ticker)

    ax = plot_price_history(candles, kind="candles")

    bodies = container_labelled(ax, "Trade price (OHLC)")
    assert len(bodies) == len(traded)
    for body, price in zip(bodies, traded, strict=True):
        o, c = money(price["open_dollars"]), money(price["close_dollars"])
        assert body.get_y() == pytest.approx(o)
        assert body.get_y() + body.get_height() == pytest.approx(c)
        assert body.get_facecolor() == to_rgba("tab:green" if c >= o else "tab:red")
    (wicks,) = [c for c in ax.collections if isinstance(c, LineCollection) and c.get_label() == "_wicks"]
    lows_highs = [(seg[0][1], seg[1][1]) for seg in wicks.get_segments()]
    expected = [(money(p["low_dollars"]), money(p["high_dollars"])) for p in traded]
    np.testing.assert_allclose(lows_highs, expected)
    save(ax, "price_history_candles")


def test_trades_are_drawn_at_their_time_and_price_by_taker_side(data: Data) -> None:
    raw = data.live_trades
    assert {t["taker_outcome_side"] for t in raw} == {"yes", "no"}
    candles = frames.candles_frame(data.live_candles, ticker=data.live_ticker)

    ax = plot_price_history(candles, trades=frames.trades_frame(raw))

    for side in ("yes", "no"):
        (dots,) = [c for c in ax.collections if c.get_label() == f"Trade, taker bought {side.upper()}"]
        mine = [t for t in raw if t["taker_outcome_side"] == side]
        expected = np.column_stack(
            [x_of([_iso(t["created_time"]) for t in mine]), [money(t["yes_price_dollars"]) for t in mine]]
        )
        np.testing.assert_allclose(dots.get_offsets(), expected)
        assert (
            tuple(dots.get_facecolor()[0][:3]) == to_rgba("tab:blue" if side == "yes" else "tab:orange")[:3]
        )
    save(ax, "price_history_with_trades")


HHMM = re.compile(r"^\d\d:\d\d$")


def tick_times(ax: Any) -> list[tuple[float, str]]:
    ax.figure.canvas.draw()
    return [
        (t.get_loc(), t.label1.get_text())
        for t in ax.xaxis.get_major_ticks()
        if HHMM.match(t.label1.get_text())
    ]


@pytest.mark.parametrize("tz", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_times_are_shown_in_the_requested_zone(data: Data, tz: str) -> None:
    candles = frames.candles_frame(data.live_candles, ticker=data.live_ticker)

    ax = plot_price_history(candles, tz=tz)

    ticks = tick_times(ax.volume_ax)
    assert len(ticks) >= 2
    zone = ZoneInfo(tz)
    for loc, label in ticks:
        assert label == mdates.num2date(loc).astimezone(zone).strftime("%H:%M")
    assert ax.volume_ax.get_xlabel() == f"Time ({tz})"
    # The candles span 13:15-13:26 UTC: 08:xx in New York (EST, UTC-5), 18:xx in Kolkata (UTC+5:30).
    hours = {int(label[:2]) for _, label in ticks}
    assert hours <= {"UTC": {13}, "America/New_York": {8}, "Asia/Kolkata": {18, 19}}[tz]


def test_hourly_ticks_fall_on_the_zones_whole_hours(data: Data) -> None:
    # Kolkata is UTC+5:30: ticks placed on UTC hours would read hh:30 there.
    (ax,) = plot_btc15m_overview(frames.markets_frame(data.btc15m), tz="Asia/Kolkata")
    ticks = tick_times(ax)
    assert len(ticks) >= 3
    zone = ZoneInfo("Asia/Kolkata")
    for loc, label in ticks:
        assert label == mdates.num2date(loc).astimezone(zone).strftime("%H:%M")
        assert label.endswith(":00")


def test_an_unknown_zone_is_a_value_error(data: Data) -> None:
    candles = frames.candles_frame(data.live_candles, ticker=data.live_ticker)
    with pytest.raises(ValueError, match="Mars/Olympus"):
        plot_price_history(candles, tz="Mars/Olympus")


def test_price_history_honours_the_given_axes(data: Data) -> None:
    candles = frames.candles_frame(data.live_candles, ticker=data.live_ticker)
    figure, ax = plt.subplots()

    returned = plot_price_history(candles, ax=ax)

    assert returned is ax
    assert returned.volume_ax in figure.axes
    assert returned.volume_ax is not ax
    assert ax.get_shared_x_axes().joined(ax, returned.volume_ax)
    # The volume Axes sits below the price Axes.
    figure.canvas.draw()
    assert returned.volume_ax.get_position().y1 <= ax.get_position().y0 + 1e-9
    save(ax, "price_history_given_ax")

    _, (price_ax, volume_ax) = plt.subplots(2, 1, sharex=True)
    assert plot_price_history(candles, ax=price_ax, volume_ax=volume_ax).volume_ax is volume_ax
    assert volume_ax.patches


def test_empty_candles_give_a_labelled_empty_plot() -> None:
    ax = plot_price_history(frames.candles_frame([]))
    assert ax.get_ylabel() == "YES price (USD)"
    assert ax.volume_ax.get_ylabel() == "Volume (contracts)"
    assert texts(ax) == ["no candles in this frame"]
    assert not ax.get_lines()
    assert not ax.volume_ax.patches
    save(ax, "price_history_empty")


def test_wrong_frame_or_kind_is_a_value_error(data: Data) -> None:
    with pytest.raises(ValueError, match="candles_frame"):
        plot_price_history(frames.markets_frame(data.btc15m))
    candles = frames.candles_frame(data.live_candles, ticker=data.live_ticker)
    with pytest.raises(ValueError, match="kind"):
        plot_price_history(candles, kind="bars")
    with pytest.raises(ValueError, match="trades_frame"):
        plot_price_history(candles, trades=candles)


# --------------------------------------------------------------------------------------------------
# Order book


def test_depth_and_mid_match_the_raw_book(data: Data) -> None:
    book = data.live_book["orderbook_fp"]
    yes = sorted(((Decimal(p), Decimal(c)) for p, c in book["yes_dollars"]), reverse=True)  # best first
    asks = sorted((Decimal(1) - Decimal(p), Decimal(c)) for p, c in book["no_dollars"])  # best first
    assert yes
    assert asks

    ax = plot_orderbook_depth(frames.orderbook_frame(data.live_book, ticker=data.live_ticker))

    bids_line = line_labelled(ax, "YES bids")
    bid_depth = np.cumsum([float(c) for _, c in yes])
    np.testing.assert_allclose(bids_line.get_xdata(), [float(p) for p, _ in yes][::-1])
    np.testing.assert_allclose(bids_line.get_ydata(), bid_depth[::-1])
    assert bids_line.get_drawstyle() == "steps-pre"
    asks_line = line_labelled(ax, "YES asks (= NO bids at 1 - price)")
    np.testing.assert_allclose(asks_line.get_xdata(), [float(p) for p, _ in asks])
    np.testing.assert_allclose(asks_line.get_ydata(), np.cumsum([float(c) for _, c in asks]))
    assert asks_line.get_drawstyle() == "steps-post"

    mid = float((yes[0][0] + asks[0][0]) / 2)
    (mid_line,) = [line for line in ax.get_lines() if line.get_label().startswith("Mid")]
    assert list(mid_line.get_xdata()) == pytest.approx([mid, mid])
    assert mid_line.get_label() == f"Mid ${mid:.3f}"

    assert ax.get_xlabel() == "YES price (USD)"
    assert ax.get_ylabel() == "Cumulative depth (contracts)"
    assert ax.get_title() == f"{data.live_ticker}: order book depth"
    (no_axis,) = ax.child_axes
    assert no_axis.get_xlabel() == "NO price (USD)"
    save(ax, "orderbook_depth")


def test_mid_uses_the_best_levels_of_a_lopsided_book() -> None:
    # Worked example: YES bids 0.40 x 10 and 0.42 x 5; NO bids 0.55 x 4, 0.50 x 3 and 0.40 x 1, i.e. YES
    # asks 0.45 x 4, 0.50 x 3 and 0.60 x 1. Best bid 0.42, best ask 0.45: mid 0.435.
    book = {
        "orderbook_fp": {
            "yes_dollars": [["0.4000", "10.00"], ["0.4200", "5.00"]],
            "no_dollars": [["0.4000", "1.00"], ["0.5000", "3.00"], ["0.5500", "4.00"]],
        }
    }
    ax = plot_orderbook_depth(frames.orderbook_frame(book, ticker="T"))
    (mid_line,) = [line for line in ax.get_lines() if line.get_label().startswith("Mid")]
    assert list(mid_line.get_xdata()) == pytest.approx([0.435, 0.435])
    asks_line = line_labelled(ax, "YES asks (= NO bids at 1 - price)")
    assert list(asks_line.get_xdata()) == pytest.approx([0.45, 0.50, 0.60])
    assert list(asks_line.get_ydata()) == pytest.approx([4.0, 7.0, 8.0])
    bids_line = line_labelled(ax, "YES bids")
    assert list(bids_line.get_xdata()) == pytest.approx([0.40, 0.42])
    assert list(bids_line.get_ydata()) == pytest.approx([15.0, 5.0])


def test_a_one_sided_book_has_no_mid() -> None:
    # Worked example: YES bids 0.30 x 5 and 0.25 x 7, no NO bids at all.
    book = {"orderbook_fp": {"yes_dollars": [["0.2500", "7.00"], ["0.3000", "5.00"]], "no_dollars": []}}
    ax = plot_orderbook_depth(frames.orderbook_frame(book))
    bids_line = line_labelled(ax, "YES bids")
    assert list(bids_line.get_xdata()) == pytest.approx([0.25, 0.30])
    assert list(bids_line.get_ydata()) == pytest.approx([12.0, 5.0])
    assert not [line for line in ax.get_lines() if line.get_label().startswith("Mid")]
    assert ax.get_title() == "Order book depth"


def test_an_empty_book_gives_a_labelled_empty_plot(data: Data) -> None:
    assert data.settled_book["orderbook_fp"] == {"yes_dollars": [], "no_dollars": []}
    _, ax = plt.subplots()
    returned = plot_orderbook_depth(frames.orderbook_frame(data.settled_book), ax=ax)
    assert returned is ax
    assert texts(ax) == ["the order book is empty"]
    assert ax.get_xlabel() == "YES price (USD)"
    assert ax.get_ylabel() == "Cumulative depth (contracts)"
    save(ax, "orderbook_empty")


def test_depth_needs_an_orderbook_frame(data: Data) -> None:
    with pytest.raises(ValueError, match="orderbook_frame"):
        plot_orderbook_depth(frames.candles_frame(data.live_candles))


# --------------------------------------------------------------------------------------------------
# Strike ladder


def expected_strike(market: dict[str, Any]) -> float:
    kind = market["strike_type"]
    if kind == "between":
        return (market["floor_strike"] + market["cap_strike"]) / 2
    return market["floor_strike"] if kind.startswith("greater") else market["cap_strike"]


def test_strike_ladder_points_and_error_bars_match_the_markets(data: Data) -> None:
    markets = [dict(m) for m in data.ladder_markets]
    assert {m["strike_type"] for m in markets} == {"less", "between", "greater"}
    # Empty one market's book (no bid, ask at $1) so it must fall back to its last price.
    markets[3].update(yes_bid_dollars="0.0000", yes_ask_dollars="1.0000", last_price_dollars="0.1700")
    quoted, unquoted = markets[:3] + markets[4:], [markets[3]]

    ax = plot_strike_ladder(frames.markets_frame(markets))

    bars = container_labelled(ax, "Mid, bar = YES bid to ask")
    points, _caps, (segments,) = bars.lines
    np.testing.assert_allclose(points.get_xdata(), [expected_strike(m) for m in quoted])
    mids = [float((Decimal(m["yes_bid_dollars"]) + Decimal(m["yes_ask_dollars"])) / 2) for m in quoted]
    np.testing.assert_allclose(points.get_ydata(), mids)
    extents = [(s[0][1], s[1][1]) for s in segments.get_segments()]
    np.testing.assert_allclose(
        extents, [(money(m["yes_bid_dollars"]), money(m["yes_ask_dollars"])) for m in quoted]
    )

    hollow = line_labelled(ax, "Last price (book not quoted)")
    assert list(hollow.get_xdata()) == pytest.approx([expected_strike(unquoted[0])])
    assert list(hollow.get_ydata()) == pytest.approx([0.17])

    assert ax.get_title() == f"{markets[0]['title']}\n{markets[0]['event_ticker']}"
    assert "Strike" in ax.get_xlabel()
    assert "probability" in ax.get_ylabel()
    save(ax, "strike_ladder")


def test_strike_ladder_title_comes_from_the_event(data: Data) -> None:
    event = data.ladder_event["event"]
    event["markets"] = data.ladder_event.get("markets") or event.get("markets")
    ax = plot_strike_ladder(frames.event_markets_frame([event]))
    assert ax.get_title() == f"{event['title']}\n{event['event_ticker']}"
    points = container_labelled(ax, "Mid, bar = YES bid to ask").lines[0]
    assert sorted(points.get_xdata()) == pytest.approx(sorted(expected_strike(m) for m in event["markets"]))


def test_custom_outcomes_are_placed_side_by_side(data: Data) -> None:
    markets = data.custom_markets
    assert all(m.get("floor_strike") is None and m.get("cap_strike") is None for m in markets)
    ax = plot_strike_ladder(frames.markets_frame(markets))
    assert [t.get_text() for t in ax.get_xticklabels()] == [m["yes_sub_title"] for m in markets]
    assert ax.get_xlabel() == "Outcome"
    save(ax, "strike_ladder_custom")


def test_strike_ladder_refuses_several_events(data: Data) -> None:
    both = frames.markets_frame(data.ladder_markets + data.other_event_markets)
    with pytest.raises(ValueError, match="one event"):
        plot_strike_ladder(both)


def test_strike_ladder_of_nothing_is_labelled(data: Data) -> None:
    _, ax = plt.subplots()
    assert plot_strike_ladder(frames.markets_frame([]), ax=ax) is ax
    assert texts(ax) == ["no market with a price to show"]
    assert "probability" in ax.get_ylabel()
    with pytest.raises(ValueError, match="markets_frame"):
        plot_strike_ladder(frames.candles_frame(data.live_candles))


# --------------------------------------------------------------------------------------------------
# KXBTC15M overview


def settled_windows(data: Data, n: int) -> list[dict[str, Any]]:
    done = [m for m in data.btc15m if m["result"] in ("yes", "no")]
    return sorted(done, key=lambda m: m["close_time"])[-n:]


def test_overview_strip_shows_each_settled_window(data: Data) -> None:
    shown = settled_windows(data, 24)
    (ax,) = plot_btc15m_overview(frames.markets_frame(data.btc15m), tz="America/New_York")

    (bars,) = ax.containers
    assert [b.get_x() for b in bars] == pytest.approx(list(x_of([_iso(m["open_time"]) for m in shown])))
    assert [b.get_width() for b in bars] == pytest.approx([15 / (24 * 60)] * len(shown))
    assert [b.get_height() for b in bars] == [1.0 if m["result"] == "yes" else -1.0 for m in shown]
    assert [b.get_facecolor()[:3] for b in bars] == [
        to_rgba("tab:blue" if m["result"] == "yes" else "tab:orange")[:3] for m in shown
    ]
    n_yes = sum(m["result"] == "yes" for m in shown)
    assert ax.get_title() == f"KXBTC15M: last 24 settled windows ({n_yes} YES, {24 - n_yes} NO)"
    assert ax.get_xlabel() == "Time (America/New_York)"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["NO (down)", "YES (up)"]
    save(ax, "btc15m_outcomes")


def test_overview_paths_follow_the_mid_of_each_window(data: Data) -> None:
    markets = frames.markets_frame(data.btc15m)
    candles = {t: frames.candles_frame(c, ticker=t) for t, c in data.window_candles.items()}

    outcomes, paths = plot_btc15m_overview(markets, candles, windows=6)

    shown = settled_windows(data, 6)
    lines = {line.get_gid(): line for line in paths.get_lines() if line.get_gid()}
    assert set(lines) == {m["ticker"] for m in shown}
    for market in shown:
        line, raw = lines[market["ticker"]], data.window_candles[market["ticker"]]
        opened = _iso(market["open_time"])
        minutes = [(unix(c["end_period_ts"]) - opened).total_seconds() / 60 for c in raw]
        np.testing.assert_allclose(line.get_xdata(), minutes)
        expected = []
        for c in raw:
            bid, ask = money(c["yes_bid"]["close_dollars"]), money(c["yes_ask"]["close_dollars"])
            expected.append(
                (bid + ask) / 2 if 0 < bid < 1 and 0 < ask < 1 else money(c["price"]["close_dollars"])
            )
        np.testing.assert_allclose(line.get_ydata(), expected)
        assert line.get_color() == ("tab:blue" if market["result"] == "yes" else "tab:orange")
    assert len(outcomes.containers[0]) == 6
    assert paths.get_xlabel() == "Minutes since the window opened"
    assert "USD" in paths.get_ylabel()
    save(outcomes, "btc15m_overview")


def test_overview_honours_given_axes_and_checks_their_number(data: Data) -> None:
    markets = frames.markets_frame(data.btc15m)
    _, (top, bottom) = plt.subplots(2, 1)
    returned = plot_btc15m_overview(markets, {}, axes=[top, bottom])
    assert list(returned) == [top, bottom]
    assert texts(bottom) == ["no candles for the settled windows shown"]
    with pytest.raises(ValueError, match="needs 1 Axes"):
        plot_btc15m_overview(markets, axes=[top, bottom])
    only = plot_btc15m_overview(markets, axes=top)
    assert list(only) == [top]


def test_overview_without_settled_windows_is_labelled(data: Data) -> None:
    active = frames.markets_frame([m for m in data.btc15m if m["result"] not in ("yes", "no")])
    (ax,) = plot_btc15m_overview(active)
    assert texts(ax) == ["no settled windows in this frame"]
    assert ax.get_title() == "KXBTC15M: no settled windows"
    save(ax, "btc15m_empty")


# --------------------------------------------------------------------------------------------------
# Themes: text follows the style, and every plot is written in both


@pytest.mark.parametrize("theme", THEMES)
def test_every_plot_in_light_and_dark(data: Data, theme: str) -> None:
    candles = frames.candles_frame(data.live_candles, ticker=data.live_ticker)
    trades = frames.trades_frame(data.live_trades)
    window = {t: frames.candles_frame(c, ticker=t) for t, c in data.window_candles.items()}
    with plt.style.context(theme):
        text_color = to_rgba(plt.rcParams["text.color"])
        drawn = {
            "price_line": plot_price_history(candles, trades=trades, tz="America/New_York"),
            "price_candles": plot_price_history(candles, kind="candles"),
            "depth": plot_orderbook_depth(frames.orderbook_frame(data.live_book, ticker=data.live_ticker)),
            "ladder": plot_strike_ladder(frames.markets_frame(data.ladder_markets)),
            "custom_ladder": plot_strike_ladder(frames.markets_frame(data.custom_markets)),
            "btc15m": plot_btc15m_overview(frames.markets_frame(data.btc15m), window, windows=8),
            "empty_book": plot_orderbook_depth(frames.orderbook_frame(data.settled_book)),
        }
        for name, ax in drawn.items():
            first = np.ravel(ax)[0]
            assert to_rgba(first.title.get_color()) == text_color, name
            assert to_rgba(first.yaxis.label.get_color()) == text_color, name
            for note in first.texts:
                assert to_rgba(note.get_color()) == text_color, name
            save(ax, f"{theme}_{name}")
