"""The orders placed from this kernel: what makes a re-run ``place_order`` return the same object, and what
the preview's "duplicate" warning looks for. (The order journal, not this, prevents a second send: it
survives the kernel.)"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .place import PlacedOrder
    from .request import OrderRequest

DUPLICATE_WINDOW = 600.0  # seconds: an identical order placed this recently gets a warning in the preview


class PlacedOrders:
    """The first ``PlacedOrder`` per (api_base, client_order_id), and those placed in the last
    ``DUPLICATE_WINDOW`` seconds. Thread-safe.

    Example:
        >>> placed = PlacedOrders()
        >>> placed.first("http://127.0.0.1:1/trade-api/v2", "no-such-id") is None
        True
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._first: dict[tuple[str, str], PlacedOrder] = {}
        self._recent: list[PlacedOrder] = []

    def first(self, api_base: str, client_order_id: str) -> PlacedOrder | None:
        """The result returned the first time this order was placed, if it was."""
        with self._lock:
            return self._first.get((api_base, client_order_id))

    def add(self, placed: PlacedOrder) -> PlacedOrder:
        """Record ``placed``; return the first result for its order (``placed`` itself unless a concurrent
        call got there first)."""
        key = (placed.preview.api_base, placed.preview.client_order_id)
        cutoff = time.time() - DUPLICATE_WINDOW
        with self._lock:
            first = self._first.setdefault(key, placed)
            self._recent = [p for p in self._recent if p.placed_ts >= cutoff] + [first]
            return first

    def recent_duplicate(self, api_base: str, req: OrderRequest) -> PlacedOrder | None:
        """The latest order with the same fields placed on ``api_base`` in the last ``DUPLICATE_WINDOW`` s."""
        cutoff = time.time() - DUPLICATE_WINDOW
        fields = (req.ticker, req.outcome, req.action, req.count, req.price, req.time_in_force)
        with self._lock:
            for placed in reversed(self._recent):
                r = placed.preview.request
                if (
                    placed.placed_ts >= cutoff
                    and placed.preview.api_base == api_base
                    and (r.ticker, r.outcome, r.action, r.count, r.price, r.time_in_force) == fields
                ):
                    return placed
        return None

    def clear(self) -> None:
        """Forget every placed order (a fresh session; the journal still knows them)."""
        with self._lock:
            self._first.clear()
            self._recent.clear()


placed_orders = PlacedOrders()
