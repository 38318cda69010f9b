"""Bad input to the data helpers fails with a clear error BEFORE any request: a matrix of careless calls.

Each case calls a helper against the sandbox and then reads the sandbox's request log: a bad argument must
raise ``ValueError``/``TypeError`` with a message that says what to do, and nothing may have been sent (a
misspelt filter that reached Kalshi would have been ignored there, widening the pull).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from kalshi_nb import data

NOW = datetime.now(timezone.utc).replace(microsecond=0)
NAIVE = datetime(2026, 11, 25, 12)  # noqa: DTZ001 (the point of the test)
T = 1_795_564_800
MARKET = "KXGREENLAND-29"

# id, call(client), error type, words the message must contain (a regex)
CASES = [
    # misspelt or unknown filters: refused, with the right name offered
    (
        "markets-typo-series",
        lambda c: data.markets_df(seris="KXBTC15M", client=c),
        ValueError,
        r"unknown filter 'seris'.*did you mean 'series'",
    ),
    (
        "markets-typo-status",
        lambda c: data.markets_df(stauts="open", client=c),
        ValueError,
        r"did you mean 'status'",
    ),
    (
        "iter-markets-typo",
        lambda c: data.iter_markets(tikers="A", client=c),
        ValueError,
        r"did you mean 'tickers'",
    ),
    (
        "events-typo",
        lambda c: data.events_df(with_nested_market=True, client=c),
        ValueError,
        r"did you mean 'with_nested_markets'",
    ),
    ("trades-typo", lambda c: data.trades_df(tickr="A", client=c), ValueError, r"valid filters: .*ticker"),
    (
        "orders-typo",
        lambda c: data.orders_df(event_tiker="E", client=c),
        ValueError,
        r"did you mean 'event_ticker'",
    ),
    (
        "fills-not-a-fills-filter",
        lambda c: data.fills_df(status="resting", client=c),
        ValueError,
        r"unknown filter 'status' for fills",
    ),
    (
        "positions-typo",
        lambda c: data.positions_df(settlement="all", client=c),
        ValueError,
        r"did you mean 'settlement_status'",
    ),
    (
        "iter-positions-typo",
        lambda c: data.iter_positions(count_filtr="position", client=c),
        ValueError,
        r"did you mean 'count_filter'",
    ),
    (
        "iter-historical-typo",
        lambda c: data.iter_historical_markets(sereis="KXBTC", client=c),
        ValueError,
        r"did you mean 'series'",
    ),
    (
        "settlements-typo",
        lambda c: data.settlements_df(min_t=T, client=c),
        ValueError,
        r"did you mean 'min_ts'",
    ),
    (
        "series-typo",
        lambda c: data.series_df(catgory="Crypto", client=c),
        ValueError,
        r"did you mean 'category'",
    ),
    (
        "historical-unsupported",
        lambda c: data.markets_df(status=None, min_close_ts=T, include_historical=True, client=c),
        ValueError,
        r"drop it or leave",
    ),
    # status and other enum values
    (
        "markets-status-typo",
        lambda c: data.markets_df(status="opne", client=c),
        ValueError,
        r"did you mean 'open'",
    ),
    (
        "markets-status-record-word",
        lambda c: data.markets_df(status="active", client=c),
        ValueError,
        r"Valid: 'unopened', 'open'",
    ),
    (
        "markets-status-in-list",
        lambda c: data.markets_df(status=["open", "bogus"], client=c),
        ValueError,
        r"status='bogus'.*Valid",
    ),
    (
        "markets-status-type",
        lambda c: data.markets_df(status=5, client=c),
        ValueError,
        r"status must be a string or a list of strings",
    ),
    (
        "iter-events-status",
        lambda c: data.iter_events(status="Open", client=c),
        ValueError,
        r"did you mean 'open'",
    ),
    (
        "orders-status",
        lambda c: data.orders_df(status="open", client=c),
        ValueError,
        r"Valid: 'resting', 'canceled', 'executed'",
    ),
    ("iter-orders-status", lambda c: data.iter_orders(status="filled", client=c), ValueError, r"Valid:"),
    (
        "positions-settlement-status",
        lambda c: data.positions_df(settlement_status="unsettle", client=c),
        ValueError,
        r"did you mean 'unsettled'",
    ),
    (
        "mve-filter",
        lambda c: data.markets_df(mve_filter="inclde", client=c),
        ValueError,
        r"did you mean 'exclude'",
    ),
    (
        "historical-mve-only",
        lambda c: data.markets_df(status=None, mve_filter="only", include_historical=True, client=c),
        ValueError,
        r"mve_filter='exclude'",
    ),
    # times: naive, out of order, not times
    (
        "markets-naive-ts",
        lambda c: data.markets_df(min_close_ts=NAIVE, client=c),
        ValueError,
        r"naive datetime.*tzinfo=timezone.utc",
    ),
    (
        "trades-naive-text",
        lambda c: data.trades_df(max_ts="2026-11-25T12:00:00", client=c),
        ValueError,
        r"naive datetime.*offset or Z",
    ),
    ("iter-trades-naive", lambda c: data.iter_trades(min_ts=NAIVE, client=c), ValueError, r"naive"),
    ("iter-trade-pages-naive", lambda c: data.iter_trade_pages(min_ts=NAIVE, client=c), ValueError, r"naive"),
    ("fills-naive", lambda c: data.fills_df(min_ts=NAIVE, client=c), ValueError, r"naive"),
    ("orders-naive", lambda c: data.orders_df(max_ts=NAIVE, client=c), ValueError, r"naive"),
    ("settlements-naive", lambda c: data.settlements_df(min_ts=NAIVE, client=c), ValueError, r"naive"),
    ("candles-naive", lambda c: data.candles_df(MARKET, NAIVE, NOW, client=c), ValueError, r"naive"),
    (
        "candles-naive-end",
        lambda c: data.candles_df(MARKET, NOW, NAIVE, client=c),
        ValueError,
        r"end=.*naive",
    ),
    (
        "trades-start-after-end",
        lambda c: data.trades_df(min_ts=T + 60, max_ts=T, client=c),
        ValueError,
        r"min_ts .* is after max_ts .*: swap them",
    ),
    ("iter-fills-after", lambda c: data.iter_fills(min_ts=T + 1, max_ts=T, client=c), ValueError, r"after"),
    (
        "markets-close-after",
        lambda c: data.markets_df(min_close_ts=T + 1, max_close_ts=T, client=c),
        ValueError,
        r"min_close_ts .* is after max_close_ts",
    ),
    (
        "candles-start-after-end",
        lambda c: data.candles_df(MARKET, NOW, NOW - timedelta(hours=1), client=c),
        ValueError,
        r"start .* is after end .*: swap them",
    ),
    ("ts-bool", lambda c: data.trades_df(min_ts=True, client=c), TypeError, r"min_ts must be Unix seconds"),
    ("ts-nan", lambda c: data.trades_df(min_ts=float("nan"), client=c), ValueError, r"finite"),
    ("ts-negative", lambda c: data.orders_df(min_ts=-5, client=c), ValueError, r"before 1970"),
    ("ts-millis", lambda c: data.fills_df(min_ts=T * 1000, client=c), ValueError, r"milliseconds"),
    ("ts-list", lambda c: data.trades_df(min_ts=[T], client=c), TypeError, r"Unix seconds"),
    ("ts-words", lambda c: data.trades_df(min_ts="yesterday", client=c), ValueError, r"ISO-8601"),
    (
        "candles-start-nan",
        lambda c: data.candles_df(MARKET, float("nan"), T, client=c),
        ValueError,
        r"finite",
    ),
    # counts and limits: NaN, bool, negative, fractional, wrong types
    (
        "max-rows-negative",
        lambda c: data.markets_df(max_rows=-1, client=c),
        ValueError,
        r"max_rows .* at least 0",
    ),
    (
        "max-rows-bool",
        lambda c: data.markets_df(max_rows=True, client=c),
        TypeError,
        r"max_rows .*whole number",
    ),
    ("max-rows-nan", lambda c: data.events_df(max_rows=float("nan"), client=c), ValueError, r"whole number"),
    ("max-rows-fraction", lambda c: data.trades_df(max_rows=2.5, client=c), TypeError, r"whole number"),
    ("max-rows-text", lambda c: data.iter_markets(max_rows="10", client=c), TypeError, r"whole number"),
    (
        "iter-max-rows-negative",
        lambda c: data.iter_settlements(max_rows=-3, client=c),
        ValueError,
        r"max_rows",
    ),
    (
        "limit-zero",
        lambda c: data.markets_df(limit=0, client=c),
        ValueError,
        r"page size.*between 1 and 1000",
    ),
    ("limit-too-big", lambda c: data.events_df(limit=201, client=c), ValueError, r"1-200|between 1 and 200"),
    ("limit-negative", lambda c: data.trades_df(limit=-5, client=c), ValueError, r"limit"),
    ("limit-bool", lambda c: data.markets_df(limit=True, client=c), TypeError, r"limit must be an integer"),
    ("limit-nan", lambda c: data.orders_df(limit=float("nan"), client=c), ValueError, r"whole number"),
    ("limit-fraction", lambda c: data.fills_df(limit=10.5, client=c), ValueError, r"whole number"),
    (
        "limit-text",
        lambda c: data.positions_df(limit="100", client=c),
        TypeError,
        r"limit must be an integer",
    ),
    (
        "subaccount-negative",
        lambda c: data.orders_df(subaccount=-5, client=c),
        ValueError,
        r"subaccount .* >= 0",
    ),
    ("subaccount-bool", lambda c: data.fills_df(subaccount=True, client=c), TypeError, r"integer"),
    (
        "depth-negative",
        lambda c: data.orderbook_df(MARKET, depth=-1, client=c),
        ValueError,
        r"depth .*between 0 and 100",
    ),
    ("depth-too-big", lambda c: data.orderbook_df(MARKET, depth=101, client=c), ValueError, r"0 and 100"),
    ("depth-bool", lambda c: data.orderbook_df(MARKET, depth=True, client=c), TypeError, r"whole number"),
    ("depth-fraction", lambda c: data.orderbook_df(MARKET, depth=2.5, client=c), TypeError, r"whole number"),
    (
        "interval-unknown",
        lambda c: data.candles_df(MARKET, interval=7, client=c),
        ValueError,
        r"interval must be 1, 60 or 1440",
    ),
    ("interval-bool", lambda c: data.candles_df(MARKET, interval=True, client=c), ValueError, r"interval"),
    (
        "interval-numpy-bool",
        lambda c: data.candles_df(MARKET, interval=np.bool_(True), client=c),
        ValueError,
        r"interval",
    ),
    ("interval-list", lambda c: data.candles_df(MARKET, interval=[60], client=c), ValueError, r"interval"),
    # other wrong types
    ("progress-text", lambda c: data.markets_df(progress="yes", client=c), ValueError, r"progress must be"),
    (
        "include-historical-text",
        lambda c: data.markets_df(include_historical="yes", client=c),
        TypeError,
        r"include_historical must be True or False",
    ),
    (
        "with-markets-text",
        lambda c: data.events_df(with_markets="no", client=c),
        TypeError,
        r"with_markets must be True or False",
    ),
    ("iter-with-markets", lambda c: data.iter_events(with_markets=1, client=c), TypeError, r"True or False"),
    ("series-number", lambda c: data.markets_df(5, client=c), ValueError, r"series must be a string"),
    (
        "tickers-numbers",
        lambda c: data.markets_df(tickers=[1, 2], client=c),
        ValueError,
        r"tickers must be a string",
    ),
    ("trades-ticker-number", lambda c: data.trades_df(5, client=c), ValueError, r"ticker must be a string"),
    (
        "candles-ticker-none",
        lambda c: data.candles_df(None, client=c),
        TypeError,
        r"ticker must be one market",
    ),
    ("candles-ticker-list", lambda c: data.candles_df([MARKET], client=c), TypeError, r"ticker must be one"),
    ("orderbook-ticker-number", lambda c: data.orderbook_df(5, client=c), ValueError, r"ticker must be"),
    (
        "bool-filter-text",
        lambda c: data.trades_df(is_block_trade="yes", client=c),
        TypeError,
        r"is_block_trade must be True or False",
    ),
    (
        "series-bool-text",
        lambda c: data.series_df(include_volume="true", client=c),
        TypeError,
        r"include_volume must be True or False",
    ),
    ("both-names", lambda c: data.markets_df(event="A", event_ticker="B", client=c), ValueError, r"not both"),
]


@pytest.mark.parametrize(("call", "error", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_fails_before_any_request(sb, client, call, error, words) -> None:
    sb.requests.clear()
    with pytest.raises(error, match=words):
        call(client)  # iter_* too: they check everything when called, not at the first next()
    assert [f"{r.method} {r.path}" for r in sb.requests] == []


def test_every_entry_point_is_in_the_matrix() -> None:
    import inspect

    names = {n for n in data.__all__ if n.endswith("_df") or n.startswith("iter_")}
    calls = "".join(inspect.getsource(c[1]) for c in CASES)
    assert sorted(n for n in names if f"data.{n}(" not in calls) == []
    assert len({c[0] for c in CASES}) == len(CASES)  # ids are unique


def test_numpy_and_pandas_integers_are_taken_where_ints_are(sb, client) -> None:
    import pandas as pd

    frame = pd.DataFrame({"n": [50, 7, 5, 60]})
    limit, max_rows, depth, interval = (frame["n"].iloc[i] for i in range(4))
    assert isinstance(limit, np.integer)
    df = data.markets_df(status=None, limit=limit, max_rows=max_rows, client=client)
    assert len(df) == 7
    sent = [r.query["limit"] for r in sb.requests if r.path.endswith("/markets")]
    assert sent == ["7"]  # asked for just what was missing, as a plain int
    assert (
        len(list(data.iter_events(status=None, limit=np.int32(3), max_rows=np.int64(4), client=client))) == 4
    )
    book = data.orderbook_df(MARKET, depth=depth, client=client)
    assert book["book_side"].value_counts().max() <= 5
    end = pd.Timestamp(NOW)
    candles = data.candles_df(MARKET, end - pd.Timedelta("3h"), end, interval=interval, client=client)
    assert len(candles) >= 2
    trades = data.trades_df(min_ts=np.int64(0), max_ts=np.float64(T * 2), max_rows=np.uint8(3), client=client)
    assert len(trades) == 3
