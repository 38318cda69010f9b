"""The write calls of ``KalshiClient``: orders in the original interface (``orders``), the weekly-pause
guard (``pause``) and the money moves that are not orders (``transfers``). Every call that creates an order
goes through ``writer.submit_order`` or its guards (``check_order``); see ``kalshi_nb.writer``.

Example:
    >>> client = kalshi_nb.connect("sandbox")
    >>> ticker = kalshi_nb.markets_df(series="KXBTC15M").ticker.iloc[0]
    >>> client.place_order(ticker, "yes", 1, 1, dry_run=True)["request"]["body"]["side"]
    'bid'
"""

from __future__ import annotations

from .orders import OrderCalls
from .pause import PauseGuard, is_pause_refusal, paused_error
from .transfers import MoneyMoves


class TradeCalls(PauseGuard, OrderCalls, MoneyMoves):
    """Every write call of ``KalshiClient``; ``check_order`` runs the pause guard, then the writer's guards."""


__all__ = ["MoneyMoves", "OrderCalls", "PauseGuard", "TradeCalls", "is_pause_refusal", "paused_error"]
