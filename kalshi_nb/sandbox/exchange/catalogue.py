"""Markets, events, series, trades and the order book as the public endpoints list and look them up."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from typing import cast

from .. import data
from ..data import QUERY_STATUS, iso, wire_market
from ..data.grids import PRICE_RANGES, check_ranges
from ..errors import bad_request, not_found
from ..limits import MAX_TS, MIN_TS, bounded_int
from ..money import count_str, pip_str
from .events import Events
from .state import _iso_ts


class Catalogue(Events):
    """The public market data: lookups and stable, keyed listings (keys feed pagination.py's cursors)."""

    def _is_historical(self, ticker: str) -> bool:
        rec = self._rec[ticker]
        if rec["status"] != "finalized":
            return False
        settled = self._settled_at.get(ticker, self._life[ticker].finalize_ts)
        return settled < self._cutoff_market

    def markets(
        self,
        *,
        status: str | None = None,
        series_ticker: str | None = None,
        event_ticker: str | None = None,
        tickers: Iterable[str] | None = None,
        mve_filter: str | None = None,
        min_created_ts: int | None = None,
        max_created_ts: int | None = None,
        min_close_ts: int | None = None,
        max_close_ts: int | None = None,
        min_settled_ts: int | None = None,
        max_settled_ts: int | None = None,
        min_updated_ts: int | None = None,
        max_updated_ts: int | None = None,
        with_keys: bool = False,
    ) -> list[dict]:
        """Live markets (not historical) matching the filters, in a stable order, as the API sends them.

        ``with_keys=True`` returns ``(rows, keys)``: each row's keyset-cursor key, ascending (pagination.py).
        There the rows are the stored records, shared and not to be mutated. ``data.wire_market`` renders one
        as sent, so a server renders only the page it sends, not every row of a 200,000-market list.

        Example:
            >>> from kalshi_nb.sandbox.exchange import Exchange
            >>> ex = Exchange(seed=1)
            >>> {m["status"] for m in ex.markets(status="open")}
            {'active'}
        """
        groups = {
            "created": (min_created_ts, max_created_ts),
            "close": (min_close_ts, max_close_ts),
            "settled": (min_settled_ts, max_settled_ts),
            "updated": (min_updated_ts, max_updated_ts),
        }
        used = [name for name, pair in groups.items() if pair != (None, None)]
        if len(used) > 1:
            raise bad_request(
                f"timestamp filters of different kinds can't be combined ({', '.join(used)}); "
                "use one of created, close, settled or updated"
            )
        allowed = {
            "created": (None, "unopened", "open"),
            "close": (None, "closed"),
            "settled": (None, "settled"),
            "updated": (None,),
        }
        if used and status not in allowed[used[0]]:
            raise bad_request(f"{used[0]} timestamp filters can't be combined with status={status}")
        if used == ["updated"] and mve_filter != "exclude":
            raise bad_request("min_updated_ts/max_updated_ts require mve_filter=exclude")
        if status is not None and status not in QUERY_STATUS:
            raise bad_request(f"status must be one of {', '.join(QUERY_STATUS)}, got {status!r}")
        if mve_filter not in (None, "only", "exclude"):
            raise bad_request(f"mve_filter must be 'only' or 'exclude', got {mve_filter!r}")
        tickers_key = tuple(tickers) if tickers is not None else None
        key = (
            "markets",
            status,
            series_ticker,
            event_ticker,
            tickers_key,
            mve_filter,
            *(v for pair in groups.values() for v in pair),
        )
        with self._lock:
            self._sync()
            field_name = (
                {
                    "created": "created_time",
                    "close": "close_time",
                    "settled": "settlement_ts",
                    "updated": "updated_time",
                }.get(used[0])
                if used
                else None
            )
            lo, hi = groups[used[0]] if used else (None, None)
            rows = self._cached(
                key,
                lambda: self._filter_markets(
                    live=True,
                    status=status,
                    series=series_ticker,
                    event=event_ticker,
                    tickers=tickers_key,
                    mve=mve_filter,
                    ts_field=field_name,
                    lo=lo,
                    hi=hi,
                ),
            )
            if with_keys:
                return self._with_market_keys(key, rows, tickers_key)  # type: ignore[return-value]
            return [wire_market(m) for m in rows]  # type: ignore[attr-defined]

    def historical_markets(
        self,
        *,
        tickers: Iterable[str] | None = None,
        event_ticker: str | None = None,
        series_ticker: str | None = None,
        mve_filter: str | None = None,
        with_keys: bool = False,
    ) -> list[dict]:
        """Markets settled before the historical cutoff (``/historical/markets``); ``with_keys`` as ``markets``."""
        tickers_key = tuple(tickers) if tickers is not None else None
        given = [
            n
            for n, v in (
                ("tickers", tickers_key),
                ("event_ticker", event_ticker),
                ("series_ticker", series_ticker),
            )
            if v
        ]
        if len(given) > 1:
            raise bad_request(f"filters {', '.join(given)} are mutually exclusive on historical markets")
        with self._lock:
            self._sync()
            key = ("historical", tickers_key, event_ticker, series_ticker, mve_filter)
            rows = self._cached(
                key,
                lambda: self._filter_markets(
                    live=False,
                    status=None,
                    series=series_ticker,
                    event=event_ticker,
                    tickers=tickers_key,
                    mve=mve_filter,
                    ts_field=None,
                    lo=None,
                    hi=None,
                ),
            )
            if with_keys:
                return self._with_market_keys(key, rows, tickers_key)  # type: ignore[return-value]
            return [wire_market(m) for m in rows]  # type: ignore[attr-defined]

    def _with_market_keys(
        self, key: tuple, rows: object, tickers: tuple[str, ...] | None
    ) -> tuple[list, list]:
        """Market rows with their keys: the place in ``tickers`` when given (that is the list's order), else the
        place in the generated order (``_by_event``/``_by_series`` keep that order). Both never change."""

        def build() -> list:
            rank = self._rank if tickers is None else {t: i for i, t in enumerate(dict.fromkeys(tickers))}
            return [(rank[m["ticker"]],) for m in rows]  # type: ignore[attr-defined]

        return rows, self._cached((*key, "keys"), build)  # type: ignore[return-value]

    def _filter_markets(
        self,
        *,
        live: bool,
        status: str | None,
        series: str | None,
        event: str | None,
        tickers: tuple[str, ...] | None,
        mve: str | None,
        ts_field: str | None,
        lo: int | None,
        hi: int | None,
    ) -> list[dict]:
        if tickers is not None:
            seen: set[str] = set()
            candidates = [t for t in tickers if t in self._rec and not (t in seen or seen.add(t))]  # type: ignore[func-returns-value]
        elif event is not None:
            candidates = self._by_event.get(event, [])
        elif series is not None:
            candidates = self._by_series.get(series, [])
        else:
            candidates = self._order
        hist = self._historical
        recs = self._rec
        if live:
            out = [recs[t] for t in candidates if t not in hist] if hist else [recs[t] for t in candidates]
        else:
            out = [recs[t] for t in candidates if t in hist]
        if series is not None and (event is not None or tickers is not None):
            out = [m for m in out if self._mseries[m["ticker"]] == series]
        if event is not None and tickers is not None:
            out = [m for m in out if m["event_ticker"] == event]
        if status is not None:
            wanted = QUERY_STATUS[status]
            out = [m for m in out if m["status"] in wanted]
        if mve == "only":
            out = [m for m in out if m["ticker"] in self._mve]
        elif mve == "exclude" and self._mve:
            out = [m for m in out if m["ticker"] not in self._mve]
        if ts_field is not None:
            lo_f = -math.inf if lo is None else lo
            hi_f = math.inf if hi is None else hi
            out = [m for m in out if ts_field in m and lo_f <= _iso_ts(m[ts_field]) <= hi_f]
        return out

    def market(self, ticker: str) -> dict:
        """One market, live or historical, as the API sends it (a new dict); 404 if unknown."""
        with self._lock:
            self._sync()
            rec = self._rec.get(ticker)
            if rec is None:
                raise not_found(f"market {ticker} does not exist")
            return wire_market(rec)

    def orderbook(self, ticker: str, depth: int = 0) -> dict:
        """``{"yes_dollars": [[price, count], ...], "no_dollars": [...]}``, ascending price; ``depth`` best levels."""
        with self._lock:
            self._sync()
            self._market_or_404(ticker)
            book = self._book(ticker)
            out = {}
            for yes, name in ((True, "yes_dollars"), (False, "no_dollars")):
                levels, prices = book.side(yes)
                chosen = prices[-depth:] if depth and depth > 0 else prices
                out[name] = [[pip_str(p), count_str(sum(e.remaining for e in levels[p]))] for p in chosen]
            return out

    def _synthetic(self, ticker: str) -> tuple[list[dict], list[int]]:
        """A market's synthetic trades as wire dicts (newest first) and their times in ms (oldest first)."""
        hit = self._tick_cache.get(ticker)
        if hit is not None:
            self._tick_cache.move_to_end(ticker)
            return hit
        h = self._hist.get(ticker)
        ticks = data.ticks(h) if h is not None and h.n_trades else []
        rows = [data.trade_dict(ticker, t) for t in reversed(ticks)]
        times = [t.ts_ms for t in ticks]
        self._tick_cache[ticker] = (rows, times)
        if len(self._tick_cache) > 4096:
            self._tick_cache.popitem(last=False)
        return rows, times

    def trades(
        self,
        *,
        ticker: str | None = None,
        min_ts: int | None = None,
        max_ts: int | None = None,
        is_block_trade: bool | None = None,
        historical: bool = False,
        with_keys: bool = False,
    ) -> list[dict]:
        """Public trades, newest first. Trades before the trades cutoff are only in the historical list.
        ``with_keys=True`` returns ``(rows, keys)`` (keys: newest first = ascending, see pagination.py).

        Without ``ticker`` the feed covers markets that traded in the requested window (by default since
        the trades cutoff), so it stays small at 200,000 markets.
        """
        with self._lock:
            now = self._sync()
            if ticker is not None:
                self._market_or_404(ticker)
            key = ("trades", ticker, min_ts, max_ts, is_block_trade, historical)
            built = self._cached(
                key, lambda: self._trades(ticker, min_ts, max_ts, is_block_trade, historical, now)
            )
            rows, keys = cast("tuple[list[dict], list[tuple]]", built)
            return (rows, keys) if with_keys else rows  # type: ignore[return-value]

    def _trades(
        self,
        ticker: str | None,
        min_ts: int | None,
        max_ts: int | None,
        block: bool | None,
        historical: bool,
        now: float,
    ) -> tuple[list[dict], list[tuple]]:
        if block:
            return [], []  # no block trades in the sandbox
        cut_ms = self._cutoff_trades * 1000
        lo_ms = (min_ts * 1000) if min_ts is not None else -math.inf
        hi_ms = (max_ts * 1000 + 999) if max_ts is not None else math.inf
        if historical:
            hi_ms = min(hi_ms, cut_ms - 1)
        else:
            lo_ms = max(lo_ms, cut_ms)
        if ticker is not None:
            tickers: Iterable[str] = [ticker]
        else:
            lo_s = lo_ms / 1000
            hi_s = min(hi_ms / 1000, now)
            lives = self._life
            tickers = [
                t
                for t in self._order
                if (t in self._live_trades or (t in self._hist and self._hist[t].n_trades))
                and lives[t].open_ts <= hi_s
                and min(lives[t].close_ts, now) >= lo_s
            ]
        # Sort keys never change for a trade: (time, 1 for sandbox trades, their sequence number) or
        # (time, 0, the market's rank, the synthetic trade's index); newest first = keys negated, ascending.
        out: list[tuple[tuple[int, int, int, int], dict]] = []
        rank = self._rank
        for t in tickers:
            rows, times = self._synthetic(t)
            n = len(times)
            r = rank[t]
            for i, ts in enumerate(times):
                if lo_ms <= ts <= hi_ms:
                    out.append(((-ts, 0, -r, -i), rows[n - 1 - i]))
            for row in self._live_trades.get(t, ()):
                ts = row["_ms"]
                if lo_ms <= ts <= hi_ms:
                    out.append(((-ts, -1, -row["_seq"], 0), row["rec"]))
        out.sort(key=lambda x: x[0])  # newest first; same millisecond: the later one first
        return [r for _, r in out], [k for k, _ in out]

    def _series_volume(self, ticker: str) -> str:
        return count_str(sum(self._volume(t) for t in self._by_series.get(ticker, ())))

    def series_list(
        self,
        *,
        category: str | None = None,
        tags: str | Iterable[str] | None = None,
        include_volume: bool = False,
    ) -> list[dict]:
        """All series (not paginated, as live); ``category`` matches any of ``categories``, ``tags`` any tag."""
        if isinstance(tags, str):
            tags = [t for t in tags.split(",") if t]
        wanted = set(tags) if tags else None
        with self._lock:
            self._sync()
            out = []
            for name in self._series_order:
                s = self._series[name]
                if category is not None and category not in s["categories"]:
                    continue
                if wanted is not None and not wanted & set(s["tags"] or ()):
                    continue
                out.append({**s, "volume_fp": self._series_volume(name)} if include_volume else s)
            return out

    def series(self, ticker: str, *, include_volume: bool = False) -> dict:
        with self._lock:
            self._sync()
            s = self._series.get(ticker)
            if s is None:
                raise not_found(f"series {ticker} does not exist")
            return {**s, "volume_fp": self._series_volume(ticker)} if include_volume else s

    def series_fee_changes(
        self, *, series_ticker: str | None = None, show_historical: bool = False
    ) -> list[dict]:
        """``GET /series/fee_changes``: fee changes scheduled after now, plus past ones with
        ``show_historical`` (meaning of the flag UNCONFIRMED; DESIGN.md). The seeded changes are all past:
        each set the fee type the series has now."""
        with self._lock:
            now = self._sync()
            rows = self._cached(
                ("fee_changes",),
                lambda: data.fee_changes(
                    self._seed, self._anchor_ts, [self._series[t] for t in self._series_order]
                ),
            )
            out = [r for r in rows if series_ticker is None or r["series_ticker"] == series_ticker]  # type: ignore[attr-defined]
            if not show_historical:
                out = [r for r in out if _iso_ts(r["scheduled_ts"]) > now]
            return out

    def set_price_grid(self, ticker: str, structure: str, price_ranges: list | None = None) -> dict:
        """Control: move a market to another price grid while it trades; return the new market record, as sent.

        ``structure`` is a known ``price_level_structure`` (``price_ranges`` then defaults to its bands) or
        any name with explicit ``price_ranges`` (contiguous bands from $0 to $1). Resting orders are
        preserved, even at prices off the new grid (changelog: "resting orders are preserved"); new orders
        and amends are checked by the new bands at once. ``ValueError`` on a bad grid, 404 on an unknown market.

        Example:
            >>> from kalshi_nb.sandbox.exchange import Exchange
            >>> ex = Exchange(seed=1)
            >>> t = ex.markets(series_ticker="KXFEDDECISION", status="open")[0]["ticker"]
            >>> ex.set_price_grid(t, "deci_cent")["price_ranges"]
            [{'start': '0.0000', 'end': '1.0000', 'step': '0.0010'}]
        """
        if not isinstance(structure, str) or not 0 < len(structure) <= 64:
            raise ValueError("price_level_structure must be a non-empty name (at most 64 characters)")
        if price_ranges is None:
            if structure not in PRICE_RANGES:
                raise ValueError(
                    f"unknown price_level_structure {structure!r}: give price_ranges, or one of "
                    + ", ".join(PRICE_RANGES)
                )
            ranges = PRICE_RANGES[structure]  # shared, like the seeded markets' lists
        else:
            ranges = check_ranges(price_ranges)
        with self._lock:
            now = self._sync()
            self._market_or_404(ticker)
            rec = self._replace(
                ticker,
                {"price_level_structure": structure, "price_ranges": ranges, "updated_time": iso(int(now))},
            )
            return wire_market(rec)

    def exchange_status(self) -> dict:
        """``GET /exchange/status`` body (not enveloped, as live)."""
        return {
            "exchange_active": True,
            "trading_active": True,
            "intra_exchange_transfers_active": True,
            "exchange_estimated_resume_time": None,
        }

    def exchange_schedule(self) -> dict:
        """``GET /exchange/schedule`` body: ``{"schedule": {...}}`` (trading around the clock; times ET)."""
        day = [{"open_time": "00:00", "close_time": "23:59"}]
        week = {
            d: day for d in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        }
        return {
            "schedule": {
                "standard_hours": [
                    {"start_time": "2026-01-01T05:00:00Z", "end_time": "2027-01-01T05:00:00Z", **week}
                ],
                "maintenance_windows": [],
            }
        }

    def historical_cutoff(self) -> dict:
        """``GET /historical/cutoff`` body."""
        with self._lock:
            return {
                "market_settled_ts": iso(self._cutoff_market),
                "trades_created_ts": iso(self._cutoff_trades),
                "orders_updated_ts": iso(self._cutoff_orders),
                "market_positions_last_updated_ts": iso(self._cutoff_market),
            }

    def set_historical_cutoff(self, when: datetime) -> None:
        """Move every cutoff to ``when``: markets settled before it leave ``markets()`` for ``historical_markets()``."""
        if not isinstance(when, datetime) or when.tzinfo is None:
            raise ValueError("the historical cutoff must be a timezone-aware datetime")
        ts = bounded_int("historical cutoff (Unix seconds)", int(when.timestamp()), low=MIN_TS, high=MAX_TS)
        with self._lock:
            self._sync()
            self._cutoff_market = self._cutoff_trades = self._cutoff_orders = ts
            self._historical = {t for t in self._order if self._is_historical(t)}
            self._bump()
