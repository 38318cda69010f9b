"""Cursor paging: every row once, the same filters on every page, repeated cursors, max_rows, failures."""

from __future__ import annotations

import pandas as pd
import pytest

import kalshi_nb
from kalshi_nb import PaginationError, ServerError, defaults
from kalshi_nb.data import iter_events, iter_markets, iter_trades, markets_df, trades_df


def markets_calls(sb: object) -> list[object]:
    return [r for r in sb.requests if r.path.endswith("/trade-api/v2/markets")]


def non_mve(sb: object, **filters: object) -> list[str]:
    """Tickers of the exchange's live non-multivariate markets, in the exchange's order."""
    return [m["ticker"] for m in sb.exchange.markets(**filters) if "mve_collection_ticker" not in m]


def test_every_market_exactly_once_across_many_pages(sb, client) -> None:
    expected = non_mve(sb)
    df = markets_df(status=None, client=client, limit=37, progress=False)
    assert df["ticker"].tolist() == expected  # same rows, same order, nothing twice
    pages = markets_calls(sb)
    assert len(pages) == -(-len(expected) // 37)  # ceil: the last page ends on an empty cursor


def test_filters_are_sent_on_every_page(sb, client) -> None:
    series = "KXBTC"
    expected = non_mve(sb, series_ticker=series, status="settled")
    assert len(expected) > 60  # several pages of 25
    df = markets_df(series, status="settled", client=client, limit=25, progress=False)
    assert df["ticker"].tolist() == expected
    pages = markets_calls(sb)
    assert len(pages) == -(-len(expected) // 25)
    for i, page in enumerate(pages):
        assert page.query["series_ticker"] == series
        assert page.query["status"] == "settled"
        assert page.query["mve_filter"] == "exclude"
        assert page.query["limit"] == "25"
        assert ("cursor" in page.query) == (i > 0)
    cursors = [p.query["cursor"] for p in pages[1:]]
    assert len(set(cursors)) == len(cursors)


def test_a_repeated_cursor_raises_instead_of_looping(sb, client) -> None:
    sb.faults.update(stuck_cursor=True)
    with pytest.raises(PaginationError, match="repeated a cursor"):
        markets_df(status=None, client=client, limit=50, progress=False)
    assert len(markets_calls(sb)) == 2  # page 1 hands out a cursor, page 2 hands the same one back

    sb.requests.clear()
    rows = iter_markets(status=None, client=client, limit=50)
    first_two_pages = [next(rows)["ticker"] for _ in range(100)]
    assert first_two_pages == non_mve(sb)[:100]  # the rows before the repeat are the right ones, once
    with pytest.raises(PaginationError):
        next(rows)


def test_iterators_stop_on_an_empty_cursor(sb, client) -> None:
    events = list(iter_events(status=None, client=client, limit=17))
    assert [e["event_ticker"] for e in events] == [e["event_ticker"] for e in sb.exchange.events()]
    event_pages = [r for r in sb.requests if r.path.endswith("/events")]
    assert len(event_pages) == -(-len(events) // 17)


def test_max_rows_stops_early_and_asks_only_for_what_is_missing(sb, client) -> None:
    expected = non_mve(sb)
    rows = list(iter_markets(status=None, client=client, max_rows=120, limit=50))
    assert [m["ticker"] for m in rows] == expected[:120]
    assert [p.query["limit"] for p in markets_calls(sb)] == ["50", "50", "20"]

    sb.requests.clear()
    df = markets_df(status=None, client=client, max_rows=7, progress=False)
    assert df["ticker"].tolist() == expected[:7]
    assert [p.query["limit"] for p in markets_calls(sb)] == ["7"]

    sb.requests.clear()
    assert len(markets_df(status=None, client=client, max_rows=0)) == 0
    assert markets_calls(sb) == []
    with pytest.raises(ValueError, match="max_rows"):
        markets_df(client=client, max_rows=-1)


def test_a_page_failing_after_the_retries_raises_and_returns_no_frame(sb, client) -> None:
    sb.faults.update(error_rate=1.0, path="/markets$")
    sb.faults.script(["ok"], path="/markets$")  # page 1 succeeds, every later attempt is a 5xx
    with pytest.raises(ServerError):
        markets_df(status=None, client=client, limit=50, progress=False)
    assert len(markets_calls(sb)) == 1 + client.retry.max_attempts

    sb.faults.clear()
    sb.faults.update(error_rate=1.0, path="/markets$")
    sb.faults.script(["ok"], path="/markets$")
    rows = iter_markets(status=None, client=client, limit=50)
    assert len([next(rows) for _ in range(50)]) == 50
    with pytest.raises(ServerError):
        next(rows)


def test_the_default_client_is_used_and_its_absence_is_explained(
    sb, client, monkeypatch, no_default_client
) -> None:
    with pytest.raises(RuntimeError, match=r"kalshi_nb\.connect\(\)"):
        kalshi_nb.markets_df()
    with pytest.raises(RuntimeError, match=r"kalshi_nb\.connect\(\)"):
        iter_markets()
    assert len(sb.requests) == 0  # refused before anything was sent
    monkeypatch.setattr(defaults, "_default", client)
    df = kalshi_nb.markets_df("KXBTC15M", status=None, progress=False)
    assert df["ticker"].tolist() == non_mve(sb, series_ticker="KXBTC15M")


def test_the_api_names_of_filters_are_accepted(sb, client) -> None:
    event = next(m["event_ticker"] for m in sb.exchange.markets(series_ticker="KXBTC"))
    by_short = markets_df(event=event, status=None, client=client)
    by_api = markets_df(event_ticker=event, status=None, client=client)
    assert by_short["ticker"].tolist() == by_api["ticker"].tolist() == non_mve(sb, event_ticker=event)
    with pytest.raises(ValueError, match="not both"):
        markets_df(event="A", event_ticker="B", client=client)


def test_time_filters_take_aware_datetimes_and_refuse_naive_ones(sb, client) -> None:
    trades = sb.exchange.trades()
    assert len(trades) > 20
    # a window holding some trades, chosen from the exchange's own trade times
    times = sorted(pd.Timestamp(t["created_time"]).floor("s") for t in trades)
    lo, hi = times[len(times) // 4], times[len(times) // 2]
    expected = [
        t["trade_id"] for t in trades if lo <= pd.Timestamp(t["created_time"]) < hi + pd.Timedelta("1s")
    ]
    by_datetime = trades_df(min_ts=lo.to_pydatetime(), max_ts=hi, client=client, progress=False)
    by_seconds = trades_df(min_ts=int(lo.timestamp()), max_ts=int(hi.timestamp()), client=client)
    by_text = trades_df(min_ts=lo.isoformat(), max_ts=hi.strftime("%Y-%m-%dT%H:%M:%SZ"), client=client)
    assert by_datetime["trade_id"].tolist() == by_seconds["trade_id"].tolist() == by_text["trade_id"].tolist()
    assert by_datetime["trade_id"].tolist() == expected
    with pytest.raises(ValueError, match="no timezone"):
        trades_df(min_ts=lo.tz_localize(None).to_pydatetime(), client=client)
    with pytest.raises(ValueError, match="no timezone"):
        list(iter_trades(max_ts="2026-11-25T12:00:00", client=client))
    with pytest.raises(ValueError, match="no timezone"):
        markets_df(status="closed", min_close_ts=pd.Timestamp("2026-11-25"), client=client)


def test_progress_bar_appears_on_long_pulls_only(sb, client, capsys) -> None:
    markets_df(status=None, client=client, limit=200, progress=None)  # 2 pages: no bar
    assert "markets" not in capsys.readouterr().err
    n = len(non_mve(sb))
    markets_df(status=None, client=client, limit=40, progress=None)  # > 3 pages: a bar counting rows
    err = capsys.readouterr().err
    assert f"markets: {n} rows" in err
    assert f"{-(-n // 40)} pages" in err
    markets_df(status=None, client=client, limit=40, progress=False)
    assert capsys.readouterr().err == ""
    markets_df("KXBTC15M", status="open", client=client, progress=True)  # forced on, one page
    assert "markets:" in capsys.readouterr().err
    with pytest.raises(ValueError, match="progress"):
        markets_df(client=client, progress="yes")
