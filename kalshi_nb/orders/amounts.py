"""Money, counts and times as orders read and show them: Decimal parsing, ``$0.45`` formatting, ISO times.

Example:
    >>> from decimal import Decimal
    >>> _usd(Decimal("0.055")), _usd(Decimal("-1.2")), _num(Decimal("10.00"))
    ('$0.055', '-$1.20', '10')
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from ..safety import to_dollars

ZERO = Decimal(0)
ONE = Decimal(1)


_dollars = to_dollars  # one parser for every dollar amount (spend caps, limits): safety.to_dollars


def _dec(value: object) -> Decimal:
    return Decimal(str(value))


def _opt_dec(value: object) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def _levels(raw: Any) -> dict[Decimal, Decimal]:
    """``[[price, count], ...]`` -> {price: count}; order not relied on (kalshi-api.md pitfall 14)."""
    out: dict[Decimal, Decimal] = {}
    for price, count in raw or []:
        p, c = Decimal(str(price)), Decimal(str(count))
        if c > 0:
            out[p] = out.get(p, ZERO) + c
    return out


def _notional(market: Mapping[str, Any]) -> Decimal:
    try:
        return Decimal(str(market.get("notional_value_dollars") or "1"))
    except InvalidOperation:
        return ONE


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _num(value: Decimal) -> str:
    """A Decimal without trailing zeros: 10, 2.5, 0.055."""
    return format(value.normalize(), "f")


def _usd(value: Decimal | None) -> str:
    """Dollars with 2 decimals, or up to 4 when a sub-penny amount needs them: $0.45, $0.055, -$1.20."""
    if value is None:
        return "—"
    sign = "-" if value < 0 else ""
    value = abs(value)
    text = f"{value.quantize(Decimal('0.0001')):,.4f}".rstrip("0")
    whole, _, frac = text.partition(".")
    return f"{sign}${whole}.{frac.ljust(2, '0')}"


def _cents(value: Decimal) -> str:
    return f"{_num((value * 100).quantize(Decimal('0.1')))}¢"


def _pct(value: Decimal) -> str:
    return f"{(value * 100).quantize(Decimal('0.1'))}%"


def _json(body: Mapping[str, Any]) -> str:
    return json.dumps(dict(body), separators=(", ", ": "))
