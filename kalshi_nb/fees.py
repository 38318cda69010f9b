"""Kalshi's trading fees: one formula for the preview, the spend cap and the sandbox check.

Per fill, ``ceil_to_cent(coefficient * C * P * (1 - P))`` with C contracts at P dollars (kalshi-api.md
section 7). The coefficient depends on the series' ``fee_type`` and ``fee_multiplier`` (an event may
override both).

Example:
    >>> trading_fee(Decimal(10), Decimal("0.50"), TAKER_COEFFICIENT)
    Decimal('0.18')
    >>> max_fee(Decimal(10), Decimal("0.30"), "bid", TAKER_COEFFICIENT)   # fills at YES <= 0.30
    Decimal('0.15')
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from typing import Any

ZERO = Decimal(0)
ONE = Decimal(1)
CENT = Decimal("0.01")
TICK = Decimal("0.0001")  # the finest price step (and balance precision) Kalshi uses
HALF = Decimal("0.5")

TAKER_COEFFICIENT = Decimal("0.07")
MAKER_COEFFICIENT = Decimal("0.0175")
# openapi.yaml Series.fee_type: the combo variant is "the same maker-fee structure with a 0.5 maker multiplier
# instead of 0.25", i.e. 0.035 (kalshi-api.md, second edition: fees).
MAKER_COEFFICIENTS = {
    "quadratic_with_maker_fees": MAKER_COEFFICIENT,
    "quadratic_with_combo_maker_fees": Decimal("0.035"),
}
MAKER_FEE_TYPES = tuple(MAKER_COEFFICIENTS)
KNOWN_FEE_TYPES = ("quadratic", *MAKER_FEE_TYPES)


def trading_fee(count: Decimal, price: Decimal, coefficient: Decimal) -> Decimal:
    """Kalshi's fee for one fill: ``coefficient * C * P * (1 - P)``, rounded up to the cent.

    In 2026 Kalshi rounds each fill up to $0.0001 and refunds the excess through a per-order accumulator
    (kalshi-api.md section 7), so rounding to the cent per fill is the (slightly high) classic rule; it is
    what the sandbox charges.

    Example:
        >>> trading_fee(Decimal(10), Decimal("0.50"), TAKER_COEFFICIENT)   # 0.175 -> 0.18
        Decimal('0.18')
    """
    if count <= 0 or coefficient == 0:
        return ZERO.quantize(CENT)
    return (coefficient * count * price * (ONE - price)).quantize(CENT, rounding=ROUND_CEILING)


def fee_schedule(series: Mapping[str, Any], event: Mapping[str, Any] | None = None) -> tuple[str, Decimal]:
    """``(fee_type, fee_multiplier)`` for a market: the event's overrides win over its series.

    Example:
        >>> fee_schedule({"fee_type": "quadratic", "fee_multiplier": 1}, {"fee_multiplier_override": 0.5})
        ('quadratic', Decimal('0.5'))
    """
    event = event or {}
    fee_type = event.get("fee_type_override") or series.get("fee_type") or "quadratic"
    raw = event.get("fee_multiplier_override")
    if raw is None:
        raw = series.get("fee_multiplier", 1)
    try:
        multiplier = Decimal(str(raw))
    except InvalidOperation:
        multiplier = ONE
    return str(fee_type), multiplier


def fee_coefficients(fee_type: str, multiplier: Decimal = ONE) -> tuple[Decimal, Decimal]:
    """``(taker, maker)`` coefficients; maker fees only on the maker-fee types.

    ``fee_multiplier`` is read as a multiplier of the standard coefficient (1 = standard); the other
    reading (it *is* the coefficient) is UNCONFIRMED and this one is what the sandbox does.

    Example:
        >>> fee_coefficients("quadratic_with_maker_fees")
        (Decimal('0.07'), Decimal('0.0175'))
        >>> fee_coefficients("quadratic_with_combo_maker_fees")[1]
        Decimal('0.035')
    """
    maker = MAKER_COEFFICIENTS.get(fee_type, ZERO) * multiplier
    return TAKER_COEFFICIENT * multiplier, maker


def max_fee(count: Decimal, yes_price: Decimal, book_side: str, coefficient: Decimal) -> Decimal:
    """The most an order can pay in fees: every contract filled at the costliest price it can fill at.

    A bid at YES ``y`` fills at YES prices up to ``y``, an ask at ``y`` and above; ``P * (1 - P)`` peaks
    at 0.50. Rounded up to the cent as one fill: Kalshi's 2026 per-order fee accumulator (kalshi-api.md
    section 7) rebates per-fill rounding beyond that, so the per-order figure is the bound.

    Example:
        >>> max_fee(Decimal(100), Decimal("0.90"), "bid", TAKER_COEFFICIENT)   # could fill at 0.50
        Decimal('1.75')
    """
    crosses_half = yes_price >= HALF if book_side == "bid" else yes_price <= HALF
    worst = HALF if crosses_half else yes_price
    return trading_fee(count, worst, coefficient)


def worst_case_cost(count: Decimal, yes_price: Decimal, book_side: str, coefficient: Decimal) -> Decimal:
    """Cash an order can take at most: the limit price of the side bought times the count, plus ``max_fee``.

    A bid buys YES at ``y`` or better; an ask buys NO at ``1 - y`` or better (or sells YES held).

    Example:
        >>> worst_case_cost(Decimal(10), Decimal("0.40"), "ask", TAKER_COEFFICIENT)   # 10 NO at 0.60
        Decimal('6.1800')
    """
    price = yes_price if book_side == "bid" else ONE - yes_price
    return (count * price + max_fee(count, yes_price, book_side, coefficient)).quantize(TICK)
