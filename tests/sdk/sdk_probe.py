"""Drive a Kalshi server with the official SDK (kalshi-python-sync 3.34.0) and report what failed to parse.

Run by a Python 3.13 interpreter that has the SDK (`bash scripts/setup-sdk-venv.sh` makes `.venv-sdk/`).
It imports nothing from kalshi_nb: it only talks HTTP, signs with the SDK's own `KalshiAuth`, and lets the
SDK's pydantic models parse every response, which is the point: any Kalshi client must work against the
sandbox.

Besides the SDK's own parsing, each response's raw JSON is audited against the model:
- a field the model marks as required must be present (a required-but-nullable field such as
  `EventData.settlement_sources` parses fine when missing, so pydantic alone would hide it);
- a `datetime` field must be an ISO-8601 string with a time zone (pydantic would also accept epoch numbers);
- a `*_dollars` / `*_fp` string must be a finite decimal;
- the HTTP status must be the one the SDK maps to the model (a 200 where the SDK expects 201 makes the SDK
  return `None` silently).

Output: one JSON object per line per call: {"call", "ok", "status", "n", "err", "problems", "absent_optional",
"sample"}; "sample" holds a few values as the SDK parsed them, for the test to compare. Exit status 0 if every
call passed, 1 if any failed, 2 on a usage error.

Example:
    .venv-sdk/bin/python tests/sdk/sdk_probe.py http://127.0.0.1:5000/trade-api/v2 KEYID /tmp/key.pem \\
        --ticker KXBTC15M-26SEP062245-45
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import json
import os
import sys
import time
import traceback
import types
import typing
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import kalshi_python_sync as k
import sdk_probe_accounts  # beside this file: shards, subaccounts, transfers, history, limits
from kalshi_python_sync import models as M
from pydantic import BaseModel, ValidationError

TIMEOUT_S = 15.0
PAGE_LIMIT = 50  # small pages so that paging visits several of them
MAX_PAGES = 6
MAX_PROBLEMS = 12  # per call
FULL_SWEEP_PAGES = 50  # pages of 1,000 (200 for events) when reading a whole list


# --------------------------------------------------------------------------------------------------
# Auditing raw JSON against a model
# --------------------------------------------------------------------------------------------------


def _unwrap(ann: Any) -> Any:
    """Strip Annotated[...] and Optional[...] (a union with None) from a type annotation."""
    while True:
        origin = typing.get_origin(ann)
        if origin is typing.Annotated:
            ann = typing.get_args(ann)[0]
            continue
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(ann) if a is not type(None)]
            if len(args) == 1:
                ann = args[0]
                continue
        return ann


def _is_decimal_string(value: str) -> bool:
    try:
        return decimal.Decimal(value).is_finite()
    except decimal.InvalidOperation:
        return False


class Audit:
    """Collects wire-format problems and absent optional fields while walking raw JSON with a model."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.absent_optional: dict[str, set[str]] = {}

    def model(self, cls: type[BaseModel], value: Any, path: str) -> None:
        if not isinstance(value, dict):
            self.problems.append(f"{path}: expected a JSON object for {cls.__name__}, got {value!r:.80}")
            return
        for name, field in cls.model_fields.items():
            key = field.alias or name
            if key not in value:
                if field.is_required():
                    self.problems.append(f"{path}.{key}: required by {cls.__name__} but missing")
                else:
                    self.absent_optional.setdefault(cls.__name__, set()).add(key)
                continue
            if value[key] is not None:
                self.value(field.annotation, value[key], f"{path}.{key}", key)

    def value(self, ann: Any, value: Any, path: str, key: str) -> None:
        ann = _unwrap(ann)
        origin = typing.get_origin(ann)
        if origin is list:
            (inner,) = typing.get_args(ann)
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if item is not None:
                        self.value(inner, item, f"{path}[{i}]", key)
            return
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            self.model(ann, value, path)
        elif ann is dt.datetime:
            self._datetime(value, path)
        elif (
            ann is str
            and key.endswith(("_dollars", "_fp"))
            and isinstance(value, str)
            and not _is_decimal_string(value)
        ):
            self.problems.append(f"{path}: expected a decimal string, got {value!r}")

    def _datetime(self, value: Any, path: str) -> None:
        if not isinstance(value, str):
            self.problems.append(f"{path}: expected an ISO-8601 string, got {type(value).__name__} {value!r}")
            return
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            self.problems.append(f"{path}: not ISO-8601: {value!r}")
            return
        if parsed.tzinfo is None:
            self.problems.append(f"{path}: ISO time without a time zone: {value!r}")


def describe(exc: Exception) -> str:
    """One line per field for a pydantic ValidationError (which model, where, what was received)."""
    if isinstance(exc, ValidationError):
        errors = exc.errors()
        parts = [
            f"{'.'.join(map(str, e['loc']))}: {e['msg']} (got {e.get('input')!r:.80})" for e in errors[:25]
        ]
        more = f"; ... {len(errors) - 25} more" if len(errors) > 25 else ""
        return f"ValidationError in {exc.title}: " + "; ".join(parts) + more
    return f"{type(exc).__name__}: {exc}"


# --------------------------------------------------------------------------------------------------
# The probe
# --------------------------------------------------------------------------------------------------


class Probe:
    """Runs SDK calls, audits each response and prints one JSON line per call."""

    def __init__(self, out: typing.TextIO = sys.stdout) -> None:
        self.out = out
        self.failed: list[str] = []

    def emit(self, record: dict[str, Any]) -> None:
        if not record["ok"]:
            self.failed.append(record["call"])
        self.out.write(json.dumps(record, default=str) + "\n")
        self.out.flush()

    def call(
        self,
        name: str,
        fn: Callable[[], k.ApiResponse],
        model: type[BaseModel] | None,
        *,
        status: int = 200,
        count: Callable[[Any], int] | None = None,
        sample: Callable[[Any], dict[str, Any]] | None = None,
        optional_route: bool = False,
    ) -> Any:
        """Run one `*_with_http_info` call. Returns the parsed model, or None if the SDK could not parse it.

        `optional_route`: the sandbox may not serve this path; a 404 is then reported as not served
        (and is not a failure), any other outcome is judged as usual.
        """
        record: dict[str, Any] = {
            "call": name,
            "ok": False,
            "status": None,
            "n": None,
            "err": None,
            "problems": [],
            "absent_optional": {},
            "sample": None,
        }
        started = time.perf_counter()
        try:
            response = fn()
        except k.ApiException as exc:
            record["status"] = exc.status
            record["err"] = f"ApiException {exc.status} {exc.reason}: {(exc.body or '')[:500]}"
            if optional_route and exc.status == 404:
                record.update(ok=True, not_served=True)
            self.emit(record)
            return None
        except Exception as exc:  # noqa: BLE001  (a pydantic ValidationError is the interesting case)
            record["err"] = describe(exc)
            self.emit(record)
            return None
        record["ms"] = round((time.perf_counter() - started) * 1000, 1)
        record["status"] = response.status_code
        data = response.data
        problems: list[str] = []
        if response.status_code != status:
            problems.append(
                f"HTTP {response.status_code}, the SDK maps only {status} to "
                f"{model.__name__ if model else 'no body'}"
            )
        if model is not None:
            if not isinstance(data, model):
                problems.append(f"SDK returned {type(data).__name__}, expected {model.__name__}")
            audit = Audit()
            try:
                raw = json.loads(response.raw_data)
            except ValueError as exc:
                problems.append(f"body is not JSON: {exc}")
            else:
                audit.model(model, raw, "$")
            problems.extend(audit.problems)
            record["absent_optional"] = {m: sorted(f) for m, f in sorted(audit.absent_optional.items())}
        if model is not None and isinstance(data, model):
            try:
                record["n"] = count(data) if count else None
                record["sample"] = sample(data) if sample else None
            except Exception as exc:  # noqa: BLE001
                problems.append(f"reading the parsed model failed: {type(exc).__name__}: {exc}")
        # the same defect repeats on every record of a list; the first few say enough
        record["problems"] = problems[:MAX_PROBLEMS] + (
            [f"... and {len(problems) - MAX_PROBLEMS} more"] if len(problems) > MAX_PROBLEMS else []
        )
        record["ok"] = not problems
        self.emit(record)
        # a parsed model is returned even when the audit failed (already reported), so later calls still run
        return data if model is not None and isinstance(data, model) else None

    def paginate(
        self,
        name: str,
        fetch: Callable[[str | None], k.ApiResponse],
        model: type[BaseModel],
        items: Callable[[Any], list[Any]],
        key: Callable[[Any], str],
        *,
        max_pages: int = MAX_PAGES,
    ) -> list[Any]:
        """Page with the same filters until the cursor is "" or `max_pages`; check no item repeats."""
        seen: dict[str, int] = {}
        collected: list[Any] = []
        cursor: str | None = None
        pages = 0
        reached_end = False
        problems: list[str] = []
        while pages < max_pages:
            page = self.call(
                f"{name} [page {pages + 1}]", lambda c=cursor: fetch(c), model, count=lambda d: len(items(d))
            )
            pages += 1
            if page is None:
                problems.append(f"page {pages} failed")
                break
            for item in items(page):
                if key(item) in seen:
                    problems.append(f"{key(item)} on page {seen[key(item)]} and again on page {pages}")
                seen[key(item)] = pages
                collected.append(item)
            if not page.cursor:
                reached_end = True
                break
            if page.cursor == cursor:
                problems.append(f"cursor did not advance on page {pages}")
                break
            if not items(page):
                problems.append(f"page {pages} is empty but has a next cursor")
            cursor = page.cursor
        self.emit(
            {
                "call": f"{name} [pagination]",
                "ok": not problems,
                "pages": pages,
                "n": len(collected),
                "reached_end": reached_end,
                "problems": problems,
            }
        )
        return collected


# --------------------------------------------------------------------------------------------------
# Calls
# --------------------------------------------------------------------------------------------------


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _epoch(value: dt.datetime) -> int:
    return int(value.timestamp())


def _market_sample(m: M.Market) -> dict[str, Any]:
    return {
        "ticker": m.ticker,
        "status": m.status,
        "yes_bid_dollars": m.yes_bid_dollars,
        "yes_ask_dollars": m.yes_ask_dollars,
        "last_price_dollars": m.last_price_dollars,
        "volume_fp": m.volume_fp,
        "result": m.result,
        "close_time": _iso(m.close_time),
        "floor_strike": m.floor_strike,
        "price_ranges": [r.to_dict() for r in m.price_ranges],
    }


def _order_sample(o: M.Order) -> dict[str, Any]:
    return {
        "order_id": o.order_id,
        "status": o.status.value,
        "book_side": o.book_side.value,
        "yes_price_dollars": o.yes_price_dollars,
        "remaining_count_fp": o.remaining_count_fp,
        "fill_count_fp": o.fill_count_fp,
        "client_order_id": o.client_order_id,
    }


def _grid_price(market: M.Market, steps_above_min: int) -> str:
    """A price on the market's grid, `steps_above_min` ticks above its lowest valid price."""
    first = market.price_ranges[0]
    start, step = decimal.Decimal(first.start), decimal.Decimal(first.step)
    lowest = start if start > 0 else start + step
    return str((lowest + step * steps_above_min).quantize(decimal.Decimal("0.0001")))


def market_data(p: Probe, api: dict[str, Any], ticker: str) -> dict[str, Any]:
    """Every public read. Returns what the write phase needs (the market)."""
    mk, ev, ex, hist = api["market"], api["events"], api["exchange"], api["historical"]
    t = {"_request_timeout": TIMEOUT_S}
    markets_n = lambda d: len(d.markets)

    got = p.call(
        "get_market",
        lambda: mk.get_market_with_http_info(ticker=ticker, **t),
        M.GetMarketResponse,
        sample=lambda d: _market_sample(d.market),
    )
    if got is None:
        p.emit(
            {"call": "setup", "ok": False, "err": f"cannot read market {ticker}; the remaining calls need it"}
        )
        return {}
    market = got.market
    event_ticker = market.event_ticker
    series_ticker = event_ticker.split("-")[0]  # Kalshi tickers start with their series ticker

    # /markets: filters, pagination, mve_filter
    p.paginate(
        "get_markets",
        lambda c: mk.get_markets_with_http_info(limit=PAGE_LIMIT, cursor=c, **t),
        M.GetMarketsResponse,
        lambda d: d.markets,
        lambda m: m.ticker,
    )
    # every market once, so that each kind of market (sub-penny grids, fractional, multivariate...) is audited
    p.paginate(
        "get_markets all",
        lambda c: mk.get_markets_with_http_info(limit=1000, cursor=c, **t),
        M.GetMarketsResponse,
        lambda d: d.markets,
        lambda m: m.ticker,
        max_pages=FULL_SWEEP_PAGES,
    )
    for status in ("unopened", "open", "closed", "settled"):
        p.call(
            f"get_markets status={status}",
            lambda s=status: mk.get_markets_with_http_info(limit=100, status=s, **t),
            M.GetMarketsResponse,
            count=markets_n,
            sample=lambda d: {"statuses": sorted({m.status for m in d.markets})},
        )
    for mve in ("only", "exclude"):
        p.call(
            f"get_markets mve_filter={mve}",
            lambda v=mve: mk.get_markets_with_http_info(limit=100, mve_filter=v, **t),
            M.GetMarketsResponse,
            count=markets_n,
            sample=lambda d: {
                "mve_collection_tickers": sorted({m.mve_collection_ticker or "" for m in d.markets}),
                "tickers": [m.ticker for m in d.markets[:5]],
            },
        )
    p.paginate(
        f"get_markets series_ticker={series_ticker}",
        lambda c: mk.get_markets_with_http_info(limit=PAGE_LIMIT, cursor=c, series_ticker=series_ticker, **t),
        M.GetMarketsResponse,
        lambda d: d.markets,
        lambda m: m.ticker,
    )
    p.call(
        "get_markets event_ticker",
        lambda: mk.get_markets_with_http_info(event_ticker=event_ticker, **t),
        M.GetMarketsResponse,
        count=markets_n,
    )
    p.call(
        "get_markets tickers",
        lambda: mk.get_markets_with_http_info(tickers=ticker, **t),
        M.GetMarketsResponse,
        count=markets_n,
        sample=lambda d: {"tickers": [m.ticker for m in d.markets]},
    )
    close_ts = _epoch(market.close_time)
    p.call(
        "get_markets min/max_close_ts",
        lambda: mk.get_markets_with_http_info(
            min_close_ts=close_ts - 3600, max_close_ts=close_ts + 3600, **t
        ),
        M.GetMarketsResponse,
        count=markets_n,
    )

    # order books and trades
    p.call(
        "get_market_orderbook",
        lambda: mk.get_market_orderbook_with_http_info(ticker=ticker, **t),
        M.GetMarketOrderbookResponse,
        count=lambda d: len(d.orderbook_fp.yes_dollars) + len(d.orderbook_fp.no_dollars),
        sample=lambda d: d.orderbook_fp.to_dict(),
    )
    p.call(
        "get_market_orderbook depth=1",
        lambda: mk.get_market_orderbook_with_http_info(ticker=ticker, depth=1, **t),
        M.GetMarketOrderbookResponse,
        count=lambda d: len(d.orderbook_fp.yes_dollars) + len(d.orderbook_fp.no_dollars),
    )
    others = [m.ticker for m in mk.get_markets(limit=3, status="open", series_ticker=series_ticker).markets]
    book_tickers = list(dict.fromkeys([ticker, *others]))
    p.call(
        "get_market_orderbooks",
        lambda: mk.get_market_orderbooks_with_http_info(tickers=book_tickers, **t),
        M.GetMarketOrderbooksResponse,
        count=lambda d: len(d.orderbooks),
        sample=lambda d: {"tickers": [b.ticker for b in d.orderbooks], "requested": book_tickers},
    )
    p.paginate(
        "get_trades",
        lambda c: mk.get_trades_with_http_info(limit=PAGE_LIMIT, cursor=c, **t),
        M.GetTradesResponse,
        lambda d: d.trades,
        lambda tr: tr.trade_id,
        max_pages=3,
    )
    p.paginate(
        "get_trades all",
        lambda c: mk.get_trades_with_http_info(limit=1000, cursor=c, **t),
        M.GetTradesResponse,
        lambda d: d.trades,
        lambda tr: tr.trade_id,
        max_pages=FULL_SWEEP_PAGES,
    )
    now = int(time.time())
    p.call(
        "get_trades ticker+min_ts/max_ts",
        lambda: mk.get_trades_with_http_info(ticker=ticker, min_ts=now - 30 * 86400, max_ts=now + 60, **t),
        M.GetTradesResponse,
        count=lambda d: len(d.trades),
    )

    # events and series
    p.paginate(
        "get_events",
        lambda c: ev.get_events_with_http_info(limit=PAGE_LIMIT, cursor=c, **t),
        M.GetEventsResponse,
        lambda d: d.events,
        lambda e: e.event_ticker,
        max_pages=3,
    )
    p.paginate(
        "get_events all nested",
        lambda c: ev.get_events_with_http_info(limit=200, cursor=c, with_nested_markets=True, **t),
        M.GetEventsResponse,
        lambda d: d.events,
        lambda e: e.event_ticker,
        max_pages=FULL_SWEEP_PAGES,
    )
    p.call(
        "get_events with_nested_markets",
        lambda: ev.get_events_with_http_info(limit=20, with_nested_markets=True, **t),
        M.GetEventsResponse,
        count=lambda d: sum(len(e.markets or []) for e in d.events),
    )
    # (older events' markets have moved to historical and are not nested, so also ask for open events)
    p.call(
        "get_events with_nested_markets status=open",
        lambda: ev.get_events_with_http_info(limit=20, with_nested_markets=True, status="open", **t),
        M.GetEventsResponse,
        count=lambda d: sum(len(e.markets or []) for e in d.events),
    )
    p.call(
        "get_events status=open series_ticker",
        lambda: ev.get_events_with_http_info(status="open", series_ticker=series_ticker, **t),
        M.GetEventsResponse,
        count=lambda d: len(d.events),
    )
    p.call(
        "get_event",
        lambda: ev.get_event_with_http_info(event_ticker=event_ticker, **t),
        M.GetEventResponse,
        count=lambda d: len(d.markets),
        sample=lambda d: {"event_ticker": d.event.event_ticker, "markets": [m.ticker for m in d.markets]},
    )
    p.call(
        "get_event with_nested_markets",
        lambda: ev.get_event_with_http_info(event_ticker=event_ticker, with_nested_markets=True, **t),
        M.GetEventResponse,
        count=lambda d: len(d.event.markets or []),
    )
    series = p.call(
        "get_series_list",
        lambda: mk.get_series_list_with_http_info(**t),
        M.GetSeriesListResponse,
        count=lambda d: len(d.series),
        sample=lambda d: {"tickers": [s.ticker for s in d.series]},
    )
    if series is not None and series.series:
        category = series.series[0].category
        p.call(
            "get_series_list category",
            lambda: mk.get_series_list_with_http_info(category=category, include_volume=True, **t),
            M.GetSeriesListResponse,
            count=lambda d: len(d.series),
        )
    p.call(
        "get_series",
        lambda: mk.get_series_with_http_info(series_ticker=series_ticker, include_volume=True, **t),
        M.GetSeriesResponse,
        sample=lambda d: {
            "ticker": d.series.ticker,
            "fee_type": d.series.fee_type.value,
            "fee_multiplier": d.series.fee_multiplier,
        },
    )

    # candlesticks over the market's life (capped at now); windows sized to the period
    end = min(now, close_ts)
    for period, span in ((1, 3 * 3600), (60, 3 * 86400), (1440, 30 * 86400)):
        start = max(_epoch(market.open_time), end - span)  # at most `span`, and within the market's life
        start = start if start < end else end - span
        p.call(
            f"get_market_candlesticks period={period}",
            lambda s=start, pi=period: mk.get_market_candlesticks_with_http_info(
                series_ticker=series_ticker, ticker=ticker, start_ts=s, end_ts=end, period_interval=pi, **t
            ),
            M.GetMarketCandlesticksResponse,
            count=lambda d: len(d.candlesticks),
        )

    # exchange
    p.call(
        "get_exchange_status",
        lambda: ex.get_exchange_status_with_http_info(**t),
        M.ExchangeStatus,
        sample=lambda d: d.to_dict(),
    )
    p.call(
        "get_exchange_schedule",
        lambda: ex.get_exchange_schedule_with_http_info(**t),
        M.GetExchangeScheduleResponse,
        count=lambda d: len(d.schedule.standard_hours),
    )

    # historical
    p.call(
        "get_historical_cutoff",
        lambda: hist.get_historical_cutoff_with_http_info(**t),
        M.GetHistoricalCutoffResponse,
        sample=lambda d: {"market_settled_ts": _iso(d.market_settled_ts)},
    )
    old = p.paginate(
        "get_historical_markets",
        lambda c: hist.get_historical_markets_with_http_info(limit=PAGE_LIMIT, cursor=c, **t),
        M.GetMarketsResponse,
        lambda d: d.markets,
        lambda m: m.ticker,
        max_pages=3,
    )
    p.paginate(
        "get_historical_markets all",
        lambda c: hist.get_historical_markets_with_http_info(limit=1000, cursor=c, **t),
        M.GetMarketsResponse,
        lambda d: d.markets,
        lambda m: m.ticker,
        max_pages=FULL_SWEEP_PAGES,
    )
    if old:
        old_market = old[0]
        p.call(
            "get_historical_markets tickers",
            lambda: hist.get_historical_markets_with_http_info(tickers=old_market.ticker, **t),
            M.GetMarketsResponse,
            count=markets_n,
        )
        p.call(
            "get_historical_market",
            lambda: hist.get_historical_market_with_http_info(ticker=old_market.ticker, **t),
            M.GetMarketResponse,
            sample=lambda d: _market_sample(d.market),
        )
        old_end, old_open = _epoch(old_market.close_time), _epoch(old_market.open_time)
        for period, span in ((1, 3 * 3600), (60, 3 * 86400), (1440, 30 * 86400)):
            old_start = max(old_open, old_end - span)
            old_start = old_start if old_start < old_end else old_end - span
            p.call(
                f"get_market_candlesticks_historical period={period}",
                lambda s=old_start, pi=period: hist.get_market_candlesticks_historical_with_http_info(
                    ticker=old_market.ticker, start_ts=s, end_ts=old_end, period_interval=pi, **t
                ),
                M.GetMarketCandlesticksHistoricalResponse,
                count=lambda d: len(d.candlesticks),
            )
        p.call(
            "get_trades_historical",
            lambda: hist.get_trades_historical_with_http_info(ticker=old_market.ticker, limit=100, **t),
            M.GetTradesResponse,
            count=lambda d: len(d.trades),
            optional_route=True,
        )
    else:
        p.emit({"call": "get_historical_market", "ok": False, "err": "no historical markets to read"})
    p.call(
        "get_historical_markets mve_filter=exclude",
        lambda: hist.get_historical_markets_with_http_info(limit=10, mve_filter="exclude", **t),
        M.GetMarketsResponse,
        count=markets_n,
    )
    return {"market": market}


def portfolio(p: Probe, api: dict[str, Any]) -> None:
    """Every authenticated read."""
    pf, orders = api["portfolio"], api["orders"]
    t = {"_request_timeout": TIMEOUT_S}
    p.call(
        "get_balance",
        lambda: pf.get_balance_with_http_info(**t),
        M.GetBalanceResponse,
        sample=lambda d: {
            "balance": d.balance,
            "balance_dollars": d.balance_dollars,
            "portfolio_value": d.portfolio_value,
        },
    )
    p.call(
        "get_positions",
        lambda: pf.get_positions_with_http_info(**t),
        M.GetPositionsResponse,
        count=lambda d: len(d.market_positions) + len(d.event_positions),
        sample=lambda d: {"market_positions": {mp.ticker: mp.position_fp for mp in d.market_positions}},
    )
    for flt in ({"count_filter": "position"}, {"settlement_status": "all"}, {"settlement_status": "settled"}):
        p.call(
            f"get_positions {flt}",
            lambda f=flt: pf.get_positions_with_http_info(**f, **t),
            M.GetPositionsResponse,
            count=lambda d: len(d.market_positions) + len(d.event_positions),
        )
    p.paginate(
        "get_fills",
        lambda c: pf.get_fills_with_http_info(limit=1, cursor=c, **t),
        M.GetFillsResponse,
        lambda d: d.fills,
        lambda f: f.fill_id,
        max_pages=4,
    )
    p.call(
        "get_fills all",
        lambda: pf.get_fills_with_http_info(limit=1000, **t),
        M.GetFillsResponse,
        count=lambda d: len(d.fills),
        sample=lambda d: {
            "fills": [
                {
                    "order_id": f.order_id,
                    "count_fp": f.count_fp,
                    "yes_price_dollars": f.yes_price_dollars,
                    "is_taker": f.is_taker,
                    "fee_cost": f.fee_cost,
                    "book_side": f.book_side.value,
                }
                for f in d.fills
            ]
        },
    )
    p.paginate(
        "get_orders",
        lambda c: orders.get_orders_with_http_info(limit=2, cursor=c, **t),
        M.GetOrdersResponse,
        lambda d: d.orders,
        lambda o: o.order_id,
        max_pages=4,
    )
    for status in ("resting", "executed", "canceled"):
        p.call(
            f"get_orders status={status}",
            lambda s=status: orders.get_orders_with_http_info(status=s, **t),
            M.GetOrdersResponse,
            count=lambda d: len(d.orders),
            sample=lambda d: {
                "statuses": sorted({o.status.value for o in d.orders}),
                "ids": [o.order_id for o in d.orders],
            },
        )
    listed = orders.get_orders(limit=1)
    if listed.orders:
        order_id = listed.orders[0].order_id
        p.call(
            "get_order",
            lambda: orders.get_order_with_http_info(order_id=order_id, **t),
            M.GetOrderResponse,
            sample=lambda d: _order_sample(d.order),
        )
    else:
        p.emit({"call": "get_order", "ok": False, "err": "no orders to read"})
    p.call(
        "get_settlements",
        lambda: pf.get_settlements_with_http_info(**t),
        M.GetSettlementsResponse,
        count=lambda d: len(d.settlements),
        sample=lambda d: {
            "settlements": [
                {
                    "ticker": s.ticker,
                    "market_result": s.market_result,
                    "revenue": s.revenue,
                    "yes_count_fp": s.yes_count_fp,
                    "no_count_fp": s.no_count_fp,
                }
                for s in d.settlements
            ]
        },
    )


def writes(p: Probe, api: dict[str, Any], market: M.Market) -> None:
    """V2 order writes on `market`, at prices too low to cross, then one taking order if there is an ask."""
    orders = api["orders"]
    t = {"_request_timeout": TIMEOUT_S}
    ticker = market.ticker
    tag = uuid.uuid4().hex[:8]
    resting = {
        "ticker": ticker,
        "side": M.BookSide.BID,
        "count": "2",
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": M.SelfTradePreventionType.TAKER_AT_CROSS,
    }
    price, amended_price = _grid_price(market, 0), _grid_price(market, 1)

    created = p.call(
        "create_order_v2",
        lambda: orders.create_order_v2_with_http_info(
            M.CreateOrderV2Request(**resting, price=price, client_order_id=f"probe-{tag}-1"), **t
        ),
        M.CreateOrderV2Response,
        status=201,
        sample=lambda d: {
            "order_id": d.order_id,
            "fill_count": d.fill_count,
            "remaining_count": d.remaining_count,
            "price": price,
            "client_order_id": d.client_order_id,
        },
    )
    if created is not None:
        oid = created.order_id
        p.call(
            "amend_order_v2",
            lambda: orders.amend_order_v2_with_http_info(
                oid,
                M.AmendOrderV2Request(ticker=ticker, side=M.BookSide.BID, price=amended_price, count="3"),
                **t,
            ),
            M.AmendOrderV2Response,
            sample=lambda d: {
                "order_id": d.order_id,
                "remaining_count": d.remaining_count,
                "price": amended_price,
            },
        )
        p.call(
            "get_order after amend",
            lambda: orders.get_order_with_http_info(order_id=oid, **t),
            M.GetOrderResponse,
            sample=lambda d: _order_sample(d.order),
        )
        p.call(
            "decrease_order_v2",
            lambda: orders.decrease_order_v2_with_http_info(
                oid, M.DecreaseOrderV2Request(reduce_by="1"), **t
            ),
            M.DecreaseOrderV2Response,
            sample=lambda d: {"remaining_count": d.remaining_count},
        )
        p.call(
            "cancel_order_v2",
            lambda: orders.cancel_order_v2_with_http_info(order_id=oid, **t),
            M.CancelOrderV2Response,
            sample=lambda d: {"order_id": d.order_id, "reduced_by": d.reduced_by},
        )
        p.call(
            "get_order after cancel",
            lambda: orders.get_order_with_http_info(order_id=oid, **t),
            M.GetOrderResponse,
            sample=lambda d: _order_sample(d.order),
        )

    batch = p.call(
        "batch_create_orders_v2",
        lambda: orders.batch_create_orders_v2_with_http_info(
            M.BatchCreateOrdersV2Request(
                orders=[
                    M.CreateOrderV2Request(**resting, price=price, client_order_id=f"probe-{tag}-2"),
                    M.CreateOrderV2Request(**resting, price=amended_price, client_order_id=f"probe-{tag}-3"),
                ]
            ),
            **t,
        ),
        M.BatchCreateOrdersV2Response,
        status=201,
        count=lambda d: len(d.orders),
        sample=lambda d: {
            "orders": [{"order_id": o.order_id, "error": o.error and o.error.to_dict()} for o in d.orders]
        },
    )
    ids = [o.order_id for o in (batch.orders if batch is not None else []) if o.order_id]
    if ids:
        p.call(
            "batch_cancel_orders_v2",
            lambda: orders.batch_cancel_orders_v2_with_http_info(
                M.BatchCancelOrdersV2Request(
                    orders=[M.BatchCancelOrdersV2RequestOrdersInner(order_id=i) for i in ids]
                ),
                **t,
            ),
            M.BatchCancelOrdersV2Response,
            count=lambda d: len(d.orders),
            sample=lambda d: {
                "orders": [{"order_id": o.order_id, "reduced_by": o.reduced_by} for o in d.orders]
            },
        )
    else:
        p.emit(
            {"call": "batch_cancel_orders_v2", "ok": False, "err": "batch create gave no order ids to cancel"}
        )

    # a taking IOC order, so that a create receipt with fills (average_fill_price ...) is parsed too
    fresh = api["market"].get_market(ticker=ticker).market
    if decimal.Decimal(fresh.yes_ask_size_fp) > 0:
        p.call(
            "create_order_v2 taking IOC",
            lambda: orders.create_order_v2_with_http_info(
                M.CreateOrderV2Request(
                    ticker=ticker,
                    side=M.BookSide.BID,
                    count="1",
                    price=fresh.yes_ask_dollars,
                    time_in_force="immediate_or_cancel",
                    client_order_id=f"probe-{tag}-4",
                    self_trade_prevention_type=M.SelfTradePreventionType.TAKER_AT_CROSS,
                ),
                **t,
            ),
            M.CreateOrderV2Response,
            status=201,
            sample=lambda d: {
                "fill_count": d.fill_count,
                "remaining_count": d.remaining_count,
                "average_fill_price": d.average_fill_price,
                "yes_ask": fresh.yes_ask_dollars,
            },
        )
    else:
        p.emit(
            {
                "call": "create_order_v2 taking IOC",
                "ok": False,
                "err": f"{ticker} has no ask to take (yes_ask_size_fp={fresh.yes_ask_size_fp})",
            }
        )

    # last, since it also cancels the caller's resting orders: the SDK expects 204 and no body
    p.call("cancel_all_orders", lambda: orders.cancel_all_orders_with_http_info(**t), None, status=204)
    p.call(
        "get_orders status=resting after cancel_all",
        lambda: orders.get_orders_with_http_info(status="resting", **t),
        M.GetOrdersResponse,
        count=lambda d: len(d.orders),
    )


def convenience(p: Probe, client: k.KalshiClient, ticker: str) -> None:
    """The plain methods most users call, through KalshiClient's forwarding (same parsing path)."""

    def run(name: str, fn: Callable[[], Any], model: type[BaseModel]) -> None:
        try:
            data = fn()
            ok = isinstance(data, model)
            p.emit(
                {
                    "call": f"KalshiClient.{name}",
                    "ok": ok,
                    "err": None if ok else f"got {type(data).__name__}, expected {model.__name__}",
                }
            )
        except Exception as exc:  # noqa: BLE001
            p.emit({"call": f"KalshiClient.{name}", "ok": False, "err": describe(exc)})

    run("get_markets", lambda: client.get_markets(limit=5), M.GetMarketsResponse)
    run("get_market", lambda: client.get_market(ticker=ticker), M.GetMarketResponse)
    run("get_balance", lambda: client.get_balance(), M.GetBalanceResponse)
    run("get_positions", lambda: client.get_positions(), M.GetPositionsResponse)


def smoke(p: Probe, api: dict[str, Any], client: k.KalshiClient, ticker: str) -> None:
    """A few signed calls (one read, one write and its cancel): enough to show that a key authenticates."""
    orders = api["orders"]
    t = {"_request_timeout": TIMEOUT_S}
    p.call(
        "get_balance",
        lambda: api["portfolio"].get_balance_with_http_info(**t),
        M.GetBalanceResponse,
        sample=lambda d: {"balance": d.balance},
    )
    got = p.call(
        "get_market", lambda: api["market"].get_market_with_http_info(ticker=ticker, **t), M.GetMarketResponse
    )
    # without the market (a refused key: the SDK signs public reads too) any price shows the write's status
    price = _grid_price(got.market, 0) if got is not None else "0.01"
    created = p.call(
        "create_order_v2",
        lambda: orders.create_order_v2_with_http_info(
            M.CreateOrderV2Request(
                ticker=ticker,
                side=M.BookSide.BID,
                count="1",
                price=price,
                time_in_force="good_till_canceled",
                self_trade_prevention_type=M.SelfTradePreventionType.TAKER_AT_CROSS,
            ),
            **t,
        ),
        M.CreateOrderV2Response,
        status=201,
    )
    if created is not None:
        p.call(
            "cancel_order_v2",
            lambda: orders.cancel_order_v2_with_http_info(order_id=created.order_id, **t),
            M.CancelOrderV2Response,
            sample=lambda d: {"reduced_by": d.reduced_by},
        )
    convenience(p, client, ticker)


def make_client(url: str, key_id: str, private_key_path: str) -> k.KalshiClient:
    """The SDK's documented setup: its own Configuration and KalshiAuth signing, unchanged."""
    config = k.Configuration(host=url)
    config.api_key_id = key_id
    config.private_key_pem = Path(private_key_path).read_text()
    return k.KalshiClient(config)


def run(
    url: str,
    key_id: str,
    private_key_path: str,
    ticker: str,
    write_ticker: str | None,
    out: typing.TextIO = sys.stdout,
    *,
    smoke_only: bool = False,
    history_only: bool = False,
) -> int:
    client = make_client(url, key_id, private_key_path)
    api = {
        "market": k.MarketApi(client),
        "events": k.EventsApi(client),
        "exchange": k.ExchangeApi(client),
        "historical": k.HistoricalApi(client),
        "portfolio": k.PortfolioApi(client),
        "orders": k.OrdersApi(client),
    }
    p = Probe(out)

    def phase(name: str, fn: Callable[[], Any]) -> Any:
        # an unexpected error in one phase (e.g. in a plain helper call) is reported, and the others still run
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001
            p.emit(
                {
                    "call": f"{name} aborted",
                    "ok": False,
                    "err": describe(exc),
                    "traceback": traceback.format_exc(limit=4)[-2000:],
                }
            )
            return None

    if smoke_only:
        phase("smoke", lambda: smoke(p, api, client, ticker))
        p.emit({"call": "summary", "ok": not p.failed, "failed": list(p.failed)})
        return 1 if p.failed else 0
    if history_only:
        phase("history", lambda: sdk_probe_accounts.history(p, api, {"_request_timeout": TIMEOUT_S}))
        p.emit({"call": "summary", "ok": not p.failed, "failed": list(p.failed)})
        return 1 if p.failed else 0
    # reads first, so that the samples describe the state the caller set up
    found = phase("market data", lambda: market_data(p, api, ticker))
    phase("portfolio", lambda: portfolio(p, api))
    if found:

        def write_phase() -> None:
            market = found["market"]
            if write_ticker and write_ticker != ticker:
                market = api["market"].get_market(ticker=write_ticker).market
            writes(p, api, market)

        phase("writes", write_phase)
    phase("convenience", lambda: convenience(p, client, ticker))
    if found:
        # Last: its subaccount and transfers must not change what the calls above describe.
        phase("accounts", lambda: sdk_probe_accounts.run_all(p, client, api, found["market"], TIMEOUT_S))
    p.emit({"call": "summary", "ok": not p.failed, "failed": list(p.failed)})
    return 1 if p.failed else 0


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "url",
        nargs="?",
        default=os.environ.get("KALSHI_SANDBOX_URL"),
        help="API base ending in /trade-api/v2 (env KALSHI_SANDBOX_URL)",
    )
    parser.add_argument(
        "key_id",
        nargs="?",
        default=os.environ.get("KALSHI_API_KEY_ID"),
        help="API key id (env KALSHI_API_KEY_ID)",
    )
    parser.add_argument(
        "private_key_path",
        nargs="?",
        default=os.environ.get("KALSHI_PRIVATE_KEY_PATH"),
        help="PEM private key file (env KALSHI_PRIVATE_KEY_PATH)",
    )
    parser.add_argument(
        "--ticker", required=True, help="an open market with a book, trades and the user's orders"
    )
    parser.add_argument("--write-ticker", help="the open market to place test orders on (default: --ticker)")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="only a few signed calls (balance, create and cancel an order), to check a key",
    )
    parser.add_argument(
        "--history",
        action="store_true",
        help="only the user's historical tiers (fills, orders, positions), after the caller moved the cutoff",
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    if not (args.url and args.key_id and args.private_key_path):
        parser.error("url, key_id and private_key_path are required (as arguments or environment variables)")
    return run(
        args.url,
        args.key_id,
        args.private_key_path,
        args.ticker,
        args.write_ticker,
        smoke_only=args.smoke,
        history_only=args.history,
    )


if __name__ == "__main__":
    sys.exit(main())
