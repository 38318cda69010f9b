"""The ticket's controls: building them (with the CSS classes the browser test relies on), laying them out
to fit a 1100 px notebook, and the handler guard. No state and no rules here: those are ``ticket.state``.

Example:
    >>> CONTROLS[:3]
    ('series', 'event', 'market')
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from .messages import sentence
from .panel import OrdersPanel

log = logging.getLogger("kalshi_nb.ticket")

_TIF_OPTIONS = [
    ("Good till canceled", "good_till_canceled"),
    ("Immediate or cancel", "immediate_or_cancel"),
    ("Fill or kill", "fill_or_kill"),
]
CHOOSE = "— choose —"
NO_MATH = "mathjax_ignore tex2jax_ignore"
# Each carries the class kalshi-ticket-<name with dashes> (tests/browser finds them by it).
CONTROLS = (
    "series", "event", "market", "ticker", "outcome", "action", "count", "price", "time_in_force", "dry_run",
    "confirm_live", "preview_button", "place_button", "cancel_button", "status", "output", "receipt",
    "market_info", "env_banner", "age", "refresh_button", "live_book",
)  # fmt: skip


def guarded(handler: Callable[..., Any]) -> Callable[..., Any]:
    """Run a callback under the ticket's lock; any exception becomes one sentence in the status line."""

    @functools.wraps(handler)
    def wrapper(self: Any, *args: Any) -> Any:
        with self._lock:
            try:
                return handler(self, *args)
            except Exception as exc:  # a notebook callback must report every failure to the user
                log.debug("order ticket: %s failed", handler.__name__, exc_info=True)
                self._busy = ""
                self._error = sentence(exc)
                self.render()
                return None

    return wrapper


def build(t: Any) -> None:
    """Create the ticket's controls as attributes of ``t``, lay them out in ``t.widget`` and wire the handlers."""
    import ipywidgets as W  # here, not at import: `kalshi_nb.OrderTicket` resolves without loading it

    label = {"description_width": "initial"}  # never cut a label off
    t.env_banner = W.HTML(layout=W.Layout(width="100%"))
    t.series = W.Combobox(
        description="Series", placeholder="e.g. KXBTC15M", ensure_option=False, continuous_update=False,
        style=label, layout=W.Layout(width="220px"),
    )  # fmt: skip
    t.event = W.Dropdown(
        description="Event", options=[(CHOOSE, None)], style=label, layout=W.Layout(width="360px")
    )
    t.market = W.Dropdown(
        description="Market", options=[(CHOOSE, None)], style=label, layout=W.Layout(width="380px")
    )
    t.ticker = W.Text(
        description="Ticker", placeholder="or type a market ticker", continuous_update=False,
        style=label, layout=W.Layout(width="340px"),
    )  # fmt: skip
    t.refresh_button = W.Button(
        description="Refresh", icon="refresh", tooltip="Read the market, your orders and the position again",
        layout=W.Layout(width="auto"),
    )  # fmt: skip
    t.market_info = W.HTML(layout=W.Layout(width="100%"))
    t.live_book = W.HTML(layout=W.Layout(width="100%"))  # the live ladder (ticket.live), "" without a feed
    t.outcome = W.ToggleButtons(
        options=[("YES", "yes"), ("NO", "no")], description="Outcome",
        style={**label, "button_width": "64px"}, layout=W.Layout(display="flex", width="auto"),
    )  # fmt: skip
    t.action = W.ToggleButtons(
        options=[("Buy", "buy"), ("Sell", "sell")], description="Action",
        style={**label, "button_width": "64px"}, layout=W.Layout(display="flex", width="auto"),
    )  # fmt: skip
    t.time_in_force = W.Dropdown(
        options=_TIF_OPTIONS, value="good_till_canceled", description="Time in force", style=label,
        layout=W.Layout(width="290px"),
    )  # fmt: skip
    t.count = W.Text(
        value="1",
        description="Contracts",
        continuous_update=True,
        style=label,
        layout=W.Layout(width="170px"),
    )
    t.price = W.Text(
        description="YES price", placeholder="45¢ or $0.45", continuous_update=True, style=label,
        layout=W.Layout(width="190px"),
    )  # fmt: skip
    t.price_reading = W.HTML()
    t.count_error, t.price_error = W.HTML(), W.HTML()
    for name, box in (("count", t.count_error), ("price", t.price_error)):
        box.add_class("kalshi-field-error")
        box.add_class(f"kalshi-ticket-{name}-error")
    t.dry_run = W.Checkbox(value=True, description="Dry run (send nothing)", indent=False)
    t.confirm_live = W.Checkbox(
        value=False, indent=False, description="I confirm a REAL order with real money",
        layout=W.Layout(width="auto", display="none"),
    )  # fmt: skip
    t.preview_button = W.Button(description="Preview", icon="eye", button_style="info")
    t.place_button = W.Button(description="Place", disabled=True)
    t.cancel_button = W.Button(
        description="Cancel order", icon="times", button_style="warning", layout=W.Layout(display="none")
    )
    t.age = W.HTML()
    t.status = W.HTML()
    t.output = W.Output(layout=W.Layout(padding="2px", max_width="1060px"))
    t.receipt = W.HTML()
    t.orders_panel = OrdersPanel(t.client, on_change=t._on_panel_change, mine=lambda: set(t._placed_ids))
    for name in CONTROLS:
        getattr(t, name).add_class(f"kalshi-ticket-{name.replace('_', '-')}")

    row = functools.partial(W.HBox, layout=W.Layout(flex_flow="row wrap", align_items="center"))
    column = functools.partial(W.VBox, layout=W.Layout(align_items="flex-start"))
    # fields with a note under them: aligned at the top, so a note appearing never moves the field beside it
    top = functools.partial(W.HBox, layout=W.Layout(flex_flow="row wrap", align_items="flex-start"))
    t.widget = W.VBox(
        [
            t.env_banner,
            row([t.series, t.event, t.market]),
            row([t.ticker, t.refresh_button]),
            t.market_info,
            t.live_book,
            row([t.outcome, t.action, t.time_in_force]),
            top([column([t.count, t.count_error]), column([row([t.price, t.price_reading]), t.price_error])]),
            row([t.dry_run, t.confirm_live]),
            row([t.preview_button, t.place_button, t.cancel_button, t.age]),
            t.status,
            t.output,
            t.receipt,
            t.orders_panel.widget,
        ],
        layout=W.Layout(max_width="1080px"),
    )  # fmt: skip
    t.widget.add_class("kalshi-ticket")

    t.series.observe(t._on_series, "value")
    t.event.observe(t._on_event, "value")
    t.market.observe(t._on_market, "value")
    t.ticker.observe(t._on_ticker, "value")
    t.price.observe(t._on_price, "value")
    for control in (t.outcome, t.action):
        control.observe(t._on_side, "value")
    for control in (t.count, t.time_in_force):
        control.observe(t._on_input, "value")
    t.dry_run.observe(t._on_mode, "value")
    t.confirm_live.observe(t._on_mode, "value")
    t.preview_button.on_click(t._on_preview)
    t.place_button.on_click(t._on_place)
    t.cancel_button.on_click(t._on_cancel)
    t.refresh_button.on_click(t._on_refresh)


def close_all(widget: Any) -> None:
    """Close a widget and everything under it (frees their comms)."""
    for child in getattr(widget, "children", ()):
        close_all(child)
    widget.close()


def display_item(html_text: str, plain: str) -> dict:
    """One ``display_data`` output for ``Output.outputs`` (set directly: ``with out:`` needs a frontend)."""
    return {
        "output_type": "display_data",
        "data": {"text/html": html_text, "text/plain": plain},
        "metadata": {},
    }
