"""The account's lists (credentials needed): positions, fills, orders and settlements.

Fills, orders and positions older than the historical cutoff live in ``/historical/*``; the functions here
read both tiers and keep each row once (``include_historical``, see :mod:`kalshi_nb.data.history`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from .args import _alias, _filters
from .history import _with_history
from .paging import (
    _FILLS,
    _HISTORICAL_FILLS,
    _HISTORICAL_ORDERS,
    _HISTORICAL_POSITIONS,
    _ORDERS,
    _POSITIONS,
    _SETTLEMENTS,
    _Endpoint,
    _iterate,
    _pull,
    _Query,
)

if TYPE_CHECKING:
    import pandas as pd

    from ..client import KalshiClient


def _query(endpoint: _Endpoint, filters: dict[str, Any], **params: Any) -> list[_Query]:
    """The one call of a portfolio list: the named arguments and the other filters (``event=`` or its API
    name ``event_ticker=``), times as Unix seconds, ``None`` dropped."""
    if "event_ticker" in params:
        params["event_ticker"] = _alias(params["event_ticker"], filters, "event", "event_ticker")
    return [_Query(endpoint, _filters({**filters, **params}))]


def _positions(
    client: KalshiClient | None, ticker: Any, event: Any, include: Any, filters: dict[str, Any]
) -> tuple[KalshiClient | None, list[_Query]]:
    # Only settled positions are archived: without settlement_status (the server's default, unsettled)
    # the historical tier has nothing to add, and True adds it only where the filter allows.
    wanted = filters.get("settlement_status") in ("settled", "all")
    live = _query(_POSITIONS, filters, ticker=ticker, event_ticker=event)
    return _with_history(client, live, _HISTORICAL_POSITIONS, include if wanted else False, cutoff_field=None)


def _since(
    live_endpoint: Any, historical: Any, cutoff_field: str
) -> Callable[..., tuple[KalshiClient | None, list[_Query]]]:
    """Queries for a list filtered by ``min_ts`` (fills, orders): the live tier, then the archive before it."""

    def queries(
        client: KalshiClient | None, include: Any, filters: dict[str, Any], **params: Any
    ) -> tuple[KalshiClient | None, list[_Query]]:
        live = _query(live_endpoint, filters, **params)
        start = live[0].params.get("min_ts")
        return _with_history(client, live, historical, include, cutoff_field=cutoff_field, start=start)

    return queries


_fills = _since(_FILLS, _HISTORICAL_FILLS, "trades_created_ts")
_orders = _since(_ORDERS, _HISTORICAL_ORDERS, "orders_updated_ts")


def iter_positions(
    ticker: str | None = None,
    *,
    event: str | None = None,
    client: KalshiClient | None = None,
    max_rows: int | None = None,
    include_historical: bool | None = None,
    **filters: Any,
) -> Iterator[dict]:
    """Yield the account's market positions (``GET /portfolio/positions``), page by page.

    ``filters``: ``settlement_status`` (``unsettled`` by default on the server, ``settled``, ``all``),
    ``count_filter``, ``exchange_index``, ... Settled positions archived per event
    (``/historical/positions``) follow the live ones when ``settlement_status`` is ``settled`` or ``all``
    (``include_historical=False`` leaves them out).

    Example:
        >>> import kalshi_nb
        >>> client = kalshi_nb.connect("sandbox")
        >>> [p["ticker"] for p in iter_positions(client=client)]          # a fresh sandbox account holds none
        []
    """
    client, queries = _positions(client, ticker, event, include_historical, filters)
    return _iterate(client, queries, max_rows)


def positions_df(
    ticker: str | None = None,
    *,
    event: str | None = None,
    client: KalshiClient | None = None,
    max_rows: int | None = None,
    progress: bool | None = None,
    include_historical: bool | None = None,
    **filters: Any,
) -> pd.DataFrame:
    """The account's market positions as a DataFrame (``frames.positions_frame``).

    With ``settlement_status="settled"`` or ``"all"`` the archived positions (``/historical/positions``)
    are included, each market once (``include_historical=False``: live only).

    Example:
        >>> import kalshi_nb
        >>> client = kalshi_nb.connect("sandbox")
        >>> positions_df(client=client)[["ticker", "position_fp", "market_exposure_dollars"]].columns.tolist()
        ['ticker', 'position_fp', 'market_exposure_dollars']
    """
    from ..frames import positions_frame

    client, queries = _positions(client, ticker, event, include_historical, filters)
    return _pull(positions_frame, client, queries, max_rows=max_rows, progress=progress, label="positions")


def iter_fills(
    ticker: str | Iterable[str] | None = None,
    *,
    order_id: str | None = None,
    min_ts: Any = None,
    max_ts: Any = None,
    client: KalshiClient | None = None,
    max_rows: int | None = None,
    include_historical: bool | None = None,
    **filters: Any,
) -> Iterator[dict]:
    """Yield the account's fills (``GET /portfolio/fills``, then ``/historical/fills``), newest first.

    ``include_historical``: see :func:`fills_df`.

    Example:
        >>> import kalshi_nb
        >>> client = kalshi_nb.connect("sandbox")
        >>> sum(1 for _ in iter_fills("KXBTC15M-26NOV251245-45", client=client))
        0
    """
    client, queries = _fills(
        client, include_historical, filters, ticker=ticker, order_id=order_id, min_ts=min_ts, max_ts=max_ts
    )
    return _iterate(client, queries, max_rows)


def fills_df(
    ticker: str | Iterable[str] | None = None,
    *,
    order_id: str | None = None,
    min_ts: Any = None,
    max_ts: Any = None,
    client: KalshiClient | None = None,
    max_rows: int | None = None,
    progress: bool | None = None,
    include_historical: bool | None = None,
    **filters: Any,
) -> pd.DataFrame:
    """The account's fills as a DataFrame (``frames.fills_frame``; ``fee_cost`` in dollars).

    Fills before the cutoff (``trades_created_ts``) come from ``/historical/fills``, each fill once:
    ``include_historical=None`` reads that tier unless ``min_ts`` is at or after the cutoff, ``True``
    always, ``False`` never. ``order_id`` and ``exchange_index`` are applied to historical rows here.

    Example:
        >>> import kalshi_nb, pandas as pd
        >>> client = kalshi_nb.connect("sandbox")
        >>> df = fills_df(min_ts=pd.Timestamp.now(tz="UTC") - pd.Timedelta("1D"), client=client)
        >>> str(df["fee_cost"].dtype), len(df)
        ('float64', 0)
    """
    from ..frames import fills_frame

    client, queries = _fills(
        client, include_historical, filters, ticker=ticker, order_id=order_id, min_ts=min_ts, max_ts=max_ts
    )
    return _pull(fills_frame, client, queries, max_rows=max_rows, progress=progress, label="fills")


def iter_orders(
    ticker: str | None = None,
    *,
    status: str | None = None,
    event: str | Iterable[str] | None = None,
    min_ts: Any = None,
    max_ts: Any = None,
    client: KalshiClient | None = None,
    max_rows: int | None = None,
    include_historical: bool | None = None,
    **filters: Any,
) -> Iterator[dict]:
    """Yield the account's orders (``GET /portfolio/orders``, then ``/historical/orders``); ``status``
    resting, canceled or executed. ``include_historical``: see :func:`orders_df`.

    Example:
        >>> import kalshi_nb
        >>> client = kalshi_nb.connect("sandbox")
        >>> [o["order_id"] for o in iter_orders(status="resting", client=client)]
        []
    """
    client, queries = _orders(
        client,
        include_historical,
        filters,
        ticker=ticker,
        status=status,
        event_ticker=event,
        min_ts=min_ts,
        max_ts=max_ts,
    )
    return _iterate(client, queries, max_rows)


def orders_df(
    ticker: str | None = None,
    *,
    status: str | None = None,
    event: str | Iterable[str] | None = None,
    min_ts: Any = None,
    max_ts: Any = None,
    client: KalshiClient | None = None,
    max_rows: int | None = None,
    progress: bool | None = None,
    include_historical: bool | None = None,
    **filters: Any,
) -> pd.DataFrame:
    """The account's orders as a DataFrame (``frames.orders_frame``).

    Orders canceled or executed before the cutoff (``orders_updated_ts``) come from ``/historical/orders``,
    each order once, in its latest version: ``include_historical=None`` reads that tier unless ``min_ts`` is
    at or after the cutoff or only resting orders are asked for; ``True`` always; ``False`` never.

    Example:
        >>> import kalshi_nb
        >>> client = kalshi_nb.connect("sandbox")
        >>> orders_df(status="resting", client=client)[["ticker", "book_side", "yes_price_dollars"]].shape
        (0, 3)
    """
    from ..frames import orders_frame

    client, queries = _orders(
        client,
        include_historical,
        filters,
        ticker=ticker,
        status=status,
        event_ticker=event,
        min_ts=min_ts,
        max_ts=max_ts,
    )
    return _pull(orders_frame, client, queries, max_rows=max_rows, progress=progress, label="orders")


def iter_settlements(
    ticker: str | None = None,
    *,
    event: str | None = None,
    min_ts: Any = None,
    max_ts: Any = None,
    client: KalshiClient | None = None,
    max_rows: int | None = None,
    **filters: Any,
) -> Iterator[dict]:
    """Yield the account's settlements (``GET /portfolio/settlements``), page by page.

    Example:
        >>> import kalshi_nb
        >>> client = kalshi_nb.connect("sandbox")
        >>> [s["ticker"] for s in iter_settlements(client=client)]
        []
    """
    queries = _query(_SETTLEMENTS, filters, ticker=ticker, event_ticker=event, min_ts=min_ts, max_ts=max_ts)
    return _iterate(client, queries, max_rows)


def settlements_df(
    ticker: str | None = None,
    *,
    event: str | None = None,
    min_ts: Any = None,
    max_ts: Any = None,
    client: KalshiClient | None = None,
    max_rows: int | None = None,
    progress: bool | None = None,
    **filters: Any,
) -> pd.DataFrame:
    """The account's settlements as a DataFrame (``frames.settlements_frame``; revenue in cents and dollars).

    Example:
        >>> import kalshi_nb
        >>> client = kalshi_nb.connect("sandbox")
        >>> settlements_df(client=client)[["ticker", "market_result", "revenue_dollars"]].shape
        (0, 3)
    """
    from ..frames import settlements_frame

    queries = _query(_SETTLEMENTS, filters, ticker=ticker, event_ticker=event, min_ts=min_ts, max_ts=max_ts)
    return _pull(
        settlements_frame, client, queries, max_rows=max_rows, progress=progress, label="settlements"
    )
