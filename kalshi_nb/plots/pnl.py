"""The account's P&L: the equity curve over time, or the net P&L per market (or series) as bars."""

from __future__ import annotations

from datetime import tzinfo
from typing import TYPE_CHECKING

import numpy as np

from .common import (
    DOWN_COLOR,
    NEUTRAL_COLOR,
    UP_COLOR,
    _date_nums,
    _dollar_ticks,
    _floats,
    _new_axes,
    _no_time_ticks,
    _note,
    _time_axis,
    _zone,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

_EQUITY = ("time", "equity_dollars", "exposure_dollars")
_BARS = ("net_pnl_dollars",)


def plot_pnl(pnl: pd.DataFrame, ax: Axes | None = None, *, tz: str | tzinfo = "UTC") -> Axes:
    """Plot a ``pnl_df`` frame: the equity curve (``pnl_df("time")``) or net P&L bars (``"market"``/``"series"``).

    The equity curve is the running realized P&L after fees, stepping at each fill and settlement, with
    the open exposure at cost shaded under a second y axis (``ax.exposure_ax``). The bars are one per
    market (or series), green for a profit and red for a loss, after fees.

    Example:
        >>> import matplotlib, kalshi_nb
        >>> matplotlib.use("Agg")
        >>> from kalshi_nb.data.pnl import pnl_df
        >>> client = kalshi_nb.connect("sandbox")
        >>> plot_pnl(pnl_df("time", client=client)).get_ylabel()
        'Realized P&L after fees (USD)'
        >>> plot_pnl(pnl_df(client=client)).get_xlabel()
        'Net P&L (USD, after fees)'
    """
    if all(c in pnl.columns for c in _EQUITY):
        return _equity(pnl, ax, tz)
    if all(c in pnl.columns for c in _BARS):
        return _bars(pnl, ax)
    raise ValueError(
        "plot_pnl needs a frame from kalshi_nb.pnl_df(): by='time' (columns "
        f"{', '.join(_EQUITY)}) or by='market'/'series' (column net_pnl_dollars)"
    )


def _equity(df: pd.DataFrame, ax: Axes | None, tz: str | tzinfo) -> Axes:
    zone, name = _zone(tz)
    ax = _new_axes(ax)
    exposure_ax = ax.twinx()
    ax.exposure_ax = exposure_ax  # type: ignore[attr-defined]
    ax.set_zorder(exposure_ax.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.set_ylabel("Realized P&L after fees (USD)")
    exposure_ax.set_ylabel("Open exposure at cost (USD)")
    _dollar_ticks(ax.yaxis)
    _dollar_ticks(exposure_ax.yaxis)
    if df.empty:
        _note(ax, "No fills or settlements yet")
        _no_time_ticks(ax)
        return ax
    x = _date_nums(df["time"])
    y = _floats(df["equity_dollars"])
    exposure = _floats(df["exposure_dollars"])
    ax.step(x, y, where="post", color=NEUTRAL_COLOR, linewidth=1.6, label="realized P&L after fees")
    settled = (df["kind"] == "settlement").to_numpy() if "kind" in df.columns else np.zeros(len(df), bool)
    ax.scatter(x[settled], y[settled], color=np.where(y[settled] >= 0, UP_COLOR, DOWN_COLOR), zorder=3,
               s=18, label="settlement")  # fmt: skip
    ax.axhline(0, color=NEUTRAL_COLOR, linewidth=0.8, linestyle=":")
    exposure_ax.fill_between(x, exposure, step="post", color=NEUTRAL_COLOR, alpha=0.15, linewidth=0)
    exposure_ax.set_ylim(0, max(float(np.nanmax(exposure)), 0.01) * 3)
    _time_axis(ax, zone, name)
    ax.legend(loc="upper left", fontsize="small")
    return ax


def _bars(df: pd.DataFrame, ax: Axes | None) -> Axes:
    label = "ticker" if "ticker" in df.columns else "series_ticker"
    ax = _new_axes(ax, figsize=(8, 2 + 0.3 * max(len(df), 1)))
    ax.set_xlabel("Net P&L (USD, after fees)")
    _dollar_ticks(ax.xaxis)
    if df.empty:
        _note(ax, "No P&L yet: no fills or settlements")
        return ax
    ordered = df.sort_values("net_pnl_dollars", kind="stable")
    net = _floats(ordered["net_pnl_dollars"])
    names = (
        [str(t) for t in ordered[label]] if label in ordered.columns else [str(i) for i in range(len(net))]
    )
    ax.barh(np.arange(len(net)), net, color=np.where(net >= 0, UP_COLOR, DOWN_COLOR))
    ax.set_yticks(np.arange(len(net)), names)
    ax.axvline(0, color=NEUTRAL_COLOR, linewidth=1)
    return ax
