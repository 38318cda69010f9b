"""The KXBTC15M overview: settled 15-minute windows as up/down bars, and the price path inside each."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING

import numpy as np

from .common import (
    _CANDLE_COLUMNS,
    _OUTCOME_COLOR,
    _OVERVIEW_COLUMNS,
    NEUTRAL_COLOR,
    NO_COLOR,
    YES_COLOR,
    _date_nums,
    _dollar_axis,
    _floats,
    _no_time_ticks,
    _note,
    _quoted,
    _require,
    _time_axis,
    _zone,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes


def plot_btc15m_overview(
    markets: pd.DataFrame,
    candles_by_ticker: Mapping[str, pd.DataFrame] | None = None,
    *,
    axes: Axes | Sequence[Axes] | None = None,
    windows: int = 24,
    tz: str | tzinfo = "UTC",
) -> np.ndarray:
    """KXBTC15M at a glance: how recent 15-minute windows settled, and how the price moved inside them.

    ``markets`` is a ``frames.markets_frame`` of KXBTC15M markets; the last ``windows`` settled ones
    (``result`` yes or no, by ``close_time``) are shown. The first Axes is a strip over time: one bar per
    window spanning open to close, up and blue for YES ("BTC went up"), down and orange for NO.

    With ``candles_by_ticker`` (ticker -> ``frames.candles_frame``, e.g. 1-minute candles of each window),
    a second Axes shows each shown window's YES price against minutes since it opened, coloured by how it
    settled. The price is the mid of the YES bid/ask close, or the trade close where the book is one-sided
    (usual near the end, once the ask reaches $1); windows without candles are skipped.

    ``axes``: one Axes, or two when candles are given (default: a new figure). Returns a 1-D numpy array
    of the Axes drawn on: ``[outcomes]`` or ``[outcomes, paths]``.

    Example:
        >>> import kalshi_nb, matplotlib
        >>> matplotlib.use("Agg")
        >>> from kalshi_nb.data import candles_df, markets_df
        >>> client = kalshi_nb.connect("sandbox")
        >>> markets = markets_df("KXBTC15M", status="settled").sort_values("close_time").tail(4)
        >>> candles = {t: candles_df(t, interval=1) for t in markets["ticker"]}
        >>> outcomes, paths = plot_btc15m_overview(markets, candles)
        >>> paths.get_ylabel()
        'YES price (USD; mid of bid/ask)'
    """
    import matplotlib.pyplot as plt

    _require(markets, _OVERVIEW_COLUMNS, "plot_btc15m_overview", "markets_frame")
    zone, zone_name = _zone(tz)
    wanted = 1 if candles_by_ticker is None else 2
    if axes is None:
        figsize, ratios = ((9, 3), (1,)) if wanted == 1 else ((9, 6.5), (1, 1.6))
        _, grid = plt.subplots(
            wanted, 1, figsize=figsize, height_ratios=ratios, layout="constrained", squeeze=False
        )
        axes_list = np.asarray(grid).ravel()
    else:
        axes_list = np.atleast_1d(np.asarray(axes, dtype=object)).ravel()
        if len(axes_list) != wanted:
            raise ValueError(f"plot_btc15m_overview needs {wanted} Axes here, got {len(axes_list)}")

    result = markets["result"].astype(object)
    settled = markets[result.isin(["yes", "no"])].sort_values("close_time").tail(windows)
    _draw_outcomes(axes_list[0], settled, zone, zone_name)
    if candles_by_ticker is not None:
        _draw_window_paths(axes_list[1], settled, candles_by_ticker)
    return axes_list


def _draw_outcomes(ax: Axes, settled: pd.DataFrame, zone: tzinfo, zone_name: str) -> None:
    start, end = _date_nums(settled["open_time"]), _date_nums(settled["close_time"])
    outcome = settled["result"].astype(object).to_numpy()
    height = np.where(outcome == "yes", 1.0, -1.0)
    colors = [_OUTCOME_COLOR[o] for o in outcome]
    # Edges in the background colour keep neighbouring windows apart, in any theme.
    ax.bar(
        start,
        height,
        width=end - start,
        align="edge",
        color=colors,
        edgecolor=ax.get_facecolor(),
        linewidth=1.5,
        label="_outcomes",
    )
    ax.set_yticks([-1, 1], labels=["NO (down)", "YES (up)"])
    ax.set_ylim(-1.3, 1.3)
    ax.set_ylabel("Settled as")
    _time_axis(ax, zone, zone_name)
    ax.grid(True, axis="x", alpha=0.3)
    ax.set_axisbelow(True)  # dark_background draws the grid over the bars otherwise
    if len(outcome):
        ax.axhline(0, color=NEUTRAL_COLOR, linewidth=0.8)
        n_yes = int((outcome == "yes").sum())
        ax.set_title(
            f"KXBTC15M: last {len(outcome)} settled windows ({n_yes} YES, {len(outcome) - n_yes} NO)"
        )
    else:
        ax.set_title("KXBTC15M: no settled windows")
        _note(ax, "no settled windows in this frame")
        _no_time_ticks(ax)


def _window_price(candles: pd.DataFrame) -> np.ndarray:
    bid, ask = _quoted(_floats(candles["yes_bid_close_dollars"]), _floats(candles["yes_ask_close_dollars"]))
    return np.where(np.isnan(bid), _floats(candles["price_close_dollars"]), (bid + ask) / 2)


def _draw_window_paths(
    ax: Axes, settled: pd.DataFrame, candles_by_ticker: Mapping[str, pd.DataFrame]
) -> None:
    from matplotlib.lines import Line2D

    drawn = 0
    longest = 0.0
    for ticker, opened, closed, outcome in settled[
        ["ticker", "open_time", "close_time", "result"]
    ].itertuples(index=False):
        candles = candles_by_ticker.get(ticker)
        if candles is None or not len(candles):
            continue
        _require(candles, _CANDLE_COLUMNS, "plot_btc15m_overview(candles_by_ticker=)", "candles_frame")
        candles = candles.sort_values("end_period_ts")
        minutes = (candles["end_period_ts"] - opened).dt.total_seconds().to_numpy() / 60
        (line,) = ax.plot(
            minutes,
            _window_price(candles),
            color=_OUTCOME_COLOR[outcome],
            alpha=0.55,
            linewidth=1.4,
            marker=".",
            markersize=3,
            label=f"_{ticker}",
        )
        line.set_gid(ticker)
        drawn += 1
        longest = max(longest, (closed - opened).total_seconds() / 60)

    ax.axhline(0.5, color=NEUTRAL_COLOR, linestyle="--", linewidth=1)
    ax.set_xlim(0, longest or 15)
    ax.set_ylim(-0.02, 1.02)
    _dollar_axis(ax, "YES price (USD; mid of bid/ask)")
    ax.set_xlabel("Minutes since the window opened")
    ax.set_title("YES price inside each window, coloured by how it settled")
    ax.grid(True, alpha=0.3)
    if drawn:
        ax.legend(
            handles=[
                Line2D([], [], color=YES_COLOR, label="Settled YES"),
                Line2D([], [], color=NO_COLOR, label="Settled NO"),
            ],
            loc="center left",
            fontsize="small",
        )
    else:
        _note(ax, "no candles for the settled windows shown")
