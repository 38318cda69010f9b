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

The package has one module per plot (``price_history``, ``depth``, ``ladder``, ``btc15m``) over ``common``
(the palette, the columns each plot needs, axis helpers).

Example:
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from kalshi_nb import frames, plots
    >>> candles = frames.candles_frame([], ticker="KXFEDDECISION-26DEC-H0")   # no candles yet: still a plot
    >>> ax = plots.plot_price_history(candles, tz="Europe/Paris")
    >>> ax.volume_ax.get_ylabel()
    'Volume (contracts)'
"""

from __future__ import annotations

from .btc15m import plot_btc15m_overview
from .calibration import plot_calibration
from .common import DOWN_COLOR, NEUTRAL_COLOR, NO_COLOR, UP_COLOR, YES_COLOR
from .depth import plot_orderbook_depth
from .ladder import plot_strike_ladder
from .pnl import plot_pnl
from .price_history import plot_price_history

__all__ = [
    "DOWN_COLOR",
    "NEUTRAL_COLOR",
    "NO_COLOR",
    "UP_COLOR",
    "YES_COLOR",
    "plot_btc15m_overview",
    "plot_calibration",
    "plot_orderbook_depth",
    "plot_pnl",
    "plot_price_history",
    "plot_strike_ladder",
]
