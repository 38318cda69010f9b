"""The public shaping functions of the list endpoints: markets, events, series, trades and the portfolio."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .columns import (
    _BALANCE_COLUMNS,
    _EVENT_COLUMNS,
    _EVENT_POSITION_COLUMNS,
    _FILL_COLUMNS,
    _MARKET_COLUMNS,
    _MARKET_DERIVED,
    _ORDER_COLUMNS,
    _POSITION_COLUMNS,
    _SCHEMAS,
    _SERIES_COLUMNS,
    _SETTLEMENT_COLUMNS,
    _TRADE_COLUMNS,
)
from .convert import (
    _as_list,
    _assemble,
    _column_or_missing,
    _fill_missing,
    _object,
    _quote_mid_spread,
    _shape,
    _Shaped,
    _typed,
    _utc_now,
)
from .kinds import _DURATION, KIND_ATTR, Now, Record, _Col


def markets_frame(records: Iterable[Record], *, now: Now = None) -> pd.DataFrame:
    """Shape Market objects (``GET /markets``, ``/historical/markets``, legacy or current) into a frame.

    ``now`` fixes the reference time of ``time_to_close`` (default: the current UTC time; a naive value
    is taken as UTC). See ``describe("markets")`` for every column.

    Example:
        >>> df = markets_frame([{"ticker": "T-1", "yes_bid_dollars": "0.4000", "yes_ask_dollars": "0.4100"}])
        >>> float(df.loc[0, "mid_dollars"]), float(df.loc[0, "spread_dollars"])
        (0.405, 0.01)
    """
    return _markets(_shape(_as_list(records), _SCHEMAS["markets"]), now)


def _markets(shaped: _Shaped, now: Now = None) -> pd.DataFrame:
    _add_market_derived(shaped, now)
    return _assemble(shaped, _SCHEMAS["markets"])


def _add_market_derived(shaped: _Shaped, now: Now) -> None:
    cols = {c.name: c for c in _MARKET_COLUMNS}
    bid = _column_or_missing(shaped, cols["yes_bid_dollars"])
    ask = _column_or_missing(shaped, cols["yes_ask_dollars"])
    shaped.columns["mid_dollars"], shaped.columns["spread_dollars"] = _quote_mid_spread(bid, ask)
    shaped.columns["time_to_close"] = _until(_column_or_missing(shaped, cols["close_time"]), _utc_now(now))


_NAT = np.iinfo(np.int64).min


def _until(close: Any, now: pd.Timestamp) -> np.ndarray:
    """``close - now`` as ``timedelta64[ns]``: NaT stays NaT, an out-of-range difference raises as in pandas.

    The subtraction is numpy's on the int64 nanoseconds, a fifth of pandas' cost through a DatetimeIndex
    (which was a tenth of a small page's shaping); where it could overflow or hit NaT's value, or ``now`` is
    outside the nanosecond range, pandas' own subtraction runs instead, so the result (or the error) is its.
    """

    def by_pandas() -> np.ndarray:
        return (pd.DatetimeIndex(close) - now).astype(_DURATION.dtype).to_numpy()

    if not isinstance(getattr(close, "dtype", None), pd.DatetimeTZDtype):
        return by_pandas()
    try:
        start = np.int64(now.as_unit("ns").value)
    except (OverflowError, ValueError):  # pandas' OutOfBoundsDatetime is a ValueError
        return by_pandas()
    stamps = close.to_numpy(dtype="datetime64[ns]").view(np.int64)
    with np.errstate(over="ignore"):
        out = stamps - start
    nat = stamps == _NAT
    # a signed overflow: the operands' signs differ and the result's sign is not the first operand's
    suspect = ((((stamps ^ start) & (stamps ^ out)) < 0) | (out == _NAT)) & ~nat
    if suspect.any():
        return by_pandas()
    out[nat] = _NAT
    return out.view(_DURATION.dtype)


def events_frame(records: Iterable[Record]) -> pd.DataFrame:
    """Shape Event objects (``GET /events``) into a frame, one row per event.

    Nested ``markets`` (``with_nested_markets=true``) are not a column here: use
    :func:`event_markets_frame` for them. See ``describe("events")``.

    Example:
        >>> df = events_frame([{"event_ticker": "E-1", "series_ticker": "S", "collateral_return_type": ""}])
        >>> df.loc[0, "series_ticker"], bool(df["collateral_return_type"].isna().all())
        ('S', True)
    """
    return _assemble(_shape(_as_list(records), _EVENT_COLUMNS, exclude=("markets",)), _EVENT_COLUMNS)


def event_markets_frame(events: Iterable[Record], *, now: Now = None) -> pd.DataFrame:
    """Flatten the nested markets of Event objects into one market frame carrying its event's columns.

    Columns: every market column (as :func:`markets_frame`), then the event's columns prefixed with
    ``event_`` (``event_title``, ``event_mutually_exclusive``, ...; ``series_ticker`` keeps its name and
    ``event_ticker`` is the market's own), then unknown market fields, then unknown event fields (also
    prefixed). Events without nested markets contribute no rows. See ``describe("event_markets")``.

    Example:
        >>> ev = {"event_ticker": "E-1", "series_ticker": "S", "title": "Event", "markets": [{"ticker": "M-1"}]}
        >>> df = event_markets_frame([ev])
        >>> df.loc[0, ["ticker", "event_ticker", "series_ticker", "event_title"]].tolist()
        ['M-1', 'E-1', 'S', 'Event']
    """
    events = _as_list(events)
    markets: list[Record] = []
    counts: list[int] = []
    for event in events:
        nested = event.get("markets")
        nested = [m for m in nested if isinstance(m, Mapping)] if isinstance(nested, list) else []
        markets.extend(nested)
        counts.append(len(nested))
    mf = markets_frame(markets, now=now)
    ef = events_frame(events)
    rows = ef.take(np.repeat(np.arange(len(ef)), counts)).reset_index(drop=True)
    # A nested market normally repeats its event_ticker; fill it from the parent when it does not.
    mf["event_ticker"] = mf["event_ticker"].where(mf["event_ticker"].notna(), rows["event_ticker"])
    rows = rows.drop(columns="event_ticker")
    rows.columns = [
        c if c == "series_ticker" or c.startswith("event_") else f"event_{c}" for c in rows.columns
    ]
    n_market_fixed = len(_MARKET_COLUMNS) + len(_MARKET_DERIVED)
    n_event_fixed = len(_EVENT_COLUMNS) - 1
    market_extras = mf.iloc[:, n_market_fixed:]
    # A new market field named like an event column (say Kalshi starts sending series_ticker on markets)
    # is kept as market_<name>, so the event's column keeps its name and dtype.
    market_extras.columns = [f"market_{c}" if c in rows.columns else c for c in market_extras.columns]
    flat = pd.concat(
        [
            mf.iloc[:, :n_market_fixed],
            rows.iloc[:, :n_event_fixed],
            market_extras,
            rows.iloc[:, n_event_fixed:],
        ],
        axis=1,
    )
    flat.columns = _unique(flat.columns)
    flat.attrs = {KIND_ATTR: "event_markets"}  # concat of two kinds keeps neither tag
    return flat


def _unique(names: Iterable[str]) -> list[str]:
    """Column names made unique (name, name_2, ...): only odd payloads ever need it."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out


def series_frame(records: Iterable[Record]) -> pd.DataFrame:
    """Shape Series objects (``GET /series``) into a frame. See ``describe("series")``.

    Example:
        >>> series_frame([{"ticker": "KXBTC15M", "fee_type": "quadratic", "fee_multiplier": 1}]).dtypes["fee_multiplier"]
        dtype('float64')
    """
    return _assemble(_shape(_as_list(records), _SERIES_COLUMNS), _SERIES_COLUMNS)


def _fill_direction(
    shaped: _Shaped, schema: Sequence[_Col], *, side: str, action: str | None, outcome: str, book: str
) -> None:
    """Derive ``outcome_side``/``book_side`` from the older side/action pair when a payload lacks them.

    Kalshi's rule: buy YES and sell NO give outcome 'yes'; buy NO and sell YES give 'no'; outcome 'yes' rests
    on (or hits) the YES bid side, outcome 'no' the ask side. Public trades carry only ``taker_side``,
    the side the taker bought.
    """
    if shaped.n == 0 or shaped.columns.get(side) is None:
        return
    sides = _object(shaped.columns[side], shaped.n)
    actions = (
        _object(shaped.columns.get(action), shaped.n) if action else np.full(shaped.n, "buy", dtype=object)
    )
    yes, no = sides == "yes", sides == "no"
    buy, sell = actions == "buy", actions == "sell"
    derived = np.full(shaped.n, np.nan, dtype=object)
    derived[(yes & buy) | (no & sell)] = "yes"
    derived[(no & buy) | (yes & sell)] = "no"
    _fill_missing(shaped, schema, outcome, derived)
    outcomes = _object(shaped.columns.get(outcome), shaped.n)
    books = np.full(shaped.n, np.nan, dtype=object)
    books[outcomes == "yes"] = "bid"
    books[outcomes == "no"] = "ask"
    _fill_missing(shaped, schema, book, books)


def trades_frame(records: Iterable[Record]) -> pd.DataFrame:
    """Shape public Trade objects (``GET /markets/trades``, ``/historical/trades``). See ``describe("trades")``.

    Legacy trades without ``taker_outcome_side``/``taker_book_side`` get them from ``taker_side``.

    Example:
        >>> float(trades_frame([{"trade_id": "t", "count_fp": "763.00"}]).loc[0, "count_fp"])
        763.0
    """
    return _trades(_shape(_as_list(records), _TRADE_COLUMNS))


def _trades(shaped: _Shaped) -> pd.DataFrame:
    _fill_direction(
        shaped,
        _TRADE_COLUMNS,
        side="taker_side",
        action=None,
        outcome="taker_outcome_side",
        book="taker_book_side",
    )
    return _assemble(shaped, _TRADE_COLUMNS)


def fills_frame(records: Iterable[Record]) -> pd.DataFrame:
    """Shape Fill objects (``GET /portfolio/fills``). ``fee_cost`` is parsed to dollars. See ``describe("fills")``.

    Legacy fills get ``fill_id``/``market_ticker`` from ``trade_id``/``ticker`` (Kalshi documents them as the
    same values) and ``outcome_side``/``book_side`` from ``side``/``action``.

    Example:
        >>> float(fills_frame([{"fill_id": "f", "fee_cost": "0.0420"}]).loc[0, "fee_cost"])
        0.042
    """
    return _fills(_shape(_as_list(records), _FILL_COLUMNS))


def _fills(shaped: _Shaped) -> pd.DataFrame:
    for target, source in (
        ("fill_id", "trade_id"),
        ("trade_id", "fill_id"),
        ("market_ticker", "ticker"),
        ("ticker", "market_ticker"),
    ):
        if shaped.n and shaped.columns.get(source) is not None:
            _fill_missing(shaped, _FILL_COLUMNS, target, _object(shaped.columns[source], shaped.n))
    _fill_direction(
        shaped, _FILL_COLUMNS, side="side", action="action", outcome="outcome_side", book="book_side"
    )
    return _assemble(shaped, _FILL_COLUMNS)


def orders_frame(records: Iterable[Record]) -> pd.DataFrame:
    """Shape Order objects (``GET /portfolio/orders``). See ``describe("orders")``.

    Legacy orders get ``outcome_side``/``book_side`` from ``side``/``action``.

    Example:
        >>> orders_frame([{"order_id": "o", "status": "resting"}])["status"].cat.categories.tolist()
        ['resting', 'canceled', 'executed', 'pending']
    """
    return _orders(_shape(_as_list(records), _ORDER_COLUMNS))


def _orders(shaped: _Shaped) -> pd.DataFrame:
    _fill_direction(
        shaped, _ORDER_COLUMNS, side="side", action="action", outcome="outcome_side", book="book_side"
    )
    return _assemble(shaped, _ORDER_COLUMNS)


def positions_frame(records: Iterable[Record]) -> pd.DataFrame:
    """Shape MarketPosition objects (``market_positions`` of ``GET /portfolio/positions``).

    See ``describe("positions")``; event positions go through :func:`event_positions_frame`.

    Example:
        >>> float(positions_frame([{"ticker": "T", "position": -3}]).loc[0, "position_fp"])  # legacy integer count
        -3.0
    """
    return _positions(_shape(_as_list(records), _POSITION_COLUMNS))


def _positions(shaped: _Shaped) -> pd.DataFrame:
    return _assemble(shaped, _POSITION_COLUMNS)


def event_positions_frame(records: Iterable[Record]) -> pd.DataFrame:
    """Shape EventPosition objects (``event_positions`` of ``GET /portfolio/positions``).

    Example:
        >>> float(event_positions_frame([{"event_ticker": "E", "total_cost": 250}]).loc[0, "total_cost_dollars"])
        2.5
    """
    return _assemble(_shape(_as_list(records), _EVENT_POSITION_COLUMNS), _EVENT_POSITION_COLUMNS)


def settlements_frame(records: Iterable[Record]) -> pd.DataFrame:
    """Shape Settlement objects (``GET /portfolio/settlements``).

    ``revenue`` and ``value`` stay integer cents as the API sends them (``Int64``); ``revenue_dollars`` and
    ``value_dollars`` are the same amounts in dollars. See ``describe("settlements")``.

    Example:
        >>> df = settlements_frame([{"ticker": "T", "revenue": 1000, "value": 100}])
        >>> int(df.loc[0, "revenue"]), float(df.loc[0, "revenue_dollars"]), float(df.loc[0, "value_dollars"])
        (1000, 10.0, 1.0)
    """
    shaped = _shape(_as_list(records), _SCHEMAS["settlements"])
    for cents, dollars in (("revenue", "revenue_dollars"), ("value", "value_dollars")):
        col = next(c for c in _SETTLEMENT_COLUMNS if c.name == cents)
        shaped.columns[dollars] = (
            pd.array(_column_or_missing(shaped, col)).to_numpy(np.float64, na_value=np.nan) / 100
        )
    return _assemble(shaped, _SCHEMAS["settlements"])


def balance_frame(payload: Record) -> pd.DataFrame:
    """Shape a ``GET /portfolio/balance`` response: the total first, then one row per exchange shard.

    Row 0 (``scope`` ``"total"``) is the answer itself, cents and dollars side by side; each entry of
    ``balance_breakdown`` adds a row (``scope`` ``"shard"``, its ``exchange_index`` and ``balance_dollars``).

    Example:
        >>> df = balance_frame({"balance": 12345, "balance_dollars": "123.4500", "portfolio_value": 500, "updated_ts": 0,
        ...                     "balance_breakdown": [{"exchange_index": 0, "balance": "100.0000"},
        ...                                           {"exchange_index": 2, "balance": "23.4500"}]})
        >>> float(df.loc[0, "balance_dollars"]), float(df.loc[0, "portfolio_value_dollars"])
        (123.45, 5.0)
        >>> df[["scope", "exchange_index", "balance_dollars"]].values.tolist()[1:]
        [['shard', 0, 100.0], ['shard', 2, 23.45]]
    """
    breakdown = payload.get("balance_breakdown") if isinstance(payload, Mapping) else None
    shards = [b for b in breakdown if isinstance(b, Mapping)] if isinstance(breakdown, list) else []
    records: list[Record] = [payload]
    for entry in shards:
        records.append(
            {
                "balance_dollars": entry.get("balance"),
                "exchange_index": entry.get("exchange_index"),
                "updated_ts": payload.get("updated_ts"),
            }
        )
    shaped = _shape(records, _SCHEMAS["balance"])
    col = next(c for c in _BALANCE_COLUMNS if c.name == "portfolio_value")
    value = pd.array(_column_or_missing(shaped, col)).to_numpy(np.float64, na_value=np.nan)
    shaped.columns["portfolio_value_dollars"] = value / 100
    shaped.overrides.pop("scope", None)  # ours, not the payload's
    scope = np.array(["total"] + ["shard"] * len(shards), dtype=object)
    shaped.columns.update(_typed({"scope": scope}, _SCHEMAS["balance"]))
    return _assemble(shaped, _SCHEMAS["balance"])


def ticker_frame(records: Iterable[Record]) -> pd.DataFrame:
    """Shape the live feed's ticker records (a ``ticker`` message's ``msg`` with ``ticker`` and ``time``
    in place of ``market_ticker`` and ``ts_ms``; ``kalshi_nb.feed`` makes them). See ``describe("ticker")``.

    Example:
        >>> float(ticker_frame([{"ticker": "M", "yes_bid_dollars": "0.45"}]).loc[0, "yes_bid_dollars"])
        0.45
    """
    return _assemble(_shape(_as_list(records), _SCHEMAS["ticker"]), _SCHEMAS["ticker"])


_FROM_SHAPED: dict[Callable[..., pd.DataFrame], tuple[Sequence[_Col], Callable[[_Shaped], pd.DataFrame]]] = {
    markets_frame: (_SCHEMAS["markets"], _markets),
    trades_frame: (_TRADE_COLUMNS, _trades),
    fills_frame: (_FILL_COLUMNS, _fills),
    orders_frame: (_ORDER_COLUMNS, _orders),
    positions_frame: (_POSITION_COLUMNS, _positions),
}
"""The shaping functions whose rows may come from another decoder (kalshi_nb.frames.arrow): the column table
each reads, and the rest of its work once the columns are converted. The same function serves both paths."""
