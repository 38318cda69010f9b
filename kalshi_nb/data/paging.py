"""The one paging engine behind every ``iter_*`` and ``*_df``: the list endpoints, one call's pages, merging.

A pull is a list of :class:`_Query` (an endpoint, its filters, an optional row filter). :func:`_pages`
yields the rows of one query a page at a time (through ``KalshiClient.paginate``), :func:`_follow` the
same rows one by one. ``iter_*`` functions merge the queries one after another with :func:`_merge_pages`
(the first version of a row kept; rows through :func:`_iterate`, pages through :func:`_iterate_pages`);
``*_df`` functions run them concurrently and keep the most recent version with :func:`_latest`, then
shape the rows once (through :func:`_pull`).
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from ..bodies import decoding_bodies
from ..endpoints import check_filters, limit_bounds
from .args import _client, _max_rows, _progress, _whole
from .pool import _Cancelled, _Progress, _run
from .reading import _arrow_page, _first_page_rule, _rows

if TYPE_CHECKING:
    from ..client import KalshiClient

log = logging.getLogger("kalshi_nb.data")

_T = TypeVar("_T")


@dataclass(frozen=True)
class _Field:
    """A row's natural key that is one field (``ticker``, ``trade_id``, ...)."""

    name: str

    @property
    def __name__(self) -> str:  # shown in the log line about dropped repeats
        return self.name

    def __call__(self, row: Mapping[str, Any]) -> Any:
        return row.get(self.name)


def _fill_key(row: Mapping[str, Any]) -> Any:
    """A fill's ``fill_id``; without one, the (``trade_id``, ``order_id``) pair that names the same fill."""
    fill_id = row.get("fill_id")
    if fill_id is not None:
        return fill_id
    trade, order = row.get("trade_id"), row.get("order_id")
    return None if trade is None or order is None else (trade, order)


def _settlement_key(row: Mapping[str, Any]) -> Any:
    """A settlement's (``ticker``, ``settled_time``): the payload has no id, and a market settles once."""
    ticker = row.get("ticker")
    return None if ticker is None else (ticker, row.get("settled_time"))


_fill_key.__name__, _settlement_key.__name__ = "fill_id", "ticker+settled_time"


@dataclass(frozen=True)
class _Endpoint:
    """A list endpoint as the engine pages it; its filters and page sizes are :mod:`kalshi_nb.endpoints`'."""

    name: str  # its name in kalshi_nb.endpoints (the filters it accepts)
    key: str  # the list's key in the response
    method: str  # the KalshiClient method that fetches one page
    ident: Callable[[Mapping[str, Any]], Any]  # a row's natural key (None: the row is never merged)
    updated: str | None = None  # the row's last-update field, which decides between two versions
    aliases: tuple[str, ...] = ()  # short argument names the *_df functions take for its filters

    @property
    def page_size(self) -> int:
        """The endpoint's maximum ``limit``, the page size asked for unless ``limit=`` says otherwise."""
        return limit_bounds(self.name)[1]


_MARKETS = _Endpoint(
    "markets", "markets", "get_markets", _Field("ticker"), "updated_time", ("series", "event")
)
_HISTORICAL_MARKETS = _Endpoint(
    "historical_markets",
    "markets",
    "get_historical_markets",
    _Field("ticker"),
    "updated_time",
    ("series", "event"),
)
_EVENTS = _Endpoint("events", "events", "get_events", _Field("event_ticker"), "last_updated_ts", ("series",))
_TRADES = _Endpoint("trades", "trades", "get_trades", _Field("trade_id"))
_HISTORICAL_TRADES = _Endpoint("historical_trades", "trades", "get_historical_trades", _Field("trade_id"))
_POSITIONS = _Endpoint(
    "positions", "market_positions", "get_positions", _Field("ticker"), "last_updated_ts", ("event",)
)
_HISTORICAL_POSITIONS = _Endpoint(
    "historical_positions",
    "market_positions",
    "get_historical_positions",
    _Field("ticker"),
    "last_updated_ts",
    ("event",),
)
_FILLS = _Endpoint("fills", "fills", "get_fills", _fill_key)
_HISTORICAL_FILLS = _Endpoint("historical_fills", "fills", "get_historical_fills", _fill_key)
_ORDERS = _Endpoint("orders", "orders", "get_orders", _Field("order_id"), "last_update_time", ("event",))
_HISTORICAL_ORDERS = _Endpoint(
    "historical_orders", "orders", "get_historical_orders", _Field("order_id"), "last_update_time", ("event",)
)
_SETTLEMENTS = _Endpoint("settlements", "settlements", "get_settlements", _settlement_key, None, ("event",))
_LISTS: tuple[_Endpoint, ...] = (
    _MARKETS,
    _HISTORICAL_MARKETS,
    _EVENTS,
    _TRADES,
    _HISTORICAL_TRADES,
    _POSITIONS,
    _HISTORICAL_POSITIONS,
    _FILLS,
    _HISTORICAL_FILLS,
    _ORDERS,
    _HISTORICAL_ORDERS,
    _SETTLEMENTS,
)
"""Every list endpoint the engine pages."""


@dataclass(frozen=True)
class _Query:
    """One paginated call: an endpoint, its parameters, and an optional client-side row filter."""

    endpoint: _Endpoint
    params: Mapping[str, Any]
    keep: Callable[[Mapping[str, Any]], bool] | None = None


def _checked(queries: list[_Query]) -> list[_Query]:
    """Every call's filters checked against its endpoint's spec, before the first request.

    An unknown name (a typo) or value is a ``ValueError`` with a "did you mean": Kalshi ignores unknown
    filters, so sending it would widen the pull. ``limit`` (the page size) becomes a Python ``int``.
    """
    out = []
    for query in queries:
        endpoint, params = query.endpoint, dict(query.params)
        check_filters(endpoint.name, params, also=endpoint.aliases)
        if params.get("limit") is not None:
            params["limit"] = _whole(params["limit"], "limit (the page size)", 1, endpoint.page_size)
        out.append(_Query(endpoint, params, query.keep))
    return out


def _pages(
    client: KalshiClient,
    query: _Query,
    *,
    max_rows: int | None = None,
    progress: _Progress | None = None,
    stop: threading.Event | None = None,
    decode: Callable[[bytes, str], Any] | None = None,
) -> Iterator[list[dict]]:
    """The rows of one paginated call, a page (a list, never empty) at a time: the engine's one cursor walk.

    ``client.paginate`` runs the cursor loop and its repeat check; each page reaches it as a single item
    (the page's list of rows), so rows are filtered and counted a page at a time instead of passing
    through a generator one by one (what a bulk consumer such as the store wants). :func:`_follow` is the
    row-by-row view of the same pages. With ``decode`` (only without ``max_rows`` or a row filter), each
    body goes through ``decode(content, key)`` first, and a page it reads is whatever it returns
    (kalshi_nb.frames.arrow's pages); see :func:`_pull`.
    """
    if max_rows is not None and max_rows <= 0:
        return
    endpoint, keep = query.endpoint, query.keep
    params = dict(query.params)
    page_size = params.pop("limit", None) or endpoint.page_size
    fetch = getattr(client, endpoint.method)
    read = None if decode is None else _first_page_rule(decode, endpoint.key)
    # With max_rows, count distinct rows: a row repeated by overlapping pages must not use up the quota
    # (the merge drops the repeat, and the pull would come back short).
    seen: set[Any] = set()
    count = 0
    first_page = True  # the first page is read differently (reading._first_page_rule)

    def page(**kwargs: Any) -> dict:
        nonlocal first_page
        if stop is not None and stop.is_set():
            raise _Cancelled
        # Near max_rows, ask only for what is missing (only `limit` may change between pages). The rows of
        # the previous page have all been counted by the time the next one is asked for.
        wanted = (
            page_size if max_rows is None or keep is not None else max(1, min(page_size, max_rows - count))
        )
        if read is None:
            body = fetch(limit=wanted, **kwargs)
        else:
            with decoding_bodies(read[0] if first_page else read[1]):
                body = fetch(limit=wanted, **kwargs)
            first_page = False
        rows = body.get(endpoint.key) or []
        if progress is not None:
            progress.page(len(rows))
        return {endpoint.key: [rows], "cursor": body.get("cursor")}

    pages: Iterator[list[dict]] = client.paginate(page, endpoint.key, **params)  # type: ignore[assignment]
    for rows in pages:
        if keep is not None:
            rows = [row for row in rows if keep(row)]
        if max_rows is not None:
            for at, row in enumerate(rows):
                key = endpoint.ident(row)
                if key is not None:
                    if key in seen:
                        continue
                    seen.add(key)
                count += 1
                if count >= max_rows:
                    del rows[at + 1 :]
                    break
        if rows:
            yield rows
        if max_rows is not None and count >= max_rows:
            return


def _follow(
    client: KalshiClient,
    query: _Query,
    *,
    max_rows: int | None = None,
    progress: _Progress | None = None,
    stop: threading.Event | None = None,
) -> Iterator[dict]:
    """The rows of one paginated call, one by one (the pages of :func:`_pages`)."""
    for rows in _pages(client, query, max_rows=max_rows, progress=progress, stop=stop):
        yield from rows


_Ident = str | Callable[[Mapping[str, Any]], Any] | None


def _key_of(ident: _Ident) -> Callable[[Mapping[str, Any]], Any] | None:
    return _Field(ident) if isinstance(ident, str) else ident


def _merge(chunks: Iterable[Iterable[dict]], ident: _Ident, max_rows: int | None) -> Iterator[dict]:
    """Rows of several calls in order, each natural key once, at most ``max_rows``: the ``iter_*`` rule.

    A generator cannot take back a row it has yielded, so the *first* version of a key is the one kept
    and later repeats are dropped. ``*_df`` functions use :func:`_latest` instead. Rows without a key
    (``ident(row)`` is None) are all kept. The row view of :func:`_merge_pages`.

    Example:
        >>> live, old = [{"ticker": "A"}, {"ticker": "B"}], [{"ticker": "A", "v": 2}, {"ticker": "C"}]
        >>> list(_merge([live, old], "ticker", None))
        [{'ticker': 'A'}, {'ticker': 'B'}, {'ticker': 'C'}]
    """
    for page in _merge_pages((([row] for row in chunk) for chunk in chunks), ident, max_rows):
        yield from page


def _merge_pages(
    calls: Iterable[Iterable[list[dict]]], ident: _Ident, max_rows: int | None
) -> Iterator[list[dict]]:
    """:func:`_merge` a page at a time: the pages of several calls, repeats dropped, never an empty page.

    Example:
        >>> live, old = [[{"ticker": "A"}, {"ticker": "B"}]], [[{"ticker": "A", "v": 2}], [{"ticker": "C"}]]
        >>> list(_merge_pages([live, old], "ticker", None))
        [[{'ticker': 'A'}, {'ticker': 'B'}], [{'ticker': 'C'}]]
    """
    if max_rows is not None and max_rows <= 0:
        return
    key_of = _key_of(ident)
    seen: set[Any] = set()
    count = repeats = 0
    try:
        for pages in calls:
            for page in pages:
                out: list[dict] = []
                for row in page:
                    if key_of is not None:
                        key = key_of(row)
                        if key is not None:
                            if key in seen:
                                repeats += 1
                                continue
                            seen.add(key)
                    out.append(row)
                    count += 1
                    if max_rows is not None and count >= max_rows:
                        yield out
                        return
                if out:
                    yield out
    finally:
        _log_repeats(repeats, key_of)


def _latest(
    chunks: Iterable[Iterable[dict]], ident: _Ident, max_rows: int | None, updated: str | None = None
) -> list[dict]:
    """Rows of several calls, each natural key once, at most ``max_rows`` keys: the ``*_df`` rule.

    A key seen twice (pages that overlap because rows moved while the pull ran, a market listed live and
    historical, a repeated page) keeps the place of its first sighting and the *most recent* version: the
    one with the later ``updated`` time (``updated_time``, ``last_update_time``, ...), or, when the rows
    carry no such time or the times are equal, the one fetched last. Rows without a key are all kept.

    Example:
        >>> live = [{"ticker": "A", "status": "active"}, {"ticker": "B"}]
        >>> late = [{"ticker": "A", "status": "finalized"}, {"ticker": "C"}]
        >>> _latest([live, late], "ticker", None)
        [{'ticker': 'A', 'status': 'finalized'}, {'ticker': 'B'}, {'ticker': 'C'}]
    """
    key_of = _key_of(ident)
    rows: list[dict] = []
    where: dict[Any, int] = {}
    repeats = 0
    for chunk in chunks:
        for row in chunk:
            key = None if key_of is None else key_of(row)
            if key is not None and key in where:
                repeats += 1
                at = where[key]
                if _not_older(row, rows[at], updated):
                    rows[at] = row
                continue
            if max_rows is not None and len(rows) >= max_rows:
                continue  # full, but a later version of a kept row may still come
            if key is not None:
                where[key] = len(rows)
            rows.append(row)
    _log_repeats(repeats, key_of)
    return rows


def _not_older(new: Mapping[str, Any], old: Mapping[str, Any], updated: str | None) -> bool:
    """Whether ``new`` replaces ``old``: not older by ``updated`` (unknown or unreadable times: yes)."""
    if updated is None:
        return True
    then, now = _when(old.get(updated)), _when(new.get(updated))
    return then is None or now is None or now >= then


def _when(value: Any) -> float | None:
    """An update time from a record (ISO text or Unix seconds) as seconds; None when absent or unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and value:
        text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
        try:
            return datetime.fromisoformat(text).timestamp()
        except ValueError:
            return None
    return None


def _log_repeats(repeats: int, key_of: Callable[..., Any] | None) -> None:
    if repeats:
        name = getattr(key_of, "__name__", "key")
        log.info("merged %d repeated row(s) (same %s) across pages or calls", repeats, name)


def _prepared(
    client: KalshiClient | None, queries: list[_Query], max_rows: Any
) -> tuple[KalshiClient, list[_Query], int | None]:
    """What every pull checks before its first request: ``max_rows``, each call's filters, the client."""
    limit = _max_rows(max_rows)
    queries = _checked(queries)
    return _client(client), queries, limit


def _iterate(client: KalshiClient | None, queries: list[_Query], max_rows: Any) -> Iterator[dict]:
    """The generator behind every ``iter_*``: the calls one after another, merged (first version kept).

    Everything is checked here, when the ``iter_*`` function is called, before the first request.
    """
    return itertools.chain.from_iterable(_iterate_pages(client, queries, max_rows))


def _iterate_pages(client: KalshiClient | None, queries: list[_Query], max_rows: Any) -> Iterator[list[dict]]:
    """:func:`_iterate` a page at a time (lists of rows, never empty): what a bulk writer such as the store
    wants, without a generator step per row. Everything is checked here, before the first request."""
    client_, queries, limit = _prepared(client, queries, max_rows)
    ident = queries[0].endpoint.ident if queries else None
    return _merge_pages((_pages(client_, q, max_rows=limit) for q in queries), ident, limit)


def _collect(
    client: KalshiClient,
    queries: list[_Query],
    *,
    max_rows: int | None,
    progress: bool | None,
    label: str,
    decode: Callable[[bytes, str], Any] | None = None,
) -> list[list[Any]]:
    """Every page of each of ``queries`` (run concurrently), a list per query; raises if a call fails."""
    with _Progress(progress, label) as bar:
        stop = threading.Event()

        def job(query: _Query) -> Callable[[], list[Any]]:
            def pages() -> list[Any]:
                return list(_pages(client, query, max_rows=max_rows, progress=bar, stop=stop, decode=decode))

            return pages

        return _run([job(q) for q in queries], stop)


def _pull(
    shape: Callable[[list[dict]], _T],
    client: KalshiClient | None,
    queries: list[_Query],
    *,
    max_rows: Any,
    progress: bool | None,
    label: str,
) -> _T:
    """Check everything, fetch every row of ``queries`` and shape them once.

    The one engine of every ``*_df``: the same pages (:func:`_pages`) as ``iter_*``, each natural key once,
    the most recent version kept (:func:`_latest`). With pyarrow installed, a pull that needs no row-level
    work while it runs (no ``max_rows``, no row filter) has its pages read by pyarrow in the threads that
    fetch them and shaped in Arrow (kalshi_nb.frames.arrow), unless every call had a single page (read as
    records then: data/reading.py); wherever that cannot give exactly the frame of
    the records path (a repeated row, a ``null``, an odd value), the same pages take the records path. The
    garbage collector is left as the caller has it.
    """
    setting = _progress(progress)
    client_, queries, limit = _prepared(client, queries, max_rows)
    arrow = _arrow_path(shape, queries, limit)
    decode = arrow.page_decoder(shape) if arrow is not None else None
    chunks = _collect(client_, queries, max_rows=limit, progress=setting, label=label, decode=decode)
    if not queries:
        return shape([])
    endpoint = queries[0].endpoint
    pages = [p for call in chunks for p in call]
    if arrow is not None and any(isinstance(p, arrow.ArrowPage) for p in pages):
        # Calls that had one page each were read as records (_first_page_rule): read them with Arrow too.
        read = [p if isinstance(p, arrow.ArrowPage) else _arrow_page(decode, p, endpoint.key) for p in pages]
        if all(p is not None for p in read):
            assert isinstance(endpoint.ident, _Field)
            frame = arrow.shaped_frame(read, shape, endpoint.ident.name)
            if frame is not None:
                return frame
    rows = (_rows(pages, endpoint.key) for pages in chunks)
    return shape(_latest(rows, endpoint.ident, limit, endpoint.updated))


_USE_ARROW = True
"""Whether ``*_df`` pulls may use pyarrow when it is installed (tests turn it off to compare both paths)."""


def _arrow_path(shape: Callable[..., Any], queries: list[_Query], max_rows: int | None) -> Any:
    """kalshi_nb.frames.arrow when this pull can use it, else None."""
    if not _USE_ARROW or max_rows is not None or not queries:
        return None
    if any(q.keep is not None or not isinstance(q.endpoint.ident, _Field) for q in queries):
        return None
    try:
        from ..frames import arrow
    except ImportError:  # no pyarrow (the store extra is not installed)
        return None
    return arrow if shape in arrow._FROM_SHAPED else None
