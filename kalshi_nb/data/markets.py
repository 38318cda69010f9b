"""Market data: markets (live and historical), events, series, public trades and the order book."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from ..endpoints import check_filters
from .args import _alias, _client, _filters, _flag, _market_filters, _ticker_chunks, _values, _whole
from .history import _with_history
from .paging import (
    _EVENTS,
    _HISTORICAL_MARKETS,
    _HISTORICAL_TRADES,
    _MARKETS,
    _TRADES,
    _checked,
    _iterate,
    _iterate_pages,
    _pull,
    _Query,
)

if TYPE_CHECKING:
    import pandas as pd

    from ..client import KalshiClient


def _market_args(series: Any, event: Any, filters: dict[str, Any]) -> tuple[Any, Any, dict[str, Any]]:
    """``series``/``event`` (or their API names among the filters) and the market filters, as sent."""
    series = _alias(series, filters, "series", "series_ticker")
    event = _alias(event, filters, "event", "event_ticker")
    return series, event, _market_filters(filters)


def _market_queries(
    series: Any, event: Any, status: Any, tickers: Any, filters: dict[str, Any]
) -> list[_Query]:
    combos = itertools.product(
        _values("series", series), _values("event", event), _values("status", status), _ticker_chunks(tickers)
    )
    return [
        _Query(_MARKETS, {"series_ticker": s, "event_ticker": e, "status": st, "tickers": t, **filters})
        for s, e, st, t in combos
    ]


_HISTORICAL_FILTERS = {"mve_filter", "limit"}


def _historical_queries(series: Any, event: Any, tickers: Any, filters: dict[str, Any]) -> list[_Query]:
    """Calls to ``/historical/markets``, whose ``series_ticker``/``event_ticker``/``tickers`` filters are
    mutually exclusive: the broadest one given is sent, the others are applied to the rows here."""
    check_filters("markets", dict.fromkeys(filters), also=_MARKETS.aliases)  # a typo is named as one first
    unsupported = set(filters) - _HISTORICAL_FILTERS
    if unsupported:
        raise ValueError(
            f"/historical/markets takes no {', '.join(sorted(unsupported))} filter; drop it or leave "
            "include_historical off"
        )
    if filters.get("mve_filter") not in (None, "exclude"):
        raise ValueError(
            f"/historical/markets takes mve_filter='exclude' or none, not {filters['mve_filter']!r}; "
            "leave include_historical off to list multivariate markets"
        )
    wanted = (
        None
        if tickers is None
        else {t for chunk in _ticker_chunks(tickers) for t in (chunk or "").split(",")}
    )
    queries = []
    for s, e in itertools.product(_values("series", series), _values("event", event)):
        if s is None and e is None:
            queries += [
                _Query(_HISTORICAL_MARKETS, {"tickers": t, **filters}) for t in _ticker_chunks(tickers)
            ]
            continue
        params = {"series_ticker": s, **filters} if s is not None else {"event_ticker": e, **filters}
        event_check = e if s is not None else None

        def keep(row: Mapping[str, Any], e: str | None = event_check) -> bool:
            return (e is None or row.get("event_ticker") == e) and (
                wanted is None or row.get("ticker") in wanted
            )

        queries.append(
            _Query(_HISTORICAL_MARKETS, params, keep if event_check or wanted is not None else None)
        )
    return queries


def _check_historical_status(status: Any) -> None:
    statuses = _values("status", status)
    if None not in statuses and "settled" not in statuses:
        raise ValueError(
            f"include_historical=True adds settled markets, which status={status!r} excludes; "
            "use status='settled' or status=None"
        )


def iter_markets(
    series: str | Iterable[str] | None = None,
    *,
    event: str | Iterable[str] | None = None,
    status: str | Iterable[str] | None = "open",
    tickers: str | Iterable[str] | None = None,
    client: KalshiClient | None = None,
    max_rows: int | None = None,
    **filters: Any,
) -> Iterator[dict]:
    """Yield Market records (``GET /markets``) page by page, following the cursor.

    ``status`` is ``unopened``, ``open``, ``closed``, ``settled`` or None (all). Multivariate (combo)
    markets are left out unless ``mve_filter="only"`` (just them) or ``mve_filter=None`` (both) is given.
    Other ``filters`` go to the API as they are (``min_close_ts=...``, ``limit=`` the page size).
    Lists are fetched one after another here; :func:`markets_df` fetches them concurrently.

    Example:
        >>> import kalshi_nb
        >>> client = kalshi_nb.connect("sandbox")
        >>> [m["ticker"].split("-")[0] for m in iter_markets("KXBTC15M", max_rows=3, client=client)]
        ['KXBTC15M']
    """
    series, event, filters = _market_args(series, event, filters)
    return _iterate(client, _market_queries(series, event, status, tickers, filters), max_rows)


def iter_historical_markets(
    series: str | Iterable[str] | None = None,
    *,
    event: str | Iterable[str] | None = None,
    tickers: str | Iterable[str] | None = None,
    client: KalshiClient | None = None,
    max_rows: int | None = None,
    **filters: Any,
) -> Iterator[dict]:
    """Yield markets settled before the historical cutoff (``GET /historical/markets``), page by page.

    These markets are no longer listed by ``GET /markets``. Multivariate markets are left out unless
    ``mve_filter`` says otherwise, as in :func:`iter_markets`.

    Example:
        >>> import kalshi_nb
        >>> client = kalshi_nb.connect("sandbox")
        >>> old = list(iter_historical_markets("KXBTC15M", client=client))
        >>> all(m["ticker"].startswith("KXBTC15M-") for m in old)
        True
    """
    series, event, filters = _market_args(series, event, filters)
    return _iterate(client, _historical_queries(series, event, tickers, filters), max_rows)


def markets_df(
    series: str | Iterable[str] | None = None,
    *,
    event: str | Iterable[str] | None = None,
    status: str | Iterable[str] | None = "open",
    tickers: str | Iterable[str] | None = None,
    client: KalshiClient | None = None,
    max_rows: int | None = None,
    progress: bool | None = None,
    include_historical: bool = False,
    **filters: Any,
) -> pd.DataFrame:
    """Every matching market as one typed DataFrame (``frames.markets_frame`` columns).

    Prices are float64 dollars (``yes_bid_dollars``...), counts float64 (``volume_fp``...), times UTC
    datetimes; ``mid_dollars``, ``spread_dollars`` and ``time_to_close`` are derived. ``series``, ``event``,
    ``tickers`` and ``status`` accept lists, fetched concurrently (see the module docstring). Multivariate
    markets are left out unless ``mve_filter="only"`` or ``mve_filter=None``. ``include_historical=True``
    adds the markets settled before the historical cutoff (``/historical/markets``), each market once; it
    needs ``status`` None or ``"settled"``.

    Example:
        >>> import kalshi_nb
        >>> client = kalshi_nb.connect("sandbox")
        >>> df = markets_df("KXBTC15M", client=client)
        >>> every = markets_df(["KXBTC", "KXBTC15M"], status=None, include_historical=True, client=client)
        >>> set(df["ticker"]) <= set(every["ticker"]), every["ticker"].is_unique
        (True, True)
    """
    from ..frames import markets_frame

    series, event, filters = _market_args(series, event, filters)
    queries = _checked(_market_queries(series, event, status, tickers, filters))  # typos named as live ones
    if _flag(include_historical, "include_historical"):
        _check_historical_status(status)
        # After the live ones; a market in both keeps its live place and its most recent version.
        queries += _historical_queries(series, event, tickers, filters)
    return _pull(markets_frame, client, queries, max_rows=max_rows, progress=progress, label="markets")


# --------------------------------------------------------------------------------------------------
# Events and series


class EventFrames(NamedTuple):
    """What ``events_df`` returns: the events, and their nested markets flattened with the event's columns.

    ``markets`` has rows only with ``with_markets=True`` (otherwise the events are fetched without their
    markets, and ``markets`` is an empty frame with the same columns). Unpacks as ``events, markets``.
    """

    events: pd.DataFrame
    markets: pd.DataFrame


def _event_queries(series: Any, status: Any, with_markets: Any, filters: dict[str, Any]) -> list[_Query]:
    series = _alias(series, filters, "series", "series_ticker")
    nested = _flag(with_markets, "with_markets")
    params = {**_filters(filters), "with_nested_markets": True if nested else None}
    return [
        _Query(_EVENTS, {"series_ticker": s, "status": st, **params})
        for s, st in itertools.product(_values("series", series), _values("status", status))
    ]


def iter_events(
    series: str | Iterable[str] | None = None,
    *,
    status: str | Iterable[str] | None = "open",
    with_markets: bool = False,
    client: KalshiClient | None = None,
    max_rows: int | None = None,
    **filters: Any,
) -> Iterator[dict]:
    """Yield Event records (``GET /events``; no multivariate events), each with its ``markets`` if asked.

    Example:
        >>> import kalshi_nb
        >>> client = kalshi_nb.connect("sandbox")
        >>> {e["series_ticker"] for e in iter_events("KXBTC", max_rows=2, client=client)}
        {'KXBTC'}
    """
    return _iterate(client, _event_queries(series, status, with_markets, filters), max_rows)


def events_df(
    series: str | Iterable[str] | None = None,
    *,
    status: str | Iterable[str] | None = "open",
    with_markets: bool = False,
    client: KalshiClient | None = None,
    max_rows: int | None = None,
    progress: bool | None = None,
    **filters: Any,
) -> EventFrames:
    """Events and their markets as an ``EventFrames`` pair, whatever the flags: ``.events`` and ``.markets``.

    ``events`` is ``frames.events_frame``. With ``with_markets=True`` the events are fetched with their
    nested markets and ``markets`` has every market column plus the event's columns (``event_title``,
    ``series_ticker``, ...; ``frames.event_markets_frame``); otherwise ``markets`` is empty (same columns).
    As live, nested markets settled before the historical cutoff are omitted (use
    ``markets_df(..., include_historical=True)`` for those). ``max_rows`` counts events.

    Example:
        >>> import kalshi_nb
        >>> client = kalshi_nb.connect("sandbox")
        >>> events, markets = events_df("KXBTC", with_markets=True, client=client)
        >>> set(markets["event_ticker"]) <= set(events["event_ticker"])
        True
        >>> events_df("KXBTC", client=client).markets.empty
        True
    """
    from ..frames import event_markets_frame, events_frame

    queries = _event_queries(series, status, with_markets, filters)

    def shape(records: list[dict]) -> EventFrames:
        return EventFrames(events_frame(records), event_markets_frame(records))

    return _pull(shape, client, queries, max_rows=max_rows, progress=progress, label="events")


def series_df(
    *, category: str | None = None, client: KalshiClient | None = None, **filters: Any
) -> pd.DataFrame:
    """Series (``GET /series``, one unpaginated call) as a DataFrame (``frames.series_frame``).

    ``filters``: ``tags``, ``include_volume``, ...

    Example:
        >>> import kalshi_nb
        >>> client = kalshi_nb.connect("sandbox")
        >>> "KXBTC15M" in series_df(category="Crypto", client=client)["ticker"].tolist()
        True
    """
    from ..frames import series_frame

    params = check_filters("series_list", _filters({"category": category, **filters}))
    body = _client(client).get_series_list(**params)
    return series_frame(body.get("series") or [])


def _trade_queries(
    client: KalshiClient | None,
    ticker: Any,
    min_ts: Any,
    max_ts: Any,
    include_historical: Any,
    filters: dict[str, Any],
) -> tuple[KalshiClient | None, list[_Query]]:
    """Live trade calls, one per ticker, and their ``/historical/trades`` twins when the window needs them."""
    params = _filters({**filters, "min_ts": min_ts, "max_ts": max_ts})
    live = [_Query(_TRADES, {"ticker": t, **params}) for t in _values("ticker", ticker)]
    return _with_history(
        client,
        live,
        _HISTORICAL_TRADES,
        include_historical,
        cutoff_field="trades_created_ts",
        start=params.get("min_ts"),
    )


def iter_trades(
    ticker: str | Iterable[str] | None = None,
    *,
    min_ts: Any = None,
    max_ts: Any = None,
    client: KalshiClient | None = None,
    max_rows: int | None = None,
    include_historical: bool | None = None,
    **filters: Any,
) -> Iterator[dict]:
    """Yield public trades (``GET /markets/trades``, then ``/historical/trades``), newest first, page by page.

    ``include_historical``: see :func:`trades_df`.

    Example:
        >>> import kalshi_nb
        >>> client = kalshi_nb.connect("sandbox")
        >>> trade = next(iter_trades(client=client))
        >>> 0 < float(trade["yes_price_dollars"]) < 1
        True
    """
    client, queries = _trade_queries(client, ticker, min_ts, max_ts, include_historical, filters)
    return _iterate(client, queries, max_rows)


def iter_trade_pages(
    ticker: str | Iterable[str] | None = None,
    *,
    min_ts: Any = None,
    max_ts: Any = None,
    client: KalshiClient | None = None,
    max_rows: int | None = None,
    include_historical: bool | None = None,
    **filters: Any,
) -> Iterator[list[dict]]:
    """:func:`iter_trades` a page at a time (non-empty lists of the same rows, in the same order).

    For bulk writers (the store): no generator step per row. Arguments are checked when it is called.

    Example:
        >>> import kalshi_nb
        >>> client = kalshi_nb.connect("sandbox")
        >>> page = next(iter_trade_pages(client=client))
        >>> len(page) > 0 and all("trade_id" in t for t in page)
        True
    """
    client, queries = _trade_queries(client, ticker, min_ts, max_ts, include_historical, filters)
    return _iterate_pages(client, queries, max_rows)


def trades_df(
    ticker: str | Iterable[str] | None = None,
    *,
    min_ts: Any = None,
    max_ts: Any = None,
    client: KalshiClient | None = None,
    max_rows: int | None = None,
    progress: bool | None = None,
    include_historical: bool | None = None,
    **filters: Any,
) -> pd.DataFrame:
    """Public trades as a DataFrame (``frames.trades_frame``); ``ticker`` may be a list, fetched concurrently.

    ``min_ts``/``max_ts``: Unix seconds, ISO text with an offset, or aware datetimes. Trades older than the
    historical cutoff (``trades_created_ts``) come from ``/historical/trades``, each trade once:
    ``include_historical=None`` reads that tier unless ``min_ts`` is at or after the cutoff, ``True``
    always, ``False`` never (see :mod:`kalshi_nb.data.history`).

    Example:
        >>> import kalshi_nb, pandas as pd
        >>> client = kalshi_nb.connect("sandbox")
        >>> since = pd.Timestamp.now(tz="UTC") - pd.Timedelta("1D")
        >>> df = trades_df(min_ts=since, client=client)
        >>> bool((df["created_time"] >= since).all())
        True
    """
    from ..frames import trades_frame

    client, queries = _trade_queries(client, ticker, min_ts, max_ts, include_historical, filters)
    return _pull(trades_frame, client, queries, max_rows=max_rows, progress=progress, label="trades")


def orderbook_df(
    ticker: str, *, depth: int | None = None, client: KalshiClient | None = None
) -> pd.DataFrame:
    """The order book of one market: YES bids, and NO bids shown as the implied YES asks, by price.

    See ``frames.orderbook_frame`` for the layout; ``depth`` limits the levels per side (None: all).

    Example:
        >>> import kalshi_nb
        >>> client = kalshi_nb.connect("sandbox")
        >>> ticker = kalshi_nb.markets_df("KXBTC15M", client=client)["ticker"][0]
        >>> book = orderbook_df(ticker, client=client)
        >>> sorted(set(book["book_side"].dropna())) in ([], ["ask"], ["bid"], ["ask", "bid"])
        True
    """
    from ..frames import orderbook_frame

    if depth is not None:
        depth = _whole(depth, "depth (None: every level)", 0, 100)
    _values("ticker", ticker)
    return orderbook_frame(_client(client).get_orderbook(ticker, depth=depth), ticker=ticker)
