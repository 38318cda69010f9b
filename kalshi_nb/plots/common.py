"""What every plot shares: the palette, the columns each plot needs, and small axis helpers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

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
