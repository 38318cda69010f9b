"""What the ticket says about a preview and a placed order, besides the state's own sentences: the preview's
warnings as of now, and the order's counts ("1 of 3 filled, 2 resting").

Example:
    >>> from decimal import Decimal
    >>> from types import SimpleNamespace as NS
    >>> placed = NS(fill_count=Decimal(1), remaining_count=Decimal(2), preview=NS(request=NS(count=Decimal(3))))
    >>> counts_text(placed, None)
    '1 of 3 filled, 2 resting'
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..display.timefmt import format_count

if TYPE_CHECKING:
    from ..orders import OrderPreview, PlacedOrder

__all__ = ["as_of_now", "counts_text"]


# What preview.py appends to its "production" warning when the opt-in is missing (kalshi_nb.orders.preview).
_NOT_ENABLED = (
    "; live trading is not enabled, so place_order will refuse it (kalshi_nb.enable_live_trading(client))"
)


# Refusals the status line already states in the form's words (one sentence, shown once).
_SAID_BY_STATUS = frozenset({"over_spend_cap"})


def as_of_now(preview: OrderPreview, live: bool) -> OrderPreview:
    """The preview as shown: its "production" warning re-said for the opt-in as it is now, without the
    refusals the status line states.

    The warning is written when the preview is made; ``enable_live_trading`` in another cell afterwards must
    not leave "live trading is not enabled" under a banner that says it is. A display copy only: the
    preview that Place sends is ``self.preview`` itself.

    Example:
        >>> from types import SimpleNamespace
        >>> quiet = SimpleNamespace(warnings=())
        >>> as_of_now(quiet, live=True) is quiet       # nothing to re-say: the very preview
        True
    """
    head = "PRODUCTION: this order would use real money"
    text = head if live else head + _NOT_ENABLED
    warnings = tuple(
        w._replace(text=text) if w.code == "production" else w
        for w in preview.warnings
        if w.code not in _SAID_BY_STATUS
    )
    return preview if warnings == preview.warnings else dataclasses.replace(preview, warnings=warnings)


def counts_text(placed: PlacedOrder | Any, order: dict | None) -> str:
    """``1 of 3 filled, 2 resting`` (of the count ordered, amends included; a canceled remainder is neither).

    Example:
        >>> from types import SimpleNamespace as NS
        >>> placed = NS(fill_count=Decimal(3), remaining_count=Decimal(0), preview=NS(request=NS(count=Decimal(5))))
        >>> counts_text(placed, {"initial_count_fp": "3.00"})      # amended down to 3, all filled
        '3 of 3 filled'
    """
    initial = (order or {}).get("initial_count_fp")
    ordered = Decimal(str(initial)) if initial else placed.preview.request.count
    text = f"{format_count(placed.fill_count)} of {format_count(ordered)} filled"
    if placed.remaining_count and placed.fill_count:
        text += f", {format_count(placed.remaining_count)} resting"
    return text
