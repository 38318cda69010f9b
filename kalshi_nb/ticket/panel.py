"""The ticket's orders panel: the account's resting orders in the chosen market and the position there.

Each order is one row (``kalshi-order-row``) with **Cancel** (``kalshi-order-cancel``) and **Amend**
(``kalshi-order-amend``: a new limit price and total count, sent through ``client.amend_order``, which is
guarded like a new order). The panel reads again after every action and on ``refresh()``; errors are one
sentence in its message line. Orders placed by the ticket are marked "this ticket".

Example:
    >>> import kalshi_nb
    >>> panel = OrdersPanel(kalshi_nb.connect("sandbox"))
    >>> panel.show("KXFEDDECISION-26DEC-H0")       # reads orders and the position    # doctest: +SKIP
    >>> [row.order_id for row in panel.rows]       # doctest: +SKIP
    []
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .. import safety
from ..display.position import position_html
from ..display.timefmt import format_cents, format_count, format_time, format_usd
from .fields import read_count, read_price
from .messages import sentence

if TYPE_CHECKING:
    from ..client import KalshiClient

log = logging.getLogger("kalshi_nb.ticket")

__all__ = ["OrderRow", "OrdersPanel", "describe_order"]

_NO_MATH = "mathjax_ignore tex2jax_ignore"


def _dec(value: object) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else "0"))
    except ArithmeticError:
        return Decimal(0)


def describe_order(order: Mapping[str, Any]) -> str:
    """``buy 3 YES @ 60¢ ($0.60) · 0 of 3 filled · placed Nov 25 08:00 ET``.

    Example:
        >>> describe_order({"side": "yes", "action": "buy", "yes_price_dollars": "0.6000",
        ...                 "fill_count_fp": "1.00", "remaining_count_fp": "2.00", "created_time": None})
        'buy 2 YES @ 60¢ ($0.60) · 1 of 3 filled'
    """
    side = str(order.get("side") or "yes").lower()
    price = order.get(f"{side}_price_dollars") or order.get("yes_price_dollars")
    filled, left = _dec(order.get("fill_count_fp")), _dec(order.get("remaining_count_fp"))
    text = (
        f"{order.get('action', '?')} {format_count(left)} {side.upper()} @ {format_cents(price)} "
        f"({format_usd(price)}) · {format_count(filled)} of {format_count(filled + left)} filled"
    )
    if order.get("created_time"):
        text += f" · placed {format_time(order.get('created_time'))}"
    return text


class OrderRow:
    """One resting order: its description, Cancel, Amend, and the amend editor (hidden until Amend)."""

    def __init__(self, panel: OrdersPanel, order: Mapping[str, Any], mine: bool) -> None:
        import ipywidgets as W

        self.order = dict(order)
        self.order_id = str(order["order_id"])
        self.side = str(order.get("side") or "yes").lower()
        self.text = W.HTML(
            f'<span class="{_NO_MATH}" style="font-size:12px">{html.escape(describe_order(order))}'
            + (" · <b>this ticket</b>" if mine else "")
            + "</span>"
        )
        self.cancel_button = W.Button(description="Cancel", icon="times", layout=W.Layout(width="auto"))
        self.amend_button = W.Button(description="Amend", icon="pencil", layout=W.Layout(width="auto"))
        self.cancel_button.add_class("kalshi-order-cancel")
        self.amend_button.add_class("kalshi-order-amend")
        price = order.get(f"{self.side}_price_dollars") or order.get("yes_price_dollars") or ""
        total = _dec(order.get("fill_count_fp")) + _dec(order.get("remaining_count_fp"))
        style = {"description_width": "initial"}
        self.price = W.Text(
            value=format_cents(price) if price else "",
            description=f"{self.side.upper()} price",
            style=style,
            layout=W.Layout(width="170px"),
        )
        self.count = W.Text(
            value=format_count(total).replace(",", ""),
            description="Total contracts",
            tooltip="The new total: filled plus resting",
            style=style,
            layout=W.Layout(width="190px"),
        )
        self.confirm = W.Checkbox(value=False, indent=False, description="I confirm this REAL amend")
        self.confirm.layout.display = None if safety.is_production(panel.client) else "none"
        self.send_button = W.Button(description="Send amend", icon="paper-plane", button_style="warning")
        self.back_button = W.Button(description="Back", layout=W.Layout(width="auto"))
        self.editor = W.HBox(
            [self.price, self.count, self.confirm, self.send_button, self.back_button],
            layout=W.Layout(display="none", flex_flow="row wrap", align_items="center"),
        )
        self.editor.add_class("kalshi-order-amend-editor")
        head = W.HBox(
            [self.text, self.cancel_button, self.amend_button],
            layout=W.Layout(flex_flow="row wrap", align_items="center"),
        )
        self.widget = W.VBox([head, self.editor])
        self.widget.add_class("kalshi-order-row")
        self.cancel_button.on_click(lambda _b: panel.cancel(self.order_id))
        self.amend_button.on_click(lambda _b: self.open_editor())
        self.back_button.on_click(lambda _b: self.close_editor())
        self.send_button.on_click(
            lambda _b: panel.amend(
                self.order_id, self.price.value, self.count.value, confirm=self.confirm.value
            )
        )

    def open_editor(self) -> None:
        self.editor.layout.display = "flex"

    def close_editor(self) -> None:
        self.editor.layout.display = "none"


class OrdersPanel:
    """Resting orders and the position in one market; Cancel and Amend per order; ``refresh()`` reads again.

    ``on_change(order_id, what)`` is called after a cancel or amend went through (``what`` is "canceled"
    or "amended"), so the ticket can update its receipt. ``mine()`` returns the order ids the ticket
    placed.
    """

    def __init__(
        self,
        client: KalshiClient,
        *,
        on_change: Callable[[str, str], None] | None = None,
        mine: Callable[[], set[str]] | None = None,
    ) -> None:
        import ipywidgets as W

        self.client = client
        self.on_change = on_change
        self.mine = mine or set
        self.ticker = ""
        self.market: Mapping[str, Any] | None = None
        self.orders: list[dict] = []
        self.rows: list[OrderRow] = []
        self.position = W.HTML()
        self.position.add_class("kalshi-ticket-position")
        self.title = W.HTML()
        self.message = W.HTML()
        self.box = W.VBox()
        self.widget = W.VBox([self.title, self.position, self.box, self.message])
        self.widget.add_class("kalshi-ticket-orders")
        self._render_empty()

    # --- reading ------------------------------------------------------------------------------------------
    def show(self, ticker: str, market: Mapping[str, Any] | None = None) -> None:
        """Point the panel at ``ticker`` (and its market record, for the price grid) and read it."""
        self.ticker, self.market = (ticker or "").strip(), market
        self.refresh()

    def refresh(self) -> None:
        """Read the resting orders and the position in the panel's market again (never raises)."""
        self.message.value = ""
        if not self.ticker or self.client.is_read_only:
            self.orders = []
            self._render_empty()
            return
        try:
            orders = list(self.client.paginate("get_orders", ticker=self.ticker, status="resting", limit=200))
            positions = self.client.get_positions(ticker=self.ticker).get("market_positions") or []
        except Exception as exc:  # a notebook panel reports every failure in its own line
            log.debug("orders panel: refresh failed", exc_info=True)
            self._say(sentence(exc, "reading your orders"), "#c62828")
            return
        self.orders = [o for o in orders if o.get("ticker") == self.ticker]
        position = next((p for p in positions if p.get("ticker") == self.ticker), None)
        self.position.value = position_html(
            position or {"ticker": self.ticker, "position_fp": "0"}, self.market
        )
        self._render_rows()

    def _render_empty(self) -> None:
        self.title.value = self._line("Open orders: choose a market to see them.", bold=True)
        self.position.value = ""
        self.rows = []
        self.box.children = ()

    def _render_rows(self) -> None:
        n = len(self.orders)
        self.title.value = self._line(
            f"Open orders in {self.ticker}: " + (f"{n} resting" if n else "none"), bold=True
        )
        for row in self.rows:  # free the old rows' comms
            _close(row.widget)
        mine = self.mine()
        self.rows = [OrderRow(self, o, str(o.get("order_id")) in mine) for o in self.orders]
        self.box.children = tuple(r.widget for r in self.rows)

    def row(self, order_id: str) -> OrderRow:
        """The row showing ``order_id`` (KeyError if it is not resting here)."""
        for r in self.rows:
            if r.order_id == order_id:
                return r
        raise KeyError(order_id)

    # --- writing ------------------------------------------------------------------------------------------
    def cancel(self, order_id: str) -> bool:
        """Cancel ``order_id`` (no confirmation: a cancel only takes risk off); True when it went through."""
        try:
            answer = self.client.cancel_order(order_id, ticker=self.ticker or None)
        except Exception as exc:
            log.debug("orders panel: cancel failed", exc_info=True)
            self.refresh()
            self._say(sentence(exc, "canceling the order"), "#c62828")
            return False
        self.refresh()
        reduced = format_count(answer.get("reduced_by"))
        self._say(f"Order {order_id} canceled: {reduced} contracts taken off the book.", "#6d4c41")
        if self.on_change is not None:
            self.on_change(order_id, "canceled")
        return True

    def amend(self, order_id: str, price_text: str, count_text: str, *, confirm: bool = False) -> bool:
        """Amend ``order_id`` to a new limit (of the order's side) and total count; True when it went through."""
        try:
            row = self.row(order_id)
        except KeyError:
            self._say(
                f"Order {order_id} is no longer resting here: Refresh to see the current orders.", "#c62828"
            )
            return False
        price = read_price(price_text, row.side, self.market)
        count = read_count(count_text, self.market)
        problem = price.error or count.error
        if not problem and safety.is_production(self.client) and not confirm:
            problem = "Tick 'I confirm this REAL amend' to amend an order with real money."
        if problem:
            self._say(problem, "#c62828")
            return False
        try:
            self.client.amend_order(
                order_id,
                ticker=self.ticker,
                side=row.side,
                action=str(row.order.get("action") or "buy"),
                contracts=count.count,
                price_dollars=str(price.dollars),
            )
        except Exception as exc:
            log.debug("orders panel: amend failed", exc_info=True)
            self._say(sentence(exc, "amending the order"), "#c62828")
            return False
        self.refresh()
        self._say(
            f"Order {order_id} amended: {format_count(count.count)} at {format_cents(price.dollars)}.",
            "#1b5e20",
        )
        if self.on_change is not None:
            self.on_change(order_id, "amended")
        return True

    # --- output -------------------------------------------------------------------------------------------
    @staticmethod
    def _line(text: str, *, bold: bool = False) -> str:
        weight = "600" if bold else "400"
        return (
            f'<span class="{_NO_MATH}" style="font-size:12px;font-weight:{weight}">{html.escape(text)}</span>'
        )

    def forget_message(self) -> None:
        """Clear the line about the panel's last action (the form moved on to another order)."""
        self.message.value = ""

    def _say(self, text: str, colour: str) -> None:
        self.message.value = (
            f'<span class="{_NO_MATH}" style="color:{colour};font-size:12px;font-weight:600">'
            f"{html.escape(text)}</span>"
        )

    def close(self) -> None:
        _close(self.widget)


def _close(widget: Any) -> None:
    for child in getattr(widget, "children", ()):
        _close(child)
    widget.close()
