"""Plots: a DataFrame shaped by :mod:`kalshi_nb.frames` in, a matplotlib ``Axes`` out.

Every function takes ``ax=None`` (a new figure is made when it is None), returns what it drew on and never
calls ``plt.show()``. Axes carry units in their labels; times are shown in the ``tz`` you pass (an IANA name
such as ``"America/New_York"`` or a ``tzinfo``; UTC by default). Colours are matplotlib's ``tab:`` palette and
text keeps the style's colours, so the plots read the same under a light style and ``dark_background``.
One palette throughout: YES is blue, NO is orange; candles rise green and fall red.

Empty frames are not an error: the plot is drawn with its labels and a centred note saying what is missing,
so a notebook cell still runs when a market has no candles or an empty book. A frame of the wrong kind
(missing columns) raises ``ValueError`` naming the columns and the ``frames`` function that makes it.

matplotlib (and pandas) are imported inside the functions, not at the top, so that resolving every public
name of ``kalshi_nb`` stays light (see ``tests/client/test_client_import.py``).

Example:
    >>> from kalshi_nb import frames, plots
    >>> candles = frames.candles_frame(response["candlesticks"], ticker=ticker)  # doctest: +SKIP
    >>> ax = plots.plot_price_history(candles, tz="Europe/Paris")              # doctest: +SKIP
    >>> ax.volume_ax.get_ylabel()                                               # doctest: +SKIP
    'Volume (contracts)'
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = ["plot_btc15m_overview", "plot_orderbook_depth", "plot_price_history", "plot_strike_ladder"]

logger = logging.getLogger(__name__)

YES_COLOR = "tab:blue"
NO_COLOR = "tab:orange"
UP_COLOR = "tab:green"
DOWN_COLOR = "tab:red"
NEUTRAL_COLOR = "tab:gray"  # mid-grey: visible on white and on black

_OUTCOME_COLOR = {"yes": YES_COLOR, "no": NO_COLOR}

_CANDLE_COLUMNS = (
    "end_period_ts",
    "yes_bid_close_dollars",
    "yes_ask_close_dollars",
    "price_open_dollars",
    "price_high_dollars",
    "price_low_dollars",
    "price_close_dollars",
    "volume_fp",
)
_TRADE_COLUMNS = ("created_time", "yes_price_dollars", "count_fp", "taker_outcome_side")
_BOOK_COLUMNS = ("book_side", "yes_price_dollars", "cum_count_fp")
_LADDER_COLUMNS = (
    "event_ticker",
    "strike_type",
    "floor_strike",
    "cap_strike",
    "yes_bid_dollars",
    "yes_ask_dollars",
    "mid_dollars",
    "last_price_dollars",
)
_OVERVIEW_COLUMNS = ("ticker", "open_time", "close_time", "result")


# --------------------------------------------------------------------------------------------------
# Small helpers


def _require(df: pd.DataFrame, columns: Sequence[str], who: str, maker: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(
            f"{who} needs a frame from kalshi_nb.frames.{maker}(); missing columns: {', '.join(missing)}"
        )


def _zone(tz: str | tzinfo) -> tuple[tzinfo, str]:
    """The tzinfo and the name shown in labels."""
    if isinstance(tz, tzinfo):
        return tz, str(tz)
    try:
        return ZoneInfo(tz), tz
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {tz!r}; pass an IANA name such as 'America/New_York'") from exc


def _floats(series: pd.Series) -> np.ndarray:
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def _date_nums(times: pd.Series) -> np.ndarray:
    """Matplotlib date numbers (days, UTC based); NaT becomes NaN. The display zone is set on the axis."""
    from matplotlib import dates as mdates

    # frames always gives UTC; a naive column is taken as UTC, the rule frames uses for naive times
    utc = times if times.dt.tz is None else times.dt.tz_convert("UTC").dt.tz_localize(None)
    return np.asarray(mdates.date2num(utc.to_numpy(dtype="datetime64[ns]")), dtype=np.float64)


def _quoted(bid: np.ndarray, ask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bid and ask with an empty side as NaN (Kalshi reports no bid as 0 and no ask as 0 or 1)."""
    both = (bid > 0) & (bid < 1) & (ask > 0) & (ask < 1)
    return np.where(both, bid, np.nan), np.where(both, ask, np.nan)


def _new_axes(ax: Axes | None, figsize: tuple[float, float] = (8, 4.5)) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _time_axis(ax: Axes, zone: tzinfo, name: str) -> None:
    from matplotlib import dates as mdates

    locator = mdates.AutoDateLocator(tz=zone, maxticks=8)  # room for HH:MM labels on narrow Axes
    # A 2-minute step, so a 10-15 minute window gets more than two ticks.
    locator.intervald[mdates.MINUTELY] = [1, 2, 5, 10, 15, 30]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=zone))
    ax.set_xlabel(f"Time ({name})")


def _no_time_ticks(ax: Axes) -> None:
    """No dates on an empty time axis (they would read 1970; the concise formatter fails on no ticks)."""
    from matplotlib.ticker import NullFormatter, NullLocator

    ax.xaxis.set_major_locator(NullLocator())
    ax.xaxis.set_major_formatter(NullFormatter())


def _dollars(x: float, _pos: int | None = None) -> str:
    """A tick in dollars with cents, plus the decimals a finer tick needs ($0.5275, not $0.53 twice)."""
    digits = f"{abs(x):.4f}".rstrip("0").split(".")[1]
    return f"{'-' if x < -5e-5 else ''}${abs(x):,.{max(len(digits), 2)}f}"


def _dollar_ticks(axis: Any) -> None:
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(_dollars))


def _dollar_axis(ax: Axes, label: str = "YES price (USD)") -> None:
    _dollar_ticks(ax.yaxis)
    ax.set_ylabel(label)


def _note(ax: Axes, text: str) -> None:
    """A centred message for an empty plot (in the style's text colour)."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", alpha=0.8)


def _bar_width(x: np.ndarray) -> float:
    """70% of the typical spacing of x (in days); one minute when there is nothing to measure."""
    steps = np.diff(np.sort(x[~np.isnan(x)]))
    steps = steps[steps > 0]
    return 0.7 * (float(np.median(steps)) if steps.size else 1 / 1440)


def _single(values: pd.Series) -> Any:
    found = values.dropna().unique()
    return found[0] if len(found) == 1 and found[0] != "" else None


# --------------------------------------------------------------------------------------------------
# Price history


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
        >>> candles = candles_frame(response["candlesticks"], ticker=ticker)   # doctest: +SKIP
        >>> ax = plot_price_history(candles, kind="candles", tz="America/New_York")  # doctest: +SKIP
        >>> ax.volume_ax.get_ylabel()                                            # doctest: +SKIP
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
    ax.volume_ax = volume_ax  # type: ignore[attr-defined]
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


# --------------------------------------------------------------------------------------------------
# Order book


def plot_orderbook_depth(orderbook: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Cumulative depth of the YES bids and of the YES asks implied by the NO bids, with the mid marked.

    ``orderbook`` comes from ``frames.orderbook_frame``. Each side is a step line of ``cum_count_fp``
    against ``yes_price_dollars``: bids (YES, blue) grow from the best bid down in price, asks (the NO
    bids, orange, at 1 - NO price) grow from the best ask up. The dashed line is the mid,
    (best bid + best ask) / 2, drawn only when both sides have orders. The top axis shows the NO price.

    Example:
        >>> ax = plot_orderbook_depth(orderbook_frame(requests.get(url).json(), ticker=t))   # doctest: +SKIP
    """
    _require(orderbook, _BOOK_COLUMNS, "plot_orderbook_depth", "orderbook_frame")
    ax = _new_axes(ax)
    side = orderbook["book_side"].astype(object)
    bids = orderbook[side == "bid"].sort_values("yes_price_dollars")
    asks = orderbook[side == "ask"].sort_values("yes_price_dollars")
    # A bid level serves every seller at or below its price, so depth is held to the left of each level
    # ("steps-pre" on ascending prices); an ask level serves buyers at or above it ("steps-post").
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


# --------------------------------------------------------------------------------------------------
# Strike ladder


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
        >>> ax = plot_strike_ladder(markets_df(event_ticker="KXBTC-26NOV2509"))   # doctest: +SKIP
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


# --------------------------------------------------------------------------------------------------
# KXBTC15M overview


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
        >>> candles = {t: candles_df(t) for t in tickers}                   # doctest: +SKIP
        >>> outcomes, paths = plot_btc15m_overview(markets, candles)       # doctest: +SKIP
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
