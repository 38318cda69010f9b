"""DataFrames from the API: ``markets_df(...)``, ``events_df(...)``, ``candles_df(...)``, ...

Fetching and shaping are separate. The ``iter_*`` generators fetch JSON records: they follow the cursor with
the same filters on every page (through ``KalshiClient.paginate``), stop on an empty or missing cursor, raise
``PaginationError`` when the server repeats a cursor, and stop early at ``max_rows``. Each ``*_df`` function
collects those records and calls the matching pure shaping function of :mod:`kalshi_nb.frames` once, so the
columns and dtypes are always the same, also for an empty result (see ``frames.describe(kind)`` for every
column and its unit).

- **Client.** Every function uses the default client set by ``kalshi_nb.connect()`` unless ``client=`` is
  given. Without either, it raises ``RuntimeError`` asking you to call ``kalshi_nb.connect()`` first: it never
  connects on its own, because ``connect()`` without credentials starts a local sandbox with fake data, and
  a frame of made-up markets must never appear by surprise.
- **Lists and concurrency.** ``series``, ``event``, ``tickers`` and ``status`` (and ``ticker`` of
  ``trades_df``) accept lists. A row must match one value of *each* argument given (OR within an argument,
  AND across arguments), like one API call per combination, which is what is sent. Several calls run in a
  small thread pool (``MAX_WORKERS``) over the same client, so they share its session and its thread-safe
  token bucket and stay within the rate limit.
- **Each row once.** Rows are de-duplicated by their natural key: markets and positions ``ticker``, events
  ``event_ticker``, trades ``trade_id``, fills ``fill_id`` (else ``trade_id`` + ``order_id``), orders
  ``order_id``, settlements ``ticker`` + ``settled_time``, candles ``end_period_ts``. Pages that overlap
  because data changed mid-pull, a repeated page, a market listed live and historical: a ``*_df`` keeps
  the key at its first place, in its most recent version (the later ``updated_time``/``last_update_time``/
  ``last_updated_ts``; without one, the version fetched last). An ``iter_*`` yields the first version and
  drops later ones (a generator cannot take a row back). ``max_rows`` counts distinct rows.
- **Checked first.** Every filter name and value is checked against Kalshi's spec
  (:mod:`kalshi_nb.endpoints`) before the first request: a typo is a ``ValueError`` with a "did you mean",
  never a wider pull. Counts and limits take numpy/pandas integers, never bools or NaN.
- **Failures.** A page that still fails after the client's retries raises (the other calls are stopped);
  no partial frame is ever returned.
- **Progress.** ``progress=None`` shows a ``tqdm.auto`` bar (a widget in notebooks, text in a terminal) once a
  pull passes ``AUTO_PROGRESS_PAGES`` pages; ``True`` shows it from the first page, ``False`` never.
- **Times.** Time arguments (``min_ts``, ``start``, any ``*_ts`` filter) take Unix seconds, ISO-8601 text with
  an offset, or timezone-aware datetimes (``pd.Timestamp`` included), by the one rule of
  :mod:`kalshi_nb.timeargs`. Naive datetimes are refused with a ``ValueError``: guessing UTC or local time
  would silently shift the window by hours. A start after its end is refused before any request.
- **Page size.** ``limit=`` among the filters sets the page size; the default is the endpoint's maximum.
- **Speed.** While a ``*_df`` call pulls and shapes, Python's cyclic garbage collector is paused (reference
  counting frees memory as usual); on 200,000 markets it would otherwise spend about a third of the time
  walking the records, which hold no cycles. It is switched back on afterwards, only if it was on.

Example:
    >>> import kalshi_nb
    >>> kalshi_nb.connect("sandbox")                                   # doctest: +SKIP
    >>> df = kalshi_nb.markets_df("KXBTC15M")                          # doctest: +SKIP
    >>> df[["ticker", "yes_bid_dollars", "yes_ask_dollars", "mid_dollars", "time_to_close"]]  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import logging
import math
import numbers
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from .endpoints import check_filters
from .errors import NotFoundError
from .timeargs import check_range, optional_unix_seconds, unix_seconds

if TYPE_CHECKING:
    import pandas as pd

    from .client import KalshiClient

__all__ = [
    "AUTO_PROGRESS_PAGES",
    "MAX_CANDLES",
    "MAX_WORKERS",
    "EventFrames",
    "candles_df",
    "events_df",
    "fills_df",
    "iter_events",
    "iter_fills",
    "iter_historical_markets",
    "iter_markets",
    "iter_orders",
    "iter_positions",
    "iter_settlements",
    "iter_trades",
    "markets_df",
    "orderbook_df",
    "orders_df",
    "positions_df",
    "series_df",
    "settlements_df",
    "trades_df",
]

log = logging.getLogger(__name__)

MAX_WORKERS = 8
"""Calls run at once by one ``*_df`` call. They share one token bucket: this bounds threads, not rate."""
AUTO_PROGRESS_PAGES = 3
"""With ``progress=None`` the bar appears once a pull has fetched more than this many pages."""
MAX_CANDLES = 5000
"""Candles per candlestick request (UNCONFIRMED live; DFlow's relay documents 5,000 and a 400 above it)."""
TICKERS_PER_CALL = 100
"""Tickers sent in one ``tickers=`` list (the live maximum is UNCONFIRMED; fills document 100)."""

_T = TypeVar("_T")

# --------------------------------------------------------------------------------------------------
# Endpoints


def _field(name: str) -> Callable[[Mapping[str, Any]], Any]:
    def key(row: Mapping[str, Any]) -> Any:
        return row.get(name)

    key.__name__ = name  # shown in the log line about dropped repeats
    return key


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
    name: str  # its name in kalshi_nb.endpoints (the filters it accepts)
    key: str  # the list's key in the response
    page_size: int  # the endpoint's maximum `limit`
    method: str | Callable[[KalshiClient], Callable[..., dict]]  # client method name, or a page-fetch factory
    ident: Callable[[Mapping[str, Any]], Any]  # a row's natural key (None: the row is never merged)
    updated: str | None = None  # the row's last-update field, which decides between two versions
    aliases: tuple[str, ...] = ()  # short argument names the *_df functions take for its filters

    def fetcher(self, client: KalshiClient) -> Callable[..., dict]:
        return getattr(client, self.method) if isinstance(self.method, str) else self.method(client)


_MARKETS = _Endpoint(
    "markets", "markets", 1000, "get_markets", _field("ticker"), "updated_time", ("series", "event")
)
_HISTORICAL_MARKETS = _Endpoint(
    "historical_markets", "markets", 1000, "get_historical_markets", _field("ticker"), "updated_time",
    ("series", "event"),
)
_EVENTS = _Endpoint("events", "events", 200, "get_events", _field("event_ticker"), "last_updated_ts", ("series",))
_TRADES = _Endpoint("trades", "trades", 1000, "get_trades", _field("trade_id"))
_POSITIONS = _Endpoint(
    "positions", "market_positions", 1000, "get_positions", _field("ticker"), "last_updated_ts", ("event",)
)
_FILLS = _Endpoint("fills", "fills", 1000, "get_fills", _fill_key)
_ORDERS = _Endpoint("orders", "orders", 1000, "get_orders", _field("order_id"), "last_update_time", ("event",))
_SETTLEMENTS = _Endpoint("settlements", "settlements", 1000, "get_settlements", _settlement_key, None, ("event",))


@dataclass(frozen=True)
class _Query:
    """One paginated call: an endpoint, its parameters, and an optional client-side row filter."""

    endpoint: _Endpoint
    params: Mapping[str, Any]
    keep: Callable[[Mapping[str, Any]], bool] | None = None


class _Cancelled(Exception):
    """Raised inside a worker whose pull was stopped because another call failed."""


# --------------------------------------------------------------------------------------------------
# Arguments


def _client(client: KalshiClient | None) -> KalshiClient:
    if client is not None:
        return client
    from .defaults import default_client

    return default_client()  # RuntimeError: "no default client yet: call kalshi_nb.connect() first ..."


def _values(name: str, value: Any) -> list[Any]:
    """A scalar or a list as a list of values to query; None means "no filter" (one query without it)."""
    if value is None:
        return [None]
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        out = list(dict.fromkeys(value))  # order kept, repeats dropped
        if not all(isinstance(v, str) and v for v in out):
            raise ValueError(f"{name} must be a string or a list of strings, got {value!r}")
        return out
    raise ValueError(f"{name} must be a string or a list of strings, got {value!r}")


def _ticker_chunks(tickers: Any) -> list[str | None]:
    """Tickers as comma-joined chunks of at most ``TICKERS_PER_CALL`` ([None]: no ticker filter)."""
    if tickers is None:
        return [None]
    if isinstance(tickers, str):
        tickers = [t.strip() for t in tickers.split(",") if t.strip()]
    names = _values("tickers", tickers)
    return [",".join(names[i : i + TICKERS_PER_CALL]) for i in range(0, len(names), TICKERS_PER_CALL)]


def _filters(filters: dict[str, Any]) -> dict[str, Any]:
    """Extra API filters: ``*_ts`` values become Unix seconds, ``None`` values are dropped.

    Times follow :mod:`kalshi_nb.timeargs` (a naive datetime is refused), and a ``min_X`` after its
    ``max_X`` (``min_ts``/``max_ts``, ``min_close_ts``/``max_close_ts``, ...) is refused before anything is
    sent: the server would answer an empty list, which looks like "no data".
    """
    out = {}
    for key, value in filters.items():
        if key.endswith("_ts"):
            value = optional_unix_seconds(value, key)
        if value is not None:
            out[key] = value
    for key, low in out.items():
        if key.startswith("min_") and f"max_{key[4:]}" in out:
            check_range(low, out[f"max_{key[4:]}"], names=(key, f"max_{key[4:]}"))
    return out


def _whole(value: Any, name: str, low: int, high: int | None = None) -> int:
    """A count or size as a Python ``int``: numpy/pandas integers are taken; bool, floats, NaN are not.

    Example:
        >>> import numpy as np
        >>> _whole(np.int64(5), "max_rows", 0)
        5
    """
    if isinstance(value, bool) or type(value).__name__ in ("bool_", "bool") or not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and not math.isfinite(value):
            raise ValueError(f"{name} must be a whole number, got {value!r}")
        raise TypeError(f"{name} must be a whole number (an int), got {type(value).__name__} {value!r}")
    number = int(value)
    if number < low or (high is not None and number > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ValueError(f"{name} must be {bounds}, got {value!r}")
    return number


def _flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


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


def _alias(value: Any, filters: dict[str, Any], name: str, api_name: str) -> Any:
    """Accept the API's own parameter name (``event_ticker=``) for the short one (``event=``)."""
    if api_name not in filters:
        return value
    other = filters.pop(api_name)
    if value is not None and other is not None and value != other:
        raise ValueError(f"pass {name}= or {api_name}=, not both")
    return other if value is None else value


def _market_filters(filters: dict[str, Any]) -> dict[str, Any]:
    # Multivariate (combo) markets swamp every listing (tens of thousands, all alike), so they are left out
    # unless asked for: mve_filter="only" gives just them, mve_filter=None both kinds.
    mve = filters.pop("mve_filter", "exclude")
    out = _filters(filters)
    if mve is not None:
        out["mve_filter"] = mve
    return out


# --------------------------------------------------------------------------------------------------
# Paging


class _Progress:
    """A ``tqdm.auto`` bar counting rows (the total is unknown), shared by concurrent calls."""

    def __init__(self, setting: bool | None, label: str) -> None:
        if setting not in (None, True, False):
            raise ValueError(f"progress must be True, False or None (automatic), got {setting!r}")
        self.setting = setting
        self.label = label
        self.pages = 0
        self.rows = 0
        self._bar: Any = None
        self._lock = threading.Lock()

    def page(self, rows: int) -> None:
        with self._lock:
            self.pages += 1
            self.rows += rows
            if self.setting is False:
                return
            if self._bar is None:
                if self.setting is None and self.pages <= AUTO_PROGRESS_PAGES:
                    return
                from tqdm.auto import tqdm

                self._bar = tqdm(desc=self.label, unit=" rows", initial=self.rows, leave=True)
            else:
                self._bar.update(rows)
            self._bar.set_postfix_str(f"{self.pages} pages", refresh=False)

    def close(self) -> None:
        with self._lock:
            if self._bar is not None:
                self._bar.close()

    def __enter__(self) -> _Progress:  # noqa: PYI034 (typing.Self is Python 3.11+)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _follow(
    client: KalshiClient,
    query: _Query,
    *,
    max_rows: int | None = None,
    progress: _Progress | None = None,
    stop: threading.Event | None = None,
) -> Iterator[dict]:
    """The rows of one paginated call; ``client.paginate`` runs the cursor loop and its repeat check."""
    if max_rows is not None and max_rows <= 0:
        return
    endpoint, keep = query.endpoint, query.keep
    params = dict(query.params)
    page_size = params.pop("limit", None) or endpoint.page_size
    fetch = endpoint.fetcher(client)
    # With max_rows, count distinct rows: a row repeated by overlapping pages must not use up the quota
    # (the merge drops the repeat, and the pull would come back short).
    seen: set[Any] = set()
    count = 0

    def page(**kwargs: Any) -> dict:
        if stop is not None and stop.is_set():
            raise _Cancelled
        # Near max_rows, ask only for what is missing (only `limit` may change between pages). The rows of
        # the previous page have all been counted by the time the next one is asked for.
        wanted = page_size if max_rows is None or keep is not None else max(1, min(page_size, max_rows - count))
        body = fetch(limit=wanted, **kwargs)
        if progress is not None:
            progress.page(len(body.get(endpoint.key) or ()))
        return body

    for row in client.paginate(page, endpoint.key, **params):
        if keep is not None and not keep(row):
            continue
        yield row
        if max_rows is not None:
            key = endpoint.ident(row)
            if key is not None:
                if key in seen:
                    continue
                seen.add(key)
            count += 1
            if count >= max_rows:
                return


_Ident = str | Callable[[Mapping[str, Any]], Any] | None


def _key_of(ident: _Ident) -> Callable[[Mapping[str, Any]], Any] | None:
    return _field(ident) if isinstance(ident, str) else ident


def _merge(chunks: Iterable[Iterable[dict]], ident: _Ident, max_rows: int | None) -> Iterator[dict]:
    """Rows of several calls in order, each natural key once, at most ``max_rows``: the ``iter_*`` rule.

    A generator cannot take back a row it has yielded, so the *first* version of a key is the one kept
    and later repeats are dropped. ``*_df`` functions use :func:`_latest` instead. Rows without a key
    (``ident(row)`` is None) are all kept.

    Example:
        >>> live, old = [{"ticker": "A"}, {"ticker": "B"}], [{"ticker": "A", "v": 2}, {"ticker": "C"}]
        >>> list(_merge([live, old], "ticker", None))
        [{'ticker': 'A'}, {'ticker': 'B'}, {'ticker': 'C'}]
    """
    if max_rows is not None and max_rows <= 0:
        return
    key_of = _key_of(ident)
    seen: set[Any] = set()
    count = repeats = 0
    try:
        for chunk in chunks:
            for row in chunk:
                if key_of is not None:
                    key = key_of(row)
                    if key is not None:
                        if key in seen:
                            repeats += 1
                            continue
                        seen.add(key)
                yield row
                count += 1
                if max_rows is not None and count >= max_rows:
                    return
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


def _max_rows(max_rows: Any) -> int | None:
    return None if max_rows is None else _whole(max_rows, "max_rows (None: no limit)", 0)


def _iterate(client: KalshiClient | None, queries: list[_Query], max_rows: Any) -> Iterator[dict]:
    """The generator behind every ``iter_*``: the calls one after another, merged (first version kept).

    Everything is checked here, when the ``iter_*`` function is called, before the first request.
    """
    limit = _max_rows(max_rows)
    queries = _checked(queries)
    client = _client(client)
    ident = queries[0].endpoint.ident if queries else None
    return _merge((_follow(client, q, max_rows=limit) for q in queries), ident, limit)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a pull builds its records.

    A pull of 200,000 markets creates about a million dicts and lists that all stay alive, and the
    collector would walk them again and again as they pile up (measured: about 3 s of a 10 s pull), while
    JSON records hold no reference cycles to find. Reference counting still frees everything as usual.
    The collector is switched back on afterwards only if it was on before (a caller's choice is kept).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _collect(
    client: KalshiClient,
    queries: list[_Query],
    *,
    max_rows: int | None,
    progress: bool | None,
    label: str,
) -> list[dict]:
    """Every row of ``queries`` (run concurrently), merged, most recent version kept; raises if a call fails."""
    with _Progress(progress, label) as bar:
        stop = threading.Event()
        jobs = [
            (lambda q=q: list(_follow(client, q, max_rows=max_rows, progress=bar, stop=stop)))
            for q in queries
        ]
        chunks = _run(jobs, stop)
    endpoint = queries[0].endpoint if queries else None
    return _latest(chunks, endpoint and endpoint.ident, max_rows, endpoint and endpoint.updated)


def _pull(
    shape: Callable[[list[dict]], _T],
    client: KalshiClient | None,
    queries: list[_Query],
    *,
    max_rows: Any,
    progress: bool | None,
    label: str,
) -> _T:
    """Check everything, fetch every row of ``queries`` and shape them once, with the collector paused.

    The one engine of every ``*_df``: the same :func:`_follow` as ``iter_*``, and each natural key once.
    """
    limit = _max_rows(max_rows)
    queries = _checked(queries)
    if progress not in (None, True, False):
        raise ValueError(f"progress must be True, False or None (automatic), got {progress!r}")
    client = _client(client)
    with _gc_paused():
        records = _collect(client, queries, max_rows=limit, progress=progress, label=label)
        shaped = shape(records)
        del records  # freed by reference counting before the collector comes back
    return shaped


def _run(jobs: list[Callable[[], list[dict]]], stop: threading.Event) -> list[list[dict]]:
    """Run the jobs in a small pool; on the first failure stop the others and raise that failure."""
    if len(jobs) <= 1:
        return [job() for job in jobs]
    pool = ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(jobs)), thread_name_prefix="kalshi_nb-data")
    futures: list[Future[list[dict]]] = []
    try:
        futures = [pool.submit(job) for job in jobs]
        wait(futures, return_when=FIRST_EXCEPTION)
        if any(f.done() and not f.cancelled() and f.exception() is not None for f in futures):
            stop.set()
            for f in futures:
                f.cancel()
            wait(futures)
            errors = [f.exception() for f in futures if not f.cancelled() and f.exception() is not None]
            raise next((e for e in errors if not isinstance(e, _Cancelled)), errors[0])  # type: ignore[misc]
        return [f.result() for f in futures]
    finally:
        stop.set()  # also on KeyboardInterrupt: running calls end after their current page
        pool.shutdown(wait=True, cancel_futures=True)


# --------------------------------------------------------------------------------------------------
# Markets


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
        >>> for m in iter_markets("KXBTC15M", max_rows=3):                  # doctest: +SKIP
        ...     print(m["ticker"], m["yes_ask_dollars"])
    """
    series = _alias(series, filters, "series", "series_ticker")
    event = _alias(event, filters, "event", "event_ticker")
    queries = _market_queries(series, event, status, tickers, _market_filters(filters))
    return _iterate(client, queries, max_rows)


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
        >>> sum(1 for _ in iter_historical_markets("KXBTC15M"))              # doctest: +SKIP
        24
    """
    series = _alias(series, filters, "series", "series_ticker")
    event = _alias(event, filters, "event", "event_ticker")
    queries = _historical_queries(series, event, tickers, _market_filters(filters))
    return _iterate(client, queries, max_rows)


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
        >>> df = markets_df("KXBTC15M")                                      # doctest: +SKIP
        >>> df = markets_df(["KXBTC", "KXBTC15M"], status=None, include_historical=True)  # doctest: +SKIP
    """
    from .frames import markets_frame

    series = _alias(series, filters, "series", "series_ticker")
    event = _alias(event, filters, "event", "event_ticker")
    filters = _market_filters(filters)
    queries = _checked(_market_queries(series, event, status, tickers, filters))  # typos named as live ones
    if _flag(include_historical, "include_historical"):
        _check_historical_status(status)
        # After the live ones; a market in both keeps its live place and its most recent version.
        queries += _historical_queries(series, event, tickers, filters)
    return _pull(
        markets_frame, client, queries, max_rows=max_rows, progress=progress, label="markets"
    )


# --------------------------------------------------------------------------------------------------
# Events and series


class EventFrames(NamedTuple):
    """``events_df(..., with_markets=True)``: the events, and their markets flattened with event columns."""

    events: pd.DataFrame
    markets: pd.DataFrame


def _event_queries(series: Any, status: Any, with_markets: bool, filters: dict[str, Any]) -> list[_Query]:
    params = {**_filters(filters), "with_nested_markets": True if with_markets else None}
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
        >>> [e["event_ticker"] for e in iter_events("KXBTC", max_rows=2)]     # doctest: +SKIP
    """
    series = _alias(series, filters, "series", "series_ticker")
    with_markets = _flag(with_markets, "with_markets")
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
) -> pd.DataFrame | EventFrames:
    """Events as a DataFrame (``frames.events_frame``); with ``with_markets=True`` an ``EventFrames`` pair.

    The pair's ``markets`` frame has every market column plus the event's columns (``event_title``,
    ``series_ticker``, ...; ``frames.event_markets_frame``). As live, nested markets settled before the
    historical cutoff are omitted (use ``markets_df(..., include_historical=True)`` for those).
    ``max_rows`` counts events.

    Example:
        >>> events, markets = events_df("KXBTC", with_markets=True)          # doctest: +SKIP
    """
    from .frames import event_markets_frame, events_frame

    series = _alias(series, filters, "series", "series_ticker")
    with_markets = _flag(with_markets, "with_markets")
    queries = _event_queries(series, status, with_markets, filters)

    def shape(records: list[dict]) -> pd.DataFrame | EventFrames:
        if with_markets:
            return EventFrames(events_frame(records), event_markets_frame(records))
        return events_frame(records)

    return _pull(shape, client, queries, max_rows=max_rows, progress=progress, label="events")


def series_df(
    *, category: str | None = None, client: KalshiClient | None = None, **filters: Any
) -> pd.DataFrame:
    """Series (``GET /series``, one unpaginated call) as a DataFrame (``frames.series_frame``).

    ``filters``: ``tags``, ``include_volume``, ...

    Example:
        >>> series_df(category="Crypto")["ticker"].tolist()                   # doctest: +SKIP
    """
    from .frames import series_frame

    params = check_filters("series_list", _filters({"category": category, **filters}))
    body = _client(client).get_series_list(**params)
    return series_frame(body.get("series") or [])


# --------------------------------------------------------------------------------------------------
# Trades, order book, candlesticks


def _trade_queries(ticker: Any, min_ts: Any, max_ts: Any, filters: dict[str, Any]) -> list[_Query]:
    params = _filters({**filters, "min_ts": min_ts, "max_ts": max_ts})
    return [_Query(_TRADES, {"ticker": t, **params}) for t in _values("ticker", ticker)]


def iter_trades(
    ticker: str | Iterable[str] | None = None,
    *,
    min_ts: Any = None,
    max_ts: Any = None,
    client: KalshiClient | None = None,
    max_rows: int | None = None,
    **filters: Any,
) -> Iterator[dict]:
    """Yield public trades (``GET /markets/trades``), newest first, page by page.

    Example:
        >>> next(iter_trades("KXBTC15M-26NOV251245-45"))["yes_price_dollars"]  # doctest: +SKIP
    """
    return _iterate(client, _trade_queries(ticker, min_ts, max_ts, filters), max_rows)


def trades_df(
    ticker: str | Iterable[str] | None = None,
    *,
    min_ts: Any = None,
    max_ts: Any = None,
    client: KalshiClient | None = None,
    max_rows: int | None = None,
    progress: bool | None = None,
    **filters: Any,
) -> pd.DataFrame:
    """Public trades as a DataFrame (``frames.trades_frame``); ``ticker`` may be a list, fetched concurrently.

    ``min_ts``/``max_ts``: Unix seconds, ISO text with an offset, or aware datetimes.

    Example:
        >>> since = pd.Timestamp("2026-11-25", tz="UTC")                    # doctest: +SKIP
        >>> trades_df("KXBTC15M-26NOV251245-45", min_ts=since)             # doctest: +SKIP
    """
    from .frames import trades_frame

    queries = _trade_queries(ticker, min_ts, max_ts, filters)
    return _pull(
        trades_frame, client, queries, max_rows=max_rows, progress=progress, label="trades"
    )


def orderbook_df(
    ticker: str, *, depth: int | None = None, client: KalshiClient | None = None
) -> pd.DataFrame:
    """The order book of one market: YES bids, and NO bids shown as the implied YES asks, by price.

    See ``frames.orderbook_frame`` for the layout; ``depth`` limits the levels per side (None: all).

    Example:
        >>> book = orderbook_df("KXBTC15M-26NOV251245-45")                  # doctest: +SKIP
        >>> book[["book_side", "yes_price_dollars", "count_fp"]]            # doctest: +SKIP
    """
    from .frames import orderbook_frame

    if depth is not None:
        depth = _whole(depth, "depth (None: every level)", 0, 100)
    _values("ticker", ticker)
    return orderbook_frame(_client(client).get_orderbook(ticker, depth=depth), ticker=ticker)


_INTERVALS: dict[Any, int] = {1: 1, 60: 60, 1440: 1440, "1m": 1, "1h": 60, "1d": 1440}


def _interval_minutes(interval: Any) -> int:
    key = interval.strip().lower() if isinstance(interval, str) else interval
    # numpy integers hash like ints and are found; bools (numpy's too) are not minutes.
    known = not (isinstance(key, bool) or type(key).__name__ in ("bool_", "bool")) and _hashable(key) and key in _INTERVALS
    if not known:
        raise ValueError(f"interval must be 1, 60 or 1440 minutes (or '1m', '1h', '1d'), got {interval!r}")
    return _INTERVALS[key]


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _candle_windows(
    start_ts: int, end_ts: int, minutes: int, max_candles: int = MAX_CANDLES
) -> list[tuple[int, int]]:
    """Split ``[start_ts, end_ts]`` into adjacent windows of at most ``max_candles`` candles each.

    Windows are inclusive and do not overlap, so every candle end time falls in exactly one of them.

    Example:
        >>> _candle_windows(0, 3 * 3600, 60, max_candles=2)
        [(0, 7199), (7200, 10800)]
    """
    step = max_candles * minutes * 60
    windows = []
    start = start_ts
    while start <= end_ts:
        end = min(end_ts, start + step - 1)
        windows.append((start, end))
        start = end + 1
    return windows


def _iso_seconds(value: Any) -> int | None:
    if not value:
        return None
    try:
        return unix_seconds(value, "time")
    except (TypeError, ValueError):
        return None


def _market_for_candles(client: KalshiClient, ticker: str) -> tuple[dict, bool]:
    """The market record and whether its candles live on the historical endpoint."""
    try:
        market = client.get_market(ticker)
    except NotFoundError:
        # Live Kalshi may drop markets settled before the cutoff from /markets/{ticker} (UNCONFIRMED).
        return client.get_historical_market(ticker), True
    settled = _iso_seconds(market.get("settlement_ts"))
    if market.get("status") not in ("finalized", "settled") or settled is None:
        return market, False
    cutoff = _iso_seconds(client.get_historical_cutoff().get("market_settled_ts"))
    return market, cutoff is not None and settled < cutoff


def candles_df(
    ticker: str,
    start: Any = None,
    end: Any = None,
    interval: int | str = 60,
    *,
    series: str | None = None,
    client: KalshiClient | None = None,
) -> pd.DataFrame:
    """Candlesticks of one market as a DataFrame, one row per period (``frames.candles_frame``).

    ``interval``: 1, 60 or 1440 minutes, or ``"1m"``, ``"1h"``, ``"1d"``. ``start``/``end``: Unix seconds,
    ISO text with an offset, or aware datetimes; candles whose period *ends* in ``[start, end]`` are
    returned. Defaults: ``end`` is the end of the current period (or of the period in which the market
    closed), ``start`` the market's open time but at most ``MAX_CANDLES`` periods before ``end``. Long ranges
    are split into calls of at most ``MAX_CANDLES`` candles. The series is looked up from the market when not
    given, and markets settled before the historical cutoff are read from the historical endpoint (same
    columns).

    Example:
        >>> from datetime import datetime, timedelta, timezone
        >>> now = datetime.now(timezone.utc)
        >>> candles_df("KXBTC15M-26NOV251245-45", now - timedelta(hours=1), now, "1m")   # doctest: +SKIP
    """
    from .frames import candles_frame

    if not isinstance(ticker, str) or not ticker:
        raise TypeError(f"ticker must be one market ticker (a string), got {ticker!r}")
    if series is not None:
        _values("series", series)
    minutes = _interval_minutes(interval)
    period = minutes * 60
    start_ts, end_ts = check_range(start, end)  # both checked (and ordered) before any request
    client = _client(client)
    market, historical = _market_for_candles(client, ticker)
    if end_ts is None:
        close = _iso_seconds(market.get("close_time"))
        last = time.time() if close is None else min(time.time(), close)
        end_ts = math.ceil(last / period) * period
    if start_ts is None:
        opened = _iso_seconds(market.get("open_time"))
        start_ts = end_ts - (MAX_CANDLES - 1) * period
        if opened is not None:
            start_ts = max(start_ts, opened)
    check_range(start_ts, end_ts)  # a default end (the market's close) can still fall before start
    if historical:
        def fetch(s: int, e: int) -> dict:
            return client.get_historical_candlesticks(ticker, s, e, minutes)
    else:
        if series is None:
            series = client.get_event(market["event_ticker"])["event"]["series_ticker"]

        def fetch(s: int, e: int) -> dict:
            return client.get_candlesticks(ticker, s, e, minutes, series_ticker=series)

    chunks = [fetch(s, e).get("candlesticks") or [] for s, e in _candle_windows(start_ts, end_ts, minutes)]
    records = _latest(chunks, "end_period_ts", None)
    return candles_frame(records, historical=historical, ticker=ticker)


# --------------------------------------------------------------------------------------------------
# Portfolio (credentials needed)


def _portfolio_query(endpoint: _Endpoint, filters: dict[str, Any]) -> list[_Query]:
    return [_Query(endpoint, _filters(filters))]


def iter_positions(
    ticker: str | None = None,
    *,
    event: str | None = None,
    client: KalshiClient | None = None,
    max_rows: int | None = None,
    **filters: Any,
) -> Iterator[dict]:
    """Yield the account's market positions (``GET /portfolio/positions``), page by page.

    ``filters``: ``settlement_status`` (``unsettled`` by default on the server, ``settled``, ``all``),
    ``count_filter``, ...

    Example:
        >>> [p["ticker"] for p in iter_positions()]                        # doctest: +SKIP
    """
    event = _alias(event, filters, "event", "event_ticker")
    queries = _portfolio_query(_POSITIONS, {**filters, "ticker": ticker, "event_ticker": event})
    return _iterate(client, queries, max_rows)


def positions_df(
    ticker: str | None = None,
    *,
    event: str | None = None,
    client: KalshiClient | None = None,
    max_rows: int | None = None,
    progress: bool | None = None,
    **filters: Any,
) -> pd.DataFrame:
    """The account's market positions as a DataFrame (``frames.positions_frame``).

    Example:
        >>> positions_df()[["ticker", "position_fp", "market_exposure_dollars"]]  # doctest: +SKIP
    """
    from .frames import positions_frame

    event = _alias(event, filters, "event", "event_ticker")
    queries = _portfolio_query(_POSITIONS, {**filters, "ticker": ticker, "event_ticker": event})
    return _pull(
        positions_frame, client, queries, max_rows=max_rows, progress=progress, label="positions"
    )


def iter_fills(
    ticker: str | Iterable[str] | None = None,
    *,
    order_id: str | None = None,
    min_ts: Any = None,
    max_ts: Any = None,
    client: KalshiClient | None = None,
    max_rows: int | None = None,
    **filters: Any,
) -> Iterator[dict]:
    """Yield the account's fills (``GET /portfolio/fills``), newest first, page by page.

    Example:
        >>> sum(1 for _ in iter_fills("KXBTC15M-26NOV251245-45"))          # doctest: +SKIP
    """
    queries = _portfolio_query(
        _FILLS, {**filters, "ticker": ticker, "order_id": order_id, "min_ts": min_ts, "max_ts": max_ts}
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
    **filters: Any,
) -> pd.DataFrame:
    """The account's fills as a DataFrame (``frames.fills_frame``; ``fee_cost`` in dollars).

    Example:
        >>> fills_df(min_ts=pd.Timestamp.now(tz="UTC") - pd.Timedelta("1D"))   # doctest: +SKIP
    """
    from .frames import fills_frame

    queries = _portfolio_query(
        _FILLS, {**filters, "ticker": ticker, "order_id": order_id, "min_ts": min_ts, "max_ts": max_ts}
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
    **filters: Any,
) -> Iterator[dict]:
    """Yield the account's orders (``GET /portfolio/orders``); ``status`` resting, canceled or executed.

    Example:
        >>> [o["order_id"] for o in iter_orders(status="resting")]          # doctest: +SKIP
    """
    event = _alias(event, filters, "event", "event_ticker")
    queries = _portfolio_query(
        _ORDERS,
        {
            **filters,
            "ticker": ticker,
            "status": status,
            "event_ticker": event,
            "min_ts": min_ts,
            "max_ts": max_ts,
        },
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
    **filters: Any,
) -> pd.DataFrame:
    """The account's orders as a DataFrame (``frames.orders_frame``).

    Example:
        >>> orders_df(status="resting")[["ticker", "book_side", "yes_price_dollars"]]  # doctest: +SKIP
    """
    from .frames import orders_frame

    event = _alias(event, filters, "event", "event_ticker")
    queries = _portfolio_query(
        _ORDERS,
        {
            **filters,
            "ticker": ticker,
            "status": status,
            "event_ticker": event,
            "min_ts": min_ts,
            "max_ts": max_ts,
        },
    )
    return _pull(
        orders_frame, client, queries, max_rows=max_rows, progress=progress, label="orders"
    )


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
        >>> [s["ticker"] for s in iter_settlements()]                       # doctest: +SKIP
    """
    event = _alias(event, filters, "event", "event_ticker")
    queries = _portfolio_query(
        _SETTLEMENTS, {**filters, "ticker": ticker, "event_ticker": event, "min_ts": min_ts, "max_ts": max_ts}
    )
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
        >>> settlements_df()[["ticker", "market_result", "revenue_dollars"]]   # doctest: +SKIP
    """
    from .frames import settlements_frame

    event = _alias(event, filters, "event", "event_ticker")
    queries = _portfolio_query(
        _SETTLEMENTS, {**filters, "ticker": ticker, "event_ticker": event, "min_ts": min_ts, "max_ts": max_ts}
    )
    return _pull(
        settlements_frame, client, queries, max_rows=max_rows, progress=progress, label="settlements"
    )
