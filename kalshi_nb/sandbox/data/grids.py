"""Price grids: every ``price_level_structure`` the sandbox knows, its ``price_ranges``, and the one price check.

Prices inside the sandbox are integer pips ($0.0001). A structure's ``price_ranges`` (openapi.yaml
``PriceRange``: ``start``, ``end``, ``step`` dollar strings) is what a market carries; a price is tradable
when it lies strictly between $0 and $1 and on the ``step`` of a band containing it. The check reads the
market's own ``price_ranges``, never the structure's name (changelog 2026-08-13: "snap order and RFQ quote
prices to the step of the band containing the price"), so a market whose grid changes while it trades is
checked by its new bands at once.

Example:
    >>> bands = bands_of(PRICE_RANGES["tapered_deci_cent"])
    >>> on_bands(550, bands), on_bands(5500, bands), on_bands(5550, bands)
    (True, True, False)
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from ..money import PIP

Band = tuple[int, int, int]  # (start, end, step) in pips


def _ranges(*bands: tuple[str, str, str]) -> list[dict[str, str]]:
    return [{"start": s, "end": e, "step": st} for s, e, st in bands]


_WHOLE, _HALF, _QUINT, _DECI, _CENTI = "0.0100", "0.0050", "0.0020", "0.0010", "0.0001"


def _center_edge(center: str, edge: str) -> list[dict[str, str]]:
    """A ``center_*_edge_*_cent`` grid: the edge step below $0.10 and above $0.90, the centre step between
    (kalshi-api.md 2nd ed. §D: "edge bands $0-0.10 and $0.90-1.00")."""
    return _ranges(("0.0000", "0.1000", edge), ("0.1000", "0.9000", center), ("0.9000", "1.0000", edge))


# Every structure of the AsyncAPI ``lifecyclePriceLevelStructure`` enum (the empty "unknown" aside).
PRICE_RANGES: dict[str, list[dict[str, str]]] = {
    "linear_cent": _ranges(("0.0000", "1.0000", _WHOLE)),
    "deci_cent": _ranges(("0.0000", "1.0000", _DECI)),
    "tapered_deci_cent": _center_edge(_WHOLE, _DECI),
    "center_whole_edge_half_cent": _center_edge(_WHOLE, _HALF),
    "center_whole_edge_quint_cent": _center_edge(_WHOLE, _QUINT),
    "center_half_edge_half_cent": _center_edge(_HALF, _HALF),
    "center_half_edge_quint_cent": _center_edge(_HALF, _QUINT),
    "center_half_edge_deci_cent": _center_edge(_HALF, _DECI),
    "center_quint_edge_quint_cent": _center_edge(_QUINT, _QUINT),
    "center_quint_edge_deci_cent": _center_edge(_QUINT, _DECI),
    # $0.0001 ticks below $0.01 and above $0.99, $0.001 between (changelog 2026-08-13).
    "center_deci_edge_centi_cent": _ranges(
        ("0.0000", "0.0100", _CENTI), ("0.0100", "0.9900", _DECI), ("0.9900", "1.0000", _CENTI)
    ),
    # Uniform $0.0001 (kalshi-api.md 2nd ed. §D).
    "center_centi_edge_centi_cent": _ranges(("0.0000", "1.0000", _CENTI)),
    # Only the name is known (AsyncAPI enum); these bands are the sandbox's choice (DESIGN.md: UNCONFIRMED).
    "banded_centi_cent": _ranges(
        ("0.0000", "0.0100", _CENTI),
        ("0.0100", "0.1000", _DECI),
        ("0.1000", "0.9000", _WHOLE),
        ("0.9000", "0.9900", _DECI),
        ("0.9900", "1.0000", _CENTI),
    ),
}

CENTER_STRUCTURES = tuple(name for name in PRICE_RANGES if name.startswith("center_") and "centi" not in name)


def _dollars(pips: int) -> str:
    return f"{pips // PIP}.{pips % PIP:04d}"


def _pips(text: str) -> int:
    return int(Decimal(text) * PIP)


_BANDS: dict[tuple[tuple[str, str, str], ...], tuple[Band, ...]] = {}


def bands_of(price_ranges: Sequence[dict]) -> tuple[Band, ...]:
    """A market's ``price_ranges`` as (start, end, step) pips; cached per distinct list of bands.

    Example:
        >>> bands_of([{"start": "0.0000", "end": "1.0000", "step": "0.0100"}])
        ((0, 10000, 100),)
    """
    key = tuple((r["start"], r["end"], r["step"]) for r in price_ranges)
    hit = _BANDS.get(key)
    if hit is None:
        hit = _BANDS[key] = tuple((_pips(s), _pips(e), _pips(st)) for s, e, st in key)
    return hit


def on_bands(pips: int, bands: tuple[Band, ...]) -> bool:
    """True if ``pips`` is strictly inside (0, $1) and on the step of a band containing it (ends included:
    a price on the boundary of two bands is in both).

    Example:
        >>> on_bands(5, bands_of(PRICE_RANGES["center_deci_edge_centi_cent"]))
        True
    """
    if not 0 < pips < PIP:
        return False
    return any(lo <= pips <= hi and (pips - lo) % step == 0 for lo, hi, step in bands)


def price_ok(price: Decimal, price_ranges: Sequence[dict]) -> bool:
    """True if ``price`` (dollars) is a tradable price of a market with these ``price_ranges``.

    Example:
        >>> price_ok(Decimal("0.415"), PRICE_RANGES["deci_cent"]), price_ok(Decimal("0.415"), PRICE_RANGES["linear_cent"])
        (True, False)
    """
    scaled = price * PIP
    if scaled != scaled.to_integral_value():
        return False  # finer than $0.0001: no grid has it
    return on_bands(int(scaled), bands_of(price_ranges))


def grid_pips(price_ranges: Sequence[dict]) -> tuple[int, ...]:
    """Every tradable price of the bands, ascending, in pips (at most 9,999)."""
    out: set[int] = set()
    for lo, hi, step in bands_of(price_ranges):
        out.update(range(lo, hi + 1, step))
    return tuple(sorted(p for p in out if 0 < p < PIP))


# The grids of the named structures as index-addressable tuples (the synthetic quote paths walk them).
GRIDS: dict[str, tuple[int, ...]] = {name: grid_pips(ranges) for name, ranges in PRICE_RANGES.items()}


def check_ranges(raw: object) -> list[dict[str, str]]:
    """Validate custom ``price_ranges`` (the grid control): contiguous bands from $0 to $1, each step a
    positive multiple of $0.0001 that divides its band. Returns them in the wire's 4-decimal form.

    Raises ``ValueError`` with a sentence saying what is wrong.

    Example:
        >>> check_ranges([{"start": "0", "end": "1", "step": "0.005"}])
        [{'start': '0.0000', 'end': '1.0000', 'step': '0.0050'}]
    """
    if not isinstance(raw, list) or not raw or len(raw) > 20:
        raise ValueError("price_ranges must be a list of 1 to 20 bands {start, end, step}")
    out = []
    expect = 0
    for band in raw:
        if not isinstance(band, dict) or set(band) != {"start", "end", "step"}:
            raise ValueError("each band of price_ranges is an object with exactly start, end and step")
        try:
            values = [Decimal(str(band[k])) * PIP for k in ("start", "end", "step")]
        except (InvalidOperation, ValueError):
            raise ValueError(f"band {band!r}: start, end and step must be dollar strings") from None
        if any(not v.is_finite() or v != v.to_integral_value() for v in values):
            raise ValueError(f"band {band!r}: prices go down to $0.0001 and no finer")
        lo, hi, step = (int(v) for v in values)
        if lo != expect or not lo < hi <= PIP or step <= 0 or (hi - lo) % step:
            raise ValueError(
                f"band {band!r}: bands must run from $0 to $1 without gaps, each step dividing its band"
            )
        expect = hi
        out.append({"start": _dollars(lo), "end": _dollars(hi), "step": _dollars(step)})
    if expect != PIP:
        raise ValueError("price_ranges must end at $1")
    return out
