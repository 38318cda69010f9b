"""``OrderTicket``: an ipywidgets order form on top of ``kalshi_nb.orders``; every handler delegates there.

The ticket makes the safe path the easy one: **Preview** reads only; **Place** stays disabled until a
preview exists for exactly the current inputs, and any input change invalidates it; dry run is on by
default (Place then shows the request and sends nothing); the environment is always on show, production
in red, and a real production order needs an extra tick in the form (on top of
``kalshi_nb.enable_live_trading``). Place disables itself while its request is in flight, and the same
preview is one order however often it is clicked (``orders.place_order`` guarantees it).

Errors never vanish: every callback writes them into the status line and the output area. The output
area is filled through ``Output.outputs`` directly, not ``with out:``, which only captures when a
frontend routes the messages (plain pytest has none).

Example:
    >>> import kalshi_nb
    >>> client = kalshi_nb.connect("sandbox")
    >>> ticket = kalshi_nb.OrderTicket(client, ticker="KXFEDDECISION-26DEC-H0")
    >>> ticket                       # last expression of a cell: the form renders   # doctest: +SKIP
    >>> ticket.price.value = "0.45"; ticket.preview_button.click()
    >>> ticket.preview.request.describe()
    'buy 1 YES @ $0.45 GTC'
    >>> ticket.close()
"""

from __future__ import annotations

import functools
import html
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import orders
from .orders import OrderPreview, PlacedOrder

if TYPE_CHECKING:
    from .client import KalshiClient

log = logging.getLogger(__name__)

_LABEL = {"description_width": "80px"}
_TIF_OPTIONS = [
    ("Good till canceled", "good_till_canceled"),
    ("Immediate or cancel", "immediate_or_cancel"),
    ("Fill or kill", "fill_or_kill"),
]
_CHOOSE = "— choose —"


def _guarded(handler: Callable[..., Any]) -> Callable[..., Any]:
    """Run a callback; any exception goes to the ticket's status line and output area, not into the void."""

    @functools.wraps(handler)
    def wrapper(self: OrderTicket, *args: Any) -> Any:
        try:
            return handler(self, *args)
        except Exception as exc:  # a notebook callback must report every failure to the user
            log.debug("order ticket: %s failed", handler.__name__, exc_info=True)
            self._report_error(exc)
            return None

    return wrapper


class OrderTicket:
    """An order form for one client: market picker, order fields, Preview, Place, dry run, receipt, Cancel.

    Controls are attributes, so code and tests can drive it: ``series``, ``event``, ``market``, ``ticker``,
    ``outcome``, ``action``, ``count``, ``price``, ``time_in_force``, ``dry_run``, ``confirm_live``,
    ``preview_button``, ``place_button``, ``cancel_button``; ``status``, ``output`` and ``receipt`` show
    results. ``preview`` is the current ``OrderPreview`` (None when there is none for the current
    inputs) and ``placed`` the last ``PlacedOrder``.

    Example:
        >>> import kalshi_nb
        >>> t = OrderTicket(kalshi_nb.connect("sandbox"), ticker="KXFEDDECISION-26DEC-H0")
        >>> t.count.value, t.price.value = "3", "0.02"
        >>> t.preview_button.click(); t.dry_run.value = False; t.place_button.click()
        >>> t.placed.status
        'resting'
        >>> t.close()
    """

    def __init__(
        self, client: KalshiClient | None = None, ticker: str | None = None, *, spend_cap: object = None
    ) -> None:
        self.client = orders.client_or_default(client)
        self.spend_cap = spend_cap
        self.preview: OrderPreview | None = None
        self.placed: PlacedOrder | None = None
        self._preview_key: tuple | None = None
        self._market: dict | None = None
        self._busy = False
        self._syncing = False

        import ipywidgets as W  # here, not at import: `kalshi_nb.OrderTicket` resolves without loading it

        self.env_banner = W.HTML(layout=W.Layout(width="100%"))
        self.series = W.Combobox(
            description="Series",
            placeholder="e.g. KXBTC15M",
            ensure_option=False,
            continuous_update=False,
            style=_LABEL,
            layout=W.Layout(width="230px"),
        )
        self.event = W.Dropdown(
            description="Event",
            options=[(_CHOOSE, None)],
            style={"description_width": "50px"},
            layout=W.Layout(width="320px"),
        )
        self.market = W.Dropdown(
            description="Market",
            options=[(_CHOOSE, None)],
            style={"description_width": "55px"},
            layout=W.Layout(width="330px"),
        )
        self.ticker = W.Text(
            description="Ticker",
            placeholder="or type a market ticker",
            continuous_update=False,
            style=_LABEL,
            layout=W.Layout(width="360px"),
        )
        self.market_info = W.HTML()
        # display flex keeps each description on the buttons' line (JupyterLab stacks them otherwise)
        self.outcome = W.ToggleButtons(
            options=[("YES", "yes"), ("NO", "no")],
            description="Outcome",
            style={**_LABEL, "button_width": "70px"},
            layout=W.Layout(display="flex", width="auto", margin="2px 28px 2px 2px"),
        )
        self.action = W.ToggleButtons(
            options=[("Buy", "buy"), ("Sell", "sell")],
            description="Action",
            style={"description_width": "50px", "button_width": "70px"},
            layout=W.Layout(display="flex", width="auto"),
        )
        self.count = W.Text(value="1", description="Contracts", style=_LABEL, layout=W.Layout(width="180px"))
        self.price = W.Text(
            description="Limit $", placeholder="0.45 (dollars)", style=_LABEL, layout=W.Layout(width="200px")
        )
        self.time_in_force = W.Dropdown(
            options=_TIF_OPTIONS,
            value="good_till_canceled",
            description="Time in force",
            style={"description_width": "95px"},
            layout=W.Layout(width="300px"),
        )
        self.dry_run = W.Checkbox(
            value=True, description="Dry run (send nothing)", indent=False, layout=W.Layout(width="200px")
        )
        self.confirm_live = W.Checkbox(
            value=False,
            indent=False,
            description="I confirm a REAL order with real money",
            layout=W.Layout(width="320px", display="none"),
        )
        self.preview_button = W.Button(
            description="Preview",
            icon="eye",
            button_style="info",
            tooltip="Read the market and show what the order would do; sends nothing",
        )
        self.place_button = W.Button(description="Place", disabled=True)
        self.cancel_button = W.Button(
            description="Cancel order", icon="times", button_style="warning", layout=W.Layout(display="none")
        )
        self.status = W.HTML()
        self.output = W.Output(layout=W.Layout(border="1px solid #ddd", padding="4px", min_height="40px"))
        self.receipt = W.HTML()

        for name in (
            "series",
            "event",
            "market",
            "ticker",
            "outcome",
            "action",
            "count",
            "price",
            "time_in_force",
            "dry_run",
            "confirm_live",
            "preview_button",
            "place_button",
            "cancel_button",
            "status",
            "output",
            "receipt",
            "market_info",
            "env_banner",
        ):
            getattr(self, name).add_class(f"kalshi-ticket-{name.replace('_', '-')}")

        row = functools.partial(W.HBox, layout=W.Layout(flex_flow="row wrap", align_items="center"))
        self.widget = W.VBox(
            [
                self.env_banner,
                row([self.series, self.event, self.market]),
                row([self.ticker, self.market_info]),
                row([self.outcome, self.action]),
                row([self.count, self.price, self.time_in_force]),
                row([self.dry_run, self.confirm_live]),
                row([self.preview_button, self.place_button, self.status]),
                self.output,
                self.receipt,
                self.cancel_button,
            ],
            layout=W.Layout(max_width="960px"),
        )
        self.widget.add_class("kalshi-ticket")

        self.series.observe(self._on_series, "value")
        self.event.observe(self._on_event, "value")
        self.market.observe(self._on_market, "value")
        self.ticker.observe(self._on_ticker, "value")
        for control in (self.outcome, self.action, self.count, self.price, self.time_in_force):
            control.observe(self._on_input, "value")
        self.dry_run.observe(self._on_mode, "value")
        self.confirm_live.observe(self._on_mode, "value")
        self.preview_button.on_click(self._on_preview)
        self.place_button.on_click(self._on_place)
        self.cancel_button.on_click(self._on_cancel)

        self._show_environment()
        self._load_series()
        if ticker:
            self.ticker.value = ticker.strip()  # reads the market and points the pickers at it
        self._refresh_place()

    # --- rendering ---------------------------------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        state = "previewed" if self.preview is not None else "no preview"
        return f"<OrderTicket {orders.ENV_LABELS.get(self.client.env, self.client.env)} {self.ticker.value or '-'} {state}>"

    def close(self) -> None:
        """Close every widget of the ticket (frees their comms)."""
        for child in _walk(self.widget):
            child.close()

    # --- environment ---------------------------------------------------------------------------------
    def _show_environment(self) -> None:
        client = self.client
        extra = ""
        if orders.is_production(client):
            extra = (
                "live trading enabled"
                if orders.live_trading_enabled(client)
                else "live trading NOT enabled: kalshi_nb.enable_live_trading(client)"
            )
            self.confirm_live.layout.display = None
        self.env_banner.value = orders.env_banner_html(client.env, client.api_base, extra)

    # --- market picker -------------------------------------------------------------------------------
    @_guarded
    def _load_series(self) -> None:
        listing = self.client.get_series_list().get("series") or []
        self.series.options = sorted({str(s["ticker"]) for s in listing if s.get("ticker")})

    def _events_of(self, series: str) -> list[tuple[str, Any]]:
        events = self.client.get_events(series_ticker=series, status="open", limit=200).get("events") or []
        return [(_CHOOSE, None)] + [
            (
                f"{e.get('sub_title') or e.get('title') or e['event_ticker']} ({e['event_ticker']})",
                e["event_ticker"],
            )
            for e in events
        ]

    def _markets_of(self, event_ticker: str) -> list[tuple[str, Any]]:
        markets = self.client.get_event(event_ticker).get("markets") or []
        return [(_CHOOSE, None)] + [
            (f"{m.get('yes_sub_title') or m['ticker']} ({m['ticker']})", m["ticker"])
            for m in markets
            if m.get("status") in ("active", "open")
        ]

    @_guarded
    def _on_series(self, change: dict) -> None:
        if self._syncing:
            return
        series = (change["new"] or "").strip()
        self.event.options = self._events_of(series) if series else [(_CHOOSE, None)]

    @_guarded
    def _on_event(self, change: dict) -> None:
        if self._syncing:
            return
        self.market.options = self._markets_of(change["new"]) if change["new"] else [(_CHOOSE, None)]

    @_guarded
    def _on_market(self, change: dict) -> None:
        if self._syncing or not change["new"]:
            return
        self.ticker.value = change["new"]

    @_guarded
    def _sync_picker(self) -> None:
        """Point the series/event/market pickers at the typed ticker (best effort; reads only)."""
        market = self._market
        if market is None:
            return
        event = self.client.get_event(str(market["event_ticker"]))
        series = (event.get("event") or {}).get("series_ticker")
        self._syncing = True
        try:
            if series:
                self.series.value = series
                self.event.options = self._events_of(series)
                if market["event_ticker"] in [v for _, v in self.event.options]:
                    self.event.value = market["event_ticker"]
            self.market.options = self._markets_of(str(market["event_ticker"]))
            if market["ticker"] in [v for _, v in self.market.options]:
                self.market.value = market["ticker"]
        finally:
            self._syncing = False

    @_guarded
    def _on_ticker(self, change: dict) -> None:
        self._invalidate()
        self._market = None
        self.market_info.value = ""
        ticker = (change["new"] or "").strip()
        if not ticker:
            return
        market = self.client.get_market(ticker)
        self._market = market
        self.market_info.value = orders.market_html(market)
        if not self._syncing and self.market.value != ticker:
            self._sync_picker()

    # --- inputs and the preview ------------------------------------------------------------------------
    def _key(self) -> tuple:
        """Everything the order depends on; a preview is valid only for exactly this."""
        return (
            self.ticker.value.strip(),
            self.outcome.value,
            self.action.value,
            self.count.value.strip(),
            self.price.value.strip(),
            self.time_in_force.value,
        )

    def _on_input(self, change: dict) -> None:
        self._invalidate()

    def _on_mode(self, change: dict) -> None:
        self._refresh_place()

    def _invalidate(self) -> None:
        if self.preview is None:
            self._refresh_place()
            return
        self.preview = None
        self._preview_key = None
        self.output.outputs = ()
        self._set_status("Inputs changed: the preview no longer applies. Click Preview.", "#e65100")
        self._refresh_place()

    @_guarded
    def _on_preview(self, _button: Any = None) -> None:
        self._invalidate()
        key = self._key()
        ticker = key[0]
        if not ticker:
            raise ValueError("choose a market or type a ticker first")
        self._set_status("Reading the market…", "#555")
        preview = orders.preview_order(
            ticker,
            self.outcome.value,
            self.action.value,
            self.count.value.strip(),
            self.price.value.strip(),
            self.time_in_force.value,
            client=self.client,
            spend_cap=self.spend_cap,
        )
        if self._key() != key:  # an input changed while the reads ran: this preview is already stale
            self._set_status("Inputs changed during the preview. Click Preview again.", "#e65100")
            return
        self.preview, self._preview_key = preview, key
        plain = "\n".join([repr(preview), *(f"warning: {w.text}" for w in preview.warnings)])
        self._show(preview._repr_html_(), plain, clear=True)
        n = len(preview.warnings)
        self._set_status(
            f"Previewed{f' with {n} warning' + ('s' if n != 1 else '') if n else ''}. "
            + (
                "Dry run is on: Place shows the request and sends nothing."
                if self.dry_run.value
                else "Place sends this exact order."
            ),
            "#e65100" if n else "#1b5e20",
        )
        self._refresh_place()

    # --- placing -----------------------------------------------------------------------------------------
    def _refresh_place(self) -> None:
        button = self.place_button
        current = self.preview is not None and self._key() == self._preview_key
        done = self.placed is not None and self.placed.preview is self.preview and self.preview is not None
        prod = orders.is_production(self.client)
        if self._busy:
            button.description, button.icon = "Placing…", "spinner"
        elif done:
            button.description, button.icon = "Placed", "check"
        elif self.dry_run.value:
            button.description, button.icon = "Place (dry run)", "flask"
        else:
            button.description, button.icon = ("Place REAL order" if prod else "Place order"), "paper-plane"
        button.button_style = "" if self.dry_run.value else "danger" if prod else "success"
        blocked = prod and not self.dry_run.value and not self.confirm_live.value
        button.disabled = self._busy or done or not current or blocked
        button.tooltip = (
            "Preview first: Place is enabled only for a preview of exactly these inputs"
            if not current
            else "Tick the confirmation for a real production order"
            if blocked
            else ""
        )

    @_guarded
    def _on_place(self, _button: Any = None) -> None:
        # A second click can arrive after the first handler ran (messages queue in the kernel), and
        # Button.click() ignores `disabled`: so every guard is checked here, not only in the button state.
        if self._busy:
            return
        preview = self.preview
        if preview is None or self._key() != self._preview_key:
            self._refresh_place()
            raise RuntimeError("no preview for the current inputs: click Preview first")
        if self.placed is not None and self.placed.preview is preview:
            self._set_status("This preview was already placed: one order, see the receipt.", "#0d47a1")
            return
        if self.dry_run.value:
            self._show(
                orders.dry_run_html(preview),
                f"DRY RUN: nothing sent. Would send {preview.method} {preview.path} {dict(preview.body)}",
            )
            self._set_status("Dry run: nothing was sent. Untick Dry run to place it for real.", "#0d47a1")
            return
        if orders.is_production(self.client) and not self.confirm_live.value:
            self._refresh_place()
            raise RuntimeError("production: tick 'I confirm a REAL order with real money' to place it")
        self._busy = True
        self._refresh_place()
        self._set_status("Placing…", "#555")
        try:
            placed = orders.place_order(preview, confirm=True)
        finally:
            self._busy = False
            self._refresh_place()
        self.placed = placed
        self.receipt.value = placed._repr_html_()
        self.cancel_button.layout.display = None if placed.is_resting else "none"
        self.cancel_button.disabled = not placed.is_resting
        self._set_status(f"Placed: order {placed.order_id} is {placed.status}.", "#1b5e20")
        self._refresh_place()

    @_guarded
    def _on_cancel(self, _button: Any = None) -> None:
        placed = self.placed
        if placed is None or self.cancel_button.disabled:
            return
        self.cancel_button.disabled = True
        try:
            answer = orders.cancel_order(placed)
        except Exception:
            self.cancel_button.disabled = False
            raise
        self.cancel_button.layout.display = "none"
        reduced = answer.get("reduced_by", "?")
        self.receipt.value = placed._repr_html_() + (
            f'<div class="kalshi-canceled" style="color:#6d4c41;font-weight:600;line-height:1.4">Canceled: '
            f"{html.escape(str(reduced))} contracts taken off the book.</div>"
        )
        self._set_status(f"Order {placed.order_id} canceled.", "#6d4c41")

    # --- output --------------------------------------------------------------------------------------------
    def _show(self, html_text: str, plain: str, *, clear: bool = False) -> None:
        item = {
            "output_type": "display_data",
            "data": {"text/html": html_text, "text/plain": plain},
            "metadata": {},
        }
        self.output.outputs = (() if clear else tuple(self.output.outputs)) + (item,)

    def _set_status(self, text: str, color: str) -> None:
        self.status.value = f'<span style="color:{color};font-weight:600">{html.escape(text)}</span>'

    def _report_error(self, exc: BaseException) -> None:
        text = f"{type(exc).__name__}: {exc}"
        self._set_status(text.splitlines()[0], "#c62828")
        self._show(
            f'<pre class="kalshi-ticket-error" style="color:#c62828;white-space:pre-wrap;margin:0">'
            f"{html.escape(text)}</pre>",
            text,
        )


def _walk(widget: Any) -> list[Any]:
    out = [widget]
    for child in getattr(widget, "children", ()):
        out.extend(_walk(child))
    return out


__all__ = ["OrderTicket"]
