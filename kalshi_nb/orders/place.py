"""Placing a previewed order (the only way to place one here), cancelling and listing resting orders.

``place_order(preview, confirm=True)`` sends the preview's exact body through the client's one guarded
writer (``client.submit_order``: production opt-in, spend cap, journal, no blind re-send), and the same
preview placed twice is one order.

Example:
    >>> import kalshi_nb
    >>> client = kalshi_nb.connect("sandbox")
    >>> preview = kalshi_nb.preview_order("KXFEDDECISION-26DEC-H0", "yes", "buy", 1, "0.02", client=client)
    >>> placed = place_order(preview, confirm=True)
    >>> place_order(preview, confirm=True) is placed      # one order, not two
    True
    >>> placed.status, len(open_orders_df(client=client))
    ('resting', 1)
    >>> cancel_order(placed)["reduced_by"]
    '1.00'
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .. import order_v2
from ..errors import StalePreviewError
from .amounts import ONE, _dec, _dollars, _num, _opt_dec
from .preview import OrderPreview
from .render import render_receipt_html
from .request import client_or_default
from .session import placed_orders

if TYPE_CHECKING:
    import pandas as pd

    from ..client import KalshiClient

log = logging.getLogger("kalshi_nb.orders")

PREVIEW_MAX_AGE = 300.0  # seconds: an older preview describes a book that has likely moved


@dataclass(frozen=True, eq=False, repr=False)
class PlacedOrder:
    """The result of ``place_order``: the exchange's receipt, normalised.

    ``status`` is ``resting``, ``executed`` or ``canceled`` at placement time (``refresh()`` reads it again).
    ``average_fill_price`` is in YES terms, as the exchange reports it.
    """

    preview: OrderPreview
    order_id: str
    client_order_id: str
    ticker: str
    status: str
    fill_count: Decimal
    remaining_count: Decimal
    average_fill_price: Decimal | None
    average_fee_paid: Decimal | None
    reconciled: bool
    receipt: Mapping[str, Any]
    placed_at: datetime
    placed_ts: float = field(default_factory=time.time)

    @property
    def is_resting(self) -> bool:
        return self.status == "resting"

    @property
    def client(self) -> Any:
        return self.preview.client

    def refresh(self) -> dict:
        """``GET /portfolio/orders/{order_id}``: the order as it is now."""
        return self.client.get_order(self.order_id)["order"]

    def cancel(self) -> dict:
        """Cancel the resting remainder (``cancel_order(self)``)."""
        return cancel_order(self)

    def __repr__(self) -> str:
        return (
            f"<PlacedOrder {self.preview.env_label} {self.ticker} {self.order_id} {self.status}: "
            f"filled {_num(self.fill_count)}, resting {_num(self.remaining_count)}>"
        )

    def _repr_html_(self) -> str:
        return render_receipt_html(self)


def place_order(
    preview: OrderPreview,
    *,
    confirm: bool = False,
    spend_cap: object = None,
    max_age: float | None = PREVIEW_MAX_AGE,
) -> PlacedOrder:
    """Place a previewed order through the client's one guarded writer.

    - It takes an ``OrderPreview`` (from ``preview_order``) and nothing else, and ``confirm=True``.
    - The same preview placed twice (a re-run cell, a double click, two threads, a restarted kernel with
      the same id) is one order: the order journal finds the first and nothing more is sent.
    - Production needs ``enable_live_trading()`` (for this client or the session) first.
    - An order whose worst case (limit x count + the largest fee) is above the spend cap is refused.
    - A preview older than ``max_age`` seconds is refused (preview again; None turns the check off).

    Example:
        >>> import kalshi_nb
        >>> client = kalshi_nb.connect("sandbox")
        >>> placed = place_order(kalshi_nb.preview_order("KXFEDDECISION-26DEC-H0", "yes", "buy", 1, "0.02"),
        ...                      confirm=True)
        >>> placed.status
        'resting'
    """
    if not isinstance(preview, OrderPreview):
        raise TypeError(
            "place_order accepts only a preview from preview_order(...): nothing is placed that "
            f"was not previewed (got {type(preview).__name__})"
        )
    if confirm is not True:
        raise ValueError("place_order needs confirm=True: read the preview, then confirm")
    earlier = placed_orders.first(preview.api_base, preview.client_order_id)
    if earlier is not None:
        log.info(
            "order %s was already placed from this preview; returning that result, nothing sent",
            earlier.order_id,
        )
        return earlier
    if max_age is not None and preview.age > max_age:
        raise StalePreviewError(
            f"refusing: this preview is {int(preview.age)} s old (limit {int(max_age)} s) and the book has "
            "likely moved; preview again. Nothing was sent"
        )
    client = preview.client
    cap = preview.spend_cap if spend_cap is None else _dollars(spend_cap, "spend_cap")
    req = preview.request
    order, reconciled = client.submit_order(
        dict(preview.body),
        market=dict(req.market),
        taker_coefficient=preview.taker_coefficient,
        spend_cap=cap,
    )
    result = _from_order(preview, order) if reconciled else _from_receipt(preview, order)
    result = placed_orders.add(result)
    log.info(
        "placed order %s on %s (%s): %s", result.order_id, preview.env_label, result.ticker, result.status
    )
    return result


def _from_receipt(preview: OrderPreview, order: Mapping[str, Any]) -> PlacedOrder:
    req = preview.request
    return PlacedOrder(
        preview=preview,
        order_id=str(order["order_id"]),
        client_order_id=str(order.get("client_order_id") or req.client_order_id),
        ticker=req.ticker,
        status=order_v2.status_from_receipt(dict(order), req.time_in_force),
        fill_count=_dec(order.get("fill_count", "0")),
        remaining_count=_dec(order.get("remaining_count", "0")),
        average_fill_price=_opt_dec(order.get("average_fill_price")),
        average_fee_paid=_opt_dec(order.get("average_fee_paid")),
        reconciled=False,
        receipt=dict(order),
        placed_at=datetime.now(timezone.utc),
    )


def _from_order(preview: OrderPreview, order: Mapping[str, Any]) -> PlacedOrder:
    """A ``PlacedOrder`` from an Order object (``GET /portfolio/orders``), found by client_order_id."""
    filled = _dec(order.get("fill_count_fp", "0"))
    cost = _dec(order.get("taker_fill_cost_dollars", "0")) + _dec(order.get("maker_fill_cost_dollars", "0"))
    paid = _dec(order.get("taker_fees_dollars", "0")) + _dec(order.get("maker_fees_dollars", "0"))
    average = None
    if filled:
        average = cost / filled if order.get("book_side", "bid") == "bid" else ONE - cost / filled
    return PlacedOrder(
        preview=preview,
        order_id=str(order["order_id"]),
        client_order_id=str(order.get("client_order_id")),
        ticker=str(order.get("ticker", preview.ticker)),
        status=str(order.get("status")),
        fill_count=filled,
        remaining_count=_dec(order.get("remaining_count_fp", "0")),
        average_fill_price=average,
        average_fee_paid=paid / filled if filled else None,
        reconciled=True,
        receipt=dict(order),
        placed_at=datetime.now(timezone.utc),
    )


# --- cancelling and listing ----------------------------------------------------------------------------


def cancel_order(order: PlacedOrder | Mapping[str, Any] | str, *, client: KalshiClient | None = None) -> dict:
    """Cancel a resting order: a ``PlacedOrder``, an Order object, or an order id.

    Returns the exchange's answer ``{"order_id", "reduced_by", ...}``. Canceling is a write too, but it
    can only reduce what is at risk, so it needs no preview and is allowed on production.

    Example:
        >>> import kalshi_nb
        >>> client = kalshi_nb.connect("sandbox")
        >>> placed = place_order(kalshi_nb.preview_order("KXFEDDECISION-26DEC-H0", "yes", "buy", 3, "0.02"),
        ...                      confirm=True)
        >>> cancel_order(placed)["reduced_by"]
        '3.00'
    """
    if isinstance(order, PlacedOrder):
        return (client or order.client).cancel_order(order.order_id, ticker=order.ticker)
    client = client_or_default(client)
    if isinstance(order, Mapping):
        return client.cancel_order(order.get("order_id"), ticker=order.get("ticker"))  # type: ignore[arg-type]
    if isinstance(order, str) and order:
        return client.cancel_order(order)
    raise TypeError(f"cancel_order takes a PlacedOrder, an order dict or an order id, got {order!r}")


def open_orders_df(ticker: str | None = None, *, client: KalshiClient | None = None) -> pd.DataFrame:
    """The account's resting orders as a DataFrame (``frames.orders_frame`` columns; empty but typed if none).

    Example:
        >>> import kalshi_nb
        >>> client = kalshi_nb.connect("sandbox")
        >>> open_orders_df().empty               # a new sandbox account has no resting orders
        True
    """
    from ..frames import orders_frame

    client = client_or_default(client)
    return orders_frame(list(client.paginate("get_orders", ticker=ticker, status="resting", limit=1000)))
