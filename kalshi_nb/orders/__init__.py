"""Orders from a notebook, the safe way: a validated request, a preview that never writes, then one writer.

1. ``OrderRequest`` (``orders.request``): ticker, outcome (yes/no), action (buy/sell), count, limit price
   (dollars, of the outcome) and time in force, checked against the market itself when it is built (price
   grid, sub-penny included; fractional counts; market open). Its ``client_order_id`` is minted then, once.
2. ``preview_order(...)`` (``orders.preview``): reads only (market, book, event, series, balance,
   position, own resting orders) and returns an ``OrderPreview`` that renders as an HTML table
   (``orders.render``): the exact V2 request, the book, what fills now and what rests, cost, fees,
   payout, P&L either way, break-even, balance after, warnings.
3. ``place_order(preview, confirm=True)`` (``orders.place``): the only way to place an order here. It
   takes a preview and nothing else and sends it through the client's one guarded writer
   (``client.submit_order``); the same preview placed twice is one order (the second call returns the
   first result, with no request); production needs ``enable_live_trading``, and the spend cap holds.
   ``cancel_order`` and ``open_orders_df`` live there too.

The money settings (``enable_live_trading``, ``set_spend_cap``, ...) live in ``kalshi_nb.safety`` and the
fee model in ``kalshi_nb.fees``; both are re-exported here.

Example:
    >>> import kalshi_nb
    >>> client = kalshi_nb.connect("sandbox")
    >>> p = kalshi_nb.preview_order("KXFEDDECISION-26DEC-H0", "yes", "buy", 10, "0.02")
    >>> p                                    # an HTML table in a notebook           # doctest: +ELLIPSIS
    <OrderPreview sandbox KXFEDDECISION-26DEC-H0: buy 10 YES @ $0.02 GTC total $0.2...>
    >>> placed = kalshi_nb.place_order(p, confirm=True)
    >>> kalshi_nb.place_order(p, confirm=True) is placed      # one order, not two
    True
"""

from __future__ import annotations

from ..errors import (
    LiveTradingDisabledError,
    MarketNotOpenError,
    OrderRefusedError,
    SpendCapError,
    StalePreviewError,
)
from ..fees import (
    KNOWN_FEE_TYPES,
    MAKER_COEFFICIENT,
    MAKER_FEE_TYPES,
    TAKER_COEFFICIENT,
    fee_coefficients,
    fee_schedule,
    trading_fee,
)
from ..safety import (
    DEFAULT_SPEND_CAP,
    SAFE_ENVS,
    disable_live_trading,
    enable_live_trading,
    is_production,
    live_trading_enabled,
    set_spend_cap,
    spend_cap,
)
from .place import PREVIEW_MAX_AGE, PlacedOrder, cancel_order, open_orders_df, place_order
from .preview import (
    CLOSING_SOON,
    FAR_FROM_MID,
    ORDERS_PATH,
    Fill,
    OrderPreview,
    PreviewWarning,
    preview_order,
)
from .render import (
    ENV_LABELS,
    dry_run_html,
    env_banner_html,
    market_html,
    render_preview_html,
    render_receipt_html,
)
from .request import OrderRequest, client_or_default
from .session import DUPLICATE_WINDOW, PlacedOrders, placed_orders

__all__ = [
    "CLOSING_SOON",
    "DEFAULT_SPEND_CAP",
    "DUPLICATE_WINDOW",
    "ENV_LABELS",
    "FAR_FROM_MID",
    "KNOWN_FEE_TYPES",
    "MAKER_COEFFICIENT",
    "MAKER_FEE_TYPES",
    "ORDERS_PATH",
    "PREVIEW_MAX_AGE",
    "SAFE_ENVS",
    "TAKER_COEFFICIENT",
    "Fill",
    "LiveTradingDisabledError",
    "MarketNotOpenError",
    "OrderPreview",
    "OrderRefusedError",
    "OrderRequest",
    "PlacedOrder",
    "PlacedOrders",
    "PreviewWarning",
    "SpendCapError",
    "StalePreviewError",
    "cancel_order",
    "client_or_default",
    "disable_live_trading",
    "dry_run_html",
    "enable_live_trading",
    "env_banner_html",
    "fee_coefficients",
    "fee_schedule",
    "is_production",
    "live_trading_enabled",
    "market_html",
    "open_orders_df",
    "place_order",
    "placed_orders",
    "preview_order",
    "render_preview_html",
    "render_receipt_html",
    "set_spend_cap",
    "spend_cap",
    "trading_fee",
]
