"""Price history: candles (a mid line or OHLC bars) with volume below and trades on top."""

from __future__ import annotations

from datetime import tzinfo
from typing import TYPE_CHECKING

import numpy as np

from .common import (
    _CANDLE_COLUMNS,
    _OUTCOME_COLOR,
    _TRADE_COLUMNS,
    DOWN_COLOR,
    NEUTRAL_COLOR,
    UP_COLOR,
    YES_COLOR,
    _bar_width,
    _date_nums,
    _dollar_axis,
    _floats,
    _no_time_ticks,
    _note,
    _quoted,
    _require,
    _single,
    _time_axis,
    _zone,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes


def plot_price_history(
    candles: pd.DataFrame,
    *,
    trades: pd.DataFrame | None = None,
    ax: Axes | None = None,
    volume_ax: Axes | None = None,
    kind: str = "line",
    tz: str | tzinfo = "UTC",
) -> Axes:
    """A market's price over time: the YES bid-ask band, the traded price, and the volume underneath.

    ``candles`` comes from ``frames.candles_frame``. Each candle is drawn at its ``end_period_ts``. The band
    fills between the YES bid close and the YES ask close where both sides are quoted. ``kind="line"``
    draws the trade close (``price_close_dollars``) of the periods that had trades as a step line (the
    last price holds until the next trade); ``kind="candles"`` draws the trade open/high/low/close as
    candles (green up, red down). Periods without trades have no trade price and show the band only.
    ``trades`` (``frames.trades_frame``, optional) adds each trade as a dot coloured by the side the taker
    bought, sized by contracts.

    The volume (``volume_fp``, missing as 0) is drawn on a second Axes below, sharing the time axis: a new
    one under ``ax`` unless ``volume_ax`` is given. It is returned as the attribute ``volume_ax`` of the
    price Axes. In a ``layout="constrained"`` figure pass your own ``volume_ax``: constrained layout does
    not make room for an Axes appended under yours. Returns the price Axes.

    Example:
        >>> import kalshi_nb, matplotlib
        >>> matplotlib.use("Agg")
        >>> from kalshi_nb.data import candles_df
        >>> client = kalshi_nb.connect("sandbox")
        >>> candles = candles_df("KXFEDDECISION-26DEC-H0")
        >>> ax = plot_price_history(candles, kind="candles", tz="America/New_York")
        >>> ax.volume_ax.get_ylabel()
        'Volume (contracts)'
    """
    import matplotlib.pyplot as plt

    _require(candles, _CANDLE_COLUMNS, "plot_price_history", "candles_frame")
    if trades is not None:
        _require(trades, _TRADE_COLUMNS, "plot_price_history(trades=)", "trades_frame")
    if kind not in ("line", "candles"):
        raise ValueError(f"kind must be 'line' or 'candles', not {kind!r}")
    zone, zone_name = _zone(tz)

    if ax is None:
        _, (ax, volume_ax) = plt.subplots(
            2, 1, sharex=True, height_ratios=(3, 1), figsize=(9, 5.5), layout="constrained"
        )
    elif volume_ax is None:
        volume_ax = _append_below(ax)

    data = candles.sort_values("end_period_ts")
    x = _date_nums(data["end_period_ts"])
    width = _bar_width(x)
    bid, ask = _quoted(_floats(data["yes_bid_close_dollars"]), _floats(data["yes_ask_close_dollars"]))
    band = ~np.isnan(bid) & ~np.isnan(ask)
    if band.any():
        ax.fill_between(
            x,
            np.where(band, bid, 0),
            np.where(band, ask, 0),
            where=band,
            interpolate=False,
            color=YES_COLOR,
            alpha=0.3,
            linewidth=0,
            label="YES bid-ask (close)",
        )
    if kind == "line":
        close = _floats(data["price_close_dollars"])
        traded = ~np.isnan(close)
        if traded.any():
            # The last price holds until the next trade, hence steps.
            ax.plot(
                x[traded],
                close[traded],
                drawstyle="steps-post",
                color=YES_COLOR,
                marker=".",
                label="Trade price (close)",
            )
    else:
        _draw_ohlc(ax, data, x, width)
    if trades is not None and len(trades):
        _draw_trades(ax, trades)

    volume = np.nan_to_num(_floats(data["volume_fp"]), nan=0.0)
    volume_ax.bar(x, volume, width=width, color=NEUTRAL_COLOR, alpha=0.7, label="Volume")

    ticker = _single(data["ticker"]) if "ticker" in data else None
    ax.set_title(f"{ticker}: price history" if ticker else "Price history")
    _dollar_axis(ax)
    ax.grid(True, alpha=0.3)
    ax.tick_params(labelbottom=False)
    volume_ax.set_ylabel("Volume (contracts)")
    volume_ax.grid(True, axis="y", alpha=0.3)
    _time_axis(volume_ax, zone, zone_name)
    _time_axis(ax, zone, zone_name)  # harmless when shared; needed when volume_ax was passed unshared
    ax.set_xlabel("")
    if len(data):
        ax.legend(loc="best", fontsize="small")
    else:
        _note(ax, "no candles in this frame")
        _no_time_ticks(volume_ax)
        ax.set_ylim(0, 1)
        volume_ax.set_ylim(0, 1)
    setattr(ax, "volume_ax", volume_ax)  # noqa: B010 - an attribute Axes does not declare
    return ax


def _append_below(ax: Axes) -> Axes:
    """A volume Axes carved from under ``ax`` (the colorbar technique), sharing its x axis."""
    from mpl_toolkits.axes_grid1 import make_axes_locatable

    return make_axes_locatable(ax).append_axes("bottom", size="30%", pad=0.1, sharex=ax)


def _draw_ohlc(ax: Axes, data: pd.DataFrame, x: np.ndarray, width: float) -> None:
    o, h, lo, c = (_floats(data[f"price_{f}_dollars"]) for f in ("open", "high", "low", "close"))
    traded = ~np.isnan(o) & ~np.isnan(c)
    if not traded.any():
        return
    colors = np.where(c >= o, UP_COLOR, DOWN_COLOR)[traded]
    ax.vlines(x[traded], lo[traded], h[traded], colors=colors, linewidth=1, label="_wicks")
    # The edge keeps an open == close candle visible as a flat line.
    bodies = ax.bar(
        x[traded],
        (c - o)[traded],
        bottom=o[traded],
        width=width,
        color=colors,
        edgecolor=colors,
        linewidth=1,
        label="Trade price (OHLC)",
    )
    for body in bodies:  # bar() pins the y limits to each bottom; prices want the usual margins
        body.sticky_edges.y.clear()


def _draw_trades(ax: Axes, trades: pd.DataFrame) -> None:
    tx = _date_nums(trades["created_time"])
    count = np.nan_to_num(_floats(trades["count_fp"]), nan=0.0)
    sizes = 12 + 60 * np.sqrt(count / max(count.max(), 1.0))  # area grows with contracts
    side = trades["taker_outcome_side"].astype(object).to_numpy()
    for outcome, color in _OUTCOME_COLOR.items():
        pick = side == outcome
        if pick.any():
            ax.scatter(
                tx[pick],
                _floats(trades["yes_price_dollars"])[pick],
                s=sizes[pick],
                color=color,
                alpha=0.6,
                edgecolors="none",
                label=f"Trade, taker bought {outcome.upper()}",
                zorder=3,
            )
