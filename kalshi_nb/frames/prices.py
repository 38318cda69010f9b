"""Order books and candlesticks: the price frames, whose payloads are nested rather than lists of records."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .columns import _CANDLE_GROUPS, _ORDERBOOK_COLUMNS, _SCHEMAS
from .convert import (
    _as_list,
    _assemble,
    _infer_extra,
    _log_lost,
    _objects,
    _quote_mid_spread,
    _shape,
    _Shaped,
    _to_float,
    _typed,
    logger,
)
from .kinds import _YES_NO, Record


def _book_levels(book: Mapping[str, Any], side: str) -> tuple[list[Any], list[Any], int]:
    """The levels of one side and the divisor of their prices: today's dollar strings, or legacy cents."""
    levels: Any = None
    divisor = 1
    for key, divisor in ((f"{side}_dollars", 1), (f"{side}_dollars_fp", 1), (side, 100)):  # noqa: B007
        levels = book.get(key)
        if levels is not None:
            break
    levels = levels if isinstance(levels, list) else []
    good = [level for level in levels if isinstance(level, (list, tuple)) and len(level) >= 2]
    if len(good) != len(levels):
        logger.warning(
            "orderbook %s: %d level(s) are not [price, count] pairs and were skipped",
            side,
            len(levels) - len(good),
        )
    return [level[0] for level in good], [level[1] for level in good], divisor


def orderbook_frame(payload: Record, *, ticker: str | None = None) -> pd.DataFrame:
    """Shape an orderbook (``GET /markets/{ticker}/orderbook``) into one frame holding both sides.

    Kalshi's book only lists bids: YES bids and NO bids. A NO bid at price q is an offer to sell YES at
    1 - q, so each NO level is also shown as an implied YES ask. Layout: one row per level; ``side`` is the
    list it came from (yes/no), ``price_dollars`` its own price, ``yes_price_dollars`` the YES-terms price
    (the bid itself, or 1 - NO bid), ``book_side`` bid/ask in YES terms, ``level`` 0 for the best level of its
    book side, and ``cum_count_fp`` the depth from the best level outward. Rows are sorted by
    ``yes_price_dollars`` from high to low, like a price ladder: implied asks on top (worst first), the
    best ask and the best bid meet in the middle, then bids down to the worst. Accepts the whole response
    (``{"orderbook_fp": ...}``), a legacy ``{"orderbook": {"yes": [[cents, count]], ...}}`` response, or the
    inner book. See ``describe("orderbook")``.

    Example:
        >>> book = {"orderbook_fp": {"yes_dollars": [["0.4000", "10.00"]], "no_dollars": [["0.5900", "5.00"]]}}
        >>> orderbook_frame(book)[["book_side", "yes_price_dollars", "count_fp"]].values.tolist()
        [['ask', 0.41, 5.0], ['bid', 0.4, 10.0]]
    """
    book = payload.get("orderbook_fp") or payload.get("orderbook") or payload
    book = book if isinstance(book, Mapping) else {}
    sides: list[str] = []
    prices: list[float] = []
    counts: list[Any] = []
    for side in _YES_NO:
        raw_prices, raw_counts, divisor = _book_levels(book, side)
        parsed = _to_float(f"orderbook {side} price", _objects(raw_prices)) / divisor
        prices.extend(parsed.tolist())
        counts.extend(raw_counts)
        sides.extend([side] * len(raw_prices))
    price = np.array(prices, dtype=np.float64)
    count = _to_float("orderbook count", _objects(counts))
    is_yes = np.array([s == "yes" for s in sides], dtype=bool)
    with np.errstate(over="ignore"):  # a nonsense price near the float limit rounds to inf, not an error
        yes_price = np.where(is_yes, price, np.round(1 - price, 8))
    order = np.argsort(-yes_price, kind="stable")
    price, count, is_yes, yes_price = price[order], count[order], is_yes[order], yes_price[order]
    n = len(price)
    level = np.zeros(n, dtype=np.int64)
    depth = np.zeros(n, dtype=np.float64)
    bids = np.flatnonzero(is_yes)  # already best (highest) first
    asks = np.flatnonzero(~is_yes)[::-1]  # best (lowest YES price) first
    for rows in (bids, asks):
        level[rows] = np.arange(len(rows))
        depth[rows] = np.cumsum(count[rows])
    columns: dict[str, Any] = {
        "ticker": _objects([ticker] * n),
        "side": np.where(is_yes, "yes", "no").astype(object),
        "price_dollars": price,
        "count_fp": count,
        "yes_price_dollars": yes_price,
        "book_side": np.where(is_yes, "bid", "ask").astype(object),
        "level": level,
        "cum_count_fp": depth,
    }
    return _assemble(_Shaped(n, _typed(columns, _ORDERBOOK_COLUMNS), {}), _ORDERBOOK_COLUMNS)


def _candle_price(subs: list[Mapping[str, Any]], group: str, field: str, *, historical: bool) -> np.ndarray:
    """One flattened price: ``<field>_dollars`` (today), else the bare ``<field>``.

    A bare field holds dollar strings on the historical endpoint and integer cents in legacy (pre-March
    2026) live candles; a bare string is always dollars, since legacy cents were JSON integers.
    """
    name = f"{group}_{field}_dollars"
    values = _to_float(name, _objects([s.get(f"{field}_dollars") for s in subs]))
    bare = [s.get(field) for s in subs]
    if all(v is None for v in bare):
        return values
    fallback = _to_float(name, _objects(bare))
    if not historical:
        cents = np.fromiter(
            (isinstance(v, (int, float)) and not isinstance(v, bool) for v in bare), bool, len(bare)
        )
        fallback = np.where(cents, fallback / 100, fallback)
    return np.where(np.isnan(values), fallback, values)


def candles_frame(
    records: Iterable[Record], *, historical: bool = False, ticker: str | None = None
) -> pd.DataFrame:
    """Flatten candlesticks into one row per period with OHLC columns.

    Live candles (``GET /series/{s}/markets/{t}/candlesticks``: ``yes_bid.open_dollars``, ``volume_fp``),
    historical ones (``/historical/markets/{t}/candlesticks``, ``historical=True``: ``yes_bid.open``,
    ``volume``) and legacy live ones (integer cents in ``yes_bid.open``) all shape into the same columns:
    ``yes_bid_open_dollars`` ... ``price_close_dollars``, ``volume_fp``, ``open_interest_fp`` and
    ``end_period_ts`` as a UTC datetime. Unknown fields inside ``yes_bid``/``yes_ask``/``price`` are kept as
    ``<group>_<field>``. ``ticker`` fills the ticker column (the response carries it once, outside the
    records). See ``describe("candles")``.

    Example:
        >>> c = {"end_period_ts": 1788748500, "yes_bid": {"close_dollars": "0.4600"}, "yes_ask": {"close_dollars": "0.4700"}}
        >>> df = candles_frame([c], ticker="T")
        >>> str(df.loc[0, "end_period_ts"]), float(df.loc[0, "mid_close_dollars"])
        ('2026-09-07 02:35:00+00:00', 0.465)
    """
    records = _as_list(records)
    n = len(records)
    columns: dict[str, Any] = {}
    extras: dict[str, pd.Series] = {}
    for group, fields in _CANDLE_GROUPS:
        raw = [r.get(group) for r in records]
        subs = [g if isinstance(g, Mapping) else {} for g in raw]
        odd = np.array([g is not None and not isinstance(g, Mapping) for g in raw], dtype=bool)
        _log_lost(group, _objects(raw), odd, "objects of prices")
        for field in fields:
            columns[f"{group}_{field}_dollars"] = _candle_price(subs, group, field, historical=historical)
        known = {*fields, *(f"{f}_dollars" for f in fields)}
        for key in sorted(set().union(*subs) - known if subs else ()):
            extras[f"{group}_{key}"] = _infer_extra(f"{group}_{key}", _objects([s.get(key) for s in subs]))
    top = _shape(records, _SCHEMAS["candles"], exclude=[g for g, _ in _CANDLE_GROUPS])
    for name, values in top.columns.items():
        if name not in columns or values is None:
            columns.setdefault(name, values)
        else:  # a flattened name sent at the top level: it fills what the nested objects left empty
            columns[name] = np.where(np.isnan(columns[name]), values, columns[name])
    extras.update(top.extras)
    names = [r.get("ticker") or r.get("market_ticker") for r in records]
    columns["ticker"] = _objects([ticker if ticker is not None else name for name in names])
    columns["mid_close_dollars"], columns["spread_close_dollars"] = _quote_mid_spread(
        columns["yes_bid_close_dollars"], columns["yes_ask_close_dollars"]
    )
    return _assemble(_Shaped(n, columns, extras, top.overrides), _SCHEMAS["candles"])
