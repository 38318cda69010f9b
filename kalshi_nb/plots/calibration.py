"""The reliability diagram: implied probability against the share that settled YES, per time to close."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .common import NEUTRAL_COLOR, _floats, _new_axes, _note

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

_TABLE_COLUMNS = ("mean_price", "share_yes", "wilson_lo", "wilson_hi", "count", "bin_lo", "bin_hi")
# One colour per time to close, none of them YES blue or NO orange (those mean outcomes elsewhere).
GROUP_COLORS = ("tab:purple", "tab:green", "tab:red", "tab:brown", "tab:pink", "tab:olive", "tab:cyan")


def _label(by: str, key: object) -> str:
    if by == "minutes_before":
        return f"{key} min before close"
    return f"{by} = {key}"


def plot_calibration(
    table: pd.DataFrame, ax: Axes | None = None, *, by: str | None = "minutes_before"
) -> Axes:
    """Reliability diagram of a ``reliability_table``: a point per bin at (mean price, share settled YES),
    with its Wilson 95% interval, one colour per ``by`` group (time to close), and the diagonal a
    calibrated market would follow. The count of markets per bin is drawn as bars on a second y axis
    (``ax.count_ax``, right).

    Returns the Axes drawn on (a new figure when ``ax`` is None).

    Example:
        >>> import matplotlib, pandas as pd
        >>> matplotlib.use("Agg")
        >>> from kalshi_nb.analysis import reliability_table
        >>> p = pd.DataFrame({"minutes_before": [5, 5, 5, 1], "price": [0.2, 0.25, 0.8, 0.9],
        ...                   "outcome": [0, 1, 1, 1]})
        >>> ax = plot_calibration(reliability_table(p, bins=5))
        >>> ax.get_xlabel(), ax.count_ax.get_ylabel()
        ('Price (implied probability of YES)', 'Markets per bin')
    """
    ax = _new_axes(ax, figsize=(6.5, 6))
    count_ax = ax.twinx()
    ax.count_ax = count_ax  # type: ignore[attr-defined]
    ax.set_zorder(count_ax.get_zorder() + 1)  # points above the count bars
    ax.patch.set_visible(False)
    ax.plot([0, 1], [0, 1], linestyle="--", color=NEUTRAL_COLOR, linewidth=1, label="calibrated")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("Price (implied probability of YES)")
    ax.set_ylabel("Share settled YES")
    count_ax.set_ylabel("Markets per bin")
    if by is not None and by not in table.columns:
        by = None
    missing = [c for c in _TABLE_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(
            "plot_calibration needs a table from kalshi_nb.analysis.reliability_table(); missing columns: "
            + ", ".join(missing)
        )
    if table.empty:
        _note(ax, "No settled markets to plot")
        return ax
    groups: list[tuple[Any, pd.DataFrame]] = list(table.groupby(by, sort=False)) if by else [(None, table)]
    if by == "minutes_before":
        groups.sort(key=lambda kg: -float(kg[0]))  # furthest from the close first
    n_groups = len(groups)
    widths = _floats(table["bin_hi"]) - _floats(table["bin_lo"])
    bar = float(np.nanmin(widths)) * 0.8 / n_groups
    for i, (key, g) in enumerate(groups):
        color = GROUP_COLORS[i % len(GROUP_COLORS)]
        x = _floats(g["mean_price"])
        y = _floats(g["share_yes"])
        lo, hi = _floats(g["wilson_lo"]), _floats(g["wilson_hi"])
        label = "all" if key is None else _label(str(by), key)
        n = int(g["count"].sum())
        ax.errorbar(
            x,
            y,
            yerr=np.vstack([y - lo, hi - y]),
            fmt="o-",
            color=color,
            capsize=3,
            markersize=5,
            linewidth=1.2,
            label=f"{label} (n={n:,})",
        )
        centre = (_floats(g["bin_lo"]) + _floats(g["bin_hi"])) / 2
        offset = (i - (n_groups - 1) / 2) * bar
        count_ax.bar(centre + offset, _floats(g["count"]), width=bar, color=color, alpha=0.25, linewidth=0)
    top = float(np.nanmax(_floats(table["count"])))
    count_ax.set_ylim(0, top * 4)  # the bars keep to the bottom quarter, under the points
    ax.legend(loc="upper left", fontsize="small")
    return ax
