"""Prices and counts at the edges: parsing a request's fixed-point strings and the wire strings of integer
pips ($0.0001) and hundredths of a contract. Floats never touch money. (The price grids: ``data.grids``.)
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import lru_cache


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


# Prices inside the sandbox's hot paths are integers in units of $0.0001 ("pips"), so their wire strings
# are computed once.

PIP = 10_000  # pips per dollar


@lru_cache(maxsize=PIP + 1)
def pip_str(pips: int) -> str:
    """Format a price given in $0.0001 units: ``4500 -> "0.4500"``, ``10000 -> "1.0000"``.

    Cached (room for every price from $0 to $1), as a table of all 10,001 would be, without the 5 ms such
    a table cost at import, before the first frame of a notebook.
    """
    return f"{pips // PIP}.{abs(pips) % PIP:04d}"


@lru_cache(maxsize=1 << 16)
def count_str(hundredths: int) -> str:
    """Format a count given in hundredths of a contract: ``1050 -> "10.50"``.

    Cached: a large universe repeats a few thousand volumes and sizes hundreds of thousands of times, and
    the records then share one string per value (about 100 bytes a market at 200,000) instead of each its
    own copy.
    """
    sign = "-" if hundredths < 0 else ""
    hundredths = abs(hundredths)
    return f"{sign}{hundredths // 100}.{hundredths % 100:02d}"
