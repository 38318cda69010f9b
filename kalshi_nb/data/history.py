"""The historical tier: a pull over trades, fills, orders or positions also reads ``/historical/*``.

Kalshi keeps about three months live; older trades and fills (``trades_created_ts``), finished orders
(``orders_updated_ts``) and settled positions (handed over per whole event) move to ``/historical/*``.
Without this a multi-month pull would silently come back short. Each live call gets its historical twin,
run by the same engine after the live ones, so a row present in both tiers (it moved while the pull ran)
appears once, in its most recent version (``paging._latest``).

``include_historical``: ``None`` (the default) decides from the window: the historical tier is read unless
the pull starts at or after the cutoff (one ``GET /historical/cutoff`` to know), and for positions only when
settled positions are asked for; ``True`` always reads it; ``False`` never does.

A live filter the historical endpoint lacks is applied to the rows here instead (``order_id``,
``exchange_index``, an order ``status``, ``count_filter``); asking only for what cannot be historical
(resting orders, unsettled positions) skips the tier.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from ..endpoints import ENDPOINTS
from ..timeargs import optional_unix_seconds, unix_seconds
from .args import _client
from .paging import _checked, _Endpoint, _Query

if TYPE_CHECKING:
    from ..client import KalshiClient

_Keep = Callable[[Mapping[str, Any]], bool]
_SKIP = object()  # a filter value that no historical row can match: the call is not made


def _nonzero(value: Any) -> bool:
    try:
        return Decimal(str(value)) != 0
    except (InvalidOperation, ValueError):
        return False


def _row_filter(name: str, value: Any) -> _Keep | object | None:
    """A predicate standing in for a live filter the historical endpoint lacks; ``_SKIP``: no row can match."""
    if name in ("order_id", "exchange_index"):
        return lambda row: row.get(name) == value
    if name == "status":  # orders: only finished orders are archived
        return _SKIP if value == "resting" else (lambda row: row.get("status") == value)
    if name == "settlement_status":  # positions: only settled ones are archived
        return None if value in ("settled", "all") else _SKIP
    if name == "count_filter":
        wanted = value.split(",") if isinstance(value, str) else list(value)
        fields = {"position": "position_fp", "total_traded": "total_traded_dollars"}
        names = [fields[w] for w in wanted if w in fields]
        return lambda row: any(_nonzero(row.get(f)) for f in names)
    if name == "event_ticker":  # historical orders have no event filter; market tickers extend the event's
        events = value.split(",") if isinstance(value, str) else list(value)
        return lambda row: any(str(row.get("ticker", "")).startswith(f"{e}-") for e in events)
    return _SKIP if value is not None else None


def _twin(query: _Query, tier: _Endpoint) -> list[_Query]:
    """The historical calls standing for one live call (several when a list of tickers must be split)."""
    accepted = ENDPOINTS[tier.name].params
    params: dict[str, Any] = {}
    keeps: list[_Keep] = [query.keep] if query.keep is not None else []
    for name, value in query.params.items():
        if value is None:
            continue
        if name in accepted:
            params[name] = value
            continue
        keep = _row_filter(name, value)
        if keep is _SKIP:
            return []
        if keep is not None:
            keeps.append(keep)  # type: ignore[arg-type]

    def keep_all(row: Mapping[str, Any], tests: tuple[_Keep, ...] = tuple(keeps)) -> bool:
        return all(test(row) for test in tests)

    keep = keep_all if keeps else None
    tickers = params.get("ticker")
    if isinstance(tickers, list | tuple) and len(tickers) > 1:  # historical tickers are one at a time
        return [_Query(tier, {**params, "ticker": t}, keep) for t in tickers]
    if isinstance(tickers, list | tuple):
        params["ticker"] = tickers[0] if tickers else None
    return [_Query(tier, params, keep)]


def _cutoff_seconds(client: KalshiClient, field: str) -> int | None:
    value = client.get_historical_cutoff().get(field)
    try:
        return unix_seconds(value, field) if value else None
    except (TypeError, ValueError):
        return None


def _with_history(
    client: KalshiClient | None,
    live: list[_Query],
    tier: _Endpoint,
    include: Any,
    *,
    cutoff_field: str | None,
    start: Any = None,
) -> tuple[KalshiClient | None, list[_Query]]:
    """The live calls (checked first, so a typo costs no request) and, when needed, their historical twins.

    Returns the client to use (resolved when the cutoff had to be read) and every call, live first.
    """
    if include not in (None, True, False):
        raise TypeError(f"include_historical must be True, False or None (automatic), got {include!r}")
    live = _checked(live)
    if include is False:
        return client, live
    twins = [q for query in live for q in _twin(query, tier)]
    if not twins:
        return client, live
    if include is None and cutoff_field is not None:
        first = optional_unix_seconds(start, "min_ts")
        if first is not None:
            client = _client(client)
            cutoff = _cutoff_seconds(client, cutoff_field)
            if cutoff is not None and first >= cutoff:
                return client, live  # the whole window is live
    return client, live + twins
