"""markets_df: lists fetched concurrently, multivariate markets left out, historical markets merged in."""

from __future__ import annotations

import time

import pandas as pd
import pytest

from kalshi_nb import RateLimiter
from kalshi_nb.client import KalshiClient
from kalshi_nb.data import iter_historical_markets, markets_df
from kalshi_nb.data.paging import _merge
from kalshi_nb.frames import describe


def tickers_of(markets: list[dict]) -> list[str]:
    return [m["ticker"] for m in markets]


def mve(market: dict) -> bool:
    return "mve_collection_ticker" in market


def all_series(sb: object) -> list[str]:
    return [s["ticker"] for s in sb.exchange.series_list()]


def test_several_series_return_their_union_once(sb, client) -> None:
    series = all_series(sb)
    assert len(series) >= 5
    expected = [
        t for s in series for t in tickers_of(m for m in sb.exchange.markets(series_ticker=s) if not mve(m))
    ]
    df = markets_df(series, status=None, client=client, progress=False)
    assert df["ticker"].tolist() == expected  # in the order of the series given, each market once
    calls = [r for r in sb.requests if r.path.endswith("/markets")]
    assert sorted(r.query["series_ticker"] for r in calls) == sorted(series)

    # a series given twice is fetched once
    twice = markets_df([series[1], series[0], series[1]], status=None, client=client)
    assert twice["ticker"].tolist() == [
        t
        for s in (series[1], series[0])
        for t in tickers_of(m for m in sb.exchange.markets(series_ticker=s) if not mve(m))
    ]


def test_series_are_fetched_concurrently(sb, client) -> None:
    series = all_series(sb)[:4]
    sb.faults.update(latency=0.3, path="/markets$")
    markets_df(series, status=None, client=client, progress=False)
    calls = [r for r in sb.requests if r.path.endswith("/markets")]
    assert len(calls) == 4
    spans = [(r.time - r.duration, r.time) for r in calls]
    # at the moment the last call started, how many were still running?
    overlapping = max(sum(start <= s < end for s, end in spans) for start, _ in spans)
    assert overlapping >= 3


def test_concurrent_calls_share_the_clients_token_bucket(sb, make_client) -> None:
    # 10 tokens per request, 100 tokens/s, a bucket of one request: at most 10 requests per second
    limiter = RateLimiter(read_rate=100, write_rate=100, read_capacity=10)
    client = make_client(rate_limit=limiter)
    series = all_series(sb)
    started = time.monotonic()
    df = markets_df(series, status=None, client=client, progress=False)
    elapsed = time.monotonic() - started
    assert len(df) > 0
    assert elapsed >= (len(series) - 1) / 10 * 0.95  # the first request is free, each other one waits 0.1 s


class Refused(Exception):
    """The failure of one call (an unknown status is now refused before any request, so it can't be used)."""


def test_one_failing_call_fails_the_whole_pull(sb) -> None:
    class OneCallFails(KalshiClient):
        def get_markets(self, *args: object, **kwargs: object) -> dict:
            if kwargs.get("status") == "closed":
                time.sleep(0.2)
                raise Refused("closed")
            return super().get_markets(*args, **kwargs)

    client = OneCallFails(api_base=sb.url, read_only=True, rate_limit=None)
    sb.faults.update(latency=0.2, path="/markets$")
    started = time.monotonic()
    with pytest.raises(Refused):  # the real error, not the other calls being stopped
        markets_df(status=["open", "unopened", "closed", "settled"], client=client, limit=5)
    # the other calls stop after their current page instead of paging on to the end
    assert time.monotonic() - started < 5
    assert len([r for r in sb.requests if r.path.endswith("/markets")]) < 4 + 8


def test_tickers_are_sent_in_chunks_and_combined_with_other_filters(sb, client) -> None:
    live = [m for m in sb.exchange.markets() if not mve(m)]
    wanted = tickers_of(live[:250])
    sent: list[str] = []

    class Spy(KalshiClient):  # the sandbox's log shortens long query values, so the calls are seen here
        def get_markets(self, *args: object, **kwargs: object) -> dict:
            sent.append(str(kwargs["tickers"]))
            return super().get_markets(*args, **kwargs)

    df = markets_df(tickers=wanted, status=None, client=Spy(api_base=sb.url, read_only=True, rate_limit=None))
    assert df["ticker"].tolist() == wanted
    assert sorted(len(t.split(",")) for t in sent) == [50, 100, 100]  # run concurrently
    assert len([r for r in sb.requests if r.path.endswith("/markets")]) == 3

    btc = [m for m in live if m["event_ticker"].startswith("KXBTC-")]
    mixed = [btc[0]["ticker"], live[0]["ticker"], btc[1]["ticker"]]
    both = markets_df("KXBTC", tickers=mixed, status=None, client=client)
    assert sorted(both["ticker"]) == sorted([btc[0]["ticker"], btc[1]["ticker"]])  # AND across arguments
    assert len(markets_df(tickers=[], client=client)) == 0


def test_multivariate_markets_are_left_out_unless_asked_for(sb, client) -> None:
    markets = list(sb.exchange.markets())
    combos = [m["ticker"] for m in markets if mve(m)]
    singles = [m["ticker"] for m in markets if not mve(m)]
    assert combos
    assert singles
    assert markets_df(status=None, client=client)["ticker"].tolist() == singles
    assert markets_df(status=None, client=client, mve_filter="only")["ticker"].tolist() == combos
    assert markets_df(status=None, client=client, mve_filter=None)["ticker"].tolist() == tickers_of(markets)


def test_historical_markets_are_merged_without_duplicates(sb, client) -> None:
    series = ["KXBTC", "KXBTC15M"]
    live = [
        t for s in series for t in tickers_of(m for m in sb.exchange.markets(series_ticker=s) if not mve(m))
    ]
    old = [t for s in series for t in tickers_of(sb.exchange.historical_markets(series_ticker=s))]
    assert old
    assert not set(old) & set(live)
    df = markets_df(series, status=None, client=client, include_historical=True, progress=False)
    assert df["ticker"].tolist() == live + old
    assert set(df.loc[df["ticker"].isin(old), "status"]) == {"finalized"}
    assert (
        sorted(r.query["series_ticker"] for r in sb.requests if r.path.endswith("/historical/markets"))
        == series
    )

    settled_live = [m for m in sb.exchange.markets(series_ticker="KXBTC", status="settled") if not mve(m)]
    settled = markets_df("KXBTC", status="settled", client=client, include_historical=True)
    assert settled["ticker"].tolist() == tickers_of(settled_live) + tickers_of(
        sb.exchange.historical_markets(series_ticker="KXBTC")
    )
    with pytest.raises(ValueError, match="status='settled' or status=None"):
        markets_df("KXBTC", client=client, include_historical=True)  # default status="open"
    with pytest.raises(ValueError, match="min_close_ts"):
        markets_df("KXBTC", status=None, min_close_ts=0, client=client, include_historical=True)


def test_historical_filters_that_the_endpoint_cannot_combine_are_applied_here(sb, client) -> None:
    old = list(sb.exchange.historical_markets())
    event = old[0]["event_ticker"]
    series = next(
        s
        for s in all_series(sb)
        if sb.exchange.historical_markets(series_ticker=s)
        and event in {m["event_ticker"] for m in sb.exchange.historical_markets(series_ticker=s)}
    )
    in_event = [m["ticker"] for m in old if m["event_ticker"] == event]
    df = markets_df(series, event=event, status=None, client=client, include_historical=True)
    assert set(in_event) <= set(df["ticker"])
    assert set(df["event_ticker"]) == {event}

    other = next(m["ticker"] for m in old if m["event_ticker"] != event)
    picked = list(iter_historical_markets(event=event, tickers=[in_event[0], other], client=client))
    assert tickers_of(picked) == [in_event[0]]
    live = next(m for m in sb.exchange.markets() if not mve(m))
    mixed = markets_df(tickers=[live["ticker"], other], status=None, client=client, include_historical=True)
    assert mixed["ticker"].tolist() == [live["ticker"], other]


def test_merge_keeps_the_first_copy_of_a_market() -> None:
    # a market that moved to the historical tier while the pull ran shows up in both lists: live wins
    live = [{"ticker": "A", "status": "determined"}, {"ticker": "B", "status": "active"}]
    historical = [{"ticker": "A", "status": "finalized"}, {"ticker": "C", "status": "finalized"}]
    merged = list(_merge([live, historical], "ticker", None))
    assert merged == [live[0], live[1], historical[1]]
    assert list(_merge([live, historical], "ticker", 2)) == live
    assert list(_merge([[{"x": 1}, {"x": 1}]], "ticker", None)) == [{"x": 1}, {"x": 1}]  # no key: kept


def test_an_empty_result_is_a_typed_empty_frame(sb, client) -> None:
    full = markets_df(status=None, client=client)
    empty = markets_df("NO-SUCH-SERIES", client=client)
    assert isinstance(empty, pd.DataFrame)
    assert len(empty) == 0
    fixed = describe("markets")["column"].tolist()
    assert empty.columns.tolist() == fixed
    # the full frame has the same fixed columns and dtypes; fields frames does not know come after them
    assert full.columns.tolist()[: len(fixed)] == fixed
    pd.testing.assert_series_equal(empty.dtypes, full.dtypes.iloc[: len(fixed)])
    assert full["yes_bid_dollars"].dtype == "float64"
    assert isinstance(full["status"].dtype, pd.CategoricalDtype)
