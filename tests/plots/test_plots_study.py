"""The study plots drawn from real sandbox data: the reliability diagram of KXBTC15M windows and the P&L.

Expected values are computed here from the raw JSON with ``Decimal`` and the closed-form Wilson interval,
not with ``kalshi_nb.analysis``, ``kalshi_nb.data.pnl`` or ``kalshi_nb.plots``. Every plot is also written
as a PNG, light and dark, to ``artifacts/plots/``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pytest
import requests
from matplotlib.colors import to_rgba
from matplotlib.container import ErrorbarContainer

from kalshi_nb import frames
from kalshi_nb.analysis import prices_before_close, reliability_table
from kalshi_nb.data.pnl import pnl_df
from kalshi_nb.plots import plot_calibration, plot_pnl
from kalshi_nb.sandbox import Sandbox

NOW = datetime(2026, 11, 25, 13, 25, tzinfo=timezone.utc)
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "plots"
THEMES = ("default", "dark_background")
MINUTES = (10, 5, 1)
Z = 1.959963984540054


def _get(url: str, **params: Any) -> Any:
    r = requests.get(url, params=params, timeout=30)
    r.raise_for_status()
    return r.json()


def _ts(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


@pytest.fixture(scope="module")
def windows() -> Iterator[dict[str, Any]]:
    """Settled KXBTC15M windows of a two-day history, with their 1-minute candles from the historical tier."""
    with Sandbox(seed=21, now=NOW, history_days=2, rate_limit=None, ws=False) as sb:
        markets = _get(f"{sb.url}/historical/markets", series_ticker="KXBTC15M", limit=1000)["markets"]
        markets = [m for m in markets if m["status"] == "finalized"]
        candles = {}
        for m in markets:
            close = _ts(m["close_time"])
            path = f"{sb.url}/historical/markets/{m['ticker']}/candlesticks"
            candles[m["ticker"]] = _get(path, start_ts=close - 900, end_ts=close, period_interval=1)[
                "candlesticks"
            ]
        yield {"markets": markets, "candles": candles}


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def _save(ax: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    ax.figure.savefig(ARTIFACTS / f"{name}.png", dpi=110)


def _expected_bins(windows: dict[str, Any]) -> dict[tuple[int, int], tuple[int, int, Decimal]]:
    """(minutes, bin) -> (count, settled YES, sum of prices), from the raw candles' bid/ask closes."""
    out: dict[tuple[int, int], tuple[int, int, Decimal]] = {}
    for m in windows["markets"]:
        by_end = {c["end_period_ts"]: c for c in windows["candles"][m["ticker"]]}
        for minutes in MINUTES:
            c = by_end[_ts(m["close_time"]) - 60 * minutes]
            mid = (Decimal(c["yes_bid"]["close"]) + Decimal(c["yes_ask"]["close"])) / 2
            b = min(int(mid * 10), 9)
            n, yes, total = out.get((minutes, b), (0, 0, Decimal(0)))
            out[(minutes, b)] = (n + 1, yes + (m["result"] == "yes"), total + mid)
    return out


def _frames(windows: dict[str, Any]) -> tuple[Any, Any]:
    import pandas as pd

    markets = frames.markets_frame(windows["markets"])
    candles = pd.concat(
        [frames.candles_frame(c, ticker=t) for t, c in windows["candles"].items()], ignore_index=True
    )
    return markets, candles


def test_the_reliability_diagram_draws_every_bin_with_its_wilson_interval(windows) -> None:
    markets, candles = _frames(windows)
    table = reliability_table(prices_before_close(candles, markets, minutes=MINUTES), bins=10)
    ax = plot_calibration(table)
    expected = _expected_bins(windows)
    assert sum(n for n, _, _ in expected.values()) == 3 * len(windows["markets"])
    # One errorbar per time to close, in the order asked; its points are the bins' (mean, share) and its
    # vertical bars run from the Wilson lower to the upper bound.
    bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert [c.get_label() for c in bars] == [
        f"{m} min before close (n={sum(v[0] for (mm, _), v in expected.items() if mm == m):,})"
        for m in MINUTES
    ]
    for minutes, container in zip(MINUTES, bars, strict=True):
        keys = sorted(b for (mm, b) in expected if mm == minutes)
        rows = [expected[(minutes, b)] for b in keys]
        line, _caps, (segments,) = container.lines
        xs, ys = line.get_data()
        assert np.asarray(xs) == pytest.approx([float(total / n) for n, _, total in rows])
        assert np.asarray(ys) == pytest.approx([yes / n for n, yes, _ in rows])
        wanted = []
        for n, yes, _ in rows:
            p = yes / n
            centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
            half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
            wanted.append((0.0 if yes == 0 else centre - half, 1.0 if yes == n else centre + half))
        drawn = [(float(min(seg[:, 1])), float(max(seg[:, 1]))) for seg in segments.get_segments()]
        assert np.asarray(drawn) == pytest.approx(np.asarray(wanted), abs=1e-9)
    # The counts per bin as bars on the second axis, and the diagonal.
    heights = sorted(p.get_height() for p in ax.count_ax.patches)
    assert heights == sorted(n for n, _, _ in expected.values())
    diagonal = [ln for ln in ax.get_lines() if ln.get_label() == "calibrated"]
    assert len(diagonal) == 1 and list(diagonal[0].get_xdata()) == [0, 1] == list(diagonal[0].get_ydata())
    assert ax.get_xlim() == (0, 1) and ax.get_ylim() == (0, 1)


def test_an_empty_table_still_draws_a_labelled_diagram() -> None:
    import pandas as pd

    empty = reliability_table(pd.DataFrame({"minutes_before": [], "price": [], "outcome": []}))
    ax = plot_calibration(empty)
    assert [t.get_text() for t in ax.texts] == ["No settled markets to plot"]
    assert ax.get_xlabel() == "Price (implied probability of YES)"
    with pytest.raises(ValueError, match="reliability_table"):
        plot_calibration(pd.DataFrame({"price": [0.5]}))


@pytest.fixture
def traded(sb, client) -> dict[str, Any]:
    """Three KXBTC markets bought at the ask; two of them settled (one YES, one NO)."""
    markets = sorted(
        sb.exchange.markets(series_ticker="KXBTC", status="open"), key=lambda m: -float(m["yes_ask_dollars"])
    )
    picks = [m for m in markets if 0.02 < float(m["yes_ask_dollars"]) < 0.98][:3]
    for m in picks:
        client.place_order(m["ticker"], "yes", 10, price_dollars=m["yes_ask_dollars"])
    sb.settle(picks[0]["ticker"], "yes")
    sb.settle(picks[1]["ticker"], "no")
    return {"tickers": [m["ticker"] for m in picks]}


def test_the_equity_curve_follows_the_fills_and_settlements(sb, client, traded) -> None:
    fills = client.get_fills()["fills"]
    settlements = client.get_settlements()["settlements"]
    events = sorted(
        [(f["created_time"], 0, -Decimal(f["fee_cost"]), Decimal(0)) for f in fills]
        + [
            (
                s["settled_time"],
                1,
                Decimal(s["revenue"]) / 100
                - Decimal(s["yes_total_cost_dollars"])
                - Decimal(s["no_total_cost_dollars"]),
                Decimal(0),
            )
            for s in settlements
        ],
        key=lambda e: (e[0], e[1]),
    )
    running, expected = Decimal(0), []
    for _, _, delta, _ in events:
        running += delta
        expected.append(float(running))
    ax = plot_pnl(pnl_df("time", client=client))
    (line,) = [ln for ln in ax.get_lines() if ln.get_label() == "realized P&L after fees"]
    assert np.asarray(line.get_ydata()) == pytest.approx(expected, abs=0.005)
    times = [datetime.fromisoformat(t.replace("Z", "+00:00")) for t, _, _, _ in events]
    assert np.asarray(line.get_xdata()) == pytest.approx(mdates.date2num(times), abs=1e-8)
    assert line.get_drawstyle() == "steps-post"
    (dots,) = ax.collections[:1]
    assert len(dots.get_offsets()) == len(settlements) == 2
    assert ax.exposure_ax.get_ylabel() == "Open exposure at cost (USD)"


def test_the_pnl_bars_are_the_net_pnl_per_market(sb, client, traded) -> None:
    settlements = {s["ticker"]: s for s in client.get_settlements()["settlements"]}
    fees = {}
    for f in client.get_fills()["fills"]:
        fees[f["ticker"]] = fees.get(f["ticker"], Decimal(0)) + Decimal(f["fee_cost"])
    ax = plot_pnl(pnl_df(client=client))
    labels = [t.get_text() for t in ax.get_yticklabels()]
    widths = dict(zip(labels, (p.get_width() for p in ax.patches), strict=True))
    assert set(labels) == set(traded["tickers"])
    for t, s in settlements.items():
        net = Decimal(s["revenue"]) / 100 - Decimal(s["yes_total_cost_dollars"]) - fees[t]
        assert widths[t] == pytest.approx(float(net), abs=0.005)
        colour = next(p.get_facecolor() for p, name in zip(ax.patches, labels, strict=True) if name == t)
        assert colour == to_rgba("tab:green" if net >= 0 else "tab:red")
    assert widths[traded["tickers"][2]] == pytest.approx(-float(fees[traded["tickers"][2]]), abs=0.005)
    assert list(widths.values()) == sorted(widths.values())  # worst at the bottom, best at the top


@pytest.mark.parametrize("theme", THEMES)
def test_the_study_plots_in_light_and_dark(windows, sb, client, traded, theme: str) -> None:
    markets, candles = _frames(windows)
    table = reliability_table(prices_before_close(candles, markets, minutes=MINUTES))
    with plt.style.context(theme):
        text = to_rgba(plt.rcParams["text.color"])
        drawn = {
            "calibration": plot_calibration(table),
            "pnl_equity": plot_pnl(pnl_df("time", client=client), tz="America/New_York"),
            "pnl_markets": plot_pnl(pnl_df(client=client)),
        }
        for name, ax in drawn.items():
            assert to_rgba(ax.xaxis.label.get_color()) == text, name
            _save(ax, f"{theme}_{name}")
