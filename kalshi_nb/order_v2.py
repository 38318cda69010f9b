"""The original order interface (side yes/no, action buy/sell, a price in cents) in today's V2 wire format.

Pure functions, no network. V2 (``POST /portfolio/events/orders``, ``kalshi-api.md`` section 5.2) speaks in
the YES book: ``side`` is ``bid`` or ``ask`` and ``price`` is always the YES price, as a dollar string;
``count`` is a fixed-point string.

=============== ============ ====================
original        V2 ``side``  V2 ``price`` (YES)
=============== ============ ====================
buy YES at p    ``bid``      p
buy NO at q     ``ask``      1 - q
sell YES at p   ``ask``      p
sell NO at q    ``bid``      1 - q
=============== ============ ====================

Example:
    >>> body = build_order_body(ticker="KX-1", side="no", action="buy", count=Decimal(3),
    ...                         price=Decimal("0.30"), client_order_id="id-1")
    >>> body["side"], body["price"], body["count"]
    ('ask', '0.7000', '3.00')
"""

from __future__ import annotations

import re
import uuid
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

SIDES = ("yes", "no")
ACTIONS = ("buy", "sell")
TIME_IN_FORCE = {
    "good_till_canceled": "good_till_canceled",
    "gtc": "good_till_canceled",
    "immediate_or_cancel": "immediate_or_cancel",
    "ioc": "immediate_or_cancel",
    "fill_or_kill": "fill_or_kill",
    "fok": "fill_or_kill",
}
SELF_TRADE_PREVENTION = ("taker_at_cross", "maker")

ONE = Decimal(1)
CENT = Decimal("0.01")
COUNT_STEP = Decimal("0.01")  # "the minimum granularity is 0.01 contracts" (SDK-3.34 field docs)
# No documented per-order maximum; UNCONFIRMED. A count this large is a typo (a price typed into the count
# field, an extra zero), and refusing it before anything is sent is the safe side.
MAX_CONTRACTS = Decimal(1_000_000)
MAX_SUBACCOUNT = 63  # 0 primary, 1-63 (kalshi-api.md second edition)

Grid = tuple[tuple[Decimal, Decimal, Decimal], ...]
"""A price grid: its bands as ``(start, end, step)`` in YES dollars (a market's ``price_ranges``)."""

WHOLE_CENT_GRID: Grid = ((Decimal(0), ONE, CENT),)
"""The grid assumed for a market without readable ``price_ranges``: whole cents, the strictest."""

# FIX tag 11 rules, the only documented ones for client order ids (kalshi-api.md section 5.7).
_CLIENT_ORDER_ID = re.compile(r"^[\-\w:+=/]{1,64}$", re.ASCII)


def new_client_order_id() -> str:
    """A fresh uuid4 string, the dedup key Kalshi recommends."""
    return str(uuid.uuid4())


def check_side(side: object) -> str:
    if not isinstance(side, str) or side.lower() not in SIDES:
        raise ValueError(f"side must be 'yes' or 'no', got {side!r}")
    return side.lower()


def check_action(action: object) -> str:
    if not isinstance(action, str) or action.lower() not in ACTIONS:
        raise ValueError(f"action must be 'buy' or 'sell', got {action!r}")
    return action.lower()


def check_time_in_force(tif: object) -> str:
    if not isinstance(tif, str) or tif.lower() not in TIME_IN_FORCE:
        raise ValueError(
            f"time_in_force must be one of good_till_canceled (gtc), immediate_or_cancel (ioc), "
            f"fill_or_kill (fok), got {tif!r}"
        )
    return TIME_IN_FORCE[tif.lower()]


def check_client_order_id(value: object) -> str:
    if not isinstance(value, str) or not _CLIENT_ORDER_ID.match(value):
        raise ValueError(
            f"client_order_id must be 1-64 characters of letters, digits and - _ : + = /, got {value!r}"
        )
    return value


def plain(value: object) -> object:
    """A numpy/pandas scalar as the Python number it holds (values taken from a DataFrame); else unchanged.

    Example:
        >>> import numpy as np
        >>> type(plain(np.int64(3))).__name__, plain("x")
        ('int', 'x')
    """
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        return value.item()
    return value


def _decimal(value: object, name: str) -> Decimal:
    value = plain(value)
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if isinstance(value, float):
        value = repr(value)  # 0.1 -> "0.1", not the binary expansion
    try:
        result = Decimal(value) if isinstance(value, int | str | Decimal) else None
    except InvalidOperation:
        result = None
    if result is None or not result.is_finite():
        raise ValueError(f"{name} must be a number, got {value!r}")
    return result


def parse_count(contracts: object, *, fractional_allowed: bool = True) -> Decimal:
    """Validate a contract count: positive, at most two decimals (fractional trading is universal).

    ``fractional_allowed=False`` asks for whole contracts (for callers that want them; no market needs it).

    Example:
        >>> parse_count("2.50"), parse_count(10)
        (Decimal('2.50'), Decimal('10'))
    """
    count = _decimal(contracts, "contracts")
    if count <= 0:
        raise ValueError(f"contracts must be positive, got {contracts!r}")
    if count > MAX_CONTRACTS:
        raise ValueError(
            f"contracts must be at most {MAX_CONTRACTS:,} per order, got {contracts!r}: "
            "check the count (is it a price or an extra zero?)"
        )
    if count != count.to_integral_value():
        if not fractional_allowed:
            raise ValueError(f"contracts must be a whole number here, got {contracts!r}")
        if count % COUNT_STEP:
            raise ValueError(
                f"contracts must be a multiple of 0.01 (two decimals at most), got {contracts!r}"
            )
    return count


def parse_price(price_cents: object = None, price_dollars: object = None) -> Decimal:
    """The limit price in dollars, for the side being traded, from exactly one of the two arguments.

    ``price_cents`` is an integer 1-99; ``price_dollars`` is a string or Decimal strictly between 0 and 1
    with at most 4 decimals (sub-penny markets).

    Example:
        >>> parse_price(price_cents=40), parse_price(price_dollars="0.055")
        (Decimal('0.40'), Decimal('0.055'))
    """
    if (price_cents is None) == (price_dollars is None):
        raise ValueError("give exactly one of price_cents (1-99) or price_dollars (e.g. '0.4500')")
    price_cents, price_dollars = plain(price_cents), plain(price_dollars)
    if price_cents is not None:
        if isinstance(price_cents, bool) or not isinstance(price_cents, int):
            hint = ""
            if isinstance(price_cents, float | Decimal | str):
                hint = " (for a dollar or sub-penny price use price_dollars='0.0550')"
            raise ValueError(
                f"price_cents must be an integer number of cents 1-99, got {price_cents!r}{hint}"
            )
        if not 1 <= price_cents <= 99:
            raise ValueError(f"price_cents must be between 1 and 99, got {price_cents!r}")
        return Decimal(price_cents) * CENT
    price = _decimal(price_dollars, "price_dollars")
    if not Decimal(0) < price < ONE:
        hint = " (that looks like cents: use price_cents)" if 1 <= price < 100 else ""
        raise ValueError(f"price_dollars must be strictly between 0 and 1, got {price_dollars!r}{hint}")
    exponent = price.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -4:
        raise ValueError(f"price_dollars has more than 4 decimal places: {price_dollars!r}")
    return price


def check_subaccount(value: object) -> int | None:
    """None, or a subaccount number 0-63 (numpy integers accepted).

    Example:
        >>> check_subaccount(0), check_subaccount(None)
        (0, None)
    """
    value = plain(value)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SUBACCOUNT:
        raise ValueError(
            f"subaccount must be an integer 0-{MAX_SUBACCOUNT} (0 is the primary account), got {value!r}"
        )
    return value


def check_expiration(value: object, now: float) -> int | None:
    """None, or an expiration in Unix seconds that lies in the future.

    Example:
        >>> check_expiration(None, 0.0) is None
        True
    """
    value = plain(value)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expiration_time must be Unix seconds (an integer), got {value!r}")
    if value > 10**11:
        raise ValueError(f"expiration_time looks like milliseconds ({value}); give Unix seconds")
    if value <= now:
        raise ValueError(
            f"expiration_time {value} is in the past (now is {int(now)}): give a future Unix time "
            "in seconds, or leave it out for an order that rests until cancelled"
        )
    return value


def check_body(body: dict[str, Any], market: dict[str, Any]) -> None:
    """Check a V2 create-order body against its market, as the one writer does before any send.

    The body must name this market, a book side, a count with at most two decimals (fractional trading is
    universal) and a YES price on the step of its band in the market's ``price_ranges``.
    """
    ticker = body.get("ticker")
    if ticker != market.get("ticker"):
        raise ValueError(f"the order is for {ticker!r} but the market given is {market.get('ticker')!r}")
    if body.get("side") not in ("bid", "ask"):
        raise ValueError(f"the order's book side must be 'bid' or 'ask', got {body.get('side')!r}")
    parse_count(body.get("count"), fractional_allowed=True)
    price = _decimal(body.get("price"), "price")
    grid = price_grid(market)
    if not Decimal(0) < price < ONE or not on_grid(price, grid):
        raise ValueError(f"YES price {price} is not on {ticker}'s price grid: {grid_text(grid, price)}")
    check_client_order_id(body.get("client_order_id"))
    check_subaccount(body.get("subaccount"))


def _usd(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    whole, _, frac = text.partition(".")
    return f"${whole}.{frac.ljust(2, '0')}"


def grid_text(grid: Grid, price: Decimal | None = None) -> str:
    """The grid in words; with ``price``, the band that holds it and the nearest prices on its step.

    Example:
        >>> grid = price_grid({"price_ranges": [{"start": "0", "end": "0.10", "step": "0.001"},
        ...                                     {"start": "0.10", "end": "1", "step": "0.01"}]})
        >>> grid_text(grid)
        '$0.00-$0.10 in steps of $0.001, $0.10-$1.00 in steps of $0.01'
        >>> grid_text(grid, Decimal("0.555"))
        'between $0.10 and $1.00 prices move in steps of $0.01 (nearest: $0.55 or $0.56)'
    """
    if price is None:
        return ", ".join(f"{_usd(a)}-{_usd(b)} in steps of {_usd(s)}" for a, b, s in grid)
    band = band_of(price, grid)
    if band is None:
        return f"{_usd(price)} is outside every band ({grid_text(grid)})"
    start, end, step = band
    low, high = snap_price(price, grid, "down"), snap_price(price, grid, "up")
    near = _usd(low) if low == high else f"{_usd(low)} or {_usd(high)}"
    return f"between {_usd(start)} and {_usd(end)} prices move in steps of {_usd(step)} (nearest: {near})"


def book_side(side: str, action: str) -> str:
    """``bid`` for buy YES / sell NO, ``ask`` for sell YES / buy NO."""
    return "bid" if (side == "yes") == (action == "buy") else "ask"


def yes_price(side: str, price: Decimal) -> Decimal:
    """The YES price V2 wants: p for a YES order, 1 - q for a NO order at q."""
    return price if side == "yes" else ONE - price


def price_grid(market: dict[str, Any]) -> Grid:
    """The market's price grid: its ``price_ranges`` as ``(start, end, step)`` Decimals.

    Read from the bands only, never from the ``price_level_structure`` name (Kalshi's rule since the
    ``center_*`` grids: "snap to the step of the band containing the price"), so a new structure or a
    grid changed while the market trades needs no code change. A market without readable bands gets the
    whole-cent grid, the strictest (an unknown market never takes a sub-penny price by accident).
    """
    ranges = market.get("price_ranges")
    if isinstance(ranges, list) and ranges:
        try:
            grid = tuple(
                (Decimal(str(r["start"])), Decimal(str(r["end"])), Decimal(str(r["step"]))) for r in ranges
            )
        except (KeyError, TypeError, InvalidOperation):
            return WHOLE_CENT_GRID
        if all(step > 0 and start < end for start, end, step in grid):
            return tuple(sorted(grid))
    return WHOLE_CENT_GRID


def band_of(price: Decimal, grid: Grid) -> tuple[Decimal, Decimal, Decimal] | None:
    """The band holding ``price`` (ends included); at a boundary two bands share, the finer one.

    Example:
        >>> band_of(Decimal("0.10"), ((Decimal(0), Decimal("0.10"), Decimal("0.001")),
        ...                            (Decimal("0.10"), Decimal(1), Decimal("0.01"))))[2]
        Decimal('0.001')
    """
    bands = [b for b in grid if b[0] <= price <= b[1]]
    return min(bands, key=lambda b: b[2]) if bands else None


def on_grid(price: Decimal, grid: Grid) -> bool:
    """True if ``price`` is on the step of a band that holds it (ends included).

    Example:
        >>> tapered = ((Decimal(0), Decimal("0.10"), Decimal("0.001")),
        ...            (Decimal("0.10"), Decimal("0.90"), CENT), (Decimal("0.90"), ONE, Decimal("0.001")))
        >>> on_grid(Decimal("0.055"), tapered), on_grid(Decimal("0.555"), tapered)
        (True, False)
    """
    return any(start <= price <= end and (price - start) % step == 0 for start, end, step in grid)


def snap_price(price: object, grid: Grid, direction: str = "nearest") -> Decimal:
    """``price`` (YES dollars) moved onto the step of its band: ``"down"``, ``"up"`` or ``"nearest"``.

    The result stays strictly between 0 and 1 (an order at $0 or $1 is not a price).

    Example:
        >>> g = ((Decimal(0), Decimal("0.01"), Decimal("0.0001")), (Decimal("0.01"), Decimal("0.99"), CENT),
        ...      (Decimal("0.99"), ONE, Decimal("0.0001")))
        >>> snap_price("0.4567", g), snap_price("0.4567", g, "down"), snap_price("0.00456", g, "up")
        (Decimal('0.46'), Decimal('0.45'), Decimal('0.0046'))
    """
    if direction not in ("nearest", "down", "up"):
        raise ValueError(f"direction must be 'nearest', 'down' or 'up', got {direction!r}")
    value = _decimal(price, "price")
    value = min(max(value, Decimal(0)), ONE)
    band = band_of(value, grid)
    if band is None:  # outside the grid: the nearest end of the nearest band
        band = min(grid, key=lambda b: min(abs(value - b[0]), abs(value - b[1])))
        value = min(max(value, band[0]), band[1])
    start, end, step = band
    steps = (value - start) / step
    down = start + step * steps.to_integral_value(rounding=ROUND_FLOOR)
    up = min(end, down if down == value else down + step)
    if direction == "down":
        snapped = down
    elif direction == "up":
        snapped = up
    else:
        snapped = down if value - down < up - value else up
    if snapped <= 0:
        snapped = start + step
    elif snapped >= ONE:
        snapped = end - step
    return snapped.normalize() if snapped == snapped.to_integral_value() else snapped


def format_count(count: Decimal) -> str:
    return f"{count.quantize(COUNT_STEP)}"


def format_price(price: Decimal) -> str:
    return f"{price.quantize(Decimal('0.0001'))}"


def build_order_body(
    *,
    ticker: str,
    side: str,
    action: str,
    count: Decimal,
    price: Decimal,
    client_order_id: str,
    time_in_force: str = "good_till_canceled",
    self_trade_prevention_type: str = "taker_at_cross",
    post_only: bool = False,
    reduce_only: bool | None = None,
    expiration_time: int | None = None,
    subaccount: int | None = None,
    order_group_id: str | None = None,
    cancel_order_on_pause: bool | None = None,
) -> dict[str, Any]:
    """The V2 create-order body for already-validated values; optional fields left unset are omitted.

    ``price`` is the price of ``side`` (YES p or NO q); the body carries the YES price.
    """
    body: dict[str, Any] = {
        "ticker": ticker,
        "client_order_id": client_order_id,
        "side": book_side(side, action),
        "count": format_count(count),
        "price": format_price(yes_price(side, price)),
        "time_in_force": time_in_force,
        "self_trade_prevention_type": self_trade_prevention_type,
    }
    optional = {
        "post_only": True if post_only else None,
        "reduce_only": reduce_only,
        "expiration_time": expiration_time,
        "subaccount": subaccount,
        "order_group_id": order_group_id,
        "cancel_order_on_pause": cancel_order_on_pause,
    }
    body.update({k: v for k, v in optional.items() if v is not None})
    return body


def status_from_receipt(receipt: dict[str, Any], time_in_force: str) -> str:
    """An Order-style status from a create-order receipt.

    ``executed`` when nothing remains and something filled; ``resting`` when a GTC order has a remainder;
    ``canceled`` otherwise (an IOC/FOK remainder is killed).

    Example:
        >>> status_from_receipt({"fill_count": "2.00", "remaining_count": "3.00"}, "good_till_canceled")
        'resting'
    """
    filled = _decimal(receipt.get("fill_count") or "0", "fill_count")
    remaining = _decimal(receipt.get("remaining_count") or "0", "remaining_count")
    if remaining == 0 and filled > 0:
        return "executed"
    if time_in_force == "good_till_canceled" and remaining > 0:
        return "resting"
    return "canceled"


def matches_order(order: dict[str, Any], body: dict[str, Any]) -> bool:
    """True if an Order object (``GET /portfolio/orders``) is the order ``body`` describes."""
    try:
        return (
            order.get("client_order_id") == body["client_order_id"]
            and order.get("ticker") == body["ticker"]
            and order.get("book_side", body["side"]) == body["side"]
            and Decimal(str(order["yes_price_dollars"])) == Decimal(body["price"])
            and Decimal(str(order["initial_count_fp"])) == Decimal(body["count"])
        )
    except (KeyError, InvalidOperation):
        return False
