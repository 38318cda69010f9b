"""``OrderTicket``: the ipywidgets order form. It keeps one ``Phase``, reads ``Facts`` fresh, renders a ``View``.

Every label, colour, enabled flag and message comes from ``ticket.state.derive`` (nothing is set anywhere
else), so the form cannot say two things at once. Handlers only change the inputs' meaning (the preview, the
placed order, the phase via ``state.step``) and call ``render()``; every call they make goes through
``kalshi_nb.orders`` (preview, place, cancel) or the orders panel.

- **Preview** reads only. **Place** is enabled only for a fresh preview of exactly the current inputs that
  would be accepted (``state.placeable``); dry run is on by default and sends nothing.
- A background tick (``tick()`` once a second, injectable ``clock=``) counts the preview's age down to stale,
  re-reads the live-trading opt-in for the banner, and re-counts the market's time to close; ``close()``
  stops it.
- The production confirmation is for one order: it clears on every input change, preview and placement.
- **Live** (``ticket.live``): with a WebSocket URL (``live=None``, the default, goes live when one is known;
  ``live=False`` never) the chosen market's book shows live above the order fields, and a placed order's
  state follows ``user_order`` and ``fill`` messages (resting, partly filled, executed, canceled) with no
  REST polling; without a feed the form works over REST and says so.

Example:
    >>> import kalshi_nb
    >>> client = kalshi_nb.connect("sandbox")
    >>> ticket = kalshi_nb.OrderTicket(client, ticker="KXFEDDECISION-26DEC-H0")
    >>> ticket                       # last expression of a cell: the form renders   # doctest: +SKIP
    >>> ticket.price.value = "45c"; ticket.preview_button.click()
    >>> ticket.preview.request.describe(), ticket.phase.value
    ('buy 1 YES @ $0.45 GTC', 'previewed')
    >>> ticket.close()
"""

from __future__ import annotations

import dataclasses
import html
import logging
import threading
import time
import weakref
from collections.abc import Callable
from datetime import datetime, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .. import orders, pauses
from ..display.market import market_line_html
from ..display.timefmt import format_usd, to_datetime
from ..ticks import run_ticks
from .controls import NO_MATH, build, close_all, display_item, guarded
from .fields import read_count, read_price
from .live import LiveTicket
from .messages import sentence
from .picker import MarketPicker
from .state import CLEARS_CONFIRM, Event, Facts, Phase, View, derive, placeable, step
from .wording import as_of_now, counts_text

if TYPE_CHECKING:
    from ..client import KalshiClient
    from ..orders import OrderPreview, PlacedOrder

log = logging.getLogger("kalshi_nb.ticket")

__all__ = ["OrderTicket"]


class OrderTicket(MarketPicker, LiveTicket):
    """An order form for one client: market picker and line, order fields, Preview, Place, receipt, orders.

    Controls are attributes, so code and tests can drive it: ``series``, ``event``, ``market``, ``ticker``,
    ``outcome``, ``action``, ``count``, ``price``, ``time_in_force``, ``dry_run``, ``confirm_live``,
    ``preview_button``, ``place_button``, ``cancel_button``, ``refresh_button``; ``status``, ``age``,
    ``output``, ``receipt`` and ``orders_panel`` show results. ``phase`` and ``view`` are the current
    state; ``preview`` is the ``OrderPreview`` for the current inputs (None if there is none) and ``placed``
    the last ``PlacedOrder`` as last read.

    ``max_age`` (seconds, default ``orders.PREVIEW_MAX_AGE``), ``clock`` (monotonic seconds), ``now`` (an
    aware datetime: market close and the weekly pause) and ``tick_interval`` (None: no background thread)
    are for tests and special cases. ``live``: None (default) follows the market on the exchange's feed
    when the client knows a WebSocket URL (``connect("sandbox")`` sets one; prod and demo have Kalshi's),
    True asks for it (and says why when it cannot), False never; ``redraw_interval`` (seconds) bounds how
    often feed updates redraw the form. ``feed`` is the live feed (None without one), ``live_book`` its
    ladder.
    """

    # built by controls.build (ipywidgets types; Any keeps ipywidgets out of the import)
    widget: Any
    env_banner: Any
    market_info: Any
    refresh_button: Any
    time_in_force: Any
    count: Any
    count_error: Any
    price_reading: Any
    price_error: Any
    dry_run: Any
    confirm_live: Any
    preview_button: Any
    place_button: Any
    cancel_button: Any
    age: Any
    status: Any
    output: Any
    receipt: Any

    def __init__(
        self,
        client: KalshiClient | None = None,
        ticker: str | None = None,
        *,
        spend_cap: object = None,
        max_age: float | None = None,
        clock: Callable[[], float] | None = None,
        now: Callable[[], datetime] | None = None,
        tick_interval: float | None = 1.0,
        live: bool | None = None,
        redraw_interval: float = 0.25,
    ) -> None:
        self.client = orders.client_or_default(client)
        self.spend_cap = spend_cap
        self.max_age = orders.PREVIEW_MAX_AGE if max_age is None else float(max_age)
        self._clock = clock or time.monotonic
        self._now = now or (lambda: datetime.now(timezone.utc))
        self.phase = Phase.EDITING
        self.preview: OrderPreview | None = None
        self.placed: PlacedOrder | None = None
        self.view: View | None = None
        self._preview_key: tuple | None = None
        self._preview_at = 0.0
        self._market: dict | None = None
        self._busy = ""
        self._error = ""
        self._inputs_changed = False
        self._dry_run_shown = False
        self._receipt_html = ""
        self._placed_order: dict | None = None  # the placed order as last read (after fills, amends)
        self._placed_ids: set[str] = set()
        self._syncing = False
        self._filling = False
        self._price_auto = False
        self._output_key: tuple = ()
        self._lock = threading.RLock()
        self._stop = threading.Event()
        build(self)
        self._start_live(live, redraw_interval)  # before the first market: the feed opens with it
        self._load_series()
        if ticker:
            self.ticker.value = ticker.strip()  # reads the market and points the pickers at it
        self.render()
        self._thread: threading.Thread | None = None
        if tick_interval:
            self._thread = threading.Thread(
                target=run_ticks,
                args=(weakref.ref(self), self._stop, tick_interval, "order ticket"),
                daemon=True,
            )
            self._thread.name = "kalshi-ticket-tick"
            self._thread.start()

    # --- lifecycle ----------------------------------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        env = orders.ENV_LABELS.get(self.client.env, self.client.env)
        return f"<OrderTicket {env} {self.ticker.value or '-'} {self.phase.value}>"

    def close(self) -> None:
        """Stop the background tick and the live feed, and close every widget of the ticket (frees their comms)."""
        self._close_live()
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        self.orders_panel.close()
        close_all(self.widget)

    # --- the state ----------------------------------------------------------------------------------------
    def _key(self) -> tuple:
        """Everything the order depends on; a preview is valid only for exactly this."""
        return (
            self.ticker.value.strip(), self.outcome.value, self.action.value, self.count.value.strip(),
            self.price.value.strip(), self.time_in_force.value,
        )  # fmt: skip

    def facts(self) -> Facts:
        """What the form shows besides the phase, read now (live trading and the pause re-read every time)."""
        client, market, now = self.client, self._market, self._now()
        count = read_count(self.count.value, market)
        price = read_price(self.price.value, self.outcome.value, market)
        errors: list[tuple[str, str]] = []
        if count.error:
            errors.append(("count", count.error))
        if price.error and (not price.empty or market is not None):
            errors.append(("price", price.error))
        current = self.preview is not None and self._key() == self._preview_key
        preview = self.preview if current else None
        status = str(market.get("status")) if market is not None else None
        closes = to_datetime(market.get("close_time")) if market is not None else None
        # The guard's own rule (client.trading_pause): a sandbox follows its own clock and refuses for itself.
        window = client.trading_pause()
        placed = self.placed
        return Facts(
            env=client.env,
            production=orders.is_production(client),
            live_enabled=orders.live_trading_enabled(client),
            dry_run=bool(self.dry_run.value),
            confirm=bool(self.confirm_live.value),
            outcome=self.outcome.value,
            ticker=self.ticker.value.strip(),
            market_status=status,
            market_open=status in ("active", "open") and (closes is None or closes > now),
            paused_until=pauses.describe_pause(window) if window else None,
            field_errors=tuple(errors),
            price_reading=price.reading,
            inputs_changed=self._inputs_changed,
            preview=preview is not None,
            preview_age=self._clock() - self._preview_at if preview is not None else None,
            max_age=self.max_age,
            warnings=len(preview.warnings) if preview is not None else 0,
            within_cap=preview is None or preview.worst_case <= preview.spend_cap,
            worst_case=format_usd(preview.worst_case) if preview is not None else "",
            cap=format_usd(preview.spend_cap) if preview is not None else "",
            busy=self._busy,
            dry_run_shown=self._dry_run_shown,
            placed_id=placed.order_id if placed is not None else "",
            placed_status=placed.status if placed is not None else "",
            placed_counts=counts_text(placed, self._placed_order) if placed is not None else "",
            placed_partial=placed is not None and placed.status == "resting" and placed.fill_count > 0,
            error=self._error,
            **self._live_facts(),
        )

    def _event(self, event: Event) -> None:
        self.phase = step(self.phase, event)
        if event in CLEARS_CONFIRM and self.confirm_live.value:
            self.confirm_live.value = False  # the confirmation is for one order, read in one preview

    def tick(self) -> View | None:
        """Age the preview (PREVIEWED -> STALE at ``max_age``) and render again; what the thread calls.

        Returns the view, or None when a handler holds the form (it renders when it is done).
        """
        if not self._lock.acquire(blocking=False):
            return None
        try:
            if self.phase is Phase.PREVIEWED and self._clock() - self._preview_at >= self.max_age:
                self._event(Event.AGED)
            return self.render()
        finally:
            self._lock.release()

    # --- rendering: everything visible is set here, from the View -----------------------------------------
    def render(self) -> View:
        """Derive the view from the phase and fresh facts, and show it."""
        with self._lock:
            view = derive(self.phase, self.facts())
            self.view = view
            self._apply(view)
            return view

    def _apply(self, v: View) -> None:
        classes = tuple(c for c in self.widget._dom_classes if not c.startswith("kalshi-phase-"))
        if self.widget._dom_classes != (*classes, v.css_class):
            self.widget._dom_classes = (*classes, v.css_class)
        client = self.client
        self.env_banner.value = orders.env_banner_html(client.env, client.api_base, v.banner_note)
        self.market_info.value = market_line_html(self._market, now=self._now()) if self._market else ""
        self.status.value = (
            f'<span class="{NO_MATH}" style="color:{v.status_colour};font-weight:600">'
            f"{html.escape(v.status_text)}</span>"
        )
        self.age.value = (
            f'<span style="color:{v.age_colour};font-size:12px">{html.escape(v.age_text)}</span>'
            if v.age_text
            else ""
        )
        b = self.place_button
        b.description, b.icon, b.button_style = v.place_label, v.place_icon, v.place_style
        b.disabled, b.tooltip = v.place_disabled, v.place_tooltip
        p = self.preview_button
        p.description, p.button_style, p.disabled, p.tooltip = (
            v.preview_label, v.preview_style, v.preview_disabled, v.preview_tooltip,
        )  # fmt: skip
        self.confirm_live.layout.display = None if v.confirm_visible else "none"
        self.cancel_button.layout.display = None if v.cancel_visible else "none"
        self.cancel_button.disabled = v.cancel_disabled
        self.price.description = v.price_label
        self.price_reading.value = (
            f'<span class="{NO_MATH}" style="font-size:12px;color:#37474f">{html.escape(v.price_reading)}</span>'
            if v.price_reading
            else ""
        )
        for name, box in (("count", self.count_error), ("price", self.price_error)):
            text = v.field_error(name)
            box.value = (
                f'<span class="{NO_MATH}" style="color:#c62828;font-size:12px">{html.escape(text)}</span>'
                if text
                else ""
            )
            box.layout.display = None if text else "none"
        self.receipt.value = self._receipt_html if v.show_receipt else ""
        self._apply_live(v)
        self._show_output(v)

    def _show_output(self, v: View) -> None:
        live = orders.live_trading_enabled(self.client)
        preview = as_of_now(self.preview, live) if self.preview is not None else None
        key = (self.preview, v.show_preview, v.show_dry_run, live)
        if key == self._output_key:
            return  # re-sending the same HTML every second would make the browser re-draw it
        self._output_key = key
        items = []
        if preview is not None and v.show_dry_run:
            plain = f"DRY RUN: nothing sent. Would send {preview.method} {preview.path} {dict(preview.body)}"
            items.append(display_item(orders.dry_run_html(preview), plain))
        if preview is not None and v.show_preview:
            plain = "\n".join([repr(preview), *(f"warning: {w.text}" for w in preview.warnings)])
            items.append(display_item(preview._repr_html_(), plain))
        self.output.outputs = tuple(items)

    # --- inputs -------------------------------------------------------------------------------------------
    def _drop_preview(self) -> None:
        if self.preview is not None and self.phase in (Phase.PREVIEWED, Phase.STALE):
            self._inputs_changed = True
        self.preview, self._preview_key, self._dry_run_shown = None, None, False
        self.orders_panel.forget_message()  # "Order … canceled" belongs to the last action, not the next order
        self._event(Event.EDIT)

    @guarded
    def _on_input(self, change: dict) -> None:
        self._error = ""
        self._drop_preview()
        self.render()

    @guarded
    def _on_price(self, change: dict) -> None:
        if self._filling:
            return
        self._price_auto = False  # the trader typed it: keep it when the side changes
        self._on_input(change)

    @guarded
    def _on_side(self, change: dict) -> None:
        if self._price_auto and self._market is not None:
            self._fill_price()  # a YES price is no NO price: re-read the quote for the new side
        self._on_input(change)

    @guarded
    def _on_mode(self, change: dict) -> None:
        self.render()

    # --- preview, place, cancel, refresh ------------------------------------------------------------------
    @guarded
    def _on_preview(self, _button: Any = None) -> None:
        view = self.render()
        if view.preview_disabled:
            return  # the status line already says what to do
        key = self._key()
        count = read_count(self.count.value, self._market).count
        price = read_price(self.price.value, self.outcome.value, self._market).dollars
        self._drop_preview()
        self._error, self._inputs_changed = "", False
        self._busy = "Reading the market and the book…"
        self.render()
        try:
            preview = orders.preview_order(
                key[0], self.outcome.value, self.action.value, str(count), str(price), self.time_in_force.value,
                client=self.client, spend_cap=self.spend_cap,
            )  # fmt: skip
        except Exception as exc:
            log.debug("order ticket: preview failed", exc_info=True)
            self._busy, self._error = "", sentence(exc, "previewing the order")
            self._event(Event.PREVIEW_FAILED)
            self.render()
            return
        self._busy = ""
        if self._key() != key:  # an input changed while the reads ran: this preview is already stale
            self._error = "Inputs changed during the preview: click Preview again."
            self.render()
            return
        self._market = dict(preview.request.market)  # the fresher read
        self.preview, self._preview_key, self._preview_at = preview, key, self._clock()
        self._event(Event.PREVIEWED)
        self.render()

    @guarded
    def _on_place(self, _button: Any = None) -> None:
        # A second click can arrive after the first handler ran (messages queue in the kernel), and
        # Button.click() ignores `disabled`: so every guard is checked here, not only in the button state.
        if self._busy or self.phase is Phase.PLACING:
            return
        self._error = ""
        view = self.render()  # fresh facts: the opt-in, the age, the pause are read now
        preview = self.preview
        if view.place_disabled or preview is None or not placeable(self.phase, self.facts()):
            return  # the status line says why
        if self.dry_run.value:
            self._dry_run_shown = True
            self.render()
            return
        self._event(Event.PLACE)
        self.render()
        try:
            placed = orders.place_order(preview, confirm=True, max_age=self.max_age)
        except Exception as exc:
            log.debug("order ticket: place failed", exc_info=True)
            self._error = sentence(exc, "placing the order")
            self._event(Event.REFUSED)
            self.render()
            return
        self.placed, self._placed_order = placed, None
        self._placed_ids.add(placed.order_id)
        self._receipt_html = placed._repr_html_()
        self._event(Event.PLACED)
        if placed.status == "canceled":  # an IOC that found nothing: on the record, but not on the book
            self._event(Event.CANCELLED)
        self.orders_panel.refresh()
        self.render()

    @guarded
    def _on_cancel(self, _button: Any = None) -> None:
        placed = self.placed
        if placed is None or self.phase is not Phase.PLACED or placed.status != "resting" or self._busy:
            return
        self._busy = "Canceling…"
        self.render()
        try:
            orders.cancel_order(placed)
        finally:
            self._busy = ""
        self._refresh_placed()
        self.orders_panel.refresh()
        self.render()

    @guarded
    def _on_refresh(self, _button: Any = None) -> None:
        """Read the market (keeping the inputs and the preview), the placed order and the panel again."""
        self._error = ""
        ticker = self.ticker.value.strip()
        if ticker:
            self._market = dict(self.client.get_market(ticker))
            self.orders_panel.market = self._market
        self._refresh_placed()
        self.orders_panel.refresh()
        self.render()

    def _on_panel_change(self, order_id: str, what: str) -> None:
        with self._lock:
            if self.placed is not None and self.placed.order_id == order_id:
                self._refresh_placed()
            self.render()

    def _refresh_placed(self) -> None:
        """Re-read the placed order so its receipt shows what it is now (resting, executed, canceled)."""
        if self.placed is not None:
            self._show_placed(dict(self.placed.refresh()))

    def _show_placed(self, order: dict) -> None:
        """Show the placed order as ``order`` (a REST read, or the feed's ``user_order``) says it is now."""
        placed = self.placed
        assert placed is not None
        self._placed_order = dict(order)
        filled = Decimal(str(order.get("fill_count_fp") or placed.fill_count))
        left = Decimal(str(order.get("remaining_count_fp") or "0"))
        status = str(order.get("status") or placed.status)
        self.placed = dataclasses.replace(placed, status=status, fill_count=filled, remaining_count=left)
        self._receipt_html = orders.render_receipt_html(self.placed, order)  # the order as it is now
        if status == "canceled":
            self._event(Event.CANCELLED)
