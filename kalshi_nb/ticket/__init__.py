"""The order ticket: a form whose every visible word is derived from one state.

- ``state``: ``Phase``, ``Event``, ``Facts``, ``View``, ``step`` and ``derive`` (pure; the rules).
- ``fields``: reading the count and price fields as they are typed (cents or dollars, one sentence per error).
- ``messages``: errors as one plain sentence.
- ``panel``: ``OrdersPanel``, the resting orders and position in the chosen market, with Cancel and Amend.
- ``live``: the chosen market's live feed (book, and the placed order's state from ``user_orders``/``fill``).
- ``wording``: the preview's warnings as of now and the order's counts.
- ``widget``: ``OrderTicket``, the ipywidgets form that renders a ``View``.

``import kalshi_nb.ticket`` does not load ipywidgets (the widgets import it when they are built).

Example:
    >>> from kalshi_nb.ticket import Facts, Phase, derive
    >>> derive(Phase.EDITING, Facts()).place_disabled
    True
"""

from __future__ import annotations

from .fields import CountReading, PriceReading, read_count, read_price
from .messages import sentence
from .panel import OrdersPanel
from .state import CLEARS_CONFIRM, TRANSITIONS, Event, Facts, Phase, View, blocker, derive, placeable, step
from .widget import OrderTicket

__all__ = [
    "CLEARS_CONFIRM",
    "TRANSITIONS",
    "CountReading",
    "Event",
    "Facts",
    "OrderTicket",
    "OrdersPanel",
    "Phase",
    "PriceReading",
    "View",
    "blocker",
    "derive",
    "placeable",
    "read_count",
    "read_price",
    "sentence",
    "step",
]
