"""Order book depth: cumulative YES bids and asks against the YES price."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from .common import (
    _BOOK_COLUMNS,
    NEUTRAL_COLOR,
    NO_COLOR,
    YES_COLOR,
    _dollar_ticks,
    _floats,
    _new_axes,
    _note,
    _require,
    _single,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes


def plot_orderbook_depth(orderbook: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Cumulative depth of the YES bids and of the YES asks implied by the NO bids, with the mid marked.

    ``orderbook`` comes from ``frames.orderbook_frame``. Each side is a step line of ``cum_count_fp``
    against ``yes_price_dollars``: bids (YES, blue) grow from the best bid down in price, asks (the NO
    bids, orange, at 1 - NO price) grow from the best ask up. The dashed line is the mid,
    (best bid + best ask) / 2, drawn only when both sides have orders. The top axis shows the NO price.

    Example:
        >>> import kalshi_nb, matplotlib
        >>> matplotlib.use("Agg")
        >>> from kalshi_nb.data import orderbook_df
        >>> client = kalshi_nb.connect("sandbox")
        >>> ax = plot_orderbook_depth(orderbook_df("KXFEDDECISION-26DEC-H0"))
        >>> ax.get_xlabel()
        'YES price (USD)'
    """
    _require(orderbook, _BOOK_COLUMNS, "plot_orderbook_depth", "orderbook_frame")
    ax = _new_axes(ax)
    side = orderbook["book_side"].astype(object)
    bids = orderbook[side == "bid"].sort_values("yes_price_dollars")
    asks = orderbook[side == "ask"].sort_values("yes_price_dollars")
    # A bid level serves every seller at or below its price, so depth is held to the left of each level
    # ("steps-pre" on ascending prices); an ask level serves buyers at or above it ("steps-post").
    steps: Literal["pre", "post"]
    for levels, color, label, steps in (
        (bids, YES_COLOR, "YES bids", "pre"),
        (asks, NO_COLOR, "YES asks (= NO bids at 1 - price)", "post"),
    ):
        if len(levels):
            px, depth = _floats(levels["yes_price_dollars"]), _floats(levels["cum_count_fp"])
            ax.plot(px, depth, drawstyle=f"steps-{steps}", color=color, linewidth=2, label=label)
            ax.fill_between(px, depth, step=steps, color=color, alpha=0.2, linewidth=0)
    if len(bids) and len(asks):
        mid = (bids["yes_price_dollars"].max() + asks["yes_price_dollars"].min()) / 2
        ax.axvline(mid, color=NEUTRAL_COLOR, linestyle="--", linewidth=1.5, label=f"Mid ${mid:.3f}")

    ticker = _single(orderbook["ticker"]) if "ticker" in orderbook else None
    ax.set_title(f"{ticker}: order book depth" if ticker else "Order book depth")
    ax.set_xlabel("YES price (USD)")
    ax.set_ylabel("Cumulative depth (contracts)")
    _dollar_ticks(ax.xaxis)
    no_axis = ax.secondary_xaxis("top", functions=(_one_minus, _one_minus))
    _dollar_ticks(no_axis.xaxis)
    no_axis.set_xlabel("NO price (USD)")
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    if len(orderbook):
        ax.legend(loc="best", fontsize="small")
    else:
        ax.set_xlim(0, 1)
        _note(ax, "the order book is empty")
    return ax


def _one_minus(x: Any) -> Any:
    return 1 - np.asarray(x)
