"""The live market view: a market's book, trades, YES price and clock in a notebook, moving by themselves.

``live_view(ticker=None)`` opens a feed (``kalshi_nb.feed``) for the market (None: the current KXBTC15M
window) and returns a :class:`LiveMarketView` widget that redraws in place at a bounded rate while later
cells run; ``render`` holds what it shows as pure functions of a :class:`LiveState` snapshot.

Example:
    >>> from kalshi_nb.liveview import live_view
    >>> view = live_view(client=client)      # in a notebook, the last line of a cell shows it
    >>> view.ticker == ticker                # the current window (its feed needs connect()'s ws_url)
    True
    >>> view.close()
"""

from __future__ import annotations

from .render import LiveState, Parts, render
from .widget import CHANNELS, LiveMarketView, current_window, live_view

__all__ = ["CHANNELS", "LiveMarketView", "LiveState", "Parts", "current_window", "live_view", "render"]
