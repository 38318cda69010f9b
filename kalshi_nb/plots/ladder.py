"""The strike ladder: each strike's YES quote (the implied probability) for one event."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np

from .common import _LADDER_COLUMNS, YES_COLOR, _floats, _new_axes, _note, _quoted, _require, _single

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

logger = logging.getLogger("kalshi_nb.plots")


def _strikes(markets: pd.DataFrame) -> np.ndarray:
    """One strike per market: a range's midpoint, the floor of a 'greater', the cap of a 'less'."""
    floor, cap = _floats(markets["floor_strike"]), _floats(markets["cap_strike"])
    kind = markets["strike_type"].astype(object).to_numpy()
    # Other kinds (custom, functional, ...) use whatever bound they carry.
    fallback = np.where(np.isnan(floor), cap, np.where(np.isnan(cap), floor, (floor + cap) / 2))
    return np.select(
        [
            kind == "between",
            np.isin(kind, ["greater", "greater_or_equal"]),
            np.isin(kind, ["less", "less_or_equal"]),
        ],
        [(floor + cap) / 2, floor, cap],
        default=fallback,
    )


def _ladder_title(markets: pd.DataFrame) -> str:
    event = _single(markets["event_ticker"])
    for column in ("event_title", "title"):  # the event's title, else a title every market shares
        title = _single(markets[column]) if column in markets else None
        if title:
            return f"{title}\n{event}" if event else str(title)
    return f"{event}: strike ladder" if event else "Strike ladder"


def plot_strike_ladder(markets: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """What the market believes: implied probability against strike across one event's markets.

    ``markets`` comes from ``frames.markets_frame`` or ``frames.event_markets_frame`` and holds one event's
    markets (a frame with several ``event_ticker`` values raises ``ValueError``: filter it first). The strike
    is the midpoint of a ``between`` range, the floor of a ``greater`` and the cap of a ``less`` market. The
    probability is the YES mid with the bid-ask range as an error bar (filled dots), or the last traded
    price where the book is not quoted on both sides (hollow dots, no bar). When no market has a numeric
    strike (e.g. ``custom`` outcomes such as a Fed decision), the outcomes are placed side by side and
    labelled with ``yes_sub_title``. The title is the event's title (``event_title``, else a ``title``
    shared by every market) and its ticker.

    Example:
        >>> import kalshi_nb, matplotlib
        >>> matplotlib.use("Agg")
        >>> from kalshi_nb.data import markets_df
        >>> client = kalshi_nb.connect("sandbox")
        >>> markets = markets_df("KXBTC")
        >>> ax = plot_strike_ladder(markets[markets["event_ticker"] == markets["event_ticker"].iloc[0]])
        >>> ax.get_ylabel()
        'Implied probability (YES price)'
    """
    from matplotlib.ticker import EngFormatter, PercentFormatter

    _require(markets, _LADDER_COLUMNS, "plot_strike_ladder", "markets_frame")
    events = markets["event_ticker"].dropna().unique()
    if len(events) > 1:
        raise ValueError(
            f"plot_strike_ladder draws one event, got {len(events)} "
            f"({', '.join(map(str, events[:3]))}, ...); "
            "filter the frame with markets[markets.event_ticker == ...] first"
        )
    ax = _new_axes(ax)
    strike = _strikes(markets)
    numeric = bool((~np.isnan(strike)).any())
    x = strike if numeric else np.arange(len(markets), dtype=np.float64)
    mid = _floats(markets["mid_dollars"])
    last = _floats(markets["last_price_dollars"])
    bid, ask = _quoted(_floats(markets["yes_bid_dollars"]), _floats(markets["yes_ask_dollars"]))
    has_mid = ~np.isnan(mid) & ~np.isnan(x)
    has_last = np.isnan(mid) & ~np.isnan(last) & ~np.isnan(x)
    if len(markets) and not (has_mid | has_last).all():
        logger.debug(
            "strike ladder: %d markets without a strike or a price are left out",
            int((~(has_mid | has_last)).sum()),
        )

    shown = has_mid | has_last
    if numeric:  # a guide through the ladder; side-by-side outcomes have no order to join
        order = np.argsort(x[shown], kind="stable")
        prob = np.where(has_mid, mid, last)
        ax.plot(x[shown][order], prob[shown][order], color=YES_COLOR, alpha=0.5, linewidth=1, label="_ladder")
    if has_mid.any():
        below = np.clip(mid - bid, 0, None)[has_mid]
        above = np.clip(ask - mid, 0, None)[has_mid]
        ax.errorbar(
            x[has_mid],
            mid[has_mid],
            yerr=np.vstack([below, above]),
            fmt="o",
            color=YES_COLOR,
            elinewidth=2,
            capsize=5,
            capthick=1.5,
            markersize=4,
            label="Mid, bar = YES bid to ask",
        )
    if has_last.any():
        ax.plot(
            x[has_last],
            last[has_last],
            "o",
            color=YES_COLOR,
            markerfacecolor="none",
            markersize=6,
            label="Last price (book not quoted)",
        )

    ax.set_title(_ladder_title(markets), fontsize="medium")
    ax.set_ylabel("Implied probability (YES price)")
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_ylim(-0.02, 1.02)
    if numeric:
        ax.xaxis.set_major_formatter(EngFormatter())
        ax.set_xlabel("Strike (underlying's units; midpoint of a range)")
    else:
        labels = markets["yes_sub_title"] if "yes_sub_title" in markets else markets.get("ticker")
        ax.set_xticks(x, labels=[str(v) for v in labels], rotation=20, ha="right")
        ax.set_xlabel("Outcome")
    ax.grid(True, alpha=0.3)
    if shown.any():
        ax.legend(loc="best", fontsize="small")
    else:
        _note(ax, "no market with a price to show")
    return ax
