"""Reading the ticket's count and price fields as they are typed: a value, what it reads as, or one sentence.

The limit is the price of the outcome named ("YES price" / "NO price"). It is read unambiguously:

- cents: a whole or decimal number from 1 up (``45``, ``4.5``), or any number with ``c`` / ``¢`` (``45c``,
  ``45¢``, ``0.5¢``);
- dollars: a number below 1 (``0.45``, ``.45``), or any number with ``$`` (``$0.45``);
- refused, with a sentence: both units at once (``$45c``), a comma (``0,45``), anything at or above $1, and
  a price off the market's grid (sub-cent prices only where the grid allows them).

Example:
    >>> read_price("45c").dollars, read_price("$0.45").reading, read_price("45").reading
    (Decimal('0.45'), '= 45¢ = $0.45', '= 45¢ = $0.45')
    >>> read_price("$45").error
    'A price is below $1 (a contract pays $1 at most): type 45¢ or $0.45.'
    >>> read_count("2.5").count, read_count("lots").error
    (Decimal('2.5'), 'Contracts must be a number, such as 3 or 2.5.')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from .. import order_v2
from ..display.timefmt import format_cents, format_usd

__all__ = ["CountReading", "PriceReading", "read_count", "read_price"]

ONE = Decimal(1)
CENT = Decimal("0.01")
_NUMBER = re.compile(r"^(?:\d+(?:\.\d*)?|\.\d+)$")


@dataclass(frozen=True)
class PriceReading:
    """``dollars`` (of the outcome named) and its reading, or ``error`` (one sentence); ``empty`` if blank."""

    dollars: Decimal | None = None
    reading: str = ""
    error: str = ""
    empty: bool = False


@dataclass(frozen=True)
class CountReading:
    count: Decimal | None = None
    error: str = ""


def _reading(dollars: Decimal) -> str:
    return f"= {format_cents(dollars)} = {format_usd(dollars)}"


def _steps(price: Decimal, grid: tuple[tuple[Decimal, Decimal, Decimal], ...]) -> str:
    """Name the grid step around ``price`` and the two nearest prices on it."""
    for start, end, stp in grid:
        if start <= price <= end and stp > 0:
            below = start + ((price - start) // stp) * stp
            above = min(end, below + stp)
            return (
                f"prices here move in steps of {format_cents(stp)}: try {format_cents(below)} or "
                f"{format_cents(above)}"
            )
    return "that price is outside the market's price range"


def read_price(text: str, outcome: str = "yes", market: Mapping[str, Any] | None = None) -> PriceReading:
    """Read a typed limit price for ``outcome``; with ``market``, check it against the market's price grid.

    Example:
        >>> read_price("4.5c").dollars, read_price("0.45").dollars, read_price("").empty
        (Decimal('0.045'), Decimal('0.45'), True)
        >>> read_price("$4.5c").error
        'Type the price once, in cents (45¢) or in dollars ($0.45), not both.'
    """
    raw = (text or "").strip().replace(" ", "")
    if not raw:
        return PriceReading(empty=True, error="Type a limit price, e.g. 45¢ or $0.45.")
    lowered = raw.lower()
    cents_marked = lowered.endswith(("c", "¢", "cents"))
    dollars_marked = lowered.startswith("$") or lowered.endswith("$")
    if cents_marked and dollars_marked:
        return PriceReading(error="Type the price once, in cents (45¢) or in dollars ($0.45), not both.")
    number = lowered.strip("$").removesuffix("cents").rstrip("c¢")
    if "," in number:
        return PriceReading(error="Use a dot for decimals: type 0.45 or 45¢.")
    if not _NUMBER.match(number):
        return PriceReading(error="A price is a number of cents (45¢) or of dollars ($0.45).")
    value = Decimal(number)
    # cents when marked so, or when unmarked and too large to be dollars (no price reaches $1)
    dollars = value / 100 if cents_marked or (not dollars_marked and value >= 1) else value
    if dollars <= 0:
        return PriceReading(error="A price must be above zero: the lowest is 1¢ (less on sub-cent markets).")
    if dollars >= ONE:
        shown = f"{format_cents(value / 100)} or {format_usd(value / 100)}" if value < 100 else "45¢ or $0.45"
        return PriceReading(error=f"A price is below $1 (a contract pays $1 at most): type {shown}.")
    exponent = int(dollars.normalize().as_tuple().exponent)  # finite: the pattern admits digits only
    if exponent < -4:
        return PriceReading(error="Kalshi prices go down to $0.0001 (0.01¢) at the finest: round the price.")
    dollars = dollars.normalize() if exponent < -2 else dollars.quantize(CENT)
    if market is not None:
        grid = order_v2.price_grid(dict(market))
        yes = dollars if outcome == "yes" else ONE - dollars
        if not order_v2.on_grid(yes, grid):
            if outcome == "yes":
                return PriceReading(
                    error=f"{format_cents(dollars)} is not on this market's grid: {_steps(yes, grid)}."
                )
            return PriceReading(
                error=f"{format_cents(dollars)} NO (= {format_cents(yes)} YES) is not on this market's grid: "
                f"{_steps(yes, grid)} YES."
            )
    return PriceReading(dollars=dollars, reading=_reading(dollars))


def read_count(text: str, market: Mapping[str, Any] | None = None) -> CountReading:
    """Read a typed contract count: a positive number, in steps of 0.01 where the market allows fractions.

    Example:
        >>> read_count("3").count, read_count("0").error
        (Decimal('3'), 'Contracts must be more than zero.')
    """
    raw = (text or "").strip().replace(",", "").replace("_", "")
    if not raw:
        return CountReading(error="Type how many contracts, such as 3.")
    try:
        count = Decimal(raw)
    except InvalidOperation:
        return CountReading(error="Contracts must be a number, such as 3 or 2.5.")
    if not count.is_finite():
        return CountReading(error="Contracts must be a number, such as 3 or 2.5.")
    if count <= 0:
        return CountReading(error="Contracts must be more than zero.")
    if count > order_v2.MAX_CONTRACTS:
        return CountReading(error=f"At most {order_v2.MAX_CONTRACTS:,} contracts per order: check the count.")
    # Fractional trading is universal (2026-04-17): only the 0.01 step limits a count.
    if count % order_v2.COUNT_STEP:
        return CountReading(error="Contracts go in steps of 0.01: round the count (e.g. 2.55).")
    return CountReading(
        count=Decimal(int(count)) if count == count.to_integral_value() else count.normalize()
    )
