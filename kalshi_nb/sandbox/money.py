"""Prices and counts at the edges: parsing a request's fixed-point strings, the price grids, and the wire
strings of integer pips ($0.0001) and hundredths of a contract. Floats never touch money.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


def parse_decimal(raw: object, field: str, *, max_places: int) -> Decimal:
    """Parse a request's fixed-point string (or int) strictly; raise ``ValueError`` naming the field."""
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise ValueError(f'{field} must be a fixed-point string such as "0.5600", got {type(raw).__name__}')
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValueError(f"{field} is not a number: {raw!r}") from None
    if not value.is_finite():
        raise ValueError(f"{field} must be finite, got {raw!r}")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > max_places:
        raise ValueError(f"{field} accepts at most {max_places} decimal places, got {raw!r}")
    return value


# --- price grids -----------------------------------------------------------------------------------
# Prices inside the sandbox's hot paths are integers in units of $0.0001 ("pips"), so a grid is a tuple
# of ints and its wire strings are computed once. The three structures are those of DOC-subpenny.

PIP = 10_000  # pips per dollar

PRICE_RANGES: dict[str, list[dict[str, str]]] = {
    "linear_cent": [{"start": "0.0000", "end": "1.0000", "step": "0.0100"}],
    "deci_cent": [{"start": "0.0000", "end": "1.0000", "step": "0.0010"}],
    "tapered_deci_cent": [
        {"start": "0.0000", "end": "0.1000", "step": "0.0010"},
        {"start": "0.1000", "end": "0.9000", "step": "0.0100"},
        {"start": "0.9000", "end": "1.0000", "step": "0.0010"},
    ],
}


def _grid(structure: str) -> tuple[int, ...]:
    pips: set[int] = set()
    for rng in PRICE_RANGES[structure]:
        start, end, step = (int(Decimal(rng[k]) * PIP) for k in ("start", "end", "step"))
        pips.update(range(start, end + 1, step))
    # 0 and 1 dollar are not tradable prices: a contract at $0 or $1 has no counterparty.
    return tuple(sorted(p for p in pips if 0 < p < PIP))


GRIDS: dict[str, tuple[int, ...]] = {name: _grid(name) for name in PRICE_RANGES}
GRID_SETS: dict[str, frozenset[int]] = {name: frozenset(grid) for name, grid in GRIDS.items()}


_PIP_STRS = tuple(f"{p // PIP}.{p % PIP:04d}" for p in range(PIP + 1))


def pip_str(pips: int) -> str:
    """Format a price given in $0.0001 units: ``4500 -> "0.4500"``, ``10000 -> "1.0000"``."""
    return _PIP_STRS[pips] if 0 <= pips <= PIP else f"{pips // PIP}.{abs(pips) % PIP:04d}"


def count_str(hundredths: int) -> str:
    """Format a count given in hundredths of a contract: ``1050 -> "10.50"``."""
    sign = "-" if hundredths < 0 else ""
    hundredths = abs(hundredths)
    return f"{sign}{hundredths // 100}.{hundredths % 100:02d}"


def on_grid(price: Decimal, structure: str) -> bool:
    """True if ``price`` (dollars) is a tradable price of the market's price level structure.

    Example:
        >>> on_grid(Decimal("0.415"), "deci_cent"), on_grid(Decimal("0.415"), "linear_cent")
        (True, False)
    """
    scaled = price * PIP
    if scaled != scaled.to_integral_value():
        return False
    return int(scaled) in GRID_SETS[structure]
