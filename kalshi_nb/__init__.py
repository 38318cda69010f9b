"""kalshi_nb: explore and trade the Kalshi prediction market from Jupyter.

Importing the package does no I/O and loads nothing heavy: every public name is imported on first use
(requests and cryptography with the client; pandas, matplotlib and ipywidgets only with the helpers that
need them).

Example:
    >>> import kalshi_nb
    >>> client = kalshi_nb.connect("sandbox")   # connect() alone: your credentials if configured, else this
    >>> window = kalshi_nb.markets_df(series="KXBTC15M").iloc[0]
    >>> bool(0 < window.yes_ask_dollars < 1)
    True
"""

from __future__ import annotations

import importlib

# Not typing.TYPE_CHECKING: importing typing alone would triple the package's import time.
TYPE_CHECKING = False

__version__ = "0.1.0"

# public name -> module that defines it (imported lazily by __getattr__)
_LAZY: dict[str, str] = {
    "stream": "feed",
    "live_view": "liveview",
    "LiveMarketView": "liveview",
    "replay": "feed",
    "Feed": "feed",
    "open_store": "store",
    "Store": "store",
    "LiveBook": "feed",
    "TradingPausedError": "errors",
    "TradingPausedAPIError": "errors",
    "BatchTooLargeError": "ratelimit",
    "trading_pause_at": "pauses",
    "next_trading_pause": "pauses",
    "is_trading_paused": "pauses",
    "OrdersPanel": "ticket.panel",
    "set_display": "display.notebook",
    "full": "display.notebook",
    "compact": "display.notebook",
    "set_display_timezone": "display.timefmt",
    "display_timezone": "display.timefmt",
    "market_view": "data.views",
    "book_view": "data.views",
    "position_view": "data.views",
    "MarketView": "data.views",
    "BookView": "data.views",
    "PositionView": "data.views",
    "connect": "defaults",
    "default_client": "defaults",
    "set_default_client": "defaults",
    "KalshiClient": "client",
    "RetryPolicy": "client",
    "load_private_key": "auth",
    "KalshiAuth": "auth",
    "RateLimiter": "ratelimit",
    "KalshiError": "errors",
    "KalshiAPIError": "errors",
    "BadRequestError": "errors",
    "AuthenticationError": "errors",
    "NotFoundError": "errors",
    "ConflictError": "errors",
    "RateLimitError": "errors",
    "ServerError": "errors",
    "ReadOnlyError": "errors",
    "PrivateKeyError": "errors",
    "PaginationError": "errors",
    "OrderStateUnknownError": "errors",
    "Sandbox": "sandbox",
    "plot_price_history": "plots",
    "plot_orderbook_depth": "plots",
    "plot_strike_ladder": "plots",
    "plot_btc15m_overview": "plots",
    "plot_calibration": "plots",
    "plot_pnl": "plots",
    "pnl_df": "data.pnl",
    "prices_before_close": "analysis",
    "reliability_table": "analysis",
    "brier_decomposition": "analysis",
    "calibration_summary": "analysis",
    "OrderRequest": "orders",
    "OrderPreview": "orders",
    "PlacedOrder": "orders",
    "preview_order": "orders",
    "place_order": "orders",
    "cancel_order": "orders",
    "open_orders_df": "orders",
    "enable_live_trading": "orders",
    "disable_live_trading": "orders",
    "live_trading_enabled": "orders",
    "set_spend_cap": "orders",
    "spend_cap": "orders",
    "OrderRefusedError": "orders",
    "LiveTradingDisabledError": "orders",
    "SpendCapError": "orders",
    "StalePreviewError": "orders",
    "MarketNotOpenError": "orders",
    "OrderTicket": "widgets",
    "journal_df": "journal",
    "get_api_base": "config",
    "DuplicateClientOrderIdError": "errors",
    "SandboxNotRunningError": "errors",
    "iter_markets": "data",
    "iter_historical_markets": "data",
    "iter_events": "data",
    "iter_trades": "data",
    "iter_trade_pages": "data",
    "iter_positions": "data",
    "iter_fills": "data",
    "iter_orders": "data",
    "iter_settlements": "data",
    "markets_df": "data",
    "events_df": "data",
    "series_df": "data",
    "trades_df": "data",
    "orderbook_df": "data",
    "candles_df": "data",
    "positions_df": "data",
    "fills_df": "data",
    "orders_df": "data",
    "settlements_df": "data",
    "EventFrames": "data",
}

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "BatchTooLargeError",
    "BookView",
    "ConflictError",
    "DuplicateClientOrderIdError",
    "EventFrames",
    "Feed",
    "KalshiAPIError",
    "KalshiAuth",
    "KalshiClient",
    "KalshiError",
    "LiveBook",
    "LiveMarketView",
    "LiveTradingDisabledError",
    "MarketNotOpenError",
    "MarketView",
    "NotFoundError",
    "OrderPreview",
    "OrderRefusedError",
    "OrderRequest",
    "OrderStateUnknownError",
    "OrderTicket",
    "OrdersPanel",
    "PaginationError",
    "PlacedOrder",
    "PositionView",
    "PrivateKeyError",
    "RateLimitError",
    "RateLimiter",
    "ReadOnlyError",
    "RetryPolicy",
    "Sandbox",
    "SandboxNotRunningError",
    "ServerError",
    "SpendCapError",
    "StalePreviewError",
    "Store",
    "TradingPausedAPIError",
    "TradingPausedError",
    "__version__",
    "book_view",
    "brier_decomposition",
    "calibration_summary",
    "cancel_order",
    "candles_df",
    "compact",
    "connect",
    "default_client",
    "disable_live_trading",
    "display_timezone",
    "enable_live_trading",
    "events_df",
    "fills_df",
    "full",
    "get_api_base",
    "is_trading_paused",
    "iter_events",
    "iter_fills",
    "iter_historical_markets",
    "iter_markets",
    "iter_orders",
    "iter_positions",
    "iter_settlements",
    "iter_trade_pages",
    "iter_trades",
    "journal_df",
    "live_trading_enabled",
    "live_view",
    "load_private_key",
    "market_view",
    "markets_df",
    "next_trading_pause",
    "open_orders_df",
    "open_store",
    "orderbook_df",
    "orders_df",
    "place_order",
    "plot_btc15m_overview",
    "plot_calibration",
    "plot_orderbook_depth",
    "plot_pnl",
    "plot_price_history",
    "plot_strike_ladder",
    "pnl_df",
    "position_view",
    "positions_df",
    "preview_order",
    "prices_before_close",
    "reliability_table",
    "replay",
    "series_df",
    "set_default_client",
    "set_display",
    "set_display_timezone",
    "set_spend_cap",
    "settlements_df",
    "spend_cap",
    "stream",
    "trades_df",
    "trading_pause_at",
]

if TYPE_CHECKING:
    from .analysis import brier_decomposition, calibration_summary, prices_before_close, reliability_table
    from .auth import KalshiAuth, load_private_key
    from .client import KalshiClient, RetryPolicy
    from .config import get_api_base
    from .data import (
        EventFrames,
        candles_df,
        events_df,
        fills_df,
        iter_events,
        iter_fills,
        iter_historical_markets,
        iter_markets,
        iter_orders,
        iter_positions,
        iter_settlements,
        iter_trade_pages,
        iter_trades,
        markets_df,
        orderbook_df,
        orders_df,
        positions_df,
        series_df,
        settlements_df,
        trades_df,
    )
    from .data.pnl import pnl_df
    from .data.views import BookView, MarketView, PositionView, book_view, market_view, position_view
    from .defaults import connect, default_client, set_default_client
    from .display.notebook import compact, full, set_display
    from .display.timefmt import display_timezone, set_display_timezone
    from .errors import (
        AuthenticationError,
        BadRequestError,
        ConflictError,
        DuplicateClientOrderIdError,
        KalshiAPIError,
        KalshiError,
        NotFoundError,
        OrderStateUnknownError,
        PaginationError,
        PrivateKeyError,
        RateLimitError,
        ReadOnlyError,
        SandboxNotRunningError,
        ServerError,
        TradingPausedAPIError,
        TradingPausedError,
    )
    from .feed import Feed, LiveBook, replay, stream
    from .journal import journal_df
    from .liveview import LiveMarketView, live_view
    from .orders import (
        LiveTradingDisabledError,
        MarketNotOpenError,
        OrderPreview,
        OrderRefusedError,
        OrderRequest,
        PlacedOrder,
        SpendCapError,
        StalePreviewError,
        cancel_order,
        disable_live_trading,
        enable_live_trading,
        live_trading_enabled,
        open_orders_df,
        place_order,
        preview_order,
        set_spend_cap,
        spend_cap,
    )
    from .pauses import is_trading_paused, next_trading_pause, trading_pause_at
    from .plots import (
        plot_btc15m_overview,
        plot_calibration,
        plot_orderbook_depth,
        plot_pnl,
        plot_price_history,
        plot_strike_ladder,
    )
    from .ratelimit import BatchTooLargeError, RateLimiter
    from .sandbox import Sandbox
    from .store import Store, open_store
    from .ticket.panel import OrdersPanel
    from .widgets import OrderTicket


# Submodules reachable as attributes right after ``import kalshi_nb`` (``kalshi_nb.frames.describe(...)``),
# each imported on first use.
_SUBMODULES = (
    "config",
    "errors",
    "analysis",
    "auth",
    "client",
    "data",
    "frames",
    "display",
    "feed",
    "store",
    "orders",
    "pauses",
    "plots",
    "widgets",
    "ticket",
    "sandbox",
    "journal",
    "safety",
    "fees",
    "timeargs",
    "endpoints",
    "defaults",
)


def __getattr__(name: str) -> object:
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kalshi_nb' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    # What a notebook user needs (tab completion), not this module's own machinery.
    return sorted({*__all__, *_SUBMODULES})


# Inside IPython, kalshi_nb's own frames show compactly (display.notebook registers a formatter by type
# name, importing neither pandas nor IPython); other frames render exactly as pandas renders them.
def _install_display_hook() -> None:
    import sys

    if "IPython" in sys.modules:
        from .display.notebook import install_frame_formatter

        install_frame_formatter()


_install_display_hook()
