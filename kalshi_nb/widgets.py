"""``kalshi_nb.widgets.OrderTicket``: kept as a name; the ticket lives in ``kalshi_nb.ticket``.

Example:
    >>> from kalshi_nb.widgets import OrderTicket
    >>> OrderTicket.__module__
    'kalshi_nb.ticket.widget'
"""

from __future__ import annotations

from .ticket.widget import OrderTicket

__all__ = ["OrderTicket"]
